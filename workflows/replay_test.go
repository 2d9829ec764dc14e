package workflows

import (
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"
)

// TestReplayRecordedHistories replays histories recorded on a real Temporal
// dev server (`temporal workflow show --output json`). A change to the
// workflow that would break payments already in flight fails here; guard
// such a change with workflow.GetVersion and record a new history.
func TestReplayRecordedHistories(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "*.json"))
	require.NoError(t, err)
	require.NotEmpty(t, files, "no recorded histories in testdata")
	// Histories recorded before a versioned change (workflow.GetVersion)
	// stay, so that the code paths kept for payments then in flight
	// replay too.
	older, err := filepath.Glob(filepath.Join("testdata", "before-*", "*.json"))
	require.NoError(t, err)
	require.NotEmpty(t, older, "no histories recorded before fewerCommandsChange")
	files = append(files, older...)
	// One history per end-to-end path (`make histories` records them).
	for _, path := range []string{
		"payment-completed", "payment-customer-left", "payment-declined", "payment-compensated",
		"payment-deferred-two-deliveries", "payment-invoiced-on-delivery", "payment-discount-delivery-tax", "payment-cancelled-before-capture",
		"payment-credit-notes-refunded", "payment-refunded-at-afterpay", "payment-operator-retry",
		"late-credit-note", "reconciliation-started-a-payment", "payment-started-by-reconciliation", "reconciliation-drift",
	} {
		require.FileExists(t, filepath.Join("testdata", path+".json"), "the history of an end-to-end path")
	}
	for _, file := range files {
		name, _ := filepath.Rel("testdata", file)
		t.Run(name, func(t *testing.T) {
			// The histories' payloads are encrypted with the tests' key.
			replayer, err := worker.NewWorkflowReplayerWithOptions(recordedConverters(t))
			require.NoError(t, err)
			replayer.RegisterWorkflowWithOptions((&Payment{}).Run, workflow.RegisterOptions{Name: PaymentWorkflowName})
			replayer.RegisterWorkflowWithOptions(LateCreditNote, workflow.RegisterOptions{Name: LateCreditNoteWorkflowName})
			replayer.RegisterWorkflowWithOptions(Reconciliation, workflow.RegisterOptions{Name: ReconciliationWorkflowName})
			require.NoError(t, replayer.ReplayWorkflowHistoryFromJSONFile(nil, file))
		})
	}
}
