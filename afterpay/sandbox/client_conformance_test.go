package sandbox_test

// Conformance of the product's Afterpay client (package afterpay) with the
// simulator (package sandbox): every endpoint the client has, driven only
// through afterpay.Client against the simulator over loopback HTTP, with the
// decoded values checked against afterpay-api.md. Error rows live in
// client_errors_test.go, recovery after a dropped capture in
// client_recovery_test.go.

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/odoo-afterpay/bridge/afterpay"
	"github.com/odoo-afterpay/bridge/afterpay/sandbox"
	"github.com/odoo-afterpay/bridge/money"
)

// stateReversed is the paymentState the simulator shows once an accepted
// reversal has completed. The v2 enums have no word for it (the v1 docs say
// REVERSED), so the client has no constant either.
const stateReversed = "REVERSED"

func TestClientPing(t *testing.T) {
	w := newWorld(t)
	require.NoError(t, w.client.Ping(w.ctx()))
	// Ping is the one unauthenticated endpoint: wrong credentials still pong.
	wrong := w.newClient(func(c *afterpay.Config) { c.SecretKey = "wrong" })
	require.NoError(t, wrong.Ping(w.ctx()))
}

func TestClientGetConfiguration(t *testing.T) {
	tests := []struct {
		name      string
		min, max  money.Money // simulator limits; zero value keeps the default
		include   []string
		wantMin   *money.Money
		wantMax   money.Money
		wantExtra []string // which include extras must be present
	}{
		{name: "defaults without include", wantMin: usdPtr(100), wantMax: usd(200000)},
		{
			name: "merchant limits with every include", min: usd(1000), max: usd(150000),
			include: []string{afterpay.IncludePublicID, afterpay.IncludeConsumerLending, afterpay.IncludePayByInstallment},
			wantMin: usdPtr(1000), wantMax: usd(150000),
			wantExtra: []string{afterpay.IncludePublicID, afterpay.IncludeConsumerLending, afterpay.IncludePayByInstallment},
		},
		{
			name: "one include", include: []string{afterpay.IncludePublicID},
			wantMin: usdPtr(100), wantMax: usd(200000), wantExtra: []string{afterpay.IncludePublicID},
		},
		{
			// Afterpay leaves minimumAmount out when the merchant has none.
			name: "no minimum", min: usd(0), max: usd(50000),
			include: []string{afterpay.IncludePayByInstallment},
			wantMax: usd(50000), wantExtra: []string{afterpay.IncludePayByInstallment},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newWorld(t, func(o *sandbox.Options) { o.MinimumAmount, o.MaximumAmount = tt.min, tt.max })
			cfg, err := w.client.GetConfiguration(w.ctx(), tt.include...)
			require.NoError(t, err)
			assert.Equal(t, tt.wantMin, cfg.MinimumAmount)
			assert.Equal(t, tt.wantMax, cfg.MaximumAmount)

			assert.Equal(t, slices.Contains(tt.wantExtra, afterpay.IncludePublicID), cfg.PublicID != "", "publicId presence")
			if cfg.PublicID != "" {
				assert.Len(t, cfg.PublicID, 32)
			}
			assert.Equal(t, slices.Contains(tt.wantExtra, afterpay.IncludeConsumerLending), cfg.ConsumerLending != nil, "consumerLending presence")
			if cfg.ConsumerLending != nil {
				assert.False(t, cfg.ConsumerLending.Enabled)
			}
			assert.Equal(t, slices.Contains(tt.wantExtra, afterpay.IncludePayByInstallment), cfg.PayByInstallment != nil, "payByInstallment presence")
			if cfg.PayByInstallment != nil {
				wantMin := tt.min
				if tt.wantMin != nil {
					wantMin = *tt.wantMin
				}
				assert.Equal(t, &wantMin, cfg.PayByInstallment.MinimumAmount)
				assert.Equal(t, &tt.wantMax, cfg.PayByInstallment.MaximumAmount)
			}

			// The limits the client read are the ones create checkout enforces.
			assert.True(t, cfg.Accepts(tt.wantMax))
			over := tt.wantMax
			over.Minor++
			assert.False(t, cfg.Accepts(over))
			_, err = w.client.CreateCheckout(w.ctx(), simpleCheckout(over, "over-limit"))
			requireAPIError(t, err, 422, afterpay.CodeUnsupportedPaymentType)
			_, err = w.client.CreateCheckout(w.ctx(), simpleCheckout(tt.wantMax, "at-limit"))
			require.NoError(t, err)
		})
	}
}

