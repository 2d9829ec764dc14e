// Package api is the product's HTTP face, and its one door from the
// internet. It turns Odoo's automation-rule webhooks into workflow starts,
// Afterpay's signed webhooks into signals, customers' returns from Afterpay
// into a workflow update whose answer their page shows, and answers the
// storefront. It holds no state of its own beyond short-lived defences
// (rate limits, failed-authentication counts, recently accepted event ids);
// Temporal holds the rest.
//
// Everything from outside is bounded and checked before it reaches Temporal
// or a log: bodies (64 KiB), content types, names, tokens and ids.
// Credentials are checked before a body is read: Odoo's ?token= (two during
// a rotation), the storefront's Bearer API keys, and Afterpay's HMAC
// signatures over the destination URL, the date and the raw body (two
// secrets during a rotation, dates at most 5 minutes old). A source that
// keeps failing them is refused for a while.
package api

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"go.temporal.io/sdk/client"

	"github.com/odoo-afterpay/bridge/afterpay"
	"github.com/odoo-afterpay/bridge/afterpay/webhooksig"
	"github.com/odoo-afterpay/bridge/workflows"
)

// Options configure the API.
type Options struct {
	// Metrics, if set, counts and times every request.
	Metrics *Metrics
	// Database is the Odoo database; it is part of every workflow ID.
	Database string
	// TaskQueue is where payment workflows run.
	TaskQueue string
	// PublicURL is the API's base URL as customers' browsers, Odoo and
	// Afterpay reach it. Afterpay signs its webhooks over PublicURL + path.
	PublicURL string
	// WebhookToken authenticates Odoo's automation-rule webhooks (?token=);
	// PreviousWebhookToken is accepted too during a rotation.
	WebhookToken, PreviousWebhookToken string
	// AfterpayWebhookSecret verifies Afterpay's signed webhooks;
	// PreviousAfterpayWebhookSecret is accepted too during a rotation. With
	// neither, the webhooks are refused.
	AfterpayWebhookSecret, PreviousAfterpayWebhookSecret string
	// StorefrontAPIKeys authenticate GET /orders/{order}/checkout and
	// GET /orders/{order} (Bearer). With none, the endpoints refuse everyone.
	StorefrontAPIKeys []string
	// ShopName names the shop on the customer's pages; ShopReturnURL is the
	// shop page they link back to.
	ShopName, ShopReturnURL string
	// ConfirmationTimeout bounds each workflow's wait for its order.
	ConfirmationTimeout time.Duration
	// CaptureMode is the payments' default (workflows.CaptureImmediate or
	// CaptureDeferred); an order may choose its own.
	CaptureMode string
	// TemporalUIURL and Namespace build Web UI links in the logs.
	TemporalUIURL, Namespace string
	// Orders, if set, is asked whether a webhook's order exists in Odoo
	// before its payment is started.
	Orders OrderLookup
	// Afterpay reads disputes (and, for a dispute that does not say its
	// currency, the payment). Without it, dispute webhooks are answered 503.
	Afterpay AfterpayReader
	// TrustedProxies are reverse proxies (IPs or CIDRs) whose
	// X-Forwarded-For is believed; none means the TCP peer is the client.
	TrustedProxies []string
	// RateLimit is requests per second per client address (bursts of three
	// times as many); 0 means 20.
	RateLimit int
	// Now is the clock (tests move it); nil means time.Now.
	Now    func() time.Time
	Logger *slog.Logger
}

// OrderLookup finds an Odoo sale order by name.
type OrderLookup interface {
	// FindOrder returns the order's id, or found false when Odoo has no
	// order of that name.
	FindOrder(ctx context.Context, name string) (id int64, found bool, err error)
}

// AfterpayReader is what the API reads from Afterpay.
type AfterpayReader interface {
	GetDispute(ctx context.Context, id string) (*afterpay.Dispute, error)
	GetPaymentByToken(ctx context.Context, token string) (*afterpay.Payment, error)
}

// WebhookStartBudget bounds the workflow start of an order-confirmed
// webhook, which goes on after Odoo stopped waiting for the answer: a
// Temporal outage shorter than this loses no payment; a longer one leaves
// it to the next reconciliation.
const WebhookStartBudget = 10 * time.Second

// Budgets and limits.
const (
	// odooWebhookBudget keeps the answer inside Odoo's 1-second webhook
	// timeout: the order look-up and the start both fit in it.
	odooWebhookBudget = 800 * time.Millisecond
	// orderLookupBudget is the most of it the look-up may take.
	orderLookupBudget = 500 * time.Millisecond

	// maxBodyBytes bounds every request body; Odoo's and Afterpay's are a
	// few hundred bytes.
	maxBodyBytes = 64 << 10
	// eventMemory is how long accepted webhook event ids are remembered: a
	// little longer than a signature is valid.
	eventMemory = 6 * time.Minute
	// returnWait bounds how long a customer's return waits for the
	// workflow's answer before its page says "being confirmed".
	returnWait = 5 * time.Second
	// temporalCallBudget bounds single Temporal calls (describe, query,
	// signal) made while someone waits for the answer.
	temporalCallBudget = 3 * time.Second
)

