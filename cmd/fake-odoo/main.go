// Command fake-odoo serves an in-memory Odoo 18 over XML-RPC for
// development and tests: the built-in demo data (--seed demo) or an
// odoo-seed-shaped folder, with optional state persistence across restarts.
//
// Every flag can also be set through the environment variable in brackets:
//
//	--addr        [FAKE_ODOO_ADDR]        listen address (127.0.0.1:8069)
//	--database    [FAKE_ODOO_DATABASE]    database name (odoo)
//	--seed        [FAKE_ODOO_SEED]        "demo" or a seed folder (demo)
//	--state-file  [FAKE_ODOO_STATE_FILE]  JSON state loaded at start, saved after writes and on exit
//	--log-format  [LOG_FORMAT]            text or json (text)
//	--log-level   [LOG_LEVEL]             debug, info, warn or error (info)
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/odoo-afterpay/bridge/internal/logging"
	"github.com/odoo-afterpay/bridge/odoo/fakeodoo"
)

func main() {
	if err := run(os.Args[1:], os.Getenv, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "fake-odoo:", err)
		os.Exit(1)
	}
}

func run(args []string, getenv func(string) string, stderr io.Writer) error {
	env := func(key, def string) string {
		if v := getenv(key); v != "" {
			return v
		}
		return def
	}
	fs := flag.NewFlagSet("fake-odoo", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := fs.String("addr", env("FAKE_ODOO_ADDR", "127.0.0.1:8069"), "listen address")
	database := fs.String("database", env("FAKE_ODOO_DATABASE", "odoo"), "database name")
	seed := fs.String("seed", env("FAKE_ODOO_SEED", "demo"), `"demo" or an odoo-seed folder`)
	stateFile := fs.String("state-file", env("FAKE_ODOO_STATE_FILE", ""), "state file (JSON) to load and save")
	logFormat := fs.String("log-format", env("LOG_FORMAT", "text"), "log format: text or json")
	logLevel := fs.String("log-level", env("LOG_LEVEL", "info"), "log level: debug, info, warn, error")
	if err := fs.Parse(args); err != nil {
		return err
	}
	format, err := logging.ParseFormat(*logFormat)
	if err != nil {
		return err
	}
	level, err := logging.ParseLevel(*logLevel)
	if err != nil {
		return err
	}
	logger := logging.New(stderr, format, level)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return fakeodoo.Run(ctx, fakeodoo.RunConfig{
		Addr:      *addr,
		Database:  *database,
		Seed:      *seed,
		StateFile: *stateFile,
		Logger:    logger,
	})
}
