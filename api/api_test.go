package api

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"
	commonpb "go.temporal.io/api/common/v1"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	workflowpb "go.temporal.io/api/workflow/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/mocks"

	"github.com/odoo-afterpay/bridge/workflows"
)

const (
	token         = "0123456789abcdef-token"
	previousToken = "fedcba9876543210-old-token"
	storeKey      = "sfk-0123456789abcdef0123456789"
	storeKeyOld   = "sfk-old-76543210fedcba987654"
	whSecret      = "whsec-current-secret"
	whSecretOld   = "whsec-previous-secret"
	publicURL     = "https://pay.example.com"
)

// testClock is the API's clock in tests.
type testClock struct {
	mu  sync.Mutex
	now time.Time
}

func newClock() *testClock { return &testClock{now: time.Unix(1_780_000_000, 0)} }

func (c *testClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }

func (c *testClock) Advance(d time.Duration) { c.mu.Lock(); c.now = c.now.Add(d); c.mu.Unlock() }

// logBuffer collects the API's log.
type logBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuffer) String() string { l.mu.Lock(); defer l.mu.Unlock(); return l.b.String() }

// fakeOrders is Odoo's sale orders for the order look-up.
type fakeOrders struct {
	ids   map[string]int64
	err   error
	block bool // wait for the context to end
	calls int
	mu    sync.Mutex
}

func (f *fakeOrders) FindOrder(ctx context.Context, name string) (int64, bool, error) {
	f.mu.Lock()
	f.calls++
	f.mu.Unlock()
	if f.block {
		<-ctx.Done()
		return 0, false, ctx.Err()
	}
	if f.err != nil {
		return 0, false, f.err
	}
	id, ok := f.ids[name]
	return id, ok, nil
}

// env is one API under test with everything it talks to.
type env struct {
	t        *testing.T
	temporal *mocks.Client
	srv      *server
	clock    *testClock
	log      *logBuffer
	orders   *fakeOrders
	afterpay *fakeAfterpay
}

func newEnv(t *testing.T, adjust ...func(*Options)) *env {
	t.Helper()
	e := &env{
		t: t, temporal: mocks.NewClient(t), clock: newClock(), log: &logBuffer{},
		orders:   &fakeOrders{ids: map[string]int64{"S00043": 42, "SO/2026/0001": 77}},
		afterpay: newFakeAfterpay(),
	}
	opts := Options{
		Database: "prod", TaskQueue: "payments", PublicURL: publicURL,
		WebhookToken: token, PreviousWebhookToken: previousToken,
		AfterpayWebhookSecret: whSecret, PreviousAfterpayWebhookSecret: whSecretOld,
		StorefrontAPIKeys: []string{storeKey, storeKeyOld},
		ShopName:          "Blue Bicycle Shop", ShopReturnURL: "https://shop.example.com/afterpay/done?from=afterpay",
		ConfirmationTimeout: time.Minute, TemporalUIURL: "http://ui", Namespace: "default",
		Orders: e.orders, Afterpay: e.afterpay, Now: e.clock.Now,
		Logger: slog.New(slog.NewJSONHandler(e.log, &slog.HandlerOptions{Level: slog.LevelDebug})),
	}
	for _, a := range adjust {
		a(&opts)
	}
	e.srv = newServer(e.temporal, opts)
	return e
}

// request is one HTTP request to the API.
type request struct {
	method, target, body string
	header               http.Header
	remote               string
	bodyReader           io.Reader
	contentLength        int64
}

func (e *env) serve(r request) *httptest.ResponseRecorder {
	e.t.Helper()
	var body io.Reader = strings.NewReader(r.body)
	if r.bodyReader != nil {
		body = r.bodyReader
	}
	req := httptest.NewRequest(r.method, r.target, body)
	if r.bodyReader != nil {
		req.ContentLength = r.contentLength
	}
	if r.header == nil {
		r.header = http.Header{"Content-Type": {"application/json"}}
	}
	for k, vs := range r.header {
		for _, v := range vs {
			req.Header.Add(k, v)
		}
	}
	if r.remote != "" {
		req.RemoteAddr = r.remote
	}
	rec := httptest.NewRecorder()
	e.srv.ServeHTTP(rec, req)
	return rec
}

