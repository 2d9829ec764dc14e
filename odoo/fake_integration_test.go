package odoo_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/odoo-afterpay/bridge/money"
	"github.com/odoo-afterpay/bridge/odoo"
	"github.com/odoo-afterpay/bridge/odoo/fakeodoo"
	"github.com/odoo-afterpay/bridge/odoo/provision"
)

// These tests run the client against the project's fake Odoo 18 (demo seed),
// which implements the server's business rules (taxes, invoicing, payments,
// reconciliation, reversals, chatter) rather than replaying fixed answers.
// The demo data is documented on fakeodoo.NewDemo; the amounts expected here
// come from that documentation.

// fakeClock is the fake server's clock; fakeNow is also the client's.
type fakeClock struct{}

var fakeNow = time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)

func (fakeClock) Now() time.Time { return fakeNow }

// Demo seed ids (fakeodoo/demo.go). Headphones, the phone case and the
// gift card are invoiced on order; the wallet, shoes and mugs on delivery,
// so demo orders S00002-S00004 are delivered (deliverOrder) before they are
// invoiced.
const (
	demoJane        = int64(10)
	demoHeadphones  = int64(1)
	demoWallet      = int64(2)
	demoShoes       = int64(3)
	demoMug         = int64(4)
	demoPhoneCase   = int64(10) // 19.99, 10 % tax, invoiced on order
	demoGiftCard    = int64(11) // 50.00, no tax, invoiced on order
	demoBankJournal = int64(2)
	demoSaleJournal = int64(1)
)

// startFakeOdoo serves a demo fake Odoo on loopback and returns it with a
// client configured with timeout (0 = 5 s).
func startFakeOdoo(t *testing.T, timeout time.Duration) (*fakeodoo.Server, *odoo.Client) {
	t.Helper()
	srv, url := serveFakeOdoo(t)
	return srv, fakeClient(t, srv, url, "admin", timeout)
}

func serveFakeOdoo(t *testing.T) (*fakeodoo.Server, string) {
	t.Helper()
	srv, err := fakeodoo.NewDemo(fakeodoo.Options{Clock: fakeClock{}})
	require.NoError(t, err)
	hs := httptest.NewServer(srv)
	t.Cleanup(hs.Close)
	return srv, hs.URL
}

func fakeClient(t *testing.T, srv *fakeodoo.Server, url, password string, timeout time.Duration) *odoo.Client {
	t.Helper()
	if timeout == 0 {
		timeout = 5 * time.Second
	}
	c, err := odoo.NewClient(odoo.Config{
		URL: url, Database: srv.Database(), Username: "admin", Password: password,
		Timeout: timeout, Now: func() time.Time { return fakeNow },
	})
	require.NoError(t, err)
	return c
}

// fakeRecords returns the fake's committed records of model matching domain.
func fakeRecords(t *testing.T, srv *fakeodoo.Server, model string, domain ...any) []map[string]any {
	t.Helper()
	recs, err := srv.Records(model, domain...)
	require.NoError(t, err)
	return recs
}

func fakeRecord(t *testing.T, srv *fakeodoo.Server, model string, id int64) map[string]any {
	t.Helper()
	rec, err := srv.Record(model, id)
	require.NoError(t, err)
	return rec
}

func aud(minor int64) money.Money { return money.MustNew(minor, "AUD") }

// confirmedOrder confirms demo quotation id and returns it.
func confirmedOrder(t *testing.T, c *odoo.Client, id int64) int64 {
	t.Helper()
	require.NoError(t, c.ConfirmSaleOrder(context.Background(), id))
	return id
}

// deliverOrder marks every line of a confirmed order delivered, as
// validating its delivery would (the fake has no stock pickings; it takes
// qty_delivered written by hand).
func deliverOrder(t *testing.T, c *odoo.Client, orderID int64) {
	t.Helper()
	ctx := context.Background()
	lines, err := c.SearchRead(ctx, "sale.order.line", []any{[]any{"order_id", "=", orderID}}, []string{"product_uom_qty"}, nil)
	require.NoError(t, err)
	for _, l := range lines {
		require.NoError(t, c.Write(ctx, "sale.order.line", []int64{l.ID()}, map[string]any{"qty_delivered": l["product_uom_qty"]}, nil))
	}
}

// fakePostedInvoice confirms, delivers and invoices demo order id and posts
// the invoice.
func fakePostedInvoice(t *testing.T, c *odoo.Client, orderID int64) int64 {
	t.Helper()
	ctx := context.Background()
	confirmedOrder(t, c, orderID)
	deliverOrder(t, c, orderID)
	ids, err := c.InvoiceOrder(ctx, orderID)
	require.NoError(t, err)
	require.Len(t, ids, 1)
	require.NoError(t, c.PostInvoice(ctx, ids[0]))
	return ids[0]
}

