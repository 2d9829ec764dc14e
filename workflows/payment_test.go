package workflows

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"
	sdkpb "go.temporal.io/api/sdk/v1"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"

	"github.com/odoo-afterpay/bridge/activities"
	"github.com/odoo-afterpay/bridge/money"
)

const testToken = "002.abcdefghijklmnopqrstuvwxyz0123456789abcdefghijklmn"

// harness is a workflow test environment that records what the workflow
// told Odoo: chatter notes, transaction states and the order's fields.
type harness struct {
	t      *testing.T
	env    *testsuite.TestWorkflowEnvironment
	notes  []string
	states []activities.TransactionStateInput
	fields []activities.OrderAfterpayInput
	calls  map[string]int
	// Afterpay's side as the workflow's calls left it: deferred captures
	// and voids (from the calls' inputs), refunds (from expectRefunds) and
	// refunds made at Afterpay outside the product.
	captured, voided int64
	refunds          []activities.RefundSeen
	// odooPaid is what Odoo's books show paid (invoices less credit
	// notes), as the daily checks and the close find it unless a test
	// mocks ReadBooks itself.
	odooPaid money.Money
}

func newHarness(t *testing.T) *harness {
	t.Helper()
	return newHarnessWithMetrics(t, nil)
}

func newHarnessWithMetrics(t *testing.T, metrics client.MetricsHandler) *harness {
	t.Helper()
	var suite testsuite.WorkflowTestSuite
	if metrics != nil {
		suite.SetMetricsHandler(metrics)
	}
	env := suite.NewTestWorkflowEnvironment()
	env.RegisterWorkflowWithOptions((&Payment{}).Run, workflow.RegisterOptions{Name: PaymentWorkflowName})
	env.RegisterActivity(&activities.Activities{})
	h := &harness{t: t, env: env, calls: map[string]int{}, odooPaid: usd(11000)}
	env.SetOnActivityStartedListener(func(info *activity.Info, _ context.Context, args converter.EncodedValues) {
		h.calls[info.ActivityType.Name]++
		switch info.ActivityType.Name {
		case "PostOrderNote":
			var in activities.NoteInput
			if args.Get(&in) == nil {
				h.notes = append(h.notes, in.Body)
			}
		case "SetTransactionState":
			var in activities.TransactionStateInput
			if args.Get(&in) == nil {
				h.states = append(h.states, in)
			}
		case "SetOrderAfterpay":
			var in activities.OrderAfterpayInput
			if args.Get(&in) == nil {
				h.fields = append(h.fields, in)
			}
		case "CaptureAmount":
			var in activities.CaptureAmountInput
			if args.Get(&in) == nil {
				h.captured += in.Amount.Minor
			}
		case "Void":
			var in activities.VoidInput
			if args.Get(&in) == nil {
				h.voided += in.Amount.Minor
			}
		}
	})
	// Notes and the order's fields succeed unless a test says otherwise.
	env.OnActivity(act.SetOrderAfterpay, mock.Anything, mock.Anything).Return(nil).Maybe()
	t.Cleanup(func() { env.AssertExpectations(t) })
	return h
}

func (h *harness) notesSay(words string) bool {
	for _, n := range h.notes {
		if strings.Contains(n, words) {
			return true
		}
	}
	return false
}

func input() PaymentInput {
	return PaymentInput{
		Database: "odoo", OrderName: "S00042", OrderID: 42,
		ReturnURL: "http://shop.test/afterpay/return", ConfirmationTimeout: 5 * time.Minute,
	}
}

func usd(minor int64) money.Money { return money.MustNew(minor, "USD") }

func orderState(state string) *activities.OrderState {
	return &activities.OrderState{ID: 42, Name: "S00042", State: state, Total: usd(11000), PartnerID: 7, Afterpay: true, PaymentTerm: "Afterpay"}
}

// expectCheckout mocks the steps up to the customer wait.
func (h *harness) expectCheckout() {
	env := h.env
	env.OnActivity(act.ReadOrderState, mock.Anything, activities.ReadOrderInput{ID: 42, Name: "S00042", ForCheckout: true}).Return(orderState("sale"), nil)
	// Read again before the capture, when the payment gets that far.
	env.OnActivity(act.ReadOrderState, mock.Anything, activities.ReadOrderInput{ID: 42, Name: "S00042"}).Return(orderState("sale"), nil).Maybe()
	env.OnActivity(act.CreateCheckout, mock.Anything, activities.CheckoutInput{
		OrderID: 42, OrderName: "S00042", ReturnURL: "http://shop.test/afterpay/return?order=S00042",
	}).Return(func(_ context.Context, _ activities.CheckoutInput) (*activities.CheckoutCreated, error) {
		return &activities.CheckoutCreated{
			Token: testToken, Expires: env.Now().Add(3 * time.Hour), Amount: usd(11000),
			RedirectCheckoutURL: "http://afterpay.test/us/checkout/?token=" + testToken,
		}, nil
	}).Once()
	env.OnActivity(act.OpenTransaction, mock.Anything, mock.MatchedBy(func(in activities.TransactionInput) bool {
		return in.Reference == "S00042-AFTERPAY" && in.OrderID == 42 && in.PartnerID == 7 && in.Amount == usd(11000)
	})).Return(int64(9), nil).Once()
}

func (h *harness) approved() *activities.PaymentOutcome {
	return &activities.PaymentOutcome{OrderID: "300000000001", Status: "APPROVED", State: "CAPTURED", Amount: usd(11000), Created: h.env.Now()}
}

// expectCapture makes the next capture succeed.
func (h *harness) expectCapture() {
	h.env.OnActivity(act.CapturePayment, mock.Anything, activities.CaptureInput{Token: testToken, MerchantReference: "S00042"}).
		Return(func(context.Context, activities.CaptureInput) (*activities.PaymentOutcome, error) {
			return h.approved(), nil
		}).Once()
}

// expectRecording mocks the transaction done and the capture's note.
func (h *harness) expectRecording() {
	h.env.OnActivity(act.SetTransactionState, mock.Anything, activities.TransactionStateInput{
		TransactionID: 9, State: "done", ProviderReference: "300000000001", Message: "Captured by Afterpay, order 300000000001.",
	}).Return(nil).Once()
	h.env.OnActivity(act.PostOrderNote, mock.Anything, mock.MatchedBy(func(n activities.NoteInput) bool {
		return strings.Contains(n.Body, "Afterpay payment captured")
	})).Return(nil).Once()
}

// execute runs the workflow. The daily checks and the close find Odoo's
// books and Afterpay's record as h.odooPaid and h.afterpay say, unless the
// test mocked them itself (its mocks are registered first, so they answer
// first).
func (h *harness) execute(in PaymentInput) {
	h.env.OnActivity(act.ReadBooks, mock.Anything, mock.Anything).Return(func(context.Context, activities.BooksInput) (*activities.Books, error) {
		return &activities.Books{Invoices: []activities.Invoice{}, PaidOnInvoices: h.odooPaid, PaidBackOnCreditNotes: usd(0)}, nil
	}).Maybe()
	h.env.OnActivity(act.LookupPayment, mock.Anything, testToken).Return(func(context.Context, string) (*activities.PaymentLookup, error) {
		return &activities.PaymentLookup{Found: true, Payment: h.afterpayRecord()}, nil
	}).Maybe()
	h.env.ExecuteWorkflow(PaymentWorkflowName, in)
}

// afterpayRecord is Afterpay's record of the payment as the workflow's
// calls (and the test's refunds made at Afterpay) left it.
func (h *harness) afterpayRecord() activities.PaymentOutcome {
	p := activities.PaymentOutcome{OrderID: "300000000001", Status: "APPROVED", State: "CAPTURED", Amount: usd(11000),
		Captured: usd(h.captured), Refunded: usd(0), Voided: usd(h.voided), Refunds: h.refunds}
	if h.calls["Authorise"] == 0 {
		p.Captured = usd(11000) // immediate: captured in full
	}
	for _, r := range h.refunds {
		p.Refunded.Minor += r.Amount.Minor
	}
	p.Net = usd(p.Captured.Minor - p.Refunded.Minor)
	return p
}

