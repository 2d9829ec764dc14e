package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"github.com/odoo-afterpay/bridge/config"
	"github.com/odoo-afterpay/bridge/workflows"
)

// limitsRunTimeout bounds one refresh of the merchant's limits.
const limitsRunTimeout = 15 * time.Minute

// merchantLimitsSchedule is the schedule cfg asks for: every
// MERCHANT_LIMITS_EVERY, paused when it is off; a run that would overlap
// the previous one is skipped, one missed while Temporal was down runs when
// it is back (within one interval).
func merchantLimitsSchedule(cfg config.Config) client.Schedule {
	every, paused := cfg.Payment.MerchantLimitsEvery, cfg.Payment.MerchantLimitsEvery <= 0
	if paused {
		every = time.Hour
	}
	note := fmt.Sprintf("Refreshes the merchant's Afterpay limits cached on Odoo database %s's Afterpay payment provider, every %s; set by the worker from MERCHANT_LIMITS_EVERY",
		cfg.Odoo.Database, every)
	if paused {
		note = "Paused: MERCHANT_LIMITS_EVERY=off. " + note
	}
	return client.Schedule{
		Spec: &client.ScheduleSpec{Intervals: []client.ScheduleIntervalSpec{{Every: every}}},
		Action: &client.ScheduleWorkflowAction{
			ID: workflows.MerchantLimitsScheduleID(cfg.Odoo.Database), Workflow: workflows.MerchantLimitsWorkflowName,
			Args: []any{workflows.MerchantLimitsInput{Database: cfg.Odoo.Database}}, TaskQueue: cfg.Temporal.TaskQueue,
			WorkflowRunTimeout: limitsRunTimeout,
			StaticSummary:      "Refresh the merchant's Afterpay limits for Odoo database " + cfg.Odoo.Database,
		},
		Policy: &client.SchedulePolicies{Overlap: enumspb.SCHEDULE_OVERLAP_POLICY_SKIP, CatchupWindow: every},
		State:  &client.ScheduleState{Paused: paused, Note: note},
	}
}

// EnsureMerchantLimitsSchedule creates the Temporal Schedule that refreshes
// the merchant's limits, running it once at once so that a new deployment
// knows them, or brings an existing one in line with cfg; one already as
// cfg says is left alone, so that every worker's start may call it.
func EnsureMerchantLimitsSchedule(ctx context.Context, c client.Client, cfg config.Config, logger *slog.Logger) (ScheduleOutcome, error) {
	return ensureSchedule(ctx, c, cfg, logger, "merchant limits", merchantLimitsSchedule(cfg), true,
		argsAre(workflows.MerchantLimitsInput{Database: cfg.Odoo.Database}))
}

// RefreshMerchantLimits refreshes the merchant's limits now, as the
// schedule does, and waits for the result. A failed refresh returns the
// result (the last good limits, RefreshFailed) and the run's error.
func RefreshMerchantLimits(ctx context.Context, c client.Client, cfg config.Config) (*workflows.MerchantLimitsResult, string, error) {
	id := workflows.MerchantLimitsWorkflowID(cfg.Odoo.Database, time.Now())
	run, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
		ID: id, TaskQueue: cfg.Temporal.TaskQueue, WorkflowRunTimeout: limitsRunTimeout,
		StaticSummary: "Refresh the merchant's Afterpay limits for Odoo database " + cfg.Odoo.Database + ", run on demand",
	}, workflows.MerchantLimitsWorkflowName, workflows.MerchantLimitsInput{Database: cfg.Odoo.Database})
	if err != nil {
		return nil, "", fmt.Errorf("start the merchant limits refresh: %w", err)
	}
	var res workflows.MerchantLimitsResult
	if err := run.Get(ctx, &res); err != nil {
		var appErr *temporal.ApplicationError
		if errors.As(err, &appErr) && appErr.Type() == workflows.ErrTypeLimitsRefreshFailed && appErr.HasDetails() && appErr.Details(&res) == nil {
			return &res, id, fmt.Errorf("merchant limits refresh %s: %w", id, err)
		}
		return nil, id, fmt.Errorf("merchant limits refresh %s: %w", id, err)
	}
	return &res, id, nil
}
