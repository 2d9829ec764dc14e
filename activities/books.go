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

// CreateInvoices invoices (and posts) whatever of the order Odoo can
// invoice now, by Odoo's own rules (invoicing policies, deliveries,
// taxes, discounts, delivery lines), and returns the order's posted
// customer invoices. Invoicing nothing is no error. A retry creates
// nothing twice.
func (a *Activities) CreateInvoices(ctx context.Context, orderID int64) ([]Invoice, error) {
	if _, err := a.Odoo.CreateInvoices(ctx, orderID); err != nil {
		return nil, odooFailure("invoice the order", err)
	}
	return a.OrderInvoices(ctx, orderID)
}

// OrderInvoices returns the order's posted customer invoices, in id order.
func (a *Activities) OrderInvoices(ctx context.Context, orderID int64) ([]Invoice, error) {
	ids, err := a.Odoo.PostedInvoices(ctx, orderID)
	if err != nil {
		return nil, odooFailure("read the order's invoices", err)
	}
	out := make([]Invoice, 0, len(ids))
	for _, id := range ids {
		m, err := a.Odoo.ReadMove(ctx, id)
		if err != nil {
			return nil, odooFailure("read invoice", err)
		}
		out = append(out, Invoice{ID: id, Name: m.Name, Total: m.AmountTotal, Residual: m.AmountResidual})
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
