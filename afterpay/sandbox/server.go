package sandbox

import (
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"
)

// Endpoint names, used to aim faults (Fault.Endpoint) and in logs.
const (
	EndpointAll               = "*"
	EndpointPing              = "ping"
	EndpointConfiguration     = "configuration"
	EndpointCreateCheckout    = "createCheckout"
	EndpointGetCheckout       = "getCheckout"
	EndpointCapture           = "capture" // POST /v2/payments/capture (immediate flow, capture-full)
	EndpointAuth              = "auth"
	EndpointDeferredCapture   = "deferredCapture" // POST /v2/payments/{orderId}/capture
	EndpointVoid              = "void"
	EndpointRefund            = "refund"
	EndpointReversal          = "reversal"
	EndpointGetPayment        = "getPayment" // GET /v2/payments/{orderId}
	EndpointGetPaymentByToken = "getPaymentByToken"
	EndpointUpdatePayment     = "updatePayment"
	EndpointListPayments      = "listPayments"
	EndpointCourier           = "courier"
	EndpointListDisputes      = "listDisputes"
	EndpointGetDispute        = "getDispute"
	EndpointRespondDispute    = "respondDispute"
	EndpointAcceptDispute     = "acceptDispute"
)

// Endpoints lists every endpoint name a Fault may aim at, besides EndpointAll.
func Endpoints() []string {
	return []string{
		EndpointPing, EndpointConfiguration, EndpointCreateCheckout, EndpointGetCheckout,
		EndpointCapture, EndpointAuth, EndpointDeferredCapture, EndpointVoid, EndpointRefund,
		EndpointReversal, EndpointGetPayment, EndpointGetPaymentByToken, EndpointUpdatePayment,
		EndpointListPayments, EndpointCourier, EndpointListDisputes, EndpointGetDispute,
		EndpointRespondDispute, EndpointAcceptDispute,
	}
}

// maxBodyBytes bounds request bodies; a 100-item checkout is far below it.
const maxBodyBytes = 1 << 20

// Server simulates Afterpay's Online API v2 (global host), the consumer
// checkout page and a few test hooks under /__sim/. Create it with New; it is
// an http.Handler safe for concurrent use.
type Server struct {
	opts Options
	log  *slog.Logger

	mu        sync.Mutex // guards st, inFlight, publicURL
	st        *state
	inFlight  map[string]bool
	publicURL string

	faultsMu sync.Mutex
	faults   []*Fault

	rngMu sync.Mutex

	closeOnce sync.Once
	closed    chan struct{}
	bg        sync.WaitGroup // webhook deliveries in the background
	timersMu  sync.Mutex
	timers    map[*time.Timer]struct{}

	hooks testHooks
}

// testHooks let the package's tests observe an operation at a precise point
// instead of sleeping; nil hooks are skipped.
type testHooks struct {
	mu sync.Mutex
	// inFlight runs when an operation has reserved its idempotency keys and
	// is about to perform its (possibly delayed) work.
	inFlight func(endpoint string)
	// held runs when a drop-after-commit fault starts holding a response.
	held func(endpoint string)
}

func (h *testHooks) setInFlight(f func(string)) { h.mu.Lock(); h.inFlight = f; h.mu.Unlock() }
func (h *testHooks) setHeld(f func(string))     { h.mu.Lock(); h.held = f; h.mu.Unlock() }

func (h *testHooks) callInFlight(endpoint string) {
	h.mu.Lock()
	f := h.inFlight
	h.mu.Unlock()
	if f != nil {
		f(endpoint)
	}
}

func (h *testHooks) callHeld(endpoint string) {
	h.mu.Lock()
	f := h.held
	h.mu.Unlock()
	if f != nil {
		f(endpoint)
	}
}

