package afterpay

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"time"

	"github.com/odoo-afterpay/bridge/money"
)

// maxCheckoutItems is the documented limit of items per checkout.
const maxCheckoutItems = 100

// CheckoutRequest is the body of Create Checkout (POST /v2/checkouts).
type CheckoutRequest struct {
	// Amount is the order total; it drives the instalment plan.
	Amount money.Money `json:"amount"`
	// Consumer is required except in express mode.
	Consumer Consumer `json:"consumer,omitzero"`
	Billing  *Contact `json:"billing,omitempty"`
	Shipping *Contact `json:"shipping,omitempty"`
	// Merchant carries the consumer's return URLs.
	Merchant MerchantURLs `json:"merchant"`
	// MerchantReference is the merchant's order reference (≤128).
	MerchantReference string `json:"merchantReference,omitempty"`
	// Items lists at most 100 order lines.
	Items          []Item       `json:"items,omitempty"`
	Discounts      []Discount   `json:"discounts,omitempty"`
	TaxAmount      *money.Money `json:"taxAmount,omitempty"`
	ShippingAmount *money.Money `json:"shippingAmount,omitempty"`
	Courier        *Courier     `json:"courier,omitempty"`
	// Description is deprecated by Afterpay (≤256).
	Description string `json:"description,omitempty"`
	// Mode is ModeStandard (default when empty) or ModeExpress.
	Mode string `json:"mode,omitempty"`
	// PurchaseCountry is the two-letter purchase country (SDK field).
	PurchaseCountry string `json:"purchaseCountry,omitempty"`
}

// MerchantURLs says where Afterpay sends the consumer back to.
type MerchantURLs struct {
	// RedirectConfirmURL receives "?&status=SUCCESS&orderToken=<token>".
	RedirectConfirmURL string `json:"redirectConfirmUrl"`
	// RedirectCancelURL receives status=CANCELLED.
	RedirectCancelURL string `json:"redirectCancelUrl"`
	// PopupOriginURL is required for express checkout.
	PopupOriginURL string `json:"popupOriginUrl,omitempty"`
	// Name is the merchant name shown to the consumer.
	Name string `json:"name,omitempty"`
}

// Checkout is the answer to Create Checkout.
type Checkout struct {
	// Token identifies the checkout; auth and capture take it.
	Token string `json:"token"`
	// Expires is when the token lapses (about 180 minutes after creation).
	Expires time.Time `json:"expires"`
	// RedirectCheckoutURL is where to send the consumer.
	RedirectCheckoutURL string `json:"redirectCheckoutUrl"`
}

// UnmarshalJSON decodes a Checkout, accepting the ISO 8601 variants Afterpay emits.
func (c *Checkout) UnmarshalJSON(b []byte) error {
	type plain Checkout
	aux := struct {
		*plain
		Expires timestamp `json:"expires"`
	}{plain: (*plain)(c)}
	if err := json.Unmarshal(b, &aux); err != nil {
		return err
	}
	c.Expires = aux.Expires.Time
	return nil
}

// CheckoutDetails is the answer to Get Checkout: the checkout request as
// Afterpay stored it plus the token fields.
type CheckoutDetails struct {
	Token               string       `json:"token"`
	Expires             time.Time    `json:"expires"`
	RedirectCheckoutURL string       `json:"redirectCheckoutUrl"`
	Amount              money.Money  `json:"amount"`
	Consumer            Consumer     `json:"consumer"`
	MerchantReference   string       `json:"merchantReference,omitempty"`
	Billing             *Contact     `json:"billing,omitempty"`
	Shipping            *Contact     `json:"shipping,omitempty"`
	Merchant            MerchantURLs `json:"merchant"`
	Items               []Item       `json:"items,omitempty"`
	Courier             *Courier     `json:"courier,omitempty"`
	TaxAmount           *money.Money `json:"taxAmount,omitempty"`
	ShippingAmount      *money.Money `json:"shippingAmount,omitempty"`
	Discounts           []Discount   `json:"discounts,omitempty"`
	Description         string       `json:"description,omitempty"`
	Mode                string       `json:"mode,omitempty"`
}

// UnmarshalJSON decodes CheckoutDetails, accepting the ISO 8601 variants
// Afterpay emits.
func (c *CheckoutDetails) UnmarshalJSON(b []byte) error {
	type plain CheckoutDetails
	aux := struct {
		*plain
		Expires timestamp `json:"expires"`
	}{plain: (*plain)(c)}
	if err := json.Unmarshal(b, &aux); err != nil {
		return err
	}
	c.Expires = aux.Expires.Time
	return nil
}

// CreateCheckout starts a checkout (POST /v2/checkouts) and returns the token
// and the URL to send the consumer to.
func (c *Client) CreateCheckout(ctx context.Context, req *CheckoutRequest) (*Checkout, error) {
	const endpoint = "POST /v2/checkouts"
	if err := req.validate(endpoint); err != nil {
		return nil, err
	}
	var out Checkout
	err := c.do(ctx, &request{method: http.MethodPost, path: "/v2/checkouts", body: req, class: classRead}, &out)
	if err != nil {
		return nil, err
	}
	return &out, nil
}

func (req *CheckoutRequest) validate(endpoint string) error {
	if req == nil {
		return validationErr(endpoint, "body", "is required")
	}
	if err := requirePositive(endpoint, "amount", req.Amount); err != nil {
		return err
	}
	if req.Mode == ModeExpress {
		if req.Merchant.PopupOriginURL == "" {
			return validationErr(endpoint, "merchant.popupOriginUrl", "is required in express mode")
		}
	} else {
		if req.Consumer.Email == "" {
			return validationErr(endpoint, "consumer.email", "is required")
		}
		if req.Merchant.RedirectConfirmURL == "" {
			return validationErr(endpoint, "merchant.redirectConfirmUrl", "is required")
		}
		if req.Merchant.RedirectCancelURL == "" {
			return validationErr(endpoint, "merchant.redirectCancelUrl", "is required")
		}
	}
	if len(req.Items) > maxCheckoutItems {
		return validationErr(endpoint, "items", "holds "+strconv.Itoa(len(req.Items))+" entries, at most 100 are allowed")
	}
	return nil
}

// GetCheckout reads a checkout by token (GET /v2/checkouts/{token}). Afterpay
// answers 412 once the token is used, expired or unknown.
func (c *Client) GetCheckout(ctx context.Context, token string) (*CheckoutDetails, error) {
	seg, err := pathSegment("GET /v2/checkouts/{token}", "token", token)
	if err != nil {
		return nil, err
	}
	var out CheckoutDetails
	if err := c.do(ctx, &request{method: http.MethodGet, path: "/v2/checkouts/" + seg, class: classRead}, &out); err != nil {
		return nil, err
	}
	return &out, nil
}
