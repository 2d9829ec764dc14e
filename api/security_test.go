package api

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"

	"github.com/odoo-afterpay/bridge/workflows"
)

// A source that keeps failing authentication is refused for a while (429),
// whatever it presents, and the block lifts by itself. Failures of every
// credential count together; other sources are not affected.
func TestRepeatedFailuresBlockTheSourceForAWhile(t *testing.T) {
	e := newEnv(t)
	const attacker, odoo = "203.0.113.9:4000", "198.51.100.7:5000"
	wrong := []request{
		{method: "POST", target: "/odoo/webhook/order-confirmed?token=guess", body: webhook},
		{method: "GET", target: "/orders/S00043/checkout", header: http.Header{"Authorization": {"Bearer guess"}}},
		signedAt(notificationPath, captureEvent("evt_x"), "guess", e.clock.Now()),
	}
	for i := range 10 {
		r := wrong[i%len(wrong)]
		r.remote = attacker
		require.Equal(t, http.StatusUnauthorized, e.serve(r).Code, "failure %d", i+1)
	}
	require.Contains(t, e.log.String(), "Client blocked after repeated authentication failures")

	right := request{method: "POST", target: "/odoo/webhook/order-confirmed?token=" + token, body: webhook, remote: attacker}
	rec := e.serve(right)
	require.Equal(t, http.StatusTooManyRequests, rec.Code, "blocked, even with the right token")
	require.NotEmpty(t, rec.Header().Get("Retry-After"))
	e.requireNothingReachedTemporal()

	// Odoo itself, from its own address, is not affected.
	e.temporal.On("ExecuteWorkflow", mock.Anything, mock.Anything, mock.Anything, mock.Anything).Return(run(t, wfID), nil).Twice()
	right.remote = odoo
	require.Equal(t, http.StatusAccepted, e.serve(right).Code)

	e.clock.Advance(14 * time.Minute)
	right.remote = attacker
	require.Equal(t, http.StatusTooManyRequests, e.serve(right).Code)
	e.clock.Advance(2 * time.Minute)
	require.Equal(t, http.StatusAccepted, e.serve(right).Code, "the block lifted by itself")
}

// Failures spread over more than the window do not add up.
func TestOccasionalFailuresDoNotBlock(t *testing.T) {
	e := newEnv(t)
	for range 30 {
		r := request{method: "POST", target: "/odoo/webhook/order-confirmed?token=typo", body: webhook, remote: "192.0.2.1:1"}
		require.Equal(t, http.StatusUnauthorized, e.serve(r).Code)
		e.clock.Advance(2 * time.Minute)
	}
}

// Each source is held to its rate; the Odoo webhook is rate-limited per
// source like everything else.
func TestRateLimitPerSource(t *testing.T) {
	e := newEnv(t, func(o *Options) { o.RateLimit = 2 })
	e.temporal.On("ExecuteWorkflow", mock.Anything, mock.Anything, mock.Anything, mock.Anything).Return(run(t, wfID), nil)
	r := request{method: "POST", target: "/odoo/webhook/order-confirmed?token=" + token, body: webhook, remote: "192.0.2.1:1"}
	for i := range 6 {
		require.Equal(t, http.StatusAccepted, e.serve(r).Code, "request %d is within the burst", i+1)
	}
	rec := e.serve(r)
	require.Equal(t, http.StatusTooManyRequests, rec.Code)
	require.Equal(t, "1", rec.Header().Get("Retry-After"))
	other := r
	other.remote = "192.0.2.2:1"
	require.Equal(t, http.StatusAccepted, e.serve(other).Code, "another source has its own allowance")
	e.clock.Advance(time.Second)
	require.Equal(t, http.StatusAccepted, e.serve(r).Code)
	e.temporal.AssertNumberOfCalls(t, "ExecuteWorkflow", 8)
}

