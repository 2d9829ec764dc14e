package odoo

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strings"
)

// Sentinel errors. Test for them with errors.Is.
var (
	// ErrBadCredentials means common.authenticate answered False: the login,
	// password or API key is wrong (or the user is archived). Final; it is a
	// credentials alarm, not something a retry fixes.
	ErrBadCredentials = errors.New("odoo: bad credentials (authenticate returned False)")

	// ErrNotFound means the record does not exist: a read returned [] (Odoo 18
	// drops missing ids silently), a search found nothing, or a write hit a
	// MissingError.
	ErrNotFound = errors.New("odoo: record not found")

	// ErrInvalidState means a record is not in a state the requested operation
	// accepts (for example a credit note on a draft invoice). Final.
	ErrInvalidState = errors.New("odoo: record is not in the expected state")
)

// XML-RPC fault codes of Odoo's /xmlrpc/2 endpoints
// (odoo/addons/base/controllers/rpc.py).
const (
	FaultCodeApplication  = 1 // any other exception; faultString is a Python traceback
	FaultCodeUserError    = 2 // UserError, ValidationError, MissingError, RedirectWarning
	FaultCodeAccessDenied = 3 // AccessDenied: wrong password or API key
	FaultCodeAccessError  = 4 // AccessError: ACLs, record rules, private methods
)

// Fault is an XML-RPC fault answered by Odoo.
type Fault struct {
	// Code is Odoo's integer faultCode (1-4, see the FaultCode constants).
	Code int
	// Message is the human-readable message: the faultString for codes 2-4,
	// and the last line of the traceback for code 1 (tracebacks differ with the
	// install path and Python version; their last line does not).
	Message string
	// Traceback is the full Python traceback of a code-1 fault, else empty.
	Traceback string
	// Model and Method name the call that failed ("common" and the method name
	// for the common service).
	Model, Method string
}

// Error implements error.
func (f *Fault) Error() string {
	return fmt.Sprintf("odoo fault %d on %s.%s: %s", f.Code, f.Model, f.Method, f.Message)
}

// FaultKind is what a Fault means for the caller.
type FaultKind int

// The kinds of faults, from the caller's point of view.
const (
	// KindApplication is a code-1 fault: a server-side bug or a malformed
	// call (unknown field, bad selection value, wrong arity). Final.
	KindApplication FaultKind = iota + 1
	// KindProbablyApplied is the code-1 fault Odoo raises while marshalling a
	// result it cannot send (None, a recordset) AFTER the transaction has
	// committed: the change was made. Read back and decide.
	KindProbablyApplied
	// KindTransient is a code-1 fault from a database serialisation failure,
	// deadlock or lock timeout that outlived Odoo's own retries. Retryable.
	KindTransient
	// KindBusiness is a code-2 fault: UserError, ValidationError or
	// MissingError with Odoo's message. Final.
	KindBusiness
	// KindUnknownUser is the code-2 fault Odoo 18 answers when the uid itself
	// does not exist. A credentials alarm.
	KindUnknownUser
	// KindAccessDenied is code 3: the password or API key is no longer valid.
	// A credentials alarm.
	KindAccessDenied
	// KindAccessError is code 4: the user lacks rights for the model, record
	// or method. A permissions alarm.
	KindAccessError
)

// String returns the kind's name.
func (k FaultKind) String() string {
	switch k {
	case KindApplication:
		return "application"
	case KindProbablyApplied:
		return "probably-applied"
	case KindTransient:
		return "transient"
	case KindBusiness:
		return "business"
	case KindUnknownUser:
		return "unknown-user"
	case KindAccessDenied:
		return "access-denied"
	case KindAccessError:
		return "access-error"
	}
	return fmt.Sprintf("FaultKind(%d)", int(k))
}

var (
	// Marshalling happens after the commit (odoo/service/model.py retrying()
	// commits, then rpc.py dumps the result), so any "cannot marshal" TypeError
	// means the work was done: None results and returned recordsets alike.
	afterCommitRx = regexp.MustCompile(`^TypeError: cannot marshal `)
	// Odoo retries serialisation failures five times itself; if they persist
	// the database is busy, which is worth another attempt later.
	transientRx = regexp.MustCompile(`^psycopg2\.(errors\.)?(SerializationFailure|DeadlockDetected|LockNotAvailable)\b|could not serialize access`)
	// An unknown uid surfaces as a MissingError on the user itself:
	// "Record does not exist or has been deleted.\n(Record: res.users(99999,), User: 99999)".
	unknownUserRx = regexp.MustCompile(`\(Record: res\.users\((\d+),\), User: (\d+)\)`)
)

// Kind classifies the fault.
func (f *Fault) Kind() FaultKind {
	switch f.Code {
	case FaultCodeUserError:
		if m := unknownUserRx.FindStringSubmatch(f.Message); m != nil && m[1] == m[2] {
			return KindUnknownUser
		}
		return KindBusiness
	case FaultCodeAccessDenied:
		return KindAccessDenied
	case FaultCodeAccessError:
		return KindAccessError
	}
	switch {
	case afterCommitRx.MatchString(f.Message):
		return KindProbablyApplied
	case transientRx.MatchString(f.Message):
		return KindTransient
	}
	return KindApplication
}

