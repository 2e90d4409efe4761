package upgradetest

import (
	"context"
	"database/sql"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/kessai/kessai"
	"github.com/kessai/kessai/sqlstore"
)

// RefundTimesVersion is the migration that gives refunds their creation
// time column, filled from their documents.
const RefundTimesVersion = 21

// RefundTimes checks migration 21 on the database of fx, loaded into db and
// not migrated: it migrates db to the version before, writes refunds as
// that schema holds them (Amazon refunds, whose ids sort before every
// re_…, made between and after the fixture's PAY.JP refunds; times with
// nanoseconds, in two refunds' one microsecond, with no fraction, in
// Japan's zone), then opens the store with open, which migrates it, and
// lists the account's refunds newest first by time: every refund is
// there, in the order it was made, and pages of one walk the list both
// ways with cursors made from the refunds themselves.
func RefundTimes(t *testing.T, fx V1Fixture, db *sql.DB, m sqlstore.Migrations, open func(ctx context.Context) (kessai.Store, error)) {
	t.Helper()
	ctx := context.Background()
	p, err := m.Provider(db)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.UpTo(ctx, RefundTimesVersion-1); err != nil {
		t.Fatalf("migrate to %d: %v", RefundTimesVersion-1, err)
	}
	at := map[string]time.Time{}
	for _, id := range []string{fx.PaidRefunds[0], fx.PaidRefunds[1], fx.PayPayRefund} {
		var data string
		if err := db.QueryRowContext(ctx, "SELECT data FROM refunds WHERE account_id = $1 AND id = $2", fx.AccountID, id).Scan(&data); err != nil {
			t.Fatalf("refund %s: %v", id, err)
		}
		var r kessai.Refund
		if err := json.Unmarshal([]byte(data), &r); err != nil {
			t.Fatal(err)
		}
		at[id] = r.CreatedAt
	}
	first, second, paypay := at[fx.PaidRefunds[0]], at[fx.PaidRefunds[1]], at[fx.PayPayRefund]
	if !first.Before(second) || !second.Before(paypay) {
		t.Fatalf("the fixture's refunds were made at %s, %s, %s: want them in that order", first, second, paypay)
	}
	mid := first.Add(second.Sub(first) / 2).Truncate(time.Microsecond)
	if !mid.After(first) {
		t.Fatalf("no microsecond between the fixture's first refunds (%s, %s)", first, second)
	}
	later := paypay.Truncate(time.Second).Add(2 * time.Second)
	legacy := []*kessai.Refund{
		// one microsecond: by id, descending (re_ before S…), the
		// nanoseconds cut, not rounded up
		{ID: "S03-1111111-1111111-R000001", Face: kessai.FaceMWS, CreatedAt: mid.Add(999 * time.Nanosecond)},
		{ID: "re_00000000000000000000000000", Face: kessai.FacePayJP, CreatedAt: mid},
		// a whole second, and half a second later in Japan's zone
		{ID: "S03-1111111-1111111-R000002", Face: kessai.FaceMWS, CreatedAt: later},
		{ID: "S03-1111111-1111111-R000003", Face: kessai.FaceMWS, CreatedAt: later.Add(500 * time.Millisecond).In(kessai.JST)},
	}
	for _, r := range legacy {
		r.AccountID, r.PaymentID, r.Amount, r.Currency, r.Status = fx.AccountID, "S03-1111111-1111111", 100, "jpy", kessai.RefundPending
		r.UpdatedAt = r.CreatedAt
		data, err := json.Marshal(r)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.ExecContext(ctx, `INSERT INTO refunds (account_id, id, payment_id, reason, status, data, capture_id, reference_id, amount, face)
			VALUES ($1, $2, $3, '', $4, $5, '', '', $6, $7)`, r.AccountID, r.ID, r.PaymentID, r.Status, string(data), r.Amount, r.Face); err != nil {
			t.Fatalf("write refund %s at version %d: %v", r.ID, RefundTimesVersion-1, err)
		}
	}
	if !strings.Contains(mustJSON(t, legacy[0]), ".") || !strings.Contains(mustJSON(t, legacy[3]), "+09:00") {
		t.Fatalf("the refunds' times are not written as the test means: %s, %s", mustJSON(t, legacy[0]), mustJSON(t, legacy[3]))
	}

	store, err := open(ctx)
	if err != nil {
		t.Fatalf("open after version %d: %v", RefundTimesVersion-1, err)
	}
	t.Cleanup(func() { store.Close() })
	want := []string{legacy[3].ID, legacy[2].ID, fx.PayPayRefund, fx.PaidRefunds[1], legacy[1].ID, legacy[0].ID, fx.PaidRefunds[0]}
	search := func(q kessai.RefundSearch) ([]*kessai.Refund, bool) {
		t.Helper()
		var out []*kessai.Refund
		var more bool
		mustView(t, store, func(tx kessai.Tx) error {
			var err error
			out, more, err = tx.RefundsByTime(ctx, fx.AccountID, q)
			return err
		})
		return out, more
	}
	all, more := search(kessai.RefundSearch{Limit: 50})
	if got := idsOf(all, func(r *kessai.Refund) string { return r.ID }); strings.Join(got, ",") != strings.Join(want, ",") || more {
		t.Fatalf("refunds by time after the migration:\n got %v\nwant %v", got, want)
	}
	for _, r := range all {
		if r.ID == fx.PaidRefunds[0] && (r.Amount != 1000 || r.Status != kessai.RefundSucceeded) ||
			r.ID == fx.PayPayRefund && (r.Amount != 400 || r.Status != kessai.RefundPending) {
			t.Errorf("refund %s: %d %s", r.ID, r.Amount, r.Status)
		}
	}
	cursor := func(r *kessai.Refund) kessai.RefundCursor {
		return kessai.RefundCursor{CreatedAt: r.CreatedAt, ID: r.ID}
	}
	var walked []string
	q := kessai.RefundSearch{Limit: 1}
	for range want {
		page, more := search(q)
		if len(page) != 1 {
			break
		}
		walked = append(walked, page[0].ID)
		if !more {
			break
		}
		q.After = cursor(page[0])
	}
	if strings.Join(walked, ",") != strings.Join(want, ",") {
		t.Errorf("pages of one, older:\n got %v\nwant %v", walked, want)
	}
	for i := len(all) - 1; i > 0; i-- {
		page, _ := search(kessai.RefundSearch{Limit: 1, Before: cursor(all[i])})
		if len(page) != 1 || page[0].ID != want[i-1] {
			t.Errorf("the page newer than %s: %v, want %s", want[i], idsOf(page, func(r *kessai.Refund) string { return r.ID }), want[i-1])
		}
	}
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
