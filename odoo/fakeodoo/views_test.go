package fakeodoo

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/odoo-afterpay/bridge/odoo/fakeodoo/internal/wire"
)

// viewOf resolves an external id of a view.
func viewOf(t *testing.T, c *rpc, xmlid string) int64 {
	t.Helper()
	module, name, _ := strings.Cut(xmlid, ".")
	v := c.must("ir.model.data", "search_read", []any{[]any{[]any{"module", "=", module}, []any{"name", "=", name}}},
		"fields", []any{"res_id"})
	list := v.([]any)
	require.Len(t, list, 1, xmlid)
	return list[0].(*wire.Struct).Value("res_id").(int64)
}

func formArch(t *testing.T, c *rpc, model string) string {
	t.Helper()
	v := c.must(model, "get_views", []any{[]any{[]any{false, "form"}}})
	views := v.(*wire.Struct).Value("views").(*wire.Struct)
	return views.Value("form").(*wire.Struct).Value("arch").(string)
}

// Extension views are combined with Odoo's own form and validated like
// Odoo does on create and write (messages as the real server words them).
func TestViewInheritance(t *testing.T) {
	_, c := startDemo(t, Options{})
	parent := viewOf(t, c, "sale.view_order_form")
	require.NotContains(t, formArch(t, c, "sale.order"), "afterpay")

	ext := `<data>
    <xpath expr="//page[@name='other_information']" position="after">
        <page string="Afterpay" name="afterpay"><group><field name="client_order_ref" readonly="1"/></group></page>
    </xpath>
    <field name="payment_term_id" position="attributes"><attribute name="readonly">1</attribute></field>
</data>`
	id := c.must("ir.ui.view", "create", []any{wire.NewStruct("name", "test.ext", "model", "sale.order",
		"inherit_id", parent, "arch", ext)}).(int64)
	r := c.read("ir.ui.view", id, "mode", "type", "priority", "active", "arch_db", "arch", "inherit_id")
	require.Equal(t, "extension", r.Value("mode"))
	require.Equal(t, "form", r.Value("type"))
	require.Equal(t, int64(16), r.Value("priority"))
	require.Equal(t, true, r.Value("active"))
	require.Equal(t, ext, r.Value("arch_db"))
	require.Equal(t, ext, r.Value("arch"))
	require.Equal(t, parent, r.Value("inherit_id").([]any)[0])

	arch := formArch(t, c, "sale.order")
	i := strings.Index(arch, `<page string="Other Info" name="other_information">`)
	j := strings.Index(arch, `<page string="Afterpay" name="afterpay">`)
	require.True(t, i >= 0 && j > i, arch)
	require.Contains(t, arch, `<field name="payment_term_id" readonly="1"/>`)

	// A field the model does not have.
	_, f := c.exec("ir.ui.view", "create", []any{wire.NewStruct("name", "test.bad", "model", "sale.order",
		"inherit_id", parent, "arch", strings.Replace(ext, "client_order_ref", "x_nope", 1))})
	require.NotNil(t, f)
	require.EqualValues(t, 2, f.Code)
	require.True(t, strings.HasPrefix(f.String, "Error while validating view near:\n\n"), f.String)
	require.True(t, strings.HasSuffix(f.String, "\n\nField \"x_nope\" does not exist in model \"sale.order\""), f.String)
	// An anchor the parent does not have.
	_, f = c.exec("ir.ui.view", "create", []any{wire.NewStruct("name", "test.bad", "model", "sale.order",
		"inherit_id", parent, "arch", `<data><xpath expr="//nonexistent" position="inside"><field name="name"/></xpath></data>`)})
	require.NotNil(t, f)
	require.EqualValues(t, 2, f.Code)
	require.Equal(t, "Error while parsing or validating view:\n\nElement '<xpath expr=\"//nonexistent\">' cannot be located in parent view", f.String)
	// Nothing of the refused creates was kept; a bad write is refused too.
	require.Equal(t, int64(0), c.must("ir.ui.view", "search_count", []any{[]any{[]any{"name", "=", "test.bad"}}}))
	_, f = c.exec("ir.ui.view", "write", []any{[]any{id}, wire.NewStruct("arch", strings.Replace(ext, "client_order_ref", "x_nope", 1))})
	require.NotNil(t, f)
	require.Equal(t, ext, c.read("ir.ui.view", id, "arch_db").Value("arch_db"))

	// Archived extensions are not applied.
	c.must("ir.ui.view", "write", []any{[]any{id}, wire.NewStruct("active", false)})
	require.NotContains(t, formArch(t, c, "sale.order"), "afterpay")
}

// A manual field created in the same database can be shown at once.
func TestViewOfAManualField(t *testing.T) {
	_, c := startDemo(t, Options{})
	model := c.must("ir.model", "search", []any{[]any{[]any{"model", "=", "account.move"}}}).([]any)[0]
	c.must("ir.model.fields", "create", []any{wire.NewStruct("model_id", model, "name", "x_ref2", "ttype", "char",
		"field_description", "Ref 2", "state", "manual")})
	c.must("ir.ui.view", "create", []any{wire.NewStruct("name", "test.move", "model", "account.move",
		"inherit_id", viewOf(t, c, "account.view_move_form"),
		"arch", `<data><xpath expr="//group[@name='sale_info_group']" position="inside"><field name="x_ref2"/></xpath></data>`)})
	require.Contains(t, formArch(t, c, "account.move"), `<field name="x_ref2"/></group>`)
}

// payment.method.write refuses to activate a method while every provider
// linked to it is disabled (payment/models/payment_method.py), with the
// real server's fault; an enabled or test provider lifts the refusal.
func TestPaymentMethodActivation(t *testing.T) {
	_, c := startDemo(t, Options{})
	const afterpay = int64(4)
	_, f := c.exec("payment.method", "write", []any{[]any{afterpay}, wire.NewStruct("active", true)})
	require.NotNil(t, f, "no provider at all")
	require.EqualValues(t, 2, f.Code)
	require.Equal(t, methodNeedsProvider, f.String)

	provider := c.must("payment.provider", "create", []any{wire.NewStruct("name", "Afterpay", "code", "custom", "state", "disabled",
		"payment_method_ids", []any{[]any{6, 0, []any{afterpay}}})}).(int64)
	ctx := wire.NewStruct("active_test", false)
	got := c.must("payment.method", "read", []any{[]any{afterpay}}, "fields", []any{"provider_ids", "active"}, "context", ctx).([]any)[0].(*wire.Struct)
	require.Equal(t, []any{provider}, got.Value("provider_ids"), "one relation, seen from both sides")
	require.Equal(t, []any{}, c.read("payment.provider", provider, "payment_method_ids").Value("payment_method_ids"),
		"an archived method is hidden while active_test is on")
	_, f = c.exec("payment.method", "write", []any{[]any{afterpay}, wire.NewStruct("active", true)})
	require.NotNil(t, f, "a disabled provider")
	require.Equal(t, methodNeedsProvider, f.String)
	// Archiving, and writing anything else, is fine.
	c.must("payment.method", "write", []any{[]any{afterpay}, wire.NewStruct("active", false, "sequence", 5)})

	c.must("payment.provider", "write", []any{[]any{provider}, wire.NewStruct("state", "test")})
	c.must("payment.method", "write", []any{[]any{afterpay}, wire.NewStruct("active", true)})
	require.Equal(t, true, c.read("payment.method", afterpay, "active").Value("active"))
}