func TestClientCreateAndGetCheckout(t *testing.T) {
	tests := []struct {
		name string
		req  *afterpay.CheckoutRequest
	}{
		{"minimal standard checkout", simpleCheckout(usd(2999), "SO-min")},
		{"every optional field", func() *afterpay.CheckoutRequest {
			r := fullCheckout(usd(7950), "SO-full")
			r.Courier = &afterpay.Courier{ShippedAt: confStart.Add(-time.Hour), Name: "UPS", Tracking: "1Z999", Priority: afterpay.PriorityExpress}
			r.Mode = afterpay.ModeStandard
			return r
		}()},
		{"express checkout", &afterpay.CheckoutRequest{
			Amount: usd(4500), Mode: afterpay.ModeExpress,
			Merchant: afterpay.MerchantURLs{PopupOriginURL: "https://shop.example.com/cart"},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newWorld(t)
			co, err := w.client.CreateCheckout(w.ctx(), tt.req)
			require.NoError(t, err)
			assert.True(t, strings.HasPrefix(co.Token, "002."), "US token prefix, got %q", co.Token)
			assert.True(t, co.Expires.Equal(confStart.Add(sandbox.DefaultCheckoutTTL)), "expires %v", co.Expires)
			assert.Equal(t, w.url+"/us/checkout/?token="+co.Token, co.RedirectCheckoutURL)

			got, err := w.client.GetCheckout(w.ctx(), co.Token)
			require.NoError(t, err)
			assert.Equal(t, co.Token, got.Token)
			assert.True(t, got.Expires.Equal(co.Expires))
			assert.Equal(t, co.RedirectCheckoutURL, got.RedirectCheckoutURL)
			assert.Equal(t, tt.req.Amount, got.Amount)
			assert.Equal(t, tt.req.Consumer, got.Consumer)
			assert.Equal(t, tt.req.Billing, got.Billing)
			assert.Equal(t, tt.req.Shipping, got.Shipping)
			assert.Equal(t, tt.req.Merchant, got.Merchant)
			assert.Equal(t, tt.req.MerchantReference, got.MerchantReference)
			assert.Equal(t, tt.req.Items, got.Items)
			assert.Equal(t, tt.req.Discounts, got.Discounts)
			assert.Equal(t, tt.req.TaxAmount, got.TaxAmount)
			assert.Equal(t, tt.req.ShippingAmount, got.ShippingAmount)
			assert.Equal(t, tt.req.Description, got.Description)
			assert.Equal(t, tt.req.Mode, got.Mode)
			if tt.req.Courier != nil {
				require.NotNil(t, got.Courier)
				assert.True(t, got.Courier.ShippedAt.Equal(tt.req.Courier.ShippedAt))
				assert.Equal(t, tt.req.Courier.Name, got.Courier.Name)
				assert.Equal(t, tt.req.Courier.Tracking, got.Courier.Tracking)
				assert.Equal(t, tt.req.Courier.Priority, got.Courier.Priority)
			} else {
				assert.Nil(t, got.Courier)
			}
		})
	}
}

func TestClientCapturePaymentFull(t *testing.T) {
	tests := []struct {
		name     string
		override string // merchantReference sent with the capture
		wantRef  string
	}{
		{"keeps the checkout reference", "", "SO-100"},
		{"merchantReference replaces the checkout's", "SO-100-final", "SO-100-final"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newWorld(t)
			co, err := w.client.CreateCheckout(w.ctx(), fullCheckout(usd(12000), "SO-100"))
			require.NoError(t, err)
			_, err = w.sim.ConfirmCheckout(co.Token, sandbox.OutcomeApprove)
			require.NoError(t, err)
			w.clock.Advance(3 * time.Minute)

			p, err := w.client.CapturePayment(w.ctx(), &afterpay.CaptureRequest{Token: co.Token, MerchantReference: tt.override})
			require.NoError(t, err)
			assert.NotEmpty(t, p.ID)
			assert.Equal(t, co.Token, p.Token)
			assert.Equal(t, afterpay.StatusApproved, p.Status)
			assert.True(t, p.Approved())
			assert.False(t, p.Declined())
			assert.Equal(t, afterpay.PaymentStateCaptured, p.PaymentState)
			assert.True(t, p.Created.Equal(confStart.Add(3*time.Minute)), "created %v", p.Created)
			assert.Equal(t, usd(12000), p.OriginalAmount)
			assert.Equal(t, usd(0), p.OpenToCaptureAmount)
			assert.Equal(t, tt.wantRef, p.MerchantReference)
			assert.Empty(t, p.Refunds)
			require.Equal(t, []string{afterpay.EventCaptured}, eventTypes(p))
			ev := p.Events[0]
			assert.Len(t, ev.ID, 27)
			assert.Equal(t, usd(12000), ev.Amount)
			assert.Nil(t, ev.Expires, "expires is set on AUTH_APPROVED only")
			assert.Equal(t, usd(12000), p.CapturedAmount())
			_, hasExpiry := p.AuthExpiry()
			assert.False(t, hasExpiry)

			// orderDetails echo the checkout.
			req := fullCheckout(usd(12000), "SO-100")
			require.NotNil(t, p.OrderDetails.Consumer)
			assert.Equal(t, req.Consumer, *p.OrderDetails.Consumer)
			assert.Equal(t, req.Billing, p.OrderDetails.Billing)
			assert.Equal(t, req.Shipping, p.OrderDetails.Shipping)
			assert.Equal(t, req.Items, p.OrderDetails.Items)
			assert.Equal(t, req.Discounts, p.OrderDetails.Discounts)
			assert.Equal(t, req.TaxAmount, p.OrderDetails.TaxAmount)
			assert.Equal(t, req.ShippingAmount, p.OrderDetails.ShippingAmount)
		})
	}
}

