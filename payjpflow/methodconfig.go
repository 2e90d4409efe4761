package payjpflow

import (
	"context"
	"errors"
	"strings"

	"github.com/kessai/kessai"
	"github.com/kessai/kessai/engine"
)

// An account has one payment method configuration; until it is changed it
// is the default: active, every type on. Payment flows and setup flows that
// name no payment_method_types offer the types it makes available.

// methodConfigID is the id of an account's configuration.
func methodConfigID(acct *kessai.Account) string {
	return kessai.PrefixMethodConfig + strings.TrimPrefix(acct.ID, kessai.PrefixAccount)
}

func defaultMethodConfig(acct *kessai.Account) *kessai.MethodConfig {
	return &kessai.MethodConfig{AccountID: acct.ID, ID: methodConfigID(acct), Livemode: acct.Livemode, Active: true,
		Preferences: map[string]string{kessai.MethodCard: kessai.PreferenceNone, kessai.MethodPayPay: kessai.PreferenceNone}}
}

// loadMethodConfig reads the account's configuration, or the default.
func loadMethodConfig(ctx context.Context, tx kessai.Tx, acct *kessai.Account, lock bool) (*kessai.MethodConfig, bool, error) {
	c := defaultMethodConfig(acct)
	err := tx.Get(ctx, kessai.KindMethodConfig, acct.ID, c.ID, lock, c)
	if errors.Is(err, kessai.ErrNoRows) {
		return defaultMethodConfig(acct), false, nil
	}
	return c, err == nil, err
}

// defaultMethodTypes are the types a payment that names none offers.
func defaultMethodTypes(w *engine.W, op string) ([]string, error) {
	c, _, err := loadMethodConfig(w.Ctx(), w.Tx(), w.Account(), false)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, t := range []string{kessai.MethodCard, kessai.MethodPayPay} {
		if c.Available(t) {
			out = append(out, t)
		}
	}
	if len(out) == 0 {
		return nil, kessai.Errorf(kessai.PaymentMethodNotAllowd, op, "The account's payment method configuration offers no payment method type; name payment_method_types or turn a type on.")
	}
	return out, nil
}

// MethodConfigUpdate changes a configuration; nil fields are left alone.
type MethodConfigUpdate struct {
	Active      *bool
	Name        *string
	Preferences map[string]string // type → on, off or none
}

// GetMethodConfig returns a configuration of the account. Errors: not_found.
func GetMethodConfig(e *engine.Engine, ctx context.Context, acct *kessai.Account, id string) (*kessai.MethodConfig, error) {
	const op = "payjpflow.GetMethodConfig"
	if id != methodConfigID(acct) {
		return nil, engine.NotFound(op, "payment_method_configuration", id)
	}
	var c *kessai.MethodConfig
	err := e.View(ctx, op, func(tx kessai.Tx) error {
		var err error
		c, _, err = loadMethodConfig(ctx, tx, acct, false)
		return err
	})
	return c, err
}

// ListMethodConfigs returns the account's one configuration.
func ListMethodConfigs(e *engine.Engine, ctx context.Context, acct *kessai.Account) ([]*kessai.MethodConfig, error) {
	c, err := GetMethodConfig(e, ctx, acct, methodConfigID(acct))
	if err != nil {
		return nil, err
	}
	return []*kessai.MethodConfig{c}, nil
}

// UpdateMethodConfig changes the account's configuration. Errors:
// not_found, validation_error.
func UpdateMethodConfig(e *engine.Engine, ctx context.Context, acct *kessai.Account, id string, u MethodConfigUpdate) (*kessai.MethodConfig, error) {
	const op = "payjpflow.UpdateMethodConfig"
	for t, p := range u.Preferences {
		if t != kessai.MethodCard && t != kessai.MethodPayPay {
			return nil, kessai.Invalidf(op, t, "Extra inputs are not permitted")
		}
		if !engine.StatusIn(p, kessai.PreferenceOn, kessai.PreferenceOff, kessai.PreferenceNone) {
			return nil, kessai.Invalidf(op, t+".display_preference.preference", "Input should be 'none', 'off' or 'on'")
		}
	}
	if err := engine.CheckLen(op, "name", u.Name, 255); err != nil {
		return nil, err
	}
	if id != methodConfigID(acct) {
		return nil, engine.NotFound(op, "payment_method_configuration", id)
	}
	res, err := e.Write(ctx, acct, op, func(w *engine.W) (any, error) {
		c, stored, err := loadMethodConfig(ctx, w.Tx(), w.Account(), true)
		if err != nil {
			return nil, err
		}
		if u.Active != nil {
			c.Active = *u.Active
		}
		if u.Name != nil {
			c.Name = nilIfEmpty(u.Name)
		}
		for t, p := range u.Preferences {
			c.Preferences[t] = p
		}
		c.UpdatedAt = w.Now()
		if stored {
			err = w.Tx().Put(ctx, c)
		} else {
			err = w.Tx().Insert(ctx, c)
		}
		if err != nil {
			return nil, err
		}
		return c, w.Emit("payment_method_configuration.updated", "payment_method_configuration", c.ID, c)
	})
	if err != nil {
		return nil, err
	}
	return res.(*kessai.MethodConfig), nil
}
