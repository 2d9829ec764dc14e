package workflows

import (
	"errors"
	"fmt"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/odoo-afterpay/bridge/activities"
)

// Attention is why a payment waits, running, for a person or for a peer to
// come back.
type Attention struct {
	Phase  Phase  `json:"phase"`
	Reason string `json:"reason"`
	// Todo says what to do about it.
	Todo  string    `json:"todo"`
	Since time.Time `json:"since"`
	// AutoRetry: the step is tried again by itself at NextRetry (an outage
	// or refused credentials); otherwise only a person moves it on.
	AutoRetry bool      `json:"autoRetry"`
	NextRetry time.Time `json:"nextRetry,omitzero"`
	Retries   int       `json:"retries"`
}

// How often a parked step is tried again by itself.
const (
	firstAutoRetry = time.Minute
	maxAutoRetry   = time.Hour
)

// attentionError is a step's failure with the words the merchant needs.
type attentionError struct {
	cause        error
	reason, todo string
}

func (e *attentionError) Error() string { return e.reason + ": " + e.cause.Error() }
func (e *attentionError) Unwrap() error { return e.cause }

// park holds the payment, running, with PaymentStatus needs_attention, a
// reason and what to do on the order's chatter, until the step is retried
// (by itself after an outage or refused credentials, or by an operator) or
// an operator resolves it by hand.
func (r *run) park(ctx workflow.Context, err error) error {
	reason, todo, auto := explain(err)
	now := workflow.Now(ctx)
	a := r.s.Attention
	if a == nil || a.Phase != r.s.Phase || a.Reason != reason {
		a = &Attention{Phase: r.s.Phase, Reason: reason, Todo: todo, Since: now, AutoRetry: auto}
		r.s.Attention = a
		r.logger.Error("Payment needs attention", "phase", r.s.Phase, "reason", reason, "error", err)
		r.setStatus(ctx, StatusNeedsAttention)
		r.noteBestEffortWith(workflow.WithActivityOptions(ctx, parkNoteOptions()), fmt.Sprintf("attention:%s:%d", r.s.Phase, len(r.s.Inbox.Seen)),
			fmt.Sprintf("Afterpay payment needs attention while %s: %s. What to do: %s.", phaseWords[r.s.Phase], reason, todo))
	}
	r.setStatus(ctx, StatusNeedsAttention)
	wait := time.Duration(0)
	if a.AutoRetry {
		wait = min(firstAutoRetry<<min(a.Retries, 10), maxAutoRetry)
		a.NextRetry = now.Add(wait)
	}
	m, werr := r.waitFor(ctx, wait, "Needs attention: retry at "+a.NextRetry.UTC().Format("15:04 MST"), kindIs(MsgOperator))
	if werr != nil {
		return werr
	}
	a.Retries++
	if m == nil {
		r.logger.Info("Retrying the step that needed attention", "phase", r.s.Phase)
		r.resume(ctx)
		return nil
	}
	return r.act(ctx, m.Operator)
}

// resume shows the phase's own status again before its step runs.
func (r *run) resume(ctx workflow.Context) {
	if s, ok := phaseStatus[r.s.Phase]; ok {
		r.setStatus(ctx, s)
	}
}

// act applies an operator's action to a parked payment.
func (r *run) act(ctx workflow.Context, op *OperatorAction) error {
	if err := r.validateOperatorAction(*op); err != nil {
		r.logger.Warn("Operator action refused", "action", op.Action, "error", err)
		return nil
	}
	by := op.By
	if by == "" {
		by = "an operator"
	}
	switch op.Action {
	case ActionRetry:
		r.logger.Info("Operator retries the step", "phase", r.s.Phase, "by", by)
		r.resume(ctx)
	case ActionResolve:
		reason := fmt.Sprintf("resolved by hand by %s while %s: %s", by, phaseWords[r.s.Phase], op.Note)
		r.noteBestEffort(ctx, "resolved:"+string(r.s.Phase), "Afterpay payment "+reason+".")
		r.s.Attention = nil
		if r.s.Ledger.Net().Minor > 0 && r.s.Phase != PhaseAfterSale {
			// Money is held at Afterpay: later events still concern it.
			r.setStatus(ctx, StatusResolved)
			r.s.Reason = reason
			r.s.Phase = PhaseAfterSale
			return nil
		}
		r.finish(ctx, StatusResolved, reason)
	}
	return nil
}

var phaseWords = map[Phase]string{
	PhaseAwaitingOrder:    "reading the order",
	PhaseCreatingCheckout: "creating the checkout",
	PhaseAwaitingCustomer: "waiting for the customer",
	PhaseCapturing:        "capturing the payment",
	PhaseRecording:        "recording the payment in Odoo",
	PhaseBooking:          "booking the payment, invoicing and reconciling",
	PhaseCompensating:     "giving the money back",
	PhaseClosing:          "telling Odoo the payment did not happen",
}

// explain turns a step's failure into words for the merchant: what is
// wrong, what to do, and whether the step retries by itself.
func explain(err error) (reason, todo string, autoRetry bool) {
	var ae *attentionError
	if errors.As(err, &ae) {
		_, _, auto := explain(ae.cause)
		return ae.reason, ae.todo, auto
	}
	var timeout *temporal.TimeoutError
	switch {
	case activities.IsErrorType(err, activities.ErrTypeAfterpayCredentials):
		return "Afterpay refused the merchant credentials (401 unauthorized)",
			"check AFTERPAY_MERCHANT_ID and AFTERPAY_SECRET_KEY (rotated or mistyped?) and restart the worker; the payment resumes by itself once they work", true
	case activities.IsErrorType(err, activities.ErrTypeOdooAccessDenied):
		return "Odoo refused the integration user (" + activities.OdooMessage(err) + ")",
			"check ODOO_USERNAME, ODOO_PASSWORD (or its API key) and the user's access rights; the payment resumes by itself once Odoo accepts them", true
	case activities.IsErrorType(err, activities.ErrTypeAfterpayUnavailable):
		return "Afterpay did not answer (" + activities.OdooMessage(err) + ")", "nothing, unless it lasts: the payment retries by itself", true
	case activities.IsErrorType(err, activities.ErrTypeOdooUnavailable), activities.IsErrorType(err, activities.ErrTypeInterrupted):
		return "Odoo did not answer (" + activities.OdooMessage(err) + ")", "nothing, unless it lasts: the payment retries by itself", true
	case errors.As(err, &timeout):
		return "a step timed out (" + err.Error() + ")", "nothing, unless it lasts: the payment retries by itself", true
	case activities.IsErrorType(err, activities.ErrTypeAfterpayRejected):
		return "Afterpay refused a call (" + activities.OdooMessage(err) + ")", "read Afterpay's answer, fix the cause and retry, or resolve by hand", false
	}
	return "Odoo refused a call (" + activities.OdooMessage(err) + ")", "fix what Odoo says and retry, or resolve by hand", false
}

// isRefusal reports whether err is a final answer (Odoo or Afterpay said
// no, or a record is gone), as opposed to no answer.
func isRefusal(err error) bool {
	var appErr *temporal.ApplicationError
	if !errors.As(err, &appErr) {
		return false
	}
	return appErr.NonRetryable() && !activities.IsErrorType(err, activities.ErrTypeAfterpayCredentials) &&
		!activities.IsErrorType(err, activities.ErrTypeOdooAccessDenied)
}

func errorsAs(err error, target any) bool { return errors.As(err, target) }
