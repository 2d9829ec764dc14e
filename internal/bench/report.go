package bench

import (
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"text/tabwriter"
	"time"
)

// Report holds every round's figures.
type Report struct {
	o        Options
	recorded []string          // the recorded history's shape
	shapes   map[string]string // by contestant: "" when it matched the recording, else the first difference
	results  map[string][][]*result
}

func newReport(o Options, recorded []string) *Report {
	r := &Report{o: o, recorded: recorded, shapes: map[string]string{}, results: map[string][][]*result{}}
	for _, name := range []string{Bare, Product} {
		r.results[name] = make([][]*result, len(o.Levels))
		for i := range r.results[name] {
			r.results[name][i] = make([]*result, o.Rounds)
		}
	}
	return r
}

func (r *Report) add(name string, level, round int, res result) {
	r.results[name][level][round] = &res
}

// figure is one column of the table: a value per round (ok false: none).
type figure struct {
	title string
	value func(name string, level, round int) (float64, bool)
	ratio bool
}

// Write prints the side-by-side table: for each level, each contestant's
// median over the rounds, then the smallest and largest.
func (r *Report) Write(w io.Writer) error {
	p := r.o.Plan
	acts, timers, upserts := 0, 0, 0
	for _, b := range p.Batches {
		for _, s := range b.Steps {
			switch s.Kind {
			case StepActivity:
				acts++
			case StepTimer:
				timers++
			case StepUpsert:
				upserts++
			}
		}
	}
	poll := "the dev server's history queues read new tasks up to 1000 times a second"
	switch {
	case r.o.QueuePollRPS > 0:
		poll = fmt.Sprintf("the dev server's history queues read new tasks up to %d times a second", r.o.QueuePollRPS)
	case r.o.QueuePollRPS < 0:
		poll = "the dev server's history queues at their default (20 reads a second)"
	}
	fmt.Fprintf(w, "\nSide by side, %d rounds of bare and product interleaved; %s.\n", r.o.Rounds, poll)
	fmt.Fprintf(w, "bare:    the product's workflow shape from %s (%d activities, %d timers, %d upserts, update %q, signals %v),\n", relPath(r.o.Root, r.o.History), acts, timers, upserts, p.Update, p.Signals)
	fmt.Fprintf(w, "         activities that do nothing; processes: Temporal, a worker, the driver.\n")
	fmt.Fprintf(w, "product: quotation confirmed in the fake Odoo → webhook → API → workflow → checkout approved on the simulator → capture → booked.\n")
	levels := make([]string, len(r.o.Levels))
	for i, lv := range r.o.Levels {
		levels[i] = fmt.Sprintf("%d payments %d at a time", lv.Payments, lv.InFlight)
	}
	fmt.Fprintf(w, "Each round, each stack: %d warm-up payments, then %s.\n", r.o.Warmup, strings.Join(levels, ", "))
	fmt.Fprintf(w, "wf/s: payments booked per second; p50, p99: start (bare: workflow started; product: order confirmed) → booked (%s),\n", p.DoneMarker)
	fmt.Fprintf(w, "  nearest rank (p99 of fewer than 100 payments is the slowest); ×wf/s, ×p50: product over bare in the same round.\n")
	fmt.Fprintf(w, "Then CPU in ms per payment by process (utime+stime from /proc, the level's run and %s after), and the product's Odoo calls per payment.\n", settle)
	for _, name := range []string{Bare, Product} {
		switch diff, ok := r.shapes[name]; {
		case !ok:
		case diff == "":
			fmt.Fprintf(w, "Shape:   %s's workflow issues the recorded commands (%d up to booked).\n", name, len(r.recorded))
		default:
			fmt.Fprintf(w, "Shape:   %s's workflow differs from the recording at %s — record the histories again (make histories).\n", name, diff)
		}
	}
	fmt.Fprintln(w)

	figures := []figure{
		{title: "wf/s", value: func(n string, l, rd int) (float64, bool) {
			return r.get(n, l, rd, func(x *result) float64 { return x.rate })
		}},
		{title: "p50 ms", value: func(n string, l, rd int) (float64, bool) {
			return r.get(n, l, rd, func(x *result) float64 { return ms(x.p50) })
		}},
		{title: "p99 ms", value: func(n string, l, rd int) (float64, bool) {
			return r.get(n, l, rd, func(x *result) float64 { return ms(x.p99) })
		}},
		{title: "×wf/s", ratio: true, value: r.ratio(func(x *result) float64 { return x.rate })},
		{title: "×p50", ratio: true, value: r.ratio(func(x *result) float64 { return ms(x.p50) })},
	}
	for _, proc := range procOrder {
		figures = append(figures, figure{title: proc, value: func(n string, l, rd int) (float64, bool) {
			res := r.results[n][l][rd]
			if res == nil {
				return 0, false
			}
			t, ok := res.cpu[proc]
			return ms(t), ok
		}})
	}
	figures = append(figures,
		figure{title: "CPU total", value: func(n string, l, rd int) (float64, bool) {
			return r.get(n, l, rd, func(x *result) float64 {
				var sum time.Duration
				for _, t := range x.cpu {
					sum += t
				}
				return ms(sum)
			})
		}},
		figure{title: "Odoo calls", value: func(n string, l, rd int) (float64, bool) {
			res := r.results[n][l][rd]
			if res == nil || res.calls == nil {
				return 0, false
			}
			var sum float64
			for _, v := range res.calls {
				sum += v
			}
			return sum, true
		}},
	)

	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	head := []string{"in flight", "contestant", ""}
	for _, f := range figures {
		head = append(head, f.title)
	}
	fmt.Fprintln(tw, strings.Join(head, "\t")+"\t")
	for l, lv := range r.o.Levels {
		for _, name := range []string{Bare, Product} {
			for k, stat := range []string{"median", "min", "max"} {
				row := []string{"", "", stat}
				if k == 0 {
					row[1] = name
					if name == Bare {
						row[0] = fmt.Sprint(lv.InFlight)
					}
				}
				for _, f := range figures {
					var vals []float64
					for rd := range r.o.Rounds {
						if v, ok := f.value(name, l, rd); ok {
							vals = append(vals, v)
						}
					}
					if len(vals) == 0 {
						row = append(row, "-")
						continue
					}
					slices.Sort(vals)
					v := [...]float64{median(vals), vals[0], vals[len(vals)-1]}[k]
					row = append(row, format(v, f.ratio))
				}
				fmt.Fprintln(tw, strings.Join(row, "\t")+"\t")
			}
		}
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	r.writeRetries(w)
	r.writeCalls(w)
	return nil
}

// writeRetries says how often the API answered the driver 503 (Temporal
// did not answer a query or an update within the API's budget), by level.
func (r *Report) writeRetries(w io.Writer) {
	var parts []string
	for l, lv := range r.o.Levels {
		var n int64
		for _, res := range r.results[Product][l] {
			if res != nil {
				n += res.retries
			}
		}
		if n > 0 {
			parts = append(parts, fmt.Sprintf("%d times at %d in flight", n, lv.InFlight))
		}
	}
	if len(parts) > 0 {
		fmt.Fprintf(w, "\nThe API answered 503 (Temporal not answering within its budget) %s, all rounds together; the driver asked again\n"+
			"after 250 ms, as a storefront or a customer's browser would, and the product's latencies include it.\n", strings.Join(parts, ", "))
	}
}

// writeCalls lists the product's Odoo calls per payment by model and
// method, over every level and round.
func (r *Report) writeCalls(w io.Writer) {
	sum := map[string]float64{}
	n := 0
	for _, level := range r.results[Product] {
		for _, res := range level {
			if res == nil || res.calls == nil {
				continue
			}
			n++
			for k, v := range res.calls {
				sum[k] += v
			}
		}
	}
	if n == 0 {
		return
	}
	keys := slices.SortedFunc(maps.Keys(sum), func(a, b string) int {
		if c := int(sum[b]*100) - int(sum[a]*100); c != 0 {
			return c
		}
		return strings.Compare(a, b)
	})
	var b strings.Builder
	b.WriteString("\nOdoo calls per payment (product, mean of all levels and rounds):")
	for i, k := range keys {
		if i%4 == 0 {
			b.WriteString("\n ")
		}
		fmt.Fprintf(&b, "  %s %.1f", k, sum[k]/float64(n))
	}
	fmt.Fprintln(w, b.String())
}

func (r *Report) get(name string, level, round int, f func(*result) float64) (float64, bool) {
	res := r.results[name][level][round]
	if res == nil {
		return 0, false
	}
	return f(res), true
}

// ratio is product over bare in the same round, shown on the product's row.
func (r *Report) ratio(f func(*result) float64) func(string, int, int) (float64, bool) {
	return func(name string, level, round int) (float64, bool) {
		p, b := r.results[Product][level][round], r.results[Bare][level][round]
		if name != Product || p == nil || b == nil || f(b) == 0 {
			return 0, false
		}
		return f(p) / f(b), true
	}
}

func median(sorted []float64) float64 {
	n := len(sorted)
	if n%2 == 1 {
		return sorted[n/2]
	}
	return (sorted[n/2-1] + sorted[n/2]) / 2
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// format shows about three significant digits.
func format(v float64, ratio bool) string {
	switch {
	case ratio:
		return fmt.Sprintf("%.2f", v)
	case v >= 100:
		return fmt.Sprintf("%.0f", v)
	case v >= 10:
		return fmt.Sprintf("%.1f", v)
	default:
		return fmt.Sprintf("%.2f", v)
	}
}

func relPath(root, path string) string {
	if rel, ok := strings.CutPrefix(path, root+"/"); ok {
		return rel
	}
	return path
}
