package fakeodoo

import (
	"cmp"
	"regexp"
	"slices"
	"strings"

	"github.com/odoo-afterpay/bridge/odoo/fakeodoo/internal/wire"
)

// searchOpts are search()'s keyword arguments.
type searchOpts struct {
	offset int
	limit  int // 0 = no limit
	order  string
	// activeTest overrides the context's active_test.
	activeTest *bool
}

// domain nodes
type (
	dAnd  []dNode
	dOr   []dNode
	dNot  struct{ n dNode }
	dLeaf struct {
		path  []string
		op    string
		value any
		raw   []any
	}
	dConst bool
	dNode  any
)

// parseDomain reads Odoo's prefix-notation domain: '&', '|', '!' operators
// and [field, operator, value] leaves, with an implicit '&' between terms.
func parseDomain(dom []any) (dNode, error) {
	var terms []dNode
	pos := 0
	for pos < len(dom) {
		n, next, err := parseTerm(dom, pos)
		if err != nil {
			return nil, err
		}
		terms = append(terms, n)
		pos = next
	}
	if len(terms) == 1 {
		return terms[0], nil
	}
	return dAnd(terms), nil
}

func parseTerm(dom []any, pos int) (dNode, int, error) {
	if pos >= len(dom) {
		return nil, pos, valueErrorf("Domain %s is syntactically not correct.", wire.Repr(dom))
	}
	switch x := dom[pos].(type) {
	case string:
		switch x {
		case "&", "|":
			a, next, err := parseTerm(dom, pos+1)
			if err != nil {
				return nil, 0, err
			}
			b, next, err := parseTerm(dom, next)
			if err != nil {
				return nil, 0, err
			}
			if x == "&" {
				return dAnd{a, b}, next, nil
			}
			return dOr{a, b}, next, nil
		case "!":
			a, next, err := parseTerm(dom, pos+1)
			if err != nil {
				return nil, 0, err
			}
			return dNot{a}, next, nil
		}
		return nil, 0, valueErrorf("Invalid leaf %s", wire.Repr(x))
	case []any:
		if len(x) != 3 {
			return nil, 0, valueErrorf("Invalid leaf %s", wire.Repr(wire.Tuple(x)))
		}
		// TRUE_LEAF (1, '=', 1) and FALSE_LEAF (0, '=', 1)
		if n, ok := x[0].(int64); ok {
			return dConst(n == 1), pos + 1, nil
		}
		path, ok := x[0].(string)
		op, ok2 := x[1].(string)
		if !ok || !ok2 {
			return nil, 0, valueErrorf("Invalid leaf %s", wire.Repr(wire.Tuple(x)))
		}
		return dLeaf{path: strings.Split(path, "."), op: strings.ToLower(op), value: x[2], raw: x}, pos + 1, nil
	case bool:
		return dConst(x), pos + 1, nil
	}
	return nil, 0, valueErrorf("Invalid leaf %s", wire.Repr(dom[pos]))
}

// mentionsActive reports whether a leaf of the domain is on "active", which
// turns off the implicit active filter (like Odoo's _where_calc).
func mentionsActive(n dNode) bool {
	switch x := n.(type) {
	case dAnd:
		return slices.ContainsFunc(x, mentionsActive)
	case dOr:
		return slices.ContainsFunc(x, mentionsActive)
	case dNot:
		return mentionsActive(x.n)
	case dLeaf:
		return x.path[0] == "active"
	}
	return false
}

