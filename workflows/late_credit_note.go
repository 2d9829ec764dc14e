package workflows

import (
	"fmt"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/odoo-afterpay/bridge/activities"
)

// LateCreditNoteWorkflowName tells the merchant that a credit note posted
// after the order's payment ended was not refunded at Afterpay: no payment
// workflow is left to do it, and Afterpay's refund window has closed.
const LateCreditNoteWorkflowName = "LateCreditNoteWorkflow"

// LateCreditNoteWorkflowID is one per credit note, so that a repeated
// webhook tells the merchant once.
func LateCreditNoteWorkflowID(database string, creditNoteID int64) string {
	return fmt.Sprintf("afterpay-late-credit-note:%s:%d", database, creditNoteID)
}

// LateCreditNoteInput names the credit note and the payment that ended.
type LateCreditNoteInput struct {
	OrderName string `json:"orderName"`
	// OrderID is a hint; the order is read by name.
	OrderID        int64  `json:"orderId,omitempty"`
	CreditNoteID   int64  `json:"creditNoteId"`
	CreditNoteName string `json:"creditNoteName,omitempty"`
	// PaymentStatus is how the payment ended, and PaymentEnded when.
	PaymentStatus Status    `json:"paymentStatus"`
	PaymentEnded  time.Time `json:"paymentEnded"`
}

// LateCreditNote puts a chatter note and an activity for finance on the
// order: the credit note was not refunded at Afterpay, and what to do.
func LateCreditNote(ctx workflow.Context, in LateCreditNoteInput) error {
	if in.OrderName == "" || in.CreditNoteID <= 0 {
		return temporal.NewNonRetryableApplicationError("a late credit note needs the order's name and the credit note's id", "InvalidInput", nil)
	}
	ctx = withOdoo(ctx)
	var order activities.OrderState
	if err := workflow.ExecuteActivity(titled(ctx, "Read order "+in.OrderName+" from Odoo"), act.ReadOrderState, activities.ReadOrderInput{ID: in.OrderID, Name: in.OrderName}).Get(ctx, &order); err != nil {
		return err
	}
	name := in.CreditNoteName
	if name == "" {
		name = fmt.Sprintf("#%d", in.CreditNoteID)
	}
	body := fmt.Sprintf("Credit note %s was not refunded at Afterpay: the Afterpay payment of this order ended on %s (%s), as it does when Afterpay's 120-day refund window closes, "+
		"and nothing refunds through Afterpay after that. What to do: pay the customer back another way (bank transfer) and register that payment on the credit note.",
		name, in.PaymentEnded.UTC().Format("2006-01-02"), in.PaymentStatus)
	marker := "[afterpay:" + workflow.GetInfo(ctx).WorkflowExecution.ID + "]"
	if err := workflow.ExecuteActivity(titled(ctx, "Note on order "+in.OrderName+": credit note "+name+" was not refunded"), act.PostOrderNote, activities.NoteInput{
		OrderID: order.ID, Body: body + " " + marker, Marker: marker,
	}).Get(ctx, nil); err != nil {
		return err
	}
	return workflow.ExecuteActivity(titled(ctx, "Odoo activity: credit note "+name+" was not refunded"), act.ScheduleOrderActivity, activities.OrderActivityInput{
		OrderID: order.ID, Summary: "Afterpay did not refund credit note " + name, Note: body, Deadline: workflow.Now(ctx),
	}).Get(ctx, nil)
}
