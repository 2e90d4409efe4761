package storetest

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/kessai/kessai"
)

// testCheckoutSessions: a session keeps its line items, exact amounts and
// expiry through a round trip; its status and customer columns follow Put,
// and lists filter on them within the account.
func testCheckoutSessions(t *testing.T, s kessai.Store) {
	exp := time.Date(2026, 1, 11, 5, 0, 0, 123000, time.UTC)
	sub, total := int64(2000), int64(2200)
	cus := "cus_x"
	sess := &kessai.CheckoutSession{AccountID: "acct_cs", ID: kessai.NewID(kessai.PrefixCheckout), Mode: kessai.CheckoutModePayment,
		Status: kessai.CheckoutOpen, Currency: "jpy", CustomerID: &cus, AmountSubtotal: &sub, AmountTotal: &total, ExpiresAt: exp,
		LineItems: []kessai.LineItem{{ID: "li_1", Price: kessai.Price{ID: "price_1", UnitAmount: 1000}, Quantity: 2,
			TaxRates: []kessai.TaxRate{{ID: "txr_1", Percentage: 100000}}, AmountSubtotal: 2000, AmountTax: 200, AmountTotal: 2200}}}
	other := &kessai.CheckoutSession{AccountID: "acct_cs2", ID: kessai.NewID(kessai.PrefixCheckout), Status: kessai.CheckoutOpen, ExpiresAt: exp}
	mustUpdate(t, s, func(tx kessai.Tx) error {
		if err := tx.Insert(ctx, sess); err != nil {
			return err
		}
		return tx.Insert(ctx, other)
	})
	count := func(acct string, filter map[string]string) int {
		var n int
		mustView(t, s, func(tx kessai.Tx) error {
			docs, _, err := tx.List(ctx, kessai.KindCheckoutSession, acct, filter, kessai.Page{Limit: 10})
			n = len(docs)
			return err
		})
		return n
	}
	mustView(t, s, func(tx kessai.Tx) error {
		var got kessai.CheckoutSession
		if err := tx.Get(ctx, kessai.KindCheckoutSession, "acct_cs", sess.ID, false, &got); err != nil {
			return err
		}
		if !got.ExpiresAt.Equal(exp) || *got.AmountTotal != 2200 || len(got.LineItems) != 1 ||
			got.LineItems[0].TaxRates[0].Percentage != 100000 || got.LineItems[0].AmountTax != 200 {
			b, _ := json.Marshal(got)
			t.Errorf("round trip changed the session: %s", b)
		}
		return nil
	})
	if n := count("acct_cs", map[string]string{"status": kessai.CheckoutOpen}); n != 1 {
		t.Errorf("open sessions of the account: %d, want 1", n)
	}
	if n := count("acct_cs", map[string]string{"customer_id": cus}); n != 1 {
		t.Errorf("sessions of the customer: %d, want 1", n)
	}
	sess.Status = kessai.CheckoutExpired
	mustUpdate(t, s, func(tx kessai.Tx) error { return tx.Put(ctx, sess) })
	if n := count("acct_cs", map[string]string{"status": kessai.CheckoutOpen}); n != 0 {
		t.Errorf("open sessions after expiry: %d, want 0", n)
	}
	if n := count("acct_cs", map[string]string{"status": kessai.CheckoutExpired}); n != 1 {
		t.Errorf("expired sessions: %d, want 1", n)
	}
	if n := count("acct_cs2", nil); n != 1 {
		t.Errorf("the other account's sessions: %d, want 1", n)
	}
}

// testTransactionsByTerm: transactions list by the term they count in.
func testTransactionsByTerm(t *testing.T, s kessai.Store) {
	mustUpdate(t, s, func(tx kessai.Tx) error {
		for i, term := range []string{"tm_a", "tm_a", "tm_b", ""} {
			if err := tx.Insert(ctx, &kessai.Transaction{AccountID: "acct_tt", ID: kessai.NewID(kessai.PrefixTransaction), Type: kessai.TxnPayment,
				Amount: int64(i), TermID: term}); err != nil {
				return err
			}
		}
		return tx.Insert(ctx, &kessai.Transaction{AccountID: "acct_tt2", ID: kessai.NewID(kessai.PrefixTransaction), Type: kessai.TxnPayment, TermID: "tm_a"})
	})
	for term, want := range map[string]int{"tm_a": 2, "tm_b": 1, "tm_c": 0} {
		mustView(t, s, func(tx kessai.Tx) error {
			docs, _, err := tx.List(ctx, kessai.KindTransaction, "acct_tt", map[string]string{"term_id": term}, kessai.Page{Limit: 10})
			if len(docs) != want {
				t.Errorf("transactions of %s: %d, want %d", term, len(docs), want)
			}
			return err
		})
	}
}
