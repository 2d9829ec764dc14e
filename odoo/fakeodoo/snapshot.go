package fakeodoo

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"sort"
)

const snapshotFormat = "fakeodoo-snapshot/1"

// snapshot is the JSON form of a server's state.
type snapshot struct {
	Format   string `json:"format"`
	Database string `json:"database"`
	// Fields are the fields a seed added to the built-in models, and the
	// models only a seed knew.
	Fields map[string][]snapshotField `json:"fields,omitempty"`
	// Models maps seed-only models to their description.
	Models    map[string]string            `json:"models,omitempty"`
	Records   map[string][]map[string]any  `json:"records"`
	Names     map[string]map[string]string `json:"names,omitempty"`
	NextIDs   map[string]int64             `json:"next_ids"`
	Sequences map[string]int64             `json:"sequences"`
}

type snapshotField struct {
	Name      string      `json:"name"`
	Type      string      `json:"type"`
	String    string      `json:"string"`
	Relation  string      `json:"relation,omitempty"`
	Selection [][2]string `json:"selection,omitempty"`
	Required  bool        `json:"required,omitempty"`
	Readonly  bool        `json:"readonly,omitempty"`
}

// Snapshot serialises the committed state (records, seed-added fields,
// counters) as JSON, for the command's --state-file.
func (s *Server) Snapshot() ([]byte, error) {
	st := s.current()
	snap := snapshot{
		Format: snapshotFormat, Database: s.opts.Database,
		Fields: map[string][]snapshotField{}, Models: map[string]string{},
		Records: map[string][]map[string]any{}, Names: map[string]map[string]string{},
	}
	builtin := builtinRegistry()
	for _, name := range st.reg.names() {
		m := st.reg.model(name)
		if builtin.model(name) == nil {
			snap.Models[name] = m.description
		}
		for _, f := range m.orderedFields() {
			if !f.seeded {
				continue
			}
			sf := snapshotField{Name: f.name, Type: string(f.typ), String: f.label, Relation: f.relation, Required: f.required, Readonly: f.readonly}
			for _, o := range f.selection {
				sf.Selection = append(sf.Selection, [2]string{o.value, o.label})
			}
			snap.Fields[name] = append(snap.Fields[name], sf)
		}
	}
	for model, tbl := range st.tables {
		recs := make([]map[string]any, 0, tbl.recs.Len())
		for id, r := range tbl.recs.all() {
			out := make(map[string]any, len(r))
			for k, v := range r {
				ev, err := encodeSnapshotValue(v)
				if err != nil {
					return nil, fmt.Errorf("fakeodoo: snapshot %s %d %s: %w", model, id, k, err)
				}
				out[k] = ev
			}
			recs = append(recs, out)
		}
		snap.Records[model] = recs
	}
	for model, names := range st.names {
		m := map[string]string{}
		for id, n := range names {
			m[fmt.Sprint(id)] = n
		}
		snap.Names[model] = m
	}
	s.seqMu.Lock()
	snap.NextIDs = maps.Clone(s.nextIDs)
	snap.Sequences = map[string]int64{}
	for id, n := range s.seqNext {
		snap.Sequences[fmt.Sprint(id)] = n
	}
	s.seqMu.Unlock()
	return json.Marshal(snap)
}

// encodeSnapshotValue tags values JSON cannot tell apart: decimals become
// {"d": "283.13"}, id lists {"ids": [...]}, JSON-field values {"j": ...}.
func encodeSnapshotValue(v any) (any, error) {
	switch x := v.(type) {
	case nil, bool, string, int64:
		return x, nil
	case decimal:
		return map[string]any{"d": x.exact()}, nil
	case []int64:
		return map[string]any{"ids": x}, nil
	default:
		return map[string]any{"j": x}, nil
	}
}

