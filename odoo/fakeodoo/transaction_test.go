package fakeodoo

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/odoo-afterpay/bridge/odoo/fakeodoo/internal/wire"
)

// Authorize, capture part, void the rest (payment_demo's behaviour recorded
// in odoo-transcripts-2 341-355), on the demo data.
func TestTransactionCaptureAndVoid(t *testing.T) {
	_, c := startDemo(t, Options{})
	tx := c.must("payment.transaction", "create", []any{wire.NewStruct("provider_id", int64(6), "payment_method_id", int64(1),
		"amount", 141.9, "currency_id", int64(1), "partner_id", int64(10), "sale_order_ids", []any{cmd(6, 0, []any{int64(1)})},
		"provider_reference", "afterpay-auth-1", "operation", "online_direct", "state", "authorized")}).(int64)
	o := c.read("sale.order", 1, "state", "authorized_transaction_ids", "amount_paid")
	require.Equal(t, "draft", o.Value("state"))
	require.Equal(t, []any{tx}, o.Value("authorized_transaction_ids"))
	require.Equal(t, 141.9, o.Value("amount_paid"), "authorized counts as paid")

	_, f := c.exec("payment.transaction", "action_refund", []any{[]any{tx}})
	require.Equal(t, "Only confirmed transactions can be refunded.", f.String)

	action := c.must("payment.transaction", "action_capture", []any{[]any{tx}}).(*wire.Struct)
	require.Equal(t, "payment.capture.wizard", action.Value("res_model"))
	ctx := action.Value("context").(*wire.Struct)
	wiz := c.must("payment.capture.wizard", "create", []any{wire.NewStruct("amount_to_capture", 100.0)}, "context", ctx).(int64)
	w := c.read("payment.capture.wizard", wiz, "transaction_ids", "authorized_amount", "captured_amount", "available_amount",
		"is_amount_to_capture_valid", "support_partial_capture", "has_remaining_amount", "has_draft_children")
	require.Equal(t, []any{tx}, w.Value("transaction_ids"))
	require.Equal(t, 141.9, w.Value("authorized_amount"))
	require.Equal(t, 0.0, w.Value("captured_amount"))
	require.Equal(t, 141.9, w.Value("available_amount"))
	require.Equal(t, true, w.Value("is_amount_to_capture_valid"))
	require.Equal(t, true, w.Value("support_partial_capture"))
	require.Equal(t, true, w.Value("has_remaining_amount"))
	require.Equal(t, false, w.Value("has_draft_children"))

	_, f = c.exec("payment.capture.wizard", "action_capture", []any{[]any{wiz}}, "context", ctx)
	require.Equal(t, "TypeError: cannot marshal None unless allow_none is enabled", faultLast(f))
	parent := c.read("payment.transaction", tx, "state", "child_transaction_ids")
	require.Equal(t, "authorized", parent.Value("state"))
	child := parent.Value("child_transaction_ids").([]any)[0].(int64)
	ch := c.read("payment.transaction", child, "reference", "provider_reference", "state", "amount", "sale_order_ids", "source_transaction_id")
	require.Equal(t, "P-S00001", ch.Value("reference"))
	require.Equal(t, "demo-P-S00001", ch.Value("provider_reference"))
	require.Equal(t, "done", ch.Value("state"))
	require.Equal(t, 100.0, ch.Value("amount"))
	require.Equal(t, []any{}, ch.Value("sale_order_ids"))

	_, f = c.exec("payment.transaction", "action_void", []any{[]any{tx}})
	require.Equal(t, "TypeError: cannot marshal None unless allow_none is enabled", faultLast(f))
	parent = c.read("payment.transaction", tx, "state", "state_message", "child_transaction_ids")
	require.Equal(t, "done", parent.Value("state"))
	require.Equal(t, "This transaction has been confirmed following the processing of its partial capture and partial void transactions (Demo).",
		parent.Value("state_message"))
	kids := idList(parent.Value("child_transaction_ids"))
	require.Len(t, kids, 2)
	void := c.read("payment.transaction", kids[0], "reference", "state", "amount")
	require.Equal(t, "P-S00001-1", void.Value("reference"))
	require.Equal(t, "cancel", void.Value("state"))
	require.Equal(t, 41.9, void.Value("amount"))

	_, f = c.exec("payment.transaction", "write", []any{[]any{int64(0)}, wire.NewStruct()})
	require.NotNil(t, f)
	_, f = c.exec("payment.transaction", "create", []any{wire.NewStruct("provider_id", int64(6), "payment_method_id", int64(1),
		"amount", 1.0, "currency_id", int64(1), "partner_id", int64(10), "state", "authorized", "reference", "S00001")})
	require.Equal(t, "The operation cannot be completed: Reference must be unique!", f.String)
}

