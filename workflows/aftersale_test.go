package workflows

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/workflow"

	"github.com/odoo-afterpay/bridge/activities"
)

// odooBooks is the order's books in a fake Odoo: one paid invoice of the
// whole order, and the credit notes a test posts.
type odooBooks struct {
	h       *harness
	credits []activities.CreditNote
	paid    map[int64]bool // credit notes paid back (BookRefund)
}

func (h *harness) withBooks() *odooBooks {
	b := &odooBooks{h: h, paid: map[int64]bool{}}
	h.env.OnActivity(act.ReadBooks, mock.Anything, mock.Anything).Return(func(_ context.Context, in activities.BooksInput) (*activities.Books, error) {
		paidInvoice := invoice5
		paidInvoice.Residual = usd(0)
		books := &activities.Books{Invoices: []activities.Invoice{paidInvoice}, PaidOnInvoices: usd(11000), PaidBackOnCreditNotes: usd(0)}
		for _, cn := range b.credits {
			if b.paid[cn.ID] {
				books.PaidBackOnCreditNotes.Minor += cn.Total.Minor
				cn.Residual = usd(0)
			}
			known := false
			for _, id := range in.KnownCreditNotes {
				known = known || id == cn.ID
			}
			if !known {
				books.CreditNotes = append(books.CreditNotes, cn)
			}
		}
		return books, nil
	})
	h.env.OnActivity(act.BookRefund, mock.Anything, mock.Anything).Return(func(_ context.Context, in activities.BookRefundInput) (int64, error) {
		b.paid[in.CreditNoteID] = true
		return 900 + in.CreditNoteID, nil
	}).Maybe()
	return b
}

// post posts a credit note of amount and sends its webhook.
func (b *odooBooks) post(id int64, amount int64) {
	b.credits = append(b.credits, activities.CreditNote{ID: id, Name: fmt.Sprintf("RINV/2026/%05d", id), Total: usd(amount), Residual: usd(amount), Reverses: 5})
	b.h.env.SignalWorkflow(SignalOdooEvent, OdooEvent{ID: fmt.Sprintf("account.move:%d:posted", id), Kind: OdooCreditNotePosted, Model: "account.move", RecordID: id})
}

// paidImmediately sets up an immediate payment of 110.00 booked and
// reconciled with invoice 5.
func (h *harness) paidImmediately() {
	h.expectCheckout()
	h.expectCapture()
	h.expectRecording()
	h.expectBooking()
	h.env.OnActivity(act.ReadBooks, mock.Anything, mock.Anything).Return(&activities.Books{Invoices: []activities.Invoice{invoice5}}, nil).Once()
	h.env.OnActivity(act.ReconcileInvoice, mock.Anything, activities.ReconcileInput{PaymentID: 77, InvoiceID: 5, AfterpayOrderID: "300000000001"}).
		Return(&activities.Reconciled{PaymentResidual: usd(0), InvoiceResidual: usd(0)}, nil).Once()
	h.signalReturn(time.Minute, ReturnSuccess, testToken)
}

