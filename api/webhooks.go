package api

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"
	"go.temporal.io/api/serviceerror"

	"github.com/odoo-afterpay/bridge/afterpay/webhooksig"
	"github.com/odoo-afterpay/bridge/workflows"
)

// Afterpay's signed webhooks. Each is checked in this order, and the first
// failure answers:
//  1. the source is not blocked, within its rate, the body announced small;
//  2. a secret is configured (else 503: Afterpay retries, the log says why);
//  3. both signature headers present and the date at most 5 minutes old and
//     at most a minute ahead (else 401) — all before the body is read;
//  4. the content type is JSON (415), the body at most 64 KiB (413);
//  5. the signature over the destination URL, the date and the raw body,
//     compared in constant time with each secret (401) — before the body is
//     parsed;
//  6. the body parses (400) with a known event type (422) and every field
//     it needs (422);
//  7. an event id accepted in the last 6 minutes is acknowledged (200) and
//     not signalled again;
//  8. the payment's workflow is signalled. A payment event whose workflow is
//     not running yet starts it (signal-with-start; a finished payment is
//     never revived). A dispute only ever follows a captured payment, so its
//     workflow is only signalled, never started: starting one for an order
//     whose history Temporal no longer keeps would ask the customer to pay
//     again. 200 only once Temporal has taken the signal; 503 if it could
//     not, so that the sender retries.

type hookKind int

const (
	disputeHook hookKind = iota
	notificationHook
)

func (k hookKind) String() string {
	if k == disputeHook {
		return "dispute webhook"
	}
	return "payment-event webhook"
}

// webhookVerification answers the registration handshake:
// GET /afterpay/webhook/verification?challenge=… echoes the challenge as
// text, so whoever registers the URL sees that it reaches this API.
func (s *server) webhookVerification(c *gin.Context) {
	challenge := c.Query("challenge")
	if !validID(challenge, 256, "._~-") {
		s.fail(c, http.StatusBadRequest, "challenge must be 1 to 256 letters, digits or . _ ~ -")
		return
	}
	c.Data(http.StatusOK, "text/plain; charset=utf-8", []byte(challenge))
}

// destinationURL is the URL the sender posted to, as it signed it.
func (s *server) destinationURL(c *gin.Context) string {
	u := s.opts.PublicURL + c.Request.URL.EscapedPath()
	if c.Request.URL.RawQuery != "" {
		u += "?" + c.Request.URL.RawQuery
	}
	return u
}

func (s *server) afterpayWebhook(kind hookKind) gin.HandlerFunc {
	return func(c *gin.Context) {
		log := s.logger(c).With("webhook", kind.String())
		date, signature := c.GetHeader(webhooksig.HeaderDate), c.GetHeader(webhooksig.HeaderSignature)
		switch err := s.verifier.CheckDate(date, signature); {
		case errors.Is(err, webhooksig.ErrNoSecret):
			log.Error("Afterpay webhook refused: AFTERPAY_WEBHOOK_SECRET is not set")
			s.fail(c, http.StatusServiceUnavailable, "webhooks are not configured")
			return
		case err != nil:
			s.authFailed(c, "afterpay webhook signature", err.Error())
			return
		}
		body, ok := s.readJSON(c)
		if !ok {
			return
		}
		if err := s.verifier.Verify(s.destinationURL(c), date, signature, body); err != nil {
			s.authFailed(c, "afterpay webhook signature", err.Error())
			return
		}
		if kind == disputeHook {
			s.disputeWebhook(c, log, body)
		} else {
			s.paymentEventWebhook(c, log, body)
		}
	}
}

// refuseBody answers a signed body that does not parse or is incomplete.
func (s *server) refuseBody(c *gin.Context, log *slog.Logger, err error) {
	log.Warn("Afterpay webhook refused", "error", clip(err.Error()))
	switch {
	case errors.Is(err, errMalformed):
		s.fail(c, http.StatusBadRequest, "malformed JSON")
	case errors.Is(err, errUnknownType):
		s.fail(c, http.StatusUnprocessableEntity, "unknown event type")
	default:
		s.fail(c, http.StatusUnprocessableEntity, "invalid or missing field")
	}
}

func (s *server) paymentEventWebhook(c *gin.Context, log *slog.Logger, body []byte) {
	ev, err := ParsePaymentEvent(body)
	if err != nil {
		s.refuseBody(c, log, err)
		return
	}
	log = log.With("eventId", ev.Event.ID, "eventType", ev.Event.Kind, "order", ev.OrderName)
	s.deliver(c, log, "payment:"+ev.Event.ID, true, func(ctx context.Context) (workflows.AfterpayEvent, string, int, error) {
		return ev.Event, ev.OrderName, 0, nil
	})
}

