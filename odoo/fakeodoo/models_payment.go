package fakeodoo

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/odoo-afterpay/bridge/odoo/fakeodoo/internal/wire"
)

func paymentModels() []*model {
	return []*model{paymentProviderModel(), paymentMethodRecModel(), paymentTransactionModel(), captureWizardModel()}
}

func paymentProviderModel() *model {
	b := newModel("payment.provider", "Payment Provider")
	b.m.order = "module_state, state desc, sequence, name"
	b.char("name", "Name", notNull, indexed)
	b.selection("code", "Code", sel("none", "No Provider Set", "custom", "Custom", "demo", "Demo"), notNull)
	b.selection("state", "State", sel("disabled", "Disabled", "enabled", "Enabled", "test", "Test Mode"), notNull)
	b.boolean("is_published", "Published")
	b.many2one("company_id", "Company", "res.company", notNull)
	b.many2one("journal_id", "Payment Journal", "account.journal")
	b.many2many("payment_method_ids", "Supported Payment Methods", "payment.method")
	b.boolean("capture_manually", "Capture Amount Manually")
	b.boolean("allow_tokenization", "Allow Saving Payment Methods")
	b.boolean("allow_express_checkout", "Allow Express Checkout")
	b.selection("support_manual_capture", "Manual Capture Supported", sel("full_only", "Full Only", "partial", "Partial"))
	b.selection("support_refund", "Type of Refund Supported", sel("none", "None", "full_only", "Full Only", "partial", "Partial"))
	b.boolean("support_tokenization", "Tokenization Supported")
	b.boolean("support_express_checkout", "Express Checkout Supported")
	b.many2many("available_country_ids", "Countries", "res.country")
	b.many2many("available_currency_ids", "Currencies", "res.currency")
	b.monetary("maximum_amount", "Maximum Amount")
	b.selection("module_state", "Installation State", sel("uninstallable", "Uninstallable", "uninstalled", "Not Installed",
		"installed", "Installed", "to upgrade", "To be upgraded", "to remove", "To be removed", "to install", "To be installed"))
	b.integer("sequence", "Sequence")
	// Reading journal_id of an enabled provider creates its payment method
	// line on the journal (account_payment's compute), which later payments use.
	b.m.fields["journal_id"].compute = func(t *tx, id int64) (any, error) {
		r := t.rec("payment.provider", id)
		journal := idOf(r["journal_id"])
		if journal == 0 {
			return nil, nil
		}
		if err := t.ensureProviderMethodLine(id); err != nil {
			return nil, err
		}
		return journal, nil
	}
	b.m.fields["journal_id"].store = true
	b.m.fields["journal_id"].readonly = false
	// Odoo's field defaults: the user's company, no code, disabled.
	b.m.defaults = func(t *tx, vals *wire.Struct) error {
		if !vals.Has("company_id") {
			vals.Set("company_id", t.userCompany())
		}
		if !vals.Has("code") {
			vals.Set("code", "none")
		}
		if !vals.Has("state") {
			vals.Set("state", "disabled")
		}
		return nil
	}
	return b.finish()
}

// ensureProviderMethodLine creates the provider's inbound method line on its
// journal when the provider is enabled or in test and has none yet.
func (t *tx) ensureProviderMethodLine(provider int64) error {
	if t.readOnly {
		return nil
	}
	r := t.rec("payment.provider", provider)
	if s := str(r["state"]); s != "enabled" && s != "test" {
		return nil
	}
	journal := idOf(r["journal_id"])
	if journal == 0 {
		return nil
	}
	for _, l := range t.allIDs("account.payment.method.line") {
		if idOf(t.rec("account.payment.method.line", l)["payment_provider_id"]) == provider {
			return nil
		}
	}
	method := int64(0)
	for _, m := range t.allIDs("account.payment.method") {
		mr := t.rec("account.payment.method", m)
		if str(mr["code"]) == str(r["code"]) && str(mr["payment_type"]) == "inbound" {
			method = m
			break
		}
	}
	if method == 0 {
		return nil
	}
	_, err := t.create("account.payment.method.line", wire.NewStruct(
		"name", str(r["name"]), "payment_method_id", method, "journal_id", journal, "payment_provider_id", provider))
	return err
}

