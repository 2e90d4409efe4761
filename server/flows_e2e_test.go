package server_test

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/kessai/kessai/internal/kessaitest"
	"github.com/kessai/kessai/internal/testdb"
)

type req = kessaitest.Req

var must = kessaitest.Must

func TestE2EAutomaticCaptureSucceeds(t *testing.T) {
	t.Parallel()
	testdb.ForEach(t, func(t *testing.T, dialect string) {
		s := kessaitest.Start(t, dialect, kessaitest.Options{})
		pm := s.Card("4242424242424242")
		r := must(t, s.Flow(1500, pm, "automatic"), 200)
		id := r.Str("id")
		if r.Str("status") != "succeeded" || r.Int("amount") != 1500 || r.Int("amount_received") != 1500 || r.Int("amount_capturable") != 0 {
			t.Fatalf("flow: %s", r.Body)
		}
		if r.Str("payment_method_id") != pm || r.Str("capture_method") != "automatic" || r.JSON["next_action"] != nil {
			t.Errorf("flow: %s", r.Body)
		}
		got := must(t, s.Get("/v2/payment_flows/"+id), 200)
		if got.Str("status") != "succeeded" || got.Int("amount_received") != 1500 {
			t.Errorf("retrieved flow: %s", got.Body)
		}

		txns := must(t, s.Get("/v2/payment_transactions?type=payment"), 200).Data()
		var found int
		for _, x := range txns {
			if x["type"] != "payment" {
				t.Errorf("type=payment filter returned %v", x)
			}
			if x["resource_id"] == id {
				found++
				if x["amount"].(float64) != 1500 || x["payment_method_type"] != "card" || x["currency"] != "jpy" {
					t.Errorf("transaction %v", x)
				}
				if x["fee"].(float64) != 45 { // 3.00%
					t.Errorf("fee %v, want 45", x["fee"])
				}
			}
		}
		if found != 1 {
			t.Errorf("%d payment transactions for %s, want 1: %v", found, id, txns)
		}
		hasEvent(t, s, id, "payment_flow.created")
		hasEvent(t, s, id, "payment_flow.succeeded")
		s.CheckLedger()
	})
}

func TestE2EManualCapture(t *testing.T) {
	t.Parallel()
	testdb.ForEach(t, func(t *testing.T, dialect string) {
		s := kessaitest.Start(t, dialect, kessaitest.Options{})
		pm := s.Card("4242424242424242")
		r := must(t, s.Post("/v2/payment_flows", map[string]any{"amount": 1000, "currency": "jpy",
			"payment_method_id": pm, "capture_method": "manual"}), 200)
		id := r.Str("id")
		if r.Str("status") != "requires_confirmation" || r.Int("amount_capturable") != 0 {
			t.Fatalf("created: %s", r.Body)
		}
		r = must(t, s.Post("/v2/payment_flows/"+id+"/confirm", nil), 200)
		if r.Str("status") != "requires_capture" || r.Int("amount_capturable") != 1000 || r.Int("amount_received") != 0 {
			t.Fatalf("confirmed: %s", r.Body)
		}
		hasEvent(t, s, id, "payment_flow.amount_capturable_updated")
		s.CheckLedger()

		wantProblem(t, s.Post("/v2/payment_flows/"+id+"/capture", map[string]any{"amount_to_capture": 1001}), 422, "validation_error")
		if r := must(t, s.Get("/v2/payment_flows/"+id), 200); r.Str("status") != "requires_capture" || r.Int("amount_capturable") != 1000 {
			t.Fatalf("after refused over-capture: %s", r.Body)
		}

		r = must(t, s.Post("/v2/payment_flows/"+id+"/capture", map[string]any{"amount_to_capture": 600}), 200)
		if r.Str("status") != "succeeded" || r.Int("amount_received") != 600 || r.Int("amount_capturable") != 0 || r.Int("amount") != 1000 {
			t.Fatalf("captured: %s", r.Body)
		}
		hasEvent(t, s, id, "payment_flow.succeeded")
		wantProblem(t, s.Post("/v2/payment_flows/"+id+"/capture", nil), 400, "invalid_status")
		wantProblem(t, s.Post("/v2/payment_flows/"+id+"/capture", map[string]any{"amount_to_capture": 100}), 400, "invalid_status")

		var amounts []float64
		for _, x := range must(t, s.Get("/v2/payment_transactions?type=payment"), 200).Data() {
			if x["resource_id"] == id {
				amounts = append(amounts, x["amount"].(float64))
			}
		}
		if len(amounts) != 1 || amounts[0] != 600 {
			t.Errorf("payment transactions of %s: %v, want [600]", id, amounts)
		}
		s.CheckLedger()
	})
}

