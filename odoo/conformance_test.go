package odoo_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/odoo-afterpay/bridge/money"
	"github.com/odoo-afterpay/bridge/odoo"
	"github.com/odoo-afterpay/bridge/odoo/fakeodoo"
	"github.com/odoo-afterpay/bridge/odoo/provision"
)

// The conformance suite runs every Odoo call the product makes, through
// the odoo client, against the project's fake Odoo (always, in process) and
// against a real Odoo 18 when these are set:
//
//	CONFORMANCE_ODOO_URL, CONFORMANCE_ODOO_DB, CONFORMANCE_ODOO_USERNAME, CONFORMANCE_ODOO_PASSWORD
//
// The real database must be fresh and the suite's own (provisioning runs on
// it; make test-odoo starts one); by hand, with ../shared/odoo18:
//
//	odoo18 up --port 8101 --db bridge_conformance   # between runs: odoo18 reset --port 8101 --db bridge_conformance
//	CONFORMANCE_ODOO_URL=http://127.0.0.1:8101 CONFORMANCE_ODOO_DB=bridge_conformance \
//	CONFORMANCE_ODOO_USERNAME=admin CONFORMANCE_ODOO_PASSWORD=admin \
//	go test ./odoo -run TestConformance -v
//
// Each scenario creates its own partners, products and orders (no demo
// record ids), asserts what the product expects on each backend and
// returns a normalised observation (states, amounts as money, fault kinds
// and Odoo's messages, counts). When both backends ran, the fake's
// observations must equal the real server's: where they differ, the fake is
// wrong.

// Provisioning needs an API URL and a token: each backend gets a local
// listener (cbackend.hooks) that records the automation rules' webhooks,
// which Odoo posts synchronously, before it commits. A real Odoo on this
// machine reaches it on 127.0.0.1.
const conformanceToken = "conformance-token-0123456789abcd" // 32 characters

// observation is what a scenario saw, normalised so that two Odoo servers
// with different ids, names and dates see the same thing.
type observation map[string]any

// cbackend is one Odoo the suite runs against.
type cbackend struct {
	name string
	cfg  odoo.Config
	c    *odoo.Client
	// run makes references unique, so the suite can run again on a
	// database it has already used (provisioning aside).
	run string

	us, california, tax10 int64
	// hooks receives the webhooks of the rules provisioning creates.
	hooks *hookRecorder
}

func (b *cbackend) ref(prefix string) string { return prefix + "-" + b.run }

func conformanceBackends(t *testing.T) []*cbackend {
	t.Helper()
	run := strconv.FormatInt(time.Now().UnixNano(), 36)
	srv, err := fakeodoo.NewDemo(fakeodoo.Options{Database: "conformance", Logger: slog.New(slog.DiscardHandler)})
	require.NoError(t, err)
	hs := httptest.NewServer(srv)
	t.Cleanup(hs.Close)
	backends := []*cbackend{{name: "fake", run: run, cfg: odoo.Config{URL: hs.URL, Database: srv.Database(), Username: "admin", Password: "admin"}}}

	env := map[string]string{}
	for _, k := range []string{"CONFORMANCE_ODOO_URL", "CONFORMANCE_ODOO_DB", "CONFORMANCE_ODOO_USERNAME", "CONFORMANCE_ODOO_PASSWORD"} {
		if v := os.Getenv(k); v != "" {
			env[k] = v
		}
	}
	switch len(env) {
	case 0:
		t.Log("real Odoo: not configured (set CONFORMANCE_ODOO_URL, _DB, _USERNAME, _PASSWORD); the fake runs alone")
	case 4:
		backends = append(backends, &cbackend{name: "real", run: run, cfg: odoo.Config{URL: env["CONFORMANCE_ODOO_URL"],
			Database: env["CONFORMANCE_ODOO_DB"], Username: env["CONFORMANCE_ODOO_USERNAME"], Password: env["CONFORMANCE_ODOO_PASSWORD"]}})
	default:
		t.Fatalf("set all of CONFORMANCE_ODOO_URL, _DB, _USERNAME and _PASSWORD, or none (have %d)", len(env))
	}
	for _, b := range backends {
		b.cfg.Timeout = 60 * time.Second
		c, err := odoo.NewClient(b.cfg)
		require.NoError(t, err)
		b.c = c
		b.hooks = &hookRecorder{}
		listener := httptest.NewServer(b.hooks)
		t.Cleanup(listener.Close)
		b.hooks.url = listener.URL
	}
	return backends
}

type cscenario struct {
	name string
	run  func(t *testing.T, b *cbackend) observation
}

// The scenarios, in order: provisioning first, the others need it.
var cscenarios = []cscenario{
	{"provision", cProvision},
	{"read order", cReadOrder},
	{"transaction", cTransaction},
	{"post note", cPostNote},
	{"invoice on order", cInvoiceOnOrder},
	{"invoice on delivery", cInvoiceOnDelivery},
	{"partly invoiceable order", cPartlyInvoiceable},
	{"register payment", cRegisterPayment},
	{"afterpay fields", cAfterpayFields},
	{"faults", cFaults},
}

func TestConformance(t *testing.T) {
	backends := conformanceBackends(t)
	seen := map[string]map[string]observation{}
	for _, b := range backends {
		seen[b.name] = map[string]observation{}
		t.Run(b.name, func(t *testing.T) {
			ctx := context.Background()
			v, err := b.c.Version(ctx)
			require.NoError(t, err)
			require.Equal(t, "18.0", v.Serie, "an Odoo 18")
			b.fixture(t)
			for _, s := range cscenarios {
				t.Run(s.name, func(t *testing.T) {
					obs := s.run(t, b)
					seen[b.name][s.name] = obs
					t.Logf("%s observed: %v", b.name, obs)
				})
			}
		})
	}
	if len(backends) < 2 {
		return
	}
	t.Run("fake equals real", func(t *testing.T) {
		for _, s := range cscenarios {
			want, got := seen["real"][s.name], seen["fake"][s.name]
			if want == nil || got == nil {
				// Failed (reported above) or filtered out with -run.
				t.Logf("%s: not observed on both backends, not compared", s.name)
				continue
			}
			for _, k := range sortedKeys(want, got) {
				assert.Equal(t, want[k], got[k], "%s: %s (expected: the real server, actual: the fake)", s.name, k)
			}
		}
	})
}

func sortedKeys(ms ...observation) []string {
	var keys []string
	for _, m := range ms {
		for k := range m {
			if !slices.Contains(keys, k) {
				keys = append(keys, k)
			}
		}
	}
	slices.Sort(keys)
	return keys
}

// --- fixtures -------------------------------------------------------------

