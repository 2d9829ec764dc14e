package workflows

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"go.temporal.io/sdk/log"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/odoo-afterpay/bridge/activities"
	"github.com/odoo-afterpay/bridge/mapping"
	"github.com/odoo-afterpay/bridge/money"
	"github.com/odoo-afterpay/bridge/odoo"
)

// act is the method-value handle for activities; a nil receiver is enough to
// name them.
var act *activities.Activities

// Afterpay facts the state machine depends on (afterpay-api.md §3.3).
const (
	reversalWindow     = 10 * time.Minute
	instalments        = 4
	instalmentInterval = 14 * 24 * time.Hour
	// Odoo commits right after its webhook returns, so the first re-read
	// comes soon; later ones back off to maxConfirmationPoll.
	firstConfirmationPoll = 250 * time.Millisecond
	maxConfirmationPoll   = 30 * time.Second
	// recordWindow bounds how long Odoo may stay unreachable while recording
	// a captured payment before the money is given back. It leaves room to
	// reverse (no fee) inside Afterpay's 10-minute reversal window.
	recordWindow = 7 * time.Minute
)

// Payment is the payment workflow. It holds the mapper its order validation
// needs; register it with RegisterWorkflowWithOptions under
// PaymentWorkflowName.
type Payment struct {
	Mapper *mapping.Mapper
}

// Run drives one order's Afterpay payment from the confirmed sale order to a
// payment recorded in Odoo, or to a clear reason why not.
func (p *Payment) Run(ctx workflow.Context, in PaymentInput) (*PaymentResult, error) {
	if err := in.Validate(); err != nil {
		return nil, temporal.NewNonRetryableApplicationError(err.Error(), "InvalidInput", nil)
	}
	r := &paymentRun{
		mapper: p.Mapper, in: in,
		logger: log.With(workflow.GetLogger(ctx), "order", in.OrderName),
		info:   CheckoutInfo{OrderName: in.OrderName, Status: StatusAwaitingOrder},
	}
	if err := workflow.SetQueryHandler(ctx, QueryCheckout, func() (CheckoutInfo, error) { return r.info, nil }); err != nil {
		return nil, err
	}
	// Histories from before Odoo mirrored the payment on the order (its
	// Afterpay fields, and the transaction and note after compensation)
	// replay without those steps.
	r.mirrorOnOrder = workflow.GetVersion(ctx, changeMirrorOnOrder, workflow.DefaultVersion, 1) >= 1
	r.listenForReturns(ctx)
	if err := r.handleReturnUpdates(ctx); err != nil {
		return nil, err
	}
	if err := workflow.UpsertTypedSearchAttributes(ctx, OdooOrderRefKey.ValueSet(in.OrderName)); err != nil {
		return nil, err
	}
	return r.run(ctx)
}

// paymentRun is the state of one execution.
type paymentRun struct {
	mapper  *mapping.Mapper
	in      PaymentInput
	logger  log.Logger
	info    CheckoutInfo
	order   *odoo.SaleOrder
	returns []CustomerReturn
	seen    map[CustomerReturn]bool
	// mirrorOnOrder: see changeMirrorOnOrder.
	mirrorOnOrder bool
}

// changeMirrorOnOrder is the workflow.GetVersion change id of the order's
// Afterpay fields and the Odoo records kept in line after compensation.
const changeMirrorOnOrder = "mirror-on-order"

