package workflows

import (
	"fmt"
	"strings"
	"time"

	"go.temporal.io/sdk/workflow"

	"github.com/odoo-afterpay/bridge/activities"
	"github.com/odoo-afterpay/bridge/afterpay"
	"github.com/odoo-afterpay/bridge/money"
)

// CreditNoteOutcome is what the payment made of a credit note of its order.
type CreditNoteOutcome string

// The outcomes of a credit note.
const (
	// CreditRefunded: refunded at Afterpay and paid back in Odoo (an
	// outbound payment in the Afterpay journal, reconciled with it).
	CreditRefunded CreditNoteOutcome = "refunded"
	// CreditRefundedNotBooked: refunded at Afterpay; Odoo has not taken
	// the outbound payment yet (the payment needs attention until it has).
	CreditRefundedNotBooked CreditNoteOutcome = "refunded_not_booked"
	// CreditRefused: not refunded, and the merchant was told why (beyond
	// what is held, after the refund window, settled in Odoo already, or
	// Afterpay refused it).
	CreditRefused CreditNoteOutcome = "refused"
	// CreditRecordsAfterpayRefund: the credit note the product made to
	// record a refund made at Afterpay outside Odoo, or by an operator.
	CreditRecordsAfterpayRefund CreditNoteOutcome = "records_afterpay_refund"
	// CreditResolved: an operator recorded it as handled by hand.
	CreditResolved CreditNoteOutcome = "resolved"
)

// CreditNote is a posted customer credit note of the order, as far as the
// payment is concerned.
type CreditNote struct {
	ID      int64             `json:"id"`
	Name    string            `json:"name"`
	Amount  money.Money       `json:"amount"`
	Outcome CreditNoteOutcome `json:"outcome"`
	// RefundID is Afterpay's refund; PaymentID the outbound payment in Odoo.
	RefundID  string `json:"refundId,omitempty"`
	PaymentID int64  `json:"paymentId,omitempty"`
	// Reason says why a credit note was refused or resolved.
	Reason string    `json:"reason,omitempty"`
	At     time.Time `json:"at"`
}

// OperatorRecord is an operator's action and what came of it.
type OperatorRecord struct {
	ID     string             `json:"id"`
	Action OperatorActionKind `json:"action"`
	Amount string             `json:"amount,omitempty"`
	By     string             `json:"by,omitempty"`
	Note   string             `json:"note,omitempty"`
	At     time.Time          `json:"at"`
	// Result is what the workflow did, or why it could not.
	Result string `json:"result"`
	Done   bool   `json:"done"`
}

// checkEvery is how often, after the sale, the payment compares itself with
// Afterpay's record and Odoo's books: the events that drive it (webhooks)
// can be lost, the comparison cannot. finalCheckLead puts the last one just
// before the refund window closes.
const (
	checkEvery     = 24 * time.Hour
	finalCheckLead = time.Hour
)

// reviewOdoo reads the order's books (invoicing first what Odoo can invoice
// now, with invoice), settles its invoices and refunds its new credit notes.
func (r *run) reviewOdoo(ctx workflow.Context, invoice bool) error {
	return r.reviewOdooAfter(ctx, invoice, nil)
}

// reviewOdooAfter is reviewOdoo after Odoo reported ev: the books are read
// once they show it.
func (r *run) reviewOdooAfter(ctx workflow.Context, invoice bool, ev *OdooEvent) error {
	books, err := r.readBooks(ctx, invoice, ev)
	if err != nil {
		return err
	}
	if books.InvoicingHeld && !r.s.InvoicingHeld {
		r.s.InvoicingHeld = true
		r.noteBestEffort(ctx, "invoicing-held", "This order has a credit note made from its invoice, so the Afterpay payment no longer invoices it by itself: "+
			"Odoo counts the credited quantities as not invoiced, and invoicing them again would bill the customer twice. "+
			"Invoice any further delivery by hand; a posted invoice is still paid from the Afterpay payment.")
	}
	if err := r.settle(ctx, books); err != nil {
		return err
	}
	for _, cn := range books.CreditNotes {
		if err := r.refundCreditNote(ctx, cn); err != nil {
			return err
		}
	}
	return r.bookRefunds(ctx)
}

