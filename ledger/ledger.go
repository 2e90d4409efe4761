// Package ledger builds kessai's double-entry postings. Every money movement
// is a ledger transaction: legs that move amounts between ledger accounts
// and sum to zero in their currency. Ledger accounts of a payment:
//
//	payment:{id}:authorized      held on the customer's method, not captured
//	payment:{id}:captured        captured and not refunded
//	payment:{id}:refund_pending  refunds accepted and not yet settled
//	external:{method}            the outside world (card network, PayPay)
//
// So at any time: authorized = the payment's amount_capturable,
// captured = amount_received − refunds not failed, refund_pending = the sum
// of pending refunds, and the sum over all accounts is zero. Nothing is ever
// edited: a release or a failed refund is a new transaction.
package ledger

import (
	"fmt"
	"time"

	"github.com/kessai/kessai"
)

// Leg is one side of a movement: Amount into Account (negative: out of it).
type Leg struct {
	Account string
	Amount  int64
}

// Authorized, Captured, RefundPending and External name ledger accounts.
func Authorized(paymentID string) string    { return "payment:" + paymentID + ":authorized" }
func Captured(paymentID string) string      { return "payment:" + paymentID + ":captured" }
func RefundPending(paymentID string) string { return "payment:" + paymentID + ":refund_pending" }
func External(method string) string         { return "external:" + method }

// Txn returns the entries of one ledger transaction, or an error when its
// legs do not sum to zero (a bug: the caller must not commit). Legs of zero
// are dropped.
func Txn(accountID, paymentID, currency string, at time.Time, legs ...Leg) ([]kessai.LedgerEntry, error) {
	var sum int64
	txnID := kessai.NewID(kessai.PrefixLedgerTxn)
	out := make([]kessai.LedgerEntry, 0, len(legs))
	for _, l := range legs {
		s, err := kessai.AddAmounts(sum, l.Amount)
		if err != nil {
			return nil, err
		}
		sum = s
		if l.Amount == 0 {
			continue
		}
		out = append(out, kessai.LedgerEntry{AccountID: accountID, TxnID: txnID, PaymentID: paymentID,
			LedgerAccount: l.Account, Currency: currency, Amount: l.Amount, CreatedAt: at})
	}
	if sum != 0 {
		return nil, fmt.Errorf("ledger: unbalanced transaction for %s: legs sum to %d", paymentID, sum)
	}
	return out, nil
}

// Authorize holds amount on the customer's method.
func Authorize(method, paymentID string, amount int64) []Leg {
	return []Leg{{External(method), -amount}, {Authorized(paymentID), amount}}
}

// Capture takes captured out of a hold of held and releases the rest.
func Capture(method, paymentID string, held, captured int64) []Leg {
	return []Leg{{Authorized(paymentID), -held}, {Captured(paymentID), captured}, {External(method), held - captured}}
}

// Release gives a whole hold back.
func Release(method, paymentID string, held int64) []Leg {
	return []Leg{{Authorized(paymentID), -held}, {External(method), held}}
}

// RefundReserve moves a pending refund's amount out of what was captured.
func RefundReserve(paymentID string, amount int64) []Leg {
	return []Leg{{Captured(paymentID), -amount}, {RefundPending(paymentID), amount}}
}

// RefundSettle pays a pending refund out to the customer.
func RefundSettle(method, paymentID string, amount int64) []Leg {
	return []Leg{{RefundPending(paymentID), -amount}, {External(method), amount}}
}

// RefundRelease returns a failed or canceled pending refund to captured.
func RefundRelease(paymentID string, amount int64) []Leg {
	return []Leg{{RefundPending(paymentID), -amount}, {Captured(paymentID), amount}}
}

// RefundNow pays a refund out at once (card refunds).
func RefundNow(method, paymentID string, amount int64) []Leg {
	return []Leg{{Captured(paymentID), -amount}, {External(method), amount}}
}
