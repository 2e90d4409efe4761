package engine

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/kessai/kessai"
)

func randomBytes(n int) []byte {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return b
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
