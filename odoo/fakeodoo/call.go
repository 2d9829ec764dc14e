package fakeodoo

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/odoo-afterpay/bridge/odoo/fakeodoo/internal/wire"
)

// call is one execute_kw invocation inside its transaction.
type call struct {
	t      *tx
	m      *model
	name   string
	args   []any
	kwargs *wire.Struct // without "context"
}

// argv holds bound Python-style arguments.
type argv struct {
	vals []any
	has  []bool
}

func (a argv) get(i int) any      { return a.vals[i] }
func (a argv) present(i int) bool { return a.has[i] && a.vals[i] != nil }

// bind maps positional arguments (from args[skip:]) and keyword arguments
// onto names, like a Python signature; unknown keywords raise TypeError.
func (c *call) bind(skip int, names ...string) (argv, error) {
	a := argv{vals: make([]any, len(names)), has: make([]bool, len(names))}
	pos := []any{}
	if skip < len(c.args) {
		pos = c.args[skip:]
	}
	if len(pos) > len(names) {
		return a, typeErrorf("%s.%s() takes %d positional arguments but %d were given",
			pythonClass(c.m.name), c.name, len(names)+1+skip, len(pos)+1+skip)
	}
	for i, v := range pos {
		a.vals[i], a.has[i] = v, true
	}
	for _, k := range c.kwargs.Keys() {
		idx := -1
		for i, n := range names {
			if n == k {
				idx = i
				break
			}
		}
		if idx < 0 {
			return a, typeErrorf("%s.%s() got an unexpected keyword argument %s", pythonClass(c.m.name), c.name, wire.ReprString(k))
		}
		if a.has[idx] {
			return a, typeErrorf("%s.%s() got multiple values for argument %s", pythonClass(c.m.name), c.name, wire.ReprString(k))
		}
		a.vals[idx], a.has[idx] = c.kwargs.Value(k), true
	}
	return a, nil
}

// pythonClass guesses the Python class name of a model (sale.order → SaleOrder).
func pythonClass(model string) string {
	var b strings.Builder
	for _, part := range strings.FieldsFunc(model, func(r rune) bool { return r == '.' || r == '_' }) {
		b.WriteString(strings.ToUpper(part[:1]) + part[1:])
	}
	return b.String()
}

// ids reads args[0] as a record method's ids (IndexError when absent, like
// Odoo's call_kw on an empty args tuple); ids that do not exist raise
// MissingError, as touching them does in Odoo.
func (c *call) ids() ([]int64, error) {
	ids, err := c.rawIDs()
	if err != nil {
		return nil, err
	}
	var missing []int64
	for _, id := range ids {
		if !c.t.exists(c.m.name, id) {
			missing = append(missing, id)
		}
	}
	if len(missing) > 0 {
		return nil, missingError(c.m.name, missing, c.t.uid)
	}
	return ids, nil
}

// rawIDs reads args[0] without checking that the records exist (read()
// silently skips missing ids).
func (c *call) rawIDs() ([]int64, error) {
	if len(c.args) == 0 {
		return nil, pyError("IndexError", "tuple index out of range")
	}
	return parseIDs(c.args[0])
}

func parseIDs(v any) ([]int64, error) {
	switch x := v.(type) {
	case int64:
		return []int64{x}, nil
	case bool:
		if !x {
			return []int64{}, nil
		}
	case nil:
		return []int64{}, nil
	case []any:
		out := make([]int64, 0, len(x))
		for _, item := range x {
			n, ok := item.(int64)
			if !ok {
				return nil, typeErrorf("unhashable type: '%s'", pyTypeName(item))
			}
			out = append(out, n)
		}
		return out, nil
	case []int64:
		return x, nil
	}
	return nil, typeErrorf("unhashable type: '%s'", pyTypeName(v))
}

func pyTypeName(v any) string {
	switch v.(type) {
	case *wire.Struct, map[string]any:
		return "dict"
	case []any:
		return "list"
	case string:
		return "str"
	case float64:
		return "float"
	}
	return fmt.Sprintf("%T", v)
}

// singleton enforces ensure_one().
func (c *call) singleton(ids []int64) (int64, error) {
	if len(ids) != 1 {
		return 0, pyError("ValueError", "Expected singleton: "+recordsetRepr(c.m.name, ids),
			`  File "/usr/lib/python3/dist-packages/odoo/models.py", line 6194, in ensure_one
    raise ValueError("Expected singleton: %s" % self)`)
	}
	return ids[0], nil
}

