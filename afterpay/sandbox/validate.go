package sandbox

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/odoo-afterpay/bridge/money"
)

// afterpayCurrencies are the currencies a Money object may name at all; any
// other code, or a lower-case one, is invalid_object (afterpay-api.md §3.1).
var afterpayCurrencies = map[string]bool{"AUD": true, "NZD": true, "USD": true, "CAD": true, "GBP": true, "EUR": true}

func invalidObject(format string, args ...any) *apiErr {
	return errf(http.StatusUnprocessableEntity, "invalid_object", format, args...)
}

func invalidAmount(format string, args ...any) *apiErr {
	return errf(http.StatusUnprocessableEntity, "invalid_amount", format, args...)
}

// isNull reports whether raw is absent or JSON null.
func isNull(raw json.RawMessage) bool {
	t := bytes.TrimSpace(raw)
	return len(t) == 0 || string(t) == "null"
}

// parseMoney validates a Money object by the rules of afterpay-api.md §3.1:
//
//	amount missing or null            → invalid_object
//	more than 2 decimal places        → invalid_object
//	thousands comma ("1,000")         → invalid_amount
//	not a number ("FREE", "$2", "")   → invalid_object
//	currency missing                  → invalid_object
//	currency unknown or lower-case    → invalid_object
//	valid currency, not the merchant's→ foreignCode (unsupported_currency,
//	                                    or invalid_object for refunds)
//
// A JSON number as amount is invalid_object too (the schema says string).
func (s *Server) parseMoney(raw json.RawMessage, field, foreignCode string) (money.Money, *apiErr) {
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(raw, &obj); err != nil || obj == nil {
		return money.Money{}, invalidObject("%s must be a Money object", field)
	}
	amountRaw, currencyRaw := obj["amount"], obj["currency"]
	if isNull(amountRaw) {
		return money.Money{}, invalidObject("%s.amount Amount field required", field)
	}
	var amount string
	if err := json.Unmarshal(amountRaw, &amount); err != nil {
		return money.Money{}, invalidObject("%s.amount must be a string", field)
	}
	if strings.Contains(amount, ",") {
		return money.Money{}, invalidAmount("%s.amount %q is not a valid amount", field, amount)
	}
	minor, err := money.Parse(amount, "USD") // currency checked below
	if err != nil {
		if errors.Is(err, money.ErrPrecision) {
			return money.Money{}, invalidObject("%s.amount must have at most 2 decimal places", field)
		}
		return money.Money{}, invalidObject("%s.amount %q is not a number", field, amount)
	}
	if isNull(currencyRaw) {
		return money.Money{}, invalidObject("%s.currency Currency field required", field)
	}
	var currency string
	if err := json.Unmarshal(currencyRaw, &currency); err != nil || currency == "" {
		return money.Money{}, invalidObject("%s.currency Currency field required", field)
	}
	if !afterpayCurrencies[currency] {
		return money.Money{}, invalidObject("%s.currency Currency not supported for this merchant", field)
	}
	if currency != s.opts.Currency {
		return money.Money{}, errf(http.StatusUnprocessableEntity, foreignCode, "%s.currency %s is not the merchant currency %s", field, currency, s.opts.Currency)
	}
	return money.Money{Minor: minor.Minor, Currency: currency}, nil
}

// optionalMoney is parseMoney for a field that may be absent.
func (s *Server) optionalMoney(raw json.RawMessage, field, foreignCode string) (*money.Money, *apiErr) {
	if isNull(raw) {
		return nil, nil
	}
	m, e := s.parseMoney(raw, field, foreignCode)
	if e != nil {
		return nil, e
	}
	return &m, nil
}

// decode unmarshals a request body; a field of the wrong JSON type is
// invalid_object (the body was already checked to be valid JSON).
func decode(body []byte, v any) *apiErr {
	if len(body) == 0 {
		return nil
	}
	if err := json.Unmarshal(body, v); err != nil {
		var typeErr *json.UnmarshalTypeError
		if errors.As(err, &typeErr) {
			return invalidObject("%s has the wrong type (%s)", typeErr.Field, typeErr.Value)
		}
		return invalidObject("invalid request: %v", err)
	}
	return nil
}

func tooLong(field, v string, max int) *apiErr {
	if utf8.RuneCountInString(v) > max {
		return invalidObject("%s must be at most %d characters", field, max)
	}
	return nil
}

// firstErr returns the first non-nil error.
func firstErr(errs ...*apiErr) *apiErr {
	for _, e := range errs {
		if e != nil {
			return e
		}
	}
	return nil
}

