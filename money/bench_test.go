package money

import (
	"encoding/json"
	"testing"
)

func BenchmarkParse(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse("1234.56", "USD"); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParseDecimal(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseDecimal("6.280000000000001", "USD"); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkJSONRoundTrip(b *testing.B) {
	m := MustNew(123456, "AUD")
	b.ReportAllocs()
	for b.Loop() {
		raw, err := json.Marshal(m)
		if err != nil {
			b.Fatal(err)
		}
		var back Money
		if err := json.Unmarshal(raw, &back); err != nil {
			b.Fatal(err)
		}
	}
}
