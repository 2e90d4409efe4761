// Package accounts is the merchants' accounts above the core: creating one
// with fresh keys (secret keys stored hashed, the webhook token and MWS
// secret sealed with the core's master key), and finding the account of a
// PAY.JP secret key or an MWS access key id for the faces that
// authenticate requests. Every write reads its account again inside its
// own transaction (package engine), so a test clock moved by another
// process is always seen.
package accounts

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"strings"
	"time"

	"github.com/kessai/kessai"
	"github.com/kessai/kessai/engine"
)

// byKeyHash is the Memo key of the accounts kept by their secret key's
// hash (see Authenticate).
type byKeyHash struct{}

// NewAccount is an account as created, with its secrets in the clear: the
// only time they are shown.
type NewAccount struct {
	ID             string      `json:"id"`
	SecretKey      string      `json:"secret_key"`
	PublishableKey string      `json:"publishable_key"`
	WebhookToken   string      `json:"webhook_token"`
	MWS            NewMWSCreds `json:"mws"`
}

// NewMWSCreds are an account's MWS credentials in the clear.
type NewMWSCreds struct {
	SellerID    string `json:"seller_id"`
	AccessKeyID string `json:"access_key_id"`
	SecretKey   string `json:"secret_key"`
	Region      string `json:"region"`
}

// HashKey returns the stored form of an API secret key.
func HashKey(key string) string {
	sum := sha256.Sum256([]byte(key))
	return hex.EncodeToString(sum[:])
}

const upperAlnum = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"

func randomUpper(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	for i := range b {
		b[i] = upperAlnum[int(b[i])%len(upperAlnum)]
	}
	return string(b)
}

// CreateAccount creates a merchant account with fresh keys: test mode
// unless live. region is jp (default), us or eu. Secret keys are stored
// hashed; the webhook token and MWS secret are sealed with the master key.
func CreateAccount(e *engine.Engine, ctx context.Context, name string, live bool, region string) (*NewAccount, error) {
	const op = "accounts.CreateAccount"
	if strings.TrimSpace(name) == "" || len(name) > 200 {
		return nil, kessai.Invalidf(op, "name", "A name of 1 to 200 characters is required.")
	}
	if region == "" {
		region = "jp"
	}
	if region != "jp" && region != "us" && region != "eu" {
		return nil, kessai.Invalidf(op, "region", "Region must be jp, us or eu.")
	}
	mode := "test"
	if live {
		mode = "live"
	}
	out := &NewAccount{
		ID:             kessai.NewID(kessai.PrefixAccount),
		SecretKey:      kessai.RandomToken("sk_"+mode+"_", 24),
		PublishableKey: kessai.RandomToken("pk_"+mode+"_", 24),
		WebhookToken:   kessai.RandomToken("whook_", 20),
		MWS: NewMWSCreds{SellerID: "A" + randomUpper(13), AccessKeyID: "AKIA" + randomUpper(16),
			SecretKey: base64.RawStdEncoding.EncodeToString(engine.RandomBytes(30)), Region: region},
	}
	err := e.Update(ctx, op, func(tx kessai.Tx) error {
		a := &kessai.Account{ID: out.ID, Name: name, Livemode: live, SecretKeyHash: HashKey(out.SecretKey),
			PublishableKey: out.PublishableKey, CreatedAt: e.Clock.Now().UTC(),
			MWS: kessai.MWSCredential{SellerID: out.MWS.SellerID, AccessKeyID: out.MWS.AccessKeyID, Region: region}}
		var err error
		if a.WebhookToken, err = e.SealIn(ctx, tx, out.WebhookToken); err != nil {
			return err
		}
		if a.MWS.SecretKey, err = e.SealIn(ctx, tx, out.MWS.SecretKey); err != nil {
			return err
		}
		return tx.InsertAccount(ctx, a)
	})
	if err != nil {
		return nil, kessai.WrapInternal(op, err)
	}
	return out, nil
}

// Authenticate finds the account of an API secret key: its current key, or
// the key a rotation replaced while its grace lasts. Errors: unauthorized
// (no such key, a replaced key past its grace, a disabled account).
func Authenticate(e *engine.Engine, ctx context.Context, secretKey string) (*kessai.Account, error) {
	const op = "accounts.Authenticate"
	if !strings.HasPrefix(secretKey, "sk_test_") && !strings.HasPrefix(secretKey, "sk_live_") {
		return nil, kessai.Errorf(kessai.Unauthorized, op, "Invalid API key provided.")
	}
	hash := HashKey(secretKey)
	cache := e.Memo(byKeyHash{})
	if v, ok := cache.Load(hash); ok && time.Since(v.(*cachedAccount).at) < AccountCacheTTL {
		a := *v.(*cachedAccount).acct
		if err := usable(&a, hash, e.Clock.Now()); err != nil {
			return nil, err
		}
		return &a, nil
	}
	var acct *kessai.Account
	err := e.View(ctx, op, func(tx kessai.Tx) error {
		a, err := tx.AccountBySecretHash(ctx, hash)
		acct = a
		return err
	})
	if errors.Is(err, kessai.ErrNoRows) {
		// The usual cause on a developer's machine: the account was created
		// in another database than the one this server uses.
		return nil, kessai.Errorf(kessai.Unauthorized, op, "Invalid API key provided: no account in this server's database has it. "+
			"An account's keys work only on the database it was created in: run 'kessai accounts create' with the database "+
			"'kessai serve' printed when it started.")
	}
	if err != nil {
		return nil, err
	}
	if err := usable(acct, hash, e.Clock.Now()); err != nil {
		return nil, err
	}
	// The account is kept by its key's hash for AccountCacheTTL: a
	// rotation or a disable (admin.go) may change it, possibly in another
	// process. Its test clock changes too: every write reads it again
	// inside its transaction, and ClockNow reads it for a request that
	// shows the time.
	cached := *acct
	cache.Store(hash, &cachedAccount{acct: &cached, at: time.Now()})
	return acct, nil
}

// MWSAccount finds the account of an MWS access key id and opens its MWS
// secret key, which the MWS face needs to check a request's signature.
// Errors: unauthorized (no such key; the message does not tell which).
func MWSAccount(e *engine.Engine, ctx context.Context, accessKeyID string) (*kessai.Account, string, error) {
	const op = "accounts.MWSAccount"
	var acct *kessai.Account
	err := e.View(ctx, op, func(tx kessai.Tx) error {
		a, err := tx.AccountByMWSAccessKey(ctx, accessKeyID)
		acct = a
		return err
	})
	if errors.Is(err, kessai.ErrNoRows) {
		return nil, "", kessai.Errorf(kessai.Unauthorized, op, "The AWS access key id is not known.")
	}
	if err != nil {
		return nil, "", err
	}
	if acct.DisabledAt != nil {
		return nil, "", kessai.Errorf(kessai.Unauthorized, op, "The AWS access key id is not known.")
	}
	secret, err := e.Unseal(ctx, acct.MWS.SecretKey)
	if err != nil {
		return nil, "", kessai.WrapInternal(op, err)
	}
	return acct, secret, nil
}
