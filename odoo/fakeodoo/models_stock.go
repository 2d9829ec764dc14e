package fakeodoo

import (
	"slices"
	"strings"

	"github.com/odoo-afterpay/bridge/odoo/fakeodoo/internal/wire"
)

// The stock side of sale_stock, as far as a shop's deliveries go: one
// warehouse's delivery type, pickings and their moves created when an order
// is confirmed, validation with quantities (the backorder wizard, the
// one-time SMS wizard of stock_sms), backorders, cancellation, and the
// delivered quantities and delivery status they give the order.
//
// "Stock is installed" when an active outgoing picking type exists: a seed
// without stock data (odoo-seed) confirms orders without pickings, as an
// Odoo without sale_stock does. Consumables are always available (no
// quants): every move is reserved in full when its picking is created.

func stockModels() []*model {
	return []*model{stockWarehouseModel(), stockLocationModel(), stockPickingTypeModel(), stockPickingModel(),
		stockMoveModel(), stockMoveLineModel(), backorderConfirmationModel(), backorderConfirmationLineModel(), confirmStockSMSModel()}
}

var pickingStates = sel("draft", "Draft", "waiting", "Waiting Another Operation", "confirmed", "Waiting", "assigned", "Ready",
	"done", "Done", "cancel", "Cancelled")

var moveStates = sel("draft", "New", "waiting", "Waiting Another Move", "confirmed", "Waiting Availability",
	"partially_available", "Partially Available", "assigned", "Available", "done", "Done", "cancel", "Cancelled")

var pickingTypeCodes = sel("incoming", "Receipt", "outgoing", "Delivery", "internal", "Internal Transfer")

func stockWarehouseModel() *model {
	b := newModel("stock.warehouse", "Warehouse")
	b.m.order = "sequence,id"
	b.char("name", "Warehouse", notNull)
	b.char("code", "Short Name", notNull)
	b.boolean("active", "Active")
	b.integer("sequence", "Sequence")
	b.many2one("company_id", "Company", "res.company", notNull)
	b.many2one("partner_id", "Address", "res.partner")
	b.many2one("view_location_id", "View Location", "stock.location")
	b.many2one("lot_stock_id", "Location Stock", "stock.location")
	b.many2one("out_type_id", "Out Type", "stock.picking.type")
	b.selection("delivery_steps", "Outgoing Shipments", sel("ship_only", "Deliver (1 step)", "pick_ship", "Pick then Deliver (2 steps)",
		"pick_pack_ship", "Pick, Pack, then Deliver (3 steps)"))
	return b.finish()
}

func stockLocationModel() *model {
	b := newModel("stock.location", "Inventory Locations")
	b.m.order = "complete_name, id"
	b.char("name", "Location Name", notNull)
	b.char("complete_name", "Full Location Name", storedCompute)
	b.boolean("active", "Active")
	b.selection("usage", "Location Type", sel("supplier", "Vendor", "view", "Virtual", "internal", "Internal", "customer", "Customer",
		"inventory", "Inventory Loss", "production", "Production", "transit", "Transit"), notNull)
	b.many2one("location_id", "Parent Location", "stock.location")
	b.many2one("company_id", "Company", "res.company")
	b.m.displayName = func(t *tx, id int64) string {
		r := t.rec("stock.location", id)
		if n := str(r["complete_name"]); n != "" {
			return n
		}
		return str(r["name"])
	}
	b.m.defaults = func(t *tx, vals *wire.Struct) error {
		if !vals.Has("usage") {
			vals.Set("usage", "internal")
		}
		if !vals.Has("complete_name") {
			name := str(vals.Value("name"))
			if parent := intOf(vals.Value("location_id")); parent != 0 && str(vals.Value("usage")) != "view" {
				name = t.displayName("stock.location", parent) + "/" + name
			}
			vals.Set("complete_name", name)
		}
		return nil
	}
	return b.finish()
}

func stockPickingTypeModel() *model {
	b := newModel("stock.picking.type", "Picking Type")
	b.m.order = "is_favorite desc, sequence, id"
	b.char("name", "Operation Type", notNull)
	b.selection("code", "Type of Operation", pickingTypeCodes, notNull)
	b.char("sequence_code", "Sequence Prefix", notNull)
	b.many2one("sequence_id", "Reference Sequence", "ir.sequence")
	b.integer("sequence", "Sequence")
	b.boolean("is_favorite", "Show Operations in Dashboard")
	b.boolean("active", "Active")
	b.many2one("warehouse_id", "Warehouse", "stock.warehouse")
	b.many2one("company_id", "Company", "res.company", notNull)
	b.many2one("default_location_src_id", "Source Location", "stock.location")
	b.many2one("default_location_dest_id", "Destination Location", "stock.location")
	b.selection("create_backorder", "Create Backorder", sel("ask", "Ask", "always", "Always", "never", "Never"), notNull)
	b.selection("reservation_method", "Reservation Method", sel("at_confirm", "At Confirmation", "manual", "Manually",
		"by_date", "Before scheduled date"), notNull)
	b.m.displayName = func(t *tx, id int64) string {
		r := t.rec("stock.picking.type", id)
		if w := idOf(r["warehouse_id"]); w != 0 {
			return str(t.get("stock.warehouse", w, "name")) + ": " + str(r["name"])
		}
		return str(r["name"])
	}
	b.m.defaults = func(t *tx, vals *wire.Struct) error {
		for k, v := range map[string]any{"create_backorder": "ask", "reservation_method": "at_confirm", "sequence": int64(1)} {
			if !vals.Has(k) {
				vals.Set(k, v)
			}
		}
		if !vals.Has("company_id") {
			vals.Set("company_id", t.userCompany())
		}
		return nil
	}
	return b.finish()
}

