package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/mocks"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/odoo-afterpay/bridge/codec"
	"github.com/odoo-afterpay/bridge/config"
	"github.com/odoo-afterpay/bridge/internal/app"
	"github.com/odoo-afterpay/bridge/internal/testkit"
	"github.com/odoo-afterpay/bridge/money"
	"github.com/odoo-afterpay/bridge/workflows"
)

// fakeTemporal makes run dial c instead of Temporal.
func fakeTemporal(t *testing.T, c client.Client) {
	t.Helper()
	old := dialTemporal
	dialTemporal = func(context.Context, config.Config, *slog.Logger) (client.Client, error) { return c, nil }
	t.Cleanup(func() { dialTemporal = old })
}

// noTemporal fails the test if run dials Temporal.
func noTemporal(t *testing.T) {
	t.Helper()
	old := dialTemporal
	dialTemporal = func(context.Context, config.Config, *slog.Logger) (client.Client, error) {
		t.Error("Temporal dialled")
		return nil, errors.New("no Temporal in this test")
	}
	t.Cleanup(func() { dialTemporal = old })
}

func runStarter(args ...string) (string, error) {
	var out bytes.Buffer
	err := run(context.Background(), args[0], args[1:], &out)
	return out.String(), err
}

// Every mistake in an operator command is a usage error (exit status 2,
// the usage text), found before the configuration is read or Temporal
// dialled: the environment here is empty, so reading it would fail.
func TestOperatorCommandUsageErrors(t *testing.T) {
	for _, v := range config.Variables() {
		t.Setenv(v.Name, "")
	}
	noTemporal(t)
	for _, args := range [][]string{
		{"retry"},
		{"resolve", "-note", "refunded by phone"},
		{"refund", "-amount", "5"},
		{"void"},
		{"resolve", "-order", "S00042"},
		{"resolve", "-order", "S00042", "-note", "   "},
		{"resolve", "-order", "S00042", "-note", "refunded", "by", "phone"}, // an unquoted note
		{"retry", "-order", "S00042", "-note", "why"},
		{"retry", "-order", "S00042", "-amount", "5"},
		{"resolve", "-order", "S00042", "-note", "done", "-amount", "5"},
		{"refund", "-order", "S00042", "-amount", "12.505"},
		{"refund", "-order", "S00042", "-amount", "12,50"},
		{"refund", "-order", "S00042", "-amount", "1,250.00"},
		{"refund", "-order", "S00042", "-amount", "-5"},
		{"refund", "-order", "S00042", "-amount", "0"},
		{"refund", "-order", "S00042", "-amount", "0.00"},
		{"refund", "-order", "S00042", "-amount", "1e3"},
		{"refund", "-order", "S00042", "-amount", "12.50 USD"},
		{"refund", "-order", "S00042", "-amount", "$12.50"},
		{"refund", "-order", "S00042", "-amount", "."},
		{"refund", "-order", "S00042", "-amount", "12."},
		{"void", "-order", "S00042", "-amount", "abc"},
		{"void", "-order", "S00042", "-amount", "0.001"},
		{"refund", "-order", "S00042", "-force"},
	} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			out, err := runStarter(args...)
			var usage usageError
			require.True(t, errors.As(err, &usage), "want a usage error, got %v", err)
			require.Empty(t, out)
		})
	}
}

