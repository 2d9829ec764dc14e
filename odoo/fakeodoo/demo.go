package fakeodoo

import (
	"fmt"
	"strconv"

	"github.com/odoo-afterpay/bridge/odoo/fakeodoo/internal/wire"
)

// NewDemo returns a server with the built-in demo data, which needs nothing
// outside the project: one US company (USD), customers with full addresses
// in the US and one in Australia, products with SKUs, a 10 % sales tax, a
// "Standard delivery" carrier, draft quotations S00001–S00005, a sales and a
// bank journal, the Demo payment provider, the inactive afterpay
// payment.method (no provider supports it, so Odoo refuses to activate it),
// the mail.mt_note subtype, a To-Do activity type, the order and invoice
// form views (sale.view_order_form, account.view_move_form) and the admin
// user (admin/admin, uid 2) on the database from opts ("odoo").
//
// As in Odoo's own demo data, most products are consumables invoiced on
// delivered quantities, which cannot be invoiced before they are delivered
// ("No items are available to invoice"). The saleable products (product.product
// id = template id):
//
//	id  SKU         name                  price  type     invoiced on  tax
//	 1  AP-HDPH-01  Wireless Headphones  129.00  consu    order        10 %
//	 2  AP-WLLT-02  Leather Wallet        45.50  consu    delivery     10 %
//	 3  AP-SHOE-03  Running Shoes         89.99  consu    delivery     -
//	 4  AP-MUG-04   Coffee Mug            12.00  consu    delivery     10 %
//	 6  AP-LAMP-06  Desk Lamp             34.90  consu    delivery     10 %
//	 7  AP-BKPK-07  Canvas Backpack       59.00  consu    delivery     10 %
//	 8  AP-BTTL-08  Water Bottle          18.50  consu    delivery     10 %
//	 9  AP-YOGA-09  Yoga Mat              29.95  consu    delivery     10 %
//	10  AP-CASE-10  Phone Case            19.99  consu    order        10 %
//	11  AP-GIFT-11  Gift Card             50.00  consu    order        -
//	12  AP-WRAP-12  Gift Wrapping          4.99  service  order        10 %
//	13  AP-WRTY-13  Extended Warranty     24.00  service  delivery     10 %
//
// Product 5 is the carrier's "Standard delivery" service (invoiced on
// order, not saleable).
//
// The quotations, with their totals:
//
//	S00001 Jane Cooper   1 × Wireless Headphones 129.00 + 10 % tax          = 141.90 USD  invoiced on order
//	S00002 Marcus Lee    2 × Running Shoes 89.99 less 15 %, no tax           = 152.98 USD  on delivery
//	S00003 Priya Patel   Leather Wallet 45.50 + Standard delivery 7.50       =  53.00 USD  on delivery (shipping on order)
//	S00004 Jane Cooper   4 mugs, a wallet (10 % tax) and shoes (no tax)      = 192.84 USD  on delivery
//	S00005 Oliver Smith  1 × Wireless Headphones 199.00 + 10 % tax           = 218.90 AUD  invoiced on order
//
// S00001 is the one `make demo` pays end to end, invoice and payment
// included.
//
// The demo warehouse ("WH") delivers in one step: confirming an order with
// goods (consumables) creates its delivery WH/OUT/00001, … with every move
// reserved, as Odoo with sale_stock does. The company has not answered
// stock_sms's question yet, so the first delivery validated without the
// skip_sms context returns the confirm.stock.sms wizard (as a fresh Odoo
// does). The demo has no "Afterpay" payment term: setup-odoo creates it,
// and a quotation is an Afterpay order once it carries it.
func NewDemo(opts Options) (*Server, error) {
	s, err := New(opts)
	if err != nil {
		return nil, err
	}
	if err := s.loadDemo(); err != nil {
		return nil, fmt.Errorf("fakeodoo: demo seed: %w", err)
	}
	return s, nil
}

// demoBuilder creates records with chosen ids through the ORM, keeping the
// first error.
type demoBuilder struct {
	t   *tx
	err error
}

func (d *demoBuilder) create(model string, id int64, kv ...any) int64 {
	if d.err != nil {
		return 0
	}
	if id != 0 {
		d.t.s.seqMu.Lock()
		d.t.s.nextIDs[model] = id
		d.t.s.seqMu.Unlock()
	}
	got, err := d.t.create(model, wire.NewStruct(kv...))
	if err != nil {
		d.err = fmt.Errorf("create %s: %w", model, err)
		return 0
	}
	return got
}

