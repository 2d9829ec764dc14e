package workflows

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"go.temporal.io/sdk/workflow"

	"github.com/odoo-afterpay/bridge/activities"
	"github.com/odoo-afterpay/bridge/money"
)

// refundWindow is Afterpay's: refunds are accepted up to 120 days after
// the purchase, and disputes may be opened as long.
const refundWindow = 120 * 24 * time.Hour

// authWarning is how long before an authorisation expires the salesperson
// is asked to ship (or capture) what is left.
const authWarning = 24 * time.Hour

// afterSale keeps a paid order's payment open until Afterpay's refund
// window closes, applying each later event once: deliveries and invoices
// (captured, booked and reconciled), credit notes (refunded), the order
// cancelled, disputes, changes made at Afterpay outside the product, and
// operators' refunds and voids. Events can be lost, so it also compares
// itself with both sides daily, and once more just before the window
// closes. An authorisation's own expiry is a timer on Afterpay's date. It
// then closes with a final reconciliation.
func (r *run) afterSale(ctx workflow.Context) error {
	closes := r.closes()
	for {
		if workflow.GetInfo(ctx).GetContinueAsNewSuggested() {
			return r.continueAsNew(ctx)
		}
		now := workflow.Now(ctx)
		if !now.Before(closes) {
			return r.reconcileAndClose(ctx)
		}
		if r.s.NextCheck.IsZero() {
			r.s.NextCheck = r.nextCheck(now)
		}
		if !now.Before(r.s.NextCheck) {
			if err := r.check(ctx); err != nil || r.s.Phase != PhaseAfterSale {
				return err
			}
			r.recovered(ctx)
			r.s.NextCheck = r.nextCheck(now)
			continue
		}
		next, what := r.s.NextCheck, "Compare with Afterpay and Odoo at "+r.s.NextCheck.UTC().Format("2006-01-02 15:04 MST")+"; the refund window closes "+closes.UTC().Format("2006-01-02")
		if r.authOpen() {
			warn := r.s.AuthExpires.Add(-authWarning)
			switch {
			case !now.Before(r.s.AuthExpires):
				if err := r.authExpired(ctx); err != nil || r.s.Phase != PhaseAfterSale {
					return err
				}
				continue
			case !r.s.AuthWarned && !now.Before(warn):
				if err := r.warnAuthExpiry(ctx); err != nil {
					return err
				}
				continue
			case !r.s.AuthWarned && warn.Before(next):
				next, what = warn, "Warn the salesperson: the authorisation expires "+r.s.AuthExpires.UTC().Format("2006-01-02 15:04 MST")
			case r.s.AuthWarned && r.s.AuthExpires.Before(next):
				next, what = r.s.AuthExpires, "The authorisation expires "+r.s.AuthExpires.UTC().Format("2006-01-02 15:04 MST")
			}
		}
		m, err := r.waitFor(ctx, next.Sub(now), what, func(m *Message) bool {
			return m.Kind == MsgAfterpayEvent || m.Kind == MsgOdooEvent || m.Kind == MsgOperator
		})
		if err != nil {
			return err
		}
		if m == nil {
			continue
		}
		switch m.Kind {
		case MsgOdooEvent:
			err = r.applyOdooEvent(ctx, m.Odoo)
		case MsgAfterpayEvent:
			err = r.applyAfterpayEvent(ctx, m.Afterpay)
		case MsgOperator:
			r.operate(ctx, m)
		}
		if err != nil {
			// Put it back: the step is retried, the event applied once.
			r.s.Inbox.Pending = append([]Message{*m}, r.s.Inbox.Pending...)
			return &eventError{messageID: m.ID, err: err}
		}
		r.recovered(ctx)
		if r.s.Phase != PhaseAfterSale {
			return nil
		}
	}
}

