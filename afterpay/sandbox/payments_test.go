package sandbox

import (
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
)

var (
	orderIDPattern = regexp.MustCompile(`^[0-9]{12}$`)
	eventIDPattern = regexp.MustCompile(`^[0-9A-Za-z]{27}$`)
)

// paymentStates the OpenAPI enum lacks but the reference documents (EXPIRED)
// or the simulator chose (REVERSED).
var extraPaymentStates = map[string][]string{"Payment.paymentState": {"EXPIRED", "REVERSED"}}

func TestImmediateCapture(t *testing.T) {
	h := newHarness(t)
	oas := loadOpenAPI(t, "afterpay-payments.openapi.json")
	token := h.confirmedCheckout("35.50", OutcomeApprove)
	body := map[string]any{"token": token, "merchantReference": "SO0042-B"}
	r := h.request(http.MethodPost, "/v2/payments/capture", body)
	expectStatus(t, r, http.StatusCreated)
	expectCorrelationID(t, r)
	oas.conform(t, "Payment", r.body, extraPaymentStates)
	p := decodePayment(t, r)
	if !orderIDPattern.MatchString(p.ID) || p.Token != token || p.Status != "APPROVED" || p.PaymentState != "CAPTURED" {
		t.Fatalf("payment = %+v", p)
	}
	if p.OriginalAmount != amt("35.50") || p.OpenToCapture != amt("0.00") || p.MerchantReference != "SO0042-B" {
		t.Errorf("amounts/reference = %v %v %q", p.OriginalAmount, p.OpenToCapture, p.MerchantReference)
	}
	if p.Created != "2026-03-02T09:00:00.000Z" || len(p.Refunds) != 0 || !strings.Contains(string(r.body), `"refunds":[]`) {
		t.Errorf("created %q refunds %v", p.Created, p.Refunds)
	}
	if len(p.Events) != 1 || p.Events[0].Type != "CAPTURED" || p.Events[0].Amount != amt("35.50") || p.Events[0].Expires != nil || !eventIDPattern.MatchString(p.Events[0].ID) {
		t.Errorf("events = %+v", p.Events)
	}
	if !strings.Contains(string(r.body), `"shipping":{`) {
		t.Errorf("orderDetails lacks shipping: %s", r.body)
	}

	// Idempotent on the token: the same Payment again.
	again := h.request(http.MethodPost, "/v2/payments/capture", map[string]any{"token": token})
	expectStatus(t, again, http.StatusCreated)
	if string(again.body) != string(r.body) {
		t.Errorf("repeat capture body differs:\n%s\n%s", again.body, r.body)
	}
	if n := len(h.request(http.MethodGet, "/v2/payments", nil).json(t)["results"].([]any)); n != 1 {
		t.Errorf("repeat capture created %d orders", n)
	}

	byID := h.request(http.MethodGet, "/v2/payments/"+p.ID, nil)
	byToken := h.request(http.MethodGet, "/v2/payments/token:"+token, nil)
	expectStatus(t, byID, http.StatusOK)
	oas.conform(t, "Payment", byID.body, extraPaymentStates)
	if string(byID.body) != string(r.body) || string(byToken.body) != string(r.body) {
		t.Errorf("GET payment differs from the capture response")
	}
}

