package fakeodoo

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/odoo-afterpay/bridge/odoo/fakeodoo/internal/wire"
)

func cmd(code int64, id int64, v any) []any { return []any{code, id, v} }

func TestX2manyCommands(t *testing.T) {
	_, c := startDemo(t, Options{})
	order := c.must("sale.order", "create", []any{wire.NewStruct("partner_id", int64(10), "order_line", []any{
		cmd(0, 0, wire.NewStruct("product_id", int64(4), "product_uom_qty", 2.0, "tax_id", []any{cmd(6, 0, []any{int64(1)})})),
		cmd(0, 0, wire.NewStruct("product_id", int64(2), "product_uom_qty", 1.0, "tax_id", []any{cmd(6, 0, []any{})})),
	})}).(int64)
	lines := idList(c.read("sale.order", order, "order_line").Value("order_line"))
	require.Len(t, lines, 2)
	first, second := lines[0], lines[1]

	// [1, id, vals] updates a line; the order total follows.
	c.must("sale.order", "write", []any{[]any{order}, wire.NewStruct("order_line", []any{cmd(1, first, wire.NewStruct("product_uom_qty", 3.0))})})
	require.Equal(t, 3.0, c.read("sale.order.line", first, "product_uom_qty").Value("product_uom_qty"))

	// m2m on the line: [3, id] unlinks, [4, id] links, [5] clears, [6] sets.
	c.must("sale.order.line", "write", []any{[]any{first}, wire.NewStruct("tax_id", []any{cmd(3, 1, int64(0))})})
	require.Equal(t, []any{}, c.read("sale.order.line", first, "tax_id").Value("tax_id"))
	c.must("sale.order.line", "write", []any{[]any{first}, wire.NewStruct("tax_id", []any{cmd(4, 1, int64(0))})})
	require.Equal(t, []any{int64(1)}, c.read("sale.order.line", first, "tax_id").Value("tax_id"))
	c.must("sale.order.line", "write", []any{[]any{first}, wire.NewStruct("tax_id", []any{cmd(5, 0, int64(0))})})
	require.Equal(t, []any{}, c.read("sale.order.line", first, "tax_id").Value("tax_id"))
	c.must("sale.order.line", "write", []any{[]any{first}, wire.NewStruct("tax_id", []any{int64(1)})})
	require.Equal(t, []any{int64(1)}, c.read("sale.order.line", first, "tax_id").Value("tax_id"), "a plain id list sets")

	// 3 mugs at 12.00 with 10 % tax and a wallet at 45.50 without tax.
	o := c.read("sale.order", order, "amount_untaxed", "amount_tax", "amount_total")
	require.Equal(t, 81.5, o.Value("amount_untaxed"))
	require.Equal(t, 3.6, o.Value("amount_tax"))
	require.Equal(t, 85.1, o.Value("amount_total"))

	// [2, id] deletes the line record.
	c.must("sale.order", "write", []any{[]any{order}, wire.NewStruct("order_line", []any{cmd(2, second, int64(0))})})
	require.Equal(t, []any{first}, c.read("sale.order", order, "order_line").Value("order_line"))
	v := c.must("sale.order.line", "read", []any{[]any{second}}, "fields", []any{"name"})
	require.Empty(t, v)
	require.Equal(t, 39.6, c.read("sale.order", order, "amount_total").Value("amount_total"))

	// [6, 0, ids] on a one2many re-parents and drops the others; [5] clears.
	c.must("sale.order", "write", []any{[]any{order}, wire.NewStruct("order_line", []any{cmd(5, 0, int64(0))})})
	require.Equal(t, []any{}, c.read("sale.order", order, "order_line").Value("order_line"))
	require.Equal(t, 0.0, c.read("sale.order", order, "amount_total").Value("amount_total"))
}

