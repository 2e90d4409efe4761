package storetest

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kessai/kessai"
)

// SearchExplainer is implemented by stores that can show the plan of a
// payment search (package sqlstore).
type SearchExplainer interface {
	ExplainSearch(ctx context.Context, s kessai.PaymentSearch) (string, error)
}

// testSearchPayments: both faces' payments in one list, newest first by
// creation, filtered on each searchable field and a date range, paged by
// cursor without gaps or repeats, scoped to the account.
func testSearchPayments(t *testing.T, s kessai.Store) {
	base := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	var all []*kessai.Payment
	mustUpdate(t, s, func(tx kessai.Tx) error {
		for i := 0; i < 9; i++ {
			p := payment("acct_s", kessai.NewID(kessai.PrefixPaymentFlow))
			p.Kind, p.State, p.Amount = kessai.PaymentFlow, kessai.StateClosed, int64(1000+i%3)
			p.Email = []string{"A@Example.com", "b@example.com", ""}[i%3]
			if i%4 == 0 {
				// an order reference: its id does not sort by time
				p.ID, p.Kind, p.State = "S03-000000"+string(rune('0'+i))+"-0000000", kessai.PaymentOrderReference, kessai.StateOpen
			}
			// created out of id order: one per hour, the ids' order reversed
			p.CreatedAt = base.Add(time.Duration(9-i) * time.Hour)
			all = append(all, p)
			if err := tx.Insert(ctx, p); err != nil {
				return err
			}
		}
		other := payment("acct_s2", kessai.NewID(kessai.PrefixPaymentFlow))
		other.Email, other.CreatedAt = "a@example.com", base
		return tx.Insert(ctx, other)
	})
	ids := func(ps []*kessai.Payment) string {
		var out []string
		for _, p := range ps {
			out = append(out, p.ID)
		}
		return strings.Join(out, ",")
	}
	want := func(keep func(p *kessai.Payment) bool) string {
		var out []*kessai.Payment
		for _, p := range all { // all is newest first already
			if keep(p) {
				out = append(out, p)
			}
		}
		return ids(out)
	}
	search := func(q kessai.PaymentSearch) ([]*kessai.Payment, bool) {
		var got []*kessai.Payment
		var more bool
		mustView(t, s, func(tx kessai.Tx) error {
			var err error
			got, more, err = tx.SearchPayments(ctx, "acct_s", q)
			return err
		})
		return got, more
	}
	cases := map[string]struct {
		q    kessai.PaymentSearch
		keep func(p *kessai.Payment) bool
	}{
		"everything":   {kessai.PaymentSearch{Limit: 50}, func(p *kessai.Payment) bool { return true }},
		"face":         {kessai.PaymentSearch{Face: kessai.FaceMWS, Limit: 50}, func(p *kessai.Payment) bool { return p.Face() == kessai.FaceMWS }},
		"state":        {kessai.PaymentSearch{State: kessai.StateClosed, Limit: 50}, func(p *kessai.Payment) bool { return p.State == kessai.StateClosed }},
		"email_folded": {kessai.PaymentSearch{Email: "a@EXAMPLE.com", Limit: 50}, func(p *kessai.Payment) bool { return p.Email == "A@Example.com" }},
		"amount":       {kessai.PaymentSearch{Amount: 1001, Limit: 50}, func(p *kessai.Payment) bool { return p.Amount == 1001 }},
		"dates": {kessai.PaymentSearch{From: base.Add(3 * time.Hour), To: base.Add(6 * time.Hour), Limit: 50}, func(p *kessai.Payment) bool {
			return !p.CreatedAt.Before(base.Add(3*time.Hour)) && p.CreatedAt.Before(base.Add(6*time.Hour))
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
	// Pages of 2 walk the whole list once, in order.
	var walked []*kessai.Payment
	q := kessai.PaymentSearch{Limit: 2}
	for i := 0; ; i++ {
		page, more := search(q)
		walked = append(walked, page...)
		if !more {
			break
		}
		if i > 10 {
			t.Fatal("paging does not end")
		}
		last := page[len(page)-1]
		q.After = kessai.PaymentCursor{CreatedAt: last.CreatedAt, ID: last.ID}
	}
	if ids(walked) != ids(all) {
		t.Errorf("pages of 2:\n got %s\nwant %s", ids(walked), ids(all))
	}
	ex, ok := s.(SearchExplainer)
	if !ok {
		return
	}
	for name, c := range cases {
		plan, err := ex.ExplainSearch(ctx, c.q)
		if err != nil {
			t.Fatal(err)
		}
		index := "payments_created"
		for col, set := range map[string]bool{"face": c.q.Face != "", "state": c.q.State != "", "email": c.q.Email != "", "amount": c.q.Amount != 0} {
			if set {
				index = "payments_" + col + "_created"
			}
		}
		if !strings.Contains(plan, index+" ") {
			t.Errorf("search %s does not read the index %s:\n%s", name, index, plan)
		}
	}
}

// testAnalytics: the refund aggregates follow the refunds and captures
// written, by Japan day, face, reason and customer; a refund that fails
// or a capture still pending does not count; accounts are apart.
func testAnalytics(t *testing.T, s kessai.Store) {
	// 23:30 UTC on 1 March is 08:30 on 2 March in Japan.
	at := time.Date(2026, 3, 1, 23, 30, 0, 0, time.UTC)
	day := kessai.JSTDay(at)
	if got := kessai.DayStart(day).In(kessai.JST).Format("2006-01-02 15:04"); got != "2026-03-02 00:00" {
		t.Fatalf("DayStart(JSTDay) = %s, want 2026-03-02 00:00", got)
	}
	cust := "cus_1"
	pay := payment("acct_an", kessai.NewID(kessai.PrefixPaymentFlow))
	pay.CustomerID = &cust
	order := payment("acct_an", "S03-1111111-2222222")
	order.Kind, order.Email = kessai.PaymentOrderReference, "Buyer@Example.com"
	capCard := &kessai.Capture{AccountID: "acct_an", ID: kessai.NewID(kessai.PrefixCapture), PaymentID: pay.ID, Method: "card",
		Amount: 5000, Currency: "jpy", State: kessai.CaptureCompleted, CreatedAt: at, UpdatedAt: at}
	capAmazon := &kessai.Capture{AccountID: "acct_an", ID: kessai.NewID(kessai.PrefixCapture), PaymentID: order.ID, Method: "amazon",
		Amount: 3000, Currency: "jpy", State: kessai.CapturePending, CreatedAt: at, UpdatedAt: at}
	dup := "duplicate"
	refund := func(p *kessai.Payment, c *kessai.Capture, amount int64, reason *string, face string) *kessai.Refund {
		return &kessai.Refund{AccountID: "acct_an", ID: kessai.NewID(kessai.PrefixRefund), PaymentID: p.ID, CaptureID: c.ID,
			Amount: amount, Currency: "jpy", Status: kessai.RefundSucceeded, Reason: reason, Face: face, CreatedAt: at, UpdatedAt: at}
	}
	r1 := refund(pay, capCard, 1000, &dup, "")
	r2 := refund(pay, capCard, 700, &dup, kessai.FacePayJP)
	r3 := refund(order, capAmazon, 300, nil, kessai.FaceMWS)
	mustUpdate(t, s, func(tx kessai.Tx) error {
		for _, d := range []kessai.Document{pay, order, capCard, capAmazon, r1, r2, r3} {
			if err := tx.Insert(ctx, d); err != nil {
				return err
			}
		}
		// another account's refund on the same day
		other := refund(pay, capCard, 99999, &dup, "")
		other.AccountID = "acct_an2"
		return tx.Insert(ctx, other)
	})
	// r2 fails; the Amazon capture completes.
	mustUpdate(t, s, func(tx kessai.Tx) error {
		r2.Status = kessai.RefundFailed
		if err := tx.Put(ctx, r2); err != nil {
			return err
		}
		capAmazon.State = kessai.CaptureCompleted
		if err := tx.Put(ctx, capAmazon); err != nil {
			return err
		}
		capCard.RefundedAmount = 1000 // a Put that changes nothing counted
		return tx.Put(ctx, capCard)
	})
	mustView(t, s, func(tx kessai.Tx) error {
		refunds, err := tx.RefundDays(ctx, "acct_an", day, day+1)
		if err != nil {
			return err
		}
		want := []kessai.RefundDay{{Day: day, Face: "mws", Reason: "", Count: 1, Amount: 300},
			{Day: day, Face: "payjp", Reason: "duplicate", Count: 1, Amount: 1000}}
		if !reflect.DeepEqual(refunds, want) {
			t.Errorf("refund days:\n got %+v\nwant %+v", refunds, want)
		}
		if none, err := tx.RefundDays(ctx, "acct_an", day+1, day+30); err != nil || len(none) != 0 {
			t.Errorf("refund days after: %+v %v", none, err)
		}
		captures, err := tx.CaptureDays(ctx, "acct_an", day-1, day+1)
		if err != nil {
			return err
		}
		wantCaps := []kessai.CaptureDay{{Day: day, Face: "mws", Count: 1, Amount: 3000}, {Day: day, Face: "payjp", Count: 1, Amount: 5000}}
		if !reflect.DeepEqual(captures, wantCaps) {
			t.Errorf("capture days:\n got %+v\nwant %+v", captures, wantCaps)
		}
		month := kessai.JSTMonth(at)
		top, err := tx.TopRefundCustomers(ctx, "acct_an", month, month+1, 10)
		if err != nil {
			return err
		}
		wantTop := []kessai.CustomerRefunds{{Customer: "cus_1", Count: 1, Amount: 1000}, {Customer: "buyer@example.com", Count: 1, Amount: 300}}
		if !reflect.DeepEqual(top, wantTop) {
			t.Errorf("top customers:\n got %+v\nwant %+v", top, wantTop)
		}
		return nil
	})
}

// testListAccounts: accounts in id order, paged.
func testListAccounts(t *testing.T, s kessai.Store) {
	var made []string
	mustUpdate(t, s, func(tx kessai.Tx) error {
		for i := 0; i < 3; i++ {
			a := &kessai.Account{ID: kessai.NewID(kessai.PrefixAccount), Name: "list", SecretKeyHash: kessai.RandomToken("h", 8),
				MWS: kessai.MWSCredential{SellerID: kessai.RandomToken("S", 6), AccessKeyID: kessai.RandomToken("K", 6)}, CreatedAt: time.Now().UTC()}
			made = append(made, a.ID)
			if err := tx.InsertAccount(ctx, a); err != nil {
				return err
			}
		}
		return nil
	})
	mustView(t, s, func(tx kessai.Tx) error {
		first, err := tx.ListAccounts(ctx, "", 2)
		if err != nil {
			return err
		}
		rest, err := tx.ListAccounts(ctx, first[len(first)-1].ID, 10)
		if err != nil {
			return err
		}
		var got []string
		for _, a := range append(first, rest...) {
			if a.Name == "list" {
				got = append(got, a.ID)
			}
		}
		if strings.Join(got, ",") != strings.Join(made, ",") || len(first) != 2 {
			t.Errorf("accounts listed %v (first page %d), want %v", got, len(first), made)
		}
		return nil
	})
}

// testAnalyticsConcurrent: refunds written by concurrent transactions (on
// SQLite, units of one batch whose additions are summed at its end) count
// once each, and one rolled back counts not at all.
func testAnalyticsConcurrent(t *testing.T, s kessai.Store) {
	at := time.Date(2026, 5, 10, 3, 0, 0, 0, time.UTC)
	day, month := kessai.JSTDay(at), kessai.JSTMonth(at)
	cust := "cus_c"
	pay := payment("acct_ac", kessai.NewID(kessai.PrefixPaymentFlow))
	pay.CustomerID = &cust
	mustUpdate(t, s, func(tx kessai.Tx) error { return tx.Insert(ctx, pay) })
	errNo := errors.New("changed my mind")
	var wg sync.WaitGroup
	for i := range 40 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := &kessai.Refund{AccountID: "acct_ac", ID: kessai.NewID(kessai.PrefixRefund), PaymentID: pay.ID, CaptureID: "cap_x",
				Amount: int64(100 + i), Currency: "jpy", Status: kessai.RefundSucceeded, CreatedAt: at, UpdatedAt: at}
			err := s.Update(ctx, func(tx kessai.Tx) error {
				if err := tx.Insert(ctx, r); err != nil {
					return err
				}
				if i%4 == 3 {
					return errNo // rolled back: its refund never counts
				}
				return nil
			})
			if err != nil && !errors.Is(err, errNo) {
				t.Errorf("refund %d: %v", i, err)
			}
		}()
	}
	wg.Wait()
	var n, amount int64
	for i := range 40 {
		if i%4 != 3 {
			n, amount = n+1, amount+int64(100+i)
		}
	}
	mustView(t, s, func(tx kessai.Tx) error {
		days, err := tx.RefundDays(ctx, "acct_ac", day, day+1)
		if err != nil {
			return err
		}
		if want := []kessai.RefundDay{{Day: day, Face: "payjp", Reason: "", Count: n, Amount: amount}}; !reflect.DeepEqual(days, want) {
			t.Errorf("refund days:\n got %+v\nwant %+v", days, want)
		}
		top, err := tx.TopRefundCustomers(ctx, "acct_ac", month, month+1, 10)
		if err != nil {
			return err
		}
		if want := []kessai.CustomerRefunds{{Customer: "cus_c", Count: n, Amount: amount}}; !reflect.DeepEqual(top, want) {
			t.Errorf("top customers:\n got %+v\nwant %+v", top, want)
		}
		return nil
	})
}
