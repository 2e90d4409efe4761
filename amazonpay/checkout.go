package amazonpay

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math/big"
	"strings"
	"time"

	"github.com/kessai/kessai"
	"github.com/kessai/kessai/engine"
)

// A checkout session and the charge permission it makes are one core
// payment (kind charge_permission): its id is the permission's
// (S03-1234567-1234567), the session is the payment's face data, and the
// session id is a UUID that carries the permission id's digits, so that
// either id finds the payment.

// Checkout session states.
const (
	SessionOpen      = "Open"
	SessionCompleted = "Completed"
	SessionCanceled  = "Canceled"
)

// Payment intents.
const (
	IntentConfirm              = "Confirm"
	IntentAuthorize            = "Authorize"
	IntentAuthorizeWithCapture = "AuthorizeWithCapture"
)

// The sandbox buyer's simulated payment methods, by card suffix.
const (
	MethodHappy        = "1111"
	MethodBuyerCancels = "3064"
	MethodDeclined     = "3434"
	MethodPending      = "0701" // AuthorizationInitiated, Authorized after PendingDelay
	MethodPendingDecl  = "4354" // AuthorizationInitiated, Declined/HardDeclined after PendingDelay
)

// PendingDelay is how long a simulated pending authorization takes to
// settle, on the account's clock.
const PendingDelay = 30 * time.Second

// MerchantMetadata is the merchant's description of an order.
type MerchantMetadata struct {
	MerchantReferenceID string `json:"merchantReferenceId,omitempty"`
	MerchantStoreName   string `json:"merchantStoreName,omitempty"`
	NoteToBuyer         string `json:"noteToBuyer,omitempty"`
	CustomInformation   string `json:"customInformation,omitempty"`
}

// Session is a checkout session, kept as its payment's face data.
type Session struct {
	ID                   string           `json:"id"`
	State                string           `json:"state"`
	ReasonCode           string           `json:"reason_code,omitempty"`
	ReviewReturnURL      string           `json:"review_return_url"`
	ResultReturnURL      string           `json:"result_return_url,omitempty"`
	StoreID              string           `json:"store_id"`
	ChargePermissionType string           `json:"charge_permission_type"`
	PaymentIntent        string           `json:"payment_intent,omitempty"`
	ChargeAmount         *int64           `json:"charge_amount,omitempty"`
	Currency             string           `json:"currency,omitempty"`
	CanHandlePending     bool             `json:"can_handle_pending,omitempty"`
	SoftDescriptor       string           `json:"soft_descriptor,omitempty"`
	Merchant             MerchantMetadata `json:"merchant"`
	PaymentMethod        string           `json:"payment_method,omitempty"` // the suffix the buyer chose
	ChargeID             string           `json:"charge_id,omitempty"`
	ExpiresAt            time.Time        `json:"expires_at"`
	LastUpdated          time.Time        `json:"last_updated"`
	CreatedAt            time.Time        `json:"created_at"`
}

// SessionOf reads a payment's checkout session.
func SessionOf(p *kessai.Payment) (*Session, error) {
	var s Session
	if err := json.Unmarshal(p.FaceData, &s); err != nil {
		return nil, fmt.Errorf("checkout session of %s: %w", p.ID, err)
	}
	return &s, nil
}

func putSession(p *kessai.Payment, s *Session) error {
	raw, err := json.Marshal(s)
	if err != nil {
		return err
	}
	p.FaceData = raw
	return nil
}

// Ready reports whether the session has what the buyer's page needs: an
// amount, an intent and where to send the buyer back.
func (s *Session) Ready() bool {
	return s.ChargeAmount != nil && s.PaymentIntent != "" && s.ResultReturnURL != ""
}

func permissionPrefix(a *kessai.Account) string {
	if a.Livemode {
		return "P03"
	}
	return "S03"
}

func digits(n int) string {
	max := new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(n)), nil)
	v, _ := rand.Int(rand.Reader, max)
	return fmt.Sprintf("%0*d", n, v)
}

func randomHex(n int) string {
	b := make([]byte, (n+1)/2)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)[:n]
}

