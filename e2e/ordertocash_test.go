package e2e

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/api/serviceerror"

	"github.com/odoo-afterpay/bridge/internal/shopper"
	"github.com/odoo-afterpay/bridge/money"
	"github.com/odoo-afterpay/bridge/odoo"
	"github.com/odoo-afterpay/bridge/workflows"
)

// invoicedOnDelivery is a line of a product invoiced on delivered
// quantities, as most of Odoo's own products are.
func invoicedOnDelivery(price, quantity int64) orderLine {
	return orderLine{policy: "delivery", price: money.MustNew(price, "USD"), quantity: quantity}
}

// TestOrderToCash follows orders from confirmation to cash on the Odoo under
// test: deliveries, invoices, cancellations, and both capture modes. After
// each, the money adds up on both sides.
func TestOrderToCash(t *testing.T) {
	p := startProduct(t)
	ctx := context.Background()

	pay := func(t *testing.T, orderID int64, order string) workflows.CheckoutInfo {
		t.Helper()
		p.confirm(t, orderID)
		info := p.waitCheckout(t, order)
		_, err := shopper.Checkout(ctx, info.RedirectCheckoutURL, shopper.Approve)
		require.NoError(t, err)
		return info
	}

	t.Run("deferred capture: two partial deliveries are captured, invoiced and paid as they ship", func(t *testing.T) {
		orderID, order := p.order(t, orderSpec{capture: workflows.CaptureDeferred, lines: []orderLine{invoicedOnDelivery(2000, 3)}})
		info := pay(t, orderID, order)
		view := p.waitStatus(t, order, workflows.StatusAuthorised)
		require.Equal(t, "0.00 USD", view.Captured)
		total := view.Authorised

		// The warehouse ships two of three; the rest goes to a backorder.
		backorder := p.deliver(t, orderID, 2)
		require.NotZero(t, backorder)
		require.EventuallyWithT(t, func(c *assert.CollectT) {
			invoices := p.postedInvoices(t, order)
			require.Len(c, invoices, 1)
			require.Contains(c, []any{"paid", "in_payment"}, invoices[0]["payment_state"])
			require.Equal(c, moneyText(t, invoices[0], "amount_total"), p.status(t, order).Captured, "the first delivery's invoice is what was captured")
		}, 30*time.Second, 200*time.Millisecond, "the first delivery is captured, invoiced and paid")

		// The backorder ships.
		_, err := p.odoo.ValidatePicking(ctx, backorder, nil, false)
		require.NoError(t, err)
		done := p.waitView(t, order, "captured everything", func(v workflows.StatusView) bool { return v.Status == workflows.StatusCompleted })
		require.Equal(t, total, done.Captured)
		invoices := p.postedInvoices(t, order)
		require.Len(t, invoices, 2)
		for _, inv := range invoices {
			require.Contains(t, []any{"paid", "in_payment"}, inv["payment_state"])
		}
		p.requireMoneyAddsUp(t, info.Token, view.AfterpayOrderID)
		p.requireBooksAddUp(t, orderID, order, info.Token)
		p.saveHistory(t, order, "payment-deferred-two-deliveries")
	})

	t.Run("an order invoiced on delivery, captured at once: booked at once, reconciled with its invoice once delivered", func(t *testing.T) {
		orderID, order := p.order(t, orderSpec{lines: []orderLine{invoicedOnDelivery(4500, 2)}})
		info := pay(t, orderID, order)
		res := p.result(t, order)
		require.Equal(t, workflows.StatusCompleted, res.Status, res.Reason)
		require.Empty(t, p.postedInvoices(t, order), "nothing to invoice before the delivery")
		p.requireChatterSays(t, orderID, "of the Afterpay payment is booked in the Afterpay journal and waits for the order's next invoices")
		p.requireBooksAddUp(t, orderID, order, info.Token)

		p.deliver(t, orderID, 0)
		require.EventuallyWithT(t, func(c *assert.CollectT) {
			invoices := p.postedInvoices(t, order)
			require.Len(c, invoices, 1)
			require.Contains(c, []any{"paid", "in_payment"}, invoices[0]["payment_state"])
		}, 30*time.Second, 200*time.Millisecond, "the delivery's invoice is made and paid from the booked payment")
		p.requireMoneyAddsUp(t, info.Token, res.AfterpayOrderID)
		p.requireBooksAddUp(t, orderID, order, info.Token)
		p.saveHistory(t, order, "payment-invoiced-on-delivery")
	})

	t.Run("an order with a discount, a delivery line and tax, invoiced on delivery: right to the cent", func(t *testing.T) {
		shipping := money.MustNew(750, "USD")
		line := invoicedOnDelivery(3333, 3)
		line.discount = 10
		orderID, order := p.order(t, orderSpec{lines: []orderLine{line}, shipping: &shipping})
		info := pay(t, orderID, order)
		res := p.result(t, order)
		require.Equal(t, workflows.StatusCompleted, res.Status, res.Reason)
		p.deliver(t, orderID, 0)
		require.EventuallyWithT(t, func(c *assert.CollectT) {
			invoices := p.postedInvoices(t, order)
			require.Len(c, invoices, 2, "the delivery line is invoiced at once, the goods once delivered")
			for _, inv := range invoices {
				require.Contains(c, []any{"paid", "in_payment"}, inv["payment_state"])
			}
		}, 30*time.Second, 200*time.Millisecond)
		sale, err := p.odoo.ReadSaleOrder(ctx, orderID)
		require.NoError(t, err)
		invoiced := money.Money{Currency: "USD"}
		for _, inv := range p.postedInvoices(t, order) {
			invoiced.Minor += moneyOf(t, inv, "amount_total").Minor
		}
		require.Equal(t, sale.AmountTotal, invoiced, "the invoices add up to the order, to the cent")
		require.Equal(t, sale.AmountTotal, p.afterpayNet(t, info.Token), "and so does the capture")
		p.requireBooksAddUp(t, orderID, order, info.Token)
		p.saveHistory(t, order, "payment-discount-delivery-tax")
	})

	t.Run("an order cancelled after its checkout, then approved by the customer: never captured", func(t *testing.T) {
		orderID, order := p.quotation(t, true, invoicedOnOrder(2200, 1))
		p.confirm(t, orderID)
		info := p.waitCheckout(t, order)
		require.NoError(t, p.odoo.CancelSaleOrder(ctx, orderID))
		res := p.result(t, order)
		require.Equal(t, workflows.StatusOrderCancelled, res.Status, res.Reason)
		_, err := shopper.Checkout(ctx, info.RedirectCheckoutURL, shopper.Approve)
		require.NoError(t, err)
		require.Equal(t, "cancel", p.transaction(t, order)["state"])
		p.requireChatterSays(t, orderID, "the order was cancelled in Odoo before the customer paid; nothing was charged")
		p.requireMoneyAddsUp(t, info.Token, "")
		require.Zero(t, p.afterpayNet(t, info.Token).Minor, "nothing captured at Afterpay")
		p.saveHistory(t, order, "payment-cancelled-before-capture")
	})

	t.Run("an order without the Afterpay marker starts no payment", func(t *testing.T) {
		orderID, order := p.order(t, orderSpec{notAfterpay: true, lines: []orderLine{invoicedOnOrder(1500, 1)}})
		p.confirm(t, orderID)
		// A marked order confirmed after it is paid for; by then, the
		// unmarked one would have started long ago.
		markedID, marked := p.quotation(t, true, invoicedOnOrder(1500, 1))
		p.confirm(t, markedID)
		p.waitCheckout(t, marked)
		_, err := p.temporal.DescribeWorkflowExecution(ctx, p.workflowID(order), "")
		var notFound *serviceerror.NotFound
		require.ErrorAs(t, err, &notFound, "no workflow for %s", order)
	})
}

