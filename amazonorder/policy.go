package amazonorder

import (
	"fmt"
	"strings"
	"time"

	"github.com/kessai/kessai"
	"github.com/kessai/kessai/engine"
	"github.com/kessai/kessai/notifications"
	"github.com/kessai/kessai/processor"
)

// init registers the MWS face's policy and the order references' jobs with
// every engine made afterwards.
func init() {
	engine.RegisterPolicy(kessai.FaceMWS, &mwsPolicy)
	for kind, h := range orderJobs() {
		engine.RegisterJob(kind, h)
	}
}

// mwsPolicy: Amazon Pay MWS order references. What is authorized on an
// order (held, pending and captured) and what is captured may exceed its
// amount by the over-allowance; reaching the capture cap, or the tenth
// capture, closes the order. A capture's refunds, pending ones included, may exceed what it captured by the over-allowance and
// number ten at most; every refund is Pending first and settles after
// Amazon's delay, declined as simulated or when the buyer was already paid
// back by an A-to-z claim or chargeback. There is no time limit.
var mwsPolicy = engine.Policy{
	Face: kessai.FaceMWS,
	AuthorizeLimit: func(p *kessai.Payment, amount int64) error {
		return engine.CheckAuthorization(p.Amount, p.Exposure(), amount, p.Currency)
	},
	CaptureLimit: func(w *engine.W, p *kessai.Payment, a *kessai.Authorization, amount int64) (string, error) {
		if err := engine.CheckCaptureOfAuthorization(a.Amount, amount); err != nil {
			return "", err
		}
		captured, err := w.CaptureCount(p)
		if err != nil {
			return "", err
		}
		if captured >= MaxCapturesPerOrder {
			return "", kessai.Errorf(kessai.CountExceeded, "amazonorder.Capture", "%d authorizations of OrderReference %s have been captured already.", captured, p.ID)
		}
		reachesCap, err := engine.CheckCapture(p.Amount, p.AmountReceived, amount, p.Currency)
		switch {
		case err != nil:
			return "", err
		case reachesCap:
			return kessai.ReasonMaxAmountCharged, nil
		case captured+1 >= MaxCapturesPerOrder:
			return "MaxAuthorizationsCaptured", nil
		}
		return "", nil
	},
	RefundAmount: func(_ *kessai.Payment, c *kessai.Capture, amount *int64) (int64, error) {
		if amount == nil {
			return 0, kessai.Invalidf("amazonorder.Refund", "amount", "An amount is required.")
		}
		return *amount, engine.CheckRefund(c.Amount, c.RefundedAmount, c.RefundCount, *amount, c.Currency)
	},
	RefundID: func(p *kessai.Payment) string {
		p.Order.Seq++
		return fmt.Sprintf("%s-R%06d", p.ID, p.Order.Seq)
	},
	RefundStatus: func(*engine.W, *kessai.Payment, *kessai.Refund) (string, string, error) {
		return kessai.RefundPending, "", nil
	},
	RefundDecline: func(c *kessai.Capture, r *kessai.Refund) string {
		sim, _ := processor.ParseSimulation(processor.SimRefund, r.Note)
		switch {
		case sim != nil:
			r.ReasonCode = sim.ReasonCode
		case c.Chargeback:
			r.ReasonCode = "ProcessingFailure"
		}
		return strings.ToLower(r.ReasonCode)
	},
	SettleDelay: func(cfg engine.Config, _ *kessai.Payment) time.Duration { return cfg.SettleDelayAmazon },
	RefundPaid: func(w *engine.W, p *kessai.Payment, c *kessai.Capture, r *kessai.Refund) error {
		if err := notifications.RefundCompletedEmail(w, p, r); err != nil {
			return err
		}
		allowance, err := engine.OverAllowance(c.Amount, c.Currency)
		if err != nil {
			return err
		}
		switch {
		case c.RefundedAmount >= c.Amount+allowance:
			c.State, c.ReasonCode = kessai.CaptureClosed, kessai.ReasonMaxAmountRefunded
		case c.RefundCount >= engine.MaxRefundsPerCapture:
			c.State, c.ReasonCode = kessai.CaptureClosed, kessai.ReasonMaxRefundsProcessed
		default:
			return nil
		}
		c.UpdatedAt = w.Now()
		return emitCapture(w, c)
	},
	RefundEvent: func(w *engine.W, r *kessai.Refund, _ bool) error {
		return w.EmitFace(kessai.FaceMWS, "amazon_refund."+amazonRefundState(r), kessai.ObjectAmazonRefund, r.ID, r)
	},
	RefundsOnCapture: true,
}
