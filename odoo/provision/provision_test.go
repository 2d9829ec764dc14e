package provision_test

import (
	"bytes"
	"context"
	"encoding/xml"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/odoo-afterpay/bridge/internal/testkit"

	"github.com/stretchr/testify/require"

	"github.com/odoo-afterpay/bridge/odoo"
	"github.com/odoo-afterpay/bridge/odoo/fakeodoo"
	"github.com/odoo-afterpay/bridge/odoo/provision"
)

// The provisioning runs against the project's fake Odoo 18, seeded with the
// real server's starting state (../shared/reference/odoo-seed), so the ids
// asserted below are the seed's. The fake implements base_automation's
// rules (computed filter domain, the webhook action's forced name).

// seedDir is ../shared/reference/odoo-seed beside the repository.
func seedDir(t *testing.T) string { return testkit.ReferenceDir(t, "odoo-seed") }

// Ids in the seed.
const (
	afterpayMethodID     = int64(4)    // payment.payment_method_afterpay, archived
	saleOrderModelID     = int64(516)  // ir.model sale.order
	accountMoveModelID   = int64(455)  // ir.model account.move
	saleOrderStateField  = int64(6108) // ir.model.fields sale.order.state
	saleStateSale        = int64(1643) // ir.model.fields.selection sale.order.state 'sale'
	accountMoveState     = int64(4449) // ir.model.fields account.move.state
	moveStatePosted      = int64(1255) // ir.model.fields.selection account.move.state 'posted'
	firstServerActionID  = int64(396)  // the next ir.actions.server id
	firstAutomationID    = int64(1)    // the next base.automation id
	webhookActionNameSet = "Send Webhook Notification"
)

type fixedClock struct{}

func (fixedClock) Now() time.Time { return time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC) }

// fakeOdoo is a seeded fake Odoo behind a loopback server that records the
// object-service calls it receives.
type fakeOdoo struct {
	*fakeodoo.Server
	url string

	mu    sync.Mutex
	calls []string // "model.method" of every execute_kw
}

func startFakeOdoo(t *testing.T) *fakeOdoo {
	t.Helper()
	srv, err := fakeodoo.New(fakeodoo.Options{Database: "afterpay_test", Clock: fixedClock{}})
	require.NoError(t, err)
	require.NoError(t, srv.LoadSeed(seedDir(t)))
	f := &fakeOdoo{Server: srv}
	hs := httptest.NewServer(http.HandlerFunc(f.serveHTTP))
	t.Cleanup(hs.Close)
	f.url = hs.URL
	return f
}

// xmlCall is the part of an execute_kw methodCall the recorder needs:
// params 3 and 4 are the model and the method.
type xmlCall struct {
	Method string `xml:"methodName"`
	Params []struct {
		String string `xml:"value>string"`
	} `xml:"params>param"`
}

func (f *fakeOdoo) serveHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	var call xmlCall
	if xml.Unmarshal(body, &call) == nil && call.Method == "execute_kw" && len(call.Params) > 4 {
		f.mu.Lock()
		f.calls = append(f.calls, call.Params[3].String+"."+call.Params[4].String)
		f.mu.Unlock()
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	f.ServeHTTP(w, r)
}

// objectCalls returns how many execute_kw calls were made, and how many of
// them could change Odoo (create, write, unlink).
func (f *fakeOdoo) objectCalls() (all, writes int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, c := range f.calls {
		switch c[strings.LastIndexByte(c, '.')+1:] {
		case "create", "write", "unlink":
			writes++
		}
	}
	return len(f.calls), writes
}

func (f *fakeOdoo) client(t *testing.T) *odoo.Client {
	t.Helper()
	c, err := odoo.NewClient(odoo.Config{URL: f.url, Database: f.Database(), Username: "admin", Password: "admin", Timeout: 5 * time.Second})
	require.NoError(t, err)
	return c
}

// records returns the committed records of model matching domain.
func (f *fakeOdoo) records(t *testing.T, model string, domain ...any) []map[string]any {
	t.Helper()
	recs, err := f.Records(model, domain...)
	require.NoError(t, err)
	return recs
}

// one returns the only record of model matching domain.
func (f *fakeOdoo) one(t *testing.T, model string, domain ...any) map[string]any {
	t.Helper()
	recs := f.records(t, model, domain...)
	require.Len(t, recs, 1, "records of %s matching %v", model, domain)
	return recs[0]
}

func (f *fakeOdoo) record(t *testing.T, model string, id int64) map[string]any {
	t.Helper()
	rec, err := f.Record(model, id)
	require.NoError(t, err)
	return rec
}

// webhookAction returns the single server action of the named rule.
func (f *fakeOdoo) webhookAction(t *testing.T, rule string) (map[string]any, map[string]any) {
	t.Helper()
	r := f.one(t, "base.automation", []any{"name", "=", rule})
	ids := r["action_server_ids"].([]int64)
	require.Len(t, ids, 1, "actions of %q", rule)
	return r, f.record(t, "ir.actions.server", ids[0])
}

