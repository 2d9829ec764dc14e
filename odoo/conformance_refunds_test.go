package odoo_test

import (
	"context"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/odoo-afterpay/bridge/odoo"
)

// Refunds: what the product calls when money goes back to the customer.
// An Afterpay order is paid as the product books it (the capture booked as
// the customer's payment in the Afterpay journal, reconciled with the
// invoice); a refund is a posted credit note of that invoice, made by the
// product (CreateCreditNote with an amount) or by a person with the
// reversal wizard, found by PostedCreditNotes (activities.ReadBooks) and
// paid back by an outbound payment in the Afterpay journal
// (activities.BookRefund: SetMovesAfterpayOrderID, then RegisterPayment
// with the memo "Afterpay refund <id>").

func init() {
	cscenarios = append(cscenarios, cscenario{"refunds", cRefunds})
}

var digitsRE = regexp.MustCompile(`[0-9]`)

// refunds is the scenario's plumbing on top of txBooks.
type refunds struct {
	*txBooks
	order   int64
	orderNm string
	invoice int64
	invName string
	today   string
}

// readMove is everything ReadMove gives, normalised: sequence numbers
// become 9s, the invoice's name and the run's suffix become placeholders,
// ids become labels or comparisons.
func (r *refunds) readMove(id int64) observation {
	r.t.Helper()
	m, err := r.b.c.ReadMove(context.Background(), id)
	require.NoError(r.t, err)
	norm := func(s string) string {
		if r.invName != "" {
			s = strings.ReplaceAll(s, r.invName, "<invoice>")
		}
		return strings.ReplaceAll(s, r.b.run, "RUN")
	}
	reverses := "none"
	if m.ReversedEntryID != 0 {
		reverses = r.labelsOf("account.move", []int64{m.ReversedEntryID})[0]
	}
	return observation{"name": digitsRE.ReplaceAllString(m.Name, "9"), "state": m.State, "type": m.MoveType,
		"payment state": m.PaymentState, "currency": m.Currency, "untaxed": m.AmountUntaxed, "tax": m.AmountTax,
		"total": m.AmountTotal, "residual": m.AmountResidual, "ref": norm(m.Ref), "payment reference": norm(digitsRE.ReplaceAllString(m.PaymentReference, "9")),
		"origin is the order": m.InvoiceOrigin == r.orderNm, "origin": m.InvoiceOrigin != "", "reverses": reverses,
		"partner is ours": m.PartnerID == r.partner, "journal is the invoice's": m.JournalID == r.invoiceJournal(),
		"invoice date is today": !m.InvoiceDate.IsZero() && odoo.FormatDate(m.InvoiceDate) == r.today,
		"invoice date set":      !m.InvoiceDate.IsZero(), "lines": len(m.InvoiceLineIDs)}
}

func (r *refunds) invoiceJournal() int64 {
	r.t.Helper()
	return refID(r.t, readOne(r.t, r.b, "account.move", r.invoice, nil, "journal_id"), "journal_id")
}

// credited is OrderCredited (activities.ReadBooks, before it invoices).
func (r *refunds) credited() bool {
	got, err := r.b.c.OrderCredited(context.Background(), r.order)
	require.NoError(r.t, err)
	return got
}

// creditNotes is PostedCreditNotes, labelled.
func (r *refunds) creditNotes() []string {
	r.t.Helper()
	ids, err := r.b.c.PostedCreditNotes(context.Background(), r.order, []int64{r.invoice})
	require.NoError(r.t, err)
	return r.labelsOf("account.move", ids)
}

// refundPayment is the outbound payment as the product and finance see it.
func (r *refunds) refundPayment(id int64, spec odoo.PaymentSpec) observation {
	r.t.Helper()
	p := readOne(r.t, r.b, "account.payment", id, nil, "state", "is_reconciled", "payment_type", "partner_type", "amount",
		"journal_id", "date", "memo", "partner_id", "reconciled_invoice_ids", "invoice_ids", "payment_transaction_id")
	residual, err := r.b.c.PaymentResidual(context.Background(), id)
	require.NoError(r.t, err)
	return observation{"state": text(r.t, p, "state"), "reconciled": boolean(r.t, p, "is_reconciled"),
		"type": text(r.t, p, "payment_type") + "/" + text(r.t, p, "partner_type"), "amount": amount(r.t, p, "amount"),
		"journal is Afterpay's": refID(r.t, p, "journal_id") == r.journal, "date is the spec's": text(r.t, p, "date") == odoo.FormatDate(spec.Date),
		"memo is the spec's": text(r.t, p, "memo") == spec.Memo, "partner is ours": refID(r.t, p, "partner_id") == r.partner,
		"reconciled moves": r.labelsOf("account.move", ids(r.t, p, "reconciled_invoice_ids")),
		"invoices":         r.labelsOf("account.move", ids(r.t, p, "invoice_ids")),
		"transaction":      refID(r.t, p, "payment_transaction_id") != 0, "residual": residual}
}

