package fakeodoo

import (
	"slices"
	"sync"
)

// table is one model's committed records with equality indexes on some of
// their fields. Like a dbState it is never changed once published.
type table struct {
	recs idMap[record]
	// spec lists the fields idx indexes, as indexSpec gave them when the
	// table was built; every commit keeps exactly those up to date.
	spec []string
	idx  map[string]fieldIndex
}

// fieldIndex maps a field's values to the records holding them: positive
// integers (many2one ids, res_id, the ids of a stored many2many) and
// non-empty strings, by their valueCodes code. Other values (empty ones,
// booleans, amounts) are not indexed: searches for them scan.
type fieldIndex struct {
	ints idMap[idSet]
	strs idMap[idSet]
}

// indexSpec lists the fields of m worth an index: every stored many2one and
// many2many (the back-references computed fields and one2many reads look
// up), and the fields declared indexed (names, references, states the
// bridge searches on); then the model's composite indexes.
func indexSpec(m *model) []string {
	if m == nil {
		return nil
	}
	var out []string
	for _, name := range m.fieldOrder {
		if f := m.fields[name]; indexable(f) {
			out = append(out, name)
		}
	}
	for _, c := range m.composites {
		out = append(out, c.name)
	}
	return out
}

// compositeIndex is an index on a key computed from a whole record, for a
// lookup no single field answers. Its name starts with "~", which no field
// name does.
type compositeIndex struct {
	name string
	// key is the record's key, if it has one; code numbers strings.
	key func(r record, code func(string) int64) (int64, bool)
}

func (m *model) composite(name string) *compositeIndex {
	for i := range m.composites {
		if m.composites[i].name == name {
			return &m.composites[i]
		}
	}
	return nil
}

func indexable(f *field) bool {
	if !f.store || f.compute != nil || len(f.related) > 0 || f.m2mOwner != "" {
		return false
	}
	switch f.name {
	case "id", "create_uid", "write_uid":
		return false // nothing looks records up by who made them
	}
	switch f.typ {
	case tMany2one, tMany2many:
		return true
	case tChar, tSelection, tInteger, tText:
		return f.indexed
	}
	return false
}

// valueCodes numbers the strings indexes have seen, so that an index can be
// an idMap keyed by code. Codes are never reused or forgotten: a state
// restored or replaced keeps using them.
type valueCodes struct {
	mu    sync.RWMutex
	codes map[string]int64
}

func newValueCodes() *valueCodes { return &valueCodes{codes: map[string]int64{}} }

// lookup returns s's code, if any index ever held s.
func (c *valueCodes) lookup(s string) (int64, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	n, ok := c.codes[s]
	return n, ok
}

