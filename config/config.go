// Package config is the product's configuration: read once from the
// environment (optionally backed by an env file), validated at start, with
// every problem reported at once in words an operator can act on.
package config

import (
	"bufio"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/odoo-afterpay/bridge/internal/logging"
)

// Config is everything the worker, the API and the starter need.
type Config struct {
	Temporal Temporal
	Odoo     Odoo
	Afterpay Afterpay
	API      API
	Payment  Payment
	Log      Log
}

// Temporal says where the Temporal frontend is.
type Temporal struct {
	Address   string // TEMPORAL_ADDRESS
	Namespace string // TEMPORAL_NAMESPACE
	TaskQueue string // TEMPORAL_TASK_QUEUE
	UIURL     string // TEMPORAL_UI_URL, for links printed to operators
}

// Odoo holds the XML-RPC endpoint and credentials.
type Odoo struct {
	URL      string        // ODOO_URL
	Database string        // ODOO_DB
	Username string        // ODOO_USERNAME
	Password Secret        // ODOO_PASSWORD (a password or an API key)
	Timeout  time.Duration // ODOO_TIMEOUT
}

// Afterpay holds the merchant account and which host to talk to.
type Afterpay struct {
	MerchantID  string // AFTERPAY_MERCHANT_ID
	SecretKey   Secret // AFTERPAY_SECRET_KEY
	Environment string // AFTERPAY_ENVIRONMENT: sandbox | production
	BaseURL     string // AFTERPAY_BASE_URL: overrides the host (the simulator)
	StoreURL    string // AFTERPAY_STORE_URL: the shop's URL, sent in the User-Agent
	// Timeout and MoneyTimeout bound one call: AFTERPAY_TIMEOUT for
	// look-ups and checkouts, AFTERPAY_MONEY_TIMEOUT for captures, voids,
	// refunds and reversals (Afterpay documents 20 s and 70 s).
	Timeout, MoneyTimeout time.Duration
}

// API is the HTTP service that receives webhooks and customer redirects.
type API struct {
	Addr      string // API_ADDR, the listen address
	PublicURL string // API_PUBLIC_URL, how customers' browsers, Odoo and Afterpay reach it
	// WebhookToken is ODOO_WEBHOOK_TOKEN, the ?token= Odoo's automation
	// rules send; WebhookTokenPrevious (ODOO_WEBHOOK_TOKEN_PREVIOUS) is
	// accepted too while a rotation is under way.
	WebhookToken, WebhookTokenPrevious Secret
	// WebhookSecret is AFTERPAY_WEBHOOK_SECRET, the HMAC key of Afterpay's
	// signed dispute webhooks and of payment-event webhooks;
	// WebhookSecretPrevious (AFTERPAY_WEBHOOK_SECRET_PREVIOUS) is accepted
	// too while a rotation is under way.
	WebhookSecret, WebhookSecretPrevious Secret
	// StorefrontAPIKeys (STOREFRONT_API_KEYS, comma-separated) authenticate
	// the storefront's GET /orders/{order}/checkout as Bearer tokens; two
	// overlap during a rotation. None: the endpoint refuses everyone.
	StorefrontAPIKeys Secrets
	ShopName          string // SHOP_NAME: the shop's name on the customer's pages
	ShopReturnURL     string // SHOP_RETURN_URL: the shop page the customer's pages link back to (optional)
	// TrustedProxies (API_TRUSTED_PROXIES) are the reverse proxies whose
	// X-Forwarded-For is believed; none means the TCP peer is the client.
	TrustedProxies []string
	// RateLimit (API_RATE_LIMIT) is how many requests per second one client
	// address may make, with bursts of three times as many.
	RateLimit int
}

// Payment holds the business settings of the payment workflow.
type Payment struct {
	OrderConfirmationTimeout time.Duration // ORDER_CONFIRMATION_TIMEOUT
	// CaptureMode is PAYMENT_CAPTURE_MODE: immediate (when the customer
	// approves) or deferred (authorised then, captured as delivered).
	CaptureMode string
}

