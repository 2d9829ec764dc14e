package e2e

import (
	"context"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	enumspb "go.temporal.io/api/enums/v1"

	"github.com/odoo-afterpay/bridge/afterpay"
	"github.com/odoo-afterpay/bridge/afterpay/sandbox"
	"github.com/odoo-afterpay/bridge/internal/odoofault"
	"github.com/odoo-afterpay/bridge/internal/shopper"
	"github.com/odoo-afterpay/bridge/workflows"
)

// TestEndToEndFaults is the fault suite on the wire: each case injects a
// fault between the product and Afterpay (the simulator's faults) or Odoo
// (the XML-RPC proxy, in front of the fake or a real Odoo), then reads the
// truth back on both sides: no cent lost or doubled, and Odoo says what
// happened.
func TestEndToEndFaults(t *testing.T) {
	p := startProduct(t)
	ctx := context.Background()

	t.Run("Afterpay errors on the capture are retried with the same key: one capture, recorded once", func(t *testing.T) {
		orderID, order := p.quotation(t, true, invoicedOnOrder(5150, 1))
		p.confirm(t, orderID)
		info := p.waitCheckout(t, order)
		for _, f := range []sandbox.Fault{
			{Endpoint: sandbox.EndpointCapture, Kind: sandbox.FaultServerError, Times: 1},
			{Endpoint: sandbox.EndpointCapture, Kind: sandbox.FaultTooManyRequests, RetryAfter: time.Second, Times: 1},
			{Endpoint: sandbox.EndpointCapture, Kind: sandbox.FaultConnectionReset, Times: 1},
		} {
			require.NoError(t, p.sim.InjectFault(f))
		}
		t.Cleanup(p.sim.ClearFaults)
		_, err := shopper.Checkout(ctx, info.RedirectCheckoutURL, shopper.Approve)
		require.NoError(t, err)
		res := p.result(t, order)
		require.Equal(t, workflows.StatusCompleted, res.Status, res.Reason)
		payment, err := p.afterpay.GetPaymentByToken(ctx, info.Token)
		require.NoError(t, err)
		captures := 0
		for _, ev := range payment.Events {
			if ev.Type == afterpay.EventCaptured {
				captures++
			}
		}
		require.Equal(t, 1, captures, "one capture at Afterpay")
		p.requireRecordedOnce(t, orderID, order, res.AfterpayOrderID)
		p.requireMoneyAddsUp(t, info.Token, res.AfterpayOrderID)
	})

	for _, then := range []struct {
		name  string
		fault sandbox.FaultKind
		times int // 0: until the test ends (rotated credentials)
	}{{"5xx", sandbox.FaultServerError, 2}, {"a 401", sandbox.FaultUnauthorized, 0}} {
		t.Run("a capture that commits and loses its answer, then "+then.name+": its outcome is learned, recorded once", func(t *testing.T) {
			orderID, order := p.quotation(t, true, invoicedOnOrder(6100, 1))
			p.confirm(t, orderID)
			info := p.waitCheckout(t, order)
			require.NoError(t, p.sim.InjectFault(sandbox.Fault{Endpoint: sandbox.EndpointCapture, Kind: sandbox.FaultDropAfterCommit, Times: 1}))
			require.NoError(t, p.sim.InjectFault(sandbox.Fault{Endpoint: sandbox.EndpointCapture, Kind: then.fault, Times: then.times}))
			t.Cleanup(p.sim.ClearFaults)
			_, err := shopper.Checkout(ctx, info.RedirectCheckoutURL, shopper.Approve)
			require.NoError(t, err)
			res := p.result(t, order)
			require.Equal(t, workflows.StatusCompleted, res.Status, res.Reason)
			p.requireRecordedOnce(t, orderID, order, res.AfterpayOrderID)
			p.requireMoneyAddsUp(t, info.Token, res.AfterpayOrderID)
		})
	}

	t.Run("Afterpay refusing the credentials on the checkout: needs attention about credentials, resumes after the fix", func(t *testing.T) {
		orderID, order := p.quotation(t, true, invoicedOnOrder(2700, 1))
		require.NoError(t, p.sim.InjectFault(sandbox.Fault{Endpoint: sandbox.EndpointCreateCheckout, Kind: sandbox.FaultUnauthorized}))
		t.Cleanup(p.sim.ClearFaults)
		p.confirm(t, orderID)
		view := p.waitStatus(t, order, workflows.StatusNeedsAttention)
		require.Contains(t, view.Attention.Reason, "Afterpay refused the merchant credentials")
		require.Contains(t, view.Attention.Todo, "AFTERPAY_SECRET_KEY")
		p.requireChatterSays(t, orderID, "Afterpay refused the merchant credentials")
		require.NotContains(t, p.chatter(t, orderID), "Afterpay cannot be used for this order", "not the order's fault")
		p.sim.ClearFaults() // the operator fixes the credentials
		require.NoError(t, p.operator(t, order, workflows.OperatorAction{Action: workflows.ActionRetry, By: "e2e operator"}))
		info := p.waitCheckout(t, order)
		_, err := shopper.Checkout(ctx, info.RedirectCheckoutURL, shopper.Approve)
		require.NoError(t, err)
		res := p.result(t, order)
		require.Equal(t, workflows.StatusCompleted, res.Status, res.Reason)
		p.requireMoneyAddsUp(t, info.Token, res.AfterpayOrderID)
	})

	t.Run("Afterpay refusing the credentials when the money must go back: needs attention, then reversed and Odoo told", func(t *testing.T) {
		orderID, order := p.quotation(t, true, invoicedOnOrder(3900, 1))
		p.confirm(t, orderID)
		info := p.waitCheckout(t, order)
		p.odooFaults.Inject(odoofault.Rule{Model: "payment.transaction", Method: "write", Action: odoofault.Refuse, Message: "The payment provider is archived.", Times: 1})
		t.Cleanup(p.odooFaults.Clear)
		for _, endpoint := range []string{sandbox.EndpointReversal, sandbox.EndpointRefund} {
			require.NoError(t, p.sim.InjectFault(sandbox.Fault{Endpoint: endpoint, Kind: sandbox.FaultUnauthorized}))
		}
		t.Cleanup(p.sim.ClearFaults)
		_, err := shopper.Checkout(ctx, info.RedirectCheckoutURL, shopper.Approve)
		require.NoError(t, err)
		view := p.waitStatus(t, order, workflows.StatusNeedsAttention)
		require.Equal(t, workflows.PhaseCompensating, view.Phase)
		require.Contains(t, view.Attention.Reason, "giving the")
		require.Contains(t, view.Attention.Todo, "the money is still captured")
		p.sim.ClearFaults()
		require.NoError(t, p.operator(t, order, workflows.OperatorAction{Action: workflows.ActionRetry, By: "e2e operator"}))
		res := p.result(t, order)
		require.Equal(t, workflows.StatusCompensated, res.Status, res.Reason)
		require.Equal(t, "cancel", p.transaction(t, order)["state"])
		p.requireChatterSays(t, orderID, "was reversed at Afterpay")
		p.requireMoneyAddsUp(t, info.Token, res.AfterpayOrderID)
	})

	t.Run("Odoo losing the answer of each write after committing it: read back, recorded once", func(t *testing.T) {
		orderID, order := p.quotation(t, true, invoicedOnOrder(6200, 1))
		for _, call := range [][2]string{
			{"payment.transaction", "create"}, {"payment.transaction", "write"}, {"sale.order", "message_post"},
			{"sale.order", "write"}, {"sale.advance.payment.inv", "create_invoices"}, {"account.move", "action_post"},
			{"account.move", "write"}, {"account.move", "web_save"}, {"account.payment", "create"}, {"account.payment", "action_post"}, {"account.payment", "write"},
			{"account.move", "js_assign_outstanding_line"},
		} {
			p.odooFaults.Inject(odoofault.Rule{Model: call[0], Method: call[1], Action: odoofault.LoseAnswer, Times: 1})
		}
		t.Cleanup(p.odooFaults.Clear)
		p.confirm(t, orderID)
		info := p.waitCheckout(t, order)
		_, err := shopper.Checkout(ctx, info.RedirectCheckoutURL, shopper.Approve)
		require.NoError(t, err)
		res := p.result(t, order)
		require.Equal(t, workflows.StatusCompleted, res.Status, res.Reason)
		p.requireRecordedOnce(t, orderID, order, res.AfterpayOrderID)
		p.requireMoneyAddsUp(t, info.Token, res.AfterpayOrderID)
	})

	for _, step := range []struct{ name, model, method string }{
		{"the transaction", "payment.transaction", "write"},
		{"the chatter note", "sale.order", "message_post"},
	} {
		t.Run("Odoo refusing "+step.name+" of a captured payment: the money goes back and Odoo says so", func(t *testing.T) {
			orderID, order := p.quotation(t, true, invoicedOnOrder(3700, 1))
			p.confirm(t, orderID)
			info := p.waitCheckout(t, order)
			// One business fault on the first such call after the capture.
			p.odooFaults.Inject(odoofault.Rule{Model: step.model, Method: step.method, Action: odoofault.Refuse,
				Message: "Injected refusal of " + step.name + ".", Times: 1})
			t.Cleanup(p.odooFaults.Clear)
			_, err := shopper.Checkout(ctx, info.RedirectCheckoutURL, shopper.Approve)
			require.NoError(t, err)
			res := p.result(t, order)
			require.Equal(t, workflows.StatusCompensated, res.Status, res.Reason)
			require.Equal(t, "cancel", p.transaction(t, order)["state"], "Odoo does not show the money as received")
			p.requireChatterSays(t, orderID, "was reversed at Afterpay", "Injected refusal of "+step.name+".")
			p.requireMoneyAddsUp(t, info.Token, res.AfterpayOrderID)
		})
	}

	t.Run("Odoo down past the recording window: reversed in time, and Odoo says so once it answers", func(t *testing.T) {
		orderID, order := p.quotation(t, true, invoicedOnOrder(4400, 1))
		// Started ahead of Odoo's webhook, with a short recording window.
		outcome, _, err := workflows.StartPayment(ctx, p.temporal, p.cfg.Temporal.TaskQueue, workflows.PaymentInput{
			Database: p.cfg.Odoo.Database, OrderName: order, OrderID: orderID, ReturnURL: p.apiURL + "/afterpay/return",
			ConfirmationTimeout: time.Minute, RecordWindow: 3 * time.Second,
		})
		require.NoError(t, err)
		require.Equal(t, workflows.Started, outcome)
		p.confirm(t, orderID)
		info := p.waitCheckout(t, order)
		p.odooFaults.Inject(odoofault.Rule{Model: "payment.transaction", Method: "write", Action: odoofault.Unavailable})
		t.Cleanup(p.odooFaults.Clear)
		_, err = shopper.Checkout(ctx, info.RedirectCheckoutURL, shopper.Approve)
		require.NoError(t, err)
		require.EventuallyWithT(t, func(c *assert.CollectT) {
			payment, err := p.afterpay.GetPaymentByToken(ctx, info.Token)
			require.NoError(c, err)
			require.Equal(c, "REVERSED", payment.PaymentState)
		}, 30*time.Second, 200*time.Millisecond, "reversed while Odoo is down")
		require.Equal(t, workflows.StatusCompensating, p.status(t, order).Status, "Odoo does not know yet")
		p.odooFaults.Clear() // Odoo answers again
		res := p.result(t, order)
		require.Equal(t, workflows.StatusCompensated, res.Status, res.Reason)
		require.Equal(t, "cancel", p.transaction(t, order)["state"])
		p.requireChatterSays(t, orderID, "was reversed at Afterpay")
		p.requireMoneyAddsUp(t, info.Token, res.AfterpayOrderID)
	})

	t.Run("the worker stopped while each activity of the payment is in flight: it resumes, nothing twice, nothing reversed", func(t *testing.T) {
		orderID, order := p.quotation(t, true, invoicedOnOrder(8800, 1))
		slow := 1500 * time.Millisecond
		// Each step's call is slowed, so that the worker can be stopped while
		// its activity is in flight. An Odoo call stays slow until its step
		// has been seen: other payments' workflows, still open from the
		// subtests before, may make the same call first.
		steps := []struct {
			activity      string
			model, method string // an Odoo call the activity makes
			endpoint      string // or an Afterpay endpoint
		}{
			{activity: "ReadOrderState", model: "sale.order", method: "web_read"},
			{activity: "CreateCheckout", endpoint: sandbox.EndpointCreateCheckout},
			{activity: "OpenTransaction", model: "payment.transaction", method: "create"},
			{activity: "CapturePayment", endpoint: sandbox.EndpointCapture},
			{activity: "SetTransactionState", model: "payment.transaction", method: "write"},
			{activity: "PostOrderNote", model: "sale.order", method: "message_post"},
			{activity: "SetOrderAfterpay", model: "sale.order", method: "write"},
			{activity: "BookPayment", model: "account.payment", method: "create"},
			{activity: "ReadBooks", model: "sale.advance.payment.inv", method: "create"},
		}
		unslow := make([]func(), len(steps))
		for i, s := range steps {
			if s.endpoint != "" {
				require.NoError(t, p.sim.InjectFault(sandbox.Fault{Endpoint: s.endpoint, Kind: sandbox.FaultLatency, Delay: slow, Times: 1}))
				unslow[i] = func() {}
			} else {
				unslow[i] = p.odooFaults.Inject(odoofault.Rule{Model: s.model, Method: s.method, Action: odoofault.Slow, Delay: slow})
			}
		}
		t.Cleanup(func() { p.sim.ClearFaults(); p.odooFaults.Clear() })
		p.confirm(t, orderID)
		var token string
		approved := make(chan error, 1)
		for i, s := range steps {
			if s.activity == "CapturePayment" {
				// The customer approves; their return reaches the workflow
				// once a worker runs again.
				info := p.waitCheckout(t, order)
				token = info.Token
				go func() {
					_, err := shopper.Checkout(ctx, info.RedirectCheckoutURL, shopper.Approve)
					approved <- err
				}()
			}
			p.waitForActivity(t, order, s.activity)
			p.stopWorker(t)
			unslow[i]()
			p.startWorker(t)
		}
		require.NoError(t, <-approved)
		res := p.result(t, order)
		require.Equal(t, workflows.StatusCompleted, res.Status, res.Reason)
		payment, err := p.afterpay.GetPaymentByToken(ctx, token)
		require.NoError(t, err)
		require.Equal(t, "CAPTURED", payment.PaymentState, "never reversed")
		p.requireRecordedOnce(t, orderID, order, res.AfterpayOrderID)
		p.requireMoneyAddsUp(t, token, res.AfterpayOrderID)
	})

	t.Run("the worker killed (SIGKILL) while it records a payment: the next worker does it, once, and nothing is reversed", func(t *testing.T) {
		orderID, order := p.quotation(t, true, invoicedOnOrder(5300, 1))
		p.confirm(t, orderID)
		info := p.waitCheckout(t, order)
		// The worker runs as its own process, as cmd/worker, so that it can
		// be killed: its call in flight is never answered, and Temporal
		// gives it to the next worker when its start-to-close timeout ends.
		p.stopWorker(t)
		killed := p.workerProcess(t)
		// Slow until the step is seen in flight: a one-shot rule could be
		// used up by another open payment's write.
		unslow := p.odooFaults.Inject(odoofault.Rule{Model: "payment.transaction", Method: "write", Action: odoofault.Slow, Delay: 3 * time.Second})
		t.Cleanup(p.odooFaults.Clear)
		approved := make(chan error, 1)
		go func() {
			_, err := shopper.Checkout(ctx, info.RedirectCheckoutURL, shopper.Approve)
			approved <- err
		}()
		p.waitForActivity(t, order, "SetTransactionState")
		require.NoError(t, killed.Process.Signal(syscall.SIGKILL))
		_ = killed.Wait()
		unslow()
		p.startWorker(t)
		require.NoError(t, <-approved)
		res := p.waitView(t, order, "was recorded", func(v workflows.StatusView) bool { return v.Phase == workflows.PhaseAfterSale })
		require.Equal(t, workflows.StatusCompleted, res.Status, res.Reason)
		payment, err := p.afterpay.GetPaymentByToken(ctx, info.Token)
		require.NoError(t, err)
		require.Equal(t, "CAPTURED", payment.PaymentState, "never reversed")
		p.requireRecordedOnce(t, orderID, order, res.AfterpayOrderID)
		p.requireMoneyAddsUp(t, info.Token, res.AfterpayOrderID)
	})

	// Last: the server is slow for a while after its restart.
	t.Run("Temporal restarted mid-payment: the customer's return is not lost", func(t *testing.T) {
		orderID, order := p.quotation(t, true, invoicedOnOrder(2990, 3))
		p.confirm(t, orderID)
		info := p.waitCheckout(t, order)
		back := p.stopTemporal(t, 3*time.Second)
		// The customer approves while Temporal is down. Their return page
		// says it could not be recorded yet and reloads itself, as a
		// browser does, until it is.
		landing, err := shopper.Checkout(ctx, info.RedirectCheckoutURL, shopper.Approve)
		require.NoError(t, err)
		require.NoError(t, <-back, "restart the Temporal dev server")
		require.Positive(t, landing.Refreshes, "the page asked to be reloaded while Temporal was down")
		require.Equal(t, http.StatusOK, landing.Status, landing.Body)
		require.NotContains(t, landing.Body, "could not find")
		res := p.result(t, order)
		require.Equal(t, workflows.StatusCompleted, res.Status, res.Reason)
		p.requireRecordedOnce(t, orderID, order, res.AfterpayOrderID)
		p.requireMoneyAddsUp(t, info.Token, res.AfterpayOrderID)
	})
}

