package app

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"go.temporal.io/sdk/client"

	"github.com/odoo-afterpay/bridge/config"
	"github.com/odoo-afterpay/bridge/internal/logging"
)

// Main is the body of the worker and API commands: configuration, logger,
// Temporal connection, then run until SIGINT or SIGTERM. It exits non-zero
// with a clear message when any of them fails.
func Main(name string, run func(ctx context.Context, cfg config.Config, c client.Client, logger *slog.Logger) error) {
	cfg, err := config.FromEnv()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	logger := logging.New(os.Stderr, cfg.Log.Format, cfg.Log.Level).With("component", name)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	c, err := DialTemporal(ctx, cfg, logger)
	if err != nil {
		logger.Error("Cannot start", "error", err)
		os.Exit(1)
	}
	defer c.Close()
	if err := run(ctx, cfg, c, logger); err != nil {
		logger.Error("Stopped", "error", err)
		c.Close()
		os.Exit(1)
	}
}
