package activities

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"

	"github.com/odoo-afterpay/bridge/afterpay"
	"github.com/odoo-afterpay/bridge/money"
	"github.com/odoo-afterpay/bridge/odoo"
)

// fakeOdoo answers the activities' Odoo calls from memory.
type fakeOdoo struct {
	OdooClient   // unimplemented methods panic: a test that reaches one is wrong
	orders       map[int64]*odoo.SaleOrder
	err          error
	journals     []int64
	registered   odoo.PaymentSpec
	updates      []odoo.TransactionUpdate
	moveAfterpay map[int64]string
}

func (f *fakeOdoo) SetMovesAfterpayOrderID(_ context.Context, ids []int64, afterpayOrderID string) error {
	if f.moveAfterpay == nil {
		f.moveAfterpay = map[int64]string{}
	}
	for _, id := range ids {
		f.moveAfterpay[id] = afterpayOrderID
	}
	return nil
}

func (f *fakeOdoo) ReadSaleOrder(_ context.Context, id int64) (*odoo.SaleOrder, error) {
	if o, ok := f.orders[id]; ok {
		return o, nil
	}
	return nil, fmt.Errorf("odoo: read sale.order %d: %w", id, odoo.ErrNotFound)
}

func (f *fakeOdoo) FindSaleOrderByName(_ context.Context, name string) (*odoo.SaleOrder, error) {
	if f.err != nil {
		return nil, f.err
	}
	for _, o := range f.orders {
		if o.Name == name {
			return o, nil
		}
	}
	return nil, odoo.ErrNotFound
}

func (f *fakeOdoo) Search(context.Context, string, []any, *odoo.SearchOptions) ([]int64, error) {
	return f.journals, nil
}

func (f *fakeOdoo) RegisterPayment(_ context.Context, _ int64, spec odoo.PaymentSpec) (int64, error) {
	f.registered = spec
	return 31, nil
}

func (f *fakeOdoo) SetTransactionState(_ context.Context, _ int64, u odoo.TransactionUpdate) error {
	f.updates = append(f.updates, u)
	return f.err
}

// fakeAfterpay answers capture and look-up with canned results.
type fakeAfterpay struct {
	AfterpayClient
	payment *afterpay.Payment
	err     error
}

func (f *fakeAfterpay) CapturePayment(context.Context, *afterpay.CaptureRequest) (*afterpay.Payment, error) {
	return f.payment, f.err
}

func (f *fakeAfterpay) GetPaymentByToken(context.Context, string) (*afterpay.Payment, error) {
	return f.payment, f.err
}

func run(t *testing.T, a *Activities, fn any, args ...any) (any, error) {
	t.Helper()
	var suite testsuite.WorkflowTestSuite
	env := suite.NewTestActivityEnvironment()
	env.RegisterActivity(a)
	val, err := env.ExecuteActivity(fn, args...)
	if err != nil {
		return nil, err
	}
	return val, nil
}

func TestReadOrderPrefersTheNameOverAStaleIDHint(t *testing.T) {
	o := &odoo.SaleOrder{ID: 7, Name: "S00007", State: "sale"}
	a := &Activities{Odoo: &fakeOdoo{orders: map[int64]*odoo.SaleOrder{3: {ID: 3, Name: "S00003"}, 7: o}}}
	val, err := run(t, a, a.ReadOrder, ReadOrderInput{ID: 3, Name: "S00007"})
	require.NoError(t, err)
	var got odoo.SaleOrder
	require.NoError(t, val.(interface{ Get(any) error }).Get(&got))
	require.Equal(t, int64(7), got.ID)
}

func TestOdooFailuresAreClassified(t *testing.T) {
	tests := []struct {
		name      string
		err       error
		wantType  string
		retryable bool
		message   string
	}{
		{"missing", odoo.ErrNotFound, ErrTypeOrderNotFound, false, ""},
		{"business fault", &odoo.Fault{Code: 2, Message: "Some orders are not in a state requiring confirmation."}, ErrTypeOdooRejected, false,
			"Some orders are not in a state requiring confirmation."},
		{"access denied", &odoo.Fault{Code: 3, Message: "Access Denied"}, ErrTypeOdooAccessDenied, false, "Access Denied"},
		{"committed, answer lost", &odoo.Fault{Code: 1, Message: "TypeError: cannot marshal None unless allow_none is enabled"}, ErrTypeOdooUnavailable, true, ""},
		{"network", &odoo.TransportError{Err: errors.New("connection refused")}, ErrTypeOdooUnavailable, true, ""},
		{"currency", fmt.Errorf("odoo: read order: %w", money.ErrCurrency), ErrTypeOrderCurrency, false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := &Activities{Odoo: &fakeOdoo{err: tt.err}}
			_, err := run(t, a, a.ReadOrder, ReadOrderInput{Name: "S1"})
			require.True(t, IsErrorType(err, tt.wantType), "got %v", err)
			var appErr *temporal.ApplicationError
			require.ErrorAs(t, err, &appErr)
			require.Equal(t, tt.retryable, !appErr.NonRetryable())
			if tt.message != "" {
				require.Equal(t, tt.message, OdooMessage(err))
			}
		})
	}
}

