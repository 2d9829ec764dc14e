package afterpay

import (
	"bytes"
	"fmt"
	"log/slog"
	"net/http"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestHostSelection(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
		want string
	}{
		{"default is sandbox", Config{}, "https://global-api-sandbox.afterpay.com"},
		{"sandbox", Config{Environment: Sandbox}, "https://global-api-sandbox.afterpay.com"},
		{"production", Config{Environment: Production}, "https://global-api.afterpay.com"},
		{"legacy AU sandbox", Config{LegacyRegion: "AU"}, "https://api-sandbox.afterpay.com"},
		{"legacy NZ production", Config{LegacyRegion: "NZ", Environment: Production}, "https://api.afterpay.com"},
		{"legacy US sandbox", Config{LegacyRegion: "US"}, "https://api.us-sandbox.afterpay.com"},
		{"legacy CA production", Config{LegacyRegion: "CA", Environment: Production}, "https://api.us.afterpay.com"},
		{"legacy GB sandbox", Config{LegacyRegion: "GB"}, "https://api.eu-sandbox.afterpay.com"},
		{"legacy uk production, any case", Config{LegacyRegion: "uk", Environment: Production}, "https://api.eu.afterpay.com"},
		{"legacy ES sandbox", Config{LegacyRegion: "ES"}, "https://api.sandbox.clearpay.com"},
		{"legacy FR production", Config{LegacyRegion: "FR", Environment: Production}, "https://api.clearpay.com"},
		{"legacy IT sandbox", Config{LegacyRegion: "IT"}, "https://api.sandbox.clearpay.com"},
		{"legacy PT production", Config{LegacyRegion: "PT", Environment: Production}, "https://api.clearpay.com"},
		{"base URL wins over everything", Config{BaseURL: "http://127.0.0.1:8089", LegacyRegion: "US", Environment: Production}, "http://127.0.0.1:8089"},
		{"base URL keeps a path prefix, drops the trailing slash", Config{BaseURL: "http://127.0.0.1:8089/sim/afterpay/"}, "http://127.0.0.1:8089/sim/afterpay"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.cfg.MerchantID, tt.cfg.SecretKey = testMerchantID, testSecretKey
			c, err := NewClient(tt.cfg)
			require.NoError(t, err)
			require.Equal(t, tt.want, c.BaseURL())
		})
	}
}

func TestBaseURLPathPrefixIsUsed(t *testing.T) {
	f := newFakeAfterpay(t, func(*http.Request) reply { return ok(configurationJSON) })
	c := newTestClient(t, f.srv.URL+"/sim/afterpay/")
	_, err := c.GetConfiguration(t.Context())
	require.NoError(t, err)
	require.Equal(t, "/sim/afterpay/v2/configuration", f.last(t).EscapedPath)
}

func TestConfigValidation(t *testing.T) {
	const secret = "do-not-print-me"
	tests := []struct {
		name    string
		cfg     Config
		wantErr string
	}{
		{"missing merchant id", Config{SecretKey: secret}, "merchant ID is required"},
		{"blank merchant id", Config{MerchantID: "  ", SecretKey: secret}, "merchant ID is required"},
		{"colon in merchant id", Config{MerchantID: "a:b", SecretKey: secret}, "must not contain ':'"},
		{"missing secret", Config{MerchantID: "32"}, "secret key is required"},
		{"bad environment", Config{MerchantID: "32", SecretKey: secret, Environment: "staging"}, `unknown environment "staging"`},
		{"unknown legacy region", Config{MerchantID: "32", SecretKey: secret, LegacyRegion: "JP"}, `unknown legacy region "JP"`},
		{"relative base URL", Config{MerchantID: "32", SecretKey: secret, BaseURL: "/v2"}, "absolute http(s) URL"},
		{"ftp base URL", Config{MerchantID: "32", SecretKey: secret, BaseURL: "ftp://example.com"}, "absolute http(s) URL"},
		{"base URL with query", Config{MerchantID: "32", SecretKey: secret, BaseURL: "https://example.com/?a=b"}, "must not carry a query"},
		{"base URL with credentials", Config{MerchantID: "32", SecretKey: secret, BaseURL: "https://u:p@example.com"}, "must not carry"},
		{"unparsable base URL", Config{MerchantID: "32", SecretKey: secret, BaseURL: "http://[::1"}, "base URL"},
		{"negative timeout", Config{MerchantID: "32", SecretKey: secret, Timeouts: Timeouts{Read: -time.Second}}, "must not be negative"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := NewClient(tt.cfg)
			require.Nil(t, c)
			require.ErrorContains(t, err, tt.wantErr)
			require.NotContains(t, err.Error(), secret)
		})
	}
}

