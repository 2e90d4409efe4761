package engine

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"time"

	"github.com/kessai/kessai"
)

// kessai signs its Amazon IPNs as Amazon SNS does (SignatureVersion 1,
// SHA1withRSA) with a key of its own: made on first need, kept sealed with
// the master key in the settings, its self-signed certificate published at
// a SigningCertURL that kessai serves. Each certificate is kept under its
// fingerprint and stays served, so a process that signs with a key another
// process has since replaced (two processes making the first key at once)
// still names a certificate that verifies.

// IPNKey is the key that signs IPNs and its certificate.
type IPNKey struct {
	Key     *rsa.PrivateKey
	CertPEM []byte
	ID      string // hex SHA-256 of the certificate: its name in SigningCertURL
}

const (
	ipnKeySetting  = "ipn_signing_key"  // JSON of the sealed key and its certificate
	ipnCertSetting = "ipn_certificate:" // + ID: each certificate ever made
	ipnKeyBits     = 2048
)

type storedIPNKey struct {
	Key  []byte `json:"key"`  // sealed PKCS #8
	Cert []byte `json:"cert"` // PEM
}

// IPNSigningKey returns the key that signs IPNs, making it the first time.
func (e *Engine) IPNSigningKey(ctx context.Context) (*IPNKey, error) {
	e.ipn.Lock()
	defer e.ipn.Unlock()
	if e.ipn.key != nil {
		return e.ipn.key, nil
	}
	k, err := e.loadIPNKey(ctx)
	if errors.Is(err, kessai.ErrNoRows) {
		k, err = e.makeIPNKey(ctx)
	}
	if err != nil {
		return nil, fmt.Errorf("IPN signing key: %w", err)
	}
	e.ipn.key = k
	return k, nil
}

func (e *Engine) loadIPNKey(ctx context.Context) (*IPNKey, error) {
	var raw string
	err := e.Store.View(ctx, func(tx kessai.Tx) error {
		var err error
		raw, err = tx.Setting(ctx, ipnKeySetting)
		return err
	})
	if err != nil {
		return nil, err
	}
	var s storedIPNKey
	if err := json.Unmarshal([]byte(raw), &s); err != nil {
		return nil, err
	}
	der, err := e.Unseal(ctx, s.Key)
	if err != nil {
		return nil, err
	}
	parsed, err := x509.ParsePKCS8PrivateKey([]byte(der))
	if err != nil {
		return nil, err
	}
	key, ok := parsed.(*rsa.PrivateKey)
	if !ok {
		return nil, errors.New("the stored IPN key is not an RSA key")
	}
	return &IPNKey{Key: key, CertPEM: s.Cert, ID: certID(s.Cert)}, nil
}

func certID(pemCert []byte) string {
	sum := sha256.Sum256(pemCert)
	return hex.EncodeToString(sum[:16])
}

func (e *Engine) makeIPNKey(ctx context.Context) (*IPNKey, error) {
	key, err := rsa.GenerateKey(rand.Reader, ipnKeyBits)
	if err != nil {
		return nil, err
	}
	now := e.Clock.Now().UTC()
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 120))
	if err != nil {
		return nil, err
	}
	tmpl := &x509.Certificate{SerialNumber: serial,
		Subject:   pkix.Name{CommonName: "kessai IPN signing", Organization: []string{"kessai"}},
		NotBefore: now.Add(-time.Hour), NotAfter: now.AddDate(20, 0, 0),
		KeyUsage: x509.KeyUsageDigitalSignature}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, err
	}
	certPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	pkcs8, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, err
	}
	k := &IPNKey{Key: key, CertPEM: certPEM, ID: certID(certPEM)}
	err = e.Store.Update(ctx, func(tx kessai.Tx) error {
		mk, err := masterKey(ctx, tx)
		if err != nil {
			return err
		}
		sealed, err := seal(mk, string(pkcs8))
		if err != nil {
			return err
		}
		stored, err := json.Marshal(storedIPNKey{Key: sealed, Cert: certPEM})
		if err != nil {
			return err
		}
		if err := tx.PutSetting(ctx, ipnCertSetting+k.ID, base64.StdEncoding.EncodeToString(certPEM)); err != nil {
			return err
		}
		return tx.PutSetting(ctx, ipnKeySetting, string(stored))
	})
	if err != nil {
		return nil, err
	}
	return k, nil
}

// IPNCertificate returns the PEM certificate named id (IPNKey.ID). Errors:
// not_found.
func (e *Engine) IPNCertificate(ctx context.Context, id string) ([]byte, error) {
	const op = "engine.IPNCertificate"
	var raw string
	err := e.view(ctx, op, func(tx kessai.Tx) error {
		var err error
		raw, err = tx.Setting(ctx, ipnCertSetting+id)
		return err
	})
	if err != nil {
		return nil, err
	}
	return base64.StdEncoding.DecodeString(raw)
}
