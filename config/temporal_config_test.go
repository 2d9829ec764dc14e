package config

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"log/slog"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func load(t *testing.T, changes map[string]string) (Config, error) {
	t.Helper()
	env := validEnv()
	for k, v := range changes {
		env[k] = v
	}
	return Load(MapLookup(env))
}

func mustLoad(t *testing.T, changes map[string]string) Config {
	t.Helper()
	c, err := load(t, changes)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func requireErr(t *testing.T, err error, wants ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("accepted; want an error mentioning %q", wants)
	}
	for _, w := range wants {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error does not mention %q:\n%v", w, err)
		}
	}
}

// printed is everything a Config can print: fmt and slog.
func printed(c Config) string {
	var b strings.Builder
	slog.New(slog.NewTextHandler(&b, nil)).Info("config", "temporal", c.Temporal, "connection", c.Temporal.Connection,
		"encryption", c.Encryption, "keys", c.Encryption.Keys, "codec", c.CodecServer, "tokens", c.CodecServer.Tokens)
	return fmt.Sprintf("%v %+v %#v %#v", c, c, c, c.Temporal.Connection) + b.String()
}

func TestPayloadEncryptionIsOnByDefault(t *testing.T) {
	c := mustLoad(t, nil)
	if !c.Encryption.Enabled || len(c.Encryption.Keys) != 1 || c.Encryption.Keys[0].Reveal() != "test:"+testKeyB64 {
		t.Fatalf("encryption = %+v", c.Encryption)
	}
	if strings.Contains(printed(c), testKeyB64) {
		t.Errorf("the key printed")
	}
}

// Without a key the product does not start: no silent clear text. Only an
// explicit PAYLOAD_ENCRYPTION=off runs without encryption.
func TestPayloadEncryptionWithoutKey(t *testing.T) {
	_, err := load(t, map[string]string{"PAYLOAD_ENCRYPTION_KEYS": ""})
	requireErr(t, err, "PAYLOAD_ENCRYPTION_KEYS is required", "openssl rand -base64 32", "PAYLOAD_ENCRYPTION=off")

	c := mustLoad(t, map[string]string{"PAYLOAD_ENCRYPTION_KEYS": "", "PAYLOAD_ENCRYPTION": "off"})
	if c.Encryption.Enabled {
		t.Error("PAYLOAD_ENCRYPTION=off is on")
	}
	// Off with keys: they only decrypt what was written before.
	c = mustLoad(t, map[string]string{"PAYLOAD_ENCRYPTION": "OFF"})
	if c.Encryption.Enabled || len(c.Encryption.Keys) != 1 {
		t.Errorf("encryption = %+v", c.Encryption)
	}
	_, err = load(t, map[string]string{"PAYLOAD_ENCRYPTION": "maybe"})
	requireErr(t, err, `PAYLOAD_ENCRYPTION="maybe" must be on or off`)
}

func TestPayloadEncryptionKeyMistakes(t *testing.T) {
	short := "c2l4dGVlbiBieXRlcyEhIQ=="
	_, err := load(t, map[string]string{"PAYLOAD_ENCRYPTION_KEYS": "new:" + short + ",old:" + testKeyB64 + ",old:" + testKeyB64})
	requireErr(t, err, "PAYLOAD_ENCRYPTION_KEYS", `key "new" is 16 bytes; AES-256 needs 32`, `key id "old" is used twice`)
	if strings.Contains(err.Error(), short) || strings.Contains(err.Error(), testKeyB64) {
		t.Errorf("key material in the error: %v", err)
	}
	if strings.Count(err.Error(), "\n") != 1 {
		t.Errorf("one line for the setting, after the heading:\n%v", err)
	}
}

const codecToken = "codec-token-0123456789abcdef"

