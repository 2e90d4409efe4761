package accounts_test

import (
	"context"
	"testing"
	"time"

	"github.com/kessai/kessai"
	"github.com/kessai/kessai/accounts"
	"github.com/kessai/kessai/engine"
	"github.com/kessai/kessai/internal/kessaitest"
	"github.com/kessai/kessai/internal/testdb"
)

// authenticates reports whether key signs in, failing the test on any
// error but unauthorized.
func authenticates(t *testing.T, e *engine.Engine, key string) bool {
	t.Helper()
	_, err := accounts.Authenticate(e, context.Background(), key)
	if err != nil && kessai.ErrorCode(err) != kessai.Unauthorized {
		t.Fatalf("Authenticate: %v", err)
	}
	return err == nil
}

func TestEngine_RotateSecretKey(t *testing.T) {
	t.Parallel()
	testdb.ForEach(t, func(t *testing.T, dialect string) {
		ctx := context.Background()
		clock := kessai.NewManualClock(kessaitest.Epoch)
		e, err := engine.New(testdb.Open(t, dialect), clock, nil, engine.Config{})
		if err != nil {
			t.Fatal(err)
		}
		na, err := accounts.CreateAccount(e, ctx, "rotate", false, "jp")
		if err != nil {
			t.Fatal(err)
		}
		oldKey := na.SecretKey
		if !authenticates(t, e, oldKey) { // and cached
			t.Fatal("the new account's key is refused")
		}

		t.Run("the old key works during the grace period, not after", func(t *testing.T) {
			r, err := accounts.RotateSecretKey(e, ctx, na.ID, time.Hour)
			if err != nil {
				t.Fatal(err)
			}
			if r.SecretKey == oldKey || r.PreviousKeyExpiresAt == nil || !r.PreviousKeyExpiresAt.Equal(kessaitest.Epoch.Add(time.Hour)) {
				t.Fatalf("rotation %+v", r)
			}
			if !authenticates(t, e, r.SecretKey) || !authenticates(t, e, oldKey) {
				t.Fatal("during the grace period both keys must work")
			}
			clock.Advance(time.Hour - time.Second)
			if !authenticates(t, e, oldKey) {
				t.Fatal("the old key is refused a second before its grace ends")
			}
			clock.Advance(time.Second)
			if authenticates(t, e, oldKey) {
				t.Fatal("the old key works once its grace has ended")
			}
			if !authenticates(t, e, r.SecretKey) {
				t.Fatal("the new key is refused")
			}
			oldKey = r.SecretKey
		})
		t.Run("a second rotation ends the first one's grace", func(t *testing.T) {
			first, err := accounts.RotateSecretKey(e, ctx, na.ID, time.Hour)
			if err != nil {
				t.Fatal(err)
			}
			second, err := accounts.RotateSecretKey(e, ctx, na.ID, time.Hour)
			if err != nil {
				t.Fatal(err)
			}
			if authenticates(t, e, oldKey) {
				t.Error("the key replaced two rotations ago still works")
			}
			if !authenticates(t, e, first.SecretKey) || !authenticates(t, e, second.SecretKey) {
				t.Error("the last two keys must work")
			}
			oldKey = second.SecretKey
		})
		t.Run("no grace", func(t *testing.T) {
			r, err := accounts.RotateSecretKey(e, ctx, na.ID, 0)
			if err != nil {
				t.Fatal(err)
			}
			if r.PreviousKeyExpiresAt != nil || authenticates(t, e, oldKey) || !authenticates(t, e, r.SecretKey) {
				t.Errorf("without grace the old key must stop at once: %+v", r)
			}
			oldKey = r.SecretKey
		})
		t.Run("errors", func(t *testing.T) {
			if _, err := accounts.RotateSecretKey(e, ctx, "acct_nosuch", time.Hour); kessai.ErrorCode(err) != kessai.NotFound {
				t.Errorf("no such account: %v", err)
			}
			if _, err := accounts.RotateSecretKey(e, ctx, na.ID, -time.Second); kessai.ErrorCode(err) != kessai.Invalid {
				t.Errorf("negative grace: %v", err)
			}
		})
		t.Run("disabled, then enabled", func(t *testing.T) {
			if _, err := accounts.SetAccountDisabled(e, ctx, na.ID, true); err != nil {
				t.Fatal(err)
			}
			if authenticates(t, e, oldKey) {
				t.Fatal("a disabled account's key works")
			}
			a, err := e.AccountByID(ctx, na.ID)
			if err != nil || a.DisabledAt == nil {
				t.Fatalf("the account does not say it is disabled: %+v %v", a, err)
			}
			if _, _, err := accounts.MWSAccount(e, ctx, na.MWS.AccessKeyID); kessai.ErrorCode(err) != kessai.Unauthorized {
				t.Errorf("a disabled account's MWS key: %v", err)
			}
			if _, err := accounts.SetAccountDisabled(e, ctx, na.ID, false); err != nil {
				t.Fatal(err)
			}
			if !authenticates(t, e, oldKey) {
				t.Fatal("the enabled account's key is refused")
			}
		})
	})
}

// TestEngine_AccountChangesReachOtherProcesses: a second engine on the same
// store (another process on one PostgreSQL, or the CLI beside 'serve') sees
// a disable within AccountCacheTTL.
func TestEngine_AccountChangesReachOtherProcesses(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	store := testdb.Open(t, "sqlite")
	server, err := engine.New(store, kessai.NewManualClock(kessaitest.Epoch), nil, engine.Config{})
	if err != nil {
		t.Fatal(err)
	}
	cli, err := engine.New(store, kessai.NewManualClock(kessaitest.Epoch), nil, engine.Config{})
	if err != nil {
		t.Fatal(err)
	}
	na, err := accounts.CreateAccount(cli, ctx, "other", false, "jp")
	if err != nil {
		t.Fatal(err)
	}
	if !authenticates(t, server, na.SecretKey) {
		t.Fatal("refused")
	}
	if _, err := accounts.SetAccountDisabled(cli, ctx, na.ID, true); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(accounts.AccountCacheTTL + time.Second)
	for authenticates(t, server, na.SecretKey) {
		if time.Now().After(deadline) {
			t.Fatalf("the server still takes the key %v after another process disabled the account", accounts.AccountCacheTTL+time.Second)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
