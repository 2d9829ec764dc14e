package activities

import (
	"context"
	"fmt"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"
	"slices"
	"time"

	"github.com/odoo-afterpay/bridge/money"
	"github.com/odoo-afterpay/bridge/odoo"
	"github.com/odoo-afterpay/bridge/odoo/provision"
)

// Invoice is a posted customer invoice of the order, as far as its payment
// is concerned.
type Invoice struct {
	ID       int64       `json:"id"`
	Name     string      `json:"name"`
	Total    money.Money `json:"total"`
	Residual money.Money `json:"residual"`
}

// CreditNote is a posted customer credit note of the order.
type CreditNote struct {
	ID       int64       `json:"id"`
	Name     string      `json:"name"`
	Total    money.Money `json:"total"`
	Residual money.Money `json:"residual"`
	// Ref is the credit note's reference: the Afterpay refund id on those
	// the product makes for refunds made at Afterpay.
	Ref string `json:"ref,omitempty"`
	// Reverses is the invoice it credits, if any.
	Reverses int64 `json:"reverses,omitempty"`
}

// BooksInput asks where the order stands in Odoo's books.
type BooksInput struct {
	OrderID int64 `json:"orderId"`
	// Invoice first invoices (and posts) whatever of the order Odoo can
	// invoice now, by Odoo's own rules (invoicing policies, deliveries,
	// taxes, discounts, delivery lines).
	Invoice bool `json:"invoice,omitempty"`
	// AfterpayOrderID is written on the order's invoices, for finance.
	AfterpayOrderID string `json:"afterpayOrderId,omitempty"`
	// PaymentIDs are the customer payments booked for the order, whose
	// unreconciled amounts are returned.
	PaymentIDs []int64 `json:"paymentIds,omitempty"`
	// CreditNotes asks for the order's posted credit notes too, except
	// those in KnownCreditNotes.
	CreditNotes      bool    `json:"creditNotes,omitempty"`
	KnownCreditNotes []int64 `json:"knownCreditNotes,omitempty"`
	// AwaitMove and AwaitPicking name the record an Odoo webhook reported
	// posted (an invoice or credit note) or done (a transfer). Odoo sends
	// its webhooks before it commits, so until the books show it so, they
	// are read again (a few times, then taken as they are).
	AwaitMove    int64 `json:"awaitMove,omitempty"`
	AwaitPicking int64 `json:"awaitPicking,omitempty"`
}

// ErrTypeOdooNotCommitted: Odoo's books do not show yet what its webhook
// reported; a retry a moment later does.
const ErrTypeOdooNotCommitted = "OdooNotCommitted"

// awaitAttempts bounds how many times ReadBooks waits for a reported
// record: one reset to draft or cancelled meanwhile never shows.
const awaitAttempts = 5

// Books is where the order stands in Odoo's books.
type Books struct {
	// Invoices are the order's posted customer invoices, in id order.
	Invoices []Invoice `json:"invoices"`
	// PaymentsOpen is what of each booked payment is not reconciled yet
	// (Odoo may reconcile on its own: posting an invoice of an order whose
	// transaction has a payment assigns that payment).
	PaymentsOpen map[int64]money.Money `json:"paymentsOpen,omitempty"`
	// CreditNotes are the order's posted credit notes not known yet, in id
	// order (with BooksInput.CreditNotes).
	CreditNotes []CreditNote `json:"creditNotes,omitempty"`
	// PaidOnInvoices is what is paid on the order's posted invoices, and
	// PaidBackOnCreditNotes what is paid back on all its posted credit
	// notes (with BooksInput.CreditNotes): what Odoo shows paid is the
	// difference.
	PaidOnInvoices        money.Money `json:"paidOnInvoices"`
	PaidBackOnCreditNotes money.Money `json:"paidBackOnCreditNotes"`
	// InvoicingHeld: invoicing was asked for and not done, because a credit
	// note was made from the order's invoice lines (OrderCredited).
	InvoicingHeld bool `json:"invoicingHeld,omitempty"`
}

