package sandbox_test

// Every error row of afterpay-api.md (§2's per-endpoint tables, §3.1's Money
// validation table and the §4 catalogue) that the simulator can produce,
// provoked through the product's client and checked as the caller sees it:
// an *afterpay.Error with status, errorCode, errorId and correlation id, and
// the IsRetryable / RetryAfterOf answers a workflow branches on.
//
// Rows the typed client can never produce, left to the simulator's raw-HTTP
// TestErrorsEveryEndpointCanReturn (api_test.go) and TestPing:
//   - 405 method_not_allowed (the client only uses each endpoint's method),
//   - 406 error (the client always sends Accept: application/json, or */* to
//     ping),
//   - 415 error (the client always sends Content-Type: application/json),
//   - 400 invalid_json (the client only sends encoding/json output),
//   - 500 error for a missing or empty body (the client always sends one);
//     500 is exercised here through fault injection instead,
//   - create checkout's code-less 400 "bad request" (the simulator answers
//     400 only for malformed JSON or, in strict mode, a missing User-Agent,
//     both of which the client cannot send).
// Rows the client refuses to send are asserted as *afterpay.ValidationError,
// with a tripwire fault proving nothing reached the simulator. §3.1 rows that
// money.Money cannot even represent are in TestClientMoneyRowsTheTypeRulesOut.

import (
	"bufio"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/odoo-afterpay/bridge/internal/testkit"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/odoo-afterpay/bridge/afterpay"
	"github.com/odoo-afterpay/bridge/afterpay/sandbox"
	"github.com/odoo-afterpay/bridge/money"
)

// errorRow provokes one error through the client.
type errorRow struct {
	name string
	// setup prepares the simulator and returns the order ID or token the
	// call works on ("" when none is needed); nil means no setup.
	setup func(t *testing.T, w *world) string
	// call is the client call under test.
	call func(w *world, target string) error

	// status and code are the expected HTTP status and errorCode.
	status int
	code   string
	// message, when set, must appear in the error message: only where
	// afterpay-api.md distinguishes causes by message alone (reversal).
	message string
	// retryAfter is what RetryAfterOf must report (0: no Retry-After).
	retryAfter time.Duration
	// refused names the field of the *afterpay.ValidationError expected
	// instead of an answer; the simulator must not see the request.
	refused string
	// transport expects a *afterpay.TransportError with an unknown outcome.
	transport bool
	// after runs follow-up checks, e.g. that a retry succeeds.
	after func(t *testing.T, w *world, target string)
}

// wrongCredentials is a client whose secret key the simulator rejects.
func wrongCredentials(w *world) *afterpay.Client {
	return w.newClient(func(c *afterpay.Config) { c.SecretKey = "not-the-secret" })
}

// expressToken creates an express checkout of amount and approves it.
func expressToken(t *testing.T, w *world, amount money.Money) string {
	t.Helper()
	co, err := w.client.CreateCheckout(w.ctx(), &afterpay.CheckoutRequest{
		Amount: amount, Mode: afterpay.ModeExpress,
		Merchant: afterpay.MerchantURLs{PopupOriginURL: "https://shop.example.com/cart"},
	})
	require.NoError(t, err)
	_, err = w.sim.ConfirmCheckout(co.Token, sandbox.OutcomeApprove)
	require.NoError(t, err)
	return co.Token
}

func capturedID(t *testing.T, w *world) string   { return w.captured(usd(5000), "SO-err").ID }
func authorisedID(t *testing.T, w *world) string { return w.authorised(usd(2000), "SO-err").ID }
func confirmedToken(t *testing.T, w *world) string {
	return w.confirmed(usd(5000), "SO-err", sandbox.OutcomeApprove)
}

// unknownOrderID is numeric but matches no order.
const unknownOrderID = "399999999999"

// unknownToken looks like a token but was never issued.
const unknownToken = "002.nosuchtoken0000000000000000000000000000000000000000"

func checkoutWith(mutate func(*afterpay.CheckoutRequest)) *afterpay.CheckoutRequest {
	r := fullCheckout(usd(5000), "SO-bad")
	mutate(r)
	return r
}

func createCheckout(req *afterpay.CheckoutRequest) func(w *world, _ string) error {
	return func(w *world, _ string) error {
		_, err := w.client.CreateCheckout(w.ctx(), req)
		return err
	}
}

func captureDeferred(req afterpay.DeferredCaptureRequest) func(w *world, id string) error {
	return func(w *world, id string) error {
		_, err := w.client.CaptureDeferred(w.ctx(), id, &req)
		return err
	}
}

func refund(req afterpay.RefundRequest) func(w *world, id string) error {
	return func(w *world, id string) error {
		_, err := w.client.Refund(w.ctx(), id, &req)
		return err
	}
}

func captureToken(w *world, token string) error {
	_, err := w.client.CapturePayment(w.ctx(), &afterpay.CaptureRequest{Token: token})
	return err
}

func authToken(w *world, token string) error {
	_, err := w.client.Auth(w.ctx(), &afterpay.AuthRequest{Token: token, RequestID: "auth-err"})
	return err
}

func reverse(w *world, token string) error { return w.client.ReversePaymentByToken(w.ctx(), token) }

func validRefund(requestID string) afterpay.RefundRequest {
	return afterpay.RefundRequest{RequestID: requestID, MerchantReference: "RF-" + requestID, Amount: usd(1000)}
}

func injectFault(t *testing.T, w *world, f sandbox.Fault) {
	t.Helper()
	require.NoError(t, w.sim.InjectFault(f))
}

