package api

import (
	"net/http"
	"net/http/httptest"
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
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/mocks"

	"github.com/odoo-afterpay/bridge/workflows"
)

const token = "0123456789abcdef-token"

func newAPI(t *testing.T) (*mocks.Client, http.Handler) {
	c := mocks.NewClient(t)
	return c, NewHandler(c, Options{
		Database: "prod", TaskQueue: "payments", PublicURL: "https://pay.example.com", WebhookToken: token,
		ConfirmationTimeout: time.Minute, TemporalUIURL: "http://ui", Namespace: "default",
	})
}

func do(h http.Handler, method, target, body string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, target, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

// webhook is the body real Odoo 18 posts (keys sorted, Python separators).
const webhook = `{"_action": "Send Webhook Notification(#396)", "_id": 42, "_model": "sale.order", "amount_total": 92.0, "currency_id": 1, "id": 42, "name": "S00043", "partner_id": 42, "state": "sale"}`

func run(t *testing.T, id string) *mocks.WorkflowRun {
	r := mocks.NewWorkflowRun(t)
	r.On("GetID").Return(id).Maybe()
	r.On("GetRunID").Return("run-1").Maybe()
	return r
}

func TestWebhookRejectsWrongToken(t *testing.T) {
	_, h := newAPI(t) // the mock fails the test on any Temporal call
	for _, target := range []string{"/odoo/webhook/order-confirmed", "/odoo/webhook/order-confirmed?token=nope"} {
		rec := do(h, http.MethodPost, target, webhook)
		require.Equal(t, http.StatusUnauthorized, rec.Code, target)
	}
}

func TestWebhookRejectsOtherModelsAndBadBodies(t *testing.T) {
	_, h := newAPI(t)
	rec := do(h, http.MethodPost, "/odoo/webhook/order-confirmed?token="+token, `{"_model": "account.move", "_id": 1, "name": "INV/1"}`)
	require.Equal(t, http.StatusUnprocessableEntity, rec.Code)
	rec = do(h, http.MethodPost, "/odoo/webhook/order-confirmed?token="+token, `{"_model": "sale.order", "_id": 1}`)
	require.Equal(t, http.StatusUnprocessableEntity, rec.Code)
	require.Contains(t, rec.Body.String(), "add 'name'")
	rec = do(h, http.MethodPost, "/odoo/webhook/order-confirmed?token="+token, `not json`)
	require.Equal(t, http.StatusBadRequest, rec.Code)
}

func TestWebhookStartsWorkflow(t *testing.T) {
	c, h := newAPI(t)
	id := "afterpay-payment:prod:S00043"
	c.On("ExecuteWorkflow", mock.Anything, mock.MatchedBy(func(o client.StartWorkflowOptions) bool {
		return o.ID == id && o.TaskQueue == "payments" &&
			o.WorkflowIDReusePolicy == enumspb.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE &&
			o.WorkflowIDConflictPolicy == enumspb.WORKFLOW_ID_CONFLICT_POLICY_FAIL && o.WorkflowExecutionErrorWhenAlreadyStarted
	}), workflows.PaymentWorkflowName, workflows.PaymentInput{
		Database: "prod", OrderName: "S00043", OrderID: 42, ReturnURL: "https://pay.example.com/afterpay/return", ConfirmationTimeout: time.Minute,
	}).Return(run(t, id), nil).Once()
	rec := do(h, http.MethodPost, "/odoo/webhook/order-confirmed?token="+token, webhook)
	require.Equal(t, http.StatusAccepted, rec.Code, rec.Body.String())
	require.Contains(t, rec.Body.String(), `"outcome":"started"`)
	require.Contains(t, rec.Body.String(), "http://ui/namespaces/default/workflows/afterpay-payment:prod:S00043")
}

func describe(status enumspb.WorkflowExecutionStatus, attrs map[string]string) *workflowservice.DescribeWorkflowExecutionResponse {
	fields := map[string]*commonpb.Payload{}
	for k, v := range attrs {
		p, _ := converter.GetDefaultDataConverter().ToPayload(v)
		fields[k] = p
	}
	return &workflowservice.DescribeWorkflowExecutionResponse{WorkflowExecutionInfo: &workflowpb.WorkflowExecutionInfo{
		Execution:        &commonpb.WorkflowExecution{WorkflowId: "w", RunId: "run-0"},
		Status:           status,
		SearchAttributes: &commonpb.SearchAttributes{IndexedFields: fields},
	}}
}

func TestDuplicateWebhookIsANoOp(t *testing.T) {
	tests := []struct {
		name    string
		status  enumspb.WorkflowExecutionStatus
		payment string
		want    string
	}{
		{"running", enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING, "awaiting_customer", "already_running"},
		{"paid", enumspb.WORKFLOW_EXECUTION_STATUS_COMPLETED, "completed", "already_done"},
		{"needs attention", enumspb.WORKFLOW_EXECUTION_STATUS_COMPLETED, "needs_attention", "already_done"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, h := newAPI(t)
			id := "afterpay-payment:prod:S00043"
			c.On("ExecuteWorkflow", mock.Anything, mock.Anything, mock.Anything, mock.Anything).
				Return(nil, serviceerror.NewWorkflowExecutionAlreadyStarted("exists", "", "run-0")).Once()
			c.On("DescribeWorkflowExecution", mock.Anything, id, "").Return(describe(tt.status, map[string]string{"PaymentStatus": tt.payment}), nil).Once()
			c.On("GetWorkflow", mock.Anything, id, "run-0").Return(run(t, id)).Once()
			rec := do(h, http.MethodPost, "/odoo/webhook/order-confirmed?token="+token, webhook)
			require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
			require.Contains(t, rec.Body.String(), `"outcome":"`+tt.want+`"`)
		})
	}
}

