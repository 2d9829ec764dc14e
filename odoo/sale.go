package odoo

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/odoo-afterpay/bridge/money"
)

// SaleOrder is a sale.order with what an Afterpay checkout needs.
type SaleOrder struct {
	ID int64
	// Name is the order reference, e.g. "S00037".
	Name string
	// State is draft, sent, sale or cancel (Odoo 18 has no "done").
	State string
	// Locked is Odoo 18's separate lock flag.
	Locked bool
	// Currency is the ISO code of the order's currency.
	Currency                              string
	AmountUntaxed, AmountTax, AmountTotal money.Money
	ClientOrderRef                        string
	// DateOrder is in UTC.
	DateOrder time.Time
	CompanyID int64
	// Partner is the customer; InvoiceAddress and ShippingAddress are the
	// billing and delivery contacts (often the same partner).
	Partner, InvoiceAddress, ShippingAddress Partner
	Lines                                    []OrderLine
	InvoiceIDs, TransactionIDs               []int64
	// PaymentTermID, PaymentTerm and CaptureMode are as in OrderHeader.
	PaymentTermID int64
	PaymentTerm   string
	CaptureMode   string
}

// Header is what OrderHeader says of the order.
func (so *SaleOrder) Header() *OrderHeader {
	return &OrderHeader{ID: so.ID, Name: so.Name, State: so.State, Currency: so.Currency, AmountTotal: so.AmountTotal,
		PartnerID: so.Partner.ID, InvoiceIDs: so.InvoiceIDs, PaymentTermID: so.PaymentTermID, PaymentTerm: so.PaymentTerm,
		CaptureMode: so.CaptureMode}
}

// Partner is a res.partner address.
type Partner struct {
	ID                        int64
	Name, Email, Phone        string
	Street, Street2, City     string
	StateCode, StateName, Zip string
	CountryCode               string
}

// OrderLine is a sale.order.line.
type OrderLine struct {
	ID   int64
	Name string
	// ProductID is 0 for section and note lines.
	ProductID int64
	// ProductName is the product's display name, e.g. "[FURN_8900] Drawer Black".
	ProductName string
	// SKU is the product's internal reference (default_code), "" if none.
	SKU string
	// Quantity is product_uom_qty as Odoo's decimal text, e.g. "2.0".
	Quantity string
	// PriceUnit is rounded to cents (Odoo keeps unit prices with more
	// digits); the subtotal, tax and total are Odoo's own monetary amounts.
	PriceUnit, PriceSubtotal, PriceTax, PriceTotal money.Money
	// DiscountPercent is the line discount as decimal text, e.g. "10.0".
	DiscountPercent string
	// IsDelivery marks a shipping line; always false without the delivery
	// module.
	IsDelivery bool
	// DisplayType is "" for product lines, "line_section" or "line_note" for
	// lines that carry no amount.
	DisplayType string
}

// WholeQuantity returns the quantity as an int32 when it is a whole number
// that fits (Afterpay item quantities are integers).
func (l OrderLine) WholeQuantity() (int32, bool) {
	intPart, frac, _ := strings.Cut(l.Quantity, ".")
	if strings.Trim(frac, "0") != "" {
		return 0, false
	}
	n, err := strconv.ParseInt(intPart, 10, 32)
	if err != nil {
		return 0, false
	}
	return int32(n), true
}

// The fields ReadSaleOrder reads as they are; the relational ones it
// follows are in saleOrderSpec.
var (
	saleOrderFields = []string{"name", "state", "locked", "amount_untaxed", "amount_tax", "amount_total",
		"client_order_ref", "date_order", "company_id", "invoice_ids", "transaction_ids"}
	orderLineFields = []string{"name", "product_uom_qty", "price_unit", "price_subtotal", "price_tax",
		"price_total", "discount", "display_type"}
	partnerFields = []string{"name", "email", "phone", "mobile", "street", "street2", "city", "zip"}
)

