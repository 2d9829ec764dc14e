package fakeodoo

import (
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strings"

	"github.com/odoo-afterpay/bridge/odoo/fakeodoo/internal/wire"
)

// ir.ui.view: the fake stores views, combines a primary view with its
// extensions as Odoo does (xpath and element specs; positions inside, after,
// before, replace and attributes), validates the combined arch on every
// create and write (an element that cannot be located, a field the model
// does not have) and answers get_views with the combined arch.

// baseView is one of Odoo's own primary views, reduced to the elements
// extensions anchor on, under its external id.
type baseView struct {
	xmlid, name, model, arch string
}

var baseViews = []baseView{
	{"sale.view_order_form", "sale.order.form", "sale.order", `<form string="Sales Order" class="o_sale_order">
    <header>
        <field name="state" widget="statusbar" statusbar_visible="draft,sent,sale"/>
    </header>
    <sheet>
        <div class="oe_title">
            <h1><field name="name" readonly="1"/></h1>
        </div>
        <group name="sale_header">
            <group name="partner_details">
                <field name="partner_id" widget="res_partner_many2one"/>
                <field name="partner_invoice_id"/>
                <field name="partner_shipping_id"/>
            </group>
            <group name="order_details">
                <field name="date_order"/>
                <field name="payment_term_id"/>
            </group>
        </group>
        <notebook>
            <page string="Order Lines" name="order_lines">
                <field name="order_line" widget="sol_o2m"/>
                <group name="note_group" col="6">
                    <field name="amount_untaxed"/>
                    <field name="amount_tax"/>
                    <field name="amount_total"/>
                </group>
            </page>
            <page string="Other Info" name="other_information">
                <group>
                    <group name="sales_person" string="Sales">
                        <field name="user_id"/>
                        <field name="team_id"/>
                        <field name="client_order_ref"/>
                    </group>
                </group>
            </page>
        </notebook>
    </sheet>
    <chatter/>
</form>`},
	{"account.view_move_form", "account.move.form", "account.move", `<form string="Account Entry" js_class="account_move_form">
    <header>
        <field name="state" widget="statusbar" statusbar_visible="draft,posted"/>
    </header>
    <sheet>
        <div class="oe_title">
            <h1><field name="name" readonly="state != 'draft'"/></h1>
        </div>
        <group>
            <group id="header_left_group">
                <field name="partner_id" widget="res_partner_many2one"/>
            </group>
            <group id="header_right_group">
                <field name="invoice_date"/>
                <field name="journal_id"/>
            </group>
        </group>
        <notebook>
            <page id="invoice_tab" name="invoice_tab" string="Invoice Lines">
                <field name="invoice_line_ids"/>
            </page>
            <page id="other_tab" string="Other Info" name="other_info">
                <group id="other_tab_group">
                    <group string="Invoice" name="sale_info_group">
                        <field name="ref" nolabel="1"/>
                        <field name="payment_reference"/>
                    </group>
                </group>
            </page>
        </notebook>
    </sheet>
    <chatter/>
</form>`},
}

var viewTypes = sel("list", "List", "form", "Form", "graph", "Graph", "pivot", "Pivot", "calendar", "Calendar",
	"gantt", "Gantt", "kanban", "Kanban", "search", "Search", "qweb", "QWeb")

