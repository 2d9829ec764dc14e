package worker

import (
	"context"
	"net"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"

	"github.com/odoo-afterpay/bridge/activities"
	"github.com/odoo-afterpay/bridge/afterpay"
	"github.com/odoo-afterpay/bridge/internal/testkit"
	"github.com/odoo-afterpay/bridge/odoo"
	"github.com/odoo-afterpay/bridge/workflows"
)

// slowOdoo answers every order read only when released.
type slowOdoo struct {
	activities.OdooClient
	release chan struct{}
}

func (o *slowOdoo) ReadOrderHeader(ctx context.Context, id int64, name string) (*odoo.OrderHeader, error) {
	select {
	case <-o.release:
		return &odoo.OrderHeader{ID: id, Name: name, State: "sale"}, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

type quickAfterpay struct{ activities.AfterpayClient }

func (quickAfterpay) GetPaymentByToken(context.Context, string) (*afterpay.Payment, error) {
	return nil, &afterpay.Error{HTTPStatusCode: 404, ErrorCode: "not_found"}
}

// slowOdooThenAfterpay reads two orders from Odoo while it looks a payment
// up at Afterpay, on the queues the payment workflow uses, and returns once
// Afterpay has answered.
func slowOdooThenAfterpay(ctx workflow.Context) (bool, error) {
	tq := workflow.GetInfo(ctx).TaskQueueName
	odooCtx := workflow.WithActivityOptions(ctx, workflow.ActivityOptions{TaskQueue: workflows.OdooTaskQueue(tq), StartToCloseTimeout: time.Minute})
	apCtx := workflow.WithActivityOptions(ctx, workflow.ActivityOptions{TaskQueue: workflows.AfterpayTaskQueue(tq), StartToCloseTimeout: time.Minute})
	var a *activities.Activities
	for i := range 2 {
		workflow.ExecuteActivity(odooCtx, a.ReadOrderState, activities.ReadOrderInput{ID: int64(i + 1), Name: "S0000" + string(rune('1'+i))})
	}
	var found activities.PaymentLookup
	err := workflow.ExecuteActivity(apCtx, a.LookupPayment, "002.token").Get(ctx, &found)
	return found.Found, err
}

func TestASlowOdooDoesNotHoldUpAfterpayCalls(t *testing.T) {
	ctx := context.Background()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	require.NoError(t, ln.Close())
	dev, err := testsuite.StartDevServer(ctx, testsuite.DevServerOptions{
		ExistingPath: testkit.TemporalCLI(t), ClientOptions: &client.Options{HostPort: addr}, LogLevel: "error",
	})
	require.NoError(t, err)
	t.Cleanup(func() { _ = dev.Stop() })

	odooCalls := &slowOdoo{release: make(chan struct{})}
	w := New(dev.Client(), "split-test", &activities.Activities{Odoo: odooCalls, Afterpay: quickAfterpay{}},
		Options{OdooConcurrency: 1, OdooPerSecond: 5, AfterpayPerSecond: 5})
	w.all[0].RegisterWorkflow(slowOdooThenAfterpay)
	require.NoError(t, w.Start())
	t.Cleanup(func() {
		close(odooCalls.release)
		w.Stop()
	})

	run, err := dev.Client().ExecuteWorkflow(ctx, client.StartWorkflowOptions{TaskQueue: "split-test", WorkflowExecutionTimeout: time.Minute}, slowOdooThenAfterpay)
	require.NoError(t, err)
	wctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	var found bool
	require.NoError(t, run.Get(wctx, &found), "Afterpay answered while every Odoo call was stuck")
	require.False(t, found)

	for _, queue := range []string{"split-test", workflows.AfterpayTaskQueue("split-test"), workflows.OdooTaskQueue("split-test")} {
		desc, err := dev.Client().DescribeTaskQueue(ctx, queue, enumspb.TASK_QUEUE_TYPE_ACTIVITY)
		require.NoError(t, err)
		require.NotEmpty(t, desc.GetPollers(), "a worker polls %s for activities", queue)
	}
}
