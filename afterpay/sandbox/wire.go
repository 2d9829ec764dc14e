package sandbox

import (
	"time"

	"github.com/odoo-afterpay/bridge/money"
)

// This file holds the simulator's own view of Afterpay's JSON (afterpay-api.md
// §2–§3), written independently of the product's client so that each can catch
// the other's mistakes.

// timeLayout is how Afterpay writes timestamps: ISO 8601, UTC, milliseconds.
const timeLayout = "2006-01-02T15:04:05.000Z"

func formatTime(t time.Time) string { return t.UTC().Format(timeLayout) }

// Payment states (paymentState) and statuses (status).
const (
	stateAuthApproved      = "AUTH_APPROVED"
	stateAuthDeclined      = "AUTH_DECLINED"
	statePartiallyCaptured = "PARTIALLY_CAPTURED"
	stateCaptured          = "CAPTURED"
	stateCaptureDeclined   = "CAPTURE_DECLINED"
	stateVoided            = "VOIDED"
	stateExpired           = "EXPIRED"
	// stateReversed is the v1 documentation's word for a reversed order;
	// the v2 state enums do not list it, so its use as paymentState is the
	// simulator's choice.
	stateReversed = "REVERSED"

	statusApproved = "APPROVED"
	statusDeclined = "DECLINED"
)

// Payment event types.
const (
	eventAuthApproved    = "AUTH_APPROVED"
	eventAuthDeclined    = "AUTH_DECLINED"
	eventCaptured        = "CAPTURED"
	eventCaptureDeclined = "CAPTURE_DECLINED"
	eventVoided          = "VOIDED"
	eventExpired         = "EXPIRED"
)

type consumerJSON struct {
	Email       string `json:"email"`
	GivenNames  string `json:"givenNames,omitempty"`
	Surname     string `json:"surname,omitempty"`
	PhoneNumber string `json:"phoneNumber,omitempty"`
}

type contactJSON struct {
	Name        string `json:"name"`
	Line1       string `json:"line1"`
	Line2       string `json:"line2,omitempty"`
	Area1       string `json:"area1"`
	Area2       string `json:"area2,omitempty"`
	Region      string `json:"region"`
	Postcode    string `json:"postcode"`
	CountryCode string `json:"countryCode"`
	PhoneNumber string `json:"phoneNumber,omitempty"`
}

type merchantJSON struct {
	RedirectConfirmURL string `json:"redirectConfirmUrl,omitempty"`
	RedirectCancelURL  string `json:"redirectCancelUrl,omitempty"`
	PopupOriginURL     string `json:"popupOriginUrl,omitempty"`
	Name               string `json:"name,omitempty"`
}

type courierJSON struct {
	ShippedAt string `json:"shippedAt,omitempty"`
	Name      string `json:"name,omitempty"`
	Tracking  string `json:"tracking,omitempty"`
	Priority  string `json:"priority,omitempty"`
}

type itemJSON struct {
	Name                  string      `json:"name"`
	SKU                   string      `json:"sku,omitempty"`
	Quantity              int32       `json:"quantity"`
	Price                 money.Money `json:"price"`
	PageURL               string      `json:"pageUrl,omitempty"`
	ImageURL              string      `json:"imageUrl,omitempty"`
	Categories            [][]string  `json:"categories,omitempty"`
	EstimatedShipmentDate string      `json:"estimatedShipmentDate,omitempty"`
	Preorder              bool        `json:"preorder,omitempty"`
}

type discountJSON struct {
	DisplayName string      `json:"displayName,omitempty"`
	Amount      money.Money `json:"amount"`
}

// checkoutData is a validated create-checkout request, kept to answer GET
// checkout and to fill orderDetails.
type checkoutData struct {
	Amount            money.Money    `json:"amount"`
	Consumer          *consumerJSON  `json:"consumer,omitempty"`
	Billing           *contactJSON   `json:"billing,omitempty"`
	Shipping          *contactJSON   `json:"shipping,omitempty"`
	Merchant          *merchantJSON  `json:"merchant,omitempty"`
	MerchantReference string         `json:"merchantReference,omitempty"`
	Items             []itemJSON     `json:"items,omitempty"`
	Discounts         []discountJSON `json:"discounts,omitempty"`
	TaxAmount         *money.Money   `json:"taxAmount,omitempty"`
	ShippingAmount    *money.Money   `json:"shippingAmount,omitempty"`
	Courier           *courierJSON   `json:"courier,omitempty"`
	Description       string         `json:"description,omitempty"`
	Mode              string         `json:"mode,omitempty"`
}

