// Package worker wires the payment workflow and its activities into a
// Temporal worker.
package worker

import (
	"go.temporal.io/sdk/client"
	sdkworker "go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/odoo-afterpay/bridge/activities"
	"github.com/odoo-afterpay/bridge/mapping"
	"github.com/odoo-afterpay/bridge/workflows"
)

// Register adds the payment workflow and the activities to r.
func Register(r sdkworker.Registry, acts *activities.Activities) {
	payment := &workflows.Payment{Mapper: mapping.NewMapper()}
	r.RegisterWorkflowWithOptions(payment.Run, workflow.RegisterOptions{Name: workflows.PaymentWorkflowName})
	r.RegisterActivity(acts)
}

// New returns a worker polling taskQueue, with everything registered.
func New(c client.Client, taskQueue string, acts *activities.Activities) sdkworker.Worker {
	w := sdkworker.New(c, taskQueue, sdkworker.Options{})
	Register(w, acts)
	return w
}
