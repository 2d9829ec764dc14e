package activities

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"

	"github.com/odoo-afterpay/bridge/afterpay"
	"github.com/odoo-afterpay/bridge/mapping"
	"github.com/odoo-afterpay/bridge/money"
	"github.com/odoo-afterpay/bridge/odoo"
)

// fakeOdoo answers the activities' Odoo calls from memory.
type fakeOdoo struct {
	OdooClient    // unimplemented methods panic: a test that reaches one is wrong
	orders        map[int64]*odoo.SaleOrder
	err           error
	journals      []int64
	booked        odoo.CustomerPaymentSpec
	updates       []odoo.TransactionUpdate
	moveAfterpay  map[int64]string
	reconciled    [][2]int64
	residual      money.Money
	moves         map[int64]*odoo.Move
	posted        []int64
	invoiced      int
	orderCredited bool // a credit note made from the order's lines
	// fail makes the named method fail with the error (refunds_test.go).
	fail map[string]error
	// calls names the methods called, in order, for those that record it.
	calls        []string
	journalCodes []string
	searches     []searchCall
	creditNotes  []int64 // PostedCreditNotes' answer
	credited     []creditNoteCall
	paid         []paymentCall
	payments     map[string]int64 // payment ids by memo
	// txPayments is what is open of the order's transactions' payments,
	// as ReadOrderMoves reads them.
	txPayments map[int64]money.Money
	// drafts are what the next InvoiceOrderNow makes.
	drafts []int64
}

type searchCall struct {
	model  string
	domain []any
	opts   *odoo.SearchOptions
}

type creditNoteCall struct {
	invoiceID int64
	spec      odoo.CreditNoteSpec
}

type paymentCall struct {
	moveID int64
	spec   odoo.PaymentSpec
}

// failure records the call and returns the error the test set for it.
func (f *fakeOdoo) failure(method string) error {
	f.calls = append(f.calls, method)
	return f.fail[method]
}

// ReadOrderMoves answers from the test's moves: those in posted are the
// order's posted invoices; those in creditNotes its posted credit notes,
// linked to the order unless they reverse an invoice; orderCredited adds a
// draft credit note made from the order's lines.
func (f *fakeOdoo) ReadOrderMoves(context.Context, int64) (*odoo.OrderMoves, error) {
	if err := f.failure("ReadOrderMoves"); err != nil {
		return nil, err
	}
	out := &odoo.OrderMoves{InvoiceStatus: "to invoice", Invoiceable: true, AfterpayOrderIDs: map[int64]string{}, Linked: map[int64]bool{}}
	for _, id := range f.posted {
		m := *f.moves[id]
		m.ID, m.MoveType, m.State = id, "out_invoice", "posted"
		out.Moves, out.Linked[id] = append(out.Moves, m), true
	}
	for _, id := range f.creditNotes {
		m := *f.moves[id]
		out.Moves, out.Linked[id] = append(out.Moves, m), m.ReversedEntryID == 0
	}
	if f.orderCredited {
		out.Moves, out.Linked[999] = append(out.Moves, odoo.Move{ID: 999, MoveType: "out_refund", State: "draft"}), true
	}
	slices.SortFunc(out.Moves, func(a, b odoo.Move) int { return cmp.Compare(a.ID, b.ID) })
	for id, ap := range f.moveAfterpay {
		out.AfterpayOrderIDs[id] = ap
	}
	out.PaymentsOpen = maps.Clone(f.txPayments)
	return out, nil
}

func (f *fakeOdoo) InvoiceOrderNow(context.Context, int64, *odoo.OrderMoves) ([]int64, error) {
	f.invoiced++
	drafts := f.drafts
	f.drafts = nil
	return drafts, nil
}

// PostDraftInvoice posts the draft: it is among the posted invoices.
func (f *fakeOdoo) PostDraftInvoice(_ context.Context, id int64) error {
	if err := f.failure("PostDraftInvoice"); err != nil {
		return err
	}
	f.posted = append(f.posted, id)
	return nil
}