func TestDefaultTimeoutsAndTransport(t *testing.T) {
	c := newTestClient(t, "")
	require.Equal(t, Timeouts{Connect: 10 * time.Second, Read: 20 * time.Second, MoneyRead: 70 * time.Second}, c.timeouts)
	require.NotNil(t, c.dialer)
	require.Equal(t, 10*time.Second, c.dialer.Timeout, "connect timeout on the dialer")
	require.Zero(t, c.http.Timeout, "no overall client timeout; each call has its own deadline")
	tr, isTransport := c.http.Transport.(*http.Transport)
	require.True(t, isTransport)
	require.Equal(t, 10*time.Second, tr.TLSHandshakeTimeout)
	require.NotNil(t, tr.TLSClientConfig)
	require.GreaterOrEqual(t, tr.TLSClientConfig.MinVersion, uint16(0x0303), "TLS 1.2 or newer")

	c = newTestClient(t, "", func(cfg *Config) { cfg.Timeouts = Timeouts{Connect: 3 * time.Second, MoneyRead: 90 * time.Second} })
	require.Equal(t, Timeouts{Connect: 3 * time.Second, Read: 20 * time.Second, MoneyRead: 90 * time.Second}, c.timeouts)
	require.Equal(t, 3*time.Second, c.dialer.Timeout)

	own := &http.Client{}
	c = newTestClient(t, "", func(cfg *Config) { cfg.HTTPClient = own })
	require.Same(t, own, c.http)
	require.Nil(t, c.dialer)
}

func TestUserAgent(t *testing.T) {
	goVer := strings.TrimPrefix(runtime.Version(), "go")
	tests := []struct {
		name string
		ua   UserAgent
		want string
	}{
		{"everything", testUserAgent, wantUserAgent()},
		{"defaults", UserAgent{}, "odoo-afterpay-bridge/dev (Go/" + goVer + "; Merchant/32)"},
		{"platform without version", UserAgent{PluginName: "P", PluginVersion: "1", Platform: "Odoo"}, "P/1 (Odoo; Go/" + goVer + "; Merchant/32)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newTestClient(t, "", func(cfg *Config) { cfg.UserAgent = tt.ua })
			require.Equal(t, tt.want, c.UserAgent())
		})
	}
	require.Equal(t, "odoo-afterpay-bridge/dev (Go/"+goVer+")", UserAgent{}.String())
}

func TestConfigNeverPrintsTheSecret(t *testing.T) {
	cfg := Config{MerchantID: "32", SecretKey: "sk_live_TOPSECRET", Environment: Production}
	var buf bytes.Buffer
	slog.New(slog.NewJSONHandler(&buf, nil)).Info("config", "afterpay", cfg)
	for _, s := range []string{
		fmt.Sprint(cfg), fmt.Sprintf("%v", cfg), fmt.Sprintf("%+v", cfg), fmt.Sprintf("%#v", cfg), fmt.Sprintf("%s", cfg), buf.String(),
	} {
		require.NotContains(t, s, "TOPSECRET")
		require.Contains(t, s, "32")
	}
}
