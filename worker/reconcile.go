package worker

import (
	"context"

	"go.temporal.io/sdk/client"

	"github.com/odoo-afterpay/bridge/activities"
	"github.com/odoo-afterpay/bridge/workflows"
)

// PaymentWorkflows are the reconciliation's activities on the payment
// workflows (describe, start), with c; a missing payment is started on
// taskQueue exactly as the order-confirmed webhook starts one.
func PaymentWorkflows(c client.Client, taskQueue string) *activities.PaymentWorkflows {
	return &activities.PaymentWorkflows{Temporal: c, Start: func(ctx context.Context, in activities.StartPaymentInput) (string, error) {
		outcome, _, err := workflows.StartPayment(ctx, c, taskQueue, workflows.PaymentInput{
			Database: in.Database, OrderName: in.OrderName, OrderID: in.OrderID, ReturnURL: in.ReturnURL,
			ConfirmationTimeout: in.ConfirmationTimeout, CaptureMode: in.CaptureMode,
		})
		return string(outcome), err
	}}
}
