package workflows

import (
	"context"
	"errors"
	"fmt"

	commonpb "go.temporal.io/api/common/v1"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/temporal"
)

// StartOutcome says what StartPayment did.
type StartOutcome string

// Possible outcomes of StartPayment.
const (
	Started        StartOutcome = "started"         // a new payment workflow runs
	AlreadyRunning StartOutcome = "already_running" // the order's workflow was running: no-op
	AlreadyDone    StartOutcome = "already_done"    // the order's payment has finished: no-op
)

// restartable are the end states after which no money moved and nothing
// remains open, so a new confirmation of the same order may start a new
// payment (e.g. the first confirmation was rolled back, or the customer
// cancelled and the merchant re-confirmed the order).
var restartable = map[Status]bool{
	StatusOrderNotConfirmed: true, StatusOrderCancelled: true, StatusNotPayable: true,
	StatusExpired: true, StatusDeclined: true,
}

// PaymentStartOptions are the options every start of an order's payment
// uses, StartPayment's and a signal-with-start's alike: its workflow ID, a
// reuse policy that never revives a finished payment, and its search
// attributes and summary.
func PaymentStartOptions(taskQueue string, in PaymentInput) client.StartWorkflowOptions {
	return client.StartWorkflowOptions{
		ID:                    PaymentWorkflowID(in.Database, in.OrderName),
		TaskQueue:             taskQueue,
		WorkflowIDReusePolicy: enumspb.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE,
		TypedSearchAttributes: temporal.NewSearchAttributes(
			OdooOrderRefKey.ValueSet(in.OrderName), PaymentStatusKey.ValueSet(string(StatusAwaitingOrder)),
		),
		StaticSummary: "Afterpay payment of Odoo order " + in.OrderName,
	}
}

// StartPayment starts the order's payment workflow unless one is running or
// has already taken a payment. Duplicate starts are no-ops.
func StartPayment(ctx context.Context, c client.Client, taskQueue string, in PaymentInput) (StartOutcome, client.WorkflowRun, error) {
	if err := in.Validate(); err != nil {
		return "", nil, err
	}
	id := PaymentWorkflowID(in.Database, in.OrderName)
	opts := PaymentStartOptions(taskQueue, in)
	opts.WorkflowIDConflictPolicy = enumspb.WORKFLOW_ID_CONFLICT_POLICY_FAIL
	// Without it the SDK hands back the existing run as if it had just
	// started, and a duplicate could not be told from a start.
	opts.WorkflowExecutionErrorWhenAlreadyStarted = true
	run, err := c.ExecuteWorkflow(ctx, opts, PaymentWorkflowName, in)
	if err == nil {
		return Started, run, nil
	}
	var already *serviceerror.WorkflowExecutionAlreadyStarted
	if !errors.As(err, &already) {
		return "", nil, fmt.Errorf("start workflow %s: %w", id, err)
	}
	desc, err := c.DescribeWorkflowExecution(ctx, id, "")
	if err != nil {
		return "", nil, fmt.Errorf("describe workflow %s: %w", id, err)
	}
	info := desc.GetWorkflowExecutionInfo()
	existing := c.GetWorkflow(ctx, id, info.GetExecution().GetRunId())
	if info.GetStatus() == enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING {
		return AlreadyRunning, existing, nil
	}
	status, _ := KeywordAttribute(info.GetSearchAttributes().GetIndexedFields(), PaymentStatusKey.GetName())
	if !restartable[Status(status)] {
		return AlreadyDone, existing, nil
	}
	opts.WorkflowIDReusePolicy = enumspb.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE
	run, err = c.ExecuteWorkflow(ctx, opts, PaymentWorkflowName, in)
	if errors.As(err, &already) {
		// Another start won the race; it is running now.
		return AlreadyRunning, c.GetWorkflow(ctx, id, ""), nil
	}
	if err != nil {
		return "", nil, fmt.Errorf("restart workflow %s: %w", id, err)
	}
	return Started, run, nil
}

// KeywordAttribute decodes one keyword search attribute from a describe or
// list response.
func KeywordAttribute(fields map[string]*commonpb.Payload, name string) (string, bool) {
	p, ok := fields[name]
	if !ok || p == nil {
		return "", false
	}
	var v string
	if err := converter.GetDefaultDataConverter().FromPayload(p, &v); err != nil {
		return "", false
	}
	return v, true
}

// LateCreditNoteOutcome says what NotifyLateCreditNote did.
type LateCreditNoteOutcome string

// Possible outcomes of NotifyLateCreditNote.
const (
	LateCreditNoteNoPayment   LateCreditNoteOutcome = "no_payment"   // the order never had an Afterpay payment
	LateCreditNotePaymentOpen LateCreditNoteOutcome = "payment_open" // the payment runs: signal it instead
	LateCreditNoteNothingHeld LateCreditNoteOutcome = "nothing_held" // the payment ended without money held at Afterpay
	LateCreditNoteNotified    LateCreditNoteOutcome = "notified"     // the merchant is told on the order (once)
)

// NotifyLateCreditNote handles a credit note posted after the order's
// payment workflow ended. If the payment ended holding money (its refund
// window closed), a LateCreditNote workflow, one per credit note, tells the
// merchant on the order that nothing was refunded at Afterpay.
func NotifyLateCreditNote(ctx context.Context, c client.Client, taskQueue, database, orderName string, creditNoteID int64, creditNoteName string) (LateCreditNoteOutcome, error) {
	id := PaymentWorkflowID(database, orderName)
	desc, err := c.DescribeWorkflowExecution(ctx, id, "")
	var notFound *serviceerror.NotFound
	if errors.As(err, &notFound) {
		return LateCreditNoteNoPayment, nil
	}
	if err != nil {
		return "", fmt.Errorf("describe workflow %s: %w", id, err)
	}
	info := desc.GetWorkflowExecutionInfo()
	if info.GetStatus() == enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING {
		return LateCreditNotePaymentOpen, nil
	}
	status, _ := KeywordAttribute(info.GetSearchAttributes().GetIndexedFields(), PaymentStatusKey.GetName())
	if Status(status) != StatusCompleted && Status(status) != StatusResolved {
		return LateCreditNoteNothingHeld, nil
	}
	opts := client.StartWorkflowOptions{
		ID: LateCreditNoteWorkflowID(database, creditNoteID), TaskQueue: taskQueue,
		WorkflowIDReusePolicy:                    enumspb.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE,
		WorkflowIDConflictPolicy:                 enumspb.WORKFLOW_ID_CONFLICT_POLICY_FAIL,
		WorkflowExecutionErrorWhenAlreadyStarted: true,
		TypedSearchAttributes:                    temporal.NewSearchAttributes(OdooOrderRefKey.ValueSet(orderName)),
		StaticSummary:                            "Credit note " + creditNoteName + " of Odoo order " + orderName + " came after its Afterpay payment ended",
	}
	_, err = c.ExecuteWorkflow(ctx, opts, LateCreditNoteWorkflowName, LateCreditNoteInput{
		OrderName: orderName, CreditNoteID: creditNoteID, CreditNoteName: creditNoteName,
		PaymentStatus: Status(status), PaymentEnded: info.GetCloseTime().AsTime(),
	})
	var already *serviceerror.WorkflowExecutionAlreadyStarted
	if err != nil && !errors.As(err, &already) {
		return "", fmt.Errorf("start workflow %s: %w", opts.ID, err)
	}
	return LateCreditNoteNotified, nil
}