// saleOrderSpec is the web_read specification of ReadSaleOrder: the order;
// its currency's display name; its lines with their products' display names
// and SKUs; the customer, invoice and shipping addresses with their state
// and country codes. withDelivery adds the lines' is_delivery.
func saleOrderSpec(withDelivery, withCapture bool) map[string]any {
	lineFields := orderLineFields
	if withDelivery {
		lineFields = append(slices.Clone(orderLineFields), "is_delivery")
	}
	fields := saleOrderFields
	if withCapture {
		fields = append(slices.Clone(saleOrderFields), FieldAfterpayCapture)
	}
	partner := follow(partnerFields, map[string]any{
		"state_id":   follow([]string{"code", "name"}, nil),
		"country_id": follow([]string{"code"}, nil),
	})
	return specOf(fields, map[string]any{
		"payment_term_id":     follow([]string{"display_name"}, nil),
		"currency_id":         follow([]string{"display_name"}, nil),
		"partner_id":          partner,
		"partner_invoice_id":  partner,
		"partner_shipping_id": partner,
		"order_line": follow(lineFields, map[string]any{
			"product_id": follow([]string{"display_name", "default_code"}, nil),
		}),
	})
}

// specOf is a web_read specification reading fields as they are, plus the
// relational fields in related with their own sub-specifications.
func specOf(fields []string, related map[string]any) map[string]any {
	spec := make(map[string]any, len(fields)+len(related))
	for _, f := range fields {
		spec[f] = map[string]any{}
	}
	for f, sub := range related {
		spec[f] = sub
	}
	return spec
}

// follow is the sub-specification of a relational field whose co-records
// are read with fields and related.
func follow(fields []string, related map[string]any) map[string]any {
	return map[string]any{"fields": specOf(fields, related)}
}

// ReadSaleOrder reads an order with its lines, products' SKUs, customer,
// invoice and shipping addresses (country and state codes), currency code,
// payment term and capture mode in one web_read call. Without the delivery
// module (no is_delivery on order lines), or on an Odoo not provisioned
// (no x_afterpay_capture), the client's first call fails and is sent again
// without that field, once. ErrNotFound if the order does not exist.
func (c *Client) ReadSaleOrder(ctx context.Context, id int64) (*SaleOrder, error) {
	withDelivery, withCapture := !c.noDeliveryField.Load(), !c.noCaptureField.Load()
	var recs []Record
	var err error
	for range 3 {
		recs, err = c.WebRead(ctx, "sale.order", []int64{id}, saleOrderSpec(withDelivery, withCapture), nil)
		switch {
		case err != nil && withDelivery && isUnknownField(err, "is_delivery"):
			c.noDeliveryField.Store(true)
			withDelivery = false
			continue
		case err != nil && withCapture && isUnknownField(err, FieldAfterpayCapture):
			c.noCaptureField.Store(true)
			withCapture = false
			continue
		}
		break
	}
	if err != nil {
		return nil, err
	}
	var rec Record
	for _, r := range recs {
		if r.ID() == id {
			rec = r
			break
		}
	}
	if rec == nil {
		return nil, fmt.Errorf("odoo: web_read sale.order %d: %w", id, ErrNotFound)
	}

	d := newDecoder("sale.order", rec)
	var currency string
	if cur := d.related("currency_id"); cur != nil {
		currency = d.sub("res.currency", cur).str("display_name")
	}
	if d.err == nil && currency == "" {
		d.keep(fieldError("currency_id", errors.New("order has no currency")))
	}
	so := &SaleOrder{
		ID:             id,
		Name:           d.str("name"),
		State:          d.str("state"),
		Locked:         d.bool("locked"),
		Currency:       currency,
		ClientOrderRef: d.str("client_order_ref"),
		DateOrder:      d.time("date_order"),
		CompanyID:      d.ref("company_id").ID,
		InvoiceIDs:     d.ids("invoice_ids"),
		TransactionIDs: d.ids("transaction_ids"),
	}
	if term := d.related("payment_term_id"); term != nil {
		so.PaymentTermID, so.PaymentTerm = term.ID(), d.sub("account.payment.term", term).str("display_name")
	}
	if withCapture {
		so.CaptureMode = d.str(FieldAfterpayCapture)
	}
	so.AmountUntaxed = d.money("amount_untaxed", so.Currency)
	so.AmountTax = d.money("amount_tax", so.Currency)
	so.AmountTotal = d.money("amount_total", so.Currency)
	so.Partner = d.partner("partner_id")
	so.InvoiceAddress = d.partner("partner_invoice_id")
	so.ShippingAddress = d.partner("partner_shipping_id")
	for _, l := range d.relatedList("order_line") {
		so.Lines = append(so.Lines, d.orderLine(l, so.Currency, withDelivery))
	}
	if err := d.Err(); err != nil {
		return nil, err
	}
	return so, nil
}

