package odoo_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/odoo-afterpay/bridge/money"
	"github.com/odoo-afterpay/bridge/odoo"
)

// readRaw answers the first object call with a transcript's bytes and
// returns the decoded records.
func readRaw(t *testing.T, name string) []odoo.Record {
	t.Helper()
	s := newStubOdoo(t)
	s.raw = func(c stubCall) (int, []byte, bool) {
		if c.Service == "object" {
			return 200, transcript(t, name), true
		}
		return 0, nil, false
	}
	c, _ := newTestClient(t, s)
	recs, err := c.Read(context.Background(), "any.model", []int64{1}, []string{"x"}, nil)
	require.NoError(t, err)
	return recs
}

func TestDecodeOrderLinesFromTranscript(t *testing.T) {
	recs := readRaw(t, "027-sale.order.line-read-new")
	require.Len(t, recs, 3)
	sofa := recs[1]
	require.Equal(t, int64(63), sofa.ID())

	tax, err := sofa.Money("price_tax", "USD") // <double>6.280000000000001</double>
	require.NoError(t, err)
	require.Equal(t, money.MustNew(628, "USD"), tax)
	total, err := sofa.Money("price_total", "USD")
	require.NoError(t, err)
	require.Equal(t, money.MustNew(4813, "USD"), total)

	qty, err := sofa.Decimal("product_uom_qty")
	require.NoError(t, err)
	require.Equal(t, "3.0", qty)
	discount, err := sofa.Decimal("discount")
	require.NoError(t, err)
	require.Equal(t, "10.0", discount)

	product, err := sofa.Ref("product_id")
	require.NoError(t, err)
	require.Equal(t, odoo.Ref{ID: 36, Name: "[FURN_8999] Three-Seat Sofa"}, product)

	displayType, err := sofa.String("display_type") // False
	require.NoError(t, err)
	require.Empty(t, displayType)

	delivery, err := recs[2].Bool("is_delivery")
	require.NoError(t, err)
	require.True(t, delivery)
}

func TestDecodePartnerFromTranscript(t *testing.T) {
	recs := readRaw(t, "015-res.partner-read-address")
	require.Len(t, recs, 2)
	street2, err := recs[0].String("street2") // False
	require.NoError(t, err)
	require.Empty(t, street2)
	state, err := recs[0].Ref("state_id")
	require.NoError(t, err)
	require.Equal(t, odoo.Ref{ID: 13, Name: "California (US)"}, state)
}

func TestDecodeTransactionFromTranscript(t *testing.T) {
	recs := readRaw(t, "061-payment.transaction-read-new")
	require.Len(t, recs, 1)
	tx := recs[0]
	changed, err := tx.Time("last_state_change")
	require.NoError(t, err)
	require.Equal(t, time.Date(2026, 11, 24, 2, 25, 6, 0, time.UTC), changed)
	payment, err := tx.Ref("payment_id") // False
	require.NoError(t, err)
	require.True(t, payment.IsZero())
	orders, err := tx.IDs("sale_order_ids")
	require.NoError(t, err)
	require.Equal(t, []int64{37}, orders)
	invoices, err := tx.IDs("invoice_ids") // []
	require.NoError(t, err)
	require.Empty(t, invoices)
	message, err := tx.String("state_message") // False
	require.NoError(t, err)
	require.Empty(t, message)
	amount, err := tx.Money("amount", "USD")
	require.NoError(t, err)
	require.Equal(t, money.MustNew(28313, "USD"), amount)
}

func TestDecodeReadOfMissingIDIsNotFound(t *testing.T) {
	s := newStubOdoo(t)
	// The transcript is read()'s answer for a missing id, an empty list;
	// web_read, which ReadSaleOrder calls, answers the same (the web_read
	// conformance scenario pins it on a real Odoo).
	s.raw = func(c stubCall) (int, []byte, bool) {
		if c.Service == "object" {
			return 200, transcript(t, "083-fault-missing-record-read"), true
		}
		return 0, nil, false
	}
	c, _ := newTestClient(t, s)
	_, err := c.ReadSaleOrder(context.Background(), 99999999)
	require.ErrorIs(t, err, odoo.ErrNotFound)
	require.False(t, odoo.IsRetryable(err))
}

