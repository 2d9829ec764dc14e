package fakeodoo

import (
	"fmt"
	"strconv"
	"strings"
	"unicode"
)

// parsePyLiteral reads the Python literals Odoo stores as text (domains
// like "[('state', '=', 'sale')]", selection lists): lists and tuples (both
// as []any), dicts (as map[string]any), strings, ints (int64), floats
// (float64), True/False/None. The names uid and user.id read as the current
// user through names.
func parsePyLiteral(s string) (any, error) {
	return parsePyLiteralNames(s, nil)
}

func parsePyLiteralNames(s string, names map[string]any) (any, error) {
	p := &pyParser{s: s, names: names}
	v, err := p.value()
	if err != nil {
		return nil, err
	}
	p.skipSpace()
	if p.pos != len(p.s) {
		return nil, fmt.Errorf("fakeodoo: unexpected %q in Python literal", p.s[p.pos:])
	}
	return v, nil
}

type pyParser struct {
	s     string
	pos   int
	names map[string]any
}

func (p *pyParser) skipSpace() {
	for p.pos < len(p.s) && unicode.IsSpace(rune(p.s[p.pos])) {
		p.pos++
	}
}

func (p *pyParser) value() (any, error) {
	p.skipSpace()
	if p.pos >= len(p.s) {
		return nil, fmt.Errorf("fakeodoo: unexpected end of Python literal")
	}
	switch c := p.s[p.pos]; {
	case c == '[':
		return p.sequence('[', ']')
	case c == '(':
		return p.sequence('(', ')')
	case c == '{':
		return p.dict()
	case c == '\'' || c == '"':
		return p.str()
	case c == '-' || c == '+' || (c >= '0' && c <= '9') || c == '.':
		return p.number()
	default:
		return p.name()
	}
}

func (p *pyParser) sequence(open, close byte) (any, error) {
	p.pos++ // open
	out := []any{}
	for {
		p.skipSpace()
		if p.pos < len(p.s) && p.s[p.pos] == close {
			p.pos++
			return out, nil
		}
		v, err := p.value()
		if err != nil {
			return nil, err
		}
		out = append(out, v)
		p.skipSpace()
		if p.pos >= len(p.s) {
			return nil, fmt.Errorf("fakeodoo: unterminated %c in Python literal", open)
		}
		switch p.s[p.pos] {
		case ',':
			p.pos++
		case close:
			p.pos++
			return out, nil
		default:
			return nil, fmt.Errorf("fakeodoo: unexpected %q in Python literal", p.s[p.pos:])
		}
	}
}

func (p *pyParser) dict() (any, error) {
	p.pos++
	out := map[string]any{}
	for {
		p.skipSpace()
		if p.pos < len(p.s) && p.s[p.pos] == '}' {
			p.pos++
			return out, nil
		}
		k, err := p.value()
		if err != nil {
			return nil, err
		}
		p.skipSpace()
		if p.pos >= len(p.s) || p.s[p.pos] != ':' {
			return nil, fmt.Errorf("fakeodoo: expected ':' in Python dict")
		}
		p.pos++
		v, err := p.value()
		if err != nil {
			return nil, err
		}
		out[fmt.Sprint(k)] = v
		p.skipSpace()
		if p.pos < len(p.s) && p.s[p.pos] == ',' {
			p.pos++
		}
	}
}

func (p *pyParser) str() (any, error) {
	quote := p.s[p.pos]
	p.pos++
	var b strings.Builder
	for p.pos < len(p.s) {
		c := p.s[p.pos]
		switch {
		case c == quote:
			p.pos++
			return b.String(), nil
		case c == '\\' && p.pos+1 < len(p.s):
			p.pos++
			switch e := p.s[p.pos]; e {
			case 'n':
				b.WriteByte('\n')
			case 't':
				b.WriteByte('\t')
			case 'r':
				b.WriteByte('\r')
			default:
				b.WriteByte(e)
			}
			p.pos++
		default:
			b.WriteByte(c)
			p.pos++
		}
	}
	return nil, fmt.Errorf("fakeodoo: unterminated string in Python literal")
}

func (p *pyParser) number() (any, error) {
	start := p.pos
	for p.pos < len(p.s) && strings.ContainsRune("+-0123456789.eE", rune(p.s[p.pos])) {
		p.pos++
	}
	text := p.s[start:p.pos]
	if n, err := strconv.ParseInt(text, 10, 64); err == nil {
		return n, nil
	}
	f, err := strconv.ParseFloat(text, 64)
	if err != nil {
		return nil, fmt.Errorf("fakeodoo: bad number %q in Python literal", text)
	}
	return f, nil
}

func (p *pyParser) name() (any, error) {
	start := p.pos
	for p.pos < len(p.s) && (unicode.IsLetter(rune(p.s[p.pos])) || unicode.IsDigit(rune(p.s[p.pos])) || p.s[p.pos] == '_' || p.s[p.pos] == '.') {
		p.pos++
	}
	word := p.s[start:p.pos]
	switch word {
	case "True":
		return true, nil
	case "False":
		return false, nil
	case "None":
		return nil, nil
	}
	if v, ok := p.names[word]; ok {
		return v, nil
	}
	return nil, fmt.Errorf("fakeodoo: cannot evaluate %q in Python literal", word)
}