func TestFakeReadSaleOrder(t *testing.T) {
	srv, c := startFakeOdoo(t, 0)
	ctx := context.Background()

	type line struct {
		sku, qty, discount         string
		unit, subtotal, tax, total money.Money
		isDelivery                 bool
		productID                  int64
	}
	tests := []struct {
		id                   int64
		name, ref, customer  string
		untaxed, tax, total  money.Money
		city, zip, state, cc string
		lines                []line
	}{
		{
			id: 1, name: "S00001", ref: "DEMO-1001", customer: "Jane Cooper",
			untaxed: usd(12900), tax: usd(1290), total: usd(14190),
			city: "San Francisco", zip: "94105", state: "CA", cc: "US",
			lines: []line{{sku: "AP-HDPH-01", qty: "1.0", discount: "0.0", productID: demoHeadphones,
				unit: usd(12900), subtotal: usd(12900), tax: usd(1290), total: usd(14190)}},
		},
		{
			// 2 × 89.99 less 15 % = 152.983, rounded per line to 152.98.
			id: 2, name: "S00002", ref: "DEMO-1002", customer: "Marcus Lee",
			untaxed: usd(15298), tax: usd(0), total: usd(15298),
			city: "New York", zip: "10118", state: "NY", cc: "US",
			lines: []line{{sku: "AP-SHOE-03", qty: "2.0", discount: "15.0",
				unit: usd(8999), subtotal: usd(15298), tax: usd(0), total: usd(15298)}},
		},
		{
			id: 3, name: "S00003", ref: "DEMO-1003", customer: "Priya Patel",
			untaxed: usd(5300), tax: usd(0), total: usd(5300),
			city: "Austin", zip: "78701", state: "TX", cc: "US",
			lines: []line{
				{sku: "AP-WLLT-02", qty: "1.0", discount: "0.0", unit: usd(4550), subtotal: usd(4550), tax: usd(0), total: usd(4550)},
				{sku: "DELIVERY_STD", qty: "1.0", discount: "0.0", unit: usd(750), subtotal: usd(750), tax: usd(0), total: usd(750), isDelivery: true},
			},
		},
		{
			// Mugs 48.00 + 4.80, wallet 45.50 + 4.55, shoes 89.99 untaxed.
			id: 4, name: "S00004", ref: "DEMO-1004", customer: "Jane Cooper",
			untaxed: usd(18349), tax: usd(935), total: usd(19284),
			city: "San Francisco", zip: "94105", state: "CA", cc: "US",
			lines: []line{
				{sku: "AP-MUG-04", qty: "4.0", discount: "0.0", unit: usd(1200), subtotal: usd(4800), tax: usd(480), total: usd(5280)},
				{sku: "AP-WLLT-02", qty: "1.0", discount: "0.0", unit: usd(4550), subtotal: usd(4550), tax: usd(455), total: usd(5005)},
				{sku: "AP-SHOE-03", qty: "1.0", discount: "0.0", unit: usd(8999), subtotal: usd(8999), tax: usd(0), total: usd(8999)},
			},
		},
		{
			id: 5, name: "S00005", ref: "DEMO-1005", customer: "Oliver Smith",
			untaxed: aud(19900), tax: aud(1990), total: aud(21890),
			city: "Sydney", zip: "2000", state: "NSW", cc: "AU",
			lines: []line{{sku: "AP-HDPH-01", qty: "1.0", discount: "0.0",
				unit: aud(19900), subtotal: aud(19900), tax: aud(1990), total: aud(21890)}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			so, err := c.ReadSaleOrder(ctx, tt.id)
			require.NoError(t, err)
			require.Equal(t, tt.id, so.ID)
			require.Equal(t, tt.name, so.Name)
			require.Equal(t, "draft", so.State)
			require.False(t, so.Locked)
			require.Equal(t, tt.total.Currency, so.Currency)
			require.Equal(t, tt.untaxed, so.AmountUntaxed)
			require.Equal(t, tt.tax, so.AmountTax)
			require.Equal(t, tt.total, so.AmountTotal)
			require.Equal(t, int64(1), so.CompanyID)
			require.Equal(t, tt.ref, so.ClientOrderRef)
			require.False(t, so.DateOrder.IsZero())
			require.Empty(t, so.InvoiceIDs)
			require.Empty(t, so.TransactionIDs)

			for _, p := range []odoo.Partner{so.Partner, so.InvoiceAddress, so.ShippingAddress} {
				require.Equal(t, tt.customer, p.Name)
				require.Equal(t, tt.city, p.City)
				require.Equal(t, tt.zip, p.Zip)
				require.Equal(t, tt.state, p.StateCode)
				require.Equal(t, tt.cc, p.CountryCode)
				require.NotEmpty(t, p.Street)
				require.NotEmpty(t, p.StateName)
				require.Contains(t, p.Email, "@example.com")
				require.NotEmpty(t, p.Phone)
			}

			require.Len(t, so.Lines, len(tt.lines))
			var sumSubtotal, sumTax int64
			for i, want := range tt.lines {
				got := so.Lines[i]
				require.Equal(t, want.sku, got.SKU, "line %d", i)
				require.Contains(t, got.ProductName, want.sku, "line %d display name carries the SKU", i)
				require.NotZero(t, got.ProductID)
				if want.productID != 0 {
					require.Equal(t, want.productID, got.ProductID)
				}
				require.NotEmpty(t, got.Name)
				require.Equal(t, want.qty, got.Quantity, "line %d", i)
				require.Equal(t, want.discount, got.DiscountPercent, "line %d", i)
				require.Equal(t, want.unit, got.PriceUnit, "line %d", i)
				require.Equal(t, want.subtotal, got.PriceSubtotal, "line %d", i)
				require.Equal(t, want.tax, got.PriceTax, "line %d", i)
				require.Equal(t, want.total, got.PriceTotal, "line %d", i)
				require.Equal(t, want.isDelivery, got.IsDelivery, "line %d", i)
				require.Empty(t, got.DisplayType)
				sumSubtotal += got.PriceSubtotal.Minor
				sumTax += got.PriceTax.Minor
			}
			require.Equal(t, so.AmountUntaxed.Minor, sumSubtotal, "the lines add up to the order")
			require.Equal(t, so.AmountTax.Minor, sumTax)
		})
	}

	t.Run("separate delivery address", func(t *testing.T) {
		nyID := fakeRecords(t, srv, "res.country.state", []any{"code", "=", "NY"})[0]["id"]
		usID := fakeRecords(t, srv, "res.country", []any{"code", "=", "US"})[0]["id"]
		shipTo, err := c.Create(ctx, "res.partner", map[string]any{
			"name": "Jane Cooper", "type": "delivery", "parent_id": demoJane, "street": "20 W 34th St",
			"street2": "Floor 3", "city": "New York", "zip": "10001", "state_id": nyID, "country_id": usID,
		}, nil)
		require.NoError(t, err)
		require.NoError(t, c.Write(ctx, "sale.order", []int64{1}, map[string]any{"partner_shipping_id": shipTo}, nil))
		so, err := c.ReadSaleOrder(ctx, 1)
		require.NoError(t, err)
		require.Equal(t, demoJane, so.Partner.ID)
		require.Equal(t, demoJane, so.InvoiceAddress.ID)
		require.Equal(t, "San Francisco", so.InvoiceAddress.City)
		require.Equal(t, shipTo, so.ShippingAddress.ID)
		require.Equal(t, "20 W 34th St", so.ShippingAddress.Street)
		require.Equal(t, "Floor 3", so.ShippingAddress.Street2)
		require.Equal(t, "New York", so.ShippingAddress.City)
		require.Equal(t, "10001", so.ShippingAddress.Zip)
		require.Equal(t, "NY", so.ShippingAddress.StateCode)
		require.Equal(t, "New York", so.ShippingAddress.StateName)
		require.Equal(t, "US", so.ShippingAddress.CountryCode)
	})

	_, err := c.ReadSaleOrder(ctx, 99999)
	require.ErrorIs(t, err, odoo.ErrNotFound)
}