func TestCreditNotesAreRefundedOnceEachAndOneTooManyIsRefused(t *testing.T) {
	h := newHarness(t)
	h.paidImmediately()
	h.expectClose()
	h.expectNotes()
	h.expectRefunds()
	var activitiesAsked []activities.OrderActivityInput
	h.env.OnActivity(act.ScheduleOrderActivity, mock.Anything, mock.Anything).Run(func(args mock.Arguments) {
		activitiesAsked = append(activitiesAsked, args.Get(1).(activities.OrderActivityInput))
	}).Return(nil)
	books := h.withBooks()
	h.env.RegisterDelayedCallback(func() { books.post(21, 3000) }, 48*time.Hour)
	h.env.RegisterDelayedCallback(func() {
		books.post(22, 2000)
		// Odoo's webhook again, for the same credit note.
		h.env.SignalWorkflow(SignalOdooEvent, OdooEvent{ID: "account.move:22:posted", Kind: OdooCreditNotePosted, Model: "account.move", RecordID: 22})
	}, 96*time.Hour)
	var beforeTooMany StatusView
	h.env.RegisterDelayedCallback(func() {
		beforeTooMany = h.status()
		books.post(23, 6100) // 61.00 > the 60.00 still held
	}, 120*time.Hour)
	h.execute(input())
	require.Equal(t, StatusCompleted, h.result().Status)

	require.Len(t, h.refunds, 2, "two refunds at Afterpay, none for the credit note too many")
	require.Equal(t, usd(3000), h.refunds[0].Amount)
	require.Equal(t, "RINV/2026/00021|"+RequestID("default-test-workflow-id", "refund:creditnote:21"), h.refunds[0].MerchantReference,
		"the refund's merchantReference and requestId come from the credit note")
	require.Equal(t, "RINV/2026/00022|"+RequestID("default-test-workflow-id", "refund:creditnote:22"), h.refunds[1].MerchantReference)
	require.Equal(t, "50.00 USD", beforeTooMany.Refunded)
	require.True(t, h.notesSay("Credit note RINV/2026/00021 refunded at Afterpay: 30.00 USD (refund r-1, Afterpay order 300000000001), paid back from the Afterpay journal and reconciled with the credit note. Afterpay now holds 80.00 USD"))
	require.True(t, h.notesSay("Credit note RINV/2026/00022 refunded at Afterpay: 20.00 USD (refund r-2"))
	require.True(t, h.notesSay("Credit note RINV/2026/00023 (61.00 USD) was not refunded at Afterpay: it is more than the 60.00 USD Afterpay still holds of this payment (captured 110.00 USD, refunded 50.00 USD)"))
	require.Len(t, activitiesAsked, 1, "the merchant gets an activity for the refused credit note")
	require.Equal(t, "Afterpay did not refund credit note RINV/2026/00023", activitiesAsked[0].Summary)
	require.Equal(t, 2, h.calls["BookRefund"])
	view := h.status()
	require.Equal(t, "60.00 USD", view.Held)
	require.Len(t, view.CreditNotes, 3)
	require.Equal(t, []CreditNoteOutcome{CreditRefunded, CreditRefunded, CreditRefused},
		[]CreditNoteOutcome{view.CreditNotes[0].Outcome, view.CreditNotes[1].Outcome, view.CreditNotes[2].Outcome})
	require.Equal(t, int64(922), view.CreditNotes[1].PaymentID)
	require.True(t, h.notesSay("Afterpay and Odoo agree: captured 110.00 USD, refunded 50.00 USD, voided 0.00 USD; 60.00 USD held"),
		"the refused credit note is unpaid in Odoo, so both sides still show 60.00")
}

func TestARefundOdooCannotBookWaitsForAnOperatorAndIsMadeOnce(t *testing.T) {
	h := newHarness(t)
	h.paidImmediately()
	h.expectClose()
	h.expectNotes()
	h.expectRefunds()
	h.env.OnActivity(act.ScheduleOrderActivity, mock.Anything, mock.Anything).Return(nil)
	// The journal has no outbound method until someone adds one.
	h.env.OnActivity(act.BookRefund, mock.Anything, mock.Anything).Return(int64(0), odooRefused("Please define a payment method line on your payment.")).Once()
	books := h.withBooks()
	h.env.RegisterDelayedCallback(func() { books.post(21, 3000) }, 48*time.Hour)
	var parked StatusView
	var retried updateResult
	h.env.RegisterDelayedCallback(func() {
		parked = h.status()
		h.env.UpdateWorkflow(UpdateOperatorAction, "retry-1", &retried, OperatorAction{Action: ActionRetry, By: "finance@shop"})
	}, 72*time.Hour)
	h.execute(input())
	require.Equal(t, StatusCompleted, h.result().Status)
	require.Equal(t, StatusNeedsAttention, parked.Status)
	require.Contains(t, parked.Attention.Reason, "30.00 USD was refunded at Afterpay for credit note RINV/2026/00021 (refund r-1), but Odoo could not register the refund")
	require.Equal(t, int64(21), parked.Attention.CreditNote.ID)
	require.NoError(t, retried.rejected)
	require.Contains(t, retried.value, "retrying")
	require.Len(t, h.refunds, 1, "the retry books the refund; it does not refund again")
	require.Equal(t, 2, h.calls["BookRefund"])
	view := h.status()
	require.Equal(t, CreditRefunded, view.CreditNotes[0].Outcome)
	require.Equal(t, "retrying: "+parked.Attention.Reason, view.Operator[0].Result)
	require.Nil(t, view.Attention)
	require.True(t, h.notesSay("Afterpay payment no longer needs attention"))
}

