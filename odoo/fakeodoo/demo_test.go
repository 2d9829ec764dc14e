package fakeodoo

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/odoo-afterpay/bridge/odoo/fakeodoo/internal/wire"
)

// The demo quotations' totals, worked out by hand from the lines in demo.go.
func TestDemoOrdersTotals(t *testing.T) {
	srv, err := NewDemo(Options{})
	require.NoError(t, err)
	tests := []struct {
		name                  string
		untaxed, tax, total   float64
		currency, lines       int
		partner, deliverLines int64
	}{
		// 1 × 129.00, 10 % tax 12.90
		{"S00001", 129.00, 12.90, 141.90, 1, 1, 10, 0},
		// 2 × 89.99 = 179.98 less 15 % = 152.983 → 152.98, untaxed
		{"S00002", 152.98, 0, 152.98, 1, 1, 11, 0},
		// 45.50 + 7.50 shipping
		{"S00003", 53.00, 0, 53.00, 1, 2, 12, 1},
		// 4 × 12.00 + 45.50 + 89.99 = 183.49; tax 4.80 + 4.55 = 9.35
		{"S00004", 183.49, 9.35, 192.84, 1, 3, 10, 0},
		// 199.00 AUD + 19.90 tax
		{"S00005", 199.00, 19.90, 218.90, 21, 1, 13, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			recs, err := srv.Records("sale.order", []any{"name", "=", tt.name})
			require.NoError(t, err)
			require.Len(t, recs, 1)
			o := recs[0]
			require.Equal(t, "draft", o["state"])
			require.Equal(t, tt.untaxed, o["amount_untaxed"])
			require.Equal(t, tt.tax, o["amount_tax"])
			require.Equal(t, tt.total, o["amount_total"])
			require.Equal(t, int64(tt.currency), o["currency_id"])
			require.Equal(t, tt.partner, o["partner_id"])
			require.Len(t, o["order_line"], tt.lines)
			delivery, err := srv.Records("sale.order.line", []any{"order_id", "=", o["id"]}, []any{"is_delivery", "=", true})
			require.NoError(t, err)
			require.Len(t, delivery, int(tt.deliverLines))
		})
	}
}

func TestDemoReferenceData(t *testing.T) {
	srv, c := startDemo(t, Options{})
	v, f := c.call("common", "authenticate", "odoo", "admin", "admin", wire.NewStruct())
	require.Nil(t, f)
	require.Equal(t, int64(2), v)

	methods := c.must("payment.method", "search_read", []any{[]any{[]any{"code", "=", "afterpay"}}},
		"fields", []any{"active"}, "context", wire.NewStruct("active_test", false)).([]any)
	require.Len(t, methods, 1)
	require.Equal(t, false, methods[0].(*wire.Struct).Value("active"))

	model, id, ok := srv.inspectTx().xmlid("mail.mt_note")
	require.True(t, ok)
	require.Equal(t, "mail.message.subtype", model)
	require.Equal(t, "Note", c.read("mail.message.subtype", id, "name").Value("name"))
	_, todo, ok := srv.inspectTx().xmlid("mail.mail_activity_data_todo")
	require.True(t, ok)
	require.Equal(t, "To-Do", c.read("mail.activity.type", todo, "name").Value("name"))

	journals := c.must("account.journal", "search_read", []any{[]any{}}, "fields", []any{"type"}).([]any)
	types := []any{}
	for _, j := range journals {
		types = append(types, j.(*wire.Struct).Value("type"))
	}
	require.ElementsMatch(t, []any{"sale", "bank"}, types)

	customers, err := srv.Records("res.partner", []any{"country_id.code", "in", []string{"US", "AU"}}, []any{"street", "!=", false}, []any{"id", ">", 9})
	require.NoError(t, err)
	require.Len(t, customers, 4)
	for _, cu := range customers {
		for _, f := range []string{"street", "city", "zip", "state_id", "country_id", "email", "phone"} {
			require.NotEqual(t, false, cu[f], "customer %v has %s", cu["name"], f)
		}
	}
	products, err := srv.Records("product.product", []any{"sale_ok", "=", true})
	require.NoError(t, err)
	mix := map[string]int{}
	for _, p := range products {
		require.NotEqual(t, false, p["default_code"])
		mix[p["type"].(string)+"/"+p["invoice_policy"].(string)]++
	}
	require.Equal(t, map[string]int{"consu/delivery": 7, "consu/order": 3, "service/delivery": 1, "service/order": 1}, mix,
		"most products are consumables invoiced on delivery, as in Odoo's demo data")
	headphones, err := srv.Record("product.product", 1)
	require.NoError(t, err)
	require.Equal(t, "order", headphones["invoice_policy"], "S00001, which make demo pays, is invoiced on order")
}

