package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"
	sdkworker "go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"
)

// BareWorkflowName is the bare contestant's workflow type.
const BareWorkflowName = "BenchBarePayment"

// NoopInput is every bare activity's input.
type NoopInput struct {
	// Signal, when set, is sent to the activity's own workflow before the
	// activity returns, as the product's Odoo sends its webhook while the
	// activity that posted the invoice runs.
	Signal string `json:"signal,omitempty"`
}

// Return is the bare update's argument, as the customer's return is the
// product's.
type Return struct {
	Status     string `json:"status"`
	OrderToken string `json:"orderToken"`
}

// Workflow plays the plan: each batch's commands once what woke the
// recorded workflow has happened, then waits, open, as the product's
// payment does after the sale.
func (p *Plan) Workflow(ctx workflow.Context) error {
	updates, updatesDone := 0, 0
	if p.Update != "" {
		err := workflow.SetUpdateHandler(ctx, p.Update, func(ctx workflow.Context, _ Return) (string, error) {
			n := updates
			updates++
			// Answered when the recorded workflow answered: after the capture.
			if err := workflow.Await(ctx, func() bool { return updatesDone > n }); err != nil {
				return "", err
			}
			return "approved", nil
		})
		if err != nil {
			return err
		}
	}
	signals := map[string]int{}
	for _, name := range p.Signals {
		ch := workflow.GetSignalChannel(ctx, name)
		workflow.Go(ctx, func(ctx workflow.Context) {
			for ch.Receive(ctx, nil) {
				signals[name]++
			}
		})
	}
	acts := map[int64]workflow.Future{}
	timers := map[string]workflow.Future{}
	cancels := map[string]workflow.CancelFunc{}
	queue := workflow.GetInfo(ctx).TaskQueueName
	for _, b := range p.Batches {
		w := b.Wake
		err := workflow.Await(ctx, func() bool {
			for _, id := range w.Activities {
				if f := acts[id]; f == nil || !f.IsReady() {
					return false
				}
			}
			for _, id := range w.Timers {
				if f := timers[id]; f == nil || !f.IsReady() {
					return false
				}
			}
			for name, n := range w.Signals {
				if signals[name] < n {
					return false
				}
			}
			return updates >= w.Updates
		})
		if err != nil {
			return err
		}
		for _, id := range w.Activities {
			if err := acts[id].Get(ctx, nil); err != nil {
				return fmt.Errorf("bare activity of event %d: %w", id, err)
			}
		}
		for _, s := range b.Steps {
			switch s.Kind {
			case StepActivity:
				acts[s.EventID] = workflow.ExecuteActivity(activityContext(ctx, queue, s.Activity), s.Activity.Name, NoopInput{Signal: s.Activity.Signal})
			case StepTimer:
				tctx, cancel := workflow.WithCancel(ctx)
				timers[s.TimerID], cancels[s.TimerID] = workflow.NewTimer(tctx, s.Timer), cancel
			case StepCancelTimer:
				if cancel := cancels[s.TimerID]; cancel != nil {
					cancel()
				}
			case StepUpsert:
				upd, err := attrUpdates(s.Attrs)
				if err != nil {
					return err
				}
				if err := workflow.UpsertTypedSearchAttributes(ctx, upd...); err != nil {
					return err
				}
			case StepVersion:
				workflow.GetVersion(ctx, s.ChangeID, workflow.DefaultVersion, workflow.Version(s.Version))
			case StepLocalActivity:
				lctx := workflow.WithLocalActivityOptions(ctx, workflow.LocalActivityOptions{StartToCloseTimeout: 10 * time.Second})
				if err := workflow.ExecuteLocalActivity(lctx, noopLocal).Get(ctx, nil); err != nil {
					return err
				}
			case StepSideEffect:
				_ = workflow.SideEffect(ctx, func(workflow.Context) any { return nil }).Get(nil)
			case StepUpdateDone:
				updatesDone++
			}
		}
	}
	// Booked: the product's payment stays open for Afterpay's refund
	// window; so does this one, until its server goes.
	return workflow.Await(ctx, func() bool { return false })
}

func noopLocal(context.Context) error { return nil }

func activityContext(ctx workflow.Context, queue string, a *ActivitySpec) workflow.Context {
	return workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		TaskQueue: queue + a.QueueSuffix, StartToCloseTimeout: a.StartToClose, ScheduleToCloseTimeout: a.ScheduleToClose,
		ScheduleToStartTimeout: a.ScheduleToStart, HeartbeatTimeout: a.Heartbeat,
		RetryPolicy: &temporal.RetryPolicy{
			InitialInterval: a.RetryInitial, BackoffCoefficient: a.RetryBackoff, MaximumInterval: a.RetryMax, MaximumAttempts: a.RetryMaxAttempts,
		},
	})
}

