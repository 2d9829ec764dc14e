package fakeodoo

import (
	"crypto/rand"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/odoo-afterpay/bridge/odoo/fakeodoo/internal/wire"
)

// webhookTimeout is requests.post(..., timeout=1) in _run_action_webhook.
const webhookTimeout = time.Second

// webhookName is the name Odoo 18 computes for a server action whose state
// is webhook; it overwrites the name given at create (transcript 108).
const webhookName = "Send Webhook Notification"

func automationModels() []*model {
	return []*model{baseAutomationModel(), serverActionModel()}
}

var automationTriggers = sel("on_stage_set", "Stage is set to", "on_user_set", "User is set", "on_tag_set", "Tag is added",
	"on_state_set", "State is set to", "on_priority_set", "Priority is set to", "on_archive", "On archived",
	"on_unarchive", "On unarchived", "on_create_or_write", "On save", "on_create", "On creation",
	"on_write", "On update", "on_unlink", "On deletion", "on_change", "On UI change", "on_time", "Based on date field",
	"on_time_created", "After creation", "on_time_updated", "After last update", "on_message_received", "On incoming message",
	"on_message_sent", "On outgoing message", "on_webhook", "On webhook")

func baseAutomationModel() *model {
	b := newModel("base.automation", "Automation Rule")
	b.m.order = "id"
	b.m.mailThread = false
	b.char("name", "Automation Rule Name", notNull)
	b.text("description", "Description")
	b.many2one("model_id", "Model", "ir.model", notNull)
	b.char("model_name", "Model Name", relatedTo("model_id", "model"))
	b.selection("trigger", "Trigger", automationTriggers, notNull)
	b.many2many("trigger_field_ids", "Trigger Fields", "ir.model.fields")
	b.many2one("trg_selection_field_id", "Trigger Field", "ir.model.fields.selection")
	b.integer("trg_field_ref", "Trigger Reference")
	b.char("filter_pre_domain", "Before Update Domain")
	b.char("filter_domain", "Apply on")
	b.one2many("action_server_ids", "Actions", "ir.actions.server", "base_automation_id")
	b.boolean("active", "Active")
	b.datetime("last_run", "Last Run")
	b.char("webhook_uuid", "Webhook UUID")
	b.char("url", "URL", computed(func(t *tx, id int64) (any, error) {
		if str(t.rec("base.automation", id)["trigger"]) != "on_webhook" {
			return nil, nil
		}
		return "/web/hook/" + str(t.rec("base.automation", id)["webhook_uuid"]), nil
	}))
	b.text("record_getter", "Record")
	b.boolean("log_webhook_calls", "Log Calls")
	b.m.defaults = func(t *tx, vals *wire.Struct) error {
		sel := intOf(vals.Value("trg_selection_field_id"))
		if sel != 0 {
			sr := t.rec("ir.model.fields.selection", sel)
			fieldID := idOf(sr["field_id"])
			fieldName := str(t.rec("ir.model.fields", fieldID)["name"])
			if !vals.Has("filter_domain") {
				vals.Set("filter_domain", fmt.Sprintf("[(%s, '=', %s)]", wire.ReprString(fieldName), wire.ReprString(str(sr["value"]))))
			}
			if !vals.Has("trigger_field_ids") && fieldID != 0 {
				vals.Set("trigger_field_ids", []any{[]any{int64(6), int64(0), []any{fieldID}}})
			}
		}
		if !vals.Has("webhook_uuid") {
			vals.Set("webhook_uuid", newUUID())
		}
		return nil
	}
	// filter_domain is a stored compute depending on trigger and
	// trg_selection_field_id (_compute_filter_domain): a write of either
	// recomputes it, unless the same write sets filter_domain.
	b.m.afterWrite = func(t *tx, ids []int64, vals *wire.Struct) error {
		if vals.Has("filter_domain") || !vals.Has("trigger") && !vals.Has("trg_selection_field_id") {
			return nil
		}
		for _, id := range ids {
			r := t.rec("base.automation", id)
			var domain any // False
			switch str(r["trigger"]) {
			case "on_state_set", "on_priority_set":
				if sel := idOf(r["trg_selection_field_id"]); sel != 0 {
					sr := t.rec("ir.model.fields.selection", sel)
					fieldName := str(t.rec("ir.model.fields", idOf(sr["field_id"]))["name"])
					domain = fmt.Sprintf("[(%s, '=', %s)]", wire.ReprString(fieldName), wire.ReprString(str(sr["value"])))
				}
			case "on_create_or_write", "on_time", "on_time_created", "on_time_updated":
			default:
				continue // the other triggers' domains are not simulated
			}
			if err := t.store("base.automation", id, "filter_domain", domain); err != nil {
				return err
			}
		}
		return nil
	}
	return b.finish()
}

