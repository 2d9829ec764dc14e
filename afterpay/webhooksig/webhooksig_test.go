package webhooksig

import (
	"errors"
	"net/http"
	"testing"
	"time"
)

const (
	testSecret = "whsec-test"
	testURL    = "https://merchant.example.com/webhooks/afterpay"
	testBody   = `{"eventId":"evt_1"}`
)

// testDate is 1700000000 UNIX seconds.
var testDate = time.Unix(1700000000, 0)

// The expected value was computed outside Go, with the command Afterpay's
// guide shows:
//
//	printf 'https://merchant.example.com/webhooks/afterpay\n1700000000\n{"eventId":"evt_1"}' |
//	  openssl dgst -sha256 -hmac 'whsec-test' -binary | base64
const opensslSignature = "MFPycJuSFbFdLP1BYzNFNjN38Ghm3EieuXwhNSR/sGc="

func TestSignMatchesOpenSSL(t *testing.T) {
	if got := Sign(testSecret, testURL, testDate, []byte(testBody)); got != opensslSignature {
		t.Fatalf("Sign = %q, want %q", got, opensslSignature)
	}
}

func TestVerifySignature(t *testing.T) {
	tests := []struct {
		name      string
		secret    string
		url       string
		date      string
		signature string
		body      string
		now       time.Time
		tolerance time.Duration
		wantErr   error
	}{
		{"valid", testSecret, testURL, "1700000000", opensslSignature, testBody, testDate, 0, nil},
		{"valid within tolerance", testSecret, testURL, "1700000000", opensslSignature, testBody, testDate.Add(4 * time.Minute), 0, nil},
		{"valid with skew ahead", testSecret, testURL, "1700000000", opensslSignature, testBody, testDate.Add(-4 * time.Minute), 0, nil},
		{"stale", testSecret, testURL, "1700000000", opensslSignature, testBody, testDate.Add(6 * time.Minute), 0, ErrStale},
		{"from the future", testSecret, testURL, "1700000000", opensslSignature, testBody, testDate.Add(-6 * time.Minute), 0, ErrStale},
		{"custom tolerance", testSecret, testURL, "1700000000", opensslSignature, testBody, testDate.Add(6 * time.Minute), 10 * time.Minute, nil},
		{"wrong secret", "other", testURL, "1700000000", opensslSignature, testBody, testDate, 0, ErrMismatch},
		{"wrong url", testSecret, "https://merchant.example.com/other", "1700000000", opensslSignature, testBody, testDate, 0, ErrMismatch},
		{"tampered body", testSecret, testURL, "1700000000", opensslSignature, `{"eventId":"evt_2"}`, testDate, 0, ErrMismatch},
		{"date differs from signed date", testSecret, testURL, "1700000001", opensslSignature, testBody, testDate, 0, ErrMismatch},
		{"signature not base64", testSecret, testURL, "1700000000", "***", testBody, testDate, 0, ErrMismatch},
		{"missing signature", testSecret, testURL, "1700000000", "", testBody, testDate, 0, ErrMissingHeader},
		{"missing date", testSecret, testURL, "", opensslSignature, testBody, testDate, 0, ErrMissingHeader},
		{"date not seconds", testSecret, testURL, "2023-11-14T22:13:20Z", opensslSignature, testBody, testDate, 0, ErrMalformedDate},
		{"negative date", testSecret, testURL, "-5", opensslSignature, testBody, testDate, 0, ErrMalformedDate},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := VerifySignature(tt.secret, tt.url, tt.date, tt.signature, []byte(tt.body), tt.now, tt.tolerance)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("VerifySignature error = %v, want %v", err, tt.wantErr)
			}
		})
	}
}

func TestSetHeadersRoundTripsThroughVerifyRequest(t *testing.T) {
	h := http.Header{}
	body := []byte(`{"eventType":"payment.capture_completed"}`)
	SetHeaders(h, testSecret, testURL, testDate, body)
	if got := h.Get(HeaderDate); got != "1700000000" {
		t.Fatalf("%s = %q, want 1700000000", HeaderDate, got)
	}
	if err := VerifyRequest(h, testSecret, testURL, body, testDate.Add(time.Second), 0); err != nil {
		t.Fatalf("VerifyRequest: %v", err)
	}
	if err := VerifyRequest(h, testSecret, testURL, append(body, ' '), testDate, 0); !errors.Is(err, ErrMismatch) {
		t.Fatalf("VerifyRequest with a changed body = %v, want ErrMismatch", err)
	}
}
