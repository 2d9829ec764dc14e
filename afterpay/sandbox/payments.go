package sandbox

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"time"

	"github.com/odoo-afterpay/bridge/money"
)

// idempotencyTTL is how long a requestId's response is replayed (refunds:
// for good).
const idempotencyTTL = 24 * time.Hour

// operation is one state-changing request, run by execute.
type operation struct {
	// gate runs first, before any replay; a non-nil response ends the request.
	gate func(now time.Time) *response
	// replayKey is the idempotency key whose stored response is replayed;
	// "" when the request carries none.
	replayKey string
	// durable keeps the stored response past the 24 h window (refunds).
	durable bool
	// busy are keys no other request may hold at the same time (409).
	busy []string
	// check validates against the current state; it runs before and again
	// after the (possibly delayed) in-flight period, and a non-nil response
	// ends the request.
	check func(now time.Time) *response
	// commit applies the operation; it runs only if check passed.
	commit func(now time.Time) response
}

// execute runs op with Afterpay's idempotency semantics: a stored response for
// replayKey is replayed; a duplicate while the first is in flight gets 409;
// otherwise check, wait out any latency fault, check again and commit. Only
// successful outcomes (2xx, and a declined auth's 402 Payment) are stored;
// errors are recomputed on retry.
func (s *Server) execute(rc *requestContext, op operation) response {
	s.mu.Lock()
	now := s.now()
	if op.gate != nil {
		if res := op.gate(now); res != nil {
			s.mu.Unlock()
			return *res
		}
	}
	if op.replayKey != "" {
		if rec := s.st.Idempotency[op.replayKey]; rec != nil {
			if rec.Durable || now.Sub(rec.Created) < idempotencyTTL {
				s.mu.Unlock()
				return response{status: rec.Response.Status, body: rec.Response.Body, contentType: "application/json"}
			}
			delete(s.st.Idempotency, op.replayKey)
		}
	}
	keys := op.busy
	if op.replayKey != "" {
		keys = append(slices.Clone(keys), op.replayKey)
	}
	for _, k := range keys {
		if s.inFlight[k] {
			s.mu.Unlock()
			return s.conflict()
		}
	}
	if res := op.check(now); res != nil {
		s.mu.Unlock()
		return *res
	}
	for _, k := range keys {
		s.inFlight[k] = true
	}
	s.mu.Unlock()

	rc.wait()

	s.mu.Lock()
	defer s.mu.Unlock()
	for _, k := range keys {
		delete(s.inFlight, k)
	}
	now = s.now()
	if res := op.check(now); res != nil {
		return *res
	}
	res := op.commit(now)
	if op.replayKey != "" && (res.status < 300 || res.status == http.StatusPaymentRequired) {
		s.st.Idempotency[op.replayKey] = &idemRecord{Created: now, Response: stored{Status: res.status, Body: res.body}, Durable: op.durable}
	}
	return res
}

func isNumericID(id string) bool {
	if id == "" || len(id) > 19 {
		return false
	}
	for i := 0; i < len(id); i++ {
		if id[i] < '0' || id[i] > '9' {
			return false
		}
	}
	return true
}

// orderLocked returns the order with its lazy transitions applied; the
// caller holds s.mu.
func (s *Server) orderLocked(id string, now time.Time) *orderRecord {
	o := s.st.Orders[id]
	if o != nil {
		s.refresh(o, now)
	}
	return o
}

