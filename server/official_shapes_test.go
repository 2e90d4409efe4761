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