func irUIViewModel() *model {
	b := newModel("ir.ui.view", "View")
	b.m.order = "priority, name, id"
	b.char("name", "View Name", notNull)
	b.char("model", "Model")
	b.char("key", "Key")
	b.integer("priority", "Sequence", notNull)
	b.selection("type", "View Type", viewTypes)
	b.text("arch_db", "Arch Blob")
	b.text("arch", "View Architecture", computed(func(t *tx, id int64) (any, error) {
		return t.rec("ir.ui.view", id)["arch_db"], nil
	}))
	b.m.fields["arch"].readonly = false
	b.char("arch_fs", "Arch Filename")
	b.many2one("inherit_id", "Inherited View", "ir.ui.view")
	b.one2many("inherit_children_ids", "Views which inherit from this one", "ir.ui.view", "inherit_id")
	b.selection("mode", "View inheritance mode", sel("primary", "Base view", "extension", "Extension View"), notNull)
	b.boolean("active", "Active")
	b.char("xml_id", "External ID", computed(func(t *tx, id int64) (any, error) {
		if x := t.xmlIDOf("ir.ui.view", id); x != "" {
			return x, nil
		}
		return nil, nil
	}))
	// arch is what callers write; it is stored in arch_db.
	b.m.prepareCreate = func(t *tx, vals *wire.Struct) error {
		moveArch(vals)
		return nil
	}
	b.m.defaults = func(t *tx, vals *wire.Struct) error {
		parent := intOf(vals.Value("inherit_id"))
		if !vals.Has("mode") {
			mode := "primary"
			if parent != 0 {
				mode = "extension"
			}
			vals.Set("mode", mode)
		}
		if !vals.Has("priority") {
			vals.Set("priority", int64(16))
		}
		if !vals.Has("active") {
			vals.Set("active", true)
		}
		if !vals.Has("model") && parent != 0 {
			vals.Set("model", t.rec("ir.ui.view", parent)["model"])
		}
		if !vals.Has("type") {
			typ := any(false)
			if parent != 0 {
				typ = t.rec("ir.ui.view", parent)["type"]
			} else if root, err := parseArch(str(vals.Value("arch_db"))); err == nil && root != nil {
				typ = root.tag
			}
			vals.Set("type", typ)
		}
		return nil
	}
	b.m.afterCreate = func(t *tx, id int64, _ *wire.Struct) error { return t.checkView(id) }
	b.m.beforeWrite = func(t *tx, ids []int64, vals *wire.Struct) error {
		moveArch(vals)
		return nil
	}
	b.m.afterWrite = func(t *tx, ids []int64, vals *wire.Struct) error {
		for _, id := range ids {
			if err := t.checkView(id); err != nil {
				return err
			}
		}
		return nil
	}
	return b.finish()
}

// moveArch turns a written arch into arch_db.
func moveArch(vals *wire.Struct) {
	if v, ok := vals.Get("arch"); ok {
		vals.Set("arch_db", v)
		vals.Delete("arch")
	}
}

// xmlIDOf returns the first external id of a record, or "".
func (t *tx) xmlIDOf(modelName string, id int64) string {
	ids, _ := t.search("ir.model.data", []any{[]any{"model", "=", modelName}, []any{"res_id", "=", id}}, searchOpts{limit: 1})
	if len(ids) == 0 {
		return ""
	}
	r := t.rec("ir.model.data", ids[0])
	return str(r["module"]) + "." + str(r["name"])
}

// installBaseViews creates the primary views of baseViews whose external id
// does not exist yet.
func (t *tx) installBaseViews() error {
	for _, v := range baseViews {
		module, name, _ := strings.Cut(v.xmlid, ".")
		found, err := t.search("ir.model.data", []any{[]any{"module", "=", module}, []any{"name", "=", name}}, searchOpts{limit: 1})
		if err != nil {
			return err
		}
		if len(found) > 0 || t.model(v.model) == nil {
			continue
		}
		id, err := t.create("ir.ui.view", wire.NewStruct("name", v.name, "model", v.model, "type", "form",
			"mode", "primary", "priority", int64(16), "arch", v.arch))
		if err != nil {
			return fmt.Errorf("view %s: %w", v.xmlid, err)
		}
		if err := t.setXMLID(v.xmlid, "ir.ui.view", id); err != nil {
			return err
		}
	}
	return nil
}

// checkView validates the combined arch of the primary view id belongs to,
// as ir.ui.view._check_xml does after every create and write.
func (t *tx) checkView(id int64) error {
	root := t.rootView(id)
	if root == 0 || t.rec("ir.ui.view", id)["active"] == false {
		return nil
	}
	_, err := t.combinedArch(root)
	return err
}

// rootView follows inherit_id from an extension to its primary view.
func (t *tx) rootView(id int64) int64 {
	for range 64 {
		r := t.rec("ir.ui.view", id)
		if r == nil {
			return 0
		}
		parent := idOf(r["inherit_id"])
		if str(r["mode"]) == "primary" || parent == 0 {
			return id
		}
		id = parent
	}
	return 0
}

