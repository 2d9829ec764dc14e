// Package app wires configuration, clients, the worker and the API together,
// once, for every process that runs them: the worker and API commands, the
// dev runner and the end-to-end test.
package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"runtime/debug"
	"time"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"

	"github.com/odoo-afterpay/bridge/activities"
	"github.com/odoo-afterpay/bridge/afterpay"
	"github.com/odoo-afterpay/bridge/api"
	"github.com/odoo-afterpay/bridge/codec"
	"github.com/odoo-afterpay/bridge/config"
	"github.com/odoo-afterpay/bridge/internal/logging"
	"github.com/odoo-afterpay/bridge/internal/metrics"
	"github.com/odoo-afterpay/bridge/mapping"
	"github.com/odoo-afterpay/bridge/odoo"
	"github.com/odoo-afterpay/bridge/worker"
	"github.com/odoo-afterpay/bridge/workflows"
)

// Version is the module version the binary was built from.
func Version() string {
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return "dev"
}

// DialTemporal connects to Temporal with the product's logger, the
// connection settings (TLS, API key: see config.Connection) and the payload
// codec, so that every payload this client and its workers send is
// encrypted.
func DialTemporal(ctx context.Context, cfg config.Config, logger *slog.Logger) (client.Client, error) {
	opts, err := TemporalClientOptions(cfg, logger)
	if err != nil {
		return nil, err
	}
	if !cfg.Encryption.Enabled {
		logger.Warn("Payload encryption is off (PAYLOAD_ENCRYPTION=off): customers' data is stored in clear in Temporal")
	}
	c, err := client.DialContext(ctx, opts)
	if err != nil {
		return nil, fmt.Errorf("connect to Temporal at %s (namespace %s, %v): %w", cfg.Temporal.Address, cfg.Temporal.Namespace, cfg.Temporal.Connection, err)
	}
	return c, nil
}

// TemporalClientOptions are the options every Temporal client of the
// product dials with.
func TemporalClientOptions(cfg config.Config, logger *slog.Logger) (client.Options, error) {
	opts, err := cfg.Temporal.ClientOptions()
	if err != nil {
		return client.Options{}, err
	}
	opts.Logger = logging.TemporalLogger(logger)
	if opts.DataConverter, opts.FailureConverter, err = Converters(cfg); err != nil {
		return client.Options{}, err
	}
	return opts, nil
}

// PayloadCodec is the codec of PAYLOAD_ENCRYPTION_KEYS: encrypting, or only
// decrypting with PAYLOAD_ENCRYPTION=off. Nil without keys.
func PayloadCodec(cfg config.Config) (*codec.Codec, error) {
	if len(cfg.Encryption.Keys) == 0 {
		return nil, nil
	}
	keys, err := codec.ParseKeys(cfg.Encryption.Keys.Reveal())
	if err != nil {
		return nil, fmt.Errorf("PAYLOAD_ENCRYPTION_KEYS: %w", err)
	}
	c, err := codec.New(keys)
	if err != nil {
		return nil, err
	}
	if !cfg.Encryption.Enabled {
		c = c.DecryptOnly()
	}
	return c, nil
}

// Converters are the data and failure converters of every client, worker
// and replayer of the product's workflows: the SDK's own, through the
// payload codec when there are keys.
func Converters(cfg config.Config) (converter.DataConverter, converter.FailureConverter, error) {
	c, err := PayloadCodec(cfg)
	if err != nil || c == nil {
		return nil, nil, err
	}
	return c.DataConverter(), c.FailureConverter(), nil
}

// NewAfterpayClient builds the Afterpay client from the configuration.
func NewAfterpayClient(cfg config.Config, logger *slog.Logger) (*afterpay.Client, error) {
	env := afterpay.Sandbox
	if cfg.Afterpay.Environment == "production" {
		env = afterpay.Production
	}
	return afterpay.NewClient(afterpay.Config{
		MerchantID:  cfg.Afterpay.MerchantID,
		SecretKey:   cfg.Afterpay.SecretKey.Reveal(),
		Environment: env,
		BaseURL:     cfg.Afterpay.BaseURL,
		UserAgent: afterpay.UserAgent{
			PluginName: "OdooAfterpayBridge", PluginVersion: Version(),
			Platform: "Odoo", PlatformVersion: "18.0", StoreURL: cfg.Afterpay.StoreURL,
		},
		Timeouts: afterpay.Timeouts{Read: cfg.Afterpay.Timeout, MoneyRead: cfg.Afterpay.MoneyTimeout},
		Logger:   logger,
	})
}