// NameMovesAndRead names the moves and answers them as posted invoices,
// with the transactions' payments.
func (f *fakeOdoo) NameMovesAndRead(_ context.Context, ids []int64, afterpayOrderID string) (*odoo.OrderMoves, error) {
	if err := f.failure("NameMovesAndRead"); err != nil {
		return nil, err
	}
	if f.moveAfterpay == nil {
		f.moveAfterpay = map[int64]string{}
	}
	out := &odoo.OrderMoves{AfterpayOrderIDs: map[int64]string{}, PaymentsOpen: maps.Clone(f.txPayments)}
	for _, id := range ids {
		f.moveAfterpay[id] = afterpayOrderID
		m := *f.moves[id]
		m.ID, m.MoveType, m.State = id, "out_invoice", "posted"
		out.Moves, out.AfterpayOrderIDs[id] = append(out.Moves, m), afterpayOrderID
	}
	return out, nil
}

func (f *fakeOdoo) PostedInvoices(context.Context, int64) ([]int64, error) {
	if err := f.failure("PostedInvoices"); err != nil {
		return nil, err
	}
	return f.posted, nil
}

// CreateCreditNote posts a credit note of spec.Amount on the invoice, or
// returns the one already made for spec.Ref, as Odoo's client does.
func (f *fakeOdoo) CreateCreditNote(_ context.Context, invoiceID int64, spec odoo.CreditNoteSpec) (int64, error) {
	f.credited = append(f.credited, creditNoteCall{invoiceID, spec})
	if err := f.failure("CreateCreditNote"); err != nil {
		return 0, err
	}
	for id, m := range f.moves {
		if m.MoveType == "out_refund" && m.ReversedEntryID == invoiceID && m.Ref == spec.Ref {
			return id, nil
		}
	}
	invoice := f.moves[invoiceID]
	amount := invoice.AmountTotal
	if spec.Amount != nil {
		amount = *spec.Amount
	}
	id := int64(900 + len(f.moves))
	f.moves[id] = &odoo.Move{ID: id, Name: fmt.Sprintf("RINV/2026/%05d", id), State: "posted", MoveType: "out_refund",
		Currency: amount.Currency, AmountTotal: amount, AmountResidual: amount, Ref: spec.Ref, ReversedEntryID: invoiceID}
	return id, nil
}

// RegisterPayment pays the move, or returns the payment already made with
// the memo, as Odoo's client does.
func (f *fakeOdoo) RegisterPayment(_ context.Context, moveID int64, spec odoo.PaymentSpec) (int64, error) {
	f.paid = append(f.paid, paymentCall{moveID, spec})
	if err := f.failure("RegisterPayment"); err != nil {
		return 0, err
	}
	if f.payments == nil {
		f.payments = map[string]int64{}
	}
	if id, ok := f.payments[spec.Memo]; ok {
		return id, nil
	}
	f.payments[spec.Memo] = int64(50 + len(f.payments))
	return f.payments[spec.Memo], nil
}

func (f *fakeOdoo) RegisterCustomerPayment(_ context.Context, spec odoo.CustomerPaymentSpec) (int64, error) {
	f.booked = spec
	return 31, nil
}

func (f *fakeOdoo) ReconcilePayment(_ context.Context, paymentID, invoiceID int64) error {
	f.reconciled = append(f.reconciled, [2]int64{paymentID, invoiceID})
	return nil
}

func (f *fakeOdoo) PaymentResidual(context.Context, int64) (money.Money, error) {
	if err := f.failure("PaymentResidual"); err != nil {
		return money.Money{}, err
	}
	return f.residual, nil
}

func (f *fakeOdoo) ReadMove(_ context.Context, id int64) (*odoo.Move, error) {
	if err := f.failure("ReadMove"); err != nil {
		return nil, err
	}
	if m, ok := f.moves[id]; ok {
		return m, nil
	}
	return nil, fmt.Errorf("odoo: read account.move %d: %w", id, odoo.ErrNotFound)
}

func (f *fakeOdoo) SetMovesAfterpayOrderID(_ context.Context, ids []int64, afterpayOrderID string) error {
	if err := f.failure("SetMovesAfterpayOrderID"); err != nil {
		return err
	}
	if f.moveAfterpay == nil {
		f.moveAfterpay = map[int64]string{}
	}
	for _, id := range ids {
		f.moveAfterpay[id] = afterpayOrderID
	}
	return nil
}

