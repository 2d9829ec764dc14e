package mapping

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/odoo-afterpay/bridge/afterpay"
	"github.com/odoo-afterpay/bridge/money"
	"github.com/odoo-afterpay/bridge/odoo"
)

func usd(minor int64) money.Money { return money.MustNew(minor, "USD") }

var settings = Settings{
	RedirectConfirmURL: "https://api.example.com/afterpay/return?order=S00042",
	RedirectCancelURL:  "https://api.example.com/afterpay/return?order=S00042",
}

func customer() odoo.Partner {
	return odoo.Partner{
		ID: 7, Name: "Mary Jane Watson", Email: "mj@example.com", Phone: "+1 555 0100",
		Street: "20 Ingram St", Street2: "Apt 3", City: "Forest Hills", StateCode: "NY", Zip: "11375", CountryCode: "US",
	}
}

func order(lines ...odoo.OrderLine) *odoo.SaleOrder {
	o := &odoo.SaleOrder{ID: 42, Name: "S00042", State: "sale", Currency: "USD",
		Partner: customer(), InvoiceAddress: customer(), ShippingAddress: customer(), Lines: lines}
	for _, l := range lines {
		if l.DisplayType != "" {
			continue
		}
		o.AmountUntaxed.Minor += l.PriceSubtotal.Minor
		o.AmountTax.Minor += l.PriceTax.Minor
		o.AmountTotal.Minor += l.PriceTotal.Minor
	}
	o.AmountUntaxed.Currency, o.AmountTax.Currency, o.AmountTotal.Currency = "USD", "USD", "USD"
	return o
}

// line builds an order line; tax is per line, inclusive says whether the unit
// price includes it.
func line(name string, qty string, unit, subtotal, tax int64) odoo.OrderLine {
	return odoo.OrderLine{Name: name, SKU: strings.ToUpper(name[:3]), Quantity: qty,
		PriceUnit: usd(unit), PriceSubtotal: usd(subtotal), PriceTax: usd(tax), PriceTotal: usd(subtotal + tax)}
}

// sumCheck verifies the breakdown adds up to the total, the way Afterpay
// shows it to the customer.
func sumCheck(t *testing.T, req *afterpay.CheckoutRequest, taxIncluded bool) {
	t.Helper()
	var sum int64
	for _, it := range req.Items {
		sum += it.Price.Minor * int64(it.Quantity)
	}
	for _, d := range req.Discounts {
		sum -= d.Amount.Minor
	}
	if req.ShippingAmount != nil {
		sum += req.ShippingAmount.Minor
	}
	if !taxIncluded && req.TaxAmount != nil {
		sum += req.TaxAmount.Minor
	}
	if sum != req.Amount.Minor {
		t.Fatalf("breakdown adds to %d, total is %d: %+v", sum, req.Amount.Minor, req)
	}
}

func TestTaxExcludedOrder(t *testing.T) {
	o := order(
		line("Desk", "1.0", 25000, 25000, 2500),
		line("Chair", "2.0", 4999, 9998, 1000),
	)
	req, err := NewMapper().Checkout(o, settings)
	if err != nil {
		t.Fatal(err)
	}
	if req.Amount != usd(38498) || req.TaxAmount == nil || *req.TaxAmount != usd(3500) {
		t.Fatalf("amount %v tax %v", req.Amount, req.TaxAmount)
	}
	if len(req.Items) != 2 || req.Items[1].Quantity != 2 || req.Items[1].Price != usd(4999) || req.Items[1].SKU != "CHA" {
		t.Fatalf("items %+v", req.Items)
	}
	if req.Consumer.GivenNames != "Mary Jane" || req.Consumer.Surname != "Watson" || req.Consumer.Email != "mj@example.com" {
		t.Fatalf("consumer %+v", req.Consumer)
	}
	if req.Billing.Area1 != "Forest Hills" || req.Billing.Region != "NY" || req.Shipping.Line2 != "Apt 3" || req.Shipping.CountryCode != "US" {
		t.Fatalf("addresses %+v %+v", req.Billing, req.Shipping)
	}
	if req.MerchantReference != "S00042" || req.Merchant.RedirectConfirmURL != settings.RedirectConfirmURL {
		t.Fatalf("merchant %+v ref %q", req.Merchant, req.MerchantReference)
	}
	sumCheck(t, req, false)
}