func TestCaptureAndAuthDeclines(t *testing.T) {
	h := newHarness(t)
	token := h.confirmedCheckout("20.00", OutcomeDecline)
	r := h.request(http.MethodPost, "/v2/payments/capture", map[string]any{"token": token})
	expectStatus(t, r, http.StatusCreated)
	p := decodePayment(t, r)
	if p.Status != "DECLINED" || p.PaymentState != "CAPTURE_DECLINED" || !slices.Equal(p.eventTypes(), []string{"CAPTURE_DECLINED"}) {
		t.Errorf("declined capture = %+v", p)
	}

	token = h.confirmedCheckout("20.00", OutcomeDecline)
	r = h.request(http.MethodPost, "/v2/payments/auth", map[string]any{"token": token, "requestId": "req-declined"})
	expectStatus(t, r, http.StatusPaymentRequired)
	p = decodePayment(t, r)
	if p.Status != "DECLINED" || p.PaymentState != "AUTH_DECLINED" || p.OpenToCapture != amt("0.00") || !slices.Equal(p.eventTypes(), []string{"AUTH_DECLINED"}) {
		t.Errorf("declined auth = %+v", p)
	}
	// Declined orders cannot be captured, voided or refunded.
	expectError(t, h.request(http.MethodPost, "/v2/payments/"+p.ID+"/capture", map[string]any{"amount": usd("5.00")}), http.StatusPreconditionFailed, "invalid_state")
	expectError(t, h.request(http.MethodPost, "/v2/payments/"+p.ID+"/refund", map[string]any{"amount": usd("5.00")}), http.StatusPreconditionFailed, "precondition_failed")
	// The same requestId replays the 402.
	again := h.request(http.MethodPost, "/v2/payments/auth", map[string]any{"token": token, "requestId": "req-declined"})
	if again.status != http.StatusPaymentRequired || string(again.body) != string(r.body) {
		t.Errorf("auth replay = %d %s", again.status, again.body)
	}
}

func TestTokenPaymentErrors(t *testing.T) {
	h := newHarness(t)
	for _, path := range []string{"/v2/payments/capture", "/v2/payments/auth"} {
		t.Run(path, func(t *testing.T) {
			expectError(t, h.request(http.MethodPost, path, map[string]any{"merchantReference": "x"}), 422, "invalid_object")
			expectError(t, h.request(http.MethodPost, path, map[string]any{"token": ""}), 422, "invalid_object")
			expectError(t, h.request(http.MethodPost, path, map[string]any{"token": "002.unknown"}), 402, "invalid_token")
			m := expectError(t, h.request(http.MethodPost, path, map[string]any{"token": h.createCheckout("20.00")}), 412, "invalid_order_transaction_status")
			if m["message"] != "Order has not been approved." {
				t.Errorf("message = %q", m["message"])
			}
			expectError(t, h.request(http.MethodPost, path, map[string]any{"token": h.confirmedCheckout("20.00", OutcomeCancel)}), 412, "invalid_order_transaction_status")
			expired := h.confirmedCheckout("20.00", OutcomeApprove)
			h.clock.Advance(180 * time.Minute)
			expectError(t, h.request(http.MethodPost, path, map[string]any{"token": expired}), 402, "invalid_token")
		})
	}
	// A token consumed by auth is not reusable for capture-full, nor for a
	// second auth with another requestId.
	_, token := h.authorisedOrder("20.00")
	expectError(t, h.request(http.MethodPost, "/v2/payments/capture", map[string]any{"token": token}), 402, "invalid_token")
	expectError(t, h.request(http.MethodPost, "/v2/payments/auth", map[string]any{"token": token, "requestId": "other"}), 402, "invalid_token")
}

func TestAuthApproved(t *testing.T) {
	h := newHarness(t)
	oas := loadOpenAPI(t, "afterpay-payments.openapi.json")
	token := h.confirmedCheckout("20.00", OutcomeApprove)
	r := h.request(http.MethodPost, "/v2/payments/auth", map[string]any{"token": token, "requestId": "9a1b"})
	expectStatus(t, r, http.StatusCreated)
	oas.conform(t, "PaymentAuth", r.body, nil)
	p := decodePayment(t, r)
	if p.Status != "APPROVED" || p.PaymentState != "AUTH_APPROVED" || p.OpenToCapture != amt("20.00") {
		t.Fatalf("auth = %+v", p)
	}
	if len(p.Events) != 1 || p.Events[0].Type != "AUTH_APPROVED" || p.Events[0].Expires == nil || *p.Events[0].Expires != "2026-03-15T09:00:00.000Z" {
		t.Errorf("AUTH_APPROVED event should expire 13 days later: %+v", p.Events)
	}
	// The OpenAPI document's "requestid" spelling is honoured too.
	token2 := h.confirmedCheckout("20.00", OutcomeApprove)
	first := h.request(http.MethodPost, "/v2/payments/auth", map[string]any{"token": token2, "requestid": "lower"})
	again := h.request(http.MethodPost, "/v2/payments/auth", map[string]any{"token": token2, "requestid": "lower"})
	if first.status != 201 || string(first.body) != string(again.body) {
		t.Errorf("requestid replay: %d %s / %s", first.status, first.body, again.body)
	}
}

