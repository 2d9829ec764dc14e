package afterpay

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/stretchr/testify/require"

	"github.com/odoo-afterpay/bridge/money"
)

// namedCall is an API call used by the error tables, with the endpoint an
// error must name.
type namedCall struct {
	endpoint string
	call     func(ctx context.Context, c *Client) error
}

func namedCalls() map[string]namedCall {
	ignore := func(_ any, err error) error { return err }
	return map[string]namedCall{
		"ping": {"GET /ping", func(ctx context.Context, c *Client) error { return c.Ping(ctx) }},
		"config": {"GET /v2/configuration", func(ctx context.Context, c *Client) error {
			return ignore(c.GetConfiguration(ctx))
		}},
		"checkout": {"POST /v2/checkouts", func(ctx context.Context, c *Client) error {
			return ignore(c.CreateCheckout(ctx, testCheckoutRequest()))
		}},
		"getCheckout": {"GET /v2/checkouts/" + testToken, func(ctx context.Context, c *Client) error {
			return ignore(c.GetCheckout(ctx, testToken))
		}},
		"capture": {"POST /v2/payments/capture", func(ctx context.Context, c *Client) error {
			return ignore(c.CapturePayment(ctx, &CaptureRequest{Token: testToken}))
		}},
		"auth": {"POST /v2/payments/auth", func(ctx context.Context, c *Client) error {
			return ignore(c.Auth(ctx, &AuthRequest{RequestID: "req-1", Token: testToken}))
		}},
		"captureDeferred": {"POST /v2/payments/100203444519/capture", func(ctx context.Context, c *Client) error {
			return ignore(c.CaptureDeferred(ctx, "100203444519", &DeferredCaptureRequest{RequestID: "req-2", Amount: usd(200)}))
		}},
		"void": {"POST /v2/payments/100203444519/void", func(ctx context.Context, c *Client) error {
			return ignore(c.Void(ctx, "100203444519", &VoidRequest{RequestID: "req-3", Amount: ptr(usd(99900))}))
		}},
		"refund": {"POST /v2/payments/300000016189/refund", func(ctx context.Context, c *Client) error {
			return ignore(c.Refund(ctx, "300000016189", &RefundRequest{RequestID: "req-4", MerchantReference: "RF-1", Amount: usd(1000)}))
		}},
		"reversal": {"POST /v2/payments/token:" + testToken + "/reversal", func(ctx context.Context, c *Client) error {
			return c.ReversePaymentByToken(ctx, testToken)
		}},
		"getPayment": {"GET /v2/payments/300000016189", func(ctx context.Context, c *Client) error {
			return ignore(c.GetPayment(ctx, "300000016189"))
		}},
		"getPaymentByToken": {"GET /v2/payments/token:" + testToken, func(ctx context.Context, c *Client) error {
			return ignore(c.GetPaymentByToken(ctx, testToken))
		}},
		"updatePayment": {"PUT /v2/payments/300000016189", func(ctx context.Context, c *Client) error {
			return ignore(c.UpdatePaymentReference(ctx, "300000016189", "S00042"))
		}},
		"courier": {"PUT /v2/payments/300000016189/courier", func(ctx context.Context, c *Client) error {
			return ignore(c.UpdateShippingCourier(ctx, "300000016189", Courier{Name: "FEDEX"}))
		}},
		"listPayments": {"GET /v2/payments", func(ctx context.Context, c *Client) error {
			return ignore(c.ListPayments(ctx, ListPaymentsParams{Limit: 250}))
		}},
		"getDispute": {"GET /v2/disputes/dp_1", func(ctx context.Context, c *Client) error {
			return ignore(c.GetDispute(ctx, "dp_1"))
		}},
		"listDisputes": {"GET /v2/disputes", func(ctx context.Context, c *Client) error {
			return ignore(c.ListDisputes(ctx, ListDisputesParams{}))
		}},
	}
}

// afterpayErrorBody writes an error object the way the sandbox prints it.
func afterpayErrorBody(code, id, message string, status int) string {
	msg, _ := json.Marshal(message)
	return fmt.Sprintf("{\n  \"errorCode\" : %q,\n  \"errorId\" : %q,\n  \"message\" : %s,\n  \"httpStatusCode\" : %d\n}", code, id, msg, status)
}