func TestReconfirmationAfterRollbackStartsAgain(t *testing.T) {
	c, h := newAPI(t)
	id := "afterpay-payment:prod:S00043"
	c.On("ExecuteWorkflow", mock.Anything, mock.MatchedBy(func(o client.StartWorkflowOptions) bool {
		return o.WorkflowIDReusePolicy == enumspb.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE
	}), mock.Anything, mock.Anything).Return(nil, serviceerror.NewWorkflowExecutionAlreadyStarted("exists", "", "run-0")).Once()
	c.On("DescribeWorkflowExecution", mock.Anything, id, "").Return(describe(enumspb.WORKFLOW_EXECUTION_STATUS_COMPLETED,
		map[string]string{"PaymentStatus": "order_not_confirmed"}), nil).Once()
	c.On("GetWorkflow", mock.Anything, id, "run-0").Return(run(t, id)).Once()
	c.On("ExecuteWorkflow", mock.Anything, mock.MatchedBy(func(o client.StartWorkflowOptions) bool {
		return o.WorkflowIDReusePolicy == enumspb.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE
	}), mock.Anything, mock.Anything).Return(run(t, id), nil).Once()
	rec := do(h, http.MethodPost, "/odoo/webhook/order-confirmed?token="+token, webhook)
	require.Equal(t, http.StatusAccepted, rec.Code, rec.Body.String())
}

func TestReturnSignalsTheOrdersWorkflow(t *testing.T) {
	c, h := newAPI(t)
	id := "afterpay-payment:prod:S00043"
	c.On("DescribeWorkflowExecution", mock.Anything, id, "").Return(describe(enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING,
		map[string]string{"AfterpayToken": "002.tok"}), nil)
	c.On("SignalWorkflow", mock.Anything, id, "", workflows.SignalCustomerReturn,
		workflows.CustomerReturn{Status: "SUCCESS", OrderToken: "002.tok"}).Return(nil).Once()
	rec := do(h, http.MethodGet, "/afterpay/return?order=S00043&status=SUCCESS&orderToken=002.tok", "")
	require.Equal(t, http.StatusOK, rec.Code)
	require.Contains(t, rec.Body.String(), "Thank you")
	require.Equal(t, "text/html; charset=utf-8", rec.Header().Get("Content-Type"))
}

func TestReturnWithUnknownTokenSignalsNothing(t *testing.T) {
	c, h := newAPI(t)
	id := "afterpay-payment:prod:S00043"
	c.On("DescribeWorkflowExecution", mock.Anything, id, "").Return(describe(enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING,
		map[string]string{"AfterpayToken": "002.real"}), nil)
	rec := do(h, http.MethodGet, "/afterpay/return?order=S00043&status=SUCCESS&orderToken=002.forged", "")
	require.Equal(t, http.StatusNotFound, rec.Code)
	require.Contains(t, rec.Body.String(), "We could not find this Afterpay checkout")

	c.On("DescribeWorkflowExecution", mock.Anything, "afterpay-payment:prod:S99999", "").Return(nil, serviceerror.NewNotFound("no"))
	rec = do(h, http.MethodGet, "/afterpay/return?order=S99999&status=SUCCESS&orderToken=002.real", "")
	require.Equal(t, http.StatusNotFound, rec.Code)

	rec = do(h, http.MethodGet, "/afterpay/return?order=S00043&status=MAYBE&orderToken=002.real", "")
	require.Equal(t, http.StatusBadRequest, rec.Code)
}

func TestReturnRedirectsToShopWhenConfigured(t *testing.T) {
	c := mocks.NewClient(t)
	h := NewHandler(c, Options{Database: "prod", WebhookToken: token, ShopReturnURL: "https://shop.example.com/thanks?from=afterpay"})
	id := "afterpay-payment:prod:S00043"
	c.On("DescribeWorkflowExecution", mock.Anything, id, "").Return(describe(enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING,
		map[string]string{"AfterpayToken": "002.tok"}), nil)
	c.On("SignalWorkflow", mock.Anything, id, "", workflows.SignalCustomerReturn, mock.Anything).Return(nil).Once()
	rec := do(h, http.MethodGet, "/afterpay/return?order=S00043&status=CANCELLED&orderToken=002.tok", "")
	require.Equal(t, http.StatusSeeOther, rec.Code)
	require.Equal(t, "https://shop.example.com/thanks?from=afterpay&order=S00043&status=CANCELLED", rec.Header().Get("Location"))
}

func TestCheckoutOfUnknownOrderIs404(t *testing.T) {
	c, h := newAPI(t)
	c.On("QueryWorkflow", mock.Anything, "afterpay-payment:prod:S1", "", workflows.QueryCheckout).Return(nil, serviceerror.NewNotFound("no"))
	rec := do(h, http.MethodGet, "/orders/S1/checkout", "")
	require.Equal(t, http.StatusNotFound, rec.Code)
}

func TestCreditNoteWebhookIsAuthenticatedAndAnsweredHonestly(t *testing.T) {
	_, h := newAPI(t)
	body := `{"_action": "Afterpay: credit note posted(#2)", "_id": 9, "_model": "account.move", "id": 9, "invoice_origin": "S00043", "move_type": "out_refund", "name": "RINV/2026/00001", "state": "posted"}`
	require.Equal(t, http.StatusUnauthorized, do(h, http.MethodPost, "/odoo/webhook/credit-note-posted?token=nope", body).Code)
	rec := do(h, http.MethodPost, "/odoo/webhook/credit-note-posted?token="+token, body)
	require.Equal(t, http.StatusNotImplemented, rec.Code)
	require.Contains(t, rec.Body.String(), "RINV/2026/00001")
}
