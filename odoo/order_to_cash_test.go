package odoo_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/odoo-afterpay/bridge/odoo"
	"github.com/odoo-afterpay/bridge/odoo/provision"
)

// Order to cash on the fake (demo seed): the Afterpay marker, deliveries,
// invoicing what is delivered, a customer payment reconciled with the
// invoices as they come, cancelling.

// afterpayOrder creates a quotation with the Afterpay payment term
// (provisioned first) and confirms it.
func afterpayOrder(t *testing.T, c *odoo.Client, ref string, lines ...odoo.SaleOrderDraftLine) int64 {
	t.Helper()
	ctx := context.Background()
	term, err := c.FindAfterpayPaymentTerm(ctx)
	require.NoError(t, err)
	id, err := c.CreateSaleOrder(ctx, odoo.SaleOrderDraft{PartnerID: demoJane, ClientOrderRef: ref, PaymentTermID: term, Lines: lines})
	require.NoError(t, err)
	require.NoError(t, c.ConfirmSaleOrder(ctx, id))
	return id
}

func TestFakeReadOrderHeaderMarksAfterpayOrders(t *testing.T) {
	_, c := startFakeOdoo(t, 0)
	ctx := context.Background()

	// Not provisioned: no term, no capture field; the header still reads.
	h, err := c.ReadOrderHeader(ctx, 1, "S00001")
	require.NoError(t, err)
	require.False(t, h.IsAfterpay())
	require.Equal(t, int64(0), h.PaymentTermID)
	require.Equal(t, "", h.CaptureMode)
	_, err = c.FindAfterpayPaymentTerm(ctx)
	require.ErrorIs(t, err, odoo.ErrNotFound)

	provisioned(t, c)
	term, err := c.FindAfterpayPaymentTerm(ctx)
	require.NoError(t, err)
	require.NoError(t, c.Write(ctx, "sale.order", []int64{1}, map[string]any{"payment_term_id": term, odoo.FieldAfterpayCapture: odoo.CaptureDeferred}, nil))
	h, err = c.ReadOrderHeader(ctx, 1, "S00001")
	require.NoError(t, err)
	require.True(t, h.IsAfterpay())
	require.Equal(t, term, h.PaymentTermID)
	require.Equal(t, odoo.PaymentTermName, h.PaymentTerm)
	require.Equal(t, odoo.CaptureDeferred, h.CaptureMode)

	// Another term is no marker; an unset capture mode is "".
	_, immediate, err := c.XMLID(ctx, "account.account_payment_term_immediate")
	require.NoError(t, err)
	require.NoError(t, c.Write(ctx, "sale.order", []int64{2}, map[string]any{"payment_term_id": immediate}, nil))
	h, err = c.ReadOrderHeader(ctx, 2, "S00002")
	require.NoError(t, err)
	require.False(t, h.IsAfterpay())
	require.Equal(t, "Immediate Payment", h.PaymentTerm)
	require.Equal(t, "", h.CaptureMode)
}

