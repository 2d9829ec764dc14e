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

func withOdoo(ctx workflow.Context) workflow.Context {
	return workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
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
	return workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
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
