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

// checkout answers the storefront (GET /orders/{order}/checkout, with
// Authorization: Bearer <STOREFRONT_API_KEYS>): where to send the customer,
// and where the payment stands.
func (s *server) checkout(c *gin.Context) {
	if !s.storefrontKeyOK(c) {
		return
	}
	ref := c.Param("orderRef")
	if !validOrderName(ref) {
		s.logger(c).Warn("Checkout look-up refused: not an order name", "order", clip(ref))
		s.fail(c, http.StatusNotFound, "no Afterpay payment for this order")
		return
	}
	ctx, cancel := context.WithTimeout(c.Request.Context(), temporalCallBudget)
	defer cancel()
	val, err := s.temporal.QueryWorkflow(ctx, workflows.PaymentWorkflowID(s.opts.Database, ref), "", workflows.QueryCheckout)
	var notFound *serviceerror.NotFound
	if errors.As(err, &notFound) {
		s.fail(c, http.StatusNotFound, "no Afterpay payment for this order")
		return
	}
	if err != nil {
		s.logger(c).Error("Checkout query failed", "order", ref, "error", err)
		c.Header("Retry-After", "2")
		s.fail(c, http.StatusServiceUnavailable, "the payment service is not answering; try again shortly")
		return
	}
	var info workflows.CheckoutInfo
	if err := val.Get(&info); err != nil {
		s.logger(c).Error("Checkout query answer unreadable", "order", ref, "error", err)
		s.fail(c, http.StatusInternalServerError, "internal error")
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
