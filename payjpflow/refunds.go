package payjpflow

import (
	"context"
	"sync"
	"sync/atomic"

	"github.com/kessai/kessai"
	"github.com/kessai/kessai/accounting"
	"github.com/kessai/kessai/engine"
	"github.com/kessai/kessai/processor"
)

// Refund reasons.
var refundReasons = []string{"duplicate", "fraudulent", "requested_by_customer"}

// SimulateKey is the refund metadata key that makes a test-mode refund fail
// ("failed") or stay in requires_action ("requires_action"), whatever the
// payment method. The card test numbers 4000000000005126 and
// 4000000000007726 do the same for every refund of their flows.
const SimulateKey = "kessai_simulate"

// RefundParams creates a refund.
type RefundParams struct {
	PaymentFlowID string
	Amount        *int64 // nil: everything not yet refunded
	Reason        *string
	Metadata      kessai.Metadata
}

// CreateRefund refunds part or all of a succeeded flow. Card refunds
// complete at once; PayPay refunds are pending until the settlement job.
// Errors: validation_error, not_found, invalid_status, already_refunded,
// refund_exceeds_payment, refund_period_expired, metadata_limit_exceeded.
func CreateRefund(e *engine.Engine, ctx context.Context, acct *kessai.Account, p RefundParams) (*kessai.Refund, error) {
	const op = "payjpflow.CreateRefund"
	if p.Amount != nil && *p.Amount <= 0 {
		return nil, kessai.Invalidf(op, "amount", "Input should be greater than 0")
	}
	if p.Reason != nil && !engine.StatusIn(*p.Reason, refundReasons...) {
		return nil, kessai.Invalidf(op, "reason", "Input should be 'duplicate', 'fraudulent' or 'requested_by_customer'")
	}
	if sim, ok := p.Metadata[SimulateKey]; ok && sim != "failed" && sim != "requires_action" && sim != "" {
		return nil, kessai.Invalidf(op, "metadata."+SimulateKey, "Input should be 'failed' or 'requires_action'")
	}
	md, err := engine.MergeMetadata(op, nil, p.Metadata)
	if err != nil {
		return nil, err
	}
	res, err := e.Write(ctx, acct, op, func(w *engine.W) (any, error) {
		pay, err := w.LockPayment(op, p.PaymentFlowID, "payment_flow")
		if err != nil {
			return nil, err
		}
		if pay.Status != kessai.StatusSucceeded {
			return nil, engine.InvalidStatus(op, "payment flow", pay.Status, kessai.StatusSucceeded)
		}
		capture, err := w.FlowCapture(pay)
		if err != nil {
			return nil, err
		}
		return w.Refund(pay, capture, p.Amount, &kessai.Refund{Reason: p.Reason, Metadata: md, PaymentMethodType: pay.PaymentMethodType})
	})
	if err != nil {
		return nil, err
	}
	return res.(*kessai.Refund), nil
}

func ptr[T any](v T) *T { return &v }

// refundOutcome is how the simulated network will treat r.
func refundOutcome(w *engine.W, pay *kessai.Payment, r *kessai.Refund) (processor.RefundOutcome, error) {
	switch r.Metadata[SimulateKey] {
	case "failed":
		return processor.RefundFail, nil
	case "requires_action":
		return processor.RefundHold, nil
	}
	if pay.PaymentMethodType != kessai.MethodCard || pay.PaymentMethodID == nil {
		return processor.RefundSucceed, nil
	}
	key := w.Account().ID + "/" + *pay.PaymentMethodID
	v, _ := w.Engine().Memo(cardsKey{}).LoadOrStore(cardsKey{}, new(cardCache))
	cards := v.(*cardCache)
	if v, ok := cards.m.Load(key); ok {
		return v.(processor.RefundOutcome), nil
	}
	var pm kessai.PaymentMethod
	if err := engine.Get(w.Ctx(), w.Tx(), kessai.KindPaymentMethod, w.Account().ID, *pay.PaymentMethodID, false, &pm, "payjpflow.CreateRefund", "payment_method"); err != nil {
		return 0, err
	}
	outcome := processor.CardRefund(pm.Card)
	if cards.n.Add(1) > maxCachedCards {
		cards.m.Clear() // forget them all rather than keep a list to age them
		cards.n.Store(1)
	}
	cards.m.Store(key, outcome)
	return outcome, nil
}