// expectRefunds makes refunds at Afterpay succeed, numbered r-1, r-2, ….
func (h *harness) expectRefunds() {
	h.env.OnActivity(act.RefundPayment, mock.Anything, mock.Anything).Return(func(_ context.Context, in activities.RefundInput) (*activities.RefundOutcome, error) {
		for _, r := range h.refunds {
			if r.MerchantReference == in.MerchantReference+"|"+in.RequestID {
				return &activities.RefundOutcome{RefundID: r.RefundID, RefundedAt: r.At}, nil // Afterpay's idempotency
			}
		}
		r := activities.RefundSeen{RefundID: fmt.Sprintf("r-%d", len(h.refunds)+1), Amount: in.Amount, At: h.env.Now(),
			MerchantReference: in.MerchantReference + "|" + in.RequestID}
		h.refunds = append(h.refunds, r)
		return &activities.RefundOutcome{RefundID: r.RefundID, RefundedAt: r.At}, nil
	}).Maybe()
}

// expectClose expects the final reconciliation's note when the refund
// window closes.
func (h *harness) expectClose() {
	h.env.OnActivity(act.PostOrderNote, mock.Anything, mock.MatchedBy(func(n activities.NoteInput) bool {
		return strings.Contains(n.Body, "refund window has closed")
	})).Return(nil).Once()
}

// invoice5 is the order's invoice, for all of it.
var invoice5 = activities.Invoice{ID: 5, Name: "INV/2026/00001", Total: usd(11000), Residual: usd(11000)}

// expectBooking mocks the captured payment booked in the Afterpay journal
// as payment 77.
func (h *harness) expectBooking() {
	h.env.OnActivity(act.BookPayment, mock.Anything, mock.MatchedBy(func(in activities.BookInput) bool {
		return in.PartnerID == 7 && in.TransactionID == 9 && in.Amount == usd(11000) && in.Memo == "Afterpay 300000000001"
	})).Return(int64(77), nil).Once()
}

// expectAccounting mocks the payment booked, invoice 5 made and reconciled
// with it, and the payment's close 120 days later.
func (h *harness) expectAccounting() {
	h.expectClose()
	h.expectBooking()
	h.env.OnActivity(act.ReadBooks, mock.Anything, mock.Anything).Return(&activities.Books{Invoices: []activities.Invoice{invoice5}}, nil).Once()
	h.env.OnActivity(act.ReconcileInvoice, mock.Anything, activities.ReconcileInput{PaymentID: 77, InvoiceID: 5, AfterpayOrderID: "300000000001"}).
		Return(&activities.Reconciled{PaymentResidual: usd(0), InvoiceResidual: usd(0)}, nil).Once()
}

// expectNotes accepts any further chatter notes.
func (h *harness) expectNotes() {
	h.env.OnActivity(act.PostOrderNote, mock.Anything, mock.Anything).Return(nil).Maybe()
}

func (h *harness) signalReturn(after time.Duration, status, token string) {
	h.env.RegisterDelayedCallback(func() {
		h.env.SignalWorkflow(SignalCustomerReturn, CustomerReturn{Status: status, OrderToken: token})
	}, after)
}

func (h *harness) result() PaymentResult {
	h.t.Helper()
	require.True(h.t, h.env.IsWorkflowCompleted())
	require.NoError(h.t, h.env.GetWorkflowError())
	var res PaymentResult
	require.NoError(h.t, h.env.GetWorkflowResult(&res))
	return res
}

func (h *harness) status() StatusView {
	h.t.Helper()
	v, err := h.env.QueryWorkflow(QueryStatus)
	require.NoError(h.t, err)
	var view StatusView
	require.NoError(h.t, v.Get(&view))
	return view
}

func rejected(code string, status int) error {
	return temporal.NewNonRetryableApplicationError("afterpay: "+code, activities.ErrTypeAfterpayRejected, nil,
		activities.AfterpayRejection{HTTPStatus: status, ErrorCode: code})
}

func odooRefused(message string) error {
	return temporal.NewNonRetryableApplicationError("odoo: "+message, activities.ErrTypeOdooRejected, errors.New("fault 2"),
		activities.OdooRejection{FaultCode: 2, Message: message})
}

var (
	afterpayCredentials = temporal.NewNonRetryableApplicationError("afterpay capture: 401 unauthorized", activities.ErrTypeAfterpayCredentials, nil)
	afterpayDown        = temporal.NewApplicationError("afterpay capture: 503", activities.ErrTypeAfterpayUnavailable)
	odooDown            = temporal.NewApplicationError("odoo: connection refused", activities.ErrTypeOdooUnavailable)
	interrupted         = temporal.NewApplicationError("odoo set payment.transaction done interrupted: context canceled", activities.ErrTypeInterrupted)
)

func TestHappyPathCapturesAndRecords(t *testing.T) {
	h := newHarness(t)
	env := h.env
	// Odoo sends its webhook before committing: the first read sees a quotation.
	env.OnActivity(act.ReadOrderState, mock.Anything, mock.Anything).Return(orderState("draft"), nil).Once()
	h.expectCheckout()
	h.expectCapture()
	h.expectRecording()
	h.expectAccounting()

	upserted := map[string]any{}
	env.OnUpsertTypedSearchAttributes(mock.Anything).Run(func(args mock.Arguments) {
		for k, v := range args.Get(0).(temporal.SearchAttributes).GetUntypedValues() {
			upserted[k.GetName()] = v
		}
	}).Return(nil)

	var during CheckoutInfo
	env.RegisterDelayedCallback(func() {
		v, err := env.QueryWorkflow(QueryCheckout)
		require.NoError(t, err)
		require.NoError(t, v.Get(&during))
		env.SignalWorkflow(SignalCustomerReturn, CustomerReturn{Status: ReturnSuccess, OrderToken: testToken})
	}, time.Minute)
	h.execute(input())

	res := h.result()
	require.Equal(t, StatusCompleted, res.Status)
	require.Equal(t, "300000000001", res.AfterpayOrderID)
	require.Equal(t, int64(9), res.TransactionID)
	require.Equal(t, StatusAwaitingCustomer, during.Status)
	require.Equal(t, "http://afterpay.test/us/checkout/?token="+testToken, during.RedirectCheckoutURL)
	require.True(t, h.notesSay("Afterpay payment captured: 110.00 USD (Afterpay order 300000000001)"))
	require.True(t, h.notesSay("27.50 USD due"))
	require.True(t, h.notesSay("4 instalments, every 2 weeks"))
	require.Len(t, h.fields, 1)
	require.Equal(t, "300000000001", h.fields[0].AfterpayOrderID)
	require.Equal(t, "Captured", h.fields[0].Status)
	require.Contains(t, h.fields[0].Instalments, "27.50 USD due")
	require.Equal(t, map[string]any{
		"OdooOrderRef": "S00042", "AfterpayToken": testToken, "AfterpayOrderID": "300000000001", "PaymentStatus": "completed",
	}, upserted)
	view := h.status()
	require.Equal(t, PhaseDone, view.Phase)
	require.Equal(t, "110.00 USD", view.Captured)
	require.Equal(t, "0.00 USD", view.Refunded)
}

func TestDuplicateReturnsCaptureOnce(t *testing.T) {
	h := newHarness(t)
	h.expectCheckout()
	h.expectCapture()
	h.expectRecording()
	h.expectAccounting()
	h.env.RegisterDelayedCallback(func() {
		h.env.SignalWorkflow(SignalCustomerReturn, CustomerReturn{Status: ReturnSuccess, OrderToken: testToken})
		h.env.SignalWorkflow(SignalCustomerReturn, CustomerReturn{Status: ReturnSuccess, OrderToken: testToken}) // a browser refresh
	}, time.Minute)
	h.execute(input())
	require.Equal(t, StatusCompleted, h.result().Status)
	require.Equal(t, 1, h.calls["CapturePayment"])
}

