package wire

import (
	"bytes"
	"encoding/base64"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
)

// Call is a decoded XML-RPC methodCall.
type Call struct {
	Method string
	Params []any
}

// Fault is a decoded XML-RPC fault. Code is an int64 on Odoo's /xmlrpc/2
// routes and a string on the legacy /xmlrpc routes.
type Fault struct {
	Code   any
	String string
}

// ErrMalformed wraps every decoding failure.
var ErrMalformed = errors.New("wire: malformed XML-RPC document")

// DecodeCall parses a methodCall body. Values decode as Python's
// xmlrpc.client.loads(use_datetime=True) would: <int>/<i4>/<i8> → int64,
// <boolean> → bool, <double> → float64, <string> and bare <value>text</value>
// → string, <nil/> → nil, <dateTime.iso8601> → time.Time (naive, taken as UTC),
// <base64> → []byte, <array> → []any, <struct> → *Struct.
func DecodeCall(data []byte) (*Call, error) {
	d := newDecoder(data)
	if err := d.expectStart("methodCall"); err != nil {
		return nil, err
	}
	call := &Call{}
	for {
		tok, err := d.next()
		if err != nil {
			return nil, err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			switch t.Name.Local {
			case "methodName":
				name, err := d.text("methodName")
				if err != nil {
					return nil, err
				}
				call.Method = strings.TrimSpace(name)
			case "params":
				params, err := d.params()
				if err != nil {
					return nil, err
				}
				call.Params = params
			default:
				return nil, fmt.Errorf("%w: unexpected <%s> in methodCall", ErrMalformed, t.Name.Local)
			}
		case xml.EndElement:
			if call.Method == "" {
				return nil, fmt.Errorf("%w: methodCall without methodName", ErrMalformed)
			}
			if call.Params == nil {
				call.Params = []any{}
			}
			return call, nil
		}
	}
}

// DecodeResponse parses a methodResponse body: the single result, or a fault.
func DecodeResponse(data []byte) (any, *Fault, error) {
	d := newDecoder(data)
	if err := d.expectStart("methodResponse"); err != nil {
		return nil, nil, err
	}
	for {
		tok, err := d.next()
		if err != nil {
			return nil, nil, err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			switch t.Name.Local {
			case "params":
				params, err := d.params()
				if err != nil {
					return nil, nil, err
				}
				if len(params) != 1 {
					return nil, nil, fmt.Errorf("%w: response has %d params", ErrMalformed, len(params))
				}
				return params[0], nil, nil
			case "fault":
				if err := d.expectStart("value"); err != nil {
					return nil, nil, err
				}
				v, err := d.value()
				if err != nil {
					return nil, nil, err
				}
				s, ok := v.(*Struct)
				if !ok {
					return nil, nil, fmt.Errorf("%w: fault value is not a struct", ErrMalformed)
				}
				str, _ := s.Value("faultString").(string)
				return nil, &Fault{Code: s.Value("faultCode"), String: str}, nil
			default:
				return nil, nil, fmt.Errorf("%w: unexpected <%s> in methodResponse", ErrMalformed, t.Name.Local)
			}
		case xml.EndElement:
			return nil, nil, fmt.Errorf("%w: empty methodResponse", ErrMalformed)
		}
	}
}

type decoder struct {
	x *xml.Decoder
}

func newDecoder(data []byte) *decoder {
	x := xml.NewDecoder(bytes.NewReader(data))
	x.Strict = true
	return &decoder{x: x}
}

// next returns the next start/end element or non-blank character data,
// skipping the prolog, comments and processing instructions.
func (d *decoder) next() (xml.Token, error) {
	for {
		tok, err := d.x.Token()
		if err == io.EOF {
			return nil, fmt.Errorf("%w: unexpected end of document", ErrMalformed)
		}
		if err != nil {
			return nil, fmt.Errorf("%w: %v", ErrMalformed, err)
		}
		switch t := tok.(type) {
		case xml.StartElement, xml.EndElement:
			return t, nil
		case xml.CharData:
			if len(bytes.TrimSpace(t)) > 0 {
				return t.Copy(), nil
			}
		}
	}
}

func (d *decoder) expectStart(name string) error {
	tok, err := d.next()
	if err != nil {
		return err
	}
	if s, ok := tok.(xml.StartElement); !ok || s.Name.Local != name {
		return fmt.Errorf("%w: expected <%s>", ErrMalformed, name)
	}
	return nil
}

// text reads character data up to the end of the current element.
func (d *decoder) text(element string) (string, error) {
	var b strings.Builder
	for {
		tok, err := d.x.Token()
		if err != nil {
			return "", fmt.Errorf("%w: in <%s>: %v", ErrMalformed, element, err)
		}
		switch t := tok.(type) {
		case xml.CharData:
			b.Write(t)
		case xml.EndElement:
			return b.String(), nil
		case xml.StartElement:
			return "", fmt.Errorf("%w: unexpected <%s> in <%s>", ErrMalformed, t.Name.Local, element)
		}
	}
}

func (d *decoder) params() ([]any, error) {
	params := []any{}
	for {
		tok, err := d.next()
		if err != nil {
			return nil, err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if t.Name.Local != "param" {
				return nil, fmt.Errorf("%w: unexpected <%s> in params", ErrMalformed, t.Name.Local)
			}
			if err := d.expectStart("value"); err != nil {
				return nil, err
			}
			v, err := d.value()
			if err != nil {
				return nil, err
			}
			params = append(params, v)
			if err := d.expectEnd("param"); err != nil {
				return nil, err
			}
		case xml.EndElement:
			return params, nil
		default:
			return nil, fmt.Errorf("%w: text in params", ErrMalformed)
		}
	}
}

