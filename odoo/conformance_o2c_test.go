package odoo_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/odoo-afterpay/bridge/odoo"
	"github.com/odoo-afterpay/bridge/odoo/provision"
)

// Order-to-cash scenarios of the conformance suite: the Afterpay marker
// and the rules' webhooks (received by the backend's listener), deliveries
// in parts with a backorder, invoicing what is delivered, a mixed order, a
// customer payment reconciled with invoices as they come, cancelling.

func init() {
	cscenarios = append(cscenarios,
		cscenario{"afterpay marker", cMarker},
		cscenario{"deliveries", cDeliveries},
		cscenario{"mixed order", cMixedOrder},
		cscenario{"customer payment", cCustomerPayment},
		cscenario{"cancel", cCancel},
	)
}

// term is the provisioned Afterpay payment term.
func (b *cbackend) term(t *testing.T) int64 {
	t.Helper()
	id, err := b.c.FindAfterpayPaymentTerm(context.Background())
	require.NoError(t, err)
	return id
}

type cline struct {
	product, qty int64
	discount     float64
}

// afterpayOrder creates an order with the Afterpay payment term, the lines
// given and, with carrier != 0, the carrier's delivery line (7.50), and
// confirms it unless quotation.
func (b *cbackend) afterpayOrder(t *testing.T, partner int64, ref string, carrier int64, quotation bool, lines ...cline) int64 {
	t.Helper()
	ctx := context.Background()
	var cmds []any
	for _, l := range lines {
		vals := map[string]any{"product_id": l.product, "product_uom_qty": l.qty}
		if l.discount != 0 {
			vals["discount"] = l.discount
		}
		cmds = append(cmds, []any{0, 0, vals})
	}
	id, err := b.c.Create(ctx, "sale.order", map[string]any{"partner_id": partner, "client_order_ref": b.ref(ref),
		"payment_term_id": b.term(t), "order_line": cmds}, nil)
	require.NoError(t, err)
	if carrier != 0 {
		wiz, err := b.c.Create(ctx, "choose.delivery.carrier", map[string]any{"order_id": id, "carrier_id": carrier, "delivery_price": cusd(750)}, nil)
		require.NoError(t, err)
		_, err = b.c.CallMethod(ctx, "choose.delivery.carrier", "button_confirm", []int64{wiz}, nil)
		require.True(t, err == nil || odoo.IsProbablyApplied(err), "button_confirm: %v", err)
	}
	if !quotation {
		require.NoError(t, b.c.ConfirmSaleOrder(ctx, id))
	}
	return id
}

// carrier creates a fixed-price carrier (7.50) with its service product.
func (b *cbackend) carrier(t *testing.T, name string) int64 {
	t.Helper()
	fee := b.product(t, name+" Fee", "CONF-"+strings.ToUpper(strings.ReplaceAll(name, " ", ""))+"-FEE", cusd(750), "service", "order")
	id, err := b.c.Create(context.Background(), "delivery.carrier", map[string]any{"name": name, "product_id": fee,
		"delivery_type": "fixed", "fixed_price": cusd(750)}, nil)
	require.NoError(t, err)
	return id
}

// hookBodies normalises the webhooks received: the path and the body with
// ids and names replaced by labels (the servers number records
// differently), "_action" checked and dropped.
func hookBodies(t *testing.T, b *cbackend, labels map[int64]string, names map[string]string) []observation {
	t.Helper()
	paths, bodies := b.hooks.take()
	out := make([]observation, 0, len(paths))
	for i, path := range paths {
		o := observation{"path": path}
		for k, v := range bodies[i] {
			switch x := v.(type) {
			case float64:
				switch k {
				case "_id", "id", "sale_id", "backorder_id", "partner_id":
					if l, ok := labels[int64(x)]; ok {
						v = l
					}
				}
			case string:
				if k == "_action" {
					require.True(t, strings.HasPrefix(x, "Send Webhook Notification(#"), x)
					continue
				}
				if l, ok := names[x]; ok {
					v = l
				}
			}
			o[k] = v
		}
		out = append(out, o)
	}
	return out
}

