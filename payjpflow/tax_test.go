package payjpflow

import (
	"testing"

	"github.com/kessai/kessai"
	"github.com/kessai/kessai/accounting"
)

func rate(pct string, inclusive bool) kessai.TaxRate {
	p, err := accounting.ParsePercentage(pct)
	if err != nil {
		panic(err)
	}
	return kessai.TaxRate{Percentage: p, Inclusive: inclusive}
}

func TestComputeLine(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name            string
		unit, qty       int64
		rates           []kessai.TaxRate
		sub, tax, total int64
	}{
		{"no tax", 1000, 3, nil, 3000, 0, 3000},
		{"exclusive 10 %", 1000, 1, []kessai.TaxRate{rate("10", false)}, 1000, 100, 1100},
		{"exclusive 10 % drops the fraction", 999, 1, []kessai.TaxRate{rate("10", false)}, 999, 99, 1098},
		{"exclusive 8 % on the line, not per unit", 105, 3, []kessai.TaxRate{rate("8", false)}, 315, 25, 340},
		{"inclusive 10 %", 1100, 1, []kessai.TaxRate{rate("10", true)}, 1100, 100, 1100},
		{"inclusive 10 % drops the fraction", 1000, 1, []kessai.TaxRate{rate("10", true)}, 1000, 90, 1000},
		{"inclusive 8 %", 1080, 2, []kessai.TaxRate{rate("8", true)}, 2160, 160, 2160},
		{"exclusive 8.5 % exactly", 2000, 1, []kessai.TaxRate{rate("8.5", false)}, 2000, 170, 2170},
		{"exclusive 0.0001 %", 9_999_999, 1, []kessai.TaxRate{rate("0.0001", false)}, 9_999_999, 9, 10_000_008},
		{"two exclusive rates each dropped", 999, 1, []kessai.TaxRate{rate("10", false), rate("5", false)}, 999, 99 + 49, 1147},
		{"inclusive then exclusive on the net", 1100, 1, []kessai.TaxRate{rate("10", true), rate("5", false)}, 1100, 100 + 50, 1150},
		{"zero rate", 500, 1, []kessai.TaxRate{rate("0", false)}, 500, 0, 500},
		{"100 % inclusive is half", 1001, 1, []kessai.TaxRate{rate("100", true)}, 1001, 500, 1001},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, ok := ComputeLine(c.unit, c.qty, c.rates)
			if !ok || got.Subtotal != c.sub || got.Tax != c.tax || got.Total != c.total {
				t.Errorf("ComputeLine(%d, %d) = %+v %v, want sub %d tax %d total %d", c.unit, c.qty, got, ok, c.sub, c.tax, c.total)
			}
		})
	}
	for _, c := range []struct{ unit, qty int64 }{{MaxAmount, 2}, {1 << 40, 1 << 40}, {-1, 1}} {
		if _, ok := ComputeLine(c.unit, c.qty, nil); ok {
			t.Errorf("ComputeLine(%d, %d) accepted an amount beyond %d", c.unit, c.qty, MaxAmount)
		}
	}
}

// FuzzComputeLine: whatever the rates, a line's tax is within its total,
// inclusive taxes never raise the total, and the total is the subtotal
// plus the exclusive part of the tax.
func FuzzComputeLine(f *testing.F) {
	f.Add(int64(1000), int64(3), int64(100000), true, int64(80000), false)
	f.Add(int64(999), int64(1), int64(1), false, int64(1000000), true)
	f.Fuzz(func(t *testing.T, unit, qty, p1 int64, inc1 bool, p2 int64, inc2 bool) {
		if p1 < 0 || p1 > percentDenominator || p2 < 0 || p2 > percentDenominator {
			return
		}
		rates := []kessai.TaxRate{{Percentage: p1, Inclusive: inc1}, {Percentage: p2, Inclusive: inc2}}
		got, ok := ComputeLine(unit, qty, rates)
		if !ok {
			if unit >= 0 && qty >= 0 && unit <= MaxAmount && qty <= MaxAmount && unit*qty <= MaxAmount {
				t.Fatalf("ComputeLine(%d, %d) refused a payable line", unit, qty)
			}
			return
		}
		if got.Subtotal != unit*qty || got.Tax < 0 || got.Total < got.Subtotal || got.Tax > got.Total {
			t.Fatalf("ComputeLine(%d, %d, %v) = %+v", unit, qty, rates, got)
		}
		var incTax int64
		if !inc1 && !inc2 {
			incTax = 0
		} else {
			incTax = got.Tax - (got.Total - got.Subtotal)
		}
		if incTax < 0 || incTax > got.Subtotal {
			t.Fatalf("inclusive part %d of %+v", incTax, got)
		}
	})
}
