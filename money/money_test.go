package money

import (
	"encoding/json"
	"errors"
	"testing"
)

func TestParse(t *testing.T) {
	tests := []struct {
		in      string
		want    int64
		wantErr error
	}{
		{"29.99", 2999, nil},
		{"30", 3000, nil},
		{"30.5", 3050, nil},
		{"0.01", 1, nil},
		{"-3.00", -300, nil},
		{"0007.10", 710, nil},
		{"29.999", 0, ErrPrecision},
		{"1,000.00", 0, ErrSyntax},
		{"1e3", 0, ErrSyntax},
		{"", 0, ErrSyntax},
		{"FREE", 0, ErrSyntax},
		{"$2", 0, ErrSyntax},
		{" 2.00", 0, ErrSyntax},
		{"2.", 0, ErrSyntax},
		{".5", 0, ErrSyntax},
		{"+2.00", 0, ErrSyntax},
		{"99999999999999999", 0, ErrRange},
	}
	for _, tt := range tests {
		got, err := Parse(tt.in, "USD")
		if !errors.Is(err, tt.wantErr) {
			t.Errorf("Parse(%q) error = %v, want %v", tt.in, err, tt.wantErr)
			continue
		}
		if err == nil && got.Minor != tt.want {
			t.Errorf("Parse(%q) = %d, want %d", tt.in, got.Minor, tt.want)
		}
	}
}

func TestParseRejectsUnknownCurrency(t *testing.T) {
	for _, c := range []string{"", "usd", "JPY", "XXX"} {
		if _, err := Parse("1.00", c); !errors.Is(err, ErrCurrency) {
			t.Errorf("Parse with currency %q: error = %v, want ErrCurrency", c, err)
		}
	}
}

func TestParseDecimalRoundsOdooDoubles(t *testing.T) {
	tests := []struct {
		in   string
		want int64
	}{
		{"6.280000000000001", 628},
		{"278.13", 27813},
		{"115.0", 11500},
		{"0.005", 1},
		{"-0.005", -1},
		{"2.675", 268}, // the decimal string, not the binary double, decides
		{"1e-05", 0},
		{"1.5e2", 15000},
		{"0.0", 0},
	}
	for _, tt := range tests {
		got, err := ParseDecimal(tt.in, "USD")
		if err != nil {
			t.Fatalf("ParseDecimal(%q): %v", tt.in, err)
		}
		if got.Minor != tt.want {
			t.Errorf("ParseDecimal(%q) = %d, want %d", tt.in, got.Minor, tt.want)
		}
	}
}

func TestAmountFormatsTwoDecimals(t *testing.T) {
	tests := map[int64]string{0: "0.00", 1: "0.01", 50: "0.50", 2999: "29.99", -300: "-3.00", 123456789: "1234567.89"}
	for minor, want := range tests {
		if got := MustNew(minor, "AUD").Amount(); got != want {
			t.Errorf("Amount(%d) = %q, want %q", minor, got, want)
		}
	}
}

func TestJSONRoundTripAndStrictness(t *testing.T) {
	b, err := json.Marshal(MustNew(2999, "USD"))
	if err != nil {
		t.Fatal(err)
	}
	if string(b) != `{"amount":"29.99","currency":"USD"}` {
		t.Fatalf("Marshal = %s", b)
	}
	var m Money
	if err := json.Unmarshal(b, &m); err != nil || m != MustNew(2999, "USD") {
		t.Fatalf("Unmarshal = %v, %v", m, err)
	}
	var zero Money
	raw, err := json.Marshal(Money{})
	if err != nil || json.Unmarshal(raw, &zero) != nil || zero != (Money{}) {
		t.Fatalf("the zero value does not round-trip: %s, %v", raw, zero)
	}
	for _, bad := range []string{
		`{"amount":"1.00","currency":""}`,
		`{"amount":29.99,"currency":"USD"}`,
		`{"amount":"29.999","currency":"USD"}`,
		`{"amount":null,"currency":"USD"}`,
		`{"currency":"USD"}`,
		`{"amount":"1.00","currency":"usd"}`,
		`{"amount":"1,000","currency":"USD"}`,
	} {
		if err := json.Unmarshal([]byte(bad), &m); err == nil {
			t.Errorf("Unmarshal(%s) accepted", bad)
		}
	}
}

func TestArithmetic(t *testing.T) {
	a, b := MustNew(1000, "USD"), MustNew(1, "USD")
	sum, err := a.Add(b)
	if err != nil || sum.Minor != 1001 {
		t.Fatalf("Add = %v, %v", sum, err)
	}
	diff, err := a.Sub(b)
	if err != nil || diff.Minor != 999 {
		t.Fatalf("Sub = %v, %v", diff, err)
	}
	if _, err := a.Add(MustNew(1, "AUD")); !errors.Is(err, ErrMismatched) {
		t.Fatalf("Add across currencies: %v", err)
	}
	if c, _ := a.Cmp(b); c != 1 {
		t.Fatalf("Cmp = %d", c)
	}
	start, err := Money{}.Add(a)
	if err != nil || start != a {
		t.Fatalf("zero value Add = %v, %v", start, err)
	}
}

func TestSplitAddsUpExactly(t *testing.T) {
	for _, minor := range []int64{0, 1, 2, 3, 4, 5, 10001, 2999, 115} {
		parts := MustNew(minor, "USD").Split(4)
		var total int64
		for i, p := range parts {
			total += p.Minor
			if i > 0 && parts[i-1].Minor < p.Minor {
				t.Errorf("Split(%d): later part larger: %v", minor, parts)
			}
		}
		if total != minor {
			t.Errorf("Split(%d) adds to %d", minor, total)
		}
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{"29.99", "0", "-1.5", "1,000", "1e3", "", "9999999999999999.99", "00.01"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		m, err := Parse(s, "USD")
		if err != nil {
			return
		}
		// Whatever parses must format back to an equal value.
		back, err := Parse(m.Amount(), "USD")
		if err != nil || back != m {
			t.Fatalf("Parse(%q)=%v, re-parse of %q = %v, %v", s, m, m.Amount(), back, err)
		}
	})
}

func FuzzParseDecimal(f *testing.F) {
	for _, s := range []string{"6.280000000000001", "1e-05", "2.675", "-0.005", "1.5E2"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		m, err := ParseDecimal(s, "USD")
		if err != nil {
			return
		}
		if _, err := Parse(m.Amount(), "USD"); err != nil {
			t.Fatalf("ParseDecimal(%q)=%v does not format to a valid amount: %v", s, m, err)
		}
	})
}