func TestDeclineCancelsTransactionAndSaysSo(t *testing.T) {
	h := newHarness(t)
	h.expectCheckout()
	h.env.OnActivity(act.CapturePayment, mock.Anything, mock.Anything).Return(func(context.Context, activities.CaptureInput) (*activities.PaymentOutcome, error) {
		p := h.approved()
		p.Status, p.State = "DECLINED", "CAPTURE_DECLINED"
		return p, nil
	}).Once()
	h.env.OnActivity(act.SetTransactionState, mock.Anything, activities.TransactionStateInput{
		TransactionID: 9, State: "cancel", Message: "Afterpay declined the payment", ProviderReference: "300000000001",
	}).Return(nil).Once()
	h.expectNotes()
	h.signalReturn(time.Minute, ReturnSuccess, testToken)
	h.execute(input())
	require.Equal(t, StatusDeclined, h.result().Status)
	require.True(t, h.notesSay("Afterpay payment not completed: Afterpay declined the payment."))
	require.Equal(t, "Declined", h.fields[len(h.fields)-1].Status)
}

func TestCustomerLeavingKeepsTheCheckoutOpenAndALaterApprovalCaptures(t *testing.T) {
	h := newHarness(t)
	h.expectCheckout()
	h.expectCapture()
	h.expectRecording()
	h.expectAccounting()
	var afterCancel ReturnOutcome
	h.signalReturn(time.Minute, ReturnCancelled, testToken)
	h.env.RegisterDelayedCallback(func() {
		v := h.status()
		require.Equal(t, PhaseAwaitingCustomer, v.Phase, "an unverifiable cancel redirect does not end the payment")
		afterCancel = ReturnOutcome{Outcome: OutcomeCancelled}
	}, 90*time.Second)
	h.signalReturn(time.Minute+100*time.Second, ReturnSuccess, testToken)
	h.execute(input())
	require.Equal(t, StatusCompleted, h.result().Status)
	require.Equal(t, OutcomeCancelled, afterCancel.Outcome)
	require.Zero(t, h.calls["SetTransactionState"]-1, "the transaction was only ever set done")
}

func TestCheckoutExpiryAsksAfterpayOnceMoreThenCancelsTheTransaction(t *testing.T) {
	h := newHarness(t)
	h.expectCheckout()
	// Every probe (and the last look at expiry) finds the checkout unapproved,
	// then expired.
	h.env.OnActivity(act.CapturePayment, mock.Anything, mock.Anything).Return(func(context.Context, activities.CaptureInput) (*activities.PaymentOutcome, error) {
		return nil, rejected("invalid_order_transaction_status", 412)
	})
	h.env.OnActivity(act.SetTransactionState, mock.Anything, mock.MatchedBy(func(in activities.TransactionStateInput) bool {
		return in.State == "cancel" && strings.Contains(in.Message, "expired")
	})).Return(nil).Once()
	h.expectNotes()
	start := h.env.Now()
	h.execute(input())
	require.Equal(t, StatusExpired, h.result().Status)
	require.GreaterOrEqual(t, h.env.Now().Sub(start), 3*time.Hour, "the wait ends at the checkout's expiry")
	require.GreaterOrEqual(t, h.calls["CapturePayment"], 5, "Afterpay was asked on a timer")
	require.LessOrEqual(t, h.calls["CapturePayment"], 20, "with backoff")
	require.True(t, h.notesSay("the Afterpay checkout expired"))
}

func TestAProbeCapturesWhenTheCustomersReturnNeverArrives(t *testing.T) {
	h := newHarness(t)
	h.expectCheckout()
	h.expectCapture() // the first probe finds the customer approved
	h.expectRecording()
	h.expectAccounting()
	h.execute(input())
	require.Equal(t, StatusCompleted, h.result().Status)
	require.Equal(t, 1, h.calls["CapturePayment"])
}

func TestReturnForAnotherTokenIsIgnored(t *testing.T) {
	h := newHarness(t)
	h.expectCheckout()
	h.env.OnActivity(act.CapturePayment, mock.Anything, mock.Anything).Return(nil, rejected("invalid_order_transaction_status", 412))
	h.env.OnActivity(act.SetTransactionState, mock.Anything, mock.Anything).Return(nil).Once()
	h.expectNotes()
	h.signalReturn(30*time.Second, ReturnSuccess, "002.someoneelsestoken")
	h.env.RegisterDelayedCallback(func() {
		require.Zero(t, h.calls["CapturePayment"], "a foreign token captures nothing")
	}, 90*time.Second)
	h.execute(input())
	require.Equal(t, StatusExpired, h.result().Status)
}

func TestEarlyRedirectWaitsForTheGenuineReturn(t *testing.T) {
	h := newHarness(t)
	h.expectCheckout()
	h.env.OnActivity(act.CapturePayment, mock.Anything, mock.Anything).Return(nil, rejected("invalid_order_transaction_status", 412)).Once()
	h.expectCapture()
	h.expectRecording()
	h.expectAccounting()
	h.signalReturn(30*time.Second, ReturnSuccess, testToken)
	h.signalReturn(60*time.Second, ReturnSuccess, testToken) // the genuine one, identical
	h.execute(input())
	require.Equal(t, StatusCompleted, h.result().Status)
	require.Equal(t, 2, h.calls["CapturePayment"])
}

func TestOrderNeverConfirmedEndsQuietly(t *testing.T) {
	h := newHarness(t)
	h.env.OnActivity(act.ReadOrderState, mock.Anything, mock.Anything).Return(orderState("draft"), nil)
	h.execute(input())
	res := h.result()
	require.Equal(t, StatusOrderNotConfirmed, res.Status)
	require.Contains(t, res.Reason, `still reads as "draft"`)
	require.Zero(t, h.calls["CreateCheckout"])
	require.Zero(t, h.calls["PostOrderNote"])
}

func TestUnpayableOrderGetsChatterAndNoTransaction(t *testing.T) {
	h := newHarness(t)
	h.env.OnActivity(act.ReadOrderState, mock.Anything, mock.Anything).Return(orderState("sale"), nil)
	h.env.OnActivity(act.CreateCheckout, mock.Anything, mock.Anything).Return(&activities.CheckoutCreated{
		NotPayable: []string{"currency EUR is not one Afterpay trades in", "the customer has no email address"}, Amount: usd(11000),
	}, nil).Once()
	h.expectNotes()
	h.execute(input())
	res := h.result()
	require.Equal(t, StatusNotPayable, res.Status)
	require.True(t, h.notesSay("Afterpay cannot be used for this order: currency EUR is not one Afterpay trades in; the customer has no email address."))
	require.Zero(t, h.calls["OpenTransaction"])
	require.Zero(t, h.calls["SetTransactionState"])
}

func TestOrderInAnUnknownCurrencyIsNotPayable(t *testing.T) {
	h := newHarness(t)
	jpy := temporal.NewNonRetryableApplicationError("odoo read: money: currency", activities.ErrTypeOrderCurrency, nil)
	h.env.OnActivity(act.ReadOrderState, mock.Anything, mock.Anything).Return(nil, jpy).Once()
	h.expectNotes()
	h.execute(input())
	require.Equal(t, StatusNotPayable, h.result().Status)
	require.True(t, h.notesSay("currency is not one Afterpay trades in"))
	require.Zero(t, h.calls["CreateCheckout"])
}

func TestOdooRefusingTheCaptureReversesItAndBringsOdooInLine(t *testing.T) {
	h := newHarness(t)
	h.expectCheckout()
	h.expectCapture()
	refused := odooRefused("The payment provider is archived.")
	h.env.OnActivity(act.SetTransactionState, mock.Anything, mock.MatchedBy(func(in activities.TransactionStateInput) bool { return in.State == "done" })).Return(refused).Once()
	h.env.OnActivity(act.ReversePayment, mock.Anything, testToken).Return(nil).Once()
	h.env.OnActivity(act.SetTransactionState, mock.Anything, mock.MatchedBy(func(in activities.TransactionStateInput) bool {
		return in.State == "cancel" && strings.Contains(in.Message, "reversed at Afterpay")
	})).Return(refused).Once()
	h.expectNotes()
	h.signalReturn(time.Minute, ReturnSuccess, testToken)
	h.execute(input())
	res := h.result()
	require.Equal(t, StatusCompensated, res.Status)
	require.Equal(t, "Odoo could not record the captured payment (The payment provider is archived.); the payment was reversed at Afterpay (no fee; the customer is not charged)", res.Reason)
	require.True(t, h.notesSay("Afterpay payment 300000000001 of 110.00 USD was reversed at Afterpay"))
	require.True(t, h.notesSay("Odoo could not record the captured payment (The payment provider is archived.)"))
	require.Equal(t, "Reversed", h.fields[len(h.fields)-1].Status)
	require.Zero(t, h.calls["RefundPayment"])
	view := h.status()
	require.Equal(t, "110.00 USD", view.Captured)
	require.Equal(t, "110.00 USD", view.Refunded, "the ledger shows the money back")
}

