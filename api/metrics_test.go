package api

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestMetricsCountRequestsByRoutePattern(t *testing.T) {
	reg := prometheus.NewRegistry()
	m := NewMetrics(reg)
	h := NewHandler(nil, Options{Metrics: m, WebhookToken: "0123456789abcdef", StorefrontAPIKeys: []string{"k0123456789abcdefghijklmn"}})
	for _, path := range []string{"/healthz", "/healthz", "/orders/S00042/checkout", "/nowhere/S00042"} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
	}
	assert.Equal(t, 2.0, testutil.ToFloat64(m.requests.WithLabelValues("/healthz", "GET", "200")))
	assert.Equal(t, 1.0, testutil.ToFloat64(m.requests.WithLabelValues("/orders/:orderRef/checkout", "GET", "401")))
	assert.Equal(t, 1.0, testutil.ToFloat64(m.requests.WithLabelValues(unmatchedRoute, "GET", "404")))
	n, err := testutil.GatherAndCount(reg, MetricRequestDuration)
	require.NoError(t, err)
	assert.Equal(t, 3, n, "one latency series per route and method")
	out, err := testutil.CollectAndLint(m.requests)
	require.NoError(t, err)
	assert.Empty(t, out)
}
