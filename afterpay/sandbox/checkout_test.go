package sandbox

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"
)

var tokenPattern = regexp.MustCompile(`^002\.[a-z0-9]{50}$`)

func TestCreateCheckout(t *testing.T) {
	h := newHarness(t)
	oas := loadOpenAPI(t, "afterpay-checkouts.openapi.json")
	r := h.request(http.MethodPost, "/v2/checkouts", checkoutBody("20.00"))
	expectStatus(t, r, http.StatusCreated)
	expectCorrelationID(t, r)
	oas.conform(t, "Checkout-Response", r.body, nil)
	got := r.json(t)
	token, _ := got["token"].(string)
	if !tokenPattern.MatchString(token) {
		t.Fatalf("token %q does not look like 002. + 50 alphanumerics", token)
	}
	if want := testStart.Add(180 * time.Minute).Format("2006-01-02T15:04:05.000Z"); got["expires"] != want {
		t.Errorf("expires = %v, want %s", got["expires"], want)
	}
	if want := h.ts.URL + "/us/checkout/?token=" + token; got["redirectCheckoutUrl"] != want {
		t.Errorf("redirectCheckoutUrl = %v, want %s", got["redirectCheckoutUrl"], want)
	}

	// GET checkout returns the request plus the response fields.
	g := h.request(http.MethodGet, "/v2/checkouts/"+token, nil)
	expectStatus(t, g, http.StatusOK)
	oas.conform(t, "get-checkout_Response_200", g.body, nil)
	gc := g.json(t)
	for _, field := range []string{"token", "expires", "redirectCheckoutUrl"} {
		if gc[field] != got[field] {
			t.Errorf("GET checkout %s = %v, want %v", field, gc[field], got[field])
		}
	}
	if gc["merchantReference"] != "SO0042" || gc["amount"].(map[string]any)["amount"] != "20.00" {
		t.Errorf("GET checkout lost request fields: %s", g.body)
	}
	if items := gc["items"].([]any); len(items) != 1 || items[0].(map[string]any)["sku"] != "LAMP-1" {
		t.Errorf("GET checkout items = %v", gc["items"])
	}
}

func TestCreateCheckoutUsesPublicURL(t *testing.T) {
	h := newHarness(t, func(o *Options) {
		o.PublicURL = "https://sandbox.example.test/"
		o.CountryPath = "au"
		o.Currency = "AUD"
	})
	body := checkoutBody("20.00")
	body["amount"] = map[string]string{"amount": "20.00", "currency": "AUD"}
	body["items"] = []any{}
	delete(body, "taxAmount")
	delete(body, "shippingAmount")
	r := h.request(http.MethodPost, "/v2/checkouts", body)
	expectStatus(t, r, http.StatusCreated)
	got := r.json(t)
	token := got["token"].(string)
	if !strings.HasPrefix(token, "001.") {
		t.Errorf("AUD token %q should start 001.", token)
	}
	if want := "https://sandbox.example.test/au/checkout/?token=" + token; got["redirectCheckoutUrl"] != want {
		t.Errorf("redirectCheckoutUrl = %v, want %s", got["redirectCheckoutUrl"], want)
	}
	if err := h.sim.SetPublicURL("http://127.0.0.1:9/"); err != nil {
		t.Fatal(err)
	}
	r = h.request(http.MethodPost, "/v2/checkouts", body)
	if u := r.json(t)["redirectCheckoutUrl"].(string); !strings.HasPrefix(u, "http://127.0.0.1:9/au/checkout/?token=") {
		t.Errorf("after SetPublicURL redirectCheckoutUrl = %s", u)
	}
}

