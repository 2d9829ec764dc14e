package e2e

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	enumspb "go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/odoo-afterpay/bridge/afterpay"
	"github.com/odoo-afterpay/bridge/afterpay/sandbox"
	"github.com/odoo-afterpay/bridge/config"
	"github.com/odoo-afterpay/bridge/internal/app"
	"github.com/odoo-afterpay/bridge/internal/devtemporal"
	"github.com/odoo-afterpay/bridge/internal/logging"
	"github.com/odoo-afterpay/bridge/internal/odoofault"
	"github.com/odoo-afterpay/bridge/internal/shopper"
	"github.com/odoo-afterpay/bridge/internal/testkit"
	"github.com/odoo-afterpay/bridge/money"
	"github.com/odoo-afterpay/bridge/odoo"
	"github.com/odoo-afterpay/bridge/odoo/fakeodoo"
	"github.com/odoo-afterpay/bridge/odoo/provision"
	"github.com/odoo-afterpay/bridge/workflows"
)

// The Odoo the end-to-end test runs against. Without E2E_ODOO_URL it is the
// product's fake Odoo, in process; with it, any Odoo 18 (make test-odoo
// starts a real one). The test code is the same for both.
const (
	envOdooURL         = "E2E_ODOO_URL"
	envOdooDB          = "E2E_ODOO_DB"
	envOdooUser        = "E2E_ODOO_USERNAME"
	envOdooPassword    = "E2E_ODOO_PASSWORD"
	envOdooProvisioned = "E2E_ODOO_PROVISIONED" // "1": setup-odoo already ran; provisioning again must change nothing
	// The API's listen address and public URL, and the webhook token, so
	// that setup-odoo run before the test points Odoo's rules at this API.
	// envRecordHistories names a folder to write the workflows' histories
	// to, for the replay test (make histories).
	envRecordHistories = "E2E_RECORD_HISTORIES"
	envAPIAddr         = "E2E_API_ADDR"
	envAPIPublicURL    = "E2E_API_PUBLIC_URL"
	envWebhookToken    = "E2E_WEBHOOK_TOKEN"
)

// Secrets of the test's own product.
const (
	e2eWebhookSecret = "e2e-afterpay-webhook-secret-0123456789"
	e2eStorefrontKey = "e2e-storefront-key-0123456789abcdef"
)

// product is everything the test starts, with clients to look inside.
type product struct {
	cfg      config.Config
	temporal client.Client
	dev      *testsuite.DevServer
	devOpts  testsuite.DevServerOptions
	// odoo talks to Odoo directly, as a person in Odoo would; the product
	// goes through odooFaults.
	odoo       *odoo.Client
	odooFaults *odoofault.Proxy
	realOdoo   bool
	afterpay   *afterpay.Client
	apiURL     string
	uiURL      string
	sim        *sandbox.Server
	// run makes partners, products and orders of this run unique, so that
	// the test can run again on the same database.
	run    string
	logger *slog.Logger
	worker *runningWorker
	// settings are the product's environment, for its commands.
	settings map[string]string
}

// odooTarget is the Odoo under test.
type odooTarget struct {
	url, db, user, password string
	real                    bool
}

func odooUnderTest(t testing.TB, logger *slog.Logger) odooTarget {
	t.Helper()
	if url := os.Getenv(envOdooURL); url != "" {
		target := odooTarget{url: url, db: os.Getenv(envOdooDB), user: os.Getenv(envOdooUser), password: os.Getenv(envOdooPassword), real: true}
		require.True(t, target.db != "" && target.user != "" && target.password != "",
			"%s is set: %s, %s and %s are needed too", envOdooURL, envOdooDB, envOdooUser, envOdooPassword)
		return target
	}
	fake, err := fakeodoo.NewDemo(fakeodoo.Options{
		Database: "e2e", Users: []fakeodoo.User{{Login: "admin", Password: "e2e-odoo-key", UID: 2}}, Logger: logger,
	})
	require.NoError(t, err)
	srv := httptest.NewServer(fake)
	t.Cleanup(srv.Close)
	return odooTarget{url: srv.URL, db: "e2e", user: "admin", password: "e2e-odoo-key"}
}

