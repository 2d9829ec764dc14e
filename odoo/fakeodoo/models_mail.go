package fakeodoo

import (
	"fmt"
	"html"
	"regexp"
	"slices"
	"strings"

	"github.com/odoo-afterpay/bridge/odoo/fakeodoo/internal/wire"
)

func mailModels() []*model {
	return []*model{mailMessageModel(), mailSubtypeModel(), mailActivityModel(), mailActivityTypeModel()}
}

func mailMessageModel() *model {
	b := newModel("mail.message", "Message")
	b.m.order = "id desc"
	b.char("subject", "Subject")
	b.datetime("date", "Date")
	b.html("body", "Contents")
	b.selection("message_type", "Type", sel("email", "Incoming Email", "comment", "Comment", "email_outgoing", "Outgoing Email",
		"notification", "System notification", "auto_comment", "Automated Targeted Notification", "user_notification", "User Specific Notification"), notNull)
	b.many2one("subtype_id", "Subtype", "mail.message.subtype")
	b.char("model", "Related Document Model", indexed)
	b.integer("res_id", "Related Document ID", indexed)
	b.char("record_name", "Message Record Name")
	b.many2one("author_id", "Author", "res.partner")
	b.many2many("partner_ids", "Recipients", "res.partner")
	b.many2one("parent_id", "Parent Message", "mail.message")
	b.m.displayName = func(t *tx, id int64) string {
		r := t.rec("mail.message", id)
		if s := str(r["subject"]); s != "" {
			return s
		}
		body := regexp.MustCompile(`<[^>]*>`).ReplaceAllString(str(r["body"]), "")
		body = html.UnescapeString(body)
		if len(body) > 30 {
			body = body[:30] + "..."
		}
		return str(r["record_name"]) + ": " + body
	}
	return b.finish()
}

func mailSubtypeModel() *model {
	b := newModel("mail.message.subtype", "Message subtypes")
	b.m.order = "sequence, id"
	b.char("name", "Message Type", notNull)
	b.text("description", "Description")
	b.boolean("internal", "Internal Only")
	b.many2one("parent_id", "Parent", "mail.message.subtype")
	b.char("res_model", "Model")
	b.boolean("default", "Default")
	b.integer("sequence", "Sequence")
	b.boolean("hidden", "Hidden")
	return b.finish()
}

func mailActivityTypeModel() *model {
	b := newModel("mail.activity.type", "Activity Type")
	b.m.order = "sequence, id"
	b.char("name", "Name", notNull)
	b.char("summary", "Default Summary")
	b.integer("sequence", "Sequence")
	b.boolean("active", "Active")
	b.integer("delay_count", "Schedule")
	b.selection("delay_unit", "Delay units", sel("days", "days", "weeks", "weeks", "months", "months"))
	b.selection("category", "Action", sel("default", "None", "upload_file", "Upload Document", "phonecall", "Phonecall"))
	b.char("res_model", "Model")
	b.char("icon", "Icon")
	b.many2one("default_user_id", "Default User", "res.users")
	b.html("default_note", "Default Note")
	return b.finish()
}

func mailActivityModel() *model {
	b := newModel("mail.activity", "Activity")
	b.m.order = "date_deadline ASC, id ASC"
	b.many2one("res_model_id", "Document Model", "ir.model", notNull)
	b.char("res_model", "Related Document Model", storedCompute, indexed)
	b.integer("res_id", "Related Document ID", notNull, indexed)
	b.char("res_name", "Document Name", storedCompute)
	b.many2one("activity_type_id", "Activity Type", "mail.activity.type")
	b.char("summary", "Summary")
	b.html("note", "Note")
	b.date("date_deadline", "Due Date", notNull)
	b.boolean("automated", "Automated activity")
	b.many2one("user_id", "Assigned to", "res.users")
	b.selection("state", "State", sel("overdue", "Overdue", "today", "Today", "planned", "Planned", "done", "Done"), computed(func(t *tx, id int64) (any, error) {
		d := str(t.rec("mail.activity", id)["date_deadline"])
		switch today := t.today(); {
		case d < today:
			return "overdue", nil
		case d == today:
			return "today", nil
		}
		return "planned", nil
	}))
	b.m.displayName = func(t *tx, id int64) string {
		r := t.rec("mail.activity", id)
		if s := str(r["summary"]); s != "" {
			return s
		}
		return str(t.get("mail.activity.type", idOf(r["activity_type_id"]), "name"))
	}
	b.m.prepareCreate = func(t *tx, vals *wire.Struct) error {
		if mid := intOf(vals.Value("res_model_id")); mid != 0 {
			vals.Set("res_model", str(t.get("ir.model", mid, "model")))
		} else {
			// res_model alone does not fill res_model_id over RPC (transcript-2 331).
			vals.Delete("res_model")
		}
		return nil
	}
	b.m.defaults = func(t *tx, vals *wire.Struct) error {
		if !vals.Has("user_id") {
			vals.Set("user_id", t.uid)
		}
		if !vals.Has("date_deadline") {
			vals.Set("date_deadline", t.today())
		}
		if n, ok := vals.Value("note").(string); ok && n != "" && !strings.HasPrefix(strings.TrimSpace(n), "<") {
			vals.Set("note", "<p>"+n+"</p>")
		}
		model := str(vals.Value("res_model"))
		if res := intOf(vals.Value("res_id")); res != 0 && model != "" && t.model(model) != nil {
			vals.Set("res_name", t.displayName(model, res))
		}
		return nil
	}
	b.method("action_feedback", func(c *call) (any, error) {
		ids, err := c.ids()
		if err != nil {
			return nil, err
		}
		a, err := c.bind(1, "feedback", "attachment_ids")
		if err != nil {
			return nil, err
		}
		var last int64
		for _, id := range ids {
			r := c.t.rec("mail.activity", id)
			body := fmt.Sprintf("<p>%s done</p>", html.EscapeString(c.t.displayName("mail.activity", id)))
			if fb, ok := a.get(0).(string); ok && fb != "" {
				body += "<p>" + html.EscapeString(fb) + "</p>"
			}
			msg, err := c.t.postMessage(str(r["res_model"]), intOf(r["res_id"]), "notification", body, "mail.mt_activities")
			if err != nil {
				return nil, err
			}
			last = msg
			if err := c.t.unlink("mail.activity", []int64{id}); err != nil {
				return nil, err
			}
		}
		if len(ids) == 0 {
			return false, nil
		}
		return last, nil
	})
	b.method("action_done", func(c *call) (any, error) {
		ids, err := c.ids()
		if err != nil {
			return nil, err
		}
		return nil, c.t.unlink("mail.activity", ids)
	})
	return b.finish()
}

