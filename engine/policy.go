package engine

import (
	"time"

	"github.com/kessai/kessai"
)

// Policy is what one face makes of the core's money operations: its caps,
// its windows, whether an outcome is known at once, its ids and its event
// names. Each operation (refund, settleRefund, …) exists once, in
// core.go and money.go; a face's policy is the only place where faces
// differ, and the rules it applies are the pure functions of rules.go.
// PAY.JP's policy is here; a feature package registers its face's
// (RegisterPolicy: package amazonorder for MWS).
//
// A payment's policy follows its face (policyOf), so a job that settles a
// refund later applies the same policy as the request that made it.
type Policy struct {
	// Face is the face whose payments the policy governs.
	Face string

	// AuthorizeLimit checks a new authorization of amount on p against
	// the face's cap; nil: the face authorizes the payment's amount once.
	AuthorizeLimit func(p *kessai.Payment, amount int64) error
	// CaptureLimit checks a capture of amount of authorization a of p
	// against the face's caps; close is the reason code with which p
	// closes once the capture is made ("" when it stays as it is).
	CaptureLimit func(w *W, p *kessai.Payment, a *kessai.Authorization, amount int64) (close string, err error)

	// RefundAmount checks a refund of amount (nil: all that may still be
	// refunded) of capture c of payment p against the face's cap and
	// returns the amount to refund.
	RefundAmount func(p *kessai.Payment, c *kessai.Capture, amount *int64) (int64, error)
	// RefundWindow refuses a refund started at now, too late; nil: the
	// face has no window.
	RefundWindow func(p *kessai.Payment, now time.Time) error
	// RefundID names a new refund of p (p is saved by the operation).
	RefundID func(p *kessai.Payment) string
	// RefundStatus is the first status of a new refund r of p, as the
	// (simulated) network answers it, with a failure reason when it fails
	// at once: succeeded (synchronous), pending (settled by a job later),
	// requires_action, or failed.
	RefundStatus func(w *W, p *kessai.Payment, r *kessai.Refund) (status, failureReason string, err error)
	// RefundDecline decides whether a pending refund r of capture c
	// settles declined: the refund's failure reason (the policy may set
	// its reason code too), or "" when it completes.
	RefundDecline func(c *kessai.Capture, r *kessai.Refund) string
	// SettleDelay is how long a pending refund of p waits for its network.
	SettleDelay func(cfg Config, p *kessai.Payment) time.Duration
	// RefundPaid does what else the face does once a refund has paid the
	// buyer back, before the refund's event: the fee given back and the
	// payment transaction (PAY.JP); the buyer's email and the capture's
	// closing when its refunds reached a limit (Amazon). It may change c;
	// the operation saves it.
	RefundPaid func(w *W, p *kessai.Payment, c *kessai.Capture, r *kessai.Refund) error
	// FeeGivenBack gives back the fee on amount of capture c paid back to
	// the buyer by a chargeback, and returns it; nil: the face charges no
	// fee (Amazon).
	FeeGivenBack func(w *W, p *kessai.Payment, c *kessai.Capture, amount int64) (int64, error)
	// RefundAccepted runs once a new refund of p that did not fail at once
	// is counted (PAY.JP: a full refund cancels the flow's dispute
	// warning); nil: nothing.
	RefundAccepted func(w *W, p *kessai.Payment) error
	// RefundEvent records the event of a refund that was created or
	// changed.
	RefundEvent func(w *W, r *kessai.Refund, created bool) error
	// RefundsOnCapture: the capture lists the ids of its refunds (the
	// IdList that MWS shows on a capture).
	RefundsOnCapture bool
}

// policyOf is the policy registered for a payment's face (RegisterPolicy:
// PAY.JP's by this package, MWS's by package amazonorder). Errors:
// internal, when no package registered the face's policy.
func policyOf(p *kessai.Payment) (*Policy, error) {
	face := p.Face()
	features.RLock()
	pol := features.policies[face]
	features.RUnlock()
	if pol == nil {
		return nil, kessai.Errorf(kessai.Internal, "engine.policyOf", "no policy is registered for the payments of face %q (import its feature package)", face)
	}
	return pol, nil
}
