package sandbox_test

// Shared scaffolding of the client conformance tests: the product's Afterpay
// client (package afterpay) driven against the simulator (package sandbox)
// over loopback HTTP, with the simulator on a ManualClock.

import (
	"context"
	"errors"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/odoo-afterpay/bridge/afterpay"
	"github.com/odoo-afterpay/bridge/afterpay/sandbox"
	"github.com/odoo-afterpay/bridge/money"
)

const (
	confMerchantID = "600032000"
	confSecretKey  = "conformance-secret-key"
)

// confStart is where every conformance test's ManualClock starts; a whole
// second, so that millisecond timestamps on the wire round-trip exactly.
var confStart = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

// world is one simulator behind an httptest server, on a ManualClock, and a
// client pointed at it.
type world struct {
	t      *testing.T
	sim    *sandbox.Server
	clock  *sandbox.ManualClock
	url    string
	client *afterpay.Client
}

// newWorld starts a simulator (StrictUserAgent on, so a client that forgot
// the header would fail every call) and a client with the documented
// timeouts. configure adjusts the simulator's options.
func newWorld(t *testing.T, configure ...func(*sandbox.Options)) *world {
	t.Helper()
	clock := sandbox.NewManualClock(confStart)
	opts := sandbox.Options{
		MerchantID:      confMerchantID,
		SecretKey:       confSecretKey,
		Clock:           clock,
		StrictUserAgent: true,
	}
	for _, c := range configure {
		c(&opts)
	}
	sim, err := sandbox.New(opts)
	require.NoError(t, err, "sandbox.New")
	ts := httptest.NewServer(sim)
	// Cleanups run last-in first-out: release held responses, then close.
	t.Cleanup(ts.Close)
	t.Cleanup(sim.Close)
	require.NoError(t, sim.SetPublicURL(ts.URL))
	w := &world{t: t, sim: sim, clock: clock, url: ts.URL}
	w.client = w.newClient(nil)
	return w
}

// newClient builds another client for the same simulator; adjust may change
// the configuration (credentials, timeouts).
func (w *world) newClient(adjust func(*afterpay.Config)) *afterpay.Client {
	w.t.Helper()
	cfg := afterpay.Config{
		MerchantID: confMerchantID,
		SecretKey:  confSecretKey,
		BaseURL:    w.url,
		UserAgent: afterpay.UserAgent{
			PluginName: "conformance", PluginVersion: "1.0.0",
			Platform: "Odoo", PlatformVersion: "18.0", StoreURL: "https://shop.example.com",
		},
		Now: w.clock.Now,
	}
	if adjust != nil {
		adjust(&cfg)
	}
	c, err := afterpay.NewClient(cfg)
	require.NoError(w.t, err, "afterpay.NewClient")
	return c
}

// ctx is a context bounded by the test's deadline.
func (w *world) ctx() context.Context { return w.t.Context() }

func usd(minor int64) money.Money { return money.MustNew(minor, "USD") }

func usdPtr(minor int64) *money.Money {
	m := usd(minor)
	return &m
}