func TestTheDailyCheckFindsARefundMadeAtAfterpayWithoutAnyEvent(t *testing.T) {
	h := newHarness(t)
	h.paidImmediately()
	h.expectClose()
	h.expectNotes()
	var recordedAt time.Time
	h.env.OnActivity(act.RecordRefund, mock.Anything, mock.Anything).Run(func(mock.Arguments) { recordedAt = h.env.Now() }).
		Return(&activities.RecordedRefund{CreditNoteID: 31, CreditNoteName: "RINV/2026/00031", PaymentID: 91}, nil).Once()
	start := h.env.Now()
	refundAt := start.Add(10*24*time.Hour + 5*time.Hour)
	h.env.RegisterDelayedCallback(func() {
		h.refunds = append(h.refunds, activities.RefundSeen{RefundID: "r-9", Amount: usd(1000), At: h.env.Now()})
		h.odooPaid = usd(10000)
	}, refundAt.Sub(start))
	h.execute(input())
	require.Equal(t, StatusCompleted, h.result().Status)
	paidAt := start.Add(time.Minute)
	require.Equal(t, paidAt.Add(11*24*time.Hour), recordedAt, "found by the next daily check, counted from the payment")
	require.Equal(t, paidAt.Add(refundWindow), h.env.Now(), "the payment closes when the refund window does")
	// One check a day for 120 days, the last an hour before the close, and
	// the close's own look.
	require.Equal(t, 120+1, h.calls["LookupPayment"])
	require.True(t, h.notesSay("Afterpay and Odoo agree: captured 110.00 USD, refunded 10.00 USD, voided 0.00 USD; 100.00 USD held"))
}

func TestTheCloseSaysWhenAfterpayAndOdooDisagreeAndWaitsForAPerson(t *testing.T) {
	h := newHarness(t)
	h.paidImmediately()
	h.expectNotes()
	h.env.OnActivity(act.ScheduleOrderActivity, mock.Anything, mock.Anything).Return(nil)
	h.odooPaid = usd(10000) // someone reset a reconciliation in Odoo
	var parked StatusView
	var resolved updateResult
	h.env.RegisterDelayedCallback(func() {
		parked = h.status()
		h.env.UpdateWorkflow(UpdateOperatorAction, "resolve-1", &resolved, OperatorAction{Action: ActionResolve, Note: "re-reconciled INV/2026/00001 by hand", By: "finance@shop"})
	}, refundWindow+2*time.Hour)
	h.execute(input())
	res := h.result()
	require.Equal(t, StatusNeedsAttention, parked.Status)
	require.Contains(t, parked.Attention.Reason, "Odoo shows 100.00 USD paid on the order's invoices and 0.00 USD paid back on its credit notes, but Afterpay holds 110.00 USD")
	require.NoError(t, resolved.rejected)
	require.Equal(t, StatusResolved, res.Status)
	require.Contains(t, res.Reason, "re-reconciled INV/2026/00001 by hand")
	require.False(t, h.notesSay("Afterpay and Odoo agree"))
}