// What the flags make of an action: the amount written with two decimals,
// the note trimmed, -by defaulting to $USER.
func TestOperatorActionFromFlags(t *testing.T) {
	t.Setenv("USER", "alice")
	for _, tt := range []struct {
		args []string
		want workflows.OperatorAction
	}{
		{[]string{"retry", "-order", "S00042"}, workflows.OperatorAction{Action: workflows.ActionRetry, By: "alice"}},
		{[]string{"retry", "-order", "S00042", "-by", "bob"}, workflows.OperatorAction{Action: workflows.ActionRetry, By: "bob"}},
		{[]string{"resolve", "-order", "S00042", "-note", " booked by hand in Odoo "},
			workflows.OperatorAction{Action: workflows.ActionResolve, Note: "booked by hand in Odoo", By: "alice"}},
		{[]string{"refund", "-order", "S00042"}, workflows.OperatorAction{Action: workflows.ActionRefund, By: "alice"}},
		{[]string{"refund", "-order", "S00042", "-amount", "12.5", "-note", "damaged", "-by", "carol"},
			workflows.OperatorAction{Action: workflows.ActionRefund, Amount: "12.50", Note: "damaged", By: "carol"}},
		{[]string{"void", "-order", "S00042", "-amount", "7"}, workflows.OperatorAction{Action: workflows.ActionVoid, Amount: "7.00", By: "alice"}},
		{[]string{"void", "-order", "S00042", "-amount", "0.01"}, workflows.OperatorAction{Action: workflows.ActionVoid, Amount: "0.01", By: "alice"}},
	} {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			setEnv(t, "http://127.0.0.1:1", "shop", "http://127.0.0.1:8080")
			t.Setenv("USER", "alice")
			tc := mocks.NewClient(t)
			fakeTemporal(t, tc)
			tc.On("UpdateWorkflow", mock.Anything, client.UpdateWorkflowOptions{
				WorkflowID: "afterpay-payment:shop:S00042", UpdateName: workflows.UpdateOperatorAction,
				Args: []any{tt.want}, WaitForStage: client.WorkflowUpdateStageCompleted,
			}).Return(answered(t, "accepted"), nil).Once()
			tc.On("Close").Return().Once()
			out, err := runStarter(tt.args...)
			require.NoError(t, err)
			require.Contains(t, out, "accepted")
		})
	}
}

// answered is an update handle whose answer is answer.
func answered(t *testing.T, answer string) *mocks.WorkflowUpdateHandle {
	h := mocks.NewWorkflowUpdateHandle(t)
	h.On("Get", mock.Anything, mock.Anything).Run(func(args mock.Arguments) { *args.Get(1).(*string) = answer }).Return(nil).Once()
	return h
}

// refusedWith is an update handle carrying the validator's refusal as the
// client receives it: an error turned into a failure by the worker and back
// into an error by the client.
func refusedWith(t *testing.T, refusal error) *mocks.WorkflowUpdateHandle {
	fc := temporal.GetDefaultFailureConverter()
	h := mocks.NewWorkflowUpdateHandle(t)
	h.On("Get", mock.Anything, mock.Anything).Return(fc.FailureToError(fc.ErrorToFailure(refusal))).Once()
	return h
}

// Each command sends its action to the order's payment as the operator
// update, waits for the answer and prints it with the workflow's link.
func TestOperatorCommandsSendTheUpdate(t *testing.T) {
	setEnv(t, "http://127.0.0.1:1", "shop", "http://127.0.0.1:8080")
	t.Setenv("TEMPORAL_UI_URL", "http://ui")
	for _, tt := range []struct {
		args []string
		want workflows.OperatorAction
	}{
		{[]string{"retry", "-order", "SO/2026/0042", "-by", "dana"}, workflows.OperatorAction{Action: workflows.ActionRetry, By: "dana"}},
		{[]string{"resolve", "-order", "SO/2026/0042", "-by", "dana", "-note", "paid by bank transfer"},
			workflows.OperatorAction{Action: workflows.ActionResolve, Note: "paid by bank transfer", By: "dana"}},
		{[]string{"refund", "-order", "SO/2026/0042", "-by", "dana", "-amount", "30.00", "-note", "returned one item"},
			workflows.OperatorAction{Action: workflows.ActionRefund, Amount: "30.00", Note: "returned one item", By: "dana"}},
		{[]string{"void", "-order", "SO/2026/0042", "-by", "dana"}, workflows.OperatorAction{Action: workflows.ActionVoid, By: "dana"}},
	} {
		t.Run(tt.args[0], func(t *testing.T) {
			tc := mocks.NewClient(t)
			fakeTemporal(t, tc)
			answer := fmt.Sprintf("%s accepted; the payment was needs_attention", tt.want.Action)
			tc.On("UpdateWorkflow", mock.Anything, mock.MatchedBy(func(o client.UpdateWorkflowOptions) bool {
				return o.WorkflowID == "afterpay-payment:shop:SO/2026/0042" && o.RunID == "" && o.UpdateName == "operator" &&
					o.WaitForStage == client.WorkflowUpdateStageCompleted && len(o.Args) == 1 && o.Args[0] == tt.want
			})).Return(answered(t, answer), nil).Once()
			tc.On("Close").Return().Once()
			out, err := runStarter(tt.args...)
			require.NoError(t, err)
			require.Equal(t, answer+"\n  http://ui/namespaces/default/workflows/afterpay-payment:shop:SO%2F2026%2F0042\n", out)
		})
	}
}

