// Package metrics is the product's Prometheus plumbing: a registry per
// process part (the worker's, the API's; never Prometheus' global one), the
// Temporal SDK's metrics handler on top of it, and the HTTP handler that
// serves it at /metrics.
//
// The Temporal SDK reports its own metrics (and the workflows' business
// metrics, through workflow.GetMetricsHandler) to a client.MetricsHandler.
// The SDK's contrib/tally adapter is not served by the Go module proxy, so
// this package implements the handler directly on client_golang: counters,
// gauges and timers (histograms in seconds), labelled by the handler's tags.
package metrics

import (
	"fmt"
	"log/slog"
	"net/http"
	"regexp"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"go.temporal.io/sdk/client"
)

// Registry is one process part's metrics: what its /metrics serves.
type Registry struct {
	*prometheus.Registry
	log *slog.Logger

	mu     sync.Mutex
	vecs   map[string]*vec
	failed map[string]bool
}

type vec struct {
	labels    []string
	counter   *prometheus.CounterVec
	gauge     *prometheus.GaugeVec
	histogram *prometheus.HistogramVec
}

// NewRegistry is an empty registry with the Go runtime's and the process'
// collectors. A nil logger discards.
func NewRegistry(logger *slog.Logger) *Registry {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	r := &Registry{Registry: prometheus.NewRegistry(), log: logger, vecs: map[string]*vec{}, failed: map[string]bool{}}
	r.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return r
}

// Handler serves the registry in Prometheus' exposition formats.
func (r *Registry) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", promhttp.HandlerFor(r.Registry, promhttp.HandlerOpts{Registry: r.Registry, ErrorLog: slogErrorLog{r.log}}))
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = w.Write([]byte("metrics at /metrics\n"))
	})
	return mux
}

type slogErrorLog struct{ log *slog.Logger }

func (l slogErrorLog) Println(v ...any) {
	l.log.Warn("Serving metrics failed", "error", strings.TrimSpace(fmt.Sprintln(v...)))
}

// TimerBuckets are the histogram buckets of the SDK's timers, in seconds:
// from a millisecond to ten minutes (long polls, schedule-to-start waits).
var TimerBuckets = []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600}

// TemporalHandler is the Temporal SDK's metrics handler on r, for
// client.Options.MetricsHandler.
func (r *Registry) TemporalHandler() client.MetricsHandler { return handler{r: r} }

type handler struct {
	r    *Registry
	tags map[string]string
}

func (h handler) WithTags(tags map[string]string) client.MetricsHandler {
	merged := make(map[string]string, len(h.tags)+len(tags))
	for k, v := range h.tags {
		merged[k] = v
	}
	for k, v := range tags {
		merged[sanitize(k)] = v
	}
	return handler{r: h.r, tags: merged}
}

func (h handler) Counter(name string) client.MetricsCounter {
	v, values := h.r.get(name, 'c', h.tags)
	if v == nil {
		return client.MetricsNopHandler.Counter(name)
	}
	c := v.counter.WithLabelValues(values...)
	return counterFunc(func(d int64) {
		if d > 0 {
			c.Add(float64(d))
		}
	})
}

func (h handler) Gauge(name string) client.MetricsGauge {
	v, values := h.r.get(name, 'g', h.tags)
	if v == nil {
		return client.MetricsNopHandler.Gauge(name)
	}
	return gaugeFunc(v.gauge.WithLabelValues(values...).Set)
}

func (h handler) Timer(name string) client.MetricsTimer {
	v, values := h.r.get(name, 't', h.tags)
	if v == nil {
		return client.MetricsNopHandler.Timer(name)
	}
	o := v.histogram.WithLabelValues(values...)
	return timerFunc(func(d time.Duration) { o.Observe(d.Seconds()) })
}

type (
	counterFunc func(int64)
	gaugeFunc   func(float64)
	timerFunc   func(time.Duration)
)