func stockPickingModel() *model {
	b := newModel("stock.picking", "Transfer")
	b.m.order = "priority desc, scheduled_date asc, id desc"
	b.m.mailThread = true
	b.char("name", "Reference", indexed)
	b.char("origin", "Source Document", indexed)
	b.text("note", "Notes")
	b.many2one("backorder_id", "Back Order of", "stock.picking", readonly)
	b.one2many("backorder_ids", "Back Orders", "stock.picking", "backorder_id")
	b.selection("move_type", "Shipping Policy", sel("direct", "As soon as possible", "one", "When all products are ready"), notNull)
	b.selection("state", "Status", pickingStates, storedCompute)
	b.selection("priority", "Priority", sel("0", "Normal", "1", "Urgent"))
	b.datetime("scheduled_date", "Scheduled Date")
	b.datetime("date_deadline", "Deadline", readonly)
	b.datetime("date_done", "Date of Transfer", readonly)
	b.many2one("location_id", "Source Location", "stock.location", notNull)
	b.many2one("location_dest_id", "Destination Location", "stock.location", notNull)
	b.one2many("move_ids", "Stock Moves", "stock.move", "picking_id")
	b.many2one("picking_type_id", "Operation Type", "stock.picking.type", notNull)
	b.selection("picking_type_code", "Type of Operation", pickingTypeCodes, relatedTo("picking_type_id", "code"))
	b.many2one("partner_id", "Contact", "res.partner")
	b.many2one("company_id", "Company", "res.company", notNull)
	b.many2one("user_id", "Responsible", "res.users")
	b.many2one("sale_id", "Sales Order", "sale.order")
	b.many2one("carrier_id", "Carrier", "delivery.carrier")
	b.char("carrier_tracking_ref", "Tracking Reference")
	b.m.defaults = func(t *tx, vals *wire.Struct) error {
		pt := intOf(vals.Value("picking_type_id"))
		if pt != 0 {
			ptr := t.rec("stock.picking.type", pt)
			if !vals.Has("location_id") {
				vals.Set("location_id", ptr["default_location_src_id"])
			}
			if !vals.Has("location_dest_id") {
				vals.Set("location_dest_id", ptr["default_location_dest_id"])
			}
			if !vals.Has("company_id") {
				vals.Set("company_id", ptr["company_id"])
			}
			if name := str(vals.Value("name")); name == "" || name == "/" {
				if seq := idOf(ptr["sequence_id"]); seq != 0 {
					vals.Set("name", t.nextSequence(seq))
				}
			}
		}
		for k, v := range map[string]any{"move_type": "direct", "state": "draft", "priority": "0", "user_id": t.uid} {
			if !vals.Has(k) {
				vals.Set(k, v)
			}
		}
		if !vals.Has("scheduled_date") {
			vals.Set("scheduled_date", t.nowString())
		}
		if !vals.Has("company_id") {
			vals.Set("company_id", t.userCompany())
		}
		return nil
	}
	b.method("button_validate", func(c *call) (any, error) {
		ids, err := c.ids()
		if err != nil {
			return nil, err
		}
		return c.t.buttonValidate(ids)
	})
	b.method("action_cancel", func(c *call) (any, error) {
		ids, err := c.ids()
		if err != nil {
			return nil, err
		}
		return true, c.t.cancelPickings(ids)
	})
	b.method("action_assign", func(c *call) (any, error) {
		ids, err := c.ids()
		if err != nil {
			return nil, err
		}
		for _, p := range ids {
			if err := c.t.assignPicking(p); err != nil {
				return nil, err
			}
		}
		return true, nil
	})
	b.method("action_confirm", func(c *call) (any, error) {
		ids, err := c.ids()
		if err != nil {
			return nil, err
		}
		for _, p := range ids {
			if err := c.t.assignPicking(p); err != nil {
				return nil, err
			}
		}
		return true, nil
	})
	return b.finish()
}

