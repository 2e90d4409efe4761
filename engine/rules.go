package engine

import (
	"errors"
	"strings"
	"time"

	"github.com/kessai/kessai"
)

// This file holds the money rules as pure functions: they read no store and
// no clock (a time they need is a parameter), so each rule can be tested as
// data and called from any operation that needs it. Amounts are int64 minor
// units of their currency; every sum is checked for overflow.

// Amazon Pay limits.
const (
	// OverAllowancePercent is how far, in percent of its base, the total
	// authorized or captured on an order reference, or the refunds of one
	// capture, may go above that base (before the per-currency cap).
	OverAllowancePercent = 15
	// OverAllowanceCapJPY is the most the over-allowance may be in yen.
	OverAllowanceCapJPY = 8400
	// OverAllowanceCapMajor is the most the over-allowance may be in whole
	// US dollars, euros or pounds (75.00).
	OverAllowanceCapMajor = 75
	// MaxRefundsPerCapture is how many refunds one capture may have.
	MaxRefundsPerCapture = 10
)

// overAllowanceCap returns the cap of the over-allowance in minor units of
// currency, or false when currency has none (kessai does not accept it on
// the MWS face).
func overAllowanceCap(currency string) (int64, bool) {
	cur, ok := kessai.LookupCurrency(currency)
	if !ok {
		return 0, false
	}
	var major int64
	switch cur.Code {
	case "jpy":
		major = OverAllowanceCapJPY
	case "usd", "eur", "gbp":
		major = OverAllowanceCapMajor
	default:
		return 0, false
	}
	for range cur.Digits {
		major *= 10
	}
	return major, true
}

// OverAllowance returns how far the total authorized or the total captured
// on an order reference of amount, or the refunds of a capture of amount,
// may go above amount: 15 % of amount rounded up to the currency's minor
// unit, but at most 8,400 JPY or 75.00 USD, EUR or GBP. ¥10,000 allows
// ¥1,500 more; ¥646 allows ¥97 (742.9 rounds up to 743).
//
// The arithmetic is exact and cannot overflow: amount is split into
// hundreds and a remainder before it is multiplied.
//
// Errors: validation_error (an unknown currency or a negative amount).
func OverAllowance(amount int64, currency string) (int64, error) {
	const op = "engine.OverAllowance"
	limit, ok := overAllowanceCap(currency)
	if !ok {
		return 0, kessai.Errorf(kessai.Invalid, op, "currency %q has no over-allowance", currency)
	}
	if amount < 0 {
		return 0, kessai.Errorf(kessai.Invalid, op, "amount %d is negative", amount)
	}
	// ceil(amount×15/100) = (amount/100)×15 + ceil((amount%100)×15/100);
	// the first term is at most MaxInt64×0.15 and the second at most 15.
	hundreds, rest := amount/100, amount%100
	allowance := hundreds*OverAllowancePercent + (rest*OverAllowancePercent+99)/100
	return min(allowance, limit), nil
}

// totalLimit returns base + OverAllowance(base): the most that the total of
// some kind may reach. Errors: validation_error (an unknown currency, a
// negative base, or a limit beyond int64).
func totalLimit(op string, base int64, currency string) (int64, error) {
	allowance, err := OverAllowance(base, currency)
	if err != nil {
		return 0, withOp(op, err)
	}
	limit, err := kessai.AddAmounts(base, allowance)
	if err != nil {
		return 0, &kessai.Error{Code: kessai.Invalid, Op: op, Message: "The limit is too large.", Err: err}
	}
	return limit, nil
}

// newTotal returns soFar + amount after checking that amount is positive
// and soFar is not negative. Errors: validation_error.
func newTotal(op string, soFar, amount int64) (int64, error) {
	if amount <= 0 {
		return 0, kessai.InvalidRule(op, "amount", kessai.RuleGreaterThan, 0)
	}
	if soFar < 0 {
		return 0, kessai.Errorf(kessai.Invalid, op, "total so far %d is negative", soFar)
	}
	total, err := kessai.AddAmounts(soFar, amount)
	if err != nil {
		return 0, &kessai.Error{Code: kessai.Invalid, Op: op, Message: "The amount is too large.", Err: err}
	}
	return total, nil
}