func (d *demoBuilder) write(model string, id int64, kv ...any) {
	if d.err != nil {
		return
	}
	if err := d.t.set(model, id, kv...); err != nil {
		d.err = fmt.Errorf("write %s %d: %w", model, id, err)
	}
}

func (d *demoBuilder) xmlid(full, model string, id int64) {
	if d.err != nil {
		return
	}
	if err := d.t.setXMLID(full, model, id); err != nil {
		d.err = fmt.Errorf("xml id %s: %w", full, err)
	}
}

// set6 is the x2many command that sets ids.
func set6(ids ...int64) []any { return []any{[]any{int64(6), int64(0), anyIDs(ids)}} }

// line is a one2many create command.
func line(kv ...any) []any { return []any{int64(0), int64(0), wire.NewStruct(kv...)} }

func (s *Server) loadDemo() error {
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	ctx := wire.NewStruct("tracking_disable", true, "mail_create_nolog", true)
	t := s.newTx(2, ctx, true)
	d := &demoBuilder{t: t}

	d.technicalModels()

	usd := d.create("res.currency", 1, "name", "USD", "full_name", "United States dollar", "symbol", "$", "rounding", 0.01, "decimal_places", int64(2), "active", true, "position", "before")
	aud := d.create("res.currency", 21, "name", "AUD", "full_name", "Australian dollar", "symbol", "$", "rounding", 0.01, "decimal_places", int64(2), "active", true, "position", "before")
	d.create("res.currency", 35, "name", "NZD", "full_name", "New Zealand dollar", "symbol", "$", "rounding", 0.01, "decimal_places", int64(2), "active", false, "position", "before")
	d.create("res.currency", 3, "name", "CAD", "full_name", "Canadian dollar", "symbol", "$", "rounding", 0.01, "decimal_places", int64(2), "active", false, "position", "before")
	d.create("res.currency", 143, "name", "GBP", "full_name", "Pound sterling", "symbol", "£", "rounding", 0.01, "decimal_places", int64(2), "active", false, "position", "before")
	d.create("res.currency", 125, "name", "EUR", "full_name", "Euro", "symbol", "€", "rounding", 0.01, "decimal_places", int64(2), "active", false, "position", "after")

	us := d.create("res.country", 233, "name", "United States", "code", "US")
	au := d.create("res.country", 13, "name", "Australia", "code", "AU")
	d.create("res.country", 170, "name", "New Zealand", "code", "NZ")
	d.create("res.country", 38, "name", "Canada", "code", "CA")
	d.create("res.country", 231, "name", "United Kingdom", "code", "GB")
	california := d.create("res.country.state", 13, "name", "California", "code", "CA", "country_id", us)
	newYork := d.create("res.country.state", 35, "name", "New York", "code", "NY", "country_id", us)
	texas := d.create("res.country.state", 52, "name", "Texas", "code", "TX", "country_id", us)
	d.create("res.country.state", 56, "name", "Washington", "code", "WA", "country_id", us)
	nsw := d.create("res.country.state", 2, "name", "New South Wales", "code", "NSW", "country_id", au)
	d.create("res.country.state", 7, "name", "Victoria", "code", "VIC", "country_id", au)

	company := d.create("res.company", 1, "name", "Demo Store Inc.", "currency_id", usd, "email", "info@demostore.example.com",
		"phone", "+1 555-555-5556", "street", "250 Executive Park Blvd", "city", "San Francisco", "zip", "94134",
		"state_id", california, "country_id", us, "active", true, "sequence", int64(0))
	companyPartner := d.create("res.partner", 1, "name", "Demo Store Inc.", "is_company", true, "company_id", company,
		"email", "info@demostore.example.com", "street", "250 Executive Park Blvd", "city", "San Francisco",
		"zip", "94134", "state_id", california, "country_id", us)
	d.write("res.company", company, "partner_id", companyPartner)
	bot := d.create("res.partner", 2, "name", "OdooBot", "active", false, "email", "odoobot@example.com")
	adminPartner := d.create("res.partner", 3, "name", "Mitchell Admin", "company_name", "Demo Store Inc.",
		"email", "admin@demostore.example.com", "company_id", company)
	d.create("res.users", 1, "login", "__system__", "name", "OdooBot", "partner_id", bot, "active", false,
		"company_id", company, "company_ids", set6(company))
	admin := d.create("res.users", 2, "login", "admin", "name", "Mitchell Admin", "partner_id", adminPartner, "active", true,
		"share", false, "company_id", company, "company_ids", set6(company), "tz", "UTC", "lang", "en_US",
		"email", "admin@demostore.example.com")
	groupUser := d.create("res.groups", 1, "name", "Internal User", "full_name", "User types / Internal User", "users", set6(admin))
	groupSystem := d.create("res.groups", 2, "name", "Settings", "full_name", "Administration / Settings", "users", set6(admin))
	groupInvoice := d.create("res.groups", 3, "name", "Invoicing", "full_name", "Invoicing / Invoicing", "users", set6(admin))
	d.write("res.users", admin, "groups_id", set6(groupUser, groupSystem, groupInvoice))
	d.xmlid("base.main_company", "res.company", company)
	d.xmlid("base.main_partner", "res.partner", companyPartner)
	d.xmlid("base.partner_admin", "res.partner", adminPartner)
	d.xmlid("base.user_admin", "res.users", admin)
	d.xmlid("base.group_user", "res.groups", groupUser)
	d.xmlid("base.group_system", "res.groups", groupSystem)
	d.xmlid("account.group_account_invoice", "res.groups", groupInvoice)

	// stock_sms asks once, before the company's first SMS confirmation of
	// a delivery, as a fresh Odoo with sale_stock does.
	d.write("res.company", company, "stock_move_sms_validation", true, "has_received_warning_stock_sms", false)
	d.stock(company)

	d.create("crm.team", 1, "name", "Sales", "sequence", int64(0), "active", true)
	units := d.create("uom.uom", 1, "name", "Units", "factor", 1.0, "rounding", 0.01, "active", true, "uom_type", "reference")
	categAll := d.create("product.category", 1, "name", "All", "complete_name", "All")
	categSale := d.create("product.category", 2, "name", "Saleable", "complete_name", "All / Saleable", "parent_id", categAll)

	receivable := d.create("account.account", 1, "code", "121000", "name", "Account Receivable", "account_type", "asset_receivable", "reconcile", true, "active", true)
	d.create("account.account", 2, "code", "211000", "name", "Account Payable", "account_type", "liability_payable", "reconcile", true, "active", true)
	taxAccount := d.create("account.account", 3, "code", "251000", "name", "Tax Received", "account_type", "liability_current", "active", true)
	income := d.create("account.account", 4, "code", "400000", "name", "Product Sales", "account_type", "income", "active", true)
	bank := d.create("account.account", 5, "code", "101401", "name", "Bank", "account_type", "asset_cash", "active", true)
	d.create("account.account", 6, "code", "101403", "name", "Outstanding Receipts", "account_type", "asset_current", "reconcile", true, "active", true)
	d.create("account.account", 7, "code", "101404", "name", "Outstanding Payments", "account_type", "asset_current", "reconcile", true, "active", true)
	_, _ = receivable, taxAccount

	tax := d.create("account.tax", 1, "name", "10%", "type_tax_use", "sale", "amount_type", "percent", "amount", 10.0,
		"active", true, "company_id", company, "sequence", int64(1), "country_id", us)
	d.write("res.company", company, "account_sale_tax_id", tax)
	salesJournal := d.create("account.journal", 1, "name", "Customer Invoices", "code", "INV", "type", "sale", "active", true,
		"sequence", int64(5), "company_id", company, "default_account_id", income, "refund_sequence", true)
	bankJournal := d.create("account.journal", 2, "name", "Bank", "code", "BNK1", "type", "bank", "active", true,
		"sequence", int64(10), "company_id", company, "default_account_id", bank, "payment_sequence", true)
	manualIn := d.create("account.payment.method", 1, "name", "Manual Payment", "code", "manual", "payment_type", "inbound")
	manualOut := d.create("account.payment.method", 2, "name", "Manual Payment", "code", "manual", "payment_type", "outbound")
	d.create("account.payment.method", 3, "name", "Demo", "code", "demo", "payment_type", "inbound")
	d.create("account.payment.method.line", 1, "name", "Manual Payment", "payment_method_id", manualIn, "journal_id", bankJournal)
	d.create("account.payment.method.line", 2, "name", "Manual Payment", "payment_method_id", manualOut, "journal_id", bankJournal)
	d.create("account.payment.term", 1, "name", "Immediate Payment", "active", true, "note", "<p>Payment terms: Immediate Payment</p>")
	d.xmlid("account.account_payment_term_immediate", "account.payment.term", 1)
	_ = salesJournal

	// As in Odoo's own demo data, most products are consumables invoiced on
	// delivery; S00001's headphones are invoiced on order.
	product := func(id int64, code, name, listPrice, kind, policy string, taxes ...int64) int64 {
		return d.productWithVariant(id, demoProduct{code: code, name: name, listPrice: listPrice, kind: kind, policy: policy},
			units, categSale, usd, taxes...)
	}
	headphones := product(1, "AP-HDPH-01", "Wireless Headphones", "129.00", "consu", "order", tax)
	wallet := product(2, "AP-WLLT-02", "Leather Wallet", "45.50", "consu", "delivery", tax)
	shoes := product(3, "AP-SHOE-03", "Running Shoes", "89.99", "consu", "delivery")
	mug := product(4, "AP-MUG-04", "Coffee Mug", "12.00", "consu", "delivery", tax)
	deliveryProduct := d.create("product.product", 5, "name", "Standard delivery", "default_code", "DELIVERY_STD", "type", "service",
		"list_price", 7.5, "sale_ok", false, "purchase_ok", false, "uom_id", units, "categ_id", categAll, "invoice_policy", "order", "currency_id", usd)
	product(6, "AP-LAMP-06", "Desk Lamp", "34.90", "consu", "delivery", tax)
	product(7, "AP-BKPK-07", "Canvas Backpack", "59.00", "consu", "delivery", tax)
	product(8, "AP-BTTL-08", "Water Bottle", "18.50", "consu", "delivery", tax)
	product(9, "AP-YOGA-09", "Yoga Mat", "29.95", "consu", "delivery", tax)
	product(10, "AP-CASE-10", "Phone Case", "19.99", "consu", "order", tax)
	product(11, "AP-GIFT-11", "Gift Card", "50.00", "consu", "order")
	product(12, "AP-WRAP-12", "Gift Wrapping", "4.99", "service", "order", tax)
	product(13, "AP-WRTY-13", "Extended Warranty", "24.00", "service", "delivery", tax)
	carrier := d.create("delivery.carrier", 1, "name", "Standard delivery", "active", true, "sequence", int64(1), "delivery_type", "fixed",
		"product_id", deliveryProduct, "fixed_price", 7.5, "invoice_policy", "estimated")

	demoMethod := d.create("payment.method", 1, "name", "Demo", "code", "demo", "sequence", int64(1), "active", true, "support_refund", "partial")
	afterpay := d.create("payment.method", 4, "name", "Afterpay", "code", "afterpay", "sequence", int64(1000), "active", false,
		"support_refund", "partial", "supported_country_ids", set6(au, 170, 38, us), "supported_currency_ids", set6(usd, aud, 3, 35))
	provider := d.create("payment.provider", 6, "name", "Demo", "code", "demo", "state", "test", "is_published", true,
		"company_id", company, "journal_id", bankJournal, "payment_method_ids", set6(demoMethod), "capture_manually", false,
		"support_manual_capture", "partial", "support_refund", "partial", "module_state", "installed", "sequence", int64(40))
	d.write("payment.method", demoMethod, "provider_ids", set6(provider))
	d.xmlid("payment.payment_method_afterpay", "payment.method", afterpay)
	d.xmlid("payment.payment_method_demo", "payment.method", demoMethod)
	d.xmlid("payment.payment_provider_demo", "payment.provider", provider)

	d.create("ir.sequence", 1, "name", "Sales Order", "code", "sale.order", "implementation", "standard", "active", true,
		"prefix", "S", "padding", int64(5), "number_next", int64(1), "number_increment", int64(1))
	comment := d.create("mail.message.subtype", 1, "name", "Discussions", "default", true, "sequence", int64(0))
	note := d.create("mail.message.subtype", 2, "name", "Note", "internal", true, "sequence", int64(100))
	activities := d.create("mail.message.subtype", 3, "name", "Activities", "internal", true, "sequence", int64(90))
	d.xmlid("mail.mt_comment", "mail.message.subtype", comment)
	d.xmlid("mail.mt_note", "mail.message.subtype", note)
	d.xmlid("mail.mt_activities", "mail.message.subtype", activities)
	d.create("mail.activity.type", 1, "name", "Email", "sequence", int64(3), "active", true, "icon", "fa-envelope", "category", "default")
	d.create("mail.activity.type", 2, "name", "Call", "sequence", int64(4), "active", true, "icon", "fa-phone", "category", "phonecall")
	todo := d.create("mail.activity.type", 4, "name", "To-Do", "sequence", int64(5), "active", true, "icon", "fa-check", "category", "default", "delay_count", int64(5))
	d.xmlid("mail.mail_activity_data_todo", "mail.activity.type", todo)
	cron := d.create("ir.cron", 1, "name", "Payment: Post-process transactions", "cron_name", "Payment: Post-process transactions",
		"model_id", t.irModelID("payment.transaction"), "code", "model._cron_post_process()", "active", true,
		"interval_number", int64(10), "interval_type", "minutes", "priority", int64(5))
	d.xmlid("payment.cron_post_process_payment_tx", "ir.cron", cron)

	customer := func(id int64, name, email, phone, street, city, zip string, state, country int64) int64 {
		return d.create("res.partner", id, "name", name, "email", email, "phone", phone, "street", street, "city", city,
			"zip", zip, "state_id", state, "country_id", country, "company_id", company, "type", "contact")
	}
	jane := customer(10, "Jane Cooper", "jane.cooper@example.com", "+1 415 555 0101", "1 Market St", "San Francisco", "94105", california, us)
	marcus := customer(11, "Marcus Lee", "marcus.lee@example.com", "+1 212 555 0102", "350 5th Ave", "New York", "10118", newYork, us)
	priya := customer(12, "Priya Patel", "priya.patel@example.com", "+1 512 555 0103", "500 Congress Ave", "Austin", "78701", texas, us)
	oliver := customer(13, "Oliver Smith", "oliver.smith@example.com", "+61 2 5550 0104", "1 Macquarie St", "Sydney", "2000", nsw, au)

	d.create("sale.order", 1, "partner_id", jane, "client_order_ref", "DEMO-1001", "order_line", []any{
		line("product_id", headphones, "product_uom_qty", 1.0, "tax_id", set6(tax)),
	})
	d.create("sale.order", 2, "partner_id", marcus, "client_order_ref", "DEMO-1002", "order_line", []any{
		line("product_id", shoes, "product_uom_qty", 2.0, "discount", 15.0, "tax_id", set6()),
	})
	d.create("sale.order", 3, "partner_id", priya, "client_order_ref", "DEMO-1003", "carrier_id", carrier, "order_line", []any{
		line("product_id", wallet, "product_uom_qty", 1.0, "tax_id", set6()),
		line("product_id", deliveryProduct, "name", "Standard delivery", "product_uom_qty", 1.0, "price_unit", 7.5,
			"is_delivery", true, "sequence", int64(11), "tax_id", set6()),
	})
	d.create("sale.order", 4, "partner_id", jane, "client_order_ref", "DEMO-1004", "order_line", []any{
		line("product_id", mug, "product_uom_qty", 4.0, "tax_id", set6(tax)),
		line("product_id", wallet, "product_uom_qty", 1.0, "tax_id", set6(tax)),
		line("product_id", shoes, "product_uom_qty", 1.0, "tax_id", set6()),
	})
	d.create("sale.order", 5, "partner_id", oliver, "client_order_ref", "DEMO-1005", "currency_id", aud, "order_line", []any{
		line("product_id", headphones, "product_uom_qty", 1.0, "price_unit", 199.0, "tax_id", set6(tax)),
	})
	if d.err == nil {
		d.err = t.installBaseViews()
	}
	if d.err != nil {
		return d.err
	}
	s.commitQuiet(t)
	return nil
}

