package payjpflow

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/kessai/kessai"
	"github.com/kessai/kessai/accounting"
	"github.com/kessai/kessai/engine"
	"github.com/kessai/kessai/processor"
)

// Payment flow amount limits (JPY).
const (
	MinAmount = 50
	MaxAmount = 9_999_999
)

// Authorization hold periods: an uncaptured authorization is released and
// its flow canceled (reason expired) after these.
const (
	CardHold   = 7 * 24 * time.Hour
	PayPayHold = 30 * 24 * time.Hour
)

// FlowParams creates a payment flow.
type FlowParams struct {
	Amount               int64
	Currency             string
	CaptureMethod        string
	Confirm              bool
	CustomerID           *string
	Description          *string
	PaymentMethodID      *string
	PaymentMethodTypes   []string
	PaymentMethodOptions json.RawMessage
	ReturnURL            *string
	Metadata             kessai.Metadata
	CheckoutSessionID    *string // the session that creates the flow
}

// FlowUpdate changes a payment flow; nil fields are left alone.
type FlowUpdate struct {
	Amount               *int64
	CustomerID           *string
	Description          *string
	PaymentMethodID      *string
	PaymentMethodTypes   []string
	PaymentMethodOptions json.RawMessage
	ReturnURL            *string
	Metadata             kessai.Metadata
}

// ConfirmParams confirms a payment flow; nil fields keep the flow's values.
type ConfirmParams struct {
	PaymentMethodID *string
	ReturnURL       *string
	CaptureMethod   *string
}

func validAmount(op, field string, a int64) error {
	if a < MinAmount || a > MaxAmount {
		return kessai.Invalidf(op, field, "Input should be between %d and %d", MinAmount, MaxAmount)
	}
	return nil
}

func validCaptureMethod(op string, m string) error {
	if m != kessai.CaptureAutomatic && m != kessai.CaptureManual {
		return kessai.Invalidf(op, "capture_method", "Input should be 'automatic' or 'manual'")
	}
	return nil
}

func validMethodTypes(op string, types []string) error {
	if types == nil {
		return nil
	}
	if len(types) == 0 {
		return kessai.Invalidf(op, "payment_method_types", "List should have at least 1 item")
	}
	seen := map[string]bool{}
	for i, t := range types {
		if t != kessai.MethodCard && t != kessai.MethodPayPay {
			return kessai.Invalidf(op, fmt.Sprintf("payment_method_types.%d", i), "Input should be 'card' or 'paypay'")
		}
		if seen[t] {
			return kessai.Invalidf(op, "payment_method_types", "Items must be unique")
		}
		seen[t] = true
	}
	return nil
}

func validReturnURL(op string, u *string) error {
	if u == nil {
		return nil
	}
	parsed, err := url.Parse(*u)
	if err != nil || parsed.Scheme == "" || len(*u) > 2048 {
		return kessai.Invalidf(op, "return_url", "Input should be a valid URL")
	}
	return nil
}

func validOptions(op string, raw json.RawMessage) error {
	if len(raw) == 0 || string(raw) == "null" {
		return nil
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		return kessai.Invalidf(op, "payment_method_options", "Input should be an object")
	}
	return nil
}