func TestTaxIncludedOrder(t *testing.T) {
	// AU GST is included in shelf prices: 110.00 includes 10.00 GST.
	o := order(line("Lamp", "1.0", 11000, 10000, 1000))
	o.Currency = "AUD"
	for _, m := range []*money.Money{&o.AmountTotal, &o.AmountTax, &o.AmountUntaxed, &o.Lines[0].PriceUnit, &o.Lines[0].PriceSubtotal, &o.Lines[0].PriceTax, &o.Lines[0].PriceTotal} {
		m.Currency = "AUD"
	}
	o.Partner.CountryCode, o.Partner.StateCode = "AU", "NSW"
	o.InvoiceAddress, o.ShippingAddress = o.Partner, o.Partner
	req, err := NewMapper().Checkout(o, settings)
	if err != nil {
		t.Fatal(err)
	}
	if req.Items[0].Price != money.MustNew(11000, "AUD") || len(req.Discounts) != 0 {
		t.Fatalf("a tax-inclusive unit price is shown as is: %+v %+v", req.Items, req.Discounts)
	}
	sumCheck(t, req, true)
}

func TestDiscountsAndShipping(t *testing.T) {
	discounted := line("Sofa", "2.0", 50000, 90000, 9000) // 10 % off two sofas
	discounted.DiscountPercent = "10.0"
	coupon := line("Welcome coupon", "1.0", -2000, -2000, -200)
	shipping := line("Standard delivery", "1.0", 1500, 1500, 0)
	shipping.IsDelivery = true
	section := odoo.OrderLine{Name: "Living room", DisplayType: "line_section"}
	o := order(section, discounted, coupon, shipping)
	req, err := NewMapper().Checkout(o, settings)
	if err != nil {
		t.Fatal(err)
	}
	if len(req.Items) != 1 || req.Items[0].Price != usd(50000) || req.Items[0].Quantity != 2 {
		t.Fatalf("items %+v", req.Items)
	}
	if len(req.Discounts) != 2 || req.Discounts[0].Amount != usd(10000) || req.Discounts[0].DisplayName != "10% off Sofa" ||
		req.Discounts[1].Amount != usd(2000) || req.Discounts[1].DisplayName != "Welcome coupon" {
		t.Fatalf("discounts %+v", req.Discounts)
	}
	if req.ShippingAmount == nil || *req.ShippingAmount != usd(1500) {
		t.Fatalf("shipping %v", req.ShippingAmount)
	}
	sumCheck(t, req, false)
}

func TestRoundingKeepsTheTotalExact(t *testing.T) {
	// 3 × 3.33 with 8.875 % tax: Odoo rounds per line; the total is Odoo's.
	o := order(line("Pen", "3.0", 333, 999, 89))
	req, err := NewMapper().Checkout(o, settings)
	if err != nil {
		t.Fatal(err)
	}
	if req.Amount != usd(1088) {
		t.Fatalf("amount %v, want Odoo's 10.88", req.Amount)
	}
	sumCheck(t, req, false)
}

func TestFractionalQuantityBecomesOneItem(t *testing.T) {
	o := order(line("Cheese (kg)", "2.5", 2000, 5000, 0))
	req, err := NewMapper().Checkout(o, settings)
	if err != nil {
		t.Fatal(err)
	}
	if len(req.Items) != 1 || req.Items[0].Quantity != 1 || req.Items[0].Price != usd(5000) || !strings.HasPrefix(req.Items[0].Name, "2.5 × ") {
		t.Fatalf("items %+v", req.Items)
	}
	sumCheck(t, req, false)
}

func TestMissingPhoneIsFine(t *testing.T) {
	o := order(line("Desk", "1.0", 25000, 25000, 0))
	o.Partner.Phone, o.InvoiceAddress.Phone, o.ShippingAddress.Phone = "", "", ""
	req, err := NewMapper().Checkout(o, settings)
	if err != nil {
		t.Fatal(err)
	}
	if req.Consumer.PhoneNumber != "" {
		t.Fatalf("phone %q", req.Consumer.PhoneNumber)
	}
}

