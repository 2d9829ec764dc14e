package odoo_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/odoo-afterpay/bridge/money"
	"github.com/odoo-afterpay/bridge/odoo"
)

func usd(minor int64) money.Money { return money.MustNew(minor, "USD") }

func TestReadSaleOrder(t *testing.T) {
	s := newAfterpayOdoo(t)
	c, _ := newTestClient(t, s.stubOdoo)
	so, err := c.ReadSaleOrder(context.Background(), 37)
	require.NoError(t, err)

	customer := odoo.Partner{
		ID: 42, Name: "Afterpay Test Customer", Email: "ap.customer@example.com", Phone: "+1 555 0100",
		Street: "1 Market St", Street2: "Suite 200", City: "San Francisco", StateCode: "CA", StateName: "California",
		Zip: "94105", CountryCode: "US",
	}
	want := &odoo.SaleOrder{
		ID: 37, Name: "S00037", State: "sale", Currency: "USD",
		AmountUntaxed: usd(24685), AmountTax: usd(3628), AmountTotal: usd(28313),
		ClientOrderRef: "AP-ORDER-1001", DateOrder: time.Date(2026, 11, 24, 2, 25, 6, 0, time.UTC), CompanyID: 1,
		Partner: customer, InvoiceAddress: customer,
		ShippingAddress: odoo.Partner{ // phone from mobile, no state
			ID: 43, Name: "Oscar Morgan", Email: "oscar.morgan11@example.com", Phone: "+1 555 0199",
			Street: "317 Fairchild Dr", City: "Fairfield", Zip: "94535", CountryCode: "US",
		},
		Lines: []odoo.OrderLine{
			{ID: 62, Name: "[FURN_8900] Drawer Black", ProductID: 27, ProductName: "[FURN_8900] Drawer Black", SKU: "FURN_8900",
				Quantity: "2.0", PriceUnit: usd(10000), PriceSubtotal: usd(20000), PriceTax: usd(3000), PriceTotal: usd(23000), DiscountPercent: "0.0"},
			{ID: 63, Name: "[FURN_8999] Three-Seat Sofa\nThree Seater Sofa with Lounger in Steel Grey Colour", ProductID: 36,
				ProductName: "[FURN_8999] Three-Seat Sofa", SKU: "FURN_8999", Quantity: "3.0", PriceUnit: usd(1550),
				PriceSubtotal: usd(4185), PriceTax: usd(628), PriceTotal: usd(4813), DiscountPercent: "10.0"},
			{ID: 64, Name: "Local Delivery", ProductID: 37, ProductName: "[Delivery_010] Local Delivery", Quantity: "1.0",
				PriceUnit: usd(500), PriceSubtotal: usd(500), PriceTax: usd(0), PriceTotal: usd(500), DiscountPercent: "0.0", IsDelivery: true},
			{ID: 65, Name: "Extras", Quantity: "0.0", PriceUnit: usd(0), PriceSubtotal: usd(0), PriceTax: usd(0), PriceTotal: usd(0),
				DiscountPercent: "0.0", DisplayType: "line_section"},
		},
		InvoiceIDs: []int64{}, TransactionIDs: []int64{},
	}
	require.Equal(t, want, so)

	// One call: the lines, products, addresses, countries and states come
	// with the order in one web_read.
	require.Equal(t, []string{"sale.order.web_read"}, s.objectCalls())
}

func TestReadSaleOrderWithoutDeliveryModule(t *testing.T) {
	s := newAfterpayOdoo(t)
	s.invalid["sale.order.line"] = map[string]bool{"is_delivery": true}
	c, _ := newTestClient(t, s.stubOdoo)
	ctx := context.Background()
	for range 2 {
		so, err := c.ReadSaleOrder(ctx, 37)
		require.NoError(t, err)
		require.Len(t, so.Lines, 4)
		for _, l := range so.Lines {
			require.False(t, l.IsDelivery)
		}
	}
	// One failed probe, then the field is left out for good.
	require.Equal(t, 3, s.callsTo("sale.order", "web_read"))
}

