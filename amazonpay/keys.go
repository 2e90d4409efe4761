package amazonpay

import (
	"context"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/kessai/kessai"
	"github.com/kessai/kessai/engine"
)

// Public key ids start with the environment they sign for, as Amazon's
// do: the official SDKs then call /v2/… without /sandbox or /live.
const (
	SandboxKeyPrefix = "SANDBOX-"
	LiveKeyPrefix    = "LIVE-"
)

// Limits of a public key.
const (
	MinKeyBits = 2048
	MaxKeyBits = 8192
	// MaxKeys bounds the keys an account has, revoked ones included.
	MaxKeys = 50
	// MaxPEM bounds the PEM text of a key.
	MaxPEM = 16 << 10
)

// PublicKey is a merchant's registered RSA public key: the key that
// verifies the signatures of its API v2 requests.
type PublicKey struct {
	ID         string     `json:"public_key_id"`
	AccountID  string     `json:"account_id"`
	MerchantID string     `json:"merchant_id"`
	StoreID    string     `json:"store_id"`
	PEM        string     `json:"public_key"` // PKIX, "PUBLIC KEY"
	Bits       int        `json:"bits"`
	CreatedAt  time.Time  `json:"created_at"`
	RevokedAt  *time.Time `json:"revoked_at,omitempty"`

	key *rsa.PublicKey
}

// Key is the parsed RSA key.
func (k *PublicKey) Key() *rsa.PublicKey { return k.key }

// Active reports whether the key still verifies requests.
func (k *PublicKey) Active() bool { return k.RevokedAt == nil }

// Settings keys: a key's record, and the ids of an account's keys.
const (
	keySetting     = "amazon_v2_public_key:"  // + public key id
	accountSetting = "amazon_v2_public_keys:" // + account id: JSON list of ids, oldest first
)

// MerchantID is the Amazon Pay merchant id of acct: its MWS SellerId (one
// Amazon merchant account answers to both APIs).
func MerchantID(acct *kessai.Account) string { return acct.MWS.SellerID }

// StoreID is the store id (Amazon's client id) of acct: fixed by the
// account's id, so that it needs no storage.
func StoreID(acct *kessai.Account) string {
	sum := sha256.Sum256([]byte("kessai store id\x00" + acct.ID))
	return "amzn1.application-oa2-client." + hex.EncodeToString(sum[:16])
}

// ParsePublicKey reads an RSA public key in PEM: "PUBLIC KEY" (PKIX, what
// Amazon's Seller Central takes and openssl rsa -pubout writes) or "RSA
// PUBLIC KEY" (PKCS #1), of MinKeyBits to MaxKeyBits. A private key is
// refused, and its text is not kept. Errors: validation_error (field
// public_key).
func ParsePublicKey(text string) (*rsa.PublicKey, error) {
	const op, field = "amazonpay.ParsePublicKey", "public_key"
	if len(text) > MaxPEM {
		return nil, kessai.Invalidf(op, field, "The key is longer than %d bytes.", MaxPEM)
	}
	block, _ := pem.Decode([]byte(strings.TrimSpace(text)))
	if block == nil {
		return nil, kessai.Invalidf(op, field, "Give the RSA public key in PEM, beginning with -----BEGIN PUBLIC KEY-----.")
	}
	var pub any
	var err error
	switch block.Type {
	case "PUBLIC KEY":
		pub, err = x509.ParsePKIXPublicKey(block.Bytes)
	case "RSA PUBLIC KEY":
		pub, err = x509.ParsePKCS1PublicKey(block.Bytes)
	default:
		if strings.Contains(block.Type, "PRIVATE") {
			return nil, kessai.Invalidf(op, field, "This is a private key: keep it with your shop and register only its public key (openssl rsa -in private.pem -pubout).")
		}
		return nil, kessai.Invalidf(op, field, "A PEM block of type %q is not a public key; give a PUBLIC KEY block.", block.Type)
	}
	if err != nil {
		return nil, kessai.Invalidf(op, field, "The PEM block does not hold a public key kessai can read.")
	}
	k, ok := pub.(*rsa.PublicKey)
	if !ok {
		return nil, kessai.Invalidf(op, field, "The key is a %T; Amazon Pay signs with RSA keys.", pub)
	}
	if bits := k.N.BitLen(); bits < MinKeyBits || bits > MaxKeyBits {
		return nil, kessai.Invalidf(op, field, "The key has %d bits; give one of %d to %d.", bits, MinKeyBits, MaxKeyBits)
	}
	return k, nil
}