func TestAFaultOnTheNoteAfterTheTransactionWasDoneSetsItBackToCancelled(t *testing.T) {
	h := newHarness(t)
	h.expectCheckout()
	h.expectCapture()
	h.env.OnActivity(act.SetTransactionState, mock.Anything, mock.MatchedBy(func(in activities.TransactionStateInput) bool { return in.State == "done" })).Return(nil).Once()
	h.env.OnActivity(act.PostOrderNote, mock.Anything, mock.MatchedBy(func(n activities.NoteInput) bool {
		return strings.Contains(n.Body, "Afterpay payment captured")
	})).Return(odooRefused("Invalid field 'body' on model 'mail.message'")).Once()
	h.env.OnActivity(act.ReversePayment, mock.Anything, testToken).Return(nil).Once()
	h.env.OnActivity(act.SetTransactionState, mock.Anything, mock.MatchedBy(func(in activities.TransactionStateInput) bool { return in.State == "cancel" })).Return(nil).Once()
	h.expectNotes()
	h.signalReturn(time.Minute, ReturnSuccess, testToken)
	h.execute(input())
	require.Equal(t, StatusCompensated, h.result().Status)
	require.Equal(t, "cancel", h.states[len(h.states)-1].State, "Odoo no longer shows the reversed money as received")
	require.True(t, h.notesSay("was reversed at Afterpay"))
}

func TestOdooDownPastTheRecordingWindowReversesAndTellsOdooOnceItAnswers(t *testing.T) {
	h := newHarness(t)
	h.expectCheckout()
	h.expectCapture()
	// Odoo is down for 20 minutes.
	var odooBackAt time.Time
	down := func(context.Context, activities.TransactionStateInput) error {
		if h.env.Now().Before(odooBackAt) {
			return odooDown
		}
		return nil
	}
	h.env.OnActivity(act.SetTransactionState, mock.Anything, mock.Anything).Return(down)
	h.env.OnActivity(act.PostOrderNote, mock.Anything, mock.Anything).Return(func(context.Context, activities.NoteInput) error {
		if h.env.Now().Before(odooBackAt) {
			return odooDown
		}
		return nil
	})
	h.env.OnActivity(act.ReversePayment, mock.Anything, testToken).Return(nil).Once()
	h.env.RegisterDelayedCallback(func() {
		odooBackAt = h.env.Now().Add(20 * time.Minute)
		h.env.SignalWorkflow(SignalCustomerReturn, CustomerReturn{Status: ReturnSuccess, OrderToken: testToken})
	}, time.Minute)
	h.execute(input())
	res := h.result()
	require.Equal(t, StatusCompensated, res.Status)
	require.Contains(t, res.Reason, "reversed at Afterpay")
	require.Equal(t, "cancel", h.states[len(h.states)-1].State, "Odoo's transaction says so once Odoo answers")
	require.True(t, !h.env.Now().Before(odooBackAt))
}

func TestAWorkerStoppingWhileRecordingIsNoAnswer(t *testing.T) {
	h := newHarness(t)
	h.expectCheckout()
	h.expectCapture()
	h.env.OnActivity(act.SetTransactionState, mock.Anything, mock.Anything).Return(interrupted).Once()
	h.expectRecording()
	h.expectAccounting()
	h.signalReturn(time.Minute, ReturnSuccess, testToken)
	h.execute(input())
	require.Equal(t, StatusCompleted, h.result().Status)
	require.Zero(t, h.calls["ReversePayment"])
	require.Zero(t, h.calls["RefundPayment"])
}

func TestAfterTheReversalWindowTheMoneyIsRefunded(t *testing.T) {
	h := newHarness(t)
	h.expectCheckout()
	h.env.OnActivity(act.CapturePayment, mock.Anything, mock.Anything).Return(func(context.Context, activities.CaptureInput) (*activities.PaymentOutcome, error) {
		p := h.approved()
		p.Created = h.env.Now().Add(-time.Hour) // captured long ago, as seen after a long outage
		return p, nil
	}).Once()
	h.env.OnActivity(act.SetTransactionState, mock.Anything, mock.Anything).Return(odooRefused("no")).Twice()
	h.env.OnActivity(act.RefundPayment, mock.Anything, activities.RefundInput{
		OrderID: "300000000001", Amount: usd(11000),
		RequestID: RequestID("default-test-workflow-id", "compensation-refund"), MerchantReference: "S00042-compensation",
	}).Return(&activities.RefundOutcome{RefundID: "77"}, nil).Once()
	h.expectNotes()
	h.signalReturn(time.Minute, ReturnSuccess, testToken)
	h.execute(input())
	require.Equal(t, StatusCompensated, h.result().Status)
	require.Zero(t, h.calls["ReversePayment"])
	require.True(t, h.notesSay("was refunded in full at Afterpay"))
}

func TestDeletedTransactionIsCompensatedWithANote(t *testing.T) {
	h := newHarness(t)
	h.expectCheckout()
	h.expectCapture()
	gone := temporal.NewNonRetryableApplicationError("odoo set payment.transaction done: deleted", activities.ErrTypeTransactionMissing, nil,
		activities.OdooRejection{Message: "the order's payment.transaction 9 was deleted in Odoo"})
	h.env.OnActivity(act.SetTransactionState, mock.Anything, mock.Anything).Return(gone).Twice()
	h.env.OnActivity(act.ReversePayment, mock.Anything, testToken).Return(nil).Once()
	h.expectNotes()
	h.signalReturn(time.Minute, ReturnSuccess, testToken)
	h.execute(input())
	res := h.result()
	require.Equal(t, StatusCompensated, res.Status)
	require.Contains(t, res.Reason, "the order's payment.transaction 9 was deleted in Odoo")
	require.NotContains(t, res.Reason, "OrderNotFound")
	require.True(t, h.notesSay("was reversed at Afterpay"))
	require.True(t, h.notesSay("the order's payment.transaction 9 was deleted in Odoo"))
}

func TestACaptureWhoseAnswerWasLostIsLearnedByTokenEvenWhenTheRetryIsUnauthorized(t *testing.T) {
	h := newHarness(t)
	h.expectCheckout()
	// The capture committed at Afterpay, its answer was lost, and the retry
	// met rotated credentials.
	h.env.OnActivity(act.CapturePayment, mock.Anything, mock.Anything).Return(nil, afterpayCredentials).Once()
	h.env.OnActivity(act.LookupPayment, mock.Anything, testToken).Return(func(context.Context, string) (*activities.PaymentLookup, error) {
		return &activities.PaymentLookup{Found: true, Payment: *h.approved()}, nil
	}).Once()
	h.expectRecording()
	h.expectAccounting()
	h.signalReturn(time.Minute, ReturnSuccess, testToken)
	h.execute(input())
	res := h.result()
	require.Equal(t, StatusCompleted, res.Status)
	require.Equal(t, "300000000001", res.AfterpayOrderID)
}

// statusCounts counts the payments metric by status, as a metrics
// backend would.
type statusCounts struct {
	client.MetricsHandler
	status string
	counts map[string]int
}

func (c statusCounts) WithTags(tags map[string]string) client.MetricsHandler {
	if s, ok := tags["status"]; ok {
		c.status = s
	}
	return c
}

func (c statusCounts) Counter(name string) client.MetricsCounter {
	if name != MetricPayments {
		return c.MetricsHandler.Counter(name)
	}
	return statusCounter{c}
}

