package odoo

import (
	"errors"
	"fmt"
	"math"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/odoo-afterpay/bridge/money"
)

// Odoo's wire forms of dates and datetimes (naive, UTC).
const (
	DatetimeLayout = "2006-01-02 15:04:05"
	DateLayout     = "2006-01-02"
)

// FormatDatetime renders t as Odoo expects a datetime: "YYYY-MM-DD HH:MM:SS"
// in UTC. Odoo rejects ISO "T" separators and zones.
func FormatDatetime(t time.Time) string { return t.UTC().Format(DatetimeLayout) }

// FormatDate renders the calendar date of t (in t's own location) as
// "YYYY-MM-DD".
func FormatDate(t time.Time) string { return t.Format(DateLayout) }

// Ref is a many2one value: Odoo reads it as [id, "display name"] or False.
type Ref struct {
	ID   int64
	Name string
}

// IsZero reports whether the many2one is empty (False).
func (r Ref) IsZero() bool { return r.ID == 0 }

// Record is one record as read or search_read return it: field name to value,
// decoded generically (see ExecuteKW). Its getters convert Odoo's shapes and
// report a *ProtocolError when a value does not have the field's shape.
type Record map[string]any

// ID returns the record's id, or 0.
func (r Record) ID() int64 {
	id, _ := r.Int64("id")
	return id
}

func (r Record) get(field string) (any, error) {
	v, ok := r[field]
	if !ok {
		return nil, fieldError(field, errors.New("missing from the answer"))
	}
	return v, nil
}

func fieldError(field string, err error) error {
	return &ProtocolError{Op: "decode field " + strconv.Quote(field), Err: err}
}

func shapeError(field string, v any) error {
	return fieldError(field, fmt.Errorf("unexpected value %#v (%T)", v, v))
}

// Int64 reads an integer field. False reads as 0; integers above 2^31-1,
// which Odoo sends as doubles, are accepted when integral.
func (r Record) Int64(field string) (int64, error) {
	v, err := r.get(field)
	if err != nil {
		return 0, err
	}
	switch x := v.(type) {
	case int64:
		return x, nil
	case bool:
		if !x {
			return 0, nil
		}
	case float64:
		if x == math.Trunc(x) && math.Abs(x) < 1<<53 {
			return int64(x), nil
		}
	}
	return 0, shapeError(field, v)
}

// String reads a char, text, html or selection field. False (empty) reads
// as "".
func (r Record) String(field string) (string, error) {
	v, err := r.get(field)
	if err != nil {
		return "", err
	}
	switch x := v.(type) {
	case string:
		return x, nil
	case nil: // kolo decodes <string></string> as nil
		return "", nil
	case bool:
		if !x {
			return "", nil
		}
	}
	return "", shapeError(field, v)
}

// Bool reads a boolean field.
func (r Record) Bool(field string) (bool, error) {
	v, err := r.get(field)
	if err != nil {
		return false, err
	}
	if b, ok := v.(bool); ok {
		return b, nil
	}
	return false, shapeError(field, v)
}

// Ref reads a many2one field: [id, "name"], a bare id (load=None), or False.
func (r Record) Ref(field string) (Ref, error) {
	v, err := r.get(field)
	if err != nil {
		return Ref{}, err
	}
	switch x := v.(type) {
	case bool:
		if !x {
			return Ref{}, nil
		}
	case int64:
		return Ref{ID: x}, nil
	case map[string]any:
		// web_read's many2one with a sub-specification: {"id": 1,
		// "display_name": "USD"}.
		if id, ok := x["id"].(int64); ok {
			name, _ := x["display_name"].(string)
			return Ref{ID: id, Name: name}, nil
		}
	case []any:
		if len(x) == 2 {
			id, idOK := x[0].(int64)
			name, nameOK := x[1].(string)
			if x[1] == nil {
				nameOK = true
			}
			if idOK && nameOK {
				return Ref{ID: id, Name: name}, nil
			}
		}
	}
	return Ref{}, shapeError(field, v)
}

