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

// StatusView answers QueryStatus: the whole state of the payment, without
// anything personal.
type StatusView struct {
	OrderName  string `json:"orderName"`
	Phase      Phase  `json:"phase"`
	Status     Status `json:"status"`
	Reason     string `json:"reason,omitempty"`
	WaitingFor string `json:"waitingFor,omitempty"`
	// Amount is the order's total; the next four are Afterpay's side as
	// the workflow applied it.
	Amount     string `json:"amount,omitempty"`
	Authorised string `json:"authorised"`
	Captured   string `json:"captured"`
	Refunded   string `json:"refunded"`
	Voided     string `json:"voided"`
	// Held is captured less refunded: what Afterpay holds of the
	// customer's money, and what Odoo should show paid.
	Held string `json:"held"`
	// OpenInOdoo is money booked in Odoo's Afterpay journal and not yet
	// reconciled with an invoice.
	OpenInOdoo string `json:"openInOdoo,omitempty"`
	// InvoicingHeld: a credit note was made from the order's invoice, so
	// the payment no longer invoices the order by itself.
	InvoicingHeld   bool          `json:"invoicingHeld,omitempty"`
	Ledger          []LedgerEntry `json:"ledger,omitempty"`
	CreditNotes     []CreditNote  `json:"creditNotes,omitempty"`
	AfterpayOrderID string        `json:"afterpayOrderId,omitempty"`
	TransactionID   int64         `json:"odooTransactionId,omitempty"`
	CheckoutExpires time.Time     `json:"checkoutExpires,omitzero"`
	AuthExpires     time.Time     `json:"authExpires,omitzero"`
	// NextCheck is when the payment next compares itself with Afterpay and
	// Odoo; ClosesAt when Afterpay's refund window closes and it ends.
	NextCheck time.Time  `json:"nextCheck,omitzero"`
	ClosesAt  time.Time  `json:"closesAt,omitzero"`
	Attention *Attention `json:"attention,omitempty"`
	// Operator lists the operators' actions and what came of them.
	Operator []OperatorRecord `json:"operator,omitempty"`
	// EventsSeen lists every message the payment accepted (signals and
	// updates, by ID), in order; EventsPending those not handled yet.
	EventsSeen    []string `json:"eventsSeen,omitempty"`
	EventsPending []string `json:"eventsPending,omitempty"`
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
			_, err := r.awaitUntil(ctx, returnAnswerWait, "Wait up to "+returnAnswerWait.String()+" for the payment's outcome, to show the customer",
				func() bool { return r.outcome().Outcome != OutcomePending })
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
			if _, err := r.awaitUntil(ctx, operatorAnswerWait, "Wait up to "+operatorAnswerWait.String()+" for the outcome of the operator's "+string(op.Action),
				func() bool { return r.operatorRecord(m.ID) != nil }); err != nil {
				return "", err
			}
			if rec := r.operatorRecord(m.ID); rec != nil {
				return rec.Result, nil
			}
			return fmt.Sprintf("%s accepted; the payment (%s) acts on it when its current step ends", op.Action, r.s.Status), nil
		},
		workflow.UpdateHandlerOptions{
			Validator: r.validateOperatorAction,
			Description: `An operator's action: {"action":"retry"} runs the step that needs attention again; {"action":"resolve","note":"…","by":"…"} records it as handled by hand; ` +
				`{"action":"refund","amount":"12.50","note":"…"} gives captured money back (no amount: all of it) and records it in Odoo; {"action":"void","amount":"…"} releases what is authorised and not captured. ` +
				`An action that makes no sense now is refused with the reason, and nothing changes.`,
		})
}

// operatorAnswerWait bounds how long the operator's update waits for the
// action's outcome.
const operatorAnswerWait = time.Minute

func (r *run) operatorRecord(id string) *OperatorRecord {
	for i := range r.s.Operator {
		if r.s.Operator[i].ID == id {
			return &r.s.Operator[i]
		}
	}
	return nil
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
	open := int64(0)
	for _, b := range r.s.Bookings {
		open += b.Open.Minor
	}
	v := StatusView{
		OrderName: r.in.OrderName, Phase: r.s.Phase, Status: r.s.Status, Reason: r.s.Reason,
		WaitingFor: r.waitingFor(), Authorised: amount(l.Authorised), Captured: amount(l.Captured),
		Refunded: amount(l.Refunded), Voided: amount(l.Voided), Held: amount(l.Captured - l.Refunded), Ledger: l.Entries,
		CreditNotes: r.s.CreditNotes, AfterpayOrderID: r.s.AfterpayOrderID, TransactionID: r.s.TransactionID,
		CheckoutExpires: r.s.Checkout.Expires, AuthExpires: r.s.AuthExpires, NextCheck: r.s.NextCheck,
		Attention: r.s.Attention, Operator: r.s.Operator, EventsSeen: r.s.Inbox.Log, InvoicingHeld: r.s.InvoicingHeld,
	}
	if open > 0 {
		v.OpenInOdoo = amount(open)
	}
	if !r.s.PaidAt.IsZero() {
		v.ClosesAt = r.s.PaidAt.Add(refundWindow)
	}
	if r.s.Order.Total != nil {
		v.Amount = r.s.Order.Total.String()
	}
	for _, m := range r.s.Inbox.Pending {
		v.EventsPending = append(v.EventsPending, m.ID)
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