func (s *server) disputeWebhook(c *gin.Context, log *slog.Logger, body []byte) {
	hook, err := ParseDisputeWebhook(body)
	if err != nil {
		s.refuseBody(c, log, err)
		return
	}
	log = log.With("eventId", hook.EventID, "eventType", hook.EventType, "dispute", hook.DisputeID)
	s.deliver(c, log, "dispute:"+hook.EventID, false, func(ctx context.Context) (workflows.AfterpayEvent, string, int, error) {
		if s.opts.Afterpay == nil {
			return workflows.AfterpayEvent{}, "", http.StatusServiceUnavailable, errors.New("no Afterpay client to read the dispute with")
		}
		d, err := s.opts.Afterpay.GetDispute(ctx, hook.DisputeID)
		if err != nil {
			return workflows.AfterpayEvent{}, "", http.StatusBadGateway, err
		}
		currency := d.Currency
		if currency == "" {
			// The dispute object need not say its currency: the payment's.
			p, err := s.opts.Afterpay.GetPaymentByToken(ctx, d.Order)
			if err != nil {
				return workflows.AfterpayEvent{}, "", http.StatusBadGateway, err
			}
			currency = p.OriginalAmount.Currency
		}
		ev, err := disputeEvent(hook, d, currency)
		if err != nil {
			return workflows.AfterpayEvent{}, "", http.StatusBadGateway, err
		}
		return ev, d.MerchantOrderID, 0, nil
	})
}

// deliver signals the event to its payment's workflow (starting it if start
// is set), at most once per dedupKey within eventMemory. prepare builds the
// event and names the order (the webhook's merchant reference); its status
// is the answer when it fails.
func (s *server) deliver(c *gin.Context, log *slog.Logger, dedupKey string, start bool,
	prepare func(ctx context.Context) (workflows.AfterpayEvent, string, int, error)) {
	ctx := c.Request.Context()
	first, err := s.events.begin(ctx, dedupKey)
	if err != nil {
		s.fail(c, http.StatusServiceUnavailable, "try again")
		return
	}
	if !first {
		log.Info("Afterpay webhook already accepted: acknowledged, not signalled again")
		c.JSON(http.StatusOK, gin.H{"status": "duplicate"})
		return
	}
	accepted := false
	defer func() { s.events.end(dedupKey, accepted) }()

	ev, reference, status, err := prepare(ctx)
	if err != nil {
		log.Error("Afterpay webhook could not be read back from Afterpay; the sender will retry", "error", err)
		s.fail(c, status, "the event could not be processed; try again")
		return
	}
	order, err := s.orderOf(ctx, ev.Token, reference)
	if err != nil {
		log.Error("Finding the payment of an Afterpay event failed; the sender will retry", "error", err)
		c.Header("Retry-After", "5")
		s.fail(c, http.StatusServiceUnavailable, "the event could not be processed; try again")
		return
	}
	if order == "" {
		log.Error("Afterpay event for no payment of this database: nothing to signal; check it by hand",
			"token", maskToken(ev.Token), "merchantReference", clip(reference))
		s.fail(c, http.StatusUnprocessableEntity, "the event names no known order")
		return
	}
	log = log.With("order", order)
	switch err := s.signalEvent(ctx, order, ev, start); {
	case err == nil:
		accepted = true
		log.Info("Afterpay event signalled", "workflowId", workflows.PaymentWorkflowID(s.opts.Database, order))
		c.JSON(http.StatusOK, gin.H{"status": "accepted"})
	case errors.Is(err, errPaymentFinished):
		accepted = true
		id := workflows.PaymentWorkflowID(s.opts.Database, order)
		log.Error("Afterpay event for a payment that has finished (or that Temporal no longer keeps): nothing was signalled; handle it by hand",
			"workflowId", id, "webUI", s.webUILink(id), "event", ev.Kind)
		c.JSON(http.StatusOK, gin.H{"status": "payment finished"})
	default:
		log.Error("Temporal did not take the Afterpay event; the sender will retry", "error", err)
		c.Header("Retry-After", "5")
		s.fail(c, http.StatusServiceUnavailable, "the event could not be recorded; try again")
	}
}

// orderOf finds the order an event is about: the order of the workflow that
// holds its checkout token, else the webhook's merchant reference (for an
// event that comes before its workflow has a checkout, or exists at all).
func (s *server) orderOf(ctx context.Context, token, reference string) (string, error) {
	if validToken(token) {
		id, _, err := s.findByToken(ctx, token, "")
		if err != nil {
			return "", err
		}
		if id != "" {
			return strings.TrimPrefix(id, workflows.PaymentWorkflowID(s.opts.Database, "")), nil
		}
	}
	if validOrderName(reference) {
		return reference, nil
	}
	return "", nil
}

// errPaymentFinished: the order's payment workflow has finished, and is
// never revived by an event.
var errPaymentFinished = errors.New("the payment has finished")

// signalEvent signals the event to the order's running payment workflow.
// With start, a workflow that is not running yet is started with the same
// options as workflows.StartPayment and the signal, in one step; a finished
// payment is not started again (REJECT_DUPLICATE).
func (s *server) signalEvent(ctx context.Context, order string, ev workflows.AfterpayEvent, start bool) error {
	in := s.paymentInput(order, 0)
	id := workflows.PaymentWorkflowID(in.Database, in.OrderName)
	sctx, cancel := context.WithTimeout(ctx, temporalCallBudget)
	defer cancel()
	if !start {
		err := s.temporal.SignalWorkflow(sctx, id, "", workflows.SignalAfterpayEvent, ev)
		if isNotFound(err) {
			return errPaymentFinished
		}
		return err
	}
	opts := workflows.PaymentStartOptions(s.opts.TaskQueue, in)
	_, err := s.temporal.SignalWithStartWorkflow(sctx, id, workflows.SignalAfterpayEvent, ev, opts, workflows.PaymentWorkflowName, in)
	var already *serviceerror.WorkflowExecutionAlreadyStarted
	if errors.As(err, &already) {
		return errPaymentFinished
	}
	return err
}
