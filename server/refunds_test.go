package server_test

import (
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/kessai/kessai/internal/kessaitest"
	"github.com/kessai/kessai/internal/testdb"
)

// withAccount returns a view of s that speaks for a fresh account, whose
// test clock starts at s's base clock (kessaitest.Epoch unless moved).
func rfWithAccount(s *kessaitest.Server, name string) *kessaitest.Server {
	a := s.NewAccount(name)
	c := *s
	c.Account, c.Key = a, a.SecretKey
	return &c
}

func rfWantProblem(t *testing.T, r *kessaitest.Response, status int, code string) {
	t.Helper()
	if r.Status != status || r.Str("code") != code {
		t.Fatalf("got %d %q, want %d %q: %s", r.Status, r.Str("code"), status, code, r.Body)
	}
}

func rfRefundCount(t *testing.T, s *kessaitest.Server, query string) int {
	t.Helper()
	return len(kessaitest.Must(t, s.Get("/v2/payment_refunds?limit=100"+query), 200).Data())
}

// eventsOf returns the events of type typ about resource id, newest first.
func rfEventsOf(t *testing.T, s *kessaitest.Server, typ, id string) []map[string]any {
	t.Helper()
	return kessaitest.Must(t, s.Get("/v2/events?limit=100&type="+typ+"&resource_id="+id), 200).Data()
}

// refundTxns returns the refund payment transactions of a refund.
func rfRefundTxns(t *testing.T, s *kessaitest.Server, refundID string) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, d := range kessaitest.Must(t, s.Get("/v2/payment_transactions?limit=100&type=refund"), 200).Data() {
		if d["resource_id"] == refundID {
			out = append(out, d)
		}
	}
	return out
}

func rfNum(v any) int64 { f, _ := v.(float64); return int64(f) }

func TestRefundFullCard(t *testing.T) {
	t.Parallel()
	testdb.ForEach(t, func(t *testing.T, dialect string) {
		s := kessaitest.Start(t, dialect, kessaitest.Options{})
		flow := s.PaidCardFlow(4321)
		received := kessaitest.Must(t, s.Get("/v2/payment_flows/"+flow), 200).Int("amount_received")
		if received != 4321 {
			t.Fatalf("amount_received %d", received)
		}
		r := kessaitest.Must(t, s.Post("/v2/payment_refunds", map[string]any{"payment_flow_id": flow}), 200)
		id := r.Str("id")
		if r.Str("status") != "succeeded" || r.Int("amount") != received || r.Str("payment_flow_id") != flow {
			t.Fatalf("refund %s", r.Body)
		}
		txns := rfRefundTxns(t, s, id)
		if len(txns) != 1 || rfNum(txns[0]["amount"]) != -received || txns[0]["type"] != "refund" {
			t.Fatalf("refund transactions %v", txns)
		}
		evs := rfEventsOf(t, s, "refund.created", id)
		if len(evs) != 1 {
			t.Fatalf("refund.created events %v", evs)
		}
		data := evs[0]["data"].(map[string]any)
		if data["id"] != id || data["payment_flow"] != flow || data["status"] != "succeeded" {
			t.Fatalf("event data %v", data)
		}
		rfWantProblem(t, s.Post("/v2/payment_refunds", map[string]any{"payment_flow_id": flow}), 400, "already_refunded")
		s.CheckLedger()
	})
}

