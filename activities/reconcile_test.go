package activities

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"
	commonpb "go.temporal.io/api/common/v1"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	workflowpb "go.temporal.io/api/workflow/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/mocks"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"

	"github.com/odoo-afterpay/bridge/afterpay"
	"github.com/odoo-afterpay/bridge/afterpay/sandbox"
	"github.com/odoo-afterpay/bridge/money"
	"github.com/odoo-afterpay/bridge/odoo"
)

// simulator is the Afterpay simulator on a manual clock, with the
// product's client.
type simulator struct {
	t      *testing.T
	sim    *sandbox.Server
	clock  *sandbox.ManualClock
	client *afterpay.Client
}

func newSimulator(t *testing.T, start time.Time) *simulator {
	t.Helper()
	clock := sandbox.NewManualClock(start)
	sim, err := sandbox.New(sandbox.Options{MerchantID: "100101", SecretKey: "reconcile-secret", Clock: clock})
	require.NoError(t, err)
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	t.Cleanup(sim.Close)
	require.NoError(t, sim.SetPublicURL(srv.URL))
	c, err := afterpay.NewClient(afterpay.Config{MerchantID: "100101", SecretKey: "reconcile-secret", BaseURL: srv.URL, Now: clock.Now,
		UserAgent: afterpay.UserAgent{PluginName: "test", PluginVersion: "1", Platform: "Odoo", PlatformVersion: "18.0", StoreURL: "https://shop.example.com"}})
	require.NoError(t, err)
	return &simulator{t: t, sim: sim, clock: clock, client: c}
}

// pay makes a payment as a customer does, with all their details, and
// captures it (or has it declined).
func (s *simulator) pay(order string, amount money.Money, outcome sandbox.Outcome) *afterpay.Payment {
	s.t.Helper()
	ctx := context.Background()
	co, err := s.client.CreateCheckout(ctx, &afterpay.CheckoutRequest{
		Amount:            amount,
		Consumer:          afterpay.Consumer{Email: "jane.doe@example.com", GivenNames: "Jane", Surname: "Doe", PhoneNumber: "+14155550100"},
		Billing:           &afterpay.Contact{Name: "Jane Doe", Line1: "1 Market St", Area1: "San Francisco", Region: "CA", Postcode: "94105", CountryCode: "US"},
		Merchant:          afterpay.MerchantURLs{RedirectConfirmURL: "https://shop.example.com/r", RedirectCancelURL: "https://shop.example.com/r"},
		MerchantReference: order,
	})
	require.NoError(s.t, err)
	_, err = s.sim.ConfirmCheckout(co.Token, outcome)
	require.NoError(s.t, err)
	p, err := s.client.CapturePayment(ctx, &afterpay.CaptureRequest{Token: co.Token, MerchantReference: order})
	require.NoError(s.t, err)
	return p
}

func (s *simulator) refund(orderID string, amount money.Money, ref string) string {
	s.t.Helper()
	r, err := s.client.Refund(context.Background(), orderID, &afterpay.RefundRequest{RequestID: ref, Amount: amount, MerchantReference: ref})
	require.NoError(s.t, err)
	return r.RefundID
}

func listed(t *testing.T, a *Activities, in AfterpayPaymentsInput) (*AfterpayPayments, error) {
	t.Helper()
	val, err := run(t, a, a.ListAfterpayPayments, in)
	if err != nil {
		return nil, err
	}
	var out AfterpayPayments
	require.NoError(t, val.(interface{ Get(any) error }).Get(&out))
	return &out, nil
}

