// Command api serves the HTTP API: Odoo webhooks, Afterpay redirects and the
// storefront's checkout lookups.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/odoo-afterpay/bridge/config"
	"github.com/odoo-afterpay/bridge/internal/app"
	"github.com/odoo-afterpay/bridge/internal/logging"
)

func main() {
	cfg, err := config.FromEnv()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	logger := logging.New(os.Stderr, cfg.Log.Format, cfg.Log.Level)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	c, err := app.DialTemporal(ctx, cfg, logger)
	if err != nil {
		logger.Error("API cannot start", "error", err)
		os.Exit(1)
	}
	defer c.Close()
	logger.Info("API listening", "addr", cfg.API.Addr, "publicURL", cfg.API.PublicURL)
	if err := app.Serve(ctx, cfg.API.Addr, app.APIHandler(cfg, c, logger), nil); err != nil {
		logger.Error("API stopped", "error", err)
		os.Exit(1)
	}
}
