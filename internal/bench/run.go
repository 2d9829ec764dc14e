package bench

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Level is one load: payments made InFlight at a time.
type Level struct {
	InFlight, Payments int
}

// ParseLevels reads "in-flight:payments,…", e.g. "1:10,8:40,32:96".
func ParseLevels(s string) ([]Level, error) {
	var out []Level
	for _, part := range strings.Split(s, ",") {
		c, n, ok := strings.Cut(strings.TrimSpace(part), ":")
		inFlight, err1 := strconv.Atoi(c)
		payments, err2 := strconv.Atoi(n)
		if !ok || err1 != nil || err2 != nil || inFlight < 1 || payments < inFlight {
			return nil, fmt.Errorf("level %q is not in-flight:payments with payments >= in-flight >= 1", part)
		}
		out = append(out, Level{InFlight: inFlight, Payments: payments})
	}
	return out, nil
}

// Options say what the benchmark runs.
type Options struct {
	// Root is the module's directory; Go the go command that builds the
	// processes' binaries; TemporalCLI the dev server's.
	Root, Go, TemporalCLI string
	// History is the product's recorded payment, the bare contestant's
	// model (workflows/testdata/payment-completed.json).
	History string
	Plan    *Plan // read from History by Run
	Levels  []Level
	// Rounds of bare and product, interleaved; Warmup payments start each
	// stack, unmeasured.
	Rounds, Warmup int
	// QueuePollRPS is devtemporal.Options.QueuePollRPS.
	QueuePollRPS int
	// Dir holds the binaries, databases and logs.
	Dir    string
	Logger *slog.Logger
}

// Contestants, in the order a round runs them (odd rounds swap them, so
// that neither always runs on the warmer machine).
const (
	Bare    = "bare"
	Product = "product"
)

// payTimeout bounds one payment; a payment that takes longer failed.
const payTimeout = 2 * time.Minute

// settle is how long a level's measurement goes on after its last payment
// is booked: the product's workflow reads the books once more after the
// sale, and that is the payment's work too.
const settle = 500 * time.Millisecond

// Run builds the processes and runs every round; the report holds each
// round's figures.
func Run(ctx context.Context, o Options) (*Report, error) {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	recorded, err := LoadHistory(o.History)
	if err != nil {
		return nil, err
	}
	if o.Plan, err = NewPlan(recorded.GetEvents()); err != nil {
		return nil, fmt.Errorf("%s: %w", o.History, err)
	}
	caps, err := benchCaps()
	if err != nil {
		return nil, err
	}
	o.Logger.Info("Building the benchmark's processes")
	cmds, err := Build(ctx, o.Go, o.Root, filepath.Join(o.Dir, "bin"))
	if err != nil {
		return nil, err
	}
	rep := newReport(o, Shape(recorded.GetEvents(), o.Plan.DoneMarker))
	for r := range o.Rounds {
		order := []string{Bare, Product}
		if r%2 == 1 {
			slices.Reverse(order)
		}
		for _, name := range order {
			dir := filepath.Join(o.Dir, fmt.Sprintf("round%d-%s", r+1, name))
			if err := os.MkdirAll(dir, 0o755); err != nil {
				return nil, err
			}
			o.Logger.Info("Starting", "round", r+1, "contestant", name)
			var st stack
			if name == Bare {
				st, err = startBare(ctx, o, cmds, caps, dir)
			} else {
				st, err = startProduct(ctx, o, cmds, dir)
			}
			if err != nil {
				return nil, fmt.Errorf("round %d, %s: %w", r+1, name, err)
			}
			err = runStack(ctx, o, st, name, r, rep)
			if cerr := st.close(); cerr != nil {
				o.Logger.Warn("Stopping the processes", "round", r+1, "contestant", name, "error", cerr)
			}
			if err != nil {
				return nil, fmt.Errorf("round %d, %s: %w%s", r+1, name, err, logs(st))
			}
		}
	}
	return rep, nil
}

// logs is the end of each process's log, for an error.
func logs(st stack) string {
	var b strings.Builder
	for _, p := range st.procs() {
		if t := strings.TrimSpace(p.tail()); t != "" {
			fmt.Fprintf(&b, "\n--- %s (%s) ---\n%s", p.name, p.log, t)
		}
	}
	return b.String()
}

// runStack warms a stack up, checks that its workflow has the recorded
// shape, and measures each level.
func runStack(ctx context.Context, o Options, st stack, name string, round int, rep *Report) error {
	jobs, err := st.prepare(ctx, o.Warmup)
	if err != nil {
		return err
	}
	if _, err := payAll(ctx, st, jobs, min(2, max(1, len(jobs)))); err != nil {
		return fmt.Errorf("warm-up: %w", err)
	}
	if len(jobs) > 0 && round == 0 {
		events, err := history(ctx, st.client(), st.workflowID(jobs[0]))
		if err != nil {
			return err
		}
		rep.shapes[name] = shapeDiff(rep.recorded, Shape(events, o.Plan.DoneMarker))
	}
	for i, lv := range o.Levels {
		res, err := measure(ctx, st, lv)
		if err != nil {
			return fmt.Errorf("%d in flight: %w", lv.InFlight, err)
		}
		rep.add(name, i, round, res)
		o.Logger.Info("Measured", "round", round+1, "contestant", name, "inFlight", lv.InFlight, "payments", lv.Payments,
			"perSecond", fmt.Sprintf("%.1f", res.rate), "p50", res.p50.Round(time.Millisecond), "p99", res.p99.Round(time.Millisecond))
	}
	return nil
}

