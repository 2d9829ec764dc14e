package afterpay

import (
	"context"
	"iter"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/odoo-afterpay/bridge/money"
)

// Documented field limits the client checks before sending.
const (
	maxRequestIDLen                  = 64
	maxPaymentEventMerchantReference = 128
	maxRefundMerchantReference       = 128
)

// CaptureRequest is the body of Capture Full Payment (immediate flow).
// Afterpay deduplicates it on Token: retrying with the same token is safe.
type CaptureRequest struct {
	// Token is the checkout token the consumer confirmed.
	Token string `json:"token"`
	// MerchantReference, if set, replaces the checkout's reference.
	MerchantReference string `json:"merchantReference,omitempty"`
	// Amount is required for express checkout only; it must equal the
	// checkout amount.
	Amount *money.Money `json:"amount,omitempty"`
}

// AuthRequest is the body of Auth (deferred flow). Afterpay deduplicates it
// on RequestID.
type AuthRequest struct {
	// RequestID is the idempotency key (a UUID); retries must reuse it.
	RequestID string `json:"requestId,omitempty"`
	// Token is the checkout token the consumer confirmed.
	Token string `json:"token"`
	// MerchantReference, if set, replaces the checkout's reference.
	MerchantReference string `json:"merchantReference,omitempty"`
	// Amount is required for express checkout only.
	Amount *money.Money `json:"amount,omitempty"`
}

// DeferredCaptureRequest is the body of Capture Payment (deferred flow, full
// or partial). Afterpay deduplicates it on RequestID.
type DeferredCaptureRequest struct {
	// RequestID is the idempotency key (a UUID); retries must reuse it.
	RequestID string `json:"requestId,omitempty"`
	// Amount to capture: at least 1.00 and at most the open-to-capture amount.
	Amount money.Money `json:"amount"`
	// MerchantReference, if set, replaces the order's reference.
	MerchantReference string `json:"merchantReference,omitempty"`
	// PaymentEventMerchantReference (≤128) appears in the settlement file as
	// "Payment Event ID".
	PaymentEventMerchantReference string `json:"paymentEventMerchantReference,omitempty"`
}

// VoidRequest is the body of Void. Afterpay deduplicates it on RequestID.
type VoidRequest struct {
	// RequestID is the idempotency key (a UUID); retries must reuse it.
	RequestID string `json:"requestId,omitempty"`
	// Amount to void; nil voids the whole open-to-capture amount.
	Amount *money.Money `json:"amount,omitempty"`
	// Reason is VoidReasonCancelledItems, VoidReasonAmountAdjustment or empty.
	Reason string `json:"reason,omitempty"`
}

// RefundRequest is the body of Create Refund. Afterpay deduplicates refunds
// only on RequestID together with MerchantReference, so the client requires
// both.
type RefundRequest struct {
	// RequestID is the idempotency key (≤64; a UUID); retries must reuse it.
	RequestID string `json:"requestId"`
	// Amount to refund, at most what is captured and not yet refunded.
	Amount money.Money `json:"amount"`
	// MerchantReference is the merchant's refund reference (≤85).
	MerchantReference string `json:"merchantReference"`
	// RefundMerchantReference (≤128) appears in the settlement file as
	// "Payment Event Id".
	RefundMerchantReference string `json:"refundMerchantReference,omitempty"`
}

type updatePaymentRequest struct {
	MerchantReference string `json:"merchantReference"`
}

// CapturePayment captures a confirmed checkout in full (immediate flow,
// POST /v2/payments/capture). A decline is a Payment with Status DECLINED
// and a nil error. After a transport failure the outcome is unknown: retry
// with the same token or call GetPaymentByToken.
func (c *Client) CapturePayment(ctx context.Context, req *CaptureRequest) (*Payment, error) {
	const endpoint = "POST /v2/payments/capture"
	if req == nil {
		return nil, validationErr(endpoint, "body", "is required")
	}
	if req.Token == "" {
		return nil, validationErr(endpoint, "token", "is required")
	}
	if err := optionalPositive(endpoint, "amount", req.Amount); err != nil {
		return nil, err
	}
	// v2 declines with 201; a 402 carrying a DECLINED Payment (the v1 habit)
	// is read as a decline too rather than as a code-less error.
	return c.doPayment(ctx, &request{method: http.MethodPost, path: "/v2/payments/capture", body: req, class: classMoney}, true)
}