// NewOdooClient builds the Odoo client from the configuration.
func NewOdooClient(cfg config.Config, logger *slog.Logger) (*odoo.Client, error) {
	return odoo.NewClient(odoo.Config{
		URL: cfg.Odoo.URL, Database: cfg.Odoo.Database, Username: cfg.Odoo.Username,
		Password: cfg.Odoo.Password.Reveal(), Timeout: cfg.Odoo.Timeout, Logger: logger,
	})
}

// NewActivities builds the activities with real clients.
func NewActivities(cfg config.Config, logger *slog.Logger) (*activities.Activities, error) {
	ap, err := NewAfterpayClient(cfg, logger)
	if err != nil {
		return nil, err
	}
	od, err := NewOdooClient(cfg, logger)
	if err != nil {
		return nil, err
	}
	return &activities.Activities{Afterpay: ap, Odoo: od, Mapper: mapping.NewMapper()}, nil
}

// RunWorker runs the payment worker until ctx ends.
func RunWorker(ctx context.Context, cfg config.Config, c client.Client, logger *slog.Logger) error {
	acts, err := NewActivities(cfg, logger)
	if err != nil {
		return err
	}
	if err := EnsureSearchAttributes(ctx, c, cfg.Temporal.Namespace, logger); err != nil {
		return err
	}
	if _, err := EnsureReconciliationSchedule(ctx, c, cfg, logger); err != nil {
		logger.Error("The reconciliation has no schedule; run `starter reconcile` until this is fixed", "error", err)
	}
	if _, err := EnsureMerchantLimitsSchedule(ctx, c, cfg, logger); err != nil {
		logger.Error("The merchant's Afterpay limits have no refresh schedule; payments use the last limits cached in Odoo", "error", err)
	}
	if err := StartCodecServer(ctx, cfg, logger); err != nil {
		return err
	}
	if cfg.Metrics.WorkerAddr != "" {
		m := NewWorkerMetrics(logger)
		if ap, ok := acts.Afterpay.(interface{ BreakerState() string }); ok {
			m.WatchBreaker(ap.BreakerState)
		}
		mc, err := temporalClientWithMetrics(cfg, c, m.Registry, logger)
		if err != nil {
			return err
		}
		defer mc.Close()
		c = mc
		mctx, stopMetrics := context.WithCancel(ctx)
		served, err := serveMetrics(mctx, cfg.Metrics.WorkerAddr, m.Handler(), logger.With("component", "worker-metrics"))
		if err != nil {
			stopMetrics()
			return err
		}
		defer func() { stopMetrics(); <-served }() // a worker started next can listen there again
		go m.CountAttention(mctx, c, cfg.Temporal.Namespace, AttentionCountEvery, logger)
	}
	w := worker.New(c, cfg.Temporal.TaskQueue, acts, worker.Options{
		AfterpayPerSecond: cfg.Afterpay.CallsPerSecond, OdooPerSecond: cfg.Odoo.CallsPerSecond,
		AfterpayConcurrency: cfg.Afterpay.MaxConcurrent, OdooConcurrency: cfg.Odoo.MaxConcurrent,
	})
	if err := w.Start(); err != nil {
		return fmt.Errorf("start worker: %w", err)
	}
	logger.Info("Worker polling", "taskQueue", cfg.Temporal.TaskQueue,
		"afterpayTaskQueue", workflows.AfterpayTaskQueue(cfg.Temporal.TaskQueue), "odooTaskQueue", workflows.OdooTaskQueue(cfg.Temporal.TaskQueue))
	<-ctx.Done()
	w.Stop()
	return nil
}

