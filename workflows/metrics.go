package workflows

import (
	"go.temporal.io/sdk/workflow"

	"github.com/odoo-afterpay/bridge/activities"
)

// Business metrics the workflows emit through workflow.GetMetricsHandler,
// which the SDK silences during replay: each is counted once, when it
// happens. The worker's metrics registry declares them with these labels
// (internal/metrics). Money is counted in minor units (cents) of its
// currency, as the ledger holds it: no rounding, ever.
const (
	// MetricPayments counts payments reaching an outcome status (label
	// status): completed, declined, expired, not_payable, not_afterpay,
	// order_not_confirmed, order_cancelled, compensated, needs_attention,
	// resolved, voided. A payment that needs attention twice counts twice.
	MetricPayments = "afterpay_bridge_payments_total"
	// MetricCapturedMinor, MetricRefundedMinor and MetricVoidedMinor count
	// the money captured, refunded (reversals included) and voided at
	// Afterpay, in minor units, by currency (label currency).
	MetricCapturedMinor = "afterpay_bridge_captured_minor_total"
	MetricRefundedMinor = "afterpay_bridge_refunded_minor_total"
	MetricVoidedMinor   = "afterpay_bridge_voided_minor_total"
	// MetricCompensations counts compensations started: captured money
	// going back because Odoo could not record it.
	MetricCompensations = "afterpay_bridge_compensations_total"
	// MetricCredentialFailures counts the payment steps Afterpay refused
	// with a 401 (the merchant credentials are wrong).
	MetricCredentialFailures = "afterpay_bridge_afterpay_credential_failures_total"
	// MetricReconciliations counts finished reconciliations.
	MetricReconciliations = "afterpay_bridge_reconciliations_total"
	// MetricReconcileDrift is the last reconciliation's drift by kind
	// (label kind: capturedNotInOdoo, notAtAfterpay, amountsDiffer), and
	// MetricReconcileDriftFound the drift every run found, summed.
	MetricReconcileDrift      = "afterpay_bridge_reconciliation_drift"
	MetricReconcileDriftFound = "afterpay_bridge_reconciliation_drift_total"
	// MetricReconcileStarted counts payment workflows the reconciliation
	// started for confirmed orders that had none (missed webhooks).
	MetricReconcileStarted = "afterpay_bridge_reconciliation_payments_started_total"
)

// ReconcileDriftKinds are the values of MetricReconcileDrift's kind label.
var ReconcileDriftKinds = []string{"capturedNotInOdoo", "notAtAfterpay", "amountsDiffer"}

// OutcomeStatuses are the statuses MetricPayments counts.
var OutcomeStatuses = []Status{
	StatusCompleted, StatusDeclined, StatusExpired, StatusNotPayable, StatusNotAfterpay, StatusOrderNotConfirmed,
	StatusOrderCancelled, StatusCompensated, StatusNeedsAttention, StatusResolved, StatusVoided,
}

// metered is the money already counted in the metrics.
type metered struct{ captured, refunded, voided int64 }

// countStatus counts a payment reaching s, if s is an outcome.
func countStatus(ctx workflow.Context, s Status) {
	for _, o := range OutcomeStatuses {
		if o == s {
			workflow.GetMetricsHandler(ctx).WithTags(map[string]string{"status": string(s)}).Counter(MetricPayments).Inc(1)
			return
		}
	}
}

// startMetering takes the money of a resumed payment (continued as new)
// as counted already: the run before counted it.
func (r *run) startMetering() {
	r.metered = metered{captured: r.s.Ledger.Captured, refunded: r.s.Ledger.Refunded, voided: r.s.Ledger.Voided}
}

// meterMoney counts the money the ledger moved since it last did.
func (r *run) meterMoney(ctx workflow.Context) {
	l := &r.s.Ledger
	if l.Currency == "" {
		return
	}
	h := workflow.GetMetricsHandler(ctx).WithTags(map[string]string{"currency": l.Currency})
	for _, m := range []struct {
		name    string
		now     int64
		counted *int64
	}{{MetricCapturedMinor, l.Captured, &r.metered.captured}, {MetricRefundedMinor, l.Refunded, &r.metered.refunded}, {MetricVoidedMinor, l.Voided, &r.metered.voided}} {
		if d := m.now - *m.counted; d > 0 {
			h.Counter(m.name).Inc(d)
			*m.counted = m.now
		}
	}
}

// countCompensation counts a compensation started.
func countCompensation(ctx workflow.Context) {
	workflow.GetMetricsHandler(ctx).Counter(MetricCompensations).Inc(1)
}

// countFailure counts a step's failure the metrics follow: Afterpay
// refusing the credentials.
func countFailure(ctx workflow.Context, err error) {
	if activities.IsErrorType(err, activities.ErrTypeAfterpayCredentials) {
		workflow.GetMetricsHandler(ctx).Counter(MetricCredentialFailures).Inc(1)
	}
}

// reportReconciliation publishes a finished reconciliation's counts.
func reportReconciliation(ctx workflow.Context, c ReconcileCounts) {
	h := workflow.GetMetricsHandler(ctx)
	h.Counter(MetricReconciliations).Inc(1)
	counts := c.Map()
	for _, kind := range ReconcileDriftKinds {
		kh := h.WithTags(map[string]string{"kind": kind})
		kh.Gauge(MetricReconcileDrift).Update(float64(counts[kind]))
		kh.Counter(MetricReconcileDriftFound).Inc(int64(counts[kind]))
	}
	h.Counter(MetricReconcileStarted).Inc(int64(c.Started))
}