// TestClientExpressCheckout runs both flows on an express checkout, whose
// capture or auth must repeat the checkout amount (afterpay-api.md §2.4).
func TestClientExpressCheckout(t *testing.T) {
	tests := []struct {
		flow      string
		wantState string
		wantOpen  money.Money
	}{
		{"capture", afterpay.PaymentStateCaptured, usd(0)},
		{"auth", afterpay.PaymentStateAuthApproved, usd(4500)},
	}
	for _, tt := range tests {
		t.Run(tt.flow, func(t *testing.T) {
			w := newWorld(t)
			token := expressToken(t, w, usd(4500))
			var (
				p   *afterpay.Payment
				err error
			)
			if tt.flow == "auth" {
				p, err = w.client.Auth(w.ctx(), &afterpay.AuthRequest{Token: token, Amount: usdPtr(4500)})
			} else {
				p, err = w.client.CapturePayment(w.ctx(), &afterpay.CaptureRequest{Token: token, Amount: usdPtr(4500)})
			}
			require.NoError(t, err)
			assert.Equal(t, tt.wantState, p.PaymentState)
			assert.Equal(t, usd(4500), p.OriginalAmount)
			assert.Equal(t, tt.wantOpen, p.OpenToCaptureAmount)
			assert.Nil(t, p.OrderDetails.Consumer, "an express checkout carries no consumer")
		})
	}
}

func TestClientAuth(t *testing.T) {
	w := newWorld(t)
	token := w.confirmed(usd(20000), "SO-200", sandbox.OutcomeApprove)
	w.clock.Advance(time.Minute)
	p, err := w.client.Auth(w.ctx(), &afterpay.AuthRequest{RequestID: "auth-200", Token: token, MerchantReference: "SO-200-b"})
	require.NoError(t, err)
	assert.Equal(t, afterpay.StatusApproved, p.Status)
	assert.Equal(t, afterpay.PaymentStateAuthApproved, p.PaymentState)
	assert.Equal(t, usd(20000), p.OriginalAmount)
	assert.Equal(t, usd(20000), p.OpenToCaptureAmount, "openToCapture = original after auth")
	assert.Equal(t, "SO-200-b", p.MerchantReference)
	require.Equal(t, []string{afterpay.EventAuthApproved}, eventTypes(p))
	require.NotNil(t, p.Events[0].Expires)
	wantExpiry := confStart.Add(time.Minute + sandbox.DefaultAuthTTL)
	assert.True(t, p.Events[0].Expires.Equal(wantExpiry), "expires %v", p.Events[0].Expires)
	expiry, ok := p.AuthExpiry()
	assert.True(t, ok)
	assert.True(t, expiry.Equal(wantExpiry))
	assert.Equal(t, usd(0), p.CapturedAmount())
}

func TestClientCaptureDeferred(t *testing.T) {
	// Partial then full, as a merchant captures per shipment.
	w := newWorld(t)
	auth := w.authorised(usd(10000), "SO-300")

	w.clock.Advance(time.Hour)
	p, err := w.client.CaptureDeferred(w.ctx(), auth.ID, &afterpay.DeferredCaptureRequest{
		RequestID: "cap-1", Amount: usd(3000), PaymentEventMerchantReference: "shipment-1",
	})
	require.NoError(t, err)
	assert.Equal(t, afterpay.PaymentStatePartiallyCaptured, p.PaymentState)
	assert.Equal(t, usd(7000), p.OpenToCaptureAmount)
	require.Equal(t, []string{afterpay.EventAuthApproved, afterpay.EventCaptured}, eventTypes(p))
	assert.Equal(t, usd(3000), p.Events[1].Amount)
	assert.Equal(t, "shipment-1", p.Events[1].PaymentEventMerchantReference)
	assert.True(t, p.Events[1].Created.Equal(confStart.Add(time.Hour)))
	assert.Equal(t, usd(3000), p.CapturedAmount())

	p, err = w.client.CaptureDeferred(w.ctx(), auth.ID, &afterpay.DeferredCaptureRequest{
		RequestID: "cap-2", Amount: usd(7000), MerchantReference: "SO-300-final", PaymentEventMerchantReference: "shipment-2",
	})
	require.NoError(t, err)
	assert.Equal(t, afterpay.PaymentStateCaptured, p.PaymentState)
	assert.Equal(t, usd(0), p.OpenToCaptureAmount)
	assert.Equal(t, "SO-300-final", p.MerchantReference)
	assert.Equal(t, []string{afterpay.EventAuthApproved, afterpay.EventCaptured, afterpay.EventCaptured}, eventTypes(p))
	assert.Equal(t, usd(10000), p.CapturedAmount())
	assert.Equal(t, p, w.payment(auth.ID), "GET answers what the capture answered")
}

