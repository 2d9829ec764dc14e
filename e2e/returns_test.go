package e2e

import (
	"context"
	"errors"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"

	"github.com/odoo-afterpay/bridge/internal/shopper"
	"github.com/odoo-afterpay/bridge/workflows"
)

// The customer's return on the real server, where the API sends its update
// straight to the order's workflow and relies on Temporal's answers: the
// validator's refusal of another token, and NotFound for a payment that
// has ended.
func TestCustomerReturnOnTheRealServer(t *testing.T) {
	p := startProduct(t)
	ctx := context.Background()
	get := func(t *testing.T, order, status, token string) (int, string) {
		t.Helper()
		resp, err := http.Get(p.apiURL + "/afterpay/return?order=" + order + "&status=" + status + "&orderToken=" + token)
		require.NoError(t, err)
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		require.NoError(t, err)
		return resp.StatusCode, string(body)
	}

	t.Run("a waiting payment answers its own token and refuses another without a trace", func(t *testing.T) {
		w := p.waitingPayments(t, 1)[0]
		code, body := get(t, w.order, "SUCCESS", w.token)
		require.Equal(t, http.StatusOK, code)
		require.Contains(t, body, "Thank you, your payment is approved")

		code, body = get(t, w.order, "SUCCESS", "002.someoneelse"+p.run)
		require.Equal(t, http.StatusNotFound, code)
		require.Contains(t, body, "We could not find this Afterpay checkout")
		// The validator's refusal leaves nothing in the history: one
		// update (the genuine one), no signal.
		updates, signals := 0, 0
		iter := p.temporal.GetWorkflowHistory(ctx, p.workflowID(w.order), "", false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
		for iter.HasNext() {
			ev, err := iter.Next()
			require.NoError(t, err)
			switch ev.GetEventType() {
			case enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED:
				updates++
			case enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED:
				signals++
			}
		}
		require.Equal(t, 1, updates)
		require.Zero(t, signals)
	})

	t.Run("a declined payment that has ended still shows its outcome", func(t *testing.T) {
		orderID, order := p.quotation(t, true, invoicedOnOrder(2500, 1))
		p.confirm(t, orderID)
		info := p.waitCheckout(t, order)
		_, err := shopper.Checkout(ctx, info.RedirectCheckoutURL, shopper.Decline)
		require.NoError(t, err)
		require.Equal(t, workflows.StatusDeclined, p.result(t, order).Status)
		require.EventuallyWithT(t, func(c *assert.CollectT) {
			desc, err := p.temporal.DescribeWorkflowExecution(ctx, p.workflowID(order), "")
			require.NoError(c, err)
			require.NotEqual(c, enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING, desc.GetWorkflowExecutionInfo().GetStatus())
		}, 30*time.Second, 100*time.Millisecond, "the declined payment's workflow ends")

		// What the API relies on: an update the ended workflow never saw is
		// answered NotFound.
		uctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		_, err = p.temporal.UpdateWorkflow(uctx, client.UpdateWorkflowOptions{
			WorkflowID: p.workflowID(order), UpdateName: workflows.UpdateCustomerReturn, WaitForStage: client.WorkflowUpdateStageAccepted,
			Args: []any{workflows.CustomerReturn{Status: workflows.ReturnCancelled, OrderToken: info.Token}},
		})
		var notFound *serviceerror.NotFound
		require.True(t, errors.As(err, &notFound), "an update to an ended workflow: %T %v", err, err)

		// A return the workflow never answered (CANCELLED, a new update
		// id) and the reload of the one it did both show the outcome.
		for _, status := range []string{"CANCELLED", "SUCCESS"} {
			code, body := get(t, order, status, info.Token)
			require.Equal(t, http.StatusOK, code, status)
			require.Contains(t, body, "Payment declined", status)
		}
		code, body := get(t, order, "SUCCESS", "002.someoneelse"+p.run)
		require.Equal(t, http.StatusNotFound, code)
		require.Contains(t, body, "We could not find this Afterpay checkout")
	})

	t.Run("an order without a payment", func(t *testing.T) {
		code, body := get(t, "NOPAYMENT-"+p.run, "SUCCESS", "002.nosuchtoken")
		require.Equal(t, http.StatusNotFound, code)
		require.Contains(t, body, "We could not find this Afterpay checkout")
	})
}
