// Package api is the product's HTTP face: it turns Odoo's automation-rule
// webhooks and Afterpay's customer redirects into workflow starts, signals
// and queries. It holds no state of its own; Temporal does.
package api

import (
	"context"
	"crypto/subtle"
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"

	"github.com/odoo-afterpay/bridge/workflows"
)

// Options configure the API.
type Options struct {
	// Database is the Odoo database; it is part of every workflow ID.
	Database string
	// TaskQueue is where payment workflows run.
	TaskQueue string
	// PublicURL is the API's base URL as customers' browsers reach it.
	PublicURL string
	// WebhookToken authenticates Odoo's automation-rule webhook (?token=).
	WebhookToken string
	// ShopReturnURL, if set, is where customers are sent after Afterpay.
	ShopReturnURL string
	// ConfirmationTimeout bounds each workflow's wait for its order.
	ConfirmationTimeout time.Duration
	// TemporalUIURL and Namespace build Web UI links in responses.
	TemporalUIURL, Namespace string
	Logger                   *slog.Logger
}

// odooWebhookBudget keeps the answer inside Odoo's 1-second webhook timeout.
const odooWebhookBudget = 800 * time.Millisecond

type server struct {
	temporal client.Client
	opts     Options
	log      *slog.Logger
}

// NewHandler returns the API's HTTP handler.
func NewHandler(c client.Client, opts Options) http.Handler {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	gin.SetMode(gin.ReleaseMode)
	s := &server{temporal: c, opts: opts, log: opts.Logger}
	r := gin.New()
	r.Use(gin.Recovery(), s.accessLog)
	r.GET("/healthz", func(c *gin.Context) { c.JSON(http.StatusOK, gin.H{"status": "ok"}) })
	r.POST("/odoo/webhook/order-confirmed", s.orderConfirmed)
	r.POST("/odoo/webhook/credit-note-posted", s.creditNotePosted)
	r.GET("/orders/:orderRef/checkout", s.checkout)
	r.GET("/afterpay/return", s.afterpayReturn)
	return r
}

func (s *server) accessLog(c *gin.Context) {
	start := time.Now()
	c.Next()
	// The query string is left out: it carries the webhook token.
	s.log.Info("HTTP request", "method", c.Request.Method, "path", c.Request.URL.Path,
		"status", c.Writer.Status(), "duration", time.Since(start))
}

// odooWebhook is the JSON Odoo 18's webhook server action posts: the record's
// chosen fields plus _action, _id and _model.
type odooWebhook struct {
	Action string `json:"_action"`
	ID     int64  `json:"_id"`
	Model  string `json:"_model"`
	Name   string `json:"name"`
}

// orderConfirmed starts the order's payment workflow. The body is only a
// hint: Odoo sends it before committing, and the workflow re-reads the order.
func (s *server) orderConfirmed(c *gin.Context) {
	if !s.validWebhookToken(c.Query("token")) {
		c.JSON(http.StatusUnauthorized, gin.H{"error": "missing or wrong webhook token"})
		return
	}
	var hook odooWebhook
	if err := c.ShouldBindJSON(&hook); err != nil {
		c.JSON(http.StatusBadRequest, gin.H{"error": "body is not the JSON of an Odoo webhook: " + err.Error()})
		return
	}
	if hook.Model != "sale.order" {
		c.JSON(http.StatusUnprocessableEntity, gin.H{"error": "expected a sale.order webhook, got _model " + quote(hook.Model)})
		return
	}
	if hook.Name == "" {
		c.JSON(http.StatusUnprocessableEntity, gin.H{"error": "the webhook has no name field: add 'name' to the automation rule's fields"})
		return
	}
	ctx, cancel := context.WithTimeout(c.Request.Context(), odooWebhookBudget)
	defer cancel()
	outcome, run, err := workflows.StartPayment(ctx, s.temporal, s.opts.TaskQueue, s.paymentInput(hook.Name, hook.ID))
	if err != nil {
		s.log.Error("Starting payment workflow failed", "order", hook.Name, "error", err)
		c.JSON(http.StatusServiceUnavailable, gin.H{"error": "could not start the payment workflow; it can be started with `starter start`"})
		return
	}
	s.log.Info("Order confirmed webhook", "order", hook.Name, "outcome", outcome, "workflowId", run.GetID())
	status := http.StatusAccepted
	if outcome != workflows.Started {
		status = http.StatusOK
	}
	c.JSON(status, gin.H{"outcome": outcome, "workflowId": run.GetID(), "runId": run.GetRunID(), "webUI": s.webUILink(run.GetID())})
}

// creditNotePosted receives Odoo's webhook for a posted credit note. Refunds
// are not automated yet, so it tells the operator, loudly, to refund at
// Afterpay by hand, and answers 501 so that Odoo's log shows it too.
func (s *server) creditNotePosted(c *gin.Context) {
	if !s.validWebhookToken(c.Query("token")) {
		c.JSON(http.StatusUnauthorized, gin.H{"error": "missing or wrong webhook token"})
		return
	}
	var hook struct {
		Model  string `json:"_model"`
		ID     int64  `json:"_id"`
		Name   string `json:"name"`
		Origin any    `json:"invoice_origin"`
	}
	if err := c.ShouldBindJSON(&hook); err != nil || hook.Model != "account.move" {
		c.JSON(http.StatusBadRequest, gin.H{"error": "body is not the JSON of an Odoo account.move webhook"})
		return
	}
	s.log.Warn("Credit note posted: refund it in Afterpay by hand; automatic refunds are not implemented yet",
		"creditNote", hook.Name, "moveId", hook.ID, "origin", hook.Origin)
	c.JSON(http.StatusNotImplemented, gin.H{"error": "automatic Afterpay refunds are not implemented yet: refund credit note " + hook.Name + " in Afterpay's merchant portal"})
}

