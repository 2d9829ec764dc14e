package odoo_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/odoo-afterpay/bridge/money"
	"github.com/odoo-afterpay/bridge/odoo"
)

// ReadSaleOrder reads an order in one web_read (Odoo 17+): the order with
// its lines, products, partners, countries and states. This scenario pins
// the shapes of web_read's answers the product relies on, and checks that
// ReadSaleOrder sees what reading each model with read() shows.

func init() {
	cscenarios = append(cscenarios, cscenario{"web_read", cWebRead})
}

// leaves is a web_read specification reading fields as they are.
func leaves(fields ...string) map[string]any {
	spec := map[string]any{}
	for _, f := range fields {
		spec[f] = map[string]any{}
	}
	return spec
}

// with adds sub-specifications to spec.
func with(spec map[string]any, kv ...any) map[string]any {
	for i := 0; i+1 < len(kv); i += 2 {
		spec[kv[i].(string)] = kv[i+1]
	}
	return spec
}

func fieldsOf(spec map[string]any) map[string]any { return map[string]any{"fields": spec} }

// shape describes a web_read value without its ids and names: the Go type
// of scalars (False as false), records as their fields' shapes.
func shape(v any) any {
	switch x := v.(type) {
	case bool:
		return x
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = shape(e)
		}
		return out
	case map[string]any:
		out := map[string]any{}
		for k, e := range x {
			out[k] = shape(e)
		}
		return out
	}
	return fmt.Sprintf("%T", v)
}

