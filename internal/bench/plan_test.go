package bench

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/odoo-afterpay/bridge/internal/testkit"
	"github.com/odoo-afterpay/bridge/workflows"
)

var recordedPayment = filepath.Join("..", "..", "workflows", "testdata", "payment-completed.json")

func TestPlanOfTheRecordedPayment(t *testing.T) {
	p, err := LoadPlan(recordedPayment)
	require.NoError(t, err)
	assert.Equal(t, workflows.UpdateCustomerReturn, p.Update, "the customer's return is the update the driver sends")
	assert.Equal(t, Attr{Name: "PaymentStatus", Type: "Keyword", JSON: `"` + string(workflows.StatusAwaitingCustomer) + `"`}, p.WaitMarker.Attr)
	assert.Equal(t, Attr{Name: "PaymentStatus", Type: "Keyword", JSON: `"` + string(workflows.StatusCompleted) + `"`}, p.DoneMarker.Attr)
	queues := map[string]int{}
	for _, a := range p.Activities() {
		queues[a.QueueSuffix]++
		assert.Positive(t, a.StartToClose, a.Name)
	}
	assert.Positive(t, queues[workflows.OdooTaskQueue("")], "activities on the Odoo queue")
	assert.Positive(t, queues[workflows.AfterpayTaskQueue("")], "activities on the Afterpay queue")
	for _, name := range p.Signals {
		senders := 0
		for _, a := range p.Activities() {
			if a.Signal == name {
				senders++
			}
		}
		assert.Equal(t, 1, senders, "one bare activity sends signal %s", name)
	}
}

func TestPlanNeedsTheCustomersReturn(t *testing.T) {
	h, err := LoadHistory(recordedPayment)
	require.NoError(t, err)
	events := h.GetEvents()
	for i, ev := range events {
		if ev.GetWorkflowExecutionUpdateAcceptedEventAttributes() != nil {
			events = events[:i]
			break
		}
	}
	_, err = NewPlan(events)
	require.ErrorContains(t, err, "no accepted update")
}

// The bare workflow, on a real dev server, issues the recorded payment's
// commands in the recorded order.
func TestBareWorkflowHasTheRecordedShape(t *testing.T) {
	ctx := context.Background()
	h, err := LoadHistory(recordedPayment)
	require.NoError(t, err)
	p, err := NewPlan(h.GetEvents())
	require.NoError(t, err)
	b, err := startTemporal(ctx, Options{TemporalCLI: testkit.TemporalCLI(t)}, t.TempDir())
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, b.close()) })
	b.plan = p
	w := NewBareWorkers(b.tc, p, bareQueue, nil)
	require.NoError(t, w.Start())
	t.Cleanup(w.Stop)
	start, err := attrUpdates(p.StartAttrs)
	require.NoError(t, err)
	s := &bareStack{base: b, queue: bareQueue, run: "test", start: start}
	jobs, err := s.prepare(ctx, 1)
	require.NoError(t, err)
	_, err = payAll(ctx, s, jobs, 1)
	require.NoError(t, err)
	events, err := history(ctx, b.tc, s.workflowID(jobs[0]))
	require.NoError(t, err)
	recorded := Shape(h.GetEvents(), p.DoneMarker)
	require.Equal(t, recorded, Shape(events, p.DoneMarker))
	require.Greater(t, len(recorded), 10)
}