// result is one level's figures in one round.
type result struct {
	rate     float64 // payments booked per second
	p50, p99 time.Duration
	cpu      map[string]time.Duration // CPU per payment, by process
	calls    map[string]float64       // Odoo calls per payment, by "model method"; nil without Odoo
	retries  int64                    // the driver's requests made again (the API answered 503)
}

// measure makes a level's payments, InFlight at a time, and reads what they
// cost.
func measure(ctx context.Context, st stack, lv Level) (result, error) {
	jobs, err := st.prepare(ctx, lv.Payments)
	if err != nil {
		return result{}, err
	}
	procs := append(slices.Clone(st.procs()), &proc{name: procDriver, pid: os.Getpid()})
	if err := quiet(ctx, procs); err != nil {
		return result{}, err
	}
	cpu0, err := cpuTimes(procs)
	if err != nil {
		return result{}, err
	}
	calls0, err := st.odooCalls(ctx)
	if err != nil {
		return result{}, err
	}
	retries := st.retries()
	begin := time.Now()
	lat, err := payAll(ctx, st, jobs, lv.InFlight)
	if err != nil {
		return result{}, err
	}
	elapsed := time.Since(begin)
	time.Sleep(settle)
	cpu1, err := cpuTimes(procs)
	if err != nil {
		return result{}, err
	}
	calls1, err := st.odooCalls(ctx)
	if err != nil {
		return result{}, err
	}
	n := len(jobs)
	res := result{rate: float64(n) / elapsed.Seconds(), p50: percentile(lat, 50), p99: percentile(lat, 99),
		cpu: map[string]time.Duration{}, retries: st.retries() - retries}
	for name, t := range cpu1 {
		res.cpu[name] = (t - cpu0[name]) / time.Duration(n)
	}
	if calls1 != nil {
		res.calls = map[string]float64{}
		for k, v := range calls1 {
			if d := v - calls0[k]; d > 0 {
				res.calls[k] = float64(d) / float64(n)
			}
		}
	}
	return res, nil
}

// quiet waits until the processes are close to idle (the dev server's
// start-up, the last level's stragglers), so that a level pays only for
// its own payments; it gives up waiting after quietLimit.
func quiet(ctx context.Context, procs []*proc) error {
	const (
		window     = 500 * time.Millisecond
		idle       = 50 * time.Millisecond // CPU in a window, all processes together: 10 % of a core
		quietLimit = 15 * time.Second
	)
	deadline := time.Now().Add(quietLimit)
	for {
		before, err := cpuTimes(procs)
		if err != nil {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(window):
		}
		after, err := cpuTimes(procs)
		if err != nil {
			return err
		}
		var used time.Duration
		for name, t := range after {
			used += t - before[name]
		}
		if used <= idle || time.Now().After(deadline) {
			return nil
		}
	}
}

func cpuTimes(procs []*proc) (map[string]time.Duration, error) {
	out := make(map[string]time.Duration, len(procs))
	for _, p := range procs {
		t, err := CPUTime(p.pid)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", p.name, err)
		}
		out[p.name] = t
	}
	return out, nil
}

// payAll makes the payments of jobs, inFlight at a time, and returns how
// long each took; the first failure stops the rest.
func payAll(ctx context.Context, st stack, jobs []job, inFlight int) ([]time.Duration, error) {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	lat := make([]time.Duration, len(jobs))
	next := make(chan int)
	var wg sync.WaitGroup
	for range inFlight {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				pctx, done := context.WithTimeout(ctx, payTimeout)
				d, err := st.pay(pctx, jobs[i])
				done()
				if err != nil {
					cancel(err)
					return
				}
				lat[i] = d
			}
		}()
	}
feed:
	for i := range jobs {
		select {
		case next <- i:
		case <-ctx.Done():
			break feed
		}
	}
	close(next)
	wg.Wait()
	if err := context.Cause(ctx); err != nil && !errors.Is(err, context.Canceled) {
		return nil, err
	}
	return lat, ctx.Err()
}

// percentile is the nearest-rank percentile of d.
func percentile(d []time.Duration, p int) time.Duration {
	if len(d) == 0 {
		return 0
	}
	s := slices.Clone(d)
	slices.Sort(s)
	i := (p*len(s) + 99) / 100
	return s[max(i, 1)-1]
}
