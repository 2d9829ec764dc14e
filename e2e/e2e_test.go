package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"

	"github.com/odoo-afterpay/bridge/afterpay"
	"github.com/odoo-afterpay/bridge/afterpay/sandbox"
	"github.com/odoo-afterpay/bridge/config"
	"github.com/odoo-afterpay/bridge/internal/app"
	"github.com/odoo-afterpay/bridge/internal/logging"
	"github.com/odoo-afterpay/bridge/internal/shopper"
	"github.com/odoo-afterpay/bridge/money"
	"github.com/odoo-afterpay/bridge/odoo"
	"github.com/odoo-afterpay/bridge/odoo/fakeodoo"
	"github.com/odoo-afterpay/bridge/odoo/provision"
	"github.com/odoo-afterpay/bridge/workflows"
)

// product is everything the test starts, with clients to look inside.
type product struct {
	cfg      config.Config
	temporal client.Client
	odoo     *odoo.Client
	apiURL   string
	sim      *sandbox.Server
	fake     *fakeodoo.Server
}

func temporalCLI(t testing.TB) string {
	t.Helper()
	path := os.Getenv("TEMPORAL_CLI")
	if path == "" {
		path = filepath.Join("..", "bin", "temporal")
	}
	abs, err := filepath.Abs(path)
	require.NoError(t, err)
	_, err = os.Stat(abs)
	require.NoError(t, err, "the Temporal CLI is missing: run `make test` (it installs it into ./bin) or set TEMPORAL_CLI")
	return abs
}

func startProduct(t testing.TB) *product {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	logger := logging.New(os.Stderr, logging.FormatText, slog.LevelWarn)

	attrs := make([]temporal.SearchAttributeUpdate, 0, 4)
	for _, key := range workflows.SearchAttributes() {
		attrs = append(attrs, key.(temporal.SearchAttributeKeyKeyword).ValueSet(""))
	}
	dev, err := testsuite.StartDevServer(ctx, testsuite.DevServerOptions{
		ExistingPath:     temporalCLI(t),
		ClientOptions:    &client.Options{Logger: logging.TemporalLogger(logger)},
		SearchAttributes: temporal.NewSearchAttributes(attrs...),
		LogLevel:         "error",
		ExtraArgs:        []string{"--dynamic-config-value", "system.forceSearchAttributesCacheRefreshOnRead=true"},
	})
	require.NoError(t, err, "start the real Temporal dev server")
	t.Cleanup(func() { _ = dev.Stop() })
	version, err := dev.Client().WorkflowService().GetSystemInfo(ctx, &workflowservice.GetSystemInfoRequest{})
	require.NoError(t, err)
	t.Logf("real Temporal dev server %s (server %s) at %s", temporalCLI(t), version.GetServerVersion(), dev.FrontendHostPort())

	sim, err := sandbox.New(sandbox.Options{
		MerchantID: "100101", SecretKey: "e2e-secret", Currency: "USD", CountryPath: "us",
		MinimumAmount: money.MustNew(100, "USD"), MaximumAmount: money.MustNew(200000, "USD"), Logger: logger,
	})
	require.NoError(t, err)
	simSrv := httptest.NewServer(sim)
	t.Cleanup(simSrv.Close)
	require.NoError(t, sim.SetPublicURL(simSrv.URL))

	fake, err := fakeodoo.NewDemo(fakeodoo.Options{
		Database: "e2e", Users: []fakeodoo.User{{Login: "admin", Password: "e2e-odoo-key", UID: 2}}, Logger: logger,
	})
	require.NoError(t, err)
	odooSrv := httptest.NewServer(fake)
	t.Cleanup(odooSrv.Close)

	apiLn, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	apiURL := "http://" + apiLn.Addr().String()

	cfg, err := config.Load(config.MapLookup(map[string]string{
		"TEMPORAL_ADDRESS": dev.FrontendHostPort(), "TEMPORAL_TASK_QUEUE": "e2e-payments",
		"ODOO_URL": odooSrv.URL, "ODOO_DB": "e2e", "ODOO_USERNAME": "admin", "ODOO_PASSWORD": "e2e-odoo-key",
		"AFTERPAY_MERCHANT_ID": "100101", "AFTERPAY_SECRET_KEY": "e2e-secret", "AFTERPAY_BASE_URL": simSrv.URL,
		"API_PUBLIC_URL": apiURL, "ODOO_WEBHOOK_TOKEN": "e2e-webhook-token-0123456789",
		"ORDER_CONFIRMATION_TIMEOUT": "20s",
	}))
	require.NoError(t, err)

	od, err := app.NewOdooClient(cfg, logger)
	require.NoError(t, err)
	report, err := provision.Run(ctx, od, provision.Options{APIBaseURL: apiURL, WebhookToken: cfg.API.WebhookToken.Reveal()})
	require.NoError(t, err, "provision the fake Odoo")
	t.Logf("provisioned the fake Odoo:\n%s", report)

	done := make(chan struct{}, 2)
	go func() { _ = app.RunWorker(ctx, cfg, dev.Client(), logger); done <- struct{}{} }()
	go func() {
		_ = app.ServeListener(ctx, apiLn, app.APIHandler(cfg, dev.Client(), logger), nil)
		done <- struct{}{}
	}()
	t.Cleanup(func() { cancel(); <-done; <-done })

	return &product{cfg: cfg, temporal: dev.Client(), odoo: od, apiURL: apiURL, sim: sim, fake: fake}
}