func (e *env) post(target, body string) *httptest.ResponseRecorder {
	return e.serve(request{method: http.MethodPost, target: target, body: body})
}

func (e *env) get(target string) *httptest.ResponseRecorder {
	return e.serve(request{method: http.MethodGet, target: target})
}

// requireNothingReachedTemporal: no start, signal, update, query or any
// other call reached Temporal.
func (e *env) requireNothingReachedTemporal() {
	e.t.Helper()
	require.Empty(e.t, e.temporal.Calls, "nothing may reach Temporal")
}

// webhook is the body real Odoo 18 posts (keys sorted, Python separators).
const webhook = `{"_action": "Send Webhook Notification(#396)", "_id": 42, "_model": "sale.order", "amount_total": 92.0, "currency_id": 1, "id": 42, "name": "S00043", "partner_id": 42, "state": "sale"}`

func run(t *testing.T, id string) *mocks.WorkflowRun {
	r := mocks.NewWorkflowRun(t)
	r.On("GetID").Return(id).Maybe()
	r.On("GetRunID").Return("run-1").Maybe()
	return r
}

func describe(status enumspb.WorkflowExecutionStatus, attrs map[string]string) *workflowservice.DescribeWorkflowExecutionResponse {
	fields := map[string]*commonpb.Payload{}
	for k, v := range attrs {
		p, _ := converter.GetDefaultDataConverter().ToPayload(v)
		fields[k] = p
	}
	return &workflowservice.DescribeWorkflowExecutionResponse{WorkflowExecutionInfo: &workflowpb.WorkflowExecutionInfo{
		Execution:        &commonpb.WorkflowExecution{WorkflowId: "w", RunId: "run-0"},
		Status:           status,
		SearchAttributes: &commonpb.SearchAttributes{IndexedFields: fields},
	}}
}

func hookWithName(name string) string {
	return `{"_action": "Send Webhook Notification(#396)", "_id": 42, "_model": "sale.order", "name": ` + name + `}`
}

