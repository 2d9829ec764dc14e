package activities

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/temporal"

	"github.com/odoo-afterpay/bridge/afterpay"
	"github.com/odoo-afterpay/bridge/money"
	"github.com/odoo-afterpay/bridge/odoo"
	"github.com/odoo-afterpay/bridge/odoo/provision"
)

func usd(minor int64) money.Money { return money.MustNew(minor, "USD") }

func aud(minor int64) money.Money { return money.MustNew(minor, "AUD") }

// get decodes an activity's result the way the workflow receives it.
func get[T any](t *testing.T, val any) T {
	t.Helper()
	var out T
	require.NoError(t, val.(interface{ Get(any) error }).Get(&out))
	return out
}

// requireFailure checks an activity error's type and whether Temporal
// retries it.
func requireFailure(t *testing.T, err error, wantType string, retryable bool) {
	t.Helper()
	require.Error(t, err)
	require.True(t, IsErrorType(err, wantType), "want %s, got %v", wantType, err)
	var appErr *temporal.ApplicationError
	require.ErrorAs(t, err, &appErr)
	require.Equal(t, retryable, !appErr.NonRetryable(), "retryable")
}

// posted is a posted customer invoice.
func posted(id int64, name string, total, residual money.Money) *odoo.Move {
	return &odoo.Move{ID: id, Name: name, State: "posted", MoveType: "out_invoice", Currency: total.Currency,
		AmountTotal: total, AmountResidual: residual}
}

// creditNote is a posted customer credit note.
func creditNote(id int64, name string, total, residual money.Money, ref string, reverses int64) *odoo.Move {
	return &odoo.Move{ID: id, Name: name, State: "posted", MoveType: "out_refund", Currency: total.Currency,
		AmountTotal: total, AmountResidual: residual, Ref: ref, ReversedEntryID: reverses}
}

func (f *fakeOdoo) creditNoteIDs() []int64 {
	var ids []int64
	for id, m := range f.moves {
		if m.MoveType == "out_refund" {
			ids = append(ids, id)
		}
	}
	return ids
}

var refundDay = time.Date(2026, 12, 3, 0, 0, 0, 0, time.UTC)

// --- BookRefund ---

func TestBookRefundPaysTheCreditNoteBackFromTheAfterpayJournal(t *testing.T) {
	od := &fakeOdoo{journals: []int64{12}, moves: map[int64]*odoo.Move{900: creditNote(900, "RINV/1", usd(2500), usd(2500), "", 5)}}
	a := &Activities{Odoo: od}
	in := BookRefundInput{CreditNoteID: 900, Amount: usd(2500), RefundID: "r-77", Date: refundDay, AfterpayOrderID: "3001"}
	val, err := run(t, a, a.BookRefund, in)
	require.NoError(t, err)
	require.Equal(t, int64(50), get[int64](t, val), "the payment's id")

	require.Equal(t, []paymentCall{{moveID: 900, spec: odoo.PaymentSpec{Amount: usd(2500), Date: refundDay, JournalID: 12, Memo: "Afterpay refund r-77"}}}, od.paid,
		"an outbound payment of the refund, in the Afterpay journal, on the credit note, with the memo that is its idempotency key")
	require.Equal(t, map[int64]string{900: "3001"}, od.moveAfterpay, "finance sees the Afterpay order on the credit note")
	require.Equal(t, []string{provision.DefaultJournalCode}, od.journalCodes, "the Afterpay journal, by its code")

	// A retry asks for the same payment (same memo), which Odoo's client
	// finds instead of paying twice.
	val, err = run(t, a, a.BookRefund, in)
	require.NoError(t, err)
	require.Equal(t, int64(50), get[int64](t, val))
	require.Len(t, od.paid, 2)
	require.Equal(t, od.paid[0], od.paid[1], "a retry makes the very same request")
}

