package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kessai/kessai/internal/kessaitest"
	"github.com/kessai/kessai/sqlite"
)

// accountOf runs 'accounts create --json' on db and returns the account's
// id and secret key.
func accountOf(t *testing.T, db string) (id, key string) {
	t.Helper()
	r := runKessai(t, "accounts", "create", "--name", "backup", "--json", "--database-url", db)
	var a struct {
		ID        string `json:"id"`
		SecretKey string `json:"secret_key"`
	}
	if r.code != 0 || json.Unmarshal([]byte(r.stdout), &a) != nil {
		t.Fatalf("accounts create: %v", r)
	}
	return a.ID, a.SecretKey
}

// paidCardFlow makes a succeeded card payment of amount through base.
func paidCardFlow(t *testing.T, base, key string, amount int) string {
	t.Helper()
	code, pm := post(t, base+"/v2/payment_methods", key,
		`{"type":"card","card":{"number":"4242424242424242","exp_month":12,"exp_year":2035,"cvc":"123"},"billing_details":{"email":"backup@example.com"}}`)
	if code != http.StatusOK {
		t.Fatalf("payment method: %d %v", code, pm)
	}
	code, f := post(t, base+"/v2/payment_flows", key,
		fmt.Sprintf(`{"amount":%d,"currency":"jpy","payment_method_id":%q,"confirm":true}`, amount, pm["id"]))
	if code != http.StatusOK || f["status"] != "succeeded" {
		t.Fatalf("payment flow: %d %v", code, f)
	}
	return f["id"].(string)
}

// TestBackup_UnderRefundLoadRestoresEveryAcknowledgedRefund backs up the
// database of a serving kessai while eight clients make ¥1 refunds,
// restores the backup into a new file, starts kessai on it, and checks that
// every refund acknowledged before the backup began is there and that the
// ledger balances.
func TestBackup_UnderRefundLoadRestoresEveryAcknowledgedRefund(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	live := "sqlite:" + filepath.Join(dir, "live.db")
	accountID, key := accountOf(t, live)
	srv := serve(t, command{args: []string{"--database-url", live, "--log-level", "warn"}})
	flows := []string{paidCardFlow(t, srv.url, key, 9_999_999), paidCardFlow(t, srv.url, key, 9_999_999)}

	type ack struct {
		id string
		at time.Time // when its answer arrived
	}
	var (
		mu    sync.Mutex
		acked []ack
		wg    sync.WaitGroup
	)
	stop := make(chan struct{})
	for w := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				code, r := post(t, srv.url+"/v2/payment_refunds", key, fmt.Sprintf(`{"payment_flow_id":%q,"amount":1}`, flows[(w+i)%len(flows)]))
				if code != http.StatusOK {
					t.Errorf("refund: %d %v", code, r)
					return
				}
				mu.Lock()
				acked = append(acked, ack{r["id"].(string), time.Now()})
				mu.Unlock()
			}
		}()
	}
	count := func() int { mu.Lock(); defer mu.Unlock(); return len(acked) }
	for deadline := time.Now().Add(30 * time.Second); count() < 100 && time.Now().Before(deadline); {
		time.Sleep(10 * time.Millisecond)
	}
	backupFile := filepath.Join(dir, "backup.db")
	began := time.Now()
	r := runKessai(t, "backup", "--database-url", live, "--to", backupFile)
	ended := time.Now()
	time.Sleep(100 * time.Millisecond) // refunds go on after the backup too
	close(stop)
	wg.Wait()
	if r.code != 0 || !strings.Contains(r.stdout, "integrity ok") {
		t.Fatalf("backup: %v", r)
	}
	var before, during int
	for _, a := range acked {
		switch {
		case a.at.Before(began):
			before++
		case a.at.Before(ended):
			during++
		}
	}
	if before < 100 || during == 0 {
		t.Fatalf("%d refunds acknowledged before the backup and %d during it: the load did not overlap the backup", before, during)
	}
	if st, err := os.Stat(backupFile); err != nil || st.Mode().Perm() != 0o600 {
		t.Errorf("backup file: %v, mode %v, want 0600", err, st.Mode().Perm())
	}
	srv.stop(t)

	restored := "sqlite:" + filepath.Join(dir, "restored.db")
	if r := runKessai(t, "restore", "--from", backupFile, "--database-url", restored); r.code != 0 || !strings.Contains(r.stdout, "integrity ok") {
		t.Fatalf("restore: %v", r)
	}
	srv2 := serve(t, command{args: []string{"--database-url", restored, "--log-level", "warn"}})
	for _, a := range acked {
		if !a.at.Before(began) {
			continue
		}
		if code, got := get(t, srv2.url+"/v2/payment_refunds/"+a.id, key); code != http.StatusOK || got["amount"] != float64(1) {
			t.Errorf("refund %s, acknowledged before the backup began, after the restore: %d %v", a.id, code, got)
		}
	}
	srv2.stop(t)
	store, err := sqlite.Open(context.Background(), restored)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	kessaitest.CheckLedger(t, store, accountID)
	t.Logf("%d refunds acknowledged before the backup, %d during it, %d in all", before, during, len(acked))
}

