package mws

import (
	"strings"

	"github.com/kessai/kessai"
)

// parsePrice reads the price parameters prefix.Amount and
// prefix.CurrencyCode ("AuthorizationAmount.Amount"...) into minor units
// and kessai's currency code. The currency is JPY, USD, EUR or GBP, in any
// case. The amount is a plain decimal: digits, then at most the
// currency's fraction digits ("1000" JPY, "94.50" USD); zeros beyond them
// are accepted as Amazon writes JPY amounts ("646.00"), other digits are
// not ("1000.5" JPY). Signs, exponents, spaces and amounts beyond int64
// are refused.
//
// Errors: MissingParameter, InvalidParameterValue.
func parsePrice(p Params, prefix string) (int64, kessai.Currency, error) {
	amountName, currencyName := prefix+".Amount", prefix+".CurrencyCode"
	code := p.Get(currencyName)
	if code == "" {
		return 0, kessai.Currency{}, missingParameter(currencyName)
	}
	cur, ok := kessai.LookupCurrency(code)
	if !ok {
		return 0, kessai.Currency{}, invalidParameter("%s %s is not supported; use JPY, USD, EUR or GBP.", currencyName, clip(code))
	}
	n, err := parseAmount(p.Get(amountName), cur)
	if err != nil {
		if p.Get(amountName) == "" {
			return 0, cur, missingParameter(amountName)
		}
		return 0, cur, invalidParameter("%s %q is not a valid %s amount: %s.", amountName, clip(p.Get(amountName)), currencyCode(cur), err)
	}
	return n, cur, nil
}

// parseAmount parses a decimal amount of cur into minor units.
func parseAmount(s string, cur kessai.Currency) (int64, error) {
	n, err := kessai.ParseDecimalAmountLenient(s, cur)
	if err != nil {
		return 0, amountProblem(s, cur)
	}
	return n, nil
}

// amountProblem says in a few words what is wrong with s.
func amountProblem(s string, cur kessai.Currency) error {
	switch {
	case s == "":
		return reason("empty")
	case strings.HasPrefix(s, "-"):
		return reason("negative")
	case strings.Trim(s, "0123456789.") != "" || strings.Count(s, ".") > 1 || strings.HasPrefix(s, ".") || strings.HasSuffix(s, "."):
		return reason("not a plain decimal number")
	}
	if _, frac, ok := strings.Cut(s, "."); ok && len(strings.TrimRight(frac, "0")) > cur.Digits {
		if cur.Digits == 0 {
			return reason(currencyCode(cur) + " has no minor unit")
		}
		return reason("more than " + string(rune('0'+cur.Digits)) + " fraction digits")
	}
	return reason("too large")
}

type reason string

func (r reason) Error() string { return string(r) }

// currencyCode is MWS's spelling of a currency: upper case.
func currencyCode(cur kessai.Currency) string { return strings.ToUpper(cur.Code) }

// formatAmount writes minor units of cur as MWS does: the currency's
// digits ("94.50", "1000").
func formatAmount(n int64, cur kessai.Currency) string { return kessai.FormatDecimalAmount(n, cur) }
