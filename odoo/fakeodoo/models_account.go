package fakeodoo

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/odoo-afterpay/bridge/odoo/fakeodoo/internal/wire"
)

func accountModels() []*model {
	return []*model{
		accountAccountModel(), accountJournalModel(), accountTaxModel(), paymentTermModel(), paymentTermLineModel(),
		paymentMethodModel(), paymentMethodLineModel(), accountMoveModel(), accountMoveLineModel(),
		accountPaymentModel(), paymentRegisterModel(), moveReversalModel(),
	}
}

var accountTypes = sel(
	"asset_receivable", "Receivable", "asset_cash", "Bank and Cash", "asset_current", "Current Assets",
	"asset_non_current", "Non-current Assets", "asset_prepayments", "Prepayments", "asset_fixed", "Fixed Assets",
	"liability_payable", "Payable", "liability_credit_card", "Credit Card", "liability_current", "Current Liabilities",
	"liability_non_current", "Non-current Liabilities", "equity", "Equity", "equity_unaffected", "Current Year Earnings",
	"income", "Income", "income_other", "Other Income", "expense", "Expenses", "expense_depreciation", "Depreciation",
	"expense_direct_cost", "Cost of Revenue", "off_balance", "Off-Balance Sheet")

func accountAccountModel() *model {
	b := newModel("account.account", "Account")
	b.m.order = "code, company_id"
	b.char("code", "Code")
	b.char("name", "Account Name", notNull)
	b.selection("account_type", "Type", accountTypes, notNull)
	b.boolean("reconcile", "Allow Reconciliation")
	b.boolean("active", "Active")
	b.many2many("company_ids", "Companies", "res.company")
	b.many2one("currency_id", "Account Currency", "res.currency")
	b.m.displayName = func(t *tx, id int64) string {
		r := t.rec("account.account", id)
		if code := str(r["code"]); code != "" {
			return code + " " + str(r["name"])
		}
		return str(r["name"])
	}
	return b.finish()
}

// accountByCode finds an account by its code, else by type.
func (t *tx) accountByCode(code, accountType string) int64 {
	for _, id := range t.allIDs("account.account") {
		if str(t.rec("account.account", id)["code"]) == code {
			return id
		}
	}
	if accountType != "" {
		for _, id := range t.allIDs("account.account") {
			if str(t.rec("account.account", id)["account_type"]) == accountType {
				return id
			}
		}
	}
	return 0
}

func accountJournalModel() *model {
	b := newModel("account.journal", "Journal")
	b.m.order = "sequence, type, code"
	b.char("name", "Journal Name", notNull)
	b.char("code", "Short Code", notNull, indexed)
	b.boolean("active", "Active")
	b.selection("type", "Type", sel("sale", "Sales", "purchase", "Purchase", "cash", "Cash", "bank", "Bank", "credit", "Credit Card", "general", "Miscellaneous"), notNull)
	b.integer("sequence", "Sequence")
	b.many2one("company_id", "Company", "res.company")
	b.many2one("currency_id", "Currency", "res.currency")
	b.many2one("default_account_id", "Default Account", "account.account")
	b.boolean("refund_sequence", "Dedicated Credit Note Sequence")
	b.boolean("payment_sequence", "Dedicated Payment Sequence")
	methodLines := func(paymentType string) computeFunc {
		return func(t *tx, id int64) (any, error) {
			ids, err := t.search("account.payment.method.line", []any{[]any{"journal_id", "=", id}}, searchOpts{})
			if err != nil {
				return nil, err
			}
			out := []int64{}
			for _, l := range ids {
				method := idOf(t.rec("account.payment.method.line", l)["payment_method_id"])
				if str(t.rec("account.payment.method", method)["payment_type"]) == paymentType {
					out = append(out, l)
				}
			}
			return out, nil
		}
	}
	b.field("inbound_payment_method_line_ids", tOne2many, "Inbound Payment Methods", "account.payment.method.line", computed(methodLines("inbound")))
	b.field("outbound_payment_method_line_ids", tOne2many, "Outbound Payment Methods", "account.payment.method.line", computed(methodLines("outbound")))
	// Like account's _compute_*_payment_method_line_ids: a new bank or cash
	// journal gets the "Manual Payment" line for each direction.
	b.m.afterCreate = func(t *tx, id int64, vals *wire.Struct) error {
		if typ := str(t.rec("account.journal", id)["type"]); typ != "bank" && typ != "cash" {
			return nil
		}
		if existing, _ := t.search("account.payment.method.line", []any{[]any{"journal_id", "=", id}}, searchOpts{limit: 1}); len(existing) > 0 {
			return nil
		}
		manual, err := t.search("account.payment.method", []any{[]any{"code", "=", "manual"}}, searchOpts{})
		if err != nil {
			return err
		}
		for _, method := range manual {
			if _, err := t.create("account.payment.method.line", wire.NewStruct("name", "Manual Payment", "payment_method_id", method, "journal_id", id)); err != nil {
				return err
			}
		}
		return nil
	}
	return b.finish()
}

// journalOfType returns the first journal of a type (sale, bank, …).
func (t *tx) journalOfType(typ string) int64 {
	ids, _ := t.search("account.journal", []any{[]any{"type", "=", typ}}, searchOpts{limit: 1})
	if len(ids) == 0 {
		return 0
	}
	return ids[0]
}

