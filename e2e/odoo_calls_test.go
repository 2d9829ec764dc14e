package e2e

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// maxOdooCallsPerPayment bounds the XML-RPC calls into the merchant's Odoo
// that one payment makes, from the order read to its invoice paid and
// reconciled: every call costs the merchant's server. It was 63; the order
// and its books are now read with web_read (the booked payment's residual
// with the books), provisioned ids and the merchant's limits cached, the
// order read once for its state and its checkout, the invoice it posts
// named and read back in one web_save, and idempotency look-ups made only
// on retries. Issue 13's goal is 15.
const maxOdooCallsPerPayment = 15

// orderReads is how the workflow reads the order until it is confirmed,
// and books reads how it reads the order's books: the same call.
const (
	orderReads = "sale.order web_read"
	// ownOrderReads are the payment's own: the order (its state and its
	// checkout), then its books after booking the capture (the invoice it
	// posts is read back as it is named).
	ownOrderReads = 2
)

// TestOdooCallsPerPayment counts the calls one immediate payment of an
// order invoiced on order makes into Odoo, through the proxy the worker
// dials, on the fake in `make test` and on real Odoo in `make test-odoo`.
// It counts calls; it measures no time.
func TestOdooCallsPerPayment(t *testing.T) {
	p := startProduct(t)
	p.awaitFirstScheduledRefresh(t)
	// The first payment warms what the worker caches for good (the
	// provider's, method's and journal's ids); the second is what every
	// later payment costs.
	p.payOrder(t, invoicedOnOrder(4200, 1))
	before := p.odooFaults.CallCounts()
	_, order, _, _ := p.payOrder(t, invoicedOnOrder(4200, 2))
	after := p.odooFaults.CallCounts()
	total, breakdown := 0, []string{}
	for _, key := range slices.Sorted(maps.Keys(after)) {
		if n := after[key] - before[key]; n > 0 {
			total += n
			breakdown = append(breakdown, fmt.Sprintf("%3d %s", n, key))
		}
	}
	// Real Odoo posts its webhook before the confirmation commits: the
	// workflow may find the order not confirmed yet and read it again until
	// it is (PhaseAwaitingOrder). Those re-reads depend on Odoo's timing,
	// not on the product, and are not counted.
	if extra := after[orderReads] - before[orderReads] - ownOrderReads; extra > 0 && p.realOdoo {
		t.Logf("%d more read(s) of the order while Odoo committed its confirmation, not counted", extra)
		total -= extra
	}
	t.Logf("Odoo calls for %s: %d\n%s", order, total, strings.Join(breakdown, "\n"))
	require.LessOrEqual(t, total, maxOdooCallsPerPayment, "Odoo calls per payment:\n%s", strings.Join(breakdown, "\n"))
}