func (b *cbackend) pickings(t *testing.T, order int64, labels map[int64]string) []observation {
	t.Helper()
	pickings, err := b.c.OrderPickings(context.Background(), order)
	require.NoError(t, err)
	var out []observation
	for i, p := range pickings {
		if _, ok := labels[p.ID]; !ok {
			labels[p.ID] = fmt.Sprintf("picking %d", i+1)
		}
		var moves []observation
		for _, m := range p.Moves {
			moves = append(moves, observation{"product": labels[m.ProductID], "demand": m.Demand, "quantity": m.Quantity,
				"picked": m.Picked, "state": m.State, "for a sale line": m.SaleLineID != 0})
		}
		out = append(out, observation{"picking": labels[p.ID], "state": p.State, "type": p.PickingTypeCode,
			"backorder of": labels[p.BackorderID], "done": !p.DateDone.IsZero(), "moves": moves,
			"named WH/OUT/": strings.HasPrefix(p.Name, "WH/OUT/")})
	}
	return out
}

func (b *cbackend) invoicing(t *testing.T, order int64, labels map[int64]string) observation {
	t.Helper()
	inv, err := b.c.OrderInvoicing(context.Background(), order)
	require.NoError(t, err)
	var lines []observation
	for _, l := range inv.Lines {
		lines = append(lines, observation{"product": labels[l.ProductID], "policy": l.InvoicePolicy, "ordered": l.QtyOrdered,
			"delivered": l.QtyDelivered, "invoiced": l.QtyInvoiced, "to invoice": l.QtyToInvoice, "total": l.PriceTotal,
			"delivery line": l.IsDelivery, "status": l.InvoiceStatus})
	}
	return observation{"state": inv.State, "invoice status": inv.InvoiceStatus, "currency": inv.Currency, "lines": lines}
}

func (b *cbackend) moveTotals(t *testing.T, ids []int64) []observation {
	t.Helper()
	var out []observation
	for _, id := range ids {
		m, err := b.c.ReadMove(context.Background(), id)
		require.NoError(t, err)
		out = append(out, observation{"state": m.State, "type": m.MoveType, "payment state": m.PaymentState,
			"untaxed": m.AmountUntaxed, "tax": m.AmountTax, "total": m.AmountTotal, "residual": m.AmountResidual,
			"lines": len(m.InvoiceLineIDs)})
	}
	return out
}

// cMarker: an order confirmed without the Afterpay payment term sends no
// webhook; with it, the order-confirmed webhook; the order header tells
// them apart and carries the capture mode.
func cMarker(t *testing.T, b *cbackend) observation {
	ctx := context.Background()
	b.hooks.take()
	obs := observation{}
	partner := b.customer(t, "Conformance Marker", nil)
	product := b.product(t, "Conformance Lantern", "CONF-LNTN", cusd(2500), "consu", "order", b.tax10)

	plain := b.confirmedOrderOf(t, partner, product, 1, b.ref("CONF-PLAIN"))
	obs["webhooks of an order without the term"] = hookBodies(t, b, nil, nil)
	require.Empty(t, obs["webhooks of an order without the term"])
	h, err := b.c.ReadOrderHeader(ctx, plain.ID, plain.Name)
	require.NoError(t, err)
	obs["header without the term"] = observation{"afterpay": h.IsAfterpay(), "term": h.PaymentTerm, "capture": h.CaptureMode}

	// Another payment term is no marker either.
	_, immediate, err := b.c.XMLID(ctx, "account.account_payment_term_immediate")
	require.NoError(t, err)
	other, err := b.c.CreateSaleOrder(ctx, odoo.SaleOrderDraft{PartnerID: partner, ClientOrderRef: b.ref("CONF-OTHER-TERM"),
		PaymentTermID: immediate, Lines: []odoo.SaleOrderDraftLine{{ProductID: product, Quantity: 1}}})
	require.NoError(t, err)
	require.NoError(t, b.c.ConfirmSaleOrder(ctx, other))
	obs["webhooks of an order with another term"] = len(hookBodies(t, b, nil, nil))
	require.Equal(t, 0, obs["webhooks of an order with another term"])

	id := b.afterpayOrder(t, partner, "CONF-MARKED", 0, true, cline{product: product, qty: 2})
	require.NoError(t, b.c.Write(ctx, "sale.order", []int64{id}, map[string]any{odoo.FieldAfterpayCapture: odoo.CaptureDeferred}, nil))
	require.Empty(t, hookBodies(t, b, nil, nil), "a quotation sends nothing")
	require.NoError(t, b.c.ConfirmSaleOrder(ctx, id))
	so, err := b.c.ReadSaleOrder(ctx, id)
	require.NoError(t, err)
	hooks := hookBodies(t, b, map[int64]string{id: "the order", partner: "the partner"}, map[string]string{so.Name: "the order", b.ref("CONF-MARKED"): "the ref"})
	obs["webhooks of an Afterpay order"] = hooks
	require.Len(t, hooks, 1)
	require.Equal(t, observation{"path": provision.OrderConfirmedPath, "_id": "the order", "_model": "sale.order", "id": "the order",
		"name": "the order", "state": "sale", "amount_total": 55.0, "currency_id": float64(1), "partner_id": "the partner",
		"client_order_ref": "the ref"}, hooks[0])
	h, err = b.c.ReadOrderHeader(ctx, id, so.Name)
	require.NoError(t, err)
	obs["header with the term"] = observation{"afterpay": h.IsAfterpay(), "term": h.PaymentTerm, "term is ours": h.PaymentTermID == b.term(t),
		"capture": h.CaptureMode, "total": h.AmountTotal}
	require.Equal(t, observation{"afterpay": true, "term": "Afterpay", "term is ours": true, "capture": "deferred", "total": cusd(5500)},
		obs["header with the term"])
	// The whole order's read says the same (the payment reads it whole
	// when it is about to ask for a checkout).
	require.Equal(t, h, so.Header())
	plainSO, err := b.c.ReadSaleOrder(ctx, plain.ID)
	require.NoError(t, err)
	plainHeader, err := b.c.ReadOrderHeader(ctx, plain.ID, plain.Name)
	require.NoError(t, err)
	require.Equal(t, plainHeader, plainSO.Header())
	return obs
}

