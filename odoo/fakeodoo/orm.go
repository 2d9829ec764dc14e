package fakeodoo

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/odoo-afterpay/bridge/odoo/fakeodoo/internal/wire"
)

const (
	dateLayout     = "2006-01-02"
	datetimeLayout = "2006-01-02 15:04:05"
	maxInt32       = 1<<31 - 1
)

// --- reading --------------------------------------------------------------

// value returns the internal value of field fname of record id, computing it
// when the field is not stored. It returns nil for unknown fields.
func (t *tx) get(modelName string, id int64, fname string) any {
	m := t.model(modelName)
	if m == nil {
		return nil
	}
	f := m.field(fname)
	if f == nil {
		return nil
	}
	v, _ := t.value(m, id, f)
	return v
}

func (t *tx) value(m *model, id int64, f *field) (any, error) {
	switch {
	case f.name == "id":
		return id, nil
	case f.name == "display_name":
		if dn := t.displayName(m.name, id); dn != "" {
			return dn, nil
		}
		return nil, nil
	case f.compute != nil:
		return f.compute(t, id)
	case len(f.related) > 0:
		return t.relatedValue(m, id, f.related)
	case f.typ == tOne2many && f.inverse != "":
		ids, err := t.one2many(f, id)
		if err == nil && len(ids) == 0 {
			// Seeds carry x2many lists whose lines were not exported.
			if stored, ok := t.rec(m.name, id)[f.name].([]int64); ok {
				return stored, nil
			}
		}
		return ids, err
	case f.m2mOwner != "":
		return t.many2manyInverse(f, id), nil
	}
	r := t.rec(m.name, id)
	if r == nil {
		return nil, nil
	}
	if f.typ == tMany2many && !f.readonly {
		// Odoo reads a stored many2many in its comodel's order.
		ids := t.activeOnly(f.relation, idsOf(r[f.name]))
		if cm := t.model(f.relation); cm != nil && len(ids) > 1 {
			ids = t.sortIDs(cm, slices.Clone(ids), cm.order)
		}
		return ids, nil
	}
	if f.typ == tMany2many || f.typ == tOne2many {
		return t.activeOnly(f.relation, idsOf(r[f.name])), nil
	}
	return r[f.name], nil
}

// activeOnly drops archived records from an x2many value, as reading
// relations does while the context's active_test is on.
func (t *tx) activeOnly(modelName string, ids []int64) []int64 {
	if ids == nil {
		return nil
	}
	if v, ok := t.ctx.Get("active_test"); ok && (v == false || v == nil) {
		return ids
	}
	m := t.model(modelName)
	if m == nil || !m.hasField("active") {
		return ids
	}
	out := make([]int64, 0, len(ids))
	for _, id := range ids {
		if r := t.rec(modelName, id); r != nil && r["active"] == false {
			continue
		}
		out = append(out, id)
	}
	return out
}

func (t *tx) relatedValue(m *model, id int64, path []string) (any, error) {
	cur, curID := m, id
	for i, name := range path {
		f := cur.field(name)
		if f == nil {
			return nil, nil
		}
		v, err := t.value(cur, curID, f)
		if err != nil || i == len(path)-1 {
			return v, err
		}
		next, ok := v.(int64)
		if !ok || f.typ != tMany2one {
			return nil, nil
		}
		cur, curID = t.model(f.relation), next
		if cur == nil {
			return nil, nil
		}
	}
	return nil, nil
}

func (t *tx) one2many(f *field, id int64) ([]int64, error) {
	return t.search(f.relation, []any{[]any{f.inverse, "=", id}}, searchOpts{})
}

func (t *tx) many2manyInverse(f *field, id int64) []int64 {
	owner := t.model(f.relation)
	if owner == nil {
		return []int64{}
	}
	var out []int64
	for _, oid := range t.idsWith(f.relation, f.m2mOwner, id) {
		if ids, ok := t.rec(f.relation, oid)[f.m2mOwner].([]int64); ok && slices.Contains(ids, id) {
			out = append(out, oid)
		}
	}
	if out == nil {
		return []int64{}
	}
	return t.sortIDs(owner, out, owner.order)
}

