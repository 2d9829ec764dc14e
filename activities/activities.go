// Package activities holds the payment workflow's I/O: thin, idempotent calls
// to Odoo and Afterpay. Business decisions live in package workflows.
package activities

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"strings"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"

	"github.com/odoo-afterpay/bridge/afterpay"
	"github.com/odoo-afterpay/bridge/mapping"
	"github.com/odoo-afterpay/bridge/money"
	"github.com/odoo-afterpay/bridge/odoo"
)

// AfterpayClient is the part of *afterpay.Client the activities use.
type AfterpayClient interface {
	CreateCheckout(ctx context.Context, req *afterpay.CheckoutRequest) (*afterpay.Checkout, error)
	CapturePayment(ctx context.Context, req *afterpay.CaptureRequest) (*afterpay.Payment, error)
	Auth(ctx context.Context, req *afterpay.AuthRequest) (*afterpay.Payment, error)
	CaptureDeferred(ctx context.Context, orderID string, req *afterpay.DeferredCaptureRequest) (*afterpay.Payment, error)
	Void(ctx context.Context, orderID string, req *afterpay.VoidRequest) (*afterpay.Payment, error)
	GetPaymentByToken(ctx context.Context, token string) (*afterpay.Payment, error)
	ReversePaymentByToken(ctx context.Context, token string) error
	Refund(ctx context.Context, orderID string, req *afterpay.RefundRequest) (*afterpay.Refund, error)
	AllPayments(ctx context.Context, params afterpay.ListPaymentsParams) iter.Seq2[*afterpay.Payment, error]
}

// OdooClient is the part of *odoo.Client the activities use.
type OdooClient interface {
	ReadSaleOrder(ctx context.Context, id int64) (*odoo.SaleOrder, error)
	ReadOrderHeader(ctx context.Context, id int64, name string) (*odoo.OrderHeader, error)
	FindAfterpayProvider(ctx context.Context) (providerID, methodID int64, err error)
	JournalByCode(ctx context.Context, code string) (int64, error)
	OpenTransaction(ctx context.Context, spec odoo.TransactionSpec, state odoo.TransactionUpdate) (int64, error)
	SetTransactionState(ctx context.Context, txID int64, update odoo.TransactionUpdate) error
	SetOrderAfterpay(ctx context.Context, orderID int64, f odoo.OrderAfterpay) error
	SetMovesAfterpayOrderID(ctx context.Context, moveIDs []int64, afterpayOrderID string) error
	NameMovesAndRead(ctx context.Context, moveIDs []int64, afterpayOrderID string) (*odoo.OrderMoves, error)
	ScheduleActivity(ctx context.Context, spec odoo.ActivitySpec) (int64, error)
	PostNote(ctx context.Context, model string, resID int64, body, marker string) (int64, error)
	PostNewNote(ctx context.Context, model string, resID int64, body, marker string) (int64, error)
	ReadMove(ctx context.Context, id int64) (*odoo.Move, error)
	ReadOrderMoves(ctx context.Context, orderID int64) (*odoo.OrderMoves, error)
	InvoiceOrderNow(ctx context.Context, orderID int64, moves *odoo.OrderMoves) ([]int64, error)
	PostDraftInvoice(ctx context.Context, moveID int64) error
	PostedInvoices(ctx context.Context, orderID int64) ([]int64, error)
	CreateCreditNote(ctx context.Context, invoiceID int64, spec odoo.CreditNoteSpec) (int64, error)
	RegisterPayment(ctx context.Context, moveID int64, spec odoo.PaymentSpec) (int64, error)
	RegisterCustomerPayment(ctx context.Context, spec odoo.CustomerPaymentSpec) (int64, error)
	ReconcilePayment(ctx context.Context, paymentID, invoiceID int64) error
	PaymentResidual(ctx context.Context, paymentID int64) (money.Money, error)
	Search(ctx context.Context, model string, domain []any, opts *odoo.SearchOptions) ([]int64, error)
	AfterpayOrders(ctx context.Context, q odoo.AfterpayOrderQuery) ([]odoo.AfterpayOrder, error)
	AfterpayTransactions(ctx context.Context, orderIDs []int64) ([]odoo.AfterpayTransaction, error)
	AfterpayJournalPayments(ctx context.Context, q odoo.JournalPaymentQuery) ([]odoo.JournalPayment, error)
}