type logBuffer = testkit.LogBuffer

// The token has characters that need escaping in a query.
const token = "tok/en+s3cret"

func options(logs *logBuffer) provision.Options {
	return provision.Options{
		APIBaseURL:   "http://127.0.0.1:8080/",
		WebhookToken: token,
		Logger:       slog.New(slog.NewTextHandler(logs, nil)),
	}
}

func actions(r *provision.Report) map[string]provision.Action {
	out := map[string]provision.Action{}
	for _, s := range r.Steps {
		out[s.What] = s.Action
	}
	return out
}

func TestRunProvisionsAFreshOdoo(t *testing.T) {
	t.Parallel()
	f := startFakeOdoo(t)
	c := f.client(t)
	logs := &logBuffer{}
	ctx := context.Background()
	require.Equal(t, false, f.record(t, "payment.method", afterpayMethodID)["active"], "the seed's afterpay method is archived")

	report, err := provision.Run(ctx, c, options(logs))
	require.NoError(t, err)
	require.Equal(t, map[string]provision.Action{
		"Afterpay payment method":                                   provision.Unchanged,
		"Afterpay payment provider":                                 provision.Created,
		"bank journal Afterpay (AFTP)":                              provision.Created,
		"payment term Afterpay":                                     provision.Created,
		"custom field sale.order.x_afterpay_order_id":               provision.Created,
		"custom field sale.order.x_afterpay_status":                 provision.Created,
		"custom field sale.order.x_afterpay_instalments":            provision.Created,
		"custom field account.move.x_afterpay_order_id":             provision.Created,
		"custom field payment.provider.x_afterpay_minimum_amount":   provision.Created,
		"custom field payment.provider.x_afterpay_limits_currency":  provision.Created,
		"custom field payment.provider.x_afterpay_limits_refreshed": provision.Created,
		"custom field sale.order.x_afterpay_capture":                provision.Created,
		"form view sale.order (Afterpay page)":                      provision.Created,
		"form view account.move (Afterpay order)":                   provision.Created,
		`automation rule "Afterpay: order confirmed"`:               provision.Created,
		`automation rule "Afterpay: credit note posted"`:            provision.Created,
		// The reference seed's Odoo has no sale_stock.
		`automation rule "Afterpay: delivery done"`:   provision.Skipped,
		`automation rule "Afterpay: order cancelled"`: provision.Created,
		`automation rule "Afterpay: invoice posted"`:  provision.Created,
	}, actions(report))
	require.Contains(t, report.Steps[0].Detail, "stays archived")

	// The marker: an immediate payment term named Afterpay.
	term, err := c.FindAfterpayPaymentTerm(ctx)
	require.NoError(t, err)
	require.Equal(t, "Afterpay", f.record(t, "account.payment.term", term)["name"])
	lines := f.records(t, "account.payment.term.line", []any{"payment_id", "=", term})
	require.Len(t, lines, 1)
	require.Equal(t, "percent", lines[0]["value"])
	require.Equal(t, 100.0, lines[0]["value_amount"])
	require.Equal(t, int64(0), lines[0]["nb_days"])
	require.Equal(t, "days_after", lines[0]["delay_type"])
	capture := f.one(t, "ir.model.fields", []any{"model", "=", "sale.order"}, []any{"name", "=", odoo.FieldAfterpayCapture})
	require.Equal(t, "selection", capture["ttype"])
	require.Equal(t, "Afterpay Capture", capture["field_description"])
	var options []string
	for _, o := range f.records(t, "ir.model.fields.selection", []any{"field_id", "=", capture["id"]}) {
		options = append(options, o["value"].(string)+"="+o["name"].(string))
	}
	require.Equal(t, []string{"immediate=When the customer approves", "deferred=On delivery"}, options)

	// Odoo's own afterpay method stays archived (Odoo refuses to activate
	// it while its providers are disabled) and is linked to the provider.
	require.Equal(t, false, f.record(t, "payment.method", afterpayMethodID)["active"])
	provider := f.one(t, "payment.provider", []any{"name", "=", "Afterpay"})
	require.Equal(t, "custom", provider["code"])
	require.Equal(t, "disabled", provider["state"])
	require.Equal(t, false, provider["is_published"])
	require.Equal(t, []int64{afterpayMethodID}, provider["payment_method_ids"])

	journal := f.one(t, "account.journal", []any{"code", "=", "AFTP"})
	require.Equal(t, "bank", journal["type"])
	require.Equal(t, "Afterpay", journal["name"])
	require.Equal(t, true, journal["active"])

	for _, want := range []struct{ model, name, ttype, label string }{
		{"sale.order", "x_afterpay_order_id", "char", "Afterpay Order ID"},
		{"sale.order", "x_afterpay_status", "char", "Afterpay Status"},
		{"sale.order", "x_afterpay_instalments", "text", "Afterpay Instalments"},
		{"account.move", "x_afterpay_order_id", "char", "Afterpay Order ID"},
	} {
		field := f.one(t, "ir.model.fields", []any{"model", "=", want.model}, []any{"name", "=", want.name})
		require.Equal(t, "manual", field["state"], want.name)
		require.Equal(t, want.ttype, field["ttype"], want.name)
		require.Equal(t, want.label, field["field_description"], want.name)
		require.Equal(t, false, field["copied"], want.name)
	}
	require.Equal(t, saleOrderModelID, f.one(t, "ir.model.fields", []any{"model", "=", "sale.order"},
		[]any{"name", "=", "x_afterpay_order_id"})["model_id"])
	// The new fields are real columns: the client writes and reads them.
	require.NoError(t, c.WriteFields(ctx, "sale.order", 1, map[string]any{"x_afterpay_order_id": "AP-1", "x_afterpay_instalments": "4 × 25.00"}))
	recs, err := c.Read(ctx, "sale.order", []int64{1}, []string{"x_afterpay_order_id", "x_afterpay_instalments"}, nil)
	require.NoError(t, err)
	require.Equal(t, "AP-1", recs[0]["x_afterpay_order_id"])
	require.Equal(t, "4 × 25.00", recs[0]["x_afterpay_instalments"])

	// The rules as in transcripts 106/207, with the seed's real ids.
	order, orderAction := f.webhookAction(t, provision.OrderConfirmedRule)
	require.Equal(t, firstAutomationID, order["id"])
	require.Equal(t, saleOrderModelID, order["model_id"])
	require.Equal(t, "on_state_set", order["trigger"])
	require.Equal(t, []int64{saleOrderStateField}, order["trigger_field_ids"])
	require.Equal(t, saleStateSale, order["trg_selection_field_id"])
	require.Equal(t, fmt.Sprintf("[('state', '=', 'sale'), ('payment_term_id', '=', %d)]", term), order["filter_domain"])
	require.Equal(t, true, order["active"])
	require.Equal(t, firstServerActionID, orderAction["id"])
	require.Equal(t, "webhook", orderAction["state"])
	require.Equal(t, webhookActionNameSet, orderAction["name"], "Odoo overwrites the webhook action's name")
	require.Equal(t, "http://127.0.0.1:8080/odoo/webhook/order-confirmed?token=tok%2Fen%2Bs3cret", orderAction["webhook_url"])
	require.ElementsMatch(t, []int64{6105, 6108, 6138, 6131, 6107, 6111}, orderAction["webhook_field_ids"])

	credit, creditAction := f.webhookAction(t, provision.CreditNotePostedRule)
	require.Equal(t, accountMoveModelID, credit["model_id"])
	require.Equal(t, []int64{accountMoveState}, credit["trigger_field_ids"])
	require.Equal(t, moveStatePosted, credit["trg_selection_field_id"])
	require.Equal(t, "[('state', '=', 'posted'), ('move_type', '=', 'out_refund')]", credit["filter_domain"])
	require.Equal(t, "http://127.0.0.1:8080/odoo/webhook/credit-note-posted?token=tok%2Fen%2Bs3cret", creditAction["webhook_url"])
	require.ElementsMatch(t, []int64{4446, 4449, 4450, 4511, 4523, 4538, 4447}, creditAction["webhook_field_ids"])

	cancelled, cancelledAction := f.webhookAction(t, provision.OrderCancelledRule)
	require.Equal(t, fmt.Sprintf("[('state', '=', 'cancel'), ('payment_term_id', '=', %d)]", term), cancelled["filter_domain"])
	require.Equal(t, "http://127.0.0.1:8080/odoo/webhook/order-cancelled?token=tok%2Fen%2Bs3cret", cancelledAction["webhook_url"])
	require.Len(t, cancelledAction["webhook_field_ids"], 2)
	invoice, invoiceAction := f.webhookAction(t, provision.InvoicePostedRule)
	require.Equal(t, fmt.Sprintf("[('state', '=', 'posted'), ('move_type', '=', 'out_invoice'), ('line_ids.sale_line_ids.order_id.payment_term_id', '=', %d)]", term),
		invoice["filter_domain"])
	require.Equal(t, "http://127.0.0.1:8080/odoo/webhook/invoice-posted?token=tok%2Fen%2Bs3cret", invoiceAction["webhook_url"])
	require.Len(t, invoiceAction["webhook_field_ids"], 5)
	require.Empty(t, f.records(t, "base.automation", []any{"name", "=", provision.DeliveryDoneRule}))

	text := report.String()
	t.Log("\n" + text)
	require.True(t, strings.HasPrefix(text, "Odoo provisioning: 17 created, 0 updated, 1 unchanged, 1 skipped\n"), text)
	require.Contains(t, text, "stock.picking does not exist")
	require.Contains(t, text, "token=***")
	require.NotContains(t, text, "s3cret")
	require.NotContains(t, logs.String(), "s3cret")
	require.True(t, report.Changed())
}

