package sandbox

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestParseFault(t *testing.T) {
	tests := []struct {
		spec    string
		want    Fault
		wantErr bool
	}{
		{"capture:latency:5s", Fault{Endpoint: "capture", Kind: FaultLatency, Delay: 5 * time.Second}, false},
		{"*:500", Fault{Endpoint: "*", Kind: FaultServerError}, false},
		{"refund:drop-after-commit", Fault{Endpoint: "refund", Kind: FaultDropAfterCommit}, false},
		{"auth:429:30s", Fault{Endpoint: "auth", Kind: FaultTooManyRequests, RetryAfter: 30 * time.Second}, false},
		{"void:reset", Fault{Endpoint: "void", Kind: FaultConnectionReset}, false},
		{"deferredCapture:409", Fault{Endpoint: "deferredCapture", Kind: FaultConflict}, false},
		{"getPayment:conflict", Fault{Endpoint: "getPayment", Kind: FaultConflict}, false},
		{"refund:401", Fault{Endpoint: "refund", Kind: FaultUnauthorized}, false},
		{"capture", Fault{}, true},
		{"nowhere:500", Fault{}, true},
		{"capture:explode", Fault{}, true},
		{"capture:latency:soon", Fault{}, true},
		{"capture:latency:1s:extra", Fault{}, true},
	}
	for _, tt := range tests {
		got, err := ParseFault(tt.spec)
		if (err != nil) != tt.wantErr {
			t.Errorf("ParseFault(%q) error = %v", tt.spec, err)
			continue
		}
		if got != tt.want {
			t.Errorf("ParseFault(%q) = %+v, want %+v", tt.spec, got, tt.want)
		}
	}
}

func TestFaultsAnswerWithoutApplying(t *testing.T) {
	tests := []struct {
		kind   FaultKind
		status int
		code   string
	}{
		{FaultServerError, 500, "error"},
		{FaultTooManyRequests, 429, "too_many_requests"},
		{FaultConflict, 409, "conflict"},
		{FaultUnauthorized, 401, "unauthorized"},
	}
	for _, tt := range tests {
		t.Run(string(tt.kind), func(t *testing.T) {
			h := newHarness(t)
			token := h.confirmedCheckout("20.00", OutcomeApprove)
			if err := h.sim.InjectFault(Fault{Endpoint: EndpointCapture, Kind: tt.kind, RetryAfter: 30 * time.Second, Times: 1}); err != nil {
				t.Fatal(err)
			}
			r := h.request(http.MethodPost, "/v2/payments/capture", map[string]any{"token": token})
			expectError(t, r, tt.status, tt.code)
			if tt.kind == FaultTooManyRequests && r.header.Get("Retry-After") != "30" {
				t.Errorf("Retry-After = %q, want 30", r.header.Get("Retry-After"))
			}
			expectError(t, h.request(http.MethodGet, "/v2/payments/token:"+token, nil), 404, "not_found")
			// Times: 1 — the retry goes through.
			expectStatus(t, h.request(http.MethodPost, "/v2/payments/capture", map[string]any{"token": token}), 201)
			if left := h.sim.Faults(); len(left) != 0 {
				t.Errorf("faults left: %v", left)
			}
		})
	}
}

func TestConnectionResetFault(t *testing.T) {
	h := newHarness(t)
	token := h.confirmedCheckout("20.00", OutcomeApprove)
	req := h.newRequest(http.MethodPost, "/v2/payments/capture", map[string]any{"token": token}, HeaderSimFault, "reset")
	if resp, err := h.ts.Client().Do(req); err == nil {
		resp.Body.Close()
		t.Fatalf("reset fault answered %d", resp.StatusCode)
	}
	expectError(t, h.request(http.MethodGet, "/v2/payments/token:"+token, nil), 404, "not_found")
	expectStatus(t, h.request(http.MethodPost, "/v2/payments/capture", map[string]any{"token": token}), 201)
}

