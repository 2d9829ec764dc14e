package workflows

import (
	"errors"
	"time"

	"go.temporal.io/sdk/log"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/odoo-afterpay/bridge/activities"
	"github.com/odoo-afterpay/bridge/money"
)

// act is the method-value handle for activities; a nil receiver is enough to
// name them.
var act *activities.Activities

// Phase is the step of the payment's state machine. Each phase has its
// file, phase_*.go; a phase's step may run again after a failure (every
// activity is idempotent), so it resumes rather than repeats.
type Phase string

// The phases, in the order a payment normally passes through them.
const (
	PhaseAwaitingOrder    Phase = "awaiting_order"    // read the order until Odoo shows it confirmed
	PhaseCreatingCheckout Phase = "creating_checkout" // map the order, create the checkout and Odoo's transaction
	PhaseAwaitingCustomer Phase = "awaiting_customer" // the customer's return, or asking Afterpay on a timer
	PhaseCapturing        Phase = "capturing"         // capture, or learn what a capture did
	PhaseRecording        Phase = "recording"         // the transaction done in Odoo, the chatter note
	PhaseBooking          Phase = "booking"           // book the money in Odoo, invoice, reconcile
	PhaseAfterSale        Phase = "after_sale"        // booked: later events until Afterpay's refund window closes
	PhaseCompensating     Phase = "compensating"      // give the money back, then tell Odoo
	PhaseClosing          Phase = "closing"           // no money moved: cancel the transaction, tell Odoo why
	PhaseDone             Phase = "done"
)

// State is everything the workflow knows of one order's payment.
type State struct {
	Phase  Phase  `json:"phase"`
	Status Status `json:"status"`
	// Reason says why the payment ended, or what it needs, in words for the
	// merchant's staff.
	Reason string `json:"reason,omitempty"`
	// Order identifies the order; it holds nothing personal.
	Order struct {
		ID        int64        `json:"id,omitempty"`
		Name      string       `json:"name"`
		PartnerID int64        `json:"partnerId,omitempty"`
		Total     *money.Money `json:"total,omitempty"`
	} `json:"order"`
	Checkout struct {
		Token       string    `json:"token,omitempty"`
		RedirectURL string    `json:"redirectUrl,omitempty"`
		Expires     time.Time `json:"expires,omitzero"`
		// CustomerLeft is set when the customer came back from Afterpay's
		// page without paying; the checkout stays open until it expires.
		CustomerLeft bool `json:"customerLeft,omitempty"`
		// NextProbe is when the workflow next asks Afterpay whether the
		// customer approved, in case their return never arrives.
		NextProbe time.Time     `json:"nextProbe,omitzero"`
		ProbeWait time.Duration `json:"probeWait,omitempty"`
	} `json:"checkout"`
	TransactionID   int64  `json:"transactionId,omitempty"`
	AfterpayOrderID string `json:"afterpayOrderId,omitempty"`
	// CaptureMode is CaptureImmediate or CaptureDeferred.
	CaptureMode string `json:"captureMode,omitempty"`
	// PaidAt is when the customer's payment was approved (captured or
	// authorised): Afterpay's refund window runs from it.
	PaidAt      time.Time `json:"paidAt,omitzero"`
	CapturedAt  time.Time `json:"capturedAt,omitzero"`
	AuthExpires time.Time `json:"authExpires,omitzero"`
	AuthWarned  bool      `json:"authWarned,omitempty"`
	// InvoicingHeld: the order has a credit note made from its invoice
	// lines, so the payment no longer invoices it by itself (the chatter
	// says so once).
	InvoicingHeld bool `json:"invoicingHeld,omitempty"`
	// Bookings are the customer payments booked in Odoo.
	Bookings []Booking `json:"bookings,omitempty"`
	// PaidInvoices are the order's invoices the workflow saw posted and
	// paid: their "posted" events need no new look at Odoo.
	PaidInvoices []int64 `json:"paidInvoices,omitempty"`
	// OpenNote is the last "still open" note, so that it is said once.
	OpenNote string `json:"openNote,omitempty"`
	Ledger   Ledger `json:"ledger"`
	Inbox    Inbox  `json:"inbox"`
	// Ending is the outcome the closing phase records in Odoo.
	Ending *Ending `json:"ending,omitempty"`
	// Compensation is set once the money must go back.
	Compensation *Compensation `json:"compensation,omitempty"`
	// Attention is set while the payment waits for a person or for a
	// peer to come back.
	Attention *Attention `json:"attention,omitempty"`
	// CreditNotes are the order's posted credit notes the payment handled.
	CreditNotes []CreditNote `json:"creditNotes,omitempty"`
	// Operator records the operators' actions.
	Operator []OperatorRecord `json:"operator,omitempty"`
	// NextCheck is when the payment next compares itself with Afterpay's
	// record and Odoo's books (daily, after the sale).
	NextCheck time.Time `json:"nextCheck,omitzero"`
}