// TestClientVoid replays the real-sandbox sequences of afterpay-api.md §2.7
// (the PHP SDK's DeferredPaymentVoid/CaptureIntegrationTest).
func TestClientVoid(t *testing.T) {
	// A step is a deferred capture of capture, or else a void of void (nil:
	// everything open) with reason; nilRequest sends Void a nil request.
	type step struct {
		capture    *money.Money
		void       *money.Money
		reason     string
		nilRequest bool
	}
	tests := []struct {
		name        string
		steps       []step
		wantState   string
		wantOpen    money.Money
		wantEvents  []string
		wantRefunds []money.Money // void entries, newest first
	}{
		{
			name: "full void", steps: []step{{reason: afterpay.VoidReasonCancelledItems}},
			wantState: afterpay.PaymentStateVoided, wantOpen: usd(0),
			wantEvents: []string{afterpay.EventAuthApproved, afterpay.EventVoided}, wantRefunds: []money.Money{usd(2000)},
		},
		{
			name: "partial void keeps AUTH_APPROVED", steps: []step{{void: usdPtr(200), reason: afterpay.VoidReasonAmountAdjustment}},
			wantState: afterpay.PaymentStateAuthApproved, wantOpen: usd(1800),
			wantEvents: []string{afterpay.EventAuthApproved, afterpay.EventVoided}, wantRefunds: []money.Money{usd(200)},
		},
		{
			name:      "partial void then partial capture",
			steps:     []step{{void: usdPtr(200)}, {capture: usdPtr(200)}},
			wantState: afterpay.PaymentStatePartiallyCaptured, wantOpen: usd(1600),
			wantEvents:  []string{afterpay.EventAuthApproved, afterpay.EventVoided, afterpay.EventCaptured},
			wantRefunds: []money.Money{usd(200)},
		},
		{
			name:      "capture part then void the rest ends CAPTURED",
			steps:     []step{{capture: usdPtr(500)}, {void: usdPtr(300)}, {nilRequest: true}},
			wantState: afterpay.PaymentStateCaptured, wantOpen: usd(0),
			wantEvents:  []string{afterpay.EventAuthApproved, afterpay.EventCaptured, afterpay.EventVoided, afterpay.EventVoided},
			wantRefunds: []money.Money{usd(1200), usd(300)},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newWorld(t)
			auth := w.authorised(usd(2000), "SO-void")
			var p *afterpay.Payment
			var err error
			for i, s := range tt.steps {
				switch {
				case s.capture != nil:
					p, err = w.client.CaptureDeferred(w.ctx(), auth.ID, &afterpay.DeferredCaptureRequest{Amount: *s.capture})
				case s.nilRequest:
					p, err = w.client.Void(w.ctx(), auth.ID, nil) // full void, no idempotency key
				default:
					p, err = w.client.Void(w.ctx(), auth.ID, &afterpay.VoidRequest{Amount: s.void, Reason: s.reason})
				}
				require.NoError(t, err, "step %d", i)
			}
			assert.Equal(t, tt.wantState, p.PaymentState)
			assert.Equal(t, tt.wantOpen, p.OpenToCaptureAmount)
			assert.Equal(t, tt.wantEvents, eventTypes(p))
			assert.Equal(t, tt.wantRefunds, refundAmounts(p))
			for _, r := range p.Refunds {
				assert.NotEmpty(t, r.RefundID)
				assert.True(t, r.RefundedAt.Equal(confStart))
			}
			assert.Equal(t, p, w.payment(auth.ID))
		})
	}
}

func TestClientRefund(t *testing.T) {
	tests := []struct {
		name    string
		flow    string        // "capture" (immediate) or "deferred" (auth + capture 60.00)
		refunds []money.Money // in the order they are made
	}{
		{"one partial refund", "capture", []money.Money{usd(1000)}},
		{"several partial refunds", "capture", []money.Money{usd(1000), usd(2500), usd(50)}},
		{"partial refunds up to the full amount", "capture", []money.Money{usd(4000), usd(6000)}},
		{"deferred flow refunds captured funds", "deferred", []money.Money{usd(1500), usd(4500)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newWorld(t)
			var before *afterpay.Payment
			if tt.flow == "capture" {
				before = w.captured(usd(10000), "SO-400")
			} else {
				auth := w.authorised(usd(10000), "SO-400")
				var err error
				before, err = w.client.CaptureDeferred(w.ctx(), auth.ID, &afterpay.DeferredCaptureRequest{Amount: usd(6000)})
				require.NoError(t, err)
			}
			orderID := before.ID
			var made []*afterpay.Refund
			for i, amount := range tt.refunds {
				w.clock.Advance(time.Hour)
				req := &afterpay.RefundRequest{
					RequestID: "refund-req-" + string(rune('a'+i)), Amount: amount,
					MerchantReference: "RF-" + string(rune('a'+i)), RefundMerchantReference: "settle-" + string(rune('a'+i)),
				}
				r, err := w.client.Refund(w.ctx(), orderID, req)
				require.NoError(t, err, "refund %d", i)
				assert.Equal(t, req.RequestID, r.RequestID)
				assert.Equal(t, amount, r.Amount)
				assert.Equal(t, req.MerchantReference, r.MerchantReference)
				assert.Equal(t, req.RefundMerchantReference, r.RefundMerchantReference)
				assert.NotEmpty(t, r.RefundID)
				assert.True(t, r.RefundedAt.Equal(w.clock.Now()), "refundedAt %v", r.RefundedAt)
				for _, earlier := range made {
					assert.NotEqual(t, earlier.RefundID, r.RefundID, "refund ids are unique")
				}
				made = append(made, r)
			}
			// The payment lists them newest first.
			p := w.payment(orderID)
			require.Len(t, p.Refunds, len(made))
			for i, r := range made {
				assert.Equal(t, *r, p.Refunds[len(made)-1-i], "refund %d in the payment", i)
			}
			// Refunds do not change the payment's state, amounts or events.
			assert.Equal(t, before.PaymentState, p.PaymentState)
			assert.Equal(t, before.OpenToCaptureAmount, p.OpenToCaptureAmount)
			assert.Equal(t, before.Events, p.Events)
		})
	}
}

func TestClientReversePaymentByToken(t *testing.T) {
	tests := []struct {
		name string
		flow string
	}{
		{"captured order", "capture"},
		{"authorised order", "auth"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newWorld(t)
			var p *afterpay.Payment
			if tt.flow == "capture" {
				p = w.captured(usd(3000), "SO-rev")
			} else {
				p = w.authorised(usd(3000), "SO-rev")
			}
			before := p.PaymentState
			w.clock.Advance(9 * time.Minute)
			require.NoError(t, w.client.ReversePaymentByToken(w.ctx(), p.Token))

			// 204 only means accepted: the order is unchanged until the
			// reversal completes asynchronously.
			pending, err := w.client.GetPaymentByToken(w.ctx(), p.Token)
			require.NoError(t, err)
			assert.Equal(t, before, pending.PaymentState)

			w.clock.Advance(sandbox.DefaultReversalDelay)
			done, err := w.client.GetPaymentByToken(w.ctx(), p.Token)
			require.NoError(t, err)
			assert.Equal(t, stateReversed, done.PaymentState)
			assert.Equal(t, usd(0), done.OpenToCaptureAmount)
		})
	}
}