// Every rejection of the order-confirmed webhook: a 4xx with a generic
// message, and nothing reaches Temporal.
func TestOrderWebhookRejections(t *testing.T) {
	const target = "/odoo/webhook/order-confirmed?token=" + token
	long := `"` + strings.Repeat("S", 1000) + `"`
	tests := []struct {
		name   string
		req    request
		status int
	}{
		{"no token", request{method: "POST", target: "/odoo/webhook/order-confirmed", body: webhook}, 401},
		{"wrong token", request{method: "POST", target: "/odoo/webhook/order-confirmed?token=nope", body: webhook}, 401},
		{"token of the right length but wrong", request{method: "POST", target: "/odoo/webhook/order-confirmed?token=0123456789abcdef-tokex", body: webhook}, 401},
		{"token in a header, not the URL", request{method: "POST", target: "/odoo/webhook/order-confirmed", body: webhook,
			header: http.Header{"Content-Type": {"application/json"}, "Authorization": {"Bearer " + token}}}, 401},
		{"text/plain body", request{method: "POST", target: target, body: webhook, header: http.Header{"Content-Type": {"text/plain"}}}, 415},
		{"form body", request{method: "POST", target: target, body: "name=S00043", header: http.Header{"Content-Type": {"application/x-www-form-urlencoded"}}}, 415},
		{"no content type", request{method: "POST", target: target, body: webhook, header: http.Header{}}, 415},
		{"malformed JSON", request{method: "POST", target: target, body: `{"_model": "sale.order", "name": "S00043"`}, 400},
		{"not an object", request{method: "POST", target: target, body: `["S00043"]`}, 400},
		{"two objects", request{method: "POST", target: target, body: webhook + webhook}, 400},
		{"other model", request{method: "POST", target: target, body: `{"_model": "account.move", "_id": 1, "name": "INV/1"}`}, 422},
		{"no name", request{method: "POST", target: target, body: `{"_model": "sale.order", "_id": 1}`}, 422},
		{"name false (Odoo's empty field)", request{method: "POST", target: target, body: hookWithName("false")}, 422},
		{"name a number", request{method: "POST", target: target, body: hookWithName("43")}, 422},
		{"name empty", request{method: "POST", target: target, body: hookWithName(`""`)}, 422},
		{"name of 1000 characters", request{method: "POST", target: target, body: hookWithName(long)}, 422},
		{"name of 65 characters", request{method: "POST", target: target, body: hookWithName(`"` + strings.Repeat("S", 65) + `"`)}, 422},
		{"name with a control character", request{method: "POST", target: target, body: hookWithName(`"S0004\u0000"`)}, 422},
		{"name with a newline", request{method: "POST", target: target, body: hookWithName(`"S0004\nS0005"`)}, 422},
		{"name with non-ASCII", request{method: "POST", target: target, body: hookWithName(`"S0004é"`)}, 422},
		{"name with an emoji", request{method: "POST", target: target, body: hookWithName(`"S0004😀"`)}, 422},
		{"SQL-looking name", request{method: "POST", target: target, body: hookWithName(`"S00043' OR '1'='1"`)}, 422},
		{"SQL comment name", request{method: "POST", target: target, body: hookWithName(`"S00043;--"`)}, 422},
		{"path-looking name", request{method: "POST", target: target, body: hookWithName(`"../../etc/passwd"`)}, 422},
		{"dot-dot in a name", request{method: "POST", target: target, body: hookWithName(`"S/../S00043"`)}, 422},
		{"HTML name", request{method: "POST", target: target, body: hookWithName(`"<script>alert(1)</script>"`)}, 422},
		{"negative id", request{method: "POST", target: target, body: `{"_model": "sale.order", "_id": -1, "name": "S00043"}`}, 422},
		{"fractional id", request{method: "POST", target: target, body: `{"_model": "sale.order", "_id": 4.5, "name": "S00043"}`}, 422},
		{"unknown order", request{method: "POST", target: target, body: hookWithName(`"S99999"`)}, 404},
		{"plausible name that Odoo does not know", request{method: "POST", target: target, body: hookWithName(`"SO/2026/9999"`)}, 404},
		{"id of another order", request{method: "POST", target: target, body: `{"_model": "sale.order", "_id": 41, "name": "S00043"}`}, 404},
		{"body over 64 KiB", request{method: "POST", target: target, body: hookWithName(`"` + strings.Repeat("S", 70<<10) + `"`)}, 413},
		{"GET", request{method: "GET", target: target}, 405},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			rec := e.serve(tt.req)
			require.Equal(t, tt.status, rec.Code, rec.Body.String())
			e.requireNothingReachedTemporal()
			// Generic answers: nothing of the request comes back.
			require.LessOrEqual(t, rec.Body.Len(), 200, rec.Body.String())
			require.NotContains(t, rec.Body.String(), "SSSS")
			require.NotContains(t, rec.Body.String(), "script")
			require.NotContains(t, rec.Body.String(), "passwd")
			require.Less(t, len(e.log.String()), 4000, "the log is bounded")
			require.NotContains(t, e.log.String(), token)
		})
	}
}

func TestOrderWebhookStartsTheOrdersWorkflow(t *testing.T) {
	e := newEnv(t)
	id := "afterpay-payment:prod:S00043"
	e.temporal.On("ExecuteWorkflow", mock.Anything, mock.MatchedBy(func(o client.StartWorkflowOptions) bool {
		return o.ID == id && o.TaskQueue == "payments" &&
			o.WorkflowIDReusePolicy == enumspb.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE &&
			o.WorkflowIDConflictPolicy == enumspb.WORKFLOW_ID_CONFLICT_POLICY_FAIL && o.WorkflowExecutionErrorWhenAlreadyStarted
	}), workflows.PaymentWorkflowName, workflows.PaymentInput{
		Database: "prod", OrderName: "S00043", OrderID: 42, ReturnURL: "https://pay.example.com/afterpay/return", ConfirmationTimeout: time.Minute,
	}).Return(run(t, id), nil).Once()
	rec := e.post("/odoo/webhook/order-confirmed?token="+token, webhook)
	require.Equal(t, http.StatusAccepted, rec.Code, rec.Body.String())
	require.JSONEq(t, `{"outcome":"started"}`, rec.Body.String(), "the caller learns nothing but the outcome")
	require.Equal(t, 1, e.orders.calls, "one look-up in Odoo")
	require.Contains(t, e.log.String(), "http://ui/namespaces/default/workflows/afterpay-payment:prod:S00043", "the operator's log links the workflow")
}