// stock creates the demo warehouse: its locations and its one-step
// delivery type, numbered WH/OUT/00001, …
func (d *demoBuilder) stock(company int64) {
	physical := d.create("stock.location", 1, "name", "Physical Locations", "usage", "view", "active", true)
	partners := d.create("stock.location", 2, "name", "Partners", "usage", "view", "active", true)
	d.create("stock.location", 4, "name", "Vendors", "usage", "supplier", "location_id", partners, "active", true)
	customers := d.create("stock.location", 5, "name", "Customers", "usage", "customer", "location_id", partners, "active", true)
	view := d.create("stock.location", 7, "name", "WH", "usage", "view", "location_id", physical, "active", true, "company_id", company)
	stock := d.create("stock.location", 8, "name", "Stock", "usage", "internal", "location_id", view, "active", true, "company_id", company)
	seq := d.create("ir.sequence", 5, "name", "Demo Store Inc. Sequence out", "code", false, "implementation", "standard", "active", true,
		"prefix", "WH/OUT/", "padding", int64(5), "number_next", int64(1), "number_increment", int64(1), "company_id", company)
	warehouse := d.create("stock.warehouse", 1, "name", "Demo Store Inc.", "code", "WH", "company_id", company, "active", true,
		"sequence", int64(10), "view_location_id", view, "lot_stock_id", stock, "delivery_steps", "ship_only")
	out := d.create("stock.picking.type", 2, "name", "Delivery Orders", "code", "outgoing", "sequence_code", "OUT", "sequence_id", seq,
		"sequence", int64(2), "warehouse_id", warehouse, "company_id", company, "default_location_src_id", stock,
		"default_location_dest_id", customers, "create_backorder", "ask", "reservation_method", "at_confirm", "active", true)
	d.write("stock.warehouse", warehouse, "out_type_id", out)
}