func decodeSnapshotValue(v any) (any, error) {
	switch x := v.(type) {
	case nil, bool, string:
		return x, nil
	case json.Number:
		return x.Int64()
	case map[string]any:
		if d, ok := x["d"].(string); ok {
			return parseDecimal(d)
		}
		if list, ok := x["ids"].([]any); ok {
			ids := make([]int64, 0, len(list))
			for _, item := range list {
				n, ok := item.(json.Number)
				if !ok {
					return nil, fmt.Errorf("bad id %v", item)
				}
				id, err := n.Int64()
				if err != nil {
					return nil, err
				}
				ids = append(ids, id)
			}
			return ids, nil
		}
		if j, ok := x["j"]; ok {
			return plainJSON(j), nil
		}
	}
	return nil, fmt.Errorf("unexpected snapshot value %v", v)
}

// Restore replaces the whole state with a Snapshot's. Manual fields come
// back from their ir.model.fields records.
func (s *Server) Restore(data []byte) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var snap snapshot
	if err := dec.Decode(&snap); err != nil {
		return fmt.Errorf("fakeodoo: restore: %w", err)
	}
	if snap.Format != snapshotFormat {
		return fmt.Errorf("fakeodoo: restore: unknown snapshot format %q", snap.Format)
	}
	reg := builtinRegistry()
	for name, desc := range snap.Models {
		if reg.model(name) == nil {
			reg.models[name] = genericModel(name, desc)
		}
	}
	fieldModels := slices.Sorted(maps.Keys(snap.Fields))
	for _, name := range fieldModels {
		m := reg.model(name)
		if m == nil {
			m = genericModel(name, name)
			reg.models[name] = m
		}
		for _, sf := range snap.Fields[name] {
			f := &field{name: sf.Name, typ: fieldType(sf.Type), label: sf.String, relation: sf.Relation,
				required: sf.Required, readonly: sf.Readonly, store: true, seeded: true}
			for _, p := range sf.Selection {
				f.selection = append(f.selection, selOption{value: p[0], label: p[1]})
			}
			if existing := m.field(sf.Name); existing != nil {
				existing.label, existing.required, existing.readonly = f.label, f.required, f.readonly
				if len(f.selection) > 0 {
					existing.selection = f.selection
				}
				continue
			}
			m.addField(f)
		}
	}
	tables := map[string]map[int64]record{}
	for model, recs := range snap.Records {
		tbl := map[int64]record{}
		for _, raw := range recs {
			r := record{}
			for k, v := range raw {
				dv, err := decodeSnapshotValue(v)
				if err != nil {
					return fmt.Errorf("fakeodoo: restore %s.%s: %w", model, k, err)
				}
				r[k] = dv
			}
			id, ok := r["id"].(int64)
			if !ok {
				return fmt.Errorf("fakeodoo: restore %s: record without id", model)
			}
			tbl[id] = r
		}
		tables[model] = tbl
	}
	names := map[string]map[int64]string{}
	for model, m := range snap.Names {
		names[model] = map[int64]string{}
		for idText, n := range m {
			var id int64
			if _, err := fmt.Sscan(idText, &id); err == nil {
				names[model][id] = n
			}
		}
	}
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	s.replaceState(s.buildState(s.head.Load().version+1, reg, tables, names))
	s.seqMu.Lock()
	s.nextIDs = maps.Clone(snap.NextIDs)
	if s.nextIDs == nil {
		s.nextIDs = map[string]int64{}
	}
	s.seqNext = map[int64]int64{}
	for idText, n := range snap.Sequences {
		var id int64
		if _, err := fmt.Sscan(idText, &id); err == nil {
			s.seqNext[id] = n
		}
	}
	s.seqMu.Unlock()
	if err := s.reinstallManualFields(); err != nil {
		return err
	}
	// A state saved before the fake had views gets Odoo's own.
	return s.installBaseViewsLocked()
}

// reinstallManualFields rebuilds x_ fields from ir.model.fields; the caller
// holds writeMu.
func (s *Server) reinstallManualFields() error {
	t := s.newTx(1, nil, true)
	var ids []int64
	for _, id := range t.allIDs("ir.model.fields") {
		if str(t.rec("ir.model.fields", id)["state"]) == "manual" {
			ids = append(ids, id)
		}
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	for _, id := range ids {
		if err := installManualField(t, id); err != nil {
			return fmt.Errorf("fakeodoo: restore manual field %d: %w", id, err)
		}
	}
	s.commitQuiet(t)
	return nil
}
