package server_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/kessai/kessai/internal/kessaitest"
	"github.com/kessai/kessai/internal/testdb"
	"github.com/kessai/kessai/payjpflow"
)

var jst = time.FixedZone("JST", 9*3600)

// items returns a statement's items by subject.
func items(t *testing.T, st map[string]any) map[string]int64 {
	t.Helper()
	out := map[string]int64{}
	for _, it := range st["items"].([]any) {
		m := it.(map[string]any)
		out[m["subject"].(string)] = int64(m["amount"].(float64))
	}
	return out
}

// termOf returns the id of the term the newest transaction counts in.
func newestTerm(t *testing.T, s *kessaitest.Server) string {
	t.Helper()
	id, _ := must(t, s.Get("/v2/payment_transactions?limit=1"), 200).Data()[0]["term_id"].(string)
	return id
}

// TestAccounting_MonthToBalance: a month (January, JST) of card and PayPay
// payments with the default fees, partial refunds and one lost dispute;
// the clock passes the month's end, the term closes, and its statement
// and balance hold the exact items and fees. The next month refunds more
// than it sells and ends in a claim.
func TestAccounting_MonthToBalance(t *testing.T) {
	t.Parallel()
	testdb.ForEach(t, func(t *testing.T, dialect string) {
		s := kessaitest.Start(t, dialect, kessaitest.Options{})
		big := s.PaidCardFlow(10_000)  // fee ⌊300⌋ = 300
		small := s.PaidCardFlow(3_333) // fee ⌊99.99⌋ = 99
		pp := s.PaidPayPayFlow(5_000)  // fee ⌊172.5⌋ = 172 (3.45 %)
		term := newestTerm(t, s)
		pay := must(t, s.Get("/v2/payment_transactions?type=payment&payment_method_type=paypay"), 200).Data()[0]
		if pay["fee_rate"] != "3.45" || pay["fee"] != float64(172) || pay["term_id"] != term {
			t.Errorf("PayPay payment transaction: %v", pay)
		}
		// Partial refunds give back the fee on what they return.
		must(t, s.Post("/v2/payment_refunds", map[string]any{"payment_flow_id": big, "amount": 2_500}), 200) // offset ⌊75⌋
		must(t, s.Post("/v2/payment_refunds", map[string]any{"payment_flow_id": pp, "amount": 1_000}), 200)  // pending; offset ⌊34.5⌋ = 34
		s.Advance(10 * time.Second)
		refund := must(t, s.Get("/v2/payment_transactions?type=refund&payment_method_type=paypay"), 200).Data()[0]
		if refund["amount"] != float64(-1_000) || refund["fee"] != float64(-34) || refund["fee_rate"] != "3.45" {
			t.Errorf("PayPay refund transaction: %v", refund)
		}
		// One lost dispute: the whole 3,333 is charged back with its fee.
		d := must(t, s.Post("/kessai/v1/payment_flows/"+small+"/dispute", map[string]any{"reason": "fraudulent"}), 200)
		if d.Str("status") != "needs_response" || d.Int("amount") != 3_333 || d.JSON["due_by"] == nil {
			t.Fatalf("dispute: %s", d.Body)
		}
		must(t, s.Post("/kessai/v1/payment_disputes/"+d.Str("id")+"/advance", map[string]any{"status": "under_review"}), 200)
		lost := must(t, s.Post("/kessai/v1/payment_disputes/"+d.Str("id")+"/advance", map[string]any{"status": "lost"}), 200)
		if lost.Str("status") != "lost" || lost.JSON["due_by"] != nil {
			t.Fatalf("lost dispute: %s", lost.Body)
		}
		cb := must(t, s.Get("/v2/payment_transactions?type=chargeback"), 200).Data()
		if len(cb) != 1 || cb[0]["amount"] != float64(-3_333) || cb[0]["fee"] != float64(-99) || cb[0]["resource_id"] != d.Str("id") {
			t.Errorf("chargeback transactions: %v", cb)
		}
		// The buyer was paid back: nothing of the flow is refundable now.
		if r := s.Post("/v2/payment_refunds", map[string]any{"payment_flow_id": small, "amount": 1}); r.Status < 400 {
			t.Errorf("refund after a lost dispute: %d %s", r.Status, r.Body)
		}
		listed := must(t, s.Get("/v2/payment_disputes?payment_flow_id="+small+"&status=lost&status=cancel"), 200).Data()
		if len(listed) != 1 || listed[0]["id"] != d.Str("id") {
			t.Errorf("disputes of the flow: %v", listed)
		}
		if got := must(t, s.Get("/v2/payment_disputes?status=needs_response"), 200).Data(); len(got) != 0 {
			t.Errorf("needs_response disputes: %v", got)
		}
		s.CheckLedger()

		// No statement before the term closes.
		if got := must(t, s.Get("/v2/statements"), 200).Data(); len(got) != 0 {
			t.Fatalf("statements of an open term: %v", got)
		}
		s.Advance(22 * 24 * time.Hour) // past 2026-02-01 00:00 JST
		sts := must(t, s.Get("/v2/statements?term_id="+term), 200).Data()
		if len(sts) != 1 {
			t.Fatalf("statements of the closed term: %v", sts)
		}
		st := sts[0]
		want := map[string]int64{"gross_sales": 18_333, "fee": -571, "gross_refund": -3_500, "refund_fee_offset": 109,
			"chargeback": -3_333, "chargeback_fee_offset": 99}
		got := items(t, st)
		if fmt.Sprint(got) != fmt.Sprint(want) || st["net"] != float64(11_137) || st["type"] != "sales" {
			t.Errorf("statement items %v net %v, want %v net 11137", got, st["net"], want)
		}
		if tm := st["term"].(map[string]any); tm["id"] != term || tm["closed"] != true {
			t.Errorf("statement term: %v", tm)
		}
		ba := must(t, s.Get("/v2/balances/"+st["balance_id"].(string)), 200)
		due, _ := time.Parse(time.RFC3339, ba.Str("due_date"))
		if ba.Str("state") != "transfer" || ba.Int("net") != 11_137 || ba.JSON["closed"] != false ||
			!due.Equal(time.Date(2026, 2, 28, 0, 0, 0, 0, jst)) {
			t.Errorf("balance: %s", ba.Body)
		}

		// The statement's URL serves a page and a CSV until it expires.
		u := must(t, s.Post("/v2/statements/"+st["id"].(string)+"/statement_urls", nil), 200)
		page := fetch(t, u.Str("url"), 200)
		if !strings.Contains(page, "¥11,137") || !strings.Contains(page, "refund_fee_offset") {
			t.Errorf("statement page: %s", page)
		}
		csv := fetch(t, u.Str("url")+"/csv", 200)
		if !strings.Contains(csv, ",gross_sales,18333\n") || !strings.Contains(csv, ",net,11137\n") {
			t.Errorf("statement CSV: %s", csv)
		}
		bu := must(t, s.Post("/v2/balances/"+ba.Str("id")+"/balance_urls", nil), 200)
		if page := fetch(t, bu.Str("url"), 200); !strings.Contains(page, "transfer") || !strings.Contains(page, "¥11,137") {
			t.Errorf("balance page: %s", page)
		}
		fetch(t, u.Str("url")+"x", 404)
		fetch(t, strings.Replace(u.Str("url"), "/reports/", "/reports/A", 1), 404)

		// February refunds more than it sells: a claim.
		must(t, s.Post("/v2/payment_refunds", map[string]any{"payment_flow_id": big}), 200) // 7,500; offset 300 − 75 = 225
		feb := newestTerm(t, s)
		if feb == term {
			t.Fatal("a February refund counts in January's term")
		}
		fetch(t, u.Str("url"), 200)
		s.Advance(29 * 24 * time.Hour) // past 2026-03-01 JST, and January's due date
		fetch(t, u.Str("url"), 404)    // expired
		claim := must(t, s.Get("/v2/balances?state=claim"), 200).Data()
		if len(claim) != 1 || claim[0]["net"] != float64(-7_275) {
			t.Fatalf("claims: %v", claim)
		}
		fs := claim[0]["statements"].([]any)[0].(map[string]any)
		if got := items(t, fs); got["gross_refund"] != -7_500 || got["refund_fee_offset"] != 225 || got["gross_sales"] != 0 {
			t.Errorf("February statement: %v", got)
		}
		jan := must(t, s.Get("/v2/balances/"+ba.Str("id")), 200)
		if jan.JSON["closed"] != true || jan.Str("closed_date") != ba.Str("due_date") {
			t.Errorf("January's balance after its due date: %s", jan.Body)
		}
		if got := must(t, s.Get("/v2/balances?closed=false"), 200).Data(); len(got) != 1 || got[0]["state"] != "claim" {
			t.Errorf("open balances: %v", got)
		}
		// Filters page exactly: the one closed balance is the first page
		// of closed ones, though a newer open one exists.
		closedPage := must(t, s.Get("/v2/balances?closed=true&limit=1"), 200)
		if got := closedPage.Data(); len(got) != 1 || got[0]["id"] != ba.Str("id") || closedPage.JSON["has_more"] != false {
			t.Errorf("first page of closed balances: %s", closedPage.Body)
		}
		// January's balance is due on 28 February (JST), February's later.
		dueJan := must(t, s.Get("/v2/balances?since_due_date=2026-02-27T15:00:00Z&until_due_date=2026-02-28T15:00:00Z"), 200).Data()
		if len(dueJan) != 1 || dueJan[0]["id"] != ba.Str("id") {
			t.Errorf("balances due on 28 February: %v", dueJan)
		}
		// January's statement was made when January closed, February's a
		// month later.
		janSts := must(t, s.Get("/v2/statements?until=2026-02-15"), 200).Data()
		febSts := must(t, s.Get("/v2/statements?since=2026-02-15T00:00:00%2B09:00"), 200).Data()
		if len(janSts) != 1 || janSts[0]["id"] != st["id"] || len(febSts) != 1 || febSts[0]["id"] == st["id"] {
			t.Errorf("statements until 15 February: %v; since: %v", janSts, febSts)
		}
		if got := must(t, s.Get("/v2/terms?since_start_at=2026-02-01&until_start_at=2026-02-01"), 200).Data(); len(got) != 1 || got[0]["id"] != feb {
			t.Errorf("the term that starts on 1 February: %v (February's is %s)", got, feb)
		}
		if got := must(t, s.Get("/v2/balances?since=2026-02-15&until=2026-02-15"), 200).Data(); len(got) != 0 {
			t.Errorf("balances made on 15 February: %v", got)
		}
		for _, q := range []string{"/v2/statements?since=yesterday", "/v2/balances?until_due_date=2026-13-01",
			"/v2/balances?since=2026-03-01&until=2026-02-01", "/v2/balances?closed=maybe"} {
			if r := s.Get(q); r.Status != 422 || !strings.Contains(string(r.Body), "validation") {
				t.Errorf("GET %s: %d %s, want 422 validation_error", q, r.Status, r.Body)
			}
		}
		s.CheckLedger()
	})
}

