// Package storetest is the conformance suite of kessai.Store: every
// implementation (sqlite, postgres) runs the same tests through Run, the
// same checks of its migrations through Migrations, and the same checks of
// an upgrade from a database of an older kessai through Upgrade.
package storetest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kessai/kessai"
)

// Run runs the suite; open returns a fresh, empty, migrated store.
func Run(t *testing.T, open func(t *testing.T) kessai.Store) {
	tests := map[string]func(t *testing.T, s kessai.Store){
		"Documents_RoundTripAndScope":    testDocuments,
		"List_PagesNewestFirst":          testList,
		"Insert_DuplicateIsErrDup":       testDuplicate,
		"Update_RollbackLeavesNothing":   testRollback,
		"Update_LockSerialisesWriters":   testLock,
		"Ledger_SumsAndBalances":         testLedger,
		"Idempotency_Lifecycle":          testIdempotency,
		"Jobs_ClaimLeaseFinish":          testJobs,
		"Accounts_LookupAndClock":        testAccounts,
		"Accounts_RotatedKeys":           testAccountKeys,
		"CoreObjects_TypedColumns":       testCoreObjects,
		"List_EveryFilterUsesAnIndex":    testListPlans,
		"Concurrency_ManyReadersWriters": testManyReadersWriters,
		"WebhookEndpoints_TypedColumns":  testWebhookEndpoints,
		"Jobs_Queues":                    testJobQueues,
		"WebhookDeliveries_TypedColumns": testWebhookDeliveries,
		"Emails_OutboxAndSettings":       testEmails,
		"Update_FailedWriteFailsIt":      testFailedWrite,
		"Put_AfterGetInOneUpdate":        testPutAfterGet,
		"Payments_SearchBothFaces":       testSearchPayments,
		"Analytics_RefundAggregates":     testAnalytics,
		"Analytics_ConcurrentRefunds":    testAnalyticsConcurrent,
		"Accounts_List":                  testListAccounts,
		"CheckoutSessions_TypedColumns":  testCheckoutSessions,
		"Transactions_ByTerm":            testTransactionsByTerm,
		"Refunds_ByTimeAcrossFaces":      testRefundsByTime,
	}
	for name, fn := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			fn(t, open(t))
		})
	}
}

var ctx = context.Background()

func mustUpdate(t *testing.T, s kessai.Store, fn func(tx kessai.Tx) error) {
	t.Helper()
	if err := s.Update(ctx, fn); err != nil {
		t.Fatal(err)
	}
}

func mustView(t *testing.T, s kessai.Store, fn func(tx kessai.Tx) error) {
	t.Helper()
	if err := s.View(ctx, fn); err != nil {
		t.Fatal(err)
	}
}

func payment(acct, id string) *kessai.Payment {
	return &kessai.Payment{AccountID: acct, ID: id, Amount: 1000, Currency: "jpy", Status: kessai.StatusRequiresConfirmation,
		Metadata: kessai.Metadata{"k": "v"}, CreatedAt: time.Unix(1700000000, 0).UTC()}
}

func testDocuments(t *testing.T, s kessai.Store) {
	id := kessai.NewID(kessai.PrefixPaymentFlow)
	mustUpdate(t, s, func(tx kessai.Tx) error { return tx.Insert(ctx, payment("acct_a", id)) })
	mustView(t, s, func(tx kessai.Tx) error {
		var p kessai.Payment
		if err := tx.Get(ctx, kessai.KindPayment, "acct_a", id, false, &p); err != nil {
			return err
		}
		if p.Amount != 1000 || p.Metadata["k"] != "v" || !p.CreatedAt.Equal(time.Unix(1700000000, 0)) {
			t.Errorf("round trip changed the payment: %+v", p)
		}
		if err := tx.Get(ctx, kessai.KindPayment, "acct_b", id, false, &p); !errors.Is(err, kessai.ErrNoRows) {
			t.Errorf("another account's lookup: err %v, want ErrNoRows", err)
		}
		return nil
	})
	mustUpdate(t, s, func(tx kessai.Tx) error {
		p := payment("acct_a", id)
		p.Status = kessai.StatusSucceeded
		return tx.Put(ctx, p)
	})
	mustView(t, s, func(tx kessai.Tx) error {
		docs, _, err := tx.List(ctx, kessai.KindPayment, "acct_a", map[string]string{"status": kessai.StatusSucceeded}, kessai.Page{Limit: 10})
		if err != nil {
			return err
		}
		if len(docs) != 1 {
			t.Errorf("status filter after Put: %d docs, want 1", len(docs))
		}
		return nil
	})
	err := s.Update(ctx, func(tx kessai.Tx) error { return tx.Put(ctx, payment("acct_b", id)) })
	if !errors.Is(err, kessai.ErrNoRows) {
		t.Errorf("Put of another account's id: err %v, want ErrNoRows", err)
	}
	mustUpdate(t, s, func(tx kessai.Tx) error { return tx.Delete(ctx, kessai.KindPayment, "acct_a", id) })
	mustView(t, s, func(tx kessai.Tx) error {
		ok, err := tx.Exists(ctx, kessai.KindPayment, "acct_a", id)
		if ok || err != nil {
			t.Errorf("after delete: exists %v err %v", ok, err)
		}
		return nil
	})
}