// TestErrorCatalogue walks every error row of afterpay-api.md (§2 per
// endpoint, §4 catalogue) and checks the decoded *Error and its retry class.
func TestErrorCatalogue(t *testing.T) {
	tests := []struct {
		call      string
		status    int
		code      string
		message   string
		retryable bool
	}{
		// Errors every endpoint can return (§2).
		{"config", 401, CodeUnauthorized, "Credentials are required to access this resource.", false},
		{"capture", 401, CodeUnauthorized, "Credentials are required to access this resource.", false},
		{"getPayment", 405, CodeMethodNotAllowed, "Method not allowed", false},
		{"checkout", 405, CodeMethodNotAllowed, "Method not allowed", false},
		{"getPayment", 406, CodeError, "Not acceptable", false},
		{"auth", 406, CodeError, "Not acceptable", false},
		{"checkout", 400, CodeInvalidJSON, "Malformed JSON", false},
		{"refund", 415, CodeError, "Unsupported media type", false},
		{"captureDeferred", 500, CodeError, "Internal server error", true},
		// Create Checkout (§2.2).
		{"checkout", 400, "", "Bad request", false},
		{"checkout", 422, CodeInvalidObject, "consumer.email Email field required", false},
		{"checkout", 422, CodeUnsupportedPaymentType, "Order amount is outside the merchant limits", false},
		{"checkout", 422, CodeUnsupportedCurrency, "Currency not supported for this merchant", false},
		// Get Checkout (§2.3).
		{"getCheckout", 404, CodeNotFound, "Not found", false},
		{"getCheckout", 412, "", "Checkout token is invalid, expired or completed", false},
		// Capture Full Payment (§2.4).
		{"capture", 402, CodeInvalidToken, "Invalid token", false},
		{"capture", 412, CodeInvalidOrderTransactionStatus, "Order has not been approved.", false},
		{"capture", 422, CodeInvalidObject, "token Token field required", false},
		// Auth (§2.5), including the reference's recorded 412 body.
		{"auth", 402, CodeInvalidToken, "Invalid token", false},
		{"auth", 412, CodeInvalidOrderTransactionStatus, "Order has not been approved.", false},
		{"auth", 422, CodeInvalidObject, "token Token field required", false},
		// Capture Payment, deferred (§2.6).
		{"captureDeferred", 404, CodeNotFound, "Order not found", false},
		{"captureDeferred", 410, CodePaymentCaptured, "Payment already captured", false},
		{"captureDeferred", 412, CodeError, "Order not found", false},
		{"captureDeferred", 412, CodeInvalidState, "Order was declined", false},
		{"captureDeferred", 412, CodePaymentVoided, "Payment voided", false},
		{"captureDeferred", 412, CodePaymentExpired, "Payment expired", false},
		{"captureDeferred", 422, CodeInvalidObject, "amount Amount field required", false},
		{"captureDeferred", 422, CodeInvalidAmount, "Capture amount exceeds open to capture amount", false},
		// Void (§2.7).
		{"void", 404, CodeNotFound, "Order not found", false},
		{"void", 422, CodeInvalidAmount, "Void amount USD 999.00 exceeded open to capture amount USD 40.00.", false},
		// Create Refund (§2.8).
		{"refund", 412, CodePreconditionFailed, "Order not eligible for refund", false},
		{"refund", 422, CodeInvalidObject, "refundMerchantReference exceeds 128 characters", false},
		{"refund", 422, CodeInvalidAmount, "Refund amount exceeds refundable amount", false},
		{"refund", 422, CodeRefundTimeLimitExceeded, "Refund time limit exceeded", false},
		// Reverse Payment By Token (§2.9), every documented message.
		{"reversal", 402, CodeInvalidToken, "Invalid token", false},
		{"reversal", 412, CodePreconditionFailed, "Payment reversal previously processed", false},
		{"reversal", 412, CodePreconditionFailed, "Payment not eligible for a reversal", false},
		{"reversal", 412, CodePreconditionFailed, "Order outside reversal window", false},
		{"reversal", 412, CodePreconditionFailed, "Order in pending reversal, no captures/auth accepted", false},
		// Get / Update Payment (§2.10, §2.11).
		{"getPayment", 404, CodeNotFound, "Order not found", false},
		{"getPaymentByToken", 404, CodeNotFound, "Order not found", false},
		{"updatePayment", 404, CodeNotFound, "Order not found", false},
		// Update Shipping Courier (§2.12): unknown order is 412, not 404.
		{"courier", 412, CodePreconditionFailed, "Order not found", false},
		{"courier", 422, CodeInvalidObject, "priority must be STANDARD or EXPRESS", false},
		// List Payments (§2.13).
		{"listPayments", 422, CodeError, "limit must be between 1 and 250", false},
		{"listPayments", 500, CodeError, "Bad date format", true},
		// Idempotent retry still processing (§5) and rate limit (§4).
		{"auth", 409, "", "", true},
		{"getDispute", 429, "", "Too many requests", true},
		{"listDisputes", 401, CodeUnauthorized, "Credentials are required to access this resource.", false},
	}
	calls := namedCalls()
	for _, tt := range tests {
		name := fmt.Sprintf("%s %d %s %s", tt.call, tt.status, tt.code, tt.message)
		t.Run(name, func(t *testing.T) {
			nc, found := calls[tt.call]
			require.True(t, found, "unknown call %q", tt.call)
			body := ""
			if tt.code != "" || tt.message != "" {
				body = afterpayErrorBody(tt.code, "9608406bbd839bbf", tt.message, tt.status)
			}
			f := newFakeAfterpay(t, func(*http.Request) reply {
				return reply{status: tt.status, body: body, header: map[string]string{
					"Content-Type": "application/json", "http_correlation_id": "zvajdmp3g7ms4xq2mb5rbr2i1e",
				}}
			})
			c := newTestClient(t, f.srv.URL)
			err := nc.call(t.Context(), c)

			var apiErr *Error
			require.ErrorAs(t, err, &apiErr)
			require.Equal(t, tt.status, apiErr.HTTPStatusCode)
			require.Equal(t, tt.code, apiErr.ErrorCode)
			if tt.message != "" {
				require.Equal(t, tt.message, apiErr.Message)
			}
			if body != "" {
				require.Equal(t, "9608406bbd839bbf", apiErr.ErrorID)
			}
			require.Equal(t, "zvajdmp3g7ms4xq2mb5rbr2i1e", apiErr.CorrelationID)
			require.Equal(t, nc.endpoint, apiErr.Endpoint)
			require.Equal(t, tt.retryable, IsRetryable(err), "IsRetryable")
			require.Equal(t, tt.status == 404, IsNotFound(err), "IsNotFound")
			require.Equal(t, tt.status == 401, IsUnauthorized(err), "IsUnauthorized")
			require.False(t, IsOutcomeUnknown(err), "an HTTP answer is a known outcome")
			if tt.code != "" {
				require.True(t, HasCode(err, tt.code))
			}
			require.False(t, HasCode(err, "some_other_code"))
			require.Equal(t, tt.status, StatusCode(err))
		})
	}
}