// TestDeferredStateMachine replays the real sandbox's observed sequences
// (PHP SDK DeferredPaymentVoid/CaptureIntegrationTest) and the simulator's
// state rules.
func TestDeferredStateMachine(t *testing.T) {
	type step struct {
		op     string // "capture" or "void"
		amount string // "" = void everything open
		status int
		code   string
	}
	tests := []struct {
		name      string
		steps     []step
		wantState string
		wantOpen  string
		wantTypes []string
	}{
		{"full void", []step{{"void", "", 201, ""}}, "VOIDED", "0.00", []string{"AUTH_APPROVED", "VOIDED"}},
		{"partial void", []step{{"void", "2.00", 201, ""}}, "AUTH_APPROVED", "18.00", []string{"AUTH_APPROVED", "VOIDED"}},
		{"partial void then capture", []step{{"void", "2.00", 201, ""}, {"capture", "2.00", 201, ""}}, "PARTIALLY_CAPTURED", "16.00", []string{"AUTH_APPROVED", "VOIDED", "CAPTURED"}},
		{"full capture", []step{{"capture", "20.00", 201, ""}}, "CAPTURED", "0.00", []string{"AUTH_APPROVED", "CAPTURED"}},
		{"captures to zero", []step{{"capture", "5.00", 201, ""}, {"capture", "15.00", 201, ""}}, "CAPTURED", "0.00", []string{"AUTH_APPROVED", "CAPTURED", "CAPTURED"}},
		{"capture then void rest", []step{{"capture", "5.00", 201, ""}, {"void", "", 201, ""}}, "CAPTURED", "0.00", []string{"AUTH_APPROVED", "CAPTURED", "VOIDED"}},
		{"capture after full capture", []step{{"capture", "20.00", 201, ""}, {"capture", "1.00", 410, "payment_captured"}}, "CAPTURED", "0.00", nil},
		{"capture after remainder voided", []step{{"capture", "5.00", 201, ""}, {"void", "", 201, ""}, {"capture", "1.00", 410, "payment_captured"}}, "CAPTURED", "0.00", nil},
		{"capture after full void", []step{{"void", "", 201, ""}, {"capture", "1.00", 412, "payment_voided"}}, "VOIDED", "0.00", nil},
		{"void after full void", []step{{"void", "", 201, ""}, {"void", "1.00", 412, "payment_voided"}}, "VOIDED", "0.00", nil},
		{"capture below minimum", []step{{"capture", "0.99", 422, "invalid_amount"}}, "AUTH_APPROVED", "20.00", nil},
		{"capture above open", []step{{"capture", "20.01", 422, "invalid_amount"}}, "AUTH_APPROVED", "20.00", nil},
		{"capture zero", []step{{"capture", "0.00", 422, "invalid_amount"}}, "AUTH_APPROVED", "20.00", nil},
		{"small remainder can be captured", []step{{"capture", "19.50", 201, ""}, {"capture", "0.50", 201, ""}}, "CAPTURED", "0.00", nil},
		{"void above open", []step{{"void", "20.01", 422, "invalid_amount"}}, "AUTH_APPROVED", "20.00", nil},
		{"void zero", []step{{"void", "0.00", 422, "invalid_amount"}}, "AUTH_APPROVED", "20.00", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t)
			id, _ := h.authorisedOrder("20.00")
			for _, s := range tt.steps {
				body := map[string]any{}
				if s.amount != "" {
					body["amount"] = usd(s.amount)
				}
				r := h.request(http.MethodPost, "/v2/payments/"+id+"/"+s.op, body)
				if s.status == 201 {
					expectStatus(t, r, 201)
				} else {
					expectError(t, r, s.status, s.code)
				}
			}
			p := h.getPayment(id)
			if p.PaymentState != tt.wantState || p.OpenToCapture != amt(tt.wantOpen) {
				t.Errorf("state %s open %s, want %s %s", p.PaymentState, p.OpenToCapture.Amount(), tt.wantState, tt.wantOpen)
			}
			if tt.wantTypes != nil && !slices.Equal(p.eventTypes(), tt.wantTypes) {
				t.Errorf("events %v, want %v", p.eventTypes(), tt.wantTypes)
			}
		})
	}
}