func stockMoveModel() *model {
	b := newModel("stock.move", "Stock Move")
	b.m.order = "sequence, id"
	b.char("name", "Description", notNull)
	b.integer("sequence", "Sequence")
	b.selection("priority", "Priority", sel("0", "Normal", "1", "Urgent"))
	b.datetime("date", "Date Scheduled", notNull)
	b.many2one("company_id", "Company", "res.company", notNull)
	// The relative order of these fields is Odoo's, which fields_get follows.
	b.many2one("product_id", "Product", "product.product", notNull)
	b.float("product_qty", "Real Quantity", computed(func(t *tx, id int64) (any, error) {
		return t.rec("stock.move", id)["product_uom_qty"], nil
	}))
	b.float("product_uom_qty", "Demand", notNull)
	b.many2one("product_uom", "UoM", "uom.uom", notNull)
	b.many2one("location_id", "Source Location", "stock.location", notNull)
	b.many2one("location_dest_id", "Destination Location", "stock.location", notNull)
	b.many2one("partner_id", "Destination Address", "res.partner")
	b.many2one("picking_id", "Transfer", "stock.picking")
	b.many2one("picking_type_id", "Operation Type", "stock.picking.type")
	b.selection("state", "Status", moveStates, readonly)
	b.boolean("picked", "Picked")
	b.one2many("move_line_ids", "Move Line", "stock.move.line", "move_id")
	b.float("quantity", "Quantity")
	b.char("origin", "Source Document")
	b.char("reference", "Reference", storedCompute)
	b.many2one("sale_line_id", "Sale Line", "sale.order.line")
	b.m.displayName = func(t *tx, id int64) string {
		r := t.rec("stock.move", id)
		name := t.displayName("product.product", idOf(r["product_id"]))
		if ref := str(r["reference"]); ref != "" {
			return ref + ": " + name
		}
		return name
	}
	b.m.defaults = func(t *tx, vals *wire.Struct) error {
		if p := intOf(vals.Value("product_id")); p != 0 {
			if !vals.Has("name") {
				vals.Set("name", t.displayName("product.product", p))
			}
			if !vals.Has("product_uom") {
				vals.Set("product_uom", t.rec("product.product", p)["uom_id"])
			}
		}
		if pk := intOf(vals.Value("picking_id")); pk != 0 {
			pr := t.rec("stock.picking", pk)
			for _, k := range []string{"location_id", "location_dest_id", "picking_type_id", "company_id", "partner_id", "origin"} {
				if !vals.Has(k) && pr[k] != nil {
					vals.Set(k, pr[k])
				}
			}
		}
		for k, v := range map[string]any{"state": "draft", "sequence": int64(10), "priority": "0", "date": t.nowString()} {
			if !vals.Has(k) {
				vals.Set(k, v)
			}
		}
		if !vals.Has("company_id") {
			vals.Set("company_id", t.userCompany())
		}
		return nil
	}
	b.m.afterCreate = func(t *tx, id int64, _ *wire.Struct) error { return t.refreshMoveReference(id) }
	b.m.beforeWrite = func(t *tx, ids []int64, vals *wire.Struct) error {
		if !vals.Has("quantity") && !vals.Has("product_uom_qty") {
			return nil
		}
		for _, id := range ids {
			if str(t.rec("stock.move", id)["state"]) == "done" && vals.Has("product_uom_qty") {
				return userErrorf("You cannot change the demand of a move that is done.")
			}
		}
		return nil
	}
	b.m.afterWrite = func(t *tx, ids []int64, vals *wire.Struct) error {
		for _, id := range ids {
			if vals.Has("picking_id") {
				if err := t.refreshMoveReference(id); err != nil {
					return err
				}
			}
			if vals.Has("quantity") || vals.Has("picked") || vals.Has("picking_id") || vals.Has("state") {
				if err := t.syncMoveLines(id); err != nil {
					return err
				}
			}
		}
		return nil
	}
	return b.finish()
}

// stockMoveLineModel is the detailed operation of a move: one per move
// here (no lots, packages or locations to split by).
func stockMoveLineModel() *model {
	b := newModel("stock.move.line", "Product Moves (Stock Move Line)")
	b.m.order = "result_package_id desc, id"
	b.many2one("picking_id", "Transfer", "stock.picking")
	b.many2one("move_id", "Stock Operation", "stock.move")
	b.many2one("company_id", "Company", "res.company", notNull)
	b.many2one("product_id", "Product", "product.product")
	b.many2one("product_uom_id", "Unit of Measure", "uom.uom", notNull)
	b.float("quantity", "Quantity")
	b.boolean("picked", "Picked")
	b.many2one("location_id", "From", "stock.location", notNull)
	b.many2one("location_dest_id", "To", "stock.location", notNull)
	b.many2one("result_package_id", "Destination Package", "stock.quant.package")
	b.selection("state", "Status", moveStates, relatedTo("move_id", "state"))
	b.char("reference", "Reference", relatedTo("move_id", "reference"))
	b.datetime("date", "Date", notNull)
	return b.finish()
}

