package soak_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/kessai/kessai"
	"github.com/kessai/kessai/internal/bintest"
	"github.com/kessai/kessai/internal/testdb"
	"github.com/kessai/kessai/postgres"
	"github.com/kessai/kessai/sqlite"
)

// refunded reads what a flow has refunded from the database the binary
// wrote.
func refunded(t *testing.T, dialect, dbURL, accountID, flowID string) int64 {
	t.Helper()
	open := sqlite.Open
	if dialect == "postgres" {
		open = postgres.Open
	}
	store, err := open(context.Background(), dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	var p kessai.Payment
	err = store.View(context.Background(), func(tx kessai.Tx) error {
		return tx.Get(context.Background(), kessai.KindPayment, accountID, flowID, false, &p)
	})
	if err != nil {
		t.Fatal(err)
	}
	return p.AmountRefunded
}

// TestOverload_ShedsOneAccountsFloodNotTheOther runs the real binary with
// room for one transaction at a time and a 300 ms queue, on both stores.
// One account floods it with 256 clients making keyed ¥1 refunds while a
// second account makes refunds one after another: the flood is partly
// shed — 429 rate_limit_exceeded with Retry-After, nothing written, the
// same key a first try later — and the second account is never shed. In
// the end every key made exactly one refund and the ledger balances.
func TestOverload_ShedsOneAccountsFloodNotTheOther(t *testing.T) {
	t.Parallel()
	testdb.ForEach(t, func(t *testing.T, dialect string) {
		dbURL := testdb.URL(t, dialect)
		a := bintest.CreateAccount(t, dbURL, "flood")
		b := bintest.CreateAccount(t, dbURL, "quiet")
		srv := bintest.Serve(t, dbURL, "", "--max-inflight", "1", "--max-queue-wait", "300ms")
		ca, cb := newClient(srv.URL, a.SecretKey), newClient(srv.URL, b.SecretKey)
		flowA, flowB := ca.paidFlow(t, 1_000_000), cb.paidFlow(t, 1_000_000)

		var mu sync.Mutex
		shed, madeA := []string{}, 0
		stop := make(chan struct{})
		var flood sync.WaitGroup
		for w := range 256 {
			flood.Add(1)
			go func() {
				defer flood.Done()
				for i := 0; ; i++ {
					select {
					case <-stop:
						return
					default:
					}
					key := fmt.Sprintf("a-%d-%d", w, i)
					status, hdr, out := ca.send(t, "POST", "/v2/payment_refunds", map[string]any{"payment_flow_id": flowA, "amount": 1}, key)
					mu.Lock()
					switch {
					case status == http.StatusOK:
						madeA++
					case status == http.StatusTooManyRequests && out["code"] == "rate_limit_exceeded":
						if s, err := strconv.Atoi(hdr.Get("Retry-After")); err != nil || s < 1 {
							t.Errorf("shed without a Retry-After: %q", hdr.Get("Retry-After"))
						}
						shed = append(shed, key)
					default:
						t.Errorf("flood refund: %d %v", status, out)
					}
					mu.Unlock()
				}
			}()
		}
		// The flood fills the queue until it is shed.
		for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(10 * time.Millisecond) {
			mu.Lock()
			n := len(shed)
			mu.Unlock()
			if n > 0 {
				break
			}
			if time.Now().After(deadline) {
				close(stop)
				flood.Wait()
				t.Fatal("256 clients against one slot were not shed in 10 s")
			}
		}
		var slowest time.Duration
		for i := range 20 {
			start := time.Now()
			status, _, out := cb.send(t, "POST", "/v2/payment_refunds", map[string]any{"payment_flow_id": flowB, "amount": 1}, fmt.Sprintf("b-%d", i))
			slowest = max(slowest, time.Since(start))
			if status != http.StatusOK {
				t.Errorf("the quiet account's refund %d during the flood: %d %v", i, status, out)
			}
		}
		close(stop)
		flood.Wait()
		t.Logf("%s: flood made %d refunds, %d shed; the quiet account's slowest refund took %v", dialect, madeA, len(shed), slowest.Round(time.Millisecond))
		retried := shed[:min(len(shed), 50)]
		for _, key := range retried {
			for {
				status, _, out := ca.send(t, "POST", "/v2/payment_refunds", map[string]any{"payment_flow_id": flowA, "amount": 1}, key)
				if status == http.StatusOK {
					break
				}
				if status != http.StatusTooManyRequests {
					t.Fatalf("retry of a shed key: %d %v", status, out)
				}
				time.Sleep(10 * time.Millisecond)
			}
		}
		resp, err := http.Get(srv.URL + "/metrics")
		if err != nil {
			t.Fatal(err)
		}
		metrics, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		// A request is shed by the write queue, or before it by the read
		// queue (the account's key is read again every few seconds).
		shedTotal := 0
		for _, m := range regexp.MustCompile(`(?m)^kessai_admission_shed_total\{queue="(?:write|read)"\} (\d+)$`).FindAllSubmatch(metrics, -1) {
			n, _ := strconv.Atoi(string(m[1]))
			shedTotal += n
		}
		if shedTotal < len(shed) {
			t.Errorf("kessai_admission_shed_total (write + read) = %d; the flood saw %d", shedTotal, len(shed))
		}
		if !bytes.Contains(metrics, []byte(`kessai_admission_queue_wait_seconds_count{queue="write"}`)) {
			t.Errorf("no queue-wait histogram in /metrics")
		}
		srv.Stop()
		if got, want := refunded(t, dialect, dbURL, a.ID, flowA), int64(madeA+len(retried)); got != want {
			t.Fatalf("refunded ¥%d; want ¥%d: one ¥1 refund per acknowledged or retried key, none for a shed one", got, want)
		}
		checkLedger(t, dialect, dbURL, a.ID)
	})
}
