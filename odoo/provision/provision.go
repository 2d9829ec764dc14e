// Package provision prepares an Odoo 18 database for the Afterpay bridge over
// XML-RPC alone (no module to install): the Afterpay payment provider and
// method, a bank journal for Afterpay's money, the "Afterpay" payment term
// that marks Afterpay orders, the custom fields the bridge writes and the
// capture mode Odoo users may choose per order, form-view extensions that
// show them on orders and invoices, and the automation rules whose webhooks
// tell the bridge about Afterpay orders confirmed, delivered, cancelled and
// invoiced, and about posted credit notes.
//
// Run is idempotent: every record is found by name, code, external id or
// model and field before anything is created, existing records are compared
// with what is wanted and only the differences are written, and the Report
// says what happened to each.
package provision

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"slices"
	"strings"

	"github.com/odoo-afterpay/bridge/odoo"
)

// Defaults of Options.
const (
	DefaultJournalName = "Afterpay"
	DefaultJournalCode = "AFTP"
)

// Webhook paths the bridge serves, relative to Options.APIBaseURL, and the
// names of the automation rules that post to them.
const (
	OrderConfirmedPath   = "/odoo/webhook/order-confirmed"
	CreditNotePostedPath = "/odoo/webhook/credit-note-posted"
	DeliveryDonePath     = "/odoo/webhook/delivery-done"
	OrderCancelledPath   = "/odoo/webhook/order-cancelled"
	InvoicePostedPath    = "/odoo/webhook/invoice-posted"

	OrderConfirmedRule   = "Afterpay: order confirmed"
	CreditNotePostedRule = "Afterpay: credit note posted"
	DeliveryDoneRule     = "Afterpay: delivery done"
	OrderCancelledRule   = "Afterpay: order cancelled"
	InvoicePostedRule    = "Afterpay: invoice posted"
)

// The rules' filter domains. %d is the Afterpay payment term's id: only
// Afterpay orders (their documents) are posted. Odoo evaluates these
// related paths in filter_domain (checked on a real Odoo 18).
const (
	orderConfirmedFilter = "[('state', '=', 'sale'), ('payment_term_id', '=', %d)]"
	creditNoteFilter     = "[('state', '=', 'posted'), ('move_type', '=', 'out_refund')]"
	deliveryDoneFilter   = "[('state', '=', 'done'), ('picking_type_code', '=', 'outgoing'), ('sale_id.payment_term_id', '=', %d)]"
	orderCancelledFilter = "[('state', '=', 'cancel'), ('payment_term_id', '=', %d)]"
	// Through the invoice lines' order lines rather than the invoice's own
	// payment term, which an accountant may change: an invoice of an
	// Afterpay order, and only such an invoice, is posted.
	invoicePostedFilter = "[('state', '=', 'posted'), ('move_type', '=', 'out_invoice'), ('line_ids.sale_line_ids.order_id.payment_term_id', '=', %d)]"

	webhookActionName     = "Notify the Afterpay bridge"
	webhookTokenParameter = "token"
)

// Options configure Run.
type Options struct {
	// APIBaseURL is the bridge's base URL as Odoo reaches it, e.g.
	// "https://bridge.example.com" (required).
	APIBaseURL string
	// WebhookToken is sent by Odoo as the token query parameter of every
	// webhook (Odoo's webhooks carry no signature). Required; never printed.
	WebhookToken string
	// JournalName and JournalCode name the bank journal that receives
	// Afterpay's payments; defaults DefaultJournalName and DefaultJournalCode.
	JournalName, JournalCode string
	// Logger receives one INFO line per step. Nil discards.
	Logger *slog.Logger
}

// Action is what Run did to one record.
type Action string

// The actions of a Step.
const (
	Created   Action = "created"
	Updated   Action = "updated"
	Unchanged Action = "unchanged"
	// Skipped is a record that cannot exist in this Odoo, e.g. the
	// delivery rule without the stock module (sale_stock).
	Skipped Action = "skipped"
)

// Step is one record Run ensured.
type Step struct {
	// What describes the record, e.g. `custom field sale.order.x_afterpay_order_id`.
	What string
	// Model and ID identify the record in Odoo.
	Model string
	ID    int64
	// Action is created, updated or unchanged.
	Action Action
	// Detail says what was created or changed (secrets masked).
	Detail string
}

// Report lists the steps of a Run in order.
type Report struct {
	Steps []Step
}