// Log configures the process logger.
type Log struct {
	Format logging.Format // LOG_FORMAT
	Level  slog.Level     // LOG_LEVEL
}

// Secret is a string that never prints its value, so a Config can be logged.
type Secret string

// String masks the secret.
func (s Secret) String() string {
	if s == "" {
		return ""
	}
	return "********"
}

// LogValue masks the secret in slog records.
func (s Secret) LogValue() slog.Value { return slog.StringValue(s.String()) }

// Reveal returns the secret's value, for the one place that needs it.
func (s Secret) Reveal() string { return string(s) }

// Secrets is a list of secrets that never prints its values.
type Secrets []Secret

// String masks every secret.
func (s Secrets) String() string {
	masked := make([]string, len(s))
	for i, v := range s {
		masked[i] = v.String()
	}
	return "[" + strings.Join(masked, " ") + "]"
}

// LogValue masks the secrets in slog records.
func (s Secrets) LogValue() slog.Value { return slog.StringValue(s.String()) }

// Reveal returns the secrets' values.
func (s Secrets) Reveal() []string {
	out := make([]string, len(s))
	for i, v := range s {
		out[i] = string(v)
	}
	return out
}

// Lookup reads one variable; os.LookupEnv in production, a map in tests.
type Lookup func(key string) (string, bool)

// FromEnv reads the process environment. If ENV_FILE names a file, its
// KEY=VALUE lines fill in what the environment leaves unset.
func FromEnv() (Config, error) {
	lookup := Lookup(os.LookupEnv)
	if path, ok := os.LookupEnv("ENV_FILE"); ok && path != "" {
		file, err := ReadEnvFile(path)
		if err != nil {
			return Config{}, err
		}
		lookup = Layered(os.LookupEnv, MapLookup(file))
	}
	return Load(lookup)
}

// MapLookup looks keys up in m.
func MapLookup(m map[string]string) Lookup {
	return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
}

// Layered tries each lookup in turn.
func Layered(lookups ...Lookup) Lookup {
	return func(k string) (string, bool) {
		for _, l := range lookups {
			if v, ok := l(k); ok {
				return v, true
			}
		}
		return "", false
	}
}

// ReadEnvFile reads KEY=VALUE lines; blank lines and # comments are skipped.
func ReadEnvFile(path string) (map[string]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("config: env file: %w", err)
	}
	defer f.Close()
	out := map[string]string{}
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if !ok {
			return nil, fmt.Errorf("config: %s:%d: expected KEY=VALUE", path, n)
		}
		out[strings.TrimSpace(k)] = strings.TrimSpace(v)
	}
	return out, sc.Err()
}

// Variable documents one setting; Variables is the table the README shows.
type Variable struct {
	Name, Default, Meaning string
}