func TestCodecServerSettings(t *testing.T) {
	c := mustLoad(t, nil)
	if c.CodecServer.Addr != "" {
		t.Errorf("the codec server is on by default: %+v", c.CodecServer)
	}
	c = mustLoad(t, map[string]string{"CODEC_SERVER_ADDR": ":8081", "CODEC_AUTH_TOKENS": codecToken + ", second-token-0123456789abcdef",
		"TEMPORAL_UI_URL": "https://temporal.example.com/ui/"})
	s := c.CodecServer
	if s.Addr != ":8081" || len(s.Tokens) != 2 || s.NoAuth || len(s.Origins) != 1 || s.Origins[0] != "https://temporal.example.com" {
		t.Errorf("codec server = %+v (origins %q)", s, s.Origins)
	}
	if strings.Contains(printed(c), codecToken) {
		t.Error("a codec token printed")
	}
	c = mustLoad(t, map[string]string{"CODEC_SERVER_ADDR": "127.0.0.1:8081", "CODEC_AUTH": "none",
		"CODEC_CORS_ORIGINS": "http://localhost:8233, https://ui.example.com"})
	if !c.CodecServer.NoAuth || len(c.CodecServer.Origins) != 2 {
		t.Errorf("codec server = %+v", c.CodecServer)
	}
	mustLoad(t, map[string]string{"CODEC_SERVER_ADDR": "localhost:8081", "CODEC_AUTH": "none"})
	mustLoad(t, map[string]string{"CODEC_SERVER_ADDR": "[::1]:8081", "CODEC_AUTH": "none"})
}

func TestCodecServerMistakes(t *testing.T) {
	for name, tt := range map[string]struct {
		env   map[string]string
		wants []string
	}{
		"no token":         {map[string]string{"CODEC_SERVER_ADDR": ":8081"}, []string{"CODEC_AUTH_TOKENS is required with CODEC_SERVER_ADDR"}},
		"short token":      {map[string]string{"CODEC_SERVER_ADDR": ":8081", "CODEC_AUTH_TOKENS": "short"}, []string{"token 1 is shorter than 24"}},
		"no auth, public":  {map[string]string{"CODEC_SERVER_ADDR": ":8081", "CODEC_AUTH": "none"}, []string{"CODEC_AUTH=none is allowed only when CODEC_SERVER_ADDR listens on loopback"}},
		"no auth, and tok": {map[string]string{"CODEC_SERVER_ADDR": "127.0.0.1:8081", "CODEC_AUTH": "none", "CODEC_AUTH_TOKENS": codecToken}, []string{"contradict"}},
		"auth mode":        {map[string]string{"CODEC_AUTH": "password"}, []string{`CODEC_AUTH="password" must be tokens or none`}},
		"address":          {map[string]string{"CODEC_SERVER_ADDR": "8081", "CODEC_AUTH_TOKENS": codecToken}, []string{`CODEC_SERVER_ADDR="8081" is not a host:port`}},
		"origin":           {map[string]string{"CODEC_SERVER_ADDR": ":8081", "CODEC_AUTH_TOKENS": codecToken, "CODEC_CORS_ORIGINS": "temporal.example.com,https://ui.example.com/path"}, []string{`"temporal.example.com" is not an origin`, `"https://ui.example.com/path" is not an origin`}},
		"nothing to decrypt": {map[string]string{"CODEC_SERVER_ADDR": ":8081", "CODEC_AUTH_TOKENS": codecToken, "PAYLOAD_ENCRYPTION": "off", "PAYLOAD_ENCRYPTION_KEYS": ""},
			[]string{"no PAYLOAD_ENCRYPTION_KEYS for the codec server"}},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := load(t, tt.env)
			requireErr(t, err, tt.wants...)
		})
	}
}

