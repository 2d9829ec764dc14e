package fakeodoo

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/odoo-afterpay/bridge/odoo/fakeodoo/internal/wire"
)

// The expected answers are Python reprs (keys in order), in the shapes a
// real Odoo 18.0 gave for the same specifications.

// spec builds a specification from alternating field names and
// sub-specifications; a nil sub-specification is {}.
func spec(kv ...any) *wire.Struct {
	for i := 1; i < len(kv); i += 2 {
		if kv[i] == nil {
			kv[i] = wire.NewStruct()
		}
	}
	return wire.NewStruct(kv...)
}

// follow is {"fields": spec(kv...)}.
func follow(kv ...any) *wire.Struct { return wire.NewStruct("fields", spec(kv...)) }

func webRead(c *rpc, model string, ids []any, s any) (string, string) {
	c.t.Helper()
	v, f := c.exec(model, "web_read", []any{ids}, "specification", s)
	if f != nil {
		return "", faultLast(f)
	}
	return wire.Repr(v), ""
}

func TestWebReadFollowsRelations(t *testing.T) {
	_, c := startDemo(t, Options{})
	got, fault := webRead(c, "sale.order", []any{int64(3), int64(999)}, spec(
		"name", nil, "company_id", nil, "note", nil, "amount_tax", nil, "locked", nil, "commitment_date", nil, "invoice_ids", nil,
		"payment_term_id", follow("name", nil),
		"partner_id", follow("display_name", nil, "name", nil, "state_id", follow("code", nil), "country_id", follow("code", nil)),
		"order_line", follow("product_id", follow("default_code", nil, "display_name", nil),
			"product_uom_qty", nil, "is_delivery", nil, "display_type", nil, "discount", nil),
	))
	require.Empty(t, fault)
	// Missing ids are skipped; a many2one without a sub-specification is a
	// bare id, an empty one False with or without; display_name comes last
	// in a many2one's values; empty values read as read() gives them.
	require.Equal(t, "[{'id': 3, 'name': 'S00003', 'company_id': 1, 'note': False, 'amount_tax': 0.0, 'locked': False, "+
		"'commitment_date': False, 'invoice_ids': [], 'payment_term_id': False, "+
		"'partner_id': {'id': 12, 'name': 'Priya Patel', 'state_id': {'id': 52, 'code': 'TX'}, 'country_id': {'id': 233, 'code': 'US'}, 'display_name': 'Priya Patel'}, "+
		"'order_line': [{'id': 3, 'product_id': {'id': 2, 'default_code': 'AP-WLLT-02', 'display_name': '[AP-WLLT-02] Leather Wallet'}, 'product_uom_qty': 1.0, 'is_delivery': False, 'display_type': False, 'discount': 0.0}, "+
		"{'id': 4, 'product_id': {'id': 5, 'default_code': 'DELIVERY_STD', 'display_name': '[DELIVERY_STD] Standard delivery'}, 'product_uom_qty': 1.0, 'is_delivery': True, 'display_type': False, 'discount': 0.0}]}]", got)

	// The same fields as read(load=None) gives them.
	plain, _ := webRead(c, "sale.order", []any{int64(3)}, spec("partner_id", nil, "order_line", nil, "amount_total", nil, "date_order", nil))
	read := c.must("sale.order", "read", []any{[]any{int64(3)}}, "fields", []any{"partner_id", "order_line", "amount_total", "date_order"}, "load", "_classic_write")
	require.Equal(t, wire.Repr(read), plain)
}