func TestRunTwiceChangesNothing(t *testing.T) {
	t.Parallel()
	f := startFakeOdoo(t)
	c := f.client(t)
	ctx := context.Background()
	_, err := provision.Run(ctx, c, options(&logBuffer{}))
	require.NoError(t, err)
	_, writesBefore := f.objectCalls()
	before, err := f.Snapshot()
	require.NoError(t, err)

	report, err := provision.Run(ctx, c, options(&logBuffer{}))
	require.NoError(t, err)
	require.False(t, report.Changed(), report.String())
	require.Equal(t, 18, report.Count(provision.Unchanged))
	require.Equal(t, 1, report.Count(provision.Skipped))
	_, writesAfter := f.objectCalls()
	require.Equal(t, writesBefore, writesAfter, "a second run writes nothing")
	after, err := f.Snapshot()
	require.NoError(t, err)
	require.JSONEq(t, string(before), string(after), "the state is the same")
	require.Len(t, f.records(t, "base.automation"), 4)
	require.Len(t, f.records(t, "ir.actions.server", []any{"state", "=", "webhook"}), 4)
	require.Len(t, f.records(t, "account.payment.term", []any{"name", "=", "Afterpay"}), 1)
}

func TestRunUpdatesTheWebhookURL(t *testing.T) {
	t.Parallel()
	f := startFakeOdoo(t)
	c := f.client(t)
	ctx := context.Background()
	_, err := provision.Run(ctx, c, options(&logBuffer{}))
	require.NoError(t, err)

	opts := options(&logBuffer{})
	opts.APIBaseURL = "https://bridge.example.com"
	report, err := provision.Run(ctx, c, opts)
	require.NoError(t, err)
	require.Equal(t, 4, report.Count(provision.Updated), report.String())
	for _, step := range report.Steps {
		if step.Model == "base.automation" && step.Action != provision.Skipped {
			require.Equal(t, provision.Updated, step.Action)
			require.Contains(t, step.Detail, "webhook URL changed from http://127.0.0.1:8080/odoo/webhook/")
			require.Contains(t, step.Detail, "to https://bridge.example.com/odoo/webhook/")
			require.NotContains(t, step.Detail, "s3cret")
		}
	}
	_, action := f.webhookAction(t, provision.OrderConfirmedRule)
	require.Equal(t, "https://bridge.example.com/odoo/webhook/order-confirmed?token=tok%2Fen%2Bs3cret", action["webhook_url"])
	_, action = f.webhookAction(t, provision.CreditNotePostedRule)
	require.Equal(t, "https://bridge.example.com/odoo/webhook/credit-note-posted?token=tok%2Fen%2Bs3cret", action["webhook_url"])
	require.Len(t, f.records(t, "base.automation"), 4)
	require.Len(t, f.records(t, "ir.actions.server", []any{"state", "=", "webhook"}), 4)
}

