package payjpflow

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"strconv"

	"github.com/kessai/kessai"
	"github.com/kessai/kessai/engine"
	"github.com/kessai/kessai/processor"
)

// Setup flow usages and cancellation reasons (the official enums).
var (
	setupUsages        = []string{"on_session", "off_session"}
	setupCancelReasons = []string{"abandoned", "duplicate", "requested_by_customer"}
)

// SetupFlowParams creates or updates a setup flow; nil fields are left
// alone (update) or take their defaults (create).
type SetupFlowParams struct {
	CustomerID           *string
	Description          *string
	PaymentMethodTypes   []string
	PaymentMethodOptions json.RawMessage
	Usage                *string
	Metadata             kessai.Metadata
	CheckoutSessionID    *string // the session that creates the flow
}

func (p SetupFlowParams) validate(op string) error {
	for i, t := range p.PaymentMethodTypes {
		if t != kessai.MethodCard {
			return kessai.Invalidf(op, "payment_method_types."+strconv.Itoa(i), "Input should be 'card'")
		}
	}
	if p.PaymentMethodTypes != nil && len(p.PaymentMethodTypes) == 0 {
		return kessai.Invalidf(op, "payment_method_types", "List should have at least 1 item")
	}
	if p.Usage != nil && !engine.StatusIn(*p.Usage, setupUsages...) {
		return kessai.Invalidf(op, "usage", "Input should be 'on_session' or 'off_session'")
	}
	if err := validOptions(op, p.PaymentMethodOptions); err != nil {
		return err
	}
	return engine.CheckLen(op, "description", p.Description, 255)
}

// CreateSetupFlow creates a setup flow waiting for a payment method.
// Errors: validation_error, not_found (customer), metadata_limit_exceeded.
func CreateSetupFlow(e *engine.Engine, ctx context.Context, acct *kessai.Account, p SetupFlowParams) (*kessai.SetupFlow, error) {
	const op = "payjpflow.CreateSetupFlow"
	if err := p.validate(op); err != nil {
		return nil, err
	}
	md, err := engine.MergeMetadata(op, nil, p.Metadata)
	if err != nil {
		return nil, err
	}
	res, err := e.Write(ctx, acct, op, func(w *engine.W) (any, error) {
		return newSetupFlow(w, op, p, md)
	})
	if err != nil {
		return nil, err
	}
	return res.(*kessai.SetupFlow), nil
}

// newSetupFlow writes a new setup flow of validated params
// (CreateSetupFlow, and a checkout session in setup mode).
func newSetupFlow(w *engine.W, op string, p SetupFlowParams, md kessai.Metadata) (*kessai.SetupFlow, error) {
	ctx := w.Ctx()
	if p.CustomerID != nil {
		var c kessai.Customer
		if err := engine.Get(ctx, w.Tx(), kessai.KindCustomer, w.Account().ID, *p.CustomerID, false, &c, op, "customer"); err != nil {
			return nil, err
		}
	}
	f := &kessai.SetupFlow{AccountID: w.Account().ID, ID: kessai.NewID(kessai.PrefixSetupFlow), Livemode: w.Account().Livemode,
		Status: kessai.StatusRequiresPaymentMethod, CustomerID: p.CustomerID, Description: nilIfEmpty(p.Description),
		PaymentMethodTypes: p.PaymentMethodTypes, PaymentMethodOptions: p.PaymentMethodOptions, Usage: "off_session",
		Metadata: md, CheckoutSessionID: p.CheckoutSessionID, CreatedAt: w.Now(), UpdatedAt: w.Now()}
	if f.PaymentMethodTypes == nil {
		// Setup flows save cards; the configuration may have turned
		// them off.
		c, _, err := loadMethodConfig(ctx, w.Tx(), w.Account(), false)
		if err != nil {
			return nil, err
		}
		if !c.Available(kessai.MethodCard) {
			return nil, kessai.Errorf(kessai.PaymentMethodNotAllowd, op, "The account's payment method configuration does not offer cards, which setup flows save.")
		}
		f.PaymentMethodTypes = []string{kessai.MethodCard}
	}
	if p.Usage != nil {
		f.Usage = *p.Usage
	}
	f.ClientSecret = kessai.RandomToken(f.ID+"_secret_", 16)
	if err := w.Tx().Insert(ctx, f); err != nil {
		return nil, err
	}
	if err := w.Emit("setup_flow.created", "setup_flow", f.ID, f); err != nil {
		return nil, err
	}
	return f, nil
}