// combinedArch applies the active extensions of primary view root (and
// theirs, depth first, by priority then id) and validates the result
// against the view's model.
func (t *tx) combinedArch(root int64) (*xmlNode, error) {
	r := t.rec("ir.ui.view", root)
	tree, err := parseArch(str(r["arch_db"]))
	if err != nil {
		return nil, validationErrorf("Invalid view %s definition in %s: %v", str(r["name"]), str(r["model"]), err)
	}
	if tree == nil {
		return nil, validationErrorf("Invalid view %s definition: empty arch", str(r["name"]))
	}
	var apply func(parent int64) error
	apply = func(parent int64) error {
		for _, child := range t.inheritingViews(parent) {
			cr := t.rec("ir.ui.view", child)
			specs, err := parseArch(str(cr["arch_db"]))
			if err != nil {
				return validationErrorf("Error while parsing or validating view:\n\n%v", err)
			}
			if err := applySpecs(tree, specs); err != nil {
				return err
			}
			if err := apply(child); err != nil {
				return err
			}
		}
		return nil
	}
	if err := apply(root); err != nil {
		return nil, err
	}
	if m := t.model(str(r["model"])); m != nil {
		if err := checkArchFields(tree, m); err != nil {
			return nil, err
		}
	}
	return tree, nil
}

// inheritingViews returns the active extension views of parent in the
// order Odoo applies them.
func (t *tx) inheritingViews(parent int64) []int64 {
	var out []int64
	for _, id := range t.allIDs("ir.ui.view") {
		r := t.rec("ir.ui.view", id)
		if idOf(r["inherit_id"]) == parent && str(r["mode"]) == "extension" && r["active"] != false {
			out = append(out, id)
		}
	}
	slices.SortFunc(out, func(a, b int64) int {
		pa, pb := intOf(t.rec("ir.ui.view", a)["priority"]), intOf(t.rec("ir.ui.view", b)["priority"])
		if pa != pb {
			return int(pa - pb)
		}
		return int(a - b)
	})
	return out
}

// checkArchFields refuses a field element (outside a sub-view) that names
// a field the model does not have.
func checkArchFields(n *xmlNode, m *model) error {
	if n.tag == "field" {
		if name := n.attr("name"); name != "" && !m.hasField(name) {
			return validationErrorf("Error while validating view near:\n\n%s\n\nField %q does not exist in model %q",
				n.render(), name, m.name)
		}
		return nil // a field's own sub-views belong to its comodel
	}
	for _, c := range n.children {
		if c.tag != "" {
			if err := checkArchFields(c, m); err != nil {
				return err
			}
		}
	}
	return nil
}

// applySpecs applies the inheritance specs of an extension's arch: the
// children of a <data> root, or the root itself.
func applySpecs(tree, specs *xmlNode) error {
	if specs == nil {
		return nil
	}
	list := []*xmlNode{specs}
	if specs.tag == "data" {
		list = nil
		for _, c := range specs.children {
			if c.tag != "" {
				list = append(list, c)
			}
		}
	}
	for _, spec := range list {
		var target *xmlNode
		if spec.tag == "xpath" {
			steps, err := parseXPath(spec.attr("expr"))
			if err != nil {
				return validationErrorf("Error while parsing or validating view:\n\nInvalid expression while parsing xpath %q", spec.attr("expr"))
			}
			target = locateXPath(tree, steps)
		} else {
			target = locateSpec(tree, spec)
		}
		if target == nil {
			return validationErrorf("Error while parsing or validating view:\n\nElement '%s' cannot be located in parent view", spec.openTag())
		}
		if err := applySpec(target, spec); err != nil {
			return err
		}
	}
	return nil
}