func (r *paymentRun) run(ctx workflow.Context) (*PaymentResult, error) {
	order, result, err := r.awaitConfirmedOrder(ctx)
	if err != nil || result != nil {
		return result, err
	}
	r.order = order
	amount := order.AmountTotal
	r.info.Amount = &amount

	req, err := r.mapper.Checkout(order, mapping.Settings{
		RedirectConfirmURL: r.returnURL(), RedirectCancelURL: r.returnURL(),
	})
	var notPayable *mapping.NotPayableError
	if errors.As(err, &notPayable) {
		return r.notPayable(ctx, strings.Join(notPayable.Reasons, "; "))
	}
	if err != nil {
		return nil, temporal.NewNonRetryableApplicationError(err.Error(), "MappingFailed", err)
	}

	r.setStatus(ctx, StatusCreatingCheckout)
	var created activities.CheckoutCreated
	err = workflow.ExecuteActivity(withAfterpay(ctx), act.CreateCheckout, req).Get(ctx, &created)
	if rej, ok := activities.RejectionOf(err); ok {
		return r.notPayable(ctx, fmt.Sprintf("Afterpay refused the checkout: %s (%s)", rej.Message, rej.ErrorCode))
	}
	if err != nil {
		return nil, err
	}
	var txID int64
	err = workflow.ExecuteActivity(withOdoo(ctx), act.OpenTransaction, activities.TransactionInput{
		Reference: transactionReference(r.in.OrderName), OrderID: order.ID, PartnerID: order.Partner.ID,
		Amount: amount, Message: "Waiting for the customer to complete the Afterpay checkout.",
	}).Get(ctx, &txID)
	if err != nil {
		return nil, err
	}
	r.info.TransactionID = txID
	// Only now does the storefront see the checkout: a customer is never
	// sent to Afterpay for a payment Odoo has no transaction for.
	r.info.Token, r.info.RedirectCheckoutURL, r.info.Expires = created.Token, created.RedirectCheckoutURL, created.Expires
	if err := workflow.UpsertTypedSearchAttributes(ctx, AfterpayTokenKey.ValueSet(created.Token)); err != nil {
		return nil, err
	}
	r.setStatus(ctx, StatusAwaitingCustomer)

	payment, result, err := r.awaitApprovedPayment(ctx)
	if err != nil || result != nil {
		return result, err
	}
	return r.record(ctx, payment)
}

// awaitConfirmedOrder reads the order until it shows as confirmed. Odoo 18
// sends its webhook before committing the confirmation, so the first reads
// may still see a quotation; if it never shows "sale" the confirmation was
// rolled back and the workflow ends quietly.
func (r *paymentRun) awaitConfirmedOrder(ctx workflow.Context) (*odoo.SaleOrder, *PaymentResult, error) {
	deadline := workflow.Now(ctx).Add(r.in.ConfirmationTimeout)
	wait := firstConfirmationPoll
	for {
		var order odoo.SaleOrder
		err := workflow.ExecuteActivity(withOdoo(ctx), act.ReadOrder, activities.ReadOrderInput{ID: r.in.OrderID, Name: r.in.OrderName}).Get(ctx, &order)
		state := order.State
		if activities.IsErrorType(err, activities.ErrTypeOrderNotFound) {
			state, err = "missing", nil
		}
		if activities.IsErrorType(err, activities.ErrTypeOrderCurrency) {
			if r.in.OrderID > 0 { // the chatter needs the record id
				r.order = &odoo.SaleOrder{ID: r.in.OrderID, Name: r.in.OrderName}
			}
			res, err := r.notPayable(ctx, "the order's currency is not one Afterpay trades in (AUD, NZD, USD, CAD, GBP)")
			return nil, res, err
		}
		if err != nil {
			return nil, nil, err
		}
		switch state {
		case "sale":
			return &order, nil, nil
		case "cancel":
			return nil, r.finish(ctx, StatusOrderCancelled, "the order was cancelled in Odoo before payment"), nil
		}
		if !workflow.Now(ctx).Add(wait).Before(deadline) {
			reason := fmt.Sprintf("order %s still reads as %q after %s; its confirmation was probably rolled back in Odoo, so no payment was requested",
				r.in.OrderName, state, r.in.ConfirmationTimeout)
			r.logger.Warn("Order never confirmed", "state", state)
			return nil, r.finish(ctx, StatusOrderNotConfirmed, reason), nil
		}
		if err := workflow.Sleep(ctx, wait); err != nil {
			return nil, nil, err
		}
		wait = min(wait*2, maxConfirmationPoll)
	}
}

// notPayable tells the merchant on the order's chatter why Afterpay cannot be
// used, and ends the workflow.
func (r *paymentRun) notPayable(ctx workflow.Context, reason string) (*PaymentResult, error) {
	body := "Afterpay cannot be used for this order: " + reason + "."
	if err := r.note(ctx, "not-payable", body); err != nil {
		return nil, err
	}
	return r.finish(ctx, StatusNotPayable, reason), nil
}

// listenForReturns collects customer-return signals; duplicates (a browser
// refresh, a retried redirect) are dropped here.
func (r *paymentRun) listenForReturns(ctx workflow.Context) {
	r.seen = map[CustomerReturn]bool{}
	ch := workflow.GetSignalChannel(ctx, SignalCustomerReturn)
	workflow.Go(ctx, func(ctx workflow.Context) {
		for {
			var ret CustomerReturn
			if !ch.Receive(ctx, &ret) {
				return
			}
			r.queueReturn(ret)
		}
	})
}