// displayName is the record's display_name, as a many2one pair shows it.
func (t *tx) displayName(modelName string, id int64) string {
	m := t.model(modelName)
	r := t.rec(modelName, id)
	if m == nil || r == nil {
		if n, ok := t.base.names[modelName][id]; ok {
			return n
		}
		return ""
	}
	if m.displayName != nil {
		return m.displayName(t, id)
	}
	if dn, ok := r["display_name"].(string); ok {
		return dn
	}
	if n, ok := r["name"].(string); ok {
		return n
	}
	return fmt.Sprintf("%s,%d", modelName, id)
}

// str returns a char-like internal value as a string ("" when empty).
func str(v any) string {
	s, _ := v.(string)
	return s
}

func idOf(v any) int64 {
	n, _ := v.(int64)
	return n
}

func idsOf(v any) []int64 {
	ids, _ := v.([]int64)
	return ids
}

func boolOf(v any) bool {
	b, _ := v.(bool)
	return b
}

// truthy is Python's truth value of a wire value.
func truthy(v any) bool {
	switch x := v.(type) {
	case nil:
		return false
	case bool:
		return x
	case int64:
		return x != 0
	case float64:
		return x != 0
	case string:
		return x != ""
	case []any:
		return len(x) > 0
	case *wire.Struct:
		return x.Len() > 0
	}
	return true
}

func decOf(v any) decimal {
	d, _ := v.(decimal)
	return d
}

func intOf(v any) int64 {
	n, _ := v.(int64)
	return n
}

// toWire renders an internal value as Odoo's read() sends it; classic
// renders many2one as [id, display_name], otherwise as a bare id (load=None).
func (t *tx) toWire(f *field, v any, classic bool) any {
	switch f.typ {
	case tBoolean:
		return boolOf(v)
	case tInteger:
		n := intOf(v)
		if n > maxInt32 || n < -maxInt32-1 {
			return float64(n) // Integer.convert_to_read
		}
		return n
	case tFloat, tMonetary:
		return decOf(v).Float64()
	case tMany2one:
		id, ok := v.(int64)
		if !ok || id == 0 {
			return false
		}
		if !classic {
			return id
		}
		return []any{id, t.displayName(f.relation, id)}
	case tOne2many, tMany2many:
		ids := idsOf(v)
		if ids == nil {
			return []int64{}
		}
		return slices.Clone(ids)
	case tJSON:
		if v == nil {
			return false
		}
		return v
	default:
		if v == nil {
			return false
		}
		if s, ok := v.(string); ok {
			return s
		}
		return v
	}
}

// readRecord renders one record for read(): "id" first, then the fields
// in the order asked for.
func (t *tx) readRecord(m *model, id int64, fields []*field, classic bool) (*wire.Struct, error) {
	out := wire.NewStruct("id", id)
	for _, f := range fields {
		if f.name == "id" {
			continue
		}
		v, err := t.value(m, id, f)
		if err != nil {
			return nil, err
		}
		out.Set(f.name, t.toWire(f, v, classic))
	}
	return out, nil
}

// resolveFields checks names against the model (ValueError for an unknown
// one) and returns all readable fields when names is empty.
func (t *tx) resolveFields(m *model, names []string) ([]*field, error) {
	if len(names) == 0 {
		out := make([]*field, 0, len(m.fieldOrder))
		for _, f := range m.orderedFields() {
			if f.typ == tBinary {
				continue
			}
			out = append(out, f)
		}
		return out, nil
	}
	out := make([]*field, 0, len(names))
	for _, n := range names {
		f := m.field(n)
		if f == nil {
			return nil, valueErrorf("Invalid field %s on model %s", wire.ReprString(n), wire.ReprString(m.name))
		}
		out = append(out, f)
	}
	return out, nil
}

// --- writing --------------------------------------------------------------

func isEmpty(v any) bool {
	switch x := v.(type) {
	case nil:
		return true
	case string:
		return x == ""
	case bool:
		return false
	case []int64:
		return len(x) == 0
	}
	return false
}

