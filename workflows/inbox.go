package workflows

import (
	"time"

	"go.temporal.io/sdk/workflow"
)

// MessageKind is the kind of a Message.
type MessageKind string

// The kinds of message a payment receives.
const (
	MsgCustomerReturn MessageKind = "customer_return"
	MsgAfterpayEvent  MessageKind = "afterpay_event"
	MsgOperator       MessageKind = "operator"
	MsgOdooEvent      MessageKind = "odoo_event"
)

// Message is one thing that happened outside the workflow: the customer's
// return, an event at Afterpay, an operator's action. Every signal and
// update lands in the payment's one inbox as a Message.
type Message struct {
	// ID deduplicates: a message with an ID seen before is dropped.
	ID       string          `json:"id"`
	Kind     MessageKind     `json:"kind"`
	Return   *CustomerReturn `json:"return,omitempty"`
	Afterpay *AfterpayEvent  `json:"afterpay,omitempty"`
	Operator *OperatorAction `json:"operator,omitempty"`
	Odoo     *OdooEvent      `json:"odoo,omitempty"`
}

// Inbox holds the messages not handled yet, in arrival order. A message
// that arrives before its step waits there for it.
type Inbox struct {
	Pending []Message `json:"pending,omitempty"`
	// Seen holds every message ID ever accepted; Log lists them in order.
	Seen map[string]bool `json:"seen,omitempty"`
	Log  []string        `json:"log,omitempty"`
}

// add accepts m unless its ID was seen; it reports whether it did.
func (b *Inbox) add(m Message) bool {
	if b.Seen == nil {
		b.Seen = map[string]bool{}
	}
	if b.Seen[m.ID] {
		return false
	}
	b.Seen[m.ID] = true
	b.Log = append(b.Log, m.ID)
	b.Pending = append(b.Pending, m)
	return true
}

// has reports whether a pending message satisfies want.
func (b *Inbox) has(want func(*Message) bool) bool {
	for i := range b.Pending {
		if want(&b.Pending[i]) {
			return true
		}
	}
	return false
}

// take removes and returns the first pending message that satisfies want.
func (b *Inbox) take(want func(*Message) bool) *Message {
	for i := range b.Pending {
		if want(&b.Pending[i]) {
			m := b.Pending[i]
			b.Pending = append(b.Pending[:i], b.Pending[i+1:]...)
			return &m
		}
	}
	return nil
}

// drop removes every pending message that satisfies match and returns them.
func (b *Inbox) drop(match func(*Message) bool) []Message {
	var kept, dropped []Message
	for _, m := range b.Pending {
		if match(&m) {
			dropped = append(dropped, m)
		} else {
			kept = append(kept, m)
		}
	}
	b.Pending = kept
	return dropped
}

func kindIs(k MessageKind) func(*Message) bool {
	return func(m *Message) bool { return m.Kind == k }
}

// channels are the payment's signal channels. Signals are read by the
// workflow's one coroutine whenever it waits; updates add to the inbox
// from their handlers.
type channels struct {
	customerReturn, afterpayEvent, operator, odooEvent workflow.ReceiveChannel
}

func newChannels(ctx workflow.Context) channels {
	return channels{
		customerReturn: workflow.GetSignalChannelWithOptions(ctx, SignalCustomerReturn, workflow.SignalChannelOptions{
			Description: `The customer's return from Afterpay's checkout page, as the API sends it: {"status":"SUCCESS","orderToken":"002.…"}. Prefer the update customer-returned, which answers the outcome.`,
		}),
		afterpayEvent: workflow.GetSignalChannelWithOptions(ctx, SignalAfterpayEvent, workflow.SignalChannelOptions{
			Description: `An event Afterpay reported (the API sends these from verified webhooks), applied once per id: {"id":"evt-1","kind":"payment.refund_settled","orderId":"…"}; kinds: payment.capture_completed, payment.refund_settled, payment.auth_voided, dispute.`,
		}),
		operator: workflow.GetSignalChannelWithOptions(ctx, SignalOperatorAction, workflow.SignalChannelOptions{
			Description: `An operator's action, for scripts (the Web UI should send the update "operator", which refuses a wrong action at once): {"action":"retry","by":"you@shop"}, {"action":"resolve","note":"…","by":"you@shop"}, {"action":"refund","amount":"12.50","note":"…","by":"you@shop"}, {"action":"void","by":"you@shop"}. "by" is required.`,
		}),
		odooEvent: workflow.GetSignalChannelWithOptions(ctx, SignalOdooEvent, workflow.SignalChannelOptions{
			Description: `Something happened to the order in Odoo (the API sends these from Odoo's automation rules), applied once per id; the workflow reads Odoo itself: {"id":"account.move:9:posted","kind":"credit_note_posted","model":"account.move","recordId":9}.`,
		}),
	}
}

