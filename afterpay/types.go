package afterpay

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/odoo-afterpay/bridge/money"
)

// Payment statuses (Payment.Status).
const (
	StatusApproved = "APPROVED"
	StatusDeclined = "DECLINED"
)

// Payment states (Payment.PaymentState).
const (
	PaymentStateAuthApproved      = "AUTH_APPROVED"
	PaymentStateAuthDeclined      = "AUTH_DECLINED"
	PaymentStatePartiallyCaptured = "PARTIALLY_CAPTURED"
	PaymentStateCaptured          = "CAPTURED"
	PaymentStateCaptureDeclined   = "CAPTURE_DECLINED"
	PaymentStateVoided            = "VOIDED"
	// PaymentStateExpired is not in the OpenAPI enum but is seen in practice
	// once an auth passes its expiry.
	PaymentStateExpired = "EXPIRED"
	// PaymentStateReversed is what the sandbox shows once a reversal has
	// completed: nothing is held.
	PaymentStateReversed = "REVERSED"
)

// Payment event types (PaymentEvent.Type).
const (
	EventAuthApproved    = "AUTH_APPROVED"
	EventAuthDeclined    = "AUTH_DECLINED"
	EventCaptured        = "CAPTURED"
	EventCaptureDeclined = "CAPTURE_DECLINED"
	EventVoided          = "VOIDED"
	EventExpired         = "EXPIRED"
)

// Checkout modes (CheckoutRequest.Mode).
const (
	ModeStandard = "standard"
	ModeExpress  = "express"
)

// Courier priorities and the pick-up-in-store courier name (Courier).
const (
	PriorityStandard     = "STANDARD"
	PriorityExpress      = "EXPRESS"
	CourierInstorePickup = "INSTORE_PICKUP"
)

// Void reasons (VoidRequest.Reason); they change the wording of the
// customer's refund email.
const (
	VoidReasonCancelledItems   = "cancelledItems"
	VoidReasonAmountAdjustment = "amountAdjustment"
)

// Payment is an Afterpay order: the result of a capture or an auth and of
// every later operation on it.
type Payment struct {
	// ID is the Afterpay order ID, the {orderId} of order-management calls.
	ID string `json:"id"`
	// Token is the checkout token the payment was made from.
	Token string `json:"token"`
	// Status is StatusApproved or StatusDeclined.
	Status string `json:"status"`
	// Created is when the payment was completed (UTC).
	Created time.Time `json:"created"`
	// OriginalAmount is the order total.
	OriginalAmount money.Money `json:"originalAmount"`
	// OpenToCaptureAmount is what is still authorised and not yet captured or
	// voided; always zero in the immediate flow.
	OpenToCaptureAmount money.Money `json:"openToCaptureAmount"`
	// PaymentState is one of the PaymentState constants.
	PaymentState string `json:"paymentState"`
	// MerchantReference is the merchant's order reference.
	MerchantReference string `json:"merchantReference,omitempty"`
	// Refunds lists refunds and voids, newest first.
	Refunds []Refund `json:"refunds"`
	// OrderDetails is the order as the checkout described it.
	OrderDetails OrderDetails `json:"orderDetails"`
	// Events lists auth, capture, void and expiry events, oldest first.
	Events []PaymentEvent `json:"events"`
}

// Approved reports whether Afterpay approved the payment.
func (p *Payment) Approved() bool { return p.Status == StatusApproved }

// Declined reports whether Afterpay declined the payment.
func (p *Payment) Declined() bool { return p.Status == StatusDeclined }

// AuthExpiry returns when the uncaptured part of a deferred-flow auth is
// voided automatically, from the AUTH_APPROVED event's expires. ok is false
// when there is no such event (immediate flow, declined auth).
func (p *Payment) AuthExpiry() (expires time.Time, ok bool) {
	for _, ev := range p.Events {
		if ev.Type == EventAuthApproved && ev.Expires != nil {
			return *ev.Expires, true
		}
	}
	return time.Time{}, false
}

// CapturedAmount sums the CAPTURED events in the payment's currency.
func (p *Payment) CapturedAmount() money.Money { return p.sumEvents(EventCaptured) }

// VoidedAmount sums the VOIDED events in the payment's currency.
func (p *Payment) VoidedAmount() money.Money { return p.sumEvents(EventVoided) }

func (p *Payment) sumEvents(eventType string) money.Money {
	total := money.Money{Currency: p.OriginalAmount.Currency}
	for _, ev := range p.Events {
		if ev.Type == eventType {
			total.Minor += ev.Amount.Minor
		}
	}
	return total
}