// The Temporal connection keeps its defaults and the product's variables.
func TestTemporalDefaults(t *testing.T) {
	c := mustLoad(t, nil)
	opts, err := c.Temporal.ClientOptions()
	if err != nil {
		t.Fatal(err)
	}
	if opts.HostPort != "localhost:7233" || opts.Namespace != "default" || opts.ConnectionOptions.TLS != nil || opts.Credentials != nil {
		t.Errorf("options = %+v", opts)
	}
	if c.Temporal.Connection.TLS() || c.Temporal.Connection.String() != "plaintext" {
		t.Errorf("connection = %v", c.Temporal.Connection)
	}
	c = mustLoad(t, map[string]string{"TEMPORAL_ADDRESS": "temporal:7233", "TEMPORAL_NAMESPACE": "payments"})
	if opts, err = c.Temporal.ClientOptions(); err != nil || opts.HostPort != "temporal:7233" || opts.Namespace != "payments" {
		t.Errorf("options = %+v, %v", opts, err)
	}
}

// Temporal Cloud with an API key: TLS on, the key as credentials, and the
// key never printed.
func TestTemporalAPIKey(t *testing.T) {
	const apiKey = "tcld-api-key-0123456789"
	c := mustLoad(t, map[string]string{"TEMPORAL_ADDRESS": "eu-west-1.aws.api.temporal.io:7233", "TEMPORAL_NAMESPACE": "payments.a1b2c",
		"TEMPORAL_API_KEY": apiKey, "TEMPORAL_GRPC_META_X_TEAM": "not-read-from-a-map"})
	opts, err := c.Temporal.ClientOptions()
	if err != nil {
		t.Fatal(err)
	}
	if opts.Credentials == nil || opts.ConnectionOptions.TLS == nil || opts.ConnectionOptions.TLSDisabled {
		t.Errorf("API key without credentials or TLS: %+v", opts)
	}
	if opts.HostPort != "eu-west-1.aws.api.temporal.io:7233" || opts.Namespace != "payments.a1b2c" {
		t.Errorf("options = %+v", opts)
	}
	if got := c.Temporal.Connection.String(); got != "TLS, API key ********" {
		t.Errorf("connection = %q", got)
	}
	if strings.Contains(printed(c), apiKey) {
		t.Error("the API key printed")
	}
	// An API key to a server without TLS, when told so.
	c = mustLoad(t, map[string]string{"TEMPORAL_API_KEY": apiKey, "TEMPORAL_TLS": "false"})
	if opts, _ = c.Temporal.ClientOptions(); !opts.ConnectionOptions.TLSDisabled || opts.Credentials == nil {
		t.Errorf("options = %+v", opts)
	}
}

// mTLS: the client certificate and the server's CA are loaded at start; a
// missing file stops it.
func TestTemporalMTLS(t *testing.T) {
	dir := t.TempDir()
	cert, key := writeCert(t, dir)
	c := mustLoad(t, map[string]string{"TEMPORAL_TLS_CLIENT_CERT_PATH": cert, "TEMPORAL_TLS_CLIENT_KEY_PATH": key,
		"TEMPORAL_TLS_SERVER_CA_CERT_PATH": cert, "TEMPORAL_TLS_SERVER_NAME": "temporal.internal"})
	opts, err := c.Temporal.ClientOptions()
	if err != nil {
		t.Fatal(err)
	}
	tls := opts.ConnectionOptions.TLS
	if tls == nil || len(tls.Certificates) != 1 || tls.RootCAs == nil || tls.ServerName != "temporal.internal" || tls.InsecureSkipVerify {
		t.Fatalf("TLS = %+v", tls)
	}
	if got := c.Temporal.Connection.String(); got != "TLS, client certificate" {
		t.Errorf("connection = %q", got)
	}

	_, err = load(t, map[string]string{"TEMPORAL_TLS_CLIENT_CERT_PATH": filepath.Join(dir, "missing.pem"), "TEMPORAL_TLS_CLIENT_KEY_PATH": key})
	requireErr(t, err, "temporal connection (TEMPORAL_API_KEY, TEMPORAL_TLS*, or the profile)", "missing.pem")
	_, err = load(t, map[string]string{"TEMPORAL_TLS_CLIENT_CERT_PATH": cert})
	requireErr(t, err, "other must be present too")
}

