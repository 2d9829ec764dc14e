package fakeodoo

import (
	"fmt"
	"maps"
	"runtime"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/odoo-afterpay/bridge/odoo/fakeodoo/internal/wire"
)

// BenchmarkFakeOdooAtScale times the Odoo calls of one payment, as the
// bridge's client makes them, on a store that already holds 10 or 10,000
// paid orders. The two sizes should cost about the same per payment: every
// lookup the calls make goes through an index. The store is reset to its
// seeded state before each payment (outside the timer), so b.N does not
// grow it. cpu-ns/op is the process's CPU time per payment, steadier than
// ns/op on a busy machine.
func BenchmarkFakeOdooAtScale(b *testing.B) {
	sizes := []int{10, 10_000}
	if testing.Short() {
		sizes = sizes[:1] // seeding 10,000 orders takes a while
	}
	for _, orders := range sizes {
		s := newBenchServer(b)
		c := &benchClient{tb: b, s: s, seeding: true}
		start := time.Now()
		for i := 0; i < orders; i++ {
			id, name := c.confirmedOrder()
			c.pay(id, name)
		}
		seeded := s.benchSnapshot()
		b.Logf("seeded %d paid orders in %s", orders, time.Since(start).Round(time.Millisecond))
		runtime.GC() // the seeding's garbage is not the payments
		b.Run(fmt.Sprintf("orders=%d", orders), func(b *testing.B) {
			b.ReportAllocs()
			c := &benchClient{tb: b, s: s}
			var cpu time.Duration
			for b.Loop() {
				b.StopTimer()
				s.benchRestore(seeded)
				id, name := c.confirmedOrder()
				b.StartTimer()
				start := cpuTime()
				c.pay(id, name)
				cpu += cpuTime() - start
			}
			b.ReportMetric(float64(cpu.Nanoseconds())/float64(b.N), "cpu-ns/op")
		})
	}
}

func newBenchServer(tb testing.TB) *Server {
	tb.Helper()
	s, err := NewDemo(Options{Clock: fixedClock(testNow)})
	if err != nil {
		tb.Fatal(err)
	}
	return s
}

// benchClient calls the server's XML-RPC handler in-process: the calls are
// encoded and decoded as over HTTP, without the network.
type benchClient struct {
	tb testing.TB
	s  *Server
	// seeding skips the XML encoding and decoding, and the reads whose
	// answers the payment does not use, to fill the store faster.
	seeding bool
}

// call runs execute_kw; kwargs are alternating names and values. A fault
// that Odoo answers after committing (a method returning None) is no error.
func (c *benchClient) call(model, method string, args []any, kwargs ...any) any {
	c.tb.Helper()
	params := []any{"odoo", int64(2), "admin", model, method, normaliseGo(args), normaliseGo(wire.NewStruct(kwargs...))}
	if c.seeding {
		// A method answering None only fails when the answer is encoded.
		v, after, err := c.s.objectService("execute_kw", params, &rpcInfo{})
		if err == nil {
			err = after
		}
		if err != nil {
			c.tb.Fatalf("%s.%s failed: %v", model, method, err)
		}
		return normaliseGo(v) // id lists as decoded ones are
	}
	body, err := wire.EncodeCall("execute_kw", params...)
	if err != nil {
		c.tb.Fatalf("encode %s.%s: %v", model, method, err)
	}
	resp, _ := c.s.handleRPC("object", body, false)
	v, f, err := wire.DecodeResponse(resp)
	if err != nil {
		c.tb.Fatalf("decode %s.%s: %v", model, method, err)
	}
	if f != nil && faultLast(f) != "TypeError: cannot marshal None unless allow_none is enabled" {
		c.tb.Fatalf("%s.%s faulted: %s", model, method, faultLast(f))
	}
	return v
}

// look is call for a read whose answer is not used.
func (c *benchClient) look(model, method string, args []any, kwargs ...any) {
	c.tb.Helper()
	if !c.seeding {
		c.call(model, method, args, kwargs...)
	}
}

func (c *benchClient) ids(v any) []int64 {
	c.tb.Helper()
	var out []int64
	for _, x := range v.([]any) {
		out = append(out, x.(int64))
	}
	return out
}

func (c *benchClient) first(v any) *wire.Struct {
	c.tb.Helper()
	list := v.([]any)
	if len(list) == 0 {
		c.tb.Fatal("no record")
	}
	return list[0].(*wire.Struct)
}

// confirmedOrder creates a quotation for headphones (invoiced on order) and
// confirms it, as a merchant does before the bridge takes over.
func (c *benchClient) confirmedOrder() (int64, string) {
	c.tb.Helper()
	id := c.call("sale.order", "create", []any{wire.NewStruct("partner_id", int64(10),
		"order_line", []any{cmd(0, 0, wire.NewStruct("product_id", int64(1), "product_uom_qty", int64(1)))})}).(int64)
	c.call("sale.order", "action_confirm", []any{[]any{id}})
	name := c.first(c.call("sale.order", "read", []any{[]any{id}}, "fields", []any{"name"})).Value("name").(string)
	return id, name
}

