package afterpay

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/odoo-afterpay/bridge/money"
)

func usd(minor int64) money.Money { return money.MustNew(minor, "USD") }

func ptr[T any](v T) *T { return &v }

func utc(y int, mo time.Month, d, h, mi, s, ms int) time.Time {
	return time.Date(y, mo, d, h, mi, s, ms*int(time.Millisecond), time.UTC)
}

// Test-side timeouts, distinct from each other and from the defaults, so the
// recorded deadline shows which class an endpoint was given.
const (
	testReadTimeout  = 3 * time.Second
	testMoneyTimeout = 7 * time.Second
)

// endpointCase is one API call: what the client must send and what it must
// make of the reference-shaped answer.
type endpointCase struct {
	name  string
	call  func(ctx context.Context, c *Client) (any, error)
	reply reply

	method string
	path   string     // escaped path as the server sees it
	query  url.Values // nil: no query string at all
	// rawQueryContains are substrings of the raw query (encoding checks).
	rawQueryContains []string
	body             string // expected JSON body; "" means no body
	money            bool   // 70 s class
	noAuth           bool   // ping
	accept           string // "" means application/json

	// oasPath is the OpenAPI path template, for the conformance test.
	oasPath string
	want    any
}

func testContact() *Contact {
	return &Contact{
		Name: "Joe Consumer", Line1: "123 Fake Street", Line2: "Apt 4", Area1: "Springfield",
		Region: "OR", Postcode: "97477", CountryCode: "US", PhoneNumber: "+1 555 0100",
	}
}

func wantCapturedPayment() *Payment {
	return &Payment{
		ID: "300000016189", Token: testToken, Status: StatusApproved,
		Created:             utc(2023, 12, 5, 3, 6, 22, 583),
		OriginalAmount:      usd(4990),
		OpenToCaptureAmount: usd(0),
		PaymentState:        PaymentStateCaptured,
		MerchantReference:   "S00042",
		Refunds:             []Refund{},
		OrderDetails: OrderDetails{
			Consumer: &Consumer{Email: "joe.consumer@example.com", GivenNames: "Joe", Surname: "Consumer", PhoneNumber: "+1 555 0100"},
			Billing:  testContact(),
			Shipping: &Contact{Name: "Joe Consumer", Line1: "123 Fake Street", Area1: "Springfield", Region: "OR", Postcode: "97477", CountryCode: "US"},
			Courier:  &Courier{},
			Items: []Item{{
				Name: "Blue Shirt", SKU: "FURN_0269", Quantity: 2, Price: usd(1995),
				PageURL:    "https://shop.example.com/shop/blue-shirt",
				ImageURL:   "https://shop.example.com/web/image/blue-shirt.png",
				Categories: [][]string{{"Clothing", "Shirts"}},
			}},
			Discounts:      []Discount{},
			TaxAmount:      ptr(usd(0)),
			ShippingAmount: ptr(usd(1000)),
		},
		Events: []PaymentEvent{{
			ID: "2ZDXLYkDejYZknHpQgXaXNSkQn5", Created: utc(2023, 12, 5, 3, 6, 22, 412),
			Type: EventCaptured, Amount: usd(4990),
		}},
	}
}

func wantAuthApprovedPayment() *Payment {
	return &Payment{
		ID: "100203444519", Token: testToken, Status: StatusApproved,
		Created:             utc(2023, 12, 5, 3, 6, 22, 583),
		OriginalAmount:      usd(2000),
		OpenToCaptureAmount: usd(2000),
		PaymentState:        PaymentStateAuthApproved,
		MerchantReference:   "S00043",
		Refunds:             []Refund{},
		OrderDetails:        OrderDetails{Consumer: &Consumer{Email: "joe.consumer@example.com"}},
		Events: []PaymentEvent{{
			ID: "2ZDXLYkDejYZknHpQgXaXNSkQn5", Created: utc(2023, 12, 5, 3, 6, 22, 412),
			Expires: ptr(utc(2023, 12, 12, 3, 6, 22, 412)),
			Type:    EventAuthApproved, Amount: usd(2000),
		}},
	}
}