// cDeliveries: an Afterpay order of a cabinet invoiced on delivery (5, less
// 10 %, 10 % tax), bins invoiced on order (4, 10 % tax), a set-up service
// and a delivery line, delivered in two parts: the backorder, the delivered
// quantities, an invoice after each delivery with Odoo's totals, the
// webhooks of both deliveries and both invoices.
func cDeliveries(t *testing.T, b *cbackend) observation {
	ctx := context.Background()
	b.hooks.take()
	obs := observation{}
	partner := b.customer(t, "Conformance Deliveries", nil)
	cabinet := b.product(t, "Conformance Cabinet", "CONF-CAB", cusd(10000), "consu", "delivery", b.tax10)
	bin := b.product(t, "Conformance Bin", "CONF-BIN", cusd(3000), "consu", "order", b.tax10)
	setup := b.product(t, "Conformance Setup", "CONF-SETUP", cusd(5000), "service", "order")
	carrier := b.carrier(t, "Conformance Freight")
	order := b.afterpayOrder(t, partner, "CONF-DLV2", carrier, false,
		cline{product: cabinet, qty: 5, discount: 10}, cline{product: bin, qty: 4}, cline{product: setup, qty: 1})
	so, err := b.c.ReadSaleOrder(ctx, order)
	require.NoError(t, err)
	require.Equal(t, cusd(45000+4500+12000+1200+5000+750), so.AmountTotal)
	labels := map[int64]string{order: "the order", partner: "the partner", cabinet: "cabinet", bin: "bin", setup: "setup"}
	names := map[string]string{so.Name: "the order", so.Name + " - " + b.ref("CONF-DLV2"): "the order - the ref"}
	require.Len(t, hookBodies(t, b, labels, names), 1, "the order-confirmed webhook")

	obs["pickings"] = b.pickings(t, order, labels)
	obs["invoicing before delivery"] = b.invoicing(t, order, labels)
	pickings, err := b.c.OrderPickings(ctx, order)
	require.NoError(t, err)
	require.Len(t, pickings, 1)
	first := pickings[0]
	require.Len(t, first.Moves, 2)
	qty := map[int64]string{}
	for _, m := range first.Moves {
		qty[m.ID] = map[int64]string{cabinet: "2", bin: "4"}[m.ProductID]
	}
	backorder, err := b.c.ValidatePicking(ctx, first.ID, qty, true)
	require.NoError(t, err)
	require.NotZero(t, backorder)
	labels[first.ID], labels[backorder] = "first delivery", "backorder"
	again, err := b.c.ValidatePicking(ctx, first.ID, qty, true)
	require.NoError(t, err)
	require.Equal(t, backorder, again, "a done picking answers its backorder")
	names[pickingName(t, b, first.ID)], names[pickingName(t, b, backorder)] = "first delivery", "backorder"
	obs["webhooks of the first delivery"] = hookBodies(t, b, labels, names)
	obs["pickings after the first delivery"] = b.pickings(t, order, labels)
	obs["order after the first delivery"] = orderStatus(t, b, order)
	obs["invoicing after the first delivery"] = b.invoicing(t, order, labels)

	invoices, err := b.c.CreateInvoices(ctx, order)
	require.NoError(t, err)
	require.Len(t, invoices, 1)
	firstInvoice := invoices[0]
	labels[firstInvoice] = "first invoice"
	names[moveName(t, b, firstInvoice)] = "first invoice"
	obs["first invoice"] = b.moveTotals(t, invoices)
	require.Equal(t, cusd(18000+1800+12000+1200+5000+750), obs["first invoice"].([]observation)[0]["total"])
	obs["webhooks of the first invoice"] = hookBodies(t, b, labels, names)
	none, err := b.c.CreateInvoices(ctx, order)
	require.NoError(t, err)
	obs["invoices with nothing delivered since"] = len(none)
	require.Empty(t, none)

	next, err := b.c.ValidatePicking(ctx, backorder, nil, true)
	require.NoError(t, err)
	obs["backorder of the backorder"] = next
	require.Zero(t, next)
	obs["webhooks of the backorder"] = hookBodies(t, b, labels, names)
	invoices, err = b.c.CreateInvoices(ctx, order)
	require.NoError(t, err)
	require.Len(t, invoices, 1)
	labels[invoices[0]] = "second invoice"
	names[moveName(t, b, invoices[0])] = "second invoice"
	obs["second invoice"] = b.moveTotals(t, invoices)
	require.Equal(t, cusd(27000+2700), obs["second invoice"].([]observation)[0]["total"])
	obs["webhooks of the second invoice"] = hookBodies(t, b, labels, names)
	obs["order at the end"] = orderStatus(t, b, order)
	obs["invoicing at the end"] = b.invoicing(t, order, labels)
	posted, err := b.c.PostedInvoices(ctx, order)
	require.NoError(t, err)
	var postedLabels []string
	for _, id := range posted {
		postedLabels = append(postedLabels, labels[id])
	}
	obs["posted invoices"] = postedLabels
	require.Equal(t, []string{"first invoice", "second invoice"}, postedLabels)
	return obs
}