func TestDeferredCaptureAndVoidErrors(t *testing.T) {
	h := newHarness(t)
	id, _ := h.authorisedOrder("40.00")
	expectError(t, h.request(http.MethodPost, "/v2/payments/abc/capture", map[string]any{"amount": usd("1.00")}), 404, "not_found")
	expectError(t, h.request(http.MethodPost, "/v2/payments/999999999999/capture", map[string]any{"amount": usd("1.00")}), 412, "error")
	expectError(t, h.request(http.MethodPost, "/v2/payments/"+id+"/capture", map[string]any{}), 422, "invalid_object")
	expectError(t, h.request(http.MethodPost, "/v2/payments/"+id+"/capture", map[string]any{"amount": usd("1.001")}), 422, "invalid_object")
	expectError(t, h.request(http.MethodPost, "/v2/payments/"+id+"/capture", map[string]any{"amount": map[string]any{"amount": "1.00", "currency": "CAD"}}), 422, "unsupported_currency")
	expectError(t, h.request(http.MethodPost, "/v2/payments/"+id+"/capture", map[string]any{"amount": usd("1.00"), "paymentEventMerchantReference": strings.Repeat("p", 129)}), 422, "invalid_object")
	expectError(t, h.request(http.MethodPost, "/v2/payments/abc/void", map[string]any{}), 404, "not_found")
	expectError(t, h.request(http.MethodPost, "/v2/payments/999999999999/void", map[string]any{}), 404, "not_found")
	expectError(t, h.request(http.MethodPost, "/v2/payments/"+id+"/void", map[string]any{"reason": "because"}), 422, "invalid_object")
	msg := expectError(t, h.request(http.MethodPost, "/v2/payments/"+id+"/void", map[string]any{"amount": usd("999.00")}), 422, "invalid_amount")["message"]
	if msg != "Void amount USD 999.00 exceeded open to capture amount USD 40.00." {
		t.Errorf("void message = %q", msg)
	}
	// A void without a body voids everything open.
	req := h.newRequest(http.MethodPost, "/v2/payments/"+id+"/void", nil)
	if r := h.send(req); r.status != 201 || decodePayment(t, r).PaymentState != "VOIDED" {
		t.Errorf("void without body: %d %s", r.status, r.body)
	}
}

