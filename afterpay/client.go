package afterpay

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"time"

	"github.com/odoo-afterpay/bridge/money"
)

// Client calls Afterpay's Online API v2. It is safe for concurrent use and
// reuses connections; create one per merchant account.
type Client struct {
	baseURL    string
	merchantID string
	authHeader string
	userAgent  string
	http       *http.Client
	timeouts   Timeouts
	log        *slog.Logger
	now        func() time.Time
	env        Environment
	breaker    *breaker

	// dialer is the dialer of the default transport (nil with a
	// caller-supplied HTTPClient); kept so tests can check the connect timeout.
	dialer *net.Dialer
}

// NewClient validates cfg and returns a Client.
func NewClient(cfg Config) (*Client, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	base, err := cfg.resolveBaseURL()
	if err != nil {
		return nil, err
	}
	c := &Client{
		baseURL:    base,
		merchantID: cfg.MerchantID,
		authHeader: "Basic " + base64.StdEncoding.EncodeToString([]byte(cfg.MerchantID+":"+cfg.SecretKey)),
		userAgent:  cfg.UserAgent.format(cfg.MerchantID),
		timeouts:   cfg.Timeouts.withDefaults(),
		log:        cfg.Logger,
		now:        cfg.Now,
		env:        cfg.Environment,
		http:       cfg.HTTPClient,
	}
	if c.env == "" {
		c.env = Sandbox
	}
	if c.log == nil {
		c.log = slog.New(slog.DiscardHandler)
	}
	if c.now == nil {
		c.now = time.Now
	}
	c.breaker = newBreaker(cfg.Breaker, c.log)
	if c.http == nil {
		c.http, c.dialer = newHTTPClient(c.timeouts.Connect)
	}
	return c, nil
}

// newHTTPClient builds the default client: connect timeout on dial and TLS
// handshake, no overall timeout (every call carries its own deadline), TLS 1.2
// or newer as Afterpay requires, and redirects returned rather than followed
// (a redirected POST would silently turn into a GET).
func newHTTPClient(connect time.Duration) (*http.Client, *net.Dialer) {
	dialer := &net.Dialer{Timeout: connect, KeepAlive: 30 * time.Second}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.DialContext = dialer.DialContext
	tr.TLSHandshakeTimeout = connect
	tr.TLSClientConfig = &tls.Config{MinVersion: tls.VersionTLS12}
	tr.MaxIdleConnsPerHost = 16
	return &http.Client{
		Transport: tr,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}, dialer
}

// BaseURL returns the API host the client calls, e.g.
// "https://global-api-sandbox.afterpay.com".
func (c *Client) BaseURL() string { return c.baseURL }

// UserAgent returns the User-Agent header the client sends.
func (c *Client) UserAgent() string { return c.userAgent }

// endpointClass picks the documented read timeout of an endpoint.
type endpointClass int

const (
	// classRead: ping, configuration, checkouts, GET payments, update
	// payment, courier, disputes (20 s).
	classRead endpointClass = iota
	// classMoney: auth, capture, void, refund, reversal (70 s).
	classMoney
)

func (c *Client) timeout(class endpointClass) time.Duration {
	if class == classMoney {
		return c.timeouts.MoneyRead
	}
	return c.timeouts.Read
}

// maxResponseBytes bounds a response body; the largest legitimate one is a
// page of 250 payments.
const maxResponseBytes = 16 << 20

// request describes one API call.
type request struct {
	method string
	path   string // already escaped, e.g. "/v2/payments/123/capture"
	query  url.Values
	body   any // JSON-encoded when non-nil
	class  endpointClass
	// noAuth omits Authorization (ping is the only unauthenticated endpoint).
	noAuth bool
	// accept overrides "application/json".
	accept string
}

func (r *request) endpoint() string { return r.method + " " + r.path }

// response is a completed HTTP exchange with a 2xx status (or a 402 the
// caller asked to see).
type response struct {
	status int
	header http.Header
	body   []byte
}

// send performs one call. It returns a response for 2xx, an *Error for any
// other status (except a 402 when allow402 is set, returned as a response),
// or a *TransportError.
func (c *Client) send(ctx context.Context, r *request, allow402 bool) (*response, error) {
	return c.breaker.call(r.endpoint(), func() (*response, error) { return c.sendNow(ctx, r, allow402) })
}