// withOp returns a copy of err's *kessai.Error with op as its operation.
func withOp(op string, err error) error {
	if e := (*kessai.Error)(nil); errors.As(err, &e) {
		c := *e
		c.Op = op
		return &c
	}
	return kessai.WrapInternal(op, err)
}

// money formats minor units of currency for a message ("30.01 USD").
func money(amount int64, currency string) string {
	cur, _ := kessai.LookupCurrency(currency)
	return kessai.FormatDecimalAmount(amount, cur) + " " + strings.ToUpper(cur.Code)
}

// CheckAuthorization applies the authorization cap of an order reference:
// a new authorization of amount is allowed when authorizedSoFar (the open,
// pending, and captured-then-closed authorizations of the order) plus
// amount is at most orderAmount + OverAllowance(orderAmount).
//
// Errors: validation_error (amount not positive, an unknown currency, an
// overflow), amount_exceeded.
func CheckAuthorization(orderAmount, authorizedSoFar, amount int64, currency string) error {
	const op = "engine.CheckAuthorization"
	limit, err := totalLimit(op, orderAmount, currency)
	if err != nil {
		return err
	}
	total, err := newTotal(op, authorizedSoFar, amount)
	if err != nil {
		return err
	}
	if total > limit {
		return kessai.Errorf(kessai.AmountExceeded, op,
			"An authorization of %s cannot be accepted: %s is already authorized on this order, and the total may not exceed %s.",
			money(amount, currency), money(authorizedSoFar, currency), money(limit, currency))
	}
	return nil
}

// CheckCapture applies the capture cap of an order reference: a capture of
// amount is allowed when capturedSoFar plus amount is at most
// orderAmount + OverAllowance(orderAmount). reachesCap reports that the
// capture brings the order's captured total exactly to that cap, after
// which the order closes with MaxAmountCharged.
//
// Errors: validation_error (amount not positive, an unknown currency, an
// overflow), amount_exceeded.
func CheckCapture(orderAmount, capturedSoFar, amount int64, currency string) (reachesCap bool, err error) {
	const op = "engine.CheckCapture"
	limit, err := totalLimit(op, orderAmount, currency)
	if err != nil {
		return false, err
	}
	total, err := newTotal(op, capturedSoFar, amount)
	if err != nil {
		return false, err
	}
	if total > limit {
		return false, kessai.Errorf(kessai.AmountExceeded, op,
			"A capture of %s cannot be accepted: %s is already captured on this order, and the total may not exceed %s.",
			money(amount, currency), money(capturedSoFar, currency), money(limit, currency))
	}
	return total == limit, nil
}

// CheckCaptureOfAuthorization applies the rule that a capture takes no more
// than its authorization: amount must be positive and at most authorized
// (both in minor units of the same currency).
//
// Errors: validation_error (amount not positive), amount_exceeded.
func CheckCaptureOfAuthorization(authorized, amount int64) error {
	const op = "engine.CheckCaptureOfAuthorization"
	if amount <= 0 {
		return kessai.InvalidRule(op, "amount", kessai.RuleGreaterThan, 0)
	}
	if amount > authorized {
		return kessai.Errorf(kessai.AmountExceeded, op,
			"A capture of %d cannot be accepted: the authorization is for %d.", amount, authorized)
	}
	return nil
}

// CheckRefund applies the Amazon Pay refund limits of one capture: at most
// MaxRefundsPerCapture refunds (refundCount is how many the capture already
// has), and refundedSoFar (its Pending and Completed refunds) plus amount at
// most captured + OverAllowance(captured). The count is checked first.
//
// Errors: validation_error (amount not positive, an unknown currency, an
// overflow), count_exceeded, amount_exceeded.
func CheckRefund(captured, refundedSoFar int64, refundCount int, amount int64, currency string) error {
	const op = "engine.CheckRefund"
	limit, err := totalLimit(op, captured, currency)
	if err != nil {
		return err
	}
	total, err := newTotal(op, refundedSoFar, amount)
	if err != nil {
		return err
	}
	if refundCount >= MaxRefundsPerCapture {
		return kessai.Errorf(kessai.CountExceeded, op,
			"A refund cannot be accepted: this capture already has %d refunds, the most allowed.", refundCount)
	}
	if total > limit {
		return kessai.Errorf(kessai.AmountExceeded, op,
			"A refund of %s cannot be accepted: %s is already refunded on this capture, and the total may not exceed %s.",
			money(amount, currency), money(refundedSoFar, currency), money(limit, currency))
	}
	return nil
}