func TestE2ECancel(t *testing.T) {
	t.Parallel()
	testdb.ForEach(t, func(t *testing.T, dialect string) {
		s := kessaitest.Start(t, dialect, kessaitest.Options{})
		r := must(t, s.Flow(2000, s.Card("4242424242424242"), "manual"), 200)
		id := r.Str("id")
		if r.Str("status") != "requires_capture" || r.Int("amount_capturable") != 2000 {
			t.Fatalf("flow: %s", r.Body)
		}
		wantProblem(t, s.Post("/v2/payment_flows/"+id+"/cancel", map[string]any{"cancellation_reason": "bored"}), 422, "validation_error")

		r = must(t, s.Post("/v2/payment_flows/"+id+"/cancel", map[string]any{"cancellation_reason": "requested_by_customer"}), 200)
		if r.Str("status") != "canceled" || r.Str("cancellation_reason") != "requested_by_customer" || r.Str("canceled_at") == "" ||
			r.Int("amount_capturable") != 0 || r.Int("amount_received") != 0 || r.JSON["expired_at"] != nil {
			t.Fatalf("canceled: %s", r.Body)
		}
		hasEvent(t, s, id, "payment_flow.canceled")
		wantProblem(t, s.Post("/v2/payment_flows/"+id+"/cancel", nil), 400, "invalid_status")
		wantProblem(t, s.Post("/v2/payment_flows/"+id+"/capture", nil), 400, "invalid_status")

		paid := s.PaidCardFlow(3000)
		wantProblem(t, s.Post("/v2/payment_flows/"+paid+"/cancel", map[string]any{"cancellation_reason": "duplicate"}), 400, "invalid_status")
		if r := must(t, s.Get("/v2/payment_flows/"+paid), 200); r.Str("status") != "succeeded" || r.Int("amount_received") != 3000 || r.JSON["canceled_at"] != nil {
			t.Errorf("succeeded flow after refused cancel: %s", r.Body)
		}
		s.CheckLedger()
	})
}

func TestE2EDeclines(t *testing.T) {
	t.Parallel()
	testdb.ForEach(t, func(t *testing.T, dialect string) {
		s := kessaitest.Start(t, dialect, kessaitest.Options{})
		t.Run("confirm_declined_returns_flow_to_requires_payment_method", func(t *testing.T) {
			s := on(s, t)
			pm := s.Card("4000000000080319")
			id := must(t, s.Post("/v2/payment_flows", map[string]any{"amount": 1000, "currency": "jpy", "payment_method_id": pm}), 200).Str("id")
			wantProblem(t, s.Post("/v2/payment_flows/"+id+"/confirm", nil), 402, "card_declined")
			r := must(t, s.Get("/v2/payment_flows/"+id), 200)
			if r.Str("status") != "requires_payment_method" || r.Int("amount_received") != 0 || r.Int("amount_capturable") != 0 {
				t.Errorf("flow after decline: %s", r.Body)
			}
			lpe, _ := r.JSON["last_payment_error"].(map[string]any)
			if lpe == nil || lpe["code"] != "card_declined" {
				t.Errorf("last_payment_error %v", r.JSON["last_payment_error"])
			}
			hasEvent(t, s, id, "payment_flow.payment_failed")
			for _, x := range must(t, s.Get("/v2/payment_transactions"), 200).Data() {
				if x["resource_id"] == id {
					t.Errorf("declined flow has a transaction: %v", x)
				}
			}

			// Confirming again with a good card succeeds and clears the error.
			good := s.Card("4242424242424242")
			r = must(t, s.Post("/v2/payment_flows/"+id+"/confirm", map[string]any{"payment_method_id": good}), 200)
			if r.Str("status") != "succeeded" || r.Int("amount_received") != 1000 || r.JSON["last_payment_error"] != nil {
				t.Errorf("reconfirmed: %s", r.Body)
			}
			s.CheckLedger()
		})
		t.Run("create_with_confirm_declined_is_402", func(t *testing.T) {
			s := on(s, t)
			before := count(t, s, "/v2/payment_flows")
			wantProblem(t, s.Flow(1000, s.Card("4000000000080319"), "automatic"), 402, "card_declined")
			// The declined flow is committed in requires_payment_method.
			ids, _ := listIDs(t, s, "/v2/payment_flows?limit=1", "")
			if n := count(t, s, "/v2/payment_flows"); n != before+1 {
				t.Fatalf("%d flows, want %d", n, before+1)
			}
			r := must(t, s.Get("/v2/payment_flows/"+ids[0]), 200)
			if r.Str("status") != "requires_payment_method" {
				t.Errorf("flow: %s", r.Body)
			}
		})
		t.Run("declined_card_creates_no_payment_method", func(t *testing.T) {
			s2 := kessaitest.Start(t, dialect, kessaitest.Options{})
			wantProblem(t, s2.Post("/v2/payment_methods", newCard("4000000000000002")), 402, "card_declined")
			if ids, more := listIDs(t, s2, "/v2/payment_methods", ""); len(ids) != 0 || more {
				t.Errorf("payment methods after decline: %v", ids)
			}
		})
	})
}