func envOr(key, fallback string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return fallback
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
	// On SQLite in WAL mode, as `make dev` runs it, on a fixed port, so that
	// it can be restarted under the product.
	// All ports are picked at once, the dev server's metrics port too: one
	// it picked itself once took the codec server's.
	addrs := freeAddrs(t, 6)
	temporalAddr, uiAddr, codecAddr, devMetricsAddr := addrs[0], addrs[1], addrs[2], addrs[3]
	// The Web UI, as an operator sees it, reads payloads through the
	// worker's codec server.
	devOpts := testsuite.DevServerOptions{
		EnableUI: true, UIPort: uiAddr[strings.LastIndex(uiAddr, ":")+1:],
		ExistingPath:     testkit.TemporalCLI(t),
		ClientOptions:    &client.Options{HostPort: temporalAddr, Logger: logging.TemporalLogger(logger)},
		DBFilename:       filepath.Join(t.TempDir(), "temporal.db"),
		SearchAttributes: temporal.NewSearchAttributes(attrs...),
		LogLevel:         "error",
		ExtraArgs: append(devtemporal.QueueArgs(devtemporal.FastQueuePollRPS),
			"--sqlite-pragma", "journal_mode=WAL", "--sqlite-pragma", "synchronous=NORMAL",
			"--dynamic-config-value", "system.forceSearchAttributesCacheRefreshOnRead=true",
			"--ui-ip", "127.0.0.1", "--ui-codec-endpoint", "http://"+codecAddr,
			"--metrics-port", devMetricsAddr[strings.LastIndex(devMetricsAddr, ":")+1:],
		),
	}
	dev, err := testsuite.StartDevServer(ctx, devOpts)
	require.NoError(t, err, "start the real Temporal dev server")
	version, err := dev.Client().WorkflowService().GetSystemInfo(ctx, &workflowservice.GetSystemInfoRequest{})
	require.NoError(t, err)
	t.Logf("real Temporal dev server %s (server %s) at %s", testkit.TemporalCLI(t), version.GetServerVersion(), dev.FrontendHostPort())

	apiLn, err := net.Listen("tcp", envOr(envAPIAddr, "127.0.0.1:0"))
	require.NoError(t, err)
	apiURL := envOr(envAPIPublicURL, "http://"+apiLn.Addr().String())

	sim, err := sandbox.New(sandbox.Options{
		MerchantID: "100101", SecretKey: "e2e-secret", Currency: "USD", CountryPath: "us",
		MinimumAmount: money.MustNew(100, "USD"), MaximumAmount: money.MustNew(1000000, "USD"), Logger: logger,
		ReversalDelay: 200 * time.Millisecond,
		// Afterpay order ids are unique for good; on a real Odoo the test
		// may run again and again on the same database.
		FirstOrderID: 300000000000 + time.Now().UnixMilli()%10_000_000*1000,
		// Afterpay's signed webhooks: disputes, and the payment events a
		// relay would send.
		WebhookURL: apiURL + "/afterpay/webhook/notification", DisputeWebhookURL: apiURL + "/afterpay/webhook/disputes",
		WebhookSecret: e2eWebhookSecret,
	})
	require.NoError(t, err)
	simSrv := httptest.NewServer(sim)
	t.Cleanup(simSrv.Close)
	require.NoError(t, sim.SetPublicURL(simSrv.URL))

	target := odooUnderTest(t, logger)
	faults, err := odoofault.New(target.url)
	require.NoError(t, err)
	faultSrv := httptest.NewServer(faults)
	t.Cleanup(faultSrv.Close)

	settings := map[string]string{
		"TEMPORAL_ADDRESS": dev.FrontendHostPort(), "TEMPORAL_TASK_QUEUE": "e2e-payments",
		"ODOO_URL": faultSrv.URL, "ODOO_DB": target.db, "ODOO_USERNAME": target.user, "ODOO_PASSWORD": target.password,
		"AFTERPAY_MERCHANT_ID": "100101", "AFTERPAY_SECRET_KEY": "e2e-secret", "AFTERPAY_BASE_URL": simSrv.URL,
		"API_PUBLIC_URL": apiURL, "ODOO_WEBHOOK_TOKEN": envOr(envWebhookToken, "e2e-webhook-token-0123456789"),
		"ORDER_CONFIRMATION_TIMEOUT": "20s", "AFTERPAY_WEBHOOK_SECRET": e2eWebhookSecret,
		"STOREFRONT_API_KEYS": e2eStorefrontKey, "SHOP_NAME": "Afterpay E2E Shop",
		// A capture whose answer is lost is given up on quickly.
		"AFTERPAY_MONEY_TIMEOUT": "2s", "LOG_LEVEL": "warn",
		// Payloads are encrypted as in production, with the tests' key: the
		// recorded histories hold no customer's data (workflows' replay
		// and privacy tests read them with the same key).
		"PAYLOAD_ENCRYPTION_KEYS": testkit.PayloadKeys,
		"TEMPORAL_UI_URL":         "http://" + uiAddr, "CODEC_SERVER_ADDR": codecAddr, "CODEC_AUTH": "none",
		// Prometheus metrics, each on a listener of its own (e2e/metrics_test.go).
		"WORKER_METRICS_ADDR": addrs[4], "API_METRICS_ADDR": addrs[5],
	}
	cfg, err := config.Load(config.MapLookup(settings))
	require.NoError(t, err)

	direct := cfg
	direct.Odoo.URL = target.url
	od, err := app.NewOdooClient(direct, logger)
	require.NoError(t, err)
	serverVersion, err := od.Version(ctx)
	require.NoError(t, err)
	if target.real {
		t.Logf("real Odoo %s (%s) server at %s, database %s", serverVersion.ServerVersion, serverVersion.ReleaseLevel, target.url, target.db)
	} else {
		t.Logf("fake Odoo (answering as %s) at %s", serverVersion.ServerVersion, target.url)
	}
	report, err := provision.Run(ctx, od, provision.Options{APIBaseURL: apiURL, WebhookToken: cfg.API.WebhookToken.Reveal()})
	require.NoError(t, err, "provision Odoo")
	t.Logf("provisioned Odoo:\n%s", report)
	if os.Getenv(envOdooProvisioned) == "1" {
		require.False(t, report.Changed(), "setup-odoo already ran on this database; provisioning again must change nothing:\n%s", report)
	}

	ap, err := app.NewAfterpayClient(cfg, slog.New(slog.DiscardHandler))
	require.NoError(t, err)
	// The product's own client, as the worker and the API dial it: it
	// outlives a restart of the server.
	tc, err := app.DialTemporal(ctx, cfg, logger)
	require.NoError(t, err)

	apiDone := make(chan struct{})
	go func() {
		_ = app.ServeListener(ctx, apiLn, app.APIHandler(cfg, tc, logger), nil)
		close(apiDone)
	}()
	p := &product{
		cfg: cfg, temporal: tc, dev: dev, devOpts: devOpts, odoo: od, odooFaults: faults, realOdoo: target.real,
		afterpay: ap, apiURL: apiURL, uiURL: "http://" + uiAddr, sim: sim, run: fmt.Sprintf("%x", time.Now().UnixNano()), logger: logger, settings: settings,
	}
	p.startWorker(t)
	t.Cleanup(func() { p.stopWorker(t); cancel(); <-apiDone; tc.Close(); _ = p.dev.Stop() })
	return p
}

