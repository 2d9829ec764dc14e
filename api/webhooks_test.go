package api

import (
	"context"
	"net/http"
	"strconv"
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

	"github.com/odoo-afterpay/bridge/afterpay"
	"github.com/odoo-afterpay/bridge/afterpay/webhooksig"
	"github.com/odoo-afterpay/bridge/money"
	"github.com/odoo-afterpay/bridge/workflows"
)

// fakeAfterpay answers the API's dispute and payment reads.
type fakeAfterpay struct {
	mu       sync.Mutex
	disputes map[string]*afterpay.Dispute
	payments map[string]*afterpay.Payment
	err      error
	calls    int
}

func newFakeAfterpay() *fakeAfterpay {
	return &fakeAfterpay{disputes: map[string]*afterpay.Dispute{}, payments: map[string]*afterpay.Payment{}}
}

func (f *fakeAfterpay) GetDispute(_ context.Context, id string) (*afterpay.Dispute, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls++
	if f.err != nil {
		return nil, f.err
	}
	d, ok := f.disputes[id]
	if !ok {
		return nil, &afterpay.Error{HTTPStatusCode: 404, ErrorCode: "not_found"}
	}
	return d, nil
}

func (f *fakeAfterpay) GetPaymentByToken(_ context.Context, token string) (*afterpay.Payment, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls++
	p, ok := f.payments[token]
	if !ok {
		return nil, &afterpay.Error{HTTPStatusCode: 404, ErrorCode: "not_found"}
	}
	return p, nil
}

const (
	notificationPath = "/afterpay/webhook/notification"
	disputesPath     = "/afterpay/webhook/disputes"
	checkoutToken    = "002.abcdefghijklmnopqrstuvwxyz0123456789"
)

// captureEvent is a payment-event webhook body as the simulator sends it.
func captureEvent(eventID string) string {
	return `{"eventId":"` + eventID + `","eventType":"payment.capture_completed","paymentId":"300000016189","token":"` + checkoutToken +
		`","merchantReference":"S00043","amount":{"amount":"99.80","currency":"USD"},"createdAt":"2026-06-01T10:00:00.000Z"}`
}

// signedAt is a webhook request to path signed with secret at date.
func signedAt(path, body, secret string, date time.Time) request {
	h := http.Header{"Content-Type": {"application/json"}}
	webhooksig.SetHeaders(h, secret, publicURL+path, date, []byte(body))
	return request{method: http.MethodPost, target: path, body: body, header: h}
}

func (e *env) signed(path, body string) request { return signedAt(path, body, whSecret, e.clock.Now()) }

// noWorkflowHoldsToken: the visibility search by token finds nothing.
func (e *env) noWorkflowHoldsToken() {
	e.temporal.On("ListWorkflow", mock.Anything, mock.MatchedBy(func(r *workflowservice.ListWorkflowExecutionsRequest) bool {
		return strings.Contains(r.Query, `AfterpayToken = "`+checkoutToken+`"`)
	})).Return(&workflowservice.ListWorkflowExecutionsResponse{}, nil)
}

func wantEvent(t *testing.T, eventID string) workflows.AfterpayEvent {
	amount := money.MustNew(9980, "USD")
	return workflows.AfterpayEvent{
		ID: eventID, Kind: workflows.EventCaptureCompleted, OrderID: "300000016189", Token: checkoutToken,
		Amount: &amount, At: time.Date(2026, 6, 1, 10, 0, 0, 0, time.UTC),
	}
}

// signalWithStartOptions are the start options an event's signal-with-start
// must carry: those of workflows.StartPayment, and never a revived payment.
func signalWithStartOptions(id string) any {
	return mock.MatchedBy(func(o client.StartWorkflowOptions) bool {
		return o.ID == id && o.TaskQueue == "payments" &&
			o.WorkflowIDReusePolicy == enumspb.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE &&
			o.TypedSearchAttributes.Size() == 2
	})
}

func paymentInputFor(order string) workflows.PaymentInput {
	return workflows.PaymentInput{
		Database: "prod", OrderName: order, ReturnURL: "https://pay.example.com/afterpay/return", ConfirmationTimeout: time.Minute,
	}
}

