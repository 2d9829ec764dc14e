package api

import (
	"context"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"
	commonpb "go.temporal.io/api/common/v1"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	workflowpb "go.temporal.io/api/workflow/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/mocks"
	"go.temporal.io/sdk/temporal"

	"github.com/odoo-afterpay/bridge/money"
	"github.com/odoo-afterpay/bridge/workflows"
)

const (
	wfID        = "afterpay-payment:prod:S00043"
	returnToken = "002.tok"
)

func returnURL(status string) string {
	return "/afterpay/return?order=S00043&status=" + status + "&orderToken=" + returnToken
}

// running: the order's workflow runs and holds returnToken (the slow
// path describes it).
func (e *env) running() {
	e.temporal.On("DescribeWorkflowExecution", mock.Anything, wfID, "").Return(describe(enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING,
		map[string]string{"AfterpayToken": returnToken}), nil)
}

// closed: the order's workflow has ended with status.
func (e *env) closed(status workflows.Status) {
	e.temporal.On("DescribeWorkflowExecution", mock.Anything, wfID, "").Return(describe(enumspb.WORKFLOW_EXECUTION_STATUS_COMPLETED,
		map[string]string{"AfterpayToken": returnToken, "PaymentStatus": string(status)}), nil)
}

// updateEnded: the update finds no running workflow (Temporal's answer to
// an update for a workflow that has ended).
func (e *env) updateEnded() {
	e.temporal.On("UpdateWorkflow", mock.Anything, mock.Anything).Return(nil, serviceerror.NewNotFound("workflow execution already completed")).Once()
}

// updateHandle is an update handle of run-0 whose Get returns err.
func (e *env) updateHandle(err error) *mocks.WorkflowUpdateHandle {
	h := mocks.NewWorkflowUpdateHandle(e.t)
	h.On("RunID").Return("run-0").Maybe()
	h.On("Get", mock.Anything, mock.Anything).Return(err).Once()
	return h
}

// refused: the workflow's current run (run-1) turns the update away, as
// its validator does with a token that is not its checkout's.
func (e *env) refused() {
	h := mocks.NewWorkflowUpdateHandle(e.t)
	h.On("RunID").Return("run-1").Maybe()
	h.On("Get", mock.Anything, mock.Anything).Return(temporal.NewApplicationError("not this payment's checkout token", "")).Once()
	e.temporal.On("UpdateWorkflow", mock.Anything, mock.Anything).Return(h, nil).Once()
}

// requireHotPath checks that the return cost one update and nothing else
// that looks the payment up.
func (e *env) requireHotPath() {
	e.t.Helper()
	e.temporal.AssertNotCalled(e.t, "DescribeWorkflowExecution", mock.Anything, mock.Anything, mock.Anything)
	e.temporal.AssertNotCalled(e.t, "ListWorkflow", mock.Anything, mock.Anything)
	e.temporal.AssertNotCalled(e.t, "SignalWorkflow", mock.Anything, mock.Anything, mock.Anything, mock.Anything, mock.Anything)
	e.temporal.AssertNumberOfCalls(e.t, "UpdateWorkflow", 1)
}

var amount = money.MustNew(9980, "USD")

// answers makes the customer-return update answer out (after the handle
// is obtained, like the SDK after acceptance).
func (e *env) answers(status string, out workflows.ReturnOutcome) *mock.Call {
	h := mocks.NewWorkflowUpdateHandle(e.t)
	h.On("RunID").Return("run-0").Maybe()
	h.On("Get", mock.Anything, mock.Anything).Run(func(args mock.Arguments) {
		*args.Get(1).(*workflows.ReturnOutcome) = out
	}).Return(nil).Maybe()
	// No run id: the update goes to the current run, whatever it is.
	return e.temporal.On("UpdateWorkflow", mock.Anything, mock.MatchedBy(func(o client.UpdateWorkflowOptions) bool {
		return o.WorkflowID == wfID && o.RunID == "" && o.UpdateName == workflows.UpdateCustomerReturn &&
			o.UpdateID == returnUpdateID(returnToken, status) && o.WaitForStage == client.WorkflowUpdateStageAccepted &&
			len(o.Args) == 1 && o.Args[0] == workflows.CustomerReturn{Status: status, OrderToken: returnToken}
	})).Return(h, nil)
}

