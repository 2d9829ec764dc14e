package fakeodoo

import (
	"errors"
	"maps"
	"slices"
	"time"

	"github.com/odoo-afterpay/bridge/odoo/fakeodoo/internal/wire"
)

// record is one row: field name → internal value. Internal values are nil
// (empty), string (char, text, html, selection, date "YYYY-MM-DD", datetime
// "YYYY-MM-DD HH:MM:SS"), bool, int64 (integer, many2one id), decimal (float,
// monetary), []int64 (stored many2many) and any JSON-ish value for json
// fields. A committed record is never mutated; a transaction copies it first.
type record map[string]any

// dbState is one committed version of the database. Nothing in it changes
// once it is published: a commit builds the next version, sharing every
// table, record and index node it does not change.
type dbState struct {
	version uint64
	reg     *registry
	tables  map[string]*table
	// names holds display names that a seed gave for many2one targets it
	// did not export (utm.campaign, …), so reading them still shows a name.
	names map[string]map[int64]string
}

func emptyState(reg *registry) *dbState {
	return &dbState{reg: reg, tables: map[string]*table{}, names: map[string]map[int64]string{}}
}

// rec returns a committed record, or nil.
func (st *dbState) rec(model string, id int64) record {
	tbl := st.tables[model]
	if tbl == nil {
		return nil
	}
	r, _ := tbl.recs.get(id)
	return r
}

// buildState makes a state from whole tables (seeds, restores), indexing
// them as the registry says.
func (s *Server) buildState(version uint64, reg *registry, recs map[string]map[int64]record, names map[string]map[int64]string) *dbState {
	st := &dbState{version: version, reg: reg, tables: make(map[string]*table, len(recs)), names: names}
	e := &editBatch{}
	for model, rs := range recs {
		b := editTable(nil, reg.model(model), e, s.codes)
		for id, r := range rs {
			b.put(id, r)
		}
		st.tables[model] = b.t
	}
	return st
}

// errRetry asks the call loop to run the call again on the latest state,
// like Odoo's retrying() after a serialization failure.
var errRetry = errors.New("fakeodoo: concurrent update, retry")

// tx is one RPC call's transaction: reads see the committed state it started
// from plus its own changes; nothing is visible to other calls until commit.
// Automation webhooks the call triggers are sent after it has released the
// writer lock, before its changes are visible (see commitLocked).
type tx struct {
	s     *Server
	base  *dbState
	reg   *registry
	dirty map[string]map[int64]record // nil record = deleted
	// locked means the tx holds s.writeMu: it took it on its first change.
	locked bool
	uid    int64
	ctx    *wire.Struct
	now    time.Time
	// depth guards automation rules that would trigger themselves forever.
	depth int
	// readOnly forbids changes (inspection helpers); it never takes the lock.
	readOnly bool
	// hooks are the webhooks automation rules asked for, in order, sent
	// once the transaction ends (whether it commits or not, as Odoo has
	// sent them by then).
	hooks []webhook
}

// errReadOnly is returned when a read-only transaction tries to change data.
var errReadOnly = errors.New("fakeodoo: read-only transaction")

// newTx starts a transaction. A tx that holds the writer lock starts from
// the latest commit; others start from what readers see, and retry from the
// latest commit if they turn out to write.
func (s *Server) newTx(uid int64, ctx *wire.Struct, locked bool) *tx {
	if ctx == nil {
		ctx = wire.NewStruct()
	}
	base := s.current()
	if locked {
		base = s.head.Load()
	}
	return &tx{
		s: s, base: base, reg: base.reg, dirty: map[string]map[int64]record{},
		locked: locked, uid: uid, ctx: ctx, now: s.clock.Now().UTC(),
	}
}

// current is the state readers see: the latest commit whose webhooks (and
// every earlier commit's) have been answered.
func (s *Server) current() *dbState { return s.published.Load() }

// lockForWrite takes the writer lock before the first change. If another
// call committed since this tx began, its reads are stale: retry.
func (t *tx) lockForWrite() error {
	if t.readOnly {
		return errReadOnly
	}
	if t.locked {
		return nil
	}
	t.s.writeMu.Lock()
	t.locked = true
	if t.s.head.Load().version != t.base.version {
		return errRetry
	}
	return nil
}

func (t *tx) model(name string) *model { return t.reg.model(name) }

// rec returns the record as this tx sees it, or nil.
func (t *tx) rec(model string, id int64) record {
	if recs, ok := t.dirty[model]; ok {
		if r, ok := recs[id]; ok {
			return r
		}
	}
	return t.base.rec(model, id)
}

func (t *tx) exists(model string, id int64) bool { return t.rec(model, id) != nil }

// allIDs lists the model's ids in ascending order.
func (t *tx) allIDs(model string) []int64 {
	var out []int64
	if tbl := t.base.tables[model]; tbl != nil {
		out = tbl.recs.keys(make([]int64, 0, tbl.recs.Len()+len(t.dirty[model])))
	}
	recs := t.dirty[model]
	if len(recs) == 0 {
		return out
	}
	added := false
	for id, r := range recs {
		if r != nil {
			out = append(out, id)
			added = true
		}
	}
	if added {
		slices.Sort(out)
		out = slices.Compact(out)
	}
	return slices.DeleteFunc(out, func(id int64) bool {
		r, ok := recs[id]
		return ok && r == nil
	})
}

