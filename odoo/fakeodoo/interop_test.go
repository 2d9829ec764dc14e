package fakeodoo

import (
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/kolo/xmlrpc"
	"github.com/stretchr/testify/require"
)

// The project's client speaks through kolo/xmlrpc; the fake must understand
// its encoding (UTF-8 declaration, <value/> for nil, time.Time as
// dateTime.iso8601) and answer in a form it decodes.
func TestKoloClientInterop(t *testing.T) {
	srv, err := NewDemo(Options{Clock: fixedClock(testNow)})
	require.NoError(t, err)
	hs := httptest.NewServer(srv)
	t.Cleanup(hs.Close)

	common, err := xmlrpc.NewClient(hs.URL+"/xmlrpc/2/common", nil)
	require.NoError(t, err)
	defer common.Close()
	var uid any
	require.NoError(t, common.Call("authenticate", []any{"odoo", "admin", "admin", map[string]any{}}, &uid))
	require.Equal(t, int64(2), uid)

	object, err := xmlrpc.NewClient(hs.URL+"/xmlrpc/2/object", nil)
	require.NoError(t, err)
	defer object.Close()

	var orders []any
	require.NoError(t, object.Call("execute_kw", []any{"odoo", 2, "admin", "sale.order", "search_read",
		[]any{[]any{[]any{"name", "=", "S00001"}}}, map[string]any{"fields": []string{"amount_total", "partner_id", "invoice_ids"}}}, &orders))
	require.Len(t, orders, 1)
	o := orders[0].(map[string]any)
	require.Equal(t, 141.9, o["amount_total"])
	require.Equal(t, []any{int64(10), "Jane Cooper"}, o["partner_id"])
	require.Equal(t, []any{}, o["invoice_ids"])

	var ok any
	last := time.Date(2026, 11, 24, 9, 30, 0, 0, time.UTC)
	require.NoError(t, object.Call("execute_kw", []any{"odoo", 2, "admin", "res.partner", "write",
		[]any{[]any{10}, map[string]any{"comment": nil, "ref": "J-1"}}}, &ok))
	require.Equal(t, true, ok)
	var tx any
	require.NoError(t, object.Call("execute_kw", []any{"odoo", 2, "admin", "payment.transaction", "create",
		[]any{map[string]any{"provider_id": 6, "payment_method_id": 1, "amount": 141.9, "currency_id": 1, "partner_id": 10,
			"last_state_change": last}}}, &tx))
	rec, err := srv.Record("payment.transaction", tx.(int64))
	require.NoError(t, err)
	require.Equal(t, "2026-11-24 09:30:00", rec["last_state_change"])

	err = object.Call("execute_kw", []any{"odoo", 2, "admin", "sale.order", "action_confirm", []any{[]any{99}}}, &ok)
	require.Error(t, err)
	require.True(t, strings.HasPrefix(err.Error(), "Fault(2): Record does not exist or has been deleted."), err.Error())
}
