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
	// Retrying: the step is being tried again by itself. PaymentStatus
	// stays needs_attention until it succeeds, rather than showing the
	// phase's status for the moment of each try.
	Retrying bool `json:"retrying,omitempty"`
	// Message is the event that was being applied (after the sale), and
	// CreditNote the credit note being refunded; resolving by hand drops
	// the one and records the other as handled.
	Message    string      `json:"message,omitempty"`
	CreditNote *CreditNote `json:"creditNote,omitempty"`
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
// reason and what to do on the order's chatter and as an Odoo activity,
// until the step is retried (by itself after an outage or refused
// credentials, or by an operator) or an operator resolves it by hand.
// Operators may also refund or void meanwhile.
func (r *run) park(ctx workflow.Context, err error) error {
	reason, todo, auto := explain(err)
	countFailure(ctx, err)
	now := workflow.Now(ctx)
	defer func() { r.working = nil }()
	a := r.s.Attention
	if a == nil || a.Phase != r.s.Phase || a.Reason != reason {
		a = &Attention{Phase: r.s.Phase, Reason: reason, Todo: todo, Since: now, AutoRetry: auto}
		if r.working != nil {
			cn := *r.working
			a.CreditNote = &cn
		}
		var ev *eventError
		if errors.As(err, &ev) {
			a.Message = ev.messageID
		}
		r.s.Attention = a
		r.logger.Error("Payment needs attention", "phase", r.s.Phase, "reason", reason, "error", err)
		r.setStatus(ctx, StatusNeedsAttention)
		body := fmt.Sprintf("Afterpay payment needs attention while %s: %s. What to do: %s.", phaseWords[r.s.Phase], reason, todo)
		nctx := onOdoo(ctx, parkNoteOptions())
		r.noteBestEffortWith(nctx, fmt.Sprintf("attention:%s:%d", r.s.Phase, len(r.s.Inbox.Seen)), body)
		if !auto && r.s.Order.ID != 0 {
			// A person must act: Odoo puts it on their to-do list.
			if err := workflow.ExecuteActivity(titled(nctx, "Odoo activity: the Afterpay payment needs attention"), act.ScheduleOrderActivity, activities.OrderActivityInput{
				OrderID: r.s.Order.ID, Summary: "Afterpay payment needs attention", Note: body, Deadline: now,
			}).Get(ctx, nil); err != nil {
				r.logger.Error("Scheduling the attention activity failed", "error", err)
			}
		}
	}
	r.setStatus(ctx, StatusNeedsAttention)
	if a.AutoRetry {
		a.NextRetry = now.Add(min(firstAutoRetry<<min(a.Retries, 10), maxAutoRetry))
	}
	a.Retries++
	for {
		wait := time.Duration(0)
		if a.AutoRetry {
			wait = a.NextRetry.Sub(workflow.Now(ctx))
			if wait <= 0 {
				wait = time.Millisecond
			}
		}
		m, werr := r.waitFor(ctx, wait, "Needs attention: retry at "+a.NextRetry.UTC().Format("15:04 MST"), kindIs(MsgOperator))
		if werr != nil {
			return werr
		}
		if m == nil {
			r.logger.Info("Retrying the step that needed attention", "phase", r.s.Phase)
			a.Retrying = true
			return nil
		}
		r.operate(ctx, m)
		if r.s.Attention == nil || r.s.Phase != a.Phase || r.s.Status != StatusNeedsAttention {
			return nil
		}
	}
}

// resume shows the phase's own status again before its step runs.
func (r *run) resume(ctx workflow.Context) {
	if s, ok := phaseStatus[r.s.Phase]; ok {
		r.setStatus(ctx, s)
	}
	if r.s.Phase == PhaseAfterSale {
		r.updateStatus(ctx)
	}
}

