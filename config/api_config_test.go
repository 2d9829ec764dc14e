package config

import (
	"fmt"
	"log/slog"
	"strings"
	"testing"
)

func TestAPISecuritySettings(t *testing.T) {
	env := validEnv()
	env["ODOO_WEBHOOK_TOKEN_PREVIOUS"] = "fedcba9876543210"
	env["AFTERPAY_WEBHOOK_SECRET"] = "whsec-current"
	env["AFTERPAY_WEBHOOK_SECRET_PREVIOUS"] = "whsec-previous"
	env["STOREFRONT_API_KEYS"] = " sfk-0123456789abcdef01234567 , sfk-76543210fedcba9876543210 ,"
	env["SHOP_NAME"] = "Blue Bicycle Shop"
	env["SHOP_RETURN_URL"] = "https://shop.example.com/thanks"
	env["API_TRUSTED_PROXIES"] = "10.0.0.1, 192.168.0.0/16"
	env["API_RATE_LIMIT"] = "5"
	c, err := Load(MapLookup(env))
	if err != nil {
		t.Fatal(err)
	}
	a := c.API
	if a.WebhookTokenPrevious.Reveal() != "fedcba9876543210" || a.WebhookSecretPrevious.Reveal() != "whsec-previous" {
		t.Errorf("previous secrets not read: %+v", a)
	}
	if got := a.StorefrontAPIKeys.Reveal(); len(got) != 2 || got[0] != "sfk-0123456789abcdef01234567" || got[1] != "sfk-76543210fedcba9876543210" {
		t.Errorf("STOREFRONT_API_KEYS = %q", got)
	}
	if a.ShopName != "Blue Bicycle Shop" || a.RateLimit != 5 || len(a.TrustedProxies) != 2 || a.TrustedProxies[1] != "192.168.0.0/16" {
		t.Errorf("API settings = %+v", a)
	}
	// Nothing secret prints, in fmt or slog.
	var b strings.Builder
	slog.New(slog.NewTextHandler(&b, nil)).Info("config", "api", a.StorefrontAPIKeys, "previous", a.WebhookTokenPrevious)
	printed := fmt.Sprintf("%v %+v", a, a) + b.String()
	for _, secret := range []string{"fedcba9876543210", "whsec-previous", "sfk-0123456789abcdef01234567", "0123456789abcdef"} {
		if strings.Contains(printed, secret) {
			t.Errorf("a secret printed: %s", printed)
		}
	}
}

func TestAPISecurityDefaults(t *testing.T) {
	c, err := Load(MapLookup(validEnv()))
	if err != nil {
		t.Fatal(err)
	}
	if c.API.RateLimit != 20 || len(c.API.StorefrontAPIKeys) != 0 || len(c.API.TrustedProxies) != 0 || c.API.WebhookTokenPrevious != "" {
		t.Errorf("defaults = %+v", c.API)
	}
}

func TestAPISecurityMistakesAreReported(t *testing.T) {
	env := validEnv()
	env["ODOO_WEBHOOK_TOKEN_PREVIOUS"] = env["ODOO_WEBHOOK_TOKEN"]
	env["AFTERPAY_WEBHOOK_SECRET_PREVIOUS"] = "old"
	env["STOREFRONT_API_KEYS"] = "short,b-0123456789abcdef0123456789,c-0123456789abcdef0123456789"
	env["API_TRUSTED_PROXIES"] = "proxy.internal"
	env["API_RATE_LIMIT"] = "lots"
	_, err := Load(MapLookup(env))
	if err == nil {
		t.Fatal("accepted")
	}
	for _, want := range []string{
		"ODOO_WEBHOOK_TOKEN_PREVIOUS equals ODOO_WEBHOOK_TOKEN", "AFTERPAY_WEBHOOK_SECRET_PREVIOUS is set without",
		"STOREFRONT_API_KEYS holds more than two keys", "key 1 is shorter than 24", `"proxy.internal" is neither`, `API_RATE_LIMIT="lots"`,
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error does not mention %q:\n%v", want, err)
		}
	}
	env = validEnv()
	env["ODOO_WEBHOOK_TOKEN_PREVIOUS"] = "short"
	if _, err := Load(MapLookup(env)); err == nil || !strings.Contains(err.Error(), "ODOO_WEBHOOK_TOKEN_PREVIOUS must be at least 16") {
		t.Errorf("short previous token: %v", err)
	}
}