// isUnknownField reports whether err is Odoo refusing to read field because
// its model has no such field: read() raises "Invalid field", and web_read
// following a relation to no records a bare KeyError.
func isUnknownField(err error, field string) bool {
	f, ok := AsFault(err)
	return ok && f.Code == FaultCodeApplication &&
		(strings.Contains(f.Message, "Invalid field '"+field+"'") || f.Message == "KeyError: '"+field+"'")
}

// orderLine decodes a sale.order.line of ReadSaleOrder's web_read.
func (d *decoder) orderLine(rec Record, currency string, withDelivery bool) OrderLine {
	ld := d.sub("sale.order.line", rec)
	line := OrderLine{
		ID:              rec.ID(),
		Name:            ld.str("name"),
		Quantity:        ld.decimal("product_uom_qty"),
		PriceUnit:       ld.money("price_unit", currency),
		PriceSubtotal:   ld.money("price_subtotal", currency),
		PriceTax:        ld.money("price_tax", currency),
		PriceTotal:      ld.money("price_total", currency),
		DiscountPercent: ld.decimal("discount"),
		DisplayType:     ld.str("display_type"),
	}
	if withDelivery {
		line.IsDelivery = ld.bool("is_delivery")
	}
	if product := ld.related("product_id"); product != nil {
		pd := ld.sub("product.product", product)
		line.ProductID = product.ID()
		line.ProductName = pd.str("display_name")
		line.SKU = pd.str("default_code")
	}
	return line
}

// partner decodes a res.partner ReadSaleOrder's web_read followed from
// field; an empty field is the zero Partner.
func (d *decoder) partner(field string) Partner {
	rec := d.related(field)
	if rec == nil {
		return Partner{}
	}
	pd := d.sub("res.partner", rec)
	p := Partner{
		ID:      rec.ID(),
		Name:    pd.str("name"),
		Email:   pd.str("email"),
		Phone:   pd.str("phone"),
		Street:  pd.str("street"),
		Street2: pd.str("street2"),
		City:    pd.str("city"),
		Zip:     pd.str("zip"),
	}
	if mobile := pd.str("mobile"); p.Phone == "" {
		p.Phone = mobile
	}
	if state := pd.related("state_id"); state != nil {
		sd := pd.sub("res.country.state", state)
		p.StateCode, p.StateName = sd.str("code"), sd.str("name")
	}
	if country := pd.related("country_id"); country != nil {
		p.CountryCode = pd.sub("res.country", country).str("code")
	}
	return p
}

// FindSaleOrderByName reads the order named name (e.g. "S00037").
// ErrNotFound if there is none.
func (c *Client) FindSaleOrderByName(ctx context.Context, name string) (*SaleOrder, error) {
	id, err := c.searchOne(ctx, "sale.order", []any{[]any{"name", "=", name}}, nil)
	if err != nil {
		return nil, err
	}
	if id == 0 {
		return nil, fmt.Errorf("odoo: sale.order named %q: %w", name, ErrNotFound)
	}
	return c.ReadSaleOrder(ctx, id)
}