// UnmarshalJSON decodes a Payment, accepting the ISO 8601 variants Afterpay
// emits for created.
func (p *Payment) UnmarshalJSON(b []byte) error {
	type plain Payment
	aux := struct {
		*plain
		Created timestamp `json:"created"`
	}{plain: (*plain)(p)}
	if err := json.Unmarshal(b, &aux); err != nil {
		return err
	}
	p.Created = aux.Created.Time
	return nil
}

// PaymentEvent is one auth, capture, void or expiry on a payment.
type PaymentEvent struct {
	// ID is Afterpay's event ID (27 characters, KSUID-like).
	ID string `json:"id"`
	// Created is when the event happened.
	Created time.Time `json:"created"`
	// Expires is set only on AUTH_APPROVED: when the auth lapses.
	Expires *time.Time `json:"expires"`
	// Type is one of the Event constants.
	Type string `json:"type"`
	// Amount is the amount the event concerns.
	Amount money.Money `json:"amount"`
	// PaymentEventMerchantReference is the merchant's reference for a capture,
	// shown in the settlement file as "Payment Event ID".
	PaymentEventMerchantReference string `json:"paymentEventMerchantReference,omitempty"`
}

// UnmarshalJSON decodes a PaymentEvent, accepting the ISO 8601 variants
// Afterpay emits and a null or empty expires.
func (e *PaymentEvent) UnmarshalJSON(b []byte) error {
	type plain PaymentEvent
	aux := struct {
		*plain
		Created timestamp  `json:"created"`
		Expires *timestamp `json:"expires"`
	}{plain: (*plain)(e)}
	if err := json.Unmarshal(b, &aux); err != nil {
		return err
	}
	e.Created = aux.Created.Time
	e.Expires = nil
	if aux.Expires != nil && !aux.Expires.IsZero() {
		t := aux.Expires.Time
		e.Expires = &t
	}
	return nil
}

// Refund is a refund on a payment (also the shape of void entries in
// Payment.Refunds).
type Refund struct {
	// RequestID is the idempotency key the refund was requested with.
	RequestID string `json:"requestId,omitempty"`
	// Amount is the refunded amount.
	Amount money.Money `json:"amount"`
	// MerchantReference is the merchant's refund reference.
	MerchantReference string `json:"merchantReference,omitempty"`
	// RefundID is Afterpay's permanent refund ID.
	RefundID string `json:"refundId"`
	// RefundedAt is when Afterpay recorded the refund (UTC).
	RefundedAt time.Time `json:"refundedAt"`
	// RefundMerchantReference appears in the settlement file as "Payment Event Id".
	RefundMerchantReference string `json:"refundMerchantReference,omitempty"`
}

// UnmarshalJSON decodes a Refund, accepting the ISO 8601 variants Afterpay emits.
func (r *Refund) UnmarshalJSON(b []byte) error {
	type plain Refund
	aux := struct {
		*plain
		RefundedAt timestamp `json:"refundedAt"`
	}{plain: (*plain)(r)}
	if err := json.Unmarshal(b, &aux); err != nil {
		return err
	}
	r.RefundedAt = aux.RefundedAt.Time
	return nil
}

// OrderDetails is the order a payment was made for, as the checkout described it.
type OrderDetails struct {
	Consumer       *Consumer    `json:"consumer,omitempty"`
	Billing        *Contact     `json:"billing,omitempty"`
	Shipping       *Contact     `json:"shipping,omitempty"`
	Courier        *Courier     `json:"courier,omitempty"`
	Items          []Item       `json:"items,omitempty"`
	Discounts      []Discount   `json:"discounts,omitempty"`
	TaxAmount      *money.Money `json:"taxAmount,omitempty"`
	ShippingAmount *money.Money `json:"shippingAmount,omitempty"`
}

// Consumer is the shopper. Email is required on a standard checkout.
type Consumer struct {
	Email       string `json:"email"`
	GivenNames  string `json:"givenNames,omitempty"`
	Surname     string `json:"surname,omitempty"`
	PhoneNumber string `json:"phoneNumber,omitempty"`
}

