package odoo_test

import (
	"context"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/odoo-afterpay/bridge/odoo"
)

// The order's books as the payment reads them (ReadOrderMoves), and its
// invoicing in as few calls as Odoo allows (InvoiceOrderNow, which reads
// the new invoice from the wizard's answer, and PostDraftInvoice).
func init() {
	cscenarios = append(cscenarios, cscenario{"order books", cOrderBooks})
}

func cOrderBooks(t *testing.T, b *cbackend) observation {
	ctx := context.Background()
	obs := observation{}
	partner := b.customer(t, "Conformance Books", nil)
	lamp := b.product(t, "Conformance Books Lamp", "CONF-BOOKS-LAMP", cusd(4000), "consu", "order", b.tax10)
	rug := b.product(t, "Conformance Books Rug", "CONF-BOOKS-RUG", cusd(2500), "consu", "delivery", b.tax10)
	order := b.afterpayOrder(t, partner, "CONF-BOOKS", 0, false, cline{product: lamp, qty: 1}, cline{product: rug, qty: 2})
	b.hooks.take()

	books := func(moves *odoo.OrderMoves) observation {
		var list []observation
		for _, m := range moves.Moves {
			list = append(list, observation{"type": m.MoveType, "state": m.State, "total": m.AmountTotal.String(),
				"residual": m.AmountResidual.String(), "linked": moves.Linked[m.ID], "reverses invoice": m.ReversedEntryID != 0,
				"afterpay order": moves.AfterpayOrderIDs[m.ID]})
		}
		return observation{"invoice status": moves.InvoiceStatus, "invoiceable": moves.Invoiceable, "moves": list,
			"drafts": len(moves.Drafts()), "credited": moves.Credited()}
	}

	// Goods invoiced on delivery and a delivery line: Odoo's order says
	// "no", its wizard invoices the delivery line all the same.
	carrier := b.carrier(t, "Conformance Courier Books")
	shipped := b.afterpayOrder(t, partner, "CONF-BOOKS-SHIP", carrier, false, cline{product: rug, qty: 1})
	shipBefore, err := b.c.ReadOrderMoves(ctx, shipped)
	require.NoError(t, err)
	obs["delivery line only: before"] = books(shipBefore)
	shipDrafts, err := b.c.InvoiceOrderNow(ctx, shipped, shipBefore)
	require.NoError(t, err)
	obs["delivery line only: drafts made"] = len(shipDrafts)
	before, err := b.c.ReadOrderMoves(ctx, order)
	require.NoError(t, err)
	obs["before"] = books(before)

	drafts, err := b.c.InvoiceOrderNow(ctx, order, before)
	require.NoError(t, err)
	require.Len(t, drafts, 1, "the lamp, invoiced on order")
	obs["drafts made"] = len(drafts)
	drafted, err := b.c.ReadOrderMoves(ctx, order)
	require.NoError(t, err)
	require.Equal(t, drafts, drafted.Drafts(), "the wizard's answer names the invoice it made")
	require.NoError(t, b.c.PostDraftInvoice(ctx, drafts[0]))
	// Named and read back in one call (web_save), as the order's books
	// read them.
	named, err := b.c.NameMovesAndRead(ctx, drafts, b.ref("AP-BOOKS"))
	require.NoError(t, err)
	posted, err := b.c.ReadOrderMoves(ctx, order)
	require.NoError(t, err)
	require.Len(t, named.Moves, 1)
	require.Equal(t, posted.Moves[slices.IndexFunc(posted.Moves, func(m odoo.Move) bool { return m.ID == drafts[0] })], named.Moves[0])
	require.Equal(t, posted.AfterpayOrderIDs[drafts[0]], named.AfterpayOrderIDs[drafts[0]])
	obs["named and read back"] = observation{"state": named.Moves[0].State, "total": named.Moves[0].AmountTotal.String(),
		"payments": len(named.PaymentsOpen)}
	obs["posted"] = books(posted)
	require.Equal(t, b.ref("AP-BOOKS"), posted.AfterpayOrderIDs[drafts[0]])
	obs["afterpay order on the invoice"] = posted.AfterpayOrderIDs[drafts[0]] == b.ref("AP-BOOKS")
	delete(obs["posted"].(observation)["moves"].([]observation)[0], "afterpay order")

	// Odoo's wizard does not hand the caller's context defaults to the
	// invoices it makes (so the Afterpay order is written after).
	obs["a context default reaches the wizard's invoice"] = cWizardTakesDefault(t, b, partner, lamp)

	// Nothing more to invoice until the rugs are delivered.
	again, err := b.c.InvoiceOrderNow(ctx, order, posted)
	require.NoError(t, err)
	require.Empty(t, again)

	// A partial credit note reverses the invoice with a line of its own: it
	// is among the order's books, and does not hold its invoicing.
	part := cusd(1000)
	_, err = b.c.CreateCreditNote(ctx, drafts[0], odoo.CreditNoteSpec{Ref: b.ref("CONF-BOOKS-R1"), Amount: &part})
	require.NoError(t, err)
	credited, err := b.c.ReadOrderMoves(ctx, order)
	require.NoError(t, err)
	after := books(credited)
	for _, m := range after["moves"].([]observation) {
		delete(m, "afterpay order")
	}
	obs["after a partial credit note"] = after
	b.hooks.take()
	return obs
}

// cWizardTakesDefault invoices a new order through the wizard with
// default_x_afterpay_order_id in the call's context, and says whether the
// invoice has it.
func cWizardTakesDefault(t *testing.T, b *cbackend, partner, product int64) bool {
	t.Helper()
	ctx := context.Background()
	order := b.afterpayOrder(t, partner, "CONF-BOOKS-DEFAULT", 0, false, cline{product: product, qty: 1})
	wizCtx := map[string]any{"active_model": "sale.order", "active_ids": []any{order}, "active_id": order,
		"default_" + odoo.FieldAfterpayOrderID: b.ref("AP-DEFAULT")}
	wiz, err := b.c.Create(ctx, "sale.advance.payment.inv", map[string]any{"advance_payment_method": "delivered"}, wizCtx)
	require.NoError(t, err)
	_, err = b.c.CallMethod(ctx, "sale.advance.payment.inv", "create_invoices", []int64{wiz}, map[string]any{"context": wizCtx})
	require.NoError(t, err)
	moves, err := b.c.ReadOrderMoves(ctx, order)
	require.NoError(t, err)
	require.Len(t, moves.Drafts(), 1)
	return moves.AfterpayOrderIDs[moves.Drafts()[0]] != ""
}