// quotation returns the id and name of the oldest demo quotation in currency.
func (p *product) quotation(t *testing.T, currency string) (int64, string) {
	t.Helper()
	ids, err := p.odoo.Search(context.Background(), "sale.order",
		[]any{[]any{"state", "=", "draft"}, []any{"currency_id.name", "=", currency}}, &odoo.SearchOptions{Order: "id asc", Limit: 1})
	require.NoError(t, err)
	require.Len(t, ids, 1, "the demo seed has no %s quotation left", currency)
	order, err := p.odoo.ReadSaleOrder(context.Background(), ids[0])
	require.NoError(t, err)
	return order.ID, order.Name
}

// confirm confirms the order in Odoo as a salesperson would; Odoo's
// automation rule then posts the webhook to the API.
func (p *product) confirm(t *testing.T, orderID int64) {
	t.Helper()
	require.NoError(t, p.odoo.ConfirmSaleOrder(context.Background(), orderID))
}

// waitCheckout polls the storefront endpoint until the order's checkout URL
// is there.
func (p *product) waitCheckout(t testing.TB, order string) workflows.CheckoutInfo {
	t.Helper()
	var info workflows.CheckoutInfo
	require.EventuallyWithT(t, func(c *assert.CollectT) {
		resp, err := http.Get(p.apiURL + "/orders/" + order + "/checkout")
		require.NoError(c, err)
		defer resp.Body.Close()
		require.Equal(c, http.StatusOK, resp.StatusCode)
		require.NoError(c, json.NewDecoder(resp.Body).Decode(&info))
		require.NotEmpty(c, info.RedirectCheckoutURL)
	}, 30*time.Second, 100*time.Millisecond, "the storefront never got a checkout URL for %s", order)
	return info
}

func (p *product) result(t testing.TB, order string) workflows.PaymentResult {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	var res workflows.PaymentResult
	require.NoError(t, p.temporal.GetWorkflow(ctx, workflows.PaymentWorkflowID("e2e", order), "").Get(ctx, &res))
	return res
}

// transaction reads the order's Afterpay payment.transaction back over XML-RPC.
func (p *product) transaction(t *testing.T, order string) odoo.Record {
	t.Helper()
	recs, err := p.odoo.SearchRead(context.Background(), "payment.transaction",
		[]any{[]any{"reference", "=", order + "-AFTERPAY"}},
		[]string{"state", "provider_reference", "amount", "sale_order_ids", "is_post_processed", "state_message"}, nil)
	require.NoError(t, err)
	require.Len(t, recs, 1, "exactly one payment.transaction for %s", order)
	return recs[0]
}

func (p *product) chatter(t *testing.T, orderID int64) string {
	t.Helper()
	recs, err := p.odoo.SearchRead(context.Background(), "mail.message",
		[]any{[]any{"model", "=", "sale.order"}, []any{"res_id", "=", orderID}}, []string{"body"}, nil)
	require.NoError(t, err)
	var bodies []string
	for _, r := range recs {
		bodies = append(bodies, fmt.Sprint(r["body"]))
	}
	return strings.Join(bodies, "\n")
}

