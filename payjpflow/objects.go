package payjpflow

import (
	"context"
	"errors"

	"strings"

	"github.com/kessai/kessai"
	"github.com/kessai/kessai/engine"
	"github.com/kessai/kessai/processor"
)

// CustomerParams creates or updates a customer; nil fields are left alone.
type CustomerParams struct {
	ID                     *string
	Email                  *string
	Description            *string
	DefaultPaymentMethodID *string
	Metadata               kessai.Metadata
}

func validEmail(s string) bool {
	at := strings.IndexByte(s, '@')
	return at > 0 && at < len(s)-1 && !strings.ContainsAny(s, " \t\r\n") && strings.Count(s, "@") == 1
}

func (p CustomerParams) validate(op string) error {
	if p.ID != nil && !kessai.ValidCustomID(*p.ID) {
		return kessai.Invalidf(op, "id", "String should match pattern '^[-_0-9A-Za-z]+$' and have at most 100 characters")
	}
	if p.Email != nil && *p.Email != "" && !validEmail(*p.Email) {
		return kessai.Invalidf(op, "email", "value is not a valid email address")
	}
	if err := engine.CheckLen(op, "email", p.Email, 255); err != nil {
		return err
	}
	return engine.CheckLen(op, "description", p.Description, 255)
}

// CreateCustomer creates a customer, with the merchant's id if given.
// Errors: validation_error, already_exists_id, metadata_limit_exceeded,
// not_found (default payment method).
func CreateCustomer(e *engine.Engine, ctx context.Context, acct *kessai.Account, p CustomerParams) (*kessai.Customer, error) {
	const op = "payjpflow.CreateCustomer"
	if err := p.validate(op); err != nil {
		return nil, err
	}
	md, err := engine.MergeMetadata(op, nil, p.Metadata)
	if err != nil {
		return nil, err
	}
	res, err := e.Write(ctx, acct, op, func(w *engine.W) (any, error) {
		c := &kessai.Customer{AccountID: w.Account().ID, ID: kessai.NewID(kessai.PrefixCustomer), Livemode: w.Account().Livemode,
			Email: p.Email, Description: p.Description, Metadata: md, CreatedAt: w.Now(), UpdatedAt: w.Now()}
		if p.ID != nil {
			c.ID = *p.ID
		}
		if p.DefaultPaymentMethodID != nil {
			var pm kessai.PaymentMethod
			if err := engine.Get(ctx, w.Tx(), kessai.KindPaymentMethod, w.Account().ID, *p.DefaultPaymentMethodID, false, &pm, op, "payment_method"); err != nil {
				return nil, err
			}
			c.DefaultPaymentMethodID = p.DefaultPaymentMethodID
		}
		if err := w.Tx().Insert(ctx, c); err != nil {
			if errors.Is(err, kessai.ErrDuplicate) {
				return nil, kessai.Errorf(kessai.AlreadyExistsID, op, "The specified customer ID %s already exists.", c.ID)
			}
			return nil, err
		}
		return c, w.Emit("customer.created", kessai.ObjectCustomer, c.ID, c)
	})
	if err != nil {
		return nil, err
	}
	return res.(*kessai.Customer), nil
}

// GetCustomer returns a customer. Errors: not_found.
func GetCustomer(e *engine.Engine, ctx context.Context, acct *kessai.Account, id string) (*kessai.Customer, error) {
	const op = "payjpflow.GetCustomer"
	var c kessai.Customer
	err := e.View(ctx, op, func(tx kessai.Tx) error {
		return engine.Get(ctx, tx, kessai.KindCustomer, acct.ID, id, false, &c, op, "customer")
	})
	if err != nil {
		return nil, err
	}
	return &c, nil
}

