package engine

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"

	"github.com/kessai/kessai"
	"github.com/kessai/kessai/ledger"
)

// The core's objects under a locked payment: every writer of a payment's
// authorizations, captures and refunds locks the payment first, so these
// reads see a stable set.

// maxChildren bounds the authorizations or captures one payment may have
// that childrenOf reads: past it, childrenOf fails rather than decide on
// part of them. Rules never read children: they read the payment's
// counters, kept under its lock (see Payment.Exposure, captureCount).
const maxChildren = 10_000

// childStep is how many children one read of childrenOf takes.
const childStep = 100

// childrenOf loads every authorization or capture of a payment, oldest
// first, a page at a time. Errors: internal past maxChildren.
func childrenOf[T any](w *W, kind kessai.Kind, paymentID string) ([]*T, error) {
	var out []*T
	page := kessai.Page{Limit: childStep}
	for {
		docs, more, err := w.tx.List(w.ctx, kind, w.acct.ID, map[string]string{"payment_id": paymentID}, page)
		if err != nil {
			return nil, err
		}
		for _, d := range docs {
			v := new(T)
			if err := json.Unmarshal(d, v); err != nil {
				return nil, err
			}
			out = append(out, v)
		}
		if !more || len(docs) == 0 {
			break
		}
		if len(out) >= maxChildren {
			return nil, kessai.Errorf(kessai.Internal, "engine.childrenOf", "payment %s has more than %d %s", paymentID, maxChildren, kind)
		}
		page.StartingAfter = idOf(out[len(out)-1])
	}
	slices.Reverse(out)
	return out, nil
}

// captureCount is how many captures of p were not declined: the payment's
// counter, or, for a payment stored before it was kept, counted once from
// its captures (and kept from then on).
func (w *W) captureCount(p *kessai.Payment) (int, error) {
	if p.CaptureCount != nil {
		return *p.CaptureCount, nil
	}
	caps, err := childrenOf[kessai.Capture](w, kessai.KindCapture, p.ID)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, c := range caps {
		if c.State != kessai.CaptureDeclined {
			n++
		}
	}
	p.CaptureCount = &n
	return n, nil
}

// openAuthorization returns the payment's open authorization, or nil.
func (w *W) openAuthorization(p *kessai.Payment) (*kessai.Authorization, error) {
	auths, err := childrenOf[kessai.Authorization](w, kessai.KindAuthorization, p.ID)
	if err != nil {
		return nil, err
	}
	for _, a := range auths {
		if a.State == kessai.AuthOpen {
			return a, nil
		}
	}
	return nil, nil
}

// flowCapture returns the one capture of a PAY.JP flow.
func (w *W) flowCapture(p *kessai.Payment) (*kessai.Capture, error) {
	if p.CaptureID != "" {
		var c kessai.Capture
		if err := w.tx.Get(w.ctx, kessai.KindCapture, w.acct.ID, p.CaptureID, false, &c); err != nil {
			return nil, fmt.Errorf("payment flow %s: capture %s: %w", p.ID, p.CaptureID, err)
		}
		return &c, nil
	}
	caps, err := childrenOf[kessai.Capture](w, kessai.KindCapture, p.ID)
	if err != nil {
		return nil, err
	}
	if len(caps) != 1 {
		return nil, fmt.Errorf("payment flow %s has %d captures, want 1", p.ID, len(caps))
	}
	return caps[0], nil
}

// newAuthorization holds amount on the buyer's method for p under a new
// authorization id, open, within the cap of p's face; the caller saves it.
func (w *W) newAuthorization(p *kessai.Payment, id, method string, amount int64) (*kessai.Authorization, error) {
	pol, err := policyOf(p)
	if err != nil {
		return nil, err
	}
	if pol.AuthorizeLimit != nil {
		if err := pol.AuthorizeLimit(p, amount); err != nil {
			return nil, err
		}
	}
	a := &kessai.Authorization{AccountID: w.acct.ID, ID: id, Livemode: w.acct.Livemode,
		PaymentID: p.ID, Method: method, Amount: amount, Currency: p.Currency, State: kessai.AuthOpen,
		CreatedAt: w.now, UpdatedAt: w.now}
	if err := w.post(p.ID, p.Currency, ledger.Authorize(method, a.ID, amount)); err != nil {
		return nil, err
	}
	sum, err := kessai.AddAmounts(p.AuthorizedAmount, amount)
	if err != nil {
		return nil, err
	}
	p.AuthorizedAmount = sum
	p.AmountCapturable += amount
	return a, nil
}