func TestLatencyFaultStillAnswers(t *testing.T) {
	h := newHarness(t)
	token := h.confirmedCheckout("20.00", OutcomeApprove)
	seen := make(chan string, 1)
	h.sim.hooks.setInFlight(func(endpoint string) {
		select {
		case seen <- endpoint:
		default:
		}
	})
	r := h.request(http.MethodPost, "/v2/payments/capture", map[string]any{"token": token}, HeaderSimFault, "latency", HeaderSimDelay, "2ms")
	expectStatus(t, r, 201)
	if got := <-seen; got != EndpointCapture {
		t.Errorf("in-flight hook saw %s", got)
	}
	expectError(t, h.request(http.MethodGet, "/v2/configuration", nil, HeaderSimFault, "explode"), 400, "invalid_object")
	expectError(t, h.request(http.MethodGet, "/v2/configuration", nil, HeaderSimFault, "latency", HeaderSimDelay, "soon"), 400, "invalid_object")
}

func TestFaultMatching(t *testing.T) {
	h := newHarness(t)
	id, _ := h.capturedOrder("20.00")
	if err := h.sim.InjectFault(Fault{Endpoint: EndpointGetPayment, Kind: FaultServerError, Times: 2}); err != nil {
		t.Fatal(err)
	}
	expectError(t, h.request(http.MethodGet, "/v2/payments/"+id, nil), 500, "error")
	expectStatus(t, h.request(http.MethodGet, "/v2/configuration", nil), 200) // other endpoints untouched
	expectError(t, h.request(http.MethodGet, "/v2/payments/"+id, nil), 500, "error")
	expectStatus(t, h.request(http.MethodGet, "/v2/payments/"+id, nil), 200)

	if err := h.sim.InjectFault(Fault{Endpoint: EndpointAll, Kind: FaultTooManyRequests}); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{"/v2/configuration", "/v2/payments/" + id, "/ping"} {
		r := h.request(http.MethodGet, path, nil)
		expectError(t, r, 429, "too_many_requests")
		if r.header.Get("Retry-After") != "1" {
			t.Errorf("default Retry-After = %q", r.header.Get("Retry-After"))
		}
	}
	h.sim.ClearFaults()
	expectStatus(t, h.request(http.MethodGet, "/v2/configuration", nil), 200)
	if err := h.sim.InjectFault(Fault{Endpoint: "bogus", Kind: FaultServerError}); err == nil {
		t.Error("InjectFault accepted an unknown endpoint")
	}
}

func TestFaultsHook(t *testing.T) {
	h := newHarness(t)
	hook := func(method, body string) reply {
		req, _ := http.NewRequest(method, h.ts.URL+"/__sim/faults", strings.NewReader(body))
		return h.send(req)
	}
	r := hook(http.MethodPost, `{"endpoint":"configuration","kind":"429","retryAfter":"5s","times":1}`)
	expectStatus(t, r, 200)
	if !strings.Contains(string(r.body), `"retryAfter":"5s"`) {
		t.Errorf("faults = %s", r.body)
	}
	if r := hook(http.MethodGet, ""); !strings.Contains(string(r.body), `"endpoint":"configuration"`) {
		t.Errorf("GET faults = %s", r.body)
	}
	c := h.request(http.MethodGet, "/v2/configuration", nil)
	expectError(t, c, 429, "too_many_requests")
	if c.header.Get("Retry-After") != "5" {
		t.Errorf("Retry-After = %q", c.header.Get("Retry-After"))
	}
	hook(http.MethodPost, `{"endpoint":"*","kind":"500"}`)
	expectStatus(t, hook(http.MethodDelete, ""), 204)
	expectStatus(t, h.request(http.MethodGet, "/v2/configuration", nil), 200)
	expectError(t, hook(http.MethodPost, `{"endpoint":"capture","kind":"boom"}`), 400, "invalid_object")
	expectError(t, hook(http.MethodPost, `{"endpoint":"capture","kind":"latency","delay":"forever"}`), 400, "invalid_object")
	expectError(t, hook(http.MethodPut, `{}`), 405, "method_not_allowed")
}