func TestOperatorRefundsAndVoidsAreCheckedThenRecordedInOdoo(t *testing.T) {
	h := newHarness(t)
	h.paidImmediately()
	h.expectClose()
	h.expectNotes()
	h.expectRefunds()
	var recorded activities.RecordRefundInput
	h.env.OnActivity(act.RecordRefund, mock.Anything, mock.Anything).Run(func(args mock.Arguments) {
		recorded = args.Get(1).(activities.RecordRefundInput)
	}).Return(&activities.RecordedRefund{CreditNoteID: 41, CreditNoteName: "RINV/2026/00041", PaymentID: 95}, nil).Once()
	var tooMuch, badAmount, void, retry, unknown, refund, duplicate, anonymous updateResult
	h.env.RegisterDelayedCallback(func() {
		h.env.UpdateWorkflow(UpdateOperatorAction, "u1", &tooMuch, OperatorAction{Action: ActionRefund, Amount: "110.01", By: "ops@shop"})
		h.env.UpdateWorkflow(UpdateOperatorAction, "u2", &badAmount, OperatorAction{Action: ActionRefund, Amount: "12.345", By: "ops@shop"})
		h.env.UpdateWorkflow(UpdateOperatorAction, "u3", &void, OperatorAction{Action: ActionVoid, By: "ops@shop"})
		h.env.UpdateWorkflow(UpdateOperatorAction, "u4", &retry, OperatorAction{Action: ActionRetry, By: "ops@shop"})
		h.env.UpdateWorkflow(UpdateOperatorAction, "u5b", &anonymous, OperatorAction{Action: ActionRefund, Amount: "10.00"})
		h.env.UpdateWorkflow(UpdateOperatorAction, "u5", &unknown, OperatorAction{Action: "capture", By: "ops@shop"})
		h.env.UpdateWorkflow(UpdateOperatorAction, "u6", &refund, OperatorAction{Action: ActionRefund, Amount: "25.00", Note: "goodwill, late delivery", By: "ops@shop"})
	}, 5*24*time.Hour)
	h.env.RegisterDelayedCallback(func() {
		h.odooPaid = usd(8500)
		h.env.UpdateWorkflow(UpdateOperatorAction, "u6", &duplicate, OperatorAction{Action: ActionRefund, Amount: "25.00", Note: "goodwill, late delivery", By: "ops@shop"})
	}, 5*24*time.Hour+time.Minute)
	h.execute(input())
	require.Equal(t, StatusCompleted, h.result().Status)
	require.ErrorContains(t, tooMuch.rejected, "refund of 110.01 USD is more than the 110.00 USD Afterpay holds of this payment")
	require.ErrorContains(t, badAmount.rejected, `amount "12.345"`)
	require.ErrorContains(t, void.rejected, "nothing is authorised and open to capture")
	require.ErrorContains(t, retry.rejected, "does not need attention")
	require.ErrorContains(t, anonymous.rejected, `say who you are: add "by"`, "every operator action records who sent it")
	require.ErrorContains(t, unknown.rejected, `unknown action "capture"`)
	require.NoError(t, refund.rejected)
	require.Equal(t, "refunded 25.00 USD at Afterpay (refund r-1) and recorded it in Odoo with credit note RINV/2026/00041; Afterpay holds 85.00 USD", refund.value)
	require.Equal(t, refund.value, duplicate.value, "the same update again answers the same, and refunds nothing more")
	require.Len(t, h.refunds, 1)
	require.Equal(t, "Refunded by an operator at Afterpay", recorded.Reason)
	require.Equal(t, usd(2500), recorded.Amount)
	require.True(t, h.notesSay("25.00 USD refunded at Afterpay by ops@shop: goodwill, late delivery (refund r-1)."))
	require.True(t, h.notesSay("refunded 25.00 USD, voided 0.00 USD; 85.00 USD held"))
}