func TestClientGetPaymentByIDAndByToken(t *testing.T) {
	tests := []struct {
		name string
		make func(w *world) *afterpay.Payment
	}{
		{"captured", func(w *world) *afterpay.Payment { return w.captured(usd(1234), "SO-get-1") }},
		{"authorised", func(w *world) *afterpay.Payment { return w.authorised(usd(5678), "SO-get-2") }},
		{"declined capture", func(w *world) *afterpay.Payment { return w.declined("capture") }},
		{"declined auth", func(w *world) *afterpay.Payment { return w.declined("auth") }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newWorld(t)
			made := tt.make(w)
			byID, err := w.client.GetPayment(w.ctx(), made.ID)
			require.NoError(t, err)
			byToken, err := w.client.GetPaymentByToken(w.ctx(), made.Token)
			require.NoError(t, err)
			assert.Equal(t, made, byID)
			assert.Equal(t, made, byToken)
		})
	}
}

func TestClientUpdatePaymentReference(t *testing.T) {
	w := newWorld(t)
	p := w.captured(usd(2500), "SO-500")
	updated, err := w.client.UpdatePaymentReference(w.ctx(), p.ID, "SO-500-renamed")
	require.NoError(t, err)
	assert.Equal(t, "SO-500-renamed", updated.MerchantReference)
	// Everything else is as the capture answered (the SDK's sandbox test).
	want := *p
	want.MerchantReference = "SO-500-renamed"
	assert.Equal(t, &want, updated)
	assert.Equal(t, updated, w.payment(p.ID))

	list, err := w.client.ListPayments(w.ctx(), afterpay.ListPaymentsParams{MerchantReferences: []string{"SO-500-renamed"}})
	require.NoError(t, err)
	require.Len(t, list.Results, 1)
	assert.Equal(t, p.ID, list.Results[0].ID)
}

func TestClientUpdateShippingCourier(t *testing.T) {
	tests := []struct {
		name    string
		courier afterpay.Courier
	}{
		{"full shipment", afterpay.Courier{ShippedAt: confStart.Add(2 * time.Hour), Name: "FedEx", Tracking: "7946-1234", Priority: afterpay.PriorityStandard}},
		{"express shipment", afterpay.Courier{ShippedAt: confStart.Add(time.Hour), Name: "DHL", Tracking: "JD0146", Priority: afterpay.PriorityExpress}},
		{"pick-up in store", afterpay.Courier{Name: afterpay.CourierInstorePickup}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newWorld(t)
			p := w.captured(usd(4200), "SO-600")
			got, err := w.client.UpdateShippingCourier(w.ctx(), p.ID, tt.courier)
			require.NoError(t, err)
			require.NotNil(t, got.OrderDetails.Courier)
			c := got.OrderDetails.Courier
			assert.True(t, c.ShippedAt.Equal(tt.courier.ShippedAt), "shippedAt %v", c.ShippedAt)
			assert.Equal(t, tt.courier.Name, c.Name)
			assert.Equal(t, tt.courier.Tracking, c.Tracking)
			assert.Equal(t, tt.courier.Priority, c.Priority)
			assert.Equal(t, afterpay.PaymentStateCaptured, got.PaymentState)
			again := w.payment(p.ID)
			assert.Equal(t, got, again)
		})
	}
}

// listWorld holds five payments made a little over a minute apart: four
// captured (amounts 40, 10, 30, 20 USD; references SO-A..SO-D) and one
// declined. The step has a sub-millisecond part, as wall-clock times do,
// while responses show milliseconds only.
type listWorld struct {
	*world
	payments []*afterpay.Payment // in creation order
}

func newListWorld(t *testing.T) *listWorld {
	lw := &listWorld{world: newWorld(t)}
	for i, amount := range []int64{4000, 1000, 3000, 2000} {
		lw.payments = append(lw.payments, lw.captured(usd(amount), "SO-"+string(rune('A'+i))))
		lw.clock.Advance(time.Minute + 1234567*time.Nanosecond)
	}
	lw.payments = append(lw.payments, lw.declined("capture"))
	return lw
}

func (lw *listWorld) ids(idx ...int) []string {
	out := make([]string, 0, len(idx))
	for _, i := range idx {
		out = append(out, lw.payments[i].ID)
	}
	return out
}

func paymentIDs(ps []afterpay.Payment) []string {
	out := make([]string, 0, len(ps))
	for _, p := range ps {
		out = append(out, p.ID)
	}
	return out
}