// checkoutRequest is the create-checkout body before validation; Money fields
// stay raw so that their errors can be reported as Afterpay does.
type checkoutRequest struct {
	Amount            json.RawMessage   `json:"amount"`
	Consumer          *consumerJSON     `json:"consumer"`
	Billing           *contactJSON      `json:"billing"`
	Shipping          *contactJSON      `json:"shipping"`
	Merchant          *merchantJSON     `json:"merchant"`
	MerchantReference string            `json:"merchantReference"`
	Items             []itemRequest     `json:"items"`
	Discounts         []discountRequest `json:"discounts"`
	TaxAmount         json.RawMessage   `json:"taxAmount"`
	ShippingAmount    json.RawMessage   `json:"shippingAmount"`
	Courier           *courierJSON      `json:"courier"`
	Description       string            `json:"description"`
	Mode              string            `json:"mode"`
}

type itemRequest struct {
	Name                  string          `json:"name"`
	SKU                   string          `json:"sku"`
	Quantity              *int32          `json:"quantity"`
	Price                 json.RawMessage `json:"price"`
	PageURL               string          `json:"pageUrl"`
	ImageURL              string          `json:"imageUrl"`
	Categories            [][]string      `json:"categories"`
	EstimatedShipmentDate string          `json:"estimatedShipmentDate"`
	Preorder              bool            `json:"preorder"`
}

type discountRequest struct {
	DisplayName string          `json:"displayName"`
	Amount      json.RawMessage `json:"amount"`
}

// maxItems is Afterpay's limit on items per checkout.
const maxItems = 100

var contactCountries = map[string]bool{"AU": true, "NZ": true, "US": true, "CA": true, "GB": true}

// validateCheckout turns a create-checkout body into checkoutData, applying
// the schema's required fields and lengths and the merchant's limits.
func (s *Server) validateCheckout(req checkoutRequest) (checkoutData, *apiErr) {
	var d checkoutData
	if isNull(req.Amount) {
		return d, invalidObject("amount is required")
	}
	amount, e := s.parseMoney(req.Amount, "amount", "unsupported_currency")
	if e != nil {
		return d, e
	}
	d.Amount = amount
	switch req.Mode {
	case "", "standard", "express":
		d.Mode = req.Mode
	default:
		return d, invalidObject("mode must be standard or express")
	}
	express := req.Mode == "express"
	if req.Consumer == nil && !express {
		return d, invalidObject("consumer is required")
	}
	if c := req.Consumer; c != nil {
		if e := firstErr(
			required("consumer.email", c.Email),
			tooLong("consumer.email", c.Email, 128),
			tooLong("consumer.givenNames", c.GivenNames, 128),
			tooLong("consumer.surname", c.Surname, 128),
			tooLong("consumer.phoneNumber", c.PhoneNumber, 32),
		); e != nil {
			return d, e
		}
		if !strings.Contains(c.Email, "@") {
			return d, invalidObject("consumer.email is not an email address")
		}
		d.Consumer = c
	}
	m := req.Merchant
	if m == nil {
		return d, invalidObject("merchant is required")
	}
	if express {
		if e := required("merchant.popupOriginUrl", m.PopupOriginURL); e != nil {
			return d, e
		}
	} else if e := firstErr(required("merchant.redirectConfirmUrl", m.RedirectConfirmURL), required("merchant.redirectCancelUrl", m.RedirectCancelURL)); e != nil {
		return d, e
	}
	for _, u := range []struct{ field, value string }{
		{"merchant.redirectConfirmUrl", m.RedirectConfirmURL},
		{"merchant.redirectCancelUrl", m.RedirectCancelURL},
		{"merchant.popupOriginUrl", m.PopupOriginURL},
	} {
		if u.value != "" && checkBaseURL(u.value) != nil {
			return d, invalidObject("%s must be an absolute URL", u.field)
		}
	}
	d.Merchant = m
	if e := firstErr(tooLong("merchantReference", req.MerchantReference, 128), tooLong("description", req.Description, 256)); e != nil {
		return d, e
	}
	d.MerchantReference, d.Description = req.MerchantReference, req.Description
	if e := firstErr(validateContact("billing", req.Billing), validateContact("shipping", req.Shipping)); e != nil {
		return d, e
	}
	d.Billing, d.Shipping = req.Billing, req.Shipping
	if len(req.Items) > maxItems {
		return d, invalidObject("items must not contain more than %d items", maxItems)
	}
	for i, it := range req.Items {
		field := fmt.Sprintf("items[%d]", i)
		if e := firstErr(required(field+".name", it.Name), tooLong(field+".name", it.Name, 255),
			tooLong(field+".pageUrl", it.PageURL, 2048), tooLong(field+".imageUrl", it.ImageURL, 2048)); e != nil {
			return d, e
		}
		if it.Quantity == nil {
			return d, invalidObject("%s.quantity is required", field)
		}
		if *it.Quantity < 0 {
			return d, invalidObject("%s.quantity must not be negative", field)
		}
		if isNull(it.Price) {
			return d, invalidObject("%s.price is required", field)
		}
		price, e := s.parseMoney(it.Price, field+".price", "unsupported_currency")
		if e != nil {
			return d, e
		}
		if it.EstimatedShipmentDate != "" {
			if _, err := time.Parse(time.DateOnly, it.EstimatedShipmentDate); err != nil {
				return d, invalidObject("%s.estimatedShipmentDate must be a date (YYYY-MM-DD)", field)
			}
		}
		d.Items = append(d.Items, itemJSON{
			Name: it.Name, SKU: it.SKU, Quantity: *it.Quantity, Price: price, PageURL: it.PageURL,
			ImageURL: it.ImageURL, Categories: it.Categories, EstimatedShipmentDate: it.EstimatedShipmentDate, Preorder: it.Preorder,
		})
	}
	for i, dc := range req.Discounts {
		field := fmt.Sprintf("discounts[%d].amount", i)
		if isNull(dc.Amount) {
			return d, invalidObject("%s is required", field)
		}
		amt, e := s.parseMoney(dc.Amount, field, "unsupported_currency")
		if e != nil {
			return d, e
		}
		d.Discounts = append(d.Discounts, discountJSON{DisplayName: dc.DisplayName, Amount: amt})
	}
	if d.TaxAmount, e = s.optionalMoney(req.TaxAmount, "taxAmount", "unsupported_currency"); e != nil {
		return d, e
	}
	if d.ShippingAmount, e = s.optionalMoney(req.ShippingAmount, "shippingAmount", "unsupported_currency"); e != nil {
		return d, e
	}
	if req.Courier != nil {
		if e := validateCourier(*req.Courier); e != nil {
			return d, e
		}
		d.Courier = req.Courier
	}
	if amount.Minor < s.opts.MinimumAmount.Minor || amount.Minor > s.opts.MaximumAmount.Minor {
		return d, errf(http.StatusUnprocessableEntity, "unsupported_payment_type",
			"Order amount %s is outside the merchant's payment limits (%s to %s).", amount, s.opts.MinimumAmount.Amount(), s.opts.MaximumAmount.Amount())
	}
	return d, nil
}