func (e *env) queryAnswers(info workflows.CheckoutInfo, err error) {
	if err != nil {
		e.temporal.On("QueryWorkflow", mock.Anything, wfID, "run-0", workflows.QueryCheckout).Return(nil, err)
		return
	}
	v := &mocks.Value{}
	v.Test(e.t)
	v.On("Get", mock.Anything).Run(func(args mock.Arguments) { *args.Get(0).(*workflows.CheckoutInfo) = info }).Return(nil)
	e.temporal.On("QueryWorkflow", mock.Anything, wfID, "run-0", workflows.QueryCheckout).Return(v, nil)
}

// requirePage checks a customer page: its status, its heading, the shop's
// name, the order, the amount, the way back to the shop, the landmark and
// the security headers.
func requirePage(t *testing.T, rec interface {
	Result() *http.Response
}, status int, heading string) string {
	t.Helper()
	resp := rec.Result()
	body := readAll(t, resp)
	require.Equal(t, status, resp.StatusCode, body)
	require.Equal(t, "text/html; charset=utf-8", resp.Header.Get("Content-Type"))
	require.Equal(t, pageCSP, resp.Header.Get("Content-Security-Policy"))
	require.Equal(t, "DENY", resp.Header.Get("X-Frame-Options"))
	require.Equal(t, "nosniff", resp.Header.Get("X-Content-Type-Options"))
	require.Equal(t, "no-referrer", resp.Header.Get("Referrer-Policy"))
	require.Equal(t, "no-store", resp.Header.Get("Cache-Control"))
	require.Contains(t, body, "<main>")
	require.Contains(t, body, "<h1>"+heading+"</h1>")
	require.Contains(t, body, "Blue Bicycle Shop")
	return body
}

// Each return page shows the payment's real outcome, for the cost of one
// update: nothing describes, lists or signals the workflow.
func TestReturnPageShowsThePaymentsOutcome(t *testing.T) {
	tests := []struct {
		status  string
		outcome workflows.ReturnOutcomeKind
		heading string
		says    string
	}{
		{"SUCCESS", workflows.OutcomePaid, "Thank you, your payment is approved", "Afterpay will email you your instalment plan"},
		{"SUCCESS", workflows.OutcomeAuthorised, "Thank you, your payment is approved", "when Blue Bicycle Shop ships your order"},
		{"SUCCESS", workflows.OutcomeDeclined, "Payment declined", "nothing was charged"},
		{"CANCELLED", workflows.OutcomeCancelled, "Payment cancelled", "nothing was charged"},
		{"SUCCESS", workflows.OutcomeExpired, "Checkout expired", "nothing was charged"},
		{"SUCCESS", workflows.OutcomeNotCompleted, "Payment not completed", "given back to you in full"},
	}
	for _, tt := range tests {
		t.Run(string(tt.outcome), func(t *testing.T) {
			e := newEnv(t)
			e.answers(tt.status, workflows.ReturnOutcome{Outcome: tt.outcome, OrderName: "S00043", Amount: &amount}).Once()
			rec := e.get(returnURL(tt.status))
			body := requirePage(t, rec, http.StatusOK, tt.heading)
			require.Contains(t, body, tt.says)
			require.Contains(t, body, "<dd>S00043</dd>")
			require.Contains(t, body, "<dd>$99.80 USD</dd>")
			require.Contains(t, body, `href="https://shop.example.com/afterpay/done?from=afterpay&amp;order=S00043&amp;outcome=`+string(tt.outcome)+`&amp;status=`+tt.status+`"`)
			require.Empty(t, rec.Header().Get("Refresh"))
			if tt.outcome == workflows.OutcomeDeclined {
				require.NotContains(t, body, "Thank you", "a declined payment is not thanked for")
			}
			e.requireHotPath()
		})
	}
}

