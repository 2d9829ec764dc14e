package app

import (
	"encoding/json"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/goccy/go-yaml"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/odoo-afterpay/bridge/api"
	"github.com/odoo-afterpay/bridge/workflows"
)

// exported are the metric names the worker and the API export (a
// histogram's series too), as the e2e test (e2e/metrics_test.go) scrapes
// them.
func exported() map[string]bool {
	names := map[string]bool{}
	for _, list := range [][]string{WorkerMetricNames, APIMetricNames, TemporalMetricNames} {
		for _, n := range list {
			names[n] = true
			if strings.HasSuffix(n, "_seconds") {
				names[n+"_bucket"], names[n+"_sum"], names[n+"_count"] = true, true, true
			}
		}
	}
	return names
}

var (
	quoted     = regexp.MustCompile(`"(?:[^"\\]|\\.)*"`)
	metricName = regexp.MustCompile(`\b(?:afterpay_bridge|temporal)_[a-zA-Z0-9_]*`)
)

// metricsIn lists the product's metrics an expression names (label values
// left out).
func metricsIn(expr string) []string {
	return metricNames(quoted.ReplaceAllString(expr, `""`))
}

func metricNames(s string) []string { return metricName.FindAllString(s, -1) }

func TestAlertRulesNameExportedMetrics(t *testing.T) {
	raw, err := os.ReadFile("../../deploy/prometheus/alerts.yml")
	require.NoError(t, err)
	var file struct {
		Groups []struct {
			Name  string `yaml:"name"`
			Rules []struct {
				Alert       string            `yaml:"alert"`
				Expr        string            `yaml:"expr"`
				For         string            `yaml:"for"`
				Labels      map[string]string `yaml:"labels"`
				Annotations map[string]string `yaml:"annotations"`
			} `yaml:"rules"`
		} `yaml:"groups"`
	}
	require.NoError(t, yaml.UnmarshalWithOptions(raw, &file, yaml.Strict()))
	known := exported()
	alerts := map[string]bool{}
	named := map[string]bool{}
	for _, g := range file.Groups {
		require.NotEmpty(t, g.Name)
		for _, r := range g.Rules {
			require.NotEmpty(t, r.Alert, "group %s: a rule without a name", g.Name)
			require.False(t, alerts[r.Alert], "alert %s twice", r.Alert)
			alerts[r.Alert] = true
			assert.Contains(t, []string{"warning", "critical"}, r.Labels["severity"], "%s: severity", r.Alert)
			assert.NotEmpty(t, r.Annotations["summary"], "%s: summary", r.Alert)
			assert.NotEmpty(t, r.Annotations["description"], "%s: what to do", r.Alert)
			names := metricsIn(r.Expr)
			require.NotEmpty(t, names, "%s: its expression names none of the product's metrics: %s", r.Alert, r.Expr)
			for _, n := range names {
				assert.True(t, known[n], "%s: %s is not a metric the product exports", r.Alert, n)
				named[n] = true
			}
			assert.Equal(t, strings.Count(r.Expr, "("), strings.Count(r.Expr, ")"), "%s: unbalanced parentheses", r.Alert)
		}
	}
	// What the operators asked to be alerted about.
	for _, n := range []string{
		MetricNeedsAttention, workflows.MetricCompensations, workflows.MetricCredentialFailures,
		api.MetricRequests, MetricBreakerState, workflows.MetricReconcileDriftFound,
	} {
		assert.True(t, named[n], "no alert on %s", n)
	}
}

func TestGrafanaDashboardShowsExportedMetrics(t *testing.T) {
	raw, err := os.ReadFile("../../deploy/grafana/dashboards/afterpay-bridge.json")
	require.NoError(t, err)
	var dash struct {
		UID    string `json:"uid"`
		Title  string `json:"title"`
		Panels []struct {
			ID         int    `json:"id"`
			Title      string `json:"title"`
			Type       string `json:"type"`
			Datasource struct {
				UID string `json:"uid"`
			} `json:"datasource"`
			Targets []struct {
				RefID string `json:"refId"`
				Expr  string `json:"expr"`
			} `json:"targets"`
		} `json:"panels"`
	}
	require.NoError(t, json.Unmarshal(raw, &dash), "the dashboard is valid JSON")
	require.NotEmpty(t, dash.UID)
	require.NotEmpty(t, dash.Title)
	require.NotEmpty(t, dash.Panels)

	ds, err := os.ReadFile("../../deploy/grafana/provisioning/datasources/prometheus.yml")
	require.NoError(t, err)
	var prov struct {
		Datasources []struct {
			UID  string `yaml:"uid"`
			Type string `yaml:"type"`
		} `yaml:"datasources"`
	}
	require.NoError(t, yaml.Unmarshal(ds, &prov))
	require.Len(t, prov.Datasources, 1)
	require.Equal(t, "prometheus", prov.Datasources[0].Type)

	known := exported()
	shown := map[string]bool{}
	ids := map[int]bool{}
	for _, p := range dash.Panels {
		require.False(t, ids[p.ID], "panel id %d twice", p.ID)
		ids[p.ID] = true
		assert.Equal(t, prov.Datasources[0].UID, p.Datasource.UID, "%s: the provisioned data source", p.Title)
		require.NotEmpty(t, p.Targets, "%s: no query", p.Title)
		for _, q := range p.Targets {
			names := metricsIn(q.Expr)
			require.NotEmpty(t, names, "%s: its query names none of the product's metrics: %s", p.Title, q.Expr)
			for _, n := range names {
				assert.True(t, known[n], "%s: %s is not a metric the product exports", p.Title, n)
				shown[n] = true
			}
		}
	}
	for _, n := range WorkerMetricNames {
		if n == MetricAttentionCountFailures || n == workflows.MetricReconcileDriftFound {
			continue
		}
		assert.True(t, shown[n], "the dashboard does not show %s", n)
	}
	assert.True(t, shown[api.MetricRequests] && shown[api.MetricRequestDuration+"_bucket"], "the dashboard shows the API's requests and latency")
}

func TestMetricsInIgnoresLabelValues(t *testing.T) {
	assert.Equal(t, []string{"afterpay_bridge_x_total"}, metricsIn(`sum(rate(afterpay_bridge_x_total{client_name="temporal_go"}[5m]))`))
}
