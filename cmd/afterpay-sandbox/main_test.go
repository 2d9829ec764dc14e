package main

import (
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/odoo-afterpay/bridge/afterpay/sandbox"
	"github.com/odoo-afterpay/bridge/money"
)

func env(vars map[string]string) func(string) string {
	return func(k string) string { return vars[k] }
}

func TestParseConfigDefaults(t *testing.T) {
	cfg, err := parseConfig(nil, env(nil), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.addr != "127.0.0.1:8090" || cfg.opts.MerchantID != "sandbox-merchant" || cfg.opts.SecretKey != "sandbox-secret" ||
		cfg.opts.Currency != "USD" || cfg.opts.MinimumAmount != money.MustNew(100, "USD") || cfg.opts.MaximumAmount != money.MustNew(200000, "USD") ||
		cfg.logFormat != "text" || cfg.logLevel != slog.LevelInfo || cfg.opts.Clock != nil || len(cfg.opts.Faults) != 0 {
		t.Errorf("defaults = %+v", cfg)
	}
}

func TestParseConfigFlagsBeatEnvironment(t *testing.T) {
	vars := map[string]string{
		"AFTERPAY_SANDBOX_ADDR":              "127.0.0.1:9999",
		"AFTERPAY_SANDBOX_CURRENCY":          "AUD",
		"AFTERPAY_SANDBOX_MIN":               "10.00",
		"AFTERPAY_SANDBOX_WEBHOOK_URL":       "http://127.0.0.1:8080/webhooks/afterpay",
		"AFTERPAY_SANDBOX_WEBHOOK_SECRET":    "s3",
		"AFTERPAY_SANDBOX_STRICT_USER_AGENT": "true",
		"AFTERPAY_SANDBOX_FAULT":             "capture:500,auth:latency:2s",
		"AFTERPAY_SANDBOX_SETTLEMENT_DELAY":  "3s",
	}
	cfg, err := parseConfig([]string{"--addr", "127.0.0.1:7000", "--max", "500", "--fault", "refund:drop-after-commit", "--log-format", "json", "--manual-clock"}, env(vars), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.addr != "127.0.0.1:7000" || cfg.opts.Currency != "AUD" || cfg.opts.MinimumAmount != money.MustNew(1000, "AUD") ||
		cfg.opts.MaximumAmount != money.MustNew(50000, "AUD") || cfg.opts.WebhookSecret != "s3" || !cfg.opts.StrictUserAgent ||
		cfg.opts.SettlementDelay != 3*time.Second || cfg.logFormat != "json" {
		t.Errorf("config = %+v", cfg)
	}
	want := []sandbox.Fault{
		{Endpoint: "capture", Kind: sandbox.FaultServerError},
		{Endpoint: "auth", Kind: sandbox.FaultLatency, Delay: 2 * time.Second},
		{Endpoint: "refund", Kind: sandbox.FaultDropAfterCommit},
	}
	if len(cfg.opts.Faults) != len(want) {
		t.Fatalf("faults = %v", cfg.opts.Faults)
	}
	for i := range want {
		if cfg.opts.Faults[i] != want[i] {
			t.Errorf("fault %d = %v, want %v", i, cfg.opts.Faults[i], want[i])
		}
	}
	if _, ok := cfg.opts.Clock.(*sandbox.ManualClock); !ok {
		t.Errorf("--manual-clock gave %T", cfg.opts.Clock)
	}
}

func TestParseConfigErrors(t *testing.T) {
	tests := []struct {
		args []string
		env  map[string]string
	}{
		{[]string{"--min", "1,00"}, nil},
		{[]string{"--currency", "JPY"}, nil},
		{[]string{"--fault", "capture"}, nil},
		{[]string{"--log-format", "xml"}, nil},
		{[]string{"--log-level", "loud"}, nil},
		{[]string{"extra"}, nil},
		{nil, map[string]string{"AFTERPAY_SANDBOX_SETTLEMENT_DELAY": "soon"}},
	}
	for _, tt := range tests {
		if _, err := parseConfig(tt.args, env(tt.env), io.Discard); err == nil {
			t.Errorf("parseConfig(%v, %v) succeeded", tt.args, tt.env)
		}
	}
}
