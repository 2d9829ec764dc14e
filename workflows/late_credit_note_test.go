package workflows

import (
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/testsuite"

	"github.com/odoo-afterpay/bridge/activities"
)

func TestALateCreditNoteIsToldOnTheOrderWithAnActivity(t *testing.T) {
	var suite testsuite.WorkflowTestSuite
	env := suite.NewTestWorkflowEnvironment()
	env.RegisterActivity(&activities.Activities{})
	env.OnActivity(act.ReadOrderState, mock.Anything, activities.ReadOrderInput{Name: "S00042"}).
		Return(&activities.OrderState{ID: 42, Name: "S00042"}, nil).Once()
	var note activities.NoteInput
	env.OnActivity(act.PostOrderNote, mock.Anything, mock.Anything).Run(func(args mock.Arguments) {
		note = args.Get(1).(activities.NoteInput)
	}).Return(nil).Once()
	var todo activities.OrderActivityInput
	env.OnActivity(act.ScheduleOrderActivity, mock.Anything, mock.Anything).Run(func(args mock.Arguments) {
		todo = args.Get(1).(activities.OrderActivityInput)
	}).Return(nil).Once()
	env.ExecuteWorkflow(LateCreditNote, LateCreditNoteInput{
		OrderName: "S00042", CreditNoteID: 9, CreditNoteName: "RINV/2026/00031",
		PaymentStatus: StatusCompleted, PaymentEnded: time.Date(2026, 4, 1, 10, 0, 0, 0, time.UTC),
	})
	require.True(t, env.IsWorkflowCompleted())
	require.NoError(t, env.GetWorkflowError())
	require.Equal(t, int64(42), note.OrderID)
	require.Contains(t, note.Body, "Credit note RINV/2026/00031 was not refunded at Afterpay: the Afterpay payment of this order ended on 2026-04-01 (completed)")
	require.Contains(t, note.Body, "register that payment on the credit note")
	require.NotEmpty(t, note.Marker, "posted once")
	require.Equal(t, "Afterpay did not refund credit note RINV/2026/00031", todo.Summary)
	require.Equal(t, int64(42), todo.OrderID)
}

func TestALateCreditNoteNeedsItsOrderAndCreditNote(t *testing.T) {
	var suite testsuite.WorkflowTestSuite
	env := suite.NewTestWorkflowEnvironment()
	env.ExecuteWorkflow(LateCreditNote, LateCreditNoteInput{OrderName: "S00042"})
	require.ErrorContains(t, env.GetWorkflowError(), "needs the order's name and the credit note's id")
}