// CreatePaymentFlow creates a payment flow and, with Confirm, confirms it.
// Errors: validation_error, not_found (customer, payment method),
// metadata_limit_exceeded, the payment-method errors of ConfirmPaymentFlow,
// and card declines (committed: the flow is returned with the error).
func CreatePaymentFlow(e *engine.Engine, ctx context.Context, acct *kessai.Account, p FlowParams) (*kessai.Payment, error) {
	const op = "payjpflow.CreatePaymentFlow"
	if err := validAmount(op, "amount", p.Amount); err != nil {
		return nil, err
	}
	if p.Currency != "jpy" {
		return nil, kessai.Invalidf(op, "currency", "Input should be 'jpy'")
	}
	if p.CaptureMethod == "" {
		p.CaptureMethod = kessai.CaptureAutomatic
	}
	if err := validCaptureMethod(op, p.CaptureMethod); err != nil {
		return nil, err
	}
	if err := validMethodTypes(op, p.PaymentMethodTypes); err != nil {
		return nil, err
	}
	if p.ReturnURL != nil && !p.Confirm {
		return nil, kessai.Invalidf(op, "return_url", "return_url can be set only when confirm is true")
	}
	if err := validReturnURL(op, p.ReturnURL); err != nil {
		return nil, err
	}
	if err := validOptions(op, p.PaymentMethodOptions); err != nil {
		return nil, err
	}
	if err := engine.CheckLen(op, "description", p.Description, 255); err != nil {
		return nil, err
	}
	md, err := engine.MergeMetadata(op, nil, p.Metadata)
	if err != nil {
		return nil, err
	}
	res, err := e.Write(ctx, acct, op, func(w *engine.W) (any, error) {
		pay, err := newPaymentFlow(w, op, p, md)
		if err != nil {
			return nil, err
		}
		if p.Confirm {
			return confirm(w, op, pay, ConfirmParams{})
		}
		return pay, nil
	})
	return engine.AsPayment(res, err)
}

// newPaymentFlow writes a new flow of validated params (CreatePaymentFlow,
// and a checkout session's payment): the account's payment method
// configuration decides its types when p names none.
func newPaymentFlow(w *engine.W, op string, p FlowParams, md kessai.Metadata) (*kessai.Payment, error) {
	ctx := w.Ctx()
	types := p.PaymentMethodTypes
	if types == nil {
		// The account's payment method configuration decides.
		var err error
		if types, err = defaultMethodTypes(w, op); err != nil {
			return nil, err
		}
	}
	pay := &kessai.Payment{AccountID: w.Account().ID, ID: kessai.NewID(kessai.PrefixPaymentFlow), Kind: kessai.PaymentFlow,
		State: kessai.StateDraft, Livemode: w.Account().Livemode, Amount: p.Amount, Currency: "jpy", Status: kessai.StatusRequiresPaymentMethod, CaptureMethod: p.CaptureMethod,
		CustomerID: p.CustomerID, Description: p.Description, PaymentMethodTypes: types,
		PaymentMethodOptions: p.PaymentMethodOptions, ReturnURL: p.ReturnURL, Metadata: md, CheckoutSessionID: p.CheckoutSessionID,
		CreatedAt: w.Now(), UpdatedAt: w.Now()}
	pay.ClientSecret = kessai.RandomToken(kessai.PrefixClientSecret+strings.TrimPrefix(pay.ID, kessai.PrefixPaymentFlow)+"_", 16)
	pmID := p.PaymentMethodID
	if pay.CustomerID != nil {
		var c kessai.Customer
		if err := engine.Get(ctx, w.Tx(), kessai.KindCustomer, w.Account().ID, *pay.CustomerID, false, &c, op, "customer"); err != nil {
			return nil, err
		}
		pay.Email = strOr(c.Email)
		if pmID == nil {
			pmID = c.DefaultPaymentMethodID
		}
	}
	if pmID != nil {
		if _, err := usableMethod(w, op, pay, *pmID); err != nil {
			return nil, err
		}
		pay.PaymentMethodID = pmID
		pay.Status = kessai.StatusRequiresConfirmation
	}
	if err := w.Tx().Insert(ctx, pay); err != nil {
		return nil, err
	}
	if err := w.Emit("payment_flow.created", kessai.ObjectPaymentFlow, pay.ID, pay); err != nil {
		return nil, err
	}
	return pay, nil
}

// usableMethod loads a payment method and checks that pay may use it.
func usableMethod(w *engine.W, op string, pay *kessai.Payment, id string) (*kessai.PaymentMethod, error) {
	var pm kessai.PaymentMethod
	if err := engine.Get(w.Ctx(), w.Tx(), kessai.KindPaymentMethod, w.Account().ID, id, false, &pm, op, "payment_method"); err != nil {
		return nil, err
	}
	if pm.DetachedAt != nil {
		return nil, kessai.Errorf(kessai.PaymentMethodNotUsable, op, "This payment method cannot be used because it has been detached from customer.")
	}
	if pm.CustomerID != nil {
		if pay.CustomerID == nil || *pay.CustomerID != *pm.CustomerID {
			cust := "(none)"
			if pay.CustomerID != nil {
				cust = *pay.CustomerID
			}
			return nil, kessai.Errorf(kessai.PaymentMethodNotOwned, op, "Payment method %s is not owned by customer %s.", pm.ID, cust)
		}
	}
	allowed := false
	for _, t := range pay.PaymentMethodTypes {
		allowed = allowed || t == pm.Type
	}
	if !allowed {
		return nil, kessai.Errorf(kessai.PaymentMethodNotAllowd, op, "Payment method type %s is not included in the allowed payment method types %v.", pm.Type, pay.PaymentMethodTypes)
	}
	return &pm, nil
}

