package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/odoo-afterpay/bridge/internal/testkit"

	"github.com/stretchr/testify/require"

	"github.com/odoo-afterpay/bridge/config"
	"github.com/odoo-afterpay/bridge/money"
	"github.com/odoo-afterpay/bridge/odoo"
	"github.com/odoo-afterpay/bridge/odoo/fakeodoo"
	"github.com/odoo-afterpay/bridge/odoo/provision"
)

// webhookToken needs escaping in a query, so the test sees that the URL
// Odoo calls carries it intact.
const webhookToken = "starter/test+token-0123456789"

// seedDir is ../shared/reference/odoo-seed beside the repository.
func seedDir(t *testing.T) string { return testkit.ReferenceDir(t, "odoo-seed") }

// fakeSeeds are the starting states setup-odoo is tested on.
var fakeSeeds = []struct {
	name string
	load func(t *testing.T) *fakeodoo.Server
}{
	{"demo seed", func(t *testing.T) *fakeodoo.Server {
		srv, err := fakeodoo.NewDemo(fakeodoo.Options{})
		require.NoError(t, err)
		return srv
	}},
	{"reference seed", func(t *testing.T) *fakeodoo.Server {
		srv, err := fakeodoo.New(fakeodoo.Options{Database: "afterpay_test"})
		require.NoError(t, err)
		require.NoError(t, srv.LoadSeed(seedDir(t)))
		return srv
	}},
}

// serveFake serves srv on loopback and returns its URL.
func serveFake(t *testing.T, srv *fakeodoo.Server) string {
	t.Helper()
	hs := httptest.NewServer(srv)
	t.Cleanup(hs.Close)
	return hs.URL
}

// setEnv gives run the configuration setup-odoo needs, and nothing from the
// developer's own environment.
func setEnv(t *testing.T, odooURL, database, publicURL string) {
	t.Helper()
	for _, v := range config.Variables() {
		t.Setenv(v.Name, "")
	}
	for k, v := range map[string]string{
		"ODOO_URL":             odooURL,
		"ODOO_DB":              database,
		"ODOO_USERNAME":        "admin",
		"ODOO_PASSWORD":        "admin",
		"ODOO_TIMEOUT":         "10s",
		"AFTERPAY_MERCHANT_ID": "merchant-1",
		"AFTERPAY_SECRET_KEY":  "afterpay-secret-key",
		"ODOO_WEBHOOK_TOKEN":   webhookToken,
		"API_PUBLIC_URL":       publicURL,
		// Payloads are encrypted, as in production.
		"PAYLOAD_ENCRYPTION_KEYS": testkit.PayloadKeys,
	} {
		t.Setenv(k, v)
	}
}

func newOdooClient(t *testing.T, odooURL, database string) *odoo.Client {
	t.Helper()
	c, err := odoo.NewClient(odoo.Config{URL: odooURL, Database: database, Username: "admin", Password: "admin", Timeout: 10 * time.Second})
	require.NoError(t, err)
	return c
}

// setupOdoo runs `starter setup-odoo` and returns what it printed.
func setupOdoo(t *testing.T) string {
	t.Helper()
	var out bytes.Buffer
	require.NoError(t, run(context.Background(), "setup-odoo", nil, &out))
	return out.String()
}

// normalisedState is the fake's whole committed state without the
// timestamps a write would move (write_date and the like).
func normalisedState(t *testing.T, srv *fakeodoo.Server) map[string]any {
	t.Helper()
	data, err := srv.Snapshot()
	require.NoError(t, err)
	var state map[string]any
	require.NoError(t, json.Unmarshal(data, &state))
	records, ok := state["records"].(map[string]any)
	require.True(t, ok, "snapshot without records")
	for _, recs := range records {
		for _, r := range recs.([]any) {
			rec := r.(map[string]any)
			delete(rec, "write_date")
			delete(rec, "__last_update")
		}
	}
	return state
}

// reportLine matches one step of the printed report: action, what, model #id.
var reportLine = regexp.MustCompile(`^  (created|updated|unchanged|skipped)\s+(.+?)\s{2,}(\S+) #(\d+)`)

// reportActions reads the printed report back: the header and each step's
// action by what it is about.
func reportActions(t *testing.T, out string) (header string, steps map[string]string) {
	t.Helper()
	lines := strings.Split(strings.TrimRight(out, "\n"), "\n")
	require.NotEmpty(t, lines)
	steps = map[string]string{}
	for _, l := range lines[1:] {
		if strings.TrimSpace(l) == "" {
			continue
		}
		m := reportLine.FindStringSubmatch(l)
		require.NotNil(t, m, "report line %q", l)
		steps[m[2]] = m[1]
	}
	return lines[0], steps
}

