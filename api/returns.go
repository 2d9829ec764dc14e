package api

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"log/slog"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"github.com/odoo-afterpay/bridge/workflows"
)

// The customer's return from Afterpay (GET /afterpay/return?order=…&status=
// SUCCESS|CANCELLED&orderToken=…) is a redirect anyone can forge, so it is
// never proof of anything: it hands the workflow the customer's answer as an
// update, whose validator turns away any token but the payment's own
// (nothing reaches the history), and whose handler answers the payment's
// outcome once the workflow knows it. The page shows that outcome: paid,
// declined, cancelled, expired, not completed, or still being confirmed (a
// page that reloads itself). The update's id comes from the token and the
// status, so a reload gets the same answer; once the payment has ended, a
// reload reads the outcome from the finished workflow instead.

// returnResult is what the return page shows.
type returnResult int

const (
	returnOutcome     returnResult = iota // the outcome (pending included)
	returnNotFound                        // no such checkout, or not this payment's token: 404
	returnUnavailable                     // Temporal could not be asked: 503, try again
)

// afterpayReturn receives the customer's browser from Afterpay's checkout
// page.
func (s *server) afterpayReturn(c *gin.Context) {
	q := c.Request.URL.Query()
	status, token, order := q.Get("status"), q.Get("orderToken"), q.Get("order")
	if (status != workflows.ReturnSuccess && status != workflows.ReturnCancelled) || !validToken(token) || (order != "" && !validOrderName(order)) {
		s.logger(c).Warn("Afterpay return refused: incomplete link", "status", clip(status), "order", clip(order), "tokenValid", validToken(token))
		s.page(c, http.StatusBadRequest, pageData{
			Title:      "This link is incomplete",
			Paragraphs: []string{"The link back from Afterpay is missing its status or checkout token. Please go back to the shop and try again."},
			ShopURL:    s.shopLink(order, "", ""),
		})
		return
	}
	log := s.logger(c).With("order", order, "status", status)
	result, out := s.returnOutcome(c.Request.Context(), log, order, token, status)
	switch result {
	case returnNotFound:
		s.page(c, http.StatusNotFound, pageData{
			Title: "We could not find this Afterpay checkout",
			Paragraphs: []string{"This link does not belong to a checkout we know, or the checkout was replaced by a newer one. " +
				"If you were charged, please contact the shop with your order number."},
			ShopURL: s.shopLink(order, status, ""),
		})
	case returnUnavailable:
		c.Header("Retry-After", "5")
		s.page(c, http.StatusServiceUnavailable, pageData{
			Title: "Please try again in a moment",
			Paragraphs: []string{"We could not check your payment just now. Nothing is lost: Afterpay keeps your answer. " +
				"Please reload this page in a moment."},
			RefreshURL: c.Request.URL.RequestURI(),
		})
	default:
		if out.OrderName == "" {
			out.OrderName = order
		}
		log.Info("Afterpay return answered", "outcome", out.Outcome)
		s.outcomePage(c, out, status)
	}
}

// returnUpdateID is the update id of a customer's return: the same token and
// status always make the same id, so a reload joins the first update.
func returnUpdateID(token, status string) string {
	sum := sha256.Sum256([]byte(token + "\n" + status))
	return "customer-return-" + hex.EncodeToString(sum[:16])
}

// returnOutcome asks the workflow what the customer's return page shows.
// The usual return costs one call: the update goes straight to the order's
// workflow (its current run), whose validator is the token check. Only a
// refusal, a workflow that is missing or has ended, or an update nobody
// took in time, take the slower paths that look the payment up.
func (s *server) returnOutcome(ctx context.Context, log *slog.Logger, order, token, status string) (returnResult, workflows.ReturnOutcome) {
	var id string
	if order != "" {
		id = workflows.PaymentWorkflowID(s.opts.Database, order)
	} else {
		// A return link without the order (from an old checkout): find the
		// payment by its token.
		found, _, err := s.findByToken(ctx, token, "")
		if err != nil {
			log.Error("Finding a checkout by token failed", "error", err)
			return returnUnavailable, workflows.ReturnOutcome{}
		}
		if found == "" {
			log.Warn("Afterpay return for an unknown checkout token")
			return returnNotFound, workflows.ReturnOutcome{}
		}
		id = found
	}
	return s.updateOutcome(ctx, log, id, token, status)
}

