package fakeodoo

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/odoo-afterpay/bridge/odoo/fakeodoo/internal/wire"
)

// Clock tells the fake what time it is; tests inject a fixed one so dates,
// invoice numbers (INV/<year>/…) and create dates are reproducible.
type Clock interface {
	Now() time.Time
}

type systemClock struct{}

func (systemClock) Now() time.Time { return time.Now() }

// User is a login the fake accepts. Passwords and API keys are secrets: the
// fake never logs them.
type User struct {
	// UID is the res.users id; it must exist in the loaded data to be usable.
	UID      int64
	Login    string
	Password string
	// APIKeys are accepted in the password slot, like Odoo's RPC API keys.
	APIKeys []string
}

// Options configure a Server.
type Options struct {
	// Database is the only database name the server knows; default "odoo".
	Database string
	// Users are the accepted logins; default admin/admin with uid 2.
	Users []User
	// Clock defaults to the system clock.
	Clock Clock
	// HTTPClient sends automation-rule webhooks; default a plain client.
	// Each webhook also gets Odoo's 1 s timeout through its context.
	HTTPClient *http.Client
	// Logger defaults to a discarding logger.
	Logger *slog.Logger
	// AfterCommit, when set, is called after every committed change (the
	// command uses it to save its state file). It must not block.
	AfterCommit func()
}

// Server is an in-memory Odoo 18 that speaks XML-RPC like the real one. It
// is safe for concurrent use.
type Server struct {
	opts  Options
	log   *slog.Logger
	clock Clock
	http  *http.Client

	// writeMu serialises transactions that change data, from their first
	// change to their commit; readers never take it, and webhooks are sent
	// after it is released (see commit.go).
	writeMu sync.Mutex
	// head is the latest commit, which writers build on; published is what
	// readers see: head, or an earlier commit while webhooks are in flight.
	head      atomic.Pointer[dbState]
	published atomic.Pointer[dbState]
	// pubMu guards pending (the commits not published yet, oldest first)
	// and hookTails (per record, the sent channel of the latest ticket
	// with a webhook about it, which the next one waits for).
	pubMu     sync.Mutex
	pending   []*commitTicket
	hookTails map[hookTarget]chan struct{}
	// codes numbers the strings the indexes hold.
	codes *valueCodes
	// hookTimeout bounds a webhook's POST (Odoo's 1 s; tests may raise it).
	hookTimeout time.Duration

	seqMu   sync.Mutex
	nextIDs map[string]int64
	seqNext map[int64]int64

	faults faultInjector
}

