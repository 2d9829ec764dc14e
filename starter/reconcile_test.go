package main

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/odoo-afterpay/bridge/config"
	"github.com/odoo-afterpay/bridge/internal/app"
	"github.com/odoo-afterpay/bridge/internal/testkit"
	"github.com/odoo-afterpay/bridge/money"
	"github.com/odoo-afterpay/bridge/workflows"
)

func TestReconcilePeriod(t *testing.T) {
	now := time.Date(2026, 3, 10, 15, 4, 5, 0, time.UTC)
	day := func(s string) time.Time { d, _ := time.Parse(time.DateOnly, s); return d }
	for _, c := range []struct {
		from, to         string
		wantFrom, wantTo time.Time
	}{
		{"", "", time.Time{}, time.Time{}},
		{"2026-03-01", "2026-03-02", day("2026-03-01"), day("2026-03-03")},
		{"2026-03-02", "2026-03-02", day("2026-03-02"), day("2026-03-03")},
		{"2026-03-01", "", day("2026-03-01"), day("2026-03-11")},
		{"", "2026-03-05", day("2026-03-03"), day("2026-03-06")},
	} {
		from, to, err := reconcilePeriod(c.from, c.to, 3, now)
		require.NoError(t, err, "%+v", c)
		require.Equal(t, c.wantFrom, from, "%+v", c)
		require.Equal(t, c.wantTo, to, "%+v", c)
	}
}

// A mistake is a usage error, found before the configuration is read or
// Temporal dialled.
func TestReconcileUsageErrors(t *testing.T) {
	for _, v := range config.Variables() {
		t.Setenv(v.Name, "")
	}
	noTemporal(t)
	for _, args := range [][]string{
		{"-from", "2026-3-1"}, {"-to", "yesterday"}, {"-from", "2026-03-05", "-to", "2026-03-01"},
		{"-from", "2999-01-01"}, {"-days", "3"}, {"now"},
	} {
		_, err := runStarter(append([]string{"reconcile"}, args...)...)
		var usage usageError
		require.True(t, errors.As(err, &usage), "%v: %T %v", args, err, err)
	}
}

// Against a real Temporal dev server, with a stand-in for the
// reconciliation that reports the period it was given: `starter reconcile`
// runs it now, waits, and prints the summary, the report as JSON and the
// Web UI link.
func TestReconcileCommandRunsTheReconciliationAndPrintsItsReport(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	require.NoError(t, ln.Close())
	dev, err := testsuite.StartDevServer(ctx, testsuite.DevServerOptions{
		ExistingPath: testkit.TemporalCLI(t), ClientOptions: &client.Options{HostPort: addr}, LogLevel: "error",
	})
	require.NoError(t, err)
	t.Cleanup(func() { _ = dev.Stop() })

	setEnv(t, "http://127.0.0.1:1", "shop", "http://127.0.0.1:8080")
	t.Setenv("TEMPORAL_ADDRESS", dev.FrontendHostPort())
	t.Setenv("TEMPORAL_TASK_QUEUE", "reconcile-test")
	cfg, err := config.FromEnv()
	require.NoError(t, err)
	tc, err := app.DialTemporal(ctx, cfg, slog.New(slog.DiscardHandler))
	require.NoError(t, err)
	t.Cleanup(tc.Close)
	var got []workflows.ReconcileInput
	w := worker.New(tc, "reconcile-test", worker.Options{})
	w.RegisterWorkflowWithOptions(func(ctx workflow.Context, in workflows.ReconcileInput) (*workflows.ReconciliationReport, error) {
		got = append(got, in)
		return &workflows.ReconciliationReport{From: in.From, To: in.To,
			Counts:  workflows.ReconcileCounts{AfterpayPayments: 4, OdooOrders: 5, OdooPayments: 6, Matched: 3, Started: 1, AmountsDiffer: 1, Activities: 1},
			Started: []workflows.StartedPayment{{OrderName: "S00041", OrderID: 41, Outcome: workflows.Started}},
			Drift: []workflows.Drift{{Kind: workflows.DriftAmountsDiffer, AfterpayOrderID: "300000000042", OrderName: "S00042", OrderID: 42,
				Afterpay: money.MustNew(11000, "USD"), Odoo: money.MustNew(10000, "USD"), Detail: "They differ.", Activity: true}},
		}, nil
	}, workflow.RegisterOptions{Name: workflows.ReconciliationWorkflowName})
	require.NoError(t, w.Start())
	t.Cleanup(w.Stop)

	out, err := runStarter("reconcile", "-from", "2026-03-01", "-to", "2026-03-02")
	require.NoError(t, err)
	require.Len(t, got, 1)
	require.Equal(t, workflows.ReconcileInput{Database: "shop", From: time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC), To: time.Date(2026, 3, 3, 0, 0, 0, 0, time.UTC),
		Days: 3, ReturnURL: "http://127.0.0.1:8080/afterpay/return", ConfirmationTimeout: 5 * time.Minute, CaptureMode: "immediate"}, got[0])
	require.True(t, strings.HasPrefix(out, "Reconciliation of 2026-03-01T00:00:00Z to 2026-03-03T00:00:00Z\n"), out)
	require.Contains(t, out, "  started       1 payment workflows, S00041 (started)\n")
	require.Contains(t, out, "  drift         1 (0 captured at Afterpay and not in Odoo, 0 in Odoo and not at Afterpay, 1 amounts differ); finance has 1 activities in Odoo\n")
	require.Contains(t, out, "Afterpay order 300000000042 (S00042): Afterpay 110.00 USD, Odoo 100.00 USD\n      They differ.\n")
	require.Contains(t, out, `"amountsDiffer": 1`)
	require.Contains(t, out, "http://localhost:8233/namespaces/default/workflows/afterpay-reconciliation:shop:manual:")

	// No period: the reconciliation takes its days up to now; -json prints
	// the report alone.
	out, err = runStarter("reconcile", "-json")
	require.NoError(t, err)
	require.Len(t, got, 2)
	require.True(t, got[1].From.IsZero() && got[1].To.IsZero())
	var rep workflows.ReconciliationReport
	require.NoError(t, json.Unmarshal([]byte(out), &rep), out)
	require.Equal(t, 1, rep.Counts.AmountsDiffer)
}