// syncMoveLines keeps a move's operation in line with its reserved (then
// done) quantity: created at reservation, removed when the move is
// cancelled.
func (t *tx) syncMoveLines(move int64) error {
	if t.model("stock.move.line") == nil {
		return nil
	}
	r := t.rec("stock.move", move)
	lines, err := t.search("stock.move.line", []any{[]any{"move_id", "=", move}}, searchOpts{})
	if err != nil {
		return err
	}
	qty := decOf(r["quantity"])
	if str(r["state"]) == "cancel" || (qty.IsZero() && str(r["state"]) != "done") {
		if len(lines) > 0 {
			return t.unlink("stock.move.line", lines)
		}
		return nil
	}
	vals := wire.NewStruct("quantity", qty, "picked", boolOf(r["picked"]), "picking_id", orFalse(r["picking_id"]))
	if len(lines) == 0 {
		for _, k := range []string{"product_id", "company_id", "location_id", "location_dest_id", "date"} {
			vals.Set(k, r[k])
		}
		vals.Set("move_id", move)
		vals.Set("product_uom_id", r["product_uom"])
		_, err := t.create("stock.move.line", vals)
		return err
	}
	cur := t.rec("stock.move.line", lines[0])
	if decOf(cur["quantity"]).Cmp(qty) == 0 && boolOf(cur["picked"]) == boolOf(r["picked"]) && idOf(cur["picking_id"]) == idOf(r["picking_id"]) {
		return nil
	}
	return t.write("stock.move.line", lines[:1], vals)
}

func (t *tx) refreshMoveReference(move int64) error {
	ref := str(t.get("stock.picking", idOf(t.rec("stock.move", move)["picking_id"]), "name"))
	if ref == "" {
		ref = str(t.rec("stock.move", move)["name"])
	}
	if str(t.rec("stock.move", move)["reference"]) == ref {
		return nil
	}
	r, err := t.mut("stock.move", move)
	if err != nil {
		return err
	}
	r["reference"] = ref
	return nil
}

func backorderConfirmationModel() *model {
	b := newModel("stock.backorder.confirmation", "Backorder Confirmation")
	b.m.transient = true
	b.many2many("pick_ids", "Pick", "stock.picking")
	b.boolean("show_transfers", "Show Transfers")
	b.one2many("backorder_confirmation_line_ids", "Backorder Confirmation Lines", "stock.backorder.confirmation.line", "backorder_confirmation_id")
	b.m.afterCreate = func(t *tx, id int64, vals *wire.Struct) error {
		if vals.Has("backorder_confirmation_line_ids") {
			return nil
		}
		// default_get adds a line per picking, to be backordered.
		for _, p := range idsOf(t.rec("stock.backorder.confirmation", id)["pick_ids"]) {
			if _, err := t.create("stock.backorder.confirmation.line", wire.NewStruct(
				"backorder_confirmation_id", id, "picking_id", p, "to_backorder", true)); err != nil {
				return err
			}
		}
		return nil
	}
	b.method("process", func(c *call) (any, error) {
		ids, err := c.ids()
		if err != nil {
			return nil, err
		}
		var notToDo []int64
		for _, id := range ids {
			lines, err := c.t.search("stock.backorder.confirmation.line", []any{[]any{"backorder_confirmation_id", "=", id}}, searchOpts{})
			if err != nil {
				return nil, err
			}
			for _, l := range lines {
				lr := c.t.rec("stock.backorder.confirmation.line", l)
				if !boolOf(lr["to_backorder"]) {
					notToDo = append(notToDo, idOf(lr["picking_id"]))
				}
			}
		}
		pickings := c.t.ctxIDs("button_validate_picking_ids")
		if len(pickings) == 0 {
			return true, nil
		}
		saved := c.t.ctx
		defer func() { c.t.ctx = saved }()
		c.t.ctx = saved.Clone()
		c.t.ctx.Set("skip_backorder", true)
		if len(notToDo) > 0 {
			c.t.ctx.Set("picking_ids_not_to_backorder", anyIDs(notToDo))
		}
		return c.t.buttonValidate(pickings)
	})
	b.method("process_cancel_backorder", func(c *call) (any, error) {
		ids, err := c.ids()
		if err != nil {
			return nil, err
		}
		pickings := c.t.ctxIDs("button_validate_picking_ids")
		if len(pickings) == 0 {
			return true, nil
		}
		var picks []int64
		for _, id := range ids {
			picks = append(picks, idsOf(c.t.rec("stock.backorder.confirmation", id)["pick_ids"])...)
		}
		saved := c.t.ctx
		defer func() { c.t.ctx = saved }()
		c.t.ctx = saved.Clone()
		c.t.ctx.Set("skip_backorder", true)
		c.t.ctx.Set("picking_ids_not_to_backorder", anyIDs(picks))
		return c.t.buttonValidate(pickings)
	})
	return b.finish()
}

func backorderConfirmationLineModel() *model {
	b := newModel("stock.backorder.confirmation.line", "Backorder Confirmation Line")
	b.m.transient = true
	b.many2one("backorder_confirmation_id", "Immediate Transfer", "stock.backorder.confirmation")
	b.many2one("picking_id", "Transfer", "stock.picking")
	b.boolean("to_backorder", "To Backorder")
	return b.finish()
}

