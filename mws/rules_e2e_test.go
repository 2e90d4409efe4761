package mws_test

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/kessai/kessai/amazonorder"
	"github.com/kessai/kessai/internal/kessaitest"
	"github.com/kessai/kessai/internal/testdb"
)

// TestE2E_SeedAmountRules runs seed 001's examples through the MWS face.
func TestE2E_SeedAmountRules(t *testing.T) {
	t.Parallel()
	testdb.ForEach(t, func(t *testing.T, dialect string) {
		s := kessaitest.Start(t, dialect, kessaitest.Options{})
		c := newClient(s)
		t.Run("10000_allows_11500", func(t *testing.T) {
			id := openOrder(s, c, 10000)
			authorize(c, id, "s1-over", "11501", nil).fails(t, 400, "TransactionAmountExceeded")
			authorize(c, id, "s1-max", "11500", nil).ok(t, "Authorize")
		})
		t.Run("20000_then_3000_not_3001", func(t *testing.T) {
			id := openOrder(s, c, 20000)
			authorize(c, id, "s2-a", "20000", nil).ok(t, "Authorize")
			authorize(c, id, "s2-b", "3001", nil).fails(t, 400, "TransactionAmountExceeded")
			authorize(c, id, "s2-c", "3000", nil).ok(t, "Authorize")
		})
		t.Run("100000_allows_8400_not_15000", func(t *testing.T) {
			id := openOrder(s, c, 100000)
			authorize(c, id, "s3-a", "108401", nil).fails(t, 400, "TransactionAmountExceeded")
			authorize(c, id, "s3-b", "108400", nil).ok(t, "Authorize")
		})
		t.Run("fractional_yen_is_refused", func(t *testing.T) {
			id := openOrder(s, c, 10000)
			authorize(c, id, "s4", "1000.5", nil).fails(t, 400, "InvalidParameterValue")
		})
		s.CheckLedger()
	})
}

// TestE2E_ConcurrentAuthorizations: 32 concurrent ¥1,000 Authorize calls on
// one ¥10,000 order reference never hold more than ¥11,500 in total, and
// 16 concurrent calls with one reference id make one authorization.
func TestE2E_ConcurrentAuthorizations(t *testing.T) {
	t.Parallel()
	testdb.ForEach(t, func(t *testing.T, dialect string) {
		s := kessaitest.Start(t, dialect, kessaitest.Options{})
		c := newClient(s)
		id := openOrder(s, c, 10000)
		var wg sync.WaitGroup
		var mu sync.Mutex
		outcomes := map[string]int{}
		for i := range 32 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				r := authorize(c, id, fmt.Sprintf("race-%d", i), "1000", nil)
				mu.Lock()
				defer mu.Unlock()
				if r.Status == 200 {
					outcomes["ok"]++
				} else {
					outcomes[r.get("Error/Code")]++
				}
			}()
		}
		wg.Wait()
		if outcomes["ok"] != 11 || outcomes["TransactionAmountExceeded"] != 21 {
			t.Errorf("outcomes %v, want 11 authorized (¥11,000 ≤ ¥11,500) and 21 TransactionAmountExceeded", outcomes)
		}
		o, err := amazonorder.GetOrderReference(context.Background(), s.Main.E, s.Acct(), id)
		if err != nil {
			t.Fatal(err)
		}
		if o.AuthorizedAmount != 11000 {
			t.Errorf("authorized %d, want 11000", o.AuthorizedAmount)
		}

		id2 := openOrder(s, c, 10000)
		bodies := make([]string, 16)
		for i := range 16 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				r := authorize(c, id2, "one-ref", "2000", nil)
				bodies[i] = fmt.Sprintf("%d %s", r.Status, r.get("AuthorizeResult/AuthorizationDetails/AmazonAuthorizationId"))
			}()
		}
		wg.Wait()
		for i, b := range bodies {
			if b != bodies[0] || b[:3] != "200" || len(b) < 20 {
				t.Errorf("request %d answered %q, request 0 %q", i, b, bodies[0])
			}
		}
		o2, _ := amazonorder.GetOrderReference(context.Background(), s.Main.E, s.Acct(), id2)
		if len(o2.Order.Authorizations) != 1 || o2.AuthorizedAmount != 2000 {
			t.Errorf("16 concurrent requests with one reference id: %d authorizations, %d authorized", len(o2.Order.Authorizations), o2.AuthorizedAmount)
		}
		s.CheckLedger()
	})
}

// TestE2E_SimulatedFaultAfterCommit: an Authorize answered 500 after its
// commit (Kessai-Simulate), retried with its reference id, is the same
// authorization: one hold.
func TestE2E_SimulatedFaultAfterCommit(t *testing.T) {
	t.Parallel()
	testdb.ForEach(t, func(t *testing.T, dialect string) {
		s := kessaitest.Start(t, dialect, kessaitest.Options{})
		c := newClient(s)
		id := openOrder(s, c, 10000)
		faulty := c.with(func(c *client) { c.header = map[string]string{"Kessai-Simulate": "error_after_commit"} })
		authorize(faulty, id, "fault-1", "4000", nil).fails(t, 500, "InternalServerError")
		r := authorize(c, id, "fault-1", "4000", nil).ok(t, "Authorize")
		if r.get("AuthorizeResult/AuthorizationDetails/AmazonAuthorizationId") == "" {
			t.Errorf("retry: %s", r.Body)
		}
		o, err := amazonorder.GetOrderReference(context.Background(), s.Main.E, s.Acct(), id)
		if err != nil {
			t.Fatal(err)
		}
		if len(o.Order.Authorizations) != 1 || o.AuthorizedAmount != 4000 {
			t.Errorf("after a fault and a retry: %d authorizations, %d authorized", len(o.Order.Authorizations), o.AuthorizedAmount)
		}
		s.CheckLedger()
	})
}