func TestBookRefundWithoutAfterpayOrderLeavesTheCreditNoteAlone(t *testing.T) {
	od := &fakeOdoo{journals: []int64{12}}
	a := &Activities{Odoo: od}
	_, err := run(t, a, a.BookRefund, BookRefundInput{CreditNoteID: 900, Amount: usd(2500), RefundID: "r-77", Date: refundDay})
	require.NoError(t, err)
	require.NotContains(t, od.calls, "SetMovesAfterpayOrderID")
	require.Len(t, od.paid, 1)
}

func TestBookRefundFailuresAreClassified(t *testing.T) {
	refused := &odoo.Fault{Code: odoo.FaultCodeUserError, Message: "Please define a payment method line on your payment."}
	tests := []struct {
		name      string
		journals  []int64
		method    string // the Odoo call that fails
		err       error
		wantType  string
		retryable bool
		message   string // what Odoo said, for the merchant
		paid      bool   // whether RegisterPayment was reached
	}{
		{name: "no Afterpay journal", wantType: ErrTypeOdooRecordMissing},
		{name: "journal search unreachable", journals: []int64{12}, method: "JournalByCode",
			err: &odoo.TransportError{Err: errors.New("connection refused")}, wantType: ErrTypeOdooUnavailable, retryable: true},
		{name: "Afterpay order not written", journals: []int64{12}, method: "SetMovesAfterpayOrderID",
			err:      &odoo.Fault{Code: odoo.FaultCodeAccessError, Message: "You are not allowed to modify 'Journal Entry' (account.move) records."},
			wantType: ErrTypeOdooAccessDenied, message: "You are not allowed to modify 'Journal Entry' (account.move) records."},
		{name: "payment refused", journals: []int64{12}, method: "RegisterPayment", err: fmt.Errorf("odoo: register payment on account.move 900: %w", refused),
			wantType: ErrTypeOdooRejected, message: "Please define a payment method line on your payment.", paid: true},
		{name: "credit note not posted", journals: []int64{12}, method: "RegisterPayment",
			err:      fmt.Errorf("odoo: register payment on account.move 900: move is \"draft\", not posted: %w", odoo.ErrInvalidState),
			wantType: ErrTypeOdooRejected, paid: true},
		{name: "credit note deleted", journals: []int64{12}, method: "RegisterPayment",
			err: fmt.Errorf("odoo: register payment on account.move 900: %w", odoo.ErrNotFound), wantType: ErrTypeOdooRecordMissing, paid: true},
		{name: "payment committed, answer lost", journals: []int64{12}, method: "RegisterPayment",
			err:      &odoo.Fault{Code: odoo.FaultCodeApplication, Message: "TypeError: cannot marshal None unless allow_none is enabled"},
			wantType: ErrTypeOdooUnavailable, retryable: true, paid: true},
		{name: "database busy", journals: []int64{12}, method: "RegisterPayment",
			err:      &odoo.Fault{Code: odoo.FaultCodeApplication, Message: "psycopg2.errors.SerializationFailure: could not serialize access due to concurrent update"},
			wantType: ErrTypeOdooUnavailable, retryable: true, paid: true},
		{name: "worker stopping", journals: []int64{12}, method: "RegisterPayment", err: context.Canceled,
			wantType: ErrTypeInterrupted, retryable: true, paid: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			od := &fakeOdoo{journals: tt.journals, fail: map[string]error{tt.method: tt.err}}
			a := &Activities{Odoo: od}
			_, err := run(t, a, a.BookRefund, BookRefundInput{CreditNoteID: 900, Amount: usd(2500), RefundID: "r-77", Date: refundDay, AfterpayOrderID: "3001"})
			requireFailure(t, err, tt.wantType, tt.retryable)
			if tt.message != "" {
				require.Equal(t, tt.message, OdooMessage(err))
			}
			require.Equal(t, tt.paid, len(od.paid) > 0, "RegisterPayment reached")
		})
	}
}