func TestCreateReadWriteUnlink(t *testing.T) {
	_, c := startDemo(t, Options{})
	ids := c.must("res.partner", "create", []any{[]any{
		wire.NewStruct("name", "Ann", "email", "ann@example.com"),
		wire.NewStruct("name", "Bob", "is_company", true),
	}})
	require.Len(t, ids, 2, "a list of dicts returns a list of ids")
	ann := ids.([]any)[0].(int64)
	bob := ids.([]any)[1].(int64)
	require.Equal(t, true, c.must("res.partner", "write", []any{[]any{ann}, wire.NewStruct("parent_id", bob)}))
	r := c.read("res.partner", ann, "display_name", "parent_id", "street")
	require.Equal(t, "Bob, Ann", r.Value("display_name"))
	require.Equal(t, []any{bob, "Bob"}, r.Value("parent_id"))
	require.Equal(t, false, r.Value("street"), "empty char reads False")

	bare := c.must("res.partner", "read", []any{[]any{ann}}, "fields", []any{"parent_id"}, "load", false)
	require.Equal(t, bob, bare.([]any)[0].(*wire.Struct).Value("parent_id"), "load=None reads a bare id")

	_, f := c.exec("res.partner", "write", []any{[]any{bob}, wire.NewStruct("parent_id", ann)})
	require.Equal(t, "You cannot create recursive Partner hierarchies.", f.String)

	require.Equal(t, true, c.must("res.partner", "unlink", []any{[]any{ann}}))
	_, f = c.exec("res.partner", "unlink", []any{[]any{ann}})
	require.Equal(t, int64(2), f.Code)

	_, f = c.exec("sale.order", "unlink", []any{[]any{int64(1)}})
	require.Nil(t, f, "a draft quotation can be deleted")
	c.must("sale.order", "action_confirm", []any{[]any{int64(2)}})
	_, f = c.exec("sale.order", "unlink", []any{[]any{int64(2)}})
	require.Equal(t, "You can not delete a sent quotation or a confirmed sales order. You must first cancel it.", f.String)
}

func TestUnlinkCascadesToLines(t *testing.T) {
	srv, c := startDemo(t, Options{})
	lines := idList(c.read("sale.order", 4, "order_line").Value("order_line"))
	require.Len(t, lines, 3)
	c.must("sale.order", "unlink", []any{[]any{int64(4)}})
	for _, l := range lines {
		_, err := srv.Record("sale.order.line", l)
		require.Error(t, err)
	}
}

func TestSearchOptionsAndActiveTest(t *testing.T) {
	_, c := startDemo(t, Options{})
	v := c.must("sale.order", "search_read", []any{[]any{}}, "fields", []any{"name"}, "order", "name asc", "limit", 2, "offset", 1)
	require.Equal(t, []any{"S00002", "S00003"}, []any{v.([]any)[0].(*wire.Struct).Value("name"), v.([]any)[1].(*wire.Struct).Value("name")})
	require.Equal(t, []any{int64(5), int64(4), int64(3), int64(2), int64(1)}, c.must("sale.order", "search", []any{[]any{}}),
		"default order is date_order desc, id desc")

	require.Empty(t, c.must("payment.method", "search", []any{[]any{[]any{"code", "=", "afterpay"}}}))
	require.Len(t, c.must("payment.method", "search", []any{[]any{[]any{"code", "=", "afterpay"}}}, "context", wire.NewStruct("active_test", false)), 1)
	require.Len(t, c.must("payment.method", "search", []any{[]any{[]any{"active", "=", false}}}), 1, "a domain on active disables the filter")
	require.Equal(t, int64(5), c.must("sale.order", "search_count", []any{[]any{}}))
}

