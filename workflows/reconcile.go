package workflows

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/odoo-afterpay/bridge/activities"
	"github.com/odoo-afterpay/bridge/money"
)

// ReconciliationWorkflowName is the registered name of the reconciliation:
// it compares a period's Afterpay payments, what Odoo shows of them and the
// payment workflows, starts the payment workflow a confirmed Afterpay order
// lacks (its order-confirmed webhook was lost), and reports where Afterpay
// and Odoo disagree, with an activity for finance on the order.
const ReconciliationWorkflowName = "ReconciliationWorkflow"

// QueryReconciliation returns the ReconcileState: the step and the report
// so far.
const QueryReconciliation = "reconciliation"

// DefaultReconcileDays is the period a run compares without one: the days
// up to its start.
const DefaultReconcileDays = 3

// maxReconcileDays bounds a period: Afterpay's refund window is 120 days.
const maxReconcileDays = 366

// ReconciliationScheduleID is the id of the Temporal Schedule that runs the
// reconciliation of an Odoo database (daily by default).
func ReconciliationScheduleID(database string) string { return "afterpay-reconciliation:" + database }

// ReconciliationWorkflowID is the id of a reconciliation run on demand at
// at (a schedule names its runs itself, after its own id).
func ReconciliationWorkflowID(database string, at time.Time) string {
	return ReconciliationScheduleID(database) + ":manual:" + at.UTC().Format("20060102T150405.000000000Z")
}

// ReconcileInput starts a reconciliation.
type ReconcileInput struct {
	// Database is the Odoo database (part of every payment workflow's id).
	Database string `json:"database"`
	// From and To bound the period compared, [From, To); both zero: the
	// Days days up to the run's start.
	From time.Time `json:"from,omitzero"`
	To   time.Time `json:"to,omitzero"`
	// Days is the period without From and To; 0 is DefaultReconcileDays.
	Days int `json:"days,omitempty"`
	// ReturnURL, ConfirmationTimeout and CaptureMode start a missing
	// payment workflow as the order-confirmed webhook would.
	ReturnURL           string        `json:"returnUrl"`
	ConfirmationTimeout time.Duration `json:"confirmationTimeout"`
	CaptureMode         string        `json:"captureMode,omitempty"`
}

// Validate reports a malformed input, which no retry can fix.
func (in ReconcileInput) Validate() error {
	switch {
	case in.Database == "":
		return errors.New("reconciliation input: database is empty")
	case in.ReturnURL == "":
		return errors.New("reconciliation input: return URL is empty")
	case in.From.IsZero() != in.To.IsZero():
		return errors.New("reconciliation input: give both ends of the period, or neither")
	case !in.To.IsZero() && !in.From.Before(in.To):
		return fmt.Errorf("reconciliation input: the period %s to %s is empty", in.From.Format(time.RFC3339), in.To.Format(time.RFC3339))
	case !in.To.IsZero() && in.To.Sub(in.From) > maxReconcileDays*24*time.Hour:
		return fmt.Errorf("reconciliation input: the period is longer than %d days", maxReconcileDays)
	case in.Days < 0 || in.Days > maxReconcileDays:
		return fmt.Errorf("reconciliation input: days %d is not between 0 and %d", in.Days, maxReconcileDays)
	}
	return nil
}

// DriftKind is how Afterpay and Odoo disagree about an Afterpay order.
type DriftKind string

// The kinds of drift.
const (
	// DriftCapturedNotInOdoo: Afterpay holds money of the order and Odoo's
	// Afterpay journal shows no payment for it.
	DriftCapturedNotInOdoo DriftKind = "captured_not_in_odoo"
	// DriftNotAtAfterpay: Odoo shows money (a payment in the Afterpay
	// journal, or a done transaction) that Afterpay does not have.
	DriftNotAtAfterpay DriftKind = "in_odoo_not_at_afterpay"
	// DriftAmountsDiffer: both have the order, with different amounts.
	DriftAmountsDiffer DriftKind = "amounts_differ"
)