func TestRunRepairsDrift(t *testing.T) {
	t.Parallel()
	f := startFakeOdoo(t)
	c := f.client(t)
	ctx := context.Background()
	_, err := provision.Run(ctx, c, options(&logBuffer{}))
	require.NoError(t, err)

	// An admin archived the credit-note rule, widened its filter, dropped a
	// webhook field, relabelled a custom field, unlinked the method from the
	// provider, edited the order form's extension and archived the
	// invoice form's.
	credit, action := f.webhookAction(t, provision.CreditNotePostedRule)
	creditID, actionID := credit["id"].(int64), action["id"].(int64)
	require.NoError(t, c.Write(ctx, "base.automation", []int64{creditID},
		map[string]any{"active": false, "filter_domain": "[('state', '=', 'posted')]"}, nil))
	dropped := action["webhook_field_ids"].([]int64)[0]
	require.NoError(t, c.Write(ctx, "ir.actions.server", []int64{actionID},
		map[string]any{"webhook_field_ids": []any{[]any{3, dropped, 0}}}, nil))
	require.Len(t, f.record(t, "ir.actions.server", actionID)["webhook_field_ids"], 6)
	instalments := f.one(t, "ir.model.fields", []any{"name", "=", "x_afterpay_instalments"})["id"].(int64)
	require.NoError(t, c.Write(ctx, "ir.model.fields", []int64{instalments}, map[string]any{"field_description": "Plan"}, nil))
	providerID := f.one(t, "payment.provider", []any{"name", "=", "Afterpay"})["id"].(int64)
	require.NoError(t, c.Write(ctx, "payment.provider", []int64{providerID},
		map[string]any{"payment_method_ids": []any{[]any{3, afterpayMethodID, 0}}}, nil))
	require.Empty(t, f.record(t, "payment.provider", providerID)["payment_method_ids"])
	orderView := f.one(t, "ir.ui.view", []any{"name", "=", provision.SaleOrderViewName})
	orderArch := orderView["arch_db"].(string)
	edited := strings.Replace(orderArch, `<field name="x_afterpay_status" readonly="1"/>`, "", 1)
	require.NotEqual(t, orderArch, edited)
	require.NoError(t, c.Write(ctx, "ir.ui.view", []int64{orderView["id"].(int64)}, map[string]any{"arch": edited}, nil))
	moveView := f.one(t, "ir.ui.view", []any{"name", "=", provision.AccountMoveViewName})
	require.NoError(t, c.Write(ctx, "ir.ui.view", []int64{moveView["id"].(int64)}, map[string]any{"active": false}, nil))

	report, err := provision.Run(ctx, c, options(&logBuffer{}))
	require.NoError(t, err)
	got := actions(report)
	require.Equal(t, provision.Updated, got[`automation rule "Afterpay: credit note posted"`], report.String())
	require.Equal(t, provision.Unchanged, got[`automation rule "Afterpay: order confirmed"`])
	require.Equal(t, provision.Updated, got["Afterpay payment provider"])
	require.Equal(t, provision.Unchanged, got["Afterpay payment method"])
	require.Equal(t, provision.Updated, got["form view sale.order (Afterpay page)"])
	require.Equal(t, provision.Updated, got["form view account.move (Afterpay order)"])
	require.Equal(t, provision.Updated, got["custom field sale.order.x_afterpay_instalments"])
	require.Equal(t, provision.Unchanged, got["custom field sale.order.x_afterpay_order_id"])

	credit = f.record(t, "base.automation", creditID)
	require.Equal(t, true, credit["active"])
	require.Equal(t, "[('state', '=', 'posted'), ('move_type', '=', 'out_refund')]", credit["filter_domain"])
	require.Equal(t, []int64{actionID}, credit["action_server_ids"], "the action is repaired, not replaced")
	require.ElementsMatch(t, []int64{4446, 4449, 4450, 4511, 4523, 4538, 4447}, f.record(t, "ir.actions.server", actionID)["webhook_field_ids"])
	require.Equal(t, "Afterpay Instalments", f.record(t, "ir.model.fields", instalments)["field_description"])
	require.Equal(t, false, f.record(t, "payment.method", afterpayMethodID)["active"])
	require.Equal(t, []int64{afterpayMethodID}, f.record(t, "payment.provider", providerID)["payment_method_ids"])
	require.Equal(t, orderArch, f.record(t, "ir.ui.view", orderView["id"].(int64))["arch_db"])
	require.Equal(t, true, f.record(t, "ir.ui.view", moveView["id"].(int64))["active"])

	// A rule that lost its webhook action gets a new one.
	order, orderAction := f.webhookAction(t, provision.OrderConfirmedRule)
	_, err = c.ExecuteKW(ctx, "ir.actions.server", "unlink", []any{[]any{orderAction["id"]}}, nil)
	require.NoError(t, err)
	require.Empty(t, f.record(t, "base.automation", order["id"].(int64))["action_server_ids"])
	report, err = provision.Run(ctx, c, options(&logBuffer{}))
	require.NoError(t, err)
	require.Equal(t, provision.Updated, actions(report)[`automation rule "Afterpay: order confirmed"`], report.String())
	_, added := f.webhookAction(t, provision.OrderConfirmedRule)
	require.Equal(t, "http://127.0.0.1:8080/odoo/webhook/order-confirmed?token=tok%2Fen%2Bs3cret", added["webhook_url"])
	require.ElementsMatch(t, []int64{6105, 6108, 6138, 6131, 6107, 6111}, added["webhook_field_ids"])

	// And then all is well.
	report, err = provision.Run(ctx, c, options(&logBuffer{}))
	require.NoError(t, err)
	require.False(t, report.Changed(), report.String())
}