func pickingName(t *testing.T, b *cbackend, id int64) string {
	t.Helper()
	return text(t, readOne(t, b, "stock.picking", id, nil, "name"), "name")
}

func moveName(t *testing.T, b *cbackend, id int64) string {
	t.Helper()
	return text(t, readOne(t, b, "account.move", id, nil, "name"), "name")
}

func orderStatus(t *testing.T, b *cbackend, order int64) observation {
	t.Helper()
	r := readOne(t, b, "sale.order", order, nil, "state", "delivery_status", "invoice_status", "delivery_count", "effective_date")
	status, _ := r["delivery_status"].(string)
	return observation{"state": text(t, r, "state"), "delivery status": status, "invoice status": text(t, r, "invoice_status"),
		"deliveries": r["delivery_count"], "effective date set": r["effective_date"] != false}
}

// cMixedOrder: goods invoiced on order and on delivery and a delivery
// line, nothing delivered yet: what is invoiceable now is invoiced; an
// order whose only invoiceable line is the delivery line.
func cMixedOrder(t *testing.T, b *cbackend) observation {
	ctx := context.Background()
	b.hooks.take()
	obs := observation{}
	partner := b.customer(t, "Conformance Mixed", nil)
	mug := b.product(t, "Conformance Mug Set", "CONF-MUGSET", cusd(1200), "consu", "delivery", b.tax10)
	caseP := b.product(t, "Conformance Sleeve", "CONF-SLV", cusd(1999), "consu", "order", b.tax10)
	carrier := b.carrier(t, "Conformance Courier Mixed")
	labels := map[int64]string{mug: "mugs", caseP: "sleeve"}

	order := b.afterpayOrder(t, partner, "CONF-MIXED", carrier, false, cline{product: mug, qty: 2}, cline{product: caseP, qty: 3, discount: 5})
	obs["invoicing"] = b.invoicing(t, order, labels)
	invoices, err := b.c.CreateInvoices(ctx, order)
	require.NoError(t, err)
	require.Len(t, invoices, 1)
	obs["invoice of what is invoiceable now"] = b.moveTotals(t, invoices)
	obs["invoicing after"] = b.invoicing(t, order, labels)
	hooks := hookBodies(t, b, nil, nil)
	var paths []string
	for _, h := range hooks {
		paths = append(paths, h["path"].(string))
	}
	obs["webhooks"] = paths
	require.Equal(t, []string{provision.OrderConfirmedPath, provision.InvoicePostedPath}, paths)

	// No payment term at all: the wizard's answer faults after its commit
	// (None in the action's context); the invoice is found all the same.
	plain := b.confirmedOrderOf(t, partner, caseP, 1, b.ref("CONF-NOTERM"))
	invoices, err = b.c.CreateInvoices(ctx, plain.ID)
	require.NoError(t, err)
	obs["without a payment term: invoices"] = b.moveTotals(t, invoices)
	require.Len(t, invoices, 1)
	again, err := b.c.CreateInvoices(ctx, plain.ID)
	require.NoError(t, err)
	require.Empty(t, again)
	b.hooks.take()

	shippingOnly := b.afterpayOrder(t, partner, "CONF-SHIPONLY", carrier, false, cline{product: mug, qty: 1})
	obs["shipping only: order"] = orderStatus(t, b, shippingOnly)
	invoices, err = b.c.CreateInvoices(ctx, shippingOnly)
	require.NoError(t, err)
	obs["shipping only: invoices"] = b.moveTotals(t, invoices)
	return obs
}