// ReadSaleOrder is one object call: the order's lines, products, partners,
// countries and states come with it in one web_read.
func TestFakeReadSaleOrderIsOneCall(t *testing.T) {
	srv, err := fakeodoo.NewDemo(fakeodoo.Options{Clock: fakeClock{}})
	require.NoError(t, err)
	var mu sync.Mutex
	var calls []string
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		calls = append(calls, r.URL.Path)
		mu.Unlock()
		srv.ServeHTTP(w, r)
	}))
	t.Cleanup(hs.Close)
	c := fakeClient(t, srv, hs.URL, "admin", 0)
	ctx := context.Background()
	_, err = c.Authenticate(ctx)
	require.NoError(t, err)
	mu.Lock()
	calls = nil
	mu.Unlock()

	// Odoo is not provisioned: the first read learns there is no
	// x_afterpay_capture, and reads without it.
	so, err := c.ReadSaleOrder(ctx, 3)
	require.NoError(t, err)
	require.Empty(t, so.CaptureMode)
	mu.Lock()
	require.Equal(t, []string{"/xmlrpc/2/object", "/xmlrpc/2/object"}, calls)
	calls = nil
	mu.Unlock()

	so, err = c.ReadSaleOrder(ctx, 3)
	require.NoError(t, err)
	require.Len(t, so.Lines, 2)
	require.Equal(t, "TX", so.ShippingAddress.StateCode)
	mu.Lock()
	defer mu.Unlock()
	require.Equal(t, []string{"/xmlrpc/2/object"}, calls)
}

func TestFakeFindSaleOrderByName(t *testing.T) {
	_, c := startFakeOdoo(t, 0)
	ctx := context.Background()
	so, err := c.FindSaleOrderByName(ctx, "S00003")
	require.NoError(t, err)
	require.Equal(t, int64(3), so.ID)
	require.Equal(t, "Priya Patel", so.Partner.Name)
	require.Len(t, so.Lines, 2)

	_, err = c.FindSaleOrderByName(ctx, "S99999")
	require.ErrorIs(t, err, odoo.ErrNotFound)
}

func TestFakeCreateAndConfirmSaleOrder(t *testing.T) {
	srv, c := startFakeOdoo(t, 0)
	ctx := context.Background()
	price := usd(1000)
	draft := odoo.SaleOrderDraft{
		PartnerID: demoJane, ClientOrderRef: "fake-it-1",
		Lines: []odoo.SaleOrderDraftLine{
			{ProductID: demoHeadphones, Quantity: 2},
			{ProductID: demoMug, Quantity: 3, PriceUnit: &price, TaxIDs: []int64{}},
		},
	}
	id, err := c.CreateSaleOrder(ctx, draft)
	require.NoError(t, err)
	again, err := c.CreateSaleOrder(ctx, draft)
	require.NoError(t, err)
	require.Equal(t, id, again, "the client order ref finds the first quotation")
	require.Len(t, fakeRecords(t, srv, "sale.order", []any{"client_order_ref", "=", "fake-it-1"}), 1)

	so, err := c.ReadSaleOrder(ctx, id)
	require.NoError(t, err)
	require.Equal(t, "draft", so.State)
	require.Equal(t, "S00006", so.Name)
	require.Equal(t, "fake-it-1", so.ClientOrderRef)
	// 2 × 129.00 + 10 % and 3 × 10.00 untaxed.
	require.Equal(t, usd(25800+3000), so.AmountUntaxed)
	require.Equal(t, usd(2580), so.AmountTax)
	require.Equal(t, usd(25800+2580+3000), so.AmountTotal)
	require.Len(t, so.Lines, 2)
	require.Equal(t, usd(1000), so.Lines[1].PriceUnit)
	require.Equal(t, usd(0), so.Lines[1].PriceTax)

	require.NoError(t, c.ConfirmSaleOrder(ctx, id))
	require.NoError(t, c.ConfirmSaleOrder(ctx, id), "confirming twice is harmless")
	require.Equal(t, "sale", fakeRecord(t, srv, "sale.order", id)["state"])
	so, err = c.ReadSaleOrder(ctx, id)
	require.NoError(t, err)
	require.Equal(t, "sale", so.State)

	// A cancelled order cannot be confirmed.
	_, err = c.CallMethod(ctx, "sale.order", "action_cancel", []int64{2}, nil)
	require.NoError(t, err)
	require.ErrorIs(t, c.ConfirmSaleOrder(ctx, 2), odoo.ErrInvalidState)
}

