package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func validEnv() map[string]string {
	return map[string]string{
		"ODOO_PASSWORD":        "odoo-api-key",
		"AFTERPAY_MERCHANT_ID": "100101",
		"AFTERPAY_SECRET_KEY":  "s3cr3t",
		"ODOO_WEBHOOK_TOKEN":   "0123456789abcdef",
		// A payload encryption key (32 bytes of 0x01), for tests only.
		"PAYLOAD_ENCRYPTION_KEYS": "test:" + testKeyB64,
	}
}

const testKeyB64 = "AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE="

func TestLoadDefaults(t *testing.T) {
	c, err := Load(MapLookup(validEnv()))
	if err != nil {
		t.Fatal(err)
	}
	if c.Temporal.Address != "localhost:7233" || c.Temporal.TaskQueue != "afterpay-payments" {
		t.Fatalf("defaults not applied: %+v", c)
	}
	if c.Payment.OrderConfirmationTimeout.String() != "5m0s" {
		t.Fatalf("ORDER_CONFIRMATION_TIMEOUT default = %v", c.Payment.OrderConfirmationTimeout)
	}
}

func TestLoadReportsEveryProblemAtOnce(t *testing.T) {
	env := map[string]string{
		"AFTERPAY_ENVIRONMENT": "live",
		"ODOO_TIMEOUT":         "soon",
		"API_PUBLIC_URL":       "localhost:8080",
		"LOG_FORMAT":           "xml",
		"ODOO_WEBHOOK_TOKEN":   "short",
	}
	_, err := Load(MapLookup(env))
	if err == nil {
		t.Fatal("invalid configuration accepted")
	}
	for _, want := range []string{
		"ODOO_PASSWORD is required", "AFTERPAY_MERCHANT_ID is required", "AFTERPAY_SECRET_KEY is required",
		`AFTERPAY_ENVIRONMENT="live"`, `ODOO_TIMEOUT="soon"`,
		`API_PUBLIC_URL="localhost:8080" is not an absolute`, "LOG_FORMAT", "ODOO_WEBHOOK_TOKEN",
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error does not mention %q:\n%v", want, err)
		}
	}
}

func TestProductionRefusesHostOverride(t *testing.T) {
	env := validEnv()
	env["AFTERPAY_ENVIRONMENT"] = "production"
	env["AFTERPAY_BASE_URL"] = "http://127.0.0.1:8090"
	if _, err := Load(MapLookup(env)); err == nil || !strings.Contains(err.Error(), "AFTERPAY_BASE_URL must be empty in production") {
		t.Fatalf("err = %v", err)
	}
}

func TestSecretsDoNotPrint(t *testing.T) {
	c, err := Load(MapLookup(validEnv()))
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{c.Afterpay.SecretKey.String(), c.Odoo.Password.String(), c.API.WebhookToken.String()} {
		if s != "********" {
			t.Errorf("secret printed as %q", s)
		}
	}
	if got := c.Afterpay.SecretKey.Reveal(); got != "s3cr3t" {
		t.Errorf("Reveal = %q", got)
	}
}

func TestEnvFileFillsGaps(t *testing.T) {
	path := filepath.Join(t.TempDir(), "dev.env")
	if err := os.WriteFile(path, []byte("# dev\nODOO_DB=fromfile\nODOO_USERNAME = bob\n\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	file, err := ReadEnvFile(path)
	if err != nil {
		t.Fatal(err)
	}
	env := validEnv()
	env["ODOO_USERNAME"] = "alice"
	c, err := Load(Layered(MapLookup(env), MapLookup(file)))
	if err != nil {
		t.Fatal(err)
	}
	if c.Odoo.Database != "fromfile" || c.Odoo.Username != "alice" {
		t.Fatalf("got db=%q user=%q, want fromfile/alice (environment wins over file)", c.Odoo.Database, c.Odoo.Username)
	}
}

func TestEveryVariableIsDocumented(t *testing.T) {
	seen := map[string]bool{}
	for _, v := range Variables() {
		if v.Meaning == "" || seen[v.Name] {
			t.Errorf("variable %q undocumented or listed twice", v.Name)
		}
		seen[v.Name] = true
	}
}

func TestReadmeDocumentsEveryVariable(t *testing.T) {
	readme, err := os.ReadFile(filepath.Join("..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range Variables() {
		if !strings.Contains(string(readme), "| `"+v.Name+"` |") {
			t.Errorf("README.md's configuration table lacks %s", v.Name)
		}
	}
}