func accountTaxModel() *model {
	b := newModel("account.tax", "Tax")
	b.m.order = "sequence,id"
	b.char("name", "Tax Name", notNull)
	b.selection("type_tax_use", "Tax Type", sel("sale", "Sales", "purchase", "Purchases", "none", "None"), notNull)
	b.selection("amount_type", "Tax Computation", sel("group", "Group of Taxes", "fixed", "Fixed", "percent", "Percentage", "division", "Percentage Tax Included"), notNull)
	b.float("amount", "Amount", notNull)
	b.boolean("active", "Active")
	b.many2one("company_id", "Company", "res.company")
	b.integer("sequence", "Sequence")
	b.char("description", "Label on Invoices")
	b.selection("price_include_override", "Included in Price", sel("tax_included", "Tax Included", "tax_excluded", "Tax Excluded"))
	b.boolean("include_base_amount", "Affect Base of Subsequent Taxes")
	b.many2one("country_id", "Country", "res.country")
	b.m.defaults = func(t *tx, vals *wire.Struct) error {
		for k, v := range map[string]any{"type_tax_use": "sale", "amount_type": "percent", "amount": 0.0, "sequence": int64(1)} {
			if !vals.Has(k) {
				vals.Set(k, v)
			}
		}
		return nil
	}
	return b.finish()
}

func paymentTermModel() *model {
	b := newModel("account.payment.term", "Payment Terms")
	b.m.order = "sequence, id"
	b.char("name", "Payment Terms", notNull)
	b.boolean("active", "Active")
	b.html("note", "Description on the Invoice")
	b.one2many("line_ids", "Terms", "account.payment.term.line", "payment_id")
	b.many2one("company_id", "Company", "res.company")
	b.integer("sequence", "Sequence", notNull)
	b.boolean("display_on_invoice", "Show installment dates")
	b.boolean("early_discount", "Early Discount")
	b.float("discount_percentage", "Discount %")
	b.integer("discount_days", "Discount Days")
	b.m.defaults = func(t *tx, vals *wire.Struct) error {
		defaults := map[string]any{"sequence": int64(10), "display_on_invoice": true, "early_discount": false,
			"discount_percentage": 2.0, "discount_days": int64(10)}
		for k, v := range defaults {
			if !vals.Has(k) {
				vals.Set(k, v)
			}
		}
		if !vals.Has("line_ids") {
			// _default_line_ids: 100 % at once.
			vals.Set("line_ids", []any{[]any{int64(0), int64(0), wire.NewStruct("value", "percent", "value_amount", 100.0, "nb_days", int64(0))}})
		}
		return nil
	}
	check := func(t *tx, ids []int64) error {
		for _, id := range ids {
			lines, err := t.search("account.payment.term.line", []any{[]any{"payment_id", "=", id}}, searchOpts{})
			if err != nil {
				return err
			}
			if len(lines) == 0 && len(idsOf(t.rec("account.payment.term", id)["line_ids"])) > 0 {
				continue // a seeded term whose lines were not exported
			}
			var percent decimal
			hasPercent := false
			for _, l := range lines {
				lr := t.rec("account.payment.term.line", l)
				if str(lr["value"]) == "percent" {
					hasPercent = true
					percent = percent.Add(decOf(lr["value_amount"]))
				}
			}
			if !hasPercent || percent.Round(4).Cmp(decimalFromInt(100)) != 0 {
				return validationErrorf("The Payment Term must have at least one percent line and the sum of the percent must be 100%%.")
			}
		}
		return nil
	}
	b.m.afterCreate = func(t *tx, id int64, _ *wire.Struct) error { return check(t, []int64{id}) }
	b.m.afterWrite = func(t *tx, ids []int64, vals *wire.Struct) error {
		if !vals.Has("line_ids") {
			return nil
		}
		return check(t, ids)
	}
	return b.finish()
}

func paymentTermLineModel() *model {
	b := newModel("account.payment.term.line", "Payment Terms Line")
	b.m.order = "id"
	b.selection("value", "Value", sel("percent", "Percent", "fixed", "Fixed"), notNull)
	b.float("value_amount", "Due")
	b.selection("delay_type", "Delay Type", sel("days_after", "Days after invoice date", "days_after_end_of_month", "Days after end of month",
		"days_after_end_of_next_month", "Days after end of next month", "days_end_of_month_on_the", "Days end of month on the"), notNull)
	b.boolean("display_days_next_month", "Display Days Next Month", computed(func(t *tx, id int64) (any, error) {
		return str(t.rec("account.payment.term.line", id)["delay_type"]) == "days_end_of_month_on_the", nil
	}))
	b.char("days_next_month", "Days on the next month")
	b.integer("nb_days", "Days")
	b.many2one("payment_id", "Payment Terms", "account.payment.term", notNull)
	b.m.defaults = func(t *tx, vals *wire.Struct) error {
		defaults := map[string]any{"value": "percent", "delay_type": "days_after", "days_next_month": "10", "nb_days": int64(0)}
		for k, v := range defaults {
			if !vals.Has(k) {
				vals.Set(k, v)
			}
		}
		if !vals.Has("value_amount") {
			vals.Set("value_amount", 0.0)
		}
		return nil
	}
	return b.finish()
}

func paymentMethodModel() *model {
	b := newModel("account.payment.method", "Payment Methods")
	b.char("name", "Name", notNull)
	b.char("code", "Code", notNull)
	b.selection("payment_type", "Type", sel("inbound", "Inbound", "outbound", "Outbound"), notNull)
	return b.finish()
}