// A wallet (on delivery, 10 % tax) ×3 and headphones (on order, 10 %):
// delivered in two parts, invoiced after each.
func TestFakeDeliveriesAndInvoicing(t *testing.T) {
	srv, c := startFakeOdoo(t, 0)
	ctx := context.Background()
	provisioned(t, c)
	order := afterpayOrder(t, c, "O2C-DLV", odoo.SaleOrderDraftLine{ProductID: demoWallet, Quantity: 3},
		odoo.SaleOrderDraftLine{ProductID: demoHeadphones, Quantity: 1})

	pickings, err := c.OrderPickings(ctx, order)
	require.NoError(t, err)
	require.Len(t, pickings, 1)
	p := pickings[0]
	require.Equal(t, "WH/OUT/00001", p.Name)
	require.Equal(t, "assigned", p.State)
	require.Equal(t, "outgoing", p.PickingTypeCode)
	require.Equal(t, "S00006 - O2C-DLV", p.Origin)
	require.Len(t, p.Moves, 2)
	wallet, headphones := p.Moves[0], p.Moves[1]
	require.Equal(t, demoWallet, wallet.ProductID)
	require.Equal(t, "3.0", wallet.Demand)
	require.Equal(t, "3.0", wallet.Quantity, "consumables are reserved at once")
	require.False(t, wallet.Picked)

	inv, err := c.OrderInvoicing(ctx, order)
	require.NoError(t, err)
	require.Equal(t, "to invoice", inv.InvoiceStatus, "the headphones are invoiced on order")
	require.Len(t, inv.Lines, 2)
	require.Equal(t, odoo.InvoicingLine{ID: inv.Lines[0].ID, ProductID: demoWallet, Name: "[AP-WLLT-02] Leather Wallet", InvoicePolicy: "delivery",
		QtyOrdered: "3.0", QtyDelivered: "0.0", QtyInvoiced: "0.0", QtyToInvoice: "0.0", PriceTotal: usd(15015), InvoiceStatus: "no"}, inv.Lines[0])
	require.Equal(t, "order", inv.Lines[1].InvoicePolicy)
	require.Equal(t, "1.0", inv.Lines[1].QtyToInvoice)

	// Ship one wallet and the headphones; the rest on a backorder.
	backorder, err := c.ValidatePicking(ctx, p.ID, map[int64]string{wallet.ID: "1", headphones.ID: "1"}, true)
	require.NoError(t, err)
	require.NotZero(t, backorder)
	again, err := c.ValidatePicking(ctx, p.ID, nil, true)
	require.NoError(t, err)
	require.Equal(t, backorder, again, "validating a done picking again answers its backorder")
	pickings, err = c.OrderPickings(ctx, order)
	require.NoError(t, err)
	require.Len(t, pickings, 2)
	require.Equal(t, "done", pickings[0].State)
	require.False(t, pickings[0].DateDone.IsZero())
	require.Equal(t, "1.0", pickings[0].Moves[0].Demand, "the short move is split")
	require.Equal(t, backorder, pickings[1].ID)
	require.Equal(t, "WH/OUT/00002", pickings[1].Name)
	require.Equal(t, p.ID, pickings[1].BackorderID)
	require.Equal(t, "assigned", pickings[1].State)
	require.Len(t, pickings[1].Moves, 1)
	require.Equal(t, "2.0", pickings[1].Moves[0].Demand)
	so := fakeRecord(t, srv, "sale.order", order)
	require.Equal(t, "partial", so["delivery_status"])

	inv, err = c.OrderInvoicing(ctx, order)
	require.NoError(t, err)
	require.Equal(t, "1.0", inv.Lines[0].QtyDelivered)
	require.Equal(t, "1.0", inv.Lines[0].QtyToInvoice)
	first, err := c.CreateInvoices(ctx, order)
	require.NoError(t, err)
	require.Len(t, first, 1)
	m, err := c.ReadMove(ctx, first[0])
	require.NoError(t, err)
	require.Equal(t, "posted", m.State)
	require.Equal(t, usd(5005+14190), m.AmountTotal, "one wallet and the headphones, taxes included")
	none, err := c.CreateInvoices(ctx, order)
	require.NoError(t, err)
	require.Empty(t, none, "nothing more to invoice until the rest is delivered")

	// The backorder with everything: the rest of the wallets.
	next, err := c.ValidatePicking(ctx, backorder, nil, true)
	require.NoError(t, err)
	require.Zero(t, next)
	second, err := c.CreateInvoices(ctx, order)
	require.NoError(t, err)
	require.Len(t, second, 1)
	m, err = c.ReadMove(ctx, second[0])
	require.NoError(t, err)
	require.Equal(t, usd(10010), m.AmountTotal)
	posted, err := c.PostedInvoices(ctx, order)
	require.NoError(t, err)
	require.Equal(t, []int64{first[0], second[0]}, posted)
	inv, err = c.OrderInvoicing(ctx, order)
	require.NoError(t, err)
	require.Equal(t, "invoiced", inv.InvoiceStatus)
	require.Equal(t, "3.0", inv.Lines[0].QtyInvoiced)
	require.Equal(t, "full", fakeRecord(t, srv, "sale.order", order)["delivery_status"])
}

// A draft invoice an earlier attempt left behind is posted and returned,
// never duplicated.
func TestFakeCreateInvoicesPostsALeftoverDraft(t *testing.T) {
	srv, c := startFakeOdoo(t, 0)
	ctx := context.Background()
	order := confirmedOrder(t, c, 1)
	drafts, err := c.InvoiceOrder(ctx, order) // the draft a lost answer leaves
	require.NoError(t, err)
	require.Len(t, drafts, 1)
	posted, err := c.PostedInvoices(ctx, order)
	require.NoError(t, err)
	require.Empty(t, posted, "a draft is not posted")
	ids, err := c.CreateInvoices(ctx, order)
	require.NoError(t, err)
	require.Equal(t, drafts, ids)
	posted, err = c.PostedInvoices(ctx, order)
	require.NoError(t, err)
	require.Equal(t, ids, posted)
	_, err = c.PostedInvoices(ctx, 999999)
	require.ErrorIs(t, err, odoo.ErrNotFound)
	require.Equal(t, "posted", fakeRecord(t, srv, "account.move", ids[0])["state"])
	require.Len(t, fakeRecords(t, srv, "account.move", []any{"move_type", "=", "out_invoice"}), 1)
}

