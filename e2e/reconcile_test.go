package e2e

import (
	"context"
	"encoding/json"
	"errors"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/testsuite"

	"github.com/odoo-afterpay/bridge/api"
	"github.com/odoo-afterpay/bridge/internal/app"
	"github.com/odoo-afterpay/bridge/internal/shopper"
	"github.com/odoo-afterpay/bridge/internal/testkit"
	"github.com/odoo-afterpay/bridge/money"
	"github.com/odoo-afterpay/bridge/odoo"
	"github.com/odoo-afterpay/bridge/workflows"
)

// TestReconciliation runs the reconciliation on the Odoo under test, as
// `starter reconcile` and its daily schedule do: an order confirmed while
// the API could not start its payment is recovered by the next run, and
// the customer pays; an amount changed by hand in Odoo shows as drift with
// both amounts, and finance gets one activity however often it runs.
func TestReconciliation(t *testing.T) {
	p := startProduct(t)
	ctx := context.Background()
	// The period starts now: on a real Odoo the database holds the other
	// tests' orders and payments, made at other simulators and recorded by
	// other Temporal servers, which this run must not judge. Odoo keeps
	// whole seconds.
	from := time.Now().Truncate(time.Second).Add(-time.Second)

	t.Run("an order confirmed while the API could not take its webhook is recovered by the next run", func(t *testing.T) {
		orderID, order := p.quotation(t, true, invoicedOnOrder(4500, 2))
		// Odoo's automation rule posts the webhook as the order is
		// confirmed; the API cannot start the payment (Temporal is down)
		// and answers 503, and Odoo does not send it again.
		p.withTemporalDown(t, func() {
			p.confirm(t, orderID)
			// The API keeps trying to start the payment for a while after
			// Odoo stopped waiting; this outage outlasts it.
			time.Sleep(api.WebhookStartBudget + time.Second)
		})
		p.requireNoPayment(t, order)

		rep := p.reconcile(t, from)
		require.Contains(t, rep.Started, workflows.StartedPayment{OrderName: order, OrderID: orderID, Outcome: workflows.Started}, "the missing payment is started")
		require.Equal(t, 1, rep.Counts.Started)
		info := p.waitCheckout(t, order)
		_, err := shopper.Checkout(ctx, info.RedirectCheckoutURL, shopper.Approve)
		require.NoError(t, err)
		res := p.result(t, order)
		require.Equal(t, workflows.StatusCompleted, res.Status, res.Reason)
		p.requireMoneyAddsUp(t, info.Token, res.AfterpayOrderID)
		p.saveHistory(t, order, "payment-started-by-reconciliation")

		// Again: nothing to start, nothing differs.
		again := p.reconcile(t, from)
		require.Empty(t, again.Started)
		require.Empty(t, again.Drift, "the recovered payment agrees")
		require.Empty(t, again.Unstarted)
		require.GreaterOrEqual(t, again.Counts.Matched, 1)
	})

	t.Run("an amount changed by hand in Odoo shows as drift with both amounts", func(t *testing.T) {
		orderID, order, info, res := p.payOrder(t, invoicedOnOrder(6000, 1))
		require.Empty(t, p.reconcile(t, from).Drift, "all agree before the edit")

		// Someone in finance resets the Afterpay payment to draft, edits
		// its amount and posts it again.
		captured := p.afterpayNet(t, info.Token)
		edited := money.Money{Minor: captured.Minor - 1000, Currency: captured.Currency}
		paymentID := p.editAfterpayPayment(t, res.AfterpayOrderID, edited)

		rep := p.reconcile(t, from)
		require.Len(t, rep.Drift, 1, "%+v", rep.Drift)
		d := rep.Drift[0]
		require.Equal(t, workflows.DriftAmountsDiffer, d.Kind)
		require.Equal(t, res.AfterpayOrderID, d.AfterpayOrderID)
		require.Equal(t, order, d.OrderName)
		require.Equal(t, orderID, d.OrderID)
		require.Equal(t, captured, d.Afterpay, "what Afterpay holds")
		require.Equal(t, edited, d.Odoo, "what Odoo's Afterpay journal shows")
		require.Equal(t, []int64{paymentID}, d.PaymentIDs)
		require.Contains(t, d.Detail, "Afterpay holds "+captured.String())
		require.Contains(t, d.Detail, "Odoo's Afterpay journal shows "+edited.String())
		require.True(t, d.Activity)
		require.Equal(t, 1, rep.Counts.AmountsDiffer)
		summary := "Afterpay reconciliation: Afterpay order " + res.AfterpayOrderID + ": Afterpay " + captured.String() + ", Odoo " + edited.String()
		p.requireActivity(t, orderID, summary, "finance has an activity on the order")

		// Again: the same drift, and still one activity.
		again := p.reconcile(t, from)
		require.Equal(t, rep.Drift, again.Drift)
		require.Empty(t, again.Started)
		p.requireActivity(t, orderID, summary, "a second run adds no activity")
	})
}