func TestOrderWebhookNamesWithSlashes(t *testing.T) {
	e := newEnv(t)
	e.temporal.On("ExecuteWorkflow", mock.Anything, mock.Anything, workflows.PaymentWorkflowName, mock.MatchedBy(func(in workflows.PaymentInput) bool {
		return in.OrderName == "SO/2026/0001" && in.OrderID == 77
	})).Return(run(t, "afterpay-payment:prod:SO/2026/0001"), nil).Once()
	rec := e.post("/odoo/webhook/order-confirmed?token="+token, `{"_model": "sale.order", "name": "SO/2026/0001"}`)
	require.Equal(t, http.StatusAccepted, rec.Code, rec.Body.String())
}

// Token rotation: the previous token works until Odoo's rules are
// rewritten, and the log says so.
func TestOrderWebhookAcceptsThePreviousTokenDuringARotation(t *testing.T) {
	e := newEnv(t)
	e.temporal.On("ExecuteWorkflow", mock.Anything, mock.Anything, mock.Anything, mock.Anything).Return(run(t, "w"), nil).Twice()
	require.Equal(t, http.StatusAccepted, e.post("/odoo/webhook/order-confirmed?token="+token, webhook).Code)
	require.Equal(t, http.StatusAccepted, e.post("/odoo/webhook/order-confirmed?token="+previousToken, webhook).Code)
	require.Contains(t, e.log.String(), "previous webhook token")
	require.NotContains(t, e.log.String(), previousToken)

	single := newEnv(t, func(o *Options) { o.PreviousWebhookToken = "" })
	require.Equal(t, http.StatusUnauthorized, single.post("/odoo/webhook/order-confirmed?token="+previousToken, webhook).Code)
	single.requireNothingReachedTemporal()
}

// Odoo not answering the look-up in time must not lose the payment: its
// webhook is not retried. The answer still comes inside Odoo's 1 s.
func TestOrderWebhookStartsAnywayWhenOdooIsSlow(t *testing.T) {
	e := newEnv(t)
	e.orders.block = true
	e.srv.lookupBudget = 50 * time.Millisecond
	e.temporal.On("ExecuteWorkflow", mock.Anything, mock.Anything, mock.Anything, mock.MatchedBy(func(in workflows.PaymentInput) bool {
		return in.OrderName == "S00043" && in.OrderID == 42
	})).Return(run(t, "w"), nil).Once()
	start := time.Now()
	rec := e.post("/odoo/webhook/order-confirmed?token="+token, webhook)
	require.Equal(t, http.StatusAccepted, rec.Code)
	require.Less(t, time.Since(start), odooWebhookBudget)
	require.Contains(t, e.log.String(), "did not confirm the webhook's order in time")
}

// A look-up that uses up Odoo's whole second must not take the start down
// with it: Odoo never sends the webhook again.
func TestOrderWebhookStartOutlivesOdoosPatience(t *testing.T) {
	e := newEnv(t)
	e.orders.block = true
	e.srv.lookupBudget = odooWebhookBudget
	e.temporal.On("ExecuteWorkflow", mock.MatchedBy(func(ctx context.Context) bool { return ctx.Err() == nil }), mock.Anything, mock.Anything,
		mock.Anything).Return(run(t, "w"), nil).Once()
	rec := e.post("/odoo/webhook/order-confirmed?token="+token, webhook)
	require.Equal(t, http.StatusAccepted, rec.Code)
}

func TestOrderWebhookTemporalDownIs503(t *testing.T) {
	e := newEnv(t)
	e.temporal.On("ExecuteWorkflow", mock.Anything, mock.Anything, mock.Anything, mock.Anything).Return(nil, serviceerror.NewUnavailable("down")).Once()
	rec := e.post("/odoo/webhook/order-confirmed?token="+token, webhook)
	require.Equal(t, http.StatusServiceUnavailable, rec.Code)
	require.NotContains(t, rec.Body.String(), "down")
}

