package fakeodoo

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/odoo-afterpay/bridge/odoo/fakeodoo/internal/wire"
)

// scanSearch is search without indexes: every record is matched against the
// domain, as search did before it had indexes. The indexed search must
// give exactly its answers.
func scanSearch(t *tx, modelName string, domain []any, opts searchOpts) ([]int64, error) {
	m := t.model(modelName)
	tree, err := parseDomain(domain)
	if err != nil {
		return nil, err
	}
	filterActive := m.hasField("active") && !mentionsActive(tree)
	var out []int64
	for _, id := range t.allIDs(modelName) {
		if filterActive && !boolOf(t.rec(modelName, id)["active"]) {
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
	if opts.limit > 0 && len(out) > opts.limit {
		out = out[:opts.limit]
	}
	if out == nil {
		out = []int64{}
	}
	return out, nil
}

// checkIndexes rebuilds the indexes of st from its records and compares:
// those of models, or all of them.
func checkIndexes(t *testing.T, s *Server, st *dbState, models ...string) {
	t.Helper()
	for model, tbl := range st.tables {
		if len(models) > 0 && !slices.Contains(models, model) {
			continue
		}
		require.Equal(t, indexSpec(st.reg.model(model)), tbl.spec, "index spec of %s", model)
		for _, f := range tbl.spec {
			want := map[indexKey][]int64{}
			b := &tableBuilder{m: st.reg.model(model), codes: s.codes}
			for id, r := range tbl.recs.all() {
				keys := s.codes.keysOf(nil, r[f])
				if c := b.compositeOf(f); c != nil {
					keys = b.compositeKeys(nil, c, r)
				}
				for _, k := range keys {
					want[k] = append(want[k], id)
				}
			}
			got := map[indexKey][]int64{}
			ix := tbl.idx[f]
			for _, side := range []struct {
				str bool
				m   idMap[idSet]
			}{{false, ix.ints}, {true, ix.strs}} {
				for n, ids := range side.m.all() {
					require.NotZero(t, ids.Len(), "%s.%s keeps an empty bucket", model, f)
					got[indexKey{str: side.str, n: n}] = ids.keys(nil)
				}
			}
			require.Equal(t, want, got, "index of %s.%s", model, f)
		}
	}
}

// indexFuzz drives random creates, writes and unlinks of records with
// indexed fields, and random searches on them.
type indexFuzz struct {
	t   *testing.T
	rng *rand.Rand
}

func (f *indexFuzz) pick(options ...any) any { return options[f.rng.IntN(len(options))] }

func (f *indexFuzz) someIDs(t *tx, model string) []any {
	all := t.allIDs(model)
	var out []any
	for _, id := range all {
		if f.rng.IntN(4) == 0 {
			out = append(out, id)
		}
	}
	if f.rng.IntN(5) == 0 {
		out = append(out, int64(999999)) // no such record
	}
	return out
}

func (f *indexFuzz) oneID(t *tx, model string) any {
	all := t.allIDs(model)
	if len(all) == 0 || f.rng.IntN(6) == 0 {
		return false
	}
	return all[f.rng.IntN(len(all))]
}

var (
	fuzzNames   = []any{"n1", "n2", "n3", "n4", "mail.mt_note", "never-seen"}
	fuzzModules = []any{"a", "b", "mail", "sale"}
	fuzzModels  = []any{"sale.order", "res.partner", "account.move"}
	fuzzResIDs  = []any{int64(0), int64(1), int64(2), int64(3), int64(10), false}
	fuzzPeople  = []any{int64(10), int64(11), int64(12), int64(13)}
)

var fuzzPrefixes = []any{"INV/2026/", "RINV/2026/", "MISC/2026/"}

// change makes one random change.
func (f *indexFuzz) change(t *tx) error {
	switch f.rng.IntN(10) {
	case 8:
		_, err := t.create("account.move", wire.NewStruct("move_type", "entry", "journal_id", f.pick(int64(1), int64(2)),
			"sequence_prefix", f.pick(fuzzPrefixes...), "sequence_number", int64(f.rng.IntN(20))))
		return err
	case 9:
		id := f.oneID(t, "account.move")
		if id == false {
			return nil
		}
		if f.rng.IntN(4) == 0 {
			return t.unlink("account.move", []int64{id.(int64)})
		}
		return t.store("account.move", id.(int64), "sequence_number", int64(f.rng.IntN(30)),
			"sequence_prefix", f.pick(fuzzPrefixes...), "journal_id", f.pick(int64(1), int64(2)))
	case 0:
		_, err := t.create("ir.model.data", wire.NewStruct("module", f.pick(fuzzModules...), "name", f.pick(fuzzNames...),
			"model", f.pick(fuzzModels...), "res_id", f.pick(fuzzResIDs...)))
		return err
	case 1:
		id := f.oneID(t, "ir.model.data")
		if id == false {
			return nil
		}
		vals := wire.NewStruct()
		for _, k := range []string{"name", "module", "res_id", "model"} {
			if f.rng.IntN(2) == 0 {
				switch k {
				case "name":
					vals.Set(k, f.pick(fuzzNames...))
				case "module":
					vals.Set(k, f.pick(fuzzModules...))
				case "res_id":
					vals.Set(k, f.pick(fuzzResIDs...))
				case "model":
					vals.Set(k, f.pick(fuzzModels...))
				}
			}
		}
		return t.write("ir.model.data", []int64{id.(int64)}, vals)
	case 2:
		if id := f.oneID(t, "ir.model.data"); id != false {
			return t.unlink("ir.model.data", []int64{id.(int64)})
		}
	case 3, 4:
		_, err := t.create("mail.message", wire.NewStruct("model", f.pick(append(fuzzModels, false)...), "res_id", f.pick(fuzzResIDs...),
			"message_type", "comment", "body", "<p>x</p>", "parent_id", f.oneID(t, "mail.message"),
			"partner_ids", []any{cmd(6, 0, f.pickPeople())}))
		return err
	case 5:
		id := f.oneID(t, "mail.message")
		if id == false {
			return nil
		}
		var c any
		switch f.rng.IntN(4) {
		case 0:
			c = []any{cmd(4, f.pick(fuzzPeople...).(int64), 0)}
		case 1:
			c = []any{cmd(3, f.pick(fuzzPeople...).(int64), 0)}
		case 2:
			c = []any{cmd(6, 0, f.pickPeople())}
		default:
			c = []any{cmd(5, 0, 0)}
		}
		return t.write("mail.message", []int64{id.(int64)}, wire.NewStruct("partner_ids", c,
			"res_id", f.pick(fuzzResIDs...), "parent_id", f.oneID(t, "mail.message")))
	case 6:
		if id := f.oneID(t, "mail.message"); id != false {
			return t.unlink("mail.message", []int64{id.(int64)})
		}
	case 7:
		id := f.oneID(t, "res.partner")
		if id != false && id != int64(10) {
			return t.write("res.partner", []int64{id.(int64)}, wire.NewStruct("parent_id", f.pick(false, int64(10), int64(11)),
				"active", f.rng.IntN(4) != 0))
		}
	}
	return nil
}

func (f *indexFuzz) pickPeople() []any {
	var out []any
	for _, p := range fuzzPeople {
		if f.rng.IntN(2) == 0 {
			out = append(out, p)
		}
	}
	return out
}

// domain is a random domain on model, mostly with leaves indexes answer.
func (f *indexFuzz) domain(t *tx, model string) []any {
	var leaves [][]any
	switch model {
	case "ir.model.data":
		leaves = [][]any{
			{"name", "=", f.pick(fuzzNames...)},
			{"name", "in", []any{f.pick(fuzzNames...), f.pick(fuzzNames...)}},
			{"module", "=", f.pick(fuzzModules...)},
			{"model", "in", []any{f.pick(fuzzModels...)}},
			{"res_id", "=", f.pick(fuzzResIDs...)},
			{"res_id", "in", []any{f.pick(fuzzResIDs...), f.pick(fuzzResIDs...)}},
			{"name", "in", []any{}},
			{"name", "!=", f.pick(fuzzNames...)},
			{"name", "ilike", "n"},
			{"id", "in", f.someIDs(t, model)},
		}
	case "mail.message":
		leaves = [][]any{
			{"model", "=", f.pick(fuzzModels...)},
			{"model", "=", false},
			{"res_id", "=", f.pick(fuzzResIDs...)},
			{"partner_ids", "in", []any{f.pick(fuzzPeople...), f.pick(fuzzPeople...)}},
			{"partner_ids", "=", f.pick(fuzzPeople...)},
			{"partner_ids", "=", false},
			{"parent_id", "=", f.oneID(t, model)},
			{"parent_id", "in", f.someIDs(t, model)},
			{"id", "=", f.oneID(t, model)},
		}
	case "res.partner":
		leaves = [][]any{
			{"parent_id", "=", f.pick(int64(10), int64(11), false)},
			{"parent_id", "in", []any{int64(10), int64(11)}},
			{"active", "=", false},
			{"name", "ilike", "a"},
		}
	}
	leaf := func() []any { return leaves[f.rng.IntN(len(leaves))] }
	switch f.rng.IntN(5) {
	case 0:
		return []any{leaf()}
	case 1:
		return []any{leaf(), leaf()}
	case 2:
		return []any{"|", leaf(), leaf()}
	case 3:
		return []any{leaf(), "|", leaf(), "!", leaf()}
	}
	return []any{"|", leaf(), "&", leaf(), leaf()}
}

// compare runs random searches both ways in t.
func (f *indexFuzz) compare(t *tx) {
	f.t.Helper()
	for i := 0; i < 15; i++ {
		model := f.pick("ir.model.data", "mail.message", "res.partner").(string)
		dom := f.domain(t, model)
		opts := searchOpts{order: f.pick("", "id desc", "res_id, id").(string)}
		if model != "mail.message" && model != "ir.model.data" {
			opts.order = ""
		}
		if f.rng.IntN(3) == 0 {
			opts.limit = 2
		}
		got, err := t.search(model, dom, opts)
		require.NoError(f.t, err)
		want, err := scanSearch(t, model, dom, opts)
		require.NoError(f.t, err)
		require.Equal(f.t, want, got, "search %s %v", model, wire.Repr(dom))
	}
	for _, q := range []struct {
		model, field string
		value        any
	}{
		{"ir.model.data", "name", f.pick(fuzzNames...)},
		{"ir.model.data", "res_id", f.pick(fuzzResIDs[:5]...)},
		{"mail.message", "partner_ids", f.pick(fuzzPeople...)},
		{"mail.message", "res_id", f.pick(fuzzResIDs[:5]...)},
		{"res.partner", "parent_id", f.pick(fuzzPeople...)},
	} {
		var want []int64
		for _, id := range t.allIDs(q.model) {
			if storedHas(t.rec(q.model, id)[q.field], q.value) {
				want = append(want, id)
			}
		}
		require.Equal(f.t, want, nilIfEmpty(t.idsWith(q.model, q.field, q.value)), "idsWith %s.%s %v", q.model, q.field, q.value)
	}
	journal, prefix := f.pick(int64(1), int64(2)).(int64), f.pick(fuzzPrefixes...).(string)
	var last int64
	for _, id := range t.allIDs("account.move") {
		r := t.rec("account.move", id)
		if idOf(r["journal_id"]) == journal && str(r["sequence_prefix"]) == prefix {
			last = max(last, intOf(r["sequence_number"]))
		}
	}
	require.Equal(f.t, last, t.lastSequenceNumber(journal, prefix), "last number of %d %s", journal, prefix)
}

func nilIfEmpty(ids []int64) []int64 {
	if len(ids) == 0 {
		return nil
	}
	return ids
}

var errFuzzRollback = errors.New("rolled back on purpose")

// Indexed searches and lookups answer exactly like scans, inside
// transactions (whose changes the indexes do not hold yet) and after
// commits, and the committed indexes always equal indexes rebuilt from the
// records: creates, writes of indexed fields, x2many commands, unlinks and
// rolled-back transactions included.
func TestIndexesAnswerLikeScans(t *testing.T) {
	s, err := NewDemo(Options{Clock: fixedClock(testNow)})
	require.NoError(t, err)
	checkIndexes(t, s, s.current())
	for seed := uint64(1); seed <= 3; seed++ {
		f := &indexFuzz{t: t, rng: rand.New(rand.NewPCG(seed, 99))}
		for round := 0; round < 40; round++ {
			rollback := f.rng.IntN(5) == 0
			_, err := s.runTx(2, wire.NewStruct("tracking_disable", true), func(tx *tx) (any, error) {
				for i := f.rng.IntN(6); i >= 0; i-- {
					if err := f.change(tx); err != nil {
						return nil, fmt.Errorf("round %d: %w", round, err)
					}
					f.compare(tx)
				}
				if rollback {
					return nil, errFuzzRollback
				}
				return nil, nil
			})
			var refused *odooError // a business error rolls back too
			if err != nil && !errors.Is(err, errFuzzRollback) && !errors.As(err, &refused) {
				t.Fatal(err)
			}
			checkIndexes(t, s, s.current(), "ir.model.data", "mail.message", "res.partner", "account.move")
			f.compare(s.newTx(2, nil, false))
		}
	}
	checkIndexes(t, s, s.current())
	// The fuzz did reach records and buckets of every kind.
	st := s.current()
	require.Greater(t, st.tables["ir.model.data"].idx["name"].strs.Len(), 3)
	require.Greater(t, st.tables["mail.message"].idx["partner_ids"].ints.Len(), 2)
	require.Greater(t, st.tables["account.move"].idx[moveSequenceIndex].ints.Len(), 5)
	require.NotEmpty(t, slices.Collect(func(yield func(int64) bool) {
		for id := range st.tables["mail.message"].idx["parent_id"].ints.all() {
			yield(id)
			return
		}
	}))
}

// A schema change (a many2one x_ field) re-indexes the model's table at its
// next commit; until then searches on the new field scan.
func TestIndexFollowsManualFields(t *testing.T) {
	s, c := startDemo(t, Options{})
	modelID := c.firstID("ir.model", []any{"model", "=", "sale.order"})
	c.must("ir.model.fields", "create", []any{wire.NewStruct("name", "x_referrer_id", "field_description", "Referrer",
		"model_id", modelID, "ttype", "many2one", "relation", "res.partner")})
	require.Contains(t, indexSpec(s.current().reg.model("sale.order")), "x_referrer_id")
	c.must("sale.order", "write", []any{[]any{int64(2)}, wire.NewStruct("x_referrer_id", int64(11))})
	require.Equal(t, []any{int64(2)}, c.must("sale.order", "search", []any{[]any{[]any{"x_referrer_id", "=", int64(11)}}}))
	checkIndexes(t, s, s.current())
	require.Equal(t, []int64{2}, s.current().tables["sale.order"].idx["x_referrer_id"].bucket(indexKey{n: 11}).keys(nil))
}