func TestDeferredCaptureFieldsAndVoidRefundEntries(t *testing.T) {
	h := newHarness(t)
	id, _ := h.authorisedOrder("50.00")
	h.clock.Advance(time.Hour)
	r := h.request(http.MethodPost, "/v2/payments/"+id+"/capture", map[string]any{
		"amount": usd("10.00"), "paymentEventMerchantReference": "INV/0001", "merchantReference": "SO-NEW",
	})
	expectStatus(t, r, 201)
	if !strings.Contains(string(r.body), `"paymentEventMerchantReference":"INV/0001"`) {
		t.Errorf("capture event lacks paymentEventMerchantReference: %s", r.body)
	}
	p := decodePayment(t, r)
	if p.MerchantReference != "SO-NEW" || p.Events[1].Created != "2026-03-02T10:00:00.000Z" {
		t.Errorf("capture = %+v", p)
	}
	h.request(http.MethodPost, "/v2/payments/"+id+"/void", map[string]any{"amount": usd("5.00"), "requestId": "v1", "reason": "cancelledItems"})
	r = h.request(http.MethodPost, "/v2/payments/"+id+"/void", map[string]any{"amount": usd("7.00"), "requestId": "v2"})
	p = decodePayment(t, r)
	// Voids append events and prepend Refund-shaped entries.
	if !slices.Equal(p.eventTypes(), []string{"AUTH_APPROVED", "CAPTURED", "VOIDED", "VOIDED"}) {
		t.Errorf("events = %v", p.eventTypes())
	}
	if len(p.Refunds) != 2 || p.Refunds[0].Amount != amt("7.00") || p.Refunds[0].RequestID != "v2" || p.Refunds[1].Amount != amt("5.00") || p.Refunds[0].RefundID == "" {
		t.Errorf("refunds = %+v", p.Refunds)
	}
	if p.PaymentState != "PARTIALLY_CAPTURED" || p.OpenToCapture != amt("28.00") {
		t.Errorf("state %s open %v", p.PaymentState, p.OpenToCapture)
	}
	// Void entries are not refunds: the whole captured 10.00 is refundable.
	expectStatus(t, h.request(http.MethodPost, "/v2/payments/"+id+"/refund", map[string]any{"amount": usd("10.00")}), 201)
}

func TestAuthExpiry(t *testing.T) {
	h := newHarness(t)
	id, _ := h.authorisedOrder("30.00")
	expectStatus(t, h.request(http.MethodPost, "/v2/payments/"+id+"/capture", map[string]any{"amount": usd("10.00")}), 201)
	h.clock.Advance(13*24*time.Hour - time.Second)
	if p := h.getPayment(id); p.PaymentState != "PARTIALLY_CAPTURED" {
		t.Fatalf("before expiry: %s", p.PaymentState)
	}
	h.clock.Advance(time.Second)
	p := h.getPayment(id)
	if p.PaymentState != "EXPIRED" || p.OpenToCapture != amt("0.00") {
		t.Fatalf("after expiry: %s open %v", p.PaymentState, p.OpenToCapture)
	}
	last := p.Events[len(p.Events)-1]
	if last.Type != "EXPIRED" || last.Amount != amt("20.00") || last.Created != "2026-03-15T09:00:00.000Z" {
		t.Errorf("expiry event = %+v", last)
	}
	expectError(t, h.request(http.MethodPost, "/v2/payments/"+id+"/capture", map[string]any{"amount": usd("1.00")}), 412, "payment_expired")
	expectError(t, h.request(http.MethodPost, "/v2/payments/"+id+"/void", map[string]any{}), 412, "payment_expired")
	// Captured funds stay refundable.
	expectStatus(t, h.request(http.MethodPost, "/v2/payments/"+id+"/refund", map[string]any{"amount": usd("10.00")}), 201)
	// Touching it again adds no second EXPIRED event.
	if n := len(h.getPayment(id).Events); n != len(p.Events) {
		t.Errorf("events grew from %d to %d", len(p.Events), n)
	}
}

func TestAuthExpiryHonoursAuthTTL(t *testing.T) {
	h := newHarness(t, func(o *Options) { o.AuthTTL = 7 * 24 * time.Hour })
	id, _ := h.authorisedOrder("30.00")
	if exp := h.getPayment(id).Events[0].Expires; exp == nil || *exp != "2026-03-09T09:00:00.000Z" {
		t.Errorf("expires = %v", exp)
	}
	h.clock.Advance(7 * 24 * time.Hour)
	if p := h.getPayment(id); p.PaymentState != "EXPIRED" || len(p.Events) != 2 {
		t.Errorf("after 7 days: %s %v", p.PaymentState, p.eventTypes())
	}
}

