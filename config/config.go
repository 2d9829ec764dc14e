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

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/contrib/envconfig"

	"github.com/odoo-afterpay/bridge/codec"
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
	// Encryption and CodecServer keep customers' data out of Temporal.
	Encryption  Encryption
	CodecServer CodecServer
	// Metrics says where the worker and the API serve Prometheus metrics.
	Metrics Metrics
}

// Metrics are the Prometheus endpoints (/metrics), each on a listener of
// its own: the API's public listener serves no internals.
type Metrics struct {
	WorkerAddr string // WORKER_METRICS_ADDR; empty: the worker serves none
	APIAddr    string // API_METRICS_ADDR; empty: the API serves none
}

// Temporal says where the Temporal frontend is and how to connect to it.
type Temporal struct {
	Address   string // TEMPORAL_ADDRESS, or the profile's
	Namespace string // TEMPORAL_NAMESPACE, or the profile's
	TaskQueue string // TEMPORAL_TASK_QUEUE
	UIURL     string // TEMPORAL_UI_URL, for links printed to operators
	// Connection is TLS, mTLS, an API key and gRPC metadata, as the SDK's
	// environment configuration reads them (see ClientOptions).
	Connection Connection
}

// Connection is how to reach the Temporal frontend beyond its address, read
// by the Temporal SDK's own environment configuration
// (go.temporal.io/sdk/contrib/envconfig): TEMPORAL_API_KEY, TEMPORAL_TLS,
// TEMPORAL_TLS_*, TEMPORAL_CLIENT_AUTHORITY, TEMPORAL_GRPC_META_* and, when
// TEMPORAL_CONFIG_FILE or TEMPORAL_PROFILE asks for it, a profile of the
// TOML client configuration file under them. It never prints its secrets.
type Connection struct {
	profile envconfig.ClientConfigProfile
}

// TLS says whether the connection uses TLS.
func (c Connection) TLS() bool {
	if c.profile.TLS != nil {
		return !c.profile.TLS.Disabled
	}
	return c.profile.APIKey != ""
}

// String says how the connection is made, without its secrets.
func (c Connection) String() string {
	parts := []string{"plaintext"}
	if c.TLS() {
		parts[0] = "TLS"
		if t := c.profile.TLS; t != nil && (t.ClientCertPath != "" || len(t.ClientCertData) > 0) {
			parts = append(parts, "client certificate")
		}
	}
	if c.profile.APIKey != "" {
		parts = append(parts, "API key "+Secret(c.profile.APIKey).String())
	}
	return strings.Join(parts, ", ")
}

// LogValue logs the connection without its secrets.
func (c Connection) LogValue() slog.Value { return slog.StringValue(c.String()) }

// GoString keeps %#v from printing the secrets.
func (c Connection) GoString() string { return "config.Connection{" + c.String() + "}" }

// ClientOptions are the Temporal SDK client options of t: address,
// namespace, TLS, credentials and gRPC metadata. The caller adds its logger
// and data converter.
func (t Temporal) ClientOptions() (client.Options, error) {
	p := t.Connection.profile
	p.Address, p.Namespace = t.Address, t.Namespace
	opts, err := p.ToClientOptions(envconfig.ToClientOptionsRequest{})
	if err != nil {
		return client.Options{}, fmt.Errorf("temporal connection settings: %w", err)
	}
	return opts, nil
}

// Encryption says how payloads are encrypted before they reach Temporal.
type Encryption struct {
	// Enabled is PAYLOAD_ENCRYPTION=on (the default): every payload is
	// encrypted with the first of Keys. Off, payloads are stored in clear
	// and Keys, if any, only decrypt those written before.
	Enabled bool
	// Keys is PAYLOAD_ENCRYPTION_KEYS, comma-separated keyid:base64key
	// (32-byte AES-256 keys); the first encrypts, all decrypt.
	Keys Secrets
}

// CodecServer is the HTTP server that decrypts payloads for the Temporal
// Web UI and CLI; the worker serves it.
type CodecServer struct {
	Addr string // CODEC_SERVER_ADDR; empty: no codec server
	// Tokens (CODEC_AUTH_TOKENS) authenticate its callers.
	Tokens Secrets
	// NoAuth (CODEC_AUTH=none) serves without tokens: only on loopback.
	NoAuth bool
	// Origins (CODEC_CORS_ORIGINS) are the browser origins allowed to call
	// it; by default the origin of TEMPORAL_UI_URL.
	Origins []string
}