// fixture finds the US and California and finds or creates the suite's own
// 10 % sale tax (tax names are unique per company).
func (b *cbackend) fixture(t *testing.T) {
	t.Helper()
	ctx := context.Background()
	us, err := b.c.Search(ctx, "res.country", []any{[]any{"code", "=", "US"}}, nil)
	require.NoError(t, err)
	require.Len(t, us, 1)
	b.us = us[0]
	ca, err := b.c.Search(ctx, "res.country.state", []any{[]any{"code", "=", "CA"}, []any{"country_id", "=", b.us}}, nil)
	require.NoError(t, err)
	require.Len(t, ca, 1)
	b.california = ca[0]
	const taxName = "Conformance 10%"
	taxes, err := b.c.Search(ctx, "account.tax", []any{[]any{"name", "=", taxName}, []any{"type_tax_use", "=", "sale"}},
		&odoo.SearchOptions{Context: map[string]any{"active_test": false}})
	require.NoError(t, err)
	if len(taxes) > 0 {
		b.tax10 = taxes[0]
		return
	}
	b.tax10, err = b.c.Create(ctx, "account.tax", map[string]any{"name": taxName, "amount": 10, "amount_type": "percent",
		"type_tax_use": "sale"}, nil)
	require.NoError(t, err)
}

func cusd(minor int64) money.Money { return money.MustNew(minor, "USD") }

// customer creates a partner with a full US address; extra overrides.
func (b *cbackend) customer(t *testing.T, name string, extra map[string]any) int64 {
	t.Helper()
	vals := map[string]any{"name": name, "email": "conformance@example.com", "phone": "+1 415 555 0100",
		"street": "1 Market St", "city": "San Francisco", "zip": "94105", "state_id": b.california, "country_id": b.us}
	for k, v := range extra {
		vals[k] = v
	}
	id, err := b.c.Create(context.Background(), "res.partner", vals, nil)
	require.NoError(t, err)
	return id
}

// product creates a product (kind consu or service, policy order or
// delivery) with exactly the given taxes.
func (b *cbackend) product(t *testing.T, name, sku string, price money.Money, kind, policy string, taxes ...int64) int64 {
	t.Helper()
	id, err := b.c.Create(context.Background(), "product.product", map[string]any{"name": name, "default_code": sku,
		"list_price": price, "type": kind, "invoice_policy": policy, "sale_ok": true,
		"taxes_id": []any{[]any{6, 0, toAnySlice(taxes)}}}, nil)
	require.NoError(t, err)
	return id
}

func toAnySlice(ids []int64) []any {
	out := make([]any, len(ids))
	for i, id := range ids {
		out[i] = id
	}
	return out
}

// confirmedOrderOf creates and confirms a one-line order and reads it.
func (b *cbackend) confirmedOrderOf(t *testing.T, partner, product, qty int64, ref string) *odoo.SaleOrder {
	t.Helper()
	ctx := context.Background()
	id, err := b.c.CreateSaleOrder(ctx, odoo.SaleOrderDraft{PartnerID: partner, ClientOrderRef: ref,
		Lines: []odoo.SaleOrderDraftLine{{ProductID: product, Quantity: qty}}})
	require.NoError(t, err)
	// Provisioned: Odoo posts the order-confirmed webhook to a closed port
	// before it commits; the refused connection is only logged.
	require.NoError(t, b.c.ConfirmSaleOrder(ctx, id))
	so, err := b.c.ReadSaleOrder(ctx, id)
	require.NoError(t, err)
	require.Equal(t, "sale", so.State)
	return so
}

// faultOf normalises an error: its fault code, kind and Odoo's message.
func faultOf(err error) observation {
	if err == nil {
		return observation{"error": "none"}
	}
	f, ok := odoo.AsFault(err)
	if !ok {
		return observation{"error": err.Error()}
	}
	return observation{"code": f.Code, "kind": f.Kind().String(), "message": f.Message}
}

// lastParagraph keeps what follows the last blank line of a message (view
// errors quote the combined arch before it).
func lastParagraph(s string) string {
	if i := strings.LastIndex(s, "\n\n"); i >= 0 {
		return s[i+2:]
	}
	return s
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}

func count(t *testing.T, b *cbackend, model string, domain ...[]any) int {
	t.Helper()
	d := make([]any, len(domain))
	for i, leaf := range domain {
		d[i] = leaf
	}
	ids, err := b.c.Search(context.Background(), model, d, &odoo.SearchOptions{Context: map[string]any{"active_test": false}})
	require.NoError(t, err)
	return len(ids)
}

func readOne(t *testing.T, b *cbackend, model string, id int64, kwctx map[string]any, fields ...string) odoo.Record {
	t.Helper()
	recs, err := b.c.Read(context.Background(), model, []int64{id}, fields, kwctx)
	require.NoError(t, err)
	require.Len(t, recs, 1, "%s %d", model, id)
	return recs[0]
}

func refID(t *testing.T, r odoo.Record, field string) int64 {
	t.Helper()
	ref, err := r.Ref(field)
	require.NoError(t, err)
	return ref.ID
}

func ids(t *testing.T, r odoo.Record, field string) []int64 {
	t.Helper()
	v, err := r.IDs(field)
	require.NoError(t, err)
	return v
}

func text(t *testing.T, r odoo.Record, field string) string {
	t.Helper()
	v, err := r.String(field)
	require.NoError(t, err)
	return v
}

func boolean(t *testing.T, r odoo.Record, field string) bool {
	t.Helper()
	v, err := r.Bool(field)
	require.NoError(t, err)
	return v
}

func amount(t *testing.T, r odoo.Record, field string) money.Money {
	t.Helper()
	v, err := r.Money(field, "USD")
	require.NoError(t, err)
	return v
}

// --- scenarios ------------------------------------------------------------