func (f *fakeOdoo) ReadSaleOrder(_ context.Context, id int64) (*odoo.SaleOrder, error) {
	if err := f.failure("ReadSaleOrder"); err != nil {
		return nil, err
	}
	if o, ok := f.orders[id]; ok {
		return o, nil
	}
	return nil, fmt.Errorf("odoo: read sale.order %d: %w", id, odoo.ErrNotFound)
}

func (f *fakeOdoo) ReadOrderHeader(_ context.Context, _ int64, name string) (*odoo.OrderHeader, error) {
	f.calls = append(f.calls, "ReadOrderHeader")
	if f.err != nil {
		return nil, f.err
	}
	for _, o := range f.orders {
		if o.Name == name {
			return &odoo.OrderHeader{ID: o.ID, Name: o.Name, State: o.State, Currency: o.Currency, AmountTotal: o.AmountTotal, PartnerID: o.Partner.ID}, nil
		}
	}
	return nil, odoo.ErrNotFound
}

func (f *fakeOdoo) JournalByCode(_ context.Context, code string) (int64, error) {
	f.journalCodes = append(f.journalCodes, code)
	if err := f.failure("JournalByCode"); err != nil {
		return 0, err
	}
	if len(f.journals) == 0 {
		return 0, odoo.ErrNotFound
	}
	return f.journals[0], nil
}

func (f *fakeOdoo) Search(_ context.Context, model string, domain []any, opts *odoo.SearchOptions) ([]int64, error) {
	f.searches = append(f.searches, searchCall{model, domain, opts})
	if err := f.failure("Search"); err != nil {
		return nil, err
	}
	if model == "account.move" {
		return f.searchCreditNotes(domain), nil
	}
	return f.journals, nil
}

// searchCreditNotes answers RecordRefund's look-up of an earlier attempt's
// credit note: out_refund, ref containing the refund id, not cancelled,
// reversing one of the invoices given.
func (f *fakeOdoo) searchCreditNotes(domain []any) []int64 {
	var ref string
	var reverses []any
	for _, term := range domain {
		t := term.([]any)
		switch t[0] {
		case "ref":
			ref = t[2].(string)
		case "reversed_entry_id":
			reverses = t[2].([]any)
		}
	}
	var found []int64
	for id, m := range f.moves {
		if m.MoveType == "out_refund" && m.State != "cancel" && strings.Contains(m.Ref, ref) && slices.Contains(reverses, any(m.ReversedEntryID)) {
			found = append(found, id)
		}
	}
	slices.Sort(found)
	return found
}

func (f *fakeOdoo) SetTransactionState(_ context.Context, _ int64, u odoo.TransactionUpdate) error {
	f.updates = append(f.updates, u)
	return f.err
}

// fakeAfterpay answers capture and look-up with canned results.
type fakeAfterpay struct {
	AfterpayClient
	payment         *afterpay.Payment
	err             error
	checkout        *afterpay.Checkout
	checkoutRequest *afterpay.CheckoutRequest
}

