package workflows

import (
	"fmt"
	"strings"

	"go.temporal.io/sdk/workflow"
)

// showDetails sets the payment's current details, which the Web UI shows on
// its page: where the payment stands, the money on each side, why it needs
// a person, and what it waits for (waiting, or the phase's own words).
func (r *run) showDetails(ctx workflow.Context, waiting string) {
	r.meterMoney(ctx)
	workflow.SetCurrentDetails(ctx, r.details(waiting))
}

func (r *run) details(waiting string) string {
	v := r.statusView()
	var b strings.Builder
	fmt.Fprintf(&b, "**%s**: Afterpay payment of order %s", v.Status, v.OrderName)
	if v.Amount != "" {
		fmt.Fprintf(&b, " (%s)", v.Amount)
	}
	if v.AfterpayOrderID != "" {
		fmt.Fprintf(&b, ", Afterpay order %s", v.AfterpayOrderID)
	}
	b.WriteString("\n\n")
	if v.Captured != "" {
		fmt.Fprintf(&b, "Authorised %s · captured %s · refunded %s · voided %s · **held %s**", v.Authorised, v.Captured, v.Refunded, v.Voided, v.Held)
		if v.OpenInOdoo != "" {
			fmt.Fprintf(&b, " · booked in Odoo and not matched with an invoice yet %s", v.OpenInOdoo)
		}
		b.WriteString("\n\n")
	}
	if a := r.s.Attention; a != nil {
		fmt.Fprintf(&b, "**Needs attention**: %s. What to do: %s. Send the update `operator` with {\"action\":\"retry\",\"by\":\"you\"} or {\"action\":\"resolve\",\"note\":\"…\",\"by\":\"you\"}.\n\n", a.Reason, a.Todo)
	}
	if v.Reason != "" && r.s.Attention == nil {
		fmt.Fprintf(&b, "%s\n\n", v.Reason)
	}
	if waiting == "" {
		waiting = v.WaitingFor
	}
	if waiting != "" {
		fmt.Fprintf(&b, "Waiting: %s", waiting)
	}
	return strings.TrimSpace(b.String())
}
