package workflows

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"

	"github.com/odoo-afterpay/bridge/activities"
	"github.com/odoo-afterpay/bridge/afterpay"
	"github.com/odoo-afterpay/bridge/mapping"
	"github.com/odoo-afterpay/bridge/money"
	"github.com/odoo-afterpay/bridge/odoo"
)

const testToken = "002.abcdefghijklmnopqrstuvwxyz0123456789abcdefghijklmn"

func newEnv(t *testing.T) *testsuite.TestWorkflowEnvironment {
	t.Helper()
	var suite testsuite.WorkflowTestSuite
	env := suite.NewTestWorkflowEnvironment()
	env.RegisterWorkflowWithOptions((&Payment{Mapper: mapping.NewMapper()}).Run, workflow.RegisterOptions{Name: PaymentWorkflowName})
	env.RegisterActivity(&activities.Activities{})
	// The order's Afterpay fields mirror what other steps record; tests
	// that care read them with orderFields.
	env.OnActivity(act.SetOrderAfterpay, mock.Anything, mock.Anything).Return(nil).Maybe()
	t.Cleanup(func() { env.AssertExpectations(t) })
	return env
}

// orderFields collects what the workflow writes in the order's Afterpay
// fields.
func orderFields(env *testsuite.TestWorkflowEnvironment) *[]activities.OrderAfterpayInput {
	var got []activities.OrderAfterpayInput
	env.SetOnActivityStartedListener(func(info *activity.Info, _ context.Context, args converter.EncodedValues) {
		if info.ActivityType.Name == "SetOrderAfterpay" {
			var in activities.OrderAfterpayInput
			if args.Get(&in) == nil {
				got = append(got, in)
			}
		}
	})
	return &got
}

func input() PaymentInput {
	return PaymentInput{
		Database: "odoo", OrderName: "S00042", OrderID: 42,
		ReturnURL: "http://shop.test/afterpay/return", ConfirmationTimeout: 5 * time.Minute,
	}
}

func usd(minor int64) money.Money { return money.MustNew(minor, "USD") }

func testOrder(state string) *odoo.SaleOrder {
	customer := odoo.Partner{
		ID: 7, Name: "Oscar Morgan", Email: "oscar@example.com", Phone: "+1 555 0100",
		Street: "317 Fairchild Dr", City: "Fairfield", StateCode: "CA", Zip: "94535", CountryCode: "US",
	}
	return &odoo.SaleOrder{
		ID: 42, Name: "S00042", State: state, Currency: "USD",
		AmountUntaxed: usd(10000), AmountTax: usd(1000), AmountTotal: usd(11000),
		Partner: customer, InvoiceAddress: customer, ShippingAddress: customer,
		Lines: []odoo.OrderLine{{
			ID: 1, Name: "Desk", SKU: "DESK-1", Quantity: "1.0",
			PriceUnit: usd(10000), PriceSubtotal: usd(10000), PriceTax: usd(1000), PriceTotal: usd(11000),
		}},
	}
}

// expectCheckout mocks the steps up to the customer wait.
func expectCheckout(env *testsuite.TestWorkflowEnvironment) {
	env.OnActivity(act.ReadOrder, mock.Anything, activities.ReadOrderInput{ID: 42, Name: "S00042"}).Return(testOrder("sale"), nil)
	env.OnActivity(act.CreateCheckout, mock.Anything, mock.MatchedBy(func(req *afterpay.CheckoutRequest) bool {
		return req.Amount == usd(11000) && req.MerchantReference == "S00042" &&
			req.Merchant.RedirectConfirmURL == "http://shop.test/afterpay/return?order=S00042"
	})).Return(func(_ context.Context, _ *afterpay.CheckoutRequest) (*activities.CheckoutCreated, error) {
		return &activities.CheckoutCreated{
			Token: testToken, Expires: env.Now().Add(3 * time.Hour),
			RedirectCheckoutURL: "http://afterpay.test/us/checkout/?token=" + testToken,
		}, nil
	}).Once()
	env.OnActivity(act.OpenTransaction, mock.Anything, mock.MatchedBy(func(in activities.TransactionInput) bool {
		return in.Reference == "S00042-AFTERPAY" && in.OrderID == 42 && in.Amount == usd(11000)
	})).Return(int64(9), nil).Once()
}