// queueReturn queues a customer return unless the same one is queued or
// was handled already.
func (r *paymentRun) queueReturn(ret CustomerReturn) {
	if r.seen[ret] {
		r.logger.Info("Duplicate customer return ignored", "status", ret.Status)
		return
	}
	r.seen[ret] = true
	r.returns = append(r.returns, ret)
}

// returnAnswerWait bounds how long the customer-return update waits for the
// payment's outcome before it answers "pending".
const returnAnswerWait = 10 * time.Second

// handleReturnUpdates registers the customer-return update: the validator
// turns away a return for any other checkout (nothing is written to
// history), and the handler queues it like the signal, then answers the
// payment's outcome once there is one, or "pending".
func (r *paymentRun) handleReturnUpdates(ctx workflow.Context) error {
	return workflow.SetUpdateHandlerWithOptions(ctx, UpdateCustomerReturn,
		func(ctx workflow.Context, ret CustomerReturn) (ReturnOutcome, error) {
			r.queueReturn(ret)
			_, err := workflow.AwaitWithTimeout(ctx, returnAnswerWait, func() bool { return r.outcome().Outcome != OutcomePending })
			return r.outcome(), err
		},
		workflow.UpdateHandlerOptions{
			Validator: func(ret CustomerReturn) error {
				if ret.Status != ReturnSuccess && ret.Status != ReturnCancelled {
					return fmt.Errorf("return status %q is neither %s nor %s", ret.Status, ReturnSuccess, ReturnCancelled)
				}
				if r.info.Token == "" || ret.OrderToken != r.info.Token {
					return errors.New("not this payment's checkout token")
				}
				return nil
			},
			Description: "The customer's return from Afterpay's checkout page ({status, orderToken}); answers the payment's outcome.",
		})
}

// outcome is what the customer's return page shows for where the payment
// stands.
func (r *paymentRun) outcome() ReturnOutcome {
	out := ReturnOutcome{OrderName: r.in.OrderName, Amount: r.info.Amount, Outcome: OutcomePending}
	switch r.info.Status {
	case StatusRecording, StatusCompleted:
		out.Outcome = OutcomePaid
	case StatusNeedsAttention:
		if r.info.AfterpayOrderID != "" {
			out.Outcome = OutcomePaid // captured; the shop finishes its books
		}
	case StatusDeclined:
		out.Outcome = OutcomeDeclined
	case StatusCancelled:
		out.Outcome = OutcomeCancelled
	case StatusExpired:
		out.Outcome = OutcomeExpired
	case StatusCompensating, StatusCompensated:
		out.Outcome = OutcomeNotCompleted
	}
	return out
}

// nextReturn waits for a customer return that belongs to this checkout, or
// for the checkout to expire (ok false).
func (r *paymentRun) nextReturn(ctx workflow.Context) (CustomerReturn, bool, error) {
	for {
		remaining := r.info.Expires.Sub(workflow.Now(ctx))
		if remaining <= 0 {
			return CustomerReturn{}, false, nil
		}
		ok, err := workflow.AwaitWithTimeout(ctx, remaining, func() bool { return len(r.returns) > 0 })
		if err != nil || !ok {
			return CustomerReturn{}, false, err
		}
		ret := r.returns[0]
		r.returns = r.returns[1:]
		if ret.OrderToken != r.info.Token {
			r.logger.Warn("Customer return for another checkout token ignored")
			continue
		}
		return ret, true, nil
	}
}

