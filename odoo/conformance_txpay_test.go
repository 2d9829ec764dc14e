package odoo_test

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/odoo-afterpay/bridge/money"
	"github.com/odoo-afterpay/bridge/odoo"
	"github.com/odoo-afterpay/bridge/odoo/provision"
)

// Odoo assigns a transaction's payment to the invoices it posts: the
// invoicing wizard links the order's transactions to each new invoice
// (sale.order._prepare_invoice: pending and authorized ones, done ones
// whose payment is not fully reconciled yet) and sale's account.move._post
// hands the in_process payments of those transactions (transaction_ids.
// payment_id, newest transaction first) to js_assign_outstanding_line. The
// product books its capture as such a payment (RegisterCustomerPayment),
// so CreateInvoices may leave the invoice paid before ReconcilePayment
// runs. Each reconciliation that pays an invoice of an order also logs
// "Invoice <name> paid" on the order (sale's _invoice_paid_hook).

func init() {
	cscenarios = append(cscenarios,
		cscenario{"transaction payment on invoicing", cTxPayment},
		cscenario{"transaction payment, partial deliveries", cTxPaymentDeliveries},
		cscenario{"transaction payments, deferred", cTxPaymentDeferred},
	)
}

// txBooks is the scenarios' shared plumbing: the Afterpay provider and
// journal, labels for ids and names, the order's lamp.
type txBooks struct {
	t                *testing.T
	b                *cbackend
	provider, method int64
	journal, partner int64
	lamp             int64
	// labels per model: ids differ between the servers.
	labels        map[string]map[int64]string
	names         map[string]string
	invoiceNumber int
}

func newTxBooks(t *testing.T, b *cbackend, who string) *txBooks {
	t.Helper()
	ctx := context.Background()
	provider, method, err := b.c.FindAfterpayProvider(ctx)
	require.NoError(t, err)
	journals, err := b.c.Search(ctx, "account.journal", []any{[]any{"code", "=", provision.DefaultJournalCode}}, nil)
	require.NoError(t, err)
	require.Len(t, journals, 1)
	x := &txBooks{t: t, b: b, provider: provider, method: method, journal: journals[0],
		labels: map[string]map[int64]string{"payment.transaction": {}, "account.payment": {}, "account.move": {}}, names: map[string]string{}}
	x.partner = b.customer(t, "Conformance "+who, nil)
	// 40.00 + 10 % tax = 44.00 a lamp, invoiced on delivery.
	x.lamp = b.product(t, "Conformance "+who+" Lamp", "CONF-"+strings.ToUpper(strings.ReplaceAll(who, " ", ""))+"-LAMP", cusd(4000), "consu", "delivery", b.tax10)
	return x
}

// order creates and confirms an Afterpay order of qty lamps.
func (x *txBooks) order(label string, qty int64) int64 {
	x.t.Helper()
	return x.b.afterpayOrder(x.t, x.partner, "CONF-TXP-"+strings.ToUpper(label), 0, false, cline{product: x.lamp, qty: qty})
}

// transaction creates the order's transaction in state.
func (x *txBooks) transaction(order int64, label, state string, amount money.Money) int64 {
	x.t.Helper()
	ctx := context.Background()
	tx, err := x.b.c.EnsureTransaction(ctx, odoo.TransactionSpec{Reference: x.b.ref("CONF-TXP-" + strings.ToUpper(label)), OrderID: order,
		PartnerID: x.partner, ProviderID: x.provider, PaymentMethodID: x.method, Amount: amount, ProviderReference: x.b.ref("AP-" + label)})
	require.NoError(x.t, err)
	require.NoError(x.t, x.b.c.SetTransactionState(ctx, tx, odoo.TransactionUpdate{State: state}))
	x.labels["payment.transaction"][tx] = label
	return tx
}