// expectAccounting mocks invoicing and the reconciled payment on invoice 5.
func expectAccounting(env *testsuite.TestWorkflowEnvironment) {
	env.OnActivity(act.InvoiceOrder, mock.Anything, int64(42)).Return(&activities.Invoices{IDs: []int64{5}, OpenID: 5, OpenName: "INV/2026/00001"}, nil).Once()
	env.OnActivity(act.RegisterInvoicePayment, mock.Anything, mock.MatchedBy(func(in activities.InvoicePaymentInput) bool {
		return in.InvoiceID == 5 && in.TransactionID == 9 && in.Amount == usd(11000) && in.Memo == "Afterpay 300000000001"
	})).Return(int64(77), nil).Once()
}

func approved(env *testsuite.TestWorkflowEnvironment) *activities.PaymentOutcome {
	return &activities.PaymentOutcome{OrderID: "300000000001", Status: "APPROVED", State: "CAPTURED", Amount: usd(11000), Created: env.Now()}
}

func signalReturn(env *testsuite.TestWorkflowEnvironment, after time.Duration, status, token string) {
	env.RegisterDelayedCallback(func() {
		env.SignalWorkflow(SignalCustomerReturn, CustomerReturn{Status: status, OrderToken: token})
	}, after)
}

func result(t *testing.T, env *testsuite.TestWorkflowEnvironment) PaymentResult {
	t.Helper()
	require.True(t, env.IsWorkflowCompleted())
	require.NoError(t, env.GetWorkflowError())
	var res PaymentResult
	require.NoError(t, env.GetWorkflowResult(&res))
	return res
}

func TestHappyPathCapturesAndRecords(t *testing.T) {
	env := newEnv(t)
	// Odoo sends its webhook before committing: the first read sees a quotation.
	env.OnActivity(act.ReadOrder, mock.Anything, mock.Anything).Return(testOrder("draft"), nil).Once()
	expectCheckout(env)
	expectAccounting(env)
	env.OnActivity(act.CapturePayment, mock.Anything, activities.CaptureInput{Token: testToken, MerchantReference: "S00042"}).
		Return(func(_ context.Context, _ activities.CaptureInput) (*activities.PaymentOutcome, error) {
			return approved(env), nil
		}).Once()
	env.OnActivity(act.SetTransactionState, mock.Anything, activities.TransactionStateInput{
		TransactionID: 9, State: "done", ProviderReference: "300000000001", Message: "Captured by Afterpay, order 300000000001.",
	}).Return(nil).Once()
	var note activities.NoteInput
	env.OnActivity(act.PostOrderNote, mock.Anything, mock.Anything).Run(func(args mock.Arguments) {
		note = args.Get(1).(activities.NoteInput)
	}).Return(nil).Once()

	upserted := map[string]any{}
	env.OnUpsertTypedSearchAttributes(mock.Anything).Run(func(args mock.Arguments) {
		for k, v := range args.Get(0).(temporal.SearchAttributes).GetUntypedValues() {
			upserted[k.GetName()] = v
		}
	}).Return(nil)

	fields := orderFields(env)
	var during CheckoutInfo
	env.RegisterDelayedCallback(func() {
		v, err := env.QueryWorkflow(QueryCheckout)
		require.NoError(t, err)
		require.NoError(t, v.Get(&during))
		signalReturnNow(env, ReturnSuccess, testToken)
	}, time.Minute)
	env.ExecuteWorkflow(PaymentWorkflowName, input())

	res := result(t, env)
	require.Equal(t, StatusCompleted, res.Status)
	require.Equal(t, "300000000001", res.AfterpayOrderID)
	require.Equal(t, int64(9), res.TransactionID)
	require.Equal(t, StatusAwaitingCustomer, during.Status)
	require.Equal(t, "http://afterpay.test/us/checkout/?token="+testToken, during.RedirectCheckoutURL)
	require.Equal(t, int64(42), note.OrderID)
	require.Contains(t, note.Body, "Afterpay payment captured: 110.00 USD (Afterpay order 300000000001)")
	require.Contains(t, note.Body, "27.50 USD due")
	require.Contains(t, note.Body, "4 instalments, every 2 weeks")
	require.True(t, strings.Contains(note.Body, note.Marker), "the note carries its idempotency marker")
	require.Len(t, *fields, 1)
	require.Equal(t, "300000000001", (*fields)[0].AfterpayOrderID)
	require.Equal(t, "Captured", (*fields)[0].Status)
	require.Contains(t, (*fields)[0].Instalments, "27.50 USD due")
	require.Equal(t, map[string]any{
		"OdooOrderRef": "S00042", "AfterpayToken": testToken, "AfterpayOrderID": "300000000001", "PaymentStatus": "completed",
	}, upserted)
}

