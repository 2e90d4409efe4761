package notifications_test

import (
	"testing"

	"github.com/kessai/kessai/notifications"
)

func TestDisplayAmount(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		n    int64
		cur  string
		want string
	}{
		{1200, "jpy", "¥1,200"},
		{50, "jpy", "¥50"},
		{9999999, "jpy", "¥9,999,999"},
		{9450, "usd", "$94.50"},
		{5, "eur", "€0.05"},
		{123456789, "gbp", "£1,234,567.89"},
		{-1200, "jpy", "-¥1,200"},
		{7, "xxx", "7 XXX"},
	} {
		if got := notifications.DisplayAmount(tc.n, tc.cur); got != tc.want {
			t.Errorf("DisplayAmount(%d, %s) = %q, want %q", tc.n, tc.cur, got, tc.want)
		}
	}
}