// ReadBooks invoices what can be (with in.Invoice), names the Afterpay
// order on the invoices, and reads the invoices and the booked payments.
// Invoicing nothing is no error, and a retry creates nothing twice. The
// order's moves are read once (twice more when it invoices: the wizard,
// and the books after posting).
func (a *Activities) ReadBooks(ctx context.Context, in BooksInput) (*Books, error) {
	moves, err := a.Odoo.ReadOrderMoves(ctx, in.OrderID)
	if err != nil {
		return nil, odooFailure("read the order's invoices and credit notes", err)
	}
	if activity.GetInfo(ctx).Attempt < awaitAttempts {
		if in.AwaitMove != 0 && moves.MoveState(in.AwaitMove) != "posted" {
			return nil, temporal.NewApplicationError(fmt.Sprintf("Odoo does not show account.move %d posted yet", in.AwaitMove), ErrTypeOdooNotCommitted)
		}
		if in.AwaitPicking != 0 && moves.Pickings[in.AwaitPicking] != "done" {
			return nil, temporal.NewApplicationError(fmt.Sprintf("Odoo does not show stock.picking %d done yet", in.AwaitPicking), ErrTypeOdooNotCommitted)
		}
	}
	held := false
	var drafts []int64
	if in.Invoice {
		if held = moves.Credited(); !held {
			if drafts, err = a.Odoo.InvoiceOrderNow(ctx, in.OrderID, moves); err != nil {
				return nil, odooFailure("invoice the order", err)
			}
			for _, id := range drafts {
				if err := a.Odoo.PostDraftInvoice(ctx, id); err != nil {
					return nil, odooFailure("post the invoice", err)
				}
			}
		}
	}
	switch {
	case in.AfterpayOrderID != "":
		// The invoices just posted, and any other not naming the Afterpay
		// order yet, are named and read back in one call: posting changed
		// them and the payment it matched with them, and nothing else.
		if ids := append(drafts, unnamedInvoices(moves, in.AfterpayOrderID)...); len(ids) > 0 {
			fresh, err := a.Odoo.NameMovesAndRead(ctx, ids, in.AfterpayOrderID)
			if err != nil {
				return nil, odooFailure("write the Afterpay order on the invoices", err)
			}
			moves.Merge(fresh)
		}
	case len(drafts) > 0:
		if moves, err = a.Odoo.ReadOrderMoves(ctx, in.OrderID); err != nil {
			return nil, odooFailure("read the order's invoices", err)
		}
	}
	var posted []int64
	for _, m := range moves.Moves {
		if m.MoveType == "out_invoice" && m.State == "posted" && moves.Linked[m.ID] {
			posted = append(posted, m.ID)
		}
	}
	out := &Books{Invoices: make([]Invoice, 0, len(posted)), InvoicingHeld: held}
	for _, m := range moves.Moves {
		if slices.Contains(posted, m.ID) {
			out.Invoices = append(out.Invoices, Invoice{ID: m.ID, Name: m.Name, Total: m.AmountTotal, Residual: m.AmountResidual})
			out.PaidOnInvoices = addPaid(out.PaidOnInvoices, &m)
		}
	}
	for _, id := range in.PaymentIDs {
		open, ok := moves.PaymentsOpen[id]
		if !ok {
			// Not the payment of one of the order's transactions (a
			// deferred payment's later captures), or not posted.
			if open, err = a.Odoo.PaymentResidual(ctx, id); err != nil {
				return nil, odooFailure("read the booked payment", err)
			}
		}
		if out.PaymentsOpen == nil {
			out.PaymentsOpen = map[int64]money.Money{}
		}
		out.PaymentsOpen[id] = open
	}
	if !in.CreditNotes {
		return out, nil
	}
	for _, m := range moves.Moves {
		if m.MoveType != "out_refund" || m.State != "posted" {
			continue
		}
		out.PaidBackOnCreditNotes = addPaid(out.PaidBackOnCreditNotes, &m)
		if slices.Contains(in.KnownCreditNotes, m.ID) {
			continue
		}
		out.CreditNotes = append(out.CreditNotes, CreditNote{ID: m.ID, Name: m.Name, Total: m.AmountTotal, Residual: m.AmountResidual,
			Ref: m.Ref, Reverses: m.ReversedEntryID})
	}
	return out, nil
}

// unnamedInvoices are the order's posted invoices that do not name the
// Afterpay order yet.
func unnamedInvoices(moves *odoo.OrderMoves, afterpayOrderID string) []int64 {
	var ids []int64
	for _, m := range moves.Moves {
		if m.MoveType == "out_invoice" && m.State == "posted" && moves.Linked[m.ID] && moves.AfterpayOrderIDs[m.ID] != afterpayOrderID {
			ids = append(ids, m.ID)
		}
	}
	return ids
}

