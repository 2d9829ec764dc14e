package workflows

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"

	"github.com/odoo-afterpay/bridge/activities"
	"github.com/odoo-afterpay/bridge/money"
)

// reconcileWorld is Afterpay, Odoo and Temporal as the reconciliation's
// activities see them; it remembers what a run changed (payment workflows
// started, activities scheduled), so that a second run meets it.
type reconcileWorld struct {
	t *testing.T
	// Afterpay's payments: those of the period, and older ones Odoo names.
	period, older []activities.AfterpayPaymentSeen
	// Odoo: of the period, and what a read by Afterpay order adds.
	odoo, odooOlder activities.OdooAfterpay
	workflows       map[string]activities.PaymentWorkflowSeen
	// activities are finance's open activities, by order and summary.
	activities map[string]activities.OrderActivityInput
	// asked records the inputs, for the tests to check.
	afterpayAsked []activities.AfterpayPaymentsInput
	odooAsked     []activities.OdooAfterpayInput
	starts        []activities.StartPaymentInput
	// queues are the activities' task queues.
	queues map[string]string
}

func paymentOf(id, order string, captured, refunded int64, refunds ...string) activities.AfterpayPaymentSeen {
	return activities.AfterpayPaymentSeen{OrderID: id, MerchantReference: order, Status: "APPROVED", State: "CAPTURED",
		Amount: usd(captured), Captured: usd(captured), Refunded: usd(refunded), Net: usd(captured - refunded), RefundIDs: refunds}
}

func inbound(id int64, afterpayOrder string, minor int64) activities.OdooPaymentSeen {
	return activities.OdooPaymentSeen{ID: id, Inbound: true, Amount: usd(minor), AfterpayOrderID: afterpayOrder, Recognised: true}
}

func outbound(id int64, afterpayOrder, refund string, minor int64) activities.OdooPaymentSeen {
	return activities.OdooPaymentSeen{ID: id, Amount: usd(minor), AfterpayOrderID: afterpayOrder, RefundID: refund, Recognised: true}
}

func confirmed(id int64, name, afterpayOrder string, at time.Time) activities.OdooOrderSeen {
	return activities.OdooOrderSeen{ID: id, Name: name, State: "sale", Afterpay: true, AfterpayOrderID: afterpayOrder, Total: usd(10000), Confirmed: at}
}

var reconcileStart = time.Date(2026, 3, 10, 3, 0, 0, 0, time.UTC)

// newReconcileWorld is a shop's last three days:
//   - S00001: confirmed, no transaction, no workflow: its webhook was lost;
//   - S00002: paid 110.00, refunded 20.00, and Odoo agrees;
//   - S00003: Afterpay holds 50.00, Odoo's journal shows 45.00;
//   - S00004: Afterpay holds 30.00, Odoo shows nothing;
//   - S00005: being recorded right now (in flight);
//   - S00006: Odoo shows 25.00 for an Afterpay order Afterpay does not have;
//   - S00007: confirmed, a transaction, no workflow (its history expired);
//   - S00008: its workflow gave up before the order read as confirmed;
//   - S00009: an older order, paid 40.00, refunded 10.00 in the period;
//   - a payment of 15.00 typed by hand in the Afterpay journal.
func newReconcileWorld(t *testing.T) *reconcileWorld {
	day := reconcileStart.Add(-24 * time.Hour)
	w := &reconcileWorld{t: t, activities: map[string]activities.OrderActivityInput{}, queues: map[string]string{}}
	w.period = []activities.AfterpayPaymentSeen{
		paymentOf("300002", "S00002", 11000, 2000, "R2"),
		paymentOf("300003", "S00003", 5000, 0),
		paymentOf("300004", "S00004", 3000, 0),
		paymentOf("300005", "S00005", 7000, 0),
		{OrderID: "300010", MerchantReference: "S00010", Status: "DECLINED", Amount: usd(9000)},
	}
	w.older = []activities.AfterpayPaymentSeen{paymentOf("300009", "S00009", 4000, 1000, "R9")}
	w.odoo = activities.OdooAfterpay{
		Orders: []activities.OdooOrderSeen{
			confirmed(1, "S00001", "", day), confirmed(2, "S00002", "300002", day), confirmed(3, "S00003", "300003", day),
			confirmed(4, "S00004", "300004", day), confirmed(5, "S00005", "", day), confirmed(6, "S00006", "300999", day),
			confirmed(7, "S00007", "", day), confirmed(8, "S00008", "", day),
		},
		Transactions: []activities.OdooTransactionSeen{
			{ID: 72, OrderIDs: []int64{2}, State: "done", AfterpayOrderID: "300002", Amount: usd(11000)},
			{ID: 77, OrderIDs: []int64{7}, State: "pending", Amount: usd(10000)},
		},
		Payments: []activities.OdooPaymentSeen{
			inbound(902, "300002", 11000), outbound(903, "300002", "R2", 2000),
			inbound(904, "300003", 4500),
			inbound(906, "300999", 2500),
			outbound(909, "300009", "R9", 1000),
			{ID: 915, Inbound: true, Amount: usd(1500)},
		},
	}
	w.odooOlder = activities.OdooAfterpay{
		Orders:   []activities.OdooOrderSeen{confirmed(9, "S00009", "300009", day.Add(-30*24*time.Hour))},
		Payments: []activities.OdooPaymentSeen{inbound(908, "300009", 4000), outbound(909, "300009", "R9", 1000)},
	}
	w.workflows = map[string]activities.PaymentWorkflowSeen{
		"S00002": {Found: true, Running: true, Status: string(StatusCompleted)},
		"S00003": {Found: true, Running: true, Status: string(StatusCompleted)},
		"S00004": {Found: true, Running: true, Status: string(StatusCompleted)},
		"S00005": {Found: true, Running: true, Status: string(StatusRecording)},
		"S00006": {Found: true, Running: true, Status: string(StatusCompleted)},
		"S00008": {Found: true, Status: string(StatusOrderNotConfirmed)},
		"S00009": {Found: true, Running: true, Status: string(StatusCompleted)},
	}
	return w
}