// Count returns how many steps ended with action a.
func (r *Report) Count(a Action) int {
	n := 0
	for _, s := range r.Steps {
		if s.Action == a {
			n++
		}
	}
	return n
}

// Changed reports whether Run created or updated anything.
func (r *Report) Changed() bool { return r.Count(Created)+r.Count(Updated) > 0 }

// String renders the report for a terminal.
func (r *Report) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "Odoo provisioning: %d created, %d updated, %d unchanged",
		r.Count(Created), r.Count(Updated), r.Count(Unchanged))
	if n := r.Count(Skipped); n > 0 {
		fmt.Fprintf(&b, ", %d skipped", n)
	}
	b.WriteByte('\n')
	for _, s := range r.Steps {
		line := fmt.Sprintf("  %-9s  %-46s  %-24s  %s", s.Action, s.What, fmt.Sprintf("%s #%d", s.Model, s.ID), s.Detail)
		b.WriteString(strings.TrimRight(line, " "))
		b.WriteByte('\n')
	}
	return b.String()
}

// Run provisions Odoo and reports what it did. On error the report holds
// the steps completed before it; running again resumes.
func Run(ctx context.Context, c *odoo.Client, opts Options) (*Report, error) {
	if c == nil {
		return nil, errors.New("provision: nil odoo client")
	}
	p, err := newProvisioner(c, opts)
	if err != nil {
		return nil, err
	}
	steps := []func(context.Context) error{
		p.paymentMethod,
		p.provider,
		p.journal,
		p.paymentTerm,
		p.customFields,
		p.views,
		p.automationRules,
	}
	for _, step := range steps {
		if err := step(ctx); err != nil {
			return p.report, err
		}
	}
	return p.report, nil
}

type provisioner struct {
	c       *odoo.Client
	opts    Options
	log     *slog.Logger
	report  *Report
	baseURL string

	methodID int64
	termID   int64
}

func newProvisioner(c *odoo.Client, opts Options) (*provisioner, error) {
	base, err := url.Parse(strings.TrimSpace(opts.APIBaseURL))
	switch {
	case err != nil:
		return nil, fmt.Errorf("provision: APIBaseURL: %w", err)
	case base.Scheme != "http" && base.Scheme != "https", base.Host == "":
		return nil, fmt.Errorf("provision: APIBaseURL %q must be an absolute http(s) URL", opts.APIBaseURL)
	case base.RawQuery != "" || base.Fragment != "" || base.User != nil:
		return nil, fmt.Errorf("provision: APIBaseURL %q must not have credentials, a query or a fragment", opts.APIBaseURL)
	case opts.WebhookToken == "":
		return nil, errors.New("provision: WebhookToken is required")
	}
	if opts.JournalName == "" {
		opts.JournalName = DefaultJournalName
	}
	if opts.JournalCode == "" {
		opts.JournalCode = DefaultJournalCode
	}
	logger := opts.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &provisioner{
		c:       c,
		opts:    opts,
		log:     logger.With("component", "odoo-provision"),
		report:  &Report{},
		baseURL: strings.TrimRight(base.String(), "/"),
	}, nil
}

func (p *provisioner) record(ctx context.Context, s Step) {
	p.report.Steps = append(p.report.Steps, s)
	p.log.InfoContext(ctx, "odoo provisioning step", "what", s.What, "model", s.Model, "id", s.ID,
		"action", string(s.Action), "detail", s.Detail)
}

var inactiveToo = map[string]any{"active_test": false}

func eq(field string, value any) []any { return []any{field, "=", value} }

// searchFirst returns the lowest id matching domain (archived included), or 0.
func (p *provisioner) searchFirst(ctx context.Context, model string, domain ...[]any) (int64, error) {
	d := make([]any, len(domain))
	for i, leaf := range domain {
		d[i] = leaf
	}
	ids, err := p.c.Search(ctx, model, d, &odoo.SearchOptions{Limit: 1, Order: "id asc", Context: inactiveToo})
	if err != nil || len(ids) == 0 {
		return 0, err
	}
	return ids[0], nil
}

func (p *provisioner) readOne(ctx context.Context, model string, id int64, fields ...string) (odoo.Record, error) {
	recs, err := p.c.Read(ctx, model, []int64{id}, fields, inactiveToo)
	if err != nil {
		return nil, err
	}
	if len(recs) == 0 {
		return nil, fmt.Errorf("provision: read %s %d: %w", model, id, odoo.ErrNotFound)
	}
	return recs[0], nil
}