type statusCounter struct{ c statusCounts }

func (s statusCounter) Inc(n int64) { s.c.counts[s.c.status] += int(n) }

func TestRefusedCredentialsParkThePaymentUntilTheyWorkAgain(t *testing.T) {
	counts := map[string]int{}
	h := newHarnessWithMetrics(t, statusCounts{MetricsHandler: client.MetricsNopHandler, counts: counts})
	h.expectCheckout()
	var fixedAt time.Time
	h.env.OnActivity(act.CapturePayment, mock.Anything, mock.Anything).Return(func(context.Context, activities.CaptureInput) (*activities.PaymentOutcome, error) {
		if h.env.Now().Before(fixedAt) {
			return nil, afterpayCredentials
		}
		return h.approved(), nil
	})
	h.env.OnActivity(act.LookupPayment, mock.Anything, testToken).Return(func(context.Context, string) (*activities.PaymentLookup, error) {
		if h.env.Now().Before(fixedAt) {
			return nil, afterpayCredentials
		}
		return &activities.PaymentLookup{Found: true, Payment: h.afterpayRecord()}, nil
	})
	h.expectRecording()
	h.expectAccounting()
	h.expectNotes()
	var parked StatusView
	h.env.RegisterDelayedCallback(func() {
		fixedAt = h.env.Now().Add(30 * time.Minute)
		h.env.SignalWorkflow(SignalCustomerReturn, CustomerReturn{Status: ReturnSuccess, OrderToken: testToken})
	}, time.Minute)
	h.env.RegisterDelayedCallback(func() { parked = h.status() }, 10*time.Minute)
	h.execute(input())
	require.Equal(t, StatusCompleted, h.result().Status, "resumed by itself once the credentials worked")
	require.Equal(t, StatusNeedsAttention, parked.Status)
	require.NotNil(t, parked.Attention)
	require.Contains(t, parked.Attention.Reason, "Afterpay refused the merchant credentials")
	require.Contains(t, parked.Attention.Todo, "AFTERPAY_SECRET_KEY")
	require.True(t, h.notesSay("Afterpay payment needs attention while capturing the payment: Afterpay refused the merchant credentials"))
	// Five tries by itself over the half hour, and one payment that needed
	// attention once, then completed: the status did not flap.
	require.Equal(t, map[string]int{string(StatusNeedsAttention): 1, string(StatusCompleted): 1}, counts)
}

func TestUnauthorizedCheckoutIsTheOperatorsAlarmNotTheOrdersFault(t *testing.T) {
	h := newHarness(t)
	h.env.OnActivity(act.ReadOrderState, mock.Anything, mock.Anything).Return(orderState("sale"), nil)
	var fixedAt time.Time
	h.env.OnActivity(act.CreateCheckout, mock.Anything, mock.Anything).Return(func(context.Context, activities.CheckoutInput) (*activities.CheckoutCreated, error) {
		if fixedAt.IsZero() {
			fixedAt = h.env.Now().Add(10 * time.Minute)
		}
		if h.env.Now().Before(fixedAt) {
			return nil, afterpayCredentials
		}
		return &activities.CheckoutCreated{Token: testToken, Expires: h.env.Now().Add(3 * time.Hour), Amount: usd(11000), RedirectCheckoutURL: "http://afterpay.test/"}, nil
	})
	h.env.OnActivity(act.OpenTransaction, mock.Anything, mock.Anything).Return(int64(9), nil).Once()
	h.expectCapture()
	h.expectRecording()
	h.expectAccounting()
	h.expectNotes()
	h.execute(input())
	require.Equal(t, StatusCompleted, h.result().Status)
	require.False(t, h.notesSay("Afterpay cannot be used for this order"))
	require.True(t, h.notesSay("Afterpay refused the merchant credentials"))
}

func TestAnOrderInvoicedOnDeliveryIsBookedAtOnceAndReconciledWithItsInvoiceLater(t *testing.T) {
	h := newHarness(t)
	h.expectCheckout()
	h.expectCapture()
	h.expectRecording()
	h.expectClose()
	h.expectBooking()
	// Nothing to invoice before the delivery; then the delivery's invoice.
	h.env.OnActivity(act.ReadBooks, mock.Anything, mock.Anything).Return(&activities.Books{Invoices: []activities.Invoice{}}, nil).Once()
	h.env.OnActivity(act.ReadBooks, mock.Anything, mock.Anything).Return(&activities.Books{Invoices: []activities.Invoice{invoice5}}, nil).Once()
	h.env.OnActivity(act.ReconcileInvoice, mock.Anything, activities.ReconcileInput{PaymentID: 77, InvoiceID: 5, AfterpayOrderID: "300000000001"}).
		Return(&activities.Reconciled{PaymentResidual: usd(0), InvoiceResidual: usd(0)}, nil).Once()
	h.expectNotes()
	h.signalReturn(time.Minute, ReturnSuccess, testToken)
	var before StatusView
	h.env.RegisterDelayedCallback(func() {
		before = h.status()
		h.env.SignalWorkflow(SignalOdooEvent, OdooEvent{ID: "stock.picking:17:done", Kind: OdooDeliveryDone, Model: "stock.picking", RecordID: 17})
		h.env.SignalWorkflow(SignalOdooEvent, OdooEvent{ID: "stock.picking:17:done", Kind: OdooDeliveryDone, Model: "stock.picking", RecordID: 17}) // twice
	}, 72*time.Hour)
	h.execute(input())
	require.Equal(t, StatusCompleted, h.result().Status)
	require.Equal(t, StatusCompleted, before.Status, "captured and booked; only the reconciliation waits")
	require.True(t, h.notesSay("110.00 USD of the Afterpay payment is booked in the Afterpay journal and waits for the order's next invoices"))
	require.Equal(t, 1, h.calls["ReconcileInvoice"])
	seen := 0
	for _, id := range h.status().EventsSeen {
		if id == "odoo:stock.picking:17:done" {
			seen++
		}
	}
	require.Equal(t, 1, seen, "the duplicate delivery event is accepted once")
	require.Zero(t, h.calls["RefundPayment"]+h.calls["ReversePayment"])
}

func TestAPaymentOdooRefusesToBookWaitsForAnOperatorWhoRetries(t *testing.T) {
	h := newHarness(t)
	h.expectCheckout()
	h.expectCapture()
	h.expectRecording()
	noMethod := odooRefused("Please define a payment method line on your payment.")
	h.env.OnActivity(act.BookPayment, mock.Anything, mock.Anything).Return(int64(0), noMethod).Once()
	h.expectAccounting()
	h.expectNotes()
	h.signalReturn(time.Minute, ReturnSuccess, testToken)
	var parked StatusView
	var refusal, acceptance updateResult
	h.env.RegisterDelayedCallback(func() {
		parked = h.status()
		h.env.UpdateWorkflow(UpdateOperatorAction, "resolve-without-note", &refusal, OperatorAction{Action: ActionResolve, By: "ops@shop"})
		h.env.UpdateWorkflow(UpdateOperatorAction, "retry-1", &acceptance, OperatorAction{Action: ActionRetry, By: "finance@shop"})
	}, 48*time.Hour)
	h.execute(input())
	require.Equal(t, StatusCompleted, h.result().Status)
	require.Equal(t, StatusNeedsAttention, parked.Status, "a business refusal waits for a person, however long")
	require.False(t, parked.Attention.AutoRetry)
	require.Contains(t, parked.Attention.Reason, "the captured payment could not be booked in the Afterpay journal (Please define a payment method line on your payment.)")
	require.ErrorContains(t, refusal.rejected, "resolve needs a note")
	require.NoError(t, acceptance.rejected)
	require.True(t, h.notesSay(`register 110.00 USD from the customer in the Afterpay journal with memo "Afterpay 300000000001" by hand and resolve`))
	require.True(t, h.notesSay("Afterpay payment no longer needs attention: the step that failed while booking the payment"),
		"the chatter withdraws its request to register the payment by hand")
	require.Nil(t, h.status().Attention)
	require.Zero(t, h.calls["RefundPayment"]+h.calls["ReversePayment"])
}

