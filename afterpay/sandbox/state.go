package sandbox

import (
	"time"

	"github.com/odoo-afterpay/bridge/money"
)

// Checkout token states (afterpay-api.md §9): created, then the consumer
// approves, declines or cancels; consumed is recorded as OrderID != "".
const (
	tokenCreated   = "created"
	tokenApproved  = "approved"
	tokenDeclined  = "declined"
	tokenCancelled = "cancelled"
)

// Flows that turn a checkout token into an order.
const (
	flowCapture = "capture"
	flowAuth    = "auth"
)

// state is everything Snapshot saves. Its fields are exported only for
// encoding/json; the type itself stays private.
type state struct {
	Checkouts    map[string]*checkoutRecord `json:"checkouts"`
	Orders       map[string]*orderRecord    `json:"orders"`
	Idempotency  map[string]*idemRecord     `json:"idempotency"`
	Disputes     map[string]*disputeRecord  `json:"disputes"`
	NextOrderID  int64                      `json:"nextOrderId"`
	NextRefundID int64                      `json:"nextRefundId"`
}

// First ids handed out; Afterpay order ids are long numeric strings.
const (
	firstOrderID  = 300000000001
	firstRefundID = 10000001
)

func newState(firstOrder int64) *state {
	if firstOrder <= 0 {
		firstOrder = firstOrderID
	}
	return &state{
		Checkouts:    map[string]*checkoutRecord{},
		Orders:       map[string]*orderRecord{},
		Idempotency:  map[string]*idemRecord{},
		Disputes:     map[string]*disputeRecord{},
		NextOrderID:  firstOrder,
		NextRefundID: firstRefundID,
	}
}

type checkoutRecord struct {
	Token       string       `json:"token"`
	Created     time.Time    `json:"created"`
	Expires     time.Time    `json:"expires"`
	RedirectURL string       `json:"redirectCheckoutUrl"`
	Data        checkoutData `json:"data"`
	State       string       `json:"state"`
	ConfirmedAt time.Time    `json:"confirmedAt,omitzero"`
	// OrderID is set once an auth or capture consumed the token.
	OrderID string `json:"orderId,omitempty"`
	// Flow is how the token was consumed, and Response the response that did
	// it, replayed to a repeat capture-full (idempotent on the token).
	Flow     string    `json:"flow,omitempty"`
	Response *stored   `json:"response,omitempty"`
	Reversed time.Time `json:"reversedAt,omitzero"`
}

type orderRecord struct {
	ID                string           `json:"id"`
	Token             string           `json:"token"`
	Flow              string           `json:"flow"`
	Status            string           `json:"status"`
	State             string           `json:"paymentState"`
	Created           time.Time        `json:"created"`
	Original          money.Money      `json:"originalAmount"`
	OpenToCapture     money.Money      `json:"openToCaptureAmount"`
	Captured          money.Money      `json:"captured"`
	Refunded          money.Money      `json:"refunded"`
	MerchantReference string           `json:"merchantReference,omitempty"`
	Refunds           []refundJSON     `json:"refunds"`
	Events            []eventJSON      `json:"events"`
	Details           orderDetailsJSON `json:"orderDetails"`
	AuthExpires       time.Time        `json:"authExpires,omitzero"`
	// ReversalRequested is when a reversal was accepted; the order shows
	// REVERSED once ReversalDelay has passed after it.
	ReversalRequested time.Time      `json:"reversalRequested,omitzero"`
	Reversed          bool           `json:"reversed,omitempty"`
	Outbox            []outboxRecord `json:"outbox,omitempty"`
}

// outboxRecord is a payment event produced by an operation on the order and
// whether it has been delivered; cancelled ones (the order was reversed before
// they were sent) are never delivered, as a reversed order never settles.
type outboxRecord struct {
	Event     PaymentEvent `json:"event"`
	Sent      bool         `json:"sent,omitempty"`
	Cancelled bool         `json:"cancelled,omitempty"`
}

// idemRecord is a stored response for an idempotency key.
type idemRecord struct {
	Created  time.Time `json:"created"`
	Response stored    `json:"response"`
	// Durable records (refunds) outlive the 24 h replay window.
	Durable bool `json:"durable,omitempty"`
}

// stored is a response kept for replay.
type stored struct {
	Status int    `json:"status"`
	Body   []byte `json:"body"`
}

type disputeRecord struct {
	Dispute  Dispute `json:"dispute"`
	OrderID  string  `json:"orderId"`
	Evidence []byte  `json:"evidence,omitempty"`
}