func TestErrorWithoutAfterpayBody(t *testing.T) {
	tests := []struct {
		name        string
		status      int
		body        string
		wantMessage string
		retryable   bool
	}{
		{"proxy HTML page", 502, "<html>\n<body><h1>502 Bad Gateway</h1>\n</body></html>", "<html> <body><h1>502 Bad Gateway</h1> </body></html>", true},
		{"empty 503", 503, "", "Service Unavailable", true},
		{"empty 409", 409, "", "Conflict", true},
		{"plain text 404", 404, "no such route", "no such route", false},
		{"JSON array", 400, `["oops"]`, `["oops"]`, false},
		{"redirect is not followed", 302, "", "Found", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeAfterpay(t, func(*http.Request) reply {
				return reply{status: tt.status, body: tt.body, header: map[string]string{"Location": "https://elsewhere.example.com/"}}
			})
			c := newTestClient(t, f.srv.URL)
			_, err := c.GetPayment(t.Context(), "300000016189")
			var apiErr *Error
			require.ErrorAs(t, err, &apiErr)
			require.Equal(t, tt.status, apiErr.HTTPStatusCode)
			require.Empty(t, apiErr.ErrorCode)
			require.Equal(t, tt.wantMessage, apiErr.Message)
			require.Equal(t, tt.retryable, IsRetryable(err))
			require.Equal(t, 1, f.count())
		})
	}
}