func lockSetupFlow(w *engine.W, op, id string) (*kessai.SetupFlow, error) {
	var f kessai.SetupFlow
	if err := engine.Get(w.Ctx(), w.Tx(), kessai.KindSetupFlow, w.Account().ID, id, true, &f, op, "setup_flow"); err != nil {
		return nil, err
	}
	return &f, nil
}

func saveSetupFlow(w *engine.W, f *kessai.SetupFlow) error {
	f.UpdatedAt = w.Now()
	return w.Tx().Put(w.Ctx(), f)
}

// UpdateSetupFlow changes a setup flow that has not been confirmed
// (metadata and description in any status). Errors: not_found,
// invalid_status, validation_error, metadata_limit_exceeded.
func UpdateSetupFlow(e *engine.Engine, ctx context.Context, acct *kessai.Account, id string, p SetupFlowParams) (*kessai.SetupFlow, error) {
	const op = "payjpflow.UpdateSetupFlow"
	if err := p.validate(op); err != nil {
		return nil, err
	}
	res, err := e.Write(ctx, acct, op, func(w *engine.W) (any, error) {
		f, err := lockSetupFlow(w, op, id)
		if err != nil {
			return nil, err
		}
		structural := p.CustomerID != nil || p.PaymentMethodTypes != nil || p.PaymentMethodOptions != nil || p.Usage != nil
		if structural && !engine.StatusIn(f.Status, kessai.StatusRequiresPaymentMethod, kessai.StatusRequiresConfirmation) {
			return nil, engine.InvalidStatus(op, "setup flow", f.Status, kessai.StatusRequiresPaymentMethod, kessai.StatusRequiresConfirmation)
		}
		md, err := engine.MergeMetadata(op, f.Metadata, p.Metadata)
		if err != nil {
			return nil, err
		}
		f.Metadata = md
		if p.CustomerID != nil {
			var c kessai.Customer
			if err := engine.Get(ctx, w.Tx(), kessai.KindCustomer, w.Account().ID, *p.CustomerID, false, &c, op, "customer"); err != nil {
				return nil, err
			}
			f.CustomerID = p.CustomerID
		}
		if p.Description != nil {
			f.Description = nilIfEmpty(p.Description)
		}
		if p.PaymentMethodTypes != nil {
			f.PaymentMethodTypes = p.PaymentMethodTypes
		}
		if p.PaymentMethodOptions != nil {
			f.PaymentMethodOptions = p.PaymentMethodOptions
		}
		if p.Usage != nil {
			f.Usage = *p.Usage
		}
		if err := saveSetupFlow(w, f); err != nil {
			return nil, err
		}
		return f, w.Emit("setup_flow.updated", "setup_flow", f.ID, f)
	})
	if err != nil {
		return nil, err
	}
	return res.(*kessai.SetupFlow), nil
}

// ConfirmSetupFlow is the simulated customer entering a card for a setup
// flow (payjp.js does it with the publishable key in real life): the
// test card is checked as a charge would check it; on success the flow
// succeeds and the method is attached to the flow's customer. A declined
// card is committed as setup_failed (the flow waits for another method)
// and returned with its code. Errors: not_found, invalid_status,
// validation_error, the payment-method errors, card_declined and the
// card's errors.
func ConfirmSetupFlow(e *engine.Engine, ctx context.Context, acct *kessai.Account, id, paymentMethodID string) (*kessai.SetupFlow, error) {
	const op = "payjpflow.ConfirmSetupFlow"
	res, err := e.Write(ctx, acct, op, func(w *engine.W) (any, error) {
		f, err := lockSetupFlow(w, op, id)
		if err != nil {
			return nil, err
		}
		if !engine.StatusIn(f.Status, kessai.StatusRequiresPaymentMethod, kessai.StatusRequiresConfirmation) {
			return nil, engine.InvalidStatus(op, "setup flow", f.Status, kessai.StatusRequiresPaymentMethod, kessai.StatusRequiresConfirmation)
		}
		if f.CheckoutSessionID != nil {
			return nil, ownedBySession(op, "setup flow", *f.CheckoutSessionID)
		}
		return confirmSetup(w, op, f, paymentMethodID)
	})
	f, _ := res.(*kessai.SetupFlow)
	return f, err
}