// addPaid adds what is paid on move (its total less its residual).
func addPaid(sum money.Money, m *odoo.Move) money.Money {
	if sum.Currency == "" {
		sum.Currency = m.AmountTotal.Currency
	}
	sum.Minor += m.AmountTotal.Minor - m.AmountResidual.Minor
	return sum
}

// BookInput books money captured at Afterpay as the customer's payment in
// Odoo's Afterpay journal.
type BookInput struct {
	PartnerID     int64       `json:"partnerId"`
	Amount        money.Money `json:"amount"`
	Date          time.Time   `json:"date"`
	TransactionID int64       `json:"transactionId"`
	// Memo is the payment's memo and its idempotency key in Odoo.
	Memo string `json:"memo"`
	// Retry says the workflow asked for this booking before, so an earlier
	// activity may have made the payment (it is then looked up by memo).
	Retry bool `json:"retry,omitempty"`
	// FirstOfTransaction: the transaction has no payment yet, and this one
	// becomes its payment.
	FirstOfTransaction bool `json:"firstOfTransaction,omitempty"`
}

// BookPayment books a customer payment (posted, in the Afterpay journal,
// linked to the order's transaction both ways) and returns its id. It
// stays the customer's outstanding credit until ReconcileInvoice matches it
// with invoices. Retries find the payment by its memo.
func (a *Activities) BookPayment(ctx context.Context, in BookInput) (int64, error) {
	journal, err := a.afterpayJournal(ctx)
	if err != nil {
		return 0, err
	}
	id, err := a.Odoo.RegisterCustomerPayment(ctx, odoo.CustomerPaymentSpec{
		PartnerID: in.PartnerID, Amount: in.Amount, Date: in.Date, JournalID: journal, Memo: in.Memo, TransactionID: in.TransactionID,
		New: !in.Retry && activity.GetInfo(ctx).Attempt <= 1, FirstOfTransaction: in.FirstOfTransaction,
	})
	if err != nil {
		return 0, odooFailure("book the Afterpay payment", err)
	}
	return id, nil
}

func (a *Activities) afterpayJournal(ctx context.Context) (int64, error) {
	id, err := a.Odoo.JournalByCode(ctx, provision.DefaultJournalCode)
	if err != nil {
		return 0, odooFailure("find the Afterpay journal", err)
	}
	return id, nil
}

// ReconcileInput matches a booked payment with an invoice.
type ReconcileInput struct {
	PaymentID       int64  `json:"paymentId"`
	InvoiceID       int64  `json:"invoiceId"`
	AfterpayOrderID string `json:"afterpayOrderId"`
}

// Reconciled is what is left on each side after a reconciliation.
type Reconciled struct {
	PaymentResidual money.Money `json:"paymentResidual"`
	InvoiceResidual money.Money `json:"invoiceResidual"`
}

// ReconcileInvoice reconciles the payment with the invoice, as much as
// both allow, writes the Afterpay order on the invoice for finance, and
// says what is left on each side. Reconciling twice is harmless.
func (a *Activities) ReconcileInvoice(ctx context.Context, in ReconcileInput) (*Reconciled, error) {
	if in.AfterpayOrderID != "" {
		if err := a.Odoo.SetMovesAfterpayOrderID(ctx, []int64{in.InvoiceID}, in.AfterpayOrderID); err != nil {
			return nil, odooFailure("write the Afterpay order on the invoice", err)
		}
	}
	if err := a.Odoo.ReconcilePayment(ctx, in.PaymentID, in.InvoiceID); err != nil {
		return nil, odooFailure("reconcile the payment with the invoice", err)
	}
	paymentLeft, err := a.Odoo.PaymentResidual(ctx, in.PaymentID)
	if err != nil {
		return nil, odooFailure("read the payment", err)
	}
	m, err := a.Odoo.ReadMove(ctx, in.InvoiceID)
	if err != nil {
		return nil, odooFailure("read the invoice", err)
	}
	return &Reconciled{PaymentResidual: paymentLeft, InvoiceResidual: m.AmountResidual}, nil
}