func (c *Client) sendNow(ctx context.Context, r *request, allow402 bool) (*response, error) {
	endpoint := r.endpoint()
	var payload []byte
	if r.body != nil {
		b, err := json.Marshal(r.body)
		if err != nil {
			return nil, fmt.Errorf("afterpay: %s: encode request: %w", endpoint, err)
		}
		payload = b
	}

	callCtx, cancel := context.WithTimeout(ctx, c.timeout(r.class))
	defer cancel()

	u := c.baseURL + r.path
	if len(r.query) > 0 {
		// url.Values.Encode repeats array keys (ids=1&ids=2) and escapes '+'
		// in offsets as %2B, as the API requires.
		u += "?" + r.query.Encode()
	}
	var bodyReader io.Reader
	if payload != nil {
		bodyReader = bytes.NewReader(payload)
	}
	req, err := http.NewRequestWithContext(callCtx, r.method, u, bodyReader)
	if err != nil {
		return nil, fmt.Errorf("afterpay: %s: build request: %w", endpoint, err)
	}
	accept := r.accept
	if accept == "" {
		accept = "application/json"
	}
	req.Header.Set("Accept", accept)
	req.Header.Set("User-Agent", c.userAgent)
	if !r.noAuth {
		req.Header.Set("Authorization", c.authHeader)
	}
	if r.method == http.MethodPost || r.method == http.MethodPut {
		// Required on every POST/PUT (else 415), even reversal's empty one.
		req.Header.Set("Content-Type", "application/json")
	}

	c.logRequest(ctx, r, payload)
	start := c.now()
	resp, err := c.http.Do(req)
	if err != nil {
		tErr := transportError(endpoint, err, callCtx)
		c.logTransport(ctx, tErr, start)
		return nil, tErr
	}
	body, err := readBody(resp.Body)
	resp.Body.Close()
	if err != nil {
		tErr := transportError(endpoint, fmt.Errorf("read response body: %w", err), callCtx)
		c.logTransport(ctx, tErr, start)
		return nil, tErr
	}
	c.logResponse(ctx, r, resp, body, start)

	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		return &response{status: resp.StatusCode, header: resp.Header, body: body}, nil
	}
	if allow402 && resp.StatusCode == http.StatusPaymentRequired {
		return &response{status: resp.StatusCode, header: resp.Header, body: body}, nil
	}
	apiErr := decodeError(endpoint, resp.StatusCode, resp.Header, body, c.now())
	if apiErr.HTTPStatusCode == http.StatusUnauthorized {
		c.logCredentialsAlarm(ctx, apiErr)
	}
	return nil, apiErr
}

// readBody reads the whole body (refusing more than maxResponseBytes);
// reading to EOF lets the connection go back to the pool.
func readBody(rc io.Reader) ([]byte, error) {
	body, err := io.ReadAll(io.LimitReader(rc, maxResponseBytes+1))
	if err != nil {
		return nil, err
	}
	if len(body) > maxResponseBytes {
		return nil, fmt.Errorf("response body exceeds %d bytes", maxResponseBytes)
	}
	return body, nil
}

// do performs a call and decodes a 2xx JSON body into out (if out is non-nil).
func (c *Client) do(ctx context.Context, r *request, out any) error {
	resp, err := c.send(ctx, r, false)
	if err != nil {
		return err
	}
	return decodeBody(r.endpoint(), resp, out)
}

func decodeBody(endpoint string, resp *response, out any) error {
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(resp.body, out); err != nil {
		return &DecodeError{Endpoint: endpoint, HTTPStatusCode: resp.status, Err: err}
	}
	return nil
}

// doPayment performs a call that answers with a Payment. With allow402 a 402
// whose body is a declined Payment (auth) is a result, not an error.
func (c *Client) doPayment(ctx context.Context, r *request, allow402 bool) (*Payment, error) {
	resp, err := c.send(ctx, r, allow402)
	if err != nil {
		return nil, err
	}
	if resp.status == http.StatusPaymentRequired {
		return declinedPayment(r.endpoint(), resp, c.now())
	}
	var p Payment
	if err := decodeBody(r.endpoint(), resp, &p); err != nil {
		return nil, err
	}
	return &p, nil
}

// declinedPayment reads a 402 answer: a Payment with status DECLINED (auth
// declined), or else an Afterpay error such as invalid_token.
func declinedPayment(endpoint string, resp *response, now time.Time) (*Payment, error) {
	var probe struct {
		ErrorCode string `json:"errorCode"`
		Status    string `json:"status"`
	}
	if json.Unmarshal(resp.body, &probe) == nil && probe.ErrorCode == "" && probe.Status == StatusDeclined {
		var p Payment
		if err := json.Unmarshal(resp.body, &p); err != nil {
			return nil, &DecodeError{Endpoint: endpoint, HTTPStatusCode: resp.status, Err: err}
		}
		return &p, nil
	}
	return nil, decodeError(endpoint, resp.status, resp.header, resp.body, now)
}

// validationErr builds a *ValidationError.
func validationErr(endpoint, field, reason string) error {
	return &ValidationError{Endpoint: endpoint, Field: field, Reason: reason}
}

// requirePositive checks a required amount.
func requirePositive(endpoint, field string, m money.Money) error {
	if m.Currency == "" {
		return validationErr(endpoint, field, "is required (currency missing)")
	}
	if m.Minor <= 0 {
		return validationErr(endpoint, field, "must be greater than zero, got "+m.String())
	}
	return nil
}

// pathSegment escapes an ID for use as one path segment, refusing the empty
// ID (which would silently address another endpoint, e.g. the payment list).
func pathSegment(endpoint, field, v string) (string, error) {
	if v == "" {
		return "", validationErr(endpoint, field, "is required")
	}
	return url.PathEscape(v), nil
}