func (f *fakeAfterpay) CreateCheckout(_ context.Context, req *afterpay.CheckoutRequest) (*afterpay.Checkout, error) {
	f.checkoutRequest = req
	return f.checkout, f.err
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

func TestReadOrderStateKeepsNothingPersonal(t *testing.T) {
	o := &odoo.SaleOrder{ID: 7, Name: "S00007", State: "sale", Currency: "USD", AmountTotal: money.MustNew(11000, "USD"),
		Partner: odoo.Partner{ID: 9, Name: "Oscar Morgan", Email: "oscar@example.com"}}
	a := &Activities{Odoo: &fakeOdoo{orders: map[int64]*odoo.SaleOrder{7: o}}}
	val, err := run(t, a, a.ReadOrderState, ReadOrderInput{ID: 3, Name: "S00007"})
	require.NoError(t, err)
	var got OrderState
	require.NoError(t, val.(interface{ Get(any) error }).Get(&got))
	require.Equal(t, OrderState{ID: 7, Name: "S00007", State: "sale", Total: money.MustNew(11000, "USD"), PartnerID: 9}, got)
}

func TestReadOrderStateForCheckoutReadsTheOrderOnceForBoth(t *testing.T) {
	customer := odoo.Partner{ID: 9, Name: "Oscar Morgan", Email: "oscar@example.com", Street: "317 Fairchild Dr", City: "Fairfield",
		StateCode: "CA", Zip: "94535", CountryCode: "US"}
	order := &odoo.SaleOrder{ID: 7, Name: "S00007", State: "draft", Currency: "USD", AmountTotal: money.MustNew(11000, "USD"),
		Partner: customer, InvoiceAddress: customer, ShippingAddress: customer, PaymentTermID: 4, PaymentTerm: odoo.PaymentTermName,
		CaptureMode: "deferred",
		Lines: []odoo.OrderLine{{ID: 1, Name: "Desk", ProductID: 3, Quantity: "1.0", PriceUnit: money.MustNew(11000, "USD"),
			PriceSubtotal: money.MustNew(11000, "USD"), PriceTotal: money.MustNew(11000, "USD")}}}
	od := &fakeOdoo{orders: map[int64]*odoo.SaleOrder{7: order}}
	ap := &fakeAfterpay{checkout: &afterpay.Checkout{Token: "002.tok", RedirectCheckoutURL: "https://pay.test/?token=002.tok"}}
	a := &Activities{Odoo: od, Afterpay: ap, Mapper: mapping.NewMapper()}
	readState := func() OrderState {
		t.Helper()
		val, err := run(t, a, a.ReadOrderState, ReadOrderInput{ID: 7, Name: "S00007", ForCheckout: true})
		require.NoError(t, err)
		var got OrderState
		require.NoError(t, val.(interface{ Get(any) error }).Get(&got))
		return got
	}
	checkout := func() {
		t.Helper()
		_, err := run(t, a, a.CreateCheckout, CheckoutInput{OrderID: 7, OrderName: "S00007", ReturnURL: "https://api.test/afterpay/return"})
		require.NoError(t, err)
	}

	// A quotation is not kept: the checkout reads the order itself.
	require.Equal(t, OrderState{ID: 7, Name: "S00007", State: "draft", Total: money.MustNew(11000, "USD"), PartnerID: 9,
		Afterpay: true, PaymentTerm: odoo.PaymentTermName, CaptureMode: "deferred"}, readState())
	checkout()
	require.Equal(t, []string{"ReadSaleOrder", "ReadSaleOrder"}, od.calls)

	// A confirmed order is read once for both.
	order.State, od.calls = "sale", nil
	require.Equal(t, "sale", readState().State)
	checkout()
	require.Equal(t, []string{"ReadSaleOrder"}, od.calls)
	require.Equal(t, "oscar@example.com", ap.checkoutRequest.Consumer.Email)

	// Once only: a retried checkout reads the order again.
	checkout()
	require.Equal(t, []string{"ReadSaleOrder", "ReadSaleOrder"}, od.calls)

	// An id that names another order is only a hint: the name decides.
	od.calls = nil
	_, err := run(t, a, a.ReadOrderState, ReadOrderInput{ID: 7, Name: "S00008", ForCheckout: true})
	require.True(t, IsErrorType(err, ErrTypeOrderNotFound), "got %v", err)
	require.Equal(t, []string{"ReadSaleOrder", "ReadOrderHeader"}, od.calls)
}

func TestOrderHandoffKeepsAnOrderForSecondsOnly(t *testing.T) {
	var h orderHandoff
	now := time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC)
	h.keep(&odoo.SaleOrder{ID: 1}, now)
	h.keep(&odoo.SaleOrder{ID: 2}, now.Add(handoffAge))
	require.Nil(t, h.take(1, now.Add(handoffAge+time.Second)), "too old")
	require.NotNil(t, h.take(2, now.Add(handoffAge+time.Second)))
	h.keep(&odoo.SaleOrder{ID: 3}, now)
	h.keep(&odoo.SaleOrder{ID: 4}, now.Add(2*handoffAge))
	require.Len(t, h.orders, 1, "what is too old to use is dropped")
}