func (r *run) readBooks(ctx workflow.Context, invoice bool, ev *OdooEvent) (*activities.Books, error) {
	in := activities.BooksInput{
		OrderID: r.s.Order.ID, Invoice: invoice, AfterpayOrderID: r.s.AfterpayOrderID, PaymentIDs: r.bookedPayments(),
		CreditNotes: true, KnownCreditNotes: r.knownCreditNotes(),
	}
	if ev != nil {
		switch ev.Model {
		case "account.move":
			in.AwaitMove = ev.RecordID
		case "stock.picking":
			in.AwaitPicking = ev.RecordID
		}
	}
	var books activities.Books
	err := workflow.ExecuteActivity(titled(withOdoo(ctx), map[bool]string{true: "Invoice what Odoo can invoice, and read the order's books", false: "Read the order's invoices and credit notes in Odoo"}[invoice]), act.ReadBooks, in).Get(ctx, &books)
	if err != nil {
		return nil, &attentionError{cause: err, reason: "Odoo could not invoice the order or read its invoices and credit notes (" + activities.OdooMessage(err) + ")",
			todo: "fix what Odoo says and retry, or invoice the order by hand (the payment is reconciled with the invoice once it is posted)"}
	}
	return &books, nil
}

func (r *run) knownCreditNotes() []int64 {
	ids := make([]int64, 0, len(r.s.CreditNotes))
	for _, cn := range r.s.CreditNotes {
		ids = append(ids, cn.ID)
	}
	return ids
}

func (r *run) creditNote(id int64) *CreditNote {
	for i := range r.s.CreditNotes {
		if r.s.CreditNotes[i].ID == id {
			return &r.s.CreditNotes[i]
		}
	}
	return nil
}

func (r *run) creditNoteForRefund(refundID string) *CreditNote {
	for i := range r.s.CreditNotes {
		if r.s.CreditNotes[i].RefundID == refundID {
			return &r.s.CreditNotes[i]
		}
	}
	return nil
}

// closes is when Afterpay's refund window closes and the payment ends.
func (r *run) closes() time.Time { return r.s.PaidAt.Add(refundWindow) }

// refundCreditNote refunds a credit note posted in Odoo at Afterpay and
// pays it back in Odoo: Afterpay's refund carries a requestId and a
// merchantReference derived from the credit note, the same on every retry;
// the outbound payment in the Afterpay journal is reconciled with the
// credit note; the chatter says so. A credit note that cannot be refunded
// is refused, and the merchant told why, on the chatter and by an activity.
func (r *run) refundCreditNote(ctx workflow.Context, cn activities.CreditNote) error {
	// Until it is done, a failure names it (park reads it).
	r.working = &CreditNote{ID: cn.ID, Name: cn.Name, Amount: cn.Residual}
	rec := r.creditNote(cn.ID)
	if rec == nil {
		if cn.Ref != "" && r.s.Ledger.HasRef(cn.Ref) {
			// The credit note the product makes for a refund at Afterpay:
			// recordRefunds owns it, and finishes it (its outbound payment)
			// if an earlier attempt stopped half way.
			r.working = nil
			return nil
		}
		amount, net := cn.Residual, r.s.Ledger.Net()
		switch {
		case amount.Minor <= 0:
			return r.refuseCreditNote(ctx, cn, "it is settled in Odoo already (nothing is left to pay back on it), so nothing was refunded at Afterpay",
				fmt.Sprintf("if the customer is to get it back through Afterpay, refund it with `starter refund -order %s -amount %s`", r.in.OrderName, cn.Total.Amount()))
		case !workflow.Now(ctx).Before(r.closes()):
			return r.refuseCreditNote(ctx, cn, "Afterpay's 120-day refund window closed on "+r.closes().UTC().Format("2006-01-02"),
				"pay the customer back another way (bank transfer) and register that payment on the credit note")
		case amount.Currency != net.Currency || amount.Minor > net.Minor:
			return r.refuseCreditNote(ctx, cn, fmt.Sprintf("it is more than the %s Afterpay still holds of this payment (captured %s, refunded %s)",
				net, moneyOf(r.s.Ledger.Captured, r.s.Ledger.Currency), moneyOf(r.s.Ledger.Refunded, r.s.Ledger.Currency)),
				"check the credit note's amount; pay back any difference another way and register that payment on the credit note")
		}
		key := fmt.Sprintf("refund:creditnote:%d", cn.ID)
		var refund activities.RefundOutcome
		err := workflow.ExecuteActivity(titled(withAfterpay(ctx), "Refund "+amount.String()+" at Afterpay for credit note "+cn.Name), act.RefundPayment, activities.RefundInput{
			OrderID: r.s.AfterpayOrderID, Amount: amount, RequestID: r.requestID(ctx, key), MerchantReference: cn.Name,
		}).Get(ctx, &refund)
		if activities.IsErrorType(err, activities.ErrTypeAfterpayRejected) {
			return r.refuseCreditNote(ctx, cn, "Afterpay refused the refund ("+activities.OdooMessage(err)+")",
				"read Afterpay's answer; pay the customer back another way if Afterpay cannot, and register that payment on the credit note")
		}
		if err != nil {
			return &attentionError{cause: err, reason: fmt.Sprintf("refunding %s at Afterpay for credit note %s failed (%s)", amount, cn.Name, activities.OdooMessage(err)),
				todo: "nothing, unless it lasts: the refund is retried with the same idempotency key, so it is made once"}
		}
		if err := r.s.Ledger.Apply(LedgerEntry{Key: key, Kind: EntryRefunded, Amount: amount, At: workflow.Now(ctx), Ref: refund.RefundID}); err != nil {
			r.logger.Error("Afterpay made a refund the ledger cannot take", "error", err)
		}
		r.s.CreditNotes = append(r.s.CreditNotes, CreditNote{ID: cn.ID, Name: cn.Name, Amount: amount,
			Outcome: CreditRefundedNotBooked, RefundID: refund.RefundID, At: workflow.Now(ctx)})
		rec = &r.s.CreditNotes[len(r.s.CreditNotes)-1]
	}
	return r.bookRefund(ctx, rec)
}

