package engine_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/kessai/kessai"
	"github.com/kessai/kessai/accounting"
	"github.com/kessai/kessai/engine"
	"github.com/kessai/kessai/internal/kessaitest"
	"github.com/kessai/kessai/internal/testdb"
	"github.com/kessai/kessai/worker"
)

// TestListStatements_DateFiltersPageExactly: statements filtered by their
// creation time page like any list, forward and back, with has_more exact,
// though the filter is applied after the store's query.
func TestListStatements_DateFiltersPageExactly(t *testing.T) {
	t.Parallel()
	testdb.ForEach(t, func(t *testing.T, dialect string) {
		ctx := context.Background()
		e, acct := kessaitest.NewEngine(t, dialect)
		w, err := worker.New(e, nil, worker.Config{})
		if err != nil {
			t.Fatal(err)
		}
		for range 9 { // nine months, each with a payment: nine closed terms
			kessaitest.PaidCardFlow(t, e, acct, "4242424242424242")
			if _, err := w.Advance(ctx, acct, 31*24*time.Hour); err != nil {
				t.Fatal(err)
			}
		}
		all, _, err := accounting.ListStatements(e, ctx, acct, accounting.StatementFilter{}, kessai.Page{Limit: 100})
		if err != nil || len(all) < 8 {
			t.Fatalf("statements: %d, %v", len(all), err)
		}
		// All but the newest and the oldest.
		since, until := all[len(all)-2].CreatedAt, all[1].CreatedAt
		var want []string
		for _, s := range all {
			if !s.CreatedAt.Before(since) && !s.CreatedAt.After(until) {
				want = append(want, s.ID)
			}
		}
		f := accounting.StatementFilter{Since: &since, Until: &until}
		engine.SetListWhereStep(e, 3) // several reads of the store per page
		var got []string
		page := kessai.Page{Limit: 2}
		for {
			items, more, err := accounting.ListStatements(e, ctx, acct, f, page)
			if err != nil {
				t.Fatal(err)
			}
			for _, s := range items {
				got = append(got, s.ID)
			}
			if !more {
				break
			}
			page.StartingAfter = items[len(items)-1].ID
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("forward pages:\n got %v\nwant %v", got, want)
		}
		// Back from the oldest: the two just newer, newest first.
		back, more, err := accounting.ListStatements(e, ctx, acct, f, kessai.Page{Limit: 2, EndingBefore: want[len(want)-1]})
		if err != nil || !more || len(back) != 2 || back[0].ID != want[len(want)-3] || back[1].ID != want[len(want)-2] {
			t.Fatalf("page before %s: %v more=%v %v; want %v", want[len(want)-1], ids(back), more, err, want[len(want)-3:len(want)-1])
		}
	})
}

func ids(ss []*kessai.Statement) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = s.ID
	}
	return out
}