// A reload joins the same update (same update id), so it shows the same
// answer.
func TestReloadedReturnJoinsTheSameUpdate(t *testing.T) {
	e := newEnv(t)
	e.answers("SUCCESS", workflows.ReturnOutcome{Outcome: workflows.OutcomePaid, OrderName: "S00043", Amount: &amount}).Twice()
	first := e.get(returnURL("SUCCESS"))
	second := e.get(returnURL("SUCCESS"))
	require.Equal(t, http.StatusOK, second.Code)
	require.Equal(t, stripRequestIDs(first.Body.String()), stripRequestIDs(second.Body.String()))
	require.NotEqual(t, returnUpdateID(returnToken, "SUCCESS"), returnUpdateID(returnToken, "CANCELLED"))
	require.NotEqual(t, returnUpdateID(returnToken, "SUCCESS"), returnUpdateID("002.other", "SUCCESS"))
	require.Regexp(t, `^customer-return-[0-9a-f]{32}$`, returnUpdateID(returnToken, "SUCCESS"))
}

func stripRequestIDs(s string) string {
	return regexp.MustCompile(`[0-9a-f]{24}`).ReplaceAllString(s, "")
}

// No answer yet: the page says the payment is being confirmed and reloads
// itself.
func TestReturnPageStillBeingConfirmedRefreshesItself(t *testing.T) {
	e := newEnv(t)
	e.answers("SUCCESS", workflows.ReturnOutcome{Outcome: workflows.OutcomePending, OrderName: "S00043", Amount: &amount}).Once()
	e.queryAnswers(workflows.CheckoutInfo{OrderName: "S00043", Status: workflows.StatusCapturing, Amount: &amount}, nil)
	e.temporal.On("DescribeWorkflowExecution", mock.Anything, wfID, "run-0").Return(describe(enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING,
		map[string]string{"AfterpayToken": returnToken}), nil).Once()
	rec := e.get(returnURL("SUCCESS"))
	body := requirePage(t, rec, http.StatusOK, "Your payment is being confirmed")
	require.Equal(t, refreshSeconds, rec.Header().Get("Refresh"))
	require.Contains(t, body, `href="/afterpay/return?order=S00043&amp;status=SUCCESS&amp;orderToken=002.tok"`)
	require.Contains(t, body, "<dd>$99.80 USD</dd>")
	require.NotContains(t, body, "Thank you")
}

// A reload of a return whose update answered "pending" joins that answer
// even after the payment ended without money (here an operator resolved
// it): the page says the checkout is closed, and stops reloading.
func TestReloadOfAPendingAnswerAfterThePaymentEnded(t *testing.T) {
	e := newEnv(t)
	e.answers("SUCCESS", workflows.ReturnOutcome{Outcome: workflows.OutcomePending, OrderName: "S00043", Amount: &amount}).Once()
	e.queryAnswers(workflows.CheckoutInfo{OrderName: "S00043", Status: workflows.StatusResolved, Amount: &amount, Outcome: workflows.OutcomePending}, nil)
	e.temporal.On("DescribeWorkflowExecution", mock.Anything, wfID, "run-0").Return(describe(enumspb.WORKFLOW_EXECUTION_STATUS_COMPLETED,
		map[string]string{"AfterpayToken": returnToken, "PaymentStatus": string(workflows.StatusResolved)}), nil).Once()
	rec := e.get(returnURL("SUCCESS"))
	requirePage(t, rec, http.StatusOK, "This checkout is closed")
	require.Empty(t, rec.Header().Get("Refresh"))
}