func paymentMethodLineModel() *model {
	b := newModel("account.payment.method.line", "Payment Methods")
	b.m.order = "sequence, id"
	b.char("name", "Name")
	b.integer("sequence", "Sequence")
	b.many2one("payment_method_id", "Payment Method", "account.payment.method", notNull)
	b.many2one("payment_account_id", "Outstanding Receipts/Payments Account", "account.account")
	b.many2one("journal_id", "Journal", "account.journal")
	b.many2one("payment_provider_id", "Payment Provider", "payment.provider")
	b.char("code", "Code", relatedTo("payment_method_id", "code"))
	b.selection("payment_type", "Type", sel("inbound", "Inbound", "outbound", "Outbound"), relatedTo("payment_method_id", "payment_type"))
	b.m.displayName = func(t *tx, id int64) string {
		r := t.rec("account.payment.method.line", id)
		name := str(r["name"])
		if name == "" {
			name = str(t.get("account.payment.method", idOf(r["payment_method_id"]), "name"))
		}
		if j := idOf(r["journal_id"]); j != 0 {
			return fmt.Sprintf("%s (%s)", name, str(t.get("account.journal", j, "name")))
		}
		return name
	}
	b.m.defaults = func(t *tx, vals *wire.Struct) error {
		if !vals.Has("sequence") {
			vals.Set("sequence", int64(10))
		}
		if !vals.Has("name") {
			if mid := intOf(vals.Value("payment_method_id")); mid != 0 {
				vals.Set("name", str(t.get("account.payment.method", mid, "name")))
			}
		}
		return nil
	}
	return b.finish()
}

// methodLine picks a journal's payment method line for a direction,
// preferring the one of a payment provider when provider is set.
func (t *tx) methodLine(journalID int64, paymentType string, provider int64) int64 {
	ids, _ := t.search("account.payment.method.line", []any{[]any{"journal_id", "=", journalID}}, searchOpts{})
	for _, want := range []bool{true, false} {
		for _, id := range ids {
			r := t.rec("account.payment.method.line", id)
			if str(t.get("account.payment.method", idOf(r["payment_method_id"]), "payment_type")) != paymentType {
				continue
			}
			if (idOf(r["payment_provider_id"]) == provider && provider != 0) == want {
				if !want && idOf(r["payment_provider_id"]) != 0 {
					continue
				}
				return id
			}
		}
	}
	return 0
}

var moveTypes = sel("entry", "Journal Entry", "out_invoice", "Customer Invoice", "out_refund", "Customer Credit Note",
	"in_invoice", "Vendor Bill", "in_refund", "Vendor Credit Note", "out_receipt", "Sales Receipt", "in_receipt", "Purchase Receipt")

var paymentStates = sel("not_paid", "Not Paid", "in_payment", "In Payment", "paid", "Paid", "partial", "Partially Paid",
	"reversed", "Reversed", "blocked", "Blocked", "invoicing_legacy", "Invoicing App Legacy")

func isInvoice(moveType string) bool {
	switch moveType {
	case "out_invoice", "out_refund", "in_invoice", "in_refund", "out_receipt", "in_receipt":
		return true
	}
	return false
}

