// Package amazonorder is the feature of Amazon order references (what the
// MWS face speaks) above the core: a Payment of kind order_reference with
// many authorizations, each captured at most once, and refunds per
// capture. Its operations lock the order and call the core's money
// operations (engine.W); what Amazon does differently — the over-allowance
// on authorizations, captures and refunds, ten captures and ten refunds,
// refunds always Pending first, the buyer's email — is its policy,
// registered with the engine when the package is loaded (policy.go), as
// are its jobs (Draft staleness, order and authorization expiry, pending
// authorizations and captures settling, a suspended order reopening).
package amazonorder

import (
	"context"
	"crypto/rand"
	"fmt"
	"math/big"
	"strings"
	"time"

	"github.com/kessai/kessai"
	"github.com/kessai/kessai/engine"
	"github.com/kessai/kessai/ledger"
	"github.com/kessai/kessai/processor"
)

// Amazon's time limits.
const (
	OrderDraftTTL       = 3 * time.Hour        // an unconfirmed Draft becomes Canceled/Stale
	OrderOpenTTL        = 180 * 24 * time.Hour // an order reference is closed (Expired) this long after creation
	AmazonAuthTTL       = 30 * 24 * time.Hour  // an authorization not captured by then is Closed/ExpiredUnused
	MaxCapturesPerOrder = 10                   // authorizations captured per order reference
)

// MethodAmazon is the payment method type of order references.
const MethodAmazon = "amazon"

// Job kinds of order references.
const (
	JobOrderStale          = "order_stale"
	JobOrderExpire         = "order_expire"
	JobOrderReopen         = "order_reopen"
	JobAmazonAuthSettle    = "amazon_authorization_settle"
	JobAmazonAuthExpire    = "amazon_authorization_expire"
	JobAmazonCaptureSettle = "amazon_capture_settle"
)

// orderJobs are the job handlers of order references.
func orderJobs() map[string]engine.JobHandler {
	return map[string]engine.JobHandler{
		JobOrderStale:          engine.JobOf(orderStale),
		JobOrderExpire:         engine.JobOf(orderExpire),
		JobOrderReopen:         engine.JobOf(orderReopen),
		JobAmazonAuthSettle:    engine.JobOf(settleAuthorization),
		JobAmazonAuthExpire:    engine.JobOf(amazonAuthExpire),
		JobAmazonCaptureSettle: engine.JobOf(amazonCaptureSettle),
	}
}

// asPayment is the payment a write returned.
func asPayment(res any, err error) (*kessai.Payment, error) {
	p, _ := res.(*kessai.Payment)
	return p, err
}

// orderPrefix is the first group of an order reference id: S (sandbox) or
// P (live), then 01 (US), 02 (EU) or 03 (JP).
func orderPrefix(a *kessai.Account) string {
	env := "S"
	if a.Livemode {
		env = "P"
	}
	switch a.MWS.Region {
	case "us":
		return env + "01"
	case "eu":
		return env + "02"
	}
	return env + "03"
}

func digits(n int) string {
	max := new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(n)), nil)
	v, _ := rand.Int(rand.Reader, max)
	return fmt.Sprintf("%0*d", n, v)
}

// OrderReferenceID reports whether id has the shape of an order reference
// id (S03-1234567-1234567).
func OrderReferenceID(id string) bool {
	if len(id) != 19 || (id[0] != 'S' && id[0] != 'P') || id[1] != '0' || id[2] < '1' || id[2] > '3' || id[3] != '-' || id[11] != '-' {
		return false
	}
	for i, c := range id[4:] {
		if i != 7 && (c < '0' || c > '9') {
			return false
		}
	}
	return true
}

// orderOf returns the order reference id of a child id (<OR>-A000001), or
// "" when id is not one.
func orderOf(id string, kind byte) string {
	if len(id) != 27 || id[19] != '-' || id[20] != kind || !OrderReferenceID(id[:19]) {
		return ""
	}
	for _, c := range id[21:] {
		if c < '0' || c > '9' {
			return ""
		}
	}
	return id[:19]
}

// defaultCurrency is the currency of an account's region.
func defaultCurrency(a *kessai.Account) string {
	switch a.MWS.Region {
	case "us":
		return "usd"
	case "eu":
		return "eur"
	}
	return "jpy"
}

// OrderReferenceParams creates an order reference for a simulated buyer.
type OrderReferenceParams struct {
	Amount      *int64 // minor units; nil: the seller sets it with SetOrderReferenceDetails
	Currency    string // default: the account's region's
	Buyer       kessai.Buyer
	Destination *kessai.Address
}

