package workflows

import (
	"go.temporal.io/sdk/workflow"

	"github.com/odoo-afterpay/bridge/activities"
)

// capture takes the customer's approved payment: in full (immediate), or
// as an authorisation (deferred). The order is read again first: an order
// cancelled in Odoo meanwhile is never charged. Whenever the outcome of
// the call is unknown (its answer lost, then an outage, a timeout or
// refused credentials) the workflow learns it from Afterpay by token
// before it does anything else: a payment is never taken for failed
// because its answer did not arrive.
func (r *run) capture(ctx workflow.Context) error {
	var order activities.OrderState
	if err := workflow.ExecuteActivity(titled(withOdoo(ctx), "Check in Odoo that order "+r.in.OrderName+" is still confirmed"), act.ReadOrderState, activities.ReadOrderInput{ID: r.s.Order.ID, Name: r.in.OrderName}).Get(ctx, &order); err != nil {
		return err
	}
	if order.State == "cancel" {
		r.orderCancelledBeforePayment(ctx)
		return nil
	}
	var payment activities.PaymentOutcome
	var err error
	if r.deferred() {
		err = workflow.ExecuteActivity(titled(withAfterpay(ctx), "Authorise "+r.orderTotal()+" at Afterpay"), act.Authorise, activities.AuthoriseInput{
			Token: r.s.Checkout.Token, RequestID: r.requestID(ctx, "auth"), MerchantReference: r.in.OrderName,
		}).Get(ctx, &payment)
	} else {
		err = workflow.ExecuteActivity(titled(withAfterpay(ctx), "Capture "+r.orderTotal()+" at Afterpay"), act.CapturePayment, activities.CaptureInput{
			Token: r.s.Checkout.Token, MerchantReference: r.in.OrderName,
		}).Get(ctx, &payment)
	}
	if err == nil {
		return r.approved(ctx, &payment)
	}
	if rej, ok := activities.RejectionOf(err); ok && rej.ErrorCode == "invalid_order_transaction_status" {
		// The customer has not approved at Afterpay yet: a redirect that came
		// early (or was forged), or a probe. Keep waiting; the genuine return
		// looks the same as the early one, so it must not count as a duplicate.
		r.logger.Info("Afterpay: the customer has not approved yet")
		delete(r.s.Inbox.Seen, returnMessage(CustomerReturn{Status: ReturnSuccess, OrderToken: r.s.Checkout.Token}).ID)
		if !workflow.Now(ctx).Before(r.s.Checkout.Expires) {
			r.expired(ctx)
			return nil
		}
		r.moveTo(ctx, PhaseAwaitingCustomer)
		return nil
	}
	// Any other failure leaves the outcome open: look it up.
	var found activities.PaymentLookup
	if lerr := workflow.ExecuteActivity(titled(withAfterpay(ctx), "Look the payment up at Afterpay: did the call go through?"), act.LookupPayment, r.s.Checkout.Token).Get(ctx, &found); lerr != nil {
		// Neither the call nor the look-up answered: wait for Afterpay (or
		// for its credentials to be fixed) and try both again.
		return err
	}
	if found.Found {
		r.logger.Info("The payment's outcome was learned from Afterpay by token", "afterpayOrder", found.Payment.OrderID)
		return r.approved(ctx, &found.Payment)
	}
	if rej, ok := activities.RejectionOf(err); ok && rej.ErrorCode == "invalid_token" {
		r.expired(ctx)
		return nil
	}
	return err
}

// approved applies Afterpay's answer: approved money is recorded next; a
// declined payment ends without money.
func (r *run) approved(ctx workflow.Context, p *activities.PaymentOutcome) error {
	r.s.AfterpayOrderID = p.OrderID
	if err := r.setAttributes(ctx, AfterpayOrderIDKey.ValueSet(p.OrderID)); err != nil {
		return err
	}
	if !p.Approved() {
		r.endWithoutMoney(ctx, Ending{Status: StatusDeclined, Reason: "Afterpay declined the payment",
			Note: "Afterpay payment not completed: Afterpay declined the payment.", Label: "Declined"})
		return nil
	}
	r.s.PaidAt = p.Created
	if p.State == "AUTH_APPROVED" || (r.deferred() && p.State != "CAPTURED") {
		r.s.CaptureMode = CaptureDeferred
		r.s.AuthExpires = p.AuthExpires
		if err := r.s.Ledger.Apply(LedgerEntry{Key: "auth", Kind: EntryAuthorised, Amount: p.Amount, At: p.Created, Ref: p.OrderID}); err != nil {
			return err
		}
	} else {
		if err := r.s.Ledger.Apply(LedgerEntry{Key: "capture", Kind: EntryCaptured, Amount: p.Amount, At: p.Created, Ref: p.OrderID}); err != nil {
			return err
		}
		r.s.CapturedAt = p.Created
	}
	r.moveTo(ctx, PhaseRecording)
	return nil
}

// expired ends a checkout the customer never completed.
func (r *run) expired(ctx workflow.Context) {
	r.endWithoutMoney(ctx, Ending{Status: StatusExpired, Reason: "the Afterpay checkout expired before the customer completed it",
		Note: "Afterpay payment not completed: the Afterpay checkout expired before the customer completed it.", Label: "Checkout expired"})
}

// orderCancelledBeforePayment ends a payment whose order was cancelled in
// Odoo before the customer paid: nothing is captured.
func (r *run) orderCancelledBeforePayment(ctx workflow.Context) {
	r.endWithoutMoney(ctx, Ending{Status: StatusOrderCancelled, Reason: "the order was cancelled in Odoo before the customer paid",
		Note: "Afterpay payment not taken: the order was cancelled in Odoo before the customer paid; nothing was charged.", Label: "Order cancelled"})
}