func wantAuthDeclinedPayment() *Payment {
	return &Payment{
		ID: "100203444520", Token: testToken, Status: StatusDeclined,
		Created:             utc(2023, 12, 5, 3, 6, 22, 583),
		OriginalAmount:      usd(2000),
		OpenToCaptureAmount: usd(0),
		PaymentState:        PaymentStateAuthDeclined,
		MerchantReference:   "S00043",
		Refunds:             []Refund{},
		Events: []PaymentEvent{{
			ID: "2ZDXLYkDejYZknHpQgXaXNSkQn7", Created: utc(2023, 12, 5, 3, 6, 22, 412),
			Type: EventAuthDeclined, Amount: usd(2000),
		}},
	}
}

func wantVoidedPartlyPayment() *Payment {
	p := wantAuthApprovedPayment()
	p.OpenToCaptureAmount = usd(1800)
	p.OrderDetails = OrderDetails{}
	p.Refunds = []Refund{{Amount: usd(200), RefundID: "67890122", RefundedAt: utc(2023, 12, 6, 9, 0, 0, 0)}}
	p.Events = append(p.Events, PaymentEvent{
		ID: "2ZDXLYkDejYZknHpQgXaXNSkQn8", Created: utc(2023, 12, 6, 9, 0, 0, 0), Type: EventVoided, Amount: usd(200),
	})
	return p
}

func wantPartlyCapturedPayment() *Payment {
	p := wantVoidedPartlyPayment()
	p.OpenToCaptureAmount = usd(1600)
	p.PaymentState = PaymentStatePartiallyCaptured
	p.Events = append(p.Events, PaymentEvent{
		ID: "2ZDXLYkDejYZknHpQgXaXNSkQn9", Created: utc(2023, 12, 7, 10, 30, 0, 0), Type: EventCaptured,
		Amount: usd(200), PaymentEventMerchantReference: "INV-2023-0001",
	})
	return p
}

func wantDispute() *Dispute {
	return &Dispute{
		ID: "dp_5kRZ4vJ9qS2x", Order: testToken, Amount: "20.00", Currency: "USD",
		Reason: "product_not_received", Status: DisputeNeedsResponse, Open: true,
		ResponseDueBy:   time.Unix(1704931200, 0).UTC(),
		CreatedAt:       time.Unix(1703808000, 0).UTC(),
		UpdatedAt:       time.Unix(1703808000, 0).UTC(),
		TransactionDate: time.Unix(1703721600, 0).UTC(),
		OpeningNote:     "Parcel never arrived at 123 Fake Street",
		MerchantOrderID: "S00043", SettlementAmount: "20.00",
		Meta: &DisputeMeta{TransactionAmount: "20.00", Network: "Visa", NetworkReferenceID: "nr_123", OrderType: "ONLINE"},
	}
}

const checkoutRequestJSON = `{
  "amount": {"amount": "44.90", "currency": "USD"},
  "consumer": {"email": "joe.consumer@example.com", "givenNames": "Joe", "surname": "Consumer", "phoneNumber": "+1 555 0100"},
  "billing": {"name": "Joe Consumer", "line1": "123 Fake Street", "line2": "Apt 4", "area1": "Springfield", "region": "OR", "postcode": "97477", "countryCode": "US", "phoneNumber": "+1 555 0100"},
  "shipping": {"name": "Joe Consumer", "line1": "123 Fake Street", "line2": "Apt 4", "area1": "Springfield", "region": "OR", "postcode": "97477", "countryCode": "US", "phoneNumber": "+1 555 0100"},
  "merchant": {"redirectConfirmUrl": "https://shop.example.com/afterpay/confirm", "redirectCancelUrl": "https://shop.example.com/afterpay/cancel", "name": "Example Shop"},
  "merchantReference": "S00042",
  "items": [{"name": "Blue Shirt", "sku": "FURN_0269", "quantity": 2, "price": {"amount": "19.95", "currency": "USD"},
             "pageUrl": "https://shop.example.com/shop/blue-shirt", "categories": [["Clothing", "Shirts"]],
             "estimatedShipmentDate": "2023-12-10", "preorder": true}],
  "discounts": [{"displayName": "Welcome", "amount": {"amount": "5.00", "currency": "USD"}}],
  "taxAmount": {"amount": "0.00", "currency": "USD"},
  "shippingAmount": {"amount": "10.00", "currency": "USD"},
  "courier": {"shippedAt": "2023-12-06T09:00:00Z", "name": "FEDEX", "tracking": "TRK1", "priority": "STANDARD"}
}`

