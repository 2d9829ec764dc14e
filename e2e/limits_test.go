package e2e

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/odoo-afterpay/bridge/afterpay/sandbox"
	"github.com/odoo-afterpay/bridge/internal/app"
	"github.com/odoo-afterpay/bridge/money"
	"github.com/odoo-afterpay/bridge/workflows"
)

// TestMerchantLimits refreshes the merchant's Afterpay limits as the
// worker's schedule does: they are cached on Odoo's Afterpay provider, an
// order above the maximum never gets a checkout and its chatter says why,
// and a refresh Afterpay fails keeps the last good limits and fails the run.
func TestMerchantLimits(t *testing.T) {
	p := startProduct(t)
	ctx := context.Background()
	// The simulator's limits (startProduct): 1.00 to 10000.00 USD.
	wantMin, wantMax := money.MustNew(100, "USD"), money.MustNew(1000000, "USD")

	// The worker's schedule refreshes once as it is created; let that run
	// end first, so that only this test's runs change the cache.
	p.awaitFirstScheduledRefresh(t)
	res := p.refreshLimits(t)
	require.False(t, res.RefreshFailed)
	require.NotNil(t, res.Limits)
	require.Equal(t, wantMin, res.Limits.Minimum)
	require.Equal(t, wantMax, res.Limits.Maximum)
	cached, err := p.odoo.ReadMerchantLimits(ctx)
	require.NoError(t, err)
	require.NotNil(t, cached, "the limits are cached on Odoo's Afterpay provider")
	require.Equal(t, wantMin, cached.Minimum)
	require.Equal(t, wantMax, cached.Maximum)
	require.Equal(t, res.LastGoodAt, cached.RefreshedAt)

	overMaximum := func(t *testing.T) {
		t.Helper()
		orderID, order := p.quotation(t, true, invoicedOnOrder(600000, 2)) // 12000.00 USD and more
		p.confirm(t, orderID)
		view := p.waitStatus(t, order, workflows.StatusNotPayable)
		require.Contains(t, view.Reason, "above the merchant's Afterpay maximum of 10000.00 USD")
		require.True(t, view.CheckoutExpires.IsZero(), "no checkout at Afterpay")
		p.requireChatterSays(t, orderID, "Afterpay cannot be used for this order", "above the merchant's Afterpay maximum of 10000.00 USD",
			"Afterpay accepts orders from 1.00 to 10000.00 USD")
		txs, err := p.odoo.Search(ctx, "payment.transaction", []any{[]any{"reference", "=", order + "-AFTERPAY"}}, nil)
		require.NoError(t, err)
		require.Empty(t, txs, "no payment transaction")
	}
	t.Run("an order above the maximum never gets a checkout", overMaximum)

	t.Run("a failed refresh keeps the last good limits", func(t *testing.T) {
		require.NoError(t, p.sim.InjectFault(sandbox.Fault{Endpoint: sandbox.EndpointConfiguration, Kind: sandbox.FaultServerError, Times: 1000}))
		t.Cleanup(p.sim.ClearFaults)
		ctx, cancel := context.WithTimeout(ctx, 3*time.Minute)
		defer cancel()
		failed, id, err := app.RefreshMerchantLimits(ctx, p.temporal, p.cfg)
		require.Error(t, err, "the run fails: the alert")
		require.Contains(t, err.Error(), "the last good limits stay in force: 1.00 to 10000.00 USD")
		t.Logf("refresh %s: %v", id, err)
		require.NotNil(t, failed)
		require.True(t, failed.RefreshFailed)
		require.Equal(t, res.Limits, failed.Limits)
		require.Equal(t, res.LastGoodAt, failed.LastGoodAt)
		after, err := p.odoo.ReadMerchantLimits(ctx)
		require.NoError(t, err)
		require.Equal(t, cached, after, "Odoo keeps the last good limits")
		// They still apply.
		overMaximum(t)
	})
}

// refreshLimits refreshes the merchant's limits now, as the schedule does.
func (p *product) refreshLimits(t testing.TB) *workflows.MerchantLimitsResult {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	res, _, err := app.RefreshMerchantLimits(ctx, p.temporal, p.cfg)
	require.NoError(t, err)
	return res
}

// awaitFirstScheduledRefresh waits for the refresh the worker's schedule
// starts when it is created.
func (p *product) awaitFirstScheduledRefresh(t testing.TB) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	h := p.temporal.ScheduleClient().GetHandle(ctx, workflows.MerchantLimitsScheduleID(p.cfg.Odoo.Database))
	var first string
	require.EventuallyWithT(t, func(c *assert.CollectT) {
		d, err := h.Describe(ctx)
		require.NoError(c, err)
		require.NotEmpty(c, d.Info.RecentActions)
		first = d.Info.RecentActions[0].StartWorkflowResult.WorkflowID
	}, time.Minute, 100*time.Millisecond, "the schedule refreshes once as it is created")
	_ = p.temporal.GetWorkflow(ctx, first, "").Get(ctx, nil) // its outcome is not this test's
}
