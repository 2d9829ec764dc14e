package fakeodoo

import (
	"maps"
	"slices"
	"sort"

	"github.com/odoo-afterpay/bridge/odoo/fakeodoo/internal/wire"
)

// fieldType is an Odoo field type name as fields_get reports it.
type fieldType string

const (
	tChar      fieldType = "char"
	tText      fieldType = "text"
	tHTML      fieldType = "html"
	tInteger   fieldType = "integer"
	tFloat     fieldType = "float"
	tMonetary  fieldType = "monetary"
	tBoolean   fieldType = "boolean"
	tDate      fieldType = "date"
	tDatetime  fieldType = "datetime"
	tSelection fieldType = "selection"
	tMany2one  fieldType = "many2one"
	tOne2many  fieldType = "one2many"
	tMany2many fieldType = "many2many"
	tBinary    fieldType = "binary"
	tJSON      fieldType = "json"
	tReference fieldType = "reference"
)

func (t fieldType) numeric() bool { return t == tFloat || t == tMonetary }
func (t fieldType) x2many() bool  { return t == tOne2many || t == tMany2many }
func (t fieldType) relational() bool {
	return t == tMany2one || t == tOne2many || t == tMany2many
}

type selOption struct{ value, label string }

// computeFunc computes a non-stored field's internal value at read time.
type computeFunc func(t *tx, id int64) (any, error)

// field is one field of a model: its fields_get description plus how the
// fake stores or computes it.
type field struct {
	name      string
	typ       fieldType
	label     string // fields_get "string"
	relation  string
	selection []selOption
	required  bool // fields_get attribute
	readonly  bool
	store     bool
	help      string
	// notNull makes create fail like PostgreSQL's NOT NULL constraint.
	notNull bool
	// inverse is a one2many's many2one on the comodel.
	inverse string
	// m2mOwner names the comodel field that stores a many2many seen from the
	// other side (sale.order.transaction_ids ← payment.transaction.sale_order_ids).
	m2mOwner string
	// related follows a path of fields ("provider_id", "code").
	related []string
	compute computeFunc
	// manual marks an x_ field created through ir.model.fields.
	manual bool
	// seeded marks a field known only from a seed's fields_get.
	seeded bool
	// storeShown, when set, is the store attribute fields_get reports
	// (the seed's), for fields the fake computes but Odoo stores.
	storeShown *bool
	// indexed asks for an equality index on a char, selection or integer
	// field (index=True in Odoo); many2one and many2many fields always
	// have one (see indexSpec).
	indexed bool
}

func (f *field) clone() *field {
	c := *f
	c.selection = slices.Clone(f.selection)
	c.related = slices.Clone(f.related)
	return &c
}

func (f *field) hasSelection(v string) bool {
	for _, o := range f.selection {
		if o.value == v {
			return true
		}
	}
	return false
}

// methodFunc implements an RPC-callable model method.
type methodFunc func(c *call) (any, error)

// model is one Odoo model: its schema, ordering, display name and behaviour.
type model struct {
	name        string
	description string
	order       string
	transient   bool
	mailThread  bool
	fields      map[string]*field
	fieldOrder  []string
	methods     map[string]methodFunc
	// displayName computes display_name; nil uses the stored display_name,
	// then the name field.
	displayName func(t *tx, id int64) string
	// prepareCreate runs before field validation (sale.order takes its name
	// from the sequence there, so a failing create still uses a number).
	prepareCreate func(t *tx, vals *wire.Struct) error
	// defaults fills missing values before the record is inserted.
	defaults func(t *tx, vals *wire.Struct) error
	// afterCreate runs once the record and its x2many lines exist.
	afterCreate func(t *tx, id int64, vals *wire.Struct) error
	// beforeWrite checks a write before it is applied.
	beforeWrite func(t *tx, ids []int64, vals *wire.Struct) error
	// afterWrite recomputes what depends on the written values.
	afterWrite func(t *tx, ids []int64, vals *wire.Struct) error
	// beforeUnlink refuses or cascades a deletion.
	beforeUnlink func(t *tx, ids []int64) error
	// afterUnlink recomputes parents once records are gone.
	afterUnlink func(t *tx, ids []int64, parents map[int64]int64) error
	// unlinkParent names the many2one whose target afterUnlink gets.
	unlinkParent string
	// buildChildren creates x2many children with line hooks silenced, so
	// afterCreate computes the document once (account.move).
	buildChildren bool
	// composites are indexes on keys computed from several fields.
	composites []compositeIndex
}