// StartCodecServer serves the codec server on CODEC_SERVER_ADDR, if set,
// until ctx ends. The worker serves it: it holds the keys already and,
// unlike the API, it need not be reachable from the internet. A listen
// address in use is an error now; a later failure is logged.
func StartCodecServer(ctx context.Context, cfg config.Config, logger *slog.Logger) error {
	if cfg.CodecServer.Addr == "" {
		return nil
	}
	h, err := NewCodecServer(cfg, logger)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", cfg.CodecServer.Addr)
	if err != nil {
		return fmt.Errorf("codec server: listen on %s: %w", cfg.CodecServer.Addr, err)
	}
	logger.Info("Codec server listening", "addr", ln.Addr().String(), "origins", cfg.CodecServer.Origins, "auth", !cfg.CodecServer.NoAuth)
	go func() {
		if err := ServeListenerWith(ctx, ln, h, nil, CodecServerOptions); err != nil {
			logger.Error("Codec server stopped", "addr", cfg.CodecServer.Addr, "error", err)
		}
	}()
	return nil
}

// NewCodecServer builds the codec server from the configuration.
func NewCodecServer(cfg config.Config, logger *slog.Logger) (http.Handler, error) {
	c, err := PayloadCodec(cfg)
	if err != nil {
		return nil, err
	}
	if c == nil {
		return nil, errors.New("codec server: no PAYLOAD_ENCRYPTION_KEYS to decrypt with")
	}
	return codec.NewServer(c, codec.ServerOptions{
		Namespace: cfg.Temporal.Namespace, Origins: cfg.CodecServer.Origins, Tokens: cfg.CodecServer.Tokens.Reveal(),
		NoAuth: cfg.CodecServer.NoAuth, Logger: logger.With("component", "codec-server"),
	}), nil
}

// APIHandler builds the HTTP API from the configuration. Should its clients
// not build (the configuration was validated, so they do), it logs why and
// answers every request 503.
func APIHandler(cfg config.Config, c client.Client, logger *slog.Logger) http.Handler {
	h, err := NewAPIHandler(cfg, c, logger)
	if err != nil {
		logger.Error("API cannot serve", "error", err)
		return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			http.Error(w, "service unavailable", http.StatusServiceUnavailable)
		})
	}
	return h
}

// NewAPIHandler builds the HTTP API from the configuration, with an Odoo
// client that checks webhooks' orders exist and an Afterpay client that
// reads disputes.
func NewAPIHandler(cfg config.Config, c client.Client, logger *slog.Logger) (http.Handler, error) {
	od, err := NewOdooClient(cfg, logger)
	if err != nil {
		return nil, err
	}
	ap, err := NewAfterpayClient(cfg, logger)
	if err != nil {
		return nil, err
	}
	shopURL := cfg.API.ShopReturnURL
	if shopURL == "" {
		shopURL = cfg.Afterpay.StoreURL
	}
	var withMetrics *apiWithMetrics
	var apiMetrics *api.Metrics
	if cfg.Metrics.APIAddr != "" {
		withMetrics = &apiWithMetrics{addr: cfg.Metrics.APIAddr, registry: metrics.NewRegistry(logger), logger: logger.With("component", "api-metrics")}
		apiMetrics = api.NewMetrics(withMetrics.registry)
		if c != nil {
			if c, err = temporalClientWithMetrics(cfg, c, withMetrics.registry, logger); err != nil {
				return nil, err
			}
			withMetrics.temporal = c
		}
	}
	h := api.NewHandler(c, api.Options{
		Metrics:  apiMetrics,
		Database: cfg.Odoo.Database, TaskQueue: cfg.Temporal.TaskQueue, PublicURL: cfg.API.PublicURL,
		WebhookToken: cfg.API.WebhookToken.Reveal(), PreviousWebhookToken: cfg.API.WebhookTokenPrevious.Reveal(),
		AfterpayWebhookSecret:         cfg.API.WebhookSecret.Reveal(),
		PreviousAfterpayWebhookSecret: cfg.API.WebhookSecretPrevious.Reveal(),
		StorefrontAPIKeys:             cfg.API.StorefrontAPIKeys.Reveal(),
		ShopName:                      cfg.API.ShopName, ShopReturnURL: shopURL,
		ConfirmationTimeout: cfg.Payment.OrderConfirmationTimeout, CaptureMode: cfg.Payment.CaptureMode,
		TemporalUIURL: cfg.Temporal.UIURL, Namespace: cfg.Temporal.Namespace,
		Orders: OdooOrders{Client: od}, Afterpay: ap,
		TrustedProxies: cfg.API.TrustedProxies, RateLimit: cfg.API.RateLimit,
		Logger: logger,
	})
	if withMetrics == nil {
		return h, nil
	}
	withMetrics.Handler = h
	return withMetrics, nil
}

