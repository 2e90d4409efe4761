package main

import (
	"encoding/json"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// eventually polls until key's status on GET /v2/payment_flows is want:
// a running server takes another process's change within its account cache
// (accounts.AccountCacheTTL, 2 s).
func eventually(t *testing.T, base, key string, want int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		code, body := get(t, base+"/v2/payment_flows", key)
		if code == want {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("GET with the key: %d %v, want %d", code, body, want)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func TestAccounts_ListRotateKeyDisableEnable(t *testing.T) {
	t.Parallel()
	db := "sqlite:" + filepath.Join(t.TempDir(), "k.db")
	id, key := accountOf(t, db)
	other, otherKey := accountOf(t, db)

	t.Run("list shows every account and no secret", func(t *testing.T) {
		r := runKessai(t, "accounts", "list", "--json", "--database-url", db)
		var views []map[string]any
		if r.code != 0 || json.Unmarshal([]byte(r.stdout), &views) != nil || len(views) != 2 {
			t.Fatalf("accounts list --json: %v", r)
		}
		text := runKessai(t, "accounts", "list", "--database-url", db)
		for _, out := range []string{r.stdout, text.stdout} {
			for _, want := range []string{id, other, "test", "backup"} {
				if !strings.Contains(out, want) {
					t.Errorf("the list lacks %q:\n%s", want, out)
				}
			}
			for _, secret := range []string{key, otherKey, "sk_", "secret", "hash", "whook_"} {
				if strings.Contains(out, secret) {
					t.Errorf("the list shows %q:\n%s", secret, out)
				}
			}
		}
	})

	srv := serve(t, command{args: []string{"--database-url", db, "--log-level", "warn"}})
	eventually(t, srv.url, key, http.StatusOK)

	var rotated struct {
		SecretKey            string     `json:"secret_key"`
		PreviousKeyExpiresAt *time.Time `json:"previous_key_expires_at"`
	}
	t.Run("rotate-key: both keys work during the grace period", func(t *testing.T) {
		r := runKessai(t, "accounts", "rotate-key", id, "--grace", "1h", "--json", "--database-url", db)
		if r.code != 0 || json.Unmarshal([]byte(r.stdout), &rotated) != nil || !strings.HasPrefix(rotated.SecretKey, "sk_test_") || rotated.SecretKey == key {
			t.Fatalf("rotate-key: %v", r)
		}
		if rotated.PreviousKeyExpiresAt == nil || time.Until(*rotated.PreviousKeyExpiresAt) < 59*time.Minute {
			t.Errorf("the old key's end of grace: %v, want an hour from now", rotated.PreviousKeyExpiresAt)
		}
		eventually(t, srv.url, rotated.SecretKey, http.StatusOK)
		eventually(t, srv.url, key, http.StatusOK)
		if list := runKessai(t, "accounts", "list", "--database-url", db); !strings.Contains(list.stdout, "old key until") {
			t.Errorf("the list does not show the old key's grace:\n%s", list.stdout)
		}
	})
	t.Run("rotate-key --grace 0s: the replaced keys stop", func(t *testing.T) {
		r := runKessai(t, "accounts", "rotate-key", id, "--grace", "0s", "--database-url", db)
		newKey := ""
		for _, line := range strings.Split(r.stdout, "\n") {
			if rest, ok := strings.CutPrefix(line, "secret key  "); ok {
				newKey = rest
			}
		}
		if r.code != 0 || newKey == "" || !strings.Contains(r.stdout, "old key     stopped working") {
			t.Fatalf("rotate-key: %v", r)
		}
		eventually(t, srv.url, newKey, http.StatusOK)
		eventually(t, srv.url, rotated.SecretKey, http.StatusUnauthorized)
		eventually(t, srv.url, key, http.StatusUnauthorized)
		key = newKey
	})
	t.Run("disable refuses the keys, enable takes them again", func(t *testing.T) {
		if r := runKessai(t, "accounts", "disable", id, "--database-url", db); r.code != 0 || !strings.Contains(r.stdout, "disabled since") {
			t.Fatalf("disable: %v", r)
		}
		eventually(t, srv.url, key, http.StatusUnauthorized)
		eventually(t, srv.url, otherKey, http.StatusOK) // the other account is untouched
		if list := runKessai(t, "accounts", "list", "--database-url", db); !strings.Contains(list.stdout, "disabled since") {
			t.Errorf("the list does not show the account disabled:\n%s", list.stdout)
		}
		if r := runKessai(t, "accounts", "enable", id, "--database-url", db); r.code != 0 || !strings.Contains(r.stdout, "enabled") {
			t.Fatalf("enable: %v", r)
		}
		eventually(t, srv.url, key, http.StatusOK)
	})
	t.Run("an unknown account", func(t *testing.T) {
		wantFailure(t, runKessai(t, "accounts", "disable", "acct_nosuch", "--database-url", db), "No such account: acct_nosuch")
	})
}
