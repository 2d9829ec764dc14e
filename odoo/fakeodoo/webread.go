package fakeodoo

import (
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/odoo-afterpay/bridge/odoo/fakeodoo/internal/wire"
)

// web_read is Odoo 17+'s Base.web_read(specification)
// (addons/web/models/models.py): read() with load=None, then, field by
// field of the specification, the records its relational fields point to,
// all in one call. A specification maps field names to sub-specifications:
//
//   - {} reads the value as read() with load=None gives it (a many2one as
//     a bare id).
//   - {"fields": spec} reads the co-records along spec: a many2one becomes
//     their values (display_name, if asked, added last), an x2many a list of
//     them, a reference their values with {"id", "model"} as id.
//   - "context" is merged into the context the co-records are read with.
//   - On an x2many, "order" reorders the ids and "limit" reads only the
//     first ones of each record ({"id": id} for the others).
//
// It follows the Python statement by statement, so that malformed
// specifications fail with Odoo's own exceptions (TypeError, KeyError, ...).
// The fake has no access rules; Odoo raises AccessError as read() does.

// methodWebRead binds web_read(self, specification). Odoo 18 defines it on
// the Base class, which is what its TypeErrors name.
func methodWebRead(c *call) (any, error) {
	ids, err := c.rawIDs()
	if err != nil {
		return nil, err
	}
	pos := c.args[1:]
	if len(pos) > 1 {
		return nil, typeErrorf("Base.web_read() takes 2 positional arguments but %d were given", len(pos)+1)
	}
	var spec any
	bound := len(pos) == 1
	if bound {
		spec = pos[0]
	}
	for _, k := range c.kwargs.Keys() {
		if k != "specification" {
			return nil, typeErrorf("Base.web_read() got an unexpected keyword argument %s", wire.ReprString(k))
		}
		if bound {
			return nil, typeErrorf("Base.web_read() got multiple values for argument 'specification'")
		}
		spec, bound = c.kwargs.Value(k), true
	}
	if !bound {
		return nil, typeErrorf("Base.web_read() missing 1 required positional argument: 'specification'")
	}
	return c.t.webReadAnswer(c.m, ids, spec)
}

// webReadAnswer is web_read's answer: the rows as a list.
func (t *tx) webReadAnswer(m *model, ids []int64, spec any) (any, error) {
	rows, err := t.webRead(m, ids, spec)
	if err != nil {
		return nil, err
	}
	out := make([]any, len(rows))
	for i, r := range rows {
		out[i] = r
	}
	return out, nil
}

// methodWebSave is the web client's save (Odoo 17+): the records are
// written with vals (or one is created from them when there are none),
// then read along the specification, as web_read does.
func methodWebSave(c *call) (any, error) {
	ids, err := c.rawIDs()
	if err != nil {
		return nil, err
	}
	a, err := c.bind(1, "vals", "specification")
	if err != nil {
		return nil, err
	}
	vals, ok := a.get(0).(*wire.Struct)
	if !ok {
		return nil, typeErrorf("Base.web_save() missing 1 required positional argument: 'vals'")
	}
	if !a.has[1] {
		return nil, typeErrorf("Base.web_save() missing 1 required positional argument: 'specification'")
	}
	if len(ids) == 0 {
		id, err := c.t.create(c.m.name, vals)
		if err != nil {
			return nil, err
		}
		ids = []int64{id}
	} else {
		if ids, err = c.ids(); err != nil {
			return nil, err
		}
		if err := c.t.write(c.m.name, ids, vals); err != nil {
			return nil, err
		}
	}
	return c.t.webReadAnswer(c.m, ids, a.get(1))
}

// webRead reads ids of m (nil for a model the fake does not have) along
// spec. Missing ids are skipped, except when only ids are asked for: then
// Odoo answers from the ids themselves without reading.
func (t *tx) webRead(m *model, ids []int64, spec any) ([]*wire.Struct, error) {
	names, err := pyIter(spec) // list(specification) or ['id']
	if err != nil {
		return nil, err
	}
	var rows []*wire.Struct
	if len(names) == 0 || (len(names) == 1 && names[0] == "id") {
		rows = make([]*wire.Struct, len(ids))
		for i, id := range ids {
			rows[i] = wire.NewStruct("id", id)
		}
	} else if rows, err = t.webReadRows(m, ids, names); err != nil {
		return nil, err
	}
	if len(rows) == 0 || m == nil {
		return rows, nil
	}
	items, err := pyItems(spec)
	if err != nil {
		return nil, err
	}
	for _, name := range items.Keys() {
		f := m.field(name)
		if f == nil {
			continue
		}
		fspec := items.Value(name)
		switch {
		case f.typ == tMany2one:
			err = t.webReadMany2one(f, rows, fspec)
		case f.typ.x2many():
			err = t.webReadX2many(f, rows, fspec)
		case f.typ == tReference:
			err = t.webReadReference(f, rows, fspec)
		}
		if err != nil {
			return nil, err
		}
	}
	return rows, nil
}

