// Package sandbox simulates Afterpay's merchant Online API v2 (global host)
// for tests and local development, following
// shared/reference/afterpay-api.md. It deliberately shares no code with the
// product's Afterpay client: two independent readings of the same
// documentation catch each other's mistakes.
//
// A Server is an http.Handler serving
//
//   - the API: GET /ping; GET /v2/configuration; POST /v2/checkouts;
//     GET /v2/checkouts/{token}; POST /v2/payments/capture;
//     POST /v2/payments/auth; POST /v2/payments/{orderId}/capture|void|refund;
//     POST /v2/payments/token:{token}/reversal; GET /v2/payments/{orderId};
//     GET /v2/payments/token:{token}; PUT /v2/payments/{orderId};
//     GET /v2/payments; PUT /v2/payments/{orderId}/courier; GET /v2/disputes;
//     GET|POST /v2/disputes/{id}; GET|POST /v2/disputes/{id}/accept;
//   - the consumer checkout page at redirectCheckoutUrl,
//     GET /{country}/checkout/?token=…, whose Approve / Decline / Cancel
//     buttons post to /{country}/checkout/confirm and redirect to the
//     merchant;
//   - test hooks under /__sim/ (see serveHooks), mirrored by Go methods:
//     ConfirmCheckout, InjectFault, ClearFaults, OpenDispute,
//     SendPaymentEvent, FlushPaymentEvents, Snapshot, Restore.
//
// Time comes from Options.Clock; expiries and windows are evaluated lazily
// whenever a token or order is touched, so tests move a ManualClock instead
// of sleeping.
//
// Where Afterpay's behaviour is undocumented the simulator makes a choice and
// says so in a comment: the 400 for a missing User-Agent in strict mode, the
// 409 body, the 429 fault, the REVERSED payment state, the errorCode of GET
// checkout's 412, and replay of stored responses only for successful
// outcomes.
package sandbox
