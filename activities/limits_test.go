package activities

import (
	"context"
	"log/slog"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/odoo-afterpay/bridge/afterpay/sandbox"
	"github.com/odoo-afterpay/bridge/money"
	"github.com/odoo-afterpay/bridge/odoo"
	"github.com/odoo-afterpay/bridge/odoo/fakeodoo"
	"github.com/odoo-afterpay/bridge/odoo/provision"
)

func TestFetchMerchantLimitsReadsAfterpaysConfiguration(t *testing.T) {
	s := newSimulator(t, time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC))
	a := &Activities{Afterpay: s.client}
	got, err := a.FetchMerchantLimits(context.Background())
	require.NoError(t, err)
	// The simulator's defaults: 1.00 to 2000.00 USD.
	require.Equal(t, money.MustNew(100, "USD"), got.Minimum)
	require.Equal(t, money.MustNew(200000, "USD"), got.Maximum)
	require.WithinDuration(t, time.Now(), got.ReadAt, 5*time.Second)

	require.NoError(t, s.sim.InjectFault(sandbox.Fault{Endpoint: sandbox.EndpointConfiguration, Kind: sandbox.FaultServerError, Times: 1}))
	_, err = a.FetchMerchantLimits(context.Background())
	require.True(t, IsErrorType(err, ErrTypeAfterpayUnavailable), "a 500 is retried: %v", err)

	_, err = (&Activities{Afterpay: quietAfterpay{}}).FetchMerchantLimits(context.Background())
	require.True(t, IsErrorType(err, ErrTypeNotWired), "%v", err)
}

// quietAfterpay is an Afterpay client without GetConfiguration.
type quietAfterpay struct{ AfterpayClient }

func limitsOdoo(t *testing.T, provisioned bool) *odoo.Client {
	t.Helper()
	fake, err := fakeodoo.NewDemo(fakeodoo.Options{Database: "limits", Logger: slog.New(slog.DiscardHandler)})
	require.NoError(t, err)
	srv := httptest.NewServer(fake)
	t.Cleanup(srv.Close)
	c, err := odoo.NewClient(odoo.Config{URL: srv.URL, Database: "limits", Username: "admin", Password: "admin", Timeout: 10 * time.Second})
	require.NoError(t, err)
	if provisioned {
		_, err = provision.Run(context.Background(), c, provision.Options{APIBaseURL: "http://127.0.0.1:8080", WebhookToken: "limits-token-0123456789"})
		require.NoError(t, err)
	}
	return c
}

func TestMerchantLimitsAreCachedInOdoo(t *testing.T) {
	ctx := context.Background()
	a := &Activities{Odoo: limitsOdoo(t, true)}
	cached, err := a.ReadCachedLimits(ctx)
	require.NoError(t, err)
	require.False(t, cached.Found, "nothing before the first refresh")

	limits := MerchantLimits{Minimum: money.MustNew(0, "USD"), Maximum: money.MustNew(150000, "USD"), ReadAt: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)}
	require.NoError(t, a.SaveMerchantLimits(ctx, limits))
	cached, err = a.ReadCachedLimits(ctx)
	require.NoError(t, err)
	require.Equal(t, &CachedLimits{Found: true, Limits: limits}, cached)
}

func TestMerchantLimitsWithoutProvisioning(t *testing.T) {
	a := &Activities{Odoo: limitsOdoo(t, false)}
	_, err := a.ReadCachedLimits(context.Background())
	require.True(t, IsErrorType(err, ErrTypeOdooRecordMissing), "%v", err)
	err = a.SaveMerchantLimits(context.Background(), MerchantLimits{Maximum: money.MustNew(100, "USD"), ReadAt: time.Now()})
	require.True(t, IsErrorType(err, ErrTypeOdooRecordMissing), "%v", err)
}
