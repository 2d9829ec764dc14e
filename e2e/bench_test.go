package e2e

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/odoo-afterpay/bridge/internal/shopper"
	"github.com/odoo-afterpay/bridge/workflows"
)

// BenchmarkPayment measures whole payments on the real dev server: a
// quotation confirmed in Odoo, its webhook, the checkout, the customer's
// approval, the capture and the invoice paid in Odoo. ns/op is the time of
// one payment; the concurrent variant reports payments per second.
func BenchmarkPayment(b *testing.B) {
	p := startProduct(b)
	ctx := context.Background()
	pay := func(b *testing.B) {
		id, name := p.quotation(b, true, invoicedOnOrder(12900, 1))
		p.confirm(b, id)
		info := p.waitCheckout(b, name)
		landing, err := shopper.Checkout(ctx, info.RedirectCheckoutURL, shopper.Approve)
		require.NoError(b, err)
		require.Equal(b, http.StatusOK, landing.Status)
		res := p.result(b, name)
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