// waitForActivity waits until the order's workflow has an activity of that
// type started on a worker.
func (p *product) waitForActivity(t testing.TB, order, activity string) {
	t.Helper()
	require.EventuallyWithT(t, func(c *assert.CollectT) {
		desc, err := p.temporal.DescribeWorkflowExecution(context.Background(), p.workflowID(order), "")
		require.NoError(c, err)
		started, pending := false, []string{}
		for _, a := range desc.GetPendingActivities() {
			pending = append(pending, a.GetActivityType().GetName()+" "+a.GetState().String())
			if a.GetActivityType().GetName() == activity && a.GetState() == enumspb.PENDING_ACTIVITY_STATE_STARTED {
				started = true
			}
		}
		require.True(c, started, "%s in flight; pending: %v, workflow %s", activity, pending, desc.GetWorkflowExecutionInfo().GetStatus())
	}, time.Minute, 20*time.Millisecond)
}

// requireRecordedOnce checks that Odoo holds exactly one of each record a
// payment makes: the transaction, the capture's note, the invoice and its
// payment, linked both ways.
func (p *product) requireRecordedOnce(t testing.TB, orderID int64, order, afterpayOrderID string) {
	t.Helper()
	ctx := context.Background()
	tx := p.transaction(t, order) // exactly one
	require.Equal(t, "done", tx["state"])
	notes, err := p.odoo.SearchRead(ctx, "mail.message", []any{
		[]any{"model", "=", "sale.order"}, []any{"res_id", "=", orderID}, []any{"body", "ilike", "Afterpay payment captured"},
	}, []string{"id"}, nil)
	require.NoError(t, err)
	require.Len(t, notes, 1, "one capture note")
	invoices, err := p.odoo.SearchRead(ctx, "account.move",
		[]any{[]any{"invoice_origin", "=", order}, []any{"move_type", "=", "out_invoice"}, []any{"state", "!=", "cancel"}},
		[]string{"payment_state"}, nil)
	require.NoError(t, err)
	require.Len(t, invoices, 1, "one invoice")
	require.Contains(t, []any{"paid", "in_payment"}, invoices[0]["payment_state"])
	payments, err := p.odoo.SearchRead(ctx, "account.payment",
		[]any{[]any{"memo", "=", "Afterpay " + afterpayOrderID}}, []string{"payment_transaction_id", "state"}, nil)
	require.NoError(t, err)
	require.Len(t, payments, 1, "one payment")
	link, err := payments[0].Ref("payment_transaction_id")
	require.NoError(t, err)
	require.Equal(t, tx.ID(), link.ID)
}

// workerProcess runs the product's worker as cmd/worker, a process of its
// own, with the product's settings.
func (p *product) workerProcess(t testing.TB) *exec.Cmd {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "worker")
	out, err := exec.Command("go", "build", "-o", bin, "../cmd/worker").CombinedOutput()
	require.NoError(t, err, "%s", out)
	cmd := exec.Command(bin)
	cmd.Env = os.Environ()
	for k, v := range p.settings {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	require.NoError(t, cmd.Start())
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	return cmd
}
