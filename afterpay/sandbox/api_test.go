package sandbox

import (
	"net/http"
	"strings"
	"testing"

	"github.com/odoo-afterpay/bridge/money"
)

func TestPing(t *testing.T) {
	h := newHarness(t)
	req := h.newRequest(http.MethodGet, "/ping", nil, "Authorization", "")
	r := h.send(req)
	expectStatus(t, r, http.StatusOK)
	if string(r.body) != "pong" || r.header.Get("Content-Type") != "text/plain" {
		t.Fatalf("ping = %q (%s), want pong as text/plain", r.body, r.header.Get("Content-Type"))
	}
	expectCorrelationID(t, r)

	expectError(t, h.request(http.MethodPost, "/ping", "{}"), http.StatusMethodNotAllowed, "method_not_allowed")
	if r := h.request(http.MethodOptions, "/ping", nil); r.status != http.StatusOK || !strings.Contains(r.header.Get("Allow"), "GET") {
		t.Fatalf("OPTIONS /ping = %d Allow %q", r.status, r.header.Get("Allow"))
	}
}

// TestErrorsEveryEndpointCanReturn covers afterpay-api.md §2's shared table.
func TestErrorsEveryEndpointCanReturn(t *testing.T) {
	h := newHarness(t)
	tests := []struct {
		name   string
		req    *http.Request
		status int
		code   string
	}{
		{"GET without credentials", h.newRequest(http.MethodGet, "/v2/configuration", nil, "Authorization", ""), 401, "unauthorized"},
		{"POST without credentials", h.newRequest(http.MethodPost, "/v2/checkouts", checkoutBody("20.00"), "Authorization", ""), 401, "unauthorized"},
		{"wrong secret", func() *http.Request {
			r := h.newRequest(http.MethodGet, "/v2/configuration", nil)
			r.SetBasicAuth(testMerchantID, "nope")
			return r
		}(), 401, "unauthorized"},
		{"bearer instead of basic", h.newRequest(http.MethodGet, "/v2/configuration", nil, "Authorization", "Bearer abc"), 401, "unauthorized"},
		{"GET with a wrong method", h.newRequest(http.MethodDelete, "/v2/configuration", nil), 405, "method_not_allowed"},
		{"POST with a wrong method", h.newRequest(http.MethodPut, "/v2/payments/capture", `{}`), 405, "method_not_allowed"},
		{"GET with a bad Accept", h.newRequest(http.MethodGet, "/v2/configuration", nil, "Accept", "text/html"), 406, "error"},
		{"POST with a bad Accept", h.newRequest(http.MethodPost, "/v2/checkouts", checkoutBody("20.00"), "Accept", "application/xml"), 406, "error"},
		{"missing Content-Type", h.newRequest(http.MethodPost, "/v2/checkouts", checkoutBody("20.00"), "Content-Type", ""), 415, "error"},
		{"wrong Content-Type", h.newRequest(http.MethodPost, "/v2/checkouts", checkoutBody("20.00"), "Content-Type", "text/plain"), 415, "error"},
		{"malformed JSON", h.newRequest(http.MethodPost, "/v2/checkouts", `{"amount":`), 400, "invalid_json"},
		{"trailing garbage", h.newRequest(http.MethodPost, "/v2/payments/capture", `{"token":"x"} x`), 400, "invalid_json"},
		{"empty body", h.newRequest(http.MethodPost, "/v2/payments/capture", ``, "Content-Type", "application/json"), 500, "error"},
		{"unknown path", h.newRequest(http.MethodGet, "/v2/nothing", nil), 404, "not_found"},
		{"wrong field type", h.newRequest(http.MethodPost, "/v2/payments/capture", `{"token":42}`), 422, "invalid_object"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := h.send(tt.req)
			m := expectError(t, r, tt.status, tt.code)
			if tt.status == 401 && m["message"] != "Credentials are required to access this resource." {
				t.Errorf("401 message = %q", m["message"])
			}
			if tt.status == 405 && r.header.Get("Allow") == "" {
				t.Errorf("405 without Allow header")
			}
		})
	}
}

func TestAcceptHeaderVariantsAreAccepted(t *testing.T) {
	h := newHarness(t)
	for _, accept := range []string{"application/json", "*/*", "application/json; charset=utf-8", "text/html, application/json;q=0.9"} {
		if r := h.request(http.MethodGet, "/v2/configuration", nil, "Accept", accept); r.status != http.StatusOK {
			t.Errorf("Accept %q: status %d", accept, r.status)
		}
	}
	if r := h.request(http.MethodPost, "/v2/checkouts", checkoutBody("20.00"), "Content-Type", "application/json; charset=UTF-8"); r.status != http.StatusCreated {
		t.Errorf("Content-Type with charset: status %d %s", r.status, r.body)
	}
}