// cProvision: setup-odoo on a fresh database creates everything, a second
// run changes nothing; the Afterpay method stays archived because both
// servers refuse to activate it; the custom fields show on the forms.
func cProvision(t *testing.T, b *cbackend) observation {
	ctx := context.Background()
	obs := observation{}
	opts := provision.Options{APIBaseURL: b.hooks.url, WebhookToken: conformanceToken}
	first, err := provision.Run(ctx, b.c, opts)
	require.NoError(t, err, "provisioning: %v", first)
	obs["first run"] = stepActions(first)
	require.Equal(t, 18, first.Count(provision.Created),
		"a fresh database is provisioned from scratch (reset the real one, e.g. odoo18 reset --port 8101 --db bridge_conformance):\n%s", first)
	second, err := provision.Run(ctx, b.c, opts)
	require.NoError(t, err)
	require.False(t, second.Changed(), "the second run changes nothing:\n%s", second)
	obs["second run"] = stepActions(second)

	providerID, methodID, err := b.c.FindAfterpayProvider(ctx)
	require.NoError(t, err)
	inactiveToo := map[string]any{"active_test": false}
	method := readOne(t, b, "payment.method", methodID, inactiveToo, "active", "code", "provider_ids")
	obs["method"] = observation{"active": boolean(t, method, "active"), "code": text(t, method, "code"),
		"linked to the provider": slices.Contains(ids(t, method, "provider_ids"), providerID)}
	provider := readOne(t, b, "payment.provider", providerID, inactiveToo, "code", "state", "is_published", "payment_method_ids")
	hidden := readOne(t, b, "payment.provider", providerID, nil, "payment_method_ids")
	obs["provider"] = observation{"code": text(t, provider, "code"), "state": text(t, provider, "state"),
		"published":                 boolean(t, provider, "is_published"),
		"methods (active_test off)": len(ids(t, provider, "payment_method_ids")),
		"methods (active_test on)":  len(ids(t, hidden, "payment_method_ids"))}
	require.Equal(t, observation{"active": false, "code": "afterpay", "linked to the provider": true}, obs["method"])

	err = b.c.Write(ctx, "payment.method", []int64{methodID}, map[string]any{"active": true}, nil)
	require.True(t, odoo.IsBusiness(err), "Odoo refuses to activate the method: %v", err)
	obs["method activation"] = faultOf(err)
	require.Equal(t, false, boolean(t, readOne(t, b, "payment.method", methodID, inactiveToo, "active"), "active"))

	fields := observation{}
	for _, f := range []struct{ model, name string }{
		{"sale.order", odoo.FieldAfterpayOrderID}, {"sale.order", odoo.FieldAfterpayStatus},
		{"sale.order", odoo.FieldAfterpayInstalments}, {"account.move", odoo.FieldAfterpayOrderID},
	} {
		recs, err := b.c.SearchRead(ctx, "ir.model.fields", []any{[]any{"model", "=", f.model}, []any{"name", "=", f.name}},
			[]string{"ttype", "field_description", "state"}, nil)
		require.NoError(t, err)
		require.Len(t, recs, 1, f.name)
		fields[f.model+"."+f.name] = text(t, recs[0], "ttype") + " " + text(t, recs[0], "state") + " " + strconv.Quote(text(t, recs[0], "field_description"))
	}
	capture, err := b.c.SearchRead(ctx, "ir.model.fields", []any{[]any{"model", "=", "sale.order"}, []any{"name", "=", odoo.FieldAfterpayCapture}},
		[]string{"ttype", "field_description", "state", "selection_ids"}, nil)
	require.NoError(t, err)
	require.Len(t, capture, 1)
	options, err := b.c.SearchRead(ctx, "ir.model.fields.selection", []any{[]any{"field_id", "=", capture[0].ID()}}, []string{"value", "name"}, nil)
	require.NoError(t, err)
	var labels []string
	for _, o := range options {
		labels = append(labels, text(t, o, "value")+"="+text(t, o, "name"))
	}
	fields["sale.order."+odoo.FieldAfterpayCapture] = text(t, capture[0], "ttype") + " " + text(t, capture[0], "state") + " " +
		strconv.Quote(text(t, capture[0], "field_description")) + " " + strings.Join(labels, ", ")
	require.Equal(t, `selection manual "Afterpay Capture" immediate=When the customer approves, deferred=On delivery`, fields["sale.order."+odoo.FieldAfterpayCapture])
	obs["custom fields"] = fields

	term, err := b.c.FindAfterpayPaymentTerm(ctx)
	require.NoError(t, err)
	termRec := readOne(t, b, "account.payment.term", term, nil, "name", "active", "line_ids", "early_discount")
	lines, err := b.c.Read(ctx, "account.payment.term.line", ids(t, termRec, "line_ids"), []string{"value", "value_amount", "nb_days", "delay_type"}, nil)
	require.NoError(t, err)
	var termLines []observation
	for _, l := range lines {
		termLines = append(termLines, observation{"value": text(t, l, "value"), "amount": l["value_amount"], "days": l["nb_days"], "delay": text(t, l, "delay_type")})
	}
	obs["payment term"] = observation{"name": text(t, termRec, "name"), "active": boolean(t, termRec, "active"),
		"early discount": boolean(t, termRec, "early_discount"), "lines": termLines}
	require.Equal(t, observation{"name": "Afterpay", "active": true, "early discount": false,
		"lines": []observation{{"value": "percent", "amount": 100.0, "days": int64(0), "delay": "days_after"}}}, obs["payment term"])

	rules := observation{}
	for _, name := range []string{provision.OrderConfirmedRule, provision.CreditNotePostedRule, provision.DeliveryDoneRule,
		provision.OrderCancelledRule, provision.InvoicePostedRule} {
		recs, err := b.c.SearchRead(ctx, "base.automation", []any{[]any{"name", "=", name}}, []string{"trigger", "filter_domain", "active"}, nil)
		require.NoError(t, err)
		require.Len(t, recs, 1, name)
		rules[name] = observation{"trigger": text(t, recs[0], "trigger"), "active": boolean(t, recs[0], "active"),
			"filter": strings.ReplaceAll(text(t, recs[0], "filter_domain"), strconv.FormatInt(term, 10), "TERM")}
	}
	obs["rules"] = rules

	forms := observation{}
	for model, names := range map[string][]string{
		"sale.order":   {odoo.FieldAfterpayOrderID, odoo.FieldAfterpayStatus, odoo.FieldAfterpayInstalments},
		"account.move": {odoo.FieldAfterpayOrderID},
	} {
		res, err := b.c.ExecuteKW(ctx, model, "get_views", []any{[]any{[]any{false, "form"}}}, nil)
		require.NoError(t, err)
		arch, described := formOf(t, res, model)
		for _, name := range names {
			forms[model+" form shows "+name] = strings.Contains(arch, `<field name="`+name+`" readonly="1"`) && slices.Contains(described, name)
			require.True(t, forms[model+" form shows "+name].(bool), "%s form: %s", model, name)
		}
	}
	res, err := b.c.ExecuteKW(ctx, "sale.order", "get_views", []any{[]any{[]any{false, "form"}}}, nil)
	require.NoError(t, err)
	arch, described := formOf(t, res, "sale.order")
	editable := regexp.MustCompile(`<field name="` + odoo.FieldAfterpayCapture + `"([^>]*)/>`).FindStringSubmatch(arch)
	require.NotNil(t, editable, "the order form shows the capture mode")
	forms["sale.order form shows "+odoo.FieldAfterpayCapture] = strings.TrimSpace(editable[1])
	require.Equal(t, `readonly="state not in ('draft', 'sent')"`, forms["sale.order form shows "+odoo.FieldAfterpayCapture])
	require.Contains(t, described, odoo.FieldAfterpayCapture)
	obs["forms"] = forms

	_, parent, err := b.c.XMLID(ctx, "sale.view_order_form")
	require.NoError(t, err)
	_, err = b.c.Create(ctx, "ir.ui.view", map[string]any{"name": b.ref("conformance.bad"), "model": "sale.order", "inherit_id": parent,
		"arch": `<data><xpath expr="//page[@name='other_information']" position="after"><page string="X"><field name="x_conformance_nope"/></page></xpath></data>`}, nil)
	bad := faultOf(err)
	if msg, ok := bad["message"].(string); ok {
		bad["message"] = lastParagraph(msg)
	}
	obs["view with an unknown field"] = bad
	require.Equal(t, observation{"code": 2, "kind": "business", "message": `Field "x_conformance_nope" does not exist in model "sale.order"`}, bad)
	require.Zero(t, count(t, b, "ir.ui.view", []any{"name", "=", b.ref("conformance.bad")}))
	return obs
}

