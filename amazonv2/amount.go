package amazonv2

import (
	"strings"

	"github.com/kessai/kessai"
)

// Price is an amount as API v2 writes it: {"amount": "1000",
// "currencyCode": "JPY"}, the amount a decimal string.
type Price struct {
	Amount       string `json:"amount"`
	CurrencyCode string `json:"currencyCode"`
}

// MaxAmount bounds an amount in minor units: ¥10,000,000 is the most a
// charge or a refund may be in Japan; amounts beyond this bound are
// refused before any rule is applied.
const MaxAmount = 1_000_000_000_000

// ParsePrice reads a price named field into minor units of its currency
// (JPY, USD, EUR or GBP, in any case). The amount is a plain decimal with
// at most the currency's fraction digits ("1000" JPY, "94.50" USD); zero
// digits beyond them are accepted ("1000.00" JPY). Signs, exponents,
// spaces and amounts over MaxAmount are refused. Errors: a wireError
// InvalidParameterValue naming field.
func ParsePrice(field string, p *Price) (int64, kessai.Currency, error) {
	if p == nil {
		return 0, kessai.Currency{}, refuse(400, "MissingParameterValue", "%s is required.", field)
	}
	cur, ok := kessai.LookupCurrency(p.CurrencyCode)
	if !ok || p.CurrencyCode == "" {
		return 0, kessai.Currency{}, invalidParameter("%s.currencyCode %q is not supported; use JPY, USD, EUR or GBP.", field, clip(p.CurrencyCode))
	}
	n, err := ParseAmount(p.Amount, cur)
	if err != nil {
		return 0, cur, invalidParameter("%s.amount %q is not a valid %s amount: %s.", field, clip(p.Amount), strings.ToUpper(cur.Code), err)
	}
	return n, cur, nil
}

// ParseAmount parses a decimal amount of cur into minor units.
func ParseAmount(s string, cur kessai.Currency) (int64, error) {
	if s == "" {
		return 0, reason("empty")
	}
	n, err := kessai.ParseDecimalAmountLenient(s, cur)
	if err != nil {
		switch {
		case strings.HasPrefix(s, "-"):
			return 0, reason("negative")
		case strings.Trim(s, "0123456789.") != "":
			return 0, reason("not a plain decimal number")
		}
		if _, frac, ok := strings.Cut(s, "."); ok && len(strings.TrimRight(frac, "0")) > cur.Digits {
			if cur.Digits == 0 {
				return 0, reason(strings.ToUpper(cur.Code) + " has no minor unit")
			}
			return 0, reason("too many fraction digits")
		}
		return 0, reason("malformed or too large")
	}
	if n > MaxAmount {
		return 0, reason("too large")
	}
	return n, nil
}

// FormatPrice writes minor units of cur as API v2 does: JPY without
// decimals, the others with theirs, the currency upper case.
func FormatPrice(n int64, currency string) Price {
	cur, _ := kessai.LookupCurrency(currency)
	return Price{Amount: kessai.FormatDecimalAmount(n, cur), CurrencyCode: strings.ToUpper(cur.Code)}
}

type reason string

func (r reason) Error() string { return string(r) }