// confirmSetup saves a payment method with a setup flow that waits for
// one (ConfirmSetupFlow, and a checkout session in setup mode).
func confirmSetup(w *engine.W, op string, f *kessai.SetupFlow, paymentMethodID string) (*kessai.SetupFlow, error) {
	ctx := w.Ctx()
	var pm kessai.PaymentMethod
	if err := engine.Get(ctx, w.Tx(), kessai.KindPaymentMethod, w.Account().ID, paymentMethodID, true, &pm, op, "payment_method"); err != nil {
		return nil, err
	}
	if pm.DetachedAt != nil {
		return nil, kessai.Errorf(kessai.PaymentMethodNotUsable, op, "This payment method cannot be used because it has been detached from customer.")
	}
	if pm.CustomerID != nil && (f.CustomerID == nil || *pm.CustomerID != *f.CustomerID) {
		return nil, kessai.Errorf(kessai.PaymentMethodAttached, op, "Payment method %s is already attached to customer %s.", pm.ID, *pm.CustomerID)
	}
	if !engine.StatusIn(pm.Type, f.PaymentMethodTypes...) {
		return nil, kessai.Errorf(kessai.PaymentMethodNotAllowd, op, "Payment method type %s is not included in the allowed payment method types %v.", pm.Type, f.PaymentMethodTypes)
	}
	f.PaymentMethodID, f.LastSetupError = &pm.ID, nil
	if pm.Card != nil {
		if d := processor.ChargeCard(pm.Card, 0); d != nil {
			f.Status = kessai.StatusRequiresPaymentMethod
			f.LastSetupError = &kessai.PaymentError{Code: string(d.Code), Message: d.Message, Type: "card_error", PaymentMethodID: pm.ID}
			if err := saveSetupFlow(w, f); err != nil {
				return nil, err
			}
			if err := w.Emit("setup_flow.setup_failed", "setup_flow", f.ID, f); err != nil {
				return nil, err
			}
			return f, engine.Committed(kessai.Errorf(d.Code, op, "%s", d.Message))
		}
	}
	if processor.NeedsThreeDSecure(pm.Card, f.PaymentMethodOptions) {
		f.Status = kessai.StatusRequiresAction
		f.NextAction = &kessai.NextAction{Type: "redirect_to_url", RedirectToURL: kessai.RedirectToURL{URL: buyerPageURL(w, f.ID, f.ClientSecret), ReturnURL: f.ReturnURL}}
		if err := saveSetupFlow(w, f); err != nil {
			return nil, err
		}
		return f, w.Emit("setup_flow.requires_action", "setup_flow", f.ID, f)
	}
	return f, succeedSetup(w, f, &pm)
}

// succeedSetup saves the flow's method: it is attached to the flow's
// customer and the flow succeeds.
func succeedSetup(w *engine.W, f *kessai.SetupFlow, pm *kessai.PaymentMethod) error {
	ctx := w.Ctx()
	f.NextAction = nil
	f.Status = kessai.StatusSucceeded
	if f.CustomerID != nil && pm.CustomerID == nil {
		pm.CustomerID, pm.UpdatedAt = f.CustomerID, w.Now()
		if err := w.Tx().Put(ctx, pm); err != nil {
			return err
		}
		if err := w.Emit("payment_method.attached", kessai.ObjectPaymentMethod, pm.ID, pm); err != nil {
			return err
		}
	}
	if err := saveSetupFlow(w, f); err != nil {
		return err
	}
	return w.Emit("setup_flow.succeeded", "setup_flow", f.ID, f)
}

// CancelSetupFlow cancels a setup flow that has not succeeded. Errors:
// not_found, invalid_status, validation_error.
func CancelSetupFlow(e *engine.Engine, ctx context.Context, acct *kessai.Account, id string, reason *string) (*kessai.SetupFlow, error) {
	const op = "payjpflow.CancelSetupFlow"
	if reason != nil && !engine.StatusIn(*reason, setupCancelReasons...) {
		return nil, kessai.Invalidf(op, "cancellation_reason", "Input should be 'abandoned', 'duplicate' or 'requested_by_customer'")
	}
	res, err := e.Write(ctx, acct, op, func(w *engine.W) (any, error) {
		f, err := lockSetupFlow(w, op, id)
		if err != nil {
			return nil, err
		}
		if f.CheckoutSessionID != nil {
			return nil, ownedBySession(op, "setup flow", *f.CheckoutSessionID)
		}
		cancelable := []string{kessai.StatusRequiresPaymentMethod, kessai.StatusRequiresConfirmation, kessai.StatusRequiresAction}
		if !engine.StatusIn(f.Status, cancelable...) {
			return nil, engine.InvalidStatus(op, "setup flow", f.Status, cancelable...)
		}
		f.Status, f.CancellationReason, f.NextAction = kessai.StatusCanceled, reason, nil
		if err := saveSetupFlow(w, f); err != nil {
			return nil, err
		}
		return f, w.Emit("setup_flow.canceled", "setup_flow", f.ID, f)
	})
	if err != nil {
		return nil, err
	}
	return res.(*kessai.SetupFlow), nil
}

