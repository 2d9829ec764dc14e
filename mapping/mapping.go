// Package mapping turns an Odoo sale order into an Afterpay checkout request,
// and decides, before Afterpay is called, whether the order can be paid with
// Afterpay at all. It is pure: the workflow runs it deterministically.
package mapping

import (
	"errors"
	"fmt"
	"strings"

	"github.com/go-playground/validator/v10"

	"github.com/odoo-afterpay/bridge/afterpay"
	"github.com/odoo-afterpay/bridge/money"
	"github.com/odoo-afterpay/bridge/odoo"
)

// Afterpay's limits from its v2 reference (§2.2, §3.1).
const (
	maxItems = 100
)

// Settings are the merchant-side parts of a checkout that do not come from
// the order.
type Settings struct {
	RedirectConfirmURL string `validate:"required,url"`
	RedirectCancelURL  string `validate:"required,url"`
}

// NotPayableError lists why an order cannot be paid with Afterpay, in words a
// merchant's staff can act on.
type NotPayableError struct {
	Order   string
	Reasons []string
}

func (e *NotPayableError) Error() string {
	return fmt.Sprintf("order %s cannot be paid with Afterpay: %s", e.Order, strings.Join(e.Reasons, "; "))
}

// Mapper maps and validates orders. It is safe for concurrent use.
type Mapper struct {
	validate *validator.Validate
}

// NewMapper builds a Mapper with its validation rules.
func NewMapper() *Mapper {
	return &Mapper{validate: validator.New(validator.WithRequiredStructEnabled())}
}

// checkoutFields is what Afterpay requires of a checkout; labelOf names each
// field as a merchant knows it.
type checkoutFields struct {
	Currency string `validate:"oneof=AUD NZD USD CAD GBP"`
	Total    int64  `validate:"gt=0"`
	Email    string `validate:"required,email,max=128"`
	Given    string `validate:"required,max=128"`
	Surname  string `validate:"required,max=128"`
	Phone    string `validate:"max=32"`
	Billing  address
	Shipping address
	Items    int    `validate:"gt=0"`
	Ref      string `validate:"required,max=128"`
}

type address struct {
	Name     string `validate:"required,max=255"`
	Line1    string `validate:"required,max=128"`
	Line2    string `validate:"max=128"`
	City     string `validate:"required,max=128"`
	Region   string `validate:"required,max=128"`
	Postcode string `validate:"required,max=128"`
	Country  string `validate:"required,oneof=AU NZ US CA GB"`
}

// Checkout maps order to an Afterpay checkout request. A *NotPayableError
// says why the order cannot be paid with Afterpay; any other error is a bug
// in the order data (such as mixed currencies).
func (m *Mapper) Checkout(order *odoo.SaleOrder, s Settings) (*afterpay.CheckoutRequest, error) {
	if err := m.validate.Struct(s); err != nil {
		return nil, fmt.Errorf("mapping: invalid settings: %w", err)
	}
	billing := toAddress(order.InvoiceAddress, order.Partner)
	shipping := toAddress(order.ShippingAddress, order.Partner)
	given, surname := splitName(order.Partner.Name)
	lines, err := splitLines(order)
	if err != nil {
		return nil, err
	}
	fields := checkoutFields{
		Currency: order.Currency, Total: order.AmountTotal.Minor,
		Email: order.Partner.Email, Given: given, Surname: surname, Phone: order.Partner.Phone,
		Billing: billing, Shipping: shipping, Items: len(lines.items) + len(lines.shipping), Ref: order.Name,
	}
	if reasons := m.explain(fields); len(reasons) > 0 {
		return nil, &NotPayableError{Order: order.Name, Reasons: reasons}
	}
	req := &afterpay.CheckoutRequest{
		Amount: order.AmountTotal,
		Consumer: afterpay.Consumer{
			Email: order.Partner.Email, GivenNames: given, Surname: surname, PhoneNumber: order.Partner.Phone,
		},
		Billing:           contact(billing, phoneOf(order.InvoiceAddress, order.Partner)),
		Shipping:          contact(shipping, phoneOf(order.ShippingAddress, order.Partner)),
		Merchant:          afterpay.MerchantURLs{RedirectConfirmURL: s.RedirectConfirmURL, RedirectCancelURL: s.RedirectCancelURL},
		MerchantReference: order.Name,
		Items:             lines.items,
		Discounts:         lines.discounts,
	}
	if order.AmountTax.Minor != 0 {
		tax := order.AmountTax
		req.TaxAmount = &tax
	}
	if lines.shippingTotal.Minor != 0 {
		ship := lines.shippingTotal
		req.ShippingAmount = &ship
	}
	return req, nil
}