func accountMoveModel() *model {
	b := newModel("account.move", "Journal Entry")
	b.m.order = "date desc, name desc, invoice_date desc, id desc"
	b.m.mailThread = true
	b.m.buildChildren = true
	b.m.composites = []compositeIndex{{name: moveSequenceIndex, key: moveSequenceKey}}
	b.char("name", "Number", indexed)
	b.char("ref", "Reference")
	b.date("date", "Date", notNull)
	b.selection("state", "Status", sel("draft", "Draft", "posted", "Posted", "cancel", "Cancelled"), notNull, indexed)
	b.selection("move_type", "Type", moveTypes, notNull, indexed)
	b.many2one("journal_id", "Journal", "account.journal", notNull)
	b.many2one("company_id", "Company", "res.company")
	b.many2one("currency_id", "Currency", "res.currency", notNull)
	b.many2one("partner_id", "Partner", "res.partner")
	b.many2one("commercial_partner_id", "Commercial Entity", "res.partner", computed(func(t *tx, id int64) (any, error) {
		if p := idOf(t.rec("account.move", id)["partner_id"]); p != 0 {
			return commercialPartner(t, p), nil
		}
		return nil, nil
	}))
	b.many2one("partner_shipping_id", "Delivery Address", "res.partner")
	b.date("invoice_date", "Invoice/Bill Date")
	b.date("invoice_date_due", "Due Date")
	b.char("invoice_origin", "Origin", indexed)
	b.many2one("invoice_payment_term_id", "Payment Terms", "account.payment.term")
	b.char("payment_reference", "Payment Reference", indexed)
	b.selection("payment_state", "Payment Status", paymentStates, storedCompute)
	b.monetary("amount_untaxed", "Untaxed Amount", storedCompute)
	b.monetary("amount_tax", "Tax", storedCompute)
	b.monetary("amount_total", "Total", storedCompute)
	b.monetary("amount_residual", "Amount Due", storedCompute)
	signed := func(fname string) computeFunc {
		return func(t *tx, id int64) (any, error) {
			r := t.rec("account.move", id)
			v := decOf(r[fname])
			if moveSign(str(r["move_type"])) < 0 {
				v = v.Neg()
			}
			return v, nil
		}
	}
	b.monetary("amount_untaxed_signed", "Untaxed Amount Signed", computed(signed("amount_untaxed")))
	b.monetary("amount_tax_signed", "Tax Signed", computed(signed("amount_tax")))
	b.monetary("amount_total_signed", "Total Signed", computed(signed("amount_total")))
	b.monetary("amount_residual_signed", "Amount Due Signed", computed(signed("amount_residual")))
	b.many2one("reversed_entry_id", "Reversal of", "account.move")
	b.one2many("reversal_move_ids", "Reversal Move", "account.move", "reversed_entry_id")
	b.one2many("line_ids", "Journal Items", "account.move.line", "move_id")
	b.field("invoice_line_ids", tOne2many, "Invoice lines", "account.move.line", computed(func(t *tx, id int64) (any, error) {
		ids, err := t.search("account.move.line", []any{[]any{"move_id", "=", id}}, searchOpts{})
		if err != nil {
			return nil, err
		}
		return slices.DeleteFunc(ids, func(l int64) bool {
			dt := str(t.rec("account.move.line", l)["display_type"])
			return dt != "product" && dt != "line_section" && dt != "line_note"
		}), nil
	})).inverse = "move_id"
	b.many2manyInverse("matched_payment_ids", "Matched Payments", "account.payment", "invoice_ids")
	b.many2one("origin_payment_id", "Payment", "account.payment")
	b.many2manyInverse("transaction_ids", "Transactions", "payment.transaction", "invoice_ids")
	b.char("sequence_prefix", "Sequence Prefix", storedCompute, indexed)
	b.integer("sequence_number", "Sequence Number", storedCompute)
	b.boolean("posted_before", "Posted Before")
	b.many2one("invoice_user_id", "Salesperson", "res.users")
	b.many2one("team_id", "Sales Team", "crm.team")
	b.html("narration", "Terms and Conditions")
	b.boolean("is_move_sent", "Is Move Sent")
	b.char("invoice_partner_display_name", "Invoice Partner Display Name", computed(func(t *tx, id int64) (any, error) {
		if p := idOf(t.rec("account.move", id)["partner_id"]); p != 0 {
			return t.displayName("res.partner", p), nil
		}
		return nil, nil
	}))
	b.m.displayName = moveDisplayName
	b.m.defaults = func(t *tx, vals *wire.Struct) error {
		if !vals.Has("move_type") {
			mt := "entry"
			if s, ok := t.ctx.Value("default_move_type").(string); ok {
				mt = s
			}
			vals.Set("move_type", mt)
		}
		mt := str(vals.Value("move_type"))
		if !vals.Has("journal_id") {
			typ := "general"
			switch mt {
			case "out_invoice", "out_refund", "out_receipt":
				typ = "sale"
			case "in_invoice", "in_refund", "in_receipt":
				typ = "purchase"
			}
			if j := t.journalOfType(typ); j != 0 {
				vals.Set("journal_id", j)
			}
		}
		defaults := map[string]any{"state": "draft", "name": "/", "date": t.today(), "payment_state": "not_paid"}
		for k, v := range defaults {
			if !vals.Has(k) {
				vals.Set(k, v)
			}
		}
		if !vals.Has("currency_id") {
			vals.Set("currency_id", t.companyCurrency())
		}
		if !vals.Has("company_id") {
			vals.Set("company_id", t.userCompany())
		}
		return nil
	}
	b.m.afterCreate = func(t *tx, id int64, vals *wire.Struct) error {
		if isInvoice(str(t.rec("account.move", id)["move_type"])) {
			return t.recomputeMove(id)
		}
		return nil
	}
	b.m.beforeUnlink = func(t *tx, ids []int64) error {
		for _, id := range ids {
			r := t.rec("account.move", id)
			if str(r["state"]) == "posted" {
				return userErrorf("You cannot delete an entry which has been posted once.")
			}
			if boolOf(r["posted_before"]) {
				return userErrorf("You cannot delete an entry which has been posted once.")
			}
		}
		return nil
	}
	b.method("action_post", func(c *call) (any, error) {
		ids, err := c.ids()
		if err != nil {
			return nil, err
		}
		for _, id := range ids {
			if err := c.t.postMove(id); err != nil {
				return nil, err
			}
		}
		return false, nil
	})
	b.method("js_assign_outstanding_line", func(c *call) (any, error) {
		ids, err := c.ids()
		if err != nil {
			return nil, err
		}
		id, err := c.singleton(ids)
		if err != nil {
			return nil, err
		}
		a, err := c.bind(1, "line_id")
		if err != nil {
			return nil, err
		}
		if !a.present(0) {
			return nil, typeErrorf("AccountMove.js_assign_outstanding_line() missing 1 required positional argument: 'line_id'")
		}
		line, ok := a.get(0).(int64)
		if !ok {
			return nil, typeErrorf("expected an integer line id, got %s", pyTypeName(a.get(0)))
		}
		// reconcile() answers a dict of recordsets; the method returns it
		// and the marshaller faults after the commit (None, as recorded).
		return nil, c.t.assignOutstandingLine(id, line)
	})
	b.method("button_draft", func(c *call) (any, error) {
		ids, err := c.ids()
		if err != nil {
			return nil, err
		}
		for _, id := range ids {
			if err := c.t.resetMoveToDraft(id); err != nil {
				return nil, err
			}
		}
		return nil, nil
	})
	b.method("button_cancel", func(c *call) (any, error) {
		ids, err := c.ids()
		if err != nil {
			return nil, err
		}
		for _, id := range ids {
			if str(c.t.rec("account.move", id)["state"]) == "posted" {
				if err := c.t.resetMoveToDraft(id); err != nil {
					return nil, err
				}
			}
		}
		for _, id := range ids {
			if str(c.t.rec("account.move", id)["state"]) != "draft" {
				return nil, userErrorf("Only draft journal entries can be cancelled.")
			}
		}
		for _, id := range ids {
			if err := c.t.set("account.move", id, "state", "cancel"); err != nil {
				return nil, err
			}
		}
		return nil, nil
	})
	return b.finish()
}

// moveSign is +1 for documents that are receivables (invoices) and -1 for
// refunds, for the *_signed amounts and line balances.
func moveSign(moveType string) int {
	switch moveType {
	case "out_refund", "in_invoice", "in_receipt":
		return -1
	}
	return 1
}

