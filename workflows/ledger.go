package workflows

import (
	"fmt"
	"time"

	"github.com/odoo-afterpay/bridge/money"
)

// LedgerEntryKind is what a ledger entry records.
type LedgerEntryKind string

// The kinds of money movement at Afterpay.
const (
	EntryAuthorised LedgerEntryKind = "authorised"
	EntryCaptured   LedgerEntryKind = "captured"
	EntryRefunded   LedgerEntryKind = "refunded"
	EntryReversed   LedgerEntryKind = "reversed" // a capture undone within Afterpay's 10 minutes
	EntryVoided     LedgerEntryKind = "voided"
)

// LedgerEntry is one movement of the customer's money at Afterpay.
type LedgerEntry struct {
	// Key is the business event the movement belongs to (a capture, a
	// credit note, a delivery); each key is applied once.
	Key    string          `json:"key"`
	Kind   LedgerEntryKind `json:"kind"`
	Amount money.Money     `json:"amount"`
	At     time.Time       `json:"at"`
	// Ref is Afterpay's reference (order id, refund id).
	Ref string `json:"ref,omitempty"`
}

// Ledger is the payment's money at Afterpay, in minor units of one
// currency. It refuses movements Afterpay would refuse: capturing more than
// authorised, refunding more than captured, voiding what is not open.
type Ledger struct {
	Currency   string        `json:"currency"`
	Authorised int64         `json:"authorised"`
	Captured   int64         `json:"captured"`
	Refunded   int64         `json:"refunded"`
	Voided     int64         `json:"voided"`
	Entries    []LedgerEntry `json:"entries,omitempty"`
}

// Has reports whether the movement with key was applied.
func (l *Ledger) Has(key string) bool {
	for _, e := range l.Entries {
		if e.Key == key {
			return true
		}
	}
	return false
}

// Entry returns the movement applied with key (the zero entry if none).
func (l *Ledger) Entry(key string) LedgerEntry {
	for _, e := range l.Entries {
		if e.Key == key {
			return e
		}
	}
	return LedgerEntry{}
}

// HasRef reports whether a movement with Afterpay's reference ref was
// applied.
func (l *Ledger) HasRef(ref string) bool {
	for _, e := range l.Entries {
		if ref != "" && e.Ref == ref {
			return true
		}
	}
	return false
}

// Net is what Afterpay holds of the customer's money: captured less
// refunded.
func (l *Ledger) Net() money.Money {
	return money.Money{Minor: l.Captured - l.Refunded, Currency: l.Currency}
}

// OpenToCapture is what is authorised and neither captured nor voided.
func (l *Ledger) OpenToCapture() money.Money {
	return money.Money{Minor: l.Authorised - l.Captured - l.Voided, Currency: l.Currency}
}

// Apply records a movement once per key. A key applied before is a no-op;
// a movement that would break the ledger's limits is refused.
func (l *Ledger) Apply(e LedgerEntry) error {
	if l.Has(e.Key) {
		return nil
	}
	if e.Amount.Minor <= 0 {
		return fmt.Errorf("ledger: %s %s: amount must be positive", e.Kind, e.Amount)
	}
	if l.Currency == "" {
		l.Currency = e.Amount.Currency
	}
	if e.Amount.Currency != l.Currency {
		return fmt.Errorf("ledger: %s %s: the payment is in %s", e.Kind, e.Amount, l.Currency)
	}
	a := e.Amount.Minor
	switch e.Kind {
	case EntryAuthorised:
		l.Authorised += a
	case EntryCaptured:
		// In the immediate flow the capture is the authorisation.
		if l.Authorised > 0 && l.Captured+l.Voided+a > l.Authorised {
			return fmt.Errorf("ledger: capturing %s would exceed the %s open to capture", e.Amount, l.OpenToCapture())
		}
		l.Captured += a
	case EntryRefunded, EntryReversed:
		if l.Refunded+a > l.Captured {
			return fmt.Errorf("ledger: %s %s would exceed the %s captured and not refunded", e.Kind, e.Amount, l.Net())
		}
		l.Refunded += a
	case EntryVoided:
		if l.Captured+l.Voided+a > l.Authorised {
			return fmt.Errorf("ledger: voiding %s would exceed the %s open to capture", e.Amount, l.OpenToCapture())
		}
		l.Voided += a
	default:
		return fmt.Errorf("ledger: unknown movement %q", e.Kind)
	}
	l.Entries = append(l.Entries, e)
	return nil
}
