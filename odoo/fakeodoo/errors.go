package fakeodoo

import (
	"errors"
	"fmt"
	"strings"

	"github.com/odoo-afterpay/bridge/odoo/fakeodoo/internal/wire"
)

// errKind is the Odoo exception class an error maps to; it decides the
// XML-RPC faultCode (odoo/addons/base/controllers/rpc.py).
type errKind int

const (
	kindPython     errKind = iota // any non-Odoo exception: fault 1 with a traceback
	kindUser                      // UserError: fault 2
	kindValidation                // ValidationError (a UserError): fault 2
	kindMissing                   // MissingError (a UserError): fault 2
	kindAccess                    // AccessError: fault 4
	kindDenied                    // AccessDenied: fault 3
)

// odooError is an exception raised inside the fake's Odoo, rendered to a
// fault by the RPC layer.
type odooError struct {
	kind errKind
	// msg is the exception message: the faultString for codes 2-4 and the
	// text after "<Class>: " on a traceback's last line.
	msg string
	// class is the Python exception class for kindPython ("ValueError").
	class string
	// str is str(exception) when it differs from msg (KeyError quotes its
	// argument); the legacy route puts it in faultCode.
	str string
	// frames are extra traceback lines that make the traceback plausible.
	frames []string
	// marshal marks the marshaller's TypeError, raised after the commit.
	marshal bool
}

func (e *odooError) Error() string {
	if e.kind == kindPython {
		return e.class + ": " + e.msg
	}
	return e.msg
}

func userErrorf(format string, args ...any) error {
	return &odooError{kind: kindUser, msg: fmt.Sprintf(format, args...)}
}

func validationErrorf(format string, args ...any) error {
	return &odooError{kind: kindValidation, msg: fmt.Sprintf(format, args...)}
}

func accessErrorf(format string, args ...any) error {
	return &odooError{kind: kindAccess, msg: fmt.Sprintf(format, args...)}
}

func accessDenied() error { return &odooError{kind: kindDenied, msg: "Access Denied"} }

// missingError is MissingError as BaseModel._check_exists words it.
func missingError(model string, ids []int64, uid int64) error {
	return &odooError{kind: kindMissing, msg: fmt.Sprintf(
		"Record does not exist or has been deleted.\n(Record: %s, User: %d)", recordsetRepr(model, ids), uid)}
}

// pyError is a plain Python exception (fault 1).
func pyError(class, msg string, frames ...string) error {
	return &odooError{kind: kindPython, class: class, msg: msg, frames: frames}
}

func valueErrorf(format string, args ...any) error {
	return pyError("ValueError", fmt.Sprintf(format, args...))
}

func typeErrorf(format string, args ...any) error {
	return pyError("TypeError", fmt.Sprintf(format, args...))
}

// mandatoryFieldError is the IntegrityError text for a NOT NULL violation.
func mandatoryFieldError(m *model, f *field) error {
	return validationErrorf("The operation cannot be completed:\n"+
		"- Create/update: a mandatory field is not set.\n"+
		"- Delete: another model requires the record being deleted. If possible, archive it instead.\n\n"+
		"Model: %s (%s)\nField: %s (%s)\n", m.description, m.name, f.label, f.name)
}

// recordsetRepr renders "sale.order(37, 4)" / "res.users(99999,)".
func recordsetRepr(model string, ids []int64) string {
	parts := make([]string, len(ids))
	for i, id := range ids {
		parts[i] = fmt.Sprint(id)
	}
	if len(ids) == 1 {
		return model + "(" + parts[0] + ",)"
	}
	return model + "(" + strings.Join(parts, ", ") + ")"
}

func asOdooError(err error) *odooError {
	var oe *odooError
	if errors.As(err, &oe) {
		return oe
	}
	return &odooError{kind: kindPython, class: "Exception", msg: err.Error()}
}

// The frames every object-service traceback starts with in Odoo 18.0.
const tracebackHead = `Traceback (most recent call last):
  File "/usr/lib/python3/dist-packages/odoo/addons/base/controllers/rpc.py", line 161, in xmlrpc_2
    response = self._xmlrpc(service)
               ^^^^^^^^^^^^^^^^^^^^^
`

const tracebackDispatch = `  File "/usr/lib/python3/dist-packages/odoo/addons/base/controllers/rpc.py", line 139, in _xmlrpc
    result = dispatch_rpc(service, method, params)
             ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^
  File "/usr/lib/python3/dist-packages/odoo/http.py", line 398, in dispatch_rpc
    return dispatch(method, params)
           ^^^^^^^^^^^^^^^^^^^^^^^^
`

const tracebackObject = `  File "/usr/lib/python3/dist-packages/odoo/service/model.py", line 39, in dispatch
    res = execute_kw(db, uid, *params[3:])
          ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^
  File "/usr/lib/python3/dist-packages/odoo/service/model.py", line 61, in execute_kw
    return execute(db, uid, obj, method, *args, **kw or {})
           ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^
  File "/usr/lib/python3/dist-packages/odoo/service/model.py", line 68, in execute
    res = execute_cr(cr, uid, obj, method, *args, **kw)
          ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^
  File "/usr/lib/python3/dist-packages/odoo/service/model.py", line 52, in execute_cr
    result = retrying(partial(odoo.api.call_kw, recs, method, args, kw), env)
             ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^
  File "/usr/lib/python3/dist-packages/odoo/service/model.py", line 137, in retrying
    result = func()
             ^^^^^^
  File "/usr/lib/python3/dist-packages/odoo/api.py", line 517, in call_kw
    result = getattr(recs, name)(*args, **kwargs)
             ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^
`

const tracebackMarshal = `  File "/usr/lib/python3/dist-packages/odoo/addons/base/controllers/rpc.py", line 140, in _xmlrpc
    return dumps((result,))
           ^^^^^^^^^^^^^^^^
  File "/usr/lib/python3/dist-packages/odoo/addons/base/controllers/rpc.py", line 114, in dumps
    response = OdooMarshaller(allow_none=False).dumps(params)
               ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^
  File "/usr/lib/python3.11/xmlrpc/client.py", line 514, in dumps
    dump(v, write)
  File "/usr/lib/python3.11/xmlrpc/client.py", line 536, in __dump
    f(self, value, write)
`

// traceback renders a plausible Odoo 18 traceback for a fault-1 error; only
// its last line ("<Class>: <message>") is meant to be compared.
func (e *odooError) traceback(service string) string {
	var b strings.Builder
	b.WriteString(tracebackHead)
	if e.marshal {
		b.WriteString(tracebackMarshal)
	} else {
		b.WriteString(tracebackDispatch)
		if service == "object" {
			b.WriteString(tracebackObject)
		}
	}
	for _, f := range e.frames {
		b.WriteString(f)
		if !strings.HasSuffix(f, "\n") {
			b.WriteByte('\n')
		}
	}
	b.WriteString(e.class)
	b.WriteString(": ")
	b.WriteString(e.msg)
	b.WriteByte('\n')
	return b.String()
}

// marshalError wraps the encoder's TypeError as the exception Odoo raises
// while dumping a result it has already committed.
func marshalError(me *wire.MarshalError) *odooError {
	return &odooError{kind: kindPython, class: "TypeError", msg: me.Message, marshal: true}
}