func TestClientListPayments(t *testing.T) {
	lw := newListWorld(t)
	tests := []struct {
		name      string
		params    afterpay.ListPaymentsParams
		want      []int // indexes into lw.payments, in the expected order
		wantTotal int
		wantNext  bool
	}{
		{name: "defaults: newest first", params: afterpay.ListPaymentsParams{}, want: []int{4, 3, 2, 1, 0}, wantTotal: 5},
		{name: "ascending", params: afterpay.ListPaymentsParams{Ascending: true}, want: []int{0, 1, 2, 3, 4}, wantTotal: 5},
		{name: "by total amount ascending", params: afterpay.ListPaymentsParams{OrderBy: afterpay.OrderByTotalAmount, Ascending: true, Statuses: []string{afterpay.StatusApproved}}, want: []int{1, 3, 2, 0}, wantTotal: 4},
		{name: "by merchant reference descending", params: afterpay.ListPaymentsParams{OrderBy: afterpay.OrderByMerchantReference, Statuses: []string{afterpay.StatusApproved}}, want: []int{3, 2, 1, 0}, wantTotal: 4},
		{name: "by id", params: afterpay.ListPaymentsParams{OrderBy: afterpay.OrderByID, Ascending: true}, want: []int{0, 1, 2, 3, 4}, wantTotal: 5},
		{name: "first page", params: afterpay.ListPaymentsParams{Limit: 2, Ascending: true}, want: []int{0, 1}, wantTotal: 5},
		{name: "middle page with next link", params: afterpay.ListPaymentsParams{Limit: 2, Offset: 2, Ascending: true, IncludeNextLink: true}, want: []int{2, 3}, wantTotal: 5, wantNext: true},
		{name: "last page has no next link", params: afterpay.ListPaymentsParams{Limit: 2, Offset: 4, Ascending: true, IncludeNextLink: true}, want: []int{4}, wantTotal: 5},
		{name: "offset past the end", params: afterpay.ListPaymentsParams{Offset: 10}, want: []int{}, wantTotal: 5},
		{name: "declined only", params: afterpay.ListPaymentsParams{Statuses: []string{afterpay.StatusDeclined}}, want: []int{4}, wantTotal: 1},
		{name: "both statuses", params: afterpay.ListPaymentsParams{Statuses: []string{afterpay.StatusApproved, afterpay.StatusDeclined}, Ascending: true}, want: []int{0, 1, 2, 3, 4}, wantTotal: 5},
		{name: "ids (repeated parameter)", params: afterpay.ListPaymentsParams{IDs: lw.ids(0, 2), Ascending: true}, want: []int{0, 2}, wantTotal: 2},
		{name: "tokens", params: afterpay.ListPaymentsParams{Tokens: []string{lw.payments[1].Token, lw.payments[3].Token}}, want: []int{3, 1}, wantTotal: 2},
		{name: "merchant references", params: afterpay.ListPaymentsParams{MerchantReferences: []string{"SO-B", "SO-C"}, Ascending: true}, want: []int{1, 2}, wantTotal: 2},
		{name: "created date range is inclusive", params: afterpay.ListPaymentsParams{
			FromCreatedDate: lw.payments[1].Created, ToCreatedDate: lw.payments[2].Created, Ascending: true,
		}, want: []int{1, 2}, wantTotal: 2},
		{name: "created date range with an offset", params: afterpay.ListPaymentsParams{
			FromCreatedDate: lw.payments[3].Created.In(time.FixedZone("AEST", 10*3600)), Ascending: true,
		}, want: []int{3, 4}, wantTotal: 2},
		{name: "filters combine", params: afterpay.ListPaymentsParams{IDs: lw.ids(0, 1, 4), Statuses: []string{afterpay.StatusApproved}}, want: []int{1, 0}, wantTotal: 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			page, err := lw.client.ListPayments(lw.ctx(), tt.params)
			require.NoError(t, err)
			assert.Equal(t, lw.ids(tt.want...), paymentIDs(page.Results))
			assert.Equal(t, tt.wantTotal, page.TotalResults)
			assert.Equal(t, tt.params.Offset, page.Offset)
			wantLimit := tt.params.Limit
			if wantLimit == 0 {
				wantLimit = 20 // Afterpay's default page size
			}
			assert.Equal(t, wantLimit, page.Limit)
			assert.Equal(t, tt.wantNext, page.NextPageURL != "", "nextPageUrl %q", page.NextPageURL)
			if tt.wantNext {
				assert.Contains(t, page.NextPageURL, "cursor=")
			}
			for _, p := range page.Results {
				i := slices.IndexFunc(lw.payments, func(q *afterpay.Payment) bool { return q.ID == p.ID })
				assert.Equal(t, *lw.payments[i], p, "listed payment %s decodes like the capture answer", p.ID)
			}
		})
	}
}

func TestClientAllPayments(t *testing.T) {
	lw := newListWorld(t)
	tests := []struct {
		name      string
		params    afterpay.ListPaymentsParams
		stopAfter int // break out of the loop after this many; 0 reads all
		want      []int
	}{
		{name: "default page size", params: afterpay.ListPaymentsParams{Ascending: true}, want: []int{0, 1, 2, 3, 4}},
		{name: "pages of two", params: afterpay.ListPaymentsParams{Limit: 2}, want: []int{4, 3, 2, 1, 0}},
		{name: "pages of one from an offset", params: afterpay.ListPaymentsParams{Limit: 1, Offset: 3, Ascending: true}, want: []int{3, 4}},
		{name: "filtered", params: afterpay.ListPaymentsParams{Limit: 1, Statuses: []string{afterpay.StatusApproved}, OrderBy: afterpay.OrderByTotalAmount}, want: []int{0, 2, 3, 1}},
		{name: "caller stops early", params: afterpay.ListPaymentsParams{Limit: 2, Ascending: true}, stopAfter: 3, want: []int{0, 1, 2}},
		{name: "nothing matches", params: afterpay.ListPaymentsParams{MerchantReferences: []string{"nope"}}, want: []int{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := []string{}
			for p, err := range lw.client.AllPayments(lw.ctx(), tt.params) {
				require.NoError(t, err)
				got = append(got, p.ID)
				if len(got) == tt.stopAfter {
					break
				}
			}
			assert.Equal(t, lw.ids(tt.want...), got)
		})
	}

	t.Run("an error ends the iteration", func(t *testing.T) {
		require.NoError(t, lw.sim.InjectFault(sandbox.Fault{Endpoint: sandbox.EndpointListPayments, Kind: sandbox.FaultServerError, Times: 1}))
		var got []error
		for p, err := range lw.client.AllPayments(lw.ctx(), afterpay.ListPaymentsParams{Limit: 2}) {
			assert.Nil(t, p)
			got = append(got, err)
		}
		require.Len(t, got, 1)
		requireAPIError(t, got[0], 500, afterpay.CodeError)
	})
}