func paymentMethodRecModel() *model {
	b := newModel("payment.method", "Payment Method")
	b.m.order = "active desc, sequence, name"
	b.char("name", "Name", notNull)
	b.char("code", "Code", notNull, indexed)
	b.integer("sequence", "Sequence")
	b.many2one("primary_payment_method_id", "Primary Payment Method", "payment.method")
	b.many2many("brand_ids", "Brands", "payment.method")
	// One relation table with payment.provider.payment_method_ids, as in Odoo.
	b.many2manyInverse("provider_ids", "Providers", "payment.provider", "payment_method_ids")
	b.boolean("active", "Active")
	b.boolean("support_tokenization", "Tokenization")
	b.boolean("support_express_checkout", "Express Checkout")
	b.selection("support_refund", "Type of Refund Supported", sel("none", "Unsupported", "full_only", "Full Only", "partial", "Partial"))
	b.many2many("supported_country_ids", "Countries", "res.country")
	b.many2many("supported_currency_ids", "Currencies", "res.currency")
	b.m.beforeWrite = func(t *tx, ids []int64, vals *wire.Struct) error {
		if !truthy(vals.Value("active")) {
			return nil
		}
		for _, id := range ids {
			if err := t.checkMethodActivation(id); err != nil {
				return err
			}
		}
		return nil
	}
	return b.finish()
}

// methodNeedsProvider is payment.method.write's refusal to activate a
// method no enabled provider supports (payment/models/payment_method.py).
const methodNeedsProvider = "This payment method needs a partner in crime; you should enable a payment provider supporting this method first."

// checkMethodActivation refuses to activate a payment method (its primary
// method, for a brand) that is archived while every provider linked to it is
// disabled, as Odoo's payment.method.write does; a method with no provider
// at all is refused too (all() of nothing is true).
func (t *tx) checkMethodActivation(id int64) error {
	primary := id
	if p := idOf(t.rec("payment.method", id)["primary_payment_method_id"]); p != 0 {
		primary = p
	}
	if t.rec("payment.method", primary)["active"] != false {
		return nil
	}
	for _, provider := range idsOf(t.get("payment.method", primary, "provider_ids")) {
		if str(t.rec("payment.provider", provider)["state"]) != "disabled" {
			return nil
		}
	}
	return userErrorf("%s", methodNeedsProvider)
}

var txStates = sel("draft", "Draft", "pending", "Pending", "authorized", "Authorized", "done", "Confirmed", "cancel", "Canceled", "error", "Error")