func TestBritishAddressWithoutCounty(t *testing.T) {
	o := order(line("Desk", "1.0", 25000, 25000, 0))
	o.Partner.CountryCode, o.Partner.StateCode, o.Partner.City = "GB", "", "Leeds"
	o.InvoiceAddress, o.ShippingAddress = o.Partner, o.Partner
	o.Currency = "GBP"
	req, err := NewMapper().Checkout(o, settings)
	if err != nil {
		t.Fatal(err)
	}
	if req.Billing.Region != "Leeds" {
		t.Fatalf("region %q", req.Billing.Region)
	}
}

func TestNotPayableReasonsAreForMerchants(t *testing.T) {
	tests := []struct {
		name   string
		change func(o *odoo.SaleOrder)
		want   []string
	}{
		{"unsupported currency", func(o *odoo.SaleOrder) { o.Currency = "EUR" }, []string{"currency EUR is not one Afterpay trades in"}},
		{"unsupported country", func(o *odoo.SaleOrder) { o.ShippingAddress.CountryCode = "FR" },
			[]string{`delivery address is in country "FR", where Afterpay is not offered`}},
		{"no email", func(o *odoo.SaleOrder) { o.Partner.Email = "" }, []string{"the customer has no email address"}},
		{"bad email", func(o *odoo.SaleOrder) { o.Partner.Email = "mj at example" }, []string{`customer email "mj at example" is not a valid email address`}},
		{"missing street and zip", func(o *odoo.SaleOrder) { o.InvoiceAddress.Street, o.InvoiceAddress.Zip = "", "" },
			[]string{"invoice address: street is missing", "invoice address: ZIP or postcode is missing"}},
		{"missing state", func(o *odoo.SaleOrder) { o.ShippingAddress.StateCode = "" }, []string{"delivery address: state or region is missing"}},
		{"zero total", func(o *odoo.SaleOrder) { o.AmountTotal.Minor = 0 }, []string{"the order total is zero or negative"}},
		{"no lines", func(o *odoo.SaleOrder) { o.Lines = nil }, []string{"the order has no product lines"}},
		{"long phone", func(o *odoo.SaleOrder) { o.Partner.Phone = strings.Repeat("1", 40) },
			[]string{"customer phone is longer than Afterpay accepts (32 characters at most)"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := order(line("Desk", "1.0", 25000, 25000, 0))
			tt.change(o)
			_, err := NewMapper().Checkout(o, settings)
			var np *NotPayableError
			if !errors.As(err, &np) {
				t.Fatalf("err = %v, want *NotPayableError", err)
			}
			got := strings.Join(np.Reasons, "\n")
			for _, w := range tt.want {
				if !strings.Contains(got, w) {
					t.Errorf("reasons %q lack %q", got, w)
				}
			}
			if len(np.Reasons) != len(tt.want) {
				t.Errorf("reasons %q, want exactly %d", got, len(tt.want))
			}
		})
	}
}

func TestMoreThanAHundredItemsAreCollapsed(t *testing.T) {
	var lines []odoo.OrderLine
	for i := range 120 {
		lines = append(lines, line(fmt.Sprintf("Item %03d", i), "1.0", 100, 100, 0))
	}
	req, err := NewMapper().Checkout(order(lines...), settings)
	if err != nil {
		t.Fatal(err)
	}
	if len(req.Items) != 100 || req.Items[99].Name != "21 more items" || req.Items[99].Price != usd(2100) {
		t.Fatalf("got %d items, last %+v", len(req.Items), req.Items[len(req.Items)-1])
	}
	sumCheck(t, req, false)
}

func TestInvalidSettingsAreABug(t *testing.T) {
	_, err := NewMapper().Checkout(order(line("Desk", "1.0", 100, 100, 0)), Settings{})
	var np *NotPayableError
	if err == nil || errors.As(err, &np) {
		t.Fatalf("err = %v, want a settings error", err)
	}
}