// paymentMethod finds Odoo's own Afterpay payment.method, which ships
// archived (payment/data/payment_method_data.xml), and leaves it archived.
//
// Odoo refuses to activate a payment method while every provider linked to
// it is disabled (payment.method.write: "This payment method needs a partner
// in crime; ..."), and the Afterpay provider stays disabled (see provider).
// Nothing needs the method active: Odoo creates and updates transactions
// whose method is archived, and the provider step links it to the provider
// by id, reading with active_test off (an archived method is invisible in
// payment_method_ids otherwise).
func (p *provisioner) paymentMethod(ctx context.Context) error {
	const what = "Afterpay payment method"
	_, id, err := p.c.XMLID(ctx, odoo.PaymentMethodXMLID)
	if errors.Is(err, odoo.ErrNotFound) {
		id, err = p.searchFirst(ctx, "payment.method", eq("code", odoo.PaymentMethodCode))
		if err == nil && id == 0 {
			err = fmt.Errorf("no payment.method %s (%s): %w", odoo.PaymentMethodXMLID, odoo.PaymentMethodCode, odoo.ErrNotFound)
		}
	}
	if err != nil {
		return fmt.Errorf("provision: %s: %w", what, err)
	}
	p.methodID = id
	rec, err := p.readOne(ctx, "payment.method", id, "active")
	if err != nil {
		return fmt.Errorf("provision: %s: %w", what, err)
	}
	active, err := rec.Bool("active")
	if err != nil {
		return fmt.Errorf("provision: %s: %w", what, err)
	}
	step := Step{What: what, Model: "payment.method", ID: id, Action: Unchanged, Detail: "active"}
	if !active {
		step.Detail = "stays archived: Odoo refuses to activate it while its providers are disabled, " +
			"and accepts the bridge's transactions with an archived method"
	}
	p.record(ctx, step)
	return nil
}

// provider ensures the Afterpay payment.provider.
//
// Code "custom" (payment_custom, installed with website_sale) rather than
// "none": "none" is Odoo's placeholder for providers whose module is not
// installed, and the UI offers to install a module for it. A custom provider
// with custom_mode False is allowed by payment_custom's SQL constraint; it
// stays "disabled" because enabling a custom provider requires a custom_mode
// (required_if_provider) and would turn it into a wire-transfer checkout
// option. It does not have to be enabled: the bridge creates the
// transactions itself over RPC and books the money through the accounting
// wizards, so it is never offered to customers and Odoo never processes its
// payments (is_post_processed is set on every transaction the bridge records).
func (p *provisioner) provider(ctx context.Context) error {
	const what = "Afterpay payment provider"
	id, err := p.searchFirst(ctx, "payment.provider", eq("name", odoo.ProviderName))
	if err != nil {
		return fmt.Errorf("provision: %s: %w", what, err)
	}
	if id == 0 {
		id, err = p.c.Create(ctx, "payment.provider", map[string]any{
			"name":               odoo.ProviderName,
			"code":               odoo.ProviderCode,
			"state":              "disabled",
			"is_published":       false,
			"payment_method_ids": []any{[]any{6, 0, []any{p.methodID}}},
		}, nil)
		if err != nil {
			return fmt.Errorf("provision: %s: create: %w", what, err)
		}
		p.record(ctx, Step{What: what, Model: "payment.provider", ID: id, Action: Created,
			Detail: "code " + odoo.ProviderCode + ", disabled, linked to the afterpay method"})
		return nil
	}
	rec, err := p.readOne(ctx, "payment.provider", id, "code", "payment_method_ids")
	if err != nil {
		return fmt.Errorf("provision: %s: %w", what, err)
	}
	methods, err := rec.IDs("payment_method_ids")
	if err != nil {
		return fmt.Errorf("provision: %s: %w", what, err)
	}
	code, err := rec.String("code")
	if err != nil {
		return fmt.Errorf("provision: %s: %w", what, err)
	}
	step := Step{What: what, Model: "payment.provider", ID: id, Action: Unchanged}
	var notes []string
	if code != odoo.ProviderCode {
		// Someone made it another kind of provider; respect that and say so.
		notes = append(notes, fmt.Sprintf("code is %q, not %q; left as is", code, odoo.ProviderCode))
	}
	if !slices.Contains(methods, p.methodID) {
		if err := p.c.Write(ctx, "payment.provider", []int64{id},
			map[string]any{"payment_method_ids": []any{[]any{4, p.methodID, 0}}}, nil); err != nil {
			return fmt.Errorf("provision: %s: link the afterpay method: %w", what, err)
		}
		step.Action = Updated
		notes = append(notes, "linked the afterpay method")
	}
	step.Detail = strings.Join(notes, "; ")
	p.record(ctx, step)
	return nil
}