func stepActions(r *provision.Report) observation {
	out := observation{}
	for _, s := range r.Steps {
		out[s.What] = string(s.Action)
	}
	return out
}

// formOf returns get_views' form arch and the fields it describes.
func formOf(t *testing.T, res any, model string) (string, []string) {
	t.Helper()
	m, ok := res.(map[string]any)
	require.True(t, ok, "get_views answered %T", res)
	views, _ := m["views"].(map[string]any)
	form, _ := views["form"].(map[string]any)
	arch, _ := form["arch"].(string)
	models, _ := m["models"].(map[string]any)
	desc, _ := models[model].(map[string]any)
	fields, _ := desc["fields"].(map[string]any)
	var names []string
	for k := range fields {
		names = append(names, k)
	}
	return arch, names
}

// cReadOrder: an order with a taxed line, a discounted untaxed line and a
// delivery line (the carrier wizard), invoice and shipping contacts; read
// by id and by name.
func cReadOrder(t *testing.T, b *cbackend) observation {
	ctx := context.Background()
	partner := b.customer(t, "Conformance Customer", nil)
	billing := b.customer(t, "Conformance Billing", map[string]any{"type": "invoice", "parent_id": partner,
		"street": "2 Bill St", "city": "Los Angeles", "zip": "90001", "email": "billing@example.com", "phone": false})
	shipping := b.customer(t, "Conformance Shipping", map[string]any{"type": "delivery", "parent_id": partner,
		"street": "3 Ship St", "street2": "Suite 4", "city": "San Diego", "zip": "92101", "email": false, "phone": false, "mobile": "+1 619 555 0104"})
	headphones := b.product(t, "Conformance Headphones", "CONF-HDPH", cusd(12900), "consu", "order", b.tax10)
	shoes := b.product(t, "Conformance Shoes", "CONF-SHOE", cusd(8999), "consu", "order")
	shipProduct := b.product(t, "Conformance Shipping Fee", "CONF-SHIP", cusd(750), "service", "order")
	carrier, err := b.c.Create(ctx, "delivery.carrier", map[string]any{"name": "Conformance Delivery", "product_id": shipProduct,
		"delivery_type": "fixed", "fixed_price": cusd(750)}, nil)
	require.NoError(t, err)
	ref := b.ref("CONF-READ")
	orderID, err := b.c.Create(ctx, "sale.order", map[string]any{"partner_id": partner, "client_order_ref": ref, "order_line": []any{
		[]any{0, 0, map[string]any{"product_id": headphones, "product_uom_qty": 1}},
		[]any{0, 0, map[string]any{"product_id": shoes, "product_uom_qty": 2, "discount": 15}},
	}}, nil)
	require.NoError(t, err)
	wiz, err := b.c.Create(ctx, "choose.delivery.carrier", map[string]any{"order_id": orderID, "carrier_id": carrier}, nil)
	require.NoError(t, err)
	_, err = b.c.CallMethod(ctx, "choose.delivery.carrier", "update_price", []int64{wiz}, nil)
	require.NoError(t, err)
	_, err = b.c.CallMethod(ctx, "choose.delivery.carrier", "button_confirm", []int64{wiz}, nil)
	require.True(t, err == nil || odoo.IsProbablyApplied(err), "button_confirm: %v", err)
	obs := observation{"button_confirm": faultOf(err)}

	so, err := b.c.ReadSaleOrder(ctx, orderID)
	require.NoError(t, err)
	byName, err := b.c.FindSaleOrderByName(ctx, so.Name)
	require.NoError(t, err)
	require.Equal(t, so, byName)
	obs["order"] = observation{"state": so.State, "locked": so.Locked, "currency": so.Currency,
		"untaxed": so.AmountUntaxed, "tax": so.AmountTax, "total": so.AmountTotal, "client ref is ours": so.ClientOrderRef == ref,
		"partner is ours": so.Partner.ID == partner, "invoice address is the billing contact": so.InvoiceAddress.ID == billing,
		"shipping address is the delivery contact": so.ShippingAddress.ID == shipping,
		"invoices": len(so.InvoiceIDs), "transactions": len(so.TransactionIDs), "has a date": !so.DateOrder.IsZero()}
	require.Equal(t, observation{"state": "draft", "locked": false, "currency": "USD",
		"untaxed": cusd(12900 + 15298 + 750), "tax": cusd(1290), "total": cusd(12900 + 15298 + 750 + 1290), "client ref is ours": true,
		"partner is ours": true, "invoice address is the billing contact": true, "shipping address is the delivery contact": true,
		"invoices": 0, "transactions": 0, "has a date": true}, obs["order"])
	address := func(p odoo.Partner) observation {
		return observation{"name": p.Name, "email": p.Email, "phone": p.Phone, "street": p.Street, "street2": p.Street2,
			"city": p.City, "zip": p.Zip, "state": p.StateCode + " " + p.StateName, "country": p.CountryCode}
	}
	obs["partner"], obs["invoice address"], obs["shipping address"] = address(so.Partner), address(so.InvoiceAddress), address(so.ShippingAddress)
	require.Equal(t, observation{"name": "Conformance Shipping", "email": "", "phone": "+1 619 555 0104", "street": "3 Ship St",
		"street2": "Suite 4", "city": "San Diego", "zip": "92101", "state": "CA California", "country": "US"}, obs["shipping address"])
	var lines []observation
	for _, l := range so.Lines {
		qty, whole := l.WholeQuantity()
		lines = append(lines, observation{"name": l.Name, "product": l.ProductName, "sku": l.SKU, "quantity": l.Quantity,
			"whole quantity": fmt.Sprint(qty, whole), "unit": l.PriceUnit, "subtotal": l.PriceSubtotal, "tax": l.PriceTax,
			"total": l.PriceTotal, "discount": l.DiscountPercent, "delivery": l.IsDelivery, "display type": l.DisplayType})
	}
	obs["lines"] = lines
	require.Len(t, lines, 3)
	require.Equal(t, observation{"name": "[CONF-SHOE] Conformance Shoes", "product": "[CONF-SHOE] Conformance Shoes", "sku": "CONF-SHOE",
		"quantity": "2.0", "whole quantity": "2 true", "unit": cusd(8999), "subtotal": cusd(15298), "tax": cusd(0), "total": cusd(15298),
		"discount": "15.0", "delivery": false, "display type": ""}, lines[1])
	require.Equal(t, true, lines[2]["delivery"])
	require.Equal(t, cusd(750), lines[2]["total"])

	_, err = b.c.FindSaleOrderByName(ctx, b.ref("CONF-NO-SUCH-ORDER"))
	require.ErrorIs(t, err, odoo.ErrNotFound)
	_, err = b.c.ReadSaleOrder(ctx, 2_000_000_000)
	require.ErrorIs(t, err, odoo.ErrNotFound)
	return obs
}

