// Package wire is the fake Odoo's XML-RPC codec. It reads method calls the way
// Python's xmlrpc.client.loads does and writes responses byte for byte like
// Odoo 18's marshaller (stdlib xmlrpc.client.Marshaller, allow_none=False),
// plus the Python-compatible text helpers the fake needs: float repr, str repr
// and json.dumps.
package wire

// Struct is an XML-RPC struct (a Python dict) that keeps its members in
// insertion order, because Odoo's responses list dict keys in the order Python
// inserted them and clients compare bytes.
type Struct struct {
	keys []string
	vals map[string]any
}

// NewStruct builds a Struct from alternating keys and values:
// NewStruct("name", "Payments", "res_id", 1). It panics on an odd count or a
// non-string key, which is a programming error.
func NewStruct(kv ...any) *Struct {
	if len(kv)%2 != 0 {
		panic("wire.NewStruct: odd number of arguments")
	}
	s := &Struct{vals: make(map[string]any, len(kv)/2)}
	for i := 0; i < len(kv); i += 2 {
		k, ok := kv[i].(string)
		if !ok {
			panic("wire.NewStruct: key is not a string")
		}
		s.Set(k, kv[i+1])
	}
	return s
}

// Set stores v under k; a new key goes to the end, an existing key keeps its place.
func (s *Struct) Set(k string, v any) {
	if s.vals == nil {
		s.vals = make(map[string]any)
	}
	if _, ok := s.vals[k]; !ok {
		s.keys = append(s.keys, k)
	}
	s.vals[k] = v
}

// Get returns the value under k and whether it is present.
func (s *Struct) Get(k string) (any, bool) {
	if s == nil {
		return nil, false
	}
	v, ok := s.vals[k]
	return v, ok
}

// Value returns the value under k, or nil when absent.
func (s *Struct) Value(k string) any {
	v, _ := s.Get(k)
	return v
}

// Has reports whether k is present.
func (s *Struct) Has(k string) bool {
	_, ok := s.Get(k)
	return ok
}

// Delete removes k.
func (s *Struct) Delete(k string) {
	if s == nil {
		return
	}
	if _, ok := s.vals[k]; !ok {
		return
	}
	delete(s.vals, k)
	for i, key := range s.keys {
		if key == k {
			s.keys = append(s.keys[:i:i], s.keys[i+1:]...)
			break
		}
	}
}

// Keys returns the keys in insertion order (a copy).
func (s *Struct) Keys() []string {
	if s == nil {
		return nil
	}
	return append([]string(nil), s.keys...)
}

// Len is the number of members.
func (s *Struct) Len() int {
	if s == nil {
		return 0
	}
	return len(s.keys)
}

// Clone returns a shallow copy.
func (s *Struct) Clone() *Struct {
	c := &Struct{vals: make(map[string]any, s.Len())}
	if s == nil {
		return c
	}
	for _, k := range s.keys {
		c.Set(k, s.vals[k])
	}
	return c
}