func signalReturnNow(env *testsuite.TestWorkflowEnvironment, status, token string) {
	env.SignalWorkflow(SignalCustomerReturn, CustomerReturn{Status: status, OrderToken: token})
}

func TestDuplicateConfirmationCapturesOnce(t *testing.T) {
	env := newEnv(t)
	expectCheckout(env)
	expectAccounting(env)
	env.OnActivity(act.CapturePayment, mock.Anything, mock.Anything).
		Return(func(_ context.Context, _ activities.CaptureInput) (*activities.PaymentOutcome, error) {
			return approved(env), nil
		}).Once()
	env.OnActivity(act.SetTransactionState, mock.Anything, mock.Anything).Return(nil).Once()
	env.OnActivity(act.PostOrderNote, mock.Anything, mock.Anything).Return(nil).Once()
	env.RegisterDelayedCallback(func() {
		signalReturnNow(env, ReturnSuccess, testToken)
		signalReturnNow(env, ReturnSuccess, testToken) // a browser refresh
	}, time.Minute)
	env.ExecuteWorkflow(PaymentWorkflowName, input())
	require.Equal(t, StatusCompleted, result(t, env).Status)
	env.AssertActivityNumberOfCalls(t, "CapturePayment", 1)
}

func TestDeclineCancelsTransaction(t *testing.T) {
	env := newEnv(t)
	expectCheckout(env)
	env.OnActivity(act.CapturePayment, mock.Anything, mock.Anything).Return(func(_ context.Context, _ activities.CaptureInput) (*activities.PaymentOutcome, error) {
		p := approved(env)
		p.Status, p.State = "DECLINED", "CAPTURE_DECLINED"
		return p, nil
	}).Once()
	env.OnActivity(act.SetTransactionState, mock.Anything, activities.TransactionStateInput{
		TransactionID: 9, State: "cancel", Message: "Afterpay declined the payment", ProviderReference: "300000000001",
	}).Return(nil).Once()
	env.OnActivity(act.PostOrderNote, mock.Anything, mock.MatchedBy(func(n activities.NoteInput) bool {
		return strings.HasPrefix(n.Body, "Afterpay payment not completed: Afterpay declined the payment.")
	})).Return(nil).Once()
	signalReturn(env, time.Minute, ReturnSuccess, testToken)
	env.ExecuteWorkflow(PaymentWorkflowName, input())
	require.Equal(t, StatusDeclined, result(t, env).Status)
}

func TestCustomerCancelCancelsTransaction(t *testing.T) {
	env := newEnv(t)
	expectCheckout(env)
	env.OnActivity(act.SetTransactionState, mock.Anything, mock.MatchedBy(func(in activities.TransactionStateInput) bool {
		return in.State == "cancel" && in.Message == "the customer cancelled the Afterpay checkout"
	})).Return(nil).Once()
	env.OnActivity(act.PostOrderNote, mock.Anything, mock.Anything).Return(nil).Once()
	signalReturn(env, time.Minute, ReturnCancelled, testToken)
	env.ExecuteWorkflow(PaymentWorkflowName, input())
	require.Equal(t, StatusCancelled, result(t, env).Status)
	env.AssertActivityNumberOfCalls(t, "CapturePayment", 0)
}

func TestCheckoutExpiry(t *testing.T) {
	env := newEnv(t)
	expectCheckout(env)
	env.OnActivity(act.SetTransactionState, mock.Anything, mock.MatchedBy(func(in activities.TransactionStateInput) bool {
		return in.State == "cancel" && strings.Contains(in.Message, "expired")
	})).Return(nil).Once()
	env.OnActivity(act.PostOrderNote, mock.Anything, mock.Anything).Return(nil).Once()
	start := env.Now()
	env.ExecuteWorkflow(PaymentWorkflowName, input())
	require.Equal(t, StatusExpired, result(t, env).Status)
	require.GreaterOrEqual(t, env.Now().Sub(start), 3*time.Hour, "the wait ends at the checkout's expiry")
}

