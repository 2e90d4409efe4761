package amazonv2_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/kessai/kessai/internal/kessaitest"
	"github.com/kessai/kessai/internal/testdb"
	"github.com/kessai/kessai/server"
)

// sessionTo makes a session of amount with details and returns its id and
// amazonPayRedirectUrl, not yet approved.
func (c *v2) sessionTo(amount int, details map[string]any) (string, string) {
	c.t.Helper()
	r := must(c.t, c.keyed("POST", "/sandbox/v2/checkoutSessions", fmt.Sprintf("s-%d", time.Now().UnixNano()), map[string]any{
		"webCheckoutDetails": map[string]any{"checkoutReviewReturnUrl": "https://shop.example/review"}, "storeId": c.store}), 201)
	id := r.json["checkoutSessionId"].(string)
	details["chargeAmount"] = yen(amount)
	r = must(c.t, c.do("PATCH", "/v2/checkoutSessions/"+id, map[string]any{
		"webCheckoutDetails": map[string]any{"checkoutResultReturnUrl": "https://shop.example/result"}, "paymentDetails": details}), 200)
	return id, str(r.json, "webCheckoutDetails", "amazonPayRedirectUrl")
}

func approve(t *testing.T, redirect, method string) int {
	t.Helper()
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.PostForm(redirect, url.Values{"payment_method": {method}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// TestFlow_SimulatedPaymentMethods: 0701 and 4354 need Authorize with
// canHandlePendingAuthorization; their charge is AuthorizationInitiated,
// then Authorized or Declined/HardDeclined 30 s later on the account's
// clock; a session left Open 24 hours is Canceled/Expired.
func TestFlow_SimulatedPaymentMethods(t *testing.T) {
	t.Parallel()
	for _, dialect := range testdb.Dialects {
		t.Run(dialect, func(t *testing.T) {
			t.Parallel()
			s := kessaitest.Start(t, dialect, kessaitest.Options{NoWorker: true})
			c := newV2(t, s)

			_, redirect := c.sessionTo(1000, map[string]any{"paymentIntent": "AuthorizeWithCapture"})
			if st := approve(t, redirect, "0701"); st != 400 {
				t.Fatalf("0701 without canHandlePendingAuthorization: %d", st)
			}
			if st := approve(t, redirect, "9999"); st != 400 {
				t.Fatalf("an unknown method: %d", st)
			}

			charges := map[string]string{}
			for _, m := range []string{"0701", "4354"} {
				id, redirect := c.sessionTo(2000, map[string]any{"paymentIntent": "Authorize", "canHandlePendingAuthorization": true})
				if st := approve(t, redirect, m); st != 303 {
					t.Fatalf("%s: approval %d", m, st)
				}
				// Amazon answers 202 Accepted while the charge is pending.
				r := must(t, c.do("POST", "/v2/checkoutSessions/"+id+"/complete", map[string]any{"chargeAmount": yen(2000)}), 202)
				charges[m] = str(r.json, "chargeId")
				if str(r.json, "statusDetails", "state") != "Completed" || charges[m] == "" {
					t.Fatalf("%s: completed: %s", m, r.body)
				}
				r = must(t, c.do("GET", "/v2/charges/"+charges[m], nil), 200)
				if str(r.json, "statusDetails", "state") != "AuthorizationInitiated" {
					t.Fatalf("%s: %s", m, r.body)
				}
				if r := c.keyed("POST", "/v2/charges/"+charges[m]+"/capture", "early-"+m, map[string]any{"captureAmount": yen(2000)}); r.status != 422 || r.reason() != "InvalidChargeStatus" {
					t.Fatalf("%s: capture while AuthorizationInitiated: %d %s", m, r.status, r.body)
				}
			}
			stale, _ := c.sessionTo(500, map[string]any{"paymentIntent": "Authorize"})
			s.Advance(31 * time.Second)
			if r := must(t, c.do("GET", "/v2/charges/"+charges["0701"], nil), 200); str(r.json, "statusDetails", "state") != "Authorized" {
				t.Fatalf("0701 after 30 s: %s", r.body)
			}
			r := must(t, c.do("GET", "/v2/charges/"+charges["4354"], nil), 200)
			if str(r.json, "statusDetails", "state") != "Declined" || str(r.json, "statusDetails", "reasonCode") != "HardDeclined" {
				t.Fatalf("4354 after 30 s: %s", r.body)
			}
			must(t, c.keyed("POST", "/v2/charges/"+charges["0701"]+"/capture", "late", map[string]any{"captureAmount": yen(2000)}), 200)

			s.Advance(24 * time.Hour)
			r = must(t, c.do("GET", "/v2/checkoutSessions/"+stale, nil), 200)
			if str(r.json, "statusDetails", "state") != "Canceled" || str(r.json, "statusDetails", "reasonCode") != "Expired" {
				t.Fatalf("a session Open for 24 hours: %s", r.body)
			}
			if strings.Contains(string(r.body), "amazonPayRedirectUrl\":\"http") {
				t.Fatalf("an expired session still offers the buyer's page: %s", r.body)
			}
			s.CheckLedger()
		})
	}
}

// TestFlow_ChargebackDeclinesRefunds: after a chargeback on a captured
// charge, a refund is still accepted (RefundInitiated) and settles
// Declined; a refund made before it and still RefundInitiated is
// Declined too; the ledger balances.
func TestFlow_ChargebackDeclinesRefunds(t *testing.T) {
	t.Parallel()
	for _, dialect := range testdb.Dialects {
		t.Run(dialect, func(t *testing.T) {
			t.Parallel()
			s := kessaitest.Start(t, dialect, kessaitest.Options{NoWorker: true})
			c := newV2(t, s)
			id := c.session(6000, "AuthorizeWithCapture", "1111")
			charge := str(must(t, c.do("POST", "/v2/checkoutSessions/"+id+"/complete", map[string]any{"chargeAmount": yen(6000)}), 200).json, "chargeId")
			before := str(must(t, c.keyed("POST", "/v2/refunds", "cb-1", map[string]any{"chargeId": charge, "refundAmount": yen(1000)}), 201).json, "refundId")
			cb := s.Do(kessaitest.Req{Method: "POST", Path: "/kessai/v1/amazon/v2/charges/" + charge + "/chargeback", NoValidate: true})
			if cb.Status != 200 || cb.JSON["chargeback"] != true {
				t.Fatalf("chargeback: %d %s", cb.Status, cb.Body)
			}
			after := str(must(t, c.keyed("POST", "/v2/refunds", "cb-2", map[string]any{"chargeId": charge, "refundAmount": yen(500)}), 201).json, "refundId")
			s.Advance(time.Minute)
			for _, r := range []string{before, after} {
				got := must(t, c.do("GET", "/v2/refunds/"+r, nil), 200)
				if str(got.json, "statusDetails", "state") != "Declined" || str(got.json, "statusDetails", "reasonCode") != "ProcessingFailure" {
					t.Errorf("refund %s after the chargeback: %s", r, got.body)
				}
			}
			s.CheckLedger()
		})
	}
}

// TestFlow_RetriesAfterAFailureAreSafe: a refund whose answer is lost
// (Kessai-Simulate: error_after_commit, a 500 the SDKs retry) is made
// once; the retry under the same key answers it. Past the account's rate
// limit the face answers 429 TooManyRequests with Retry-After.
func TestFlow_RetriesAfterAFailureAreSafe(t *testing.T) {
	t.Parallel()
	s := kessaitest.Start(t, "sqlite", kessaitest.Options{NoWorker: true})
	c := newV2(t, s)
	id := c.session(3000, "AuthorizeWithCapture", "1111")
	charge := str(must(t, c.do("POST", "/v2/checkoutSessions/"+id+"/complete", map[string]any{"chargeAmount": yen(3000)}), 200).json, "chargeId")
	body := map[string]any{"chargeId": charge, "refundAmount": yen(700)}
	raw, _ := json.Marshal(body)
	req, _ := http.NewRequest("POST", s.URL+"/v2/refunds", bytes.NewReader(raw))
	req.Header.Set("x-amz-pay-idempotency-key", "lost-answer")
	req.Header.Set("Kessai-Simulate", "error_after_commit")
	if err := c.signer.Sign(req, raw, time.Now()); err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 500 {
		t.Fatalf("error_after_commit: %d", resp.StatusCode)
	}
	must(t, c.keyed("POST", "/v2/refunds", "lost-answer", body), 201)
	if r := must(t, c.do("GET", "/v2/charges/"+charge, nil), 200); str(r.json, "refundedAmount", "amount") != "700" {
		t.Fatalf("after the retry: %s", r.body)
	}
	s.CheckLedger()

	limited := kessaitest.Start(t, "sqlite", kessaitest.Options{NoWorker: true, HTTP: server.HTTPConfig{RateLimit: 1, RateBurst: 2}})
	lc := newV2(t, limited)
	var last *reply
	for range 5 {
		last = lc.do("GET", "/v2/buyers/t", nil)
	}
	if last.status != 429 || last.reason() != "TooManyRequests" {
		t.Fatalf("past the rate limit: %d %s", last.status, last.body)
	}
}

// TestFlow_SimulationStrings: x-amz-pay-simulation-code AuthorizationInitiated
// on Complete or Finalize Checkout Session makes the charge pending (202),
// then Authorized, as the payment method ending 0701 does, with its
// prerequisites; codes kessai does not simulate on an operation are
// refused with InvalidSandboxSimulationSpecified and change nothing.
func TestFlow_SimulationStrings(t *testing.T) {
	t.Parallel()
	for _, dialect := range testdb.Dialects {
		t.Run(dialect, func(t *testing.T) {
			t.Parallel()
			s := kessaitest.Start(t, dialect, kessaitest.Options{NoWorker: true})
			c := newV2(t, s)
			simulate := func(code, method, path string, body any) *reply {
				t.Helper()
				raw, err := json.Marshal(body)
				if err != nil {
					t.Fatal(err)
				}
				// The official SDKs leave the header out of the signature.
				return call(t, s, c.signer, method, path, raw, time.Now(), func(r *http.Request) { r.Header.Set("x-amz-pay-simulation-code", code) })
			}
			approved := func(amount int, details map[string]any) string {
				t.Helper()
				id, redirect := c.sessionTo(amount, details)
				if st := approve(t, redirect, "1111"); st != 303 {
					t.Fatalf("approval %d", st)
				}
				return id
			}
			pendingOK := map[string]any{"paymentIntent": "Authorize", "canHandlePendingAuthorization": true}

			// Refusals change nothing.
			plain := approved(1000, map[string]any{"paymentIntent": "Authorize"})
			for _, bad := range []struct{ name, code, path string }{
				{"without canHandlePendingAuthorization", "AuthorizationInitiated", "/v2/checkoutSessions/" + plain + "/complete"},
				{"a code kessai does not simulate", "HardDeclined", "/v2/checkoutSessions/" + plain + "/complete"},
				{"an unknown code", "NoSuchCode", "/v2/checkoutSessions/" + plain + "/complete"},
			} {
				r := simulate(bad.code, "POST", bad.path, map[string]any{"chargeAmount": yen(1000)})
				if r.status != 400 || r.reason() != "InvalidSandboxSimulationSpecified" {
					t.Errorf("%s: %d %s", bad.name, r.status, r.body)
				}
			}
			if r := must(t, c.do("GET", "/v2/checkoutSessions/"+plain, nil), 200); str(r.json, "statusDetails", "state") != "Open" || r.json["chargeId"] != nil {
				t.Fatalf("after the refusals: %s", r.body)
			}

			id := approved(2000, pendingOK)
			r := must(t, simulate("AuthorizationInitiated", "POST", "/v2/checkoutSessions/"+id+"/complete", map[string]any{"chargeAmount": yen(2000)}), 202)
			charge := str(r.json, "chargeId")
			if str(r.json, "statusDetails", "state") != "Completed" || charge == "" {
				t.Fatalf("completed: %s", r.body)
			}
			if r := simulate("AuthorizationInitiated", "POST", "/v2/charges", map[string]any{"chargePermissionId": str(r.json, "chargePermissionId"), "chargeAmount": yen(1)}); r.status != 400 || r.reason() != "InvalidSandboxSimulationSpecified" {
				t.Errorf("the code on Create Charge: %d %s", r.status, r.body)
			}
			fin := approved(3000, pendingOK)
			r = must(t, simulate("AuthorizationInitiated", "POST", "/v2/checkoutSessions/"+fin+"/finalize", map[string]any{"chargeAmount": yen(3000), "paymentIntent": "Authorize"}), 202)
			finCharge := str(r.json, "chargeId")
			for _, ch := range []string{charge, finCharge} {
				if r := must(t, c.do("GET", "/v2/charges/"+ch, nil), 200); str(r.json, "statusDetails", "state") != "AuthorizationInitiated" {
					t.Fatalf("simulated: %s", r.body)
				}
			}
			s.Advance(31 * time.Second)
			for _, ch := range []string{charge, finCharge} {
				if r := must(t, c.do("GET", "/v2/charges/"+ch, nil), 200); str(r.json, "statusDetails", "state") != "Authorized" {
					t.Fatalf("30 s later: %s", r.body)
				}
			}
			s.CheckLedger()
		})
	}
}
