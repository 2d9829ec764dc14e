package e2e

import (
	"context"
	"fmt"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/odoo-afterpay/bridge/internal/shopper"
	"github.com/odoo-afterpay/bridge/odoo"
	"github.com/odoo-afterpay/bridge/workflows"
)

// BenchmarkPayment measures whole payments on the real dev server: a
// quotation confirmed in Odoo, its webhook, the checkout, the customer's
// approval, the capture and the invoice paid in Odoo. ns/op is the time of
// one payment; the concurrent variant reports payments per second.
func BenchmarkPayment(b *testing.B) {
	p := startProduct(b)
	ctx := context.Background()
	ids, err := p.odoo.Search(ctx, "sale.order", []any{[]any{"currency_id.name", "=", "USD"}}, &odoo.SearchOptions{Limit: 1, Order: "id asc"})
	require.NoError(b, err)
	tmpl, err := p.odoo.ReadSaleOrder(ctx, ids[0])
	require.NoError(b, err)
	var seq atomic.Int64
	pay := func(b *testing.B) {
		draft := odoo.SaleOrderDraft{PartnerID: tmpl.Partner.ID, ClientOrderRef: fmt.Sprintf("bench-%d", seq.Add(1))}
		for _, l := range tmpl.Lines {
			if qty, whole := l.WholeQuantity(); whole && l.ProductID != 0 && !l.IsDelivery && l.DisplayType == "" {
				price := l.PriceUnit
				draft.Lines = append(draft.Lines, odoo.SaleOrderDraftLine{ProductID: l.ProductID, Quantity: int64(qty), PriceUnit: &price})
			}
		}
		id, err := p.odoo.CreateSaleOrder(ctx, draft)
		require.NoError(b, err)
		order, err := p.odoo.ReadSaleOrder(ctx, id)
		require.NoError(b, err)
		require.NoError(b, p.odoo.ConfirmSaleOrder(ctx, id))
		info := p.waitCheckout(b, order.Name)
		landing, err := shopper.Checkout(ctx, info.RedirectCheckoutURL, shopper.Approve)
		require.NoError(b, err)
		require.Equal(b, http.StatusOK, landing.Status)
		res := p.result(b, order.Name)
		require.Equal(b, workflows.StatusCompleted, res.Status, res.Reason)
	}
	b.Run("sequential", func(b *testing.B) {
		for b.Loop() {
			pay(b)
		}
	})
	b.Run("concurrent", func(b *testing.B) {
		b.SetParallelism(4) // 8 payments in flight on 2 cores
		start := time.Now()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				pay(b)
			}
		})
		b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "payments/s")
	})
}