// OdooOrders finds sale orders by name for the API: one search call on
// sale.order (ids only; the workflow reads the order itself).
type OdooOrders struct{ Client *odoo.Client }

// FindOrder returns the id of the sale order named name.
func (o OdooOrders) FindOrder(ctx context.Context, name string) (int64, bool, error) {
	ids, err := o.Client.Search(ctx, "sale.order", []any{[]any{"name", "=", name}}, &odoo.SearchOptions{Limit: 1})
	if err != nil {
		return 0, false, err
	}
	if len(ids) == 0 {
		return 0, false, nil
	}
	return ids[0], true, nil
}

// ServerOptions are the HTTP server's limits. Every phase of a connection
// has a deadline: a slow or idle client cannot hold one for ever.
type ServerOptions struct {
	// ReadHeaderTimeout bounds reading a request's headers.
	ReadHeaderTimeout time.Duration
	// ReadTimeout bounds reading a whole request, body included.
	ReadTimeout time.Duration
	// WriteTimeout bounds handling a request and writing its answer.
	WriteTimeout time.Duration
	// IdleTimeout closes a keep-alive connection that sends nothing.
	IdleTimeout time.Duration
	// ShutdownTimeout is how long a shutdown waits for requests in flight.
	ShutdownTimeout time.Duration
	// MaxHeaderBytes bounds a request's headers.
	MaxHeaderBytes int
}

// DefaultServerOptions suit the API: requests are small (64 KiB bodies),
// the slowest answer (a customer's return) takes about 5 seconds.
var DefaultServerOptions = ServerOptions{
	ReadHeaderTimeout: 5 * time.Second,
	ReadTimeout:       15 * time.Second,
	WriteTimeout:      30 * time.Second,
	IdleTimeout:       60 * time.Second,
	ShutdownTimeout:   25 * time.Second,
	MaxHeaderBytes:    32 << 10,
}

// CodecServerOptions are the codec server's limits: the Web UI decodes a
// whole history page in one request (bodies up to 4 MiB).
var CodecServerOptions = ServerOptions{
	ReadHeaderTimeout: 5 * time.Second,
	ReadTimeout:       30 * time.Second,
	WriteTimeout:      30 * time.Second,
	IdleTimeout:       60 * time.Second,
	ShutdownTimeout:   5 * time.Second,
	MaxHeaderBytes:    32 << 10,
}

// Serve serves handler on addr until ctx ends, then shuts down gracefully.
// A nil ready is allowed; otherwise it receives the bound address.
func Serve(ctx context.Context, addr string, handler http.Handler, ready chan<- string) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", addr, err)
	}
	return ServeListener(ctx, ln, handler, ready)
}

// ServeListener is Serve on an existing listener, with DefaultServerOptions.
func ServeListener(ctx context.Context, ln net.Listener, handler http.Handler, ready chan<- string) error {
	return ServeListenerWith(ctx, ln, handler, ready, DefaultServerOptions)
}

// ServeListenerWith serves handler on ln with opts until ctx ends. It then
// stops accepting connections (new ones are refused) and lets the requests
// in flight finish, for up to opts.ShutdownTimeout.
func ServeListenerWith(ctx context.Context, ln net.Listener, handler http.Handler, ready chan<- string, opts ServerOptions) error {
	srv := &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: opts.ReadHeaderTimeout,
		ReadTimeout:       opts.ReadTimeout,
		WriteTimeout:      opts.WriteTimeout,
		IdleTimeout:       opts.IdleTimeout,
		MaxHeaderBytes:    opts.MaxHeaderBytes,
	}
	if side, ok := handler.(sideServer); ok {
		if err := side.startSide(ctx); err != nil {
			_ = ln.Close()
			return err
		}
	}
	if ready != nil {
		ready <- ln.Addr().String()
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), opts.ShutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