func TestE2EPayPay(t *testing.T) {
	t.Parallel()
	testdb.ForEach(t, func(t *testing.T, dialect string) {
		s := kessaitest.Start(t, dialect, kessaitest.Options{})
		confirmPayPay := func(t *testing.T, s *kessaitest.Server) (id, checkout string) {
			t.Helper()
			r := must(t, s.Flow(1200, s.PayPay(), "automatic"), 200)
			if r.Str("status") != "requires_action" || r.Int("amount_received") != 0 {
				t.Fatalf("flow: %s", r.Body)
			}
			na, _ := r.JSON["next_action"].(map[string]any)
			if na == nil || na["type"] != "redirect_to_url" {
				t.Fatalf("next_action: %v", r.JSON["next_action"])
			}
			u, _ := na["redirect_to_url"].(map[string]any)["url"].(string)
			if !strings.HasPrefix(u, s.URL+"/kessai/v1/checkout/") {
				t.Fatalf("redirect url %q", u)
			}
			return r.Str("id"), u
		}

		t.Run("approved_through_api_succeeds", func(t *testing.T) {
			s := on(s, t)
			id, u := confirmPayPay(t, s)
			resp, err := http.Get(u)
			if err != nil {
				t.Fatal(err)
			}
			page, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") || !bytes.Contains(page, []byte("Approve")) {
				t.Fatalf("checkout page %d %q: %s", resp.StatusCode, resp.Header.Get("Content-Type"), page)
			}
			if !bytes.Contains(page, []byte(`<html lang="ja">`)) || !bytes.Contains(page, []byte("承認する")) || !bytes.Contains(page, []byte(`<strong id="amount">¥1,200</strong>`)) {
				t.Errorf("the approval page is not in Japanese with the amount in yen:\n%s", page)
			}
			hasEvent(t, s, id, "payment_flow.requires_action")
			r := must(t, s.Post("/kessai/v1/payment_flows/"+id+"/approve", nil), 200)
			if r.Str("status") != "succeeded" || r.Int("amount_received") != 1200 || r.JSON["next_action"] != nil {
				t.Fatalf("approved: %s", r.Body)
			}
			hasEvent(t, s, id, "payment_flow.succeeded")
			wantProblem(t, s.Post("/kessai/v1/payment_flows/"+id+"/approve", nil), 400, "invalid_status")
			s.CheckLedger()
		})
		t.Run("declined_through_api_is_canceled", func(t *testing.T) {
			s := on(s, t)
			id, _ := confirmPayPay(t, s)
			r := must(t, s.Post("/kessai/v1/payment_flows/"+id+"/decline", nil), 200)
			if r.Str("status") != "canceled" || r.Str("canceled_at") == "" || r.Int("amount_received") != 0 {
				t.Fatalf("declined: %s", r.Body)
			}
			if lpe, _ := r.JSON["last_payment_error"].(map[string]any); lpe == nil || lpe["code"] == "" {
				t.Errorf("last_payment_error %v", r.JSON["last_payment_error"])
			}
			hasEvent(t, s, id, "payment_flow.payment_failed")
			hasEvent(t, s, id, "payment_flow.canceled")
			s.CheckLedger()
		})
		t.Run("approved_through_html_form_redirects_303", func(t *testing.T) {
			s := on(s, t)
			id, u := confirmPayPay(t, s)
			pu, err := url.Parse(u)
			if err != nil {
				t.Fatal(err)
			}
			secret := pu.Query().Get("client_secret")
			post := func(form url.Values) *http.Response {
				resp, err := noRedirect.PostForm(s.URL+pu.Path, form)
				if err != nil {
					t.Fatal(err)
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				return resp
			}
			if resp := post(url.Values{"client_secret": {secret + "x"}, "action": {"approve"}}); resp.StatusCode != 404 {
				t.Fatalf("wrong secret: %d", resp.StatusCode)
			}
			if resp, err := http.Get(s.URL + pu.Path + "?client_secret=nope"); err != nil || resp.StatusCode != 404 {
				t.Fatalf("page with wrong secret: %v %v", resp, err)
			} else {
				resp.Body.Close()
			}
			if r := must(t, s.Get("/v2/payment_flows/"+id), 200); r.Str("status") != "requires_action" {
				t.Fatalf("after wrong secret: %s", r.Body)
			}
			resp := post(url.Values{"client_secret": {secret}, "action": {"approve"}})
			if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") == "" {
				t.Fatalf("form post: %d, Location %q", resp.StatusCode, resp.Header.Get("Location"))
			}
			if r := must(t, s.Get("/v2/payment_flows/"+id), 200); r.Str("status") != "succeeded" || r.Int("amount_received") != 1200 {
				t.Fatalf("after form approve: %s", r.Body)
			}
			s.CheckLedger()
		})
	})
}

