package odoo

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/kolo/xmlrpc"
)

const (
	// DefaultTimeout is the per-call timeout when Config.Timeout is zero.
	DefaultTimeout = 30 * time.Second

	// maxResponseBytes bounds what one answer may allocate; Odoo's largest
	// answers here (fields_get, action dicts) are a few kilobytes.
	maxResponseBytes = 64 << 20
)

// Config configures a Client.
type Config struct {
	// URL is the Odoo base URL, e.g. "http://127.0.0.1:8069". The client
	// calls <URL>/xmlrpc/2/common and <URL>/xmlrpc/2/object.
	URL string
	// Database is the Odoo database name.
	Database string
	// Username is the user's login.
	Username string
	// Password is the user's password or, better, an API key (Odoo accepts
	// either in the same slot). Never logged.
	Password string
	// Timeout bounds each XML-RPC call; zero means DefaultTimeout.
	Timeout time.Duration
	// HTTPClient is used for every call (common and object share it, so its
	// connections are reused). Nil means a dedicated client with its own
	// transport. Its Timeout, if any, applies on top of Config.Timeout.
	HTTPClient *http.Client
	// Logger receives call traces at DEBUG and credential/permission alarms
	// at ERROR. Nil discards.
	Logger *slog.Logger
	// Now is the clock used for the timestamps the client writes
	// (payment.transaction.last_state_change, default dates). Nil means
	// time.Now.
	Now func() time.Time
}

// Client is an Odoo 18 XML-RPC client. It is safe for concurrent use.
type Client struct {
	commonURL string
	objectURL string
	database  string
	login     string
	password  string
	timeout   time.Duration
	http      *http.Client
	log       *slog.Logger
	now       func() time.Time

	// authSlot serialises authentication (a one-slot semaphore, so a waiting
	// caller can give up when its context ends).
	authSlot chan struct{}
	uid      atomic.Int64

	// noDeliveryField remembers that sale.order.line has no is_delivery
	// (the delivery module is not installed), so the probe runs once.
	noDeliveryField atomic.Bool
	// noCaptureField remembers that sale.order has no x_afterpay_capture
	// (Odoo not provisioned yet), so ReadSaleOrder asks for it once.
	noCaptureField atomic.Bool

	// currencyIDs caches res.currency ids by ISO code; they never change.
	currencyIDs sync.Map
	// provisioned caches the ids of the records setup-odoo makes (the
	// Afterpay provider, payment method and journal), which every payment
	// would otherwise look up again.
	provisioned idCache
	// limits holds the merchant's limits last read (ReadMerchantLimits).
	limits limitsCache
}

// NewClient validates cfg and returns a Client. It makes no network call;
// the first ExecuteKW authenticates.
func NewClient(cfg Config) (*Client, error) {
	base, err := url.Parse(strings.TrimSpace(cfg.URL))
	if err != nil {
		return nil, fmt.Errorf("odoo: config: URL: %w", err)
	}
	if base.Scheme != "http" && base.Scheme != "https" {
		return nil, fmt.Errorf("odoo: config: URL %q: scheme must be http or https", cfg.URL)
	}
	if base.Host == "" {
		return nil, fmt.Errorf("odoo: config: URL %q: missing host", cfg.URL)
	}
	if base.User != nil {
		// Credentials in the URL would end up in error messages and logs.
		return nil, errors.New("odoo: config: URL must not contain credentials; use Username and Password")
	}
	if base.RawQuery != "" || base.Fragment != "" {
		return nil, fmt.Errorf("odoo: config: URL %q: must not have a query or fragment", cfg.URL)
	}
	switch {
	case cfg.Database == "":
		return nil, errors.New("odoo: config: Database is required")
	case cfg.Username == "":
		return nil, errors.New("odoo: config: Username is required")
	case cfg.Password == "":
		return nil, errors.New("odoo: config: Password is required")
	case cfg.Timeout < 0:
		return nil, errors.New("odoo: config: Timeout must not be negative")
	}
	timeout := cfg.Timeout
	if timeout == 0 {
		timeout = DefaultTimeout
	}
	httpClient := cfg.HTTPClient
	if httpClient == nil {
		transport := http.DefaultTransport.(*http.Transport).Clone()
		transport.MaxIdleConnsPerHost = 8
		transport.ResponseHeaderTimeout = timeout
		httpClient = &http.Client{Transport: transport}
	}
	logger := cfg.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	now := cfg.Now
	if now == nil {
		now = time.Now
	}
	root := strings.TrimRight(base.String(), "/")
	return &Client{
		commonURL: root + "/xmlrpc/2/common",
		objectURL: root + "/xmlrpc/2/object",
		database:  cfg.Database,
		login:     cfg.Username,
		password:  cfg.Password,
		timeout:   timeout,
		http:      httpClient,
		log:       logger.With("component", "odoo"),
		now:       now,
		authSlot:  make(chan struct{}, 1),
	}, nil
}

