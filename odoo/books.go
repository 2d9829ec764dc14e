package odoo

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/odoo-afterpay/bridge/money"
)

// OrderMoves is what Odoo's books hold for a sale order: its invoices and
// credit notes.
type OrderMoves struct {
	// InvoiceStatus is the order's: "to invoice" when Odoo can invoice
	// more of it now. Odoo says "no" while only a delivery line is to
	// invoice, which its wizard invoices all the same: Invoiceable says
	// whether any line is to invoice.
	InvoiceStatus string
	Invoiceable   bool
	// Moves are the order's invoices and credit notes (sale.order.
	// invoice_ids) and the credit notes reversing one of its invoices
	// (CreateCreditNote's, whose single line no longer points at the
	// order), in id order.
	Moves []Move
	// AfterpayOrderIDs are the moves' x_afterpay_order_id, by move id.
	AfterpayOrderIDs map[int64]string
	// Linked are the moves Odoo links to the order through their lines.
	Linked map[int64]bool
	// Pickings are the states of the order's transfers, by id.
	Pickings map[int64]string
	// PaymentsOpen is what of each posted payment of the order's
	// transactions (payment.transaction.payment_id) is not reconciled
	// yet, by payment id, as PaymentResidual reads it.
	PaymentsOpen map[int64]money.Money
}

// MoveState is the state of one of the moves, "" when it is not among them.
func (o *OrderMoves) MoveState(id int64) string {
	for _, m := range o.Moves {
		if m.ID == id {
			return m.State
		}
	}
	return ""
}

// ReadOrderMoves reads the order's invoices and credit notes with what the
// payment needs of each, in one web_read of the order: its invoice_status,
// its invoice_ids and the credit notes reversing them, its transfers, and
// what is open of its transactions' payments. ErrNotFound if the order
// does not exist.
func (c *Client) ReadOrderMoves(ctx context.Context, orderID int64) (*OrderMoves, error) {
	where := fmt.Sprintf("odoo: books of sale.order %d", orderID)
	invoice := moveSpec()
	invoice["reversal_move_ids"] = map[string]any{"fields": moveSpec()}
	recs, err := c.WebRead(ctx, "sale.order", []int64{orderID}, map[string]any{
		"invoice_status": map[string]any{}, "invoice_ids": map[string]any{"fields": invoice},
		"order_line":      map[string]any{"fields": map[string]any{"invoice_status": map[string]any{}}},
		"picking_ids":     map[string]any{"fields": map[string]any{"state": map[string]any{}}},
		"transaction_ids": map[string]any{"fields": map[string]any{"payment_id": map[string]any{"fields": paymentResidualSpec()}}},
	}, nil)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", where, provisioningHint(err))
	}
	if len(recs) == 0 {
		return nil, fmt.Errorf("%s: %w", where, ErrNotFound)
	}
	d := newDecoder("sale.order", recs[0])
	out := &OrderMoves{InvoiceStatus: d.str("invoice_status"), AfterpayOrderIDs: map[int64]string{}, Linked: map[int64]bool{},
		Pickings: map[int64]string{}, PaymentsOpen: map[int64]money.Money{}}
	if err := d.Err(); err != nil {
		return nil, err
	}
	if err := addPaymentsOpen(out.PaymentsOpen, recs[0]); err != nil {
		return nil, err
	}
	pickings, err := recs[0].RelatedList("picking_ids")
	if err != nil {
		return nil, fmt.Errorf("odoo: decode sale.order %d: %w", orderID, err)
	}
	for _, p := range pickings {
		out.Pickings[p.ID()], _ = p.String("state")
	}
	lines, err := recs[0].RelatedList("order_line")
	if err != nil {
		return nil, fmt.Errorf("odoo: decode sale.order %d: %w", orderID, err)
	}
	for _, l := range lines {
		if status, _ := l.String("invoice_status"); status == "to invoice" {
			out.Invoiceable = true
		}
	}
	linked, err := recs[0].RelatedList("invoice_ids")
	if err != nil {
		return nil, fmt.Errorf("odoo: decode sale.order %d: %w", orderID, err)
	}
	add := func(r Record) error {
		if slices.ContainsFunc(out.Moves, func(have Move) bool { return have.ID == r.ID() }) {
			return nil
		}
		return out.add(r)
	}
	for _, r := range linked {
		out.Linked[r.ID()] = true
	}
	for _, r := range linked {
		if err := add(r); err != nil {
			return nil, err
		}
		reversals, err := r.RelatedList("reversal_move_ids")
		if err != nil {
			return nil, fmt.Errorf("odoo: decode account.move %d: %w", r.ID(), err)
		}
		for _, rev := range reversals {
			if t, _ := rev.String("move_type"); t == "out_refund" {
				if err := add(rev); err != nil {
					return nil, err
				}
			}
		}
	}
	slices.SortFunc(out.Moves, func(a, b Move) int { return cmp.Compare(a.ID, b.ID) })
	return out, nil
}