// Drift is one disagreement between Afterpay and Odoo.
type Drift struct {
	Kind            DriftKind `json:"kind"`
	AfterpayOrderID string    `json:"afterpayOrderId,omitempty"`
	// OrderName and OrderID are the Odoo sale order, when there is one.
	OrderName string `json:"orderName,omitempty"`
	OrderID   int64  `json:"orderId,omitempty"`
	// Afterpay is what Afterpay holds (captured less refunded), Odoo what
	// its Afterpay journal shows (received less paid back).
	Afterpay money.Money `json:"afterpay"`
	Odoo     money.Money `json:"odoo"`
	// PaymentIDs are the Odoo payments concerned.
	PaymentIDs []int64 `json:"paymentIds,omitempty"`
	// Detail says what differs, in words for finance.
	Detail string `json:"detail"`
	// Activity: finance has an activity about it on the order.
	Activity bool `json:"activity,omitempty"`
}

// StartedPayment is a payment workflow the reconciliation started.
type StartedPayment struct {
	OrderName string `json:"orderName"`
	OrderID   int64  `json:"orderId"`
	// Outcome is StartPayment's: started, or already_running when the
	// webhook came in the meantime.
	Outcome StartOutcome `json:"outcome"`
}

// Unstarted is a confirmed Afterpay order without a payment workflow that
// the reconciliation did not start, and why.
type Unstarted struct {
	OrderName string `json:"orderName"`
	OrderID   int64  `json:"orderId"`
	Reason    string `json:"reason"`
}

// ReconcileCounts are the report's numbers, flat for metrics.
type ReconcileCounts struct {
	// AfterpayPayments are the approved Afterpay payments compared;
	// OdooOrders the confirmed Afterpay orders of the period; OdooPayments
	// the payments read from the Afterpay journal.
	AfterpayPayments int `json:"afterpayPayments"`
	OdooOrders       int `json:"odooOrders"`
	OdooPayments     int `json:"odooPayments"`
	// Matched Afterpay orders agree; InFlight ones were left alone, their
	// payment being under way.
	Matched  int `json:"matched"`
	InFlight int `json:"inFlight"`
	// Started payment workflows; Unstarted orders without one.
	Started   int `json:"started"`
	Unstarted int `json:"unstarted"`
	// The drift, by kind, and the activities finance has about it.
	CapturedNotInOdoo int `json:"capturedNotInOdoo"`
	NotAtAfterpay     int `json:"notAtAfterpay"`
	AmountsDiffer     int `json:"amountsDiffer"`
	Activities        int `json:"activities"`
}

// Drift is the number of disagreements.
func (c ReconcileCounts) Drift() int { return c.CapturedNotInOdoo + c.NotAtAfterpay + c.AmountsDiffer }

// Map is the counts by name (their JSON names), for metrics.
func (c ReconcileCounts) Map() map[string]int {
	return map[string]int{
		"afterpayPayments": c.AfterpayPayments, "odooOrders": c.OdooOrders, "odooPayments": c.OdooPayments,
		"matched": c.Matched, "inFlight": c.InFlight, "started": c.Started, "unstarted": c.Unstarted,
		"capturedNotInOdoo": c.CapturedNotInOdoo, "notAtAfterpay": c.NotAtAfterpay, "amountsDiffer": c.AmountsDiffer,
		"activities": c.Activities,
	}
}

// ReconciliationReport is the reconciliation's result.
type ReconciliationReport struct {
	From      time.Time        `json:"from"`
	To        time.Time        `json:"to"`
	Counts    ReconcileCounts  `json:"counts"`
	Started   []StartedPayment `json:"started,omitempty"`
	Unstarted []Unstarted      `json:"unstarted,omitempty"`
	Drift     []Drift          `json:"drift,omitempty"`
}

// ReconcileStep is where a reconciliation stands.
type ReconcileStep string

// The steps, in order.
const (
	StepReadAfterpay  ReconcileStep = "read_afterpay"
	StepReadOdoo      ReconcileStep = "read_odoo"
	StepFillIn        ReconcileStep = "fill_in"
	StepReadWorkflows ReconcileStep = "read_workflows"
	StepCompare       ReconcileStep = "compare"
	StepStartPayments ReconcileStep = "start_payments"
	StepTellFinance   ReconcileStep = "tell_finance"
	StepReconcileDone ReconcileStep = "done"
)

