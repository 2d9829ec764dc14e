package fakeodoo

import (
	"iter"
	"math/bits"
	"slices"
)

// idMap is an immutable map from non-negative int64 keys (record ids, or
// the codes of indexed values) to values: a 64-way radix trie. A change
// copies only the nodes on the path to its key, so each committed state
// shares everything else with the one before, and a lookup costs a few
// steps however many keys there are. Keys iterate in ascending order.
//
// The zero value is an empty map. Values of type idMap are cheap to copy.
type idMap[V any] struct {
	root *trieNode[V]
	// shift is how far a key is shifted right for the root's digit; a
	// root with shift 0 is a leaf. The trie grows upwards as keys grow.
	shift uint
	n     int
}

const (
	trieBits  = 6
	trieWidth = 1 << trieBits
	trieMask  = trieWidth - 1
)

type trieNode[V any] struct {
	// edit is the batch that created the node: that batch may change it
	// in place, everybody else copies it (see idMap.set).
	edit *editBatch
	// mask has a bit per digit present; kids (inner nodes) or vals
	// (leaves) hold one entry per bit, in digit order.
	mask uint64
	kids []*trieNode[V]
	vals []V
}

// editBatch identifies one batch of changes (one commit). Nodes a batch
// created are invisible to anybody else until the batch is published, so
// the batch may change them in place instead of copying them again.
type editBatch struct{ _ byte } // not zero-sized: each batch needs its own address

// Len is the number of keys.
func (m idMap[V]) Len() int { return m.n }

func (m idMap[V]) fits(k uint64) bool { return m.root != nil && k>>m.shift>>trieBits == 0 }

// get returns the value of id and whether it is present.
func (m idMap[V]) get(id int64) (V, bool) {
	var zero V
	k := uint64(id)
	if id < 0 || !m.fits(k) {
		return zero, false
	}
	n := m.root
	for shift := m.shift; ; shift -= trieBits {
		bit := uint64(1) << (k >> shift & trieMask)
		if n.mask&bit == 0 {
			return zero, false
		}
		i := bits.OnesCount64(n.mask & (bit - 1))
		if shift == 0 {
			return n.vals[i], true
		}
		n = n.kids[i]
	}
}

func (m idMap[V]) has(id int64) bool {
	_, ok := m.get(id)
	return ok
}

// max returns the largest key, or 0 for an empty map.
func (m idMap[V]) max() int64 {
	if m.root == nil {
		return 0
	}
	var k uint64
	n := m.root
	for shift := m.shift; ; shift -= trieBits {
		d := uint64(63 - bits.LeadingZeros64(n.mask))
		k |= d << shift
		if shift == 0 {
			return int64(k)
		}
		n = n.kids[len(n.kids)-1]
	}
}

// all iterates over the keys and values in ascending key order.
func (m idMap[V]) all() iter.Seq2[int64, V] {
	return func(yield func(int64, V) bool) {
		if m.root != nil {
			walkTrie(m.root, m.shift, 0, yield)
		}
	}
}

func walkTrie[V any](n *trieNode[V], shift uint, prefix uint64, yield func(int64, V) bool) bool {
	mask := n.mask
	for i := 0; mask != 0; i++ {
		d := uint64(bits.TrailingZeros64(mask))
		mask &= mask - 1
		k := prefix | d<<shift
		if shift == 0 {
			if !yield(int64(k), n.vals[i]) {
				return false
			}
		} else if !walkTrie(n.kids[i], shift-trieBits, k, yield) {
			return false
		}
	}
	return true
}

// below iterates over the keys smaller than limit, largest first.
func (m idMap[V]) below(limit int64) iter.Seq2[int64, V] {
	return func(yield func(int64, V) bool) {
		if m.root == nil || limit <= 0 {
			return
		}
		lim := uint64(limit)
		descendTrie(m.root, m.shift, 0, lim, m.fits(lim), yield)
	}
}

// descendTrie walks n's keys in descending order; when bounded, only
// those below lim (whose digits above shift are n's).
func descendTrie[V any](n *trieNode[V], shift uint, prefix, lim uint64, bounded bool, yield func(int64, V) bool) bool {
	mask := n.mask
	limDigit := lim >> shift & trieMask
	if bounded {
		if shift == 0 {
			mask &= 1<<limDigit - 1 // lim itself is excluded
		} else {
			mask &= 2<<limDigit - 1 // the lim digit's subtree is bounded below
		}
	}
	for mask != 0 {
		d := uint64(63 - bits.LeadingZeros64(mask))
		bit := uint64(1) << d
		mask &^= bit
		i := bits.OnesCount64(n.mask & (bit - 1))
		k := prefix | d<<shift
		if shift == 0 {
			if !yield(int64(k), n.vals[i]) {
				return false
			}
		} else if !descendTrie(n.kids[i], shift-trieBits, k, lim, bounded && d == limDigit, yield) {
			return false
		}
	}
	return true
}