func TestUserAgent(t *testing.T) {
	lenient := newHarness(t)
	if r := lenient.request(http.MethodGet, "/v2/configuration", nil, "User-Agent", ""); r.status != http.StatusOK {
		t.Fatalf("lenient mode without User-Agent: status %d", r.status)
	}
	strict := newHarness(t, func(o *Options) { o.StrictUserAgent = true })
	expectError(t, strict.request(http.MethodGet, "/v2/configuration", nil, "User-Agent", ""), http.StatusBadRequest, "invalid_object")
	expectError(t, strict.request(http.MethodPost, "/v2/checkouts", checkoutBody("20.00"), "User-Agent", ""), http.StatusBadRequest, "invalid_object")
	if r := strict.request(http.MethodGet, "/v2/configuration", nil); r.status != http.StatusOK {
		t.Fatalf("strict mode with User-Agent: status %d", r.status)
	}
	if r := strict.send(strict.newRequest(http.MethodGet, "/ping", nil, "User-Agent", "")); r.status != http.StatusOK {
		t.Fatalf("strict mode ping without User-Agent: status %d", r.status)
	}
}

func TestConfiguration(t *testing.T) {
	oas := loadOpenAPI(t, "afterpay-configuration.openapi.json")
	t.Run("defaults", func(t *testing.T) {
		h := newHarness(t)
		r := h.request(http.MethodGet, "/v2/configuration", nil)
		expectStatus(t, r, http.StatusOK)
		want := `{"minimumAmount":{"amount":"1.00","currency":"USD"},"maximumAmount":{"amount":"2000.00","currency":"USD"}}`
		if string(r.body) != want {
			t.Fatalf("body = %s, want %s", r.body, want)
		}
		oas.conform(t, "Merchant-limit", r.body, nil)
	})
	t.Run("includes", func(t *testing.T) {
		h := newHarness(t, func(o *Options) {
			o.Currency = "AUD"
			o.MinimumAmount = money.MustNew(1000, "AUD")
			o.MaximumAmount = money.MustNew(150000, "AUD")
		})
		r := h.request(http.MethodGet, "/v2/configuration?include=publicid&include=paybyinstallment&include=consumerlending&include=cbt", nil)
		expectStatus(t, r, http.StatusOK)
		oas.conform(t, "Merchant-limit", r.body, nil)
		got := r.json(t)
		if id, _ := got["publicId"].(string); len(id) != 32 {
			t.Errorf("publicId = %v", got["publicId"])
		}
		pbi := got["payByInstallment"].(map[string]any)
		if pbi["minimumAmount"].(map[string]any)["amount"] != "10.00" || pbi["maximumAmount"].(map[string]any)["currency"] != "AUD" {
			t.Errorf("payByInstallment = %v", pbi)
		}
		if got["consumerLending"].(map[string]any)["enabled"] != false {
			t.Errorf("consumerLending = %v", got["consumerLending"])
		}
	})
	t.Run("no minimum", func(t *testing.T) {
		h := newHarness(t, func(o *Options) { o.MinimumAmount = money.MustNew(0, "USD") })
		got := h.request(http.MethodGet, "/v2/configuration", nil).json(t)
		if _, ok := got["minimumAmount"]; ok {
			t.Errorf("minimumAmount present for a merchant without minimum: %v", got)
		}
	})
}

func TestNewRejectsBadOptions(t *testing.T) {
	tests := []struct {
		name string
		opts Options
	}{
		{"no credentials", Options{}},
		{"bad currency", Options{MerchantID: "m", SecretKey: "s", Currency: "JPY"}},
		{"limit in another currency", Options{MerchantID: "m", SecretKey: "s", MinimumAmount: money.MustNew(100, "AUD")}},
		{"min above max", Options{MerchantID: "m", SecretKey: "s", MinimumAmount: money.MustNew(500, "USD"), MaximumAmount: money.MustNew(100, "USD")}},
		{"relative public URL", Options{MerchantID: "m", SecretKey: "s", PublicURL: "/sandbox"}},
		{"webhook without secret", Options{MerchantID: "m", SecretKey: "s", WebhookURL: "http://127.0.0.1:1/hook"}},
		{"bad fault", Options{MerchantID: "m", SecretKey: "s", Faults: []Fault{{Endpoint: "nope", Kind: FaultServerError}}}},
		{"country path with slash", Options{MerchantID: "m", SecretKey: "s", CountryPath: "us/x"}},
	}
	for _, tt := range tests {
		if _, err := New(tt.opts); err == nil {
			t.Errorf("%s: New succeeded", tt.name)
		}
	}
}

func TestMaskJSON(t *testing.T) {
	in := `{"consumer":{"email":"jane.doe@example.com","givenNames":"Jane"},"billing":{"line1":"1 Main St"},"merchantReference":"SO1","items":[{"name":"Lamp"}]}`
	out := maskJSON([]byte(in))
	for _, secret := range []string{"jane.doe", "Jane", "Main St"} {
		if strings.Contains(out, secret) {
			t.Errorf("masked body still contains %q: %s", secret, out)
		}
	}
	for _, kept := range []string{"SO1", "Lamp"} {
		if !strings.Contains(out, kept) {
			t.Errorf("masked body lost %q: %s", kept, out)
		}
	}
}