func (m *model) field(name string) *field { return m.fields[name] }

func (m *model) hasField(name string) bool { _, ok := m.fields[name]; return ok }

func (m *model) clone() *model {
	c := *m
	c.fields = make(map[string]*field, len(m.fields))
	for k, f := range m.fields {
		c.fields[k] = f.clone()
	}
	c.fieldOrder = slices.Clone(m.fieldOrder)
	c.methods = maps.Clone(m.methods)
	c.composites = slices.Clone(m.composites)
	return &c
}

// addField appends f, or replaces a field of the same name in place.
func (m *model) addField(f *field) *field {
	if _, ok := m.fields[f.name]; !ok {
		m.fieldOrder = append(m.fieldOrder, f.name)
	}
	m.fields[f.name] = f
	return f
}

func (m *model) removeField(name string) {
	if _, ok := m.fields[name]; !ok {
		return
	}
	delete(m.fields, name)
	m.fieldOrder = slices.DeleteFunc(m.fieldOrder, func(n string) bool { return n == name })
}

// orderedFields returns the fields in definition order.
func (m *model) orderedFields() []*field {
	out := make([]*field, 0, len(m.fieldOrder))
	for _, n := range m.fieldOrder {
		out = append(out, m.fields[n])
	}
	return out
}

// registry is the set of models of one database. It is immutable once
// published in a dbState; changes (seed merges, manual fields) clone it.
type registry struct {
	models map[string]*model
}

func (r *registry) model(name string) *model { return r.models[name] }

func (r *registry) clone() *registry {
	return &registry{models: maps.Clone(r.models)}
}

// withModel returns a registry copy in which name can be changed freely.
func (r *registry) withModel(name string) (*registry, *model) {
	c := r.clone()
	m := c.models[name].clone()
	c.models[name] = m
	return c, m
}

