package afterpay

import (
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"runtime"
	"strings"
	"time"
)

// Environment selects Afterpay's sandbox or production API.
type Environment string

// Environments.
const (
	// Sandbox is Afterpay's test environment; no money moves. It is the default.
	Sandbox Environment = "sandbox"
	// Production is the live environment.
	Production Environment = "production"
)

// Global API hosts, valid for every region (afterpay-api.md §1.1).
const (
	SandboxBaseURL    = "https://global-api-sandbox.afterpay.com"
	ProductionBaseURL = "https://global-api.afterpay.com"
)

// Documented client timeouts (afterpay-api.md §2 and §5).
const (
	// DefaultConnectTimeout bounds opening a connection (TCP and TLS).
	DefaultConnectTimeout = 10 * time.Second
	// DefaultReadTimeout bounds a whole call to a look-up or light-write
	// endpoint: ping, configuration, checkouts, GET payment(s), update payment,
	// courier, disputes.
	DefaultReadTimeout = 20 * time.Second
	// DefaultMoneyReadTimeout bounds a whole call that moves money: auth,
	// capture (full and deferred), void, refund and reversal. Afterpay waits
	// on banking networks there, hence the long value.
	DefaultMoneyReadTimeout = 70 * time.Second
)

// Timeouts overrides the documented timeouts. A zero field keeps its default.
type Timeouts struct {
	// Connect bounds dialling and the TLS handshake. It only applies to the
	// HTTP client built by NewClient; a caller-supplied Config.HTTPClient
	// carries its own.
	Connect time.Duration
	// Read bounds each call to a look-up or light-write endpoint.
	Read time.Duration
	// MoneyRead bounds each call that moves money.
	MoneyRead time.Duration
}

func (t Timeouts) withDefaults() Timeouts {
	if t.Connect == 0 {
		t.Connect = DefaultConnectTimeout
	}
	if t.Read == 0 {
		t.Read = DefaultReadTimeout
	}
	if t.MoneyRead == 0 {
		t.MoneyRead = DefaultMoneyReadTimeout
	}
	return t
}

// UserAgent describes the integration for the User-Agent header that Afterpay
// requires for certification. The merchant ID is taken from Config.
type UserAgent struct {
	// PluginName names the integration; default "odoo-afterpay-bridge".
	PluginName string
	// PluginVersion is its version; default "dev".
	PluginVersion string
	// Platform names the commerce platform, e.g. "Odoo".
	Platform string
	// PlatformVersion is the platform's version, e.g. "18.0".
	PlatformVersion string
	// StoreURL is the merchant's store URL, appended after the parenthesis.
	StoreURL string
}

// Default User-Agent parts.
const (
	DefaultPluginName    = "odoo-afterpay-bridge"
	DefaultPluginVersion = "dev"
)

// String builds the documented form
// `PluginName/ver (Platform/ver; Go/ver; Merchant/<id>) https://store.url`
// without a merchant ID; Config uses format with one.
func (ua UserAgent) String() string { return ua.format("") }

func (ua UserAgent) format(merchantID string) string {
	name := ua.PluginName
	if name == "" {
		name = DefaultPluginName
	}
	version := ua.PluginVersion
	if version == "" {
		version = DefaultPluginVersion
	}
	var parts []string
	if ua.Platform != "" {
		p := ua.Platform
		if ua.PlatformVersion != "" {
			p += "/" + ua.PlatformVersion
		}
		parts = append(parts, p)
	}
	parts = append(parts, "Go/"+strings.TrimPrefix(runtime.Version(), "go"))
	if merchantID != "" {
		parts = append(parts, "Merchant/"+merchantID)
	}
	s := name + "/" + version + " (" + strings.Join(parts, "; ") + ")"
	if ua.StoreURL != "" {
		s += " " + ua.StoreURL
	}
	return s
}

// Config configures a Client. MerchantID and SecretKey are required; every
// other field has a documented default.
type Config struct {
	// MerchantID is the Afterpay merchant ID (the Basic-auth username).
	MerchantID string
	// SecretKey is the merchant's secret key (the Basic-auth password). It is
	// never logged and never part of an error message.
	SecretKey string
	// Environment selects sandbox (default) or production.
	Environment Environment
	// LegacyRegion optionally selects a legacy regional host instead of the
	// global one: AU, NZ, US, CA, GB (or UK), ES, FR, IT, PT.
	LegacyRegion string
	// BaseURL overrides the host (a simulator, a test server). It wins over
	// Environment and LegacyRegion and may carry a path prefix.
	BaseURL string
	// UserAgent describes the integration for the User-Agent header.
	UserAgent UserAgent
	// HTTPClient is used for every call if set. By default the client builds
	// one with the connect timeout, no overall timeout (each call gets its own
	// deadline), TLS 1.2+, and redirects not followed.
	HTTPClient *http.Client
	// Timeouts overrides the documented timeouts.
	Timeouts Timeouts
	// Logger receives DEBUG request/response logs (personal data masked) and
	// the ERROR credentials alarm on 401. Nil discards.
	Logger *slog.Logger
	// Now is the clock used to turn an HTTP-date Retry-After into a duration
	// and to time calls. Nil means time.Now.
	Now func() time.Time
	// Breaker is the circuit breaker that stops calls during an outage.
	Breaker BreakerConfig
}