// cCustomerPayment: the whole order booked at once as the customer's
// payment in the Afterpay journal, then reconciled with each invoice as the
// deliveries are invoiced; a payment smaller than an invoice; the refusals.
func cCustomerPayment(t *testing.T, b *cbackend) observation {
	ctx := context.Background()
	b.hooks.take()
	obs := observation{}
	partner := b.customer(t, "Conformance Customer Payment", nil)
	widget := b.product(t, "Conformance Widget", "CONF-WDGT", cusd(4000), "consu", "delivery", b.tax10)
	order := b.afterpayOrder(t, partner, "CONF-CPAY", 0, false, cline{product: widget, qty: 2})
	so, err := b.c.ReadSaleOrder(ctx, order)
	require.NoError(t, err)
	require.Equal(t, cusd(8800), so.AmountTotal)
	providerID, methodID, err := b.c.FindAfterpayProvider(ctx)
	require.NoError(t, err)
	tx, err := b.c.EnsureTransaction(ctx, odoo.TransactionSpec{Reference: b.ref("CONF-CPAY"), OrderID: order, PartnerID: partner,
		ProviderID: providerID, PaymentMethodID: methodID, Amount: so.AmountTotal})
	require.NoError(t, err)
	journals, err := b.c.Search(ctx, "account.journal", []any{[]any{"code", "=", provision.DefaultJournalCode}}, nil)
	require.NoError(t, err)
	require.Len(t, journals, 1)

	spec := odoo.CustomerPaymentSpec{PartnerID: partner, Amount: so.AmountTotal, JournalID: journals[0], Memo: b.ref("Afterpay capture CPAY"), TransactionID: tx}
	// The first attempt books without looking (New, three calls); a retry
	// finds it by its memo.
	first := spec
	first.New, first.FirstOfTransaction = true, true
	pay, err := b.c.RegisterCustomerPayment(ctx, first)
	require.NoError(t, err)
	again, err := b.c.RegisterCustomerPayment(ctx, spec)
	require.NoError(t, err)
	require.Equal(t, pay, again)
	obs["payments with the memo"] = count(t, b, "account.payment", []any{"memo", "=", spec.Memo})
	require.Equal(t, 1, obs["payments with the memo"])
	payment := func() observation {
		p := readOne(t, b, "account.payment", pay, nil, "state", "is_reconciled", "payment_type", "partner_type", "amount", "journal_id",
			"payment_transaction_id", "reconciled_invoice_ids", "partner_id")
		residual, err := b.c.PaymentResidual(ctx, pay)
		require.NoError(t, err)
		return observation{"state": text(t, p, "state"), "reconciled": boolean(t, p, "is_reconciled"),
			"type": text(t, p, "payment_type") + "/" + text(t, p, "partner_type"), "amount": amount(t, p, "amount"),
			"journal is Afterpay's": refID(t, p, "journal_id") == journals[0], "transaction is ours": refID(t, p, "payment_transaction_id") == tx,
			"reconciled invoices": len(ids(t, p, "reconciled_invoice_ids")), "partner is ours": refID(t, p, "partner_id") == partner,
			"residual": residual}
	}
	obs["payment booked"] = payment()
	require.Equal(t, observation{"state": "in_process", "reconciled": false, "type": "inbound/customer", "amount": cusd(8800),
		"journal is Afterpay's": true, "transaction is ours": true, "reconciled invoices": 0, "partner is ours": true, "residual": cusd(8800)},
		obs["payment booked"])
	txr, err := b.c.ReadTransaction(ctx, tx)
	require.NoError(t, err)
	obs["transaction's payment is ours"] = txr.PaymentID == pay
	moveID := refID(t, readOne(t, b, "account.payment", pay, nil, "move_id"), "move_id")
	lines, err := b.c.SearchRead(ctx, "account.move.line", []any{[]any{"move_id", "=", moveID}},
		[]string{"account_type", "debit", "credit", "amount_residual", "reconciled", "display_type"}, &odoo.SearchOptions{Order: "id asc"})
	require.NoError(t, err)
	var entry []observation
	for _, l := range lines {
		entry = append(entry, observation{"account type": text(t, l, "account_type"), "debit": amount(t, l, "debit"),
			"credit": amount(t, l, "credit"), "residual": amount(t, l, "amount_residual"), "display type": text(t, l, "display_type")})
	}
	obs["payment's journal items"] = entry

	deliver := func(qty string) {
		t.Helper()
		pickings, err := b.c.OrderPickings(ctx, order)
		require.NoError(t, err)
		open := pickings[len(pickings)-1]
		require.Equal(t, "assigned", open.State)
		_, err = b.c.ValidatePicking(ctx, open.ID, map[int64]string{open.Moves[0].ID: qty}, true)
		require.NoError(t, err)
	}
	deliver("1")
	invoices, err := b.c.CreateInvoices(ctx, order)
	require.NoError(t, err)
	require.Len(t, invoices, 1)
	inv1 := invoices[0]
	require.NoError(t, b.c.ReconcilePayment(ctx, pay, inv1))
	obs["first invoice reconciled"] = b.moveTotals(t, []int64{inv1})
	obs["payment after the first invoice"] = payment()
	require.Equal(t, cusd(4400), obs["payment after the first invoice"].(observation)["residual"])
	require.NoError(t, b.c.ReconcilePayment(ctx, pay, inv1), "twice is harmless")
	// What the client does underneath, raw: Odoo answers None.
	line, err := b.c.SearchRead(ctx, "account.move.line", []any{[]any{"move_id", "=", moveID}, []any{"account_type", "=", "asset_receivable"}}, []string{"id"}, nil)
	require.NoError(t, err)
	require.Len(t, line, 1)
	_, err = b.c.ExecuteKW(ctx, "account.move", "js_assign_outstanding_line", []any{[]any{inv1}, line[0].ID()}, nil)
	obs["js_assign_outstanding_line on a paid invoice"] = faultOf(err)

	deliver("1")
	invoices, err = b.c.CreateInvoices(ctx, order)
	require.NoError(t, err)
	require.Len(t, invoices, 1)
	inv2 := invoices[0]
	require.NoError(t, b.c.ReconcilePayment(ctx, pay, inv2))
	obs["second invoice reconciled"] = b.moveTotals(t, []int64{inv2})
	obs["payment at the end"] = payment()
	require.Equal(t, cusd(0), obs["payment at the end"].(observation)["residual"])
	require.Equal(t, 2, obs["payment at the end"].(observation)["reconciled invoices"])

	// Nothing left on the payment; a smaller payment partly pays an
	// invoice; a paid invoice takes nothing more.
	other := b.afterpayOrder(t, partner, "CONF-CPAY-2", 0, false, cline{product: b.product(t, "Conformance Gadget", "CONF-GDGT", cusd(5000), "consu", "order", b.tax10), qty: 1})
	invoices, err = b.c.CreateInvoices(ctx, other)
	require.NoError(t, err)
	require.Len(t, invoices, 1)
	inv3 := invoices[0]
	err = b.c.ReconcilePayment(ctx, pay, inv3)
	obs["reconcile a used-up payment"] = errors.Is(err, odoo.ErrInvalidState)
	require.ErrorIs(t, err, odoo.ErrInvalidState)
	small, err := b.c.RegisterCustomerPayment(ctx, odoo.CustomerPaymentSpec{PartnerID: partner, Amount: cusd(2000), JournalID: journals[0], Memo: b.ref("Afterpay small")})
	require.NoError(t, err)
	require.NoError(t, b.c.ReconcilePayment(ctx, small, inv3))
	obs["invoice paid by a smaller payment"] = b.moveTotals(t, []int64{inv3})
	residual, err := b.c.PaymentResidual(ctx, small)
	require.NoError(t, err)
	obs["smaller payment's residual"] = residual
	bigger, err := b.c.RegisterCustomerPayment(ctx, odoo.CustomerPaymentSpec{PartnerID: partner, Amount: cusd(10000), JournalID: journals[0], Memo: b.ref("Afterpay bigger")})
	require.NoError(t, err)
	err = b.c.ReconcilePayment(ctx, bigger, inv1)
	obs["reconcile with a paid invoice"] = errors.Is(err, odoo.ErrInvalidState)
	require.ErrorIs(t, err, odoo.ErrInvalidState)
	require.NoError(t, b.c.ReconcilePayment(ctx, bigger, inv3))
	obs["invoice paid by a bigger payment"] = b.moveTotals(t, []int64{inv3})
	residual, err = b.c.PaymentResidual(ctx, bigger)
	require.NoError(t, err)
	obs["bigger payment's residual"] = residual
	require.Equal(t, cusd(10000-3500), residual)
	return obs
}