func TestFakeFindAfterpayProvider(t *testing.T) {
	srv, c := startFakeOdoo(t, 0)
	ctx := context.Background()
	_, _, err := c.FindAfterpayProvider(ctx)
	require.ErrorIs(t, err, odoo.ErrNotFound, "not provisioned yet")

	providerID, methodID := provisioned(t, c)
	providers := fakeRecords(t, srv, "payment.provider", []any{"name", "=", odoo.ProviderName})
	require.Len(t, providers, 1)
	require.Equal(t, providers[0]["id"], providerID)
	methods := fakeRecords(t, srv, "payment.method", []any{"code", "=", odoo.PaymentMethodCode})
	require.Len(t, methods, 1)
	require.Equal(t, methods[0]["id"], methodID)
	require.Contains(t, providers[0]["payment_method_ids"], methodID)
}

// provisioned runs provisioning and returns the Afterpay provider and method.
func provisioned(t *testing.T, c *odoo.Client) (providerID, methodID int64) {
	t.Helper()
	ctx := context.Background()
	_, err := provision.Run(ctx, c, provision.Options{APIBaseURL: "http://127.0.0.1:9", WebhookToken: "fake-integration-token"})
	require.NoError(t, err)
	providerID, methodID, err = c.FindAfterpayProvider(ctx)
	require.NoError(t, err)
	return providerID, methodID
}

func TestFakeTransactions(t *testing.T) {
	srv, c := startFakeOdoo(t, 0)
	ctx := context.Background()
	providerID, methodID := provisioned(t, c)
	order := confirmedOrder(t, c, 1)

	spec := odoo.TransactionSpec{
		Reference: "S00001-AP-1", OrderID: order, PartnerID: demoJane, ProviderID: providerID, PaymentMethodID: methodID,
		Amount: usd(14190), ProviderReference: "AP-ORDER-1",
	}
	first, err := c.EnsureTransaction(ctx, spec)
	require.NoError(t, err)
	second, err := c.EnsureTransaction(ctx, spec)
	require.NoError(t, err)
	require.Equal(t, first, second)
	require.Len(t, fakeRecords(t, srv, "payment.transaction", []any{"reference", "=", "S00001-AP-1"}), 1)

	tx, err := c.ReadTransaction(ctx, first)
	require.NoError(t, err)
	require.Equal(t, "S00001-AP-1", tx.Reference)
	require.Equal(t, "AP-ORDER-1", tx.ProviderReference)
	require.Equal(t, odoo.TxStateDraft, tx.State)
	require.Equal(t, usd(14190), tx.Amount)
	require.Equal(t, demoJane, tx.PartnerID)
	require.Equal(t, providerID, tx.ProviderID)
	require.Equal(t, methodID, tx.PaymentMethodID)
	require.Equal(t, odoo.TxOperationOnlineRedirect, tx.Operation)
	require.Equal(t, []int64{order}, tx.SaleOrderIDs)
	so, err := c.ReadSaleOrder(ctx, order)
	require.NoError(t, err)
	require.Equal(t, []int64{first}, so.TransactionIDs)

	require.NoError(t, c.SetTransactionState(ctx, first, odoo.TransactionUpdate{State: odoo.TxStatePending, Message: "awaiting capture"}))
	tx, err = c.ReadTransaction(ctx, first)
	require.NoError(t, err)
	require.Equal(t, odoo.TxStatePending, tx.State)
	require.Equal(t, "awaiting capture", tx.StateMessage)
	require.True(t, tx.IsPostProcessed)
	require.Equal(t, fakeNow, tx.LastStateChange, "stamped with the client's clock")

	inv := fakeInvoiceOf(t, c, order)
	require.NoError(t, c.PostInvoice(ctx, inv))
	pay, err := c.RegisterPayment(ctx, inv, odoo.PaymentSpec{Amount: usd(14190), Memo: "Afterpay AP-ORDER-1 capture"})
	require.NoError(t, err)
	done := odoo.TransactionUpdate{State: odoo.TxStateDone, PaymentID: pay, InvoiceIDs: []int64{inv}, ProviderReference: "AP-ORDER-1b"}
	require.NoError(t, c.SetTransactionState(ctx, first, done))
	require.NoError(t, c.SetTransactionState(ctx, first, done), "idempotent")
	tx, err = c.ReadTransaction(ctx, first)
	require.NoError(t, err)
	require.Equal(t, odoo.TxStateDone, tx.State)
	require.Empty(t, tx.StateMessage)
	require.Equal(t, "AP-ORDER-1b", tx.ProviderReference)
	require.Equal(t, pay, tx.PaymentID)
	require.Equal(t, []int64{inv}, tx.InvoiceIDs)
	require.True(t, tx.IsPostProcessed, "Odoo's cron must not book the money a second time")

	// A refund child is stored negated.
	refund, err := c.EnsureTransaction(ctx, odoo.TransactionSpec{
		Reference: "S00001-AP-1-R1", PartnerID: demoJane, ProviderID: providerID, PaymentMethodID: methodID,
		Amount: usd(5000), SourceTransactionID: first,
	})
	require.NoError(t, err)
	rtx, err := c.ReadTransaction(ctx, refund)
	require.NoError(t, err)
	require.Equal(t, usd(-5000), rtx.Amount)
	require.Equal(t, odoo.TxOperationRefund, rtx.Operation)
	require.Equal(t, first, rtx.SourceTransactionID)

	_, err = c.ReadTransaction(ctx, 99999)
	require.ErrorIs(t, err, odoo.ErrNotFound)
}

// fakeInvoiceOf invoices a confirmed order and returns its single invoice.
func fakeInvoiceOf(t *testing.T, c *odoo.Client, orderID int64) int64 {
	t.Helper()
	ids, err := c.InvoiceOrder(context.Background(), orderID)
	require.NoError(t, err)
	require.Len(t, ids, 1)
	return ids[0]
}