// cTransaction: the payment.transaction that mirrors an Afterpay payment,
// created twice (one record), moved through pending and done, a refund
// child, a cancelled one; with the archived Afterpay method.
func cTransaction(t *testing.T, b *cbackend) observation {
	ctx := context.Background()
	partner := b.customer(t, "Conformance Payer", nil)
	product := b.product(t, "Conformance Lamp", "CONF-LAMP", cusd(3490), "consu", "order", b.tax10)
	so := b.confirmedOrderOf(t, partner, product, 2, b.ref("CONF-TX"))
	require.NoError(t, b.c.ConfirmSaleOrder(ctx, so.ID), "confirming twice is harmless")
	providerID, methodID, err := b.c.FindAfterpayProvider(ctx)
	require.NoError(t, err)

	spec := odoo.TransactionSpec{Reference: b.ref("CONF-TX"), OrderID: so.ID, PartnerID: partner, ProviderID: providerID,
		PaymentMethodID: methodID, Amount: so.AmountTotal, ProviderReference: b.ref("AP-TOKEN")}
	first, err := b.c.EnsureTransaction(ctx, spec)
	require.NoError(t, err)
	second, err := b.c.EnsureTransaction(ctx, spec)
	require.NoError(t, err)
	require.Equal(t, first, second)
	obs := observation{"transactions with the reference": count(t, b, "payment.transaction", []any{"reference", "=", spec.Reference})}
	require.Equal(t, 1, obs["transactions with the reference"])

	seen := func(tx *odoo.Transaction) observation {
		return observation{"state": tx.State, "message": tx.StateMessage, "amount": tx.Amount, "operation": tx.Operation,
			"provider reference": strings.TrimPrefix(tx.ProviderReference, "AP-"), "post-processed": tx.IsPostProcessed,
			"orders": len(tx.SaleOrderIDs), "order is ours": slices.Equal(tx.SaleOrderIDs, []int64{so.ID}),
			"provider and method": tx.ProviderID == providerID && tx.PaymentMethodID == methodID,
			"source is the first": tx.SourceTransactionID == first, "invoices": len(tx.InvoiceIDs), "payment": tx.PaymentID != 0}
	}
	read := func(id int64) observation {
		tx, err := b.c.ReadTransaction(ctx, id)
		require.NoError(t, err)
		o := seen(tx)
		o["provider reference"] = strings.TrimSuffix(o["provider reference"].(string), "-"+b.run)
		return o
	}
	obs["created"] = read(first)
	require.Equal(t, observation{"state": "draft", "message": "", "amount": cusd(7678), "operation": "online_redirect",
		"provider reference": "TOKEN", "post-processed": false, "orders": 1, "order is ours": true, "provider and method": true,
		"source is the first": false, "invoices": 0, "payment": false}, obs["created"])
	order, err := b.c.ReadSaleOrder(ctx, so.ID)
	require.NoError(t, err)
	obs["order's transactions"] = slices.Equal(order.TransactionIDs, []int64{first})

	require.NoError(t, b.c.SetTransactionState(ctx, first, odoo.TransactionUpdate{State: odoo.TxStatePending, Message: "Waiting for the customer"}))
	obs["pending"] = read(first)
	require.NoError(t, b.c.SetTransactionState(ctx, first, odoo.TransactionUpdate{State: odoo.TxStateDone, ProviderReference: b.ref("AP-ORDER")}))
	require.NoError(t, b.c.SetTransactionState(ctx, first, odoo.TransactionUpdate{State: odoo.TxStateDone, ProviderReference: b.ref("AP-ORDER")}))
	done := read(first)
	obs["done"] = done
	require.Equal(t, "done", done["state"])
	require.Equal(t, "ORDER", done["provider reference"])
	require.Equal(t, true, done["post-processed"])

	refund, err := b.c.EnsureTransaction(ctx, odoo.TransactionSpec{Reference: b.ref("CONF-TX-R1"), PartnerID: partner, ProviderID: providerID,
		PaymentMethodID: methodID, Amount: cusd(1000), ProviderReference: b.ref("AP-REFUND"), SourceTransactionID: first})
	require.NoError(t, err)
	require.NoError(t, b.c.SetTransactionState(ctx, refund, odoo.TransactionUpdate{State: odoo.TxStateDone}))
	refunded := read(refund)
	obs["refund"] = refunded
	require.Equal(t, cusd(-1000), refunded["amount"])
	require.Equal(t, "refund", refunded["operation"])
	require.Equal(t, true, refunded["source is the first"])

	cancelled, err := b.c.EnsureTransaction(ctx, odoo.TransactionSpec{Reference: b.ref("CONF-TX-C"), OrderID: so.ID, PartnerID: partner,
		ProviderID: providerID, PaymentMethodID: methodID, Amount: so.AmountTotal})
	require.NoError(t, err)
	require.NoError(t, b.c.SetTransactionState(ctx, cancelled, odoo.TransactionUpdate{State: odoo.TxStateCancel, Message: "The customer cancelled"}))
	cancel := read(cancelled)
	obs["cancelled"] = cancel
	require.Equal(t, "cancel", cancel["state"])
	return obs
}

// cPostNote: a chatter note posted twice is one message.
func cPostNote(t *testing.T, b *cbackend) observation {
	ctx := context.Background()
	partner := b.customer(t, "Conformance Noted", nil)
	product := b.product(t, "Conformance Mug", "CONF-MUG", cusd(1200), "consu", "order", b.tax10)
	so := b.confirmedOrderOf(t, partner, product, 1, b.ref("CONF-NOTE"))
	marker := "[afterpay:capture:" + b.ref("AP") + "]"
	body := "Afterpay captured 13.20 USD.\nInstalments: 4 × 3.30 USD " + marker
	first, err := b.c.PostNote(ctx, "sale.order", so.ID, body, marker)
	require.NoError(t, err)
	second, err := b.c.PostNote(ctx, "sale.order", so.ID, body, marker)
	require.NoError(t, err)
	require.Equal(t, first, second)
	msgs, err := b.c.SearchRead(ctx, "mail.message", []any{[]any{"model", "=", "sale.order"}, []any{"res_id", "=", so.ID},
		[]any{"body", "ilike", marker}}, []string{"body", "message_type", "subtype_id"}, nil)
	require.NoError(t, err)
	require.Len(t, msgs, 1)
	subtype, err := msgs[0].Ref("subtype_id")
	require.NoError(t, err)
	obs := observation{"messages with the marker": len(msgs), "same id twice": first == second,
		"body": strings.ReplaceAll(text(t, msgs[0], "body"), b.run, "RUN"), "type": text(t, msgs[0], "message_type"), "subtype": subtype.Name}
	require.Equal(t, "<p>Afterpay captured 13.20 USD.<br>Instalments: 4 × 3.30 USD [afterpay:capture:AP-RUN]</p>", obs["body"])
	_, err = b.c.PostNote(ctx, "sale.order", 2_000_000_000, body, marker)
	require.ErrorIs(t, err, odoo.ErrNotFound)
	return obs
}