// moveDisplayName is account.move._get_move_display_name(show_ref=True).
func moveDisplayName(t *tx, id int64) string {
	r := t.rec("account.move", id)
	name := ""
	if str(r["state"]) == "draft" {
		name = map[string]string{
			"out_invoice": "Draft Invoice", "out_refund": "Draft Credit Note", "in_invoice": "Draft Bill",
			"in_refund": "Draft Vendor Credit Note", "out_receipt": "Draft Sales Receipt",
			"in_receipt": "Draft Purchase Receipt", "entry": "Draft Entry",
		}[str(r["move_type"])] + " "
	}
	if n := str(r["name"]); n != "" && n != "/" {
		name += n
	}
	if ref := str(r["ref"]); ref != "" {
		name += " (" + shorten(ref, 50) + ")"
	}
	return name
}

func (t *tx) companyCurrency() int64 {
	if c := idOf(t.get("res.company", t.userCompany(), "currency_id")); c != 0 {
		return c
	}
	ids := t.allIDs("res.currency")
	if len(ids) > 0 {
		return ids[0]
	}
	return 0
}

func (t *tx) userCompany() int64 {
	if c := idOf(t.get("res.users", t.uid, "company_id")); c != 0 {
		return c
	}
	ids := t.allIDs("res.company")
	if len(ids) > 0 {
		return ids[0]
	}
	return 0
}

func accountMoveLineModel() *model {
	b := newModel("account.move.line", "Journal Item")
	b.m.order = "date desc, move_name desc, id"
	b.many2one("move_id", "Journal Entry", "account.move", notNull)
	b.char("move_name", "Number", relatedTo("move_id", "name"))
	b.selection("parent_state", "Status", sel("draft", "Draft", "posted", "Posted", "cancel", "Cancelled"), relatedTo("move_id", "state"))
	b.date("date", "Date", relatedTo("move_id", "date"))
	b.char("name", "Label")
	b.selection("display_type", "Display Type", sel("product", "Product", "cogs", "Cost of Goods Sold", "tax", "Tax",
		"discount", "Discount", "rounding", "Rounding", "payment_term", "Payment Term", "line_section", "Section",
		"line_note", "Note", "epd", "Early Payment Discount"))
	b.integer("sequence", "Sequence")
	b.many2one("product_id", "Product", "product.product")
	b.many2one("product_uom_id", "Unit of Measure", "uom.uom")
	b.float("quantity", "Quantity")
	b.float("price_unit", "Unit Price")
	b.float("discount", "Discount (%)")
	b.many2many("tax_ids", "Taxes", "account.tax")
	b.many2one("tax_line_id", "Originator Tax", "account.tax")
	b.monetary("price_subtotal", "Subtotal", storedCompute)
	b.monetary("price_total", "Total", storedCompute)
	b.many2one("account_id", "Account", "account.account")
	b.selection("account_type", "Internal Type", accountTypes, relatedTo("account_id", "account_type"))
	b.monetary("debit", "Debit", storedCompute)
	b.monetary("credit", "Credit", storedCompute)
	b.monetary("balance", "Balance", storedCompute)
	b.monetary("amount_currency", "Amount in Currency", storedCompute)
	b.monetary("amount_residual", "Residual Amount", storedCompute)
	b.boolean("reconciled", "Reconciled")
	b.many2one("currency_id", "Currency", "res.currency")
	b.many2one("partner_id", "Partner", "res.partner")
	b.many2one("company_id", "Company", "res.company")
	b.date("date_maturity", "Due Date")
	b.many2many("sale_line_ids", "Sales Order Lines", "sale.order.line")
	b.m.displayName = func(t *tx, id int64) string {
		r := t.rec("account.move.line", id)
		parts := []string{}
		if n := str(t.get("account.move", idOf(r["move_id"]), "name")); n != "" {
			parts = append(parts, n)
		}
		if n := str(r["name"]); n != "" {
			parts = append(parts, n)
		}
		return strings.Join(parts, " ")
	}
	b.m.defaults = func(t *tx, vals *wire.Struct) error {
		if !vals.Has("display_type") {
			vals.Set("display_type", "product")
		}
		if str(vals.Value("display_type")) == "product" {
			if p := intOf(vals.Value("product_id")); p != 0 {
				if !vals.Has("name") {
					vals.Set("name", t.displayName("product.product", p))
				}
				if !vals.Has("price_unit") {
					vals.Set("price_unit", t.rec("product.product", p)["list_price"])
				}
				if !vals.Has("tax_ids") {
					vals.Set("tax_ids", []any{[]any{int64(6), int64(0), anyIDs(idsOf(t.rec("product.product", p)["taxes_id"]))}})
				}
			}
			if !vals.Has("quantity") {
				vals.Set("quantity", int64(1))
			}
		}
		if m := intOf(vals.Value("move_id")); m != 0 {
			mr := t.rec("account.move", m)
			if !vals.Has("currency_id") {
				vals.Set("currency_id", mr["currency_id"])
			}
			if !vals.Has("partner_id") && mr["partner_id"] != nil {
				vals.Set("partner_id", mr["partner_id"])
			}
			if !vals.Has("company_id") && mr["company_id"] != nil {
				vals.Set("company_id", mr["company_id"])
			}
		}
		return nil
	}
	recompute := func(t *tx, moves map[int64]bool) error {
		for id := range moves {
			if t.internal() {
				continue
			}
			r := t.rec("account.move", id)
			if r != nil && str(r["state"]) == "draft" && isInvoice(str(r["move_type"])) {
				if err := t.recomputeMove(id); err != nil {
					return err
				}
			}
		}
		return nil
	}
	b.m.afterCreate = func(t *tx, id int64, _ *wire.Struct) error {
		return recompute(t, map[int64]bool{idOf(t.rec("account.move.line", id)["move_id"]): true})
	}
	b.m.afterWrite = func(t *tx, ids []int64, _ *wire.Struct) error {
		moves := map[int64]bool{}
		for _, id := range ids {
			moves[idOf(t.rec("account.move.line", id)["move_id"])] = true
		}
		return recompute(t, moves)
	}
	b.m.unlinkParent = "move_id"
	b.m.afterUnlink = func(t *tx, _ []int64, parents map[int64]int64) error {
		moves := map[int64]bool{}
		for _, m := range parents {
			moves[m] = true
		}
		return recompute(t, moves)
	}
	return b.finish()
}

