package amazonpay

import (
	"context"
	"fmt"
	"strings"

	"github.com/kessai/kessai"
	"github.com/kessai/kessai/engine"
	"github.com/kessai/kessai/ledger"
)

// The jobs of API v2 objects.
const (
	JobChargeExpire     = "amazon_v2_charge_expire"     // an Authorized charge 30 days old is Canceled/ExpiredUnused
	JobChargeSettle     = "amazon_v2_charge_settle"     // a simulated pending authorization settles
	JobPermissionExpire = "amazon_v2_permission_expire" // a charge permission 180 days old is Closed
	JobSessionExpire    = "amazon_v2_session_expire"    // a checkout session Open for 24 hours is Canceled
)

func init() {
	engine.RegisterJob(JobChargeExpire, engine.JobOf(chargeExpire))
	engine.RegisterJob(JobChargeSettle, engine.JobOf(chargeSettle))
	engine.RegisterJob(JobPermissionExpire, engine.JobOf(permissionExpire))
	engine.RegisterJob(JobSessionExpire, engine.JobOf(sessionExpire))
}

// MethodAmazon is the method of API v2 authorizations (the ledger's
// external:amazon, shared with MWS).
const MethodAmazon = "amazon"

// Charge is an API v2 charge: an authorization and, once captured, its
// capture (same id).
type Charge struct {
	Auth    *kessai.Authorization
	Capture *kessai.Capture // nil until captured
}

// chargePermissionOf is the permission id of a charge or refund id
// (<permission>-C000001), or "".
func chargePermissionOf(id string, kind byte) string {
	if len(id) != 27 || id[19] != '-' || id[20] != kind || !PermissionID(id[:19]) {
		return ""
	}
	for _, c := range id[21:] {
		if c < '0' || c > '9' {
			return ""
		}
	}
	return id[:19]
}

// newCharge authorizes amount on p (within its amountLimit and 25
// charges) and, with capture, captures it at once; pending leaves it
// AuthorizationInitiated until its settlement job.
func newCharge(w *engine.W, p *kessai.Payment, amount int64, softDescriptor string, capture, pending bool) (*kessai.Authorization, error) {
	p.Order.Seq++
	a, err := w.NewAuthorization(p, fmt.Sprintf("%s-C%06d", p.ID, p.Order.Seq), MethodAmazon, amount)
	if err != nil {
		return nil, err
	}
	a.SoftDescriptor, a.CaptureNow = softDescriptor, capture
	a.ExpiresAt = w.Now().Add(ChargeTTL)
	p.Order.Authorizations = append(p.Order.Authorizations, a.ID)
	var c *kessai.Capture
	if pending {
		a.State = kessai.AuthPending
		if err := w.Schedule(JobChargeSettle, engine.JobRef{ID: a.ID}, w.Now().Add(PendingDelay)); err != nil {
			return nil, err
		}
	} else if capture {
		if c, err = captureCharge(w, p, a, amount); err != nil {
			return nil, err
		}
	} else if err := w.Schedule(JobChargeExpire, engine.JobRef{ID: a.ID}, a.ExpiresAt); err != nil {
		return nil, err
	}
	if err := w.SaveAuthorization(a, true); err != nil {
		return nil, err
	}
	return a, emitCharge(w, a, c)
}

// captureCharge captures amount of a through the core's caps.
func captureCharge(w *engine.W, p *kessai.Payment, a *kessai.Authorization, amount int64) (*kessai.Capture, error) {
	if _, err := w.CheckCapture(p, a, amount); err != nil {
		return nil, err
	}
	c, err := w.CaptureAuthorization(p, a, a.ID, amount)
	if err != nil {
		return nil, err
	}
	c.SoftDescriptor = a.SoftDescriptor
	return c, w.Tx().Insert(w.Ctx(), c)
}

