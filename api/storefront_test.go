package api

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/mocks"

	"github.com/odoo-afterpay/bridge/money"
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

// statusValue is the Temporal answer to QueryStatus.
func statusValue(t *testing.T, view workflows.StatusView) *mocks.Value {
	v := &mocks.Value{}
	v.Test(t)
	v.On("Get", mock.Anything).Run(func(args mock.Arguments) { *args.Get(0).(*workflows.StatusView) = view }).Return(nil)
	return v
}

// GET /orders/{order} is the storefront's too: without one of its keys,
// nothing is asked of Temporal.
func TestOrderStatusNeedsTheStorefrontsKey(t *testing.T) {
	for name, auth := range map[string]string{
		"no credentials":    "",
		"wrong key":         "Bearer sfk-wrong-0123456789abcdef0123",
		"key with a suffix": "Bearer " + storeKey + "x",
		"basic scheme":      "Basic " + storeKey,
		"bare key":          storeKey,
		"the webhook token": "Bearer " + token,
	} {
		t.Run(name, func(t *testing.T) {
			e := newEnv(t)
			resp := e.storefront("/orders/S00043", auth)
			body := readAll(t, resp)
			require.Equal(t, http.StatusUnauthorized, resp.StatusCode, body)
			require.Equal(t, `Bearer realm="storefront"`, resp.Header.Get("WWW-Authenticate"))
			require.Contains(t, body, `"error"`)
			e.requireNothingReachedTemporal()
			require.NotContains(t, e.log.String(), storeKey)
		})
	}
	e := newEnv(t, func(o *Options) { o.StorefrontAPIKeys = nil })
	require.Equal(t, http.StatusUnauthorized, e.storefront("/orders/S00043", "Bearer ").StatusCode, "no keys configured: nobody gets in")
	e.requireNothingReachedTemporal()
}

// The answer is the workflow's StatusView, for the workflow of the
// configured database; both keys of a rotation work.
func TestOrderStatusAnswersTheStatusView(t *testing.T) {
	view := workflows.StatusView{
		OrderName: "S00043", Phase: workflows.PhaseAfterSale, Status: workflows.StatusCompleted,
		WaitingFor: "later events (refunds, disputes)", Amount: "99.80 USD",
		Authorised: "99.80 USD", Captured: "99.80 USD", Refunded: "12.50 USD", Voided: "0.00 USD", Held: "87.30 USD",
		CreditNotes: []workflows.CreditNote{{ID: 91, Name: "RINV/2026/00001", Amount: money.MustNew(1250, "USD"),
			Outcome: workflows.CreditRefunded, RefundID: "r-1", At: time.Date(2026, 6, 2, 9, 0, 0, 0, time.UTC)}},
		AfterpayOrderID: "300000016189", TransactionID: 17,
		ClosesAt: time.Date(2026, 9, 29, 12, 0, 0, 0, time.UTC),
	}
	want, err := json.Marshal(view)
	require.NoError(t, err)

	e := newEnv(t)
	e.temporal.On("QueryWorkflow", mock.Anything, wfID, "", workflows.QueryStatus).Return(statusValue(t, view), nil).Twice()
	for _, key := range []string{storeKey, storeKeyOld} {
		resp := e.storefront("/orders/S00043", "Bearer "+key)
		body := readAll(t, resp)
		require.Equal(t, http.StatusOK, resp.StatusCode, body)
		require.Equal(t, "application/json; charset=utf-8", resp.Header.Get("Content-Type"))
		require.JSONEq(t, string(want), body)
		require.Contains(t, body, `"held":"87.30 USD"`)
		require.Contains(t, body, `"creditNotes":[{"id":91,"name":"RINV/2026/00001"`)
	}

	// Another database: another workflow.
	staging := newEnv(t, func(o *Options) { o.Database = "staging" })
	staging.temporal.On("QueryWorkflow", mock.Anything, "afterpay-payment:staging:SO/2026/0001", "", workflows.QueryStatus).
		Return(statusValue(t, workflows.StatusView{OrderName: "SO/2026/0001", Status: workflows.StatusAwaitingCustomer}), nil).Once()
	resp := staging.storefront("/orders/SO%2F2026%2F0001", "Bearer "+storeKey)
	body := readAll(t, resp)
	require.Equal(t, http.StatusOK, resp.StatusCode, body)
	require.Contains(t, body, `"orderName":"SO/2026/0001"`)
	require.Contains(t, body, `"status":"awaiting_customer"`)
}

