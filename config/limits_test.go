package config

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestMerchantLimitsEvery(t *testing.T) {
	base := map[string]string{
		"ODOO_PASSWORD": "pw", "AFTERPAY_MERCHANT_ID": "m", "AFTERPAY_SECRET_KEY": "k",
		"ODOO_WEBHOOK_TOKEN": "limits-test-token-0123456789", "PAYLOAD_ENCRYPTION": "off",
	}
	load := func(v string) (Config, error) {
		env := map[string]string{}
		for k, x := range base {
			env[k] = x
		}
		if v != "" {
			env["MERCHANT_LIMITS_EVERY"] = v
		}
		return Load(MapLookup(env))
	}
	for v, want := range map[string]time.Duration{"": time.Hour, "15m": 15 * time.Minute, "OFF": 0} {
		cfg, err := load(v)
		require.NoError(t, err, v)
		require.Equal(t, want, cfg.Payment.MerchantLimitsEvery, v)
	}
	for _, v := range []string{"30s", "hourly", "-1h"} {
		_, err := load(v)
		require.ErrorContains(t, err, "MERCHANT_LIMITS_EVERY", v)
	}
}