// moveSpec is web_read's specification of what decodeMove reads.
func moveSpec() map[string]any {
	spec := map[string]any{FieldAfterpayOrderID: map[string]any{}}
	for _, f := range moveFields {
		spec[f] = map[string]any{}
		if slices.Contains(moveMany2one, f) {
			spec[f] = map[string]any{"fields": map[string]any{"display_name": map[string]any{}}}
		}
	}
	return spec
}

// moveMany2one are the many2one fields of moveFields.
var moveMany2one = []string{"currency_id", "reversed_entry_id", "partner_id", "journal_id"}

// Drafts are the order's draft customer invoices: what the invoicing
// wizard made and nobody posted yet.
func (o *OrderMoves) Drafts() []int64 {
	var ids []int64
	for _, m := range o.Moves {
		if m.MoveType == "out_invoice" && m.State == "draft" && o.Linked[m.ID] {
			ids = append(ids, m.ID)
		}
	}
	return ids
}

// Credited reports whether a credit note (draft or posted) was made from
// the order's invoice lines (see OrderCredited).
func (o *OrderMoves) Credited() bool {
	for _, m := range o.Moves {
		if m.MoveType == "out_refund" && m.State != "cancel" && o.Linked[m.ID] {
			return true
		}
	}
	return false
}

// InvoiceOrderNow runs the invoicing wizard as CreateInvoices does, for an
// order whose moves were just read, and returns the ids of its draft
// customer invoices to post: those the wizard made and any an earlier
// attempt left in draft. Nothing to invoice (no line is "to invoice")
// makes no call. Odoo answers the wizard with the new
// invoice's form, so the order is read back only when that answer does not
// name one invoice.
//
// The Afterpay order cannot be named on the new invoices through the
// call's context (default_x_afterpay_order_id): Odoo 18's wizard does not
// hand the caller's defaults to the invoices it makes (conformance shows
// it), so NameMovesAndRead names them after.
func (c *Client) InvoiceOrderNow(ctx context.Context, orderID int64, moves *OrderMoves) ([]int64, error) {
	where := fmt.Sprintf("odoo: invoice sale.order %d", orderID)
	if !moves.Invoiceable {
		return moves.Drafts(), nil
	}
	wizCtx := map[string]any{"active_model": "sale.order", "active_ids": []any{orderID}, "active_id": orderID}
	wizID, err := c.Create(ctx, "sale.advance.payment.inv", map[string]any{"advance_payment_method": "delivered"}, wizCtx)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", where, err)
	}
	res, callErr := c.CallMethod(ctx, "sale.advance.payment.inv", "create_invoices", []int64{wizID}, map[string]any{"context": wizCtx})
	switch {
	case callErr == nil:
		if action, ok := res.(map[string]any); ok {
			if id, ok := action["res_id"].(int64); ok && id > 0 {
				return uniqueIDs(append(moves.Drafts(), id)...), nil
			}
		}
	case IsProbablyApplied(callErr), IsNothingToInvoice(callErr):
	default:
		return nil, fmt.Errorf("%s: %w", where, callErr)
	}
	after, err := c.ReadOrderMoves(ctx, orderID)
	if err != nil {
		return nil, fmt.Errorf("%s: read back: %w", where, err)
	}
	return after.Drafts(), nil
}