// refresh applies the transitions that happen with time alone, evaluated
// lazily whenever an order is touched: a pending reversal completes after
// ReversalDelay, and an auth past its expiry has its remainder voided and
// ends EXPIRED.
func (s *Server) refresh(o *orderRecord, now time.Time) {
	if !o.ReversalRequested.IsZero() {
		if !o.Reversed && !now.Before(o.ReversalRequested.Add(s.opts.ReversalDelay)) {
			o.Reversed = true
			o.State = stateReversed
			o.OpenToCapture = s.zero()
		}
		return
	}
	if o.AuthExpires.IsZero() || now.Before(o.AuthExpires) {
		return
	}
	if o.State != stateAuthApproved && o.State != statePartiallyCaptured {
		return
	}
	remainder := o.OpenToCapture
	o.OpenToCapture = s.zero()
	o.State = stateExpired
	o.Events = append(o.Events, eventJSON{ID: s.newEventID(), Created: formatTime(o.AuthExpires), Type: eventExpired, Amount: remainder})
	if !remainder.IsZero() {
		s.enqueueEvent(o, EventAuthVoided, remainder, "", o.AuthExpires)
	}
}

func (s *Server) zero() money.Money { return money.Money{Currency: s.opts.Currency} }

func (s *Server) paymentView(o *orderRecord) paymentJSON {
	p := paymentJSON{
		ID:                  o.ID,
		Token:               o.Token,
		Status:              o.Status,
		Created:             formatTime(o.Created),
		OriginalAmount:      o.Original,
		OpenToCaptureAmount: o.OpenToCapture,
		PaymentState:        o.State,
		MerchantReference:   o.MerchantReference,
		Refunds:             append([]refundJSON{}, o.Refunds...),
		OrderDetails:        o.Details,
		Events:              append([]eventJSON{}, o.Events...),
	}
	if p.OrderDetails.Items == nil {
		p.OrderDetails.Items = []itemJSON{}
	}
	if p.OrderDetails.Discounts == nil {
		p.OrderDetails.Discounts = []discountJSON{}
	}
	return p
}

func (s *Server) paymentResponse(status int, o *orderRecord) response {
	return jsonResponse(status, s.paymentView(o))
}

const msgPendingReversal = "Order in pending reversal, no captures/auth accepted"

func (s *Server) pendingReversal() *response {
	return s.failPtr(errf(http.StatusPreconditionFailed, "precondition_failed", "%s", msgPendingReversal))
}

// tokenRequest is the body of capture-full and auth.
type tokenRequest struct {
	RequestID         string          `json:"requestId"`
	Token             string          `json:"token"`
	MerchantReference *string         `json:"merchantReference"`
	Amount            json.RawMessage `json:"amount"`
}

func (s *Server) handleCapture(rc *requestContext) response {
	return s.handleTokenPayment(rc, flowCapture)
}

func (s *Server) handleAuth(rc *requestContext) response {
	return s.handleTokenPayment(rc, flowAuth)
}