func TestRefundPartialCaps(t *testing.T) {
	t.Parallel()
	testdb.ForEach(t, func(t *testing.T, dialect string) {
		s := kessaitest.Start(t, dialect, kessaitest.Options{})
		flow := s.PaidCardFlow(3000)
		r1 := kessaitest.Must(t, s.Post("/v2/refunds", map[string]any{"payment_flow": flow, "amount": 1000, "reason": "duplicate"}), 200)
		r2 := kessaitest.Must(t, s.Post("/v2/payment_refunds", map[string]any{"payment_flow_id": flow, "amount": 500, "reason": "fraudulent"}), 200)
		if r1.Int("amount") != 1000 || r2.Int("amount") != 500 || r1.Str("status") != "succeeded" || r2.Str("status") != "succeeded" {
			t.Fatalf("refunds %s %s", r1.Body, r2.Body)
		}
		rfWantProblem(t, s.Post("/v2/refunds", map[string]any{"payment_flow": flow, "amount": 2000}), 400, "refund_exceeds_payment")
		r3 := kessaitest.Must(t, s.Post("/v2/payment_refunds", map[string]any{"payment_flow_id": flow, "amount": 1500, "reason": "duplicate"}), 200)
		if r3.Int("amount") != 1500 {
			t.Fatalf("refund %s", r3.Body)
		}
		rfWantProblem(t, s.Post("/v2/payment_refunds", map[string]any{"payment_flow_id": flow, "amount": 1}), 400, "refund_exceeds_payment")
		rfWantProblem(t, s.Post("/v2/refunds", map[string]any{"payment_flow": flow}), 400, "already_refunded")

		for _, r := range []*kessaitest.Response{r1, r2, r3} {
			for _, p := range []string{"/v2/refunds/", "/v2/payment_refunds/"} {
				g := kessaitest.Must(t, s.Get(p+r.Str("id")), 200)
				if g.Int("amount") != r.Int("amount") || g.Str("payment_flow_id") != flow || g.Str("object") != "payment_refund" {
					t.Fatalf("GET %s: %s", p, g.Body)
				}
			}
		}
		list := kessaitest.Must(t, s.Get("/v2/payment_flows/"+flow+"/refunds"), 200).Data()
		var sum int64
		for _, d := range list {
			sum += rfNum(d["amount"])
		}
		if len(list) != 3 || sum != 3000 {
			t.Fatalf("flow refunds: %d, sum %d", len(list), sum)
		}
		dup := kessaitest.Must(t, s.Get("/v2/payment_refunds?reason=duplicate"), 200).Data()
		if len(dup) != 2 {
			t.Fatalf("duplicate refunds %v", dup)
		}
		for _, d := range dup {
			if d["reason"] != "duplicate" {
				t.Fatalf("filter returned %v", d)
			}
		}
		if n := len(kessaitest.Must(t, s.Get("/v2/refunds?reason=fraudulent"), 200).Data()); n != 1 {
			t.Fatalf("fraudulent refunds %d", n)
		}
		u := kessaitest.Must(t, s.Post("/v2/payment_refunds/"+r2.Str("id"), map[string]any{"metadata": map[string]any{"order": "A-1"}}), 200)
		if md, _ := u.JSON["metadata"].(map[string]any); md["order"] != "A-1" {
			t.Fatalf("update %s", u.Body)
		}
		if md, _ := kessaitest.Must(t, s.Get("/v2/refunds/"+r2.Str("id")), 200).JSON["metadata"].(map[string]any); md["order"] != "A-1" {
			t.Fatalf("metadata not stored: %v", md)
		}
		f := kessaitest.Must(t, s.Get("/v2/payment_flows/"+flow), 200)
		if f.Int("amount_received") != 3000 {
			t.Fatalf("flow %s", f.Body)
		}
		s.CheckLedger()
	})
}

