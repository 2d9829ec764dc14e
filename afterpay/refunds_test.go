package afterpay

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/odoo-afterpay/bridge/money"
)

// Afterpay lists a void in refunds[] too; RefundsOnly must leave exactly the
// refunds, even when a refund has the same amount as a void.
func TestRefundsOnlyDropsVoidEntries(t *testing.T) {
	at := func(min int) time.Time { return time.Date(2026, 3, 1, 10, min, 0, 0, time.UTC) }
	aud := func(minor int64) money.Money { return money.MustNew(minor, "AUD") }
	p := &Payment{
		OriginalAmount: aud(10000),
		Events: []PaymentEvent{
			{ID: "a", Type: EventAuthApproved, Amount: aud(10000), Created: at(0)},
			{ID: "c", Type: EventCaptured, Amount: aud(6000), Created: at(1)},
			{ID: "v", Type: EventVoided, Amount: aud(2000), Created: at(5)},
		},
		// Newest first, as Afterpay lists them.
		Refunds: []Refund{
			{RefundID: "r2", Amount: aud(2000), RefundedAt: at(9)},
			{RefundID: "void", Amount: aud(2000), RefundedAt: at(5)},
			{RefundID: "r1", Amount: aud(1500), RefundedAt: at(3)},
		},
	}
	got := p.RefundsOnly()
	require.Len(t, got, 2)
	require.Equal(t, "r1", got[0].RefundID)
	require.Equal(t, "r2", got[1].RefundID)
	require.Equal(t, aud(3500), p.RefundedAmount())
	require.Len(t, p.Refunds, 3, "the payment itself is left alone")
}