type server struct {
	temporal client.Client
	opts     Options
	log      *slog.Logger
	now      func() time.Time

	odooTokens   [][sha256.Size]byte
	storefront   [][sha256.Size]byte
	verifier     webhooksig.Verifier
	guard        *guard
	events       *eventLog
	shopName     string
	returnWait   time.Duration
	engine       *gin.Engine
	lookupBudget time.Duration
}

// NewHandler returns the API's HTTP handler.
func NewHandler(c client.Client, opts Options) http.Handler { return newServer(c, opts) }

func newServer(c client.Client, opts Options) *server {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	opts.PublicURL = strings.TrimRight(opts.PublicURL, "/")
	s := &server{
		temporal: c, opts: opts, log: opts.Logger, now: opts.Now,
		verifier: webhooksig.Verifier{
			Secrets: nonEmpty(opts.AfterpayWebhookSecret, opts.PreviousAfterpayWebhookSecret), Now: opts.Now,
		},
		guard:        newGuard(opts.Now, opts.RateLimit),
		events:       newEventLog(opts.Now, eventMemory),
		shopName:     shopNameFor(opts.ShopName, opts.ShopReturnURL),
		returnWait:   returnWait,
		lookupBudget: orderLookupBudget,
	}
	for _, t := range nonEmpty(opts.WebhookToken, opts.PreviousWebhookToken) {
		s.odooTokens = append(s.odooTokens, sha256.Sum256([]byte(t)))
	}
	for _, k := range nonEmpty(opts.StorefrontAPIKeys...) {
		s.storefront = append(s.storefront, sha256.Sum256([]byte(k)))
	}

	gin.SetMode(gin.ReleaseMode)
	r := gin.New()
	// Order names may hold "/" (SO/2026/0042): match on the escaped path.
	r.UseRawPath, r.UnescapePathValues = true, true
	r.RedirectTrailingSlash, r.RedirectFixedPath = false, false
	r.HandleMethodNotAllowed = true
	if err := r.SetTrustedProxies(opts.TrustedProxies); err != nil {
		s.log.Error("API_TRUSTED_PROXIES ignored: every request's client is its TCP peer", "error", err)
		_ = r.SetTrustedProxies(nil)
	}
	if opts.Metrics != nil {
		r.Use(opts.Metrics.observe)
	}
	r.Use(s.observe, s.recover, s.securityHeaders)
	r.GET("/healthz", func(c *gin.Context) { c.JSON(http.StatusOK, gin.H{"status": "ok"}) })

	open := r.Group("/", s.rateLimit, s.limitBody)
	open.GET("/afterpay/return", s.afterpayReturn)
	open.GET("/afterpay/webhook/verification", s.webhookVerification)

	// Authenticated endpoints: a source that keeps failing is refused.
	guarded := r.Group("/", s.refuseBlocked, s.rateLimit, s.limitBody)
	guarded.POST("/odoo/webhook/order-confirmed", s.orderConfirmed)
	guarded.POST("/odoo/webhook/credit-note-posted", s.odooEvent(creditNotePostedHook))
	guarded.POST("/odoo/webhook/delivery-done", s.odooEvent(deliveryDoneHook))
	guarded.POST("/odoo/webhook/order-cancelled", s.odooEvent(orderCancelledHook))
	guarded.POST("/odoo/webhook/invoice-posted", s.odooEvent(invoicePostedHook))
	guarded.GET("/orders/:orderRef", s.orderStatus)
	guarded.GET("/orders/:orderRef/checkout", s.checkout)
	guarded.POST("/afterpay/webhook/disputes", s.afterpayWebhook(disputeHook))
	guarded.POST("/afterpay/webhook/notification", s.afterpayWebhook(notificationHook))

	r.NoRoute(func(c *gin.Context) { s.fail(c, http.StatusNotFound, "not found") })
	r.NoMethod(func(c *gin.Context) { s.fail(c, http.StatusMethodNotAllowed, "method not allowed") })
	s.engine = r
	return s
}

func (s *server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.engine.ServeHTTP(w, r) }

func nonEmpty(values ...string) []string {
	var out []string
	for _, v := range values {
		if v != "" {
			out = append(out, v)
		}
	}
	return out
}

// matchSecret compares got with each of the known secrets' digests, all of
// them, in constant time (the digests make the lengths equal too). It
// returns the index of the match, or -1.
func matchSecret(got string, known [][sha256.Size]byte) int {
	sum := sha256.Sum256([]byte(got))
	match := -1
	for i := range known {
		if subtle.ConstantTimeCompare(sum[:], known[i][:]) == 1 {
			match = i
		}
	}
	return match
}

// fail answers an API (JSON) error: a generic message and the request id
// that finds the detail in the log. A request refused before its body was
// read gets its connection closed: otherwise Go's server would read (wait
// for) the body before sending the refusal.
func (s *server) fail(c *gin.Context, status int, message string) {
	if c.Request.ContentLength != 0 && !c.GetBool(keyBodyRead) {
		c.Header("Connection", "close")
	}
	c.AbortWithStatusJSON(status, gin.H{"error": message, "requestId": requestID(c)})
}

func (s *server) paymentInput(orderName string, orderID int64) workflows.PaymentInput {
	return workflows.PaymentInput{
		Database: s.opts.Database, OrderName: orderName, OrderID: orderID,
		ReturnURL: s.opts.PublicURL + "/afterpay/return", ConfirmationTimeout: s.opts.ConfirmationTimeout,
		CaptureMode: s.opts.CaptureMode,
	}
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