// The payment's refusal is printed as "refused: <reason>" and fails the
// command, but it is no usage error and no failure to reach the payment.
func TestOperatorCommandRefused(t *testing.T) {
	const reason = "the payment does not need attention (it is completed); nothing to retry"
	for name, refusal := range map[string]error{
		"plain error": errors.New(reason),
		"typed error": temporal.NewApplicationErrorWithOptions(reason, "NothingToDo", temporal.ApplicationErrorOptions{NonRetryable: true}),
	} {
		t.Run(name, func(t *testing.T) {
			setEnv(t, "http://127.0.0.1:1", "shop", "http://127.0.0.1:8080")
			tc := mocks.NewClient(t)
			fakeTemporal(t, tc)
			tc.On("UpdateWorkflow", mock.Anything, mock.Anything).Return(refusedWith(t, refusal), nil).Once()
			tc.On("Close").Return().Once()
			out, err := runStarter("retry", "-order", "S00042", "-by", "erin")
			require.Error(t, err)
			var refused refusedError
			require.True(t, errors.As(err, &refused), "%T %v", err, err)
			require.Equal(t, "refused: "+reason, err.Error(), "the reason only, without Temporal's decorations")
			var usage usageError
			require.False(t, errors.As(err, &usage))
			require.Empty(t, out, "no answer printed")
		})
	}
}

func TestOperatorCommandWithoutARunningPayment(t *testing.T) {
	setEnv(t, "http://127.0.0.1:1", "shop", "http://127.0.0.1:8080")
	tc := mocks.NewClient(t)
	fakeTemporal(t, tc)
	tc.On("UpdateWorkflow", mock.Anything, mock.Anything).Return(nil, serviceerror.NewNotFound("workflow execution already completed")).Once()
	tc.On("Close").Return().Once()
	_, err := runStarter("refund", "-order", "S00042", "-amount", "5", "-by", "erin")
	require.ErrorContains(t, err, "no running payment workflow afterpay-payment:shop:S00042")
	var refused refusedError
	require.False(t, errors.As(err, &refused), "not a refusal")
}