func TestListAfterpayPaymentsOfAPeriodAndByIDKeepsNothingPersonal(t *testing.T) {
	start := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	s := newSimulator(t, start)
	first := s.pay("S00001", money.MustNew(10000, "USD"), sandbox.OutcomeApprove)
	refundID := s.refund(first.ID, money.MustNew(2500, "USD"), "refund-1")
	declined := s.pay("S00002", money.MustNew(4000, "USD"), sandbox.OutcomeDecline)
	require.True(t, declined.Declined())
	s.clock.Advance(time.Hour)
	later := s.pay("S00003", money.MustNew(5000, "USD"), sandbox.OutcomeApprove)
	a := &Activities{Afterpay: s.client}

	// The first hour: the two payments made then, the later one left out
	// (the period's end is not in it).
	got, err := listed(t, a, AfterpayPaymentsInput{From: start, To: start.Add(time.Hour)})
	require.NoError(t, err)
	require.Len(t, got.Payments, 2)
	require.Equal(t, AfterpayPaymentSeen{OrderID: first.ID, MerchantReference: "S00001", Status: "APPROVED", State: first.PaymentState,
		Created: first.Created, Amount: money.MustNew(10000, "USD"), Captured: money.MustNew(10000, "USD"),
		Refunded: money.MustNew(2500, "USD"), Net: money.MustNew(7500, "USD"), RefundIDs: []string{refundID}}, got.Payments[0])
	require.True(t, got.Payments[0].Approved())
	require.Equal(t, "DECLINED", got.Payments[1].Status)
	require.False(t, got.Payments[1].Approved())
	require.Zero(t, got.Payments[1].Net.Minor)
	raw, err := json.Marshal(got)
	require.NoError(t, err)
	for _, personal := range []string{"jane", "Jane", "Doe", "Market", "94105", "4155550100"} {
		require.NotContains(t, string(raw), personal, "the consumer's details stay out of the workflow's history")
	}

	got, err = listed(t, a, AfterpayPaymentsInput{From: start, To: start.Add(time.Hour + time.Millisecond)})
	require.NoError(t, err)
	require.Len(t, got.Payments, 3)
	require.Equal(t, later.ID, got.Payments[2].OrderID)

	// By id: a number Afterpay does not have, and a memo's word that is no
	// Afterpay order id at all, are unknown; a repeated id is read once.
	got, err = listed(t, a, AfterpayPaymentsInput{IDs: []string{later.ID, "by", "399999999999", later.ID, first.ID}})
	require.NoError(t, err)
	require.Len(t, got.Payments, 2)
	require.ElementsMatch(t, []string{later.ID, first.ID}, []string{got.Payments[0].OrderID, got.Payments[1].OrderID})
	require.ElementsMatch(t, []string{"by", "399999999999"}, got.Unknown)

	_, err = listed(t, a, AfterpayPaymentsInput{From: start, To: start})
	require.True(t, IsErrorType(err, "InvalidInput"), "%v", err)
}

// pagingAfterpay answers List Payments by id from memory, counting calls.
type pagingAfterpay struct {
	AfterpayClient
	asked [][]string
	err   error
}

func (p *pagingAfterpay) AllPayments(_ context.Context, params afterpay.ListPaymentsParams) iter.Seq2[*afterpay.Payment, error] {
	p.asked = append(p.asked, params.IDs)
	return func(yield func(*afterpay.Payment, error) bool) {
		if p.err != nil {
			yield(nil, p.err)
			return
		}
		for _, id := range params.IDs {
			if !yield(&afterpay.Payment{ID: id, Status: "APPROVED", OriginalAmount: money.MustNew(100, "USD")}, nil) {
				return
			}
		}
	}
}

func TestListAfterpayPaymentsAsksFiftyIDsAtATimeAndRetriesOutages(t *testing.T) {
	ids := make([]string, 120)
	for i := range ids {
		ids[i] = fmt.Sprintf("300000000%03d", i)
	}
	fake := &pagingAfterpay{}
	got, err := listed(t, &Activities{Afterpay: fake}, AfterpayPaymentsInput{IDs: ids})
	require.NoError(t, err)
	require.Len(t, got.Payments, 120)
	require.Len(t, fake.asked, 3)
	require.Len(t, fake.asked[0], 50)
	require.Len(t, fake.asked[2], 20)

	fake = &pagingAfterpay{err: &afterpay.Error{HTTPStatusCode: 503, ErrorCode: "service_unavailable"}}
	_, err = listed(t, &Activities{Afterpay: fake}, AfterpayPaymentsInput{IDs: ids[:1]})
	require.True(t, IsErrorType(err, ErrTypeAfterpayUnavailable), "%v", err)
}

// reconcileOdoo answers the reconciliation's Odoo reads from memory.
type reconcileOdoo struct {
	OdooClient
	orderQuery   odoo.AfterpayOrderQuery
	txOrders     []int64
	paymentQuery odoo.JournalPaymentQuery
	err          error
}