func errorRows() []errorRow {
	long := strings.Repeat("x", 129)
	return []errorRow{
		// §2 "Errors every endpoint can return" (the rest: see the file comment).
		{
			name: "§2 GET 401 unauthorized",
			call: func(w *world, _ string) error {
				_, err := wrongCredentials(w).GetConfiguration(w.ctx())
				return err
			},
			status: 401, code: afterpay.CodeUnauthorized,
		},
		{
			name: "§2 POST 401 unauthorized",
			call: func(w *world, _ string) error {
				_, err := wrongCredentials(w).CreateCheckout(w.ctx(), simpleCheckout(usd(5000), "SO-401"))
				return err
			},
			status: 401, code: afterpay.CodeUnauthorized,
		},
		{
			name:  "§2 POST 401 unauthorized on a refund leaves the order alone",
			setup: capturedID,
			call: func(w *world, id string) error {
				_, err := wrongCredentials(w).Refund(w.ctx(), id, &afterpay.RefundRequest{RequestID: "r", MerchantReference: "m", Amount: usd(100)})
				return err
			},
			status: 401, code: afterpay.CodeUnauthorized,
			after: func(t *testing.T, w *world, id string) { assert.Empty(t, w.payment(id).Refunds) },
		},
		{
			name:  "§2 PUT 401 unauthorized (wrong merchant ID)",
			setup: capturedID,
			call: func(w *world, id string) error {
				c := w.newClient(func(c *afterpay.Config) { c.MerchantID = "600099999" })
				_, err := c.UpdatePaymentReference(w.ctx(), id, "SO-renamed")
				return err
			},
			status: 401, code: afterpay.CodeUnauthorized,
		},
		{
			name: "§2 GET 500 error (injected) is retryable",
			setup: func(t *testing.T, w *world) string {
				injectFault(t, w, sandbox.Fault{Endpoint: sandbox.EndpointConfiguration, Kind: sandbox.FaultServerError, Times: 1})
				return ""
			},
			call: func(w *world, _ string) error {
				_, err := w.client.GetConfiguration(w.ctx())
				return err
			},
			status: 500, code: afterpay.CodeError,
			after: func(t *testing.T, w *world, _ string) {
				_, err := w.client.GetConfiguration(w.ctx())
				assert.NoError(t, err, "the retry succeeds")
			},
		},
		{
			name: "§2 POST 500 error (injected) is retryable and applied nothing",
			setup: func(t *testing.T, w *world) string {
				token := confirmedToken(t, w)
				injectFault(t, w, sandbox.Fault{Endpoint: sandbox.EndpointCapture, Kind: sandbox.FaultServerError, Times: 1})
				return token
			},
			call:   captureToken,
			status: 500, code: afterpay.CodeError,
			after: func(t *testing.T, w *world, token string) {
				_, err := w.client.GetPaymentByToken(w.ctx(), token)
				requireAPIError(t, err, 404, afterpay.CodeNotFound)
				p, err := w.client.CapturePayment(w.ctx(), &afterpay.CaptureRequest{Token: token})
				require.NoError(t, err, "the retry with the same token succeeds")
				assert.Equal(t, []string{afterpay.EventCaptured}, eventTypes(p))
			},
		},

		// §2.2 Create Checkout, and §3.1 Money validation on its amounts.
		{
			name:   "§2.2 422 invalid_object: consumer email is not an address",
			call:   createCheckout(checkoutWith(func(r *afterpay.CheckoutRequest) { r.Consumer.Email = "not-an-email" })),
			status: 422, code: afterpay.CodeInvalidObject,
		},
		{
			name:   "§2.2 422 invalid_object: billing contact without postcode",
			call:   createCheckout(checkoutWith(func(r *afterpay.CheckoutRequest) { r.Billing.Postcode = "" })),
			status: 422, code: afterpay.CodeInvalidObject,
		},
		{
			name:   "§2.2 422 invalid_object: shipping country outside AU NZ US CA GB",
			call:   createCheckout(checkoutWith(func(r *afterpay.CheckoutRequest) { r.Shipping.CountryCode = "FR" })),
			status: 422, code: afterpay.CodeInvalidObject,
		},
		{
			name:   "§2.2 422 invalid_object: relative redirect URL",
			call:   createCheckout(checkoutWith(func(r *afterpay.CheckoutRequest) { r.Merchant.RedirectConfirmURL = "/afterpay/confirm" })),
			status: 422, code: afterpay.CodeInvalidObject,
		},
		{
			name:   "§2.2 422 invalid_object: item name over 255 characters",
			call:   createCheckout(checkoutWith(func(r *afterpay.CheckoutRequest) { r.Items[0].Name = strings.Repeat("n", 256) })),
			status: 422, code: afterpay.CodeInvalidObject,
		},
		{
			name: "§2.2 422 unsupported_payment_type: above the merchant maximum",
			call: createCheckout(simpleCheckout(usd(200001), "SO-max")), status: 422, code: afterpay.CodeUnsupportedPaymentType,
		},
		{
			name: "§2.2 422 unsupported_payment_type: below the merchant minimum",
			call: createCheckout(simpleCheckout(usd(99), "SO-min")), status: 422, code: afterpay.CodeUnsupportedPaymentType,
		},
		{
			name: "§2.2 §3.1 422 unsupported_currency: valid currency, not the merchant's",
			call: createCheckout(simpleCheckout(money.MustNew(5000, "AUD"), "SO-aud")), status: 422, code: afterpay.CodeUnsupportedCurrency,
		},
		{
			name:   "§2.2 §3.1 422 unsupported_currency: an item price in another currency",
			call:   createCheckout(checkoutWith(func(r *afterpay.CheckoutRequest) { r.Items[1].Price = money.MustNew(1000, "GBP") })),
			status: 422, code: afterpay.CodeUnsupportedCurrency,
		},
		{
			// The client does not check currency codes; Afterpay does.
			name: "§3.1 422 invalid_object: lower-case currency",
			call: createCheckout(simpleCheckout(money.Money{Minor: 5000, Currency: "usd"}, "SO-lc")), status: 422, code: afterpay.CodeInvalidObject,
		},
		{
			name:   "§3.1 422 invalid_object: unknown currency",
			call:   createCheckout(checkoutWith(func(r *afterpay.CheckoutRequest) { r.TaxAmount = &money.Money{Minor: 450, Currency: "XYZ"} })),
			status: 422, code: afterpay.CodeInvalidObject,
		},
		{
			name: "§3.1 refused: currency missing", refused: "amount",
			call: createCheckout(simpleCheckout(money.Money{Minor: 5000}, "SO-nocur")),
		},
		{
			name: "§2.2 refused: zero amount", refused: "amount",
			call: createCheckout(simpleCheckout(usd(0), "SO-zero")),
		},
		{
			name: "§2.2 refused: consumer email missing", refused: "consumer.email",
			call: createCheckout(checkoutWith(func(r *afterpay.CheckoutRequest) { r.Consumer.Email = "" })),
		},
		{
			name: "§2.2 refused: redirect URLs missing", refused: "merchant.redirect",
			call: createCheckout(checkoutWith(func(r *afterpay.CheckoutRequest) { r.Merchant = afterpay.MerchantURLs{} })),
		},
		{
			name: "§2.2 refused: express without popupOriginUrl", refused: "merchant.popupOriginUrl",
			call: createCheckout(&afterpay.CheckoutRequest{Amount: usd(5000), Mode: afterpay.ModeExpress}),
		},
		{
			name: "§2.2 refused: more than 100 items", refused: "items",
			call: createCheckout(checkoutWith(func(r *afterpay.CheckoutRequest) {
				r.Items = slices.Repeat([]afterpay.Item{{Name: "pin", Quantity: 1, Price: usd(100)}}, 101)
			})),
		},

		// §2.3 Get Checkout. Afterpay answers 412 without a documented
		// errorCode; precondition_failed is the simulator's choice.
		{
			name: "§2.3 412 unknown token",
			call: func(w *world, _ string) error {
				_, err := w.client.GetCheckout(w.ctx(), unknownToken)
				return err
			},
			status: 412, code: afterpay.CodePreconditionFailed,
		},
		{
			name: "§2.3 412 expired token",
			setup: func(t *testing.T, w *world) string {
				token := w.checkout(usd(5000), "SO-exp")
				w.clock.Advance(sandbox.DefaultCheckoutTTL + time.Second)
				return token
			},
			call: func(w *world, token string) error {
				_, err := w.client.GetCheckout(w.ctx(), token)
				return err
			},
			status: 412, code: afterpay.CodePreconditionFailed,
		},
		{
			name:  "§2.3 412 completed token",
			setup: func(t *testing.T, w *world) string { return w.captured(usd(5000), "SO-done").Token },
			call: func(w *world, token string) error {
				_, err := w.client.GetCheckout(w.ctx(), token)
				return err
			},
			status: 412, code: afterpay.CodePreconditionFailed,
		},
		{
			name: "§2.3 404 no token given: refused", refused: "token",
			call: func(w *world, _ string) error {
				_, err := w.client.GetCheckout(w.ctx(), "")
				return err
			},
		},

		// §2.4 Capture Full Payment.
		{name: "§2.4 402 invalid_token: unknown token", call: func(w *world, _ string) error { return captureToken(w, unknownToken) }, status: 402, code: afterpay.CodeInvalidToken},
		{
			name: "§2.4 402 invalid_token: expired token",
			setup: func(t *testing.T, w *world) string {
				token := confirmedToken(t, w)
				w.clock.Advance(sandbox.DefaultCheckoutTTL)
				return token
			},
			call:   captureToken,
			status: 402, code: afterpay.CodeInvalidToken,
		},
		{
			name:   "§2.4 402 invalid_token: token already used by an auth",
			setup:  func(t *testing.T, w *world) string { return w.authorised(usd(5000), "SO-used").Token },
			call:   captureToken,
			status: 402, code: afterpay.CodeInvalidToken,
		},
		{
			name:   "§2.4 412 invalid_order_transaction_status: consumer has not confirmed",
			setup:  func(t *testing.T, w *world) string { return w.checkout(usd(5000), "SO-unconfirmed") },
			call:   captureToken,
			status: 412, code: afterpay.CodeInvalidOrderTransactionStatus,
		},
		{
			name:   "§2.4 412 invalid_order_transaction_status: consumer cancelled",
			setup:  func(t *testing.T, w *world) string { return w.confirmed(usd(5000), "SO-cancel", sandbox.OutcomeCancel) },
			call:   captureToken,
			status: 412, code: afterpay.CodeInvalidOrderTransactionStatus,
		},
		{
			name:   "§2.4 422 invalid_object: express capture without amount",
			setup:  func(t *testing.T, w *world) string { return expressToken(t, w, usd(4500)) },
			call:   captureToken,
			status: 422, code: afterpay.CodeInvalidObject,
		},
		{
			// The code for a mismatch is undocumented; invalid_amount is the
			// simulator's choice.
			name:  "§2.4 422 invalid_amount: express capture amount differs from the checkout",
			setup: func(t *testing.T, w *world) string { return expressToken(t, w, usd(4500)) },
			call: func(w *world, token string) error {
				_, err := w.client.CapturePayment(w.ctx(), &afterpay.CaptureRequest{Token: token, Amount: usdPtr(4400)})
				return err
			},
			status: 422, code: afterpay.CodeInvalidAmount,
		},
		{
			name: "§2.4 422 invalid_object token missing: refused", refused: "token",
			call: func(w *world, _ string) error { return captureToken(w, "") },
		},
		{
			name: "§2.4 refused: nil request", refused: "body",
			call: func(w *world, _ string) error {
				_, err := w.client.CapturePayment(w.ctx(), nil)
				return err
			},
		},

		// §2.5 Auth. (A decline is a Payment: TestClientDeclines.)
		{name: "§2.5 402 invalid_token: unknown token", call: func(w *world, _ string) error { return authToken(w, unknownToken) }, status: 402, code: afterpay.CodeInvalidToken},
		{
			name:   "§2.5 412 invalid_order_transaction_status: consumer has not confirmed",
			setup:  func(t *testing.T, w *world) string { return w.checkout(usd(5000), "SO-unconfirmed") },
			call:   authToken,
			status: 412, code: afterpay.CodeInvalidOrderTransactionStatus,
		},
		{
			name:   "§2.5 422 invalid_object: express auth without amount",
			setup:  func(t *testing.T, w *world) string { return expressToken(t, w, usd(4500)) },
			call:   authToken,
			status: 422, code: afterpay.CodeInvalidObject,
		},
		{
			name: "§2.5 422 invalid_object token missing: refused", refused: "token",
			call: func(w *world, _ string) error { return authToken(w, "") },
		},
		{
			name: "§2.5 refused: requestId over 64 characters", refused: "requestId",
			call: func(w *world, _ string) error {
				_, err := w.client.Auth(w.ctx(), &afterpay.AuthRequest{Token: unknownToken, RequestID: strings.Repeat("r", 65)})
				return err
			},
		},

		// §2.6 Capture Payment (deferred).
		{
			name: "§2.6 404 not_found: orderId not numeric",
			call: captureDeferred(afterpay.DeferredCaptureRequest{Amount: usd(1000)}), setup: func(*testing.T, *world) string { return "not-a-number" },
			status: 404, code: afterpay.CodeNotFound,
		},
		{
			name: "§2.6 410 payment_captured: fully captured",
			setup: func(t *testing.T, w *world) string {
				id := authorisedID(t, w)
				_, err := w.client.CaptureDeferred(w.ctx(), id, &afterpay.DeferredCaptureRequest{Amount: usd(2000)})
				require.NoError(t, err)
				return id
			},
			call:   captureDeferred(afterpay.DeferredCaptureRequest{Amount: usd(1000)}),
			status: 410, code: afterpay.CodePaymentCaptured,
		},
		{
			name: "§2.6 410 payment_captured: partially captured, remainder voided",
			setup: func(t *testing.T, w *world) string {
				id := authorisedID(t, w)
				_, err := w.client.CaptureDeferred(w.ctx(), id, &afterpay.DeferredCaptureRequest{Amount: usd(500)})
				require.NoError(t, err)
				_, err = w.client.Void(w.ctx(), id, nil)
				require.NoError(t, err)
				return id
			},
			call:   captureDeferred(afterpay.DeferredCaptureRequest{Amount: usd(1000)}),
			status: 410, code: afterpay.CodePaymentCaptured,
		},
		{
			name:   "§2.6 412 error: numeric orderId matching no order",
			setup:  func(*testing.T, *world) string { return unknownOrderID },
			call:   captureDeferred(afterpay.DeferredCaptureRequest{Amount: usd(1000)}),
			status: 412, code: afterpay.CodeError,
		},
		{
			name:   "§2.6 412 invalid_state: order was declined",
			setup:  func(t *testing.T, w *world) string { return w.declined("auth").ID },
			call:   captureDeferred(afterpay.DeferredCaptureRequest{Amount: usd(1000)}),
			status: 412, code: afterpay.CodeInvalidState,
		},
		{
			name: "§2.6 412 payment_voided: auth fully voided",
			setup: func(t *testing.T, w *world) string {
				id := authorisedID(t, w)
				_, err := w.client.Void(w.ctx(), id, &afterpay.VoidRequest{RequestID: "void-all"})
				require.NoError(t, err)
				return id
			},
			call:   captureDeferred(afterpay.DeferredCaptureRequest{Amount: usd(1000)}),
			status: 412, code: afterpay.CodePaymentVoided,
		},
		{
			name: "§2.6 412 payment_expired: auth expired",
			setup: func(t *testing.T, w *world) string {
				id := authorisedID(t, w)
				_, err := w.client.CaptureDeferred(w.ctx(), id, &afterpay.DeferredCaptureRequest{Amount: usd(500)})
				require.NoError(t, err)
				w.clock.Advance(sandbox.DefaultAuthTTL + time.Second)
				return id
			},
			call:   captureDeferred(afterpay.DeferredCaptureRequest{Amount: usd(1000)}),
			status: 412, code: afterpay.CodePaymentExpired,
			after: func(t *testing.T, w *world, id string) {
				p := w.payment(id)
				assert.Equal(t, afterpay.PaymentStateExpired, p.PaymentState)
				assert.Equal(t, usd(0), p.OpenToCaptureAmount)
				assert.Equal(t, []string{afterpay.EventAuthApproved, afterpay.EventCaptured, afterpay.EventExpired}, eventTypes(p))
				assert.Equal(t, usd(1500), p.Events[2].Amount, "the uncaptured remainder lapses")
			},
		},
		{
			name:   "§2.6 422 invalid_object: merchantReference over 128 characters",
			setup:  authorisedID,
			call:   captureDeferred(afterpay.DeferredCaptureRequest{Amount: usd(1000), MerchantReference: long}),
			status: 422, code: afterpay.CodeInvalidObject,
		},
		{
			name:   "§2.6 §3.1 422 invalid_object: lower-case currency",
			setup:  authorisedID,
			call:   captureDeferred(afterpay.DeferredCaptureRequest{Amount: money.Money{Minor: 1000, Currency: "usd"}}),
			status: 422, code: afterpay.CodeInvalidObject,
		},
		{
			name:   "§2.6 422 invalid_amount: below the minimum capture",
			setup:  authorisedID,
			call:   captureDeferred(afterpay.DeferredCaptureRequest{Amount: usd(99)}),
			status: 422, code: afterpay.CodeInvalidAmount,
		},
		{
			name:   "§2.6 422 invalid_amount: above openToCaptureAmount",
			setup:  authorisedID,
			call:   captureDeferred(afterpay.DeferredCaptureRequest{Amount: usd(2001)}),
			status: 422, code: afterpay.CodeInvalidAmount,
			after: func(t *testing.T, w *world, id string) {
				assert.Equal(t, usd(2000), w.payment(id).OpenToCaptureAmount, "nothing captured")
			},
		},
		{
			name:   "§2.6 §3.1 422 unsupported_currency",
			setup:  authorisedID,
			call:   captureDeferred(afterpay.DeferredCaptureRequest{Amount: money.MustNew(1000, "CAD")}),
			status: 422, code: afterpay.CodeUnsupportedCurrency,
		},
		{
			name: "§2.6 422 invalid_object amount missing: refused", refused: "amount", setup: authorisedID,
			call: captureDeferred(afterpay.DeferredCaptureRequest{RequestID: "no-amount"}),
		},
		{
			name: "§2.6 422 invalid_object paymentEventMerchantReference over 128: refused", refused: "paymentEventMerchantReference",
			setup: authorisedID,
			call:  captureDeferred(afterpay.DeferredCaptureRequest{Amount: usd(1000), PaymentEventMerchantReference: long}),
		},
		{
			name: "§2.6 refused: empty orderId", refused: "orderId",
			call: captureDeferred(afterpay.DeferredCaptureRequest{Amount: usd(1000)}),
		},

		// §2.7 Void.
		{
			name:  "§2.7 404 not_found: orderId not numeric",
			setup: func(*testing.T, *world) string { return "abc" },
			call: func(w *world, id string) error {
				_, err := w.client.Void(w.ctx(), id, nil)
				return err
			},
			status: 404, code: afterpay.CodeNotFound,
		},
		{
			name:  "§2.7 404 not_found: unknown order",
			setup: func(*testing.T, *world) string { return unknownOrderID },
			call: func(w *world, id string) error {
				_, err := w.client.Void(w.ctx(), id, nil)
				return err
			},
			status: 404, code: afterpay.CodeNotFound,
		},
		{
			name:  "§2.7 422 invalid_amount: more than openToCaptureAmount",
			setup: authorisedID,
			call: func(w *world, id string) error {
				_, err := w.client.Void(w.ctx(), id, &afterpay.VoidRequest{Amount: usdPtr(99900)})
				return err
			},
			status: 422, code: afterpay.CodeInvalidAmount,
		},
		{
			name: "§2.7 refused: zero amount", refused: "amount", setup: authorisedID,
			call: func(w *world, id string) error {
				_, err := w.client.Void(w.ctx(), id, &afterpay.VoidRequest{Amount: usdPtr(0)})
				return err
			},
		},

		// §2.8 Create Refund.
		{
			name:   "§2.8 412 precondition_failed: unknown order",
			setup:  func(*testing.T, *world) string { return unknownOrderID },
			call:   refund(validRefund("r-unknown")),
			status: 412, code: afterpay.CodePreconditionFailed,
		},
		{
			name:   "§2.8 412 precondition_failed: invalid orderId",
			setup:  func(*testing.T, *world) string { return "SO-123" },
			call:   refund(validRefund("r-invalid")),
			status: 412, code: afterpay.CodePreconditionFailed,
		},
		{
			name:   "§2.8 412 precondition_failed: declined order is not eligible",
			setup:  func(t *testing.T, w *world) string { return w.declined("capture").ID },
			call:   refund(validRefund("r-declined")),
			status: 412, code: afterpay.CodePreconditionFailed,
		},
		{
			name:   "§2.8 422 invalid_amount: more than the refundable amount",
			setup:  capturedID,
			call:   refund(afterpay.RefundRequest{RequestID: "r-big", MerchantReference: "RF-big", Amount: usd(5001)}),
			status: 422, code: afterpay.CodeInvalidAmount,
		},
		{
			name: "§2.8 422 invalid_amount: earlier refunds count",
			setup: func(t *testing.T, w *world) string {
				id := capturedID(t, w)
				_, err := w.client.Refund(w.ctx(), id, &afterpay.RefundRequest{RequestID: "r-1", MerchantReference: "RF-1", Amount: usd(4000)})
				require.NoError(t, err)
				return id
			},
			call:   refund(afterpay.RefundRequest{RequestID: "r-2", MerchantReference: "RF-2", Amount: usd(1001)}),
			status: 422, code: afterpay.CodeInvalidAmount,
		},
		{
			name:   "§2.8 422 invalid_amount: deferred flow refunds only captured funds",
			setup:  authorisedID,
			call:   refund(validRefund("r-auth")),
			status: 422, code: afterpay.CodeInvalidAmount,
		},
		{
			name:   "§2.8 422 invalid_object: refund currency differs from the order's",
			setup:  capturedID,
			call:   refund(afterpay.RefundRequest{RequestID: "r-nzd", MerchantReference: "RF-nzd", Amount: money.MustNew(1000, "NZD")}),
			status: 422, code: afterpay.CodeInvalidObject,
		},
		{
			name: "§2.8 422 refund_timelimit_exceeded: over 120 days after purchase",
			setup: func(t *testing.T, w *world) string {
				id := capturedID(t, w)
				w.clock.Advance(121 * 24 * time.Hour)
				return id
			},
			call:   refund(validRefund("r-late")),
			status: 422, code: afterpay.CodeRefundTimeLimitExceeded,
		},
		{
			name: "§2.8 422 invalid_object refundMerchantReference over 128: refused", refused: "refundMerchantReference",
			setup: capturedID,
			call:  refund(afterpay.RefundRequest{RequestID: "r", MerchantReference: "m", Amount: usd(100), RefundMerchantReference: long}),
		},
		{
			name: "§5 refused: refund without requestId", refused: "requestId", setup: capturedID,
			call: refund(afterpay.RefundRequest{MerchantReference: "m", Amount: usd(100)}),
		},
		{
			name: "§5 refused: refund without merchantReference", refused: "merchantReference", setup: capturedID,
			call: refund(afterpay.RefundRequest{RequestID: "r", Amount: usd(100)}),
		},

		// §2.9 Reverse Payment By Token. All four 412s share one code;
		// afterpay-api.md tells them apart by message only.
		{name: "§2.9 402 invalid_token: unknown token", call: func(w *world, _ string) error { return reverse(w, unknownToken) }, status: 402, code: afterpay.CodeInvalidToken},
		{
			name: "§2.9 412 precondition_failed: reversal previously processed",
			setup: func(t *testing.T, w *world) string {
				p := w.captured(usd(5000), "SO-rev")
				require.NoError(t, reverse(w, p.Token))
				return p.Token
			},
			call:   reverse,
			status: 412, code: afterpay.CodePreconditionFailed, message: "Payment reversal previously processed",
		},
		{
			name: "§2.9 412 precondition_failed: partially captured order not eligible",
			setup: func(t *testing.T, w *world) string {
				p := w.authorised(usd(5000), "SO-rev")
				_, err := w.client.CaptureDeferred(w.ctx(), p.ID, &afterpay.DeferredCaptureRequest{Amount: usd(1000)})
				require.NoError(t, err)
				return p.Token
			},
			call:   reverse,
			status: 412, code: afterpay.CodePreconditionFailed, message: "Payment not eligible for a reversal",
		},
		{
			name:   "§2.9 412 precondition_failed: declined order not eligible",
			setup:  func(t *testing.T, w *world) string { return w.declined("auth").Token },
			call:   reverse,
			status: 412, code: afterpay.CodePreconditionFailed, message: "Payment not eligible for a reversal",
		},
		{
			name: "§2.9 412 precondition_failed: outside the 10-minute window",
			setup: func(t *testing.T, w *world) string {
				p := w.captured(usd(5000), "SO-rev")
				w.clock.Advance(sandbox.DefaultReversalWindow + time.Minute)
				return p.Token
			},
			call:   reverse,
			status: 412, code: afterpay.CodePreconditionFailed, message: "Order outside reversal window",
		},
		{
			name: "§2.9 412 precondition_failed: capture after a reversal of the token",
			setup: func(t *testing.T, w *world) string {
				token := confirmedToken(t, w)
				require.NoError(t, reverse(w, token), "a reversal may precede the capture it cancels")
				return token
			},
			call:   captureToken,
			status: 412, code: afterpay.CodePreconditionFailed, message: "Order in pending reversal, no captures/auth accepted",
			after: func(t *testing.T, w *world, token string) {
				_, err := w.client.GetPaymentByToken(w.ctx(), token)
				requireAPIError(t, err, 404, afterpay.CodeNotFound)
			},
		},
		{
			name: "§2.9 412 precondition_failed: deferred capture on a reversed auth",
			setup: func(t *testing.T, w *world) string {
				p := w.authorised(usd(5000), "SO-rev")
				require.NoError(t, reverse(w, p.Token))
				return p.ID
			},
			call:   captureDeferred(afterpay.DeferredCaptureRequest{Amount: usd(1000)}),
			status: 412, code: afterpay.CodePreconditionFailed, message: "Order in pending reversal, no captures/auth accepted",
		},
		{
			name: "§2.9 refused: empty token", refused: "token",
			call: func(w *world, _ string) error { return reverse(w, "") },
		},

		// §2.10 Get Payment, by order ID and by token.
		{
			name:  "§2.10 404 not_found: unknown order ID",
			setup: func(*testing.T, *world) string { return unknownOrderID },
			call: func(w *world, id string) error {
				_, err := w.client.GetPayment(w.ctx(), id)
				return err
			},
			status: 404, code: afterpay.CodeNotFound,
		},
		{
			name:  "§2.10 404 not_found: order ID not numeric",
			setup: func(*testing.T, *world) string { return "SO-123" },
			call: func(w *world, id string) error {
				_, err := w.client.GetPayment(w.ctx(), id)
				return err
			},
			status: 404, code: afterpay.CodeNotFound,
		},
		{
			name:  "§2.10 404 not_found: unknown token",
			setup: func(*testing.T, *world) string { return unknownToken },
			call: func(w *world, token string) error {
				_, err := w.client.GetPaymentByToken(w.ctx(), token)
				return err
			},
			status: 404, code: afterpay.CodeNotFound,
		},
		{
			name:  "§2.10 404 not_found: token with no order made from it",
			setup: confirmedToken,
			call: func(w *world, token string) error {
				_, err := w.client.GetPaymentByToken(w.ctx(), token)
				return err
			},
			status: 404, code: afterpay.CodeNotFound,
		},

		// §2.11 Update Payment.
		{
			name:  "§2.11 404 not_found: unknown order",
			setup: func(*testing.T, *world) string { return unknownOrderID },
			call: func(w *world, id string) error {
				_, err := w.client.UpdatePaymentReference(w.ctx(), id, "SO-new")
				return err
			},
			status: 404, code: afterpay.CodeNotFound,
		},
		{
			name: "§2.11 refused: empty merchantReference", refused: "merchantReference", setup: capturedID,
			call: func(w *world, id string) error {
				_, err := w.client.UpdatePaymentReference(w.ctx(), id, "")
				return err
			},
		},

		// §2.12 Update Shipping Courier.
		{
			name:  "§2.12 412 precondition_failed: unknown order (not 404)",
			setup: func(*testing.T, *world) string { return unknownOrderID },
			call: func(w *world, id string) error {
				_, err := w.client.UpdateShippingCourier(w.ctx(), id, afterpay.Courier{Name: "UPS"})
				return err
			},
			status: 412, code: afterpay.CodePreconditionFailed,
		},
		{
			name:  "§2.12 422 invalid_object: courier name over 128 characters",
			setup: capturedID,
			call: func(w *world, id string) error {
				_, err := w.client.UpdateShippingCourier(w.ctx(), id, afterpay.Courier{Name: long})
				return err
			},
			status: 422, code: afterpay.CodeInvalidObject,
		},
		{
			name: "§2.12 422 invalid_object priority not STANDARD/EXPRESS: refused", refused: "priority", setup: capturedID,
			call: func(w *world, id string) error {
				_, err := w.client.UpdateShippingCourier(w.ctx(), id, afterpay.Courier{Name: "UPS", Priority: "OVERNIGHT"})
				return err
			},
		},

		// §2.13 List Payments.
		{
			name: "§2.13 422 error: bad orderBy",
			call: func(w *world, _ string) error {
				_, err := w.client.ListPayments(w.ctx(), afterpay.ListPaymentsParams{OrderBy: "amount"})
				return err
			},
			status: 422, code: afterpay.CodeError,
		},
		{
			// Afterpay answers 500 to badly formatted array parameters; the
			// client cannot tell that 500 from an outage, so it stays
			// retryable by the client's rules.
			name: "§2.13 500 error: malformed ids",
			call: func(w *world, _ string) error {
				_, err := w.client.ListPayments(w.ctx(), afterpay.ListPaymentsParams{IDs: []string{"1,2"}})
				return err
			},
			status: 500, code: afterpay.CodeError,
		},
		{
			name: "§2.13 500 error: unknown status",
			call: func(w *world, _ string) error {
				_, err := w.client.ListPayments(w.ctx(), afterpay.ListPaymentsParams{Statuses: []string{"PENDING"}})
				return err
			},
			status: 500, code: afterpay.CodeError,
		},
		{
			name: "§2.13 422 error limit out of range: refused", refused: "limit",
			call: func(w *world, _ string) error {
				_, err := w.client.ListPayments(w.ctx(), afterpay.ListPaymentsParams{Limit: afterpay.MaxListLimit + 1})
				return err
			},
		},
		{
			name: "§2.13 refused: negative offset", refused: "offset",
			call: func(w *world, _ string) error {
				_, err := w.client.ListPayments(w.ctx(), afterpay.ListPaymentsParams{Offset: -1})
				return err
			},
		},

		// §2.14 Disputes.
		{
			name: "§2.14 404 not_found: unknown dispute",
			call: func(w *world, _ string) error {
				_, err := w.client.GetDispute(w.ctx(), "dp_nosuchdispute")
				return err
			},
			status: 404, code: afterpay.CodeNotFound,
		},
		{
			name: "§2.14 refused: negative limit", refused: "limit",
			call: func(w *world, _ string) error {
				_, err := w.client.ListDisputes(w.ctx(), afterpay.ListDisputesParams{Limit: -1})
				return err
			},
		},

		// §5 and §9: retryable answers, by fault injection. Each fault hits
		// once; the retry with the same key then succeeds exactly once.
		{
			// Afterpay's 409 has no documented body; "conflict" is the
			// simulator's errorCode.
			name: "§5 409 in progress on deferred capture",
			setup: func(t *testing.T, w *world) string {
				id := authorisedID(t, w)
				injectFault(t, w, sandbox.Fault{Endpoint: sandbox.EndpointDeferredCapture, Kind: sandbox.FaultConflict, Times: 1})
				return id
			},
			call:   captureDeferred(afterpay.DeferredCaptureRequest{RequestID: "cap-409", Amount: usd(1000)}),
			status: 409, code: "conflict",
			after: func(t *testing.T, w *world, id string) {
				retry := captureDeferred(afterpay.DeferredCaptureRequest{RequestID: "cap-409", Amount: usd(1000)})
				require.NoError(t, retry(w, id))
				require.NoError(t, retry(w, id), "a second retry replays")
				assert.Equal(t, 1, countEvents(w.payment(id), afterpay.EventCaptured))
			},
		},
		{
			name: "§5 409 in progress on refund",
			setup: func(t *testing.T, w *world) string {
				id := capturedID(t, w)
				injectFault(t, w, sandbox.Fault{Endpoint: sandbox.EndpointRefund, Kind: sandbox.FaultConflict, Times: 1})
				return id
			},
			call:   refund(validRefund("r-409")),
			status: 409, code: "conflict",
			after: func(t *testing.T, w *world, id string) {
				require.NoError(t, refund(validRefund("r-409"))(w, id))
				assert.Len(t, w.payment(id).Refunds, 1)
			},
		},
		{
			// Afterpay documents 429 for the disputes file endpoint only;
			// the fault's errorCode is the simulator's.
			name: "§4 429 with Retry-After on auth",
			setup: func(t *testing.T, w *world) string {
				token := confirmedToken(t, w)
				injectFault(t, w, sandbox.Fault{Endpoint: sandbox.EndpointAuth, Kind: sandbox.FaultTooManyRequests, RetryAfter: 30 * time.Second, Times: 1})
				return token
			},
			call:   authToken,
			status: 429, code: "too_many_requests", retryAfter: 30 * time.Second,
			after: func(t *testing.T, w *world, token string) {
				require.NoError(t, authToken(w, token))
				p, err := w.client.GetPaymentByToken(w.ctx(), token)
				require.NoError(t, err)
				assert.Equal(t, afterpay.PaymentStateAuthApproved, p.PaymentState)
			},
		},
		{
			name: "§4 429 with Retry-After on a look-up",
			setup: func(t *testing.T, w *world) string {
				injectFault(t, w, sandbox.Fault{Endpoint: sandbox.EndpointListDisputes, Kind: sandbox.FaultTooManyRequests, RetryAfter: 2 * time.Minute, Times: 1})
				return ""
			},
			call: func(w *world, _ string) error {
				_, err := w.client.ListDisputes(w.ctx(), afterpay.ListDisputesParams{})
				return err
			},
			status: 429, code: "too_many_requests", retryAfter: 2 * time.Minute,
		},
		{
			name: "§5 connection reset on void: outcome unknown, retry applies once",
			setup: func(t *testing.T, w *world) string {
				id := authorisedID(t, w)
				injectFault(t, w, sandbox.Fault{Endpoint: sandbox.EndpointVoid, Kind: sandbox.FaultConnectionReset, Times: 1})
				return id
			},
			call: func(w *world, id string) error {
				_, err := w.client.Void(w.ctx(), id, &afterpay.VoidRequest{RequestID: "void-reset", Amount: usdPtr(500)})
				return err
			},
			transport: true,
			after: func(t *testing.T, w *world, id string) {
				// The reset came before anything was applied; the caller
				// cannot know that, so it retries with the same requestId.
				assert.Equal(t, usd(2000), w.payment(id).OpenToCaptureAmount)
				p, err := w.client.Void(w.ctx(), id, &afterpay.VoidRequest{RequestID: "void-reset", Amount: usdPtr(500)})
				require.NoError(t, err)
				assert.Equal(t, usd(1500), p.OpenToCaptureAmount)
			},
		},
	}
}

