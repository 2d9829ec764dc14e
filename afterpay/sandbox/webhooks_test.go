package sandbox

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/odoo-afterpay/bridge/afterpay/webhooksig"
)

const testWebhookSecret = "whsec-sandbox-test"

// received is one webhook as the receiver saw it.
type received struct {
	header http.Header
	body   []byte
}

// receiver is a merchant endpoint that records webhooks.
type receiver struct {
	url    string
	got    chan received
	status atomic.Int32
}

func newReceiver(t *testing.T) *receiver {
	t.Helper()
	rcv := &receiver{got: make(chan received, 32)}
	rcv.status.Store(http.StatusOK)
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		rcv.got <- received{header: r.Header.Clone(), body: body}
		w.WriteHeader(int(rcv.status.Load()))
	}))
	t.Cleanup(ts.Close)
	rcv.url = ts.URL + "/webhooks/afterpay"
	return rcv
}

// verify checks the signature with the helper the product's API uses.
func (rcv *receiver) verify(t *testing.T, w received) {
	t.Helper()
	if err := webhooksig.VerifyRequest(w.header, testWebhookSecret, rcv.url, w.body, time.Now(), 0); err != nil {
		t.Fatalf("webhook signature does not verify: %v", err)
	}
	if err := webhooksig.VerifyRequest(w.header, "wrong-secret", rcv.url, w.body, time.Now(), 0); !errors.Is(err, webhooksig.ErrMismatch) {
		t.Fatalf("a wrong secret verified: %v", err)
	}
}

func (rcv *receiver) next(t *testing.T) received {
	t.Helper()
	select {
	case w := <-rcv.got:
		return w
	case <-time.After(10 * time.Second): // a safety net against hanging, not a synchronisation
		t.Fatal("no webhook arrived")
		return received{}
	}
}

func withWebhooks(rcv *receiver) func(*Options) {
	return func(o *Options) { o.WebhookURL = rcv.url; o.WebhookSecret = testWebhookSecret }
}

func TestPaymentEventWebhooks(t *testing.T) {
	rcv := newReceiver(t)
	h := newHarness(t, withWebhooks(rcv))
	id, token := h.authorisedOrder("50.00")
	h.clock.Advance(time.Hour)
	expectStatus(t, h.request(http.MethodPost, "/v2/payments/"+id+"/capture", map[string]any{"amount": usd("20.00")}), 201)
	refund := h.request(http.MethodPost, "/v2/payments/"+id+"/refund", map[string]any{"amount": usd("5.00")}).json(t)
	expectStatus(t, h.request(http.MethodPost, "/v2/payments/"+id+"/void", map[string]any{}), 201)

	evs := h.sim.PaymentEvents(id)
	wantTypes := []EventType{EventCaptureCompleted, EventRefundSettled, EventAuthVoided}
	if len(evs) != len(wantTypes) {
		t.Fatalf("events = %+v", evs)
	}
	for i, ev := range evs {
		if ev.EventType != wantTypes[i] || ev.PaymentID != id || ev.Token != token || ev.MerchantReference != "SO0042" {
			t.Errorf("event %d = %+v", i, ev)
		}
	}
	if evs[1].RefundID != refund["refundId"] || evs[1].Amount != amt("5.00") || evs[2].Amount != amt("30.00") {
		t.Errorf("refund/void events = %+v %+v", evs[1], evs[2])
	}

	if err := h.sim.SendPaymentEvent(context.Background(), evs[1]); err != nil {
		t.Fatalf("SendPaymentEvent: %v", err)
	}
	w := rcv.next(t)
	rcv.verify(t, w)
	var body map[string]any
	if err := json.Unmarshal(w.body, &body); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{
		"eventId": evs[1].EventID, "eventType": "payment.refund_settled", "paymentId": id, "token": token,
		"merchantReference": "SO0042", "refundId": refund["refundId"], "createdAt": "2026-03-02T10:00:00.000Z",
		"amount": map[string]any{"amount": "5.00", "currency": "USD"},
	}
	for k, v := range want {
		if vb, _ := json.Marshal(body[k]); string(vb) != mustJSON(t, v) {
			t.Errorf("webhook %s = %s, want %s", k, vb, mustJSON(t, v))
		}
	}
	if w.header.Get("Content-Type") != "application/json" {
		t.Errorf("Content-Type = %q", w.header.Get("Content-Type"))
	}

	// Flush sends the two still undelivered, oldest first, and only once.
	n, err := h.sim.FlushPaymentEvents(context.Background())
	if err != nil || n != 2 {
		t.Fatalf("flush = %d, %v", n, err)
	}
	for _, wantType := range []string{"payment.capture_completed", "payment.auth_voided"} {
		w := rcv.next(t)
		rcv.verify(t, w)
		var ev map[string]any
		_ = json.Unmarshal(w.body, &ev)
		if ev["eventType"] != wantType {
			t.Errorf("flushed %v, want %s", ev["eventType"], wantType)
		}
	}
	if n, err := h.sim.FlushPaymentEvents(context.Background()); n != 0 || err != nil {
		t.Errorf("second flush = %d, %v", n, err)
	}
}