// run runs the reconciliation once against the world.
func (w *reconcileWorld) run(in ReconcileInput) *ReconciliationReport {
	w.t.Helper()
	var suite testsuite.WorkflowTestSuite
	env := suite.NewTestWorkflowEnvironment()
	env.SetStartTime(reconcileStart)
	env.RegisterWorkflowWithOptions(Reconciliation, workflow.RegisterOptions{Name: ReconciliationWorkflowName})
	env.RegisterActivity(&activities.Activities{})
	env.RegisterActivity(&activities.PaymentWorkflows{})
	env.SetOnActivityStartedListener(func(info *activity.Info, _ context.Context, _ converter.EncodedValues) {
		w.queues[info.ActivityType.Name] = info.TaskQueue
	})
	env.OnActivity(act.ListAfterpayPayments, mock.Anything, mock.Anything).Return(func(_ context.Context, in activities.AfterpayPaymentsInput) (*activities.AfterpayPayments, error) {
		w.afterpayAsked = append(w.afterpayAsked, in)
		if len(in.IDs) == 0 {
			return &activities.AfterpayPayments{Payments: w.period}, nil
		}
		out := &activities.AfterpayPayments{Payments: []activities.AfterpayPaymentSeen{}}
		for _, id := range in.IDs {
			i := slices.IndexFunc(w.older, func(p activities.AfterpayPaymentSeen) bool { return p.OrderID == id })
			if i < 0 {
				out.Unknown = append(out.Unknown, id)
				continue
			}
			out.Payments = append(out.Payments, w.older[i])
		}
		return out, nil
	})
	env.OnActivity(act.ReadOdooAfterpay, mock.Anything, mock.Anything).Return(func(_ context.Context, in activities.OdooAfterpayInput) (*activities.OdooAfterpay, error) {
		w.odooAsked = append(w.odooAsked, in)
		if in.To.IsZero() {
			return &w.odooOlder, nil
		}
		return &w.odoo, nil
	})
	env.OnActivity(paymentWorkflows.DescribePayments, mock.Anything, mock.Anything).Return(func(_ context.Context, in activities.DescribePaymentsInput) ([]activities.PaymentWorkflowSeen, error) {
		require.Equal(w.t, "PaymentStatus", in.StatusAttribute)
		var out []activities.PaymentWorkflowSeen
		for _, ref := range in.Workflows {
			require.Equal(w.t, PaymentWorkflowID("shop", ref.OrderName), ref.WorkflowID)
			seen := w.workflows[ref.OrderName]
			seen.OrderName, seen.WorkflowID = ref.OrderName, ref.WorkflowID
			out = append(out, seen)
		}
		return out, nil
	}).Maybe()
	env.OnActivity(paymentWorkflows.StartMissingPayment, mock.Anything, mock.Anything).Return(func(_ context.Context, in activities.StartPaymentInput) (*activities.PaymentStarted, error) {
		w.starts = append(w.starts, in)
		outcome := Started
		if seen := w.workflows[in.OrderName]; seen.Running {
			outcome = AlreadyRunning
		}
		w.workflows[in.OrderName] = activities.PaymentWorkflowSeen{Found: true, Running: true, Status: string(StatusAwaitingOrder)}
		return &activities.PaymentStarted{OrderName: in.OrderName, Outcome: string(outcome)}, nil
	}).Maybe()
	env.OnActivity(act.ScheduleOrderActivity, mock.Anything, mock.Anything).Return(func(_ context.Context, in activities.OrderActivityInput) error {
		key := fmt.Sprintf("%d:%s", in.OrderID, in.Summary)
		if _, open := w.activities[key]; !open {
			w.activities[key] = in
		}
		return nil
	}).Maybe()
	env.ExecuteWorkflow(ReconciliationWorkflowName, in)
	require.True(w.t, env.IsWorkflowCompleted())
	require.NoError(w.t, env.GetWorkflowError())
	var rep ReconciliationReport
	require.NoError(w.t, env.GetWorkflowResult(&rep))
	env.AssertExpectations(w.t)
	return &rep
}

