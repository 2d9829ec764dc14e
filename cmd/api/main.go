// Command api serves the HTTP API: Odoo webhooks, Afterpay redirects and the
// storefront's checkout lookups.
package main

import (
	"context"
	"log/slog"

	"go.temporal.io/sdk/client"

	"github.com/odoo-afterpay/bridge/config"
	"github.com/odoo-afterpay/bridge/internal/app"
)

func main() {
	app.Main("api", func(ctx context.Context, cfg config.Config, c client.Client, logger *slog.Logger) error {
		logger.Info("API listening", "addr", cfg.API.Addr, "publicURL", cfg.API.PublicURL)
		return app.Serve(ctx, cfg.API.Addr, app.APIHandler(cfg, c, logger), nil)
	})
}