// The first answer of an update id was "pending", but the payment has moved
// on since: a reload shows where it stands now.
func TestReturnAfterAPendingAnswerShowsTheNewOutcome(t *testing.T) {
	e := newEnv(t)
	e.answers("SUCCESS", workflows.ReturnOutcome{Outcome: workflows.OutcomePending, OrderName: "S00043", Amount: &amount}).Once()
	e.queryAnswers(workflows.CheckoutInfo{OrderName: "S00043", Status: workflows.StatusRecording, Amount: &amount, AfterpayOrderID: "3001"}, nil)
	requirePage(t, e.get(returnURL("SUCCESS")), http.StatusOK, "Thank you, your payment is approved")
	e.temporal.AssertNotCalled(t, "DescribeWorkflowExecution", mock.Anything, mock.Anything, mock.Anything)
}

// The workflow takes longer than the API waits: pending page.
func TestReturnPageWhenTheWorkflowIsSlow(t *testing.T) {
	e := newEnv(t)
	e.srv.returnWait = 100 * time.Millisecond
	h := mocks.NewWorkflowUpdateHandle(t)
	h.On("RunID").Return("run-0").Maybe()
	h.On("Get", mock.Anything, mock.Anything).Run(func(args mock.Arguments) {
		<-args.Get(0).(context.Context).Done()
	}).Return(client.NewWorkflowUpdateServiceTimeoutOrCanceledError(context.DeadlineExceeded)).Once()
	e.temporal.On("UpdateWorkflow", mock.Anything, mock.Anything).Return(h, nil).Once()
	rec := e.get(returnURL("SUCCESS"))
	requirePage(t, rec, http.StatusOK, "Your payment is being confirmed")
	require.Equal(t, refreshSeconds, rec.Header().Get("Refresh"))
	e.requireHotPath()
}

// No worker to accept the update in time: the description says the
// workflow runs, so the page is pending too.
func TestReturnPageWhenNoWorkerAccepts(t *testing.T) {
	e := newEnv(t)
	e.running()
	e.temporal.On("UpdateWorkflow", mock.Anything, mock.Anything).
		Return(nil, client.NewWorkflowUpdateServiceTimeoutOrCanceledError(context.DeadlineExceeded)).Once()
	rec := e.get(returnURL("SUCCESS"))
	requirePage(t, rec, http.StatusOK, "Your payment is being confirmed")
	require.Equal(t, refreshSeconds, rec.Header().Get("Refresh"))
}

// Reloading the page after the payment completed shows its outcome, never
// "could not find this checkout": the update finds the workflow ended, and
// the slow path reads the outcome from it.
func TestReloadAfterCompletionShowsTheOutcome(t *testing.T) {
	e := newEnv(t)
	e.updateEnded()
	e.closed(workflows.StatusCompleted)
	e.queryAnswers(workflows.CheckoutInfo{OrderName: "S00043", Status: workflows.StatusCompleted, Amount: &amount, AfterpayOrderID: "3001"}, nil)
	rec := e.get(returnURL("SUCCESS"))
	body := requirePage(t, rec, http.StatusOK, "Thank you, your payment is approved")
	require.Contains(t, body, "<dd>$99.80 USD</dd>")
	require.NotContains(t, body, "could not find")
	e.temporal.AssertNumberOfCalls(t, "UpdateWorkflow", 1)
}

// ... even with no worker to answer the query: the search attribute says.
func TestReloadAfterCompletionWithoutAWorker(t *testing.T) {
	for status, heading := range map[workflows.Status]string{
		workflows.StatusCompleted:   "Thank you, your payment is approved",
		workflows.StatusDeclined:    "Payment declined",
		workflows.StatusExpired:     "Checkout expired",
		workflows.StatusCompensated: "Payment not completed",
		workflows.StatusNotPayable:  "This checkout is closed",
		workflows.StatusResolved:    "This checkout is closed",
	} {
		t.Run(string(status), func(t *testing.T) {
			e := newEnv(t)
			e.updateEnded()
			e.closed(status)
			e.queryAnswers(workflows.CheckoutInfo{}, serviceerror.NewDeadlineExceeded("no worker"))
			requirePage(t, e.get(returnURL("SUCCESS")), http.StatusOK, heading)
		})
	}
}