// fetch GETs a URL without a key and returns its body.
func fetch(t *testing.T, url string, want int) string {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != want {
		t.Fatalf("GET %s: %d, want %d: %s", url, resp.StatusCode, want, b)
	}
	return string(b)
}

// TestDisputes_Lifecycle: the sandbox's statuses, deadlines and the
// interplay with refunds.
func TestDisputes_Lifecycle(t *testing.T) {
	t.Parallel()
	testdb.ForEach(t, func(t *testing.T, dialect string) {
		s := kessaitest.Start(t, dialect, kessaitest.Options{})
		t.Run("a_full_refund_settles_a_warning", func(t *testing.T) {
			flow := s.PaidCardFlow(2_000)
			d := must(t, s.Post("/kessai/v1/payment_flows/"+flow+"/dispute", map[string]any{"reason": "unrecognized", "status": "warning_needs_refund"}), 200)
			must(t, s.Post("/v2/payment_refunds", map[string]any{"payment_flow_id": flow, "amount": 500}), 200)
			if got := must(t, s.Get("/v2/payment_disputes/"+d.Str("id")), 200).Str("status"); got != "warning_needs_refund" {
				t.Fatalf("after a partial refund: %s", got)
			}
			must(t, s.Post("/v2/payment_refunds", map[string]any{"payment_flow_id": flow}), 200)
			if got := must(t, s.Get("/v2/payment_disputes/"+d.Str("id")), 200).Str("status"); got != "cancel" {
				t.Errorf("after a full refund: %s", got)
			}
			if got := must(t, s.Get("/v2/payment_transactions?type=chargeback"), 200).Data(); len(got) != 0 {
				t.Errorf("a settled warning charged back: %v", got)
			}
		})
		t.Run("the_deadline_escalates_and_loses", func(t *testing.T) {
			flow := s.PaidCardFlow(4_000)
			must(t, s.Post("/v2/payment_refunds", map[string]any{"payment_flow_id": flow, "amount": 1_000}), 200)
			d := must(t, s.Post("/kessai/v1/payment_flows/"+flow+"/dispute", map[string]any{"reason": "product_not_received", "amount": 4_000, "status": "warning_needs_response"}), 200)
			s.Advance(7*24*time.Hour + time.Second)
			esc := must(t, s.Get("/v2/payment_disputes/"+d.Str("id")), 200)
			if esc.Str("status") != "needs_response" || esc.JSON["due_by"] == nil {
				t.Fatalf("after the warning's deadline: %s", esc.Body)
			}
			s.Advance(7*24*time.Hour + time.Second)
			if got := must(t, s.Get("/v2/payment_disputes/"+d.Str("id")), 200).Str("status"); got != "lost" {
				t.Fatalf("after the chargeback's deadline: %s", got)
			}
			// The buyer already had 1,000 back: the loss takes the other 3,000.
			cb := must(t, s.Get("/v2/payment_transactions?type=chargeback"), 200).Data()
			if len(cb) != 1 || cb[0]["amount"] != float64(-3_000) || cb[0]["fee"] != float64(-90) {
				t.Errorf("chargeback: %v", cb)
			}
			events := must(t, s.Get("/v2/events?object=payment_dispute"), 200).Data()
			if len(events) < 3 {
				t.Errorf("dispute events: %v", events)
			}
		})
		t.Run("a_loss_and_a_refund_at_once_never_pay_twice", func(t *testing.T) {
			for i := 0; i < 4; i++ {
				flow := s.PaidCardFlow(1_000)
				d := must(t, s.Post("/kessai/v1/payment_flows/"+flow+"/dispute", map[string]any{"reason": "fraudulent"}), 200)
				var lost, refunded *kessaitest.Response
				done := make(chan struct{})
				go func() {
					defer close(done)
					lost = s.Do(kessaitest.Req{Method: "POST", Path: "/kessai/v1/payment_disputes/" + d.Str("id") + "/advance", Body: map[string]any{"status": "lost"}, NoValidate: true})
				}()
				refunded = s.Do(kessaitest.Req{Method: "POST", Path: "/v2/payment_refunds", Body: map[string]any{"payment_flow_id": flow}, NoValidate: true})
				<-done
				if lost.Status != 200 {
					t.Fatalf("lost: %d %s", lost.Status, lost.Body)
				}
				p, err := payjpflow.GetPaymentFlow(s.Main.E, context.Background(), s.Acct(), flow)
				if err != nil {
					t.Fatal(err)
				}
				if p.AmountRefunded+p.AmountChargedBack != 1_000 || (refunded.Status == 200) != (p.AmountRefunded == 1_000) {
					t.Errorf("refund %d, flow refunded %d charged back %d", refunded.Status, p.AmountRefunded, p.AmountChargedBack)
				}
			}
		})
		t.Run("bad_moves_are_refused", func(t *testing.T) {
			flow := s.PaidCardFlow(1_000)
			d := must(t, s.Post("/kessai/v1/payment_flows/"+flow+"/dispute", map[string]any{"reason": "fraudulent"}), 200)
			for _, c := range []struct {
				body map[string]any
				code int
			}{
				{map[string]any{"status": "warning_needs_refund"}, 409},
				{map[string]any{"status": "won"}, 400},
				{map[string]any{}, 400},
			} {
				r := s.Post("/kessai/v1/payment_disputes/"+d.Str("id")+"/advance", c.body)
				if r.Status/100 != 4 {
					t.Errorf("advance %v: %d %s", c.body, r.Status, r.Body)
				}
			}
			if r := s.Post("/kessai/v1/payment_flows/"+flow+"/dispute", map[string]any{"reason": "fraudulent"}); r.Status/100 != 4 {
				t.Errorf("a second open dispute: %d", r.Status)
			}
			if r := s.Post("/kessai/v1/payment_flows/"+flow+"/dispute", map[string]any{"reason": "nope"}); r.Status/100 != 4 {
				t.Errorf("a bad reason: %d", r.Status)
			}
			if got := must(t, s.Get("/v2/payment_disputes/"+d.Str("id")), 200).Str("status"); got != "needs_response" {
				t.Errorf("a refused move changed the dispute: %s", got)
			}
		})
		s.CheckLedger()
	})
}