func TestEndToEnd(t *testing.T) {
	p := startProduct(t)

	t.Run("approved payment is captured and recorded in Odoo", func(t *testing.T) {
		orderID, order := p.quotation(t, "USD")
		p.confirm(t, orderID)
		info := p.waitCheckout(t, order)

		landing, err := shopper.Checkout(context.Background(), info.RedirectCheckoutURL, shopper.Approve)
		require.NoError(t, err)
		require.Equal(t, http.StatusOK, landing.Status)
		require.True(t, strings.HasPrefix(landing.URL, p.apiURL+"/afterpay/return?"), "the browser came back to the API: %s", landing.URL)
		require.Contains(t, landing.Body, "Thank you")

		res := p.result(t, order)
		require.Equal(t, workflows.StatusCompleted, res.Status, res.Reason)
		require.Empty(t, res.Reason)
		require.NotEmpty(t, res.AfterpayOrderID)

		tx := p.transaction(t, order)
		require.Equal(t, "done", tx["state"])
		require.Equal(t, res.AfterpayOrderID, tx["provider_reference"])
		require.Equal(t, true, tx["is_post_processed"], "Odoo's post-processing cron must not pay it a second time")
		require.Contains(t, tx["sale_order_ids"], orderID)
		invoices, err := p.odoo.SearchRead(context.Background(), "account.move",
			[]any{[]any{"invoice_origin", "=", order}, []any{"move_type", "=", "out_invoice"}}, []string{"state", "payment_state", "amount_residual"}, nil)
		require.NoError(t, err)
		require.Len(t, invoices, 1, "one invoice for %s", order)
		require.Equal(t, "posted", invoices[0]["state"])
		require.Equal(t, "paid", invoices[0]["payment_state"])
		payments, err := p.odoo.SearchRead(context.Background(), "account.payment",
			[]any{[]any{"memo", "=", "Afterpay " + res.AfterpayOrderID}}, []string{"amount", "is_reconciled", "journal_id", "state"}, nil)
		require.NoError(t, err)
		require.Len(t, payments, 1, "one payment registered")
		require.Equal(t, true, payments[0]["is_reconciled"])
		require.Contains(t, fmt.Sprint(payments[0]["journal_id"]), "Afterpay", "paid into the Afterpay journal")

		notes := p.chatter(t, orderID)
		require.Contains(t, notes, "Afterpay payment captured")
		require.Contains(t, notes, "4 instalments, every 2 weeks")

		desc, err := p.temporal.DescribeWorkflowExecution(context.Background(), workflows.PaymentWorkflowID("e2e", order), "")
		require.NoError(t, err)
		require.Equal(t, enumspb.WORKFLOW_EXECUTION_STATUS_COMPLETED, desc.GetWorkflowExecutionInfo().GetStatus())
		fields := desc.GetWorkflowExecutionInfo().GetSearchAttributes().GetIndexedFields()
		for name, want := range map[string]string{
			"OdooOrderRef": order, "AfterpayToken": info.Token, "AfterpayOrderID": res.AfterpayOrderID, "PaymentStatus": "completed",
		} {
			got, _ := workflows.KeywordAttribute(fields, name)
			require.Equal(t, want, got, "search attribute %s", name)
		}
		require.EventuallyWithT(t, func(c *assert.CollectT) {
			list, err := p.temporal.ListWorkflow(context.Background(), &workflowservice.ListWorkflowExecutionsRequest{
				Query: fmt.Sprintf(`OdooOrderRef="%s"`, order),
			})
			require.NoError(c, err)
			require.Len(c, list.GetExecutions(), 1)
		}, 10*time.Second, 100*time.Millisecond, "a visibility query by OdooOrderRef finds the workflow")

		// Odoo sending the same webhook again starts nothing.
		body := fmt.Sprintf(`{"_action": "Send Webhook Notification(#1)", "_id": %d, "_model": "sale.order", "id": %d, "name": "%s", "state": "sale"}`, orderID, orderID, order)
		resp, err := http.Post(p.apiURL+"/odoo/webhook/order-confirmed?token="+p.cfg.API.WebhookToken.Reveal(), "application/json", strings.NewReader(body))
		require.NoError(t, err)
		out, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		require.Equal(t, http.StatusOK, resp.StatusCode, string(out))
		require.Contains(t, string(out), `"outcome":"already_done"`)
	})

	t.Run("customer cancels at Afterpay", func(t *testing.T) {
		orderID, order := p.quotation(t, "USD")
		p.confirm(t, orderID)
		info := p.waitCheckout(t, order)
		landing, err := shopper.Checkout(context.Background(), info.RedirectCheckoutURL, shopper.Cancel)
		require.NoError(t, err)
		require.Contains(t, landing.Body, "Payment cancelled")
		res := p.result(t, order)
		require.Equal(t, workflows.StatusCancelled, res.Status)
		require.Equal(t, "cancel", p.transaction(t, order)["state"])
		require.Contains(t, p.chatter(t, orderID), "the customer cancelled the Afterpay checkout")
	})

	t.Run("Afterpay declines the payment", func(t *testing.T) {
		orderID, order := p.quotation(t, "USD")
		p.confirm(t, orderID)
		info := p.waitCheckout(t, order)
		_, err := shopper.Checkout(context.Background(), info.RedirectCheckoutURL, shopper.Decline)
		require.NoError(t, err)
		res := p.result(t, order)
		require.Equal(t, workflows.StatusDeclined, res.Status)
		require.Equal(t, "cancel", p.transaction(t, order)["state"])
		require.Contains(t, p.chatter(t, orderID), "Afterpay declined the payment")
	})

	t.Run("Odoo refusing the captured payment reverses it at Afterpay", func(t *testing.T) {
		orderID, order := p.quotation(t, "USD")
		p.confirm(t, orderID)
		info := p.waitCheckout(t, order)
		// From now on Odoo refuses to update the order's transaction.
		p.fake.FailNext("payment.transaction", "write", 2, "The payment provider is archived.", 1000)
		t.Cleanup(p.fake.ClearFaults)
		_, err := shopper.Checkout(context.Background(), info.RedirectCheckoutURL, shopper.Approve)
		require.NoError(t, err)
		res := p.result(t, order)
		require.Equal(t, workflows.StatusCompensated, res.Status, res.Reason)
		require.Contains(t, res.Reason, "reversed at Afterpay")
		ap, err := app.NewAfterpayClient(p.cfg, slog.New(slog.DiscardHandler))
		require.NoError(t, err)
		payment, err := ap.GetPaymentByToken(context.Background(), info.Token)
		require.NoError(t, err)
		require.Equal(t, res.AfterpayOrderID, payment.ID)
		err = ap.ReversePaymentByToken(context.Background(), info.Token)
		require.True(t, afterpay.HasCode(err, afterpay.CodePreconditionFailed), "the workflow already reversed it: %v", err)
		require.Contains(t, err.Error(), "previously processed")
		p.fake.ClearFaults()
		require.Equal(t, "pending", p.transaction(t, order)["state"], "Odoo never recorded the payment as done")
	})

	t.Run("an order in a currency the merchant does not take gets the reason on its chatter", func(t *testing.T) {
		orderID, order := p.quotation(t, "AUD")
		p.confirm(t, orderID)
		res := p.result(t, order)
		require.Equal(t, workflows.StatusNotPayable, res.Status)
		require.Contains(t, res.Reason, "unsupported_currency")
		require.Contains(t, p.chatter(t, orderID), "Afterpay cannot be used for this order")
	})

	t.Run("an unknown token gets a 404 page and signals nothing", func(t *testing.T) {
		resp, err := http.Get(p.apiURL + "/afterpay/return?status=SUCCESS&orderToken=002.nosuchtoken&order=S99999")
		require.NoError(t, err)
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		require.Equal(t, http.StatusNotFound, resp.StatusCode)
		require.Contains(t, string(body), "We could not find this Afterpay checkout")
	})

	t.Run("a wrong webhook token is refused", func(t *testing.T) {
		resp, err := http.Post(p.apiURL+"/odoo/webhook/order-confirmed?token=wrong", "application/json",
			strings.NewReader(`{"_model": "sale.order", "_id": 1, "name": "S00001"}`))
		require.NoError(t, err)
		resp.Body.Close()
		require.Equal(t, http.StatusUnauthorized, resp.StatusCode)
	})
}
