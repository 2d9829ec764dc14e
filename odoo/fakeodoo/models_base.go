package fakeodoo

import (
	"fmt"
	"slices"
	"strings"

	"github.com/odoo-afterpay/bridge/odoo/fakeodoo/internal/wire"
)

// builtinRegistry declares every model the fake implements. Seeds add the
// fields they know on top (LoadSeed), but behaviour lives here.
func builtinRegistry() *registry {
	r := &registry{models: map[string]*model{}}
	add := func(m *model) { r.models[m.name] = m }
	for _, m := range baseModels() {
		add(m)
	}
	for _, m := range productModels() {
		add(m)
	}
	for _, m := range accountModels() {
		add(m)
	}
	for _, m := range saleModels() {
		add(m)
	}
	for _, m := range paymentModels() {
		add(m)
	}
	for _, m := range mailModels() {
		add(m)
	}
	for _, m := range automationModels() {
		add(m)
	}
	for _, m := range stockModels() {
		add(m)
	}
	return r
}

func baseModels() []*model {
	return []*model{
		companyModel(), partnerModel(), countryModel(), countryStateModel(), currencyModel(),
		usersModel(), groupsModel(), irModelModel(), irModelFieldsModel(), irModelFieldsSelectionModel(),
		irModelDataModel(), irSequenceModel(), irCronModel(), apiKeyDescriptionModel(), irUIViewModel(),
	}
}

func companyModel() *model {
	b := newModel("res.company", "Companies")
	b.m.order = "sequence, name"
	b.char("name", "Company Name", notNull)
	b.boolean("active", "Active")
	b.integer("sequence", "Sequence")
	b.many2one("partner_id", "Partner", "res.partner")
	b.many2one("currency_id", "Currency", "res.currency", required)
	b.char("email", "Email")
	b.char("phone", "Phone")
	b.char("street", "Street")
	b.char("city", "City")
	b.char("zip", "Zip")
	b.many2one("state_id", "Fed. State", "res.country.state")
	b.many2one("country_id", "Country", "res.country")
	b.many2one("account_sale_tax_id", "Default Sale Tax", "account.tax")
	// stock_sms: the one-time question before the first SMS confirmation.
	b.boolean("stock_move_sms_validation", "SMS Validation with stock move")
	b.boolean("has_received_warning_stock_sms", "Has Received Warning Stock SMS")
	return b.finish()
}

var partnerTypes = sel("contact", "Contact", "invoice", "Invoice Address", "delivery", "Delivery Address", "other", "Other Address")

func partnerModel() *model {
	b := newModel("res.partner", "Contact")
	b.m.order = "complete_name ASC, id DESC"
	b.m.mailThread = true
	b.char("name", "Name")
	b.char("complete_name", "Complete Name", storedCompute)
	b.many2one("parent_id", "Related Company", "res.partner")
	b.one2many("child_ids", "Contact", "res.partner", "parent_id")
	b.boolean("is_company", "Is a Company")
	b.char("company_name", "Company Name")
	b.char("commercial_company_name", "Company Name Entity", computed(func(t *tx, id int64) (any, error) {
		if n := commercialCompanyName(t, id); n != "" {
			return n, nil
		}
		return nil, nil
	}))
	b.many2one("commercial_partner_id", "Commercial Entity", "res.partner", computed(func(t *tx, id int64) (any, error) {
		return commercialPartner(t, id), nil
	}))
	b.selection("type", "Address Type", partnerTypes)
	b.char("ref", "Reference")
	b.char("email", "Email")
	b.char("phone", "Phone")
	b.char("mobile", "Mobile")
	b.char("street", "Street")
	b.char("street2", "Street2")
	b.char("city", "City")
	b.many2one("state_id", "State", "res.country.state")
	b.char("zip", "Zip")
	b.many2one("country_id", "Country", "res.country")
	b.char("country_code", "Country Code", relatedTo("country_id", "code"))
	b.char("vat", "Tax ID")
	b.char("lang", "Language")
	b.char("tz", "Timezone")
	b.boolean("active", "Active")
	b.many2one("company_id", "Company", "res.company")
	b.many2one("user_id", "Salesperson", "res.users")
	b.many2one("property_payment_term_id", "Customer Payment Terms", "account.payment.term")
	b.text("comment", "Notes")
	b.m.displayName = partnerDisplayName
	b.m.defaults = func(t *tx, vals *wire.Struct) error {
		if !vals.Has("type") {
			vals.Set("type", "contact")
		}
		if !vals.Has("lang") {
			vals.Set("lang", "en_US")
		}
		return nil
	}
	b.m.afterCreate = func(t *tx, id int64, _ *wire.Struct) error { return refreshCompleteName(t, id) }
	b.m.beforeWrite = func(t *tx, ids []int64, vals *wire.Struct) error {
		parent, ok := vals.Get("parent_id")
		if !ok {
			return nil
		}
		p := intOf(parent)
		for _, id := range ids {
			for cur, n := p, 0; cur != 0 && n < 64; n++ {
				if cur == id {
					return validationErrorf("You cannot create recursive Partner hierarchies.")
				}
				cur = idOf(t.rec("res.partner", cur)["parent_id"])
			}
		}
		return nil
	}
	b.m.afterWrite = func(t *tx, ids []int64, vals *wire.Struct) error {
		if !vals.Has("name") && !vals.Has("parent_id") && !vals.Has("is_company") && !vals.Has("company_name") {
			return nil
		}
		for _, id := range ids {
			if err := refreshCompleteName(t, id); err != nil {
				return err
			}
		}
		return nil
	}
	return b.finish()
}