// demoProduct is a saleable demo product: kind is product.template.type
// (consu or service), policy its invoice_policy (order or delivery).
type demoProduct struct {
	code, name, listPrice, kind, policy string
}

// productWithVariant creates a template and returns its variant's id. The
// list price is decimal text; Odoo itself keeps it in a float field.
func (d *demoBuilder) productWithVariant(id int64, p demoProduct, uom, categ, currency int64, taxes ...int64) int64 {
	price, err := strconv.ParseFloat(p.listPrice, 64)
	if err != nil {
		d.err = fmt.Errorf("product %s: list price %q: %w", p.name, p.listPrice, err)
		return 0
	}
	d.t.s.seqMu.Lock()
	d.t.s.nextIDs["product.product"] = id
	d.t.s.seqMu.Unlock()
	tmpl := d.create("product.template", id, "name", p.name, "default_code", p.code, "list_price", price, "type", p.kind,
		"sale_ok", true, "uom_id", uom, "categ_id", categ, "invoice_policy", p.policy, "taxes_id", set6(taxes...), "currency_id", currency)
	if d.err != nil {
		return 0
	}
	variants := idsOf(d.t.get("product.template", tmpl, "product_variant_ids"))
	if len(variants) == 0 {
		d.err = fmt.Errorf("product %s has no variant", p.name)
		return 0
	}
	return variants[0]
}