func TestClientErrorRows(t *testing.T) {
	rows := errorRows()
	seen := map[string]bool{}
	ran := 0
	for _, row := range rows {
		t.Run(row.name, func(t *testing.T) {
			ran++
			w := newWorld(t)
			target := ""
			if row.setup != nil {
				target = row.setup(t, w)
			}
			if row.refused != "" {
				// A tripwire: any request reaching the simulator would
				// consume it (and fail with 500).
				injectFault(t, w, sandbox.Fault{Endpoint: sandbox.EndpointAll, Kind: sandbox.FaultServerError, Times: 1})
			}

			err := row.call(w, target)

			switch {
			case row.refused != "":
				requireRefused(t, err, row.refused)
				faults := w.sim.Faults()
				require.Len(t, faults, 1, "the tripwire fault is gone: the request reached the simulator")
				require.Equal(t, 1, faults[0].Times)
				w.sim.ClearFaults()
			case row.transport:
				requireTransport(t, err)
			default:
				apiErr := requireAPIError(t, err, row.status, row.code)
				// §5: 409 means the original is still processing, 429 and
				// 5xx are transient; every other answer is final.
				wantRetryable := row.status == 409 || row.status == 429 || row.status >= 500
				assert.Equal(t, wantRetryable, afterpay.IsRetryable(err), "IsRetryable")
				retryAfter, ok := afterpay.RetryAfterOf(err)
				assert.Equal(t, row.retryAfter > 0, ok, "RetryAfterOf reports a Retry-After")
				assert.Equal(t, row.retryAfter, retryAfter, "RetryAfterOf")
				if row.message != "" {
					assert.Contains(t, apiErr.Message, row.message)
				}
				seen[row.code] = true
			}
			if row.after != nil {
				row.after(t, w, target)
			}
		})
	}

	// Every errorCode of the §4 catalogue must have been produced above,
	// except those the typed client cannot provoke (see the file comment).
	if ran < len(rows) {
		t.Logf("catalogue coverage not checked: only %d of %d rows ran (-run filter)", ran, len(rows))
		return
	}
	leftToRawHTTPTests := []string{afterpay.CodeMethodNotAllowed, afterpay.CodeInvalidJSON}
	var missing []string
	for _, code := range catalogueCodes(t) {
		if !seen[code] && !slices.Contains(leftToRawHTTPTests, code) {
			missing = append(missing, code)
		}
	}
	if len(missing) > 0 {
		t.Errorf("§4 error codes no row produced through the client: %s", strings.Join(missing, ", "))
	}
}