// deliver marks every line of a demo order delivered (the fake has no
// stock pickings; qty_delivered is written by hand).
func deliver(c *rpc, order int64) {
	lines := c.must("sale.order.line", "search", []any{[]any{[]any{"order_id", "=", order}}}).([]any)
	for _, l := range lines {
		qty := c.read("sale.order.line", l.(int64), "product_uom_qty").Value("product_uom_qty")
		c.must("sale.order.line", "write", []any{[]any{l}, wire.NewStruct("qty_delivered", qty)})
	}
}

// An order whose products are invoiced on delivery has nothing to invoice
// before it is delivered: Odoo's UserError, and nothing is kept.
func TestDemoNothingToInvoice(t *testing.T) {
	_, c := startDemo(t, Options{})
	require.Equal(t, true, c.must("sale.order", "action_confirm", []any{[]any{int64(2)}}))
	ctx := wire.NewStruct("active_model", "sale.order", "active_ids", []any{int64(2)}, "active_id", int64(2))
	wiz := c.must("sale.advance.payment.inv", "create", []any{wire.NewStruct("advance_payment_method", "delivered")}, "context", ctx)
	_, f := c.exec("sale.advance.payment.inv", "create_invoices", []any{[]any{wiz}}, "context", ctx)
	require.NotNil(t, f)
	require.EqualValues(t, 2, f.Code)
	require.Equal(t, "Cannot create an invoice. No items are available to invoice.\n\n"+
		"To resolve this issue, please ensure that:\n"+
		"   \u2022 The products have been delivered before attempting to invoice them.\n"+
		"   \u2022 The invoicing policy of the product is configured correctly.\n\n"+
		"If you want to invoice based on ordered quantities instead:\n"+
		"   \u2022 For consumable or storable products, open the product, go to the 'General Information' tab and change the 'Invoicing Policy' from 'Delivered Quantities' to 'Ordered Quantities'.\n"+
		"   \u2022 For services (and other products), change the 'Invoicing Policy' to 'Prepaid/Fixed Price'.\n", f.String)
	so := c.read("sale.order", 2, "invoice_ids", "invoice_status")
	require.Equal(t, []any{}, so.Value("invoice_ids"))
	require.Equal(t, "no", so.Value("invoice_status"))
	require.Equal(t, int64(0), c.must("account.move", "search_count", []any{[]any{}}))

	deliver(c, 2)
	require.Equal(t, "to invoice", c.read("sale.order", 2, "invoice_status").Value("invoice_status"))
	_, f = c.exec("sale.advance.payment.inv", "create_invoices", []any{[]any{wiz}}, "context", ctx)
	require.Equal(t, "TypeError: cannot marshal None unless allow_none is enabled", faultLast(f))
	require.Len(t, c.read("sale.order", 2, "invoice_ids").Value("invoice_ids"), 1)
}

