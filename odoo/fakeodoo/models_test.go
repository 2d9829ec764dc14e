package fakeodoo

import (
	"net/http/httptest"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/odoo-afterpay/bridge/odoo/fakeodoo/internal/wire"
)

// Every model answers search_read with all its fields, fields_get and
// search_count, on the demo data and on the reference seed.
func TestEveryModelIsReadable(t *testing.T) {
	demo, err := NewDemo(Options{Clock: fixedClock(testNow)})
	require.NoError(t, err)
	seeded, err := New(Options{Database: "odoo", Clock: fixedClock(testNow)})
	require.NoError(t, err)
	require.NoError(t, seeded.LoadSeed(filepath.Join(referenceDir(t), "odoo-seed")))
	for name, srv := range map[string]*Server{"demo": demo, "seed": seeded} {
		hs := httptest.NewServer(srv)
		c := newRPC(t, hs.URL)
		for _, model := range srv.current().reg.names() {
			t.Run(name+"/"+model, func(t *testing.T) {
				c.t = t
				v := c.must(model, "search_read", []any{[]any{}}, "limit", 5, "context", wire.NewStruct("active_test", false))
				for _, r := range v.([]any) {
					_, ok := r.(*wire.Struct).Get("display_name")
					require.True(t, ok)
				}
				c.must(model, "fields_get", []any{}, "attributes", []any{"type", "string", "relation"})
				c.must(model, "search_count", []any{[]any{}})
			})
		}
		hs.Close()
	}
}
