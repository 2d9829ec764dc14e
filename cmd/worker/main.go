// Command worker runs the Afterpay payment workflows and activities.
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
		logger.Error("Worker cannot start", "error", err)
		os.Exit(1)
	}
	defer c.Close()
	if err := app.RunWorker(ctx, cfg, c, logger); err != nil {
		logger.Error("Worker stopped", "error", err)
		os.Exit(1)
	}
}