// An end-to-end accounting flow on the demo data: confirm, invoice, post,
// pay, refund.
func TestDemoAccountingFlow(t *testing.T) {
	_, c := startDemo(t, Options{})
	require.Equal(t, true, c.must("sale.order", "action_confirm", []any{[]any{int64(4)}}))
	deliver(c, 4)
	ctx := wire.NewStruct("active_model", "sale.order", "active_ids", []any{int64(4)})
	wiz := c.must("sale.advance.payment.inv", "create", []any{wire.NewStruct("advance_payment_method", "delivered")}, "context", ctx)
	_, f := c.exec("sale.advance.payment.inv", "create_invoices", []any{[]any{wiz}}, "context", ctx)
	require.Equal(t, "TypeError: cannot marshal None unless allow_none is enabled", faultLast(f), "no payment term: None in the action")
	so := c.read("sale.order", 4, "invoice_ids", "invoice_status")
	require.Equal(t, "invoiced", so.Value("invoice_status"))
	inv := so.Value("invoice_ids").([]any)[0].(int64)
	m := c.read("account.move", inv, "name", "state", "amount_total", "amount_tax", "invoice_origin", "ref")
	require.Equal(t, "/", m.Value("name"))
	require.Equal(t, 192.84, m.Value("amount_total"))
	require.Equal(t, 9.35, m.Value("amount_tax"))
	require.Equal(t, "S00004", m.Value("invoice_origin"))
	require.Equal(t, "DEMO-1004", m.Value("ref"))

	require.Equal(t, false, c.must("account.move", "action_post", []any{[]any{inv}}))
	require.Equal(t, "INV/2026/00001", c.read("account.move", inv, "name").Value("name"))

	mctx := wire.NewStruct("active_model", "account.move", "active_ids", []any{inv})
	defaults := c.must("account.payment.register", "default_get", []any{[]any{"payment_date", "line_ids", "amount"}}, "context", mctx).(*wire.Struct)
	require.Equal(t, []string{"payment_date", "line_ids"}, defaults.Keys())
	require.Equal(t, "2026-11-24", defaults.Value("payment_date"))

	reg := c.must("account.payment.register", "create", []any{wire.NewStruct("amount", 100.0, "communication", "partial")}, "context", mctx)
	c.must("account.payment.register", "action_create_payments", []any{[]any{reg}}, "context", mctx)
	m = c.read("account.move", inv, "payment_state", "amount_residual")
	require.Equal(t, "partial", m.Value("payment_state"))
	require.Equal(t, 92.84, m.Value("amount_residual"))

	reg = c.must("account.payment.register", "create", []any{wire.NewStruct("communication", "rest")}, "context",
		wire.NewStruct("active_model", "account.move", "active_ids", []any{inv}, "dont_redirect_to_payments", true))
	require.Equal(t, true, c.must("account.payment.register", "action_create_payments", []any{[]any{reg}}, "context",
		wire.NewStruct("active_model", "account.move", "active_ids", []any{inv}, "dont_redirect_to_payments", true)))
	m = c.read("account.move", inv, "payment_state", "amount_residual", "matched_payment_ids")
	require.Equal(t, "paid", m.Value("payment_state"))
	require.Equal(t, 0.0, m.Value("amount_residual"))
	require.Len(t, m.Value("matched_payment_ids"), 2)
	_, f = c.exec("account.payment.register", "create", []any{wire.NewStruct()}, "context", mctx)
	require.Equal(t, "You can't register a payment because there is nothing left to pay on the selected journal items.", f.String)
	payments := c.must("account.payment", "search_read", []any{[]any{[]any{"memo", "=", "rest"}}}, "fields", []any{"state", "amount", "name"}).([]any)
	require.Len(t, payments, 1)
	require.Equal(t, "paid", payments[0].(*wire.Struct).Value("state"))
	require.Equal(t, 92.84, payments[0].(*wire.Struct).Value("amount"))
	require.Equal(t, "PBNK1/2026/00002", payments[0].(*wire.Struct).Value("name"))

	rev := c.must("account.move.reversal", "create", []any{wire.NewStruct("reason", "refund R-1", "journal_id", int64(1))}, "context", mctx)
	action := c.must("account.move.reversal", "refund_moves", []any{[]any{rev}}, "context", mctx).(*wire.Struct)
	credit := action.Value("res_id").(int64)
	cn := c.read("account.move", credit, "move_type", "state", "ref", "reversed_entry_id", "amount_total")
	require.Equal(t, "out_refund", cn.Value("move_type"))
	require.Equal(t, "Reversal of: INV/2026/00001, refund R-1", cn.Value("ref"))
	require.Equal(t, 192.84, cn.Value("amount_total"))
	c.must("account.move", "action_post", []any{[]any{credit}})
	require.Equal(t, "RINV/2026/00001", c.read("account.move", credit, "name").Value("name"))
	require.Equal(t, "to invoice", c.read("sale.order", 4, "invoice_status").Value("invoice_status"), "the credit note un-invoices the lines")

	cctx := wire.NewStruct("active_model", "account.move", "active_ids", []any{credit})
	reg = c.must("account.payment.register", "create", []any{wire.NewStruct("communication", "refund")}, "context", cctx)
	c.must("account.payment.register", "action_create_payments", []any{[]any{reg}}, "context", cctx)
	require.Equal(t, "paid", c.read("account.move", credit, "payment_state").Value("payment_state"))
	out := c.must("account.payment", "search_read", []any{[]any{[]any{"memo", "=", "refund"}}}, "fields", []any{"payment_type", "outstanding_account_id"}).([]any)
	require.Equal(t, "outbound", out[0].(*wire.Struct).Value("payment_type"))
}