func (r *registry) names() []string {
	out := make([]string, 0, len(r.models))
	for n := range r.models {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// --- schema DSL ---------------------------------------------------------

// fopt adjusts a field being declared.
type fopt func(*field)

func required(f *field) { f.required = true }
func readonly(f *field) { f.readonly = true }

// notNull marks a NOT NULL column (create fails without a value).
func notNull(f *field) { f.required = true; f.notNull = true }

func computed(fn computeFunc) fopt {
	return func(f *field) { f.compute = fn; f.store = false; f.readonly = true }
}

// storedCompute marks a field the fake keeps up to date itself.
func storedCompute(f *field) { f.readonly = true }

func relatedTo(path ...string) fopt {
	return func(f *field) { f.related = path; f.store = false; f.readonly = true }
}

func help(text string) fopt { return func(f *field) { f.help = text } }

// indexed gives the field an equality index: searches with an "=" or "in"
// leaf on it, and lookups through idsWith, no longer scan the model.
func indexed(f *field) { f.indexed = true }

type modelBuilder struct {
	m *model
}

func newModel(name, description string) *modelBuilder {
	m := &model{
		name:        name,
		description: description,
		order:       "id",
		fields:      map[string]*field{},
		methods:     map[string]methodFunc{},
	}
	b := &modelBuilder{m: m}
	b.field("id", tInteger, "ID", "", readonly)
	return b
}

func (b *modelBuilder) field(name string, typ fieldType, label, relation string, opts ...fopt) *field {
	f := &field{name: name, typ: typ, label: label, relation: relation, store: true}
	for _, o := range opts {
		o(f)
	}
	if typ == tOne2many || f.m2mOwner != "" {
		f.store = false
	}
	return b.m.addField(f)
}

func (b *modelBuilder) char(name, label string, opts ...fopt) *field {
	return b.field(name, tChar, label, "", opts...)
}
func (b *modelBuilder) text(name, label string, opts ...fopt) *field {
	return b.field(name, tText, label, "", opts...)
}
func (b *modelBuilder) html(name, label string, opts ...fopt) *field {
	return b.field(name, tHTML, label, "", opts...)
}
func (b *modelBuilder) integer(name, label string, opts ...fopt) *field {
	return b.field(name, tInteger, label, "", opts...)
}
func (b *modelBuilder) float(name, label string, opts ...fopt) *field {
	return b.field(name, tFloat, label, "", opts...)
}
func (b *modelBuilder) monetary(name, label string, opts ...fopt) *field {
	return b.field(name, tMonetary, label, "", opts...)
}
func (b *modelBuilder) boolean(name, label string, opts ...fopt) *field {
	return b.field(name, tBoolean, label, "", opts...)
}
func (b *modelBuilder) date(name, label string, opts ...fopt) *field {
	return b.field(name, tDate, label, "", opts...)
}
func (b *modelBuilder) datetime(name, label string, opts ...fopt) *field {
	return b.field(name, tDatetime, label, "", opts...)
}
func (b *modelBuilder) many2one(name, label, relation string, opts ...fopt) *field {
	return b.field(name, tMany2one, label, relation, opts...)
}
func (b *modelBuilder) one2many(name, label, relation, inverse string, opts ...fopt) *field {
	f := b.field(name, tOne2many, label, relation, opts...)
	f.inverse = inverse
	f.store = false
	return f
}
func (b *modelBuilder) many2many(name, label, relation string, opts ...fopt) *field {
	return b.field(name, tMany2many, label, relation, opts...)
}

// many2manyInverse declares the other side of a many2many stored on relation.owner.
func (b *modelBuilder) many2manyInverse(name, label, relation, owner string, opts ...fopt) *field {
	f := b.field(name, tMany2many, label, relation, opts...)
	f.m2mOwner = owner
	f.store = false
	return f
}

func (b *modelBuilder) selection(name, label string, options []selOption, opts ...fopt) *field {
	f := b.field(name, tSelection, label, "", opts...)
	f.selection = options
	return f
}

// sel builds selection options from value/label pairs.
func sel(pairs ...string) []selOption {
	out := make([]selOption, 0, len(pairs)/2)
	for i := 0; i+1 < len(pairs); i += 2 {
		out = append(out, selOption{value: pairs[i], label: pairs[i+1]})
	}
	return out
}

func (b *modelBuilder) method(name string, fn methodFunc) { b.m.methods[name] = fn }

// finish adds the magic fields every model has and returns the model.
func (b *modelBuilder) finish() *model {
	m := b.m
	if !m.hasField("display_name") {
		b.char("display_name", "Display Name", computed(nil))
	}
	if !m.hasField("create_uid") {
		b.many2one("create_uid", "Created by", "res.users", readonly)
	}
	if !m.hasField("create_date") {
		b.datetime("create_date", "Created on", readonly)
	}
	if !m.hasField("write_uid") {
		b.many2one("write_uid", "Last Updated by", "res.users", readonly)
	}
	if !m.hasField("write_date") {
		b.datetime("write_date", "Last Updated on", readonly)
	}
	if m.mailThread {
		if !m.hasField("message_ids") {
			b.field("message_ids", tOne2many, "Messages", "mail.message", computed(threadMessages(m.name)))
		}
		if !m.hasField("activity_ids") {
			b.field("activity_ids", tOne2many, "Activities", "mail.activity", computed(threadActivities(m.name)))
		}
	}
	return m
}