// Shipping less without a backorder cancels the rest.
func TestFakeValidateWithoutBackorder(t *testing.T) {
	srv, c := startFakeOdoo(t, 0)
	ctx := context.Background()
	order := confirmedOrder(t, c, 4) // 4 mugs, a wallet, shoes
	pickings, err := c.OrderPickings(ctx, order)
	require.NoError(t, err)
	require.Len(t, pickings, 1)
	mugs := pickings[0].Moves[0]
	require.Equal(t, "4.0", mugs.Demand)
	bo, err := c.ValidatePicking(ctx, pickings[0].ID, map[int64]string{mugs.ID: "2"}, false)
	require.NoError(t, err)
	require.Zero(t, bo)
	pickings, err = c.OrderPickings(ctx, order)
	require.NoError(t, err)
	require.Len(t, pickings, 1)
	var states []string
	for _, m := range pickings[0].Moves {
		states = append(states, m.State+" "+m.Quantity)
	}
	require.Equal(t, []string{"done 2.0", "cancel 0.0", "cancel 0.0"}, states)
	require.Equal(t, "full", fakeRecord(t, srv, "sale.order", order)["delivery_status"])
	lines := fakeRecords(t, srv, "sale.order.line", []any{"order_id", "=", order})
	require.Equal(t, 2.0, lines[0]["qty_delivered"])

	_, err = c.ValidatePicking(ctx, pickings[0].ID, map[int64]string{12345: "1"}, false)
	require.NoError(t, err, "a done picking is not validated again")
}

// Without skip_sms the first delivery of the company asks about SMS
// (stock_sms), as a fresh Odoo does; ValidatePicking never sees it.
func TestFakeFirstValidationAsksAboutSMS(t *testing.T) {
	srv, c := startFakeOdoo(t, 0)
	ctx := context.Background()
	order := confirmedOrder(t, c, 2)
	pickings, err := c.OrderPickings(ctx, order)
	require.NoError(t, err)
	res, err := c.CallMethod(ctx, "stock.picking", "button_validate", []int64{pickings[0].ID}, nil)
	require.NoError(t, err)
	action := res.(map[string]any)
	require.Equal(t, "confirm.stock.sms", action["res_model"])
	require.Equal(t, map[string]any{"button_validate_picking_ids": []any{pickings[0].ID}}, action["context"])
	require.Equal(t, "assigned", fakeRecord(t, srv, "stock.picking", pickings[0].ID)["state"], "nothing validated yet")
	_, err = c.CallMethod(ctx, "confirm.stock.sms", "dont_send_sms", []int64{action["res_id"].(int64)}, map[string]any{"context": action["context"]})
	require.NoError(t, err)
	require.Equal(t, "done", fakeRecord(t, srv, "stock.picking", pickings[0].ID)["state"])
	company := fakeRecord(t, srv, "res.company", 1)
	require.Equal(t, false, company["stock_move_sms_validation"])
	require.Equal(t, true, company["has_received_warning_stock_sms"])
}

