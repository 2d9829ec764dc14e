// Package afterpay is a client for Afterpay's merchant Online API v2
// (Cash App Afterpay / Clearpay): checkouts, immediate and deferred payments,
// voids, refunds, reversals, payment look-ups, configuration and disputes.
//
// The client speaks the wire protocol exactly as the API documents it: HTTP
// Basic authentication with the merchant ID and secret key, the documented
// User-Agent, JSON bodies with Money as {"amount":"29.99","currency":"USD"}
// (package money keeps amounts in integer minor units), and the documented
// per-endpoint timeouts: 10 s to connect, 20 s to read for look-ups and light
// writes, 70 s to read for calls that move money.
//
// # Outcomes
//
// A declined payment is not an error. Auth answers 402 with a Payment whose
// Status is DECLINED and Capture (immediate flow) answers 201 with one; both
// come back as (*Payment, nil) and the caller branches on Payment.Status.
//
// Every other failure is one of:
//   - *Error: Afterpay (or something in front of it) answered with a non-2xx
//     status. Branch on HTTPStatusCode and ErrorCode, never on Message.
//   - *TransportError: no complete answer arrived (dial failure, reset,
//     timeout, truncated body). After a transport failure on a call that moves
//     money the outcome is unknown: the request may have been committed.
//     Retry with the same requestId (or token), or look the payment up.
//   - *ValidationError: the client refused to send a request that is certain
//     to be wrong (for example a refund without requestId and merchantReference,
//     which would lose idempotency).
//   - *DecodeError: a 2xx answer whose body could not be read. The call
//     succeeded on Afterpay's side.
//
// IsRetryable, RetryAfterOf, IsNotFound and HasCode classify them.
//
// The client never retries on its own: retries belong to the caller (a durable
// workflow), which knows whether it still wants the outcome.
//
// # Logging
//
// Requests and responses are logged at DEBUG with personal data masked
// (emails, phone numbers, names, address lines, postcodes) and without the
// Authorization header. A 401 is logged at ERROR, once per call, as a
// credentials alarm.
package afterpay