func TestStatusSummary(t *testing.T) {
	view := workflows.StatusView{
		OrderName: "S00042", Phase: workflows.PhaseBooking, Status: workflows.StatusNeedsAttention,
		WaitingFor: "a person, or the retry at 2026-06-01T13:00:00Z: Odoo refused the payment",
		Amount:     "99.80 USD", Authorised: "99.80 USD", Captured: "99.80 USD", Refunded: "12.50 USD", Voided: "0.00 USD", Held: "87.30 USD",
		OpenInOdoo: "87.30 USD",
		Attention:  &workflows.Attention{Phase: workflows.PhaseBooking, Reason: "Odoo refused the payment", Todo: "Open the Afterpay journal in Odoo"},
		CreditNotes: []workflows.CreditNote{
			{ID: 91, Name: "RINV/2026/00001", Amount: money.MustNew(1250, "USD"), Outcome: workflows.CreditRefunded},
			{ID: 92, Name: "RINV/2026/00002", Amount: money.MustNew(100, "USD"), Outcome: workflows.CreditRefused},
		},
	}
	require.Equal(t, `order         S00042
status        needs_attention (phase booking)
waiting for   a person, or the retry at 2026-06-01T13:00:00Z: Odoo refused the payment
amount        99.80 USD
held          87.30 USD
captured      99.80 USD
refunded      12.50 USD
voided        0.00 USD
open in Odoo  87.30 USD
attention     Odoo refused the payment
to do         Open the Afterpay journal in Odoo
credit notes  2
`, statusSummary(view))

	// Nothing known yet: no empty rows, no attention.
	require.Equal(t, `order         S00043
status        awaiting_order_confirmation (phase awaiting_order)
waiting for   Odoo to show the order confirmed
credit notes  0
`, statusSummary(workflows.StatusView{OrderName: "S00043", Phase: workflows.PhaseAwaitingOrder,
		Status: workflows.StatusAwaitingOrder, WaitingFor: "Odoo to show the order confirmed"}))
}

// `starter status` prints the summary, then the whole state as JSON, then
// the workflow's link.
func TestStatusCommandPrintsASummaryThenTheJSON(t *testing.T) {
	setEnv(t, "http://127.0.0.1:1", "shop", "http://127.0.0.1:8080")
	tc := mocks.NewClient(t)
	fakeTemporal(t, tc)
	view := workflows.StatusView{OrderName: "S00042", Phase: workflows.PhaseAfterSale, Status: workflows.StatusCompleted,
		Captured: "45.00 USD", Refunded: "0.00 USD", Voided: "0.00 USD", Held: "45.00 USD", AfterpayOrderID: "300000016189"}
	v := &mocks.Value{}
	v.Test(t)
	v.On("Get", mock.Anything).Run(func(args mock.Arguments) { *args.Get(0).(*workflows.StatusView) = view }).Return(nil).Once()
	tc.On("QueryWorkflow", mock.Anything, "afterpay-payment:shop:S00042", "", workflows.QueryStatus).Return(v, nil).Once()
	tc.On("Close").Return().Once()
	out, err := runStarter("status", "-order", "S00042")
	require.NoError(t, err)
	summary, rest, found := strings.Cut(out, "\n\n{") // a blank line between them
	require.True(t, found, out)
	require.Equal(t, statusSummary(view), summary+"\n")
	require.Contains(t, summary, "held          45.00 USD")
	require.Contains(t, rest, `"afterpayOrderId": "300000016189"`, "the JSON is kept")
	require.True(t, strings.HasSuffix(out, "}\n  http://localhost:8233/namespaces/default/workflows/afterpay-payment:shop:S00042\n"), out)
}