// cCancel: an Afterpay order delivered in part is cancelled: Odoo's
// cancel wizard, the open backorder cancelled, the done delivery kept, the
// order-cancelled webhook; a quotation is cancelled directly.
func cCancel(t *testing.T, b *cbackend) observation {
	ctx := context.Background()
	b.hooks.take()
	obs := observation{}
	partner := b.customer(t, "Conformance Cancel", nil)
	chair := b.product(t, "Conformance Chair", "CONF-CHAIR", cusd(6000), "consu", "delivery", b.tax10)
	order := b.afterpayOrder(t, partner, "CONF-CANCEL", 0, false, cline{product: chair, qty: 3})
	so, err := b.c.ReadSaleOrder(ctx, order)
	require.NoError(t, err)
	pickings, err := b.c.OrderPickings(ctx, order)
	require.NoError(t, err)
	require.Len(t, pickings, 1)
	backorder, err := b.c.ValidatePicking(ctx, pickings[0].ID, map[int64]string{pickings[0].Moves[0].ID: "1"}, true)
	require.NoError(t, err)
	labels := map[int64]string{order: "the order", pickings[0].ID: "first delivery", backorder: "backorder", chair: "chair"}
	b.hooks.take()

	res, err := b.c.CallMethod(ctx, "sale.order", "action_cancel", []int64{order}, nil)
	require.NoError(t, err)
	action, _ := res.(map[string]any)
	obs["action_cancel answers"] = observation{"type": action["type"], "res_model": action["res_model"], "target": action["target"]}
	require.Equal(t, "sale", text(t, readOne(t, b, "sale.order", order, nil, "state"), "state"), "the wizard cancels nothing yet")
	require.Empty(t, hookBodies(t, b, labels, nil))

	require.NoError(t, b.c.CancelSaleOrder(ctx, order))
	require.NoError(t, b.c.CancelSaleOrder(ctx, order), "twice is harmless")
	obs["webhooks"] = hookBodies(t, b, labels, map[string]string{so.Name: "the order"})
	require.Len(t, obs["webhooks"], 1)
	obs["order"] = orderStatus(t, b, order)
	obs["pickings"] = b.pickings(t, order, labels)
	obs["invoicing"] = b.invoicing(t, order, labels)

	quotation := b.afterpayOrder(t, partner, "CONF-CANCEL-Q", 0, true, cline{product: chair, qty: 1})
	q, err := b.c.ReadSaleOrder(ctx, quotation)
	require.NoError(t, err)
	require.NoError(t, b.c.CancelSaleOrder(ctx, quotation))
	obs["quotation cancelled"] = orderStatus(t, b, quotation)
	obs["webhooks of the quotation"] = hookBodies(t, b, map[int64]string{quotation: "the quotation"}, map[string]string{q.Name: "the quotation"})
	return obs
}