// The acceptance line: `starter setup-odoo` run twice against the fake
// leaves the same state as running it once.
func TestSetupOdooTwiceLeavesTheStateOfOnce(t *testing.T) {
	for _, seed := range fakeSeeds {
		t.Run(seed.name, func(t *testing.T) {
			srv := seed.load(t)
			odooURL := serveFake(t, srv)
			const publicURL = "http://127.0.0.1:9/bridge"
			setEnv(t, odooURL, srv.Database(), publicURL)
			ctx := context.Background()
			c := newOdooClient(t, odooURL, srv.Database())

			first := setupOdoo(t)
			t.Log("\n" + first)
			header, steps := reportActions(t, first)
			// The reference seed has no sale_stock: no deliveries to report.
			withStock := seed.name == fakeSeeds[0].name
			deliveryRule, firstHeader, secondHeader := "created", "Odoo provisioning: 18 created, 0 updated, 1 unchanged", "Odoo provisioning: 0 created, 0 updated, 19 unchanged"
			if !withStock {
				deliveryRule = "skipped"
				firstHeader, secondHeader = "Odoo provisioning: 17 created, 0 updated, 1 unchanged, 1 skipped", "Odoo provisioning: 0 created, 0 updated, 18 unchanged, 1 skipped"
			}
			require.Equal(t, firstHeader, header)
			require.Equal(t, map[string]string{
				"Afterpay payment method":                                   "unchanged",
				"Afterpay payment provider":                                 "created",
				"bank journal Afterpay (AFTP)":                              "created",
				"custom field sale.order.x_afterpay_order_id":               "created",
				"custom field sale.order.x_afterpay_instalments":            "created",
				"custom field account.move.x_afterpay_order_id":             "created",
				"custom field sale.order.x_afterpay_status":                 "created",
				"form view sale.order (Afterpay page)":                      "created",
				"form view account.move (Afterpay order)":                   "created",
				`automation rule "Afterpay: order confirmed"`:               "created",
				`automation rule "Afterpay: credit note posted"`:            "created",
				"payment term Afterpay":                                     "created",
				"custom field sale.order.x_afterpay_capture":                "created",
				"custom field payment.provider.x_afterpay_minimum_amount":   "created",
				"custom field payment.provider.x_afterpay_limits_currency":  "created",
				"custom field payment.provider.x_afterpay_limits_refreshed": "created",
				`automation rule "Afterpay: delivery done"`:                 deliveryRule,
				`automation rule "Afterpay: order cancelled"`:               "created",
				`automation rule "Afterpay: invoice posted"`:                "created",
			}, steps)
			require.NotContains(t, first, webhookToken, "the token is masked")
			require.NotContains(t, first, url.QueryEscape(webhookToken))
			require.Contains(t, first, "token=***")

			// What provisioning promises.
			methods, err := srv.Records("payment.method", []any{"code", "=", odoo.PaymentMethodCode})
			require.NoError(t, err)
			require.Len(t, methods, 1)
			require.Equal(t, false, methods[0]["active"], "the afterpay method stays archived: Odoo refuses to activate it while its provider is disabled")
			providers, err := srv.Records("payment.provider", []any{"name", "=", odoo.ProviderName})
			require.NoError(t, err)
			require.Len(t, providers, 1)
			require.Equal(t, odoo.ProviderCode, providers[0]["code"])
			require.Contains(t, providers[0]["payment_method_ids"], methods[0]["id"], "the provider is linked to the afterpay method")
			providerID, methodID, err := c.FindAfterpayProvider(ctx)
			require.NoError(t, err)
			require.Equal(t, providers[0]["id"], providerID)
			require.Equal(t, methods[0]["id"], methodID)

			journals, err := srv.Records("account.journal", []any{"code", "=", provision.DefaultJournalCode})
			require.NoError(t, err)
			require.Len(t, journals, 1)
			require.Equal(t, "bank", journals[0]["type"])

			for _, f := range []struct{ model, name string }{
				{"sale.order", "x_afterpay_order_id"}, {"sale.order", "x_afterpay_instalments"}, {"account.move", "x_afterpay_order_id"},
			} {
				fields, err := srv.Records("ir.model.fields", []any{"model", "=", f.model}, []any{"name", "=", f.name})
				require.NoError(t, err)
				require.Len(t, fields, 1, "%s.%s", f.model, f.name)
				require.Equal(t, "manual", fields[0]["state"])
			}
			orders, err := c.Search(ctx, "sale.order", nil, &odoo.SearchOptions{Limit: 3})
			require.NoError(t, err)
			require.NotEmpty(t, orders)
			recs, err := c.Read(ctx, "sale.order", orders, []string{"name", "x_afterpay_order_id", "x_afterpay_instalments"}, nil)
			require.NoError(t, err, "the x_ fields are readable on sale.order")
			require.Len(t, recs, len(orders))
			for _, r := range recs {
				require.Contains(t, r, "x_afterpay_order_id")
				require.Contains(t, r, "x_afterpay_instalments")
			}

			for rule, path := range map[string]string{
				provision.OrderConfirmedRule:   provision.OrderConfirmedPath,
				provision.CreditNotePostedRule: provision.CreditNotePostedPath,
			} {
				rules, err := srv.Records("base.automation", []any{"name", "=", rule})
				require.NoError(t, err)
				require.Len(t, rules, 1, rule)
				require.Equal(t, true, rules[0]["active"])
				require.Equal(t, "on_state_set", rules[0]["trigger"])
				actionIDs := rules[0]["action_server_ids"].([]int64)
				require.Len(t, actionIDs, 1)
				action, err := srv.Record("ir.actions.server", actionIDs[0])
				require.NoError(t, err)
				require.Equal(t, "webhook", action["state"])
				require.Equal(t, publicURL+path+"?token="+url.QueryEscape(webhookToken), action["webhook_url"], rule)
				require.NotEmpty(t, action["webhook_field_ids"])
			}

			once := normalisedState(t, srv)
			second := setupOdoo(t)
			header, steps = reportActions(t, second)
			require.Equal(t, secondHeader, header, second)
			require.Len(t, steps, 19)
			for what, action := range steps {
				if action != "skipped" {
					require.Equal(t, "unchanged", action, what)
				}
			}
			require.Equal(t, once, normalisedState(t, srv), "a second run leaves the state of the first")
		})
	}
}