// convertIn turns a wire or Go value into the field's internal value,
// validating it like Odoo's convert_to_cache.
func (t *tx) convertIn(m *model, f *field, v any) (any, error) {
	if b, ok := v.(bool); ok && !b && f.typ != tBoolean {
		v = nil
	}
	switch f.typ {
	case tBoolean:
		switch x := v.(type) {
		case nil:
			return false, nil
		case bool:
			return x, nil
		case int64:
			return x != 0, nil
		case int:
			return x != 0, nil
		case string:
			return x != "", nil
		}
		return true, nil
	case tInteger:
		switch x := v.(type) {
		case nil:
			return int64(0), nil
		case int64:
			return x, nil
		case int:
			return int64(x), nil
		case bool:
			if x {
				return int64(1), nil
			}
			return int64(0), nil
		case float64:
			return int64(x), nil
		case decimal:
			return x.Minor(0), nil
		}
		return nil, valueErrorf("invalid literal for int() with base 10: %s", wire.Repr(v))
	case tFloat, tMonetary:
		switch x := v.(type) {
		case nil:
			return decimal{}, nil
		case decimal:
			return x, nil
		case float64:
			return decimalFromFloat(x), nil
		case int64:
			return decimalFromInt(x), nil
		case int:
			return decimalFromInt(int64(x)), nil
		case bool:
			if x {
				return decimalFromInt(1), nil
			}
			return decimal{}, nil
		case string:
			d, err := parseDecimal(x)
			if err != nil {
				return nil, valueErrorf("could not convert string to float: %s", wire.ReprString(x))
			}
			return d, nil
		}
		return nil, typeErrorf("float() argument must be a string or a real number, not '%T'", v)
	case tSelection:
		if v == nil {
			return nil, nil
		}
		s, ok := v.(string)
		if !ok || !f.hasSelection(s) {
			if ok && len(f.selection) == 0 {
				return s, nil // a selection the fake does not enumerate
			}
			return nil, valueErrorf("Wrong value for %s.%s: %s", m.name, f.name, wire.Repr(v))
		}
		return s, nil
	case tDate:
		return convertDate(v)
	case tDatetime:
		return convertDatetime(v)
	case tMany2one:
		var id int64
		switch x := v.(type) {
		case nil:
			return nil, nil
		case int64:
			id = x
		case int:
			id = int64(x)
		case float64:
			id = int64(x)
		case []any:
			if len(x) == 0 {
				return nil, nil
			}
			id = intOf(x[0])
		default:
			return nil, valueErrorf("Wrong value for %s.%s: %s", m.name, f.name, wire.Repr(v))
		}
		if id == 0 {
			return nil, nil
		}
		if t.model(f.relation) != nil && !t.exists(f.relation, id) {
			return nil, missingError(f.relation, []int64{id}, t.uid)
		}
		return id, nil
	case tChar, tText, tHTML, tBinary, tReference:
		switch x := v.(type) {
		case nil:
			return nil, nil
		case string:
			return x, nil
		case []byte:
			return string(x), nil
		case float64:
			return wire.FormatFloat(x), nil
		}
		return fmt.Sprint(v), nil
	}
	return v, nil
}

func convertDate(v any) (any, error) {
	switch x := v.(type) {
	case nil:
		return nil, nil
	case time.Time:
		return x.Format(dateLayout), nil
	case string:
		if x == "" {
			return nil, nil
		}
		if len(x) >= 10 {
			if _, err := time.Parse(dateLayout, x[:10]); err == nil {
				return x[:10], nil
			}
		}
		return nil, valueErrorf("time data %s does not match format '%%Y-%%m-%%d'", wire.ReprString(x))
	}
	return nil, typeErrorf("%s (field.Date) must be string or date, not %T.", wire.Repr(v), v)
}

func convertDatetime(v any) (any, error) {
	switch x := v.(type) {
	case nil:
		return nil, nil
	case time.Time:
		return x.UTC().Format(datetimeLayout), nil
	case string:
		if x == "" {
			return nil, nil
		}
		if len(x) == 10 {
			if _, err := time.Parse(dateLayout, x); err == nil {
				return x + " 00:00:00", nil
			}
		}
		s := x
		if i := strings.IndexByte(s, '.'); i == 19 {
			s = s[:19]
		}
		if _, err := time.Parse(datetimeLayout, s); err == nil {
			return s, nil
		}
		return nil, valueErrorf("time data %s does not match format '%%Y-%%m-%%d %%H:%%M:%%S'", wire.ReprString(x))
	}
	return nil, typeErrorf("%s (field.Datetime) must be string or datetime, not %T.", wire.Repr(v), v)
}