// IDs reads a one2many or many2many field (a list of ids). False reads as nil.
func (r Record) IDs(field string) ([]int64, error) {
	v, err := r.get(field)
	if err != nil {
		return nil, err
	}
	switch x := v.(type) {
	case bool:
		if !x {
			return nil, nil
		}
	case []any:
		ids := make([]int64, 0, len(x))
		for _, e := range x {
			id, ok := e.(int64)
			if !ok {
				return nil, shapeError(field, v)
			}
			ids = append(ids, id)
		}
		return ids, nil
	}
	return nil, shapeError(field, v)
}

// Related reads a relational field that web_read followed with a
// sub-specification ({"fields": ...}): a many2one or reference as the
// co-record's values, a record with at least "id". An empty many2one
// (False) reads as nil.
func (r Record) Related(field string) (Record, error) {
	v, err := r.get(field)
	if err != nil {
		return nil, err
	}
	switch x := v.(type) {
	case bool:
		if !x {
			return nil, nil
		}
	case map[string]any:
		if rec := Record(x); rec.ID() != 0 {
			return rec, nil
		}
	}
	return nil, shapeError(field, v)
}

// RelatedList reads an x2many field that web_read followed with a
// sub-specification: one record per co-record, in the field's order.
func (r Record) RelatedList(field string) ([]Record, error) {
	v, err := r.get(field)
	if err != nil {
		return nil, err
	}
	list, ok := v.([]any)
	if !ok {
		return nil, shapeError(field, v)
	}
	recs := make([]Record, 0, len(list))
	for _, e := range list {
		m, ok := e.(map[string]any)
		if !ok || Record(m).ID() == 0 {
			return nil, shapeError(field, v)
		}
		recs = append(recs, Record(m))
	}
	return recs, nil
}

// Time reads a datetime field ("YYYY-MM-DD HH:MM:SS", UTC) as a UTC
// time.Time. False reads as the zero time.
func (r Record) Time(field string) (time.Time, error) {
	s, err := r.String(field)
	if err != nil || s == "" {
		return time.Time{}, err
	}
	t, err := ParseDatetime(s)
	if err != nil {
		return time.Time{}, fieldError(field, err)
	}
	return t, nil
}

// Date reads a date field ("YYYY-MM-DD") as midnight UTC. False reads as the
// zero time.
func (r Record) Date(field string) (time.Time, error) {
	s, err := r.String(field)
	if err != nil || s == "" {
		return time.Time{}, err
	}
	t, err := time.ParseInLocation(DateLayout, s, time.UTC)
	if err != nil {
		return time.Time{}, fieldError(field, err)
	}
	return t, nil
}

// ParseDatetime parses Odoo's datetime text, "YYYY-MM-DD HH:MM:SS" with
// optional fractional seconds, as UTC.
func ParseDatetime(s string) (time.Time, error) {
	for _, layout := range []string{DatetimeLayout, "2006-01-02 15:04:05.999999999"} {
		if t, err := time.ParseInLocation(layout, s, time.UTC); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("odoo: %q is not a datetime of the form YYYY-MM-DD HH:MM:SS", s)
}

// Money reads a monetary (double) field in currency. This and wireDouble
// are the only places a float meets money: the double is printed in its
// shortest round-trip form (Python's repr prints the same digits) and that
// decimal text is rounded half away from zero to minor units, so
// 6.280000000000001 reads as 6.28.
func (r Record) Money(field, currency string) (money.Money, error) {
	v, err := r.get(field)
	if err != nil {
		return money.Money{}, err
	}
	var text string
	switch x := v.(type) {
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return money.Money{}, shapeError(field, v)
		}
		text = strconv.FormatFloat(x, 'g', -1, 64)
	case int64:
		text = strconv.FormatInt(x, 10)
	case bool:
		if x {
			return money.Money{}, shapeError(field, v)
		}
		text = "0"
	default:
		return money.Money{}, shapeError(field, v)
	}
	m, err := money.ParseDecimal(text, currency)
	if err != nil {
		return money.Money{}, fieldError(field, err)
	}
	return m, nil
}

// Decimal reads a float field (a quantity, a percentage) as the decimal text
// Python would print: 2.0 reads as "2.0", 6.280000000000001 as
// "6.280000000000001". Keeping the text avoids doing arithmetic on floats.
func (r Record) Decimal(field string) (string, error) {
	v, err := r.get(field)
	if err != nil {
		return "", err
	}
	switch x := v.(type) {
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return "", shapeError(field, v)
		}
		s := strconv.FormatFloat(x, 'f', -1, 64)
		if !strings.Contains(s, ".") {
			s += ".0"
		}
		return s, nil
	case int64:
		return strconv.FormatInt(x, 10), nil
	case bool:
		if !x {
			return "0.0", nil
		}
	}
	return "", shapeError(field, v)
}