func TestE2EPagination(t *testing.T) {
	t.Parallel()
	testdb.ForEach(t, func(t *testing.T, dialect string) {
		s := kessaitest.Start(t, dialect, kessaitest.Options{})
		var c []string // oldest first
		for i := range 5 {
			c = append(c, must(t, s.Post("/v2/customers", map[string]any{"email": fmt.Sprintf("c%d@example.com", i)}), 200).Str("id"))
		}
		eq := func(t *testing.T, got []string, want ...string) {
			t.Helper()
			if strings.Join(got, ",") != strings.Join(want, ",") {
				t.Errorf("ids %v, want %v", got, want)
			}
		}
		ids, more := listIDs(t, s, "/v2/customers?limit=2", "")
		eq(t, ids, c[4], c[3])
		if !more {
			t.Error("first page has_more false")
		}
		ids, more = listIDs(t, s, "/v2/customers?limit=2&starting_after="+c[3], "")
		eq(t, ids, c[2], c[1])
		if !more {
			t.Error("second page has_more false")
		}
		ids, more = listIDs(t, s, "/v2/customers?limit=2&starting_after="+c[1], "")
		eq(t, ids, c[0])
		if more {
			t.Error("last page has_more true")
		}
		ids, _ = listIDs(t, s, "/v2/customers?limit=2&ending_before="+c[1], "")
		eq(t, ids, c[3], c[2])
		ids, _ = listIDs(t, s, "/v2/customers?limit=10&ending_before="+c[1], "")
		eq(t, ids, c[4], c[3], c[2])
		ids, more = listIDs(t, s, "/v2/customers", "")
		eq(t, ids, c[4], c[3], c[2], c[1], c[0])
		if more {
			t.Error("full list has_more true")
		}

		for _, tc := range []struct {
			name   string
			query  string
			status int
			code   string
		}{
			{"unknown_starting_after_is_resource_missing", "starting_after=cus_doesnotexist", 400, "resource_missing"},
			{"unknown_ending_before_is_resource_missing", "ending_before=cus_doesnotexist", 400, "resource_missing"},
			{"limit_0_is_invalid", "limit=0", 422, "validation_error"},
			{"limit_101_is_invalid", "limit=101", 422, "validation_error"},
			{"limit_not_a_number_is_invalid", "limit=two", 422, "validation_error"},
			{"both_cursors_are_invalid", "starting_after=" + c[1] + "&ending_before=" + c[3], 422, "validation_error"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				wantProblem(t, on(s, t).Get("/v2/customers?"+tc.query), tc.status, tc.code)
			})
		}
		ids, _ = listIDs(t, s, "/v2/customers?limit=100", "")
		eq(t, ids, c[4], c[3], c[2], c[1], c[0])
	})
}

func TestE2EIdempotency(t *testing.T) {
	t.Parallel()
	testdb.ForEach(t, func(t *testing.T, dialect string) {
		s := kessaitest.Start(t, dialect, kessaitest.Options{})
		pm := s.Card("4242424242424242")
		body := map[string]any{"amount": 1000, "currency": "jpy", "payment_method_id": pm, "confirm": true}
		keyed := func(s *kessaitest.Server, key string, path string, body any, acctKey string) *kessaitest.Response {
			return s.Do(req{Method: "POST", Path: path, Body: body, Key: acctKey, Header: map[string]string{"Idempotency-Key": key}})
		}

		t.Run("same_key_same_body_replays_same_bytes", func(t *testing.T) {
			s := on(s, t)
			before := count(t, s, "/v2/payment_flows")
			a := must(t, keyed(s, "flow-1", "/v2/payment_flows", body, ""), 200)
			b := must(t, keyed(s, "flow-1", "/v2/payment_flows", body, ""), 200)
			if !bytes.Equal(a.Body, b.Body) {
				t.Errorf("replay differs:\n%s\n%s", a.Body, b.Body)
			}
			if a.Header.Get("Idempotent-Replayed") != "" {
				t.Errorf("first answer has Idempotent-Replayed %q", a.Header.Get("Idempotent-Replayed"))
			}
			if b.Header.Get("Idempotent-Replayed") != "true" {
				t.Errorf("replay has Idempotent-Replayed %q", b.Header.Get("Idempotent-Replayed"))
			}
			if n := count(t, s, "/v2/payment_flows"); n != before+1 {
				t.Errorf("%d flows, want %d", n, before+1)
			}
			if a.Str("status") != "succeeded" {
				t.Errorf("flow: %s", a.Body)
			}
			var txns int
			for _, x := range must(t, s.Get("/v2/payment_transactions"), 200).Data() {
				if x["resource_id"] == a.Str("id") {
					txns++
				}
			}
			if txns != 1 {
				t.Errorf("%d transactions for replayed flow, want 1", txns)
			}
		})
		t.Run("same_key_different_body_conflicts", func(t *testing.T) {
			s := on(s, t)
			must(t, keyed(s, "flow-2", "/v2/payment_flows", body, ""), 200)
			before := count(t, s, "/v2/payment_flows")
			other := map[string]any{"amount": 2000, "currency": "jpy", "payment_method_id": pm, "confirm": true}
			wantProblem(t, keyed(s, "flow-2", "/v2/payment_flows", other, ""), 409, "idempotency_conflict")
			// The same key on another path is another request too.
			wantProblem(t, keyed(s, "flow-2", "/v2/customers", map[string]any{}, ""), 409, "idempotency_conflict")
			if n := count(t, s, "/v2/payment_flows"); n != before {
				t.Errorf("%d flows, want %d", n, before)
			}
		})
		for _, bad := range []struct{ name, key string }{
			{"key_with_space_is_invalid", "a b"},
			{"key_of_256_chars_is_invalid", strings.Repeat("k", 256)},
			{"key_with_non_ascii_is_invalid", "決済"},
			{"empty_key_is_invalid", ""},
		} {
			t.Run(bad.name, func(t *testing.T) {
				s := on(s, t)
				before := count(t, s, "/v2/payment_flows")
				wantProblem(t, keyed(s, bad.key, "/v2/payment_flows", body, ""), 400, "invalid_idempotency_key")
				if n := count(t, s, "/v2/payment_flows"); n != before {
					t.Errorf("%d flows, want %d", n, before)
				}
			})
		}
		t.Run("key_of_255_chars_is_valid", func(t *testing.T) {
			must(t, keyed(on(s, t), strings.Repeat("k", 255), "/v2/customers", map[string]any{}, ""), 200)
		})
		t.Run("key_is_per_account", func(t *testing.T) {
			s := on(s, t)
			other := s.NewAccount("other")
			a := must(t, keyed(s, "cust-1", "/v2/customers", map[string]any{"email": "x@example.com"}, ""), 200)
			b := must(t, keyed(s, "cust-1", "/v2/customers", map[string]any{"email": "x@example.com"}, other.SecretKey), 200)
			if a.Str("id") == b.Str("id") || b.Header.Get("Idempotent-Replayed") != "" {
				t.Errorf("other account got the first account's object: %s / %s", a.Body, b.Body)
			}
			if r := s.Do(req{Method: "GET", Path: "/v2/customers/" + b.Str("id")}); r.Status != 404 {
				t.Errorf("first account sees other account's customer: %d", r.Status)
			}
			ids, _ := listIDs(t, s, "/v2/customers?limit=100", other.SecretKey)
			if len(ids) != 1 || ids[0] != b.Str("id") {
				t.Errorf("other account's customers %v", ids)
			}
		})
		t.Run("declined_confirm_replays_same_402", func(t *testing.T) {
			s := on(s, t)
			bad := s.Card("4000000000080319")
			id := must(t, s.Post("/v2/payment_flows", map[string]any{"amount": 1000, "currency": "jpy", "payment_method_id": bad}), 200).Str("id")
			a := keyed(s, "confirm-1", "/v2/payment_flows/"+id+"/confirm", nil, "")
			wantProblem(t, a, 402, "card_declined")
			b := keyed(s, "confirm-1", "/v2/payment_flows/"+id+"/confirm", nil, "")
			wantProblem(t, b, 402, "card_declined")
			if !bytes.Equal(a.Body, b.Body) || b.Header.Get("Idempotent-Replayed") != "true" {
				t.Errorf("replay %q differs:\n%s\n%s", b.Header.Get("Idempotent-Replayed"), a.Body, b.Body)
			}
			var failed int
			for _, e := range eventTypes(t, s, id) {
				if e == "payment_flow.payment_failed" {
					failed++
				}
			}
			if failed != 1 {
				t.Errorf("%d payment_failed events, want 1", failed)
			}
		})
		t.Run("validation_error_replays_same_422", func(t *testing.T) {
			s := on(s, t)
			a := keyed(s, "bad-1", "/v2/payment_flows", map[string]any{"amount": 10, "currency": "jpy"}, "")
			wantProblem(t, a, 422, "validation_error")
			b := keyed(s, "bad-1", "/v2/payment_flows", map[string]any{"amount": 10, "currency": "jpy"}, "")
			if !bytes.Equal(a.Body, b.Body) || b.Status != 422 {
				t.Errorf("replay differs: %d %s / %s", b.Status, a.Body, b.Body)
			}
		})
		s.CheckLedger()
	})
}

