package odoo_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/odoo-afterpay/bridge/money"
	"github.com/odoo-afterpay/bridge/odoo"
)

func countMoves(s *afterpayOdoo, moveType string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, m := range s.records["account.move"] {
		if m["move_type"] == moveType {
			n++
		}
	}
	return n
}

func TestInvoiceOrderIsRetrySafe(t *testing.T) {
	for _, none := range []bool{false, true} {
		name := "act_window answer"
		if none {
			name = "None fault after commit (transcript 029)"
		}
		t.Run(name, func(t *testing.T) {
			s := newAfterpayOdoo(t)
			s.noneOnCreateInvoices = none
			c, _ := newTestClient(t, s.stubOdoo)
			ctx := context.Background()
			first, err := c.InvoiceOrder(ctx, 37)
			require.NoError(t, err)
			require.Equal(t, []int64{25}, first)
			second, err := c.InvoiceOrder(ctx, 37)
			require.NoError(t, err)
			require.Equal(t, first, second)
			require.Equal(t, 1, countMoves(s, "out_invoice"))
			require.Equal(t, 1, s.callsTo("sale.advance.payment.inv", "create_invoices"))
			wizard := s.lastCall("sale.advance.payment.inv", "create")
			require.Equal(t, []any{map[string]any{"advance_payment_method": "delivered"}}, wizard.Args)
			require.Equal(t, map[string]any{"active_model": "sale.order", "active_ids": []any{int64(37)}, "active_id": int64(37)}, wizard.context())
			require.Equal(t, wizard.context(), s.lastCall("sale.advance.payment.inv", "create_invoices").context())
		})
	}
}

func TestInvoiceOrderSurfacesBusinessErrors(t *testing.T) {
	s := newAfterpayOdoo(t)
	s.on("sale.advance.payment.inv", "create_invoices", func(*stubOdoo, stubCall) (any, error) {
		return nil, &stubFault{Code: 2, String: "Cannot create an invoice. No items are available to invoice."}
	})
	c, _ := newTestClient(t, s.stubOdoo)
	_, err := c.InvoiceOrder(context.Background(), 37)
	require.True(t, odoo.IsBusiness(err))
	f, ok := odoo.AsFault(err)
	require.True(t, ok)
	require.Equal(t, "Cannot create an invoice. No items are available to invoice.", f.Message)
}

func TestPostInvoiceAndReadMove(t *testing.T) {
	s := newAfterpayOdoo(t)
	c, _ := newTestClient(t, s.stubOdoo)
	ctx := context.Background()
	ids, err := c.InvoiceOrder(ctx, 37)
	require.NoError(t, err)
	inv := ids[0]

	draft, err := c.ReadMove(ctx, inv)
	require.NoError(t, err)
	require.Equal(t, "/", draft.Name)
	require.Equal(t, "draft", draft.State)
	require.Equal(t, usd(28313), draft.AmountTotal, "the stub computes Odoo's totals from the lines")

	require.NoError(t, c.PostInvoice(ctx, inv))
	require.NoError(t, c.PostInvoice(ctx, inv))
	require.Equal(t, 1, s.callsTo("account.move", "action_post"))

	posted, err := c.ReadMove(ctx, inv)
	require.NoError(t, err)
	require.Equal(t, &odoo.Move{
		ID: inv, Name: "INV/2026/00025", State: "posted", MoveType: "out_invoice", PaymentState: "not_paid", Currency: "USD",
		AmountUntaxed: usd(24685), AmountTax: usd(3628), AmountTotal: usd(28313), AmountResidual: usd(28313),
		Ref: "AP-ORDER-1001", InvoiceOrigin: "S00037", PartnerID: 42, JournalID: 1, InvoiceLineIDs: posted.InvoiceLineIDs,
	}, posted)
	require.Len(t, posted.InvoiceLineIDs, 3)

	_, err = c.ReadMove(ctx, 999)
	require.ErrorIs(t, err, odoo.ErrNotFound)
	s.rec("account.move", inv)["state"] = "cancel"
	require.ErrorIs(t, c.PostInvoice(ctx, inv), odoo.ErrInvalidState)
}

// postedInvoice invoices order 37 and posts the invoice.
func postedInvoice(t *testing.T, c *odoo.Client) int64 {
	t.Helper()
	ctx := context.Background()
	ids, err := c.InvoiceOrder(ctx, 37)
	require.NoError(t, err)
	require.NoError(t, c.PostInvoice(ctx, ids[0]))
	return ids[0]
}