// webhookReceiver records what Odoo's automation rules post.
type webhookReceiver struct {
	mu       sync.Mutex
	requests []receivedWebhook
}

type receivedWebhook struct {
	Method, Path, Token, ContentType string
	Body                             []byte
}

func (w *webhookReceiver) ServeHTTP(rw http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	w.mu.Lock()
	w.requests = append(w.requests, receivedWebhook{
		Method: r.Method, Path: r.URL.Path, Token: r.URL.Query().Get("token"),
		ContentType: r.Header.Get("Content-Type"), Body: body,
	})
	w.mu.Unlock()
	rw.WriteHeader(http.StatusAccepted)
}

func (w *webhookReceiver) received() []receivedWebhook {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]receivedWebhook(nil), w.requests...)
}

// After setup-odoo, confirming an order in Odoo posts the order-confirmed
// webhook to the configured API, in Odoo's JSON shape.
func TestSetupOdooWiresTheOrderConfirmedWebhook(t *testing.T) {
	for _, seed := range fakeSeeds {
		t.Run(seed.name, func(t *testing.T) {
			srv := seed.load(t)
			odooURL := serveFake(t, srv)
			receiver := &webhookReceiver{}
			api := httptest.NewServer(receiver)
			t.Cleanup(api.Close)
			setEnv(t, odooURL, srv.Database(), api.URL)
			ctx := context.Background()
			c := newOdooClient(t, odooURL, srv.Database())
			setupOdoo(t)
			require.Empty(t, receiver.received(), "provisioning fires nothing")

			ids, err := c.Search(ctx, "sale.order", []any{[]any{"state", "=", "draft"}}, &odoo.SearchOptions{Limit: 1, Order: "id asc"})
			require.NoError(t, err)
			require.Len(t, ids, 1, "the seed has a quotation")
			order, err := c.ReadSaleOrder(ctx, ids[0])
			require.NoError(t, err)
			markAfterpay(t, c, order.ID)
			require.NoError(t, c.ConfirmSaleOrder(ctx, order.ID))

			// Odoo 18 sends the webhook synchronously, before the call returns.
			got := receiver.received()
			require.Len(t, got, 1, "one webhook for one confirmation")
			hook := got[0]
			require.Equal(t, http.MethodPost, hook.Method)
			require.Equal(t, provision.OrderConfirmedPath, hook.Path)
			require.Equal(t, webhookToken, hook.Token)
			require.Equal(t, "application/json", hook.ContentType)
			var body map[string]any
			require.NoError(t, json.Unmarshal(hook.Body, &body), "%s", hook.Body)
			require.Equal(t, "sale.order", body["_model"])
			require.Equal(t, float64(order.ID), body["_id"])
			require.Equal(t, float64(order.ID), body["id"])
			require.Equal(t, order.Name, body["name"])
			require.Equal(t, "sale", body["state"])
			require.Equal(t, order.AmountTotal, jsonAmount(t, hook.Body, "amount_total", order.Currency))
			require.Contains(t, body, "partner_id")
			require.Contains(t, body, "currency_id")
			require.Contains(t, body, "client_order_ref")
			require.Contains(t, body["_action"], "Send Webhook Notification")

			// Confirming again is harmless and sends nothing.
			require.NoError(t, c.ConfirmSaleOrder(ctx, order.ID))
			require.Len(t, receiver.received(), 1)
		})
	}
}