// --- RecordRefund ---

func TestRecordRefundCreditsTheNewestInvoiceLargeEnoughAndBooksIt(t *testing.T) {
	od := &fakeOdoo{journals: []int64{12}, posted: []int64{5, 6, 7, 8}, moves: map[int64]*odoo.Move{
		5: posted(5, "INV/1", usd(6000), usd(0)),
		6: posted(6, "INV/2", usd(3000), usd(0)),
		7: posted(7, "INV/3", usd(1000), usd(0)), // newest in USD, too small
		8: posted(8, "INV/4", money.MustNew(9000, "EUR"), money.MustNew(0, "EUR")),
	}}
	a := &Activities{Odoo: od}
	in := RecordRefundInput{OrderID: 42, RefundID: "r-77", Amount: usd(2500), Date: refundDay, AfterpayOrderID: "3001", Reason: "Refunded at Afterpay, outside Odoo"}
	val, err := run(t, a, a.RecordRefund, in)
	require.NoError(t, err)
	got := get[RecordedRefund](t, val)

	amount := usd(2500)
	require.Equal(t, []creditNoteCall{{invoiceID: 6, spec: odoo.CreditNoteSpec{Reason: "Refunded at Afterpay, outside Odoo", Ref: "r-77", Amount: &amount}}}, od.credited,
		"a credit note of the refund on the newest invoice at least that large, its reference the refund id")
	cn := od.moves[got.CreditNoteID]
	require.NotNil(t, cn, "the credit note returned is the one created")
	require.Equal(t, RecordedRefund{CreditNoteID: cn.ID, CreditNoteName: cn.Name, PaymentID: 50}, got)
	require.Equal(t, []paymentCall{{moveID: cn.ID, spec: odoo.PaymentSpec{Amount: usd(2500), Date: refundDay, JournalID: 12, Memo: "Afterpay refund r-77"}}}, od.paid,
		"the credit note is paid back from the Afterpay journal")
	require.Equal(t, map[int64]string{cn.ID: "3001"}, od.moveAfterpay, "finance sees the Afterpay order on the credit note")
}

func TestRecordRefundTakesAnInvoiceOfExactlyTheAmount(t *testing.T) {
	od := &fakeOdoo{journals: []int64{12}, posted: []int64{5, 6}, moves: map[int64]*odoo.Move{
		5: posted(5, "INV/1", usd(6000), usd(0)),
		6: posted(6, "INV/2", usd(2500), usd(0)),
	}}
	a := &Activities{Odoo: od}
	_, err := run(t, a, a.RecordRefund, RecordRefundInput{OrderID: 42, RefundID: "r-77", Amount: usd(2500), Date: refundDay})
	require.NoError(t, err)
	require.Len(t, od.credited, 1)
	require.Equal(t, int64(6), od.credited[0].invoiceID)
}

func TestRecordRefundRetriedAfterTheBookingFailedCreditsOnce(t *testing.T) {
	od := &fakeOdoo{journals: []int64{12}, posted: []int64{5}, moves: map[int64]*odoo.Move{5: posted(5, "INV/1", usd(6000), usd(0))},
		fail: map[string]error{"RegisterPayment": &odoo.TransportError{Err: errors.New("connection reset")}}}
	a := &Activities{Odoo: od}
	in := RecordRefundInput{OrderID: 42, RefundID: "r-77", Amount: usd(2500), Date: refundDay, AfterpayOrderID: "3001"}
	_, err := run(t, a, a.RecordRefund, in)
	requireFailure(t, err, ErrTypeOdooUnavailable, true)
	require.Len(t, od.creditNoteIDs(), 1, "the credit note is made before its payment")

	delete(od.fail, "RegisterPayment")
	val, err := run(t, a, a.RecordRefund, in)
	require.NoError(t, err)
	got := get[RecordedRefund](t, val)
	require.Equal(t, od.creditNoteIDs(), []int64{got.CreditNoteID}, "the retry finds the credit note by its reference")
	require.Equal(t, od.credited[0], od.credited[1], "the retry asks for the very same credit note")
	require.Equal(t, int64(50), got.PaymentID)
}