func TestDuplicateWebhookIsANoOp(t *testing.T) {
	tests := []struct {
		name    string
		status  enumspb.WorkflowExecutionStatus
		payment string
		want    string
	}{
		{"running", enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING, "awaiting_customer", "already_running"},
		{"paid", enumspb.WORKFLOW_EXECUTION_STATUS_COMPLETED, "completed", "already_done"},
		{"needs attention", enumspb.WORKFLOW_EXECUTION_STATUS_COMPLETED, "needs_attention", "already_done"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			id := "afterpay-payment:prod:S00043"
			e.temporal.On("ExecuteWorkflow", mock.Anything, mock.Anything, mock.Anything, mock.Anything).
				Return(nil, serviceerror.NewWorkflowExecutionAlreadyStarted("exists", "", "run-0")).Once()
			e.temporal.On("DescribeWorkflowExecution", mock.Anything, id, "").Return(describe(tt.status, map[string]string{"PaymentStatus": tt.payment}), nil).Once()
			e.temporal.On("GetWorkflow", mock.Anything, id, "run-0").Return(run(t, id)).Once()
			rec := e.post("/odoo/webhook/order-confirmed?token="+token, webhook)
			require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
			require.Contains(t, rec.Body.String(), `"outcome":"`+tt.want+`"`)
		})
	}
}

func TestReconfirmationAfterRollbackStartsAgain(t *testing.T) {
	e := newEnv(t)
	id := "afterpay-payment:prod:S00043"
	e.temporal.On("ExecuteWorkflow", mock.Anything, mock.MatchedBy(func(o client.StartWorkflowOptions) bool {
		return o.WorkflowIDReusePolicy == enumspb.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE
	}), mock.Anything, mock.Anything).Return(nil, serviceerror.NewWorkflowExecutionAlreadyStarted("exists", "", "run-0")).Once()
	e.temporal.On("DescribeWorkflowExecution", mock.Anything, id, "").Return(describe(enumspb.WORKFLOW_EXECUTION_STATUS_COMPLETED,
		map[string]string{"PaymentStatus": "order_not_confirmed"}), nil).Once()
	e.temporal.On("GetWorkflow", mock.Anything, id, "run-0").Return(run(t, id)).Once()
	e.temporal.On("ExecuteWorkflow", mock.Anything, mock.MatchedBy(func(o client.StartWorkflowOptions) bool {
		return o.WorkflowIDReusePolicy == enumspb.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE
	}), mock.Anything, mock.Anything).Return(run(t, id), nil).Once()
	rec := e.post("/odoo/webhook/order-confirmed?token="+token, webhook)
	require.Equal(t, http.StatusAccepted, rec.Code, rec.Body.String())
}