func paymentTransactionModel() *model {
	b := newModel("payment.transaction", "Payment Transaction")
	b.m.order = "id desc"
	b.many2one("provider_id", "Provider", "payment.provider", notNull)
	b.char("provider_code", "Provider Code", relatedTo("provider_id", "code"))
	b.many2one("company_id", "Company", "res.company")
	b.many2one("payment_method_id", "Payment Method", "payment.method", notNull)
	b.char("payment_method_code", "Payment Method Code", relatedTo("payment_method_id", "code"))
	b.char("reference", "Reference", notNull, indexed, help("The internal reference of the transaction"))
	b.char("provider_reference", "Provider Reference", indexed)
	b.monetary("amount", "Amount", notNull)
	b.many2one("currency_id", "Currency", "res.currency", notNull)
	b.selection("state", "Status", txStates, notNull, indexed)
	b.text("state_message", "Message")
	b.datetime("last_state_change", "Last State Change Date")
	b.selection("operation", "Operation", sel("online_redirect", "Online payment with redirection", "online_direct", "Online direct payment",
		"online_token", "Online payment by token", "validation", "Validation of the payment method", "offline", "Offline payment by token",
		"refund", "Refund"))
	b.many2one("source_transaction_id", "Source Transaction", "payment.transaction")
	b.one2many("child_transaction_ids", "Child Transactions", "payment.transaction", "source_transaction_id")
	b.integer("refunds_count", "Refunds Count", computed(func(t *tx, id int64) (any, error) {
		var n int64
		for _, c := range t.idsWith("payment.transaction", "source_transaction_id", id) {
			r := t.rec("payment.transaction", c)
			if idOf(r["source_transaction_id"]) == id && str(r["operation"]) == "refund" {
				n++
			}
		}
		return n, nil
	}))
	b.boolean("capture_manually", "Capture Amount Manually", relatedTo("provider_id", "capture_manually"))
	b.boolean("is_post_processed", "Is Post-processed")
	b.boolean("tokenize", "Create Token")
	b.char("landing_route", "Landing Route")
	b.many2one("partner_id", "Customer", "res.partner", notNull)
	b.char("partner_name", "Partner Name")
	b.char("partner_lang", "Language")
	b.char("partner_email", "Email")
	b.char("partner_address", "Address")
	b.char("partner_zip", "Zip")
	b.char("partner_city", "City")
	b.many2one("partner_state_id", "State", "res.country.state")
	b.many2one("partner_country_id", "Country", "res.country")
	b.char("partner_phone", "Phone")
	b.many2one("payment_id", "Payment", "account.payment")
	b.many2many("invoice_ids", "Invoices", "account.move")
	b.integer("invoices_count", "Invoices Count", computed(func(t *tx, id int64) (any, error) {
		return int64(len(idsOf(t.rec("payment.transaction", id)["invoice_ids"]))), nil
	}))
	b.many2many("sale_order_ids", "Sales Orders", "sale.order")
	b.integer("sale_order_ids_nbr", "# of Sales Orders", computed(func(t *tx, id int64) (any, error) {
		return int64(len(idsOf(t.rec("payment.transaction", id)["sale_order_ids"]))), nil
	}))
	b.m.displayName = func(t *tx, id int64) string { return str(t.rec("payment.transaction", id)["reference"]) }
	b.m.defaults = func(t *tx, vals *wire.Struct) error {
		if !vals.Has("state") {
			vals.Set("state", "draft")
		}
		if !vals.Has("last_state_change") {
			vals.Set("last_state_change", t.nowString())
		}
		if !vals.Has("is_post_processed") {
			vals.Set("is_post_processed", false)
		}
		if p := intOf(vals.Value("provider_id")); p != 0 && !vals.Has("company_id") {
			vals.Set("company_id", t.rec("payment.provider", p)["company_id"])
		}
		if partner := intOf(vals.Value("partner_id")); partner != 0 {
			pr := t.rec("res.partner", partner)
			address := strings.TrimSpace(strings.Join(slices.DeleteFunc([]string{str(pr["street"]), str(pr["street2"])}, func(s string) bool { return s == "" }), " "))
			copies := map[string]any{
				"partner_name": pr["name"], "partner_lang": pr["lang"], "partner_email": pr["email"],
				"partner_address": address, "partner_zip": pr["zip"], "partner_city": pr["city"],
				"partner_state_id": pr["state_id"], "partner_country_id": pr["country_id"], "partner_phone": pr["phone"],
			}
			for k, v := range copies {
				if !vals.Has(k) && v != nil && v != "" {
					vals.Set(k, v)
				}
			}
		}
		if ref, ok := vals.Get("reference"); !ok || ref == false || ref == "" {
			vals.Set("reference", t.computeTxReference(vals))
		}
		return nil
	}
	b.m.afterCreate = func(t *tx, id int64, _ *wire.Struct) error { return t.checkTransactions([]int64{id}) }
	b.m.afterWrite = func(t *tx, ids []int64, vals *wire.Struct) error {
		if vals.Has("reference") || vals.Has("state") || vals.Has("provider_id") {
			return t.checkTransactions(ids)
		}
		return nil
	}
	b.method("action_capture", func(c *call) (any, error) {
		ids, err := c.ids()
		if err != nil {
			return nil, err
		}
		for _, id := range ids {
			if str(c.t.rec("payment.transaction", id)["state"]) != "authorized" {
				return nil, validationErrorf("Only authorized transactions can be captured.")
			}
		}
		return wire.NewStruct(
			"name", "Capture",
			"type", "ir.actions.act_window",
			"view_mode", "form",
			"res_model", "payment.capture.wizard",
			"target", "new",
			"context", wire.NewStruct("active_model", "payment.transaction", "active_ids", anyIDs(ids)),
		), nil
	})
	b.method("action_void", func(c *call) (any, error) {
		ids, err := c.ids()
		if err != nil {
			return nil, err
		}
		for _, id := range ids {
			if str(c.t.rec("payment.transaction", id)["state"]) != "authorized" {
				return nil, validationErrorf("Only authorized transactions can be voided.")
			}
		}
		for _, id := range ids {
			if err := c.t.voidTransaction(id); err != nil {
				return nil, err
			}
		}
		return nil, nil
	})
	b.method("action_refund", func(c *call) (any, error) {
		ids, err := c.ids()
		if err != nil {
			return nil, err
		}
		a, err := c.bind(1, "amount_to_refund")
		if err != nil {
			return nil, err
		}
		for _, id := range ids {
			if str(c.t.rec("payment.transaction", id)["state"]) != "done" {
				return nil, validationErrorf("Only confirmed transactions can be refunded.")
			}
		}
		for _, id := range ids {
			amount := decOf(c.t.rec("payment.transaction", id)["amount"])
			if a.present(0) {
				v, err := c.t.convertIn(c.m, c.m.field("amount"), a.get(0))
				if err != nil {
					return nil, err
				}
				amount = decOf(v)
			}
			if _, err := c.t.childTransaction(id, amount.Neg(), "refund", "R-", "done"); err != nil {
				return nil, err
			}
		}
		return nil, nil
	})
	return b.finish()
}