// sessionIDOf makes the session id of permission id S03-ddddddd-ddddddd.
func sessionIDOf(permissionID string) string {
	d := strings.ReplaceAll(permissionID[4:], "-", "")
	return randomHex(8) + "-" + randomHex(4) + "-4" + d[0:3] + "-8" + d[3:6] + "-" + d[6:14] + randomHex(4)
}

// permissionOfSession is the permission id a session id carries, or "".
func permissionOfSession(acct *kessai.Account, id string) string {
	if len(id) != 36 || id[8] != '-' || id[13] != '-' || id[18] != '-' || id[23] != '-' || id[14] != '4' || id[19] != '8' {
		return ""
	}
	d := id[15:18] + id[20:23] + id[24:32]
	for _, c := range d {
		if c < '0' || c > '9' {
			return ""
		}
	}
	return permissionPrefix(acct) + "-" + d[0:7] + "-" + d[7:14]
}

// PermissionID reports whether id has the shape of a charge permission id.
func PermissionID(id string) bool {
	if len(id) != 19 || (id[0] != 'S' && id[0] != 'P') || id[1:4] != "03-" || id[11] != '-' {
		return false
	}
	for i, c := range id[4:] {
		if i != 7 && (c < '0' || c > '9') {
			return false
		}
	}
	return true
}

// CheckoutSessionParams creates or updates a checkout session.
type CheckoutSessionParams struct {
	ReviewReturnURL  *string
	ResultReturnURL  *string
	StoreID          *string
	PaymentIntent    *string
	ChargeAmount     *int64
	Currency         string
	CanHandlePending *bool
	SoftDescriptor   *string
	Merchant         *MerchantMetadata
}

func checkURL(op, field string, u *string) error {
	if u == nil {
		return nil
	}
	if len(*u) > 1024 || !(strings.HasPrefix(*u, "https://") || strings.HasPrefix(*u, "http://")) {
		return kessai.Invalidf(op, field, "%s must be an http(s) URL of at most 1024 characters.", field)
	}
	return nil
}

func (p CheckoutSessionParams) check(op string) error {
	if err := checkURL(op, "webCheckoutDetails.checkoutReviewReturnUrl", p.ReviewReturnURL); err != nil {
		return err
	}
	if err := checkURL(op, "webCheckoutDetails.checkoutResultReturnUrl", p.ResultReturnURL); err != nil {
		return err
	}
	if p.PaymentIntent != nil {
		switch *p.PaymentIntent {
		case IntentConfirm, IntentAuthorize, IntentAuthorizeWithCapture:
		default:
			return kessai.Invalidf(op, "paymentDetails.paymentIntent", "paymentIntent must be Confirm, Authorize or AuthorizeWithCapture.")
		}
	}
	if p.ChargeAmount != nil {
		if *p.ChargeAmount <= 0 {
			return kessai.Invalidf(op, "paymentDetails.chargeAmount", "chargeAmount must be positive.")
		}
		if err := engine.CheckTransactionAmount(*p.ChargeAmount, p.Currency); err != nil {
			return err
		}
	}
	if p.SoftDescriptor != nil && len([]rune(*p.SoftDescriptor)) > 16 {
		return kessai.Invalidf(op, "paymentDetails.softDescriptor", "softDescriptor is at most 16 characters.")
	}
	if m := p.Merchant; m != nil {
		for field, v := range map[string]string{"merchantReferenceId": m.MerchantReferenceID, "merchantStoreName": m.MerchantStoreName,
			"noteToBuyer": m.NoteToBuyer, "customInformation": m.CustomInformation} {
			if len([]rune(v)) > 256 {
				return kessai.Invalidf(op, "merchantMetadata."+field, "%s is at most 256 characters.", field)
			}
		}
	}
	return nil
}