// Ending is how a payment without money ends, and what Odoo is told.
type Ending struct {
	Status Status `json:"status"`
	Reason string `json:"reason"`
	// Note is the chatter note.
	Note string `json:"note"`
	// Label is the order's Afterpay status.
	Label string `json:"label,omitempty"`
}

// Payment is the payment workflow; register it with
// RegisterWorkflowWithOptions under PaymentWorkflowName.
type Payment struct{}

// run is one execution: its state, and the handles it works with.
type run struct {
	in     PaymentInput
	s      *State
	ch     channels
	logger log.Logger
	// working is the credit note being refunded, for park to name.
	working *CreditNote
	metered metered // the money counted in the metrics
	// asked holds the keys of the idempotent Odoo steps (notes, bookings)
	// asked for in this run: asking again (a step re-run after a failure)
	// tells the activity that an earlier attempt may have made the record.
	// A new run after continue-as-new starts idle, with none in flight.
	asked map[string]bool
	// fewerCommands: this run cancels the timers of waits a message ended,
	// and upserts search attributes set together in one command
	// (fewerCommandsChange).
	fewerCommands bool
	// pendingAttributes are search attributes set since the last upsert.
	pendingAttributes []temporal.SearchAttributeUpdate
}

// fewerCommandsChange gates two savings of Temporal commands that histories
// recorded before them do not have: a wait a message ends cancels its
// timer, rather than leave it to fire later into the payment (a workflow
// task for nothing); and search attributes set together are upserted
// together, at the next status change or wait, while OdooOrderRef is not
// upserted again when the start set it.
const fewerCommandsChange = "fewer-commands"

// Run drives one order's Afterpay payment from the confirmed sale order to
// the money recorded in Odoo, or given back, or to a clear reason why not.
// It never fails for a business reason or a peer's outage: a payment that
// needs a person waits for one, running, with PaymentStatus needs_attention.
func (p *Payment) Run(ctx workflow.Context, in PaymentInput) (*PaymentResult, error) {
	if err := in.Validate(); err != nil {
		return nil, temporal.NewNonRetryableApplicationError(err.Error(), "InvalidInput", nil)
	}
	r := &run{in: in, s: in.Resume, ch: newChannels(ctx), logger: log.With(workflow.GetLogger(ctx), "order", in.OrderName)}
	r.in.Resume = nil
	if r.s == nil {
		r.s = &State{Phase: PhaseAwaitingOrder, Status: StatusAwaitingOrder}
		r.s.Order.Name = in.OrderName
		r.s.Order.ID = in.OrderID
	}
	r.startMetering()
	// Before the handlers, whose waits depend on it too.
	r.fewerCommands = workflow.GetVersion(ctx, fewerCommandsChange, workflow.DefaultVersion, 1) >= 1
	if err := r.registerHandlers(ctx); err != nil {
		return nil, err
	}
	if in.Resume == nil && !(r.fewerCommands && startedWith(ctx, OdooOrderRefKey, in.OrderName)) {
		if err := workflow.UpsertTypedSearchAttributes(ctx, OdooOrderRefKey.ValueSet(in.OrderName)); err != nil {
			return nil, err
		}
	}
	for r.s.Phase != PhaseDone {
		err := r.step(ctx)
		r.flushAttributes(ctx)
		r.meterMoney(ctx)
		if err == nil {
			r.recovered(ctx)
			continue
		}
		if errors.Is(ctx.Err(), workflow.ErrCanceled) || temporal.IsCanceledError(err) {
			return r.cancelled(ctx, err)
		}
		if workflow.IsContinueAsNewError(err) {
			return nil, err
		}
		if err := r.park(ctx, err); err != nil {
			return nil, err
		}
	}
	return r.result(), nil
}

// step runs the current phase once.
func (r *run) step(ctx workflow.Context) error {
	switch r.s.Phase {
	case PhaseAwaitingOrder:
		return r.awaitOrder(ctx)
	case PhaseCreatingCheckout:
		return r.createCheckout(ctx)
	case PhaseAwaitingCustomer:
		return r.awaitCustomer(ctx)
	case PhaseCapturing:
		return r.capture(ctx)
	case PhaseRecording:
		return r.record(ctx)
	case PhaseBooking:
		return r.book(ctx)
	case PhaseAfterSale:
		return r.afterSale(ctx)
	case PhaseCompensating:
		return r.compensate(ctx)
	case PhaseClosing:
		return r.close(ctx)
	}
	return temporal.NewNonRetryableApplicationError("unknown phase "+string(r.s.Phase), "InvalidState", nil)
}

