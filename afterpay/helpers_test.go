package afterpay

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/odoo-afterpay/bridge/internal/testkit"

	"github.com/stretchr/testify/require"
)

// Credentials from the reference's worked example (afterpay-api.md §1.2):
// "32:abcdefgh" → "MzI6YWJjZGVmZ2g=".
const (
	testMerchantID = "32"
	testSecretKey  = "abcdefgh"
	wantAuthHeader = "Basic MzI6YWJjZGVmZ2g="
)

var testUserAgent = UserAgent{
	PluginName: "OdooAfterpay", PluginVersion: "1.2.3",
	Platform: "Odoo", PlatformVersion: "18.0",
	StoreURL: "https://shop.example.com",
}

// wantUserAgent is the documented pattern
// `PluginName/ver (Platform/ver; Lang/ver; Merchant/<id>) https://store.url`.
func wantUserAgent() string {
	return "OdooAfterpay/1.2.3 (Odoo/18.0; Go/" + strings.TrimPrefix(runtime.Version(), "go") + "; Merchant/32) https://shop.example.com"
}

// referenceDir is ../shared/reference beside the repository.
func referenceDir(t *testing.T) string { return testkit.ReferenceDir(t) }

// recorded is one request as the fake Afterpay saw it.
type recorded struct {
	Method      string
	EscapedPath string
	RawQuery    string
	Header      http.Header
	Body        []byte
}

// reply is what the fake Afterpay answers.
type reply struct {
	status int
	header map[string]string
	body   string
}

// fakeAfterpay is an httptest server that records requests and answers
// with the reply its respond function picks.
type fakeAfterpay struct {
	srv     *httptest.Server
	mu      sync.Mutex
	reqs    []recorded
	respond func(r *http.Request) reply
}

func newFakeAfterpay(t *testing.T, respond func(r *http.Request) reply) *fakeAfterpay {
	t.Helper()
	f := &fakeAfterpay{respond: respond}
	f.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		f.mu.Lock()
		f.reqs = append(f.reqs, recorded{
			Method: r.Method, EscapedPath: r.URL.EscapedPath(), RawQuery: r.URL.RawQuery,
			Header: r.Header.Clone(), Body: body,
		})
		respond := f.respond
		f.mu.Unlock()
		rep := respond(r)
		for k, v := range rep.header {
			w.Header().Set(k, v)
		}
		if rep.status == 0 {
			rep.status = http.StatusOK
		}
		w.WriteHeader(rep.status)
		_, _ = io.WriteString(w, rep.body)
	}))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeAfterpay) setReply(rep reply) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.respond = func(*http.Request) reply { return rep }
}

func (f *fakeAfterpay) last(t *testing.T) recorded {
	t.Helper()
	f.mu.Lock()
	defer f.mu.Unlock()
	require.NotEmpty(t, f.reqs, "the fake Afterpay received no request")
	return f.reqs[len(f.reqs)-1]
}

func (f *fakeAfterpay) count() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.reqs)
}

// newTestClient returns a client for base with the test credentials.
func newTestClient(t *testing.T, base string, mutate ...func(*Config)) *Client {
	t.Helper()
	cfg := Config{
		MerchantID: testMerchantID,
		SecretKey:  testSecretKey,
		BaseURL:    base,
		UserAgent:  testUserAgent,
	}
	for _, m := range mutate {
		m(&cfg)
	}
	c, err := NewClient(cfg)
	require.NoError(t, err)
	return c
}

type logBuffer = testkit.LogBuffer

func newDebugLogger() (*slog.Logger, *logBuffer) {
	b := &logBuffer{}
	return slog.New(slog.NewJSONHandler(b, &slog.HandlerOptions{Level: slog.LevelDebug})), b
}

// deadlineRecorder is a RoundTripper that notes each request's context
// deadline before passing it on.
type deadlineRecorder struct {
	next http.RoundTripper
	mu   sync.Mutex
	last time.Time
	has  bool
}

func (d *deadlineRecorder) RoundTrip(r *http.Request) (*http.Response, error) {
	dl, ok := r.Context().Deadline()
	d.mu.Lock()
	d.last, d.has = dl, ok
	d.mu.Unlock()
	return d.next.RoundTrip(r)
}

func (d *deadlineRecorder) deadline() (time.Time, bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.last, d.has
}

// fixedClock is an injected clock.
func fixedClock(at time.Time) func() time.Time { return func() time.Time { return at } }