func TestLongNonJSONErrorIsTruncated(t *testing.T) {
	body := strings.Repeat("é", 1000) // 2000 bytes, multi-byte runes
	f := newFakeAfterpay(t, func(*http.Request) reply { return reply{status: 500, body: body} })
	c := newTestClient(t, f.srv.URL)
	_, err := c.GetPayment(t.Context(), "1")
	var apiErr *Error
	require.ErrorAs(t, err, &apiErr)
	require.LessOrEqual(t, len(apiErr.Message), maxMessageBytes+len("…"))
	require.True(t, utf8.ValidString(apiErr.Message))
	require.True(t, strings.HasSuffix(apiErr.Message, "…"))
}

func TestRetryAfter(t *testing.T) {
	now := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name      string
		status    int
		header    string
		wantDelay time.Duration
		wantSet   bool
	}{
		{"409 in progress, seconds", 409, "3", 3 * time.Second, true},
		{"429 with HTTP-date", 429, "Mon, 01 Jan 2024 00:00:30 GMT", 30 * time.Second, true},
		{"429 with a date in the past", 429, "Sun, 31 Dec 2023 23:59:00 GMT", 0, true},
		{"503 with zero", 503, "0", 0, true},
		{"409 without header", 409, "", 0, false},
		{"429 with garbage", 429, "soon", 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeAfterpay(t, func(*http.Request) reply {
				h := map[string]string{}
				if tt.header != "" {
					h["Retry-After"] = tt.header
				}
				return reply{status: tt.status, header: h}
			})
			c := newTestClient(t, f.srv.URL, func(cfg *Config) { cfg.Now = fixedClock(now) })
			_, err := c.Auth(t.Context(), &AuthRequest{RequestID: "r", Token: testToken})
			require.True(t, IsRetryable(err))
			d, set := RetryAfterOf(err)
			require.Equal(t, tt.wantSet, set)
			require.Equal(t, tt.wantDelay, d)
			var apiErr *Error
			require.ErrorAs(t, err, &apiErr)
			require.Equal(t, tt.wantDelay, apiErr.RetryAfter)
		})
	}
	d, set := RetryAfterOf(fmt.Errorf("wrapped: %w", &Error{HTTPStatusCode: 429, RetryAfter: 5 * time.Second}))
	require.True(t, set, "a hand-built *Error (a fake) with RetryAfter counts")
	require.Equal(t, 5*time.Second, d)
	_, set = RetryAfterOf(errors.New("plain"))
	require.False(t, set)
	_, set = RetryAfterOf(nil)
	require.False(t, set)
}

func TestAuth402InvalidTokenIsAnError(t *testing.T) {
	f := newFakeAfterpay(t, func(*http.Request) reply {
		return reply{status: 402, body: afterpayErrorBody(CodeInvalidToken, "e1", "Invalid token", 402)}
	})
	c := newTestClient(t, f.srv.URL)
	p, err := c.Auth(t.Context(), &AuthRequest{RequestID: "r", Token: testToken})
	require.Nil(t, p)
	require.True(t, HasCode(err, CodeInvalidToken))
	require.False(t, IsRetryable(err))
}

func TestCapture402DeclinedPaymentIsADecline(t *testing.T) {
	// v1 declined captures with 402; a DECLINED Payment body must not turn
	// into a code-less error.
	f := newFakeAfterpay(t, func(*http.Request) reply { return reply{status: 402, body: paymentCaptureDeclinedJSON} })
	c := newTestClient(t, f.srv.URL)
	p, err := c.CapturePayment(t.Context(), &CaptureRequest{Token: testToken})
	require.NoError(t, err)
	require.True(t, p.Declined())
}