func TestReturnForAnotherTokenIsIgnored(t *testing.T) {
	env := newEnv(t)
	expectCheckout(env)
	env.OnActivity(act.SetTransactionState, mock.Anything, mock.Anything).Return(nil).Once()
	env.OnActivity(act.PostOrderNote, mock.Anything, mock.Anything).Return(nil).Once()
	signalReturn(env, time.Minute, ReturnSuccess, "002.someoneelsestoken")
	env.ExecuteWorkflow(PaymentWorkflowName, input())
	require.Equal(t, StatusExpired, result(t, env).Status)
	env.AssertActivityNumberOfCalls(t, "CapturePayment", 0)
}

func TestEarlyRedirectWaitsForRealConfirmation(t *testing.T) {
	env := newEnv(t)
	expectCheckout(env)
	expectAccounting(env)
	notConfirmed := temporal.NewNonRetryableApplicationError("not confirmed", activities.ErrTypeAfterpayRejected, nil,
		activities.AfterpayRejection{HTTPStatus: 412, ErrorCode: "invalid_order_transaction_status"})
	env.OnActivity(act.CapturePayment, mock.Anything, mock.Anything).Return(nil, notConfirmed).Once()
	env.OnActivity(act.CapturePayment, mock.Anything, mock.Anything).
		Return(func(_ context.Context, _ activities.CaptureInput) (*activities.PaymentOutcome, error) {
			return approved(env), nil
		}).Once()
	env.OnActivity(act.SetTransactionState, mock.Anything, mock.Anything).Return(nil).Once()
	env.OnActivity(act.PostOrderNote, mock.Anything, mock.Anything).Return(nil).Once()
	signalReturn(env, time.Minute, ReturnSuccess, testToken)
	signalReturn(env, 10*time.Minute, ReturnSuccess, testToken) // the real one, identical
	env.ExecuteWorkflow(PaymentWorkflowName, input())
	require.Equal(t, StatusCompleted, result(t, env).Status)
	env.AssertActivityNumberOfCalls(t, "CapturePayment", 2)
}

func TestOrderNeverConfirmedEndsQuietly(t *testing.T) {
	env := newEnv(t)
	env.OnActivity(act.ReadOrder, mock.Anything, mock.Anything).Return(testOrder("draft"), nil)
	env.ExecuteWorkflow(PaymentWorkflowName, input())
	res := result(t, env)
	require.Equal(t, StatusOrderNotConfirmed, res.Status)
	require.Contains(t, res.Reason, `still reads as "draft"`)
	env.AssertActivityNumberOfCalls(t, "CreateCheckout", 0)
	env.AssertActivityNumberOfCalls(t, "PostOrderNote", 0)
}

func TestUnpayableOrderGetsChatterAndNoCheckout(t *testing.T) {
	env := newEnv(t)
	order := testOrder("sale")
	order.Partner.Email = ""
	order.Currency, order.AmountTotal = "EUR", money.MustNew(11000, "EUR")
	env.OnActivity(act.ReadOrder, mock.Anything, mock.Anything).Return(order, nil)
	var note activities.NoteInput
	env.OnActivity(act.PostOrderNote, mock.Anything, mock.Anything).Run(func(args mock.Arguments) {
		note = args.Get(1).(activities.NoteInput)
	}).Return(nil).Once()
	env.ExecuteWorkflow(PaymentWorkflowName, input())
	res := result(t, env)
	require.Equal(t, StatusNotPayable, res.Status)
	require.Contains(t, note.Body, "Afterpay cannot be used for this order")
	require.Contains(t, note.Body, "currency EUR")
	require.Contains(t, note.Body, "no email address")
	env.AssertActivityNumberOfCalls(t, "CreateCheckout", 0)
}