func testCheckoutRequest() *CheckoutRequest {
	return &CheckoutRequest{
		Amount:   usd(4490),
		Consumer: Consumer{Email: "joe.consumer@example.com", GivenNames: "Joe", Surname: "Consumer", PhoneNumber: "+1 555 0100"},
		Billing:  testContact(),
		Shipping: testContact(),
		Merchant: MerchantURLs{
			RedirectConfirmURL: "https://shop.example.com/afterpay/confirm",
			RedirectCancelURL:  "https://shop.example.com/afterpay/cancel",
			Name:               "Example Shop",
		},
		MerchantReference: "S00042",
		Items: []Item{{
			Name: "Blue Shirt", SKU: "FURN_0269", Quantity: 2, Price: usd(1995),
			PageURL: "https://shop.example.com/shop/blue-shirt", Categories: [][]string{{"Clothing", "Shirts"}},
			EstimatedShipmentDate: "2023-12-10", Preorder: true,
		}},
		Discounts:      []Discount{{DisplayName: "Welcome", Amount: usd(500)}},
		TaxAmount:      ptr(usd(0)),
		ShippingAmount: ptr(usd(1000)),
		Courier:        &Courier{ShippedAt: utc(2023, 12, 6, 9, 0, 0, 0), Name: "FEDEX", Tracking: "TRK1", Priority: PriorityStandard},
	}
}

func created(body string) reply {
	return reply{status: http.StatusCreated, header: map[string]string{"Content-Type": "application/json"}, body: body}
}

func ok(body string) reply {
	return reply{status: http.StatusOK, header: map[string]string{"Content-Type": "application/json"}, body: body}
}

