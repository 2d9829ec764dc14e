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
package webhooksig

import (
	"crypto/hmac"
	"crypto/sha256"
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
