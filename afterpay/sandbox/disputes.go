package sandbox

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"time"
)

// Dispute is Afterpay's dispute object (afterpay-api.md §2.14, the disputes
// OpenAPI document). Amounts are decimal strings and timestamps UNIX seconds
// as strings, as that document types them.
type Dispute struct {
	ID               string      `json:"id"`
	Order            string      `json:"order"` // the order's checkout token
	Amount           string      `json:"amount"`
	Currency         string      `json:"currency"`
	Reason           string      `json:"reason"`
	Status           string      `json:"status"`
	Open             bool        `json:"open"`
	ResponseDueBy    string      `json:"responseDueBy"`
	CreatedAt        string      `json:"createdAt"`
	UpdatedAt        string      `json:"updatedAt"`
	OpeningNote      string      `json:"openingNote"`
	ClosingReason    *string     `json:"closingReason"`
	ClosingNote      string      `json:"closingNote,omitempty"`
	MerchantOrderID  string      `json:"merchantOrderId"`
	TransactionDate  string      `json:"transactionDate"`
	SettlementAmount string      `json:"settlementAmount"`
	Meta             DisputeMeta `json:"meta"`
}

// DisputeMeta is the dispute's payment-matching details.
type DisputeMeta struct {
	TransactionAmount  string `json:"transactionAmount"`
	Network            string `json:"network,omitempty"`
	NetworkReferenceID string `json:"networkReferenceId,omitempty"`
	OrderType          string `json:"orderType"`
}

// Dispute statuses and reasons the simulator uses.
const (
	DisputeNeedsResponse = "needs_response"
	DisputeUnderReview   = "under_review"
	DisputeLost          = "lost"

	// DisputeReasonNotReceived is the only reason active for Afterpay.
	DisputeReasonNotReceived = "product_not_received"
)

var disputeReasons = []string{
	"product_not_received", "product_unacceptable", "credit_not_processed", "order_canceled",
	"duplicate", "incorrect_amount", "paid_by_other_means", "fraudulent", "fraudulent_merchant",
}

// disputeResponseWindow is how long the merchant has to submit evidence.
const disputeResponseWindow = 13 * 24 * time.Hour

// Errors of OpenDispute.
var (
	ErrOrderNotFound = errors.New("sandbox: order not found")
	ErrNotDisputable = errors.New("sandbox: only approved orders can be disputed")
	ErrUnknownReason = errors.New("sandbox: unknown dispute reason")
)

// disputeWebhook is the body of Afterpay's dispute webhook (§6).
type disputeWebhook struct {
	WebhookEventID    string `json:"webhook_event_id"`
	WebhookEventType  string `json:"webhook_event_type"`
	DisputeID         string `json:"dispute_id"`
	MerchantReference string `json:"merchant_reference"`
}

func epoch(t time.Time) string { return strconv.FormatInt(t.Unix(), 10) }