// checkTransactions applies payment.transaction's constraints: a unique
// reference and the authorized state only with manual-capture providers.
func (t *tx) checkTransactions(ids []int64) error {
	for _, id := range ids {
		r := t.rec("payment.transaction", id)
		ref := str(r["reference"])
		others := t.idsWith("payment.transaction", "reference", ref)
		if ref == "" {
			others = t.allIDs("payment.transaction") // "" also matches records without one
		}
		for _, other := range others {
			if other != id && str(t.rec("payment.transaction", other)["reference"]) == ref {
				return validationErrorf("The operation cannot be completed: Reference must be unique!")
			}
		}
		if str(r["state"]) == "authorized" {
			p := t.rec("payment.provider", idOf(r["provider_id"]))
			if v := p["support_manual_capture"]; v == nil || v == false || v == "" {
				return validationErrorf("Transaction authorization is not supported by the following payment providers: %s", str(p["name"]))
			}
		}
	}
	return nil
}

// computeTxReference is payment.transaction._compute_reference with sale's
// prefix: the linked orders' names ("S00037"), "-1", "-2"… on collisions,
// else "tx-<YYYYmmddHHMMSS>".
func (t *tx) computeTxReference(vals *wire.Struct) string {
	var orders []int64
	if v, ok := vals.Get("sale_order_ids"); ok {
		orders = commandIDs(v)
	}
	var invoices []int64
	if v, ok := vals.Get("invoice_ids"); ok {
		invoices = commandIDs(v)
	}
	prefix := ""
	switch {
	case len(orders) > 0:
		names := make([]string, 0, len(orders))
		for _, o := range orders {
			names = append(names, str(t.rec("sale.order", o)["name"]))
		}
		prefix = strings.Join(names, ",")
	case len(invoices) > 0:
		names := make([]string, 0, len(invoices))
		for _, i := range invoices {
			names = append(names, str(t.rec("account.move", i)["name"]))
		}
		prefix = strings.Join(names, ",")
	}
	if prefix == "" {
		prefix = "tx-" + t.now.Format("20060102150405")
	}
	return t.uniqueTxReference(prefix)
}