// The payment.transaction path: computed reference, raw writes, the
// post-processing cron paying and confirming the quotation.
func TestDemoTransactionPostProcessing(t *testing.T) {
	_, c := startDemo(t, Options{})
	create := func(order int64, amount float64) (any, *wire.Fault) {
		return c.exec("payment.transaction", "create", []any{wire.NewStruct("provider_id", int64(6), "payment_method_id", int64(1),
			"amount", amount, "currency_id", int64(1), "partner_id", int64(11), "sale_order_ids", []any{cmd(6, 0, []any{order})},
			"provider_reference", "AP-1", "operation", "online_direct")})
	}
	v, f := create(2, 152.98)
	require.Nil(t, f)
	tx := v.(int64)
	r := c.read("payment.transaction", tx, "reference", "state", "partner_name", "partner_city", "provider_code", "is_post_processed")
	require.Equal(t, "S00002", r.Value("reference"))
	require.Equal(t, "draft", r.Value("state"))
	require.Equal(t, "Marcus Lee", r.Value("partner_name"))
	require.Equal(t, "New York", r.Value("partner_city"))
	require.Equal(t, "demo", r.Value("provider_code"))
	v, f = create(2, 152.98)
	require.Nil(t, f)
	require.Equal(t, "S00002-1", c.read("payment.transaction", v.(int64), "reference").Value("reference"))

	_, f = c.exec("payment.transaction", "write", []any{[]any{tx}, wire.NewStruct("reference", "S00002-1")})
	require.Equal(t, "The operation cannot be completed: Reference must be unique!", f.String)
	_, f = c.exec("payment.transaction", "write", []any{[]any{tx}, wire.NewStruct("state", "captured")})
	require.Equal(t, "ValueError: Wrong value for payment.transaction.state: 'captured'", faultLast(f))
	_, f = c.exec("payment.transaction", "action_refund", []any{[]any{tx}})
	require.Equal(t, "Only confirmed transactions can be refunded.", f.String)

	c.must("payment.transaction", "write", []any{[]any{tx}, wire.NewStruct("state", "done", "provider_reference", "AP-CAPTURE-1")})
	require.Equal(t, "draft", c.read("sale.order", 2, "state").Value("state"), "a raw write does not post-process")
	cron := c.firstID("ir.cron", []any{"code", "ilike", "_cron_post_process"})
	require.Equal(t, true, c.must("ir.cron", "method_direct_trigger", []any{[]any{cron}}))
	require.Equal(t, "sale", c.read("sale.order", 2, "state").Value("state"), "the amount matches: confirmed")
	r = c.read("payment.transaction", tx, "is_post_processed", "payment_id")
	require.Equal(t, true, r.Value("is_post_processed"))
	pay := r.Value("payment_id").([]any)[0].(int64)
	p := c.read("account.payment", pay, "state", "memo", "amount", "payment_method_line_id", "payment_transaction_id")
	require.Equal(t, "in_process", p.Value("state"))
	require.Equal(t, "S00002 - Marcus Lee - AP-CAPTURE-1", p.Value("memo"))
	require.Equal(t, 152.98, p.Value("amount"))
	require.Equal(t, "Demo (Bank)", p.Value("payment_method_line_id").([]any)[1])
	require.Equal(t, 152.98, c.read("sale.order", 2, "amount_paid").Value("amount_paid"))
}

