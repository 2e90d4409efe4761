package engine

import (
	"time"

	"github.com/kessai/kessai"
	"github.com/kessai/kessai/processor"
)

// PAY.JP's policy lives with PAY.JP's application, in this package for now.
func init() { RegisterPolicy(kessai.FacePayJP, &payjpPolicy) }

// payjpPolicy: PAY.JP v2 payment flows. A flow authorizes its amount once
// and captures at most what it holds. A flow's refunds may not exceed
// what it received (less what chargebacks paid back), within the card's
// 180 days or PayPay's 365th day; card refunds succeed at once, PayPay
// refunds are pending until PayPay settles them.
var payjpPolicy = Policy{
	Face: kessai.FacePayJP,
	CaptureLimit: func(_ *W, _ *kessai.Payment, a *kessai.Authorization, amount int64) (string, error) {
		if held := a.Amount - a.CapturedAmount; amount > held {
			return "", kessai.Invalidf("engine.CapturePaymentFlow", "amount_to_capture", "Input should be less than or equal to amount_capturable (%d)", held)
		}
		return "", nil
	},
	RefundAmount: func(p *kessai.Payment, _ *kessai.Capture, amount *int64) (int64, error) {
		// What a chargeback paid the buyer back cannot be refunded again.
		return CheckFlowRefund(p.AmountReceived, p.AmountRefunded+p.AmountChargedBack, amount)
	},
	RefundWindow: func(p *kessai.Payment, now time.Time) error {
		return CheckFlowRefundWindow(p.PaymentMethodType, p.CreatedAt, p.ConfirmedAt, now)
	},
	RefundID: func(*kessai.Payment) string { return kessai.NewID(kessai.PrefixRefund) },
	RefundStatus: func(w *W, p *kessai.Payment, r *kessai.Refund) (string, string, error) {
		outcome, err := w.refundOutcome(p, r)
		if err != nil {
			return "", "", err
		}
		switch {
		// A PayPay refund made to fail is pending like any other and
		// fails when it settles; a card refund fails at once.
		case outcome == processor.RefundFail && p.PaymentMethodType != kessai.MethodPayPay:
			return kessai.RefundFailed, "declined", nil
		case outcome == processor.RefundHold:
			return kessai.RefundRequiresAction, "", nil
		case p.PaymentMethodType == kessai.MethodPayPay:
			return kessai.RefundPending, "", nil
		}
		return kessai.RefundSucceeded, "", nil
	},
	RefundDecline: func(_ *kessai.Capture, r *kessai.Refund) string {
		if r.Metadata[SimulateKey] == "failed" {
			return "declined"
		}
		return ""
	},
	SettleDelay: func(cfg Config, _ *kessai.Payment) time.Duration { return cfg.SettleDelayPayPay },
	RefundPaid: func(w *W, p *kessai.Payment, c *kessai.Capture, r *kessai.Refund) error {
		return w.refundTransaction(p, c, r)
	},
	RefundAccepted: (*W).settleWarnings,
	FeeGivenBack:   (*W).returnFee,
	RefundEvent: func(w *W, r *kessai.Refund, created bool) error {
		typ := "refund.updated"
		if created {
			typ = "refund.created"
		}
		return w.emit(typ, kessai.ObjectRefund, r.ID, r)
	},
}
