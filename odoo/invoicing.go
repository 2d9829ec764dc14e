package odoo

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/odoo-afterpay/bridge/money"
)

// FindAfterpayPaymentTerm returns the id of the account.payment.term named
// PaymentTermName, archived or not. ErrNotFound when Odoo has not been
// provisioned.
func (c *Client) FindAfterpayPaymentTerm(ctx context.Context) (int64, error) {
	id, err := c.searchOne(ctx, "account.payment.term", []any{[]any{"name", "=", PaymentTermName}}, map[string]any{"active_test": false})
	if err != nil {
		return 0, fmt.Errorf("odoo: find the %s payment term: %w", PaymentTermName, err)
	}
	if id == 0 {
		return 0, fmt.Errorf("odoo: find the %s payment term (run setup-odoo): %w", PaymentTermName, ErrNotFound)
	}
	return id, nil
}

// Invoicing is what an order's lines say about invoicing.
type Invoicing struct {
	OrderID int64
	Name    string
	// State is the order's state (draft, sent, sale, cancel).
	State string
	// InvoiceStatus is Odoo's: "no" (nothing to invoice), "to invoice",
	// "invoiced" or "upselling".
	InvoiceStatus string
	// Currency is the ISO code of the order's currency.
	Currency string
	// Lines are the order's lines in order, sections and notes left out.
	Lines []InvoicingLine
}

// InvoicingLine is one sale.order.line as invoicing sees it. Quantities are
// Odoo's decimal text ("2.0").
type InvoicingLine struct {
	ID        int64
	ProductID int64
	// Name is the line's description.
	Name string
	// InvoicePolicy is the product's: "order" (ordered quantities) or
	// "delivery" (delivered quantities); "" without a product.
	InvoicePolicy string
	QtyOrdered    string
	QtyDelivered  string
	// QtyInvoiced counts invoices that are not cancelled (drafts too) less
	// credit notes.
	QtyInvoiced  string
	QtyToInvoice string
	// PriceTotal is the whole line, taxes and discount included.
	PriceTotal money.Money
	// IsDelivery marks a shipping line (always false without the delivery
	// module).
	IsDelivery bool
	// IsDownpayment marks a down payment line.
	IsDownpayment bool
	// InvoiceStatus is the line's own status (same values as the order's).
	InvoiceStatus string
}

var invoicingLineFields = []string{
	"name", "product_id", "product_uom_qty", "qty_delivered", "qty_invoiced", "qty_to_invoice",
	"price_total", "display_type", "is_downpayment", "invoice_status",
}

// OrderInvoicing reads what the order's lines say about invoicing: three
// calls (the order, its lines, their products' invoice policies).
// ErrNotFound if the order does not exist.
func (c *Client) OrderInvoicing(ctx context.Context, orderID int64) (*Invoicing, error) {
	where := fmt.Sprintf("odoo: invoicing of sale.order %d", orderID)
	rec, err := c.readOne(ctx, "sale.order", orderID, []string{"name", "state", "invoice_status", "currency_id", "order_line"}, nil)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", where, err)
	}
	d := newDecoder("sale.order", rec)
	inv := &Invoicing{OrderID: orderID, Name: d.str("name"), State: d.str("state"), InvoiceStatus: d.str("invoice_status"),
		Currency: d.ref("currency_id").Name}
	lineIDs := d.ids("order_line")
	if err := d.Err(); err != nil {
		return nil, err
	}
	if len(lineIDs) == 0 {
		return inv, nil
	}
	withDelivery := !c.noDeliveryField.Load()
	fields := invoicingLineFields
	if withDelivery {
		fields = append(slices.Clone(invoicingLineFields), "is_delivery")
	}
	recs, err := c.Read(ctx, "sale.order.line", lineIDs, fields, nil)
	if err != nil && withDelivery {
		if f, ok := AsFault(err); ok && f.Code == FaultCodeApplication && strings.Contains(f.Message, "Invalid field 'is_delivery'") {
			c.noDeliveryField.Store(true)
			withDelivery = false
			recs, err = c.Read(ctx, "sale.order.line", lineIDs, invoicingLineFields, nil)
		}
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", where, err)
	}
	byID := make(map[int64]Record, len(recs))
	var products []int64
	for _, r := range recs {
		byID[r.ID()] = r
		if p, err := r.Ref("product_id"); err == nil && p.ID != 0 {
			products = append(products, p.ID)
		}
	}
	policies := map[int64]string{}
	if products = uniqueIDs(products...); len(products) > 0 {
		precs, err := c.Read(ctx, "product.product", products, []string{"invoice_policy"}, map[string]any{"active_test": false})
		if err != nil {
			return nil, fmt.Errorf("%s: %w", where, err)
		}
		for _, p := range precs {
			policy, err := p.String("invoice_policy")
			if err != nil {
				return nil, fmt.Errorf("odoo: decode product.product %d: %w", p.ID(), err)
			}
			policies[p.ID()] = policy
		}
	}
	for _, id := range lineIDs {
		r, ok := byID[id]
		if !ok {
			continue
		}
		d := newDecoder("sale.order.line", r)
		if d.str("display_type") != "" {
			continue
		}
		product := d.ref("product_id").ID
		l := InvoicingLine{
			ID: id, ProductID: product, Name: d.str("name"), InvoicePolicy: policies[product],
			QtyOrdered: d.decimal("product_uom_qty"), QtyDelivered: d.decimal("qty_delivered"),
			QtyInvoiced: d.decimal("qty_invoiced"), QtyToInvoice: d.decimal("qty_to_invoice"),
			PriceTotal: d.money("price_total", inv.Currency), IsDownpayment: d.bool("is_downpayment"),
			InvoiceStatus: d.str("invoice_status"),
		}
		if withDelivery {
			l.IsDelivery = d.bool("is_delivery")
		}
		if err := d.Err(); err != nil {
			return nil, err
		}
		inv.Lines = append(inv.Lines, l)
	}
	return inv, nil
}

