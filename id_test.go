package kessai_test

import (
	"strings"
	"testing"

	"github.com/kessai/kessai"
)

func TestNewID_SortsInOrderMade(t *testing.T) {
	t.Parallel()
	prev := kessai.NewID(kessai.PrefixRefund)
	for i := 0; i < 10000; i++ {
		id := kessai.NewID(kessai.PrefixRefund)
		if id <= prev {
			t.Fatalf("id %s made after %s sorts before it", id, prev)
		}
		if !kessai.ValidID(kessai.PrefixRefund, id) || len(id) != len(kessai.PrefixRefund)+26 {
			t.Fatalf("id %s is not valid", id)
		}
		prev = id
	}
}

func TestValidID(t *testing.T) {
	t.Parallel()
	cases := map[string]bool{
		"pfw_01abc":                       true,
		"pfw_":                            false,
		"re_01abc":                        false,
		"pfw_ab/c":                        false,
		"pfw_" + strings.Repeat("a", 100): true,
		"pfw_" + strings.Repeat("a", 101): false,
		"pfw_a b":                         false,
		"pfw_ü":                           false,
	}
	for in, want := range cases {
		if got := kessai.ValidID(kessai.PrefixPaymentFlow, in); got != want {
			t.Errorf("ValidID(pfw_, %q) = %v, want %v", in, got, want)
		}
	}
}

// FuzzValidID: an id accepted for a prefix has the prefix and only
// [0-9A-Za-z_-] after it, at most 100 of them.
func FuzzValidID(f *testing.F) {
	f.Add("pfw_01m821w5cp1bpde8bsm4qgdrav")
	f.Add("pfw_\x00")
	f.Add("pfw_../../etc")
	f.Fuzz(func(t *testing.T, s string) {
		if !kessai.ValidID(kessai.PrefixPaymentFlow, s) {
			return
		}
		rest := strings.TrimPrefix(s, kessai.PrefixPaymentFlow)
		if rest == s || rest == "" || len(rest) > 100 || strings.Trim(rest, "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_-") != "" {
			t.Fatalf("accepted %q", s)
		}
	})
}
