package accounts

import (
	"context"
	"errors"
	"time"

	"github.com/kessai/kessai"
	"github.com/kessai/kessai/engine"
)

// What an operator does to an account after creating it: rotate its secret
// key, disable and enable it.

// DefaultKeyGrace is how long the secret key that a rotation replaces stays
// valid, unless the rotation says otherwise: time to deploy the new key.
const DefaultKeyGrace = 24 * time.Hour

// AccountCacheTTL is how long a server trusts the account it read for a
// secret key before reading it again: a rotation's end of grace, or a
// disable made by another process (the CLI, another server on PostgreSQL),
// takes effect within it. The process's own changes take effect at once.
const AccountCacheTTL = 2 * time.Second

// cachedAccount is an entry of the engine's Memo of accounts by key hash: the account a secret key's
// hash found, and when (wall time, not the business clock: it ages the
// cache, not money).
type cachedAccount struct {
	acct *kessai.Account
	at   time.Time
}

// RotatedKey is a new secret key, in the clear: the only time it is shown.
type RotatedKey struct {
	AccountID string `json:"id"`
	SecretKey string `json:"secret_key"`
	// PreviousKeyExpiresAt is when the replaced key stops working; nil when
	// it stopped at once (no grace).
	PreviousKeyExpiresAt *time.Time `json:"previous_key_expires_at"`
}

// RotateSecretKey gives the account a new secret key. The key it replaces
// keeps working for grace (from the base clock's now; 0: not at all), like a
// webhook endpoint's rotated secret; a key replaced by an earlier rotation
// stops at once. The publishable key, the webhook token and the MWS
// credentials do not change.
//
// Errors: not_found (no such account), invalid (a negative grace).
func RotateSecretKey(e *engine.Engine, ctx context.Context, accountID string, grace time.Duration) (*RotatedKey, error) {
	const op = "accounts.RotateSecretKey"
	if grace < 0 {
		return nil, kessai.Invalidf(op, "grace", "The grace period cannot be negative.")
	}
	var out *RotatedKey
	var replaced []string
	err := e.Update(ctx, op, func(tx kessai.Tx) error {
		a, err := tx.Account(ctx, accountID, true)
		if errors.Is(err, kessai.ErrNoRows) {
			return kessai.Errorf(kessai.NotFound, op, "No such account: %s.", accountID)
		}
		if err != nil {
			return err
		}
		mode := "test"
		if a.Livemode {
			mode = "live"
		}
		key := kessai.RandomToken("sk_"+mode+"_", 24)
		replaced = []string{a.SecretKeyHash, a.PreviousSecretKeyHash}
		out = &RotatedKey{AccountID: a.ID, SecretKey: key}
		a.PreviousSecretKeyHash, a.PreviousKeyExpiresAt = "", nil
		if grace > 0 {
			expires := e.Clock.Now().UTC().Add(grace)
			a.PreviousSecretKeyHash, a.PreviousKeyExpiresAt = a.SecretKeyHash, &expires
			out.PreviousKeyExpiresAt = &expires
		}
		a.SecretKeyHash = HashKey(key)
		return tx.UpdateAccount(ctx, a)
	})
	if err != nil {
		return nil, wrapAdmin(op, err)
	}
	forgetKeys(e, replaced...)
	return out, nil
}

// SetAccountDisabled disables an account (its secret keys, its MWS
// credentials and its dashboard sign-in are refused; its jobs, such as
// settlements already due, still run) or enables it again. Doing what is
// already done changes nothing.
//
// Errors: not_found.
func SetAccountDisabled(e *engine.Engine, ctx context.Context, accountID string, disabled bool) (*kessai.Account, error) {
	const op = "accounts.SetAccountDisabled"
	var out *kessai.Account
	err := e.Update(ctx, op, func(tx kessai.Tx) error {
		a, err := tx.Account(ctx, accountID, true)
		if errors.Is(err, kessai.ErrNoRows) {
			return kessai.Errorf(kessai.NotFound, op, "No such account: %s.", accountID)
		}
		if err != nil {
			return err
		}
		out = a
		switch {
		case disabled && a.DisabledAt == nil:
			now := e.Clock.Now().UTC()
			a.DisabledAt = &now
		case !disabled && a.DisabledAt != nil:
			a.DisabledAt = nil
		default:
			return nil
		}
		return tx.UpdateAccount(ctx, a)
	})
	if err != nil {
		return nil, wrapAdmin(op, err)
	}
	forgetKeys(e, out.SecretKeyHash, out.PreviousSecretKeyHash)
	return out, nil
}

// usable returns why the account that the secret key's hash found may not
// be used now, or nil: the account is disabled, or the key is one a rotation
// replaced and its grace has ended. Errors: unauthorized.
func usable(a *kessai.Account, hash string, now time.Time) error {
	const op = "accounts.Authenticate"
	if a.DisabledAt != nil {
		return kessai.Errorf(kessai.Unauthorized, op, "This account is disabled; an operator enables it with 'kessai accounts enable %s'.", a.ID)
	}
	if hash != a.SecretKeyHash && (hash != a.PreviousSecretKeyHash || a.PreviousKeyExpiresAt == nil || !now.Before(*a.PreviousKeyExpiresAt)) {
		return kessai.Errorf(kessai.Unauthorized, op, "Invalid API key provided: this secret key was replaced by a rotation and its grace period has ended.")
	}
	return nil
}

// forgetKeys drops the cached accounts of these key hashes.
func forgetKeys(e *engine.Engine, hashes ...string) {
	for _, h := range hashes {
		if h != "" {
			e.Memo(byKeyHash{}).Delete(h)
		}
	}
}

func wrapAdmin(op string, err error) error {
	var ke *kessai.Error
	if errors.As(err, &ke) {
		return err
	}
	return kessai.WrapInternal(op, err)
}