// bookRefunds books the refunds Odoo has not taken yet (a retry resumes
// here, without refunding again).
func (r *run) bookRefunds(ctx workflow.Context) error {
	for i := range r.s.CreditNotes {
		if err := r.bookRefund(ctx, &r.s.CreditNotes[i]); err != nil {
			return err
		}
	}
	return nil
}

// bookRefund registers a credit note's refund as its outbound payment.
func (r *run) bookRefund(ctx workflow.Context, rec *CreditNote) error {
	if rec.Outcome != CreditRefundedNotBooked {
		return nil
	}
	r.working = rec
	var paymentID int64
	err := workflow.ExecuteActivity(titled(withOdoo(ctx), "Pay back credit note "+rec.Name+" from the Afterpay journal"), act.BookRefund, activities.BookRefundInput{
		CreditNoteID: rec.ID, Amount: rec.Amount, RefundID: rec.RefundID, Date: rec.At, AfterpayOrderID: r.s.AfterpayOrderID,
	}).Get(ctx, &paymentID)
	if err != nil {
		return &attentionError{cause: err,
			reason: fmt.Sprintf("%s was refunded at Afterpay for credit note %s (refund %s), but Odoo could not register the refund (%s)", rec.Amount, rec.Name, rec.RefundID, activities.OdooMessage(err)),
			todo: fmt.Sprintf("fix what Odoo says and retry, or register an outbound payment of %s in the Afterpay journal on credit note %s with memo \"Afterpay refund %s\" by hand and resolve",
				rec.Amount, rec.Name, rec.RefundID)}
	}
	rec.PaymentID, rec.Outcome = paymentID, CreditRefunded
	r.noteBestEffort(ctx, fmt.Sprintf("refund:creditnote:%d", rec.ID), fmt.Sprintf(
		"Credit note %s refunded at Afterpay: %s (refund %s, Afterpay order %s), paid back from the Afterpay journal and reconciled with the credit note. Afterpay now holds %s of this payment.",
		rec.Name, rec.Amount, rec.RefundID, r.s.AfterpayOrderID, r.s.Ledger.Net()))
	r.working = nil
	r.updateStatus(ctx)
	return nil
}

// refuseCreditNote tells the merchant, on the chatter and with an activity,
// why a credit note was not refunded at Afterpay.
func (r *run) refuseCreditNote(ctx workflow.Context, cn activities.CreditNote, reason, todo string) error {
	body := fmt.Sprintf("Credit note %s (%s) was not refunded at Afterpay: %s. What to do: %s.", cn.Name, cn.Total, reason, todo)
	if err := r.note(ctx, fmt.Sprintf("refused:creditnote:%d", cn.ID), body); err != nil {
		return err
	}
	if err := r.scheduleActivity(ctx, "Afterpay did not refund credit note "+cn.Name, body, workflow.Now(ctx)); err != nil {
		return err
	}
	r.logger.Warn("Credit note not refunded", "creditNote", cn.Name, "reason", reason)
	r.s.CreditNotes = append(r.s.CreditNotes, CreditNote{ID: cn.ID, Name: cn.Name, Amount: cn.Total, Outcome: CreditRefused, Reason: reason, At: workflow.Now(ctx)})
	r.working = nil
	return nil
}