func TestFakePostNote(t *testing.T) {
	srv, c := startFakeOdoo(t, 0)
	ctx := context.Background()
	const marker = "[afterpay:capture:AP-ORDER-1]"
	body := "Afterpay captured 141.90 USD " + marker
	first, err := c.PostNote(ctx, "sale.order", 1, body, marker)
	require.NoError(t, err)
	second, err := c.PostNote(ctx, "sale.order", 1, body, marker)
	require.NoError(t, err)
	require.Equal(t, first, second)
	msgs := fakeRecords(t, srv, "mail.message", []any{"model", "=", "sale.order"}, []any{"res_id", "=", 1},
		[]any{"body", "ilike", marker})
	require.Len(t, msgs, 1)
	require.Equal(t, first, msgs[0]["id"])
	require.Equal(t, "comment", msgs[0]["message_type"])

	// Another marker is another note.
	other, err := c.PostNote(ctx, "sale.order", 1, "refund [afterpay:refund:R1]", "[afterpay:refund:R1]")
	require.NoError(t, err)
	require.NotEqual(t, first, other)

	_, err = c.PostNote(ctx, "sale.order", 99999, body, marker)
	require.ErrorIs(t, err, odoo.ErrNotFound)
}

func TestFakeWriteFields(t *testing.T) {
	srv, c := startFakeOdoo(t, 0)
	ctx := context.Background()
	provisioned(t, c)
	require.NoError(t, c.WriteFields(ctx, "sale.order", 1, map[string]any{"x_afterpay_order_id": "AP-ORDER-1"}))
	require.Equal(t, "AP-ORDER-1", fakeRecord(t, srv, "sale.order", 1)["x_afterpay_order_id"])
	require.ErrorIs(t, c.WriteFields(ctx, "sale.order", 99999, map[string]any{"x_afterpay_order_id": "x"}), odoo.ErrNotFound)
}

func TestFakeInvoicePayAndReconcile(t *testing.T) {
	srv, c := startFakeOdoo(t, 0)
	ctx := context.Background()
	order := confirmedOrder(t, c, 1)

	first, err := c.InvoiceOrder(ctx, order)
	require.NoError(t, err)
	require.Len(t, first, 1)
	second, err := c.InvoiceOrder(ctx, order)
	require.NoError(t, err)
	require.Equal(t, first, second)
	require.Len(t, fakeRecords(t, srv, "account.move", []any{"move_type", "=", "out_invoice"}), 1)
	inv := first[0]

	draft, err := c.ReadMove(ctx, inv)
	require.NoError(t, err)
	require.Equal(t, "draft", draft.State)
	require.Equal(t, usd(14190), draft.AmountTotal)

	require.NoError(t, c.PostInvoice(ctx, inv))
	require.NoError(t, c.PostInvoice(ctx, inv), "posting twice is harmless")
	posted, err := c.ReadMove(ctx, inv)
	require.NoError(t, err)
	require.Equal(t, "posted", posted.State)
	require.Equal(t, "out_invoice", posted.MoveType)
	require.Equal(t, "INV/2026/00001", posted.Name)
	require.Equal(t, "not_paid", posted.PaymentState)
	require.Equal(t, "USD", posted.Currency)
	require.Equal(t, usd(12900), posted.AmountUntaxed)
	require.Equal(t, usd(1290), posted.AmountTax)
	require.Equal(t, usd(14190), posted.AmountTotal)
	require.Equal(t, usd(14190), posted.AmountResidual)
	require.Equal(t, "S00001", posted.InvoiceOrigin)
	require.Equal(t, demoJane, posted.PartnerID)
	require.Equal(t, demoSaleJournal, posted.JournalID)
	require.Equal(t, "2026-11-24", odoo.FormatDate(posted.InvoiceDate))

	spec := odoo.PaymentSpec{Amount: usd(14190), JournalID: demoBankJournal, Memo: "Afterpay AP-ORDER-1 capture"}
	pay, err := c.RegisterPayment(ctx, inv, spec)
	require.NoError(t, err)
	again, err := c.RegisterPayment(ctx, inv, spec)
	require.NoError(t, err)
	require.Equal(t, pay, again)
	payments := fakeRecords(t, srv, "account.payment")
	require.Len(t, payments, 1)
	require.Equal(t, pay, payments[0]["id"])
	require.Equal(t, "inbound", payments[0]["payment_type"])
	require.Equal(t, demoBankJournal, payments[0]["journal_id"])
	require.Equal(t, "Afterpay AP-ORDER-1 capture", payments[0]["memo"])
	require.Equal(t, true, payments[0]["is_reconciled"])
	require.Equal(t, []int64{inv}, payments[0]["reconciled_invoice_ids"])
	require.Equal(t, "2026-11-24", payments[0]["date"], "the date defaults to the client's clock")

	paid, err := c.ReadMove(ctx, inv)
	require.NoError(t, err)
	require.Equal(t, "paid", paid.PaymentState)
	require.Equal(t, usd(0), paid.AmountResidual)

	// A draft invoice cannot be paid; a cancelled one cannot be posted.
	order4 := confirmedOrder(t, c, 4)
	_, err = c.InvoiceOrder(ctx, order4)
	require.True(t, odoo.IsBusiness(err), "invoiced on delivery, nothing delivered: %v", err)
	require.ErrorContains(t, err, "No items are available to invoice")
	deliverOrder(t, c, order4)
	inv4 := fakeInvoiceOf(t, c, order4)
	_, err = c.RegisterPayment(ctx, inv4, odoo.PaymentSpec{Amount: usd(100), Memo: "too early"})
	require.ErrorIs(t, err, odoo.ErrInvalidState)
	// button_cancel returns None: Odoo answers the after-commit fault.
	_, err = c.CallMethod(ctx, "account.move", "button_cancel", []int64{inv4}, nil)
	require.True(t, odoo.IsProbablyApplied(err), "%v", err)
	require.ErrorIs(t, c.PostInvoice(ctx, inv4), odoo.ErrInvalidState)
}

