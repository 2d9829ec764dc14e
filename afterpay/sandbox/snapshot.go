package sandbox

import (
	"encoding/json"
	"fmt"
)

// snapshotVersion guards Restore against files from an incompatible layout.
const snapshotVersion = 1

type snapshotFile struct {
	Version int    `json:"version"`
	State   *state `json:"state"`
}

// Snapshot returns the simulator's state (checkouts, orders, idempotency
// records, disputes, undelivered payment events, id counters) as JSON, for
// `make dev` restarts. Faults and the clock are configuration, not state,
// and are not included.
func (s *Server) Snapshot() ([]byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	b, err := json.Marshal(snapshotFile{Version: snapshotVersion, State: s.st})
	if err != nil {
		return nil, fmt.Errorf("sandbox: snapshot: %w", err)
	}
	return b, nil
}

// Restore replaces the simulator's state with a Snapshot. Undelivered payment
// events are scheduled again when a SettlementDelay is configured.
func (s *Server) Restore(data []byte) error {
	var f snapshotFile
	if err := json.Unmarshal(data, &f); err != nil {
		return fmt.Errorf("sandbox: restore: %w", err)
	}
	if f.Version != snapshotVersion || f.State == nil {
		return fmt.Errorf("sandbox: restore: unsupported snapshot version %d", f.Version)
	}
	st := f.State
	if st.Checkouts == nil || st.Orders == nil {
		return fmt.Errorf("sandbox: restore: snapshot has no checkouts or orders")
	}
	if st.Idempotency == nil {
		st.Idempotency = map[string]*idemRecord{}
	}
	if st.Disputes == nil {
		st.Disputes = map[string]*disputeRecord{}
	}
	for id, o := range st.Orders {
		if o == nil || o.ID != id {
			return fmt.Errorf("sandbox: restore: order %q is inconsistent", id)
		}
		if o.Refunds == nil {
			o.Refunds = []refundJSON{}
		}
	}
	for tok, c := range st.Checkouts {
		if c == nil || c.Token != tok {
			return fmt.Errorf("sandbox: restore: checkout %q is inconsistent", tok)
		}
		if c.OrderID != "" && st.Orders[c.OrderID] == nil {
			return fmt.Errorf("sandbox: restore: checkout %q names missing order %s", tok, c.OrderID)
		}
	}
	st.NextOrderID = max(st.NextOrderID, firstOrderID)
	st.NextRefundID = max(st.NextRefundID, firstRefundID)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.st = st
	for _, o := range st.Orders {
		for _, r := range o.Outbox {
			if !r.Sent && !r.Cancelled {
				s.scheduleDelivery(r.Event.EventID)
			}
		}
	}
	return nil
}
