package amazonpay

import (
	"fmt"
	"strings"
	"time"

	"github.com/kessai/kessai"
	"github.com/kessai/kessai/engine"
	"github.com/kessai/kessai/notifications"
)

// Limits of API v2 that the policy applies.
const (
	// MaxChargesPerPermission is how many charges Create Charge (and
	// Complete Checkout Session) may make on one charge permission.
	MaxChargesPerPermission = 25
	// ChargeTTL is how long an Authorized charge lasts before it is
	// Canceled/ExpiredUnused.
	ChargeTTL = 30 * 24 * time.Hour
	// PermissionTTL is how long a charge permission stays chargeable.
	PermissionTTL = 180 * 24 * time.Hour
	// SessionTTL is how long a checkout session stays Open.
	SessionTTL = 24 * time.Hour
)

func init() { engine.RegisterPolicy(kessai.FaceAmazonV2, &v2Policy) }

// v2Policy: Amazon Pay API v2 charge permissions. Unlike MWS, API v2 never
// charges more than the buyer approved: a charge captures at most what it
// authorized, what the permission's charges hold and captured stays within
// its amountLimit (the payment's amount), and it makes 25 charges at most.
// A charge's refunds, RefundInitiated ones included, may exceed what it
// captured by Amazon's allowance (15 % rounded up, ¥8,400 at most), with
// no count limit; every refund is RefundInitiated first and settles after
// Amazon's delay, Declined when the buyer was already paid back by a
// chargeback.
var v2Policy = engine.Policy{
	Face: kessai.FaceAmazonV2,
	AuthorizeLimit: func(p *kessai.Payment, amount int64) error {
		if p.Order != nil && len(p.Order.Authorizations) >= MaxChargesPerPermission {
			return kessai.Errorf(kessai.CountExceeded, "amazonpay.CreateCharge", "ChargePermission %s has had %d charges, the most it may have.", p.ID, MaxChargesPerPermission)
		}
		if exposure := p.Exposure(); exposure+amount > p.Amount {
			return kessai.Errorf(kessai.AmountExceeded, "amazonpay.CreateCharge",
				"The charge of %s would take ChargePermission %s past its amountLimit %s (%s already charged or held).",
				money(amount, p.Currency), p.ID, money(p.Amount, p.Currency), money(exposure, p.Currency))
		}
		return nil
	},
	CaptureLimit: func(_ *engine.W, p *kessai.Payment, a *kessai.Authorization, amount int64) (string, error) {
		if held := a.Amount - a.CapturedAmount; amount > held {
			return "", kessai.Errorf(kessai.AmountExceeded, "amazonpay.CaptureCharge", "captureAmount %s is more than the %s the charge authorized.", money(amount, p.Currency), money(held, p.Currency))
		}
		if p.AmountReceived+amount > p.Amount {
			return "", kessai.Errorf(kessai.AmountExceeded, "amazonpay.CaptureCharge", "The capture would take ChargePermission %s past its amountLimit %s.", p.ID, money(p.Amount, p.Currency))
		}
		if p.AmountReceived+amount == p.Amount {
			return "MaxAmountCharged", nil
		}
		return "", nil
	},
	RefundAmount: func(_ *kessai.Payment, c *kessai.Capture, amount *int64) (int64, error) {
		if amount == nil || *amount <= 0 {
			return 0, kessai.Invalidf("amazonpay.CreateRefund", "refundAmount", "A positive refundAmount is required.")
		}
		allowance, err := engine.OverAllowance(c.Amount, c.Currency)
		if err != nil {
			return 0, err
		}
		if c.RefundedAmount+*amount > c.Amount+allowance {
			return 0, kessai.Errorf(kessai.AmountExceeded, "amazonpay.CreateRefund",
				"The refunds of charge %s would be %s: more than its captured %s plus %s.", c.ID,
				money(c.RefundedAmount+*amount, c.Currency), money(c.Amount, c.Currency), money(allowance, c.Currency))
		}
		return *amount, nil
	},
	RefundID: func(p *kessai.Payment) string {
		p.Order.Seq++
		return fmt.Sprintf("%s-R%06d", p.ID, p.Order.Seq)
	},
	RefundStatus: func(*engine.W, *kessai.Payment, *kessai.Refund) (string, string, error) {
		return kessai.RefundPending, "", nil
	},
	RefundDecline: func(c *kessai.Capture, r *kessai.Refund) string {
		if c.Chargeback {
			r.ReasonCode = "ProcessingFailure"
			return "processingfailure"
		}
		return ""
	},
	SettleDelay: func(cfg engine.Config, _ *kessai.Payment) time.Duration { return cfg.SettleDelayAmazon },
	// The buyer is told by email, as for MWS refunds (seed 000).
	RefundPaid: func(w *engine.W, p *kessai.Payment, _ *kessai.Capture, r *kessai.Refund) error {
		return notifications.RefundCompletedEmail(w, p, r)
	},
	RefundEvent: func(w *engine.W, r *kessai.Refund, _ bool) error {
		// Lower-cased like the charges' events, so that an endpoint can list
		// them (refund.refunded).
		return w.EmitFace(kessai.FaceAmazonV2, "refund."+strings.ToLower(RefundState(r)), ObjectRefund, r.ID, r)
	},
}

// The objects of the face's events.
const (
	ObjectChargePermission = "charge_permission"
	ObjectCharge           = "charge"
	ObjectRefund           = "refund"
	ObjectCheckoutSession  = "checkout_session"
)

// RefundState is a refund's API v2 state.
func RefundState(r *kessai.Refund) string {
	switch r.Status {
	case kessai.RefundSucceeded:
		return "Refunded"
	case kessai.RefundFailed, kessai.RefundCanceled:
		return "Declined"
	}
	return "RefundInitiated"
}

func money(n int64, currency string) string {
	cur, _ := kessai.LookupCurrency(currency)
	return kessai.FormatDecimalAmount(n, cur) + " " + strings.ToUpper(currency)
}
