package config

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestMetricsAddresses(t *testing.T) {
	c, err := Load(MapLookup(validEnv()))
	require.NoError(t, err)
	assert.Equal(t, Metrics{}, c.Metrics, "metrics are served only when asked for")

	env := validEnv()
	env["WORKER_METRICS_ADDR"], env["API_METRICS_ADDR"] = ":9464", "127.0.0.1:9465"
	c, err = Load(MapLookup(env))
	require.NoError(t, err)
	assert.Equal(t, Metrics{WorkerAddr: ":9464", APIAddr: "127.0.0.1:9465"}, c.Metrics)

	for _, bad := range []struct{ worker, api, want string }{
		{"9464", "", "WORKER_METRICS_ADDR=\"9464\" is not a host:port"},
		{"", ":8080", "API_METRICS_ADDR=\":8080\" is API_ADDR"},
		{":9464", ":9464", "WORKER_METRICS_ADDR and API_METRICS_ADDR are both \":9464\""},
	} {
		env := validEnv()
		env["WORKER_METRICS_ADDR"], env["API_METRICS_ADDR"] = bad.worker, bad.api
		_, err := Load(MapLookup(env))
		require.Error(t, err, "%+v", bad)
		assert.Contains(t, err.Error(), bad.want)
	}
}
