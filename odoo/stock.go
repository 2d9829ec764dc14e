package odoo

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"time"
)

// Picking is a stock.picking (a delivery, its backorder, a return) of an
// order, with its moves.
type Picking struct {
	ID   int64
	Name string // e.g. "WH/OUT/00015"
	// State is draft, waiting, confirmed, assigned (ready), done or cancel.
	State string
	// PickingTypeCode is outgoing for deliveries, incoming for returns.
	PickingTypeCode string
	// BackorderID is the picking this one is the backorder of (0 if none).
	BackorderID int64
	Origin      string
	// DateDone is when it was validated (zero until then), in UTC.
	DateDone time.Time
	Moves    []PickingMove
}

// PickingMove is a stock.move of a picking. Quantities are Odoo's decimal
// text ("2.0").
type PickingMove struct {
	ID          int64
	ProductID   int64
	ProductName string
	// SaleLineID is the sale.order.line the move delivers (0 if none).
	SaleLineID int64
	// Demand is product_uom_qty; Quantity is what is reserved, then done.
	Demand, Quantity string
	Picked           bool
	State            string
}

// OrderPickings returns the order's transfers (sale_id) in id order, with
// their moves: two calls. Without the stock module it is ErrNotFound-free
// but Odoo answers a fault for the unknown model.
func (c *Client) OrderPickings(ctx context.Context, orderID int64) ([]Picking, error) {
	where := fmt.Sprintf("odoo: pickings of sale.order %d", orderID)
	recs, err := c.SearchRead(ctx, "stock.picking", []any{[]any{"sale_id", "=", orderID}},
		[]string{"name", "state", "picking_type_code", "backorder_id", "origin", "date_done", "move_ids"}, &SearchOptions{Order: "id asc"})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", where, err)
	}
	pickings := make([]Picking, 0, len(recs))
	var moveIDs []int64
	for _, r := range recs {
		d := newDecoder("stock.picking", r)
		p := Picking{ID: r.ID(), Name: d.str("name"), State: d.str("state"), PickingTypeCode: d.str("picking_type_code"),
			BackorderID: d.ref("backorder_id").ID, Origin: d.str("origin"), DateDone: d.time("date_done")}
		moveIDs = append(moveIDs, d.ids("move_ids")...)
		if err := d.Err(); err != nil {
			return nil, err
		}
		pickings = append(pickings, p)
	}
	if len(moveIDs) == 0 {
		return pickings, nil
	}
	moves, err := c.Read(ctx, "stock.move", moveIDs,
		[]string{"picking_id", "product_id", "sale_line_id", "product_uom_qty", "quantity", "picked", "state"}, nil)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", where, err)
	}
	slices.SortFunc(moves, func(a, b Record) int { return int(a.ID() - b.ID()) })
	index := map[int64]int{}
	for i, p := range pickings {
		index[p.ID] = i
	}
	for _, r := range moves {
		d := newDecoder("stock.move", r)
		product := d.ref("product_id")
		m := PickingMove{ID: r.ID(), ProductID: product.ID, ProductName: product.Name, SaleLineID: d.ref("sale_line_id").ID,
			Demand: d.decimal("product_uom_qty"), Quantity: d.decimal("quantity"), Picked: d.bool("picked"), State: d.str("state")}
		picking := d.ref("picking_id").ID
		if err := d.Err(); err != nil {
			return nil, err
		}
		if i, ok := index[picking]; ok {
			pickings[i].Moves = append(pickings[i].Moves, m)
		}
	}
	return pickings, nil
}

