// Command dev runs the whole product on one machine for `make dev`: the real
// Temporal dev server, the Afterpay sandbox simulator, the fake Odoo with demo
// orders, the worker and the API. It prints their URLs, keeps their data in
// ./.dev between runs, and stops everything on Ctrl-C.
package main

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"maps"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"

	"github.com/odoo-afterpay/bridge/afterpay/sandbox"
	"github.com/odoo-afterpay/bridge/config"
	"github.com/odoo-afterpay/bridge/internal/app"
	"github.com/odoo-afterpay/bridge/internal/devtemporal"
	"github.com/odoo-afterpay/bridge/internal/logging"
	"github.com/odoo-afterpay/bridge/money"
	"github.com/odoo-afterpay/bridge/odoo/fakeodoo"
	"github.com/odoo-afterpay/bridge/odoo/provision"
)

// ports are the local ports; fixed by default, so that URLs stay the same
// between runs.
type ports struct {
	temporal, temporalUI, api, sandbox, odoo, codec int
}

func main() {
	dir := flag.String("dir", ".dev", "where the dev data lives (Temporal's SQLite, simulator and fake Odoo state, secrets)")
	binary := flag.String("temporal", "bin/temporal", "the temporal CLI")
	var p ports
	flag.IntVar(&p.temporal, "temporal-port", 7233, "Temporal frontend port")
	flag.IntVar(&p.temporalUI, "ui-port", 8233, "Temporal Web UI port")
	flag.IntVar(&p.api, "api-port", 8080, "the API's port")
	flag.IntVar(&p.sandbox, "sandbox-port", 8090, "the Afterpay simulator's port")
	flag.IntVar(&p.odoo, "odoo-port", 8069, "the fake Odoo's port")
	flag.IntVar(&p.codec, "codec-port", 8081, "the codec server's port, with which the Web UI decrypts payloads")
	flag.Parse()
	logger := logging.New(os.Stderr, logging.FormatText, slog.LevelInfo)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, *dir, *binary, p, logger); err != nil {
		logger.Error("make dev failed", "error", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, dir, binary string, ports ports, logger *slog.Logger) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	release, err := lockDir(dir)
	if err != nil {
		return err
	}
	defer release()
	envFile := filepath.Join(dir, "dev.env")
	env, err := devEnv(envFile, ports)
	if err != nil {
		return err
	}
	cfg, err := config.Load(config.MapLookup(env))
	if err != nil {
		return err
	}
	for _, p := range []int{ports.temporal, ports.temporalUI, ports.api, ports.sandbox, ports.odoo} {
		if err := portFree(p); err != nil {
			return err
		}
	}
	// The worker serves the codec server; the Web UI decrypts with it.
	codecEndpoint, codecShown := "", "off"
	if _, port, err := net.SplitHostPort(cfg.CodecServer.Addr); err == nil {
		n, _ := strconv.Atoi(port)
		if err := portFree(n); err != nil {
			return err
		}
		codecEndpoint = "http://localhost:" + port
		codecShown = codecEndpoint
	}

	logger.Info("Starting Temporal dev server", "db", filepath.Join(dir, "temporal.db"))
	tsrv, err := devtemporal.Start(ctx, devtemporal.Options{
		Binary: binary, DBFile: filepath.Join(dir, "temporal.db"), LogFile: filepath.Join(dir, "temporal.log"),
		Port: ports.temporal, UIPort: ports.temporalUI, UICodecEndpoint: codecEndpoint,
	})
	if err != nil {
		return err
	}
	defer func() {
		logger.Info("Stopping Temporal dev server")
		if err := tsrv.Stop(); err != nil {
			logger.Warn("Temporal stop", "error", err)
		}
	}()

	var wg sync.WaitGroup
	errc := make(chan error, 8)
	svcCtx, cancel := context.WithCancel(ctx)
	stopServices := func() { cancel(); wg.Wait() }
	defer stopServices()
	goServe := func(name string, f func() error) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := f(); err != nil && !errors.Is(err, context.Canceled) {
				errc <- fmt.Errorf("%s: %w", name, err)
			}
		}()
	}

	simOpts := sandbox.Options{
		MerchantID: cfg.Afterpay.MerchantID, SecretKey: cfg.Afterpay.SecretKey.Reveal(),
		Currency: "USD", MinimumAmount: money.MustNew(100, "USD"), MaximumAmount: money.MustNew(200000, "USD"),
		PublicURL: fmt.Sprintf("http://localhost:%d", ports.sandbox), CountryPath: "us",
		Logger: logger.With("component", "afterpay-sandbox"),
		// Signed webhooks to the API, as Afterpay sends disputes and a relay
		// would send payment events.
		WebhookURL:        cfg.API.PublicURL + "/afterpay/webhook/notification",
		DisputeWebhookURL: cfg.API.PublicURL + "/afterpay/webhook/disputes",
		WebhookSecret:     cfg.API.WebhookSecret.Reveal(),
	}
	goServe("afterpay sandbox", func() error {
		return sandbox.Run(svcCtx, simOpts, fmt.Sprintf("127.0.0.1:%d", ports.sandbox), filepath.Join(dir, "afterpay-sandbox.json"))
	})

	odooReady := make(chan string, 1)
	goServe("fake odoo", func() error {
		return fakeodoo.Run(svcCtx, fakeodoo.RunConfig{
			Addr: fmt.Sprintf("127.0.0.1:%d", ports.odoo), Database: cfg.Odoo.Database, Seed: "demo",
			StateFile: filepath.Join(dir, "fake-odoo.json"),
			Users:     []fakeodoo.User{{Login: cfg.Odoo.Username, Password: cfg.Odoo.Password.Reveal(), UID: 2}},
			Logger:    logger.With("component", "fake-odoo"),
			Ready:     func(addr string) { odooReady <- addr },
		})
	})
	select {
	case <-odooReady:
	case err := <-errc:
		return err
	}

	// The product's own provisioning prepares the fake exactly as it would a
	// real Odoo: provider, custom fields, and the automation rules whose
	// webhooks start the payment workflows.
	od, err := app.NewOdooClient(cfg, logger)
	if err != nil {
		return err
	}
	report, err := provision.Run(ctx, od, provision.Options{APIBaseURL: cfg.API.PublicURL, WebhookToken: cfg.API.WebhookToken.Reveal()})
	if err != nil {
		return fmt.Errorf("provision the fake Odoo: %w", err)
	}
	fmt.Printf("\n%s\n", strings.TrimSpace(report.String()))

	tc, err := app.DialTemporal(ctx, cfg, logger)
	if err != nil {
		return err
	}
	// Services stop before their Temporal client closes, and the client
	// before the server stops.
	defer func() { stopServices(); tc.Close() }()
	goServe("worker", func() error { return app.RunWorker(svcCtx, cfg, tc, logger.With("component", "worker")) })
	goServe("api", func() error {
		return app.Serve(svcCtx, cfg.API.Addr, app.APIHandler(cfg, tc, logger.With("component", "api")), nil)
	})

	fmt.Printf(`
  Odoo ⇄ Afterpay payments is running. Ctrl-C stops everything.

  Temporal Web UI      %s
  API                  %s   (Odoo webhook: POST /odoo/webhook/order-confirmed?token=…)
  Afterpay simulator   http://localhost:%d   (merchant %s)
  Fake Odoo (XML-RPC)  %s/xmlrpc/2   (database %s, user %s)
  Temporal frontend    %s
  Codec server         %s   (payloads are encrypted; the Web UI decrypts them here)

  Settings and local secrets: %s
  Next, in another terminal:  make demo

`, cfg.Temporal.UIURL, cfg.API.PublicURL, ports.sandbox, cfg.Afterpay.MerchantID, cfg.Odoo.URL, cfg.Odoo.Database, cfg.Odoo.Username, cfg.Temporal.Address, codecShown, envFile)

	select {
	case <-ctx.Done():
		logger.Info("Shutting down")
		return nil
	case err := <-errc:
		return err
	}
}