func TestAnOperatorCanResolveAParkedPaymentByHand(t *testing.T) {
	h := newHarness(t)
	h.expectCheckout()
	h.expectCapture()
	h.expectRecording()
	h.env.OnActivity(act.BookPayment, mock.Anything, mock.Anything).Return(int64(0), odooRefused("Please define a payment method line on your payment.")).Once()
	h.expectClose()
	h.expectNotes()
	h.signalReturn(time.Minute, ReturnSuccess, testToken)
	h.env.RegisterDelayedCallback(func() {
		h.env.SignalWorkflow(SignalOperatorAction, OperatorAction{Action: ActionResolve, Note: "registered by hand as PBNK1/2026/00009", By: "ops@shop"})
	}, time.Hour)
	h.execute(input())
	res := h.result()
	require.Equal(t, StatusResolved, res.Status)
	require.Contains(t, res.Reason, "resolved by hand by ops@shop")
	require.True(t, h.notesSay("registered by hand as PBNK1/2026/00009"))
}

func TestInvalidInputFailsWithoutRetry(t *testing.T) {
	h := newHarness(t)
	in := input()
	in.OrderName = ""
	h.execute(in)
	require.Error(t, h.env.GetWorkflowError())
}

func TestInstalmentPlanAddsUp(t *testing.T) {
	start := time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)
	plan := InstalmentPlan(usd(10001), start)
	require.Len(t, plan, 4)
	require.Equal(t, usd(2501), plan[0].Amount)
	require.Equal(t, usd(2500), plan[3].Amount)
	require.Equal(t, start.AddDate(0, 0, 42), plan[3].Due)
}

// updateResult records the answer of an update in the testsuite.
type updateResult struct {
	rejected error
	value    any
	err      error
}

func (u *updateResult) Accept()                         {}
func (u *updateResult) Reject(err error)                { u.rejected = err }
func (u *updateResult) Complete(success any, err error) { u.value, u.err = success, err }

func TestCustomerReturnUpdateAnswersTheOutcomeAndRefusesOtherTokens(t *testing.T) {
	h := newHarness(t)
	h.expectCheckout()
	h.expectCapture()
	h.expectRecording()
	h.expectAccounting()
	var forged, genuine updateResult
	h.env.RegisterDelayedCallback(func() {
		h.env.UpdateWorkflow(UpdateCustomerReturn, "forged", &forged, CustomerReturn{Status: ReturnCancelled, OrderToken: "002.someoneelse"})
		h.env.UpdateWorkflow(UpdateCustomerReturn, "genuine", &genuine, CustomerReturn{Status: ReturnSuccess, OrderToken: testToken})
	}, time.Minute)
	h.execute(input())
	require.Equal(t, StatusCompleted, h.result().Status)
	require.ErrorContains(t, forged.rejected, "not this payment's checkout token")
	require.NoError(t, genuine.rejected)
	require.NoError(t, genuine.err)
	total := usd(11000)
	require.Equal(t, ReturnOutcome{Outcome: OutcomePaid, OrderName: "S00042", Amount: &total}, genuine.value)
}

// Before the payment has a checkout, every return is turned away: the API
// sends the update without checking the token itself, so the validator is
// the only check.
func TestCustomerReturnUpdateBeforeACheckoutIsRefused(t *testing.T) {
	h := newHarness(t)
	h.env.OnActivity(act.ReadOrderState, mock.Anything, mock.Anything).Return(orderState("draft"), nil)
	var early updateResult
	h.env.RegisterDelayedCallback(func() {
		h.env.UpdateWorkflow(UpdateCustomerReturn, "early", &early, CustomerReturn{Status: ReturnSuccess, OrderToken: testToken})
	}, time.Minute)
	h.execute(input())
	require.Equal(t, StatusOrderNotConfirmed, h.result().Status)
	require.ErrorContains(t, early.rejected, "not this payment's checkout token")
	require.Zero(t, h.calls["CreateCheckout"])
}

func TestADisputeOnAPaidOrderIsNotedWithAnActivityBeforeItsDeadline(t *testing.T) {
	h := newHarness(t)
	h.expectCheckout()
	h.expectCapture()
	h.expectRecording()
	h.expectAccounting()
	h.expectNotes()
	var activity activities.OrderActivityInput
	h.env.OnActivity(act.ScheduleOrderActivity, mock.Anything, mock.Anything).Run(func(args mock.Arguments) {
		activity = args.Get(1).(activities.OrderActivityInput)
	}).Return(nil).Once()
	h.signalReturn(time.Minute, ReturnSuccess, testToken)
	due := time.Date(2027, 1, 10, 12, 0, 0, 0, time.UTC)
	dispute := AfterpayEvent{ID: "dispute:wh-1", Kind: EventDispute, Token: testToken, Dispute: &Dispute{
		ID: "dp_1", Status: "needs_response", Reason: "product_not_received", Amount: usd(11000), ResponseDueBy: due, Open: true}}
	h.env.RegisterDelayedCallback(func() {
		h.env.SignalWorkflow(SignalAfterpayEvent, dispute)
		h.env.SignalWorkflow(SignalAfterpayEvent, dispute) // Afterpay retries its webhook
		h.env.SignalWorkflow(SignalAfterpayEvent, AfterpayEvent{ID: "dispute:wh-2", Kind: EventDispute, Token: "002.another",
			Dispute: &Dispute{ID: "dp_9", Status: "needs_response"}})
	}, 48*time.Hour)
	h.execute(input())
	require.Equal(t, StatusCompleted, h.result().Status)
	require.True(t, h.notesSay("Afterpay dispute dp_1 on this payment: product_not_received, 110.00 USD disputed, status needs_response, respond by 2027-01-10 12:00 UTC."))
	require.False(t, h.notesSay("dp_9"), "a dispute for another payment is ignored")
	require.Equal(t, int64(42), activity.OrderID)
	require.Equal(t, "Respond to Afterpay dispute dp_1", activity.Summary)
	require.Equal(t, due.Add(-24*time.Hour), activity.Deadline)
	require.Equal(t, 1, h.calls["ScheduleOrderActivity"])
}

func TestARefundMadeAtAfterpayShowsUpInOdooAndTheCloseAgrees(t *testing.T) {
	h := newHarness(t)
	h.expectCheckout()
	h.expectCapture()
	h.expectRecording()
	h.expectAccounting()
	h.expectNotes()
	var recorded []activities.RecordRefundInput
	h.env.OnActivity(act.RecordRefund, mock.Anything, mock.Anything).Run(func(args mock.Arguments) {
		recorded = append(recorded, args.Get(1).(activities.RecordRefundInput))
	}).Return(&activities.RecordedRefund{CreditNoteID: 31, CreditNoteName: "RINV/2026/00003", PaymentID: 91}, nil)
	h.signalReturn(time.Minute, ReturnSuccess, testToken)
	refund := usd(3000)
	h.env.RegisterDelayedCallback(func() {
		// Refunded in Afterpay's merchant portal; a relay reports it twice.
		h.refunds = append(h.refunds, activities.RefundSeen{RefundID: "r-77", Amount: refund, At: h.env.Now()})
		h.odooPaid = usd(8000)
		ev := AfterpayEvent{ID: "ev-1", Kind: EventRefundSettled, OrderID: "300000000001", Token: testToken, Amount: &refund, RefundID: "r-77", At: h.env.Now()}
		h.env.SignalWorkflow(SignalAfterpayEvent, ev)
		h.env.SignalWorkflow(SignalAfterpayEvent, ev)
	}, 72*time.Hour)
	var afterEvent StatusView
	h.env.RegisterDelayedCallback(func() { afterEvent = h.status() }, 72*time.Hour+time.Minute)
	h.execute(input())
	require.Equal(t, StatusCompleted, h.result().Status)
	require.Len(t, recorded, 1, "recorded in Odoo once, although the event came twice and the daily checks see the refund too")
	require.Equal(t, activities.RecordRefundInput{OrderID: 42, RefundID: "r-77", Amount: refund, Date: recorded[0].Date,
		AfterpayOrderID: "300000000001", Reason: "Refunded at Afterpay, outside Odoo"}, recorded[0])
	require.Equal(t, "30.00 USD", afterEvent.Refunded, "the event made the workflow look at once")
	require.True(t, h.notesSay("Refunded at Afterpay, outside Odoo: 30.00 USD (refund r-77, Afterpay order 300000000001). Recorded with credit note RINV/2026/00003"))
	require.True(t, h.notesSay("Afterpay and Odoo agree: captured 110.00 USD, refunded 30.00 USD, voided 0.00 USD; 80.00 USD held"))
	view := h.status()
	require.Equal(t, "30.00 USD", view.Refunded)
	require.Equal(t, "80.00 USD", view.Held)
	require.Equal(t, []CreditNote{{ID: 31, Name: "RINV/2026/00003", Amount: refund, Outcome: CreditRecordsAfterpayRefund, RefundID: "r-77", PaymentID: 91,
		At: view.CreditNotes[0].At}}, view.CreditNotes)
	require.Zero(t, h.calls["RefundPayment"], "the product refunds nothing itself")
}

