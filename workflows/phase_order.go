package workflows

import (
	"fmt"
	"time"

	"go.temporal.io/sdk/workflow"

	"github.com/odoo-afterpay/bridge/activities"
)

// Odoo commits right after its webhook returns, so the first re-read comes
// soon; later ones back off to maxConfirmationPoll.
const (
	firstConfirmationPoll = 250 * time.Millisecond
	maxConfirmationPoll   = 30 * time.Second
)

// awaitOrder reads the order until it shows as confirmed. Odoo 18 sends its
// webhook before committing the confirmation, so the first reads may still
// see a quotation; if it never shows "sale" the confirmation was rolled
// back and the payment ends quietly.
func (r *run) awaitOrder(ctx workflow.Context) error {
	deadline := workflow.Now(ctx).Add(r.in.ConfirmationTimeout)
	wait := firstConfirmationPoll
	for {
		var order activities.OrderState
		err := workflow.ExecuteActivity(titled(withOdoo(ctx), "Read order "+r.in.OrderName+" from Odoo"), act.ReadOrderState, activities.ReadOrderInput{
			ID: r.s.Order.ID, Name: r.in.OrderName, ForCheckout: true,
		}).Get(ctx, &order)
		state := order.State
		switch {
		case activities.IsErrorType(err, activities.ErrTypeOrderNotFound):
			state, err = "missing", nil
		case activities.IsErrorType(err, activities.ErrTypeOrderCurrency):
			r.endWithoutMoney(ctx, Ending{Status: StatusNotPayable,
				Reason: "the order's currency is not one Afterpay trades in (AUD, NZD, USD, CAD, GBP)",
				Note:   "Afterpay cannot be used for this order: the order's currency is not one Afterpay trades in (AUD, NZD, USD, CAD, GBP)."})
			return nil
		case err != nil:
			return err
		}
		if order.ID != 0 {
			r.s.Order.ID, r.s.Order.PartnerID = order.ID, order.PartnerID
		}
		switch state {
		case "sale":
			if !order.Afterpay {
				// Odoo's rule only sends Afterpay orders; this one was started
				// by hand, or its payment term changed since.
				r.endWithoutMoney(ctx, Ending{Status: StatusNotAfterpay,
					Reason: fmt.Sprintf("the order's payment term is %q, not %q: it is not to be paid with Afterpay", order.PaymentTerm, afterpayMarker),
					Note: fmt.Sprintf("No Afterpay payment was requested: the order's payment term is %q. To have the customer pay with Afterpay, set the payment term %q before confirming the order.",
						order.PaymentTerm, afterpayMarker)})
				return nil
			}
			total := order.Total
			r.s.Order.Total = &total
			r.s.CaptureMode = captureModeOf(order.CaptureMode, r.in.CaptureMode)
			r.moveTo(ctx, PhaseCreatingCheckout)
			return nil
		case "cancel":
			r.finish(ctx, StatusOrderCancelled, "the order was cancelled in Odoo before payment")
			return nil
		}
		if !workflow.Now(ctx).Add(wait).Before(deadline) {
			r.logger.Warn("Order never confirmed", "state", state)
			r.finish(ctx, StatusOrderNotConfirmed, fmt.Sprintf(
				"order %s still reads as %q after %s; its confirmation was probably rolled back in Odoo, so no payment was requested",
				r.in.OrderName, state, r.in.ConfirmationTimeout))
			return nil
		}
		if err := workflow.NewTimerWithOptions(ctx, wait, workflow.TimerOptions{
			Summary: "Read order " + r.in.OrderName + " again: Odoo has not shown it confirmed yet",
		}).Get(ctx, nil); err != nil {
			return err
		}
		wait = min(wait*2, maxConfirmationPoll)
	}
}

// afterpayMarker is the payment term that marks an order as one to be paid
// with Afterpay (odoo.PaymentTermName; provisioning creates it).
const afterpayMarker = "Afterpay"

// captureModeOf is the order's own capture mode, else the product's
// default, else immediate.
func captureModeOf(order, configured string) string {
	for _, m := range []string{order, configured} {
		if m == CaptureImmediate || m == CaptureDeferred {
			return m
		}
	}
	return CaptureImmediate
}