// The credit-note rule fires for posted credit notes only (its filter), the
// invoice rule for posted invoices only, on
// the demo seed, whose products are invoiced on ordered quantities.
func TestSetupOdooWiresTheCreditNoteWebhook(t *testing.T) {
	srv := fakeSeeds[0].load(t)
	odooURL := serveFake(t, srv)
	receiver := &webhookReceiver{}
	api := httptest.NewServer(receiver)
	t.Cleanup(api.Close)
	setEnv(t, odooURL, srv.Database(), api.URL)
	ctx := context.Background()
	c := newOdooClient(t, odooURL, srv.Database())
	setupOdoo(t)

	order, err := c.FindSaleOrderByName(ctx, "S00001")
	require.NoError(t, err)
	markAfterpay(t, c, order.ID)
	require.NoError(t, c.ConfirmSaleOrder(ctx, order.ID))
	require.Len(t, receiver.received(), 1, "the order-confirmed webhook")
	invoices, err := c.InvoiceOrder(ctx, order.ID)
	require.NoError(t, err)
	require.Len(t, invoices, 1)
	require.NoError(t, c.PostInvoice(ctx, invoices[0]))
	got := receiver.received()
	require.Len(t, got, 2, "posting the invoice sends the invoice-posted webhook")
	require.Equal(t, provision.InvoicePostedPath, got[1].Path)

	credit, err := c.CreateCreditNote(ctx, invoices[0], odoo.CreditNoteSpec{Ref: "AP-REFUND-1"})
	require.NoError(t, err)
	got = receiver.received()
	require.Len(t, got, 3, "the credit note sends only its own webhook")
	hook := got[2]
	require.Equal(t, http.MethodPost, hook.Method)
	require.Equal(t, provision.CreditNotePostedPath, hook.Path)
	require.Equal(t, webhookToken, hook.Token)
	var body map[string]any
	require.NoError(t, json.Unmarshal(hook.Body, &body), "%s", hook.Body)
	require.Equal(t, "account.move", body["_model"])
	require.Equal(t, float64(credit), body["_id"])
	require.Equal(t, "out_refund", body["move_type"])
	require.Equal(t, "posted", body["state"])
	require.Equal(t, float64(invoices[0]), body["reversed_entry_id"])
	require.Equal(t, order.AmountTotal, jsonAmount(t, hook.Body, "amount_total", order.Currency))
}

// jsonAmount reads a monetary field of a webhook body (a Python float)
// exactly, in the given currency.
func jsonAmount(t *testing.T, body []byte, field, currency string) money.Money {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var m map[string]any
	require.NoError(t, dec.Decode(&m))
	n, ok := m[field].(json.Number)
	require.True(t, ok, "%s is %T", field, m[field])
	amount, err := money.ParseDecimal(n.String(), currency)
	require.NoError(t, err)
	return amount
}

// markAfterpay chooses Afterpay on a quotation, as a salesperson does: the
// Afterpay payment term.
func markAfterpay(t *testing.T, c *odoo.Client, orderID int64) {
	t.Helper()
	term, err := c.FindAfterpayPaymentTerm(context.Background())
	require.NoError(t, err)
	require.NoError(t, c.Write(context.Background(), "sale.order", []int64{orderID}, map[string]any{"payment_term_id": term}, nil))
}