func (p CheckoutSessionParams) apply(s *Session) {
	if p.ReviewReturnURL != nil {
		s.ReviewReturnURL = *p.ReviewReturnURL
	}
	if p.ResultReturnURL != nil {
		s.ResultReturnURL = *p.ResultReturnURL
	}
	if p.PaymentIntent != nil {
		s.PaymentIntent = *p.PaymentIntent
	}
	if p.ChargeAmount != nil {
		n := *p.ChargeAmount
		s.ChargeAmount, s.Currency = &n, p.Currency
	}
	if p.CanHandlePending != nil {
		s.CanHandlePending = *p.CanHandlePending
	}
	if p.SoftDescriptor != nil {
		s.SoftDescriptor = *p.SoftDescriptor
	}
	if p.Merchant != nil {
		s.Merchant = *p.Merchant
	}
}

// CreateCheckoutSession makes an Open checkout session; in the sandbox its
// buyer has signed in already. Errors: validation_error,
// livemode_unsupported.
func CreateCheckoutSession(ctx context.Context, e *engine.Engine, acct *kessai.Account, p CheckoutSessionParams) (*kessai.Payment, error) {
	const op = "amazonpay.CreateCheckoutSession"
	if p.ReviewReturnURL == nil {
		return nil, kessai.Invalidf(op, "webCheckoutDetails.checkoutReviewReturnUrl", "checkoutReviewReturnUrl is required.")
	}
	if p.StoreID == nil || *p.StoreID == "" {
		return nil, kessai.Invalidf(op, "storeId", "storeId is required.")
	}
	if *p.StoreID != StoreID(acct) {
		return nil, kessai.Invalidf(op, "storeId", "storeId %s is not this merchant's (%s).", clip(*p.StoreID), StoreID(acct))
	}
	if err := p.check(op); err != nil {
		return nil, err
	}
	if acct.Livemode {
		return nil, kessai.Errorf(kessai.LiveModeUnsupported, op, "kessai has no live Amazon Pay: use a sandbox key.")
	}
	res, err := e.Write(ctx, acct, op, func(w *engine.W) (any, error) {
		now := w.Now()
		b := SandboxBuyer(w.Account())
		pay := &kessai.Payment{AccountID: w.Account().ID, ID: permissionPrefix(w.Account()) + "-" + digits(7) + "-" + digits(7),
			Kind: kessai.PaymentChargePermission, Livemode: w.Account().Livemode, Currency: "jpy",
			State: kessai.StateDraft, Status: kessai.StateDraft, PaymentMethodType: "amazon", Metadata: kessai.Metadata{},
			Order: &kessai.OrderDetails{Buyer: kessai.Buyer{Name: b.Name, Email: b.Email, Phone: b.PhoneNumber}, ExpiresAt: now.Add(PermissionTTL),
				Authorizations: []string{}, LastStateChange: now},
			Email: b.Email, CreatedAt: now, UpdatedAt: now}
		s := &Session{ID: sessionIDOf(pay.ID), State: SessionOpen, StoreID: *p.StoreID, ChargePermissionType: "OneTime",
			ExpiresAt: now.Add(SessionTTL), LastUpdated: now, CreatedAt: now}
		p.apply(s)
		if s.ChargeAmount != nil {
			pay.Amount, pay.Currency = *s.ChargeAmount, s.Currency
		}
		if err := putSession(pay, s); err != nil {
			return nil, err
		}
		if err := w.Tx().Insert(w.Ctx(), pay); err != nil {
			return nil, err
		}
		if err := w.Schedule(JobSessionExpire, engine.JobRef{ID: pay.ID}, s.ExpiresAt); err != nil {
			return nil, err
		}
		return pay, emitSession(w, pay)
	})
	return asPayment(res, err)
}

func asPayment(res any, err error) (*kessai.Payment, error) {
	p, _ := res.(*kessai.Payment)
	return p, err
}

func emitSession(w *engine.W, p *kessai.Payment) error {
	s, err := SessionOf(p)
	if err != nil {
		return err
	}
	return w.EmitFace(kessai.FaceAmazonV2, "checkout_session."+strings.ToLower(s.State), ObjectCheckoutSession, s.ID, p)
}

