package sandbox

import (
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"
)

type listReply struct {
	TotalResults int       `json:"totalResults"`
	Offset       int       `json:"offset"`
	Limit        int       `json:"limit"`
	Results      []payment `json:"results"`
	NextPageURL  string    `json:"nextPageUrl"`
}

func (h *harness) list(query string) listReply {
	h.t.Helper()
	r := h.request(http.MethodGet, "/v2/payments"+query, nil)
	expectStatus(h.t, r, http.StatusOK)
	var lr listReply
	if err := json.Unmarshal(r.body, &lr); err != nil {
		h.t.Fatalf("decode list: %v", err)
	}
	return lr
}

func ids(lr listReply) []string {
	var out []string
	for _, p := range lr.Results {
		out = append(out, p.ID)
	}
	return out
}

func TestListPayments(t *testing.T) {
	h := newHarness(t)
	oas := loadOpenAPI(t, "afterpay-payments.openapi.json")
	a, tokA := h.capturedOrder("30.00") // 09:00
	h.clock.Advance(time.Hour)
	b, _ := h.authorisedOrder("10.00") // 10:00
	h.clock.Advance(time.Hour)
	declinedToken := h.confirmedCheckout("20.00", OutcomeDecline) // 11:00
	c := decodePayment(t, h.request(http.MethodPost, "/v2/payments/capture", map[string]any{"token": declinedToken, "merchantReference": "SO-C"})).ID

	r := h.request(http.MethodGet, "/v2/payments", nil)
	oas.conform(t, "list-payments_Response_200", r.body, extraPaymentStates)
	all := h.list("")
	if all.TotalResults != 3 || all.Offset != 0 || all.Limit != 20 || !slices.Equal(ids(all), []string{c, b, a}) {
		t.Fatalf("default list = %d %v", all.TotalResults, ids(all))
	}
	tests := []struct {
		query string
		want  []string
	}{
		{"?ascending=true", []string{a, b, c}},
		{"?orderBy=totalAmount", []string{a, c, b}},
		{"?orderBy=totalAmount&ascending=true", []string{b, c, a}},
		{"?orderBy=id&ascending=true", []string{a, b, c}},
		{"?statuses=DECLINED", []string{c}},
		{"?statuses=APPROVED&statuses=DECLINED", []string{c, b, a}},
		{"?ids=" + a + "&ids=" + c, []string{c, a}},
		{"?tokens=" + url.QueryEscape(tokA), []string{a}},
		{"?merchantReferences=SO-C", []string{c}},
		{"?fromCreatedDate=2026-03-02T10:00:00Z", []string{c, b}},
		{"?toCreatedDate=2026-03-02T10:00:00Z", []string{b, a}},
		{"?fromCreatedDate=2026-03-02T10:30:00%2B01:00", []string{c, b}},
		{"?toCreatedDate=2026-03-02", []string{c, b, a}},
		{"?toCreatedDate=2026-03-01", nil},
		{"?limit=1&offset=1", []string{b}},
		{"?offset=5", nil},
	}
	for _, tt := range tests {
		if got := ids(h.list(tt.query)); !slices.Equal(got, tt.want) {
			t.Errorf("list%s = %v, want %v", tt.query, got, tt.want)
		}
	}

	// Paging with the next link.
	page := h.list("?limit=2&includeNextLink=true&statuses=APPROVED&statuses=DECLINED")
	if !slices.Equal(ids(page), []string{c, b}) || !strings.Contains(page.NextPageURL, "cursor=") {
		t.Fatalf("first page = %v next %q", ids(page), page.NextPageURL)
	}
	next, err := url.Parse(page.NextPageURL)
	if err != nil || !strings.HasPrefix(page.NextPageURL, h.ts.URL+"/v2/payments?") {
		t.Fatalf("nextPageUrl %q", page.NextPageURL)
	}
	page2 := h.list("?" + next.RawQuery)
	if !slices.Equal(ids(page2), []string{a}) || page2.NextPageURL != "" || page2.Offset != 2 {
		t.Errorf("second page = %v offset %d next %q", ids(page2), page2.Offset, page2.NextPageURL)
	}
}

func TestListPaymentsErrors(t *testing.T) {
	h := newHarness(t)
	tests := []struct {
		query  string
		status int
	}{
		{"?limit=0", 422}, {"?limit=251", 422}, {"?limit=ten", 422}, {"?offset=-1", 422},
		{"?orderBy=amount", 422}, {"?ascending=maybe", 422}, {"?includeNextLink=yes-please", 422}, {"?cursor=not-a-cursor", 422},
		{"?fromCreatedDate=02/03/2026", 500},
		{"?toCreatedDate=2026-03-02T10:30:00+01:00", 500}, // an unencoded + arrives as a space
		{"?ids=1,2", 500}, {"?ids[]=1", 500}, {"?statuses=APPROVED,DECLINED", 500}, {"?tokens=a,b", 500},
	}
	for _, tt := range tests {
		expectError(t, h.request(http.MethodGet, "/v2/payments"+tt.query, nil), tt.status, "error")
	}
	if lr := h.list("?limit=250"); lr.Limit != 250 || lr.Results == nil {
		t.Errorf("limit 250 = %+v", lr)
	}
}