func applySpec(target, spec *xmlNode) error {
	content := cloneNodes(spec.children)
	position := spec.attr("position")
	if position == "" {
		position = "inside"
	}
	parent := target.parent
	switch position {
	case "inside":
		for _, c := range content {
			c.parent = target
		}
		target.children = append(target.children, content...)
	case "after", "before", "replace":
		if parent == nil {
			if position == "replace" && len(content) == 1 {
				*target = *content[0]
				target.parent = nil
				return nil
			}
			return validationErrorf("Error while parsing or validating view:\n\nInvalid position %q on the root element", position)
		}
		i := slices.Index(parent.children, target)
		for _, c := range content {
			c.parent = parent
		}
		switch position {
		case "after":
			parent.children = slices.Insert(parent.children, i+1, content...)
		case "before":
			parent.children = slices.Insert(parent.children, i, content...)
		default:
			parent.children = slices.Replace(parent.children, i, i+1, content...)
		}
	case "attributes":
		for _, a := range spec.children {
			if a.tag != "attribute" {
				continue
			}
			name, value := a.attr("name"), a.text()
			if value == "" {
				target.delAttr(name)
			} else {
				target.setAttr(name, value)
			}
		}
	default:
		return validationErrorf("Error while parsing or validating view:\n\nInvalid position attribute: '%s'", position)
	}
	return nil
}

// locateSpec finds the first element with the spec's tag and all its
// attributes but position (Odoo's locate_node for element specs).
func locateSpec(tree, spec *xmlNode) *xmlNode {
	var found *xmlNode
	tree.walk(func(n *xmlNode) bool {
		if n.tag != spec.tag {
			return true
		}
		for _, a := range spec.attrs {
			if a.Name.Local == "position" || a.Name.Local == "version" {
				continue
			}
			if n.attr(a.Name.Local) != a.Value {
				return true
			}
		}
		found = n
		return false
	})
	return found
}

// xpathStep is one step of the XPath subset views use: an axis (child or
// descendant), a tag (or *), attribute equality predicates and an optional
// 1-based position.
type xpathStep struct {
	descendant bool
	tag        string
	attrs      [][2]string
	index      int
	parent     bool // ".."
}

var (
	xpathStepRx = regexp.MustCompile(`^(\*|\.\.|[A-Za-z_][\w.-]*)((?:\[[^\]]*\])*)$`)
	xpathPredRx = regexp.MustCompile(`\[\s*(?:@([\w.-]+)\s*=\s*(?:'([^']*)'|"([^"]*)")|(\d+))\s*\]`)
)

func parseXPath(expr string) ([]xpathStep, error) {
	expr = strings.TrimSpace(expr)
	if expr == "" {
		return nil, errors.New("empty xpath")
	}
	var steps []xpathStep
	rest := expr
	for rest != "" {
		var st xpathStep
		switch {
		case strings.HasPrefix(rest, "//"):
			st.descendant, rest = true, rest[2:]
		case strings.HasPrefix(rest, "/"):
			rest = rest[1:]
		case len(steps) > 0:
			return nil, fmt.Errorf("bad xpath %q", expr)
		}
		end := len(rest)
		depth := 0
		for i, r := range rest {
			if r == '[' {
				depth++
			} else if r == ']' {
				depth--
			} else if r == '/' && depth == 0 {
				end = i
				break
			}
		}
		part := rest[:end]
		rest = rest[end:]
		m := xpathStepRx.FindStringSubmatch(part)
		if m == nil {
			return nil, fmt.Errorf("bad xpath step %q", part)
		}
		st.tag = m[1]
		if st.tag == ".." {
			st.parent = true
		}
		preds := m[2]
		for _, p := range xpathPredRx.FindAllStringSubmatch(preds, -1) {
			if p[4] != "" {
				fmt.Sscan(p[4], &st.index)
				continue
			}
			v := p[2]
			if v == "" {
				v = p[3]
			}
			st.attrs = append(st.attrs, [2]string{p[1], v})
		}
		if strings.Count(preds, "[") != len(xpathPredRx.FindAllString(preds, -1)) {
			return nil, fmt.Errorf("unsupported predicate in %q", part)
		}
		steps = append(steps, st)
	}
	return steps, nil
}