func emitCharge(w *engine.W, a *kessai.Authorization, c *kessai.Capture) error {
	return w.EmitFace(kessai.FaceAmazonV2, "charge."+strings.ToLower(ChargeState(a, c)), ObjectCharge, a.ID, a)
}

// ChargeState is a charge's API v2 state.
func ChargeState(a *kessai.Authorization, c *kessai.Capture) string {
	switch {
	case c != nil:
		return "Captured"
	case a.State == kessai.AuthPending:
		return "AuthorizationInitiated"
	case a.State == kessai.AuthDeclined:
		return "Declined"
	case a.State == kessai.AuthClosed:
		return "Canceled"
	}
	return "Authorized"
}

// PermissionState is a charge permission's API v2 state.
func PermissionState(p *kessai.Payment) string {
	switch p.State {
	case kessai.StateOpen:
		if p.AmountReceived >= p.Amount {
			return "NonChargeable"
		}
		return "Chargeable"
	case kessai.StateClosed, kessai.StateCanceled:
		return "Closed"
	}
	return "NonChargeable"
}

// lockPermission locks a charge permission that a checkout session made.
func lockPermission(w *engine.W, op, id string) (*kessai.Payment, error) {
	if !PermissionID(id) {
		return nil, engine.NotFound(op, "charge permission", id)
	}
	p, err := w.LockPayment(op, id, "charge permission")
	if err != nil || p.Kind != kessai.PaymentChargePermission || p.State == kessai.StateDraft {
		return nil, engine.NotFound(op, "charge permission", id)
	}
	return p, nil
}

// GetChargePermission reads a charge permission. Errors: not_found.
func GetChargePermission(ctx context.Context, e *engine.Engine, acct *kessai.Account, id string) (*kessai.Payment, error) {
	const op = "amazonpay.GetChargePermission"
	var p kessai.Payment
	if !PermissionID(id) {
		return nil, engine.NotFound(op, "charge permission", id)
	}
	err := e.View(ctx, op, func(tx kessai.Tx) error {
		return engine.Get(ctx, tx, kessai.KindPayment, acct.ID, id, false, &p, op, "charge permission")
	})
	if err != nil || p.Kind != kessai.PaymentChargePermission || (p.State == kessai.StateDraft) {
		return nil, engine.NotFound(op, "charge permission", id)
	}
	return &p, nil
}

// CreateCharge makes a charge on a Chargeable permission. Errors:
// validation_error, not_found, invalid_status, amount_exceeded,
// count_exceeded, currency_mismatch.
func CreateCharge(ctx context.Context, e *engine.Engine, acct *kessai.Account, permissionID string, amount int64, currency, softDescriptor string, capture bool) (*Charge, error) {
	const op = "amazonpay.CreateCharge"
	if amount <= 0 {
		return nil, kessai.Invalidf(op, "chargeAmount", "chargeAmount must be positive.")
	}
	if softDescriptor != "" && !capture {
		return nil, kessai.Invalidf(op, "softDescriptor", "softDescriptor is only allowed with captureNow true.")
	}
	if len([]rune(softDescriptor)) > 16 {
		return nil, kessai.Invalidf(op, "softDescriptor", "softDescriptor is at most 16 characters.")
	}
	res, err := e.Write(ctx, acct, op, func(w *engine.W) (any, error) {
		p, err := lockPermission(w, op, permissionID)
		if err != nil {
			return nil, err
		}
		if p.State != kessai.StateOpen {
			// The permission's state is at fault, not a charge's.
			return nil, kessai.Errorf(kessai.InvalidStatus, "amazonpay.CreateCharge.ChargePermission", "ChargePermission %s is %s.", p.ID, PermissionState(p))
		}
		if currency != p.Currency {
			return nil, kessai.Errorf(kessai.CurrencyMismatch, op, "The currency %s is not the charge permission's %s.", strings.ToUpper(currency), strings.ToUpper(p.Currency))
		}
		a, err := newCharge(w, p, amount, softDescriptor, capture, false)
		if err != nil {
			return nil, err
		}
		if err := savePermission(w, p); err != nil {
			return nil, err
		}
		return chargeOf(w, a)
	})
	if err != nil {
		return nil, err
	}
	return res.(*Charge), nil
}

