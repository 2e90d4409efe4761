package engine

import (
	"github.com/kessai/kessai"
	"github.com/kessai/kessai/ledger"
)

// The core's money operations on a locked payment. Each exists once; what
// differs between faces comes from the payment's Policy. A face's entry
// point validates its wire input, locks the payment, finds the object it
// names and checks the face's own preconditions, then calls one of these.

// refund gives back part or all of capture c of the locked payment p: it
// checks the face's cap and window, decides the refund's first status,
// keeps the payment's and the capture's counters, posts the money, schedules
// the settlement of a pending refund and records the event. r carries the
// face's fields (reason, metadata, note, reference id); refund fills in the
// rest. p and c are saved. Errors: the policy's cap and window codes
// (refund_exceeds_payment, already_refunded, amount_exceeded,
// count_exceeded, refund_period_expired, validation_error),
// reference_id_in_use.
func (w *W) refund(p *kessai.Payment, c *kessai.Capture, amount *int64, r *kessai.Refund) (*kessai.Refund, error) {
	pol, err := policyOf(p)
	if err != nil {
		return nil, err
	}
	n, err := pol.RefundAmount(p, c, amount)
	if err != nil {
		return nil, err
	}
	if pol.RefundWindow != nil {
		if err := pol.RefundWindow(p, w.now); err != nil {
			return nil, err
		}
	}
	r.AccountID, r.ID, r.Livemode = w.acct.ID, pol.RefundID(p), w.acct.Livemode
	r.PaymentID, r.CaptureID, r.Amount, r.Currency = p.ID, c.ID, n, c.Currency
	r.CreatedAt, r.UpdatedAt = w.now, w.now
	status, failure, err := pol.RefundStatus(w, p, r)
	if err != nil {
		return nil, err
	}
	r.Status = status
	if failure != "" {
		r.FailureReason = &failure
	}
	c.RefundCount++
	if pol.RefundsOnCapture {
		c.RefundIDs = append(c.RefundIDs, r.ID)
	}
	if r.Status != kessai.RefundFailed {
		p.AmountRefunded += n
		c.RefundedAmount += n
	}
	switch r.Status {
	case kessai.RefundSucceeded:
		if err := w.post(p.ID, p.Currency, ledger.RefundNow(c.Method, c.ID, n)); err != nil {
			return nil, err
		}
		if err := pol.RefundPaid(w, p, c, r); err != nil {
			return nil, err
		}
	case kessai.RefundPending, kessai.RefundRequiresAction:
		if err := w.post(p.ID, p.Currency, ledger.RefundReserve(c.ID, n)); err != nil {
			return nil, err
		}
	}
	if r.Status != kessai.RefundFailed && pol.RefundAccepted != nil {
		if err := pol.RefundAccepted(w, p); err != nil {
			return nil, err
		}
	}
	if err := w.savePayment(p); err != nil {
		return nil, err
	}
	if err := w.saveCapture(c); err != nil {
		return nil, err
	}
	if r.Status == kessai.RefundPending {
		if err := w.schedule(JobSettleRefund, settleRef{PaymentID: p.ID, RefundID: r.ID}, w.now.Add(pol.SettleDelay(w.e.Config, p))); err != nil {
			return nil, err
		}
	}
	if r.ReferenceID != "" {
		err = referenceInsert(w, "engine.Refund", "refund", r.ReferenceID, r)
	} else {
		err = w.tx.Insert(w.ctx, r)
	}
	if err != nil {
		return nil, err
	}
	return r, pol.RefundEvent(w, r, true)
}

// settleRef is the payload of a refund's settlement job.
type settleRef struct {
	PaymentID string `json:"payment_id"`
	RefundID  string `json:"refund_id"`
}

// settleRefund is the network's answer to a pending refund: it completes
// (the money leaves, and the face's policy does what else follows), or it
// is declined as the policy decides, releasing its amount for new refunds.
// A refund that is no longer pending is left alone, so the job may run any
// number of times.
func (w *W) settleRefund(ref settleRef) error {
	const op = "engine.SettleRefund"
	p, err := w.lockPayment(op, ref.PaymentID)
	if err != nil {
		return err
	}
	pol, err := policyOf(p)
	if err != nil {
		return err
	}
	var r kessai.Refund
	if err := get(w.ctx, w.tx, kessai.KindRefund, w.acct.ID, ref.RefundID, true, &r, op, "refund"); err != nil {
		return err
	}
	if r.Status != kessai.RefundPending {
		return nil
	}
	var c kessai.Capture
	if err := get(w.ctx, w.tx, kessai.KindCapture, w.acct.ID, r.CaptureID, true, &c, op, "capture"); err != nil {
		return err
	}
	if reason := pol.RefundDecline(&c, &r); reason != "" {
		if err := w.failRefund(p, &c, &r, reason); err != nil {
			return err
		}
		return pol.RefundEvent(w, &r, false)
	}
	if err := w.post(p.ID, p.Currency, ledger.RefundSettle(c.Method, c.ID, r.Amount)); err != nil {
		return err
	}
	r.Status, r.UpdatedAt = kessai.RefundSucceeded, w.now
	if err := pol.RefundPaid(w, p, &c, &r); err != nil {
		return err
	}
	if err := w.saveCapture(&c); err != nil {
		return err
	}
	if err := w.tx.Put(w.ctx, &r); err != nil {
		return err
	}
	return pol.RefundEvent(w, &r, false)
}

// failRefund declines a refund that was not paid: its amount is released
// for new refunds. p, c and r are saved.
func (w *W) failRefund(p *kessai.Payment, c *kessai.Capture, r *kessai.Refund, reason string) error {
	if err := w.post(p.ID, p.Currency, ledger.RefundRelease(c.ID, r.Amount)); err != nil {
		return err
	}
	p.AmountRefunded -= r.Amount
	c.RefundedAmount -= r.Amount
	if err := w.savePayment(p); err != nil {
		return err
	}
	if err := w.saveCapture(c); err != nil {
		return err
	}
	r.Status, r.FailureReason, r.UpdatedAt = kessai.RefundFailed, &reason, w.now
	return w.tx.Put(w.ctx, r)
}

// chargeback pays amount of capture c back to the buyer through the
// network, and the face's policy gives back the fee on it (FeeGivenBack);
// the caller saves p and c. It returns the fee given back.
func (w *W) chargeback(p *kessai.Payment, c *kessai.Capture, amount int64) (int64, error) {
	c.Chargeback = true
	if amount <= 0 {
		return 0, nil
	}
	if err := w.post(p.ID, p.Currency, ledger.Chargeback(c.Method, c.ID, amount)); err != nil {
		return 0, err
	}
	c.ChargedBack += amount
	p.AmountChargedBack += amount
	pol, err := policyOf(p)
	if err != nil || pol.FeeGivenBack == nil {
		return 0, err
	}
	return pol.FeeGivenBack(w, p, c, amount)
}