// stopTemporal stops the Temporal server under the running product and
// starts it again, on the same port and database, after downFor; the
// channel says when it is back.
func (p *product) stopTemporal(t testing.TB, downFor time.Duration) <-chan error {
	t.Helper()
	require.NoError(t, p.dev.Stop())
	back := make(chan error, 1)
	go func() {
		time.Sleep(downFor)
		opts := p.devOpts
		out := &testkit.LogBuffer{}
		opts.Stdout, opts.Stderr = out, out
		dev, err := testsuite.StartDevServer(context.Background(), opts)
		if err == nil {
			p.dev = dev
		}
		if err != nil {
			err = fmt.Errorf("%w; the server said:\n%s", err, out)
		}
		back <- err
	}()
	return back
}

// startWorker starts the product's worker, as `cmd/worker` would.
func (p *product) startWorker(t testing.TB) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		if err := app.RunWorker(ctx, p.cfg, p.temporal, p.logger); err != nil {
			t.Errorf("worker: %v", err)
		}
		close(done)
	}()
	p.worker = &runningWorker{cancel: cancel, done: done}
}

// stopWorker stops the worker as SIGTERM would: gracefully, letting the
// calls in flight finish.
func (p *product) stopWorker(t testing.TB) {
	t.Helper()
	if p.worker == nil {
		return
	}
	p.worker.cancel()
	<-p.worker.done
	p.worker = nil
}