func (r *reconcileOdoo) AfterpayOrders(_ context.Context, q odoo.AfterpayOrderQuery) ([]odoo.AfterpayOrder, error) {
	r.orderQuery = q
	return []odoo.AfterpayOrder{{ID: 4, Name: "S00004", State: "sale", DateOrder: time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC),
		Total: money.MustNew(8800, "USD"), IsAfterpay: true, AfterpayOrderID: "300004"}}, r.err
}

func (r *reconcileOdoo) AfterpayTransactions(_ context.Context, orderIDs []int64) ([]odoo.AfterpayTransaction, error) {
	r.txOrders = orderIDs
	return []odoo.AfterpayTransaction{{ID: 40, Reference: "S00004-AFTERPAY", State: "done", ProviderReference: "300004",
		Amount: money.MustNew(8800, "USD"), Operation: "online_redirect", OrderIDs: []int64{4}}}, nil
}

func (r *reconcileOdoo) AfterpayJournalPayments(_ context.Context, q odoo.JournalPaymentQuery) ([]odoo.JournalPayment, error) {
	r.paymentQuery = q
	return []odoo.JournalPayment{
		{ID: 400, Inbound: true, Amount: money.MustNew(8800, "USD"), Date: time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC), State: "in_process", AfterpayOrderID: "300004", Recognised: true, Moves: []int64{41}},
		{ID: 401, Amount: money.MustNew(800, "USD"), State: "paid", AfterpayOrderID: "300004", RefundID: "77", Recognised: true},
	}, nil
}

func (r *reconcileOdoo) Search(context.Context, string, []any, *odoo.SearchOptions) ([]int64, error) {
	return []int64{12}, nil
}

func (r *reconcileOdoo) JournalByCode(context.Context, string) (int64, error) { return 12, nil }

func TestReadOdooAfterpayReadsOrdersTransactionsAndTheJournal(t *testing.T) {
	fake := &reconcileOdoo{}
	a := &Activities{Odoo: fake}
	from, to := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)
	in := OdooAfterpayInput{From: from, To: to, OrderNames: []string{"S00004"}, AfterpayOrderIDs: []string{"300004"}, RefundIDs: []string{"77"}}
	val, err := run(t, a, a.ReadOdooAfterpay, in)
	require.NoError(t, err)
	var got OdooAfterpay
	require.NoError(t, val.(interface{ Get(any) error }).Get(&got))
	require.Equal(t, odoo.AfterpayOrderQuery{From: from, To: to, Names: in.OrderNames, AfterpayOrderIDs: in.AfterpayOrderIDs}, fake.orderQuery)
	require.Equal(t, []int64{4}, fake.txOrders)
	require.Equal(t, odoo.JournalPaymentQuery{JournalID: 12, From: from, To: to, AfterpayOrderIDs: in.AfterpayOrderIDs, RefundIDs: in.RefundIDs}, fake.paymentQuery)
	require.Equal(t, OdooAfterpay{
		Orders: []OdooOrderSeen{{ID: 4, Name: "S00004", State: "sale", Afterpay: true, AfterpayOrderID: "300004", Total: money.MustNew(8800, "USD"),
			Confirmed: time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)}},
		Transactions: []OdooTransactionSeen{{ID: 40, OrderIDs: []int64{4}, State: "done", AfterpayOrderID: "300004", Amount: money.MustNew(8800, "USD")}},
		Payments: []OdooPaymentSeen{
			{ID: 400, Inbound: true, Amount: money.MustNew(8800, "USD"), Date: time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC), AfterpayOrderID: "300004", Recognised: true},
			{ID: 401, Amount: money.MustNew(800, "USD"), AfterpayOrderID: "300004", RefundID: "77", Recognised: true},
		},
	}, got)

	fake.err = &odoo.Fault{Code: odoo.FaultCodeUserError, Message: "Access denied to sale.order", Model: "sale.order", Method: "search_read"}
	_, err = run(t, a, a.ReadOdooAfterpay, in)
	require.Error(t, err)
	require.Contains(t, OdooMessage(err), "Access denied to sale.order")
}