// handleTokenPayment turns a confirmed checkout into an order: capture-full
// (immediate flow, idempotent on the token) or auth (deferred flow,
// idempotent on requestId).
func (s *Server) handleTokenPayment(rc *requestContext, flow string) response {
	var req tokenRequest
	if e := decode(rc.body, &req); e != nil {
		return s.fail(e)
	}
	// The OpenAPI document spells auth's field "requestid"; accept it too.
	if req.RequestID == "" && flow == flowAuth {
		var alt struct {
			RequestID string `json:"requestid"`
		}
		_ = json.Unmarshal(rc.body, &alt)
		req.RequestID = alt.RequestID
	}
	if req.Token == "" {
		return s.fail(invalidObject("token is required"))
	}
	if req.MerchantReference != nil {
		if e := tooLong("merchantReference", *req.MerchantReference, 128); e != nil {
			return s.fail(e)
		}
	}
	amount, e := s.optionalMoney(req.Amount, "amount", "unsupported_currency")
	if e != nil {
		return s.fail(e)
	}
	op := operation{busy: []string{"token:" + req.Token}}
	if flow == flowAuth && req.RequestID != "" {
		op.replayKey = "auth:" + req.RequestID
	}
	op.gate = func(now time.Time) *response {
		if rec := s.st.Checkouts[req.Token]; rec != nil && rec.OrderID != "" {
			if o := s.orderLocked(rec.OrderID, now); o != nil && !o.ReversalRequested.IsZero() {
				return s.pendingReversal()
			}
		}
		return nil
	}
	op.check = func(now time.Time) *response {
		rec := s.st.Checkouts[req.Token]
		if rec == nil {
			return s.failPtr(errf(http.StatusPaymentRequired, "invalid_token", "The checkout token is invalid, expired, or does not exist."))
		}
		if rec.OrderID != "" {
			if flow == flowCapture && rec.Flow == flowCapture && rec.Response != nil {
				// Capture-full is idempotent on the token.
				return &response{status: rec.Response.Status, body: rec.Response.Body, contentType: "application/json"}
			}
			return s.failPtr(errf(http.StatusPaymentRequired, "invalid_token", "The checkout token has already been used."))
		}
		if !rec.Reversed.IsZero() {
			return s.pendingReversal()
		}
		if s.checkoutExpired(rec, now) {
			return s.failPtr(errf(http.StatusPaymentRequired, "invalid_token", "The checkout token is invalid, expired, or does not exist."))
		}
		switch rec.State {
		case tokenCreated:
			return s.failPtr(errf(http.StatusPreconditionFailed, "invalid_order_transaction_status", "Order has not been approved."))
		case tokenCancelled:
			return s.failPtr(errf(http.StatusPreconditionFailed, "invalid_order_transaction_status", "Order was cancelled by the consumer."))
		}
		if rec.Data.Mode == "express" {
			if amount == nil {
				return s.failPtr(invalidObject("amount is required for express checkout"))
			}
			// The mismatch error code is undocumented; invalid_amount is the
			// simulator's choice.
			if *amount != rec.Data.Amount {
				return s.failPtr(invalidAmount("amount %s does not match the checkout amount %s", amount, rec.Data.Amount))
			}
		}
		return nil
	}
	op.commit = func(now time.Time) response {
		rec := s.st.Checkouts[req.Token]
		o := s.newOrder(rec, flow, now)
		if req.MerchantReference != nil {
			o.MerchantReference = *req.MerchantReference
		}
		status := http.StatusCreated
		if flow == flowAuth && o.Status == statusDeclined {
			status = http.StatusPaymentRequired
		}
		res := s.paymentResponse(status, o)
		rec.OrderID, rec.Flow = o.ID, flow
		rec.Response = &stored{Status: res.status, Body: res.body}
		return res
	}
	return s.execute(rc, op)
}

// newOrder creates the order for a consumed checkout; the caller holds s.mu.
func (s *Server) newOrder(rec *checkoutRecord, flow string, now time.Time) *orderRecord {
	d := rec.Data
	amount := d.Amount
	o := &orderRecord{
		ID:                s.nextOrderID(),
		Token:             rec.Token,
		Flow:              flow,
		Status:            statusApproved,
		Created:           now,
		Original:          amount,
		OpenToCapture:     s.zero(),
		Captured:          s.zero(),
		Refunded:          s.zero(),
		MerchantReference: d.MerchantReference,
		Refunds:           []refundJSON{},
		Details: orderDetailsJSON{
			Consumer: d.Consumer, Billing: d.Billing, Shipping: d.Shipping, Courier: d.Courier,
			Items: d.Items, Discounts: d.Discounts, TaxAmount: d.TaxAmount, ShippingAmount: d.ShippingAmount,
		},
	}
	declined := rec.State == tokenDeclined
	ev := eventJSON{ID: s.newEventID(), Created: formatTime(now), Amount: amount}
	switch {
	case flow == flowCapture && declined:
		o.Status, o.State, ev.Type = statusDeclined, stateCaptureDeclined, eventCaptureDeclined
	case flow == flowCapture:
		o.State, ev.Type = stateCaptured, eventCaptured
		o.Captured = amount
	case declined:
		o.Status, o.State, ev.Type = statusDeclined, stateAuthDeclined, eventAuthDeclined
	default:
		o.State, ev.Type = stateAuthApproved, eventAuthApproved
		o.OpenToCapture = amount
		o.AuthExpires = now.Add(s.opts.AuthTTL)
		expires := formatTime(o.AuthExpires)
		ev.Expires = &expires
	}
	o.Events = []eventJSON{ev}
	s.st.Orders[o.ID] = o
	if o.State == stateCaptured {
		s.enqueueEvent(o, EventCaptureCompleted, amount, "", now)
	}
	return o
}

