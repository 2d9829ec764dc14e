package app

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"

	"github.com/odoo-afterpay/bridge/api"
	"github.com/odoo-afterpay/bridge/config"
	"github.com/odoo-afterpay/bridge/internal/metrics"
	"github.com/odoo-afterpay/bridge/workflows"
)

// The worker's own metrics (the workflows' are in package workflows, the
// API's in package api).
const (
	// MetricNeedsAttention is the number of running payments whose
	// PaymentStatus is needs_attention, counted in Temporal's visibility
	// every AttentionCountEvery: one number for all workers (alert on
	// max(), not sum()), right after any restart.
	MetricNeedsAttention = "afterpay_bridge_payments_needing_attention"
	// MetricAttentionCountFailures counts failed visibility counts (the
	// gauge then keeps its last value).
	MetricAttentionCountFailures = "afterpay_bridge_payments_needing_attention_count_failures_total"
	// MetricBreakerState is 1 for the Afterpay circuit breaker's state
	// (label state: closed, open, half-open) and 0 for the others.
	MetricBreakerState = "afterpay_bridge_afterpay_circuit_breaker_state"
)

// AttentionCountEvery is how often the worker counts the payments that need
// attention.
const AttentionCountEvery = 30 * time.Second

// BreakerStates are the values of MetricBreakerState's state label.
var BreakerStates = []string{"closed", "open", "half-open"}

// TemporalMetricNames are the Temporal SDK's metrics the alert rules and the
// dashboard use, as this product exports them.
var TemporalMetricNames = []string{
	metrics.PrometheusName("temporal_request", 'c'), metrics.PrometheusName("temporal_request_failure", 'c'),
	metrics.PrometheusName("temporal_request_latency", 't'),
	metrics.PrometheusName("temporal_workflow_task_execution_failed", 'c'),
	metrics.PrometheusName("temporal_activity_execution_failed", 'c'),
	metrics.PrometheusName("temporal_activity_schedule_to_start_latency", 't'),
	metrics.PrometheusName("temporal_workflow_task_schedule_to_start_latency", 't'),
	metrics.PrometheusName("temporal_workflow_failed", 'c'),
}

// WorkerMetricNames are the business metrics the worker's /metrics shows.
var WorkerMetricNames = []string{
	workflows.MetricPayments, workflows.MetricCapturedMinor, workflows.MetricRefundedMinor, workflows.MetricVoidedMinor,
	workflows.MetricCompensations, workflows.MetricCredentialFailures, workflows.MetricReconciliations,
	workflows.MetricReconcileDrift, workflows.MetricReconcileDriftFound, workflows.MetricReconcileStarted,
	MetricNeedsAttention, MetricAttentionCountFailures, MetricBreakerState,
}

// APIMetricNames are the metrics the API's /metrics shows beyond the SDK's.
var APIMetricNames = []string{api.MetricRequests, api.MetricRequestDuration}

// WorkerMetrics is the worker's registry, with the business metrics the
// workflows emit through the SDK declared up front (so that they read 0,
// not absent, before the first payment) and the worker's own.
type WorkerMetrics struct {
	*metrics.Registry
	needsAttention      prometheus.Gauge
	attentionCountFails prometheus.Counter
}

// NewWorkerMetrics builds the worker's registry.
func NewWorkerMetrics(logger *slog.Logger) *WorkerMetrics {
	r := metrics.NewRegistry(logger)
	payments := r.Counter(workflows.MetricPayments, "Payments that reached an outcome status (a payment that needs attention twice counts twice).", "status")
	for _, s := range workflows.OutcomeStatuses {
		payments.WithLabelValues(string(s))
	}
	r.Counter(workflows.MetricCapturedMinor, "Money captured at Afterpay, in minor units (cents) of the currency.", "currency")
	r.Counter(workflows.MetricRefundedMinor, "Money refunded at Afterpay (reversals included), in minor units of the currency.", "currency")
	r.Counter(workflows.MetricVoidedMinor, "Authorised money voided at Afterpay, in minor units of the currency.", "currency")
	r.Counter(workflows.MetricCompensations, "Compensations started: captured money given back because Odoo could not record it.").WithLabelValues()
	r.Counter(workflows.MetricCredentialFailures, "Payment steps Afterpay refused with 401: the merchant credentials are wrong.").WithLabelValues()
	r.Counter(workflows.MetricReconciliations, "Reconciliations finished.").WithLabelValues()
	r.Counter(workflows.MetricReconcileStarted, "Payment workflows the reconciliation started for confirmed orders that had none (missed webhooks).").WithLabelValues()
	drift := r.Gauge(workflows.MetricReconcileDrift, "Disagreements between Afterpay and Odoo the last reconciliation this worker ran found, by kind.", "kind")
	driftFound := r.Counter(workflows.MetricReconcileDriftFound, "Disagreements between Afterpay and Odoo found, summed over reconciliations, by kind.", "kind")
	for _, k := range workflows.ReconcileDriftKinds {
		drift.WithLabelValues(k)
		driftFound.WithLabelValues(k)
	}
	m := &WorkerMetrics{Registry: r,
		needsAttention: prometheus.NewGauge(prometheus.GaugeOpts{Name: MetricNeedsAttention,
			Help: "Running payments with PaymentStatus needs_attention, as Temporal's visibility counts them (the same for every worker)."}),
		attentionCountFails: prometheus.NewCounter(prometheus.CounterOpts{Name: MetricAttentionCountFailures,
			Help: "Failed counts of the payments needing attention in Temporal's visibility."}),
	}
	r.MustRegister(m.needsAttention, m.attentionCountFails)
	return m
}