func TestRefunds(t *testing.T) {
	h := newHarness(t)
	oas := loadOpenAPI(t, "afterpay-payments.openapi.json")
	id, _ := h.capturedOrder("100.00")
	r := h.request(http.MethodPost, "/v2/payments/"+id+"/refund", map[string]any{
		"amount": usd("30.00"), "requestId": "956946da-0001", "merchantReference": "RF-1", "refundMerchantReference": "RF-1",
	})
	expectStatus(t, r, http.StatusCreated)
	oas.conform(t, "Refund", r.body, nil)
	got := r.json(t)
	if got["requestId"] != "956946da-0001" || got["merchantReference"] != "RF-1" || got["refundMerchantReference"] != "RF-1" ||
		got["refundedAt"] != "2026-03-02T09:00:00.000Z" || got["refundId"] == "" {
		t.Errorf("refund = %s", r.body)
	}
	h.clock.Advance(time.Minute)
	expectStatus(t, h.request(http.MethodPost, "/v2/payments/"+id+"/refund", map[string]any{"amount": usd("20.00")}), 201)
	p := h.getPayment(id)
	if len(p.Refunds) != 2 || p.Refunds[0].Amount != amt("20.00") || p.Refunds[1].Amount != amt("30.00") {
		t.Errorf("refunds should be newest first: %+v", p.Refunds)
	}
	if p.PaymentState != "CAPTURED" {
		t.Errorf("refund changed the state to %s", p.PaymentState)
	}
	expectError(t, h.request(http.MethodPost, "/v2/payments/"+id+"/refund", map[string]any{"amount": usd("50.01")}), 422, "invalid_amount")
	expectStatus(t, h.request(http.MethodPost, "/v2/payments/"+id+"/refund", map[string]any{"amount": usd("50.00")}), 201)
	expectError(t, h.request(http.MethodPost, "/v2/payments/"+id+"/refund", map[string]any{"amount": usd("0.01")}), 422, "invalid_amount")

	id2, _ := h.capturedOrder("100.00")
	tests := []struct {
		name   string
		path   string
		body   map[string]any
		status int
		code   string
	}{
		{"unknown order", "/v2/payments/999999999999/refund", map[string]any{"amount": usd("1.00")}, 412, "precondition_failed"},
		{"non-numeric order", "/v2/payments/x1/refund", map[string]any{"amount": usd("1.00")}, 412, "precondition_failed"},
		{"amount missing", "/v2/payments/" + id2 + "/refund", map[string]any{}, 422, "invalid_object"},
		{"another currency", "/v2/payments/" + id2 + "/refund", map[string]any{"amount": map[string]any{"amount": "1.00", "currency": "AUD"}}, 422, "invalid_object"},
		{"negative", "/v2/payments/" + id2 + "/refund", map[string]any{"amount": usd("-1.00")}, 422, "invalid_amount"},
		{"refundMerchantReference too long", "/v2/payments/" + id2 + "/refund", map[string]any{"amount": usd("1.00"), "refundMerchantReference": strings.Repeat("r", 129)}, 422, "invalid_object"},
		{"requestId too long", "/v2/payments/" + id2 + "/refund", map[string]any{"amount": usd("1.00"), "requestId": strings.Repeat("r", 65)}, 422, "invalid_object"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			expectError(t, h.request(http.MethodPost, tt.path, tt.body), tt.status, tt.code)
		})
	}

	// The 120-day limit counts from the purchase, inclusive.
	h.clock.Advance(120 * 24 * time.Hour)
	expectStatus(t, h.request(http.MethodPost, "/v2/payments/"+id2+"/refund", map[string]any{"amount": usd("1.00")}), 201)
	h.clock.Advance(time.Second)
	expectError(t, h.request(http.MethodPost, "/v2/payments/"+id2+"/refund", map[string]any{"amount": usd("1.00")}), 422, "refund_timelimit_exceeded")
}

