package server_test

import (
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/kessai/kessai/internal/kessaitest"
	"github.com/kessai/kessai/internal/testdb"
)

// buyer is the simulated buyer's browser on a checkout session's page: it
// reads the page and submits its form, without following redirects.
type buyer struct {
	t   testing.TB
	url string // the session's url
}

func (b buyer) page() (int, string) {
	b.t.Helper()
	resp, err := http.Get(b.url)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

// submit posts the form; it answers the status, the redirect's Location
// and the body.
func (b buyer) submit(form url.Values) (int, string, string) {
	b.t.Helper()
	u, err := url.Parse(b.url)
	if err != nil {
		b.t.Fatal(err)
	}
	form.Set("client_secret", u.Query().Get("client_secret"))
	u.RawQuery = ""
	resp, err := noRedirect.PostForm(u.String(), form)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header.Get("Location"), string(body)
}

func (b buyer) pay(method string) (int, string, string) {
	b.t.Helper()
	return b.submit(url.Values{"action": {"pay"}, "method": {method}, "email": {"buyer@example.com"}, "name": {"Hanako"}})
}

// catalog makes a ¥1,000 price with a 10 % exclusive tax rate and a
// ¥1,080 price with an 8 % inclusive one.
func catalog(t *testing.T, s *kessaitest.Server) (price1000, price1080, tax10, tax8 string) {
	t.Helper()
	prod := must(t, s.Post("/v2/products", map[string]any{"name": "Green tea"}), 200).Str("id")
	price1000 = must(t, s.Post("/v2/prices", map[string]any{"product_id": prod, "unit_amount": 1000, "currency": "jpy"}), 200).Str("id")
	price1080 = must(t, s.Post("/v2/prices", map[string]any{"product_id": prod, "unit_amount": 1080, "currency": "jpy"}), 200).Str("id")
	tax10 = must(t, s.Post("/v2/tax_rates", map[string]any{"display_name": "消費税", "inclusive": false, "percentage": 10}), 200).Str("id")
	tax8 = must(t, s.Post("/v2/tax_rates", map[string]any{"display_name": "軽減税率", "inclusive": true, "percentage": 8}), 200).Str("id")
	return
}

func line(price string, qty int, taxRates ...string) map[string]any {
	if taxRates == nil {
		taxRates = []string{}
	}
	return map[string]any{"price_id": price, "quantity": qty, "tax_rates": taxRates}
}

// TestCheckout_PaidWithATestCard: a session's amounts are its lines plus
// exclusive tax, exactly; a declined card leaves it open with its flow
// waiting (which the merchant cannot confirm or cancel); a good card pays
// the whole total, completes the session and redirects to success_url.
func TestCheckout_PaidWithATestCard(t *testing.T) {
	t.Parallel()
	testdb.ForEach(t, func(t *testing.T, dialect string) {
		s := kessaitest.Start(t, dialect, kessaitest.Options{})
		p1000, p1080, tax10, tax8 := catalog(t, s)
		cs := must(t, s.Post("/v2/checkout/sessions", map[string]any{"mode": "payment",
			"line_items":  []any{line(p1000, 3, tax10), line(p1080, 1, tax8)},
			"success_url": "https://shop.example/done?session={CHECKOUT_SESSION_ID}", "cancel_url": "https://shop.example/cart",
			"payment_flow_data": map[string]any{"metadata": map[string]any{"order": "42"}}, "metadata": map[string]any{"cart": "7"}}), 200)
		id := cs.Str("id")
		// 3 × ¥1,000 + 10 % = ¥3,300; ¥1,080 with 8 % inside = ¥1,080 (tax ¥80).
		if cs.Str("status") != "open" || cs.Int("amount_subtotal") != 4080 || cs.Int("amount_total") != 4380 ||
			cs.JSON["payment_flow_id"] != nil || cs.Str("expires_at") != kessaitest.Epoch.Add(24*time.Hour).Format(time.RFC3339) {
			t.Fatalf("created: %s", cs.Body)
		}
		items := must(t, s.Get("/v2/checkout/sessions/"+id+"/line_items"), 200).Data()
		if len(items) != 2 || items[0]["amount_tax"] != 300.0 || items[0]["amount_total"] != 3300.0 ||
			items[1]["amount_tax"] != 80.0 || items[1]["amount_total"] != 1080.0 || items[0]["description"] != "Green tea" {
			t.Fatalf("line items: %v", items)
		}
		page1 := must(t, s.Get("/v2/checkout/sessions/"+id+"/line_items?limit=1"), 200)
		if page1.JSON["has_more"] != true || page1.Data()[0]["id"] != items[0]["id"] {
			t.Errorf("first page of line items: %s", page1.Body)
		}
		page2 := must(t, s.Get("/v2/checkout/sessions/"+id+"/line_items?limit=1&starting_after="+items[0]["id"].(string)), 200)
		if page2.JSON["has_more"] != false || page2.Data()[0]["id"] != items[1]["id"] {
			t.Errorf("second page of line items: %s", page2.Body)
		}
		wantProblem(t, s.Get("/v2/checkout/sessions/"+id+"/line_items?starting_after=li_nope"), 400, "resource_missing")
		if got := must(t, s.Post("/v2/checkout/sessions/"+id, map[string]any{"metadata": map[string]any{"note": "gift"}}), 200).JSON["metadata"]; len(got.(map[string]any)) != 2 {
			t.Errorf("metadata after update: %v", got)
		}

		b := buyer{t, cs.Str("url")}
		if status, body := b.page(); status != 200 || !strings.Contains(body, "4380") || !strings.Contains(body, "Green tea") {
			t.Fatalf("page %d: %s", status, body)
		}
		if status, _, body := b.pay("card:4000000000080319"); status != 402 || !strings.Contains(body, "declined") {
			t.Fatalf("declined card: %d %s", status, body)
		}
		open := must(t, s.Get("/v2/checkout/sessions/"+id), 200)
		flow := open.Str("payment_flow_id")
		if open.Str("status") != "open" || flow == "" {
			t.Fatalf("after a declined card: %s", open.Body)
		}
		if f := must(t, s.Get("/v2/payment_flows/"+flow), 200); f.Str("status") != "requires_payment_method" || f.JSON["last_payment_error"] == nil {
			t.Errorf("the session's flow after a decline: %s", f.Body)
		}
		wantProblem(t, s.Post("/v2/payment_flows/"+flow+"/confirm", map[string]any{"payment_method_id": s.Card("4242424242424242")}), 400, "invalid_status")
		wantProblem(t, s.Post("/v2/payment_flows/"+flow+"/cancel", nil), 400, "invalid_status")

		status, loc, body := b.pay("card:4242424242424242")
		if status != 303 || loc != "https://shop.example/done?session="+id {
			t.Fatalf("paid: %d %q %s", status, loc, body)
		}
		done := must(t, s.Get("/v2/checkout/sessions/"+id), 200)
		if done.Str("status") != "complete" || done.Str("payment_flow_id") != flow {
			t.Fatalf("completed: %s", done.Body)
		}
		if d, _ := done.JSON["customer_details"].(map[string]any); d == nil || d["email"] != "buyer@example.com" || d["name"] != "Hanako" {
			t.Errorf("customer_details: %v", done.JSON["customer_details"])
		}
		paid := must(t, s.Get("/v2/payment_flows/"+flow), 200)
		if paid.Str("status") != "succeeded" || paid.Int("amount") != 4380 || paid.Int("amount_received") != 4380 ||
			paid.JSON["metadata"].(map[string]any)["order"] != "42" {
			t.Fatalf("the session's flow: %s", paid.Body)
		}
		hasEvent(t, s, id, "checkout.session.completed")
		if status, _, _ := b.pay("card:4242424242424242"); status != 400 {
			t.Errorf("paying a complete session again: %d, want 400", status)
		}
		ids, _ := listIDs(t, s, "/v2/checkout/sessions", "")
		if len(ids) != 1 || ids[0] != id {
			t.Errorf("sessions: %v", ids)
		}
		must(t, s.Post("/v2/payment_refunds", map[string]any{"payment_flow_id": flow, "amount": 380}), 200)
		s.CheckLedger()
	})
}

// TestCheckout_AbandonedSessionExpires: cancel goes back to cancel_url and
// leaves the session open; at expires_at on the account's clock it expires,
// the flow a declined card left is canceled, and the page refuses to pay.
func TestCheckout_AbandonedSessionExpires(t *testing.T) {
	t.Parallel()
	testdb.ForEach(t, func(t *testing.T, dialect string) {
		s := kessaitest.Start(t, dialect, kessaitest.Options{})
		p1000, _, _, _ := catalog(t, s)
		wantProblem(t, s.Post("/v2/checkout/sessions", map[string]any{"mode": "payment", "line_items": []any{line(p1000, 1)},
			"expires_at": kessaitest.Epoch.Add(10 * time.Minute).Format(time.RFC3339)}), 422, "validation_error")
		cs := must(t, s.Post("/v2/checkout/sessions", map[string]any{"mode": "payment", "line_items": []any{line(p1000, 2)},
			"cancel_url": "https://shop.example/cart", "expires_at": kessaitest.Epoch.Add(time.Hour).Format(time.RFC3339)}), 200)
		id := cs.Str("id")
		b := buyer{t, cs.Str("url")}
		if status, loc, _ := b.submit(url.Values{"action": {"cancel"}}); status != 303 || loc != "https://shop.example/cart" {
			t.Fatalf("cancel: %d %q", status, loc)
		}
		b.pay("card:4000000000080319")
		flow := must(t, s.Get("/v2/checkout/sessions/"+id), 200).Str("payment_flow_id")
		s.Advance(59 * time.Minute)
		if st := must(t, s.Get("/v2/checkout/sessions/"+id), 200).Str("status"); st != "open" {
			t.Fatalf("a minute before expires_at: %s", st)
		}
		s.Advance(time.Minute)
		exp := must(t, s.Get("/v2/checkout/sessions/"+id), 200)
		if exp.Str("status") != "expired" {
			t.Fatalf("after expires_at: %s", exp.Body)
		}
		hasEvent(t, s, id, "checkout.session.expired")
		if f := must(t, s.Get("/v2/payment_flows/"+flow), 200); f.Str("status") != "canceled" || f.Str("cancellation_reason") != "abandoned" {
			t.Errorf("the expired session's flow: %s", f.Body)
		}
		if status, _, _ := b.pay("card:4242424242424242"); status != 400 {
			t.Errorf("paying an expired session: %d, want 400", status)
		}
		s.CheckLedger()
	})
}

// TestCheckout_SetupModeSavesACard: a setup-mode session saves a card to
// its customer through a setup flow; the card pays off session and is
// refunded; once detached it is refused. A PayPay payment session pays at
// once, and customer_creation always makes a customer.
func TestCheckout_SetupModeSavesACard(t *testing.T) {
	t.Parallel()
	testdb.ForEach(t, func(t *testing.T, dialect string) {
		s := kessaitest.Start(t, dialect, kessaitest.Options{})
		cus := must(t, s.Post("/v2/customers", map[string]any{"email": "saver@example.com"}), 200).Str("id")
		cs := must(t, s.Post("/v2/checkout/sessions", map[string]any{"mode": "setup", "customer_id": cus,
			"success_url": "https://shop.example/saved", "setup_flow_data": map[string]any{"metadata": map[string]any{"k": "v"}}}), 200)
		if cs.JSON["amount_total"] != nil || cs.JSON["amount_subtotal"] != nil {
			t.Fatalf("setup session amounts: %s", cs.Body)
		}
		if status, loc, body := (buyer{t, cs.Str("url")}).pay("card:4242424242424242"); status != 303 || loc != "https://shop.example/saved" {
			t.Fatalf("save: %d %q %s", status, loc, body)
		}
		done := must(t, s.Get("/v2/checkout/sessions/"+cs.Str("id")), 200)
		sf := must(t, s.Get("/v2/setup_flows/"+done.Str("setup_flow_id")), 200)
		pm := sf.Str("payment_method_id")
		if done.Str("status") != "complete" || sf.Str("status") != "succeeded" || pm == "" || sf.JSON["metadata"].(map[string]any)["k"] != "v" {
			t.Fatalf("session %s\nsetup flow %s", done.Body, sf.Body)
		}
		wantProblem(t, s.Post("/v2/setup_flows/"+sf.Str("id")+"/cancel", nil), 400, "invalid_status")
		secure := must(t, s.Post("/v2/checkout/sessions", map[string]any{"mode": "setup", "customer_id": cus}), 200)
		if status, _, body := (buyer{t, secure.Str("url")}).pay("card:4000000000003220"); status != 303 {
			t.Fatalf("3-D Secure card on the page: %d %s", status, body)
		}
		secureFlow := must(t, s.Get("/v2/checkout/sessions/"+secure.Str("id")), 200).Str("setup_flow_id")
		if st := must(t, s.Get("/v2/setup_flows/"+secureFlow), 200).Str("status"); st != "succeeded" {
			t.Errorf("setup flow of a 3-D Secure card saved on the page: %s", st)
		}
		hasEvent(t, s, secureFlow, "setup_flow.requires_action")
		if got := must(t, s.Get("/v2/payment_methods/"+pm), 200).Str("customer_id"); got != cus {
			t.Fatalf("saved card's customer %q, want %s", got, cus)
		}
		byCard := must(t, s.Get("/v2/payment_methods/cards/car_"+strings.TrimPrefix(pm, "pm_")), 200)
		if byCard.Str("id") != pm {
			t.Errorf("by card id: %s", byCard.Body)
		}
		wantProblem(t, s.Get("/v2/payment_methods/cards/car_nope"), 404, "not_found")
		wantProblem(t, s.Get("/v2/payment_methods/cards/"+pm), 404, "not_found")

		flow := must(t, s.Post("/v2/payment_flows", map[string]any{"amount": 3000, "currency": "jpy", "customer_id": cus,
			"payment_method_id": pm, "confirm": true}), 200)
		if flow.Str("status") != "succeeded" {
			t.Fatalf("off-session payment: %s", flow.Body)
		}
		if r := must(t, s.Post("/v2/payment_refunds", map[string]any{"payment_flow_id": flow.Str("id")}), 200); r.Str("status") != "succeeded" || r.Int("amount") != 3000 {
			t.Errorf("refund: %s", r.Body)
		}
		must(t, s.Post("/v2/payment_methods/"+pm+"/detach", nil), 200)
		wantProblem(t, s.Post("/v2/payment_flows", map[string]any{"amount": 3000, "currency": "jpy", "customer_id": cus,
			"payment_method_id": pm, "confirm": true}), 400, "detached_payment_method_not_usable")

		p1000, _, tax10, _ := catalog(t, s)
		pp := must(t, s.Post("/v2/checkout/sessions", map[string]any{"mode": "payment", "payment_method_types": []any{"paypay"},
			"customer_creation": "always", "line_items": []any{line(p1000, 1, tax10)}}), 200)
		status, _, body := (buyer{t, pp.Str("url")}).pay("paypay")
		if status != 303 {
			t.Fatalf("paypay: %d %s", status, body)
		}
		ppDone := must(t, s.Get("/v2/checkout/sessions/"+pp.Str("id")), 200)
		ppFlow := must(t, s.Get("/v2/payment_flows/"+ppDone.Str("payment_flow_id")), 200)
		if ppFlow.Str("status") != "succeeded" || ppFlow.Int("amount_received") != 1100 || ppDone.Str("customer_id") == "" {
			t.Fatalf("paypay session %s\nflow %s", ppDone.Body, ppFlow.Body)
		}
		if c := must(t, s.Get("/v2/customers/"+ppDone.Str("customer_id")), 200); c.Str("email") != "buyer@example.com" {
			t.Errorf("created customer: %s", c.Body)
		}
		s.CheckLedger()
	})
}

// TestCheckout_RefusesBadSessions: every malformed session is refused with
// the official error and creates nothing.
func TestCheckout_RefusesBadSessions(t *testing.T) {
	t.Parallel()
	testdb.ForEach(t, func(t *testing.T, dialect string) {
		s := kessaitest.Start(t, dialect, kessaitest.Options{})
		p1000, _, tax10, _ := catalog(t, s)
		prod := must(t, s.Post("/v2/products", map[string]any{"name": "Sample"}), 200).Str("id")
		cheap := must(t, s.Post("/v2/prices", map[string]any{"product_id": prod, "unit_amount": 10, "currency": "jpy"}), 200).Str("id")
		off := must(t, s.Post("/v2/prices", map[string]any{"product_id": prod, "unit_amount": 500, "currency": "jpy", "active": false}), 200).Str("id")
		for name, c := range map[string]struct {
			body   map[string]any
			status int
			code   string
		}{
			"no mode":             {map[string]any{"line_items": []any{line(p1000, 1)}}, 422, "validation_error"},
			"bad mode":            {map[string]any{"mode": "subscription", "line_items": []any{line(p1000, 1)}}, 422, "validation_error"},
			"no line items":       {map[string]any{"mode": "payment"}, 422, "validation_error"},
			"setup with lines":    {map[string]any{"mode": "setup", "line_items": []any{line(p1000, 1)}}, 422, "validation_error"},
			"unknown price":       {map[string]any{"mode": "payment", "line_items": []any{line("price_nope", 1)}}, 404, "not_found"},
			"unknown tax rate":    {map[string]any{"mode": "payment", "line_items": []any{line(p1000, 1, "txr_nope")}}, 404, "not_found"},
			"tax rate twice":      {map[string]any{"mode": "payment", "line_items": []any{line(p1000, 1, tax10, tax10)}}, 422, "validation_error"},
			"inactive price":      {map[string]any{"mode": "payment", "line_items": []any{line(off, 1)}}, 422, "validation_error"},
			"under ¥50":           {map[string]any{"mode": "payment", "line_items": []any{line(cheap, 4)}}, 422, "validation_error"},
			"over ¥9,999,999":     {map[string]any{"mode": "payment", "line_items": []any{line(p1000, 10000)}}, 422, "validation_error"},
			"zero quantity":       {map[string]any{"mode": "payment", "line_items": []any{line(p1000, 0)}}, 422, "validation_error"},
			"apple_pay":           {map[string]any{"mode": "payment", "line_items": []any{line(p1000, 1)}, "payment_method_types": []any{"apple_pay"}}, 422, "validation_error"},
			"unknown field":       {map[string]any{"mode": "payment", "line_items": []any{line(p1000, 1)}, "price_data": map[string]any{}}, 422, "validation_error"},
			"unknown customer":    {map[string]any{"mode": "setup", "customer_id": "cus_nope"}, 404, "not_found"},
			"bad success_url":     {map[string]any{"mode": "setup", "success_url": "not a url"}, 422, "validation_error"},
			"bad 3-D Secure":      {map[string]any{"mode": "setup", "payment_method_options": map[string]any{"card": map[string]any{"request_three_d_secure": "always"}}}, 422, "validation_error"},
			"capture in setup":    {map[string]any{"mode": "setup", "payment_flow_data": map[string]any{"capture_method": "manual"}}, 422, "validation_error"},
			"paypay in setup":     {map[string]any{"mode": "setup", "payment_method_types": []any{"paypay"}}, 422, "validation_error"},
			"too many metadata":   {map[string]any{"mode": "setup", "metadata": manyKeys(21)}, 400, "metadata_limit_exceeded"},
			"expires in two days": {map[string]any{"mode": "setup", "expires_at": kessaitest.Epoch.Add(48 * time.Hour).Format(time.RFC3339)}, 422, "validation_error"},
		} {
			t.Run(name, func(t *testing.T) {
				wantProblem(t, on(s, t).Post("/v2/checkout/sessions", c.body), c.status, c.code)
			})
		}
		if n := count(t, s, "/v2/checkout/sessions"); n != 0 {
			t.Errorf("%d sessions after refusals", n)
		}
		wantProblem(t, s.Get("/v2/checkout/sessions/cs_nope"), 404, "not_found")
	})
}

func manyKeys(n int) map[string]any {
	m := map[string]any{}
	for i := 0; i < n; i++ {
		m["k"+strings.Repeat("x", i)] = "v"
	}
	return m
}