// webReadRows is self.read(names, load=None).
func (t *tx) webReadRows(m *model, ids []int64, names []any) ([]*wire.Struct, error) {
	if m == nil {
		return nil, nil // a comodel the fake does not have (seeded fields)
	}
	if len(ids) == 0 {
		// fetch() returns early on no records, so its "Invalid field"
		// check does not run, but _read_format still looks each name up.
		for _, n := range names {
			if s, ok := n.(string); !ok || m.field(s) == nil {
				return nil, keyError(n)
			}
		}
		return nil, nil
	}
	fields := make([]string, len(names))
	for i, n := range names {
		s, ok := n.(string)
		if !ok {
			return nil, valueErrorf("Invalid field %s on model %s", wire.Repr(n), wire.ReprString(m.name))
		}
		fields[i] = s
	}
	read, err := t.readIDs(m, ids, fields, false)
	if err != nil {
		return nil, err
	}
	rows := make([]*wire.Struct, len(read))
	for i, r := range read {
		rows[i] = r.(*wire.Struct)
	}
	return rows, nil
}

func (t *tx) webReadMany2one(f *field, rows []*wire.Struct, fspec any) error {
	if ok, err := pyContains(fspec, "fields"); err != nil || !ok {
		return err
	}
	var coIDs orderedIDs
	for _, r := range rows {
		if id := idOf(r.Value(f.name)); id != 0 {
			coIDs.add(id)
		}
	}
	restore, err := t.withSpecContext(fspec)
	if err != nil {
		return err
	}
	defer restore()
	sub, err := pyIndex(fspec, "fields")
	if err != nil {
		return err
	}
	extra, err := pyDict(sub)
	if err != nil {
		return err
	}
	withName := extra.Has("display_name")
	extra.Delete("display_name")
	coRows, err := t.webRead(t.model(f.relation), coIDs.ids, extra)
	if err != nil {
		return err
	}
	byID := make(map[int64]*wire.Struct, len(coRows))
	for _, cr := range coRows {
		byID[idOf(cr.Value("id"))] = cr
	}
	for _, id := range coIDs.ids {
		cr, ok := byID[id]
		if !ok {
			// Only a seed's dangling reference: Odoo's foreign keys keep
			// many2one targets in existence.
			cr = wire.NewStruct("id", id)
			byID[id] = cr
		}
		if withName {
			var name any = false
			if dn := t.displayName(f.relation, id); dn != "" {
				name = dn
			}
			cr.Set("display_name", name)
		}
	}
	for _, r := range rows {
		if id := idOf(r.Value(f.name)); id != 0 {
			r.Set(f.name, byID[id])
		}
	}
	return nil
}

func (t *tx) webReadX2many(f *field, rows []*wire.Struct, fspec any) error {
	if !truthy(fspec) {
		return nil
	}
	var all orderedIDs
	for _, r := range rows {
		for _, id := range idsOf(r.Value(f.name)) {
			all.add(id)
		}
	}
	coIDs := all.ids
	hasOrder, err := pyContains(fspec, "order")
	if err != nil {
		return err
	}
	if hasOrder {
		order, err := pyIndex(fspec, "order")
		if err != nil {
			return err
		}
		if truthy(order) {
			if coIDs, err = t.searchIDsOrdered(f.relation, coIDs, order); err != nil {
				return err
			}
			rank := make(map[int64]int, len(coIDs))
			for i, id := range coIDs {
				rank[id] = i
			}
			for _, r := range rows {
				ids := slices.DeleteFunc(slices.Clone(idsOf(r.Value(f.name))), func(id int64) bool { _, ok := rank[id]; return !ok })
				slices.SortStableFunc(ids, func(a, b int64) int { return rank[a] - rank[b] })
				r.Set(f.name, ids)
			}
		}
	}
	restore, err := t.withSpecContext(fspec)
	if err != nil {
		return err
	}
	defer restore()
	if ok, err := pyContains(fspec, "fields"); err != nil || !ok {
		return err
	}
	limit, err := pyGet(fspec, "limit")
	if err != nil {
		return err
	}
	if limit != nil {
		var toRead orderedIDs
		for _, r := range rows {
			ids := idsOf(r.Value(f.name))
			n, err := pySliceEnd(limit, len(ids))
			if err != nil {
				return err
			}
			for _, id := range ids[:n] {
				toRead.add(id)
			}
		}
		coIDs = toRead.ids
	}
	sub, err := pyIndex(fspec, "fields")
	if err != nil {
		return err
	}
	coRows, err := t.webRead(t.model(f.relation), coIDs, sub)
	if err != nil {
		return err
	}
	byID := make(map[int64]*wire.Struct, len(coRows))
	for _, cr := range coRows {
		byID[idOf(cr.Value("id"))] = cr
	}
	for _, r := range rows {
		ids := idsOf(r.Value(f.name))
		list := make([]any, len(ids))
		for i, id := range ids {
			if cr, ok := byID[id]; ok {
				list[i] = cr
			} else {
				list[i] = wire.NewStruct("id", id)
			}
		}
		r.Set(f.name, list)
	}
	return nil
}