func TestFakeCustomerPaymentReconciledWithInvoices(t *testing.T) {
	srv, c := startFakeOdoo(t, 0)
	ctx := context.Background()
	providerID, methodID := provisioned(t, c)
	order := afterpayOrder(t, c, "O2C-PAY", odoo.SaleOrderDraftLine{ProductID: demoWallet, Quantity: 2},
		odoo.SaleOrderDraftLine{ProductID: demoHeadphones, Quantity: 1})
	so, err := c.ReadSaleOrder(ctx, order)
	require.NoError(t, err)
	require.Equal(t, usd(10010+14190), so.AmountTotal)
	tx, err := c.EnsureTransaction(ctx, odoo.TransactionSpec{Reference: "O2C-PAY", OrderID: order, PartnerID: demoJane,
		ProviderID: providerID, PaymentMethodID: methodID, Amount: so.AmountTotal})
	require.NoError(t, err)
	journal := fakeRecords(t, srv, "account.journal", []any{"code", "=", provision.DefaultJournalCode})[0]["id"].(int64)

	spec := odoo.CustomerPaymentSpec{PartnerID: demoJane, Amount: so.AmountTotal, JournalID: journal, Memo: "Afterpay AP-O2C capture", TransactionID: tx}
	fresh := spec
	fresh.New, fresh.FirstOfTransaction = true, true
	pay, err := c.RegisterCustomerPayment(ctx, fresh)
	require.NoError(t, err)
	again, err := c.RegisterCustomerPayment(ctx, spec)
	require.NoError(t, err)
	require.Equal(t, pay, again)
	p := fakeRecord(t, srv, "account.payment", pay)
	require.Equal(t, "in_process", p["state"])
	require.Equal(t, journal, p["journal_id"])
	require.Equal(t, tx, p["payment_transaction_id"])
	require.Equal(t, pay, fakeRecord(t, srv, "payment.transaction", tx)["payment_id"])
	residual, err := c.PaymentResidual(ctx, pay)
	require.NoError(t, err)
	require.Equal(t, so.AmountTotal, residual)
	other := spec
	other.Amount = usd(1)
	_, err = c.RegisterCustomerPayment(ctx, other)
	require.ErrorIs(t, err, odoo.ErrInvalidState, "the memo is another payment's")

	// The headphones are invoiced first.
	first, err := c.CreateInvoices(ctx, order)
	require.NoError(t, err)
	require.Len(t, first, 1)
	require.NoError(t, c.ReconcilePayment(ctx, pay, first[0]))
	require.NoError(t, c.ReconcilePayment(ctx, pay, first[0]), "twice is harmless")
	m, err := c.ReadMove(ctx, first[0])
	require.NoError(t, err)
	require.Equal(t, "paid", m.PaymentState)
	residual, err = c.PaymentResidual(ctx, pay)
	require.NoError(t, err)
	require.Equal(t, usd(10010), residual)

	// Then the wallets, once delivered.
	pickings, err := c.OrderPickings(ctx, order)
	require.NoError(t, err)
	_, err = c.ValidatePicking(ctx, pickings[0].ID, nil, true)
	require.NoError(t, err)
	second, err := c.CreateInvoices(ctx, order)
	require.NoError(t, err)
	require.Len(t, second, 1)
	require.NoError(t, c.ReconcilePayment(ctx, pay, second[0]))
	residual, err = c.PaymentResidual(ctx, pay)
	require.NoError(t, err)
	require.Equal(t, usd(0), residual)
	p = fakeRecord(t, srv, "account.payment", pay)
	require.ElementsMatch(t, []int64{first[0], second[0]}, p["reconciled_invoice_ids"])
	require.Equal(t, true, p["is_reconciled"])
	require.Equal(t, "in_process", p["state"], "a payment made for no invoice stays in process in Odoo 18 Community")

	// A paid invoice, an exhausted payment.
	require.ErrorIs(t, c.ReconcilePayment(ctx, pay+1000, first[0]), odoo.ErrNotFound)
	small, err := c.RegisterCustomerPayment(ctx, odoo.CustomerPaymentSpec{PartnerID: demoJane, Amount: usd(500), JournalID: journal, Memo: "small"})
	require.NoError(t, err)
	require.ErrorIs(t, c.ReconcilePayment(ctx, small, first[0]), odoo.ErrInvalidState)
	require.ErrorIs(t, c.ReconcilePayment(ctx, pay, fakePostedInvoice(t, c, 1)), odoo.ErrInvalidState, "nothing left to give")
}

// A payment smaller than the invoice leaves it partly paid.
func TestFakeSmallPaymentPartlyPaysTheInvoice(t *testing.T) {
	_, c := startFakeOdoo(t, 0)
	ctx := context.Background()
	inv := fakePostedInvoice(t, c, 1) // 141.90
	pay, err := c.RegisterCustomerPayment(ctx, odoo.CustomerPaymentSpec{PartnerID: demoJane, Amount: usd(10000), Memo: "part"})
	require.NoError(t, err)
	require.NoError(t, c.ReconcilePayment(ctx, pay, inv))
	m, err := c.ReadMove(ctx, inv)
	require.NoError(t, err)
	require.Equal(t, "partial", m.PaymentState)
	require.Equal(t, usd(4190), m.AmountResidual)
	residual, err := c.PaymentResidual(ctx, pay)
	require.NoError(t, err)
	require.Equal(t, usd(0), residual)
	// A payment of another customer is refused.
	stranger, err := c.RegisterCustomerPayment(ctx, odoo.CustomerPaymentSpec{PartnerID: 11, Amount: usd(4190), Memo: "stranger"})
	require.NoError(t, err)
	require.ErrorIs(t, c.ReconcilePayment(ctx, stranger, inv), odoo.ErrInvalidState)
}

