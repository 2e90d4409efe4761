package server_test

import (
	"bytes"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kessai/kessai/amazonv2"
	"github.com/kessai/kessai/engine"
	"github.com/kessai/kessai/internal/kessaitest"
	"github.com/kessai/kessai/internal/testdb"
)

var (
	v2KeyOnce sync.Once
	v2Key     *rsa.PrivateKey
)

// v2Client signs Amazon Pay API v2 requests for a test server's account.
type v2Client struct {
	t      testing.TB
	s      *kessaitest.Server
	signer *amazonv2.Signer
	store  string
}

func newV2Client(t testing.TB, s *kessaitest.Server) *v2Client {
	t.Helper()
	v2KeyOnce.Do(func() {
		k, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			panic(err)
		}
		v2Key = k
	})
	der, err := x509.MarshalPKIXPublicKey(&v2Key.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	reg := kessaitest.Must(t, s.Do(kessaitest.Req{Method: "POST", Path: "/kessai/v1/amazon/public_keys", NoValidate: true,
		Body: map[string]string{"public_key": string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))}}), 200)
	return &v2Client{t: t, s: s, store: reg.Str("store_id"),
		signer: &amazonv2.Signer{Key: v2Key, PublicKeyID: reg.Str("public_key_id"), Algorithm: amazonv2.AlgorithmV2}}
}

