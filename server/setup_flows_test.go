package server_test

import (
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/kessai/kessai/internal/kessaitest"
	"github.com/kessai/kessai/internal/testdb"
)

// TestSetupFlows_SaveACardAndPayOffSession: a card saved by a setup flow is
// attached to the customer, pays off session and can be refunded; a card
// declined at charge fails the setup and the flow waits for another.
func TestSetupFlows_SaveACardAndPayOffSession(t *testing.T) {
	t.Parallel()
	testdb.ForEach(t, func(t *testing.T, dialect string) {
		s := kessaitest.Start(t, dialect, kessaitest.Options{})
		cus := must(t, s.Post("/v2/customers", map[string]any{"email": "save@example.com"}), 200).Str("id")
		sf := must(t, s.Post("/v2/setup_flows", map[string]any{"customer_id": cus, "usage": "off_session", "metadata": map[string]any{"k": "v"}}), 200)
		id := sf.Str("id")
		if sf.Str("status") != "requires_payment_method" || sf.Str("client_secret") == "" || sf.Str("usage") != "off_session" {
			t.Fatalf("created: %s", sf.Body)
		}

		bad := s.Card("4000000000080319")
		wantProblem(t, s.Post("/kessai/v1/setup_flows/"+id+"/confirm", map[string]any{"payment_method_id": bad}), 402, "card_declined")
		failed := must(t, s.Get("/v2/setup_flows/"+id), 200)
		if failed.Str("status") != "requires_payment_method" || failed.JSON["last_setup_error"] == nil {
			t.Errorf("after a declined card: %s", failed.Body)
		}
		hasEvent(t, s, id, "setup_flow.setup_failed")

		pm := s.Card("4242424242424242")
		ok := must(t, s.Post("/kessai/v1/setup_flows/"+id+"/confirm", map[string]any{"payment_method_id": pm}), 200)
		if ok.Str("status") != "succeeded" || ok.Str("payment_method_id") != pm || ok.JSON["last_setup_error"] != nil {
			t.Fatalf("confirmed: %s", ok.Body)
		}
		hasEvent(t, s, id, "setup_flow.succeeded")
		if got := must(t, s.Get("/v2/payment_methods/"+pm), 200).Str("customer_id"); got != cus {
			t.Errorf("saved card belongs to %q, want %s", got, cus)
		}
		wantProblem(t, s.Post("/kessai/v1/setup_flows/"+id+"/confirm", map[string]any{"payment_method_id": pm}), 400, "invalid_status")
		wantProblem(t, s.Post("/v2/setup_flows/"+id+"/cancel", nil), 400, "invalid_status")

		flow := must(t, s.Post("/v2/payment_flows", map[string]any{"amount": 2500, "currency": "jpy", "customer_id": cus,
			"payment_method_id": pm, "confirm": true}), 200)
		if flow.Str("status") != "succeeded" {
			t.Fatalf("off-session payment: %s", flow.Body)
		}
		must(t, s.Post("/v2/payment_refunds", map[string]any{"payment_flow_id": flow.Str("id"), "amount": 500}), 200)

		other := must(t, s.Post("/v2/setup_flows", map[string]any{}), 200).Str("id")
		must(t, s.Post("/v2/setup_flows/"+other, map[string]any{"description": "later", "customer_id": cus}), 200)
		c := must(t, s.Post("/v2/setup_flows/"+other+"/cancel", map[string]any{"cancellation_reason": "abandoned"}), 200)
		if c.Str("status") != "canceled" || c.Str("cancellation_reason") != "abandoned" {
			t.Errorf("canceled: %s", c.Body)
		}
		wantProblem(t, s.Post("/v2/setup_flows", map[string]any{"usage": "sometimes"}), 422, "validation_error")
		wantProblem(t, s.Post("/v2/setup_flows", map[string]any{"customer_id": "cus_nope"}), 404, "not_found")
		ids, _ := listIDs(t, s, "/v2/setup_flows?customer_id="+cus, "")
		if len(ids) != 2 {
			t.Errorf("the customer's setup flows: %v", ids)
		}
		s.CheckLedger()
	})
}

// TestMethodConfig_DecidesTheDefaultTypes: turning PayPay off leaves card
// alone as the default of new payment flows; naming types still works;
// turning both off refuses a flow that names none.
func TestMethodConfig_DecidesTheDefaultTypes(t *testing.T) {
	t.Parallel()
	testdb.ForEach(t, func(t *testing.T, dialect string) {
		s := kessaitest.Start(t, dialect, kessaitest.Options{})
		list := must(t, s.Get("/v2/payment_method_configurations"), 200).Data()
		if len(list) != 1 || list[0]["active"] != true {
			t.Fatalf("configurations %v", list)
		}
		id := list[0]["id"].(string)
		types := func() []any {
			return must(t, s.Post("/v2/payment_flows", map[string]any{"amount": 1000, "currency": "jpy"}), 200).JSON["payment_method_types"].([]any)
		}
		if got := types(); len(got) != 2 {
			t.Errorf("default types %v, want card and paypay", got)
		}
		c := must(t, s.Post("/v2/payment_method_configurations/"+id, map[string]any{"paypay": map[string]any{"display_preference": map[string]any{"preference": "off"}}}), 200)
		pp := c.JSON["paypay"].(map[string]any)
		if pp["available"] != false || pp["display_preference"].(map[string]any)["value"] != "off" {
			t.Errorf("paypay after off: %v", pp)
		}
		if got := types(); len(got) != 1 || got[0] != "card" {
			t.Errorf("default types with PayPay off %v, want [card]", got)
		}
		must(t, s.Post("/v2/payment_flows", map[string]any{"amount": 1000, "currency": "jpy", "payment_method_types": []string{"paypay"}}), 200)
		must(t, s.Post("/v2/payment_method_configurations/"+id, map[string]any{"card": map[string]any{"display_preference": map[string]any{"preference": "off"}}}), 200)
		wantProblem(t, s.Post("/v2/payment_flows", map[string]any{"amount": 1000, "currency": "jpy"}), 400, "payment_method_not_in_allowed_types")
		wantProblem(t, s.Post("/v2/setup_flows", map[string]any{}), 400, "payment_method_not_in_allowed_types")
		wantProblem(t, s.Post("/v2/payment_method_configurations/"+id, map[string]any{"card": map[string]any{"display_preference": map[string]any{"preference": "maybe"}}}), 422, "validation_error")
		wantProblem(t, s.Get("/v2/payment_method_configurations/pmc_nope"), 404, "not_found")
	})
}