// validate checks every leaf's field path (ValueError like Odoo's
// "Invalid field sale.order.x in leaf ('x', '=', 1)").
func (t *tx) validateDomain(m *model, n dNode) error {
	switch x := n.(type) {
	case dAnd:
		for _, c := range x {
			if err := t.validateDomain(m, c); err != nil {
				return err
			}
		}
	case dOr:
		for _, c := range x {
			if err := t.validateDomain(m, c); err != nil {
				return err
			}
		}
	case dNot:
		return t.validateDomain(m, x.n)
	case dLeaf:
		cur := m
		for i, name := range x.path {
			f := cur.field(name)
			if f == nil {
				return valueErrorf("Invalid field %s.%s in leaf %s", cur.name, name, wire.Repr(wire.Tuple(x.raw)))
			}
			if i < len(x.path)-1 {
				next := t.model(f.relation)
				if !f.typ.relational() || next == nil {
					return valueErrorf("Invalid field %s.%s in leaf %s", cur.name, x.path[i+1], wire.Repr(wire.Tuple(x.raw)))
				}
				cur = next
			}
		}
		switch x.op {
		case "=", "!=", "<>", "<", ">", "<=", ">=", "=?", "in", "not in", "like", "not like", "ilike",
			"not ilike", "=like", "=ilike", "child_of", "parent_of", "any", "not any":
		default:
			return valueErrorf("Invalid leaf %s", wire.Repr(wire.Tuple(x.raw)))
		}
	}
	return nil
}

// search returns the ids matching domain, ordered, offset and limited.
func (t *tx) search(modelName string, domain []any, opts searchOpts) ([]int64, error) {
	m := t.model(modelName)
	if m == nil {
		return nil, userErrorf("Object %s doesn't exist", modelName)
	}
	tree, err := parseDomain(domain)
	if err != nil {
		return nil, err
	}
	if err := t.validateDomain(m, tree); err != nil {
		return nil, err
	}
	activeTest := true
	if v, ok := t.ctx.Get("active_test"); ok {
		activeTest = v != false && v != nil
	}
	if opts.activeTest != nil {
		activeTest = *opts.activeTest
	}
	filterActive := activeTest && m.hasField("active") && !mentionsActive(tree)
	var ids []int64
	if c, ok := t.plan(m, tree); ok {
		ids = c.ids() // a superset of the matches, in id order like a scan
	} else {
		ids = t.allIDs(m.name)
	}
	var out []int64
	for _, id := range ids {
		r := t.rec(m.name, id)
		if r == nil || filterActive && !boolOf(r["active"]) {
			continue
		}
		ok, err := t.match(m, id, tree)
		if err != nil {
			return nil, err
		}
		if ok {
			out = append(out, id)
		}
	}
	order := opts.order
	if order == "" {
		order = m.order
	}
	out = t.sortIDs(m, out, order)
	if opts.offset > 0 {
		if opts.offset >= len(out) {
			out = nil
		} else {
			out = out[opts.offset:]
		}
	}
	if opts.limit > 0 && len(out) > opts.limit {
		out = out[:opts.limit]
	}
	if out == nil {
		out = []int64{}
	}
	return out, nil
}

func (t *tx) match(m *model, id int64, n dNode) (bool, error) {
	switch x := n.(type) {
	case nil:
		return true, nil
	case dConst:
		return bool(x), nil
	case dAnd:
		for _, c := range x {
			ok, err := t.match(m, id, c)
			if err != nil || !ok {
				return false, err
			}
		}
		return true, nil
	case dOr:
		for _, c := range x {
			ok, err := t.match(m, id, c)
			if err != nil {
				return false, err
			}
			if ok {
				return true, nil
			}
		}
		return false, nil
	case dNot:
		ok, err := t.match(m, id, x.n)
		return !ok, err
	case dLeaf:
		return t.matchLeaf(m, id, x)
	}
	return false, nil
}

func isNegative(op string) bool {
	switch op {
	case "!=", "<>", "not in", "not like", "not ilike", "not any":
		return true
	}
	return false
}