var serverActionStates = sel("object_write", "Update Record", "object_create", "Create Record", "code", "Execute Code",
	"webhook", "Send Webhook Notification", "multi", "Execute Existing Actions", "mail_post", "Send Email",
	"followers", "Add Followers", "remove_followers", "Remove Followers", "next_activity", "Create Activity", "sms", "Send SMS")

func serverActionModel() *model {
	b := newModel("ir.actions.server", "Server Actions")
	b.m.order = "sequence,name"
	b.char("name", "Action Name", notNull)
	b.char("type", "Action Type")
	b.selection("usage", "Usage", sel("ir_actions_server", "Server Action", "ir_cron", "Scheduled Action", "base_automation", "Automation Rule"), notNull)
	b.selection("state", "Type", serverActionStates, notNull)
	b.integer("sequence", "Sequence")
	b.many2one("model_id", "Model", "ir.model", notNull)
	b.char("model_name", "Model Name", relatedTo("model_id", "model"))
	b.text("code", "Python Code")
	b.many2many("child_ids", "Child Actions", "ir.actions.server")
	b.char("webhook_url", "Webhook URL")
	b.many2many("webhook_field_ids", "Webhook Fields", "ir.model.fields")
	b.text("webhook_sample_payload", "Sample Payload", computed(webhookSamplePayload))
	b.many2one("base_automation_id", "Automation Rule", "base.automation")
	b.many2one("update_field_id", "Field to Update", "ir.model.fields")
	b.char("update_path", "Field to Update Path")
	b.text("value", "Value")
	b.selection("evaluation_type", "Value Type", sel("value", "Update", "equation", "Compute"))
	b.many2one("binding_model_id", "Binding Model", "ir.model")
	b.m.prepareCreate = func(t *tx, vals *wire.Struct) error {
		if str(vals.Value("state")) == "webhook" {
			vals.Set("name", webhookName)
		}
		return nil
	}
	b.m.defaults = func(t *tx, vals *wire.Struct) error {
		if !vals.Has("type") {
			vals.Set("type", "ir.actions.server")
		}
		if !vals.Has("usage") {
			usage := "ir_actions_server"
			if intOf(vals.Value("base_automation_id")) != 0 || str(t.ctx.Value("default_usage")) == "base_automation" {
				usage = "base_automation"
			}
			vals.Set("usage", usage)
		}
		if !vals.Has("state") {
			vals.Set("state", "object_write")
		}
		if !vals.Has("sequence") {
			vals.Set("sequence", int64(5))
		}
		if !vals.Has("model_id") {
			if a := intOf(vals.Value("base_automation_id")); a != 0 {
				vals.Set("model_id", t.rec("base.automation", a)["model_id"])
			}
		}
		return nil
	}
	b.method("run", func(c *call) (any, error) {
		ids, err := c.ids()
		if err != nil {
			return nil, err
		}
		var result any = false
		for _, id := range ids {
			r := c.t.rec("ir.actions.server", id)
			modelName := str(c.t.get("ir.model", idOf(r["model_id"]), "model"))
			records := c.t.ctxIDs("active_ids")
			if len(records) == 0 {
				if one, ok := c.t.ctx.Value("active_id").(int64); ok {
					records = []int64{one}
				}
			}
			if am := str(c.t.ctx.Value("active_model")); am != "" && am != modelName {
				records = nil
			}
			if len(records) == 0 {
				if err := c.t.runServerAction(id, modelName, 0); err != nil {
					return nil, err
				}
				continue
			}
			for _, rec := range records {
				if err := c.t.runServerAction(id, modelName, rec); err != nil {
					return nil, err
				}
			}
		}
		return result, nil
	})
	return b.finish()
}

