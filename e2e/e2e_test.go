package e2e

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/workflowservice/v1"

	"github.com/odoo-afterpay/bridge/internal/odoofault"
	"github.com/odoo-afterpay/bridge/internal/shopper"
	"github.com/odoo-afterpay/bridge/money"
	"github.com/odoo-afterpay/bridge/workflows"
)

// invoicedOnOrder is a line of a product invoiced on ordered quantities: the
// order can be invoiced as soon as it is confirmed.
func invoicedOnOrder(price int64, quantity int64) orderLine {
	return orderLine{policy: "order", price: money.MustNew(price, "USD"), quantity: quantity}
}

func TestEndToEnd(t *testing.T) {
	p := startProduct(t)
	ctx := context.Background()

	t.Run("approved payment is captured and recorded in Odoo", func(t *testing.T) {
		orderID, order := p.quotation(t, true, invoicedOnOrder(4990, 2))
		p.confirm(t, orderID)
		info := p.waitCheckout(t, order)

		landing, err := shopper.Checkout(ctx, info.RedirectCheckoutURL, shopper.Approve)
		require.NoError(t, err)
		require.Equal(t, http.StatusOK, landing.Status)
		require.True(t, strings.HasPrefix(landing.URL, p.apiURL+"/afterpay/return?"), "the browser came back to the API: %s", landing.URL)
		require.Contains(t, landing.Body, "Thank you")

		res := p.result(t, order)
		require.Equal(t, workflows.StatusCompleted, res.Status, res.Reason)
		require.Empty(t, res.Reason)
		require.NotEmpty(t, res.AfterpayOrderID)

		tx := p.transaction(t, order)
		require.Equal(t, "done", tx["state"])
		require.Equal(t, res.AfterpayOrderID, tx["provider_reference"])
		require.Equal(t, true, tx["is_post_processed"], "Odoo's post-processing cron must not pay it a second time")
		require.Contains(t, tx["sale_order_ids"], orderID)

		invoices, err := p.odoo.SearchRead(ctx, "account.move",
			[]any{[]any{"invoice_origin", "=", order}, []any{"move_type", "=", "out_invoice"}},
			[]string{"state", "payment_state", "amount_residual", "amount_total", "x_afterpay_order_id"}, nil)
		require.NoError(t, err)
		require.Len(t, invoices, 1, "one invoice for %s", order)
		require.Equal(t, "posted", invoices[0]["state"])
		require.Contains(t, []any{"paid", "in_payment"}, invoices[0]["payment_state"])
		require.Equal(t, res.AfterpayOrderID, invoices[0]["x_afterpay_order_id"], "finance sees the Afterpay order on the invoice")

		payments, err := p.odoo.SearchRead(ctx, "account.payment",
			[]any{[]any{"memo", "=", "Afterpay " + res.AfterpayOrderID}},
			[]string{"amount", "is_reconciled", "journal_id", "state", "payment_transaction_id"}, nil)
		require.NoError(t, err)
		require.Len(t, payments, 1, "one payment registered")
		require.Equal(t, true, payments[0]["is_reconciled"])
		require.Contains(t, fmt.Sprint(payments[0]["journal_id"]), "Afterpay", "paid into the Afterpay journal")
		paymentTx, err := payments[0].Ref("payment_transaction_id")
		require.NoError(t, err)
		require.Equal(t, tx.ID(), paymentTx.ID, "the payment names its transaction, as Odoo's own providers do")
		txPayment, err := tx.Ref("payment_id")
		require.NoError(t, err)
		require.Equal(t, payments[0].ID(), txPayment.ID, "the transaction names its payment")

		fields, err := p.odoo.Read(ctx, "sale.order", []int64{orderID}, []string{"x_afterpay_order_id", "x_afterpay_status", "x_afterpay_instalments"}, nil)
		require.NoError(t, err)
		require.Equal(t, res.AfterpayOrderID, fields[0]["x_afterpay_order_id"])
		require.Equal(t, "Captured", fields[0]["x_afterpay_status"])
		require.Contains(t, fields[0]["x_afterpay_instalments"], "4 instalments")

		notes := p.chatter(t, orderID)
		require.Contains(t, notes, "Afterpay payment captured")
		require.Contains(t, notes, "4 instalments, every 2 weeks")
		p.requireMoneyAddsUp(t, info.Token, res.AfterpayOrderID)
		p.saveHistory(t, order, "payment-completed")

		desc, err := p.temporal.DescribeWorkflowExecution(ctx, p.workflowID(order), "")
		require.NoError(t, err)
		require.Equal(t, enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING, desc.GetWorkflowExecutionInfo().GetStatus(),
			"a booked payment stays open until Afterpay's refund window closes")
		attrs := desc.GetWorkflowExecutionInfo().GetSearchAttributes().GetIndexedFields()
		for name, want := range map[string]string{
			"OdooOrderRef": order, "AfterpayToken": info.Token, "AfterpayOrderID": res.AfterpayOrderID, "PaymentStatus": "completed",
		} {
			got, _ := workflows.KeywordAttribute(attrs, name)
			require.Equal(t, want, got, "search attribute %s", name)
		}
		require.EventuallyWithT(t, func(c *assert.CollectT) {
			list, err := p.temporal.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{
				Query: fmt.Sprintf(`OdooOrderRef="%s"`, order),
			})
			require.NoError(c, err)
			require.Len(c, list.GetExecutions(), 1)
		}, 10*time.Second, 100*time.Millisecond, "a visibility query by OdooOrderRef finds the workflow")

		// Starting it again, as `starter start` or a repeated webhook would, starts nothing.
		outcome, _, err := workflows.StartPayment(ctx, p.temporal, p.cfg.Temporal.TaskQueue, workflows.PaymentInput{
			Database: p.cfg.Odoo.Database, OrderName: order, OrderID: orderID, ReturnURL: p.apiURL + "/afterpay/return", ConfirmationTimeout: time.Minute,
		})
		require.NoError(t, err)
		require.Equal(t, workflows.AlreadyRunning, outcome)
	})

	t.Run("a customer who leaves Afterpay's page can still come back: the checkout stays open", func(t *testing.T) {
		orderID, order := p.quotation(t, true, invoicedOnOrder(2500, 1))
		p.confirm(t, orderID)
		info := p.waitCheckout(t, order)
		landing, err := shopper.Checkout(ctx, info.RedirectCheckoutURL, shopper.Cancel)
		require.NoError(t, err)
		require.Contains(t, landing.Body, "cancel")
		require.EventuallyWithT(t, func(c *assert.CollectT) {
			require.True(c, p.status(t, order).Phase == workflows.PhaseAwaitingCustomer)
		}, 10*time.Second, 100*time.Millisecond)
		require.Equal(t, "pending", p.transaction(t, order)["state"], "a redirect proves nothing: the checkout stays open until it expires")
		p.requireMoneyAddsUp(t, info.Token, "")
		p.saveHistory(t, order, "payment-customer-left")
	})

	t.Run("Afterpay declines the payment", func(t *testing.T) {
		orderID, order := p.quotation(t, true, invoicedOnOrder(2500, 1))
		p.confirm(t, orderID)
		info := p.waitCheckout(t, order)
		_, err := shopper.Checkout(ctx, info.RedirectCheckoutURL, shopper.Decline)
		require.NoError(t, err)
		res := p.result(t, order)
		require.Equal(t, workflows.StatusDeclined, res.Status)
		require.Equal(t, "cancel", p.transaction(t, order)["state"])
		require.Contains(t, p.chatter(t, orderID), "Afterpay declined the payment")
		p.requireMoneyAddsUp(t, info.Token, res.AfterpayOrderID)
		p.saveHistory(t, order, "payment-declined")
	})

	t.Run("Odoo refusing the captured payment reverses it at Afterpay and says so on the order", func(t *testing.T) {
		orderID, order := p.quotation(t, true, invoicedOnOrder(4100, 1))
		p.confirm(t, orderID)
		info := p.waitCheckout(t, order)
		// From now on Odoo refuses to update any payment.transaction.
		p.odooFaults.Inject(odoofault.Rule{Model: "payment.transaction", Method: "write", Action: odoofault.Refuse, Message: "The payment provider is archived."})
		t.Cleanup(p.odooFaults.Clear)
		_, err := shopper.Checkout(ctx, info.RedirectCheckoutURL, shopper.Approve)
		require.NoError(t, err)
		res := p.result(t, order)
		p.odooFaults.Clear()
		require.Equal(t, workflows.StatusCompensated, res.Status, res.Reason)
		require.Contains(t, res.Reason, "reversed at Afterpay")
		require.Contains(t, res.Reason, "The payment provider is archived.")
		payment, err := p.afterpay.GetPaymentByToken(ctx, info.Token)
		require.NoError(t, err)
		require.Equal(t, res.AfterpayOrderID, payment.ID)
		require.NotEqual(t, "done", p.transaction(t, order)["state"], "Odoo never recorded the payment as done")
		p.requireMoneyAddsUp(t, info.Token, res.AfterpayOrderID)
		p.requireChatterSays(t, orderID, "was reversed at Afterpay", "Odoo could not record the captured payment (The payment provider is archived.)")
		p.saveHistory(t, order, "payment-compensated")
	})

	t.Run("a transaction deleted in Odoo before the capture: the money goes back and the order says why", func(t *testing.T) {
		orderID, order := p.quotation(t, true, invoicedOnOrder(3300, 1))
		p.confirm(t, orderID)
		info := p.waitCheckout(t, order)
		require.NotZero(t, info.TransactionID)
		_, err := p.odoo.ExecuteKW(ctx, "payment.transaction", "unlink", []any{[]any{info.TransactionID}}, nil)
		require.NoError(t, err, "a person deletes the pending transaction in Odoo")
		_, err = shopper.Checkout(ctx, info.RedirectCheckoutURL, shopper.Approve)
		require.NoError(t, err)
		res := p.result(t, order)
		require.Equal(t, workflows.StatusCompensated, res.Status, res.Reason)
		require.NotContains(t, res.Reason, "OrderNotFound")
		require.Contains(t, res.Reason, "payment.transaction")
		require.Contains(t, res.Reason, "was deleted in Odoo")
		p.requireMoneyAddsUp(t, info.Token, res.AfterpayOrderID)
		p.requireChatterSays(t, orderID, "was reversed at Afterpay", "payment.transaction", "was deleted in Odoo")
	})

	t.Run("an order Afterpay cannot take gets the reason on its chatter", func(t *testing.T) {
		orderID, order := p.quotation(t, false, invoicedOnOrder(2500, 1))
		p.confirm(t, orderID)
		res := p.result(t, order)
		require.Equal(t, workflows.StatusNotPayable, res.Status)
		require.Contains(t, res.Reason, "no email address")
		require.Contains(t, p.chatter(t, orderID), "Afterpay cannot be used for this order")
	})

	t.Run("Afterpay's signed webhooks reach the order: a dispute gets a note and an activity", func(t *testing.T) {
		orderID, _, _, res := p.payOrder(t, invoicedOnOrder(7500, 1))

		// Afterpay opens a dispute and sends its signed webhook to the API.
		dispute, err := p.sim.OpenDispute(res.AfterpayOrderID, "")
		require.NoError(t, err, "the API took the dispute webhook")
		require.EventuallyWithT(t, func(c *assert.CollectT) {
			require.Contains(c, p.chatter(t, orderID), "Afterpay dispute "+dispute.ID+" on this payment")
			acts, err := p.odoo.SearchRead(ctx, "mail.activity", []any{
				[]any{"res_model", "=", "sale.order"}, []any{"res_id", "=", orderID}, []any{"summary", "=", "Respond to Afterpay dispute " + dispute.ID},
			}, []string{"date_deadline"}, nil)
			require.NoError(c, err)
			require.Len(c, acts, 1, "finance has an activity before the response deadline")
		}, 15*time.Second, 100*time.Millisecond)

	})

	t.Run("an unknown token gets a 404 page and signals nothing", func(t *testing.T) {
		resp, err := http.Get(p.apiURL + "/afterpay/return?status=SUCCESS&orderToken=002.nosuchtoken&order=S99999")
		require.NoError(t, err)
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		require.Equal(t, http.StatusNotFound, resp.StatusCode)
		require.Contains(t, string(body), "We could not find this Afterpay checkout")
	})

	t.Run("a wrong webhook token is refused", func(t *testing.T) {
		resp, err := http.Post(p.apiURL+"/odoo/webhook/order-confirmed?token=wrong", "application/json",
			strings.NewReader(`{"_model": "sale.order", "_id": 1, "name": "S00001"}`))
		require.NoError(t, err)
		resp.Body.Close()
		require.Equal(t, http.StatusUnauthorized, resp.StatusCode)
	})
}