func (f counterFunc) Inc(d int64)          { f(d) }
func (f gaugeFunc) Update(v float64)       { f(v) }
func (f timerFunc) Record(d time.Duration) { f(d) }

// get returns the metric vector of name, registering it with the label
// names of tags the first time. Prometheus wants one label set per name:
// later tags it lacks are dropped and those it has but tags lack are
// empty. A name that cannot be registered (taken by another kind) is
// logged once and its values are dropped.
func (r *Registry) get(name string, kind byte, tags map[string]string) (*vec, []string) {
	name = PrometheusName(name, kind)
	r.mu.Lock()
	defer r.mu.Unlock()
	v, ok := r.vecs[name]
	if !ok {
		labels := make([]string, 0, len(tags))
		for k := range tags {
			labels = append(labels, k)
		}
		sort.Strings(labels)
		v = &vec{labels: labels}
		help := "Temporal SDK metric " + name
		var c prometheus.Collector
		switch kind {
		case 'c':
			v.counter = prometheus.NewCounterVec(prometheus.CounterOpts{Name: name, Help: help}, labels)
			c = v.counter
		case 'g':
			v.gauge = prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: name, Help: help}, labels)
			c = v.gauge
		default:
			v.histogram = prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: name, Help: help, Buckets: TimerBuckets}, labels)
			c = v.histogram
		}
		if err := r.Register(c); err != nil {
			if !r.failed[name] {
				r.failed[name] = true
				r.log.Warn("A Temporal metric cannot be registered; its values are dropped", "metric", name, "error", err)
			}
			return nil, nil
		}
		r.vecs[name] = v
	}
	if (kind == 'c' && v.counter == nil) || (kind == 'g' && v.gauge == nil) || (kind == 't' && v.histogram == nil) {
		if !r.failed[name+string(kind)] {
			r.failed[name+string(kind)] = true
			r.log.Warn("A Temporal metric is used as two kinds; the second is dropped", "metric", name)
		}
		return nil, nil
	}
	values := make([]string, len(v.labels))
	for i, l := range v.labels {
		values[i] = tags[l]
	}
	return v, values
}

// PrometheusName is the name under which the SDK metric name of kind
// ('c' counter, 'g' gauge, 't' timer) is exported, after Prometheus'
// conventions and Temporal's own dashboards: counters end in _total,
// timers (histograms) in _seconds.
func PrometheusName(name string, kind byte) string {
	name = sanitize(name)
	switch {
	case kind == 'c' && !strings.HasSuffix(name, "_total"):
		name += "_total"
	case kind == 't' && !strings.HasSuffix(name, "_seconds"):
		name += "_seconds"
	}
	return name
}

var invalid = regexp.MustCompile(`[^a-zA-Z0-9_]`)

// sanitize makes name a valid Prometheus metric or label name.
func sanitize(name string) string {
	name = invalid.ReplaceAllString(name, "_")
	if name == "" || (name[0] >= '0' && name[0] <= '9') {
		name = "_" + name
	}
	return name
}

// Counter registers the counter vector name (ending in _total) with help
// and labels, and makes it the one the Temporal handler feeds: a workflow
// incrementing name through workflow.GetMetricsHandler adds to it, with
// these labels only (the SDK's own tags, such as the namespace, dropped).
func (r *Registry) Counter(name, help string, labels ...string) *prometheus.CounterVec {
	c := prometheus.NewCounterVec(prometheus.CounterOpts{Name: name, Help: help}, labels)
	r.MustRegister(c)
	r.mu.Lock()
	defer r.mu.Unlock()
	r.vecs[name] = &vec{labels: labels, counter: c}
	return c
}

// Gauge is Counter for a gauge vector.
func (r *Registry) Gauge(name, help string, labels ...string) *prometheus.GaugeVec {
	g := prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: name, Help: help}, labels)
	r.MustRegister(g)
	r.mu.Lock()
	defer r.mu.Unlock()
	r.vecs[name] = &vec{labels: labels, gauge: g}
	return g
}