func TestErrorMessageFormat(t *testing.T) {
	e := &Error{HTTPStatusCode: 412, ErrorCode: CodeInvalidOrderTransactionStatus, ErrorID: "9608406bbd839bbf",
		Message: "Order has not been approved.", CorrelationID: "corr1", Endpoint: "POST /v2/payments/auth"}
	require.Equal(t, "afterpay: POST /v2/payments/auth: 412 invalid_order_transaction_status: Order has not been approved. (errorId 9608406bbd839bbf, correlation corr1)", e.Error())
	require.Equal(t, "afterpay: 409", (&Error{HTTPStatusCode: 409}).Error())
}

func TestValidationErrorsSendNothing(t *testing.T) {
	tests := []struct {
		name  string
		field string
		call  func(ctx context.Context, c *Client) error
	}{
		{"refund without requestId", "requestId", func(ctx context.Context, c *Client) error {
			_, err := c.Refund(ctx, "1", &RefundRequest{MerchantReference: "RF-1", Amount: usd(100)})
			return err
		}},
		{"refund without merchantReference", "merchantReference", func(ctx context.Context, c *Client) error {
			_, err := c.Refund(ctx, "1", &RefundRequest{RequestID: "r", Amount: usd(100)})
			return err
		}},
		{"refund of zero", "amount", func(ctx context.Context, c *Client) error {
			_, err := c.Refund(ctx, "1", &RefundRequest{RequestID: "r", MerchantReference: "RF-1", Amount: usd(0)})
			return err
		}},
		{"refund without currency", "amount", func(ctx context.Context, c *Client) error {
			_, err := c.Refund(ctx, "1", &RefundRequest{RequestID: "r", MerchantReference: "RF-1", Amount: money.Money{Minor: 100}})
			return err
		}},
		{"refund with a long requestId", "requestId", func(ctx context.Context, c *Client) error {
			_, err := c.Refund(ctx, "1", &RefundRequest{RequestID: strings.Repeat("r", 65), MerchantReference: "RF-1", Amount: usd(100)})
			return err
		}},
		{"refund with a long refundMerchantReference", "refundMerchantReference", func(ctx context.Context, c *Client) error {
			_, err := c.Refund(ctx, "1", &RefundRequest{RequestID: "r", MerchantReference: "RF-1", Amount: usd(100), RefundMerchantReference: strings.Repeat("x", 129)})
			return err
		}},
		{"refund nil", "body", func(ctx context.Context, c *Client) error {
			_, err := c.Refund(ctx, "1", nil)
			return err
		}},
		{"refund without order id", "orderId", func(ctx context.Context, c *Client) error {
			_, err := c.Refund(ctx, "", &RefundRequest{RequestID: "r", MerchantReference: "RF-1", Amount: usd(100)})
			return err
		}},
		{"get payment without order id (would hit the list)", "orderId", func(ctx context.Context, c *Client) error {
			_, err := c.GetPayment(ctx, "")
			return err
		}},
		{"get payment by empty token", "token", func(ctx context.Context, c *Client) error {
			_, err := c.GetPaymentByToken(ctx, "")
			return err
		}},
		{"reversal without token", "token", func(ctx context.Context, c *Client) error {
			return c.ReversePaymentByToken(ctx, "")
		}},
		{"capture without token", "token", func(ctx context.Context, c *Client) error {
			_, err := c.CapturePayment(ctx, &CaptureRequest{})
			return err
		}},
		{"capture nil", "body", func(ctx context.Context, c *Client) error {
			_, err := c.CapturePayment(ctx, nil)
			return err
		}},
		{"auth without token", "token", func(ctx context.Context, c *Client) error {
			_, err := c.Auth(ctx, &AuthRequest{RequestID: "r"})
			return err
		}},
		{"auth with negative express amount", "amount", func(ctx context.Context, c *Client) error {
			_, err := c.Auth(ctx, &AuthRequest{Token: testToken, Amount: ptr(usd(-1))})
			return err
		}},
		{"deferred capture of zero", "amount", func(ctx context.Context, c *Client) error {
			_, err := c.CaptureDeferred(ctx, "1", &DeferredCaptureRequest{RequestID: "r"})
			return err
		}},
		{"deferred capture with a long event reference", "paymentEventMerchantReference", func(ctx context.Context, c *Client) error {
			_, err := c.CaptureDeferred(ctx, "1", &DeferredCaptureRequest{RequestID: "r", Amount: usd(100), PaymentEventMerchantReference: strings.Repeat("x", 129)})
			return err
		}},
		{"void of zero", "amount", func(ctx context.Context, c *Client) error {
			_, err := c.Void(ctx, "1", &VoidRequest{Amount: ptr(usd(0))})
			return err
		}},
		{"update payment without reference", "merchantReference", func(ctx context.Context, c *Client) error {
			_, err := c.UpdatePaymentReference(ctx, "1", "")
			return err
		}},
		{"courier with unknown priority", "priority", func(ctx context.Context, c *Client) error {
			_, err := c.UpdateShippingCourier(ctx, "1", Courier{Priority: "OVERNIGHT"})
			return err
		}},
		{"list with limit 251", "limit", func(ctx context.Context, c *Client) error {
			_, err := c.ListPayments(ctx, ListPaymentsParams{Limit: 251})
			return err
		}},
		{"list with negative limit", "limit", func(ctx context.Context, c *Client) error {
			_, err := c.ListPayments(ctx, ListPaymentsParams{Limit: -1})
			return err
		}},
		{"list with negative offset", "offset", func(ctx context.Context, c *Client) error {
			_, err := c.ListPayments(ctx, ListPaymentsParams{Offset: -1})
			return err
		}},
		{"checkout without consumer email", "consumer.email", func(ctx context.Context, c *Client) error {
			req := testCheckoutRequest()
			req.Consumer.Email = ""
			_, err := c.CreateCheckout(ctx, req)
			return err
		}},
		{"checkout without confirm URL", "merchant.redirectConfirmUrl", func(ctx context.Context, c *Client) error {
			req := testCheckoutRequest()
			req.Merchant.RedirectConfirmURL = ""
			_, err := c.CreateCheckout(ctx, req)
			return err
		}},
		{"express checkout without popup origin", "merchant.popupOriginUrl", func(ctx context.Context, c *Client) error {
			_, err := c.CreateCheckout(ctx, &CheckoutRequest{Amount: usd(100), Mode: ModeExpress})
			return err
		}},
		{"checkout with 101 items", "items", func(ctx context.Context, c *Client) error {
			req := testCheckoutRequest()
			req.Items = make([]Item, 101)
			_, err := c.CreateCheckout(ctx, req)
			return err
		}},
		{"get dispute without id", "id", func(ctx context.Context, c *Client) error {
			_, err := c.GetDispute(ctx, "")
			return err
		}},
	}
	f := newFakeAfterpay(t, func(*http.Request) reply { return ok("{}") })
	c := newTestClient(t, f.srv.URL)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.call(t.Context(), c)
			var vErr *ValidationError
			require.ErrorAs(t, err, &vErr)
			require.Equal(t, tt.field, vErr.Field)
			require.False(t, IsRetryable(err))
			require.False(t, IsOutcomeUnknown(err))
		})
	}
	require.Zero(t, f.count(), "an invalid request must not be sent")
}

