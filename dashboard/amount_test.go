package dashboard

import (
	"net/url"
	"testing"
)

// FuzzAmountOf: a form's amount parses or is refused, never panics, and
// every amount the dashboard shows in yen reads back as itself.
func FuzzAmountOf(f *testing.F) {
	for _, s := range []string{"1000", "¥1,000", "￥12,345", "", "-5", "1e3", "9223372036854775807", " 42 "} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, err := amountOf(url.Values{"amount": {s}}, "amount")
		if err != nil || n == nil || *n < 0 {
			return
		}
		back, err := amountOf(url.Values{"amount": {money(*n, "jpy")}}, "amount")
		if err != nil || back == nil || *back != *n {
			t.Fatalf("%q → %d → %q → %v %v", s, *n, money(*n, "jpy"), back, err)
		}
	})
}

func TestMoney_Formats(t *testing.T) {
	for in, want := range map[int64]string{0: "¥0", 1000: "¥1,000", 1234567: "¥1,234,567", -1000: "−¥1,000", 999: "¥999"} {
		if got := money(in, "jpy"); got != want {
			t.Errorf("money(%d) = %q, want %q", in, got, want)
		}
	}
	if got := money(123456, "usd"); got != "$1,234.56" {
		t.Errorf("usd: %q", got)
	}
}