// KNOWN BUG (fails): RecordRefund picks "the newest invoice large enough"
// afresh on every attempt, and CreateCreditNote finds an earlier attempt's
// credit note only on the invoice it is given (reversed_entry_id). When the
// booking fails and the activity is run again after a newer invoice was
// posted (an operator's retry after fixing Odoo, while deliveries go on being
// invoiced), a second credit note is made for the same Afterpay refund on the
// newer invoice; the payment, found by its memo, stays on the first one.
func TestRecordRefundRetriedAfterANewerInvoiceCreditsOnce(t *testing.T) {
	od := &fakeOdoo{journals: []int64{12}, posted: []int64{5}, moves: map[int64]*odoo.Move{5: posted(5, "INV/1", usd(6000), usd(0))},
		fail: map[string]error{"RegisterPayment": &odoo.Fault{Code: odoo.FaultCodeUserError, Message: "Please define a payment method line on your payment."}}}
	a := &Activities{Odoo: od}
	in := RecordRefundInput{OrderID: 42, RefundID: "r-77", Amount: usd(2500), Date: refundDay, AfterpayOrderID: "3001"}
	_, err := run(t, a, a.RecordRefund, in)
	requireFailure(t, err, ErrTypeOdooRejected, false)
	require.Len(t, od.creditNoteIDs(), 1)

	// The merchant fixes the journal; meanwhile the rest of the order is
	// delivered and invoiced.
	delete(od.fail, "RegisterPayment")
	od.posted = []int64{5, 9}
	od.moves[9] = posted(9, "INV/2", usd(5000), usd(5000))
	val, err := run(t, a, a.RecordRefund, in)
	require.NoError(t, err)
	got := get[RecordedRefund](t, val)
	require.Len(t, od.creditNoteIDs(), 1, "one Afterpay refund, one credit note")
	require.Equal(t, od.creditNoteIDs()[0], got.CreditNoteID)
}

func TestRecordRefundWithoutAnInvoiceLargeEnoughIsFinal(t *testing.T) {
	tests := map[string]struct {
		posted []int64
		moves  map[int64]*odoo.Move
	}{
		"no invoice": {},
		"all too small": {posted: []int64{5, 6}, moves: map[int64]*odoo.Move{
			5: posted(5, "INV/1", usd(2000), usd(0)),
			6: posted(6, "INV/2", usd(2499), usd(0)),
		}},
		"large enough in another currency": {posted: []int64{5}, moves: map[int64]*odoo.Move{
			5: posted(5, "INV/1", money.MustNew(9000, "EUR"), money.MustNew(0, "EUR")),
		}},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			od := &fakeOdoo{journals: []int64{12}, posted: tt.posted, moves: tt.moves}
			a := &Activities{Odoo: od}
			_, err := run(t, a, a.RecordRefund, RecordRefundInput{OrderID: 42, RefundID: "r-77", Amount: usd(2500), Date: refundDay})
			requireFailure(t, err, ErrTypeNoInvoiceToCredit, false)
			require.Contains(t, err.Error(), "25.00 USD", "the message says how much was to be credited")
			require.Empty(t, od.credited, "no credit note")
			require.Empty(t, od.paid, "no payment")
		})
	}
}