// Without trusted proxies, X-Forwarded-For is the client's word and is not
// believed: an attacker cannot dodge its block by making up addresses.
func TestForwardedForIsBelievedOnlyFromTrustedProxies(t *testing.T) {
	e := newEnv(t)
	for i := range 10 {
		r := request{method: "POST", target: "/odoo/webhook/order-confirmed?token=guess", body: webhook, remote: "203.0.113.9:4000",
			header: http.Header{"Content-Type": {"application/json"}, "X-Forwarded-For": {"10.0.0." + string(rune('0'+i))}}}
		require.Equal(t, http.StatusUnauthorized, e.serve(r).Code)
	}
	blocked := request{method: "POST", target: "/odoo/webhook/order-confirmed?token=" + token, body: webhook, remote: "203.0.113.9:4000",
		header: http.Header{"Content-Type": {"application/json"}, "X-Forwarded-For": {"10.9.9.9"}}}
	require.Equal(t, http.StatusTooManyRequests, e.serve(blocked).Code)

	proxied := newEnv(t, func(o *Options) { o.TrustedProxies = []string{"192.0.2.0/24"} })
	for range 10 {
		r := request{method: "POST", target: "/odoo/webhook/order-confirmed?token=guess", body: webhook, remote: "192.0.2.10:443",
			header: http.Header{"Content-Type": {"application/json"}, "X-Forwarded-For": {"203.0.113.9"}}}
		require.Equal(t, http.StatusUnauthorized, proxied.serve(r).Code)
	}
	proxied.temporal.On("ExecuteWorkflow", mock.Anything, mock.Anything, mock.Anything, mock.Anything).Return(run(t, wfID), nil).Once()
	odoo := request{method: "POST", target: "/odoo/webhook/order-confirmed?token=" + token, body: webhook, remote: "192.0.2.10:443",
		header: http.Header{"Content-Type": {"application/json"}, "X-Forwarded-For": {"198.51.100.7"}}}
	require.Equal(t, http.StatusAccepted, proxied.serve(odoo).Code, "behind the proxy, the blocked client is the forwarded one, not the proxy")
}

// The product's answers carry the usual security headers; the pages allow
// exactly their own inline style.
func TestSecurityHeaders(t *testing.T) {
	e := newEnv(t)
	for _, target := range []string{"/healthz", "/afterpay/return?status=MAYBE", "/nowhere", "/odoo/webhook/order-confirmed"} {
		rec := e.get(target)
		h := rec.Header()
		require.Equal(t, "nosniff", h.Get("X-Content-Type-Options"), target)
		require.Equal(t, "DENY", h.Get("X-Frame-Options"), target)
		require.Equal(t, "no-referrer", h.Get("Referrer-Policy"), target)
		require.Contains(t, h.Get("Content-Security-Policy"), "frame-ancestors 'none'", target)
		require.Contains(t, h.Get("Content-Security-Policy"), "default-src 'none'", target)
		require.Equal(t, "max-age=31536000", h.Get("Strict-Transport-Security"), "the public URL is https")
		require.NotEmpty(t, h.Get("X-Request-ID"))
	}
	page := e.get("/afterpay/return?status=MAYBE").Body.String()
	start := strings.Index(page, "<style>") + len("<style>")
	style := page[start:strings.Index(page, "</style>")]
	sum := sha256.Sum256([]byte(style))
	require.Contains(t, pageCSP, "'sha256-"+base64.StdEncoding.EncodeToString(sum[:])+"'", "the CSP allows the page's own style")
	require.NotContains(t, page, "<script")
}

