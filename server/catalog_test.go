package server_test

import (
	"testing"

	"github.com/kessai/kessai/internal/kessaitest"
	"github.com/kessai/kessai/internal/testdb"
)

// TestCatalog_ProductsPricesTaxRates: the catalog's rules and shapes.
func TestCatalog_ProductsPricesTaxRates(t *testing.T) {
	t.Parallel()
	testdb.ForEach(t, func(t *testing.T, dialect string) {
		s := kessaitest.Start(t, dialect, kessaitest.Options{})
		prod := must(t, s.Post("/v2/products", map[string]any{"id": "tea", "name": "Green tea", "unit_label": "cup"}), 200)
		if prod.Str("id") != "tea" || prod.JSON["active"] != true || prod.JSON["default_price_id"] != nil {
			t.Fatalf("product: %s", prod.Body)
		}
		wantProblem(t, s.Post("/v2/products", map[string]any{"id": "tea", "name": "again"}), 400, "already_exists_id")
		wantProblem(t, s.Post("/v2/products", map[string]any{}), 422, "validation_error")

		price := must(t, s.Post("/v2/prices", map[string]any{"product_id": "tea", "unit_amount": 480, "currency": "jpy", "lookup_key": "tea-cup"}), 200)
		if price.Int("unit_amount") != 480 || price.Str("type") != "one_time" {
			t.Fatalf("price: %s", price.Body)
		}
		wantProblem(t, s.Post("/v2/prices", map[string]any{"product_id": "nope", "unit_amount": 1, "currency": "jpy"}), 404, "not_found")
		wantProblem(t, s.Post("/v2/prices/"+price.Str("id"), map[string]any{"unit_amount": 1}), 422, "validation_error")
		ids, _ := listIDs(t, s, "/v2/prices?lookup_keys=tea-cup", "")
		if len(ids) != 1 || ids[0] != price.Str("id") {
			t.Errorf("prices by lookup key: %v", ids)
		}

		other := must(t, s.Post("/v2/products", map[string]any{"name": "Coffee"}), 200).Str("id")
		otherPrice := must(t, s.Post("/v2/prices", map[string]any{"product_id": other, "unit_amount": 500, "currency": "jpy"}), 200).Str("id")
		wantProblem(t, s.Post("/v2/products/tea", map[string]any{"default_price_id": otherPrice}), 400, "invalid_default_price")
		if got := must(t, s.Post("/v2/products/tea", map[string]any{"default_price_id": price.Str("id")}), 200).Str("default_price_id"); got != price.Str("id") {
			t.Errorf("default price %q", got)
		}
		wantProblem(t, s.Do(req{Method: "DELETE", Path: "/v2/products/tea"}), 400, "product_has_prices")
		empty := must(t, s.Post("/v2/products", map[string]any{"name": "Nothing"}), 200).Str("id")
		if r := must(t, s.Do(req{Method: "DELETE", Path: "/v2/products/" + empty}), 200); r.JSON["deleted"] != true {
			t.Errorf("delete: %s", r.Body)
		}
		wantProblem(t, s.Get("/v2/products/"+empty), 404, "not_found")

		tax := must(t, s.Post("/v2/tax_rates", map[string]any{"display_name": "軽減税率", "inclusive": true, "percentage": 8.5}), 200)
		if string(must(t, s.Get("/v2/tax_rates/"+tax.Str("id")), 200).Body) == "" || tax.JSON["percentage"] != 8.5 || tax.Str("country") != "JP" {
			t.Errorf("tax rate: %s", tax.Body)
		}
		wantProblem(t, s.Post("/v2/tax_rates", map[string]any{"display_name": "x", "inclusive": true, "percentage": 100.00001}), 422, "validation_error")
		wantProblem(t, s.Post("/v2/tax_rates", map[string]any{"display_name": "x", "inclusive": true, "percentage": -1}), 422, "validation_error")
		wantProblem(t, s.Post("/v2/tax_rates/"+tax.Str("id"), map[string]any{"percentage": 10}), 422, "validation_error")
		if got := must(t, s.Post("/v2/tax_rates/"+tax.Str("id"), map[string]any{"active": false}), 200).JSON["active"]; got != false {
			t.Errorf("deactivated tax rate: active %v", got)
		}
		for _, typ := range []string{"product.created", "price.created", "tax_rate.created"} {
			if n := len(must(t, s.Get("/v2/events?type="+typ), 200).Data()); n == 0 {
				t.Errorf("no %s event", typ)
			}
		}
	})
}