// TestFeeRates_PerAccount: rates set through /kessai/v1 apply to later
// captures; earlier ones keep theirs, refunds too.
func TestFeeRates_PerAccount(t *testing.T) {
	t.Parallel()
	testdb.ForEach(t, func(t *testing.T, dialect string) {
		s := kessaitest.Start(t, dialect, kessaitest.Options{})
		r := must(t, s.Get("/kessai/v1/fee_rates"), 200)
		if fmt.Sprint(r.JSON["rates"]) != "map[card:map[fee_rate:3.00 fee_rate_e4:30000] paypay:map[fee_rate:3.45 fee_rate_e4:34500]]" {
			t.Errorf("defaults: %s", r.Body)
		}
		before := s.PaidCardFlow(1_000)
		r = must(t, s.Post("/kessai/v1/fee_rates", map[string]any{"card": "2.875"}), 200)
		if fmt.Sprint(r.JSON["rates"].(map[string]any)["card"]) != "map[fee_rate:2.875 fee_rate_e4:28750]" {
			t.Errorf("after setting: %s", r.Body)
		}
		for _, bad := range []map[string]any{{"card": "101"}, {"card": "3.00001"}, {"card": "-1"}, {"amazon": "1"}, {"card": 3}} {
			if r := s.Post("/kessai/v1/fee_rates", bad); r.Status != 400 && r.Status != 422 {
				t.Errorf("%v: %d %s", bad, r.Status, r.Body)
			}
		}
		s.PaidCardFlow(9_999) // ⌊287.47…⌋ = 287
		pays := must(t, s.Get("/v2/payment_transactions?type=payment"), 200).Data()
		if pays[0]["fee_rate"] != "2.875" || pays[0]["fee"] != float64(287) || pays[1]["fee_rate"] != "3.00" || pays[1]["fee"] != float64(30) {
			t.Errorf("payments: %v", pays)
		}
		must(t, s.Post("/v2/payment_refunds", map[string]any{"payment_flow_id": before}), 200)
		ref := must(t, s.Get("/v2/payment_transactions?type=refund"), 200).Data()[0]
		if ref["fee_rate"] != "3.00" || ref["fee"] != float64(-30) {
			t.Errorf("refund of an earlier capture: %v", ref)
		}
		s.CheckLedger()
	})
}