// ServerVersion is the answer of common.version.
type ServerVersion struct {
	// ServerVersion is e.g. "18.0" or "saas~18.2".
	ServerVersion string
	// Serie is the major series, e.g. "18.0".
	Serie string
	// Major and Minor come from server_version_info.
	Major, Minor int
	// ReleaseLevel is e.g. "final".
	ReleaseLevel string
	// ProtocolVersion is the RPC protocol version (1).
	ProtocolVersion int
}

// Version calls common.version, which needs no authentication.
func (c *Client) Version(ctx context.Context) (*ServerVersion, error) {
	res, err := c.call(ctx, c.commonURL, "version", nil, "common", "version")
	if err != nil {
		return nil, err
	}
	m, ok := res.(map[string]any)
	if !ok {
		return nil, &ProtocolError{Op: "common.version", Err: fmt.Errorf("unexpected %T answer", res)}
	}
	rec := Record(m)
	v := &ServerVersion{}
	v.ServerVersion, _ = rec.String("server_version")
	v.Serie, _ = rec.String("server_serie")
	pv, _ := rec.Int64("protocol_version")
	v.ProtocolVersion = int(pv)
	if info, ok := m["server_version_info"].([]any); ok {
		if len(info) > 0 {
			n, _ := info[0].(int64)
			v.Major = int(n)
		}
		if len(info) > 1 {
			n, _ := info[1].(int64)
			v.Minor = int(n)
		}
		if len(info) > 3 {
			v.ReleaseLevel, _ = info[3].(string)
		}
	}
	if v.ServerVersion == "" {
		return nil, &ProtocolError{Op: "common.version", Err: errors.New("answer has no server_version")}
	}
	return v, nil
}

// Authenticate calls common.authenticate and caches the uid for later
// calls. A False answer is ErrBadCredentials, logged at ERROR (without the
// secret). ExecuteKW authenticates lazily, so calling this is optional; it
// is useful as a start-up check.
func (c *Client) Authenticate(ctx context.Context) (int64, error) {
	if err := c.acquireAuth(ctx); err != nil {
		return 0, err
	}
	defer c.releaseAuth()
	return c.authenticate(ctx)
}

func (c *Client) acquireAuth(ctx context.Context) error {
	select {
	case c.authSlot <- struct{}{}:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("odoo: authenticate: waiting for another authentication: %w", ctx.Err())
	}
}

func (c *Client) releaseAuth() { <-c.authSlot }

// authenticate runs with the auth slot held.
func (c *Client) authenticate(ctx context.Context) (int64, error) {
	params := []any{c.database, c.login, c.password, map[string]any{}}
	res, err := c.call(ctx, c.commonURL, "authenticate", params, "common", "authenticate")
	if err != nil {
		return 0, err
	}
	switch v := res.(type) {
	case int64:
		if v <= 0 {
			return 0, &ProtocolError{Op: "common.authenticate", Err: fmt.Errorf("uid %d", v)}
		}
		c.uid.Store(v)
		c.log.DebugContext(ctx, "odoo authenticated", "database", c.database, "uid", v)
		return v, nil
	case bool:
		if !v {
			c.log.ErrorContext(ctx, "odoo credentials alarm: authentication refused",
				"database", c.database, "login", maskLogin(c.login), "url", c.commonURL)
			return 0, fmt.Errorf("odoo: authenticate on database %q: %w", c.database, ErrBadCredentials)
		}
	}
	return 0, &ProtocolError{Op: "common.authenticate", Err: fmt.Errorf("unexpected %T answer", res)}
}

// userID returns the cached uid, authenticating first if there is none.
func (c *Client) userID(ctx context.Context) (int64, error) {
	if uid := c.uid.Load(); uid != 0 {
		return uid, nil
	}
	if err := c.acquireAuth(ctx); err != nil {
		return 0, err
	}
	defer c.releaseAuth()
	if uid := c.uid.Load(); uid != 0 { // another caller authenticated meanwhile
		return uid, nil
	}
	return c.authenticate(ctx)
}