func endpointCases() []endpointCase {
	return []endpointCase{
		{
			name:   "ping",
			call:   func(ctx context.Context, c *Client) (any, error) { return nil, c.Ping(ctx) },
			reply:  reply{status: http.StatusOK, header: map[string]string{"Content-Type": "text/plain"}, body: "pong"},
			method: http.MethodGet, path: "/ping", noAuth: true, accept: "*/*", oasPath: "/ping",
		},
		{
			name:  "get configuration (reference example)",
			call:  func(ctx context.Context, c *Client) (any, error) { return c.GetConfiguration(ctx) },
			reply: ok(configurationJSON), method: http.MethodGet, path: "/v2/configuration", oasPath: "/v2/configuration",
			want: &Configuration{MinimumAmount: ptr(usd(1000)), MaximumAmount: usd(200000)},
		},
		{
			name: "get configuration with repeated include",
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.GetConfiguration(ctx, IncludePublicID, IncludeConsumerLending, IncludePayByInstallment)
			},
			reply: ok(configurationIncludeJSON), method: http.MethodGet, path: "/v2/configuration", oasPath: "/v2/configuration",
			query:            url.Values{"include": {"publicid", "consumerlending", "paybyinstallment"}},
			rawQueryContains: []string{"include=publicid&include=consumerlending&include=paybyinstallment"},
			want: &Configuration{
				MinimumAmount: ptr(usd(1000)), MaximumAmount: usd(200000),
				PublicID:         "e1e5632e-e4e6-4d3c-a2e4-1f6b5f0f0a11",
				ConsumerLending:  &ConsumerLending{Enabled: true, MinimumAmount: ptr(usd(40000)), MaximumAmount: ptr(usd(1000000))},
				PayByInstallment: &AmountRange{MinimumAmount: ptr(usd(100)), MaximumAmount: ptr(usd(200000))},
			},
		},
		{
			name:  "create checkout",
			call:  func(ctx context.Context, c *Client) (any, error) { return c.CreateCheckout(ctx, testCheckoutRequest()) },
			reply: created(checkoutCreatedJSON), method: http.MethodPost, path: "/v2/checkouts", oasPath: "/v2/checkouts",
			body: checkoutRequestJSON,
			want: &Checkout{
				Token:               testToken,
				Expires:             utc(2020, 6, 4, 17, 20, 49, 347),
				RedirectCheckoutURL: "https://portal.sandbox.afterpay.com/us/checkout/?token=" + testToken,
			},
		},
		{
			name:  "get checkout",
			call:  func(ctx context.Context, c *Client) (any, error) { return c.GetCheckout(ctx, testToken) },
			reply: ok(checkoutDetailsJSON), method: http.MethodGet, path: "/v2/checkouts/" + testToken, oasPath: "/v2/checkouts/{token}",
			want: &CheckoutDetails{
				Token: testToken, Expires: utc(2020, 6, 4, 17, 20, 49, 347),
				RedirectCheckoutURL: "https://portal.sandbox.afterpay.com/us/checkout/?token=" + testToken,
				Amount:              usd(4990),
				Consumer:            Consumer{Email: "joe.consumer@example.com", GivenNames: "Joe", Surname: "Consumer", PhoneNumber: "+1 555 0100"},
				MerchantReference:   "S00042",
				Merchant: MerchantURLs{
					RedirectConfirmURL: "https://shop.example.com/afterpay/confirm",
					RedirectCancelURL:  "https://shop.example.com/afterpay/cancel",
				},
				Items: []Item{{Name: "Blue Shirt", SKU: "FURN_0269", Quantity: 2, Price: usd(1995)}},
				Mode:  ModeStandard,
			},
		},
		{
			name: "capture full payment, approved",
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.CapturePayment(ctx, &CaptureRequest{Token: testToken, MerchantReference: "S00042"})
			},
			reply: created(paymentCapturedJSON), method: http.MethodPost, path: "/v2/payments/capture", oasPath: "/v2/payments/capture",
			body:  `{"token":"` + testToken + `","merchantReference":"S00042"}`,
			money: true, want: wantCapturedPayment(),
		},
		{
			name: "capture full payment, declined is 201 DECLINED",
			call: func(ctx context.Context, c *Client) (any, error) {
				p, err := c.CapturePayment(ctx, &CaptureRequest{Token: testToken})
				if err != nil {
					return nil, err
				}
				return []any{p.Status, p.PaymentState, p.Declined(), p.Approved()}, nil
			},
			reply: created(paymentCaptureDeclinedJSON), method: http.MethodPost, path: "/v2/payments/capture", oasPath: "/v2/payments/capture",
			body: `{"token":"` + testToken + `"}`, money: true,
			want: []any{"DECLINED", "CAPTURE_DECLINED", true, false},
		},
		{
			name: "auth, approved",
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.Auth(ctx, &AuthRequest{RequestID: "f3f1c5de-6a9e-4a59-9a39-8f0c1d2e3f40", Token: testToken, MerchantReference: "S00043"})
			},
			reply: created(paymentAuthApprovedJSON), method: http.MethodPost, path: "/v2/payments/auth", oasPath: "/v2/payments/auth",
			body:  `{"requestId":"f3f1c5de-6a9e-4a59-9a39-8f0c1d2e3f40","token":"` + testToken + `","merchantReference":"S00043"}`,
			money: true, want: wantAuthApprovedPayment(),
		},
		{
			name: "auth, declined is 402 with a DECLINED payment",
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.Auth(ctx, &AuthRequest{RequestID: "f3f1c5de-6a9e-4a59-9a39-8f0c1d2e3f41", Token: testToken})
			},
			reply:  reply{status: http.StatusPaymentRequired, header: map[string]string{"Content-Type": "application/json"}, body: paymentAuthDeclinedJSON},
			method: http.MethodPost, path: "/v2/payments/auth", oasPath: "/v2/payments/auth",
			body:  `{"requestId":"f3f1c5de-6a9e-4a59-9a39-8f0c1d2e3f41","token":"` + testToken + `"}`,
			money: true, want: wantAuthDeclinedPayment(),
		},
		{
			name: "capture deferred, partial",
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.CaptureDeferred(ctx, "100203444519", &DeferredCaptureRequest{
					RequestID: "0b4b0c2e-4a8f-4b0a-9b53-6f1f0e2d3c4b", Amount: usd(200), PaymentEventMerchantReference: "INV-2023-0001",
				})
			},
			reply: created(paymentPartlyCapturedJSON), method: http.MethodPost, path: "/v2/payments/100203444519/capture",
			oasPath: "/v2/payments/{orderId}/capture",
			body:    `{"requestId":"0b4b0c2e-4a8f-4b0a-9b53-6f1f0e2d3c4b","amount":{"amount":"2.00","currency":"USD"},"paymentEventMerchantReference":"INV-2023-0001"}`,
			money:   true, want: wantPartlyCapturedPayment(),
		},
		{
			name: "void, partial with reason",
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.Void(ctx, "100203444519", &VoidRequest{RequestID: "9c1d2e3f-4a5b-4c6d-8e7f-8091a2b3c4d5", Amount: ptr(usd(200)), Reason: VoidReasonCancelledItems})
			},
			reply: created(paymentVoidedPartlyJSON), method: http.MethodPost, path: "/v2/payments/100203444519/void",
			oasPath: "/v2/payments/{orderId}/void",
			body:    `{"requestId":"9c1d2e3f-4a5b-4c6d-8e7f-8091a2b3c4d5","amount":{"amount":"2.00","currency":"USD"},"reason":"cancelledItems"}`,
			money:   true, want: wantVoidedPartlyPayment(),
		},
		{
			name: "void, full open amount",
			call: func(ctx context.Context, c *Client) (any, error) {
				p, err := c.Void(ctx, "100203444519", nil)
				if err != nil {
					return nil, err
				}
				return p.ID, nil
			},
			reply: created(paymentVoidedPartlyJSON), method: http.MethodPost, path: "/v2/payments/100203444519/void",
			oasPath: "/v2/payments/{orderId}/void", body: `{}`, money: true, want: "100203444519",
		},
		{
			name: "refund (reference example)",
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.Refund(ctx, "300000016189", &RefundRequest{
					RequestID: "956946da-b3a8-4b3b-9d2f-0e5d8f6c4a11", Amount: usd(1000),
					MerchantReference: "merchantRefundId-1234", RefundMerchantReference: "merchantRefundId-1234",
				})
			},
			reply: created(refundJSON), method: http.MethodPost, path: "/v2/payments/300000016189/refund",
			oasPath: "/v2/payments/{orderId}/refund",
			body:    `{"requestId":"956946da-b3a8-4b3b-9d2f-0e5d8f6c4a11","amount":{"amount":"10.00","currency":"USD"},"merchantReference":"merchantRefundId-1234","refundMerchantReference":"merchantRefundId-1234"}`,
			money:   true,
			want: &Refund{
				RequestID: "956946da-b3a8-4b3b-9d2f-0e5d8f6c4a11", Amount: usd(1000), MerchantReference: "merchantRefundId-1234",
				RefundID: "67890123", RefundedAt: utc(2024, 1, 1, 0, 0, 0, 0), RefundMerchantReference: "merchantRefundId-1234",
			},
		},
		{
			name:   "reverse payment by token",
			call:   func(ctx context.Context, c *Client) (any, error) { return nil, c.ReversePaymentByToken(ctx, testToken) },
			reply:  reply{status: http.StatusNoContent},
			method: http.MethodPost, path: "/v2/payments/token:" + testToken + "/reversal", oasPath: "/v2/payments/token:{token}/reversal",
			money: true,
		},
		{
			name:  "get payment by order id",
			call:  func(ctx context.Context, c *Client) (any, error) { return c.GetPayment(ctx, "300000016189") },
			reply: ok(paymentCapturedJSON), method: http.MethodGet, path: "/v2/payments/300000016189", oasPath: "/v2/payments/{orderId}",
			want: wantCapturedPayment(),
		},
		{
			name: "get payment escapes the order id",
			call: func(ctx context.Context, c *Client) (any, error) {
				p, err := c.GetPayment(ctx, "a/b?c")
				if err != nil {
					return nil, err
				}
				return p.ID, nil
			},
			reply: ok(paymentCapturedJSON), method: http.MethodGet, path: "/v2/payments/a%2Fb%3Fc", oasPath: "/v2/payments/{orderId}",
			want: "300000016189",
		},
		{
			name:  "get payment by token",
			call:  func(ctx context.Context, c *Client) (any, error) { return c.GetPaymentByToken(ctx, testToken) },
			reply: ok(paymentAuthApprovedJSON), method: http.MethodGet, path: "/v2/payments/token:" + testToken, oasPath: "/v2/payments/token:{token}",
			want: wantAuthApprovedPayment(),
		},
		{
			name: "update payment reference, 200 as the sandbox answers",
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.UpdatePaymentReference(ctx, "300000016189", "S00042")
			},
			reply: ok(paymentCapturedJSON), method: http.MethodPut, path: "/v2/payments/300000016189", oasPath: "/v2/payments/{orderId}",
			body: `{"merchantReference":"S00042"}`, want: wantCapturedPayment(),
		},
		{
			name: "update payment reference, 201 as the docs say",
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.UpdatePaymentReference(ctx, "300000016189", "S00042")
			},
			reply: created(paymentCapturedJSON), method: http.MethodPut, path: "/v2/payments/300000016189", oasPath: "/v2/payments/{orderId}",
			body: `{"merchantReference":"S00042"}`, want: wantCapturedPayment(),
		},
		{
			name: "update shipping courier",
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.UpdateShippingCourier(ctx, "300000016189", Courier{
					ShippedAt: time.Date(2023, 12, 6, 19, 0, 0, 0, time.FixedZone("AEDT", 11*3600)),
					Name:      "FEDEX", Tracking: "TRK1", Priority: PriorityExpress,
				})
			},
			reply: ok(paymentCapturedJSON), method: http.MethodPut, path: "/v2/payments/300000016189/courier",
			oasPath: "/v2/payments/{orderId}/courier",
			body:    `{"shippedAt":"2023-12-06T19:00:00+11:00","name":"FEDEX","tracking":"TRK1","priority":"EXPRESS"}`,
			want:    wantCapturedPayment(),
		},
		{
			name: "list payments with every parameter",
			call: func(ctx context.Context, c *Client) (any, error) {
				aest := time.FixedZone("AEST", 10*3600)
				return c.ListPayments(ctx, ListPaymentsParams{
					FromCreatedDate:    time.Date(2023, 12, 1, 0, 0, 0, 0, aest),
					ToCreatedDate:      time.Date(2023, 12, 31, 23, 59, 59, 0, time.UTC),
					IDs:                []string{"300000016189", "100203444519"},
					Tokens:             []string{testToken},
					MerchantReferences: []string{"S00042", "S00043"},
					Statuses:           []string{StatusApproved, StatusDeclined},
					OrderBy:            OrderByCreatedAt, Ascending: true,
					Limit: 2, Offset: 0, IncludeNextLink: true,
				})
			},
			reply: ok(paymentListJSON), method: http.MethodGet, path: "/v2/payments", oasPath: "/v2/payments",
			query: url.Values{
				"fromCreatedDate":    {"2023-12-01T00:00:00.000+10:00"},
				"toCreatedDate":      {"2023-12-31T23:59:59.000Z"},
				"ids":                {"300000016189", "100203444519"},
				"tokens":             {testToken},
				"merchantReferences": {"S00042", "S00043"},
				"statuses":           {"APPROVED", "DECLINED"},
				"orderBy":            {"createdAt"},
				"ascending":          {"true"},
				"limit":              {"2"},
				"includeNextLink":    {"true"},
			},
			rawQueryContains: []string{
				"fromCreatedDate=2023-12-01T00%3A00%3A00.000%2B10%3A00",
				"ids=300000016189&ids=100203444519",
				"statuses=APPROVED&statuses=DECLINED",
			},
			want: &PaymentList{
				TotalResults: 3, Offset: 0, Limit: 2,
				Results:     []Payment{*wantCapturedPayment(), *wantAuthApprovedPayment()},
				NextPageURL: "https://global-api-sandbox.afterpay.com/v2/payments?limit=2&cursor=eyJvZmZzZXQiOjJ9",
			},
		},
		{
			name: "list payments with defaults sends no query",
			call: func(ctx context.Context, c *Client) (any, error) {
				l, err := c.ListPayments(ctx, ListPaymentsParams{})
				if err != nil {
					return nil, err
				}
				return len(l.Results), nil
			},
			reply: ok(paymentListJSON), method: http.MethodGet, path: "/v2/payments", oasPath: "/v2/payments",
			want: 2,
		},
		{
			name:  "get dispute",
			call:  func(ctx context.Context, c *Client) (any, error) { return c.GetDispute(ctx, "dp_5kRZ4vJ9qS2x") },
			reply: ok(disputeJSON), method: http.MethodGet, path: "/v2/disputes/dp_5kRZ4vJ9qS2x", oasPath: "/v2/disputes/{dispute_id}",
			want: wantDispute(),
		},
		{
			name: "list disputes",
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.ListDisputes(ctx, ListDisputesParams{
					Status: DisputeNeedsResponse, Order: testToken,
					OpenedAfter: utc(2023, 12, 1, 0, 0, 0, 0), Offset: 10, Limit: 10,
				})
			},
			reply: ok(disputeListJSON), method: http.MethodGet, path: "/v2/disputes", oasPath: "/v2/disputes",
			query: url.Values{
				"status": {"needs_response"}, "order": {testToken},
				"openedAfter": {"2023-12-01T00:00:00.000Z"}, "offset": {"10"}, "limit": {"10"},
			},
			want: &DisputeList{Data: []Dispute{*wantDispute()}, Offset: 0, Limit: 10, Total: 1},
		},
	}
}