func TestDemoDeliveryAndChatter(t *testing.T) {
	_, c := startDemo(t, Options{})
	wiz := c.must("choose.delivery.carrier", "create", []any{wire.NewStruct("order_id", int64(1), "carrier_id", int64(1))})
	require.Equal(t, 0.0, c.read("choose.delivery.carrier", wiz.(int64), "delivery_price").Value("delivery_price"),
		"the rate comes from an onchange, which create does not run")
	action := c.must("choose.delivery.carrier", "update_price", []any{[]any{wiz}}).(*wire.Struct)
	require.Equal(t, wiz, action.Value("res_id"))
	require.Equal(t, 7.5, c.read("choose.delivery.carrier", wiz.(int64), "delivery_price").Value("delivery_price"))
	_, f := c.exec("choose.delivery.carrier", "button_confirm", []any{[]any{wiz}})
	require.Equal(t, "TypeError: cannot marshal None unless allow_none is enabled", faultLast(f))
	o := c.read("sale.order", 1, "amount_total", "order_line", "delivery_set")
	require.Equal(t, 149.4, o.Value("amount_total"), "141.90 + 7.50 shipping")
	require.Equal(t, true, o.Value("delivery_set"))

	msg := c.must("sale.order", "message_post", []any{[]any{int64(1)}}, "body", "Paid <b>via</b> Afterpay\nline 2",
		"message_type", "comment", "subtype_xmlid", "mail.mt_note").(int64)
	m := c.read("mail.message", msg, "body", "model", "res_id", "subtype_id", "message_type")
	require.Equal(t, "<p>Paid &lt;b&gt;via&lt;/b&gt; Afterpay\nline 2</p>", m.Value("body"), "escaped, newlines kept as they are")
	html := c.must("sale.order", "message_post", []any{[]any{int64(1)}}, "body", "Paid &amp; <b>done</b><br>line 2",
		"body_is_html", true, "message_type", "comment", "subtype_xmlid", "mail.mt_note").(int64)
	require.Equal(t, "<p>Paid &amp; <b>done</b><br>line 2</p>", c.read("mail.message", html, "body").Value("body"))
	require.Equal(t, "sale.order", m.Value("model"))
	require.Equal(t, int64(1), m.Value("res_id"))
	require.Equal(t, "Note", m.Value("subtype_id").([]any)[1])

	modelID := c.firstID("ir.model", []any{"model", "=", "sale.order"})
	_, f = c.exec("mail.activity", "create", []any{wire.NewStruct("res_model", "sale.order", "res_id", int64(1), "summary", "x")})
	require.Contains(t, f.String, "Field: Document Model (res_model_id)")
	act := c.must("mail.activity", "create", []any{wire.NewStruct("res_model_id", modelID, "res_id", int64(1), "activity_type_id", int64(4),
		"summary", "Check refund", "note", "Look at it", "date_deadline", "2026-11-30")}).(int64)
	a := c.read("mail.activity", act, "res_model", "res_name", "state", "note")
	require.Equal(t, "sale.order", a.Value("res_model"))
	require.Equal(t, "S00001", a.Value("res_name"))
	require.Equal(t, "planned", a.Value("state"))
	require.Equal(t, "<p>Look at it</p>", a.Value("note"))
	require.Equal(t, []any{act}, c.read("sale.order", 1, "activity_ids").Value("activity_ids"))
	fb := c.must("mail.activity", "action_feedback", []any{[]any{act}}, "feedback", "done")
	require.IsType(t, int64(0), fb)
	require.Empty(t, c.must("mail.activity", "search", []any{[]any{[]any{"id", "=", act}}}))
}

// A partial credit note edited in draft and posted against an open invoice
// reconciles with it (odoo-transcripts-2 313-325).
func TestDemoPartialCreditNoteAgainstOpenInvoice(t *testing.T) {
	_, c := startDemo(t, Options{})
	c.must("sale.order", "action_confirm", []any{[]any{int64(4)}})
	deliver(c, 4)
	ctx := wire.NewStruct("active_model", "sale.order", "active_ids", []any{int64(4)})
	wiz := c.must("sale.advance.payment.inv", "create", []any{wire.NewStruct()}, "context", ctx)
	c.exec("sale.advance.payment.inv", "create_invoices", []any{[]any{wiz}}, "context", ctx)
	inv := c.read("sale.order", 4, "invoice_ids").Value("invoice_ids").([]any)[0].(int64)
	c.must("account.move", "action_post", []any{[]any{inv}})

	mctx := wire.NewStruct("active_model", "account.move", "active_ids", []any{inv})
	rev := c.must("account.move.reversal", "create", []any{wire.NewStruct("reason", "partial", "journal_id", int64(1))}, "context", mctx)
	credit := c.must("account.move.reversal", "refund_moves", []any{[]any{rev}}, "context", mctx).(*wire.Struct).Value("res_id").(int64)
	lines := idList(c.read("account.move", credit, "invoice_line_ids").Value("invoice_line_ids"))
	require.Len(t, lines, 3) // mugs, wallet, shoes
	c.must("account.move", "write", []any{[]any{credit}, wire.NewStruct("invoice_line_ids", []any{
		cmd(1, lines[0], wire.NewStruct("quantity", 1.0)),
		cmd(2, lines[2], int64(0)),
	})})
	cn := c.read("account.move", credit, "amount_untaxed", "amount_tax", "amount_total", "amount_residual")
	require.Equal(t, 57.5, cn.Value("amount_untaxed"), "1 mug 12.00 + wallet 45.50")
	require.Equal(t, 5.75, cn.Value("amount_tax"))
	require.Equal(t, 63.25, cn.Value("amount_total"))
	require.Equal(t, 63.25, cn.Value("amount_residual"))

	c.must("account.move", "action_post", []any{[]any{credit}})
	cn = c.read("account.move", credit, "payment_state", "amount_residual")
	require.Equal(t, "paid", cn.Value("payment_state"))
	require.Equal(t, 0.0, cn.Value("amount_residual"))
	m := c.read("account.move", inv, "payment_state", "amount_residual", "reversal_move_ids")
	require.Equal(t, "partial", m.Value("payment_state"))
	require.Equal(t, 129.59, m.Value("amount_residual"), "192.84 - 63.25")
	require.Equal(t, []any{credit}, m.Value("reversal_move_ids"))
	require.Equal(t, "to invoice", c.read("sale.order", 4, "invoice_status").Value("invoice_status"))
	line := c.must("sale.order.line", "search_read", []any{[]any{[]any{"order_id", "=", int64(4)}, []any{"product_id", "=", int64(4)}}},
		"fields", []any{"qty_invoiced", "qty_to_invoice"}).([]any)[0].(*wire.Struct)
	require.Equal(t, 3.0, line.Value("qty_invoiced"))
	require.Equal(t, 1.0, line.Value("qty_to_invoice"))
}