// devEnv reads the dev settings, creating them with fresh random secrets on
// the first run so that no secret lives in the code. Settings added since a
// dev.env was written are appended to it.
func devEnv(path string, p ports) (map[string]string, error) {
	if _, err := os.Stat(path); err == nil {
		env, err := config.ReadEnvFile(path)
		if err != nil {
			return nil, err
		}
		return env, appendMissing(path, env, addedSettings(p))
	}
	secret := func() string {
		b := make([]byte, 16)
		_, _ = rand.Read(b)
		return hex.EncodeToString(b)
	}
	env := map[string]string{
		"TEMPORAL_ADDRESS":        fmt.Sprintf("127.0.0.1:%d", p.temporal),
		"TEMPORAL_UI_URL":         fmt.Sprintf("http://localhost:%d", p.temporalUI),
		"ODOO_URL":                fmt.Sprintf("http://127.0.0.1:%d", p.odoo),
		"ODOO_DB":                 "odoo",
		"ODOO_USERNAME":           "admin",
		"ODOO_PASSWORD":           secret(),
		"AFTERPAY_MERCHANT_ID":    "100101",
		"AFTERPAY_SECRET_KEY":     secret(),
		"AFTERPAY_BASE_URL":       fmt.Sprintf("http://127.0.0.1:%d", p.sandbox),
		"AFTERPAY_STORE_URL":      fmt.Sprintf("http://localhost:%d", p.api),
		"API_ADDR":                fmt.Sprintf("127.0.0.1:%d", p.api),
		"API_PUBLIC_URL":          fmt.Sprintf("http://localhost:%d", p.api),
		"ODOO_WEBHOOK_TOKEN":      secret(),
		"AFTERPAY_WEBHOOK_SECRET": secret(),
		"STOREFRONT_API_KEYS":     secret(),
		"SHOP_NAME":               "Demo Store Inc.",
	}
	for k, v := range addedSettings(p) {
		env[k] = v
	}
	keys := make([]string, 0, len(env))
	for k := range env {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	b.WriteString("# Written by `make dev` on its first run: local settings and random local secrets.\n")
	for _, k := range keys {
		fmt.Fprintf(&b, "%s=%s\n", k, env[k])
	}
	if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
		return nil, err
	}
	return env, nil
}