// An ended payment that never had a checkout has nothing to show: 404.
func TestReturnToAnEndedPaymentWithoutACheckoutIs404(t *testing.T) {
	e := newEnv(t)
	e.updateEnded()
	e.temporal.On("DescribeWorkflowExecution", mock.Anything, wfID, "").Return(describe(enumspb.WORKFLOW_EXECUTION_STATUS_COMPLETED,
		map[string]string{"PaymentStatus": string(workflows.StatusNotPayable)}), nil).Once()
	requirePage(t, e.get(returnURL("SUCCESS")), http.StatusNotFound, "We could not find this Afterpay checkout")
	e.temporal.AssertNotCalled(t, "QueryWorkflow", mock.Anything, mock.Anything, mock.Anything, mock.Anything)
}

// The workflow completes after it accepted the update, before it answered.
func TestReturnWhenTheWorkflowJustCompleted(t *testing.T) {
	e := newEnv(t)
	e.temporal.On("UpdateWorkflow", mock.Anything, mock.Anything).Return(e.updateHandle(serviceerror.NewNotFound("workflow execution already completed")), nil).Once()
	e.queryAnswers(workflows.CheckoutInfo{OrderName: "S00043", Status: workflows.StatusDeclined, Amount: &amount}, nil)
	requirePage(t, e.get(returnURL("SUCCESS")), http.StatusOK, "Payment declined")
}

// A token that is not the payment's: the validator turns it away (the
// update never reaches the history), no earlier run had it, 404, and
// nothing is signalled.
func TestReturnWithAnotherTokenIs404(t *testing.T) {
	e := newEnv(t)
	e.refused()
	e.temporal.On("ListWorkflow", mock.Anything, mock.MatchedBy(func(r *workflowservice.ListWorkflowExecutionsRequest) bool {
		return r.Query == `AfterpayToken = "002.tok" AND WorkflowId = "afterpay-payment:prod:S00043"`
	})).Return(&workflowservice.ListWorkflowExecutionsResponse{}, nil).Once()
	rec := e.get(returnURL("CANCELLED"))
	requirePage(t, rec, http.StatusNotFound, "We could not find this Afterpay checkout")
	e.temporal.AssertNotCalled(t, "DescribeWorkflowExecution", mock.Anything, mock.Anything, mock.Anything)
	e.temporal.AssertNotCalled(t, "QueryWorkflow", mock.Anything, mock.Anything, mock.Anything, mock.Anything)
	e.temporal.AssertNotCalled(t, "SignalWorkflow", mock.Anything, mock.Anything, mock.Anything, mock.Anything, mock.Anything)
	require.NotContains(t, e.log.String(), returnToken, "the token is never logged")
}

// Visibility names the very run whose validator refused the token (its
// search attribute not yet updated): still 404, never that run's outcome.
func TestReturnRefusedByTheValidatorIs404(t *testing.T) {
	e := newEnv(t)
	e.refused()
	e.temporal.On("ListWorkflow", mock.Anything, mock.Anything).Return(&workflowservice.ListWorkflowExecutionsResponse{
		Executions: []*workflowpb.WorkflowExecutionInfo{{Execution: &commonpb.WorkflowExecution{WorkflowId: wfID, RunId: "run-1"}}},
	}, nil).Once()
	requirePage(t, e.get(returnURL("CANCELLED")), http.StatusNotFound, "We could not find this Afterpay checkout")
	e.temporal.AssertNotCalled(t, "QueryWorkflow", mock.Anything, mock.Anything, mock.Anything, mock.Anything)
}

// The token of an earlier run of the same order (declined, then
// re-confirmed): the current run refuses it, and a reload still shows the
// earlier run's outcome.
func TestReturnOfAnEarlierRun(t *testing.T) {
	e := newEnv(t)
	e.refused()
	e.temporal.On("ListWorkflow", mock.Anything, mock.Anything).Return(&workflowservice.ListWorkflowExecutionsResponse{
		Executions: []*workflowpb.WorkflowExecutionInfo{{Execution: &commonpb.WorkflowExecution{WorkflowId: wfID, RunId: "run-0"}}},
	}, nil).Once()
	e.queryAnswers(workflows.CheckoutInfo{OrderName: "S00043", Status: workflows.StatusDeclined, Amount: &amount}, nil)
	requirePage(t, e.get(returnURL("SUCCESS")), http.StatusOK, "Payment declined")
	e.temporal.AssertNotCalled(t, "DescribeWorkflowExecution", mock.Anything, mock.Anything, mock.Anything)
}