func TestRecordRefundFailuresAreClassified(t *testing.T) {
	tests := []struct {
		name      string
		journals  []int64
		method    string
		err       error
		wantType  string
		retryable bool
		message   string
		credited  bool // whether CreateCreditNote was reached
	}{
		{name: "invoices unreadable", journals: []int64{12}, method: "PostedInvoices",
			err: &odoo.TransportError{Err: errors.New("connection refused")}, wantType: ErrTypeOdooUnavailable, retryable: true},
		{name: "order deleted", journals: []int64{12}, method: "PostedInvoices",
			err: fmt.Errorf("odoo: posted invoices of sale.order 42: %w", odoo.ErrNotFound), wantType: ErrTypeOdooRecordMissing},
		{name: "credit note refused", journals: []int64{12}, method: "CreateCreditNote",
			err:      &odoo.Fault{Code: odoo.FaultCodeUserError, Message: "You cannot reverse a move that is not posted."},
			wantType: ErrTypeOdooRejected, message: "You cannot reverse a move that is not posted.", credited: true},
		{name: "credit note committed, answer lost", journals: []int64{12}, method: "CreateCreditNote",
			err:      &odoo.Fault{Code: odoo.FaultCodeApplication, Message: "TypeError: cannot marshal None unless allow_none is enabled"},
			wantType: ErrTypeOdooUnavailable, retryable: true, credited: true},
		{name: "no Afterpay journal to pay it back from", wantType: ErrTypeOdooRecordMissing, credited: true},
		{name: "payment refused", journals: []int64{12}, method: "RegisterPayment",
			err:      &odoo.Fault{Code: odoo.FaultCodeUserError, Message: "Please define a payment method line on your payment."},
			wantType: ErrTypeOdooRejected, message: "Please define a payment method line on your payment.", credited: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			od := &fakeOdoo{journals: tt.journals, posted: []int64{5}, moves: map[int64]*odoo.Move{5: posted(5, "INV/1", usd(6000), usd(0))},
				fail: map[string]error{tt.method: tt.err}}
			a := &Activities{Odoo: od}
			_, err := run(t, a, a.RecordRefund, RecordRefundInput{OrderID: 42, RefundID: "r-77", Amount: usd(2500), Date: refundDay})
			requireFailure(t, err, tt.wantType, tt.retryable)
			if tt.message != "" {
				require.Equal(t, tt.message, OdooMessage(err))
			}
			require.Equal(t, tt.credited, len(od.credited) > 0, "CreateCreditNote reached")
			if !tt.credited {
				require.Empty(t, od.paid)
			}
		})
	}
}

// --- ReadBooks with credit notes ---

func TestReadBooksReturnsNewCreditNotesAndWhatIsPaidEachWay(t *testing.T) {
	od := &fakeOdoo{posted: []int64{5, 6}, creditNotes: []int64{900, 901, 902}, moves: map[int64]*odoo.Move{
		5: posted(5, "INV/1", usd(6000), usd(0)),    // paid 60
		6: posted(6, "INV/2", usd(3000), usd(1000)), // paid 20 of 30
		// Known: refunded at Afterpay and paid back.
		900: creditNote(900, "RINV/1", usd(1000), usd(0), "r-1", 5),
		// New, nothing paid back yet.
		901: creditNote(901, "RINV/2", usd(500), usd(500), "", 6),
		// New, linked to the order by its lines only, partly paid back.
		902: creditNote(902, "RINV/3", usd(700), usd(200), "RMA 12", 0),
	}}
	a := &Activities{Odoo: od}
	val, err := run(t, a, a.ReadBooks, BooksInput{OrderID: 42, CreditNotes: true, KnownCreditNotes: []int64{900}})
	require.NoError(t, err)
	got := get[Books](t, val)

	require.Equal(t, []CreditNote{
		{ID: 901, Name: "RINV/2", Total: usd(500), Residual: usd(500), Reverses: 6},
		{ID: 902, Name: "RINV/3", Total: usd(700), Residual: usd(200), Ref: "RMA 12"},
	}, got.CreditNotes, "only the credit notes not known yet, in id order")
	require.Len(t, got.Invoices, 2)
	require.Equal(t, usd(8000), got.PaidOnInvoices, "60 + (30 - 10)")
	require.Equal(t, usd(1500), got.PaidBackOnCreditNotes, "(10 - 0) + (5 - 5) + (7 - 2): known credit notes count too")
}