// nextCheck is the next daily comparison after now, counted from the
// payment, and the last one just before the refund window closes.
func (r *run) nextCheck(now time.Time) time.Time {
	final := r.closes().Add(-finalCheckLead)
	days := now.Sub(r.s.PaidAt)/checkEvery + 1
	next := r.s.PaidAt.Add(days * checkEvery)
	if !now.Before(final) {
		return r.closes()
	}
	if next.After(final) {
		return final
	}
	return next
}

// eventError is a failure while applying a message: resolving it by hand
// drops the message.
type eventError struct {
	messageID string
	err       error
}

func (e *eventError) Error() string { return e.err.Error() }
func (e *eventError) Unwrap() error { return e.err }

// authOpen reports whether part of a deferred payment's authorisation is
// still open to capture.
func (r *run) authOpen() bool {
	return r.deferred() && !r.s.AuthExpires.IsZero() && r.s.Ledger.OpenToCapture().Minor > 0
}

// applyOdooEvent acts on what happened to the order in Odoo; the event
// only says where to look, the workflow reads Odoo itself.
func (r *run) applyOdooEvent(ctx workflow.Context, ev *OdooEvent) error {
	switch ev.Kind {
	case OdooInvoicePosted:
		if slices.Contains(r.s.PaidInvoices, ev.RecordID) {
			// The payment posted and paid this invoice itself: nothing new
			// to read (an invoice posted again is a new event only once,
			// by its id).
			r.logger.Info("Posted invoice already paid from the Afterpay payment", "invoice", ev.RecordID)
			return nil
		}
		return r.reviewOdooAfter(ctx, true, ev)
	case OdooDeliveryDone:
		// A delivery makes more of the order invoiceable; a posted invoice
		// is more to pay. Either way: invoice what can be, then settle.
		return r.reviewOdooAfter(ctx, true, ev)
	case OdooCreditNotePosted:
		return r.reviewOdooAfter(ctx, false, ev)
	case OdooOrderCancelled:
		return r.orderCancelledAfterPayment(ctx)
	}
	r.logger.Info("Odoo event not acted on", "kind", ev.Kind)
	return nil
}

// orderCancelledAfterPayment: what is only authorised is voided; money
// already captured goes back through a credit note, which a person in Odoo
// is asked to make (its refund then follows from it).
func (r *run) orderCancelledAfterPayment(ctx workflow.Context) error {
	if r.deferred() {
		// What was delivered was captured; the rest is voided.
		open := r.s.Ledger.OpenToCapture()
		if open.Minor > 0 {
			if err := r.void(ctx, "void:order-cancelled", open); err != nil {
				return err
			}
		}
		if r.s.Ledger.Captured == 0 {
			r.endWithoutMoney(ctx, Ending{Status: StatusOrderCancelled, Label: "Voided",
				Reason: "the order was cancelled in Odoo before anything was delivered; the Afterpay authorisation was voided",
				Note:   fmt.Sprintf("The order was cancelled in Odoo: the Afterpay authorisation of %s was voided; the customer pays nothing.", open)})
			return nil
		}
		if open.Minor > 0 {
			r.noteBestEffort(ctx, "void:order-cancelled", fmt.Sprintf(
				"The order was cancelled in Odoo: the %s still authorised at Afterpay was voided; the customer pays only the %s delivered.", open, r.s.Ledger.Net()))
		}
		r.updateStatus(ctx)
		return nil
	}
	net := r.s.Ledger.Net()
	if net.Minor <= 0 {
		return nil
	}
	body := fmt.Sprintf("The order was cancelled in Odoo after the customer paid %s with Afterpay (order %s). Refund it: post a credit note for what the customer gets back; the refund at Afterpay follows from it.",
		net, r.s.AfterpayOrderID)
	r.noteBestEffort(ctx, "cancelled-after-payment", body)
	return workflow.ExecuteActivity(titled(withOdoo(ctx), "Odoo activity: refund the Afterpay payment of this cancelled order"), act.ScheduleOrderActivity, activities.OrderActivityInput{
		OrderID: r.s.Order.ID, Summary: "Refund the Afterpay payment of this cancelled order", Note: body, Deadline: workflow.Now(ctx),
	}).Get(ctx, nil)
}