// book books a customer payment linked to tx (if not 0), as the product
// books an Afterpay capture.
func (x *txBooks) book(label string, amount money.Money, tx int64) int64 {
	x.t.Helper()
	id, err := x.b.c.RegisterCustomerPayment(context.Background(), odoo.CustomerPaymentSpec{PartnerID: x.partner, Amount: amount,
		JournalID: x.journal, Memo: x.b.ref("Afterpay TXP " + label), TransactionID: tx})
	require.NoError(x.t, err)
	x.labels["account.payment"][id] = label
	return id
}

// deliver validates the order's open delivery with qty lamps (a backorder
// for the rest).
func (x *txBooks) deliver(order int64, qty string) {
	x.t.Helper()
	ctx := context.Background()
	pickings, err := x.b.c.OrderPickings(ctx, order)
	require.NoError(x.t, err)
	open := pickings[len(pickings)-1]
	require.Equal(x.t, "assigned", open.State)
	require.Len(x.t, open.Moves, 1)
	_, err = x.b.c.ValidatePicking(ctx, open.ID, map[int64]string{open.Moves[0].ID: qty}, true)
	require.NoError(x.t, err)
}

// invoice runs CreateInvoices (which posts) and labels the one invoice.
func (x *txBooks) invoice(order int64) int64 {
	x.t.Helper()
	invoices, err := x.b.c.CreateInvoices(context.Background(), order)
	require.NoError(x.t, err)
	require.Len(x.t, invoices, 1)
	x.invoiceNumber++
	label := fmt.Sprintf("invoice %d", x.invoiceNumber)
	x.labelMove(invoices[0], label)
	return invoices[0]
}

func (x *txBooks) labelMove(id int64, label string) {
	x.t.Helper()
	x.labels["account.move"][id] = label
	x.names[moveName(x.t, x.b, id)] = label
}

func (x *txBooks) labelsOf(model string, ids []int64) []string {
	out := []string{}
	for _, id := range ids {
		l, ok := x.labels[model][id]
		if !ok {
			l = "unknown"
		}
		out = append(out, l)
	}
	return out
}

// move is what an invoice or credit note says about its payment, with the
// transactions linked to it.
func (x *txBooks) move(id int64) observation {
	x.t.Helper()
	m, err := x.b.c.ReadMove(context.Background(), id)
	require.NoError(x.t, err)
	r := readOne(x.t, x.b, "account.move", id, nil, "transaction_ids")
	return observation{"type": m.MoveType, "state": m.State, "payment state": m.PaymentState, "total": m.AmountTotal,
		"residual": m.AmountResidual, "transactions": x.labelsOf("payment.transaction", ids(x.t, r, "transaction_ids"))}
}

// payment is what is left of a booked payment and what it paid.
func (x *txBooks) payment(id int64) observation {
	x.t.Helper()
	residual, err := x.b.c.PaymentResidual(context.Background(), id)
	require.NoError(x.t, err)
	p := readOne(x.t, x.b, "account.payment", id, nil, "state", "is_reconciled", "reconciled_invoice_ids", "payment_transaction_id")
	return observation{"residual": residual, "state": text(x.t, p, "state"), "reconciled": boolean(x.t, p, "is_reconciled"),
		"invoices":    x.labelsOf("account.move", ids(x.t, p, "reconciled_invoice_ids")),
		"transaction": x.labelsOf("payment.transaction", []int64{refID(x.t, p, "payment_transaction_id")})[0]}
}

// booksPayments is what ReadOrderMoves reads open of the order's
// transactions' payments, by payment label; each must equal what
// PaymentResidual reads of the payment itself.
func (x *txBooks) booksPayments(order int64) observation {
	x.t.Helper()
	moves, err := x.b.c.ReadOrderMoves(context.Background(), order)
	require.NoError(x.t, err)
	out := observation{}
	for id, open := range moves.PaymentsOpen {
		residual, err := x.b.c.PaymentResidual(context.Background(), id)
		require.NoError(x.t, err)
		require.Equal(x.t, residual, open, "the order's books and the payment agree on what is open")
		out[x.labelsOf("account.payment", []int64{id})[0]] = open
	}
	return out
}

