package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"github.com/odoo-afterpay/bridge/money"
	"github.com/odoo-afterpay/bridge/workflows"
)

// operatorUsage documents the operator commands; the usage text lists them.
const operatorUsage = `  retry -order NAME                    run again now the step a payment that needs attention waits on
  resolve -order NAME -note TEXT       record that step as handled by hand (the note says how)
  refund -order NAME [-amount 12.50]   give captured money back at Afterpay and in Odoo (all held without -amount)
  void -order NAME [-amount 12.50]     release authorised, uncaptured money at Afterpay (all of it without -amount)
                                       retry, resolve, refund, void: -by WHO (default $USER) and, for refund and void,
                                       -note TEXT go on the order's chatter. A payment refuses an action that makes no
                                       sense now: the command prints "refused: <reason>" and exits with status 1.
`

// operatorWait bounds how long an operator command waits for the payment's
// answer: a worker that is down never answers.
const operatorWait = time.Minute

// isOperatorCommand reports whether cmd is one of the operator actions.
func isOperatorCommand(cmd string) bool {
	switch workflows.OperatorActionKind(cmd) {
	case workflows.ActionRetry, workflows.ActionResolve, workflows.ActionRefund, workflows.ActionVoid:
		return true
	}
	return false
}

// operatorFlags are the shared flags an operator command uses.
type operatorFlags struct {
	order, note, amount, by string
	// extra are arguments left after the flags (an unquoted note's words).
	extra []string
}

// operatorAction checks an operator command's flags and builds the action
// it sends. Every problem is a usage error, found before anything is dialled.
func operatorAction(cmd string, f operatorFlags) (workflows.OperatorAction, error) {
	kind := workflows.OperatorActionKind(cmd)
	act := workflows.OperatorAction{Action: kind, Note: strings.TrimSpace(f.note), By: strings.TrimSpace(f.by)}
	switch {
	case !isOperatorCommand(cmd):
		return act, usageError{fmt.Errorf("unknown command %q", cmd)}
	case f.order == "":
		return act, usageError{fmt.Errorf("%s needs -order", cmd)}
	case act.By == "":
		return act, usageError{fmt.Errorf("%s needs -by WHO: every operator action records who sent it ($USER is not set)", cmd)}
	case len(f.extra) > 0:
		return act, usageError{fmt.Errorf("%s: unexpected arguments %q (quote a note of several words: -note \"…\")", cmd, f.extra)}
	}
	switch kind {
	case workflows.ActionRetry:
		if act.Note != "" {
			return act, usageError{errors.New("retry takes no -note")}
		}
	case workflows.ActionResolve:
		if act.Note == "" {
			return act, usageError{errors.New("resolve needs -note saying what was done by hand")}
		}
	}
	if f.amount != "" {
		if kind != workflows.ActionRefund && kind != workflows.ActionVoid {
			return act, usageError{fmt.Errorf("%s takes no -amount", cmd)}
		}
		amount, err := parseOperatorAmount(f.amount)
		if err != nil {
			return act, usageError{err}
		}
		act.Amount = amount
	}
	return act, nil
}

// parseOperatorAmount checks -amount: a positive decimal with at most two
// places, e.g. 12.50 (in the payment's currency), and writes it with two.
func parseOperatorAmount(s string) (string, error) {
	// Every Afterpay currency has two decimals; USD only names the syntax.
	m, err := money.Parse(strings.TrimSpace(s), "USD")
	if err != nil || m.Minor <= 0 {
		return "", fmt.Errorf("-amount %q is not a positive amount with at most two decimals, e.g. 12.50", s)
	}
	return m.Amount(), nil
}

// refusedError is the payment's refusal of an operator action: its
// validator's reason. main prints it as "refused: <reason>".
type refusedError struct{ reason string }

func (e refusedError) Error() string { return "refused: " + e.reason }

// sendOperatorAction sends the action to the order's payment workflow as
// the UpdateOperatorAction update, waits for its answer and prints it.
func sendOperatorAction(ctx context.Context, c client.Client, workflowID string, act workflows.OperatorAction, out io.Writer) error {
	ctx, cancel := context.WithTimeout(ctx, operatorWait)
	defer cancel()
	var answer string
	handle, err := c.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{
		WorkflowID: workflowID, UpdateName: workflows.UpdateOperatorAction,
		Args: []any{act}, WaitForStage: client.WorkflowUpdateStageCompleted,
	})
	if err == nil {
		err = handle.Get(ctx, &answer)
	}
	var refused *temporal.ApplicationError
	var notFound *serviceerror.NotFound
	switch {
	case errors.As(err, &refused):
		// The validator's error (or the handler's) as the workflow wrote it.
		return refusedError{refused.Message()}
	case errors.As(err, &notFound):
		return fmt.Errorf("no running payment workflow %s (the order has none, or it has ended): %w", workflowID, err)
	case errors.Is(err, context.DeadlineExceeded):
		return fmt.Errorf("%s: %s did not answer within %s: is the worker running? %w", act.Action, workflowID, operatorWait, err)
	case err != nil:
		return fmt.Errorf("%s: send to %s: %w", act.Action, workflowID, err)
	}
	fmt.Fprintln(out, answer)
	return nil
}

// statusSummary is the few lines an operator reads first: where the payment
// stands, its money, and what it needs.
func statusSummary(v workflows.StatusView) string {
	var b strings.Builder
	w := tabwriter.NewWriter(&b, 0, 4, 2, ' ', 0)
	row := func(k, v string) {
		if v != "" {
			fmt.Fprintf(w, "%s\t%s\n", k, v)
		}
	}
	row("order", v.OrderName)
	status := string(v.Status)
	if v.Phase != "" {
		status += " (phase " + string(v.Phase) + ")"
	}
	row("status", status)
	row("waiting for", v.WaitingFor)
	row("amount", v.Amount)
	row("held", v.Held)
	row("captured", v.Captured)
	row("refunded", v.Refunded)
	row("voided", v.Voided)
	row("open in Odoo", v.OpenInOdoo)
	if a := v.Attention; a != nil {
		row("attention", a.Reason)
		row("to do", a.Todo)
	}
	row("credit notes", fmt.Sprint(len(v.CreditNotes)))
	_ = w.Flush()
	return b.String()
}