// RegisterPublicKey registers an RSA public key (PEM) for acct and returns
// it with its new id: SANDBOX-… for a test-mode account, LIVE-… for a live
// one. Errors: validation_error, count_exceeded (MaxKeys).
func RegisterPublicKey(ctx context.Context, e *engine.Engine, acct *kessai.Account, text string) (*PublicKey, error) {
	const op = "amazonpay.RegisterPublicKey"
	key, err := ParsePublicKey(text)
	if err != nil {
		return nil, err
	}
	der, err := x509.MarshalPKIXPublicKey(key)
	if err != nil {
		return nil, kessai.WrapInternal(op, err)
	}
	res, err := e.Write(ctx, acct, op, func(w *engine.W) (any, error) {
		tx := w.Tx()
		// Lock the account: its list of keys is read and written back.
		if _, err := tx.Account(w.Ctx(), acct.ID, true); err != nil {
			return nil, err
		}
		ids, err := accountKeyIDs(w.Ctx(), tx, acct.ID)
		if err != nil {
			return nil, err
		}
		if len(ids) >= MaxKeys {
			return nil, kessai.Errorf(kessai.CountExceeded, op, "The account has %d public keys, the most it may have.", len(ids))
		}
		prefix := SandboxKeyPrefix
		if w.Account().Livemode {
			prefix = LiveKeyPrefix
		}
		k := &PublicKey{ID: prefix + randomUpper(24), AccountID: acct.ID, MerchantID: MerchantID(w.Account()), StoreID: StoreID(w.Account()),
			PEM: string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})), Bits: key.N.BitLen(), CreatedAt: w.Now(), key: key}
		if err := putKey(w.Ctx(), tx, k); err != nil {
			return nil, err
		}
		ids = append(ids, k.ID)
		raw, err := json.Marshal(ids)
		if err != nil {
			return nil, err
		}
		if err := tx.PutSetting(w.Ctx(), accountSetting+acct.ID, string(raw)); err != nil {
			return nil, err
		}
		return k, nil
	})
	if err != nil {
		return nil, err
	}
	return res.(*PublicKey), nil
}

// PublicKeys lists acct's keys, oldest first, revoked ones included.
func PublicKeys(ctx context.Context, e *engine.Engine, acct *kessai.Account) ([]*PublicKey, error) {
	var out []*PublicKey
	err := e.View(ctx, "amazonpay.PublicKeys", func(tx kessai.Tx) error {
		ids, err := accountKeyIDs(ctx, tx, acct.ID)
		if err != nil {
			return err
		}
		out = make([]*PublicKey, 0, len(ids))
		for _, id := range ids {
			k, err := loadKey(ctx, tx, id)
			if err != nil {
				return err
			}
			out = append(out, k)
		}
		return nil
	})
	return out, err
}

// GetPublicKey returns one of acct's keys. Errors: not_found.
func GetPublicKey(ctx context.Context, e *engine.Engine, acct *kessai.Account, id string) (*PublicKey, error) {
	const op = "amazonpay.GetPublicKey"
	var k *PublicKey
	err := e.View(ctx, op, func(tx kessai.Tx) error {
		var err error
		k, err = loadKey(ctx, tx, id)
		return err
	})
	if errors.Is(err, kessai.ErrNoRows) || kessai.ErrorCode(err) == kessai.NotFound || (err == nil && k.AccountID != acct.ID) {
		return nil, engine.NotFound(op, "public key", id)
	}
	return k, err
}

