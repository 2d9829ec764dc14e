package fakeodoo

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"
)

// RunConfig configures Run, the in-process form of cmd/fake-odoo.
type RunConfig struct {
	// Addr to listen on; default "127.0.0.1:8069". Port 0 picks a free port.
	Addr string
	// Database name; default "odoo".
	Database string
	// Seed is "demo" (the default, built in) or an odoo-seed-shaped folder.
	Seed string
	// StateFile, when set, is loaded at start if it exists, and saved after
	// every call that committed a change, before the next call is served
	// on that connection, and on shutdown: `make dev` keeps its data even
	// when it is killed.
	StateFile string
	// Users default to admin/admin with uid 2.
	Users []User
	// Logger defaults to a discarding logger.
	Logger *slog.Logger
	// Ready, when set, is called with the listening address (host:port)
	// once the server accepts connections.
	Ready func(addr string)
}

// Run serves a fake Odoo until ctx is done, then shuts down gracefully and
// saves the state file. It returns nil after a clean shutdown.
func Run(ctx context.Context, cfg RunConfig) error {
	if cfg.Addr == "" {
		cfg.Addr = "127.0.0.1:8069"
	}
	if cfg.Seed == "" {
		cfg.Seed = "demo"
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	log := cfg.Logger
	var dirty atomic.Bool
	opts := Options{Database: cfg.Database, Users: cfg.Users, Logger: log}
	if cfg.StateFile != "" {
		opts.AfterCommit = func() { dirty.Store(true) }
	}
	srv, err := newSeeded(opts, cfg.Seed)
	if err != nil {
		return err
	}
	if cfg.StateFile != "" {
		data, err := os.ReadFile(cfg.StateFile)
		switch {
		case err == nil:
			if err := srv.Restore(data); err != nil {
				return fmt.Errorf("fakeodoo: state file %s: %w", cfg.StateFile, err)
			}
			log.Info("fakeodoo: state restored", "file", cfg.StateFile)
		case !errors.Is(err, fs.ErrNotExist):
			return fmt.Errorf("fakeodoo: read state file: %w", err)
		}
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("fakeodoo: listen %s: %w", cfg.Addr, err)
	}
	var saveMu sync.Mutex
	save := func() {
		if cfg.StateFile == "" {
			return
		}
		saveMu.Lock()
		defer saveMu.Unlock()
		if err := saveState(srv, cfg.StateFile); err != nil {
			log.Error("fakeodoo: state not saved", "file", cfg.StateFile, "err", err)
		}
	}
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		srv.ServeHTTP(w, r)
		if dirty.Swap(false) {
			save()
		}
	})
	hs := &http.Server{Handler: handler, ReadHeaderTimeout: 10 * time.Second}
	serveErr := make(chan error, 1)
	go func() { serveErr <- hs.Serve(ln) }()
	log.Info("fakeodoo: serving", "addr", ln.Addr().String(), "database", srv.Database(), "seed", cfg.Seed)
	if cfg.Ready != nil {
		cfg.Ready(ln.Addr().String())
	}
	select {
	case err := <-serveErr:
		save()
		return fmt.Errorf("fakeodoo: serve: %w", err)
	case <-ctx.Done():
		shutdownCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		err := hs.Shutdown(shutdownCtx)
		cancel()
		save()
		if err != nil {
			return fmt.Errorf("fakeodoo: shutdown: %w", err)
		}
		return nil
	}
}

// newSeeded builds a server from "demo" or a seed folder.
func newSeeded(opts Options, seed string) (*Server, error) {
	if seed == "demo" {
		return NewDemo(opts)
	}
	srv, err := New(opts)
	if err != nil {
		return nil, err
	}
	if err := srv.LoadSeed(seed); err != nil {
		return nil, err
	}
	return srv, nil
}

// saveState writes the snapshot atomically (temp file, then rename).
func saveState(srv *Server, path string) error {
	data, err := srv.Snapshot()
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), filepath.Base(path)+".*.tmp")
	if err != nil {
		return err
	}
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return err
	}
	if err := tmp.Close(); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	return os.Rename(tmp.Name(), path)
}