// Activities are registered with the worker; the workflow calls them by
// method value. Their inputs and outputs are their own types, so that
// workflow histories depend on neither client's structs, and they carry no
// customer's personal data: the order is read, mapped and sent to Afterpay
// inside CreateCheckout.
type Activities struct {
	Afterpay AfterpayClient
	Odoo     OdooClient
	Mapper   *mapping.Mapper

	// checkoutOrders hands the order ReadOrderState read for a checkout
	// to CreateCheckout.
	checkoutOrders orderHandoff
}

// ReadOrderInput names the order to read: by name, with its id as a hint
// when the caller knew it.
type ReadOrderInput struct {
	ID   int64  `json:"id,omitempty"`
	Name string `json:"name"`
	// ForCheckout says a checkout is asked for next if the order is
	// confirmed: the order (known by id) is read whole, and a confirmed one
	// is kept for CreateCheckout, which then need not read it again.
	ForCheckout bool `json:"forCheckout,omitempty"`
}

// OrderState is where an order stands, without the customer's details.
type OrderState struct {
	ID        int64       `json:"id"`
	Name      string      `json:"name"`
	State     string      `json:"state"` // draft, sent, sale or cancel
	Total     money.Money `json:"total"`
	PartnerID int64       `json:"partnerId"`
	// Afterpay says whether the order carries the Afterpay marker (its
	// payment term); PaymentTerm names the one it has.
	Afterpay    bool   `json:"afterpay"`
	PaymentTerm string `json:"paymentTerm,omitempty"`
	// CaptureMode is the order's own choice ("immediate", "deferred"), or
	// "" for the product's default.
	CaptureMode string `json:"captureMode,omitempty"`
}

// ReadOrderState reads where the order stands, in one call.
func (a *Activities) ReadOrderState(ctx context.Context, in ReadOrderInput) (*OrderState, error) {
	if in.ForCheckout && in.ID > 0 {
		// Any failure is left to the header's read, which knows an order
		// by its name when the id was a wrong hint, and says why it fails.
		if so, err := a.Odoo.ReadSaleOrder(ctx, in.ID); err == nil && so.Name == in.Name {
			if so.State == "sale" {
				a.checkoutOrders.keep(so, time.Now())
			}
			return orderStateOf(so.Header()), nil
		}
	}
	h, err := a.Odoo.ReadOrderHeader(ctx, in.ID, in.Name)
	if err != nil {
		return nil, orderFailure("read sale.order "+in.Name, err)
	}
	return orderStateOf(h), nil
}

func orderStateOf(h *odoo.OrderHeader) *OrderState {
	return &OrderState{ID: h.ID, Name: h.Name, State: h.State, Total: h.AmountTotal, PartnerID: h.PartnerID,
		Afterpay: h.PaymentTerm == odoo.PaymentTermName, PaymentTerm: h.PaymentTerm, CaptureMode: h.CaptureMode}
}

// NoteInput is a chatter note on a sale order. Marker makes it idempotent.
type NoteInput struct {
	OrderID int64  `json:"orderId"`
	Body    string `json:"body"`
	Marker  string `json:"marker"`
	// Retry says the workflow asked for this note before, so an earlier
	// activity may have posted it.
	Retry bool `json:"retry,omitempty"`
}