func TestAnOperatorVoidsWhatADeferredPaymentStillHasAuthorised(t *testing.T) {
	h := newHarness(t)
	h.expectCheckout()
	h.expectAuthorisation()
	h.expectNotes()
	h.env.OnActivity(act.ReadBooks, mock.Anything, mock.Anything).Return(&activities.Books{Invoices: []activities.Invoice{}, PaidOnInvoices: usd(0)}, nil)
	h.env.OnActivity(act.ScheduleOrderActivity, mock.Anything, mock.Anything).Return(nil).Maybe()
	h.env.OnActivity(act.Void, mock.Anything, mock.Anything).Return(&activities.PaymentOutcome{}, nil)
	h.env.OnActivity(act.SetTransactionState, mock.Anything, mock.MatchedBy(func(in activities.TransactionStateInput) bool { return in.State == "cancel" })).Return(nil).Once()
	h.signalReturn(time.Minute, ReturnSuccess, testToken)
	var refund, partial, rest updateResult
	h.env.RegisterDelayedCallback(func() {
		h.env.UpdateWorkflow(UpdateOperatorAction, "r", &refund, OperatorAction{Action: ActionRefund, By: "ops@shop"})
		h.env.UpdateWorkflow(UpdateOperatorAction, "v1", &partial, OperatorAction{Action: ActionVoid, Amount: "10.00", By: "ops@shop"})
	}, 24*time.Hour+time.Hour)
	h.env.RegisterDelayedCallback(func() {
		h.env.UpdateWorkflow(UpdateOperatorAction, "v2", &rest, OperatorAction{Action: ActionVoid, Note: "customer changed their mind", By: "ops@shop"})
	}, 24*time.Hour+2*time.Hour)
	h.execute(deferredInput())
	res := h.result()
	require.ErrorContains(t, refund.rejected, "nothing captured is held at Afterpay to refund")
	require.Equal(t, "voided 10.00 USD; 100.00 USD stays open to capture", partial.value)
	require.Equal(t, "voided 100.00 USD; nothing was captured, so the payment ends", rest.value)
	require.Equal(t, StatusVoided, res.Status)
	require.True(t, h.notesSay("The Afterpay authorisation of 100.00 USD was voided by ops@shop: customer changed their mind; the customer pays nothing."))
	require.Equal(t, "cancel", h.states[len(h.states)-1].State)
}

func TestContinueAsNewCarriesThePaymentOn(t *testing.T) {
	h := newHarness(t)
	h.paidImmediately()
	h.expectNotes()
	h.expectRefunds()
	books := h.withBooks()
	h.env.RegisterDelayedCallback(func() { books.post(21, 3000) }, 48*time.Hour)
	h.env.RegisterDelayedCallback(func() { h.env.SetContinueAsNewSuggested(true) }, 30*24*time.Hour)
	start := h.env.Now()
	h.execute(input())
	require.True(t, h.env.IsWorkflowCompleted())
	var can *workflow.ContinueAsNewError
	require.ErrorAs(t, h.env.GetWorkflowError(), &can)
	require.Equal(t, PaymentWorkflowName, can.WorkflowType.Name)
	var next PaymentInput
	require.NoError(t, converter.GetDefaultDataConverter().FromPayloads(can.Input, &next))
	require.NotNil(t, next.Resume)
	require.Equal(t, PhaseAfterSale, next.Resume.Phase)
	require.Equal(t, int64(3000), next.Resume.Ledger.Refunded)
	require.Len(t, next.Resume.CreditNotes, 1)
	require.True(t, start.Add(time.Minute).Equal(next.Resume.PaidAt), "paid at %s", next.Resume.PaidAt)

	// The next run picks up where this one stopped: the credit note is not
	// refunded again, and it closes on the same day.
	h2 := newHarness(t)
	h2.expectClose()
	h2.expectNotes()
	h2.refunds = h.refunds
	h2.odooPaid = usd(8000)
	h2.env.SetStartTime(h.env.Now())
	books2 := h2.withBooks()
	books2.credits, books2.paid = books.credits, books.paid
	h2.execute(next)
	require.Equal(t, StatusCompleted, h2.result().Status)
	require.Zero(t, h2.calls["RefundPayment"])
	require.True(t, next.Resume.PaidAt.Add(refundWindow).Equal(h2.env.Now()), "closed at %s", h2.env.Now())
	require.True(t, h2.notesSay("refunded 30.00 USD, voided 0.00 USD; 80.00 USD held"))
	require.False(t, strings.Contains(strings.Join(h2.notes, "\n"), "Afterpay payment captured"), "nothing before the sale is done again")
}