func reconcileInput() ReconcileInput {
	return ReconcileInput{Database: "shop", ReturnURL: "http://shop.test/afterpay/return", ConfirmationTimeout: 5 * time.Minute, CaptureMode: "immediate"}
}

func driftOf(rep *ReconciliationReport, afterpayOrder string) *Drift {
	for i := range rep.Drift {
		if rep.Drift[i].AfterpayOrderID == afterpayOrder {
			return &rep.Drift[i]
		}
	}
	return nil
}

func TestReconciliationStartsMissingPaymentsReportsDriftAndTellsFinanceOnce(t *testing.T) {
	w := newReconcileWorld(t)
	rep := w.run(reconcileInput())

	// The period: the three days up to the run, on both sides.
	require.Equal(t, reconcileStart, rep.To)
	require.Equal(t, reconcileStart.Add(-72*time.Hour), rep.From)
	require.Equal(t, activities.AfterpayPaymentsInput{From: rep.From, To: rep.To}, w.afterpayAsked[0])
	require.Equal(t, rep.From, w.odooAsked[0].From)
	require.Equal(t, []string{"S00002", "S00003", "S00004", "S00005"}, w.odooAsked[0].OrderNames, "the approved payments' orders, not the declined one's")
	require.Equal(t, []string{"R2"}, w.odooAsked[0].RefundIDs)
	// Odoo names two Afterpay orders Afterpay's period lacks: one older,
	// one unknown; the older one's payments are read from Odoo.
	require.Equal(t, []string{"300999", "300009"}, w.afterpayAsked[1].IDs)
	require.Equal(t, activities.OdooAfterpayInput{OrderNames: []string{"S00009"}, AfterpayOrderIDs: []string{"300009"}, RefundIDs: []string{"R9"}}, w.odooAsked[1])

	// The lost webhook's order is started, and so is the order whose
	// workflow gave up waiting; the order with an earlier transaction is
	// left to a person.
	require.Equal(t, []StartedPayment{{OrderName: "S00001", OrderID: 1, Outcome: Started}, {OrderName: "S00008", OrderID: 8, Outcome: Started}}, rep.Started)
	require.Equal(t, activities.StartPaymentInput{Database: "shop", OrderName: "S00001", OrderID: 1, ReturnURL: "http://shop.test/afterpay/return",
		ConfirmationTimeout: 5 * time.Minute, CaptureMode: "immediate"}, w.starts[0])
	require.Len(t, rep.Unstarted, 1)
	require.Equal(t, "S00007", rep.Unstarted[0].OrderName)
	require.Contains(t, rep.Unstarted[0].Reason, "starter start -order S00007")

	// The drift, with both amounts.
	require.Len(t, rep.Drift, 4, "%+v", rep.Drift)
	differ := driftOf(rep, "300003")
	require.Equal(t, DriftAmountsDiffer, differ.Kind)
	require.Equal(t, usd(5000), differ.Afterpay)
	require.Equal(t, usd(4500), differ.Odoo)
	require.Equal(t, "S00003", differ.OrderName)
	require.Equal(t, []int64{904}, differ.PaymentIDs)
	require.Equal(t, "Afterpay holds 50.00 USD of Afterpay order 300003 (order S00003) (captured 50.00 USD, refunded 0.00 USD); "+
		"Odoo's Afterpay journal shows 45.00 USD (received 45.00 USD, paid back 0.00 USD).", differ.Detail)
	notInOdoo := driftOf(rep, "300004")
	require.Equal(t, DriftCapturedNotInOdoo, notInOdoo.Kind)
	require.Equal(t, usd(3000), notInOdoo.Afterpay)
	require.Zero(t, notInOdoo.Odoo.Minor)
	notAtAfterpay := driftOf(rep, "300999")
	require.Equal(t, DriftNotAtAfterpay, notAtAfterpay.Kind)
	require.Equal(t, "S00006", notAtAfterpay.OrderName)
	require.Equal(t, usd(2500), notAtAfterpay.Odoo)
	require.Contains(t, notAtAfterpay.Detail, "Afterpay has no such order")
	byHand := driftOf(rep, "")
	require.Equal(t, DriftNotAtAfterpay, byHand.Kind)
	require.Equal(t, []int64{915}, byHand.PaymentIDs)
	require.Contains(t, byHand.Detail, "names no Afterpay order")
	require.Nil(t, driftOf(rep, "300005"), "a payment being recorded is left alone")
	require.Nil(t, driftOf(rep, "300002"), "a refunded payment Odoo agrees with")
	require.Nil(t, driftOf(rep, "300009"), "the older order refunded in the period agrees")

	// Finance has one activity on each order that differs.
	require.Len(t, w.activities, 3)
	ask := w.activities["3:Afterpay reconciliation: Afterpay order 300003: Afterpay 50.00 USD, Odoo 45.00 USD"]
	require.Equal(t, int64(3), ask.OrderID)
	require.Contains(t, ask.Note, differ.Detail)
	require.Contains(t, ask.Note, "What to do")
	require.Equal(t, reconcileStart, ask.Deadline)
	require.True(t, differ.Activity && notInOdoo.Activity && notAtAfterpay.Activity)
	require.False(t, byHand.Activity, "no order to put it on")

	require.Equal(t, ReconcileCounts{AfterpayPayments: 5, OdooOrders: 8, OdooPayments: 7, Matched: 2, InFlight: 1, Started: 2, Unstarted: 1,
		CapturedNotInOdoo: 1, NotAtAfterpay: 2, AmountsDiffer: 1, Activities: 3}, rep.Counts)
	require.Equal(t, 4, rep.Counts.Drift())
	require.Equal(t, 2, rep.Counts.Map()["started"])
	require.Len(t, rep.Counts.Map(), 11)
	const queue = "default-test-taskqueue"
	require.Equal(t, map[string]string{
		"ListAfterpayPayments": AfterpayTaskQueue(queue), "ReadOdooAfterpay": OdooTaskQueue(queue), "ScheduleOrderActivity": OdooTaskQueue(queue),
		"DescribePayments": queue, "StartMissingPayment": queue,
	}, w.queues, "Afterpay's and Odoo's calls on their own queues; Temporal's on the workflow's")

	// Again: nothing more is started, and finance's activities are the
	// same ones.
	again := w.run(reconcileInput())
	require.Empty(t, again.Started, "the payments started by the first run are running")
	require.Len(t, w.starts, 2)
	require.Len(t, w.activities, 3, "no second activity")
	require.Equal(t, rep.Drift, again.Drift)
	want := rep.Counts
	want.Started = 0
	require.Equal(t, want, again.Counts)
	require.Equal(t, rep.Unstarted, again.Unstarted)
}