// WatchBreaker shows the Afterpay client's circuit breaker state.
func (m *WorkerMetrics) WatchBreaker(state func() string) {
	for _, s := range BreakerStates {
		m.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: MetricBreakerState, Help: "1 for the Afterpay circuit breaker's current state, 0 for the others.",
			ConstLabels: prometheus.Labels{"state": s},
		}, func() float64 {
			if state() == s {
				return 1
			}
			return 0
		}))
	}
}

// AttentionQuery lists the running payments that need attention.
func AttentionQuery() string {
	return fmt.Sprintf(`WorkflowType=%q AND ExecutionStatus="Running" AND PaymentStatus=%q`,
		workflows.PaymentWorkflowName, string(workflows.StatusNeedsAttention))
}

// CountAttention keeps the needs_attention gauge current until ctx ends.
func (m *WorkerMetrics) CountAttention(ctx context.Context, c client.Client, namespace string, every time.Duration, logger *slog.Logger) {
	t := time.NewTicker(every)
	defer t.Stop()
	failing := false
	for {
		cctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		resp, err := c.CountWorkflow(cctx, &workflowservice.CountWorkflowExecutionsRequest{Namespace: namespace, Query: AttentionQuery()})
		cancel()
		switch {
		case ctx.Err() != nil:
			return
		case err != nil:
			m.attentionCountFails.Inc()
			if !failing {
				logger.Warn("Counting the payments that need attention failed; the metric keeps its last value", "error", err)
			}
			failing = true
		default:
			m.needsAttention.Set(float64(resp.Count))
			failing = false
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// temporalClientWithMetrics is c reporting the Temporal SDK's metrics to
// reg: the same connection, the product's options, the metrics handler of
// reg. Close it before c.
func temporalClientWithMetrics(cfg config.Config, c client.Client, reg *metrics.Registry, logger *slog.Logger) (client.Client, error) {
	opts, err := TemporalClientOptions(cfg, logger)
	if err != nil {
		return nil, err
	}
	opts.MetricsHandler = reg.TemporalHandler()
	mc, err := client.NewClientFromExisting(c, opts)
	if err != nil {
		return nil, fmt.Errorf("temporal client with metrics: %w", err)
	}
	return mc, nil
}

// MetricsServerOptions are the metrics listener's limits.
var MetricsServerOptions = ServerOptions{
	ReadHeaderTimeout: 5 * time.Second,
	ReadTimeout:       10 * time.Second,
	WriteTimeout:      30 * time.Second,
	IdleTimeout:       60 * time.Second,
	ShutdownTimeout:   5 * time.Second,
	MaxHeaderBytes:    16 << 10,
}

// serveMetrics serves h on addr until ctx ends; the channel closes when the
// listener has. A listen address in use is an error now; a later failure is
// logged.
func serveMetrics(ctx context.Context, addr string, h http.Handler, logger *slog.Logger) (<-chan struct{}, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("metrics: listen on %s: %w", addr, err)
	}
	logger.Info("Metrics listening", "addr", ln.Addr().String(), "path", "/metrics")
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := ServeListenerWith(ctx, ln, h, nil, MetricsServerOptions); err != nil {
			logger.Error("Metrics server stopped", "addr", addr, "error", err)
		}
	}()
	return done, nil
}

// apiWithMetrics is the API's handler with its metrics listener, which
// ServeListenerWith runs for as long as it serves the API.
type apiWithMetrics struct {
	http.Handler
	addr     string
	registry *metrics.Registry
	temporal client.Client // the API's client reporting to registry; nil without Temporal
	logger   *slog.Logger
}

// sideServer is a handler that needs a server of its own while it is
// served: start starts it, and it stops when ctx ends.
type sideServer interface {
	startSide(ctx context.Context) error
}

func (a *apiWithMetrics) startSide(ctx context.Context) error {
	if _, err := serveMetrics(ctx, a.addr, a.registry.Handler(), a.logger); err != nil {
		return err
	}
	if a.temporal != nil {
		context.AfterFunc(ctx, a.temporal.Close)
	}
	return nil
}
