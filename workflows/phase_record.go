package workflows

import (
	"fmt"
	"slices"
	"strings"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/odoo-afterpay/bridge/activities"
	"github.com/odoo-afterpay/bridge/money"
)

// Capture modes: capture the whole order when the customer approves, or
// authorise then and capture what is delivered, as it is delivered.
const (
	CaptureImmediate = "immediate"
	CaptureDeferred  = "deferred"
)

// record writes the payment into Odoo: the transaction (done once money is
// captured; pending while it is only authorised), with the Afterpay order
// as its reference, and a chatter note with the customer's instalment plan.
// If Odoo cannot take it within the recording window, the money goes back
// to the customer: a payment Odoo does not know about is the worst outcome
// for the merchant's books. A worker stopping or restarting meanwhile is no
// answer from Odoo: its activities are retried, never taken for a refusal.
func (r *run) record(ctx workflow.Context) error {
	rctx := onOdoo(ctx, odooRecordOptions(r.in.RecordWindow))
	update := activities.TransactionStateInput{
		TransactionID: r.s.TransactionID, State: "done", ProviderReference: r.s.AfterpayOrderID,
		Message: "Captured by Afterpay, order " + r.s.AfterpayOrderID + ".",
	}
	note := fmt.Sprintf("Afterpay payment captured: %s (Afterpay order %s). Instalment plan: %s.",
		r.s.Ledger.Net(), r.s.AfterpayOrderID, r.instalments())
	label := "Captured"
	if r.deferred() {
		// Odoo takes "authorized" only from providers that capture
		// manually; the transaction stays pending until money is captured.
		authorised := moneyOf(r.s.Ledger.Authorised, r.s.Ledger.Currency)
		update.State = "pending"
		update.Message = fmt.Sprintf("Authorised by Afterpay for %s (order %s); captured as the order is delivered.", authorised, r.s.AfterpayOrderID)
		note = fmt.Sprintf("Afterpay payment authorised: %s (Afterpay order %s), captured as the order is delivered; the authorisation expires on %s. Instalment plan: %s.",
			authorised, r.s.AfterpayOrderID, r.s.AuthExpires.UTC().Format("2006-01-02"), r.instalments())
		label = "Authorised"
	}
	err := workflow.ExecuteActivity(titled(rctx, "Record the payment on the Odoo transaction ("+label+")"), act.SetTransactionState, update).Get(ctx, nil)
	if err == nil {
		err = r.noteWith(rctx, "recorded:"+r.s.AfterpayOrderID, note)
	}
	if err != nil {
		if !recordingRefused(err) {
			return err
		}
		r.startCompensation(ctx, "Odoo could not record the "+map[bool]string{true: "authorised", false: "captured"}[r.deferred()]+
			" payment ("+activities.OdooMessage(err)+")")
		return nil
	}
	r.showOnOrder(ctx, label, r.instalments())
	r.moveTo(ctx, PhaseBooking)
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

// book puts the money in Odoo's books. Immediate: the whole capture is
// booked at once as the customer's payment in the Afterpay journal, then
// reconciled with the order's invoices, those Odoo can make now and those
// it posts later. Deferred: what Odoo can invoice now is captured and paid
// invoice by invoice. The payment is captured and recorded on the
// transaction, so a failure here never gives the money back: the payment
// waits, needing attention, for Odoo or a person.
func (r *run) book(ctx workflow.Context) error {
	if !r.deferred() && len(r.s.Bookings) == 0 {
		var paymentID int64
		err := workflow.ExecuteActivity(titled(withOdoo(ctx), "Book "+r.s.Ledger.Net().String()+" in the Afterpay journal"), act.BookPayment, activities.BookInput{
			PartnerID: r.s.Order.PartnerID, Amount: r.s.Ledger.Net(), Date: r.s.CapturedAt, TransactionID: r.s.TransactionID,
			Memo: "Afterpay " + r.s.AfterpayOrderID, Retry: r.askedBefore("book:capture"), FirstOfTransaction: true,
		}).Get(ctx, &paymentID)
		if err != nil {
			return &attentionError{cause: err,
				reason: "the captured payment could not be booked in the Afterpay journal (" + activities.OdooMessage(err) + ")",
				todo: fmt.Sprintf("fix what Odoo says and retry, or register %s from the customer in the Afterpay journal with memo \"Afterpay %s\" by hand and resolve",
					r.s.Ledger.Net(), r.s.AfterpayOrderID)}
		}
		r.s.Bookings = append(r.s.Bookings, Booking{Key: "capture", PaymentID: paymentID, Amount: r.s.Ledger.Net(), Open: r.s.Ledger.Net()})
	}
	if err := r.invoiceAndSettle(ctx); err != nil {
		return err
	}
	r.s.Phase = PhaseAfterSale
	return nil
}

// Booking is a customer payment the workflow booked in Odoo for money
// captured at Afterpay.
type Booking struct {
	// Key is the ledger key of the capture it books.
	Key       string      `json:"key"`
	PaymentID int64       `json:"paymentId"`
	Amount    money.Money `json:"amount"`
	// Open is what is not reconciled with an invoice yet.
	Open money.Money `json:"open"`
}

// invoiceAndSettle invoices what Odoo can invoice now, then settles (and
// refunds any credit note posted meanwhile).
func (r *run) invoiceAndSettle(ctx workflow.Context) error { return r.reviewOdoo(ctx, true) }

// settle matches the money with the order's posted invoices: money booked
// and not matched yet (Odoo may have matched it already, when it posted
// the invoice) is reconciled first; deferred, what the invoice still lacks
// is then captured at Afterpay (at most what is still authorised), booked
// and reconciled. What stays open is said on the chatter.
func (r *run) settle(ctx workflow.Context, books *activities.Books) error {
	for i := range r.s.Bookings {
		if open, ok := books.PaymentsOpen[r.s.Bookings[i].PaymentID]; ok {
			r.s.Bookings[i].Open = open
		}
	}
	for _, inv := range books.Invoices {
		for i := range r.s.Bookings {
			b := &r.s.Bookings[i]
			if inv.Residual.Minor <= 0 {
				break
			}
			if b.Open.Minor <= 0 {
				continue
			}
			left, err := r.reconcile(ctx, b, inv)
			if err != nil {
				return err
			}
			inv.Residual = left
		}
		if inv.Residual.Minor > 0 && r.deferred() {
			if err := r.captureInvoice(ctx, inv); err != nil {
				return err
			}
			continue
		}
		if inv.Residual.Minor <= 0 && !slices.Contains(r.s.PaidInvoices, inv.ID) {
			r.s.PaidInvoices = append(r.s.PaidInvoices, inv.ID)
		}
	}
	r.sayWhatIsOpen(ctx)
	r.updateStatus(ctx)
	return nil
}

func (r *run) bookedPayments() []int64 {
	ids := make([]int64, 0, len(r.s.Bookings))
	for _, b := range r.s.Bookings {
		ids = append(ids, b.PaymentID)
	}
	return ids
}

// captureInvoice captures an invoice's amount at Afterpay (deferred), books
// it and reconciles it with the invoice. Each step is keyed on the invoice,
// so a retry resumes.
func (r *run) captureInvoice(ctx workflow.Context, inv activities.Invoice) error {
	key := fmt.Sprintf("capture:invoice:%d", inv.ID)
	if !r.s.Ledger.Has(key) {
		amount := inv.Residual
		if open := r.s.Ledger.OpenToCapture(); open.Minor < amount.Minor {
			amount = open
		}
		if amount.Minor <= 0 {
			return nil // nothing left authorised: said on the chatter
		}
		var p activities.PaymentOutcome
		err := workflow.ExecuteActivity(titled(withAfterpay(ctx), "Capture "+amount.String()+" at Afterpay for invoice "+inv.Name), act.CaptureAmount, activities.CaptureAmountInput{
			OrderID: r.s.AfterpayOrderID, Amount: amount, RequestID: r.requestID(ctx, key), EventReference: inv.Name,
		}).Get(ctx, &p)
		if err != nil {
			return &attentionError{cause: err, reason: fmt.Sprintf("capturing %s at Afterpay for invoice %s failed (%s)", amount, inv.Name, activities.OdooMessage(err)),
				todo: "fix what Afterpay says and retry; the invoice stays unpaid until then"}
		}
		if err := r.s.Ledger.Apply(LedgerEntry{Key: key, Kind: EntryCaptured, Amount: amount, At: workflow.Now(ctx), Ref: inv.Name}); err != nil {
			return err
		}
		if r.s.CapturedAt.IsZero() {
			r.s.CapturedAt = workflow.Now(ctx)
		}
		r.noteBestEffort(ctx, key, fmt.Sprintf("Afterpay captured %s for invoice %s (Afterpay order %s).", amount, inv.Name, r.s.AfterpayOrderID))
	}
	b := r.booking(key)
	if b == nil {
		entry := r.s.Ledger.Entry(key)
		var paymentID int64
		err := workflow.ExecuteActivity(titled(withOdoo(ctx), "Book "+entry.Amount.String()+" for invoice "+inv.Name+" in the Afterpay journal"), act.BookPayment, activities.BookInput{
			PartnerID: r.s.Order.PartnerID, Amount: entry.Amount, Date: entry.At, TransactionID: r.s.TransactionID,
			Memo: "Afterpay " + r.s.AfterpayOrderID + " " + inv.Name, Retry: r.askedBefore("book:" + key), FirstOfTransaction: len(r.s.Bookings) == 0,
		}).Get(ctx, &paymentID)
		if err != nil {
			return &attentionError{cause: err, reason: fmt.Sprintf("%s captured for invoice %s could not be booked (%s)", entry.Amount, inv.Name, activities.OdooMessage(err)),
				todo: "fix what Odoo says and retry, or register the payment on the invoice by hand and resolve"}
		}
		r.s.Bookings = append(r.s.Bookings, Booking{Key: key, PaymentID: paymentID, Amount: entry.Amount, Open: entry.Amount})
		b = &r.s.Bookings[len(r.s.Bookings)-1]
		if err := r.markTransactionCaptured(ctx); err != nil {
			return err
		}
	}
	_, err := r.reconcile(ctx, b, inv)
	return err
}

// reconcile matches a booking with an invoice in Odoo and returns what the
// invoice still lacks.
func (r *run) reconcile(ctx workflow.Context, b *Booking, inv activities.Invoice) (money.Money, error) {
	var left activities.Reconciled
	err := workflow.ExecuteActivity(titled(withOdoo(ctx), "Reconcile the Afterpay payment with invoice "+inv.Name), act.ReconcileInvoice, activities.ReconcileInput{
		PaymentID: b.PaymentID, InvoiceID: inv.ID, AfterpayOrderID: r.s.AfterpayOrderID,
	}).Get(ctx, &left)
	if err != nil {
		return money.Money{}, &attentionError{cause: err, reason: fmt.Sprintf("the Afterpay payment could not be reconciled with invoice %s (%s)", inv.Name, activities.OdooMessage(err)),
			todo: "fix what Odoo says and retry, or reconcile the payment with the invoice by hand and resolve"}
	}
	b.Open = left.PaymentResidual
	return left.InvoiceResidual, nil
}

// markTransactionCaptured sets the transaction done at the first capture of
// a deferred payment.
func (r *run) markTransactionCaptured(ctx workflow.Context) error {
	return workflow.ExecuteActivity(titled(withOdoo(ctx), "Set the Odoo transaction done: money captured"), act.SetTransactionState, activities.TransactionStateInput{
		TransactionID: r.s.TransactionID, State: "done", ProviderReference: r.s.AfterpayOrderID,
		Message: fmt.Sprintf("Captured by Afterpay as the order is delivered, order %s.", r.s.AfterpayOrderID),
	}).Get(ctx, nil)
}

func (r *run) booking(key string) *Booking {
	for i := range r.s.Bookings {
		if r.s.Bookings[i].Key == key {
			return &r.s.Bookings[i]
		}
	}
	return nil
}

// sayWhatIsOpen tells the merchant, once per change, what of the payment is
// not matched with invoices yet.
func (r *run) sayWhatIsOpen(ctx workflow.Context) {
	var open []string
	booked := money.Money{Currency: r.s.Ledger.Currency}
	for _, b := range r.s.Bookings {
		booked.Minor += b.Open.Minor
	}
	if booked.Minor > 0 {
		open = append(open, fmt.Sprintf("%s of the Afterpay payment is booked in the Afterpay journal and waits for the order's next invoices", booked))
	}
	if r.deferred() {
		if left := r.s.Ledger.OpenToCapture(); left.Minor > 0 {
			open = append(open, fmt.Sprintf("%s is authorised and is captured as the rest of the order is delivered and invoiced", left))
		}
	}
	text := strings.Join(open, "; ")
	if text == r.s.OpenNote {
		return
	}
	r.s.OpenNote = text
	if text == "" {
		return
	}
	r.noteBestEffort(ctx, fmt.Sprintf("open:%d", len(r.s.Ledger.Entries)+len(r.s.Bookings)), "Afterpay payment "+r.s.AfterpayOrderID+": "+text+".")
}

// updateStatus shows whether the whole payment is captured and booked
// (completed) or waits for deliveries (authorised).
func (r *run) updateStatus(ctx workflow.Context) {
	if r.deferred() && r.s.Ledger.OpenToCapture().Minor > 0 {
		r.setStatus(ctx, StatusAuthorised)
		return
	}
	if r.s.Status != StatusResolved {
		r.setStatus(ctx, StatusCompleted)
	}
}

func (r *run) deferred() bool { return r.s.CaptureMode == CaptureDeferred }