// pay makes the calls of one payment of a confirmed order: the bridge's
// ReadOrderHeader, ReadSaleOrder, PostNote, EnsureTransaction,
// SetTransactionState, ReadBooks with invoicing, RegisterCustomerPayment
// and ReconcilePayment, in the order the payment workflow makes them.
func (c *benchClient) pay(id int64, name string) {
	c.tb.Helper()
	// ReadOrderHeader
	c.look("sale.order", "search_read", []any{[]any{[]any{"name", "=", name}, []any{"id", "=", id}}},
		"fields", []any{"name", "state", "currency_id", "amount_total", "partner_id", "invoice_ids", "payment_term_id"}, "limit", 1)
	// ReadSaleOrder
	o := c.first(c.call("sale.order", "read", []any{[]any{id}}, "fields", []any{"name", "state", "locked", "currency_id",
		"amount_untaxed", "amount_tax", "amount_total", "client_order_ref", "date_order", "company_id", "partner_id",
		"partner_invoice_id", "partner_shipping_id", "order_line", "invoice_ids", "transaction_ids"}))
	lines := o.Value("order_line").([]any)
	c.look("sale.order.line", "read", []any{lines}, "fields", []any{"name", "product_id", "product_uom_qty", "price_unit",
		"price_subtotal", "price_tax", "price_total", "discount", "display_type", "is_delivery"})
	c.look("product.product", "read", []any{[]any{int64(1)}}, "fields", []any{"default_code"})
	c.look("res.partner", "read", []any{[]any{int64(10)}}, "fields", []any{"name", "email", "phone", "mobile", "street",
		"street2", "city", "state_id", "zip", "country_id"})
	// PostNote
	marker := "[afterpay:" + name + ":checkout]"
	c.look("mail.message", "search", []any{[]any{[]any{"model", "=", "sale.order"}, []any{"res_id", "=", id},
		[]any{"body", "ilike", marker}}}, "limit", 1, "order", "id asc")
	c.call("sale.order", "message_post", []any{[]any{id}}, "body", "Checkout started "+marker, "body_is_html", true,
		"message_type", "comment", "subtype_xmlid", "mail.mt_note")
	// FindAfterpayProvider, EnsureTransaction, SetTransactionState
	c.look("payment.provider", "search", []any{[]any{[]any{"name", "=", "Demo"}}}, "limit", 1, "order", "id asc")
	c.look("payment.method", "search", []any{[]any{[]any{"code", "=", "demo"}}}, "limit", 1, "order", "id asc")
	ref := name + "-afterpay"
	c.look("payment.transaction", "search", []any{[]any{[]any{"reference", "=", ref}}}, "limit", 1, "order", "id asc")
	c.look("res.currency", "search", []any{[]any{[]any{"name", "=", "USD"}}}, "limit", 1)
	tx := c.call("payment.transaction", "create", []any{wire.NewStruct("reference", ref, "provider_id", int64(6),
		"payment_method_id", int64(1), "amount", 141.9, "currency_id", int64(1), "partner_id", int64(10),
		"operation", "online_redirect", "sale_order_ids", []any{cmd(6, 0, []any{id})})}).(int64)
	c.call("payment.transaction", "write", []any{[]any{tx}, wire.NewStruct("state", "pending", "state_message", false,
		"last_state_change", "2026-11-24 10:00:00", "is_post_processed", true)})
	c.call("sale.order", "write", []any{[]any{id}, wire.NewStruct("client_order_ref", "afterpay-"+name)})
	c.call("payment.transaction", "write", []any{[]any{tx}, wire.NewStruct("state", "done", "state_message", false,
		"provider_reference", "ap-"+name, "last_state_change", "2026-11-24 10:00:00", "is_post_processed", true)})
	// ReadBooks: OrderCredited, CreateInvoices (wizard, post), PostedInvoices, ReadMove
	c.look("sale.order", "read", []any{[]any{id}}, "fields", []any{"invoice_ids"})
	wizCtx := wire.NewStruct("active_model", "sale.order", "active_ids", []any{id}, "active_id", id)
	wiz := c.call("sale.advance.payment.inv", "create", []any{wire.NewStruct("advance_payment_method", "delivered")},
		"context", wizCtx).(int64)
	c.call("sale.advance.payment.inv", "create_invoices", []any{[]any{wiz}}, "context", wizCtx)
	invoices := c.call("sale.order", "read", []any{[]any{id}}, "fields", []any{"invoice_ids"})
	invIDs := c.first(invoices).Value("invoice_ids").([]any)
	c.look("account.move", "read", []any{invIDs}, "fields", []any{"move_type", "state"})
	inv := invIDs[0].(int64)
	c.look("account.move", "read", []any{[]any{inv}}, "fields", []any{"state"})
	c.call("account.move", "action_post", []any{[]any{inv}})
	c.call("account.move", "write", []any{[]any{inv}, wire.NewStruct("ref", "afterpay-"+name)})
	c.look("account.move", "read", []any{[]any{inv}}, "fields", []any{"name", "state", "move_type", "payment_state",
		"currency_id", "amount_untaxed", "amount_tax", "amount_total", "amount_residual", "ref", "payment_reference",
		"invoice_origin", "reversed_entry_id", "partner_id", "journal_id", "invoice_date", "invoice_line_ids"})
	// RegisterCustomerPayment
	memo := "Afterpay " + name
	c.look("account.payment", "search", []any{[]any{[]any{"memo", "=", memo}}}, "limit", 1, "order", "id asc")
	pay := c.call("account.payment", "create", []any{wire.NewStruct("payment_type", "inbound", "partner_type", "customer",
		"partner_id", int64(10), "amount", 141.9, "currency_id", int64(1), "date", "2026-11-24", "memo", memo,
		"journal_id", int64(2), "payment_transaction_id", tx)}).(int64)
	payFields := []any{"state", "partner_id", "amount", "currency_id", "payment_type", "partner_type"}
	c.look("account.payment", "read", []any{[]any{pay}}, "fields", payFields)
	c.call("account.payment", "action_post", []any{[]any{pay}})
	c.look("account.payment", "read", []any{[]any{pay}}, "fields", payFields)
	c.look("payment.transaction", "read", []any{[]any{tx}}, "fields", []any{"payment_id"})
	c.call("payment.transaction", "write", []any{[]any{tx}, wire.NewStruct("payment_id", pay)})
	// ReconcilePayment, PaymentResidual
	p := c.first(c.call("account.payment", "read", []any{[]any{pay}}, "fields", []any{"state", "move_id",
		"destination_account_id", "currency_id", "payment_type", "reconciled_invoice_ids"}))
	c.look("account.move", "read", []any{[]any{inv}}, "fields", []any{"name", "state", "move_type", "payment_state",
		"amount_residual", "currency_id", "commercial_partner_id"})
	payMove := p.Value("move_id").([]any)[0].(int64)
	dest := p.Value("destination_account_id").([]any)[0].(int64)
	counterpart := c.ids(c.call("account.move.line", "search", []any{[]any{[]any{"move_id", "=", payMove},
		[]any{"account_id", "=", dest}}}, "order", "id asc"))
	c.look("account.move", "read", []any{[]any{payMove}}, "fields", []any{"commercial_partner_id"})
	c.call("account.move", "js_assign_outstanding_line", []any{[]any{inv}, counterpart[0]})
	c.look("account.payment", "read", []any{[]any{pay}}, "fields", []any{"reconciled_invoice_ids"})
	c.look("account.move.line", "search_read", []any{[]any{[]any{"move_id", "=", payMove}, []any{"account_id", "=", dest}}},
		"fields", []any{"amount_residual"}, "order", "id asc")
	c.look("payment.transaction", "search_read", []any{[]any{[]any{"reference", "=", ref}}},
		"fields", []any{"state", "payment_id", "invoice_ids"}, "limit", 1)
}

