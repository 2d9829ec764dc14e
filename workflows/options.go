package workflows

import (
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"
)

// DefaultRecordWindow bounds how long Odoo may stay unreachable while
// recording a captured payment before the money is given back. It leaves
// room to reverse (no fee) inside Afterpay's 10-minute reversal window.
const DefaultRecordWindow = 7 * time.Minute

// Afterpay's and Odoo's activities run on task queues of their own, named
// after the workflow's: each peer's calls are rate-limited on its queue,
// and a slow Odoo cannot hold up Afterpay calls (or the other way round).
const (
	afterpayQueueSuffix = "-afterpay"
	odooQueueSuffix     = "-odoo"
)

// AfterpayTaskQueue is the task queue of the Afterpay activities of
// workflows on taskQueue.
func AfterpayTaskQueue(taskQueue string) string { return taskQueue + afterpayQueueSuffix }

// OdooTaskQueue is the task queue of the Odoo activities of workflows on
// taskQueue.
func OdooTaskQueue(taskQueue string) string { return taskQueue + odooQueueSuffix }

// onOdoo runs the activities of ctx with o on the Odoo task queue.
func onOdoo(ctx workflow.Context, o workflow.ActivityOptions) workflow.Context {
	o.TaskQueue = OdooTaskQueue(workflow.GetInfo(ctx).TaskQueueName)
	return workflow.WithActivityOptions(ctx, o)
}

// onAfterpay runs the activities of ctx with o on the Afterpay task queue.
func onAfterpay(ctx workflow.Context, o workflow.ActivityOptions) workflow.Context {
	o.TaskQueue = AfterpayTaskQueue(workflow.GetInfo(ctx).TaskQueueName)
	return workflow.WithActivityOptions(ctx, o)
}

func withOdoo(ctx workflow.Context) workflow.Context {
	return onOdoo(ctx, workflow.ActivityOptions{
		StartToCloseTimeout:    45 * time.Second, // the client's own call timeout is 30 s
		ScheduleToCloseTimeout: 30 * time.Minute,
		RetryPolicy: &temporal.RetryPolicy{
			InitialInterval: time.Second, BackoffCoefficient: 2, MaximumInterval: time.Minute,
		},
	})
}

func odooRecordOptions(window time.Duration) workflow.ActivityOptions {
	if window <= 0 {
		window = DefaultRecordWindow
	}
	return workflow.ActivityOptions{
		StartToCloseTimeout:    min(45*time.Second, window),
		ScheduleToCloseTimeout: window,
		RetryPolicy: &temporal.RetryPolicy{
			InitialInterval: time.Second, BackoffCoefficient: 2, MaximumInterval: 30 * time.Second,
		},
	}
}

// odooSyncOptions keep telling Odoo what happened to money that already
// moved, for a day: Odoo must end up saying so once it answers.
func odooSyncOptions() workflow.ActivityOptions {
	return workflow.ActivityOptions{
		StartToCloseTimeout:    45 * time.Second,
		ScheduleToCloseTimeout: 24 * time.Hour,
		RetryPolicy: &temporal.RetryPolicy{
			InitialInterval: time.Second, BackoffCoefficient: 2, MaximumInterval: 5 * time.Minute,
		},
	}
}

// parkNoteOptions: the note that a payment needs attention is worth a
// short try only; Odoo may be the reason it does.
func parkNoteOptions() workflow.ActivityOptions {
	return workflow.ActivityOptions{
		StartToCloseTimeout:    45 * time.Second,
		ScheduleToCloseTimeout: 2 * time.Minute,
		RetryPolicy:            &temporal.RetryPolicy{InitialInterval: time.Second, BackoffCoefficient: 2, MaximumInterval: 30 * time.Second},
	}
}

func withAfterpay(ctx workflow.Context) workflow.Context {
	return onAfterpay(ctx, workflow.ActivityOptions{
		StartToCloseTimeout:    90 * time.Second, // Afterpay's money calls may take 70 s
		ScheduleToCloseTimeout: 20 * time.Minute,
		RetryPolicy: &temporal.RetryPolicy{
			InitialInterval: 2 * time.Second, BackoffCoefficient: 2, MaximumInterval: time.Minute,
		},
	})
}

// compensationOptions retry for a day: giving up leaves a customer charged
// for a payment the merchant's books do not show.
func compensationOptions() workflow.ActivityOptions {
	return workflow.ActivityOptions{
		StartToCloseTimeout:    90 * time.Second,
		ScheduleToCloseTimeout: 24 * time.Hour,
		RetryPolicy: &temporal.RetryPolicy{
			InitialInterval: 2 * time.Second, BackoffCoefficient: 2, MaximumInterval: 5 * time.Minute,
		},
	}
}

// titled gives the activities of ctx a summary: the Web UI shows it on each
// activity, so an operator reads what the payment did without opening its
// input.
func titled(ctx workflow.Context, summary string) workflow.Context {
	o := workflow.GetActivityOptions(ctx)
	o.Summary = summary
	return workflow.WithActivityOptions(ctx, o)
}

// clip shortens s to at most n runes, marking the cut.
func clip(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

// orderTotal is the order's total as the summaries show it.
func (r *run) orderTotal() string {
	if r.s.Order.Total == nil {
		return "the order's total"
	}
	return r.s.Order.Total.String()
}