// catalogueRow matches a row of the §4 catalogue: | `code` | status | where |.
var catalogueRow = regexp.MustCompile("^\\|\\s*`([a-z_]+)`\\s*\\|\\s*([0-9][0-9 /]*)\\|")

// catalogueCodes reads the errorCodes of afterpay-api.md's §4 catalogue.
func catalogueCodes(t *testing.T) []string {
	t.Helper()
	referencePath := testkit.ReferenceDir(t, "afterpay-api.md")
	f, err := os.Open(referencePath)
	require.NoError(t, err)
	defer f.Close()
	var codes []string
	inErrors := false
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "## ") {
			inErrors = strings.HasPrefix(line, "## 4.")
			continue
		}
		if m := catalogueRow.FindStringSubmatch(line); inErrors && m != nil {
			codes = append(codes, m[1])
		}
	}
	require.NoError(t, sc.Err())
	require.GreaterOrEqual(t, len(codes), 10, "the §4 catalogue of %s did not parse", referencePath)
	return codes
}

func TestClientErrorCodesMatchCatalogue(t *testing.T) {
	codes := catalogueCodes(t)
	// The codes the client names must all be in the catalogue, and the
	// other way round: the two readings of §4 agree.
	clientCodes := []string{
		afterpay.CodeUnauthorized, afterpay.CodeMethodNotAllowed, afterpay.CodeInvalidJSON, afterpay.CodeError,
		afterpay.CodeInvalidObject, afterpay.CodeInvalidAmount, afterpay.CodeUnsupportedPaymentType,
		afterpay.CodeUnsupportedCurrency, afterpay.CodeInvalidToken, afterpay.CodeInvalidOrderTransactionStatus,
		afterpay.CodeNotFound, afterpay.CodePaymentCaptured, afterpay.CodeInvalidState, afterpay.CodePaymentVoided,
		afterpay.CodePaymentExpired, afterpay.CodePreconditionFailed, afterpay.CodeRefundTimeLimitExceeded,
	}
	assert.ElementsMatch(t, clientCodes, codes)
}