// Against a real Temporal dev server, with a stand-in for the payment that
// answers the operator update as the payment does: an accepted action's
// answer is printed, a validator's refusal becomes "refused: <reason>", and
// an ended payment is no refusal.
func TestOperatorCommandsAgainstTemporal(t *testing.T) {
	if testing.Short() {
		t.Skip("starts the Temporal dev server")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	require.NoError(t, ln.Close())
	dev, err := testsuite.StartDevServer(ctx, testsuite.DevServerOptions{
		ExistingPath:  testkit.TemporalCLI(t),
		ClientOptions: &client.Options{HostPort: addr},
		LogLevel:      "error",
	})
	require.NoError(t, err)
	t.Cleanup(func() { _ = dev.Stop() })

	setEnv(t, "http://127.0.0.1:1", "shop", "http://127.0.0.1:8080")
	t.Setenv("TEMPORAL_ADDRESS", dev.FrontendHostPort())
	// The stand-in's worker dials as the product's worker does: the
	// operator's actions reach it encrypted.
	cfg, err := config.FromEnv()
	require.NoError(t, err)
	tc, err := app.DialTemporal(ctx, cfg, slog.New(slog.DiscardHandler))
	require.NoError(t, err)
	t.Cleanup(tc.Close)
	w := worker.New(tc, "operator-test", worker.Options{})
	w.RegisterWorkflowWithOptions(standInPayment, workflow.RegisterOptions{Name: "stand-in-payment"})
	require.NoError(t, w.Start())
	t.Cleanup(w.Stop)

	wid := workflows.PaymentWorkflowID("shop", "S00042")
	payment, err := tc.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: wid, TaskQueue: "operator-test"}, "stand-in-payment")
	require.NoError(t, err)

	out, err := runStarter("refund", "-order", "S00042", "-amount", "12.5", "-note", "damaged", "-by", "erin")
	require.NoError(t, err)
	require.True(t, strings.HasPrefix(out, "refund accepted: 12.50 by erin (damaged)\n"), out)
	// The action is stored encrypted: the operator's note is not in the history.
	events := tc.GetWorkflowHistory(ctx, wid, "", false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	updates := 0
	for events.HasNext() {
		ev, err := events.Next()
		require.NoError(t, err)
		if a := ev.GetWorkflowExecutionUpdateAcceptedEventAttributes(); a != nil {
			updates++
			for _, p := range a.GetAcceptedRequest().GetInput().GetArgs().GetPayloads() {
				require.True(t, codec.Encrypted(p), "update input stored in clear")
				require.NotContains(t, string(p.GetData()), "damaged")
			}
		}
	}
	require.Equal(t, 1, updates)

	_, err = runStarter("void", "-order", "S00042", "-by", "erin")
	var refused refusedError
	require.True(t, errors.As(err, &refused), "%T %v", err, err)
	require.Equal(t, "refused: nothing is authorised and not captured; nothing to void", err.Error())

	_, err = runStarter("retry", "-order", "S00042", "-by", "erin")
	require.True(t, errors.As(err, &refused), "%T %v", err, err)
	require.Equal(t, "refused: the payment does not need attention (it is completed); nothing to retry", err.Error())

	// The stand-in ends after its second accepted action.
	_, err = runStarter("resolve", "-order", "S00042", "-note", "by hand", "-by", "erin")
	require.NoError(t, err)
	require.NoError(t, payment.Get(ctx, nil))
	_, err = runStarter("retry", "-order", "S00042", "-by", "erin")
	require.ErrorContains(t, err, "no running payment workflow "+wid)
	require.False(t, errors.As(err, &refused))
}

// standInPayment answers the operator update like the payment workflow:
// its validator refuses what makes no sense, its handler answers in words.
func standInPayment(ctx workflow.Context) error {
	accepted := 0
	err := workflow.SetUpdateHandlerWithOptions(ctx, workflows.UpdateOperatorAction,
		func(ctx workflow.Context, op workflows.OperatorAction) (string, error) {
			accepted++
			return fmt.Sprintf("%s accepted: %s by %s (%s)", op.Action, op.Amount, op.By, op.Note), nil
		},
		workflow.UpdateHandlerOptions{Validator: func(op workflows.OperatorAction) error {
			switch op.Action {
			case workflows.ActionRefund, workflows.ActionResolve:
				return nil
			case workflows.ActionVoid:
				return errors.New("nothing is authorised and not captured; nothing to void")
			}
			return fmt.Errorf("the payment does not need attention (it is completed); nothing to %s", op.Action)
		}})
	if err != nil {
		return err
	}
	return workflow.Await(ctx, func() bool { return accepted == 2 && workflow.AllHandlersFinished(ctx) })
}

func TestOperatorCommandsNeedToKnowWhoSendsThem(t *testing.T) {
	setEnv(t, "http://127.0.0.1:1", "shop", "http://127.0.0.1:8080")
	t.Setenv("USER", "")
	_, err := runStarter("retry", "-order", "S00042")
	var usage usageError
	require.True(t, errors.As(err, &usage), "%T %v", err, err)
	require.ErrorContains(t, err, "retry needs -by WHO")
}