func (t *tx) uniqueTxReference(prefix string) string {
	if len(t.idsWith("payment.transaction", "reference", prefix)) == 0 {
		return prefix
	}
	// Taken: find the highest "-N" suffix (a scan, as Odoo's =like search).
	taken := map[string]bool{}
	for _, id := range t.allIDs("payment.transaction") {
		taken[str(t.rec("payment.transaction", id)["reference"])] = true
	}
	re := regexp.MustCompile("^" + regexp.QuoteMeta(prefix) + `-(\d+)$`)
	maxN := 0
	for ref := range taken {
		if m := re.FindStringSubmatch(ref); m != nil {
			if n, _ := strconv.Atoi(m[1]); n > maxN {
				maxN = n
			}
		}
	}
	return fmt.Sprintf("%s-%d", prefix, maxN+1)
}

// commandIDs extracts the ids an x2many value links ([6,0,ids], [4,id]…).
func commandIDs(v any) []int64 {
	list, ok := v.([]any)
	if !ok {
		return idsOf(v)
	}
	var out []int64
	for _, item := range list {
		switch x := item.(type) {
		case int64:
			out = append(out, x)
		case []any:
			if len(x) == 0 {
				continue
			}
			switch intOf(x[0]) {
			case 6:
				if len(x) > 2 {
					out = append(out, toIDList(x[2])...)
				}
			case 4:
				if len(x) > 1 {
					out = append(out, intOf(x[1]))
				}
			}
		}
	}
	return out
}

// childTransaction creates a capture/void/refund child transaction like
// payment's _create_child_transaction.
func (t *tx) childTransaction(parent int64, amount decimal, operation, prefix, state string) (int64, error) {
	p := t.rec("payment.transaction", parent)
	ref := t.uniqueTxReference(prefix + str(p["reference"]))
	return t.create("payment.transaction", wire.NewStruct(
		"provider_id", p["provider_id"], "payment_method_id", p["payment_method_id"], "reference", ref,
		"amount", amount, "currency_id", p["currency_id"], "partner_id", p["partner_id"],
		"operation", operation, "source_transaction_id", parent, "state", state,
		"provider_reference", str(t.rec("payment.provider", idOf(p["provider_id"]))["code"])+"-"+ref,
	))
}

// voidTransaction voids what is left of an authorized transaction. Without
// any partial capture the transaction itself is cancelled; otherwise a
// cancelled child "P-<ref>-N" takes the rest and the parent is settled.
func (t *tx) voidTransaction(id int64) error {
	r := t.rec("payment.transaction", id)
	captured := t.childrenAmount([]int64{id}, "done")
	voided := t.childrenAmount([]int64{id}, "cancel")
	if captured.IsZero() && voided.IsZero() {
		return t.set("payment.transaction", id, "state", "cancel", "last_state_change", t.nowString())
	}
	rest := decOf(r["amount"]).Sub(captured).Sub(voided)
	if rest.Sign() > 0 {
		if _, err := t.childTransaction(id, rest, str(r["operation"]), "P-", "cancel"); err != nil {
			return err
		}
	}
	return t.settleParent(id)
}

// settleParent confirms (or cancels) an authorized transaction once its
// partial captures and voids cover its whole amount, like payment's
// _update_source_transaction_state.
func (t *tx) settleParent(id int64) error {
	r := t.rec("payment.transaction", id)
	captured := t.childrenAmount([]int64{id}, "done")
	voided := t.childrenAmount([]int64{id}, "cancel")
	if captured.Add(voided).Cmp(decOf(r["amount"])) < 0 {
		return nil
	}
	provider := str(t.get("payment.provider", idOf(r["provider_id"]), "name"))
	if captured.IsZero() {
		return t.set("payment.transaction", id, "state", "cancel", "last_state_change", t.nowString())
	}
	return t.set("payment.transaction", id, "state", "done", "last_state_change", t.nowString(),
		"state_message", "This transaction has been confirmed following the processing of its partial capture and partial void transactions ("+provider+").")
}