// PostDraftInvoice posts a move the caller just read in draft, in one
// call; a refusal because it was posted meanwhile is read back and
// accepted.
func (c *Client) PostDraftInvoice(ctx context.Context, moveID int64) error {
	if _, err := c.CallMethod(ctx, "account.move", "action_post", []int64{moveID}, nil); err != nil {
		if IsProbablyApplied(err) || IsBusiness(err) {
			if state, rerr := c.moveState(ctx, moveID); rerr == nil && state == "posted" {
				return nil
			}
		}
		return fmt.Errorf("odoo: post account.move %d: %w", moveID, err)
	}
	return nil
}

// NameMovesAndRead writes the Afterpay order on moves (SetMovesAfterpayOrderID)
// and reads them back in the same call (web_save), with what is open of
// the payments of the transactions linked to them: what ReadBooks needs of
// the invoices it just posted, without reading the whole order again.
// The moves come back in moves' order as ReadOrderMoves decodes them.
func (c *Client) NameMovesAndRead(ctx context.Context, moveIDs []int64, afterpayOrderID string) (*OrderMoves, error) {
	where := fmt.Sprintf("odoo: set the Afterpay order id of account.move %v", moveIDs)
	if strings.TrimSpace(afterpayOrderID) == "" {
		return nil, fmt.Errorf("%s: afterpayOrderID is required", where)
	}
	ids := uniqueIDs(moveIDs...)
	spec := moveSpec()
	spec["transaction_ids"] = map[string]any{"fields": map[string]any{"payment_id": map[string]any{"fields": paymentResidualSpec()}}}
	recs, err := c.WebSave(ctx, "account.move", ids, map[string]any{FieldAfterpayOrderID: afterpayOrderID}, spec)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", where, provisioningHint(err))
	}
	out := &OrderMoves{AfterpayOrderIDs: map[int64]string{}, Linked: map[int64]bool{}, Pickings: map[int64]string{},
		PaymentsOpen: map[int64]money.Money{}}
	for _, r := range recs {
		if err := out.add(r); err != nil {
			return nil, err
		}
		if err := addPaymentsOpen(out.PaymentsOpen, r); err != nil {
			return nil, err
		}
	}
	if len(out.Moves) != len(ids) {
		return nil, fmt.Errorf("%s: %d of %d moves read back: %w", where, len(out.Moves), len(ids), ErrNotFound)
	}
	return out, nil
}

// add decodes a move read with moveSpec, and its Afterpay order.
func (o *OrderMoves) add(r Record) error {
	m, err := decodeMove(r)
	if err != nil {
		return err
	}
	ap, err := r.String(FieldAfterpayOrderID)
	if err != nil {
		return fmt.Errorf("odoo: decode account.move %d: %w", m.ID, err)
	}
	o.Moves, o.AfterpayOrderIDs[m.ID] = append(o.Moves, *m), ap
	return nil
}

// addPaymentsOpen adds what is open of the payments of rec's
// transaction_ids (read with paymentResidualSpec) to open.
func addPaymentsOpen(open map[int64]money.Money, rec Record) error {
	txs, err := rec.RelatedList("transaction_ids")
	if err != nil {
		return fmt.Errorf("odoo: decode %d: %w", rec.ID(), err)
	}
	for _, tx := range txs {
		payment, err := tx.Related("payment_id")
		if err != nil {
			return fmt.Errorf("odoo: decode payment.transaction %d: %w", tx.ID(), err)
		}
		if payment == nil {
			continue
		}
		// A payment not posted is left out: PaymentResidual says why.
		if residual, err := decodePaymentResidual(payment); err == nil {
			open[payment.ID()] = residual
		}
	}
	return nil
}

// Merge takes the moves in fresh (as read after a change) over those in o,
// with their Afterpay order and what is open of their payments; fresh
// moves are the order's own (linked).
func (o *OrderMoves) Merge(fresh *OrderMoves) {
	for _, m := range fresh.Moves {
		i := slices.IndexFunc(o.Moves, func(have Move) bool { return have.ID == m.ID })
		if i < 0 {
			o.Moves = append(o.Moves, m)
		} else {
			o.Moves[i] = m
		}
		o.Linked[m.ID] = true
		o.AfterpayOrderIDs[m.ID] = fresh.AfterpayOrderIDs[m.ID]
	}
	slices.SortFunc(o.Moves, func(a, b Move) int { return cmp.Compare(a.ID, b.ID) })
	for id, open := range fresh.PaymentsOpen {
		o.PaymentsOpen[id] = open
	}
}
