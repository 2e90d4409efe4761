package storetest

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/kessai/kessai"
)

// RefundsExplainer is implemented by stores that can show the plan of a
// RefundSearch (package sqlstore).
type RefundsExplainer interface {
	ExplainRefundsByTime(ctx context.Context, s kessai.RefundSearch) (string, error)
}

// testRefundsByTime: both faces' refunds in one list, newest first by
// creation whatever their ids (an Amazon refund's S…-R… sorts before every
// re_…), refunds of the same microsecond by id descending; pages walk the
// list both ways without gaps or repeats; filters and accounts apart; the
// list reads the index that leads with the account and the time.
func testRefundsByTime(t *testing.T, s kessai.Store) {
	base := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	// newest first: what every search must return, filtered.
	var all []*kessai.Refund
	add := func(id, face, reason string, at time.Time) {
		r := &kessai.Refund{AccountID: "acct_rt", ID: id, PaymentID: "pfw_x", Amount: 100, Currency: "jpy",
			Status: kessai.RefundSucceeded, Face: face, CreatedAt: at}
		if reason != "" {
			r.Reason = &reason
		}
		all = append(all, r)
	}
	amazon := func(n int) string { return fmt.Sprintf("S03-0000000-000000%d-R%06d", n, n) }
	pay := func(n int) string { return fmt.Sprintf("re_%026d", n) }
	// Amazon refunds between PAY.JP ones; ids in no time order.
	add(pay(1), kessai.FacePayJP, "duplicate", base.Add(9*time.Hour))
	add(amazon(9), kessai.FaceMWS, "", base.Add(8*time.Hour))
	add(pay(7), kessai.FacePayJP, "fraudulent", base.Add(7*time.Hour))
	// three in one microsecond (nanoseconds apart): by id, descending
	tie := base.Add(6*time.Hour + 123456*time.Microsecond)
	add(pay(5), kessai.FacePayJP, "", tie.Add(999*time.Nanosecond))
	add(pay(4), kessai.FacePayJP, "duplicate", tie)
	add(amazon(6), kessai.FaceMWS, "", tie.Add(500*time.Nanosecond))
	add(pay(9), kessai.FacePayJP, "", base.Add(5*time.Hour))
	add(amazon(2), kessai.FaceMWS, "", base.Add(4*time.Hour))
	add("rf_v2_0001", kessai.FaceAmazonV2, "", base.Add(3*time.Hour))
	add(pay(3), kessai.FacePayJP, "duplicate", base.Add(2*time.Hour))
	add(amazon(1), kessai.FaceMWS, "", base.Add(time.Hour))
	mustUpdate(t, s, func(tx kessai.Tx) error {
		for i := len(all) - 1; i >= 0; i-- { // oldest first, as made
			if err := tx.Insert(ctx, all[i]); err != nil {
				return err
			}
		}
		other := &kessai.Refund{AccountID: "acct_rt2", ID: pay(8), PaymentID: "pfw_x", Status: kessai.RefundSucceeded, CreatedAt: base.Add(7 * time.Hour)}
		return tx.Insert(ctx, other)
	})
	// A Put (a status change) keeps the refund's place.
	mustUpdate(t, s, func(tx kessai.Tx) error {
		r := *all[2]
		r.Status = kessai.RefundFailed
		all[2].Status = kessai.RefundFailed
		return tx.Put(ctx, &r)
	})
	ids := func(rs []*kessai.Refund) string {
		var out []string
		for _, r := range rs {
			out = append(out, r.ID)
		}
		return strings.Join(out, ",")
	}
	want := func(keep func(r *kessai.Refund) bool) string {
		var out []*kessai.Refund
		for _, r := range all {
			if keep(r) {
				out = append(out, r)
			}
		}
		return ids(out)
	}
	search := func(q kessai.RefundSearch) ([]*kessai.Refund, bool) {
		t.Helper()
		var got []*kessai.Refund
		var more bool
		mustView(t, s, func(tx kessai.Tx) error {
			var err error
			got, more, err = tx.RefundsByTime(ctx, "acct_rt", q)
			return err
		})
		return got, more
	}
	reason := func(r *kessai.Refund) string {
		if r.Reason == nil {
			return ""
		}
		return *r.Reason
	}
	cases := map[string]struct {
		q    kessai.RefundSearch
		keep func(r *kessai.Refund) bool
	}{
		"everything": {kessai.RefundSearch{Limit: 50}, func(*kessai.Refund) bool { return true }},
		"face":       {kessai.RefundSearch{Face: kessai.FaceMWS, Limit: 50}, func(r *kessai.Refund) bool { return r.Face == kessai.FaceMWS }},
		"reason":     {kessai.RefundSearch{Reason: "duplicate", Limit: 50}, func(r *kessai.Refund) bool { return reason(r) == "duplicate" }},
		"status":     {kessai.RefundSearch{Status: kessai.RefundFailed, Limit: 50}, func(r *kessai.Refund) bool { return r.Status == kessai.RefundFailed }},
		"face_and_reason": {kessai.RefundSearch{Face: kessai.FacePayJP, Reason: "duplicate", Limit: 50}, func(r *kessai.Refund) bool {
			return r.Face == kessai.FacePayJP && reason(r) == "duplicate"
		}},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			got, more := search(c.q)
			if ids(got) != want(c.keep) || more {
				t.Errorf("search %+v:\n got %s (more %v)\nwant %s", c.q, ids(got), more, want(c.keep))
			}
		})
	}
	if got := want(func(*kessai.Refund) bool { return true }); !strings.HasPrefix(got, pay(1)+","+amazon(9)+","+pay(7)+","+pay(5)+","+pay(4)+","+amazon(6)+",") {
		t.Fatalf("the test's own order is wrong: %s", got)
	}

	cursor := func(r *kessai.Refund) kessai.RefundCursor {
		return kessai.RefundCursor{CreatedAt: r.CreatedAt, ID: r.ID}
	}
	for _, size := range []int{1, 2, 3, 4} {
		t.Run(fmt.Sprintf("pages_of_%d", size), func(t *testing.T) {
			// Older pages from the newest walk the whole list once, in order.
			var pages [][]*kessai.Refund
			q := kessai.RefundSearch{Limit: size}
			for i := 0; ; i++ {
				page, more := search(q)
				if len(page) == 0 || len(page) > size {
					t.Fatalf("page %d of %d refunds", i, len(page))
				}
				pages = append(pages, page)
				if !more {
					break
				}
				if i > len(all) {
					t.Fatal("paging does not end")
				}
				q = kessai.RefundSearch{Limit: size, After: cursor(page[len(page)-1])}
			}
			var walked []*kessai.Refund
			for _, p := range pages {
				walked = append(walked, p...)
			}
			if ids(walked) != ids(all) {
				t.Errorf("older pages:\n got %s\nwant %s", ids(walked), ids(all))
			}
			// Newer pages from the last page's first refund give each
			// page back, newest first; the newest says there is no more.
			for i := len(pages) - 1; i > 0; i-- {
				got, more := search(kessai.RefundSearch{Limit: size, Before: cursor(pages[i][0])})
				if ids(got) != ids(pages[i-1]) || more != (i-1 > 0) {
					t.Errorf("the page newer than page %d:\n got %s (more %v)\nwant %s (more %v)", i, ids(got), more, ids(pages[i-1]), i-1 > 0)
				}
			}
		})
	}
	t.Run("newer_than_the_newest_is_empty", func(t *testing.T) {
		if got, more := search(kessai.RefundSearch{Limit: 5, Before: cursor(all[0])}); len(got) != 0 || more {
			t.Errorf("newer than the newest: %s (more %v)", ids(got), more)
		}
	})
	t.Run("a_cursor_is_a_place_not_a_refund", func(t *testing.T) {
		// A cursor names a time and an id, not a row: one whose refund is
		// not there (another account's, or a filter's leftover) still
		// pages from its place.
		at := kessai.RefundCursor{CreatedAt: base.Add(7*time.Hour + time.Minute), ID: "re_gone"}
		older, _ := search(kessai.RefundSearch{Limit: 2, After: at})
		newer, more := search(kessai.RefundSearch{Limit: 5, Before: at})
		if ids(older) != pay(7)+","+pay(5) || ids(newer) != pay(1)+","+amazon(9) || more {
			t.Errorf("around a missing refund: older %s, newer %s (more %v)", ids(older), ids(newer), more)
		}
	})
	t.Run("filtered_pages", func(t *testing.T) {
		first, more := search(kessai.RefundSearch{Face: kessai.FaceMWS, Limit: 2})
		rest, more2 := search(kessai.RefundSearch{Face: kessai.FaceMWS, Limit: 2, After: cursor(first[1])})
		back, _ := search(kessai.RefundSearch{Face: kessai.FaceMWS, Limit: 2, Before: cursor(rest[0])})
		if ids(first) != amazon(9)+","+amazon(6) || !more || ids(rest) != amazon(2)+","+amazon(1) || more2 || ids(back) != ids(first) {
			t.Errorf("Amazon refunds by pages of 2: %s (more %v), then %s (more %v), back %s", ids(first), more, ids(rest), more2, ids(back))
		}
	})

	ex, ok := s.(RefundsExplainer)
	if !ok {
		return
	}
	for _, q := range []kessai.RefundSearch{{Limit: 25}, {Limit: 25, After: cursor(all[3])}, {Limit: 25, Before: cursor(all[3])}} {
		plan, err := ex.ExplainRefundsByTime(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(plan, "refunds_created") || strings.Contains(plan, "TEMP B-TREE") || strings.Contains(plan, "Sort") {
			t.Errorf("a list of refunds %+v does not read the index refunds_created in its order:\n%s", q, plan)
		}
	}
}