// transaction is the transaction's payment and invoices as ReadTransaction
// gives them.
func (x *txBooks) tx(id int64) observation {
	x.t.Helper()
	tx, err := x.b.c.ReadTransaction(context.Background(), id)
	require.NoError(x.t, err)
	payment := "none"
	if tx.PaymentID != 0 {
		payment = x.labelsOf("account.payment", []int64{tx.PaymentID})[0]
	}
	return observation{"state": tx.State, "payment": payment, "invoices": x.labelsOf("account.move", tx.InvoiceIDs)}
}

var paidNoteRE = regexp.MustCompile(`^<p>Invoice (.+) paid</p>$`)

// paidNotes lists the "Invoice <name> paid" notes on the order, oldest
// first, names replaced by labels.
func (x *txBooks) paidNotes(order int64) []string {
	x.t.Helper()
	recs, err := x.b.c.SearchRead(context.Background(), "mail.message", []any{[]any{"model", "=", "sale.order"}, []any{"res_id", "=", order}},
		[]string{"body", "message_type"}, &odoo.SearchOptions{Order: "id asc"})
	require.NoError(x.t, err)
	out := []string{}
	for _, r := range recs {
		if m := paidNoteRE.FindStringSubmatch(text(x.t, r, "body")); m != nil {
			name, ok := x.names[m[1]]
			if !ok {
				name = "unknown"
			}
			out = append(out, text(x.t, r, "message_type")+": "+name+" paid")
		}
	}
	return out
}