func (c channels) waiting() bool {
	return c.customerReturn.Len() > 0 || c.afterpayEvent.Len() > 0 || c.operator.Len() > 0 || c.odooEvent.Len() > 0
}

// drain moves every buffered signal into the inbox.
func (r *run) drain(ctx workflow.Context) {
	for {
		var ret CustomerReturn
		if !r.ch.customerReturn.ReceiveAsync(&ret) {
			break
		}
		r.receive(ctx, returnMessage(ret))
	}
	for {
		var ev AfterpayEvent
		if !r.ch.afterpayEvent.ReceiveAsync(&ev) {
			break
		}
		r.receive(ctx, Message{ID: "afterpay:" + ev.ID, Kind: MsgAfterpayEvent, Afterpay: &ev})
	}
	for {
		var op OperatorAction
		if !r.ch.operator.ReceiveAsync(&op) {
			break
		}
		r.receive(ctx, r.operatorMessage(op, ""))
	}
	for {
		var ev OdooEvent
		if !r.ch.odooEvent.ReceiveAsync(&ev) {
			break
		}
		r.receive(ctx, Message{ID: "odoo:" + ev.ID, Kind: MsgOdooEvent, Odoo: &ev})
	}
}

func returnMessage(ret CustomerReturn) Message {
	return Message{ID: "return:" + ret.Status + ":" + ret.OrderToken, Kind: MsgCustomerReturn, Return: &ret}
}

// receive accepts m into the inbox, logging duplicates.
func (r *run) receive(ctx workflow.Context, m Message) {
	if !r.s.Inbox.add(m) {
		r.logger.Info("Duplicate message ignored", "message", m.ID)
		return
	}
	r.logger.Info("Message received", "kind", m.Kind)
}

// waitFor waits until a message that satisfies want arrives, and returns
// it, or until d passes (d <= 0 waits without end) and returns nil.
// Messages that do not satisfy want stay in the inbox for their step.
func (r *run) waitFor(ctx workflow.Context, d time.Duration, summary string, want func(*Message) bool) (*Message, error) {
	deadline := workflow.Now(ctx).Add(d)
	for {
		r.drain(ctx)
		if m := r.s.Inbox.take(want); m != nil {
			return m, nil
		}
		r.showDetails(ctx, summary)
		r.flushAttributes(ctx)
		ready := func() bool { return r.ch.waiting() || r.s.Inbox.has(want) }
		if d <= 0 {
			if err := workflow.Await(ctx, ready); err != nil {
				return nil, err
			}
			continue
		}
		remaining := deadline.Sub(workflow.Now(ctx))
		if remaining <= 0 {
			return nil, nil
		}
		ok, err := r.awaitUntil(ctx, remaining, summary, ready)
		if err != nil {
			return nil, err
		}
		if !ok {
			r.drain(ctx)
			return r.s.Inbox.take(want), nil
		}
	}
}

// awaitUntil waits until ready or until d passes, and reports whether ready
// came first. Its timer is then cancelled (fewerCommandsChange): left
// alone, it would fire into a payment that has moved on and stay in
// Temporal's timer table until then. The SDK's AwaitWithOptions cancels it
// only with an SDK flag that v1.50 leaves off.
func (r *run) awaitUntil(ctx workflow.Context, d time.Duration, summary string, ready func() bool) (bool, error) {
	opts := workflow.TimerOptions{Summary: summary}
	if !r.fewerCommands {
		return workflow.AwaitWithOptions(ctx, workflow.AwaitOptions{Timeout: d, TimerOptions: opts}, ready)
	}
	return awaitCancellingTimer(ctx, d, opts, ready)
}

// awaitCancellingTimer is AwaitWithOptions cancelling its timer when ready
// comes first.
func awaitCancellingTimer(ctx workflow.Context, d time.Duration, opts workflow.TimerOptions, ready func() bool) (bool, error) {
	if ready() {
		return true, nil
	}
	timerCtx, cancelTimer := workflow.WithCancel(ctx)
	timer := workflow.NewTimerWithOptions(timerCtx, d, opts)
	if err := workflow.Await(ctx, func() bool { return timer.IsReady() || ready() }); err != nil {
		cancelTimer()
		return false, err
	}
	if timer.IsReady() {
		return false, nil
	}
	cancelTimer()
	return true, nil
}
