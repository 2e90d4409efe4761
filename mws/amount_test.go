package mws

import (
	"strings"
	"testing"

	"github.com/kessai/kessai"
)

func TestParsePrice(t *testing.T) {
	t.Parallel()
	tests := []struct {
		amount, currency string
		want             int64
		code             string // "" accepted
		inMessage        string
	}{
		{"1000", "JPY", 1000, "", ""},
		{"1000.00", "JPY", 1000, "", ""},
		{"646.00", "jpy", 646, "", ""},
		{"0", "JPY", 0, "", ""},
		{"94.50", "USD", 9450, "", ""},
		{"94.5", "USD", 9450, "", ""},
		{"94", "EUR", 9400, "", ""},
		{"0.01", "GBP", 1, "", ""},
		{"94.500", "USD", 9450, "", ""},
		{"1000.5", "JPY", 0, "InvalidParameterValue", "JPY has no minor unit"},
		{"94.505", "USD", 0, "InvalidParameterValue", "more than 2 fraction digits"},
		{"-1", "JPY", 0, "InvalidParameterValue", "negative"},
		{"-0.01", "USD", 0, "InvalidParameterValue", "negative"},
		{"+1", "JPY", 0, "InvalidParameterValue", "not a plain decimal"},
		{"1e3", "JPY", 0, "InvalidParameterValue", "not a plain decimal"},
		{"1,000", "JPY", 0, "InvalidParameterValue", "not a plain decimal"},
		{" 1000", "JPY", 0, "InvalidParameterValue", "not a plain decimal"},
		{"1.", "JPY", 0, "InvalidParameterValue", "not a plain decimal"},
		{".5", "USD", 0, "InvalidParameterValue", "not a plain decimal"},
		{"1.2.3", "USD", 0, "InvalidParameterValue", "not a plain decimal"},
		{"9223372036854775808", "JPY", 0, "InvalidParameterValue", "too large"},
		{"92233720368547758.08", "USD", 0, "InvalidParameterValue", "too large"},
		{"9223372036854775807", "JPY", 9223372036854775807, "", ""},
		{"", "JPY", 0, "MissingParameter", "AuthorizationAmount.Amount"},
		{"1000", "", 0, "MissingParameter", "AuthorizationAmount.CurrencyCode"},
		{"1000", "CHF", 0, "InvalidParameterValue", "CHF is not supported"},
	}
	for _, tc := range tests {
		t.Run(tc.amount+" "+tc.currency, func(t *testing.T) {
			t.Parallel()
			p := Params{"AuthorizationAmount.Amount": tc.amount, "AuthorizationAmount.CurrencyCode": tc.currency}
			n, cur, err := parsePrice(p, "AuthorizationAmount")
			if tc.code == "" {
				if err != nil || n != tc.want {
					t.Fatalf("parsePrice = %d, %v; want %d", n, err, tc.want)
				}
				if want, _ := kessai.LookupCurrency(tc.currency); cur != want {
					t.Errorf("currency %v, want %v", cur, want)
				}
				return
			}
			if !isCode(err, tc.code) || !strings.Contains(err.Error(), tc.inMessage) {
				t.Fatalf("parsePrice = %v, want %s saying %q", err, tc.code, tc.inMessage)
			}
		})
	}
}

func TestFormatAmount(t *testing.T) {
	t.Parallel()
	jpy, _ := kessai.LookupCurrency("jpy")
	usd, _ := kessai.LookupCurrency("usd")
	for _, tc := range []struct {
		n    int64
		cur  kessai.Currency
		want string
	}{{1000, jpy, "1000"}, {0, jpy, "0"}, {9450, usd, "94.50"}, {1, usd, "0.01"}, {0, usd, "0.00"}} {
		if got := formatAmount(tc.n, tc.cur); got != tc.want {
			t.Errorf("formatAmount(%d, %s) = %q, want %q", tc.n, tc.cur.Code, got, tc.want)
		}
	}
}

// FuzzParseAmount: any string either parses to a non-negative amount that
// formats back to a string parsing to the same amount, or is refused with
// a reason; the currency's digits decide.
func FuzzParseAmount(f *testing.F) {
	for _, s := range []string{"1000", "1000.00", "1000.5", "94.50", "-1", "", "1e3", "99999999999999999999", "0.0000"} {
		f.Add(s, 0)
		f.Add(s, 2)
	}
	f.Fuzz(func(t *testing.T, s string, which int) {
		codes := []string{"jpy", "usd", "eur", "gbp"}
		cur, _ := kessai.LookupCurrency(codes[uint(which)%uint(len(codes))])
		n, err := parseAmount(s, cur)
		if err != nil {
			if err.Error() == "" {
				t.Fatalf("parseAmount(%q): no reason", s)
			}
			return
		}
		if n < 0 {
			t.Fatalf("parseAmount(%q) = %d", s, n)
		}
		back, err := parseAmount(formatAmount(n, cur), cur)
		if err != nil || back != n {
			t.Fatalf("round trip of %q %s: %d → %q → %d, %v", s, cur.Code, n, formatAmount(n, cur), back, err)
		}
	})
}
