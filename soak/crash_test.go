// Package soak runs the real kessai binary through crashes and races:
// kill -9 under concurrent refunds with Idempotency-Keys, and two server
// processes refunding one payment on one PostgreSQL database.
//
// make test runs a few trials. For a soak run, set KESSAI_CRASH_TRIALS:
//
//	KESSAI_CRASH_TRIALS=100 go test ./soak -run Crash -timeout 2h -v
package soak_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/kessai/kessai/internal/bintest"
	"github.com/kessai/kessai/internal/kessaitest"
	"github.com/kessai/kessai/internal/testdb"
	"github.com/kessai/kessai/postgres"
	"github.com/kessai/kessai/sqlite"
)

// client is a merchant's client of one server.
type client struct {
	url, key string
	http     *http.Client
}

func newClient(url, key string) *client {
	return &client{url: url, key: key, http: &http.Client{Timeout: 10 * time.Second,
		Transport: &http.Transport{MaxIdleConnsPerHost: 32}}}
}

// do sends a request; err is a transport error (no answer).
func (c *client) do(method, path string, body any, key string) (int, map[string]any, error) {
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequestWithContext(context.Background(), method, c.url+path, rd)
	req.Header.Set("Authorization", "Bearer "+c.key)
	if key != "" {
		req.Header.Set("Idempotency-Key", key)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return 0, nil, err
	}
	var out map[string]any
	_ = json.Unmarshal(raw, &out)
	return resp.StatusCode, out, nil
}

func (c *client) must(t *testing.T, method, path string, body any) map[string]any {
	t.Helper()
	status, out, err := c.do(method, path, body, "")
	if err != nil || status != 200 {
		t.Fatalf("%s %s: %d %v %v", method, path, status, out, err)
	}
	return out
}

// paidFlow makes a card flow of amount that succeeded.
func (c *client) paidFlow(t *testing.T, amount int) string {
	t.Helper()
	pm := c.must(t, "POST", "/v2/payment_methods", map[string]any{"type": "card",
		"card":            map[string]any{"number": "4242424242424242", "exp_month": 12, "exp_year": 2035, "cvc": "123"},
		"billing_details": map[string]any{"email": "soak@example.com"}})
	f := c.must(t, "POST", "/v2/payment_flows", map[string]any{"amount": amount, "currency": "jpy", "payment_method_id": pm["id"], "confirm": true})
	return f["id"].(string)
}

func trials() int {
	if n, err := strconv.Atoi(os.Getenv("KESSAI_CRASH_TRIALS")); err == nil && n > 0 {
		return n
	}
	return 2
}

// TestCrash_AcknowledgedRefundsSurviveKill9 kills the server (SIGKILL) at a
// random moment under 16 clients making ¥1 refunds with Idempotency-Keys,
// restarts it on the same database, and checks that every acknowledged
// refund is there, that retrying every key whose answer was lost makes each
// at most one refund, and that the ledger agrees with every object.
func TestCrash_AcknowledgedRefundsSurviveKill9(t *testing.T) {
	t.Parallel()
	testdb.ForEach(t, func(t *testing.T, dialect string) {
		for trial := range trials() {
			t.Run(fmt.Sprintf("trial_%d", trial), func(t *testing.T) { crashTrial(t, dialect) })
		}
	})
}

