package sandbox

import (
	"cmp"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

func (s *Server) handlePing(rc *requestContext) response {
	return response{status: http.StatusOK, body: []byte("pong"), contentType: "text/plain"}
}

func (s *Server) handleConfiguration(rc *requestContext) response {
	minimum, maximum := s.opts.MinimumAmount, s.opts.MaximumAmount
	cfg := configurationJSON{MaximumAmount: maximum}
	// Afterpay leaves minimumAmount out when the merchant has no minimum.
	if !minimum.IsZero() {
		cfg.MinimumAmount = &minimum
	}
	for _, inc := range rc.r.URL.Query()["include"] {
		switch strings.ToLower(inc) {
		case "publicid":
			cfg.PublicID = s.publicID()
		case "consumerlending":
			cfg.ConsumerLending = &consumerLendingJSON{Enabled: false}
		case "paybyinstallment":
			cfg.PayByInstallment = &payByInstallmentJSON{MinimumAmount: minimum, MaximumAmount: maximum}
		}
	}
	return jsonResponse(http.StatusOK, cfg)
}

// publicID derives a stable merchant public id (MPID) from the merchant id.
func (s *Server) publicID() string {
	sum := sha256.Sum256([]byte("afterpay-sandbox-mpid:" + s.opts.MerchantID))
	return hex.EncodeToString(sum[:])[:32]
}

// List-payments limits (afterpay-api.md §2.13).
const (
	listDefaultLimit = 20
	listMaxLimit     = 250
)

var listOrderBy = []string{"createdAt", "id", "totalAmount", "merchantReference", "email"}

// listQuery is a parsed GET /v2/payments query.
type listQuery struct {
	from, to          time.Time
	ids, tokens, refs []string
	statuses          []string
	orderBy           string
	ascending         bool
	limit, offset     int
	includeNextLink   bool
}

// parseListQuery applies Afterpay's two failure modes: a bad limit, offset,
// orderBy or boolean is 422 "error"; a badly formatted date or array
// parameter (comma-separated values, "[]" keys) is 500 "error".
func parseListQuery(q url.Values) (listQuery, *apiErr) {
	lq := listQuery{orderBy: "createdAt", limit: listDefaultLimit}
	bad := func(format string, args ...any) (listQuery, *apiErr) {
		return lq, errf(http.StatusUnprocessableEntity, "error", format, args...)
	}
	malformed := func(format string, args ...any) (listQuery, *apiErr) {
		return lq, errf(http.StatusInternalServerError, "error", format, args...)
	}
	for key := range q {
		if strings.HasSuffix(key, "[]") {
			return malformed("Array parameter %q must be repeated, not bracketed.", key)
		}
	}
	var err error
	if v := q.Get("limit"); v != "" {
		if lq.limit, err = strconv.Atoi(v); err != nil || lq.limit < 1 || lq.limit > listMaxLimit {
			return bad("limit must be between 1 and %d.", listMaxLimit)
		}
	}
	if v := q.Get("offset"); v != "" {
		if lq.offset, err = strconv.Atoi(v); err != nil || lq.offset < 0 {
			return bad("offset must be a non-negative integer.")
		}
	}
	if v := q.Get("cursor"); v != "" {
		off, ok := decodeCursor(v)
		if !ok {
			return bad("cursor is invalid.")
		}
		lq.offset = off
	}
	if v := q.Get("orderBy"); v != "" {
		if !slices.Contains(listOrderBy, v) {
			return bad("orderBy must be one of %s.", strings.Join(listOrderBy, ", "))
		}
		lq.orderBy = v
	}
	for name, dst := range map[string]*bool{"ascending": &lq.ascending, "includeNextLink": &lq.includeNextLink} {
		if v := q.Get(name); v != "" {
			if *dst, err = strconv.ParseBool(v); err != nil {
				return bad("%s must be true or false.", name)
			}
		}
	}
	if v := q.Get("fromCreatedDate"); v != "" {
		if lq.from, err = parseISOTime(v); err != nil {
			return malformed("fromCreatedDate %q is not an ISO 8601 date.", v)
		}
	}
	if v := q.Get("toCreatedDate"); v != "" {
		if lq.to, err = parseISOTime(v); err != nil {
			return malformed("toCreatedDate %q is not an ISO 8601 date.", v)
		}
		if len(v) == len(time.DateOnly) { // a bare date includes the whole day
			lq.to = lq.to.Add(24*time.Hour - time.Nanosecond)
		}
	}
	for _, id := range q["ids"] {
		if !isNumericID(id) {
			return malformed("ids value %q is not an order id; repeat the parameter for several ids.", id)
		}
	}
	for _, st := range q["statuses"] {
		if st != statusApproved && st != statusDeclined {
			return malformed("statuses value %q must be APPROVED or DECLINED; repeat the parameter for several.", st)
		}
	}
	for _, t := range q["tokens"] {
		if strings.Contains(t, ",") {
			return malformed("tokens value %q contains a comma; repeat the parameter for several tokens.", t)
		}
	}
	lq.ids, lq.tokens, lq.refs, lq.statuses = q["ids"], q["tokens"], q["merchantReferences"], q["statuses"]
	return lq, nil
}

func encodeCursor(offset int) string {
	return base64.RawURLEncoding.EncodeToString([]byte("offset:" + strconv.Itoa(offset)))
}

func decodeCursor(c string) (int, bool) {
	b, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil {
		return 0, false
	}
	v, ok := strings.CutPrefix(string(b), "offset:")
	if !ok {
		return 0, false
	}
	n, err := strconv.Atoi(v)
	return n, err == nil && n >= 0
}

func (lq listQuery) matches(o *orderRecord) bool {
	// Compare at the precision responses show (milliseconds), so that a
	// payment's own reported created time, used as toCreatedDate, includes it.
	created := o.Created.Truncate(time.Millisecond)
	switch {
	case !lq.from.IsZero() && created.Before(lq.from):
		return false
	case !lq.to.IsZero() && created.After(lq.to):
		return false
	case len(lq.ids) > 0 && !slices.Contains(lq.ids, o.ID):
		return false
	case len(lq.tokens) > 0 && !slices.Contains(lq.tokens, o.Token):
		return false
	case len(lq.refs) > 0 && !slices.Contains(lq.refs, o.MerchantReference):
		return false
	case len(lq.statuses) > 0 && !slices.Contains(lq.statuses, o.Status):
		return false
	}
	return true
}

func (lq listQuery) compare(a, b *orderRecord) int {
	var c int
	switch lq.orderBy {
	case "id":
		c = cmp.Compare(len(a.ID), len(b.ID))
	case "totalAmount":
		c = cmp.Compare(a.Original.Minor, b.Original.Minor)
	case "merchantReference":
		c = strings.Compare(a.MerchantReference, b.MerchantReference)
	case "email":
		c = strings.Compare(email(a), email(b))
	default:
		c = a.Created.Compare(b.Created)
	}
	if c == 0 { // ties, and ids of equal length, fall back to the id
		c = cmp.Or(cmp.Compare(len(a.ID), len(b.ID)), strings.Compare(a.ID, b.ID))
	}
	if !lq.ascending {
		c = -c
	}
	return c
}

func email(o *orderRecord) string {
	if o.Details.Consumer == nil {
		return ""
	}
	return o.Details.Consumer.Email
}

func (s *Server) handleListPayments(rc *requestContext) response {
	q := rc.r.URL.Query()
	lq, e := parseListQuery(q)
	if e != nil {
		return s.fail(e)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	var matched []*orderRecord
	for _, o := range s.st.Orders {
		s.refresh(o, now)
		if lq.matches(o) {
			matched = append(matched, o)
		}
	}
	slices.SortFunc(matched, lq.compare)
	out := listPaymentsJSON{TotalResults: len(matched), Offset: lq.offset, Limit: lq.limit, Results: []paymentJSON{}}
	end := min(lq.offset+lq.limit, len(matched))
	for i := lq.offset; i < end; i++ {
		out.Results = append(out.Results, s.paymentView(matched[i]))
	}
	if lq.includeNextLink && end < len(matched) {
		next := url.Values{}
		for k, vs := range q {
			if k != "offset" && k != "cursor" {
				next[k] = vs
			}
		}
		next.Set("cursor", encodeCursor(end))
		base := s.publicURL
		if base == "" {
			base = requestBase(rc.r)
		}
		out.NextPageURL = base + "/v2/payments?" + next.Encode()
	}
	return jsonResponse(http.StatusOK, out)
}