// awaitApprovedPayment waits for the customer and captures. It returns the
// approved payment, or a result when the payment ended another way.
func (r *paymentRun) awaitApprovedPayment(ctx workflow.Context) (*activities.PaymentOutcome, *PaymentResult, error) {
	for {
		ret, ok, err := r.nextReturn(ctx)
		if err != nil {
			return nil, nil, err
		}
		if !ok {
			res, err := r.closeUnpaid(ctx, StatusExpired, "the Afterpay checkout expired before the customer completed it")
			return nil, res, err
		}
		if ret.Status == ReturnCancelled {
			res, err := r.closeUnpaid(ctx, StatusCancelled, "the customer cancelled the Afterpay checkout")
			return nil, res, err
		}
		r.setStatus(ctx, StatusCapturing)
		payment, err := r.capture(ctx)
		if rej, ok := activities.RejectionOf(err); ok {
			switch rej.ErrorCode {
			case "invalid_order_transaction_status":
				// The redirect came before Afterpay recorded the customer's
				// approval (or was forged): keep waiting for a real one.
				r.logger.Warn("Capture refused: customer has not confirmed at Afterpay yet")
				delete(r.seen, ret) // the real return will look the same
				r.setStatus(ctx, StatusAwaitingCustomer)
				continue
			case "invalid_token":
				res, err := r.closeUnpaid(ctx, StatusExpired, "the Afterpay checkout expired before the payment could be captured")
				return nil, res, err
			}
			return nil, nil, err
		}
		if err != nil {
			return nil, nil, err
		}
		if !payment.Approved() {
			r.info.AfterpayOrderID = payment.OrderID
			if err := workflow.UpsertTypedSearchAttributes(ctx, AfterpayOrderIDKey.ValueSet(payment.OrderID)); err != nil {
				return nil, nil, err
			}
			res, err := r.closeUnpaid(ctx, StatusDeclined, "Afterpay declined the payment")
			return nil, res, err
		}
		return payment, nil, nil
	}
}

// capture captures the payment in full. If the capture's own retries run out
// on errors that leave the outcome unknown, the payment is looked up by token,
// because the capture may have succeeded at Afterpay.
func (r *paymentRun) capture(ctx workflow.Context) (*activities.PaymentOutcome, error) {
	var payment activities.PaymentOutcome
	err := workflow.ExecuteActivity(withAfterpay(ctx), act.CapturePayment, activities.CaptureInput{
		Token: r.info.Token, MerchantReference: r.in.OrderName,
	}).Get(ctx, &payment)
	if err == nil || !activities.IsErrorType(err, activities.ErrTypeAfterpayUnavailable) {
		return &payment, err
	}
	var found activities.PaymentLookup
	if lerr := workflow.ExecuteActivity(withAfterpay(ctx), act.LookupPayment, r.info.Token).Get(ctx, &found); lerr != nil || !found.Found {
		return nil, err
	}
	return &found.Payment, nil
}

// closeUnpaid cancels the pending transaction, tells the merchant why on the
// chatter, and ends the workflow.
func (r *paymentRun) closeUnpaid(ctx workflow.Context, status Status, reason string) (*PaymentResult, error) {
	err := workflow.ExecuteActivity(withOdoo(ctx), act.SetTransactionState, activities.TransactionStateInput{
		TransactionID: r.info.TransactionID, State: "cancel", Message: reason, ProviderReference: r.info.AfterpayOrderID,
	}).Get(ctx, nil)
	if err != nil {
		return nil, err
	}
	if err := r.note(ctx, string(status), "Afterpay payment not completed: "+reason+"."); err != nil {
		return nil, err
	}
	r.showOnOrder(ctx, r.info.AfterpayOrderID, unpaidLabels[status], "")
	return r.finish(ctx, status, reason), nil
}

// unpaidLabels are the order's Afterpay status for payments that took no money.
var unpaidLabels = map[Status]string{
	StatusDeclined: "Declined", StatusCancelled: "Cancelled by the customer", StatusExpired: "Checkout expired",
}

// record writes the captured payment into Odoo. If Odoo cannot take it, the
// money goes back to the customer: a payment Odoo does not know about is the
// worst outcome for the merchant's books.
func (r *paymentRun) record(ctx workflow.Context, payment *activities.PaymentOutcome) (*PaymentResult, error) {
	r.info.AfterpayOrderID = payment.OrderID
	if err := workflow.UpsertTypedSearchAttributes(ctx, AfterpayOrderIDKey.ValueSet(payment.OrderID)); err != nil {
		return nil, err
	}
	r.setStatus(ctx, StatusRecording)
	rctx := workflow.WithActivityOptions(ctx, odooRecordOptions())
	err := workflow.ExecuteActivity(rctx, act.SetTransactionState, activities.TransactionStateInput{
		TransactionID: r.info.TransactionID, State: "done", ProviderReference: payment.OrderID,
		Message: "Captured by Afterpay, order " + payment.OrderID + ".",
	}).Get(ctx, nil)
	if err == nil {
		err = r.noteWith(rctx, "captured:"+payment.OrderID, capturedNote(payment))
	}
	if err != nil {
		return r.compensate(ctx, payment, err)
	}
	r.showOnOrder(ctx, payment.OrderID, "Captured", instalmentText(payment))
	res, err := r.invoiceAndPay(ctx, payment)
	if err != nil {
		return nil, err
	}
	res.AfterpayOrderID = payment.OrderID
	return res, nil
}