func TestReadBooksCountsAllCreditNotesEvenWhenAllAreKnown(t *testing.T) {
	od := &fakeOdoo{posted: []int64{5}, creditNotes: []int64{900, 901}, moves: map[int64]*odoo.Move{
		5:   posted(5, "INV/1", usd(6000), usd(0)),
		900: creditNote(900, "RINV/1", usd(1000), usd(0), "r-1", 5),
		901: creditNote(901, "RINV/2", usd(2500), usd(0), "r-2", 5),
	}}
	a := &Activities{Odoo: od}
	val, err := run(t, a, a.ReadBooks, BooksInput{OrderID: 42, CreditNotes: true, KnownCreditNotes: []int64{901, 900}})
	require.NoError(t, err)
	got := get[Books](t, val)
	require.Empty(t, got.CreditNotes)
	require.Equal(t, usd(6000), got.PaidOnInvoices)
	require.Equal(t, usd(3500), got.PaidBackOnCreditNotes)
}

// A credit note Odoo reconciles with its unpaid invoice moves no money:
// the invoice shows paid by as much as the credit note shows paid back.
func TestReadBooksCreditNoteReconciledWithItsInvoiceNetsToNothingPaid(t *testing.T) {
	od := &fakeOdoo{posted: []int64{5}, creditNotes: []int64{900}, moves: map[int64]*odoo.Move{
		5:   posted(5, "INV/1", usd(6000), usd(0)),
		900: creditNote(900, "RINV/1", usd(6000), usd(0), "", 5),
	}}
	a := &Activities{Odoo: od}
	val, err := run(t, a, a.ReadBooks, BooksInput{OrderID: 42, CreditNotes: true})
	require.NoError(t, err)
	got := get[Books](t, val)
	require.Equal(t, int64(0), got.PaidOnInvoices.Minor-got.PaidBackOnCreditNotes.Minor, "what Odoo shows paid is the difference")
	require.Equal(t, []CreditNote{{ID: 900, Name: "RINV/1", Total: usd(6000), Residual: usd(0), Reverses: 5}}, got.CreditNotes)
}

func TestReadBooksWithoutCreditNotesReturnsNone(t *testing.T) {
	od := &fakeOdoo{posted: []int64{5, 6}, creditNotes: []int64{900}, moves: map[int64]*odoo.Move{
		5:   posted(5, "INV/1", usd(6000), usd(0)),
		6:   posted(6, "INV/2", usd(3000), usd(3000)),
		900: creditNote(900, "RINV/1", usd(1000), usd(0), "r-1", 5),
	}}
	a := &Activities{Odoo: od}
	val, err := run(t, a, a.ReadBooks, BooksInput{OrderID: 42})
	require.NoError(t, err)
	got := get[Books](t, val)
	require.Empty(t, got.CreditNotes)
	require.Equal(t, usd(6000), got.PaidOnInvoices, "what is paid on invoices is read regardless")
	require.True(t, got.PaidBackOnCreditNotes.IsZero())
}

func TestReadBooksWithoutInvoicesOrCreditNotesHasNothingPaid(t *testing.T) {
	od := &fakeOdoo{}
	a := &Activities{Odoo: od}
	val, err := run(t, a, a.ReadBooks, BooksInput{OrderID: 42, CreditNotes: true})
	require.NoError(t, err)
	got := get[Books](t, val)
	require.Empty(t, got.Invoices)
	require.Empty(t, got.CreditNotes)
	require.True(t, got.PaidOnInvoices.IsZero())
	require.True(t, got.PaidBackOnCreditNotes.IsZero())
}

