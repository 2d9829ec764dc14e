package sandbox

import (
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/odoo-afterpay/bridge/money"
)

// Clock tells the simulator the time. Token and auth expiry, the reversal and
// refund windows and every timestamp in a response read it, so tests move
// time with a ManualClock instead of sleeping.
type Clock interface {
	Now() time.Time
}

type wallClock struct{}

func (wallClock) Now() time.Time { return time.Now() }

// ManualClock is a Clock that only moves when told to. It is safe for
// concurrent use.
type ManualClock struct {
	mu  sync.Mutex
	now time.Time
}

// NewManualClock returns a ManualClock showing start.
func NewManualClock(start time.Time) *ManualClock {
	return &ManualClock{now: start}
}

// Now returns the clock's current time.
func (c *ManualClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Set moves the clock to t.
func (c *ManualClock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = t
}

// Advance moves the clock forward by d and returns the new time.
func (c *ManualClock) Advance(d time.Duration) time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
	return c.now
}

// adjustableClock is what the POST /__sim/clock hook needs from a clock.
type adjustableClock interface {
	Clock
	Set(time.Time)
	Advance(time.Duration) time.Time
}

// Options configures a Server. Zero values take the documented defaults.
type Options struct {
	// MerchantID and SecretKey are the Basic-auth credentials every /v2
	// endpoint demands (RFC 7617: merchant ID as user name, secret key as
	// password). Both are required.
	MerchantID, SecretKey string

	// Currency is the merchant account currency; default "USD". Money in any
	// other supported currency is rejected with unsupported_currency.
	Currency string

	// MinimumAmount and MaximumAmount are the order limits GET
	// /v2/configuration reports and create-checkout enforces (inclusive);
	// defaults 1.00 and 2000.00 in Currency.
	MinimumAmount, MaximumAmount money.Money

	// PublicURL is the base URL consumers' browsers reach the simulator at,
	// used for redirectCheckoutUrl. When empty, the scheme and Host of the
	// create-checkout request are used, which is right for httptest servers.
	// SetPublicURL changes it later.
	PublicURL string

	// CountryPath is the region segment of the consumer checkout page,
	// e.g. "us" for /us/checkout/?token=…; default derived from Currency.
	CountryPath string

	// Clock supplies the time; default the wall clock.
	Clock Clock

	// CheckoutTTL is how long a checkout token lives; default 180 min.
	CheckoutTTL time.Duration
	// AuthTTL is how long an auth stays open to capture; default 13 days.
	AuthTTL time.Duration
	// ReversalWindow is how long after order creation a reversal is
	// accepted; default 10 min.
	ReversalWindow time.Duration
	// ReversalDelay is how long an accepted reversal stays pending before the
	// order shows as REVERSED (Afterpay reverses asynchronously); default 5 s
	// on Clock.
	ReversalDelay time.Duration
	// FirstOrderID is the first Afterpay order id handed out; default
	// 300000000001. Afterpay's ids are unique across a merchant's life:
	// simulators that serve the same Odoo one after the other (tests on a
	// long-lived database) should each start somewhere else.
	FirstOrderID int64
	// RefundWindow is how long after purchase refunds are accepted; default
	// 120 days.
	RefundWindow time.Duration
	// MinimumCapture is the smallest deferred capture; default 1.00.
	MinimumCapture money.Money

	// StrictUserAgent rejects requests without a User-Agent. Afterpay
	// requires the header but documents no status for its absence; the 400
	// invalid_object used here is invented. Without it a missing User-Agent
	// is only logged.
	StrictUserAgent bool

	// WebhookURL receives payment-event webhooks and, unless
	// DisputeWebhookURL is set, dispute webhooks, signed with WebhookSecret
	// (required when either URL is set). Optional.
	WebhookURL, WebhookSecret string

	// DisputeWebhookURL receives the dispute webhooks Afterpay sends when a
	// dispute is opened or updated (afterpay-api.md §6), e.g. the product's
	// /afterpay/webhook/disputes while WebhookURL is its
	// /afterpay/webhook/notification. Empty means WebhookURL.
	DisputeWebhookURL string

	// SettlementDelay, when > 0 and WebhookURL is set, sends each payment
	// event that long (wall time, not Clock) after the capture, refund or
	// void that caused it. With 0, events wait for SendPaymentEvent or
	// FlushPaymentEvents.
	SettlementDelay time.Duration

	// HTTPClient posts webhooks; default a client with a 10 s timeout.
	HTTPClient *http.Client

	// Random is the source of tokens and ids; default crypto/rand. A seeded
	// reader makes ids reproducible.
	Random io.Reader

	// Faults are armed from the start, as if passed to InjectFault.
	Faults []Fault

	// Logger receives request logs (personal data masked, secrets never
	// logged); nil discards.
	Logger *slog.Logger
}

// Defaults for Options fields left zero.
const (
	DefaultCurrency        = "USD"
	DefaultCheckoutTTL     = 180 * time.Minute
	DefaultAuthTTL         = 13 * 24 * time.Hour
	DefaultReversalWindow  = 10 * time.Minute
	DefaultReversalDelay   = 5 * time.Second
	DefaultRefundWindow    = 120 * 24 * time.Hour
	DefaultWebhookTimeout  = 10 * time.Second
	defaultMinimumMinor    = 100
	defaultMaximumMinor    = 200000
	defaultMinCaptureMinor = 100
)

