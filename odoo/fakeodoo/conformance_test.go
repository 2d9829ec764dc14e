package fakeodoo

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/odoo-afterpay/bridge/internal/testkit"

	"github.com/odoo-afterpay/bridge/odoo/fakeodoo/internal/wire"
)

// referenceDir is ../shared/reference beside the repository.
func referenceDir(t *testing.T) string { return testkit.ReferenceDir(t) }

// settableClock is the injected clock; the conformance test sets it to each
// recorded exchange's Date header so that dates and ordering by date match.
type settableClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *settableClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *settableClock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = t
}

// capturedWebhook is one request the fake sent to a webhook URL.
type capturedWebhook struct {
	method, path string
	header       http.Header
	body         string
	// readBack is what an XML-RPC read of the record returned while the
	// webhook was being handled.
	readBack string
}

// webhookRecorder is an http.RoundTripper that records webhooks and, like
// the recorded listener, reads the order back over XML-RPC before answering.
type webhookRecorder struct {
	mu       sync.Mutex
	server   http.Handler
	readBack func(body string) []byte
	got      []capturedWebhook
}

func (w *webhookRecorder) RoundTrip(req *http.Request) (*http.Response, error) {
	body, err := io.ReadAll(req.Body)
	if err != nil {
		return nil, err
	}
	c := capturedWebhook{method: req.Method, path: req.URL.Path, header: req.Header.Clone(), body: string(body)}
	if w.readBack != nil && w.server != nil {
		if call := w.readBack(c.body); call != nil {
			rec := httptest.NewRecorder()
			w.server.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/xmlrpc/2/object", bytes.NewReader(call)))
			c.readBack = rec.Body.String()
		}
	}
	w.mu.Lock()
	w.got = append(w.got, c)
	w.mu.Unlock()
	return &http.Response{StatusCode: http.StatusOK, Header: http.Header{"Content-Type": {"application/json"}},
		Body: io.NopCloser(strings.NewReader(`{}`)), Request: req}, nil
}

func (w *webhookRecorder) captured() []capturedWebhook {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]capturedWebhook(nil), w.got...)
}

// exchange is one recorded transcript.
type exchange struct {
	name     string
	path     string
	date     time.Time
	request  []byte
	response []byte
	// webhook captures carry a body instead of a request/response.
	webhookBody []byte
	webhookHTTP string
}

func loadTranscripts(t *testing.T, dir string) []exchange {
	t.Helper()
	heads, err := filepath.Glob(filepath.Join(dir, "*.http.txt"))
	if err != nil || len(heads) == 0 {
		t.Fatalf("no transcripts in %s: %v", dir, err)
	}
	sort.Strings(heads)
	var out []exchange
	for _, h := range heads {
		name := strings.TrimSuffix(filepath.Base(h), ".http.txt")
		head, err := os.ReadFile(h)
		if err != nil {
			t.Fatal(err)
		}
		ex := exchange{name: name}
		base := filepath.Join(dir, name)
		if body, err := os.ReadFile(base + ".body.json"); err == nil {
			ex.webhookBody, ex.webhookHTTP = body, string(head)
			out = append(out, ex)
			continue
		}
		first, _, _ := strings.Cut(string(head), "\n")
		parts := strings.Fields(first)
		if len(parts) < 2 {
			t.Fatalf("%s: bad request line %q", h, first)
		}
		ex.path = parts[1]
		sc := bufio.NewScanner(bytes.NewReader(head))
		for sc.Scan() {
			if v, ok := strings.CutPrefix(sc.Text(), "Date: "); ok {
				if d, err := http.ParseTime(v); err == nil {
					ex.date = d.UTC()
				}
			}
		}
		if ex.request, err = os.ReadFile(base + ".request.xml"); err != nil {
			t.Fatal(err)
		}
		if ex.response, err = os.ReadFile(base + ".response.xml"); err != nil {
			t.Fatal(err)
		}
		out = append(out, ex)
	}
	return out
}

// Normalisation rules of the conformance test (the only differences allowed):
//  1. datetime strings "YYYY-MM-DD HH:MM:SS" (create dates, last_state_change,
//     date_order, inside the webhook body and the sample payload too) become
//     "<datetime>": they depend on the second the recording ran. Dates are not
//     normalised: the fake's clock is set to each recorded Date header.
//  2. code-1 faults (and the legacy route's non-warning faults) compare their
//     faultCode and only the last line of the traceback: tracebacks carry
//     install paths and line numbers.
var datetimeRE = regexp.MustCompile(`\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}`)

func normalise(b []byte) string { return datetimeRE.ReplaceAllString(string(b), "<datetime>") }

func lastLine(s string) string {
	lines := strings.Split(strings.TrimRight(s, "\n "), "\n")
	return lines[len(lines)-1]
}