func refreshCompleteName(t *tx, id int64) error {
	r, err := t.mut("res.partner", id)
	if err != nil || r == nil {
		return err
	}
	delete(r, "display_name")
	r["complete_name"] = partnerDisplayName(t, id)
	return nil
}

// commercialPartner is the closest company ancestor, else the top ancestor.
func commercialPartner(t *tx, id int64) int64 {
	cur := id
	for n := 0; n < 64; n++ {
		r := t.rec("res.partner", cur)
		if r == nil {
			return id
		}
		if boolOf(r["is_company"]) {
			return cur
		}
		parent := idOf(r["parent_id"])
		if parent == 0 {
			return cur
		}
		cur = parent
	}
	return cur
}

func commercialCompanyName(t *tx, id int64) string {
	cp := commercialPartner(t, id)
	if r := t.rec("res.partner", cp); r != nil && boolOf(r["is_company"]) {
		return str(r["name"])
	}
	return str(t.rec("res.partner", id)["company_name"])
}

// partnerDisplayName is res.partner._get_complete_name: "Company, Contact".
func partnerDisplayName(t *tx, id int64) string {
	r := t.rec("res.partner", id)
	name := str(r["name"])
	parent := idOf(r["parent_id"])
	if name == "" {
		for _, o := range partnerTypes {
			if o.value == str(r["type"]) && o.value != "contact" {
				name = o.label
			}
		}
	}
	if (str(r["company_name"]) != "" || parent != 0) && !boolOf(r["is_company"]) {
		company := commercialCompanyName(t, id)
		if company == "" && parent != 0 {
			company = str(t.rec("res.partner", parent)["name"])
		}
		if company != "" {
			name = company + ", " + name
		}
	}
	return name
}

func countryModel() *model {
	b := newModel("res.country", "Country")
	b.m.order = "name"
	b.char("name", "Country Name", notNull)
	b.char("code", "Country Code")
	return b.finish()
}

func countryStateModel() *model {
	b := newModel("res.country.state", "Country state")
	b.m.order = "code"
	b.many2one("country_id", "Country", "res.country", notNull)
	b.char("name", "State Name", notNull)
	b.char("code", "State Code", notNull)
	b.m.displayName = func(t *tx, id int64) string {
		r := t.rec("res.country.state", id)
		code := str(t.get("res.country", idOf(r["country_id"]), "code"))
		return fmt.Sprintf("%s (%s)", str(r["name"]), code)
	}
	return b.finish()
}

func currencyModel() *model {
	b := newModel("res.currency", "Currency")
	b.m.order = "active desc, name"
	b.char("name", "Currency", notNull, indexed)
	b.char("full_name", "Name")
	b.char("symbol", "Symbol")
	b.float("rounding", "Rounding Factor")
	b.integer("decimal_places", "decimal Places")
	b.boolean("active", "Active")
	b.selection("position", "Symbol Position", sel("after", "After Amount", "before", "Before Amount"))
	return b.finish()
}

// currencyPlaces is the currency's decimal places (2 when unknown).
func currencyPlaces(t *tx, currencyID int64) int {
	if r := t.rec("res.currency", currencyID); r != nil {
		if n, ok := r["decimal_places"].(int64); ok {
			return int(n)
		}
	}
	return 2
}