func TestClientDisputes(t *testing.T) {
	w := newWorld(t)
	p1 := w.captured(usd(8800), "SO-700")
	w.clock.Advance(24 * time.Hour)
	p2 := w.authorised(usd(5000), "SO-701")
	w.clock.Advance(24 * time.Hour)

	opened1, err := w.sim.OpenDispute(p1.ID, "")
	require.NoError(t, err)
	openedAt1 := w.clock.Now()
	w.clock.Advance(time.Hour)
	opened2, err := w.sim.OpenDispute(p2.ID, "fraudulent")
	require.NoError(t, err)

	t.Run("get", func(t *testing.T) {
		d, err := w.client.GetDispute(w.ctx(), opened1.ID)
		require.NoError(t, err)
		assert.Equal(t, opened1.ID, d.ID)
		assert.True(t, strings.HasPrefix(d.ID, "dp_"))
		assert.Equal(t, p1.Token, d.Order)
		assert.Equal(t, "88.00", d.Amount)
		assert.Equal(t, "USD", d.Currency)
		amount, err := d.Money("AUD")
		require.NoError(t, err)
		assert.Equal(t, usd(8800), amount)
		assert.Equal(t, "product_not_received", d.Reason)
		assert.Equal(t, afterpay.DisputeNeedsResponse, d.Status)
		assert.True(t, d.Open)
		assert.True(t, d.CreatedAt.Equal(openedAt1), "createdAt %v", d.CreatedAt)
		assert.True(t, d.UpdatedAt.Equal(openedAt1))
		assert.True(t, d.ResponseDueBy.Equal(openedAt1.Add(13*24*time.Hour)), "responseDueBy %v", d.ResponseDueBy)
		assert.True(t, d.TransactionDate.Equal(p1.Created), "transactionDate %v", d.TransactionDate)
		assert.Equal(t, "SO-700", d.MerchantOrderID)
		assert.Equal(t, "88.00", d.SettlementAmount)
		assert.Empty(t, d.ClosingReason)
		require.NotNil(t, d.Meta)
		assert.Equal(t, "88.00", d.Meta.TransactionAmount)
		assert.Equal(t, "ONLINE", d.Meta.OrderType)

		d2, err := w.client.GetDispute(w.ctx(), opened2.ID)
		require.NoError(t, err)
		assert.Equal(t, "fraudulent", d2.Reason)
		assert.Equal(t, p2.Token, d2.Order)
		assert.Equal(t, "50.00", d2.Amount, "an uncaptured auth is disputed for its original amount")
	})

	tests := []struct {
		name      string
		params    afterpay.ListDisputesParams
		want      []string
		wantTotal int
	}{
		{"all, newest first", afterpay.ListDisputesParams{}, []string{opened2.ID, opened1.ID}, 2},
		{"by order token", afterpay.ListDisputesParams{Order: p1.Token}, []string{opened1.ID}, 1},
		{"by status", afterpay.ListDisputesParams{Status: afterpay.DisputeNeedsResponse}, []string{opened2.ID, opened1.ID}, 2},
		{"by another status", afterpay.ListDisputesParams{Status: afterpay.DisputeWon}, []string{}, 0},
		{"opened after", afterpay.ListDisputesParams{OpenedAfter: openedAt1.Add(time.Minute)}, []string{opened2.ID}, 1},
		{"opened before (inclusive)", afterpay.ListDisputesParams{OpenedBefore: openedAt1}, []string{opened1.ID}, 1},
		{"paging", afterpay.ListDisputesParams{Limit: 1, Offset: 1}, []string{opened1.ID}, 2},
	}
	for _, tt := range tests {
		t.Run("list "+tt.name, func(t *testing.T) {
			list, err := w.client.ListDisputes(w.ctx(), tt.params)
			require.NoError(t, err)
			got := []string{}
			for _, d := range list.Data {
				got = append(got, d.ID)
			}
			assert.Equal(t, tt.want, got)
			assert.Equal(t, tt.wantTotal, list.Total)
			assert.Equal(t, tt.params.Offset, list.Offset)
		})
	}
}

