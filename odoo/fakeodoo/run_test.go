package fakeodoo

import (
	"context"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/odoo-afterpay/bridge/odoo/fakeodoo/internal/wire"
)

// runOnce starts Run on a free port, calls use with an RPC client, then
// stops it and returns Run's error.
func runOnce(t *testing.T, cfg RunConfig, use func(c *rpc)) error {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ready := make(chan string, 1)
	cfg.Addr = "127.0.0.1:0"
	cfg.Ready = func(addr string) { ready <- addr }
	done := make(chan error, 1)
	go func() { done <- Run(ctx, cfg) }()
	select {
	case addr := <-ready:
		use(newRPC(t, "http://"+addr))
	case err := <-done:
		return err
	}
	cancel()
	return <-done
}

func TestRunSavesAndRestoresState(t *testing.T) {
	state := filepath.Join(t.TempDir(), "fake-odoo.json")
	err := runOnce(t, RunConfig{StateFile: state}, func(c *rpc) {
		c.must("sale.order", "write", []any{[]any{int64(3)}, wire.NewStruct("client_order_ref", "persisted")})
	})
	require.NoError(t, err)
	_, err = os.Stat(state)
	require.NoError(t, err, "the state is saved on shutdown")

	err = runOnce(t, RunConfig{StateFile: state}, func(c *rpc) {
		require.Equal(t, "persisted", c.read("sale.order", 3, "client_order_ref").Value("client_order_ref"))
	})
	require.NoError(t, err)
}

func TestRunWithSeedFolderAndBadSeed(t *testing.T) {
	ref := referenceDir(t)
	err := runOnce(t, RunConfig{Seed: filepath.Join(ref, "odoo-seed"), Database: "afterpay_test"}, func(c *rpc) {
		c.db = "afterpay_test"
		require.Equal(t, int64(25), c.must("sale.order", "search_count", []any{[]any{[]any{"state", "=", "sale"}}}))
	})
	require.NoError(t, err)
	err = runOnce(t, RunConfig{Seed: filepath.Join(t.TempDir(), "missing")}, func(*rpc) { t.Fatal("must not serve") })
	require.Error(t, err)
}

// Concurrent writers are serialised (retried like Odoo's serialization
// failures) and every change is kept; run with -race.
func TestConcurrentWriters(t *testing.T) {
	srv, c := startDemo(t, Options{})
	const n = 8
	var wg sync.WaitGroup
	ids := make([]int64, n)
	faults := make([]string, n)
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			body, _ := wire.EncodeCall("execute_kw", "odoo", int64(2), "admin", "sale.order", "create",
				[]any{wire.NewStruct("partner_id", int64(10), "order_line", []any{cmd(0, 0, wire.NewStruct("product_id", int64(4)))})})
			resp, err := c.http.Post(c.url+"/xmlrpc/2/object", "text/xml", bytesReader(body))
			if err != nil {
				faults[i] = err.Error()
				return
			}
			defer resp.Body.Close()
			data := readAll(resp.Body)
			v, f, err := wire.DecodeResponse(data)
			switch {
			case err != nil:
				faults[i] = err.Error()
			case f != nil:
				faults[i] = f.String
			default:
				ids[i] = v.(int64)
			}
		}(i)
	}
	wg.Wait()
	seen := map[int64]bool{}
	for i := 0; i < n; i++ {
		require.Empty(t, faults[i])
		require.False(t, seen[ids[i]], "ids are unique")
		seen[ids[i]] = true
	}
	recs, err := srv.Records("sale.order", []any{"id", ">", 5})
	require.NoError(t, err)
	require.Len(t, recs, n)
	names := map[any]bool{}
	for _, r := range recs {
		require.Equal(t, 13.2, r["amount_total"])
		names[r["name"]] = true
	}
	require.Len(t, names, n, "each order got its own number")
}
