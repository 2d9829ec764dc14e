package fakeodoo

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func dec(t *testing.T, s string) decimal {
	t.Helper()
	d, err := parseDecimal(s)
	require.NoError(t, err)
	return d
}

func TestDecimalRoundsHalfAwayFromZero(t *testing.T) {
	tests := []struct {
		in     string
		places int
		want   string
	}{
		{"2.675", 2, "2.68"},
		{"-2.675", 2, "-2.68"},
		{"1.005", 2, "1.01"},
		{"41.85", 2, "41.85"},
		{"48.1275", 2, "48.13"},
		{"6.2775", 2, "6.28"},
		{"152.983", 2, "152.98"},
		{"0.5", 0, "1.0"},
		{"-0.5", 0, "-1.0"},
		{"0.004999", 2, "0.0"},
	}
	for _, tt := range tests {
		require.Equal(t, tt.want, dec(t, tt.in).Round(tt.places).String(), "%s rounded to %d", tt.in, tt.places)
	}
	require.Equal(t, int64(28313), dec(t, "283.13").Minor(2))
}

func TestDecimalFromFloatIsTheShortestRepr(t *testing.T) {
	require.Equal(t, "0.1", decimalFromFloat(0.1).exact())
	require.Equal(t, "283.13", decimalFromFloat(283.13).exact())
	require.Equal(t, "1/3", decimalFromInt(1).Div(decimalFromInt(3)).exact())
	d, err := parseDecimal("1/3")
	require.NoError(t, err)
	require.Zero(t, d.Cmp(decimalFromInt(1).Div(decimalFromInt(3))))
	require.Equal(t, 283.13, dec(t, "283.13").Float64())
}

// The tax engine reproduces Odoo's numbers from transcript 027: 3 × 15.50
// less 10 % with 15 % tax.
func TestComputeLineLikeOdoo(t *testing.T) {
	srv, err := New(Options{})
	require.NoError(t, err)
	tx := srv.newTx(1, nil, false)
	tx.dirty["account.tax"] = map[int64]record{1: {"id": int64(1), "amount_type": "percent", "amount": decimalFromInt(15), "sequence": int64(1)}}
	a := tx.computeLine(dec(t, "15.5"), dec(t, "3"), dec(t, "10"), []int64{1}, 2)
	require.Equal(t, "41.85", a.subtotal.String())
	require.Equal(t, "48.13", a.total.String())
	require.Equal(t, "6.28", a.tax().String())
	require.Equal(t, 6.280000000000001, a.priceTaxWire().Float64(), "Odoo's float subtraction")

	tx.dirty["account.tax"][2] = record{"id": int64(2), "amount_type": "percent", "amount": decimalFromInt(10),
		"price_include_override": "tax_included", "sequence": int64(1)}
	inc := tx.computeLine(dec(t, "110"), dec(t, "1"), decimal{}, []int64{2}, 2)
	require.Equal(t, "100.0", inc.subtotal.String())
	require.Equal(t, "110.0", inc.total.String())
}

func TestShortenLikeTextwrap(t *testing.T) {
	require.Equal(t, "S00037 - Afterpay Test Customer - AP- [...]", shorten("S00037 - Afterpay Test Customer - AP-CAPTURE-778899", 50))
	require.Equal(t, "S00040 - Afterpay Test Customer - AP-CAPTURE-0004", shorten("S00040 - Afterpay Test Customer - AP-CAPTURE-0004", 50))
	require.Equal(t, "a b", shorten("  a   b ", 50))
}
