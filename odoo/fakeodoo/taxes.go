package fakeodoo

import (
	"slices"
)

// lineAmounts are a priced line's amounts, rounded to the currency like
// Odoo's monetary fields (round per line, half away from zero).
type lineAmounts struct {
	subtotal decimal // price_subtotal
	total    decimal // price_total
	// taxes is each tax's amount on this line, rounded (round_per_line).
	taxes map[int64]decimal
	// taxOrder lists the taxes in application order.
	taxOrder []int64
}

// tax returns the line's total tax.
func (a lineAmounts) tax() decimal {
	var sum decimal
	for _, id := range a.taxOrder {
		sum = sum.Add(a.taxes[id])
	}
	return sum
}

// priceTaxWire is price_tax as Odoo 18 stores it: price_total − price_subtotal
// computed in binary floating point, so 48.13 − 41.85 reads 6.280000000000001.
// This float subtraction is the one deliberate use of doubles for money: it
// reproduces Odoo's own arithmetic for the wire.
func (a lineAmounts) priceTaxWire() decimal {
	return decimalFromFloat(a.total.Float64() - a.subtotal.Float64())
}

var (
	hundred = decimalFromInt(100)
	one     = decimalFromInt(1)
)

// computeLine prices quantity × unit price less the discount percentage and
// applies the taxes (account.tax._add_tax_details_in_base_line), keeping the
// raw amounts exact and rounding each result to the currency's places.
func (t *tx) computeLine(priceUnit, qty, discount decimal, taxIDs []int64, places int) lineAmounts {
	base := priceUnit.Mul(qty).Mul(one.Sub(discount.Div(hundred)))
	taxes := t.orderTaxes(taxIDs)
	// Price-included taxes are taken out of the base first.
	excluded := base
	for _, id := range taxes {
		r := t.rec("account.tax", id)
		if taxIncluded(r) && str(r["amount_type"]) == "percent" {
			rate := decOf(r["amount"]).Div(hundred)
			excluded = excluded.Div(one.Add(rate))
		}
	}
	out := lineAmounts{taxes: map[int64]decimal{}}
	totalIncluded := excluded
	taxBase := excluded
	for _, id := range taxes {
		r := t.rec("account.tax", id)
		amount := decOf(r["amount"])
		var taxRaw decimal
		switch str(r["amount_type"]) {
		case "fixed":
			taxRaw = amount.Mul(qty)
		case "division":
			rate := amount.Div(hundred)
			taxRaw = taxBase.Div(one.Sub(rate)).Sub(taxBase)
		default: // percent
			taxRaw = taxBase.Mul(amount).Div(hundred)
		}
		out.taxOrder = append(out.taxOrder, id)
		out.taxes[id] = taxRaw.Round(places)
		totalIncluded = totalIncluded.Add(taxRaw)
		if boolOf(r["include_base_amount"]) {
			taxBase = taxBase.Add(taxRaw)
		}
	}
	out.subtotal = excluded.Round(places)
	out.total = totalIncluded.Round(places)
	return out
}

func taxIncluded(r record) bool {
	switch v := r["price_include_override"].(type) {
	case string:
		return v == "tax_included"
	}
	return boolOf(r["price_include"])
}

// orderTaxes sorts taxes by sequence then id, the order Odoo applies them.
func (t *tx) orderTaxes(ids []int64) []int64 {
	out := slices.Clone(ids)
	slices.SortStableFunc(out, func(a, b int64) int {
		sa, sb := intOf(t.rec("account.tax", a)["sequence"]), intOf(t.rec("account.tax", b)["sequence"])
		if sa != sb {
			if sa < sb {
				return -1
			}
			return 1
		}
		switch {
		case a < b:
			return -1
		case a > b:
			return 1
		}
		return 0
	})
	return out
}

// totals sums lines the way sale.order and account.move do with
// round_per_line: untaxed is the sum of subtotals, tax the sum of the
// per-line rounded taxes.
type totals struct {
	untaxed, tax decimal
	perTax       map[int64]decimal
	taxOrder     []int64
}

func (s *totals) add(a lineAmounts) {
	if s.perTax == nil {
		s.perTax = map[int64]decimal{}
	}
	s.untaxed = s.untaxed.Add(a.subtotal)
	for _, id := range a.taxOrder {
		if _, ok := s.perTax[id]; !ok {
			s.taxOrder = append(s.taxOrder, id)
		}
		s.perTax[id] = s.perTax[id].Add(a.taxes[id])
		s.tax = s.tax.Add(a.taxes[id])
	}
}

func (s totals) total() decimal { return s.untaxed.Add(s.tax) }