func TestE2EAccountIsolation(t *testing.T) {
	t.Parallel()
	testdb.ForEach(t, func(t *testing.T, dialect string) {
		s := kessaitest.Start(t, dialect, kessaitest.Options{})
		pm := s.Card("4242424242424242")
		cus := must(t, s.Post("/v2/customers", map[string]any{"id": "merchant-cus-1", "email": "a@example.com"}), 200).Str("id")
		held := must(t, s.Flow(1000, pm, "manual"), 200).Str("id")
		paid := s.PaidCardFlow(2000)
		other := s.NewAccount("intruder")
		snapshot := func() map[string][]byte {
			out := map[string][]byte{}
			for _, id := range []string{held, paid} {
				out[id] = must(t, s.Get("/v2/payment_flows/"+id), 200).Body
			}
			return out
		}
		before := snapshot()

		for _, tc := range []struct {
			name         string
			method, path string
			body         any
		}{
			{"get_flow_is_not_found", "GET", "/v2/payment_flows/" + held, nil},
			{"get_payment_method_is_not_found", "GET", "/v2/payment_methods/" + pm, nil},
			{"get_customer_is_not_found", "GET", "/v2/customers/" + cus, nil},
			{"update_customer_is_not_found", "POST", "/v2/customers/" + cus, map[string]any{"email": "evil@example.com"}},
			{"delete_customer_is_not_found", "DELETE", "/v2/customers/" + cus, nil},
			{"update_flow_is_not_found", "POST", "/v2/payment_flows/" + held, map[string]any{"description": "mine"}},
			{"capture_is_not_found", "POST", "/v2/payment_flows/" + held + "/capture", map[string]any{}},
			{"cancel_is_not_found", "POST", "/v2/payment_flows/" + held + "/cancel", map[string]any{}},
			{"confirm_is_not_found", "POST", "/v2/payment_flows/" + held + "/confirm", map[string]any{}},
			{"refund_is_not_found", "POST", "/v2/refunds", map[string]any{"payment_flow": paid, "amount": 500}},
			{"payment_refund_is_not_found", "POST", "/v2/payment_refunds", map[string]any{"payment_flow_id": paid}},
			{"use_payment_method_is_not_found", "POST", "/v2/payment_flows", map[string]any{"amount": 1000, "currency": "jpy", "payment_method_id": pm, "confirm": true}},
			{"approve_is_not_found", "POST", "/kessai/v1/payment_flows/" + held + "/approve", nil},
		} {
			t.Run(tc.name, func(t *testing.T) {
				r := on(s, t).Do(req{Method: tc.method, Path: tc.path, Body: tc.body, Key: other.SecretKey})
				wantProblem(t, r, 404, "not_found")
			})
		}
		after := snapshot()
		for id := range before {
			if !bytes.Equal(before[id], after[id]) {
				t.Errorf("%s changed:\n%s\n%s", id, before[id], after[id])
			}
		}
		if r := must(t, s.Get("/v2/customers/"+cus), 200); r.Str("email") != "a@example.com" {
			t.Errorf("customer changed: %s", r.Body)
		}
		for _, path := range []string{"/v2/payment_flows", "/v2/payment_methods", "/v2/customers", "/v2/payment_transactions", "/v2/events", "/v2/refunds"} {
			if ids, _ := listIDs(t, s, path, other.SecretKey); len(ids) != 0 {
				t.Errorf("other account lists %s: %v", path, ids)
			}
		}
		// The other account may reuse the merchant customer id.
		must(t, s.Do(req{Method: "POST", Path: "/v2/customers", Body: map[string]any{"id": cus}, Key: other.SecretKey}), 200)
		s.CheckLedger()
	})
}

