package workflows

import (
	"time"

	"github.com/odoo-afterpay/bridge/money"
)

// Messages the API (and operators) send to a payment workflow besides
// SignalCustomerReturn and QueryCheckout (types.go).
const (
	// UpdateCustomerReturn is how the API hands over the customer's return
	// from Afterpay's checkout page. Its validator rejects a token that is
	// not this payment's (nothing is written to history), and its handler
	// answers the payment's outcome (ReturnOutcome), waiting briefly for the
	// capture. The update ID should be derived from the token and status so
	// that a reload gets the first answer.
	UpdateCustomerReturn = "customer-returned"
	// SignalAfterpayEvent carries an event Afterpay reported about the
	// payment (a verified payment-event or dispute webhook). Events are
	// deduplicated by AfterpayEvent.ID inside the workflow.
	SignalAfterpayEvent = "afterpay-event"
)

// ReturnOutcomeKind is what the customer's return page says happened.
type ReturnOutcomeKind string

// The outcomes a return page shows.
const (
	OutcomePaid         ReturnOutcomeKind = "paid"          // captured (immediate) and recorded, or being recorded
	OutcomeAuthorised   ReturnOutcomeKind = "authorised"    // approved; captured when the order ships (deferred)
	OutcomeDeclined     ReturnOutcomeKind = "declined"      // Afterpay declined the payment
	OutcomeCancelled    ReturnOutcomeKind = "cancelled"     // the customer left Afterpay; the checkout stays open until it expires
	OutcomeExpired      ReturnOutcomeKind = "expired"       // the checkout expired unused
	OutcomeNotCompleted ReturnOutcomeKind = "not_completed" // approved, but the shop could not complete it: the money was given back
	OutcomePending      ReturnOutcomeKind = "pending"       // still being confirmed: show a page that refreshes itself
)

// ReturnOutcome answers UpdateCustomerReturn. It carries nothing personal.
type ReturnOutcome struct {
	Outcome   ReturnOutcomeKind `json:"outcome"`
	OrderName string            `json:"orderName"`
	Amount    *money.Money      `json:"amount,omitempty"`
}

// AfterpayEventKind is the kind of an AfterpayEvent.
type AfterpayEventKind string

// The kinds of AfterpayEvent.
const (
	// Payment events, from relays and the simulator (never from Afterpay
	// itself; the workflow also polls, so it never depends on them).
	EventCaptureCompleted AfterpayEventKind = "payment.capture_completed"
	EventRefundSettled    AfterpayEventKind = "payment.refund_settled"
	EventAuthVoided       AfterpayEventKind = "payment.auth_voided"
	// EventDispute is a dispute opened or updated, fetched from
	// GET /v2/disputes/{id} after Afterpay's signed dispute webhook.
	EventDispute AfterpayEventKind = "dispute"
)

// AfterpayEvent is the payload of SignalAfterpayEvent.
type AfterpayEvent struct {
	// ID is unique per event: a payment event's eventId, or for disputes
	// "dispute:" + the webhook's webhook_event_id. The workflow applies each
	// ID at most once.
	ID   string            `json:"id"`
	Kind AfterpayEventKind `json:"kind"`
	// OrderID is the Afterpay order id (payment events' paymentId).
	OrderID string `json:"orderId,omitempty"`
	// Token is the checkout token the payment was made with.
	Token string `json:"token,omitempty"`
	// Amount is the captured, refunded or voided amount (payment events).
	Amount *money.Money `json:"amount,omitempty"`
	// RefundID is Afterpay's refund id (refund events).
	RefundID string `json:"refundId,omitempty"`
	// Dispute is set for EventDispute.
	Dispute *Dispute `json:"dispute,omitempty"`
	// At is when the event happened at Afterpay.
	At time.Time `json:"at"`
}

// Dispute is what the workflow keeps of an Afterpay dispute.
type Dispute struct {
	ID     string `json:"id"`
	Status string `json:"status"` // needs_response, under_review, won, lost, merchant_refunded, merchant_voided
	Reason string `json:"reason"`
	// Amount is the disputed amount.
	Amount        money.Money `json:"amount"`
	ResponseDueBy time.Time   `json:"responseDueBy,omitzero"`
	Open          bool        `json:"open"`
	ClosingReason string      `json:"closingReason,omitempty"`
}

// Operator actions, from the Web UI (the update, whose validator refuses an
// action that makes no sense now, with a reason) or from `starter` and
// scripts (the signal, checked the same way when it is handled).
const (
	UpdateOperatorAction = "operator"
	SignalOperatorAction = "operator-action"
)

// OperatorActionKind is what an operator asks for.
type OperatorActionKind string

// The operator actions.
const (
	// ActionRetry runs the step that needs attention again now.
	ActionRetry OperatorActionKind = "retry"
	// ActionResolve records the step as handled by hand (Note says how) and
	// moves on as if it had succeeded.
	ActionResolve OperatorActionKind = "resolve"
	// ActionRefund gives captured money back at Afterpay (Amount, or all
	// that is held) and records it in Odoo: a credit note on the order's
	// invoice with its outbound payment, or, before the payment is booked,
	// the transaction cancelled.
	ActionRefund OperatorActionKind = "refund"
	// ActionVoid releases what is authorised and not captured (Amount, or
	// all of it) at Afterpay (deferred capture).
	ActionVoid OperatorActionKind = "void"
)

// OperatorAction is the payload of UpdateOperatorAction and
// SignalOperatorAction.
type OperatorAction struct {
	Action OperatorActionKind `json:"action"`
	// Note says what was done by hand (required for resolve), or why the
	// money goes back (refund, void); it goes on the order's chatter.
	Note string `json:"note,omitempty"`
	// Amount is the amount to refund or void, e.g. "12.50", in the
	// payment's currency; empty means all that can be.
	Amount string `json:"amount,omitempty"`
	// By names the operator; it goes on the order's chatter.
	By string `json:"by,omitempty"`
	// ID deduplicates a signal sent twice; optional.
	ID string `json:"id,omitempty"`
}

// SignalOdooEvent carries something that happened to the order in Odoo, as
// an automation rule's webhook reported it: a delivery done, the order
// cancelled, an invoice or a credit note posted. The workflow reads Odoo
// itself before acting; the event only says where to look. Events are
// deduplicated by OdooEvent.ID.
const SignalOdooEvent = "odoo-event"

// OdooEventKind is the kind of an OdooEvent.
type OdooEventKind string

// The kinds of OdooEvent.
const (
	OdooDeliveryDone     OdooEventKind = "delivery_done"      // an outgoing stock.picking of the order was validated
	OdooOrderCancelled   OdooEventKind = "order_cancelled"    // the sale.order was cancelled
	OdooInvoicePosted    OdooEventKind = "invoice_posted"     // a customer invoice of the order was posted
	OdooCreditNotePosted OdooEventKind = "credit_note_posted" // a credit note of the order was posted
)

// OdooEvent is the payload of SignalOdooEvent.
type OdooEvent struct {
	// ID is the record and its new state, e.g. "stock.picking:17:done".
	ID   string        `json:"id"`
	Kind OdooEventKind `json:"kind"`
	// Model, RecordID and Name identify the record (the picking, the
	// order, the invoice or credit note).
	Model    string `json:"model"`
	RecordID int64  `json:"recordId"`
	Name     string `json:"name,omitempty"`
}
