package sandbox

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"testing"
)

func TestExpressCheckoutAmountCheck(t *testing.T) {
	h := newHarness(t)
	body := checkoutBody("42.00")
	body["mode"] = "express"
	delete(body, "consumer")
	body["merchant"] = map[string]any{"popupOriginUrl": "https://shop.example.com/cart"}
	r := h.request(http.MethodPost, "/v2/checkouts", body)
	expectStatus(t, r, http.StatusCreated)
	token := r.json(t)["token"].(string)
	target, err := h.sim.ConfirmCheckout(token, OutcomeApprove)
	if err != nil || target != "https://shop.example.com/cart?&status=SUCCESS&orderToken="+token {
		t.Fatalf("express redirect = %q, %v", target, err)
	}
	expectError(t, h.request(http.MethodPost, "/v2/payments/capture", map[string]any{"token": token}), 422, "invalid_object")
	expectError(t, h.request(http.MethodPost, "/v2/payments/capture", map[string]any{"token": token, "amount": usd("41.99")}), 422, "invalid_amount")
	expectStatus(t, h.request(http.MethodPost, "/v2/payments/capture", map[string]any{"token": token, "amount": usd("42.00")}), 201)
}

func TestListOrderByTextFields(t *testing.T) {
	h := newHarness(t)
	var got []string
	for _, c := range []struct{ ref, email string }{{"B-2", "zoe@example.com"}, {"A-1", "adam@example.com"}, {"C-3", "mia@example.com"}} {
		body := checkoutBody("20.00")
		body["merchantReference"] = c.ref
		body["consumer"] = map[string]any{"email": c.email}
		token := h.request(http.MethodPost, "/v2/checkouts", body).json(t)["token"].(string)
		if _, err := h.sim.ConfirmCheckout(token, OutcomeApprove); err != nil {
			t.Fatal(err)
		}
		got = append(got, decodePayment(t, h.request(http.MethodPost, "/v2/payments/capture", map[string]any{"token": token})).ID)
	}
	b, a, c := got[0], got[1], got[2]
	if ids := ids(h.list("?orderBy=merchantReference&ascending=true")); !slices.Equal(ids, []string{a, b, c}) {
		t.Errorf("by merchantReference = %v", ids)
	}
	if ids := ids(h.list("?orderBy=email")); !slices.Equal(ids, []string{b, c, a}) {
		t.Errorf("by email descending = %v", ids)
	}
}

// TestRequestLogsMaskPersonalData checks the debug log of a checkout: bodies
// are logged, personal data and credentials are not.
func TestRequestLogsMaskPersonalData(t *testing.T) {
	var buf bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	h := newHarness(t, func(o *Options) { o.Logger = logger })
	h.capturedOrder("20.00")
	logs := buf.String()
	for _, secret := range []string{"jane.doe@example.com", "Jane", "1 Main St", "+1 555 0100", testSecretKey, "Basic "} {
		if strings.Contains(logs, secret) {
			t.Errorf("logs contain %q", secret)
		}
	}
	for _, want := range []string{"endpoint=createCheckout", "endpoint=capture", "status=201", "http_correlation_id=", "SO0042", "Desk lamp"} {
		if !strings.Contains(logs, want) {
			t.Errorf("logs lack %q", want)
		}
	}
}

func TestRunFailsOnBadAddress(t *testing.T) {
	err := Run(context.Background(), Options{MerchantID: "m", SecretKey: "s"}, "256.0.0.1:http", "")
	if err == nil {
		t.Fatal("Run listened on an impossible address")
	}
}

func TestDisputeListPaging(t *testing.T) {
	h := newHarness(t)
	id, _ := h.capturedOrder("20.00")
	for range 3 {
		if _, err := h.sim.OpenDispute(id, ""); err != nil {
			t.Fatal(err)
		}
	}
	r := h.request(http.MethodGet, "/v2/disputes?limit=2&offset=1&openedAfter=2026-03-01T00:00:00Z&openedBefore=2026-03-03T00:00:00Z", nil)
	expectStatus(t, r, 200)
	got := r.json(t)
	if got["total"] != float64(3) || got["limit"] != float64(2) || got["offset"] != float64(1) || len(got["data"].([]any)) != 2 {
		t.Errorf("page = %s", r.body)
	}
	if r := h.request(http.MethodGet, "/v2/disputes?openedAfter=2026-03-03T00:00:00Z", nil).json(t); r["total"] != float64(0) {
		t.Errorf("openedAfter filter = %v", r)
	}
}