// locateXPath evaluates steps from the document (whose root element is
// tree) and returns the first match.
func locateXPath(tree *xmlNode, steps []xpathStep) *xmlNode {
	doc := &xmlNode{children: []*xmlNode{tree}}
	current := []*xmlNode{doc}
	for _, st := range steps {
		var next []*xmlNode
		for _, n := range current {
			if st.parent {
				if n.parent != nil {
					next = append(next, n.parent)
				} else if n != doc {
					next = append(next, doc)
				}
				continue
			}
			var candidates []*xmlNode
			if st.descendant {
				for _, c := range n.children {
					c.walk(func(d *xmlNode) bool { candidates = append(candidates, d); return true })
				}
			} else {
				for _, c := range n.children {
					if c.tag != "" {
						candidates = append(candidates, c)
					}
				}
			}
			k := 0
			for _, c := range candidates {
				if st.tag != "*" && c.tag != st.tag {
					continue
				}
				ok := true
				for _, a := range st.attrs {
					if v, has := c.lookupAttr(a[0]); !has || v != a[1] {
						ok = false
						break
					}
				}
				if !ok {
					continue
				}
				k++
				if st.index == 0 || st.index == k {
					next = append(next, c)
				}
			}
		}
		current = next
	}
	for _, n := range current {
		if n != doc && n.tag != "" {
			return n
		}
	}
	return nil
}

// xmlNode is an element (tag set) or a run of text (tag empty) of a view's
// arch.
type xmlNode struct {
	tag      string
	attrs    []xml.Attr
	children []*xmlNode
	parent   *xmlNode
	chars    string // text nodes only
}

func (n *xmlNode) lookupAttr(name string) (string, bool) {
	for _, a := range n.attrs {
		if a.Name.Local == name {
			return a.Value, true
		}
	}
	return "", false
}

func (n *xmlNode) attr(name string) string { v, _ := n.lookupAttr(name); return v }

func (n *xmlNode) setAttr(name, value string) {
	for i, a := range n.attrs {
		if a.Name.Local == name {
			n.attrs[i].Value = value
			return
		}
	}
	n.attrs = append(n.attrs, xml.Attr{Name: xml.Name{Local: name}, Value: value})
}

func (n *xmlNode) delAttr(name string) {
	n.attrs = slices.DeleteFunc(n.attrs, func(a xml.Attr) bool { return a.Name.Local == name })
}

// text is the element's own text content.
func (n *xmlNode) text() string {
	var b strings.Builder
	for _, c := range n.children {
		if c.tag == "" {
			b.WriteString(c.chars)
		}
	}
	return strings.TrimSpace(b.String())
}

// walk visits n and its descendant elements in document order until fn
// returns false.
func (n *xmlNode) walk(fn func(*xmlNode) bool) bool {
	if n.tag != "" && !fn(n) {
		return false
	}
	for _, c := range n.children {
		if !c.walk(fn) {
			return false
		}
	}
	return true
}

func cloneNodes(nodes []*xmlNode) []*xmlNode {
	out := make([]*xmlNode, 0, len(nodes))
	for _, c := range nodes {
		cp := &xmlNode{tag: c.tag, attrs: slices.Clone(c.attrs), chars: c.chars}
		cp.children = cloneNodes(c.children)
		for _, gc := range cp.children {
			gc.parent = cp
		}
		out = append(out, cp)
	}
	return out
}

// openTag renders `<tag a="v">` without the position attribute, as Odoo
// names a spec it cannot locate.
func (n *xmlNode) openTag() string {
	var b strings.Builder
	b.WriteString("<" + n.tag)
	for _, a := range n.attrs {
		if a.Name.Local == "position" {
			continue
		}
		b.WriteString(" " + a.Name.Local + `="` + escapeAttr(a.Value) + `"`)
	}
	b.WriteString(">")
	return b.String()
}

// render serialises the node and its content.
func (n *xmlNode) render() string {
	var b strings.Builder
	n.renderTo(&b)
	return b.String()
}

func (n *xmlNode) renderTo(b *strings.Builder) {
	if n.tag == "" {
		b.WriteString(textEscaper.Replace(n.chars))
		return
	}
	b.WriteString("<" + n.tag)
	for _, a := range n.attrs {
		b.WriteString(" " + a.Name.Local + `="` + escapeAttr(a.Value) + `"`)
	}
	if len(n.children) == 0 {
		b.WriteString("/>")
		return
	}
	b.WriteString(">")
	for _, c := range n.children {
		c.renderTo(b)
	}
	b.WriteString("</" + n.tag + ">")
}

var (
	textEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")
	attrEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;", "\n", "&#10;", "\t", "&#9;")
)

// escapeAttr escapes an attribute value as lxml serialises it.
func escapeAttr(s string) string { return attrEscaper.Replace(s) }

