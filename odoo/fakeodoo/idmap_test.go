package fakeodoo

import (
	"maps"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"
)

// The trie against a Go map, through random sets and deletes, persistent
// and in batches; earlier versions must not change.
func TestIDMapMatchesAMap(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	var m idMap[int]
	want := map[int64]int{}
	type version struct {
		m    idMap[int]
		want map[int64]int
	}
	var versions []version
	check := func(m idMap[int], want map[int64]int, full bool) {
		t.Helper()
		require.Equal(t, len(want), m.Len())
		var keys []int64
		for k, v := range m.all() {
			keys = append(keys, k)
			require.Equal(t, want[k], v, "key %d", k)
		}
		require.Equal(t, slices.Sorted(maps.Keys(want)), keys)
		for k, v := range want {
			got, ok := m.get(k)
			require.True(t, ok, "key %d", k)
			require.Equal(t, v, got)
		}
		require.False(t, m.has(-1))
		if !full {
			return
		}
		for _, limit := range []int64{0, 1, 63, 64, 65, 4095, 4096, 1 << 40, 1<<63 - 1} {
			var want, got []int64
			for _, k := range slices.Backward(keys) {
				if k < limit {
					want = append(want, k)
				}
			}
			for k := range m.below(limit) {
				got = append(got, k)
			}
			require.Equal(t, want, got, "keys below %d", limit)
		}
		if len(keys) > 0 {
			limit := keys[len(keys)/2]
			var got []int64
			for k := range m.below(limit) {
				got = append(got, k)
			}
			require.Equal(t, slices.Collect(func(yield func(int64) bool) {
				for i := len(keys)/2 - 1; i >= 0; i-- {
					if !yield(keys[i]) {
						return
					}
				}
			}), got)
		}
		if len(want) > 0 {
			require.Equal(t, slices.Max(keys), m.max())
		} else {
			require.Equal(t, int64(0), m.max())
		}
	}
	for round := 0; round < 100; round++ {
		var batch *editBatch
		if round%2 == 0 {
			batch = &editBatch{}
		}
		spread := int64(1) << (rng.IntN(5) * 6)
		for i := 0; i < 50; i++ {
			k := rng.Int64N(spread * 4)
			if rng.IntN(3) == 0 {
				m.del(batch, k)
				delete(want, k)
				require.False(t, m.has(k))
				continue
			}
			v := rng.Int()
			m.set(batch, k, v)
			want[k] = v
		}
		check(m, want, round%10 == 0)
		versions = append(versions, version{m, maps.Clone(want)})
	}
	for _, v := range versions {
		check(v.m, v.want, false)
	}
	for k := range maps.Clone(want) {
		m = m.without(k)
		delete(want, k)
	}
	check(m, want, true)
	require.Nil(t, m.root)
	m = m.with(1<<62, 7)
	check(m, map[int64]int{1 << 62: 7}, true)
}