// lockSession locks the payment of a checkout session id.
func lockSession(w *engine.W, op, id string) (*kessai.Payment, *Session, error) {
	pid := permissionOfSession(w.Account(), id)
	if pid == "" {
		return nil, nil, engine.NotFound(op, "checkout session", id)
	}
	p, err := w.LockPayment(op, pid, "checkout session")
	if err != nil || p.Kind != kessai.PaymentChargePermission {
		return nil, nil, engine.NotFound(op, "checkout session", id)
	}
	s, err := SessionOf(p)
	if err != nil {
		return nil, nil, err
	}
	if s.ID != id {
		return nil, nil, engine.NotFound(op, "checkout session", id)
	}
	return p, s, nil
}

// GetCheckoutSession reads a checkout session's payment. Errors: not_found.
func GetCheckoutSession(ctx context.Context, e *engine.Engine, acct *kessai.Account, id string) (*kessai.Payment, error) {
	const op = "amazonpay.GetCheckoutSession"
	pid := permissionOfSession(acct, id)
	if pid == "" {
		return nil, engine.NotFound(op, "checkout session", id)
	}
	var p kessai.Payment
	if err := e.View(ctx, op, func(tx kessai.Tx) error {
		return engine.Get(ctx, tx, kessai.KindPayment, acct.ID, pid, false, &p, op, "checkout session")
	}); err != nil || p.Kind != kessai.PaymentChargePermission {
		return nil, engine.NotFound(op, "checkout session", id)
	}
	if s, err := SessionOf(&p); err != nil || s.ID != id {
		return nil, engine.NotFound(op, "checkout session", id)
	}
	return &p, nil
}

// UpdateCheckoutSession changes an Open session's details. Errors:
// validation_error, not_found, invalid_status.
func UpdateCheckoutSession(ctx context.Context, e *engine.Engine, acct *kessai.Account, id string, u CheckoutSessionParams) (*kessai.Payment, error) {
	const op = "amazonpay.UpdateCheckoutSession"
	if err := u.check(op); err != nil {
		return nil, err
	}
	res, err := e.Write(ctx, acct, op, func(w *engine.W) (any, error) {
		p, s, err := lockSession(w, op, id)
		if err != nil {
			return nil, err
		}
		if s.State != SessionOpen {
			return nil, kessai.Errorf(kessai.InvalidStatus, op, "CheckoutSession %s is %s: only an Open session can be updated.", id, s.State)
		}
		u.apply(s)
		s.LastUpdated = w.Now()
		if s.ChargeAmount != nil {
			p.Amount, p.Currency = *s.ChargeAmount, s.Currency
		}
		if err := putSession(p, s); err != nil {
			return nil, err
		}
		p.UpdatedAt = w.Now()
		return p, w.Tx().Put(w.Ctx(), p)
	})
	return asPayment(res, err)
}

// ApproveCheckoutSession is the sandbox buyer's choice on kessai's page of
// a simulated payment method (a card suffix): 1111 (the default) pays,
// 3064 cancels the session as the buyer (BuyerCanceled), 3434 declines it
// (Declined). Errors: not_found, invalid_status, invalid_sandbox_simulation.
func ApproveCheckoutSession(ctx context.Context, e *engine.Engine, acct *kessai.Account, id, method string) (*kessai.Payment, error) {
	const op = "amazonpay.ApproveCheckoutSession"
	if method == "" {
		method = MethodHappy
	}
	switch method {
	case MethodHappy, "0005", "4444", "9424", "0000", MethodBuyerCancels, MethodDeclined, MethodPending, MethodPendingDecl:
	default:
		return nil, kessai.Errorf(kessai.InvalidSimulation, op, "kessai simulates the payment methods ending 1111, 0005, 4444, 9424, 0000 (paid), 3064 (the buyer cancels), 3434 (declined), 0701 and 4354 (pending, then authorized or declined), not %q.", clip(method))
	}
	res, err := e.Write(ctx, acct, op, func(w *engine.W) (any, error) {
		p, s, err := lockSession(w, op, id)
		if err != nil {
			return nil, err
		}
		if s.State != SessionOpen || s.PaymentMethod != "" {
			return nil, kessai.Errorf(kessai.InvalidStatus, op, "CheckoutSession %s is not waiting for the buyer.", id)
		}
		if !s.Ready() {
			return nil, kessai.Errorf(kessai.InvalidStatus, op, "CheckoutSession %s has no amount, paymentIntent or checkoutResultReturnUrl yet: update it first.", id)
		}
		if (method == MethodPending || method == MethodPendingDecl) && (s.PaymentIntent != IntentAuthorize || !s.CanHandlePending) {
			return nil, kessai.Errorf(kessai.InvalidSimulation, op, "The payment method ending %s authorizes asynchronously: it needs paymentIntent Authorize and canHandlePendingAuthorization true.", method)
		}
		s.PaymentMethod, s.LastUpdated = method, w.Now()
		switch method {
		case MethodBuyerCancels:
			s.State, s.ReasonCode = SessionCanceled, "BuyerCanceled"
		case MethodDeclined:
			s.State, s.ReasonCode = SessionCanceled, "Declined"
		}
		if err := putSession(p, s); err != nil {
			return nil, err
		}
		p.UpdatedAt = w.Now()
		if s.State == SessionCanceled {
			p.State, p.Status, p.ReasonCode = kessai.StateCanceled, kessai.StateCanceled, s.ReasonCode
		}
		if err := w.Tx().Put(w.Ctx(), p); err != nil {
			return nil, err
		}
		if s.State == SessionCanceled {
			return p, emitSession(w, p)
		}
		return p, nil
	})
	return asPayment(res, err)
}

