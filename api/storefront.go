package api

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"go.temporal.io/api/serviceerror"

	"github.com/odoo-afterpay/bridge/money"
	"github.com/odoo-afterpay/bridge/workflows"
)

// storefrontCheckout is what the storefront learns of an order's payment:
// where to send the customer and where the payment stands. It carries no
// reason, no internal id and nothing about the worker.
type storefrontCheckout struct {
	OrderName           string           `json:"orderName"`
	Status              workflows.Status `json:"status"`
	RedirectCheckoutURL string           `json:"redirectCheckoutUrl,omitempty"`
	Token               string           `json:"token,omitempty"`
	Expires             time.Time        `json:"expires,omitzero"`
	Amount              *money.Money     `json:"amount,omitempty"`
}

// storefrontKeyOK checks the Bearer API key against the configured keys.
func (s *server) storefrontKeyOK(c *gin.Context) bool {
	c.Header("WWW-Authenticate", `Bearer realm="storefront"`)
	scheme, key, found := strings.Cut(c.GetHeader("Authorization"), " ")
	if !found || !strings.EqualFold(scheme, "Bearer") || key == "" || len(s.storefront) == 0 {
		s.authFailed(c, "storefront API key", "missing")
		return false
	}
	if matchSecret(strings.TrimSpace(key), s.storefront) < 0 {
		s.authFailed(c, "storefront API key", "wrong")
		return false
	}
	c.Writer.Header().Del("WWW-Authenticate")
	return true
}

// storefrontQuery checks the storefront's key and the order's name, then
// asks the order's payment workflow the query and decodes its answer into
// out. It answers the request itself on any problem: 401 without a valid
// key, 404 for a name that is no order's or an order without a payment
// (for the configured database), 503 when Temporal does not answer.
func (s *server) storefrontQuery(c *gin.Context, what, queryType string, out any) bool {
	if !s.storefrontKeyOK(c) {
		return false
	}
	ref := c.Param("orderRef")
	if !validOrderName(ref) {
		s.logger(c).Warn(what+" look-up refused: not an order name", "order", clip(ref))
		s.fail(c, http.StatusNotFound, "no Afterpay payment for this order")
		return false
	}
	ctx, cancel := context.WithTimeout(c.Request.Context(), temporalCallBudget)
	defer cancel()
	val, err := s.temporal.QueryWorkflow(ctx, workflows.PaymentWorkflowID(s.opts.Database, ref), "", queryType)
	var notFound *serviceerror.NotFound
	if errors.As(err, &notFound) {
		s.fail(c, http.StatusNotFound, "no Afterpay payment for this order")
		return false
	}
	if err != nil {
		s.logger(c).Error(what+" query failed", "order", ref, "error", err)
		c.Header("Retry-After", "2")
		s.fail(c, http.StatusServiceUnavailable, "the payment service is not answering; try again shortly")
		return false
	}
	if err := val.Get(out); err != nil {
		s.logger(c).Error(what+" query answer unreadable", "order", ref, "error", err)
		s.fail(c, http.StatusInternalServerError, "internal error")
		return false
	}
	return true
}

// checkout answers the storefront (GET /orders/{order}/checkout, with
// Authorization: Bearer <STOREFRONT_API_KEYS>): where to send the customer,
// and where the payment stands.
func (s *server) checkout(c *gin.Context) {
	var info workflows.CheckoutInfo
	if !s.storefrontQuery(c, "Checkout", workflows.QueryCheckout, &info) {
		return
	}
	out := storefrontCheckout{
		OrderName: info.OrderName, Status: info.Status, RedirectCheckoutURL: info.RedirectCheckoutURL,
		Token: info.Token, Expires: info.Expires, Amount: info.Amount,
	}
	if info.RedirectCheckoutURL == "" && (info.Status == workflows.StatusAwaitingOrder || info.Status == workflows.StatusCreatingCheckout) {
		c.Header("Retry-After", "1")
		c.JSON(http.StatusAccepted, out)
		return
	}
	c.JSON(http.StatusOK, out)
}

// orderStatus answers GET /orders/{order} (the same Bearer key): the
// payment's whole state, the workflow's StatusView (workflows.QueryStatus):
// phase and status, the amounts authorised, captured, refunded, voided and
// held, credit notes, what it waits for and whether it needs attention.
func (s *server) orderStatus(c *gin.Context) {
	var view workflows.StatusView
	if !s.storefrontQuery(c, "Status", workflows.QueryStatus, &view) {
		return
	}
	c.JSON(http.StatusOK, view)
}