func TestARefundAtAfterpayOdooRecordedHalfWayIsFinishedOnRetry(t *testing.T) {
	h := newHarness(t)
	h.paidImmediately()
	h.expectClose()
	h.expectNotes()
	h.env.OnActivity(act.ScheduleOrderActivity, mock.Anything, mock.Anything).Return(nil)
	books := h.withBooks()
	// The first attempt makes the credit note, then Odoo refuses its payment.
	h.env.OnActivity(act.RecordRefund, mock.Anything, mock.Anything).Return(func(_ context.Context, in activities.RecordRefundInput) (*activities.RecordedRefund, error) {
		books.credits = append(books.credits, activities.CreditNote{ID: 41, Name: "RINV/2026/00041", Ref: in.RefundID, Total: in.Amount, Residual: in.Amount, Reverses: 5})
		return nil, odooRefused("Please define a payment method line on your payment.")
	}).Once()
	var finished activities.RecordRefundInput
	h.env.OnActivity(act.RecordRefund, mock.Anything, mock.Anything).Return(func(_ context.Context, in activities.RecordRefundInput) (*activities.RecordedRefund, error) {
		finished = in
		books.paid[41] = true
		return &activities.RecordedRefund{CreditNoteID: 41, CreditNoteName: "RINV/2026/00041", PaymentID: 941}, nil
	}).Once()
	h.env.RegisterDelayedCallback(func() {
		h.refunds = append(h.refunds, activities.RefundSeen{RefundID: "r-9", Amount: usd(1000), At: h.env.Now()})
		h.env.SignalWorkflow(SignalAfterpayEvent, AfterpayEvent{ID: "evt-r-9", Kind: EventRefundSettled, OrderID: "300000000001", RefundID: "r-9"})
	}, 24*time.Hour+time.Minute)
	var parked StatusView
	var retried updateResult
	h.env.RegisterDelayedCallback(func() {
		parked = h.status()
		// Odoo's webhook for the half-made credit note arrives meanwhile.
		h.env.SignalWorkflow(SignalOdooEvent, OdooEvent{ID: "account.move:41:posted", Kind: OdooCreditNotePosted, Model: "account.move", RecordID: 41})
	}, 48*time.Hour)
	h.env.RegisterDelayedCallback(func() {
		h.env.UpdateWorkflow(UpdateOperatorAction, "retry-1", &retried, OperatorAction{Action: ActionRetry, By: "ops@shop"})
	}, 72*time.Hour)
	h.execute(input())
	require.Equal(t, StatusCompleted, h.result().Status)
	require.Equal(t, StatusNeedsAttention, parked.Status)
	require.Contains(t, parked.Attention.Reason, "10.00 USD was refunded at Afterpay (refund r-9), but Odoo could not record it")
	require.NoError(t, retried.rejected)
	require.Equal(t, "r-9", finished.RefundID, "the retry finishes the refund's credit note")
	view := h.status()
	require.Len(t, view.CreditNotes, 1, "the half-made credit note is the refund's, never refunded again nor refused")
	require.Equal(t, CreditRecordsAfterpayRefund, view.CreditNotes[0].Outcome)
	require.Equal(t, int64(941), view.CreditNotes[0].PaymentID)
	require.Zero(t, h.calls["RefundPayment"], "nothing refunded at Afterpay by the product")
	require.False(t, h.notesSay("was not refunded at Afterpay"))
}