// expectAuthorisation mocks a deferred payment authorised for 110.00,
// expiring in 7 days.
func (h *harness) expectAuthorisation() {
	h.env.OnActivity(act.Authorise, mock.Anything, activities.AuthoriseInput{
		Token: testToken, RequestID: RequestID("default-test-workflow-id", "auth"), MerchantReference: "S00042",
	}).Return(func(context.Context, activities.AuthoriseInput) (*activities.PaymentOutcome, error) {
		return &activities.PaymentOutcome{OrderID: "300000000001", Status: "APPROVED", State: "AUTH_APPROVED", Amount: usd(11000),
			Created: h.env.Now(), OpenToCapture: usd(11000), AuthExpires: h.env.Now().Add(7 * 24 * time.Hour)}, nil
	}).Once()
	h.env.OnActivity(act.SetTransactionState, mock.Anything, mock.MatchedBy(func(in activities.TransactionStateInput) bool {
		return in.State == "pending" && strings.Contains(in.Message, "Authorised by Afterpay for 110.00 USD")
	})).Return(nil).Once()
}

func deferredInput() PaymentInput {
	in := input()
	in.CaptureMode = CaptureDeferred
	return in
}

func TestDeferredCaptureCapturesEachDeliveryAndVoidsWhatIsCancelled(t *testing.T) {
	h := newHarness(t)
	h.expectCheckout()
	h.expectAuthorisation()
	h.expectNotes()
	h.env.OnActivity(act.SetTransactionState, mock.Anything, mock.MatchedBy(func(in activities.TransactionStateInput) bool { return in.State == "done" })).Return(nil)
	invA := activities.Invoice{ID: 1, Name: "INV/A", Total: usd(6000), Residual: usd(6000)}
	invB := activities.Invoice{ID: 2, Name: "INV/B", Total: usd(3000), Residual: usd(3000)}
	// Each delivery makes its invoice; an invoice is paid once reconciled.
	delivered := 0
	h.env.OnActivity(act.ReadBooks, mock.Anything, mock.Anything).Return(func(context.Context, activities.BooksInput) (*activities.Books, error) {
		books := &activities.Books{Invoices: []activities.Invoice{}, PaidOnInvoices: usd(0)}
		for i, inv := range []activities.Invoice{invA, invB}[:delivered] {
			if h.calls["ReconcileInvoice"] > i {
				inv.Residual = usd(0)
				books.PaidOnInvoices.Minor += inv.Total.Minor
			}
			books.Invoices = append(books.Invoices, inv)
		}
		return books, nil
	})
	for i, inv := range []activities.Invoice{invA, invB} {
		key := fmt.Sprintf("capture:invoice:%d", inv.ID)
		h.env.OnActivity(act.CaptureAmount, mock.Anything, activities.CaptureAmountInput{
			OrderID: "300000000001", Amount: inv.Total, RequestID: RequestID("default-test-workflow-id", key), EventReference: inv.Name,
		}).Return(&activities.PaymentOutcome{}, nil).Once()
		h.env.OnActivity(act.BookPayment, mock.Anything, mock.MatchedBy(func(in activities.BookInput) bool {
			return in.Memo == "Afterpay 300000000001 "+inv.Name && in.Amount == inv.Total
		})).Return(int64(81+i), nil).Once()
		h.env.OnActivity(act.ReconcileInvoice, mock.Anything, activities.ReconcileInput{PaymentID: int64(81 + i), InvoiceID: inv.ID, AfterpayOrderID: "300000000001"}).
			Return(&activities.Reconciled{PaymentResidual: usd(0), InvoiceResidual: usd(0)}, nil).Once()
	}
	h.env.OnActivity(act.Void, mock.Anything, activities.VoidInput{
		OrderID: "300000000001", Amount: usd(2000), RequestID: RequestID("default-test-workflow-id", "void:order-cancelled"),
	}).Return(&activities.PaymentOutcome{}, nil).Once()
	h.signalReturn(time.Minute, ReturnSuccess, testToken)
	var authorised, afterFirst StatusView
	h.env.RegisterDelayedCallback(func() {
		authorised = h.status()
		delivered = 1
		h.env.SignalWorkflow(SignalOdooEvent, OdooEvent{ID: "stock.picking:17:done", Kind: OdooDeliveryDone, RecordID: 17})
	}, 24*time.Hour)
	h.env.RegisterDelayedCallback(func() {
		afterFirst = h.status()
		delivered = 2
		h.env.SignalWorkflow(SignalOdooEvent, OdooEvent{ID: "stock.picking:18:done", Kind: OdooDeliveryDone, RecordID: 18})
	}, 48*time.Hour)
	h.env.RegisterDelayedCallback(func() {
		h.env.SignalWorkflow(SignalOdooEvent, OdooEvent{ID: "sale.order:42:cancel", Kind: OdooOrderCancelled, RecordID: 42})
	}, 72*time.Hour)
	h.execute(deferredInput())
	require.Equal(t, StatusCompleted, h.result().Status)
	require.Equal(t, StatusAuthorised, authorised.Status)
	require.Equal(t, "110.00 USD", authorised.Authorised)
	require.Equal(t, "0.00 USD", authorised.Captured)
	require.Equal(t, "60.00 USD", afterFirst.Captured)
	view := h.status()
	require.Equal(t, "90.00 USD", view.Captured)
	require.Equal(t, "20.00 USD", view.Voided)
	require.True(t, h.notesSay("Afterpay payment authorised: 110.00 USD (Afterpay order 300000000001), captured as the order is delivered"))
	require.True(t, h.notesSay("Afterpay captured 60.00 USD for invoice INV/A"))
	require.True(t, h.notesSay("the 20.00 USD still authorised at Afterpay was voided; the customer pays only the 90.00 USD delivered"))
	require.True(t, h.notesSay("Afterpay and Odoo agree: captured 90.00 USD, refunded 0.00 USD, voided 20.00 USD; 90.00 USD held"))
	require.Zero(t, h.calls["ScheduleOrderActivity"], "nothing to refund: what was delivered was paid")
}

func TestAnAuthorisationThatExpiresWarnsTheSalespersonThenEnds(t *testing.T) {
	h := newHarness(t)
	h.expectCheckout()
	h.expectAuthorisation()
	h.expectNotes()
	h.env.OnActivity(act.ReadBooks, mock.Anything, mock.Anything).Return(&activities.Books{Invoices: []activities.Invoice{}}, nil).Once()
	var warning activities.OrderActivityInput
	h.env.OnActivity(act.ScheduleOrderActivity, mock.Anything, mock.Anything).Run(func(args mock.Arguments) {
		warning = args.Get(1).(activities.OrderActivityInput)
	}).Return(nil).Once()
	h.env.OnActivity(act.SetTransactionState, mock.Anything, mock.MatchedBy(func(in activities.TransactionStateInput) bool { return in.State == "cancel" })).Return(nil).Once()
	h.signalReturn(time.Minute, ReturnSuccess, testToken)
	start := h.env.Now()
	h.execute(deferredInput())
	res := h.result()
	require.Equal(t, StatusExpired, res.Status)
	require.Equal(t, "Ship before the Afterpay authorisation expires", warning.Summary)
	expires := start.Add(time.Minute + 7*24*time.Hour)
	require.WithinDuration(t, expires, warning.Deadline, time.Minute, "the deadline is Afterpay's own expiry")
	require.WithinDuration(t, expires, h.env.Now(), time.Minute, "the expiry is a timer on Afterpay's date")
	require.True(t, h.notesSay("the 110.00 USD not captured by then was voided by Afterpay"))
	require.Zero(t, h.calls["CaptureAmount"])
}