// Contact is a billing or shipping address. Area1 is the suburb/town/city,
// Region the state/county/province, CountryCode AU, NZ, US, CA or GB.
type Contact struct {
	Name        string `json:"name"`
	Line1       string `json:"line1"`
	Line2       string `json:"line2,omitempty"`
	Area1       string `json:"area1"`
	Area2       string `json:"area2,omitempty"`
	Region      string `json:"region"`
	Postcode    string `json:"postcode"`
	CountryCode string `json:"countryCode"`
	PhoneNumber string `json:"phoneNumber,omitempty"`
}

// Item is an order line. Price is the unit price, never quantity × price.
type Item struct {
	Name     string      `json:"name"`
	SKU      string      `json:"sku,omitempty"`
	Quantity int32       `json:"quantity"`
	Price    money.Money `json:"price"`
	PageURL  string      `json:"pageUrl,omitempty"`
	ImageURL string      `json:"imageUrl,omitempty"`
	// Categories is a list of category paths, e.g. [["Clothing","Shirts"]].
	Categories [][]string `json:"categories,omitempty"`
	// EstimatedShipmentDate is a date, "2006-01-02".
	EstimatedShipmentDate string `json:"estimatedShipmentDate,omitempty"`
	Preorder              bool   `json:"preorder,omitempty"`
}

// Discount is a discount applied to the order.
type Discount struct {
	DisplayName string      `json:"displayName"`
	Amount      money.Money `json:"amount"`
}

// Courier describes a shipment. Use CourierInstorePickup as Name for
// buy-online-pick-up-in-store.
type Courier struct {
	ShippedAt time.Time `json:"shippedAt,omitzero"`
	Name      string    `json:"name,omitempty"`
	Tracking  string    `json:"tracking,omitempty"`
	// Priority is PriorityStandard or PriorityExpress.
	Priority string `json:"priority,omitempty"`
}

// UnmarshalJSON decodes a Courier, accepting the ISO 8601 variants Afterpay emits.
func (c *Courier) UnmarshalJSON(b []byte) error {
	type plain Courier
	aux := struct {
		*plain
		ShippedAt timestamp `json:"shippedAt"`
	}{plain: (*plain)(c)}
	if err := json.Unmarshal(b, &aux); err != nil {
		return err
	}
	c.ShippedAt = aux.ShippedAt.Time
	return nil
}

// timestamp decodes the ISO 8601 forms Afterpay emits: RFC 3339 with or
// without fractional seconds ("2023-12-05T03:06:22.583Z"), an offset without a
// colon ("+0000"), or no zone at all (read as UTC, which is what Afterpay
// stores). null and "" decode to the zero time.
type timestamp struct{ time.Time }

func (t *timestamp) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("afterpay: timestamp must be a string, got %s", b)
	}
	v, err := parseTimestamp(s)
	if err != nil {
		return err
	}
	t.Time = v
	return nil
}

func parseTimestamp(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, nil
	}
	if v, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return v, nil
	}
	if v, err := time.Parse("2006-01-02T15:04:05.999999999Z0700", s); err == nil {
		return v, nil
	}
	if v, err := time.ParseInLocation("2006-01-02T15:04:05.999999999", s, time.UTC); err == nil {
		return v, nil
	}
	return time.Time{}, fmt.Errorf("afterpay: timestamp %q is not ISO 8601", s)
}

// RefundsOnly returns the payment's refunds without the entries voids add
// to Refunds: each VOIDED event hides one entry of the same amount, the
// one recorded closest to it in time. Oldest first.
func (p *Payment) RefundsOnly() []Refund {
	out := make([]Refund, len(p.Refunds))
	copy(out, p.Refunds)
	for _, ev := range p.Events {
		if ev.Type != EventVoided {
			continue
		}
		best := -1
		for i, r := range out {
			if r.Amount != ev.Amount {
				continue
			}
			if best < 0 || absDuration(r.RefundedAt.Sub(ev.Created)) < absDuration(out[best].RefundedAt.Sub(ev.Created)) {
				best = i
			}
		}
		if best >= 0 {
			out = append(out[:best], out[best+1:]...)
		}
	}
	slices.SortStableFunc(out, func(a, b Refund) int { return a.RefundedAt.Compare(b.RefundedAt) })
	return out
}

// RefundedAmount sums the refunds, voids excluded.
func (p *Payment) RefundedAmount() money.Money {
	total := money.Money{Currency: p.OriginalAmount.Currency}
	for _, r := range p.RefundsOnly() {
		total.Minor += r.Amount.Minor
	}
	return total
}

func absDuration(d time.Duration) time.Duration {
	if d < 0 {
		return -d
	}
	return d
}