// dropped sends req under a context that is cancelled once the simulator
// holds the response, and returns the client's error.
func dropped(t *testing.T, h *harness, req *http.Request) error {
	t.Helper()
	held := make(chan struct{}, 1)
	h.sim.hooks.setHeld(func(string) { held <- struct{}{} })
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	errc := make(chan error, 1)
	go func() {
		resp, err := h.ts.Client().Do(req.WithContext(ctx))
		if err == nil {
			resp.Body.Close()
		}
		errc <- err
	}()
	<-held
	cancel() // the client gives up, as on a read timeout
	return <-errc
}

func TestDropAfterCommit(t *testing.T) {
	h := newHarness(t)
	token := h.confirmedCheckout("20.00", OutcomeApprove)
	if err := h.sim.InjectFault(Fault{Endpoint: EndpointCapture, Kind: FaultDropAfterCommit, Times: 1}); err != nil {
		t.Fatal(err)
	}
	if err := dropped(t, h, h.newRequest(http.MethodPost, "/v2/payments/capture", map[string]any{"token": token})); err == nil {
		t.Fatal("a dropped capture reached the client")
	}
	// The capture was committed: recovery by GET token finds it…
	r := h.request(http.MethodGet, "/v2/payments/token:"+token, nil)
	expectStatus(t, r, 200)
	if p := decodePayment(t, r); p.PaymentState != "CAPTURED" || p.Status != "APPROVED" {
		t.Fatalf("committed payment = %+v", p)
	}
	// …a retry replays it…
	retry := h.request(http.MethodPost, "/v2/payments/capture", map[string]any{"token": token})
	if retry.status != 201 || string(retry.body) != string(r.body) {
		t.Errorf("retry after drop: %d %s", retry.status, retry.body)
	}
	// …and a reversal within 10 minutes is accepted.
	h.clock.Advance(9 * time.Minute)
	expectStatus(t, h.request(http.MethodPost, "/v2/payments/token:"+token+"/reversal", nil), 204)

	// Same again, but the merchant waits 11 minutes before reversing.
	late := h.confirmedCheckout("20.00", OutcomeApprove)
	req := h.newRequest(http.MethodPost, "/v2/payments/capture", map[string]any{"token": late}, HeaderSimFault, string(FaultDropAfterCommit))
	if err := dropped(t, h, req); err == nil {
		t.Fatal("a dropped capture reached the client")
	}
	expectStatus(t, h.request(http.MethodGet, "/v2/payments/token:"+late, nil), 200)
	h.clock.Advance(11 * time.Minute)
	m := expectError(t, h.request(http.MethodPost, "/v2/payments/token:"+late+"/reversal", nil), 412, "precondition_failed")
	if m["message"] != "Order outside reversal window" {
		t.Errorf("message = %q", m["message"])
	}
}

func TestDropAfterCommitOnDeferredCapture(t *testing.T) {
	h := newHarness(t)
	id, _ := h.authorisedOrder("30.00")
	req := h.newRequest(http.MethodPost, "/v2/payments/"+id+"/capture", map[string]any{"amount": usd("10.00"), "requestId": "c-1"}, HeaderSimFault, "drop")
	if err := dropped(t, h, req); err == nil {
		t.Fatal("a dropped capture reached the client")
	}
	// The retry with the same requestId replays the committed capture.
	r := h.request(http.MethodPost, "/v2/payments/"+id+"/capture", map[string]any{"amount": usd("10.00"), "requestId": "c-1"})
	expectStatus(t, r, 201)
	if p := decodePayment(t, r); p.OpenToCapture != amt("20.00") || p.PaymentState != "PARTIALLY_CAPTURED" {
		t.Errorf("after retry: %s open %v", p.PaymentState, p.OpenToCapture)
	}
}
