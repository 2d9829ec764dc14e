package workflows

import (
	"fmt"
	"time"

	"go.temporal.io/sdk/workflow"

	"github.com/odoo-afterpay/bridge/activities"
)

// reversalWindow is Afterpay's: a payment can be reversed (no fee, nothing
// in settlement) within 10 minutes of its creation.
const reversalWindow = 10 * time.Minute

// Compensation is the money going back because Odoo could not record it.
type Compensation struct {
	Cause string `json:"cause"`
	// How says how the money went back, once it has.
	How string `json:"how,omitempty"`
}

// startCompensation enters the compensating phase.
func (r *run) startCompensation(ctx workflow.Context, cause string) {
	r.logger.Error("Returning the captured money", "afterpayOrder", r.s.AfterpayOrderID, "cause", cause)
	r.s.Compensation = &Compensation{Cause: cause}
	countCompensation(ctx)
	r.moveTo(ctx, PhaseCompensating)
}

// compensate gives a captured payment back (a reversal while Afterpay
// still allows one, a full refund after), then brings Odoo in line with
// Afterpay: the transaction cancelled, the order's Afterpay status, and a
// chatter note saying what was given back and why. While Odoo cannot be
// written, it keeps trying: Odoo learns what happened once it answers.
func (r *run) compensate(ctx workflow.Context) error {
	c := r.s.Compensation
	net := r.s.Ledger.Net()
	if c.How == "" && r.s.Ledger.Captured == 0 {
		// Only authorised (deferred): release the authorisation.
		open := r.s.Ledger.OpenToCapture()
		if err := r.void(onAfterpay(ctx, compensationOptions()), "compensation-void", open); err != nil {
			return err
		}
		net = open
		c.How = "voided at Afterpay (the authorisation is released; the customer is not charged)"
		r.s.Reason = c.Cause + "; the payment was " + c.How
		r.showOnOrderWith(onOdoo(ctx, odooSyncOptions()), "Voided", "")
	}
	if c.How == "" {
		actx := onAfterpay(ctx, compensationOptions())
		how, kind, label := "", EntryRefunded, "Refunded"
		var err error
		if workflow.Now(ctx).Sub(r.s.CapturedAt) < reversalWindow {
			how, kind, label = "reversed at Afterpay (no fee; the customer is not charged)", EntryReversed, "Reversed"
			err = workflow.ExecuteActivity(titled(actx, "Reverse "+net.String()+" at Afterpay"), act.ReversePayment, r.s.Checkout.Token).Get(ctx, nil)
		}
		if how == "" || activities.IsErrorType(err, activities.ErrTypeAfterpayRejected) {
			// Outside the window, or the reversal was refused (the window
			// closed while it was retried): refund in full instead.
			how, kind, label = "refunded in full at Afterpay", EntryRefunded, "Refunded"
			err = workflow.ExecuteActivity(titled(actx, "Refund "+net.String()+" at Afterpay"), act.RefundPayment, activities.RefundInput{
				OrderID: r.s.AfterpayOrderID, Amount: net,
				RequestID:         r.requestID(ctx, "compensation-refund"),
				MerchantReference: r.in.OrderName + "-compensation",
			}).Get(ctx, nil)
		}
		if err != nil {
			return &attentionError{cause: err,
				reason: fmt.Sprintf("%s, and giving the %s back at Afterpay failed (%s)", c.Cause, net, activities.OdooMessage(err)),
				todo:   "the money is still captured: fix what Afterpay says (the payment retries by itself), or refund it in Afterpay's merchant portal and resolve"}
		}
		if err := r.s.Ledger.Apply(LedgerEntry{Key: "compensation", Kind: kind, Amount: net, At: workflow.Now(ctx), Ref: r.s.AfterpayOrderID}); err != nil {
			return err
		}
		c.How = how
		r.s.Reason = c.Cause + "; the payment was " + how
		r.showOnOrderWith(onOdoo(ctx, odooSyncOptions()), label, "")
	}
	// Odoo must end up saying what happened: keep trying while it is down.
	sctx := onOdoo(ctx, odooSyncOptions())
	err := workflow.ExecuteActivity(titled(sctx, "Tell Odoo the money was given back"), act.SetTransactionState, activities.TransactionStateInput{
		TransactionID: r.s.TransactionID, State: "cancel", ProviderReference: r.s.AfterpayOrderID,
		Message: fmt.Sprintf("Afterpay payment %s %s: %s.", r.s.AfterpayOrderID, c.How, c.Cause),
	}).Get(ctx, nil)
	if err != nil && !isRefusal(err) {
		return err
	}
	// Odoo refused the transaction write (the reason for compensating, or
	// the transaction is gone): the note says it all the same.
	err = r.noteWith(sctx, "compensated", fmt.Sprintf(
		"Afterpay payment %s of %s was %s. %s. Nothing is owed to or by the customer for this payment.",
		r.s.AfterpayOrderID, net, c.How, upperFirst(c.Cause)))
	if err != nil && !isRefusal(err) {
		return err
	}
	r.finish(ctx, StatusCompensated, r.s.Reason)
	return nil
}