// PostOrderNote posts a note on the order's chatter, once per marker. It
// looks for the marker first only when the note may exist already (a retry
// of this activity or of the workflow's step): one call otherwise.
func (a *Activities) PostOrderNote(ctx context.Context, in NoteInput) error {
	post := a.Odoo.PostNote
	if !in.Retry && activity.GetInfo(ctx).Attempt <= 1 {
		post = a.Odoo.PostNewNote
	}
	if _, err := post(ctx, "sale.order", in.OrderID, in.Body, in.Marker); err != nil {
		return odooFailure("post note", err)
	}
	return nil
}

// TransactionInput opens (or finds) the order's payment.transaction.
type TransactionInput struct {
	Reference string      `json:"reference"`
	OrderID   int64       `json:"orderId"`
	PartnerID int64       `json:"partnerId"`
	Amount    money.Money `json:"amount"`
	Message   string      `json:"message"`
}

// OpenTransaction finds or creates the order's Afterpay payment.transaction
// and leaves it pending.
func (a *Activities) OpenTransaction(ctx context.Context, in TransactionInput) (int64, error) {
	providerID, methodID, err := a.Odoo.FindAfterpayProvider(ctx)
	if err != nil {
		return 0, odooFailure("find the Afterpay payment provider", err)
	}
	txID, err := a.Odoo.OpenTransaction(ctx, odoo.TransactionSpec{
		Reference: in.Reference, OrderID: in.OrderID, PartnerID: in.PartnerID,
		ProviderID: providerID, PaymentMethodID: methodID, Amount: in.Amount, Operation: "online_redirect",
	}, odoo.TransactionUpdate{State: "pending", Message: in.Message})
	if err != nil {
		return 0, odooFailure("open payment.transaction "+in.Reference+" pending", err)
	}
	return txID, nil
}

// OrderActivityInput asks a person in Odoo to do something about the order,
// by a deadline.
type OrderActivityInput struct {
	OrderID int64 `json:"orderId"`
	// Summary is the activity's title and, with the order, its idempotency
	// key.
	Summary  string    `json:"summary"`
	Note     string    `json:"note"`
	Deadline time.Time `json:"deadline,omitzero"`
}

// ScheduleOrderActivity creates the Odoo activity on the order unless the
// same one is open.
func (a *Activities) ScheduleOrderActivity(ctx context.Context, in OrderActivityInput) error {
	_, err := a.Odoo.ScheduleActivity(ctx, odoo.ActivitySpec{Model: "sale.order", ResID: in.OrderID, Summary: in.Summary, Note: in.Note, Deadline: in.Deadline})
	if err != nil {
		return odooFailure("schedule an activity on the order", err)
	}
	return nil
}

// TransactionStateInput moves a payment.transaction to a new state.
type TransactionStateInput struct {
	TransactionID     int64  `json:"transactionId"`
	State             string `json:"state"`
	Message           string `json:"message"`
	ProviderReference string `json:"providerReference,omitempty"`
}

// SetTransactionState writes the transaction's state; writing the same state
// twice is harmless, so retries are safe.
func (a *Activities) SetTransactionState(ctx context.Context, in TransactionStateInput) error {
	err := a.Odoo.SetTransactionState(ctx, in.TransactionID, odoo.TransactionUpdate{
		State: in.State, Message: in.Message, ProviderReference: in.ProviderReference,
	})
	if err != nil {
		return transactionFailure("set payment.transaction "+in.State, in.TransactionID, err)
	}
	return nil
}

// OrderAfterpayInput is what Odoo users see of the payment on the order
// (its Afterpay tab): the Afterpay order, its status and the instalments.
type OrderAfterpayInput struct {
	OrderID         int64  `json:"orderId"`
	AfterpayOrderID string `json:"afterpayOrderId,omitempty"`
	Status          string `json:"status"`
	Instalments     string `json:"instalments,omitempty"`
}

