package sandbox

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/odoo-afterpay/bridge/afterpay/webhooksig"
	"github.com/odoo-afterpay/bridge/money"
)

// EventType is the type of a payment-event webhook. Afterpay itself sends no
// payment webhooks (afterpay-api.md §6); these are the product's own, sent by
// relays and by this simulator (shared/reference/README.md).
type EventType string

// Payment-event types.
const (
	EventCaptureCompleted EventType = "payment.capture_completed"
	EventRefundSettled    EventType = "payment.refund_settled"
	EventAuthVoided       EventType = "payment.auth_voided"
)

// PaymentEvent is the body of a payment-event webhook.
type PaymentEvent struct {
	// EventID is unique per event; receivers deduplicate on it.
	EventID   string    `json:"eventId"`
	EventType EventType `json:"eventType"`
	// PaymentID is the Afterpay order id.
	PaymentID         string      `json:"paymentId"`
	Token             string      `json:"token"`
	MerchantReference string      `json:"merchantReference"`
	Amount            money.Money `json:"amount"`
	// RefundID is set on refund events.
	RefundID string `json:"refundId,omitempty"`
	// CreatedAt is when the event happened; sent as ISO 8601 UTC.
	CreatedAt time.Time `json:"createdAt"`
}

// MarshalJSON writes createdAt in Afterpay's timestamp format.
func (e PaymentEvent) MarshalJSON() ([]byte, error) {
	type plain PaymentEvent
	return json.Marshal(struct {
		plain
		CreatedAt string `json:"createdAt"`
	}{plain(e), formatTime(e.CreatedAt)})
}

// WebhookError is a webhook the receiver did not acknowledge with a 2xx.
type WebhookError struct {
	// URL is where the webhook was posted.
	URL string
	// StatusCode is the receiver's answer.
	StatusCode int
}

// Error describes the refused delivery.
func (e *WebhookError) Error() string {
	return fmt.Sprintf("sandbox: webhook to %s answered %d", e.URL, e.StatusCode)
}

// ErrNoWebhookURL is returned when a webhook is due but Options.WebhookURL is empty.
var ErrNoWebhookURL = errors.New("sandbox: no WebhookURL configured")

// enqueueEvent records a payment event in the order's outbox and, with a
// SettlementDelay, schedules its delivery; the caller holds s.mu.
func (s *Server) enqueueEvent(o *orderRecord, typ EventType, amount money.Money, refundID string, at time.Time) {
	ev := PaymentEvent{
		EventID: "evt_" + s.randomString(24, base62), EventType: typ, PaymentID: o.ID, Token: o.Token,
		MerchantReference: o.MerchantReference, Amount: amount, RefundID: refundID, CreatedAt: at.UTC(),
	}
	o.Outbox = append(o.Outbox, outboxRecord{Event: ev})
	s.scheduleDelivery(ev.EventID)
}

// deliveryAttempts bounds retries of a scheduled payment event; Afterpay
// retries its dispute webhooks "a few times" with exponential backoff too.
const deliveryAttempts = 4

func (s *Server) scheduleDelivery(eventID string) {
	if s.opts.SettlementDelay <= 0 || s.opts.WebhookURL == "" {
		return
	}
	s.scheduleAttempt(eventID, 1, s.opts.SettlementDelay)
}

func (s *Server) scheduleAttempt(eventID string, attempt int, delay time.Duration) {
	select {
	case <-s.closed:
		return
	default:
	}
	s.timersMu.Lock()
	defer s.timersMu.Unlock()
	s.bg.Add(1)
	var t *time.Timer
	t = time.AfterFunc(delay, func() {
		defer s.bg.Done()
		s.timersMu.Lock()
		delete(s.timers, t)
		s.timersMu.Unlock()
		if !s.deliverQueued(eventID) && attempt < deliveryAttempts {
			s.scheduleAttempt(eventID, attempt+1, time.Second<<(attempt-1))
		}
	})
	s.timers[t] = struct{}{}
}

