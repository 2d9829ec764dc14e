package app

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/mocks"

	"github.com/odoo-afterpay/bridge/api"
	"github.com/odoo-afterpay/bridge/odoo"
	"github.com/odoo-afterpay/bridge/odoo/fakeodoo"
	"github.com/odoo-afterpay/bridge/odoo/provision"
	"github.com/odoo-afterpay/bridge/workflows"
)

// Rotating Odoo's webhook token without downtime, against the fake Odoo's
// real automation rules: the API accepts the new and the previous token,
// `setup-odoo` (provision.Run) rewrites the rules to the new one, and then
// the previous one can be dropped. Every confirmation along the way starts
// its payment.
func TestWebhookTokenRotationWithoutDowntime(t *testing.T) {
	const oldToken, newToken = "old-webhook-token-0123456789", "new-webhook-token-9876543210"
	fake, err := fakeodoo.NewDemo(fakeodoo.Options{Database: "demo", Users: []fakeodoo.User{{Login: "admin", Password: "pw", UID: 2}}})
	require.NoError(t, err)
	odooSrv := httptest.NewServer(fake)
	t.Cleanup(odooSrv.Close)
	od, err := odoo.NewClient(odoo.Config{URL: odooSrv.URL, Database: "demo", Username: "admin", Password: "pw", Timeout: 5 * time.Second})
	require.NoError(t, err)

	temporal := mocks.NewClient(t)
	var mu sync.Mutex
	started := map[string]bool{}
	temporal.On("ExecuteWorkflow", mock.Anything, mock.Anything, workflows.PaymentWorkflowName, mock.Anything).Run(func(args mock.Arguments) {
		mu.Lock()
		started[args.Get(3).(workflows.PaymentInput).OrderName] = true
		mu.Unlock()
	}).Return(runOf(t), nil)

	var logs bytes.Buffer
	var current http.Handler
	apiSrv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { current.ServeHTTP(w, r) }))
	t.Cleanup(apiSrv.Close)
	useTokens := func(tokens ...string) {
		opts := api.Options{
			Database: "demo", TaskQueue: "q", PublicURL: apiSrv.URL, WebhookToken: tokens[0],
			Orders: OdooOrders{Client: od}, Logger: slog.New(slog.NewTextHandler(&logs, nil)),
		}
		if len(tokens) > 1 {
			opts.PreviousWebhookToken = tokens[1]
		}
		current = api.NewHandler(temporal, opts)
	}
	setupOdoo := func(token string) *provision.Report {
		report, err := provision.Run(context.Background(), od, provision.Options{APIBaseURL: apiSrv.URL, WebhookToken: token})
		require.NoError(t, err)
		return report
	}
	confirm := func(name string) {
		t.Helper()
		order, err := od.FindSaleOrderByName(context.Background(), name)
		require.NoError(t, err)
		term, err := od.FindAfterpayPaymentTerm(context.Background())
		require.NoError(t, err)
		require.NoError(t, od.Write(context.Background(), "sale.order", []int64{order.ID}, map[string]any{"payment_term_id": term}, nil))
		require.NoError(t, od.ConfirmSaleOrder(context.Background(), order.ID))
		mu.Lock()
		defer mu.Unlock()
		require.True(t, started[name], "confirming %s started its payment", name)
	}

	useTokens(oldToken)
	setupOdoo(oldToken)
	confirm("S00001")

	useTokens(newToken, oldToken) // 1. the API accepts both
	confirm("S00002")             // Odoo still sends the old one
	require.Contains(t, logs.String(), "previous webhook token")

	report := setupOdoo(newToken) // 2. setup-odoo rewrites the rules
	require.Equal(t, 5, report.Count(provision.Updated), "every rule's webhook URL: %s", report.String())
	require.NotContains(t, report.String(), newToken)
	logs.Reset()
	confirm("S00003")
	require.NotContains(t, logs.String(), "previous webhook token")

	useTokens(newToken) // 3. the old token is dropped
	confirm("S00004")
	req := httptest.NewRequest(http.MethodPost, "/odoo/webhook/order-confirmed?token="+oldToken, bytes.NewReader([]byte(`{"_model":"sale.order","name":"S00005"}`)))
	req.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	current.ServeHTTP(rec, req)
	require.Equal(t, http.StatusUnauthorized, rec.Code)
}

func runOf(t *testing.T) *mocks.WorkflowRun {
	r := mocks.NewWorkflowRun(t)
	r.On("GetID").Return("w").Maybe()
	r.On("GetRunID").Return("r").Maybe()
	return r
}