// SetOrderAfterpay writes the order's Afterpay fields; writing the same
// values twice is harmless.
func (a *Activities) SetOrderAfterpay(ctx context.Context, in OrderAfterpayInput) error {
	err := a.Odoo.SetOrderAfterpay(ctx, in.OrderID, odoo.OrderAfterpay{OrderID: in.AfterpayOrderID, Status: in.Status, Instalments: in.Instalments})
	if err != nil {
		return odooFailure("write the order's Afterpay fields", err)
	}
	return nil
}

// CheckoutInput asks for an Afterpay checkout for an order.
type CheckoutInput struct {
	OrderID   int64  `json:"orderId"`
	OrderName string `json:"orderName"`
	// ReturnURL is where Afterpay sends the customer back (confirm and
	// cancel alike).
	ReturnURL string `json:"returnUrl"`
}

// CheckoutCreated is what the workflow keeps of a new Afterpay checkout, or
// why the order cannot have one.
type CheckoutCreated struct {
	// NotPayable lists why the order cannot be paid with Afterpay, in words
	// the merchant's staff can act on; nothing was sent to Afterpay.
	NotPayable          []string    `json:"notPayable,omitempty"`
	Token               string      `json:"token,omitempty"`
	Expires             time.Time   `json:"expires,omitzero"`
	RedirectCheckoutURL string      `json:"redirectCheckoutUrl,omitempty"`
	Amount              money.Money `json:"amount"`
}

// CreateCheckout reads the whole order, maps and validates it, and creates
// the Afterpay checkout. The customer's details go from Odoo to Afterpay
// without passing through the workflow's history. It moves no money, so a
// retry that creates a second token is harmless: the unused one expires.
func (a *Activities) CreateCheckout(ctx context.Context, in CheckoutInput) (*CheckoutCreated, error) {
	order := a.checkoutOrders.take(in.OrderID, time.Now())
	if order == nil {
		var err error
		if order, err = a.Odoo.ReadSaleOrder(ctx, in.OrderID); err != nil {
			return nil, orderFailure("read sale.order "+in.OrderName, err)
		}
	}
	if order.Name != in.OrderName {
		return nil, temporal.NewNonRetryableApplicationError(
			fmt.Sprintf("sale.order %d is %s, not %s", in.OrderID, order.Name, in.OrderName), ErrTypeOrderNotFound, nil)
	}
	req, err := a.Mapper.Checkout(order, mapping.Settings{RedirectConfirmURL: in.ReturnURL, RedirectCancelURL: in.ReturnURL})
	var notPayable *mapping.NotPayableError
	if errors.As(err, &notPayable) {
		return &CheckoutCreated{NotPayable: notPayable.Reasons, Amount: order.AmountTotal}, nil
	}
	if err != nil {
		return nil, temporal.NewNonRetryableApplicationError("map the order: "+err.Error(), ErrTypeMappingFailed, err)
	}
	c, err := a.Afterpay.CreateCheckout(ctx, req)
	if err != nil {
		return nil, afterpayFailure("create checkout", err)
	}
	return &CheckoutCreated{Token: c.Token, Expires: c.Expires, RedirectCheckoutURL: c.RedirectCheckoutURL, Amount: req.Amount}, nil
}

// PaymentOutcome is what the workflow keeps of an Afterpay payment.
type PaymentOutcome struct {
	OrderID string      `json:"orderId"`
	Status  string      `json:"status"` // APPROVED or DECLINED
	State   string      `json:"paymentState"`
	Amount  money.Money `json:"amount"`
	Created time.Time   `json:"created"`
	// Net is what Afterpay holds of the customer's money: captured less
	// refunded, nothing once reversed.
	Net money.Money `json:"net"`
	// Captured, Refunded and Voided are Afterpay's totals; Voided counts
	// what an expired authorisation released.
	Captured money.Money `json:"captured"`
	Refunded money.Money `json:"refunded"`
	Voided   money.Money `json:"voided"`
	// Refunds are the refunds (voids left out), oldest first.
	Refunds []RefundSeen `json:"refunds,omitempty"`
	// LastCaptureID and LastVoidID are Afterpay's ids of the newest capture
	// and void (or expiry) events.
	LastCaptureID string `json:"lastCaptureId,omitempty"`
	LastVoidID    string `json:"lastVoidId,omitempty"`
	// OpenToCapture is what is authorised and not yet captured or voided
	// (deferred flow), and AuthExpires when Afterpay voids it by itself.
	OpenToCapture money.Money `json:"openToCapture"`
	AuthExpires   time.Time   `json:"authExpires,omitzero"`
}