func TestRefundRejections(t *testing.T) {
	t.Parallel()
	testdb.ForEach(t, func(t *testing.T, dialect string) {
		s := kessaitest.Start(t, dialect, kessaitest.Options{})
		held := kessaitest.Must(t, s.Flow(2000, s.Card("4242424242424242"), "manual"), 200)
		if held.Str("status") != "requires_capture" {
			t.Fatalf("flow %s", held.Body)
		}
		rfWantProblem(t, s.Post("/v2/payment_refunds", map[string]any{"payment_flow_id": held.Str("id")}), 400, "invalid_status")
		rfWantProblem(t, s.Post("/v2/payment_refunds", map[string]any{"payment_flow_id": held.Str("id"), "amount": 100}), 400, "invalid_status")

		paid := s.PaidCardFlow(2000)
		for _, body := range []string{
			`{"payment_flow_id":"` + paid + `","amount":0}`,
			`{"payment_flow_id":"` + paid + `","amount":-5}`,
			`{"payment_flow_id":"` + paid + `","amount":1.5}`,
			`{"payment_flow_id":"` + paid + `","amount":"100"}`,
			`{"payment_flow_id":"` + paid + `","reason":"other"}`,
			`{"payment_flow_id":"` + paid + `","amount":100,"reason":"other"}`,
		} {
			r := s.Do(kessaitest.Req{Method: "POST", Path: "/v2/payment_refunds", Body: body})
			if r.Status != http.StatusUnprocessableEntity {
				t.Errorf("%s → %d, want 422: %s", body, r.Status, r.Body)
			}
		}
		unknown := "pfw_" + "0123456789abcdefghijklmn"
		if r := s.Post("/v2/payment_refunds", map[string]any{"payment_flow_id": unknown}); r.Status != 404 {
			t.Errorf("unknown flow → %d: %s", r.Status, r.Body)
		}
		other := rfWithAccount(s, "other")
		theirs := other.PaidCardFlow(1000)
		rfWantProblem(t, s.Post("/v2/payment_refunds", map[string]any{"payment_flow_id": theirs}), 404, "not_found")
		rfWantProblem(t, s.Post("/v2/refunds", map[string]any{"payment_flow": theirs, "amount": 100}), 404, "not_found")

		if n := rfRefundCount(t, s, ""); n != 0 {
			t.Fatalf("rejected requests created %d refunds", n)
		}
		if n := rfRefundCount(t, other, ""); n != 0 {
			t.Fatalf("other account has %d refunds", n)
		}
		if n := len(kessaitest.Must(t, s.Get("/v2/payment_transactions?type=refund"), 200).Data()); n != 0 {
			t.Fatalf("%d refund transactions", n)
		}
		if n := len(kessaitest.Must(t, s.Get("/v2/events?type=refund.created"), 200).Data()); n != 0 {
			t.Fatalf("%d refund events", n)
		}
		if f := kessaitest.Must(t, s.Get("/v2/payment_flows/"+paid), 200); f.Int("amount_received") != 2000 {
			t.Fatalf("flow %s", f.Body)
		}
		// The flow is still fully refundable.
		r := kessaitest.Must(t, s.Post("/v2/payment_refunds", map[string]any{"payment_flow_id": paid}), 200)
		if r.Int("amount") != 2000 {
			t.Fatalf("refund %s", r.Body)
		}
		s.CheckLedger()
		other.CheckLedger()
	})
}

func TestRefundPayPaySettlement(t *testing.T) {
	t.Parallel()
	testdb.ForEach(t, func(t *testing.T, dialect string) {
		s := kessaitest.Start(t, dialect, kessaitest.Options{})
		flow := s.PaidPayPayFlow(5000)
		r := kessaitest.Must(t, s.Post("/v2/payment_refunds", map[string]any{"payment_flow_id": flow, "amount": 2000}), 200)
		id := r.Str("id")
		if r.Str("status") != "pending" || r.Int("amount") != 2000 {
			t.Fatalf("refund %s", r.Body)
		}
		evs := rfEventsOf(t, s, "refund.created", id)
		if len(evs) != 1 || evs[0]["data"].(map[string]any)["status"] != "pending" {
			t.Fatalf("refund.created %v", evs)
		}
		if len(rfRefundTxns(t, s, id)) != 0 {
			t.Fatal("pending refund has a payment transaction")
		}
		s.CheckLedger()

		s.Advance(4 * time.Second)
		if st := kessaitest.Must(t, s.Get("/v2/payment_refunds/"+id), 200).Str("status"); st != "pending" {
			t.Fatalf("after 4 s: %s", st)
		}
		if n := len(rfEventsOf(t, s, "refund.updated", id)); n != 0 {
			t.Fatalf("%d refund.updated events before settlement", n)
		}
		s.CheckLedger()

		s.Advance(time.Second)
		if st := kessaitest.Must(t, s.Get("/v2/payment_refunds/"+id), 200).Str("status"); st != "succeeded" {
			t.Fatalf("after 5 s: %s", st)
		}
		up := rfEventsOf(t, s, "refund.updated", id)
		if len(up) != 1 || up[0]["data"].(map[string]any)["status"] != "succeeded" {
			t.Fatalf("refund.updated %v", up)
		}
		txns := rfRefundTxns(t, s, id)
		if len(txns) != 1 || rfNum(txns[0]["amount"]) != -2000 || txns[0]["payment_method_type"] != "paypay" {
			t.Fatalf("refund transactions %v", txns)
		}
		s.CheckLedger()

		// A refund made to fail holds its amount while pending and releases
		// it when it fails.
		fr := kessaitest.Must(t, s.Post("/v2/refunds", map[string]any{"payment_flow": flow,
			"metadata": map[string]any{"kessai_simulate": "failed"}}), 200)
		fid := fr.Str("id")
		if fr.Str("status") != "pending" || fr.Int("amount") != 3000 {
			t.Fatalf("refund %s", fr.Body)
		}
		rfWantProblem(t, s.Post("/v2/refunds", map[string]any{"payment_flow": flow, "amount": 1}), 400, "refund_exceeds_payment")
		s.CheckLedger()
		s.Advance(5 * time.Second)
		g := kessaitest.Must(t, s.Get("/v2/refunds/"+fid), 200)
		if g.Str("status") != "failed" || g.Str("failure_reason") == "" {
			t.Fatalf("after settlement: %s", g.Body)
		}
		if len(rfRefundTxns(t, s, fid)) != 0 {
			t.Fatal("failed refund has a payment transaction")
		}
		if n := len(rfEventsOf(t, s, "refund.updated", fid)); n != 1 {
			t.Fatalf("%d refund.updated events for the failed refund", n)
		}
		s.CheckLedger()

		again := kessaitest.Must(t, s.Post("/v2/payment_refunds", map[string]any{"payment_flow_id": flow, "amount": 3000}), 200)
		if again.Str("status") != "pending" {
			t.Fatalf("refund %s", again.Body)
		}
		s.Advance(5 * time.Second)
		if st := kessaitest.Must(t, s.Get("/v2/payment_refunds/"+again.Str("id")), 200).Str("status"); st != "succeeded" {
			t.Fatalf("second refund %s", st)
		}
		rfWantProblem(t, s.Post("/v2/payment_refunds", map[string]any{"payment_flow_id": flow}), 400, "already_refunded")
		s.CheckLedger()
	})
}

