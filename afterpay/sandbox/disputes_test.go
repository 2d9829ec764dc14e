package sandbox

import (
	"encoding/json"
	"errors"
	"net/http"
	"regexp"
	"strings"
	"testing"
)

func TestDisputes(t *testing.T) {
	rcv := newReceiver(t)
	h := newHarness(t, withWebhooks(rcv))
	oas := loadOpenAPI(t, "afterpay-disputes.openapi.json")
	id, token := h.capturedOrder("45.00")

	d, err := h.sim.OpenDispute(id, "")
	if err != nil {
		t.Fatalf("OpenDispute: %v", err)
	}
	if !regexp.MustCompile(`^dp_[0-9A-Za-z]{24}$`).MatchString(d.ID) || d.Order != token || d.Amount != "45.00" || d.Status != "needs_response" ||
		!d.Open || d.Reason != "product_not_received" || d.MerchantOrderID != "SO0042" || d.CreatedAt != "1772442000" || d.ResponseDueBy != "1773565200" {
		t.Errorf("dispute = %+v", d)
	}
	w := rcv.next(t)
	rcv.verify(t, w)
	var hook map[string]string
	if err := json.Unmarshal(w.body, &hook); err != nil {
		t.Fatal(err)
	}
	if hook["webhook_event_type"] != "created" || hook["dispute_id"] != d.ID || hook["merchant_reference"] != testMerchantID ||
		!regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`).MatchString(hook["webhook_event_id"]) {
		t.Errorf("dispute webhook = %s", w.body)
	}

	r := h.request(http.MethodGet, "/v2/disputes/"+d.ID, nil)
	expectStatus(t, r, 200)
	oas.conform(t, "dispute", r.body, nil)
	list := h.request(http.MethodGet, "/v2/disputes?order="+token, nil)
	expectStatus(t, list, 200)
	oas.conform(t, "retrieve-dispute_Response_200", list.body, nil)
	if lm := list.json(t); lm["total"] != float64(1) {
		t.Errorf("list = %s", list.body)
	}
	if lm := h.request(http.MethodGet, "/v2/disputes?status=won", nil).json(t); lm["total"] != float64(0) {
		t.Errorf("status filter = %v", lm)
	}

	// Evidence once, then under review; the update is announced.
	evidence := map[string]any{"evidence": map[string]any{"shippingTrackingNumber": "TRK1", "shippingCarrier": "UPS"}}
	r = h.request(http.MethodPost, "/v2/disputes/"+d.ID, evidence)
	expectStatus(t, r, 200)
	if r.json(t)["status"] != "under_review" {
		t.Errorf("after evidence: %s", r.body)
	}
	w = rcv.next(t)
	rcv.verify(t, w)
	if !strings.Contains(string(w.body), `"webhook_event_type":"updated"`) {
		t.Errorf("update webhook = %s", w.body)
	}
	expectError(t, h.request(http.MethodPost, "/v2/disputes/"+d.ID, evidence), 412, "precondition_failed")
	expectError(t, h.request(http.MethodPost, "/v2/disputes/"+d.ID, map[string]any{"evidence": map[string]any{}}), 422, "invalid_object")

	// Accepting closes it as lost (GET per the OpenAPI document, POST per the guide).
	d2, _ := h.sim.OpenDispute(id, "incorrect_amount")
	rcv.next(t)
	r = h.request(http.MethodPost, "/v2/disputes/"+d2.ID+"/accept", nil)
	expectStatus(t, r, 200)
	if got := r.json(t); got["status"] != "lost" || got["open"] != false || got["closingReason"] != "merchant_accepted" {
		t.Errorf("accepted = %s", r.body)
	}
	rcv.next(t)
	expectError(t, h.request(http.MethodGet, "/v2/disputes/"+d2.ID+"/accept", nil), 412, "precondition_failed")
	expectError(t, h.request(http.MethodGet, "/v2/disputes/dp_nothing", nil), 404, "not_found")
	expectError(t, h.request(http.MethodGet, "/v2/disputes?limit=0", nil), 422, "invalid_object")

	if _, err := h.sim.OpenDispute("999999999999", ""); !errors.Is(err, ErrOrderNotFound) {
		t.Errorf("unknown order: %v", err)
	}
	if _, err := h.sim.OpenDispute(id, "bored"); !errors.Is(err, ErrUnknownReason) {
		t.Errorf("unknown reason: %v", err)
	}
	declined := h.confirmedCheckout("20.00", OutcomeDecline)
	did := h.request(http.MethodPost, "/v2/payments/capture", map[string]any{"token": declined}).json(t)["id"].(string)
	if _, err := h.sim.OpenDispute(did, ""); !errors.Is(err, ErrNotDisputable) {
		t.Errorf("declined order: %v", err)
	}
}

func TestDisputeHook(t *testing.T) {
	h := newHarness(t)
	id, _ := h.capturedOrder("20.00")
	req, _ := http.NewRequest(http.MethodPost, h.ts.URL+"/__sim/disputes", strings.NewReader(`{"orderId":"`+id+`","reason":"duplicate"}`))
	r := h.send(req)
	expectStatus(t, r, http.StatusCreated)
	if got := r.json(t); got["reason"] != "duplicate" {
		t.Errorf("dispute = %s", r.body)
	}
	req, _ = http.NewRequest(http.MethodPost, h.ts.URL+"/__sim/disputes", strings.NewReader(`{"orderId":"1"}`))
	expectError(t, h.send(req), 422, "invalid_object")
}
