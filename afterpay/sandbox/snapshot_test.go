package sandbox

import (
	"context"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestSnapshotRestoreRoundTrip(t *testing.T) {
	h := newHarness(t)
	captured, _ := h.capturedOrder("30.00")
	refund := map[string]any{"amount": usd("5.00"), "requestId": "rf-1", "merchantReference": "CN/1"}
	firstRefund := h.request(http.MethodPost, "/v2/payments/"+captured+"/refund", refund)
	authorised, _ := h.authorisedOrder("40.00")
	pending := h.confirmedCheckout("25.00", OutcomeApprove)
	dispute, err := h.sim.OpenDispute(captured, "")
	if err != nil {
		t.Fatal(err)
	}
	snap, err := h.sim.Snapshot()
	if err != nil {
		t.Fatal(err)
	}

	// A fresh simulator on the same clock picks up where the first left off.
	h2 := newHarness(t)
	h2.clock.Set(h.clock.Now())
	if err := h2.sim.Restore(snap); err != nil {
		t.Fatalf("Restore: %v", err)
	}
	for _, id := range []string{captured, authorised} {
		a := h.request(http.MethodGet, "/v2/payments/"+id, nil)
		b := h2.request(http.MethodGet, "/v2/payments/"+id, nil)
		if b.status != 200 || string(a.body) != string(b.body) {
			t.Errorf("payment %s differs after restore:\n%s\n%s", id, a.body, b.body)
		}
	}
	if r := h2.request(http.MethodPost, "/v2/payments/"+captured+"/refund", refund); string(r.body) != string(firstRefund.body) {
		t.Errorf("refund idempotency lost: %s", r.body)
	}
	expectStatus(t, h2.request(http.MethodGet, "/v2/disputes/"+dispute.ID, nil), 200)
	// The confirmed checkout can still be captured, with a fresh order id.
	r := h2.request(http.MethodPost, "/v2/payments/capture", map[string]any{"token": pending})
	expectStatus(t, r, 201)
	if id := decodePayment(t, r).ID; id == captured || id == authorised {
		t.Errorf("restored counter reused order id %s", id)
	}
	if evs := h2.sim.PaymentEvents(captured); len(evs) != 2 {
		t.Errorf("payment events after restore = %+v", evs)
	}
	again, err := h2.sim.Snapshot()
	if err != nil || !strings.Contains(string(again), `"version":1`) {
		t.Errorf("second snapshot: %v", err)
	}
}

func TestRestoreRejectsBadSnapshots(t *testing.T) {
	h := newHarness(t)
	for _, bad := range []string{
		`not json`,
		`{"version":2,"state":{}}`,
		`{"version":1}`,
		`{"version":1,"state":{"checkouts":{},"orders":{"1":{"id":"2"}}}}`,
		`{"version":1,"state":{"checkouts":{"t":{"token":"t","orderId":"9"}},"orders":{}}}`,
	} {
		if err := h.sim.Restore([]byte(bad)); err == nil {
			t.Errorf("Restore(%s) succeeded", bad)
		}
	}
}

func TestClockHook(t *testing.T) {
	h := newHarness(t)
	post := func(body string) reply {
		req, _ := http.NewRequest(http.MethodPost, h.ts.URL+"/__sim/clock", strings.NewReader(body))
		return h.send(req)
	}
	r := post(`{"advance":"1h30m"}`)
	expectStatus(t, r, 200)
	if got := r.json(t)["now"]; got != "2026-03-02T10:30:00.000Z" || !h.clock.Now().Equal(testStart.Add(90*time.Minute)) {
		t.Errorf("after advance: %v", got)
	}
	expectStatus(t, post(`{"set":"2026-04-01T00:00:00Z"}`), 200)
	if !h.clock.Now().Equal(time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("after set: %v", h.clock.Now())
	}
	expectError(t, post(`{"advance":"-1h"}`), 400, "invalid_object")
	expectError(t, post(`{}`), 400, "invalid_object")

	wall, err := New(Options{MerchantID: "m", SecretKey: "s"})
	if err != nil {
		t.Fatal(err)
	}
	rec := newRecorder()
	wall.ServeHTTP(rec, mustRequest(t, http.MethodPost, "/__sim/clock", `{"advance":"1h"}`))
	if rec.Code != http.StatusConflict {
		t.Errorf("wall clock advance: %d", rec.Code)
	}
}

func TestServeSavesAndLoadsState(t *testing.T) {
	stateFile := filepath.Join(t.TempDir(), "sandbox-state.json")
	opts := Options{MerchantID: testMerchantID, SecretKey: testSecretKey, Clock: NewManualClock(testStart)}

	serve := func() (string, context.CancelFunc, chan error) {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { done <- Serve(ctx, opts, ln, stateFile) }()
		return "http://" + ln.Addr().String(), cancel, done
	}
	base, stop, done := serve()
	client := &http.Client{Timeout: 10 * time.Second}
	req, _ := http.NewRequest(http.MethodPost, base+"/v2/checkouts", strings.NewReader(mustJSON(t, checkoutBody("20.00"))))
	req.SetBasicAuth(testMerchantID, testSecretKey)
	req.Header.Set("Content-Type", "application/json")
	r := send(t, client, req)
	expectStatus(t, r, http.StatusCreated)
	token := r.json(t)["token"].(string)
	if !strings.HasPrefix(r.json(t)["redirectCheckoutUrl"].(string), base+"/us/checkout/") {
		t.Errorf("redirect URL should use the request host: %s", r.body)
	}
	stop()
	if err := <-done; err != nil {
		t.Fatalf("Serve: %v", err)
	}
	if _, err := os.Stat(stateFile); err != nil {
		t.Fatalf("state file not written: %v", err)
	}

	base, stop, done = serve()
	defer func() { stop(); <-done }()
	req, _ = http.NewRequest(http.MethodGet, base+"/v2/checkouts/"+token, nil)
	req.SetBasicAuth(testMerchantID, testSecretKey)
	expectStatus(t, send(t, client, req), http.StatusOK)
}

func TestServeRejectsCorruptStateFile(t *testing.T) {
	stateFile := filepath.Join(t.TempDir(), "state.json")
	if err := os.WriteFile(stateFile, []byte("{"), 0o600); err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if err := Serve(context.Background(), Options{MerchantID: "m", SecretKey: "s"}, ln, stateFile); err == nil {
		t.Fatal("Serve accepted a corrupt state file")
	}
}