// internal reports whether the fake itself is building records, in which
// case line hooks must not recompute half-built documents.
func (t *tx) internal() bool { return t.ctxBool("fake_odoo_building") }

// withInternal runs fn with the internal-building flag set.
func (t *tx) withInternal(fn func() error) error {
	saved := t.ctx
	t.ctx = saved.Clone()
	t.ctx.Set("fake_odoo_building", true)
	defer func() { t.ctx = saved }()
	return fn()
}

// moveLines returns a move's lines of one display type, in id order.
func (t *tx) moveLines(moveID int64, displayType string) []int64 {
	var out []int64
	for _, id := range t.idsWith("account.move.line", "move_id", moveID) {
		r := t.rec("account.move.line", id)
		if idOf(r["move_id"]) == moveID && (displayType == "" || str(r["display_type"]) == displayType) {
			out = append(out, id)
		}
	}
	return out
}

// recomputeMove prices an invoice's product lines and brings its tax lines,
// receivable/payable line and totals in line with them.
func (t *tx) recomputeMove(moveID int64) error {
	mr := t.rec("account.move", moveID)
	moveType := str(mr["move_type"])
	places := currencyPlaces(t, idOf(mr["currency_id"]))
	sign := decimalFromInt(int64(moveSign(moveType)))
	var sum totals
	for _, l := range t.moveLines(moveID, "product") {
		lr := t.rec("account.move.line", l)
		a := t.computeLine(decOf(lr["price_unit"]), decOf(lr["quantity"]), decOf(lr["discount"]), idsOf(lr["tax_ids"]), places)
		sum.add(a)
		balance := a.subtotal.Mul(sign).Neg() // income lines are credits on an invoice
		if err := t.store("account.move.line", l, "price_subtotal", a.subtotal, "price_total", a.total,
			"balance", balance, "amount_currency", balance, "debit", positive(balance), "credit", positive(balance.Neg())); err != nil {
			return err
		}
	}
	err := t.withInternal(func() error {
		existing := map[int64]int64{}
		for _, l := range t.moveLines(moveID, "tax") {
			tax := idOf(t.rec("account.move.line", l)["tax_line_id"])
			if _, dup := existing[tax]; dup || sum.perTax[tax].IsZero() {
				if err := t.unlink("account.move.line", []int64{l}); err != nil {
					return err
				}
				continue
			}
			existing[tax] = l
		}
		for _, tax := range sum.taxOrder {
			amount := sum.perTax[tax]
			if amount.IsZero() {
				continue
			}
			balance := amount.Mul(sign).Neg()
			if l, ok := existing[tax]; ok {
				if err := t.store("account.move.line", l, "balance", balance, "amount_currency", balance,
					"debit", positive(balance), "credit", positive(balance.Neg())); err != nil {
					return err
				}
				continue
			}
			tr := t.rec("account.tax", tax)
			if _, err := t.create("account.move.line", wire.NewStruct(
				"move_id", moveID, "display_type", "tax", "name", str(tr["name"]), "tax_line_id", tax,
				"account_id", nilIfZero(t.accountByCode("251000", "liability_current")),
				"balance", balance, "amount_currency", balance, "debit", positive(balance), "credit", positive(balance.Neg()),
			)); err != nil {
				return err
			}
		}
		total := sum.total()
		balance := total.Mul(sign)
		terms := t.moveLines(moveID, "payment_term")
		if len(terms) == 0 {
			accountType := "asset_receivable"
			code := "121000"
			if strings.HasPrefix(moveType, "in_") {
				accountType, code = "liability_payable", "211000"
			}
			_, err := t.create("account.move.line", wire.NewStruct(
				"move_id", moveID, "display_type", "payment_term", "name", str(mr["payment_reference"]),
				"account_id", nilIfZero(t.accountByCode(code, accountType)),
				"balance", balance, "amount_currency", balance, "debit", positive(balance), "credit", positive(balance.Neg()),
				"amount_residual", balance, "date_maturity", t.today(),
			))
			return err
		}
		return t.store("account.move.line", terms[0], "balance", balance, "amount_currency", balance,
			"debit", positive(balance), "credit", positive(balance.Neg()), "amount_residual", balance)
	})
	if err != nil {
		return err
	}
	total := sum.total()
	return t.store("account.move", moveID, "amount_untaxed", sum.untaxed, "amount_tax", sum.tax,
		"amount_total", total, "amount_residual", total)
}

func positive(d decimal) decimal {
	if d.Sign() > 0 {
		return d
	}
	return decimal{}
}

func nilIfZero(id int64) any {
	if id == 0 {
		return false
	}
	return id
}

// nextMoveName numbers a move like Odoo 18's sequence mixin: the journal's
// prefix for the document kind and year, then the last number + 1, padded to 5.
func (t *tx) nextMoveName(journalID int64, kind, date string) (string, string, int64) {
	j := t.rec("account.journal", journalID)
	code := str(j["code"])
	year := date
	if len(year) >= 4 {
		year = year[:4]
	} else {
		year = t.now.Format("2006")
	}
	prefix := code + "/" + year + "/"
	switch kind {
	case "out_refund", "in_refund":
		if boolOf(j["refund_sequence"]) {
			prefix = "R" + prefix
		}
	case "payment":
		if boolOf(j["payment_sequence"]) {
			prefix = "P" + prefix
		}
	}
	last := t.lastSequenceNumber(journalID, prefix)
	return fmt.Sprintf("%s%05d", prefix, last+1), prefix, last + 1
}