func confirmStockSMSModel() *model {
	b := newModel("confirm.stock.sms", "Confirm Stock SMS")
	b.m.transient = true
	b.many2many("pick_ids", "Pick", "stock.picking")
	answer := func(switchOff bool) methodFunc {
		return func(c *call) (any, error) {
			ids, err := c.ids()
			if err != nil {
				return nil, err
			}
			id, err := c.singleton(ids)
			if err != nil {
				return nil, err
			}
			companies := []int64{}
			for _, p := range idsOf(c.t.rec("confirm.stock.sms", id)["pick_ids"]) {
				if co := idOf(c.t.rec("stock.picking", p)["company_id"]); co != 0 && !slices.Contains(companies, co) {
					companies = append(companies, co)
				}
			}
			for _, co := range companies {
				if boolOf(c.t.rec("res.company", co)["has_received_warning_stock_sms"]) {
					continue
				}
				vals := wire.NewStruct("has_received_warning_stock_sms", true)
				if switchOff {
					vals.Set("stock_move_sms_validation", false)
				}
				if err := c.t.write("res.company", []int64{co}, vals); err != nil {
					return nil, err
				}
			}
			return c.t.buttonValidate(c.t.ctxIDs("button_validate_picking_ids"))
		}
	}
	b.method("send_sms", answer(false))
	b.method("dont_send_sms", answer(true))
	return b.finish()
}

// --- sale_stock --------------------------------------------------------------

// outgoingType is the delivery picking type of the company's warehouse, or 0
// when stock is not installed.
func (t *tx) outgoingType(company int64) int64 {
	if t.model("stock.picking.type") == nil {
		return 0
	}
	var fallback int64
	for _, id := range t.allIDs("stock.picking.type") {
		r := t.rec("stock.picking.type", id)
		if str(r["code"]) != "outgoing" || r["active"] == false {
			continue
		}
		if idOf(r["company_id"]) == company {
			return id
		}
		if fallback == 0 {
			fallback = id
		}
	}
	return fallback
}

// stockInstalled reports whether orders get deliveries (see the file comment).
func (t *tx) stockInstalled() bool { return t.outgoingType(t.userCompany()) != 0 }

// launchStockRules is sale.order.line._action_launch_stock_rule for a
// confirmed order: one delivery with a move per goods line, reserved.
func (t *tx) launchStockRules(order int64) error {
	o := t.rec("sale.order", order)
	pt := t.outgoingType(idOf(o["company_id"]))
	if pt == 0 {
		return nil
	}
	type todo struct {
		line int64
		qty  decimal
	}
	var lines []todo
	for _, l := range t.orderLines(order) {
		lr := t.rec("sale.order.line", l)
		if str(lr["display_type"]) != "" || str(t.get("product.product", idOf(lr["product_id"]), "type")) != "consu" {
			continue
		}
		// What is already planned (moves not cancelled) is not planned again.
		qty := decOf(lr["product_uom_qty"]).Sub(t.plannedQty(l))
		if qty.Sign() <= 0 {
			continue
		}
		lines = append(lines, todo{l, qty})
	}
	if len(lines) == 0 {
		return nil
	}
	picking := t.openPicking(order, pt)
	if picking == 0 {
		origin := str(o["name"])
		if ref := str(o["client_order_ref"]); ref != "" {
			origin += " - " + ref
		}
		when := str(o["commitment_date"])
		if when == "" {
			when = t.nowString()
		}
		policy := str(o["picking_policy"])
		if policy == "" {
			policy = "direct"
		}
		var err error
		picking, err = t.create("stock.picking", wire.NewStruct(
			"picking_type_id", pt, "partner_id", orFalse(o["partner_shipping_id"]), "origin", origin, "sale_id", order,
			"scheduled_date", when, "date_deadline", when, "move_type", policy,
			"carrier_id", orFalse(o["carrier_id"]), "company_id", o["company_id"],
		))
		if err != nil {
			return err
		}
	}
	for _, l := range lines {
		lr := t.rec("sale.order.line", l.line)
		if _, err := t.create("stock.move", wire.NewStruct(
			"picking_id", picking, "product_id", lr["product_id"], "product_uom_qty", l.qty, "product_uom", lr["product_uom"],
			"name", str(lr["name"]), "sale_line_id", l.line, "sequence", lr["sequence"], "date", t.rec("stock.picking", picking)["scheduled_date"],
		)); err != nil {
			return err
		}
	}
	return t.assignPicking(picking)
}

// plannedQty sums the demand of a sale line's moves that are not cancelled.
func (t *tx) plannedQty(line int64) decimal {
	var sum decimal
	for _, m := range t.idsWith("stock.move", "sale_line_id", line) {
		r := t.rec("stock.move", m)
		if idOf(r["sale_line_id"]) == line && str(r["state"]) != "cancel" {
			sum = sum.Add(decOf(r["product_uom_qty"]))
		}
	}
	return sum
}

// openPicking is the order's delivery of that type that is not done or
// cancelled yet (new moves join it, as procurement groups do).
func (t *tx) openPicking(order, pickingType int64) int64 {
	for _, p := range t.idsWith("stock.picking", "sale_id", order) {
		r := t.rec("stock.picking", p)
		if idOf(r["sale_id"]) == order && idOf(r["picking_type_id"]) == pickingType {
			if s := str(r["state"]); s != "done" && s != "cancel" {
				return p
			}
		}
	}
	return 0
}

func (t *tx) pickingMoves(picking int64) []int64 {
	ids, _ := t.search("stock.move", []any{[]any{"picking_id", "=", picking}}, searchOpts{})
	return ids
}

