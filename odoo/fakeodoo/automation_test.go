package fakeodoo

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/odoo-afterpay/bridge/odoo/fakeodoo/internal/wire"
)

// hookReceiver records webhooks and, while handling each, reads the record
// back from the fake over XML-RPC like a bridge would.
type hookReceiver struct {
	mu      sync.Mutex
	fakeURL string
	status  int
	got     []receivedHook
}

type receivedHook struct {
	header   http.Header
	body     map[string]any
	raw      string
	readBack string // state read over XML-RPC during the webhook
	err      error
}

func (h *hookReceiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	raw, err := io.ReadAll(r.Body)
	rh := receivedHook{header: r.Header.Clone(), raw: string(raw), err: err}
	if err == nil {
		rh.err = json.Unmarshal(raw, &rh.body)
	}
	if rh.err == nil {
		rh.readBack, rh.err = h.readState(rh.body["_model"].(string), int64(rh.body["_id"].(float64)))
	}
	h.mu.Lock()
	h.got = append(h.got, rh)
	status := h.status
	h.mu.Unlock()
	if status == 0 {
		status = http.StatusOK
	}
	w.WriteHeader(status)
}

func (h *hookReceiver) readState(model string, id int64) (string, error) {
	body, err := wire.EncodeCall("execute_kw", "odoo", int64(2), "admin", model, "read",
		[]any{[]any{id}}, wire.NewStruct("fields", []any{"state"}))
	if err != nil {
		return "", err
	}
	resp, err := http.Post(h.fakeURL+"/xmlrpc/2/object", "text/xml", bytes.NewReader(body))
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return "", err
	}
	v, f, err := wire.DecodeResponse(data)
	if err != nil {
		return "", err
	}
	if f != nil {
		return "", fmt.Errorf("fault %v: %s", f.Code, f.String)
	}
	return v.([]any)[0].(*wire.Struct).Value("state").(string), nil
}

func (h *hookReceiver) hooks() []receivedHook {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]receivedHook(nil), h.got...)
}

// startWithHooks runs a demo fake and a webhook receiver, both on loopback.
func startWithHooks(t *testing.T) (*Server, *rpc, *hookReceiver, string) {
	t.Helper()
	srv, err := NewDemo(Options{Clock: fixedClock(testNow)})
	require.NoError(t, err)
	fake := httptest.NewServer(srv)
	t.Cleanup(fake.Close)
	recv := &hookReceiver{fakeURL: fake.URL}
	hooks := httptest.NewServer(recv)
	t.Cleanup(hooks.Close)
	return srv, newRPC(t, fake.URL), recv, hooks.URL
}

func (c *rpc) firstID(model string, domain ...any) int64 {
	c.t.Helper()
	ids := c.must(model, "search", []any{domain}, "limit", 1).([]any)
	if len(ids) == 0 {
		c.t.Fatalf("no %s matches %v", model, domain)
	}
	return ids[0].(int64)
}

// stateRule creates the rule of transcript 106: sale.order state set to
// "sale" → webhook with a few fields.
func stateRule(t *testing.T, c *rpc, url string) int64 {
	t.Helper()
	modelID := c.firstID("ir.model", []any{"model", "=", "sale.order"})
	selID := c.firstID("ir.model.fields.selection", []any{"field_id.model", "=", "sale.order"},
		[]any{"field_id.name", "=", "state"}, []any{"value", "=", "sale"})
	var fieldIDs []any
	for _, name := range []string{"name", "state", "amount_total", "partner_id", "transaction_ids"} {
		fieldIDs = append(fieldIDs, c.firstID("ir.model.fields", []any{"model", "=", "sale.order"}, []any{"name", "=", name}))
	}
	return c.must("base.automation", "create", []any{wire.NewStruct(
		"name", "Afterpay: order confirmed", "model_id", modelID, "trigger", "on_state_set", "trg_selection_field_id", selID,
		"action_server_ids", []any{cmd(0, 0, wire.NewStruct("name", "Notify bridge", "model_id", modelID, "state", "webhook",
			"webhook_url", url+"/odoo/webhook", "webhook_field_ids", []any{cmd(6, 0, fieldIDs)}))},
	)}).(int64)
}

