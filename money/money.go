// Package money holds amounts of money as integer minor units with an ISO 4217
// currency, so that no cent is ever lost to binary floating point.
//
// Its JSON form is Afterpay's Money object, {"amount":"29.99","currency":"USD"},
// which keeps workflow histories readable in the Temporal Web UI and lets the
// Afterpay client put a Money on the wire as it is.
package money

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Money is an amount in minor units (cents) of a currency. The zero value is
// zero in no currency.
type Money struct {
	// Minor is the amount in the currency's minor unit, e.g. 2999 for 29.99.
	Minor int64
	// Currency is the upper-case ISO 4217 code, e.g. "USD".
	Currency string
}

// decimals is the number of minor-unit digits of every currency the product
// handles. Afterpay trades in AUD, NZD, USD, CAD, GBP and EUR, all of which have
// two; a currency with another exponent is rejected rather than mis-scaled.
const decimals = 2

var supportedExponent = map[string]bool{
	"AUD": true, "NZD": true, "USD": true, "CAD": true, "GBP": true, "EUR": true,
}

// Errors returned by the parsers; wrap-checked with errors.Is.
var (
	ErrSyntax     = errors.New("money: amount is not a plain decimal number")
	ErrPrecision  = errors.New("money: amount has more than two decimal places")
	ErrRange      = errors.New("money: amount is out of range")
	ErrCurrency   = errors.New("money: currency is not a supported ISO 4217 code")
	ErrMismatched = errors.New("money: currencies differ")
)

// New returns minor units of currency, checking the currency code.
func New(minor int64, currency string) (Money, error) {
	if err := checkCurrency(currency); err != nil {
		return Money{}, err
	}
	return Money{Minor: minor, Currency: currency}, nil
}

// MustNew is New for constants in tests and seed data; it panics on a bad currency.
func MustNew(minor int64, currency string) Money {
	m, err := New(minor, currency)
	if err != nil {
		panic(err)
	}
	return m
}

func checkCurrency(currency string) error {
	if !supportedExponent[currency] {
		return fmt.Errorf("%w: %q", ErrCurrency, currency)
	}
	return nil
}

// Parse reads an amount as Afterpay writes it: digits, optionally a point and
// one or two decimals ("29.99", "30", "30.5"), with an optional leading minus.
// It rejects three or more decimals, thousands separators, exponents, signs
// other than a leading minus, spaces and empty strings.
func Parse(amount, currency string) (Money, error) {
	if err := checkCurrency(currency); err != nil {
		return Money{}, err
	}
	minor, err := parseMinor(amount, false)
	if err != nil {
		return Money{}, err
	}
	return Money{Minor: minor, Currency: currency}, nil
}

// ParseDecimal reads a decimal of any precision ("6.280000000000001", as Odoo
// sends a float through XML-RPC) and rounds it half away from zero to minor
// units, which is what Odoo's float_round does for monetary fields.
func ParseDecimal(amount, currency string) (Money, error) {
	if err := checkCurrency(currency); err != nil {
		return Money{}, err
	}
	s := amount
	// Odoo's doubles may arrive in exponent form for very small values ("1e-05").
	if strings.ContainsAny(s, "eE") {
		plain, err := expandExponent(s)
		if err != nil {
			return Money{}, err
		}
		s = plain
	}
	minor, err := parseMinor(s, true)
	if err != nil {
		return Money{}, err
	}
	return Money{Minor: minor, Currency: currency}, nil
}