// UpdatePaymentFlow changes a flow. Metadata and description change in any
// status; everything else only before confirmation.
// Errors: not_found, validation_error, invalid_status,
// metadata_limit_exceeded, payment-method errors.
func UpdatePaymentFlow(e *engine.Engine, ctx context.Context, acct *kessai.Account, id string, u FlowUpdate) (*kessai.Payment, error) {
	const op = "payjpflow.UpdatePaymentFlow"
	if u.Amount != nil {
		if err := validAmount(op, "amount", *u.Amount); err != nil {
			return nil, err
		}
	}
	if err := validMethodTypes(op, u.PaymentMethodTypes); err != nil {
		return nil, err
	}
	if err := validReturnURL(op, u.ReturnURL); err != nil {
		return nil, err
	}
	if err := validOptions(op, u.PaymentMethodOptions); err != nil {
		return nil, err
	}
	if err := engine.CheckLen(op, "description", u.Description, 255); err != nil {
		return nil, err
	}
	res, err := e.Write(ctx, acct, op, func(w *engine.W) (any, error) {
		p, err := w.LockPayment(op, id, "payment_flow")
		if err != nil {
			return nil, err
		}
		structural := u.Amount != nil || u.CustomerID != nil || u.PaymentMethodID != nil || u.PaymentMethodTypes != nil ||
			u.PaymentMethodOptions != nil || u.ReturnURL != nil
		if structural && !engine.StatusIn(p.Status, kessai.StatusRequiresPaymentMethod, kessai.StatusRequiresConfirmation) {
			return nil, engine.InvalidStatus(op, "payment flow", p.Status, kessai.StatusRequiresPaymentMethod, kessai.StatusRequiresConfirmation)
		}
		md, err := engine.MergeMetadata(op, p.Metadata, u.Metadata)
		if err != nil {
			return nil, err
		}
		p.Metadata = md
		if u.Description != nil {
			p.Description = nilIfEmpty(u.Description)
		}
		if u.Amount != nil {
			p.Amount = *u.Amount
		}
		if u.CustomerID != nil {
			if *u.CustomerID == "" {
				p.CustomerID, p.Email = nil, ""
			} else {
				var c kessai.Customer
				if err := engine.Get(ctx, w.Tx(), kessai.KindCustomer, w.Account().ID, *u.CustomerID, false, &c, op, "customer"); err != nil {
					return nil, err
				}
				p.CustomerID, p.Email = u.CustomerID, strOr(c.Email)
			}
		}
		if u.PaymentMethodTypes != nil {
			p.PaymentMethodTypes = u.PaymentMethodTypes
		}
		if u.PaymentMethodOptions != nil {
			p.PaymentMethodOptions = u.PaymentMethodOptions
		}
		if u.ReturnURL != nil {
			p.ReturnURL = u.ReturnURL
		}
		if u.PaymentMethodID != nil {
			p.PaymentMethodID = u.PaymentMethodID
		}
		if p.PaymentMethodID != nil && structural {
			if _, err := usableMethod(w, op, p, *p.PaymentMethodID); err != nil {
				return nil, err
			}
			p.Status = kessai.StatusRequiresConfirmation
		}
		if err := w.SavePayment(p); err != nil {
			return nil, err
		}
		return p, w.Emit("payment_flow.updated", kessai.ObjectPaymentFlow, p.ID, p)
	})
	return engine.AsPayment(res, err)
}

