package payjpflow

import (
	"time"

	"github.com/kessai/kessai"
	"github.com/kessai/kessai/accounting"
	"github.com/kessai/kessai/engine"
	"github.com/kessai/kessai/processor"
)

// PAY.JP's policy and the jobs of its flows and checkout sessions.
func init() {
	engine.RegisterPolicy(kessai.FacePayJP, &payjpPolicy)
	engine.RegisterJob(JobExpireAuthorization, engine.JobOf(func(w *engine.W, ref engine.JobRef) error { return expireAuthorization(w, ref.ID) }))
	engine.RegisterJob(JobExpireCheckoutSession, engine.JobOf(func(w *engine.W, ref engine.JobRef) error { return expireCheckoutSession(w, ref.ID) }))
}

// JobExpireAuthorization cancels a flow whose authorization hold ran out.
const JobExpireAuthorization = "expire_authorization"

// payjpPolicy: PAY.JP v2 payment flows. A flow authorizes its amount once
// and captures at most what it holds. A flow's refunds may not exceed
// what it received (less what chargebacks paid back), within the card's
// 180 days or PayPay's 365th day; card refunds succeed at once, PayPay
// refunds are pending until PayPay settles them.
var payjpPolicy = engine.Policy{
	Face: kessai.FacePayJP,
	CaptureLimit: func(_ *engine.W, _ *kessai.Payment, a *kessai.Authorization, amount int64) (string, error) {
		if held := a.Amount - a.CapturedAmount; amount > held {
			return "", kessai.Invalidf("payjpflow.CapturePaymentFlow", "amount_to_capture", "Input should be less than or equal to amount_capturable (%d)", held)
		}
		return "", nil
	},
	RefundAmount: func(p *kessai.Payment, _ *kessai.Capture, amount *int64) (int64, error) {
		// What a chargeback paid the buyer back cannot be refunded again.
		return engine.CheckFlowRefund(p.AmountReceived, p.AmountRefunded+p.AmountChargedBack, amount)
	},
	RefundWindow: func(p *kessai.Payment, now time.Time) error {
		return engine.CheckFlowRefundWindow(p.PaymentMethodType, p.CreatedAt, p.ConfirmedAt, now)
	},
	RefundID: func(*kessai.Payment) string { return kessai.NewID(kessai.PrefixRefund) },
	RefundStatus: func(w *engine.W, p *kessai.Payment, r *kessai.Refund) (string, string, error) {
		outcome, err := refundOutcome(w, p, r)
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
	SettleDelay: func(cfg engine.Config, _ *kessai.Payment) time.Duration { return cfg.SettleDelayPayPay },
	RefundPaid: func(w *engine.W, p *kessai.Payment, c *kessai.Capture, r *kessai.Refund) error {
		return refundTransaction(w, p, c, r)
	},
	RefundAccepted: accounting.SettleWarnings,
	FeeGivenBack:   accounting.ReturnFee,
	RefundEvent: func(w *engine.W, r *kessai.Refund, created bool) error {
		typ := "refund.updated"
		if created {
			typ = "refund.created"
		}
		return w.Emit(typ, kessai.ObjectRefund, r.ID, r)
	},
}