// Variables lists every setting with its default and meaning.
func Variables() []Variable {
	return []Variable{
		{"TEMPORAL_ADDRESS", "localhost:7233", "Temporal frontend host:port"},
		{"TEMPORAL_NAMESPACE", "default", "Temporal namespace"},
		{"TEMPORAL_TASK_QUEUE", "afterpay-payments", "task queue of the payment workflows and activities"},
		{"TEMPORAL_UI_URL", "http://localhost:8233", "Temporal Web UI base URL, for links in logs and the CLI"},
		{"ODOO_URL", "http://127.0.0.1:8069", "Odoo base URL (XML-RPC at /xmlrpc/2/)"},
		{"ODOO_DB", "odoo", "Odoo database name; also part of every workflow ID"},
		{"ODOO_USERNAME", "admin", "Odoo login of the integration user"},
		{"ODOO_PASSWORD", "(required)", "that user's password or, better, API key"},
		{"ODOO_TIMEOUT", "30s", "timeout of one XML-RPC call"},
		{"AFTERPAY_MERCHANT_ID", "(required)", "Afterpay merchant ID (Basic auth user)"},
		{"AFTERPAY_SECRET_KEY", "(required)", "Afterpay secret key (Basic auth password)"},
		{"AFTERPAY_ENVIRONMENT", "sandbox", "sandbox or production (global API hosts)"},
		{"AFTERPAY_BASE_URL", "", "overrides the Afterpay host, e.g. the bundled simulator"},
		{"AFTERPAY_STORE_URL", "", "the shop's URL, sent in the User-Agent Afterpay requires"},
		{"AFTERPAY_TIMEOUT", "20s", "timeout of one Afterpay look-up or checkout call (Afterpay's documented read timeout)"},
		{"AFTERPAY_MONEY_TIMEOUT", "70s", "timeout of one Afterpay call that moves money: capture, void, refund, reversal; one that times out is retried with the same key, or looked up"},
		{"API_ADDR", ":8080", "listen address of the HTTP API"},
		{"API_PUBLIC_URL", "http://localhost:8080", "public base URL of the API (Afterpay redirects customers here)"},
		{"ODOO_WEBHOOK_TOKEN", "(required)", "token Odoo's automation rules send as ?token=; at least 16 characters"},
		{"ODOO_WEBHOOK_TOKEN_PREVIOUS", "", "the token being rotated out, still accepted until Odoo's rules are rewritten (see API security)"},
		{"AFTERPAY_WEBHOOK_SECRET", "", "HMAC secret of Afterpay's signed dispute webhooks and of payment-event webhooks; both are refused when empty"},
		{"AFTERPAY_WEBHOOK_SECRET_PREVIOUS", "", "the webhook secret being rotated out, still accepted"},
		{"STOREFRONT_API_KEYS", "", "comma-separated API keys the storefront sends as Authorization: Bearer to GET /orders/{order}/checkout (two during a rotation; at least 24 characters each); none: the endpoint refuses everyone"},
		{"SHOP_NAME", "", "the shop's name on the customer's pages; empty: the host of SHOP_RETURN_URL or AFTERPAY_STORE_URL"},
		{"SHOP_RETURN_URL", "", "the shop page the customer's pages after Afterpay link back to (with order and status); empty: AFTERPAY_STORE_URL"},
		{"API_TRUSTED_PROXIES", "", "comma-separated addresses or CIDRs of reverse proxies whose X-Forwarded-For is believed; empty: the TCP peer is the client"},
		{"API_RATE_LIMIT", "20", "requests per second one client address may make to the API (bursts of three times as many)"},
		{"ORDER_CONFIRMATION_TIMEOUT", "5m", "how long a workflow waits for its order to read as confirmed in Odoo"},
		{"PAYMENT_CAPTURE_MODE", "immediate", "immediate (capture when the customer approves) or deferred (authorise then, capture each delivery); an order can choose its own on its Afterpay tab"},
		{"LOG_FORMAT", "text", "text (coloured, for people) or json"},
		{"LOG_LEVEL", "info", "debug, info, warn or error"},
		{"ENV_FILE", "", "optional KEY=VALUE file read for anything the environment leaves unset"},
	}
}