func usersModel() *model {
	b := newModel("res.users", "User")
	b.m.order = "name, login"
	b.char("login", "Login", notNull)
	b.char("name", "Name")
	b.many2one("partner_id", "Related Partner", "res.partner")
	b.boolean("active", "Active")
	b.boolean("share", "Share User")
	b.many2one("company_id", "Company", "res.company")
	b.many2many("company_ids", "Companies", "res.company")
	b.many2many("groups_id", "Groups", "res.groups")
	b.char("tz", "Timezone")
	b.char("lang", "Language")
	b.char("email", "Email")
	b.method("has_group", func(c *call) (any, error) {
		ids, err := c.ids()
		if err != nil {
			return nil, err
		}
		a, err := c.bind(1, "group_ext_id")
		if err != nil {
			return nil, err
		}
		xmlid, _ := a.get(0).(string)
		uid := c.t.uid
		if len(ids) == 1 {
			uid = ids[0]
		}
		_, gid, ok := c.t.xmlid(xmlid)
		if !ok {
			return false, nil
		}
		return slices.Contains(idsOf(c.t.rec("res.users", uid)["groups_id"]), gid), nil
	})
	return b.finish()
}

func groupsModel() *model {
	b := newModel("res.groups", "Access Groups")
	b.m.order = "name"
	b.char("name", "Name", notNull)
	b.char("full_name", "Group Name")
	b.many2many("users", "Users", "res.users")
	b.many2many("implied_ids", "Inherits", "res.groups")
	b.boolean("share", "Share Group")
	b.m.displayName = func(t *tx, id int64) string {
		r := t.rec("res.groups", id)
		if fn := str(r["full_name"]); fn != "" {
			return fn
		}
		return str(r["name"])
	}
	return b.finish()
}

func irModelModel() *model {
	b := newModel("ir.model", "Models")
	b.m.order = "model"
	b.char("name", "Model Description", notNull)
	b.char("model", "Model", notNull, indexed)
	b.selection("state", "Type", sel("manual", "Custom Object", "base", "Base Object"))
	b.boolean("transient", "Transient Model")
	b.boolean("is_mail_thread", "Has Mail Thread")
	b.one2many("field_id", "Fields", "ir.model.fields", "model_id")
	return b.finish()
}

var fieldTypeSelection = sel("binary", "binary", "boolean", "boolean", "char", "char", "date", "date",
	"datetime", "datetime", "float", "float", "html", "html", "integer", "integer", "json", "json",
	"many2many", "many2many", "many2one", "many2one", "many2one_reference", "many2one_reference",
	"monetary", "monetary", "one2many", "one2many", "properties", "properties",
	"properties_definition", "properties_definition", "reference", "reference",
	"selection", "selection", "text", "text")

func irModelFieldsModel() *model {
	b := newModel("ir.model.fields", "Fields")
	b.m.order = "name"
	b.char("name", "Field Name", notNull, indexed)
	b.char("complete_name", "Complete Name", computed(func(t *tx, id int64) (any, error) {
		r := t.rec("ir.model.fields", id)
		return str(r["model"]) + "," + str(r["name"]), nil
	}))
	b.char("model", "Model Name", notNull, indexed)
	b.many2one("model_id", "Model", "ir.model", notNull)
	b.char("field_description", "Field Label", notNull)
	b.text("help", "Field Help")
	b.selection("ttype", "Field Type", fieldTypeSelection, notNull)
	b.char("relation", "Related Model")
	b.char("relation_field", "Relation Field")
	b.text("selection", "Selection Options (Deprecated)")
	b.one2many("selection_ids", "Selection Options", "ir.model.fields.selection", "field_id")
	b.boolean("store", "Stored")
	b.boolean("readonly", "Readonly")
	b.boolean("required", "Required")
	b.boolean("index", "Indexed")
	b.boolean("copied", "Copied")
	b.selection("state", "Type", sel("manual", "Custom Field", "base", "Base Field"))
	b.m.displayName = func(t *tx, id int64) string {
		r := t.rec("ir.model.fields", id)
		desc := ""
		if mid := idOf(r["model_id"]); mid != 0 {
			desc = str(t.rec("ir.model", mid)["name"])
		}
		if desc == "" {
			if m := t.model(str(r["model"])); m != nil {
				desc = m.description
			}
		}
		return fmt.Sprintf("%s (%s)", str(r["field_description"]), desc)
	}
	b.m.prepareCreate = func(t *tx, vals *wire.Struct) error {
		// model is derived from model_id, as ir.model.fields does.
		if mid := intOf(vals.Value("model_id")); mid != 0 && !vals.Has("model") {
			vals.Set("model", str(t.get("ir.model", mid, "model")))
		}
		return nil
	}
	b.m.defaults = func(t *tx, vals *wire.Struct) error {
		if !vals.Has("state") {
			vals.Set("state", "manual")
		}
		if !vals.Has("store") {
			vals.Set("store", true)
		}
		return nil
	}
	b.m.afterCreate = func(t *tx, id int64, _ *wire.Struct) error { return installManualField(t, id) }
	b.m.afterWrite = func(t *tx, ids []int64, _ *wire.Struct) error {
		for _, id := range ids {
			if err := installManualField(t, id); err != nil {
				return err
			}
		}
		return nil
	}
	b.m.beforeUnlink = func(t *tx, ids []int64) error {
		for _, id := range ids {
			r := t.rec("ir.model.fields", id)
			if str(r["state"]) != "manual" {
				return userErrorf("This column contains module data and cannot be removed!")
			}
			reg, m := t.reg.withModel(str(r["model"]))
			if m == nil {
				continue
			}
			m.removeField(str(r["name"]))
			if err := t.setRegistry(reg); err != nil {
				return err
			}
		}
		return nil
	}
	return b.finish()
}