// TestSetupFlows_ThreeDSecure: a setup flow that asks for 3-D Secure waits
// in requires_action for the buyer on kessai's page; declining sends it back
// for another card, approving saves the card, which then pays off session.
// The 3-D Secure test card makes a payment flow wait the same way.
func TestSetupFlows_ThreeDSecure(t *testing.T) {
	t.Parallel()
	testdb.ForEach(t, func(t *testing.T, dialect string) {
		s := kessaitest.Start(t, dialect, kessaitest.Options{})
		cus := must(t, s.Post("/v2/customers", map[string]any{"email": "3ds@example.com"}), 200).Str("id")
		sf := must(t, s.Post("/v2/setup_flows", map[string]any{"customer_id": cus,
			"payment_method_options": map[string]any{"card": map[string]any{"request_three_d_secure": "any"}}}), 200).Str("id")
		pm := s.Card("4242424242424242")
		waiting := must(t, s.Post("/kessai/v1/setup_flows/"+sf+"/confirm", map[string]any{"payment_method_id": pm}), 200)
		na, _ := waiting.JSON["next_action"].(map[string]any)
		if waiting.Str("status") != "requires_action" || na == nil {
			t.Fatalf("confirmed with 3-D Secure: %s", waiting.Body)
		}
		hasEvent(t, s, sf, "setup_flow.requires_action")
		page := na["redirect_to_url"].(map[string]any)["url"].(string)
		if !strings.HasPrefix(page, s.URL+"/kessai/v1/checkout/") {
			t.Fatalf("next_action url %q", page)
		}
		answer := func(action string) {
			t.Helper()
			u, _ := url.Parse(page)
			form := url.Values{"client_secret": {u.Query().Get("client_secret")}, "action": {action}}
			u.RawQuery = ""
			resp, err := noRedirect.PostForm(u.String(), form)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != 303 {
				t.Fatalf("%s on the page: %d", action, resp.StatusCode)
			}
		}
		resp, err := http.Get(page)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || !strings.Contains(string(body), "Approve") || !strings.Contains(string(body), sf) {
			t.Fatalf("page %d: %s", resp.StatusCode, body)
		}
		if got := must(t, s.Get("/v2/payment_methods/"+pm), 200).JSON["customer_id"]; got != nil {
			t.Errorf("card attached before 3-D Secure: %v", got)
		}
		answer("decline")
		failed := must(t, s.Get("/v2/setup_flows/"+sf), 200)
		if failed.Str("status") != "requires_payment_method" || failed.JSON["last_setup_error"].(map[string]any)["code"] != "three_d_secure_failed" {
			t.Fatalf("declined: %s", failed.Body)
		}
		must(t, s.Post("/kessai/v1/setup_flows/"+sf+"/confirm", map[string]any{"payment_method_id": pm}), 200)
		answer("approve")
		saved := must(t, s.Get("/v2/setup_flows/"+sf), 200)
		if saved.Str("status") != "succeeded" || saved.JSON["next_action"] != nil {
			t.Fatalf("approved: %s", saved.Body)
		}
		if got := must(t, s.Get("/v2/payment_methods/"+pm), 200).Str("customer_id"); got != cus {
			t.Fatalf("saved card's customer %q", got)
		}
		flow := must(t, s.Post("/v2/payment_flows", map[string]any{"amount": 1200, "currency": "jpy", "customer_id": cus,
			"payment_method_id": pm, "confirm": true}), 200)
		if flow.Str("status") != "succeeded" {
			t.Fatalf("off-session payment: %s", flow.Body)
		}
		must(t, s.Post("/v2/payment_refunds", map[string]any{"payment_flow_id": flow.Str("id")}), 200)

		threeDS := must(t, s.Flow(2000, s.Card("4000000000003220"), "automatic"), 200)
		if threeDS.Str("status") != "requires_action" {
			t.Fatalf("3-D Secure card: %s", threeDS.Body)
		}
		paid := must(t, s.Post("/kessai/v1/payment_flows/"+threeDS.Str("id")+"/approve", nil), 200)
		if paid.Str("status") != "succeeded" || paid.Int("amount_received") != 2000 {
			t.Errorf("3-D Secure passed: %s", paid.Body)
		}
		s.CheckLedger()
	})
}