// Odoo holds the XML-RPC endpoint and credentials.
type Odoo struct {
	URL      string        // ODOO_URL
	Database string        // ODOO_DB
	Username string        // ODOO_USERNAME
	Password Secret        // ODOO_PASSWORD (a password or an API key)
	Timeout  time.Duration // ODOO_TIMEOUT
	// CallsPerSecond (ODOO_CALLS_PER_SECOND) caps the Odoo activities
	// started per second across all workers; MaxConcurrent
	// (ODOO_MAX_CONCURRENT) the calls in flight from one worker.
	CallsPerSecond float64
	MaxConcurrent  int
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
	// CallsPerSecond (AFTERPAY_CALLS_PER_SECOND) and MaxConcurrent
	// (AFTERPAY_MAX_CONCURRENT) are as for Odoo.
	CallsPerSecond float64
	MaxConcurrent  int
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
	// ReconcileEvery is RECONCILE_EVERY: how often the reconciliation's
	// Temporal Schedule runs; 0 (off) pauses it. ReconcileDays
	// (RECONCILE_DAYS) is the period each run compares, in days up to it.
	ReconcileEvery time.Duration
	ReconcileDays  int
	// MerchantLimitsEvery is MERCHANT_LIMITS_EVERY: how often the Schedule
	// refreshing the merchant's Afterpay limits runs; 0 (off) pauses it.
	MerchantLimitsEvery time.Duration
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

// GoString masks the secret for %#v.
func (s Secret) GoString() string { return strconv.Quote(s.String()) }

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
		{"TEMPORAL_ADDRESS", "localhost:7233", "Temporal frontend host:port (overrides the profile's)"},
		{"TEMPORAL_NAMESPACE", "default", "Temporal namespace (overrides the profile's)"},
		{"TEMPORAL_API_KEY", "", "API key for Temporal Cloud or a server that asks for one; turns TLS on unless TEMPORAL_TLS=false"},
		{"TEMPORAL_TLS", "", "true or false: TLS to the frontend; on by default with an API key or any TEMPORAL_TLS_* setting"},
		{"TEMPORAL_TLS_CLIENT_CERT_PATH", "", "client certificate (PEM) for mTLS, with TEMPORAL_TLS_CLIENT_KEY_PATH (or the certificate itself in TEMPORAL_TLS_CLIENT_CERT_DATA)"},
		{"TEMPORAL_TLS_CLIENT_KEY_PATH", "", "the client certificate's private key (PEM), or the key itself in TEMPORAL_TLS_CLIENT_KEY_DATA"},
		{"TEMPORAL_TLS_SERVER_CA_CERT_PATH", "", "CA certificate (PEM) the frontend's certificate must chain to, instead of the system's (or TEMPORAL_TLS_SERVER_CA_CERT_DATA)"},
		{"TEMPORAL_TLS_SERVER_NAME", "", "server name expected in the frontend's certificate (SNI), when it differs from the address's host"},
		{"TEMPORAL_PROFILE", "", "profile of the Temporal client configuration file to use; the file is read only when this or TEMPORAL_CONFIG_FILE is set, and TEMPORAL_* variables override it"},
		{"TEMPORAL_CONFIG_FILE", "", "the Temporal client configuration file (TOML); with TEMPORAL_PROFILE alone, the CLI's default (~/.config/temporalio/temporal.toml)"},
		{"TEMPORAL_TASK_QUEUE", "afterpay-payments", "task queue of the payment workflows and activities"},
		{"TEMPORAL_UI_URL", "http://localhost:8233", "Temporal Web UI base URL, for links in logs and the CLI"},
		{"ODOO_URL", "http://127.0.0.1:8069", "Odoo base URL (XML-RPC at /xmlrpc/2/)"},
		{"ODOO_DB", "odoo", "Odoo database name; also part of every workflow ID"},
		{"ODOO_USERNAME", "admin", "Odoo login of the integration user"},
		{"ODOO_PASSWORD", "(required)", "that user's password or, better, API key"},
		{"ODOO_TIMEOUT", "30s", "timeout of one XML-RPC call"},
		{"ODOO_CALLS_PER_SECOND", "10", "Odoo activities started per second, across all workers (Temporal's task-queue rate limit)"},
		{"ODOO_MAX_CONCURRENT", "8", "Odoo calls in flight from one worker"},
		{"AFTERPAY_MERCHANT_ID", "(required)", "Afterpay merchant ID (Basic auth user)"},
		{"AFTERPAY_SECRET_KEY", "(required)", "Afterpay secret key (Basic auth password)"},
		{"AFTERPAY_ENVIRONMENT", "sandbox", "sandbox or production (global API hosts)"},
		{"AFTERPAY_BASE_URL", "", "overrides the Afterpay host, e.g. the bundled simulator"},
		{"AFTERPAY_STORE_URL", "", "the shop's URL, sent in the User-Agent Afterpay requires"},
		{"AFTERPAY_TIMEOUT", "20s", "timeout of one Afterpay look-up or checkout call (Afterpay's documented read timeout)"},
		{"AFTERPAY_CALLS_PER_SECOND", "20", "Afterpay activities started per second, across all workers (Temporal's task-queue rate limit)"},
		{"AFTERPAY_MAX_CONCURRENT", "16", "Afterpay calls in flight from one worker"},
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
		{"RECONCILE_EVERY", "24h", "how often the reconciliation runs (a Temporal Schedule the worker creates): Afterpay's payments, Odoo's and the payment workflows compared, missing payments started; off pauses it"},
		{"RECONCILE_DAYS", "3", "the days up to each scheduled reconciliation that it compares (1 to 120)"},
		{"MERCHANT_LIMITS_EVERY", "1h", "how often the merchant's Afterpay limits (GET /v2/configuration) are read and cached on Odoo's Afterpay payment provider (a Temporal Schedule the worker creates); an order outside them never gets a checkout; off pauses it"},
		{"PAYLOAD_ENCRYPTION", "on", "on: every payload stored in Temporal (workflow inputs and results, signals, updates, queries, activity inputs and results, summaries, failure messages) is encrypted with AES-256-GCM; off: stored in clear, and the keys, if any, only decrypt older payloads"},
		{"PAYLOAD_ENCRYPTION_KEYS", "(required)", "comma-separated keyid:base64key (32 random bytes each, `openssl rand -base64 32`); the first encrypts, all decrypt (rotation); required unless PAYLOAD_ENCRYPTION=off"},
		{"CODEC_SERVER_ADDR", "", "listen address of the codec server, served by the worker, with which the Web UI and the CLI show payloads decrypted; empty: none"},
		{"CODEC_AUTH_TOKENS", "", "comma-separated tokens (24+ characters) allowed to use the codec server, as Authorization: Bearer or as the HTTP Basic password; required with CODEC_SERVER_ADDR"},
		{"CODEC_AUTH", "tokens", "tokens, or none: no authentication, allowed only when CODEC_SERVER_ADDR listens on loopback (make dev)"},
		{"CODEC_CORS_ORIGINS", "", "comma-separated browser origins allowed to call the codec server; empty: the origin of TEMPORAL_UI_URL"},
		{"WORKER_METRICS_ADDR", "", "listen address (host:port) where the worker serves Prometheus metrics at /metrics: the Temporal SDK's, the payments' (by status, money by currency, compensations, needs_attention, reconciliation drift) and Afterpay's (credential failures, circuit breaker); empty: none"},
		{"API_METRICS_ADDR", "", "listen address (host:port) where the API serves Prometheus metrics at /metrics, apart from API_ADDR: requests by route and status, their latency, and the Temporal SDK's; empty: none"},
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
	conn, err := temporalConnection(lookup, get)
	if err != nil {
		errs = append(errs, err)
	}
	if conn.Address == "" {
		conn.Address = defaults["TEMPORAL_ADDRESS"]
	}
	if conn.Namespace == "" {
		conn.Namespace = defaults["TEMPORAL_NAMESPACE"]
	}
	c := Config{
		Temporal: Temporal{
			Address: conn.Address, Namespace: conn.Namespace, Connection: Connection{profile: conn},
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
	switch v := get("PAYLOAD_ENCRYPTION"); strings.ToLower(v) {
	case "on":
		c.Encryption.Enabled = true
	case "off":
	default:
		errs = append(errs, fmt.Errorf("PAYLOAD_ENCRYPTION=%q must be on or off", v))
	}
	for _, k := range list(get("PAYLOAD_ENCRYPTION_KEYS")) {
		c.Encryption.Keys = append(c.Encryption.Keys, Secret(k))
	}
	c.CodecServer.Addr = get("CODEC_SERVER_ADDR")
	for _, k := range list(get("CODEC_AUTH_TOKENS")) {
		c.CodecServer.Tokens = append(c.CodecServer.Tokens, Secret(k))
	}
	switch v := get("CODEC_AUTH"); strings.ToLower(v) {
	case "tokens":
	case "none":
		c.CodecServer.NoAuth = true
	default:
		errs = append(errs, fmt.Errorf("CODEC_AUTH=%q must be tokens or none", v))
	}
	c.CodecServer.Origins = list(get("CODEC_CORS_ORIGINS"))
	c.Metrics = Metrics{WorkerAddr: get("WORKER_METRICS_ADDR"), APIAddr: get("API_METRICS_ADDR")}
	if len(c.CodecServer.Origins) == 0 {
		if u, err := url.Parse(c.Temporal.UIURL); err == nil && u.Scheme != "" && u.Host != "" {
			c.CodecServer.Origins = []string{u.Scheme + "://" + u.Host}
		}
	}
	for _, peer := range []struct {
		name      string
		perSecond *float64
		inFlight  *int
	}{{"ODOO", &c.Odoo.CallsPerSecond, &c.Odoo.MaxConcurrent}, {"AFTERPAY", &c.Afterpay.CallsPerSecond, &c.Afterpay.MaxConcurrent}} {
		key := peer.name + "_CALLS_PER_SECOND"
		if f, err := strconv.ParseFloat(get(key), 64); err != nil || f <= 0 {
			errs = append(errs, fmt.Errorf("%s=%q is not a positive number of calls per second", key, get(key)))
		} else {
			*peer.perSecond = f
		}
		key = peer.name + "_MAX_CONCURRENT"
		if n, err := strconv.Atoi(get(key)); err != nil || n <= 0 {
			errs = append(errs, fmt.Errorf("%s=%q is not a positive whole number of calls", key, get(key)))
		} else {
			*peer.inFlight = n
		}
	}
	if n, err := strconv.Atoi(get("API_RATE_LIMIT")); err != nil || n <= 0 {
		errs = append(errs, fmt.Errorf("API_RATE_LIMIT=%q is not a positive whole number of requests per second", get("API_RATE_LIMIT")))
	} else {
		c.API.RateLimit = n
	}
	if v := get("RECONCILE_EVERY"); strings.EqualFold(v, "off") {
		c.Payment.ReconcileEvery = 0
	} else if d, err := time.ParseDuration(v); err != nil || d < time.Hour {
		errs = append(errs, fmt.Errorf("RECONCILE_EVERY=%q is neither off nor a duration of at least 1h such as 24h", v))
	} else {
		c.Payment.ReconcileEvery = d
	}
	if v := get("MERCHANT_LIMITS_EVERY"); strings.EqualFold(v, "off") {
		c.Payment.MerchantLimitsEvery = 0
	} else if d, err := time.ParseDuration(v); err != nil || d < time.Minute {
		errs = append(errs, fmt.Errorf("MERCHANT_LIMITS_EVERY=%q is neither off nor a duration of at least 1m such as 1h", v))
	} else {
		c.Payment.MerchantLimitsEvery = d
	}
	if n, err := strconv.Atoi(get("RECONCILE_DAYS")); err != nil || n < 1 || n > 120 {
		errs = append(errs, fmt.Errorf("RECONCILE_DAYS=%q is not a whole number of days from 1 to 120", get("RECONCILE_DAYS")))
	} else {
		c.Payment.ReconcileDays = n
	}
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
	errs = append(errs, c.validateEncryption()...)
	errs = append(errs, c.validateMetrics()...)
	return errs
}

// validateEncryption checks the payload keys and the codec server. Without
// keys the product refuses to start unless told PAYLOAD_ENCRYPTION=off:
// customers' names, addresses and emails must not reach Temporal in clear
// by omission.
func (c Config) validateEncryption() []error {
	var errs []error
	keys := c.Encryption.Keys.Reveal()
	switch {
	case c.Encryption.Enabled && len(keys) == 0:
		errs = append(errs, errors.New("PAYLOAD_ENCRYPTION_KEYS is required: without it customers' names, addresses and emails "+
			"would be stored in clear in Temporal. Generate a key with `openssl rand -base64 32` and set "+
			"PAYLOAD_ENCRYPTION_KEYS=<keyid>:<key> (e.g. 2026-01:…); or set PAYLOAD_ENCRYPTION=off to store payloads in clear "+
			"on a Temporal no one else can read"))
	case len(keys) > 0:
		if _, err := codec.ParseKeys(keys); err != nil {
			errs = append(errs, fmt.Errorf("PAYLOAD_ENCRYPTION_KEYS: %s", strings.ReplaceAll(err.Error(), "\n", "; ")))
		}
	}
	s := c.CodecServer
	if s.Addr == "" {
		return errs
	}
	host, _, err := net.SplitHostPort(s.Addr)
	if err != nil {
		errs = append(errs, fmt.Errorf("CODEC_SERVER_ADDR=%q is not a host:port listen address such as 127.0.0.1:8081 or :8081", s.Addr))
	}
	if len(keys) == 0 {
		errs = append(errs, errors.New("CODEC_SERVER_ADDR is set, but there is no PAYLOAD_ENCRYPTION_KEYS for the codec server to decrypt with"))
	}
	switch {
	case s.NoAuth && err == nil && !loopback(host):
		errs = append(errs, fmt.Errorf("CODEC_AUTH=none is allowed only when CODEC_SERVER_ADDR listens on loopback (127.0.0.1, ::1 or localhost), not %q: anyone who reaches it could read customers' data", s.Addr))
	case s.NoAuth && len(s.Tokens) > 0:
		errs = append(errs, errors.New("CODEC_AUTH=none and CODEC_AUTH_TOKENS contradict each other: remove one"))
	case !s.NoAuth && len(s.Tokens) == 0:
		errs = append(errs, errors.New("CODEC_AUTH_TOKENS is required with CODEC_SERVER_ADDR: the tokens (24+ random characters) operators present to read decrypted payloads"))
	}
	for i, t := range s.Tokens {
		if len(t) < 24 {
			errs = append(errs, fmt.Errorf("CODEC_AUTH_TOKENS: token %d is shorter than 24 characters", i+1))
		}
	}
	if len(s.Origins) == 0 {
		errs = append(errs, errors.New("CODEC_CORS_ORIGINS is empty and TEMPORAL_UI_URL names no origin: the Web UI could not call the codec server"))
	}
	for _, o := range s.Origins {
		u, err := url.Parse(o)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || (u.Path != "" && u.Path != "/") || u.RawQuery != "" {
			errs = append(errs, fmt.Errorf("CODEC_CORS_ORIGINS: %q is not an origin such as https://temporal.example.com", o))
		}
	}
	return errs
}

func loopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// temporalConnection reads the Temporal SDK's environment configuration
// through lookup: a profile of the client configuration file, read only
// when TEMPORAL_CONFIG_FILE or TEMPORAL_PROFILE asks for it (a service
// should not depend on whose home directory it runs in), then the TEMPORAL_*
// variables over it. TLS files are read now, so that a mistake stops the
// start.
func temporalConnection(lookup Lookup, get func(string) string) (envconfig.ClientConfigProfile, error) {
	file, profile := get("TEMPORAL_CONFIG_FILE"), get("TEMPORAL_PROFILE")
	if file != "" {
		if _, err := os.Stat(file); err != nil {
			return envconfig.ClientConfigProfile{}, fmt.Errorf("TEMPORAL_CONFIG_FILE=%q cannot be read: %w", file, err)
		}
	}
	prof, err := envconfig.LoadClientConfigProfile(envconfig.LoadClientConfigProfileOptions{
		ConfigFilePath: file, ConfigFileProfile: profile, DisableFile: file == "" && profile == "",
		EnvLookup: envLookup{lookup},
	})
	if err != nil {
		return prof, fmt.Errorf("temporal client configuration (TEMPORAL_CONFIG_FILE, TEMPORAL_PROFILE): %w", err)
	}
	if _, err := prof.ToClientOptions(envconfig.ToClientOptionsRequest{}); err != nil {
		return prof, fmt.Errorf("temporal connection (TEMPORAL_API_KEY, TEMPORAL_TLS*, or the profile): %w", err)
	}
	return prof, nil
}

// envLookup hands the SDK's envconfig the product's lookup: the process
// environment, then ENV_FILE. As everywhere here, a blank value is unset.
type envLookup struct{ lookup Lookup }

func (e envLookup) LookupEnv(key string) (string, bool) {
	v, ok := e.lookup(key)
	if v = strings.TrimSpace(v); !ok || v == "" {
		return "", false
	}
	return v, true
}

// Environ lists the TEMPORAL_GRPC_META_* variables of the process
// environment, with their values as lookup has them.
func (e envLookup) Environ() []string {
	var out []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if !strings.HasPrefix(k, "TEMPORAL_GRPC_META_") {
			continue
		}
		if v, ok := e.lookup(k); ok {
			out = append(out, k+"="+v)
		}
	}
	return out
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
