package amazonv2_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kessai/kessai"
	"github.com/kessai/kessai/amazonv2"
	"github.com/kessai/kessai/engine"
	"github.com/kessai/kessai/internal/kessaitest"
	"github.com/kessai/kessai/internal/testdb"
)

// v2 is a signed API v2 client of a test server's account.
type v2 struct {
	t      *testing.T
	s      *kessaitest.Server
	signer *amazonv2.Signer
	store  string
}

func newV2(t *testing.T, s *kessaitest.Server) *v2 {
	t.Helper()
	reg := registerKey(s, s.Key, mustKeys(t)[0])
	return &v2{t: t, s: s, signer: &amazonv2.Signer{Key: mustKeys(t)[0], PublicKeyID: reg.Str("public_key_id"), Algorithm: amazonv2.AlgorithmV2}, store: reg.Str("store_id")}
}

// do sends a signed request without an idempotency key.
func (c *v2) do(method, path string, body any) *reply {
	c.t.Helper()
	var raw []byte
	if body != nil {
		var err error
		if raw, err = json.Marshal(body); err != nil {
			c.t.Fatal(err)
		}
	}
	return call(c.t, c.s, c.signer, method, path, raw, time.Now(), nil)
}

// keyed is do with an idempotency key, signed with the request.
func (c *v2) keyed(method, path, key string, body any) *reply {
	c.t.Helper()
	raw, err := json.Marshal(body)
	if err != nil {
		c.t.Fatal(err)
	}
	req, err := http.NewRequest(method, c.s.URL+path, bytes.NewReader(raw))
	if err != nil {
		c.t.Fatal(err)
	}
	req.Header.Set("x-amz-pay-idempotency-key", key)
	if err := c.signer.Sign(req, raw, time.Now()); err != nil {
		c.t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	var b bytes.Buffer
	_, _ = b.ReadFrom(resp.Body)
	out := &reply{method: method, path: path, status: resp.StatusCode, header: resp.Header, body: b.Bytes()}
	_ = json.Unmarshal(out.body, &out.json)
	return out
}

func must(t *testing.T, r *reply, status int) *reply {
	t.Helper()
	if r.status != status {
		t.Fatalf("status %d, want %d: %s", r.status, status, r.body)
	}
	return r
}

func str(m map[string]any, path ...string) string {
	var v any = m
	for _, p := range path {
		mm, _ := v.(map[string]any)
		v = mm[p]
	}
	s, _ := v.(string)
	return s
}

func yen(n int) map[string]string {
	return map[string]string{"amount": fmt.Sprint(n), "currencyCode": "JPY"}
}

// session makes a checkout session of amount with intent, approved by the
// sandbox buyer with method, and returns its id.
func (c *v2) session(amount int, intent, method string) string {
	c.t.Helper()
	r := must(c.t, c.keyed("POST", "/sandbox/v2/checkoutSessions", fmt.Sprintf("cs-%d", time.Now().UnixNano()), map[string]any{
		"webCheckoutDetails": map[string]any{"checkoutReviewReturnUrl": "https://shop.example/review"},
		"storeId":            c.store, "chargePermissionType": "OneTime"}), 201)
	id := r.json["checkoutSessionId"].(string)
	if str(r.json, "statusDetails", "state") != "Open" || str(r.json, "buyer", "buyerId") == "" {
		c.t.Fatalf("a new session: %s", r.body)
	}
	r = must(c.t, c.do("PATCH", "/sandbox/v2/checkoutSessions/"+id, map[string]any{
		"webCheckoutDetails": map[string]any{"checkoutResultReturnUrl": "https://shop.example/result?order=1"},
		"paymentDetails":     map[string]any{"paymentIntent": intent, "chargeAmount": yen(amount)}}), 200)
	redirect := str(r.json, "webCheckoutDetails", "amazonPayRedirectUrl")
	if !strings.HasPrefix(redirect, c.s.URL+"/kessai/v1/amazon/v2/checkout/") {
		c.t.Fatalf("amazonPayRedirectUrl %q", redirect)
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.PostForm(redirect, url.Values{"payment_method": {method}})
	if err != nil {
		c.t.Fatal(err)
	}
	resp.Body.Close()
	loc, _ := url.Parse(resp.Header.Get("Location"))
	if resp.StatusCode != 303 || loc.Query().Get("amazonCheckoutSessionId") != id || loc.Query().Get("order") != "1" {
		c.t.Fatalf("the buyer's approval: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	return id
}

func TestFlow_SessionToRefunds(t *testing.T) {
	t.Parallel()
	for _, dialect := range testdb.Dialects {
		t.Run(dialect, func(t *testing.T) {
			t.Parallel()
			s := kessaitest.Start(t, dialect, kessaitest.Options{NoWorker: true})
			c := newV2(t, s)

			id := c.session(10000, "Authorize", "1111")
			r := c.do("POST", "/v2/checkoutSessions/"+id+"/complete", map[string]any{"chargeAmount": yen(9999)})
			if r.status != 400 || r.reason() != "InvalidParameterValue" {
				t.Fatalf("complete with another amount: %d %s", r.status, r.body)
			}
			r = must(t, c.do("POST", "/v2/checkoutSessions/"+id+"/complete", map[string]any{"chargeAmount": yen(10000)}), 200)
			if str(r.json, "statusDetails", "state") != "Completed" {
				t.Fatalf("completed: %s", r.body)
			}
			perm, charge := str(r.json, "chargePermissionId"), str(r.json, "chargeId")
			if !strings.HasPrefix(perm, "S03-") || charge != perm+"-C000001" {
				t.Fatalf("ids %q %q", perm, charge)
			}
			r = must(t, c.do("GET", "/v2/charges/"+charge, nil), 200)
			if str(r.json, "statusDetails", "state") != "Authorized" {
				t.Fatalf("charge: %s", r.body)
			}
			// No over-capture.
			r = c.keyed("POST", "/v2/charges/"+charge+"/capture", "cap-over", map[string]any{"captureAmount": yen(10001)})
			if r.status != 400 || r.reason() != "TransactionAmountExceeded" {
				t.Fatalf("capture ¥10,001 of ¥10,000: %d %s", r.status, r.body)
			}
			r = must(t, c.keyed("POST", "/v2/charges/"+charge+"/capture", "cap-1", map[string]any{"captureAmount": yen(10000)}), 200)
			// The operator's capture-by-day totals count the charge under
			// its own face, not under MWS's.
			day := kessai.JSTDay(kessaitest.Epoch)
			figs, err := s.Main.E.RefundAnalysis(t.Context(), s.Acct(), day-1, day+2, 0, 0, 0)
			if err != nil {
				t.Fatal(err)
			}
			if len(figs.Captures) != 1 || figs.Captures[0].Face != kessai.FaceAmazonV2 || figs.Captures[0].Amount != 10000 {
				t.Fatalf("capture days %+v; want one ¥10,000 capture of face %s", figs.Captures, kessai.FaceAmazonV2)
			}
			if str(r.json, "statusDetails", "state") != "Captured" || str(r.json, "captureAmount", "amount") != "10000" {
				t.Fatalf("captured: %s", r.body)
			}
			r = must(t, c.do("GET", "/v2/chargePermissions/"+perm, nil), 200)
			if str(r.json, "limits", "amountLimit", "amount") != "10000" || str(r.json, "limits", "amountBalance", "amount") != "0" {
				t.Fatalf("permission: %s", r.body)
			}
			// Refunds stop at ¥11,500: ¥10,000 + 15 %.
			first := must(t, c.keyed("POST", "/v2/refunds", "rf-1", map[string]any{"chargeId": charge, "refundAmount": yen(10000)}), 201)
			if str(first.json, "statusDetails", "state") != "RefundInitiated" {
				t.Fatalf("refund: %s", first.body)
			}
			again := must(t, c.keyed("POST", "/v2/refunds", "rf-1", map[string]any{"chargeId": charge, "refundAmount": yen(10000)}), 201)
			if !bytes.Equal(again.body, first.body) {
				t.Fatalf("the same key again: %s, first %s", again.body, first.body)
			}
			if r := c.keyed("POST", "/v2/refunds", "rf-1", map[string]any{"chargeId": charge, "refundAmount": yen(500)}); r.status != 400 || r.reason() != "DuplicateIdempotencyKey" {
				t.Fatalf("the same key, another amount: %d %s", r.status, r.body)
			}
			must(t, c.keyed("POST", "/v2/refunds", "rf-2", map[string]any{"chargeId": charge, "refundAmount": yen(1500)}), 201)
			if r := c.keyed("POST", "/v2/refunds", "rf-3", map[string]any{"chargeId": charge, "refundAmount": yen(1)}); r.status != 400 || r.reason() != "TransactionAmountExceeded" {
				t.Fatalf("past ¥11,500: %d %s", r.status, r.body)
			}
			if r := c.do("POST", "/v2/refunds", map[string]any{"chargeId": charge, "refundAmount": yen(1)}); r.status != 400 || r.reason() != "MissingHeader" {
				t.Fatalf("no idempotency key: %d %s", r.status, r.body)
			}
			s.Advance(engine.DefaultSettleDelayAmazon + time.Second)
			r = must(t, c.do("GET", "/v2/refunds/"+str(first.json, "refundId"), nil), 200)
			if str(r.json, "statusDetails", "state") != "Refunded" || str(r.json, "refundAmount", "amount") != "10000" {
				t.Fatalf("after the delay: %s", r.body)
			}
			// The buyer's email of a completed refund, as for MWS.
			emails := kessaitest.Must(t, s.Get("/kessai/v1/emails"), 200).Data()
			found := false
			for _, m := range emails {
				if m["amazon_refund_id"] == str(first.json, "refundId") && m["amazon_order_reference_id"] == perm && strings.Contains(m["to"].(string), "@") {
					found = true
				}
			}
			if !found {
				t.Errorf("no refund email for %s among %v", str(first.json, "refundId"), emails)
			}
			s.CheckLedger()
		})
	}
}

func TestFlow_Refusals(t *testing.T) {
	t.Parallel()
	s := kessaitest.Start(t, "sqlite", kessaitest.Options{NoWorker: true})
	c := newV2(t, s)
	// The buyer cancels: the session is Canceled and cannot be completed.
	id := c.session(3000, "AuthorizeWithCapture", "3064")
	r := must(t, c.do("GET", "/v2/checkoutSessions/"+id, nil), 200)
	if str(r.json, "statusDetails", "state") != "Canceled" || str(r.json, "statusDetails", "reasonCode") != "BuyerCanceled" {
		t.Fatalf("canceled by the buyer: %s", r.body)
	}
	r = c.do("POST", "/v2/checkoutSessions/"+id+"/complete", map[string]any{"chargeAmount": yen(3000)})
	if r.status != 422 || r.reason() != "InvalidCheckoutSessionStatus" {
		t.Fatalf("complete a canceled session: %d %s", r.status, r.body)
	}
	// AuthorizeWithCapture captures at once; a second charge would pass amountLimit.
	id = c.session(3000, "AuthorizeWithCapture", "1111")
	r = must(t, c.do("POST", "/v2/checkoutSessions/"+id+"/complete", map[string]any{"chargeAmount": yen(3000)}), 200)
	perm, charge := str(r.json, "chargePermissionId"), str(r.json, "chargeId")
	if r := must(t, c.do("GET", "/v2/charges/"+charge, nil), 200); str(r.json, "statusDetails", "state") != "Captured" {
		t.Fatalf("AuthorizeWithCapture: %s", r.body)
	}
	r = c.keyed("POST", "/v2/charges", "ch-2", map[string]any{"chargePermissionId": perm, "chargeAmount": yen(1)})
	if r.status != 400 || r.reason() != "TransactionAmountExceeded" {
		t.Fatalf("a charge past amountLimit: %d %s", r.status, r.body)
	}
	// Unknown objects, bad JSON and another store id.
	for _, p := range []string{"/v2/charges/S03-0000000-0000000-C000001", "/v2/refunds/nope", "/v2/checkoutSessions/0b0b0b0b-0000-4000-8000-000000000000", "/v2/chargePermissions/" + perm + "x"} {
		if r := c.do("GET", p, nil); r.status != 404 || r.reason() != "ResourceNotFound" {
			t.Errorf("GET %s: %d %s", p, r.status, r.body)
		}
	}
	if r := c.keyed("POST", "/v2/checkoutSessions", "bad-store", map[string]any{"webCheckoutDetails": map[string]any{"checkoutReviewReturnUrl": "https://x.example"}, "storeId": "amzn1.application-oa2-client.other"}); r.status != 400 || r.reason() != "InvalidParameterValue" {
		t.Errorf("another store id: %d %s", r.status, r.body)
	}
	if r := c.keyed("POST", "/v2/charges", "bad-json", "{"); r.status != 400 {
		t.Errorf("a JSON string body: %d %s", r.status, r.body)
	}
	s.CheckLedger()
}

// TestFlow_ConcurrentRefunds: 32 refunds of ¥1,000 at once on a ¥10,000
// capture stop at ¥11,500 (11 of them), and 16 at once under one key
// make one refund.
func TestFlow_ConcurrentRefunds(t *testing.T) {
	t.Parallel()
	for _, dialect := range testdb.Dialects {
		t.Run(dialect, func(t *testing.T) {
			t.Parallel()
			s := kessaitest.Start(t, dialect, kessaitest.Options{NoWorker: true})
			c := newV2(t, s)
			id := c.session(10000, "AuthorizeWithCapture", "1111")
			charge := str(must(t, c.do("POST", "/v2/checkoutSessions/"+id+"/complete", map[string]any{"chargeAmount": yen(10000)}), 200).json, "chargeId")

			var wg sync.WaitGroup
			statuses := make([]int, 32)
			for i := range statuses {
				wg.Add(1)
				go func() {
					defer wg.Done()
					statuses[i] = c.keyed("POST", "/v2/refunds", fmt.Sprintf("many-%d", i), map[string]any{"chargeId": charge, "refundAmount": yen(1000)}).status
				}()
			}
			wg.Wait()
			ok := 0
			for _, st := range statuses {
				if st == 201 {
					ok++
				} else if st != 400 {
					t.Errorf("a concurrent refund answered %d", st)
				}
			}
			if ok != 11 {
				t.Errorf("%d refunds of ¥1,000 accepted, want 11 (¥11,500 cap)", ok)
			}

			id = c.session(5000, "AuthorizeWithCapture", "1111")
			charge = str(must(t, c.do("POST", "/v2/checkoutSessions/"+id+"/complete", map[string]any{"chargeAmount": yen(5000)}), 200).json, "chargeId")
			ids := make([]string, 16)
			for i := range ids {
				wg.Add(1)
				go func() {
					defer wg.Done()
					r := c.keyed("POST", "/v2/refunds", "same", map[string]any{"chargeId": charge, "refundAmount": yen(100)})
					if r.status == 201 {
						ids[i] = str(r.json, "refundId")
					} else {
						ids[i] = fmt.Sprintf("status %d %s", r.status, r.body)
					}
				}()
			}
			wg.Wait()
			for _, v := range ids {
				if v != ids[0] || !strings.HasPrefix(v, "S03-") {
					t.Fatalf("16 requests under one key: %v", ids)
				}
			}
			r := must(t, c.do("GET", "/v2/charges/"+charge, nil), 200)
			if str(r.json, "refundedAmount", "amount") != "100" {
				t.Fatalf("refunded after 16 same-key requests: %s", r.body)
			}
			s.CheckLedger()
		})
	}
}