// addedSettings are the settings added after the first dev.env files were
// written: payloads encrypted with a random local key, and the codec server
// on loopback, without tokens, for the dev Web UI.
func addedSettings(p ports) map[string]string {
	key := make([]byte, 32)
	_, _ = rand.Read(key)
	return map[string]string{
		"PAYLOAD_ENCRYPTION_KEYS": "dev:" + base64.StdEncoding.EncodeToString(key),
		"CODEC_SERVER_ADDR":       fmt.Sprintf("127.0.0.1:%d", p.codec),
		"CODEC_AUTH":              "none",
	}
}

// appendMissing appends to the env file at path the settings it lacks.
// One already decided (PAYLOAD_ENCRYPTION=off, say) is left alone.
func appendMissing(path string, env, settings map[string]string) error {
	if _, off := env["PAYLOAD_ENCRYPTION"]; off {
		delete(settings, "PAYLOAD_ENCRYPTION_KEYS")
	}
	if _, set := env["CODEC_SERVER_ADDR"]; set {
		delete(settings, "CODEC_AUTH")
	}
	var b strings.Builder
	for _, k := range slices.Sorted(maps.Keys(settings)) {
		if _, ok := env[k]; !ok {
			fmt.Fprintf(&b, "%s=%s\n", k, settings[k])
			env[k] = settings[k]
		}
	}
	if b.Len() == 0 {
		return nil
	}
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	if _, err := f.WriteString("# Added by a later `make dev`.\n" + b.String()); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// lockDir makes sure one `make dev` at a time uses dir. A lock left by a
// run that was killed (kill -9) is taken over: its pid is gone.
func lockDir(dir string) (release func(), err error) {
	path := filepath.Join(dir, "dev.pid")
	if data, err := os.ReadFile(path); err == nil {
		if pid, err := strconv.Atoi(strings.TrimSpace(string(data))); err == nil && pid != os.Getpid() && syscall.Kill(pid, 0) == nil {
			if cmdline, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid)); err == nil && strings.Contains(string(cmdline), "dev") {
				return nil, fmt.Errorf("another `make dev` (pid %d) is running on %s; stop it first", pid, dir)
			}
		}
	}
	if err := os.WriteFile(path, []byte(strconv.Itoa(os.Getpid())), 0o644); err != nil {
		return nil, err
	}
	return func() { _ = os.Remove(path) }, nil
}

func portFree(port int) error {
	ln, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", port))
	if err != nil {
		return fmt.Errorf("port %d is in use (another `make dev`?): %w", port, err)
	}
	return ln.Close()
}