// toStruct accepts a vals argument: a *wire.Struct or a map.
func toStruct(v any) (*wire.Struct, bool) {
	switch x := v.(type) {
	case *wire.Struct:
		return x, true
	case map[string]any:
		s := wire.NewStruct()
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			s.Set(k, x[k])
		}
		return s, true
	}
	return nil, false
}

func (t *tx) checkFieldNames(m *model, vals *wire.Struct) error {
	for _, k := range vals.Keys() {
		if !m.hasField(k) {
			return valueErrorf("Invalid field %s on model %s", wire.ReprString(k), wire.ReprString(m.name))
		}
	}
	return nil
}

// create inserts one record and returns its id (BaseModel.create).
func (t *tx) create(modelName string, vals *wire.Struct) (int64, error) {
	m := t.model(modelName)
	if m == nil {
		return 0, userErrorf("Object %s doesn't exist", modelName)
	}
	// Take the writer lock first, so that a retry after a concurrent commit
	// does not use up sequence numbers twice.
	if err := t.lockForWrite(); err != nil {
		return 0, err
	}
	vals = vals.Clone()
	if m.prepareCreate != nil {
		if err := m.prepareCreate(t, vals); err != nil {
			return 0, err
		}
	}
	if err := t.checkFieldNames(m, vals); err != nil {
		return 0, err
	}
	// Context keys default_<field> are defaults for any model, as in Odoo
	// (except where Odoo drops them: withoutContextDefaults).
	for _, k := range t.ctx.Keys() {
		if name, ok := strings.CutPrefix(k, "default_"); ok && m.hasField(name) && !vals.Has(name) {
			vals.Set(name, t.ctx.Value(k))
		}
	}
	if m.defaults != nil {
		if err := m.defaults(t, vals); err != nil {
			return 0, err
		}
	}
	if m.hasField("active") && !vals.Has("active") {
		vals.Set("active", true)
	}
	id := t.s.nextID(t, m.name)
	rec := record{"id": id}
	var x2many []string
	for _, k := range vals.Keys() {
		f := m.fields[k]
		if f.typ.x2many() {
			x2many = append(x2many, k)
			continue
		}
		if !f.store || f.name == "id" || f.name == "display_name" {
			continue
		}
		cv, err := t.convertIn(m, f, vals.Value(k))
		if err != nil {
			return 0, err
		}
		rec[k] = cv
	}
	now := t.now.Format(datetimeLayout)
	rec["create_uid"], rec["create_date"] = t.uid, now
	rec["write_uid"], rec["write_date"] = t.uid, now
	for _, f := range m.orderedFields() {
		if f.notNull && isEmpty(rec[f.name]) {
			return 0, mandatoryFieldError(m, f)
		}
	}
	if err := t.insert(m.name, rec); err != nil {
		return 0, err
	}
	var err error
	applyChildren := func() error {
		for _, k := range x2many {
			if err := t.applyX2many(m, id, m.fields[k], vals.Value(k)); err != nil {
				return err
			}
		}
		return nil
	}
	if m.buildChildren {
		err = t.withInternal(applyChildren)
	} else {
		err = applyChildren()
	}
	if err != nil {
		return 0, err
	}
	if m.afterCreate != nil {
		if err := m.afterCreate(t, id, vals); err != nil {
			return 0, err
		}
	}
	if m.mailThread && !boolOf(t.ctx.Value("mail_create_nolog")) {
		if err := t.logCreation(m, id); err != nil {
			return 0, err
		}
	}
	if err := t.automationsOnCreate(m, id); err != nil {
		return 0, err
	}
	return id, nil
}

