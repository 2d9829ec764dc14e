package activities

import (
	"context"
	"fmt"
	"time"

	"go.temporal.io/sdk/temporal"

	"github.com/odoo-afterpay/bridge/money"
	"github.com/odoo-afterpay/bridge/odoo"
)

// ErrTypeNoInvoiceToCredit: a refund made at Afterpay cannot be recorded
// with a credit note, because the order has no posted invoice that large.
const ErrTypeNoInvoiceToCredit = "NoInvoiceToCredit"

// BookRefundInput records money refunded at Afterpay as the outbound
// payment of a credit note.
type BookRefundInput struct {
	CreditNoteID    int64       `json:"creditNoteId"`
	Amount          money.Money `json:"amount"`
	RefundID        string      `json:"refundId"`
	Date            time.Time   `json:"date"`
	AfterpayOrderID string      `json:"afterpayOrderId"`
}

// refundMemo is the outbound payment's memo and its idempotency key.
func refundMemo(refundID string) string { return "Afterpay refund " + refundID }

// BookRefund registers the refund as an outbound payment in the Afterpay
// journal, reconciled with the credit note (Odoo's payment wizard does
// both), and names the Afterpay order on the credit note. A retry finds
// the payment by its memo.
func (a *Activities) BookRefund(ctx context.Context, in BookRefundInput) (int64, error) {
	journal, err := a.afterpayJournal(ctx)
	if err != nil {
		return 0, err
	}
	if in.AfterpayOrderID != "" {
		if err := a.Odoo.SetMovesAfterpayOrderID(ctx, []int64{in.CreditNoteID}, in.AfterpayOrderID); err != nil {
			return 0, odooFailure("write the Afterpay order on the credit note", err)
		}
	}
	id, err := a.Odoo.RegisterPayment(ctx, in.CreditNoteID, odoo.PaymentSpec{
		Amount: in.Amount, Date: in.Date, JournalID: journal, Memo: refundMemo(in.RefundID),
	})
	if err != nil {
		return 0, odooFailure("register the refund on the credit note", err)
	}
	return id, nil
}

// RecordRefundInput records in Odoo a refund made at Afterpay without a
// credit note (in Afterpay's merchant portal, or by an operator).
type RecordRefundInput struct {
	OrderID         int64       `json:"orderId"`
	RefundID        string      `json:"refundId"`
	Amount          money.Money `json:"amount"`
	Date            time.Time   `json:"date"`
	AfterpayOrderID string      `json:"afterpayOrderId"`
	// Reason is the credit note's reason, e.g. "Refunded at Afterpay".
	Reason string `json:"reason"`
}

// RecordedRefund is the credit note and outbound payment that record a
// refund.
type RecordedRefund struct {
	CreditNoteID   int64  `json:"creditNoteId"`
	CreditNoteName string `json:"creditNoteName"`
	PaymentID      int64  `json:"paymentId"`
}

// RecordRefund records a refund made at Afterpay as Odoo would have it had
// it started there: a posted credit note of the amount on the order's
// newest invoice that is large enough (its reference is the Afterpay refund
// id, which makes it idempotent), and its outbound payment in the Afterpay
// journal.
func (a *Activities) RecordRefund(ctx context.Context, in RecordRefundInput) (*RecordedRefund, error) {
	ids, err := a.Odoo.PostedInvoices(ctx, in.OrderID)
	if err != nil {
		return nil, odooFailure("read the order's invoices", err)
	}
	var invoice *odoo.Move
	// A retry finishes the credit note an earlier attempt made, whichever
	// invoice it credits: a newer invoice may have been posted since.
	if len(ids) > 0 {
		prior, err := a.Odoo.Search(ctx, "account.move", []any{
			[]any{"move_type", "=", "out_refund"}, []any{"ref", "ilike", in.RefundID},
			[]any{"state", "!=", "cancel"}, []any{"reversed_entry_id", "in", anyIDs(ids)},
		}, &odoo.SearchOptions{Limit: 1})
		if err != nil {
			return nil, odooFailure("look up the credit note for Afterpay refund "+in.RefundID, err)
		}
		if len(prior) == 1 {
			credit, err := a.Odoo.ReadMove(ctx, prior[0])
			if err != nil {
				return nil, odooFailure("read the credit note", err)
			}
			if invoice, err = a.Odoo.ReadMove(ctx, credit.ReversedEntryID); err != nil {
				return nil, odooFailure("read invoice", err)
			}
		}
	}
	for i := len(ids) - 1; i >= 0 && invoice == nil; i-- {
		m, err := a.Odoo.ReadMove(ctx, ids[i])
		if err != nil {
			return nil, odooFailure("read invoice", err)
		}
		if m.AmountTotal.Currency == in.Amount.Currency && m.AmountTotal.Minor >= in.Amount.Minor {
			invoice = m
		}
	}
	if invoice == nil {
		return nil, temporal.NewNonRetryableApplicationError(
			fmt.Sprintf("the order has no posted invoice of at least %s to credit", in.Amount), ErrTypeNoInvoiceToCredit, nil)
	}
	amount := in.Amount
	creditID, err := a.Odoo.CreateCreditNote(ctx, invoice.ID, odoo.CreditNoteSpec{Reason: in.Reason, Ref: in.RefundID, Amount: &amount})
	if err != nil {
		return nil, odooFailure("create the credit note for Afterpay refund "+in.RefundID, err)
	}
	credit, err := a.Odoo.ReadMove(ctx, creditID)
	if err != nil {
		return nil, odooFailure("read the credit note", err)
	}
	paymentID, err := a.BookRefund(ctx, BookRefundInput{CreditNoteID: creditID, Amount: in.Amount, RefundID: in.RefundID, Date: in.Date, AfterpayOrderID: in.AfterpayOrderID})
	if err != nil {
		return nil, err
	}
	return &RecordedRefund{CreditNoteID: creditID, CreditNoteName: credit.Name, PaymentID: paymentID}, nil
}

func anyIDs(ids []int64) []any {
	out := make([]any, len(ids))
	for i, id := range ids {
		out[i] = id
	}
	return out
}