// ConfirmPaymentFlow confirms a flow with its payment method: a card is
// authorized at once (and captured, with automatic capture); PayPay waits in
// requires_action for the buyer.
// Errors: not_found, invalid_status, missing_payment_method, payment-method
// errors, validation_error; a declined card is committed (the flow goes back
// to requires_payment_method with last_payment_error) and returned with
// card_declined or the card's error code.
func ConfirmPaymentFlow(e *engine.Engine, ctx context.Context, acct *kessai.Account, id string, c ConfirmParams) (*kessai.Payment, error) {
	const op = "payjpflow.ConfirmPaymentFlow"
	if c.CaptureMethod != nil {
		if err := validCaptureMethod(op, *c.CaptureMethod); err != nil {
			return nil, err
		}
	}
	if err := validReturnURL(op, c.ReturnURL); err != nil {
		return nil, err
	}
	res, err := e.Write(ctx, acct, op, func(w *engine.W) (any, error) {
		p, err := w.LockPayment(op, id, "payment_flow")
		if err != nil {
			return nil, err
		}
		if p.CheckoutSessionID != nil {
			return nil, ownedBySession(op, "payment flow", *p.CheckoutSessionID)
		}
		return confirm(w, op, p, c)
	})
	return engine.AsPayment(res, err)
}

func confirm(w *engine.W, op string, p *kessai.Payment, c ConfirmParams) (*kessai.Payment, error) {
	if !engine.StatusIn(p.Status, kessai.StatusRequiresPaymentMethod, kessai.StatusRequiresConfirmation) {
		return nil, engine.InvalidStatus(op, "payment flow", p.Status, kessai.StatusRequiresPaymentMethod, kessai.StatusRequiresConfirmation)
	}
	if w.Account().Livemode {
		return nil, kessai.Errorf(kessai.LiveModeUnsupported, op, "kessai has no live payment processor; use a test-mode account.")
	}
	if c.PaymentMethodID != nil {
		p.PaymentMethodID = c.PaymentMethodID
	}
	if c.ReturnURL != nil {
		p.ReturnURL = c.ReturnURL
	}
	if c.CaptureMethod != nil {
		p.CaptureMethod = *c.CaptureMethod
	}
	if p.PaymentMethodID == nil {
		return nil, kessai.Errorf(kessai.MissingPaymentMethod, op, "A payment method is required but not provided.")
	}
	pm, err := usableMethod(w, op, p, *p.PaymentMethodID)
	if err != nil {
		return nil, err
	}
	if p.Email == "" && pm.BillingDetails.Email != nil {
		p.Email = *pm.BillingDetails.Email // a buyer without a customer: the card's billing email
	}
	p.LastPaymentError = nil
	switch pm.Type {
	case kessai.MethodCard:
		if d := processor.ChargeCard(pm.Card, p.Amount); d != nil {
			p.Status = kessai.StatusRequiresPaymentMethod
			p.LastPaymentError = &kessai.PaymentError{Code: string(d.Code), Message: d.Message, Type: "card_error", PaymentMethodID: pm.ID}
			if err := w.SavePayment(p); err != nil {
				return nil, err
			}
			if err := w.Emit("payment_flow.payment_failed", kessai.ObjectPaymentFlow, p.ID, p); err != nil {
				return nil, err
			}
			return p, engine.Committed(kessai.Errorf(d.Code, op, "%s", d.Message))
		}
		if processor.NeedsThreeDSecure(pm.Card, p.PaymentMethodOptions) {
			return p, requireAction(w, p)
		}
		return p, authorize(w, p, pm.Type)
	default: // PayPay: the buyer approves on a page of ours
		return p, requireAction(w, p)
	}
}

// buyerPageURL is the simulated buyer's page for a flow or a setup flow
// that waits for the buyer (PayPay approval, 3-D Secure).
func buyerPageURL(w *engine.W, id, clientSecret string) string {
	return strings.TrimRight(w.Engine().Config.PublicURL, "/") + "/kessai/v1/checkout/" + w.Account().ID + "/" + id + "?client_secret=" + url.QueryEscape(clientSecret)
}

