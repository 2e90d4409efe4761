// Package processor simulates the payment networks behind kessai in test
// mode: a card network driven by PAY.JP's test card numbers, and PayPay,
// whose payments wait for the buyer's approval and whose refunds settle
// later. Every decision is a pure function of its inputs, so it can run
// inside a store transaction without any network call.
package processor

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"strings"

	"github.com/kessai/kessai"
)

// Card behaviours decided when a payment is charged.
const (
	ChargeOK              = ""
	ChargeDeclined        = "charge_declined"            // 4000000000080319
	ChargeExpired         = "charge_expired_card"        // 4000000000004012
	ChargeDeclinedOver1e4 = "charge_declined_over_10000" // 4000000000080202
	ChargeIncorrectData   = "charge_incorrect_card_data" // 4000000000000077
	// RefundFails makes this test card's refunds fail (kessai's own test card).
	RefundFails = "refund_fails" // 4000000000005126
	// RefundRequiresAction leaves this test card's refunds in requires_action.
	RefundRequiresAction = "refund_requires_action" // 4000000000007726
	// ThreeDSecure asks for 3-D Secure on every confirmation (kessai's own
	// number): the flow waits in requires_action for the buyer.
	ThreeDSecure = "three_d_secure" // 4000000000003220
)

type testCard struct {
	createErr kessai.Code // refused when the payment method is created
	behavior  string      // decided later
	country   string
}

// testCards are PAY.JP's test card numbers with their outcomes, plus two of
// kessai's own for refund failures.
var testCards = map[string]testCard{
	"4000000000000002": {createErr: kessai.CardDeclined},
	"4000000000000069": {createErr: kessai.ExpiredCard},
	"4000000000000127": {createErr: kessai.IncorrectCardData},
	"4000000000000119": {createErr: kessai.ProcessingError},
	"4000003720000278": {createErr: kessai.IncorrectCardData},
	"36227206271667":   {createErr: kessai.UnacceptableBrand},
	"4000000000080319": {behavior: ChargeDeclined},
	"4000000000004012": {behavior: ChargeExpired},
	"4000000000080202": {behavior: ChargeDeclinedOver1e4},
	"4000000000000077": {behavior: ChargeIncorrectData},
	"4000000900000003": {country: "US"},
	"4000000000005126": {behavior: RefundFails},
	"4000000000007726": {behavior: RefundRequiresAction},
	"4000000000003220": {behavior: ThreeDSecure},
}

// Brand returns the card brand of a number by its prefix.
func Brand(number string) string {
	switch {
	case strings.HasPrefix(number, "4"):
		return "Visa"
	case strings.HasPrefix(number, "5"), strings.HasPrefix(number, "2"):
		return "MasterCard"
	case strings.HasPrefix(number, "34"), strings.HasPrefix(number, "37"):
		return "American Express"
	case strings.HasPrefix(number, "35"):
		return "JCB"
	case strings.HasPrefix(number, "30"), strings.HasPrefix(number, "36"), strings.HasPrefix(number, "38"):
		return "Diners Club"
	case strings.HasPrefix(number, "6"):
		return "Discover"
	}
	return "Unknown"
}

// LuhnValid reports whether number passes the Luhn check.
func LuhnValid(number string) bool {
	sum, double := 0, false
	for i := len(number) - 1; i >= 0; i-- {
		d := int(number[i] - '0')
		if double {
			d *= 2
			if d > 9 {
				d -= 9
			}
		}
		sum += d
		double = !double
	}
	return sum%10 == 0 && len(number) > 0
}

// Tokenize turns a test card into what kessai keeps of it, or the error the
// network answers at creation. The number itself is not kept.
func Tokenize(accountID, number string, expMonth, expYear int) (*kessai.Card, kessai.Code) {
	tc := testCards[number]
	if tc.createErr != "" {
		return nil, tc.createErr
	}
	if Brand(number) == "Unknown" || !LuhnValid(number) {
		return nil, kessai.IncorrectCardData
	}
	sum := sha256.Sum256([]byte(accountID + "\x00" + number))
	c := &kessai.Card{Brand: Brand(number), Last4: number[len(number)-4:], ExpMonth: expMonth, ExpYear: expYear,
		Fingerprint: hex.EncodeToString(sum[:16]), Behavior: tc.behavior}
	country := tc.country
	if country == "" {
		country = "JP"
	}
	c.Country = &country
	return c, ""
}

// Decline is a processor's refusal.
type Decline struct {
	Code    kessai.Code
	Message string
}

// ChargeCard decides an authorization of amount on card: nil approves.
func ChargeCard(card *kessai.Card, amount int64) *Decline {
	switch card.Behavior {
	case ChargeDeclined:
		return &Decline{kessai.CardDeclined, "Your card was declined."}
	case ChargeExpired:
		return &Decline{kessai.ExpiredCard, "Your card has expired."}
	case ChargeIncorrectData:
		return &Decline{kessai.IncorrectCardData, "Your card data is incorrect."}
	case ChargeDeclinedOver1e4:
		if amount > 10000 {
			return &Decline{kessai.CardDeclined, "Your card was declined."}
		}
	}
	return nil
}

// RefundOutcome is how the simulated network settles a refund.
type RefundOutcome int

// Refund outcomes.
const (
	RefundSucceed RefundOutcome = iota
	RefundFail
	RefundHold // requires_action: stays until acted upon
)

// CardRefund decides a card refund.
func CardRefund(card *kessai.Card) RefundOutcome {
	if card == nil {
		return RefundSucceed
	}
	switch card.Behavior {
	case RefundFails:
		return RefundFail
	case RefundRequiresAction:
		return RefundHold
	}
	return RefundSucceed
}

// NeedsThreeDSecure reports whether confirming with card asks the buyer for
// 3-D Secure: the card always does, or the flow's payment_method_options
// ask for it with card.request_three_d_secure "any".
func NeedsThreeDSecure(card *kessai.Card, options json.RawMessage) bool {
	if card == nil {
		return false
	}
	if card.Behavior == ThreeDSecure {
		return true
	}
	var o struct {
		Card struct {
			RequestThreeDSecure string `json:"request_three_d_secure"`
		} `json:"card"`
	}
	return len(options) > 0 && json.Unmarshal(options, &o) == nil && o.Card.RequestThreeDSecure == "any"
}