// An admin who edits the order rule's trigger or filter in the UI would
// make Odoo post orders in other states, or none; provisioning puts both back.
func TestRunRepairsTheOrderRuleTriggerAndFilter(t *testing.T) {
	t.Parallel()
	for _, drift := range []struct {
		name string
		vals func(t *testing.T, c *odoo.Client) map[string]any
	}{
		{"filter widened", func(*testing.T, *odoo.Client) map[string]any {
			return map[string]any{"filter_domain": "[]"}
		}},
		{"filter narrowed", func(*testing.T, *odoo.Client) map[string]any {
			return map[string]any{"filter_domain": "[('state', '=', 'sale'), ('amount_total', '>', 1000)]"}
		}},
		{"trigger changed", func(*testing.T, *odoo.Client) map[string]any {
			return map[string]any{"trigger": "on_create_or_write"}
		}},
		{"state value changed", func(t *testing.T, c *odoo.Client) map[string]any {
			sent, err := c.Search(context.Background(), "ir.model.fields.selection",
				[]any{[]any{"field_id", "=", saleOrderStateField}, []any{"value", "=", "sent"}}, nil)
			require.NoError(t, err)
			require.Len(t, sent, 1)
			return map[string]any{"trg_selection_field_id": sent[0]}
		}},
	} {
		t.Run(drift.name, func(t *testing.T) {
			t.Parallel()
			f := startFakeOdoo(t)
			c := f.client(t)
			ctx := context.Background()
			_, err := provision.Run(ctx, c, options(&logBuffer{}))
			require.NoError(t, err)
			order, _ := f.webhookAction(t, provision.OrderConfirmedRule)
			id := order["id"].(int64)
			require.NoError(t, c.Write(ctx, "base.automation", []int64{id}, drift.vals(t, c), nil))
			require.NotEqual(t, order, f.record(t, "base.automation", id), "the rule drifted")

			report, err := provision.Run(ctx, c, options(&logBuffer{}))
			require.NoError(t, err)
			require.Equal(t, provision.Updated, actions(report)[`automation rule "Afterpay: order confirmed"`], report.String())
			order = f.record(t, "base.automation", id)
			require.Equal(t, "on_state_set", order["trigger"])
			require.Equal(t, []int64{saleOrderStateField}, order["trigger_field_ids"])
			require.Equal(t, saleStateSale, order["trg_selection_field_id"])
			term, err := c.FindAfterpayPaymentTerm(ctx)
			require.NoError(t, err)
			require.Equal(t, fmt.Sprintf("[('state', '=', 'sale'), ('payment_term_id', '=', %d)]", term), order["filter_domain"])

			report, err = provision.Run(ctx, c, options(&logBuffer{}))
			require.NoError(t, err)
			require.False(t, report.Changed(), report.String())
		})
	}
}