// CompleteCheckoutSession completes an approved session with the amount
// the buyer approved: the charge permission becomes Chargeable and, for
// Authorize and AuthorizeWithCapture, its first charge is made (and
// captured). Completing a Completed session again with the same amount
// answers it as it is. Errors: validation_error, not_found, invalid_status,
// amount_exceeded, currency_mismatch.
func CompleteCheckoutSession(ctx context.Context, e *engine.Engine, acct *kessai.Account, id string, amount int64, currency string) (*kessai.Payment, error) {
	return CompleteCheckoutSessionWith(ctx, e, acct, id, amount, currency, CompleteOptions{})
}

// FinalizeCheckoutSession is Finalize Checkout Session: Complete Checkout
// Session for a merchant that states the paymentIntent again, which must
// be the session's (kessai's buyer approves a session whose intent is
// already set). Errors: those of CompleteCheckoutSession.
func FinalizeCheckoutSession(ctx context.Context, e *engine.Engine, acct *kessai.Account, id string, amount int64, currency, intent string) (*kessai.Payment, error) {
	return CompleteCheckoutSessionWith(ctx, e, acct, id, amount, currency, CompleteOptions{Finalize: true, PaymentIntent: intent})
}

// SimulateAuthorizationInitiated is the sandbox simulation string that
// makes Complete (or Finalize) Checkout Session's charge
// AuthorizationInitiated, then Authorized after PendingDelay: the outcome
// of the payment method ending 0701, with its prerequisites.
const SimulateAuthorizationInitiated = "AuthorizationInitiated"

// CompleteOptions vary how a checkout session is completed.
type CompleteOptions struct {
	// Finalize: Finalize Checkout Session, whose PaymentIntent is
	// required and must be the session's.
	Finalize      bool
	PaymentIntent string
	// Simulation is a sandbox simulation string:
	// SimulateAuthorizationInitiated or none.
	Simulation string
}