// Every request is logged once, with its request id, and no secret or
// customer's token ever reaches the log.
func TestEveryRequestIsLoggedOnceWithoutSecrets(t *testing.T) {
	e := newEnv(t)
	e.answers("SUCCESS", workflows.ReturnOutcome{Outcome: workflows.OutcomePaid, OrderName: "S00043", Amount: &amount}).Once()
	e.noWorkflowHoldsToken()
	e.expectSignal("S00043", wantEvent(t, "evt_log"))
	requests := []request{
		{method: "POST", target: "/odoo/webhook/order-confirmed?token=" + previousToken + "x", body: webhook},
		{method: "GET", target: "/orders/S00043/checkout", header: http.Header{"Authorization": {"Bearer " + storeKey + "x"}}},
		{method: "GET", target: returnURL("SUCCESS")},
		e.signed(notificationPath, captureEvent("evt_log")),
		{method: "GET", target: "/afterpay/return?status=SUCCESS&orderToken=002.secret-token-x&order=S%0A1", header: http.Header{"X-Request-ID": {"caller-id-1"}}},
	}
	ids := map[string]bool{}
	for _, r := range requests {
		rec := e.serve(r)
		ids[rec.Header().Get("X-Request-ID")] = true
	}
	require.True(t, ids["caller-id-1"], "a caller's plain request id is kept")
	lines := strings.Split(strings.TrimSpace(e.log.String()), "\n")
	perRequest := map[string]int{}
	for _, l := range lines {
		var rec map[string]any
		require.NoError(t, json.Unmarshal([]byte(l), &rec), l)
		require.NotEmpty(t, rec["requestId"], "every line names its request: %s", l)
		if rec["msg"] == "HTTP request" {
			perRequest[rec["requestId"].(string)]++
		}
	}
	require.Len(t, perRequest, len(requests))
	for id, n := range perRequest {
		require.Equal(t, 1, n, "request %s logged %d times", id, n)
		require.True(t, ids[id])
	}
	for _, secret := range []string{token, previousToken, storeKey, whSecret, returnToken, "002.secret-token-x", checkoutToken, "Bearer"} {
		require.NotContains(t, e.log.String(), secret)
	}
}

// endless is a body of n bytes of a JSON string that never ends, made
// without allocating it.
type endless struct{ n, read int64 }

func (r *endless) Read(p []byte) (int, error) {
	if r.read >= r.n {
		return 0, io.EOF
	}
	k := min(int64(len(p)), r.n-r.read)
	if r.read == 0 {
		k = int64(copy(p, `{"_model": "sale.order", "name": "`))
	} else {
		for i := range p[:k] {
			p[i] = 'S'
		}
	}
	r.read += k
	return int(k), nil
}

const hundredMB = 100 << 20

// A 100 MB webhook with a valid token and a 100 MB name: the API reads at
// most 64 KiB of it, its memory stays flat, and the log stays small.
func TestHundredMegabyteBodyKeepsMemoryFlat(t *testing.T) {
	for _, announced := range []bool{true, false} {
		e := newEnv(t)
		body := &endless{n: hundredMB}
		r := request{method: "POST", target: "/odoo/webhook/order-confirmed?token=" + token, bodyReader: body, contentLength: -1}
		if announced {
			r.contentLength = hundredMB
		}
		// Warm up (gin's pools, the template) before measuring.
		e.serve(request{method: "POST", target: "/odoo/webhook/order-confirmed?token=" + token, body: hookWithName(`"x"`)})
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		rec := e.serve(r)
		runtime.ReadMemStats(&after)
		require.Equal(t, http.StatusRequestEntityTooLarge, rec.Code)
		allocated := after.TotalAlloc - before.TotalAlloc
		require.Less(t, allocated, uint64(2<<20), "allocated %d bytes for a 100 MB body (announced %v)", allocated, announced)
		require.LessOrEqual(t, body.read, int64(maxBodyBytes+64<<10), "read %d bytes of it", body.read)
		require.Less(t, len(e.log.String()), 4000)
		e.requireNothingReachedTemporal()
	}
}

// BenchmarkOversizedWebhook: allocations per 100 MB request (make bench).
func BenchmarkOversizedWebhook(b *testing.B) {
	srv := newServer(nil, Options{WebhookToken: token, Now: time.Now, RateLimit: 1_000_000})
	b.ReportAllocs()
	for b.Loop() {
		req := httptest.NewRequest(http.MethodPost, "/odoo/webhook/order-confirmed?token="+token, &endless{n: hundredMB})
		req.Header.Set("Content-Type", "application/json")
		req.ContentLength = -1
		rec := httptest.NewRecorder()
		srv.ServeHTTP(rec, req)
		if rec.Code != http.StatusRequestEntityTooLarge {
			b.Fatalf("status %d", rec.Code)
		}
	}
}