// deliver validates the order's first open delivery as the warehouse does:
// qty of each move (0: all), keeping the rest for a backorder. It returns
// the backorder's id, or 0.
func (p *product) deliver(t testing.TB, orderID int64, qty int64) int64 {
	t.Helper()
	ctx := context.Background()
	pickings, err := p.odoo.OrderPickings(ctx, orderID)
	require.NoError(t, err)
	for _, pk := range pickings {
		if pk.PickingTypeCode != "outgoing" || pk.State == "done" || pk.State == "cancel" {
			continue
		}
		var quantities map[int64]string
		if qty > 0 {
			quantities = map[int64]string{}
			for _, m := range pk.Moves {
				quantities[m.ID] = strconv.FormatInt(qty, 10)
			}
		}
		backorder, err := p.odoo.ValidatePicking(ctx, pk.ID, quantities, qty > 0)
		require.NoError(t, err)
		return backorder
	}
	t.Fatalf("order %d has no open delivery: %+v", orderID, pickings)
	return 0
}

// postedInvoices returns the order's posted customer invoices.
func (p *product) postedInvoices(t testing.TB, order string) []odoo.Record {
	t.Helper()
	recs, err := p.odoo.SearchRead(context.Background(), "account.move",
		[]any{[]any{"invoice_origin", "=", order}, []any{"move_type", "=", "out_invoice"}, []any{"state", "=", "posted"}},
		[]string{"name", "amount_total", "amount_residual", "payment_state"}, &odoo.SearchOptions{Order: "id asc"})
	require.NoError(t, err)
	return recs
}

func moneyOf(t testing.TB, r odoo.Record, field string) money.Money {
	t.Helper()
	m, err := r.Money(field, "USD")
	require.NoError(t, err)
	return m
}

func moneyText(t testing.TB, r odoo.Record, field string) string {
	return moneyOf(t, r, field).String()
}

// requireBooksAddUp checks the order's books against Afterpay: what
// Afterpay holds equals what Odoo shows paid on the order's invoices plus
// what is booked in the Afterpay journal and not matched with an invoice
// yet; and what is open, the chatter says so.
func (p *product) requireBooksAddUp(t testing.TB, orderID int64, order, token string) {
	t.Helper()
	ctx := context.Background()
	require.EventuallyWithT(t, func(c *assert.CollectT) {
		held := p.afterpayNet(t, token)
		paidOnInvoices := money.Money{Currency: "USD"}
		for _, inv := range p.postedInvoices(t, order) {
			paidOnInvoices.Minor += moneyOf(t, inv, "amount_total").Minor - moneyOf(t, inv, "amount_residual").Minor
		}
		view := p.status(t, order)
		open := money.Money{Currency: "USD"}
		payments, err := p.odoo.SearchRead(ctx, "account.payment",
			[]any{[]any{"memo", "ilike", view.AfterpayOrderID}, []any{"state", "not in", []any{"draft", "canceled", "rejected"}}}, []string{"id"}, nil)
		require.NoError(c, err)
		for _, pay := range payments {
			left, err := p.odoo.PaymentResidual(ctx, pay.ID())
			require.NoError(c, err)
			open.Minor += left.Minor
		}
		require.Equal(c, held.Minor, paidOnInvoices.Minor+open.Minor,
			"Afterpay holds %s; Odoo shows %s paid on invoices and %s booked and open", held, paidOnInvoices, open)
		if open.Minor > 0 {
			require.Contains(c, p.chatter(t, orderID), "is booked in the Afterpay journal and waits for the order's next invoices")
		}
	}, 30*time.Second, 200*time.Millisecond)
}
