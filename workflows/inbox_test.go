package workflows

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"
)

// TestAWaitEndedByAMessageCancelsItsTimer: a wait a message ends leaves no
// timer to fire later into the payment, as the checkout's probe did.
func TestAWaitEndedByAMessageCancelsItsTimer(t *testing.T) {
	var suite testsuite.WorkflowTestSuite
	env := suite.NewTestWorkflowEnvironment()
	fired, cancelled := 0, 0
	env.SetOnTimerFiredListener(func(string) { fired++ })
	env.SetOnTimerCanceledListener(func(string) { cancelled++ })
	waitThenSleep := func(ctx workflow.Context) (bool, error) {
		arrived := false
		ch := workflow.GetSignalChannel(ctx, "message")
		workflow.Go(ctx, func(ctx workflow.Context) { ch.Receive(ctx, nil); arrived = true })
		ok, err := awaitCancellingTimer(ctx, time.Hour, workflow.TimerOptions{Summary: "Wait for a message"}, func() bool { return arrived })
		if err != nil {
			return false, err
		}
		// Long after the wait's hour: its timer must not fire meanwhile.
		return ok, workflow.Sleep(ctx, 3*time.Hour)
	}
	env.RegisterWorkflow(waitThenSleep)
	env.RegisterDelayedCallback(func() { env.SignalWorkflow("message", nil) }, time.Minute)
	env.ExecuteWorkflow(waitThenSleep)
	require.NoError(t, env.GetWorkflowError())
	var ok bool
	require.NoError(t, env.GetWorkflowResult(&ok))
	require.True(t, ok, "the message ended the wait")
	require.Equal(t, 1, cancelled, "the wait's timer is cancelled")
	require.Equal(t, 1, fired, "only the sleep's timer fires")

	// Without a message, the wait ends when its timer fires.
	env = suite.NewTestWorkflowEnvironment()
	env.RegisterWorkflow(waitThenSleep)
	fired, cancelled = 0, 0
	env.SetOnTimerFiredListener(func(string) { fired++ })
	env.SetOnTimerCanceledListener(func(string) { cancelled++ })
	env.ExecuteWorkflow(waitThenSleep)
	require.NoError(t, env.GetWorkflowError())
	require.NoError(t, env.GetWorkflowResult(&ok))
	require.False(t, ok)
	require.Equal(t, 0, cancelled)
	require.Equal(t, 2, fired)
}