type runningWorker struct {
	cancel context.CancelFunc
	done   chan struct{}
}

var seq atomic.Int64

// customer creates a US customer of this run; without an email address
// Afterpay cannot take the order.
func (p *product) customer(t testing.TB, withEmail bool) int64 {
	t.Helper()
	ctx := context.Background()
	us, err := p.odoo.Search(ctx, "res.country", []any{[]any{"code", "=", "US"}}, &odoo.SearchOptions{Limit: 1})
	require.NoError(t, err)
	require.Len(t, us, 1)
	ca, err := p.odoo.Search(ctx, "res.country.state", []any{[]any{"code", "=", "CA"}, []any{"country_id", "=", us[0]}}, &odoo.SearchOptions{Limit: 1})
	require.NoError(t, err)
	require.Len(t, ca, 1)
	n := seq.Add(1)
	vals := map[string]any{
		"name": fmt.Sprintf("Afterpay E2E Customer %s-%d", p.run, n), "street": "500 Market St", "city": "San Francisco",
		"zip": "94105", "state_id": ca[0], "country_id": us[0], "phone": "+1 415 555 0100",
	}
	if withEmail {
		vals["email"] = fmt.Sprintf("e2e.%s.%d@example.com", p.run, n)
	}
	id, err := p.odoo.Create(ctx, "res.partner", vals, nil)
	require.NoError(t, err)
	return id
}

// product returns this run's product with the invoicing policy given
// ("order" or "delivery"), creating it on first use.
func (p *product) product(t testing.TB, policy string, price money.Money) int64 {
	t.Helper()
	ctx := context.Background()
	code := fmt.Sprintf("AFTERPAY-E2E-%s-%s-%d", p.run, policy, price.Minor)
	ids, err := p.odoo.Search(ctx, "product.product", []any{[]any{"default_code", "=", code}}, &odoo.SearchOptions{Limit: 1})
	require.NoError(t, err)
	if len(ids) == 1 {
		return ids[0]
	}
	id, err := p.odoo.Create(ctx, "product.product", map[string]any{
		"name": "Afterpay E2E " + policy + " product", "default_code": code, "type": "consu", "sale_ok": true,
		"invoice_policy": policy, "list_price": price.Amount(),
	}, nil)
	require.NoError(t, err)
	return id
}

// orderLine is one product line of a test order.
type orderLine struct {
	policy   string
	price    money.Money
	quantity int64
	discount int64 // percent
}

// orderSpec describes a test order.
type orderSpec struct {
	noEmail bool
	// notAfterpay leaves the payment term empty: the order is not for
	// Afterpay.
	notAfterpay bool
	// capture is the order's own capture mode ("" for the default).
	capture string
	lines   []orderLine
	// shipping adds a delivery line at this fixed price.
	shipping *money.Money
}

// quotation creates an Afterpay quotation for a new customer of this run
// and returns its id and name.
func (p *product) quotation(t testing.TB, withEmail bool, lines ...orderLine) (int64, string) {
	t.Helper()
	return p.order(t, orderSpec{noEmail: !withEmail, lines: lines})
}