// keys appends the keys in ascending order to dst.
func (m idMap[V]) keys(dst []int64) []int64 {
	for k := range m.all() {
		dst = append(dst, k)
	}
	return dst
}

// with returns a copy of m with id set to v; m is unchanged.
func (m idMap[V]) with(id int64, v V) idMap[V] {
	m.set(nil, id, v)
	return m
}

// without returns a copy of m without id; m is unchanged.
func (m idMap[V]) without(id int64) idMap[V] {
	m.del(nil, id)
	return m
}

// set sets id to v. Nodes created by batch e are changed in place, others
// are copied, so maps sharing them are not affected; a nil batch copies
// every node on the path. id must not be negative.
func (m *idMap[V]) set(e *editBatch, id int64, v V) {
	if id < 0 {
		panic("fakeodoo: negative id in idMap")
	}
	k := uint64(id)
	if m.root == nil {
		m.root, m.shift = &trieNode[V]{edit: e}, 0
	}
	for !m.fits(k) {
		m.root = &trieNode[V]{edit: e, mask: 1, kids: []*trieNode[V]{m.root}}
		m.shift += trieBits
	}
	added := false
	m.root = setTrie(m.root, e, m.shift, k, v, &added)
	if added {
		m.n++
	}
}

func setTrie[V any](n *trieNode[V], e *editBatch, shift uint, k uint64, v V, added *bool) *trieNode[V] {
	n = n.editable(e)
	bit := uint64(1) << (k >> shift & trieMask)
	i := bits.OnesCount64(n.mask & (bit - 1))
	present := n.mask&bit != 0
	switch {
	case shift == 0 && present:
		n.vals[i] = v
	case shift == 0:
		n.vals = slices.Insert(n.vals, i, v)
		n.mask |= bit
		*added = true
	case present:
		n.kids[i] = setTrie(n.kids[i], e, shift-trieBits, k, v, added)
	default:
		kid := setTrie(&trieNode[V]{edit: e}, e, shift-trieBits, k, v, added)
		n.kids = slices.Insert(n.kids, i, kid)
		n.mask |= bit
	}
	return n
}

// del removes id, copying or changing nodes like set.
func (m *idMap[V]) del(e *editBatch, id int64) {
	k := uint64(id)
	if id < 0 || !m.fits(k) {
		return
	}
	removed := false
	m.root = delTrie(m.root, e, m.shift, k, &removed)
	if removed {
		m.n--
	}
	if m.root == nil {
		m.shift = 0
	}
}

// delTrie returns the node without k, or nil when nothing is left in it.
func delTrie[V any](n *trieNode[V], e *editBatch, shift uint, k uint64, removed *bool) *trieNode[V] {
	bit := uint64(1) << (k >> shift & trieMask)
	if n.mask&bit == 0 {
		return n
	}
	i := bits.OnesCount64(n.mask & (bit - 1))
	if shift > 0 {
		kid := delTrie(n.kids[i], e, shift-trieBits, k, removed)
		switch {
		case kid == n.kids[i]:
			return n // nothing removed, or the kid was changed in place
		case kid != nil:
			n = n.editable(e)
			n.kids[i] = kid
			return n
		}
	} else {
		*removed = true
	}
	if n.mask == bit {
		return nil
	}
	n = n.editable(e)
	if shift > 0 {
		n.kids = slices.Delete(n.kids, i, i+1)
	} else {
		n.vals = slices.Delete(n.vals, i, i+1)
	}
	n.mask &^= bit
	return n
}

// editable returns n itself when batch e created it, else a copy owned by e.
func (n *trieNode[V]) editable(e *editBatch) *trieNode[V] {
	if e != nil && n.edit == e {
		return n
	}
	return &trieNode[V]{edit: e, mask: n.mask, kids: slices.Clone(n.kids), vals: slices.Clone(n.vals)}
}

// idSet is an immutable set of ids.
type idSet = idMap[struct{}]