// New returns a simulator configured by opts.
func New(opts Options) (*Server, error) {
	opts, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	s := &Server{
		opts:      opts,
		log:       opts.Logger,
		st:        newState(opts.FirstOrderID),
		inFlight:  map[string]bool{},
		publicURL: opts.PublicURL,
		closed:    make(chan struct{}),
		timers:    map[*time.Timer]struct{}{},
	}
	for _, f := range opts.Faults {
		if err := s.InjectFault(f); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// SetPublicURL sets the base URL used for redirectCheckoutUrl, e.g. an
// httptest server's URL once it is listening.
func (s *Server) SetPublicURL(base string) error {
	if err := checkBaseURL(base); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.publicURL = strings.TrimRight(base, "/")
	return nil
}

// Close releases every response held by a drop-after-commit fault or delayed
// by a latency fault, stops pending settlement timers and waits for webhook
// deliveries in flight. Requests served afterwards still work, but faults no
// longer hold them.
func (s *Server) Close() {
	s.closeOnce.Do(func() { close(s.closed) })
	s.timersMu.Lock()
	for t := range s.timers {
		if t.Stop() {
			s.bg.Done()
		}
		delete(s.timers, t)
	}
	s.timersMu.Unlock()
	s.bg.Wait()
}

func (s *Server) now() time.Time { return s.opts.Clock.Now().UTC() }

// response is what a handler produces; the transport layer decides whether
// and how it reaches the client (faults may hold or drop it).
type response struct {
	status      int
	body        []byte
	contentType string
	header      http.Header
}

func jsonResponse(status int, v any) response {
	b, err := json.Marshal(v)
	if err != nil {
		// Only the simulator's own types are marshalled; failing here is a bug.
		panic(fmt.Sprintf("sandbox: marshal %T: %v", v, err))
	}
	return response{status: status, body: b, contentType: "application/json"}
}

func (s *Server) apiError(status int, code, message string) response {
	return jsonResponse(status, errorJSON{ErrorCode: code, ErrorID: s.newErrorID(), Message: message, HTTPStatusCode: status})
}

// apiErr is a handler-level error that becomes an Afterpay error body.
type apiErr struct {
	status  int
	code    string
	message string
}

func errf(status int, code, format string, args ...any) *apiErr {
	return &apiErr{status: status, code: code, message: fmt.Sprintf(format, args...)}
}

func (s *Server) fail(e *apiErr) response { return s.apiError(e.status, e.code, e.message) }

func (s *Server) failPtr(e *apiErr) *response {
	r := s.fail(e)
	return &r
}

// requestContext carries one API request through the middleware and handler.
type requestContext struct {
	r        *http.Request
	endpoint string
	param    string
	body     []byte
	delay    time.Duration
	waited   bool
	drop     bool
	s        *Server
}

// wait performs the latency fault, once: Afterpay keeps processing while the
// client waits, so an operation that is slow is still applied even if the
// client gives up (only Server.Close cuts the delay short).
func (rc *requestContext) wait() {
	if rc.waited {
		return
	}
	rc.waited = true
	rc.s.hooks.callInFlight(rc.endpoint)
	if rc.delay <= 0 {
		return
	}
	t := time.NewTimer(rc.delay)
	defer t.Stop()
	select {
	case <-t.C:
	case <-rc.s.closed:
	}
}

type bodyRule int

const (
	bodyNone bodyRule = iota
	bodyOptional
	bodyRequired
)

type route struct {
	endpoint string
	method   string
	body     bodyRule
	handle   func(rc *requestContext) response
}

// match finds the route for an API path. It returns the routes registered on
// the path (for 405's Allow) and the one for method, with the path parameter.
func (s *Server) match(method, path string) (found *route, onPath []route, param string) {
	seg := strings.Split(strings.TrimPrefix(path, "/"), "/")
	var rs []route
	switch {
	case path == "/ping":
		rs = []route{{EndpointPing, http.MethodGet, bodyNone, s.handlePing}}
	case len(seg) == 2 && seg[1] == "configuration":
		rs = []route{{EndpointConfiguration, http.MethodGet, bodyNone, s.handleConfiguration}}
	case len(seg) == 2 && seg[1] == "checkouts":
		rs = []route{{EndpointCreateCheckout, http.MethodPost, bodyRequired, s.handleCreateCheckout}}
	case len(seg) == 3 && seg[1] == "checkouts":
		param = seg[2]
		rs = []route{{EndpointGetCheckout, http.MethodGet, bodyNone, s.handleGetCheckout}}
	case len(seg) == 2 && seg[1] == "payments":
		rs = []route{{EndpointListPayments, http.MethodGet, bodyNone, s.handleListPayments}}
	case len(seg) == 3 && seg[1] == "payments" && seg[2] == "capture":
		rs = []route{{EndpointCapture, http.MethodPost, bodyRequired, s.handleCapture}}
	case len(seg) == 3 && seg[1] == "payments" && seg[2] == "auth":
		rs = []route{{EndpointAuth, http.MethodPost, bodyRequired, s.handleAuth}}
	case len(seg) == 3 && seg[1] == "payments" && strings.HasPrefix(seg[2], "token:"):
		param = strings.TrimPrefix(seg[2], "token:")
		rs = []route{{EndpointGetPaymentByToken, http.MethodGet, bodyNone, s.handleGetPaymentByToken}}
	case len(seg) == 4 && seg[1] == "payments" && strings.HasPrefix(seg[2], "token:") && seg[3] == "reversal":
		param = strings.TrimPrefix(seg[2], "token:")
		rs = []route{{EndpointReversal, http.MethodPost, bodyNone, s.handleReversal}}
	case len(seg) == 3 && seg[1] == "payments":
		param = seg[2]
		rs = []route{
			{EndpointGetPayment, http.MethodGet, bodyNone, s.handleGetPayment},
			{EndpointUpdatePayment, http.MethodPut, bodyRequired, s.handleUpdatePayment},
		}
	case len(seg) == 4 && seg[1] == "payments":
		param = seg[2]
		switch seg[3] {
		case "capture":
			rs = []route{{EndpointDeferredCapture, http.MethodPost, bodyRequired, s.handleDeferredCapture}}
		case "void":
			rs = []route{{EndpointVoid, http.MethodPost, bodyOptional, s.handleVoid}}
		case "refund":
			rs = []route{{EndpointRefund, http.MethodPost, bodyRequired, s.handleRefund}}
		case "courier":
			rs = []route{{EndpointCourier, http.MethodPut, bodyRequired, s.handleCourier}}
		}
	case len(seg) == 2 && seg[1] == "disputes":
		rs = []route{{EndpointListDisputes, http.MethodGet, bodyNone, s.handleListDisputes}}
	case len(seg) == 3 && seg[1] == "disputes":
		param = seg[2]
		rs = []route{
			{EndpointGetDispute, http.MethodGet, bodyNone, s.handleGetDispute},
			{EndpointRespondDispute, http.MethodPost, bodyRequired, s.handleRespondDispute},
		}
	case len(seg) == 4 && seg[1] == "disputes" && seg[3] == "accept":
		param = seg[2]
		// The guide says POST, the OpenAPI document GET; accept both.
		rs = []route{
			{EndpointAcceptDispute, http.MethodGet, bodyNone, s.handleAcceptDispute},
			{EndpointAcceptDispute, http.MethodPost, bodyOptional, s.handleAcceptDispute},
		}
	}
	if seg[0] != "v2" && path != "/ping" {
		return nil, nil, ""
	}
	for i := range rs {
		m := method
		if m == http.MethodHead {
			m = http.MethodGet
		}
		if rs[i].method == m {
			return &rs[i], rs, param
		}
	}
	return nil, rs, param
}

func allowHeader(rs []route) string {
	var methods []string
	seen := map[string]bool{}
	for _, r := range rs {
		if !seen[r.method] {
			seen[r.method] = true
			methods = append(methods, r.method)
			if r.method == http.MethodGet {
				methods = append(methods, http.MethodHead)
			}
		}
	}
	return strings.Join(append(methods, http.MethodOptions), ", ")
}

// ServeHTTP serves the API (/ping, /v2/…), the consumer checkout page
// (/{country}/checkout/…) and the test hooks (/__sim/…).
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	path := r.URL.Path
	switch {
	case path == "/ping" || path == "/v2" || strings.HasPrefix(path, "/v2/"):
		s.serveAPI(w, r)
	case strings.HasPrefix(path, "/__sim/"):
		s.serveHooks(w, r)
	case strings.HasPrefix(path, "/"+s.opts.CountryPath+"/checkout"):
		s.servePortal(w, r)
	default:
		s.write(w, s.apiError(http.StatusNotFound, "not_found", "No resource found at "+path))
	}
}

func (s *Server) serveAPI(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	correlationID := s.newCorrelationID()
	// Set directly to keep the lower-case spelling the real sandbox sends.
	w.Header()["http_correlation_id"] = []string{correlationID}
	rc := &requestContext{r: r, s: s}
	res, fault := s.prepareAndHandle(w, rc)
	if res == nil { // the connection was aborted or hijacked
		s.logRequest(r, rc, 0, fault, correlationID, start, nil)
		return
	}
	if rc.drop {
		s.logRequest(r, rc, res.status, fault, correlationID, start, res)
		s.holdAndDrop(w, rc)
		return
	}
	s.write(w, *res)
	s.logRequest(r, rc, res.status, fault, correlationID, start, res)
}

// prepareAndHandle runs the checks every endpoint shares (afterpay-api.md §2,
// "errors every endpoint can return"), then faults, then the handler. A nil
// response means the connection is gone.
func (s *Server) prepareAndHandle(w http.ResponseWriter, rc *requestContext) (*response, string) {
	r := rc.r
	rt, onPath, param := s.match(r.Method, r.URL.Path)
	rc.param = param
	if len(onPath) == 0 {
		res := s.apiError(http.StatusNotFound, "not_found", "No resource found at "+r.URL.Path)
		return &res, ""
	}
	rc.endpoint = onPath[0].endpoint
	isPing := rc.endpoint == EndpointPing
	if !isPing && !s.authorized(r) {
		res := s.apiError(http.StatusUnauthorized, "unauthorized", "Credentials are required to access this resource.")
		return &res, ""
	}
	if r.UserAgent() == "" {
		if s.opts.StrictUserAgent && !isPing {
			// Invented status: Afterpay documents no response for this.
			res := s.apiError(http.StatusBadRequest, "invalid_object", "The User-Agent header is required.")
			return &res, ""
		}
		s.log.Warn("afterpay sandbox: request without User-Agent", "method", r.Method, "path", r.URL.Path)
	}
	if rt == nil && r.Method != http.MethodOptions {
		res := s.apiError(http.StatusMethodNotAllowed, "method_not_allowed", fmt.Sprintf("Request method '%s' not supported", r.Method))
		res.header = http.Header{"Allow": {allowHeader(onPath)}}
		return &res, ""
	}
	if r.Method == http.MethodOptions {
		return &response{status: http.StatusOK, header: http.Header{"Allow": {allowHeader(onPath)}}}, ""
	}
	rc.endpoint = rt.endpoint
	if !isPing && !acceptsJSON(r.Header.Values("Accept")) {
		res := s.apiError(http.StatusNotAcceptable, "error", "Could not find acceptable representation")
		return &res, ""
	}
	if rt.body != bodyNone {
		body, res := s.readBody(w, r, rt.body)
		if res != nil {
			return res, ""
		}
		rc.body = body
	}

	fault, ok, badFault := s.takeFault(rc.endpoint, r)
	if badFault != nil {
		res := s.fail(badFault)
		return &res, ""
	}
	if ok {
		switch fault.Kind {
		case FaultLatency:
			rc.delay = fault.Delay
		case FaultServerError:
			res := s.apiError(http.StatusInternalServerError, "error", "An internal error occurred (injected fault).")
			return &res, string(fault.Kind)
		case FaultTooManyRequests:
			res := s.apiError(http.StatusTooManyRequests, "too_many_requests", "Too many requests, retry later (injected fault).")
			res.header = http.Header{"Retry-After": {retryAfterSeconds(fault.RetryAfter)}}
			return &res, string(fault.Kind)
		case FaultConflict:
			res := s.conflict()
			return &res, string(fault.Kind)
		case FaultUnauthorized:
			res := s.apiError(http.StatusUnauthorized, "unauthorized", "Credentials are required to access this resource.")
			return &res, string(fault.Kind)
		case FaultConnectionReset:
			abortConnection(w)
			return nil, string(fault.Kind)
		case FaultDropAfterCommit:
			rc.drop = true
		}
	}
	res := rt.handle(rc)
	rc.wait()
	return &res, string(fault.Kind)
}

// conflict is the 409 Afterpay returns to an idempotent retry while the
// original request is still processing. Afterpay documents the status but no
// body; the errorCode "conflict" is invented.
func (s *Server) conflict() response {
	return s.apiError(http.StatusConflict, "conflict", "The original request is still being processed; retry with the same requestId.")
}

func (s *Server) authorized(r *http.Request) bool {
	user, pass, ok := r.BasicAuth()
	if !ok {
		return false
	}
	u := subtle.ConstantTimeCompare([]byte(user), []byte(s.opts.MerchantID))
	p := subtle.ConstantTimeCompare([]byte(pass), []byte(s.opts.SecretKey))
	return u&p == 1
}

// acceptsJSON implements Afterpay's Accept rule: absent, application/json or
// */* are fine, anything else is 406.
func acceptsJSON(values []string) bool {
	if len(values) == 0 {
		return true
	}
	for _, v := range values {
		for _, part := range strings.Split(v, ",") {
			mt, _, err := mime.ParseMediaType(strings.TrimSpace(part))
			if err != nil {
				continue
			}
			switch mt {
			case "application/json", "application/*", "*/*":
				return true
			}
		}
	}
	return false
}

// readBody enforces the JSON Content-Type (415) and the body presence rule
// (an empty body where one is needed is Afterpay's 500).
func (s *Server) readBody(w http.ResponseWriter, r *http.Request, rule bodyRule) ([]byte, *response) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBodyBytes))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			res := s.apiError(http.StatusRequestEntityTooLarge, "error", "Request body too large")
			return nil, &res
		}
		res := s.apiError(http.StatusBadRequest, "invalid_json", "Could not read request body")
		return nil, &res
	}
	empty := len(strings.TrimSpace(string(body))) == 0
	if empty && rule == bodyOptional {
		return nil, nil
	}
	ct := r.Header.Get("Content-Type")
	mt, _, err := mime.ParseMediaType(ct)
	if ct == "" || err != nil || mt != "application/json" {
		res := s.apiError(http.StatusUnsupportedMediaType, "error", fmt.Sprintf("Content type '%s' not supported", ct))
		return nil, &res
	}
	if empty {
		res := s.apiError(http.StatusInternalServerError, "error", "Required request body is missing")
		return nil, &res
	}
	if !json.Valid(body) {
		res := s.apiError(http.StatusBadRequest, "invalid_json", "Malformed JSON request")
		return nil, &res
	}
	return body, nil
}

