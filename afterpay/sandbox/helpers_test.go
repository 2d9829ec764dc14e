package sandbox

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/odoo-afterpay/bridge/internal/testkit"

	"github.com/odoo-afterpay/bridge/money"
)

const (
	testMerchantID = "600032000"
	testSecretKey  = "sandbox-secret-key"
	testUserAgent  = "OdooAfterpayBridge/0.1 (Go; Merchant/600032000) https://shop.example.com"
)

// testStart is the ManualClock's starting time in every test.
var testStart = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

// harness is a simulator behind an httptest server, on a ManualClock.
type harness struct {
	t     *testing.T
	sim   *Server
	ts    *httptest.Server
	clock *ManualClock
}

func newHarness(t *testing.T, configure ...func(*Options)) *harness {
	t.Helper()
	clock := NewManualClock(testStart)
	opts := Options{MerchantID: testMerchantID, SecretKey: testSecretKey, Clock: clock}
	for _, c := range configure {
		c(&opts)
	}
	sim, err := New(opts)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	ts := httptest.NewServer(sim)
	// Cleanups run last-in first-out: release held requests before closing.
	t.Cleanup(ts.Close)
	t.Cleanup(sim.Close)
	return &harness{t: t, sim: sim, ts: ts, clock: clock}
}

// reply is a response read in full.
type reply struct {
	status int
	header http.Header
	body   []byte
}

func (r reply) json(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.body, &m); err != nil {
		t.Fatalf("response is not a JSON object: %v\n%s", err, r.body)
	}
	return m
}

// request sends an authenticated API request with a User-Agent and, for a
// non-nil body, Content-Type: application/json. A string body is sent as is.
func (h *harness) request(method, path string, body any, headers ...string) reply {
	h.t.Helper()
	req := h.newRequest(method, path, body, headers...)
	return h.send(req)
}

func (h *harness) newRequest(method, path string, body any, headers ...string) *http.Request {
	h.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	default:
		raw, err := json.Marshal(b)
		if err != nil {
			h.t.Fatalf("marshal request: %v", err)
		}
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequest(method, h.ts.URL+path, rd)
	if err != nil {
		h.t.Fatalf("new request: %v", err)
	}
	req.SetBasicAuth(testMerchantID, testSecretKey)
	req.Header.Set("User-Agent", testUserAgent)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(headers); i += 2 {
		switch {
		case headers[i+1] == "" && http.CanonicalHeaderKey(headers[i]) == "User-Agent":
			// An empty User-Agent makes net/http send none at all.
			req.Header.Set("User-Agent", "")
		case headers[i+1] == "":
			req.Header.Del(headers[i])
		default:
			req.Header.Set(headers[i], headers[i+1])
		}
	}
	return req
}

func (h *harness) send(req *http.Request) reply {
	h.t.Helper()
	return send(h.t, h.ts.Client(), req)
}

func send(t *testing.T, client *http.Client, req *http.Request) reply {
	t.Helper()
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL.Path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("read body: %v", err)
	}
	return reply{status: resp.StatusCode, header: resp.Header, body: b}
}

// expectStatus fails unless r has the status.
func expectStatus(t *testing.T, r reply, status int) {
	t.Helper()
	if r.status != status {
		t.Fatalf("status = %d, want %d; body: %s", r.status, status, r.body)
	}
}

var errorIDPattern = regexp.MustCompile(`^[0-9a-f]{16}$`)

// expectError checks an Afterpay error response: status, JSON content type,
// the four fields, the correlation header.
func expectError(t *testing.T, r reply, status int, code string) map[string]any {
	t.Helper()
	expectStatus(t, r, status)
	if ct := r.header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type = %q, want application/json", ct)
	}
	m := r.json(t)
	if m["errorCode"] != code {
		t.Errorf("errorCode = %v, want %s; body %s", m["errorCode"], code, r.body)
	}
	if id, _ := m["errorId"].(string); !errorIDPattern.MatchString(id) {
		t.Errorf("errorId = %v, want 16 hex digits", m["errorId"])
	}
	if m["httpStatusCode"] != float64(status) {
		t.Errorf("httpStatusCode = %v, want %d", m["httpStatusCode"], status)
	}
	if msg, _ := m["message"].(string); msg == "" {
		t.Errorf("message is empty")
	}
	if len(m) != 4 {
		t.Errorf("error body has %d fields, want 4: %s", len(m), r.body)
	}
	expectCorrelationID(t, r)
	return m
}

var correlationPattern = regexp.MustCompile(`^[a-z0-9]{26}$`)

func expectCorrelationID(t *testing.T, r reply) {
	t.Helper()
	if id := r.header.Get("http_correlation_id"); !correlationPattern.MatchString(id) {
		t.Errorf("http_correlation_id = %q, want 26 lower-case alphanumerics", id)
	}
}

func usd(amount string) map[string]string {
	return map[string]string{"amount": amount, "currency": "USD"}
}