// assignPicking confirms and reserves a picking's open moves: consumables
// are always available, so the whole demand is reserved.
func (t *tx) assignPicking(picking int64) error {
	for _, m := range t.pickingMoves(picking) {
		r := t.rec("stock.move", m)
		switch str(r["state"]) {
		case "done", "cancel", "assigned":
			continue
		}
		vals := wire.NewStruct("state", "assigned")
		if decOf(r["quantity"]).IsZero() {
			vals.Set("quantity", r["product_uom_qty"])
		}
		if err := t.write("stock.move", []int64{m}, vals); err != nil {
			return err
		}
	}
	return t.recomputePickingState(picking)
}

// recomputePickingState is stock.picking._compute_state, stored: rules on
// the state fire from here, as base_automation's compute hook makes them.
func (t *tx) recomputePickingState(picking int64) error {
	moves := t.pickingMoves(picking)
	state := "draft"
	if len(moves) > 0 {
		all := func(ok func(string) bool) bool {
			for _, m := range moves {
				if !ok(str(t.rec("stock.move", m)["state"])) {
					return false
				}
			}
			return true
		}
		switch {
		case all(func(s string) bool { return s == "cancel" }):
			state = "cancel"
		case all(func(s string) bool { return s == "done" || s == "cancel" }):
			state = "done"
		case all(func(s string) bool { return s == "draft" || s == "cancel" }):
			state = "draft"
		case all(func(s string) bool { return s == "assigned" || s == "done" || s == "cancel" }):
			state = "assigned"
		default:
			state = "confirmed"
		}
	}
	if str(t.rec("stock.picking", picking)["state"]) == state {
		return nil
	}
	return t.store("stock.picking", picking, "state", state)
}

// actionContext is the caller's context as an action returned to it carries
// it: the fake's own bookkeeping keys left out.
func (t *tx) actionContext() *wire.Struct {
	out := wire.NewStruct()
	for _, k := range t.ctx.Keys() {
		if strings.HasPrefix(k, "__action_done") || strings.HasPrefix(k, "fake_odoo_") {
			continue
		}
		out.Set(k, t.ctx.Value(k))
	}
	return out
}

// buttonValidate is stock.picking.button_validate.
func (t *tx) buttonValidate(ids []int64) (any, error) {
	for _, p := range ids {
		if s := str(t.rec("stock.picking", p)["state"]); s == "draft" {
			if err := t.assignPicking(p); err != nil {
				return nil, err
			}
		}
	}
	if !t.ctxBool("skip_sanity_check") {
		for _, p := range ids {
			moves := t.pickingMoves(p)
			if len(moves) == 0 {
				return nil, userErrorf("You can’t validate an empty transfer. Please add some products to move before proceeding.")
			}
			hasQty := false
			for _, m := range moves {
				r := t.rec("stock.move", m)
				if s := str(r["state"]); s != "done" && s != "cancel" && !decOf(r["quantity"]).IsZero() {
					hasQty = true
				}
			}
			if !hasQty && len(ids) == 1 {
				return nil, userErrorf("You cannot validate a transfer if no quantities are reserved. To force the transfer, encode quantities.")
			}
		}
	}
	saved := t.ctx
	defer func() { t.ctx = saved }()
	if len(t.ctxIDs("button_validate_picking_ids")) == 0 {
		t.ctx = saved.Clone()
		t.ctx.Set("button_validate_picking_ids", anyIDs(ids))
	}
	// _pre_action_done_hook: quantities without anything picked pick all.
	for _, p := range ids {
		hasQty, hasPick := false, false
		moves := t.pickingMoves(p)
		for _, m := range moves {
			r := t.rec("stock.move", m)
			hasQty = hasQty || !decOf(r["quantity"]).IsZero()
			hasPick = hasPick || boolOf(r["picked"])
		}
		if hasQty && !hasPick {
			if err := t.write("stock.move", moves, wire.NewStruct("picked", true)); err != nil {
				return nil, err
			}
		}
	}
	if !t.ctxBool("skip_backorder") {
		var toBackorder []int64
		for _, p := range ids {
			if str(t.get("stock.picking.type", idOf(t.rec("stock.picking", p)["picking_type_id"]), "create_backorder")) != "ask" {
				continue
			}
			for _, m := range t.pickingMoves(p) {
				r := t.rec("stock.move", m)
				if str(r["state"]) == "cancel" {
					continue
				}
				demand := decOf(r["product_uom_qty"])
				if (!demand.IsZero() && !boolOf(r["picked"])) || t.pickedQty(m).Cmp(demand) < 0 {
					toBackorder = append(toBackorder, p)
					break
				}
			}
		}
		if len(toBackorder) > 0 {
			ctx := t.actionContext()
			ctx.Set("default_show_transfers", len(ids) > 1)
			links := make([]any, 0, len(toBackorder))
			for _, p := range toBackorder {
				links = append(links, []any{int64(4), p})
			}
			ctx.Set("default_pick_ids", links)
			return wire.NewStruct("name", "Create Backorder?", "type", "ir.actions.act_window", "view_mode", "form",
				"res_model", "stock.backorder.confirmation", "views", []any{[]any{int64(2085), "form"}}, "view_id", int64(2085),
				"target", "new", "context", ctx), nil
		}
	}
	if !t.ctxBool("skip_sms") {
		var warn []int64
		for _, p := range ids {
			pr := t.rec("stock.picking", p)
			co := t.rec("res.company", idOf(pr["company_id"]))
			partner := t.rec("res.partner", idOf(pr["partner_id"]))
			if boolOf(co["stock_move_sms_validation"]) && !boolOf(co["has_received_warning_stock_sms"]) &&
				str(t.get("stock.picking.type", idOf(pr["picking_type_id"]), "code")) == "outgoing" &&
				(str(partner["mobile"]) != "" || str(partner["phone"]) != "") {
				warn = append(warn, p)
			}
		}
		if len(warn) > 0 {
			wiz, err := t.create("confirm.stock.sms", wire.NewStruct("pick_ids", []any{[]any{int64(6), int64(0), anyIDs(warn)}}))
			if err != nil {
				return nil, err
			}
			return wire.NewStruct("name", "SMS", "type", "ir.actions.act_window", "view_mode", "form",
				"res_model", "confirm.stock.sms", "views", []any{[]any{int64(2240), "form"}}, "view_id", int64(2240),
				"target", "new", "res_id", wiz, "context", t.actionContext()), nil
		}
	}
	notToBackorder := t.ctxIDs("picking_ids_not_to_backorder")
	for _, p := range ids {
		createBackorder := str(t.get("stock.picking.type", idOf(t.rec("stock.picking", p)["picking_type_id"]), "create_backorder"))
		cancelBackorder := createBackorder == "never" || (slices.Contains(notToBackorder, p) && createBackorder != "always")
		if err := t.pickingDone(p, cancelBackorder); err != nil {
			return nil, err
		}
	}
	return true, nil
}