// write updates records (BaseModel.write): MissingError for ids that do not
// exist, ValueError for unknown fields, x2many commands, then the model's
// recomputations and the automation rules.
func (t *tx) write(modelName string, ids []int64, vals *wire.Struct) error {
	m := t.model(modelName)
	if m == nil {
		return userErrorf("Object %s doesn't exist", modelName)
	}
	var missing []int64
	for _, id := range ids {
		if !t.exists(m.name, id) {
			missing = append(missing, id)
		}
	}
	if len(missing) > 0 {
		return missingError(m.name, missing, t.uid)
	}
	if err := t.checkFieldNames(m, vals); err != nil {
		return err
	}
	if len(ids) == 0 {
		return nil
	}
	if m.beforeWrite != nil {
		if err := m.beforeWrite(t, ids, vals); err != nil {
			return err
		}
	}
	pre, err := t.automationsBeforeWrite(m, ids, vals)
	if err != nil {
		return err
	}
	converted := map[string]any{}
	for _, k := range vals.Keys() {
		f := m.fields[k]
		if f.typ.x2many() || !f.store || f.name == "id" || f.name == "display_name" {
			continue
		}
		cv, err := t.convertIn(m, f, vals.Value(k))
		if err != nil {
			return err
		}
		converted[k] = cv
	}
	now := t.now.Format(datetimeLayout)
	for _, id := range ids {
		r, err := t.mut(m.name, id)
		if err != nil {
			return err
		}
		for k, v := range converted {
			r[k] = v
		}
		r["write_uid"], r["write_date"] = t.uid, now
		if m.displayName != nil {
			delete(r, "display_name")
		}
	}
	for _, k := range vals.Keys() {
		f := m.fields[k]
		if !f.typ.x2many() {
			continue
		}
		for _, id := range ids {
			if err := t.applyX2many(m, id, f, vals.Value(k)); err != nil {
				return err
			}
		}
	}
	if m.afterWrite != nil {
		if err := m.afterWrite(t, ids, vals); err != nil {
			return err
		}
	}
	return t.automationsAfterWrite(m, pre)
}

// set is write for internal code: plain key/value pairs.
func (t *tx) set(modelName string, id int64, kv ...any) error {
	return t.write(modelName, []int64{id}, wire.NewStruct(kv...))
}

// unlink deletes records; one2many children whose inverse is NOT NULL go too.
func (t *tx) unlink(modelName string, ids []int64) error {
	m := t.model(modelName)
	if m == nil {
		return userErrorf("Object %s doesn't exist", modelName)
	}
	var missing []int64
	for _, id := range ids {
		if !t.exists(m.name, id) {
			missing = append(missing, id)
		}
	}
	if len(missing) > 0 {
		return missingError(m.name, missing, t.uid)
	}
	if m.beforeUnlink != nil {
		if err := m.beforeUnlink(t, ids); err != nil {
			return err
		}
	}
	parents := map[int64]int64{}
	if m.unlinkParent != "" {
		for _, id := range ids {
			parents[id] = idOf(t.rec(m.name, id)[m.unlinkParent])
		}
	}
	for _, id := range ids {
		if !t.exists(m.name, id) {
			continue // already removed by a cascade
		}
		for _, f := range m.orderedFields() {
			if f.typ != tOne2many || f.inverse == "" || f.compute != nil {
				continue
			}
			cm := t.model(f.relation)
			if cm == nil || cm.field(f.inverse) == nil || !cm.field(f.inverse).notNull {
				continue
			}
			children, err := t.search(f.relation, []any{[]any{f.inverse, "=", id}}, searchOpts{activeTest: ptrFalse()})
			if err != nil {
				return err
			}
			if len(children) > 0 {
				if err := t.unlink(f.relation, children); err != nil {
					return err
				}
			}
		}
		if err := t.remove(m.name, id); err != nil {
			return err
		}
	}
	if m.afterUnlink != nil {
		return m.afterUnlink(t, ids, parents)
	}
	return nil
}

func ptrFalse() *bool { f := false; return &f }

