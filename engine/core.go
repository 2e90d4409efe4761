package engine

import (
	"encoding/json"
	"fmt"

	"github.com/kessai/kessai"
	"github.com/kessai/kessai/ledger"
)

// The core's objects under a locked payment: every writer of a payment's
// authorizations, captures and refunds locks the payment first, so these
// reads see a stable set.

// maxChildren bounds the authorizations or captures one payment may have.
const maxChildren = 100

// childrenOf loads the authorizations or captures of a payment, oldest first.
func childrenOf[T any](w *W, kind kessai.Kind, paymentID string) ([]*T, error) {
	docs, _, err := w.tx.List(w.ctx, kind, w.acct.ID, map[string]string{"payment_id": paymentID}, kessai.Page{Limit: maxChildren})
	if err != nil {
		return nil, err
	}
	out := make([]*T, len(docs))
	for i, d := range docs {
		v := new(T)
		if err := json.Unmarshal(d, v); err != nil {
			return nil, err
		}
		out[len(docs)-1-i] = v
	}
	return out, nil
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
// authorization id, open; the caller saves it.
func (w *W) newAuthorization(p *kessai.Payment, id, method string, amount int64) (*kessai.Authorization, error) {
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

// captureAuthorization takes amount of what a holds into a new capture id
// and releases the rest; a is closed (captured once). The caller saves p,
// a and the capture.
func (w *W) captureAuthorization(p *kessai.Payment, a *kessai.Authorization, id string, amount int64) (*kessai.Capture, error) {
	held := a.Amount - a.CapturedAmount
	c := &kessai.Capture{AccountID: w.acct.ID, ID: id, Livemode: w.acct.Livemode,
		PaymentID: p.ID, AuthorizationID: a.ID, Method: a.Method, Amount: amount, Currency: p.Currency,
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