func TestConformanceTranscripts(t *testing.T) {
	ref := referenceDir(t)
	exchanges := loadTranscripts(t, filepath.Join(ref, "odoo-transcripts"))
	clock := &settableClock{now: time.Date(2026, 11, 24, 2, 24, 51, 0, time.UTC)}
	recorder := &webhookRecorder{}
	srv, err := New(Options{
		Database: "afterpay_test",
		Users: []User{{UID: 2, Login: "admin", Password: "admin",
			APIKeys: []string{"0123456789abcdef0123456789abcdef01234567"}}},
		Clock:      clock,
		HTTPClient: &http.Client{Transport: recorder},
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.LoadSeed(filepath.Join(ref, "odoo-seed")); err != nil {
		t.Fatal(err)
	}
	recorder.server = srv
	recorder.readBack = func(body string) []byte {
		// The recorded listener read the order's state back while handling it.
		m := regexp.MustCompile(`"_id": (\d+), "_model": "([^"]+)"`).FindStringSubmatch(body)
		if m == nil {
			return nil
		}
		var id int64
		fmt.Sscan(m[1], &id)
		call, err := wire.EncodeCall("execute_kw", "afterpay_test", int64(2), "admin", m[2], "read",
			[]any{[]any{id}}, wire.NewStruct("fields", []any{"state"}))
		if err != nil {
			t.Errorf("encode read-back: %v", err)
			return nil
		}
		return call
	}

	webhooksSeen := 0
	for _, ex := range exchanges {
		t.Run(ex.name, func(t *testing.T) {
			if ex.webhookBody != nil {
				checkWebhook(t, ex, recorder.captured(), &webhooksSeen)
				return
			}
			if !ex.date.IsZero() {
				clock.Set(ex.date)
			}
			rec := httptest.NewRecorder()
			req := httptest.NewRequest(http.MethodPost, ex.path, bytes.NewReader(ex.request))
			req.Header.Set("Content-Type", "text/xml")
			srv.ServeHTTP(rec, req)
			if rec.Code != http.StatusOK {
				t.Fatalf("status %d, want 200", rec.Code)
			}
			if ct := rec.Header().Get("Content-Type"); ct != "text/xml; charset=utf-8" {
				t.Errorf("Content-Type %q", ct)
			}
			compareResponse(t, ex.response, rec.Body.Bytes())
		})
	}
	if n := len(recorder.captured()); n != webhooksSeen {
		t.Errorf("the fake sent %d webhooks, the transcripts recorded %d", n, webhooksSeen)
	}
}

func compareResponse(t *testing.T, want, got []byte) {
	t.Helper()
	_, wantFault, err := wire.DecodeResponse(want)
	if err != nil {
		t.Fatalf("recorded response does not decode: %v", err)
	}
	_, gotFault, err := wire.DecodeResponse(got)
	if err != nil {
		t.Fatalf("fake's response does not decode: %v\n%s", err, got)
	}
	if wantFault != nil && isTracebackFault(wantFault) {
		if gotFault == nil {
			t.Fatalf("want fault %v (%q), got a result:\n%s", wantFault.Code, lastLine(wantFault.String), got)
		}
		if fmt.Sprint(gotFault.Code) != fmt.Sprint(wantFault.Code) && !isLegacyTraceback(wantFault) {
			t.Errorf("faultCode %v, want %v", gotFault.Code, wantFault.Code)
		}
		if !strings.HasPrefix(gotFault.String, "Traceback (most recent call last):\n") {
			t.Errorf("faultString is not a traceback: %q", gotFault.String)
		}
		if g, w := lastLine(gotFault.String), lastLine(wantFault.String); g != w {
			t.Errorf("traceback last line\n got: %s\nwant: %s", g, w)
		}
		return
	}
	g, w := normalise(got), normalise(want)
	if g == w {
		return
	}
	gl, wl := strings.Split(g, "\n"), strings.Split(w, "\n")
	for i := 0; i < len(gl) || i < len(wl); i++ {
		var a, b string
		if i < len(gl) {
			a = gl[i]
		}
		if i < len(wl) {
			b = wl[i]
		}
		if a != b {
			from := max(0, i-6)
			t.Fatalf("response differs at line %d\n got: %q\nwant: %q\ncontext (want):\n%s\nfull got:\n%s",
				i+1, a, b, strings.Join(wl[from:min(len(wl), i+4)], "\n"), g)
		}
	}
}

// isTracebackFault reports a fault whose string is a Python traceback.
func isTracebackFault(f *wire.Fault) bool {
	return strings.HasPrefix(f.String, "Traceback (most recent call last):")
}

// isLegacyTraceback is a legacy-route fault whose faultCode is the
// exception text (compared through the traceback's last line).
func isLegacyTraceback(f *wire.Fault) bool {
	_, ok := f.Code.(string)
	return ok
}

func checkWebhook(t *testing.T, ex exchange, captured []capturedWebhook, seen *int) {
	t.Helper()
	idx := *seen
	*seen++
	if idx >= len(captured) {
		t.Fatalf("the fake sent %d webhooks; transcript %s is webhook #%d", len(captured), ex.name, idx+1)
	}
	c := captured[idx]
	want := strings.TrimRight(string(ex.webhookBody), "\n")
	if normalise([]byte(c.body)) != normalise([]byte(want)) {
		t.Errorf("webhook body\n got: %s\nwant: %s", c.body, want)
	}
	first, _, _ := strings.Cut(ex.webhookHTTP, "\n")
	parts := strings.Fields(first)
	if len(parts) < 2 {
		t.Fatalf("bad request line %q", first)
	}
	if c.method != parts[0] || c.path != parts[1] {
		t.Errorf("webhook request %s %s, want %s %s", c.method, c.path, parts[0], parts[1])
	}
	for _, h := range []string{"User-Agent", "Content-Type", "Accept", "Accept-Encoding"} {
		for _, line := range strings.Split(ex.webhookHTTP, "\n") {
			line = strings.TrimRight(line, "\r")
			if v, ok := strings.CutPrefix(line, h+": "); ok && c.header.Get(h) != v {
				t.Errorf("webhook header %s = %q, want %q", h, c.header.Get(h), v)
			}
		}
	}
	// The listener read the order while the webhook was in flight and saw
	// the state before the transaction committed (index.md, 112).
	if c.readBack == "" || !strings.Contains(c.readBack, "<name>state</name>\n<value><string>draft</string></value>") {
		t.Errorf("read-back during the webhook should see state draft, got:\n%s", c.readBack)
	}
}
