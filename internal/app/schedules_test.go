package app

import (
	"context"
	"log/slog"
	"net"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	commonpb "go.temporal.io/api/common/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/testsuite"

	"github.com/odoo-afterpay/bridge/config"
	"github.com/odoo-afterpay/bridge/internal/testkit"
	"github.com/odoo-afterpay/bridge/workflows"
)

// reconcileConfig is a product's configuration for the schedule tests,
// with payload encryption on, as in production.
func reconcileConfig(t *testing.T, temporalAddr string, extra map[string]string) config.Config {
	t.Helper()
	env := map[string]string{
		"TEMPORAL_ADDRESS": temporalAddr, "TEMPORAL_TASK_QUEUE": "schedule-test", "ODOO_DB": "shop",
		"ODOO_PASSWORD": "pw", "AFTERPAY_MERCHANT_ID": "m", "AFTERPAY_SECRET_KEY": "k",
		"ODOO_WEBHOOK_TOKEN": "schedule-test-token-0123456789", "API_PUBLIC_URL": "https://pay.shop.test",
		"PAYLOAD_ENCRYPTION_KEYS": "schedule-test:AwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwM=",
	}
	for k, v := range extra {
		env[k] = v
	}
	cfg, err := config.Load(config.MapLookup(env))
	require.NoError(t, err)
	return cfg
}

// The worker creates the reconciliation's schedule on its first start,
// leaves it alone on the next ones, and brings it in line when the
// configuration changes; against a real Temporal dev server, with the
// schedule's input encrypted as every payload is.
func TestReconciliationScheduleIsCreatedOnceAndFollowsTheConfiguration(t *testing.T) {
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
	logger := slog.New(slog.DiscardHandler)

	cfg := reconcileConfig(t, addr, nil)
	require.Equal(t, 24*time.Hour, cfg.Payment.ReconcileEvery, "daily by default")
	require.Equal(t, 3, cfg.Payment.ReconcileDays)
	c, err := DialTemporal(ctx, cfg, logger)
	require.NoError(t, err)
	t.Cleanup(c.Close)
	describe := func() *client.ScheduleDescription {
		t.Helper()
		d, err := c.ScheduleClient().GetHandle(ctx, workflows.ReconciliationScheduleID("shop")).Describe(ctx)
		require.NoError(t, err)
		return d
	}
	input := func(d *client.ScheduleDescription) workflows.ReconcileInput {
		t.Helper()
		action := d.Schedule.Action.(*client.ScheduleWorkflowAction)
		require.Equal(t, workflows.ReconciliationWorkflowName, action.Workflow)
		require.Equal(t, "schedule-test", action.TaskQueue)
		p := action.Args[0].(*commonpb.Payload)
		require.NotContains(t, string(p.GetData()), "pay.shop.test", "the input is encrypted")
		dc, _, err := Converters(cfg)
		require.NoError(t, err)
		var in workflows.ReconcileInput
		require.NoError(t, dc.FromPayload(p, &in))
		return in
	}

	outcome, err := EnsureReconciliationSchedule(ctx, c, cfg, logger)
	require.NoError(t, err)
	require.Equal(t, ScheduleCreated, outcome)
	d := describe()
	require.Equal(t, []client.ScheduleIntervalSpec{{Every: 24 * time.Hour}}, d.Schedule.Spec.Intervals)
	require.False(t, d.Schedule.State.Paused)
	require.Equal(t, workflows.ReconcileInput{Database: "shop", Days: 3, ReturnURL: "https://pay.shop.test/afterpay/return",
		ConfirmationTimeout: 5 * time.Minute, CaptureMode: "immediate"}, input(d))
	require.NoError(t, input(d).Validate())

	// A restart changes nothing.
	outcome, err = EnsureReconciliationSchedule(ctx, c, cfg, logger)
	require.NoError(t, err)
	require.Equal(t, ScheduleUnchanged, outcome)

	// Another period and interval: updated in place.
	cfg = reconcileConfig(t, addr, map[string]string{"RECONCILE_DAYS": "7", "RECONCILE_EVERY": "12h"})
	outcome, err = EnsureReconciliationSchedule(ctx, c, cfg, logger)
	require.NoError(t, err)
	require.Equal(t, ScheduleUpdated, outcome)
	d = describe()
	require.Equal(t, []client.ScheduleIntervalSpec{{Every: 12 * time.Hour}}, d.Schedule.Spec.Intervals)
	require.Equal(t, 7, input(d).Days)
	outcome, err = EnsureReconciliationSchedule(ctx, c, cfg, logger)
	require.NoError(t, err)
	require.Equal(t, ScheduleUnchanged, outcome)

	// Off: paused, and kept.
	cfg = reconcileConfig(t, addr, map[string]string{"RECONCILE_EVERY": "off"})
	outcome, err = EnsureReconciliationSchedule(ctx, c, cfg, logger)
	require.NoError(t, err)
	require.Equal(t, ScheduleUpdated, outcome)
	require.True(t, describe().Schedule.State.Paused)
	outcome, err = EnsureReconciliationSchedule(ctx, c, cfg, logger)
	require.NoError(t, err)
	require.Equal(t, ScheduleUnchanged, outcome)
}