// order creates the quotation spec describes.
func (p *product) order(t testing.TB, spec orderSpec) (int64, string) {
	t.Helper()
	ctx := context.Background()
	draft := odoo.SaleOrderDraft{PartnerID: p.customer(t, !spec.noEmail)}
	if !spec.notAfterpay {
		draft.PaymentTermID = p.afterpayTerm(t)
	}
	for _, l := range spec.lines {
		price := l.price
		draft.Lines = append(draft.Lines, odoo.SaleOrderDraftLine{ProductID: p.product(t, l.policy, l.price), Quantity: l.quantity, PriceUnit: &price})
	}
	id, err := p.odoo.CreateSaleOrder(ctx, draft)
	require.NoError(t, err)
	order, err := p.odoo.ReadSaleOrder(ctx, id)
	require.NoError(t, err)
	for i, l := range spec.lines {
		if l.discount != 0 {
			require.NoError(t, p.odoo.Write(ctx, "sale.order.line", []int64{order.Lines[i].ID}, map[string]any{"discount": l.discount}, nil))
		}
	}
	if spec.capture != "" {
		require.NoError(t, p.odoo.Write(ctx, "sale.order", []int64{id}, map[string]any{"x_afterpay_capture": spec.capture}, nil))
	}
	if spec.shipping != nil {
		p.addShipping(t, id, *spec.shipping)
	}
	return id, order.Name
}

// payOrder makes an Afterpay quotation of lines for a new customer,
// confirms it and approves its checkout as the customer does, and returns
// the order and its payment, which must have completed.
func (p *product) payOrder(t testing.TB, lines ...orderLine) (int64, string, workflows.CheckoutInfo, workflows.PaymentResult) {
	t.Helper()
	orderID, order := p.quotation(t, true, lines...)
	p.confirm(t, orderID)
	info := p.waitCheckout(t, order)
	_, err := shopper.Checkout(context.Background(), info.RedirectCheckoutURL, shopper.Approve)
	require.NoError(t, err)
	res := p.result(t, order)
	require.Equal(t, workflows.StatusCompleted, res.Status, res.Reason)
	return orderID, order, info, res
}

// afterpayTerm is the payment term that marks Afterpay orders.
func (p *product) afterpayTerm(t testing.TB) int64 {
	t.Helper()
	ids, err := p.odoo.Search(context.Background(), "account.payment.term", []any{[]any{"name", "=", odoo.PaymentTermName}}, &odoo.SearchOptions{Limit: 1})
	require.NoError(t, err)
	require.Len(t, ids, 1, "setup-odoo provisions the %q payment term", odoo.PaymentTermName)
	return ids[0]
}

// addShipping adds a delivery line through the carrier wizard, as a
// salesperson does.
func (p *product) addShipping(t testing.TB, orderID int64, price money.Money) {
	t.Helper()
	ctx := context.Background()
	fee, err := p.odoo.Create(ctx, "product.product", map[string]any{
		"name": "Afterpay E2E shipping", "default_code": fmt.Sprintf("AFTERPAY-E2E-SHIP-%s-%d", p.run, seq.Add(1)),
		"type": "service", "invoice_policy": "order", "list_price": price.Amount(),
	}, nil)
	require.NoError(t, err)
	carrier, err := p.odoo.Create(ctx, "delivery.carrier", map[string]any{
		"name": "Afterpay E2E courier " + p.run, "product_id": fee, "delivery_type": "fixed", "fixed_price": price.Amount(),
	}, nil)
	require.NoError(t, err)
	wiz, err := p.odoo.Create(ctx, "choose.delivery.carrier", map[string]any{"order_id": orderID, "carrier_id": carrier}, nil)
	require.NoError(t, err)
	_, err = p.odoo.CallMethod(ctx, "choose.delivery.carrier", "update_price", []int64{wiz}, nil)
	require.NoError(t, err)
	_, err = p.odoo.CallMethod(ctx, "choose.delivery.carrier", "button_confirm", []int64{wiz}, nil)
	require.True(t, err == nil || odoo.IsProbablyApplied(err), "add the delivery line: %v", err)
}

// confirm confirms the order in Odoo as a salesperson would; Odoo's
// automation rule then posts the webhook to the API.
func (p *product) confirm(t testing.TB, orderID int64) {
	t.Helper()
	require.NoError(t, p.odoo.ConfirmSaleOrder(context.Background(), orderID))
}

func (p *product) workflowID(order string) string {
	return workflows.PaymentWorkflowID(p.cfg.Odoo.Database, order)
}

// query asks the order's workflow a query.
func (p *product) query(order, name string, out any) error {
	val, err := p.temporal.QueryWorkflow(context.Background(), p.workflowID(order), "", name)
	if err != nil {
		return err
	}
	return val.Get(out)
}