func TestRunRefusesConflicts(t *testing.T) {
	t.Parallel()
	t.Run("journal code taken by a sales journal", func(t *testing.T) {
		t.Parallel()
		f := startFakeOdoo(t)
		c := f.client(t)
		ctx := context.Background()
		_, err := c.Create(ctx, "account.journal", map[string]any{"name": "Afterpay sales", "code": "AFTP", "type": "sale"}, nil)
		require.NoError(t, err)
		report, err := provision.Run(ctx, c, options(&logBuffer{}))
		require.ErrorIs(t, err, odoo.ErrInvalidState)
		require.Len(t, report.Steps, 2, "the steps before the conflict are reported")
		require.Len(t, f.records(t, "account.journal", []any{"code", "=", "AFTP"}), 1, "no second journal")
	})
	t.Run("custom field with another type", func(t *testing.T) {
		t.Parallel()
		f := startFakeOdoo(t)
		c := f.client(t)
		ctx := context.Background()
		_, err := c.Create(ctx, "ir.model.fields", map[string]any{"model_id": saleOrderModelID, "name": "x_afterpay_order_id",
			"ttype": "integer", "field_description": "Afterpay Order ID", "state": "manual"}, nil)
		require.NoError(t, err)
		_, err = provision.Run(ctx, c, options(&logBuffer{}))
		require.ErrorIs(t, err, odoo.ErrInvalidState)
		require.Equal(t, "integer", f.one(t, "ir.model.fields", []any{"model", "=", "sale.order"},
			[]any{"name", "=", "x_afterpay_order_id"})["ttype"], "left for a human")
	})
	t.Run("provider of another kind is left as is", func(t *testing.T) {
		t.Parallel()
		f := startFakeOdoo(t)
		c := f.client(t)
		ctx := context.Background()
		id, err := c.Create(ctx, "payment.provider", map[string]any{"name": "Afterpay", "code": "none", "state": "disabled"}, nil)
		require.NoError(t, err)
		report, err := provision.Run(ctx, c, options(&logBuffer{}))
		require.NoError(t, err)
		for _, s := range report.Steps {
			if s.What == "Afterpay payment provider" {
				require.Equal(t, id, s.ID)
				require.Contains(t, s.Detail, `code is "none", not "custom"; left as is`)
			}
		}
		require.Equal(t, "none", f.record(t, "payment.provider", id)["code"])
		require.Equal(t, []int64{afterpayMethodID}, f.record(t, "payment.provider", id)["payment_method_ids"])
	})
}