// TestMoneyValidation covers every row of afterpay-api.md §3.1 on the
// checkout amount, plus the merchant limits.
func TestMoneyValidation(t *testing.T) {
	h := newHarness(t)
	tests := []struct {
		name   string
		amount any
		status int
		code   string
	}{
		{"amount missing", map[string]any{"currency": "USD"}, 422, "invalid_object"},
		{"amount null", map[string]any{"amount": nil, "currency": "USD"}, 422, "invalid_object"},
		{"three decimals", usd("10.001"), 422, "invalid_object"},
		{"thousands comma", usd("1,000.00"), 422, "invalid_amount"},
		{"word", usd("FREE"), 422, "invalid_object"},
		{"dollar sign", usd("$2"), 422, "invalid_object"},
		{"empty", usd(""), 422, "invalid_object"},
		{"exponent", usd("1e2"), 422, "invalid_object"},
		{"JSON number", map[string]any{"amount": 10.00, "currency": "USD"}, 422, "invalid_object"},
		{"currency missing", map[string]any{"amount": "10.00"}, 422, "invalid_object"},
		{"currency empty", map[string]any{"amount": "10.00", "currency": ""}, 422, "invalid_object"},
		{"currency lower case", map[string]any{"amount": "10.00", "currency": "usd"}, 422, "invalid_object"},
		{"currency unknown", map[string]any{"amount": "10.00", "currency": "XYZ"}, 422, "invalid_object"},
		{"another merchant's currency", map[string]any{"amount": "10.00", "currency": "AUD"}, 422, "unsupported_currency"},
		{"not an object", "10.00", 422, "invalid_object"},
		{"below minimum", usd("0.99"), 422, "unsupported_payment_type"},
		{"above maximum", usd("2000.01"), 422, "unsupported_payment_type"},
		{"negative", usd("-5.00"), 422, "unsupported_payment_type"},
		{"at minimum", usd("1.00"), 201, ""},
		{"at maximum", usd("2000"), 201, ""},
		{"one decimal", usd("10.5"), 201, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body := checkoutBody("10.00")
			body["amount"] = tt.amount
			r := h.request(http.MethodPost, "/v2/checkouts", body)
			if tt.status == 201 {
				expectStatus(t, r, 201)
				return
			}
			expectError(t, r, tt.status, tt.code)
		})
	}
}