// ReconcileState is everything a reconciliation knows: what it read of the
// three sources, and its report.
type ReconcileState struct {
	Step ReconcileStep `json:"step"`
	// Afterpay holds the payments read (declined ones too); Unknown the
	// Afterpay orders Odoo names that Afterpay does not have.
	Afterpay  []activities.AfterpayPaymentSeen `json:"afterpay"`
	Unknown   []string                         `json:"unknown,omitempty"`
	Odoo      activities.OdooAfterpay          `json:"odoo"`
	Workflows []activities.PaymentWorkflowSeen `json:"workflows,omitempty"`
	ToStart   []activities.OdooOrderSeen       `json:"toStart,omitempty"`
	Report    ReconciliationReport             `json:"report"`
}

// paymentWorkflows names the Temporal activities (a nil receiver is enough).
var paymentWorkflows *activities.PaymentWorkflows

// withTemporal runs the activities on the payment workflows: on the
// workflow's own queue, where the worker has a Temporal client.
func withTemporal(ctx workflow.Context) workflow.Context {
	return workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout:    2 * time.Minute,
		ScheduleToCloseTimeout: 30 * time.Minute,
		RetryPolicy:            &temporal.RetryPolicy{InitialInterval: time.Second, BackoffCoefficient: 2, MaximumInterval: time.Minute},
	})
}

type reconciler struct {
	in ReconcileInput
	s  *ReconcileState
}

// Reconciliation compares the period's Afterpay payments with Odoo and the
// payment workflows. Running it again changes nothing more: a payment it
// started is running, and finance's activity on an order is open.
func Reconciliation(ctx workflow.Context, in ReconcileInput) (*ReconciliationReport, error) {
	if err := in.Validate(); err != nil {
		return nil, temporal.NewNonRetryableApplicationError(err.Error(), "InvalidInput", nil)
	}
	r := &reconciler{in: in, s: &ReconcileState{Step: StepReadAfterpay}}
	r.s.Report.From, r.s.Report.To = in.From.UTC(), in.To.UTC()
	if in.To.IsZero() {
		days := in.Days
		if days == 0 {
			days = DefaultReconcileDays
		}
		r.s.Report.To = workflow.Now(ctx).UTC()
		r.s.Report.From = r.s.Report.To.Add(-time.Duration(days) * 24 * time.Hour)
	}
	err := workflow.SetQueryHandlerWithOptions(ctx, QueryReconciliation, func() (*ReconcileState, error) { return r.s, nil },
		workflow.QueryHandlerOptions{Description: "Where the reconciliation stands: what it read of Afterpay, Odoo and the payment workflows, and its report so far"})
	if err != nil {
		return nil, err
	}
	logger := workflow.GetLogger(ctx)
	for r.s.Step != StepReconcileDone {
		if err := r.step(ctx); err != nil {
			logger.Error("Reconciliation failed", "step", r.s.Step, "error", err)
			return nil, err
		}
	}
	c := r.s.Report.Counts
	reportReconciliation(ctx, c)
	logger.Info("Reconciliation done", "from", r.s.Report.From, "to", r.s.Report.To, "matched", c.Matched,
		"started", c.Started, "drift", c.Drift(), "activities", c.Activities)
	return &r.s.Report, nil
}

func (r *reconciler) step(ctx workflow.Context) error {
	switch r.s.Step {
	case StepReadAfterpay:
		return r.readAfterpay(ctx)
	case StepReadOdoo:
		return r.readOdoo(ctx)
	case StepFillIn:
		return r.fillIn(ctx)
	case StepReadWorkflows:
		return r.readWorkflows(ctx)
	case StepCompare:
		r.s.Report, r.s.ToStart = compareSources(r.s, r.s.Report.From, r.s.Report.To)
		r.s.Step = StepStartPayments
		return nil
	case StepStartPayments:
		return r.startPayments(ctx)
	case StepTellFinance:
		return r.tellFinance(ctx)
	}
	return temporal.NewNonRetryableApplicationError("unknown step "+string(r.s.Step), "InvalidState", nil)
}