// GetSetupFlow returns a setup flow. Errors: not_found.
func GetSetupFlow(e *engine.Engine, ctx context.Context, acct *kessai.Account, id string) (*kessai.SetupFlow, error) {
	const op = "payjpflow.GetSetupFlow"
	var f kessai.SetupFlow
	err := e.View(ctx, op, func(tx kessai.Tx) error {
		return engine.Get(ctx, tx, kessai.KindSetupFlow, acct.ID, id, false, &f, op, "setup_flow")
	})
	if err != nil {
		return nil, err
	}
	return &f, nil
}

// ListSetupFlows pages through setup flows, newest first, optionally of
// one customer.
func ListSetupFlows(e *engine.Engine, ctx context.Context, acct *kessai.Account, customerID string, page kessai.Page) ([]*kessai.SetupFlow, bool, error) {
	return engine.ListOf[kessai.SetupFlow](ctx, e, acct, kessai.KindSetupFlow, map[string]string{"customer_id": customerID}, page, "payjpflow.ListSetupFlows", "setup_flow")
}

// ApproveSetupFlow is the simulated buyer passing 3-D Secure for a setup
// flow that waits for it: the card is saved and the flow succeeds.
// Errors: not_found, invalid_status.
func ApproveSetupFlow(e *engine.Engine, ctx context.Context, acct *kessai.Account, id string) (*kessai.SetupFlow, error) {
	const op = "payjpflow.ApproveSetupFlow"
	res, err := e.Write(ctx, acct, op, func(w *engine.W) (any, error) {
		f, err := lockSetupFlow(w, op, id)
		if err != nil {
			return nil, err
		}
		if f.Status != kessai.StatusRequiresAction {
			return nil, engine.InvalidStatus(op, "setup flow", f.Status, kessai.StatusRequiresAction)
		}
		var pm kessai.PaymentMethod
		if err := engine.Get(ctx, w.Tx(), kessai.KindPaymentMethod, w.Account().ID, *f.PaymentMethodID, true, &pm, op, "payment_method"); err != nil {
			return nil, err
		}
		return f, succeedSetup(w, f, &pm)
	})
	if err != nil {
		return nil, err
	}
	return res.(*kessai.SetupFlow), nil
}

// DeclineSetupFlow is the simulated buyer failing 3-D Secure: the flow
// waits for another payment method with last_setup_error
// three_d_secure_failed (setup_flow.setup_failed). Errors: not_found,
// invalid_status.
func DeclineSetupFlow(e *engine.Engine, ctx context.Context, acct *kessai.Account, id string) (*kessai.SetupFlow, error) {
	const op = "payjpflow.DeclineSetupFlow"
	res, err := e.Write(ctx, acct, op, func(w *engine.W) (any, error) {
		f, err := lockSetupFlow(w, op, id)
		if err != nil {
			return nil, err
		}
		if f.Status != kessai.StatusRequiresAction {
			return nil, engine.InvalidStatus(op, "setup flow", f.Status, kessai.StatusRequiresAction)
		}
		f.Status, f.NextAction = kessai.StatusRequiresPaymentMethod, nil
		f.LastSetupError = &kessai.PaymentError{Code: "three_d_secure_failed", Message: "The customer did not complete 3-D Secure.",
			Type: "card_error", PaymentMethodID: *f.PaymentMethodID}
		if err := saveSetupFlow(w, f); err != nil {
			return nil, err
		}
		return f, w.Emit("setup_flow.setup_failed", "setup_flow", f.ID, f)
	})
	if err != nil {
		return nil, err
	}
	return res.(*kessai.SetupFlow), nil
}

// CheckoutSetupFlow returns an account's setup flow for the buyer's page,
// which knows the flow's client secret but no key. Errors: not_found (also
// for a wrong secret, compared in constant time).
func CheckoutSetupFlow(e *engine.Engine, ctx context.Context, accountID, id, clientSecret string) (*kessai.Account, *kessai.SetupFlow, error) {
	const op = "payjpflow.CheckoutSetupFlow"
	var acct *kessai.Account
	var f kessai.SetupFlow
	err := e.View(ctx, op, func(tx kessai.Tx) error {
		a, err := tx.Account(ctx, accountID, false)
		if err != nil {
			return engine.NotFound(op, "setup_flow", id)
		}
		acct = a
		return engine.Get(ctx, tx, kessai.KindSetupFlow, accountID, id, false, &f, op, "setup_flow")
	})
	if err != nil {
		return nil, nil, err
	}
	if subtle.ConstantTimeCompare([]byte(f.ClientSecret), []byte(clientSecret)) != 1 {
		return nil, nil, engine.NotFound(op, "setup_flow", id)
	}
	return acct, &f, nil
}