func testList(t *testing.T, s kessai.Store) {
	var ids []string
	for i := 0; i < 7; i++ {
		id := kessai.NewID(kessai.PrefixRefund)
		ids = append(ids, id)
		reason := "duplicate"
		if i%2 == 1 {
			reason = "fraudulent"
		}
		mustUpdate(t, s, func(tx kessai.Tx) error {
			return tx.Insert(ctx, &kessai.Refund{AccountID: "acct_l", ID: id, PaymentID: "pfw_x", Amount: int64(i), Reason: &reason, Status: "succeeded"})
		})
	}
	mustUpdate(t, s, func(tx kessai.Tx) error {
		return tx.Insert(ctx, &kessai.Refund{AccountID: "acct_other", ID: kessai.NewID(kessai.PrefixRefund), PaymentID: "pfw_x", Status: "succeeded"})
	})
	get := func(filter map[string]string, p kessai.Page) ([]string, bool) {
		var out []string
		var more bool
		mustView(t, s, func(tx kessai.Tx) error {
			docs, m, err := tx.List(ctx, kessai.KindRefund, "acct_l", filter, p)
			more = m
			for _, d := range docs {
				var r kessai.Refund
				_ = json.Unmarshal(d, &r)
				out = append(out, r.ID)
			}
			return err
		})
		return out, more
	}
	first, more := get(nil, kessai.Page{Limit: 3})
	if len(first) != 3 || !more || first[0] != ids[6] || first[2] != ids[4] {
		t.Fatalf("first page %v more %v, want newest three of %v", first, more, ids)
	}
	second, more := get(nil, kessai.Page{Limit: 3, StartingAfter: first[2]})
	if len(second) != 3 || !more || second[0] != ids[3] {
		t.Errorf("second page %v more %v", second, more)
	}
	last, more := get(nil, kessai.Page{Limit: 3, StartingAfter: second[2]})
	if len(last) != 1 || more || last[0] != ids[0] {
		t.Errorf("last page %v more %v", last, more)
	}
	back, more := get(nil, kessai.Page{Limit: 2, EndingBefore: ids[2]})
	if len(back) != 2 || !more || back[0] != ids[4] || back[1] != ids[3] {
		t.Errorf("ending_before page %v more %v, want [%s %s]", back, more, ids[4], ids[3])
	}
	odd, _ := get(map[string]string{"reason": "fraudulent"}, kessai.Page{Limit: 10})
	if len(odd) != 3 {
		t.Errorf("reason filter: %v, want 3", odd)
	}
	mustView(t, s, func(tx kessai.Tx) error {
		if _, _, err := tx.List(ctx, kessai.KindRefund, "acct_l", map[string]string{"nope": "x"}, kessai.Page{Limit: 1}); err == nil {
			t.Error("filter on an unknown column: no error")
		}
		return nil
	})
}

func testDuplicate(t *testing.T, s kessai.Store) {
	c := &kessai.Customer{AccountID: "acct_d", ID: "merchant-42"}
	mustUpdate(t, s, func(tx kessai.Tx) error { return tx.Insert(ctx, c) })
	err := s.Update(ctx, func(tx kessai.Tx) error { return tx.Insert(ctx, c) })
	if !errors.Is(err, kessai.ErrDuplicate) {
		t.Errorf("second insert: %v, want ErrDuplicate", err)
	}
	// the same id in another account is another customer
	mustUpdate(t, s, func(tx kessai.Tx) error {
		return tx.Insert(ctx, &kessai.Customer{AccountID: "acct_e", ID: "merchant-42"})
	})
}

