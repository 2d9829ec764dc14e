package odoo

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/odoo-afterpay/bridge/money"
)

// The reconciliation (workflows.Reconciliation) compares Odoo with
// Afterpay and the payment workflows. These calls read what Odoo shows of
// Afterpay's payments: the Afterpay orders, their payment.transactions and
// the payments in the Afterpay journal. They read only: ids, names, states,
// dates and amounts, never a customer's details.

// AfterpayOrder is a sale order as the reconciliation sees it.
type AfterpayOrder struct {
	ID    int64
	Name  string
	State string
	// DateOrder is the order's date_order; Odoo sets it when the order is
	// confirmed.
	DateOrder time.Time
	Total     money.Money
	// IsAfterpay: the order's payment term is PaymentTermName.
	IsAfterpay bool
	// AfterpayOrderID is its x_afterpay_order_id ("" until captured).
	AfterpayOrderID string
}

// AfterpayOrderQuery selects sale orders: the confirmed orders with the
// Afterpay payment term whose date_order is in [From, To) (when To is
// set), and, whatever their state and payment term, those named in Names
// and those whose x_afterpay_order_id is one of AfterpayOrderIDs.
type AfterpayOrderQuery struct {
	From, To         time.Time
	Names            []string
	AfterpayOrderIDs []string
}

var afterpayOrderFields = []string{"name", "state", "date_order", "amount_total", "currency_id", "payment_term_id", FieldAfterpayOrderID}

// AfterpayOrders returns the orders q selects, in id order: one search_read
// (and the payment term's look-up). ErrNotFound when Odoo has not been
// provisioned with the Afterpay payment term.
func (c *Client) AfterpayOrders(ctx context.Context, q AfterpayOrderQuery) ([]AfterpayOrder, error) {
	const where = "odoo: Afterpay orders"
	term, err := c.FindAfterpayPaymentTerm(ctx)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", where, err)
	}
	var terms [][]any
	if !q.To.IsZero() {
		terms = append(terms, allOf(
			[]any{"payment_term_id", "=", term}, []any{"state", "=", "sale"},
			[]any{"date_order", ">=", FormatDatetime(q.From)}, []any{"date_order", "<", FormatDatetime(q.To)}))
	}
	if names := distinct(q.Names); len(names) > 0 {
		terms = append(terms, []any{[]any{"name", "in", stringsToAny(names)}})
	}
	if ids := distinct(q.AfterpayOrderIDs); len(ids) > 0 {
		terms = append(terms, []any{[]any{FieldAfterpayOrderID, "in", stringsToAny(ids)}})
	}
	if len(terms) == 0 {
		return []AfterpayOrder{}, nil
	}
	recs, err := c.SearchRead(ctx, "sale.order", anyOf(terms...), afterpayOrderFields, &SearchOptions{Order: "id asc"})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", where, provisioningHint(err))
	}
	out := make([]AfterpayOrder, 0, len(recs))
	for _, r := range recs {
		d := newDecoder("sale.order", r)
		currency := d.ref("currency_id").Name
		o := AfterpayOrder{ID: r.ID(), Name: d.str("name"), State: d.str("state"), DateOrder: d.time("date_order"),
			Total: d.money("amount_total", currency), IsAfterpay: d.ref("payment_term_id").ID == term,
			AfterpayOrderID: d.str(FieldAfterpayOrderID)}
		if err := d.Err(); err != nil {
			return nil, err
		}
		out = append(out, o)
	}
	return out, nil
}

// AfterpayTransaction is a payment.transaction of the Afterpay provider.
type AfterpayTransaction struct {
	ID        int64
	Reference string
	State     string
	// ProviderReference is the Afterpay order id once the payment is
	// captured or authorised.
	ProviderReference string
	// Amount is negative for refunds.
	Amount    money.Money
	Operation string
	OrderIDs  []int64
}

