package fakeodoo

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/odoo-afterpay/bridge/odoo/fakeodoo/internal/wire"
)

// Payment terms get Odoo's default line (100 % at once) and refuse lines
// that do not add up to 100 %.
func TestPaymentTermLines(t *testing.T) {
	_, c := startDemo(t, Options{})
	id := c.must("account.payment.term", "create", []any{wire.NewStruct("name", "Now")}).(int64)
	lines := idList(c.read("account.payment.term", id, "line_ids").Value("line_ids"))
	require.Len(t, lines, 1)
	line := c.read("account.payment.term.line", lines[0], "value", "value_amount", "nb_days", "delay_type")
	require.Equal(t, "percent", line.Value("value"))
	require.Equal(t, 100.0, line.Value("value_amount"))
	require.Equal(t, int64(0), line.Value("nb_days"))
	require.Equal(t, "days_after", line.Value("delay_type"))

	_, f := c.exec("account.payment.term", "write", []any{[]any{id}, wire.NewStruct("line_ids", []any{[]any{int64(5)}})})
	require.NotNil(t, f)
	require.Equal(t, "The Payment Term must have at least one percent line and the sum of the percent must be 100%.", f.String)
	_, f = c.exec("account.payment.term", "create", []any{wire.NewStruct("name", "Half", "line_ids", []any{
		[]any{int64(0), int64(0), wire.NewStruct("value", "percent", "value_amount", 50.0)}})})
	require.NotNil(t, f)
	c.must("account.payment.term", "write", []any{[]any{id}, wire.NewStruct("line_ids", []any{[]any{int64(5)},
		[]any{int64(0), int64(0), wire.NewStruct("value", "percent", "value_amount", 30.0)},
		[]any{int64(0), int64(0), wire.NewStruct("value", "percent", "value_amount", 70.0, "nb_days", int64(30))}})})
	require.Len(t, idList(c.read("account.payment.term", id, "line_ids").Value("line_ids")), 2)
}

// A confirmed demo order gets its delivery; validating with less than the
// demand asks about a backorder, and the wizard without the action's
// context does nothing (transcripts-2 239-241).
func TestDeliveryBackorderWizard(t *testing.T) {
	_, c := startDemo(t, Options{})
	c.must("sale.order", "action_confirm", []any{[]any{int64(2)}}) // 2 pairs of shoes
	pickings := idList(c.read("sale.order", 2, "picking_ids").Value("picking_ids"))
	require.Len(t, pickings, 1)
	p := c.read("stock.picking", pickings[0], "name", "state", "origin", "picking_type_code", "move_ids")
	require.Equal(t, "WH/OUT/00001", p.Value("name"))
	require.Equal(t, "assigned", p.Value("state"))
	require.Equal(t, "S00002 - DEMO-1002", p.Value("origin"))
	require.Equal(t, "outgoing", p.Value("picking_type_code"))
	moves := idList(p.Value("move_ids"))
	require.Len(t, moves, 1)
	c.must("stock.move", "write", []any{moves, wire.NewStruct("quantity", 1.0, "picked", true)})

	res := c.must("stock.picking", "button_validate", []any{pickings}, "context", wire.NewStruct("skip_sms", true)).(*wire.Struct)
	require.Equal(t, "stock.backorder.confirmation", res.Value("res_model"))
	ctx := res.Value("context").(*wire.Struct)
	require.Equal(t, []any{"skip_sms", "button_validate_picking_ids", "default_show_transfers", "default_pick_ids"}, anyKeys(ctx))

	bare := c.must("stock.backorder.confirmation", "create", []any{wire.NewStruct()}).(int64)
	require.Equal(t, true, c.must("stock.backorder.confirmation", "process", []any{[]any{bare}}))
	require.Equal(t, "assigned", c.read("stock.picking", pickings[0], "state").Value("state"), "nothing happens without the context")

	wiz := c.must("stock.backorder.confirmation", "create", []any{wire.NewStruct()}, "context", ctx).(int64)
	require.Equal(t, true, c.must("stock.backorder.confirmation", "process", []any{[]any{wiz}}, "context", ctx))
	require.Equal(t, "done", c.read("stock.picking", pickings[0], "state").Value("state"))
	backorders := idList(c.read("stock.picking", pickings[0], "backorder_ids").Value("backorder_ids"))
	require.Len(t, backorders, 1)
	require.Equal(t, "WH/OUT/00002", c.read("stock.picking", backorders[0], "name").Value("name"))
	line := c.read("sale.order.line", idList(c.read("sale.order", 2, "order_line").Value("order_line"))[0], "qty_delivered", "qty_delivered_method")
	require.Equal(t, 1.0, line.Value("qty_delivered"))
	require.Equal(t, "stock_move", line.Value("qty_delivered_method"))
	require.Equal(t, "partial", c.read("sale.order", 2, "delivery_status").Value("delivery_status"))

	// Nothing reserved nor done: Odoo's sanity check.
	c.must("stock.move", "write", []any{idList(c.read("stock.picking", backorders[0], "move_ids").Value("move_ids")), wire.NewStruct("quantity", 0.0)})
	_, f := c.exec("stock.picking", "button_validate", []any{backorders})
	require.NotNil(t, f)
	require.Equal(t, "You cannot validate a transfer if no quantities are reserved. To force the transfer, encode quantities.", f.String)
}

func anyKeys(s *wire.Struct) []any {
	var out []any
	for _, k := range s.Keys() {
		out = append(out, k)
	}
	return out
}