// ConfirmSaleOrder confirms a quotation (action_confirm). An order that is
// already confirmed is left alone, so a retry is harmless; a cancelled order
// is ErrInvalidState.
func (c *Client) ConfirmSaleOrder(ctx context.Context, id int64) error {
	state, err := c.saleOrderState(ctx, id)
	if err != nil {
		return err
	}
	switch state {
	case "sale":
		return nil
	case "draft", "sent":
	default:
		return fmt.Errorf("odoo: confirm sale.order %d: state is %q: %w", id, state, ErrInvalidState)
	}
	if _, err := c.CallMethod(ctx, "sale.order", "action_confirm", []int64{id}, nil); err != nil {
		// A concurrent confirmation makes Odoo refuse ("not in a state
		// requiring confirmation"); a confirmed order is what we wanted.
		if IsBusiness(err) || IsProbablyApplied(err) {
			if state, rerr := c.saleOrderState(ctx, id); rerr == nil && state == "sale" {
				return nil
			}
		}
		return fmt.Errorf("odoo: confirm sale.order %d: %w", id, err)
	}
	return nil
}

func (c *Client) saleOrderState(ctx context.Context, id int64) (string, error) {
	rec, err := c.readOne(ctx, "sale.order", id, []string{"state"}, nil)
	if err != nil {
		return "", err
	}
	state, err := rec.String("state")
	if err != nil {
		return "", fmt.Errorf("odoo: decode sale.order %d: %w", id, err)
	}
	return state, nil
}

// SaleOrderDraft describes a quotation to create (demo and tests).
type SaleOrderDraft struct {
	// PartnerID is the customer (required).
	PartnerID int64
	// ClientOrderRef, when set, is also the idempotency key: an order that
	// already carries it is returned instead of creating a second one.
	ClientOrderRef string
	// PaymentTermID is optional (0 = the partner's default).
	PaymentTermID int64
	// Lines are the product lines (at least one).
	Lines []SaleOrderDraftLine
}

// SaleOrderDraftLine is one product line of a SaleOrderDraft.
type SaleOrderDraftLine struct {
	ProductID int64
	// Quantity is in the product's unit of measure (> 0).
	Quantity int64
	// PriceUnit overrides the pricelist price when set; its currency must be
	// the order's.
	PriceUnit *money.Money
	// TaxIDs sets the line's taxes; nil keeps the product's default taxes,
	// an empty non-nil slice means no tax.
	TaxIDs []int64
}

// CreateSaleOrder creates a quotation and returns its id.
func (c *Client) CreateSaleOrder(ctx context.Context, draft SaleOrderDraft) (int64, error) {
	if draft.PartnerID <= 0 {
		return 0, errors.New("odoo: create sale.order: PartnerID is required")
	}
	if len(draft.Lines) == 0 {
		return 0, errors.New("odoo: create sale.order: at least one line is required")
	}
	if draft.ClientOrderRef != "" {
		id, err := c.searchOne(ctx, "sale.order", []any{[]any{"client_order_ref", "=", draft.ClientOrderRef}}, nil)
		if err != nil {
			return 0, fmt.Errorf("odoo: create sale.order: look up %q: %w", draft.ClientOrderRef, err)
		}
		if id != 0 {
			return id, nil
		}
	}
	lines := make([]any, 0, len(draft.Lines))
	for i, l := range draft.Lines {
		if l.ProductID <= 0 || l.Quantity <= 0 || l.Quantity > math.MaxInt32 {
			return 0, fmt.Errorf("odoo: create sale.order: line %d: need a product and a positive quantity", i)
		}
		vals := map[string]any{"product_id": l.ProductID, "product_uom_qty": l.Quantity}
		if l.PriceUnit != nil {
			vals["price_unit"] = wireDouble(l.PriceUnit.Amount())
		}
		if l.TaxIDs != nil {
			vals["tax_id"] = []any{[]any{6, 0, int64sToAny(l.TaxIDs)}}
		}
		lines = append(lines, []any{0, 0, vals})
	}
	vals := map[string]any{"partner_id": draft.PartnerID, "order_line": lines}
	if draft.ClientOrderRef != "" {
		vals["client_order_ref"] = draft.ClientOrderRef
	}
	if draft.PaymentTermID != 0 {
		vals["payment_term_id"] = draft.PaymentTermID
	}
	return c.Create(ctx, "sale.order", vals, nil)
}