// showOnOrder fills the order's Afterpay fields, which Odoo users see on the
// order's Afterpay tab. They only mirror what the chatter and the
// transaction already record, so a failure is logged, not acted on.
func (r *paymentRun) showOnOrder(ctx workflow.Context, afterpayOrderID, status, instalments string) {
	if r.order == nil || !r.mirrorOnOrder {
		return
	}
	err := workflow.ExecuteActivity(withOdoo(ctx), act.SetOrderAfterpay, activities.OrderAfterpayInput{
		OrderID: r.order.ID, AfterpayOrderID: afterpayOrderID, Status: status, Instalments: instalments,
	}).Get(ctx, nil)
	if err != nil {
		r.logger.Warn("Writing the order's Afterpay fields failed", "error", err)
	}
}

// invoiceAndPay invoices the order and registers the captured amount on the
// invoice, reconciled. The payment is already captured and recorded on the
// transaction, so a failure here never gives the money back: it tells the
// merchant what to finish by hand.
func (r *paymentRun) invoiceAndPay(ctx workflow.Context, payment *activities.PaymentOutcome) (*PaymentResult, error) {
	var inv activities.Invoices
	err := workflow.ExecuteActivity(withOdoo(ctx), act.InvoiceOrder, r.order.ID).Get(ctx, &inv)
	if activities.IsErrorType(err, activities.ErrTypeOdooRejected) {
		// Typically an order invoiced on delivery: nothing to invoice yet.
		reason := "Odoo did not invoice the order yet (" + activities.OdooMessage(err) + ")"
		return r.finishWithNote(ctx, StatusCompleted, "not-invoiced", payment, reason,
			"register the Afterpay payment on the invoice once the order is invoiced")
	}
	if err == nil && inv.OpenID == 0 {
		return r.finish(ctx, StatusCompleted, "the order's invoices have nothing left to pay; no payment was registered on them"), nil
	}
	if err == nil {
		err = workflow.ExecuteActivity(withOdoo(ctx), act.RegisterInvoicePayment, activities.InvoicePaymentInput{
			InvoiceID: inv.OpenID, InvoiceIDs: inv.IDs, TransactionID: r.info.TransactionID,
			Amount: payment.Amount, Date: payment.Created, Memo: "Afterpay " + payment.OrderID, AfterpayOrderID: payment.OrderID,
		}).Get(ctx, nil)
		if err != nil {
			reason := "the payment could not be registered on invoice " + inv.OpenName + " (" + activities.OdooMessage(err) + ")"
			return r.finishWithNote(ctx, StatusNeedsAttention, "needs-attention", payment, reason,
				"register it on the invoice by hand, in the Afterpay journal, with memo \"Afterpay "+payment.OrderID+"\"")
		}
		return r.finish(ctx, StatusCompleted, ""), nil
	}
	reason := "invoicing the order failed (" + activities.OdooMessage(err) + ")"
	return r.finishWithNote(ctx, StatusNeedsAttention, "needs-attention", payment, reason, "invoice the order and register the payment by hand")
}

// finishWithNote ends a captured payment whose accounting is unfinished,
// telling the merchant on the order's chatter what is left to do.
func (r *paymentRun) finishWithNote(ctx workflow.Context, s Status, key string, payment *activities.PaymentOutcome, reason, todo string) (*PaymentResult, error) {
	body := fmt.Sprintf("Afterpay payment %s (%s) is captured and recorded on the transaction, but %s: %s.", payment.OrderID, payment.Amount, reason, todo)
	if err := r.note(ctx, key, body); err != nil {
		r.logger.Error("Posting the accounting note failed", "error", err)
	}
	return r.finish(ctx, s, reason), nil
}

