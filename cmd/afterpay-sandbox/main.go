// Command afterpay-sandbox serves the Afterpay Online API v2 simulator
// (package afterpay/sandbox) for local development.
//
// Every flag can also be set through the environment as AFTERPAY_SANDBOX_ plus
// the flag name in upper case with dashes as underscores (e.g.
// AFTERPAY_SANDBOX_WEBHOOK_URL); flags win over the environment.
// AFTERPAY_SANDBOX_FAULT takes several faults separated by commas.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/lmittmann/tint"

	"github.com/odoo-afterpay/bridge/afterpay/sandbox"
	"github.com/odoo-afterpay/bridge/money"
)

const envPrefix = "AFTERPAY_SANDBOX_"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stderr); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			os.Exit(2)
		}
		fmt.Fprintln(os.Stderr, "afterpay-sandbox:", err)
		os.Exit(1)
	}
}

// config is the parsed command line.
type config struct {
	opts      sandbox.Options
	addr      string
	stateFile string
	logFormat string
	logLevel  slog.Level
}

// faultList collects repeated --fault flags.
type faultList []string

// String implements flag.Value.
func (f *faultList) String() string { return strings.Join(*f, ",") }

// Set implements flag.Value; a comma-separated value adds several faults.
func (f *faultList) Set(v string) error {
	for _, part := range strings.Split(v, ",") {
		if part = strings.TrimSpace(part); part != "" {
			*f = append(*f, part)
		}
	}
	return nil
}

func parseConfig(args []string, getenv func(string) string, output io.Writer) (config, error) {
	fs := flag.NewFlagSet("afterpay-sandbox", flag.ContinueOnError)
	fs.SetOutput(output)
	var (
		cfg             config
		minAmount       string
		maxAmount       string
		faultSpecs      faultList
		settlementDelay time.Duration
		manualClock     bool
		logLevel        string
	)
	fs.StringVar(&cfg.addr, "addr", "127.0.0.1:8090", "listen address")
	fs.StringVar(&cfg.opts.PublicURL, "public-url", "", "base URL browsers reach the simulator at (default: the Host of each create-checkout request)")
	fs.StringVar(&cfg.opts.MerchantID, "merchant-id", "sandbox-merchant", "merchant ID (Basic-auth user name)")
	fs.StringVar(&cfg.opts.SecretKey, "secret-key", "sandbox-secret", "secret key (Basic-auth password)")
	fs.StringVar(&cfg.opts.Currency, "currency", sandbox.DefaultCurrency, "merchant currency")
	fs.StringVar(&minAmount, "min", "1.00", "minimum order amount")
	fs.StringVar(&maxAmount, "max", "2000.00", "maximum order amount")
	fs.StringVar(&cfg.opts.CountryPath, "country", "", "consumer page region path, e.g. us (default: from the currency)")
	fs.StringVar(&cfg.opts.WebhookURL, "webhook-url", "", "URL that receives signed payment-event webhooks (and dispute webhooks, without -dispute-webhook-url)")
	fs.StringVar(&cfg.opts.DisputeWebhookURL, "dispute-webhook-url", "", "URL that receives signed dispute webhooks (default: -webhook-url)")
	fs.StringVar(&cfg.opts.WebhookSecret, "webhook-secret", "", "HMAC secret for webhook signatures")
	fs.DurationVar(&settlementDelay, "settlement-delay", 0, "send each payment event this long after its capture, refund or void (0: only on POST /__sim/webhooks/flush)")
	fs.BoolVar(&cfg.opts.StrictUserAgent, "strict-user-agent", false, "reject requests without a User-Agent (400 invalid_object, an invented status)")
	fs.Var(&faultSpecs, "fault", "inject a fault, endpoint:kind[:delay] (repeatable), e.g. capture:latency:5s, *:500, refund:drop-after-commit")
	fs.StringVar(&cfg.stateFile, "state-file", "", "load state from this file at start, save it periodically and on exit")
	fs.BoolVar(&manualClock, "manual-clock", false, "run on a manual clock moved only by POST /__sim/clock")
	fs.StringVar(&cfg.logFormat, "log-format", "text", "log format: text or json")
	fs.StringVar(&logLevel, "log-level", "info", "log level: debug, info, warn or error (debug logs masked bodies)")

	var envErr error
	fs.VisitAll(func(f *flag.Flag) {
		name := envPrefix + strings.ToUpper(strings.ReplaceAll(f.Name, "-", "_"))
		if v := getenv(name); v != "" {
			if err := fs.Set(f.Name, v); err != nil {
				envErr = errors.Join(envErr, fmt.Errorf("%s: %w", name, err))
			}
		}
	})
	if envErr != nil {
		return cfg, envErr
	}
	if err := fs.Parse(args); err != nil {
		return cfg, err
	}
	if fs.NArg() > 0 {
		return cfg, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	var err error
	if cfg.opts.MinimumAmount, err = money.Parse(minAmount, cfg.opts.Currency); err != nil {
		return cfg, fmt.Errorf("--min: %w", err)
	}
	if cfg.opts.MaximumAmount, err = money.Parse(maxAmount, cfg.opts.Currency); err != nil {
		return cfg, fmt.Errorf("--max: %w", err)
	}
	cfg.opts.SettlementDelay = settlementDelay
	if manualClock {
		cfg.opts.Clock = sandbox.NewManualClock(time.Now())
	}
	for _, spec := range faultSpecs {
		f, err := sandbox.ParseFault(spec)
		if err != nil {
			return cfg, fmt.Errorf("--fault: %w", err)
		}
		cfg.opts.Faults = append(cfg.opts.Faults, f)
	}
	switch cfg.logFormat {
	case "text", "json":
	default:
		return cfg, fmt.Errorf("--log-format must be text or json, not %q", cfg.logFormat)
	}
	if err := cfg.logLevel.UnmarshalText([]byte(logLevel)); err != nil {
		return cfg, fmt.Errorf("--log-level: %w", err)
	}
	return cfg, nil
}

func newLogger(cfg config, w io.Writer) *slog.Logger {
	if cfg.logFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: cfg.logLevel}))
	}
	return slog.New(tint.NewHandler(w, &tint.Options{Level: cfg.logLevel, TimeFormat: time.TimeOnly}))
}

func run(ctx context.Context, args []string, getenv func(string) string, stderr io.Writer) error {
	cfg, err := parseConfig(args, getenv, stderr)
	if err != nil {
		return err
	}
	log := newLogger(cfg, stderr)
	cfg.opts.Logger = log
	faults := make([]string, 0, len(cfg.opts.Faults))
	for _, f := range cfg.opts.Faults {
		faults = append(faults, f.String())
	}
	log.Info("afterpay sandbox starting", "addr", cfg.addr, "merchant_id", cfg.opts.MerchantID,
		"currency", cfg.opts.Currency, "min", cfg.opts.MinimumAmount.Amount(), "max", cfg.opts.MaximumAmount.Amount(),
		"faults", faults, "strict_user_agent", cfg.opts.StrictUserAgent, "settlement_delay", cfg.opts.SettlementDelay,
		"manual_clock", cfg.opts.Clock != nil, "webhook_url", cfg.opts.WebhookURL, "webhook_secret_set", cfg.opts.WebhookSecret != "")
	return sandbox.Run(ctx, cfg.opts, cfg.addr, cfg.stateFile)
}
