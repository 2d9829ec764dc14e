package odoo_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/odoo-afterpay/bridge/money"
	"github.com/odoo-afterpay/bridge/odoo"
)

// TestMerchantLimitsReadOncePerMinute: every payment reads the limits, so a
// worker reads them from Odoo once a minute, and again right after it
// writes them; another worker's write shows within the minute.
func TestMerchantLimitsReadOncePerMinute(t *testing.T) {
	srv, url := serveFakeOdoo(t)
	ctx := context.Background()
	now := fakeNow
	worker, err := odoo.NewClient(odoo.Config{
		URL: url, Database: srv.Database(), Username: "admin", Password: "admin",
		Timeout: 5 * time.Second, Now: func() time.Time { return now },
	})
	require.NoError(t, err)
	other := fakeClient(t, srv, url, "admin", 0)
	provisioned(t, other)

	first := odoo.MerchantLimits{Minimum: money.MustNew(100, "USD"), Maximum: money.MustNew(200000, "USD"), RefreshedAt: fakeNow.Add(-time.Hour)}
	require.NoError(t, worker.WriteMerchantLimits(ctx, first))
	got, err := worker.ReadMerchantLimits(ctx)
	require.NoError(t, err)
	require.Equal(t, &first, got, "read from Odoo after the write")

	second := odoo.MerchantLimits{Minimum: money.MustNew(0, "USD"), Maximum: money.MustNew(50000, "USD"), RefreshedAt: fakeNow}
	require.NoError(t, other.WriteMerchantLimits(ctx, second))
	got.Maximum = money.MustNew(1, "USD") // the caller's copy, not the cache
	got, err = worker.ReadMerchantLimits(ctx)
	require.NoError(t, err)
	require.Equal(t, &first, got, "within the minute, the limits read last")

	now = now.Add(time.Minute)
	got, err = worker.ReadMerchantLimits(ctx)
	require.NoError(t, err)
	require.Equal(t, &second, got, "a minute later, Odoo's")

	require.NoError(t, worker.WriteMerchantLimits(ctx, first))
	got, err = worker.ReadMerchantLimits(ctx)
	require.NoError(t, err)
	require.Equal(t, &first, got, "its own write, at once")
}
