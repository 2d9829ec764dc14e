package wire

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Python classes that the marshaller refuses, reported in its TypeError.
const (
	// NoneMessage is the TypeError text Python's Marshaller raises for None
	// when allow_none is False, which Odoo's RPC layer hits after committing.
	NoneMessage = "cannot marshal None unless allow_none is enabled"
)

// Opaque is a value the Python marshaller cannot dump, such as an Odoo
// recordset returned by a method that forgot to downgrade it to ids.
type Opaque interface {
	// PythonClass is the repr of the value's class, e.g.
	// "<class 'odoo.api.res.users.apikeys.description'>".
	PythonClass() string
}

// MarshalError is the TypeError the marshaller raises; Message is the text
// after "TypeError: ".
type MarshalError struct {
	Message string
}

// Error implements error.
func (e *MarshalError) Error() string { return "wire: " + e.Message }

// EncodeResponse writes a successful methodResponse exactly as Odoo 18 does:
// the XML declaration with double quotes, the stdlib marshaller's element
// layout, and a blank line before </methodResponse>.
func EncodeResponse(result any) ([]byte, error) {
	var b strings.Builder
	b.WriteString("<?xml version=\"1.0\"?>\n<methodResponse>\n<params>\n<param>\n")
	if err := dump(&b, result); err != nil {
		return nil, err
	}
	b.WriteString("</param>\n</params>\n\n</methodResponse>\n")
	return []byte(b.String()), nil
}

// EncodeFault writes a fault methodResponse. code is an int (the /xmlrpc/2
// routes) or a string (the legacy /xmlrpc routes).
func EncodeFault(code any, message string) []byte {
	var b strings.Builder
	b.WriteString("<?xml version=\"1.0\"?>\n<methodResponse>\n<fault>\n")
	// Both members are plain ints/strings, so dump cannot fail.
	_ = dump(&b, NewStruct("faultCode", code, "faultString", message))
	b.WriteString("</fault>\n\n</methodResponse>\n")
	return []byte(b.String())
}

// EncodeCall writes a methodCall the way Python's xmlrpc.client.dumps does;
// the fake's tests use it to talk to the server like a Python client.
func EncodeCall(method string, params ...any) ([]byte, error) {
	var b strings.Builder
	b.WriteString("<?xml version='1.0'?>\n<methodCall>\n<methodName>")
	b.WriteString(escape(method))
	b.WriteString("</methodName>\n<params>\n")
	for _, p := range params {
		b.WriteString("<param>\n")
		if err := dump(&b, p); err != nil {
			return nil, err
		}
		b.WriteString("</param>\n")
	}
	b.WriteString("</params>\n</methodCall>\n")
	return []byte(b.String()), nil
}

const maxInt = 1<<31 - 1
const minInt = -1 << 31

func dump(b *strings.Builder, v any) error {
	switch x := v.(type) {
	case nil:
		return &MarshalError{Message: NoneMessage}
	case bool:
		if x {
			b.WriteString("<value><boolean>1</boolean></value>\n")
		} else {
			b.WriteString("<value><boolean>0</boolean></value>\n")
		}
	case int:
		return dumpInt(b, int64(x))
	case int32:
		return dumpInt(b, int64(x))
	case int64:
		return dumpInt(b, x)
	case float64:
		b.WriteString("<value><double>")
		b.WriteString(FormatFloat(x))
		b.WriteString("</double></value>\n")
	case string:
		b.WriteString("<value><string>")
		b.WriteString(escape(stripControl(x)))
		b.WriteString("</string></value>\n")
	case []byte:
		// Odoo's marshaller sends bytes as str.
		return dump(b, string(x))
	case time.Time:
		b.WriteString("<value><dateTime.iso8601>")
		b.WriteString(x.Format("20060102T15:04:05"))
		b.WriteString("</dateTime.iso8601></value>\n")
	case []any:
		b.WriteString("<value><array><data>\n")
		for _, item := range x {
			if err := dump(b, item); err != nil {
				return err
			}
		}
		b.WriteString("</data></array></value>\n")
	case []int64:
		b.WriteString("<value><array><data>\n")
		for _, item := range x {
			if err := dumpInt(b, item); err != nil {
				return err
			}
		}
		b.WriteString("</data></array></value>\n")
	case []string:
		b.WriteString("<value><array><data>\n")
		for _, item := range x {
			_ = dump(b, item)
		}
		b.WriteString("</data></array></value>\n")
	case *Struct:
		b.WriteString("<value><struct>\n")
		for _, k := range x.keys {
			b.WriteString("<member>\n<name>")
			b.WriteString(escape(k))
			b.WriteString("</name>\n")
			if err := dump(b, x.vals[k]); err != nil {
				return err
			}
			b.WriteString("</member>\n")
		}
		b.WriteString("</struct></value>\n")
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		s := NewStruct()
		for _, k := range keys {
			s.Set(k, x[k])
		}
		return dump(b, s)
	case Opaque:
		return &MarshalError{Message: fmt.Sprintf("cannot marshal %s objects", x.PythonClass())}
	default:
		return &MarshalError{Message: fmt.Sprintf("cannot marshal <class '%T'> objects", v)}
	}
	return nil
}

func dumpInt(b *strings.Builder, n int64) error {
	if n > maxInt || n < minInt {
		return &MarshalError{Message: "int exceeds XML-RPC limits"}
	}
	b.WriteString("<value><int>")
	b.WriteString(strconv.FormatInt(n, 10))
	b.WriteString("</int></value>\n")
	return nil
}

// escape is xml.sax.saxutils.escape without entities: only &, < and > are
// replaced, as Python's marshaller does.
func escape(s string) string {
	if !strings.ContainsAny(s, "&<>") {
		return s
	}
	s = strings.ReplaceAll(s, "&", "&amp;")
	s = strings.ReplaceAll(s, "<", "&lt;")
	return strings.ReplaceAll(s, ">", "&gt;")
}

// stripControl drops ASCII control characters other than tab, LF and CR,
// which Odoo's marshaller removes because XML 1.0 cannot carry them.
func stripControl(s string) string {
	clean := true
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 && c != '\t' && c != '\n' && c != '\r' {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= 0x20 || c == '\t' || c == '\n' || c == '\r' {
			b.WriteByte(c)
		}
	}
	return b.String()
}

// FormatFloat formats f as Python's repr(float) does: the shortest text that
// reads back as f, in fixed notation with a trailing ".0" when the decimal
// exponent is in [-4, 16), otherwise in exponent notation ("1e+16", "1e-05").
func FormatFloat(f float64) string {
	switch {
	case math.IsNaN(f):
		return "nan"
	case math.IsInf(f, 1):
		return "inf"
	case math.IsInf(f, -1):
		return "-inf"
	}
	if f == 0 {
		if math.Signbit(f) {
			return "-0.0"
		}
		return "0.0"
	}
	e := strconv.FormatFloat(f, 'e', -1, 64) // e.g. "-6.280000000000001e+00"
	mant, expText, _ := strings.Cut(e, "e")
	exp, _ := strconv.Atoi(expText)
	decpt := exp + 1
	if decpt > -4 && decpt <= 16 {
		s := strconv.FormatFloat(f, 'f', -1, 64)
		if !strings.ContainsAny(s, ".") {
			s += ".0"
		}
		return s
	}
	sign := "+"
	if exp < 0 {
		sign = "-"
		exp = -exp
	}
	expDigits := strconv.Itoa(exp)
	if len(expDigits) < 2 {
		expDigits = "0" + expDigits
	}
	return mant + "e" + sign + expDigits
}