// installManualField makes a manual ("x_") ir.model.fields record a real
// field of its model, so read/write/search/fields_get know it.
func installManualField(t *tx, id int64) error {
	r := t.rec("ir.model.fields", id)
	if str(r["state"]) != "manual" {
		return nil
	}
	name, modelName := str(r["name"]), str(r["model"])
	if !strings.HasPrefix(name, "x_") {
		return validationErrorf("Custom fields must have a name that starts with 'x_'!")
	}
	if t.model(modelName) == nil {
		return userErrorf("Model %s does not exist", modelName)
	}
	typ := fieldType(str(r["ttype"]))
	f := &field{name: name, typ: typ, label: str(r["field_description"]), relation: str(r["relation"]),
		required: boolOf(r["required"]), readonly: boolOf(r["readonly"]), store: true, manual: true, help: str(r["help"])}
	if typ.relational() {
		if t.model(f.relation) == nil {
			return userErrorf("Unknown model name '%s' in Related Model", f.relation)
		}
		if typ == tOne2many {
			f.inverse = str(r["relation_field"])
			f.store = false
		}
	}
	if typ == tSelection {
		selIDs, err := t.search("ir.model.fields.selection", []any{[]any{"field_id", "=", id}}, searchOpts{order: "sequence, id"})
		if err != nil {
			return err
		}
		for _, sid := range selIDs {
			sr := t.rec("ir.model.fields.selection", sid)
			f.selection = append(f.selection, selOption{value: str(sr["value"]), label: str(sr["name"])})
		}
		if len(f.selection) == 0 {
			f.selection = parseSelectionText(str(r["selection"]))
		}
	}
	reg, m := t.reg.withModel(modelName)
	m.addField(f)
	return t.setRegistry(reg)
}

// parseSelectionText reads the deprecated "[('a', 'A'), ('b', 'B')]" form.
func parseSelectionText(s string) []selOption {
	v, err := parsePyLiteral(s)
	if err != nil {
		return nil
	}
	list, _ := v.([]any)
	var out []selOption
	for _, item := range list {
		pair, ok := item.([]any)
		if !ok || len(pair) != 2 {
			continue
		}
		out = append(out, selOption{value: str(pair[0]), label: str(pair[1])})
	}
	return out
}

func irModelFieldsSelectionModel() *model {
	b := newModel("ir.model.fields.selection", "Fields Selection")
	b.m.order = "sequence, id"
	b.many2one("field_id", "Field", "ir.model.fields", notNull)
	b.char("value", "Value", notNull)
	b.char("name", "Name", notNull)
	b.integer("sequence", "Sequence")
	refresh := func(t *tx, ids []int64) error {
		for _, id := range ids {
			if fid := idOf(t.rec("ir.model.fields.selection", id)["field_id"]); fid != 0 {
				if err := installManualField(t, fid); err != nil {
					return err
				}
			}
		}
		return nil
	}
	b.m.afterCreate = func(t *tx, id int64, _ *wire.Struct) error { return refresh(t, []int64{id}) }
	b.m.afterWrite = func(t *tx, ids []int64, _ *wire.Struct) error { return refresh(t, ids) }
	return b.finish()
}

