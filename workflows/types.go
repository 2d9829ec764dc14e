// Package workflows holds the business state machine of an order's Afterpay
// payment. Workflows are deterministic: every I/O goes through activities.
package workflows

import (
	"fmt"
	"time"

	"go.temporal.io/sdk/temporal"

	"github.com/odoo-afterpay/bridge/money"
)

// TaskQueue is the default task queue of payment workflows and activities.
const TaskQueue = "afterpay-payments"

// PaymentWorkflowName is the registered name of the payment workflow.
const PaymentWorkflowName = "PaymentWorkflow"

// Message names. Operators can send the signals from the Web UI.
const (
	// SignalCustomerReturn carries the customer's return from Afterpay's
	// checkout page (the redirect with status and orderToken).
	SignalCustomerReturn = "customer-return"
	// QueryCheckout returns the CheckoutInfo: the URL a storefront sends
	// the customer to, and where the payment stands.
	QueryCheckout = "checkout"
)

// Search attributes registered on the Temporal server (see Makefile and
// SearchAttributes below).
var (
	OdooOrderRefKey    = temporal.NewSearchAttributeKeyKeyword("OdooOrderRef")
	AfterpayTokenKey   = temporal.NewSearchAttributeKeyKeyword("AfterpayToken")
	AfterpayOrderIDKey = temporal.NewSearchAttributeKeyKeyword("AfterpayOrderID")
	PaymentStatusKey   = temporal.NewSearchAttributeKeyKeyword("PaymentStatus")
)

// SearchAttributes lists the custom search attributes as the dev server's
// --search-attribute flag and testsuite.DevServerOptions want them.
func SearchAttributes() []temporal.SearchAttributeKey {
	return []temporal.SearchAttributeKey{OdooOrderRefKey, AfterpayTokenKey, AfterpayOrderIDKey, PaymentStatusKey}
}

// Status is where a payment stands; it is the PaymentStatus search attribute.
type Status string

// The statuses a payment passes through. Terminal ones end the workflow.
const (
	StatusAwaitingOrder     Status = "awaiting_order_confirmation"
	StatusCreatingCheckout  Status = "creating_checkout"
	StatusAwaitingCustomer  Status = "awaiting_customer"
	StatusCapturing         Status = "capturing"
	StatusRecording         Status = "recording"
	StatusAuthorised        Status = "authorised" // deferred: authorised, captured as the order is delivered
	StatusCompensating      Status = "compensating"
	StatusCompleted         Status = "completed"           // captured and recorded in Odoo
	StatusDeclined          Status = "declined"            // Afterpay declined the payment
	StatusExpired           Status = "expired"             // the checkout expired unused
	StatusNotPayable        Status = "not_payable"         // the order cannot be paid with Afterpay
	StatusNotAfterpay       Status = "not_afterpay"        // the order is not marked to be paid with Afterpay
	StatusOrderNotConfirmed Status = "order_not_confirmed" // the order never read as confirmed
	StatusOrderCancelled    Status = "order_cancelled"     // the order was cancelled in Odoo before checkout
	StatusCompensated       Status = "compensated"         // captured, Odoo refused it, money returned
	StatusNeedsAttention    Status = "needs_attention"     // waiting, running, for a person or for a peer to come back
	StatusResolved          Status = "resolved"            // an operator recorded the payment as handled by hand
	StatusVoided            Status = "voided"              // deferred: the whole authorisation voided (at Afterpay or by an operator), nothing captured
)

// PaymentInput starts a payment workflow.
type PaymentInput struct {
	// Database is the Odoo database; with OrderName it makes the workflow ID.
	Database string `json:"database"`
	// OrderName is the sale order's name, e.g. "S00042".
	OrderName string `json:"orderName"`
	// OrderID is Odoo's record id if the starter knew it; a hint only.
	OrderID int64 `json:"orderId,omitempty"`
	// ReturnURL is the API's /afterpay/return endpoint; the customer's browser
	// comes back there from Afterpay.
	ReturnURL string `json:"returnUrl"`
	// ConfirmationTimeout bounds the wait for the order to read as confirmed.
	ConfirmationTimeout time.Duration `json:"confirmationTimeout"`
	// RecordWindow bounds how long Odoo may stay unreachable while a
	// captured payment is recorded before the money goes back; 0 means
	// DefaultRecordWindow. Keep it well inside Afterpay's 10-minute
	// reversal window.
	RecordWindow time.Duration `json:"recordWindow,omitempty"`
	// CaptureMode is the product's default, CaptureImmediate or
	// CaptureDeferred ("" is immediate); an order may choose its own.
	CaptureMode string `json:"captureMode,omitempty"`
	// Resume is the state a continued run carries over (continue-as-new);
	// nil for a new payment.
	Resume *State `json:"resume,omitempty"`
}

// Validate reports a malformed input, which no retry can fix.
func (in PaymentInput) Validate() error {
	switch {
	case in.Database == "":
		return fmt.Errorf("payment input: database is empty")
	case in.OrderName == "":
		return fmt.Errorf("payment input: order name is empty")
	case in.ReturnURL == "":
		return fmt.Errorf("payment input: return URL is empty")
	case in.RecordWindow < 0 || in.RecordWindow > 9*time.Minute:
		return fmt.Errorf("payment input: record window %s is not between 0 and 9 minutes (Afterpay reverses within 10)", in.RecordWindow)
	}
	return nil
}

// PaymentWorkflowID is the workflow ID of an order's payment: one per Odoo
// database and order, so that a second start for the same order is a no-op.
func PaymentWorkflowID(database, orderName string) string {
	return "afterpay-payment:" + database + ":" + orderName
}

// CustomerReturn is the signal sent when the customer's browser returns from
// Afterpay.
type CustomerReturn struct {
	// Status is Afterpay's redirect status: SUCCESS or CANCELLED.
	Status string `json:"status"`
	// OrderToken is the checkout token Afterpay put on the redirect.
	OrderToken string `json:"orderToken"`
}

// Redirect statuses Afterpay appends to the merchant's URLs.
const (
	ReturnSuccess   = "SUCCESS"
	ReturnCancelled = "CANCELLED"
)

// CheckoutInfo answers QueryCheckout.
type CheckoutInfo struct {
	OrderName           string       `json:"orderName"`
	Status              Status       `json:"status"`
	Reason              string       `json:"reason,omitempty"`
	Token               string       `json:"token,omitempty"`
	RedirectCheckoutURL string       `json:"redirectCheckoutUrl,omitempty"`
	Expires             time.Time    `json:"expires,omitzero"`
	Amount              *money.Money `json:"amount,omitempty"`
	AfterpayOrderID     string       `json:"afterpayOrderId,omitempty"`
	TransactionID       int64        `json:"odooTransactionId,omitempty"`
	// Outcome is what the customer's return page shows.
	Outcome ReturnOutcomeKind `json:"outcome"`
}

// PaymentResult is what a finished payment workflow returns.
type PaymentResult struct {
	Status          Status       `json:"status"`
	Reason          string       `json:"reason,omitempty"`
	AfterpayOrderID string       `json:"afterpayOrderId,omitempty"`
	Amount          *money.Money `json:"amount,omitempty"`
	TransactionID   int64        `json:"odooTransactionId,omitempty"`
}
