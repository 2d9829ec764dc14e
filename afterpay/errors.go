package afterpay

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Error codes Afterpay puts in errorCode (afterpay-api.md §4). Branch on these
// and the HTTP status, never on the message.
const (
	CodeUnauthorized                  = "unauthorized"                     // 401
	CodeMethodNotAllowed              = "method_not_allowed"               // 405
	CodeInvalidJSON                   = "invalid_json"                     // 400
	CodeError                         = "error"                            // generic: 406, 415, 500, 422, 412
	CodeInvalidObject                 = "invalid_object"                   // 422
	CodeInvalidAmount                 = "invalid_amount"                   // 422
	CodeUnsupportedPaymentType        = "unsupported_payment_type"         // 422, amount outside merchant limits
	CodeUnsupportedCurrency           = "unsupported_currency"             // 422
	CodeInvalidToken                  = "invalid_token"                    // 402
	CodeInvalidOrderTransactionStatus = "invalid_order_transaction_status" // 412, consumer has not confirmed
	CodeNotFound                      = "not_found"                        // 404
	CodePaymentCaptured               = "payment_captured"                 // 410
	CodeInvalidState                  = "invalid_state"                    // 412, order was declined
	CodePaymentVoided                 = "payment_voided"                   // 412
	CodePaymentExpired                = "payment_expired"                  // 412
	CodePreconditionFailed            = "precondition_failed"              // 412
	CodeRefundTimeLimitExceeded       = "refund_timelimit_exceeded"        // 422, over 120 days
)

// Error is a non-2xx answer from Afterpay (or from a proxy in front of it, in
// which case ErrorCode is empty and Message holds the start of the body).
type Error struct {
	// HTTPStatusCode is the status of the HTTP response.
	HTTPStatusCode int
	// ErrorCode is Afterpay's errorCode, e.g. "invalid_token"; empty when the
	// body was not an Afterpay error object (409s carry none).
	ErrorCode string
	// ErrorID is Afterpay's unique id of this error, for support tickets.
	ErrorID string
	// Message is Afterpay's human-readable text; it changes over time, so do
	// not branch on it.
	Message string
	// CorrelationID is the http_correlation_id response header, for support.
	CorrelationID string
	// RetryAfter is the delay the Retry-After header asked for (zero if none).
	RetryAfter time.Duration
	// Endpoint is the method and path that failed, e.g. "POST /v2/payments/auth".
	Endpoint string

	retryAfterSet bool
}

// Error formats the status, code, message and the ids support needs.
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("afterpay: ")
	if e.Endpoint != "" {
		b.WriteString(e.Endpoint)
		b.WriteString(": ")
	}
	b.WriteString(strconv.Itoa(e.HTTPStatusCode))
	if e.ErrorCode != "" {
		b.WriteString(" ")
		b.WriteString(e.ErrorCode)
	}
	if e.Message != "" {
		b.WriteString(": ")
		b.WriteString(e.Message)
	}
	var ids []string
	if e.ErrorID != "" {
		ids = append(ids, "errorId "+e.ErrorID)
	}
	if e.CorrelationID != "" {
		ids = append(ids, "correlation "+e.CorrelationID)
	}
	if len(ids) > 0 {
		b.WriteString(" (" + strings.Join(ids, ", ") + ")")
	}
	return b.String()
}

// TransportError is a call that got no complete HTTP answer: dial failure,
// connection reset, timeout, or a body cut short. For a call that moves money
// the outcome is unknown unless NotSent is true.
type TransportError struct {
	// Endpoint is the method and path, e.g. "POST /v2/payments/capture".
	Endpoint string
	// NotSent is true when the failure happened before the request could reach
	// Afterpay (name resolution or dial failure), so the call had no effect.
	NotSent bool
	// Err is the underlying error; errors.Is(err, context.DeadlineExceeded)
	// and friends see through TransportError.
	Err error

	timeout bool
}