// requireAction makes a flow wait for its buyer on kessai's page.
func requireAction(w *engine.W, p *kessai.Payment) error {
	p.Status = kessai.StatusRequiresAction
	p.NextAction = &kessai.NextAction{Type: "redirect_to_url", RedirectToURL: kessai.RedirectToURL{URL: buyerPageURL(w, p.ID, p.ClientSecret), ReturnURL: p.ReturnURL}}
	if err := w.SavePayment(p); err != nil {
		return err
	}
	return w.Emit("payment_flow.requires_action", kessai.ObjectPaymentFlow, p.ID, p)
}

// authorize records a successful authorization of the whole amount and,
// with automatic capture, captures it.
func authorize(w *engine.W, p *kessai.Payment, method string) error {
	now := w.Now()
	p.PaymentMethodType = method
	p.NextAction = nil
	p.ConfirmedAt = &now
	auth, err := w.NewAuthorization(p, kessai.NewID(kessai.PrefixAuthorization), method, p.Amount)
	if err != nil {
		return err
	}
	if p.CaptureMethod == kessai.CaptureAutomatic {
		return capture(w, p, auth, p.Amount, true)
	}
	hold := CardHold
	if method == kessai.MethodPayPay {
		hold = PayPayHold
	}
	exp := now.Add(hold)
	auth.ExpiresAt = exp
	p.Status = kessai.StatusRequiresCapture
	p.AuthorizationExpires = &exp
	if err := w.SaveAuthorization(auth, true); err != nil {
		return err
	}
	if err := w.SavePayment(p); err != nil {
		return err
	}
	if err := w.Schedule(JobExpireAuthorization, engine.JobRef{ID: p.ID}, exp); err != nil {
		return err
	}
	return w.Emit("payment_flow.amount_capturable_updated", kessai.ObjectPaymentFlow, p.ID, p)
}

// capture takes amount of the flow's authorization into its one capture
// and releases the rest of the hold; the flow succeeds.
func capture(w *engine.W, p *kessai.Payment, auth *kessai.Authorization, amount int64, newAuth bool) error {
	c, err := w.CaptureAuthorization(p, auth, kessai.NewID(kessai.PrefixCapture), amount)
	if err != nil {
		return err
	}
	p.CaptureID = c.ID
	if err := accounting.ChargeFee(w, p, c); err != nil {
		return err
	}
	if err := w.Tx().Insert(w.Ctx(), c); err != nil {
		return err
	}
	if err := w.SaveAuthorization(auth, newAuth); err != nil {
		return err
	}
	p.Status = kessai.StatusSucceeded
	if err := w.SavePayment(p); err != nil {
		return err
	}
	if err := accounting.RecordTransaction(w, kessai.TxnPayment, p.ID, p, c, amount, c.Fee); err != nil {
		return err
	}
	return w.Emit("payment_flow.succeeded", kessai.ObjectPaymentFlow, p.ID, p)
}

// CapturePaymentFlow captures a requires_capture flow once, for
// amountToCapture (default: all that is capturable); the rest is released.
// Errors: not_found, invalid_status, validation_error.
func CapturePaymentFlow(e *engine.Engine, ctx context.Context, acct *kessai.Account, id string, amountToCapture *int64) (*kessai.Payment, error) {
	const op = "payjpflow.CapturePaymentFlow"
	if amountToCapture != nil {
		if err := validAmount(op, "amount_to_capture", *amountToCapture); err != nil {
			return nil, err
		}
	}
	res, err := e.Write(ctx, acct, op, func(w *engine.W) (any, error) {
		p, err := w.LockPayment(op, id, "payment_flow")
		if err != nil {
			return nil, err
		}
		if p.Status != kessai.StatusRequiresCapture {
			return nil, engine.InvalidStatus(op, "payment flow", p.Status, kessai.StatusRequiresCapture)
		}
		auth, err := w.OpenAuthorization(p)
		if err != nil {
			return nil, err
		}
		if auth == nil {
			return nil, fmt.Errorf("%s: flow %s requires capture but has no open authorization", op, p.ID)
		}
		amount := auth.Amount - auth.CapturedAmount
		if amountToCapture != nil {
			amount = *amountToCapture
		}
		if _, err := w.CheckCapture(p, auth, amount); err != nil {
			return nil, err
		}
		return p, capture(w, p, auth, amount, false)
	})
	return engine.AsPayment(res, err)
}