func TestRunUnarchivesTheJournal(t *testing.T) {
	t.Parallel()
	f := startFakeOdoo(t)
	c := f.client(t)
	ctx := context.Background()
	id, err := c.Create(ctx, "account.journal", map[string]any{"name": "Afterpay", "code": "AFTP", "type": "bank"}, nil)
	require.NoError(t, err)
	require.NoError(t, c.Write(ctx, "account.journal", []int64{id}, map[string]any{"active": false}, nil))
	require.Equal(t, false, f.record(t, "account.journal", id)["active"])

	report, err := provision.Run(ctx, c, options(&logBuffer{}))
	require.NoError(t, err)
	require.Equal(t, provision.Updated, actions(report)["bank journal Afterpay (AFTP)"])
	require.Equal(t, true, f.record(t, "account.journal", id)["active"])
	require.Len(t, f.records(t, "account.journal", []any{"code", "=", "AFTP"}), 1)
}

// The demo seed (no reference data) has what provisioning needs too.
func TestRunOnTheDemoSeed(t *testing.T) {
	t.Parallel()
	srv, err := fakeodoo.NewDemo(fakeodoo.Options{Clock: fixedClock{}})
	require.NoError(t, err)
	hs := httptest.NewServer(srv)
	t.Cleanup(hs.Close)
	c, err := odoo.NewClient(odoo.Config{URL: hs.URL, Database: srv.Database(), Username: "admin", Password: "admin", Timeout: 5 * time.Second})
	require.NoError(t, err)
	ctx := context.Background()
	first, err := provision.Run(ctx, c, options(&logBuffer{}))
	require.NoError(t, err)
	require.Equal(t, 18, first.Count(provision.Created), first.String())
	require.Equal(t, 0, first.Count(provision.Updated), first.String())
	require.Equal(t, 1, first.Count(provision.Unchanged), first.String())
	require.Equal(t, 0, first.Count(provision.Skipped), first.String(), "the demo has stock")
	require.True(t, strings.HasPrefix(first.String(), "Odoo provisioning: 18 created, 0 updated, 1 unchanged\n"), first.String())
	second, err := provision.Run(ctx, c, options(&logBuffer{}))
	require.NoError(t, err)
	require.False(t, second.Changed(), second.String())
	require.Equal(t, 19, second.Count(provision.Unchanged), second.String())

	term, err := c.FindAfterpayPaymentTerm(ctx)
	require.NoError(t, err)
	recs, err := c.SearchRead(ctx, "base.automation", []any{[]any{"name", "=", provision.DeliveryDoneRule}}, []string{"filter_domain", "action_server_ids"}, nil)
	require.NoError(t, err)
	require.Len(t, recs, 1)
	require.Equal(t, fmt.Sprintf("[('state', '=', 'done'), ('picking_type_code', '=', 'outgoing'), ('sale_id.payment_term_id', '=', %d)]", term),
		recs[0]["filter_domain"])
	actionIDs, err := recs[0].IDs("action_server_ids")
	require.NoError(t, err)
	require.Len(t, actionIDs, 1)
	action, err := c.Read(ctx, "ir.actions.server", actionIDs, []string{"webhook_url", "webhook_field_ids"}, nil)
	require.NoError(t, err)
	require.Equal(t, "http://127.0.0.1:8080/odoo/webhook/delivery-done?token=tok%2Fen%2Bs3cret", action[0]["webhook_url"])
	fields, err := action[0].IDs("webhook_field_ids")
	require.NoError(t, err)
	named, err := c.Read(ctx, "ir.model.fields", fields, []string{"name"}, nil)
	require.NoError(t, err)
	var names []string
	for _, f := range named {
		names = append(names, f["name"].(string))
	}
	require.ElementsMatch(t, []string{"name", "state", "sale_id", "origin", "picking_type_code", "backorder_id"}, names)
}

// An admin who edits the Afterpay payment term (archives it, makes it due
// in 30 days, adds an early payment discount) or the capture field's
// options gets them put back; options an admin added stay.
func TestRunRepairsThePaymentTermAndTheCaptureField(t *testing.T) {
	t.Parallel()
	f := startFakeOdoo(t)
	c := f.client(t)
	ctx := context.Background()
	_, err := provision.Run(ctx, c, options(&logBuffer{}))
	require.NoError(t, err)
	term, err := c.FindAfterpayPaymentTerm(ctx)
	require.NoError(t, err)
	line := f.one(t, "account.payment.term.line", []any{"payment_id", "=", term})["id"].(int64)
	require.NoError(t, c.Write(ctx, "account.payment.term", []int64{term}, map[string]any{"active": false, "early_discount": true,
		"line_ids": []any{[]any{1, line, map[string]any{"nb_days": 30}}}}, nil))
	capture := f.one(t, "ir.model.fields", []any{"name", "=", odoo.FieldAfterpayCapture})["id"].(int64)
	deferred := f.one(t, "ir.model.fields.selection", []any{"field_id", "=", capture}, []any{"value", "=", "deferred"})["id"].(int64)
	require.NoError(t, c.Write(ctx, "ir.model.fields", []int64{capture}, map[string]any{"selection_ids": []any{
		[]any{1, deferred, map[string]any{"name": "Later"}},
		[]any{0, 0, map[string]any{"value": "manual", "name": "By hand", "sequence": 9}},
	}}, nil))

	report, err := provision.Run(ctx, c, options(&logBuffer{}))
	require.NoError(t, err)
	got := actions(report)
	require.Equal(t, provision.Updated, got["payment term Afterpay"], report.String())
	require.Equal(t, provision.Updated, got["custom field sale.order.x_afterpay_capture"], report.String())
	require.Equal(t, provision.Unchanged, got[`automation rule "Afterpay: order confirmed"`], "the term keeps its id")
	tr := f.record(t, "account.payment.term", term)
	require.Equal(t, true, tr["active"])
	require.Equal(t, false, tr["early_discount"])
	lines := f.records(t, "account.payment.term.line", []any{"payment_id", "=", term})
	require.Len(t, lines, 1)
	require.Equal(t, int64(0), lines[0]["nb_days"])
	require.Equal(t, "On delivery", f.record(t, "ir.model.fields.selection", deferred)["name"])
	require.Len(t, f.records(t, "ir.model.fields.selection", []any{"field_id", "=", capture}), 3, "the admin's option stays")

	report, err = provision.Run(ctx, c, options(&logBuffer{}))
	require.NoError(t, err)
	require.False(t, report.Changed(), report.String())
}

