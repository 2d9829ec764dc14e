package activities

import (
	"context"
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
}

// Books is where the order stands in Odoo's books.
type Books struct {
	// Invoices are the order's posted customer invoices, in id order.
	Invoices []Invoice `json:"invoices"`
	// PaymentsOpen is what of each booked payment is not reconciled yet
	// (Odoo may reconcile on its own: posting an invoice of an order whose
	// transaction has a payment assigns that payment).
	PaymentsOpen map[int64]money.Money `json:"paymentsOpen,omitempty"`
}

// ReadBooks invoices what can be (with in.Invoice), names the Afterpay
// order on the invoices, and reads the invoices and the booked payments.
// Invoicing nothing is no error, and a retry creates nothing twice.
func (a *Activities) ReadBooks(ctx context.Context, in BooksInput) (*Books, error) {
	if in.Invoice {
		if _, err := a.Odoo.CreateInvoices(ctx, in.OrderID); err != nil {
			return nil, odooFailure("invoice the order", err)
		}
	}
	ids, err := a.Odoo.PostedInvoices(ctx, in.OrderID)
	if err != nil {
		return nil, odooFailure("read the order's invoices", err)
	}
	if in.AfterpayOrderID != "" && len(ids) > 0 {
		if err := a.Odoo.SetMovesAfterpayOrderID(ctx, ids, in.AfterpayOrderID); err != nil {
			return nil, odooFailure("write the Afterpay order on the invoices", err)
		}
	}
	out := &Books{Invoices: make([]Invoice, 0, len(ids))}
	for _, id := range ids {
		m, err := a.Odoo.ReadMove(ctx, id)
		if err != nil {
			return nil, odooFailure("read invoice", err)
		}
		out.Invoices = append(out.Invoices, Invoice{ID: id, Name: m.Name, Total: m.AmountTotal, Residual: m.AmountResidual})
	}
	for _, id := range in.PaymentIDs {
		open, err := a.Odoo.PaymentResidual(ctx, id)
		if err != nil {
			return nil, odooFailure("read the booked payment", err)
		}
		if out.PaymentsOpen == nil {
			out.PaymentsOpen = map[int64]money.Money{}
		}
		out.PaymentsOpen[id] = open
	}
	return out, nil
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
	})
	if err != nil {
		return 0, odooFailure("book the Afterpay payment", err)
	}
	return id, nil
}

func (a *Activities) afterpayJournal(ctx context.Context) (int64, error) {
	journals, err := a.Odoo.Search(ctx, "account.journal", []any{[]any{"code", "=", provision.DefaultJournalCode}}, &odoo.SearchOptions{Limit: 1})
	if err != nil {
		return 0, odooFailure("find the Afterpay journal", err)
	}
	if len(journals) == 0 {
		return 0, odooFailure("find the Afterpay journal", odoo.ErrNotFound)
	}
	return journals[0], nil
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