// RefundSeen is a refund on Afterpay's record of a payment.
type RefundSeen struct {
	RefundID          string      `json:"refundId"`
	Amount            money.Money `json:"amount"`
	At                time.Time   `json:"at"`
	MerchantReference string      `json:"merchantReference,omitempty"`
}

// Approved reports whether Afterpay approved the payment.
func (p *PaymentOutcome) Approved() bool { return p != nil && p.Status == afterpay.StatusApproved }

func outcomeOf(p *afterpay.Payment) *PaymentOutcome {
	cur := p.OriginalAmount.Currency
	out := &PaymentOutcome{OrderID: p.ID, Status: p.Status, State: p.PaymentState, Amount: p.OriginalAmount, Created: p.Created,
		Net: money.Money{Currency: cur}, Captured: p.CapturedAmount(), Refunded: money.Money{Currency: cur},
		Voided: money.Money{Currency: cur}, OpenToCapture: p.OpenToCaptureAmount}
	for _, ev := range p.Events {
		switch ev.Type {
		case afterpay.EventCaptured:
			out.LastCaptureID = ev.ID
		case afterpay.EventVoided, afterpay.EventExpired:
			out.Voided.Minor += ev.Amount.Minor
			out.LastVoidID = ev.ID
		}
	}
	for _, r := range p.RefundsOnly() {
		out.Refunded.Minor += r.Amount.Minor
		out.Refunds = append(out.Refunds, RefundSeen{RefundID: r.RefundID, Amount: r.Amount, At: r.RefundedAt, MerchantReference: r.MerchantReference})
	}
	if p.PaymentState != afterpay.PaymentStateReversed {
		out.Net.Minor = out.Captured.Minor - out.Refunded.Minor
	}
	out.AuthExpires, _ = p.AuthExpiry()
	return out
}

// CaptureInput captures an approved checkout in full (immediate flow).
type CaptureInput struct {
	Token             string `json:"token"`
	MerchantReference string `json:"merchantReference"`
}

// CapturePayment captures the payment. Afterpay makes capture idempotent on
// the token, so a retry after a timeout returns the first attempt's payment.
func (a *Activities) CapturePayment(ctx context.Context, in CaptureInput) (*PaymentOutcome, error) {
	p, err := a.Afterpay.CapturePayment(ctx, &afterpay.CaptureRequest{Token: in.Token, MerchantReference: in.MerchantReference})
	if err != nil {
		return nil, afterpayFailure("capture", err)
	}
	return outcomeOf(p), nil
}

// PaymentLookup says whether a payment exists for a token, and which.
type PaymentLookup struct {
	Found   bool           `json:"found"`
	Payment PaymentOutcome `json:"payment"`
}

// LookupPayment finds the payment made with a checkout token: how the
// workflow learns a capture's fate after the capture's own retries ran out.
func (a *Activities) LookupPayment(ctx context.Context, token string) (*PaymentLookup, error) {
	p, err := a.Afterpay.GetPaymentByToken(ctx, token)
	if afterpay.IsNotFound(err) {
		return &PaymentLookup{}, nil
	}
	if err != nil {
		return nil, afterpayFailure("get payment by token", err)
	}
	return &PaymentLookup{Found: true, Payment: *outcomeOf(p)}, nil
}