func TestDemoFullCreditNoteReversesOpenInvoice(t *testing.T) {
	_, c := startDemo(t, Options{})
	c.must("sale.order", "action_confirm", []any{[]any{int64(1)}})
	ctx := wire.NewStruct("active_model", "sale.order", "active_ids", []any{int64(1)})
	wiz := c.must("sale.advance.payment.inv", "create", []any{wire.NewStruct()}, "context", ctx)
	c.exec("sale.advance.payment.inv", "create_invoices", []any{[]any{wiz}}, "context", ctx)
	inv := c.read("sale.order", 1, "invoice_ids").Value("invoice_ids").([]any)[0].(int64)
	c.must("account.move", "action_post", []any{[]any{inv}})
	mctx := wire.NewStruct("active_model", "account.move", "active_ids", []any{inv})
	rev := c.must("account.move.reversal", "create", []any{wire.NewStruct("journal_id", int64(1))}, "context", mctx)
	credit := c.must("account.move.reversal", "refund_moves", []any{[]any{rev}}, "context", mctx).(*wire.Struct).Value("res_id").(int64)
	require.Equal(t, "Reversal of: INV/2026/00001", c.read("account.move", credit, "ref").Value("ref"))
	c.must("account.move", "action_post", []any{[]any{credit}})
	require.Equal(t, "reversed", c.read("account.move", inv, "payment_state").Value("payment_state"))
	require.Equal(t, "paid", c.read("account.move", credit, "payment_state").Value("payment_state"))

	_, f := c.exec("account.move.reversal", "create", []any{wire.NewStruct("journal_id", int64(1))},
		"context", wire.NewStruct("active_model", "account.move", "active_ids", []any{int64(999)}))
	require.Equal(t, "Record does not exist or has been deleted.\n(Record: account.move(999,), User: 2)", f.String)

	c.must("sale.order", "action_confirm", []any{[]any{int64(3)}})
	deliver(c, 3)
	ctx = wire.NewStruct("active_model", "sale.order", "active_ids", []any{int64(3)})
	wiz = c.must("sale.advance.payment.inv", "create", []any{wire.NewStruct()}, "context", ctx)
	c.exec("sale.advance.payment.inv", "create_invoices", []any{[]any{wiz}}, "context", ctx)
	draft := c.read("sale.order", 3, "invoice_ids").Value("invoice_ids").([]any)[0].(int64)
	dctx := wire.NewStruct("active_model", "account.move", "active_ids", []any{draft})
	rev = c.must("account.move.reversal", "create", []any{wire.NewStruct("journal_id", int64(1))}, "context", dctx)
	_, f = c.exec("account.move.reversal", "refund_moves", []any{[]any{rev}}, "context", dctx)
	require.Equal(t, "You can only reverse posted moves.", f.String)
}
