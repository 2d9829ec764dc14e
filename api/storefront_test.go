package api

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/mocks"

	"github.com/odoo-afterpay/bridge/workflows"
)

func (e *env) storefront(target, authorization string) *http.Response {
	h := http.Header{}
	if authorization != "" {
		h.Set("Authorization", authorization)
	}
	return e.serve(request{method: http.MethodGet, target: target, header: h}).Result()
}

// What the storefront reads is authenticated: without one of its API keys,
// nothing is asked of Temporal.
func TestCheckoutNeedsTheStorefrontsKey(t *testing.T) {
	for name, auth := range map[string]string{
		"no credentials":    "",
		"wrong key":         "Bearer sfk-wrong-0123456789abcdef0123",
		"key prefix only":   "Bearer " + storeKey[:10],
		"key with a suffix": "Bearer " + storeKey + "x",
		"basic scheme":      "Basic " + storeKey,
		"bare key":          storeKey,
		"the webhook token": "Bearer " + token,
	} {
		t.Run(name, func(t *testing.T) {
			e := newEnv(t)
			resp := e.storefront("/orders/S00043/checkout", auth)
			require.Equal(t, http.StatusUnauthorized, resp.StatusCode)
			require.Equal(t, `Bearer realm="storefront"`, resp.Header.Get("WWW-Authenticate"))
			e.requireNothingReachedTemporal()
			require.NotContains(t, e.log.String(), storeKey)
		})
	}
	e := newEnv(t, func(o *Options) { o.StorefrontAPIKeys = nil })
	require.Equal(t, http.StatusUnauthorized, e.storefront("/orders/S00043/checkout", "Bearer ").StatusCode, "no keys configured: nobody gets in")
	e.requireNothingReachedTemporal()
}

// The answer says where to send the customer and where the payment stands,
// never why internally (reasons carry PIDs and hosts) or internal ids. Both
// keys of a rotation work.
func TestCheckoutAnswersWithoutInternals(t *testing.T) {
	e := newEnv(t)
	info := workflows.CheckoutInfo{
		OrderName: "S00043", Status: workflows.StatusAwaitingCustomer, Token: "002.tok",
		RedirectCheckoutURL: "https://portal.afterpay.com/us/checkout/?token=002.tok", Amount: &amount,
		Expires:         time.Date(2026, 6, 1, 13, 0, 0, 0, time.UTC),
		Reason:          "activity error (type: ReadOrder, scheduledEventID: 5, startedEventID: 6, identity: 4242@worker-7.internal@)",
		AfterpayOrderID: "300000016189", TransactionID: 17,
	}
	v := &mocks.Value{}
	v.Test(t)
	v.On("Get", mock.Anything).Run(func(args mock.Arguments) { *args.Get(0).(*workflows.CheckoutInfo) = info }).Return(nil)
	e.temporal.On("QueryWorkflow", mock.Anything, wfID, "", workflows.QueryCheckout).Return(v, nil).Twice()
	for _, key := range []string{storeKey, storeKeyOld} {
		resp := e.storefront("/orders/S00043/checkout", "Bearer "+key)
		body := readAll(t, resp)
		require.Equal(t, http.StatusOK, resp.StatusCode, body)
		require.JSONEq(t, `{"orderName":"S00043","status":"awaiting_customer","token":"002.tok",
			"redirectCheckoutUrl":"https://portal.afterpay.com/us/checkout/?token=002.tok",
			"expires":"2026-06-01T13:00:00Z","amount":{"amount":"99.80","currency":"USD"}}`, body)
	}
}

func TestCheckoutErrors(t *testing.T) {
	e := newEnv(t)
	require.Equal(t, http.StatusNotFound, e.storefront("/orders/S0%0A043/checkout", "Bearer "+storeKey).StatusCode, "not an order name")
	e.requireNothingReachedTemporal()

	e.temporal.On("QueryWorkflow", mock.Anything, "afterpay-payment:prod:S1", "", workflows.QueryCheckout).Return(nil, serviceerror.NewNotFound("no")).Once()
	require.Equal(t, http.StatusNotFound, e.storefront("/orders/S1/checkout", "Bearer "+storeKey).StatusCode)

	e.temporal.On("QueryWorkflow", mock.Anything, "afterpay-payment:prod:S2", "", workflows.QueryCheckout).Return(nil, serviceerror.NewUnavailable("10.0.0.7:7233 refused")).Once()
	resp := e.storefront("/orders/S2/checkout", "Bearer "+storeKey)
	body := readAll(t, resp)
	require.Equal(t, http.StatusServiceUnavailable, resp.StatusCode)
	require.NotContains(t, body, "10.0.0.7")

	// Names with slashes, escaped in the path.
	e.temporal.On("QueryWorkflow", mock.Anything, "afterpay-payment:prod:SO/2026/0001", "", workflows.QueryCheckout).Return(nil, serviceerror.NewNotFound("no")).Once()
	require.Equal(t, http.StatusNotFound, e.storefront("/orders/SO%2F2026%2F0001/checkout", "Bearer "+storeKey).StatusCode)
}