func TestOdooFailureAfterCaptureReversesPayment(t *testing.T) {
	env := newEnv(t)
	expectCheckout(env)
	env.OnActivity(act.CapturePayment, mock.Anything, mock.Anything).
		Return(func(_ context.Context, _ activities.CaptureInput) (*activities.PaymentOutcome, error) {
			return approved(env), nil
		}).Once()
	refused := temporal.NewNonRetryableApplicationError("odoo says no", activities.ErrTypeOdooRejected, errors.New("fault 2"),
		activities.OdooRejection{FaultCode: 2, Message: "The payment provider is archived."})
	env.OnActivity(act.SetTransactionState, mock.Anything, mock.MatchedBy(func(in activities.TransactionStateInput) bool { return in.State == "done" })).Return(refused).Once()
	env.OnActivity(act.ReversePayment, mock.Anything, testToken).Return(nil).Once()
	// Then Odoo is brought in line: the transaction cancelled, and a note.
	env.OnActivity(act.SetTransactionState, mock.Anything, mock.MatchedBy(func(in activities.TransactionStateInput) bool {
		return in.State == "cancel" && strings.Contains(in.Message, "reversed at Afterpay")
	})).Return(refused).Once()
	var note activities.NoteInput
	env.OnActivity(act.PostOrderNote, mock.Anything, mock.Anything).Run(func(args mock.Arguments) {
		note = args.Get(1).(activities.NoteInput)
	}).Return(nil).Once()
	fields := orderFields(env)
	signalReturn(env, time.Minute, ReturnSuccess, testToken)
	env.ExecuteWorkflow(PaymentWorkflowName, input())
	res := result(t, env)
	require.Equal(t, StatusCompensated, res.Status)
	require.Equal(t, "Odoo could not record the captured payment (The payment provider is archived.); the payment was reversed at Afterpay (no fee; the customer is not charged)", res.Reason)
	require.Contains(t, note.Body, "Afterpay payment 300000000001 of 110.00 USD was reversed at Afterpay")
	require.Contains(t, note.Body, "because Odoo could not record it: The payment provider is archived.")
	require.Equal(t, []activities.OrderAfterpayInput{{OrderID: 42, AfterpayOrderID: "300000000001", Status: "Reversed"}}, *fields)
	env.AssertActivityNumberOfCalls(t, "RefundPayment", 0)
}

func TestOdooFailureAfterReversalWindowRefunds(t *testing.T) {
	env := newEnv(t)
	expectCheckout(env)
	env.OnActivity(act.CapturePayment, mock.Anything, mock.Anything).Return(func(_ context.Context, _ activities.CaptureInput) (*activities.PaymentOutcome, error) {
		p := approved(env)
		p.Created = env.Now().Add(-time.Hour) // captured long ago, as seen after a long Odoo outage
		return p, nil
	}).Once()
	refused := temporal.NewNonRetryableApplicationError("odoo says no", activities.ErrTypeOdooRejected, nil)
	env.OnActivity(act.SetTransactionState, mock.Anything, mock.Anything).Return(refused).Twice()
	env.OnActivity(act.PostOrderNote, mock.Anything, mock.MatchedBy(func(n activities.NoteInput) bool {
		return strings.Contains(n.Body, "was refunded in full at Afterpay")
	})).Return(nil).Once()
	env.OnActivity(act.RefundPayment, mock.Anything, activities.RefundInput{
		OrderID: "300000000001", Amount: usd(11000),
		RequestID: "default-test-workflow-id:compensation-refund", MerchantReference: "S00042-compensation",
	}).Return(&activities.RefundOutcome{RefundID: "77"}, nil).Once()
	signalReturn(env, time.Minute, ReturnSuccess, testToken)
	env.ExecuteWorkflow(PaymentWorkflowName, input())
	require.Equal(t, StatusCompensated, result(t, env).Status)
	env.AssertActivityNumberOfCalls(t, "ReversePayment", 0)
}

func TestInvalidInputFailsWithoutRetry(t *testing.T) {
	env := newEnv(t)
	in := input()
	in.OrderName = ""
	env.ExecuteWorkflow(PaymentWorkflowName, in)
	require.Error(t, env.GetWorkflowError())
}

func TestInstalmentPlanAddsUp(t *testing.T) {
	start := time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)
	plan := InstalmentPlan(usd(10001), start)
	require.Len(t, plan, 4)
	require.Equal(t, usd(2501), plan[0].Amount)
	require.Equal(t, usd(2500), plan[3].Amount)
	require.Equal(t, start.AddDate(0, 0, 42), plan[3].Due)
}