func rfClockNow(t *testing.T, s *kessaitest.Server) time.Time {
	t.Helper()
	n, err := time.Parse(time.RFC3339, kessaitest.Must(t, s.Get("/kessai/v1/clock"), 200).Str("now"))
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// advanceTo moves the account's clock to at (whole seconds).
func rfAdvanceTo(t *testing.T, s *kessaitest.Server, at time.Time) {
	t.Helper()
	if got := s.Advance(at.Sub(rfClockNow(t, s))); !got.Equal(at) {
		t.Fatalf("clock at %s, want %s", got, at)
	}
}

func TestRefundWindows(t *testing.T) {
	t.Parallel()
	testdb.ForEach(t, func(t *testing.T, dialect string) {
		s := kessaitest.Start(t, dialect, kessaitest.Options{})
		cases := []struct {
			name   string
			paypay bool
			at     time.Time
			ok     bool
		}{
			{"card at boundary", false, kessaitest.Epoch.Add(180 * 24 * time.Hour), true},
			{"card after boundary", false, kessaitest.Epoch.Add(180*24*time.Hour + time.Second), false},
			{"paypay last second", true, time.Date(2027, 1, 10, 14, 59, 59, 0, time.UTC), true},
			{"paypay next day", true, time.Date(2027, 1, 10, 15, 0, 0, 0, time.UTC), false},
		}
		for i, c := range cases {
			a := rfWithAccount(s, fmt.Sprintf("window%d", i))
			if now := rfClockNow(t, a); !now.Equal(kessaitest.Epoch) {
				t.Fatalf("%s: fresh account at %s", c.name, now)
			}
			var flow string
			if c.paypay {
				flow = a.PaidPayPayFlow(1000)
			} else {
				flow = a.PaidCardFlow(1000)
			}
			rfAdvanceTo(t, a, c.at)
			r := a.Post("/v2/payment_refunds", map[string]any{"payment_flow_id": flow, "amount": 300})
			if c.ok {
				kessaitest.Must(t, r, 200)
			} else {
				rfWantProblem(t, r, 400, "refund_period_expired")
				if n := rfRefundCount(t, a, ""); n != 0 {
					t.Fatalf("%s: %d refunds", c.name, n)
				}
			}
			a.CheckLedger()
		}
	})
}

func TestRefundIdempotent(t *testing.T) {
	t.Parallel()
	testdb.ForEach(t, func(t *testing.T, dialect string) {
		s := kessaitest.Start(t, dialect, kessaitest.Options{})
		flow := s.PaidCardFlow(1000)
		req := kessaitest.Req{Method: "POST", Path: "/v2/payment_refunds", Body: map[string]any{"payment_flow_id": flow, "amount": 400},
			Header: map[string]string{"Idempotency-Key": "refund-key-1"}}
		a := kessaitest.Must(t, s.Do(req), 200)
		b := kessaitest.Must(t, s.Do(req), 200)
		if a.Str("id") == "" || a.Str("id") != b.Str("id") || b.Int("amount") != 400 {
			t.Fatalf("replay: %s vs %s", a.Body, b.Body)
		}
		if n := rfRefundCount(t, s, ""); n != 1 {
			t.Fatalf("%d refunds", n)
		}
		if f := kessaitest.Must(t, s.Get("/v2/payment_flows/"+flow), 200); f.Int("amount_received") != 1000 {
			t.Fatalf("flow %s", f.Body)
		}
		// 600 remain refundable: the replay did not consume anything.
		kessaitest.Must(t, s.Post("/v2/payment_refunds", map[string]any{"payment_flow_id": flow, "amount": 600}), 200)
		s.CheckLedger()
	})
}

func TestRefundConcurrent(t *testing.T) {
	t.Parallel()
	testdb.ForEach(t, func(t *testing.T, dialect string) {
		s := kessaitest.Start(t, dialect, kessaitest.Options{})
		flow := s.PaidCardFlow(1000)
		const n = 50
		results := make([]*kessaitest.Response, n)
		var wg sync.WaitGroup
		start := make(chan struct{})
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				results[i] = s.Post("/v2/payment_refunds", map[string]any{"payment_flow_id": flow, "amount": 100})
			}()
		}
		close(start)
		wg.Wait()
		// Once ten refunds of 100 have taken all 1,000, a refund of an
		// explicit 100 exceeds what is left (0): refund_exceeds_payment.
		// (already_refunded answers a full refund, amount omitted.)
		const refusal = "refund_exceeds_payment"
		ok, exceeded := 0, 0
		for _, r := range results {
			switch {
			case r.Status == 200:
				ok++
			case r.Status == 400 && r.Str("code") == refusal:
				exceeded++
			default:
				t.Errorf("unexpected answer %d: %s", r.Status, r.Body)
			}
		}
		if ok != 10 || exceeded != 40 {
			t.Fatalf("%d succeeded, %d refused; want 10 and 40", ok, exceeded)
		}
		var sum int64
		for _, d := range kessaitest.Must(t, s.Get("/v2/payment_refunds?limit=100"), 200).Data() {
			sum += rfNum(d["amount"])
		}
		if sum != 1000 {
			t.Fatalf("refunds sum to %d", sum)
		}
		s.CheckLedger()
	})
}