// readAfterpay lists the payments Afterpay made in the period.
func (r *reconciler) readAfterpay(ctx workflow.Context) error {
	var got activities.AfterpayPayments
	err := workflow.ExecuteActivity(withAfterpay(ctx), act.ListAfterpayPayments, activities.AfterpayPaymentsInput{
		From: r.s.Report.From, To: r.s.Report.To,
	}).Get(ctx, &got)
	if err != nil {
		return fmt.Errorf("read Afterpay's payments: %w", err)
	}
	r.s.Afterpay = got.Payments
	r.s.Step = StepReadOdoo
	return nil
}

// readOdoo reads the period's Afterpay orders, transactions and journal
// payments, and those of Afterpay's payments.
func (r *reconciler) readOdoo(ctx workflow.Context) error {
	in := activities.OdooAfterpayInput{From: r.s.Report.From, To: r.s.Report.To}
	for _, p := range r.s.Afterpay {
		if p.Approved() {
			in.OrderNames = append(in.OrderNames, p.MerchantReference)
			in.AfterpayOrderIDs = append(in.AfterpayOrderIDs, p.OrderID)
			in.RefundIDs = append(in.RefundIDs, p.RefundIDs...)
		}
	}
	var got activities.OdooAfterpay
	if err := workflow.ExecuteActivity(withOdoo(ctx), act.ReadOdooAfterpay, in).Get(ctx, &got); err != nil {
		return fmt.Errorf("read Odoo's Afterpay orders and payments: %w", err)
	}
	r.s.Odoo = got
	r.s.Step = StepFillIn
	return nil
}

// fillIn reads the Afterpay orders Odoo shows that Afterpay made before
// the period (a refund or a capture of an older order), from both sides.
func (r *reconciler) fillIn(ctx workflow.Context) error {
	r.s.Step = StepReadWorkflows
	known := map[string]bool{}
	for _, p := range r.s.Afterpay {
		known[p.OrderID] = true
	}
	var missing []string
	add := func(id string) {
		if id != "" && !known[id] {
			known[id] = true
			missing = append(missing, id)
		}
	}
	for _, o := range r.s.Odoo.Orders {
		add(o.AfterpayOrderID)
	}
	for _, tx := range r.s.Odoo.Transactions {
		if tx.State == "done" {
			add(tx.AfterpayOrderID)
		}
	}
	for _, p := range r.s.Odoo.Payments {
		add(p.AfterpayOrderID)
	}
	if len(missing) == 0 {
		return nil
	}
	var got activities.AfterpayPayments
	if err := workflow.ExecuteActivity(withAfterpay(ctx), act.ListAfterpayPayments, activities.AfterpayPaymentsInput{IDs: missing}).Get(ctx, &got); err != nil {
		r.s.Step = StepFillIn
		return fmt.Errorf("read Afterpay's payments Odoo names: %w", err)
	}
	r.s.Afterpay = append(r.s.Afterpay, got.Payments...)
	r.s.Unknown = got.Unknown
	in := activities.OdooAfterpayInput{}
	for _, p := range got.Payments {
		if p.Approved() {
			in.OrderNames = append(in.OrderNames, p.MerchantReference)
			in.AfterpayOrderIDs = append(in.AfterpayOrderIDs, p.OrderID)
			in.RefundIDs = append(in.RefundIDs, p.RefundIDs...)
		}
	}
	if len(in.AfterpayOrderIDs) == 0 {
		return nil
	}
	var more activities.OdooAfterpay
	if err := workflow.ExecuteActivity(withOdoo(ctx), act.ReadOdooAfterpay, in).Get(ctx, &more); err != nil {
		r.s.Step = StepFillIn
		return fmt.Errorf("read Odoo's side of older Afterpay orders: %w", err)
	}
	r.s.Odoo = mergeOdoo(r.s.Odoo, more)
	return nil
}

func mergeOdoo(a, b activities.OdooAfterpay) activities.OdooAfterpay {
	for _, o := range b.Orders {
		if !slices.ContainsFunc(a.Orders, func(x activities.OdooOrderSeen) bool { return x.ID == o.ID }) {
			a.Orders = append(a.Orders, o)
		}
	}
	for _, tx := range b.Transactions {
		if !slices.ContainsFunc(a.Transactions, func(x activities.OdooTransactionSeen) bool { return x.ID == tx.ID }) {
			a.Transactions = append(a.Transactions, tx)
		}
	}
	for _, p := range b.Payments {
		if !slices.ContainsFunc(a.Payments, func(x activities.OdooPaymentSeen) bool { return x.ID == p.ID }) {
			a.Payments = append(a.Payments, p)
		}
	}
	return a
}