// applyX2many runs x2many commands (or a plain list of ids, which means
// "set") for field f of record id.
func (t *tx) applyX2many(m *model, id int64, f *field, v any) error {
	if v == nil {
		return nil
	}
	if f.typ == tOne2many && f.inverse != "" {
		// From now on the lines themselves say what the record holds.
		r, err := t.mut(m.name, id)
		if err != nil {
			return err
		}
		delete(r, f.name)
	}
	if b, ok := v.(bool); ok && !b {
		return t.x2manySet(m, id, f, nil)
	}
	list, ok := v.([]any)
	if !ok {
		if ids, ok := v.([]int64); ok {
			return t.x2manySet(m, id, f, ids)
		}
		return valueErrorf("Wrong value for %s.%s: %s", m.name, f.name, wire.Repr(v))
	}
	// A flat list of ids is a "set".
	if len(list) > 0 {
		if _, isCmd := list[0].([]any); !isCmd {
			ids := make([]int64, 0, len(list))
			for _, x := range list {
				ids = append(ids, intOf(x))
			}
			return t.x2manySet(m, id, f, ids)
		}
	}
	for _, c := range list {
		cmd, ok := c.([]any)
		if !ok || len(cmd) == 0 {
			return valueErrorf("Wrong value for %s.%s: %s", m.name, f.name, wire.Repr(v))
		}
		code := intOf(cmd[0])
		arg := func(i int) any {
			if i < len(cmd) {
				return cmd[i]
			}
			return nil
		}
		target := intOf(arg(1))
		switch code {
		case 0: // CREATE
			vals, ok := toStruct(arg(2))
			if !ok {
				vals = wire.NewStruct()
			}
			vals = vals.Clone()
			if f.typ == tOne2many && f.inverse != "" {
				vals.Set(f.inverse, id)
			}
			newID, err := t.create(f.relation, vals)
			if err != nil {
				return err
			}
			if f.typ == tMany2many || f.inverse == "" {
				if err := t.x2manyLink(m, id, f, newID); err != nil {
					return err
				}
			}
		case 1: // UPDATE
			vals, ok := toStruct(arg(2))
			if !ok {
				return valueErrorf("Wrong value for %s.%s: %s", m.name, f.name, wire.Repr(v))
			}
			if err := t.write(f.relation, []int64{target}, vals); err != nil {
				return err
			}
		case 2: // DELETE
			if err := t.x2manyUnlink(m, id, f, target); err != nil {
				return err
			}
			if t.exists(f.relation, target) {
				if err := t.unlink(f.relation, []int64{target}); err != nil {
					return err
				}
			}
		case 3: // UNLINK
			if err := t.x2manyUnlink(m, id, f, target); err != nil {
				return err
			}
		case 4: // LINK
			if err := t.x2manyLink(m, id, f, target); err != nil {
				return err
			}
		case 5: // CLEAR
			if err := t.x2manySet(m, id, f, nil); err != nil {
				return err
			}
		case 6: // SET
			var ids []int64
			switch x := arg(2).(type) {
			case []any:
				for _, i := range x {
					ids = append(ids, intOf(i))
				}
			case []int64:
				ids = x
			}
			if err := t.x2manySet(m, id, f, ids); err != nil {
				return err
			}
		default:
			return valueErrorf("Wrong value for %s.%s: %s", m.name, f.name, wire.Repr(v))
		}
	}
	return nil
}

func (t *tx) x2manyCurrent(m *model, id int64, f *field) ([]int64, error) {
	v, err := t.value(m, id, f)
	return idsOf(v), err
}

func (t *tx) x2manyLink(m *model, id int64, f *field, target int64) error {
	if !t.exists(f.relation, target) {
		return missingError(f.relation, []int64{target}, t.uid)
	}
	switch {
	case f.typ == tOne2many && f.inverse != "":
		return t.set(f.relation, target, f.inverse, id)
	case f.m2mOwner != "":
		owner := idsOf(t.rec(f.relation, target)[f.m2mOwner])
		if slices.Contains(owner, id) {
			return nil
		}
		return t.setStoredIDs(f.relation, target, f.m2mOwner, append(slices.Clone(owner), id))
	default:
		cur := idsOf(t.rec(m.name, id)[f.name])
		if slices.Contains(cur, target) {
			return nil
		}
		return t.setStoredIDs(m.name, id, f.name, append(slices.Clone(cur), target))
	}
}