func savePermission(w *engine.W, p *kessai.Payment) error {
	p.UpdatedAt = w.Now()
	return w.Tx().Put(w.Ctx(), p)
}

// chargeOf reads a's capture, if it has one.
func chargeOf(w *engine.W, a *kessai.Authorization) (*Charge, error) {
	ch := &Charge{Auth: a}
	if a.CaptureID != "" {
		var c kessai.Capture
		if err := w.Get(kessai.KindCapture, a.CaptureID, false, &c, "amazonpay.Charge", "charge"); err != nil {
			return nil, err
		}
		ch.Capture = &c
	}
	return ch, nil
}

// GetCharge reads a charge. Errors: not_found.
func GetCharge(ctx context.Context, e *engine.Engine, acct *kessai.Account, id string) (*Charge, error) {
	const op = "amazonpay.GetCharge"
	if chargePermissionOf(id, 'C') == "" {
		return nil, engine.NotFound(op, "charge", id)
	}
	ch := &Charge{Auth: &kessai.Authorization{}}
	err := e.View(ctx, op, func(tx kessai.Tx) error {
		if err := engine.Get(ctx, tx, kessai.KindAuthorization, acct.ID, id, false, ch.Auth, op, "charge"); err != nil {
			return err
		}
		if ch.Auth.CaptureID != "" {
			ch.Capture = &kessai.Capture{}
			return engine.Get(ctx, tx, kessai.KindCapture, acct.ID, ch.Auth.CaptureID, false, ch.Capture, op, "charge")
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return ch, nil
}

// lockCharge locks the permission of a charge and loads the charge.
func lockCharge(w *engine.W, op, id string) (*kessai.Payment, *kessai.Authorization, error) {
	pid := chargePermissionOf(id, 'C')
	if pid == "" {
		return nil, nil, engine.NotFound(op, "charge", id)
	}
	p, err := lockPermission(w, op, pid)
	if err != nil {
		return nil, nil, engine.NotFound(op, "charge", id)
	}
	var a kessai.Authorization
	if err := w.Get(kessai.KindAuthorization, id, true, &a, op, "charge"); err != nil {
		return nil, nil, err
	}
	return p, &a, nil
}

// CaptureCharge captures amount of an Authorized charge. Errors:
// validation_error, not_found, invalid_status, amount_exceeded,
// currency_mismatch.
func CaptureCharge(ctx context.Context, e *engine.Engine, acct *kessai.Account, id string, amount int64, currency, softDescriptor string) (*Charge, error) {
	const op = "amazonpay.CaptureCharge"
	if amount <= 0 {
		return nil, kessai.Invalidf(op, "captureAmount", "captureAmount must be positive.")
	}
	if len([]rune(softDescriptor)) > 16 {
		return nil, kessai.Invalidf(op, "softDescriptor", "softDescriptor is at most 16 characters.")
	}
	res, err := e.Write(ctx, acct, op, func(w *engine.W) (any, error) {
		p, a, err := lockCharge(w, op, id)
		if err != nil {
			return nil, err
		}
		if a.State != kessai.AuthOpen {
			return nil, kessai.Errorf(kessai.InvalidStatus, op, "Charge %s is %s: only an Authorized charge can be captured.", id, ChargeState(a, nil))
		}
		if currency != p.Currency {
			return nil, kessai.Errorf(kessai.CurrencyMismatch, op, "The currency %s is not the charge's %s.", strings.ToUpper(currency), strings.ToUpper(p.Currency))
		}
		if softDescriptor != "" {
			a.SoftDescriptor = softDescriptor
		}
		c, err := captureCharge(w, p, a, amount)
		if err != nil {
			return nil, err
		}
		if err := w.SaveAuthorization(a, false); err != nil {
			return nil, err
		}
		if err := savePermission(w, p); err != nil {
			return nil, err
		}
		return &Charge{Auth: a, Capture: c}, emitCharge(w, a, c)
	})
	if err != nil {
		return nil, err
	}
	return res.(*Charge), nil
}

// CancelCharge cancels an Authorized charge, releasing what it holds.
// Errors: not_found, invalid_status.
func CancelCharge(ctx context.Context, e *engine.Engine, acct *kessai.Account, id, reason string) (*Charge, error) {
	const op = "amazonpay.CancelCharge"
	if len([]rune(reason)) > 64 {
		return nil, kessai.Invalidf(op, "cancellationReason", "cancellationReason is at most 64 characters.")
	}
	res, err := e.Write(ctx, acct, op, func(w *engine.W) (any, error) {
		p, a, err := lockCharge(w, op, id)
		if err != nil {
			return nil, err
		}
		if a.State != kessai.AuthOpen {
			return nil, kessai.Errorf(kessai.InvalidStatus, op, "Charge %s is %s: only an Authorized charge can be canceled.", id, ChargeState(a, nil))
		}
		if err := w.ReleaseAuthorization(p, a, "MerchantCanceled"); err != nil {
			return nil, err
		}
		a.Note = reason
		if err := w.SaveAuthorization(a, false); err != nil {
			return nil, err
		}
		if err := savePermission(w, p); err != nil {
			return nil, err
		}
		return &Charge{Auth: a}, emitCharge(w, a, nil)
	})
	if err != nil {
		return nil, err
	}
	return res.(*Charge), nil
}

// CreateRefund refunds amount of a Captured charge: RefundInitiated, then
// Refunded (or Declined) by a job after Amazon's delay on the account's
// clock. Errors: validation_error, not_found, invalid_status,
// amount_exceeded, currency_mismatch.
func CreateRefund(ctx context.Context, e *engine.Engine, acct *kessai.Account, chargeID string, amount int64, currency, softDescriptor string) (*kessai.Refund, error) {
	const op = "amazonpay.CreateRefund"
	if len([]rune(softDescriptor)) > 16 {
		return nil, kessai.Invalidf(op, "softDescriptor", "softDescriptor is at most 16 characters.")
	}
	res, err := e.Write(ctx, acct, op, func(w *engine.W) (any, error) {
		p, a, err := lockCharge(w, op, chargeID)
		if err != nil {
			return nil, err
		}
		if a.CaptureID == "" {
			return nil, kessai.Errorf(kessai.InvalidStatus, op, "Charge %s is %s: only a Captured charge can be refunded.", chargeID, ChargeState(a, nil))
		}
		if currency != p.Currency {
			return nil, kessai.Errorf(kessai.CurrencyMismatch, op, "The currency %s is not the charge's %s.", strings.ToUpper(currency), strings.ToUpper(p.Currency))
		}
		var c kessai.Capture
		if err := w.Get(kessai.KindCapture, a.CaptureID, true, &c, op, "charge"); err != nil {
			return nil, err
		}
		return w.Refund(p, &c, &amount, &kessai.Refund{Face: kessai.FaceAmazonV2, SoftDescriptor: softDescriptor,
			PaymentMethodType: MethodAmazon, Metadata: kessai.Metadata{}})
	})
	if err != nil {
		return nil, err
	}
	return res.(*kessai.Refund), nil
}

// GetRefund reads a refund of this face. Errors: not_found.
func GetRefund(ctx context.Context, e *engine.Engine, acct *kessai.Account, id string) (*kessai.Refund, error) {
	const op = "amazonpay.GetRefund"
	if chargePermissionOf(id, 'R') == "" {
		return nil, engine.NotFound(op, "refund", id)
	}
	r, err := engine.GetDoc[kessai.Refund](ctx, e, acct, kessai.KindRefund, id, "refund")
	if err != nil || r.Face != kessai.FaceAmazonV2 {
		return nil, engine.NotFound(op, "refund", id)
	}
	return r, nil
}

// chargeExpire cancels a charge still Authorized 30 days after it was made.
func chargeExpire(w *engine.W, ref engine.JobRef) error {
	const op = "amazonpay.ChargeExpire"
	p, a, err := lockCharge(w, op, ref.ID)
	if err != nil {
		if kessai.ErrorCode(err) == kessai.NotFound {
			return nil
		}
		return err
	}
	if a.State != kessai.AuthOpen {
		return nil
	}
	if err := w.ReleaseAuthorization(p, a, "ExpiredUnused"); err != nil {
		return err
	}
	if err := w.SaveAuthorization(a, false); err != nil {
		return err
	}
	if err := savePermission(w, p); err != nil {
		return err
	}
	return emitCharge(w, a, nil)
}

// permissionExpire closes a charge permission 180 days after its checkout
// session completed, cancelling its Authorized charges.
func permissionExpire(w *engine.W, ref engine.JobRef) error {
	const op = "amazonpay.PermissionExpire"
	p, err := lockPermission(w, op, ref.ID)
	if err != nil {
		if kessai.ErrorCode(err) == kessai.NotFound {
			return nil
		}
		return err
	}
	if p.State != kessai.StateOpen {
		return nil
	}
	return closePermission(w, p, "Expired")
}

func closePermission(w *engine.W, p *kessai.Payment, reason string) error {
	auths, err := w.Authorizations(p)
	if err != nil {
		return err
	}
	for _, a := range auths {
		if a.State != kessai.AuthOpen {
			continue
		}
		if err := w.ReleaseAuthorization(p, a, reason); err != nil {
			return err
		}
		if err := w.SaveAuthorization(a, false); err != nil {
			return err
		}
		if err := emitCharge(w, a, nil); err != nil {
			return err
		}
	}
	p.State, p.Status, p.ReasonCode = kessai.StateClosed, kessai.StateClosed, reason
	p.Order.ClosureReason, p.Order.LastStateChange = reason, w.Now()
	if err := savePermission(w, p); err != nil {
		return err
	}
	return w.EmitFace(kessai.FaceAmazonV2, "charge_permission.closed", ObjectChargePermission, p.ID, p)
}

// CloseChargePermission closes a charge permission, cancelling its
// Authorized charges. Errors: not_found.
func CloseChargePermission(ctx context.Context, e *engine.Engine, acct *kessai.Account, id, reason string) (*kessai.Payment, error) {
	const op = "amazonpay.CloseChargePermission"
	if len([]rune(reason)) > 255 {
		return nil, kessai.Invalidf(op, "closureReason", "closureReason is at most 255 characters.")
	}
	res, err := e.Write(ctx, acct, op, func(w *engine.W) (any, error) {
		p, err := lockPermission(w, op, id)
		if err != nil {
			return nil, err
		}
		if p.State != kessai.StateOpen {
			return p, nil
		}
		return p, closePermission(w, p, "MerchantClosed")
	})
	return asPayment(res, err)
}

// chargeSettle settles a simulated pending charge as the buyer's payment
// method says: 4354 declines it (HardDeclined), others authorize it.
func chargeSettle(w *engine.W, ref engine.JobRef) error {
	const op = "amazonpay.ChargeSettle"
	p, a, err := lockCharge(w, op, ref.ID)
	if kessai.ErrorCode(err) == kessai.NotFound {
		return nil
	}
	if err != nil {
		return err
	}
	if a.State != kessai.AuthPending {
		return nil
	}
	s, err := SessionOf(p)
	if err != nil {
		return err
	}
	if s.PaymentMethod == MethodPendingDecl {
		if err := w.ReleaseAuthorization(p, a, "HardDeclined"); err != nil {
			return err
		}
		a.State = kessai.AuthDeclined
		p.AuthorizedAmount -= a.Amount
	} else {
		a.State = kessai.AuthOpen
		if err := w.Schedule(JobChargeExpire, engine.JobRef{ID: a.ID}, a.ExpiresAt); err != nil {
			return err
		}
	}
	if err := w.SaveAuthorization(a, false); err != nil {
		return err
	}
	if err := savePermission(w, p); err != nil {
		return err
	}
	return emitCharge(w, a, nil)
}

// Chargeback is the sandbox's chargeback (or A-to-z claim) on a Captured
// charge: the network pays the buyer back what is captured and not
// refunded; refunds still RefundInitiated then, and any made later, are
// Declined when they settle. Test mode only. Errors: not_found,
// invalid_status, test_mode_only.
func Chargeback(ctx context.Context, e *engine.Engine, acct *kessai.Account, chargeID string) (*Charge, error) {
	const op = "amazonpay.Chargeback"
	if acct.Livemode {
		return nil, kessai.Errorf(kessai.TestModeOnly, op, "Chargebacks are filed by buyers, not through the API, in live mode.")
	}
	res, err := e.Write(ctx, acct, op, func(w *engine.W) (any, error) {
		p, a, err := lockCharge(w, op, chargeID)
		if err != nil {
			return nil, err
		}
		if a.CaptureID == "" {
			return nil, kessai.Errorf(kessai.InvalidStatus, op, "Charge %s is %s: nothing was captured to charge back.", chargeID, ChargeState(a, nil))
		}
		var c kessai.Capture
		if err := w.Get(kessai.KindCapture, a.CaptureID, true, &c, op, "charge"); err != nil {
			return nil, err
		}
		if c.Chargeback {
			return &Charge{Auth: a, Capture: &c}, nil
		}
		if err := w.FlushPostings(); err != nil {
			return nil, err
		}
		pending, err := w.Tx().LedgerBalance(w.Ctx(), w.Account().ID, ledger.RefundPending(c.ID), c.Currency)
		if err != nil {
			return nil, err
		}
		if _, err := w.Chargeback(p, &c, max(c.Amount-(c.RefundedAmount-pending)-c.ChargedBack, 0)); err != nil {
			return nil, err
		}
		if err := w.SaveCapture(&c); err != nil {
			return nil, err
		}
		if err := savePermission(w, p); err != nil {
			return nil, err
		}
		return &Charge{Auth: a, Capture: &c}, w.EmitFace(kessai.FaceAmazonV2, "charge.chargeback", ObjectCharge, a.ID, &c)
	})
	if err != nil {
		return nil, err
	}
	return res.(*Charge), nil
}

// UpdateChargePermission changes the merchant's metadata of a charge
// permission that is not Closed. Errors: validation_error, not_found,
// invalid_status.
func UpdateChargePermission(ctx context.Context, e *engine.Engine, acct *kessai.Account, id string, m MerchantMetadata) (*kessai.Payment, error) {
	const op = "amazonpay.UpdateChargePermission"
	if err := (CheckoutSessionParams{Merchant: &m}).check(op); err != nil {
		return nil, err
	}
	res, err := e.Write(ctx, acct, op, func(w *engine.W) (any, error) {
		p, err := lockPermission(w, op, id)
		if err != nil {
			return nil, err
		}
		if p.State != kessai.StateOpen {
			return nil, kessai.Errorf(kessai.InvalidStatus, op, "ChargePermission %s is %s.", p.ID, PermissionState(p))
		}
		s, err := SessionOf(p)
		if err != nil {
			return nil, err
		}
		s.Merchant = m
		if err := putSession(p, s); err != nil {
			return nil, err
		}
		return p, savePermission(w, p)
	})
	return asPayment(res, err)
}