func TestEndpoints(t *testing.T) {
	for _, tc := range endpointCases() {
		t.Run(tc.name, func(t *testing.T) {
			f := newFakeAfterpay(t, func(*http.Request) reply { return tc.reply })
			rec := &deadlineRecorder{next: http.DefaultTransport.(*http.Transport).Clone()}
			c := newTestClient(t, f.srv.URL, func(cfg *Config) {
				cfg.HTTPClient = &http.Client{Transport: rec}
				cfg.Timeouts = Timeouts{Read: testReadTimeout, MoneyRead: testMoneyTimeout}
			})

			before := time.Now()
			got, err := tc.call(t.Context(), c)
			after := time.Now()
			require.NoError(t, err)

			r := f.last(t)
			require.Equal(t, tc.method, r.Method)
			require.Equal(t, tc.path, r.EscapedPath)

			// Headers every call carries.
			require.Equal(t, wantUserAgent(), r.Header.Get("User-Agent"))
			wantAccept := tc.accept
			if wantAccept == "" {
				wantAccept = "application/json"
			}
			require.Equal(t, wantAccept, r.Header.Get("Accept"))
			if tc.noAuth {
				require.Empty(t, r.Header.Values("Authorization"), "ping is unauthenticated")
			} else {
				require.Equal(t, wantAuthHeader, r.Header.Get("Authorization"))
			}
			if tc.method == http.MethodPost || tc.method == http.MethodPut {
				require.Equal(t, "application/json", r.Header.Get("Content-Type"))
			} else {
				require.Empty(t, r.Header.Get("Content-Type"))
			}

			// Query: repeated keys, no commas, no [].
			if tc.query == nil {
				require.Empty(t, r.RawQuery)
			} else {
				gotQuery, err := url.ParseQuery(r.RawQuery)
				require.NoError(t, err)
				require.Equal(t, tc.query, gotQuery)
				require.NotContains(t, r.RawQuery, "%5B", "array parameters must not use []")
				require.NotContains(t, r.RawQuery, "%2C", "array parameters must not be comma-joined")
			}
			for _, s := range tc.rawQueryContains {
				require.Contains(t, r.RawQuery, s)
			}

			if tc.body == "" {
				require.Empty(t, r.Body)
			} else {
				require.JSONEq(t, tc.body, string(r.Body))
			}

			// The call's deadline is the endpoint class's read timeout.
			timeout := testReadTimeout
			if tc.money {
				timeout = testMoneyTimeout
			}
			dl, has := rec.deadline()
			require.True(t, has, "every call must carry a deadline")
			require.False(t, dl.Before(before.Add(timeout)), "deadline %v shorter than %v", dl.Sub(before), timeout)
			require.False(t, dl.After(after.Add(timeout)), "deadline %v longer than %v", dl.Sub(after), timeout)

			if tc.want != nil {
				require.Equal(t, tc.want, got)
			}
		})
	}
}