func TestRecordGetters(t *testing.T) {
	r := odoo.Record{
		"id": int64(7), "empty": nil, "no": false, "big": float64(3_000_000_000), "frac": 1.5,
		"pair": []any{int64(3), "Three"}, "bare": int64(4), "ids": []any{int64(1), int64(2)},
		"when": "2026-11-24 02:22:24", "micro": "2026-11-07 02:39:04.698986", "day": "2026-11-24",
		"tiny": 1e-05, "big_money": 1234567.5, "bad": []any{"x"}, "iso": "2026-11-24T02:22:24",
	}
	s, err := r.String("empty")
	require.NoError(t, err)
	require.Empty(t, s)
	s, err = r.String("no")
	require.NoError(t, err)
	require.Empty(t, s)

	n, err := r.Int64("big")
	require.NoError(t, err)
	require.Equal(t, int64(3_000_000_000), n)
	_, err = r.Int64("frac")
	require.Error(t, err)
	n, err = r.Int64("no")
	require.NoError(t, err)
	require.Zero(t, n)

	ref, err := r.Ref("bare")
	require.NoError(t, err)
	require.Equal(t, odoo.Ref{ID: 4}, ref)
	ref, err = r.Ref("no")
	require.NoError(t, err)
	require.True(t, ref.IsZero())
	_, err = r.Ref("bad")
	var pe *odoo.ProtocolError
	require.ErrorAs(t, err, &pe)

	ids, err := r.IDs("ids")
	require.NoError(t, err)
	require.Equal(t, []int64{1, 2}, ids)
	_, err = r.IDs("bad")
	require.Error(t, err)

	when, err := r.Time("micro")
	require.NoError(t, err)
	require.Equal(t, time.Date(2026, 11, 7, 2, 39, 4, 698986000, time.UTC), when)
	zero, err := r.Time("no")
	require.NoError(t, err)
	require.True(t, zero.IsZero())
	_, err = r.Time("iso")
	require.Error(t, err, "Odoo never writes an ISO T separator")
	day, err := r.Date("day")
	require.NoError(t, err)
	require.Equal(t, time.Date(2026, 11, 24, 0, 0, 0, 0, time.UTC), day)

	m, err := r.Money("tiny", "USD")
	require.NoError(t, err)
	require.True(t, m.IsZero())
	m, err = r.Money("big_money", "USD") // 'g' prints 1.2345675e+06
	require.NoError(t, err)
	require.Equal(t, money.MustNew(123456750, "USD"), m)
	_, err = r.Money("frac", "JPY")
	require.Error(t, err)

	_, err = r.String("missing")
	require.ErrorAs(t, err, &pe)
}

// web_read's answers for relational fields followed with a
// sub-specification: the co-record's values, False, or a list of them.
func TestRelatedGetters(t *testing.T) {
	r := odoo.Record{
		"partner": map[string]any{"id": int64(42), "name": "Ann"}, "none": false, "bare": int64(42),
		"lines": []any{map[string]any{"id": int64(1)}, map[string]any{"id": int64(2), "name": "B"}}, "ids": []any{int64(1)},
		"no_id": map[string]any{"name": "?"},
	}
	p, err := r.Related("partner")
	require.NoError(t, err)
	require.Equal(t, int64(42), p.ID())
	p, err = r.Related("none")
	require.NoError(t, err)
	require.Nil(t, p)
	var pe *odoo.ProtocolError
	for _, f := range []string{"bare", "no_id", "lines", "missing"} {
		_, err = r.Related(f)
		require.ErrorAs(t, err, &pe, f)
	}

	lines, err := r.RelatedList("lines")
	require.NoError(t, err)
	require.Len(t, lines, 2)
	require.Equal(t, int64(2), lines[1].ID())
	for _, f := range []string{"ids", "none", "partner", "missing"} {
		_, err = r.RelatedList(f)
		require.ErrorAs(t, err, &pe, f)
	}
}

func TestFormatHelpers(t *testing.T) {
	at := time.Date(2026, 11, 24, 13, 25, 6, 0, time.FixedZone("AEDT", 11*3600))
	require.Equal(t, "2026-11-24 02:25:06", odoo.FormatDatetime(at))
	require.Equal(t, "2026-11-24", odoo.FormatDate(at))
	back, err := odoo.ParseDatetime(odoo.FormatDatetime(at))
	require.NoError(t, err)
	require.True(t, back.Equal(at))
}

func TestWholeQuantity(t *testing.T) {
	tests := []struct {
		qty  string
		want int32
		ok   bool
	}{
		{"2.0", 2, true},
		{"16.0", 16, true},
		{"0.0", 0, true},
		{"-1.0", -1, true},
		{"2.5", 0, false},
		{"0.001", 0, false},
		{"3000000000.0", 0, false},
		{"", 0, false},
	}
	for _, tt := range tests {
		got, ok := odoo.OrderLine{Quantity: tt.qty}.WholeQuantity()
		require.Equal(t, tt.ok, ok, tt.qty)
		require.Equal(t, tt.want, got, tt.qty)
	}
}