// String describes the configuration without the secret key, so that a
// Config printed by mistake leaks nothing.
func (c Config) String() string {
	secret := "unset"
	if c.SecretKey != "" {
		secret = "set"
	}
	return fmt.Sprintf("afterpay.Config{MerchantID:%q Environment:%q LegacyRegion:%q BaseURL:%q SecretKey:%s}",
		c.MerchantID, c.Environment, c.LegacyRegion, c.BaseURL, secret)
}

// GoString is String, so that %#v does not print the secret key either.
func (c Config) GoString() string { return c.String() }

// LogValue keeps the secret key out of structured logs.
func (c Config) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("merchant_id", c.MerchantID),
		slog.String("environment", string(c.Environment)),
		slog.String("legacy_region", c.LegacyRegion),
		slog.String("base_url", c.BaseURL),
		slog.Bool("secret_key_set", c.SecretKey != ""),
	)
}

// resolveBaseURL picks the API host: BaseURL, else the legacy regional host,
// else the global host of the environment.
func (c Config) resolveBaseURL() (string, error) {
	env := c.Environment
	if env == "" {
		env = Sandbox
	}
	if env != Sandbox && env != Production {
		return "", fmt.Errorf("afterpay: config: unknown environment %q (want %q or %q)", c.Environment, Sandbox, Production)
	}
	if c.BaseURL != "" {
		u, err := url.Parse(c.BaseURL)
		if err != nil {
			return "", fmt.Errorf("afterpay: config: base URL: %w", err)
		}
		if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return "", fmt.Errorf("afterpay: config: base URL %q must be an absolute http(s) URL", c.BaseURL)
		}
		if u.RawQuery != "" || u.Fragment != "" || u.User != nil {
			return "", fmt.Errorf("afterpay: config: base URL %q must not carry a query, fragment or user info", c.BaseURL)
		}
		return strings.TrimRight(u.String(), "/"), nil
	}
	if c.LegacyRegion != "" {
		host, err := legacyHost(c.LegacyRegion, env)
		if err != nil {
			return "", err
		}
		return host, nil
	}
	if env == Production {
		return ProductionBaseURL, nil
	}
	return SandboxBaseURL, nil
}

// legacyHost maps a merchant region to the regional host the SDK used before
// the global API (afterpay-api.md §1.1).
func legacyHost(region string, env Environment) (string, error) {
	var prod, sandbox string
	switch strings.ToUpper(region) {
	case "AU", "NZ":
		prod, sandbox = "api.afterpay.com", "api-sandbox.afterpay.com"
	case "US", "CA":
		prod, sandbox = "api.us.afterpay.com", "api.us-sandbox.afterpay.com"
	case "GB", "UK":
		prod, sandbox = "api.eu.afterpay.com", "api.eu-sandbox.afterpay.com"
	case "ES", "FR", "IT", "PT":
		prod, sandbox = "api.clearpay.com", "api.sandbox.clearpay.com"
	default:
		return "", fmt.Errorf("afterpay: config: unknown legacy region %q (want AU, NZ, US, CA, GB, ES, FR, IT or PT)", region)
	}
	if env == Production {
		return "https://" + prod, nil
	}
	return "https://" + sandbox, nil
}

func (c Config) validate() error {
	if strings.TrimSpace(c.MerchantID) == "" {
		return fmt.Errorf("afterpay: config: merchant ID is required")
	}
	if strings.Contains(c.MerchantID, ":") {
		// Basic auth splits the credentials at the first colon.
		return fmt.Errorf("afterpay: config: merchant ID %q must not contain ':'", c.MerchantID)
	}
	if c.SecretKey == "" {
		return fmt.Errorf("afterpay: config: secret key is required")
	}
	t := c.Timeouts
	if t.Connect < 0 || t.Read < 0 || t.MoneyRead < 0 {
		return fmt.Errorf("afterpay: config: timeouts must not be negative")
	}
	return nil
}
