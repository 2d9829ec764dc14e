package odoo_test

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/odoo-afterpay/bridge/odoo"
)

// Reconciliation: what workflows.Reconciliation reads of Odoo to compare
// it with Afterpay and the payment workflows (activities.ReadOdooAfterpay):
// the confirmed Afterpay orders of a period and the orders it names, their
// Afterpay transactions, and the payments in the Afterpay journal with the
// Afterpay order or refund their memo names. Then a person resets the
// booked capture to draft, edits its amount and posts it again, as the
// reconciliation's drift test does.

func init() {
	cscenarios = append(cscenarios, cscenario{"reconciliation reads", cReconcile})
}

// reconcileLabels names what the scenario made; records of other scenarios
// that a window also selects are left out of the observation.
type reconcileLabels struct {
	*txBooks
	orders map[int64]string
	apIDs  map[string]string
}

func (r *reconcileLabels) ap(id string) string {
	if l, ok := r.apIDs[id]; ok {
		return l
	}
	if id == "" {
		return ""
	}
	return "unknown"
}

func (r *reconcileLabels) orderList(orders []odoo.AfterpayOrder) []observation {
	out := []observation{}
	for _, o := range orders {
		label, ok := r.orders[o.ID]
		if !ok {
			continue // another scenario's order in the same window
		}
		out = append(out, observation{"order": label, "state": o.State, "afterpay": o.IsAfterpay, "afterpay order": r.ap(o.AfterpayOrderID),
			"total": o.Total, "dated": !o.DateOrder.IsZero()})
	}
	return out
}

func (r *reconcileLabels) paymentList(payments []odoo.JournalPayment) []observation {
	out := []observation{}
	for _, p := range payments {
		label, ok := r.labels["account.payment"][p.ID]
		if !ok {
			continue
		}
		out = append(out, observation{"payment": label, "inbound": p.Inbound, "amount": p.Amount, "state": p.State,
			"afterpay order": r.ap(p.AfterpayOrderID), "refund": r.ap(p.RefundID), "recognised": p.Recognised,
			"moves": r.labelsOf("account.move", p.Moves), "dated": !p.Date.IsZero()})
	}
	return out
}