// pickedQty is stock.move._get_picked_quantity.
func (t *tx) pickedQty(move int64) decimal {
	r := t.rec("stock.move", move)
	if !boolOf(r["picked"]) {
		return decimal{}
	}
	return decOf(r["quantity"])
}

// pickingDone is stock.picking._action_done for one picking: picked moves
// are done with their quantity (what is short is split off), the rest is
// cancelled or goes to a backorder, and the order's delivered quantities
// follow.
func (t *tx) pickingDone(picking int64, cancelBackorder bool) error {
	if s := str(t.rec("stock.picking", picking)["state"]); s == "done" || s == "cancel" {
		return nil
	}
	var todo, rest []int64
	for _, m := range t.pickingMoves(picking) {
		r := t.rec("stock.move", m)
		if s := str(r["state"]); s == "done" || s == "cancel" {
			continue
		}
		if decOf(r["quantity"]).Sign() <= 0 || !boolOf(r["picked"]) {
			if decOf(r["product_uom_qty"]).IsZero() || cancelBackorder {
				if err := t.set("stock.move", m, "state", "cancel", "quantity", decimal{}); err != nil {
					return err
				}
				continue
			}
			rest = append(rest, m)
			continue
		}
		todo = append(todo, m)
	}
	var split []int64
	for _, m := range todo {
		r := t.rec("stock.move", m)
		qty, demand := decOf(r["quantity"]), decOf(r["product_uom_qty"])
		if !cancelBackorder && qty.Cmp(demand) < 0 {
			// stock.move._split: the rest becomes a new move.
			nm, err := t.create("stock.move", wire.NewStruct(
				"picking_id", picking, "product_id", r["product_id"], "product_uom_qty", demand.Sub(qty), "product_uom", r["product_uom"],
				"name", r["name"], "sale_line_id", orFalse(r["sale_line_id"]), "sequence", r["sequence"], "date", r["date"],
				"state", "confirmed", "quantity", decimal{},
			))
			if err != nil {
				return err
			}
			if err := t.set("stock.move", m, "product_uom_qty", qty); err != nil {
				return err
			}
			split = append(split, nm)
		}
	}
	now := t.nowString()
	for _, m := range todo {
		if err := t.set("stock.move", m, "state", "done", "date", now); err != nil {
			return err
		}
	}
	backorderMoves := append(rest, split...)
	// The picking's state is recomputed with its moves: done, which fires
	// the rules before date_done is written (transcripts-2 224).
	if len(backorderMoves) == 0 || cancelBackorder {
		if err := t.recomputePickingState(picking); err != nil {
			return err
		}
	} else {
		// The moves leave for the backorder first, as the flush order of
		// _action_done has it; the webhook still lists the moves done here.
		if err := t.withMoves(picking, backorderMoves); err != nil {
			return err
		}
	}
	if err := t.set("stock.picking", picking, "date_done", now, "priority", "0"); err != nil {
		return err
	}
	return t.refreshDelivered(picking)
}