func TestCreateCheckoutValidation(t *testing.T) {
	h := newHarness(t)
	manyItems := make([]any, 101)
	for i := range manyItems {
		manyItems[i] = map[string]any{"name": fmt.Sprint("item ", i), "quantity": 1, "price": usd("0.10")}
	}
	hundredItems := manyItems[:100]
	tests := []struct {
		name   string
		change func(map[string]any)
		status int
		code   string
	}{
		{"amount missing", func(b map[string]any) { delete(b, "amount") }, 422, "invalid_object"},
		{"consumer missing", func(b map[string]any) { delete(b, "consumer") }, 422, "invalid_object"},
		{"consumer email missing", func(b map[string]any) { b["consumer"] = map[string]any{"givenNames": "Jane"} }, 422, "invalid_object"},
		{"consumer email too long", func(b map[string]any) {
			b["consumer"] = map[string]any{"email": strings.Repeat("a", 120) + "@example.com"}
		}, 422, "invalid_object"},
		{"merchant missing", func(b map[string]any) { delete(b, "merchant") }, 422, "invalid_object"},
		{"confirm URL missing", func(b map[string]any) { b["merchant"] = map[string]any{"redirectCancelUrl": "https://shop/c"} }, 422, "invalid_object"},
		{"cancel URL relative", func(b map[string]any) {
			b["merchant"] = map[string]any{"redirectConfirmUrl": "https://shop/ok", "redirectCancelUrl": "/cancel"}
		}, 422, "invalid_object"},
		{"101 items", func(b map[string]any) { b["items"] = manyItems }, 422, "invalid_object"},
		{"100 items", func(b map[string]any) { b["items"] = hundredItems }, 201, ""},
		{"item without name", func(b map[string]any) { b["items"] = []any{map[string]any{"quantity": 1, "price": usd("1.00")}} }, 422, "invalid_object"},
		{"item without quantity", func(b map[string]any) { b["items"] = []any{map[string]any{"name": "x", "price": usd("1.00")}} }, 422, "invalid_object"},
		{"item without price", func(b map[string]any) { b["items"] = []any{map[string]any{"name": "x", "quantity": 1}} }, 422, "invalid_object"},
		{"item price in another currency", func(b map[string]any) {
			b["items"] = []any{map[string]any{"name": "x", "quantity": 1, "price": map[string]any{"amount": "1.00", "currency": "GBP"}}}
		}, 422, "unsupported_currency"},
		{"item price with comma", func(b map[string]any) {
			b["items"] = []any{map[string]any{"name": "x", "quantity": 1, "price": usd("1,00")}}
		}, 422, "invalid_amount"},
		{"quantity not an integer", func(b map[string]any) {
			b["items"] = []any{map[string]any{"name": "x", "quantity": "two", "price": usd("1.00")}}
		}, 422, "invalid_object"},
		{"tax in another currency", func(b map[string]any) { b["taxAmount"] = map[string]any{"amount": "1.00", "currency": "NZD"} }, 422, "unsupported_currency"},
		{"shipping amount malformed", func(b map[string]any) { b["shippingAmount"] = usd("1.234") }, 422, "invalid_object"},
		{"discount without amount", func(b map[string]any) { b["discounts"] = []any{map[string]any{"displayName": "10%"}} }, 422, "invalid_object"},
		{"billing without postcode", func(b map[string]any) {
			b["billing"] = map[string]any{"name": "J", "line1": "1 St", "area1": "X", "region": "IL", "countryCode": "US"}
		}, 422, "invalid_object"},
		{"shipping country not served", func(b map[string]any) {
			b["shipping"] = map[string]any{"name": "J", "line1": "1 St", "area1": "X", "region": "IL", "postcode": "1", "countryCode": "FR"}
		}, 422, "invalid_object"},
		{"courier priority", func(b map[string]any) { b["courier"] = map[string]any{"priority": "FAST"} }, 422, "invalid_object"},
		{"merchantReference too long", func(b map[string]any) { b["merchantReference"] = strings.Repeat("r", 129) }, 422, "invalid_object"},
		{"mode unknown", func(b map[string]any) { b["mode"] = "popup" }, 422, "invalid_object"},
		{"express without popupOriginUrl", func(b map[string]any) { b["mode"] = "express" }, 422, "invalid_object"},
		{"unknown fields are ignored", func(b map[string]any) { b["purchaseCountry"] = "US"; b["custom"] = map[string]any{"x": 1} }, 201, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body := checkoutBody("10.00")
			tt.change(body)
			r := h.request(http.MethodPost, "/v2/checkouts", body)
			if tt.status == 201 {
				expectStatus(t, r, 201)
				return
			}
			expectError(t, r, tt.status, tt.code)
		})
	}
}

func TestGetCheckoutErrors(t *testing.T) {
	h := newHarness(t)
	expectError(t, h.request(http.MethodGet, "/v2/checkouts/", nil), http.StatusNotFound, "not_found")
	expectError(t, h.request(http.MethodGet, "/v2/checkouts/002.unknown", nil), http.StatusPreconditionFailed, "precondition_failed")

	_, consumed := h.capturedOrder("20.00")
	expectError(t, h.request(http.MethodGet, "/v2/checkouts/"+consumed, nil), http.StatusPreconditionFailed, "precondition_failed")

	token := h.createCheckout("20.00")
	h.clock.Advance(179 * time.Minute)
	expectStatus(t, h.request(http.MethodGet, "/v2/checkouts/"+token, nil), http.StatusOK)
	h.clock.Advance(time.Minute)
	expectError(t, h.request(http.MethodGet, "/v2/checkouts/"+token, nil), http.StatusPreconditionFailed, "precondition_failed")
}

