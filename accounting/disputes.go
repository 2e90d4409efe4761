package accounting

import (
	"context"
	"time"

	"github.com/kessai/kessai"
	"github.com/kessai/kessai/engine"
)

// Disputes and chargebacks. A chargeback is one core mechanism for both
// faces: the buyer is paid back out of a capture through the network
// (ledger: captured → external), the capture and its payment count it
// (Capture.ChargedBack, Payment.AmountChargedBack), the fee on it is given
// back like a refund's, and the capture is marked Chargeback. A PAY.JP
// flow's lost dispute charges back through it and records a chargeback
// payment transaction; an Amazon A-to-z claim or chargeback
// (POST /kessai/v1/amazon/captures/{id}/chargeback) charges back whatever
// the buyer has not received through refunds, after which the face
// declines the capture's refunds (seed 000). On a flow, what was charged
// back is never refundable again: a refund is checked against
// amount_received − amount_refunded − amount_charged_back.

// DisputeResponseWindow is how long a dispute waits in a *needs_* status
// before its deadline (due_by) moves it on.
const DisputeResponseWindow = 7 * 24 * time.Hour

// JobDisputeDeadline moves a dispute on when its due_by passes unanswered.
const JobDisputeDeadline = "dispute_deadline"

// DisputeReasons are PAY.JP's dispute reasons.
var DisputeReasons = []string{"researching", "researching_fraudulent", "warned_fraudulent", "confirmed_fraudulent",
	"unrecognized", "fraudulent", "product_not_received", "online_fraudulent", "incorrect_account_details",
	"receiving_chargeback", "duplicate", "not_authorized", "subscription_canceled", "check_returned", "other"}

// DisputeStatuses are PAY.JP's dispute statuses.
var DisputeStatuses = []string{kessai.DisputePreWarningNeedsResponse, kessai.DisputeWarningNeedsResponse,
	kessai.DisputeWarningNeedsRefund, kessai.DisputeWarningUnderReview, kessai.DisputeNeedsResponse,
	kessai.DisputeUnderReview, kessai.DisputeLost, kessai.DisputeCancel}

// disputeMoves lists the statuses each open status may move to. A warning
// is an inquiry that may escalate to a chargeback (needs_response); a
// chargeback is contested (under_review) and then lost or canceled (won).
var disputeMoves = map[string][]string{
	kessai.DisputePreWarningNeedsResponse: {kessai.DisputeWarningNeedsResponse, kessai.DisputeWarningNeedsRefund, kessai.DisputeNeedsResponse, kessai.DisputeCancel},
	kessai.DisputeWarningNeedsResponse:    {kessai.DisputeWarningUnderReview, kessai.DisputeWarningNeedsRefund, kessai.DisputeNeedsResponse, kessai.DisputeCancel},
	kessai.DisputeWarningNeedsRefund:      {kessai.DisputeNeedsResponse, kessai.DisputeCancel},
	kessai.DisputeWarningUnderReview:      {kessai.DisputeWarningNeedsRefund, kessai.DisputeNeedsResponse, kessai.DisputeCancel},
	kessai.DisputeNeedsResponse:           {kessai.DisputeUnderReview, kessai.DisputeLost, kessai.DisputeCancel},
	kessai.DisputeUnderReview:             {kessai.DisputeLost, kessai.DisputeCancel},
}

// disputeDeadlines is where an unanswered dispute goes at its due_by: a
// warning escalates to a chargeback, a chargeback is lost.
var disputeDeadlines = map[string]string{
	kessai.DisputePreWarningNeedsResponse: kessai.DisputeNeedsResponse,
	kessai.DisputeWarningNeedsResponse:    kessai.DisputeNeedsResponse,
	kessai.DisputeWarningNeedsRefund:      kessai.DisputeNeedsResponse,
	kessai.DisputeNeedsResponse:           kessai.DisputeLost,
}

// DisputeOpen reports whether a dispute status is not final.
func DisputeOpen(status string) bool {
	_, ok := disputeMoves[status]
	return ok
}

// DisputeParams opens a dispute in test mode.
type DisputeParams struct {
	PaymentFlowID string
	Reason        string
	Amount        *int64  // nil: what the buyer has not received back
	Status        *string // the starting status; nil: needs_response
	Metadata      kessai.Metadata
}