// technicalModels writes ir.model, ir.model.fields and
// ir.model.fields.selection for every built-in model, so automation rules
// and activities can refer to models, fields and selection values by id.
func (d *demoBuilder) technicalModels() {
	t := d.t
	var modelID, fieldID, selID int64
	for _, name := range t.reg.names() {
		m := t.reg.model(name)
		modelID++
		if err := t.insert("ir.model", record{"id": modelID, "model": name, "name": m.description, "state": "base",
			"transient": m.transient, "is_mail_thread": m.mailThread}); err != nil {
			d.err = err
			return
		}
		for _, f := range m.orderedFields() {
			fieldID++
			rel := any(nil)
			if f.relation != "" {
				rel = f.relation
			}
			if err := t.insert("ir.model.fields", record{"id": fieldID, "model": name, "model_id": modelID, "name": f.name,
				"field_description": f.label, "ttype": string(f.typ), "relation": rel, "store": f.store,
				"readonly": f.readonly, "required": f.required, "state": "base"}); err != nil {
				d.err = err
				return
			}
			for i, o := range f.selection {
				selID++
				if err := t.insert("ir.model.fields.selection", record{"id": selID, "field_id": fieldID, "value": o.value,
					"name": o.label, "sequence": int64(i)}); err != nil {
					d.err = err
					return
				}
			}
		}
	}
	t.s.seqMu.Lock()
	t.s.nextIDs["ir.model"] = modelID + 1
	t.s.nextIDs["ir.model.fields"] = fieldID + 1
	t.s.nextIDs["ir.model.fields.selection"] = selID + 1
	t.s.seqMu.Unlock()
}