func TestDomainOperators(t *testing.T) {
	_, c := startDemo(t, Options{})
	ids := func(dom ...any) []any {
		t.Helper()
		return c.must("res.partner", "search", []any{dom}, "order", "id").([]any)
	}
	tests := []struct {
		name   string
		domain []any
		want   []any
	}{
		{"=", []any{[]any{"name", "=", "Jane Cooper"}}, []any{int64(10)}},
		{"!= includes empties", []any{[]any{"city", "!=", "Sydney"}, []any{"id", ">", int64(9)}}, []any{int64(10), int64(11), int64(12)}},
		{"in", []any{[]any{"id", "in", []any{int64(10), int64(13)}}}, []any{int64(10), int64(13)}},
		{"not in", []any{[]any{"id", "not in", []any{int64(1), int64(3)}}}, []any{int64(10), int64(11), int64(12), int64(13)}},
		{"ilike", []any{[]any{"email", "ilike", "PATEL"}}, []any{int64(12)}},
		{"like is case sensitive", []any{[]any{"email", "like", "PATEL"}}, []any{}},
		{"=like pattern", []any{[]any{"zip", "=like", "9%"}}, []any{int64(1), int64(10)}},
		{"<", []any{[]any{"id", "<", int64(3)}}, []any{int64(1)}},
		{">=", []any{[]any{"id", ">=", int64(12)}}, []any{int64(12), int64(13)}},
		{"<=", []any{[]any{"id", "<=", int64(1)}}, []any{int64(1)}},
		{"=? with False is true", []any{[]any{"city", "=?", false}, []any{"id", "=", int64(11)}}, []any{int64(11)}},
		{"=? with a value", []any{[]any{"city", "=?", "Austin"}}, []any{int64(12)}},
		{"= False", []any{[]any{"street", "=", false}}, []any{int64(3)}},
		{"| operator", []any{"|", []any{"id", "=", int64(10)}, []any{"id", "=", int64(13)}}, []any{int64(10), int64(13)}},
		{"! operator", []any{"!", []any{"id", "<", int64(12)}}, []any{int64(12), int64(13)}},
		{"& operator", []any{"&", []any{"id", ">", int64(10)}, []any{"id", "<", int64(13)}}, []any{int64(11), int64(12)}},
		{"many2one path", []any{[]any{"country_id.code", "=", "AU"}}, []any{int64(13)}},
		{"many2one by name", []any{[]any{"state_id", "ilike", "texas"}}, []any{int64(12)}},
		{"child_of", []any{[]any{"id", "child_of", int64(1)}}, []any{int64(1)}},
		{"true leaf", []any{[]any{int64(1), "=", int64(1)}, []any{"id", "=", int64(13)}}, []any{int64(13)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.Equal(t, tt.want, ids(tt.domain...))
		})
	}
	// x2many leaves
	orders := c.must("sale.order", "search", []any{[]any{[]any{"order_line.product_id.default_code", "=", "AP-MUG-04"}}})
	require.Equal(t, []any{int64(4)}, orders)
	orders = c.must("sale.order", "search", []any{[]any{[]any{"transaction_ids", "=", false}}})
	require.Len(t, orders, 5)
	sel := c.must("ir.model.fields.selection", "search_read", []any{[]any{
		[]any{"field_id.model", "=", "sale.order"}, []any{"field_id.name", "=", "state"}, []any{"value", "=", "sale"}}}, "fields", []any{"name"})
	require.Len(t, sel, 1)
	require.Equal(t, "Sales Order", sel.([]any)[0].(*wire.Struct).Value("name"))
}

func TestFieldsGetAndNameSearch(t *testing.T) {
	_, c := startDemo(t, Options{})
	fg := c.must("sale.order", "fields_get", []any{[]any{"state", "partner_id", "order_line"}}, "attributes", []any{"type", "string", "relation", "selection"}).(*wire.Struct)
	require.Equal(t, []string{"partner_id", "state", "order_line"}, fg.Keys(), "definition order")
	state := fg.Value("state").(*wire.Struct)
	require.Equal(t, []string{"selection", "string", "type"}, state.Keys(), "attributes sorted")
	require.Equal(t, []any{"draft", "Quotation"}, state.Value("selection").([]any)[0])
	require.Equal(t, "sale.order.line", fg.Value("order_line").(*wire.Struct).Value("relation"))

	ns := c.must("res.partner", "name_search", []any{"coop"})
	require.Equal(t, []any{[]any{int64(10), "Jane Cooper"}}, ns)
	ns = c.must("product.product", "name_search", []any{"AP-SHOE"})
	require.Equal(t, []any{[]any{int64(3), "[AP-SHOE-03] Running Shoes"}}, ns)
}