func TestUndecodableSuccessIsDecodeError(t *testing.T) {
	tests := []struct {
		name   string
		body   string
		target error
	}{
		{"not JSON", "<html>ok</html>", nil},
		{"amount with three decimals", strings.Replace(paymentCapturedJSON, `"49.90"`, `"49.900"`, 1), money.ErrPrecision},
		{"amount as a JSON number", strings.Replace(paymentCapturedJSON, `"amount" : "49.90"`, `"amount" : 49.90`, 1), money.ErrSyntax},
		{"unsupported currency", strings.Replace(paymentCapturedJSON, `"currency" : "USD"`, `"currency" : "JPY"`, 1), money.ErrCurrency},
		{"created not a date", strings.Replace(paymentCapturedJSON, `"2023-12-05T03:06:22.583Z"`, `"last Tuesday"`, 1), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeAfterpay(t, func(*http.Request) reply { return created(tt.body) })
			c := newTestClient(t, f.srv.URL)
			p, err := c.CapturePayment(t.Context(), &CaptureRequest{Token: testToken})
			require.Nil(t, p)
			var dErr *DecodeError
			require.ErrorAs(t, err, &dErr)
			require.Equal(t, 201, dErr.HTTPStatusCode)
			require.Equal(t, "POST /v2/payments/capture", dErr.Endpoint)
			if tt.target != nil {
				require.ErrorIs(t, err, tt.target)
			}
			require.False(t, IsRetryable(err))
			require.False(t, IsOutcomeUnknown(err), "a 2xx is a known outcome")
		})
	}
}

