// Package webhooksig signs and verifies webhooks with the scheme Afterpay uses
// for its dispute webhooks, which the product also uses for its own
// payment-event webhooks:
//
//	X-Afterpay-Request-Date:      UNIX seconds
//	X-Afterpay-Request-Signature: base64(HMAC-SHA256(secret, url + "\n" + date + "\n" + rawBody))
//
// where url is the destination URL the webhook is posted to. The sender (the
// sandbox simulator) and the receiver (the product's API) both import this
// package so that the two sides cannot drift apart.
//
// Receivers use a Verifier: two secrets during a rotation, a date at most 5
// minutes old and at most a minute ahead, the date checked before the body
// is read, and the signature compared in constant time before the body is
// parsed.
package webhooksig

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"
)

// Header names carried by a signed webhook.
const (
	HeaderDate      = "X-Afterpay-Request-Date"
	HeaderSignature = "X-Afterpay-Request-Signature"
)

// DefaultTolerance is how far the request date may be from the receiver's
// clock; Afterpay's guide tells receivers to reject webhooks older than 5 min.
const DefaultTolerance = 5 * time.Minute

// Errors returned by VerifySignature and VerifyRequest; match them with errors.Is.
var (
	ErrMissingHeader = errors.New("webhooksig: missing signature or date header")
	ErrMalformedDate = errors.New("webhooksig: date header is not UNIX seconds")
	ErrStale         = errors.New("webhooksig: request date outside the allowed tolerance")
	ErrMismatch      = errors.New("webhooksig: signature does not match")
)

// Sign returns the base64 signature of body for a webhook posted to url at date.
func Sign(secret, url string, date time.Time, body []byte) string {
	return signRaw(secret, url, strconv.FormatInt(date.Unix(), 10), body)
}

func signRaw(secret, url, date string, body []byte) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(url))
	mac.Write([]byte("\n"))
	mac.Write([]byte(date))
	mac.Write([]byte("\n"))
	mac.Write(body)
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// SetHeaders adds the date and signature headers for a webhook posted to url.
func SetHeaders(h http.Header, secret, url string, date time.Time, body []byte) {
	h.Set(HeaderDate, strconv.FormatInt(date.Unix(), 10))
	h.Set(HeaderSignature, Sign(secret, url, date, body))
}

// VerifySignature checks a webhook's headers as received: dateHeader is the raw
// X-Afterpay-Request-Date value, signature the raw X-Afterpay-Request-Signature
// value, url the destination URL the sender posted to, body the raw request
// body. The date must lie within tolerance of now (either direction, to allow
// for clock skew); tolerance <= 0 means DefaultTolerance. The comparison runs
// in constant time.
func VerifySignature(secret, url, dateHeader, signature string, body []byte, now time.Time, tolerance time.Duration) error {
	if dateHeader == "" || signature == "" {
		return ErrMissingHeader
	}
	secs, err := strconv.ParseInt(dateHeader, 10, 64)
	if err != nil || secs < 0 {
		return fmt.Errorf("%w: %q", ErrMalformedDate, dateHeader)
	}
	if tolerance <= 0 {
		tolerance = DefaultTolerance
	}
	age := now.Sub(time.Unix(secs, 0))
	if age > tolerance || age < -tolerance {
		return fmt.Errorf("%w: dated %s, now %s", ErrStale, time.Unix(secs, 0).UTC().Format(time.RFC3339), now.UTC().Format(time.RFC3339))
	}
	got, err := base64.StdEncoding.DecodeString(signature)
	if err != nil {
		return fmt.Errorf("%w: signature is not base64", ErrMismatch)
	}
	want, _ := base64.StdEncoding.DecodeString(signRaw(secret, url, dateHeader, body))
	if !hmac.Equal(got, want) {
		return ErrMismatch
	}
	return nil
}

// VerifyRequest is VerifySignature reading the headers from h.
func VerifyRequest(h http.Header, secret, url string, body []byte, now time.Time, tolerance time.Duration) error {
	return VerifySignature(secret, url, h.Get(HeaderDate), h.Get(HeaderSignature), body, now, tolerance)
}