func TestCreateCheckoutMapsTheOrderAndSendsIt(t *testing.T) {
	customer := odoo.Partner{ID: 9, Name: "Oscar Morgan", Email: "oscar@example.com", Street: "317 Fairchild Dr", City: "Fairfield",
		StateCode: "CA", Zip: "94535", CountryCode: "US"}
	order := &odoo.SaleOrder{ID: 7, Name: "S00007", State: "sale", Currency: "USD", AmountTotal: money.MustNew(11000, "USD"),
		Partner: customer, InvoiceAddress: customer, ShippingAddress: customer,
		Lines: []odoo.OrderLine{{ID: 1, Name: "Desk", ProductID: 3, Quantity: "1.0", PriceUnit: money.MustNew(11000, "USD"),
			PriceSubtotal: money.MustNew(11000, "USD"), PriceTotal: money.MustNew(11000, "USD")}}}
	ap := &fakeAfterpay{checkout: &afterpay.Checkout{Token: "002.tok", RedirectCheckoutURL: "https://pay.test/?token=002.tok"}}
	a := &Activities{Odoo: &fakeOdoo{orders: map[int64]*odoo.SaleOrder{7: order}}, Afterpay: ap, Mapper: mapping.NewMapper()}
	val, err := run(t, a, a.CreateCheckout, CheckoutInput{OrderID: 7, OrderName: "S00007", ReturnURL: "https://api.test/afterpay/return?order=S00007"})
	require.NoError(t, err)
	var got CheckoutCreated
	require.NoError(t, val.(interface{ Get(any) error }).Get(&got))
	require.Equal(t, "002.tok", got.Token)
	require.Equal(t, money.MustNew(11000, "USD"), got.Amount)
	require.Empty(t, got.NotPayable)
	require.NotNil(t, ap.checkoutRequest)
	require.Equal(t, "oscar@example.com", ap.checkoutRequest.Consumer.Email, "the customer's details go to Afterpay, not into the workflow")

	order.Partner.Email = ""
	ap.checkoutRequest = nil
	val, err = run(t, a, a.CreateCheckout, CheckoutInput{OrderID: 7, OrderName: "S00007", ReturnURL: "https://api.test/afterpay/return"})
	require.NoError(t, err)
	require.NoError(t, val.(interface{ Get(any) error }).Get(&got))
	require.Contains(t, got.NotPayable, "the customer has no email address; Afterpay needs one to identify the customer")
	require.Nil(t, ap.checkoutRequest, "nothing is sent to Afterpay for an order it cannot take")
}

func TestInterruptedCallsAreRetriedNeverAnswers(t *testing.T) {
	for _, err := range []error{context.Canceled, fmt.Errorf("odoo: call: %w", context.DeadlineExceeded)} {
		a := &Activities{Odoo: &fakeOdoo{err: err}}
		_, got := run(t, a, a.ReadOrderState, ReadOrderInput{Name: "S1"})
		require.True(t, IsErrorType(got, ErrTypeInterrupted), "got %v", got)
		var appErr *temporal.ApplicationError
		require.ErrorAs(t, got, &appErr)
		require.False(t, appErr.NonRetryable(), "a shutdown is never a business answer")
	}
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
			_, err := run(t, a, a.ReadOrderState, ReadOrderInput{Name: "S1"})
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
		{"bad credentials", &afterpay.Error{HTTPStatusCode: 401, ErrorCode: "unauthorized"}, ErrTypeAfterpayCredentials, false, ""}, // an operator's alarm, never the order's rejection
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

func TestBookPaymentUsesTheAfterpayJournalAndLinksTheTransaction(t *testing.T) {
	od := &fakeOdoo{journals: []int64{12}}
	a := &Activities{Odoo: od}
	day := time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)
	in := BookInput{PartnerID: 7, Amount: money.MustNew(11000, "USD"), Date: day, TransactionID: 9, Memo: "Afterpay 3001", FirstOfTransaction: true}
	val, err := run(t, a, a.BookPayment, in)
	require.NoError(t, err)
	var id int64
	require.NoError(t, val.(interface{ Get(any) error }).Get(&id))
	require.Equal(t, int64(31), id)
	want := odoo.CustomerPaymentSpec{PartnerID: 7, Amount: money.MustNew(11000, "USD"), Date: day, JournalID: 12, Memo: "Afterpay 3001", TransactionID: 9,
		New: true, FirstOfTransaction: true}
	require.Equal(t, want, od.booked, "a first attempt books without looking for an earlier one")

	// The workflow asks again after a failure: the payment may exist, and
	// is looked for by its memo.
	in.Retry = true
	_, err = run(t, a, a.BookPayment, in)
	require.NoError(t, err)
	want.New = false
	require.Equal(t, want, od.booked)
}