func TestAppendCallbackArgs(t *testing.T) {
	tests := []struct {
		base, status, want string
	}{
		{"https://shop/confirm", "SUCCESS", "https://shop/confirm?&status=SUCCESS&orderToken=002.tok"},
		{"https://shop/confirm?order=7", "SUCCESS", "https://shop/confirm?order=7&status=SUCCESS&orderToken=002.tok"},
		{"https://shop/confirm?", "CANCELLED", "https://shop/confirm?&status=CANCELLED&orderToken=002.tok"},
		{"https://shop/confirm?a=1&", "SUCCESS", "https://shop/confirm?a=1&status=SUCCESS&orderToken=002.tok"},
		{"https://shop/confirm#frag", "SUCCESS", "https://shop/confirm?&status=SUCCESS&orderToken=002.tok#frag"},
	}
	for _, tt := range tests {
		if got := appendCallbackArgs(tt.base, tt.status, "002.tok"); got != tt.want {
			t.Errorf("appendCallbackArgs(%q) = %q, want %q", tt.base, got, tt.want)
		}
		u, err := url.Parse(tt.want)
		if err != nil || u.Query().Get("status") != tt.status || u.Query().Get("orderToken") != "002.tok" {
			t.Errorf("%q does not parse to status and orderToken", tt.want)
		}
	}
}

// noRedirect is a client that reports redirects instead of following them.
func noRedirect(h *harness) *http.Client {
	c := *h.ts.Client()
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &c
}

func TestConsumerCheckoutPage(t *testing.T) {
	h := newHarness(t)
	token := h.createCheckout("100.01")
	resp, err := h.ts.Client().Get(h.ts.URL + "/us/checkout/?token=" + token)
	if err != nil {
		t.Fatal(err)
	}
	page := readAll(t, resp)
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
		t.Fatalf("page status %d, content type %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	for _, want := range []string{
		`<form method="post" action="confirm">`,
		`<input type="hidden" name="token" value="` + token + `">`,
		`name="outcome" value="approve">Approve</button>`,
		`name="outcome" value="decline">Decline</button>`,
		`name="outcome" value="cancel">Cancel</button>`,
		"Example Shop", "SO0042", "Desk lamp", "100.01 USD",
		// 100.01 in four: the odd cent goes on the first instalment.
		"<strong>25.01 USD</strong>today", "<strong>25.00 USD</strong>Mon 16 Mar", "<strong>25.00 USD</strong>Mon 13 Apr",
	} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %q", want)
		}
	}

	// Without the trailing slash the page redirects, keeping the token.
	resp, err = noRedirect(h).Get(h.ts.URL + "/us/checkout?token=" + token)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMovedPermanently || resp.Header.Get("Location") != "/us/checkout/?token="+token {
		t.Errorf("no-slash page: %d Location %q", resp.StatusCode, resp.Header.Get("Location"))
	}
}