func describeResponse(t *testing.T, status enumspb.WorkflowExecutionStatus, paymentStatus string) *workflowservice.DescribeWorkflowExecutionResponse {
	t.Helper()
	p, err := converter.GetDefaultDataConverter().ToPayload(paymentStatus)
	require.NoError(t, err)
	return &workflowservice.DescribeWorkflowExecutionResponse{WorkflowExecutionInfo: &workflowpb.WorkflowExecutionInfo{
		Status: status, SearchAttributes: &commonpb.SearchAttributes{IndexedFields: map[string]*commonpb.Payload{"PaymentStatus": p}},
	}}
}

func TestPaymentWorkflowsDescribeAndStart(t *testing.T) {
	c := mocks.NewClient(t)
	c.On("DescribeWorkflowExecution", mock.Anything, "wf:S1", "").Return(nil, serviceerror.NewNotFound("no such workflow")).Once()
	c.On("DescribeWorkflowExecution", mock.Anything, "wf:S2", "").Return(describeResponse(t, enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING, "completed"), nil).Once()
	c.On("DescribeWorkflowExecution", mock.Anything, "wf:S3", "").Return(describeResponse(t, enumspb.WORKFLOW_EXECUTION_STATUS_COMPLETED, "order_not_confirmed"), nil).Once()
	var started []StartPaymentInput
	p := &PaymentWorkflows{Temporal: c, Start: func(_ context.Context, in StartPaymentInput) (string, error) {
		started = append(started, in)
		if in.OrderName == "S9" {
			return "", errors.New("connection refused")
		}
		return "started", nil
	}}
	var suite testsuite.WorkflowTestSuite
	env := suite.NewTestActivityEnvironment()
	env.RegisterActivity(p)

	val, err := env.ExecuteActivity(p.DescribePayments, DescribePaymentsInput{StatusAttribute: "PaymentStatus", Workflows: []PaymentWorkflowRef{
		{OrderName: "S1", WorkflowID: "wf:S1"}, {OrderName: "S2", WorkflowID: "wf:S2"}, {OrderName: "S3", WorkflowID: "wf:S3"},
	}})
	require.NoError(t, err)
	var seen []PaymentWorkflowSeen
	require.NoError(t, val.Get(&seen))
	require.Equal(t, []PaymentWorkflowSeen{
		{OrderName: "S1", WorkflowID: "wf:S1"},
		{OrderName: "S2", WorkflowID: "wf:S2", Found: true, Running: true, Status: "completed"},
		{OrderName: "S3", WorkflowID: "wf:S3", Found: true, Status: "order_not_confirmed"},
	}, seen)

	c.On("DescribeWorkflowExecution", mock.Anything, "wf:S4", "").Return(nil, serviceerror.NewUnavailable("frontend down")).Once()
	_, err = env.ExecuteActivity(p.DescribePayments, DescribePaymentsInput{Workflows: []PaymentWorkflowRef{{OrderName: "S4", WorkflowID: "wf:S4"}}})
	require.True(t, IsErrorType(err, ErrTypeTemporalUnavailable), "%v", err)

	in := StartPaymentInput{Database: "shop", OrderName: "S1", OrderID: 1, ReturnURL: "http://shop.test/afterpay/return", ConfirmationTimeout: time.Minute}
	val, err = env.ExecuteActivity(p.StartMissingPayment, in)
	require.NoError(t, err)
	var out PaymentStarted
	require.NoError(t, val.Get(&out))
	require.Equal(t, PaymentStarted{OrderName: "S1", Outcome: "started"}, out)
	require.Equal(t, []StartPaymentInput{in}, started)

	in.OrderName = "S9"
	_, err = env.ExecuteActivity(p.StartMissingPayment, in)
	require.True(t, IsErrorType(err, ErrTypeTemporalUnavailable), "%v", err)
	var appErr *temporal.ApplicationError
	require.True(t, errors.As(err, &appErr) && !appErr.NonRetryable(), "retried")

	empty := &PaymentWorkflows{}
	env.RegisterActivity(empty)
	_, err = env.ExecuteActivity(empty.StartMissingPayment, in)
	require.Error(t, err)
}