func (r *run) scheduleActivity(ctx workflow.Context, summary, note string, deadline time.Time) error {
	return workflow.ExecuteActivity(titled(withOdoo(ctx), "Odoo activity: "+summary), act.ScheduleOrderActivity, activities.OrderActivityInput{
		OrderID: r.s.Order.ID, Summary: summary, Note: note, Deadline: deadline,
	}).Get(ctx, nil)
}

// syncAfterpay reads Afterpay's record of the payment and applies, once
// each, the changes made there outside the product: captures, voids (and
// an expired authorisation) and refunds, each recorded in Odoo as if the
// product had made it.
func (r *run) syncAfterpay(ctx workflow.Context) error {
	var found activities.PaymentLookup
	if err := workflow.ExecuteActivity(titled(withAfterpay(ctx), "Compare with Afterpay's record of the payment"), act.LookupPayment, r.s.Checkout.Token).Get(ctx, &found); err != nil {
		return &attentionError{cause: err, reason: "Afterpay's record of the payment could not be read (" + activities.OdooMessage(err) + ")",
			todo: "nothing, unless it lasts: the payment retries by itself"}
	}
	if !found.Found {
		return nil
	}
	p := found.Payment
	now := workflow.Now(ctx)
	l := &r.s.Ledger
	if p.Captured.Minor > l.Captured {
		delta := money.Money{Minor: p.Captured.Minor - l.Captured, Currency: p.Captured.Currency}
		key := "afterpay-capture:" + p.LastCaptureID
		if err := l.Apply(LedgerEntry{Key: key, Kind: EntryCaptured, Amount: delta, At: now, Ref: p.LastCaptureID}); err != nil {
			r.logger.Error("Afterpay shows a capture the ledger cannot take", "error", err)
		} else {
			r.noteBestEffort(ctx, key, fmt.Sprintf("Afterpay reports %s captured at Afterpay, outside Odoo (Afterpay order %s): it is booked in the Afterpay journal and matched with the order's invoices.",
				delta, r.s.AfterpayOrderID))
		}
	}
	if p.Voided.Minor > l.Voided {
		delta := money.Money{Minor: p.Voided.Minor - l.Voided, Currency: p.Voided.Currency}
		key, why := "afterpay-void:"+p.LastVoidID, "voided at Afterpay, outside Odoo"
		if p.State == afterpay.PaymentStateExpired {
			key, why = "auth-expired", "released by Afterpay when the authorisation expired"
		}
		if err := l.Apply(LedgerEntry{Key: key, Kind: EntryVoided, Amount: delta, At: now, Ref: p.LastVoidID}); err != nil {
			r.logger.Error("Afterpay shows a void the ledger cannot take", "error", err)
		} else {
			r.noteBestEffort(ctx, key, fmt.Sprintf("Afterpay reports %s of the authorisation %s: the customer will not pay it.", delta, why))
		}
	}
	for _, rf := range p.Refunds {
		if l.HasRef(rf.RefundID) {
			continue
		}
		if cn := r.resolvedCreditNoteOf(rf.Amount); cn != nil {
			// An operator resolved this credit note by hand: this refund is
			// the one they made.
			cn.RefundID = rf.RefundID
			if err := l.Apply(LedgerEntry{Key: fmt.Sprintf("refund:creditnote:%d", cn.ID), Kind: EntryRefunded, Amount: rf.Amount, At: rf.At, Ref: rf.RefundID}); err != nil {
				r.logger.Error("Afterpay shows a refund the ledger cannot take", "error", err)
			}
			continue
		}
		if err := l.Apply(LedgerEntry{Key: "afterpay-refund:" + rf.RefundID, Kind: EntryRefunded, Amount: rf.Amount, At: rf.At, Ref: rf.RefundID}); err != nil {
			r.logger.Error("Afterpay shows a refund the ledger cannot take", "error", err)
		}
	}
	if err := r.bookOutsideCaptures(ctx); err != nil {
		return err
	}
	if err := r.recordRefunds(ctx); err != nil {
		return err
	}
	if l.Captured == 0 && l.OpenToCapture().Minor <= 0 && r.deferred() {
		r.endWithoutMoney(ctx, Ending{Status: StatusVoided, Label: "Voided",
			Reason: "the whole authorisation was voided at Afterpay before anything was captured",
			Note:   fmt.Sprintf("Afterpay reports the whole authorisation of %s voided (Afterpay order %s); the customer pays nothing.", moneyOf(l.Authorised, l.Currency), r.s.AfterpayOrderID)})
		return nil
	}
	r.updateStatus(ctx)
	return nil
}