// compensate gives a captured payment back because Odoo could not record it:
// a reversal while Afterpay still allows one (no fee), a full refund after.
// It then brings Odoo in line with Afterpay as far as Odoo lets it: the
// transaction cancelled, the order's Afterpay status, and a chatter note
// saying what was given back and why. It runs on a disconnected context so
// that cancelling the workflow cannot stop it half way.
func (r *paymentRun) compensate(ctx workflow.Context, payment *activities.PaymentOutcome, cause error) (*PaymentResult, error) {
	why := activities.OdooMessage(cause)
	r.logger.Error("Odoo could not record the captured payment; returning the money", "afterpayOrder", payment.OrderID, "error", cause)
	dctx, cancel := workflow.NewDisconnectedContext(ctx)
	defer cancel()
	r.setStatus(dctx, StatusCompensating)
	actx := workflow.WithActivityOptions(dctx, compensationOptions())
	var how, status string
	var err error
	if workflow.Now(dctx).Sub(payment.Created) < reversalWindow {
		how, status = "reversed at Afterpay (no fee; the customer is not charged)", "Reversed"
		err = workflow.ExecuteActivity(actx, act.ReversePayment, r.info.Token).Get(dctx, nil)
	}
	if status == "" || err != nil {
		// Outside the window, or the reversal was refused (e.g. the window
		// closed while it was retried): refund in full instead.
		how, status = "refunded in full at Afterpay", "Refunded"
		err = workflow.ExecuteActivity(actx, act.RefundPayment, activities.RefundInput{
			OrderID: payment.OrderID, Amount: payment.Amount,
			RequestID:         workflow.GetInfo(dctx).WorkflowExecution.ID + ":compensation-refund",
			MerchantReference: r.in.OrderName + "-compensation",
		}).Get(dctx, nil)
	}
	reason := fmt.Sprintf("Odoo could not record the captured payment (%s)", why)
	if err != nil {
		reason += fmt.Sprintf("; returning the money also failed (%s): resolve by hand", activities.OdooMessage(err))
		if r.mirrorOnOrder {
			r.noteBestEffort(dctx, "compensation-failed", fmt.Sprintf(
				"Afterpay payment %s of %s is captured, but Odoo could not record it (%s) and giving the money back at Afterpay failed (%s). "+
					"Refund it in Afterpay's merchant portal or record it in Odoo by hand.", payment.OrderID, payment.Amount, why, activities.OdooMessage(err)))
		}
		res := r.finish(dctx, StatusNeedsAttention, reason)
		res.AfterpayOrderID = payment.OrderID
		return res, nil
	}
	reason += "; the payment was " + how
	if !r.mirrorOnOrder {
		res := r.finish(dctx, StatusCompensated, reason)
		res.AfterpayOrderID = payment.OrderID
		return res, nil
	}
	r.cancelTransactionBestEffort(dctx, fmt.Sprintf("Afterpay payment %s %s: Odoo could not record it (%s).", payment.OrderID, how, why))
	r.showOnOrder(dctx, payment.OrderID, status, "")
	r.noteBestEffort(dctx, "compensated", fmt.Sprintf(
		"Afterpay payment %s of %s was %s, because Odoo could not record it: %s. Nothing is owed to or by the customer for this payment.",
		payment.OrderID, payment.Amount, how, why))
	res := r.finish(dctx, StatusCompensated, reason)
	res.AfterpayOrderID = payment.OrderID
	return res, nil
}

// cancelTransactionBestEffort marks the order's transaction cancelled after
// the money went back. Odoo may refuse it (the reason for compensating in
// the first place, or the transaction is gone); the chatter note still says
// what happened.
func (r *paymentRun) cancelTransactionBestEffort(ctx workflow.Context, message string) {
	err := workflow.ExecuteActivity(withOdoo(ctx), act.SetTransactionState, activities.TransactionStateInput{
		TransactionID: r.info.TransactionID, State: "cancel", Message: message, ProviderReference: r.info.AfterpayOrderID,
	}).Get(ctx, nil)
	if err != nil {
		r.logger.Warn("Cancelling the transaction after compensation failed", "error", err)
	}
}

// noteBestEffort posts a chatter note and logs, rather than fails, if Odoo
// will not take it.
func (r *paymentRun) noteBestEffort(ctx workflow.Context, key, body string) {
	if err := r.note(ctx, key, body); err != nil {
		r.logger.Error("Posting a chatter note failed", "key", key, "error", err)
	}
}

// capturedNote is the chatter note of a captured payment, with the
// customer's instalment plan.
func capturedNote(p *activities.PaymentOutcome) string {
	return fmt.Sprintf("Afterpay payment captured: %s (Afterpay order %s). Instalment plan: %s.", p.Amount, p.OrderID, instalmentText(p))
}