func captureApproved(env *testsuite.TestWorkflowEnvironment) {
	expectCheckout(env)
	env.OnActivity(act.CapturePayment, mock.Anything, mock.Anything).
		Return(func(_ context.Context, _ activities.CaptureInput) (*activities.PaymentOutcome, error) {
			return approved(env), nil
		}).Once()
	env.OnActivity(act.SetTransactionState, mock.Anything, mock.Anything).Return(nil).Once()
	signalReturn(env, time.Minute, ReturnSuccess, testToken)
}

func TestNothingToInvoiceYetCompletesWithANote(t *testing.T) {
	env := newEnv(t)
	captureApproved(env)
	noLines := temporal.NewNonRetryableApplicationError("odoo invoice: fault 2", activities.ErrTypeOdooRejected, nil,
		activities.OdooRejection{FaultCode: 2, Message: "There is no invoiceable line."})
	env.OnActivity(act.InvoiceOrder, mock.Anything, int64(42)).Return(nil, noLines).Once()
	var notes []string
	env.OnActivity(act.PostOrderNote, mock.Anything, mock.Anything).Run(func(args mock.Arguments) {
		notes = append(notes, args.Get(1).(activities.NoteInput).Body)
	}).Return(nil).Times(2)
	env.ExecuteWorkflow(PaymentWorkflowName, input())
	res := result(t, env)
	require.Equal(t, StatusCompleted, res.Status)
	require.Contains(t, res.Reason, "There is no invoiceable line.")
	require.Contains(t, notes[1], "Odoo did not invoice the order yet (There is no invoiceable line.)")
	require.Contains(t, notes[1], "register the Afterpay payment on the invoice once the order is invoiced")
	env.AssertActivityNumberOfCalls(t, "RefundPayment", 0)
	env.AssertActivityNumberOfCalls(t, "ReversePayment", 0)
}

func TestPaymentRegistrationFailureNeedsAttentionButKeepsTheMoney(t *testing.T) {
	env := newEnv(t)
	captureApproved(env)
	noMethod := temporal.NewNonRetryableApplicationError("odoo register payment: fault 2", activities.ErrTypeOdooRejected, nil,
		activities.OdooRejection{FaultCode: 2, Message: "Please define a payment method line on your payment."})
	env.OnActivity(act.InvoiceOrder, mock.Anything, int64(42)).Return(&activities.Invoices{IDs: []int64{5}, OpenID: 5, OpenName: "INV/2026/00001"}, nil).Once()
	env.OnActivity(act.RegisterInvoicePayment, mock.Anything, mock.Anything).Return(int64(0), noMethod).Once()
	var notes []string
	env.OnActivity(act.PostOrderNote, mock.Anything, mock.Anything).Run(func(args mock.Arguments) {
		notes = append(notes, args.Get(1).(activities.NoteInput).Body)
	}).Return(nil).Times(2)
	env.ExecuteWorkflow(PaymentWorkflowName, input())
	res := result(t, env)
	require.Equal(t, StatusNeedsAttention, res.Status)
	require.Equal(t, "the payment could not be registered on invoice INV/2026/00001 (Please define a payment method line on your payment.)", res.Reason)
	require.Contains(t, notes[1], `register it on the invoice by hand, in the Afterpay journal, with memo "Afterpay 300000000001"`)
	env.AssertActivityNumberOfCalls(t, "RefundPayment", 0)
	env.AssertActivityNumberOfCalls(t, "ReversePayment", 0)
}

func TestAlreadyPaidInvoiceRegistersNothing(t *testing.T) {
	env := newEnv(t)
	captureApproved(env)
	env.OnActivity(act.InvoiceOrder, mock.Anything, int64(42)).Return(&activities.Invoices{IDs: []int64{5}}, nil).Once()
	env.OnActivity(act.PostOrderNote, mock.Anything, mock.Anything).Return(nil).Once()
	env.ExecuteWorkflow(PaymentWorkflowName, input())
	require.Equal(t, StatusCompleted, result(t, env).Status)
	env.AssertActivityNumberOfCalls(t, "RegisterInvoicePayment", 0)
}

