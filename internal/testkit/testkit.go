// Package testkit holds the few helpers several packages' tests share.
package testkit

import (
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// ReferenceDir returns ../shared/reference beside the repository, joined with
// parts, failing the test if it is not there: the reference material is
// required, never skipped.
func ReferenceDir(t testing.TB, parts ...string) string {
	t.Helper()
	root, err := moduleRoot()
	if err != nil {
		t.Fatalf("find the repository root: %v", err)
	}
	dir := filepath.Join(append([]string{root, "..", "shared", "reference"}, parts...)...)
	if _, err := os.Stat(dir); err != nil {
		t.Fatalf("the reference material must be at %s (../shared/reference beside the repository): %v", dir, err)
	}
	return dir
}

// TemporalCLI returns the pinned Temporal CLI that `make test` installs
// into ./bin, or $TEMPORAL_CLI, failing the test if it is missing.
func TemporalCLI(t testing.TB) string {
	t.Helper()
	path := os.Getenv("TEMPORAL_CLI")
	if path == "" {
		root, err := moduleRoot()
		if err != nil {
			t.Fatalf("find the repository root: %v", err)
		}
		path = filepath.Join(root, "bin", "temporal")
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		t.Fatalf("temporal CLI path %s: %v", path, err)
	}
	if _, err := os.Stat(abs); err != nil {
		t.Fatalf("the Temporal CLI is missing: run `make test` (it installs it into ./bin) or set TEMPORAL_CLI: %v", err)
	}
	return abs
}

// moduleRoot walks up from the working directory (a test's package
// directory) to the directory holding go.mod.
func moduleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", os.ErrNotExist
		}
		dir = parent
	}
}

// LogBuffer is a concurrency-safe log sink for assertions on log output.
type LogBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

// Write appends p.
func (l *LogBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

// String returns everything written so far.
func (l *LogBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// PayloadKeys is PAYLOAD_ENCRYPTION_KEYS for tests: the end-to-end product
// encrypts with it, and the replay test reads workflows/testdata's recorded
// histories with it. It protects test data only; it is no secret, and no
// deployment may use it.
const PayloadKeys = "e2e-test:dUd+PZ9aB2Evj7Z4owqk/Q1eRrHuBbZh2yDer6sJ+W0="
