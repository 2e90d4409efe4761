// Package ledger builds kessai's double-entry postings. Every money movement
// is a ledger transaction: legs that move amounts between ledger accounts
// and sum to zero in their currency. The ledger accounts follow the core's
// objects:
//
//	authorization:{id}:held       held on the buyer's method, not captured
//	capture:{id}:captured         captured and not refunded
//	capture:{id}:refund_pending   refunds of the capture accepted, not yet settled
//	external:{method}             the outside world (card network, PayPay, Amazon)
//	capture:{id}:fee              the fee charged on the capture, less what was given back (≤ 0)
//	revenue:fees                  the fees kessai earned (the other side of every fee account)
//
// The merchant's balance is the sum of its captures' captured,
// refund_pending and fee accounts: captures add to it, fees, refunds paid
// out and chargebacks take from it (see Merchant).
//
// So at any time: held = what the open authorization still holds,
// captured = the capture's amount − its refunds not failed, refund_pending =
// the sum of its pending refunds, and the sum over all accounts is zero.
// Nothing is ever edited: a release or a failed refund is a new transaction.
package ledger

import (
	"fmt"
	"strings"
	"time"

	"github.com/kessai/kessai"
)

// Leg is one side of a movement: Amount into Account (negative: out of it).
type Leg struct {
	Account string
	Amount  int64
}

// Held, Captured, RefundPending and External name ledger accounts.
func Held(authorizationID string) string    { return "authorization:" + authorizationID + ":held" }
func Captured(captureID string) string      { return "capture:" + captureID + ":captured" }
func RefundPending(captureID string) string { return "capture:" + captureID + ":refund_pending" }
func External(method string) string         { return "external:" + method }
func FeeOf(captureID string) string         { return "capture:" + captureID + ":fee" }

// Revenue is the ledger account of the fees kessai earned.
const Revenue = "revenue:fees"

// Merchant reports whether a ledger account holds the merchant's money:
// a capture's captured, refund_pending or fee account.
func Merchant(account string) bool {
	if !strings.HasPrefix(account, "capture:") {
		return false
	}
	return strings.HasSuffix(account, ":captured") || strings.HasSuffix(account, ":refund_pending") || strings.HasSuffix(account, ":fee")
}

// Txn returns the entries of one ledger transaction of a payment, or an
// error when its legs do not sum to zero (a bug: the caller must not
// commit). Legs of zero are dropped.
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

// Authorize holds amount on the buyer's method.
func Authorize(method, authID string, amount int64) []Leg {
	return []Leg{{External(method), -amount}, {Held(authID), amount}}
}

// Capture takes captured out of a hold of held into a capture and releases
// the rest of the hold.
func Capture(method, authID, captureID string, held, captured int64) []Leg {
	return []Leg{{Held(authID), -held}, {Captured(captureID), captured}, {External(method), held - captured}}
}

// Release gives a whole hold back.
func Release(method, authID string, held int64) []Leg {
	return []Leg{{Held(authID), -held}, {External(method), held}}
}

// RefundReserve moves a pending refund's amount out of what was captured.
func RefundReserve(captureID string, amount int64) []Leg {
	return []Leg{{Captured(captureID), -amount}, {RefundPending(captureID), amount}}
}

// RefundSettle pays a pending refund out to the buyer.
func RefundSettle(method, captureID string, amount int64) []Leg {
	return []Leg{{RefundPending(captureID), -amount}, {External(method), amount}}
}

// RefundRelease returns a failed or canceled pending refund to captured.
func RefundRelease(captureID string, amount int64) []Leg {
	return []Leg{{RefundPending(captureID), -amount}, {Captured(captureID), amount}}
}

// RefundNow pays a refund out at once (card refunds).
func RefundNow(method, captureID string, amount int64) []Leg {
	return []Leg{{Captured(captureID), -amount}, {External(method), amount}}
}

// Fee charges the merchant a capture's fee.
func Fee(captureID string, fee int64) []Leg {
	return []Leg{{FeeOf(captureID), -fee}, {Revenue, fee}}
}

// FeeOffset gives back part of a capture's fee (a refund or chargeback
// paid the buyer back).
func FeeOffset(captureID string, offset int64) []Leg {
	return []Leg{{Revenue, -offset}, {FeeOf(captureID), offset}}
}

// Chargeback pays the buyer back out of a capture through the network.
func Chargeback(method, captureID string, amount int64) []Leg {
	return []Leg{{Captured(captureID), -amount}, {External(method), amount}}
}
