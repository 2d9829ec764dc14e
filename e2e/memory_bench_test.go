package e2e

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"

	"github.com/odoo-afterpay/bridge/config"
	"github.com/odoo-afterpay/bridge/internal/app"
	"github.com/odoo-afterpay/bridge/internal/logging"
	"github.com/odoo-afterpay/bridge/internal/testkit"
	"github.com/odoo-afterpay/bridge/money"
	"github.com/odoo-afterpay/bridge/workflows"
)

// Settings of BenchmarkOpenPaymentMemory.
const (
	// envMemOpen lists the numbers of open payments measured, e.g.
	// "1000,10000" (the default).
	envMemOpen = "MEMBENCH_OPEN"
	// envMemProfile names a folder: the worker is then built with
	// net/http/pprof, and its heap and goroutine profiles at each number
	// of open payments are written there.
	envMemProfile = "MEMBENCH_PROFILE"
	// envMemPprofAddr is where that worker serves pprof.
	envMemPprofAddr = "MEMBENCH_PPROF_ADDR"
)

// memStarters is how many payments are started at once.
const memStarters = 64

// memWarm payments are opened before the baseline is read: the first
// workflow tasks allocate what a worker allocates once (codec, caches,
// buffers), which is no payment's own.
const memWarm = 100

// BenchmarkOpenPaymentMemory measures what a worker holds per open payment:
// a booked payment waiting in after_sale for its next daily check, as every
// payment does for 120 days (1,000 orders a day keep 120,000 open). The
// worker is cmd/worker, a process of its own against a real dev server, so
// its RSS (/proc/<pid>/status) and goroutines (go_goroutines on its
// /metrics) are its own. Each payment is started with Resume set to an
// after-sale state, so it costs one workflow task (a timer), and stays in
// the worker's sticky cache: the SDK's default size, 10,000, which the
// product does not change (its LRU holds 9,999; beyond, the least recently
// used payment is evicted, and replayed at its next task). Per payment =
// (at N − at memWarm) / (N − memWarm). MEMBENCH_OPEN sets the Ns; opening
// 10,000 takes the dev server several minutes.
func BenchmarkOpenPaymentMemory(b *testing.B) {
	counts, err := memOpenCounts(os.Getenv(envMemOpen))
	require.NoError(b, err)
	profileDir := os.Getenv(envMemProfile)
	bin := memBuildWorker(b, profileDir != "")
	for _, n := range counts {
		b.Run(fmt.Sprintf("open=%d", n), func(b *testing.B) {
			var m memMeasure
			for b.Loop() {
				m = memMeasureOpen(b, bin, n, profileDir)
			}
			per := float64(n - memWarm)
			b.ReportMetric(float64(m.at.rss-m.base.rss)/1024/per, "KiB-RSS/payment")
			b.ReportMetric(float64(m.at.heapInuse-m.base.heapInuse)/1024/per, "KiB-heap/payment")
			b.ReportMetric(float64(m.at.stackInuse-m.base.stackInuse)/1024/per, "KiB-stack/payment")
			b.ReportMetric((m.at.goroutines-m.base.goroutines)/per, "goroutines/payment")
			b.ReportMetric(float64(m.at.rss)/(1<<20), "MiB-RSS")
			b.ReportMetric(m.at.cached, "cached")
			b.ReportMetric(m.at.evicted, "evicted")
			b.ReportMetric(float64(n-memWarm)/m.opening.Seconds(), "opened/s")
			b.Logf("%d open: RSS %.1f MiB (baseline %.1f MiB at %d), heap in use %.1f MiB (%.1f), goroutines %.0f (%.0f), sticky cache %.0f (%.0f evicted), opened %d in %s",
				n, memMiB(m.at.rss), memMiB(m.base.rss), memWarm, memMiB(m.at.heapInuse), memMiB(m.base.heapInuse), m.at.goroutines, m.base.goroutines,
				m.at.cached, m.at.evicted, n-memWarm, m.opening.Round(time.Second))
		})
	}
}

func memMiB(n int64) float64 { return float64(n) / (1 << 20) }

// memOpenCounts parses MEMBENCH_OPEN.
func memOpenCounts(s string) ([]int, error) {
	if s == "" {
		s = "1000,10000"
	}
	var counts []int
	for _, f := range strings.Split(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n <= memWarm {
			return nil, fmt.Errorf("%s=%q: each count must be a whole number above %d", envMemOpen, s, memWarm)
		}
		counts = append(counts, n)
	}
	return counts, nil
}

// memPprofOverlay is added to cmd/worker's package, through go build -overlay,
// when profiles are asked for: the product's worker itself has no pprof.
const memPprofOverlay = `package main

import (
	"net/http"
	_ "net/http/pprof"
	"os"
	"runtime"
)

func init() {
	// One sample every 4 KiB rather than 512 KiB: a payment holds tens of KiB.
	runtime.MemProfileRate = 4096
	if addr := os.Getenv("` + envMemPprofAddr + `"); addr != "" {
		go func() { _ = http.ListenAndServe(addr, nil) }()
	}
}
`