// parseArch parses a view's arch into its root element (nil for an empty
// arch).
func parseArch(arch string) (*xmlNode, error) {
	if strings.TrimSpace(arch) == "" {
		return nil, nil
	}
	dec := xml.NewDecoder(strings.NewReader(arch))
	doc := &xmlNode{}
	cur := doc
	for {
		tok, err := dec.RawToken()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, err
		}
		switch tk := tok.(type) {
		case xml.StartElement:
			el := &xmlNode{tag: tk.Name.Local, parent: cur}
			for _, a := range tk.Attr {
				el.attrs = append(el.attrs, xml.Attr{Name: xml.Name{Local: a.Name.Local}, Value: a.Value})
			}
			cur.children = append(cur.children, el)
			cur = el
		case xml.EndElement:
			if cur == doc || cur.tag != tk.Name.Local {
				return nil, fmt.Errorf("unexpected end tag </%s>", tk.Name.Local)
			}
			cur = cur.parent
		case xml.CharData:
			if cur != doc {
				cur.children = append(cur.children, &xmlNode{chars: string(tk), parent: cur})
			}
		}
	}
	if cur != doc {
		return nil, fmt.Errorf("unclosed element <%s>", cur.tag)
	}
	var roots []*xmlNode
	for _, c := range doc.children {
		if c.tag != "" {
			roots = append(roots, c)
		}
	}
	if len(roots) != 1 {
		return nil, fmt.Errorf("want one root element, got %d", len(roots))
	}
	roots[0].parent = nil
	return roots[0], nil
}

// methodGetViews is BaseModel.get_views(views, options): the combined arch
// of each requested (or default) view and the fields it shows.
func methodGetViews(c *call) (any, error) {
	a, err := c.bind(0, "views", "options")
	if err != nil {
		return nil, err
	}
	requested, ok := a.get(0).([]any)
	if !ok {
		return nil, typeErrorf("%s.get_views() missing 1 required positional argument: 'views'", pythonClass(c.m.name))
	}
	views := wire.NewStruct()
	fields := wire.NewStruct()
	for _, item := range requested {
		pair, ok := item.([]any)
		if !ok || len(pair) != 2 {
			return nil, valueErrorf("too many values to unpack (expected 2)")
		}
		typ, _ := pair[1].(string)
		id := intOf(pair[0])
		if id == 0 {
			id = c.t.defaultView(c.m.name, typ)
		}
		var tree *xmlNode
		if id != 0 {
			root := c.t.rootView(id)
			if tree, err = c.t.combinedArch(root); err != nil {
				return nil, err
			}
		} else {
			tree = &xmlNode{tag: typ}
			name := "display_name"
			if c.m.hasField("name") {
				name = "name"
			}
			tree.children = []*xmlNode{{tag: "field", attrs: []xml.Attr{{Name: xml.Name{Local: "name"}, Value: name}}, parent: tree}}
		}
		describeArchFields(tree, c.m, fields)
		views.Set(typ, wire.NewStruct("arch", tree.render(), "id", orFalse(id), "model", c.m.name))
	}
	return wire.NewStruct("models", wire.NewStruct(c.m.name, wire.NewStruct("fields", fields)), "views", views), nil
}

// describeArchFields describes the fields a view shows.
func describeArchFields(n *xmlNode, m *model, out *wire.Struct) {
	n.walk(func(el *xmlNode) bool {
		if el.tag == "field" {
			if f := m.field(el.attr("name")); f != nil && !out.Has(f.name) {
				out.Set(f.name, describeField(f, []string{"string", "type"}))
			}
		}
		return true
	})
}

// defaultView is the primary view of typ with the lowest priority, or 0.
func (t *tx) defaultView(modelName, typ string) int64 {
	best, bestPriority := int64(0), int64(0)
	for _, id := range t.allIDs("ir.ui.view") {
		r := t.rec("ir.ui.view", id)
		if str(r["model"]) != modelName || str(r["type"]) != typ || str(r["mode"]) != "primary" || r["active"] == false {
			continue
		}
		if p := intOf(r["priority"]); best == 0 || p < bestPriority || (p == bestPriority && id < best) {
			best, bestPriority = id, p
		}
	}
	return best
}
