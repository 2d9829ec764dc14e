package config

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestReconciliationSettings(t *testing.T) {
	base := func(extra map[string]string) map[string]string {
		env := map[string]string{"ODOO_PASSWORD": "pw", "AFTERPAY_MERCHANT_ID": "m", "AFTERPAY_SECRET_KEY": "k",
			"ODOO_WEBHOOK_TOKEN": "reconcile-test-token-0123456789", "PAYLOAD_ENCRYPTION": "off"}
		for k, v := range extra {
			env[k] = v
		}
		return env
	}
	c, err := Load(MapLookup(base(nil)))
	require.NoError(t, err)
	require.Equal(t, 24*time.Hour, c.Payment.ReconcileEvery, "daily by default")
	require.Equal(t, 3, c.Payment.ReconcileDays)
	c, err = Load(MapLookup(base(map[string]string{"RECONCILE_EVERY": "OFF", "RECONCILE_DAYS": "120"})))
	require.NoError(t, err)
	require.Zero(t, c.Payment.ReconcileEvery, "off")
	require.Equal(t, 120, c.Payment.ReconcileDays)

	for _, bad := range []map[string]string{
		{"RECONCILE_EVERY": "5m"}, {"RECONCILE_EVERY": "daily"}, {"RECONCILE_DAYS": "0"}, {"RECONCILE_DAYS": "121"}, {"RECONCILE_DAYS": "three"},
	} {
		_, err := Load(MapLookup(base(bad)))
		require.Error(t, err, "%v", bad)
		for k := range bad {
			require.ErrorContains(t, err, k)
		}
	}
}