func TestPaymentEventReceiverFailure(t *testing.T) {
	rcv := newReceiver(t)
	rcv.status.Store(http.StatusServiceUnavailable)
	h := newHarness(t, withWebhooks(rcv))
	id, _ := h.capturedOrder("20.00")
	err := h.sim.SendPaymentEvent(context.Background(), h.sim.PaymentEvents(id)[0])
	var werr *WebhookError
	if !errors.As(err, &werr) || werr.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("SendPaymentEvent = %v, want a WebhookError 503", err)
	}
	rcv.next(t)
	rcv.status.Store(http.StatusOK)
	if n, err := h.sim.FlushPaymentEvents(context.Background()); n != 1 || err != nil {
		t.Errorf("flush after failure = %d, %v", n, err)
	}

	noHook := newHarness(t)
	if err := noHook.sim.SendPaymentEvent(context.Background(), PaymentEvent{EventType: EventCaptureCompleted}); !errors.Is(err, ErrNoWebhookURL) {
		t.Errorf("without WebhookURL: %v", err)
	}
}

func TestReversalCancelsUndeliveredEvents(t *testing.T) {
	rcv := newReceiver(t)
	h := newHarness(t, withWebhooks(rcv))
	_, token := h.capturedOrder("20.00")
	expectStatus(t, h.request(http.MethodPost, "/v2/payments/token:"+token+"/reversal", nil), 204)
	if n, err := h.sim.FlushPaymentEvents(context.Background()); n != 0 || err != nil {
		t.Errorf("flush after reversal = %d, %v", n, err)
	}
}

func TestSettlementDelaySendsEvents(t *testing.T) {
	rcv := newReceiver(t)
	h := newHarness(t, withWebhooks(rcv), func(o *Options) { o.SettlementDelay = time.Millisecond })
	id, _ := h.capturedOrder("20.00")
	w := rcv.next(t)
	rcv.verify(t, w)
	var ev PaymentEvent
	if err := json.Unmarshal(w.body, &ev); err != nil || ev.EventType != EventCaptureCompleted || ev.PaymentID != id {
		t.Fatalf("settled event = %+v, %v", ev, err)
	}
}

func TestAuthExpiryEmitsVoidEvent(t *testing.T) {
	h := newHarness(t)
	id, _ := h.authorisedOrder("20.00")
	h.clock.Advance(14 * 24 * time.Hour)
	evs := h.sim.PaymentEvents(id)
	if len(evs) != 1 || evs[0].EventType != EventAuthVoided || evs[0].Amount != amt("20.00") || !evs[0].CreatedAt.Equal(testStart.Add(DefaultAuthTTL)) {
		t.Errorf("expiry events = %+v", evs)
	}
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
