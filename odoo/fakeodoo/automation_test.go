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
	"time"

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

// gatedReceiver answers webhooks, holding those hold picks until release
// is closed. Each hook's body is sent to arrivals as it comes in.
type gatedReceiver struct {
	hold     func(body map[string]any) bool
	release  chan struct{}
	arrivals chan map[string]any
}

func (g *gatedReceiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var body map[string]any
	_ = json.NewDecoder(r.Body).Decode(&body)
	g.arrivals <- body
	if g.hold(body) {
		<-g.release
	}
	w.WriteHeader(http.StatusOK)
}

// startGated runs a demo fake whose webhooks may take their time, and a
// gated receiver; it returns the fake, a client, the receiver and its URL.
func startGated(t *testing.T, hold func(map[string]any) bool) (*Server, *rpc, *gatedReceiver, string) {
	t.Helper()
	srv, err := NewDemo(Options{Clock: fixedClock(testNow), HTTPClient: &http.Client{}})
	require.NoError(t, err)
	srv.hookTimeout = time.Minute // the test decides when a webhook is answered
	fake := httptest.NewServer(srv)
	t.Cleanup(fake.Close)
	g := &gatedReceiver{hold: hold, release: make(chan struct{}), arrivals: make(chan map[string]any, 16)}
	hooks := httptest.NewServer(g)
	t.Cleanup(hooks.Close)
	t.Cleanup(func() {
		select {
		case <-g.release:
		default:
			close(g.release)
		}
	})
	return srv, newRPC(t, fake.URL), g, hooks.URL
}

func (g *gatedReceiver) next(t *testing.T) map[string]any {
	t.Helper()
	select {
	case b := <-g.arrivals:
		return b
	case <-time.After(10 * time.Second):
		t.Fatal("no webhook arrived")
		return nil
	}
}

// waitForHead waits until a commit after version v is the head.
func waitForHead(t *testing.T, srv *Server, v uint64) {
	t.Helper()
	require.Eventually(t, func() bool { return srv.head.Load().version > v }, 10*time.Second, time.Millisecond)
}

// goCall runs a call in the background; the channel gets its fault (nil
// when it succeeded) once it has answered.
func goCall(c *rpc, model, method string, args []any) chan *wire.Fault {
	done := make(chan *wire.Fault, 1)
	go func() {
		body, _ := wire.EncodeCall("execute_kw", c.db, c.uid, c.pw, model, method, normaliseGo(args), wire.NewStruct())
		resp, err := c.http.Post(c.url+"/xmlrpc/2/object", "text/xml", bytes.NewReader(body))
		if err != nil {
			done <- &wire.Fault{String: err.Error()}
			return
		}
		defer resp.Body.Close()
		_, f, err := wire.DecodeResponse(readAll(resp.Body))
		if err != nil {
			f = &wire.Fault{String: err.Error()}
		}
		done <- f
	}()
	return done
}

// While a webhook is in flight, other calls still write (the writer lock is
// not held during the POST), but nobody sees their changes before the
// webhook's own: commits become visible in their order, and each call
// answers once its commit is visible.
func TestWebhookDoesNotHoldTheWriterLock(t *testing.T) {
	srv, c, g, url := startGated(t, func(map[string]any) bool { return true })
	stateRule(t, c, url)
	ref := c.read("sale.order", 2, "client_order_ref").Value("client_order_ref")

	before := srv.head.Load().version
	confirm := goCall(c, "sale.order", "action_confirm", []any{[]any{int64(1)}})
	hook := g.next(t)
	require.Equal(t, "sale", hook["state"])
	waitForHead(t, srv, before)
	confirmed := srv.head.Load().version

	write := goCall(c, "sale.order", "write", []any{[]any{int64(2)}, wire.NewStruct("client_order_ref", "meanwhile")})
	waitForHead(t, srv, confirmed) // the write committed while the webhook waits
	rec, err := srv.Record("sale.order", 2)
	require.NoError(t, err)
	require.Equal(t, ref, rec["client_order_ref"], "not visible before the earlier commit")
	rec, err = srv.Record("sale.order", 1)
	require.NoError(t, err)
	require.Equal(t, "draft", rec["state"])
	select {
	case <-write:
		t.Fatal("the write answered before its commit was visible")
	case <-time.After(20 * time.Millisecond):
	}

	close(g.release)
	require.Nil(t, <-confirm)
	require.Nil(t, <-write)
	require.Equal(t, "meanwhile", c.read("sale.order", 2, "client_order_ref").Value("client_order_ref"))
	require.Equal(t, "sale", c.read("sale.order", 1, "state").Value("state"))
}

// Webhooks about one record are sent in the order of their commits, each
// once the one before is answered; those about other records do not wait.
func TestWebhooksOfARecordKeepTheirOrder(t *testing.T) {
	srv, c, g, url := startGated(t, func(b map[string]any) bool { return b["client_order_ref"] == "first" })
	modelID := c.firstID("ir.model", []any{"model", "=", "sale.order"})
	refField := c.firstID("ir.model.fields", []any{"model", "=", "sale.order"}, []any{"name", "=", "client_order_ref"})
	c.must("base.automation", "create", []any{wire.NewStruct(
		"name", "any write", "model_id", modelID, "trigger", "on_write",
		"action_server_ids", []any{cmd(0, 0, wire.NewStruct("name", "x", "state", "webhook", "webhook_url", url,
			"webhook_field_ids", []any{cmd(6, 0, []any{refField})}))},
	)})
	write := func(order int64, ref string) chan *wire.Fault {
		return goCall(c, "sale.order", "write", []any{[]any{order}, wire.NewStruct("client_order_ref", ref)})
	}

	v := srv.head.Load().version
	first := write(1, "first")
	require.Equal(t, "first", g.next(t)["client_order_ref"])
	waitForHead(t, srv, v)
	v = srv.head.Load().version
	second := write(1, "second")
	waitForHead(t, srv, v)
	other := write(2, "other")
	require.Equal(t, "other", g.next(t)["client_order_ref"], "another record's webhook does not wait")
	select {
	case b := <-g.arrivals:
		t.Fatalf("webhook %v overtook the one before it", b)
	case <-time.After(50 * time.Millisecond):
	}

	close(g.release)
	require.Equal(t, "second", g.next(t)["client_order_ref"])
	for _, done := range []chan *wire.Fault{first, second, other} {
		require.Nil(t, <-done)
	}
	require.Equal(t, "second", c.read("sale.order", 1, "client_order_ref").Value("client_order_ref"))
}

// A transaction that fails after its rule fired has sent the webhook
// anyway, as Odoo has by then; nothing of it is committed.
func TestWebhookOfAFailedCallIsSent(t *testing.T) {
	srv, c, g, url := startGated(t, func(map[string]any) bool { return false })
	stateRule(t, c, url)
	_, err := srv.runTx(2, nil, func(t *tx) (any, error) {
		if err := t.confirmOrders([]int64{1}); err != nil {
			return nil, err
		}
		return nil, errFuzzRollback
	})
	require.ErrorIs(t, err, errFuzzRollback)
	require.Equal(t, "sale", g.next(t)["state"])
	require.Equal(t, "draft", c.read("sale.order", 1, "state").Value("state"))
}