// updateOutcome hands the return to the workflow's current run and waits a
// few seconds for its answer.
func (s *server) updateOutcome(ctx context.Context, log *slog.Logger, id, token, status string) (returnResult, workflows.ReturnOutcome) {
	uctx, cancel := context.WithTimeout(ctx, s.returnWait)
	defer cancel()
	handle, err := s.temporal.UpdateWorkflow(uctx, client.UpdateWorkflowOptions{
		WorkflowID: id, UpdateID: returnUpdateID(token, status), UpdateName: workflows.UpdateCustomerReturn,
		Args:         []any{workflows.CustomerReturn{Status: status, OrderToken: token}},
		WaitForStage: client.WorkflowUpdateStageAccepted,
	})
	var timeout *client.WorkflowUpdateServiceTimeoutOrCanceledError
	switch {
	case err == nil:
	case isNotFound(err):
		// No such workflow, or its current run has ended: Temporal answers
		// NotFound ("workflow execution already completed") to an update
		// it had not seen before the end.
		return s.describedOutcome(ctx, log, id, token)
	case errors.As(err, &timeout), uctx.Err() != nil:
		// Not accepted in time: no worker has taken it yet, or Temporal
		// cannot be reached (the SDK retries until the deadline, so both
		// look alike here). The description tells which.
		if ctx.Err() != nil {
			log.Info("The customer left before the payment workflow answered")
			return returnUnavailable, workflows.ReturnOutcome{}
		}
		return s.describedOutcome(ctx, log, id, token)
	default:
		log.Error("Handing the customer's return to the payment workflow failed", "workflowId", id, "error", err)
		return returnUnavailable, workflows.ReturnOutcome{}
	}
	runID := handle.RunID()
	var out workflows.ReturnOutcome
	err = handle.Get(uctx, &out)
	var appErr *temporal.ApplicationError
	switch {
	case err == nil:
	case errors.As(err, &appErr):
		// The validator turned it away: not the current checkout's token,
		// perhaps an earlier run's.
		log.Info("Afterpay return refused by the payment workflow", "reason", clip(appErr.Error()))
		return s.earlierRunOutcome(ctx, log, id, runID, token)
	case isNotFound(err):
		// The payment ended meanwhile.
		return s.closedOutcome(ctx, log, id, runID, "")
	case errors.As(err, &timeout), errors.Is(err, context.DeadlineExceeded), uctx.Err() != nil && ctx.Err() == nil:
		log.Info("The payment workflow has not answered yet; the page will ask again")
		return returnOutcome, workflows.ReturnOutcome{Outcome: workflows.OutcomePending}
	default:
		log.Error("Handing the customer's return to the payment workflow failed", "workflowId", id, "error", err)
		return returnUnavailable, workflows.ReturnOutcome{}
	}
	if out.Outcome == workflows.OutcomePending || out.Outcome == "" {
		// The first answer of this update id was "pending"; where does the
		// payment stand now?
		if now, ok := s.queryOutcome(ctx, id, runID); ok && now.Outcome != workflows.OutcomePending {
			return returnOutcome, now
		}
		// A reload joins the update's first answer even after the run
		// ended; an ended payment is pending no more.
		if closed, st := s.runClosed(ctx, id, runID); closed {
			return s.closedOutcome(ctx, log, id, runID, st)
		}
		out.Outcome = workflows.OutcomePending
	}
	return returnOutcome, out
}

// describedOutcome is the slow path, for a return the update could not
// answer: the workflow's description says whether it exists, which
// checkout its latest run has, and whether that run has ended.
func (s *server) describedOutcome(ctx context.Context, log *slog.Logger, id, token string) (returnResult, workflows.ReturnOutcome) {
	dctx, cancel := context.WithTimeout(ctx, temporalCallBudget)
	desc, err := s.temporal.DescribeWorkflowExecution(dctx, id, "")
	cancel()
	if isNotFound(err) {
		log.Warn("Afterpay return for an order without a payment")
		return returnNotFound, workflows.ReturnOutcome{}
	}
	if err != nil {
		log.Error("Describing the payment workflow failed", "workflowId", id, "error", err)
		return returnUnavailable, workflows.ReturnOutcome{}
	}
	info := desc.GetWorkflowExecutionInfo()
	runID := info.GetExecution().GetRunId()
	fields := info.GetSearchAttributes().GetIndexedFields()
	current, _ := workflows.KeywordAttribute(fields, workflows.AfterpayTokenKey.GetName())
	if current != "" && current != token {
		return s.earlierRunOutcome(ctx, log, id, runID, token)
	}
	if info.GetStatus() == enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING {
		// Running, yet the update was not taken: no worker has picked it
		// up, or the run began after the update looked. The page asks
		// again.
		log.Info("The payment workflow has not taken the return yet; the page will ask again")
		return returnOutcome, workflows.ReturnOutcome{Outcome: workflows.OutcomePending}
	}
	if current == "" {
		log.Warn("Afterpay return for a payment that never had a checkout")
		return returnNotFound, workflows.ReturnOutcome{}
	}
	status, _ := workflows.KeywordAttribute(fields, workflows.PaymentStatusKey.GetName())
	return s.closedOutcome(ctx, log, id, runID, workflows.Status(status))
}

// earlierRunOutcome answers a token that is not the current run's (run):
// an earlier run's, whose outcome a reload should still show, or none.
func (s *server) earlierRunOutcome(ctx context.Context, log *slog.Logger, id, run, token string) (returnResult, workflows.ReturnOutcome) {
	_, earlier, err := s.findByToken(ctx, token, id)
	if err != nil {
		log.Error("Finding a checkout by token failed", "error", err)
		return returnUnavailable, workflows.ReturnOutcome{}
	}
	if earlier == "" || earlier == run {
		log.Warn("Afterpay return with a token that is not this payment's")
		return returnNotFound, workflows.ReturnOutcome{}
	}
	return s.closedOutcome(ctx, log, id, earlier, "")
}