// Cancellation reasons a merchant may give.
var cancelReasons = []string{"duplicate", "fraudulent", "requested_by_customer", "abandoned"}

// CancelPaymentFlow cancels a flow that has not succeeded, releasing any
// hold. Errors: not_found, invalid_status, validation_error.
func CancelPaymentFlow(e *engine.Engine, ctx context.Context, acct *kessai.Account, id string, reason *string) (*kessai.Payment, error) {
	const op = "payjpflow.CancelPaymentFlow"
	if reason != nil && !engine.StatusIn(*reason, cancelReasons...) {
		return nil, kessai.Invalidf(op, "cancellation_reason", "Input should be 'duplicate', 'fraudulent', 'requested_by_customer' or 'abandoned'")
	}
	res, err := e.Write(ctx, acct, op, func(w *engine.W) (any, error) {
		p, err := w.LockPayment(op, id, "payment_flow")
		if err != nil {
			return nil, err
		}
		cancelable := []string{kessai.StatusRequiresPaymentMethod, kessai.StatusRequiresConfirmation, kessai.StatusRequiresAction, kessai.StatusRequiresCapture}
		if !engine.StatusIn(p.Status, cancelable...) {
			return nil, engine.InvalidStatus(op, "payment flow", p.Status, cancelable...)
		}
		if p.CheckoutSessionID != nil && p.Status != kessai.StatusRequiresCapture {
			return nil, ownedBySession(op, "payment flow", *p.CheckoutSessionID)
		}
		return p, cancel(w, p, reason)
	})
	return engine.AsPayment(res, err)
}

func cancel(w *engine.W, p *kessai.Payment, reason *string) error {
	if p.Status == kessai.StatusRequiresCapture {
		auth, err := w.OpenAuthorization(p)
		if err != nil {
			return err
		}
		if auth != nil {
			code := kessai.ReasonSellerClosed
			if reason != nil && *reason == "expired" {
				code = kessai.ReasonExpiredUnused
			}
			if err := w.ReleaseAuthorization(p, auth, code); err != nil {
				return err
			}
			if err := w.SaveAuthorization(auth, false); err != nil {
				return err
			}
		}
	}
	now := w.Now()
	p.Status = kessai.StatusCanceled
	p.CanceledAt = &now
	p.CancellationReason = reason
	p.NextAction = nil
	if err := w.SavePayment(p); err != nil {
		return err
	}
	return w.Emit("payment_flow.canceled", kessai.ObjectPaymentFlow, p.ID, p)
}

// ApprovePaymentFlow is the simulated buyer approving the action a
// requires_action flow waits for (PayPay). Errors: not_found, invalid_status.
func ApprovePaymentFlow(e *engine.Engine, ctx context.Context, acct *kessai.Account, id string) (*kessai.Payment, error) {
	const op = "payjpflow.ApprovePaymentFlow"
	res, err := e.Write(ctx, acct, op, func(w *engine.W) (any, error) {
		p, err := w.LockPayment(op, id, "payment_flow")
		if err != nil {
			return nil, err
		}
		if p.Status != kessai.StatusRequiresAction {
			return nil, engine.InvalidStatus(op, "payment flow", p.Status, kessai.StatusRequiresAction)
		}
		var pm kessai.PaymentMethod
		if err := engine.Get(ctx, w.Tx(), kessai.KindPaymentMethod, w.Account().ID, *p.PaymentMethodID, false, &pm, op, "payment_method"); err != nil {
			return nil, err
		}
		return p, authorize(w, p, pm.Type)
	})
	return engine.AsPayment(res, err)
}