func TestPingRejectsAnythingButPong(t *testing.T) {
	f := newFakeAfterpay(t, func(*http.Request) reply { return reply{status: 200, body: "<html>captive portal</html>"} })
	c := newTestClient(t, f.srv.URL)
	var dErr *DecodeError
	require.ErrorAs(t, c.Ping(t.Context()), &dErr)

	f.setReply(reply{status: 200, body: "pong\n"})
	require.NoError(t, c.Ping(t.Context()))
}

// FuzzDecodeError: decoding any body never panics and always yields an
// *Error with the HTTP status; a well-formed Afterpay error object
// round-trips field by field.
func FuzzDecodeError(f *testing.F) {
	f.Add(401, `{"errorCode":"unauthorized","errorId":"6024ab212498442","message":"Credentials are required to access this resource.","httpStatusCode":401}`, "unauthorized", "6024ab212498442", "Credentials are required to access this resource.")
	f.Add(412, `{"errorCode":"invalid_order_transaction_status","errorId":"9608406bbd839bbf","message":"Order has not been approved.","httpStatusCode":412}`, "invalid_order_transaction_status", "9608406bbd839bbf", "Order has not been approved.")
	f.Add(422, afterpayErrorBody(CodeInvalidAmount, "x", "Void amount USD 999.00 exceeded open to capture amount USD 40.00.", 422), CodeInvalidAmount, "x", "ünïcödé ✓")
	f.Add(502, "<html>Bad gateway</html>", "", "", "")
	f.Add(409, "", "", "", "")
	f.Add(500, `{"errorCode":5,"message":null}`, "error", "id", "msg")
	f.Add(400, "\xff\xfe", "\xff", "", "\x00")

	f.Fuzz(func(t *testing.T, status int, raw, code, id, message string) {
		header := http.Header{}
		header.Set("http_correlation_id", "c1")
		header.Set("Retry-After", raw)
		now := time.Unix(1_700_000_000, 0)

		e := decodeError("GET /x", status, header, []byte(raw), now)
		if e == nil || e.HTTPStatusCode != status || e.Endpoint != "GET /x" || e.CorrelationID != "c1" {
			t.Fatalf("decodeError(%q) = %+v", raw, e)
		}
		if e.RetryAfter < 0 {
			t.Fatalf("negative RetryAfter %v", e.RetryAfter)
		}
		_ = e.Error()

		if !utf8.ValidString(code) || !utf8.ValidString(id) || !utf8.ValidString(message) {
			return // json.Marshal would rewrite invalid UTF-8, so no exact round trip
		}
		wellFormed, err := json.Marshal(wireError{ErrorCode: code, ErrorID: id, Message: message, HTTPStatusCode: json.RawMessage(fmt.Sprint(status))})
		if err != nil {
			t.Fatal(err)
		}
		got := decodeError("POST /y", status, http.Header{}, wellFormed, now)
		if got.ErrorCode != code || got.ErrorID != id || got.HTTPStatusCode != status {
			t.Fatalf("round trip of %s: got %+v", wellFormed, got)
		}
		if message != "" || code != "" {
			if got.Message != message {
				t.Fatalf("round trip of %s: message %q", wellFormed, got.Message)
			}
		}
	})
}