// wireDouble is the one conversion of an amount to a float, at the XML-RPC
// edge where Odoo wants a <double>: it takes the exact decimal text (from
// money.Money.Amount) and returns the nearest double, which Python prints
// back as the same decimal.
func wireDouble(decimal string) float64 {
	f, err := strconv.ParseFloat(decimal, 64)
	if err != nil { // Money.Amount always prints a valid decimal
		panic(fmt.Sprintf("odoo: decimal %q: %v", decimal, err))
	}
	return f
}

// normalize rewrites a value into what Odoo expects on the wire (see
// ExecuteKW). It copies containers rather than modifying the caller's.
func normalize(v any) any {
	switch x := v.(type) {
	case nil:
		return false
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = normalize(e)
		}
		return out
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = normalize(e)
		}
		return out
	case []map[string]any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = normalize(e)
		}
		return out
	case Record:
		return normalize(map[string]any(x))
	case time.Time:
		if x.IsZero() {
			return false
		}
		return FormatDatetime(x)
	case money.Money:
		return wireDouble(x.Amount())
	case Ref:
		if x.IsZero() {
			return false
		}
		return x.ID
	case int:
		return int64(x)
	case int32:
		return int64(x)
	}
	rv := reflect.ValueOf(v)
	if rv.Kind() == reflect.Pointer {
		if rv.IsNil() {
			return false
		}
		return normalize(rv.Elem().Interface())
	}
	return v
}

// decoder reads the fields of one record, keeping the first error so typed
// helpers can decode a struct in one pass and check once.
type decoder struct {
	model string
	rec   Record
	err   error
	// parent, for a record nested in another's answer (web_read), keeps
	// the errors instead, so that the outer decoder checks once.
	parent *decoder
}

func newDecoder(model string, rec Record) *decoder { return &decoder{model: model, rec: rec} }

// sub decodes rec, a record of model nested in d's record.
func (d *decoder) sub(model string, rec Record) *decoder {
	return &decoder{model: model, rec: rec, parent: d}
}

func (d *decoder) keep(err error) {
	switch {
	case err == nil:
	case d.parent != nil:
		d.parent.keep(fmt.Errorf("%s %d: %w", d.model, d.rec.ID(), err))
	case d.err == nil:
		d.err = err
	}
}

// Err returns the first decoding error, labelled with the record.
func (d *decoder) Err() error {
	if d.err == nil {
		return nil
	}
	return fmt.Errorf("odoo: decode %s %d: %w", d.model, d.rec.ID(), d.err)
}

func (d *decoder) str(field string) string {
	v, err := d.rec.String(field)
	d.keep(err)
	return v
}

func (d *decoder) int64(field string) int64 {
	v, err := d.rec.Int64(field)
	d.keep(err)
	return v
}

func (d *decoder) bool(field string) bool {
	v, err := d.rec.Bool(field)
	d.keep(err)
	return v
}

func (d *decoder) ref(field string) Ref {
	v, err := d.rec.Ref(field)
	d.keep(err)
	return v
}

func (d *decoder) ids(field string) []int64 {
	v, err := d.rec.IDs(field)
	d.keep(err)
	return v
}

func (d *decoder) related(field string) Record {
	v, err := d.rec.Related(field)
	d.keep(err)
	return v
}

func (d *decoder) relatedList(field string) []Record {
	v, err := d.rec.RelatedList(field)
	d.keep(err)
	return v
}

func (d *decoder) time(field string) time.Time {
	v, err := d.rec.Time(field)
	d.keep(err)
	return v
}

func (d *decoder) date(field string) time.Time {
	v, err := d.rec.Date(field)
	d.keep(err)
	return v
}

func (d *decoder) money(field, currency string) money.Money {
	v, err := d.rec.Money(field, currency)
	d.keep(err)
	return v
}

func (d *decoder) decimal(field string) string {
	v, err := d.rec.Decimal(field)
	d.keep(err)
	return v
}