func (t *tx) matchLeaf(m *model, id int64, l dLeaf) (bool, error) {
	f := m.field(l.path[0])
	if len(l.path) > 1 {
		// A path goes through a relation: the leaf holds when some related
		// record matches the rest (negative operators: when none matches the
		// positive form).
		v, err := t.value(m, id, f)
		if err != nil {
			return false, err
		}
		var related []int64
		switch x := v.(type) {
		case int64:
			related = []int64{x}
		case []int64:
			related = x
		}
		sub := dLeaf{path: l.path[1:], op: l.op, value: l.value, raw: l.raw}
		negative := isNegative(l.op)
		if negative {
			sub.op = positiveOf(l.op)
		}
		cm := t.model(f.relation)
		anyMatch := false
		for _, rid := range related {
			ok, err := t.matchLeaf(cm, rid, sub)
			if err != nil {
				return false, err
			}
			if ok {
				anyMatch = true
				break
			}
		}
		if negative {
			return !anyMatch, nil
		}
		return anyMatch, nil
	}
	op := l.op
	val := l.value
	if op == "=?" {
		if val == nil || val == false {
			return true, nil
		}
		op = "="
	}
	if op == "<>" {
		op = "!="
	}
	v, err := t.value(m, id, f)
	if err != nil {
		return false, err
	}
	switch op {
	case "child_of", "parent_of":
		return t.matchHierarchy(m, id, op, val)
	case "any", "not any":
		sub, _ := val.([]any)
		var related []int64
		switch x := v.(type) {
		case int64:
			related = []int64{x}
		case []int64:
			related = x
		}
		cm := t.model(f.relation)
		tree, err := parseDomain(sub)
		if err != nil {
			return false, err
		}
		found := false
		for _, rid := range related {
			ok, err := t.match(cm, rid, tree)
			if err != nil {
				return false, err
			}
			if ok {
				found = true
				break
			}
		}
		return found == (op == "any"), nil
	}
	switch f.typ {
	case tOne2many, tMany2many:
		return t.matchX2many(f, idsOf(v), op, val)
	case tMany2one:
		if s, ok := val.(string); ok && op != "in" && op != "not in" {
			// ('partner_id', 'ilike', 'Gemini') compares the display name.
			name := ""
			if rid, ok := v.(int64); ok {
				name = t.displayName(f.relation, rid)
			}
			if v == nil {
				return isNegative(op), nil
			}
			return compareScalar(name, op, s), nil
		}
	}
	return compareValue(f, v, op, val), nil
}

func positiveOf(op string) string {
	switch op {
	case "!=", "<>":
		return "="
	case "not in":
		return "in"
	case "not like":
		return "like"
	case "not ilike":
		return "ilike"
	case "not any":
		return "any"
	}
	return op
}

func (t *tx) matchHierarchy(m *model, id int64, op string, val any) (bool, error) {
	targets := toIDList(val)
	parentField := "parent_id"
	if !m.hasField(parentField) {
		return slices.Contains(targets, id), nil
	}
	if op == "child_of" {
		for cur, seen := id, 0; cur != 0 && seen < 64; seen++ {
			if slices.Contains(targets, cur) {
				return true, nil
			}
			cur = idOf(t.rec(m.name, cur)[parentField])
		}
		return false, nil
	}
	for _, target := range targets {
		for cur, seen := target, 0; cur != 0 && seen < 64; seen++ {
			if cur == id {
				return true, nil
			}
			cur = idOf(t.rec(m.name, cur)[parentField])
		}
	}
	return false, nil
}

func toIDList(v any) []int64 {
	switch x := v.(type) {
	case int64:
		return []int64{x}
	case []int64:
		return x
	case []any:
		out := make([]int64, 0, len(x))
		for _, i := range x {
			if n, ok := i.(int64); ok {
				out = append(out, n)
			}
		}
		return out
	}
	return nil
}