func TestRegisterPaymentIsRetrySafe(t *testing.T) {
	s := newAfterpayOdoo(t)
	c, _ := newTestClient(t, s.stubOdoo)
	ctx := context.Background()
	inv := postedInvoice(t, c)

	spec := odoo.PaymentSpec{Amount: usd(10000), JournalID: 6, Memo: "Afterpay AP-ORDER-1001 capture 1",
		Date: time.Date(2026, 11, 24, 23, 0, 0, 0, time.UTC)}
	first, err := c.RegisterPayment(ctx, inv, spec)
	require.NoError(t, err)
	second, err := c.RegisterPayment(ctx, inv, spec)
	require.NoError(t, err)
	require.Equal(t, first, second)
	require.Equal(t, 1, s.count("account.payment"))
	wizard := s.lastCall("account.payment.register", "create")
	require.Equal(t, []any{map[string]any{
		"amount": 100.0, "communication": "Afterpay AP-ORDER-1001 capture 1", "payment_date": "2026-11-24",
		"payment_difference_handling": "open", "journal_id": int64(6),
	}}, wizard.Args)
	require.Equal(t, map[string]any{"active_model": "account.move", "active_ids": []any{inv}}, wizard.context())

	move, err := c.ReadMove(ctx, inv)
	require.NoError(t, err)
	require.Equal(t, "partial", move.PaymentState)
	require.Equal(t, usd(18313), move.AmountResidual)

	// The rest, with the wizard answering the None fault after creating the
	// payment: the payment is found by its memo.
	s.noneOnCreatePayments = true
	rest := odoo.PaymentSpec{Amount: usd(18313), Memo: "Afterpay AP-ORDER-1001 capture 2"}
	third, err := c.RegisterPayment(ctx, inv, rest)
	require.NoError(t, err)
	require.NotEqual(t, first, third)
	again, err := c.RegisterPayment(ctx, inv, rest)
	require.NoError(t, err)
	require.Equal(t, third, again)
	require.Equal(t, 2, s.count("account.payment"))
	require.Equal(t, "2026-11-24", s.lastCall("account.payment.register", "create").Args[0].(map[string]any)["payment_date"], "default date from the client's clock")

	_, err = c.RegisterPayment(ctx, inv, odoo.PaymentSpec{Amount: money.MustNew(100, "AUD"), Memo: "wrong currency"})
	require.Error(t, err)
	_, err = c.RegisterPayment(ctx, inv, odoo.PaymentSpec{Amount: usd(100)})
	require.Error(t, err, "a memo is required")
}

func TestCreateCreditNoteFullIsRetrySafe(t *testing.T) {
	s := newAfterpayOdoo(t)
	c, _ := newTestClient(t, s.stubOdoo)
	ctx := context.Background()
	inv := postedInvoice(t, c)

	spec := odoo.CreditNoteSpec{Reason: "Afterpay refund", Ref: "AP-REFUND-5001"}
	first, err := c.CreateCreditNote(ctx, inv, spec)
	require.NoError(t, err)
	second, err := c.CreateCreditNote(ctx, inv, spec)
	require.NoError(t, err)
	require.Equal(t, first, second)
	require.Equal(t, 1, countMoves(s, "out_refund"))
	require.Equal(t, []any{map[string]any{"reason": "Afterpay refund AP-REFUND-5001", "journal_id": int64(1)}},
		s.lastCall("account.move.reversal", "create").Args, "the journal defaults to the invoice's")

	credit, err := c.ReadMove(ctx, first)
	require.NoError(t, err)
	require.Equal(t, "posted", credit.State)
	require.Equal(t, "out_refund", credit.MoveType)
	require.Equal(t, "AP-REFUND-5001", credit.Ref)
	require.Equal(t, inv, credit.ReversedEntryID)
	require.Equal(t, usd(28313), credit.AmountTotal)

	// The refund is paid out on the credit note: an outbound payment.
	pay, err := c.RegisterPayment(ctx, first, odoo.PaymentSpec{Amount: usd(28313), Memo: "Afterpay refund AP-REFUND-5001"})
	require.NoError(t, err)
	require.Equal(t, "outbound", s.rec("account.payment", pay)["payment_type"])
}