// A posted credit note becomes a signal to its order's payment, which reads
// the credit note from Odoo and refunds it at Afterpay. An order without a
// running payment is acknowledged; a Temporal outage is a 503 so that the
// operator sees it in Odoo's log (the payment's daily check finds it too).
func TestCreditNoteWebhookSignalsTheOrdersPayment(t *testing.T) {
	const target = "/odoo/webhook/credit-note-posted?token=" + token
	body := `{"_action": "Afterpay: credit note posted(#2)", "_id": 9, "_model": "account.move", "amount_total": 20.0, "id": 9, "invoice_origin": "S00043", "move_type": "out_refund", "name": "RINV/2026/00001", "ref": false, "reversed_entry_id": 8, "state": "posted"}`
	want := workflows.OdooEvent{ID: "account.move:9:posted", Kind: workflows.OdooCreditNotePosted, Model: "account.move", RecordID: 9, Name: "RINV/2026/00001"}

	e := newEnv(t)
	require.Equal(t, http.StatusUnauthorized, e.post("/odoo/webhook/credit-note-posted?token=nope", body).Code)
	require.Equal(t, http.StatusUnprocessableEntity, e.post(target, `{"_model": "account.move", "_id": 9, "name": "<img src=x>"}`).Code)
	require.Equal(t, http.StatusUnprocessableEntity, e.post(target, webhook).Code, "a sale.order body is not a credit note")
	e.requireNothingReachedTemporal()

	e.temporal.On("SignalWorkflow", mock.Anything, "afterpay-payment:prod:S00043", "", workflows.SignalOdooEvent, want).Return(nil).Once()
	rec := e.post(target, body)
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	require.JSONEq(t, `{"signalled":1}`, rec.Body.String())

	// An order that never had an Afterpay payment.
	e.temporal.On("SignalWorkflow", mock.Anything, "afterpay-payment:prod:S00043", "", workflows.SignalOdooEvent, want).
		Return(serviceerror.NewNotFound("workflow not found")).Once()
	e.temporal.On("DescribeWorkflowExecution", mock.Anything, "afterpay-payment:prod:S00043", "").
		Return(nil, serviceerror.NewNotFound("workflow not found")).Once()
	rec = e.post(target, body)
	require.Equal(t, http.StatusOK, rec.Code, "an order without a running payment is acknowledged")
	require.JSONEq(t, `{"signalled":0}`, rec.Body.String())

	// A payment that ended without money held: nothing to say.
	e.temporal.On("SignalWorkflow", mock.Anything, "afterpay-payment:prod:S00043", "", workflows.SignalOdooEvent, want).
		Return(serviceerror.NewNotFound("workflow execution already completed")).Once()
	e.temporal.On("DescribeWorkflowExecution", mock.Anything, "afterpay-payment:prod:S00043", "").
		Return(describe(enumspb.WORKFLOW_EXECUTION_STATUS_COMPLETED, map[string]string{"PaymentStatus": "declined"}), nil).Once()
	require.Equal(t, http.StatusOK, e.post(target, body).Code)

	// A payment that ended when Afterpay's refund window closed: the order
	// is told, once per credit note, that nothing was refunded.
	e.temporal.On("SignalWorkflow", mock.Anything, "afterpay-payment:prod:S00043", "", workflows.SignalOdooEvent, want).
		Return(serviceerror.NewNotFound("workflow execution already completed")).Twice()
	e.temporal.On("DescribeWorkflowExecution", mock.Anything, "afterpay-payment:prod:S00043", "").
		Return(describe(enumspb.WORKFLOW_EXECUTION_STATUS_COMPLETED, map[string]string{"PaymentStatus": "completed"}), nil).Twice()
	e.temporal.On("ExecuteWorkflow", mock.Anything, mock.MatchedBy(func(o client.StartWorkflowOptions) bool {
		return o.ID == "afterpay-late-credit-note:prod:9" && o.WorkflowIDReusePolicy == enumspb.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE
	}), workflows.LateCreditNoteWorkflowName, mock.MatchedBy(func(in workflows.LateCreditNoteInput) bool {
		return in.OrderName == "S00043" && in.CreditNoteID == 9 && in.CreditNoteName == "RINV/2026/00001" && in.PaymentStatus == workflows.StatusCompleted
	})).Return(run(t, "afterpay-late-credit-note:prod:9"), nil).Once()
	require.Equal(t, http.StatusOK, e.post(target, body).Code)
	e.temporal.On("ExecuteWorkflow", mock.Anything, mock.Anything, workflows.LateCreditNoteWorkflowName, mock.Anything).
		Return(nil, serviceerror.NewWorkflowExecutionAlreadyStarted("started", "", "")).Once()
	require.Equal(t, http.StatusOK, e.post(target, body).Code, "Odoo's retry is acknowledged; the order was told once")

	e.temporal.On("SignalWorkflow", mock.Anything, "afterpay-payment:prod:S00043", "", workflows.SignalOdooEvent, want).
		Return(serviceerror.NewUnavailable("10.0.0.7:7233 refused")).Once()
	rec = e.post(target, body)
	require.Equal(t, http.StatusServiceUnavailable, rec.Code)
	require.NotContains(t, rec.Body.String(), "10.0.0.7")
}

// A wrong token is answered at once, before a slow body has arrived.
func TestWrongTokenIsAnsweredBeforeTheBody(t *testing.T) {
	e := newEnv(t)
	ts := httptest.NewServer(e.srv)
	t.Cleanup(ts.Close)
	pr, pw := io.Pipe()
	t.Cleanup(func() { pw.Close() })
	req, err := http.NewRequest(http.MethodPost, ts.URL+"/odoo/webhook/order-confirmed?token=wrong", pr)
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/json")
	req.ContentLength = 1000 // announced, never sent
	done := make(chan *http.Response, 1)
	go func() {
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			done <- resp
		}
		close(done)
	}()
	select {
	case resp := <-done:
		require.NotNil(t, resp)
		require.Equal(t, http.StatusUnauthorized, resp.StatusCode)
		resp.Body.Close()
	case <-time.After(5 * time.Second):
		t.Fatal("a wrong token waited for the body")
	}
	e.requireNothingReachedTemporal()
}

func readAll(t *testing.T, resp *http.Response) string {
	t.Helper()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return string(b)
}
