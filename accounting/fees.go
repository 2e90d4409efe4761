package accounting

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/kessai/kessai"
	"github.com/kessai/kessai/engine"
	"github.com/kessai/kessai/ledger"
)

// Fees: every capture of a payment flow is charged its account's rate for
// the flow's payment method type, kept exact in ten-thousandths of a
// percent (3.00 % = 30000). The fee is whole yen, rounded down:
//
//	fee = ⌊amount × rate / 1,000,000⌋
//
// A refund or chargeback that pays the buyer back gives the fee on what it
// paid back: after it, the capture has given back ⌊returned × rate /
// 1,000,000⌋ in all, where returned is everything refunds and chargebacks
// paid out of the capture so far, so a full refund gives back exactly the
// fee charged and partial ones never more. The capture keeps its rate, so
// a later change of the account's rates changes no refund of it. Fees are
// ledger postings between the capture's fee account and revenue:fees, in
// the same transaction as the capture, refund or chargeback; the payment
// transaction records the rate and the fee (negative when given back).
// Amazon order references are charged no fee (the MWS face shows fees of
// zero).

// DefaultFeeRates are the rates of an account that has set none.
var DefaultFeeRates = map[string]int64{
	kessai.MethodCard:   30000, // 3.00 %
	kessai.MethodPayPay: 34500, // 3.45 %
}

// feeScheduleID is the id of an account's one fee schedule.
const feeScheduleID = "fees"

// FeeOf is the fee on amount at rate (ten-thousandths of a percent),
// rounded down to the yen.
func FeeOf(amount, rateE4 int64) int64 {
	return amount * rateE4 / 1_000_000
}

// FormatFeeRate writes a rate as PAY.JP's fee_rate: a decimal percentage
// with at least two fraction digits ("3.00", "3.45", "3.125").
func FormatFeeRate(rateE4 int64) string {
	s := fmt.Sprintf("%d.%04d", rateE4/10000, rateE4%10000)
	for strings.HasSuffix(s, "0") && len(s)-strings.IndexByte(s, '.') > 3 {
		s = s[:len(s)-1]
	}
	return s
}

// loadFees returns the account's rate per method type, defaults included.
func loadFees(ctx context.Context, tx kessai.Tx, acct *kessai.Account) (map[string]int64, error) {
	rates := map[string]int64{}
	for m, r := range DefaultFeeRates {
		rates[m] = r
	}
	var s kessai.FeeSchedule
	err := tx.Get(ctx, kessai.KindFeeSchedule, acct.ID, feeScheduleID, false, &s)
	if errors.Is(err, kessai.ErrNoRows) {
		return rates, nil
	}
	if err != nil {
		return nil, err
	}
	for m, r := range s.Rates {
		rates[m] = r
	}
	return rates, nil
}

// FeeRates returns the account's fee rate per payment method type.
func FeeRates(e *engine.Engine, ctx context.Context, acct *kessai.Account) (map[string]int64, error) {
	var rates map[string]int64
	err := e.View(ctx, "accounting.FeeRates", func(tx kessai.Tx) error {
		var err error
		rates, err = loadFees(ctx, tx, acct)
		return err
	})
	return rates, err
}

