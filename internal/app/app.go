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

	"github.com/odoo-afterpay/bridge/activities"
	"github.com/odoo-afterpay/bridge/afterpay"
	"github.com/odoo-afterpay/bridge/api"
	"github.com/odoo-afterpay/bridge/config"
	"github.com/odoo-afterpay/bridge/internal/logging"
	"github.com/odoo-afterpay/bridge/mapping"
	"github.com/odoo-afterpay/bridge/odoo"
	"github.com/odoo-afterpay/bridge/worker"
)

// Version is the module version the binary was built from.
func Version() string {
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return "dev"
}

// DialTemporal connects to Temporal with the product's logger.
func DialTemporal(ctx context.Context, cfg config.Config, logger *slog.Logger) (client.Client, error) {
	c, err := client.DialContext(ctx, client.Options{
		HostPort:  cfg.Temporal.Address,
		Namespace: cfg.Temporal.Namespace,
		Logger:    logging.TemporalLogger(logger),
	})
	if err != nil {
		return nil, fmt.Errorf("connect to Temporal at %s: %w", cfg.Temporal.Address, err)
	}
	return c, nil
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
		Logger: logger,
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
	w := worker.New(c, cfg.Temporal.TaskQueue, acts)
	if err := w.Start(); err != nil {
		return fmt.Errorf("start worker: %w", err)
	}
	logger.Info("Worker polling", "taskQueue", cfg.Temporal.TaskQueue)
	<-ctx.Done()
	w.Stop()
	return nil
}

// APIHandler builds the HTTP API from the configuration.
func APIHandler(cfg config.Config, c client.Client, logger *slog.Logger) http.Handler {
	return api.NewHandler(c, api.Options{
		Database: cfg.Odoo.Database, TaskQueue: cfg.Temporal.TaskQueue, PublicURL: cfg.API.PublicURL,
		WebhookToken: cfg.API.WebhookToken.Reveal(), ShopReturnURL: cfg.API.ShopReturnURL,
		ConfirmationTimeout: cfg.Payment.OrderConfirmationTimeout,
		TemporalUIURL:       cfg.Temporal.UIURL, Namespace: cfg.Temporal.Namespace, Logger: logger,
	})
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

// ServeListener is Serve on an existing listener.
func ServeListener(ctx context.Context, ln net.Listener, handler http.Handler, ready chan<- string) error {
	srv := &http.Server{Handler: handler, ReadHeaderTimeout: 10 * time.Second}
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
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