// UpdateCustomer changes a customer's fields. Errors: not_found,
// validation_error, metadata_limit_exceeded.
func UpdateCustomer(e *engine.Engine, ctx context.Context, acct *kessai.Account, id string, p CustomerParams) (*kessai.Customer, error) {
	const op = "payjpflow.UpdateCustomer"
	if p.ID != nil {
		return nil, kessai.Invalidf(op, "id", "Extra inputs are not permitted")
	}
	if err := p.validate(op); err != nil {
		return nil, err
	}
	res, err := e.Write(ctx, acct, op, func(w *engine.W) (any, error) {
		var c kessai.Customer
		if err := engine.Get(ctx, w.Tx(), kessai.KindCustomer, w.Account().ID, id, true, &c, op, "customer"); err != nil {
			return nil, err
		}
		md, err := engine.MergeMetadata(op, c.Metadata, p.Metadata)
		if err != nil {
			return nil, err
		}
		c.Metadata = md
		if p.Email != nil {
			c.Email = nilIfEmpty(p.Email)
		}
		if p.Description != nil {
			c.Description = nilIfEmpty(p.Description)
		}
		if p.DefaultPaymentMethodID != nil {
			if *p.DefaultPaymentMethodID == "" {
				c.DefaultPaymentMethodID = nil
			} else {
				var pm kessai.PaymentMethod
				if err := engine.Get(ctx, w.Tx(), kessai.KindPaymentMethod, w.Account().ID, *p.DefaultPaymentMethodID, false, &pm, op, "payment_method"); err != nil {
					return nil, err
				}
				if pm.CustomerID == nil || *pm.CustomerID != c.ID {
					return nil, kessai.Errorf(kessai.PaymentMethodNotOwned, op, "Payment method %s is not owned by customer %s.", pm.ID, c.ID)
				}
				c.DefaultPaymentMethodID = p.DefaultPaymentMethodID
			}
		}
		c.UpdatedAt = w.Now()
		if err := w.Tx().Put(ctx, &c); err != nil {
			return nil, err
		}
		return &c, w.Emit("customer.updated", kessai.ObjectCustomer, c.ID, &c)
	})
	if err != nil {
		return nil, err
	}
	return res.(*kessai.Customer), nil
}

func nilIfEmpty(s *string) *string {
	if s == nil || *s == "" {
		return nil
	}
	return s
}

// DeleteCustomer deletes a customer. Its payment methods stay, detached.
// Errors: not_found.
func DeleteCustomer(e *engine.Engine, ctx context.Context, acct *kessai.Account, id string) (*kessai.Customer, error) {
	const op = "payjpflow.DeleteCustomer"
	res, err := e.Write(ctx, acct, op, func(w *engine.W) (any, error) {
		var c kessai.Customer
		if err := engine.Get(ctx, w.Tx(), kessai.KindCustomer, w.Account().ID, id, true, &c, op, "customer"); err != nil {
			return nil, err
		}
		if err := w.Tx().Delete(ctx, kessai.KindCustomer, w.Account().ID, id); err != nil {
			return nil, err
		}
		return &c, w.Emit("customer.deleted", kessai.ObjectCustomer, c.ID, &c)
	})
	if err != nil {
		return nil, err
	}
	return res.(*kessai.Customer), nil
}

// ListCustomers pages through customers, newest first.
func ListCustomers(e *engine.Engine, ctx context.Context, acct *kessai.Account, page kessai.Page) ([]*kessai.Customer, bool, error) {
	return engine.ListOf[kessai.Customer](ctx, e, acct, kessai.KindCustomer, nil, page, "payjpflow.ListCustomers", "customer")
}

// CardParams is a test card to register.
type CardParams struct {
	Number   string
	ExpMonth int
	ExpYear  int
	CVC      string
}

