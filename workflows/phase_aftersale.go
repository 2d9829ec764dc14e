package workflows

import (
	"fmt"
	"time"

	"go.temporal.io/sdk/workflow"

	"github.com/odoo-afterpay/bridge/activities"
)

// refundWindow is Afterpay's: refunds are accepted up to 120 days after
// the purchase, and disputes may be opened as long.
const refundWindow = 120 * 24 * time.Hour

// afterSale keeps a booked payment open until Afterpay's refund window
// closes, applying each later event once: disputes, and changes made at
// Afterpay outside the product. It then closes with a final reconciliation.
func (r *run) afterSale(ctx workflow.Context) error {
	closes := r.s.CapturedAt.Add(refundWindow)
	for {
		if workflow.GetInfo(ctx).GetContinueAsNewSuggested() {
			return r.continueAsNew(ctx)
		}
		remaining := closes.Sub(workflow.Now(ctx))
		if remaining <= 0 {
			return r.reconcileAndClose(ctx)
		}
		m, err := r.waitFor(ctx, remaining, "Open until the refund window closes "+closes.UTC().Format("2006-01-02"),
			func(m *Message) bool { return m.Kind == MsgAfterpayEvent })
		if err != nil {
			return err
		}
		if m == nil {
			continue
		}
		if err := r.applyAfterpayEvent(ctx, m.Afterpay); err != nil {
			// Put it back: the step is retried, the event applied once.
			r.s.Inbox.Pending = append([]Message{*m}, r.s.Inbox.Pending...)
			return err
		}
	}
}

// applyAfterpayEvent records an event Afterpay reported in Odoo, once.
func (r *run) applyAfterpayEvent(ctx workflow.Context, ev *AfterpayEvent) error {
	if (ev.Token != "" && ev.Token != r.s.Checkout.Token) || (ev.OrderID != "" && ev.OrderID != r.s.AfterpayOrderID) {
		r.logger.Warn("Afterpay event for another payment ignored", "event", ev.ID)
		return nil
	}
	switch ev.Kind {
	case EventDispute:
		return r.applyDispute(ctx, ev)
	case EventRefundSettled:
		key := "afterpay-refund:" + ev.RefundID
		if ev.Amount == nil || r.s.Ledger.HasRef(ev.RefundID) || r.s.Ledger.Has(key) {
			return nil // a refund the product made, or reported before
		}
		if err := r.s.Ledger.Apply(LedgerEntry{Key: key, Kind: EntryRefunded, Amount: *ev.Amount, At: ev.At, Ref: ev.RefundID}); err != nil {
			r.logger.Error("Afterpay reports a refund the ledger cannot take", "error", err)
		}
		return r.note(ctx, key, fmt.Sprintf(
			"Afterpay reports a refund of %s (refund %s) made at Afterpay, outside Odoo. Record it with a credit note so that Odoo shows it.",
			*ev.Amount, ev.RefundID))
	case EventCaptureCompleted, EventAuthVoided:
		// The product's own captures and voids; nothing new for Odoo.
		return nil
	}
	r.logger.Warn("Unknown Afterpay event ignored", "kind", ev.Kind)
	return nil
}

// applyDispute tells the merchant about a dispute on the order's chatter,
// and gives finance an Odoo activity due before Afterpay's deadline.
func (r *run) applyDispute(ctx workflow.Context, ev *AfterpayEvent) error {
	d := ev.Dispute
	if d == nil {
		return nil
	}
	due := ""
	if !d.ResponseDueBy.IsZero() {
		due = ", respond by " + d.ResponseDueBy.UTC().Format("2006-01-02 15:04 MST")
	}
	body := fmt.Sprintf("Afterpay dispute %s on this payment: %s, %s disputed, status %s%s.", d.ID, d.Reason, d.Amount, d.Status, due)
	if d.ClosingReason != "" {
		body += " Closed: " + d.ClosingReason + "."
	}
	if err := r.note(ctx, "dispute:"+d.ID+":"+d.Status, body); err != nil {
		return err
	}
	if d.Status != "needs_response" {
		return nil
	}
	deadline := d.ResponseDueBy
	if !deadline.IsZero() {
		deadline = deadline.Add(-24 * time.Hour) // a day to spare
	}
	return workflow.ExecuteActivity(withOdoo(ctx), act.ScheduleOrderActivity, activities.OrderActivityInput{
		OrderID: r.s.Order.ID, Summary: "Respond to Afterpay dispute " + d.ID, Deadline: deadline,
		Note: body + " Submit evidence or accept it with `starter dispute-evidence` / `starter dispute-accept`.",
	}).Get(ctx, nil)
}

// reconcileAndClose compares Afterpay's record of the payment with the
// ledger Odoo was told about, says on the order whether they agree, and
// ends the payment.
func (r *run) reconcileAndClose(ctx workflow.Context) error {
	var found activities.PaymentLookup
	if err := workflow.ExecuteActivity(withAfterpay(ctx), act.LookupPayment, r.s.Checkout.Token).Get(ctx, &found); err != nil {
		return err
	}
	held := found.Payment.Net
	ours := r.s.Ledger.Net()
	if found.Found && held.Minor != ours.Minor {
		return &attentionError{cause: fmt.Errorf("afterpay holds %s, odoo was told %s", held, ours),
			reason: fmt.Sprintf("at the close of the refund window Afterpay holds %s of this payment, but Odoo was told %s", held, ours),
			todo:   "compare the payment in Afterpay's merchant portal with the order's invoices and credit notes, fix Odoo, and resolve"}
	}
	if err := r.note(ctx, "closed", fmt.Sprintf(
		"Afterpay's refund window has closed. Afterpay and Odoo agree: captured %s, refunded %s, held %s.",
		moneyOf(r.s.Ledger.Captured, r.s.Ledger.Currency), moneyOf(r.s.Ledger.Refunded, r.s.Ledger.Currency), ours)); err != nil {
		return err
	}
	r.s.Phase = PhaseDone
	return nil
}

// continueAsNew carries the state into a fresh run before the history
// grows large.
func (r *run) continueAsNew(ctx workflow.Context) error {
	r.drain(ctx)
	in := r.in
	state := *r.s
	in.Resume = &state
	return workflow.NewContinueAsNewError(ctx, PaymentWorkflowName, in)
}