// explain runs the validator and words each failure for a merchant.
func (m *Mapper) explain(f checkoutFields) []string {
	err := m.validate.Struct(f)
	var verrs validator.ValidationErrors
	if !errors.As(err, &verrs) {
		return nil
	}
	var reasons []string
	for _, fe := range verrs {
		label := labelOf(fe)
		value := fmt.Sprint(fe.Value())
		switch {
		case fe.Tag() == "required" && fe.StructField() == "Email":
			reasons = append(reasons, "the customer has no email address; Afterpay needs one to identify the customer")
		case fe.Tag() == "required":
			reasons = append(reasons, fmt.Sprintf("%s is missing", label))
		case fe.Tag() == "email":
			reasons = append(reasons, fmt.Sprintf("%s %q is not a valid email address", label, value))
		case fe.Tag() == "max":
			reasons = append(reasons, fmt.Sprintf("%s is longer than Afterpay accepts (%s characters at most)", label, fe.Param()))
		case fe.Tag() == "oneof" && fe.StructField() == "Currency":
			reasons = append(reasons, fmt.Sprintf("currency %s is not one Afterpay trades in (AUD, NZD, USD, CAD, GBP)", value))
		case fe.Tag() == "oneof" && fe.StructField() == "Country":
			reasons = append(reasons, fmt.Sprintf("%s is in country %q, where Afterpay is not offered (AU, NZ, US, CA, GB)", strings.TrimSuffix(label, ": country"), value))
		case fe.Tag() == "gt" && fe.StructField() == "Total":
			reasons = append(reasons, "the order total is zero or negative; there is nothing to pay")
		case fe.Tag() == "gt":
			reasons = append(reasons, "the order has no product lines")
		default:
			reasons = append(reasons, fmt.Sprintf("%s is invalid (%s)", label, fe.Tag()))
		}
	}
	return reasons
}

// labelOf names a field as the merchant sees it, e.g. "invoice address: city".
func labelOf(fe validator.FieldError) string {
	labels := map[string]string{
		"Currency": "currency", "Total": "order total", "Email": "customer email", "Given": "customer first name",
		"Surname": "customer last name", "Phone": "customer phone", "Items": "order lines", "Ref": "order reference",
		"Name": "name", "Line1": "street", "Line2": "street (second line)", "City": "city",
		"Region": "state or region", "Postcode": "ZIP or postcode", "Country": "country",
	}
	label := labels[fe.StructField()]
	ns := fe.StructNamespace() // checkoutFields.Billing.City
	switch {
	case strings.Contains(ns, ".Billing."):
		return "invoice address: " + label
	case strings.Contains(ns, ".Shipping."):
		return "delivery address: " + label
	}
	return label
}

func toAddress(p, fallback odoo.Partner) address {
	if p.ID == 0 {
		p = fallback
	}
	region := p.StateCode
	// Afterpay's schema requires a region, but British and New Zealand
	// addresses often have none; the town is what their couriers expect.
	if region == "" && (p.CountryCode == "GB" || p.CountryCode == "NZ") {
		region = p.City
	}
	return address{
		Name: p.Name, Line1: p.Street, Line2: p.Street2, City: p.City,
		Region: region, Postcode: p.Zip, Country: p.CountryCode,
	}
}

func phoneOf(p, fallback odoo.Partner) string {
	if p.Phone != "" {
		return p.Phone
	}
	return fallback.Phone
}

func contact(a address, phone string) *afterpay.Contact {
	return &afterpay.Contact{
		Name: a.Name, Line1: a.Line1, Line2: a.Line2, Area1: a.City, Region: a.Region,
		Postcode: a.Postcode, CountryCode: a.Country, PhoneNumber: phone,
	}
}

// splitName splits "Oscar Morgan" into given names and surname; a single
// word is used as both, because Afterpay requires both.
func splitName(name string) (given, surname string) {
	parts := strings.Fields(name)
	switch len(parts) {
	case 0:
		return "", ""
	case 1:
		return parts[0], parts[0]
	}
	return strings.Join(parts[:len(parts)-1], " "), parts[len(parts)-1]
}

type splitResult struct {
	items         []afterpay.Item
	discounts     []afterpay.Discount
	shipping      []odoo.OrderLine
	shippingTotal money.Money
}