// cReconcile: an Afterpay order captured, invoiced and partly refunded as
// the product books it; an Afterpay order confirmed with nothing else (its
// webhook was lost); an Afterpay quotation; an order without the Afterpay
// term; a payment typed by hand in the Afterpay journal. Read by period,
// by name and by Afterpay order and refund id; then the capture edited by
// hand.
func cReconcile(t *testing.T, b *cbackend) observation {
	ctx := context.Background()
	b.hooks.take()
	x := newTxBooks(t, b, "Reconcile")
	r := &reconcileLabels{txBooks: x, orders: map[int64]string{}, apIDs: map[string]string{}}
	obs := observation{}
	// Afterpay's order and refund ids are numbers, unique for good.
	stamp := time.Now().UnixNano() % 1_000_000_000_000
	apPaid, refundID := strconv.FormatInt(300_000_000_000_000+stamp, 10), strconv.FormatInt(500_000_000_000_000+stamp, 10)
	r.apIDs[apPaid], r.apIDs[refundID] = "paid order's", "refund"
	from := time.Now().Add(-time.Second)

	paid := x.order("reconcile paid", 2)
	r.orders[paid] = "paid"
	missed := x.order("reconcile missed", 1)
	r.orders[missed] = "missed"
	quotation := b.afterpayOrder(t, x.partner, "CONF-REC-QUOTE", 0, true, cline{product: x.lamp, qty: 1})
	r.orders[quotation] = "quotation"
	other := b.confirmedOrderOf(t, x.partner, x.lamp, 1, b.ref("CONF-REC-OTHER"))
	r.orders[other.ID] = "not afterpay"

	// The paid order, as the product books it.
	tx := x.transaction(paid, "paid", odoo.TxStatePending, cusd(8800))
	require.NoError(t, b.c.SetTransactionState(ctx, tx, odoo.TransactionUpdate{State: odoo.TxStateDone, ProviderReference: apPaid}))
	require.NoError(t, b.c.SetOrderAfterpay(ctx, paid, odoo.OrderAfterpay{OrderID: apPaid, Status: "Captured"}))
	capture, err := b.c.RegisterCustomerPayment(ctx, odoo.CustomerPaymentSpec{PartnerID: x.partner, Amount: cusd(8800),
		JournalID: x.journal, Memo: "Afterpay " + apPaid, TransactionID: tx})
	require.NoError(t, err)
	x.labels["account.payment"][capture] = "capture"
	x.deliver(paid, "2")
	invoice := x.invoice(paid)
	require.NoError(t, b.c.ReconcilePayment(ctx, capture, invoice))
	part := cusd(2000)
	credit, err := b.c.CreateCreditNote(ctx, invoice, odoo.CreditNoteSpec{Ref: refundID, Amount: &part})
	require.NoError(t, err)
	x.labelMove(credit, "credit note")
	require.NoError(t, b.c.SetMovesAfterpayOrderID(ctx, []int64{credit}, apPaid))
	refund, err := b.c.RegisterPayment(ctx, credit, odoo.PaymentSpec{Amount: part, JournalID: x.journal, Memo: "Afterpay refund " + refundID})
	require.NoError(t, err)
	x.labels["account.payment"][refund] = "refund"
	byHand, err := b.c.RegisterCustomerPayment(ctx, odoo.CustomerPaymentSpec{PartnerID: x.partner, Amount: cusd(1500),
		JournalID: x.journal, Memo: "Afterpay by hand " + b.run})
	require.NoError(t, err)
	x.labels["account.payment"][byHand] = "by hand"
	to := time.Now().Add(time.Second)

	// The period's confirmed Afterpay orders: not the quotation, not the
	// order of another payment term.
	orders, err := b.c.AfterpayOrders(ctx, odoo.AfterpayOrderQuery{From: from, To: to})
	require.NoError(t, err)
	obs["orders of the period"] = r.orderList(orders)
	require.Equal(t, []observation{
		{"order": "paid", "state": "sale", "afterpay": true, "afterpay order": "paid order's", "total": cusd(8800), "dated": true},
		{"order": "missed", "state": "sale", "afterpay": true, "afterpay order": "", "total": cusd(4400), "dated": true},
	}, obs["orders of the period"])
	// A period that ended before: none of them.
	orders, err = b.c.AfterpayOrders(ctx, odoo.AfterpayOrderQuery{From: from.Add(-time.Hour), To: from.Add(-30 * time.Minute)})
	require.NoError(t, err)
	obs["orders of an earlier period"] = r.orderList(orders)
	require.Empty(t, obs["orders of an earlier period"])
	// By name and by Afterpay order, whatever the term and the state.
	orders, err = b.c.AfterpayOrders(ctx, odoo.AfterpayOrderQuery{Names: []string{other.Name, quotationName(t, b, quotation)}, AfterpayOrderIDs: []string{apPaid}})
	require.NoError(t, err)
	obs["orders by name and Afterpay order"] = r.orderList(orders)
	require.Len(t, obs["orders by name and Afterpay order"], 3)
	orders, err = b.c.AfterpayOrders(ctx, odoo.AfterpayOrderQuery{})
	require.NoError(t, err)
	require.Empty(t, orders, "nothing asked, nothing read")

	txs, err := b.c.AfterpayTransactions(ctx, []int64{paid, missed, other.ID})
	require.NoError(t, err)
	var seen []observation
	for _, tr := range txs {
		seen = append(seen, observation{"transaction": x.labelsOf("payment.transaction", []int64{tr.ID})[0], "state": tr.State,
			"afterpay order": r.ap(tr.ProviderReference), "amount": tr.Amount, "operation": tr.Operation,
			"orders": len(tr.OrderIDs), "reference is ours": tr.Reference == b.ref("CONF-TXP-PAID")})
	}
	obs["transactions"] = seen
	require.Equal(t, []observation{{"transaction": "paid", "state": "done", "afterpay order": "paid order's", "amount": cusd(8800),
		"operation": "online_redirect", "orders": 1, "reference is ours": true}}, seen)

	// The journal's payments: by period, and by Afterpay order and refund.
	payments, err := b.c.AfterpayJournalPayments(ctx, odoo.JournalPaymentQuery{JournalID: x.journal, From: from, To: to})
	require.NoError(t, err)
	obs["payments of the period"] = r.paymentList(payments)
	require.Equal(t, []observation{
		{"payment": "capture", "inbound": true, "amount": cusd(8800), "state": "in_process", "afterpay order": "paid order's",
			"refund": "", "recognised": true, "moves": []string{"invoice 1"}, "dated": true},
		{"payment": "refund", "inbound": false, "amount": cusd(2000), "state": "paid", "afterpay order": "paid order's",
			"refund": "refund", "recognised": true, "moves": []string{"credit note"}, "dated": true},
		{"payment": "by hand", "inbound": true, "amount": cusd(1500), "state": "in_process", "afterpay order": "",
			"refund": "", "recognised": false, "moves": []string{}, "dated": true},
	}, obs["payments of the period"])
	payments, err = b.c.AfterpayJournalPayments(ctx, odoo.JournalPaymentQuery{JournalID: x.journal, AfterpayOrderIDs: []string{apPaid}})
	require.NoError(t, err)
	obs["payments of the Afterpay order"] = r.paymentList(payments)
	require.Len(t, payments, 1, "the capture alone: a refund's memo names its refund")
	payments, err = b.c.AfterpayJournalPayments(ctx, odoo.JournalPaymentQuery{JournalID: x.journal, RefundIDs: []string{refundID}})
	require.NoError(t, err)
	obs["payments of the refund"] = r.paymentList(payments)
	require.Len(t, payments, 1)

	// A person resets the capture to draft: it is no payment while it is.
	// Odoo keeps whole seconds: the edit's period starts a second later.
	time.Sleep(time.Until(time.Now().Truncate(time.Second).Add(1100 * time.Millisecond)))
	editFrom := time.Now().Truncate(time.Second)
	_, err = b.c.CallMethod(ctx, "account.payment", "action_draft", []int64{capture}, nil)
	obs["action_draft"] = faultOf(err)
	payments, err = b.c.AfterpayJournalPayments(ctx, odoo.JournalPaymentQuery{JournalID: x.journal, AfterpayOrderIDs: []string{apPaid}, RefundIDs: []string{refundID}})
	require.NoError(t, err)
	obs["payments while the capture is a draft"] = r.paymentList(payments)
	require.Len(t, payments, 1, "the refund alone")
	obs["invoice while the capture is a draft"] = x.move(invoice)
	// They edit its amount and post it again.
	require.NoError(t, b.c.Write(ctx, "account.payment", []int64{capture}, map[string]any{"amount": 80.0}, nil))
	_, err = b.c.CallMethod(ctx, "account.payment", "action_post", []int64{capture}, nil)
	obs["action_post"] = faultOf(err)
	payments, err = b.c.AfterpayJournalPayments(ctx, odoo.JournalPaymentQuery{JournalID: x.journal, AfterpayOrderIDs: []string{apPaid}, RefundIDs: []string{refundID}})
	require.NoError(t, err)
	obs["payments after the edit"] = r.paymentList(payments)
	require.Equal(t, cusd(8000), payments[0].Amount)
	obs["invoice after the edit"] = x.move(invoice)
	obs["capture after the edit"] = x.payment(capture)
	// The period of the edit finds the capture, changed then, and not the
	// payments made before.
	payments, err = b.c.AfterpayJournalPayments(ctx, odoo.JournalPaymentQuery{JournalID: x.journal, From: editFrom, To: time.Now().Add(time.Second)})
	require.NoError(t, err)
	obs["payments changed in the period of the edit"] = r.paymentList(payments)
	require.Len(t, obs["payments changed in the period of the edit"], 1)
	require.Equal(t, "capture", obs["payments changed in the period of the edit"].([]observation)[0]["payment"])

	_, err = b.c.AfterpayJournalPayments(ctx, odoo.JournalPaymentQuery{From: from, To: to})
	require.Error(t, err, "the journal is required")
	return obs
}

func quotationName(t *testing.T, b *cbackend, id int64) string {
	t.Helper()
	return text(t, readOne(t, b, "sale.order", id, nil, "name"), "name")
}