// OpenDispute opens a dispute on a succeeded flow, as the buyer's network
// would (test mode only). A flow has at most one open dispute. Errors:
// validation_error, not_found, invalid_status, test_mode_only,
// metadata_limit_exceeded.
func OpenDispute(e *engine.Engine, ctx context.Context, acct *kessai.Account, p DisputeParams) (*kessai.Dispute, error) {
	const op = "accounting.OpenDispute"
	if acct.Livemode {
		return nil, kessai.Errorf(kessai.TestModeOnly, op, "Disputes are opened by buyers' networks, not through the API, in live mode.")
	}
	if !engine.StatusIn(p.Reason, DisputeReasons...) {
		return nil, kessai.Invalidf(op, "reason", "Input should be one of PAY.JP's dispute reasons")
	}
	status := kessai.DisputeNeedsResponse
	if p.Status != nil {
		status = *p.Status
	}
	if !DisputeOpen(status) {
		return nil, kessai.Invalidf(op, "status", "Input should be an open dispute status (not 'lost' or 'cancel')")
	}
	if p.Amount != nil && *p.Amount <= 0 {
		return nil, kessai.Invalidf(op, "amount", "Input should be greater than 0")
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
		open, err := disputesOf(w, pay.ID)
		if err != nil {
			return nil, err
		}
		for _, d := range open {
			if DisputeOpen(d.Status) {
				return nil, kessai.Errorf(kessai.InvalidStatus, op, "Payment flow %s already has an open dispute %s.", pay.ID, d.ID)
			}
		}
		left := pay.AmountReceived - pay.AmountRefunded - pay.AmountChargedBack
		amount := left
		if p.Amount != nil {
			amount = *p.Amount
		}
		if amount <= 0 || amount > pay.AmountReceived {
			return nil, kessai.Invalidf(op, "amount", "Input should be between 1 and the flow's amount_received (%d)", pay.AmountReceived)
		}
		d := &kessai.Dispute{AccountID: w.Account().ID, ID: kessai.NewID(kessai.PrefixDispute), Livemode: w.Account().Livemode,
			PaymentID: pay.ID, Amount: amount, Currency: pay.Currency, Reason: p.Reason,
			PaymentMethodType: pay.PaymentMethodType, Metadata: md, CreatedAt: w.Now()}
		if err := moveDispute(w, pay, d, status); err != nil {
			return nil, err
		}
		if err := w.Tx().Insert(w.Ctx(), d); err != nil {
			return nil, err
		}
		return d, w.Emit("payment_dispute.created", "payment_dispute", d.ID, d)
	})
	if err != nil {
		return nil, err
	}
	return res.(*kessai.Dispute), nil
}

// AdvanceDispute moves an open dispute to status, as the network would
// (test mode only): see disputeMoves. Lost charges the dispute's amount
// back. Errors: validation_error, not_found, invalid_status,
// test_mode_only.
func AdvanceDispute(e *engine.Engine, ctx context.Context, acct *kessai.Account, id, status string) (*kessai.Dispute, error) {
	const op = "accounting.AdvanceDispute"
	if acct.Livemode {
		return nil, kessai.Errorf(kessai.TestModeOnly, op, "Disputes are decided by buyers' networks in live mode.")
	}
	if !engine.StatusIn(status, DisputeStatuses...) {
		return nil, kessai.Invalidf(op, "status", "Input should be one of PAY.JP's dispute statuses")
	}
	res, err := e.Write(ctx, acct, op, func(w *engine.W) (any, error) {
		var d kessai.Dispute
		if err := engine.Get(w.Ctx(), w.Tx(), kessai.KindDispute, w.Account().ID, id, false, &d, op, "payment_dispute"); err != nil {
			return nil, err
		}
		pay, err := w.LockPayment(op, d.PaymentID, "payment_flow")
		if err != nil {
			return nil, err
		}
		if err := engine.Get(w.Ctx(), w.Tx(), kessai.KindDispute, w.Account().ID, id, true, &d, op, "payment_dispute"); err != nil {
			return nil, err
		}
		if !engine.StatusIn(status, disputeMoves[d.Status]...) {
			return nil, engine.InvalidStatus(op, "payment dispute", d.Status, fromStatuses(status)...)
		}
		return &d, updateDispute(w, pay, &d, status)
	})
	if err != nil {
		return nil, err
	}
	return res.(*kessai.Dispute), nil
}

// fromStatuses lists the statuses that may move to status.
func fromStatuses(status string) []string {
	var out []string
	for _, from := range DisputeStatuses {
		if engine.StatusIn(status, disputeMoves[from]...) {
			out = append(out, from)
		}
	}
	return out
}