// fullCheckout is a standard checkout request with every optional part
// filled, so that Get Checkout and orderDetails have something to echo.
func fullCheckout(amount money.Money, reference string) *afterpay.CheckoutRequest {
	return &afterpay.CheckoutRequest{
		Amount: amount,
		Consumer: afterpay.Consumer{
			Email: "jane.doe@example.com", GivenNames: "Jane", Surname: "Doe", PhoneNumber: "+14155550100",
		},
		Billing: &afterpay.Contact{
			Name: "Jane Doe", Line1: "1 Market St", Area1: "San Francisco", Region: "CA",
			Postcode: "94105", CountryCode: "US", PhoneNumber: "+14155550100",
		},
		Shipping: &afterpay.Contact{
			Name: "Jane Doe", Line1: "2 Mission St", Line2: "Apt 3", Area1: "San Francisco", Region: "CA",
			Postcode: "94105", CountryCode: "US",
		},
		Merchant: afterpay.MerchantURLs{
			RedirectConfirmURL: "https://shop.example.com/afterpay/confirm",
			RedirectCancelURL:  "https://shop.example.com/afterpay/cancel",
			Name:               "Example Shop",
		},
		MerchantReference: reference,
		Items: []afterpay.Item{
			{Name: "Blue shirt", SKU: "SHIRT-B", Quantity: 2, Price: usd(3000),
				Categories: [][]string{{"Clothing", "Shirts"}}, EstimatedShipmentDate: "2026-03-09"},
			{Name: "Socks", SKU: "SOCK-1", Quantity: 1, Price: usd(1000)},
		},
		Discounts:      []afterpay.Discount{{DisplayName: "Spring sale", Amount: usd(500)}},
		TaxAmount:      usdPtr(450),
		ShippingAmount: usdPtr(1000),
		Description:    "Order " + reference,
	}
}

// simpleCheckout is the smallest valid standard checkout.
func simpleCheckout(amount money.Money, reference string) *afterpay.CheckoutRequest {
	return &afterpay.CheckoutRequest{
		Amount:   amount,
		Consumer: afterpay.Consumer{Email: "shopper@example.com"},
		Merchant: afterpay.MerchantURLs{
			RedirectConfirmURL: "https://shop.example.com/afterpay/confirm",
			RedirectCancelURL:  "https://shop.example.com/afterpay/cancel",
		},
		MerchantReference: reference,
	}
}

// checkout creates a checkout through the client and returns its token.
func (w *world) checkout(amount money.Money, reference string) string {
	w.t.Helper()
	co, err := w.client.CreateCheckout(w.ctx(), simpleCheckout(amount, reference))
	require.NoError(w.t, err, "CreateCheckout")
	return co.Token
}

// confirmed creates a checkout and has the consumer answer it with outcome.
func (w *world) confirmed(amount money.Money, reference string, outcome sandbox.Outcome) string {
	w.t.Helper()
	token := w.checkout(amount, reference)
	_, err := w.sim.ConfirmCheckout(token, outcome)
	require.NoError(w.t, err, "ConfirmCheckout")
	return token
}

// captured runs the immediate flow to an approved, CAPTURED payment.
func (w *world) captured(amount money.Money, reference string) *afterpay.Payment {
	w.t.Helper()
	token := w.confirmed(amount, reference, sandbox.OutcomeApprove)
	p, err := w.client.CapturePayment(w.ctx(), &afterpay.CaptureRequest{Token: token})
	require.NoError(w.t, err, "CapturePayment")
	require.Equal(w.t, afterpay.PaymentStateCaptured, p.PaymentState)
	return p
}

// authorised runs the deferred flow to an AUTH_APPROVED payment.
func (w *world) authorised(amount money.Money, reference string) *afterpay.Payment {
	w.t.Helper()
	token := w.confirmed(amount, reference, sandbox.OutcomeApprove)
	p, err := w.client.Auth(w.ctx(), &afterpay.AuthRequest{Token: token, RequestID: "auth-" + token[len(token)-12:]})
	require.NoError(w.t, err, "Auth")
	require.Equal(w.t, afterpay.PaymentStateAuthApproved, p.PaymentState)
	return p
}

// declined runs a flow whose consumer was declined (CVC 051 in the real
// sandbox); the decline comes back as a Payment, not an error.
func (w *world) declined(flow string) *afterpay.Payment {
	w.t.Helper()
	token := w.confirmed(usd(5000), "declined-"+flow, sandbox.OutcomeDecline)
	var (
		p   *afterpay.Payment
		err error
	)
	if flow == "auth" {
		p, err = w.client.Auth(w.ctx(), &afterpay.AuthRequest{Token: token})
	} else {
		p, err = w.client.CapturePayment(w.ctx(), &afterpay.CaptureRequest{Token: token})
	}
	require.NoError(w.t, err, "declined %s", flow)
	require.Equal(w.t, afterpay.StatusDeclined, p.Status)
	return p
}