// journal ensures the bank journal Afterpay's payments are registered in.
func (p *provisioner) journal(ctx context.Context) error {
	what := fmt.Sprintf("bank journal %s (%s)", p.opts.JournalName, p.opts.JournalCode)
	id, err := p.searchFirst(ctx, "account.journal", eq("code", p.opts.JournalCode))
	if err != nil {
		return fmt.Errorf("provision: %s: %w", what, err)
	}
	if id == 0 {
		id, err = p.c.Create(ctx, "account.journal", map[string]any{
			"name": p.opts.JournalName,
			"code": p.opts.JournalCode,
			"type": "bank",
		}, nil)
		if err != nil {
			return fmt.Errorf("provision: %s: create: %w", what, err)
		}
		p.record(ctx, Step{What: what, Model: "account.journal", ID: id, Action: Created})
		return nil
	}
	rec, err := p.readOne(ctx, "account.journal", id, "type", "active")
	if err != nil {
		return fmt.Errorf("provision: %s: %w", what, err)
	}
	journalType, err := rec.String("type")
	if err != nil {
		return fmt.Errorf("provision: %s: %w", what, err)
	}
	if journalType != "bank" {
		return fmt.Errorf("provision: %s: journal #%d with that code is a %q journal, not a bank journal: %w",
			what, id, journalType, odoo.ErrInvalidState)
	}
	step := Step{What: what, Model: "account.journal", ID: id, Action: Unchanged}
	if active, _ := rec.Bool("active"); !active {
		if err := p.c.Write(ctx, "account.journal", []int64{id}, map[string]any{"active": true}, nil); err != nil {
			return fmt.Errorf("provision: %s: unarchive: %w", what, err)
		}
		step.Action, step.Detail = Updated, "unarchived"
	}
	p.record(ctx, step)
	return nil
}

// paymentTerm ensures the Afterpay payment term, the marker of Afterpay
// orders: sales staff choose Afterpay by setting it on the quotation (a
// standard field, printed on quotations and invoices). It is due at once
// (100 % at 0 days), since Afterpay pays the merchant; Odoo 18 models that
// as one account.payment.term.line.
func (p *provisioner) paymentTerm(ctx context.Context) error {
	what := "payment term " + odoo.PaymentTermName
	wantLine := map[string]any{"value": "percent", "value_amount": 100.0, "nb_days": 0, "delay_type": "days_after"}
	id, err := p.searchFirst(ctx, "account.payment.term", eq("name", odoo.PaymentTermName))
	if err != nil {
		return fmt.Errorf("provision: %s: %w", what, err)
	}
	if id == 0 {
		id, err = p.c.Create(ctx, "account.payment.term", map[string]any{
			"name":     odoo.PaymentTermName,
			"line_ids": []any{[]any{0, 0, wantLine}},
		}, nil)
		if err != nil {
			return fmt.Errorf("provision: %s: create: %w", what, err)
		}
		p.termID = id
		p.record(ctx, Step{What: what, Model: "account.payment.term", ID: id, Action: Created, Detail: "100 % due at once"})
		return nil
	}
	p.termID = id
	rec, err := p.readOne(ctx, "account.payment.term", id, "active", "line_ids", "early_discount")
	if err != nil {
		return fmt.Errorf("provision: %s: %w", what, err)
	}
	active, err1 := rec.Bool("active")
	lineIDs, err2 := rec.IDs("line_ids")
	discount, err3 := rec.Bool("early_discount")
	if err := errors.Join(err1, err2, err3); err != nil {
		return fmt.Errorf("provision: %s: %w", what, err)
	}
	lines, err := p.c.Read(ctx, "account.payment.term.line", lineIDs, []string{"value", "value_amount", "nb_days", "delay_type"}, nil)
	if err != nil {
		return fmt.Errorf("provision: %s: %w", what, err)
	}
	immediate := len(lines) == 1
	for _, l := range lines {
		value, _ := l.String("value")
		amount, _ := l.Decimal("value_amount")
		days, _ := l.Int64("nb_days")
		delay, _ := l.String("delay_type")
		immediate = immediate && value == "percent" && (amount == "100.0" || amount == "100") && days == 0 && delay == "days_after"
	}
	vals := map[string]any{}
	var changes []string
	if !active {
		vals["active"] = true
		changes = append(changes, "unarchived")
	}
	if !immediate {
		vals["line_ids"] = []any{[]any{5, 0, 0}, []any{0, 0, wantLine}}
		changes = append(changes, "lines reset to 100 % due at once")
	}
	if discount {
		vals["early_discount"] = false
		changes = append(changes, "early payment discount removed")
	}
	step := Step{What: what, Model: "account.payment.term", ID: id, Action: Unchanged}
	if len(vals) > 0 {
		if err := p.c.Write(ctx, "account.payment.term", []int64{id}, vals, nil); err != nil {
			return fmt.Errorf("provision: %s: repair: %w", what, err)
		}
		step.Action, step.Detail = Updated, strings.Join(changes, "; ")
	}
	p.record(ctx, step)
	return nil
}