// benchState is a server's committed state and counters, to go back to.
type benchState struct {
	state   *dbState
	nextIDs map[string]int64
	seqNext map[int64]int64
}

func (s *Server) benchSnapshot() benchState {
	s.seqMu.Lock()
	defer s.seqMu.Unlock()
	return benchState{state: s.current(), nextIDs: maps.Clone(s.nextIDs), seqNext: maps.Clone(s.seqNext)}
}

// benchRestore puts the server back to st; committed states are never
// changed, so this is a pointer swap.
func (s *Server) benchRestore(st benchState) {
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	s.replaceState(st.state)
	s.seqMu.Lock()
	s.nextIDs, s.seqNext = maps.Clone(st.nextIDs), maps.Clone(st.seqNext)
	s.seqMu.Unlock()
}

// The benchmark's payment does pay the order, through the handler and as
// seeding makes it, so the benchmark times the real thing.
func TestBenchPaymentPaysTheOrder(t *testing.T) {
	s := newBenchServer(t)
	for _, seeding := range []bool{false, true} {
		c := &benchClient{tb: t, s: s, seeding: seeding}
		id, name := c.confirmedOrder()
		c.pay(id, name)
		recs, err := s.Records("account.move", []any{"invoice_origin", "=", name})
		require.NoError(t, err)
		require.Len(t, recs, 1)
		require.Equal(t, "posted", recs[0]["state"])
		require.Contains(t, []any{"paid", "in_payment"}, recs[0]["payment_state"])
		txs, err := s.Records("payment.transaction", []any{"reference", "=", name + "-afterpay"})
		require.NoError(t, err)
		require.Len(t, txs, 1)
		require.Equal(t, "done", txs[0]["state"])
		require.NotEqual(t, false, txs[0]["payment_id"])
	}
}