// webhookSamplePayload is ir.actions.server._compute_webhook_sample_payload:
// "_model", "_name" (not "_action"/"_id" like the real payload) and the
// selected fields of the model's first record, json.dumps(indent=4, sort_keys=True).
func webhookSamplePayload(t *tx, id int64) (any, error) {
	r := t.rec("ir.actions.server", id)
	if str(r["state"]) != "webhook" {
		return nil, nil
	}
	modelName := str(t.get("ir.model", idOf(r["model_id"]), "model"))
	payload := wire.NewStruct("id", int64(1), "_model", modelName, "_name", str(r["name"]))
	m := t.model(modelName)
	fieldIDs := idsOf(r["webhook_field_ids"])
	if m != nil && len(fieldIDs) > 0 {
		sample, err := t.search(modelName, nil, searchOpts{limit: 1, activeTest: ptrFalse()})
		if err != nil {
			return nil, err
		}
		names := t.fieldNames(fieldIDs)
		if len(sample) > 0 {
			fields, err := t.resolveFields(m, names)
			if err != nil {
				return nil, err
			}
			rec, err := t.readRecord(m, sample[0], fields, false)
			if err != nil {
				return nil, err
			}
			for _, k := range rec.Keys() {
				payload.Set(k, rec.Value(k))
			}
		} else {
			for _, n := range names {
				payload.Set(n, sampleValue(m.field(n)))
			}
		}
	}
	return wire.MarshalJSON(payload, wire.JSONOptions{SortKeys: true, Indent: 4})
}

func sampleValue(f *field) any {
	if f == nil {
		return "sample"
	}
	switch f.typ {
	case tBoolean:
		return true
	case tInteger, tMany2one:
		return int64(1)
	case tFloat, tMonetary:
		return 1.0
	case tOne2many, tMany2many:
		return []any{int64(1), int64(2), int64(3)}
	case tDate:
		return "2020-01-01"
	case tDatetime:
		return "2020-01-01 00:00:00"
	}
	return "sample"
}

func (t *tx) fieldNames(fieldIDs []int64) []string {
	names := make([]string, 0, len(fieldIDs))
	for _, f := range fieldIDs {
		if n := str(t.rec("ir.model.fields", f)["name"]); n != "" {
			names = append(names, n)
		}
	}
	return names
}

// --- firing rules --------------------------------------------------------------

var (
	createTriggers = []string{"on_create", "on_create_or_write", "on_stage_set", "on_state_set", "on_tag_set", "on_user_set", "on_priority_set"}
	writeTriggers  = []string{"on_write", "on_create_or_write", "on_stage_set", "on_state_set", "on_tag_set", "on_user_set", "on_priority_set", "on_archive", "on_unarchive"}
)

// rulesFor lists active automation rules of a model with one of triggers.
func (t *tx) rulesFor(modelName string, triggers []string) []int64 {
	if t.base.tables["base.automation"] == nil && t.dirty["base.automation"] == nil {
		return nil
	}
	var out []int64
	for _, id := range t.allIDs("base.automation") {
		r := t.rec("base.automation", id)
		if r["active"] == false || !slices.Contains(triggers, str(r["trigger"])) {
			continue
		}
		if str(t.get("ir.model", idOf(r["model_id"]), "model")) == modelName {
			out = append(out, id)
		}
	}
	return out
}

// ruleDomain parses a rule's filter domain text; empty means no filter.
func (t *tx) ruleDomain(text string) ([]any, error) {
	text = strings.TrimSpace(text)
	if text == "" || text == "[]" {
		return nil, nil
	}
	v, err := parsePyLiteralNames(text, map[string]any{"uid": t.uid, "user.id": t.uid})
	if err != nil {
		return nil, err
	}
	dom, ok := v.([]any)
	if !ok {
		return nil, fmt.Errorf("fakeodoo: domain %q is not a list", text)
	}
	return dom, nil
}

func (t *tx) recordMatches(m *model, id int64, text string) bool {
	dom, err := t.ruleDomain(text)
	if err != nil {
		t.s.log.Warn("fakeodoo: automation rule domain not understood", "domain", text, "err", err)
		return false
	}
	if dom == nil {
		return true
	}
	tree, err := parseDomain(dom)
	if err != nil {
		return false
	}
	ok, err := t.match(m, id, tree)
	return err == nil && ok
}