// checkoutResponseJSON is the 201 body of create checkout.
type checkoutResponseJSON struct {
	Token               string `json:"token"`
	Expires             string `json:"expires"`
	RedirectCheckoutURL string `json:"redirectCheckoutUrl"`
}

// getCheckoutJSON is GET /v2/checkouts/{token}: the request plus the response.
type getCheckoutJSON struct {
	checkoutResponseJSON
	checkoutData
}

type orderDetailsJSON struct {
	Consumer       *consumerJSON  `json:"consumer,omitempty"`
	Billing        *contactJSON   `json:"billing,omitempty"`
	Shipping       *contactJSON   `json:"shipping,omitempty"`
	Courier        *courierJSON   `json:"courier,omitempty"`
	Items          []itemJSON     `json:"items"`
	Discounts      []discountJSON `json:"discounts"`
	TaxAmount      *money.Money   `json:"taxAmount,omitempty"`
	ShippingAmount *money.Money   `json:"shippingAmount,omitempty"`
}

type eventJSON struct {
	ID      string `json:"id"`
	Created string `json:"created"`
	// Expires is set on AUTH_APPROVED only and null otherwise.
	Expires                       *string     `json:"expires"`
	Type                          string      `json:"type"`
	Amount                        money.Money `json:"amount"`
	PaymentEventMerchantReference string      `json:"paymentEventMerchantReference,omitempty"`
}

type refundJSON struct {
	RequestID               string      `json:"requestId,omitempty"`
	Amount                  money.Money `json:"amount"`
	MerchantReference       string      `json:"merchantReference,omitempty"`
	RefundID                string      `json:"refundId"`
	RefundedAt              string      `json:"refundedAt"`
	RefundMerchantReference string      `json:"refundMerchantReference,omitempty"`
}

type paymentJSON struct {
	ID                  string           `json:"id"`
	Token               string           `json:"token"`
	Status              string           `json:"status"`
	Created             string           `json:"created"`
	OriginalAmount      money.Money      `json:"originalAmount"`
	OpenToCaptureAmount money.Money      `json:"openToCaptureAmount"`
	PaymentState        string           `json:"paymentState"`
	MerchantReference   string           `json:"merchantReference,omitempty"`
	Refunds             []refundJSON     `json:"refunds"`
	OrderDetails        orderDetailsJSON `json:"orderDetails"`
	Events              []eventJSON      `json:"events"`
}

type listPaymentsJSON struct {
	TotalResults int           `json:"totalResults"`
	Offset       int           `json:"offset"`
	Limit        int           `json:"limit"`
	Results      []paymentJSON `json:"results"`
	NextPageURL  string        `json:"nextPageUrl,omitempty"`
}

type configurationJSON struct {
	MinimumAmount    *money.Money          `json:"minimumAmount,omitempty"`
	MaximumAmount    money.Money           `json:"maximumAmount"`
	PublicID         string                `json:"publicId,omitempty"`
	ConsumerLending  *consumerLendingJSON  `json:"consumerLending,omitempty"`
	PayByInstallment *payByInstallmentJSON `json:"payByInstallment,omitempty"`
}

type consumerLendingJSON struct {
	Enabled bool `json:"enabled"`
}

type payByInstallmentJSON struct {
	MinimumAmount money.Money `json:"minimumAmount"`
	MaximumAmount money.Money `json:"maximumAmount"`
}

// errorJSON is Afterpay's error body (afterpay-api.md §4).
type errorJSON struct {
	ErrorCode      string `json:"errorCode"`
	ErrorID        string `json:"errorId"`
	Message        string `json:"message"`
	HTTPStatusCode int    `json:"httpStatusCode"`
}