// A profile of the client configuration file, as the Temporal CLI writes
// it: read when asked for, the variables win over it.
func TestTemporalProfileFile(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "temporal.toml")
	const toml = `
[profile.default]
address = "localhost:7233"

[profile.cloud]
address = "payments.a1b2c.tmprl.cloud:7233"
namespace = "payments.a1b2c"
api_key = "profile-api-key-0123456789"

[profile.cloud.grpc_meta]
x-team = "payments"
`
	if err := os.WriteFile(file, []byte(toml), 0o600); err != nil {
		t.Fatal(err)
	}
	c := mustLoad(t, map[string]string{"TEMPORAL_CONFIG_FILE": file, "TEMPORAL_PROFILE": "cloud"})
	opts, err := c.Temporal.ClientOptions()
	if err != nil {
		t.Fatal(err)
	}
	if c.Temporal.Address != "payments.a1b2c.tmprl.cloud:7233" || c.Temporal.Namespace != "payments.a1b2c" ||
		opts.Credentials == nil || opts.ConnectionOptions.TLS == nil || opts.HeadersProvider == nil {
		t.Errorf("profile not applied: %+v / %+v", c.Temporal, opts)
	}
	if strings.Contains(printed(c), "profile-api-key") {
		t.Error("the profile's API key printed")
	}
	c = mustLoad(t, map[string]string{"TEMPORAL_CONFIG_FILE": file, "TEMPORAL_PROFILE": "cloud", "TEMPORAL_ADDRESS": "127.0.0.1:7233"})
	if c.Temporal.Address != "127.0.0.1:7233" || c.Temporal.Namespace != "payments.a1b2c" {
		t.Errorf("TEMPORAL_ADDRESS does not override the profile: %+v", c.Temporal)
	}

	_, err = load(t, map[string]string{"TEMPORAL_CONFIG_FILE": file, "TEMPORAL_PROFILE": "staging"})
	requireErr(t, err, "TEMPORAL_PROFILE", "staging")
	_, err = load(t, map[string]string{"TEMPORAL_CONFIG_FILE": filepath.Join(dir, "nope.toml")})
	requireErr(t, err, "TEMPORAL_CONFIG_FILE=", "nope.toml")
}

// Without TEMPORAL_CONFIG_FILE or TEMPORAL_PROFILE, the CLI's default file
// in the home directory is not read: a service does not depend on whose
// home it runs in.
func TestTemporalDefaultFileIsNotRead(t *testing.T) {
	home := t.TempDir()
	t.Setenv("HOME", home)
	t.Setenv("XDG_CONFIG_HOME", filepath.Join(home, ".config"))
	dir := filepath.Join(home, ".config", "temporalio")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "temporal.toml"), []byte("[profile.default]\naddress = \"elsewhere:7233\"\napi_key = \"k\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	c := mustLoad(t, nil)
	if c.Temporal.Address != "localhost:7233" || c.Temporal.Connection.TLS() {
		t.Errorf("the default file was read: %+v", c.Temporal)
	}
	c = mustLoad(t, map[string]string{"TEMPORAL_PROFILE": "default"})
	if c.Temporal.Address != "elsewhere:7233" {
		t.Errorf("TEMPORAL_PROFILE did not read the default file: %+v", c.Temporal)
	}
}

// writeCert writes a self-signed certificate and its key as PEM files.
func writeCert(t *testing.T, dir string) (certPath, keyPath string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "temporal.internal"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature, DNSNames: []string{"temporal.internal"}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certPath, keyPath = filepath.Join(dir, "client.pem"), filepath.Join(dir, "client.key")
	if err := os.WriteFile(certPath, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyPath, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER}), 0o600); err != nil {
		t.Fatal(err)
	}
	return certPath, keyPath
}