// OpenDispute opens a dispute on an approved order, as a consumer would
// through Afterpay, and sends the signed "created" dispute webhook when a
// DisputeWebhookURL or WebhookURL is configured. An empty reason means product_not_received. The dispute is
// created even if the webhook fails; the error then says so.
func (s *Server) OpenDispute(orderID, reason string) (*Dispute, error) {
	if reason == "" {
		reason = DisputeReasonNotReceived
	}
	if !slices.Contains(disputeReasons, reason) {
		return nil, fmt.Errorf("%w: %q", ErrUnknownReason, reason)
	}
	s.mu.Lock()
	now := s.now()
	o := s.orderLocked(orderID, now)
	if o == nil {
		s.mu.Unlock()
		return nil, fmt.Errorf("%w: %s", ErrOrderNotFound, orderID)
	}
	if o.Status != statusApproved {
		s.mu.Unlock()
		return nil, fmt.Errorf("%w: order %s is %s", ErrNotDisputable, orderID, o.Status)
	}
	disputed := o.Captured
	if disputed.IsZero() {
		disputed = o.Original
	}
	d := Dispute{
		ID: s.newDisputeID(), Order: o.Token, Amount: disputed.Amount(), Currency: disputed.Currency,
		Reason: reason, Status: DisputeNeedsResponse, Open: true,
		ResponseDueBy: epoch(now.Add(disputeResponseWindow)), CreatedAt: epoch(now), UpdatedAt: epoch(now),
		OpeningNote:     "Opened in the Afterpay sandbox simulator.",
		MerchantOrderID: o.MerchantReference, TransactionDate: epoch(o.Created), SettlementAmount: disputed.Amount(),
		Meta: DisputeMeta{TransactionAmount: o.Original.Amount(), Network: "Visa", NetworkReferenceID: s.randomString(15, hexDigits), OrderType: "ONLINE"},
	}
	s.st.Disputes[d.ID] = &disputeRecord{Dispute: d, OrderID: o.ID}
	s.mu.Unlock()
	if s.disputeWebhookURL() == "" {
		return &d, nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), DefaultWebhookTimeout)
	defer cancel()
	if err := s.sendDisputeWebhook(ctx, d.ID, "created"); err != nil {
		return &d, err
	}
	return &d, nil
}

// disputeWebhookURL is where dispute webhooks go: DisputeWebhookURL, else
// WebhookURL.
func (s *Server) disputeWebhookURL() string {
	if s.opts.DisputeWebhookURL != "" {
		return s.opts.DisputeWebhookURL
	}
	return s.opts.WebhookURL
}

func (s *Server) sendDisputeWebhook(ctx context.Context, disputeID, eventType string) error {
	body, err := json.Marshal(disputeWebhook{
		WebhookEventID: s.newUUID(), WebhookEventType: eventType, DisputeID: disputeID, MerchantReference: s.opts.MerchantID,
	})
	if err != nil {
		return fmt.Errorf("sandbox: marshal dispute webhook: %w", err)
	}
	if err := s.postWebhook(ctx, s.disputeWebhookURL(), body); err != nil {
		return fmt.Errorf("sandbox: dispute %s %s webhook: %w", disputeID, eventType, err)
	}
	return nil
}

// notifyDisputeUpdated sends the "updated" webhook in the background, so that
// a merchant handling it by calling the disputes API back cannot deadlock
// with its own request.
func (s *Server) notifyDisputeUpdated(disputeID string) {
	if s.disputeWebhookURL() == "" {
		return
	}
	s.bg.Add(1)
	go func() {
		defer s.bg.Done()
		ctx, cancel := context.WithTimeout(context.Background(), DefaultWebhookTimeout)
		defer cancel()
		if err := s.sendDisputeWebhook(ctx, disputeID, "updated"); err != nil {
			s.log.Warn("afterpay sandbox: dispute webhook not delivered", "dispute_id", disputeID, "err", err)
		}
	}()
}

type disputeListJSON struct {
	Data   []Dispute `json:"data"`
	Offset int       `json:"offset"`
	Limit  int       `json:"limit"`
	Total  int       `json:"total"`
}