func TestE2EBadInputChangesNothing(t *testing.T) {
	t.Parallel()
	testdb.ForEach(t, func(t *testing.T, dialect string) {
		s := kessaitest.Start(t, dialect, kessaitest.Options{})
		other := s.NewAccount("other")
		foreignPM := must(t, s.Do(req{Method: "POST", Path: "/v2/payment_methods", Body: newCard("4242424242424242"), Key: other.SecretKey}), 200).Str("id")
		must(t, s.Post("/v2/customers", map[string]any{"id": "taken"}), 200)

		meta21 := map[string]any{}
		for i := range 21 {
			meta21[fmt.Sprintf("k%d", i)] = "v"
		}
		flow := func(extra map[string]any) map[string]any {
			b := map[string]any{"amount": 1000, "currency": "jpy"}
			for k, v := range extra {
				if v == nil {
					delete(b, k)
				} else {
					b[k] = v
				}
			}
			return b
		}
		card := func(mut func(c map[string]any)) map[string]any {
			b := newCard("4242424242424242")
			mut(b["card"].(map[string]any))
			return b
		}
		for _, tc := range []struct {
			name   string
			path   string
			body   any
			status int
			code   string
			field  string
		}{
			{"flow_invalid_json_is_422", "/v2/payment_flows", `{"amount":1000,`, 422, "validation_error", "body"},
			{"flow_json_array_is_422", "/v2/payment_flows", `[1]`, 422, "validation_error", "body"},
			{"flow_trailing_data_is_422", "/v2/payment_flows", `{"amount":1000,"currency":"jpy"} {}`, 422, "validation_error", "body"},
			{"flow_amount_49_is_422", "/v2/payment_flows", flow(map[string]any{"amount": 49}), 422, "validation_error", "amount"},
			{"flow_amount_10000000_is_422", "/v2/payment_flows", flow(map[string]any{"amount": 10000000}), 422, "validation_error", "amount"},
			{"flow_amount_string_is_422", "/v2/payment_flows", flow(map[string]any{"amount": "1000"}), 422, "validation_error", "amount"},
			{"flow_amount_fraction_is_422", "/v2/payment_flows", `{"amount":1000.5,"currency":"jpy"}`, 422, "validation_error", "amount"},
			{"flow_amount_overflow_is_422", "/v2/payment_flows", `{"amount":99999999999999999999,"currency":"jpy"}`, 422, "validation_error", "amount"},
			{"flow_missing_amount_is_422", "/v2/payment_flows", flow(map[string]any{"amount": nil}), 422, "validation_error", "amount"},
			{"flow_missing_currency_is_422", "/v2/payment_flows", flow(map[string]any{"currency": nil}), 422, "validation_error", "currency"},
			{"flow_currency_usd_is_422", "/v2/payment_flows", flow(map[string]any{"currency": "usd"}), 422, "validation_error", "currency"},
			{"flow_unknown_field_is_422", "/v2/payment_flows", flow(map[string]any{"colour": "red"}), 422, "validation_error", "colour"},
			{"flow_capture_method_later_is_422", "/v2/payment_flows", flow(map[string]any{"capture_method": "later"}), 422, "validation_error", "capture_method"},
			{"flow_metadata_21_keys_is_400", "/v2/payment_flows", flow(map[string]any{"metadata": meta21}), 400, "metadata_limit_exceeded", ""},
			{"flow_metadata_key_41_chars_is_400", "/v2/payment_flows", flow(map[string]any{"metadata": map[string]any{strings.Repeat("k", 41): "v"}}), 400, "metadata_limit_exceeded", ""},
			{"flow_metadata_value_501_chars_is_400", "/v2/payment_flows", flow(map[string]any{"metadata": map[string]any{"k": strings.Repeat("v", 501)}}), 400, "metadata_limit_exceeded", ""},
			{"flow_metadata_nested_value_is_422", "/v2/payment_flows", flow(map[string]any{"metadata": map[string]any{"k": map[string]any{"a": 1}}}), 422, "validation_error", "metadata.k"},
			{"flow_metadata_not_object_is_422", "/v2/payment_flows", flow(map[string]any{"metadata": "x"}), 422, "validation_error", "metadata"},
			{"flow_foreign_payment_method_is_404", "/v2/payment_flows", flow(map[string]any{"payment_method_id": foreignPM, "confirm": true}), 404, "not_found", ""},
			{"flow_unknown_customer_is_404", "/v2/payment_flows", flow(map[string]any{"customer_id": "nobody"}), 404, "not_found", ""},
			{"flow_return_url_without_confirm_is_422", "/v2/payment_flows", flow(map[string]any{"return_url": "https://example.com/"}), 422, "validation_error", "return_url"},
			{"flow_bad_method_type_is_422", "/v2/payment_flows", flow(map[string]any{"payment_method_types": []string{"cash"}}), 422, "validation_error", "payment_method_types.0"},

			{"method_bad_card_number_is_422", "/v2/payment_methods", card(func(c map[string]any) { c["number"] = "4242abcd" }), 422, "validation_error", "card.number"},
			{"method_luhn_failure_is_402", "/v2/payment_methods", card(func(c map[string]any) { c["number"] = "4242424242424241" }), 402, "incorrect_card_data", ""},
			{"method_exp_month_13_is_422", "/v2/payment_methods", card(func(c map[string]any) { c["exp_month"] = 13 }), 422, "validation_error", "card.exp_month"},
			{"method_exp_month_0_is_422", "/v2/payment_methods", card(func(c map[string]any) { c["exp_month"] = 0 }), 422, "validation_error", "card.exp_month"},
			{"method_bad_cvc_is_422", "/v2/payment_methods", card(func(c map[string]any) { c["cvc"] = "12" }), 422, "validation_error", "card.cvc"},
			{"method_missing_number_is_422", "/v2/payment_methods", card(func(c map[string]any) { delete(c, "number") }), 422, "validation_error", "card.number"},
			{"method_unknown_type_is_422", "/v2/payment_methods", map[string]any{"type": "cash"}, 422, "validation_error", "type"},
			{"method_expired_test_card_is_402", "/v2/payment_methods", newCard("4000000000000069"), 402, "expired_card", ""},

			{"customer_bad_email_is_422", "/v2/customers", map[string]any{"email": "not-an-email"}, 422, "validation_error", "email"},
			{"customer_duplicate_id_is_400", "/v2/customers", map[string]any{"id": "taken"}, 400, "already_exists_id", ""},
			{"customer_bad_id_is_422", "/v2/customers", map[string]any{"id": "has space"}, 422, "validation_error", "id"},
			{"customer_unknown_field_is_422", "/v2/customers", map[string]any{"name": "x"}, 422, "validation_error", "name"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				s := on(s, t)
				resource := strings.TrimPrefix(tc.path, "/v2/")
				before := count(t, s, tc.path)
				events := count(t, s, "/v2/events")
				r := s.Do(req{Method: "POST", Path: tc.path, Body: tc.body})
				wantProblem(t, r, tc.status, tc.code)
				if tc.field != "" && fieldOf(r) != tc.field {
					t.Errorf("errors[0].field %q, want %q: %s", fieldOf(r), tc.field, r.Body)
				}
				if r.Str("instance") != tc.path {
					t.Errorf("instance %q, want %q", r.Str("instance"), tc.path)
				}
				if n := count(t, s, tc.path); n != before {
					t.Errorf("%d %s after the request, want %d", n, resource, before)
				}
				if n := count(t, s, "/v2/events"); n != events {
					t.Errorf("%d events after the request, want %d", n, events)
				}
			})
		}
		if n := count(t, s, "/v2/payment_flows"); n != 0 {
			t.Errorf("%d flows created by bad input", n)
		}
		if n := count(t, s, "/v2/payment_methods"); n != 0 {
			t.Errorf("%d payment methods created by bad input", n)
		}
	})
}

