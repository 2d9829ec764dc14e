package webhooksig

import (
	"encoding/base64"
	"errors"
	"net/http"
	"strconv"
	"testing"
	"time"
)

func verifierAt(now time.Time, secrets ...string) Verifier {
	return Verifier{Secrets: secrets, Now: func() time.Time { return now }}
}

func TestVerifier(t *testing.T) {
	body := []byte(testBody)
	tests := []struct {
		name      string
		v         Verifier
		url       string
		date      string
		signature string
		body      []byte
		want      error
	}{
		{"valid", verifierAt(testDate, testSecret), testURL, "1700000000", opensslSignature, body, nil},
		{"previous secret during a rotation", verifierAt(testDate, "new-secret", testSecret), testURL, "1700000000", opensslSignature, body, nil},
		{"current secret during a rotation", verifierAt(testDate, testSecret, "old-secret"), testURL, "1700000000", opensslSignature, body, nil},
		{"neither secret", verifierAt(testDate, "new-secret", "old-secret"), testURL, "1700000000", opensslSignature, body, ErrMismatch},
		{"a third secret is never tried", verifierAt(testDate, "a", "b", testSecret), testURL, "1700000000", opensslSignature, body, ErrMismatch},
		{"no secret refuses everything", verifierAt(testDate), testURL, "1700000000", opensslSignature, body, ErrNoSecret},
		{"empty secrets refuse everything", verifierAt(testDate, "", ""), testURL, "1700000000", opensslSignature, body, ErrNoSecret},
		{"4 min 59 s old", verifierAt(testDate.Add(299*time.Second), testSecret), testURL, "1700000000", opensslSignature, body, nil},
		{"5 min 1 s old", verifierAt(testDate.Add(301*time.Second), testSecret), testURL, "1700000000", opensslSignature, body, ErrStale},
		{"6 minutes old (a replay)", verifierAt(testDate.Add(6*time.Minute), testSecret), testURL, "1700000000", opensslSignature, body, ErrStale},
		{"59 s in the future", verifierAt(testDate.Add(-59*time.Second), testSecret), testURL, "1700000000", opensslSignature, body, nil},
		{"2 min in the future", verifierAt(testDate.Add(-2*time.Minute), testSecret), testURL, "1700000000", opensslSignature, body, ErrStale},
		{"other url", verifierAt(testDate, testSecret), testURL + "/other", "1700000000", opensslSignature, body, ErrMismatch},
		{"tampered body", verifierAt(testDate, testSecret), testURL, "1700000000", opensslSignature, []byte(`{"eventId":"evt_2"}`), ErrMismatch},
		{"date not the signed one", verifierAt(testDate, testSecret), testURL, "1700000001", opensslSignature, body, ErrMismatch},
		{"date with a plus sign", verifierAt(testDate, testSecret), testURL, "+1700000000", opensslSignature, body, ErrMalformedDate},
		{"date too long", verifierAt(testDate, testSecret), testURL, "00000001700000000", opensslSignature, body, ErrMalformedDate},
		{"date not a number", verifierAt(testDate, testSecret), testURL, "yesterday", opensslSignature, body, ErrMalformedDate},
		{"missing date", verifierAt(testDate, testSecret), testURL, "", opensslSignature, body, ErrMissingHeader},
		{"missing signature", verifierAt(testDate, testSecret), testURL, "1700000000", "", body, ErrMissingHeader},
		{"signature not base64", verifierAt(testDate, testSecret), testURL, "1700000000", "***", body, ErrMismatch},
		{"signature truncated", verifierAt(testDate, testSecret), testURL, "1700000000", opensslSignature[:20], body, ErrMismatch},
		{"hex signature", verifierAt(testDate, testSecret), testURL, "1700000000", "53f2709b9215b1b15d2cfd416333453633", body, ErrMismatch},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.v.Verify(tt.url, tt.date, tt.signature, tt.body)
			if !errors.Is(err, tt.want) {
				t.Fatalf("Verify = %v, want %v", err, tt.want)
			}
		})
	}
}

func TestCheckDateNeedsNoBody(t *testing.T) {
	v := verifierAt(testDate, testSecret)
	if err := v.CheckDate("1700000000", "anything"); err != nil {
		t.Fatalf("CheckDate = %v", err)
	}
	if err := v.CheckDate(strconv.FormatInt(testDate.Add(-10*time.Minute).Unix(), 10), "anything"); !errors.Is(err, ErrStale) {
		t.Fatalf("CheckDate of a stale date = %v, want ErrStale", err)
	}
}

func TestVerifierAcceptsWhatSetHeadersSigns(t *testing.T) {
	h := http.Header{}
	body := []byte(`{"webhook_event_id":"1"}`)
	SetHeaders(h, "current", testURL, testDate, body)
	if err := verifierAt(testDate.Add(time.Second), "current", "previous").VerifyRequest(h, testURL, body); err != nil {
		t.Fatalf("VerifyRequest = %v", err)
	}
}

// FuzzVerify: the verifier never panics, never accepts what the secret did
// not sign, and always accepts what it did.
func FuzzVerify(f *testing.F) {
	f.Add(testSecret, testURL, "1700000000", opensslSignature, []byte(testBody))
	f.Add("s", "", "", "", []byte{})
	f.Add("s", "u", "-1", "AAAA", []byte("\x00\xff"))
	f.Add("s", "u", "99999999999999999999", "====", []byte("{}"))
	f.Fuzz(func(t *testing.T, secret, url, date, signature string, body []byte) {
		v := verifierAt(testDate, secret)
		err := v.Verify(url, date, signature, body)
		if err == nil {
			// Accepted: it must be exactly what the secret signs.
			if secret == "" || signature != signRaw(secret, url, date, body) && !sameMAC(signature, signRaw(secret, url, date, body)) {
				t.Fatalf("accepted a signature the secret did not make: %q", signature)
			}
		}
		if secret == "" {
			return
		}
		good := Sign(secret, url, testDate, body)
		if err := v.Verify(url, "1700000000", good, body); err != nil {
			t.Fatalf("refused its own signature: %v", err)
		}
		if err := v.Verify(url, "1700000000", good, append(append([]byte{}, body...), 'x')); !errors.Is(err, ErrMismatch) {
			t.Fatalf("accepted a changed body: %v", err)
		}
		if err := verifierAt(testDate.Add(6*time.Minute), secret).Verify(url, "1700000000", good, body); !errors.Is(err, ErrStale) {
			t.Fatalf("accepted a stale date: %v", err)
		}
	})
}

// sameMAC reports whether two base64 signatures decode to the same bytes
// (base64 has more than one spelling of some values).
func sameMAC(a, b string) bool {
	x, err1 := decode(a)
	y, err2 := decode(b)
	return err1 == nil && err2 == nil && string(x) == string(y)
}

func decode(s string) ([]byte, error) { return base64.StdEncoding.DecodeString(s) }