type customField struct {
	model, name, ttype, label string
	// selection are the options of a selection field, in order.
	selection []option
}

type option struct{ value, label string }

// The manual fields the bridge writes: the Afterpay order id on orders (and
// on the invoices and credit notes made for them, for finance), the
// payment's status and the instalment plan shown to the customer.
var customFields = []customField{
	{"sale.order", odoo.FieldAfterpayOrderID, "char", "Afterpay Order ID", nil},
	{"sale.order", odoo.FieldAfterpayStatus, "char", "Afterpay Status", nil},
	{"sale.order", odoo.FieldAfterpayInstalments, "text", "Afterpay Instalments", nil},
	{"account.move", odoo.FieldAfterpayOrderID, "char", "Afterpay Order ID", nil},
	// The capture mode Odoo users may choose per order; empty is the
	// product's default.
	{"sale.order", odoo.FieldAfterpayCapture, "selection", "Afterpay Capture", []option{
		{odoo.CaptureImmediate, "When the customer approves"},
		{odoo.CaptureDeferred, "On delivery"},
	}},
	// The merchant's Afterpay limits, cached by the worker's schedule next
	// to Odoo's own maximum_amount (Odoo 18 has no minimum).
	{"payment.provider", odoo.FieldLimitsMinimum, "float", "Afterpay Minimum Amount", nil},
	{"payment.provider", odoo.FieldLimitsCurrency, "char", "Afterpay Limits Currency", nil},
	{"payment.provider", odoo.FieldLimitsRefreshed, "datetime", "Afterpay Limits Read At", nil},
}

func (p *provisioner) customFields(ctx context.Context) error {
	for _, f := range customFields {
		if err := p.customField(ctx, f); err != nil {
			return err
		}
	}
	return nil
}

func (p *provisioner) customField(ctx context.Context, f customField) error {
	what := "custom field " + f.model + "." + f.name
	id, err := p.searchFirst(ctx, "ir.model.fields", eq("model", f.model), eq("name", f.name))
	if err != nil {
		return fmt.Errorf("provision: %s: %w", what, err)
	}
	if id == 0 {
		modelID, err := p.c.ModelID(ctx, f.model)
		if err != nil {
			return fmt.Errorf("provision: %s: %w", what, err)
		}
		vals := map[string]any{
			"model_id":          modelID,
			"model":             f.model,
			"name":              f.name,
			"ttype":             f.ttype,
			"field_description": f.label,
			"state":             "manual",
			// A duplicated order is a new sale, not the same Afterpay order.
			"copied": false,
		}
		if len(f.selection) > 0 {
			var options []any
			for i, o := range f.selection {
				options = append(options, []any{0, 0, map[string]any{"value": o.value, "name": o.label, "sequence": i + 1}})
			}
			vals["selection_ids"] = options
		}
		id, err = p.c.Create(ctx, "ir.model.fields", vals, nil)
		if err != nil {
			return fmt.Errorf("provision: %s: create: %w", what, err)
		}
		p.record(ctx, Step{What: what, Model: "ir.model.fields", ID: id, Action: Created, Detail: f.ttype})
		return nil
	}
	rec, err := p.readOne(ctx, "ir.model.fields", id, "ttype", "field_description")
	if err != nil {
		return fmt.Errorf("provision: %s: %w", what, err)
	}
	ttype, err := rec.String("ttype")
	if err != nil {
		return fmt.Errorf("provision: %s: %w", what, err)
	}
	if ttype != f.ttype {
		// Changing a column's type would convert or drop data; a human decides.
		return fmt.Errorf("provision: %s exists as %q, want %q: %w", what, ttype, f.ttype, odoo.ErrInvalidState)
	}
	step := Step{What: what, Model: "ir.model.fields", ID: id, Action: Unchanged}
	vals := map[string]any{}
	var changes []string
	if label, _ := rec.String("field_description"); label != f.label {
		vals["field_description"] = f.label
		changes = append(changes, fmt.Sprintf("label %q -> %q", label, f.label))
	}
	if len(f.selection) > 0 {
		commands, err := p.selectionRepairs(ctx, id, f.selection)
		if err != nil {
			return fmt.Errorf("provision: %s: %w", what, err)
		}
		if len(commands) > 0 {
			vals["selection_ids"] = commands
			changes = append(changes, "options reset")
		}
	}
	if len(vals) > 0 {
		if err := p.c.Write(ctx, "ir.model.fields", []int64{id}, vals, nil); err != nil {
			return fmt.Errorf("provision: %s: repair: %w", what, err)
		}
		step.Action, step.Detail = Updated, strings.Join(changes, "; ")
	}
	p.record(ctx, step)
	return nil
}