// readWorkflows describes the payment workflow of every order read.
func (r *reconciler) readWorkflows(ctx workflow.Context) error {
	in := activities.DescribePaymentsInput{StatusAttribute: PaymentStatusKey.GetName()}
	for _, o := range r.s.Odoo.Orders {
		ref := activities.PaymentWorkflowRef{OrderName: o.Name, WorkflowID: PaymentWorkflowID(r.in.Database, o.Name)}
		if !slices.Contains(in.Workflows, ref) {
			in.Workflows = append(in.Workflows, ref)
		}
	}
	if len(in.Workflows) > 0 {
		if err := workflow.ExecuteActivity(withTemporal(ctx), paymentWorkflows.DescribePayments, in).Get(ctx, &r.s.Workflows); err != nil {
			return fmt.Errorf("describe the payment workflows: %w", err)
		}
	}
	r.s.Step = StepCompare
	return nil
}

// startPayments starts the payment workflows the period's confirmed
// Afterpay orders lack.
func (r *reconciler) startPayments(ctx workflow.Context) error {
	for len(r.s.ToStart) > 0 {
		o := r.s.ToStart[0]
		var started activities.PaymentStarted
		err := workflow.ExecuteActivity(withTemporal(ctx), paymentWorkflows.StartMissingPayment, activities.StartPaymentInput{
			Database: r.in.Database, OrderName: o.Name, OrderID: o.ID, ReturnURL: r.in.ReturnURL,
			ConfirmationTimeout: r.in.ConfirmationTimeout, CaptureMode: r.in.CaptureMode,
		}).Get(ctx, &started)
		if err != nil {
			return fmt.Errorf("start the payment workflow of %s: %w", o.Name, err)
		}
		r.s.Report.Started = append(r.s.Report.Started, StartedPayment{OrderName: o.Name, OrderID: o.ID, Outcome: StartOutcome(started.Outcome)})
		if StartOutcome(started.Outcome) == Started {
			r.s.Report.Counts.Started++
			workflow.GetLogger(ctx).Info("Started the payment workflow its order-confirmed webhook did not start", "order", o.Name)
		}
		r.s.ToStart = r.s.ToStart[1:]
	}
	r.s.Step = StepTellFinance
	return nil
}

// tellFinance gives finance an activity on each order whose payment
// differs. Its summary names the drift, so that a second run finds it open
// and adds none.
func (r *reconciler) tellFinance(ctx workflow.Context) error {
	for i := range r.s.Report.Drift {
		d := &r.s.Report.Drift[i]
		if d.OrderID == 0 || d.Activity {
			continue
		}
		err := workflow.ExecuteActivity(withOdoo(ctx), act.ScheduleOrderActivity, activities.OrderActivityInput{
			OrderID: d.OrderID, Summary: driftSummary(*d), Note: driftNote(*d, r.s.Report.From, r.s.Report.To), Deadline: workflow.Now(ctx),
		}).Get(ctx, nil)
		if err != nil {
			return fmt.Errorf("give finance an activity on %s: %w", d.OrderName, err)
		}
		d.Activity = true
		r.s.Report.Counts.Activities++
	}
	r.s.Step = StepReconcileDone
	return nil
}

// driftSummary is the activity's title and, with the order, its key: the
// same drift found again is the same activity.
func driftSummary(d Drift) string {
	id := d.AfterpayOrderID
	if id == "" {
		id = "unknown"
	}
	return fmt.Sprintf("Afterpay reconciliation: Afterpay order %s: Afterpay %s, Odoo %s", id, d.Afterpay, d.Odoo)
}

func driftNote(d Drift, from, to time.Time) string {
	return d.Detail + " What to do: find which side is right (the payment in Odoo's Afterpay journal, memo \"Afterpay " + d.AfterpayOrderID +
		"\", or the order in Afterpay's merchant portal) and correct the other; the next reconciliation then finds them equal. " +
		"Found by the reconciliation of " + from.UTC().Format(time.RFC3339) + " to " + to.UTC().Format(time.RFC3339) + "."
}

