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

// ScheduleOutcome says what EnsureReconciliationSchedule did.
type ScheduleOutcome string

// The outcomes.
const (
	ScheduleCreated   ScheduleOutcome = "created"
	ScheduleUpdated   ScheduleOutcome = "updated"
	ScheduleUnchanged ScheduleOutcome = "unchanged"
)

// pausedEvery is the interval a paused schedule keeps (RECONCILE_EVERY=off):
// a schedule needs one.
const pausedEvery = 24 * time.Hour

// reconciliationRunTimeout bounds one scheduled reconciliation.
const reconciliationRunTimeout = 6 * time.Hour

// ReconciliationInput is what every reconciliation of cfg's Odoo database
// starts with: the period (RECONCILE_DAYS up to the run), and how a missing
// payment workflow is started, as the order-confirmed webhook starts one.
func ReconciliationInput(cfg config.Config) workflows.ReconcileInput {
	return workflows.ReconcileInput{
		Database: cfg.Odoo.Database, Days: cfg.Payment.ReconcileDays,
		ReturnURL: cfg.API.PublicURL + "/afterpay/return", ConfirmationTimeout: cfg.Payment.OrderConfirmationTimeout,
		CaptureMode: cfg.Payment.CaptureMode,
	}
}

// reconciliationSchedule is the schedule cfg asks for: every
// RECONCILE_EVERY (aligned to midnight UTC: daily by default, at 00:00),
// paused when it is off; a run that would overlap the previous one is
// skipped, and one missed while Temporal was down runs when it is back, if
// within one interval.
func reconciliationSchedule(cfg config.Config) client.Schedule {
	every, paused := cfg.Payment.ReconcileEvery, cfg.Payment.ReconcileEvery <= 0
	if paused {
		every = pausedEvery
	}
	note := fmt.Sprintf("Afterpay reconciliation of Odoo database %s, every %s, over the %d days up to each run; set by the worker from RECONCILE_EVERY and RECONCILE_DAYS",
		cfg.Odoo.Database, every, cfg.Payment.ReconcileDays)
	if paused {
		note = "Paused: RECONCILE_EVERY=off. " + note
	}
	return client.Schedule{
		Spec: &client.ScheduleSpec{Intervals: []client.ScheduleIntervalSpec{{Every: every}}},
		Action: &client.ScheduleWorkflowAction{
			ID: workflows.ReconciliationScheduleID(cfg.Odoo.Database), Workflow: workflows.ReconciliationWorkflowName,
			Args: []any{ReconciliationInput(cfg)}, TaskQueue: cfg.Temporal.TaskQueue, WorkflowRunTimeout: reconciliationRunTimeout,
			StaticSummary: "Afterpay reconciliation of Odoo database " + cfg.Odoo.Database,
		},
		Policy: &client.SchedulePolicies{Overlap: enumspb.SCHEDULE_OVERLAP_POLICY_SKIP, CatchupWindow: every},
		State:  &client.ScheduleState{Paused: paused, Note: note},
	}
}

// EnsureReconciliationSchedule creates the reconciliation's Temporal
// Schedule, or brings an existing one in line with cfg; one already as cfg
// says is left alone, so that every worker's start may call it.
func EnsureReconciliationSchedule(ctx context.Context, c client.Client, cfg config.Config, logger *slog.Logger) (ScheduleOutcome, error) {
	want := reconciliationSchedule(cfg)
	return ensureSchedule(ctx, c, cfg, logger, "reconciliation", want, false, argsAre(ReconciliationInput(cfg)))
}

// ensureSchedule creates the schedule want describes (its action's ID is
// the schedule's, and it runs at once with runNow), or brings an existing
// one in line with it; one already as wanted is left alone. what names it
// in logs and errors.
func ensureSchedule(ctx context.Context, c client.Client, cfg config.Config, logger *slog.Logger, what string, want client.Schedule, runNow bool,
	sameArgs func(*commonpb.Payload, converter.DataConverter) bool) (ScheduleOutcome, error) {
	id := want.Action.(*client.ScheduleWorkflowAction).ID
	_, err := c.ScheduleClient().Create(ctx, client.ScheduleOptions{
		ID: id, Spec: *want.Spec, Action: want.Action, Overlap: want.Policy.Overlap, CatchupWindow: want.Policy.CatchupWindow,
		Paused: want.State.Paused, Note: want.State.Note, TriggerImmediately: runNow && !want.State.Paused,
	})
	if err == nil {
		logger.Info("Created the "+what+" schedule", "schedule", id, "every", want.Spec.Intervals[0].Every, "paused", want.State.Paused)
		return ScheduleCreated, nil
	}
	if !errors.Is(err, temporal.ErrScheduleAlreadyRunning) {
		return "", fmt.Errorf("create the %s schedule %s: %w", what, id, err)
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
			if sameSchedule(in.Description.Schedule, want, func(p *commonpb.Payload) bool { return sameArgs(p, dc) }) {
				return nil, temporal.ErrSkipScheduleUpdate
			}
			outcome = ScheduleUpdated
			return &client.ScheduleUpdate{Schedule: &want}, nil
		},
	})
	if err != nil {
		return "", fmt.Errorf("update the %s schedule %s: %w", what, id, err)
	}
	if outcome == ScheduleUpdated {
		logger.Info("Updated the "+what+" schedule", "schedule", id, "every", want.Spec.Intervals[0].Every, "paused", want.State.Paused)
	}
	return outcome, nil
}

// argsAre reports whether a schedule's one argument decodes to want.
func argsAre[T comparable](want T) func(*commonpb.Payload, converter.DataConverter) bool {
	return func(p *commonpb.Payload, dc converter.DataConverter) bool {
		var got T
		return dc.FromPayload(p, &got) == nil && got == want
	}
}

// sameSchedule reports whether the schedule Temporal has is the one wanted;
// sameArgs compares its workflow's one argument.
func sameSchedule(have, want client.Schedule, sameArgs func(*commonpb.Payload) bool) bool {
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
	return ok && sameArgs(p)
}

// RunReconciliation runs a reconciliation now, as `starter reconcile` does,
// and waits for its report.
func RunReconciliation(ctx context.Context, c client.Client, cfg config.Config, from, to time.Time) (*workflows.ReconciliationReport, string, error) {
	in := ReconciliationInput(cfg)
	in.From, in.To = from, to
	if err := in.Validate(); err != nil {
		return nil, "", err
	}
	id := workflows.ReconciliationWorkflowID(cfg.Odoo.Database, time.Now())
	run, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
		ID: id, TaskQueue: cfg.Temporal.TaskQueue, WorkflowRunTimeout: reconciliationRunTimeout,
		StaticSummary: "Afterpay reconciliation of Odoo database " + cfg.Odoo.Database + ", run on demand",
	}, workflows.ReconciliationWorkflowName, in)
	if err != nil {
		return nil, "", fmt.Errorf("start the reconciliation: %w", err)
	}
	var rep workflows.ReconciliationReport
	if err := run.Get(ctx, &rep); err != nil {
		return nil, id, fmt.Errorf("reconciliation %s: %w", id, err)
	}
	return &rep, id, nil
}