// instalmentText is the customer's plan: four instalments, one every two
// weeks.
func instalmentText(p *activities.PaymentOutcome) string {
	var b strings.Builder
	for i, inst := range InstalmentPlan(p.Amount, p.Created) {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "%s due %s", inst.Amount, inst.Due.UTC().Format("2006-01-02"))
	}
	b.WriteString(" (4 instalments, every 2 weeks)")
	return b.String()
}

// InstalmentPlan is the customer's schedule for an amount paid on start.
func InstalmentPlan(amount money.Money, start time.Time) []Instalment {
	parts := amount.Split(instalments)
	plan := make([]Instalment, len(parts))
	for i, part := range parts {
		plan[i] = Instalment{Amount: part, Due: start.Add(time.Duration(i) * instalmentInterval)}
	}
	return plan
}

// Instalment is one payment of the customer's plan.
type Instalment struct {
	Amount money.Money `json:"amount"`
	Due    time.Time   `json:"due"`
}

func (r *paymentRun) note(ctx workflow.Context, key, body string) error {
	return r.noteWith(withOdoo(ctx), key, body)
}

func (r *paymentRun) noteWith(ctx workflow.Context, key, body string) error {
	if r.order == nil {
		return nil
	}
	// The marker makes the note idempotent across activity retries.
	marker := "[afterpay:" + workflow.GetInfo(ctx).WorkflowExecution.ID + ":" + key + "]"
	return workflow.ExecuteActivity(ctx, act.PostOrderNote, activities.NoteInput{
		OrderID: r.order.ID, Body: body + " " + marker, Marker: marker,
	}).Get(ctx, nil)
}

func (r *paymentRun) setStatus(ctx workflow.Context, s Status) {
	r.info.Status = s
	if err := workflow.UpsertTypedSearchAttributes(ctx, PaymentStatusKey.ValueSet(string(s))); err != nil {
		r.logger.Error("Upserting PaymentStatus failed", "error", err)
	}
}

func (r *paymentRun) finish(ctx workflow.Context, s Status, reason string) *PaymentResult {
	r.setStatus(ctx, s)
	r.info.Reason = reason
	r.logger.Info("Payment finished", "status", s, "reason", reason)
	return &PaymentResult{Status: s, Reason: reason, Amount: r.info.Amount, TransactionID: r.info.TransactionID}
}

// returnURL is where Afterpay sends the customer back; the order name lets
// the API find this workflow without a visibility query.
func (r *paymentRun) returnURL() string {
	sep := "?"
	if strings.Contains(r.in.ReturnURL, "?") {
		sep = "&"
	}
	return r.in.ReturnURL + sep + "order=" + r.in.OrderName
}

// transactionReference is the order's unique payment.transaction reference.
func transactionReference(orderName string) string { return orderName + "-AFTERPAY" }

func withOdoo(ctx workflow.Context) workflow.Context {
	return workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout:    45 * time.Second, // the client's own call timeout is 30 s
		ScheduleToCloseTimeout: 30 * time.Minute,
		RetryPolicy: &temporal.RetryPolicy{
			InitialInterval: time.Second, BackoffCoefficient: 2, MaximumInterval: time.Minute,
		},
	})
}

func odooRecordOptions() workflow.ActivityOptions {
	return workflow.ActivityOptions{
		StartToCloseTimeout:    45 * time.Second,
		ScheduleToCloseTimeout: recordWindow,
		RetryPolicy: &temporal.RetryPolicy{
			InitialInterval: time.Second, BackoffCoefficient: 2, MaximumInterval: 30 * time.Second,
		},
	}
}

func withAfterpay(ctx workflow.Context) workflow.Context {
	return workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout:    90 * time.Second, // Afterpay's money calls may take 70 s
		ScheduleToCloseTimeout: 20 * time.Minute,
		RetryPolicy: &temporal.RetryPolicy{
			InitialInterval: 2 * time.Second, BackoffCoefficient: 2, MaximumInterval: time.Minute,
		},
	})
}

// compensationOptions retry for a day: giving up leaves a customer charged
// for a payment the merchant's books do not show.
func compensationOptions() workflow.ActivityOptions {
	return workflow.ActivityOptions{
		StartToCloseTimeout:    90 * time.Second,
		ScheduleToCloseTimeout: 24 * time.Hour,
		RetryPolicy: &temporal.RetryPolicy{
			InitialInterval: 2 * time.Second, BackoffCoefficient: 2, MaximumInterval: 5 * time.Minute,
		},
	}
}