// ValidatePicking validates a delivery as a warehouse user does: it sets
// each move's done quantity (qty maps move id to quantity as decimal text;
// moves left out ship nothing; nil ships every move's whole demand), marks
// them picked and presses Validate (button_validate). When less than the
// demand ships, Odoo asks whether to create a backorder: backorder true
// answers "Create Backorder" (the rest stays to deliver in a new picking),
// false "No Backorder" (the rest is cancelled). It returns the backorder's
// id, or 0.
//
// Validation runs with context skip_sms: stock_sms would otherwise ask,
// before a company's first SMS confirmation, whether to send SMS (the
// confirm.stock.sms wizard) and then send one per delivery. A picking that
// is already done is not validated again: its backorder is returned, so a
// retry after a lost answer is harmless. A cancelled picking is
// ErrInvalidState.
func (c *Client) ValidatePicking(ctx context.Context, pickingID int64, qty map[int64]string, backorder bool) (int64, error) {
	where := fmt.Sprintf("odoo: validate stock.picking %d", pickingID)
	rec, err := c.readOne(ctx, "stock.picking", pickingID, []string{"state", "move_ids"}, nil)
	if err != nil {
		return 0, fmt.Errorf("%s: %w", where, err)
	}
	d := newDecoder("stock.picking", rec)
	state, moveIDs := d.str("state"), d.ids("move_ids")
	if err := d.Err(); err != nil {
		return 0, err
	}
	switch state {
	case "done":
		return c.backorderOf(ctx, pickingID)
	case "cancel":
		return 0, fmt.Errorf("%s: the picking is cancelled: %w", where, ErrInvalidState)
	}
	moves, err := c.Read(ctx, "stock.move", moveIDs, []string{"product_uom_qty", "state"}, nil)
	if err != nil {
		return 0, fmt.Errorf("%s: %w", where, err)
	}
	for id := range qty {
		if !slices.Contains(moveIDs, id) {
			return 0, fmt.Errorf("%s: stock.move %d is not one of its moves %v", where, id, moveIDs)
		}
	}
	for _, m := range moves {
		md := newDecoder("stock.move", m)
		demand, moveState := md.decimal("product_uom_qty"), md.str("state")
		if err := md.Err(); err != nil {
			return 0, err
		}
		if moveState == "done" || moveState == "cancel" {
			continue
		}
		done := demand
		if qty != nil {
			q, ok := qty[m.ID()]
			if !ok {
				q = "0"
			}
			done = q
		}
		n, err := strconv.ParseFloat(done, 64)
		if err != nil || n < 0 {
			return 0, fmt.Errorf("%s: quantity %q of stock.move %d is not a non-negative number", where, done, m.ID())
		}
		if err := c.Write(ctx, "stock.move", []int64{m.ID()}, map[string]any{"quantity": n, "picked": n > 0}, nil); err != nil {
			return 0, fmt.Errorf("%s: %w", where, err)
		}
	}
	res, callErr := c.CallMethod(ctx, "stock.picking", "button_validate", []int64{pickingID}, map[string]any{"context": map[string]any{"skip_sms": true}})
	for step := 0; callErr == nil && step < 4; step++ {
		action, ok := res.(map[string]any)
		if !ok {
			break // True: validated
		}
		model, _ := action["res_model"].(string)
		actx, _ := action["context"].(map[string]any)
		var method string
		switch model {
		case "stock.backorder.confirmation":
			method = "process_cancel_backorder"
			if backorder {
				method = "process"
			}
		case "confirm.stock.sms":
			method = "dont_send_sms"
		default:
			return 0, &ProtocolError{Op: "button_validate", Err: fmt.Errorf("unexpected wizard %q", model)}
		}
		wizID := actionResID(action)
		if wizID == 0 {
			if wizID, err = c.Create(ctx, model, map[string]any{}, actx); err != nil {
				return 0, fmt.Errorf("%s: %w", where, err)
			}
		}
		res, callErr = c.CallMethod(ctx, model, method, []int64{wizID}, map[string]any{"context": actx})
	}
	if callErr != nil && !IsProbablyApplied(callErr) {
		return 0, fmt.Errorf("%s: %w", where, callErr)
	}
	back, err := c.readOne(ctx, "stock.picking", pickingID, []string{"state"}, nil)
	if err != nil {
		return 0, fmt.Errorf("%s: read back: %w", where, err)
	}
	if s, _ := back.String("state"); s != "done" {
		if callErr != nil {
			return 0, fmt.Errorf("%s: %w", where, callErr)
		}
		return 0, &ProtocolError{Op: "button_validate", Err: fmt.Errorf("picking %d is %q after validation", pickingID, s)}
	}
	return c.backorderOf(ctx, pickingID)
}

func (c *Client) backorderOf(ctx context.Context, pickingID int64) (int64, error) {
	id, err := c.searchOne(ctx, "stock.picking", []any{[]any{"backorder_id", "=", pickingID}}, map[string]any{"active_test": false})
	if err != nil {
		return 0, fmt.Errorf("odoo: backorder of stock.picking %d: %w", pickingID, err)
	}
	return id, nil
}

// CancelSaleOrder cancels an order as Odoo's Cancel button does:
// action_cancel, which for a confirmed order answers the sale.order.cancel
// wizard (it offers to e-mail the customer); the wizard's Cancel cancels
// without a mail. Its open deliveries are cancelled with it; done ones
// stay done. A cancelled order is left alone; a locked one is Odoo's
// business fault ("You cannot cancel a locked order").
func (c *Client) CancelSaleOrder(ctx context.Context, orderID int64) error {
	where := fmt.Sprintf("odoo: cancel sale.order %d", orderID)
	state, err := c.saleOrderState(ctx, orderID)
	if err != nil {
		return fmt.Errorf("%s: %w", where, err)
	}
	if state == "cancel" {
		return nil
	}
	res, callErr := c.CallMethod(ctx, "sale.order", "action_cancel", []int64{orderID}, nil)
	if action, ok := res.(map[string]any); ok && callErr == nil {
		model, _ := action["res_model"].(string)
		if model != "sale.order.cancel" {
			return &ProtocolError{Op: "action_cancel", Err: fmt.Errorf("unexpected wizard %q", model)}
		}
		actx, _ := action["context"].(map[string]any)
		wizID, err := c.Create(ctx, model, map[string]any{}, actx)
		if err != nil {
			return fmt.Errorf("%s: %w", where, err)
		}
		_, callErr = c.CallMethod(ctx, model, "action_cancel", []int64{wizID}, map[string]any{"context": actx})
	}
	if callErr != nil && !IsProbablyApplied(callErr) {
		return fmt.Errorf("%s: %w", where, callErr)
	}
	if state, err = c.saleOrderState(ctx, orderID); err != nil {
		return fmt.Errorf("%s: read back: %w", where, err)
	}
	if state != "cancel" {
		if callErr != nil {
			return fmt.Errorf("%s: %w", where, callErr)
		}
		return &ProtocolError{Op: "cancel sale.order", Err: fmt.Errorf("order %d is %q after cancelling", orderID, state)}
	}
	return nil
}
