package e2e

import (
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/odoo-afterpay/bridge/api"
	"github.com/odoo-afterpay/bridge/internal/app"
	"github.com/odoo-afterpay/bridge/workflows"
)

// TestMetrics pays an order, refunds part of it and reconciles, then reads
// the worker's and the API's /metrics as Prometheus would: the business
// counters show what happened, and every metric the alert rules and the
// dashboard use is exported.
func TestMetrics(t *testing.T) {
	p := startProduct(t)
	from := time.Now().Truncate(time.Second).Add(-time.Second)
	workerURL := "http://" + p.cfg.Metrics.WorkerAddr + "/metrics"
	apiMetricsURL := "http://" + p.cfg.Metrics.APIAddr + "/metrics"

	// The worker starts in the background: its listener comes up soon.
	var before string
	require.EventuallyWithT(t, func(c *assert.CollectT) {
		resp, err := http.Get(workerURL)
		if !assert.NoError(c, err) {
			return
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		before = string(b)
	}, 20*time.Second, 100*time.Millisecond)
	require.Contains(t, before, workflows.MetricPayments+`{status="completed"} 0`, "outcomes read 0 before the first payment, not absent")
	require.Contains(t, before, app.MetricBreakerState+`{state="closed"} 1`)

	_, order, info, _ := p.payOrder(t, invoicedOnOrder(4990, 2))
	captured := p.afterpayNet(t, info.Token)
	require.NoError(t, p.operator(t, order, workflows.OperatorAction{Action: workflows.ActionRefund, Amount: "10.00", Note: "goodwill", By: "e2e operator"}))
	p.waitView(t, order, "the refund", func(v workflows.StatusView) bool { return v.Refunded == "10.00 USD" })
	p.reconcile(t, from)

	// The worker: the payment, its money in cents by currency, the
	// reconciliation, the gauges, and the Temporal SDK's own metrics.
	var worker string
	require.EventuallyWithT(t, func(c *assert.CollectT) {
		worker = scrape(t, workerURL)
		assert.GreaterOrEqual(c, value(worker, workflows.MetricPayments+`{status="completed"}`), 1.0)
		assert.GreaterOrEqual(c, value(worker, workflows.MetricCapturedMinor+`{currency="USD"}`), float64(captured.Minor))
		assert.GreaterOrEqual(c, value(worker, workflows.MetricRefundedMinor+`{currency="USD"}`), 1000.0)
		assert.GreaterOrEqual(c, value(worker, workflows.MetricReconciliations), 1.0)
	}, 30*time.Second, 200*time.Millisecond, "the worker's /metrics counts the payment")
	// Every metric the alerts and the dashboard use, but those that show
	// only once something happened (money voided in a currency, a failed
	// activity).
	for _, name := range append(append([]string{}, app.WorkerMetricNames...), app.TemporalMetricNames...) {
		switch name {
		case workflows.MetricVoidedMinor, "temporal_request_failure_total", "temporal_workflow_task_execution_failed_total", "temporal_activity_execution_failed_total", "temporal_workflow_failed_total":
			continue
		}
		require.Contains(t, worker, "# TYPE "+name+" ", "the worker exports %s", name)
	}
	require.Contains(t, worker, `temporal_workflow_completed_total`, "the SDK's metrics: the reconciliation completed")

	// The API: the webhook and the customer's return, by route pattern
	// (never an order name or a token), and its Temporal client's calls.
	apiText := scrape(t, apiMetricsURL)
	require.GreaterOrEqual(t, value(apiText, api.MetricRequests+`{method="POST",route="/odoo/webhook/order-confirmed",status="202"}`)+
		value(apiText, api.MetricRequests+`{method="POST",route="/odoo/webhook/order-confirmed",status="200"}`), 1.0, apiText)
	require.GreaterOrEqual(t, value(apiText, api.MetricRequests+`{method="GET",route="/afterpay/return",status="200"}`), 1.0)
	require.GreaterOrEqual(t, value(apiText, api.MetricRequestDuration+`_count{method="GET",route="/afterpay/return"}`), 1.0)
	require.NotContains(t, apiText, order, "no order name in a label")
	require.NotContains(t, apiText, info.Token, "no token in a label")
	for _, name := range app.APIMetricNames {
		require.Contains(t, apiText, "# TYPE "+name+" ")
	}
	require.Greater(t, sum(apiText, `temporal_request_total{`), 0.0,
		"the API's Temporal client reports its calls:\n%s", grep(apiText, "temporal_request_total"))

	// The public listener serves no internals.
	resp, err := http.Get(p.apiURL + "/metrics")
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusNotFound, resp.StatusCode)
}

// scrape GETs a /metrics endpoint.
func scrape(t testing.TB, url string) string {
	t.Helper()
	resp, err := http.Get(url)
	require.NoError(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, resp.StatusCode, "%s", body)
	return string(body)
}

// value is the sample series' value in the exposition text (labels in
// Prometheus' order, by name), or 0.
func value(text, series string) float64 {
	for _, line := range strings.Split(text, "\n") {
		if rest, ok := strings.CutPrefix(line, series+" "); ok {
			f, err := strconv.ParseFloat(strings.Fields(rest)[0], 64)
			if err == nil {
				return f
			}
		}
	}
	return 0
}

func grep(text, word string) string {
	var out []string
	for _, line := range strings.Split(text, "\n") {
		if strings.Contains(line, word) {
			out = append(out, line)
		}
	}
	return strings.Join(out, "\n")
}

// sum adds the values of the series starting with prefix.
func sum(text, prefix string) float64 {
	var total float64
	for _, line := range strings.Split(text, "\n") {
		if strings.HasPrefix(line, prefix) {
			if f := strings.Fields(line); len(f) >= 2 {
				v, err := strconv.ParseFloat(f[len(f)-1], 64)
				if err == nil {
					total += v
				}
			}
		}
	}
	return total
}