// DeclinePaymentFlow is the simulated buyer refusing the action: the flow
// is canceled (reason abandoned) with last_payment_error set, and both
// payment_flow.payment_failed and payment_flow.canceled are emitted.
// Errors: not_found, invalid_status.
func DeclinePaymentFlow(e *engine.Engine, ctx context.Context, acct *kessai.Account, id string) (*kessai.Payment, error) {
	const op = "payjpflow.DeclinePaymentFlow"
	res, err := e.Write(ctx, acct, op, func(w *engine.W) (any, error) {
		p, err := w.LockPayment(op, id, "payment_flow")
		if err != nil {
			return nil, err
		}
		if p.Status != kessai.StatusRequiresAction {
			return nil, engine.InvalidStatus(op, "payment flow", p.Status, kessai.StatusRequiresAction)
		}
		p.LastPaymentError = &kessai.PaymentError{Code: "payment_declined", Message: "The customer declined the payment.",
			Type: "payment_method_error", PaymentMethodID: *p.PaymentMethodID}
		if err := w.Emit("payment_flow.payment_failed", kessai.ObjectPaymentFlow, p.ID, p); err != nil {
			return nil, err
		}
		reason := "abandoned"
		return p, cancel(w, p, &reason)
	})
	return engine.AsPayment(res, err)
}

// ExpireAuthorization cancels (reason expired) a flow whose authorization
// hold has run out, releasing the hold. Anything else is left alone, so the
// job may run any number of times.
func expireAuthorization(w *engine.W, id string) error {
	p, err := w.LockPayment("payjpflow.ExpireAuthorization", id, "payment_flow")
	if err != nil {
		return err
	}
	if p.Status != kessai.StatusRequiresCapture || p.AuthorizationExpires == nil || w.Now().Before(*p.AuthorizationExpires) {
		return nil
	}
	reason := "expired"
	return cancel(w, p, &reason)
}

// GetPaymentFlow returns a flow. Errors: not_found.
func GetPaymentFlow(e *engine.Engine, ctx context.Context, acct *kessai.Account, id string) (*kessai.Payment, error) {
	const op = "payjpflow.GetPaymentFlow"
	var p kessai.Payment
	err := e.View(ctx, op, func(tx kessai.Tx) error {
		return engine.Get(ctx, tx, kessai.KindPayment, acct.ID, id, false, &p, op, "payment_flow")
	})
	if err != nil {
		return nil, err
	}
	return &p, nil
}

// CheckoutFlow returns an account's flow for the buyer's page, which knows
// the flow's client secret but no key. Errors: not_found (also for a wrong
// secret, compared in constant time).
func CheckoutFlow(e *engine.Engine, ctx context.Context, accountID, id, clientSecret string) (*kessai.Account, *kessai.Payment, error) {
	var p kessai.Payment
	acct, err := bySecret(e, ctx, "payjpflow.CheckoutFlow", kessai.KindPayment, "payment_flow", accountID, id, clientSecret, &p,
		func() string { return p.ClientSecret })
	if err != nil {
		return nil, nil, err
	}
	return acct, &p, nil
}

// bySecret loads an account's document into dst for a buyer's page, which
// knows the document's client secret (secret, once dst is loaded) but no
// key. A wrong secret is not_found, compared in constant time.
func bySecret(e *engine.Engine, ctx context.Context, op string, kind kessai.Kind, what, accountID, id, clientSecret string, dst any, secret func() string) (*kessai.Account, error) {
	var acct *kessai.Account
	err := e.View(ctx, op, func(tx kessai.Tx) error {
		a, err := tx.Account(ctx, accountID, false)
		if err != nil {
			return engine.NotFound(op, what, id)
		}
		acct = a
		return engine.Get(ctx, tx, kind, accountID, id, false, dst, op, what)
	})
	if err != nil {
		return nil, err
	}
	if subtle.ConstantTimeCompare([]byte(secret()), []byte(clientSecret)) != 1 {
		return nil, engine.NotFound(op, what, id)
	}
	return acct, nil
}

// ListPaymentFlows pages through flows, newest first, optionally of one
// customer.
func ListPaymentFlows(e *engine.Engine, ctx context.Context, acct *kessai.Account, customerID string, page kessai.Page) ([]*kessai.Payment, bool, error) {
	// Only flows have customers: the face filter is needed, and used, only
	// without one (each filter shape searches its own index).
	filter := map[string]string{"customer_id": customerID}
	if customerID == "" {
		filter["face"] = kessai.FacePayJP
	}
	return engine.ListOf[kessai.Payment](ctx, e, acct, kessai.KindPayment, filter, page, "payjpflow.ListPaymentFlows", "payment_flow")
}

func strOr(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}