// Refund children and post-processing (odoo-transcripts-2 356-367).
func TestTransactionRefundsAndPostProcessing(t *testing.T) {
	_, c := startDemo(t, Options{})
	src := c.must("payment.transaction", "create", []any{wire.NewStruct("provider_id", int64(6), "payment_method_id", int64(1),
		"amount", 230.0, "currency_id", int64(1), "partner_id", int64(11), "provider_reference", "afterpay-capture-1",
		"operation", "online_direct", "state", "done")}).(int64)
	require.Equal(t, "tx-20261124100000", c.read("payment.transaction", src, "reference").Value("reference"))
	manual := c.must("payment.transaction", "create", []any{wire.NewStruct("provider_id", int64(6), "payment_method_id", int64(1),
		"amount", -50.0, "currency_id", int64(1), "partner_id", int64(11), "operation", "refund", "source_transaction_id", src,
		"provider_reference", "afterpay-refund-1")}).(int64)
	require.Equal(t, "tx-20261124100000-1", c.read("payment.transaction", manual, "reference").Value("reference"))

	_, f := c.exec("payment.transaction", "action_refund", []any{[]any{src}}, "amount_to_refund", 30.0)
	require.Equal(t, "TypeError: cannot marshal None unless allow_none is enabled", faultLast(f))
	s := c.read("payment.transaction", src, "refunds_count", "child_transaction_ids")
	require.Equal(t, int64(2), s.Value("refunds_count"))
	refund := idList(s.Value("child_transaction_ids"))[0]
	r := c.read("payment.transaction", refund, "reference", "amount", "state", "operation", "provider_reference")
	require.Equal(t, "R-tx-20261124100000", r.Value("reference"))
	require.Equal(t, -30.0, r.Value("amount"))
	require.Equal(t, "done", r.Value("state"))
	require.Equal(t, "refund", r.Value("operation"))
	require.Equal(t, "demo-R-tx-20261124100000", r.Value("provider_reference"))

	c.must("payment.transaction", "write", []any{[]any{manual}, wire.NewStruct("state", "done")})
	cron := c.firstID("ir.cron", []any{"code", "ilike", "_cron_post_process"})
	c.must("ir.cron", "method_direct_trigger", []any{[]any{cron}})
	require.Equal(t, false, c.read("payment.transaction", src, "payment_id").Value("payment_id"),
		"the source's money moves through its refunds")
	pays := c.must("account.payment", "search_read", []any{[]any{[]any{"payment_transaction_id", "in", []any{src, manual, refund}}}},
		"fields", []any{"amount", "payment_type", "memo", "state"}).([]any)
	require.Len(t, pays, 2)
	got := map[any]any{}
	for _, p := range pays {
		ps := p.(*wire.Struct)
		require.Equal(t, "outbound", ps.Value("payment_type"))
		require.Equal(t, "in_process", ps.Value("state"))
		got[ps.Value("amount")] = ps.Value("memo")
	}
	require.Equal(t, map[any]any{
		50.0: "tx-20261124100000-1 - Marcus Lee - afterpay-refund-1",
		30.0: "R-tx-20261124100000 - Marcus Lee - demo-R-tx-20261124100000",
	}, got)
}