func (t *tx) x2manyUnlink(m *model, id int64, f *field, target int64) error {
	switch {
	case f.typ == tOne2many && f.inverse != "":
		if !t.exists(f.relation, target) {
			return nil
		}
		inv := t.model(f.relation).field(f.inverse)
		if inv != nil && inv.notNull {
			return t.unlink(f.relation, []int64{target})
		}
		return t.set(f.relation, target, f.inverse, false)
	case f.m2mOwner != "":
		owner := idsOf(t.rec(f.relation, target)[f.m2mOwner])
		return t.setStoredIDs(f.relation, target, f.m2mOwner, slices.DeleteFunc(slices.Clone(owner), func(x int64) bool { return x == id }))
	default:
		cur := idsOf(t.rec(m.name, id)[f.name])
		return t.setStoredIDs(m.name, id, f.name, slices.DeleteFunc(slices.Clone(cur), func(x int64) bool { return x == target }))
	}
}

func (t *tx) x2manySet(m *model, id int64, f *field, ids []int64) error {
	for _, target := range ids {
		if !t.exists(f.relation, target) {
			return missingError(f.relation, []int64{target}, t.uid)
		}
	}
	switch {
	case (f.typ == tOne2many && f.inverse != "") || f.m2mOwner != "":
		cur, err := t.x2manyCurrent(m, id, f)
		if err != nil {
			return err
		}
		for _, c := range cur {
			if !slices.Contains(ids, c) {
				if err := t.x2manyUnlink(m, id, f, c); err != nil {
					return err
				}
			}
		}
		for _, target := range ids {
			if !slices.Contains(cur, target) {
				if err := t.x2manyLink(m, id, f, target); err != nil {
					return err
				}
			}
		}
		return nil
	default:
		uniq := make([]int64, 0, len(ids))
		for _, x := range ids {
			if !slices.Contains(uniq, x) {
				uniq = append(uniq, x)
			}
		}
		return t.setStoredIDs(m.name, id, f.name, uniq)
	}
}

// setStoredIDs stores a many2many list without going through write (it is
// the relation table, not a field write of its own).
func (t *tx) setStoredIDs(modelName string, id int64, fname string, ids []int64) error {
	r, err := t.mut(modelName, id)
	if err != nil {
		return err
	}
	if r == nil {
		return missingError(modelName, []int64{id}, t.uid)
	}
	if ids == nil {
		ids = []int64{}
	}
	r[fname] = ids
	return nil
}

// store sets internal values directly, for computed stored fields the fake
// maintains (amounts, states of computed flows). It still runs automations,
// because Odoo's base_automation also reacts to recomputed stored fields.
func (t *tx) store(modelName string, id int64, kv ...any) error {
	m := t.model(modelName)
	vals := wire.NewStruct(kv...)
	pre, err := t.automationsBeforeWrite(m, []int64{id}, vals)
	if err != nil {
		return err
	}
	r, err := t.mut(modelName, id)
	if err != nil {
		return err
	}
	if r == nil {
		return missingError(modelName, []int64{id}, t.uid)
	}
	for _, k := range vals.Keys() {
		r[k] = vals.Value(k)
	}
	if m != nil && m.displayName != nil {
		delete(r, "display_name")
	}
	return t.automationsAfterWrite(m, pre)
}

// ctxBool reads a boolean context key.
func (t *tx) ctxBool(key string) bool {
	v, ok := t.ctx.Get(key)
	if !ok {
		return false
	}
	switch x := v.(type) {
	case bool:
		return x
	case int64:
		return x != 0
	case string:
		return x != ""
	}
	return v != nil
}

// ctxIDs reads a list of ids (active_ids) from the context.
func (t *tx) ctxIDs(key string) []int64 {
	switch x := t.ctx.Value(key).(type) {
	case []any:
		out := make([]int64, 0, len(x))
		for _, v := range x {
			out = append(out, intOf(v))
		}
		return out
	case int64:
		return []int64{x}
	}
	return nil
}

func (t *tx) today() string { return t.now.Format(dateLayout) }
func (t *tx) nowString() string {
	return t.now.Format(datetimeLayout)
}

// withoutContextDefaults drops the context's default_<field> keys until the
// returned function restores the context.
func (t *tx) withoutContextDefaults() (restore func()) {
	saved := t.ctx
	t.ctx = saved.Clone()
	for _, k := range saved.Keys() {
		if strings.HasPrefix(k, "default_") {
			t.ctx.Delete(k)
		}
	}
	return func() { t.ctx = saved }
}