// New returns a server with the built-in models and no records.
func New(opts Options) (*Server, error) {
	if opts.Database == "" {
		opts.Database = "odoo"
	}
	if len(opts.Users) == 0 {
		opts.Users = []User{{UID: 2, Login: "admin", Password: "admin"}}
	}
	for _, u := range opts.Users {
		if u.UID <= 0 || u.Login == "" {
			return nil, fmt.Errorf("fakeodoo: user %q needs a login and a positive uid", u.Login)
		}
	}
	if opts.Clock == nil {
		opts.Clock = systemClock{}
	}
	if opts.HTTPClient == nil {
		opts.HTTPClient = &http.Client{Timeout: webhookTimeout}
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	s := &Server{
		opts:        opts,
		log:         opts.Logger,
		clock:       opts.Clock,
		http:        opts.HTTPClient,
		hookTails:   map[hookTarget]chan struct{}{},
		hookTimeout: webhookTimeout,
		codes:       newValueCodes(),
		nextIDs:     map[string]int64{},
		seqNext:     map[int64]int64{},
	}
	st := emptyState(builtinRegistry())
	s.head.Store(st)
	s.published.Store(st)
	return s, nil
}

// Database is the database name the server answers to.
func (s *Server) Database() string { return s.opts.Database }

const maxBody = 16 << 20

var (
	routeV2     = regexp.MustCompile(`^/xmlrpc/2/([^/]+)/?$`)
	routeLegacy = regexp.MustCompile(`^/xmlrpc/([^/]+)/?$`)
)

// ServeHTTP serves Odoo's XML-RPC routes (/xmlrpc/2/<service> with integer
// fault codes, legacy /xmlrpc/<service> with string fault codes), GET
// /web/health, and the fake's own control routes under /__fake/.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if strings.HasPrefix(r.URL.Path, "/__fake/") {
		s.serveControl(w, r)
		return
	}
	// Read the body first: only then does net/http notice a client that
	// gives up during an injected delay.
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBody))
	if err != nil {
		http.Error(w, "cannot read request", http.StatusBadRequest)
		return
	}
	if s.faults.apply(w, r) {
		return
	}
	if r.URL.Path == "/web/health" {
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"status": "pass"}`)
		return
	}
	var service string
	legacy := false
	if m := routeV2.FindStringSubmatch(r.URL.Path); m != nil {
		service = m[1]
	} else if m := routeLegacy.FindStringSubmatch(r.URL.Path); m != nil {
		service, legacy = m[1], true
	} else {
		http.NotFound(w, r)
		return
	}
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", "POST")
		http.Error(w, "Method Not Allowed", http.StatusMethodNotAllowed)
		return
	}
	start := time.Now()
	resp, info := s.handleRPC(service, body, legacy)
	w.Header().Set("Content-Type", "text/xml; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(resp)
	attrs := []any{"service", service, "method", info.method, "duration", time.Since(start)}
	if info.model != "" {
		attrs = append(attrs, "model", info.model, "model_method", info.modelMethod)
	}
	if info.fault != nil {
		attrs = append(attrs, "fault", info.fault)
	}
	s.log.Debug("fakeodoo: rpc", attrs...)
}

// rpcInfo is what the request log says about a call (no arguments: they
// carry passwords and personal data).
type rpcInfo struct {
	method, model, modelMethod string
	fault                      any
}

// handleRPC decodes, dispatches and encodes one call.
func (s *Server) handleRPC(service string, body []byte, legacy bool) ([]byte, rpcInfo) {
	info := rpcInfo{}
	c, err := wire.DecodeCall(body)
	if err != nil {
		return s.faultResponse(service, pyError("xml.parsers.expat.ExpatError", err.Error()), legacy, &info), info
	}
	info.method = c.Method
	var result any
	var afterCommit error
	switch service {
	case "common":
		result, err = s.commonService(c.Method, c.Params)
	case "object":
		result, afterCommit, err = s.objectService(c.Method, c.Params, &info)
	case "db":
		result, err = s.dbService(c.Method, c.Params)
	default:
		err = pyError("KeyError", wire.ReprString(service),
			`  File "/usr/lib/python3/dist-packages/odoo/http.py", line 392, in dispatch_rpc
    dispatch = rpc_dispatchers[service_name]
               ~~~~~~~~~~~~~~~^^^^^^^^^^^^^^`)
		err.(*odooError).str = wire.ReprString(service)
	}
	if err != nil {
		return s.faultResponse(service, err, legacy, &info), info
	}
	out, err := wire.EncodeResponse(result)
	if err != nil {
		var me *wire.MarshalError
		if errors.As(err, &me) {
			return s.faultResponse(service, marshalError(me), legacy, &info), info
		}
		return s.faultResponse(service, err, legacy, &info), info
	}
	if afterCommit != nil {
		return s.faultResponse(service, afterCommit, legacy, &info), info
	}
	return out, info
}

// faultResponse maps an exception to a fault body (rpc.py's
// xmlrpc_handle_exception_int / _string).
func (s *Server) faultResponse(service string, err error, legacy bool, info *rpcInfo) []byte {
	e := asOdooError(err)
	if !legacy {
		code := 1
		msg := e.msg
		switch e.kind {
		case kindUser, kindValidation, kindMissing:
			code = 2
		case kindDenied:
			code = 3
		case kindAccess:
			code = 4
		default:
			msg = e.traceback(service)
		}
		info.fault = code
		return wire.EncodeFault(code, msg)
	}
	var code, msg string
	switch e.kind {
	case kindUser, kindValidation:
		code = "warning -- UserError\n\n" + e.msg
	case kindMissing:
		code = "warning -- MissingError\n\n" + e.msg
	case kindAccess:
		code = "warning -- AccessError\n\n" + e.msg
	case kindDenied:
		code, msg = "AccessDenied", e.msg
	default:
		code = e.msg
		if e.str != "" {
			code = e.str
		}
		msg = e.traceback(service)
	}
	info.fault = "legacy"
	return wire.EncodeFault(code, msg)
}

func (s *Server) checkDatabase(db any) error {
	name, _ := db.(string)
	if name == s.opts.Database {
		return nil
	}
	return &odooError{kind: kindPython, class: "psycopg2.OperationalError",
		msg: fmt.Sprintf("connection to server at \"127.0.0.1\", port 5432 failed: FATAL:  database %s does not exist\n", quoteDouble(name)),
		frames: []string{`  File "/usr/lib/python3/dist-packages/odoo/sql_db.py", line 717, in borrow
    result = psycopg2.connect(`}}
}

func quoteDouble(s string) string { return `"` + s + `"` }

// --- common service ------------------------------------------------------

func (s *Server) commonService(method string, params []any) (any, error) {
	switch method {
	case "version":
		return versionInfo(), nil
	case "about":
		return "See http://openerp.com", nil
	case "login":
		if len(params) != 3 {
			return nil, typeErrorf("exp_login() takes 3 positional arguments but %d were given", len(params))
		}
		return s.authenticate(params[0], params[1], params[2])
	case "authenticate":
		if len(params) != 4 {
			return nil, typeErrorf("exp_authenticate() takes 4 positional arguments but %d were given", len(params))
		}
		return s.authenticate(params[0], params[1], params[2])
	}
	return nil, pyError("Exception", "Method not found: "+method,
		`  File "/usr/lib/python3/dist-packages/odoo/service/common.py", line 65, in dispatch
    raise Exception("Method not found: %s" % method)`)
}

func versionInfo() *wire.Struct {
	return wire.NewStruct(
		"server_version", "18.0",
		"server_version_info", []any{int64(18), int64(0), int64(0), "final", int64(0), ""},
		"server_serie", "18.0",
		"protocol_version", int64(1),
	)
}

// authenticate returns the uid, or False for bad credentials (not a fault).
func (s *Server) authenticate(db, login, password any) (any, error) {
	if err := s.checkDatabase(db); err != nil {
		return nil, err
	}
	l, _ := login.(string)
	p, _ := password.(string)
	for _, u := range s.opts.Users {
		if u.Login == l && u.matches(p) && s.userActive(u.UID) {
			return u.UID, nil
		}
	}
	return false, nil
}

func (u User) matches(secret string) bool {
	if secret == "" {
		return false
	}
	return secret == u.Password || slices.Contains(u.APIKeys, secret)
}

func (s *Server) userActive(uid int64) bool {
	r := s.current().rec("res.users", uid)
	if r == nil {
		return true // a configured user without a record (empty store)
	}
	if v, ok := r["active"]; ok {
		return v == true
	}
	return true
}

// checkCredentials is security.check: a uid that is not a user is a
// MissingError (fault 2), a wrong password is AccessDenied (fault 3).
func (s *Server) checkCredentials(uid int64, password string) error {
	for _, u := range s.opts.Users {
		if u.UID != uid {
			continue
		}
		if u.matches(password) && s.userActive(uid) {
			return nil
		}
		return accessDenied()
	}
	if s.current().rec("res.users", uid) != nil {
		return accessDenied()
	}
	return missingError("res.users", []int64{uid}, uid)
}

// --- db service -----------------------------------------------------------

func (s *Server) dbService(method string, params []any) (any, error) {
	switch method {
	case "list":
		return []any{s.opts.Database}, nil
	case "server_version":
		return "18.0", nil
	case "db_exist":
		if len(params) == 1 {
			name, _ := params[0].(string)
			return name == s.opts.Database, nil
		}
	}
	return nil, accessDenied()
}

// --- object service -------------------------------------------------------

var privateMethod = regexp.MustCompile(`^(_.*|init)$`)

// objectService runs execute_kw/execute. It returns the result, or an error
// to report after the commit (injected "fault after commit"), or a fault.
func (s *Server) objectService(method string, params []any, info *rpcInfo) (any, error, error) {
	var (
		args   []any
		kwargs *wire.Struct
	)
	switch method {
	case "execute_kw":
		if len(params) < 5 {
			return nil, nil, typeErrorf("execute_kw() missing required positional arguments")
		}
		args = []any{}
		if len(params) > 5 {
			a, ok := params[5].([]any)
			if !ok {
				return nil, nil, typeErrorf("odoo.api.call_kw() argument after * must be an iterable, not %s", pyTypeName(params[5]))
			}
			args = a
		}
		if len(params) > 6 {
			if kw, ok := params[6].(*wire.Struct); ok {
				kwargs = kw
			}
		}
	case "execute":
		if len(params) < 5 {
			return nil, nil, typeErrorf("execute() missing required positional arguments")
		}
		args = params[5:]
	default:
		return nil, nil, pyError("NameError", "Method not available "+method)
	}
	if err := s.checkDatabase(params[0]); err != nil {
		return nil, nil, err
	}
	uid, ok := params[1].(int64)
	if !ok {
		return nil, nil, valueErrorf("invalid literal for int() with base 10: %s", wire.Repr(params[1]))
	}
	password, _ := params[2].(string)
	if err := s.checkCredentials(uid, password); err != nil {
		return nil, nil, err
	}
	modelName, _ := params[3].(string)
	methodName, _ := params[4].(string)
	info.model, info.modelMethod = modelName, methodName
	if privateMethod.MatchString(methodName) {
		return nil, nil, accessErrorf("Private methods (such as %s) cannot be called remotely.", methodName)
	}
	if s.current().reg.model(modelName) == nil {
		return nil, nil, userErrorf("Object %s doesn't exist", modelName)
	}
	if f, ok := s.faults.take(modelName, methodName, false); ok {
		return nil, nil, f.err()
	}
	ctx := wire.NewStruct()
	if kwargs != nil {
		kwargs = kwargs.Clone()
		if c, ok := kwargs.Value("context").(*wire.Struct); ok {
			ctx = c
		}
		kwargs.Delete("context")
	} else {
		kwargs = wire.NewStruct()
	}
	result, err := s.runTx(uid, ctx, func(t *tx) (any, error) {
		m := t.model(modelName)
		fn := m.methods[methodName]
		if fn == nil && m.mailThread {
			fn = mailThreadMethod(methodName)
		}
		if fn == nil {
			fn = genericMethod(methodName)
		}
		if fn == nil {
			return nil, pyError("AttributeError",
				fmt.Sprintf("The method '%s' does not exist on the model '%s'", methodName, modelName),
				`  File "/usr/lib/python3/dist-packages/odoo/api.py", line 500, in call_kw
    raise AttributeError(f"The method '{name}' does not exist on the model '{model._name}'")`)
		}
		return fn(&call{t: t, m: m, name: methodName, args: args, kwargs: kwargs})
	})
	if err != nil {
		return nil, nil, err
	}
	if f, ok := s.faults.take(modelName, methodName, true); ok {
		return result, f.err(), nil
	}
	return result, nil, nil
}
