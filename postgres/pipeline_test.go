package postgres_test

import (
	"context"
	"errors"
	"testing"

	"github.com/kessai/kessai"
	"github.com/kessai/kessai/internal/testdb"
)

// TestView_RefusesWrites: a read-only transaction runs without BEGIN (each
// statement on its own), so it must refuse a write rather than commit it.
func TestView_RefusesWrites(t *testing.T) {
	ctx := context.Background()
	s := testdb.Open(t, "postgres")
	p := &kessai.Payment{AccountID: "acct_v", ID: kessai.NewID(kessai.PrefixPaymentFlow), Status: kessai.StatusSucceeded}
	if err := s.Update(ctx, func(tx kessai.Tx) error { return tx.Insert(ctx, p) }); err != nil {
		t.Fatal(err)
	}
	ev := &kessai.Event{AccountID: "acct_v", ID: kessai.NewID(kessai.PrefixEvent), Type: "t", Object: "o", ResourceID: p.ID, Data: []byte("{}")}
	err := s.View(ctx, func(tx kessai.Tx) error {
		var got kessai.Payment
		if err := tx.Get(ctx, kessai.KindPayment, "acct_v", p.ID, false, &got); err != nil {
			t.Errorf("read in a view: %v", err)
		}
		if err := tx.Insert(ctx, ev); err != nil {
			return err
		}
		return tx.Insert(ctx, &kessai.Customer{AccountID: "acct_v", ID: "c1"})
	})
	if err == nil {
		t.Fatal("a view that writes succeeded")
	}
	_ = s.View(ctx, func(tx kessai.Tx) error {
		for kind, id := range map[kessai.Kind]string{kessai.KindEvent: ev.ID, kessai.KindCustomer: "c1"} {
			if ok, err := tx.Exists(ctx, kind, "acct_v", id); ok || err != nil {
				t.Errorf("%s written by a view: exists %v, err %v", kind, ok, err)
			}
		}
		return nil
	})
}

// TestPipeline_CheckedWriteAtCommit: a write that must change a row (a Put)
// and waits to go with the COMMIT fails the transaction when it changes
// none, before anything is committed: what the transaction wrote beside it
// is not kept.
func TestPipeline_CheckedWriteAtCommit(t *testing.T) {
	ctx := context.Background()
	s := testdb.Open(t, "postgres")
	ev := &kessai.Event{AccountID: "acct_c", ID: kessai.NewID(kessai.PrefixEvent), Type: "t", Object: "o", ResourceID: "r", Data: []byte("{}")}
	missing := &kessai.Payment{AccountID: "acct_c", ID: kessai.NewID(kessai.PrefixPaymentFlow), Status: kessai.StatusSucceeded}
	err := s.Update(ctx, func(tx kessai.Tx) error {
		if err := tx.Insert(ctx, ev); err != nil {
			return err
		}
		return tx.Put(ctx, missing) // no such payment: sent with the COMMIT
	})
	if !errors.Is(err, kessai.ErrNoRows) {
		t.Errorf("a transaction whose last Put changed no row: %v, want ErrNoRows", err)
	}
	_ = s.View(ctx, func(tx kessai.Tx) error {
		if ok, err := tx.Exists(ctx, kessai.KindEvent, "acct_c", ev.ID); ok || err != nil {
			t.Errorf("the event written beside the failed Put was committed (exists %v, err %v)", ok, err)
		}
		return nil
	})
}