// TestDisputes_DeadlinesInOneAdvanceStayInTheirTerm: one clock advance
// past the month's end runs a warning's deadline, the chargeback deadline
// that one schedules, and the term's closing in time order, so the loss
// counts in January's statement and January has one term.
func TestDisputes_DeadlinesInOneAdvanceStayInTheirTerm(t *testing.T) {
	t.Parallel()
	testdb.ForEach(t, func(t *testing.T, dialect string) {
		// Only the advance runs jobs: a background worker may run a due job
		// at the account's new time instead of its own (see docs/core.md).
		s := kessaitest.Start(t, dialect, kessaitest.Options{NoWorker: true})
		flow := s.PaidCardFlow(1_000) // 2026-01-10
		term := newestTerm(t, s)
		must(t, s.Post("/kessai/v1/payment_flows/"+flow+"/dispute", map[string]any{"reason": "fraudulent", "status": "warning_needs_response"}), 200)
		s.Advance(40 * 24 * time.Hour) // deadlines on Jan 17 and Jan 24; the term closes on Feb 1
		terms := must(t, s.Get("/v2/terms"), 200).Data()
		if len(terms) != 1 || terms[0]["id"] != term {
			t.Fatalf("terms: %v", terms)
		}
		cb := must(t, s.Get("/v2/payment_transactions?type=chargeback"), 200).Data()
		if len(cb) != 1 || cb[0]["term_id"] != term {
			t.Fatalf("chargeback: %v", cb)
		}
		st := must(t, s.Get("/v2/statements?term_id="+term), 200).Data()
		if len(st) != 1 || st[0]["net"] != float64(0) || items(t, st[0])["chargeback"] != -1_000 {
			t.Errorf("January's statement: %v", st)
		}
		s.CheckLedger()
	})
}