func TestE2EAuth(t *testing.T) {
	t.Parallel()
	testdb.ForEach(t, func(t *testing.T, dialect string) {
		s := kessaitest.Start(t, dialect, kessaitest.Options{})
		basic := func(user string) string {
			return "Basic " + base64Std(user+":")
		}
		for _, tc := range []struct {
			name   string
			method string
			path   string
			header map[string]string
			key    string
			status int
		}{
			{"no_authorization_is_401", "GET", "/v2/payment_flows", nil, "-", 401},
			{"no_authorization_on_post_is_401", "POST", "/v2/customers", nil, "-", 401},
			{"wrong_key_is_401", "GET", "/v2/payment_flows", nil, "sk_test_wrongwrongwrong", 401},
			{"wrong_key_on_post_is_401", "POST", "/v2/customers", nil, "sk_test_wrongwrongwrong", 401},
			{"empty_bearer_is_401", "GET", "/v2/payment_flows", map[string]string{"Authorization": "Bearer "}, "-", 401},
			{"unknown_scheme_is_401", "GET", "/v2/payment_flows", map[string]string{"Authorization": "Token " + s.Key}, "-", 401},
			{"basic_with_wrong_key_is_401", "GET", "/v2/payment_flows", map[string]string{"Authorization": basic("sk_test_nope")}, "-", 401},
			{"basic_with_bad_base64_is_401", "GET", "/v2/payment_flows", map[string]string{"Authorization": "Basic !!!"}, "-", 401},
			{"basic_with_secret_key_is_200", "GET", "/v2/payment_flows", map[string]string{"Authorization": basic(s.Key)}, "-", 200},
			{"basic_with_secret_key_on_post_is_200", "POST", "/v2/customers", map[string]string{"Authorization": basic(s.Key)}, "-", 200},
			{"bearer_with_secret_key_is_200", "GET", "/v2/payment_flows", nil, "", 200},
		} {
			t.Run(tc.name, func(t *testing.T) {
				var body any
				if tc.method == "POST" {
					body = map[string]any{}
				}
				r := on(s, t).Do(req{Method: tc.method, Path: tc.path, Body: body, Key: tc.key, Header: tc.header})
				if tc.status == 401 {
					wantProblem(t, r, 401, "unauthorized")
				} else {
					must(t, r, tc.status)
				}
			})
		}
		// Only the authenticated POST created a customer.
		if n := count(t, s, "/v2/customers"); n != 1 {
			t.Errorf("%d customers, want 1", n)
		}
	})
}