// Auth authorises a confirmed checkout (deferred flow, POST /v2/payments/auth).
// A decline (402 with a DECLINED Payment) is returned as that Payment and a
// nil error; 402 invalid_token is an *Error.
func (c *Client) Auth(ctx context.Context, req *AuthRequest) (*Payment, error) {
	const endpoint = "POST /v2/payments/auth"
	if req == nil {
		return nil, validationErr(endpoint, "body", "is required")
	}
	if req.Token == "" {
		return nil, validationErr(endpoint, "token", "is required")
	}
	if err := checkRequestID(endpoint, req.RequestID, false); err != nil {
		return nil, err
	}
	if err := optionalPositive(endpoint, "amount", req.Amount); err != nil {
		return nil, err
	}
	return c.doPayment(ctx, &request{method: http.MethodPost, path: "/v2/payments/auth", body: req, class: classMoney}, true)
}

// CaptureDeferred captures all or part of an auth
// (POST /v2/payments/{orderId}/capture).
func (c *Client) CaptureDeferred(ctx context.Context, orderID string, req *DeferredCaptureRequest) (*Payment, error) {
	const endpoint = "POST /v2/payments/{orderId}/capture"
	seg, err := pathSegment(endpoint, "orderId", orderID)
	if err != nil {
		return nil, err
	}
	if req == nil {
		return nil, validationErr(endpoint, "body", "is required")
	}
	if err := checkRequestID(endpoint, req.RequestID, false); err != nil {
		return nil, err
	}
	if err := requirePositive(endpoint, "amount", req.Amount); err != nil {
		return nil, err
	}
	if len(req.PaymentEventMerchantReference) > maxPaymentEventMerchantReference {
		return nil, validationErr(endpoint, "paymentEventMerchantReference", "exceeds 128 characters")
	}
	return c.doPayment(ctx, &request{method: http.MethodPost, path: "/v2/payments/" + seg + "/capture", body: req, class: classMoney}, false)
}

// Void releases all (Amount nil) or part of an auth's open-to-capture amount
// (POST /v2/payments/{orderId}/void). A nil req voids everything without an
// idempotency key.
func (c *Client) Void(ctx context.Context, orderID string, req *VoidRequest) (*Payment, error) {
	const endpoint = "POST /v2/payments/{orderId}/void"
	seg, err := pathSegment(endpoint, "orderId", orderID)
	if err != nil {
		return nil, err
	}
	if req == nil {
		req = &VoidRequest{}
	}
	if err := checkRequestID(endpoint, req.RequestID, false); err != nil {
		return nil, err
	}
	if err := optionalPositive(endpoint, "amount", req.Amount); err != nil {
		return nil, err
	}
	return c.doPayment(ctx, &request{method: http.MethodPost, path: "/v2/payments/" + seg + "/void", body: req, class: classMoney}, false)
}