func TestRunValidatesOptions(t *testing.T) {
	t.Parallel()
	f := startFakeOdoo(t)
	c := f.client(t)
	for _, opts := range []provision.Options{
		{APIBaseURL: "http://127.0.0.1:8080"},
		{APIBaseURL: "127.0.0.1:8080", WebhookToken: token},
		{APIBaseURL: "ftp://127.0.0.1:8080", WebhookToken: token},
		{APIBaseURL: "http://127.0.0.1:8080/?x=1", WebhookToken: token},
		{APIBaseURL: "http://user:pw@127.0.0.1:8080", WebhookToken: token},
		{WebhookToken: token},
	} {
		_, err := provision.Run(context.Background(), c, opts)
		require.Error(t, err, "%+v", opts)
	}
	_, err := provision.Run(context.Background(), nil, options(&logBuffer{}))
	require.Error(t, err)
	all, _ := f.objectCalls()
	require.Zero(t, all, "nothing is called with bad options")
}

// The extension views put the custom fields on Odoo's order and invoice
// forms: get_views answers the combined forms with them.
func TestRunShowsTheFieldsInTheForms(t *testing.T) {
	t.Parallel()
	f := startFakeOdoo(t)
	c := f.client(t)
	ctx := context.Background()
	_, err := provision.Run(ctx, c, options(&logBuffer{}))
	require.NoError(t, err)
	for model, fields := range map[string][]string{
		"sale.order":   {"x_afterpay_order_id", "x_afterpay_status", "x_afterpay_instalments"},
		"account.move": {"x_afterpay_order_id"},
	} {
		res, err := c.ExecuteKW(ctx, model, "get_views", []any{[]any{[]any{false, "form"}}}, nil)
		require.NoError(t, err)
		views := res.(map[string]any)["views"].(map[string]any)
		arch := views["form"].(map[string]any)["arch"].(string)
		described := res.(map[string]any)["models"].(map[string]any)[model].(map[string]any)["fields"].(map[string]any)
		for _, name := range fields {
			require.Contains(t, arch, `<field name="`+name+`" readonly="1"`, model)
			require.Contains(t, described, name, model)
		}
	}
	require.Len(t, f.records(t, "ir.ui.view", []any{"name", "like", "afterpay."}), 2)
}

// A method someone could activate (a provider supporting it was enabled)
// is reported as it is and never written.
func TestRunLeavesAnActiveMethodAlone(t *testing.T) {
	t.Parallel()
	f := startFakeOdoo(t)
	c := f.client(t)
	ctx := context.Background()
	recs, err := c.Read(ctx, "payment.method", []int64{afterpayMethodID}, []string{"provider_ids"}, map[string]any{"active_test": false})
	require.NoError(t, err)
	linked := recs[0]["provider_ids"].([]any)
	require.NotEmpty(t, linked, "the seed links the method to providers")
	require.NoError(t, c.Write(ctx, "payment.provider", []int64{linked[0].(int64)}, map[string]any{"state": "test"}, nil))
	require.NoError(t, c.Write(ctx, "payment.method", []int64{afterpayMethodID}, map[string]any{"active": true}, nil))

	report, err := provision.Run(ctx, c, options(&logBuffer{}))
	require.NoError(t, err)
	require.Equal(t, provision.Step{What: "Afterpay payment method", Model: "payment.method", ID: afterpayMethodID,
		Action: provision.Unchanged, Detail: "active"}, report.Steps[0])
	require.Equal(t, true, f.record(t, "payment.method", afterpayMethodID)["active"])
}