func TestE2ECustomerCRUD(t *testing.T) {
	t.Parallel()
	testdb.ForEach(t, func(t *testing.T, dialect string) {
		s := kessaitest.Start(t, dialect, kessaitest.Options{})
		r := must(t, s.Post("/v2/customers", map[string]any{"email": "a@example.com", "description": "first",
			"metadata": map[string]any{"plan": "gold", "seats": 3, "vip": true}}), 200)
		id := r.Str("id")
		if !strings.HasPrefix(id, "cus_") || r.Str("object") != "customer" || r.Str("email") != "a@example.com" || r.Str("description") != "first" {
			t.Fatalf("created: %s", r.Body)
		}
		got := must(t, s.Get("/v2/customers/"+id), 200)
		if !bytes.Equal(got.Body, r.Body) {
			t.Errorf("retrieved differs from created:\n%s\n%s", got.Body, r.Body)
		}
		hasEvent(t, s, id, "customer.created")

		r = must(t, s.Post("/v2/customers/"+id, map[string]any{"email": "b@example.com", "metadata": map[string]any{"plan": "", "team": "red"}}), 200)
		md, _ := r.JSON["metadata"].(map[string]any)
		if r.Str("email") != "b@example.com" || r.Str("description") != "first" {
			t.Errorf("updated: %s", r.Body)
		}
		if _, ok := md["plan"]; ok || md["team"] != "red" || md["seats"] != float64(3) || md["vip"] != true || len(md) != 3 {
			t.Errorf("metadata after update %v", md)
		}
		if got := must(t, s.Get("/v2/customers/"+id), 200); !bytes.Equal(got.Body, r.Body) {
			t.Errorf("retrieved differs from updated:\n%s\n%s", got.Body, r.Body)
		}
		r = must(t, s.Post("/v2/customers/"+id, map[string]any{"description": ""}), 200)
		if r.JSON["description"] != nil {
			t.Errorf("description not cleared: %s", r.Body)
		}
		wantProblem(t, s.Post("/v2/customers/"+id, map[string]any{"id": "renamed"}), 422, "validation_error")
		hasEvent(t, s, id, "customer.updated")

		r = must(t, s.Do(req{Method: "DELETE", Path: "/v2/customers/" + id}), 200)
		if r.Str("id") != id || r.JSON["deleted"] != true || r.Str("object") != "customer" {
			t.Errorf("deleted: %s", r.Body)
		}
		wantProblem(t, s.Get("/v2/customers/"+id), 404, "not_found")
		wantProblem(t, s.Do(req{Method: "DELETE", Path: "/v2/customers/" + id}), 404, "not_found")
		wantProblem(t, s.Post("/v2/customers/"+id, map[string]any{"email": "c@example.com"}), 404, "not_found")
		hasEvent(t, s, id, "customer.deleted")
		if n := count(t, s, "/v2/customers"); n != 0 {
			t.Errorf("%d customers after delete", n)
		}

		// A merchant-chosen id works through the whole cycle.
		must(t, s.Post("/v2/customers", map[string]any{"id": "shop_42"}), 200)
		must(t, s.Get("/v2/customers/shop_42"), 200)
		must(t, s.Do(req{Method: "DELETE", Path: "/v2/customers/shop_42"}), 200)
		wantProblem(t, s.Get("/v2/customers/shop_42"), 404, "not_found")
		// Its id is free again.
		must(t, s.Post("/v2/customers", map[string]any{"id": "shop_42"}), 200)
	})
}