// reconcile runs a reconciliation of the period from now, as `starter
// reconcile` does, and returns its report.
func (p *product) reconcile(t testing.TB, from time.Time) *workflows.ReconciliationReport {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	rep, id, err := app.RunReconciliation(ctx, p.temporal, p.cfg, from, time.Now().Add(time.Minute))
	require.NoError(t, err)
	b, _ := json.MarshalIndent(rep, "", "  ")
	t.Logf("reconciliation %s:\n%s", id, b)
	switch {
	case len(rep.Started) > 0:
		p.saveWorkflowHistory(t, id, "reconciliation-started-a-payment")
	case len(rep.Drift) > 0:
		p.saveWorkflowHistory(t, id, "reconciliation-drift")
	}
	return rep
}

// withTemporalDown stops the Temporal server under the running product,
// runs fn and starts Temporal again on the same port and database. While
// it is down the API cannot start a payment and answers Odoo's webhook
// 503.
func (p *product) withTemporalDown(t testing.TB, fn func()) {
	t.Helper()
	require.NoError(t, p.dev.Stop())
	fn()
	opts := p.devOpts
	out := &testkit.LogBuffer{}
	opts.Stdout, opts.Stderr = out, out
	dev, err := testsuite.StartDevServer(context.Background(), opts)
	require.NoError(t, err, "restart the Temporal dev server; it said:\n%s", out)
	p.dev = dev
}

// requireNoPayment checks that the order has no payment workflow. Right
// after Temporal restarted, the client may take a while to reconnect (and
// the server to answer): it asks until it gets an answer, for up to two
// minutes.
func (p *product) requireNoPayment(t testing.TB, order string) {
	t.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		_, err := p.temporal.DescribeWorkflowExecution(ctx, p.workflowID(order), "")
		cancel()
		var notFound *serviceerror.NotFound
		if errors.As(err, &notFound) {
			return
		}
		answered := err == nil || (!errors.Is(err, context.DeadlineExceeded) && !isUnavailable(err))
		if answered || time.Now().After(deadline) {
			require.Fail(t, "the order has a payment workflow, or Temporal did not say", "order %s: %v", order, err)
		}
		time.Sleep(time.Second)
	}
}

// isUnavailable reports whether err is Temporal not reachable (yet).
func isUnavailable(err error) bool {
	var unavailable *serviceerror.Unavailable
	var deadline *serviceerror.DeadlineExceeded
	return errors.As(err, &unavailable) || errors.As(err, &deadline)
}

// editAfterpayPayment changes the amount of the order's payment in the
// Afterpay journal as a person in Odoo does: reset to draft, edit, post.
func (p *product) editAfterpayPayment(t testing.TB, afterpayOrderID string, amount money.Money) int64 {
	t.Helper()
	ctx := context.Background()
	ids, err := p.odoo.Search(ctx, "account.payment", []any{[]any{"memo", "=", "Afterpay " + afterpayOrderID}}, nil)
	require.NoError(t, err)
	require.Len(t, ids, 1, "the captured payment in the Afterpay journal")
	_, err = p.odoo.CallMethod(ctx, "account.payment", "action_draft", ids, nil)
	require.True(t, err == nil || odoo.IsProbablyApplied(err), "reset to draft: %v", err)
	value, err := strconv.ParseFloat(amount.Amount(), 64)
	require.NoError(t, err)
	require.NoError(t, p.odoo.Write(ctx, "account.payment", ids, map[string]any{"amount": value}, nil))
	_, err = p.odoo.CallMethod(ctx, "account.payment", "action_post", ids, nil)
	require.True(t, err == nil || odoo.IsProbablyApplied(err), "post: %v", err)
	rec, err := p.odoo.Read(ctx, "account.payment", ids, []string{"amount", "state"}, nil)
	require.NoError(t, err)
	got, err := rec[0].Money("amount", amount.Currency)
	require.NoError(t, err)
	require.Equal(t, amount, got)
	return ids[0]
}