// splitLines sorts the order lines into Afterpay items, discounts and
// shipping. Amounts follow the order's own tax mode: with tax-exclusive
// prices, items + shipping - discounts + tax = total; with tax-inclusive
// prices, items + shipping - discounts = total and the tax is informative.
func splitLines(order *odoo.SaleOrder) (splitResult, error) {
	var r splitResult
	r.shippingTotal = money.Money{Currency: order.Currency}
	for _, l := range order.Lines {
		if l.DisplayType != "" { // section and note lines carry no amount
			continue
		}
		inclusive := taxIncluded(l)
		net := l.PriceSubtotal
		if inclusive {
			net = l.PriceTotal
		}
		switch {
		case l.IsDelivery:
			sum, err := r.shippingTotal.Add(net)
			if err != nil {
				return r, fmt.Errorf("mapping: order %s line %q: %w", order.Name, l.Name, err)
			}
			r.shippingTotal = sum
			r.shipping = append(r.shipping, l)
		case net.Minor < 0:
			// A discount or coupon line (a negative-priced product).
			r.discounts = append(r.discounts, afterpay.Discount{DisplayName: truncate(l.Name, 128), Amount: money.Money{Minor: -net.Minor, Currency: net.Currency}})
		default:
			item, discount, err := itemOf(l, inclusive)
			if err != nil {
				return r, fmt.Errorf("mapping: order %s: %w", order.Name, err)
			}
			r.items = append(r.items, item)
			if discount != nil {
				r.discounts = append(r.discounts, *discount)
			}
		}
	}
	if len(r.items) > maxItems {
		r.items = collapseItems(r.items, order.Currency)
	}
	return r, nil
}

// taxIncluded tells whether a line's unit price already includes its tax:
// then the discounted gross equals price_total rather than price_subtotal.
func taxIncluded(l odoo.OrderLine) bool {
	if l.PriceTax.Minor == 0 {
		return false
	}
	qty, ok := l.WholeQuantity()
	if !ok {
		return false
	}
	gross := l.PriceUnit.Minor * int64(qty)
	if l.DiscountPercent != "" {
		// "12.5" percent as hundredths of a percent, without a float.
		if d, err := money.ParseDecimal(l.DiscountPercent, l.PriceUnit.Currency); err == nil && d.Minor > 0 {
			gross = (gross*(10000-d.Minor) + 5000) / 10000
		}
	}
	return abs(gross-l.PriceTotal.Minor) < abs(gross-l.PriceSubtotal.Minor)
}

func itemOf(l odoo.OrderLine, inclusive bool) (afterpay.Item, *afterpay.Discount, error) {
	net := l.PriceSubtotal
	if inclusive {
		net = l.PriceTotal
	}
	name := truncate(l.Name, 255)
	qty, whole := l.WholeQuantity()
	if !whole || qty <= 0 {
		// Afterpay counts whole items; a fractional quantity (2.5 kg) becomes
		// one item priced at the line's amount.
		return afterpay.Item{Name: truncate(l.Quantity+" × "+l.Name, 255), SKU: l.SKU, Quantity: 1, Price: net}, nil, nil
	}
	item := afterpay.Item{Name: name, SKU: l.SKU, Quantity: qty, Price: l.PriceUnit}
	gross := money.Money{Minor: l.PriceUnit.Minor * int64(qty), Currency: l.PriceUnit.Currency}
	off, err := gross.Sub(net)
	if err != nil {
		return item, nil, fmt.Errorf("line %q: %w", l.Name, err)
	}
	if off.Minor > 0 {
		label := "Discount on " + l.Name
		if l.DiscountPercent != "" {
			label = fmt.Sprintf("%s%% off %s", strings.TrimSuffix(l.DiscountPercent, ".0"), l.Name)
		}
		return item, &afterpay.Discount{DisplayName: truncate(label, 128), Amount: off}, nil
	}
	if off.Minor < 0 {
		// Odoo rounded the line up (or a price is tax-inclusive in a way the
		// unit price does not show): price the item at the line amount so the
		// breakdown still adds up to the total.
		return afterpay.Item{Name: name, SKU: l.SKU, Quantity: 1, Price: net}, nil, nil
	}
	return item, nil, nil
}

// collapseItems keeps the first maxItems-1 items and sums the rest into one,
// because Afterpay refuses checkouts with more than 100 items.
func collapseItems(items []afterpay.Item, currency string) []afterpay.Item {
	rest := money.Money{Currency: currency}
	for _, it := range items[maxItems-1:] {
		line := money.Money{Minor: it.Price.Minor * int64(it.Quantity), Currency: it.Price.Currency}
		rest, _ = rest.Add(line)
	}
	out := append([]afterpay.Item(nil), items[:maxItems-1]...)
	return append(out, afterpay.Item{Name: fmt.Sprintf("%d more items", len(items)-(maxItems-1)), Quantity: 1, Price: rest})
}

func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

func abs(v int64) int64 {
	if v < 0 {
		return -v
	}
	return v
}