// cancelled ends a workflow an operator cancelled in Temporal. Money that
// was captured and not recorded goes back first, on a context the
// cancellation cannot stop.
func (r *run) cancelled(ctx workflow.Context, cause error) (*PaymentResult, error) {
	if r.s.Ledger.Net().Minor > 0 && (r.s.Phase == PhaseRecording || r.s.Phase == PhaseCompensating) {
		dctx, cancel := workflow.NewDisconnectedContext(ctx)
		defer cancel()
		r.startCompensation(dctx, "the payment workflow was cancelled in Temporal before Odoo recorded the payment")
		for r.s.Phase == PhaseCompensating {
			if err := r.compensate(dctx); err != nil {
				r.logger.Error("Compensation after cancellation failed", "error", err)
				break
			}
		}
	}
	return nil, cause
}

// moveTo enters phase and shows the matching PaymentStatus.
func (r *run) moveTo(ctx workflow.Context, phase Phase) {
	r.s.Phase = phase
	if s, ok := phaseStatus[phase]; ok {
		r.setStatus(ctx, s)
	}
}

var phaseStatus = map[Phase]Status{
	PhaseAwaitingOrder:    StatusAwaitingOrder,
	PhaseCreatingCheckout: StatusCreatingCheckout,
	PhaseAwaitingCustomer: StatusAwaitingCustomer,
	PhaseCapturing:        StatusCapturing,
	PhaseRecording:        StatusRecording,
	PhaseBooking:          StatusRecording,
	PhaseCompensating:     StatusCompensating,
}

func (r *run) setStatus(ctx workflow.Context, s Status) {
	if r.s.Status == s {
		return
	}
	r.s.Status = s
	countStatus(ctx, s)
	r.showDetails(ctx, "")
	// With what was set since the last upsert, in one command.
	if err := r.setAttributes(ctx, PaymentStatusKey.ValueSet(string(s))); err != nil {
		r.logger.Error("Upserting PaymentStatus failed", "error", err)
	}
	r.flushAttributes(ctx)
}

// setAttributes sets search attributes: at once in a run before
// fewerCommandsChange, else with the next status change, wait or step's
// end (flushAttributes).
func (r *run) setAttributes(ctx workflow.Context, updates ...temporal.SearchAttributeUpdate) error {
	if !r.fewerCommands {
		return workflow.UpsertTypedSearchAttributes(ctx, updates...)
	}
	r.pendingAttributes = append(r.pendingAttributes, updates...)
	return nil
}

// flushAttributes upserts the search attributes set since the last upsert,
// in one command.
func (r *run) flushAttributes(ctx workflow.Context) {
	if len(r.pendingAttributes) == 0 {
		return
	}
	updates := r.pendingAttributes
	r.pendingAttributes = nil
	if err := workflow.UpsertTypedSearchAttributes(ctx, updates...); err != nil {
		r.logger.Error("Upserting search attributes failed", "error", err)
	}
}

// startedWith reports whether the workflow's start set key to value.
func startedWith(ctx workflow.Context, key temporal.SearchAttributeKeyKeyword, value string) bool {
	v, ok := workflow.GetTypedSearchAttributes(ctx).GetKeyword(key)
	return ok && v == value
}

// finish ends the payment with status and reason.
func (r *run) finish(ctx workflow.Context, s Status, reason string) {
	r.setStatus(ctx, s)
	r.s.Reason = reason
	r.s.Phase = PhaseDone
	r.showDetails(ctx, "")
	r.logger.Info("Payment finished", "status", s, "reason", reason)
}

// endWithoutMoney moves to the closing phase, which tells Odoo (the
// transaction, if any, cancelled; a chatter note) and ends the payment.
func (r *run) endWithoutMoney(ctx workflow.Context, e Ending) {
	r.s.Ending = &e
	r.s.Reason = e.Reason
	r.s.Phase = PhaseClosing
}

func (r *run) result() *PaymentResult {
	return &PaymentResult{
		Status: r.s.Status, Reason: r.s.Reason, AfterpayOrderID: r.s.AfterpayOrderID,
		Amount: r.s.Order.Total, TransactionID: r.s.TransactionID,
	}
}

// returnURL is where Afterpay sends the customer back; the order name lets
// the API find this workflow without a visibility query.
func (r *run) returnURL() string {
	sep := "?"
	for i := 0; i < len(r.in.ReturnURL); i++ {
		if r.in.ReturnURL[i] == '?' {
			sep = "&"
		}
	}
	return r.in.ReturnURL + sep + "order=" + r.in.OrderName
}

// transactionReference is the order's unique payment.transaction reference.
func transactionReference(orderName string) string { return orderName + "-AFTERPAY" }