// isMissingRecord reports whether a business fault is Odoo's MissingError.
func (f *Fault) isMissingRecord() bool {
	return f.Kind() == KindBusiness && strings.HasPrefix(f.Message, "Record does not exist or has been deleted.")
}

// newFault builds a Fault from the wire's code and string.
func newFault(code int, faultString, model, method string) *Fault {
	f := &Fault{Code: code, Message: faultString, Model: model, Method: method}
	if code == FaultCodeApplication {
		f.Traceback = faultString
		f.Message = lastLine(faultString)
	}
	return f
}

func lastLine(s string) string {
	s = strings.TrimRight(s, "\r\n\t ")
	if i := strings.LastIndexByte(s, '\n'); i >= 0 {
		return strings.TrimSpace(s[i+1:])
	}
	return strings.TrimSpace(s)
}

// TransportError is a failure to exchange the HTTP request with Odoo: DNS,
// connection refused or reset, TLS, a broken body, or the per-call timeout.
// Retryable.
type TransportError struct {
	// Endpoint is the URL that was called (without credentials).
	Endpoint string
	// Timeout is true when the per-call timeout (Config.Timeout) or another
	// network timeout expired.
	Timeout bool
	// Err is the underlying error.
	Err error
}

// Error implements error.
func (e *TransportError) Error() string {
	if e.Timeout {
		return fmt.Sprintf("odoo: POST %s: timeout: %v", e.Endpoint, e.Err)
	}
	return fmt.Sprintf("odoo: POST %s: %v", e.Endpoint, e.Err)
}

// Unwrap returns the underlying error.
func (e *TransportError) Unwrap() error { return e.Err }

// HTTPError is a non-2xx HTTP answer. Odoo itself answers every XML-RPC call,
// faults included, with 200, so this comes from a proxy, a crashed worker or
// a wrong URL. 5xx, 408 and 429 are retryable; other codes are configuration
// errors.
type HTTPError struct {
	Endpoint   string
	StatusCode int
}

// Error implements error.
func (e *HTTPError) Error() string {
	return fmt.Sprintf("odoo: POST %s: bad status code - %d %s", e.Endpoint, e.StatusCode, http.StatusText(e.StatusCode))
}

// ProtocolError is an answer that is not the XML-RPC Odoo sends, or a value
// whose shape does not match the field it was read from. Final: it means a
// wrong URL or a server this client does not understand.
type ProtocolError struct {
	Op  string
	Err error
}

// Error implements error.
func (e *ProtocolError) Error() string { return fmt.Sprintf("odoo: %s: %v", e.Op, e.Err) }

// Unwrap returns the underlying error.
func (e *ProtocolError) Unwrap() error { return e.Err }

// AsFault returns the Fault in err's chain, if any.
func AsFault(err error) (*Fault, bool) {
	var f *Fault
	if errors.As(err, &f) {
		return f, true
	}
	return nil, false
}

// IsRetryable reports whether retrying the same call later may succeed:
// network errors, timeouts, HTTP 5xx/408/429 and transient database faults.
// Faults are otherwise final; a probably-applied fault is not retryable as
// such (read back first, see IsProbablyApplied).
func IsRetryable(err error) bool {
	if err == nil {
		return false
	}
	if f, ok := AsFault(err); ok {
		return f.Kind() == KindTransient
	}
	var te *TransportError
	if errors.As(err, &te) {
		return true
	}
	var he *HTTPError
	if errors.As(err, &he) {
		return he.StatusCode >= 500 || he.StatusCode == http.StatusRequestTimeout || he.StatusCode == http.StatusTooManyRequests
	}
	// The caller's own deadline ran out while waiting: the call may well
	// succeed with more time. Cancellation is a decision, not a failure.
	return errors.Is(err, context.DeadlineExceeded)
}

// IsProbablyApplied reports whether err is the fault Odoo raises after it has
// committed the call's work (a method returning None, such as
// account.payment.action_post or create_invoices without a payment term).
// The caller should read the records back and decide.
func IsProbablyApplied(err error) bool {
	f, ok := AsFault(err)
	return ok && f.Kind() == KindProbablyApplied
}

// IsAccessAlarm reports whether err means the integration's credentials or
// rights are wrong: bad credentials, access denied (3), access error (4) or
// an unknown uid. Final; someone has to fix the Odoo user.
func IsAccessAlarm(err error) bool {
	if errors.Is(err, ErrBadCredentials) {
		return true
	}
	f, ok := AsFault(err)
	if !ok {
		return false
	}
	switch f.Kind() {
	case KindAccessDenied, KindAccessError, KindUnknownUser:
		return true
	}
	return false
}

// IsBusiness reports whether err is a business refusal: a code-2 fault
// (UserError, ValidationError, MissingError) carrying Odoo's message, or a
// record found in a state the operation does not accept (ErrInvalidState).
// Final.
func IsBusiness(err error) bool {
	if errors.Is(err, ErrInvalidState) {
		return true
	}
	f, ok := AsFault(err)
	return ok && f.Kind() == KindBusiness
}