func TestReconcileInvoiceNamesTheAfterpayOrderAndSaysWhatIsLeft(t *testing.T) {
	od := &fakeOdoo{residual: money.MustNew(2500, "USD"), moves: map[int64]*odoo.Move{5: {ID: 5, AmountResidual: money.MustNew(0, "USD")}}}
	a := &Activities{Odoo: od}
	val, err := run(t, a, a.ReconcileInvoice, ReconcileInput{PaymentID: 31, InvoiceID: 5, AfterpayOrderID: "3001"})
	require.NoError(t, err)
	var got Reconciled
	require.NoError(t, val.(interface{ Get(any) error }).Get(&got))
	require.Equal(t, Reconciled{PaymentResidual: money.MustNew(2500, "USD"), InvoiceResidual: money.MustNew(0, "USD")}, got)
	require.Equal(t, [][2]int64{{31, 5}}, od.reconciled)
	require.Equal(t, map[int64]string{5: "3001"}, od.moveAfterpay, "finance sees the Afterpay order on the invoice")
}

func TestDeletedTransactionIsNotAMissingOrder(t *testing.T) {
	a := &Activities{Odoo: &fakeOdoo{err: fmt.Errorf("odoo: write payment.transaction [5]: %w", odoo.ErrNotFound)}}
	_, err := run(t, a, a.SetTransactionState, TransactionStateInput{TransactionID: 5, State: "done"})
	require.True(t, IsErrorType(err, ErrTypeTransactionMissing), "got %v", err)
	require.False(t, IsErrorType(err, ErrTypeOrderNotFound))
	require.Equal(t, "the order's payment.transaction 5 was deleted in Odoo", OdooMessage(err))
}

func TestReadBooksInvoicesNamesTheAfterpayOrderAndReadsWhatIsOpen(t *testing.T) {
	od := &fakeOdoo{residual: money.MustNew(0, "USD"), posted: []int64{5, 6}, moves: map[int64]*odoo.Move{
		5: {ID: 5, Name: "INV/1", AmountTotal: money.MustNew(6000, "USD"), AmountResidual: money.MustNew(0, "USD")},
		6: {ID: 6, Name: "INV/2", AmountTotal: money.MustNew(3000, "USD"), AmountResidual: money.MustNew(3000, "USD")},
	}}
	a := &Activities{Odoo: od}
	val, err := run(t, a, a.ReadBooks, BooksInput{OrderID: 42, Invoice: true, AfterpayOrderID: "3001", PaymentIDs: []int64{77}})
	require.NoError(t, err)
	var got Books
	require.NoError(t, val.(interface{ Get(any) error }).Get(&got))
	require.Equal(t, 1, od.invoiced, "invoiced what Odoo can invoice")
	require.Equal(t, []Invoice{
		{ID: 5, Name: "INV/1", Total: money.MustNew(6000, "USD"), Residual: money.MustNew(0, "USD")},
		{ID: 6, Name: "INV/2", Total: money.MustNew(3000, "USD"), Residual: money.MustNew(3000, "USD")},
	}, got.Invoices)
	require.Equal(t, map[int64]money.Money{77: money.MustNew(0, "USD")}, got.PaymentsOpen)
	require.Equal(t, map[int64]string{5: "3001", 6: "3001"}, od.moveAfterpay, "every invoice names the Afterpay order")
	require.False(t, got.InvoicingHeld)
}