// withMoves creates the backorder of picking holding moves, then
// recomputes the picking's state.
func (t *tx) withMoves(picking int64, moves []int64) error {
	pr := t.rec("stock.picking", picking)
	bo, err := t.create("stock.picking", wire.NewStruct(
		"picking_type_id", pr["picking_type_id"], "partner_id", orFalse(pr["partner_id"]), "origin", orFalse(pr["origin"]),
		"sale_id", orFalse(pr["sale_id"]), "scheduled_date", pr["scheduled_date"], "date_deadline", orFalse(pr["date_deadline"]),
		"move_type", pr["move_type"], "carrier_id", orFalse(pr["carrier_id"]), "company_id", pr["company_id"],
		"location_id", pr["location_id"], "location_dest_id", pr["location_dest_id"], "backorder_id", picking,
		"user_id", false,
	))
	if err != nil {
		return err
	}
	if err := t.write("stock.move", moves, wire.NewStruct("picking_id", bo, "picked", false)); err != nil {
		return err
	}
	if err := t.recomputePickingState(picking); err != nil {
		return err
	}
	if err := t.logNote("stock.picking", picking, "The backorder "+str(t.rec("stock.picking", bo)["name"])+" has been created.", "mail.mt_note"); err != nil {
		return err
	}
	return t.assignPicking(bo)
}

// cancelPickings is stock.picking.action_cancel.
func (t *tx) cancelPickings(ids []int64) error {
	for _, p := range ids {
		for _, m := range t.pickingMoves(p) {
			if s := str(t.rec("stock.move", m)["state"]); s == "done" || s == "cancel" {
				continue
			}
			if err := t.set("stock.move", m, "state", "cancel", "quantity", decimal{}, "picked", false); err != nil {
				return err
			}
		}
		if err := t.recomputePickingState(p); err != nil {
			return err
		}
	}
	return nil
}

// refreshDelivered recomputes qty_delivered of the sale lines of a
// picking's moves (sale_stock's stock_move method).
func (t *tx) refreshDelivered(picking int64) error {
	// The sale lines of the moves of every transfer of the picking's order.
	lines := map[int64]bool{}
	if so := idOf(t.rec("stock.picking", picking)["sale_id"]); so != 0 {
		for _, p := range t.idsWith("stock.picking", "sale_id", so) {
			for _, id := range t.idsWith("stock.move", "picking_id", p) {
				if l := idOf(t.rec("stock.move", id)["sale_line_id"]); l != 0 {
					lines[l] = true
				}
			}
		}
	}
	sorted := make([]int64, 0, len(lines))
	for l := range lines {
		sorted = append(sorted, l)
	}
	slices.Sort(sorted)
	for _, l := range sorted {
		if str(t.rec("sale.order.line", l)["qty_delivered_method"]) != "stock_move" {
			continue
		}
		var sum decimal
		for _, id := range t.idsWith("stock.move", "sale_line_id", l) {
			r := t.rec("stock.move", id)
			if idOf(r["sale_line_id"]) != l || str(r["state"]) != "done" {
				continue
			}
			switch str(t.get("stock.location", idOf(r["location_dest_id"]), "usage")) {
			case "customer":
				sum = sum.Add(decOf(r["quantity"]))
			default:
				if str(t.get("stock.location", idOf(r["location_id"]), "usage")) == "customer" {
					sum = sum.Sub(decOf(r["quantity"])) // a return
				}
			}
		}
		if err := t.store("sale.order.line", l, "qty_delivered", sum); err != nil {
			return err
		}
	}
	return nil
}

// orderPickings lists an order's transfers in stock.picking's order.
func (t *tx) orderPickings(order int64) []int64 {
	if t.model("stock.picking") == nil {
		return []int64{}
	}
	ids, _ := t.search("stock.picking", []any{[]any{"sale_id", "=", order}}, searchOpts{})
	return ids
}

// deliveryStatus is sale_stock's sale.order._compute_delivery_status.
func (t *tx) deliveryStatus(order int64) any {
	pickings := t.orderPickings(order)
	states := make([]string, 0, len(pickings))
	for _, p := range pickings {
		states = append(states, str(t.rec("stock.picking", p)["state"]))
	}
	all := func(ok func(string) bool) bool {
		for _, s := range states {
			if !ok(s) {
				return false
			}
		}
		return true
	}
	anyDone := slices.Contains(states, "done")
	switch {
	case len(states) == 0 || all(func(s string) bool { return s == "cancel" }):
		return nil
	case all(func(s string) bool { return s == "done" || s == "cancel" }):
		return "full"
	case anyDone:
		for _, l := range t.orderLines(order) {
			if !decOf(t.rec("sale.order.line", l)["qty_delivered"]).IsZero() {
				return "partial"
			}
		}
		return "started"
	}
	return "pending"
}

// effectiveDate is the first done delivery's date.
func (t *tx) effectiveDate(order int64) any {
	first := ""
	for _, p := range t.orderPickings(order) {
		r := t.rec("stock.picking", p)
		if str(r["state"]) != "done" || str(t.get("stock.location", idOf(r["location_dest_id"]), "usage")) != "customer" {
			continue
		}
		if d := str(r["date_done"]); d != "" && (first == "" || d < first) {
			first = d
		}
	}
	if first == "" {
		return nil
	}
	return first
}