// webReadReference follows a reference field ("model,id"): False when the
// co-record is gone, its values with id {"id", "model"} when "fields" asks.
func (t *tx) webReadReference(f *field, rows []*wire.Struct, fspec any) error {
	if !truthy(fspec) {
		return nil
	}
	for _, r := range rows {
		ref := str(r.Value(f.name))
		if ref == "" {
			continue
		}
		modelName, idText, _ := strings.Cut(ref, ",")
		id, _ := strconv.ParseInt(strings.TrimSpace(idText), 10, 64)
		err := func() error {
			restore, err := t.withSpecContext(fspec)
			if err != nil {
				return err
			}
			defer restore()
			hasFields, err := pyContains(fspec, "fields")
			if err != nil {
				return err
			}
			exists := t.model(modelName) != nil && t.exists(modelName, id)
			var read []*wire.Struct
			if hasFields {
				sub, err := pyIndex(fspec, "fields")
				if err != nil {
					return err
				}
				if read, err = t.webRead(t.model(modelName), []int64{id}, sub); err != nil {
					return err
				}
				names, err := pyIter(sub)
				if err != nil {
					return err
				}
				if slices.ContainsFunc(names, func(n any) bool { return n != "id" }) {
					exists = len(read) > 0
				}
			}
			switch {
			case !exists:
				r.Set(f.name, false)
			case hasFields:
				read[0].Set("id", wire.NewStruct("id", id, "model", modelName))
				r.Set(f.name, read[0])
			}
			return nil
		}()
		if err != nil {
			return err
		}
	}
	return nil
}

// orderedIDs collects distinct ids in order of first appearance, as a
// recordset union does.
type orderedIDs struct {
	ids  []int64
	seen map[int64]bool
}

func (o *orderedIDs) add(id int64) {
	if o.seen == nil {
		o.seen = map[int64]bool{}
	}
	if !o.seen[id] {
		o.seen[id] = true
		o.ids = append(o.ids, id)
	}
}

// withSpecContext applies a sub-specification's "context" like
// with_context(**context), until the returned function restores it.
func (t *tx) withSpecContext(fspec any) (func(), error) {
	has, err := pyContains(fspec, "context")
	if err != nil || !has {
		return func() {}, err
	}
	v, err := pyIndex(fspec, "context")
	if err != nil {
		return nil, err
	}
	extra, ok := v.(*wire.Struct)
	if !ok {
		return nil, typeErrorf("odoo.models.BaseModel.with_context() argument after ** must be a mapping, not %s", pyType(v))
	}
	saved := t.ctx
	merged := saved.Clone()
	for _, k := range extra.Keys() {
		merged.Set(k, extra.Value(k))
	}
	t.ctx = merged
	return func() { t.ctx = saved }, nil
}

// orderRx is Odoo's regex_order: comma-separated terms, no trailing comma
// (which Python's lookbehind forbids; checked separately).
var orderRx = regexp.MustCompile(`(?i)^(\s*(?P<field>[a-z0-9_]+|"[a-z0-9_]+")(\.[a-z0-9_]+)?(:[a-z_]+)?(\s+(desc|asc))?(\s+(nulls first|nulls last))?\s*(,|$))+$`)

// searchIDsOrdered is search([('id', 'in', ids)], order=order), with the
// order checked as _order_to_sql checks it (the fake's search does not).
func (t *tx) searchIDsOrdered(modelName string, ids []int64, order any) ([]int64, error) {
	spec, ok := order.(string)
	if !ok {
		return nil, typeErrorf("expected string or bytes-like object, got '%s'", pyType(order))
	}
	if !orderRx.MatchString(spec) || strings.HasSuffix(spec, ",") {
		return nil, userErrorf(`Invalid "order" specified (%s). A valid "order" specification is a comma-separated list of valid field names (optionally followed by asc/desc for the direction)`, spec)
	}
	m := t.model(modelName)
	if m == nil {
		return nil, nil
	}
	for _, part := range strings.Split(spec, ",") {
		match := orderRx.FindStringSubmatch(part)
		if match == nil {
			continue
		}
		if name := match[orderRx.SubexpIndex("field")]; m.field(name) == nil {
			return nil, valueErrorf("Invalid field %s on model %s", wire.ReprString(name), wire.ReprString(modelName))
		}
	}
	in := make([]any, len(ids))
	for i, id := range ids {
		in[i] = id
	}
	return t.search(modelName, []any{[]any{"id", "in", in}}, searchOpts{order: spec})
}