func TestCreateCreditNotePartial(t *testing.T) {
	tests := []struct {
		name      string
		lines     []any // order lines of the invoiced order
		amount    int64
		wantTaxed bool
	}{
		// All lines share the 15% tax: one taxed line, as 299-301 (130.53 = 113.50 + 17.03).
		{"shared tax", []any{int64(62), int64(63)}, 13053, true},
		// 1.19 cannot be reached with a 15% line (1.03 → 1.18, 1.04 → 1.20).
		{"unreachable with tax", []any{int64(62), int64(63)}, 119, false},
		// The delivery line has no tax: the amount goes on one untaxed line.
		{"mixed taxes", []any{int64(62), int64(63), int64(64)}, 13053, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newAfterpayOdoo(t)
			s.rec("sale.order", 37)["order_line"] = tt.lines
			c, _ := newTestClient(t, s.stubOdoo)
			ctx := context.Background()
			inv := postedInvoice(t, c)
			amount := usd(tt.amount)
			spec := odoo.CreditNoteSpec{Reason: "Afterpay partial refund", Ref: "AP-REFUND-5002", Amount: &amount}
			id, err := c.CreateCreditNote(ctx, inv, spec)
			require.NoError(t, err)
			again, err := c.CreateCreditNote(ctx, inv, spec)
			require.NoError(t, err)
			require.Equal(t, id, again)
			require.Equal(t, 1, countMoves(s, "out_refund"))

			credit, err := c.ReadMove(ctx, id)
			require.NoError(t, err)
			require.Equal(t, "posted", credit.State)
			require.Equal(t, amount, credit.AmountTotal)
			require.Len(t, credit.InvoiceLineIDs, 1)
			line := s.rec("account.move.line", credit.InvoiceLineIDs[0])
			require.Equal(t, "Afterpay partial refund AP-REFUND-5002", line["name"])
			require.Equal(t, tt.wantTaxed, len(toIDs(line["tax_ids"])) > 0)
		})
	}
}

func TestCreateCreditNoteResumesAfterAFailure(t *testing.T) {
	s := newAfterpayOdoo(t)
	c, _ := newTestClient(t, s.stubOdoo)
	ctx := context.Background()
	inv := postedInvoice(t, c)

	// The first attempt dies (HTTP 502) after refund_moves, when it writes
	// the credit note.
	failed := false
	s.raw = func(call stubCall) (int, []byte, bool) {
		if call.Model == "account.move" && call.Func == "write" && !failed {
			failed = true
			return 502, nil, true
		}
		return 0, nil, false
	}
	amount := usd(5000)
	spec := odoo.CreditNoteSpec{Ref: "AP-REFUND-5003", Amount: &amount}
	_, err := c.CreateCreditNote(ctx, inv, spec)
	require.True(t, odoo.IsRetryable(err), "%v", err)
	require.Equal(t, 1, countMoves(s, "out_refund"))

	id, err := c.CreateCreditNote(ctx, inv, spec)
	require.NoError(t, err)
	require.Equal(t, 1, countMoves(s, "out_refund"), "the draft is found by its ref and finished")
	credit, err := c.ReadMove(ctx, id)
	require.NoError(t, err)
	require.Equal(t, "posted", credit.State)
	require.Equal(t, amount, credit.AmountTotal)
	require.Equal(t, "AP-REFUND-5003", credit.Ref)
}

func TestCreateCreditNoteRefusals(t *testing.T) {
	s := newAfterpayOdoo(t)
	c, _ := newTestClient(t, s.stubOdoo)
	ctx := context.Background()
	ids, err := c.InvoiceOrder(ctx, 37)
	require.NoError(t, err)

	_, err = c.CreateCreditNote(ctx, ids[0], odoo.CreditNoteSpec{Ref: "R1"})
	require.ErrorIs(t, err, odoo.ErrInvalidState, "a draft invoice cannot be reversed")
	require.NoError(t, c.PostInvoice(ctx, ids[0]))
	tooMuch := usd(99999)
	_, err = c.CreateCreditNote(ctx, ids[0], odoo.CreditNoteSpec{Ref: "R1", Amount: &tooMuch})
	require.Error(t, err)
	_, err = c.CreateCreditNote(ctx, ids[0], odoo.CreditNoteSpec{})
	require.Error(t, err, "a ref is required")
	require.Equal(t, 0, countMoves(s, "out_refund"))
}