func TestReconciliationOfAGivenPeriod(t *testing.T) {
	w := newReconcileWorld(t)
	w.period, w.odoo = nil, activities.OdooAfterpay{}
	from, to := time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 2, 3, 0, 0, 0, 0, time.UTC)
	in := reconcileInput()
	in.From, in.To = from, to
	rep := w.run(in)
	require.Equal(t, from, rep.From)
	require.Equal(t, to, rep.To)
	require.Equal(t, activities.AfterpayPaymentsInput{From: from, To: to}, w.afterpayAsked[0])
	require.Len(t, w.afterpayAsked, 1, "Odoo names nothing more")
	require.Equal(t, ReconcileCounts{}, rep.Counts)
	require.Empty(t, rep.Drift)

	in = reconcileInput()
	in.Days = 7
	rep = w.run(in)
	require.Equal(t, reconcileStart.Add(-7*24*time.Hour), rep.From)
}

func TestReconcileInputIsValidated(t *testing.T) {
	at := time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC)
	for name, change := range map[string]func(*ReconcileInput){
		"no database":      func(in *ReconcileInput) { in.Database = "" },
		"no return URL":    func(in *ReconcileInput) { in.ReturnURL = "" },
		"one end":          func(in *ReconcileInput) { in.From = at },
		"empty period":     func(in *ReconcileInput) { in.From, in.To = at, at },
		"backwards period": func(in *ReconcileInput) { in.From, in.To = at, at.Add(-time.Hour) },
		"too long":         func(in *ReconcileInput) { in.From, in.To = at, at.Add(400*24*time.Hour) },
		"negative days":    func(in *ReconcileInput) { in.Days = -1 },
	} {
		in := reconcileInput()
		change(&in)
		require.Error(t, in.Validate(), name)
	}
	require.NoError(t, reconcileInput().Validate())

	var suite testsuite.WorkflowTestSuite
	env := suite.NewTestWorkflowEnvironment()
	env.RegisterWorkflowWithOptions(Reconciliation, workflow.RegisterOptions{Name: ReconciliationWorkflowName})
	env.ExecuteWorkflow(ReconciliationWorkflowName, ReconcileInput{Database: "shop"})
	require.ErrorContains(t, env.GetWorkflowError(), "return URL is empty")
}