func (r *run) resolvedCreditNoteOf(amount money.Money) *CreditNote {
	for i := range r.s.CreditNotes {
		cn := &r.s.CreditNotes[i]
		if cn.Outcome == CreditResolved && cn.RefundID == "" && cn.Amount == amount {
			return cn
		}
	}
	return nil
}

// bookOutsideCaptures books, once each, captures made at Afterpay outside
// the product; settling then matches them with the order's invoices.
func (r *run) bookOutsideCaptures(ctx workflow.Context) error {
	for _, e := range r.s.Ledger.Entries {
		if e.Kind != EntryCaptured || !strings.HasPrefix(e.Key, "afterpay-capture:") || r.booking(e.Key) != nil {
			continue
		}
		var paymentID int64
		err := workflow.ExecuteActivity(titled(withOdoo(ctx), "Book "+e.Amount.String()+" captured outside Odoo in the Afterpay journal"), act.BookPayment, activities.BookInput{
			PartnerID: r.s.Order.PartnerID, Amount: e.Amount, Date: e.At, TransactionID: r.s.TransactionID,
			Memo: "Afterpay " + r.s.AfterpayOrderID + " capture " + e.Ref,
		}).Get(ctx, &paymentID)
		if err != nil {
			return &attentionError{cause: err, reason: fmt.Sprintf("%s captured at Afterpay outside Odoo could not be booked (%s)", e.Amount, activities.OdooMessage(err)),
				todo: "fix what Odoo says and retry, or register the payment in the Afterpay journal by hand and resolve"}
		}
		r.s.Bookings = append(r.s.Bookings, Booking{Key: e.Key, PaymentID: paymentID, Amount: e.Amount, Open: e.Amount})
		if err := r.markTransactionCaptured(ctx); err != nil {
			return err
		}
	}
	return nil
}

// recordRefunds records in Odoo, once each, the refunds made at Afterpay
// without a credit note (outside the product, or by an operator): a credit
// note on the order's invoice and its outbound payment.
func (r *run) recordRefunds(ctx workflow.Context) error {
	for _, e := range r.s.Ledger.Entries {
		outside := strings.HasPrefix(e.Key, "afterpay-refund:")
		if e.Kind != EntryRefunded || (!outside && !strings.HasPrefix(e.Key, "operator-refund:")) || r.creditNoteForRefund(e.Ref) != nil {
			continue
		}
		reason := "Refunded by an operator at Afterpay"
		if outside {
			reason = "Refunded at Afterpay, outside Odoo"
		}
		var rec activities.RecordedRefund
		err := workflow.ExecuteActivity(titled(withOdoo(ctx), "Record refund "+e.Ref+" of "+e.Amount.String()+" in Odoo with a credit note"), act.RecordRefund, activities.RecordRefundInput{
			OrderID: r.s.Order.ID, RefundID: e.Ref, Amount: e.Amount, Date: e.At, AfterpayOrderID: r.s.AfterpayOrderID, Reason: reason,
		}).Get(ctx, &rec)
		if err != nil {
			return &attentionError{cause: err,
				reason: fmt.Sprintf("%s was refunded at Afterpay (refund %s), but Odoo could not record it (%s)", e.Amount, e.Ref, activities.OdooMessage(err)),
				todo: fmt.Sprintf("fix what Odoo says and retry, or post a credit note of %s with reference %s and register its outbound payment in the Afterpay journal by hand, then resolve",
					e.Amount, e.Ref)}
		}
		r.s.CreditNotes = append(r.s.CreditNotes, CreditNote{ID: rec.CreditNoteID, Name: rec.CreditNoteName, Amount: e.Amount,
			Outcome: CreditRecordsAfterpayRefund, RefundID: e.Ref, PaymentID: rec.PaymentID, At: e.At})
		r.noteBestEffort(ctx, e.Key, fmt.Sprintf("%s: %s (refund %s, Afterpay order %s). Recorded with credit note %s and its outbound payment in the Afterpay journal. Afterpay now holds %s of this payment.",
			reason, e.Amount, e.Ref, r.s.AfterpayOrderID, rec.CreditNoteName, r.s.Ledger.Net()))
	}
	return nil
}

// check compares the payment with both sides: Odoo's books (invoices to
// settle, credit notes to refund) and Afterpay's record.
func (r *run) check(ctx workflow.Context) error {
	if err := r.reviewOdoo(ctx, true); err != nil {
		return err
	}
	return r.syncAfterpay(ctx)
}