func TestManualFields(t *testing.T) {
	_, c := startDemo(t, Options{})
	modelID := c.must("ir.model", "search", []any{[]any{[]any{"model", "=", "sale.order"}}}).([]any)[0]
	_, f := c.exec("ir.model.fields", "create", []any{wire.NewStruct("name", "afterpay_id", "model_id", modelID, "ttype", "char", "field_description", "X")})
	require.NotNil(t, f, "custom fields need the x_ prefix")
	fid := c.must("ir.model.fields", "create", []any{wire.NewStruct("name", "x_afterpay_status", "model_id", modelID, "ttype", "selection",
		"field_description", "Afterpay Status", "selection_ids", []any{
			cmd(0, 0, wire.NewStruct("value", "auth", "name", "Authorised", "sequence", int64(1))),
			cmd(0, 0, wire.NewStruct("value", "captured", "name", "Captured", "sequence", int64(2))),
		})}).(int64)
	require.NotZero(t, fid)
	c.must("sale.order", "write", []any{[]any{int64(1)}, wire.NewStruct("x_afterpay_status", "captured")})
	require.Equal(t, "captured", c.read("sale.order", 1, "x_afterpay_status").Value("x_afterpay_status"))
	_, f = c.exec("sale.order", "write", []any{[]any{int64(1)}, wire.NewStruct("x_afterpay_status", "nope")})
	require.Equal(t, "ValueError: Wrong value for sale.order.x_afterpay_status: 'nope'", faultLast(f))
	ids := c.must("sale.order", "search", []any{[]any{[]any{"x_afterpay_status", "=", "captured"}}})
	require.Equal(t, []any{int64(1)}, ids)
	fg := c.must("sale.order", "fields_get", []any{[]any{"x_afterpay_status"}}, "attributes", []any{"type", "string"})
	require.Equal(t, "Afterpay Status", fg.(*wire.Struct).Value("x_afterpay_status").(*wire.Struct).Value("string"))

	c.must("ir.model.fields", "unlink", []any{[]any{fid}})
	_, f = c.exec("sale.order", "read", []any{[]any{int64(1)}}, "fields", []any{"x_afterpay_status"})
	require.Equal(t, "ValueError: Invalid field 'x_afterpay_status' on model 'sale.order'", faultLast(f))
}

func TestFailedCreateUsesSequenceButNoID(t *testing.T) {
	_, c := startDemo(t, Options{})
	_, f := c.exec("sale.order", "create", []any{wire.NewStruct("partner_id", int64(10), "no_such_field", int64(1))})
	require.NotNil(t, f)
	id := c.must("sale.order", "create", []any{wire.NewStruct("partner_id", int64(10))}).(int64)
	require.Equal(t, int64(6), id, "the failed create stopped before INSERT")
	require.Equal(t, "S00007", c.read("sale.order", id, "name").Value("name"), "but its sequence number is gone")

	_, f = c.exec("account.move.reversal", "create", []any{wire.NewStruct("reason", "x")})
	require.Equal(t, "The operation cannot be completed:\n- Create/update: a mandatory field is not set.\n"+
		"- Delete: another model requires the record being deleted. If possible, archive it instead.\n\n"+
		"Model: Account Move Reversal (account.move.reversal)\nField: Journal (journal_id)\n", f.String, "as transcripts-2 318 recorded")
}