// Load builds and validates a Config from lookup.
func Load(lookup Lookup) (Config, error) {
	defaults := map[string]string{}
	for _, v := range Variables() {
		if !strings.HasPrefix(v.Default, "(") {
			defaults[v.Name] = v.Default
		}
	}
	get := func(k string) string {
		if v, ok := lookup(k); ok && strings.TrimSpace(v) != "" {
			return strings.TrimSpace(v)
		}
		return defaults[k]
	}
	var errs []error
	dur := func(k string) time.Duration {
		d, err := time.ParseDuration(get(k))
		if err != nil || d <= 0 {
			errs = append(errs, fmt.Errorf("%s=%q is not a positive duration such as 30s or 5m", k, get(k)))
		}
		return d
	}
	c := Config{
		Temporal: Temporal{
			Address: get("TEMPORAL_ADDRESS"), Namespace: get("TEMPORAL_NAMESPACE"),
			TaskQueue: get("TEMPORAL_TASK_QUEUE"), UIURL: strings.TrimRight(get("TEMPORAL_UI_URL"), "/"),
		},
		Odoo: Odoo{
			URL: strings.TrimRight(get("ODOO_URL"), "/"), Database: get("ODOO_DB"), Username: get("ODOO_USERNAME"),
			Password: Secret(get("ODOO_PASSWORD")), Timeout: dur("ODOO_TIMEOUT"),
		},
		Afterpay: Afterpay{
			MerchantID: get("AFTERPAY_MERCHANT_ID"), SecretKey: Secret(get("AFTERPAY_SECRET_KEY")),
			Environment: get("AFTERPAY_ENVIRONMENT"), BaseURL: strings.TrimRight(get("AFTERPAY_BASE_URL"), "/"),
			StoreURL: get("AFTERPAY_STORE_URL"), Timeout: dur("AFTERPAY_TIMEOUT"), MoneyTimeout: dur("AFTERPAY_MONEY_TIMEOUT"),
		},
		API: API{
			Addr: get("API_ADDR"), PublicURL: strings.TrimRight(get("API_PUBLIC_URL"), "/"),
			WebhookToken: Secret(get("ODOO_WEBHOOK_TOKEN")), WebhookTokenPrevious: Secret(get("ODOO_WEBHOOK_TOKEN_PREVIOUS")),
			WebhookSecret: Secret(get("AFTERPAY_WEBHOOK_SECRET")), WebhookSecretPrevious: Secret(get("AFTERPAY_WEBHOOK_SECRET_PREVIOUS")),
			ShopName: get("SHOP_NAME"), ShopReturnURL: get("SHOP_RETURN_URL"),
			TrustedProxies: list(get("API_TRUSTED_PROXIES")),
		},
		Payment: Payment{OrderConfirmationTimeout: dur("ORDER_CONFIRMATION_TIMEOUT"), CaptureMode: get("PAYMENT_CAPTURE_MODE")},
	}
	for _, k := range list(get("STOREFRONT_API_KEYS")) {
		c.API.StorefrontAPIKeys = append(c.API.StorefrontAPIKeys, Secret(k))
	}
	if n, err := strconv.Atoi(get("API_RATE_LIMIT")); err != nil || n <= 0 {
		errs = append(errs, fmt.Errorf("API_RATE_LIMIT=%q is not a positive whole number of requests per second", get("API_RATE_LIMIT")))
	} else {
		c.API.RateLimit = n
	}
	var err error
	if c.Log.Format, err = logging.ParseFormat(get("LOG_FORMAT")); err != nil {
		errs = append(errs, fmt.Errorf("LOG_FORMAT: %w", err))
	}
	if c.Log.Level, err = logging.ParseLevel(get("LOG_LEVEL")); err != nil {
		errs = append(errs, fmt.Errorf("LOG_LEVEL: %w", err))
	}
	errs = append(errs, c.validate()...)
	if len(errs) > 0 {
		return c, fmt.Errorf("configuration is invalid:\n  - %w", joinLines(errs))
	}
	return c, nil
}