func TestCallerDeadlineWinsWhenShorter(t *testing.T) {
	f := newFakeAfterpay(t, func(*http.Request) reply { return ok(paymentCapturedJSON) })
	rec := &deadlineRecorder{next: http.DefaultTransport.(*http.Transport).Clone()}
	c := newTestClient(t, f.srv.URL, func(cfg *Config) { cfg.HTTPClient = &http.Client{Transport: rec} })

	callerDeadline := time.Now().Add(2 * time.Second) // shorter than the 70 s money timeout
	ctx, cancel := context.WithDeadline(t.Context(), callerDeadline)
	defer cancel()
	_, err := c.CapturePayment(ctx, &CaptureRequest{Token: testToken})
	require.NoError(t, err)
	dl, has := rec.deadline()
	require.True(t, has)
	require.True(t, dl.Equal(callerDeadline), "want the caller's deadline, got %v", dl)
}

func TestPaymentHelpers(t *testing.T) {
	p := wantPartlyCapturedPayment()
	exp, ok := p.AuthExpiry()
	require.True(t, ok)
	require.Equal(t, utc(2023, 12, 12, 3, 6, 22, 412), exp)
	require.Equal(t, usd(200), p.CapturedAmount())
	require.Equal(t, usd(200), p.VoidedAmount())
	require.True(t, p.Approved())
	require.False(t, p.Declined())

	_, ok = wantCapturedPayment().AuthExpiry()
	require.False(t, ok, "an immediate-flow payment has no auth expiry")
	_, ok = wantAuthDeclinedPayment().AuthExpiry()
	require.False(t, ok, "a declined auth has no expiry")
}