func captureWizardModel() *model {
	b := newModel("payment.capture.wizard", "Payment Capture Wizard")
	b.m.transient = true
	b.many2many("transaction_ids", "Transactions", "payment.transaction")
	b.monetary("authorized_amount", "Authorized Amount", computed(func(t *tx, id int64) (any, error) {
		var sum decimal
		for _, tx := range idsOf(t.rec("payment.capture.wizard", id)["transaction_ids"]) {
			sum = sum.Add(decOf(t.rec("payment.transaction", tx)["amount"]))
		}
		return sum, nil
	}))
	b.monetary("captured_amount", "Already Captured", computed(func(t *tx, id int64) (any, error) {
		return t.childrenAmount(idsOf(t.rec("payment.capture.wizard", id)["transaction_ids"]), "done"), nil
	}))
	b.monetary("voided_amount", "Already Voided", computed(func(t *tx, id int64) (any, error) {
		return t.childrenAmount(idsOf(t.rec("payment.capture.wizard", id)["transaction_ids"]), "cancel"), nil
	}))
	b.monetary("available_amount", "Maximum Capture Allowed", computed(func(t *tx, id int64) (any, error) {
		ids := idsOf(t.rec("payment.capture.wizard", id)["transaction_ids"])
		var sum decimal
		for _, tx := range ids {
			sum = sum.Add(decOf(t.rec("payment.transaction", tx)["amount"]))
		}
		return sum.Sub(t.childrenAmount(ids, "done")).Sub(t.childrenAmount(ids, "cancel")), nil
	}))
	b.monetary("amount_to_capture", "Amount to Capture")
	b.boolean("is_amount_to_capture_valid", "Is Amount To Capture Valid", computed(func(t *tx, id int64) (any, error) {
		r := t.rec("payment.capture.wizard", id)
		a := decOf(r["amount_to_capture"])
		ids := idsOf(r["transaction_ids"])
		var avail decimal
		for _, tx := range ids {
			avail = avail.Add(decOf(t.rec("payment.transaction", tx)["amount"]))
		}
		avail = avail.Sub(t.childrenAmount(ids, "done")).Sub(t.childrenAmount(ids, "cancel"))
		return a.Sign() > 0 && a.Cmp(avail) <= 0, nil
	}))
	b.boolean("void_remaining_amount", "Void Remaining Amount")
	b.boolean("has_draft_children", "Has Draft Children", computed(func(t *tx, id int64) (any, error) {
		parents := idsOf(t.rec("payment.capture.wizard", id)["transaction_ids"])
		for _, c := range t.idsWithAny("payment.transaction", "source_transaction_id", parents) {
			r := t.rec("payment.transaction", c)
			if slices.Contains(parents, idOf(r["source_transaction_id"])) && str(r["state"]) == "draft" && str(r["operation"]) != "refund" {
				return true, nil
			}
		}
		return false, nil
	}))
	b.boolean("has_remaining_amount", "Has Remaining Amount", computed(func(t *tx, id int64) (any, error) {
		r := t.rec("payment.capture.wizard", id)
		ids := idsOf(r["transaction_ids"])
		var avail decimal
		for _, tx := range ids {
			avail = avail.Add(decOf(t.rec("payment.transaction", tx)["amount"]))
		}
		avail = avail.Sub(t.childrenAmount(ids, "done")).Sub(t.childrenAmount(ids, "cancel"))
		return decOf(r["amount_to_capture"]).Cmp(avail) < 0, nil
	}))
	b.boolean("support_partial_capture", "Support Partial Capture", computed(func(t *tx, id int64) (any, error) {
		for _, tx := range idsOf(t.rec("payment.capture.wizard", id)["transaction_ids"]) {
			p := t.rec("payment.provider", idOf(t.rec("payment.transaction", tx)["provider_id"]))
			if str(p["support_manual_capture"]) != "partial" {
				return false, nil
			}
		}
		return true, nil
	}))
	b.many2one("currency_id", "Currency", "res.currency")
	b.m.defaults = func(t *tx, vals *wire.Struct) error {
		if !vals.Has("transaction_ids") && str(t.ctx.Value("active_model")) == "payment.transaction" {
			ids := t.ctxIDs("active_ids")
			vals.Set("transaction_ids", []any{[]any{int64(6), int64(0), anyIDs(ids)}})
			if len(ids) > 0 && !vals.Has("currency_id") {
				vals.Set("currency_id", t.rec("payment.transaction", ids[0])["currency_id"])
			}
			if !vals.Has("amount_to_capture") {
				var sum decimal
				for _, id := range ids {
					sum = sum.Add(decOf(t.rec("payment.transaction", id)["amount"]))
				}
				vals.Set("amount_to_capture", sum.Sub(t.childrenAmount(ids, "done")).Sub(t.childrenAmount(ids, "cancel")))
			}
		}
		return nil
	}
	b.method("action_capture", func(c *call) (any, error) {
		ids, err := c.ids()
		if err != nil {
			return nil, err
		}
		for _, id := range ids {
			r := c.t.rec("payment.capture.wizard", id)
			amount := decOf(r["amount_to_capture"])
			for _, txID := range idsOf(r["transaction_ids"]) {
				tr := c.t.rec("payment.transaction", txID)
				already := c.t.childrenAmount([]int64{txID}, "done").Add(c.t.childrenAmount([]int64{txID}, "cancel"))
				available := decOf(tr["amount"]).Sub(already)
				if amount.Cmp(available) >= 0 {
					// Full capture: the transaction itself is done.
					if err := c.t.set("payment.transaction", txID, "state", "done", "last_state_change", c.t.nowString()); err != nil {
						return nil, err
					}
					continue
				}
				if _, err := c.t.childTransaction(txID, amount, str(tr["operation"]), "P-", "done"); err != nil {
					return nil, err
				}
				if boolOf(r["void_remaining_amount"]) {
					if err := c.t.voidTransaction(txID); err != nil {
						return nil, err
					}
				} else if err := c.t.settleParent(txID); err != nil {
					return nil, err
				}
			}
		}
		// Returns None: fault 1 after the commit.
		return nil, nil
	})
	return b.finish()
}