func cWebRead(t *testing.T, b *cbackend) observation {
	ctx := context.Background()
	obs := observation{}
	partner := b.customer(t, "Conformance Web Read", nil)
	shipping := b.customer(t, "Conformance Web Read Shipping", map[string]any{"type": "delivery", "parent_id": partner,
		"state_id": false, "email": false, "phone": false, "mobile": "+1 619 555 0199"})
	kettle := b.product(t, "Conformance Kettle", "CONF-KETTLE", cusd(2450), "consu", "order", b.tax10)
	teapot, err := b.c.Create(ctx, "product.product", map[string]any{"name": "Conformance Teapot", "default_code": false,
		"list_price": cusd(1999), "type": "consu", "invoice_policy": "order", "sale_ok": true, "taxes_id": []any{[]any{6, 0, []any{}}}}, nil)
	require.NoError(t, err)
	orderID, err := b.c.Create(ctx, "sale.order", map[string]any{"partner_id": partner, "order_line": []any{
		[]any{0, 0, map[string]any{"product_id": kettle, "product_uom_qty": 2}},
		[]any{0, 0, map[string]any{"display_type": "line_section", "name": "Extras"}},
		[]any{0, 0, map[string]any{"product_id": teapot, "product_uom_qty": 1, "discount": 10}},
	}}, nil)
	require.NoError(t, err)

	// ReadSaleOrder's own specification, with empty values of each type.
	address := fieldsOf(with(leaves("name", "email", "phone", "mobile", "street", "street2", "city", "zip"),
		"state_id", fieldsOf(leaves("code", "name")), "country_id", fieldsOf(leaves("code"))))
	spec := with(leaves("name", "state", "locked", "amount_untaxed", "amount_tax", "amount_total", "client_order_ref",
		"date_order", "company_id", "invoice_ids", "transaction_ids", "commitment_date", "origin"),
		"currency_id", fieldsOf(leaves("display_name")),
		"payment_term_id", fieldsOf(leaves("name")),
		"partner_id", address, "partner_invoice_id", address, "partner_shipping_id", address,
		"order_line", fieldsOf(with(leaves("name", "product_uom_qty", "price_unit", "price_subtotal", "price_tax", "price_total",
			"discount", "display_type", "is_delivery"), "product_id", fieldsOf(leaves("display_name", "default_code")))))
	recs, err := b.c.WebRead(ctx, "sale.order", []int64{orderID}, spec, nil)
	require.NoError(t, err)
	require.Len(t, recs, 1)
	rec := recs[0]
	obs["order"] = shape(map[string]any(rec))
	require.Equal(t, false, rec["payment_term_id"], "an empty many2one is False, sub-specification or not")
	require.IsType(t, int64(0), rec["company_id"], "a many2one without a sub-specification is a bare id")
	require.Equal(t, []any{}, rec["invoice_ids"])
	shippingRec, err := rec.Related("partner_shipping_id")
	require.NoError(t, err)
	require.Equal(t, shipping, shippingRec.ID())
	require.Equal(t, false, shippingRec["state_id"])
	lines, err := rec.RelatedList("order_line")
	require.NoError(t, err)
	require.Len(t, lines, 3)
	require.Equal(t, false, lines[1]["product_id"], "a section has no product")
	obs["values"] = observation{"section": map[string]any(lines[1]), "teapot SKU": lines[2]["product_id"].(map[string]any)["default_code"],
		"kettle": lines[0]["product_id"].(map[string]any)["display_name"], "currency": rec["currency_id"].(map[string]any)["display_name"]}
	delete(obs["values"].(observation)["section"].(map[string]any), "id")

	// x2many options: the lines in another order, only the first read.
	recs, err = b.c.WebRead(ctx, "sale.order", []int64{orderID}, map[string]any{"order_line": map[string]any{
		"fields": leaves("name"), "order": "id desc", "limit": 1}}, nil)
	require.NoError(t, err)
	require.Len(t, recs, 1)
	var read []string
	var ids []int64
	for _, l := range recs[0]["order_line"].([]any) {
		m := l.(map[string]any)
		ids = append(ids, m["id"].(int64))
		name, _ := m["name"].(string)
		read = append(read, name)
	}
	obs["lines by id desc, limit 1"] = read
	require.True(t, slices.IsSortedFunc(ids, func(a, b int64) int { return int(b - a) }), "%v", ids)
	require.Equal(t, []string{"Conformance Teapot", "", ""}, read)

	// Missing records are skipped, unless only ids are asked for.
	missing, err := b.c.WebRead(ctx, "sale.order", []int64{2_000_000_000}, leaves("name"), nil)
	require.NoError(t, err)
	idsOnly, err := b.c.WebRead(ctx, "sale.order", []int64{2_000_000_000}, map[string]any{}, nil)
	require.NoError(t, err)
	obs["missing"] = observation{"with fields": len(missing), "ids only": fmt.Sprint(idsOnly)}

	// Unknown fields: Odoo's ValueError, or a bare KeyError when there is
	// no record of the comodel to read (what the is_delivery probe knows).
	faults := observation{}
	for name, s := range map[string]map[string]any{
		"order":              leaves("x_conformance_nope"),
		"partner":            {"partner_id": fieldsOf(leaves("x_conformance_nope"))},
		"line":               {"order_line": fieldsOf(leaves("x_conformance_nope"))},
		"no invoices":        {"invoice_ids": fieldsOf(leaves("x_conformance_nope"))},
		"empty payment term": {"payment_term_id": fieldsOf(leaves("x_conformance_nope"))},
	} {
		_, err := b.c.WebRead(ctx, "sale.order", []int64{orderID}, s, nil)
		faults[name] = faultOf(err)
	}
	obs["unknown fields"] = faults
	require.Equal(t, observation{"code": 1, "kind": "application", "message": "KeyError: 'x_conformance_nope'"}, faults["no invoices"])

	// ReadSaleOrder equals the order read model by model.
	so, err := b.c.ReadSaleOrder(ctx, orderID)
	require.NoError(t, err)
	require.Equal(t, readSaleOrderByReads(t, b, orderID), so)
	var soLines []string
	for _, l := range so.Lines {
		soLines = append(soLines, fmt.Sprintf("%s|%s|%s|%s|%s|%s|%v", l.ProductName, l.SKU, l.Quantity, l.PriceUnit, l.PriceTotal, l.DisplayType, l.ProductID != 0))
	}
	obs["read sale order"] = observation{"lines": soLines, "shipping": so.ShippingAddress.Phone + " " + so.ShippingAddress.StateCode + "/" + so.ShippingAddress.CountryCode,
		"total": so.AmountTotal}
	return obs
}