// nothingToInvoice is the start of Odoo's "nothing to invoice" UserError.
const nothingToInvoice = "Cannot create an invoice. No items are available to invoice."

// IsNothingToInvoice reports Odoo's business fault for an order with
// nothing invoiceable ("Cannot create an invoice. No items are available to
// invoice.").
func IsNothingToInvoice(err error) bool {
	f, ok := AsFault(err)
	return ok && f.Code == FaultCodeUserError && strings.HasPrefix(f.Message, nothingToInvoice)
}

// CreateInvoices invoices everything the order can invoice now, as the
// invoicing wizard's "Regular invoice" (sale.advance.payment.inv,
// "delivered" method) does: ordered quantities of lines invoiced on order,
// delivered but not yet invoiced quantities of lines invoiced on delivery.
// It posts the new invoices and returns their ids, in id order; nothing to
// invoice is an empty list and no error.
//
// The order's customer invoices are read before and after the wizard, so
// the invoices are told apart from earlier ones even when Odoo answers a
// None fault after committing (orders without a payment term). A draft
// customer invoice of the order, which an earlier attempt whose answer was
// lost leaves behind (the wizard's quantities count it as invoiced), is
// posted and returned with the new ones, so a retry never invoices twice.
// An invoice that an earlier attempt already posted is not returned again.
func (c *Client) CreateInvoices(ctx context.Context, orderID int64) ([]int64, error) {
	where := fmt.Sprintf("odoo: create invoices of sale.order %d", orderID)
	before, err := c.orderInvoiceStates(ctx, orderID)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", where, err)
	}
	wizCtx := map[string]any{"active_model": "sale.order", "active_ids": []any{orderID}, "active_id": orderID}
	wizID, err := c.Create(ctx, "sale.advance.payment.inv", map[string]any{"advance_payment_method": "delivered"}, wizCtx)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", where, err)
	}
	_, callErr := c.CallMethod(ctx, "sale.advance.payment.inv", "create_invoices", []int64{wizID}, map[string]any{"context": wizCtx})
	switch {
	case callErr == nil, IsProbablyApplied(callErr), IsNothingToInvoice(callErr):
	default:
		return nil, fmt.Errorf("%s: %w", where, callErr)
	}
	after, err := c.orderInvoiceStates(ctx, orderID)
	if err != nil {
		return nil, fmt.Errorf("%s: read back: %w", where, err)
	}
	var ids []int64
	for id, state := range after {
		if _, old := before[id]; !old || state == "draft" {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	for _, id := range ids {
		if err := c.PostInvoice(ctx, id); err != nil {
			return nil, fmt.Errorf("%s: %w", where, err)
		}
	}
	if ids == nil {
		ids = []int64{}
	}
	return ids, nil
}

// PostedInvoices returns the order's posted customer invoices
// (out_invoice), in id order: two calls. Credit notes, drafts and
// cancelled invoices are left out. ErrNotFound if the order does not
// exist.
func (c *Client) PostedInvoices(ctx context.Context, orderID int64) ([]int64, error) {
	states, err := c.orderInvoiceStates(ctx, orderID)
	if err != nil {
		return nil, fmt.Errorf("odoo: posted invoices of sale.order %d: %w", orderID, err)
	}
	ids := []int64{}
	for id, state := range states {
		if state == "posted" {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	return ids, nil
}

// OrderCredited reports whether a credit note (draft or posted) was made
// from the order's invoice lines. Odoo then counts the credited quantities
// as not invoiced, so invoicing the order again would bill them twice.
// Credit notes made by CreateCreditNote with an amount do not count: their
// single line is not the order's.
func (c *Client) OrderCredited(ctx context.Context, orderID int64) (bool, error) {
	linked, err := c.orderMoveIDs(ctx, orderID)
	if err != nil {
		return false, fmt.Errorf("odoo: credit notes of sale.order %d: %w", orderID, err)
	}
	if len(linked) == 0 {
		return false, nil
	}
	found, err := c.Search(ctx, "account.move", []any{
		[]any{"id", "in", int64sToAny(linked)}, []any{"move_type", "=", "out_refund"}, []any{"state", "!=", "cancel"},
	}, &SearchOptions{Limit: 1})
	if err != nil {
		return false, fmt.Errorf("odoo: credit notes of sale.order %d: %w", orderID, err)
	}
	return len(found) > 0, nil
}

// orderMoveIDs returns the order's invoice_ids: the invoices and credit
// notes Odoo links to it through their lines.
func (c *Client) orderMoveIDs(ctx context.Context, orderID int64) ([]int64, error) {
	rec, err := c.readOne(ctx, "sale.order", orderID, []string{"invoice_ids"}, nil)
	if err != nil {
		return nil, err
	}
	ids, err := rec.IDs("invoice_ids")
	if err != nil {
		return nil, fmt.Errorf("odoo: decode sale.order %d: %w", orderID, err)
	}
	return ids, nil
}

// orderInvoiceStates returns the order's customer invoices (out_invoice,
// draft or posted) with their state.
func (c *Client) orderInvoiceStates(ctx context.Context, orderID int64) (map[int64]string, error) {
	all, err := c.orderMoveIDs(ctx, orderID)
	if err != nil {
		return nil, err
	}
	moves, err := c.Read(ctx, "account.move", all, []string{"move_type", "state"}, nil)
	if err != nil {
		return nil, err
	}
	out := map[int64]string{}
	for _, m := range moves {
		d := newDecoder("account.move", m)
		moveType, state := d.str("move_type"), d.str("state")
		if err := d.Err(); err != nil {
			return nil, err
		}
		if moveType == "out_invoice" && (state == "draft" || state == "posted") {
			out[m.ID()] = state
		}
	}
	return out, nil
}

// PostedCreditNotes returns the posted customer credit notes (out_refund)
// of the order, in id order: those Odoo links to the order (made from its
// invoices' lines) and those reversing one of invoiceIDs (made by
// CreateCreditNote, whose single line no longer points at the order).
func (c *Client) PostedCreditNotes(ctx context.Context, orderID int64, invoiceIDs []int64) ([]int64, error) {
	where := fmt.Sprintf("odoo: credit notes of sale.order %d", orderID)
	linked, err := c.orderMoveIDs(ctx, orderID)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", where, err)
	}
	ids := int64sToAny(uniqueIDs(append(slices.Clone(linked), invoiceIDs...)...))
	if len(ids) == 0 {
		return []int64{}, nil
	}
	found, err := c.Search(ctx, "account.move", []any{
		[]any{"move_type", "=", "out_refund"},
		[]any{"state", "=", "posted"},
		"|", []any{"id", "in", ids}, []any{"reversed_entry_id", "in", ids},
	}, nil)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", where, err)
	}
	slices.Sort(found)
	return found, nil
}
