package workflows

import (
	"errors"
	"fmt"
	"time"

	"go.temporal.io/sdk/workflow"
)

// QueryStatus returns the whole StatusView: where the payment stands, its
// money, what it waits for.
const QueryStatus = "status"

// StatusView answers QueryStatus.
type StatusView struct {
	OrderName       string        `json:"orderName"`
	Phase           Phase         `json:"phase"`
	Status          Status        `json:"status"`
	Reason          string        `json:"reason,omitempty"`
	WaitingFor      string        `json:"waitingFor,omitempty"`
	Amount          string        `json:"amount,omitempty"`
	Authorised      string        `json:"authorised"`
	Captured        string        `json:"captured"`
	Refunded        string        `json:"refunded"`
	Voided          string        `json:"voided"`
	Ledger          []LedgerEntry `json:"ledger,omitempty"`
	AfterpayOrderID string        `json:"afterpayOrderId,omitempty"`
	TransactionID   int64         `json:"odooTransactionId,omitempty"`
	CheckoutExpires time.Time     `json:"checkoutExpires,omitzero"`
	Attention       *Attention    `json:"attention,omitempty"`
	MessagesSeen    int           `json:"messagesSeen"`
	MessagesPending []string      `json:"messagesPending,omitempty"`
}

// returnAnswerWait bounds how long the customer-return update waits for the
// payment's outcome before it answers "pending".
const returnAnswerWait = 10 * time.Second

func (r *run) registerHandlers(ctx workflow.Context) error {
	if err := workflow.SetQueryHandlerWithOptions(ctx, QueryCheckout, func() (CheckoutInfo, error) { return r.checkoutInfo(), nil },
		workflow.QueryHandlerOptions{Description: "Where the customer is sent to pay, and where the payment stands."}); err != nil {
		return err
	}
	if err := workflow.SetQueryHandlerWithOptions(ctx, QueryStatus, func() (StatusView, error) { return r.statusView(), nil },
		workflow.QueryHandlerOptions{Description: "The whole state: phase, amounts authorised, captured, refunded and voided, what the payment waits for."}); err != nil {
		return err
	}
	if err := workflow.SetUpdateHandlerWithOptions(ctx, UpdateCustomerReturn,
		func(ctx workflow.Context, ret CustomerReturn) (ReturnOutcome, error) {
			r.receive(ctx, returnMessage(ret))
			_, err := workflow.AwaitWithTimeout(ctx, returnAnswerWait, func() bool { return r.outcome().Outcome != OutcomePending })
			return r.outcome(), err
		},
		workflow.UpdateHandlerOptions{
			Validator: func(ret CustomerReturn) error {
				if ret.Status != ReturnSuccess && ret.Status != ReturnCancelled {
					return fmt.Errorf("return status %q is neither %s nor %s", ret.Status, ReturnSuccess, ReturnCancelled)
				}
				if r.s.Checkout.Token == "" || ret.OrderToken != r.s.Checkout.Token {
					return errors.New("not this payment's checkout token")
				}
				return nil
			},
			Description: "The customer's return from Afterpay's checkout page ({status, orderToken}); answers the payment's outcome.",
		}); err != nil {
		return err
	}
	return workflow.SetUpdateHandlerWithOptions(ctx, UpdateOperatorAction,
		func(ctx workflow.Context, op OperatorAction) (string, error) {
			m := r.operatorMessage(op, workflow.GetCurrentUpdateInfo(ctx).ID)
			r.receive(ctx, m)
			return fmt.Sprintf("%s accepted; the payment was %s", op.Action, r.s.Status), nil
		},
		workflow.UpdateHandlerOptions{
			Validator:   r.validateOperatorAction,
			Description: `An operator's action on a payment that needs attention: {"action":"retry"} runs the failed step again; {"action":"resolve","note":"…","by":"…"} records it as handled by hand.`,
		})
}

func (r *run) operatorMessage(op OperatorAction, id string) Message {
	if id == "" {
		id = op.ID
	}
	if id == "" {
		id = fmt.Sprintf("%d", len(r.s.Inbox.Seen)+1)
	}
	return Message{ID: "operator:" + id, Kind: MsgOperator, Operator: &op}
}