// capturable returns the error Afterpay gives for capturing or voiding an
// order in o's state, or nil when money is open to capture.
func (s *Server) capturable(o *orderRecord) *response {
	if !o.ReversalRequested.IsZero() {
		return s.pendingReversal()
	}
	switch o.State {
	case stateAuthApproved, statePartiallyCaptured:
		return nil
	case stateAuthDeclined, stateCaptureDeclined:
		return s.failPtr(errf(http.StatusPreconditionFailed, "invalid_state", "The order was declined; no payment can be captured."))
	case stateCaptured:
		return s.failPtr(errf(http.StatusGone, "payment_captured", "The order has already been fully captured."))
	case stateVoided:
		return s.failPtr(errf(http.StatusPreconditionFailed, "payment_voided", "The auth for this order has been voided."))
	case stateExpired:
		return s.failPtr(errf(http.StatusPreconditionFailed, "payment_expired", "The auth for this order has expired."))
	}
	return s.failPtr(errf(http.StatusPreconditionFailed, "invalid_state", "The order is not open to capture."))
}

type deferredCaptureRequest struct {
	RequestID                     string          `json:"requestId"`
	Amount                        json.RawMessage `json:"amount"`
	MerchantReference             *string         `json:"merchantReference"`
	PaymentEventMerchantReference string          `json:"paymentEventMerchantReference"`
}

func (s *Server) handleDeferredCapture(rc *requestContext) response {
	orderID := rc.param
	if !isNumericID(orderID) {
		return s.apiError(http.StatusNotFound, "not_found", "No order found for orderId "+orderID)
	}
	var req deferredCaptureRequest
	if e := decode(rc.body, &req); e != nil {
		return s.fail(e)
	}
	if isNull(req.Amount) {
		return s.fail(invalidObject("amount is required"))
	}
	amount, e := s.parseMoney(req.Amount, "amount", "unsupported_currency")
	if e != nil {
		return s.fail(e)
	}
	if e := tooLong("paymentEventMerchantReference", req.PaymentEventMerchantReference, 128); e != nil {
		return s.fail(e)
	}
	if req.MerchantReference != nil {
		if e := tooLong("merchantReference", *req.MerchantReference, 128); e != nil {
			return s.fail(e)
		}
	}
	op := operation{busy: []string{"order:" + orderID}}
	if req.RequestID != "" {
		op.replayKey = "deferredCapture:" + req.RequestID
	}
	op.check = func(now time.Time) *response {
		o := s.orderLocked(orderID, now)
		if o == nil {
			return s.failPtr(errf(http.StatusPreconditionFailed, "error", "No order matches orderId %s.", orderID))
		}
		if res := s.capturable(o); res != nil {
			return res
		}
		// A remainder below the minimum can still be captured in full.
		if amount.Minor < s.opts.MinimumCapture.Minor && amount != o.OpenToCapture {
			return s.failPtr(invalidAmount("Capture amount %s is below the minimum capture amount %s.", amount, s.opts.MinimumCapture))
		}
		if amount.Minor > o.OpenToCapture.Minor {
			return s.failPtr(invalidAmount("Capture amount %s exceeded open to capture amount %s.", amount, o.OpenToCapture))
		}
		return nil
	}
	op.commit = func(now time.Time) response {
		o := s.st.Orders[orderID]
		o.OpenToCapture.Minor -= amount.Minor
		o.Captured.Minor += amount.Minor
		o.Events = append(o.Events, eventJSON{
			ID: s.newEventID(), Created: formatTime(now), Type: eventCaptured, Amount: amount,
			PaymentEventMerchantReference: req.PaymentEventMerchantReference,
		})
		if o.OpenToCapture.IsZero() {
			o.State = stateCaptured
		} else {
			o.State = statePartiallyCaptured
		}
		if req.MerchantReference != nil {
			o.MerchantReference = *req.MerchantReference
		}
		s.enqueueEvent(o, EventCaptureCompleted, amount, "", now)
		return s.paymentResponse(http.StatusCreated, o)
	}
	return s.execute(rc, op)
}