// memBuildWorker builds cmd/worker, with pprof if withPprof.
func memBuildWorker(b *testing.B, withPprof bool) string {
	b.Helper()
	dir := b.TempDir()
	bin := filepath.Join(dir, "worker")
	args := []string{"build", "-o", bin}
	if withPprof {
		src, err := filepath.Abs("../cmd/worker/zz_membench_pprof.go")
		require.NoError(b, err)
		file := filepath.Join(dir, "pprof.go")
		require.NoError(b, os.WriteFile(file, []byte(memPprofOverlay), 0o644))
		overlay := filepath.Join(dir, "overlay.json")
		require.NoError(b, os.WriteFile(overlay, fmt.Appendf(nil, `{"Replace":{%q:%q}}`, src, file), 0o644))
		args = append(args, "-overlay", overlay)
	}
	out, err := exec.Command("go", append(args, "../cmd/worker")...).CombinedOutput()
	require.NoError(b, err, "build cmd/worker: %s", out)
	return bin
}

// memSample is the worker as it stands.
type memSample struct {
	rss, heapInuse      int64
	stackInuse          int64
	goroutines, cached  float64
	evicted             float64
	workflowTasksFailed float64
}

type memMeasure struct {
	base, at memSample
	opening  time.Duration
}

// memMeasureOpen starts a dev server and a worker process, opens
// memWarm payments, reads the baseline, opens the rest up to n, and reads
// the worker again.
func memMeasureOpen(b *testing.B, bin string, n int, profileDir string) memMeasure {
	b.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	logger := logging.New(os.Stderr, logging.FormatText, slog.LevelWarn)
	dev := memStartDevServer(b, ctx, logger)
	defer func() { _ = dev.Stop() }()

	settings := map[string]string{
		"TEMPORAL_ADDRESS": dev.FrontendHostPort(), "TEMPORAL_TASK_QUEUE": "membench-payments",
		// No payment calls a peer while it waits: nothing listens there.
		"ODOO_URL": "http://127.0.0.1:9", "ODOO_DB": "membench", "ODOO_USERNAME": "admin", "ODOO_PASSWORD": "membench-odoo-key",
		"AFTERPAY_MERCHANT_ID": "100101", "AFTERPAY_SECRET_KEY": "membench-secret", "AFTERPAY_BASE_URL": "http://127.0.0.1:9",
		"ODOO_WEBHOOK_TOKEN": "membench-webhook-token-0123456789", "PAYLOAD_ENCRYPTION_KEYS": testkit.PayloadKeys,
		"WORKER_METRICS_ADDR": freeAddr(b), "LOG_LEVEL": "warn",
		// The schedules stay paused: only the payments run.
		"RECONCILE_EVERY": "off", "MERCHANT_LIMITS_EVERY": "off",
	}
	pprofAddr := ""
	if profileDir != "" {
		pprofAddr = freeAddr(b)
		settings[envMemPprofAddr] = pprofAddr
	}
	cfg, err := config.Load(config.MapLookup(settings))
	require.NoError(b, err)
	worker := memStartWorker(b, bin, settings)
	defer worker.stop()
	metricsURL := "http://" + cfg.Metrics.WorkerAddr + "/metrics"

	c, err := app.DialTemporal(ctx, cfg, logger)
	require.NoError(b, err)
	defer c.Close()
	memWaitMetrics(b, metricsURL)

	var m memMeasure
	memOpenPayments(b, ctx, c, cfg, 0, memWarm)
	memWaitCached(b, metricsURL, memWarm)
	m.base = memSettle(b, worker.pid(), metricsURL)
	start := time.Now()
	memOpenPayments(b, ctx, c, cfg, memWarm, n)
	started := time.Since(start)
	memWaitCached(b, metricsURL, n)
	m.opening = time.Since(start)
	b.Logf("started %d payments in %s; all cached after %s", n-memWarm, started.Round(time.Millisecond), m.opening.Round(time.Millisecond))
	m.at = memSettle(b, worker.pid(), metricsURL)
	require.Zero(b, m.at.workflowTasksFailed, "no workflow task may fail")
	if profileDir != "" {
		memSaveProfile(b, pprofAddr, "heap?gc=1", filepath.Join(profileDir, fmt.Sprintf("heap-open-%d.pb.gz", n)))
		memSaveProfile(b, pprofAddr, "goroutine?debug=1", filepath.Join(profileDir, fmt.Sprintf("goroutines-open-%d.txt", n)))
	}
	return m
}