func TestFakePartialPayments(t *testing.T) {
	srv, c := startFakeOdoo(t, 0)
	ctx := context.Background()
	inv := fakePostedInvoice(t, c, 4)

	_, err := c.RegisterPayment(ctx, inv, odoo.PaymentSpec{Amount: usd(10000), Memo: "part 1"})
	require.NoError(t, err)
	move, err := c.ReadMove(ctx, inv)
	require.NoError(t, err)
	require.Equal(t, "partial", move.PaymentState)
	require.Equal(t, usd(19284-10000), move.AmountResidual)

	_, err = c.RegisterPayment(ctx, inv, odoo.PaymentSpec{Amount: usd(19284 - 10000), Memo: "part 2"})
	require.NoError(t, err)
	move, err = c.ReadMove(ctx, inv)
	require.NoError(t, err)
	require.Equal(t, "paid", move.PaymentState)
	require.Len(t, fakeRecords(t, srv, "account.payment"), 2)

	_, err = c.RegisterPayment(ctx, inv, odoo.PaymentSpec{Amount: aud(100), Memo: "wrong currency"})
	require.Error(t, err)
}

func TestFakeCreditNotes(t *testing.T) {
	srv, c := startFakeOdoo(t, 0)
	ctx := context.Background()
	refunds := func() int { return len(fakeRecords(t, srv, "account.move", []any{"move_type", "=", "out_refund"})) }

	t.Run("full", func(t *testing.T) {
		// As in the product: the invoice was paid by the capture, the
		// refund's credit note is paid out to the customer.
		inv := fakePostedInvoice(t, c, 1)
		_, err := c.RegisterPayment(ctx, inv, odoo.PaymentSpec{Amount: usd(14190), Memo: "Afterpay AP-ORDER-1 capture"})
		require.NoError(t, err)
		spec := odoo.CreditNoteSpec{Reason: "Afterpay refund", Ref: "AP-REFUND-1"}
		first, err := c.CreateCreditNote(ctx, inv, spec)
		require.NoError(t, err)
		second, err := c.CreateCreditNote(ctx, inv, spec)
		require.NoError(t, err)
		require.Equal(t, first, second)
		require.Equal(t, 1, refunds())

		credit, err := c.ReadMove(ctx, first)
		require.NoError(t, err)
		require.Equal(t, "posted", credit.State)
		require.Equal(t, "out_refund", credit.MoveType)
		require.Equal(t, "AP-REFUND-1", credit.Ref)
		require.Equal(t, inv, credit.ReversedEntryID)
		require.Equal(t, usd(14190), credit.AmountTotal)
		require.Equal(t, usd(1290), credit.AmountTax)
		require.Equal(t, demoSaleJournal, credit.JournalID, "the journal defaults to the invoice's")

		// The refund is paid out on the credit note: an outbound payment.
		pay, err := c.RegisterPayment(ctx, first, odoo.PaymentSpec{Amount: usd(14190), Memo: "Afterpay refund AP-REFUND-1"})
		require.NoError(t, err)
		require.Equal(t, "outbound", fakeRecord(t, srv, "account.payment", pay)["payment_type"])
		paid, err := c.ReadMove(ctx, first)
		require.NoError(t, err)
		require.Equal(t, "paid", paid.PaymentState)
		require.Equal(t, usd(0), paid.AmountResidual)
		original, err := c.ReadMove(ctx, inv)
		require.NoError(t, err)
		require.Equal(t, "paid", original.PaymentState, "the invoice stays paid, not reversed (transcript 049)")
	})

	partials := []struct {
		name      string
		lines     []odoo.SaleOrderDraftLine
		amount    int64
		wantTaxed bool
	}{
		// The only line has the 10 % tax: one taxed line (45.00 = 40.91 + 4.09).
		{"shared tax", []odoo.SaleOrderDraftLine{{ProductID: demoHeadphones, Quantity: 1}}, 4500, true},
		// 0.16 cannot be reached with a 10 % line (0.14 → 0.15, 0.15 → 0.17):
		// the amount goes on one untaxed line.
		{"unreachable with tax", []odoo.SaleOrderDraftLine{{ProductID: demoHeadphones, Quantity: 1}}, 16, false},
		// Taxed and untaxed lines: one untaxed line.
		{"mixed taxes", []odoo.SaleOrderDraftLine{{ProductID: demoPhoneCase, Quantity: 1}, {ProductID: demoGiftCard, Quantity: 1}}, 5000, false},
	}
	for i, tt := range partials {
		t.Run("partial "+tt.name, func(t *testing.T) {
			before := refunds()
			order, err := c.CreateSaleOrder(ctx, odoo.SaleOrderDraft{PartnerID: demoJane, Lines: tt.lines})
			require.NoError(t, err)
			inv := fakePostedInvoice(t, c, order)
			amount := usd(tt.amount)
			spec := odoo.CreditNoteSpec{Reason: "Afterpay partial refund", Ref: fmt.Sprintf("AP-REFUND-P%d", i), Amount: &amount}
			id, err := c.CreateCreditNote(ctx, inv, spec)
			require.NoError(t, err)
			again, err := c.CreateCreditNote(ctx, inv, spec)
			require.NoError(t, err)
			require.Equal(t, id, again)
			require.Equal(t, before+1, refunds())

			credit, err := c.ReadMove(ctx, id)
			require.NoError(t, err)
			require.Equal(t, "posted", credit.State)
			require.Equal(t, amount, credit.AmountTotal)
			require.Equal(t, spec.Ref, credit.Ref)
			require.Equal(t, inv, credit.ReversedEntryID)
			require.Len(t, credit.InvoiceLineIDs, 1)
			line := fakeRecord(t, srv, "account.move.line", credit.InvoiceLineIDs[0])
			require.Equal(t, "Afterpay partial refund "+spec.Ref, line["name"])
			require.Equal(t, tt.wantTaxed, len(line["tax_ids"].([]int64)) > 0, "tax_ids %v", line["tax_ids"])
		})
	}

	t.Run("refusals", func(t *testing.T) {
		confirmedOrder(t, c, 2)
		deliverOrder(t, c, 2)
		inv := fakeInvoiceOf(t, c, 2)
		before := refunds()
		_, err := c.CreateCreditNote(ctx, inv, odoo.CreditNoteSpec{Ref: "R1"})
		require.ErrorIs(t, err, odoo.ErrInvalidState, "a draft invoice cannot be reversed")
		require.NoError(t, c.PostInvoice(ctx, inv))
		tooMuch := usd(99999)
		_, err = c.CreateCreditNote(ctx, inv, odoo.CreditNoteSpec{Ref: "R1", Amount: &tooMuch})
		require.Error(t, err)
		_, err = c.CreateCreditNote(ctx, inv, odoo.CreditNoteSpec{})
		require.Error(t, err, "a ref is required")
		require.Equal(t, before, refunds())
	})
}

