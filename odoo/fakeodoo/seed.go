package fakeodoo

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// seedField is one entry of a seed's fields_get/<model>.json.
type seedField struct {
	Type             string          `json:"type"`
	String           string          `json:"string"`
	Relation         string          `json:"relation"`
	Selection        [][2]string     `json:"-"`
	RawSelection     json.RawMessage `json:"selection"`
	Required         bool            `json:"required"`
	Readonly         bool            `json:"readonly"`
	Store            *bool           `json:"store"`
	CompanyDependent bool            `json:"company_dependent"`
}

// LoadSeed loads an odoo-seed-shaped folder: one <model>.json per model
// holding the records exactly as XML-RPC read() returns them, fields_get/
// with each model's field descriptions and _id_counters.json with the next
// ids. Fields the fake does not declare itself are added from fields_get
// so that every exported field can be read, searched and written; records
// replace those with the same id.
func (s *Server) LoadSeed(dir string) error {
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	base := s.head.Load()
	reg := base.reg.clone()

	descriptions, err := seedDescriptions(dir)
	if err != nil {
		return err
	}
	fieldsDir := filepath.Join(dir, "fields_get")
	entries, err := os.ReadDir(fieldsDir)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("fakeodoo: read seed %s: %w", fieldsDir, err)
	}
	for _, e := range entries {
		if e.IsDir() || !strings.HasSuffix(e.Name(), ".json") {
			continue
		}
		name := strings.TrimSuffix(e.Name(), ".json")
		if err := mergeSeedFields(reg, name, descriptions[name], filepath.Join(fieldsDir, e.Name())); err != nil {
			return err
		}
	}

	// Seeded records replace those with the same ids; the tables are
	// rebuilt (and indexed) whole.
	tables := map[string]map[int64]record{}
	for model, tbl := range base.tables {
		recs := make(map[int64]record, tbl.recs.Len())
		for id, r := range tbl.recs.all() {
			recs[id] = r
		}
		tables[model] = recs
	}
	names := map[string]map[int64]string{}
	for k, v := range base.names {
		names[k] = maps.Clone(v)
	}
	files, err := os.ReadDir(dir)
	if err != nil {
		return fmt.Errorf("fakeodoo: read seed %s: %w", dir, err)
	}
	for _, e := range files {
		if e.IsDir() || !strings.HasSuffix(e.Name(), ".json") || strings.HasPrefix(e.Name(), "_") {
			continue
		}
		modelName := strings.TrimSuffix(e.Name(), ".json")
		m := reg.model(modelName)
		if m == nil {
			reg.models[modelName] = genericModel(modelName, descriptions[modelName])
			m = reg.models[modelName]
		}
		path := filepath.Join(dir, e.Name())
		recs, err := readSeedRecords(path)
		if err != nil {
			return err
		}
		t := tables[modelName]
		if t == nil {
			t = map[int64]record{}
		}
		for _, raw := range recs {
			r, err := seedRecord(m, raw, names)
			if err != nil {
				return fmt.Errorf("fakeodoo: seed %s: %w", path, err)
			}
			t[r["id"].(int64)] = r
		}
		tables[modelName] = t
	}

	counters, err := readCounters(filepath.Join(dir, "_id_counters.json"))
	if err != nil {
		return err
	}
	s.seqMu.Lock()
	for model, next := range counters {
		s.nextIDs[model] = next
	}
	s.seqMu.Unlock()

	s.replaceState(s.buildState(base.version+1, reg, tables, names))
	return s.installBaseViewsLocked()
}

// installBaseViewsLocked adds Odoo's own primary views the seed lacks (see
// baseViews); the caller holds writeMu.
func (s *Server) installBaseViewsLocked() error {
	t := s.newTx(1, nil, true)
	if err := t.installBaseViews(); err != nil {
		return fmt.Errorf("fakeodoo: base views: %w", err)
	}
	s.commitQuiet(t)
	return nil
}

// seedDescriptions reads model descriptions from ir.model.json, if present.
func seedDescriptions(dir string) (map[string]string, error) {
	out := map[string]string{}
	data, err := os.ReadFile(filepath.Join(dir, "ir.model.json"))
	if errors.Is(err, fs.ErrNotExist) {
		return out, nil
	}
	if err != nil {
		return nil, fmt.Errorf("fakeodoo: read seed ir.model.json: %w", err)
	}
	var recs []struct {
		Model string `json:"model"`
		Name  string `json:"name"`
	}
	if err := json.Unmarshal(data, &recs); err != nil {
		return nil, fmt.Errorf("fakeodoo: parse seed ir.model.json: %w", err)
	}
	for _, r := range recs {
		out[r.Model] = r.Name
	}
	return out, nil
}

func genericModel(name, description string) *model {
	if description == "" {
		description = name
	}
	b := newModel(name, description)
	return b.finish()
}