// cInvoiceOnOrder: an order invoiced on ordered quantities gets one posted
// invoice with the order's totals. Without a payment term the wizard's
// answer faults after its commit (None in the action's context); with one
// it answers the action.
func cInvoiceOnOrder(t *testing.T, b *cbackend) observation {
	ctx := context.Background()
	product := b.product(t, "Conformance Backpack", "CONF-BKPK", cusd(5900), "consu", "order", b.tax10)
	obs := observation{}

	// No payment term: the raw wizard faults after committing.
	partner := b.customer(t, "Conformance Invoiced", nil)
	so := b.confirmedOrderOf(t, partner, product, 3, b.ref("CONF-INV"))
	wizCtx := map[string]any{"active_model": "sale.order", "active_ids": []any{so.ID}, "active_id": so.ID}
	wiz, err := b.c.Create(ctx, "sale.advance.payment.inv", map[string]any{"advance_payment_method": "delivered"}, wizCtx)
	require.NoError(t, err)
	_, err = b.c.CallMethod(ctx, "sale.advance.payment.inv", "create_invoices", []int64{wiz}, map[string]any{"context": wizCtx})
	obs["create_invoices without a payment term"] = faultOf(err)
	require.True(t, odoo.IsProbablyApplied(err), "None after the commit: %v", err)
	first, err := b.c.InvoiceOrder(ctx, so.ID)
	require.NoError(t, err)
	second, err := b.c.InvoiceOrder(ctx, so.ID)
	require.NoError(t, err)
	require.Equal(t, first, second)
	require.Len(t, first, 1)
	obs["invoices"] = len(first)

	move := func(id int64) observation {
		m, err := b.c.ReadMove(ctx, id)
		require.NoError(t, err)
		return observation{"state": m.State, "type": m.MoveType, "payment state": m.PaymentState, "currency": m.Currency,
			"untaxed": m.AmountUntaxed, "tax": m.AmountTax, "total": m.AmountTotal, "residual": m.AmountResidual,
			"origin is the order": m.InvoiceOrigin == so.Name, "partner is ours": m.PartnerID == partner,
			"named": m.Name != "/" && m.Name != "", "lines": len(m.InvoiceLineIDs), "ref is the client ref": m.Ref == so.ClientOrderRef}
	}
	obs["draft"] = move(first[0])
	require.NoError(t, b.c.PostInvoice(ctx, first[0]))
	require.NoError(t, b.c.PostInvoice(ctx, first[0]), "posting twice is harmless")
	obs["posted"] = move(first[0])
	require.Equal(t, observation{"state": "posted", "type": "out_invoice", "payment state": "not_paid", "currency": "USD",
		"untaxed": cusd(17700), "tax": cusd(1770), "total": cusd(19470), "residual": cusd(19470), "origin is the order": true,
		"partner is ours": true, "named": true, "lines": 1, "ref is the client ref": true}, obs["posted"])
	order, err := b.c.ReadSaleOrder(ctx, so.ID)
	require.NoError(t, err)
	obs["order's invoices"] = slices.Equal(order.InvoiceIDs, first)

	// A payment term: the wizard answers the invoice action.
	_, term, err := b.c.XMLID(ctx, "account.account_payment_term_immediate")
	require.NoError(t, err)
	termed := b.customer(t, "Conformance Termed", map[string]any{"property_payment_term_id": term})
	so2 := b.confirmedOrderOf(t, termed, product, 1, b.ref("CONF-INV-TERM"))
	wizCtx = map[string]any{"active_model": "sale.order", "active_ids": []any{so2.ID}, "active_id": so2.ID}
	wiz, err = b.c.Create(ctx, "sale.advance.payment.inv", map[string]any{"advance_payment_method": "delivered"}, wizCtx)
	require.NoError(t, err)
	res, err := b.c.CallMethod(ctx, "sale.advance.payment.inv", "create_invoices", []int64{wiz}, map[string]any{"context": wizCtx})
	require.NoError(t, err)
	invoices, err := b.c.InvoiceOrder(ctx, so2.ID)
	require.NoError(t, err)
	require.Len(t, invoices, 1)
	action, _ := res.(map[string]any)
	obs["create_invoices with a payment term"] = observation{"type": action["type"], "res_model": action["res_model"],
		"res_id is the invoice": action["res_id"] == invoices[0]}
	return obs
}

// cInvoiceOnDelivery: an order invoiced on delivered quantities, nothing
// delivered: Odoo's business fault, nothing invoiced.
func cInvoiceOnDelivery(t *testing.T, b *cbackend) observation {
	ctx := context.Background()
	partner := b.customer(t, "Conformance Delivered", nil)
	product := b.product(t, "Conformance Yoga Mat", "CONF-YOGA", cusd(2995), "consu", "delivery", b.tax10)
	so := b.confirmedOrderOf(t, partner, product, 1, b.ref("CONF-DLV"))
	ids, err := b.c.InvoiceOrder(ctx, so.ID)
	require.Error(t, err)
	require.Empty(t, ids)
	require.True(t, odoo.IsBusiness(err), "a business fault: %v", err)
	require.False(t, odoo.IsRetryable(err))
	fault := faultOf(err)
	obs := observation{"fault": fault}
	require.Equal(t, 2, fault["code"])
	require.True(t, strings.HasPrefix(fault["message"].(string), "Cannot create an invoice. No items are available to invoice.\n\n"), fault)
	order := readOne(t, b, "sale.order", so.ID, nil, "invoice_ids", "invoice_status", "state")
	obs["after"] = observation{"invoices": len(ids), "order invoices": len(order["invoice_ids"].([]any)),
		"invoice status": text(t, order, "invoice_status"), "state": text(t, order, "state"),
		"moves of the order": count(t, b, "account.move", []any{"invoice_origin", "=", so.Name})}
	require.Equal(t, observation{"invoices": 0, "order invoices": 0, "invoice status": "no", "state": "sale", "moves of the order": 0}, obs["after"])
	return obs
}