func TestWebhookFiresBeforeCommit(t *testing.T) {
	srv, c, recv, url := startWithHooks(t)
	rule := stateRule(t, c, url)
	r := c.read("base.automation", rule, "filter_domain", "trigger_field_ids", "action_server_ids")
	require.Equal(t, "[('state', '=', 'sale')]", r.Value("filter_domain"))
	action := r.Value("action_server_ids").([]any)[0].(int64)
	require.Equal(t, "Send Webhook Notification", c.read("ir.actions.server", action, "name").Value("name"))

	require.Equal(t, true, c.must("sale.order", "action_confirm", []any{[]any{int64(1)}}))
	hooks := recv.hooks()
	require.Len(t, hooks, 1, "the webhook is sent synchronously inside the call")
	h := hooks[0]
	require.NoError(t, h.err)
	require.Equal(t, "draft", h.readBack, "other clients still see the old state while the webhook is in flight")
	require.Equal(t, "sale", h.body["state"], "the payload carries the uncommitted change")
	require.Equal(t, fmt.Sprintf("Send Webhook Notification(#%d)", action), h.body["_action"])
	require.Equal(t, "sale.order", h.body["_model"])
	require.Equal(t, 1.0, h.body["_id"])
	require.Equal(t, 1.0, h.body["id"])
	require.Equal(t, 10.0, h.body["partner_id"], "many2one as a bare id")
	require.Equal(t, []any{}, h.body["transaction_ids"])
	require.Equal(t, 141.9, h.body["amount_total"])
	require.Equal(t, `{"_action": "Send Webhook Notification(#`+fmt.Sprint(action)+`)", "_id": 1, "_model": "sale.order", "amount_total": 141.9, `+
		`"id": 1, "name": "S00001", "partner_id": 10, "state": "sale", "transaction_ids": []}`, h.raw)
	require.Equal(t, "python-requests/2.28.1", h.header.Get("User-Agent"))
	require.Equal(t, "application/json", h.header.Get("Content-Type"))
	require.Equal(t, "sale", c.read("sale.order", 1, "state").Value("state"), "committed after the webhook")

	// Writing another field does not change the state: no second webhook.
	c.must("sale.order", "write", []any{[]any{int64(1)}, wire.NewStruct("client_order_ref", "changed")})
	require.Len(t, recv.hooks(), 1)

	// A failed webhook is only logged; the call still succeeds.
	recv.mu.Lock()
	recv.status = http.StatusInternalServerError
	recv.mu.Unlock()
	require.Equal(t, true, c.must("sale.order", "action_confirm", []any{[]any{int64(2)}}))
	require.Len(t, recv.hooks(), 2)
	rec, err := srv.Record("sale.order", 2)
	require.NoError(t, err)
	require.Equal(t, "sale", rec["state"])
}

func TestWebhookOnCreateOrWriteWithDomain(t *testing.T) {
	_, c, recv, url := startWithHooks(t)
	modelID := c.firstID("ir.model", []any{"model", "=", "payment.transaction"})
	c.must("base.automation", "create", []any{wire.NewStruct(
		"name", "tx done", "model_id", modelID, "trigger", "on_create_or_write",
		"filter_pre_domain", "[('state', '!=', 'done')]", "filter_domain", "[('state', '=', 'done')]",
		"action_server_ids", []any{cmd(0, 0, wire.NewStruct("name", "x", "state", "webhook", "webhook_url", url))},
	)})
	tx := c.must("payment.transaction", "create", []any{wire.NewStruct("provider_id", int64(6), "payment_method_id", int64(1),
		"amount", 141.9, "currency_id", int64(1), "partner_id", int64(10), "sale_order_ids", []any{cmd(6, 0, []any{int64(1)})})}).(int64)
	require.Empty(t, recv.hooks(), "draft does not match the domain")
	c.must("payment.transaction", "write", []any{[]any{tx}, wire.NewStruct("state", "done")})
	require.Len(t, recv.hooks(), 1)
	require.Len(t, recv.hooks()[0].body, 3, "no fields selected: only _action, _id and _model")
	require.Equal(t, "payment.transaction", recv.hooks()[0].body["_model"])
	require.Equal(t, "draft", recv.hooks()[0].readBack)
	c.must("payment.transaction", "write", []any{[]any{tx}, wire.NewStruct("state_message", "again")})
	require.Len(t, recv.hooks(), 1, "the pre-domain excludes records already done")
}

