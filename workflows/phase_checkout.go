package workflows

import (
	"fmt"
	"strings"
	"time"

	"go.temporal.io/sdk/workflow"

	"github.com/odoo-afterpay/bridge/activities"
)

// Asking Afterpay whether the customer approved, in case their return never
// reaches the API (a closed tab, the API or Temporal down): first after
// firstProbe, then backing off to maxProbe.
const (
	firstProbe = 2 * time.Minute
	maxProbe   = 15 * time.Minute
)

// createCheckout creates the Afterpay checkout and Odoo's pending
// transaction. Each is created once: a retry after a failure in between
// resumes where it stopped.
func (r *run) createCheckout(ctx workflow.Context) error {
	if r.s.Checkout.Token == "" {
		if r.checkMerchantLimits(ctx) {
			return nil
		}
		var created activities.CheckoutCreated
		err := workflow.ExecuteActivity(titled(withAfterpay(ctx), "Create the Afterpay checkout for order "+r.in.OrderName), act.CreateCheckout, activities.CheckoutInput{
			OrderID: r.s.Order.ID, OrderName: r.in.OrderName, ReturnURL: r.returnURL(),
		}).Get(ctx, &created)
		if rej, ok := activities.RejectionOf(err); ok {
			// Afterpay refused this order (currency, limits, data): the
			// order's fault, not the operator's.
			reason := fmt.Sprintf("Afterpay refused the checkout: %s (%s)", rej.Message, rej.ErrorCode)
			r.endWithoutMoney(ctx, Ending{Status: StatusNotPayable, Reason: reason, Note: "Afterpay cannot be used for this order: " + reason + "."})
			return nil
		}
		if err != nil {
			return err
		}
		total := created.Amount
		r.s.Order.Total = &total
		if len(created.NotPayable) > 0 {
			reason := strings.Join(created.NotPayable, "; ")
			r.endWithoutMoney(ctx, Ending{Status: StatusNotPayable, Reason: reason, Note: "Afterpay cannot be used for this order: " + reason + "."})
			return nil
		}
		r.s.Checkout.Token, r.s.Checkout.RedirectURL, r.s.Checkout.Expires = created.Token, created.RedirectCheckoutURL, created.Expires
		if err := r.setAttributes(ctx, AfterpayTokenKey.ValueSet(created.Token)); err != nil {
			return err
		}
	}
	if r.s.TransactionID == 0 {
		var txID int64
		err := workflow.ExecuteActivity(titled(withOdoo(ctx), "Open the pending payment transaction in Odoo"), act.OpenTransaction, activities.TransactionInput{
			Reference: transactionReference(r.in.OrderName), OrderID: r.s.Order.ID, PartnerID: r.s.Order.PartnerID,
			Amount: *r.s.Order.Total, Message: "Waiting for the customer to complete the Afterpay checkout.",
		}).Get(ctx, &txID)
		if err != nil {
			return err
		}
		r.s.TransactionID = txID
	}
	r.s.Checkout.ProbeWait = firstProbe
	r.s.Checkout.NextProbe = workflow.Now(ctx).Add(firstProbe)
	r.moveTo(ctx, PhaseAwaitingCustomer)
	return nil
}

// awaitCustomer waits for the customer's return from Afterpay's page. It
// does not depend on that return alone: on a timer it asks Afterpay (by
// capturing, which Afterpay refuses until the customer approved), and once
// more when the checkout expires.
func (r *run) awaitCustomer(ctx workflow.Context) error {
	for {
		now := workflow.Now(ctx)
		if !now.Before(r.s.Checkout.Expires) {
			// A last look: the customer may have approved at the last minute.
			r.logger.Info("Checkout expired; asking Afterpay one last time")
			r.moveTo(ctx, PhaseCapturing)
			return nil
		}
		until := r.s.Checkout.NextProbe
		if r.s.Checkout.Expires.Before(until) {
			until = r.s.Checkout.Expires
		}
		m, err := r.waitFor(ctx, until.Sub(now), "Wait for the customer until "+until.UTC().Format("15:04 MST"),
			func(m *Message) bool {
				return m.Kind == MsgCustomerReturn || (m.Kind == MsgOdooEvent && m.Odoo.Kind == OdooOrderCancelled)
			})
		if err != nil {
			return err
		}
		if m != nil && m.Kind == MsgOdooEvent {
			// The order was cancelled in Odoo: never capture it. The
			// customer's page then says the checkout is over.
			r.orderCancelledBeforePayment(ctx)
			return nil
		}
		if m == nil {
			if !workflow.Now(ctx).Before(r.s.Checkout.NextProbe) {
				r.s.Checkout.ProbeWait = min(r.s.Checkout.ProbeWait*2, maxProbe)
				r.s.Checkout.NextProbe = workflow.Now(ctx).Add(r.s.Checkout.ProbeWait)
				r.logger.Info("No return from the customer yet; asking Afterpay")
				r.moveTo(ctx, PhaseCapturing)
				return nil
			}
			continue
		}
		ret := m.Return
		switch {
		case ret.OrderToken != r.s.Checkout.Token:
			r.logger.Warn("Customer return for another checkout token ignored")
		case ret.Status == ReturnCancelled:
			// A redirect proves nothing about who sent it, and the customer
			// may still come back: the checkout stays open until Afterpay
			// says otherwise or it expires.
			r.logger.Info("The customer left Afterpay's page without paying; the checkout stays open")
			r.s.Checkout.CustomerLeft = true
		default:
			r.moveTo(ctx, PhaseCapturing)
			return nil
		}
	}
}