// TestClientMoneyRowsTheTypeRulesOut covers the §3.1 rows a client built on
// money.Money cannot send at all: the amount is integer minor units and is
// always written with exactly two decimals, so a missing, over-precise,
// comma-grouped or non-numeric amount can only arrive as text to be parsed,
// and money.Parse (the strict Afterpay reader) refuses it.
func TestClientMoneyRowsTheTypeRulesOut(t *testing.T) {
	tests := []struct {
		row    string
		amount string
		want   error
	}{
		{"amount missing", "", money.ErrSyntax},
		{"more than 2 dp", "10.005", money.ErrPrecision},
		{"thousands comma", "1,000", money.ErrSyntax},
		{"non-number FREE", "FREE", money.ErrSyntax},
		{"non-number $2", "$2", money.ErrSyntax},
	}
	for _, tt := range tests {
		t.Run(tt.row, func(t *testing.T) {
			_, err := money.Parse(tt.amount, "USD")
			require.ErrorIs(t, err, tt.want)
		})
	}
	// What the client does put on the wire is always two decimals.
	w := newWorld(t)
	co, err := w.client.CreateCheckout(w.ctx(), simpleCheckout(usd(1000), "SO-2dp"))
	require.NoError(t, err)
	got, err := w.client.GetCheckout(w.ctx(), co.Token)
	require.NoError(t, err)
	assert.Equal(t, "10.00", got.Amount.Amount())
}
