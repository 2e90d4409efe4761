package kessaiapi

import "testing"

func TestDisplayAmount(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		amount   int64
		currency string
		want     string
	}{
		{1234, "jpy", "¥1,234"},
		{50, "JPY", "¥50"},
		{1000000, "jpy", "¥1,000,000"},
		{1234, "usd", "12.34 USD"},
		{7, "xyz", "7 XYZ"},
	} {
		if got := displayAmount(tt.amount, tt.currency); got != tt.want {
			t.Errorf("displayAmount(%d, %q) = %q, want %q", tt.amount, tt.currency, got, tt.want)
		}
	}
}