// code returns s's code, numbering it if it is new.
func (c *valueCodes) code(s string) int64 {
	if n, ok := c.lookup(s); ok {
		return n
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	n, ok := c.codes[s]
	if !ok {
		n = int64(len(c.codes)) + 1
		c.codes[s] = n
	}
	return n
}

// indexKey is one indexed value: an integer, or a string's code.
type indexKey struct {
	str bool
	n   int64
}

// keysOf appends the index keys of a stored value.
func (c *valueCodes) keysOf(dst []indexKey, v any) []indexKey {
	switch x := v.(type) {
	case int64:
		if x > 0 {
			dst = append(dst, indexKey{n: x})
		}
	case string:
		if x != "" {
			dst = append(dst, indexKey{str: true, n: c.code(x)})
		}
	case []int64:
		for _, n := range x {
			if n > 0 && !slices.Contains(dst, indexKey{n: n}) {
				dst = append(dst, indexKey{n: n})
			}
		}
	}
	return dst
}

func (ix *fieldIndex) side(k indexKey) *idMap[idSet] {
	if k.str {
		return &ix.strs
	}
	return &ix.ints
}

func (ix *fieldIndex) add(e *editBatch, k indexKey, id int64) {
	side := ix.side(k)
	ids, _ := side.get(k.n)
	ids.set(e, id, struct{}{})
	side.set(e, k.n, ids)
}

func (ix *fieldIndex) remove(e *editBatch, k indexKey, id int64) {
	side := ix.side(k)
	ids, ok := side.get(k.n)
	if !ok {
		return
	}
	ids.del(e, id)
	if ids.Len() == 0 {
		side.del(e, k.n)
	} else {
		side.set(e, k.n, ids)
	}
}

// bucket returns the ids holding key k.
func (ix fieldIndex) bucket(k indexKey) idSet {
	side := ix.ints
	if k.str {
		side = ix.strs
	}
	ids, _ := side.get(k.n)
	return ids
}

// tableBuilder changes a copy of a table in place, in one batch.
type tableBuilder struct {
	t     *table
	m     *model // for the composite indexes
	e     *editBatch
	codes *valueCodes
	keys  [2][]indexKey // scratch
}

// editTable starts changing a copy of t (nil: an empty table) of model m,
// indexed as indexSpec(m) says; when that differs from t's spec, the
// indexes are rebuilt.
func editTable(t *table, m *model, e *editBatch, codes *valueCodes) *tableBuilder {
	spec := indexSpec(m)
	nt := &table{spec: spec, idx: map[string]fieldIndex{}}
	if t != nil {
		nt.recs = t.recs
		if slices.Equal(t.spec, spec) {
			nt.idx = make(map[string]fieldIndex, len(t.idx))
			for k, v := range t.idx {
				nt.idx[k] = v
			}
			return &tableBuilder{t: nt, m: m, e: e, codes: codes}
		}
	}
	b := &tableBuilder{t: nt, m: m, e: e, codes: codes}
	for _, f := range spec {
		nt.idx[f] = fieldIndex{}
	}
	for id, r := range nt.recs.all() {
		b.reindex(id, nil, r)
	}
	return b
}

// put stores r as record id (nil deletes it) and updates the indexes.
func (b *tableBuilder) put(id int64, r record) {
	before, _ := b.t.recs.get(id)
	if r == nil {
		b.t.recs.del(b.e, id)
	} else {
		b.t.recs.set(b.e, id, r)
	}
	b.reindex(id, before, r)
}

func (b *tableBuilder) reindex(id int64, before, after record) {
	for _, f := range b.t.spec {
		if c := b.compositeOf(f); c != nil {
			b.keys[0] = b.compositeKeys(b.keys[0][:0], c, before)
			b.keys[1] = b.compositeKeys(b.keys[1][:0], c, after)
		} else {
			old, cur := before[f], after[f]
			if sameStored(old, cur) {
				continue
			}
			b.keys[0] = b.codes.keysOf(b.keys[0][:0], old)
			b.keys[1] = b.codes.keysOf(b.keys[1][:0], cur)
		}
		ix := b.t.idx[f]
		for _, k := range b.keys[0] {
			if !slices.Contains(b.keys[1], k) {
				ix.remove(b.e, k, id)
			}
		}
		for _, k := range b.keys[1] {
			if !slices.Contains(b.keys[0], k) {
				ix.add(b.e, k, id)
			}
		}
		b.t.idx[f] = ix
	}
}

func (b *tableBuilder) compositeOf(name string) *compositeIndex {
	if b.m == nil || name == "" || name[0] != '~' {
		return nil
	}
	return b.m.composite(name)
}

func (b *tableBuilder) compositeKeys(dst []indexKey, c *compositeIndex, r record) []indexKey {
	if r == nil {
		return dst
	}
	if n, ok := c.key(r, b.codes.code); ok {
		dst = append(dst, indexKey{n: n})
	}
	return dst
}

// sameStored reports whether two stored values have the same index keys
// for sure (a cheap test that skips most unchanged fields).
func sameStored(a, b any) bool {
	switch x := a.(type) {
	case nil:
		return b == nil
	case int64, string:
		return a == b
	case []int64:
		y, ok := b.([]int64)
		return ok && slices.Equal(x, y)
	}
	return false
}

// --- lookups in a transaction ------------------------------------------------

// candidates is a superset of the records matching a domain, found through
// indexes: size bounds it before collect lists it.
type candidates struct {
	size    int
	collect func(add func(int64))
}

// plan finds candidates for domain n on model m without scanning, if n
// requires an equality on an indexed field (or on id). Records changed in
// this transaction are always candidates: the base state's indexes do not
// know their new values.
func (t *tx) plan(m *model, n dNode) (candidates, bool) {
	switch x := n.(type) {
	case dAnd:
		var best candidates
		found := false
		for _, c := range x {
			if p, ok := t.plan(m, c); ok && (!found || p.size < best.size) {
				best, found = p, true
			}
		}
		return best, found
	case dOr:
		parts := make([]candidates, 0, len(x))
		size := 0
		for _, c := range x {
			p, ok := t.plan(m, c)
			if !ok {
				return candidates{}, false
			}
			parts = append(parts, p)
			size += p.size
		}
		return candidates{size: size, collect: func(add func(int64)) {
			for _, p := range parts {
				p.collect(add)
			}
		}}, true
	case dLeaf:
		return t.planLeaf(m, x)
	}
	return candidates{}, false
}

func (t *tx) planLeaf(m *model, l dLeaf) (candidates, bool) {
	if len(l.path) != 1 || (l.op != "=" && l.op != "in") {
		return candidates{}, false
	}
	f := m.field(l.path[0])
	if f == nil {
		return candidates{}, false
	}
	values := []any{l.value}
	if list, ok := l.value.([]any); ok && (l.op == "in" || f.typ.x2many()) {
		values = list
	}
	if f.name == "id" {
		ids := make([]int64, 0, len(values))
		for _, v := range values {
			n, ok := v.(int64)
			if !ok || n <= 0 {
				return candidates{}, false
			}
			ids = append(ids, n)
		}
		return candidates{size: len(ids), collect: func(add func(int64)) {
			for _, id := range ids {
				add(id)
			}
		}}, true
	}
	tbl := t.base.tables[m.name]
	var ix fieldIndex
	if tbl != nil {
		var ok bool
		if ix, ok = tbl.idx[f.name]; !ok {
			return candidates{}, false
		}
	}
	buckets := make([]idSet, 0, len(values))
	size := len(t.dirty[m.name])
	for _, v := range values {
		k, ok := t.leafKey(f, v)
		if !ok {
			return candidates{}, false
		}
		if k.n == 0 { // a string no index ever held
			continue
		}
		b := ix.bucket(k)
		buckets = append(buckets, b)
		size += b.Len()
	}
	dirty := t.dirty[m.name]
	return candidates{size: size, collect: func(add func(int64)) {
		for _, b := range buckets {
			for id := range b.all() {
				add(id)
			}
		}
		for id := range dirty {
			add(id)
		}
	}}, true
}

// leafKey is the index key of a value in an "=" or "in" leaf on field f,
// when every record the leaf matches holds that key (see compareValue and
// matchX2many); a string no index has seen gets key 0.
func (t *tx) leafKey(f *field, v any) (indexKey, bool) {
	switch f.typ {
	case tMany2one, tInteger, tMany2many:
		if n, ok := v.(int64); ok && n > 0 {
			return indexKey{n: n}, true
		}
	case tChar, tSelection, tText:
		if s, ok := v.(string); ok && s != "" {
			n, _ := t.s.codes.lookup(s)
			return indexKey{str: true, n: n}, true
		}
	}
	return indexKey{}, false
}

// ids lists the candidates in ascending order, once each.
func (c candidates) ids() []int64 {
	out := make([]int64, 0, c.size)
	c.collect(func(id int64) { out = append(out, id) })
	slices.Sort(out)
	return slices.Compact(out)
}

// idsWith returns, in ascending order, the ids of the records of model
// (as the transaction sees them) whose stored field equals value, or
// contains it for a list of ids. It uses the field's index when there is
// one and scans otherwise.
func (t *tx) idsWith(modelName, fieldName string, value any) []int64 {
	var ids []int64
	tbl := t.base.tables[modelName]
	var key []indexKey
	if tbl != nil {
		if ix, ok := tbl.idx[fieldName]; ok {
			key = t.s.codes.lookupKeys(key, value)
			if key != nil {
				c := candidates{collect: func(add func(int64)) {
					for _, k := range key {
						for id := range ix.bucket(k).all() {
							add(id)
						}
					}
					for id := range t.dirty[modelName] {
						add(id)
					}
				}}
				ids = c.ids()
			}
		}
	}
	if key == nil {
		ids = t.allIDs(modelName)
	}
	out := ids[:0]
	for _, id := range ids {
		if r := t.rec(modelName, id); r != nil && storedHas(r[fieldName], value) {
			out = append(out, id)
		}
	}
	return out
}

// lookupKeys returns the index key of a looked-up value (nil when it
// cannot be indexed), without numbering new strings.
func (c *valueCodes) lookupKeys(dst []indexKey, v any) []indexKey {
	switch x := v.(type) {
	case int64:
		if x > 0 {
			return append(dst, indexKey{n: x})
		}
	case string:
		if x != "" {
			n, _ := c.lookup(x) // 0 when unknown: an empty bucket
			return append(dst, indexKey{str: true, n: n})
		}
	}
	return nil
}

// storedHas reports whether a stored value is value, or a list holding it.
func storedHas(stored, value any) bool {
	if ids, ok := stored.([]int64); ok {
		n, ok := value.(int64)
		return ok && slices.Contains(ids, n)
	}
	return stored == value
}

// idsWithAny is idsWith for several values: the records holding any of
// them, in ascending order, once each.
func (t *tx) idsWithAny(modelName, fieldName string, values []int64) []int64 {
	var out []int64
	for _, v := range values {
		out = append(out, t.idsWith(modelName, fieldName, v)...)
	}
	slices.Sort(out)
	return slices.Compact(out)
}