// moveDispute sets d's status, its due_by and deadline job, and charges
// back a lost dispute; the caller saves d.
func moveDispute(w *engine.W, pay *kessai.Payment, d *kessai.Dispute, status string) error {
	d.Status, d.UpdatedAt, d.DueBy = status, w.Now(), nil
	if _, ok := disputeDeadlines[status]; ok {
		due := w.Now().Add(DisputeResponseWindow)
		d.DueBy = &due
		if err := w.Schedule(JobDisputeDeadline, disputeRef{ID: d.ID, Status: status, DueBy: due}, due); err != nil {
			return err
		}
	}
	if status != kessai.DisputeLost {
		return nil
	}
	c, err := w.FlowCapture(pay)
	if err != nil {
		return err
	}
	// The buyer cannot be paid back twice: a loss takes back at most what
	// refunds and earlier chargebacks have not.
	amount := min(d.Amount, pay.AmountReceived-pay.AmountRefunded-pay.AmountChargedBack)
	amount = max(amount, 0)
	offset, err := w.Chargeback(pay, c, amount)
	if err != nil {
		return err
	}
	d.ChargedBack = amount
	if err := w.SaveCapture(c); err != nil {
		return err
	}
	if err := w.SavePayment(pay); err != nil {
		return err
	}
	if amount == 0 {
		return nil
	}
	return RecordTransaction(w, kessai.TxnChargeback, d.ID, pay, c, -amount, -offset)
}

// updateDispute moves a stored dispute and records it.
func updateDispute(w *engine.W, pay *kessai.Payment, d *kessai.Dispute, status string) error {
	if err := moveDispute(w, pay, d, status); err != nil {
		return err
	}
	if err := w.Tx().Put(w.Ctx(), d); err != nil {
		return err
	}
	return w.Emit("payment_dispute.updated", "payment_dispute", d.ID, d)
}

type disputeRef struct {
	ID     string    `json:"id"`
	Status string    `json:"status"`
	DueBy  time.Time `json:"due_by"`
}

// disputeDeadline moves a dispute still waiting in the status it had when
// the job was scheduled, with the same due_by.
func disputeDeadline(w *engine.W, ref disputeRef) error {
	const op = "accounting.DisputeDeadline"
	var d kessai.Dispute
	if err := engine.Get(w.Ctx(), w.Tx(), kessai.KindDispute, w.Account().ID, ref.ID, false, &d, op, "payment_dispute"); err != nil {
		return err
	}
	pay, err := w.LockPayment(op, d.PaymentID, "payment_flow")
	if err != nil {
		return err
	}
	if err := engine.Get(w.Ctx(), w.Tx(), kessai.KindDispute, w.Account().ID, ref.ID, true, &d, op, "payment_dispute"); err != nil {
		return err
	}
	next, ok := disputeDeadlines[d.Status]
	if !ok || d.Status != ref.Status || d.DueBy == nil || !d.DueBy.Equal(ref.DueBy) {
		return nil
	}
	return updateDispute(w, pay, &d, next)
}

// disputesOf loads the disputes of a locked payment.
func disputesOf(w *engine.W, paymentID string) ([]*kessai.Dispute, error) {
	return engine.ChildrenOf[kessai.Dispute](w, kessai.KindDispute, paymentID)
}

// settleWarnings cancels a flow's warning_needs_refund dispute once the
// flow is refunded in full: the buyer got the money back without a
// chargeback.
func SettleWarnings(w *engine.W, pay *kessai.Payment) error {
	if pay.AmountRefunded+pay.AmountChargedBack < pay.AmountReceived {
		return nil
	}
	ds, err := disputesOf(w, pay.ID)
	if err != nil {
		return err
	}
	for _, d := range ds {
		if d.Status == kessai.DisputeWarningNeedsRefund {
			if err := updateDispute(w, pay, d, kessai.DisputeCancel); err != nil {
				return err
			}
		}
	}
	return nil
}

// GetDispute returns a payment dispute. Errors: not_found.
func GetDispute(e *engine.Engine, ctx context.Context, acct *kessai.Account, id string) (*kessai.Dispute, error) {
	return engine.GetDoc[kessai.Dispute](ctx, e, acct, kessai.KindDispute, id, "payment_dispute")
}

// ListDisputes pages through disputes, newest first, of one flow when
// paymentFlowID is set and in any of statuses when there are some. Errors:
// validation_error, resource_missing (a cursor).
func ListDisputes(e *engine.Engine, ctx context.Context, acct *kessai.Account, paymentFlowID string, statuses []string, page kessai.Page) ([]*kessai.Dispute, bool, error) {
	const op = "accounting.ListDisputes"
	for _, s := range statuses {
		if !engine.StatusIn(s, DisputeStatuses...) {
			return nil, false, kessai.Invalidf(op, "status", "Input should be one of PAY.JP's dispute statuses")
		}
	}
	filter := map[string]string{"payment_id": paymentFlowID}
	if len(statuses) == 1 {
		filter["status"] = statuses[0]
	}
	if len(statuses) <= 1 {
		return engine.ListOf[kessai.Dispute](ctx, e, acct, kessai.KindDispute, filter, page, op, "payment_dispute")
	}
	// Several statuses: keep those in any of them, page by page.
	return engine.ListWhere(ctx, e, acct, kessai.KindDispute, filter, page, op, "payment_dispute",
		func(d *kessai.Dispute) bool { return engine.StatusIn(d.Status, statuses...) })
}