// ... and so it does when the latest run has ended too, with a checkout of
// its own.
func TestReturnOfAnEarlierRunAfterTheLatestEnded(t *testing.T) {
	e := newEnv(t)
	e.updateEnded()
	latest := describe(enumspb.WORKFLOW_EXECUTION_STATUS_COMPLETED, map[string]string{"AfterpayToken": "002.new", "PaymentStatus": string(workflows.StatusCompleted)})
	latest.WorkflowExecutionInfo.Execution.RunId = "run-1"
	e.temporal.On("DescribeWorkflowExecution", mock.Anything, wfID, "").Return(latest, nil).Once()
	e.temporal.On("ListWorkflow", mock.Anything, mock.Anything).Return(&workflowservice.ListWorkflowExecutionsResponse{
		Executions: []*workflowpb.WorkflowExecutionInfo{{Execution: &commonpb.WorkflowExecution{WorkflowId: wfID, RunId: "run-0"}}},
	}, nil).Once()
	e.queryAnswers(workflows.CheckoutInfo{OrderName: "S00043", Status: workflows.StatusDeclined, Amount: &amount}, nil)
	requirePage(t, e.get(returnURL("SUCCESS")), http.StatusOK, "Payment declined")
}

// Temporal unreachable is never a 404: a 503 page that asks to retry. The
// SDK retries an unreachable server until the update's deadline, so that
// looks like an update nobody took: the description, which fails too,
// tells the two apart.
func TestReturnWhenTemporalIsUnreachable(t *testing.T) {
	for name, err := range map[string]error{
		"unavailable":       serviceerror.NewUnavailable("connection refused"),
		"deadline exceeded": serviceerror.NewDeadlineExceeded("slow"),
		"context deadline":  context.DeadlineExceeded,
	} {
		t.Run(name, func(t *testing.T) {
			e := newEnv(t)
			e.temporal.On("UpdateWorkflow", mock.Anything, mock.Anything).
				Return(nil, client.NewWorkflowUpdateServiceTimeoutOrCanceledError(context.DeadlineExceeded)).Once()
			e.temporal.On("DescribeWorkflowExecution", mock.Anything, wfID, "").Return(nil, err).Once()
			rec := e.get(returnURL("SUCCESS"))
			body := requirePage(t, rec, http.StatusServiceUnavailable, "Please try again in a moment")
			require.Equal(t, "5", rec.Header().Get("Retry-After"))
			require.NotContains(t, body, "could not find")
			require.NotContains(t, body, "refused")
			e.temporal.AssertNotCalled(t, "SignalWorkflow", mock.Anything, mock.Anything, mock.Anything, mock.Anything, mock.Anything)
		})
	}
	// Temporal's own refusal comes straight back from the update.
	e := newEnv(t)
	e.temporal.On("UpdateWorkflow", mock.Anything, mock.Anything).Return(nil, serviceerror.NewUnavailable("down")).Once()
	rec := e.get(returnURL("SUCCESS"))
	requirePage(t, rec, http.StatusServiceUnavailable, "Please try again in a moment")
	require.Equal(t, "5", rec.Header().Get("Retry-After"))
	e.temporal.AssertNotCalled(t, "DescribeWorkflowExecution", mock.Anything, mock.Anything, mock.Anything)
}