type voidRequest struct {
	RequestID string          `json:"requestId"`
	Amount    json.RawMessage `json:"amount"`
	Reason    *string         `json:"reason"`
}

func (s *Server) handleVoid(rc *requestContext) response {
	orderID := rc.param
	if !isNumericID(orderID) {
		return s.apiError(http.StatusNotFound, "not_found", "No order found for orderId "+orderID)
	}
	var req voidRequest
	if e := decode(rc.body, &req); e != nil {
		return s.fail(e)
	}
	if req.Reason != nil {
		switch *req.Reason {
		case "cancelledItems", "amountAdjustment":
		default:
			return s.fail(invalidObject("reason must be cancelledItems or amountAdjustment"))
		}
	}
	amount, e := s.optionalMoney(req.Amount, "amount", "unsupported_currency")
	if e != nil {
		return s.fail(e)
	}
	if amount != nil && amount.Minor <= 0 {
		return s.fail(invalidAmount("Void amount %s must be positive.", amount))
	}
	op := operation{busy: []string{"order:" + orderID}}
	if req.RequestID != "" {
		op.replayKey = "void:" + req.RequestID
	}
	op.check = func(now time.Time) *response {
		o := s.orderLocked(orderID, now)
		if o == nil {
			return s.failPtr(errf(http.StatusNotFound, "not_found", "No order found for orderId %s.", orderID))
		}
		if res := s.capturable(o); res != nil {
			return res
		}
		if amount != nil && amount.Minor > o.OpenToCapture.Minor {
			return s.failPtr(invalidAmount("Void amount %s %s exceeded open to capture amount %s %s.",
				amount.Currency, amount.Amount(), o.OpenToCapture.Currency, o.OpenToCapture.Amount()))
		}
		return nil
	}
	op.commit = func(now time.Time) response {
		o := s.st.Orders[orderID]
		voided := o.OpenToCapture
		if amount != nil {
			voided = *amount
		}
		o.OpenToCapture.Minor -= voided.Minor
		o.Events = append(o.Events, eventJSON{ID: s.newEventID(), Created: formatTime(now), Type: eventVoided, Amount: voided})
		entry := refundJSON{RequestID: req.RequestID, Amount: voided, RefundID: s.nextRefundID(), RefundedAt: formatTime(now)}
		o.Refunds = append([]refundJSON{entry}, o.Refunds...)
		if o.OpenToCapture.IsZero() {
			if o.State == stateAuthApproved {
				o.State = stateVoided
			} else {
				o.State = stateCaptured
			}
		}
		s.enqueueEvent(o, EventAuthVoided, voided, "", now)
		return s.paymentResponse(http.StatusCreated, o)
	}
	return s.execute(rc, op)
}

type refundRequest struct {
	RequestID               string          `json:"requestId"`
	Amount                  json.RawMessage `json:"amount"`
	MerchantReference       string          `json:"merchantReference"`
	RefundMerchantReference string          `json:"refundMerchantReference"`
}

