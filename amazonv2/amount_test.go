package amazonv2

import (
	"strconv"
	"testing"

	"github.com/kessai/kessai"
)

func TestParsePrice(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		amount, cur string
		want        int64
		ok          bool
	}{
		{"1000", "JPY", 1000, true},
		{"1000", "jpy", 1000, true},
		{"1000.00", "JPY", 1000, true},
		{"0", "JPY", 0, true},
		{"94.50", "USD", 9450, true},
		{"94.5", "EUR", 9450, true},
		{"1000.5", "JPY", 0, false},
		{"94.505", "USD", 0, false},
		{"-1", "JPY", 0, false},
		{"+1", "JPY", 0, false},
		{"1e3", "JPY", 0, false},
		{" 1", "JPY", 0, false},
		{"", "JPY", 0, false},
		{".5", "USD", 0, false},
		{"5.", "USD", 0, false},
		{"１０００", "JPY", 0, false},
		{"1000000000001", "JPY", 0, false},
		{"99999999999999999999", "JPY", 0, false},
		{"1000", "XYZ", 0, false},
		{"1000", "", 0, false},
	} {
		n, _, err := ParsePrice("chargeAmount", &Price{Amount: c.amount, CurrencyCode: c.cur})
		if (err == nil) != c.ok || n != c.want {
			t.Errorf("ParsePrice(%q %q) = %d, %v; want %d ok=%v", c.amount, c.cur, n, err, c.want, c.ok)
		}
		if err != nil && errorOf(err).ReasonCode != "InvalidParameterValue" {
			t.Errorf("ParsePrice(%q %q): %s, want InvalidParameterValue", c.amount, c.cur, errorOf(err).ReasonCode)
		}
	}
	if _, _, err := ParsePrice("chargeAmount", nil); errorOf(err).ReasonCode != "MissingParameterValue" {
		t.Errorf("no price: %v", err)
	}
}

func TestFormatPrice(t *testing.T) {
	t.Parallel()
	if p := FormatPrice(11500, "jpy"); p != (Price{Amount: "11500", CurrencyCode: "JPY"}) {
		t.Errorf("JPY: %+v", p)
	}
	if p := FormatPrice(9450, "usd"); p != (Price{Amount: "94.50", CurrencyCode: "USD"}) {
		t.Errorf("USD: %+v", p)
	}
}

// FuzzParseAmount: the parser never panics, accepts only what it can
// write back, and never goes past MaxAmount.
func FuzzParseAmount(f *testing.F) {
	for _, s := range []string{"1000", "94.50", "0", "1000.00", "-1", "1e3", "", "9223372036854775808", "00012"} {
		f.Add(s, "JPY")
		f.Add(s, "USD")
	}
	f.Fuzz(func(t *testing.T, s, code string) {
		cur, ok := kessai.LookupCurrency(code)
		if !ok {
			return
		}
		n, err := ParseAmount(s, cur)
		if err != nil {
			return
		}
		if n < 0 || n > MaxAmount {
			t.Fatalf("ParseAmount(%q) = %d", s, n)
		}
		back, err := ParseAmount(FormatPrice(n, cur.Code).Amount, cur)
		if err != nil || back != n {
			t.Fatalf("ParseAmount(%q) = %d, written back %q → %d, %v", s, n, FormatPrice(n, cur.Code).Amount, back, err)
		}
		if cur.Digits == 0 {
			if _, err := strconv.ParseInt(FormatPrice(n, cur.Code).Amount, 10, 64); err != nil {
				t.Fatalf("a JPY amount with decimals: %q", FormatPrice(n, cur.Code).Amount)
			}
		}
	})
}