// mergeSeedFields adds the seed's field descriptions to the registry:
// unknown fields are added (after the declared ones, alphabetically) and
// declared fields take the seed's label, flags and selection, so that
// fields_get answers like the server the seed came from.
func mergeSeedFields(reg *registry, modelName, description, path string) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("fakeodoo: read seed %s: %w", path, err)
	}
	var fields map[string]seedField
	if err := json.Unmarshal(data, &fields); err != nil {
		return fmt.Errorf("fakeodoo: parse seed %s: %w", path, err)
	}
	m := reg.model(modelName)
	if m == nil {
		m = genericModel(modelName, description)
	} else {
		m = m.clone()
	}
	reg.models[modelName] = m
	names := make([]string, 0, len(fields))
	for n := range fields {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		sf := fields[n]
		var sel []selOption
		if len(sf.RawSelection) > 0 && sf.RawSelection[0] == '[' {
			var pairs [][]any
			if err := json.Unmarshal(sf.RawSelection, &pairs); err == nil {
				for _, p := range pairs {
					if len(p) == 2 {
						v, _ := p[0].(string)
						l, _ := p[1].(string)
						sel = append(sel, selOption{value: v, label: l})
					}
				}
			}
		}
		if f := m.field(n); f != nil {
			f.label, f.required, f.readonly = sf.String, sf.Required, sf.Readonly
			if sf.Store != nil && *sf.Store != f.store {
				stored := *sf.Store
				f.storeShown = &stored
			}
			if len(sel) > 0 {
				f.selection = sel
			}
			if sf.Relation != "" && f.relation == "" {
				f.relation = sf.Relation
			}
			continue
		}
		f := &field{name: n, typ: fieldType(sf.Type), label: sf.String, relation: sf.Relation, selection: sel,
			required: sf.Required, readonly: sf.Readonly, store: true, seeded: true}
		if f.typ == "many2one_reference" {
			f.typ = tInteger
		}
		if f.typ == "properties" || f.typ == "properties_definition" {
			f.typ = tJSON
		}
		m.addField(f)
	}
	return nil
}

func readSeedRecords(path string) ([]map[string]any, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("fakeodoo: read seed %s: %w", path, err)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var recs []map[string]any
	if err := dec.Decode(&recs); err != nil {
		return nil, fmt.Errorf("fakeodoo: parse seed %s: %w", path, err)
	}
	return recs, nil
}

// seedRecord converts one read() dict to internal values.
func seedRecord(m *model, raw map[string]any, names map[string]map[int64]string) (record, error) {
	idNum, ok := raw["id"].(json.Number)
	if !ok {
		return nil, fmt.Errorf("record without id")
	}
	id, err := idNum.Int64()
	if err != nil {
		return nil, fmt.Errorf("bad id %v", raw["id"])
	}
	r := record{"id": id}
	for k, v := range raw {
		if k == "id" {
			continue
		}
		f := m.field(k)
		if f == nil || k == "display_name" {
			if s, ok := v.(string); ok && k == "display_name" {
				r[k] = s
			}
			continue
		}
		cv, err := seedValue(f, v, names)
		if err != nil {
			return nil, fmt.Errorf("record %d field %s: %w", id, k, err)
		}
		r[k] = cv
	}
	return r, nil
}

func seedValue(f *field, v any, names map[string]map[int64]string) (any, error) {
	if b, ok := v.(bool); ok && !b && f.typ != tBoolean {
		switch f.typ {
		case tInteger:
			return int64(0), nil
		case tFloat, tMonetary:
			return decimal{}, nil
		}
		return nil, nil
	}
	switch f.typ {
	case tBoolean:
		b, _ := v.(bool)
		return b, nil
	case tInteger:
		n, ok := v.(json.Number)
		if !ok {
			return int64(0), nil
		}
		if i, err := n.Int64(); err == nil {
			return i, nil
		}
		d, err := parseDecimal(n.String())
		return d.Minor(0), err
	case tFloat, tMonetary:
		n, ok := v.(json.Number)
		if !ok {
			return decimal{}, nil
		}
		return parseDecimal(n.String())
	case tMany2one:
		pair, ok := v.([]any)
		if !ok || len(pair) == 0 {
			if n, ok := v.(json.Number); ok {
				return n.Int64()
			}
			return nil, nil
		}
		n, _ := pair[0].(json.Number)
		id, err := n.Int64()
		if err != nil {
			return nil, err
		}
		if len(pair) > 1 {
			if name, ok := pair[1].(string); ok {
				if names[f.relation] == nil {
					names[f.relation] = map[int64]string{}
				}
				names[f.relation][id] = name
			}
		}
		return id, nil
	case tOne2many, tMany2many:
		list, _ := v.([]any)
		ids := make([]int64, 0, len(list))
		for _, item := range list {
			if n, ok := item.(json.Number); ok {
				id, err := n.Int64()
				if err != nil {
					return nil, err
				}
				ids = append(ids, id)
			}
		}
		return ids, nil
	case tJSON:
		return plainJSON(v), nil
	}
	if s, ok := v.(string); ok {
		return s, nil
	}
	return plainJSON(v), nil
}

// plainJSON turns json.Number into int64/float64 recursively.
func plainJSON(v any) any {
	switch x := v.(type) {
	case json.Number:
		if i, err := x.Int64(); err == nil {
			return i
		}
		f, _ := x.Float64()
		return f
	case []any:
		out := make([]any, len(x))
		for i, item := range x {
			out[i] = plainJSON(item)
		}
		return out
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, item := range x {
			out[k] = plainJSON(item)
		}
		return out
	}
	return v
}

func readCounters(path string) (map[string]int64, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("fakeodoo: read seed %s: %w", path, err)
	}
	var raw map[string]struct {
		Next int64 `json:"next_id_from_pg_sequence"`
	}
	if err := json.Unmarshal(data, &raw); err != nil {
		return nil, fmt.Errorf("fakeodoo: parse seed %s: %w", path, err)
	}
	out := make(map[string]int64, len(raw))
	for model, c := range raw {
		if c.Next > 0 {
			out[model] = c.Next
		}
	}
	return out, nil
}