func TestReadBooksCreditNoteFailuresAreClassified(t *testing.T) {
	for name, tt := range map[string]struct {
		err       error
		wantType  string
		retryable bool
	}{
		"unreachable":   {&odoo.TransportError{Err: errors.New("connection refused")}, ErrTypeOdooUnavailable, true},
		"access denied": {&odoo.Fault{Code: odoo.FaultCodeAccessError, Message: "Access to account.move denied"}, ErrTypeOdooAccessDenied, false},
	} {
		t.Run(name, func(t *testing.T) {
			od := &fakeOdoo{creditNotes: []int64{900}, moves: map[int64]*odoo.Move{900: creditNote(900, "RINV/1", usd(1000), usd(0), "", 0)},
				fail: map[string]error{"ReadOrderMoves": tt.err}}
			a := &Activities{Odoo: od}
			_, err := run(t, a, a.ReadBooks, BooksInput{OrderID: 42, CreditNotes: true})
			requireFailure(t, err, tt.wantType, tt.retryable)
		})
	}
}

// --- PaymentOutcome ---

func at(minute int) time.Time { return time.Date(2026, 3, 1, 10, minute, 0, 0, time.UTC) }

func outcomeVia(t *testing.T, p *afterpay.Payment) PaymentOutcome {
	t.Helper()
	a := &Activities{Afterpay: &fakeAfterpay{payment: p}}
	val, err := run(t, a, a.CapturePayment, CaptureInput{Token: "002.t", MerchantReference: "S1"})
	require.NoError(t, err)
	return get[PaymentOutcome](t, val)
}

// A deferred payment: two captures, a void, two refunds, one of them of
// the void's amount. Afterpay lists the void in refunds[] too.
func TestPaymentOutcomeTotalsCapturesRefundsAndVoids(t *testing.T) {
	expires := at(0).Add(13 * 24 * time.Hour)
	p := &afterpay.Payment{
		ID: "100101", Token: "002.t", Status: afterpay.StatusApproved, Created: at(0), OriginalAmount: aud(10000),
		OpenToCaptureAmount: aud(1000), PaymentState: afterpay.PaymentStatePartiallyCaptured,
		Events: []afterpay.PaymentEvent{
			{ID: "a", Type: afterpay.EventAuthApproved, Amount: aud(10000), Created: at(0), Expires: &expires},
			{ID: "c1", Type: afterpay.EventCaptured, Amount: aud(6000), Created: at(1)},
			{ID: "c2", Type: afterpay.EventCaptured, Amount: aud(1000), Created: at(2)},
			{ID: "v", Type: afterpay.EventVoided, Amount: aud(2000), Created: at(5)},
		},
		// Newest first, as Afterpay lists them.
		Refunds: []afterpay.Refund{
			{RefundID: "r2", Amount: aud(2000), RefundedAt: at(9)},
			{RefundID: "void-entry", Amount: aud(2000), RefundedAt: at(5)},
			{RefundID: "r1", Amount: aud(1500), RefundedAt: at(3), MerchantReference: "RINV/1"},
		},
	}
	got := outcomeVia(t, p)
	require.Equal(t, PaymentOutcome{
		OrderID: "100101", Status: afterpay.StatusApproved, State: afterpay.PaymentStatePartiallyCaptured, Amount: aud(10000), Created: at(0),
		Captured: aud(7000), Refunded: aud(3500), Voided: aud(2000), Net: aud(3500),
		Refunds: []RefundSeen{
			{RefundID: "r1", Amount: aud(1500), At: at(3), MerchantReference: "RINV/1"},
			{RefundID: "r2", Amount: aud(2000), At: at(9)},
		},
		LastCaptureID: "c2", LastVoidID: "v", OpenToCapture: aud(1000), AuthExpires: expires,
	}, got)
	require.Equal(t, p.RefundedAmount(), got.Refunded, "the same total as the Afterpay client's")
}