// PaymentMethodParams creates a payment method (test mode).
type PaymentMethodParams struct {
	Type           string
	Card           *CardParams
	BillingDetails kessai.BillingDetails
	CustomerID     *string
	Metadata       kessai.Metadata
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// CreatePaymentMethod registers a card (a PAY.JP test card number) or a
// PayPay method. Only test-mode accounts create methods directly.
// Errors: validation_error, test_mode_only, not_found (customer),
// card_declined and the other card errors of the test card list,
// metadata_limit_exceeded.
func CreatePaymentMethod(e *engine.Engine, ctx context.Context, acct *kessai.Account, p PaymentMethodParams) (*kessai.PaymentMethod, error) {
	const op = "payjpflow.CreatePaymentMethod"
	if acct.Livemode {
		return nil, kessai.Errorf(kessai.TestModeOnly, op, "Payment methods can be created directly only in test mode.")
	}
	md, err := engine.MergeMetadata(op, nil, p.Metadata)
	if err != nil {
		return nil, err
	}
	pm := &kessai.PaymentMethod{AccountID: acct.ID, ID: kessai.NewID(kessai.PrefixPaymentMethod), Livemode: acct.Livemode,
		Type: p.Type, CustomerID: p.CustomerID, BillingDetails: p.BillingDetails, Metadata: md}
	switch p.Type {
	case kessai.MethodCard:
		c := p.Card
		if c == nil {
			return nil, kessai.Invalidf(op, "card", "Field required")
		}
		if len(c.Number) < 14 || len(c.Number) > 16 || !allDigits(c.Number) {
			return nil, kessai.Invalidf(op, "card.number", "String should match pattern '^[0-9]{14,16}$'")
		}
		if c.ExpMonth < 1 || c.ExpMonth > 12 {
			return nil, kessai.Invalidf(op, "card.exp_month", "Input should be between 1 and 12")
		}
		if c.ExpYear < 2000 || c.ExpYear > 2200 {
			return nil, kessai.Invalidf(op, "card.exp_year", "Input should be a four-digit year")
		}
		if c.CVC != "" && (len(c.CVC) < 3 || len(c.CVC) > 4 || !allDigits(c.CVC)) {
			return nil, kessai.Invalidf(op, "card.cvc", "String should match pattern '^[0-9]{3,4}$'")
		}
		if p.BillingDetails.Email == nil && p.BillingDetails.Phone == nil {
			return nil, kessai.Invalidf(op, "billing_details", "billing_details.email or billing_details.phone is required")
		}
		card, code := processor.Tokenize(acct.ID, c.Number, c.ExpMonth, c.ExpYear)
		if code != "" {
			return nil, kessai.Errorf(code, op, "%s", cardMessage(code))
		}
		pm.Card = card
	case kessai.MethodPayPay:
		if p.Card != nil {
			return nil, kessai.Invalidf(op, "card", "Extra inputs are not permitted")
		}
	default:
		return nil, kessai.Invalidf(op, "type", "Input tag '%s' found using 'type' does not match any of the expected tags: 'card', 'paypay'", p.Type)
	}
	res, err := e.Write(ctx, acct, op, func(w *engine.W) (any, error) {
		pm.CreatedAt, pm.UpdatedAt = w.Now(), w.Now()
		if pm.CustomerID != nil {
			var c kessai.Customer
			if err := engine.Get(ctx, w.Tx(), kessai.KindCustomer, w.Account().ID, *pm.CustomerID, false, &c, op, "customer"); err != nil {
				return nil, err
			}
		}
		if err := w.Tx().Insert(ctx, pm); err != nil {
			return nil, err
		}
		if pm.CustomerID != nil {
			if err := w.Emit("payment_method.attached", kessai.ObjectPaymentMethod, pm.ID, pm); err != nil {
				return nil, err
			}
		}
		return pm, nil
	})
	if err != nil {
		return nil, err
	}
	return res.(*kessai.PaymentMethod), nil
}

func cardMessage(code kessai.Code) string {
	switch code {
	case kessai.CardDeclined:
		return "Your card was declined."
	case kessai.ExpiredCard:
		return "Your card has expired."
	case kessai.IncorrectCardData:
		return "Your card number or data is incorrect."
	case kessai.ProcessingError:
		return "An error occurred while processing the card."
	case kessai.UnacceptableBrand:
		return "This card brand is not accepted."
	}
	return string(code)
}

// GetPaymentMethod returns a payment method. Errors: not_found.
func GetPaymentMethod(e *engine.Engine, ctx context.Context, acct *kessai.Account, id string) (*kessai.PaymentMethod, error) {
	const op = "payjpflow.GetPaymentMethod"
	var pm kessai.PaymentMethod
	err := e.View(ctx, op, func(tx kessai.Tx) error {
		return engine.Get(ctx, tx, kessai.KindPaymentMethod, acct.ID, id, false, &pm, op, "payment_method")
	})
	if err != nil {
		return nil, err
	}
	return &pm, nil
}

// UpdatePaymentMethod changes a method's metadata and billing details.
// Errors: not_found, metadata_limit_exceeded.
func UpdatePaymentMethod(e *engine.Engine, ctx context.Context, acct *kessai.Account, id string, billing *kessai.BillingDetails, metadata kessai.Metadata) (*kessai.PaymentMethod, error) {
	const op = "payjpflow.UpdatePaymentMethod"
	res, err := e.Write(ctx, acct, op, func(w *engine.W) (any, error) {
		var pm kessai.PaymentMethod
		if err := engine.Get(ctx, w.Tx(), kessai.KindPaymentMethod, w.Account().ID, id, true, &pm, op, "payment_method"); err != nil {
			return nil, err
		}
		md, err := engine.MergeMetadata(op, pm.Metadata, metadata)
		if err != nil {
			return nil, err
		}
		pm.Metadata = md
		if billing != nil {
			pm.BillingDetails = *billing
		}
		pm.UpdatedAt = w.Now()
		if err := w.Tx().Put(ctx, &pm); err != nil {
			return nil, err
		}
		return &pm, w.Emit("payment_method.updated", kessai.ObjectPaymentMethod, pm.ID, &pm)
	})
	if err != nil {
		return nil, err
	}
	return res.(*kessai.PaymentMethod), nil
}

// ListPaymentMethods pages through methods, newest first, optionally of one
// customer.
func ListPaymentMethods(e *engine.Engine, ctx context.Context, acct *kessai.Account, customerID string, page kessai.Page) ([]*kessai.PaymentMethod, bool, error) {
	return engine.ListOf[kessai.PaymentMethod](ctx, e, acct, kessai.KindPaymentMethod, map[string]string{"customer_id": customerID}, page, "payjpflow.ListPaymentMethods", "payment_method")
}

// AttachPaymentMethod attaches a payment method to a customer, who may then
// pay with it. Attaching it to its own customer again changes nothing.
// Errors: not_found (method or customer), payment_method_already_attached
// (another customer's), detached_payment_method_not_usable.
func AttachPaymentMethod(e *engine.Engine, ctx context.Context, acct *kessai.Account, id, customerID string) (*kessai.PaymentMethod, error) {
	const op = "payjpflow.AttachPaymentMethod"
	res, err := e.Write(ctx, acct, op, func(w *engine.W) (any, error) {
		var pm kessai.PaymentMethod
		if err := engine.Get(ctx, w.Tx(), kessai.KindPaymentMethod, w.Account().ID, id, true, &pm, op, "payment_method"); err != nil {
			return nil, err
		}
		var c kessai.Customer
		if err := engine.Get(ctx, w.Tx(), kessai.KindCustomer, w.Account().ID, customerID, false, &c, op, "customer"); err != nil {
			return nil, err
		}
		if pm.DetachedAt != nil {
			return nil, kessai.Errorf(kessai.PaymentMethodNotUsable, op, "This payment method cannot be used because it has been detached from customer.")
		}
		if pm.CustomerID != nil {
			if *pm.CustomerID == customerID {
				return &pm, nil
			}
			return nil, kessai.Errorf(kessai.PaymentMethodAttached, op, "Payment method %s is already attached to customer %s.", pm.ID, *pm.CustomerID)
		}
		pm.CustomerID, pm.UpdatedAt = &customerID, w.Now()
		if err := w.Tx().Put(ctx, &pm); err != nil {
			return nil, err
		}
		return &pm, w.Emit("payment_method.attached", kessai.ObjectPaymentMethod, pm.ID, &pm)
	})
	if err != nil {
		return nil, err
	}
	return res.(*kessai.PaymentMethod), nil
}

// DetachPaymentMethod detaches a payment method for good: it keeps its
// customer_id as a record, gets detached_at, and can no longer pay; a
// customer whose default it was has none. Detaching it again changes
// nothing. Errors: not_found.
func DetachPaymentMethod(e *engine.Engine, ctx context.Context, acct *kessai.Account, id string) (*kessai.PaymentMethod, error) {
	const op = "payjpflow.DetachPaymentMethod"
	res, err := e.Write(ctx, acct, op, func(w *engine.W) (any, error) {
		var pm kessai.PaymentMethod
		if err := engine.Get(ctx, w.Tx(), kessai.KindPaymentMethod, w.Account().ID, id, true, &pm, op, "payment_method"); err != nil {
			return nil, err
		}
		if pm.DetachedAt != nil {
			return &pm, nil
		}
		now := w.Now()
		pm.DetachedAt, pm.UpdatedAt = &now, now
		if err := w.Tx().Put(ctx, &pm); err != nil {
			return nil, err
		}
		if pm.CustomerID != nil {
			var c kessai.Customer
			err := engine.Get(ctx, w.Tx(), kessai.KindCustomer, w.Account().ID, *pm.CustomerID, true, &c, op, "customer")
			if err == nil && c.DefaultPaymentMethodID != nil && *c.DefaultPaymentMethodID == pm.ID {
				c.DefaultPaymentMethodID, c.UpdatedAt = nil, now
				if err := w.Tx().Put(ctx, &c); err != nil {
					return nil, err
				}
			} else if err != nil && kessai.ErrorCode(err) != kessai.NotFound {
				return nil, err
			}
		}
		return &pm, w.Emit("payment_method.detached", kessai.ObjectPaymentMethod, pm.ID, &pm)
	})
	if err != nil {
		return nil, err
	}
	return res.(*kessai.PaymentMethod), nil
}
