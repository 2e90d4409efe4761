package soak_test

import (
	"errors"
	"fmt"
	"net/http"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/kessai/kessai/internal/bintest"
	"github.com/kessai/kessai/internal/testdb"
)

// TestShutdown_SIGTERMUnderLoadAnswersEveryRequest sends SIGTERM to the
// binary while 32 clients make keyed refunds, on both stores: it exits 0,
// within seconds; every request it accepted was answered (a client sees
// only answers, or a refused connection once the listener is closed, never
// a connection cut mid-request); and after a restart on the same database
// every acknowledged refund is there, once.
func TestShutdown_SIGTERMUnderLoadAnswersEveryRequest(t *testing.T) {
	t.Parallel()
	testdb.ForEach(t, func(t *testing.T, dialect string) {
		dbURL := testdb.URL(t, dialect)
		acct := bintest.CreateAccount(t, dbURL, "shutdown")
		srv := bintest.Serve(t, dbURL, "")
		c := newClient(srv.URL, acct.SecretKey)
		flow := c.paidFlow(t, 1_000_000)

		var mu sync.Mutex
		acked := map[string]string{} // key → refund id
		var cut []error
		stop := make(chan struct{})
		var wg sync.WaitGroup
		for w := range 32 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := 0; ; i++ {
					select {
					case <-stop:
						return
					default:
					}
					key := fmt.Sprintf("stop-%d-%d", w, i)
					status, out, err := c.do("POST", "/v2/payment_refunds", map[string]any{"payment_flow_id": flow, "amount": 1}, key)
					mu.Lock()
					switch {
					case err != nil && errors.Is(err, syscall.ECONNREFUSED):
						mu.Unlock()
						return // the listener is closed: nothing was accepted
					case err != nil:
						cut = append(cut, err)
					case status == http.StatusOK:
						acked[key] = out["id"].(string)
					}
					mu.Unlock()
					if err != nil {
						return
					}
				}
			}()
		}
		time.Sleep(500 * time.Millisecond)
		took, code := srv.Terminate()
		close(stop)
		wg.Wait()
		t.Logf("%s: SIGTERM under 32 clients: exit %d after %v; %d refunds acknowledged", dialect, code, took.Round(time.Millisecond), len(acked))
		if code != 0 {
			t.Fatalf("exit code %d after SIGTERM; want 0\n%s", code, srv.Log())
		}
		if took > 10*time.Second {
			t.Errorf("took %v to stop", took)
		}
		if len(cut) > 0 {
			t.Errorf("%d requests were cut rather than answered or refused, e.g. %v", len(cut), cut[0])
		}
		// Restarted: every acknowledged key replays its refund.
		srv = bintest.Serve(t, dbURL, "")
		c = newClient(srv.URL, acct.SecretKey)
		for key, id := range acked {
			status, out, err := c.do("POST", "/v2/payment_refunds", map[string]any{"payment_flow_id": flow, "amount": 1}, key)
			if err != nil || status != http.StatusOK || out["id"] != id {
				t.Fatalf("key %s after the restart: %d %v %v; want refund %s again", key, status, out, err, id)
			}
		}
		srv.Stop()
		if got := refunded(t, dialect, dbURL, acct.ID, flow); got != int64(len(acked)) {
			t.Fatalf("refunded ¥%d after the restart; %d refunds were acknowledged", got, len(acked))
		}
		checkLedger(t, dialect, dbURL, acct.ID)
	})
}