func TestRefundOnlyCapturedFunds(t *testing.T) {
	h := newHarness(t)
	id, _ := h.authorisedOrder("50.00")
	expectError(t, h.request(http.MethodPost, "/v2/payments/"+id+"/refund", map[string]any{"amount": usd("1.00")}), 422, "invalid_amount")
	h.request(http.MethodPost, "/v2/payments/"+id+"/capture", map[string]any{"amount": usd("10.00")})
	expectError(t, h.request(http.MethodPost, "/v2/payments/"+id+"/refund", map[string]any{"amount": usd("10.01")}), 422, "invalid_amount")
	expectStatus(t, h.request(http.MethodPost, "/v2/payments/"+id+"/refund", map[string]any{"amount": usd("10.00")}), 201)
}

func TestReversal(t *testing.T) {
	t.Run("captured order", func(t *testing.T) {
		h := newHarness(t)
		id, token := h.capturedOrder("20.00")
		h.clock.Advance(10 * time.Minute)
		r := h.request(http.MethodPost, "/v2/payments/token:"+token+"/reversal", nil)
		expectStatus(t, r, http.StatusNoContent)
		if len(r.body) != 0 {
			t.Errorf("204 with a body: %s", r.body)
		}
		// Pending: the order looks unchanged, but no capture is accepted.
		if p := h.getPayment(id); p.PaymentState != "CAPTURED" {
			t.Errorf("pending reversal state = %s", p.PaymentState)
		}
		m := expectError(t, h.request(http.MethodPost, "/v2/payments/capture", map[string]any{"token": token}), 412, "precondition_failed")
		if m["message"] != msgPendingReversal {
			t.Errorf("message = %q", m["message"])
		}
		m = expectError(t, h.request(http.MethodPost, "/v2/payments/token:"+token+"/reversal", nil), 412, "precondition_failed")
		if m["message"] != "Payment reversal previously processed" {
			t.Errorf("message = %q", m["message"])
		}
		expectError(t, h.request(http.MethodPost, "/v2/payments/"+id+"/refund", map[string]any{"amount": usd("1.00")}), 412, "precondition_failed")
		// The asynchronous reversal completes.
		h.clock.Advance(DefaultReversalDelay)
		if p := h.getPayment(id); p.PaymentState != "REVERSED" || p.OpenToCapture != amt("0.00") {
			t.Errorf("completed reversal state = %s open %v", p.PaymentState, p.OpenToCapture)
		}
		expectError(t, h.request(http.MethodPost, "/v2/payments/capture", map[string]any{"token": token}), 412, "precondition_failed")
	})
	t.Run("authorised order", func(t *testing.T) {
		h := newHarness(t)
		id, token := h.authorisedOrder("20.00")
		expectStatus(t, h.request(http.MethodPost, "/v2/payments/token:"+token+"/reversal", nil), 204)
		m := expectError(t, h.request(http.MethodPost, "/v2/payments/"+id+"/capture", map[string]any{"amount": usd("5.00")}), 412, "precondition_failed")
		if m["message"] != msgPendingReversal {
			t.Errorf("message = %q", m["message"])
		}
		expectError(t, h.request(http.MethodPost, "/v2/payments/auth", map[string]any{"token": token, "requestId": "auth-" + token[len(token)-8:]}), 412, "precondition_failed")
	})
	t.Run("before the order exists", func(t *testing.T) {
		h := newHarness(t)
		token := h.confirmedCheckout("20.00", OutcomeApprove)
		expectStatus(t, h.request(http.MethodPost, "/v2/payments/token:"+token+"/reversal", nil), 204)
		expectError(t, h.request(http.MethodPost, "/v2/payments/capture", map[string]any{"token": token}), 412, "precondition_failed")
		expectError(t, h.request(http.MethodGet, "/v2/payments/token:"+token, nil), 404, "not_found")
	})
	t.Run("ineligible", func(t *testing.T) {
		h := newHarness(t)
		expectError(t, h.request(http.MethodPost, "/v2/payments/token:002.unknown/reversal", nil), 402, "invalid_token")
		notEligible := func(token string) {
			t.Helper()
			m := expectError(t, h.request(http.MethodPost, "/v2/payments/token:"+token+"/reversal", nil), 412, "precondition_failed")
			if m["message"] != "Payment not eligible for a reversal" {
				t.Errorf("message = %q", m["message"])
			}
		}
		notEligible(h.createCheckout("20.00"))
		declined := h.confirmedCheckout("20.00", OutcomeDecline)
		h.request(http.MethodPost, "/v2/payments/capture", map[string]any{"token": declined})
		notEligible(declined)
		id, token := h.authorisedOrder("20.00")
		h.request(http.MethodPost, "/v2/payments/"+id+"/capture", map[string]any{"amount": usd("5.00")})
		notEligible(token) // PARTIALLY_CAPTURED

		_, late := h.capturedOrder("20.00")
		h.clock.Advance(10*time.Minute + time.Second)
		m := expectError(t, h.request(http.MethodPost, "/v2/payments/token:"+late+"/reversal", nil), 412, "precondition_failed")
		if m["message"] != "Order outside reversal window" {
			t.Errorf("message = %q", m["message"])
		}
	})
}