func (t *tx) childrenAmount(parents []int64, state string) decimal {
	var sum decimal
	for _, id := range t.idsWithAny("payment.transaction", "source_transaction_id", parents) {
		r := t.rec("payment.transaction", id)
		if slices.Contains(parents, idOf(r["source_transaction_id"])) && str(r["state"]) == state && str(r["operation"]) != "refund" {
			sum = sum.Add(decOf(r["amount"]))
		}
	}
	return sum
}

// cronPostProcessTransactions is payment.transaction._cron_post_process:
// every done/authorized/pending/cancel transaction not yet post-processed,
// changed in the last 4 days, newest id first. A done one confirms its
// quotation when the amount matches and gets an account.payment (in_process,
// memo "<ref> - <partner> - <provider ref>") even if its order is already
// paid, exactly like Odoo.
func (t *tx) cronPostProcessTransactions() error {
	limit := t.now.Add(-4 * 24 * time.Hour).Format(datetimeLayout)
	ids, err := t.search("payment.transaction", []any{
		[]any{"is_post_processed", "=", false},
		[]any{"state", "in", []any{"pending", "authorized", "done", "cancel", "error"}},
		[]any{"last_state_change", ">=", limit},
	}, searchOpts{})
	if err != nil {
		return err
	}
	for _, id := range ids {
		if err := t.postProcessTransaction(id); err != nil {
			return err
		}
	}
	return nil
}

func (t *tx) postProcessTransaction(id int64) error {
	r := t.rec("payment.transaction", id)
	state := str(r["state"])
	switch state {
	case "pending":
		for _, o := range idsOf(r["sale_order_ids"]) {
			if str(t.rec("sale.order", o)["state"]) == "draft" {
				if err := t.set("sale.order", o, "state", "sent"); err != nil {
					return err
				}
			}
		}
	case "authorized", "done":
		if err := t.confirmPaidOrders(id); err != nil {
			return err
		}
	}
	if state == "done" && str(r["operation"]) != "validation" && idOf(r["payment_id"]) == 0 && !t.hasSettledChildren(id) {
		if err := t.createTransactionPayment(id); err != nil {
			return err
		}
	}
	if state == "cancel" {
		if p := idOf(r["payment_id"]); p != 0 && str(t.rec("account.payment", p)["state"]) != "canceled" {
			if err := t.cancelPayment(p); err != nil {
				return err
			}
		}
	}
	return t.set("payment.transaction", id, "is_post_processed", true)
}