// CheckFlowRefund applies the PAY.JP refund limit of a payment flow: its
// refunds that are not failed or canceled (refundedSoFar) never exceed what
// it received (its captured amount). A nil amount means everything not yet refunded. It returns
// the amount to refund.
//
// Errors: validation_error (amount not positive), already_refunded (nil
// amount with nothing left), refund_exceeds_payment (amount over what is
// left, also when nothing is left).
func CheckFlowRefund(received, refundedSoFar int64, amount *int64) (int64, error) {
	const op = "engine.CheckFlowRefund"
	if amount != nil && *amount <= 0 {
		return 0, kessai.InvalidRule(op, "amount", kessai.RuleGreaterThan, 0)
	}
	remaining := received - refundedSoFar
	if remaining <= 0 && amount == nil {
		return 0, kessai.Errorf(kessai.AlreadyRefunded, op, "This payment has already been refunded.")
	}
	n := remaining
	if amount != nil {
		n = *amount
	}
	if n > remaining {
		return 0, kessai.Errorf(kessai.RefundExceedsPayment, op, "The refund amount exceeds the payment amount. (refundable: %d)", remaining)
	}
	return n, nil
}

// FlowRefundDeadline returns the last instant at which a payment flow may
// be refunded (refunds are allowed while now is not after it). A PayPay
// flow that was confirmed may be refunded until 23:59:59.999999 Japan time
// on the calendar date PayPayRefundDays after its confirmation's date in
// Japan time; any other flow until createdAt + CardRefundWindow.
func FlowRefundDeadline(method string, createdAt time.Time, confirmedAt *time.Time) time.Time {
	if method == kessai.MethodPayPay && confirmedAt != nil {
		c := confirmedAt.In(kessai.Tokyo)
		nextDay := time.Date(c.Year(), c.Month(), c.Day(), 0, 0, 0, 0, kessai.Tokyo).AddDate(0, 0, PayPayRefundDays+1)
		return nextDay.Add(-time.Microsecond).UTC()
	}
	return createdAt.Add(CardRefundWindow)
}

// CheckFlowRefundWindow applies the refund window of a payment flow at now
// (see FlowRefundDeadline).
//
// Errors: refund_period_expired.
func CheckFlowRefundWindow(method string, createdAt time.Time, confirmedAt *time.Time, now time.Time) error {
	const op = "engine.CheckFlowRefundWindow"
	if deadline := FlowRefundDeadline(method, createdAt, confirmedAt); now.After(deadline) {
		return kessai.Errorf(kessai.RefundPeriodExpired, op, "The refund period for this payment ended at %s.", deadline.Format(time.RFC3339))
	}
	return nil
}

// Largest amount of one authorization, capture or refund (and of an order
// reference): 10,000,000 JPY; 150,000.00 USD, EUR or GBP.
const (
	MaxTransactionJPY   = 10_000_000
	MaxTransactionMajor = 150_000
)

// CheckTransactionAmount checks an MWS amount: positive, in a known
// currency, and at most the largest one transaction may be.
//
// Errors: validation_error.
func CheckTransactionAmount(amount int64, currency string) error {
	const op = "engine.CheckTransactionAmount"
	cur, ok := kessai.LookupCurrency(currency)
	if !ok {
		return kessai.Invalidf(op, "currency_code", "The currency %q is not one of JPY, USD, EUR, GBP.", currency)
	}
	max := int64(MaxTransactionJPY)
	if cur.Code != "jpy" {
		max = MaxTransactionMajor
		for range cur.Digits {
			max *= 10
		}
	}
	if amount <= 0 || amount > max {
		return kessai.Invalidf(op, "amount", "The amount must be greater than 0 and at most %s %s.", kessai.FormatDecimalAmount(max, cur), strings.ToUpper(cur.Code))
	}
	return nil
}

// Refund windows.
const (
	// CardRefundWindow: a card refund must be created within 180 days of
	// the flow's creation.
	CardRefundWindow = 180 * 24 * time.Hour
	// PayPayRefundDays: a PayPay refund must be created by 23:59:59 Japan
	// time on the 365th day after the payment was confirmed.
	PayPayRefundDays = 365
)
