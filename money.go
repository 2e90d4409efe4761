package kessai

import (
	"math"
	"strings"
)

// Currency is an ISO 4217 currency with the number of minor-unit digits used
// for settlement. JPY has none: ¥1,000 is 1000.
type Currency struct {
	Code   string // lower-case ISO 4217 code, e.g. "jpy"
	Digits int    // minor-unit digits
}

// currencies is kessai's own table of settlement digits. It is deliberately
// small: a currency that is not here is not accepted anywhere.
var currencies = map[string]Currency{
	"jpy": {Code: "jpy", Digits: 0},
	"usd": {Code: "usd", Digits: 2},
	"eur": {Code: "eur", Digits: 2},
	"gbp": {Code: "gbp", Digits: 2},
}

// LookupCurrency returns the currency for a code in any case.
func LookupCurrency(code string) (Currency, bool) {
	c, ok := currencies[strings.ToLower(code)]
	return c, ok
}

// ParseDecimalAmount parses a decimal string such as "94.50" or "1000" into
// minor units of cur. It rejects signs, exponents, spaces, empty parts and
// more fraction digits than the currency has. Trailing zero fraction digits
// beyond the currency's digits are rejected too ("646.00" is accepted for JPY
// only because its fraction is all zeros within MWS's own formatting, see
// ParseDecimalAmountLenient).
func ParseDecimalAmount(s string, cur Currency) (int64, error) {
	return parseDecimal(s, cur, false)
}

// ParseDecimalAmountLenient is ParseDecimalAmount that also accepts fraction
// digits beyond the currency's digits when they are all zero, as Amazon
// writes JPY amounts ("646.00").
func ParseDecimalAmountLenient(s string, cur Currency) (int64, error) {
	return parseDecimal(s, cur, true)
}

func parseDecimal(s string, cur Currency, lenient bool) (int64, error) {
	bad := func(msg string) error { return Errorf(Invalid, "ParseDecimalAmount", "amount %q: %s", s, msg) }
	if s == "" {
		return 0, bad("empty")
	}
	whole, frac, hasDot := strings.Cut(s, ".")
	if whole == "" || (hasDot && frac == "") {
		return 0, bad("malformed")
	}
	for _, r := range whole + frac {
		if r < '0' || r > '9' {
			return 0, bad("not a plain decimal number")
		}
	}
	if len(frac) > cur.Digits {
		extra := frac[cur.Digits:]
		if !lenient || strings.Trim(extra, "0") != "" {
			return 0, bad("too many fraction digits for " + strings.ToUpper(cur.Code))
		}
		frac = frac[:cur.Digits]
	}
	frac += strings.Repeat("0", cur.Digits-len(frac))
	var n int64
	for _, r := range whole + frac {
		d := int64(r - '0')
		if n > (math.MaxInt64-d)/10 {
			return 0, bad("too large")
		}
		n = n*10 + d
	}
	return n, nil
}

// FormatDecimalAmount formats minor units of cur as a decimal string with
// exactly the currency's digits ("94.50", "1000").
func FormatDecimalAmount(n int64, cur Currency) string {
	neg := n < 0
	u := uint64(n)
	if neg {
		u = uint64(-n)
	}
	digits := []byte(uitoa(u))
	if cur.Digits > 0 {
		for len(digits) <= cur.Digits {
			digits = append([]byte{'0'}, digits...)
		}
		i := len(digits) - cur.Digits
		digits = append(digits[:i], append([]byte{'.'}, digits[i:]...)...)
	}
	if neg {
		return "-" + string(digits)
	}
	return string(digits)
}

func uitoa(u uint64) string {
	if u == 0 {
		return "0"
	}
	var b [20]byte
	i := len(b)
	for u > 0 {
		i--
		b[i] = byte('0' + u%10)
		u /= 10
	}
	return string(b[i:])
}

// AddAmounts returns a+b, or an error when the sum overflows int64.
func AddAmounts(a, b int64) (int64, error) {
	s := a + b
	if (b > 0 && s < a) || (b < 0 && s > a) {
		return 0, Errorf(Invalid, "AddAmounts", "amount overflow")
	}
	return s, nil
}
