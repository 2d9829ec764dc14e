package workflows

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"go.temporal.io/sdk/workflow"

	"github.com/odoo-afterpay/bridge/activities"
	"github.com/odoo-afterpay/bridge/money"
)

// Afterpay's instalment plan (afterpay-api.md §3.3).
const (
	instalments        = 4
	instalmentInterval = 14 * 24 * time.Hour
)

// note posts a chatter note on the order, once: a marker derived from the
// workflow and key makes it idempotent across activity retries.
func (r *run) note(ctx workflow.Context, key, body string) error {
	return r.noteWith(withOdoo(ctx), key, body)
}

func (r *run) noteWith(ctx workflow.Context, key, body string) error {
	if r.s.Order.ID == 0 {
		return nil
	}
	marker := "[afterpay:" + workflow.GetInfo(ctx).WorkflowExecution.ID + ":" + key + "]"
	retry := r.askedBefore("note:" + key)
	return workflow.ExecuteActivity(titled(ctx, "Note on order "+r.in.OrderName+": "+clip(body, 80)), act.PostOrderNote, activities.NoteInput{
		OrderID: r.s.Order.ID, Body: body + " " + marker, Marker: marker, Retry: retry,
	}).Get(ctx, nil)
}

// noteBestEffort posts a note and logs, rather than fails, if Odoo will
// not take it.
func (r *run) noteBestEffort(ctx workflow.Context, key, body string) {
	r.noteBestEffortWith(withOdoo(ctx), key, body)
}

func (r *run) noteBestEffortWith(ctx workflow.Context, key, body string) {
	if err := r.noteWith(ctx, key, body); err != nil {
		r.logger.Error("Posting a chatter note failed", "key", key, "error", err)
	}
}

// showOnOrder fills the order's Afterpay fields, which Odoo users see on the
// order's Afterpay tab. They mirror what the transaction and the chatter
// already record, so a failure is logged, not acted on.
func (r *run) showOnOrder(ctx workflow.Context, status, instalments string) {
	r.showOnOrderWith(withOdoo(ctx), status, instalments)
}

func (r *run) showOnOrderWith(ctx workflow.Context, status, instalments string) {
	if r.s.Order.ID == 0 {
		return
	}
	err := workflow.ExecuteActivity(titled(ctx, "Show \""+status+"\" on the order's Afterpay tab"), act.SetOrderAfterpay, activities.OrderAfterpayInput{
		OrderID: r.s.Order.ID, AfterpayOrderID: r.s.AfterpayOrderID, Status: status, Instalments: instalments,
	}).Get(ctx, nil)
	if err != nil {
		r.logger.Warn("Writing the order's Afterpay fields failed", "error", err)
	}
}

// instalments is the customer's plan for what was captured: four
// instalments, one every two weeks.
func (r *run) instalments() string {
	var b strings.Builder
	for i, inst := range InstalmentPlan(r.s.Ledger.Net(), r.s.CapturedAt) {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "%s due %s", inst.Amount, inst.Due.UTC().Format("2006-01-02"))
	}
	b.WriteString(" (4 instalments, every 2 weeks)")
	return b.String()
}

// InstalmentPlan is the customer's schedule for an amount paid on start.
func InstalmentPlan(amount money.Money, start time.Time) []Instalment {
	parts := amount.Split(instalments)
	plan := make([]Instalment, len(parts))
	for i, part := range parts {
		plan[i] = Instalment{Amount: part, Due: start.Add(time.Duration(i) * instalmentInterval)}
	}
	return plan
}

// Instalment is one payment of the customer's plan.
type Instalment struct {
	Amount money.Money `json:"amount"`
	Due    time.Time   `json:"due"`
}

func moneyOf(minor int64, currency string) string {
	return money.Money{Minor: minor, Currency: currency}.String()
}

func upperFirst(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	if n == 0 {
		return s
	}
	return string(unicode.ToUpper(r)) + s[n:]
}

// requestID is Afterpay's idempotency key for a call that moves money,
// derived from the payment's workflow and the business event (a capture
// for an invoice, a void, a refund), so that every retry, and every replay,
// sends the same one. It has a UUID's form, within Afterpay's 64
// characters whatever the database and order names.
func (r *run) requestID(ctx workflow.Context, event string) string {
	return RequestID(workflow.GetInfo(ctx).WorkflowExecution.ID, event)
}

// RequestID is the idempotency key of a payment workflow's event.
func RequestID(workflowID, event string) string {
	sum := sha256.Sum256([]byte(workflowID + "|" + event))
	h := hex.EncodeToString(sum[:16])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}

// askedBefore reports whether this run asked for the step named key
// before (a step re-run after a failure), so that its activity looks for
// what an earlier attempt may have made; it then marks key as asked.
func (r *run) askedBefore(key string) bool {
	if r.asked == nil {
		r.asked = map[string]bool{}
	}
	before := r.asked[key]
	r.asked[key] = true
	return before
}