// expectSignal expects exactly one signal-with-start of ev to the order's
// workflow.
func (e *env) expectSignal(order string, ev any) *mock.Call {
	id := "afterpay-payment:prod:" + order
	return e.temporal.On("SignalWithStartWorkflow", mock.Anything, id, workflows.SignalAfterpayEvent, ev,
		signalWithStartOptions(id), workflows.PaymentWorkflowName, paymentInputFor(order)).Return(run(e.t, id), nil).Once()
}

// expectDisputeSignal expects exactly one plain signal of ev to the order's
// workflow: a dispute never starts a payment.
func (e *env) expectDisputeSignal(order string, ev any) *mock.Call {
	return e.temporal.On("SignalWorkflow", mock.Anything, "afterpay-payment:prod:"+order, "", workflows.SignalAfterpayEvent, ev).Return(nil).Once()
}

// An event whose workflow is not running yet is not lost: it starts the
// payment's workflow with the signal in the same transaction.
func TestPaymentEventBecomesOneSignalWithStart(t *testing.T) {
	e := newEnv(t)
	e.noWorkflowHoldsToken()
	e.expectSignal("S00043", wantEvent(t, "evt_1"))
	rec := e.serve(e.signed(notificationPath, captureEvent("evt_1")))
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	require.JSONEq(t, `{"status":"accepted"}`, rec.Body.String())
}

// The workflow that holds the event's checkout token gets it, whatever the
// merchant reference says.
func TestPaymentEventFindsItsWorkflowByToken(t *testing.T) {
	e := newEnv(t)
	e.temporal.On("ListWorkflow", mock.Anything, mock.Anything).Return(&workflowservice.ListWorkflowExecutionsResponse{
		Executions: []*workflowpb.WorkflowExecutionInfo{
			{Execution: &commonpb.WorkflowExecution{WorkflowId: "afterpay-payment:otherdb:S00043", RunId: "x"}},
			{Execution: &commonpb.WorkflowExecution{WorkflowId: "afterpay-payment:prod:S00040", RunId: "r"}},
		},
	}, nil).Once()
	e.expectSignal("S00040", wantEvent(t, "evt_2"))
	rec := e.serve(e.signed(notificationPath, captureEvent("evt_2")))
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
}

// Replay: the same signed request twice gives one signal; the same request
// 6 minutes later is refused.
func TestReplayedWebhookSignalsOnce(t *testing.T) {
	e := newEnv(t)
	e.noWorkflowHoldsToken()
	e.expectSignal("S00043", wantEvent(t, "evt_3"))
	req := e.signed(notificationPath, captureEvent("evt_3"))
	require.Equal(t, http.StatusOK, e.serve(req).Code)
	again := e.serve(req)
	require.Equal(t, http.StatusOK, again.Code, "a duplicate is acknowledged")
	require.JSONEq(t, `{"status":"duplicate"}`, again.Body.String())

	e.clock.Advance(6 * time.Minute)
	late := e.serve(req)
	require.Equal(t, http.StatusUnauthorized, late.Code, "a 6-minute-old signature is stale")
	e.temporal.AssertNumberOfCalls(t, "SignalWithStartWorkflow", 1)
}

// The same event re-signed (a sender's retry) within the window is still
// one signal.
func TestRetriedEventSignalsOnce(t *testing.T) {
	e := newEnv(t)
	e.noWorkflowHoldsToken()
	e.expectSignal("S00043", wantEvent(t, "evt_4"))
	require.Equal(t, http.StatusOK, e.serve(e.signed(notificationPath, captureEvent("evt_4"))).Code)
	e.clock.Advance(time.Minute)
	require.Equal(t, http.StatusOK, e.serve(e.signed(notificationPath, captureEvent("evt_4"))).Code)
	e.temporal.AssertNumberOfCalls(t, "SignalWithStartWorkflow", 1)
}