// CreateOrderReference is kessai's sandbox buyer: in real life Amazon's
// widgets create a Draft order reference; here the seller's test does.
// Errors: validation_error, currency_mismatch.
func CreateOrderReference(ctx context.Context, e *engine.Engine, acct *kessai.Account, p OrderReferenceParams) (*kessai.Payment, error) {
	const op = "amazonorder.CreateOrderReference"
	cur := p.Currency
	if cur == "" {
		cur = defaultCurrency(acct)
	}
	cur = strings.ToLower(cur)
	if _, ok := kessai.LookupCurrency(cur); !ok {
		return nil, kessai.Invalidf(op, "currency", "Input should be one of jpy, usd, eur, gbp")
	}
	var amount int64
	if p.Amount != nil {
		if err := engine.CheckTransactionAmount(*p.Amount, cur); err != nil {
			return nil, err
		}
		amount = *p.Amount
	}
	if p.Buyer.Name == "" {
		p.Buyer.Name = "Test Buyer"
	}
	if p.Buyer.Email == "" {
		p.Buyer.Email = "buyer@example.com"
	}
	for field, v := range map[string]string{"buyer.name": p.Buyer.Name, "buyer.email": p.Buyer.Email, "buyer.phone": p.Buyer.Phone} {
		if err := engine.CheckLen(op, field, &v, 255); err != nil {
			return nil, err
		}
	}
	res, err := e.Write(ctx, acct, op, func(w *engine.W) (any, error) {
		o := &kessai.Payment{AccountID: w.Account().ID, ID: orderPrefix(w.Account()) + "-" + digits(7) + "-" + digits(7),
			Kind: kessai.PaymentOrderReference, Livemode: w.Account().Livemode, Amount: amount, Currency: cur,
			State: kessai.StateDraft, Status: kessai.StateDraft, PaymentMethodType: MethodAmazon, Metadata: kessai.Metadata{},
			Order: &kessai.OrderDetails{Buyer: p.Buyer, Destination: p.Destination, ExpiresAt: w.Now().Add(OrderOpenTTL),
				Authorizations: []string{}, LastStateChange: w.Now()},
			Email: p.Buyer.Email, CreatedAt: w.Now(), UpdatedAt: w.Now()}
		if err := w.Tx().Insert(w.Ctx(), o); err != nil {
			return nil, err
		}
		if err := w.Schedule(JobOrderStale, engine.JobRef{ID: o.ID}, w.Now().Add(OrderDraftTTL)); err != nil {
			return nil, err
		}
		return o, emitOrder(w, o)
	})
	return asPayment(res, err)
}

// lockOrder loads an order reference and locks it for this transaction.
func lockOrder(w *engine.W, op, id string) (*kessai.Payment, error) {
	if !OrderReferenceID(id) {
		return nil, engine.NotFound(op, "order_reference", id)
	}
	p, err := w.LockPayment(op, id, "order_reference")
	if err != nil {
		return nil, err
	}
	if p.Kind != kessai.PaymentOrderReference {
		return nil, engine.NotFound(op, "order_reference", id)
	}
	return p, nil
}

// saveOrder stores an order reference; a change of state is stamped.
func saveOrder(w *engine.W, o *kessai.Payment, state, reason string) error {
	if state != "" && (state != o.State || reason != o.ReasonCode) {
		o.State, o.ReasonCode, o.Status = state, reason, state
		o.Order.LastStateChange = w.Now()
	}
	o.UpdatedAt = w.Now()
	return w.Tx().Put(w.Ctx(), o)
}

// emitOrder records order_reference.<state>.
func emitOrder(w *engine.W, o *kessai.Payment) error {
	return w.EmitFace(kessai.FaceMWS, "order_reference."+o.State, kessai.ObjectOrderReference, o.ID, o)
}

func emitAuth(w *engine.W, a *kessai.Authorization) error {
	return w.EmitFace(kessai.FaceMWS, "authorization."+a.State, kessai.ObjectAuthorization, a.ID, a)
}

func emitCapture(w *engine.W, c *kessai.Capture) error {
	return w.EmitFace(kessai.FaceMWS, "capture."+c.State, kessai.ObjectCapture, c.ID, c)
}

// amazonRefundState is the MWS state of a refund's status.
func amazonRefundState(r *kessai.Refund) string {
	switch r.Status {
	case kessai.RefundSucceeded:
		return "completed"
	case kessai.RefundFailed:
		return "declined"
	}
	return "pending"
}

// OrderReferenceUpdate is SetOrderReferenceDetails: the amount and the
// seller's attributes; nil fields are left alone.
type OrderReferenceUpdate struct {
	Amount            int64
	Currency          string
	SellerNote        *string
	PlatformID        *string
	SellerOrderID     *string
	StoreName         *string
	CustomInformation *string
	SupplementaryData *string
}

// SetOrderReferenceDetails sets a Draft order reference's amount and
// attributes. A SellerNote with the PaymentMethodNotAllowed simulation adds
// that constraint; overwriting the note removes it. Errors: not_found,
// invalid_status (not Draft), validation_error, currency_mismatch,
// invalid_sandbox_simulation.
func SetOrderReferenceDetails(ctx context.Context, e *engine.Engine, acct *kessai.Account, id string, u OrderReferenceUpdate) (*kessai.Payment, error) {
	const op = "amazonorder.SetOrderReferenceDetails"
	cur := strings.ToLower(u.Currency)
	if err := engine.CheckTransactionAmount(u.Amount, cur); err != nil {
		return nil, err
	}
	limits := []struct {
		field string
		v     *string
		max   int
	}{{"seller_note", u.SellerNote, 1024}, {"platform_id", u.PlatformID, 64}, {"seller_order_id", u.SellerOrderID, 1024},
		{"store_name", u.StoreName, 1024}, {"custom_information", u.CustomInformation, 1024}, {"supplementary_data", u.SupplementaryData, 1024}}
	for _, l := range limits {
		if err := engine.CheckLen(op, l.field, l.v, l.max); err != nil {
			return nil, err
		}
	}
	var sim *processor.Simulation
	if u.SellerNote != nil {
		var err error
		if sim, err = processor.ParseSimulation(processor.SimOrderNote, *u.SellerNote); err != nil {
			return nil, err
		}
	}
	res, err := e.Write(ctx, acct, op, func(w *engine.W) (any, error) {
		o, err := lockOrder(w, op, id)
		if err != nil {
			return nil, err
		}
		if o.State != kessai.StateDraft {
			return nil, kessai.Errorf(kessai.InvalidStatus, op, "OrderReference %s is not in draft state and cannot be modified with the request submitted by you.", o.ID)
		}
		if cur != o.Currency {
			return nil, kessai.Errorf(kessai.CurrencyMismatch, op, "The currency %s is not the currency %s of OrderReference %s.", strings.ToUpper(cur), strings.ToUpper(o.Currency), o.ID)
		}
		o.Amount = u.Amount
		d := o.Order
		set := func(dst *string, v *string) {
			if v != nil {
				*dst = *v
			}
		}
		set(&d.SellerNote, u.SellerNote)
		set(&d.PlatformID, u.PlatformID)
		set(&d.SellerOrderID, u.SellerOrderID)
		set(&d.StoreName, u.StoreName)
		set(&d.CustomInformation, u.CustomInformation)
		set(&d.SupplementaryData, u.SupplementaryData)
		if u.SellerNote != nil {
			d.Constraints = nil
			if sim != nil {
				d.Constraints = []string{sim.Constraint}
			}
		}
		if err := saveOrder(w, o, "", ""); err != nil {
			return nil, err
		}
		return o, w.EmitFace(kessai.FaceMWS, "order_reference.updated", kessai.ObjectOrderReference, o.ID, o)
	})
	return asPayment(res, err)
}