func (t *tx) matchX2many(f *field, ids []int64, op string, val any) (bool, error) {
	switch op {
	case "=", "in":
		if val == nil || val == false {
			return len(ids) == 0, nil
		}
		if s, ok := val.(string); ok {
			return t.anyNameMatches(f.relation, ids, "=", s), nil
		}
		want := toIDList(val)
		if l, ok := val.([]any); ok && slices.Contains(l, any(false)) && len(ids) == 0 {
			return true, nil
		}
		for _, id := range ids {
			if slices.Contains(want, id) {
				return true, nil
			}
		}
		return false, nil
	case "!=", "not in":
		if val == nil || val == false {
			return len(ids) > 0, nil
		}
		ok, err := t.matchX2many(f, ids, positiveOf(op), val)
		return !ok, err
	case "like", "ilike", "=like", "=ilike":
		s, _ := val.(string)
		return t.anyNameMatches(f.relation, ids, op, s), nil
	case "not like", "not ilike":
		s, _ := val.(string)
		return !t.anyNameMatches(f.relation, ids, positiveOf(op), s), nil
	}
	return false, nil
}

func (t *tx) anyNameMatches(modelName string, ids []int64, op, s string) bool {
	for _, id := range ids {
		if compareScalar(t.displayName(modelName, id), op, s) {
			return true
		}
	}
	return false
}

// compareValue evaluates a scalar leaf with Odoo's SQL semantics: empty
// values never satisfy comparisons, but they do satisfy negative operators.
func compareValue(f *field, v any, op string, val any) bool {
	empty := isEmpty(v) && f.typ != tBoolean && !f.typ.numeric() && f.typ != tInteger
	switch op {
	case "in", "not in":
		list, ok := val.([]any)
		if !ok {
			list = []any{val}
		}
		found := false
		for _, item := range list {
			if item == false || item == nil {
				if empty || (f.typ == tBoolean && !boolOf(v)) {
					found = true
				}
				continue
			}
			if !empty && equalValue(f, v, item) {
				found = true
			}
		}
		if op == "in" {
			return found
		}
		return !found
	case "=", "!=":
		var eq bool
		if val == nil || val == false {
			switch {
			case f.typ == tBoolean:
				eq = !boolOf(v)
			case f.typ.numeric() || f.typ == tInteger:
				eq = v == nil
			default:
				eq = empty
			}
		} else {
			eq = !empty && equalValue(f, v, val)
		}
		if op == "=" {
			return eq
		}
		return !eq
	case "<", ">", "<=", ">=":
		if empty || v == nil {
			return false
		}
		c, ok := compareOrdered(f, v, val)
		if !ok {
			return false
		}
		switch op {
		case "<":
			return c < 0
		case ">":
			return c > 0
		case "<=":
			return c <= 0
		}
		return c >= 0
	case "like", "ilike", "=like", "=ilike":
		if empty {
			return false
		}
		return compareScalar(scalarText(v), op, scalarText(val))
	case "not like", "not ilike":
		if empty {
			return true
		}
		return !compareScalar(scalarText(v), positiveOf(op), scalarText(val))
	}
	return false
}

func scalarText(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case decimal:
		return x.String()
	case int64:
		return wire.Repr(x)
	case bool:
		return wire.Repr(x)
	}
	return ""
}

func equalValue(f *field, v, val any) bool {
	c, ok := compareOrdered(f, v, val)
	return ok && c == 0
}

// compareOrdered compares an internal value with a domain value.
func compareOrdered(f *field, v, val any) (int, bool) {
	switch x := v.(type) {
	case string:
		s, ok := val.(string)
		if !ok {
			return 0, false
		}
		if f.typ == tDatetime && len(s) == 10 {
			s += " 00:00:00"
		}
		return strings.Compare(x, s), true
	case int64:
		switch y := val.(type) {
		case int64:
			return cmp.Compare(x, y), true
		case float64:
			return decimalFromInt(x).Cmp(decimalFromFloat(y)), true
		case bool:
			if y {
				return cmp.Compare(x, 1), true
			}
			return cmp.Compare(x, 0), true
		}
	case decimal:
		switch y := val.(type) {
		case int64:
			return x.Cmp(decimalFromInt(y)), true
		case float64:
			return x.Cmp(decimalFromFloat(y)), true
		}
	case bool:
		switch y := val.(type) {
		case bool:
			if x == y {
				return 0, true
			}
			if !x {
				return -1, true
			}
			return 1, true
		case int64:
			b := int64(0)
			if x {
				b = 1
			}
			return cmp.Compare(b, y), true
		}
	case nil:
		switch f.typ {
		case tInteger:
			return compareOrdered(f, int64(0), val)
		case tFloat, tMonetary:
			return compareOrdered(f, decimal{}, val)
		case tBoolean:
			return compareOrdered(f, false, val)
		}
	}
	return 0, false
}