// inFlight are the statuses of a payment under way: Afterpay and Odoo may
// disagree for the moment it takes.
var inFlight = map[Status]bool{
	StatusAwaitingOrder: true, StatusCreatingCheckout: true, StatusAwaitingCustomer: true,
	StatusCapturing: true, StatusRecording: true, StatusCompensating: true,
}

// compareSources is the reconciliation's judgement, a pure function of
// what it read: the report, and the orders whose payment workflow to
// start.
func compareSources(s *ReconcileState, from, to time.Time) (ReconciliationReport, []activities.OdooOrderSeen) {
	rep := ReconciliationReport{From: from, To: to, Started: s.Report.Started}
	byAfterpay := map[string]activities.AfterpayPaymentSeen{}
	refundOwner := map[string]string{}
	named := map[string]bool{}
	for _, p := range s.Afterpay {
		byAfterpay[p.OrderID] = p
		for _, id := range p.RefundIDs {
			refundOwner[id] = p.OrderID
		}
		if p.Approved() {
			named[p.MerchantReference] = true
		}
	}
	orderByID := map[int64]activities.OdooOrderSeen{}
	orderByName := map[string]activities.OdooOrderSeen{}
	orderByAfterpay := map[string]activities.OdooOrderSeen{}
	for _, o := range s.Odoo.Orders {
		orderByID[o.ID], orderByName[o.Name] = o, o
		if o.AfterpayOrderID != "" {
			orderByAfterpay[o.AfterpayOrderID] = o
		}
	}
	txDone := map[string]activities.OdooTransactionSeen{}
	txOrders := map[int64]bool{}
	for _, tx := range s.Odoo.Transactions {
		for _, id := range tx.OrderIDs {
			txOrders[id] = true
		}
		if tx.State == "done" && tx.AfterpayOrderID != "" {
			txDone[tx.AfterpayOrderID] = tx
		}
	}
	workflows := map[string]activities.PaymentWorkflowSeen{}
	for _, w := range s.Workflows {
		workflows[w.OrderName] = w
	}

	// The Afterpay orders to compare, and Odoo's payments of each.
	compared := map[string]bool{}
	for _, p := range s.Afterpay {
		if p.Approved() {
			compared[p.OrderID] = true
			rep.Counts.AfterpayPayments++
		}
	}
	for id := range txDone {
		compared[id] = true
	}
	paid := map[string][]activities.OdooPaymentSeen{}
	var orphans []activities.OdooPaymentSeen
	for _, p := range s.Odoo.Payments {
		rep.Counts.OdooPayments++
		id := p.AfterpayOrderID
		if owner := refundOwner[p.RefundID]; p.RefundID != "" && owner != "" {
			id = owner
		}
		if !p.Recognised || id == "" {
			orphans = append(orphans, p)
			continue
		}
		paid[id] = append(paid[id], p)
		compared[id] = true
	}

	for _, id := range slices.Sorted(maps.Keys(compared)) {
		ap, known := byAfterpay[id]
		held := money.Money{}
		if known && ap.Approved() {
			held = ap.Net
		}
		shown, in, out, ids := odooNet(paid[id])
		order, found := orderByAfterpay[id]
		if !found && known {
			order, found = orderByName[ap.MerchantReference]
		}
		if !found {
			if tx, ok := txDone[id]; ok && len(tx.OrderIDs) > 0 {
				order, found = orderByID[tx.OrderIDs[0]]
			}
		}
		if w, ok := workflows[order.Name]; found && ok && w.Running && inFlight[Status(w.Status)] {
			rep.Counts.InFlight++
			continue
		}
		_, done := txDone[id]
		if sameMoney(held, shown) && (known || !done) {
			if known && ap.Approved() {
				rep.Counts.Matched++
			}
			continue
		}
		d := Drift{AfterpayOrderID: id, OrderName: order.Name, OrderID: order.ID, Afterpay: held, Odoo: shown, PaymentIDs: ids}
		of := "Afterpay order " + id
		if order.Name != "" {
			of += " (order " + order.Name + ")"
		}
		journal := fmt.Sprintf("Odoo's Afterpay journal shows %s (received %s, paid back %s)", shown, in, out)
		switch {
		case !known || !ap.Approved():
			d.Kind = DriftNotAtAfterpay
			why := "Afterpay has no such order"
			if known {
				why = "Afterpay declined it"
			}
			d.Detail = fmt.Sprintf("%s for %s, but %s.", journal, of, why)
			if done {
				d.Detail += " Odoo's payment transaction for it is done."
			}
		case len(ids) == 0:
			d.Kind = DriftCapturedNotInOdoo
			d.Detail = fmt.Sprintf("Afterpay holds %s of %s (captured %s, refunded %s), and Odoo's Afterpay journal shows no payment for it.",
				held, of, ap.Captured, ap.Refunded)
		default:
			d.Kind = DriftAmountsDiffer
			d.Detail = fmt.Sprintf("Afterpay holds %s of %s (captured %s, refunded %s); %s.", held, of, ap.Captured, ap.Refunded, journal)
		}
		rep.Drift = append(rep.Drift, d)
	}
	for _, p := range orphans {
		d := Drift{Kind: DriftNotAtAfterpay, Odoo: signed(p), PaymentIDs: []int64{p.ID}}
		switch {
		case p.RefundID != "":
			d.Detail = fmt.Sprintf("Odoo's Afterpay journal pays back %s as Afterpay refund %s, which no Afterpay order has.", p.Amount, p.RefundID)
		default:
			d.Detail = fmt.Sprintf("Odoo's Afterpay journal has a payment of %s (id %d) whose memo names no Afterpay order: it was not booked by the product.", p.Amount, p.ID)
		}
		rep.Drift = append(rep.Drift, d)
	}
	for _, d := range rep.Drift {
		switch d.Kind {
		case DriftCapturedNotInOdoo:
			rep.Counts.CapturedNotInOdoo++
		case DriftNotAtAfterpay:
			rep.Counts.NotAtAfterpay++
		case DriftAmountsDiffer:
			rep.Counts.AmountsDiffer++
		}
	}

	// The period's confirmed Afterpay orders without a payment workflow.
	var toStart []activities.OdooOrderSeen
	for _, o := range s.Odoo.Orders {
		if o.State != "sale" || !o.Afterpay || o.Confirmed.Before(from) || !o.Confirmed.Before(to) {
			continue
		}
		rep.Counts.OdooOrders++
		w := workflows[o.Name]
		if w.Found && (w.Running || Status(w.Status) != StatusOrderNotConfirmed) {
			continue
		}
		if slices.ContainsFunc(rep.Started, func(p StartedPayment) bool { return p.OrderName == o.Name }) {
			continue
		}
		switch {
		case txOrders[o.ID] || o.AfterpayOrderID != "" || named[o.Name]:
			// A checkout was made for it once: a new payment workflow would
			// make a second one. A person decides.
			rep.Unstarted = append(rep.Unstarted, Unstarted{OrderName: o.Name, OrderID: o.ID,
				Reason: "it has no payment workflow, yet Odoo or Afterpay shows an earlier Afterpay payment of it (its workflow's history may have expired): check the order, and start one with `starter start -order " + o.Name + "` if it is still to be paid"})
			rep.Counts.Unstarted++
		default:
			toStart = append(toStart, o)
		}
	}
	return rep, toStart
}

// odooNet is what the payments show: received less paid back, the two
// parts, and their ids.
func odooNet(payments []activities.OdooPaymentSeen) (net, in, out money.Money, ids []int64) {
	for _, p := range payments {
		cur := p.Amount.Currency
		if net.Currency == "" {
			net.Currency, in.Currency, out.Currency = cur, cur, cur
		}
		net.Minor += signed(p).Minor
		if p.Inbound {
			in.Minor += p.Amount.Minor
		} else {
			out.Minor += p.Amount.Minor
		}
		ids = append(ids, p.ID)
	}
	return net, in, out, ids
}

func signed(p activities.OdooPaymentSeen) money.Money {
	if p.Inbound {
		return p.Amount
	}
	return money.Money{Minor: -p.Amount.Minor, Currency: p.Amount.Currency}
}

// sameMoney: equal amounts in the same currency; zero is zero in any.
func sameMoney(a, b money.Money) bool {
	if a.Minor == 0 && b.Minor == 0 {
		return true
	}
	return a.Minor == b.Minor && strings.EqualFold(a.Currency, b.Currency)
}