// Error describes the failure.
func (e *TransportError) Error() string {
	kind := "transport error"
	if e.timeout {
		kind = "timeout"
	}
	return fmt.Sprintf("afterpay: %s: %s: %v", e.Endpoint, kind, e.Err)
}

// Unwrap returns the underlying error.
func (e *TransportError) Unwrap() error { return e.Err }

// Timeout reports whether the call ran out of time (the endpoint's timeout,
// the caller's deadline, or the connect timeout).
func (e *TransportError) Timeout() bool { return e.timeout }

// OutcomeUnknown reports whether the request may have reached Afterpay and
// been committed. A money call that fails this way must be retried with the
// same requestId/token or looked up before anything else is decided.
func (e *TransportError) OutcomeUnknown() bool { return !e.NotSent }

// ValidationError is a request the client refused to send.
type ValidationError struct {
	// Endpoint is the method and path the request was meant for.
	Endpoint string
	// Field is the offending JSON field or parameter, e.g. "requestId".
	Field string
	// Reason says what is wrong with it.
	Reason string
}

// Error describes the invalid field.
func (e *ValidationError) Error() string {
	return fmt.Sprintf("afterpay: %s: invalid request: %s %s", e.Endpoint, e.Field, e.Reason)
}

// DecodeError is a 2xx answer whose body could not be understood. The call
// took effect on Afterpay's side.
type DecodeError struct {
	// Endpoint is the method and path.
	Endpoint string
	// HTTPStatusCode is the (successful) status of the response.
	HTTPStatusCode int
	// Err is the decoding failure.
	Err error
}

// Error describes the decoding failure.
func (e *DecodeError) Error() string {
	return fmt.Sprintf("afterpay: %s: decode %d response: %v", e.Endpoint, e.HTTPStatusCode, e.Err)
}

// Unwrap returns the decoding failure.
func (e *DecodeError) Unwrap() error { return e.Err }

// IsRetryable reports whether repeating the same call (same requestId, same
// token) may succeed: transport failures other than the caller's own
// cancellation, 5xx, 408, 409 (the original is still processing) and 429.
// Validation failures, 401, 402 invalid_token, 404, 410 and 412 are final.
func IsRetryable(err error) bool {
	if err == nil {
		return false
	}
	var apiErr *Error
	if errors.As(err, &apiErr) {
		s := apiErr.HTTPStatusCode
		return s >= 500 || s == http.StatusRequestTimeout || s == http.StatusConflict || s == http.StatusTooManyRequests
	}
	var tErr *TransportError
	if errors.As(err, &tErr) {
		// The caller gave up; repeating inside the same context cannot help.
		return !errors.Is(tErr.Err, context.Canceled)
	}
	return false
}

// RetryAfterOf returns the delay an *Error's Retry-After header asked for;
// ok is false when err is not an *Error or carried no Retry-After. (An
// *Error built by hand, as in a fake, counts as carrying one when its
// RetryAfter is positive.)
func RetryAfterOf(err error) (time.Duration, bool) {
	var apiErr *Error
	if errors.As(err, &apiErr) && (apiErr.retryAfterSet || apiErr.RetryAfter > 0) {
		return apiErr.RetryAfter, true
	}
	return 0, false
}

// IsNotFound reports a 404 (or a not_found code): unknown order ID or token.
func IsNotFound(err error) bool {
	var apiErr *Error
	return errors.As(err, &apiErr) && (apiErr.HTTPStatusCode == http.StatusNotFound || apiErr.ErrorCode == CodeNotFound)
}

// IsUnauthorized reports a 401: the merchant ID or secret key is wrong.
func IsUnauthorized(err error) bool { return StatusCode(err) == http.StatusUnauthorized }

// HasCode reports whether err is an *Error with the given errorCode.
func HasCode(err error, code string) bool {
	var apiErr *Error
	return errors.As(err, &apiErr) && apiErr.ErrorCode == code
}

// StatusCode returns the HTTP status of an *Error, or 0.
func StatusCode(err error) int {
	var apiErr *Error
	if errors.As(err, &apiErr) {
		return apiErr.HTTPStatusCode
	}
	return 0
}