func TestAnOrderCreditedFromItsInvoiceIsNotInvoicedAgainAndTheChatterSaysSoOnce(t *testing.T) {
	h := newHarness(t)
	h.paidImmediately()
	h.expectClose()
	h.expectNotes()
	paid := invoice5
	paid.Residual = usd(0)
	asked := 0
	h.env.OnActivity(act.ReadBooks, mock.Anything, mock.Anything).Return(func(_ context.Context, in activities.BooksInput) (*activities.Books, error) {
		asked++
		return &activities.Books{Invoices: []activities.Invoice{paid}, PaidOnInvoices: usd(11000), PaidBackOnCreditNotes: usd(0), InvoicingHeld: in.Invoice}, nil
	})
	h.execute(input())
	require.Equal(t, StatusCompleted, h.result().Status)
	require.Greater(t, asked, 100, "a daily check a day")
	held := 0
	for _, n := range h.notes {
		if strings.Contains(n, "no longer invoices it by itself") {
			held++
		}
	}
	require.Equal(t, 1, held, "said once")
	require.True(t, h.status().InvoicingHeld)
}

func TestACaptureAndAVoidMadeAtAfterpayAreRecordedOnce(t *testing.T) {
	h := newHarness(t)
	h.expectCheckout()
	h.expectAuthorisation()
	h.expectClose()
	h.expectNotes()
	h.env.OnActivity(act.ScheduleOrderActivity, mock.Anything, mock.Anything).Return(nil).Maybe()
	var booked []activities.BookInput
	h.env.OnActivity(act.BookPayment, mock.Anything, mock.Anything).Return(func(_ context.Context, in activities.BookInput) (int64, error) {
		booked = append(booked, in)
		return 88, nil
	})
	h.env.OnActivity(act.SetTransactionState, mock.Anything, mock.MatchedBy(func(in activities.TransactionStateInput) bool { return in.State == "done" })).Return(nil).Once()
	h.signalReturn(time.Minute, ReturnSuccess, testToken)
	h.odooPaid = usd(4000) // finance invoices the 40.00 by hand and it is paid from the booking
	var captured, voided StatusView
	h.env.RegisterDelayedCallback(func() {
		// Someone captures 40.00 in Afterpay's merchant portal; a relay
		// sends the event, twice.
		h.captured += 4000
		ev := AfterpayEvent{ID: "evt-c-1", Kind: EventCaptureCompleted, OrderID: "300000000001"}
		h.env.SignalWorkflow(SignalAfterpayEvent, ev)
		h.env.SignalWorkflow(SignalAfterpayEvent, ev)
	}, 5*time.Hour)
	h.env.RegisterDelayedCallback(func() {
		captured = h.status()
		// The rest is voided in the portal; no event: the daily check finds it.
		h.voided += 7000
	}, 6*time.Hour)
	h.env.RegisterDelayedCallback(func() { voided = h.status() }, 50*time.Hour)
	h.execute(deferredInput())
	require.Equal(t, StatusCompleted, h.result().Status)
	require.Equal(t, "40.00 USD", captured.Captured)
	require.Len(t, booked, 1, "the capture is booked once")
	require.Equal(t, usd(4000), booked[0].Amount)
	require.True(t, h.notesSay("Afterpay reports 40.00 USD captured at Afterpay, outside Odoo"))
	require.Equal(t, "70.00 USD", voided.Voided)
	require.True(t, h.notesSay("Afterpay reports 70.00 USD of the authorisation voided at Afterpay, outside Odoo"))
	require.True(t, h.notesSay("Afterpay and Odoo agree: captured 40.00 USD, refunded 0.00 USD, voided 70.00 USD; 40.00 USD held"))
}