func crashTrial(t *testing.T, dialect string) {
	dbURL := testdb.URL(t, dialect)
	acct := bintest.CreateAccount(t, dbURL, "crash")
	addr := bintest.FreeAddr(t)
	srv := bintest.Serve(t, dbURL, addr)
	c := newClient(srv.URL, acct.SecretKey)
	flows := []string{c.paidFlow(t, 9_999_999), c.paidFlow(t, 9_999_999), c.paidFlow(t, 9_999_999), c.paidFlow(t, 9_999_999)}

	type attempt struct {
		key, flow string
		refundID  string // acknowledged
	}
	var mu sync.Mutex
	var acked, lost []attempt
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for w := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				a := attempt{key: fmt.Sprintf("w%d-%d", w, i), flow: flows[(w+i)%len(flows)]}
				status, out, err := c.do("POST", "/v2/payment_refunds", map[string]any{"payment_flow_id": a.flow, "amount": 1}, a.key)
				mu.Lock()
				switch {
				case err != nil || status >= 500:
					lost = append(lost, a) // the answer was lost: the merchant retries
					mu.Unlock()
					return
				case status == 200:
					a.refundID, _ = out["id"].(string)
					acked = append(acked, a)
				default:
					mu.Unlock()
					t.Errorf("refund %s: %d %v", a.key, status, out)
					return
				}
				mu.Unlock()
			}
		}()
	}
	// Kill at a random moment once refunds are being acknowledged (on a
	// busy machine the first answer may take longer than the delay).
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		mu.Lock()
		n := len(acked) + len(lost)
		mu.Unlock()
		if n > 0 {
			break
		}
	}
	time.Sleep(time.Duration(200+rand.IntN(1300)) * time.Millisecond)
	srv.Kill()
	close(stop)
	wg.Wait()
	if len(acked) == 0 {
		t.Fatalf("no refund was acknowledged before the kill:\n%s", srv.Log())
	}

	srv = bintest.Serve(t, dbURL, addr)
	c = newClient(srv.URL, acct.SecretKey)
	for _, a := range acked {
		if status, out, err := c.do("GET", "/v2/payment_refunds/"+a.refundID, nil, ""); err != nil || status != 200 || out["amount"] != float64(1) {
			t.Errorf("acknowledged refund %s (key %s) after restart: %d %v %v", a.refundID, a.key, status, out, err)
		}
	}
	retried := 0
	for _, a := range lost {
		for range 2 { // a retry, and the retry's retry: one refund either way
			status, out, err := c.do("POST", "/v2/payment_refunds", map[string]any{"payment_flow_id": a.flow, "amount": 1}, a.key)
			if err != nil || status != 200 {
				t.Fatalf("retry of %s: %d %v %v", a.key, status, out, err)
			}
		}
		retried++
	}
	refunds := countRefunds(t, c)
	if refunds < len(acked) || refunds > len(acked)+retried {
		t.Errorf("%d refunds for %d acknowledged and %d retried keys: a key refunded twice or an acknowledged refund is gone", refunds, len(acked), retried)
	}
	srv.Stop()
	checkLedger(t, dialect, dbURL, acct.ID)
	t.Logf("%d acknowledged, %d retried after the kill, %d refunds", len(acked), retried, refunds)
}

// countRefunds pages through every refund of the account.
func countRefunds(t *testing.T, c *client) int {
	t.Helper()
	n, after := 0, ""
	for {
		path := "/v2/payment_refunds?limit=100"
		if after != "" {
			path += "&starting_after=" + after
		}
		out := c.must(t, "GET", path, nil)
		data := out["data"].([]any)
		n += len(data)
		if more, _ := out["has_more"].(bool); !more || len(data) == 0 {
			return n
		}
		after = data[len(data)-1].(map[string]any)["id"].(string)
	}
}

// checkLedger opens the database the binary wrote and checks every object
// against its ledger accounts.
func checkLedger(t *testing.T, dialect, dbURL, accountID string) {
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
	kessaitest.CheckLedger(t, store, accountID)
}

// TestRace_TwoProcessesOnOnePostgreSQL: 32 concurrent ¥500 refunds of one
// ¥10,000 flow, split between two kessai processes on one database, refund
// exactly ¥10,000: 20 succeed and 12 are refused.
func TestRace_TwoProcessesOnOnePostgreSQL(t *testing.T) {
	t.Parallel()
	dbURL := testdb.PostgresURL(t)
	acct := bintest.CreateAccount(t, dbURL, "race")
	a := newClient(bintest.Serve(t, dbURL, "").URL, acct.SecretKey)
	b := newClient(bintest.Serve(t, dbURL, "", "--no-worker").URL, acct.SecretKey)
	flow := a.paidFlow(t, 10_000)
	var wg sync.WaitGroup
	var mu sync.Mutex
	codes := map[string]int{}
	for i := range 32 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := a
			if i%2 == 1 {
				c = b
			}
			status, out, err := c.do("POST", "/v2/payment_refunds", map[string]any{"payment_flow_id": flow, "amount": 500}, "")
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err != nil:
				t.Error(err)
			case status == 200:
				codes["ok"]++
			default:
				code, _ := out["code"].(string)
				codes[code]++
			}
		}()
	}
	wg.Wait()
	if codes["ok"] != 20 || codes["refund_exceeds_payment"]+codes["already_refunded"] != 12 {
		t.Errorf("outcomes %v, want 20 ok and 12 refused", codes)
	}
	f := b.must(t, "GET", "/v2/payment_flows/"+flow, nil)
	refunds := b.must(t, "GET", "/v2/payment_flows/"+flow+"/refunds?limit=100", nil)["data"].([]any)
	var sum float64
	for _, r := range refunds {
		sum += r.(map[string]any)["amount"].(float64)
	}
	if sum != 10_000 || f["amount_received"] != float64(10_000) {
		t.Errorf("refunds sum to %v of a flow that received %v", sum, f["amount_received"])
	}
	checkLedger(t, "postgres", dbURL, acct.ID)
}