// selectionRepairs returns the selection_ids commands that add missing
// options and put back their labels. Options an admin added are kept: a
// value removed from a selection would empty it on every record.
func (p *provisioner) selectionRepairs(ctx context.Context, fieldID int64, want []option) ([]any, error) {
	recs, err := p.c.SearchRead(ctx, "ir.model.fields.selection", []any{eq("field_id", fieldID)}, []string{"value", "name"}, nil)
	if err != nil {
		return nil, err
	}
	have := map[string]odoo.Record{}
	for _, r := range recs {
		v, _ := r.String("value")
		have[v] = r
	}
	var commands []any
	for i, o := range want {
		r, ok := have[o.value]
		if !ok {
			commands = append(commands, []any{0, 0, map[string]any{"value": o.value, "name": o.label, "sequence": i + 1}})
			continue
		}
		if label, _ := r.String("name"); label != o.label {
			commands = append(commands, []any{1, r.ID(), map[string]any{"name": o.label}})
		}
	}
	return commands, nil
}

type ruleSpec struct {
	name    string
	model   string
	stateTo string   // the state value that triggers the rule
	path    string   // webhook path under APIBaseURL
	fields  []string // record fields sent in the webhook body
	// filter is the filter_domain, written explicitly (see updateRule); a
	// %d in it is the Afterpay payment term's id.
	filter    string
	actionFor string
	// optional rules are skipped when their model does not exist (the
	// stock module is not installed).
	optional bool
}

var ruleSpecs = []ruleSpec{
	{
		name: OrderConfirmedRule, model: "sale.order", stateTo: "sale", path: OrderConfirmedPath,
		fields: []string{"name", "state", "amount_total", "currency_id", "partner_id", "client_order_ref"},
		// Spelled out so that a filter edited in the UI is noticed and put
		// back; an order without the Afterpay payment term sends nothing.
		filter:    orderConfirmedFilter,
		actionFor: "order confirmed",
	},
	{
		name: CreditNotePostedRule, model: "account.move", stateTo: "posted", path: CreditNotePostedPath,
		fields:    []string{"name", "state", "move_type", "amount_total", "reversed_entry_id", "invoice_origin", "ref"},
		filter:    creditNoteFilter,
		actionFor: "credit note posted",
	},
	{
		name: DeliveryDoneRule, model: "stock.picking", stateTo: "done", path: DeliveryDonePath,
		fields:    []string{"name", "state", "sale_id", "origin", "picking_type_code", "backorder_id"},
		filter:    deliveryDoneFilter,
		actionFor: "delivery done",
		optional:  true,
	},
	{
		name: OrderCancelledRule, model: "sale.order", stateTo: "cancel", path: OrderCancelledPath,
		fields:    []string{"name", "state"},
		filter:    orderCancelledFilter,
		actionFor: "order cancelled",
	},
	{
		name: InvoicePostedRule, model: "account.move", stateTo: "posted", path: InvoicePostedPath,
		fields:    []string{"name", "state", "move_type", "invoice_origin", "amount_total"},
		filter:    invoicePostedFilter,
		actionFor: "invoice posted",
	},
}

func (p *provisioner) automationRules(ctx context.Context) error {
	for _, spec := range ruleSpecs {
		if strings.Contains(spec.filter, "%d") {
			spec.filter = fmt.Sprintf(spec.filter, p.termID)
		}
		if err := p.automationRule(ctx, spec); err != nil {
			return err
		}
	}
	return nil
}