// checkoutBody is a valid create-checkout request for amount.
func checkoutBody(amount string) map[string]any {
	return map[string]any{
		"amount":            usd(amount),
		"merchantReference": "SO0042",
		"consumer": map[string]any{
			"email": "jane.doe@example.com", "givenNames": "Jane", "surname": "Doe", "phoneNumber": "+1 555 0100",
		},
		"billing": map[string]any{
			"name": "Jane Doe", "line1": "1 Main St", "area1": "Springfield", "region": "IL", "postcode": "62701", "countryCode": "US",
		},
		"shipping": map[string]any{
			"name": "Jane Doe", "line1": "1 Main St", "area1": "Springfield", "region": "IL", "postcode": "62701", "countryCode": "US",
		},
		"merchant": map[string]any{
			"redirectConfirmUrl": "https://shop.example.com/afterpay/confirm",
			"redirectCancelUrl":  "https://shop.example.com/afterpay/cancel",
			"name":               "Example Shop",
		},
		"items": []any{
			map[string]any{"name": "Desk lamp", "sku": "LAMP-1", "quantity": 2, "price": usd("10.00")},
		},
		"taxAmount":      usd("0.00"),
		"shippingAmount": usd("0.00"),
	}
}

// createCheckout creates a checkout for amount and returns its token.
func (h *harness) createCheckout(amount string) string {
	h.t.Helper()
	r := h.request(http.MethodPost, "/v2/checkouts", checkoutBody(amount))
	expectStatus(h.t, r, http.StatusCreated)
	return r.json(h.t)["token"].(string)
}

// confirmedCheckout creates a checkout and has the consumer answer it.
func (h *harness) confirmedCheckout(amount string, outcome Outcome) string {
	h.t.Helper()
	token := h.createCheckout(amount)
	if _, err := h.sim.ConfirmCheckout(token, outcome); err != nil {
		h.t.Fatalf("ConfirmCheckout: %v", err)
	}
	return token
}

// capturedOrder runs the immediate flow to an approved capture and returns
// the order id and token.
func (h *harness) capturedOrder(amount string) (string, string) {
	h.t.Helper()
	token := h.confirmedCheckout(amount, OutcomeApprove)
	r := h.request(http.MethodPost, "/v2/payments/capture", map[string]any{"token": token})
	expectStatus(h.t, r, http.StatusCreated)
	return r.json(h.t)["id"].(string), token
}

// authorisedOrder runs the deferred flow to an approved auth.
func (h *harness) authorisedOrder(amount string) (string, string) {
	h.t.Helper()
	token := h.confirmedCheckout(amount, OutcomeApprove)
	r := h.request(http.MethodPost, "/v2/payments/auth", map[string]any{"token": token, "requestId": "auth-" + token[len(token)-8:]})
	expectStatus(h.t, r, http.StatusCreated)
	return r.json(h.t)["id"].(string), token
}

// payment is the parts of a Payment body the tests assert on.
type payment struct {
	ID                string      `json:"id"`
	Token             string      `json:"token"`
	Status            string      `json:"status"`
	Created           string      `json:"created"`
	OriginalAmount    money.Money `json:"originalAmount"`
	OpenToCapture     money.Money `json:"openToCaptureAmount"`
	PaymentState      string      `json:"paymentState"`
	MerchantReference string      `json:"merchantReference"`
	Refunds           []struct {
		RequestID         string      `json:"requestId"`
		Amount            money.Money `json:"amount"`
		MerchantReference string      `json:"merchantReference"`
		RefundID          string      `json:"refundId"`
		RefundedAt        string      `json:"refundedAt"`
	} `json:"refunds"`
	Events []struct {
		ID      string      `json:"id"`
		Created string      `json:"created"`
		Expires *string     `json:"expires"`
		Type    string      `json:"type"`
		Amount  money.Money `json:"amount"`
	} `json:"events"`
}

func decodePayment(t *testing.T, r reply) payment {
	t.Helper()
	var p payment
	if err := json.Unmarshal(r.body, &p); err != nil {
		t.Fatalf("decode payment: %v\n%s", err, r.body)
	}
	return p
}

func (h *harness) getPayment(id string) payment {
	h.t.Helper()
	r := h.request(http.MethodGet, "/v2/payments/"+id, nil)
	expectStatus(h.t, r, http.StatusOK)
	return decodePayment(h.t, r)
}

func amt(amount string) money.Money {
	v, err := money.Parse(amount, "USD")
	if err != nil {
		panic(err)
	}
	return v
}

// eventTypes lists a payment's event types in order.
func (p payment) eventTypes() []string {
	var out []string
	for _, e := range p.Events {
		out = append(out, e.Type)
	}
	return out
}

// referenceDir is ../shared/reference beside the repository.
func referenceDir(t *testing.T) string { return testkit.ReferenceDir(t) }

func newRecorder() *httptest.ResponseRecorder { return httptest.NewRecorder() }

func mustRequest(t *testing.T, method, path, body string) *http.Request {
	t.Helper()
	return httptest.NewRequest(method, path, strings.NewReader(body))
}
