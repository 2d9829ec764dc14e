package e2e

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/odoo-afterpay/bridge/internal/bench"
	"github.com/odoo-afterpay/bridge/internal/logging"
	"github.com/odoo-afterpay/bridge/internal/testkit"
)

// The side-by-side benchmark's knobs (make bench runs it with the
// defaults, in a few minutes on two cores).
const (
	envBenchPayments = "BENCH_PAYMENTS"          // in-flight:payments,… (default 1:8,8:32,32:64)
	envBenchRounds   = "BENCH_ROUNDS"            // rounds of bare and product, interleaved (default 3)
	envBenchWarmup   = "BENCH_WARMUP"            // unmeasured payments each stack starts with (default 4)
	envBenchPollRPS  = "BENCH_TEMPORAL_POLL_RPS" // the dev server's queue reads a second (default devtemporal.FastQueuePollRPS; -1: the server's 20)
)

// BenchmarkSideBySide runs the product and a bare workflow of the product's
// own shape (read from its recorded history) at 1, 8 and 32 payments in
// flight, each part in its own process, and prints one table: payments
// booked per second, latency from start to booked, product over bare, CPU
// per payment of each process and the product's Odoo calls per payment.
// It runs once whatever b.N is: one run takes minutes.
func BenchmarkSideBySide(b *testing.B) {
	levels, err := bench.ParseLevels(envOr(envBenchPayments, "1:8,8:32,32:64"))
	require.NoError(b, err, envBenchPayments)
	root, err := filepath.Abs("..")
	require.NoError(b, err)
	goCmd := envOr("GO", "go")
	opts := bench.Options{
		Root: root, Go: goCmd, TemporalCLI: testkit.TemporalCLI(b),
		History: filepath.Join(root, "workflows", "testdata", "payment-completed.json"),
		Levels:  levels, Rounds: envInt(b, envBenchRounds, 3), Warmup: envInt(b, envBenchWarmup, 4),
		QueuePollRPS: envInt(b, envBenchPollRPS, 0),
		Dir:          b.TempDir(), Logger: logging.New(os.Stderr, logging.FormatText, slog.LevelInfo),
	}
	begin := time.Now()
	rep, err := bench.Run(context.Background(), opts)
	require.NoError(b, err)
	require.NoError(b, rep.Write(os.Stdout))
	b.Logf("side by side took %s", time.Since(begin).Round(time.Second))
}

func envInt(t testing.TB, key string, fallback int) int {
	t.Helper()
	v := os.Getenv(key)
	if v == "" {
		return fallback
	}
	n, err := strconv.Atoi(v)
	require.NoError(t, err, "%s=%q is not a whole number", key, v)
	return n
}