func TestFakeScheduleActivity(t *testing.T) {
	srv, c := startFakeOdoo(t, 0)
	ctx := context.Background()
	spec := odoo.ActivitySpec{Model: "sale.order", ResID: 1, Summary: "Afterpay dispute AP-DISPUTE-1", Note: "Look at the dispute."}
	first, err := c.ScheduleActivity(ctx, spec)
	require.NoError(t, err)
	second, err := c.ScheduleActivity(ctx, spec)
	require.NoError(t, err)
	require.Equal(t, first, second)
	acts := fakeRecords(t, srv, "mail.activity", []any{"res_model", "=", "sale.order"}, []any{"res_id", "=", 1})
	require.Len(t, acts, 1)
	require.Equal(t, first, acts[0]["id"])
	require.Equal(t, "Afterpay dispute AP-DISPUTE-1", acts[0]["summary"])
	require.Equal(t, int64(2), acts[0]["user_id"], "the integration user")
	require.Equal(t, int64(4), acts[0]["activity_type_id"], "To-Do")
	require.Equal(t, "2026-11-24", acts[0]["date_deadline"], "today by the client's clock")
}

// The fault classes, produced by the fake's fault injection.
func TestFakeFaultClasses(t *testing.T) {
	tests := []struct {
		code                             int
		message                          string
		kind                             odoo.FaultKind
		retryable, business, accessAlarm bool
	}{
		{1, "", odoo.KindApplication, false, false, false},
		{1, "could not serialize access due to concurrent update", odoo.KindTransient, true, false, false},
		{2, "", odoo.KindBusiness, false, true, false},
		{3, "", odoo.KindAccessDenied, false, false, true},
		{4, "", odoo.KindAccessError, false, false, true},
	}
	for _, tt := range tests {
		t.Run(tt.kind.String(), func(t *testing.T) {
			srv, c := startFakeOdoo(t, 0)
			ctx := context.Background()
			srv.FailNext("sale.order", "web_read", tt.code, tt.message, 1)
			_, err := c.ReadSaleOrder(ctx, 1)
			require.Error(t, err)
			f, ok := odoo.AsFault(err)
			require.True(t, ok, "%v", err)
			require.Equal(t, tt.code, f.Code)
			require.Equal(t, tt.kind, f.Kind())
			require.Equal(t, "sale.order", f.Model)
			require.Equal(t, "web_read", f.Method)
			if tt.message != "" {
				require.Contains(t, f.Message, tt.message)
			}
			require.Equal(t, tt.retryable, odoo.IsRetryable(err))
			require.Equal(t, tt.business, odoo.IsBusiness(err))
			require.Equal(t, tt.accessAlarm, odoo.IsAccessAlarm(err))
			require.False(t, odoo.IsProbablyApplied(err))

			// The fault was consumed; the next call works (after a fresh
			// authentication when the credentials were refused).
			so, err := c.ReadSaleOrder(ctx, 1)
			require.NoError(t, err)
			require.Equal(t, "S00001", so.Name)
		})
	}
}