func memStartDevServer(b *testing.B, ctx context.Context, logger *slog.Logger) *testsuite.DevServer {
	b.Helper()
	attrs := make([]temporal.SearchAttributeUpdate, 0, 4)
	for _, key := range workflows.SearchAttributes() {
		attrs = append(attrs, key.(temporal.SearchAttributeKeyKeyword).ValueSet(""))
	}
	// As startProduct runs it: SQLite in WAL mode, as `make dev` does.
	dev, err := testsuite.StartDevServer(ctx, testsuite.DevServerOptions{
		ExistingPath:     testkit.TemporalCLI(b),
		ClientOptions:    &client.Options{HostPort: freeAddr(b), Logger: logging.TemporalLogger(logger)},
		DBFilename:       filepath.Join(b.TempDir(), "temporal.db"),
		SearchAttributes: temporal.NewSearchAttributes(attrs...),
		LogLevel:         "error",
		ExtraArgs: []string{
			"--sqlite-pragma", "journal_mode=WAL", "--sqlite-pragma", "synchronous=NORMAL",
		},
	})
	require.NoError(b, err, "start the real Temporal dev server")
	return dev
}

// memWorker is the worker's process.
type memWorker struct {
	cmd  *exec.Cmd
	done chan struct{}
}

func (w *memWorker) pid() int { return w.cmd.Process.Pid }

// stop stops the worker as SIGTERM does.
func (w *memWorker) stop() {
	_ = w.cmd.Process.Signal(os.Interrupt)
	select {
	case <-w.done:
	case <-time.After(40 * time.Second):
		_ = w.cmd.Process.Kill()
		<-w.done
	}
}

// memStartWorker runs bin with settings alone (and PATH, HOME): the
// developer's TEMPORAL_* and the like must not reach it.
func memStartWorker(b *testing.B, bin string, settings map[string]string) *memWorker {
	b.Helper()
	cmd := exec.Command(bin)
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME")}
	for k, v := range settings {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	require.NoError(b, cmd.Start())
	w := &memWorker{cmd: cmd, done: make(chan struct{})}
	go func() { _ = cmd.Wait(); close(w.done) }()
	return w
}

// memOpenPayments starts payments from to below to, each in after_sale.
func memOpenPayments(b *testing.B, ctx context.Context, c client.Client, cfg config.Config, from, to int) {
	b.Helper()
	now := time.Now()
	next := atomic.Int64{}
	next.Store(int64(from))
	var failed atomic.Pointer[error]
	var wg sync.WaitGroup
	for range memStarters {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= to || failed.Load() != nil {
					return
				}
				in := memAfterSaleInput(cfg, i, now)
				opts := workflows.PaymentStartOptions(cfg.Temporal.TaskQueue, in)
				opts.TypedSearchAttributes = temporal.NewSearchAttributes(
					workflows.OdooOrderRefKey.ValueSet(in.OrderName), workflows.PaymentStatusKey.ValueSet(string(workflows.StatusCompleted)))
				if _, err := c.ExecuteWorkflow(ctx, opts, workflows.PaymentWorkflowName, in); err != nil {
					err = fmt.Errorf("start payment %s: %w", in.OrderName, err)
					failed.CompareAndSwap(nil, &err)
					return
				}
			}
		}()
	}
	wg.Wait()
	if err := failed.Load(); err != nil {
		require.NoError(b, *err)
	}
}

// memAfterSaleInput is a continued run of the i-th payment: 129.00 USD paid
// and captured at once, booked and reconciled with its invoice, in
// after_sale since 1 to 118 days, its next daily check 23 hours away (so
// that none runs during the benchmark), as State holds it after booking.
func memAfterSaleInput(cfg config.Config, i int, now time.Time) workflows.PaymentInput {
	name := fmt.Sprintf("S%07d", i+1)
	token := fmt.Sprintf("002.%048x", i+1)
	afterpayID := strconv.Itoa(300000000000 + i + 1)
	total := money.MustNew(12900, "USD")
	days := time.Duration(1+i%118) * 24 * time.Hour
	paid := now.Add(-days - time.Hour).UTC()
	s := &workflows.State{
		Phase: workflows.PhaseAfterSale, Status: workflows.StatusCompleted,
		TransactionID: int64(5000 + i), AfterpayOrderID: afterpayID, CaptureMode: "immediate",
		PaidAt: paid, CapturedAt: paid,
		Bookings: []workflows.Booking{{Key: "capture", PaymentID: int64(7000 + i), Amount: total, Open: money.MustNew(0, "USD")}},
		Ledger: workflows.Ledger{Currency: "USD", Captured: total.Minor, Entries: []workflows.LedgerEntry{
			{Key: "capture", Kind: workflows.EntryCaptured, Amount: total, At: paid, Ref: afterpayID},
		}},
		NextCheck: paid.Add(days + 24*time.Hour),
	}
	s.Order.ID, s.Order.Name, s.Order.PartnerID, s.Order.Total = int64(1000+i), name, int64(3000+i), &total
	s.Checkout.Token = token
	s.Checkout.RedirectURL = "https://portal.sandbox.afterpay.com/us/checkout/?token=" + token
	s.Checkout.Expires = paid.Add(3 * time.Hour)
	seen := "return:" + workflows.ReturnSuccess + ":" + token
	s.Inbox = workflows.Inbox{Seen: map[string]bool{seen: true}, Log: []string{seen}}
	return workflows.PaymentInput{
		Database: cfg.Odoo.Database, OrderName: name, OrderID: s.Order.ID,
		ReturnURL: "http://127.0.0.1:8080/afterpay/return", ConfirmationTimeout: 5 * time.Minute, Resume: s,
	}
}