// cRefunds: the order paid and reconciled as the product books it; a
// partial credit note made by CreateCreditNote and a full one made with the
// reversal wizard as a person does (reverse, then confirm), found by
// PostedCreditNotes once posted; the refunds paid back by RegisterPayment
// in the Afterpay journal, idempotent by memo, a partial one leaving the
// credit note partly paid; the Afterpay order written on the credit notes;
// what the order can invoice after a full credit note, and what
// CreateInvoices then does.
func cRefunds(t *testing.T, b *cbackend) observation {
	ctx := context.Background()
	b.hooks.take()
	r := &refunds{txBooks: newTxBooks(t, b, "Refunds")}
	obs := observation{}

	// The order, paid as the product books an immediate capture.
	r.order = r.txBooks.order("refunds", 2)
	so, err := b.c.ReadSaleOrder(ctx, r.order)
	require.NoError(t, err)
	r.orderNm = so.Name
	tx := r.transaction(r.order, "refunds", odoo.TxStateDone, cusd(8800))
	capture := r.book("capture", cusd(8800), tx)
	r.deliver(r.order, "2")
	r.invoice = r.txBooks.invoice(r.order)
	r.invName = moveName(t, b, r.invoice)
	require.NoError(t, b.c.ReconcilePayment(ctx, capture, r.invoice))
	r.today = odoo.FormatDate(time.Now())
	if m, err := b.c.ReadMove(ctx, r.invoice); err == nil {
		r.today = odoo.FormatDate(m.InvoiceDate) // the server's today
	}
	obs["invoice paid"] = r.readMove(r.invoice)
	require.Equal(t, "paid", obs["invoice paid"].(observation)["payment state"])
	obs["capture"] = r.payment(capture)
	obs["credit notes before any"] = r.creditNotes()
	require.Empty(t, obs["credit notes before any"])
	obs["order credited before any"] = r.credited()
	require.Equal(t, false, obs["order credited before any"])

	// A partial credit note by the product: 20.00 of the 88.00.
	part := cusd(2000)
	partSpec := odoo.CreditNoteSpec{Ref: b.ref("CONF-RF-PART"), Amount: &part}
	partial, err := b.c.CreateCreditNote(ctx, r.invoice, partSpec)
	require.NoError(t, err)
	again, err := b.c.CreateCreditNote(ctx, r.invoice, partSpec)
	require.NoError(t, err)
	require.Equal(t, partial, again, "CreateCreditNote is idempotent by its ref")
	r.labelMove(partial, "partial credit note")
	obs["partial credit note"] = r.readMove(partial)
	require.Equal(t, cusd(2000), obs["partial credit note"].(observation)["total"])
	require.Equal(t, "posted", obs["partial credit note"].(observation)["state"])
	obs["invoice after the partial credit note"] = r.readMove(r.invoice)
	obs["credit notes after the partial one"] = r.creditNotes()
	require.Equal(t, []string{"partial credit note"}, obs["credit notes after the partial one"])
	obs["order credited after the partial one"] = r.credited()
	require.Equal(t, false, obs["order credited after the partial one"], "CreateCreditNote's single line is not the order's")

	// A full credit note, as a person makes it: the reversal wizard's
	// "Reverse" (a draft), then "Confirm".
	wizCtx := map[string]any{"active_model": "account.move", "active_ids": []any{r.invoice}, "active_id": r.invoice}
	wiz, err := b.c.Create(ctx, "account.move.reversal", map[string]any{"reason": "Returned in full", "journal_id": r.invoiceJournal()}, wizCtx)
	require.NoError(t, err)
	res, err := b.c.CallMethod(ctx, "account.move.reversal", "refund_moves", []int64{wiz}, map[string]any{"context": wizCtx})
	require.NoError(t, err)
	action, _ := res.(map[string]any)
	full, _ := action["res_id"].(int64)
	require.NotZero(t, full, "refund_moves answers the credit note's form: %v", res)
	r.labels["account.move"][full] = "full credit note"
	obs["refund_moves answers"] = observation{"type": action["type"], "res_model": action["res_model"], "view_mode": action["view_mode"]}
	obs["full credit note, draft"] = r.readMove(full)
	obs["credit notes with a draft"] = r.creditNotes()
	require.Equal(t, []string{"partial credit note"}, obs["credit notes with a draft"], "drafts are left out")
	obs["order credited by the draft"] = r.credited()
	require.Equal(t, true, obs["order credited by the draft"], "the wizard's credit note is made from the invoice's lines")
	_, err = b.c.CallMethod(ctx, "account.move", "action_post", []int64{full}, nil)
	obs["action_post on the credit note"] = faultOf(err)
	r.labelMove(full, "full credit note")
	obs["full credit note"] = r.readMove(full)
	require.Equal(t, cusd(8800), obs["full credit note"].(observation)["total"])
	obs["invoice after the full credit note"] = r.readMove(r.invoice)
	obs["credit notes"] = r.creditNotes()
	require.Equal(t, []string{"partial credit note", "full credit note"}, obs["credit notes"])
	obs["order credited"] = r.credited()
	order, err := b.c.ReadSaleOrder(ctx, r.order)
	require.NoError(t, err)
	obs["order's invoices"] = r.labelsOf("account.move", order.InvoiceIDs)
	posted, err := b.c.PostedInvoices(ctx, r.order)
	require.NoError(t, err)
	obs["posted invoices"] = r.labelsOf("account.move", posted)

	// BookRefund: the Afterpay order on the credit note, then its outbound
	// payment in the Afterpay journal, twice.
	apID := b.ref("AP-REFUNDS")
	require.NoError(t, b.c.SetMovesAfterpayOrderID(ctx, []int64{partial, full}, apID))
	require.NoError(t, b.c.SetMovesAfterpayOrderID(ctx, []int64{partial, full}, apID))
	for _, id := range []int64{partial, full} {
		m := readOne(t, b, "account.move", id, nil, "state", odoo.FieldAfterpayOrderID)
		obs["Afterpay order on the "+r.labels["account.move"][id]] = text(t, m, odoo.FieldAfterpayOrderID) == apID
	}
	date := time.Now().AddDate(0, 0, -1)
	partSpecPay := odoo.PaymentSpec{Amount: cusd(2000), Date: date, JournalID: r.journal, Memo: "Afterpay refund " + b.ref("RF-PART")}
	refund, err := b.c.RegisterPayment(ctx, partial, partSpecPay)
	require.NoError(t, err)
	refundAgain, err := b.c.RegisterPayment(ctx, partial, partSpecPay)
	require.NoError(t, err)
	require.Equal(t, refund, refundAgain, "RegisterPayment is idempotent by its memo")
	r.labels["account.payment"][refund] = "refund of the partial credit note"
	obs["payments with the partial refund's memo"] = count(t, b, "account.payment", []any{"memo", "=", partSpecPay.Memo})
	obs["refund of the partial credit note"] = r.refundPayment(refund, partSpecPay)
	require.Equal(t, "outbound/customer", obs["refund of the partial credit note"].(observation)["type"])
	obs["partial credit note refunded"] = r.readMove(partial)
	require.Equal(t, cusd(0), obs["partial credit note refunded"].(observation)["residual"])

	// A refund smaller than the credit note: partly paid; the rest later.
	someSpec := odoo.PaymentSpec{Amount: cusd(3000), Date: date, JournalID: r.journal, Memo: "Afterpay refund " + b.ref("RF-FULL-1")}
	some, err := b.c.RegisterPayment(ctx, full, someSpec)
	require.NoError(t, err)
	someAgain, err := b.c.RegisterPayment(ctx, full, someSpec)
	require.NoError(t, err)
	require.Equal(t, some, someAgain)
	obs["first refund of the full credit note"] = r.refundPayment(some, someSpec)
	require.Equal(t, "in_process", obs["first refund of the full credit note"].(observation)["state"], "paid once its credit note is")
	obs["full credit note partly refunded"] = r.readMove(full)
	require.Equal(t, "partial", obs["full credit note partly refunded"].(observation)["payment state"])
	require.Equal(t, cusd(5800), obs["full credit note partly refunded"].(observation)["residual"])
	restSpec := odoo.PaymentSpec{Amount: cusd(5800), Date: date, JournalID: r.journal, Memo: "Afterpay refund " + b.ref("RF-FULL-2")}
	rest, err := b.c.RegisterPayment(ctx, full, restSpec)
	require.NoError(t, err)
	obs["second refund of the full credit note"] = r.refundPayment(rest, restSpec)
	obs["first refund of the full credit note, after the second"] = r.refundPayment(some, someSpec)
	require.Equal(t, "paid", obs["first refund of the full credit note, after the second"].(observation)["state"])
	obs["full credit note refunded"] = r.readMove(full)
	require.Equal(t, cusd(0), obs["full credit note refunded"].(observation)["residual"])
	_, err = b.c.RegisterPayment(ctx, full, odoo.PaymentSpec{Amount: cusd(100), Date: date, JournalID: r.journal,
		Memo: "Afterpay refund " + b.ref("RF-FULL-3")})
	f := faultOf(err)
	if msg, ok := f["message"].(string); ok {
		f["message"] = firstLine(msg)
	}
	obs["refund of a refunded credit note"] = f

	// What ReadBooks reads afterwards.
	obs["capture at the end"] = r.payment(capture)
	obs["invoice at the end"] = r.readMove(r.invoice)
	obs["credit notes at the end"] = r.creditNotes()
	obs["transaction at the end"] = r.tx(tx)
	obs["invoicing after a full credit note"] = b.invoicing(t, r.order, map[int64]string{r.lamp: "lamp"})
	obs["order"] = orderStatus(t, b, r.order)
	// ReadBooks with Invoice runs CreateInvoices: after a full credit note
	// made from the order's invoice, Odoo invoices the credited quantities
	// again (a new invoice, nothing left to pay it with).
	reinvoiced, err := b.c.CreateInvoices(ctx, r.order)
	require.NoError(t, err)
	obs["CreateInvoices after a full credit note"] = b.moveTotals(t, reinvoiced)
	return obs
}