// Refund refunds captured funds (POST /v2/payments/{orderId}/refund).
// RequestID and MerchantReference are both required: together they are
// Afterpay's idempotency key for refunds.
func (c *Client) Refund(ctx context.Context, orderID string, req *RefundRequest) (*Refund, error) {
	const endpoint = "POST /v2/payments/{orderId}/refund"
	seg, err := pathSegment(endpoint, "orderId", orderID)
	if err != nil {
		return nil, err
	}
	if req == nil {
		return nil, validationErr(endpoint, "body", "is required")
	}
	if err := checkRequestID(endpoint, req.RequestID, true); err != nil {
		return nil, err
	}
	if req.MerchantReference == "" {
		return nil, validationErr(endpoint, "merchantReference", "is required (with requestId it makes the refund idempotent)")
	}
	if err := requirePositive(endpoint, "amount", req.Amount); err != nil {
		return nil, err
	}
	if len(req.RefundMerchantReference) > maxRefundMerchantReference {
		return nil, validationErr(endpoint, "refundMerchantReference", "exceeds 128 characters")
	}
	var out Refund
	if err := c.do(ctx, &request{method: http.MethodPost, path: "/v2/payments/" + seg + "/refund", body: req, class: classMoney}, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// ReversePaymentByToken cancels the order made from a checkout token
// (POST /v2/payments/token:{token}/reversal), within 10 minutes of its
// creation. It works while a capture is still in flight, which makes it the
// way out after a capture timed out. The 204 only means the reversal was
// accepted; it completes asynchronously.
func (c *Client) ReversePaymentByToken(ctx context.Context, token string) error {
	seg, err := pathSegment("POST /v2/payments/token:{token}/reversal", "token", token)
	if err != nil {
		return err
	}
	return c.do(ctx, &request{method: http.MethodPost, path: "/v2/payments/token:" + seg + "/reversal", class: classMoney}, nil)
}

// GetPayment reads a payment by Afterpay order ID (GET /v2/payments/{orderId}).
func (c *Client) GetPayment(ctx context.Context, orderID string) (*Payment, error) {
	seg, err := pathSegment("GET /v2/payments/{orderId}", "orderId", orderID)
	if err != nil {
		return nil, err
	}
	return c.doPayment(ctx, &request{method: http.MethodGet, path: "/v2/payments/" + seg, class: classRead}, false)
}

// GetPaymentByToken reads a payment by checkout token
// (GET /v2/payments/token:{token}): the way to learn what happened after an
// auth or capture timed out. 404 means no order was made from the token.
func (c *Client) GetPaymentByToken(ctx context.Context, token string) (*Payment, error) {
	seg, err := pathSegment("GET /v2/payments/token:{token}", "token", token)
	if err != nil {
		return nil, err
	}
	return c.doPayment(ctx, &request{method: http.MethodGet, path: "/v2/payments/token:" + seg, class: classRead}, false)
}

// UpdatePaymentReference changes a payment's merchant reference
// (PUT /v2/payments/{orderId}). The docs say 201, the real sandbox answers
// 200; both are accepted.
func (c *Client) UpdatePaymentReference(ctx context.Context, orderID, merchantReference string) (*Payment, error) {
	const endpoint = "PUT /v2/payments/{orderId}"
	seg, err := pathSegment(endpoint, "orderId", orderID)
	if err != nil {
		return nil, err
	}
	if merchantReference == "" {
		return nil, validationErr(endpoint, "merchantReference", "is required")
	}
	body := updatePaymentRequest{MerchantReference: merchantReference}
	return c.doPayment(ctx, &request{method: http.MethodPut, path: "/v2/payments/" + seg, body: body, class: classRead}, false)
}

// UpdateShippingCourier records a shipment on a payment
// (PUT /v2/payments/{orderId}/courier); call it once per shipment. An unknown
// order answers 412 precondition_failed, not 404.
func (c *Client) UpdateShippingCourier(ctx context.Context, orderID string, courier Courier) (*Payment, error) {
	const endpoint = "PUT /v2/payments/{orderId}/courier"
	seg, err := pathSegment(endpoint, "orderId", orderID)
	if err != nil {
		return nil, err
	}
	if courier.Priority != "" && courier.Priority != PriorityStandard && courier.Priority != PriorityExpress {
		return nil, validationErr(endpoint, "priority", "must be STANDARD or EXPRESS, got "+strconv.Quote(courier.Priority))
	}
	return c.doPayment(ctx, &request{method: http.MethodPut, path: "/v2/payments/" + seg + "/courier", body: courier, class: classRead}, false)
}

// List Payments orderBy values.
const (
	OrderByCreatedAt         = "createdAt"
	OrderByID                = "id"
	OrderByTotalAmount       = "totalAmount"
	OrderByMerchantReference = "merchantReference"
	OrderByEmail             = "email"
)

// MaxListLimit is the largest page List Payments serves.
const MaxListLimit = 250

// ListPaymentsParams filters and pages List Payments. Zero values are left
// out of the query, so Afterpay's defaults apply (limit 20, offset 0,
// createdAt, newest first).
type ListPaymentsParams struct {
	// FromCreatedDate and ToCreatedDate bound the creation time, inclusive.
	FromCreatedDate time.Time
	ToCreatedDate   time.Time
	// IDs, Tokens, MerchantReferences and Statuses each match any of their
	// values; every value is sent as its own repeated parameter.
	IDs                []string
	Tokens             []string
	MerchantReferences []string
	// Statuses holds StatusApproved and/or StatusDeclined.
	Statuses []string
	// OrderBy is one of the OrderBy constants.
	OrderBy string
	// Ascending orders oldest (smallest) first.
	Ascending bool
	// Limit is the page size, 1..250; 0 means Afterpay's default (20).
	Limit int
	// Offset skips that many results.
	Offset int
	// IncludeNextLink asks for PaymentList.NextPageURL.
	IncludeNextLink bool
}

// PaymentList is one page of List Payments.
type PaymentList struct {
	TotalResults int       `json:"totalResults"`
	Offset       int       `json:"offset"`
	Limit        int       `json:"limit"`
	Results      []Payment `json:"results"`
	// NextPageURL is set with IncludeNextLink while more pages remain.
	NextPageURL string `json:"nextPageUrl,omitempty"`
}

// isoQueryTime keeps the caller's offset; url.Values escapes its '+' as %2B.
const isoQueryTime = "2006-01-02T15:04:05.000Z07:00"

func (p *ListPaymentsParams) query(endpoint string) (url.Values, error) {
	if p.Limit < 0 || p.Limit > MaxListLimit {
		return nil, validationErr(endpoint, "limit", "must be between 1 and 250, got "+strconv.Itoa(p.Limit))
	}
	if p.Offset < 0 {
		return nil, validationErr(endpoint, "offset", "must not be negative")
	}
	q := url.Values{}
	if !p.FromCreatedDate.IsZero() {
		q.Set("fromCreatedDate", p.FromCreatedDate.Format(isoQueryTime))
	}
	if !p.ToCreatedDate.IsZero() {
		q.Set("toCreatedDate", p.ToCreatedDate.Format(isoQueryTime))
	}
	for key, values := range map[string][]string{
		"ids": p.IDs, "tokens": p.Tokens, "merchantReferences": p.MerchantReferences, "statuses": p.Statuses,
	} {
		for _, v := range values {
			q.Add(key, v)
		}
	}
	if p.OrderBy != "" {
		q.Set("orderBy", p.OrderBy)
	}
	if p.Ascending {
		q.Set("ascending", "true")
	}
	if p.Limit > 0 {
		q.Set("limit", strconv.Itoa(p.Limit))
	}
	if p.Offset > 0 {
		q.Set("offset", strconv.Itoa(p.Offset))
	}
	if p.IncludeNextLink {
		q.Set("includeNextLink", "true")
	}
	return q, nil
}

// ListPayments reads one page of payments (GET /v2/payments).
func (c *Client) ListPayments(ctx context.Context, params ListPaymentsParams) (*PaymentList, error) {
	const endpoint = "GET /v2/payments"
	q, err := params.query(endpoint)
	if err != nil {
		return nil, err
	}
	var out PaymentList
	if err := c.do(ctx, &request{method: http.MethodGet, path: "/v2/payments", query: q, class: classRead}, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// AllPayments iterates over every payment matching params, one page
// (params.Limit, default 250) at a time starting at params.Offset. It stops
// after yielding the first error.
func (c *Client) AllPayments(ctx context.Context, params ListPaymentsParams) iter.Seq2[*Payment, error] {
	return func(yield func(*Payment, error) bool) {
		if params.Limit == 0 {
			params.Limit = MaxListLimit
		}
		params.IncludeNextLink = false
		for {
			page, err := c.ListPayments(ctx, params)
			if err != nil {
				yield(nil, err)
				return
			}
			for i := range page.Results {
				if !yield(&page.Results[i], nil) {
					return
				}
			}
			params.Offset += len(page.Results)
			if len(page.Results) == 0 || params.Offset >= page.TotalResults {
				return
			}
		}
	}
}

func checkRequestID(endpoint, requestID string, required bool) error {
	if required && requestID == "" {
		return validationErr(endpoint, "requestId", "is required")
	}
	if len(requestID) > maxRequestIDLen {
		return validationErr(endpoint, "requestId", "exceeds 64 characters")
	}
	return nil
}

func optionalPositive(endpoint, field string, m *money.Money) error {
	if m == nil {
		return nil
	}
	return requirePositive(endpoint, field, *m)
}
