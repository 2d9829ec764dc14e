// Package worker wires the payment workflow and its activities into a
// Temporal worker.
package worker

import (
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
}

// StopTimeout is how long a stopping worker lets the activities in flight
// finish. A shutdown, a deploy or a restart must not cut an Odoo or
// Afterpay call short: one that is cut short is retried by another worker,
// and never taken for an answer.
const StopTimeout = 30 * time.Second

// New returns a worker polling taskQueue, with everything registered.
func New(c client.Client, taskQueue string, acts *activities.Activities) sdkworker.Worker {
	w := sdkworker.New(c, taskQueue, sdkworker.Options{WorkerStopTimeout: StopTimeout})
	Register(w, acts)
	return w
}