func TestWebReadX2manyOptions(t *testing.T) {
	_, c := startDemo(t, Options{})
	tests := []struct {
		name string
		spec *wire.Struct
		want string
	}{
		{"ids", spec("order_line", nil), "[{'id': 4, 'order_line': [5, 6, 7]}]"},
		{"falsy sub-specification", spec("order_line", false), "[{'id': 4, 'order_line': [5, 6, 7]}]"},
		{"no fields", spec("order_line", follow()), "[{'id': 4, 'order_line': [{'id': 5}, {'id': 6}, {'id': 7}]}]"},
		// Past the limit, a line is only its id.
		{"limit", spec("order_line", wire.NewStruct("fields", spec("product_uom_qty", nil), "limit", int64(1))),
			"[{'id': 4, 'order_line': [{'id': 5, 'product_uom_qty': 4.0}, {'id': 6}, {'id': 7}]}]"},
		{"limit False", spec("order_line", wire.NewStruct("fields", spec("product_uom_qty", nil), "limit", false)),
			"[{'id': 4, 'order_line': [{'id': 5}, {'id': 6}, {'id': 7}]}]"},
		{"negative limit", spec("order_line", wire.NewStruct("fields", spec("product_uom_qty", nil), "limit", int64(-1))),
			"[{'id': 4, 'order_line': [{'id': 5, 'product_uom_qty': 4.0}, {'id': 6, 'product_uom_qty': 1.0}, {'id': 7}]}]"},
		{"limit without fields", spec("order_line", wire.NewStruct("limit", int64(1))), "[{'id': 4, 'order_line': [5, 6, 7]}]"},
		{"order", spec("order_line", wire.NewStruct("order", "id desc")), "[{'id': 4, 'order_line': [7, 6, 5]}]"},
		{"order and limit", spec("order_line", wire.NewStruct("fields", spec("product_uom_qty", nil), "order", "id desc", "limit", int64(2))),
			"[{'id': 4, 'order_line': [{'id': 7, 'product_uom_qty': 1.0}, {'id': 6, 'product_uom_qty': 1.0}, {'id': 5}]}]"},
		{"empty order", spec("order_line", wire.NewStruct("order", "")), "[{'id': 4, 'order_line': [5, 6, 7]}]"},
		{"context", spec("order_line", wire.NewStruct("fields", spec("discount", nil), "context", wire.NewStruct("lang", "en_US"))),
			"[{'id': 4, 'order_line': [{'id': 5, 'discount': 0.0}, {'id': 6, 'discount': 0.0}, {'id': 7, 'discount': 0.0}]}]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, fault := webRead(c, "sale.order", []any{int64(4)}, tt.spec)
			require.Empty(t, fault)
			require.Equal(t, tt.want, got)
		})
	}
}

func TestWebReadIDsOnly(t *testing.T) {
	_, c := startDemo(t, Options{})
	// Asked for ids only, Odoo answers from the ids without reading them.
	for _, s := range []*wire.Struct{spec(), spec("id", nil)} {
		got, fault := webRead(c, "sale.order", []any{int64(1), int64(999)}, s)
		require.Empty(t, fault)
		require.Equal(t, "[{'id': 1}, {'id': 999}]", got)
	}
	got, _ := webRead(c, "sale.order", []any{int64(999)}, spec("name", nil))
	require.Equal(t, "[]", got)
	got, _ = webRead(c, "sale.order", []any{int64(1), int64(1)}, spec("name", nil))
	require.Equal(t, "[{'id': 1, 'name': 'S00001'}, {'id': 1, 'name': 'S00001'}]", got)
	// The specification may come positionally; an int is one id.
	v := c.must("sale.order", "web_read", []any{int64(1), spec("name", nil)})
	require.Equal(t, "[{'id': 1, 'name': 'S00001'}]", wire.Repr(v))
}

