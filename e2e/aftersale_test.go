package e2e

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/odoo-afterpay/bridge/afterpay"
	"github.com/odoo-afterpay/bridge/internal/odoofault"
	"github.com/odoo-afterpay/bridge/internal/shopper"
	"github.com/odoo-afterpay/bridge/money"
	"github.com/odoo-afterpay/bridge/odoo"
	"github.com/odoo-afterpay/bridge/odoo/provision"
	"github.com/odoo-afterpay/bridge/workflows"
)

// TestAfterSale follows paid orders after the sale on the Odoo under test:
// credit notes refunded at Afterpay, a refund made at Afterpay recorded in
// Odoo, and a payment Odoo refused that an operator retries. After each,
// the money adds up on both sides.
func TestAfterSale(t *testing.T) {
	p := startProduct(t)
	ctx := context.Background()

	paid := func(t *testing.T, lines ...orderLine) (int64, string, workflows.CheckoutInfo, workflows.PaymentResult) {
		t.Helper()
		orderID, order, info, res := p.payOrder(t, lines...)
		require.Len(t, p.postedInvoices(t, order), 1)
		return orderID, order, info, res
	}

	t.Run("credit notes: two partial refunds, then one too many", func(t *testing.T) {
		orderID, order, info, res := paid(t, invoicedOnOrder(5000, 2))
		invoice := p.postedInvoices(t, order)[0]
		total := moneyOf(t, invoice, "amount_total")

		// Finance credits part of the invoice, twice, as goods come back.
		first := p.creditNote(t, invoice.ID(), "Returned: one item damaged", money.MustNew(3000, "USD"))
		p.requireChatterSays(t, orderID, "Credit note "+first+" refunded at Afterpay: 30.00 USD")
		second := p.creditNote(t, invoice.ID(), "Returned: late delivery goodwill", money.MustNew(2000, "USD"))
		p.requireChatterSays(t, orderID, "Credit note "+second+" refunded at Afterpay: 20.00 USD")
		view := p.waitView(t, order, "two refunds", func(v workflows.StatusView) bool { return v.Refunded == "50.00 USD" })
		held := money.Money{Minor: total.Minor - 5000, Currency: "USD"}
		require.Equal(t, held.String(), view.Held)

		// A third credit note for more than Afterpay still holds.
		tooMuch := money.Money{Minor: held.Minor + 1000, Currency: "USD"}
		third := p.creditNote(t, invoice.ID(), "Returned: everything", tooMuch)
		p.requireChatterSays(t, orderID, "Credit note "+third+" ("+tooMuch.String()+") was not refunded at Afterpay: it is more than the "+held.String()+" Afterpay still holds")
		p.requireActivity(t, orderID, "Afterpay did not refund credit note "+third, "finance has an activity for the refused credit note")

		payment, err := p.afterpay.GetPaymentByToken(ctx, info.Token)
		require.NoError(t, err)
		refunds := payment.RefundsOnly()
		require.Len(t, refunds, 2, "Afterpay refunded the two partial credit notes and nothing more")
		require.Equal(t, first, refunds[0].MerchantReference, "the refund names its credit note")
		require.Equal(t, second, refunds[1].MerchantReference)
		for _, name := range []string{first, second} {
			require.Contains(t, []any{"paid", "in_payment"}, p.move(t, name)["payment_state"], "credit note %s is paid back", name)
		}
		require.Equal(t, "not_paid", p.move(t, third)["payment_state"], "the refused credit note stays open")
		p.requireRefundsAddUp(t, orderID, order, info.Token)
		require.Equal(t, res.AfterpayOrderID, p.status(t, order).AfterpayOrderID)
		p.saveHistory(t, order, "payment-credit-notes-refunded")
	})

	t.Run("a refund made directly at Afterpay shows up in Odoo", func(t *testing.T) {
		orderID, order, info, res := paid(t, invoicedOnOrder(7500, 1))

		// Someone refunds part of it in Afterpay's merchant portal; a relay
		// sends the payment events.
		refund, err := p.afterpay.Refund(ctx, res.AfterpayOrderID, &afterpay.RefundRequest{
			RequestID: "portal-" + order + "-" + p.run, Amount: money.MustNew(1000, "USD"), MerchantReference: "portal refund",
		})
		require.NoError(t, err)
		_, err = p.sim.FlushPaymentEvents(ctx)
		require.NoError(t, err, "the API took the payment events")
		p.requireChatterSays(t, orderID, "Refunded at Afterpay, outside Odoo: 10.00 USD (refund "+refund.RefundID+", Afterpay order "+res.AfterpayOrderID+")")
		view := p.waitView(t, order, "the refund", func(v workflows.StatusView) bool { return v.Refunded == "10.00 USD" })
		require.Len(t, view.CreditNotes, 1)
		credit := p.move(t, view.CreditNotes[0].Name)
		require.Equal(t, "out_refund", credit["move_type"])
		require.Equal(t, "posted", credit["state"])
		require.Equal(t, "10.00 USD", moneyText(t, credit, "amount_total"))
		require.Contains(t, []any{"paid", "in_payment"}, credit["payment_state"], "Odoo shows the money paid back")

		// The same events again, as a relay retrying would send them, and the
		// daily comparison: nothing more is recorded.
		_, err = p.sim.FlushPaymentEvents(ctx)
		require.NoError(t, err)
		credits, err := p.odoo.Search(ctx, "account.move", []any{[]any{"move_type", "=", "out_refund"}, []any{"ref", "ilike", refund.RefundID}}, nil)
		require.NoError(t, err)
		require.Len(t, credits, 1, "the refund is recorded once")
		p.requireRefundsAddUp(t, orderID, order, info.Token)
		p.saveHistory(t, order, "payment-refunded-at-afterpay")
	})

	t.Run("a credit note after the payment ended is not refunded, and the order says why", func(t *testing.T) {
		orderID, order, info, _ := paid(t, invoicedOnOrder(4200, 1))
		// The payment's workflow ends, as it does when Afterpay's refund
		// window closes 120 days on.
		require.NoError(t, p.temporal.TerminateWorkflow(ctx, p.workflowID(order), "", "e2e: stands for the close of the refund window"))
		invoice := p.postedInvoices(t, order)[0]
		late := p.creditNote(t, invoice.ID(), "Returned after the window", money.MustNew(1000, "USD"))
		p.requireChatterSays(t, orderID, "Credit note "+late+" was not refunded at Afterpay: the Afterpay payment of this order ended on")
		p.requireActivity(t, orderID, "Afterpay did not refund credit note "+late, "finance has an activity")
		payment, err := p.afterpay.GetPaymentByToken(ctx, info.Token)
		require.NoError(t, err)
		require.Empty(t, payment.RefundsOnly(), "nothing refunded at Afterpay")
		require.Equal(t, "not_paid", p.move(t, late)["payment_state"], "the credit note stays open: the customer is still owed it")
		lateCreditNote, err := p.odoo.Search(ctx, "account.move", []any{[]any{"name", "=", late}}, nil)
		require.NoError(t, err)
		require.Len(t, lateCreditNote, 1)
		p.saveWorkflowHistory(t, workflows.LateCreditNoteWorkflowID(p.cfg.Odoo.Database, lateCreditNote[0]), "late-credit-note")
	})

	t.Run("Odoo refuses the invoice payment; an operator retries and it succeeds", func(t *testing.T) {
		orderID, order := p.quotation(t, true, invoicedOnOrder(6400, 1))
		p.confirm(t, orderID)
		info := p.waitCheckout(t, order)
		refusal := "Please define a payment method line on your payment."
		p.odooFaults.Inject(odoofault.Rule{Model: "account.payment", Method: "create", Action: odoofault.Refuse, Message: refusal})
		t.Cleanup(p.odooFaults.Clear)
		_, err := shopper.Checkout(ctx, info.RedirectCheckoutURL, shopper.Approve)
		require.NoError(t, err)

		parked := p.waitStatus(t, order, workflows.StatusNeedsAttention)
		require.NotNil(t, parked.Attention)
		require.Contains(t, parked.Attention.Reason, refusal)
		require.Equal(t, "done", p.transaction(t, order)["state"], "the capture is recorded on the transaction")
		// Odoo does not show the money paid yet, and says why on the order.
		p.requireChatterSays(t, orderID, "Afterpay payment needs attention while booking the payment", refusal)
		p.requireActivity(t, orderID, "Afterpay payment needs attention", "a person has it on their to-do list")
		require.Equal(t, workflows.StatusNeedsAttention, p.status(t, order).Status, "it waits for a person, running")

		// Someone fixes the journal; an operator retries from the Web UI.
		p.odooFaults.Clear()
		require.NoError(t, p.operator(t, order, workflows.OperatorAction{Action: workflows.ActionRetry, By: "e2e operator"}))
		done := p.waitView(t, order, "booked after the retry", func(v workflows.StatusView) bool {
			return v.Status == workflows.StatusCompleted && v.Attention == nil
		})
		require.Len(t, done.Operator, 1)
		require.Contains(t, done.Operator[0].Result, "retrying")
		require.Contains(t, []any{"paid", "in_payment"}, p.postedInvoices(t, order)[0]["payment_state"])
		p.requireChatterSays(t, orderID, "Afterpay payment no longer needs attention")
		p.requireRefundsAddUp(t, orderID, order, info.Token)
		p.requireMoneyAddsUp(t, info.Token, done.AfterpayOrderID)
		p.saveHistory(t, order, "payment-operator-retry")
	})
}