func TestConfigurationAccepts(t *testing.T) {
	cfg := &Configuration{MinimumAmount: ptr(usd(1000)), MaximumAmount: usd(200000)}
	tests := []struct {
		total money.Money
		want  bool
	}{
		{usd(999), false},
		{usd(1000), true},
		{usd(200000), true},
		{usd(200001), false},
		{money.MustNew(5000, "AUD"), false},
	}
	for _, tt := range tests {
		require.Equal(t, tt.want, cfg.Accepts(tt.total), tt.total.String())
	}
	noMin := &Configuration{MaximumAmount: usd(200000)}
	require.True(t, noMin.Accepts(usd(1)))
	require.False(t, noMin.Accepts(usd(0)))
}

func TestTimestampVariants(t *testing.T) {
	want := utc(2023, 12, 5, 3, 6, 22, 583)
	for _, s := range []string{
		"2023-12-05T03:06:22.583Z",
		"2023-12-05T03:06:22.583+00:00",
		"2023-12-05T03:06:22.583+0000",
		"2023-12-05T14:06:22.583+11:00",
		"2023-12-05T03:06:22.583",
	} {
		got, err := parseTimestamp(s)
		require.NoError(t, err, s)
		require.True(t, want.Equal(got), "%s → %v", s, got)
	}
	zero, err := parseTimestamp("")
	require.NoError(t, err)
	require.True(t, zero.IsZero())
	_, err = parseTimestamp("yesterday")
	require.Error(t, err)
}

