package odoo_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/odoo-afterpay/bridge/money"
	"github.com/odoo-afterpay/bridge/odoo"
)

// The merchant's Afterpay limits are cached on the Afterpay
// payment.provider: the maximum in Odoo's own maximum_amount (monetary;
// Odoo 18 has no minimum_amount), the minimum, currency and time of the
// read in fields setup-odoo provisions.

func init() {
	cscenarios = append(cscenarios, cscenario{"merchant limits", cMerchantLimits})
}

func cMerchantLimits(t *testing.T, b *cbackend) observation {
	ctx := context.Background()
	obs := observation{}
	fields, err := b.c.ExecuteKW(ctx, "payment.provider", "fields_get",
		[]any{[]any{odoo.FieldProviderMaximum, "minimum_amount", odoo.FieldLimitsMinimum, odoo.FieldLimitsCurrency, odoo.FieldLimitsRefreshed}},
		map[string]any{"attributes": []any{"type"}})
	require.NoError(t, err)
	for name, attrs := range fields.(map[string]any) {
		obs["field "+name] = attrs
	}
	require.NotContains(t, fields, "minimum_amount", "Odoo 18's payment.provider has no minimum_amount")

	at := time.Date(2026, 3, 1, 9, 30, 15, 0, time.UTC)
	want := odoo.MerchantLimits{Minimum: money.MustNew(100, "USD"), Maximum: money.MustNew(200000, "USD"), RefreshedAt: at}
	require.NoError(t, b.c.WriteMerchantLimits(ctx, want))
	got, err := b.c.ReadMerchantLimits(ctx)
	require.NoError(t, err)
	require.Equal(t, &want, got)
	obs["read back"] = got.Minimum.String() + " to " + got.Maximum.String() + " at " + got.RefreshedAt.Format(time.RFC3339)

	// What a merchant sees on the provider's form.
	recs, err := b.c.SearchRead(ctx, "payment.provider", []any{[]any{"name", "=", odoo.ProviderName}},
		[]string{odoo.FieldProviderMaximum, odoo.FieldLimitsMinimum, odoo.FieldLimitsCurrency, odoo.FieldLimitsRefreshed}, nil)
	require.NoError(t, err)
	require.Len(t, recs, 1)
	delete(recs[0], "id")
	obs["provider"] = map[string]any(recs[0])

	// A merchant without a minimum; written again, nothing else changes.
	noMin := odoo.MerchantLimits{Minimum: money.MustNew(0, "USD"), Maximum: money.MustNew(150050, "USD"), RefreshedAt: at.Add(time.Hour)}
	require.NoError(t, b.c.WriteMerchantLimits(ctx, noMin))
	require.NoError(t, b.c.WriteMerchantLimits(ctx, noMin))
	got, err = b.c.ReadMerchantLimits(ctx)
	require.NoError(t, err)
	require.Equal(t, &noMin, got)
	obs["no minimum"] = got.Minimum.String() + " to " + got.Maximum.String()

	// Nonsense is refused before any call.
	err = b.c.WriteMerchantLimits(ctx, odoo.MerchantLimits{Minimum: money.MustNew(500, "USD"), Maximum: money.MustNew(100, "USD"), RefreshedAt: at})
	require.ErrorContains(t, err, "is not between 0 and the maximum")
	require.NoError(t, b.c.WriteMerchantLimits(ctx, want))
	return obs
}