func asDomain(v any) ([]any, error) {
	switch x := v.(type) {
	case nil:
		return []any{}, nil
	case []any:
		return x, nil
	case bool:
		if !x {
			return []any{}, nil
		}
	}
	return nil, valueErrorf("Invalid domain %s", wire.Repr(v))
}

func asStrings(v any) []string {
	switch x := v.(type) {
	case []any:
		out := make([]string, 0, len(x))
		for _, s := range x {
			if str, ok := s.(string); ok {
				out = append(out, str)
			}
		}
		return out
	case string:
		return []string{x}
	}
	return nil
}

func asInt(v any) int {
	switch x := v.(type) {
	case int64:
		return int(x)
	case float64:
		return int(x)
	}
	return 0
}

// isClassicLoad reads read()'s load argument: "_classic_read" (default)
// renders many2one pairs; None or "_classic_write" bare ids.
func isClassicLoad(a argv, i int) bool {
	if !a.has[i] {
		return true
	}
	s, ok := a.get(i).(string)
	return ok && s == "_classic_read"
}

// genericMethod returns the BaseModel method every model has.
func genericMethod(name string) methodFunc {
	switch name {
	case "create":
		return methodCreate
	case "write":
		return methodWrite
	case "unlink":
		return methodUnlink
	case "read":
		return methodRead
	case "search":
		return methodSearch
	case "search_count":
		return methodSearchCount
	case "search_read":
		return methodSearchRead
	case "fields_get":
		return methodFieldsGet
	case "name_search":
		return methodNameSearch
	case "default_get":
		return methodDefaultGet
	case "exists":
		return methodExists
	case "get_views":
		return methodGetViews
	case "has_access":
		return methodHasAccess
	case "check_access":
		return methodCheckAccess
	case "web_read":
		return methodWebRead
	case "web_save":
		return methodWebSave
	}
	return nil
}

func methodCreate(c *call) (any, error) {
	if len(c.args) == 0 && !c.kwargs.Has("vals_list") {
		return nil, typeErrorf("%s.create() missing 1 required positional argument: 'vals_list'", pythonClass(c.m.name))
	}
	a, err := c.bind(0, "vals_list")
	if err != nil {
		return nil, err
	}
	switch x := a.get(0).(type) {
	case *wire.Struct:
		return c.t.create(c.m.name, x)
	case []any:
		ids := make([]any, 0, len(x))
		for _, item := range x {
			vals, ok := item.(*wire.Struct)
			if !ok {
				return nil, typeErrorf("'%s' object is not a mapping", pyTypeName(item))
			}
			id, err := c.t.create(c.m.name, vals)
			if err != nil {
				return nil, err
			}
			ids = append(ids, id)
		}
		return ids, nil
	}
	return nil, typeErrorf("'%s' object is not a mapping", pyTypeName(a.get(0)))
}

func methodWrite(c *call) (any, error) {
	ids, err := c.ids()
	if err != nil {
		return nil, err
	}
	a, err := c.bind(1, "vals")
	if err != nil {
		return nil, err
	}
	vals, ok := a.get(0).(*wire.Struct)
	if !ok {
		return nil, typeErrorf("%s.write() missing 1 required positional argument: 'vals'", pythonClass(c.m.name))
	}
	if err := c.t.write(c.m.name, ids, vals); err != nil {
		return nil, err
	}
	return true, nil
}

func methodUnlink(c *call) (any, error) {
	ids, err := c.ids()
	if err != nil {
		return nil, err
	}
	if err := c.t.unlink(c.m.name, ids); err != nil {
		return nil, err
	}
	return true, nil
}

func methodRead(c *call) (any, error) {
	ids, err := c.rawIDs()
	if err != nil {
		return nil, err
	}
	a, err := c.bind(1, "fields", "load")
	if err != nil {
		return nil, err
	}
	return c.t.readIDs(c.m, ids, asStrings(a.get(0)), isClassicLoad(a, 1))
}