// cPartlyInvoiceable: a product invoiced on delivery and a delivery line
// (invoiced on order): only the shipping is invoiced; the captured order
// total paid on that invoice overpays it, leaving the rest as the
// customer's credit.
func cPartlyInvoiceable(t *testing.T, b *cbackend) observation {
	ctx := context.Background()
	partner := b.customer(t, "Conformance Partly", nil)
	wallet := b.product(t, "Conformance Wallet", "CONF-WLLT", cusd(4550), "consu", "delivery", b.tax10)
	fee := b.product(t, "Conformance Courier Fee", "CONF-COURIER", cusd(750), "service", "order")
	carrier, err := b.c.Create(ctx, "delivery.carrier", map[string]any{"name": "Conformance Courier", "product_id": fee,
		"delivery_type": "fixed", "fixed_price": cusd(750)}, nil)
	require.NoError(t, err)
	id, err := b.c.CreateSaleOrder(ctx, odoo.SaleOrderDraft{PartnerID: partner, ClientOrderRef: b.ref("CONF-PARTLY"),
		Lines: []odoo.SaleOrderDraftLine{{ProductID: wallet, Quantity: 1}}})
	require.NoError(t, err)
	wiz, err := b.c.Create(ctx, "choose.delivery.carrier", map[string]any{"order_id": id, "carrier_id": carrier, "delivery_price": cusd(750)}, nil)
	require.NoError(t, err)
	_, err = b.c.CallMethod(ctx, "choose.delivery.carrier", "button_confirm", []int64{wiz}, nil)
	require.True(t, err == nil || odoo.IsProbablyApplied(err), "button_confirm: %v", err)
	require.NoError(t, b.c.ConfirmSaleOrder(ctx, id))
	so, err := b.c.ReadSaleOrder(ctx, id)
	require.NoError(t, err)
	require.Equal(t, cusd(4550+455+750), so.AmountTotal)

	invoices, err := b.c.InvoiceOrder(ctx, id)
	require.NoError(t, err)
	require.Len(t, invoices, 1)
	require.NoError(t, b.c.PostInvoice(ctx, invoices[0]))
	m, err := b.c.ReadMove(ctx, invoices[0])
	require.NoError(t, err)
	obs := observation{"invoice": observation{"total": m.AmountTotal, "lines": len(m.InvoiceLineIDs), "state": m.State}}
	require.Equal(t, observation{"total": cusd(750), "lines": 1, "state": "posted"}, obs["invoice"])
	order := readOne(t, b, "sale.order", id, nil, "invoice_status")
	obs["order invoice status"] = text(t, order, "invoice_status")

	pay, err := b.c.RegisterPayment(ctx, invoices[0], odoo.PaymentSpec{Amount: so.AmountTotal, Memo: b.ref("Afterpay partly")})
	require.NoError(t, err)
	p := readOne(t, b, "account.payment", pay, nil, "state", "is_reconciled", "amount")
	m, err = b.c.ReadMove(ctx, invoices[0])
	require.NoError(t, err)
	obs["overpaid"] = observation{"payment state": text(t, p, "state"), "payment reconciled": boolean(t, p, "is_reconciled"),
		"payment amount": amount(t, p, "amount"), "invoice payment state": m.PaymentState, "invoice residual": m.AmountResidual}
	require.Equal(t, cusd(5755), obs["overpaid"].(observation)["payment amount"])
	require.Equal(t, "paid", m.PaymentState)
	return obs
}

// cRegisterPayment: the captured amount paid on the posted invoice in the
// provisioned bank journal, reconciled, linked both ways with the
// transaction; twice is one payment.
func cRegisterPayment(t *testing.T, b *cbackend) observation {
	ctx := context.Background()
	partner := b.customer(t, "Conformance Paid", nil)
	product := b.product(t, "Conformance Bottle", "CONF-BTTL", cusd(1850), "consu", "order", b.tax10)
	so := b.confirmedOrderOf(t, partner, product, 2, b.ref("CONF-PAY"))
	invoices, err := b.c.InvoiceOrder(ctx, so.ID)
	require.NoError(t, err)
	require.Len(t, invoices, 1)
	inv := invoices[0]
	require.NoError(t, b.c.PostInvoice(ctx, inv))
	providerID, methodID, err := b.c.FindAfterpayProvider(ctx)
	require.NoError(t, err)
	tx, err := b.c.EnsureTransaction(ctx, odoo.TransactionSpec{Reference: b.ref("CONF-PAY"), OrderID: so.ID, PartnerID: partner,
		ProviderID: providerID, PaymentMethodID: methodID, Amount: so.AmountTotal})
	require.NoError(t, err)
	require.NoError(t, b.c.SetTransactionState(ctx, tx, odoo.TransactionUpdate{State: odoo.TxStateDone, ProviderReference: b.ref("AP-PAY")}))
	journals, err := b.c.Search(ctx, "account.journal", []any{[]any{"code", "=", provision.DefaultJournalCode}}, nil)
	require.NoError(t, err)
	require.Len(t, journals, 1)

	spec := odoo.PaymentSpec{Amount: so.AmountTotal, JournalID: journals[0], Memo: b.ref("Afterpay capture"), TransactionID: tx}
	pay, err := b.c.RegisterPayment(ctx, inv, spec)
	require.NoError(t, err)
	again, err := b.c.RegisterPayment(ctx, inv, spec)
	require.NoError(t, err)
	require.Equal(t, pay, again)
	obs := observation{"payments with the memo": count(t, b, "account.payment", []any{"memo", "=", spec.Memo})}
	require.Equal(t, 1, obs["payments with the memo"])

	p := readOne(t, b, "account.payment", pay, nil, "state", "is_reconciled", "payment_type", "partner_type", "amount", "journal_id",
		"payment_transaction_id", "reconciled_invoice_ids", "partner_id")
	obs["payment"] = observation{"state": text(t, p, "state"), "reconciled": boolean(t, p, "is_reconciled"),
		"type": text(t, p, "payment_type") + "/" + text(t, p, "partner_type"), "amount": amount(t, p, "amount"),
		"journal is Afterpay's": refID(t, p, "journal_id") == journals[0], "transaction is ours": refID(t, p, "payment_transaction_id") == tx,
		"invoice is ours": slices.Equal(ids(t, p, "reconciled_invoice_ids"), []int64{inv}), "partner is ours": refID(t, p, "partner_id") == partner}
	require.Equal(t, observation{"state": "paid", "reconciled": true, "type": "inbound/customer", "amount": cusd(4070),
		"journal is Afterpay's": true, "transaction is ours": true, "invoice is ours": true, "partner is ours": true}, obs["payment"])
	m, err := b.c.ReadMove(ctx, inv)
	require.NoError(t, err)
	obs["invoice"] = observation{"payment state": m.PaymentState, "residual": m.AmountResidual}
	require.Equal(t, observation{"payment state": "paid", "residual": cusd(0)}, obs["invoice"])

	require.NoError(t, b.c.SetTransactionState(ctx, tx, odoo.TransactionUpdate{State: odoo.TxStateDone, PaymentID: pay, InvoiceIDs: []int64{inv}}))
	txr, err := b.c.ReadTransaction(ctx, tx)
	require.NoError(t, err)
	obs["transaction"] = observation{"state": txr.State, "payment is ours": txr.PaymentID == pay, "invoices are ours": slices.Equal(txr.InvoiceIDs, []int64{inv})}
	require.Equal(t, observation{"state": "done", "payment is ours": true, "invoices are ours": true}, obs["transaction"])
	return obs
}