// CompleteCheckoutSessionWith is CompleteCheckoutSession (or
// FinalizeCheckoutSession) with options. Errors: those of
// CompleteCheckoutSession, invalid_sandbox_simulation (an unknown
// simulation, or one whose prerequisites the session lacks).
func CompleteCheckoutSessionWith(ctx context.Context, e *engine.Engine, acct *kessai.Account, id string, amount int64, currency string, o CompleteOptions) (*kessai.Payment, error) {
	op := "amazonpay.CompleteCheckoutSession"
	if o.Finalize {
		op = "amazonpay.FinalizeCheckoutSession"
		if o.PaymentIntent == "" {
			return nil, kessai.Invalidf(op, "paymentIntent", "paymentIntent is required.")
		}
	}
	if o.Simulation != "" && o.Simulation != SimulateAuthorizationInitiated {
		return nil, kessai.Errorf(kessai.InvalidSimulation, op, "kessai simulates %s on this operation, not %q.", SimulateAuthorizationInitiated, clip(o.Simulation))
	}
	intent := o.PaymentIntent
	res, err := e.Write(ctx, acct, op, func(w *engine.W) (any, error) {
		p, s, err := lockSession(w, op, id)
		if err != nil {
			return nil, err
		}
		if s.ChargeAmount != nil && (amount != *s.ChargeAmount || currency != s.Currency) {
			return nil, kessai.Invalidf(op, "chargeAmount", "chargeAmount %s is not the %s the buyer approved.", money(amount, currency), money(*s.ChargeAmount, s.Currency))
		}
		if intent != "" && intent != s.PaymentIntent {
			return nil, kessai.Invalidf(op, "paymentIntent", "paymentIntent %s is not the session's %s.", clip(intent), s.PaymentIntent)
		}
		switch {
		case s.State == SessionCompleted:
			return p, nil
		case s.State == SessionCanceled:
			return nil, kessai.Errorf(kessai.InvalidStatus, op, "CheckoutSession %s is Canceled (%s).", id, s.ReasonCode)
		case s.PaymentMethod == "":
			return nil, kessai.Errorf(kessai.InvalidStatus, op, "The buyer has not approved CheckoutSession %s: send them to its amazonPayRedirectUrl first.", id)
		}
		s.State, s.LastUpdated = SessionCompleted, w.Now()
		p.State, p.Status, p.ReasonCode = kessai.StateOpen, kessai.StateOpen, ""
		p.ConfirmedAt = ptr(w.Now())
		p.Order.LastStateChange = w.Now()
		if o.Simulation == SimulateAuthorizationInitiated && (s.PaymentIntent != IntentAuthorize || !s.CanHandlePending) {
			return nil, kessai.Errorf(kessai.InvalidSimulation, op, "%s authorizes asynchronously: it needs paymentIntent Authorize and canHandlePendingAuthorization true.", SimulateAuthorizationInitiated)
		}
		if s.PaymentIntent != IntentConfirm {
			pending := s.PaymentMethod == MethodPending || s.PaymentMethod == MethodPendingDecl || o.Simulation == SimulateAuthorizationInitiated
			a, err := newCharge(w, p, amount, s.SoftDescriptor, s.PaymentIntent == IntentAuthorizeWithCapture, pending)
			if err != nil {
				return nil, err
			}
			s.ChargeID = a.ID
		}
		if err := putSession(p, s); err != nil {
			return nil, err
		}
		p.UpdatedAt = w.Now()
		if err := w.Tx().Put(w.Ctx(), p); err != nil {
			return nil, err
		}
		if err := w.Schedule(JobPermissionExpire, engine.JobRef{ID: p.ID}, p.Order.ExpiresAt); err != nil {
			return nil, err
		}
		if err := emitSession(w, p); err != nil {
			return nil, err
		}
		return p, w.EmitFace(kessai.FaceAmazonV2, "charge_permission.chargeable", ObjectChargePermission, p.ID, p)
	})
	return asPayment(res, err)
}

func ptr[T any](v T) *T { return &v }

// clip shortens what a client sent before it is echoed in a message.
func clip(s string) string {
	if len(s) > 64 {
		return s[:64] + "…"
	}
	return s
}

// sessionExpire cancels a checkout session still Open 24 hours after it
// was made.
func sessionExpire(w *engine.W, ref engine.JobRef) error {
	const op = "amazonpay.SessionExpire"
	p, err := w.LockPayment(op, ref.ID, "checkout session")
	if kessai.ErrorCode(err) == kessai.NotFound {
		return nil
	}
	if err != nil {
		return err
	}
	s, err := SessionOf(p)
	if err != nil || s.State != SessionOpen {
		return err
	}
	s.State, s.ReasonCode, s.LastUpdated = SessionCanceled, "Expired", w.Now()
	if err := putSession(p, s); err != nil {
		return err
	}
	p.State, p.Status, p.ReasonCode, p.UpdatedAt = kessai.StateCanceled, kessai.StateCanceled, "Expired", w.Now()
	if err := w.Tx().Put(w.Ctx(), p); err != nil {
		return err
	}
	return emitSession(w, p)
}