// cTxPayment: the whole order booked as the payment of its done
// transaction, then invoiced: Odoo reconciles the invoice with the payment
// as it posts it; ReconcilePayment afterwards changes nothing. A payment
// smaller than the invoice leaves it partly paid; a credit note of an
// invoice already paid stays open, one for the rest of a partly paid
// invoice pays both. Without a transaction (or with a draft one) nothing
// is assigned.
func cTxPayment(t *testing.T, b *cbackend) observation {
	ctx := context.Background()
	b.hooks.take()
	x := newTxBooks(t, b, "Tx Payment")
	obs := observation{}

	order := x.order("whole", 2)
	tx := x.transaction(order, "whole", odoo.TxStateDone, cusd(8800))
	pay := x.book("whole", cusd(8800), tx)
	obs["transaction booked"] = x.tx(tx)
	x.deliver(order, "2")
	inv := x.invoice(order)
	obs["invoice"] = x.move(inv)
	obs["payment after invoicing"] = x.payment(pay)
	obs["transaction after invoicing"] = x.tx(tx)
	obs["payments open in the order's books"] = x.booksPayments(order)
	named, err := b.c.NameMovesAndRead(ctx, []int64{inv}, b.ref("AP-TXP-WHOLE"))
	require.NoError(t, err)
	residual, err := b.c.PaymentResidual(ctx, pay)
	require.NoError(t, err)
	require.Equal(t, map[int64]money.Money{pay: residual}, named.PaymentsOpen, "the invoice's transaction's payment, read back with it")
	require.Equal(t, "paid", obs["invoice"].(observation)["payment state"], "Odoo assigns the transaction's payment on posting")
	require.Equal(t, cusd(0), obs["payment after invoicing"].(observation)["residual"])
	require.NoError(t, b.c.ReconcilePayment(ctx, pay, inv), "already reconciled: nothing to do")
	obs["invoice after ReconcilePayment"] = x.move(inv)
	obs["paid notes"] = x.paidNotes(order)

	credit, err := b.c.CreateCreditNote(ctx, inv, odoo.CreditNoteSpec{Ref: b.ref("CONF-TXP-R1")})
	require.NoError(t, err)
	x.labelMove(credit, "credit note 1")
	obs["credit note of the paid invoice"] = x.move(credit)
	obs["invoice after its credit note"] = x.move(inv)
	// The reversal wizard logs on the invoice it reverses.
	obs["reversal notes on the invoice"] = count(t, b, "mail.message", []any{"model", "=", "account.move"}, []any{"res_id", "=", inv},
		[]any{"body", "like", ">reversed</a>"})

	// A smaller payment: the invoice stays partly paid; a credit note for
	// the rest pays both.
	small := x.order("small", 2)
	smallTx := x.transaction(small, "small", odoo.TxStateDone, cusd(8800))
	smallPay := x.book("small", cusd(5000), smallTx)
	x.deliver(small, "2")
	smallInv := x.invoice(small)
	obs["invoice with a smaller payment"] = x.move(smallInv)
	obs["smaller payment"] = x.payment(smallPay)
	obs["smaller payment in the order's books"] = x.booksPayments(small)
	require.Equal(t, cusd(3800), obs["invoice with a smaller payment"].(observation)["residual"])
	rest := cusd(3800)
	credit2, err := b.c.CreateCreditNote(ctx, smallInv, odoo.CreditNoteSpec{Ref: b.ref("CONF-TXP-R2"), Amount: &rest})
	require.NoError(t, err)
	x.labelMove(credit2, "credit note 2")
	obs["credit note for the rest"] = x.move(credit2)
	obs["partly paid invoice after the credit note"] = x.move(smallInv)
	obs["paid notes with a smaller payment"] = x.paidNotes(small)

	// A draft transaction is not linked to the invoice: the payment stays
	// the customer's credit until ReconcilePayment.
	draft := x.order("draft", 1)
	draftTx := x.transaction(draft, "draft", odoo.TxStateDraft, cusd(4400))
	draftPay := x.book("draft", cusd(4400), draftTx)
	x.deliver(draft, "1")
	draftInv := x.invoice(draft)
	obs["invoice with a draft transaction"] = x.move(draftInv)
	obs["payment of the draft transaction"] = x.payment(draftPay)
	require.NoError(t, b.c.ReconcilePayment(ctx, draftPay, draftInv))
	obs["invoice with a draft transaction, reconciled"] = x.move(draftInv)

	// Two done transactions, each with its payment: the newest
	// transaction's payment is assigned first.
	two := x.order("two", 3)
	older := x.transaction(two, "older", odoo.TxStateDone, cusd(8800))
	newer := x.transaction(two, "newer", odoo.TxStateDone, cusd(4400))
	newerPay := x.book("newer", cusd(4400), newer)
	olderPay := x.book("older", cusd(8800), older)
	x.deliver(two, "2")
	twoInv := x.invoice(two)
	obs["invoice of two transactions"] = x.move(twoInv)
	obs["older transaction's payment"] = x.payment(olderPay)
	obs["newer transaction's payment"] = x.payment(newerPay)
	obs["two payments in the order's books"] = x.booksPayments(two)
	require.Equal(t, cusd(0), obs["newer transaction's payment"].(observation)["residual"])
	return obs
}