// parseMinor converts a plain decimal string into minor units. With round set,
// digits beyond the second decimal are rounded half away from zero; without it
// they are an error.
func parseMinor(s string, round bool) (int64, error) {
	if s == "" {
		return 0, fmt.Errorf("%w: empty", ErrSyntax)
	}
	neg := false
	if s[0] == '-' {
		neg = true
		s = s[1:]
	}
	intPart, frac, hasPoint := strings.Cut(s, ".")
	if intPart == "" || !allDigits(intPart) || (hasPoint && (frac == "" || !allDigits(frac))) {
		return 0, fmt.Errorf("%w: %q", ErrSyntax, s)
	}
	roundUp := false
	if len(frac) > decimals {
		if !round {
			return 0, fmt.Errorf("%w: %q", ErrPrecision, s)
		}
		roundUp = frac[decimals] >= '5'
		frac = frac[:decimals]
	}
	frac += strings.Repeat("0", decimals-len(frac))
	intPart = strings.TrimLeft(intPart, "0")
	if len(intPart) > 16 { // keeps minor units well inside int64
		return 0, fmt.Errorf("%w: %q", ErrRange, s)
	}
	whole := int64(0)
	if intPart != "" {
		v, err := strconv.ParseInt(intPart, 10, 64)
		if err != nil {
			return 0, fmt.Errorf("%w: %q", ErrRange, s)
		}
		whole = v
	}
	f, _ := strconv.ParseInt(frac, 10, 64)
	minor := whole*100 + f
	if roundUp {
		minor++
	}
	if neg {
		minor = -minor
	}
	return minor, nil
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// expandExponent rewrites "1.5e-05" as a plain decimal string without going
// through a float.
func expandExponent(s string) (string, error) {
	mant, expStr, _ := strings.Cut(strings.ToLower(s), "e")
	exp, err := strconv.Atoi(expStr)
	if err != nil || exp > 18 || exp < -40 {
		return "", fmt.Errorf("%w: %q", ErrSyntax, s)
	}
	neg := strings.HasPrefix(mant, "-")
	mant = strings.TrimPrefix(mant, "-")
	intPart, frac, _ := strings.Cut(mant, ".")
	if intPart == "" || !allDigits(intPart) || !allDigits(frac) {
		return "", fmt.Errorf("%w: %q", ErrSyntax, s)
	}
	digits := intPart + frac
	point := len(intPart) + exp
	switch {
	case point <= 0:
		digits = "0." + strings.Repeat("0", -point) + digits
	case point >= len(digits):
		digits += strings.Repeat("0", point-len(digits))
	default:
		digits = digits[:point] + "." + digits[point:]
	}
	if neg {
		digits = "-" + digits
	}
	return digits, nil
}

// Amount formats the amount with exactly two decimals, as Afterpay requires:
// "29.99", "0.50", "-3.00".
func (m Money) Amount() string {
	v := m.Minor
	sign := ""
	if v < 0 {
		sign = "-"
		if v == math.MinInt64 {
			return "-92233720368547758.08"
		}
		v = -v
	}
	return fmt.Sprintf("%s%d.%02d", sign, v/100, v%100)
}

// String formats the amount with its currency, e.g. "29.99 USD".
func (m Money) String() string { return m.Amount() + " " + m.Currency }

// IsZero reports whether the amount is zero.
func (m Money) IsZero() bool { return m.Minor == 0 }

// Add returns m+o; both must be in the same currency.
func (m Money) Add(o Money) (Money, error) {
	if err := m.sameCurrency(o); err != nil {
		return Money{}, err
	}
	if (o.Minor > 0 && m.Minor > math.MaxInt64-o.Minor) || (o.Minor < 0 && m.Minor < math.MinInt64-o.Minor) {
		return Money{}, ErrRange
	}
	return Money{Minor: m.Minor + o.Minor, Currency: m.currency(o)}, nil
}

// Sub returns m-o; both must be in the same currency.
func (m Money) Sub(o Money) (Money, error) {
	if o.Minor == math.MinInt64 {
		return Money{}, ErrRange
	}
	return m.Add(Money{Minor: -o.Minor, Currency: o.Currency})
}

// Cmp compares m and o: -1, 0 or +1. Both must be in the same currency.
func (m Money) Cmp(o Money) (int, error) {
	if err := m.sameCurrency(o); err != nil {
		return 0, err
	}
	switch {
	case m.Minor < o.Minor:
		return -1, nil
	case m.Minor > o.Minor:
		return 1, nil
	}
	return 0, nil
}

// Split divides m into n parts that differ by at most one minor unit and add
// up to m exactly; the earlier parts carry the remainder, as Afterpay's
// instalment plans put any odd cent on the first instalment.
func (m Money) Split(n int) []Money {
	if n <= 0 {
		return nil
	}
	parts := make([]Money, n)
	base, rem := m.Minor/int64(n), m.Minor%int64(n)
	for i := range parts {
		parts[i] = Money{Minor: base, Currency: m.Currency}
		if int64(i) < rem {
			parts[i].Minor++
		}
	}
	return parts
}

// sameCurrency allows a zero value without a currency on either side, so that
// sums can start from Money{}.
func (m Money) sameCurrency(o Money) error {
	if m.Currency != o.Currency && m.Currency != "" && o.Currency != "" {
		return fmt.Errorf("%w: %s and %s", ErrMismatched, m.Currency, o.Currency)
	}
	return nil
}

func (m Money) currency(o Money) string {
	if m.Currency != "" {
		return m.Currency
	}
	return o.Currency
}

type wire struct {
	Amount   json.RawMessage `json:"amount"`
	Currency string          `json:"currency"`
}

// MarshalJSON writes Afterpay's Money object.
func (m Money) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		Amount   string `json:"amount"`
		Currency string `json:"currency"`
	}{m.Amount(), m.Currency})
}

// UnmarshalJSON reads Afterpay's Money object strictly: the amount must be a
// JSON string with at most two decimals (a JSON number is rejected, because it
// would be a float on someone's side) and the currency a supported code. The
// one exception is the zero value, a zero amount with no currency.
func (m *Money) UnmarshalJSON(b []byte) error {
	var w wire
	if err := json.Unmarshal(b, &w); err != nil {
		return fmt.Errorf("money: %w", err)
	}
	if len(w.Amount) == 0 || string(w.Amount) == "null" {
		return fmt.Errorf("%w: amount missing", ErrSyntax)
	}
	var s string
	if err := json.Unmarshal(w.Amount, &s); err != nil {
		return fmt.Errorf("%w: amount must be a string, got %s", ErrSyntax, w.Amount)
	}
	if w.Currency == "" {
		// The zero value (no amount in no currency) must survive a round
		// trip, e.g. an unset amount inside a workflow payload.
		minor, err := parseMinor(s, false)
		if err != nil {
			return err
		}
		if minor != 0 {
			return fmt.Errorf("%w: %q without a currency", ErrCurrency, s)
		}
		*m = Money{}
		return nil
	}
	v, err := Parse(s, w.Currency)
	if err != nil {
		return err
	}
	*m = v
	return nil
}