// withDefaults validates opts and fills in the defaults.
func (opts Options) withDefaults() (Options, error) {
	if opts.MerchantID == "" || opts.SecretKey == "" {
		return opts, errors.New("sandbox: MerchantID and SecretKey are required")
	}
	if opts.Currency == "" {
		opts.Currency = DefaultCurrency
	}
	if _, err := money.New(0, opts.Currency); err != nil {
		return opts, fmt.Errorf("sandbox: merchant currency: %w", err)
	}
	var err error
	if opts.MinimumAmount, err = defaultMoney(opts.MinimumAmount, defaultMinimumMinor, opts.Currency, "MinimumAmount"); err != nil {
		return opts, err
	}
	if opts.MaximumAmount, err = defaultMoney(opts.MaximumAmount, defaultMaximumMinor, opts.Currency, "MaximumAmount"); err != nil {
		return opts, err
	}
	if opts.MinimumCapture, err = defaultMoney(opts.MinimumCapture, defaultMinCaptureMinor, opts.Currency, "MinimumCapture"); err != nil {
		return opts, err
	}
	if opts.MinimumAmount.Minor > opts.MaximumAmount.Minor {
		return opts, fmt.Errorf("sandbox: MinimumAmount %s exceeds MaximumAmount %s", opts.MinimumAmount, opts.MaximumAmount)
	}
	if opts.PublicURL != "" {
		if err := checkBaseURL(opts.PublicURL); err != nil {
			return opts, err
		}
		opts.PublicURL = strings.TrimRight(opts.PublicURL, "/")
	}
	if opts.CountryPath == "" {
		opts.CountryPath = countryForCurrency(opts.Currency)
	}
	opts.CountryPath = strings.ToLower(strings.Trim(opts.CountryPath, "/"))
	if opts.CountryPath == "" || strings.ContainsAny(opts.CountryPath, "/?#") || opts.CountryPath == "v2" || opts.CountryPath == "__sim" {
		return opts, fmt.Errorf("sandbox: CountryPath %q is not a single path segment", opts.CountryPath)
	}
	if opts.Clock == nil {
		opts.Clock = wallClock{}
	}
	setDuration(&opts.CheckoutTTL, DefaultCheckoutTTL)
	setDuration(&opts.AuthTTL, DefaultAuthTTL)
	setDuration(&opts.ReversalWindow, DefaultReversalWindow)
	setDuration(&opts.ReversalDelay, DefaultReversalDelay)
	setDuration(&opts.RefundWindow, DefaultRefundWindow)
	if opts.WebhookURL != "" {
		if err := checkBaseURL(opts.WebhookURL); err != nil {
			return opts, fmt.Errorf("sandbox: WebhookURL: %w", err)
		}
	}
	if opts.DisputeWebhookURL != "" {
		if err := checkBaseURL(opts.DisputeWebhookURL); err != nil {
			return opts, fmt.Errorf("sandbox: DisputeWebhookURL: %w", err)
		}
	}
	if (opts.WebhookURL != "" || opts.DisputeWebhookURL != "") && opts.WebhookSecret == "" {
		return opts, errors.New("sandbox: WebhookSecret is required with WebhookURL or DisputeWebhookURL")
	}
	if opts.SettlementDelay < 0 {
		return opts, errors.New("sandbox: SettlementDelay must not be negative")
	}
	if opts.HTTPClient == nil {
		opts.HTTPClient = &http.Client{Timeout: DefaultWebhookTimeout}
	}
	if opts.Random == nil {
		opts.Random = rand.Reader
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	return opts, nil
}

func defaultMoney(m money.Money, minor int64, currency, field string) (money.Money, error) {
	if m == (money.Money{}) {
		return money.Money{Minor: minor, Currency: currency}, nil
	}
	if m.Currency != currency {
		return m, fmt.Errorf("sandbox: %s %s is not in the merchant currency %s", field, m, currency)
	}
	if m.Minor < 0 {
		return m, fmt.Errorf("sandbox: %s %s is negative", field, m)
	}
	return m, nil
}

func setDuration(d *time.Duration, def time.Duration) {
	if *d <= 0 {
		*d = def
	}
}

func checkBaseURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Errorf("sandbox: URL %q: %w", raw, err)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("sandbox: URL %q must be absolute http(s)", raw)
	}
	return nil
}

// countryForCurrency picks the consumer-portal region Afterpay uses for a
// merchant currency.
func countryForCurrency(currency string) string {
	switch currency {
	case "AUD":
		return "au"
	case "NZD":
		return "nz"
	case "CAD":
		return "ca"
	case "GBP":
		return "uk"
	case "EUR":
		return "es"
	}
	return "us"
}

// tokenPrefix is the region/version prefix of checkout tokens seen in
// Afterpay's examples: 001. for AU/NZ, 002. for US/CA, 005. for Europe.
func tokenPrefix(currency string) string {
	switch currency {
	case "AUD", "NZD":
		return "001."
	case "GBP", "EUR":
		return "005."
	}
	return "002."
}
