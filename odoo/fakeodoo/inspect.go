package fakeodoo

import (
	"fmt"

	"github.com/odoo-afterpay/bridge/odoo/fakeodoo/internal/wire"
)

// Records returns copies of the committed records of model that match the
// domain, read like search_read with load=None: many2one as a bare int64
// id, x2many as []int64, floats as float64, empty values as false. The
// domain is given as Odoo writes it, one term per argument:
//
//	srv.Records("sale.order", []any{"state", "=", "sale"}, []any{"partner_id", "=", 42})
//
// Go ints, []int and []string in leaves are accepted. Archived records are
// included. It never waits for a running write, so tests may call it from a
// webhook receiver to observe what other clients see.
func (s *Server) Records(model string, domain ...any) ([]map[string]any, error) {
	t := s.inspectTx()
	m := t.model(model)
	if m == nil {
		return nil, fmt.Errorf("fakeodoo: no model %s", model)
	}
	dom := make([]any, len(domain))
	for i, d := range domain {
		dom[i] = normaliseGo(d)
	}
	ids, err := t.search(model, dom, searchOpts{activeTest: ptrFalse()})
	if err != nil {
		return nil, fmt.Errorf("fakeodoo: search %s: %w", model, err)
	}
	out := make([]map[string]any, 0, len(ids))
	for _, id := range ids {
		r, err := s.recordMap(t, m, id)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, nil
}

// Record returns one committed record like Records, or an error when it
// does not exist.
func (s *Server) Record(model string, id int64) (map[string]any, error) {
	t := s.inspectTx()
	m := t.model(model)
	if m == nil {
		return nil, fmt.Errorf("fakeodoo: no model %s", model)
	}
	if !t.exists(model, id) {
		return nil, fmt.Errorf("fakeodoo: %s(%d) does not exist", model, id)
	}
	return s.recordMap(t, m, id)
}

func (s *Server) inspectTx() *tx {
	t := s.newTx(1, wire.NewStruct("active_test", false), false)
	t.readOnly = true
	return t
}

func (s *Server) recordMap(t *tx, m *model, id int64) (map[string]any, error) {
	fields, err := t.resolveFields(m, nil)
	if err != nil {
		return nil, err
	}
	st, err := t.readRecord(m, id, fields, false)
	if err != nil {
		return nil, fmt.Errorf("fakeodoo: read %s %d: %w", m.name, id, err)
	}
	out := make(map[string]any, st.Len())
	for _, k := range st.Keys() {
		out[k] = st.Value(k)
	}
	return out, nil
}

// normaliseGo converts convenient Go values (int, []int, []string, maps)
// to the XML-RPC forms the fake works with.
func normaliseGo(v any) any {
	switch x := v.(type) {
	case int:
		return int64(x)
	case int32:
		return int64(x)
	case uint:
		return int64(x)
	case float32:
		return float64(x)
	case []int:
		out := make([]any, len(x))
		for i, n := range x {
			out[i] = int64(n)
		}
		return out
	case []int64:
		out := make([]any, len(x))
		for i, n := range x {
			out[i] = n
		}
		return out
	case []string:
		out := make([]any, len(x))
		for i, s := range x {
			out[i] = s
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, item := range x {
			out[i] = normaliseGo(item)
		}
		return out
	case map[string]any:
		s, _ := toStruct(x)
		for _, k := range s.Keys() {
			s.Set(k, normaliseGo(s.Value(k)))
		}
		return s
	case *wire.Struct:
		s := x.Clone()
		for _, k := range s.Keys() {
			s.Set(k, normaliseGo(s.Value(k)))
		}
		return s
	}
	return v
}
