package odoo_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/odoo-afterpay/bridge/odoo"
)

func TestPostNoteIsRetrySafe(t *testing.T) {
	s := newAfterpayOdoo(t)
	c, _ := newTestClient(t, s.stubOdoo)
	ctx := context.Background()
	body := "Afterpay payment captured: 283.13 USD <b>(escaped)</b> [afterpay:capture:AP-CAPTURE-778899]"
	marker := "[afterpay:capture:AP-CAPTURE-778899]"
	first, err := c.PostNote(ctx, "sale.order", 37, body, marker)
	require.NoError(t, err)
	require.Equal(t, int64(344), first)
	second, err := c.PostNote(ctx, "sale.order", 37, body, marker)
	require.NoError(t, err)
	require.Equal(t, first, second)
	require.Equal(t, 1, s.count("mail.message"))
	require.Equal(t, 1, s.callsTo("sale.order", "message_post"))
	post := s.lastCall("sale.order", "message_post")
	require.Equal(t, []any{[]any{int64(37)}}, post.Args)
	require.Equal(t, map[string]any{"body": "Afterpay payment captured: 283.13 USD &lt;b&gt;(escaped)&lt;/b&gt; [afterpay:capture:AP-CAPTURE-778899]",
		"body_is_html": true, "message_type": "comment", "subtype_xmlid": "mail.mt_note"}, post.Kwargs, "plain text sent as escaped HTML")

	// The same marker on another record is another note.
	s.put("sale.order", 38, map[string]any{"name": "S00038"})
	other, err := c.PostNote(ctx, "sale.order", 38, body, marker)
	require.NoError(t, err)
	require.NotEqual(t, first, other)

	for _, bad := range []struct{ body, marker string }{
		{"no marker here", "[afterpay:x]"},
		{"x <b>", "<b>"},
		{"x", ""},
	} {
		_, err := c.PostNote(ctx, "sale.order", 37, bad.body, bad.marker)
		require.Error(t, err, "%q / %q", bad.body, bad.marker)
	}
}

func TestWriteFields(t *testing.T) {
	s := newAfterpayOdoo(t)
	c, _ := newTestClient(t, s.stubOdoo)
	ctx := context.Background()
	require.NoError(t, c.WriteFields(ctx, "sale.order", 37, map[string]any{"x_afterpay_order_id": "100101382"}))
	require.Equal(t, "100101382", s.rec("sale.order", 37)["x_afterpay_order_id"])
	err := c.WriteFields(ctx, "sale.order", 999, map[string]any{"x_afterpay_order_id": "1"})
	require.ErrorIs(t, err, odoo.ErrNotFound)
}

func TestScheduleActivityIsRetrySafe(t *testing.T) {
	s := newAfterpayOdoo(t)
	c, _ := newTestClient(t, s.stubOdoo)
	ctx := context.Background()
	spec := odoo.ActivitySpec{
		Model: "sale.order", ResID: 37, Summary: "Afterpay dispute DSP-1",
		Note:     "Customer opened a dispute. <b>Check</b> the evidence.",
		Deadline: time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC),
	}
	first, err := c.ScheduleActivity(ctx, spec)
	require.NoError(t, err)
	second, err := c.ScheduleActivity(ctx, spec)
	require.NoError(t, err)
	require.Equal(t, first, second)
	require.Equal(t, 1, s.count("mail.activity"))
	require.Equal(t, []any{map[string]any{
		"res_model_id": int64(516), "res_id": int64(37), "activity_type_id": int64(4), "summary": "Afterpay dispute DSP-1",
		"note": "Customer opened a dispute. <b>Check</b> the evidence.", "date_deadline": "2026-11-27", "user_id": int64(2),
	}}, s.lastCall("mail.activity", "create").Args)

	_, err = c.ScheduleActivity(ctx, odoo.ActivitySpec{Model: "no.such.model", ResID: 1, Summary: "x"})
	require.ErrorIs(t, err, odoo.ErrNotFound)
}
