package soak_test

import (
	"database/sql"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/kessai/kessai/internal/bintest"
	_ "modernc.org/sqlite"
)

// smallFS mounts an 8 MiB tmpfs for the test (root only; CI runs as root)
// and unmounts it when the test ends.
func smallFS(t *testing.T) string {
	t.Helper()
	if os.Geteuid() != 0 {
		if os.Getenv("CI") != "" {
			t.Fatal("this test mounts a small filesystem: run CI as root")
		}
		t.Skip("mounting a small filesystem needs root")
	}
	dir := t.TempDir()
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=8m", "tmpfs", dir).CombinedOutput(); err != nil {
		t.Fatalf("mount tmpfs: %v: %s", err, out)
	}
	t.Cleanup(func() { _ = exec.Command("umount", "-l", dir).Run() })
	return dir
}

// fill writes a file until the filesystem has no space left.
func fill(t *testing.T, path string) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	buf := make([]byte, 64<<10)
	for {
		if _, err := f.Write(buf); err != nil {
			if errors.Is(err, syscall.ENOSPC) {
				_ = f.Sync()
				return
			}
			t.Fatal(err)
		}
	}
}

// TestOutage_SQLiteDiskFull runs the real binary on SQLite on a small
// filesystem filled to the brim: refunds are answered 503
// service_unavailable with Retry-After (never 500), nothing acknowledged
// is lost, and once space returns every refused key makes its refund, once,
// and the database and the ledger check out.
func TestOutage_SQLiteDiskFull(t *testing.T) {
	t.Parallel()
	dir := smallFS(t)
	dbURL := "sqlite:" + filepath.Join(dir, "kessai.db")
	acct := bintest.CreateAccount(t, dbURL, "diskfull")
	srv := bintest.Serve(t, dbURL, "")
	c := newClient(srv.URL, acct.SecretKey)
	flow := c.paidFlow(t, 1_000_000)

	fill(t, filepath.Join(dir, "filler"))
	var refused, done []string
	for i := 0; i < 90 && len(refused) < 3; i++ {
		key := fmt.Sprintf("full-%d", i)
		status, hdr, out := c.send(t, "POST", "/v2/payment_refunds", map[string]any{"payment_flow_id": flow, "amount": 1}, key)
		switch {
		case status == http.StatusOK:
			done = append(done, out["id"].(string))
		case status == http.StatusServiceUnavailable && out["code"] == "service_unavailable" && hdr.Get("Retry-After") == "1":
			refused = append(refused, key)
		default:
			t.Fatalf("refund on a full disk: %d %v (Retry-After %q)\n%s", status, out, hdr.Get("Retry-After"), srv.Log())
		}
	}
	if len(refused) == 0 {
		t.Fatalf("90 refunds on a full disk all succeeded: the filesystem was not full")
	}
	t.Logf("full disk: %d refunds acknowledged before the first 503, %d refused", len(done), len(refused))

	if err := os.Remove(filepath.Join(dir, "filler")); err != nil {
		t.Fatal(err)
	}
	back := time.Now()
	for _, key := range refused {
		for {
			status, _, out := c.send(t, "POST", "/v2/payment_refunds", map[string]any{"payment_flow_id": flow, "amount": 1}, key)
			if status == http.StatusOK {
				done = append(done, out["id"].(string))
				break
			}
			if time.Since(back) > 5*time.Second {
				t.Fatalf("still %d %v 5 s after space returned", status, out)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	list := c.must(t, "GET", "/v2/payment_refunds?payment_flow_id="+flow+"&limit=100", nil)
	data, _ := list["data"].([]any)
	if len(data) != len(done) {
		t.Fatalf("%d refunds listed, %d acknowledged (one per key)", len(data), len(done))
	}
	srv.Stop()
	checkLedger(t, "sqlite", dbURL, acct.ID)
	db, err := sql.Open("sqlite", filepath.Join(dir, "kessai.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var check string
	if err := db.QueryRow("PRAGMA integrity_check").Scan(&check); err != nil || check != "ok" {
		t.Fatalf("integrity_check: %q %v", check, err)
	}
}