// Without lines to follow, Odoo answers the unknown is_delivery with a bare
// KeyError rather than "Invalid field": the probe knows both.
func TestReadSaleOrderWithoutDeliveryModuleOrLines(t *testing.T) {
	s := newAfterpayOdoo(t)
	s.invalid["sale.order.line"] = map[string]bool{"is_delivery": true}
	s.rec("sale.order", 37)["order_line"] = []any{}
	c, _ := newTestClient(t, s.stubOdoo)
	so, err := c.ReadSaleOrder(context.Background(), 37)
	require.NoError(t, err)
	require.Nil(t, so.Lines)
	require.Equal(t, "S00037", so.Name)
	require.Equal(t, 2, s.callsTo("sale.order", "web_read"))
}

func TestReadSaleOrderDecodeErrorNamesTheRecord(t *testing.T) {
	s := newAfterpayOdoo(t)
	s.rec("res.partner", 43)["email"] = int64(5)
	c, _ := newTestClient(t, s.stubOdoo)
	_, err := c.ReadSaleOrder(context.Background(), 37)
	var pe *odoo.ProtocolError
	require.ErrorAs(t, err, &pe)
	require.ErrorContains(t, err, "decode sale.order 37: res.partner 43: ")
	require.ErrorContains(t, err, `"email"`)
}

func TestFindSaleOrderByName(t *testing.T) {
	s := newAfterpayOdoo(t)
	c, _ := newTestClient(t, s.stubOdoo)
	so, err := c.FindSaleOrderByName(context.Background(), "S00037")
	require.NoError(t, err)
	require.Equal(t, int64(37), so.ID)
	_, err = c.FindSaleOrderByName(context.Background(), "NO-SUCH-ORDER")
	require.ErrorIs(t, err, odoo.ErrNotFound)
}

func TestCreateAndConfirmSaleOrder(t *testing.T) {
	s := newAfterpayOdoo(t)
	c, _ := newTestClient(t, s.stubOdoo)
	ctx := context.Background()
	price := usd(8000)
	draft := odoo.SaleOrderDraft{
		PartnerID: 42, ClientOrderRef: "AP-ORDER-2002",
		Lines: []odoo.SaleOrderDraftLine{
			{ProductID: 27, Quantity: 1, PriceUnit: &price, TaxIDs: []int64{1}},
			{ProductID: 36, Quantity: 2},
		},
	}
	id, err := c.CreateSaleOrder(ctx, draft)
	require.NoError(t, err)
	again, err := c.CreateSaleOrder(ctx, draft)
	require.NoError(t, err)
	require.Equal(t, id, again, "the client order ref is looked up first")
	require.Equal(t, 1, s.callsTo("sale.order", "create"))
	create := s.lastCall("sale.order", "create")
	require.Equal(t, []any{map[string]any{
		"partner_id": int64(42), "client_order_ref": "AP-ORDER-2002",
		"order_line": []any{
			[]any{int64(0), int64(0), map[string]any{"product_id": int64(27), "product_uom_qty": int64(1), "price_unit": 80.0,
				"tax_id": []any{[]any{int64(6), int64(0), []any{int64(1)}}}}},
			[]any{int64(0), int64(0), map[string]any{"product_id": int64(36), "product_uom_qty": int64(2)}},
		},
	}}, create.Args)

	require.NoError(t, c.ConfirmSaleOrder(ctx, id))
	require.NoError(t, c.ConfirmSaleOrder(ctx, id), "confirming twice is harmless")
	require.Equal(t, 1, s.callsTo("sale.order", "action_confirm"))
	require.Equal(t, "sale", s.rec("sale.order", id)["state"])

	s.rec("sale.order", id)["state"] = "cancel"
	err = c.ConfirmSaleOrder(ctx, id)
	require.ErrorIs(t, err, odoo.ErrInvalidState)
	require.True(t, odoo.IsBusiness(err))

	_, err = c.CreateSaleOrder(ctx, odoo.SaleOrderDraft{PartnerID: 42})
	require.Error(t, err)
}
