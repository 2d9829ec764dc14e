package wire

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Tuple is a Python tuple; it only matters for repr ("('a', '=', 1)").
type Tuple []any

// Repr renders v as Python's repr() would, for error messages that quote
// values (e.g. "Wrong value for payment.transaction.state: 'captured'").
func Repr(v any) string {
	switch x := v.(type) {
	case nil:
		return "None"
	case bool:
		if x {
			return "True"
		}
		return "False"
	case int:
		return strconv.Itoa(x)
	case int64:
		return strconv.FormatInt(x, 10)
	case float64:
		return FormatFloat(x)
	case string:
		return ReprString(x)
	case []any:
		parts := make([]string, len(x))
		for i, item := range x {
			parts[i] = Repr(item)
		}
		return "[" + strings.Join(parts, ", ") + "]"
	case []int64:
		parts := make([]string, len(x))
		for i, item := range x {
			parts[i] = strconv.FormatInt(item, 10)
		}
		return "[" + strings.Join(parts, ", ") + "]"
	case Tuple:
		parts := make([]string, len(x))
		for i, item := range x {
			parts[i] = Repr(item)
		}
		if len(parts) == 1 {
			return "(" + parts[0] + ",)"
		}
		return "(" + strings.Join(parts, ", ") + ")"
	case *Struct:
		parts := make([]string, 0, x.Len())
		for _, k := range x.keys {
			parts = append(parts, ReprString(k)+": "+Repr(x.vals[k]))
		}
		return "{" + strings.Join(parts, ", ") + "}"
	}
	return fmt.Sprint(v)
}

// ReprString quotes s like Python's str.__repr__: single quotes unless the
// text holds a single quote and no double quote.
func ReprString(s string) string {
	quote := byte('\'')
	if strings.ContainsRune(s, '\'') && !strings.ContainsRune(s, '"') {
		quote = '"'
	}
	var b strings.Builder
	b.WriteByte(quote)
	for _, r := range s {
		switch {
		case r == rune(quote) || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\t':
			b.WriteString(`\t`)
		case r < 0x20 || r == 0x7f:
			fmt.Fprintf(&b, `\x%02x`, r)
		case r > 0x7f && !unicode.IsPrint(r):
			if r <= 0xff {
				fmt.Fprintf(&b, `\x%02x`, r)
			} else if r <= 0xffff {
				fmt.Fprintf(&b, `\u%04x`, r)
			} else {
				fmt.Fprintf(&b, `\U%08x`, r)
			}
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte(quote)
	return b.String()
}

// JSONOptions mirror the json.dumps arguments Odoo uses.
type JSONOptions struct {
	// SortKeys is sort_keys=True.
	SortKeys bool
	// Indent is indent=N; 0 means None (one line, ", " and ": " separators).
	Indent int
}

// MarshalJSON renders v as Python's json.dumps(v, sort_keys=…, indent=…)
// with the default ensure_ascii=True: floats in repr form, True/False as
// true/false, None as null, non-ASCII escaped as \uXXXX. Supported values are
// nil, bool, ints, float64, string, []any, []int64, []string, *Struct and
// map[string]any.
func MarshalJSON(v any, opts JSONOptions) (string, error) {
	var b strings.Builder
	if err := writeJSON(&b, v, opts, 0); err != nil {
		return "", err
	}
	return b.String(), nil
}

func writeJSON(b *strings.Builder, v any, opts JSONOptions, depth int) error {
	switch x := v.(type) {
	case nil:
		b.WriteString("null")
	case bool:
		if x {
			b.WriteString("true")
		} else {
			b.WriteString("false")
		}
	case int:
		b.WriteString(strconv.Itoa(x))
	case int64:
		b.WriteString(strconv.FormatInt(x, 10))
	case float64:
		s := FormatFloat(x)
		switch s {
		case "nan":
			s = "NaN"
		case "inf":
			s = "Infinity"
		case "-inf":
			s = "-Infinity"
		}
		b.WriteString(s)
	case string:
		writeJSONString(b, x)
	case []any:
		return writeJSONList(b, len(x), func(i int) any { return x[i] }, opts, depth)
	case []int64:
		return writeJSONList(b, len(x), func(i int) any { return x[i] }, opts, depth)
	case []string:
		return writeJSONList(b, len(x), func(i int) any { return x[i] }, opts, depth)
	case *Struct:
		keys := x.Keys()
		if opts.SortKeys {
			sort.Strings(keys)
		}
		return writeJSONObject(b, keys, x.Value, opts, depth)
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		return writeJSONObject(b, keys, func(k string) any { return x[k] }, opts, depth)
	default:
		return fmt.Errorf("wire: Object of type %T is not JSON serializable", v)
	}
	return nil
}

func writeJSONList(b *strings.Builder, n int, item func(int) any, opts JSONOptions, depth int) error {
	if n == 0 {
		b.WriteString("[]")
		return nil
	}
	b.WriteByte('[')
	for i := 0; i < n; i++ {
		if i > 0 {
			b.WriteString(itemSeparator(opts))
		}
		newline(b, opts, depth+1)
		if err := writeJSON(b, item(i), opts, depth+1); err != nil {
			return err
		}
	}
	newline(b, opts, depth)
	b.WriteByte(']')
	return nil
}

func writeJSONObject(b *strings.Builder, keys []string, value func(string) any, opts JSONOptions, depth int) error {
	if len(keys) == 0 {
		b.WriteString("{}")
		return nil
	}
	b.WriteByte('{')
	for i, k := range keys {
		if i > 0 {
			b.WriteString(itemSeparator(opts))
		}
		newline(b, opts, depth+1)
		writeJSONString(b, k)
		b.WriteString(": ")
		if err := writeJSON(b, value(k), opts, depth+1); err != nil {
			return err
		}
	}
	newline(b, opts, depth)
	b.WriteByte('}')
	return nil
}

// itemSeparator is ", " without indent and "," with one, as json.dumps picks.
func itemSeparator(opts JSONOptions) string {
	if opts.Indent > 0 {
		return ","
	}
	return ", "
}

func newline(b *strings.Builder, opts JSONOptions, depth int) {
	if opts.Indent <= 0 {
		return
	}
	b.WriteByte('\n')
	b.WriteString(strings.Repeat(" ", opts.Indent*depth))
}

func writeJSONString(b *strings.Builder, s string) {
	b.WriteByte('"')
	for len(s) > 0 {
		r, size := utf8.DecodeRuneInString(s)
		s = s[size:]
		switch {
		case r == '"':
			b.WriteString(`\"`)
		case r == '\\':
			b.WriteString(`\\`)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\t':
			b.WriteString(`\t`)
		case r == '\b':
			b.WriteString(`\b`)
		case r == '\f':
			b.WriteString(`\f`)
		case r < 0x20 || (r >= 0x7f && r <= 0xffff):
			fmt.Fprintf(b, `\u%04x`, r)
		case r > 0xffff:
			r -= 0x10000
			fmt.Fprintf(b, `\u%04x\u%04x`, 0xd800+(r>>10), 0xdc00+(r&0x3ff))
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
}