// cTxPaymentDeliveries: an order delivered in two parts, its whole amount
// booked on its done transaction: each invoice is paid from the payment as
// it is posted. A payment covering only the first invoice is used up by
// it, and the second invoice gets no transaction at all.
func cTxPaymentDeliveries(t *testing.T, b *cbackend) observation {
	b.hooks.take()
	x := newTxBooks(t, b, "Tx Deliveries")
	obs := observation{}

	order := x.order("parts", 3)
	tx := x.transaction(order, "parts", odoo.TxStateDone, cusd(13200))
	pay := x.book("parts", cusd(13200), tx)
	x.deliver(order, "1")
	first := x.invoice(order)
	obs["first invoice"] = x.move(first)
	obs["payment after the first invoice"] = x.payment(pay)
	require.Equal(t, cusd(8800), obs["payment after the first invoice"].(observation)["residual"])
	x.deliver(order, "2")
	second := x.invoice(order)
	obs["second invoice"] = x.move(second)
	obs["payment after the second invoice"] = x.payment(pay)
	require.Equal(t, cusd(0), obs["payment after the second invoice"].(observation)["residual"])
	obs["transaction"] = x.tx(tx)
	obs["order"] = orderStatus(t, b, order)
	obs["paid notes"] = x.paidNotes(order)

	short := x.order("short", 3)
	shortTx := x.transaction(short, "short", odoo.TxStateDone, cusd(13200))
	shortPay := x.book("short", cusd(8800), shortTx)
	x.deliver(short, "2")
	obs["first invoice, payment used up"] = x.move(x.invoice(short))
	obs["payment used up"] = x.payment(shortPay)
	x.deliver(short, "1")
	last := x.invoice(short)
	obs["second invoice, payment used up"] = x.move(last)
	require.Equal(t, "not_paid", obs["second invoice, payment used up"].(observation)["payment state"])
	obs["transaction, payment used up"] = x.tx(shortTx)
	return obs
}

// cTxPaymentDeferred: deferred capture. A pending transaction is linked to
// every invoice, but only its payment_id (the first payment booked on it)
// is assigned; later payments only name the transaction
// (payment_transaction_id) and wait for ReconcilePayment. Once the
// transaction is done and its payment used up, new invoices get no
// transaction.
func cTxPaymentDeferred(t *testing.T, b *cbackend) observation {
	ctx := context.Background()
	b.hooks.take()
	x := newTxBooks(t, b, "Tx Deferred")
	obs := observation{}

	// The product's order: invoice, capture, book, mark done, reconcile.
	order := x.order("deferred", 3)
	tx := x.transaction(order, "deferred", odoo.TxStatePending, cusd(13200))
	x.deliver(order, "1")
	first := x.invoice(order)
	obs["first invoice, nothing booked"] = x.move(first)
	p1 := x.book("capture 1", cusd(4400), tx)
	require.NoError(t, b.c.SetTransactionState(ctx, tx, odoo.TransactionUpdate{State: odoo.TxStateDone}))
	require.NoError(t, b.c.ReconcilePayment(ctx, p1, first))
	obs["first invoice reconciled"] = x.move(first)
	obs["transaction after the first capture"] = x.tx(tx)
	x.deliver(order, "2")
	second := x.invoice(order)
	obs["second invoice"] = x.move(second)
	p2 := x.book("capture 2", cusd(8800), tx)
	obs["transaction after the second capture"] = x.tx(tx)
	obs["second payment before reconciling"] = x.payment(p2)
	require.NoError(t, b.c.ReconcilePayment(ctx, p2, second))
	obs["second invoice reconciled"] = x.move(second)
	obs["second payment"] = x.payment(p2)

	// Payments booked on a pending transaction before invoicing: the first
	// is assigned, the second is not.
	early := x.order("early", 2)
	earlyTx := x.transaction(early, "early", odoo.TxStatePending, cusd(8800))
	e1 := x.book("early 1", cusd(3000), earlyTx)
	e2 := x.book("early 2", cusd(3000), earlyTx)
	obs["pending transaction with two payments"] = x.tx(earlyTx)
	x.deliver(early, "2")
	inv := x.invoice(early)
	obs["invoice of a pending transaction"] = x.move(inv)
	obs["pending transaction's payment"] = x.payment(e1)
	obs["second payment on the pending transaction"] = x.payment(e2)
	require.Equal(t, cusd(5800), obs["invoice of a pending transaction"].(observation)["residual"])
	require.NoError(t, b.c.ReconcilePayment(ctx, e2, inv))
	obs["invoice after reconciling the second payment"] = x.move(inv)
	obs["paid notes"] = x.paidNotes(early)
	return obs
}