func TestFakeCancelSaleOrder(t *testing.T) {
	srv, c := startFakeOdoo(t, 0)
	ctx := context.Background()
	order := confirmedOrder(t, c, 4)
	require.NoError(t, c.CancelSaleOrder(ctx, order))
	require.NoError(t, c.CancelSaleOrder(ctx, order), "twice is harmless")
	require.Equal(t, "cancel", fakeRecord(t, srv, "sale.order", order)["state"])
	pickings, err := c.OrderPickings(ctx, order)
	require.NoError(t, err)
	require.Len(t, pickings, 1)
	require.Equal(t, "cancel", pickings[0].State)
	require.Equal(t, false, fakeRecord(t, srv, "sale.order", order)["delivery_status"])

	// A quotation is cancelled directly; a locked order is refused.
	require.NoError(t, c.CancelSaleOrder(ctx, 5))
	order3 := confirmedOrder(t, c, 3)
	_, err = c.CallMethod(ctx, "sale.order", "action_lock", []int64{order3}, nil)
	require.True(t, odoo.IsProbablyApplied(err))
	err = c.CancelSaleOrder(ctx, order3)
	require.True(t, odoo.IsBusiness(err), "%v", err)
	require.ErrorContains(t, err, "You cannot cancel a locked order")
}

// hookRecorder receives the automation rules' webhooks.
type hookRecorder struct {
	url  string
	mu   sync.Mutex
	got  []string
	body []map[string]any
}

func (h *hookRecorder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	var m map[string]any
	_ = json.Unmarshal(b, &m)
	h.mu.Lock()
	h.got = append(h.got, r.URL.Path)
	h.body = append(h.body, m)
	h.mu.Unlock()
}

func (h *hookRecorder) take() ([]string, []map[string]any) {
	h.mu.Lock()
	defer h.mu.Unlock()
	got, body := h.got, h.body
	h.got, h.body = nil, nil
	return got, body
}

// The rules post Afterpay orders' confirmations, deliveries, invoices and
// cancellations, and nothing of other orders.
func TestFakeWebhooksOfAfterpayOrders(t *testing.T) {
	_, c := startFakeOdoo(t, 0)
	ctx := context.Background()
	hooks := &hookRecorder{}
	api := httptest.NewServer(hooks)
	t.Cleanup(api.Close)
	_, err := provision.Run(ctx, c, provision.Options{APIBaseURL: api.URL, WebhookToken: "fake-integration-token"})
	require.NoError(t, err)

	plain := confirmedOrder(t, c, 4)
	pickings, err := c.OrderPickings(ctx, plain)
	require.NoError(t, err)
	_, err = c.ValidatePicking(ctx, pickings[0].ID, nil, true)
	require.NoError(t, err)
	_, err = c.CreateInvoices(ctx, plain)
	require.NoError(t, err)
	got, _ := hooks.take()
	require.Empty(t, got, "an order without the Afterpay term sends nothing")

	order := afterpayOrder(t, c, "O2C-HOOKS", odoo.SaleOrderDraftLine{ProductID: demoWallet, Quantity: 2})
	pickings, err = c.OrderPickings(ctx, order)
	require.NoError(t, err)
	bo, err := c.ValidatePicking(ctx, pickings[0].ID, map[int64]string{pickings[0].Moves[0].ID: "1"}, true)
	require.NoError(t, err)
	invoices, err := c.CreateInvoices(ctx, order)
	require.NoError(t, err)
	require.NoError(t, c.CancelSaleOrder(ctx, order))
	got, bodies := hooks.take()
	require.Equal(t, []string{provision.OrderConfirmedPath, provision.DeliveryDonePath, provision.InvoicePostedPath, provision.OrderCancelledPath}, got)
	delete(bodies[1], "_action")
	require.Equal(t, map[string]any{"_id": float64(pickings[0].ID), "_model": "stock.picking", "id": float64(pickings[0].ID),
		"name": "WH/OUT/00002", "state": "done", "sale_id": float64(order), "origin": "S00006 - O2C-HOOKS",
		"picking_type_code": "outgoing", "backorder_id": false}, bodies[1])
	delete(bodies[2], "_action")
	require.Equal(t, map[string]any{"_id": float64(invoices[0]), "_model": "account.move", "id": float64(invoices[0]),
		"name": "INV/2026/00002", "state": "posted", "move_type": "out_invoice", "invoice_origin": "S00006", "amount_total": 50.05}, bodies[2])
	delete(bodies[3], "_action")
	require.Equal(t, map[string]any{"_id": float64(order), "_model": "sale.order", "id": float64(order), "name": "S00006", "state": "cancel"}, bodies[3])
	require.NotZero(t, bo)
}