// No workflow of that order: the update finds none, nor does the
// description.
func TestReturnForAnUnknownOrderIs404(t *testing.T) {
	e := newEnv(t)
	const unknown = "afterpay-payment:prod:S99999"
	e.temporal.On("UpdateWorkflow", mock.Anything, mock.MatchedBy(func(o client.UpdateWorkflowOptions) bool { return o.WorkflowID == unknown })).
		Return(nil, serviceerror.NewNotFound("workflow not found for ID: "+unknown)).Once()
	e.temporal.On("DescribeWorkflowExecution", mock.Anything, unknown, "").Return(nil, serviceerror.NewNotFound("no"))
	requirePage(t, e.get("/afterpay/return?order=S99999&status=SUCCESS&orderToken=002.real"), http.StatusNotFound, "We could not find this Afterpay checkout")
	e.temporal.AssertNotCalled(t, "SignalWorkflow", mock.Anything, mock.Anything, mock.Anything, mock.Anything, mock.Anything)
}

// A link without the order (an old checkout) finds the payment by token.
func TestReturnWithoutTheOrderFindsItByToken(t *testing.T) {
	e := newEnv(t)
	e.temporal.On("ListWorkflow", mock.Anything, mock.MatchedBy(func(r *workflowservice.ListWorkflowExecutionsRequest) bool {
		return r.Query == `AfterpayToken = "002.tok"`
	})).Return(&workflowservice.ListWorkflowExecutionsResponse{
		Executions: []*workflowpb.WorkflowExecutionInfo{{Execution: &commonpb.WorkflowExecution{WorkflowId: wfID, RunId: "run-0"}}},
	}, nil).Once()
	e.answers("SUCCESS", workflows.ReturnOutcome{Outcome: workflows.OutcomePaid, OrderName: "S00043", Amount: &amount}).Once()
	requirePage(t, e.get("/afterpay/return?status=SUCCESS&orderToken="+returnToken), http.StatusOK, "Thank you, your payment is approved")
	e.temporal.AssertNotCalled(t, "DescribeWorkflowExecution", mock.Anything, mock.Anything, mock.Anything)
}

func TestBadReturnLinksAre400(t *testing.T) {
	for _, target := range []string{
		"/afterpay/return?order=S00043&status=MAYBE&orderToken=002.tok",
		"/afterpay/return?order=S00043&status=SUCCESS",
		"/afterpay/return?order=S00043&status=SUCCESS&orderToken=002.%22%20OR%20%221",
		"/afterpay/return?order=S00043&status=SUCCESS&orderToken=" + strings.Repeat("t", 200),
		"/afterpay/return?order=S%00043&status=SUCCESS&orderToken=002.tok",
		"/afterpay/return?order=" + strings.Repeat("S", 1000) + "&status=SUCCESS&orderToken=002.tok",
		"/afterpay/return?order=%3Cscript%3E&status=SUCCESS&orderToken=002.tok",
	} {
		e := newEnv(t)
		rec := e.get(target)
		body := requirePage(t, rec, http.StatusBadRequest, "This link is incomplete")
		require.NotContains(t, body, "<script>")
		e.requireNothingReachedTemporal()
	}
}

func TestShopNameAndLinkDefaults(t *testing.T) {
	require.Equal(t, "Blue Bicycle Shop", shopNameFor(" Blue Bicycle Shop ", "https://x.example.com"))
	require.Equal(t, "shop.example.com", shopNameFor("", "https://www.shop.example.com/thanks"))
	require.Equal(t, "the shop", shopNameFor("", ""))
	require.Equal(t, "£12.00 GBP", formatMoney(money.MustNew(1200, "GBP")))
	require.Equal(t, "$0.50 NZD", formatMoney(money.MustNew(50, "NZD")))

	e := newEnv(t, func(o *Options) { o.ShopName, o.ShopReturnURL = "", "" })
	e.answers("SUCCESS", workflows.ReturnOutcome{Outcome: workflows.OutcomePaid, OrderName: "S00043"}).Once()
	rec := e.get(returnURL("SUCCESS"))
	require.Equal(t, http.StatusOK, rec.Code)
	require.Contains(t, rec.Body.String(), "the shop")
	require.NotContains(t, rec.Body.String(), `class="back"`, "no link when no shop URL is known")
}
