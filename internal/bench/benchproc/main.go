// Command benchproc runs the side-by-side benchmark's own processes, each
// apart so that its CPU time can be read from /proc:
//
//	benchproc bare-worker [flags]  the bare contestant's worker
//	benchproc odoo-proxy [flags]   forwards the product's Odoo calls and counts them
//
// The benchmark (internal/bench, e2e's BenchmarkSideBySide) builds and
// starts it; it is no part of the product.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"go.temporal.io/sdk/client"

	"github.com/odoo-afterpay/bridge/internal/bench"
	"github.com/odoo-afterpay/bridge/internal/logging"
	"github.com/odoo-afterpay/bridge/internal/odoofault"
	"github.com/odoo-afterpay/bridge/workflows"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	logger := logging.New(os.Stderr, logging.FormatText, slog.LevelWarn)
	if err := run(ctx, os.Args[1:], logger); err != nil {
		logger.Error("benchproc", "error", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, logger *slog.Logger) error {
	if len(args) == 0 {
		return errors.New("usage: benchproc bare-worker|odoo-proxy [flags]")
	}
	switch args[0] {
	case "bare-worker":
		return bareWorker(ctx, args[1:], logger)
	case "odoo-proxy":
		return odooProxy(ctx, args[1:])
	}
	return fmt.Errorf("unknown role %q: bare-worker or odoo-proxy", args[0])
}

// bareWorker runs the bare workflow of a recorded history and its no-op
// activities, with the product's task-queue layout and limits.
func bareWorker(ctx context.Context, args []string, logger *slog.Logger) error {
	fs := flag.NewFlagSet("bare-worker", flag.ContinueOnError)
	addr := fs.String("temporal", "127.0.0.1:7233", "Temporal frontend")
	queue := fs.String("task-queue", "bench-bare", "the workflow's task queue; activity queues add the product's suffixes")
	history := fs.String("history", "", "the recorded payment history (protojson)")
	var odoo, afterpay bench.QueueCaps
	fs.Float64Var(&odoo.PerSecond, "odoo-per-second", 0, "activities a second on the Odoo queue (0: no limit)")
	fs.IntVar(&odoo.Concurrency, "odoo-concurrency", 0, "Odoo activities in flight (0: the SDK's default)")
	fs.Float64Var(&afterpay.PerSecond, "afterpay-per-second", 0, "activities a second on the Afterpay queue (0: no limit)")
	fs.IntVar(&afterpay.Concurrency, "afterpay-concurrency", 0, "Afterpay activities in flight (0: the SDK's default)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	plan, err := bench.LoadPlan(*history)
	if err != nil {
		return err
	}
	c, err := client.DialContext(ctx, client.Options{HostPort: *addr, Logger: logging.TemporalLogger(logger)})
	if err != nil {
		return fmt.Errorf("dial Temporal at %s: %w", *addr, err)
	}
	defer c.Close()
	suffix := func(queue func(string) string) string { return queue("") }
	w := bench.NewBareWorkers(c, plan, *queue, map[string]bench.QueueCaps{
		suffix(workflows.OdooTaskQueue): odoo, suffix(workflows.AfterpayTaskQueue): afterpay,
	})
	if err := w.Start(); err != nil {
		return err
	}
	<-ctx.Done()
	w.Stop()
	return nil
}

// odooProxy forwards to an Odoo through odoofault's proxy, as the
// end-to-end test's worker dials Odoo, and answers its call counts at
// bench.CallsPath.
func odooProxy(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("odoo-proxy", flag.ContinueOnError)
	addr := fs.String("addr", "127.0.0.1:8070", "listen address")
	target := fs.String("target", "http://127.0.0.1:8069", "the Odoo to forward to")
	if err := fs.Parse(args); err != nil {
		return err
	}
	proxy, err := odoofault.New(*target)
	if err != nil {
		return err
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+bench.CallsPath, func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(proxy.CallCounts())
	})
	mux.Handle("/", proxy)
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return fmt.Errorf("odoo proxy: %w", err)
	}
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(sctx)
	}()
	if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
