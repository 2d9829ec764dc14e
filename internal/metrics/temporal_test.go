package metrics

import (
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestTemporalHandlerExportsPrometheusMetrics(t *testing.T) {
	r := NewRegistry(nil)
	r.Counter("afterpay_bridge_payments_total", "payments", "status")
	h := r.TemporalHandler().WithTags(map[string]string{"namespace": "default", "task_queue": "q"})

	h.Counter("temporal_request").Inc(2)
	h.WithTags(map[string]string{"operation": "Start"}).Counter("temporal_request").Inc(1) // a label the first use lacked
	h.Timer("temporal_request_latency").Record(1500 * time.Millisecond)
	h.Gauge("temporal_num_pollers").Update(3)
	h.WithTags(map[string]string{"status": "completed", "workflow_type": "PaymentWorkflow"}).Counter("afterpay_bridge_payments_total").Inc(1)
	h.Gauge("temporal_request_total").Update(1) // a counter's name as a gauge: dropped, not a panic

	rec := httptest.NewRecorder()
	r.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	body := rec.Body.String()
	for _, line := range []string{
		`temporal_request_total{namespace="default",task_queue="q"} 3`,
		`temporal_request_latency_seconds_sum{namespace="default",task_queue="q"} 1.5`,
		`temporal_num_pollers{namespace="default",task_queue="q"} 3`,
		// The declared labels only: the SDK's own tags are dropped.
		`afterpay_bridge_payments_total{status="completed"} 1`,
	} {
		assert.Contains(t, body, line+"\n")
	}
	assert.Contains(t, body, "go_goroutines")
	require.False(t, strings.Contains(body, "temporal_request_total_total"))
}

func TestPrometheusName(t *testing.T) {
	assert.Equal(t, "temporal_request_total", PrometheusName("temporal_request", 'c'))
	assert.Equal(t, "x_total", PrometheusName("x_total", 'c'))
	assert.Equal(t, "temporal_request_latency_seconds", PrometheusName("temporal_request_latency", 't'))
	assert.Equal(t, "a_b_c", PrometheusName("a.b-c", 'g'))
}