// --- Python semantics of the specification's values ----------------------

// pyType is type(v).__name__ for a wire value.
func pyType(v any) string {
	switch v.(type) {
	case nil:
		return "NoneType"
	case bool:
		return "bool"
	case int64:
		return "int"
	case float64:
		return "float"
	case string:
		return "str"
	case []any, []int64:
		return "list"
	case *wire.Struct:
		return "dict"
	}
	return pyTypeName(v)
}

// pyIter is list(v): a dict's keys, a list's items, a string's characters.
func pyIter(v any) ([]any, error) {
	switch x := v.(type) {
	case *wire.Struct:
		keys := x.Keys()
		out := make([]any, len(keys))
		for i, k := range keys {
			out[i] = k
		}
		return out, nil
	case []any:
		return x, nil
	case string:
		var out []any
		for _, r := range x {
			out = append(out, string(r))
		}
		return out, nil
	}
	return nil, typeErrorf("'%s' object is not iterable", pyType(v))
}

// pyContains is `key in v`.
func pyContains(v any, key string) (bool, error) {
	switch x := v.(type) {
	case *wire.Struct:
		return x.Has(key), nil
	case []any:
		return slices.Contains(x, any(key)), nil
	case string:
		return strings.Contains(x, key), nil
	}
	return false, typeErrorf("argument of type '%s' is not iterable", pyType(v))
}

// pyIndex is v[key], once `key in v` held.
func pyIndex(v any, key string) (any, error) {
	switch x := v.(type) {
	case *wire.Struct:
		if val, ok := x.Get(key); ok {
			return val, nil
		}
		return nil, keyError(key)
	case []any:
		return nil, typeErrorf("list indices must be integers or slices, not str")
	case string:
		return nil, typeErrorf("string indices must be integers, not 'str'")
	}
	return nil, typeErrorf("'%s' object is not subscriptable", pyType(v))
}

// pyGet is v.get(key).
func pyGet(v any, key string) (any, error) {
	x, ok := v.(*wire.Struct)
	if !ok {
		return nil, pyError("AttributeError", "'"+pyType(v)+"' object has no attribute 'get'")
	}
	return x.Value(key), nil
}

// pyItems is v.items() on what must be a dict.
func pyItems(v any) (*wire.Struct, error) {
	x, ok := v.(*wire.Struct)
	if !ok {
		return nil, pyError("AttributeError", "'"+pyType(v)+"' object has no attribute 'items'")
	}
	return x, nil
}

// pyDict is dict(v): a copy of a dict, or one built from key/value pairs.
func pyDict(v any) (*wire.Struct, error) {
	switch x := v.(type) {
	case *wire.Struct:
		return x.Clone(), nil
	case string:
		if x == "" {
			return wire.NewStruct(), nil
		}
		return nil, valueErrorf("dictionary update sequence element #0 has length 1; 2 is required")
	case []any:
		out := wire.NewStruct()
		for i, el := range x {
			var pair []any
			switch e := el.(type) {
			case []any:
				pair = e
			case string:
				for _, r := range e {
					pair = append(pair, string(r))
				}
			default:
				return nil, typeErrorf("cannot convert dictionary update sequence element #%d to a sequence", i)
			}
			if len(pair) != 2 {
				return nil, valueErrorf("dictionary update sequence element #%d has length %d; 2 is required", i, len(pair))
			}
			key, ok := pair[0].(string)
			if !ok {
				key = wire.Repr(pair[0])
			}
			out.Set(key, pair[1])
		}
		return out, nil
	}
	return nil, typeErrorf("'%s' object is not iterable", pyType(v))
}

// pySliceEnd is where list[:limit] ends in a list of n items.
func pySliceEnd(limit any, n int) (int, error) {
	var end int64
	switch x := limit.(type) {
	case bool:
		if x {
			end = 1
		}
	case int64:
		end = x
	default:
		return 0, typeErrorf("slice indices must be integers or None or have an __index__ method")
	}
	if end < 0 {
		end += int64(n)
	}
	return int(min(max(end, 0), int64(n))), nil
}

// keyError is KeyError(key): its message is the key's repr.
func keyError(key any) error {
	e := pyError("KeyError", wire.Repr(key)).(*odooError)
	e.str = e.msg
	return e
}
