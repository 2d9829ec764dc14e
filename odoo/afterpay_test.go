package odoo_test

import (
	"context"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/odoo-afterpay/bridge/odoo"
	"github.com/odoo-afterpay/bridge/odoo/fakeodoo"
)

// tickingClock advances a second at every reading, so that every write
// gets its own write_date.
type tickingClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *tickingClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(time.Second)
	return c.now
}

// startTickingFakeOdoo is startFakeOdoo with a clock that moves.
func startTickingFakeOdoo(t *testing.T) (*fakeodoo.Server, *odoo.Client) {
	t.Helper()
	srv, err := fakeodoo.NewDemo(fakeodoo.Options{Clock: &tickingClock{now: fakeNow}})
	require.NoError(t, err)
	hs := httptest.NewServer(srv)
	t.Cleanup(hs.Close)
	return srv, fakeClient(t, srv, hs.URL, "admin", 0)
}

func TestFakeSetOrderAfterpay(t *testing.T) {
	srv, c := startTickingFakeOdoo(t)
	ctx := context.Background()
	fields := func() (string, string, string) {
		r := fakeRecord(t, srv, "sale.order", 1)
		s := func(k string) string { v, _ := r[k].(string); return v }
		return s("x_afterpay_order_id"), s("x_afterpay_status"), s("x_afterpay_instalments")
	}

	err := c.SetOrderAfterpay(ctx, 1, odoo.OrderAfterpay{Status: "Captured"})
	require.ErrorContains(t, err, "run setup-odoo", "the fields do not exist before provisioning")
	provisioned(t, c)
	confirmedOrder(t, c, 1)

	plan := "4 payments of 35.48 USD"
	require.NoError(t, c.SetOrderAfterpay(ctx, 1, odoo.OrderAfterpay{OrderID: "AP-100", Status: "Captured", Instalments: plan}))
	id, status, instalments := fields()
	require.Equal(t, []string{"AP-100", "Captured", plan}, []string{id, status, instalments})
	written := fakeRecord(t, srv, "sale.order", 1)["write_date"]

	// Nothing to write is no call; the same values again (a retry) change
	// nothing; empty fields are left alone.
	require.NoError(t, c.SetOrderAfterpay(ctx, 1, odoo.OrderAfterpay{}))
	require.Equal(t, written, fakeRecord(t, srv, "sale.order", 1)["write_date"])
	require.NoError(t, c.SetOrderAfterpay(ctx, 1, odoo.OrderAfterpay{OrderID: "AP-100", Status: "Captured", Instalments: plan}))
	id, status, instalments = fields()
	require.Equal(t, []string{"AP-100", "Captured", plan}, []string{id, status, instalments})
	require.NoError(t, c.SetOrderAfterpay(ctx, 1, odoo.OrderAfterpay{Status: "Refunded"}))
	id, status, instalments = fields()
	require.Equal(t, []string{"AP-100", "Refunded", plan}, []string{id, status, instalments})

	require.ErrorIs(t, c.SetOrderAfterpay(ctx, 99999, odoo.OrderAfterpay{Status: "Captured"}), odoo.ErrNotFound)
}

func TestFakeSetMovesAfterpayOrderID(t *testing.T) {
	srv, c := startTickingFakeOdoo(t)
	ctx := context.Background()
	provisioned(t, c)
	inv := fakePostedInvoice(t, c, 1)
	credit, err := c.CreateCreditNote(ctx, inv, odoo.CreditNoteSpec{Ref: "AP-REFUND-1"})
	require.NoError(t, err)

	// Posted invoices and credit notes accept it (as real Odoo does).
	require.NoError(t, c.SetMovesAfterpayOrderID(ctx, []int64{inv, credit, inv}, "AP-100"))
	for _, id := range []int64{inv, credit} {
		r := fakeRecord(t, srv, "account.move", id)
		require.Equal(t, "posted", r["state"])
		require.Equal(t, "AP-100", r["x_afterpay_order_id"])
	}
	require.NoError(t, c.SetMovesAfterpayOrderID(ctx, []int64{inv}, "AP-100"), "a retry writes the same value")
	require.Equal(t, "AP-100", fakeRecord(t, srv, "account.move", inv)["x_afterpay_order_id"])
	require.NoError(t, c.SetMovesAfterpayOrderID(ctx, nil, "AP-100"))
	require.NoError(t, c.SetMovesAfterpayOrderID(ctx, []int64{inv}, "AP-200"))
	require.Equal(t, "AP-200", fakeRecord(t, srv, "account.move", inv)["x_afterpay_order_id"])

	require.Error(t, c.SetMovesAfterpayOrderID(ctx, []int64{inv}, ""))
	require.ErrorIs(t, c.SetMovesAfterpayOrderID(ctx, []int64{inv, 99999}, "AP-100"), odoo.ErrNotFound)
}

// RegisterPayment links the payment to the transaction it records, once,
// whether it created the payment or found it by its memo.
func TestFakeRegisterPaymentLinksTheTransaction(t *testing.T) {
	srv, c := startFakeOdoo(t, 0)
	ctx := context.Background()
	providerID, methodID := provisioned(t, c)
	inv := fakePostedInvoice(t, c, 1)
	tx, err := c.EnsureTransaction(ctx, odoo.TransactionSpec{Reference: "S00001-AP", OrderID: 1, PartnerID: demoJane,
		ProviderID: providerID, PaymentMethodID: methodID, Amount: usd(14190)})
	require.NoError(t, err)
	other, err := c.EnsureTransaction(ctx, odoo.TransactionSpec{Reference: "S00001-AP-2", OrderID: 1, PartnerID: demoJane,
		ProviderID: providerID, PaymentMethodID: methodID, Amount: usd(14190)})
	require.NoError(t, err)

	spec := odoo.PaymentSpec{Amount: usd(14190), JournalID: demoBankJournal, Memo: "Afterpay AP-1 capture", TransactionID: tx}
	pay, err := c.RegisterPayment(ctx, inv, spec)
	require.NoError(t, err)
	require.Equal(t, tx, fakeRecord(t, srv, "account.payment", pay)["payment_transaction_id"])
	require.Equal(t, "paid", fakeRecord(t, srv, "account.payment", pay)["state"])
	again, err := c.RegisterPayment(ctx, inv, spec)
	require.NoError(t, err)
	require.Equal(t, pay, again)
	require.Len(t, fakeRecords(t, srv, "account.payment"), 1)

	// A payment found by its memo without a link gets it.
	require.NoError(t, c.Write(ctx, "account.payment", []int64{pay}, map[string]any{"payment_transaction_id": false}, nil))
	again, err = c.RegisterPayment(ctx, inv, spec)
	require.NoError(t, err)
	require.Equal(t, pay, again)
	require.Equal(t, tx, fakeRecord(t, srv, "account.payment", pay)["payment_transaction_id"])

	// One linked to another transaction is not relinked.
	spec.TransactionID = other
	_, err = c.RegisterPayment(ctx, inv, spec)
	require.ErrorIs(t, err, odoo.ErrInvalidState)
	require.Equal(t, tx, fakeRecord(t, srv, "account.payment", pay)["payment_transaction_id"])
}