func (s *Server) handleRefund(rc *requestContext) response {
	orderID := rc.param
	if !isNumericID(orderID) {
		return s.apiError(http.StatusPreconditionFailed, "precondition_failed", "Invalid orderId "+orderID)
	}
	var req refundRequest
	if e := decode(rc.body, &req); e != nil {
		return s.fail(e)
	}
	if e := firstErr(tooLong("requestId", req.RequestID, 64), tooLong("merchantReference", req.MerchantReference, 85),
		tooLong("refundMerchantReference", req.RefundMerchantReference, 128)); e != nil {
		return s.fail(e)
	}
	if isNull(req.Amount) {
		return s.fail(invalidObject("amount is required"))
	}
	// A refund in another currency than the order's is invalid_object here,
	// not unsupported_currency (afterpay-api.md §2.8).
	amount, e := s.parseMoney(req.Amount, "amount", "invalid_object")
	if e != nil {
		return s.fail(e)
	}
	if amount.Minor <= 0 {
		return s.fail(invalidAmount("Refund amount %s must be positive.", amount))
	}
	op := operation{busy: []string{"order:" + orderID}, durable: true}
	// Refunds are idempotent only when both requestId and merchantReference
	// are sent.
	if req.RequestID != "" && req.MerchantReference != "" {
		op.replayKey = "refund:" + req.RequestID + "\x00" + req.MerchantReference
	}
	op.check = func(now time.Time) *response {
		o := s.orderLocked(orderID, now)
		if o == nil {
			return s.failPtr(errf(http.StatusPreconditionFailed, "precondition_failed", "No order matches orderId %s.", orderID))
		}
		if o.Status != statusApproved || !o.ReversalRequested.IsZero() {
			return s.failPtr(errf(http.StatusPreconditionFailed, "precondition_failed", "The order is not eligible for a refund."))
		}
		if now.Sub(o.Created) > s.opts.RefundWindow {
			return s.failPtr(errf(http.StatusUnprocessableEntity, "refund_timelimit_exceeded", "The refund exceeds the time limit of %d days.", int(s.opts.RefundWindow/(24*time.Hour))))
		}
		refundable := o.Captured.Minor - o.Refunded.Minor
		if amount.Minor > refundable {
			return s.failPtr(invalidAmount("Refund amount %s exceeds the refundable amount %s.", amount, money.Money{Minor: refundable, Currency: o.Captured.Currency}))
		}
		return nil
	}
	op.commit = func(now time.Time) response {
		o := s.st.Orders[orderID]
		o.Refunded.Minor += amount.Minor
		r := refundJSON{
			RequestID: req.RequestID, Amount: amount, MerchantReference: req.MerchantReference,
			RefundID: s.nextRefundID(), RefundedAt: formatTime(now), RefundMerchantReference: req.RefundMerchantReference,
		}
		o.Refunds = append([]refundJSON{r}, o.Refunds...)
		s.enqueueEvent(o, EventRefundSettled, amount, r.RefundID, now)
		return jsonResponse(http.StatusCreated, r)
	}
	return s.execute(rc, op)
}

// Reversal messages, verbatim from Afterpay's documentation.
const (
	msgReversalProcessed   = "Payment reversal previously processed"
	msgReversalNotEligible = "Payment not eligible for a reversal"
	msgReversalWindow      = "Order outside reversal window"
)

func (s *Server) handleReversal(rc *requestContext) response {
	token := rc.param
	reversalFailed := func(msg string) *response {
		return s.failPtr(errf(http.StatusPreconditionFailed, "precondition_failed", "%s", msg))
	}
	op := operation{busy: []string{"reversal:" + token}}
	op.check = func(now time.Time) *response {
		rec := s.st.Checkouts[token]
		if rec == nil {
			return s.failPtr(errf(http.StatusPaymentRequired, "invalid_token", "The checkout token is invalid, expired, or does not exist."))
		}
		if rec.OrderID == "" {
			// No order yet, e.g. the capture is still in flight: the reversal
			// is recorded on the token and any later capture or auth fails.
			switch {
			case !rec.Reversed.IsZero():
				return reversalFailed(msgReversalProcessed)
			case s.checkoutExpired(rec, now):
				return s.failPtr(errf(http.StatusPaymentRequired, "invalid_token", "The checkout token is invalid, expired, or does not exist."))
			case rec.State != tokenApproved && rec.State != tokenDeclined:
				return reversalFailed(msgReversalNotEligible)
			case now.Sub(rec.ConfirmedAt) > s.opts.ReversalWindow:
				return reversalFailed(msgReversalWindow)
			}
			return nil
		}
		o := s.orderLocked(rec.OrderID, now)
		switch {
		case !o.ReversalRequested.IsZero():
			return reversalFailed(msgReversalProcessed)
		case o.Status != statusApproved || (o.State != stateAuthApproved && o.State != stateCaptured):
			return reversalFailed(msgReversalNotEligible)
		case now.Sub(o.Created) > s.opts.ReversalWindow:
			return reversalFailed(msgReversalWindow)
		}
		return nil
	}
	op.commit = func(now time.Time) response {
		rec := s.st.Checkouts[token]
		if rec.OrderID == "" {
			rec.Reversed = now
		} else {
			o := s.st.Orders[rec.OrderID]
			o.ReversalRequested = now
			// A reversed order never settles: drop its undelivered events.
			for i := range o.Outbox {
				if !o.Outbox[i].Sent {
					o.Outbox[i].Cancelled = true
				}
			}
		}
		return response{status: http.StatusNoContent}
	}
	return s.execute(rc, op)
}

