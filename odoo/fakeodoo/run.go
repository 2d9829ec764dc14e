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
	// StateFile, when set, is loaded at start if it exists and saved after
	// committed writes (debounced) and on shutdown.
	StateFile string
	// Users default to admin/admin with uid 2.
	Users []User
	// Logger defaults to a discarding logger.
	Logger *slog.Logger
	// Ready, when set, is called with the listening address (host:port)
	// once the server accepts connections.
	Ready func(addr string)
	// SaveDelay debounces state-file saves; default 500 ms.
	SaveDelay time.Duration
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
	if cfg.SaveDelay <= 0 {
		cfg.SaveDelay = 500 * time.Millisecond
	}
	log := cfg.Logger
	changed := make(chan struct{}, 1)
	opts := Options{Database: cfg.Database, Users: cfg.Users, Logger: log}
	if cfg.StateFile != "" {
		opts.AfterCommit = func() {
			select {
			case changed <- struct{}{}:
			default:
			}
		}
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
	hs := &http.Server{Handler: srv, ReadHeaderTimeout: 10 * time.Second}
	serveErr := make(chan error, 1)
	go func() { serveErr <- hs.Serve(ln) }()
	log.Info("fakeodoo: serving", "addr", ln.Addr().String(), "database", srv.Database(), "seed", cfg.Seed)
	if cfg.Ready != nil {
		cfg.Ready(ln.Addr().String())
	}
	save := func() {
		if cfg.StateFile == "" {
			return
		}
		if err := saveState(srv, cfg.StateFile); err != nil {
			log.Error("fakeodoo: state not saved", "file", cfg.StateFile, "err", err)
		}
	}
	var timer *time.Timer
	var timerC <-chan time.Time
	for {
		select {
		case <-changed:
			if timer == nil {
				timer = time.NewTimer(cfg.SaveDelay)
				timerC = timer.C
			}
		case <-timerC:
			timer, timerC = nil, nil
			save()
		case err := <-serveErr:
			save()
			return fmt.Errorf("fakeodoo: serve: %w", err)
		case <-ctx.Done():
			if timer != nil {
				timer.Stop()
			}
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