// Concurrent deliveries of one event: one signal.
func TestConcurrentDuplicatesSignalOnce(t *testing.T) {
	e := newEnv(t)
	e.noWorkflowHoldsToken()
	e.expectSignal("S00043", wantEvent(t, "evt_5")).WaitUntil(time.After(50 * time.Millisecond))
	req := e.signed(notificationPath, captureEvent("evt_5"))
	var wg sync.WaitGroup
	codes := make(chan int, 8)
	for range 8 {
		wg.Go(func() { codes <- e.serve(req).Code })
	}
	wg.Wait()
	close(codes)
	for c := range codes {
		require.Equal(t, http.StatusOK, c)
	}
	e.temporal.AssertNumberOfCalls(t, "SignalWithStartWorkflow", 1)
}

// 200 only once Temporal has taken the signal: when it cannot, 503, and the
// sender's retry goes through.
func TestEventNotTakenByTemporalIs503AndRetried(t *testing.T) {
	e := newEnv(t)
	e.noWorkflowHoldsToken()
	id := "afterpay-payment:prod:S00043"
	e.temporal.On("SignalWithStartWorkflow", mock.Anything, id, workflows.SignalAfterpayEvent, mock.Anything, mock.Anything, mock.Anything, mock.Anything).
		Return(nil, serviceerror.NewUnavailable("frontend down")).Once()
	req := e.signed(notificationPath, captureEvent("evt_6"))
	rec := e.serve(req)
	require.Equal(t, http.StatusServiceUnavailable, rec.Code)
	require.NotEmpty(t, rec.Header().Get("Retry-After"))
	require.NotContains(t, rec.Body.String(), "frontend down")
	e.expectSignal("S00043", wantEvent(t, "evt_6"))
	require.Equal(t, http.StatusOK, e.serve(req).Code)
}

// A finished payment is never revived: the event is acknowledged and the
// operator told.
func TestEventForAFinishedPaymentIsAcknowledgedAndReported(t *testing.T) {
	e := newEnv(t)
	e.noWorkflowHoldsToken()
	id := "afterpay-payment:prod:S00043"
	e.temporal.On("SignalWithStartWorkflow", mock.Anything, id, workflows.SignalAfterpayEvent, mock.Anything, signalWithStartOptions(id), mock.Anything, mock.Anything).
		Return(nil, serviceerror.NewWorkflowExecutionAlreadyStarted("closed", "", "run-0")).Once()
	rec := e.serve(e.signed(notificationPath, captureEvent("evt_7")))
	require.Equal(t, http.StatusOK, rec.Code)
	require.Contains(t, e.log.String(), "payment that has finished")
	require.Contains(t, e.log.String(), `"level":"ERROR"`)
}

func TestRotatedWebhookSecrets(t *testing.T) {
	e := newEnv(t)
	e.noWorkflowHoldsToken()
	e.expectSignal("S00043", wantEvent(t, "evt_8"))
	e.expectSignal("S00043", wantEvent(t, "evt_9"))
	require.Equal(t, http.StatusOK, e.serve(signedAt(notificationPath, captureEvent("evt_8"), whSecret, e.clock.Now())).Code)
	require.Equal(t, http.StatusOK, e.serve(signedAt(notificationPath, captureEvent("evt_9"), whSecretOld, e.clock.Now())).Code)
	require.Equal(t, http.StatusUnauthorized, e.serve(signedAt(notificationPath, captureEvent("evt_10"), "whsec-someone-else", e.clock.Now())).Code)
}

func disputeBody(eventID, typ string) string {
	return `{"webhook_event_id":"` + eventID + `","webhook_event_type":"` + typ + `","dispute_id":"dp_5kRZ4vJ9qS2x","merchant_reference":"100101"}`
}

func (e *env) openDispute(currency string) *afterpay.Dispute {
	d := &afterpay.Dispute{
		ID: "dp_5kRZ4vJ9qS2x", Order: checkoutToken, Amount: "45.00", Currency: currency, Reason: "product_not_received",
		Status: afterpay.DisputeNeedsResponse, Open: true, MerchantOrderID: "S00043",
		CreatedAt: time.Unix(1_780_000_000, 0).UTC(), UpdatedAt: time.Unix(1_780_000_100, 0).UTC(),
		ResponseDueBy: time.Unix(1_781_123_200, 0).UTC(),
	}
	e.afterpay.disputes[d.ID] = d
	return d
}