type autoPre struct {
	rules []autoRulePre
}

type autoRulePre struct {
	rule int64
	// old values of the trigger fields, per record that passed the pre-domain
	old map[int64]map[string]any
}

func (t *tx) automationsOnCreate(m *model, id int64) error {
	for _, rule := range t.rulesFor(m.name, createTriggers) {
		r := t.rec("base.automation", rule)
		if !t.recordMatches(m, id, str(r["filter_domain"])) {
			continue
		}
		if err := t.runRule(rule, m.name, id); err != nil {
			return err
		}
	}
	return nil
}

// automationsBeforeWrite snapshots what the rules need before a write:
// which records pass the pre-domain and their trigger fields' old values.
func (t *tx) automationsBeforeWrite(m *model, ids []int64, vals *wire.Struct) (*autoPre, error) {
	if m == nil {
		return nil, nil
	}
	rules := t.rulesFor(m.name, writeTriggers)
	if len(rules) == 0 {
		return nil, nil
	}
	pre := &autoPre{}
	for _, rule := range rules {
		r := t.rec("base.automation", rule)
		rp := autoRulePre{rule: rule, old: map[int64]map[string]any{}}
		fields := t.fieldNames(idsOf(r["trigger_field_ids"]))
		for _, id := range ids {
			if !t.recordMatches(m, id, str(r["filter_pre_domain"])) {
				continue
			}
			old := map[string]any{}
			for _, f := range fields {
				if fd := m.field(f); fd != nil {
					v, _ := t.value(m, id, fd)
					old[f] = v
				}
			}
			rp.old[id] = old
		}
		pre.rules = append(pre.rules, rp)
	}
	return pre, nil
}

func (t *tx) automationsAfterWrite(m *model, pre *autoPre) error {
	if pre == nil {
		return nil
	}
	for _, rp := range pre.rules {
		r := t.rec("base.automation", rp.rule)
		ids := make([]int64, 0, len(rp.old))
		for id := range rp.old {
			ids = append(ids, id)
		}
		slices.Sort(ids)
		for _, id := range ids {
			if !t.exists(m.name, id) {
				continue
			}
			old := rp.old[id]
			if len(old) > 0 {
				changed := false
				for f, v := range old {
					nv, _ := t.value(m, id, m.field(f))
					if !sameValue(v, nv) {
						changed = true
					}
				}
				if !changed {
					continue
				}
			}
			if !t.recordMatches(m, id, str(r["filter_domain"])) {
				continue
			}
			if err := t.runRule(rp.rule, m.name, id); err != nil {
				return err
			}
		}
	}
	return nil
}

func sameValue(a, b any) bool {
	switch x := a.(type) {
	case decimal:
		y, ok := b.(decimal)
		return ok && x.Cmp(y) == 0
	case []int64:
		y, ok := b.([]int64)
		return ok && slices.Equal(x, y)
	}
	return a == b
}

// runRule runs a rule's actions on a record once per transaction (Odoo's
// __action_done guard).
func (t *tx) runRule(rule int64, modelName string, id int64) error {
	key := fmt.Sprintf("__action_done_%d_%s_%d", rule, modelName, id)
	if t.ctxBool(key) || t.depth > 8 {
		return nil
	}
	t.ctx = t.ctx.Clone()
	t.ctx.Set(key, true)
	t.depth++
	defer func() { t.depth-- }()
	actions, err := t.search("ir.actions.server", []any{[]any{"base_automation_id", "=", rule}}, searchOpts{})
	if err != nil {
		return err
	}
	for _, a := range actions {
		if err := t.runServerAction(a, modelName, id); err != nil {
			return err
		}
	}
	return t.store("base.automation", rule, "last_run", t.nowString())
}

