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

	"github.com/odoo-afterpay/bridge/internal/testkit"
	"github.com/odoo-afterpay/bridge/workflows"
)

// The worker creates the limits' schedule on its first start, leaves it
// alone on the next ones and follows MERCHANT_LIMITS_EVERY; against a real
// Temporal dev server.
func TestMerchantLimitsScheduleIsCreatedOnceAndFollowsTheConfiguration(t *testing.T) {
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
	require.Equal(t, time.Hour, cfg.Payment.MerchantLimitsEvery, "hourly by default")
	c, err := DialTemporal(ctx, cfg, logger)
	require.NoError(t, err)
	t.Cleanup(c.Close)
	describe := func() *client.ScheduleDescription {
		t.Helper()
		d, err := c.ScheduleClient().GetHandle(ctx, workflows.MerchantLimitsScheduleID("shop")).Describe(ctx)
		require.NoError(t, err)
		return d
	}

	outcome, err := EnsureMerchantLimitsSchedule(ctx, c, cfg, logger)
	require.NoError(t, err)
	require.Equal(t, ScheduleCreated, outcome)
	d := describe()
	require.Equal(t, []client.ScheduleIntervalSpec{{Every: time.Hour}}, d.Schedule.Spec.Intervals)
	require.False(t, d.Schedule.State.Paused)
	action := d.Schedule.Action.(*client.ScheduleWorkflowAction)
	require.Equal(t, workflows.MerchantLimitsWorkflowName, action.Workflow)
	require.Equal(t, "schedule-test", action.TaskQueue)
	dc, _, err := Converters(cfg)
	require.NoError(t, err)
	var in workflows.MerchantLimitsInput
	require.NoError(t, dc.FromPayload(action.Args[0].(*commonpb.Payload), &in))
	require.Equal(t, workflows.MerchantLimitsInput{Database: "shop"}, in)
	require.NotEmpty(t, d.Info.RecentActions, "a new schedule refreshes at once")

	outcome, err = EnsureMerchantLimitsSchedule(ctx, c, cfg, logger)
	require.NoError(t, err)
	require.Equal(t, ScheduleUnchanged, outcome, "a restart changes nothing")

	cfg = reconcileConfig(t, addr, map[string]string{"MERCHANT_LIMITS_EVERY": "15m"})
	outcome, err = EnsureMerchantLimitsSchedule(ctx, c, cfg, logger)
	require.NoError(t, err)
	require.Equal(t, ScheduleUpdated, outcome)
	require.Equal(t, []client.ScheduleIntervalSpec{{Every: 15 * time.Minute}}, describe().Schedule.Spec.Intervals)

	cfg = reconcileConfig(t, addr, map[string]string{"MERCHANT_LIMITS_EVERY": "off"})
	outcome, err = EnsureMerchantLimitsSchedule(ctx, c, cfg, logger)
	require.NoError(t, err)
	require.Equal(t, ScheduleUpdated, outcome)
	require.True(t, describe().Schedule.State.Paused)
	outcome, err = EnsureMerchantLimitsSchedule(ctx, c, cfg, logger)
	require.NoError(t, err)
	require.Equal(t, ScheduleUnchanged, outcome)
}