func TestCompareSourcesEdgeCases(t *testing.T) {
	from, to := reconcileStart.Add(-72*time.Hour), reconcileStart
	t.Run("Odoo's money for a declined payment is not at Afterpay", func(t *testing.T) {
		s := &ReconcileState{
			Afterpay: []activities.AfterpayPaymentSeen{{OrderID: "300001", MerchantReference: "S1", Status: "DECLINED", Amount: usd(5000)}},
			Odoo:     activities.OdooAfterpay{Payments: []activities.OdooPaymentSeen{inbound(1, "300001", 5000)}},
		}
		rep, _ := compareSources(s, from, to)
		require.Len(t, rep.Drift, 1)
		require.Equal(t, DriftNotAtAfterpay, rep.Drift[0].Kind)
		require.Contains(t, rep.Drift[0].Detail, "Afterpay declined it")
	})
	t.Run("a done transaction Afterpay does not know is drift, even with nothing booked", func(t *testing.T) {
		s := &ReconcileState{
			Unknown: []string{"300001"},
			Odoo: activities.OdooAfterpay{
				Orders:       []activities.OdooOrderSeen{confirmed(1, "S1", "300001", from.Add(-time.Hour))},
				Transactions: []activities.OdooTransactionSeen{{ID: 5, OrderIDs: []int64{1}, State: "done", AfterpayOrderID: "300001", Amount: usd(5000)}},
			},
		}
		rep, toStart := compareSources(s, from, to)
		require.Len(t, rep.Drift, 1)
		require.Equal(t, "S1", rep.Drift[0].OrderName)
		require.Contains(t, rep.Drift[0].Detail, "transaction for it is done")
		require.Empty(t, toStart, "confirmed before the period")
	})
	t.Run("a refund Afterpay does not have", func(t *testing.T) {
		s := &ReconcileState{Odoo: activities.OdooAfterpay{Payments: []activities.OdooPaymentSeen{outbound(1, "", "R1", 500)}}}
		rep, _ := compareSources(s, from, to)
		require.Len(t, rep.Drift, 1)
		require.Equal(t, money.Money{Minor: -500, Currency: "USD"}, rep.Drift[0].Odoo)
		require.Contains(t, rep.Drift[0].Detail, "Afterpay refund R1, which no Afterpay order has")
	})
	t.Run("amounts in another currency differ", func(t *testing.T) {
		s := &ReconcileState{
			Afterpay: []activities.AfterpayPaymentSeen{paymentOf("300001", "S1", 5000, 0)},
			Odoo:     activities.OdooAfterpay{Payments: []activities.OdooPaymentSeen{{ID: 1, Inbound: true, Amount: money.MustNew(5000, "AUD"), AfterpayOrderID: "300001", Recognised: true}}},
		}
		rep, _ := compareSources(s, from, to)
		require.Len(t, rep.Drift, 1)
		require.Equal(t, DriftAmountsDiffer, rep.Drift[0].Kind)
	})
	t.Run("an order being confirmed right now is started, one from before the period is not", func(t *testing.T) {
		s := &ReconcileState{Odoo: activities.OdooAfterpay{Orders: []activities.OdooOrderSeen{
			confirmed(1, "S1", "", to.Add(-time.Second)), confirmed(2, "S2", "", from.Add(-time.Second)),
			{ID: 3, Name: "S3", State: "sale", Confirmed: from.Add(time.Hour)}, // not an Afterpay order
			{ID: 4, Name: "S4", State: "draft", Afterpay: true, Confirmed: from.Add(time.Hour)},
		}}}
		_, toStart := compareSources(s, from, to)
		require.Len(t, toStart, 1)
		require.Equal(t, "S1", toStart[0].Name)
	})
}