func irModelDataModel() *model {
	b := newModel("ir.model.data", "Model Data")
	b.m.order = "module, model, name"
	b.char("name", "External Identifier", notNull, indexed)
	b.char("complete_name", "Complete ID", computed(func(t *tx, id int64) (any, error) {
		r := t.rec("ir.model.data", id)
		return str(r["module"]) + "." + str(r["name"]), nil
	}))
	b.char("model", "Model Name", notNull, indexed)
	b.char("module", "Module", notNull, indexed)
	b.integer("res_id", "Record ID", indexed)
	b.boolean("noupdate", "Non Updatable")
	b.m.displayName = func(t *tx, id int64) string {
		r := t.rec("ir.model.data", id)
		return str(r["module"]) + "." + str(r["name"])
	}
	b.method("check_object_reference", func(c *call) (any, error) {
		a, err := c.bind(0, "module", "xml_id", "raise_on_access_error")
		if err != nil {
			return nil, err
		}
		model, id, ok := c.t.xmlid(str(a.get(0)) + "." + str(a.get(1)))
		if !ok {
			return nil, valueErrorf("External ID not found in the system: %s.%s", str(a.get(0)), str(a.get(1)))
		}
		return []any{model, id}, nil
	})
	return b.finish()
}

// xmlid resolves "module.name" through ir.model.data.
func (t *tx) xmlid(full string) (string, int64, bool) {
	module, name, ok := strings.Cut(full, ".")
	if !ok {
		return "", 0, false
	}
	for _, id := range t.idsWith("ir.model.data", "name", name) {
		r := t.rec("ir.model.data", id)
		if str(r["module"]) == module && str(r["name"]) == name {
			return str(r["model"]), intOf(r["res_id"]), true
		}
	}
	return "", 0, false
}

// setXMLID registers an external id for a record (demo seed, created records).
func (t *tx) setXMLID(full, model string, resID int64) error {
	module, name, _ := strings.Cut(full, ".")
	_, err := t.create("ir.model.data", wire.NewStruct("module", module, "name", name, "model", model, "res_id", resID, "noupdate", true))
	return err
}

func irSequenceModel() *model {
	b := newModel("ir.sequence", "Sequence")
	b.m.order = "name"
	b.char("name", "Name", notNull)
	b.char("code", "Sequence Code")
	b.selection("implementation", "Implementation", sel("standard", "Standard", "no_gap", "No gap"), notNull)
	b.boolean("active", "Active")
	b.char("prefix", "Prefix")
	b.char("suffix", "Suffix")
	b.integer("number_next", "Next Number", notNull)
	b.integer("number_next_actual", "Actual Next Number", computed(func(t *tx, id int64) (any, error) {
		if n, ok := t.s.peekSequenceNumber(id); ok {
			return n, nil
		}
		r := t.rec("ir.sequence", id)
		if n := intOf(r["number_next_actual"]); n > 0 {
			return n, nil
		}
		return intOf(r["number_next"]), nil
	}))
	b.integer("number_increment", "Step", notNull)
	b.integer("padding", "Sequence Size", notNull)
	b.many2one("company_id", "Company", "res.company")
	b.boolean("use_date_range", "Use subsequences per date_range")
	b.m.defaults = func(t *tx, vals *wire.Struct) error {
		for k, v := range map[string]any{"implementation": "standard", "number_next": int64(1), "number_increment": int64(1), "padding": int64(0)} {
			if !vals.Has(k) {
				vals.Set(k, v)
			}
		}
		return nil
	}
	b.method("next_by_code", func(c *call) (any, error) {
		a, err := c.bind(0, "sequence_code", "sequence_date")
		if err != nil {
			return nil, err
		}
		s, ok := c.t.nextByCode(str(a.get(0)))
		if !ok {
			return false, nil
		}
		return s, nil
	})
	b.method("next_by_id", func(c *call) (any, error) {
		ids, err := c.ids()
		if err != nil {
			return nil, err
		}
		id, err := c.singleton(ids)
		if err != nil {
			return nil, err
		}
		return c.t.nextSequence(id), nil
	})
	return b.finish()
}