func required(field, v string) *apiErr {
	if strings.TrimSpace(v) == "" {
		return invalidObject("%s is required", field)
	}
	return nil
}

func validateContact(name string, c *contactJSON) *apiErr {
	if c == nil {
		return nil
	}
	if e := firstErr(
		required(name+".name", c.Name), tooLong(name+".name", c.Name, 255),
		required(name+".line1", c.Line1), tooLong(name+".line1", c.Line1, 128),
		tooLong(name+".line2", c.Line2, 128),
		required(name+".area1", c.Area1), tooLong(name+".area1", c.Area1, 128),
		tooLong(name+".area2", c.Area2, 128),
		required(name+".region", c.Region), tooLong(name+".region", c.Region, 128),
		required(name+".postcode", c.Postcode), tooLong(name+".postcode", c.Postcode, 128),
		required(name+".countryCode", c.CountryCode),
		tooLong(name+".phoneNumber", c.PhoneNumber, 32),
	); e != nil {
		return e
	}
	if !contactCountries[c.CountryCode] {
		return invalidObject("%s.countryCode must be one of AU, NZ, US, CA, GB", name)
	}
	return nil
}

func validateCourier(c courierJSON) *apiErr {
	if c.ShippedAt != "" {
		if _, err := parseISOTime(c.ShippedAt); err != nil {
			return invalidObject("shippedAt must be an ISO 8601 date-time")
		}
	}
	switch c.Priority {
	case "", "STANDARD", "EXPRESS":
	default:
		return invalidObject("priority must be STANDARD or EXPRESS")
	}
	return tooLong("name", c.Name, 128)
}

// parseISOTime accepts the ISO 8601 forms clients send: RFC 3339 with or
// without fractional seconds, a local date-time taken as UTC, or a date.
func parseISOTime(v string) (time.Time, error) {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999", "2006-01-02T15:04", time.DateOnly} {
		if t, err := time.Parse(layout, v); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("sandbox: %q is not an ISO 8601 date-time", v)
}