func TestRestore_RefusesWhatItShouldNot(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	db := "sqlite:" + filepath.Join(dir, "k.db")
	accountOf(t, db)
	backupFile := filepath.Join(dir, "b.db")
	if r := runKessai(t, "backup", "--database-url", db, "--to", backupFile); r.code != 0 {
		t.Fatalf("backup: %v", r)
	}
	garbage := filepath.Join(dir, "garbage.db")
	if err := os.WriteFile(garbage, []byte(strings.Repeat("not a database ", 400)), 0o600); err != nil {
		t.Fatal(err)
	}
	notKessai := filepath.Join(dir, "other.db")
	if err := sqliteExec(notKessai, "CREATE TABLE t (x)"); err != nil {
		t.Fatal(err)
	}
	t.Run("backup onto an existing file", func(t *testing.T) {
		wantFailure(t, runKessai(t, "backup", "--database-url", db, "--to", backupFile), "exists: give a new file")
	})
	t.Run("restore over an existing database", func(t *testing.T) {
		wantFailure(t, runKessai(t, "restore", "--from", backupFile, "--database-url", db), "exists", "--force")
	})
	t.Run("restore of a file that is no database", func(t *testing.T) {
		wantFailure(t, runKessai(t, "restore", "--from", garbage, "--database-url", "sqlite:"+filepath.Join(dir, "n1.db")), "failed its check")
	})
	t.Run("restore of a database that is not kessai's", func(t *testing.T) {
		wantFailure(t, runKessai(t, "restore", "--from", notKessai, "--database-url", "sqlite:"+filepath.Join(dir, "n2.db")), "not a kessai database")
	})
	t.Run("restore over a database being served", func(t *testing.T) {
		srv := serve(t, command{args: []string{"--database-url", db}})
		wantFailure(t, runKessai(t, "restore", "--force", "--from", backupFile, "--database-url", db), "in use by another kessai serve")
		srv.stop(t)
		if r := runKessai(t, "restore", "--force", "--from", backupFile, "--database-url", db); r.code != 0 {
			t.Fatalf("restore --force once stopped: %v", r)
		}
	})
	t.Run("postgres says how to use pg_dump", func(t *testing.T) {
		r := runKessai(t, "backup", "--database-url", "postgres://kessai:hunter2@127.0.0.1:1/kessai", "--to", filepath.Join(dir, "pg.dump"))
		if r.code == 0 || !strings.Contains(r.stdout, "pg_dump") || !strings.Contains(r.stdout, "point-in-time") || strings.Contains(r.stdout+r.stderr, "hunter2") {
			t.Fatalf("want a failure that prints how to use pg_dump, without the password: %v", r)
		}
	})
}

// sqliteExec runs one statement on the SQLite file at path.
func sqliteExec(path, stmt string) error {
	db, err := sql.Open("sqlite", path)
	if err != nil {
		return err
	}
	defer db.Close()
	_, err = db.Exec(stmt)
	return err
}