func TestWebReadFaults(t *testing.T) {
	_, c := startDemo(t, Options{})
	lines := func(s *wire.Struct) *wire.Struct { return spec("order_line", s) }
	tests := []struct {
		name string
		ids  []any
		spec any
		want string
	}{
		{"unknown field", []any{int64(1)}, spec("nope", nil), "ValueError: Invalid field 'nope' on model 'sale.order'"},
		{"unknown field of a missing record", []any{int64(999)}, spec("nope", nil), "ValueError: Invalid field 'nope' on model 'sale.order'"},
		{"unknown field of no records", []any{}, spec("nope", nil), "KeyError: 'nope'"},
		{"unknown field of a many2one", []any{int64(1)}, spec("partner_id", follow("nope", nil)), "ValueError: Invalid field 'nope' on model 'res.partner'"},
		{"unknown field of the lines", []any{int64(1)}, lines(follow("nope", nil)), "ValueError: Invalid field 'nope' on model 'sale.order.line'"},
		// Without a record to follow, Odoo reads no records of the comodel.
		{"unknown field of no invoices", []any{int64(1)}, spec("invoice_ids", follow("nope", nil)), "KeyError: 'nope'"},
		{"unknown field of an empty many2one", []any{int64(1)}, spec("payment_term_id", follow("nope", nil)), "KeyError: 'nope'"},
		{"a list", []any{int64(1)}, []any{"name"}, "AttributeError: 'list' object has no attribute 'items'"},
		{"a string", []any{int64(1)}, "name", "ValueError: Invalid field 'n' on model 'sale.order'"},
		{"False", []any{int64(1)}, false, "TypeError: 'bool' object is not iterable"},
		{"many2one sub-specification True", []any{int64(1)}, spec("partner_id", true), "TypeError: argument of type 'bool' is not iterable"},
		{"many2one fields False", []any{int64(1)}, spec("partner_id", wire.NewStruct("fields", false)), "TypeError: 'bool' object is not iterable"},
		{"many2one fields a list", []any{int64(1)}, spec("partner_id", wire.NewStruct("fields", []any{"name"})),
			"ValueError: dictionary update sequence element #0 has length 4; 2 is required"},
		{"many2one sub-specification a string", []any{int64(1)}, spec("partner_id", "fields"), "TypeError: string indices must be integers, not 'str'"},
		{"x2many fields False", []any{int64(1)}, lines(wire.NewStruct("fields", false)), "TypeError: 'bool' object is not iterable"},
		{"x2many sub-specification a list", []any{int64(1)}, spec("order_line", []any{"fields"}), "AttributeError: 'list' object has no attribute 'get'"},
		{"context not a mapping", []any{int64(1)}, spec("partner_id", wire.NewStruct("fields", spec(), "context", true)),
			"TypeError: odoo.models.BaseModel.with_context() argument after ** must be a mapping, not bool"},
		{"order of an unknown field", []any{int64(1)}, lines(wire.NewStruct("order", "nope desc")), "ValueError: Invalid field 'nope' on model 'sale.order.line'"},
		{"order True", []any{int64(1)}, lines(wire.NewStruct("order", true)), "TypeError: expected string or bytes-like object, got 'bool'"},
		{"limit a float", []any{int64(1)}, lines(wire.NewStruct("fields", spec(), "limit", 1.5)),
			"TypeError: slice indices must be integers or None or have an __index__ method"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, fault := webRead(c, "sale.order", tt.ids, tt.spec)
			require.Equal(t, tt.want, fault)
		})
	}

	_, f := c.exec("sale.order", "web_read", []any{[]any{int64(1)}, spec(), int64(1)})
	require.Equal(t, "TypeError: Base.web_read() takes 2 positional arguments but 3 were given", faultLast(f))
	_, f = c.exec("sale.order", "web_read", []any{[]any{int64(1)}})
	require.Equal(t, "TypeError: Base.web_read() missing 1 required positional argument: 'specification'", faultLast(f))
	_, f = c.exec("sale.order", "web_read", []any{[]any{int64(1)}}, "specification", spec(), "fields", []any{})
	require.Equal(t, "TypeError: Base.web_read() got an unexpected keyword argument 'fields'", faultLast(f))
	_, f = c.exec("sale.order", "web_read", []any{[]any{int64(1)}, spec()}, "specification", spec())
	require.Equal(t, "TypeError: Base.web_read() got multiple values for argument 'specification'", faultLast(f))
	_, f = c.exec("sale.order", "web_read", []any{}, "specification", spec())
	require.Equal(t, "IndexError: tuple index out of range", faultLast(f))
	_, f = c.exec("sale.order", "web_read", []any{[]any{int64(1)}}, "specification", lines(wire.NewStruct("order", "id desc,")))
	require.Equal(t, int64(2), f.Code, "a malformed order is a UserError")
	require.Equal(t, `Invalid "order" specified (id desc,). A valid "order" specification is a comma-separated list of valid field names (optionally followed by asc/desc for the direction)`, f.String)
}

func TestWebReadReference(t *testing.T) {
	_, c := startDemo(t, Options{})
	modelID := idList(c.must("ir.model", "search", []any{[]any{[]any{"model", "=", "sale.order"}}}))[0]
	c.must("ir.model.fields", "create", []any{wire.NewStruct("name", "x_ref", "model_id", modelID, "model", "sale.order",
		"ttype", "reference", "field_description", "Ref", "state", "manual")})
	c.must("sale.order", "write", []any{[]any{int64(1)}, wire.NewStruct("x_ref", "res.partner,10")})
	c.must("sale.order", "write", []any{[]any{int64(2)}, wire.NewStruct("x_ref", "sale.order,3")})
	c.must("sale.order", "unlink", []any{[]any{int64(3)}})
	ids := []any{int64(1), int64(2), int64(4)}

	got, _ := webRead(c, "sale.order", ids, spec("x_ref", nil))
	require.Equal(t, "[{'id': 1, 'x_ref': 'res.partner,10'}, {'id': 2, 'x_ref': 'sale.order,3'}, {'id': 4, 'x_ref': False}]", got)
	// Followed, a reference to a deleted record reads False.
	got, _ = webRead(c, "sale.order", ids, spec("x_ref", follow("display_name", nil)))
	require.Equal(t, "[{'id': 1, 'x_ref': {'id': {'id': 10, 'model': 'res.partner'}, 'display_name': 'Jane Cooper'}}, "+
		"{'id': 2, 'x_ref': False}, {'id': 4, 'x_ref': False}]", got)
	got, _ = webRead(c, "sale.order", ids, spec("x_ref", follow()))
	require.Equal(t, "[{'id': 1, 'x_ref': {'id': {'id': 10, 'model': 'res.partner'}}}, {'id': 2, 'x_ref': False}, {'id': 4, 'x_ref': False}]", got)
	got, _ = webRead(c, "sale.order", ids, spec("x_ref", wire.NewStruct("context", wire.NewStruct())))
	require.Equal(t, "[{'id': 1, 'x_ref': 'res.partner,10'}, {'id': 2, 'x_ref': False}, {'id': 4, 'x_ref': False}]", got)
}
