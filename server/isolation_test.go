package server_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/kessai/kessai/amazonorder"
	"github.com/kessai/kessai/amazonpay"
	"github.com/kessai/kessai/engine"
	"github.com/kessai/kessai/internal/kessaitest"
	"github.com/kessai/kessai/internal/testdb"
)

// TestIsolation_EveryRouteHidesOtherAccounts walks the server's own route
// table: every route that names an object in its path is called with
// another account's key and the victim's object of that kind, and must
// answer 404 and change nothing. A route whose path parameters the test
// cannot fill fails the test, so a new route cannot be forgotten.
func TestIsolation_EveryRouteHidesOtherAccounts(t *testing.T) {
	t.Parallel()
	testdb.ForEach(t, func(t *testing.T, dialect string) {
		s := kessaitest.Start(t, dialect, kessaitest.Options{})
		victim := s.Acct()
		ctx := context.Background()

		endpoint := must(t, s.Post("/kessai/v1/webhook_endpoints", map[string]any{"url": "http://127.0.0.1:9/hook", "kind": "payjp"}), 200).Str("id")
		pm := s.Card("4242424242424242")
		cus := must(t, s.Post("/v2/customers", map[string]any{"email": "v@example.com"}), 200).Str("id")
		flow := s.PaidCardFlow(3000)
		refund := must(t, s.Post("/v2/payment_refunds", map[string]any{"payment_flow_id": flow, "amount": 100}), 200).Str("id")
		txn := must(t, s.Get("/v2/payment_transactions?limit=1"), 200).Data()[0]["id"].(string)
		event := must(t, s.Get("/v2/events?limit=1"), 200).Data()[0]["id"].(string)
		delivery := must(t, s.Get("/kessai/v1/webhook_deliveries?limit=1"), 200).Data()[0]["id"].(string)
		term := must(t, s.Get("/v2/terms?limit=1"), 200).Data()[0]["id"].(string)
		setup := must(t, s.Post("/v2/setup_flows", map[string]any{"customer_id": cus}), 200).Str("id")
		config := must(t, s.Get("/v2/payment_method_configurations"), 200).Data()[0]["id"].(string)
		product := must(t, s.Post("/v2/products", map[string]any{"name": "Tea"}), 200).Str("id")
		price := must(t, s.Post("/v2/prices", map[string]any{"product_id": product, "unit_amount": 500, "currency": "jpy"}), 200).Str("id")
		taxRate := must(t, s.Post("/v2/tax_rates", map[string]any{"display_name": "消費税", "inclusive": false, "percentage": 10}), 200).Str("id")
		session := must(t, s.Post("/v2/checkout/sessions", map[string]any{"mode": "payment",
			"line_items": []any{map[string]any{"price_id": price, "quantity": 2, "tax_rates": []any{taxRate}}}}), 200).Str("id")
		rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			t.Fatal(err)
		}
		der, _ := x509.MarshalPKIXPublicKey(&rsaKey.PublicKey)
		publicKey, err := amazonpay.RegisterPublicKey(ctx, s.Main.E, victim, string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})))
		if err != nil {
			t.Fatal(err)
		}
		// An Amazon Pay API v2 charge, captured.
		v2Amount, intent, result, store := int64(2000), "AuthorizeWithCapture", "https://shop.example/result", amazonpay.StoreID(victim)
		v2Session, err := amazonpay.CreateCheckoutSession(ctx, s.Main.E, victim, amazonpay.CheckoutSessionParams{ReviewReturnURL: &result, ResultReturnURL: &result,
			StoreID: &store, PaymentIntent: &intent, ChargeAmount: &v2Amount, Currency: "jpy"})
		if err != nil {
			t.Fatal(err)
		}
		sess, err := amazonpay.SessionOf(v2Session)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := amazonpay.ApproveCheckoutSession(ctx, s.Main.E, victim, sess.ID, "1111"); err != nil {
			t.Fatal(err)
		}
		completed, err := amazonpay.CompleteCheckoutSession(ctx, s.Main.E, victim, sess.ID, 2000, "jpy")
		if err != nil {
			t.Fatal(err)
		}
		done, _ := amazonpay.SessionOf(completed)
		v2Charge := done.ChargeID
		amount := int64(1000)
		order, err := amazonorder.CreateOrderReference(ctx, s.Main.E, victim, amazonorder.OrderReferenceParams{Amount: &amount})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := amazonorder.ConfirmOrderReference(ctx, s.Main.E, victim, order.ID); err != nil {
			t.Fatal(err)
		}
		auth, err := amazonorder.Authorize(ctx, s.Main.E, victim, amazonorder.AuthorizeParams{OrderReferenceID: order.ID, ReferenceID: "iso-1", Amount: 1000, Currency: "jpy", CaptureNow: true})
		if err != nil {
			t.Fatal(err)
		}
		// A completed Amazon refund writes the buyer's email.
		if _, err := amazonorder.RefundCapture(ctx, s.Main.E, victim, amazonorder.CaptureRefundParams{CaptureID: auth.CaptureID, ReferenceID: "iso-r1", Amount: 100, Currency: "jpy"}); err != nil {
			t.Fatal(err)
		}
		s.Advance(engine.DefaultSettleDelayAmazon)
		email := must(t, s.Get("/kessai/v1/emails"), 200).Data()[0]["id"].(string)
		disputed := s.PaidCardFlow(2000)
		dispute := must(t, s.Post("/kessai/v1/payment_flows/"+disputed+"/dispute", map[string]any{"reason": "fraudulent"}), 200).Str("id")
		s.Advance(40 * 24 * time.Hour) // the term closes: a statement and a balance
		statement := must(t, s.Get("/v2/statements?limit=1"), 200).Data()[0]["id"].(string)
		balance := must(t, s.Get("/v2/balances?limit=1"), 200).Data()[0]["id"].(string)

		// The victim's object for each path parameter, by the path's prefix.
		fill := []struct {
			prefix string
			ids    map[string]string
		}{
			{"/v2/payment_methods/", map[string]string{"id": pm}},
			{"/v2/customers/", map[string]string{"id": cus}},
			{"/v2/payment_flows/", map[string]string{"id": flow}},
			{"/v2/payment_refunds/", map[string]string{"id": refund}},
			{"/v2/refunds/", map[string]string{"id": refund}},
			{"/v2/payment_transactions/", map[string]string{"id": txn}},
			{"/v2/events/", map[string]string{"id": event}},
			{"/v2/terms/", map[string]string{"id": term}},
			{"/v2/setup_flows/", map[string]string{"id": setup}},
			{"/v2/payment_method_configurations/", map[string]string{"id": config}},
			{"/v2/products/", map[string]string{"id": product}},
			{"/v2/prices/", map[string]string{"id": price}},
			{"/v2/tax_rates/", map[string]string{"id": taxRate}},
			{"/kessai/v1/setup_flows/", map[string]string{"id": setup}},
			{"/kessai/v1/payment_flows/", map[string]string{"id": flow}},
			{"/v2/payment_disputes/", map[string]string{"id": dispute}},
			{"/kessai/v1/payment_disputes/", map[string]string{"id": dispute}},
			{"/v2/statements/", map[string]string{"id": statement}},
			{"/v2/balances/", map[string]string{"id": balance}},
			{"/kessai/v1/amazon/captures/", map[string]string{"id": auth.CaptureID}},
			{"/kessai/v1/checkout/", map[string]string{"account": victim.ID, "id": flow}},
			{"/kessai/v1/checkout/sessions/", map[string]string{"account": victim.ID, "checkout_session_id": session, "id": session}},
			{"/v2/checkout/sessions/", map[string]string{"id": session}},
			{"/v2/payment_methods/cards/", map[string]string{"card_id": "car_" + strings.TrimPrefix(pm, "pm_")}},
			{"/kessai/v1/webhook_endpoints/", map[string]string{"id": endpoint}},
			{"/kessai/v1/webhook_deliveries/", map[string]string{"id": delivery}},
			{"/kessai/v1/emails/", map[string]string{"id": email}},
			{"/kessai/v1/events/", map[string]string{"id": event}},
			{"/kessai/v1/amazon/public_keys/", map[string]string{"id": publicKey.ID}},
			{"/kessai/v1/amazon/v2/charges/", map[string]string{"id": v2Charge}},
		}
		snapshot := func() []byte {
			var b bytes.Buffer
			for _, p := range []string{"/v2/checkout/sessions/" + session, "/v2/payment_flows/" + flow, "/v2/customers/" + cus, "/v2/payment_methods/" + pm, "/v2/payment_refunds/" + refund,
				"/kessai/v1/webhook_endpoints/" + endpoint, "/kessai/v1/emails/" + email, "/kessai/v1/notification_settings",
				"/v2/payment_disputes/" + dispute, "/v2/statements/" + statement, "/v2/balances/" + balance, "/kessai/v1/fee_rates"} {
				b.Write(must(t, s.Get(p), 200).Body)
			}
			// Deliveries, without their attempts, which the worker adds.
			for _, d := range must(t, s.Get("/kessai/v1/webhook_deliveries?limit=100"), 200).Data() {
				fmt.Fprintf(&b, "%s:%s ", d["id"], d["status"])
			}
			o, _ := amazonorder.GetOrderReference(ctx, s.Main.E, victim, order.ID)
			c, _ := amazonorder.GetCapture(ctx, s.Main.E, victim, auth.CaptureID)
			b.WriteString(o.State + o.ReasonCode + c.State)
			if ch, err := amazonpay.GetCharge(ctx, s.Main.E, victim, v2Charge); err != nil || ch.Capture.Chargeback {
				b.WriteString("v2 charge gone or charged back")
			}
			if k, err := amazonpay.GetPublicKey(ctx, s.Main.E, victim, publicKey.ID); err != nil || !k.Active() {
				b.WriteString("public key gone or revoked")
			}
			if c.Chargeback {
				b.WriteString("chargeback")
			}
			return b.Bytes()
		}
		before := snapshot()

		intruder := s.NewAccount("intruder")
		param := regexp.MustCompile(`\{([a-z_]+)\.*\}`)
		walked := 0
		for _, pattern := range s.Main.Routes() {
			method, path, ok := strings.Cut(pattern, " ")
			if !ok || !strings.Contains(path, "{") {
				continue // no object in the path: creates and lists are checked by TestE2EAccountIsolation
			}
			if strings.HasPrefix(path, "/dashboard/") {
				continue // signed in by session, not by key: walked by dashboard's TestDashboard_Isolation
			}
			if strings.HasPrefix(path, "/kessai/v1/ipn/certificates/") {
				continue // public: the certificates that sign kessai's IPNs belong to no account
			}
			if strings.HasPrefix(path, "/kessai/v1/amazon/v2/checkout/") {
				continue // the sandbox buyer's page: the account and the session id in the path are its credential, as for Amazon's own page
			}
			if strings.HasPrefix(path, "/kessai/v1/reports/") {
				continue // the signed token is the credential (statement and balance URLs); forged and expired ones: TestAccounting_MonthToBalance
			}
			var ids map[string]string
			for _, f := range fill {
				if strings.HasPrefix(path, f.prefix) {
					ids = f.ids
				}
			}
			var missing string
			filled := param.ReplaceAllStringFunc(path, func(m string) string {
				name := param.FindStringSubmatch(m)[1]
				if ids[name] == "" {
					missing = name
				}
				return ids[name]
			})
			if missing != "" {
				t.Errorf("route %q: the test has no victim object for {%s}: add it", pattern, missing)
				continue
			}
			walked++
			t.Run(pattern, func(t *testing.T) {
				var body any
				if method == "POST" {
					body = map[string]any{}
					if strings.HasSuffix(path, "/attach") {
						body = map[string]any{"customer_id": cus}
					}
					if strings.HasPrefix(path, "/kessai/v1/setup_flows/") {
						body = map[string]any{"payment_method_id": pm}
					}
					if strings.HasSuffix(path, "/advance") {
						body = map[string]any{"status": "lost"} // a valid move for the victim's dispute
					}
				}
				r := on(s, t).Do(req{Method: method, Path: filled, Body: body, Key: intruder.SecretKey, NoValidate: true})
				if r.Status != 404 {
					t.Errorf("%s %s with another account's key: %d %s, want 404", method, filled, r.Status, r.Body)
				}
			})
		}
		if walked < 15 {
			t.Errorf("walked %d routes with objects in their paths; the route table looks incomplete", walked)
		}
		if after := snapshot(); !bytes.Equal(before, after) {
			t.Errorf("the victim's objects changed:\n%s\n%s", before, after)
		}
		s.CheckLedger()
	})
}