// deliverQueued sends one outbox event if it is still due and reports
// whether nothing is left to do for it.
func (s *Server) deliverQueued(eventID string) bool {
	s.mu.Lock()
	rec := s.findOutbox(eventID)
	if rec == nil || rec.Sent || rec.Cancelled {
		s.mu.Unlock()
		return true
	}
	ev := rec.Event
	s.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), DefaultWebhookTimeout)
	defer cancel()
	if err := s.SendPaymentEvent(ctx, ev); err != nil {
		s.log.Warn("afterpay sandbox: payment event not delivered", "event_id", ev.EventID, "event_type", ev.EventType, "err", err)
		return false
	}
	return true
}

// findOutbox finds an outbox record by event id; the caller holds s.mu.
func (s *Server) findOutbox(eventID string) *outboxRecord {
	for _, o := range s.st.Orders {
		for i := range o.Outbox {
			if o.Outbox[i].Event.EventID == eventID {
				return &o.Outbox[i]
			}
		}
	}
	return nil
}

// PaymentEvents returns the payment events the simulator produced for an
// order (captures, refunds, voids, auth expiry), oldest first, whether sent
// or not; nil for an unknown order.
func (s *Server) PaymentEvents(orderID string) []PaymentEvent {
	s.mu.Lock()
	defer s.mu.Unlock()
	o := s.orderLocked(orderID, s.now())
	if o == nil {
		return nil
	}
	out := make([]PaymentEvent, 0, len(o.Outbox))
	for _, r := range o.Outbox {
		out = append(out, r.Event)
	}
	return out
}

// SendPaymentEvent posts ev, signed, to Options.WebhookURL and marks it
// delivered when the receiver answers 2xx. Missing EventID and CreatedAt are
// filled in, so tests may send hand-made events.
func (s *Server) SendPaymentEvent(ctx context.Context, ev PaymentEvent) error {
	if ev.EventID == "" {
		ev.EventID = "evt_" + s.randomString(24, base62)
	}
	if ev.CreatedAt.IsZero() {
		ev.CreatedAt = s.now()
	}
	body, err := json.Marshal(ev)
	if err != nil {
		return fmt.Errorf("sandbox: marshal payment event: %w", err)
	}
	if err := s.postWebhook(ctx, s.opts.WebhookURL, body); err != nil {
		return fmt.Errorf("sandbox: payment event %s (%s): %w", ev.EventID, ev.EventType, err)
	}
	s.mu.Lock()
	if rec := s.findOutbox(ev.EventID); rec != nil {
		rec.Sent = true
	}
	s.mu.Unlock()
	return nil
}

// FlushPaymentEvents sends every undelivered, uncancelled payment event now,
// oldest first, and returns how many were delivered. It stops at the first
// failure.
func (s *Server) FlushPaymentEvents(ctx context.Context) (int, error) {
	s.mu.Lock()
	var due []PaymentEvent
	for _, o := range s.st.Orders {
		s.refresh(o, s.now())
		for _, r := range o.Outbox {
			if !r.Sent && !r.Cancelled {
				due = append(due, r.Event)
			}
		}
	}
	s.mu.Unlock()
	sortEvents(due)
	for i, ev := range due {
		if err := s.SendPaymentEvent(ctx, ev); err != nil {
			return i, err
		}
	}
	return len(due), nil
}

func sortEvents(evs []PaymentEvent) {
	for i := 1; i < len(evs); i++ {
		for j := i; j > 0 && evs[j].CreatedAt.Before(evs[j-1].CreatedAt); j-- {
			evs[j], evs[j-1] = evs[j-1], evs[j]
		}
	}
}

// postWebhook signs body for target and posts it there. The signature date
// is wall time, not Clock: receivers compare it with their own clock, and a
// simulated clock days ahead would make every webhook look stale.
func (s *Server) postWebhook(ctx context.Context, target string, body []byte) error {
	if target == "" {
		return ErrNoWebhookURL
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "afterpay-sandbox/1 (webhooks)")
	webhooksig.SetHeaders(req.Header, s.opts.WebhookSecret, target, time.Now(), body)
	resp, err := s.opts.HTTPClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<16))
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return &WebhookError{URL: target, StatusCode: resp.StatusCode}
	}
	return nil
}