func TestAnOrderWithoutTheAfterpayMarkerGetsNoCheckout(t *testing.T) {
	h := newHarness(t)
	order := orderState("sale")
	order.Afterpay, order.PaymentTerm = false, "30 Days"
	h.env.OnActivity(act.ReadOrderState, mock.Anything, mock.Anything).Return(order, nil)
	h.expectNotes()
	h.execute(input())
	res := h.result()
	require.Equal(t, StatusNotAfterpay, res.Status)
	require.Contains(t, res.Reason, `payment term is "30 Days"`)
	require.Zero(t, h.calls["CreateCheckout"])
	require.Zero(t, h.calls["OpenTransaction"])
}

func TestAnOrderCancelledBeforeTheCustomerPaysIsNeverCaptured(t *testing.T) {
	h := newHarness(t)
	h.expectCheckout()
	h.env.OnActivity(act.SetTransactionState, mock.Anything, mock.MatchedBy(func(in activities.TransactionStateInput) bool { return in.State == "cancel" })).Return(nil).Once()
	h.expectNotes()
	h.env.RegisterDelayedCallback(func() {
		h.env.SignalWorkflow(SignalOdooEvent, OdooEvent{ID: "sale.order:42:cancel", Kind: OdooOrderCancelled, RecordID: 42})
	}, time.Minute)
	h.signalReturn(90*time.Second, ReturnSuccess, testToken) // the customer approves afterwards
	h.execute(input())
	require.Equal(t, StatusOrderCancelled, h.result().Status)
	require.Zero(t, h.calls["CapturePayment"])
	require.True(t, h.notesSay("the order was cancelled in Odoo before the customer paid; nothing was charged"))
}

func TestAnOrderCancelledJustBeforeTheCaptureIsNeverCaptured(t *testing.T) {
	h := newHarness(t)
	h.env.OnActivity(act.ReadOrderState, mock.Anything, mock.Anything).Return(orderState("sale"), nil).Once()
	h.env.OnActivity(act.ReadOrderState, mock.Anything, mock.Anything).Return(orderState("cancel"), nil).Once()
	h.expectCheckout()
	h.env.OnActivity(act.SetTransactionState, mock.Anything, mock.MatchedBy(func(in activities.TransactionStateInput) bool { return in.State == "cancel" })).Return(nil).Once()
	h.expectNotes()
	h.signalReturn(time.Minute, ReturnSuccess, testToken)
	h.execute(input())
	require.Equal(t, StatusOrderCancelled, h.result().Status)
	require.Zero(t, h.calls["CapturePayment"])
}

func TestACapturedOrderCancelledInOdooAsksForACreditNote(t *testing.T) {
	h := newHarness(t)
	h.expectCheckout()
	h.expectCapture()
	h.expectRecording()
	h.expectAccounting()
	h.expectNotes()
	var ask activities.OrderActivityInput
	h.env.OnActivity(act.ScheduleOrderActivity, mock.Anything, mock.Anything).Run(func(args mock.Arguments) {
		ask = args.Get(1).(activities.OrderActivityInput)
	}).Return(nil).Once()
	h.signalReturn(time.Minute, ReturnSuccess, testToken)
	h.env.RegisterDelayedCallback(func() {
		h.env.SignalWorkflow(SignalOdooEvent, OdooEvent{ID: "sale.order:42:cancel", Kind: OdooOrderCancelled, RecordID: 42})
	}, 24*time.Hour)
	h.execute(input())
	require.Equal(t, StatusCompleted, h.result().Status)
	require.Equal(t, "Refund the Afterpay payment of this cancelled order", ask.Summary)
	require.Contains(t, ask.Note, "post a credit note")
	require.Zero(t, h.calls["RefundPayment"]+h.calls["ReversePayment"], "the refund follows the credit note")
}

func TestAfterpayAndOdooActivitiesRunOnTheirOwnTaskQueues(t *testing.T) {
	h := newHarness(t)
	queues := map[string]string{}
	h.env.SetOnActivityStartedListener(func(info *activity.Info, _ context.Context, _ converter.EncodedValues) {
		queues[info.ActivityType.Name] = info.TaskQueue
	})
	h.expectCheckout()
	h.expectCapture()
	h.expectRecording()
	h.expectAccounting()
	h.expectNotes()
	h.signalReturn(time.Minute, ReturnSuccess, testToken)
	h.execute(input())
	require.Equal(t, StatusCompleted, h.result().Status)
	afterpay := map[string]bool{"CreateCheckout": true, "CapturePayment": true, "LookupPayment": true}
	for name, queue := range queues {
		want := OdooTaskQueue("default-test-taskqueue")
		if afterpay[name] {
			want = AfterpayTaskQueue("default-test-taskqueue")
		}
		require.Equal(t, want, queue, "activity %s", name)
	}
	require.Contains(t, queues, "CapturePayment")
	require.Contains(t, queues, "BookPayment")
}

// The Web UI shows a payment's current details and its handlers'
// descriptions: what it is, where it stands, what it waits for.
func TestThePaymentDescribesItselfToTheWebUI(t *testing.T) {
	h := newHarness(t)
	h.expectCheckout()
	h.expectCapture()
	h.expectRecording()
	h.env.OnActivity(act.BookPayment, mock.Anything, mock.Anything).Return(int64(0), odooRefused("Please define a payment method line on your payment.")).Once()
	h.expectAccounting()
	h.expectNotes()
	h.env.OnActivity(act.ScheduleOrderActivity, mock.Anything, mock.Anything).Return(nil).Maybe()
	h.signalReturn(time.Minute, ReturnSuccess, testToken)
	var waiting, parked *sdkpb.WorkflowMetadata
	metadata := func() *sdkpb.WorkflowMetadata {
		v, err := h.env.QueryWorkflow("__temporal_workflow_metadata")
		require.NoError(t, err)
		var md sdkpb.WorkflowMetadata
		require.NoError(t, v.Get(&md))
		return &md
	}
	h.env.RegisterDelayedCallback(func() { waiting = metadata() }, 30*time.Second)
	h.env.RegisterDelayedCallback(func() {
		parked = metadata()
		h.env.UpdateWorkflow(UpdateOperatorAction, "retry-1", &updateResult{}, OperatorAction{Action: ActionRetry, By: "ops@shop"})
	}, time.Hour)
	h.execute(input())
	require.Equal(t, StatusCompleted, h.result().Status)
	require.Contains(t, waiting.GetCurrentDetails(), "**awaiting_customer**: Afterpay payment of order S00042 (110.00 USD)")
	require.Contains(t, waiting.GetCurrentDetails(), "Waiting: Wait for the customer until")
	require.Contains(t, parked.GetCurrentDetails(), "**Needs attention**: the captured payment could not be booked in the Afterpay journal")
	require.Contains(t, parked.GetCurrentDetails(), "held 110.00 USD")
	described := map[string]string{}
	for _, d := range append(append(parked.GetDefinition().GetQueryDefinitions(), parked.GetDefinition().GetSignalDefinitions()...), parked.GetDefinition().GetUpdateDefinitions()...) {
		described[d.GetName()] = d.GetDescription()
	}
	for _, name := range []string{QueryStatus, QueryCheckout, SignalCustomerReturn, SignalAfterpayEvent, SignalOperatorAction, SignalOdooEvent, UpdateOperatorAction, UpdateCustomerReturn} {
		require.NotEmpty(t, described[name], "%s has a description", name)
	}
	require.Contains(t, described[SignalOperatorAction], `"by"`)
}