// RevokePublicKey revokes one of acct's keys: requests signed with it are
// refused from then on. Revoking a revoked key changes nothing. Errors:
// not_found.
func RevokePublicKey(ctx context.Context, e *engine.Engine, acct *kessai.Account, id string) (*PublicKey, error) {
	const op = "amazonpay.RevokePublicKey"
	res, err := e.Write(ctx, acct, op, func(w *engine.W) (any, error) {
		tx := w.Tx()
		if _, err := tx.Account(w.Ctx(), acct.ID, true); err != nil {
			return nil, err
		}
		k, err := loadKey(w.Ctx(), tx, id)
		if errors.Is(err, kessai.ErrNoRows) || (err == nil && k.AccountID != acct.ID) {
			return nil, engine.NotFound(op, "public key", id)
		}
		if err != nil {
			return nil, err
		}
		if k.RevokedAt == nil {
			now := w.Now()
			k.RevokedAt = &now
			if err := putKey(w.Ctx(), tx, k); err != nil {
				return nil, err
			}
		}
		return k, nil
	})
	if err != nil {
		return nil, err
	}
	return res.(*PublicKey), nil
}

// KeyOf finds an active public key by its id and the account it belongs
// to: what a signed request names. Errors: unauthorized (unknown or
// revoked).
func KeyOf(ctx context.Context, e *engine.Engine, id string) (*PublicKey, *kessai.Account, error) {
	const op = "amazonpay.KeyOf"
	if id == "" || len(id) > 64 {
		return nil, nil, kessai.Errorf(kessai.Unauthorized, op, "The public key id is not registered.")
	}
	var k *PublicKey
	var acct *kessai.Account
	err := e.View(ctx, op, func(tx kessai.Tx) error {
		var err error
		if k, err = loadKey(ctx, tx, id); err != nil {
			return err
		}
		acct, err = tx.Account(ctx, k.AccountID, false)
		return err
	})
	if errors.Is(err, kessai.ErrNoRows) || kessai.ErrorCode(err) == kessai.NotFound {
		return nil, nil, kessai.Errorf(kessai.Unauthorized, op, "The public key id %s is not registered with kessai.", id)
	}
	if err != nil {
		return nil, nil, err
	}
	if !k.Active() {
		return nil, nil, kessai.Errorf(kessai.Unauthorized, op, "The public key %s was revoked.", id)
	}
	return k, acct, nil
}

func accountKeyIDs(ctx context.Context, tx kessai.Tx, accountID string) ([]string, error) {
	raw, err := tx.Setting(ctx, accountSetting+accountID)
	if errors.Is(err, kessai.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var ids []string
	if err := json.Unmarshal([]byte(raw), &ids); err != nil {
		return nil, fmt.Errorf("public keys of %s: %w", accountID, err)
	}
	return ids, nil
}

func putKey(ctx context.Context, tx kessai.Tx, k *PublicKey) error {
	raw, err := json.Marshal(k)
	if err != nil {
		return err
	}
	return tx.PutSetting(ctx, keySetting+k.ID, string(raw))
}

func loadKey(ctx context.Context, tx kessai.Tx, id string) (*PublicKey, error) {
	raw, err := tx.Setting(ctx, keySetting+id)
	if err != nil {
		return nil, err
	}
	var k PublicKey
	if err := json.Unmarshal([]byte(raw), &k); err != nil {
		return nil, fmt.Errorf("public key %s: %w", id, err)
	}
	if k.key, err = ParsePublicKey(k.PEM); err != nil {
		return nil, fmt.Errorf("public key %s: %w", id, err)
	}
	return &k, nil
}

const upperAlnum = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"

// randomUpper is n characters of upperAlnum from crypto/rand (the modulo's
// bias is irrelevant to an identifier).
func randomUpper(n int) string {
	b := engine.RandomBytes(n)
	for i := range b {
		b[i] = upperAlnum[int(b[i])%len(upperAlnum)]
	}
	return string(b)
}
