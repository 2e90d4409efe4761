package server_test

import (
	"testing"

	"github.com/kessai/kessai/internal/kessaitest"
	"github.com/kessai/kessai/internal/testdb"
)

// TestOfficialShapes: responses and requests that the official PAY.JP v2
// schema and SDK expect (issue 11's "fix what exists").
func TestOfficialShapes(t *testing.T) {
	t.Parallel()
	testdb.ForEach(t, func(t *testing.T, dialect string) {
		s := kessaitest.Start(t, dialect, kessaitest.Options{})
		pm := s.Card("4242424242424242")
		t.Run("billing_address_is_an_object_of_nullable_members", func(t *testing.T) {
			r := must(t, on(s, t).Get("/v2/payment_methods/"+pm), 200)
			addr, ok := r.JSON["billing_details"].(map[string]any)["address"].(map[string]any)
			if !ok || len(addr) != 6 || addr["zip"] != nil {
				t.Errorf("address %v", r.JSON["billing_details"])
			}
		})
		t.Run("update_accepts_the_methods_own_type", func(t *testing.T) {
			must(t, on(s, t).Post("/v2/payment_methods/"+pm, map[string]any{"type": "card", "metadata": map[string]any{"k": "v"}}), 200)
			wantProblem(t, on(s, t).Post("/v2/payment_methods/"+pm, map[string]any{"type": "paypay"}), 422, "validation_error")
		})
		t.Run("delete_customer_answers_the_customer", func(t *testing.T) {
			id := must(t, on(s, t).Post("/v2/customers", map[string]any{"email": "gone@example.com"}), 200).Str("id")
			r := must(t, on(s, t).Do(req{Method: "DELETE", Path: "/v2/customers/" + id}), 200)
			if r.Str("email") != "gone@example.com" || r.JSON["deleted"] != true || r.Str("created_at") == "" {
				t.Errorf("delete answered %s", r.Body)
			}
		})
		t.Run("problem_type_and_title_are_the_official_ones", func(t *testing.T) {
			r := on(s, t).Post("/v2/customers", map[string]any{"id": "dup-1"})
			must(t, r, 200)
			r = on(s, t).Post("/v2/customers", map[string]any{"id": "dup-1"})
			wantProblem(t, r, 400, "already_exists_id")
			if r.Str("title") != "Already Exists ID" || r.Str("type") != "https://docs.pay.jp/v2/guide/developers/error-response#400-bad-request" {
				t.Errorf("problem %s", r.Body)
			}
		})
	})
}

// TestPaymentMethods_AttachDetach: a method attached to a customer pays for
// them and is listed under them; another customer cannot take it; a
// detached method cannot pay.
func TestPaymentMethods_AttachDetach(t *testing.T) {
	t.Parallel()
	testdb.ForEach(t, func(t *testing.T, dialect string) {
		s := kessaitest.Start(t, dialect, kessaitest.Options{})
		pm := s.Card("4242424242424242")
		cus := must(t, s.Post("/v2/customers", map[string]any{"email": "a@example.com"}), 200).Str("id")
		other := must(t, s.Post("/v2/customers", map[string]any{"email": "b@example.com"}), 200).Str("id")

		r := must(t, s.Post("/v2/payment_methods/"+pm+"/attach", map[string]any{"customer_id": cus}), 200)
		if r.Str("customer_id") != cus {
			t.Fatalf("attach: %s", r.Body)
		}
		must(t, s.Post("/v2/payment_methods/"+pm+"/attach", map[string]any{"customer_id": cus}), 200)
		wantProblem(t, s.Post("/v2/payment_methods/"+pm+"/attach", map[string]any{"customer_id": other}), 400, "payment_method_already_attached")
		wantProblem(t, s.Post("/v2/payment_methods/"+pm+"/attach", map[string]any{"customer_id": "cus_nope"}), 404, "not_found")
		wantProblem(t, s.Post("/v2/payment_methods/"+pm+"/attach", map[string]any{}), 422, "validation_error")
		ids, _ := listIDs(t, s, "/v2/customers/"+cus+"/payment_methods", "")
		if len(ids) != 1 || ids[0] != pm {
			t.Errorf("the customer's methods: %v", ids)
		}
		wantProblem(t, s.Get("/v2/customers/cus_nope/payment_methods"), 404, "not_found")
		must(t, s.Post("/v2/payment_flows", map[string]any{"amount": 1000, "currency": "jpy", "customer_id": cus, "payment_method_id": pm, "confirm": true}), 200)

		d := must(t, s.Post("/v2/payment_methods/"+pm+"/detach", nil), 200)
		if d.Str("detached_at") == "" {
			t.Errorf("detach: %s", d.Body)
		}
		wantProblem(t, s.Post("/v2/payment_flows", map[string]any{"amount": 1000, "currency": "jpy", "customer_id": cus, "payment_method_id": pm, "confirm": true}),
			400, "detached_payment_method_not_usable")
		wantProblem(t, s.Post("/v2/payment_methods/"+pm+"/attach", map[string]any{"customer_id": cus}), 400, "detached_payment_method_not_usable")
		for _, typ := range []string{"payment_method.attached", "payment_method.detached"} {
			hasEvent(t, s, pm, typ)
		}
		s.CheckLedger()
	})
}