func (s *Server) write(w http.ResponseWriter, res response) {
	for k, vs := range res.header {
		for _, v := range vs {
			w.Header().Add(k, v)
		}
	}
	if res.contentType != "" {
		w.Header().Set("Content-Type", res.contentType)
	}
	w.WriteHeader(res.status)
	if len(res.body) > 0 && res.status != http.StatusNoContent {
		_, _ = w.Write(res.body)
	}
}

// holdAndDrop implements drop-after-commit: the operation is already stored;
// the response is never written, the connection is closed once the client
// gives up (or the Server closes).
func (s *Server) holdAndDrop(w http.ResponseWriter, rc *requestContext) {
	s.hooks.callHeld(rc.endpoint)
	select {
	case <-rc.r.Context().Done():
	case <-s.closed:
	}
	abortConnection(w)
}

// abortConnection closes the client's connection without a response, with a
// TCP reset where possible.
func abortConnection(w http.ResponseWriter) {
	hj, ok := w.(http.Hijacker)
	if !ok {
		panic(http.ErrAbortHandler)
	}
	conn, _, err := hj.Hijack()
	if err != nil {
		panic(http.ErrAbortHandler)
	}
	if tcp, ok := conn.(*net.TCPConn); ok {
		_ = tcp.SetLinger(0)
	}
	_ = conn.Close()
}

func retryAfterSeconds(d time.Duration) string {
	secs := int64((d + time.Second - 1) / time.Second)
	if secs < 1 {
		secs = 1
	}
	return fmt.Sprint(secs)
}

func (s *Server) logRequest(r *http.Request, rc *requestContext, status int, fault, correlationID string, start time.Time, res *response) {
	attrs := []any{
		"method", r.Method, "path", r.URL.Path, "endpoint", rc.endpoint,
		"status", status, "duration", time.Since(start), "http_correlation_id", correlationID,
	}
	if fault != "" {
		attrs = append(attrs, "fault", fault)
	}
	if rc.drop {
		attrs = append(attrs, "dropped", true)
	}
	s.log.Info("afterpay sandbox request", attrs...)
	if s.log.Enabled(r.Context(), slog.LevelDebug) {
		debug := []any{"endpoint", rc.endpoint, "request", maskJSON(rc.body)}
		if res != nil && res.contentType == "application/json" {
			debug = append(debug, "response", maskJSON(res.body))
		}
		s.log.Debug("afterpay sandbox bodies", debug...)
	}
}