// runClosed reports whether the run has ended, and its PaymentStatus. An
// error counts as running: the page asks again.
func (s *server) runClosed(ctx context.Context, id, runID string) (bool, workflows.Status) {
	dctx, cancel := context.WithTimeout(ctx, temporalCallBudget)
	defer cancel()
	desc, err := s.temporal.DescribeWorkflowExecution(dctx, id, runID)
	if err != nil {
		return false, ""
	}
	info := desc.GetWorkflowExecutionInfo()
	if info.GetStatus() == enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING {
		return false, ""
	}
	st, _ := workflows.KeywordAttribute(info.GetSearchAttributes().GetIndexedFields(), workflows.PaymentStatusKey.GetName())
	return true, workflows.Status(st)
}

// closedOutcome is the outcome of a payment that has ended: from its
// checkout query (which needs a worker), else from its PaymentStatus.
func (s *server) closedOutcome(ctx context.Context, log *slog.Logger, id, runID string, status workflows.Status) (returnResult, workflows.ReturnOutcome) {
	out, ok := s.queryOutcome(ctx, id, runID)
	if !ok {
		if status == "" {
			desc, err := s.temporal.DescribeWorkflowExecution(ctx, id, runID)
			if err != nil {
				log.Error("Reading a finished payment failed", "workflowId", id, "error", err)
				return returnUnavailable, workflows.ReturnOutcome{}
			}
			st, _ := workflows.KeywordAttribute(desc.GetWorkflowExecutionInfo().GetSearchAttributes().GetIndexedFields(), workflows.PaymentStatusKey.GetName())
			status = workflows.Status(st)
		}
		out = workflows.ReturnOutcome{Outcome: outcomeOf(status, false)}
	}
	if out.Outcome == workflows.OutcomePending {
		// It has ended, so it is pending no more: nothing the customer's
		// page can describe (e.g. the order could not be paid).
		out.Outcome = outcomeClosed
	}
	return returnOutcome, out
}

// queryOutcome asks the workflow (running or ended) where the payment
// stands.
func (s *server) queryOutcome(ctx context.Context, id, runID string) (workflows.ReturnOutcome, bool) {
	qctx, cancel := context.WithTimeout(ctx, temporalCallBudget)
	defer cancel()
	val, err := s.temporal.QueryWorkflow(qctx, id, runID, workflows.QueryCheckout)
	if err != nil {
		return workflows.ReturnOutcome{}, false
	}
	var info workflows.CheckoutInfo
	if err := val.Get(&info); err != nil {
		return workflows.ReturnOutcome{}, false
	}
	outcome := info.Outcome
	if outcome == "" { // a payment from before the workflow said so itself
		outcome = outcomeOf(info.Status, info.AfterpayOrderID != "")
	}
	return workflows.ReturnOutcome{Outcome: outcome, OrderName: info.OrderName, Amount: info.Amount}, true
}

// outcomeOf is what a return page says of a payment status, when only the
// status is known (no worker to answer a query, or an older payment); the
// workflow's own answer (CheckoutInfo.Outcome) is preferred.
func outcomeOf(status workflows.Status, captured bool) workflows.ReturnOutcomeKind {
	switch status {
	case workflows.StatusRecording, workflows.StatusCompleted:
		return workflows.OutcomePaid
	case workflows.StatusNeedsAttention:
		if captured {
			return workflows.OutcomePaid
		}
	case workflows.StatusDeclined:
		return workflows.OutcomeDeclined
	case workflows.StatusExpired:
		return workflows.OutcomeExpired
	case workflows.StatusCompensating, workflows.StatusCompensated:
		return workflows.OutcomeNotCompleted
	}
	return workflows.OutcomePending
}

// findByToken finds the payment workflow (of this database) a checkout token
// belongs to, in any state, through Temporal's visibility. With id, only
// that workflow's runs are searched. It returns the workflow and run id, or
// empty strings.
func (s *server) findByToken(ctx context.Context, token, id string) (string, string, error) {
	query := workflows.AfterpayTokenKey.GetName() + ` = "` + token + `"`
	if id != "" {
		query += ` AND WorkflowId = "` + strings.ReplaceAll(id, `"`, ``) + `"`
	}
	lctx, cancel := context.WithTimeout(ctx, temporalCallBudget)
	defer cancel()
	resp, err := s.temporal.ListWorkflow(lctx, &workflowservice.ListWorkflowExecutionsRequest{Query: query, PageSize: 10})
	if err != nil {
		return "", "", err
	}
	prefix := workflows.PaymentWorkflowID(s.opts.Database, "")
	for _, e := range resp.GetExecutions() {
		if wid := e.GetExecution().GetWorkflowId(); strings.HasPrefix(wid, prefix) {
			return wid, e.GetExecution().GetRunId(), nil
		}
	}
	return "", "", nil
}

func isNotFound(err error) bool {
	var nf *serviceerror.NotFound
	return errors.As(err, &nf)
}