// GetOrderReference returns an order reference. Errors: not_found.
func GetOrderReference(ctx context.Context, e *engine.Engine, acct *kessai.Account, id string) (*kessai.Payment, error) {
	const op = "amazonorder.GetOrderReference"
	var p kessai.Payment
	if !OrderReferenceID(id) {
		return nil, engine.NotFound(op, "order_reference", id)
	}
	err := e.View(ctx, op, func(tx kessai.Tx) error {
		return engine.Get(ctx, tx, kessai.KindPayment, acct.ID, id, false, &p, op, "order_reference")
	})
	if err != nil {
		return nil, err
	}
	if p.Kind != kessai.PaymentOrderReference {
		return nil, engine.NotFound(op, "order_reference", id)
	}
	return &p, nil
}

// ConfirmOrderReference opens a Draft order reference. Errors: not_found,
// invalid_status (not Draft), constraints_exist (no amount, or a
// constraint).
func ConfirmOrderReference(ctx context.Context, e *engine.Engine, acct *kessai.Account, id string) (*kessai.Payment, error) {
	const op = "amazonorder.ConfirmOrderReference"
	res, err := e.Write(ctx, acct, op, func(w *engine.W) (any, error) {
		o, err := lockOrder(w, op, id)
		if err != nil {
			return nil, err
		}
		if o.State != kessai.StateDraft {
			return nil, kessai.Errorf(kessai.InvalidStatus, op, "OrderReference %s is in state %s and cannot be confirmed.", o.ID, amazonState(o.State))
		}
		if o.Amount == 0 {
			return nil, kessai.Errorf(kessai.ConstraintsExist, op, "OrderReference %s has the constraint AmountNotSet: set its OrderTotal with SetOrderReferenceDetails first.", o.ID)
		}
		if len(o.Order.Constraints) > 0 {
			return nil, kessai.Errorf(kessai.ConstraintsExist, op, "OrderReference %s has the constraint %s.", o.ID, strings.Join(o.Order.Constraints, ", "))
		}
		if err := saveOrder(w, o, kessai.StateOpen, ""); err != nil {
			return nil, err
		}
		if err := w.Schedule(JobOrderExpire, engine.JobRef{ID: o.ID}, o.Order.ExpiresAt); err != nil {
			return nil, err
		}
		return o, emitOrder(w, o)
	})
	return asPayment(res, err)
}