func TestOrderStatusErrors(t *testing.T) {
	e := newEnv(t)
	for _, target := range []string{"/orders/S0%0A043", "/orders/..%2Fetc", "/orders/%3Cscript%3E"} {
		resp := e.storefront(target, "Bearer "+storeKey)
		require.Equal(t, http.StatusNotFound, resp.StatusCode, "not an order name: %s", target)
		require.Contains(t, readAll(t, resp), `"error"`)
	}
	e.requireNothingReachedTemporal()

	e.temporal.On("QueryWorkflow", mock.Anything, "afterpay-payment:prod:S1", "", workflows.QueryStatus).Return(nil, serviceerror.NewNotFound("workflow not found for ID: afterpay-payment:prod:S1")).Once()
	resp := e.storefront("/orders/S1", "Bearer "+storeKey)
	body := readAll(t, resp)
	require.Equal(t, http.StatusNotFound, resp.StatusCode, body)
	var answer map[string]string
	require.NoError(t, json.Unmarshal([]byte(body), &answer))
	require.Equal(t, "no Afterpay payment for this order", answer["error"])
	require.NotContains(t, body, "afterpay-payment:", "no internal id")

	e.temporal.On("QueryWorkflow", mock.Anything, "afterpay-payment:prod:S2", "", workflows.QueryStatus).Return(nil, serviceerror.NewUnavailable("10.0.0.7:7233 refused")).Once()
	resp = e.storefront("/orders/S2", "Bearer "+storeKey)
	body = readAll(t, resp)
	require.Equal(t, http.StatusServiceUnavailable, resp.StatusCode, body)
	require.Equal(t, "2", resp.Header.Get("Retry-After"))
	require.NotContains(t, body, "10.0.0.7")

	e.temporal.On("QueryWorkflow", mock.Anything, "afterpay-payment:prod:S3", "", workflows.QueryStatus).Return(nil, context.DeadlineExceeded).Once()
	require.Equal(t, http.StatusServiceUnavailable, e.storefront("/orders/S3", "Bearer "+storeKey).StatusCode, "Temporal did not answer in time")
}

// /orders/{order} and /orders/{order}/checkout live side by side: each asks
// its own query, and nothing else under /orders is routed.
func TestOrderStatusAndCheckoutRoutes(t *testing.T) {
	e := newEnv(t)
	e.temporal.On("QueryWorkflow", mock.Anything, wfID, "", workflows.QueryStatus).
		Return(statusValue(t, workflows.StatusView{OrderName: "S00043", Status: workflows.StatusAwaitingCustomer}), nil).Once()
	checkout := &mocks.Value{}
	checkout.Test(t)
	checkout.On("Get", mock.Anything).Run(func(args mock.Arguments) {
		*args.Get(0).(*workflows.CheckoutInfo) = workflows.CheckoutInfo{OrderName: "S00043", Status: workflows.StatusAwaitingCustomer, Token: "002.tok",
			RedirectCheckoutURL: "https://portal.afterpay.com/us/checkout/?token=002.tok"}
	}).Return(nil)
	e.temporal.On("QueryWorkflow", mock.Anything, wfID, "", workflows.QueryCheckout).Return(checkout, nil).Once()

	resp := e.storefront("/orders/S00043", "Bearer "+storeKey)
	body := readAll(t, resp)
	require.Equal(t, http.StatusOK, resp.StatusCode, body)
	require.Contains(t, body, `"phase"`, "the StatusView")
	require.NotContains(t, body, "redirectCheckoutUrl")

	resp = e.storefront("/orders/S00043/checkout", "Bearer "+storeKey)
	body = readAll(t, resp)
	require.Equal(t, http.StatusOK, resp.StatusCode, body)
	require.Contains(t, body, `"redirectCheckoutUrl"`, "the checkout")
	require.NotContains(t, body, `"phase"`)

	for _, target := range []string{"/orders/S00043/", "/orders/", "/orders/S00043/status", "/orders/S00043/checkout/x"} {
		require.Equal(t, http.StatusNotFound, e.storefront(target, "Bearer "+storeKey).StatusCode, target)
	}
	rec := e.serve(request{method: http.MethodPost, target: "/orders/S00043", header: http.Header{"Authorization": {"Bearer " + storeKey}}})
	require.Equal(t, http.StatusMethodNotAllowed, rec.Code)
}