// cAfterpayFields: the custom fields on a confirmed order and a posted
// invoice.
func cAfterpayFields(t *testing.T, b *cbackend) observation {
	ctx := context.Background()
	partner := b.customer(t, "Conformance Fields", nil)
	product := b.product(t, "Conformance Case", "CONF-CASE", cusd(1999), "consu", "order", b.tax10)
	so := b.confirmedOrderOf(t, partner, product, 1, b.ref("CONF-FIELDS"))
	plan := "4 × 5.50 USD, every 2 weeks from 2026-11-24"
	apID := b.ref("AP-FIELDS")
	require.NoError(t, b.c.SetOrderAfterpay(ctx, so.ID, odoo.OrderAfterpay{OrderID: apID, Status: "Captured", Instalments: plan}))
	require.NoError(t, b.c.SetOrderAfterpay(ctx, so.ID, odoo.OrderAfterpay{OrderID: apID, Status: "Captured", Instalments: plan}))
	fields := []string{odoo.FieldAfterpayOrderID, odoo.FieldAfterpayStatus, odoo.FieldAfterpayInstalments}
	read := func() observation {
		r := readOne(t, b, "sale.order", so.ID, nil, fields...)
		return observation{"order id is ours": text(t, r, odoo.FieldAfterpayOrderID) == apID,
			"status": text(t, r, odoo.FieldAfterpayStatus), "instalments": text(t, r, odoo.FieldAfterpayInstalments)}
	}
	obs := observation{"order": read()}
	require.Equal(t, observation{"order id is ours": true, "status": "Captured", "instalments": plan}, obs["order"])
	require.NoError(t, b.c.SetOrderAfterpay(ctx, so.ID, odoo.OrderAfterpay{Status: "Refunded"}))
	obs["order after a status change"] = read()
	require.Equal(t, observation{"order id is ours": true, "status": "Refunded", "instalments": plan}, obs["order after a status change"])

	invoices, err := b.c.InvoiceOrder(ctx, so.ID)
	require.NoError(t, err)
	require.NoError(t, b.c.PostInvoice(ctx, invoices[0]))
	require.NoError(t, b.c.SetMovesAfterpayOrderID(ctx, invoices, apID))
	require.NoError(t, b.c.SetMovesAfterpayOrderID(ctx, invoices, apID))
	r := readOne(t, b, "account.move", invoices[0], nil, "state", odoo.FieldAfterpayOrderID)
	obs["posted invoice"] = observation{"state": text(t, r, "state"), "order id is ours": text(t, r, odoo.FieldAfterpayOrderID) == apID}
	require.Equal(t, observation{"state": "posted", "order id is ours": true}, obs["posted invoice"])
	return obs
}

// cFaults: the faults the product classifies.
func cFaults(t *testing.T, b *cbackend) observation {
	ctx := context.Background()
	obs := observation{}
	partner := b.customer(t, "Conformance Faults", nil)
	product := b.product(t, "Conformance Gift Card", "CONF-GIFT", cusd(5000), "consu", "order")
	so := b.confirmedOrderOf(t, partner, product, 1, b.ref("CONF-FAULTS"))
	providerID, methodID, err := b.c.FindAfterpayProvider(ctx)
	require.NoError(t, err)

	// A deleted transaction: the write is a MissingError, the read finds
	// nothing.
	tx, err := b.c.EnsureTransaction(ctx, odoo.TransactionSpec{Reference: b.ref("CONF-GONE"), OrderID: so.ID, PartnerID: partner,
		ProviderID: providerID, PaymentMethodID: methodID, Amount: so.AmountTotal})
	require.NoError(t, err)
	_, err = b.c.ExecuteKW(ctx, "payment.transaction", "unlink", []any{[]any{tx}}, nil)
	require.NoError(t, err)
	err = b.c.SetTransactionState(ctx, tx, odoo.TransactionUpdate{State: odoo.TxStatePending})
	require.ErrorIs(t, err, odoo.ErrNotFound)
	require.True(t, odoo.IsBusiness(err))
	gone := faultOf(err)
	require.Equal(t, fmt.Sprintf("Record does not exist or has been deleted.\n(Record: payment.transaction(%d,), User: ", tx),
		gone["message"].(string)[:strings.LastIndex(gone["message"].(string), " ")+1])
	gone["message"] = firstLine(gone["message"].(string))
	obs["write on a deleted transaction"] = gone
	_, err = b.c.ReadTransaction(ctx, tx)
	require.ErrorIs(t, err, odoo.ErrNotFound)
	obs["read of a deleted transaction"] = errors.Is(err, odoo.ErrNotFound)

	// Wrong password.
	cfg := b.cfg
	cfg.Password = "wrong-" + b.run
	bad, err := odoo.NewClient(cfg)
	require.NoError(t, err)
	_, err = bad.Authenticate(ctx)
	require.ErrorIs(t, err, odoo.ErrBadCredentials)
	require.True(t, odoo.IsAccessAlarm(err))
	_, err = bad.Search(ctx, "sale.order", nil, nil)
	obs["wrong password"] = observation{"bad credentials": errors.Is(err, odoo.ErrBadCredentials), "access alarm": odoo.IsAccessAlarm(err)}

	// An unknown model, an unknown field, a private method.
	_, err = b.c.Search(ctx, "x_conformance.nope", nil, nil)
	obs["unknown model"] = faultOf(err)
	require.Equal(t, observation{"code": 2, "kind": "business", "message": "Object x_conformance.nope doesn't exist"}, obs["unknown model"])
	_, err = b.c.Read(ctx, "sale.order", []int64{so.ID}, []string{"x_conformance_nope"}, nil)
	obs["unknown field on read"] = faultOf(err)
	require.Equal(t, observation{"code": 1, "kind": "application", "message": "ValueError: Invalid field 'x_conformance_nope' on model 'sale.order'"}, obs["unknown field on read"])
	err = b.c.Write(ctx, "sale.order", []int64{so.ID}, map[string]any{"x_conformance_nope": "x"}, nil)
	obs["unknown field on write"] = faultOf(err)
	require.Equal(t, obs["unknown field on read"], obs["unknown field on write"])
	_, err = b.c.CallMethod(ctx, "sale.order", "_compute_amounts", []int64{so.ID}, nil)
	require.True(t, odoo.IsAccessAlarm(err), "%v", err)
	obs["private method"] = faultOf(err)
	require.Equal(t, observation{"code": 4, "kind": "access-error", "message": "Private methods (such as _compute_amounts) cannot be called remotely."}, obs["private method"])
	return obs
}