func memWaitMetrics(b *testing.B, url string) {
	b.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		if _, err := memReadMetrics(url); err == nil {
			return
		} else if time.Now().After(deadline) {
			require.NoError(b, err, "the worker's /metrics")
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func memReadMetrics(url string) (string, error) {
	resp, err := http.Get(url)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return "", err
	}
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	return string(body), nil
}

// memWaitCached waits until the worker has run the first workflow task of
// n payments: each is then in its sticky cache, waiting in memory for its
// timer, or was evicted from it. The SDK's cache of 10,000 holds 9,999
// (its LRU is made one smaller), so at 10,000 open one payment is evicted.
func memWaitCached(b *testing.B, url string, n int) {
	b.Helper()
	var cached, evicted float64
	deadline := time.Now().Add(30*time.Minute + time.Duration(n)*10*time.Millisecond)
	for time.Now().Before(deadline) {
		text, err := memReadMetrics(url)
		require.NoError(b, err)
		cached, evicted = sum(text, "temporal_sticky_cache_size"), sum(text, "temporal_sticky_cache_total_forced_eviction_total")
		if int(cached+evicted) >= n {
			return
		}
		time.Sleep(500 * time.Millisecond)
	}
	require.Failf(b, "payments not cached", "the worker's sticky cache holds %.0f workflows and evicted %.0f, not %d in all", cached, evicted, n)
}

// memSettle waits until the worker's RSS has held within 1% for 10 seconds
// (at most two minutes), and reads it then.
func memSettle(b *testing.B, pid int, url string) memSample {
	b.Helper()
	var last memSample
	stableSince := time.Now()
	deadline := time.Now().Add(2 * time.Minute)
	for {
		s := memSampleNow(b, pid, url)
		if last.rss == 0 || memAbs(s.rss-last.rss) > last.rss/100 {
			stableSince = time.Now()
		}
		last = s
		if time.Since(stableSince) >= 10*time.Second || time.Now().After(deadline) {
			return s
		}
		time.Sleep(time.Second)
	}
}

func memAbs(n int64) int64 {
	if n < 0 {
		return -n
	}
	return n
}

func memSampleNow(b *testing.B, pid int, url string) memSample {
	b.Helper()
	rss, err := memVmRSS(pid)
	require.NoError(b, err)
	text, err := memReadMetrics(url)
	require.NoError(b, err)
	return memSample{
		rss: rss, heapInuse: int64(sum(text, "go_memstats_heap_inuse_bytes")), stackInuse: int64(sum(text, "go_memstats_stack_inuse_bytes")),
		goroutines: sum(text, "go_goroutines"), cached: sum(text, "temporal_sticky_cache_size"),
		evicted:             sum(text, "temporal_sticky_cache_total_forced_eviction_total"),
		workflowTasksFailed: sum(text, "temporal_workflow_task_execution_failed_total"),
	}
}

// memVmRSS reads a process' resident set size from /proc.
func memVmRSS(pid int) (int64, error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "VmRSS:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			if err != nil {
				return 0, fmt.Errorf("VmRSS of %d: %w", pid, err)
			}
			return kb * 1024, nil
		}
	}
	if err := sc.Err(); err != nil {
		return 0, err
	}
	return 0, fmt.Errorf("no VmRSS in /proc/%d/status", pid)
}

// memSaveProfile writes the worker's pprof profile to path.
func memSaveProfile(b *testing.B, addr, profile, path string) {
	b.Helper()
	resp, err := http.Get("http://" + addr + "/debug/pprof/" + profile)
	require.NoError(b, err)
	defer resp.Body.Close()
	require.Equal(b, http.StatusOK, resp.StatusCode)
	data, err := io.ReadAll(resp.Body)
	require.NoError(b, err)
	require.NoError(b, os.MkdirAll(filepath.Dir(path), 0o755))
	require.NoError(b, os.WriteFile(path, data, 0o644))
	b.Logf("wrote %s", path)
}