func TestFakeProbablyAppliedIsReadBack(t *testing.T) {
	srv, c := startFakeOdoo(t, 0)
	ctx := context.Background()
	providerID, methodID := provisioned(t, c)

	// The raw call reports the class; the change is committed.
	srv.FailAfterCommit("sale.order", "write", "", 1)
	err := c.Write(ctx, "sale.order", []int64{2}, map[string]any{"client_order_ref": "changed"}, nil)
	require.True(t, odoo.IsProbablyApplied(err), "%v", err)
	require.False(t, odoo.IsRetryable(err))
	require.Equal(t, "changed", fakeRecord(t, srv, "sale.order", 2)["client_order_ref"])

	// Every helper reads back and succeeds, and nothing is done twice.
	srv.FailAfterCommit("sale.order", "action_confirm", "", 1)
	require.NoError(t, c.ConfirmSaleOrder(ctx, 1))
	require.Equal(t, "sale", fakeRecord(t, srv, "sale.order", 1)["state"])

	srv.FailAfterCommit("payment.transaction", "create", "", 1)
	txID, err := c.EnsureTransaction(ctx, odoo.TransactionSpec{Reference: "S00001-AP-X", OrderID: 1, PartnerID: demoJane,
		ProviderID: providerID, PaymentMethodID: methodID, Amount: usd(14190)})
	require.NoError(t, err)
	txs := fakeRecords(t, srv, "payment.transaction", []any{"reference", "=", "S00001-AP-X"})
	require.Len(t, txs, 1)
	require.Equal(t, txs[0]["id"], txID)

	srv.FailAfterCommit("sale.advance.payment.inv", "create_invoices", "", 1)
	invoices, err := c.InvoiceOrder(ctx, 1)
	require.NoError(t, err)
	require.Len(t, invoices, 1)
	require.Len(t, fakeRecords(t, srv, "account.move", []any{"move_type", "=", "out_invoice"}), 1)
	inv := invoices[0]

	srv.FailAfterCommit("account.move", "action_post", "", 1)
	require.NoError(t, c.PostInvoice(ctx, inv))
	require.Equal(t, "posted", fakeRecord(t, srv, "account.move", inv)["state"])

	srv.FailAfterCommit("account.payment.register", "action_create_payments", "", 1)
	pay, err := c.RegisterPayment(ctx, inv, odoo.PaymentSpec{Amount: usd(14190), Memo: "capture after fault"})
	require.NoError(t, err)
	payments := fakeRecords(t, srv, "account.payment")
	require.Len(t, payments, 1)
	require.Equal(t, payments[0]["id"], pay)
	require.Equal(t, "paid", fakeRecord(t, srv, "account.move", inv)["payment_state"])

	srv.FailAfterCommit("account.move.reversal", "refund_moves", "", 1)
	credit, err := c.CreateCreditNote(ctx, inv, odoo.CreditNoteSpec{Ref: "AP-REFUND-X"})
	require.NoError(t, err)
	require.Len(t, fakeRecords(t, srv, "account.move", []any{"move_type", "=", "out_refund"}), 1)
	require.Equal(t, "posted", fakeRecord(t, srv, "account.move", credit)["state"])

	srv.FailAfterCommit("sale.order", "message_post", "", 1)
	note, err := c.PostNote(ctx, "sale.order", 1, "captured [afterpay:x]", "[afterpay:x]")
	require.NoError(t, err)
	require.Len(t, fakeRecords(t, srv, "mail.message", []any{"body", "ilike", "[afterpay:x]"}), 1)
	require.NotZero(t, note)

	srv.FailAfterCommit("mail.activity", "create", "", 1)
	act, err := c.ScheduleActivity(ctx, odoo.ActivitySpec{Model: "sale.order", ResID: 1, Summary: "after fault"})
	require.NoError(t, err)
	acts := fakeRecords(t, srv, "mail.activity", []any{"summary", "=", "after fault"})
	require.Len(t, acts, 1)
	require.Equal(t, acts[0]["id"], act)
}

func TestFakeServerDownIsRetryable(t *testing.T) {
	for _, mode := range []fakeodoo.DownMode{fakeodoo.DownClose, fakeodoo.Down503} {
		t.Run(string(mode), func(t *testing.T) {
			srv, c := startFakeOdoo(t, 0)
			ctx := context.Background()
			srv.SetDown(mode)
			_, err := c.ReadSaleOrder(ctx, 1)
			require.Error(t, err)
			require.True(t, odoo.IsRetryable(err), "%v", err)
			require.False(t, odoo.IsBusiness(err))
			require.False(t, odoo.IsAccessAlarm(err))
			if mode == fakeodoo.Down503 {
				var he *odoo.HTTPError
				require.True(t, errors.As(err, &he), "%T %v", err, err)
				require.Equal(t, 503, he.StatusCode)
			} else {
				var te *odoo.TransportError
				require.True(t, errors.As(err, &te), "%T %v", err, err)
				require.False(t, te.Timeout)
			}

			srv.SetDown(fakeodoo.DownNone)
			so, err := c.ReadSaleOrder(ctx, 1)
			require.NoError(t, err)
			require.Equal(t, "S00001", so.Name)
		})
	}
}

func TestFakeSlowServerTimesOut(t *testing.T) {
	srv, c := startFakeOdoo(t, 50*time.Millisecond)
	ctx := context.Background()
	// Authenticate first so the timeout hits the object call.
	_, err := c.Authenticate(ctx)
	require.NoError(t, err)
	srv.Slow(time.Hour) // ends when the client gives up
	_, err = c.ReadSaleOrder(ctx, 1)
	var te *odoo.TransportError
	require.True(t, errors.As(err, &te), "%T %v", err, err)
	require.True(t, te.Timeout, "%v", err)
	require.True(t, odoo.IsRetryable(err))
	require.NoError(t, ctx.Err(), "the caller's own context is untouched")

	srv.Slow(0)
	so, err := c.ReadSaleOrder(ctx, 1)
	require.NoError(t, err)
	require.Equal(t, "S00001", so.Name)
}

func TestFakeSessionAndLookups(t *testing.T) {
	srv, url := serveFakeOdoo(t)
	c := fakeClient(t, srv, url, "admin", 0)
	ctx := context.Background()
	v, err := c.Version(ctx)
	require.NoError(t, err)
	require.Equal(t, "18.0", v.ServerVersion)
	require.Equal(t, 18, v.Major)
	uid, err := c.Authenticate(ctx)
	require.NoError(t, err)
	require.Equal(t, int64(2), uid)

	audID, err := c.CurrencyID(ctx, "AUD")
	require.NoError(t, err)
	require.Equal(t, int64(21), audID)
	nzd, err := c.CurrencyID(ctx, "NZD")
	require.NoError(t, err)
	require.Equal(t, int64(35), nzd, "archived currencies are found")
	_, err = c.CurrencyID(ctx, "XXX")
	require.ErrorIs(t, err, odoo.ErrNotFound)

	modelID, err := c.ModelID(ctx, "sale.order")
	require.NoError(t, err)
	models := fakeRecords(t, srv, "ir.model", []any{"model", "=", "sale.order"})
	require.Len(t, models, 1)
	require.Equal(t, models[0]["id"], modelID)

	model, id, err := c.XMLID(ctx, odoo.PaymentMethodXMLID)
	require.NoError(t, err)
	require.Equal(t, "payment.method", model)
	require.Equal(t, int64(4), id)
	_, _, err = c.XMLID(ctx, "payment.no_such_record")
	require.ErrorIs(t, err, odoo.ErrNotFound)

	bad := fakeClient(t, srv, url, "wrong", 0)
	_, err = bad.ReadSaleOrder(ctx, 1)
	require.ErrorIs(t, err, odoo.ErrBadCredentials)
	require.True(t, odoo.IsAccessAlarm(err))
}