func TestUpdatePayment(t *testing.T) {
	h := newHarness(t)
	id, _ := h.capturedOrder("20.00")
	before := h.getPayment(id)
	r := h.request(http.MethodPut, "/v2/payments/"+id, map[string]any{"merchantReference": "SO-RENAMED"})
	expectStatus(t, r, http.StatusOK) // the real sandbox answers 200, not the documented 201
	after := decodePayment(t, r)
	if after.MerchantReference != "SO-RENAMED" {
		t.Errorf("merchantReference = %q", after.MerchantReference)
	}
	after.MerchantReference = before.MerchantReference
	if !samePayment(before, after) {
		t.Errorf("update changed more than merchantReference")
	}
	expectError(t, h.request(http.MethodPut, "/v2/payments/999999999999", map[string]any{"merchantReference": "x"}), 404, "not_found")
	expectError(t, h.request(http.MethodPut, "/v2/payments/"+id, map[string]any{}), 422, "invalid_object")
	expectError(t, h.request(http.MethodPut, "/v2/payments/"+id, map[string]any{"merchantReference": strings.Repeat("x", 129)}), 422, "invalid_object")
	expectError(t, h.request(http.MethodGet, "/v2/payments/not-a-number", nil), 404, "not_found")
	expectError(t, h.request(http.MethodGet, "/v2/payments/token:002.none", nil), 404, "not_found")
}

func samePayment(a, b payment) bool {
	return a.ID == b.ID && a.Token == b.Token && a.Status == b.Status && a.Created == b.Created &&
		a.OriginalAmount == b.OriginalAmount && a.OpenToCapture == b.OpenToCapture && a.PaymentState == b.PaymentState &&
		a.MerchantReference == b.MerchantReference && len(a.Events) == len(b.Events) && len(a.Refunds) == len(b.Refunds)
}

func TestCourier(t *testing.T) {
	h := newHarness(t)
	id, _ := h.authorisedOrder("20.00")
	courier := map[string]any{"shippedAt": "2026-03-02T10:00:00+01:00", "name": "FEDEX", "tracking": "TRK1", "priority": "EXPRESS"}
	r := h.request(http.MethodPut, "/v2/payments/"+id+"/courier", courier)
	expectStatus(t, r, http.StatusOK)
	if !strings.Contains(string(r.body), `"courier":{"shippedAt":"2026-03-02T10:00:00+01:00","name":"FEDEX","tracking":"TRK1","priority":"EXPRESS"}`) {
		t.Errorf("courier not in orderDetails: %s", r.body)
	}
	expectError(t, h.request(http.MethodPut, "/v2/payments/999999999999/courier", courier), 412, "precondition_failed")
	expectError(t, h.request(http.MethodPut, "/v2/payments/"+id+"/courier", map[string]any{"shippedAt": "yesterday"}), 422, "invalid_object")
	expectError(t, h.request(http.MethodPut, "/v2/payments/"+id+"/courier", map[string]any{"priority": "SLOW"}), 422, "invalid_object")
}
