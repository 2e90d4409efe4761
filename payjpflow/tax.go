package payjpflow

import (
	"math/bits"

	"github.com/kessai/kessai"
)

// percentDenominator is 100 % in the units of kessai.TaxRate.Percentage
// (ten-thousandths of a percent).
const percentDenominator = 100 * 10000

// LineAmounts is a checkout line's amounts in whole yen.
type LineAmounts struct {
	Subtotal int64 // unit amount × quantity: the price as shown, before exclusive taxes
	Tax      int64 // every tax rate's amount, inclusive and exclusive
	Total    int64 // subtotal plus the exclusive taxes
}

// ComputeLine computes the amounts of a line of unit × quantity with its
// tax rates, in whole yen (docs/checkout.md):
//
//   - the subtotal is unit × quantity;
//   - each inclusive rate p takes floor(subtotal × p ÷ (100 % + the sum of
//     the line's inclusive rates)) out of the subtotal;
//   - each exclusive rate p adds floor(net × p ÷ 100 %), where net is the
//     subtotal less its inclusive taxes;
//   - the tax is the sum of both kinds, the total is the subtotal plus the
//     exclusive taxes.
//
// Fractions of a yen are dropped (切り捨て), once per line and rate. ok is
// false when unit × quantity overflows.
func ComputeLine(unit, quantity int64, rates []kessai.TaxRate) (LineAmounts, bool) {
	if unit < 0 || quantity < 0 {
		return LineAmounts{}, false
	}
	hi, sub := bits.Mul64(uint64(unit), uint64(quantity))
	if hi != 0 || sub > uint64(MaxAmount) {
		return LineAmounts{}, false
	}
	s := int64(sub)
	var inclusive int64
	for _, r := range rates {
		if r.Inclusive {
			inclusive += r.Percentage
		}
	}
	var incTax, excTax int64
	for _, r := range rates {
		if r.Inclusive {
			incTax += s * r.Percentage / (percentDenominator + inclusive)
		}
	}
	net := s - incTax
	for _, r := range rates {
		if !r.Inclusive {
			excTax += net * r.Percentage / percentDenominator
		}
	}
	return LineAmounts{Subtotal: s, Tax: incTax + excTax, Total: s + excTax}, true
}