// do sends a signed request (with an idempotency key when key is set) and
// wants the status.
func (c *v2Client) do(method, path, key string, body any, status int) map[string]any {
	c.t.Helper()
	var raw []byte
	if body != nil {
		var err error
		if raw, err = json.Marshal(body); err != nil {
			c.t.Fatal(err)
		}
	}
	req, err := http.NewRequest(method, c.s.URL+path, bytes.NewReader(raw))
	if err != nil {
		c.t.Fatal(err)
	}
	if key != "" {
		req.Header.Set("x-amz-pay-idempotency-key", key)
	}
	if err := c.signer.Sign(req, raw, time.Now()); err != nil {
		c.t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	got, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != status {
		c.t.Fatalf("%s %s: %d %s, want %d", method, path, resp.StatusCode, got, status)
	}
	var out map[string]any
	_ = json.Unmarshal(got, &out)
	return out
}

// capturedCharge makes a checkout session of amount, approved by the
// sandbox buyer and completed with AuthorizeWithCapture, and returns its
// charge permission and charge ids.
func (c *v2Client) capturedCharge(amount int) (permission, charge string) {
	c.t.Helper()
	yen := map[string]string{"amount": fmt.Sprint(amount), "currencyCode": "JPY"}
	id := c.do("POST", "/sandbox/v2/checkoutSessions", fmt.Sprintf("cs-%d", time.Now().UnixNano()), map[string]any{
		"webCheckoutDetails": map[string]any{"checkoutReviewReturnUrl": "https://shop.example/review"},
		"storeId":            c.store, "chargePermissionType": "OneTime"}, 201)["checkoutSessionId"].(string)
	s := c.do("PATCH", "/sandbox/v2/checkoutSessions/"+id, "", map[string]any{
		"webCheckoutDetails": map[string]any{"checkoutResultReturnUrl": "https://shop.example/result"},
		"paymentDetails":     map[string]any{"paymentIntent": "AuthorizeWithCapture", "chargeAmount": yen}}, 200)
	redirect := s["webCheckoutDetails"].(map[string]any)["amazonPayRedirectUrl"].(string)
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.PostForm(redirect, url.Values{"payment_method": {"1111"}})
	if err != nil {
		c.t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 303 {
		c.t.Fatalf("the buyer's approval: %d", resp.StatusCode)
	}
	done := c.do("POST", "/v2/checkoutSessions/"+id+"/complete", "", map[string]any{"chargeAmount": yen}, 200)
	return done["chargePermissionId"].(string), done["chargeId"].(string)
}

// ipnV2 is an IPN v2's Message as a merchant reads it.
type ipnV2 struct {
	MerchantID, ObjectType, ObjectId, ChargePermissionId, NotificationType, NotificationId, NotificationVersion string
}

// readIPNV2 checks a received request is an SNS notification signed with
// kessai's certificate and returns it with its Message.
func readIPNV2(t testing.TB, s *kessaitest.Server, got received) (snsNotification, ipnV2) {
	t.Helper()
	var n snsNotification
	if err := json.Unmarshal(got.Body, &n); err != nil {
		t.Fatalf("envelope: %v: %s", err, got.Body)
	}
	if n.Type != "Notification" || n.SignatureVersion != "1" || !strings.HasPrefix(n.SigningCertURL, s.URL+"/") ||
		got.Header.Get("x-amz-sns-message-type") != "Notification" || !strings.HasPrefix(got.Header.Get("Content-Type"), "text/plain") {
		t.Errorf("envelope %+v, headers %v", n, got.Header)
	}
	if err := verifySNS(t, n); err != nil {
		t.Errorf("the signature does not verify with the certificate at SigningCertURL: %v", err)
	}
	forged := n
	forged.Message = strings.Replace(n.Message, `"V2"`, `"V3"`, 1)
	if verifySNS(t, forged) == nil {
		t.Error("a changed Message still verifies")
	}
	var fields map[string]any
	if err := json.Unmarshal([]byte(n.Message), &fields); err != nil {
		t.Fatalf("Message: %v: %s", err, n.Message)
	}
	if len(fields) != 7 {
		t.Errorf("Message %s: want the 7 ids of an IPN v2 and nothing else", n.Message)
	}
	var m ipnV2
	_ = json.Unmarshal([]byte(n.Message), &m)
	return n, m
}

// TestIPNV2_CapturedChargeAndRefundedRefund: an amazon_ipn_v2 endpoint gets
// the API v2 face's captured charge and Refunded refund as IPN v2 in signed
// SNS envelopes, retried when the receiver first fails, in the delivery
// log; the ids lead to the objects.
func TestIPNV2_CapturedChargeAndRefundedRefund(t *testing.T) {
	t.Parallel()
	testdb.ForEach(t, func(t *testing.T, dialect string) {
		quick := engine.Config{Delivery: engine.RetrySchedule{Base: 20 * time.Millisecond, Max: 50 * time.Millisecond, Attempts: 5}}
		s := kessaitest.Start(t, dialect, kessaitest.Options{Engine: quick})
		var mu sync.Mutex
		failed := map[string]bool{} // SNS MessageIds answered 500 once
		rc := newReceiver(t, func(_ int, w http.ResponseWriter, r *http.Request) {
			id := r.Header.Get("x-amz-sns-message-id")
			mu.Lock()
			first := !failed[id]
			failed[id] = true
			mu.Unlock()
			if first {
				w.WriteHeader(http.StatusInternalServerError)
				return
			}
			w.WriteHeader(http.StatusOK)
		})
		ep := must(t, s.Post("/kessai/v1/webhook_endpoints", map[string]any{"url": rc.URL, "kind": "amazon_ipn_v2",
			"enabled_events": []string{"charge.captured", "refund.refunded"}}), 200)
		if ep.Str("kind") != "amazon_ipn_v2" {
			t.Fatalf("endpoint %s", ep.Body)
		}
		c := newV2Client(t, s)
		perm, charge := c.capturedCharge(10000)

		check := func(reqs []received, objectType, objectID, state, get string) {
			t.Helper()
			n0, _ := readIPNV2(t, s, reqs[0])
			n1, m := readIPNV2(t, s, reqs[1])
			if n0.MessageId != n1.MessageId || n0.Message != n1.Message {
				t.Errorf("the retry is another message: %s %s, then %s %s", n0.MessageId, n0.Message, n1.MessageId, n1.Message)
			}
			if m.MerchantID != s.Account.MWS.SellerID || m.ObjectType != objectType || m.ObjectId != objectID || m.ChargePermissionId != perm ||
				m.NotificationType != "STATE_CHANGE" || m.NotificationVersion != "V2" || m.NotificationId == "" {
				t.Errorf("IPN v2 %+v, want %s %s of %s", m, objectType, objectID, perm)
			}
			d := waitDelivery(t, s, n1.MessageId, statusIs("succeeded"))
			attempts := attemptsOf(d)
			if d.Str("kind") != "amazon_ipn_v2" || d.Str("event") != m.NotificationId || len(attempts) != 2 ||
				attempts[0]["http_status"] != float64(500) || attempts[1]["http_status"] != float64(200) {
				t.Errorf("delivery %s", d.Body)
			}
			// The notification carries ids only: the merchant reads the object.
			obj := c.do("GET", get+m.ObjectId, "", nil, 200)
			if st := obj["statusDetails"].(map[string]any)["state"]; st != state {
				t.Errorf("GET %s%s: state %v, want %s", get, m.ObjectId, st, state)
			}
		}
		check(rc.waitFor(2, 10*time.Second), "CHARGE", charge, "Captured", "/v2/charges/")

		refund := c.do("POST", "/v2/refunds", "rf-ipn", map[string]any{"chargeId": charge,
			"refundAmount": map[string]string{"amount": "1200", "currencyCode": "JPY"}}, 201)["refundId"].(string)
		s.Advance(engine.DefaultSettleDelayAmazon + time.Second)
		check(rc.waitFor(4, 10*time.Second)[2:], "REFUND", refund, "Refunded", "/v2/refunds/")

		// Only the listed events went out: not the session's, the
		// permission's, the authorization's or the RefundInitiated refund's.
		time.Sleep(100 * time.Millisecond)
		if n := len(rc.requests()); n != 4 {
			t.Errorf("the receiver got %d requests, want 4 (two notifications, each once retried)", n)
		}
	})
}

// TestIPNV2_Endpoints: amazon_ipn_v2 endpoints receive what Amazon notifies
// of the API v2 face, every IPN v2 object type with "*"; an unknown kind is
// refused and makes nothing.
func TestIPNV2_Endpoints(t *testing.T) {
	t.Parallel()
	s := kessaitest.Start(t, "sqlite", kessaitest.Options{})
	rc := newReceiver(t, ok)
	wantProblem(t, s.Post("/kessai/v1/webhook_endpoints", map[string]any{"url": rc.URL, "kind": "amazon_ipn_v3"}), 422, "validation_error")
	if list := must(t, s.Get("/kessai/v1/webhook_endpoints"), 200).Data(); len(list) != 0 {
		t.Fatalf("endpoints after a refused kind: %v", list)
	}
	must(t, s.Post("/kessai/v1/webhook_endpoints", map[string]any{"url": rc.URL, "kind": "amazon_ipn_v2"}), 200)
	mws := newReceiver(t, ok)
	must(t, s.Post("/kessai/v1/webhook_endpoints", map[string]any{"url": mws.URL, "kind": "amazon_ipn"}), 200)

	c := newV2Client(t, s)
	perm, charge := c.capturedCharge(3000)
	c.do("DELETE", "/v2/chargePermissions/"+perm+"/close", "", map[string]any{"closureReason": "done"}, 200)

	deadline := time.Now().Add(10 * time.Second)
	seen := map[string]bool{}
	for time.Now().Before(deadline) && !(seen["CHARGE "+charge] && seen["CHARGE_PERMISSION "+perm]) {
		for _, r := range rc.requests() {
			_, m := readIPNV2(t, s, r)
			seen[m.ObjectType+" "+m.ObjectId] = true
			if m.ChargePermissionId != perm {
				t.Errorf("IPN v2 %+v, want permission %s", m, perm)
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	if !seen["CHARGE "+charge] || !seen["CHARGE_PERMISSION "+perm] {
		t.Fatalf("IPN v2 seen %v, want the charge %s and the permission %s", seen, charge, perm)
	}
	for k := range seen {
		if !strings.HasPrefix(k, "CHARGE ") && !strings.HasPrefix(k, "CHARGE_PERMISSION ") {
			t.Errorf("an IPN v2 of %s: Amazon notifies no checkout session", k)
		}
	}
	if n := len(mws.requests()); n != 0 {
		t.Errorf("the MWS endpoint got %d requests of API v2 events", n)
	}
}
