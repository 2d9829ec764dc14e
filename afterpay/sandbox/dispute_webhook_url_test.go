package sandbox

import (
	"encoding/json"
	"net/http"
	"testing"
	"time"
)

// Dispute webhooks go to DisputeWebhookURL, signed over that URL, while
// payment events keep going to WebhookURL: the product receives them on two
// endpoints.
func TestDisputeWebhooksGoToTheirOwnURL(t *testing.T) {
	events, disputes := newReceiver(t), newReceiver(t)
	h := newHarness(t, func(o *Options) {
		o.WebhookURL, o.DisputeWebhookURL, o.WebhookSecret = events.url, disputes.url, testWebhookSecret
	})
	id, _ := h.capturedOrder("30.00")
	d, err := h.sim.OpenDispute(id, "")
	if err != nil {
		t.Fatalf("OpenDispute: %v", err)
	}
	w := disputes.next(t)
	disputes.verify(t, w)
	var hook map[string]string
	if err := json.Unmarshal(w.body, &hook); err != nil || hook["dispute_id"] != d.ID || hook["webhook_event_type"] != "created" {
		t.Fatalf("dispute webhook = %s (%v)", w.body, err)
	}
	if n, err := h.sim.FlushPaymentEvents(t.Context()); err != nil || n != 1 {
		t.Fatalf("FlushPaymentEvents = %d, %v", n, err)
	}
	ev := events.next(t)
	events.verify(t, ev)
	select {
	case extra := <-disputes.got:
		t.Fatalf("a payment event went to the dispute URL: %s", extra.body)
	case <-time.After(50 * time.Millisecond):
	}
	// An update (accepting the dispute) is announced at the dispute URL too.
	expectStatus(t, h.request(http.MethodPost, "/v2/disputes/"+d.ID+"/accept", nil), 200)
	up := disputes.next(t)
	disputes.verify(t, up)
}

func TestDisputeWebhookURLNeedsASecret(t *testing.T) {
	if _, err := New(Options{MerchantID: "m", SecretKey: "k", DisputeWebhookURL: "http://127.0.0.1:1/hook"}); err == nil {
		t.Fatal("a DisputeWebhookURL without WebhookSecret was accepted")
	}
	if _, err := New(Options{MerchantID: "m", SecretKey: "k", DisputeWebhookURL: "not a url", WebhookSecret: "s"}); err == nil {
		t.Fatal("a relative DisputeWebhookURL was accepted")
	}
}
