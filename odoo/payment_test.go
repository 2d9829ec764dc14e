package odoo_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/odoo-afterpay/bridge/money"
	"github.com/odoo-afterpay/bridge/odoo"
)

func TestFindAfterpayProvider(t *testing.T) {
	s := newAfterpayOdoo(t)
	now := fixedNow
	c, _ := newTestClient(t, s.stubOdoo, func(cfg *odoo.Config) { cfg.Now = func() time.Time { return now } })
	provider, method, err := c.FindAfterpayProvider(context.Background())
	require.NoError(t, err)
	require.Equal(t, int64(17), provider)
	require.Equal(t, int64(4), method, "the archived afterpay method is found (active_test=false)")

	// The ids are cached: every payment needs them, and setup-odoo makes
	// them once.
	delete(s.records["payment.provider"], 17)
	provider, _, err = c.FindAfterpayProvider(context.Background())
	require.NoError(t, err)
	require.Equal(t, int64(17), provider, "cached")

	// For a while: a provider deleted and provisioned again is found anew.
	now = now.Add(11 * time.Minute)
	_, _, err = c.FindAfterpayProvider(context.Background())
	require.ErrorIs(t, err, odoo.ErrNotFound)
}

func TestEnsureTransactionIsRetrySafe(t *testing.T) {
	s := newAfterpayOdoo(t)
	c, _ := newTestClient(t, s.stubOdoo)
	ctx := context.Background()
	spec := odoo.TransactionSpec{
		Reference: "S00037-AP-1", OrderID: 37, PartnerID: 42, ProviderID: 17, PaymentMethodID: 4,
		Amount: usd(28313), ProviderReference: "AP-ORDER-1001",
	}
	first, err := c.EnsureTransaction(ctx, spec)
	require.NoError(t, err)
	second, err := c.EnsureTransaction(ctx, spec)
	require.NoError(t, err)
	require.Equal(t, first, second)
	require.Equal(t, 1, s.count("payment.transaction"))
	require.Equal(t, []any{map[string]any{
		"reference": "S00037-AP-1", "provider_id": int64(17), "payment_method_id": int64(4), "amount": 283.13,
		"currency_id": int64(1), "partner_id": int64(42), "operation": "online_redirect",
		"provider_reference": "AP-ORDER-1001", "sale_order_ids": []any{[]any{int64(6), int64(0), []any{int64(37)}}},
	}}, s.lastCall("payment.transaction", "create").Args)

	// A refund child: amount stored negated, operation refund, in AUD (an
	// archived currency).
	refund, err := c.EnsureTransaction(ctx, odoo.TransactionSpec{
		Reference: "R-S00037-AP-1", PartnerID: 42, ProviderID: 17, PaymentMethodID: 4,
		Amount: money.MustNew(5000, "AUD"), ProviderReference: "REFUND-1", SourceTransactionID: first,
	})
	require.NoError(t, err)
	require.NotEqual(t, first, refund)
	vals := s.lastCall("payment.transaction", "create").Args[0].(map[string]any)
	require.Equal(t, -50.0, vals["amount"])
	require.Equal(t, "refund", vals["operation"])
	require.Equal(t, int64(2), vals["currency_id"])
	require.Equal(t, first, vals["source_transaction_id"])

	_, err = c.EnsureTransaction(ctx, odoo.TransactionSpec{PartnerID: 42, ProviderID: 17, PaymentMethodID: 4, Amount: usd(1)})
	require.Error(t, err, "a reference is required")
}

func TestEnsureTransactionLosesTheRaceGracefully(t *testing.T) {
	s := newAfterpayOdoo(t)
	c, _ := newTestClient(t, s.stubOdoo)
	// Another worker creates the transaction between our look-up and our
	// create; ours then fails on the unique reference.
	searches := 0
	s.on("payment.transaction", "search", func(st *stubOdoo, call stubCall) (any, error) {
		searches++
		if searches == 1 {
			_, err := st.create("payment.transaction", map[string]any{"reference": "S00037-AP-1"})
			return []any{}, err
		}
		ids, err := st.search("payment.transaction", call.Args[0].([]any), call.Kwargs, call.context())
		return idsToAny(ids), err
	})
	id, err := c.EnsureTransaction(context.Background(), odoo.TransactionSpec{
		Reference: "S00037-AP-1", OrderID: 37, PartnerID: 42, ProviderID: 17, PaymentMethodID: 4, Amount: usd(28313),
	})
	require.NoError(t, err)
	require.Equal(t, int64(1), id)
	require.Equal(t, 1, s.count("payment.transaction"))
}

func TestSetAndReadTransaction(t *testing.T) {
	s := newAfterpayOdoo(t)
	c, _ := newTestClient(t, s.stubOdoo)
	ctx := context.Background()
	id, err := c.EnsureTransaction(ctx, odoo.TransactionSpec{
		Reference: "S00037-AP-1", OrderID: 37, PartnerID: 42, ProviderID: 17, PaymentMethodID: 4, Amount: usd(28313),
	})
	require.NoError(t, err)
	s.put("account.payment", 5, map[string]any{"name": "PBNK1/2026/00005"})

	upd := odoo.TransactionUpdate{State: odoo.TxStateDone, Message: "Captured by Afterpay", ProviderReference: "AP-CAPTURE-778899", PaymentID: 5, InvoiceIDs: []int64{25}}
	require.NoError(t, c.SetTransactionState(ctx, id, upd))
	require.NoError(t, c.SetTransactionState(ctx, id, upd), "writing the same state again is harmless")
	require.Equal(t, []any{[]any{id}, map[string]any{
		"state": "done", "state_message": "Captured by Afterpay", "last_state_change": "2026-11-24 02:25:06",
		"is_post_processed": true, "provider_reference": "AP-CAPTURE-778899", "payment_id": int64(5),
		"invoice_ids": []any{[]any{int64(6), int64(0), []any{int64(25)}}},
	}}, s.lastCall("payment.transaction", "write").Args)

	tx, err := c.ReadTransaction(ctx, id)
	require.NoError(t, err)
	require.Equal(t, &odoo.Transaction{
		ID: id, Reference: "S00037-AP-1", ProviderReference: "AP-CAPTURE-778899", State: "done",
		StateMessage: "Captured by Afterpay", Amount: usd(28313), PartnerID: 42, ProviderID: 17, PaymentMethodID: 4,
		Operation: "online_redirect", SaleOrderIDs: []int64{37}, InvoiceIDs: []int64{25}, PaymentID: 5,
		IsPostProcessed: true, LastStateChange: time.Date(2026, 11, 24, 2, 25, 6, 0, time.UTC),
	}, tx)

	require.Error(t, c.SetTransactionState(ctx, id, odoo.TransactionUpdate{State: "captured"}))
	err = c.SetTransactionState(ctx, 999, odoo.TransactionUpdate{State: odoo.TxStateCancel})
	require.ErrorIs(t, err, odoo.ErrNotFound)
	require.True(t, odoo.IsBusiness(err))
	_, err = c.ReadTransaction(ctx, 999)
	require.ErrorIs(t, err, odoo.ErrNotFound)
}
