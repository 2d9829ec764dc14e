package workflows

import (
	"errors"
	"fmt"
	"strings"

	"go.temporal.io/sdk/workflow"

	"github.com/odoo-afterpay/bridge/activities"
	"github.com/odoo-afterpay/bridge/money"
)

// validateOperatorAction refuses an action that makes no sense now; from
// the update's validator the refusal is the answer and nothing is written
// to history.
func (r *run) validateOperatorAction(op OperatorAction) error {
	if strings.TrimSpace(op.By) == "" {
		return errors.New(`say who you are: add "by" (e.g. "by":"you@shop"); every operator action records who sent it`)
	}
	switch op.Action {
	case ActionRetry, ActionResolve:
		if r.s.Attention == nil {
			return fmt.Errorf("the payment does not need attention (it is %s); nothing to %s", r.s.Status, op.Action)
		}
		if op.Action == ActionResolve && op.Note == "" {
			return errors.New("resolve needs a note saying what was done by hand")
		}
		return nil
	case ActionRefund:
		net := r.s.Ledger.Net()
		switch {
		case r.s.AfterpayOrderID == "" || net.Minor <= 0:
			return fmt.Errorf("nothing captured is held at Afterpay to refund (the payment is %s)", r.s.Status)
		case r.s.Phase == PhaseCompensating || r.s.Phase == PhaseClosing || r.s.Phase == PhaseDone:
			return fmt.Errorf("the payment is %s: its money is already being given back or settled", r.s.Phase)
		case r.s.Phase != PhaseAfterSale && r.s.Attention == nil:
			return fmt.Errorf("the payment is %s; refund once it is booked in Odoo", r.s.Phase)
		}
		amount, err := r.operatorAmount(op.Amount, net)
		if err != nil {
			return err
		}
		if amount.Minor > net.Minor {
			return fmt.Errorf("refund of %s is more than the %s Afterpay holds of this payment", amount, net)
		}
		if r.s.Phase != PhaseAfterSale && amount.Minor != net.Minor {
			return fmt.Errorf("before the payment is booked in Odoo only the whole %s can be given back", net)
		}
		return nil
	case ActionVoid:
		open := r.s.Ledger.OpenToCapture()
		if r.s.AfterpayOrderID == "" || open.Minor <= 0 {
			return fmt.Errorf("nothing is authorised and open to capture, so nothing to void (the payment is %s)", r.s.Status)
		}
		if r.s.Phase == PhaseCompensating || r.s.Phase == PhaseClosing || r.s.Phase == PhaseDone {
			return fmt.Errorf("the payment is %s: its authorisation is already being released", r.s.Phase)
		}
		amount, err := r.operatorAmount(op.Amount, open)
		if err != nil {
			return err
		}
		if amount.Minor > open.Minor {
			return fmt.Errorf("void of %s is more than the %s open to capture", amount, open)
		}
		return nil
	}
	return fmt.Errorf("unknown action %q (retry, resolve, refund or void)", op.Action)
}

// operatorAmount reads an operator's amount in the payment's currency;
// empty means all of limit.
func (r *run) operatorAmount(amount string, limit money.Money) (money.Money, error) {
	if amount == "" {
		return limit, nil
	}
	m, err := money.Parse(amount, limit.Currency)
	if err != nil {
		return money.Money{}, fmt.Errorf("amount %q: %v (write it like 12.50, in %s)", amount, err, limit.Currency)
	}
	if m.Minor <= 0 {
		return money.Money{}, fmt.Errorf("amount %s must be positive", m)
	}
	return m, nil
}

// operatorRefund gives captured money back at Afterpay. After the sale it
// refunds the amount and records it in Odoo like any refund made at
// Afterpay (a credit note and its outbound payment); before the payment is
// booked, the whole payment goes back as a compensation, which also
// cancels Odoo's transaction.
func (r *run) operatorRefund(ctx workflow.Context, id, by string, op *OperatorAction) string {
	net := r.s.Ledger.Net()
	amount, _ := r.operatorAmount(op.Amount, net)
	why := by
	if op.Note != "" {
		why += ": " + op.Note
	}
	if r.s.Phase != PhaseAfterSale {
		r.s.Attention = nil
		r.startCompensation(ctx, "an operator gave the payment back ("+why+")")
		return fmt.Sprintf("giving the whole %s back at Afterpay; Odoo's transaction is cancelled and the order says why", net)
	}
	key := "operator-refund:" + id
	var refund activities.RefundOutcome
	err := workflow.ExecuteActivity(titled(withAfterpay(ctx), "Refund "+amount.String()+" at Afterpay, for "+by), act.RefundPayment, activities.RefundInput{
		OrderID: r.s.AfterpayOrderID, Amount: amount, RequestID: r.requestID(ctx, key),
		MerchantReference: fmt.Sprintf("%s-operator-refund-%d", r.in.OrderName, len(r.s.Operator)+1),
	}).Get(ctx, &refund)
	if err != nil {
		return fmt.Sprintf("failed: Afterpay did not refund %s (%s); nothing changed", amount, activities.OdooMessage(err))
	}
	if err := r.s.Ledger.Apply(LedgerEntry{Key: key, Kind: EntryRefunded, Amount: amount, At: workflow.Now(ctx), Ref: refund.RefundID}); err != nil {
		r.logger.Error("Afterpay made a refund the ledger cannot take", "error", err)
	}
	r.noteBestEffort(ctx, key, fmt.Sprintf("%s refunded at Afterpay by %s (refund %s).", amount, why, refund.RefundID))
	if err := r.recordRefunds(ctx); err != nil {
		// The daily check retries it, and parks the payment if it still fails.
		r.s.NextCheck = workflow.Now(ctx)
		return fmt.Sprintf("refunded %s at Afterpay (refund %s); recording it in Odoo failed and is retried: %s", amount, refund.RefundID, err)
	}
	r.updateStatus(ctx)
	return fmt.Sprintf("refunded %s at Afterpay (refund %s) and recorded it in Odoo with credit note %s; Afterpay holds %s",
		amount, refund.RefundID, r.creditNoteForRefund(refund.RefundID).Name, r.s.Ledger.Net())
}

// operatorVoid releases part or all of what is authorised and not
// captured. Nothing captured and nothing left open ends the payment.
func (r *run) operatorVoid(ctx workflow.Context, id, by string, op *OperatorAction) string {
	amount, _ := r.operatorAmount(op.Amount, r.s.Ledger.OpenToCapture())
	why := by
	if op.Note != "" {
		why += ": " + op.Note
	}
	key := "operator-void:" + id
	if err := r.void(ctx, key, amount); err != nil {
		return "failed: " + err.Error() + "; nothing changed"
	}
	r.noteBestEffort(ctx, key, fmt.Sprintf("%s of the Afterpay authorisation voided by %s; the customer will not pay it.", amount, why))
	if r.s.Ledger.Captured == 0 && r.s.Ledger.OpenToCapture().Minor <= 0 {
		r.s.Attention = nil
		r.endWithoutMoney(ctx, Ending{Status: StatusVoided, Label: "Voided",
			Reason: "an operator voided the whole authorisation (" + why + ")",
			Note:   fmt.Sprintf("The Afterpay authorisation of %s was voided by %s; the customer pays nothing.", amount, why)})
		return fmt.Sprintf("voided %s; nothing was captured, so the payment ends", amount)
	}
	r.updateStatus(ctx)
	return fmt.Sprintf("voided %s; %s stays open to capture", amount, r.s.Ledger.OpenToCapture())
}