// payment reads a payment back by order ID.
func (w *world) payment(orderID string) *afterpay.Payment {
	w.t.Helper()
	p, err := w.client.GetPayment(w.ctx(), orderID)
	require.NoError(w.t, err, "GetPayment %s", orderID)
	return p
}

// requireAPIError asserts that err is an *afterpay.Error with the given
// status and errorCode and the support identifiers every Afterpay error
// carries, and that the classifiers agree with it.
func requireAPIError(t *testing.T, err error, status int, code string) *afterpay.Error {
	t.Helper()
	require.Error(t, err)
	var apiErr *afterpay.Error
	require.True(t, errors.As(err, &apiErr), "want *afterpay.Error, got %T: %v", err, err)
	require.Equal(t, status, apiErr.HTTPStatusCode, "HTTPStatusCode (%v)", err)
	require.Equal(t, code, apiErr.ErrorCode, "ErrorCode (%v)", err)
	require.NotEmpty(t, apiErr.ErrorID, "ErrorID")
	require.NotEmpty(t, apiErr.CorrelationID, "CorrelationID (http_correlation_id header)")
	require.NotEmpty(t, apiErr.Message, "Message")
	require.NotEmpty(t, apiErr.Endpoint, "Endpoint")
	require.Equal(t, status, afterpay.StatusCode(err))
	require.True(t, afterpay.HasCode(err, code), "HasCode(%q)", code)
	require.False(t, afterpay.IsOutcomeUnknown(err), "an answer is never an unknown outcome")
	require.Equal(t, status == 404 || code == afterpay.CodeNotFound, afterpay.IsNotFound(err), "IsNotFound")
	require.Equal(t, status == 401, afterpay.IsUnauthorized(err), "IsUnauthorized")
	require.NotContains(t, err.Error(), confSecretKey, "the error text must not leak the secret key")
	return apiErr
}

// requireRefused asserts that the client refused to send the request.
func requireRefused(t *testing.T, err error, field string) {
	t.Helper()
	var vErr *afterpay.ValidationError
	require.True(t, errors.As(err, &vErr), "want *afterpay.ValidationError, got %T: %v", err, err)
	require.True(t, strings.Contains(vErr.Field, field), "ValidationError.Field = %q, want it to name %q", vErr.Field, field)
	require.False(t, afterpay.IsRetryable(err), "a refused request is never retryable")
	require.False(t, afterpay.IsOutcomeUnknown(err))
	require.Zero(t, afterpay.StatusCode(err))
}

// requireTransport asserts a transport failure whose outcome is unknown.
func requireTransport(t *testing.T, err error) *afterpay.TransportError {
	t.Helper()
	var tErr *afterpay.TransportError
	require.True(t, errors.As(err, &tErr), "want *afterpay.TransportError, got %T: %v", err, err)
	require.True(t, tErr.OutcomeUnknown(), "OutcomeUnknown")
	require.False(t, tErr.NotSent, "the request was sent")
	require.True(t, afterpay.IsOutcomeUnknown(err), "IsOutcomeUnknown")
	require.True(t, afterpay.IsRetryable(err), "IsRetryable")
	_, hasRetryAfter := afterpay.RetryAfterOf(err)
	require.False(t, hasRetryAfter, "RetryAfterOf")
	return tErr
}

// eventTypes lists a payment's event types in order.
func eventTypes(p *afterpay.Payment) []string {
	out := make([]string, 0, len(p.Events))
	for _, e := range p.Events {
		out = append(out, e.Type)
	}
	return out
}

// refundAmounts lists a payment's refund (and void) entries' amounts in order.
func refundAmounts(p *afterpay.Payment) []money.Money {
	out := make([]money.Money, 0, len(p.Refunds))
	for _, r := range p.Refunds {
		out = append(out, r.Amount)
	}
	return out
}