// IsOutcomeUnknown reports whether err leaves it open whether the call took
// effect: a transport failure after the request may have been sent.
func IsOutcomeUnknown(err error) bool {
	var tErr *TransportError
	return errors.As(err, &tErr) && tErr.OutcomeUnknown()
}

// wireError is Afterpay's error object (afterpay-api.md §4).
type wireError struct {
	ErrorCode      string          `json:"errorCode"`
	ErrorID        string          `json:"errorId"`
	Message        string          `json:"message"`
	HTTPStatusCode json.RawMessage `json:"httpStatusCode,omitempty"`
}

// maxMessageBytes bounds the text kept from a non-JSON error body.
const maxMessageBytes = 256

// decodeError turns a non-2xx response into an *Error. Bodies that are not an
// Afterpay error object (proxies, load balancers, 409s without a body) still
// give an *Error carrying the status and the start of the body.
func decodeError(endpoint string, status int, header http.Header, body []byte, now time.Time) *Error {
	e := &Error{
		HTTPStatusCode: status,
		Endpoint:       endpoint,
		CorrelationID:  header.Get("http_correlation_id"),
	}
	e.RetryAfter, e.retryAfterSet = parseRetryAfter(header.Get("Retry-After"), now)

	var w wireError
	if err := json.Unmarshal(body, &w); err == nil {
		e.ErrorCode, e.ErrorID, e.Message = w.ErrorCode, w.ErrorID, w.Message
	} else {
		e.Message = snippet(body)
	}
	if e.Message == "" && e.ErrorCode == "" {
		e.Message = http.StatusText(status)
	}
	return e
}

// snippet returns the start of a body as valid, single-line UTF-8 text.
func snippet(body []byte) string {
	s := strings.ToValidUTF8(string(body), "\uFFFD")
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > maxMessageBytes {
		cut := maxMessageBytes
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		s = s[:cut] + "…"
	}
	return s
}

// parseRetryAfter reads delta-seconds or an HTTP-date (RFC 9110 §10.2.3).
func parseRetryAfter(v string, now time.Time) (time.Duration, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	if secs, err := strconv.ParseInt(v, 10, 64); err == nil {
		if secs < 0 {
			return 0, true
		}
		const maxSecs = int64(1<<63-1) / int64(time.Second)
		if secs > maxSecs {
			secs = maxSecs
		}
		return time.Duration(secs) * time.Second, true
	}
	if at, err := http.ParseTime(v); err == nil {
		d := at.Sub(now)
		if d < 0 {
			d = 0
		}
		return d, true
	}
	return 0, false
}

// transportError wraps a failed round trip. callCtx carries the endpoint's
// deadline; its expiry counts as a timeout even if the transport reported it
// as plain cancellation.
func transportError(endpoint string, err error, callCtx context.Context) *TransportError {
	e := &TransportError{Endpoint: endpoint, Err: err}
	var netErr net.Error
	switch {
	case errors.Is(err, context.DeadlineExceeded), errors.Is(callCtx.Err(), context.DeadlineExceeded):
		e.timeout = true
		if !errors.Is(err, context.DeadlineExceeded) {
			e.Err = fmt.Errorf("%w (%w)", context.DeadlineExceeded, err)
		}
	case errors.As(err, &netErr) && netErr.Timeout():
		e.timeout = true
	}
	e.NotSent = notSent(err)
	return e
}

// notSent reports failures that certainly happened before any request byte
// left: name resolution, dialling, and the TLS handshake.
func notSent(err error) bool {
	var dnsErr *net.DNSError
	if errors.As(err, &dnsErr) {
		return true
	}
	var opErr *net.OpError
	if errors.As(err, &opErr) && opErr.Op == "dial" {
		return true
	}
	var recErr tls.RecordHeaderError
	if errors.As(err, &recErr) {
		return true
	}
	var certErr *tls.CertificateVerificationError
	return errors.As(err, &certErr)
}
