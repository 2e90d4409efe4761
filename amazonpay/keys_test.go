package amazonpay_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"sync"
	"testing"

	"github.com/kessai/kessai"
	"github.com/kessai/kessai/accounts"
	"github.com/kessai/kessai/amazonpay"
	"github.com/kessai/kessai/engine"
	"github.com/kessai/kessai/internal/kessaitest"
	"github.com/kessai/kessai/internal/testdb"
)

func newEngine(t *testing.T, dialect string) (*engine.Engine, *kessai.Account) {
	t.Helper()
	e, err := engine.New(testdb.Open(t, dialect), kessai.NewManualClock(kessaitest.Epoch), nil, engine.Config{})
	if err != nil {
		t.Fatal(err)
	}
	na, err := accounts.CreateAccount(e, context.Background(), "keys", false, "jp")
	if err != nil {
		t.Fatal(err)
	}
	acct, err := accounts.Authenticate(e, context.Background(), na.SecretKey)
	if err != nil {
		t.Fatal(err)
	}
	return e, acct
}

func mustPEM(t *testing.T) string {
	t.Helper()
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	der, _ := x509.MarshalPKIXPublicKey(&k.PublicKey)
	return string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))
}

// TestRegisterPublicKey_Concurrent: keys registered at once are all kept,
// each found by its id, on both stores.
func TestRegisterPublicKey_Concurrent(t *testing.T) {
	t.Parallel()
	text := mustPEM(t)
	for _, dialect := range testdb.Dialects {
		t.Run(dialect, func(t *testing.T) {
			t.Parallel()
			e, acct := newEngine(t, dialect)
			ctx := context.Background()
			const n = 8
			var wg sync.WaitGroup
			ids := make([]string, n)
			errs := make([]error, n)
			for i := range n {
				wg.Add(1)
				go func() {
					defer wg.Done()
					k, err := amazonpay.RegisterPublicKey(ctx, e, acct, text)
					errs[i] = err
					if err == nil {
						ids[i] = k.ID
					}
				}()
			}
			wg.Wait()
			for _, err := range errs {
				if err != nil {
					t.Fatal(err)
				}
			}
			keys, err := amazonpay.PublicKeys(ctx, e, acct)
			if err != nil {
				t.Fatal(err)
			}
			if len(keys) != n {
				t.Fatalf("%d keys listed after %d registrations", len(keys), n)
			}
			for _, id := range ids {
				k, owner, err := amazonpay.KeyOf(ctx, e, id)
				if err != nil || owner.ID != acct.ID || k.Key() == nil {
					t.Fatalf("KeyOf(%s): %v", id, err)
				}
			}
			if _, err := amazonpay.RevokePublicKey(ctx, e, acct, ids[0]); err != nil {
				t.Fatal(err)
			}
			if _, _, err := amazonpay.KeyOf(ctx, e, ids[0]); kessai.ErrorCode(err) != kessai.Unauthorized {
				t.Fatalf("a revoked key: %v", err)
			}
			if _, err := amazonpay.RevokePublicKey(ctx, e, acct, "SANDBOX-NONE"); kessai.ErrorCode(err) != kessai.NotFound {
				t.Fatalf("revoking an unknown key: %v", err)
			}
		})
	}
}