// runServerAction runs one server action on one record (id 0: no record).
func (t *tx) runServerAction(action int64, modelName string, id int64) error {
	r := t.rec("ir.actions.server", action)
	if r == nil {
		return missingError("ir.actions.server", []int64{action}, t.uid)
	}
	switch str(r["state"]) {
	case "webhook":
		return t.queueWebhook(action, modelName, id)
	case "multi":
		for _, child := range idsOf(r["child_ids"]) {
			if err := t.runServerAction(child, modelName, id); err != nil {
				return err
			}
		}
		return nil
	case "object_write":
		return t.runObjectWrite(r, modelName, id)
	case "code":
		return t.runKnownCode(str(r["code"]), modelName, id)
	}
	t.s.log.Info("fakeodoo: server action type not simulated", "action", action, "state", str(r["state"]))
	return nil
}

func (t *tx) runObjectWrite(r record, modelName string, id int64) error {
	if id == 0 {
		return nil
	}
	fieldName := str(r["update_path"])
	if fieldName == "" {
		fieldName = str(t.rec("ir.model.fields", idOf(r["update_field_id"]))["name"])
	}
	m := t.model(modelName)
	f := m.field(fieldName)
	if f == nil {
		return nil
	}
	value := str(r["value"])
	var v any = value
	switch f.typ {
	case tBoolean:
		v = value == "True" || value == "true" || value == "1"
	case tInteger, tMany2one:
		parsed, err := parsePyLiteral(value)
		if err != nil {
			return valueErrorf("invalid literal for int() with base 10: %s", wire.ReprString(value))
		}
		v = parsed
	case tFloat, tMonetary:
		d, err := parseDecimal(value)
		if err != nil {
			return valueErrorf("could not convert string to float: %s", wire.ReprString(value))
		}
		v = d
	}
	return t.write(modelName, []int64{id}, wire.NewStruct(fieldName, v))
}

// runKnownCode runs the few one-line code actions an integration uses as an
// escape hatch to private methods (records._set_done(), …).
func (t *tx) runKnownCode(code, modelName string, id int64) error {
	if modelName != "payment.transaction" || id == 0 {
		t.s.log.Info("fakeodoo: code action not simulated", "model", modelName)
		return nil
	}
	setState := func(state string) error {
		return t.set("payment.transaction", id, "state", state, "last_state_change", t.nowString(), "is_post_processed", false)
	}
	switch {
	case strings.Contains(code, "_set_done"):
		if s := str(t.rec("payment.transaction", id)["state"]); s != "draft" && s != "pending" && s != "authorized" && s != "error" {
			return nil
		}
		return setState("done")
	case strings.Contains(code, "_set_pending"):
		return setState("pending")
	case strings.Contains(code, "_set_authorized"):
		return setState("authorized")
	case strings.Contains(code, "_set_canceled"):
		return setState("cancel")
	case strings.Contains(code, "_set_error"):
		return setState("error")
	case strings.Contains(code, "_post_process"):
		return t.postProcessTransaction(id)
	}
	t.s.log.Info("fakeodoo: code action not simulated", "model", modelName)
	return nil
}

// queueWebhook is _run_action_webhook up to the POST: the record, read with
// load=None, as json.dumps(sort_keys=True). The transaction renders it now,
// with its own changes, and sends it once it has released the writer lock
// (see commit.go), before other clients see those changes.
func (t *tx) queueWebhook(action int64, modelName string, id int64) error {
	r := t.rec("ir.actions.server", action)
	url := str(r["webhook_url"])
	if url == "" {
		return userErrorf("I'll be happy to send a webhook for you, but you really need to give me a URL to reach out to...")
	}
	payload := wire.NewStruct("_action", fmt.Sprintf("%s(#%d)", str(r["name"]), action), "_id", id, "_model", modelName)
	if m := t.model(modelName); m != nil && id != 0 {
		if names := t.fieldNames(idsOf(r["webhook_field_ids"])); len(names) > 0 {
			fields, err := t.resolveFields(m, names)
			if err != nil {
				return err
			}
			rec, err := t.readRecord(m, id, fields, false)
			if err != nil {
				return err
			}
			for _, k := range rec.Keys() {
				payload.Set(k, rec.Value(k))
			}
		}
	}
	body, err := wire.MarshalJSON(payload, wire.JSONOptions{SortKeys: true})
	if err != nil {
		return err
	}
	t.hooks = append(t.hooks, webhook{action: action, model: modelName, id: id, url: url, body: []byte(body)})
	return nil
}

// newUUID returns a random version-4 UUID.
func newUUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}
