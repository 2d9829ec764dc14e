package workflows

import (
	"go.temporal.io/sdk/workflow"

	"github.com/odoo-afterpay/bridge/activities"
)

// close ends a payment in which no money moved (declined, expired, not
// payable): Odoo's transaction, if there is one, is cancelled with the
// reason, and the chatter says why.
func (r *run) close(ctx workflow.Context) error {
	e := r.s.Ending
	if r.s.TransactionID != 0 {
		err := workflow.ExecuteActivity(titled(withOdoo(ctx), "Cancel the Odoo transaction: "+e.Label), act.SetTransactionState, activities.TransactionStateInput{
			TransactionID: r.s.TransactionID, State: "cancel", Message: e.Reason, ProviderReference: r.s.AfterpayOrderID,
		}).Get(ctx, nil)
		if err != nil && !activities.IsErrorType(err, activities.ErrTypeTransactionMissing) {
			return err
		}
	}
	if err := r.note(ctx, string(e.Status), e.Note); err != nil {
		return err
	}
	if e.Label != "" {
		r.showOnOrder(ctx, e.Label, "")
	}
	r.finish(ctx, e.Status, e.Reason)
	return nil
}