func (s *Server) handleGetPayment(rc *requestContext) response {
	s.mu.Lock()
	defer s.mu.Unlock()
	var o *orderRecord
	if isNumericID(rc.param) {
		o = s.orderLocked(rc.param, s.now())
	}
	if o == nil {
		return s.apiError(http.StatusNotFound, "not_found", fmt.Sprintf("No order found for orderId %s.", rc.param))
	}
	return s.paymentResponse(http.StatusOK, o)
}

func (s *Server) handleGetPaymentByToken(rc *requestContext) response {
	s.mu.Lock()
	defer s.mu.Unlock()
	var o *orderRecord
	if rec := s.st.Checkouts[rc.param]; rec != nil && rec.OrderID != "" {
		o = s.orderLocked(rec.OrderID, s.now())
	}
	if o == nil {
		return s.apiError(http.StatusNotFound, "not_found", "No order found for the token.")
	}
	return s.paymentResponse(http.StatusOK, o)
}

func (s *Server) handleUpdatePayment(rc *requestContext) response {
	var req struct {
		MerchantReference *string `json:"merchantReference"`
	}
	if e := decode(rc.body, &req); e != nil {
		return s.fail(e)
	}
	if req.MerchantReference == nil || *req.MerchantReference == "" {
		return s.fail(invalidObject("merchantReference is required"))
	}
	if e := tooLong("merchantReference", *req.MerchantReference, 128); e != nil {
		return s.fail(e)
	}
	rc.wait()
	s.mu.Lock()
	defer s.mu.Unlock()
	var o *orderRecord
	if isNumericID(rc.param) {
		o = s.orderLocked(rc.param, s.now())
	}
	if o == nil {
		return s.apiError(http.StatusNotFound, "not_found", fmt.Sprintf("No order found for orderId %s.", rc.param))
	}
	if o.Status != statusApproved {
		// Documented as valid for approved orders only; the status and code
		// for others are the simulator's choice.
		return s.apiError(http.StatusPreconditionFailed, "precondition_failed", "Only approved orders can be updated.")
	}
	o.MerchantReference = *req.MerchantReference
	// Afterpay's documents say 201; the real sandbox answers 200.
	return s.paymentResponse(http.StatusOK, o)
}

func (s *Server) handleCourier(rc *requestContext) response {
	var req courierJSON
	if e := decode(rc.body, &req); e != nil {
		return s.fail(e)
	}
	if e := validateCourier(req); e != nil {
		return s.fail(e)
	}
	rc.wait()
	s.mu.Lock()
	defer s.mu.Unlock()
	var o *orderRecord
	if isNumericID(rc.param) {
		o = s.orderLocked(rc.param, s.now())
	}
	if o == nil {
		// 412, not 404, for this endpoint.
		return s.apiError(http.StatusPreconditionFailed, "precondition_failed", fmt.Sprintf("No order found for orderId %s.", rc.param))
	}
	c := req
	o.Details.Courier = &c
	return s.paymentResponse(http.StatusOK, o)
}
