package workflows

import (
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"

	"github.com/odoo-afterpay/bridge/activities"
	"github.com/odoo-afterpay/bridge/money"
)

var limitsReadAt = time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)

// cachedLimits are limits of 1.00 to 100.00 USD, as the schedule left them
// in Odoo.
func cachedLimits() *activities.CachedLimits {
	return &activities.CachedLimits{Found: true, Limits: activities.MerchantLimits{Minimum: usd(100), Maximum: usd(10000), ReadAt: limitsReadAt}}
}

func TestOrderOutsideTheMerchantLimitsGetsNoCheckout(t *testing.T) {
	for _, tt := range []struct {
		name  string
		total int64
		want  string
	}{
		{"above the maximum", 10001, "the order total 100.01 USD is above the merchant's Afterpay maximum of 100.00 USD: Afterpay accepts orders from 1.00 to 100.00 USD for this merchant (read at 2026-03-01 09:00 UTC)"},
		{"below the minimum", 99, "the order total 0.99 USD is below the merchant's Afterpay minimum of 1.00 USD: Afterpay accepts orders from 1.00 to 100.00 USD"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t)
			order := orderState("sale")
			order.Total = usd(tt.total)
			h.env.OnActivity(act.ReadOrderState, mock.Anything, mock.Anything).Return(order, nil)
			h.env.OnActivity(act.ReadCachedLimits, mock.Anything).Return(cachedLimits(), nil).Once()
			h.expectNotes()
			h.execute(input())
			res := h.result()
			require.Equal(t, StatusNotPayable, res.Status)
			require.Contains(t, res.Reason, tt.want)
			require.True(t, h.notesSay("Afterpay cannot be used for this order: "+tt.want), "%q", h.notes)
			require.Zero(t, h.calls["CreateCheckout"], "Afterpay is never asked for a checkout")
			require.Zero(t, h.calls["OpenTransaction"])
		})
	}
}

func TestOrderInsideTheMerchantLimitsGetsItsCheckout(t *testing.T) {
	h := newHarness(t)
	h.expectCheckout() // an order of 110.00 USD
	// Both ends are inclusive, as at Afterpay.
	exact := &activities.CachedLimits{Found: true, Limits: activities.MerchantLimits{Minimum: usd(11000), Maximum: usd(11000), ReadAt: limitsReadAt}}
	h.env.OnActivity(act.ReadCachedLimits, mock.Anything).Return(exact, nil).Once()
	h.env.RegisterDelayedCallback(func() {
		require.Equal(t, StatusAwaitingCustomer, h.status().Status)
		h.env.CancelWorkflow()
	}, time.Minute)
	h.execute(input())
	require.Equal(t, 1, h.calls["CreateCheckout"])
}

func TestUnknownOrUnreadableLimitsLeaveTheCheckToAfterpay(t *testing.T) {
	for name, answer := range map[string]func() (*activities.CachedLimits, error){
		"never refreshed": func() (*activities.CachedLimits, error) { return &activities.CachedLimits{}, nil },
		"odoo refuses": func() (*activities.CachedLimits, error) {
			return nil, temporal.NewNonRetryableApplicationError("no field", activities.ErrTypeOdooRejected, nil)
		},
	} {
		t.Run(name, func(t *testing.T) {
			h := newHarness(t)
			h.expectCheckout()
			h.env.OnActivity(act.ReadCachedLimits, mock.Anything).Return(answer())
			h.env.RegisterDelayedCallback(func() { h.env.CancelWorkflow() }, time.Minute)
			h.execute(input())
			require.Equal(t, 1, h.calls["CreateCheckout"])
		})
	}
}

func TestLimitReasonsInAnotherCurrency(t *testing.T) {
	got := limitReasons(money.MustNew(5000, "EUR"), cachedLimits().Limits)
	require.Len(t, got, 1)
	require.Contains(t, got[0], "the order is in EUR, but the merchant's Afterpay limits are in USD")
	require.Empty(t, limitReasons(usd(5000), cachedLimits().Limits))
}

func newLimitsEnv(t *testing.T) *testsuite.TestWorkflowEnvironment {
	t.Helper()
	var suite testsuite.WorkflowTestSuite
	env := suite.NewTestWorkflowEnvironment()
	env.RegisterWorkflowWithOptions(MerchantLimits, workflow.RegisterOptions{Name: MerchantLimitsWorkflowName})
	env.RegisterActivity(&activities.Activities{})
	t.Cleanup(func() { env.AssertExpectations(t) })
	return env
}

func TestMerchantLimitsRefreshSavesAfterpaysLimits(t *testing.T) {
	env := newLimitsEnv(t)
	fresh := activities.MerchantLimits{Minimum: usd(100), Maximum: usd(200000), ReadAt: limitsReadAt.Add(time.Hour)}
	env.OnActivity(act.ReadCachedLimits, mock.Anything).Return(cachedLimits(), nil).Once()
	env.OnActivity(act.FetchMerchantLimits, mock.Anything).Return(&fresh, nil).Once()
	env.OnActivity(act.SaveMerchantLimits, mock.Anything, fresh).Return(nil).Once()
	env.ExecuteWorkflow(MerchantLimitsWorkflowName, MerchantLimitsInput{Database: "odoo"})
	require.NoError(t, env.GetWorkflowError())
	var res MerchantLimitsResult
	require.NoError(t, env.GetWorkflowResult(&res))
	require.False(t, res.RefreshFailed)
	require.True(t, res.Changed)
	require.Equal(t, &fresh, res.Limits)
	require.Equal(t, fresh.ReadAt, res.LastGoodAt)
	require.Equal(t, cachedLimits().Limits, *res.Previous)
}

func TestFailedMerchantLimitsRefreshKeepsTheLastGoodValues(t *testing.T) {
	env := newLimitsEnv(t)
	env.OnActivity(act.ReadCachedLimits, mock.Anything).Return(cachedLimits(), nil).Once()
	// Afterpay keeps answering 500: retried, then given up.
	env.OnActivity(act.FetchMerchantLimits, mock.Anything).
		Return(nil, temporal.NewApplicationError("afterpay get configuration: 500 server_error", activities.ErrTypeAfterpayUnavailable))
	env.ExecuteWorkflow(MerchantLimitsWorkflowName, MerchantLimitsInput{Database: "odoo"})
	err := env.GetWorkflowError()
	require.Error(t, err)
	var appErr *temporal.ApplicationError
	require.True(t, errors.As(err, &appErr))
	require.Equal(t, ErrTypeLimitsRefreshFailed, appErr.Type())
	require.Contains(t, appErr.Message(), "the last good limits stay in force: 1.00 to 100.00 USD, read at 2026-03-01T09:00:00Z")
	var res MerchantLimitsResult
	require.NoError(t, appErr.Details(&res))
	require.True(t, res.RefreshFailed)
	require.Contains(t, res.Error, "500 server_error")
	require.Equal(t, cachedLimits().Limits, *res.Limits, "the last good limits")
	require.Equal(t, limitsReadAt, res.LastGoodAt)
	env.AssertNotCalled(t, "SaveMerchantLimits", mock.Anything, mock.Anything)
}