// moveSequenceIndex indexes the moves' numbers by journal and prefix: a key
// is the code of the journal and sequence_prefix above the sequence_number,
// so a group's last number is its largest key. (Numbers from 2^32 on, which
// a five-digit sequence never reaches, are not indexed.)
const moveSequenceIndex = "~sequence"

func moveSequenceKey(r record, code func(string) int64) (int64, bool) {
	journal, prefix, n := idOf(r["journal_id"]), str(r["sequence_prefix"]), intOf(r["sequence_number"])
	if journal <= 0 || prefix == "" || n <= 0 || n >= 1<<32 {
		return 0, false
	}
	return code(sequenceGroup(journal, prefix))<<32 | n, true
}

func sequenceGroup(journal int64, prefix string) string {
	return strconv.FormatInt(journal, 10) + "|" + prefix
}

// lastSequenceNumber is the highest sequence_number of the journal's moves
// with that prefix (0 if none).
func (t *tx) lastSequenceNumber(journalID int64, prefix string) int64 {
	var last int64
	consider := func(r record) {
		if r != nil && idOf(r["journal_id"]) == journalID && str(r["sequence_prefix"]) == prefix {
			last = max(last, intOf(r["sequence_number"]))
		}
	}
	tbl := t.base.tables["account.move"]
	var ix fieldIndex
	indexed := false
	if tbl != nil {
		ix, indexed = tbl.idx[moveSequenceIndex]
	}
	if !indexed || journalID <= 0 || prefix == "" {
		for _, id := range t.allIDs("account.move") {
			consider(t.rec("account.move", id))
		}
		return last
	}
	dirty := t.dirty["account.move"]
	if group, ok := t.s.codes.lookup(sequenceGroup(journalID, prefix)); ok {
		// The group's largest key held by a record this tx did not change.
	keys:
		for key, ids := range ix.ints.below((group + 1) << 32) {
			if key>>32 != group {
				break
			}
			for id := range ids.all() {
				if _, changed := dirty[id]; !changed {
					last = key & (1<<32 - 1)
					break keys
				}
			}
		}
	}
	for _, r := range dirty {
		consider(r)
	}
	return last
}

// postMove is account.move.action_post for one move.
func (t *tx) postMove(id int64) error {
	r := t.rec("account.move", id)
	if r == nil {
		return missingError("account.move", []int64{id}, t.uid)
	}
	if str(r["state"]) == "posted" {
		return userErrorf("The entry %s (id %d) is already posted.", str(r["name"]), id)
	}
	if str(r["state"]) == "cancel" {
		return userErrorf("You can't post an entry that is cancelled.")
	}
	moveType := str(r["move_type"])
	if isInvoice(moveType) {
		if len(t.moveLines(id, "product")) == 0 {
			return userErrorf("You need to add a line before posting.")
		}
		if idOf(r["partner_id"]) == 0 {
			return userErrorf("The field 'Customer' is required, please complete it to validate the Customer Invoice.")
		}
	}
	vals := wire.NewStruct("state", "posted", "posted_before", true)
	if str(r["name"]) == "" || str(r["name"]) == "/" {
		date := str(r["invoice_date"])
		if date == "" {
			date = str(r["date"])
		}
		name, prefix, number := t.nextMoveName(idOf(r["journal_id"]), moveType, date)
		vals.Set("name", name)
		vals.Set("sequence_prefix", prefix)
		vals.Set("sequence_number", number)
		if moveType == "out_invoice" && str(r["payment_reference"]) == "" {
			vals.Set("payment_reference", name)
		}
	}
	if isInvoice(moveType) && str(r["invoice_date"]) == "" {
		vals.Set("invoice_date", t.today())
		vals.Set("date", t.today())
	}
	if isInvoice(moveType) && str(r["invoice_date_due"]) == "" {
		vals.Set("invoice_date_due", t.today())
	}
	if err := t.write("account.move", []int64{id}, vals); err != nil {
		return err
	}
	// A credit note posted against an open invoice is matched with it.
	if moveType == "out_refund" || moveType == "in_refund" {
		if orig := idOf(r["reversed_entry_id"]); orig != 0 {
			or := t.rec("account.move", orig)
			if str(or["state"]) == "posted" && decOf(or["amount_residual"]).Sign() > 0 {
				amount := decOf(or["amount_residual"])
				if own := decOf(t.rec("account.move", id)["amount_residual"]); own.Cmp(amount) < 0 {
					amount = own
				}
				if err := t.applyToMove(orig, amount, true); err != nil {
					return err
				}
				if err := t.applyToMove(id, amount, true); err != nil {
					return err
				}
			}
		}
	}
	switch moveType {
	case "out_invoice", "out_refund", "in_invoice", "in_refund":
		return t.assignTransactionPayments(id)
	}
	return nil
}

// applyToMove reconciles amount against a posted invoice's open balance and
// updates its payment_state; byRefund marks a match with a credit note.
func (t *tx) applyToMove(moveID int64, amount decimal, byRefund bool) error {
	r := t.rec("account.move", moveID)
	residual := decOf(r["amount_residual"]).Sub(amount)
	if residual.Sign() < 0 {
		residual = decimal{}
	}
	state := "partial"
	if residual.IsZero() {
		state = "paid"
		if byRefund && len(t.many2manyInverse(t.model("account.move").field("matched_payment_ids"), moveID)) == 0 &&
			str(r["payment_state"]) != "partial" {
			state = "reversed"
		}
		if byRefund && (str(r["move_type"]) == "out_refund" || str(r["move_type"]) == "in_refund") {
			state = "paid"
		}
	}
	wasPaid := str(r["payment_state"]) == "paid" || str(r["payment_state"]) == "in_payment"
	if err := t.store("account.move", moveID, "amount_residual", residual, "payment_state", state); err != nil {
		return err
	}
	if lines := t.moveLines(moveID, "payment_term"); len(lines) > 0 {
		sign := decimalFromInt(int64(moveSign(str(r["move_type"]))))
		if err := t.store("account.move.line", lines[0], "amount_residual", residual.Mul(sign), "reconciled", residual.IsZero()); err != nil {
			return err
		}
	}
	if state == "paid" && !wasPaid {
		if err := t.settlePaymentsFor(moveID); err != nil {
			return err
		}
		return t.invoicePaidHook(moveID)
	}
	return nil
}

