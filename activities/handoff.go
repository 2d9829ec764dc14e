package activities

import (
	"sync"
	"time"

	"github.com/odoo-afterpay/bridge/odoo"
)

// handoffAge bounds how old an order read by ReadOrderState may be for
// CreateCheckout to use it instead of reading it again. The workflow calls
// one right after the other (only the cached limits check in between), so
// a read older than this belongs to a payment that stopped there.
const handoffAge = 30 * time.Second

// orderHandoff passes the order ReadOrderState read whole to the
// CreateCheckout that follows it on the same worker, so that Odoo is read
// once for both. It lives in the worker's memory only, for seconds, and
// never in the workflow's history. On another worker, or too late,
// CreateCheckout reads the order itself.
type orderHandoff struct {
	mu     sync.Mutex
	orders map[int64]handedOrder
}

type handedOrder struct {
	order  *odoo.SaleOrder
	readAt time.Time
}

// keep holds order for CreateCheckout, and drops what is too old to use.
func (h *orderHandoff) keep(order *odoo.SaleOrder, now time.Time) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.orders == nil {
		h.orders = map[int64]handedOrder{}
	}
	for id, o := range h.orders {
		if now.Sub(o.readAt) > handoffAge {
			delete(h.orders, id)
		}
	}
	h.orders[order.ID] = handedOrder{order: order, readAt: now}
}

// take returns the order kept for id if it is fresh enough, once.
func (h *orderHandoff) take(id int64, now time.Time) *odoo.SaleOrder {
	h.mu.Lock()
	defer h.mu.Unlock()
	o, ok := h.orders[id]
	if !ok {
		return nil
	}
	delete(h.orders, id)
	if now.Sub(o.readAt) > handoffAge {
		return nil
	}
	return o.order
}