// SetFeeRates sets the rates of the named method types (decimal
// percentages from 0 to 100 with at most four fraction digits); the others
// keep theirs. Captures made before keep the rate they were charged.
// Errors: validation_error.
func SetFeeRates(e *engine.Engine, ctx context.Context, acct *kessai.Account, set map[string]string) (map[string]int64, error) {
	const op = "accounting.SetFeeRates"
	parsed := map[string]int64{}
	methods := make([]string, 0, len(set))
	for m := range set {
		methods = append(methods, m)
	}
	sort.Strings(methods)
	for _, m := range methods {
		if _, ok := DefaultFeeRates[m]; !ok {
			return nil, kessai.Invalidf(op, m, "Unknown payment method type; fee rates are kept for 'card' and 'paypay'")
		}
		r, err := ParsePercentage(set[m])
		if err != nil {
			return nil, kessai.Invalidf(op, m, "Input should be a percentage from 0 to 100 with at most 4 decimals")
		}
		parsed[m] = r
	}
	res, err := e.Write(ctx, acct, op, func(w *engine.W) (any, error) {
		s := &kessai.FeeSchedule{AccountID: w.Account().ID, ID: feeScheduleID, Rates: map[string]int64{}}
		err := w.Tx().Get(w.Ctx(), kessai.KindFeeSchedule, w.Account().ID, feeScheduleID, true, s)
		exists := err == nil
		if err != nil && !errors.Is(err, kessai.ErrNoRows) {
			return nil, err
		}
		if s.Rates == nil {
			s.Rates = map[string]int64{}
		}
		for m, r := range parsed {
			s.Rates[m] = r
		}
		s.UpdatedAt = w.Now()
		if exists {
			err = w.Tx().Put(w.Ctx(), s)
		} else {
			err = w.Tx().Insert(w.Ctx(), s)
		}
		if err != nil {
			return nil, err
		}
		return loadFees(w.Ctx(), w.Tx(), w.Account())
	})
	if err != nil {
		return nil, err
	}
	return res.(map[string]int64), nil
}

// chargeFee charges a new capture of a flow its account's rate for the
// capture's method; the caller saves the capture.
func ChargeFee(w *engine.W, p *kessai.Payment, c *kessai.Capture) error {
	rates, err := loadFees(w.Ctx(), w.Tx(), w.Account())
	if err != nil {
		return err
	}
	c.FeeRateE4 = rates[c.Method]
	c.Fee = FeeOf(c.Amount, c.FeeRateE4)
	return w.Post(p.ID, p.Currency, ledger.Fee(c.ID, c.Fee))
}

// returnFee records that amount of a capture was paid back to the buyer
// and gives back the fee on it; the caller saves the capture. It returns
// the fee given back.
func ReturnFee(w *engine.W, p *kessai.Payment, c *kessai.Capture, amount int64) (int64, error) {
	c.Returned += amount
	due := min(FeeOf(c.Returned, c.FeeRateE4), c.Fee)
	offset := due - c.FeeReturned
	if offset <= 0 {
		return 0, nil
	}
	c.FeeReturned = due
	return offset, w.Post(p.ID, p.Currency, ledger.FeeOffset(c.ID, offset))
}

// transaction records a payment transaction of the open term.
func RecordTransaction(w *engine.W, typ, resourceID string, p *kessai.Payment, c *kessai.Capture, amount, fee int64) error {
	term, err := termID(w)
	if err != nil {
		return err
	}
	return w.Tx().Insert(w.Ctx(), &kessai.Transaction{AccountID: w.Account().ID, ID: kessai.NewID(kessai.PrefixTransaction),
		Livemode: w.Account().Livemode, ResourceID: resourceID, PaymentID: p.ID, Amount: amount, Currency: p.Currency,
		FeeRate: FormatFeeRate(c.FeeRateE4), FeeRateE4: c.FeeRateE4, Fee: fee, Type: typ,
		PaymentMethodType: c.Method, TermID: term, CreatedAt: w.Now()})
}

// ParsePercentage parses a decimal percentage from 0 to 100 with at most
// four fraction digits into ten-thousandths of a percent ("8.5" → 85000).
// Errors: validation_error.
func ParsePercentage(s string) (int64, error) {
	const op = "ParsePercentage"
	whole, frac, _ := strings.Cut(s, ".")
	if len(frac) > 4 || whole == "" || strings.HasPrefix(whole, "-") || strings.HasPrefix(whole, "+") {
		return 0, kessai.Invalidf(op, "percentage", "Input should be a number from 0 to 100 with at most 4 decimals")
	}
	frac += strings.Repeat("0", 4-len(frac))
	n, err := strconv.ParseInt(whole+frac, 10, 64)
	if err != nil || n < 0 || n > 100_0000 {
		return 0, kessai.Invalidf(op, "percentage", "Input should be a number from 0 to 100 with at most 4 decimals")
	}
	return n, nil
}

// FormatPercentage writes ten-thousandths of a percent as a decimal.
func FormatPercentage(n int64) string {
	s := fmt.Sprintf("%d.%04d", n/10000, n%10000)
	s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	return s
}
