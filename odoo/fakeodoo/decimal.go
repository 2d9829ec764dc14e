package fakeodoo

import (
	"fmt"
	"math/big"
	"strconv"
	"strings"

	"github.com/odoo-afterpay/bridge/odoo/fakeodoo/internal/wire"
)

// decimal is the exact value of an Odoo float or monetary field. Odoo keeps
// these as PostgreSQL numerics and sends them as doubles; the fake keeps the
// exact decimal (converted once from the wire double's shortest text) so that
// prices, taxes and totals are computed without binary rounding errors and
// rounded half away from zero like Odoo's float_round.
//
// A decimal is immutable; the zero value is 0.
type decimal struct {
	r *big.Rat
}

func (d decimal) rat() *big.Rat {
	if d.r == nil {
		return new(big.Rat)
	}
	return d.r
}

// decimalFromFloat converts a wire double: its shortest repr is the decimal
// the Python client meant, so 283.13 becomes exactly 283.13.
func decimalFromFloat(f float64) decimal {
	d, err := parseDecimal(strconv.FormatFloat(f, 'g', -1, 64))
	if err != nil { // NaN/Inf cannot be stored by Odoo either
		return decimal{}
	}
	return d
}

func decimalFromInt(n int64) decimal { return decimal{r: new(big.Rat).SetInt64(n)} }

// decimalFromMinor builds units/10^places, e.g. (28313, 2) → 283.13.
func decimalFromMinor(units int64, places int) decimal {
	den := new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(places)), nil)
	return decimal{r: new(big.Rat).SetFrac(big.NewInt(units), den)}
}

// parseDecimal reads decimal text ("283.13", "1e-05") or an exact fraction
// ("4185/100", as Snapshot writes non-terminating values).
func parseDecimal(s string) (decimal, error) {
	r, ok := new(big.Rat).SetString(strings.TrimSpace(s))
	if !ok {
		return decimal{}, fmt.Errorf("fakeodoo: %q is not a decimal number", s)
	}
	return decimal{r: r}, nil
}

// Float64 is the double Odoo would send for this value.
func (d decimal) Float64() float64 {
	f, _ := d.rat().Float64()
	return f
}

// String is the value as Python would print the double, e.g. "283.13", "0.0".
func (d decimal) String() string { return wire.FormatFloat(d.Float64()) }

// exact is a lossless text form for snapshots.
func (d decimal) exact() string {
	r := d.rat()
	if r.IsInt() {
		return r.Num().String()
	}
	// A terminating decimal prints as such; others as a fraction.
	den := new(big.Int).Set(r.Denom())
	for _, p := range []int64{2, 5} {
		bp := big.NewInt(p)
		for new(big.Int).Mod(den, bp).Sign() == 0 {
			den.Div(den, bp)
		}
	}
	if den.Cmp(big.NewInt(1)) == 0 {
		places := 0
		for tmp := new(big.Rat).Set(r); !tmp.IsInt(); places++ {
			tmp.Mul(tmp, big.NewRat(10, 1))
		}
		return r.FloatString(places)
	}
	return r.RatString()
}

// Add returns d+o.
func (d decimal) Add(o decimal) decimal { return decimal{r: new(big.Rat).Add(d.rat(), o.rat())} }

// Sub returns d-o.
func (d decimal) Sub(o decimal) decimal { return decimal{r: new(big.Rat).Sub(d.rat(), o.rat())} }

// Mul returns d*o.
func (d decimal) Mul(o decimal) decimal { return decimal{r: new(big.Rat).Mul(d.rat(), o.rat())} }

// Div returns d/o; division by zero yields zero (Odoo guards those paths).
func (d decimal) Div(o decimal) decimal {
	if o.IsZero() {
		return decimal{}
	}
	return decimal{r: new(big.Rat).Quo(d.rat(), o.rat())}
}

// Neg returns -d.
func (d decimal) Neg() decimal { return decimal{r: new(big.Rat).Neg(d.rat())} }

// Abs returns |d|.
func (d decimal) Abs() decimal { return decimal{r: new(big.Rat).Abs(d.rat())} }

// Cmp compares like big.Rat.Cmp.
func (d decimal) Cmp(o decimal) int { return d.rat().Cmp(o.rat()) }

// Sign is -1, 0 or +1.
func (d decimal) Sign() int { return d.rat().Sign() }

// IsZero reports d == 0.
func (d decimal) IsZero() bool { return d.Sign() == 0 }

// Round rounds to places decimals, half away from zero (Odoo's float_round
// with HALF-UP, which is symmetric around zero).
func (d decimal) Round(places int) decimal {
	return decimalFromMinor(d.Minor(places), places)
}

// Minor is d in units of 10^-places, rounded half away from zero.
func (d decimal) Minor(places int) int64 {
	scale := new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(places)), nil)
	scaled := new(big.Rat).Mul(d.rat(), new(big.Rat).SetInt(scale))
	num := new(big.Int).Abs(scaled.Num())
	den := scaled.Denom()
	q, rem := new(big.Int).QuoRem(num, den, new(big.Int))
	if new(big.Int).Mul(rem, big.NewInt(2)).Cmp(den) >= 0 {
		q.Add(q, big.NewInt(1))
	}
	if scaled.Sign() < 0 {
		q.Neg(q)
	}
	return q.Int64()
}