func (c Config) validate() []error {
	var errs []error
	need := func(name, v string) {
		if v == "" {
			errs = append(errs, fmt.Errorf("%s is required", name))
		}
	}
	absURL := func(name, v string) {
		if v == "" {
			return
		}
		u, err := url.Parse(v)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			errs = append(errs, fmt.Errorf("%s=%q is not an absolute http(s) URL", name, v))
		}
	}
	need("TEMPORAL_ADDRESS", c.Temporal.Address)
	need("ODOO_URL", c.Odoo.URL)
	absURL("ODOO_URL", c.Odoo.URL)
	need("ODOO_DB", c.Odoo.Database)
	need("ODOO_USERNAME", c.Odoo.Username)
	need("ODOO_PASSWORD", c.Odoo.Password.Reveal())
	need("AFTERPAY_MERCHANT_ID", c.Afterpay.MerchantID)
	need("AFTERPAY_SECRET_KEY", c.Afterpay.SecretKey.Reveal())
	switch c.Payment.CaptureMode {
	case "immediate", "deferred":
	default:
		errs = append(errs, fmt.Errorf("PAYMENT_CAPTURE_MODE=%q must be immediate or deferred", c.Payment.CaptureMode))
	}
	switch c.Afterpay.Environment {
	case "sandbox", "production":
	default:
		errs = append(errs, fmt.Errorf("AFTERPAY_ENVIRONMENT=%q must be sandbox or production", c.Afterpay.Environment))
	}
	if c.Afterpay.Environment == "production" && c.Afterpay.BaseURL != "" {
		errs = append(errs, errors.New("AFTERPAY_BASE_URL must be empty in production: real payments go to Afterpay's own host"))
	}
	absURL("AFTERPAY_BASE_URL", c.Afterpay.BaseURL)
	absURL("AFTERPAY_STORE_URL", c.Afterpay.StoreURL)
	absURL("API_PUBLIC_URL", c.API.PublicURL)
	absURL("SHOP_RETURN_URL", c.API.ShopReturnURL)
	absURL("TEMPORAL_UI_URL", c.Temporal.UIURL)
	if t := c.API.WebhookToken.Reveal(); len(t) < 16 {
		errs = append(errs, errors.New("ODOO_WEBHOOK_TOKEN is required and must be at least 16 characters (it is the only thing that authenticates Odoo's webhook)"))
	}
	if t := c.API.WebhookTokenPrevious.Reveal(); t != "" && len(t) < 16 {
		errs = append(errs, errors.New("ODOO_WEBHOOK_TOKEN_PREVIOUS must be at least 16 characters"))
	}
	if t := c.API.WebhookTokenPrevious; t != "" && t == c.API.WebhookToken {
		errs = append(errs, errors.New("ODOO_WEBHOOK_TOKEN_PREVIOUS equals ODOO_WEBHOOK_TOKEN: a rotation needs a new token"))
	}
	if c.API.WebhookSecretPrevious != "" && c.API.WebhookSecret == "" {
		errs = append(errs, errors.New("AFTERPAY_WEBHOOK_SECRET_PREVIOUS is set without AFTERPAY_WEBHOOK_SECRET"))
	}
	if len(c.API.StorefrontAPIKeys) > 2 {
		errs = append(errs, errors.New("STOREFRONT_API_KEYS holds more than two keys: keep the current one and, during a rotation, the previous one"))
	}
	for i, k := range c.API.StorefrontAPIKeys {
		if len(k) < 24 {
			errs = append(errs, fmt.Errorf("STOREFRONT_API_KEYS: key %d is shorter than 24 characters", i+1))
		}
	}
	for _, p := range c.API.TrustedProxies {
		if net.ParseIP(p) == nil {
			if _, _, err := net.ParseCIDR(p); err != nil {
				errs = append(errs, fmt.Errorf("API_TRUSTED_PROXIES: %q is neither an IP address nor a CIDR", p))
			}
		}
	}
	if len(c.API.ShopName) > 100 {
		errs = append(errs, errors.New("SHOP_NAME is longer than 100 characters"))
	}
	return errs
}

// list splits a comma-separated value, dropping blanks.
func list(v string) []string {
	var out []string
	for _, p := range strings.Split(v, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

func joinLines(errs []error) error {
	msgs := make([]string, len(errs))
	for i, e := range errs {
		msgs[i] = e.Error()
	}
	return errors.New(strings.Join(msgs, "\n  - "))
}