// TestClientIdempotentRetries repeats each money call with the same
// idempotency key (requestId; requestId + merchantReference for refunds; the
// token for capture-full) and checks that the second answer is the first one
// and the operation was applied once; a different key applies it again.
func TestClientIdempotentRetries(t *testing.T) {
	tests := []struct {
		name string
		// setup returns the order ID (or token) the operation works on.
		setup func(w *world) string
		// call performs the operation with the given key; it returns the
		// decoded answer.
		call func(w *world, target, key string) (any, error)
		// applied counts how often the operation shows in the order.
		applied func(p *afterpay.Payment) int
		// byToken reads the order by token instead of order ID.
		byToken bool
	}{
		{
			name:  "auth on requestId",
			setup: func(w *world) string { return w.confirmed(usd(3000), "SO-idem-auth", sandbox.OutcomeApprove) },
			call: func(w *world, token, key string) (any, error) {
				return w.client.Auth(w.ctx(), &afterpay.AuthRequest{RequestID: key, Token: token})
			},
			applied: func(p *afterpay.Payment) int { return countEvents(p, afterpay.EventAuthApproved) },
			byToken: true,
		},
		{
			name:  "capture-full on the token",
			setup: func(w *world) string { return w.confirmed(usd(3000), "SO-idem-cap", sandbox.OutcomeApprove) },
			call: func(w *world, token, _ string) (any, error) {
				return w.client.CapturePayment(w.ctx(), &afterpay.CaptureRequest{Token: token})
			},
			applied: func(p *afterpay.Payment) int { return countEvents(p, afterpay.EventCaptured) },
			byToken: true,
		},
		{
			name:  "deferred capture on requestId",
			setup: func(w *world) string { return w.authorised(usd(3000), "SO-idem-dcap").ID },
			call: func(w *world, id, key string) (any, error) {
				return w.client.CaptureDeferred(w.ctx(), id, &afterpay.DeferredCaptureRequest{RequestID: key, Amount: usd(1000)})
			},
			applied: func(p *afterpay.Payment) int { return countEvents(p, afterpay.EventCaptured) },
		},
		{
			name:  "void on requestId",
			setup: func(w *world) string { return w.authorised(usd(3000), "SO-idem-void").ID },
			call: func(w *world, id, key string) (any, error) {
				return w.client.Void(w.ctx(), id, &afterpay.VoidRequest{RequestID: key, Amount: usdPtr(500)})
			},
			applied: func(p *afterpay.Payment) int { return countEvents(p, afterpay.EventVoided) },
		},
		{
			name:  "refund on requestId and merchantReference",
			setup: func(w *world) string { return w.captured(usd(3000), "SO-idem-refund").ID },
			call: func(w *world, id, key string) (any, error) {
				return w.client.Refund(w.ctx(), id, &afterpay.RefundRequest{RequestID: key, MerchantReference: "RF-" + key, Amount: usd(700)})
			},
			applied: func(p *afterpay.Payment) int { return len(p.Refunds) },
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newWorld(t)
			target := tt.setup(w)
			read := func() *afterpay.Payment {
				if tt.byToken {
					p, err := w.client.GetPaymentByToken(w.ctx(), target)
					require.NoError(t, err)
					return p
				}
				return w.payment(target)
			}

			first, err := tt.call(w, target, "key-1")
			require.NoError(t, err)
			w.clock.Advance(time.Hour) // a replay is the stored answer, not a new one
			second, err := tt.call(w, target, "key-1")
			require.NoError(t, err)
			assert.Equal(t, first, second, "the retry answers what the first call answered")
			assert.Equal(t, 1, tt.applied(read()), "applied once")

			if tt.byToken {
				return // a token is consumed once; there is no "other key"
			}
			_, err = tt.call(w, target, "key-2")
			require.NoError(t, err)
			assert.Equal(t, 2, tt.applied(read()), "a new key is a new operation")
		})
	}
}

func countEvents(p *afterpay.Payment, typ string) int {
	n := 0
	for _, e := range p.Events {
		if e.Type == typ {
			n++
		}
	}
	return n
}

// TestClientDeclines checks afterpay-api.md §2.4/§2.5: a decline is a Payment
// (capture-full answers 201, auth 402), never an error.
func TestClientDeclines(t *testing.T) {
	tests := []struct {
		flow      string
		wantState string
		wantEvent string
	}{
		{"capture", afterpay.PaymentStateCaptureDeclined, afterpay.EventCaptureDeclined},
		{"auth", afterpay.PaymentStateAuthDeclined, afterpay.EventAuthDeclined},
	}
	for _, tt := range tests {
		t.Run(tt.flow, func(t *testing.T) {
			w := newWorld(t)
			p := w.declined(tt.flow)
			assert.True(t, p.Declined())
			assert.False(t, p.Approved())
			assert.NotEmpty(t, p.ID)
			assert.Equal(t, tt.wantState, p.PaymentState)
			assert.Equal(t, usd(5000), p.OriginalAmount)
			assert.Equal(t, usd(0), p.OpenToCaptureAmount)
			assert.Equal(t, []string{tt.wantEvent}, eventTypes(p))
			assert.Equal(t, usd(0), p.CapturedAmount())

			// The decline is stored like any order.
			again, err := w.client.GetPaymentByToken(w.ctx(), p.Token)
			require.NoError(t, err)
			assert.Equal(t, p, again)

			// Repeating the call does not turn it into an approval: capture
			// replays the decline (idempotent on the token), auth refuses the
			// consumed token.
			if tt.flow == "capture" {
				replay, err := w.client.CapturePayment(w.ctx(), &afterpay.CaptureRequest{Token: p.Token})
				require.NoError(t, err)
				assert.Equal(t, p, replay)
			} else {
				_, err := w.client.Auth(w.ctx(), &afterpay.AuthRequest{Token: p.Token})
				requireAPIError(t, err, 402, afterpay.CodeInvalidToken)
			}
		})
	}
}