// void releases an amount of the authorisation at Afterpay, once per key.
func (r *run) void(ctx workflow.Context, key string, amount money.Money) error {
	if r.s.Ledger.Has(key) {
		return nil
	}
	var p activities.PaymentOutcome
	err := workflow.ExecuteActivity(titled(withAfterpay(ctx), "Void "+amount.String()+" of the authorisation at Afterpay"), act.Void, activities.VoidInput{
		OrderID: r.s.AfterpayOrderID, Amount: amount, RequestID: r.requestID(ctx, key),
	}).Get(ctx, &p)
	if err != nil {
		return &attentionError{cause: err, reason: fmt.Sprintf("voiding %s at Afterpay failed (%s)", amount, activities.OdooMessage(err)),
			todo: "fix what Afterpay says and retry, or void it in Afterpay's merchant portal and resolve"}
	}
	return r.s.Ledger.Apply(LedgerEntry{Key: key, Kind: EntryVoided, Amount: amount, At: workflow.Now(ctx), Ref: r.s.AfterpayOrderID})
}

// warnAuthExpiry asks the salesperson, a day ahead, to ship what is left
// before Afterpay voids the rest of the authorisation.
func (r *run) warnAuthExpiry(ctx workflow.Context) error {
	open := r.s.Ledger.OpenToCapture()
	err := workflow.ExecuteActivity(titled(withOdoo(ctx), "Odoo activity: ship before the Afterpay authorisation expires"), act.ScheduleOrderActivity, activities.OrderActivityInput{
		OrderID: r.s.Order.ID, Summary: "Ship before the Afterpay authorisation expires",
		Note: fmt.Sprintf("%s of this order's Afterpay payment is authorised and not captured yet. Afterpay voids it on %s: deliver the rest of the order before then, or the customer will not pay for it.",
			open, r.s.AuthExpires.UTC().Format("2006-01-02 15:04 MST")),
		Deadline: r.s.AuthExpires,
	}).Get(ctx, nil)
	if err != nil {
		return err
	}
	r.s.AuthWarned = true
	return nil
}

// authExpired records, on Afterpay's own expiry date, that what was not
// captured will not be: Afterpay has voided it.
func (r *run) authExpired(ctx workflow.Context) error {
	open := r.s.Ledger.OpenToCapture()
	if err := r.s.Ledger.Apply(LedgerEntry{Key: "auth-expired", Kind: EntryVoided, Amount: open, At: r.s.AuthExpires, Ref: r.s.AfterpayOrderID}); err != nil {
		return err
	}
	body := fmt.Sprintf("The Afterpay authorisation expired on %s: the %s not captured by then was voided by Afterpay, and the customer will not pay it.",
		r.s.AuthExpires.UTC().Format("2006-01-02"), open)
	if r.s.Ledger.Captured == 0 {
		r.endWithoutMoney(ctx, Ending{Status: StatusExpired, Label: "Authorisation expired", Note: body,
			Reason: "the Afterpay authorisation expired before anything was delivered"})
		return nil
	}
	r.noteBestEffort(ctx, "auth-expired", body)
	r.s.OpenNote = ""
	r.updateStatus(ctx)
	return nil
}

