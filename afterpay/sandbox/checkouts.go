package sandbox

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Outcome is the consumer's choice on the checkout page. A decline is
// accepted by the page like an approval (the real sandbox's CVC 051 card) and
// surfaces only at capture or auth.
type Outcome string

// Consumer outcomes.
const (
	OutcomeApprove Outcome = "approve"
	OutcomeDecline Outcome = "decline"
	OutcomeCancel  Outcome = "cancel"
)

// Errors of ConfirmCheckout; match them with errors.Is.
var (
	ErrCheckoutNotFound         = errors.New("sandbox: checkout token not found")
	ErrCheckoutExpired          = errors.New("sandbox: checkout token expired")
	ErrCheckoutCompleted        = errors.New("sandbox: checkout already completed (an order exists)")
	ErrCheckoutAlreadyConfirmed = errors.New("sandbox: checkout already confirmed with another outcome")
	ErrInvalidOutcome           = errors.New("sandbox: outcome must be approve, decline or cancel")
)

func (s *Server) handleCreateCheckout(rc *requestContext) response {
	var req checkoutRequest
	if e := decode(rc.body, &req); e != nil {
		return s.fail(e)
	}
	data, e := s.validateCheckout(req)
	if e != nil {
		return s.fail(e)
	}
	rc.wait()
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	token := s.newToken()
	base := s.publicURL
	if base == "" {
		base = requestBase(rc.r)
	}
	rec := &checkoutRecord{
		Token:       token,
		Created:     now,
		Expires:     now.Add(s.opts.CheckoutTTL),
		RedirectURL: base + "/" + s.opts.CountryPath + "/checkout/?token=" + url.QueryEscape(token),
		Data:        data,
		State:       tokenCreated,
	}
	s.st.Checkouts[token] = rec
	return jsonResponse(http.StatusCreated, checkoutResponse(rec))
}

func checkoutResponse(rec *checkoutRecord) checkoutResponseJSON {
	return checkoutResponseJSON{Token: rec.Token, Expires: formatTime(rec.Expires), RedirectCheckoutURL: rec.RedirectURL}
}

// requestBase is the scheme and host the client used to reach the simulator.
func requestBase(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil || strings.EqualFold(r.Header.Get("X-Forwarded-Proto"), "https") {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

func (s *Server) handleGetCheckout(rc *requestContext) response {
	if rc.param == "" {
		return s.apiError(http.StatusNotFound, "not_found", "No checkout token was provided.")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	rec := s.st.Checkouts[rc.param]
	// Afterpay answers 412 for unknown, expired and completed tokens alike;
	// the errorCode is not documented, "precondition_failed" is the
	// simulator's choice.
	switch {
	case rec == nil:
		return s.apiError(http.StatusPreconditionFailed, "precondition_failed", "The checkout token does not exist.")
	case rec.OrderID != "":
		return s.apiError(http.StatusPreconditionFailed, "precondition_failed", "The checkout has been completed.")
	case !s.now().Before(rec.Expires):
		return s.apiError(http.StatusPreconditionFailed, "precondition_failed", "The checkout token has expired.")
	}
	return jsonResponse(http.StatusOK, getCheckoutJSON{checkoutResponseJSON: checkoutResponse(rec), checkoutData: rec.Data})
}

// ConfirmCheckout does what the consumer does on the checkout page and
// returns the URL their browser is sent to: the merchant's redirectConfirmUrl
// with status=SUCCESS for approve and decline, redirectCancelUrl with
// status=CANCELLED for cancel. Confirming again with the same outcome returns
// the same URL.
func (s *Server) ConfirmCheckout(token string, outcome Outcome) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.confirmLocked(token, outcome)
}

func (s *Server) confirmLocked(token string, outcome Outcome) (string, error) {
	var next string
	switch outcome {
	case OutcomeApprove:
		next = tokenApproved
	case OutcomeDecline:
		next = tokenDeclined
	case OutcomeCancel:
		next = tokenCancelled
	default:
		return "", fmt.Errorf("%w: %q", ErrInvalidOutcome, outcome)
	}
	rec := s.st.Checkouts[token]
	switch {
	case rec == nil:
		return "", ErrCheckoutNotFound
	case rec.OrderID != "":
		return "", ErrCheckoutCompleted
	case !s.now().Before(rec.Expires):
		return "", ErrCheckoutExpired
	case rec.State != tokenCreated && rec.State != next:
		return "", fmt.Errorf("%w: it is %s", ErrCheckoutAlreadyConfirmed, rec.State)
	}
	if rec.State == tokenCreated {
		rec.State = next
		rec.ConfirmedAt = s.now()
	}
	return consumerRedirect(rec, outcome), nil
}

// consumerRedirect builds the merchant URL the consumer returns to.
func consumerRedirect(rec *checkoutRecord, outcome Outcome) string {
	m := rec.Data.Merchant
	if m == nil {
		m = &merchantJSON{}
	}
	if outcome == OutcomeCancel {
		return appendCallbackArgs(firstNonEmpty(m.RedirectCancelURL, m.PopupOriginURL), "CANCELLED", rec.Token)
	}
	return appendCallbackArgs(firstNonEmpty(m.RedirectConfirmURL, m.PopupOriginURL), "SUCCESS", rec.Token)
}

func firstNonEmpty(vs ...string) string {
	for _, v := range vs {
		if v != "" {
			return v
		}
	}
	return ""
}

// appendCallbackArgs adds status and orderToken the way Afterpay does: the
// URL always ends in the literal "&status=…&orderToken=…" (the PHP SDK's
// ConsumerSimulator asserts that suffix), so a URL without a query gets
// "?&status=…", one with a query gets "&status=…". A fragment stays last.
func appendCallbackArgs(base, status, token string) string {
	fragment := ""
	if i := strings.IndexByte(base, '#'); i >= 0 {
		base, fragment = base[:i], base[i:]
	}
	args := "status=" + status + "&orderToken=" + url.QueryEscape(token)
	switch {
	case !strings.Contains(base, "?"):
		base += "?&" + args
	case strings.HasSuffix(base, "&"):
		base += args
	default:
		base += "&" + args
	}
	return base + fragment
}

// confirmErrorStatus maps ConfirmCheckout's errors to HTTP statuses for the
// page and the hook.
func confirmErrorStatus(err error) (int, string) {
	switch {
	case errors.Is(err, ErrCheckoutNotFound):
		return http.StatusNotFound, "not_found"
	case errors.Is(err, ErrCheckoutExpired):
		return http.StatusGone, "token_expired"
	case errors.Is(err, ErrCheckoutCompleted):
		return http.StatusGone, "checkout_completed"
	case errors.Is(err, ErrCheckoutAlreadyConfirmed):
		return http.StatusConflict, "already_confirmed"
	case errors.Is(err, ErrInvalidOutcome):
		return http.StatusBadRequest, "invalid_object"
	}
	return http.StatusInternalServerError, "error"
}

// checkoutExpired reports whether a token can no longer be used; the caller
// holds s.mu.
func (s *Server) checkoutExpired(rec *checkoutRecord, now time.Time) bool {
	return !now.Before(rec.Expires)
}