// readIDs renders existing records (missing ids are skipped, as in 18.0).
func (t *tx) readIDs(m *model, ids []int64, names []string, classic bool) ([]any, error) {
	fields, err := t.resolveFields(m, names)
	if err != nil {
		return nil, err
	}
	if err := t.checkSamplePayloadRead(m, ids, fields); err != nil {
		return nil, err
	}
	out := []any{}
	for _, id := range ids {
		if !t.exists(m.name, id) {
			continue
		}
		r, err := t.readRecord(m, id, fields, classic)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, nil
}

func searchOptsFrom(a argv, offset, limit, order int) searchOpts {
	o := searchOpts{}
	if offset >= 0 && a.present(offset) {
		o.offset = asInt(a.get(offset))
	}
	if limit >= 0 && a.present(limit) {
		o.limit = asInt(a.get(limit))
	}
	if order >= 0 && a.present(order) {
		o.order, _ = a.get(order).(string)
	}
	return o
}

func methodSearch(c *call) (any, error) {
	if len(c.args) == 0 && !c.kwargs.Has("domain") {
		return nil, typeErrorf("%s.search() missing 1 required positional argument: 'domain'", pythonClass(c.m.name))
	}
	a, err := c.bind(0, "domain", "offset", "limit", "order")
	if err != nil {
		return nil, err
	}
	dom, err := asDomain(a.get(0))
	if err != nil {
		return nil, err
	}
	return c.t.search(c.m.name, dom, searchOptsFrom(a, 1, 2, 3))
}

func methodSearchCount(c *call) (any, error) {
	a, err := c.bind(0, "domain", "limit")
	if err != nil {
		return nil, err
	}
	dom, err := asDomain(a.get(0))
	if err != nil {
		return nil, err
	}
	ids, err := c.t.search(c.m.name, dom, searchOptsFrom(a, -1, 1, -1))
	if err != nil {
		return nil, err
	}
	return int64(len(ids)), nil
}

func methodSearchRead(c *call) (any, error) {
	a, err := c.bind(0, "domain", "fields", "offset", "limit", "order", "load")
	if err != nil {
		return nil, err
	}
	dom, err := asDomain(a.get(0))
	if err != nil {
		return nil, err
	}
	fields, err := c.t.resolveFields(c.m, asStrings(a.get(1)))
	if err != nil {
		return nil, err
	}
	ids, err := c.t.search(c.m.name, dom, searchOptsFrom(a, 2, 3, 4))
	if err != nil {
		return nil, err
	}
	classic := isClassicLoad(a, 5)
	out := []any{}
	for _, id := range ids {
		r, err := c.t.readRecord(c.m, id, fields, classic)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, nil
}

func methodExists(c *call) (any, error) {
	ids, err := c.rawIDs()
	if err != nil {
		return nil, err
	}
	out := []int64{}
	for _, id := range ids {
		if c.t.exists(c.m.name, id) {
			out = append(out, id)
		}
	}
	return recordset{model: c.m.name, ids: out}, nil
}

// recordset is a method result Odoo does not downgrade to ids; marshalling
// it fails like Python's ("cannot marshal <class 'odoo.api.x'> objects").
type recordset struct {
	model string
	ids   []int64
}

func (r recordset) PythonClass() string { return fmt.Sprintf("<class 'odoo.api.%s'>", r.model) }

// allAttributes is what fields_get describes when no attributes are asked.
func allAttributes() []string {
	return []string{"change_default", "company_dependent", "context", "domain", "exportable",
		"help", "manual", "name", "readonly", "related", "relation", "relation_field", "required",
		"searchable", "selection", "sortable", "store", "string", "translate", "type"}
}

func methodFieldsGet(c *call) (any, error) {
	a, err := c.bind(0, "allfields", "attributes")
	if err != nil {
		return nil, err
	}
	want := asStrings(a.get(0))
	attrs := asStrings(a.get(1))
	if len(attrs) == 0 {
		attrs = allAttributes()
	}
	attrs = append([]string(nil), attrs...)
	sort.Strings(attrs)
	out := wire.NewStruct()
	for _, f := range c.m.orderedFields() {
		if len(want) > 0 && !containsString(want, f.name) {
			continue
		}
		out.Set(f.name, describeField(f, attrs))
	}
	return out, nil
}

func containsString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// describeField renders one fields_get entry; attributes come out in
// alphabetical order, as Field.get_description builds them.
func describeField(f *field, attrs []string) *wire.Struct {
	d := wire.NewStruct()
	for _, attr := range attrs {
		switch attr {
		case "change_default":
			d.Set(attr, false)
		case "company_dependent":
			d.Set(attr, false)
		case "context":
			if f.typ.relational() {
				d.Set(attr, wire.NewStruct())
			}
		case "domain":
			if f.typ.relational() {
				d.Set(attr, []any{})
			}
		case "exportable":
			d.Set(attr, true)
		case "help":
			if f.help != "" {
				d.Set(attr, f.help)
			}
		case "manual":
			d.Set(attr, f.manual)
		case "name":
			d.Set(attr, f.name)
		case "readonly":
			d.Set(attr, f.readonly)
		case "related":
			if len(f.related) > 0 {
				d.Set(attr, strings.Join(f.related, "."))
			}
		case "relation":
			if f.typ.relational() {
				d.Set(attr, f.relation)
			}
		case "relation_field":
			if f.typ == tOne2many {
				d.Set(attr, f.inverse)
			}
		case "required":
			d.Set(attr, f.required)
		case "searchable":
			d.Set(attr, true)
		case "selection":
			if f.typ == tSelection {
				opts := make([]any, 0, len(f.selection))
				for _, o := range f.selection {
					opts = append(opts, []any{o.value, o.label})
				}
				d.Set(attr, opts)
			}
		case "sortable":
			d.Set(attr, f.store)
		case "store":
			if f.storeShown != nil {
				d.Set(attr, *f.storeShown)
			} else {
				d.Set(attr, f.store)
			}
		case "string":
			d.Set(attr, f.label)
		case "translate":
			d.Set(attr, false)
		case "type":
			d.Set(attr, string(f.typ))
		}
	}
	return d
}

func methodNameSearch(c *call) (any, error) {
	a, err := c.bind(0, "name", "domain", "operator", "limit")
	if err != nil {
		return nil, err
	}
	name, _ := a.get(0).(string)
	dom, err := asDomain(a.get(1))
	if err != nil {
		return nil, err
	}
	op := "ilike"
	if s, ok := a.get(2).(string); ok && s != "" {
		op = s
	}
	limit := 100
	if a.present(3) {
		limit = asInt(a.get(3))
	}
	ids, err := c.t.search(c.m.name, dom, searchOpts{})
	if err != nil {
		return nil, err
	}
	out := []any{}
	for _, id := range ids {
		dn := c.t.displayName(c.m.name, id)
		if name != "" && !compareScalar(dn, op, name) {
			continue
		}
		out = append(out, []any{id, dn})
		if limit > 0 && len(out) >= limit {
			break
		}
	}
	return out, nil
}

func methodDefaultGet(c *call) (any, error) {
	a, err := c.bind(0, "fields_list")
	if err != nil {
		return nil, err
	}
	names := asStrings(a.get(0))
	out := wire.NewStruct()
	if c.m.defaults == nil {
		return out, nil
	}
	vals := wire.NewStruct()
	if err := c.m.defaults(c.t, vals); err != nil {
		return nil, err
	}
	for _, n := range names {
		if v, ok := vals.Get(n); ok {
			out.Set(n, v)
		}
	}
	return out, nil
}

// checkSamplePayloadRead reproduces _compute_webhook_sample_payload, which
// reads self.model_id.model for the whole recordset: reading the sample
// payload of webhook actions of different models at once faults
// (transcripts-2 209).
func (t *tx) checkSamplePayloadRead(m *model, ids []int64, fields []*field) error {
	if m.name != "ir.actions.server" || len(ids) < 2 || !slices.ContainsFunc(fields, func(f *field) bool { return f.name == "webhook_sample_payload" }) {
		return nil
	}
	var models []int64
	webhook := false
	for _, id := range ids {
		r := t.rec(m.name, id)
		if r == nil {
			continue
		}
		webhook = webhook || str(r["state"]) == "webhook"
		if mid := idOf(r["model_id"]); mid != 0 && !slices.Contains(models, mid) {
			models = append(models, mid)
		}
	}
	if !webhook || len(models) < 2 {
		return nil
	}
	return pyError("ValueError", "Expected singleton: "+recordsetRepr("ir.model", models),
		`  File "/usr/lib/python3/dist-packages/odoo/models.py", line 6194, in ensure_one
    raise ValueError("Expected singleton: %s" % self)`)
}