// cardsKey is the engine's memo of how the simulated network treats
// refunds to each card payment method (account id + method id →
// RefundOutcome): a card's behaviour is fixed when it is made.
type cardsKey struct{}

// cardCache is that memo, with its size.
type cardCache struct {
	m sync.Map
	n atomic.Int64
}

// maxCachedCards bounds the cards memo.
const maxCachedCards = 100_000

// refundTransaction records a refund that paid the buyer back: the fee on
// it is given back, and its payment transaction records both. The caller
// saves the capture.
func refundTransaction(w *engine.W, pay *kessai.Payment, c *kessai.Capture, r *kessai.Refund) error {
	offset, err := accounting.ReturnFee(w, pay, c, r.Amount)
	if err != nil {
		return err
	}
	return accounting.RecordTransaction(w, kessai.TxnRefund, r.ID, pay, c, -r.Amount, -offset)
}

// GetRefund returns a refund. Errors: not_found.
func GetRefund(e *engine.Engine, ctx context.Context, acct *kessai.Account, id string) (*kessai.Refund, error) {
	const op = "payjpflow.GetRefund"
	var r kessai.Refund
	err := e.View(ctx, op, func(tx kessai.Tx) error {
		return engine.Get(ctx, tx, kessai.KindRefund, acct.ID, id, false, &r, op, "payment_refund")
	})
	if err != nil {
		return nil, err
	}
	return &r, nil
}

// UpdateRefund changes a refund's metadata. Errors: not_found,
// metadata_limit_exceeded, validation_error.
func UpdateRefund(e *engine.Engine, ctx context.Context, acct *kessai.Account, id string, metadata kessai.Metadata) (*kessai.Refund, error) {
	const op = "payjpflow.UpdateRefund"
	res, err := e.Write(ctx, acct, op, func(w *engine.W) (any, error) {
		var r kessai.Refund
		if err := engine.Get(ctx, w.Tx(), kessai.KindRefund, w.Account().ID, id, true, &r, op, "payment_refund"); err != nil {
			return nil, err
		}
		md, err := engine.MergeMetadata(op, r.Metadata, metadata)
		if err != nil {
			return nil, err
		}
		r.Metadata, r.UpdatedAt = md, w.Now()
		if err := w.Tx().Put(ctx, &r); err != nil {
			return nil, err
		}
		return &r, nil
	})
	if err != nil {
		return nil, err
	}
	return res.(*kessai.Refund), nil
}

// RefundFilter selects refunds in a list; empty fields match all.
type RefundFilter struct {
	PaymentFlowID string
	Reason        string
	Status        string
}

// ListRefunds pages through refunds, newest first. Errors: not_found (a
// payment flow filter naming no flow of the account), validation_error.
func ListRefunds(e *engine.Engine, ctx context.Context, acct *kessai.Account, f RefundFilter, page kessai.Page) ([]*kessai.Refund, bool, error) {
	const op = "payjpflow.ListRefunds"
	if f.Reason != "" && !engine.StatusIn(f.Reason, refundReasons...) {
		return nil, false, kessai.Invalidf(op, "reason", "Input should be 'duplicate', 'fraudulent' or 'requested_by_customer'")
	}
	if f.Status != "" && !engine.StatusIn(f.Status, kessai.RefundPending, kessai.RefundSucceeded, kessai.RefundFailed, kessai.RefundCanceled, kessai.RefundRequiresAction) {
		return nil, false, kessai.Invalidf(op, "status", "Input should be 'pending', 'succeeded', 'failed', 'canceled' or 'requires_action'")
	}
	if f.PaymentFlowID != "" {
		if _, err := GetPaymentFlow(e, ctx, acct, f.PaymentFlowID); err != nil {
			return nil, false, err
		}
	}
	filter := map[string]string{"payment_id": f.PaymentFlowID, "reason": f.Reason, "status": f.Status}
	if f.PaymentFlowID == "" {
		filter["face"] = kessai.FacePayJP // a flow's refunds are PAY.JP's already
	}
	return engine.ListOf[kessai.Refund](ctx, e, acct, kessai.KindRefund, filter, page, op, "payment_refund")
}