// mut returns a writable copy of the record, or nil when it does not exist.
func (t *tx) mut(model string, id int64) (record, error) {
	if err := t.lockForWrite(); err != nil {
		return nil, err
	}
	recs := t.dirty[model]
	if recs == nil {
		recs = map[int64]record{}
		t.dirty[model] = recs
	}
	if r, ok := recs[id]; ok {
		return r, nil
	}
	base := t.base.rec(model, id)
	if base == nil {
		return nil, nil
	}
	c := maps.Clone(base)
	recs[id] = c
	return c, nil
}

func (t *tx) insert(model string, r record) error {
	if err := t.lockForWrite(); err != nil {
		return err
	}
	recs := t.dirty[model]
	if recs == nil {
		recs = map[int64]record{}
		t.dirty[model] = recs
	}
	recs[r["id"].(int64)] = r
	return nil
}

func (t *tx) remove(model string, id int64) error {
	if err := t.lockForWrite(); err != nil {
		return err
	}
	recs := t.dirty[model]
	if recs == nil {
		recs = map[int64]record{}
		t.dirty[model] = recs
	}
	recs[id] = nil
	return nil
}

// setRegistry replaces the tx's schema (manual fields).
func (t *tx) setRegistry(r *registry) error {
	if err := t.lockForWrite(); err != nil {
		return err
	}
	t.reg = r
	return nil
}

func (t *tx) changed() bool { return len(t.dirty) > 0 || t.reg != t.base.reg }

// apply builds the state that follows cur with the tx's changes. Only the
// changed records' paths in the tables and indexes are copied.
func (s *Server) apply(cur *dbState, t *tx) *dbState {
	ns := &dbState{version: cur.version + 1, reg: t.reg, tables: maps.Clone(cur.tables), names: cur.names}
	e := &editBatch{}
	for model, recs := range t.dirty {
		b := editTable(cur.tables[model], t.reg.model(model), e, s.codes)
		for id, r := range recs {
			b.put(id, r)
		}
		ns.tables[model] = b.t
	}
	return ns
}

// runTx runs fn in a transaction and commits it when fn succeeds, retrying
// on errRetry like Odoo's retrying(). The writer lock, once taken, is kept
// across retries so the retry cannot be overtaken again; it is released
// before the webhooks are sent.
func (s *Server) runTx(uid int64, ctx *wire.Struct, fn func(t *tx) (any, error)) (any, error) {
	locked := false
	defer func() {
		if locked {
			s.writeMu.Unlock()
		}
	}()
	var hooks []webhook // from attempts that did not commit
	for attempt := 0; ; attempt++ {
		t := s.newTx(uid, ctx, locked)
		res, err := fn(t)
		if err == nil && t.changed() {
			err = t.finalizeTracking()
		}
		locked = t.locked
		if err != nil {
			hooks = append(hooks, t.hooks...)
			if errors.Is(err, errRetry) && attempt < 5 {
				continue
			}
			c := s.commitLocked(nil, hooks)
			if locked {
				s.writeMu.Unlock()
				locked = false
			}
			s.finishCommit(c, false)
			return nil, err
		}
		c := s.commitLocked(t, append(hooks, t.hooks...))
		if locked {
			s.writeMu.Unlock()
			locked = false
		}
		s.finishCommit(c, true)
		return res, nil
	}
}

// commitQuiet commits a tx of the caller, who holds s.writeMu, without the
// AfterCommit callback (seeding and restores are not changes worth saving).
func (s *Server) commitQuiet(t *tx) {
	s.finishCommit(s.commitLocked(t, t.hooks), false)
}

// --- non-transactional counters (PostgreSQL sequences) -------------------

// nextID hands out the next id of model. Like a PostgreSQL sequence it is
// not rolled back: a create that fails after INSERT still uses its id.
func (s *Server) nextID(t *tx, model string) int64 {
	s.seqMu.Lock()
	defer s.seqMu.Unlock()
	n, ok := s.nextIDs[model]
	if !ok {
		n = 1
		if tbl := t.base.tables[model]; tbl != nil {
			n = tbl.recs.max() + 1
		}
	}
	s.nextIDs[model] = n + 1
	return n
}

// nextSequenceNumber advances an ir.sequence (standard implementation, so
// not transactional either) and returns the number to use.
func (s *Server) nextSequenceNumber(seqID int64, initial int64) int64 {
	s.seqMu.Lock()
	defer s.seqMu.Unlock()
	n, ok := s.seqNext[seqID]
	if !ok {
		n = initial
		if n < 1 {
			n = 1
		}
	}
	s.seqNext[seqID] = n + 1
	return n
}

func (s *Server) peekSequenceNumber(seqID int64) (int64, bool) {
	s.seqMu.Lock()
	defer s.seqMu.Unlock()
	n, ok := s.seqNext[seqID]
	return n, ok
}