// attrUpdates turns recorded search attributes into typed updates.
func attrUpdates(attrs []Attr) ([]temporal.SearchAttributeUpdate, error) {
	out := make([]temporal.SearchAttributeUpdate, 0, len(attrs))
	for _, a := range attrs {
		u, err := attrUpdate(a)
		if err != nil {
			return nil, err
		}
		out = append(out, u)
	}
	return out, nil
}

func attrUpdate(a Attr) (temporal.SearchAttributeUpdate, error) {
	data := []byte(a.JSON)
	var err error
	switch a.Type {
	case "Keyword":
		var v string
		if err = json.Unmarshal(data, &v); err == nil {
			return temporal.NewSearchAttributeKeyKeyword(a.Name).ValueSet(v), nil
		}
	case "Text":
		var v string
		if err = json.Unmarshal(data, &v); err == nil {
			return temporal.NewSearchAttributeKeyString(a.Name).ValueSet(v), nil
		}
	case "KeywordList":
		var v []string
		if err = json.Unmarshal(data, &v); err == nil {
			return temporal.NewSearchAttributeKeyKeywordList(a.Name).ValueSet(v), nil
		}
	case "Int":
		var v int64
		if err = json.Unmarshal(data, &v); err == nil {
			return temporal.NewSearchAttributeKeyInt64(a.Name).ValueSet(v), nil
		}
	case "Double":
		var v float64
		if err = json.Unmarshal(data, &v); err == nil {
			return temporal.NewSearchAttributeKeyFloat64(a.Name).ValueSet(v), nil
		}
	case "Bool":
		var v bool
		if err = json.Unmarshal(data, &v); err == nil {
			return temporal.NewSearchAttributeKeyBool(a.Name).ValueSet(v), nil
		}
	case "Datetime":
		var v time.Time
		if err = json.Unmarshal(data, &v); err == nil {
			return temporal.NewSearchAttributeKeyTime(a.Name).ValueSet(v), nil
		}
	default:
		return nil, fmt.Errorf("search attribute %s: type %q unknown to the bare workflow", a.Name, a.Type)
	}
	return nil, fmt.Errorf("search attribute %s (%s): %w", a.Name, a.Type, err)
}

// QueueCaps are a task queue's limits, as the product's worker sets them
// for each peer's queue.
type QueueCaps struct {
	PerSecond   float64 // activities started per second on the queue; 0: none
	Concurrency int     // activities in flight in this worker; 0: the SDK's default
}

// BareWorkers are the bare contestant's workers: one for the workflow's
// queue and one for each activity queue of the plan, as the product has.
type BareWorkers struct {
	all []sdkworker.Worker
}

// NewBareWorkers registers the plan's workflow on taskQueue and a no-op
// under each activity name on its queue; caps are by queue suffix.
func NewBareWorkers(c client.Client, p *Plan, taskQueue string, caps map[string]QueueCaps) *BareWorkers {
	noop := func(ctx context.Context, in NoopInput) error {
		if in.Signal == "" {
			return nil
		}
		info := activity.GetInfo(ctx)
		return c.SignalWorkflow(ctx, info.WorkflowExecution.ID, info.WorkflowExecution.RunID, in.Signal, nil)
	}
	main := sdkworker.New(c, taskQueue, sdkworker.Options{})
	main.RegisterWorkflowWithOptions(p.Workflow, workflow.RegisterOptions{Name: BareWorkflowName})
	workers := map[string]sdkworker.Worker{"": main}
	registered := map[string]bool{}
	for _, a := range p.Activities() {
		w := workers[a.QueueSuffix]
		if w == nil {
			qc := caps[a.QueueSuffix]
			w = sdkworker.New(c, taskQueue+a.QueueSuffix, sdkworker.Options{
				DisableWorkflowWorker: true, TaskQueueActivitiesPerSecond: qc.PerSecond, MaxConcurrentActivityExecutionSize: qc.Concurrency,
			})
			workers[a.QueueSuffix] = w
		}
		if key := a.QueueSuffix + " " + a.Name; !registered[key] {
			registered[key] = true
			w.RegisterActivityWithOptions(noop, activity.RegisterOptions{Name: a.Name})
		}
	}
	b := &BareWorkers{all: []sdkworker.Worker{main}}
	for suffix, w := range workers {
		if suffix != "" {
			b.all = append(b.all, w)
		}
	}
	return b
}

// Start starts every worker.
func (b *BareWorkers) Start() error {
	for i, w := range b.all {
		if err := w.Start(); err != nil {
			for _, started := range b.all[:i] {
				started.Stop()
			}
			return fmt.Errorf("start bare worker: %w", err)
		}
	}
	return nil
}

// Stop stops every worker.
func (b *BareWorkers) Stop() {
	for _, w := range b.all {
		w.Stop()
	}
}