// nextByCode returns the next value of the active sequence with code.
func (t *tx) nextByCode(code string) (string, bool) {
	for _, id := range t.allIDs("ir.sequence") {
		r := t.rec("ir.sequence", id)
		if str(r["code"]) == code && r["active"] != false {
			return t.nextSequence(id), true
		}
	}
	return "", false
}

func (t *tx) nextSequence(id int64) string {
	r := t.rec("ir.sequence", id)
	initial := intOf(r["number_next_actual"])
	if initial == 0 {
		initial = intOf(r["number_next"])
	}
	n := t.s.nextSequenceNumber(id, initial)
	pad := int(intOf(r["padding"]))
	return t.interpolate(str(r["prefix"])) + fmt.Sprintf("%0*d", pad, n) + t.interpolate(str(r["suffix"]))
}

// interpolate fills ir.sequence's %(year)s-style placeholders.
func (t *tx) interpolate(s string) string {
	if !strings.Contains(s, "%(") {
		return s
	}
	r := strings.NewReplacer(
		"%(year)s", t.now.Format("2006"), "%(range_year)s", t.now.Format("2006"),
		"%(y)s", t.now.Format("06"), "%(range_y)s", t.now.Format("06"),
		"%(month)s", t.now.Format("01"), "%(range_month)s", t.now.Format("01"),
		"%(day)s", t.now.Format("02"), "%(range_day)s", t.now.Format("02"),
	)
	return r.Replace(s)
}

func irCronModel() *model {
	b := newModel("ir.cron", "Scheduled Actions")
	b.m.order = "priority, name"
	b.char("name", "Name")
	b.char("cron_name", "Name")
	b.many2one("model_id", "Model", "ir.model")
	b.text("code", "Python Code")
	b.boolean("active", "Active")
	b.integer("interval_number", "Interval Number")
	b.selection("interval_type", "Interval Unit", sel("minutes", "Minutes", "hours", "Hours", "days", "Days", "weeks", "Weeks", "months", "Months"))
	b.datetime("nextcall", "Next Execution Date")
	b.datetime("lastcall", "Last Execution Date")
	b.integer("priority", "Priority")
	b.method("method_direct_trigger", func(c *call) (any, error) {
		ids, err := c.ids()
		if err != nil {
			return nil, err
		}
		for _, id := range ids {
			if err := c.t.runCron(id); err != nil {
				return nil, err
			}
		}
		return true, nil
	})
	return b.finish()
}

// runCron runs the jobs the fake knows by their code; others are no-ops.
func (t *tx) runCron(id int64) error {
	r := t.rec("ir.cron", id)
	if r == nil {
		return missingError("ir.cron", []int64{id}, t.uid)
	}
	code := str(r["code"])
	switch {
	case strings.Contains(code, "_cron_post_process"):
		if err := t.cronPostProcessTransactions(); err != nil {
			return err
		}
	default:
		t.s.log.Debug("fakeodoo: cron job not simulated", "cron", str(r["name"]))
	}
	return t.store("ir.cron", id, "lastcall", t.nowString())
}

// apiKeyDescriptionModel reproduces res.users.apikeys.description, whose
// create() is wrapped so that RPC cannot call it properly (transcripts 009/010).
func apiKeyDescriptionModel() *model {
	b := newModel("res.users.apikeys.description", "API Key Description")
	b.m.transient = true
	b.char("name", "Description", notNull)
	b.selection("duration", "Duration", sel("1", "1 Day", "7", "1 Week", "30", "1 Month", "90", "3 Months", "365", "1 Year", "0", "Persistent Key"))
	b.method("create", func(c *call) (any, error) {
		// check_identity hides the api.model_create_multi decorator, so the
		// first argument is taken as ids.
		if len(c.args) < 2 {
			return nil, typeErrorf("APIKeyDescription.create() missing 1 required positional argument: 'vals_list'")
		}
		var ids []int64
		list, _ := c.args[1].([]any)
		if v, ok := c.args[1].(*wire.Struct); ok {
			list = []any{v}
		}
		for _, item := range list {
			vals, ok := item.(*wire.Struct)
			if !ok {
				continue
			}
			id, err := c.t.create(c.m.name, vals)
			if err != nil {
				return nil, err
			}
			ids = append(ids, id)
		}
		return recordset{model: c.m.name, ids: ids}, nil
	})
	return b.finish()
}
