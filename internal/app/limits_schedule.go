package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"time"

	commonpb "go.temporal.io/api/common/v1"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"
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
	id := workflows.MerchantLimitsScheduleID(cfg.Odoo.Database)
	want := merchantLimitsSchedule(cfg)
	_, err := c.ScheduleClient().Create(ctx, client.ScheduleOptions{
		ID: id, Spec: *want.Spec, Action: want.Action, Overlap: want.Policy.Overlap, CatchupWindow: want.Policy.CatchupWindow,
		Paused: want.State.Paused, Note: want.State.Note, TriggerImmediately: !want.State.Paused,
	})
	if err == nil {
		logger.Info("Created the merchant limits schedule", "schedule", id, "every", want.Spec.Intervals[0].Every, "paused", want.State.Paused)
		return ScheduleCreated, nil
	}
	if !errors.Is(err, temporal.ErrScheduleAlreadyRunning) {
		return "", fmt.Errorf("create the merchant limits schedule %s: %w", id, err)
	}
	dc, _, err := Converters(cfg)
	if err != nil {
		return "", err
	}
	if dc == nil {
		dc = converter.GetDefaultDataConverter()
	}
	outcome := ScheduleUnchanged
	err = c.ScheduleClient().GetHandle(ctx, id).Update(ctx, client.ScheduleUpdateOptions{
		DoUpdate: func(in client.ScheduleUpdateInput) (*client.ScheduleUpdate, error) {
			if sameLimitsSchedule(in.Description.Schedule, want, dc) {
				return nil, temporal.ErrSkipScheduleUpdate
			}
			outcome = ScheduleUpdated
			return &client.ScheduleUpdate{Schedule: &want}, nil
		},
	})
	if err != nil {
		return "", fmt.Errorf("update the merchant limits schedule %s: %w", id, err)
	}
	if outcome == ScheduleUpdated {
		logger.Info("Updated the merchant limits schedule", "schedule", id, "every", want.Spec.Intervals[0].Every, "paused", want.State.Paused)
	}
	return outcome, nil
}

// sameLimitsSchedule reports whether the schedule Temporal has is the one
// wanted.
func sameLimitsSchedule(have, want client.Schedule, dc converter.DataConverter) bool {
	if have.Spec == nil || have.Policy == nil || have.State == nil ||
		!slices.Equal(have.Spec.Intervals, want.Spec.Intervals) || len(have.Spec.Calendars) > 0 || len(have.Spec.CronExpressions) > 0 ||
		have.Policy.Overlap != want.Policy.Overlap || have.Policy.CatchupWindow != want.Policy.CatchupWindow ||
		have.State.Paused != want.State.Paused || have.State.Note != want.State.Note {
		return false
	}
	h, ok := have.Action.(*client.ScheduleWorkflowAction)
	w := want.Action.(*client.ScheduleWorkflowAction)
	if !ok || h.ID != w.ID || h.Workflow != w.Workflow || h.TaskQueue != w.TaskQueue || h.WorkflowRunTimeout != w.WorkflowRunTimeout ||
		h.StaticSummary != w.StaticSummary || len(h.Args) != 1 {
		return false
	}
	p, ok := h.Args[0].(*commonpb.Payload)
	if !ok {
		return false
	}
	var args workflows.MerchantLimitsInput
	return dc.FromPayload(p, &args) == nil && args == w.Args[0].(workflows.MerchantLimitsInput)
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
