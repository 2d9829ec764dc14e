// Package worker wires the payment workflow and its activities into a
// Temporal worker.
package worker

import (
	"sync"
	"time"

	"go.temporal.io/sdk/client"
	sdkworker "go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/odoo-afterpay/bridge/activities"
	"github.com/odoo-afterpay/bridge/workflows"
)

// Register adds the payment workflow and the activities to r.
func Register(r sdkworker.Registry, acts *activities.Activities) {
	RegisterWorkflows(r)
	r.RegisterActivity(acts)
}

// RegisterWorkflows adds the workflows alone (the replayer needs no
// activities).
func RegisterWorkflows(r sdkworker.WorkflowRegistry) {
	r.RegisterWorkflowWithOptions((&workflows.Payment{}).Run, workflow.RegisterOptions{Name: workflows.PaymentWorkflowName})
	r.RegisterWorkflowWithOptions(workflows.LateCreditNote, workflow.RegisterOptions{Name: workflows.LateCreditNoteWorkflowName})
	r.RegisterWorkflowWithOptions(workflows.Reconciliation, workflow.RegisterOptions{Name: workflows.ReconciliationWorkflowName})
	r.RegisterWorkflowWithOptions(workflows.MerchantLimits, workflow.RegisterOptions{Name: workflows.MerchantLimitsWorkflowName})
}

// StopTimeout is how long a stopping worker lets the activities in flight
// finish. A shutdown, a deploy or a restart must not cut an Odoo or
// Afterpay call short: one that is cut short is retried by another worker,
// and never taken for an answer.
const StopTimeout = 30 * time.Second

// Options limit the load on the peers.
type Options struct {
	// AfterpayPerSecond and OdooPerSecond cap how many activities start per
	// second on each peer's task queue, across all workers (the server
	// enforces it); 0 leaves it uncapped.
	AfterpayPerSecond, OdooPerSecond float64
	// AfterpayConcurrency and OdooConcurrency cap the calls in flight from
	// this worker to each peer; 0 is the SDK's default.
	AfterpayConcurrency, OdooConcurrency int
}

// Workers poll the workflows' task queue and the Afterpay and Odoo
// activities' own queues (workflows.AfterpayTaskQueue, OdooTaskQueue).
type Workers struct {
	all []sdkworker.Worker
}

// New returns the workers of taskQueue, with everything registered. The
// workflows' queue also takes activities: those scheduled there before the
// queues were split still find a worker.
func New(c client.Client, taskQueue string, acts *activities.Activities, o Options) *Workers {
	main := sdkworker.New(c, taskQueue, sdkworker.Options{WorkerStopTimeout: StopTimeout})
	Register(main, acts)
	main.RegisterActivity(PaymentWorkflows(c, taskQueue))
	peer := func(queue string, perSecond float64, concurrency int) sdkworker.Worker {
		w := sdkworker.New(c, queue, sdkworker.Options{
			WorkerStopTimeout: StopTimeout, DisableWorkflowWorker: true,
			TaskQueueActivitiesPerSecond: perSecond, MaxConcurrentActivityExecutionSize: concurrency,
		})
		w.RegisterActivity(acts)
		return w
	}
	return &Workers{all: []sdkworker.Worker{
		main,
		peer(workflows.AfterpayTaskQueue(taskQueue), o.AfterpayPerSecond, o.AfterpayConcurrency),
		peer(workflows.OdooTaskQueue(taskQueue), o.OdooPerSecond, o.OdooConcurrency),
	}}
}

// Start starts every worker; if one fails, those started are stopped.
func (w *Workers) Start() error {
	for i, each := range w.all {
		if err := each.Start(); err != nil {
			for _, started := range w.all[:i] {
				started.Stop()
			}
			return err
		}
	}
	return nil
}

// Stop stops every worker at once, letting activities in flight finish.
func (w *Workers) Stop() {
	var wg sync.WaitGroup
	for _, each := range w.all {
		wg.Add(1)
		go func() {
			defer wg.Done()
			each.Stop()
		}()
	}
	wg.Wait()
}