// Defaults of a Verifier.
const (
	// DefaultMaxAge is how old a request date may be: Afterpay's guide
	// tells receivers to reject webhooks older than 5 minutes.
	DefaultMaxAge = 5 * time.Minute
	// DefaultMaxSkew is how far in the future a request date may be, for
	// the sender's clock running ahead of ours.
	DefaultMaxSkew = time.Minute
	// MaxSecrets bounds how many secrets a Verifier tries: the current one
	// and the previous one during a rotation.
	MaxSecrets = 2
)

// ErrNoSecret is returned by a Verifier that has no secret: nothing can be
// verified, so every webhook is refused.
var ErrNoSecret = errors.New("webhooksig: no secret configured")

// Verifier checks signed webhooks as a receiver does. It accepts a signature
// made with any of its Secrets (two during a rotation), and a date at most
// MaxAge old and at most MaxSkew in the future.
//
// Its zero value has no secret and refuses everything.
type Verifier struct {
	// Secrets are tried in turn, all of them every time, so that the time
	// taken does not say which one matched. Empty strings are ignored.
	Secrets []string
	// MaxAge and MaxSkew default to DefaultMaxAge and DefaultMaxSkew.
	MaxAge, MaxSkew time.Duration
	// Now is the receiver's clock; nil means time.Now.
	Now func() time.Time
}

func (v Verifier) now() time.Time {
	if v.Now != nil {
		return v.Now()
	}
	return time.Now()
}

// maxDateDigits bounds the date header: UNIX seconds need 10 digits until
// the year 2286.
const maxDateDigits = 12

// CheckDate checks the headers that can be checked before the body is read:
// both present, and the date inside the window. A receiver calls it first so
// that a stale or unsigned request is refused without reading its body.
func (v Verifier) CheckDate(dateHeader, signature string) error {
	if !v.hasSecret() {
		return ErrNoSecret
	}
	if dateHeader == "" || signature == "" {
		return ErrMissingHeader
	}
	if len(dateHeader) > maxDateDigits {
		return ErrMalformedDate
	}
	secs, err := strconv.ParseInt(dateHeader, 10, 64)
	if err != nil || secs < 0 || dateHeader[0] == '+' {
		return ErrMalformedDate
	}
	maxAge, maxSkew := v.MaxAge, v.MaxSkew
	if maxAge <= 0 {
		maxAge = DefaultMaxAge
	}
	if maxSkew <= 0 {
		maxSkew = DefaultMaxSkew
	}
	age := v.now().Sub(time.Unix(secs, 0))
	if age > maxAge || age < -maxSkew {
		return ErrStale
	}
	return nil
}

func (v Verifier) hasSecret() bool {
	for _, s := range v.Secrets {
		if s != "" {
			return true
		}
	}
	return false
}

// Verify checks a webhook as received: CheckDate, then the signature over
// url, the date header exactly as sent, and the raw body, against every
// secret, in constant time. It does not look inside the body.
func (v Verifier) Verify(url, dateHeader, signature string, body []byte) error {
	if err := v.CheckDate(dateHeader, signature); err != nil {
		return err
	}
	got, err := base64.StdEncoding.DecodeString(signature)
	if err != nil || len(got) != sha256.Size {
		// A well-formed signature is 44 base64 characters; anything else
		// cannot match, and its length is no secret.
		got = make([]byte, sha256.Size)
		err = ErrMismatch
	}
	match := 0
	tried := 0
	for _, secret := range v.Secrets {
		if secret == "" || tried == MaxSecrets {
			continue
		}
		tried++
		mac := hmac.New(sha256.New, []byte(secret))
		mac.Write([]byte(url))
		mac.Write([]byte("\n"))
		mac.Write([]byte(dateHeader))
		mac.Write([]byte("\n"))
		mac.Write(body)
		match |= subtle.ConstantTimeCompare(got, mac.Sum(nil))
	}
	if err != nil || match != 1 {
		return ErrMismatch
	}
	return nil
}

// VerifyRequest is Verify reading the headers from h.
func (v Verifier) VerifyRequest(h http.Header, url string, body []byte) error {
	return v.Verify(url, h.Get(HeaderDate), h.Get(HeaderSignature), body)
}
