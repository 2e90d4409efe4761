package server_test

import (
	"testing"
	"time"

	"github.com/kessai/kessai/internal/kessaitest"
	"github.com/kessai/kessai/internal/testdb"
)

// TestTerms_MonthlyInJapanTime: transactions count in the calendar month
// (JST) their time falls in; the term closes when the account's clock
// passes the month's end, and the next transaction opens the next term.
func TestTerms_MonthlyInJapanTime(t *testing.T) {
	t.Parallel()
	testdb.ForEach(t, func(t *testing.T, dialect string) {
		s := kessaitest.Start(t, dialect, kessaitest.Options{})
		flow := s.PaidCardFlow(3000)
		txns := must(t, s.Get("/v2/payment_transactions"), 200).Data()
		first, _ := txns[0]["term_id"].(string)
		if first == "" {
			t.Fatalf("transaction without a term: %v", txns[0])
		}
		term := must(t, s.Get("/v2/terms/"+first), 200)
		start, _ := time.Parse(time.RFC3339, term.Str("start_at"))
		if term.JSON["closed"] != false || term.JSON["end_at"] != nil || start.In(time.FixedZone("JST", 9*3600)).Day() != 1 ||
			start.In(time.FixedZone("JST", 9*3600)).Hour() != 0 {
			t.Fatalf("open term: %s", term.Body)
		}
		// A refund in the same month counts in the same term.
		must(t, s.Post("/v2/payment_refunds", map[string]any{"payment_flow_id": flow, "amount": 100}), 200)
		if got := must(t, s.Get("/v2/payment_transactions?limit=1"), 200).Data()[0]["term_id"]; got != first {
			t.Errorf("refund in the same month counts in %v, want %s", got, first)
		}
		// Past the month's end the term closes (the clock advance runs its job).
		s.Advance(32 * 24 * time.Hour)
		closed := must(t, s.Get("/v2/terms/"+first), 200)
		end, _ := time.Parse(time.RFC3339, closed.Str("end_at"))
		if closed.JSON["closed"] != true || !end.Equal(start.In(time.FixedZone("JST", 9*3600)).AddDate(0, 1, 0)) {
			t.Errorf("term after its month: %s", closed.Body)
		}
		must(t, s.Post("/v2/payment_refunds", map[string]any{"payment_flow_id": flow, "amount": 100}), 200)
		second, _ := must(t, s.Get("/v2/payment_transactions?limit=1"), 200).Data()[0]["term_id"].(string)
		if second == "" || second == first {
			t.Errorf("a refund in the next month counts in %q", second)
		}
		ids, _ := listIDs(t, s, "/v2/terms", "")
		if len(ids) != 2 || ids[0] != second || ids[1] != first {
			t.Errorf("terms %v, want [%s %s]", ids, second, first)
		}
		// Listed by term: the payment and the first refund, then the second refund.
		for term, want := range map[string]int{first: 2, second: 1, "tm_none": 0} {
			for _, txn := range must(t, s.Get("/v2/payment_transactions?limit=100&term_id="+term), 200).Data() {
				if txn["term_id"] != term {
					t.Errorf("term_id=%s listed a transaction of %v", term, txn["term_id"])
				}
			}
			if n := count(t, s, "/v2/payment_transactions?term_id="+term); n != want {
				t.Errorf("transactions of term %s: %d, want %d", term, n, want)
			}
		}
		if n := count(t, s, "/v2/payment_transactions?type=refund&term_id="+first); n != 1 {
			t.Errorf("refunds of the first term: %d, want 1", n)
		}
		s.CheckLedger()
	})
}