// settlePaymentsFor is account.payment._compute_state (Community: no
// bank reconciliation), which depends on invoice_ids.payment_state: once
// the move is paid, every in_process payment made for it whose invoices
// are all paid turns paid, an earlier partial payment of a now fully paid
// credit note or invoice included.
func (t *tx) settlePaymentsFor(moveID int64) error {
	for _, p := range t.many2manyInverse(t.model("account.move").field("matched_payment_ids"), moveID) {
		pr := t.rec("account.payment", p)
		if str(pr["state"]) != "in_process" {
			continue
		}
		paid := true
		for _, inv := range idsOf(pr["invoice_ids"]) {
			if str(t.rec("account.move", inv)["payment_state"]) != "paid" {
				paid = false
			}
		}
		if paid {
			if err := t.store("account.payment", p, "state", "paid"); err != nil {
				return err
			}
		}
	}
	return nil
}

// invoicePaidHook is sale's account.move._invoice_paid_hook, which the
// reconciliation calls for invoices (credit notes too) it turns paid: a
// note "Invoice <name> paid" on each sale order of the move's lines.
func (t *tx) invoicePaidHook(moveID int64) error {
	if !isInvoice(str(t.rec("account.move", moveID)["move_type"])) {
		return nil
	}
	var orders []int64
	for _, l := range t.moveLines(moveID, "product") {
		for _, sl := range idsOf(t.rec("account.move.line", l)["sale_line_ids"]) {
			if o := idOf(t.rec("sale.order.line", sl)["order_id"]); o != 0 && !slices.Contains(orders, o) {
				orders = append(orders, o)
			}
		}
	}
	name := str(t.rec("account.move", moveID)["name"])
	for _, o := range orders {
		if err := t.logNote("sale.order", o, "Invoice "+name+" paid", "mail.mt_note"); err != nil {
			return err
		}
	}
	return nil
}

// resetMoveToDraft is button_draft: payments are unmatched and the open
// amount is restored.
func (t *tx) resetMoveToDraft(id int64) error {
	r := t.rec("account.move", id)
	if str(r["state"]) == "draft" {
		return nil
	}
	if p := idOf(r["origin_payment_id"]); p != 0 {
		// A payment's own entry: what it paid is open again.
		if err := t.unreconcilePayment(p); err != nil {
			return err
		}
	}
	for _, p := range t.idsWith("account.payment", "reconciled_invoice_ids", id) {
		pr := t.rec("account.payment", p)
		rec := idsOf(pr["reconciled_invoice_ids"])
		if slices.Contains(rec, id) {
			rest := slices.DeleteFunc(slices.Clone(rec), func(x int64) bool { return x == id })
			if err := t.store("account.payment", p, "reconciled_invoice_ids", rest, "is_reconciled", false); err != nil {
				return err
			}
		}
	}
	total := decOf(r["amount_total"])
	if err := t.store("account.move", id, "amount_residual", total, "payment_state", "not_paid"); err != nil {
		return err
	}
	return t.set("account.move", id, "state", "draft")
}

// shorten is Python's textwrap.shorten(text, width, placeholder=" [...]"),
// which account.move uses for the ref in display names.
func shorten(text string, width int) string {
	words := strings.Fields(text)
	joined := strings.Join(words, " ")
	if len(joined) <= width {
		return joined
	}
	const placeholder = " [...]"
	// textwrap splits words after hyphens between letters too.
	var chunks []string
	for i, w := range words {
		if i > 0 {
			chunks = append(chunks, " ")
		}
		chunks = append(chunks, splitHyphens(w)...)
	}
	cur, curLen := []string{}, 0
	for _, c := range chunks {
		if curLen+len(c) > width {
			break
		}
		cur = append(cur, c)
		curLen += len(c)
	}
	for len(cur) > 0 {
		last := cur[len(cur)-1]
		if strings.TrimSpace(last) != "" && curLen+len(placeholder) <= width {
			return strings.Join(cur, "") + placeholder
		}
		curLen -= len(last)
		cur = cur[:len(cur)-1]
	}
	return strings.TrimLeft(placeholder, " ")
}

// splitHyphens breaks "AP-CAPTURE-778899" into "AP-", "CAPTURE-778899" the
// way textwrap's wordsep_re does: after a hyphen preceded by two letters and
// followed by a letter.
func splitHyphens(w string) []string {
	var out []string
	rs := []rune(w)
	start := 0
	isLetter := func(r rune) bool { return (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') || r > 127 }
	letterAt := func(i int) bool { return i < len(rs) && isLetter(rs[i]) }
	for i := 2; i < len(rs)-1; i++ {
		followed := letterAt(i+1) && (letterAt(i+2) || (i+2 < len(rs) && rs[i+2] == '-' && letterAt(i+3)))
		if rs[i] == '-' && isLetter(rs[i-1]) && isLetter(rs[i-2]) && followed {
			out = append(out, string(rs[start:i+1]))
			start = i + 1
		}
	}
	return append(out, string(rs[start:]))
}
