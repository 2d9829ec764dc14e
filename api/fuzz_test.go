package api

import (
	"errors"
	"testing"

	"github.com/odoo-afterpay/bridge/workflows"
)

// FuzzParseEvent: the webhook parsers never panic, refuse with one of their
// three errors, and everything they accept is safe to hand to Temporal (ids
// and names that make valid workflow ids, known kinds, positive amounts).
func FuzzParseEvent(f *testing.F) {
	f.Add([]byte(captureEvent("evt_1")))
	f.Add([]byte(`{"eventId":"evt_2","eventType":"payment.refund_settled","paymentId":"300000016189","token":"002.t","merchantReference":"SO/2026/1","amount":{"amount":"5.00","currency":"AUD"},"refundId":"r1","createdAt":"2026-06-01T10:00:00Z"}`))
	f.Add([]byte(disputeBody("2b1f8f0e-4a35-4e0d-9a53-2d57ad3c7f01", "created")))
	f.Add([]byte(`{"webhook_event_id":"x","webhook_event_type":"updated","dispute_id":"dp_1","merchant_reference":""}`))
	f.Add([]byte(`{"eventId":"\u0000","amount":{"amount":1e308}}`))
	f.Add([]byte(`null`))
	f.Add([]byte(`{"eventType":"payment.auth_voided"} trailing`))
	f.Fuzz(func(t *testing.T, body []byte) {
		ev, err := ParsePaymentEvent(body)
		if err != nil {
			if !errors.Is(err, errMalformed) && !errors.Is(err, errUnknownType) && !errors.Is(err, errInvalid) {
				t.Fatalf("unexpected error kind: %v", err)
			}
		} else {
			e := ev.Event
			switch {
			case !validEventID(e.ID), !validToken(e.Token), !validAfterpayID(e.OrderID), !validOrderName(ev.OrderName):
				t.Fatalf("accepted an invalid id or name: %+v", ev)
			case e.Kind != workflows.EventCaptureCompleted && e.Kind != workflows.EventRefundSettled && e.Kind != workflows.EventAuthVoided:
				t.Fatalf("accepted kind %q", e.Kind)
			case e.Amount == nil || e.Amount.Minor <= 0 || e.Amount.Currency == "":
				t.Fatalf("accepted amount %v", e.Amount)
			case e.At.IsZero():
				t.Fatal("accepted no time")
			}
		}
		hook, err := ParseDisputeWebhook(body)
		if err != nil {
			if !errors.Is(err, errMalformed) && !errors.Is(err, errUnknownType) && !errors.Is(err, errInvalid) {
				t.Fatalf("unexpected error kind: %v", err)
			}
			return
		}
		if !validEventID(hook.EventID) || !validAfterpayID(hook.DisputeID) || (hook.EventType != "created" && hook.EventType != "updated") {
			t.Fatalf("accepted an invalid dispute webhook: %+v", hook)
		}
	})
}

// FuzzOrderName: whatever validOrderName accepts makes a workflow id
// Temporal takes (printable ASCII, bounded).
func FuzzOrderName(f *testing.F) {
	for _, s := range []string{"S00042", "SO/2026/0001", "../x", "S\x00", "é", " S1", "S1 "} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if !validOrderName(s) {
			return
		}
		if len(s) > maxOrderName {
			t.Fatalf("too long: %d", len(s))
		}
		for _, c := range []byte(s) {
			if c < 0x20 || c > 0x7e || c == '"' || c == '\'' || c == '\\' || c == '<' || c == '>' || c == ';' {
				t.Fatalf("accepted %q", s)
			}
		}
	})
}