// ExecuteKW calls object.execute_kw(db, uid, password, model, method, args,
// kwargs), authenticating first if needed. kwargs may carry "context".
//
// Values are sent as Odoo expects them: nil becomes False (never an empty
// <value/>, which Python reads as ""), time.Time becomes the UTC string
// "YYYY-MM-DD HH:MM:SS", and money.Money becomes a double.
//
// The result is decoded generically: int64, float64, bool, string (an empty
// string arrives as nil), []any and map[string]any; see Record for helpers.
func (c *Client) ExecuteKW(ctx context.Context, model, method string, args []any, kwargs map[string]any) (any, error) {
	if model == "" || method == "" {
		return nil, errors.New("odoo: ExecuteKW: model and method are required")
	}
	uid, err := c.userID(ctx)
	if err != nil {
		return nil, err
	}
	if args == nil {
		args = []any{}
	}
	params := []any{c.database, uid, c.password, model, method, normalize(args)}
	if len(kwargs) > 0 {
		params = append(params, normalize(kwargs))
	}
	res, err := c.call(ctx, c.objectURL, "execute_kw", params, model, method)
	if err == nil {
		return res, nil
	}
	if f, ok := AsFault(err); ok {
		switch f.Kind() {
		case KindAccessDenied, KindUnknownUser:
			// The cached session is no good; the next call re-authenticates
			// and reports ErrBadCredentials if the credentials changed.
			c.uid.CompareAndSwap(uid, 0)
			c.log.ErrorContext(ctx, "odoo credentials alarm", "model", model, "method", method,
				"fault_code", f.Code, "fault", f.Message, "database", c.database, "uid", uid)
		case KindAccessError:
			c.log.ErrorContext(ctx, "odoo permissions alarm", "model", model, "method", method,
				"fault_code", f.Code, "fault", f.Message, "database", c.database, "uid", uid)
		}
	}
	return nil, err
}

// call performs one XML-RPC exchange. model and method only label errors
// and logs.
func (c *Client) call(ctx context.Context, endpoint, rpcMethod string, params []any, model, method string) (any, error) {
	body, err := xmlrpc.EncodeMethodCall(rpcMethod, params...)
	if err != nil {
		return nil, fmt.Errorf("odoo: %s.%s: encode request: %w", model, method, err)
	}
	callCtx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(callCtx, http.MethodPost, endpoint, bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("odoo: %s.%s: %w", model, method, err)
	}
	req.Header.Set("Content-Type", "text/xml")
	req.Header.Set("User-Agent", "odoo-afterpay-bridge")

	start := time.Now()
	res, err := c.exchange(ctx, callCtx, req, endpoint, model, method)
	attrs := []any{"model", model, "method", method, "duration", time.Since(start)}
	if err != nil {
		attrs = append(attrs, "error", err)
	}
	c.log.DebugContext(ctx, "odoo call", attrs...)
	return res, err
}

func (c *Client) exchange(ctx, callCtx context.Context, req *http.Request, endpoint, model, method string) (any, error) {
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, c.transportError(ctx, callCtx, endpoint, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		// Drain a little so the connection can be reused.
		_, _ = io.CopyN(io.Discard, resp.Body, 4096)
		return nil, &HTTPError{Endpoint: endpoint, StatusCode: resp.StatusCode}
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxResponseBytes+1))
	if err != nil {
		return nil, c.transportError(ctx, callCtx, endpoint, err)
	}
	if len(data) > maxResponseBytes {
		return nil, &ProtocolError{Op: model + "." + method, Err: fmt.Errorf("answer larger than %d bytes", maxResponseBytes)}
	}
	answer := xmlrpc.Response(data)
	if ferr := answer.Err(); ferr != nil {
		var fe xmlrpc.FaultError
		if errors.As(ferr, &fe) {
			return nil, newFault(fe.Code, fe.String, model, method)
		}
		return nil, &ProtocolError{Op: model + "." + method, Err: fmt.Errorf("decode fault: %w", ferr)}
	}
	var out any
	if err := answer.Unmarshal(&out); err != nil {
		return nil, &ProtocolError{Op: model + "." + method, Err: fmt.Errorf("decode answer: %w", err)}
	}
	return out, nil
}

// transportError classifies a failed HTTP exchange. The caller's own
// context ending is reported as its error (wrapped), the per-call timeout as
// a TransportError with Timeout set.
func (c *Client) transportError(ctx, callCtx context.Context, endpoint string, err error) error {
	if ctxErr := ctx.Err(); ctxErr != nil {
		return fmt.Errorf("odoo: POST %s: %w", endpoint, ctxErr)
	}
	timeout := errors.Is(callCtx.Err(), context.DeadlineExceeded)
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		timeout = true
	}
	// *url.Error repeats the method and URL; keep only its cause.
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	return &TransportError{Endpoint: endpoint, Timeout: timeout, Err: err}
}

// maskLogin keeps enough of a login to recognise it in an alarm without
// writing a full e-mail address to the log.
func maskLogin(login string) string {
	r := []rune(login)
	if len(r) <= 2 {
		return "***"
	}
	return string(r[:2]) + "***"
}