// hasSettledChildren reports done or cancelled child transactions (partial
// captures, voids, refunds): those carry the money, so the parent gets no
// payment of its own.
func (t *tx) hasSettledChildren(id int64) bool {
	for _, c := range t.idsWith("payment.transaction", "source_transaction_id", id) {
		r := t.rec("payment.transaction", c)
		if idOf(r["source_transaction_id"]) == id {
			if s := str(r["state"]); s == "done" || s == "cancel" {
				return true
			}
		}
	}
	return false
}

// confirmPaidOrders is sale's _check_amount_and_confirm_order: quotations
// whose total the transaction covers are confirmed (and their confirmation
// e-mail logged).
func (t *tx) confirmPaidOrders(txID int64) error {
	r := t.rec("payment.transaction", txID)
	for _, o := range idsOf(r["sale_order_ids"]) {
		or := t.rec("sale.order", o)
		if s := str(or["state"]); s != "draft" && s != "sent" {
			continue
		}
		places := currencyPlaces(t, idOf(or["currency_id"]))
		if decOf(r["amount"]).Round(places).Cmp(decOf(or["amount_total"]).Round(places)) != 0 {
			continue
		}
		if err := t.confirmOrders([]int64{o}); err != nil {
			return err
		}
		company := str(t.get("res.company", idOf(or["company_id"]), "name"))
		if err := t.logMessage("sale.order", o, "email", fmt.Sprintf("<p>%s Order (Ref %s)</p>", company, str(or["name"])), "mail.mt_comment"); err != nil {
			return err
		}
	}
	return nil
}

// createTransactionPayment is account_payment's _create_payment + post.
func (t *tx) createTransactionPayment(txID int64) error {
	r := t.rec("payment.transaction", txID)
	provider := t.rec("payment.provider", idOf(r["provider_id"]))
	journal := idOf(provider["journal_id"])
	if journal == 0 {
		return nil
	}
	if err := t.ensureProviderMethodLine(idOf(r["provider_id"])); err != nil {
		return err
	}
	amount := decOf(r["amount"])
	paymentType := "inbound"
	if amount.Sign() < 0 {
		paymentType = "outbound"
	}
	line := t.methodLine(journal, paymentType, idOf(r["provider_id"]))
	partner := commercialPartner(t, idOf(r["partner_id"]))
	memo := fmt.Sprintf("%s - %s - %s", str(r["reference"]), t.displayName("res.partner", idOf(r["partner_id"])), str(r["provider_reference"]))
	pid, err := t.create("account.payment", wire.NewStruct(
		"amount", amount.Abs(), "payment_type", paymentType, "currency_id", r["currency_id"], "partner_id", partner,
		"partner_type", "customer", "journal_id", journal, "company_id", provider["company_id"],
		"payment_method_line_id", nilIfZero(line), "payment_transaction_id", txID, "memo", memo,
		"invoice_ids", []any{[]any{int64(6), int64(0), anyIDs(idsOf(r["invoice_ids"]))}},
	))
	if err != nil {
		return err
	}
	if err := t.postPayment(pid); err != nil {
		return err
	}
	if err := t.set("payment.transaction", txID, "payment_id", pid); err != nil {
		return err
	}
	if invs := idsOf(r["invoice_ids"]); len(invs) > 0 {
		if err := t.reconcilePayment(pid, invs, false); err != nil {
			return err
		}
	}
	// _log_message_on_linked_documents: the confirmation and the payment.
	for _, o := range idsOf(r["sale_order_ids"]) {
		if err := t.logNote("sale.order", o, fmt.Sprintf("The transaction with reference %s for %s has been confirmed (%s).",
			str(r["reference"]), amount.String(), str(provider["name"])), "mail.mt_note"); err != nil {
			return err
		}
		if err := t.logNote("sale.order", o, fmt.Sprintf("The payment related to the transaction with reference %s has been posted: %s",
			str(r["reference"]), t.displayName("account.payment", pid)), "mail.mt_note"); err != nil {
			return err
		}
	}
	return nil
}