// uniqueIDs returns the distinct non-zero ids in order of first appearance.
func uniqueIDs(ids ...int64) []int64 {
	seen := make(map[int64]bool, len(ids))
	out := make([]int64, 0, len(ids))
	for _, id := range ids {
		if id != 0 && !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out
}

// OrderHeader is what a payment needs to know of an order between reads of
// the whole order: where it stands and what it is worth. It holds nothing
// personal.
type OrderHeader struct {
	ID    int64
	Name  string
	State string
	// Currency is the ISO code of the order's currency.
	Currency    string
	AmountTotal money.Money
	PartnerID   int64
	InvoiceIDs  []int64
	// PaymentTermID and PaymentTerm are the order's payment term (0 and ""
	// when it has none). The Afterpay marker is the term named
	// PaymentTermName (see IsAfterpay).
	PaymentTermID int64
	PaymentTerm   string
	// CaptureMode is the order's x_afterpay_capture: CaptureImmediate,
	// CaptureDeferred, or "" for the product's default (also when Odoo has
	// not been provisioned with the field).
	CaptureMode string
}

// IsAfterpay reports whether the order carries the Afterpay marker: the
// payment term provisioning creates, named PaymentTermName.
func (h *OrderHeader) IsAfterpay() bool {
	return h.PaymentTermID != 0 && h.PaymentTerm == PaymentTermName
}

var orderHeaderFields = []string{"name", "state", "currency_id", "amount_total", "partner_id", "invoice_ids",
	"payment_term_id", FieldAfterpayCapture}

// ReadOrderHeader reads the order named name in one call; with id > 0 the
// record with that id, which must carry that name (a webhook's id is only a
// hint). ErrNotFound if there is none. On an Odoo without the
// x_afterpay_capture field (not provisioned) it reads again without it and
// reports CaptureMode "".
func (c *Client) ReadOrderHeader(ctx context.Context, id int64, name string) (*OrderHeader, error) {
	domain := []any{[]any{"name", "=", name}}
	if id > 0 {
		domain = append(domain, []any{"id", "=", id})
	}
	fields := orderHeaderFields
	read := func(domain []any) ([]Record, error) {
		recs, err := c.SearchRead(ctx, "sale.order", domain, fields, &SearchOptions{Limit: 1})
		if f, ok := AsFault(err); ok && f.Code == FaultCodeApplication && strings.Contains(f.Message, "Invalid field '"+FieldAfterpayCapture+"'") {
			fields = slices.DeleteFunc(slices.Clone(fields), func(f string) bool { return f == FieldAfterpayCapture })
			recs, err = c.SearchRead(ctx, "sale.order", domain, fields, &SearchOptions{Limit: 1})
		}
		return recs, err
	}
	recs, err := read(domain)
	if err == nil && len(recs) == 0 && id > 0 {
		recs, err = read(domain[:1])
	}
	if err != nil {
		return nil, fmt.Errorf("odoo: read sale.order %q: %w", name, err)
	}
	if len(recs) == 0 {
		return nil, fmt.Errorf("odoo: sale.order named %q: %w", name, ErrNotFound)
	}
	d := newDecoder("sale.order", recs[0])
	currency := d.ref("currency_id")
	if d.err == nil && currency.Name == "" {
		d.keep(fieldError("currency_id", errors.New("order has no currency")))
	}
	term := d.ref("payment_term_id")
	h := &OrderHeader{
		ID: recs[0].ID(), Name: d.str("name"), State: d.str("state"), Currency: currency.Name,
		PartnerID: d.ref("partner_id").ID, InvoiceIDs: d.ids("invoice_ids"),
		PaymentTermID: term.ID, PaymentTerm: term.Name,
	}
	if slices.Contains(fields, FieldAfterpayCapture) {
		h.CaptureMode = d.str(FieldAfterpayCapture)
	}
	h.AmountTotal = d.money("amount_total", h.Currency)
	if err := d.Err(); err != nil {
		return nil, err
	}
	return h, nil
}