// webhookURL is the URL Odoo posts to, token included.
func (p *provisioner) webhookURL(path string) string {
	return p.baseURL + path + "?" + webhookTokenParameter + "=" + url.QueryEscape(p.opts.WebhookToken)
}

// maskToken hides the webhook token in a URL for reports and logs.
func maskToken(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(unparseable URL)"
	}
	q := u.Query()
	if q.Has(webhookTokenParameter) {
		q.Set(webhookTokenParameter, "***")
		u.RawQuery = strings.ReplaceAll(q.Encode(), "%2A%2A%2A", "***")
	}
	return u.String()
}

// ruleTargets are the ids an automation rule refers to.
type ruleTargets struct {
	modelID, stateFieldID, selectionID int64
	fieldIDs                           []int64
}

func (p *provisioner) resolveRuleTargets(ctx context.Context, spec ruleSpec) (ruleTargets, error) {
	var t ruleTargets
	var err error
	if t.modelID, err = p.c.ModelID(ctx, spec.model); err != nil {
		return t, err
	}
	if t.stateFieldID, err = p.searchFirst(ctx, "ir.model.fields", eq("model", spec.model), eq("name", "state")); err != nil {
		return t, err
	}
	if t.stateFieldID == 0 {
		return t, fmt.Errorf("field %s.state: %w", spec.model, odoo.ErrNotFound)
	}
	if t.selectionID, err = p.searchFirst(ctx, "ir.model.fields.selection", eq("field_id", t.stateFieldID), eq("value", spec.stateTo)); err != nil {
		return t, err
	}
	if t.selectionID == 0 {
		return t, fmt.Errorf("selection value %s.state %q: %w", spec.model, spec.stateTo, odoo.ErrNotFound)
	}
	recs, err := p.c.SearchRead(ctx, "ir.model.fields",
		[]any{eq("model", spec.model), []any{"name", "in", toAny(spec.fields)}}, []string{"name"}, nil)
	if err != nil {
		return t, err
	}
	byName := map[string]int64{}
	for _, r := range recs {
		name, _ := r.String("name")
		byName[name] = r.ID()
	}
	for _, name := range spec.fields {
		id, ok := byName[name]
		if !ok {
			return t, fmt.Errorf("field %s.%s: %w", spec.model, name, odoo.ErrNotFound)
		}
		t.fieldIDs = append(t.fieldIDs, id)
	}
	slices.Sort(t.fieldIDs)
	return t, nil
}

func (p *provisioner) automationRule(ctx context.Context, spec ruleSpec) error {
	what := fmt.Sprintf("automation rule %q", spec.name)
	t, err := p.resolveRuleTargets(ctx, spec)
	if spec.optional && errors.Is(err, odoo.ErrNotFound) && t.modelID == 0 {
		p.record(ctx, Step{What: what, Model: "base.automation", Action: Skipped,
			Detail: spec.model + " does not exist (is sale_stock installed?): no webhook for " + spec.actionFor})
		return nil
	}
	if err != nil {
		return fmt.Errorf("provision: %s: %w", what, err)
	}
	hookURL := p.webhookURL(spec.path)
	actionVals := map[string]any{
		"name":              webhookActionName + " (" + spec.actionFor + ")",
		"model_id":          t.modelID,
		"state":             "webhook",
		"webhook_url":       hookURL,
		"webhook_field_ids": []any{[]any{6, 0, toAny(t.fieldIDs)}},
	}
	id, err := p.searchFirst(ctx, "base.automation", eq("name", spec.name), eq("model_id", t.modelID))
	if err != nil {
		return fmt.Errorf("provision: %s: %w", what, err)
	}
	if id == 0 {
		vals := map[string]any{
			"name":                   spec.name,
			"model_id":               t.modelID,
			"trigger":                "on_state_set",
			"trigger_field_ids":      []any{[]any{6, 0, []any{t.stateFieldID}}},
			"trg_selection_field_id": t.selectionID,
			"action_server_ids":      []any{[]any{0, 0, actionVals}},
		}
		if spec.filter != "" {
			// Kept when given in the same create (transcripts-2 208).
			vals["filter_domain"] = spec.filter
		}
		if id, err = p.c.Create(ctx, "base.automation", vals, nil); err != nil {
			return fmt.Errorf("provision: %s: create: %w", what, err)
		}
		p.record(ctx, Step{What: what, Model: "base.automation", ID: id, Action: Created, Detail: "POST " + maskToken(hookURL)})
		return nil
	}

	changes, err := p.updateRule(ctx, id, spec, t, actionVals)
	if err != nil {
		return fmt.Errorf("provision: %s: %w", what, err)
	}
	step := Step{What: what, Model: "base.automation", ID: id, Action: Unchanged}
	if len(changes) > 0 {
		step.Action, step.Detail = Updated, strings.Join(changes, "; ")
	}
	p.record(ctx, step)
	return nil
}