func TestDisputeMoney(t *testing.T) {
	d := wantDispute()
	m, err := d.Money("")
	require.NoError(t, err)
	require.Equal(t, usd(2000), m)

	d.Currency = ""
	m, err = d.Money("usd")
	require.NoError(t, err)
	require.Equal(t, usd(2000), m)

	d.Amount = "20.005"
	_, err = d.Money("USD")
	require.ErrorIs(t, err, money.ErrPrecision)
}

func TestDisputeNumericFields(t *testing.T) {
	body := strings.NewReplacer(`"amount" : "20.00"`, `"amount" : 20.00`, `"transactionAmount" : "20.00"`, `"transactionAmount" : 20`).Replace(disputeJSON)
	f := newFakeAfterpay(t, func(*http.Request) reply { return ok(body) })
	c := newTestClient(t, f.srv.URL)
	d, err := c.GetDispute(t.Context(), "dp_5kRZ4vJ9qS2x")
	require.NoError(t, err)
	require.Equal(t, "20.00", d.Amount, "numbers are kept as their text, never a float")
	require.Equal(t, "20", d.Meta.TransactionAmount)
}

func TestAllPaymentsPages(t *testing.T) {
	// Three payments served two per page by offset.
	pages := map[string]string{
		"":  `{"totalResults":3,"offset":0,"limit":2,"results":[` + paymentCapturedJSON + `,` + paymentAuthApprovedJSON + `]}`,
		"2": `{"totalResults":3,"offset":2,"limit":2,"results":[` + paymentAuthDeclinedJSON + `]}`,
	}
	f := newFakeAfterpay(t, func(r *http.Request) reply {
		body, found := pages[r.URL.Query().Get("offset")]
		if !found {
			return reply{status: http.StatusUnprocessableEntity, body: `{"errorCode":"error","errorId":"x","message":"bad offset","httpStatusCode":422}`}
		}
		return ok(body)
	})
	c := newTestClient(t, f.srv.URL)
	var ids []string
	for p, err := range c.AllPayments(t.Context(), ListPaymentsParams{Limit: 2}) {
		require.NoError(t, err)
		ids = append(ids, p.ID)
	}
	require.Equal(t, []string{"300000016189", "100203444519", "100203444520"}, ids)
	require.Equal(t, 2, f.count())

	// Stopping early makes no further request.
	before := f.count()
	for range c.AllPayments(t.Context(), ListPaymentsParams{Limit: 2}) {
		break
	}
	require.Equal(t, before+1, f.count())

	// An error is yielded once and ends the iteration.
	f.setReply(reply{status: http.StatusInternalServerError, body: `{"errorCode":"error","errorId":"e1","message":"boom","httpStatusCode":500}`})
	var errs int
	for p, err := range c.AllPayments(t.Context(), ListPaymentsParams{}) {
		require.Nil(t, p)
		require.Error(t, err)
		errs++
	}
	require.Equal(t, 1, errs)
}
