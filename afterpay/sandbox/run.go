package sandbox

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"time"
)

// saveInterval is how often Run also writes the state file while serving,
// for the changes time makes (reversals completing, auths expiring).
const saveInterval = 30 * time.Second

// Run serves a simulator configured by opts on addr until ctx ends. With a
// stateFile it loads the file at start when it exists, and saves it after
// every request that may change it, every 30 s and on shutdown, so that
// `make dev` restarts, even after a kill -9, keep checkouts and orders.
// It returns nil after a clean shutdown.
func Run(ctx context.Context, opts Options, addr, stateFile string) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("sandbox: listen on %s: %w", addr, err)
	}
	return Serve(ctx, opts, ln, stateFile)
}

// Serve is Run on a listener the caller opened (and Serve closes), for
// callers that need the port before the simulator starts, e.g. with
// "127.0.0.1:0".
func Serve(ctx context.Context, opts Options, ln net.Listener, stateFile string) error {
	sim, err := New(opts)
	if err != nil {
		ln.Close()
		return err
	}
	if stateFile != "" {
		if err := loadState(sim, stateFile); err != nil {
			ln.Close()
			return err
		}
	}
	var saveMu sync.Mutex
	save := func() {
		saveMu.Lock()
		defer saveMu.Unlock()
		if err := saveState(sim, stateFile); err != nil {
			sim.log.Error("afterpay sandbox: save state", "err", err)
		}
	}
	var handler http.Handler = sim
	if stateFile != "" {
		handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			sim.ServeHTTP(w, r)
			if r.Method != http.MethodGet && r.Method != http.MethodHead {
				save()
			}
		})
	}
	srv := &http.Server{Handler: handler, ReadHeaderTimeout: 10 * time.Second}
	serveErr := make(chan error, 1)
	go func() { serveErr <- srv.Serve(ln) }()
	sim.log.Info("afterpay sandbox listening", "addr", ln.Addr().String(), "merchant_id", sim.opts.MerchantID,
		"currency", sim.opts.Currency, "state_file", stateFile, "webhook_url", sim.opts.WebhookURL, "dispute_webhook_url", sim.disputeWebhookURL())

	var tick <-chan time.Time
	if stateFile != "" {
		t := time.NewTicker(saveInterval)
		defer t.Stop()
		tick = t.C
	}
	var runErr error
loop:
	for {
		select {
		case <-ctx.Done():
			break loop
		case err := <-serveErr:
			runErr = fmt.Errorf("sandbox: serve: %w", err)
			break loop
		case <-tick:
			save()
		}
	}
	// Release held and delayed requests first, or Shutdown would wait on them.
	sim.Close()
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil && runErr == nil {
		runErr = fmt.Errorf("sandbox: shutdown: %w", err)
	}
	if stateFile != "" {
		if err := saveState(sim, stateFile); err != nil {
			return errors.Join(runErr, err)
		}
		sim.log.Info("afterpay sandbox state saved", "state_file", stateFile)
	}
	return runErr
}

func loadState(sim *Server, path string) error {
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("sandbox: read state file: %w", err)
	}
	if err := sim.Restore(data); err != nil {
		return fmt.Errorf("sandbox: state file %s: %w", path, err)
	}
	sim.log.Info("afterpay sandbox state loaded", "state_file", path)
	return nil
}

// saveState writes the snapshot atomically (temporary file, then rename).
func saveState(sim *Server, path string) error {
	data, err := sim.Snapshot()
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), filepath.Base(path)+".*.tmp")
	if err != nil {
		return fmt.Errorf("sandbox: save state: %w", err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return fmt.Errorf("sandbox: save state: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("sandbox: save state: %w", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("sandbox: save state: %w", err)
	}
	return nil
}
