package accounting

import (
	"encoding/base64"
	"strings"
	"testing"
)

// FuzzParseReport: a report URL's token parses only when kessai signed
// exactly its payload with the key; what parses is what was signed.
func FuzzParseReport(f *testing.F) {
	key := []byte("0123456789abcdef0123456789abcdef")
	good := signReport(key, reportToken{Kind: "st", AccountID: "acct_1", ID: "st_1", Expires: 1_800_000_000})
	f.Add(good)
	f.Add(good + "x")
	f.Add(strings.Replace(good, ".", "..", 1))
	f.Add(signReport([]byte("another key"), reportToken{Kind: "ba", AccountID: "acct_1", ID: "ba_1", Expires: 1}))
	f.Add("")
	f.Add(".")
	f.Fuzz(func(t *testing.T, token string) {
		tok, ok := parseReport(key, token)
		if !ok {
			return
		}
		p64, _, _ := strings.Cut(token, ".")
		payload, err := base64.RawURLEncoding.DecodeString(p64)
		resigned := signReport(key, tok)
		r64, _, _ := strings.Cut(resigned, ".")
		canonical, _ := base64.RawURLEncoding.DecodeString(r64)
		if err != nil || string(payload) != string(canonical) {
			t.Fatalf("token %q parsed as %+v, whose payload is %q, not %q", token, tok, canonical, payload)
		}
		if again, ok := parseReport(key, resigned); !ok || again != tok {
			t.Fatalf("%+v does not round-trip: %+v %v", tok, again, ok)
		}
		if _, ok := parseReport([]byte("another key"), token); ok {
			t.Fatalf("token %q parses under another key", token)
		}
	})
}

// FuzzParsePercentage: a fee rate or tax rate either is refused or is
// between 0 % and 100 % and prints back to itself.
func FuzzParsePercentage(f *testing.F) {
	for _, s := range []string{"3", "3.45", "100", "100.0001", "0.0001", "-1", "+1", "1e2", " 3", "3.", ".5", "3.00000", "10", "8.5", "08", "5.", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, err := ParsePercentage(s)
		if err != nil {
			return
		}
		if n < 0 || n > 1_000_000 {
			t.Fatalf("%q parsed as %d", s, n)
		}
		for _, printed := range []string{FormatPercentage(n), FormatFeeRate(n)} {
			if back, err := ParsePercentage(printed); err != nil || back != n {
				t.Fatalf("%q → %d → %q → %d %v", s, n, printed, back, err)
			}
		}
	})
}
