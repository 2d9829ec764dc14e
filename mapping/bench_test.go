package mapping

import (
	"fmt"
	"testing"

	"github.com/odoo-afterpay/bridge/odoo"
)

func BenchmarkCheckout(b *testing.B) {
	var lines []odoo.OrderLine
	for i := range 20 {
		lines = append(lines, line(fmt.Sprintf("Item %02d", i), "2.0", 1999, 3998, 400))
	}
	o := order(lines...)
	m := NewMapper()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := m.Checkout(o, settings); err != nil {
			b.Fatal(err)
		}
	}
}
