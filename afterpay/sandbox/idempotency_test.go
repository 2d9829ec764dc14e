package sandbox

import (
	"net/http"
	"sync/atomic"
	"testing"
	"time"
)

func TestIdempotentReplay(t *testing.T) {
	h := newHarness(t)
	id, _ := h.authorisedOrder("60.00")

	capture := map[string]any{"amount": usd("10.00"), "requestId": "cap-1"}
	first := h.request(http.MethodPost, "/v2/payments/"+id+"/capture", capture)
	h.clock.Advance(time.Minute)
	again := h.request(http.MethodPost, "/v2/payments/"+id+"/capture", capture)
	if first.status != 201 || again.status != 201 || string(first.body) != string(again.body) {
		t.Fatalf("capture replay: %d/%d\n%s\n%s", first.status, again.status, first.body, again.body)
	}
	if p := h.getPayment(id); p.OpenToCapture != amt("50.00") || len(p.Events) != 2 {
		t.Fatalf("replayed capture was applied twice: open %v events %v", p.OpenToCapture, p.eventTypes())
	}

	void := map[string]any{"amount": usd("5.00"), "requestId": "void-1"}
	first = h.request(http.MethodPost, "/v2/payments/"+id+"/void", void)
	again = h.request(http.MethodPost, "/v2/payments/"+id+"/void", void)
	if first.status != 201 || string(first.body) != string(again.body) {
		t.Fatalf("void replay differs")
	}
	if p := h.getPayment(id); p.OpenToCapture != amt("45.00") {
		t.Fatalf("replayed void was applied twice: open %v", p.OpenToCapture)
	}

	// Refunds are idempotent on requestId + merchantReference.
	refund := map[string]any{"amount": usd("4.00"), "requestId": "rf-1", "merchantReference": "CN/1"}
	first = h.request(http.MethodPost, "/v2/payments/"+id+"/refund", refund)
	h.clock.Advance(48 * time.Hour) // refund records outlive 24 h
	again = h.request(http.MethodPost, "/v2/payments/"+id+"/refund", refund)
	if first.status != 201 || string(first.body) != string(again.body) {
		t.Fatalf("refund replay differs:\n%s\n%s", first.body, again.body)
	}
	// requestId alone is not enough.
	onlyID := map[string]any{"amount": usd("1.00"), "requestId": "rf-2"}
	a := h.request(http.MethodPost, "/v2/payments/"+id+"/refund", onlyID).json(t)["refundId"]
	b := h.request(http.MethodPost, "/v2/payments/"+id+"/refund", onlyID).json(t)["refundId"]
	if a == b {
		t.Errorf("refund without merchantReference was replayed")
	}
	if p := h.getPayment(id); len(p.Refunds) != 1+3 { // the void entry + 3 refunds
		t.Errorf("refund entries = %d, want 4", len(p.Refunds))
	}

	// Errors are not stored: a failed capture can succeed on retry.
	bad := map[string]any{"amount": usd("99.00"), "requestId": "cap-2"}
	expectError(t, h.request(http.MethodPost, "/v2/payments/"+id+"/capture", bad), 422, "invalid_amount")
	bad["amount"] = usd("1.00")
	expectStatus(t, h.request(http.MethodPost, "/v2/payments/"+id+"/capture", bad), 201)

	// Capture replays expire after 24 h (the clock is already 48 h on).
	expectStatus(t, h.request(http.MethodPost, "/v2/payments/"+id+"/capture", capture), 201)
	if p := h.getPayment(id); p.OpenToCapture != amt("34.00") {
		t.Errorf("after the replay window a reused requestId captures again: open %v", p.OpenToCapture)
	}
}

// TestConcurrentDuplicateGets409 holds the first request in flight with the
// in-flight test hook, sends the duplicate, then lets the first finish.
func TestConcurrentDuplicateGets409(t *testing.T) {
	tests := []struct {
		name     string
		endpoint string
		request  func(h *harness, id, token string) (string, any)
	}{
		{"auth", EndpointAuth, func(h *harness, _, _ string) (string, any) {
			return "/v2/payments/auth", map[string]any{"token": h.confirmedCheckout("20.00", OutcomeApprove), "requestId": "dup"}
		}},
		{"capture-full", EndpointCapture, func(h *harness, _, _ string) (string, any) {
			return "/v2/payments/capture", map[string]any{"token": h.confirmedCheckout("20.00", OutcomeApprove)}
		}},
		{"deferred capture", EndpointDeferredCapture, func(h *harness, id, _ string) (string, any) {
			return "/v2/payments/" + id + "/capture", map[string]any{"amount": usd("5.00"), "requestId": "dup"}
		}},
		{"void", EndpointVoid, func(h *harness, id, _ string) (string, any) {
			return "/v2/payments/" + id + "/void", map[string]any{"amount": usd("5.00"), "requestId": "dup"}
		}},
		{"refund", EndpointRefund, func(h *harness, _, _ string) (string, any) {
			id, _ := h.capturedOrder("20.00")
			return "/v2/payments/" + id + "/refund", map[string]any{"amount": usd("5.00"), "requestId": "dup", "merchantReference": "CN/9"}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t)
			id, token := h.authorisedOrder("20.00")
			path, body := tt.request(h, id, token)

			reached := make(chan struct{})
			release := make(chan struct{})
			var held atomic.Bool
			h.sim.hooks.setInFlight(func(endpoint string) {
				// Only the first request is held; the duplicate passes by.
				if endpoint == tt.endpoint && held.CompareAndSwap(false, true) {
					close(reached)
					<-release
				}
			})
			firstDone := make(chan reply)
			go func() { firstDone <- h.request(http.MethodPost, path, body) }()
			<-reached
			expectError(t, h.request(http.MethodPost, path, body), http.StatusConflict, "conflict")
			close(release)
			first := <-firstDone
			if first.status != 201 {
				t.Fatalf("first request: %d %s", first.status, first.body)
			}
			if again := h.request(http.MethodPost, path, body); again.status != 201 || string(again.body) != string(first.body) {
				t.Fatalf("retry after completion: %d %s", again.status, again.body)
			}
		})
	}
}
