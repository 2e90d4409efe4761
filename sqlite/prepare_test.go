package sqlite_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/kessai/kessai"
	"github.com/kessai/kessai/sqlite"
)

// TestListQueriesArePreparedAfterFirstUse: a list shape that the store
// did not prepare at open runs unprepared once, inside the writer's
// transaction (which holds the pool's only connection: waiting for it
// would deadlock), and is prepared in the background for the next time.
func TestListQueriesArePreparedAfterFirstUse(t *testing.T) {
	ctx := context.Background()
	s, err := sqlite.Open(ctx, "sqlite:"+filepath.Join(t.TempDir(), "k.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	filter := map[string]string{"payment_id": "pay_x", "status": "succeeded"}
	q, err := s.ListQuery(kessai.KindRefund, filter)
	if err != nil {
		t.Fatal(err)
	}
	if s.Prepared(q) {
		t.Fatal("the shape was prepared before its first use")
	}
	list := func() {
		t.Helper()
		err := s.Update(ctx, func(tx kessai.Tx) error {
			_, _, err := tx.List(ctx, kessai.KindRefund, "acct_p", filter, kessai.Page{Limit: 10})
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	list() // would hang here if preparing waited for the writer's connection
	deadline := time.Now().Add(5 * time.Second)
	for !s.Prepared(q) {
		if time.Now().After(deadline) {
			t.Fatal("the list query was not prepared after its first use")
		}
		time.Sleep(10 * time.Millisecond)
	}
	list() // and the prepared statement answers
}