// checkCapture applies the caps of p's face to a capture of amount of a:
// it returns the reason code with which p closes once the capture is made,
// or "".
func (w *W) checkCapture(p *kessai.Payment, a *kessai.Authorization, amount int64) (string, error) {
	pol, err := policyOf(p)
	if err != nil {
		return "", err
	}
	return pol.CaptureLimit(w, p, a, amount)
}

// captureAuthorization takes amount of what a holds into a new capture id
// and releases the rest; a is closed (captured once). The caller saves p,
// a and the capture.
func (w *W) captureAuthorization(p *kessai.Payment, a *kessai.Authorization, id string, amount int64) (*kessai.Capture, error) {
	held := a.Amount - a.CapturedAmount
	c := &kessai.Capture{AccountID: w.acct.ID, ID: id, Livemode: w.acct.Livemode,
		PaymentID: p.ID, AuthorizationID: a.ID, Face: p.Face(), Method: a.Method, Amount: amount, Currency: p.Currency,
		State: kessai.CaptureCompleted, CreatedAt: w.now, UpdatedAt: w.now}
	if err := w.post(p.ID, p.Currency, ledger.Capture(a.Method, a.ID, c.ID, held, amount)); err != nil {
		return nil, err
	}
	a.CapturedAmount, a.State, a.ReasonCode, a.CaptureID, a.UpdatedAt = amount, kessai.AuthClosed, kessai.ReasonMaxCapturesProcessed, c.ID, w.now
	p.AmountCapturable -= held
	received, err := kessai.AddAmounts(p.AmountReceived, amount)
	if err != nil {
		return nil, err
	}
	p.AmountReceived = received
	n, err := w.captureCount(p)
	if err != nil {
		return nil, err
	}
	n++
	p.CaptureCount = &n
	return c, nil
}

// releaseAuthorization gives back what an open authorization holds and
// closes it with reason. The caller saves p and a.
func (w *W) releaseAuthorization(p *kessai.Payment, a *kessai.Authorization, reason string) error {
	held := a.Amount - a.CapturedAmount
	if err := w.post(p.ID, p.Currency, ledger.Release(a.Method, a.ID, held)); err != nil {
		return err
	}
	a.State, a.ReasonCode, a.UpdatedAt = kessai.AuthClosed, reason, w.now
	p.AmountCapturable -= held
	return nil
}

func (w *W) saveAuthorization(a *kessai.Authorization, isNew bool) error {
	if isNew && a.ReferenceID != "" {
		return referenceInsert(w, "engine.Authorize", "authorization", a.ReferenceID, a)
	}
	if isNew {
		return w.tx.Insert(w.ctx, a)
	}
	a.UpdatedAt = w.now
	return w.tx.Put(w.ctx, a)
}

func (w *W) saveCapture(c *kessai.Capture) error {
	c.UpdatedAt = w.now
	return w.tx.Put(w.ctx, c)
}

// flowState is the core state of a PAY.JP flow status.
func flowState(status string) string {
	switch status {
	case kessai.StatusRequiresCapture:
		return kessai.StateOpen
	case kessai.StatusSucceeded:
		return kessai.StateClosed
	case kessai.StatusCanceled:
		return kessai.StateCanceled
	}
	return kessai.StateDraft
}

// referenceInsert inserts an object named by a merchant's reference id,
// unique per account. A taken id is reference_id_in_use that still wraps
// kessai.ErrDuplicate: the write runs again and, when the id's holder was a
// concurrent request with the same id, replays its record instead.
func referenceInsert(w *W, op, what, refID string, d kessai.Document) error {
	err := w.tx.Insert(w.ctx, d)
	if errors.Is(err, kessai.ErrDuplicate) {
		return &kessai.Error{Code: kessai.ReferenceIDInUse, Op: op, Err: err,
			Message: fmt.Sprintf("The reference id %q was already used by another %s.", refID, what)}
	}
	return err
}