// threadMessages lists a record's messages, newest first.
func threadMessages(modelName string) computeFunc {
	return func(t *tx, id int64) (any, error) {
		out := []int64{}
		for _, m := range t.idsWith("mail.message", "res_id", id) {
			r := t.rec("mail.message", m)
			if str(r["model"]) == modelName && intOf(r["res_id"]) == id {
				out = append(out, m)
			}
		}
		slices.Reverse(out)
		return out, nil
	}
}

func threadActivities(modelName string) computeFunc {
	return func(t *tx, id int64) (any, error) {
		ids, err := t.search("mail.activity", []any{[]any{"res_model", "=", modelName}, []any{"res_id", "=", id}}, searchOpts{})
		return ids, err
	}
}

// mailThreadMethod returns the mail.thread methods of chatter models.
func mailThreadMethod(name string) methodFunc {
	switch name {
	case "message_post":
		return methodMessagePost
	case "activity_schedule":
		return methodActivitySchedule
	}
	return nil
}

// methodMessagePost is mail.thread.message_post (keyword-only arguments):
// a plain-text body is escaped and wrapped in <p>; it returns the id.
func methodMessagePost(c *call) (any, error) {
	ids, err := c.ids()
	if err != nil {
		return nil, err
	}
	if len(c.args) > 1 {
		return nil, typeErrorf("MailThread.message_post() takes 1 positional argument but %d were given", len(c.args))
	}
	a, err := c.bind(1, "body", "subject", "message_type", "subtype_xmlid", "subtype_id", "partner_ids",
		"attachments", "attachment_ids", "body_is_html", "author_id", "email_from", "parent_id", "email_layout_xmlid", "tracking_value_ids")
	if err != nil {
		return nil, err
	}
	id, err := c.singleton(ids)
	if err != nil {
		return nil, err
	}
	body, _ := a.get(0).(string)
	if body != "" {
		body = messageBody(body, boolOf(a.get(8)))
	}
	msgType := "notification"
	if s, ok := a.get(2).(string); ok && s != "" {
		msgType = s
	}
	subtype := ""
	if s, ok := a.get(3).(string); ok {
		subtype = s
	}
	msg, err := c.t.postMessage(c.m.name, id, msgType, body, subtype)
	if err != nil {
		return nil, err
	}
	vals := wire.NewStruct()
	if s, ok := a.get(1).(string); ok {
		vals.Set("subject", s)
	}
	if sid, ok := a.get(4).(int64); ok && subtype == "" {
		vals.Set("subtype_id", sid)
	}
	if p, ok := a.get(5).([]any); ok {
		vals.Set("partner_ids", []any{[]any{int64(6), int64(0), p}})
	}
	if author, ok := a.get(9).(int64); ok {
		vals.Set("author_id", author)
	}
	if vals.Len() > 0 {
		if err := c.t.write("mail.message", []int64{msg}, vals); err != nil {
			return nil, err
		}
	}
	return msg, nil
}

// messageBody is what message_post stores (mail.thread.message_post, then
// the html field's sanitizer): a plain-text body is escaped (markupsafe's
// escape; the sanitizer writes quotes back as they were) with its line
// breaks left as they are, an HTML body (body_is_html) is kept; loose
// content is wrapped in a <p>, leading whitespace dropped.
func messageBody(body string, isHTML bool) string {
	if !isHTML {
		body = htmlTextEscaper.Replace(body)
	}
	body = strings.TrimLeft(body, " \t\r\n")
	if strings.HasPrefix(body, "<p>") || strings.HasPrefix(body, "<p ") {
		return body
	}
	return "<p>" + body + "</p>"
}

var htmlTextEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")

// methodActivitySchedule is mail.activity.mixin.activity_schedule; it returns
// the activity recordset, which RPC cannot marshal (fault 1 after commit).
func methodActivitySchedule(c *call) (any, error) {
	ids, err := c.ids()
	if err != nil {
		return nil, err
	}
	a, err := c.bind(1, "act_type_xmlid", "date_deadline", "summary", "note", "user_id", "activity_type_id")
	if err != nil {
		return nil, err
	}
	modelID := c.t.irModelID(c.m.name)
	typeID := intOf(a.get(5))
	if x, ok := a.get(0).(string); ok && x != "" {
		_, typeID, _ = c.t.xmlid(x)
	}
	var created []int64
	for _, id := range ids {
		vals := wire.NewStruct("res_model_id", modelID, "res_id", id)
		if typeID != 0 {
			vals.Set("activity_type_id", typeID)
		}
		for i, k := range []string{"", "date_deadline", "summary", "note", "user_id"} {
			if k != "" && a.present(i) {
				vals.Set(k, a.get(i))
			}
		}
		aid, err := c.t.create("mail.activity", vals)
		if err != nil {
			return nil, err
		}
		created = append(created, aid)
	}
	return recordset{model: "mail.activity", ids: created}, nil
}

// irModelID finds (or, for the fake's own models, creates) ir.model's id.
func (t *tx) irModelID(modelName string) any {
	ids, _ := t.search("ir.model", []any{[]any{"model", "=", modelName}}, searchOpts{limit: 1})
	if len(ids) > 0 {
		return ids[0]
	}
	return false
}

// --- chatter -----------------------------------------------------------------

// postMessage creates a mail.message on a record, authored by the user's partner.
func (t *tx) postMessage(modelName string, resID int64, msgType, body, subtypeXMLID string) (int64, error) {
	if subtypeXMLID == "" {
		subtypeXMLID = "mail.mt_note"
		if msgType == "comment" {
			subtypeXMLID = "mail.mt_comment"
		}
	}
	vals := wire.NewStruct("body", body, "message_type", msgType, "model", modelName, "res_id", resID,
		"date", t.nowString())
	if _, sub, ok := t.xmlid(subtypeXMLID); ok && t.exists("mail.message.subtype", sub) {
		vals.Set("subtype_id", sub)
	}
	if p := idOf(t.get("res.users", t.uid, "partner_id")); p != 0 {
		vals.Set("author_id", p)
	}
	if t.model(modelName) != nil && t.exists(modelName, resID) {
		vals.Set("record_name", t.displayName(modelName, resID))
	}
	return t.create("mail.message", vals)
}

// logMessage posts a message and discards its id.
func (t *tx) logMessage(modelName string, resID int64, msgType, body, subtypeXMLID string) error {
	_, err := t.postMessage(modelName, resID, msgType, body, subtypeXMLID)
	return err
}

// logNote logs an internal note (the fake words the messages Odoo posts
// itself along its flows; only their existence, and so the mail.message
// ids they use up, matters to clients).
func (t *tx) logNote(modelName string, resID int64, text, subtypeXMLID string) error {
	return t.logMessage(modelName, resID, "notification", "<p>"+html.EscapeString(text)+"</p>", subtypeXMLID)
}

// logCreation is mail.thread's creation message ("Sales Order created").
func (t *tx) logCreation(m *model, id int64) error {
	if t.ctxBool("tracking_disable") {
		return nil
	}
	return t.logNote(m.name, id, m.description+" created", "mail.mt_note")
}

// trackedFields are the tracked fields whose changes the fake logs, one
// message per record and transaction, as Odoo's tracking does at flush.
func trackedFields(modelName string) []string {
	switch modelName {
	case "sale.order":
		return []string{"state"}
	case "account.move":
		return []string{"state", "payment_state"}
	case "account.payment":
		return []string{"state"}
	}
	return nil
}

// finalizeTracking logs one tracking message per existing chatter record
// whose tracked fields changed in this transaction.
func (t *tx) finalizeTracking() error {
	models := make([]string, 0, len(t.dirty))
	for m := range t.dirty {
		models = append(models, m)
	}
	slices.Sort(models)
	for _, modelName := range models {
		fields := trackedFields(modelName)
		if len(fields) == 0 {
			continue
		}
		ids := make([]int64, 0, len(t.dirty[modelName]))
		for id := range t.dirty[modelName] {
			ids = append(ids, id)
		}
		slices.Sort(ids)
		for _, id := range ids {
			before := t.base.rec(modelName, id)
			after := t.dirty[modelName][id]
			if before == nil || after == nil {
				continue
			}
			var changes []string
			for _, f := range fields {
				if before[f] != after[f] {
					changes = append(changes, fmt.Sprintf("%s: %s → %s", f, str(before[f]), str(after[f])))
				}
			}
			if len(changes) == 0 {
				continue
			}
			if err := t.logNote(modelName, id, strings.Join(changes, ", "), "mail.mt_note"); err != nil {
				return err
			}
		}
	}
	return nil
}