// operate applies an operator's action, checked again now (a signal has no
// validator), and records what came of it.
func (r *run) operate(ctx workflow.Context, m *Message) {
	op := m.Operator
	rec := OperatorRecord{ID: m.ID, Action: op.Action, Amount: op.Amount, By: op.By, Note: op.Note, At: workflow.Now(ctx)}
	if err := r.validateOperatorAction(*op); err != nil {
		r.logger.Warn("Operator action refused", "action", op.Action, "error", err)
		rec.Result = "refused: " + err.Error()
	} else {
		rec.Result = r.act(ctx, m.ID, op)
	}
	rec.Done = true
	r.s.Operator = append(r.s.Operator, rec)
}

// act applies an operator's valid action and says what it did.
func (r *run) act(ctx workflow.Context, id string, op *OperatorAction) string {
	by := op.By
	if by == "" {
		by = "an operator"
	}
	switch op.Action {
	case ActionRetry:
		r.logger.Info("Operator retries the step", "phase", r.s.Phase, "by", by)
		a := r.s.Attention
		r.resume(ctx)
		return "retrying: " + a.Reason
	case ActionResolve:
		return r.resolve(ctx, by, op.Note)
	case ActionRefund:
		return r.operatorRefund(ctx, id, by, op)
	case ActionVoid:
		return r.operatorVoid(ctx, id, by, op)
	}
	return "nothing done"
}

// recovered clears the attention once the step that needed it succeeded
// (retried by itself or by an operator), and says so on the chatter: the
// note asking for a person must not lead anyone to record the payment by
// hand a second time.
func (r *run) recovered(ctx workflow.Context) {
	a := r.s.Attention
	if a == nil {
		return
	}
	if r.s.Status == StatusNeedsAttention {
		if !a.Retrying {
			return
		}
		// Retried by itself, and it went through.
		r.resume(ctx)
	}
	r.s.Attention = nil
	r.logger.Info("The step that needed attention succeeded", "phase", a.Phase)
	r.noteBestEffort(ctx, "recovered:"+string(a.Phase)+":"+a.Since.UTC().Format(time.RFC3339), fmt.Sprintf(
		"Afterpay payment no longer needs attention: the step that failed while %s (%s) succeeded when retried. Nothing is to be done by hand for it.",
		phaseWords[a.Phase], a.Reason))
}

// resolve records the step that needs attention as handled by hand.
func (r *run) resolve(ctx workflow.Context, by, note string) string {
	a := r.s.Attention
	reason := fmt.Sprintf("resolved by hand by %s while %s: %s", by, phaseWords[r.s.Phase], note)
	r.noteBestEffort(ctx, "resolved:"+string(r.s.Phase)+":"+a.Since.UTC().Format(time.RFC3339), "Afterpay payment "+reason+".")
	r.s.Attention = nil
	switch {
	case r.s.Phase == PhaseAfterSale && !workflow.Now(ctx).Before(r.closes()):
		// The final reconciliation was settled by hand: the payment ends.
		r.finish(ctx, StatusResolved, reason)
	case r.s.Phase == PhaseAfterSale:
		// The event being applied is handled by hand; the payment goes on.
		if a.Message != "" {
			r.s.Inbox.take(func(m *Message) bool { return m.ID == a.Message })
		}
		if a.CreditNote != nil {
			if cn := r.creditNote(a.CreditNote.ID); cn != nil {
				cn.Outcome, cn.Reason = CreditResolved, reason
			} else {
				resolved := *a.CreditNote
				resolved.Outcome, resolved.Reason, resolved.At = CreditResolved, reason, workflow.Now(ctx)
				r.s.CreditNotes = append(r.s.CreditNotes, resolved)
			}
		}
		r.updateStatus(ctx)
	case r.s.Ledger.Net().Minor > 0:
		// Money is held at Afterpay: later events still concern it.
		r.setStatus(ctx, StatusResolved)
		r.s.Reason = reason
		r.s.Phase = PhaseAfterSale
	default:
		r.finish(ctx, StatusResolved, reason)
	}
	return reason
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
	PhaseAfterSale:        "applying a later event (a delivery, an invoice, a credit note, a change at Afterpay)",
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