// applyAfterpayEvent acts on an event Afterpay reported: a dispute is
// told to the merchant; a payment event makes the workflow read Afterpay's
// record, which is the truth, and apply what changed there.
func (r *run) applyAfterpayEvent(ctx workflow.Context, ev *AfterpayEvent) error {
	if (ev.Token != "" && ev.Token != r.s.Checkout.Token) || (ev.OrderID != "" && ev.OrderID != r.s.AfterpayOrderID) {
		r.logger.Warn("Afterpay event for another payment ignored", "event", ev.ID)
		return nil
	}
	switch ev.Kind {
	case EventDispute:
		return r.applyDispute(ctx, ev)
	case EventRefundSettled, EventCaptureCompleted, EventAuthVoided:
		return r.syncAfterpay(ctx)
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
	return workflow.ExecuteActivity(titled(withOdoo(ctx), "Odoo activity: respond to Afterpay dispute "+d.ID), act.ScheduleOrderActivity, activities.OrderActivityInput{
		OrderID: r.s.Order.ID, Summary: "Respond to Afterpay dispute " + d.ID, Deadline: deadline,
		Note: body + " Submit evidence or accept it with `starter dispute-evidence` / `starter dispute-accept`.",
	}).Get(ctx, nil)
}

// reconcileAndClose ends the payment when Afterpay's refund window has
// closed: it compares Afterpay's record (captured, refunded, voided) with
// the ledger and with what Odoo's books show paid on the order (paid on its
// invoices less paid back on its credit notes), and says on the order
// whether they agree. A credit note posted too late is refused first. If
// they disagree, the payment waits for a person.
func (r *run) reconcileAndClose(ctx workflow.Context) error {
	books, err := r.readBooks(ctx, false, nil)
	if err != nil {
		return err
	}
	for _, cn := range books.CreditNotes {
		if err := r.refundCreditNote(ctx, cn); err != nil {
			return err
		}
	}
	var found activities.PaymentLookup
	if err := workflow.ExecuteActivity(titled(withAfterpay(ctx), "Read Afterpay's record of the payment for the final reconciliation"), act.LookupPayment, r.s.Checkout.Token).Get(ctx, &found); err != nil {
		return err
	}
	l := r.s.Ledger
	cur := l.Currency
	ours := fmt.Sprintf("captured %s, refunded %s, voided %s", moneyOf(l.Captured, cur), moneyOf(l.Refunded, cur), moneyOf(l.Voided, cur))
	p := found.Payment
	var differences []string
	if found.Found && (p.Captured.Minor != l.Captured || p.Refunded.Minor != l.Refunded || p.Voided.Minor != l.Voided) {
		differences = append(differences, fmt.Sprintf("Afterpay shows captured %s, refunded %s, voided %s; the payment applied %s", p.Captured, p.Refunded, p.Voided, ours))
	}
	if paid := books.PaidOnInvoices.Minor - books.PaidBackOnCreditNotes.Minor; paid != l.Net().Minor {
		differences = append(differences, fmt.Sprintf("Odoo shows %s paid on the order's invoices and %s paid back on its credit notes, but Afterpay holds %s",
			books.PaidOnInvoices, books.PaidBackOnCreditNotes, l.Net()))
	}
	if len(differences) > 0 {
		return &attentionError{cause: fmt.Errorf("final reconciliation: %s", strings.Join(differences, "; ")),
			reason: "at the close of Afterpay's refund window, " + strings.Join(differences, "; "),
			todo:   "compare the payment in Afterpay's merchant portal with the order's invoices, credit notes and Afterpay-journal payments, correct Odoo, and resolve with a note"}
	}
	if err := r.note(ctx, "closed", fmt.Sprintf(
		"Afterpay's refund window has closed. Afterpay and Odoo agree: %s; %s held, which is what the order's invoices show paid less its credit notes paid back.",
		ours, l.Net())); err != nil {
		return err
	}
	r.s.Phase = PhaseDone
	return nil
}

// continueAsNew carries the state into a fresh run before the history
// grows large.
func (r *run) continueAsNew(ctx workflow.Context) error {
	r.drain(ctx)
	r.flushAttributes(ctx)
	in := r.in
	state := *r.s
	in.Resume = &state
	return workflow.NewContinueAsNewError(ctx, PaymentWorkflowName, in)
}