// compareScalar evaluates like/ilike/=like/=ilike/= on text.
func compareScalar(s, op, pattern string) bool {
	switch op {
	case "=":
		return s == pattern
	case "!=":
		return s != pattern
	case "like":
		return strings.Contains(s, pattern)
	case "ilike":
		return strings.Contains(strings.ToLower(s), strings.ToLower(pattern))
	case "not like":
		return !strings.Contains(s, pattern)
	case "not ilike":
		return !strings.Contains(strings.ToLower(s), strings.ToLower(pattern))
	case "=like", "=ilike":
		expr := "^" + likeToRegexp(pattern) + "$"
		if op == "=ilike" {
			expr = "(?is)" + expr
		} else {
			expr = "(?s)" + expr
		}
		re, err := regexp.Compile(expr)
		return err == nil && re.MatchString(s)
	}
	return false
}

func likeToRegexp(p string) string {
	var b strings.Builder
	for _, r := range p {
		switch r {
		case '%':
			b.WriteString(".*")
		case '_':
			b.WriteString(".")
		default:
			b.WriteString(regexp.QuoteMeta(string(r)))
		}
	}
	return b.String()
}

// --- ordering -------------------------------------------------------------

type orderTerm struct {
	field string
	desc  bool
}

func parseOrder(spec string) []orderTerm {
	var out []orderTerm
	for _, part := range strings.Split(spec, ",") {
		words := strings.Fields(part)
		if len(words) == 0 {
			continue
		}
		term := orderTerm{field: words[0]}
		if len(words) > 1 && strings.EqualFold(words[1], "desc") {
			term.desc = true
		}
		out = append(out, term)
	}
	return out
}

// sortIDs orders ids like ORDER BY spec; empty values sort last ascending
// and first descending, as PostgreSQL does.
func (t *tx) sortIDs(m *model, ids []int64, spec string) []int64 {
	terms := parseOrder(spec)
	if len(terms) == 0 {
		return ids
	}
	keys := make(map[int64][]any, len(ids))
	for _, id := range ids {
		k := make([]any, len(terms))
		for i, term := range terms {
			f := m.field(term.field)
			if f == nil {
				continue
			}
			v, _ := t.value(m, id, f)
			if f.typ == tMany2one {
				if rid, ok := v.(int64); ok {
					v = t.displayName(f.relation, rid)
				}
			}
			k[i] = v
		}
		keys[id] = k
	}
	out := slices.Clone(ids)
	slices.SortStableFunc(out, func(a, b int64) int {
		ka, kb := keys[a], keys[b]
		for i, term := range terms {
			c := compareSortKey(ka[i], kb[i])
			if term.desc {
				c = -c
			}
			if c != 0 {
				return c
			}
		}
		return cmp.Compare(a, b)
	})
	return out
}

func compareSortKey(a, b any) int {
	aNil, bNil := a == nil, b == nil
	switch {
	case aNil && bNil:
		return 0
	case aNil:
		return 1 // NULLS LAST for ASC (and first for DESC once negated)
	case bNil:
		return -1
	}
	switch x := a.(type) {
	case string:
		if y, ok := b.(string); ok {
			return strings.Compare(x, y)
		}
	case int64:
		if y, ok := b.(int64); ok {
			return cmp.Compare(x, y)
		}
	case decimal:
		if y, ok := b.(decimal); ok {
			return x.Cmp(y)
		}
	case bool:
		if y, ok := b.(bool); ok {
			switch {
			case x == y:
				return 0
			case !x:
				return -1
			}
			return 1
		}
	}
	return 0
}