func (d *decoder) expectEnd(name string) error {
	tok, err := d.next()
	if err != nil {
		return err
	}
	if e, ok := tok.(xml.EndElement); !ok || e.Name.Local != name {
		return fmt.Errorf("%w: expected </%s>", ErrMalformed, name)
	}
	return nil
}

// value decodes the inside of a <value> whose start tag was consumed, up to
// and including its end tag.
func (d *decoder) value() (any, error) {
	var bare strings.Builder
	for {
		tok, err := d.x.Token()
		if err != nil {
			return nil, fmt.Errorf("%w: in <value>: %v", ErrMalformed, err)
		}
		switch t := tok.(type) {
		case xml.CharData:
			bare.Write(t)
		case xml.EndElement:
			// A bare <value>text</value> (or <value/>) is a string.
			return bare.String(), nil
		case xml.StartElement:
			v, err := d.typed(t.Name.Local)
			if err != nil {
				return nil, err
			}
			if err := d.expectEnd("value"); err != nil {
				return nil, err
			}
			return v, nil
		}
	}
}

func (d *decoder) typed(kind string) (any, error) {
	switch kind {
	case "int", "i4", "i8", "i1", "i2", "biginteger":
		s, err := d.text(kind)
		if err != nil {
			return nil, err
		}
		n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
		if err != nil {
			return nil, fmt.Errorf("%w: bad <%s> %q", ErrMalformed, kind, s)
		}
		return n, nil
	case "boolean":
		s, err := d.text(kind)
		if err != nil {
			return nil, err
		}
		switch strings.TrimSpace(s) {
		case "0":
			return false, nil
		case "1":
			return true, nil
		}
		return nil, fmt.Errorf("%w: bad boolean %q", ErrMalformed, s)
	case "double", "float", "bigdecimal":
		s, err := d.text(kind)
		if err != nil {
			return nil, err
		}
		f, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
		if err != nil {
			return nil, fmt.Errorf("%w: bad double %q", ErrMalformed, s)
		}
		return f, nil
	case "string":
		return d.text(kind)
	case "nil":
		if _, err := d.text(kind); err != nil {
			return nil, err
		}
		return nil, nil
	case "dateTime.iso8601":
		s, err := d.text(kind)
		if err != nil {
			return nil, err
		}
		return parseISO8601(strings.TrimSpace(s))
	case "base64":
		s, err := d.text(kind)
		if err != nil {
			return nil, err
		}
		b, err := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(s), ""))
		if err != nil {
			return nil, fmt.Errorf("%w: bad base64", ErrMalformed)
		}
		return b, nil
	case "array":
		return d.array()
	case "struct":
		return d.structure()
	}
	return nil, fmt.Errorf("%w: unknown value type <%s>", ErrMalformed, kind)
}

func parseISO8601(s string) (time.Time, error) {
	for _, layout := range []string{"20060102T15:04:05", "2006-01-02T15:04:05", "20060102T150405", "2006-01-02T15:04:05Z07:00"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("%w: bad dateTime.iso8601 %q", ErrMalformed, s)
}

func (d *decoder) array() (any, error) {
	if err := d.expectStart("data"); err != nil {
		return nil, err
	}
	items := []any{}
	for {
		tok, err := d.next()
		if err != nil {
			return nil, err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if t.Name.Local != "value" {
				return nil, fmt.Errorf("%w: unexpected <%s> in array", ErrMalformed, t.Name.Local)
			}
			v, err := d.value()
			if err != nil {
				return nil, err
			}
			items = append(items, v)
		case xml.EndElement:
			// </data>, then </array>
			if err := d.expectEnd("array"); err != nil {
				return nil, err
			}
			return items, nil
		default:
			return nil, fmt.Errorf("%w: text in array", ErrMalformed)
		}
	}
}

func (d *decoder) structure() (any, error) {
	s := NewStruct()
	for {
		tok, err := d.next()
		if err != nil {
			return nil, err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if t.Name.Local != "member" {
				return nil, fmt.Errorf("%w: unexpected <%s> in struct", ErrMalformed, t.Name.Local)
			}
			name, v, err := d.member()
			if err != nil {
				return nil, err
			}
			s.Set(name, v)
		case xml.EndElement:
			return s, nil
		default:
			return nil, fmt.Errorf("%w: text in struct", ErrMalformed)
		}
	}
}

func (d *decoder) member() (string, any, error) {
	var (
		name     string
		haveName bool
		val      any
		haveVal  bool
	)
	for {
		tok, err := d.next()
		if err != nil {
			return "", nil, err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			switch t.Name.Local {
			case "name":
				n, err := d.text("name")
				if err != nil {
					return "", nil, err
				}
				name, haveName = n, true
			case "value":
				v, err := d.value()
				if err != nil {
					return "", nil, err
				}
				val, haveVal = v, true
			default:
				return "", nil, fmt.Errorf("%w: unexpected <%s> in member", ErrMalformed, t.Name.Local)
			}
		case xml.EndElement:
			if !haveName || !haveVal {
				return "", nil, fmt.Errorf("%w: incomplete struct member", ErrMalformed)
			}
			return name, val, nil
		default:
			return "", nil, fmt.Errorf("%w: text in member", ErrMalformed)
		}
	}
}
