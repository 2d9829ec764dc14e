package workflows

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/odoo-afterpay/bridge/money"
)

func TestLedgerAppliesEachMovementOnceAndKeepsItsLimits(t *testing.T) {
	var l Ledger
	at := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	require.NoError(t, l.Apply(LedgerEntry{Key: "auth", Kind: EntryAuthorised, Amount: usd(10000), At: at}))
	require.NoError(t, l.Apply(LedgerEntry{Key: "delivery:1", Kind: EntryCaptured, Amount: usd(6000), At: at}))
	require.NoError(t, l.Apply(LedgerEntry{Key: "delivery:1", Kind: EntryCaptured, Amount: usd(6000), At: at}), "a replayed event is a no-op")
	require.Equal(t, int64(6000), l.Captured)
	require.ErrorContains(t, l.Apply(LedgerEntry{Key: "delivery:2", Kind: EntryCaptured, Amount: usd(4001), At: at}), "open to capture")
	require.NoError(t, l.Apply(LedgerEntry{Key: "credit:1", Kind: EntryRefunded, Amount: usd(2500), At: at}))
	require.ErrorContains(t, l.Apply(LedgerEntry{Key: "credit:2", Kind: EntryRefunded, Amount: usd(3501), At: at}), "captured and not refunded")
	require.ErrorContains(t, l.Apply(LedgerEntry{Key: "void", Kind: EntryVoided, Amount: usd(4001), At: at}), "open to capture")
	require.NoError(t, l.Apply(LedgerEntry{Key: "void", Kind: EntryVoided, Amount: usd(4000), At: at}))
	require.Equal(t, usd(3500), l.Net())
	require.Equal(t, usd(0), l.OpenToCapture())
	require.ErrorContains(t, l.Apply(LedgerEntry{Key: "x", Kind: EntryRefunded, Amount: money0AUD(), At: at}), "in USD")
	require.ErrorContains(t, l.Apply(LedgerEntry{Key: "y", Kind: EntryCaptured, Amount: usd(0), At: at}), "positive")
}

func money0AUD() money.Money { return money.MustNew(100, "AUD") }