func TestConsumerConfirmRedirects(t *testing.T) {
	h := newHarness(t)
	post := func(token, outcome string) *http.Response {
		t.Helper()
		resp, err := noRedirect(h).PostForm(h.ts.URL+"/us/checkout/confirm", url.Values{"token": {token}, "outcome": {outcome}})
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp
	}
	tests := []struct {
		outcome string
		want    string
	}{
		{"approve", "https://shop.example.com/afterpay/confirm?&status=SUCCESS&orderToken="},
		{"decline", "https://shop.example.com/afterpay/confirm?&status=SUCCESS&orderToken="},
		{"cancel", "https://shop.example.com/afterpay/cancel?&status=CANCELLED&orderToken="},
	}
	for _, tt := range tests {
		token := h.createCheckout("20.00")
		resp := post(token, tt.outcome)
		if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != tt.want+token {
			t.Errorf("%s: %d Location %q, want 303 %q", tt.outcome, resp.StatusCode, resp.Header.Get("Location"), tt.want+token)
		}
		// The same answer again (a double submit) redirects again.
		if again := post(token, tt.outcome); again.StatusCode != http.StatusSeeOther {
			t.Errorf("%s twice: %d", tt.outcome, again.StatusCode)
		}
	}

	// A merchant URL that already has a query.
	body := checkoutBody("20.00")
	body["merchant"] = map[string]any{"redirectConfirmUrl": "https://shop/return?so=42", "redirectCancelUrl": "https://shop/return?so=42&x=1"}
	r := h.request(http.MethodPost, "/v2/checkouts", body)
	token := r.json(t)["token"].(string)
	if resp := post(token, "approve"); resp.Header.Get("Location") != "https://shop/return?so=42&status=SUCCESS&orderToken="+token {
		t.Errorf("query merchant URL: Location %q", resp.Header.Get("Location"))
	}

	// Errors render a page with the right status.
	if resp := post("002.unknown", "approve"); resp.StatusCode != http.StatusNotFound {
		t.Errorf("unknown token: %d", resp.StatusCode)
	}
	declined := h.createCheckout("20.00")
	post(declined, "decline")
	if resp := post(declined, "approve"); resp.StatusCode != http.StatusConflict {
		t.Errorf("changing the answer: %d", resp.StatusCode)
	}
	if resp := post(h.createCheckout("20.00"), "maybe"); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("bad outcome: %d", resp.StatusCode)
	}
	expired := h.createCheckout("20.00")
	h.clock.Advance(3 * time.Hour)
	if resp := post(expired, "approve"); resp.StatusCode != http.StatusGone {
		t.Errorf("expired token: %d", resp.StatusCode)
	}
	resp, err := h.ts.Client().Get(h.ts.URL + "/us/checkout/?token=" + expired)
	if err != nil {
		t.Fatal(err)
	}
	if page := readAll(t, resp); resp.StatusCode != http.StatusGone || !strings.Contains(page, "expired") || strings.Contains(page, "<button") {
		t.Errorf("expired page: %d", resp.StatusCode)
	}
	resp, err = h.ts.Client().Get(h.ts.URL + "/us/checkout/?token=002.nothing")
	if err != nil {
		t.Fatal(err)
	}
	if readAll(t, resp); resp.StatusCode != http.StatusNotFound {
		t.Errorf("unknown page: %d", resp.StatusCode)
	}
}

func TestConfirmHook(t *testing.T) {
	h := newHarness(t)
	hook := func(token string, body string) reply {
		req, _ := http.NewRequest(http.MethodPost, h.ts.URL+"/__sim/checkouts/"+token+"/confirm", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		return h.send(req)
	}
	token := h.createCheckout("20.00")
	r := hook(token, `{"outcome":"approve"}`)
	expectStatus(t, r, http.StatusOK)
	var got struct {
		RedirectURL string `json:"redirectUrl"`
	}
	if err := json.Unmarshal(r.body, &got); err != nil {
		t.Fatal(err)
	}
	if want := "https://shop.example.com/afterpay/confirm?&status=SUCCESS&orderToken=" + token; got.RedirectURL != want {
		t.Errorf("redirectUrl = %q, want %q", got.RedirectURL, want)
	}
	expectError(t, hook(token, `{"outcome":"cancel"}`), http.StatusConflict, "already_confirmed")
	expectError(t, hook("002.nope", `{"outcome":"approve"}`), http.StatusNotFound, "not_found")
	expectError(t, hook(h.createCheckout("20.00"), `{"outcome":"later"}`), http.StatusBadRequest, "invalid_object")
	expectError(t, hook(token, `{`), http.StatusBadRequest, "invalid_json")

	// Go API errors are typed.
	if _, err := h.sim.ConfirmCheckout("002.nope", OutcomeApprove); !errors.Is(err, ErrCheckoutNotFound) {
		t.Errorf("ConfirmCheckout unknown = %v", err)
	}
	_, used := h.capturedOrder("20.00")
	if _, err := h.sim.ConfirmCheckout(used, OutcomeApprove); !errors.Is(err, ErrCheckoutCompleted) {
		t.Errorf("ConfirmCheckout consumed = %v", err)
	}
	old := h.createCheckout("20.00")
	h.clock.Advance(181 * time.Minute)
	if _, err := h.sim.ConfirmCheckout(old, OutcomeApprove); !errors.Is(err, ErrCheckoutExpired) {
		t.Errorf("ConfirmCheckout expired = %v", err)
	}
}

func readAll(t *testing.T, resp *http.Response) string {
	t.Helper()
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("read body: %v", err)
	}
	return string(b)
}
