package kessai_test

import (
	"testing"

	"github.com/kessai/kessai"
)

func TestParseDecimalAmount(t *testing.T) {
	t.Parallel()
	jpy, _ := kessai.LookupCurrency("JPY")
	usd, _ := kessai.LookupCurrency("usd")
	cases := []struct {
		in      string
		cur     kessai.Currency
		lenient bool
		want    int64
		ok      bool
	}{
		{"94.50", usd, false, 9450, true},
		{"94.5", usd, false, 9450, true},
		{"1000", jpy, false, 1000, true},
		{"646.00", jpy, true, 646, true},
		{"646.00", jpy, false, 0, false},
		{"646.01", jpy, true, 0, false},
		{"1.001", usd, false, 0, false},
		{"-1", usd, false, 0, false},
		{"+1", usd, false, 0, false},
		{"1e3", usd, false, 0, false},
		{"", usd, false, 0, false},
		{".5", usd, false, 0, false},
		{"5.", usd, false, 0, false},
		{" 5", usd, false, 0, false},
		{"92233720368547758.07", usd, false, 9223372036854775807, true},
		{"92233720368547758.08", usd, false, 0, false},
	}
	for _, c := range cases {
		var got int64
		var err error
		if c.lenient {
			got, err = kessai.ParseDecimalAmountLenient(c.in, c.cur)
		} else {
			got, err = kessai.ParseDecimalAmount(c.in, c.cur)
		}
		if (err == nil) != c.ok || got != c.want {
			t.Errorf("parse %q %s lenient=%v: %d, %v; want %d ok=%v", c.in, c.cur.Code, c.lenient, got, err, c.want, c.ok)
		}
	}
}

func TestFormatDecimalAmount(t *testing.T) {
	t.Parallel()
	usd, _ := kessai.LookupCurrency("usd")
	jpy, _ := kessai.LookupCurrency("jpy")
	for in, want := range map[int64]string{9450: "94.50", 5: "0.05", 0: "0.00", -120: "-1.20"} {
		if got := kessai.FormatDecimalAmount(in, usd); got != want {
			t.Errorf("format %d usd: %q, want %q", in, got, want)
		}
	}
	if got := kessai.FormatDecimalAmount(1000, jpy); got != "1000" {
		t.Errorf("format 1000 jpy: %q", got)
	}
}

func TestAddAmounts_Overflow(t *testing.T) {
	t.Parallel()
	if _, err := kessai.AddAmounts(1<<62, 1<<62); err == nil {
		t.Error("overflow not detected")
	}
	if s, err := kessai.AddAmounts(5, -7); s != -2 || err != nil {
		t.Errorf("5 + -7 = %d, %v", s, err)
	}
}

// FuzzParseDecimalAmount: whatever the input, a parse either fails or gives
// a non-negative amount that formats back to a string parsing to the same
// amount.
func FuzzParseDecimalAmount(f *testing.F) {
	for _, s := range []string{"94.50", "1000", "646.00", "0.01", "-1", "1e3", "99999999999999999999"} {
		f.Add(s, true)
		f.Add(s, false)
	}
	f.Fuzz(func(t *testing.T, s string, twoDigits bool) {
		cur, _ := kessai.LookupCurrency("jpy")
		if twoDigits {
			cur, _ = kessai.LookupCurrency("eur")
		}
		n, err := kessai.ParseDecimalAmount(s, cur)
		if err != nil {
			if kessai.ErrorCode(err) != kessai.Invalid {
				t.Fatalf("parse %q: error code %s, want validation_error", s, kessai.ErrorCode(err))
			}
			return
		}
		if n < 0 {
			t.Fatalf("parse %q gave negative %d", s, n)
		}
		back, err := kessai.ParseDecimalAmount(kessai.FormatDecimalAmount(n, cur), cur)
		if err != nil || back != n {
			t.Fatalf("round trip of %q: %d → %q → %d, %v", s, n, kessai.FormatDecimalAmount(n, cur), back, err)
		}
	})
}