func TestRefundTestCards(t *testing.T) {
	t.Parallel()
	testdb.ForEach(t, func(t *testing.T, dialect string) {
		s := kessaitest.Start(t, dialect, kessaitest.Options{})
		fails := kessaitest.Must(t, s.Flow(1000, s.Card("4000000000005126"), "automatic"), 200)
		if fails.Str("status") != "succeeded" {
			t.Fatalf("flow %s", fails.Body)
		}
		r := kessaitest.Must(t, s.Post("/v2/payment_refunds", map[string]any{"payment_flow_id": fails.Str("id")}), 200)
		if r.Str("status") != "failed" || r.Int("amount") != 1000 {
			t.Fatalf("refund %s", r.Body)
		}
		if len(rfRefundTxns(t, s, r.Str("id"))) != 0 {
			t.Fatal("failed refund has a transaction")
		}
		s.CheckLedger()
		// Still refundable in full (and failing again).
		r2 := kessaitest.Must(t, s.Post("/v2/payment_refunds", map[string]any{"payment_flow_id": fails.Str("id"), "amount": 1000}), 200)
		if r2.Str("status") != "failed" {
			t.Fatalf("refund %s", r2.Body)
		}

		held := kessaitest.Must(t, s.Flow(1000, s.Card("4000000000007726"), "automatic"), 200)
		h := kessaitest.Must(t, s.Post("/v2/payment_refunds", map[string]any{"payment_flow_id": held.Str("id"), "amount": 700}), 200)
		if h.Str("status") != "requires_action" || h.Int("amount") != 700 {
			t.Fatalf("refund %s", h.Body)
		}
		rfWantProblem(t, s.Post("/v2/payment_refunds", map[string]any{"payment_flow_id": held.Str("id"), "amount": 301}), 400, "refund_exceeds_payment")
		s.Advance(time.Minute)
		if st := kessaitest.Must(t, s.Get("/v2/payment_refunds/"+h.Str("id")), 200).Str("status"); st != "requires_action" {
			t.Fatalf("requires_action refund became %s", st)
		}
		s.CheckLedger()
	})
}