// updateRule brings an existing rule and its webhook action in line with
// spec and returns a description of each change.
func (p *provisioner) updateRule(ctx context.Context, id int64, spec ruleSpec, t ruleTargets, actionVals map[string]any) ([]string, error) {
	rec, err := p.readOne(ctx, "base.automation", id,
		"trigger", "trigger_field_ids", "trg_selection_field_id", "filter_domain", "action_server_ids", "active")
	if err != nil {
		return nil, err
	}
	trigger, err1 := rec.String("trigger")
	triggerFields, err2 := rec.IDs("trigger_field_ids")
	selection, err3 := rec.Ref("trg_selection_field_id")
	filter, err4 := rec.String("filter_domain")
	actionIDs, err5 := rec.IDs("action_server_ids")
	active, err6 := rec.Bool("active")
	if err := errors.Join(err1, err2, err3, err4, err5, err6); err != nil {
		return nil, err
	}

	var changes []string
	vals := map[string]any{}
	if trigger != "on_state_set" || selection.ID != t.selectionID || !slices.Equal(triggerFields, []int64{t.stateFieldID}) {
		vals["trigger"] = "on_state_set"
		vals["trg_selection_field_id"] = t.selectionID
		vals["trigger_field_ids"] = []any{[]any{6, 0, []any{t.stateFieldID}}}
		changes = append(changes, "trigger reset to state "+spec.stateTo)
	}
	if spec.filter != "" && (filter != spec.filter || len(vals) > 0) {
		// Written with the trigger, or Odoo recomputes it to state only.
		vals["filter_domain"] = spec.filter
		if filter != spec.filter {
			changes = append(changes, "filter reset to "+spec.filter)
		}
	}
	if !active {
		vals["active"] = true
		changes = append(changes, "re-activated")
	}

	actionChanges, err := p.ensureWebhookAction(ctx, actionIDs, t.fieldIDs, actionVals, vals)
	if err != nil {
		return nil, err
	}
	changes = append(changes, actionChanges...)
	if len(vals) > 0 {
		if err := p.c.Write(ctx, "base.automation", []int64{id}, vals, nil); err != nil {
			return nil, err
		}
	}
	return changes, nil
}

// ensureWebhookAction checks the rule's webhook server action (the first
// with state webhook) and fixes its URL and fields; with none, it adds one
// to ruleVals.
func (p *provisioner) ensureWebhookAction(ctx context.Context, actionIDs, wantFields []int64, want, ruleVals map[string]any) ([]string, error) {
	// One read per action: reading several server actions with some fields
	// in one call faults in Odoo 18 (transcripts-2 209).
	for _, actionID := range actionIDs {
		rec, err := p.readOne(ctx, "ir.actions.server", actionID, "state", "webhook_url", "webhook_field_ids")
		if err != nil {
			return nil, err
		}
		state, _ := rec.String("state")
		if state != "webhook" {
			continue
		}
		current, err1 := rec.String("webhook_url")
		fields, err2 := rec.IDs("webhook_field_ids")
		if err := errors.Join(err1, err2); err != nil {
			return nil, err
		}
		var changes []string
		vals := map[string]any{}
		if wantURL := want["webhook_url"].(string); current != wantURL {
			vals["webhook_url"] = wantURL
			changes = append(changes, fmt.Sprintf("webhook URL changed from %s to %s", maskToken(current), maskToken(wantURL)))
		}
		slices.Sort(fields)
		if !slices.Equal(fields, wantFields) {
			vals["webhook_field_ids"] = want["webhook_field_ids"]
			changes = append(changes, "webhook fields reset")
		}
		if len(vals) > 0 {
			if err := p.c.Write(ctx, "ir.actions.server", []int64{actionID}, vals, nil); err != nil {
				return nil, err
			}
		}
		return changes, nil
	}
	ruleVals["action_server_ids"] = []any{[]any{0, 0, want}}
	return []string{"webhook action added: POST " + maskToken(want["webhook_url"].(string))}, nil
}

func toAny[T any](xs []T) []any {
	out := make([]any, len(xs))
	for i, x := range xs {
		out[i] = x
	}
	return out
}