func TestPaymentOutcomeCountsAnExpiredAuthorisationAsVoided(t *testing.T) {
	expires := at(0).Add(13 * 24 * time.Hour)
	p := &afterpay.Payment{
		ID: "100102", Status: afterpay.StatusApproved, Created: at(0), OriginalAmount: aud(10000),
		OpenToCaptureAmount: aud(0), PaymentState: afterpay.PaymentStatePartiallyCaptured,
		Events: []afterpay.PaymentEvent{
			{ID: "a", Type: afterpay.EventAuthApproved, Amount: aud(10000), Created: at(0), Expires: &expires},
			{ID: "c1", Type: afterpay.EventCaptured, Amount: aud(6000), Created: at(1)},
			{ID: "x", Type: afterpay.EventExpired, Amount: aud(4000), Created: expires},
		},
	}
	got := outcomeVia(t, p)
	require.Equal(t, aud(6000), got.Captured)
	require.Equal(t, aud(4000), got.Voided)
	require.Equal(t, "x", got.LastVoidID)
	require.Equal(t, "c1", got.LastCaptureID)
	require.Equal(t, aud(0), got.Refunded)
	require.Empty(t, got.Refunds)
	require.Equal(t, aud(6000), got.Net)
}

func TestPaymentOutcomeOfAReversedPaymentHoldsNothing(t *testing.T) {
	p := &afterpay.Payment{
		ID: "100103", Status: afterpay.StatusApproved, Created: at(0), OriginalAmount: aud(10000),
		OpenToCaptureAmount: aud(0), PaymentState: afterpay.PaymentStateReversed,
		Events: []afterpay.PaymentEvent{{ID: "c1", Type: afterpay.EventCaptured, Amount: aud(10000), Created: at(0)}},
	}
	got := outcomeVia(t, p)
	require.Equal(t, aud(0), got.Net, "nothing is held once reversed, in the payment's currency")
	require.Equal(t, aud(10000), got.Captured, "the capture still shows")
	require.Equal(t, aud(0), got.Refunded, "a reversal is no refund")
}

func TestPaymentOutcomeOfADeclinedPaymentIsZeroInItsCurrency(t *testing.T) {
	p := &afterpay.Payment{ID: "100104", Status: afterpay.StatusDeclined, Created: at(0), OriginalAmount: aud(10000),
		OpenToCaptureAmount: aud(0), PaymentState: afterpay.PaymentStateCaptureDeclined}
	got := outcomeVia(t, p)
	require.False(t, got.Approved())
	for name, m := range map[string]money.Money{"net": got.Net, "captured": got.Captured, "refunded": got.Refunded, "voided": got.Voided} {
		require.Equal(t, aud(0), m, name)
	}
	require.Empty(t, got.Refunds)
	require.Empty(t, got.LastCaptureID)
	require.Empty(t, got.LastVoidID)
}

// Odoo sends its webhooks before it commits: the books are read again
// until they show the record the webhook reported.
func TestReadBooksWaitsForTheReportedCreditNote(t *testing.T) {
	od := &fakeOdoo{posted: []int64{5}, moves: map[int64]*odoo.Move{5: posted(5, "INV/1", usd(6000), usd(0))}}
	a := &Activities{Odoo: od}
	_, err := run(t, a, a.ReadBooks, BooksInput{OrderID: 42, CreditNotes: true, AwaitMove: 900})
	requireFailure(t, err, ErrTypeOdooNotCommitted, true)
	_, err = run(t, a, a.ReadBooks, BooksInput{OrderID: 42, CreditNotes: true, AwaitPicking: 7})
	requireFailure(t, err, ErrTypeOdooNotCommitted, true)

	od.creditNotes = []int64{900}
	od.moves[900] = creditNote(900, "RINV/1", usd(1000), usd(0), "", 5)
	val, err := run(t, a, a.ReadBooks, BooksInput{OrderID: 42, CreditNotes: true, AwaitMove: 900})
	require.NoError(t, err)
	require.Len(t, get[Books](t, val).CreditNotes, 1)
}
