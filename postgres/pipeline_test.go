package postgres_test

import (
	"context"
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