// AfterpayTransactions returns the Afterpay provider's transactions of the
// orders, in id order: the provider's look-up and one search_read.
// ErrNotFound when Odoo has not been provisioned.
func (c *Client) AfterpayTransactions(ctx context.Context, orderIDs []int64) ([]AfterpayTransaction, error) {
	const where = "odoo: Afterpay transactions"
	ids := uniqueIDs(orderIDs...)
	if len(ids) == 0 {
		return []AfterpayTransaction{}, nil
	}
	provider, _, err := c.FindAfterpayProvider(ctx)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", where, err)
	}
	recs, err := c.SearchRead(ctx, "payment.transaction",
		[]any{[]any{"provider_id", "=", provider}, []any{"sale_order_ids", "in", int64sToAny(ids)}},
		[]string{"reference", "state", "provider_reference", "amount", "currency_id", "operation", "sale_order_ids"},
		&SearchOptions{Order: "id asc"})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", where, err)
	}
	out := make([]AfterpayTransaction, 0, len(recs))
	for _, r := range recs {
		d := newDecoder("payment.transaction", r)
		currency := strings.TrimSpace(d.ref("currency_id").Name)
		tx := AfterpayTransaction{ID: r.ID(), Reference: d.str("reference"), State: d.str("state"),
			ProviderReference: d.str("provider_reference"), Amount: d.money("amount", currency),
			Operation: d.str("operation"), OrderIDs: d.ids("sale_order_ids")}
		if err := d.Err(); err != nil {
			return nil, err
		}
		out = append(out, tx)
	}
	return out, nil
}

// The memos the product gives the payments it books in the Afterpay
// journal: "Afterpay <order id>" (an immediate capture), "Afterpay <order
// id> <invoice>" (a deferred capture), "Afterpay <order id> capture <id>"
// (a capture made at Afterpay) and "Afterpay refund <refund id>" (a
// refund's outbound payment).
const (
	memoPrefix       = "Afterpay "
	refundMemoPrefix = "Afterpay refund "
)