// waitCheckout waits until the order's workflow offers a checkout URL.
func (p *product) waitCheckout(t testing.TB, order string) workflows.CheckoutInfo {
	t.Helper()
	var info workflows.CheckoutInfo
	require.EventuallyWithT(t, func(c *assert.CollectT) {
		require.NoError(c, p.query(order, workflows.QueryCheckout, &info))
		require.NotEmpty(c, info.RedirectCheckoutURL)
	}, time.Minute, 100*time.Millisecond, "the order %s never got a checkout URL", order)
	return info
}

// waitView waits until the order's payment stands as ok says, and returns
// how it stands.
func (p *product) waitView(t testing.TB, order, what string, ok func(workflows.StatusView) bool) workflows.StatusView {
	t.Helper()
	var view workflows.StatusView
	require.EventuallyWithT(t, func(c *assert.CollectT) {
		view = workflows.StatusView{} // fields the answer omits must not linger
		require.NoError(c, p.query(order, workflows.QueryStatus, &view))
		require.True(c, ok(view), "%s is %s (%s)", order, view.Status, view.Phase)
	}, time.Minute, 50*time.Millisecond, "the payment of %s never %s", order, what)
	return view
}

// result waits until the order's payment comes to rest, ended or open for
// what follows the sale (a booked payment stays open for 120 days), and
// says how it stands.
func (p *product) result(t testing.TB, order string) workflows.PaymentResult {
	t.Helper()
	view := p.waitView(t, order, "came to rest", func(v workflows.StatusView) bool {
		return v.Phase == workflows.PhaseAfterSale || v.Phase == workflows.PhaseDone
	})
	return workflows.PaymentResult{Status: view.Status, Reason: view.Reason, AfterpayOrderID: view.AfterpayOrderID, TransactionID: view.TransactionID}
}

// waitStatus waits until the order's payment shows status.
func (p *product) waitStatus(t testing.TB, order string, status workflows.Status) workflows.StatusView {
	t.Helper()
	return p.waitView(t, order, "showed "+string(status), func(v workflows.StatusView) bool { return v.Status == status })
}

// transaction reads the order's Afterpay payment.transaction back.
func (p *product) transaction(t testing.TB, order string) odoo.Record {
	t.Helper()
	recs, err := p.odoo.SearchRead(context.Background(), "payment.transaction",
		[]any{[]any{"reference", "=", order + "-AFTERPAY"}},
		[]string{"state", "provider_reference", "amount", "sale_order_ids", "is_post_processed", "state_message", "payment_id", "invoice_ids"}, nil)
	require.NoError(t, err)
	require.Len(t, recs, 1, "exactly one payment.transaction for %s", order)
	return recs[0]
}