// ReversePayment reverses a payment by its token (within 10 minutes of
// the order's creation): no fee, nothing in settlement.
func (a *Activities) ReversePayment(ctx context.Context, token string) error {
	err := a.Afterpay.ReversePaymentByToken(ctx, token)
	if err != nil && afterpay.HasCode(err, afterpay.CodePreconditionFailed) && strings.Contains(err.Error(), "previously processed") {
		// A retry after the first reversal's answer was lost.
		return nil
	}
	if err != nil {
		return afterpayFailure("reverse payment", err)
	}
	return nil
}

// RefundInput refunds part or all of a captured payment. RequestID and
// MerchantReference are derived from the workflow, so a retry replays.
type RefundInput struct {
	OrderID           string      `json:"orderId"`
	Amount            money.Money `json:"amount"`
	RequestID         string      `json:"requestId"`
	MerchantReference string      `json:"merchantReference"`
}

// RefundOutcome identifies a refund.
type RefundOutcome struct {
	RefundID   string    `json:"refundId"`
	RefundedAt time.Time `json:"refundedAt"`
}

// RefundPayment refunds a captured payment.
func (a *Activities) RefundPayment(ctx context.Context, in RefundInput) (*RefundOutcome, error) {
	r, err := a.Afterpay.Refund(ctx, in.OrderID, &afterpay.RefundRequest{
		RequestID: in.RequestID, Amount: in.Amount, MerchantReference: in.MerchantReference,
		RefundMerchantReference: in.MerchantReference,
	})
	if err != nil {
		return nil, afterpayFailure("refund", err)
	}
	return &RefundOutcome{RefundID: r.RefundID, RefundedAt: r.RefundedAt}, nil
}

// AuthoriseInput authorises an approved checkout (deferred flow).
type AuthoriseInput struct {
	Token             string `json:"token"`
	RequestID         string `json:"requestId"`
	MerchantReference string `json:"merchantReference"`
}

// Authorise authorises the payment; Afterpay captures nothing yet. It is
// idempotent on RequestID.
func (a *Activities) Authorise(ctx context.Context, in AuthoriseInput) (*PaymentOutcome, error) {
	p, err := a.Afterpay.Auth(ctx, &afterpay.AuthRequest{Token: in.Token, RequestID: in.RequestID, MerchantReference: in.MerchantReference})
	if err != nil {
		return nil, afterpayFailure("authorise", err)
	}
	return outcomeOf(p), nil
}

// CaptureAmountInput captures part of an authorisation (deferred flow).
type CaptureAmountInput struct {
	OrderID   string      `json:"orderId"`
	Amount    money.Money `json:"amount"`
	RequestID string      `json:"requestId"`
	// EventReference names what is captured for (an invoice); it shows in
	// Afterpay's settlement file.
	EventReference string `json:"eventReference"`
}

// CaptureAmount captures an amount of the authorisation, idempotent on
// RequestID.
func (a *Activities) CaptureAmount(ctx context.Context, in CaptureAmountInput) (*PaymentOutcome, error) {
	p, err := a.Afterpay.CaptureDeferred(ctx, in.OrderID, &afterpay.DeferredCaptureRequest{
		RequestID: in.RequestID, Amount: in.Amount, PaymentEventMerchantReference: in.EventReference,
	})
	if err != nil {
		return nil, afterpayFailure("capture", err)
	}
	return outcomeOf(p), nil
}

// VoidInput releases what is authorised and not captured.
type VoidInput struct {
	OrderID   string      `json:"orderId"`
	Amount    money.Money `json:"amount"`
	RequestID string      `json:"requestId"`
}

// Void voids the amount of the authorisation, idempotent on RequestID.
func (a *Activities) Void(ctx context.Context, in VoidInput) (*PaymentOutcome, error) {
	amount := in.Amount
	p, err := a.Afterpay.Void(ctx, in.OrderID, &afterpay.VoidRequest{RequestID: in.RequestID, Amount: &amount})
	if err != nil {
		return nil, afterpayFailure("void", err)
	}
	return outcomeOf(p), nil
}