// validateOperatorAction refuses an action that makes no sense now; the
// refusal is the update's answer and nothing is written to history.
func (r *run) validateOperatorAction(op OperatorAction) error {
	if r.s.Attention == nil {
		return fmt.Errorf("the payment does not need attention (it is %s); nothing to %s", r.s.Status, op.Action)
	}
	switch op.Action {
	case ActionRetry:
		return nil
	case ActionResolve:
		if op.Note == "" {
			return errors.New("resolve needs a note saying what was done by hand")
		}
		return nil
	}
	return fmt.Errorf("unknown action %q (retry or resolve)", op.Action)
}

func (r *run) checkoutInfo() CheckoutInfo {
	info := CheckoutInfo{
		OrderName: r.in.OrderName, Status: r.s.Status, Reason: r.s.Reason, Amount: r.s.Order.Total,
		AfterpayOrderID: r.s.AfterpayOrderID, TransactionID: r.s.TransactionID, Outcome: r.outcome().Outcome,
	}
	// The storefront sees the checkout only once Odoo has its transaction:
	// a customer is never sent to Afterpay for a payment Odoo cannot show.
	if r.s.TransactionID != 0 {
		info.Token, info.RedirectCheckoutURL, info.Expires = r.s.Checkout.Token, r.s.Checkout.RedirectURL, r.s.Checkout.Expires
	}
	return info
}

func (r *run) statusView() StatusView {
	l := r.s.Ledger
	cur := l.Currency
	if cur == "" && r.s.Order.Total != nil {
		cur = r.s.Order.Total.Currency
	}
	amount := func(minor int64) string {
		if cur == "" {
			return ""
		}
		return moneyOf(minor, cur)
	}
	v := StatusView{
		OrderName: r.in.OrderName, Phase: r.s.Phase, Status: r.s.Status, Reason: r.s.Reason,
		WaitingFor: r.waitingFor(), Authorised: amount(l.Authorised), Captured: amount(l.Captured),
		Refunded: amount(l.Refunded), Voided: amount(l.Voided), Ledger: l.Entries,
		AfterpayOrderID: r.s.AfterpayOrderID, TransactionID: r.s.TransactionID, CheckoutExpires: r.s.Checkout.Expires,
		Attention: r.s.Attention, MessagesSeen: len(r.s.Inbox.Seen),
	}
	if r.s.Order.Total != nil {
		v.Amount = r.s.Order.Total.String()
	}
	for _, m := range r.s.Inbox.Pending {
		v.MessagesPending = append(v.MessagesPending, m.ID)
	}
	return v
}

// waitingFor says in words what the payment is waiting for.
func (r *run) waitingFor() string {
	if r.s.Attention != nil {
		return "a person, or the retry at " + r.s.Attention.NextRetry.UTC().Format(time.RFC3339) + ": " + r.s.Attention.Reason
	}
	switch r.s.Phase {
	case PhaseAwaitingOrder:
		return "Odoo to show the order confirmed"
	case PhaseAwaitingCustomer:
		return "the customer to approve at Afterpay, until " + r.s.Checkout.Expires.UTC().Format(time.RFC3339)
	case PhaseAfterSale:
		return "later events (refunds, disputes) until Afterpay's refund window closes, 120 days after the capture"
	case PhaseDone:
		return ""
	}
	return "the " + string(r.s.Phase) + " step"
}

// outcome is what the customer's return page shows.
func (r *run) outcome() ReturnOutcome {
	out := ReturnOutcome{OrderName: r.in.OrderName, Amount: r.s.Order.Total, Outcome: OutcomePending}
	switch {
	case r.s.Compensation != nil:
		out.Outcome = OutcomeNotCompleted
	case r.s.Ledger.Captured > 0:
		out.Outcome = OutcomePaid
	case r.s.Ledger.Authorised > 0:
		out.Outcome = OutcomeAuthorised
	case r.s.Ending != nil && r.s.Ending.Status == StatusDeclined:
		out.Outcome = OutcomeDeclined
	case r.s.Ending != nil && r.s.Ending.Status == StatusExpired:
		out.Outcome = OutcomeExpired
	case r.s.Phase == PhaseAwaitingCustomer && r.s.Checkout.CustomerLeft:
		out.Outcome = OutcomeCancelled
	}
	return out
}