func (s *Server) handleListDisputes(rc *requestContext) response {
	q := rc.r.URL.Query()
	bad := func(format string, args ...any) response {
		return s.apiError(http.StatusUnprocessableEntity, "invalid_object", fmt.Sprintf(format, args...))
	}
	limit, offset := listDefaultLimit, 0
	var err error
	if v := q.Get("limit"); v != "" {
		if limit, err = strconv.Atoi(v); err != nil || limit < 1 || limit > listMaxLimit {
			return bad("limit must be between 1 and %d.", listMaxLimit)
		}
	}
	if v := q.Get("offset"); v != "" {
		if offset, err = strconv.Atoi(v); err != nil || offset < 0 {
			return bad("offset must be a non-negative integer.")
		}
	}
	var after, before time.Time
	if v := q.Get("openedAfter"); v != "" {
		if after, err = parseISOTime(v); err != nil {
			return bad("openedAfter must be an ISO 8601 date-time.")
		}
	}
	if v := q.Get("openedBefore"); v != "" {
		if before, err = parseISOTime(v); err != nil {
			return bad("openedBefore must be an ISO 8601 date-time.")
		}
	}
	order, status := q.Get("order"), q.Get("status")
	s.mu.Lock()
	defer s.mu.Unlock()
	var all []Dispute
	for _, rec := range s.st.Disputes {
		d := rec.Dispute
		created, _ := strconv.ParseInt(d.CreatedAt, 10, 64)
		switch {
		case order != "" && d.Order != order && rec.OrderID != order:
			continue
		case status != "" && d.Status != status:
			continue
		case !after.IsZero() && created < after.Unix():
			continue
		case !before.IsZero() && created > before.Unix():
			continue
		}
		all = append(all, d)
	}
	slices.SortFunc(all, func(a, b Dispute) int {
		if c := compareNumeric(a.CreatedAt, b.CreatedAt); c != 0 {
			return -c // newest first
		}
		return compareNumeric(a.ID, b.ID)
	})
	out := disputeListJSON{Data: []Dispute{}, Offset: offset, Limit: limit, Total: len(all)}
	for i := offset; i < min(offset+limit, len(all)); i++ {
		out.Data = append(out.Data, all[i])
	}
	return jsonResponse(http.StatusOK, out)
}

func compareNumeric(a, b string) int {
	if len(a) != len(b) {
		if len(a) < len(b) {
			return -1
		}
		return 1
	}
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func (s *Server) disputeNotFound(id string) response {
	return s.apiError(http.StatusNotFound, "not_found", "No dispute found with id "+id)
}

func (s *Server) handleGetDispute(rc *requestContext) response {
	s.mu.Lock()
	defer s.mu.Unlock()
	rec := s.st.Disputes[rc.param]
	if rec == nil {
		return s.disputeNotFound(rc.param)
	}
	return jsonResponse(http.StatusOK, rec.Dispute)
}

// handleRespondDispute accepts evidence once, while the dispute needs a
// response; the dispute then goes under review.
func (s *Server) handleRespondDispute(rc *requestContext) response {
	var req struct {
		Evidence map[string]json.RawMessage `json:"evidence"`
	}
	if e := decode(rc.body, &req); e != nil {
		return s.fail(e)
	}
	if len(req.Evidence) == 0 {
		return s.fail(invalidObject("evidence must contain at least one field"))
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	rec := s.st.Disputes[rc.param]
	if rec == nil {
		return s.disputeNotFound(rc.param)
	}
	if rec.Dispute.Status != DisputeNeedsResponse {
		return s.apiError(http.StatusPreconditionFailed, "precondition_failed", "Evidence can only be submitted once, while the dispute needs a response.")
	}
	evidence, _ := json.Marshal(req.Evidence)
	rec.Evidence = evidence
	rec.Dispute.Status = DisputeUnderReview
	rec.Dispute.UpdatedAt = epoch(s.now())
	s.notifyDisputeUpdated(rec.Dispute.ID)
	return jsonResponse(http.StatusOK, rec.Dispute)
}

// handleAcceptDispute concedes the dispute: it is lost and closed.
func (s *Server) handleAcceptDispute(rc *requestContext) response {
	s.mu.Lock()
	defer s.mu.Unlock()
	rec := s.st.Disputes[rc.param]
	if rec == nil {
		return s.disputeNotFound(rc.param)
	}
	if !rec.Dispute.Open {
		return s.apiError(http.StatusPreconditionFailed, "precondition_failed", "The dispute is already closed.")
	}
	reason := "merchant_accepted"
	rec.Dispute.Status = DisputeLost
	rec.Dispute.Open = false
	rec.Dispute.ClosingReason = &reason
	rec.Dispute.UpdatedAt = epoch(s.now())
	s.notifyDisputeUpdated(rec.Dispute.ID)
	return jsonResponse(http.StatusOK, rec.Dispute)
}