func TestReadBooksTakesWhatIsOpenOfTheTransactionsPaymentFromTheOrdersRead(t *testing.T) {
	od := &fakeOdoo{residual: money.MustNew(0, "USD"), posted: []int64{5}, moves: map[int64]*odoo.Move{
		5: {ID: 5, Name: "INV/1", AmountTotal: money.MustNew(6000, "USD"), AmountResidual: money.MustNew(0, "USD")},
	}, moveAfterpay: map[int64]string{5: "3001"}, txPayments: map[int64]money.Money{31: money.MustNew(500, "USD")}}
	a := &Activities{Odoo: od}
	val, err := run(t, a, a.ReadBooks, BooksInput{OrderID: 42, AfterpayOrderID: "3001", PaymentIDs: []int64{31, 77}})
	require.NoError(t, err)
	var got Books
	require.NoError(t, val.(interface{ Get(any) error }).Get(&got))
	require.Equal(t, map[int64]money.Money{31: money.MustNew(500, "USD"), 77: money.MustNew(0, "USD")}, got.PaymentsOpen)
	require.Equal(t, []string{"ReadOrderMoves", "PaymentResidual"}, od.calls,
		"the transaction's payment comes with the order; only the other one is read")
}

func TestReadBooksNamesAndReadsBackTheInvoiceItPostsInOneCall(t *testing.T) {
	od := &fakeOdoo{residual: money.MustNew(999, "USD"), drafts: []int64{6}, posted: []int64{5}, moves: map[int64]*odoo.Move{
		5: {ID: 5, Name: "INV/1", AmountTotal: money.MustNew(6000, "USD"), AmountResidual: money.MustNew(0, "USD")},
		6: {ID: 6, Name: "INV/2", AmountTotal: money.MustNew(3000, "USD"), AmountResidual: money.MustNew(0, "USD")},
	}, txPayments: map[int64]money.Money{31: money.MustNew(0, "USD")}}
	a := &Activities{Odoo: od}
	val, err := run(t, a, a.ReadBooks, BooksInput{OrderID: 42, Invoice: true, AfterpayOrderID: "3001", PaymentIDs: []int64{31}})
	require.NoError(t, err)
	var got Books
	require.NoError(t, val.(interface{ Get(any) error }).Get(&got))
	require.Equal(t, []string{"ReadOrderMoves", "PostDraftInvoice", "NameMovesAndRead"}, od.calls,
		"the order's moves are read once; the new invoice and the one not named yet are named and read back together")
	require.Equal(t, map[int64]string{5: "3001", 6: "3001"}, od.moveAfterpay)
	require.Equal(t, []Invoice{
		{ID: 5, Name: "INV/1", Total: money.MustNew(6000, "USD"), Residual: money.MustNew(0, "USD")},
		{ID: 6, Name: "INV/2", Total: money.MustNew(3000, "USD"), Residual: money.MustNew(0, "USD")},
	}, got.Invoices)
	require.Equal(t, map[int64]money.Money{31: money.MustNew(0, "USD")}, got.PaymentsOpen)
}

func TestReadBooksDoesNotInvoiceAnOrderCreditedFromItsInvoice(t *testing.T) {
	// Odoo counts credited quantities as not invoiced: invoicing again
	// would bill them twice.
	od := &fakeOdoo{orderCredited: true, posted: []int64{5}, moves: map[int64]*odoo.Move{
		5: {ID: 5, Name: "INV/1", AmountTotal: money.MustNew(6000, "USD"), AmountResidual: money.MustNew(0, "USD")},
	}}
	a := &Activities{Odoo: od}
	val, err := run(t, a, a.ReadBooks, BooksInput{OrderID: 42, Invoice: true})
	require.NoError(t, err)
	var got Books
	require.NoError(t, val.(interface{ Get(any) error }).Get(&got))
	require.Zero(t, od.invoiced, "nothing invoiced")
	require.True(t, got.InvoicingHeld)
	require.Len(t, got.Invoices, 1)

	// Without Invoice, it never invoices.
	od.orderCredited = false
	_, err = run(t, a, a.ReadBooks, BooksInput{OrderID: 42})
	require.NoError(t, err)
	require.Zero(t, od.invoiced)
}
