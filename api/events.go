package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/odoo-afterpay/bridge/afterpay"
	"github.com/odoo-afterpay/bridge/money"
	"github.com/odoo-afterpay/bridge/workflows"
)

// Why a webhook body was turned away. errMalformed is answered 400,
// errUnknownType and errInvalid 422; the detail goes only to the log.
var (
	errMalformed   = errors.New("malformed JSON")
	errUnknownType = errors.New("unknown event type")
	errInvalid     = errors.New("invalid or missing field")
)

func invalid(format string, args ...any) error {
	return fmt.Errorf("%w: %s", errInvalid, fmt.Sprintf(format, args...))
}

// decodeJSON decodes one JSON object and nothing after it.
func decodeJSON(body []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("%w: %v", errMalformed, err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return fmt.Errorf("%w: data after the JSON object", errMalformed)
	}
	return nil
}

// paymentEventBody is the JSON of a payment-event webhook
// (shared/reference/README.md).
type paymentEventBody struct {
	EventID           string       `json:"eventId"`
	EventType         string       `json:"eventType"`
	PaymentID         string       `json:"paymentId"`
	Token             string       `json:"token"`
	MerchantReference string       `json:"merchantReference"`
	Amount            *money.Money `json:"amount"`
	RefundID          string       `json:"refundId"`
	CreatedAt         string       `json:"createdAt"`
}

// PaymentEvent is a verified, parsed payment-event webhook.
type PaymentEvent struct {
	Event workflows.AfterpayEvent
	// OrderName is the webhook's merchantReference: the Odoo order.
	OrderName string
}

// ParsePaymentEvent parses and checks the body of a payment-event webhook.
// Only a signed body is ever given to it.
func ParsePaymentEvent(body []byte) (PaymentEvent, error) {
	var b paymentEventBody
	if err := decodeJSON(body, &b); err != nil {
		return PaymentEvent{}, err
	}
	kind := workflows.AfterpayEventKind(b.EventType)
	switch kind {
	case workflows.EventCaptureCompleted, workflows.EventRefundSettled, workflows.EventAuthVoided:
	default:
		return PaymentEvent{}, fmt.Errorf("%w: %s", errUnknownType, clip(b.EventType))
	}
	switch {
	case !validEventID(b.EventID):
		return PaymentEvent{}, invalid("eventId %s", clip(b.EventID))
	case !validAfterpayID(b.PaymentID):
		return PaymentEvent{}, invalid("paymentId %s", clip(b.PaymentID))
	case !validToken(b.Token):
		return PaymentEvent{}, invalid("token %s", clip(b.Token))
	case !validOrderName(b.MerchantReference):
		return PaymentEvent{}, invalid("merchantReference %s", clip(b.MerchantReference))
	case b.Amount == nil || b.Amount.Currency == "" || b.Amount.Minor <= 0:
		return PaymentEvent{}, invalid("amount must be a positive Money object")
	case kind == workflows.EventRefundSettled && !validAfterpayID(b.RefundID):
		return PaymentEvent{}, invalid("refundId %s", clip(b.RefundID))
	case kind != workflows.EventRefundSettled && b.RefundID != "":
		return PaymentEvent{}, invalid("refundId on a %s event", kind)
	}
	at, err := time.Parse(time.RFC3339Nano, b.CreatedAt)
	if err != nil || at.Year() < 2000 || at.Year() > 9999 {
		return PaymentEvent{}, invalid("createdAt %s is not an ISO 8601 time", clip(b.CreatedAt))
	}
	amount := *b.Amount
	return PaymentEvent{
		OrderName: b.MerchantReference,
		Event: workflows.AfterpayEvent{
			ID: b.EventID, Kind: kind, OrderID: b.PaymentID, Token: b.Token,
			Amount: &amount, RefundID: b.RefundID, At: at.UTC(),
		},
	}, nil
}

// DisputeWebhook is Afterpay's dispute webhook (afterpay-api.md §6): it only
// names the dispute, which is then read from Afterpay.
type DisputeWebhook struct {
	EventID           string `json:"webhook_event_id"`
	EventType         string `json:"webhook_event_type"`
	DisputeID         string `json:"dispute_id"`
	MerchantReference string `json:"merchant_reference"`
}

// ParseDisputeWebhook parses and checks the body of a dispute webhook. Only
// a signed body is ever given to it.
func ParseDisputeWebhook(body []byte) (DisputeWebhook, error) {
	var w DisputeWebhook
	if err := decodeJSON(body, &w); err != nil {
		return DisputeWebhook{}, err
	}
	switch w.EventType {
	case "created", "updated":
	default:
		return DisputeWebhook{}, fmt.Errorf("%w: %s", errUnknownType, clip(w.EventType))
	}
	switch {
	case !validEventID(w.EventID):
		return DisputeWebhook{}, invalid("webhook_event_id %s", clip(w.EventID))
	case !validAfterpayID(w.DisputeID):
		return DisputeWebhook{}, invalid("dispute_id %s", clip(w.DisputeID))
	case len(w.MerchantReference) > 64:
		return DisputeWebhook{}, invalid("merchant_reference %s", clip(w.MerchantReference))
	}
	return w, nil
}

// disputeEvent turns a dispute read from Afterpay into the workflow's event.
// currency is the payment's, for a dispute that does not say its own.
func disputeEvent(hook DisputeWebhook, d *afterpay.Dispute, currency string) (workflows.AfterpayEvent, error) {
	if d.ID != hook.DisputeID {
		return workflows.AfterpayEvent{}, fmt.Errorf("afterpay answered dispute %s for %s", clip(d.ID), hook.DisputeID)
	}
	if !validToken(d.Order) {
		return workflows.AfterpayEvent{}, fmt.Errorf("dispute %s names no valid order token: %s", d.ID, clip(d.Order))
	}
	amount, err := d.Money(currency)
	if err != nil {
		return workflows.AfterpayEvent{}, err
	}
	at := d.UpdatedAt
	if at.IsZero() {
		at = d.CreatedAt
	}
	return workflows.AfterpayEvent{
		ID: "dispute:" + hook.EventID, Kind: workflows.EventDispute, Token: d.Order, At: at,
		Dispute: &workflows.Dispute{
			ID: d.ID, Status: d.Status, Reason: d.Reason, Amount: amount,
			ResponseDueBy: d.ResponseDueBy, Open: d.Open, ClosingReason: strings.TrimSpace(d.ClosingReason),
		},
	}, nil
}