// amazonState is Amazon's spelling of a core state.
func amazonState(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// CancelOrderReference cancels an order reference that has nothing
// captured (no capture Pending, Completed or Closed); its open and pending
// authorizations are closed (OrderReferenceCanceled). Errors: not_found,
// invalid_status.
func CancelOrderReference(ctx context.Context, e *engine.Engine, acct *kessai.Account, id, reason string) (*kessai.Payment, error) {
	const op = "amazonorder.CancelOrderReference"
	if err := engine.CheckLen(op, "cancelation_reason", &reason, 1024); err != nil {
		return nil, err
	}
	res, err := e.Write(ctx, acct, op, func(w *engine.W) (any, error) {
		o, err := lockOrder(w, op, id)
		if err != nil {
			return nil, err
		}
		if !engine.StatusIn(o.State, kessai.StateDraft, kessai.StateOpen, kessai.StateSuspended) {
			return nil, kessai.Errorf(kessai.InvalidStatus, op, "OrderReference %s is in state %s and cannot be canceled.", o.ID, amazonState(o.State))
		}
		n, err := w.CaptureCount(o)
		if err != nil {
			return nil, err
		}
		if n > 0 {
			return nil, kessai.Errorf(kessai.InvalidStatus, op, "OrderReference %s has %d captures and cannot be canceled.", o.ID, n)
		}
		if err := closeOrderAuthorizations(w, o, kessai.ReasonOrderReferenceCanceled); err != nil {
			return nil, err
		}
		o.Order.ClosureReason = reason
		if err := saveOrder(w, o, kessai.StateCanceled, kessai.ReasonSellerCanceled); err != nil {
			return nil, err
		}
		return o, emitOrder(w, o)
	})
	return asPayment(res, err)
}

// closeOrderAuthorizations closes every open or pending authorization of o.
func closeOrderAuthorizations(w *engine.W, o *kessai.Payment, reason string) error {
	if o.AmountCapturable == 0 {
		return nil // nothing is held or pending
	}
	auths, err := w.Authorizations(o)
	if err != nil {
		return err
	}
	for _, a := range auths {
		if a.State != kessai.AuthOpen && a.State != kessai.AuthPending {
			continue
		}
		if err := w.ReleaseAuthorization(o, a, reason); err != nil {
			return err
		}
		if err := w.SaveAuthorization(a, false); err != nil {
			return err
		}
		if err := emitAuth(w, a); err != nil {
			return err
		}
	}
	return nil
}

// CloseOrderReference closes an Open or Suspended order reference
// (SellerClosed; AmazonClosed with that simulation in reason): no new
// authorizations, but open authorizations can still be captured and
// captures refunded. Closing a Closed one changes nothing. Errors:
// not_found, invalid_status, validation_error, invalid_sandbox_simulation.
func CloseOrderReference(ctx context.Context, e *engine.Engine, acct *kessai.Account, id, reason string) (*kessai.Payment, error) {
	const op = "amazonorder.CloseOrderReference"
	if err := engine.CheckLen(op, "closure_reason", &reason, 1024); err != nil {
		return nil, err
	}
	sim, err := processor.ParseSimulation(processor.SimOrderClose, reason)
	if err != nil {
		return nil, err
	}
	res, err := e.Write(ctx, acct, op, func(w *engine.W) (any, error) {
		o, err := lockOrder(w, op, id)
		if err != nil {
			return nil, err
		}
		if o.State == kessai.StateClosed {
			return o, nil
		}
		if !engine.StatusIn(o.State, kessai.StateOpen, kessai.StateSuspended) {
			return nil, kessai.Errorf(kessai.InvalidStatus, op, "OrderReference %s is in state %s and cannot be closed.", o.ID, amazonState(o.State))
		}
		code := kessai.ReasonSellerClosed
		if sim != nil {
			code = kessai.ReasonAmazonClosed
		}
		o.Order.ClosureReason = reason
		if err := saveOrder(w, o, kessai.StateClosed, code); err != nil {
			return nil, err
		}
		return o, emitOrder(w, o)
	})
	return asPayment(res, err)
}

// AuthorizeParams authorizes an amount on an order reference.
type AuthorizeParams struct {
	OrderReferenceID string
	ReferenceID      string
	Amount           int64
	Currency         string
	Note             string
	SoftDescriptor   string
	Timeout          time.Duration // 0: synchronous; else the authorization is Pending first
	CaptureNow       bool
}

// Authorize holds an amount on the buyer's Amazon payment method. The
// order reference must be Open; everything authorized on it (held, pending
// and captured) may exceed its amount by engine.OverAllowance at most. A
// synchronous authorization is Open (or Declined, as simulated) at once,
// and with CaptureNow is captured at once; an asynchronous one is Pending
// until the settlement job. Errors: not_found, invalid_status,
// validation_error, currency_mismatch, amount_exceeded, count_exceeded,
// invalid_sandbox_simulation, livemode_unsupported.
func Authorize(ctx context.Context, e *engine.Engine, acct *kessai.Account, p AuthorizeParams) (*kessai.Authorization, error) {
	const op = "amazonorder.Authorize"
	cur := strings.ToLower(p.Currency)
	sim, err := checkTransaction(op, p.Amount, cur, "seller_authorization_note", p.Note, p.SoftDescriptor, processor.SimAuthorization)
	if err != nil {
		return nil, err
	}
	res, err := e.Write(ctx, acct, op, func(w *engine.W) (any, error) {
		o, err := lockOrder(w, op, p.OrderReferenceID)
		if err != nil {
			return nil, err
		}
		if o.State != kessai.StateOpen {
			return nil, kessai.Errorf(kessai.InvalidStatus, op, "OrderReference %s is in state %s: authorizations need an Open order reference.", o.ID, amazonState(o.State))
		}
		if w.Account().Livemode {
			return nil, kessai.Errorf(kessai.LiveModeUnsupported, op, "kessai has no live Amazon Pay processor; use the sandbox.")
		}
		if cur != o.Currency {
			return nil, kessai.Errorf(kessai.CurrencyMismatch, op, "The currency %s is not the currency %s of OrderReference %s.", strings.ToUpper(cur), strings.ToUpper(o.Currency), o.ID)
		}
		o.Order.Seq++
		a, err := w.NewAuthorization(o, fmt.Sprintf("%s-A%06d", o.ID, o.Order.Seq), MethodAmazon, p.Amount)
		if err != nil {
			return nil, err
		}
		a.ReferenceID, a.Note, a.SoftDescriptor, a.CaptureNow = p.ReferenceID, p.Note, p.SoftDescriptor, p.CaptureNow
		a.ExpiresAt = w.Now().Add(AmazonAuthTTL)
		o.Order.Authorizations = append(o.Order.Authorizations, a.ID)
		if p.Timeout > 0 {
			a.State, a.TimeoutAt = kessai.AuthPending, w.Now().Add(p.Timeout)
			if err := w.SaveAuthorization(a, true); err != nil {
				return nil, err
			}
			if err := saveOrder(w, o, "", ""); err != nil {
				return nil, err
			}
			delay := min(w.Config().SettleDelayAmazon, p.Timeout)
			if err := w.Schedule(JobAmazonAuthSettle, amazonAuthSettle{ID: a.ID, Note: p.Note}, w.Now().Add(delay)); err != nil {
				return nil, err
			}
			return a, emitAuth(w, a)
		}
		if err := decideAuthorization(w, o, a, sim, true); err != nil {
			return nil, err
		}
		return a, nil
	})
	if err != nil {
		return nil, err
	}
	return res.(*kessai.Authorization), nil
}

// checkTransaction checks what Authorize, Capture and Refund take alike:
// the amount, the seller's note (≤ 255, maybe a sandbox simulation for
// target) and the soft descriptor (≤ 16). Errors: validation_error,
// invalid_sandbox_simulation.
func checkTransaction(op string, amount int64, cur, noteField, note, softDescriptor string, target processor.SimulationTarget) (*processor.Simulation, error) {
	if err := engine.CheckTransactionAmount(amount, cur); err != nil {
		return nil, err
	}
	if err := engine.CheckLen(op, noteField, &note, 255); err != nil {
		return nil, err
	}
	if err := engine.CheckLen(op, "soft_descriptor", &softDescriptor, 16); err != nil {
		return nil, err
	}
	return processor.ParseSimulation(target, note)
}

// amazonAuthSettle is the payload of an asynchronous authorization's
// settlement.
type amazonAuthSettle struct {
	ID   string `json:"id"`
	Note string `json:"note"`
}

// decideAuthorization applies the (simulated) processor's answer to a new
// or pending authorization a of o, and saves both: Open (captured at once
// with CaptureNow), or Declined or Closed as simulated, with the effect of
// a decline on the order reference.
func decideAuthorization(w *engine.W, o *kessai.Payment, a *kessai.Authorization, sim *processor.Simulation, isNew bool) error {
	orderState, orderReason := "", ""
	a.State, a.ReasonCode = kessai.AuthOpen, ""
	var reopenIn time.Duration
	if sim != nil {
		switch sim.State + "/" + sim.ReasonCode {
		case "Declined/InvalidPaymentMethod":
			orderState, orderReason = kessai.StateSuspended, "InvalidPaymentMethod"
			soft := sim.SoftDecline == "true"
			a.SoftDecline = &soft
			reopenIn = time.Duration(sim.PaymentMethodUpdateTimeInMins) * time.Minute
		case "Declined/AmazonRejected":
			orderState, orderReason = kessai.StateClosed, kessai.ReasonAmazonClosed
		case "Closed/ExpiredUnused":
			if sim.ExpirationTimeInMins > 0 {
				a.ExpiresAt = w.Now().Add(time.Duration(sim.ExpirationTimeInMins) * time.Minute)
			}
		}
		if sim.State == "Declined" {
			a.State, a.ReasonCode = kessai.AuthDeclined, sim.ReasonCode
		}
	}
	switch {
	case a.State == kessai.AuthDeclined:
		if err := w.ReleaseAuthorization(o, a, sim.ReasonCode); err != nil {
			return err
		}
		a.State = kessai.AuthDeclined
		o.AuthorizedAmount -= a.Amount
	case sim != nil && sim.State == "Closed" && sim.ReasonCode == kessai.ReasonAmazonClosed:
		if err := w.ReleaseAuthorization(o, a, kessai.ReasonAmazonClosed); err != nil {
			return err
		}
	}
	if a.State == kessai.AuthOpen {
		if err := w.Schedule(JobAmazonAuthExpire, engine.JobRef{ID: a.ID}, a.ExpiresAt); err != nil {
			return err
		}
	}
	var c *kessai.Capture
	if a.State == kessai.AuthOpen && a.CaptureNow {
		var err error
		c, err = captureOrder(w, o, a, a.Amount, "", a.Note, a.SoftDescriptor, nil)
		switch {
		case err != nil && isNew:
			return err // the request is refused whole
		case err != nil && kessai.ErrorCode(err) != kessai.Internal:
			// A pending authorization settled after the order's limits
			// moved: it stays open, for the seller to capture or close,
			// rather than fail its job for good.
			c = nil
		case err != nil:
			return err
		}
	}
	if err := w.SaveAuthorization(a, isNew); err != nil {
		return err
	}
	if orderState != "" && engine.StatusIn(o.State, kessai.StateOpen, kessai.StateSuspended) {
		if err := saveOrder(w, o, orderState, orderReason); err != nil {
			return err
		}
		if err := emitOrder(w, o); err != nil {
			return err
		}
		if reopenIn > 0 {
			if err := w.Schedule(JobOrderReopen, engine.JobRef{ID: o.ID}, w.Now().Add(reopenIn)); err != nil {
				return err
			}
		}
	} else if err := saveOrder(w, o, "", ""); err != nil {
		return err
	}
	if err := emitAuth(w, a); err != nil {
		return err
	}
	if c != nil {
		return emitCapture(w, c)
	}
	return nil
}

// lockOrderOf locks the order reference of a child object id.
func lockOrderOf(w *engine.W, op, id string, kind byte, what string) (*kessai.Payment, error) {
	orderID := orderOf(id, kind)
	if orderID == "" {
		return nil, engine.NotFound(op, what, id)
	}
	o, err := lockOrder(w, op, orderID)
	if kessai.ErrorCode(err) == kessai.NotFound {
		return nil, engine.NotFound(op, what, id)
	}
	return o, err
}

// settleAuthorization decides a pending authorization; the job may run
// any number of times.
func settleAuthorization(w *engine.W, ref amazonAuthSettle) error {
	const op = "amazonorder.SettleAuthorization"
	o, err := lockOrderOf(w, op, ref.ID, 'A', "authorization")
	if err != nil {
		return err
	}
	var a kessai.Authorization
	if err := w.Get(kessai.KindAuthorization, ref.ID, true, &a, op, "authorization"); err != nil {
		return err
	}
	if a.State != kessai.AuthPending {
		return nil
	}
	sim, err := processor.ParseSimulation(processor.SimAuthorization, ref.Note)
	if err != nil {
		return err
	}
	if sim == nil && !a.TimeoutAt.IsZero() && w.Now().After(a.TimeoutAt) {
		sim = &processor.Simulation{State: "Declined", ReasonCode: "TransactionTimedOut"}
	}
	return decideAuthorization(w, o, &a, sim, false)
}

// GetAuthorization returns an order reference's authorization. Errors:
// not_found.
func GetAuthorization(ctx context.Context, e *engine.Engine, acct *kessai.Account, id string) (*kessai.Authorization, error) {
	const op = "amazonorder.GetAuthorization"
	var a kessai.Authorization
	if orderOf(id, 'A') == "" {
		return nil, engine.NotFound(op, "authorization", id)
	}
	err := e.View(ctx, op, func(tx kessai.Tx) error {
		return engine.Get(ctx, tx, kessai.KindAuthorization, acct.ID, id, false, &a, op, "authorization")
	})
	if err != nil {
		return nil, err
	}
	return &a, nil
}

// CloseAuthorization closes an Open or Pending authorization that will not
// be captured (SellerClosed), releasing its hold. Errors: not_found,
// invalid_status, validation_error.
func CloseAuthorization(ctx context.Context, e *engine.Engine, acct *kessai.Account, id, reason string) (*kessai.Authorization, error) {
	const op = "amazonorder.CloseAuthorization"
	if err := engine.CheckLen(op, "closure_reason", &reason, 255); err != nil {
		return nil, err
	}
	res, err := e.Write(ctx, acct, op, func(w *engine.W) (any, error) {
		o, err := lockOrderOf(w, op, id, 'A', "authorization")
		if err != nil {
			return nil, err
		}
		var a kessai.Authorization
		if err := w.Get(kessai.KindAuthorization, id, true, &a, op, "authorization"); err != nil {
			return nil, err
		}
		if a.State != kessai.AuthOpen && a.State != kessai.AuthPending {
			return nil, kessai.Errorf(kessai.InvalidStatus, op, "Authorization %s is in state %s and cannot be closed.", a.ID, amazonState(a.State))
		}
		if err := w.ReleaseAuthorization(o, &a, kessai.ReasonSellerClosed); err != nil {
			return nil, err
		}
		if err := w.SaveAuthorization(&a, false); err != nil {
			return nil, err
		}
		if err := saveOrder(w, o, "", ""); err != nil {
			return nil, err
		}
		return &a, emitAuth(w, &a)
	})
	if err != nil {
		return nil, err
	}
	return res.(*kessai.Authorization), nil
}

// amazonAuthExpire closes an open authorization whose time has run out
// (ExpiredUnused); anything else is left alone.
func amazonAuthExpire(w *engine.W, ref engine.JobRef) error {
	const op = "amazonorder.ExpireAuthorization"
	o, err := lockOrderOf(w, op, ref.ID, 'A', "authorization")
	if err != nil {
		return err
	}
	var a kessai.Authorization
	if err := w.Get(kessai.KindAuthorization, ref.ID, true, &a, op, "authorization"); err != nil {
		return err
	}
	if a.State != kessai.AuthOpen || w.Now().Before(a.ExpiresAt) {
		return nil
	}
	if err := w.ReleaseAuthorization(o, &a, kessai.ReasonExpiredUnused); err != nil {
		return err
	}
	if err := w.SaveAuthorization(&a, false); err != nil {
		return err
	}
	if err := saveOrder(w, o, "", ""); err != nil {
		return err
	}
	return emitAuth(w, &a)
}

// CaptureParams captures an authorization of an order reference.
type CaptureParams struct {
	AuthorizationID string
	ReferenceID     string
	Amount          int64
	Currency        string
	Note            string
	SoftDescriptor  string
}

// Capture takes up to an Open authorization's amount, once; the rest of
// the hold is released. Everything captured on the order reference may
// exceed its amount by engine.OverAllowance at most, and reaching that closes it
// (MaxAmountCharged); at most MaxCapturesPerOrder authorizations are
// captured. A closed order reference's open authorizations can still be
// captured. Errors: not_found, invalid_status, validation_error,
// currency_mismatch, amount_exceeded, count_exceeded,
// invalid_sandbox_simulation.
func Capture(ctx context.Context, e *engine.Engine, acct *kessai.Account, p CaptureParams) (*kessai.Capture, error) {
	const op = "amazonorder.Capture"
	cur := strings.ToLower(p.Currency)
	sim, err := checkTransaction(op, p.Amount, cur, "seller_capture_note", p.Note, p.SoftDescriptor, processor.SimCapture)
	if err != nil {
		return nil, err
	}
	res, err := e.Write(ctx, acct, op, func(w *engine.W) (any, error) {
		o, err := lockOrderOf(w, op, p.AuthorizationID, 'A', "authorization")
		if err != nil {
			return nil, err
		}
		var a kessai.Authorization
		if err := w.Get(kessai.KindAuthorization, p.AuthorizationID, true, &a, op, "authorization"); err != nil {
			return nil, err
		}
		if a.State != kessai.AuthOpen {
			return nil, kessai.Errorf(kessai.InvalidStatus, op, "Authorization %s is in state %s and cannot be captured.", a.ID, amazonState(a.State))
		}
		if cur != o.Currency {
			return nil, kessai.Errorf(kessai.CurrencyMismatch, op, "The currency %s is not the currency %s of OrderReference %s.", strings.ToUpper(cur), strings.ToUpper(o.Currency), o.ID)
		}
		c, err := captureOrder(w, o, &a, p.Amount, p.ReferenceID, p.Note, p.SoftDescriptor, sim)
		if err != nil {
			return nil, err
		}
		if err := w.SaveAuthorization(&a, false); err != nil {
			return nil, err
		}
		if err := saveOrder(w, o, "", ""); err != nil {
			return nil, err
		}
		if err := emitAuth(w, &a); err != nil {
			return nil, err
		}
		return c, emitCapture(w, c)
	})
	if err != nil {
		return nil, err
	}
	return res.(*kessai.Capture), nil
}

// captureOrder captures amount of a into a new capture of o, applying the
// order's limits and the simulation; the caller saves a and o and emits.
func captureOrder(w *engine.W, o *kessai.Payment, a *kessai.Authorization, amount int64, refID, note, softDescriptor string, sim *processor.Simulation) (*kessai.Capture, error) {
	closes, err := w.CheckCapture(o, a, amount)
	if err != nil {
		return nil, err
	}
	// A capture takes its authorization's digits (as Amazon's do), unless
	// a declined capture of the authorization has them already.
	capID := o.ID + "-C" + a.ID[len(o.ID)+2:]
	if a.CaptureID != "" { // declined before: its capture has the digits
		o.Order.Seq++
		capID = fmt.Sprintf("%s-C%06d", o.ID, o.Order.Seq)
	}
	if sim != nil && sim.State == "Declined" {
		// Nothing moves: the authorization stays open for another try.
		c := &kessai.Capture{AccountID: w.Account().ID, ID: capID, Livemode: w.Account().Livemode, PaymentID: o.ID, AuthorizationID: a.ID,
			ReferenceID: refID, Method: MethodAmazon, Amount: amount, Currency: o.Currency, State: kessai.CaptureDeclined,
			ReasonCode: sim.ReasonCode, Note: note, SoftDescriptor: softDescriptor, CreatedAt: w.Now(), UpdatedAt: w.Now()}
		a.CaptureID = c.ID
		return c, insertCapture(w, c)
	}
	c, err := w.CaptureAuthorization(o, a, capID, amount)
	if err != nil {
		return nil, err
	}
	c.ReferenceID, c.Note, c.SoftDescriptor = refID, note, softDescriptor
	switch {
	case sim != nil && sim.State == "Pending":
		c.State = kessai.CapturePending
		if err := w.Schedule(JobAmazonCaptureSettle, engine.JobRef{ID: c.ID}, w.Now().Add(w.Config().SettleDelayAmazon)); err != nil {
			return nil, err
		}
	case sim != nil && sim.State == "Closed":
		c.State, c.ReasonCode = kessai.CaptureClosed, sim.ReasonCode
	}
	if err := insertCapture(w, c); err != nil {
		return nil, err
	}
	if closes != "" && engine.StatusIn(o.State, kessai.StateOpen, kessai.StateSuspended) {
		return c, closeOrderFor(w, o, closes)
	}
	return c, nil
}

func insertCapture(w *engine.W, c *kessai.Capture) error {
	return engine.ReferenceInsert(w, "amazonorder.Capture", "capture", c.ReferenceID, c)
}

// closeOrderFor closes an order reference with reason and records it.
func closeOrderFor(w *engine.W, o *kessai.Payment, reason string) error {
	if err := saveOrder(w, o, kessai.StateClosed, reason); err != nil {
		return err
	}
	return emitOrder(w, o)
}

// amazonCaptureSettle completes a pending capture.
func amazonCaptureSettle(w *engine.W, ref engine.JobRef) error {
	const op = "amazonorder.SettleCapture"
	if _, err := lockOrderOf(w, op, ref.ID, 'C', "capture"); err != nil {
		return err
	}
	var c kessai.Capture
	if err := w.Get(kessai.KindCapture, ref.ID, true, &c, op, "capture"); err != nil {
		return err
	}
	if c.State != kessai.CapturePending {
		return nil
	}
	c.State = kessai.CaptureCompleted
	if err := w.SaveCapture(&c); err != nil {
		return err
	}
	return emitCapture(w, &c)
}

// GetCapture returns an order reference's capture. Errors: not_found.
func GetCapture(ctx context.Context, e *engine.Engine, acct *kessai.Account, id string) (*kessai.Capture, error) {
	const op = "amazonorder.GetCapture"
	var c kessai.Capture
	if orderOf(id, 'C') == "" {
		return nil, engine.NotFound(op, "capture", id)
	}
	err := e.View(ctx, op, func(tx kessai.Tx) error {
		return engine.Get(ctx, tx, kessai.KindCapture, acct.ID, id, false, &c, op, "capture")
	})
	if err != nil {
		return nil, err
	}
	return &c, nil
}

// CaptureRefundParams refunds part or all of a capture.
type CaptureRefundParams struct {
	CaptureID      string
	ReferenceID    string
	Amount         int64
	Currency       string
	Note           string
	SoftDescriptor string
}

// RefundCapture refunds a Completed capture. The refunds of a capture,
// pending ones included, may exceed what it captured by engine.OverAllowance at
// most, and it may have engine.MaxRefundsPerCapture of them. A refund is always
// Pending first; the settlement job completes it, or declines it as
// simulated, or with ProcessingFailure when the buyer was already paid
// back by an A-to-z claim or chargeback. There is no time limit. Errors:
// not_found, invalid_status (the capture is not Completed),
// validation_error, currency_mismatch, amount_exceeded, count_exceeded,
// invalid_sandbox_simulation.
func RefundCapture(ctx context.Context, e *engine.Engine, acct *kessai.Account, p CaptureRefundParams) (*kessai.Refund, error) {
	const op = "amazonorder.RefundCapture"
	cur := strings.ToLower(p.Currency)
	if _, err := checkTransaction(op, p.Amount, cur, "seller_refund_note", p.Note, p.SoftDescriptor, processor.SimRefund); err != nil {
		return nil, err
	}
	res, err := e.Write(ctx, acct, op, func(w *engine.W) (any, error) {
		o, err := lockOrderOf(w, op, p.CaptureID, 'C', "capture")
		if err != nil {
			return nil, err
		}
		var c kessai.Capture
		if err := w.Get(kessai.KindCapture, p.CaptureID, true, &c, op, "capture"); err != nil {
			return nil, err
		}
		if c.State != kessai.CaptureCompleted {
			return nil, kessai.Errorf(kessai.InvalidStatus, op, "Capture %s is in state %s and cannot be refunded.", c.ID, amazonState(c.State))
		}
		if cur != c.Currency {
			return nil, kessai.Errorf(kessai.CurrencyMismatch, op, "The currency %s is not the currency %s of capture %s.", strings.ToUpper(cur), strings.ToUpper(c.Currency), c.ID)
		}
		amount := p.Amount
		return w.Refund(o, &c, &amount, &kessai.Refund{ReferenceID: p.ReferenceID, Face: kessai.FaceMWS,
			Note: p.Note, SoftDescriptor: p.SoftDescriptor, PaymentMethodType: MethodAmazon, Metadata: kessai.Metadata{}})
	})
	if err != nil {
		return nil, err
	}
	return res.(*kessai.Refund), nil
}

// Chargeback records that the buyer of a capture was paid back by an A-to-z
// guarantee claim or a chargeback, through the core's one chargeback (see
// disputes.go): what the buyer has not received through refunds that
// succeeded is charged back, and the capture's later refunds, and those
// still pending, are declined (ProcessingFailure). Errors: not_found,
// invalid_status (the capture moved no money), test_mode_only.
func Chargeback(ctx context.Context, e *engine.Engine, acct *kessai.Account, captureID string) (*kessai.Capture, error) {
	const op = "amazonorder.Chargeback"
	if acct.Livemode {
		return nil, kessai.Errorf(kessai.TestModeOnly, op, "Claims are filed by buyers, not through the API, in live mode.")
	}
	res, err := e.Write(ctx, acct, op, func(w *engine.W) (any, error) {
		o, err := lockOrderOf(w, op, captureID, 'C', "capture")
		if err != nil {
			return nil, err
		}
		var c kessai.Capture
		if err := w.Get(kessai.KindCapture, captureID, true, &c, op, "capture"); err != nil {
			return nil, err
		}
		if c.State == kessai.CaptureDeclined {
			return nil, kessai.Errorf(kessai.InvalidStatus, op, "Capture %s was declined: nothing was paid to charge back.", c.ID)
		}
		if c.Chargeback {
			return &c, nil
		}
		if err := w.FlushPostings(); err != nil {
			return nil, err
		}
		pending, err := w.Tx().LedgerBalance(w.Ctx(), w.Account().ID, ledger.RefundPending(c.ID), c.Currency)
		if err != nil {
			return nil, err
		}
		if _, err := w.Chargeback(o, &c, max(c.Amount-(c.RefundedAmount-pending)-c.ChargedBack, 0)); err != nil {
			return nil, err
		}
		if err := w.SaveCapture(&c); err != nil {
			return nil, err
		}
		if err := saveOrder(w, o, "", ""); err != nil {
			return nil, err
		}
		return &c, w.EmitFace(kessai.FaceMWS, "capture.chargeback", kessai.ObjectCapture, c.ID, &c)
	})
	if err != nil {
		return nil, err
	}
	return res.(*kessai.Capture), nil
}

// orderStale cancels a Draft that was not confirmed in time (Stale).
func orderStale(w *engine.W, ref engine.JobRef) error {
	o, err := lockOrder(w, "amazonorder.OrderStale", ref.ID)
	if err != nil || o.State != kessai.StateDraft || w.Now().Before(o.CreatedAt.Add(OrderDraftTTL)) {
		return err
	}
	if err := saveOrder(w, o, kessai.StateCanceled, kessai.ReasonStale); err != nil {
		return err
	}
	return emitOrder(w, o)
}

// orderExpire closes an Open or Suspended order reference 180 days after
// its creation (Expired).
func orderExpire(w *engine.W, ref engine.JobRef) error {
	o, err := lockOrder(w, "amazonorder.OrderExpire", ref.ID)
	if err != nil || !engine.StatusIn(o.State, kessai.StateOpen, kessai.StateSuspended) || w.Now().Before(o.Order.ExpiresAt) {
		return err
	}
	return closeOrderFor(w, o, kessai.ReasonExpired)
}

// orderReopen is the simulated buyer updating the payment method of a
// Suspended order reference.
func orderReopen(w *engine.W, ref engine.JobRef) error {
	o, err := lockOrder(w, "amazonorder.OrderReopen", ref.ID)
	if err != nil || o.State != kessai.StateSuspended {
		return err
	}
	if err := saveOrder(w, o, kessai.StateOpen, ""); err != nil {
		return err
	}
	return emitOrder(w, o)
}
