package workflows

import (
	"fmt"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/odoo-afterpay/bridge/activities"
)

// record writes the captured payment into Odoo: the transaction done, with
// the Afterpay order as its reference, and a chatter note with the
// customer's instalment plan. If Odoo cannot take it within the recording
// window, the money goes back to the customer: a payment Odoo does not know
// about is the worst outcome for the merchant's books. A worker stopping
// or restarting meanwhile is no answer from Odoo: its activities are
// retried, never taken for a refusal.
func (r *run) record(ctx workflow.Context) error {
	rctx := workflow.WithActivityOptions(ctx, odooRecordOptions(r.in.RecordWindow))
	amount := r.s.Ledger.Net()
	err := workflow.ExecuteActivity(rctx, act.SetTransactionState, activities.TransactionStateInput{
		TransactionID: r.s.TransactionID, State: "done", ProviderReference: r.s.AfterpayOrderID,
		Message: "Captured by Afterpay, order " + r.s.AfterpayOrderID + ".",
	}).Get(ctx, nil)
	if err == nil {
		err = r.noteWith(rctx, "captured:"+r.s.AfterpayOrderID, fmt.Sprintf(
			"Afterpay payment captured: %s (Afterpay order %s). Instalment plan: %s.", amount, r.s.AfterpayOrderID, r.instalments()))
	}
	if err != nil {
		if !recordingRefused(err) {
			return err
		}
		r.startCompensation(ctx, "Odoo could not record the captured payment ("+activities.OdooMessage(err)+")")
		return nil
	}
	r.showOnOrder(ctx, "Captured", r.instalments())
	r.moveTo(ctx, PhaseInvoicing)
	return nil
}

// recordingRefused reports whether Odoo's failure to record the payment is
// final: a refusal, a missing record, or no answer within the recording
// window. Anything else (the workflow itself being cancelled) is not.
func recordingRefused(err error) bool {
	var timeout *temporal.TimeoutError
	var appErr *temporal.ApplicationError
	return errorsAs(err, &timeout) || errorsAs(err, &appErr)
}

// invoice invoices the order and registers the captured amount on the
// invoice, reconciled. The payment is captured and recorded on the
// transaction, so a failure here never gives the money back: the payment
// waits, needing attention, for Odoo or a person.
func (r *run) invoice(ctx workflow.Context) error {
	amount := r.s.Ledger.Net()
	var inv activities.Invoices
	err := workflow.ExecuteActivity(withOdoo(ctx), act.InvoiceOrder, r.s.Order.ID).Get(ctx, &inv)
	if activities.IsErrorType(err, activities.ErrTypeOdooRejected) {
		// Typically an order invoiced on delivery: nothing to invoice yet.
		reason := "Odoo did not invoice the order yet (" + activities.OdooMessage(err) + ")"
		r.noteBestEffort(ctx, "not-invoiced", fmt.Sprintf(
			"Afterpay payment %s (%s) is captured and recorded on the transaction, but %s: register the Afterpay payment on the invoice once the order is invoiced.",
			r.s.AfterpayOrderID, amount, reason))
		r.book(ctx, reason)
		return nil
	}
	if err != nil {
		return err
	}
	if inv.OpenID == 0 {
		r.book(ctx, "the order's invoices have nothing left to pay; no payment was registered on them")
		return nil
	}
	err = workflow.ExecuteActivity(withOdoo(ctx), act.RegisterInvoicePayment, activities.InvoicePaymentInput{
		InvoiceID: inv.OpenID, InvoiceIDs: inv.IDs, TransactionID: r.s.TransactionID,
		Amount: amount, Date: r.s.CapturedAt, Memo: "Afterpay " + r.s.AfterpayOrderID, AfterpayOrderID: r.s.AfterpayOrderID,
	}).Get(ctx, nil)
	if err != nil {
		return &attentionError{cause: err,
			reason: "the payment could not be registered on invoice " + inv.OpenName + " (" + activities.OdooMessage(err) + ")",
			todo: fmt.Sprintf("fix what Odoo says and retry from Temporal, or register %s on the invoice by hand in the Afterpay journal with memo \"Afterpay %s\" and resolve",
				amount, r.s.AfterpayOrderID)}
	}
	r.book(ctx, "")
	return nil
}