// creditNote posts a credit note of amount on a posted invoice, as finance
// does with the invoice's Credit Note button, and returns its name.
func (p *product) creditNote(t testing.TB, invoiceID int64, reason string, amount money.Money) string {
	t.Helper()
	ref := fmt.Sprintf("E2E-RET-%s-%d", p.run, seq.Add(1))
	id, err := p.odoo.CreateCreditNote(context.Background(), invoiceID, odoo.CreditNoteSpec{Reason: reason, Ref: ref, Amount: &amount})
	require.NoError(t, err)
	move, err := p.odoo.ReadMove(context.Background(), id)
	require.NoError(t, err)
	return move.Name
}

// move reads an invoice or credit note by name.
func (p *product) move(t testing.TB, name string) odoo.Record {
	t.Helper()
	recs, err := p.odoo.SearchRead(context.Background(), "account.move", []any{[]any{"name", "=", name}},
		[]string{"move_type", "state", "payment_state", "amount_total", "amount_residual"}, nil)
	require.NoError(t, err)
	require.Len(t, recs, 1, "account.move %s", name)
	return recs[0]
}

// requireRefundsAddUp checks an order's books after the sale against
// Afterpay: captured less refunded at Afterpay equals what Odoo shows paid
// on the order's invoices less what it shows paid back on their credit
// notes; and every payment in the Afterpay journal for the order's customer
// is reconciled, or the order's chatter names it and says why not.
func (p *product) requireRefundsAddUp(t testing.TB, orderID int64, order, token string) {
	t.Helper()
	ctx := context.Background()
	require.EventuallyWithT(t, func(c *assert.CollectT) {
		payment, err := p.afterpay.GetPaymentByToken(ctx, token)
		require.NoError(c, err)
		held := payment.CapturedAmount().Minor - payment.RefundedAmount().Minor
		if payment.PaymentState == afterpay.PaymentStateReversed {
			held = 0
		}

		invoices := p.postedInvoices(t, order)
		var paidOnInvoices, paidBack int64
		invoiceIDs := []any{}
		for _, inv := range invoices {
			paidOnInvoices += moneyOf(t, inv, "amount_total").Minor - moneyOf(t, inv, "amount_residual").Minor
			invoiceIDs = append(invoiceIDs, inv.ID())
		}
		credits, err := p.odoo.SearchRead(ctx, "account.move", []any{
			[]any{"move_type", "=", "out_refund"}, []any{"state", "=", "posted"}, []any{"reversed_entry_id", "in", invoiceIDs},
		}, []string{"amount_total", "amount_residual"}, nil)
		require.NoError(c, err)
		for _, cn := range credits {
			paidBack += moneyOf(t, cn, "amount_total").Minor - moneyOf(t, cn, "amount_residual").Minor
		}
		require.Equal(c, held, paidOnInvoices-paidBack,
			"Afterpay: captured %s, refunded %s; Odoo: paid on invoices %d, paid back on credit notes %d (minor units)",
			payment.CapturedAmount(), payment.RefundedAmount(), paidOnInvoices, paidBack)

		sale, err := p.odoo.ReadSaleOrder(ctx, orderID)
		require.NoError(c, err)
		journalPayments, err := p.odoo.SearchRead(ctx, "account.payment", []any{
			[]any{"partner_id", "=", sale.Partner.ID}, []any{"journal_id.code", "=", provision.DefaultJournalCode},
			[]any{"state", "not in", []any{"draft", "canceled", "rejected"}},
		}, []string{"name", "is_reconciled"}, nil)
		require.NoError(c, err)
		require.NotEmpty(c, journalPayments)
		notes := p.chatter(t, orderID)
		for _, pay := range journalPayments {
			name, _ := pay.String("name")
			if pay["is_reconciled"] != true {
				require.True(c, strings.Contains(notes, name), "payment %s in the Afterpay journal is not reconciled and the order's chatter does not say why", name)
			}
		}
	}, 30*time.Second, 200*time.Millisecond)
}

// requireActivity checks that the order has exactly one Odoo activity
// with summary, waiting a little for it to be scheduled.
func (p *product) requireActivity(t testing.TB, orderID int64, summary, why string) {
	t.Helper()
	require.EventuallyWithT(t, func(c *assert.CollectT) {
		acts, err := p.odoo.SearchRead(context.Background(), "mail.activity", []any{
			[]any{"res_model", "=", "sale.order"}, []any{"res_id", "=", orderID}, []any{"summary", "=", summary},
		}, []string{"id"}, nil)
		require.NoError(c, err)
		require.Len(c, acts, 1, why)
	}, settleWait, 200*time.Millisecond)
}