func TestWebhookToUnreachableURLIsOnlyLogged(t *testing.T) {
	_, c, _, _ := startWithHooks(t)
	dead := httptest.NewServer(http.NotFoundHandler())
	deadURL := dead.URL
	dead.Close()
	stateRule(t, c, deadURL)
	require.Equal(t, true, c.must("sale.order", "action_confirm", []any{[]any{int64(3)}}))
	require.Equal(t, "sale", c.read("sale.order", 3, "state").Value("state"))
}

func TestWebhookSamplePayload(t *testing.T) {
	_, c, _, url := startWithHooks(t)
	rule := stateRule(t, c, url)
	action := c.read("base.automation", rule, "action_server_ids").Value("action_server_ids").([]any)[0].(int64)
	sample := c.read("ir.actions.server", action, "webhook_sample_payload").Value("webhook_sample_payload").(string)
	var got map[string]any
	require.NoError(t, json.Unmarshal([]byte(sample), &got))
	require.Equal(t, "sale.order", got["_model"])
	require.Equal(t, "Send Webhook Notification", got["_name"])
	require.Equal(t, 5.0, got["id"], "the first order in the model's default order")
	require.Contains(t, sample, "{\n    \"_model\": \"sale.order\",\n    \"_name\"")
}

func TestServerActionRunCodeEscapeHatch(t *testing.T) {
	_, c, _, _ := startWithHooks(t)
	modelID := c.firstID("ir.model", []any{"model", "=", "payment.transaction"})
	action := c.must("ir.actions.server", "create", []any{wire.NewStruct("name", "Set done", "model_id", modelID,
		"state", "code", "code", "records._set_done()")}).(int64)
	tx := c.must("payment.transaction", "create", []any{wire.NewStruct("provider_id", int64(6), "payment_method_id", int64(1),
		"amount", 141.9, "currency_id", int64(1), "partner_id", int64(10))}).(int64)
	c.must("ir.actions.server", "run", []any{[]any{action}}, "context",
		wire.NewStruct("active_model", "payment.transaction", "active_ids", []any{tx}))
	require.Equal(t, "done", c.read("payment.transaction", tx, "state").Value("state"))
}

// filter_domain is recomputed when the trigger or its value is written,
// unless the same write sets it (base_automation _compute_filter_domain).
func TestRuleFilterDomainFollowsTheTrigger(t *testing.T) {
	_, c, _, url := startWithHooks(t)
	rule := stateRule(t, c, url)
	filter := func() any { return c.read("base.automation", rule, "filter_domain").Value("filter_domain") }
	sentID := c.firstID("ir.model.fields.selection", []any{"field_id.model", "=", "sale.order"},
		[]any{"field_id.name", "=", "state"}, []any{"value", "=", "sent"})
	saleID := c.firstID("ir.model.fields.selection", []any{"field_id.model", "=", "sale.order"},
		[]any{"field_id.name", "=", "state"}, []any{"value", "=", "sale"})

	c.must("base.automation", "write", []any{[]any{rule}, wire.NewStruct("filter_domain", "[]")})
	require.Equal(t, "[]", filter(), "written on its own, the filter is kept")
	c.must("base.automation", "write", []any{[]any{rule}, wire.NewStruct("trg_selection_field_id", sentID)})
	require.Equal(t, "[('state', '=', 'sent')]", filter())
	c.must("base.automation", "write", []any{[]any{rule}, wire.NewStruct("trigger", "on_create_or_write")})
	require.Equal(t, false, filter())
	c.must("base.automation", "write", []any{[]any{rule}, wire.NewStruct("trigger", "on_state_set", "trg_selection_field_id", saleID,
		"filter_domain", "[('state', '=', 'sale'), ('amount_total', '>', 0)]")})
	require.Equal(t, "[('state', '=', 'sale'), ('amount_total', '>', 0)]", filter(), "written with the trigger, the filter is kept")
}