// readSaleOrderByReads reads an order as ReadSaleOrder did before web_read:
// the order, its lines, products, partners, countries and states, one read
// each, decoded with the client's Record getters.
func readSaleOrderByReads(t *testing.T, b *cbackend, id int64) *odoo.SaleOrder {
	t.Helper()
	ctx := context.Background()
	read := func(model string, ids []int64, fields ...string) map[int64]odoo.Record {
		recs, err := b.c.Read(ctx, model, ids, fields, nil)
		require.NoError(t, err)
		out := map[int64]odoo.Record{}
		for _, r := range recs {
			out[r.ID()] = r
		}
		return out
	}
	d := recordReader{t: t}

	o := read("sale.order", []int64{id}, "name", "state", "locked", "currency_id", "amount_untaxed", "amount_tax", "amount_total",
		"client_order_ref", "date_order", "company_id", "partner_id", "partner_invoice_id", "partner_shipping_id", "order_line",
		"invoice_ids", "transaction_ids")[id]
	require.NotNil(t, o)
	cur := d.ref(o, "currency_id").Name
	term := read("sale.order", []int64{id}, "payment_term_id", odoo.FieldAfterpayCapture)[id]
	so := &odoo.SaleOrder{ID: id, Name: d.str(o, "name"), State: d.str(o, "state"), Locked: d.bool(o, "locked"), Currency: cur,
		PaymentTermID: d.ref(term, "payment_term_id").ID, PaymentTerm: d.ref(term, "payment_term_id").Name, CaptureMode: d.str(term, odoo.FieldAfterpayCapture),
		AmountUntaxed: d.money(o, "amount_untaxed", cur), AmountTax: d.money(o, "amount_tax", cur), AmountTotal: d.money(o, "amount_total", cur),
		ClientOrderRef: d.str(o, "client_order_ref"), DateOrder: d.time(o, "date_order"), CompanyID: d.ref(o, "company_id").ID,
		InvoiceIDs: d.ids(o, "invoice_ids"), TransactionIDs: d.ids(o, "transaction_ids")}

	lineIDs := d.ids(o, "order_line")
	lines := read("sale.order.line", lineIDs, "name", "product_id", "product_uom_qty", "price_unit", "price_subtotal", "price_tax",
		"price_total", "discount", "display_type", "is_delivery")
	var productIDs []int64
	for _, l := range lines {
		if p := d.ref(l, "product_id").ID; p != 0 {
			productIDs = append(productIDs, p)
		}
	}
	products := read("product.product", productIDs, "default_code")
	for _, lid := range lineIDs {
		l := lines[lid]
		p := d.ref(l, "product_id")
		line := odoo.OrderLine{ID: lid, Name: d.str(l, "name"), ProductID: p.ID, ProductName: p.Name, Quantity: d.decimal(l, "product_uom_qty"),
			PriceUnit: d.money(l, "price_unit", cur), PriceSubtotal: d.money(l, "price_subtotal", cur), PriceTax: d.money(l, "price_tax", cur),
			PriceTotal: d.money(l, "price_total", cur), DiscountPercent: d.decimal(l, "discount"), DisplayType: d.str(l, "display_type"),
			IsDelivery: d.bool(l, "is_delivery")}
		if p.ID != 0 {
			line.SKU = d.str(products[p.ID], "default_code")
		}
		so.Lines = append(so.Lines, line)
	}

	partnerIDs := []int64{d.ref(o, "partner_id").ID, d.ref(o, "partner_invoice_id").ID, d.ref(o, "partner_shipping_id").ID}
	partners := read("res.partner", partnerIDs, "name", "email", "phone", "mobile", "street", "street2", "city", "state_id", "zip", "country_id")
	address := func(pid int64) odoo.Partner {
		r := partners[pid]
		p := odoo.Partner{ID: pid, Name: d.str(r, "name"), Email: d.str(r, "email"), Phone: d.str(r, "phone"), Street: d.str(r, "street"),
			Street2: d.str(r, "street2"), City: d.str(r, "city"), Zip: d.str(r, "zip")}
		if p.Phone == "" {
			p.Phone = d.str(r, "mobile")
		}
		if state := d.ref(r, "state_id").ID; state != 0 {
			s := read("res.country.state", []int64{state}, "code", "name")[state]
			p.StateCode, p.StateName = d.str(s, "code"), d.str(s, "name")
		}
		if country := d.ref(r, "country_id").ID; country != 0 {
			p.CountryCode = d.str(read("res.country", []int64{country}, "code")[country], "code")
		}
		return p
	}
	so.Partner, so.InvoiceAddress, so.ShippingAddress = address(partnerIDs[0]), address(partnerIDs[1]), address(partnerIDs[2])
	return so
}

// recordReader decodes fields of read() answers, failing the test on a
// shape the client does not accept.
type recordReader struct{ t *testing.T }

func (d recordReader) str(r odoo.Record, f string) string {
	v, err := r.String(f)
	require.NoError(d.t, err, f)
	return v
}

func (d recordReader) bool(r odoo.Record, f string) bool {
	v, err := r.Bool(f)
	require.NoError(d.t, err, f)
	return v
}

func (d recordReader) ref(r odoo.Record, f string) odoo.Ref {
	v, err := r.Ref(f)
	require.NoError(d.t, err, f)
	return v
}

func (d recordReader) ids(r odoo.Record, f string) []int64 {
	v, err := r.IDs(f)
	require.NoError(d.t, err, f)
	return v
}

func (d recordReader) time(r odoo.Record, f string) time.Time {
	v, err := r.Time(f)
	require.NoError(d.t, err, f)
	return v
}

func (d recordReader) money(r odoo.Record, f, currency string) money.Money {
	v, err := r.Money(f, currency)
	require.NoError(d.t, err, f)
	return v
}

func (d recordReader) decimal(r odoo.Record, f string) string {
	v, err := r.Decimal(f)
	require.NoError(d.t, err, f)
	return v
}