// ParseAfterpayMemo reads the Afterpay order id or the Afterpay refund id a
// memo the product writes names; ok is false for any other memo (one typed
// by a person, say).
func ParseAfterpayMemo(memo string) (afterpayOrderID, refundID string, ok bool) {
	if rest, found := strings.CutPrefix(memo, refundMemoPrefix); found {
		if id, _, _ := strings.Cut(rest, " "); isDigits(id) {
			return "", id, true
		}
		return "", "", false
	}
	rest, found := strings.CutPrefix(memo, memoPrefix)
	if !found {
		return "", "", false
	}
	if id, _, _ := strings.Cut(rest, " "); isDigits(id) {
		return id, "", true
	}
	return "", "", false
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// JournalPayment is a posted payment in the Afterpay journal.
type JournalPayment struct {
	ID int64
	// Inbound is money received from the customer (a capture); outbound
	// is money paid back (a refund).
	Inbound bool
	Amount  money.Money
	Date    time.Time
	State   string
	// AfterpayOrderID is the Afterpay order the memo names or, for a
	// refund, the x_afterpay_order_id of the credit notes it pays.
	AfterpayOrderID string
	// RefundID is the Afterpay refund a refund's memo names.
	RefundID string
	// Recognised is false for a memo the product does not write.
	Recognised bool
	// Moves are the invoices and credit notes it is reconciled with.
	Moves []int64
}

// JournalPaymentQuery selects the posted payments of the journal whose
// memo starts with "Afterpay ": those created or changed in [From, To)
// (when To is set: a payment a person edits later is found by the period
// of the edit), and, whenever they were made, those whose memo names one
// of AfterpayOrderIDs or RefundIDs.
type JournalPaymentQuery struct {
	JournalID        int64
	From, To         time.Time
	AfterpayOrderIDs []string
	RefundIDs        []string
}

// AfterpayJournalPayments returns the payments q selects, in id order: one
// search_read, and one read of the credit notes the refunds pay. Drafts,
// cancelled and rejected payments are left out: they move no money.
func (c *Client) AfterpayJournalPayments(ctx context.Context, q JournalPaymentQuery) ([]JournalPayment, error) {
	where := fmt.Sprintf("odoo: payments in account.journal %d", q.JournalID)
	if q.JournalID <= 0 {
		return nil, fmt.Errorf("%s: JournalID is required", where)
	}
	var terms [][]any
	if !q.To.IsZero() {
		terms = append(terms,
			allOf([]any{"create_date", ">=", FormatDatetime(q.From)}, []any{"create_date", "<", FormatDatetime(q.To)}),
			allOf([]any{"write_date", ">=", FormatDatetime(q.From)}, []any{"write_date", "<", FormatDatetime(q.To)}))
	}
	for _, id := range distinct(q.AfterpayOrderIDs) {
		// Exactly "Afterpay <id>", or followed by a space and more.
		terms = append(terms, []any{[]any{"memo", "=", memoPrefix + id}}, []any{[]any{"memo", "=like", memoPrefix + id + " %"}})
	}
	if refunds := distinct(q.RefundIDs); len(refunds) > 0 {
		memos := make([]any, len(refunds))
		for i, id := range refunds {
			memos[i] = refundMemoPrefix + id
		}
		terms = append(terms, []any{[]any{"memo", "in", memos}})
	}
	if len(terms) == 0 {
		return []JournalPayment{}, nil
	}
	domain := append([]any{
		[]any{"journal_id", "=", q.JournalID},
		[]any{"state", "not in", []any{"draft", "canceled", "rejected"}},
		[]any{"memo", "=like", memoPrefix + "%"},
	}, anyOf(terms...)...)
	recs, err := c.SearchRead(ctx, "account.payment", domain,
		[]string{"memo", "payment_type", "amount", "currency_id", "date", "state", "reconciled_invoice_ids"}, &SearchOptions{Order: "id asc"})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", where, err)
	}
	out := make([]JournalPayment, 0, len(recs))
	var credited []int64
	for _, r := range recs {
		d := newDecoder("account.payment", r)
		currency := d.ref("currency_id").Name
		p := JournalPayment{ID: r.ID(), Inbound: d.str("payment_type") == "inbound", Amount: d.money("amount", currency),
			Date: d.date("date"), State: d.str("state"), Moves: d.ids("reconciled_invoice_ids")}
		memo := d.str("memo")
		if err := d.Err(); err != nil {
			return nil, err
		}
		p.AfterpayOrderID, p.RefundID, p.Recognised = ParseAfterpayMemo(memo)
		if p.Recognised && p.Inbound != (p.RefundID == "") {
			p.Recognised = false // a refund's memo on money received, or the other way round
		}
		if p.RefundID != "" {
			credited = append(credited, p.Moves...)
		}
		out = append(out, p)
	}
	if len(credited) == 0 {
		return out, nil
	}
	moves, err := c.Read(ctx, "account.move", uniqueIDs(credited...), []string{FieldAfterpayOrderID}, nil)
	if err != nil {
		return nil, fmt.Errorf("%s: the refunds' credit notes: %w", where, provisioningHint(err))
	}
	orderOf := map[int64]string{}
	for _, m := range moves {
		id, err := m.String(FieldAfterpayOrderID)
		if err != nil {
			return nil, fmt.Errorf("odoo: decode account.move %d: %w", m.ID(), err)
		}
		orderOf[m.ID()] = id
	}
	for i := range out {
		if out[i].RefundID == "" {
			continue
		}
		for _, m := range out[i].Moves {
			if id := orderOf[m]; id != "" {
				out[i].AfterpayOrderID = id
				break
			}
		}
	}
	return out, nil
}

// allOf is the domain of all the leaves, with the explicit "&" operators
// it needs inside an "|".
func allOf(leaves ...[]any) []any {
	out := make([]any, 0, 2*len(leaves))
	for range len(leaves) - 1 {
		out = append(out, "&")
	}
	for _, l := range leaves {
		out = append(out, l)
	}
	return out
}

// anyOf is the domain of any of the domains (each a complete prefix
// domain of one term).
func anyOf(domains ...[]any) []any {
	var out []any
	for range len(domains) - 1 {
		out = append(out, "|")
	}
	for _, d := range domains {
		out = append(out, d...)
	}
	return out
}

// distinct returns the distinct non-blank values, sorted.
func distinct(values []string) []string {
	var kept []string
	for _, v := range values {
		if v = strings.TrimSpace(v); v != "" && !slices.Contains(kept, v) {
			kept = append(kept, v)
		}
	}
	slices.Sort(kept)
	return kept
}