func wantDisputeEvent(eventID string) workflows.AfterpayEvent {
	return workflows.AfterpayEvent{
		ID: "dispute:" + eventID, Kind: workflows.EventDispute, Token: checkoutToken, At: time.Unix(1_780_000_100, 0).UTC(),
		Dispute: &workflows.Dispute{
			ID: "dp_5kRZ4vJ9qS2x", Status: "needs_response", Reason: "product_not_received",
			Amount: money.MustNew(4500, "USD"), ResponseDueBy: time.Unix(1_781_123_200, 0).UTC(), Open: true,
		},
	}
}

// A dispute webhook: the API reads the dispute from Afterpay, finds the
// order's workflow by the dispute's token and signals it.
func TestDisputeWebhookSignalsTheOrdersWorkflow(t *testing.T) {
	e := newEnv(t)
	e.openDispute("USD")
	e.temporal.On("ListWorkflow", mock.Anything, mock.Anything).Return(&workflowservice.ListWorkflowExecutionsResponse{
		Executions: []*workflowpb.WorkflowExecutionInfo{{Execution: &commonpb.WorkflowExecution{WorkflowId: "afterpay-payment:prod:S00043"}}},
	}, nil).Once()
	e.expectDisputeSignal("S00043", wantDisputeEvent("2b1f8f0e-4a35-4e0d-9a53-2d57ad3c7f01"))
	rec := e.serve(e.signed(disputesPath, disputeBody("2b1f8f0e-4a35-4e0d-9a53-2d57ad3c7f01", "created")))
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	// A retried delivery is not read from Afterpay or signalled again.
	rec = e.serve(e.signed(disputesPath, disputeBody("2b1f8f0e-4a35-4e0d-9a53-2d57ad3c7f01", "created")))
	require.Equal(t, http.StatusOK, rec.Code)
	require.Equal(t, 1, e.afterpay.calls)
}

// Real disputes need not carry a currency: the payment's is used.
func TestDisputeWithoutCurrencyTakesThePayments(t *testing.T) {
	e := newEnv(t)
	e.openDispute("")
	e.afterpay.payments[checkoutToken] = &afterpay.Payment{OriginalAmount: money.MustNew(4500, "USD")}
	e.noWorkflowHoldsToken()
	e.expectDisputeSignal("S00043", wantDisputeEvent("evt-d2"))
	require.Equal(t, http.StatusOK, e.serve(e.signed(disputesPath, disputeBody("evt-d2", "updated"))).Code)
}

// A dispute whose payment workflow has finished, or is no longer kept: no
// payment is started for it (that would ask the customer to pay again); it
// is acknowledged and an operator is told.
func TestDisputeForAFinishedPaymentStartsNothing(t *testing.T) {
	e := newEnv(t)
	e.openDispute("USD")
	e.noWorkflowHoldsToken()
	e.temporal.On("SignalWorkflow", mock.Anything, "afterpay-payment:prod:S00043", "", workflows.SignalAfterpayEvent, mock.Anything).
		Return(serviceerror.NewNotFound("workflow execution already completed")).Once()
	rec := e.serve(e.signed(disputesPath, disputeBody("evt-d9", "created")))
	require.Equal(t, http.StatusOK, rec.Code)
	require.Contains(t, e.log.String(), "nothing was signalled; handle it by hand")
	e.temporal.AssertNotCalled(t, "SignalWithStartWorkflow", mock.Anything, mock.Anything, mock.Anything, mock.Anything, mock.Anything, mock.Anything, mock.Anything)
}

// Afterpay not answering is the sender's cue to retry: 502, no signal, and
// the event can be delivered again.
func TestDisputeThatCannotBeReadIs502(t *testing.T) {
	e := newEnv(t)
	e.afterpay.err = &afterpay.TransportError{Err: context.DeadlineExceeded}
	rec := e.serve(e.signed(disputesPath, disputeBody("evt-d3", "created")))
	require.Equal(t, http.StatusBadGateway, rec.Code)
	e.requireNothingReachedTemporal()
	e.afterpay.err = nil
	rec = e.serve(e.signed(disputesPath, disputeBody("evt-d3", "created")))
	require.Equal(t, http.StatusBadGateway, rec.Code, "a dispute Afterpay does not know (yet)")
	e.requireNothingReachedTemporal()

	e.openDispute("USD")
	e.noWorkflowHoldsToken()
	e.expectDisputeSignal("S00043", wantDisputeEvent("evt-d3"))
	require.Equal(t, http.StatusOK, e.serve(e.signed(disputesPath, disputeBody("evt-d3", "created"))).Code)
}