func TestOrderInAnUnknownCurrencyIsNotPayable(t *testing.T) {
	env := newEnv(t)
	jpy := temporal.NewNonRetryableApplicationError("odoo read: money: currency", activities.ErrTypeOrderCurrency, nil)
	env.OnActivity(act.ReadOrder, mock.Anything, mock.Anything).Return(nil, jpy).Once()
	env.OnActivity(act.PostOrderNote, mock.Anything, mock.MatchedBy(func(n activities.NoteInput) bool {
		return n.OrderID == 42 && strings.Contains(n.Body, "currency is not one Afterpay trades in")
	})).Return(nil).Once()
	env.ExecuteWorkflow(PaymentWorkflowName, input())
	require.Equal(t, StatusNotPayable, result(t, env).Status)
	env.AssertActivityNumberOfCalls(t, "CreateCheckout", 0)
}

func TestDeletedTransactionIsCompensatedWithANote(t *testing.T) {
	env := newEnv(t)
	expectCheckout(env)
	env.OnActivity(act.CapturePayment, mock.Anything, mock.Anything).
		Return(func(_ context.Context, _ activities.CaptureInput) (*activities.PaymentOutcome, error) {
			return approved(env), nil
		}).Once()
	gone := temporal.NewNonRetryableApplicationError("odoo set payment.transaction done: deleted", activities.ErrTypeTransactionMissing, nil,
		activities.OdooRejection{Message: "the order's payment.transaction 9 was deleted in Odoo"})
	env.OnActivity(act.SetTransactionState, mock.Anything, mock.Anything).Return(gone).Twice()
	env.OnActivity(act.ReversePayment, mock.Anything, testToken).Return(nil).Once()
	var note activities.NoteInput
	env.OnActivity(act.PostOrderNote, mock.Anything, mock.Anything).Run(func(args mock.Arguments) {
		note = args.Get(1).(activities.NoteInput)
	}).Return(nil).Once()
	signalReturn(env, time.Minute, ReturnSuccess, testToken)
	env.ExecuteWorkflow(PaymentWorkflowName, input())
	res := result(t, env)
	require.Equal(t, StatusCompensated, res.Status)
	require.Contains(t, res.Reason, "the order's payment.transaction 9 was deleted in Odoo")
	require.NotContains(t, res.Reason, "OrderNotFound")
	require.Contains(t, note.Body, "was reversed at Afterpay")
	require.Contains(t, note.Body, "the order's payment.transaction 9 was deleted in Odoo")
}

// updateCallbacks records the answer of an update in the testsuite.
type updateCallbacks struct {
	rejected error
	outcome  *ReturnOutcome
	err      error
}

func (u *updateCallbacks) Accept()          {}
func (u *updateCallbacks) Reject(err error) { u.rejected = err }
func (u *updateCallbacks) Complete(success any, err error) {
	if o, ok := success.(ReturnOutcome); ok {
		u.outcome = &o
	}
	u.err = err
}

func TestCustomerReturnUpdateAnswersTheOutcomeAndRefusesOtherTokens(t *testing.T) {
	env := newEnv(t)
	expectCheckout(env)
	expectAccounting(env)
	env.OnActivity(act.CapturePayment, mock.Anything, mock.Anything).
		Return(func(_ context.Context, _ activities.CaptureInput) (*activities.PaymentOutcome, error) {
			return approved(env), nil
		}).Once()
	env.OnActivity(act.SetTransactionState, mock.Anything, mock.Anything).Return(nil).Once()
	env.OnActivity(act.PostOrderNote, mock.Anything, mock.Anything).Return(nil).Once()
	forged, genuine := &updateCallbacks{}, &updateCallbacks{}
	env.RegisterDelayedCallback(func() {
		env.UpdateWorkflow(UpdateCustomerReturn, "forged", forged, CustomerReturn{Status: ReturnCancelled, OrderToken: "002.someoneelse"})
		env.UpdateWorkflow(UpdateCustomerReturn, "genuine", genuine, CustomerReturn{Status: ReturnSuccess, OrderToken: testToken})
	}, time.Minute)
	env.ExecuteWorkflow(PaymentWorkflowName, input())
	require.Equal(t, StatusCompleted, result(t, env).Status)
	require.ErrorContains(t, forged.rejected, "not this payment's checkout token")
	require.NoError(t, genuine.rejected)
	require.NoError(t, genuine.err)
	require.NotNil(t, genuine.outcome)
	require.Equal(t, ReturnOutcome{Outcome: OutcomePaid, OrderName: "S00042", Amount: ptr(usd(11000))}, *genuine.outcome)
}

func ptr[T any](v T) *T { return &v }
