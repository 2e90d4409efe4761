package engine

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/kessai/kessai"
)

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
func (e *Engine) CreateAccount(ctx context.Context, name string, live bool, region string) (*NewAccount, error) {
	const op = "engine.CreateAccount"
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
			SecretKey: base64.RawStdEncoding.EncodeToString(randomBytes(30)), Region: region},
	}
	err := e.Store.Update(ctx, func(tx kessai.Tx) error {
		key, err := masterKey(ctx, tx)
		if err != nil {
			return err
		}
		a := &kessai.Account{ID: out.ID, Name: name, Livemode: live, SecretKeyHash: HashKey(out.SecretKey),
			PublishableKey: out.PublishableKey, CreatedAt: e.Clock.Now().UTC(),
			MWS: kessai.MWSCredential{SellerID: out.MWS.SellerID, AccessKeyID: out.MWS.AccessKeyID, Region: region}}
		if a.WebhookToken, err = seal(key, out.WebhookToken); err != nil {
			return err
		}
		if a.MWS.SecretKey, err = seal(key, out.MWS.SecretKey); err != nil {
			return err
		}
		return tx.InsertAccount(ctx, a)
	})
	if err != nil {
		return nil, kessai.WrapInternal(op, err)
	}
	return out, nil
}

func randomBytes(n int) []byte {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return b
}

// Authenticate finds the account of an API secret key. Errors: unauthorized.
func (e *Engine) Authenticate(ctx context.Context, secretKey string) (*kessai.Account, error) {
	const op = "engine.Authenticate"
	if !strings.HasPrefix(secretKey, "sk_test_") && !strings.HasPrefix(secretKey, "sk_live_") {
		return nil, kessai.Errorf(kessai.Unauthorized, op, "Invalid API key provided.")
	}
	hash := HashKey(secretKey)
	if v, ok := e.accounts.Load(hash); ok && time.Since(v.(*cachedAccount).at) < AccountCacheTTL {
		a := *v.(*cachedAccount).acct
		if err := usable(&a, hash, e.Clock.Now()); err != nil {
			return nil, err
		}
		return &a, nil
	}
	var acct *kessai.Account
	err := e.Store.View(ctx, func(tx kessai.Tx) error {
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
		return nil, kessai.WrapInternal(op, err)
	}
	if err := usable(acct, hash, e.Clock.Now()); err != nil {
		return nil, err
	}
	// The account is kept by its key's hash for AccountCacheTTL: a
	// rotation or a disable (accountadmin.go) may change it, possibly in
	// another process. Its test clock changes too: every write reads it
	// again inside its transaction, and Clock reads it for a request that
	// shows the time.
	cached := *acct
	e.accounts.Store(hash, &cachedAccount{acct: &cached, at: time.Now()})
	return acct, nil
}

// ClockNow returns an account's business time now, reading its test clock
// from the store (another process may have moved it).
func (e *Engine) ClockNow(ctx context.Context, acct *kessai.Account) (time.Time, error) {
	const op = "engine.ClockNow"
	var now time.Time
	err := e.view(ctx, op, func(tx kessai.Tx) error {
		a, err := tx.Account(ctx, acct.ID, false)
		if err == nil {
			now = e.Now(a)
		}
		return err
	})
	return now, err
}

// MWSAccount finds the account of an MWS access key id and opens its MWS
// secret key, which the MWS face needs to check a request's signature.
// Errors: unauthorized (no such key; the message does not tell which).
func (e *Engine) MWSAccount(ctx context.Context, accessKeyID string) (*kessai.Account, string, error) {
	const op = "engine.MWSAccount"
	var acct *kessai.Account
	err := e.Store.View(ctx, func(tx kessai.Tx) error {
		a, err := tx.AccountByMWSAccessKey(ctx, accessKeyID)
		acct = a
		return err
	})
	if errors.Is(err, kessai.ErrNoRows) {
		return nil, "", kessai.Errorf(kessai.Unauthorized, op, "The AWS access key id is not known.")
	}
	if err != nil {
		return nil, "", kessai.WrapInternal(op, err)
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

// Unseal opens a sealed account secret (webhook token, MWS secret key). The
// master key is read from the store once and kept.
func (e *Engine) Unseal(ctx context.Context, s kessai.Sealed) (string, error) {
	key, err := e.masterKey(ctx)
	if err != nil {
		return "", err
	}
	return unseal(key, s)
}

func (e *Engine) masterKey(ctx context.Context) ([]byte, error) {
	e.master.Lock()
	defer e.master.Unlock()
	if e.master.key != nil {
		return e.master.key, nil
	}
	err := e.Store.View(ctx, func(tx kessai.Tx) error {
		key, err := readMasterKey(ctx, tx)
		e.master.key = key
		return err
	})
	if err != nil {
		e.master.key = nil
		return nil, err
	}
	return e.master.key, nil
}

// The master key seals account secrets. It comes from KESSAI_MASTER_KEY
// (base64 of 32 bytes) when set; otherwise kessai makes one and keeps it in
// the database's settings, which protects nothing against a stolen database
// but keeps secrets out of backups of the accounts table alone and lets an
// operator move to an external key later.
const masterKeySetting = "master_key"

func readMasterKey(ctx context.Context, tx kessai.Tx) ([]byte, error) {
	if env := os.Getenv("KESSAI_MASTER_KEY"); env != "" {
		k, err := base64.StdEncoding.DecodeString(env)
		if err != nil || len(k) != 32 {
			return nil, errors.New("KESSAI_MASTER_KEY must be base64 of 32 bytes")
		}
		return k, nil
	}
	v, err := tx.Setting(ctx, masterKeySetting)
	if err != nil {
		return nil, err
	}
	return base64.StdEncoding.DecodeString(v)
}

func masterKey(ctx context.Context, tx kessai.Tx) ([]byte, error) {
	k, err := readMasterKey(ctx, tx)
	if errors.Is(err, kessai.ErrNoRows) {
		k = randomBytes(32)
		return k, tx.PutSetting(ctx, masterKeySetting, base64.StdEncoding.EncodeToString(k))
	}
	return k, err
}

func seal(key []byte, plain string) (kessai.Sealed, error) {
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	gcm, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	nonce := randomBytes(gcm.NonceSize())
	return gcm.Seal(nonce, nonce, []byte(plain), nil), nil
}

func unseal(key []byte, s kessai.Sealed) (string, error) {
	block, err := aes.NewCipher(key)
	if err != nil {
		return "", err
	}
	gcm, err := cipher.NewGCM(block)
	if err != nil {
		return "", err
	}
	if len(s) < gcm.NonceSize() {
		return "", fmt.Errorf("sealed secret too short")
	}
	plain, err := gcm.Open(nil, s[:gcm.NonceSize()], s[gcm.NonceSize():], nil)
	return string(plain), err
}

// seal seals an account secret with the master key.
func (w *W) seal(plain string) (kessai.Sealed, error) {
	key, err := masterKey(w.ctx, w.tx)
	if err != nil {
		return nil, err
	}
	return seal(key, plain)
}