func (s *server) paymentInput(orderName string, orderID int64) workflows.PaymentInput {
	return workflows.PaymentInput{
		Database: s.opts.Database, OrderName: orderName, OrderID: orderID,
		ReturnURL: s.opts.PublicURL + "/afterpay/return", ConfirmationTimeout: s.opts.ConfirmationTimeout,
	}
}

func (s *server) validWebhookToken(got string) bool {
	return s.opts.WebhookToken != "" && subtle.ConstantTimeCompare([]byte(got), []byte(s.opts.WebhookToken)) == 1
}

// checkout answers the storefront: where to send the customer, and where the
// payment stands.
func (s *server) checkout(c *gin.Context) {
	ref := c.Param("orderRef")
	id := workflows.PaymentWorkflowID(s.opts.Database, ref)
	val, err := s.temporal.QueryWorkflow(c.Request.Context(), id, "", workflows.QueryCheckout)
	var notFound *serviceerror.NotFound
	if errors.As(err, &notFound) {
		c.JSON(http.StatusNotFound, gin.H{"error": "no Afterpay payment for order " + ref})
		return
	}
	if err != nil {
		s.log.Error("Checkout query failed", "order", ref, "error", err)
		c.JSON(http.StatusServiceUnavailable, gin.H{"error": "the payment service is not answering; try again shortly"})
		return
	}
	var info workflows.CheckoutInfo
	if err := val.Get(&info); err != nil {
		c.JSON(http.StatusInternalServerError, gin.H{"error": "unreadable checkout state"})
		return
	}
	if info.RedirectCheckoutURL == "" && (info.Status == workflows.StatusAwaitingOrder || info.Status == workflows.StatusCreatingCheckout) {
		c.Header("Retry-After", "1")
		c.JSON(http.StatusAccepted, info)
		return
	}
	c.JSON(http.StatusOK, info)
}

// afterpayReturn receives the customer's browser from Afterpay's checkout
// page and signals the order's workflow.
func (s *server) afterpayReturn(c *gin.Context) {
	status, token, order := c.Query("status"), c.Query("orderToken"), c.Query("order")
	if (status != workflows.ReturnSuccess && status != workflows.ReturnCancelled) || token == "" {
		s.page(c, http.StatusBadRequest, "This link is incomplete", "The return link from Afterpay is missing its status or order token.")
		return
	}
	id, ok := s.workflowForToken(c.Request.Context(), order, token)
	if !ok {
		s.page(c, http.StatusNotFound, "We could not find this Afterpay checkout",
			"The checkout link is unknown or has been replaced. If you were charged, please contact the shop with your order number.")
		return
	}
	err := s.temporal.SignalWorkflow(c.Request.Context(), id, "", workflows.SignalCustomerReturn,
		workflows.CustomerReturn{Status: status, OrderToken: token})
	if err != nil {
		s.log.Error("Signalling customer return failed", "workflowId", id, "error", err)
		s.page(c, http.StatusServiceUnavailable, "Please try again", "We could not record your return from Afterpay just now. Reload this page in a moment.")
		return
	}
	if s.opts.ShopReturnURL != "" {
		c.Redirect(http.StatusSeeOther, s.shopReturnURL(order, status))
		return
	}
	if status == workflows.ReturnCancelled {
		s.page(c, http.StatusOK, "Payment cancelled", "You cancelled the Afterpay payment for order "+order+". Nothing was charged.")
		return
	}
	s.page(c, http.StatusOK, "Thank you", "Your Afterpay payment for order "+order+" is being confirmed. You will receive your instalment plan by email.")
}

// workflowForToken finds the payment workflow a checkout token belongs to.
// It reads the workflow's own search attributes (consistent, and answered
// without a worker); only a return link without the order falls back to a
// visibility query.
func (s *server) workflowForToken(ctx context.Context, order, token string) (string, bool) {
	if order != "" {
		id := workflows.PaymentWorkflowID(s.opts.Database, order)
		desc, err := s.temporal.DescribeWorkflowExecution(ctx, id, "")
		if err != nil {
			return "", false
		}
		got, _ := workflows.KeywordAttribute(desc.GetWorkflowExecutionInfo().GetSearchAttributes().GetIndexedFields(), workflows.AfterpayTokenKey.GetName())
		return id, got == token && desc.GetWorkflowExecutionInfo().GetStatus() == enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING
	}
	resp, err := s.temporal.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{
		Query:    workflows.AfterpayTokenKey.GetName() + ` = "` + strings.ReplaceAll(token, `"`, ``) + `" AND ExecutionStatus = "Running"`,
		PageSize: 1,
	})
	if err != nil || len(resp.GetExecutions()) == 0 {
		return "", false
	}
	return resp.GetExecutions()[0].GetExecution().GetWorkflowId(), true
}

func (s *server) shopReturnURL(order, status string) string {
	u, err := url.Parse(s.opts.ShopReturnURL)
	if err != nil {
		return s.opts.ShopReturnURL
	}
	q := u.Query()
	q.Set("order", order)
	q.Set("status", status)
	u.RawQuery = q.Encode()
	return u.String()
}

func (s *server) webUILink(workflowID string) string {
	if s.opts.TemporalUIURL == "" {
		return ""
	}
	return WebUILink(s.opts.TemporalUIURL, s.opts.Namespace, workflowID)
}

// WebUILink is the Temporal Web UI page of a workflow.
func WebUILink(uiURL, namespace, workflowID string) string {
	return uiURL + "/namespaces/" + url.PathEscape(namespace) + "/workflows/" + url.PathEscape(workflowID)
}

func quote(s string) string { return `"` + s + `"` }