func TestAfterpayFailuresAreClassified(t *testing.T) {
	tests := []struct {
		name      string
		err       error
		wantType  string
		retryable bool
		code      string
	}{
		{"not confirmed yet", &afterpay.Error{HTTPStatusCode: 412, ErrorCode: "invalid_order_transaction_status", ErrorID: "e1"}, ErrTypeAfterpayRejected, false, "invalid_order_transaction_status"},
		{"expired token", &afterpay.Error{HTTPStatusCode: 402, ErrorCode: "invalid_token"}, ErrTypeAfterpayRejected, false, "invalid_token"},
		{"bad credentials", &afterpay.Error{HTTPStatusCode: 401, ErrorCode: "unauthorized"}, ErrTypeAfterpayRejected, false, "unauthorized"},
		{"outage", &afterpay.Error{HTTPStatusCode: 503, ErrorCode: "error"}, ErrTypeAfterpayUnavailable, true, ""},
		{"in progress", &afterpay.Error{HTTPStatusCode: 409}, ErrTypeAfterpayUnavailable, true, ""},
		{"unknown outcome", &afterpay.TransportError{Err: context.DeadlineExceeded}, ErrTypeAfterpayUnavailable, true, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := &Activities{Afterpay: &fakeAfterpay{err: tt.err}}
			_, err := run(t, a, a.CapturePayment, CaptureInput{Token: "002.t", MerchantReference: "S1"})
			require.True(t, IsErrorType(err, tt.wantType), "got %v", err)
			var appErr *temporal.ApplicationError
			require.ErrorAs(t, err, &appErr)
			require.Equal(t, tt.retryable, !appErr.NonRetryable())
			if tt.code != "" {
				rej, ok := RejectionOf(err)
				require.True(t, ok)
				require.Equal(t, tt.code, rej.ErrorCode)
			}
		})
	}
}

func TestRetryAfterIsHonoured(t *testing.T) {
	err := afterpayFailure("capture", &afterpay.Error{HTTPStatusCode: http.StatusTooManyRequests, RetryAfter: 7 * time.Second})
	var appErr *temporal.ApplicationError
	require.ErrorAs(t, err, &appErr)
	require.Equal(t, 7*time.Second, appErr.NextRetryDelay())
}

func TestLookupPaymentReturnsNilWhenThereIsNone(t *testing.T) {
	a := &Activities{Afterpay: &fakeAfterpay{err: &afterpay.Error{HTTPStatusCode: 404, ErrorCode: "not_found"}}}
	val, err := run(t, a, a.LookupPayment, "002.t")
	require.NoError(t, err)
	var got PaymentLookup
	require.NoError(t, val.(interface{ Get(any) error }).Get(&got))
	require.False(t, got.Found)
}

func TestRegisterInvoicePaymentUsesTheAfterpayJournalAndLinksTheTransaction(t *testing.T) {
	od := &fakeOdoo{journals: []int64{12}}
	a := &Activities{Odoo: od}
	day := time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)
	_, err := run(t, a, a.RegisterInvoicePayment, InvoicePaymentInput{
		InvoiceID: 5, InvoiceIDs: []int64{5}, TransactionID: 9, Amount: money.MustNew(11000, "USD"), Date: day, Memo: "Afterpay 3001",
		AfterpayOrderID: "3001",
	})
	require.NoError(t, err)
	require.Equal(t, odoo.PaymentSpec{Amount: money.MustNew(11000, "USD"), Date: day, JournalID: 12, Memo: "Afterpay 3001", TransactionID: 9}, od.registered)
	require.Equal(t, map[int64]string{5: "3001"}, od.moveAfterpay, "finance sees the Afterpay order on the invoice")
	require.Len(t, od.updates, 1)
	require.Equal(t, int64(31), od.updates[0].PaymentID)
	require.Equal(t, []int64{5}, od.updates[0].InvoiceIDs)
}

func TestDeletedTransactionIsNotAMissingOrder(t *testing.T) {
	a := &Activities{Odoo: &fakeOdoo{err: fmt.Errorf("odoo: write payment.transaction [5]: %w", odoo.ErrNotFound)}}
	_, err := run(t, a, a.SetTransactionState, TransactionStateInput{TransactionID: 5, State: "done"})
	require.True(t, IsErrorType(err, ErrTypeTransactionMissing), "got %v", err)
	require.False(t, IsErrorType(err, ErrTypeOrderNotFound))
	require.Equal(t, "the order's payment.transaction 5 was deleted in Odoo", OdooMessage(err))
}