func testRollback(t *testing.T, s kessai.Store) {
	boom := errors.New("boom")
	id := kessai.NewID(kessai.PrefixPaymentFlow)
	err := s.Update(ctx, func(tx kessai.Tx) error {
		if err := tx.Insert(ctx, payment("acct_r", id)); err != nil {
			return err
		}
		if err := tx.InsertLedgerEntries(ctx, []kessai.LedgerEntry{{AccountID: "acct_r", TxnID: "t", PaymentID: id, LedgerAccount: "a", Currency: "jpy", Amount: 5}}); err != nil {
			return err
		}
		if err := tx.InsertJob(ctx, &kessai.Job{ID: kessai.NewID(kessai.PrefixJob), AccountID: "acct_r", Kind: "k", State: kessai.JobPending, MaxAttempts: 3}); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("Update returned %v, want the callback's error", err)
	}
	mustView(t, s, func(tx kessai.Tx) error {
		if ok, _ := tx.Exists(ctx, kessai.KindPayment, "acct_r", id); ok {
			t.Error("rolled-back document exists")
		}
		if b, _ := tx.LedgerBalance(ctx, "acct_r", "a", "jpy"); b != 0 {
			t.Errorf("rolled-back ledger entry counted: %d", b)
		}
		return nil
	})
	mustUpdate(t, s, func(tx kessai.Tx) error {
		jobs, err := tx.ClaimJobs(ctx, kessai.ClaimParams{Now: time.Now().Add(time.Hour), Worker: "w", LockedUntil: time.Now().Add(2 * time.Hour), Limit: 10, AccountID: "acct_r"})
		if len(jobs) != 0 {
			t.Errorf("rolled-back job claimed: %d", len(jobs))
		}
		return err
	})
}

// testFailedWrite: a store may send a write later than the call that made
// it (Conn.ExecLater), so its failure can surface at a later statement or
// at the commit. Either way the transaction does not commit, and the later
// statement does not answer "no rows" for a row that is there.
func testFailedWrite(t *testing.T, s kessai.Store) {
	id := kessai.NewID(kessai.PrefixPaymentFlow)
	mustUpdate(t, s, func(tx kessai.Tx) error { return tx.Insert(ctx, payment("acct_f", id)) })
	ev := &kessai.Event{AccountID: "acct_f", ID: kessai.NewID(kessai.PrefixEvent), Type: "t", Object: "o", ResourceID: id, Data: []byte("{}")}
	err := s.Update(ctx, func(tx kessai.Tx) error {
		putErr := tx.Put(ctx, payment("acct_f", kessai.NewID(kessai.PrefixPaymentFlow))) // not stored
		insErr := tx.Insert(ctx, ev)
		var p kessai.Payment
		getErr := tx.Get(ctx, kessai.KindPayment, "acct_f", id, false, &p)
		if errors.Is(getErr, kessai.ErrNoRows) {
			t.Errorf("Get of a stored payment after a failed Put: %v", getErr)
		}
		return errors.Join(putErr, insErr, getErr)
	})
	if err == nil {
		t.Fatal("Update with a failed Put committed")
	}
	// A callback that ignores every error still does not commit.
	ev2 := &kessai.Event{AccountID: "acct_f", ID: kessai.NewID(kessai.PrefixEvent), Type: "t", Object: "o", ResourceID: id, Data: []byte("{}")}
	err = s.Update(ctx, func(tx kessai.Tx) error {
		_ = tx.Put(ctx, payment("acct_f", kessai.NewID(kessai.PrefixPaymentFlow)))
		_ = tx.Insert(ctx, ev2)
		return nil
	})
	if s.Dialect() == "postgres" && err == nil {
		t.Error("a transaction whose Put failed committed")
	}
	mustView(t, s, func(tx kessai.Tx) error {
		if ok, err := tx.Exists(ctx, kessai.KindEvent, "acct_f", ev.ID); ok || err != nil {
			t.Errorf("event of the failed transaction: exists %v, err %v", ok, err)
		}
		return nil
	})
}

// testPutAfterGet: a store may skip the typed columns of a Put that changes
// none of them since the transaction read the document; a Put that changes
// one must still move the document in the lists filtered on it.
func testPutAfterGet(t *testing.T, s kessai.Store) {
	id := kessai.NewID(kessai.PrefixPaymentFlow)
	mustUpdate(t, s, func(tx kessai.Tx) error { return tx.Insert(ctx, payment("acct_g", id)) })
	desc := "only the document changes"
	mustUpdate(t, s, func(tx kessai.Tx) error {
		var p kessai.Payment
		if err := tx.Get(ctx, kessai.KindPayment, "acct_g", id, true, &p); err != nil {
			return err
		}
		p.Description = &desc
		if err := tx.Put(ctx, &p); err != nil {
			return err
		}
		p.Status = kessai.StatusSucceeded // then a column, in the same transaction
		return tx.Put(ctx, &p)
	})
	mustView(t, s, func(tx kessai.Tx) error {
		var p kessai.Payment
		if err := tx.Get(ctx, kessai.KindPayment, "acct_g", id, false, &p); err != nil {
			return err
		}
		if p.Description == nil || *p.Description != desc || p.Status != kessai.StatusSucceeded {
			t.Errorf("after the Puts: description %v, status %q", p.Description, p.Status)
		}
		for status, want := range map[string]int{kessai.StatusSucceeded: 1, payment("acct_g", id).Status: 0} {
			docs, _, err := tx.List(ctx, kessai.KindPayment, "acct_g", map[string]string{"status": status}, kessai.Page{Limit: 10})
			if err != nil {
				return err
			}
			if len(docs) != want {
				t.Errorf("listed by status %q: %d, want %d", status, len(docs), want)
			}
		}
		return nil
	})
}

// testLock: many concurrent read-modify-write transactions on one document,
// each taking the row lock, lose no update.
func testLock(t *testing.T, s kessai.Store) {
	id := kessai.NewID(kessai.PrefixPaymentFlow)
	mustUpdate(t, s, func(tx kessai.Tx) error { return tx.Insert(ctx, payment("acct_k", id)) })
	const n = 20
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			err := s.Update(ctx, func(tx kessai.Tx) error {
				var p kessai.Payment
				if err := tx.Get(ctx, kessai.KindPayment, "acct_k", id, true, &p); err != nil {
					return err
				}
				time.Sleep(time.Millisecond)
				p.AmountRefunded++
				return tx.Put(ctx, &p)
			})
			if err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	mustView(t, s, func(tx kessai.Tx) error {
		var p kessai.Payment
		if err := tx.Get(ctx, kessai.KindPayment, "acct_k", id, false, &p); err != nil {
			return err
		}
		if p.AmountRefunded != n {
			t.Errorf("after %d locked increments the counter is %d: updates were lost", n, p.AmountRefunded)
		}
		return nil
	})
}

func testLedger(t *testing.T, s kessai.Store) {
	e := func(txn, acct string, amt int64) kessai.LedgerEntry {
		return kessai.LedgerEntry{AccountID: "acct_g", TxnID: txn, PaymentID: "pfw_1", LedgerAccount: acct, Currency: "jpy", Amount: amt}
	}
	mustUpdate(t, s, func(tx kessai.Tx) error {
		return tx.InsertLedgerEntries(ctx, []kessai.LedgerEntry{e("t1", "ext", -100), e("t1", "held", 100), e("t2", "held", -100), e("t2", "cap", 60), e("t2", "ext", 40)})
	})
	mustView(t, s, func(tx kessai.Tx) error {
		if b, _ := tx.LedgerBalance(ctx, "acct_g", "cap", "jpy"); b != 60 {
			t.Errorf("cap balance %d, want 60", b)
		}
		bal, err := tx.LedgerBalances(ctx, "acct_g")
		if err != nil {
			return err
		}
		if bal["held/jpy"] != 0 || bal["ext/jpy"] != -60 {
			t.Errorf("balances %v", bal)
		}
		sums, err := tx.LedgerTxnSums(ctx, "acct_g")
		if sums["t1/jpy"] != 0 || sums["t2/jpy"] != 0 || len(sums) != 2 {
			t.Errorf("txn sums %v", sums)
		}
		return err
	})
	// Movements are the entries written in a half-open interval.
	t0 := time.Date(2026, 1, 31, 15, 0, 0, 0, time.UTC)
	at := func(txn, acct string, amt int64, when time.Time) kessai.LedgerEntry {
		x := e(txn, acct, amt)
		x.AccountID, x.CreatedAt = "acct_m", when
		return x
	}
	mustUpdate(t, s, func(tx kessai.Tx) error {
		return tx.InsertLedgerEntries(ctx, []kessai.LedgerEntry{at("m1", "cap", 70, t0.Add(-time.Microsecond)), at("m1", "ext", -70, t0.Add(-time.Microsecond)),
			at("m2", "cap", 5, t0), at("m2", "ext", -5, t0)})
	})
	mustView(t, s, func(tx kessai.Tx) error {
		before, err := tx.LedgerMovements(ctx, "acct_m", t0.Add(-time.Hour), t0)
		if err != nil {
			return err
		}
		after, err := tx.LedgerMovements(ctx, "acct_m", t0, t0.Add(time.Hour))
		if before["cap/jpy"] != 70 || after["cap/jpy"] != 5 || after["ext/jpy"] != -5 || len(after) != 2 {
			t.Errorf("movements before %v after %v", before, after)
		}
		return err
	})
}

func testIdempotency(t *testing.T, s kessai.Store) {
	now := time.Now().UTC().Truncate(time.Microsecond)
	rec := &kessai.IdempotencyRecord{AccountID: "acct_i", Scope: kessai.ScopeIdempotencyKey, Key: "k1", Operation: "op",
		RequestHash: "h", Status: 201, Body: []byte(`{"a":1}`), CreatedAt: now, ExpiresAt: now.Add(time.Hour)}
	mustUpdate(t, s, func(tx kessai.Tx) error { return tx.InsertIdempotency(ctx, rec) })
	if err := s.Update(ctx, func(tx kessai.Tx) error { return tx.InsertIdempotency(ctx, rec) }); !errors.Is(err, kessai.ErrDuplicate) {
		t.Errorf("second insert: %v, want ErrDuplicate", err)
	}
	// The same key in another scope is another key; a reference id is kept
	// for good.
	ref := *rec
	ref.Scope, ref.ExpiresAt = kessai.ScopeReferenceID, time.Time{}
	mustUpdate(t, s, func(tx kessai.Tx) error { return tx.InsertIdempotency(ctx, &ref) })
	mustView(t, s, func(tx kessai.Tx) error {
		r, err := tx.Idempotency(ctx, "acct_i", kessai.ScopeIdempotencyKey, "k1")
		if err != nil {
			return err
		}
		if r.Status != 201 || string(r.Body) != `{"a":1}` || r.RequestHash != "h" || r.Operation != "op" ||
			!r.CreatedAt.Equal(now) || !r.ExpiresAt.Equal(now.Add(time.Hour)) {
			t.Errorf("stored record %+v", r)
		}
		if _, err := tx.Idempotency(ctx, "acct_other", kessai.ScopeIdempotencyKey, "k1"); !errors.Is(err, kessai.ErrNoRows) {
			t.Errorf("key visible to another account: %v", err)
		}
		return nil
	})
	mustUpdate(t, s, func(tx kessai.Tx) error {
		if n, err := tx.PurgeIdempotency(ctx, now.Add(time.Minute)); n != 0 || err != nil {
			t.Errorf("purged %d (%v) before expiry, want 0", n, err)
		}
		n, err := tx.PurgeIdempotency(ctx, now.Add(2*time.Hour))
		if n != 1 {
			t.Errorf("purged %d, want 1 (the reference id stays)", n)
		}
		return err
	})
	mustView(t, s, func(tx kessai.Tx) error {
		if _, err := tx.Idempotency(ctx, "acct_i", kessai.ScopeReferenceID, "k1"); err != nil {
			t.Errorf("reference id purged: %v", err)
		}
		return nil
	})
	// A keyed write reads the key's record with the account, and stores its
	// own with the commit; a key taken meanwhile fails that commit.
	rec = &kessai.IdempotencyRecord{AccountID: "acct_i", Scope: kessai.ScopeIdempotencyKey, Key: "k2", Operation: "op", RequestHash: "h2",
		Status: 201, Body: []byte("done"), CreatedAt: now}
	mustUpdate(t, s, func(tx kessai.Tx) error {
		return tx.InsertAccount(ctx, &kessai.Account{ID: "acct_i", Name: "i", SecretKeyHash: "hash_i", CreatedAt: now})
	})
	mustUpdate(t, s, func(tx kessai.Tx) error {
		a, r, err := tx.AccountWithIdempotency(ctx, "acct_i", kessai.ScopeIdempotencyKey, "k2")
		if err != nil || a.ID != "acct_i" || r != nil {
			t.Errorf("a free key: account %+v, record %+v, %v", a, r, err)
		}
		return tx.InsertIdempotencyLater(ctx, rec)
	})
	mustView(t, s, func(tx kessai.Tx) error {
		a, r, err := tx.AccountWithIdempotency(ctx, "acct_i", kessai.ScopeIdempotencyKey, "k2")
		if err != nil || a.ID != "acct_i" || r == nil || r.Status != 201 || string(r.Body) != "done" || r.Operation != "op" || r.RequestHash != "h2" {
			t.Errorf("a recorded key: account %+v, record %+v, %v", a, r, err)
		}
		if _, _, err := tx.AccountWithIdempotency(ctx, "acct_nobody", kessai.ScopeIdempotencyKey, "k2"); !errors.Is(err, kessai.ErrNoRows) {
			t.Errorf("another account's key: %v, want ErrNoRows", err)
		}
		return nil
	})
	ev := &kessai.Event{AccountID: "acct_i", ID: kessai.NewID(kessai.PrefixEvent), Type: "t", Object: "o", ResourceID: "r", Data: []byte("{}")}
	err := s.Update(ctx, func(tx kessai.Tx) error {
		if err := tx.Insert(ctx, ev); err != nil {
			return err
		}
		return tx.InsertIdempotencyLater(ctx, rec) // taken by the transaction above
	})
	if !errors.Is(err, kessai.ErrKeyTaken) {
		t.Errorf("storing a taken key: %v, want ErrKeyTaken", err)
	}
	mustView(t, s, func(tx kessai.Tx) error {
		if ok, err := tx.Exists(ctx, kessai.KindEvent, "acct_i", ev.ID); ok || err != nil {
			t.Errorf("the transaction whose key was taken committed its event (exists %v, %v)", ok, err)
		}
		return nil
	})
}

func testJobs(t *testing.T, s kessai.Store) {
	base := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	mk := func(due time.Duration) *kessai.Job {
		return &kessai.Job{ID: kessai.NewID(kessai.PrefixJob), AccountID: "acct_j", Kind: "k", Payload: json.RawMessage(`{"x":1}`),
			State: kessai.JobPending, MaxAttempts: 5, RunAt: base.Add(due), DueAt: base.Add(due), CreatedAt: base}
	}
	early, late := mk(time.Minute), mk(time.Hour)
	mustUpdate(t, s, func(tx kessai.Tx) error {
		if err := tx.InsertJob(ctx, late); err != nil {
			return err
		}
		return tx.InsertJob(ctx, early)
	})
	claim := func(now time.Time, worker string) []*kessai.Job {
		var jobs []*kessai.Job
		mustUpdate(t, s, func(tx kessai.Tx) error {
			var err error
			jobs, err = tx.ClaimJobs(ctx, kessai.ClaimParams{Now: now, Worker: worker, LockedUntil: now.Add(30 * time.Second), Limit: 10})
			return err
		})
		return jobs
	}
	// Jobs that run before a time and are due now (a term's closing waits
	// for them), other kinds than the one asked to except.
	mustView(t, s, func(tx kessai.Tx) error {
		for _, c := range []struct {
			before time.Duration
			now    time.Duration
			except string
			want   int
		}{{2 * time.Hour, 0, "", 0}, {2 * time.Hour, 2 * time.Minute, "", 1}, {2 * time.Hour, 2 * time.Hour, "", 2},
			{time.Hour, 2 * time.Hour, "", 1}, {2 * time.Hour, 2 * time.Hour, "k", 0}} {
			n, err := tx.AccountJobsBefore(ctx, "acct_j", base.Add(c.before), c.except, base.Add(c.now))
			if err != nil {
				return err
			}
			if n != c.want {
				t.Errorf("jobs before +%s due at +%s except %q: %d, want %d", c.before, c.now, c.except, n, c.want)
			}
		}
		return nil
	})
	if got := claim(base, "w1"); len(got) != 0 {
		t.Fatalf("claimed %d jobs before they were due", len(got))
	}
	got := claim(base.Add(2*time.Minute), "w1")
	if len(got) != 1 || got[0].ID != early.ID || got[0].Attempts != 1 || got[0].State != kessai.JobRunning || string(got[0].Payload) != `{"x":1}` {
		t.Fatalf("claim: %+v", got)
	}
	if again := claim(base.Add(2*time.Minute), "w2"); len(again) != 0 {
		t.Errorf("a leased job was claimed again: %d", len(again))
	}
	// lease expired: w2 takes it over; w1's finish is then refused
	over := claim(base.Add(3*time.Minute), "w2")
	if len(over) != 1 || over[0].Attempts != 2 {
		t.Fatalf("take over after lease: %+v", over)
	}
	mustUpdate(t, s, func(tx kessai.Tx) error {
		j := *got[0]
		j.State = kessai.JobDone
		if ok, _ := tx.FinishJob(ctx, &j, "w1"); ok {
			t.Error("a worker that lost its claim finished the job")
		}
		j2 := *over[0]
		j2.State = kessai.JobDone
		ok, err := tx.FinishJob(ctx, &j2, "w2")
		if !ok {
			t.Error("the claim holder could not finish")
		}
		return err
	})
	mustUpdate(t, s, func(tx kessai.Tx) error {
		if err := tx.ShiftJobs(ctx, "acct_j", 59*time.Minute); err != nil {
			return err
		}
		st, err := tx.JobStats(ctx, base.Add(2*time.Minute))
		if st.Due != 1 || st.Running != 0 {
			t.Errorf("stats after shift %+v, want the late job due", st)
		}
		j, _ := tx.Job(ctx, early.ID)
		if j.State != kessai.JobDone {
			t.Errorf("finished job state %s", j.State)
		}
		return err
	})
}

func testAccounts(t *testing.T, s kessai.Store) {
	a := &kessai.Account{ID: kessai.NewID(kessai.PrefixAccount), Name: "a", SecretKeyHash: "hash-a",
		MWS: kessai.MWSCredential{SellerID: "S" + kessai.RandomToken("", 6), AccessKeyID: "K" + kessai.RandomToken("", 6)}, CreatedAt: time.Now().UTC()}
	mustUpdate(t, s, func(tx kessai.Tx) error { return tx.InsertAccount(ctx, a) })
	mustUpdate(t, s, func(tx kessai.Tx) error { return tx.SetAccountClock(ctx, a.ID, 90*time.Second) })
	mustView(t, s, func(tx kessai.Tx) error {
		got, err := tx.AccountBySecretHash(ctx, "hash-a")
		if err != nil {
			return err
		}
		if got.ID != a.ID || got.ClockOffset != 90*time.Second {
			t.Errorf("account %+v", got)
		}
		if _, err := tx.AccountBySecretHash(ctx, "nope"); !errors.Is(err, kessai.ErrNoRows) {
			t.Errorf("unknown key: %v", err)
		}
		byMWS, err := tx.AccountByMWSAccessKey(ctx, a.MWS.AccessKeyID)
		if err != nil || byMWS.ID != a.ID || byMWS.MWS.SellerID != a.MWS.SellerID {
			t.Errorf("by MWS access key: %+v %v", byMWS, err)
		}
		if _, err := tx.AccountByMWSAccessKey(ctx, "AKIA-nope"); !errors.Is(err, kessai.ErrNoRows) {
			t.Errorf("unknown MWS access key: %v", err)
		}
		return nil
	})
}

// testAccountKeys: after UpdateAccount the account is found by its new
// secret key and by the one it replaced, with its state; without a previous
// key only the new one finds it.
func testAccountKeys(t *testing.T, s kessai.Store) {
	a := &kessai.Account{ID: kessai.NewID(kessai.PrefixAccount), Name: "k", SecretKeyHash: "hash-old",
		MWS: kessai.MWSCredential{SellerID: "S" + kessai.RandomToken("", 6), AccessKeyID: "K" + kessai.RandomToken("", 6)}, CreatedAt: time.Now().UTC()}
	mustUpdate(t, s, func(tx kessai.Tx) error { return tx.InsertAccount(ctx, a) })
	expires := time.Unix(1800000000, 0).UTC()
	disabled := time.Unix(1700000000, 0).UTC()
	a.SecretKeyHash, a.PreviousSecretKeyHash, a.PreviousKeyExpiresAt, a.DisabledAt = "hash-new", "hash-old", &expires, &disabled
	mustUpdate(t, s, func(tx kessai.Tx) error { return tx.UpdateAccount(ctx, a) })
	mustView(t, s, func(tx kessai.Tx) error {
		for _, h := range []string{"hash-new", "hash-old"} {
			got, err := tx.AccountBySecretHash(ctx, h)
			if err != nil {
				return fmt.Errorf("by %s: %w", h, err)
			}
			if got.ID != a.ID || got.SecretKeyHash != "hash-new" || got.PreviousSecretKeyHash != "hash-old" ||
				got.PreviousKeyExpiresAt == nil || !got.PreviousKeyExpiresAt.Equal(expires) || got.DisabledAt == nil || !got.DisabledAt.Equal(disabled) {
				t.Errorf("by %s: %+v", h, got)
			}
		}
		return nil
	})
	a.PreviousSecretKeyHash, a.PreviousKeyExpiresAt, a.DisabledAt = "", nil, nil
	mustUpdate(t, s, func(tx kessai.Tx) error { return tx.UpdateAccount(ctx, a) })
	mustView(t, s, func(tx kessai.Tx) error {
		if _, err := tx.AccountBySecretHash(ctx, "hash-old"); !errors.Is(err, kessai.ErrNoRows) {
			t.Errorf("the replaced key once dropped: %v", err)
		}
		if got, err := tx.AccountBySecretHash(ctx, "hash-new"); err != nil || got.DisabledAt != nil {
			t.Errorf("by the new key: %+v %v", got, err)
		}
		return nil
	})
	missing := *a
	missing.ID = "acct_missing"
	err := s.Update(ctx, func(tx kessai.Tx) error { return tx.UpdateAccount(ctx, &missing) })
	if !errors.Is(err, kessai.ErrNoRows) {
		t.Errorf("UpdateAccount of no account: %v, want ErrNoRows", err)
	}
}

// testCoreObjects: authorizations and captures round trip, are listed by
// payment, and their reference ids are unique per account.
func testCoreObjects(t *testing.T, s kessai.Store) {
	at := time.Unix(1700000000, 0).UTC()
	auth := &kessai.Authorization{AccountID: "acct_c", ID: kessai.NewID(kessai.PrefixAuthorization), PaymentID: "pay_1",
		ReferenceID: "auth-ref-1", Method: "amazon", Amount: 11500, Currency: "jpy", State: kessai.AuthOpen,
		ExpiresAt: at.Add(30 * 24 * time.Hour), CreatedAt: at, UpdatedAt: at}
	capture := &kessai.Capture{AccountID: "acct_c", ID: kessai.NewID(kessai.PrefixCapture), PaymentID: "pay_1",
		AuthorizationID: auth.ID, ReferenceID: "cap-ref-1", Method: "amazon", Amount: 10000, Currency: "jpy",
		RefundedAmount: 300, RefundCount: 2, State: kessai.CaptureCompleted, CreatedAt: at, UpdatedAt: at}
	mustUpdate(t, s, func(tx kessai.Tx) error {
		if err := tx.Insert(ctx, auth); err != nil {
			return err
		}
		return tx.Insert(ctx, capture)
	})
	mustView(t, s, func(tx kessai.Tx) error {
		var a kessai.Authorization
		if err := tx.Get(ctx, kessai.KindAuthorization, "acct_c", auth.ID, false, &a); err != nil {
			return err
		}
		if !reflect.DeepEqual(a, *auth) {
			t.Errorf("authorization round trip:\n got %+v\nwant %+v", a, *auth)
		}
		var c kessai.Capture
		if err := tx.Get(ctx, kessai.KindCapture, "acct_c", capture.ID, false, &c); err != nil {
			return err
		}
		if !reflect.DeepEqual(c, *capture) {
			t.Errorf("capture round trip:\n got %+v\nwant %+v", c, *capture)
		}
		docs, _, err := tx.List(ctx, kessai.KindCapture, "acct_c", map[string]string{"authorization_id": auth.ID}, kessai.Page{Limit: 10})
		if err != nil || len(docs) != 1 {
			t.Errorf("captures of the authorization: %d (%v), want 1", len(docs), err)
		}
		return nil
	})
	dup := *auth
	dup.ID = kessai.NewID(kessai.PrefixAuthorization)
	if err := s.Update(ctx, func(tx kessai.Tx) error { return tx.Insert(ctx, &dup) }); !errors.Is(err, kessai.ErrDuplicate) {
		t.Errorf("second authorization with reference id %q: %v, want ErrDuplicate", dup.ReferenceID, err)
	}
	// Another account may use the reference id; objects without one never
	// collide.
	dup.AccountID = "acct_c2"
	mustUpdate(t, s, func(tx kessai.Tx) error { return tx.Insert(ctx, &dup) })
	for i := 0; i < 2; i++ {
		plain := *capture
		plain.ID, plain.ReferenceID = kessai.NewID(kessai.PrefixCapture), ""
		mustUpdate(t, s, func(tx kessai.Tx) error { return tx.Insert(ctx, &plain) })
	}
}

// Explainer is implemented by stores that can show the plan of a list
// query (package sqlstore).
type Explainer interface {
	ExplainList(ctx context.Context, kind kessai.Kind, filter map[string]string) (string, error)
}

// listFilters are the filters the engine lists with.
var listFilters = map[kessai.Kind][]string{
	kessai.KindPaymentMethod:   {"customer_id"},
	kessai.KindPayment:         {"customer_id", "status", "state", "face"},
	kessai.KindAuthorization:   {"payment_id", "state"},
	kessai.KindCapture:         {"payment_id", "authorization_id", "state"},
	kessai.KindRefund:          {"payment_id", "reason", "status", "face"},
	kessai.KindTransaction:     {"type", "payment_method_type", "resource_id", "term_id"},
	kessai.KindEvent:           {"type", "object", "resource_id", "face"},
	kessai.KindTerm:            {"state"},
	kessai.KindSetupFlow:       {"customer_id", "status"},
	kessai.KindPrice:           {"product_id", "lookup_key"},
	kessai.KindCheckoutSession: {"customer_id", "status"},
	kessai.KindWebhookEndpoint: {"kind", "status"},
	kessai.KindWebhookDelivery: {"endpoint_id", "event_id", "status"},
	kessai.KindEmail:           {"status", "refund_id"},
	kessai.KindDispute:         {"payment_id", "status"},
	kessai.KindStatement:       {"term_id", "type"},
	kessai.KindBalance:         {"state", "term_id"},
}

// testListPlans: a list filtered on any one column is answered by an index
// on (account_id, column, …), so its cost grows with the page, not with the
// account's history.
func testListPlans(t *testing.T, s kessai.Store) {
	ex, ok := s.(Explainer)
	if !ok {
		t.Skip("the store cannot explain its queries")
	}
	for kind, cols := range listFilters {
		for _, col := range cols {
			t.Run(string(kind)+"_by_"+col, func(t *testing.T) {
				plan, err := ex.ExplainList(ctx, kind, map[string]string{col: "x"})
				if err != nil {
					t.Fatal(err)
				}
				sqliteOK := strings.Contains(plan, "USING INDEX") && strings.Contains(plan, col+"=?")
				pgOK := strings.Contains(plan, "Index Cond") && strings.Contains(plan, "("+col+" = ")
				if !sqliteOK && !pgOK {
					t.Errorf("the list of %s by %s does not search an index on the column:\n%s", kind, col, plan)
				}
			})
		}
	}
}

// testManyReadersWriters: many more concurrent readers and writers than
// the store has connections all finish (a transaction must never wait for
// a connection of its own pool), and every write is there afterwards.
func testManyReadersWriters(t *testing.T, s kessai.Store) {
	const n = 48
	done := make(chan error, 2*n)
	for i := range n {
		go func() {
			done <- s.View(ctx, func(tx kessai.Tx) error {
				_, err := tx.AccountBySecretHash(ctx, "nope")
				if errors.Is(err, kessai.ErrNoRows) {
					err = nil
				}
				if err == nil {
					_, err = tx.Exists(ctx, kessai.KindRefund, "acct_m", "re_x")
				}
				return err
			})
		}()
		go func() {
			done <- s.Update(ctx, func(tx kessai.Tx) error {
				return tx.Insert(ctx, &kessai.Customer{AccountID: "acct_m", ID: fmt.Sprintf("c-%d", i)})
			})
		}()
	}
	timeout := time.After(30 * time.Second)
	for range 2 * n {
		select {
		case err := <-done:
			if err != nil {
				t.Error(err)
			}
		case <-timeout:
			t.Fatal("concurrent transactions did not finish in 30 s: a pool waits for itself")
		}
	}
	mustView(t, s, func(tx kessai.Tx) error {
		docs, _, err := tx.List(ctx, kessai.KindCustomer, "acct_m", nil, kessai.Page{Limit: 100})
		if len(docs) != n {
			t.Errorf("%d customers after %d concurrent inserts", len(docs), n)
		}
		return err
	})
}