// chatter returns the bodies of the order's messages, newest first.
func (p *product) chatter(t testing.TB, orderID int64) string {
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

// afterpayNet is what Afterpay holds of the customer's money for a token:
// captured less refunded, zero once reversed.
func (p *product) afterpayNet(t testing.TB, token string) money.Money {
	t.Helper()
	payment, err := p.afterpay.GetPaymentByToken(context.Background(), token)
	if afterpay.IsNotFound(err) {
		return money.Money{Currency: "USD"}
	}
	require.NoError(t, err)
	net := money.Money{Currency: payment.OriginalAmount.Currency}
	if payment.PaymentState == "REVERSED" {
		return net
	}
	for _, ev := range payment.Events {
		if ev.Type == afterpay.EventCaptured {
			net.Minor += ev.Amount.Minor
		}
	}
	for _, r := range payment.Refunds {
		net.Minor -= r.Amount.Minor
	}
	return net
}

// odooPaid is what Odoo shows the customer paid through Afterpay for an
// Afterpay order: payments in the Afterpay journal whose memo names it,
// inbound less outbound.
func (p *product) odooPaid(t testing.TB, afterpayOrderID string) money.Money {
	t.Helper()
	paid := money.Money{Currency: "USD"}
	if afterpayOrderID == "" {
		return paid
	}
	recs, err := p.odoo.SearchRead(context.Background(), "account.payment",
		[]any{[]any{"memo", "ilike", afterpayOrderID}, []any{"journal_id.code", "=", provision.DefaultJournalCode}, []any{"state", "not in", []any{"draft", "canceled", "rejected"}}},
		[]string{"amount", "payment_type"}, nil)
	require.NoError(t, err)
	for _, r := range recs {
		amount, err := r.Money("amount", "USD")
		require.NoError(t, err)
		if s, _ := r.String("payment_type"); s == "outbound" {
			amount.Minor = -amount.Minor
		}
		paid.Minor += amount.Minor
	}
	return paid
}

// requireMoneyAddsUp checks the product's invariant for one order: what
// Afterpay holds of the customer's money (captured less refunded, nothing
// once reversed) equals what Odoo shows paid. Afterpay reverses
// asynchronously, so it waits a little for both sides to settle.
func (p *product) requireMoneyAddsUp(t testing.TB, token, afterpayOrderID string) {
	t.Helper()
	var held, paid money.Money
	require.Eventually(t, func() bool {
		held, paid = p.afterpayNet(t, token), p.odooPaid(t, afterpayOrderID)
		return held.Minor == paid.Minor
	}, settleWait, 100*time.Millisecond, "Afterpay holds %s, Odoo shows %s paid", &held, &paid)
}

// settleWait bounds how long a check waits for the payment to tell Odoo
// what happened: a real Odoo on a busy machine takes seconds per call, and
// recording a refund is a dozen calls. A check that holds returns at once.
const settleWait = 45 * time.Second

// requireChatterSays checks that the order's chatter holds each of words,
// waiting a little for a note that is being posted.
func (p *product) requireChatterSays(t testing.TB, orderID int64, words ...string) {
	t.Helper()
	require.EventuallyWithT(t, func(c *assert.CollectT) {
		notes := p.chatter(t, orderID)
		for _, w := range words {
			require.Contains(c, notes, w, "the order's chatter")
		}
	}, settleWait, 200*time.Millisecond)
}

// operator sends an operator's action, as the Web UI would, and returns the
// workflow's answer.
func (p *product) operator(t testing.TB, order string, action workflows.OperatorAction) error {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	h, err := p.temporal.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{
		WorkflowID: p.workflowID(order), UpdateName: workflows.UpdateOperatorAction, Args: []any{action},
		WaitForStage: client.WorkflowUpdateStageCompleted,
	})
	if err != nil {
		return err
	}
	return h.Get(ctx, nil)
}

// status asks the order's workflow for its whole state.
func (p *product) status(t testing.TB, order string) workflows.StatusView {
	t.Helper()
	var view workflows.StatusView
	require.NoError(t, p.query(order, workflows.QueryStatus, &view))
	return view
}

// saveHistory writes the order's workflow history as JSON into the folder
// E2E_RECORD_HISTORIES names, for workflows' replay test.
func (p *product) saveHistory(t testing.TB, order, name string) {
	t.Helper()
	p.saveWorkflowHistory(t, p.workflowID(order), name)
}

// saveWorkflowHistory saves the history of workflowID, as saveHistory does.
func (p *product) saveWorkflowHistory(t testing.TB, workflowID, name string) {
	t.Helper()
	dir := os.Getenv(envRecordHistories)
	if dir == "" {
		return
	}
	iter := p.temporal.GetWorkflowHistory(context.Background(), workflowID, "", false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	history := &historypb.History{}
	for iter.HasNext() {
		ev, err := iter.Next()
		require.NoError(t, err)
		history.Events = append(history.Events, ev)
	}
	data, err := protojson.MarshalOptions{Multiline: true, Indent: "  "}.Marshal(history)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(dir, name+".json"), data, 0o644))
}

// freeAddr returns a loopback address with a port free right now.
func freeAddr(t testing.TB) string {
	t.Helper()
	return freeAddrs(t, 1)[0]
}

// freeAddrs returns n loopback addresses with distinct ports free right
// now: each is held until all are picked.
func freeAddrs(t testing.TB, n int) []string {
	t.Helper()
	addrs := make([]string, 0, n)
	for range n {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		require.NoError(t, err)
		defer ln.Close()
		addrs = append(addrs, ln.Addr().String())
	}
	return addrs
}
