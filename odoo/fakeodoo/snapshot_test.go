package fakeodoo

import (
	"net/http/httptest"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/odoo-afterpay/bridge/odoo/fakeodoo/internal/wire"
)

func TestSnapshotRestoreRoundTrip(t *testing.T) {
	srv, c := startDemo(t, Options{})
	c.must("sale.order", "action_confirm", []any{[]any{int64(2)}})
	modelID := c.firstID("ir.model", []any{"model", "=", "sale.order"})
	c.must("ir.model.fields", "create", []any{wire.NewStruct("name", "x_afterpay_token", "model_id", modelID,
		"ttype", "char", "field_description", "Afterpay token")})
	c.must("sale.order", "write", []any{[]any{int64(2)}, wire.NewStruct("x_afterpay_token", "tok-9")})
	partner := c.must("res.partner", "create", []any{wire.NewStruct("name", "Snap Shot")}).(int64)

	data, err := srv.Snapshot()
	require.NoError(t, err)

	restored, err := New(Options{Clock: fixedClock(testNow)})
	require.NoError(t, err)
	require.NoError(t, restored.Restore(data))
	for _, model := range []string{"sale.order", "sale.order.line", "res.partner", "account.tax", "ir.model.fields"} {
		want, err := srv.Records(model)
		require.NoError(t, err)
		got, err := restored.Records(model)
		require.NoError(t, err)
		require.Equal(t, want, got, model)
	}
	hs := httptest.NewServer(restored)
	t.Cleanup(hs.Close)
	rc := newRPC(t, hs.URL)
	require.Equal(t, "tok-9", rc.read("sale.order", 2, "x_afterpay_token").Value("x_afterpay_token"), "manual fields come back")
	id := rc.must("sale.order", "create", []any{wire.NewStruct("partner_id", partner)}).(int64)
	require.Equal(t, int64(6), id, "id counters continue")
	require.Equal(t, "S00006", rc.read("sale.order", id, "name").Value("name"), "sequences continue")

	require.Error(t, restored.Restore([]byte(`{"format":"other"}`)))
	require.Error(t, restored.Restore([]byte(`not json`)))
}

func TestSnapshotKeepsSeedFields(t *testing.T) {
	ref := referenceDir(t)
	srv, err := New(Options{Database: "afterpay_test"})
	require.NoError(t, err)
	require.NoError(t, srv.LoadSeed(filepath.Join(ref, "odoo-seed")))
	data, err := srv.Snapshot()
	require.NoError(t, err)
	restored, err := New(Options{Database: "afterpay_test"})
	require.NoError(t, err)
	require.NoError(t, restored.Restore(data))
	want, err := srv.Record("sale.order", 4)
	require.NoError(t, err)
	got, err := restored.Record("sale.order", 4)
	require.NoError(t, err)
	require.Equal(t, want, got)
	require.Equal(t, int64(4), got["campaign_id"], "a seed-only many2one field survives")
}