// Every rejection of Afterpay's webhooks: a 4xx (503 when no secret is
// configured), nothing read from Afterpay, and nothing reaches Temporal. No
// request with a wrong, missing, stale or replayed signature ever produces a
// signal.
func TestAfterpayWebhookRejections(t *testing.T) {
	now := newClock().Now()
	sign := func(path, body string) request { return signedAt(path, body, whSecret, now) }
	withHeader := func(r request, k, v string) request {
		h := r.header.Clone()
		if v == "" {
			h.Del(k)
		} else {
			h.Set(k, v)
		}
		r.header = h
		return r
	}
	valid := captureEvent("evt_r")
	validDispute := disputeBody("evt-r", "created")
	without := func(field string) string {
		return strings.Replace(valid, `"`+field+`":`, `"x_`+field+`":`, 1)
	}
	tests := []struct {
		name   string
		req    request
		status int
		adjust func(*Options)
	}{
		{"no secret configured", sign(notificationPath, valid), 503, func(o *Options) { o.AfterpayWebhookSecret, o.PreviousAfterpayWebhookSecret = "", "" }},
		{"missing signature", withHeader(sign(notificationPath, valid), webhooksig.HeaderSignature, ""), 401, nil},
		{"missing date", withHeader(sign(notificationPath, valid), webhooksig.HeaderDate, ""), 401, nil},
		{"no headers at all", request{method: "POST", target: notificationPath, body: valid}, 401, nil},
		{"stale: 6 minutes old", signedAt(notificationPath, valid, whSecret, now.Add(-6*time.Minute)), 401, nil},
		{"stale: 5 minutes and 1 second old", signedAt(notificationPath, valid, whSecret, now.Add(-301*time.Second)), 401, nil},
		{"from 2 minutes in the future", signedAt(notificationPath, valid, whSecret, now.Add(2*time.Minute)), 401, nil},
		{"date not UNIX seconds", withHeader(sign(notificationPath, valid), webhooksig.HeaderDate, now.Format(time.RFC3339)), 401, nil},
		{"date changed after signing", withHeader(sign(notificationPath, valid), webhooksig.HeaderDate, strconv.FormatInt(now.Unix()+1, 10)), 401, nil},
		{"wrong secret", signedAt(notificationPath, valid, "whsec-attacker", now), 401, nil},
		{"signature made for the dispute endpoint", func() request {
			r := sign(disputesPath, valid)
			r.target = notificationPath
			return r
		}(), 401, nil},
		{"signature made for another host", func() request {
			h := http.Header{"Content-Type": {"application/json"}}
			webhooksig.SetHeaders(h, whSecret, "https://evil.example.com"+notificationPath, now, []byte(valid))
			return request{method: "POST", target: notificationPath, body: valid, header: h}
		}(), 401, nil},
		{"tampered body", func() request {
			r := sign(notificationPath, valid)
			r.body = strings.Replace(valid, "99.80", "9.80", 1)
			return r
		}(), 401, nil},
		{"hex signature", withHeader(sign(notificationPath, valid), webhooksig.HeaderSignature, strings.Repeat("ab", 32)), 401, nil},
		{"text/plain body", withHeader(sign(notificationPath, valid), "Content-Type", "text/plain"), 415, nil},
		{"body over 64 KiB", sign(notificationPath, `{"eventId":"`+strings.Repeat("x", 70<<10)+`"}`), 413, nil},
		{"malformed JSON", sign(notificationPath, `{"eventId":`), 400, nil},
		{"trailing data", sign(notificationPath, valid+`{}`), 400, nil},
		{"unknown event type", sign(notificationPath, strings.Replace(valid, "payment.capture_completed", "payment.teleported", 1)), 422, nil},
		{"no event type", sign(notificationPath, without("eventType")), 422, nil},
		{"no event id", sign(notificationPath, without("eventId")), 422, nil},
		{"no payment id", sign(notificationPath, without("paymentId")), 422, nil},
		{"no token", sign(notificationPath, without("token")), 422, nil},
		{"no merchant reference", sign(notificationPath, without("merchantReference")), 422, nil},
		{"merchant reference not an order name", sign(notificationPath, strings.Replace(valid, `"S00043"`, `"S1\u0000; DROP"`, 1)), 422, nil},
		{"no amount", sign(notificationPath, without("amount")), 422, nil},
		{"amount a number", sign(notificationPath, strings.Replace(valid, `{"amount":"99.80","currency":"USD"}`, `99.8`, 1)), 400, nil},
		{"negative amount", sign(notificationPath, strings.Replace(valid, `"99.80"`, `"-99.80"`, 1)), 422, nil},
		{"zero amount", sign(notificationPath, strings.Replace(valid, `"99.80"`, `"0.00"`, 1)), 422, nil},
		{"no createdAt", sign(notificationPath, without("createdAt")), 422, nil},
		{"refund without refund id", sign(notificationPath, strings.Replace(valid, "payment.capture_completed", "payment.refund_settled", 1)), 422, nil},
		{"event id of 1000 characters", sign(notificationPath, strings.Replace(valid, `"evt_r"`, `"`+strings.Repeat("e", 1000)+`"`, 1)), 422, nil},
		{"dispute: unsigned", request{method: "POST", target: disputesPath, body: validDispute}, 401, nil},
		{"dispute: stale", signedAt(disputesPath, validDispute, whSecret, now.Add(-10*time.Minute)), 401, nil},
		{"dispute: wrong secret", signedAt(disputesPath, validDispute, "nope", now), 401, nil},
		{"dispute: unknown type", sign(disputesPath, disputeBody("evt-r", "deleted")), 422, nil},
		{"dispute: no id", sign(disputesPath, `{"webhook_event_id":"e1","webhook_event_type":"created"}`), 422, nil},
		{"dispute: id with a path", sign(disputesPath, strings.Replace(validDispute, "dp_5kRZ4vJ9qS2x", "../payments/1", 1)), 422, nil},
		{"dispute: malformed", sign(disputesPath, `{"webhook_event_id":`), 400, nil},
		{"dispute: form body", withHeader(sign(disputesPath, validDispute), "Content-Type", "application/x-www-form-urlencoded"), 415, nil},
		{"GET", request{method: "GET", target: notificationPath}, 405, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var adjust []func(*Options)
			if tt.adjust != nil {
				adjust = append(adjust, tt.adjust)
			}
			e := newEnv(t, adjust...)
			rec := e.serve(tt.req)
			require.Equal(t, tt.status, rec.Code, rec.Body.String())
			e.requireNothingReachedTemporal()
			require.Zero(t, e.afterpay.calls, "nothing was read from Afterpay")
			require.LessOrEqual(t, rec.Body.Len(), 200)
			require.NotContains(t, e.log.String(), whSecret)
			require.Less(t, len(e.log.String()), 4000)
		})
	}
}

func TestWebhookVerificationChallenge(t *testing.T) {
	e := newEnv(t)
	rec := e.get("/afterpay/webhook/verification?challenge=Zm9vYmFy-123_abc.~")
	require.Equal(t, http.StatusOK, rec.Code)
	require.Equal(t, "Zm9vYmFy-123_abc.~", rec.Body.String())
	require.Equal(t, "text/plain; charset=utf-8", rec.Header().Get("Content-Type"))
	require.Equal(t, "nosniff", rec.Header().Get("X-Content-Type-Options"))
	for _, bad := range []string{"", "<script>alert(1)</script>", strings.Repeat("a", 257), "a%0Ab"} {
		require.Equal(t, http.StatusBadRequest, e.get("/afterpay/webhook/verification?challenge="+bad).Code, bad)
	}
	e.requireNothingReachedTemporal()
}
