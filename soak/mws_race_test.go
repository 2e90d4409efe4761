package soak_test

import (
	"bytes"
	"io"
	"net/http"
	"net/url"
	"reflect"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kessai/kessai/internal/bintest"
	"github.com/kessai/kessai/internal/testdb"
	"github.com/kessai/kessai/mws"
)

// mwsClient signs MWS calls to one server as the official SDKs do.
type mwsClient struct {
	base string
	acct bintest.Account
	http *http.Client
}

// mwsReply is a server's answer.
type mwsReply struct {
	status int
	body   []byte
}

func (r mwsReply) get(tag string) string {
	m := regexp.MustCompile(`<` + tag + `>([^<]*)</` + tag + `>`).FindSubmatch(r.body)
	if m == nil {
		return ""
	}
	return string(m[1])
}

func (c *mwsClient) call(t *testing.T, action string, params map[string]string) mwsReply {
	p := mws.Params{"AWSAccessKeyId": c.acct.MWS.AccessKeyID, "Action": action, "SellerId": c.acct.MWS.SellerID,
		"SignatureMethod": mws.HmacSHA256, "SignatureVersion": "2", "Version": mws.Version,
		"Timestamp": time.Now().UTC().Format("2006-01-02T15:04:05Z")}
	for k, v := range params {
		p[k] = v
	}
	u, _ := url.Parse(c.base)
	p["Signature"] = mws.Sign(c.acct.MWS.SecretKey, mws.HmacSHA256, u.Host, mws.SandboxPath, p)
	form := url.Values{}
	for k, v := range p {
		form.Set(k, v)
	}
	resp, err := c.http.Post(c.base+mws.SandboxPath, "application/x-www-form-urlencoded", strings.NewReader(form.Encode()))
	if err != nil {
		t.Errorf("%s: %v", action, err)
		return mwsReply{}
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return mwsReply{status: resp.StatusCode, body: body}
}

func (c *mwsClient) must(t *testing.T, action string, params map[string]string) mwsReply {
	t.Helper()
	r := c.call(t, action, params)
	if r.status != 200 {
		t.Fatalf("%s: %d\n%s", action, r.status, r.body)
	}
	return r
}

// concurrently sends the same call n times, alternately through each
// client, all at once, and returns the answers.
func concurrently(t *testing.T, n int, clients []*mwsClient, action string, params map[string]string) []mwsReply {
	out := make([]mwsReply, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			out[i] = clients[i%len(clients)].call(t, action, params)
		}()
	}
	close(start)
	wg.Wait()
	return out
}

// sameAnswer checks that every answer is the first one, byte for byte.
func sameAnswer(t *testing.T, what string, rs []mwsReply) mwsReply {
	t.Helper()
	for i, r := range rs {
		if r.status != 200 {
			t.Errorf("%s: retry %d answered %d, want the original answer:\n%s", what, i, r.status, r.body)
		} else if !bytes.Equal(r.body, rs[0].body) {
			t.Errorf("%s: retry %d differs from the first:\n%s\n%s", what, i, rs[0].body, r.body)
		}
	}
	return rs[0]
}

// TestRace_MWSRetriesOnTwoProcesses: a merchant's client retries each MWS
// write with the same reference id, 8 times at once, through two kessai
// processes on one PostgreSQL database. Every retry gets the original
// answer and the money moves once (SPEC §4: same id + same parameters →
// the original object).
func TestRace_MWSRetriesOnTwoProcesses(t *testing.T) {
	t.Parallel()
	dbURL := testdb.PostgresURL(t)
	acct := bintest.CreateAccount(t, dbURL, "mws-race")
	a := bintest.Serve(t, dbURL, "")
	b := bintest.Serve(t, dbURL, "", "--no-worker")
	hc := &http.Client{Timeout: 20 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 16}}
	ca, cb := &mwsClient{base: a.URL, acct: acct, http: hc}, &mwsClient{base: b.URL, acct: acct, http: hc}
	both := []*mwsClient{ca, cb}
	const n = 8

	order := func() string {
		status, out, err := newClient(a.URL, acct.SecretKey).do("POST", "/kessai/v1/amazon/order_references", map[string]any{"amount": 10_000}, "")
		if err != nil || status != 200 {
			t.Fatalf("order reference: %d %v %v", status, out, err)
		}
		id := out["amazon_order_reference_id"].(string)
		ca.must(t, "ConfirmOrderReference", map[string]string{"AmazonOrderReferenceId": id})
		return id
	}
	authorize := func(id, ref, amount string) map[string]string {
		return map[string]string{"AmazonOrderReferenceId": id, "AuthorizationReferenceId": ref,
			"AuthorizationAmount.Amount": amount, "AuthorizationAmount.CurrencyCode": "JPY", "TransactionTimeout": "0"}
	}

	id := order()
	auth := sameAnswer(t, "Authorize", concurrently(t, n, both, "Authorize", authorize(id, "race-auth", "6000"))).get("AmazonAuthorizationId")
	if got := strings.Count(string(ca.must(t, "GetOrderReferenceDetails", map[string]string{"AmazonOrderReferenceId": id}).body), "<member>"); got != 1 {
		t.Errorf("the order has %d authorizations after 8 retries of one, want 1", got)
	}
	// One authorization of ¥6,000 holds: ¥5,500 more reaches the ¥11,500
	// cap, ¥5,501 would not have.
	ca.must(t, "Authorize", authorize(id, "race-rest", "5500"))

	capture := sameAnswer(t, "Capture", concurrently(t, n, both, "Capture", map[string]string{"AmazonAuthorizationId": auth,
		"CaptureReferenceId": "race-cap", "CaptureAmount.Amount": "6000", "CaptureAmount.CurrencyCode": "JPY"}))
	capID := capture.get("AmazonCaptureId")

	sameAnswer(t, "Refund", concurrently(t, n, both, "Refund", map[string]string{"AmazonCaptureId": capID,
		"RefundReferenceId": "race-refund", "RefundAmount.Amount": "1000", "RefundAmount.CurrencyCode": "JPY"}))
	cd := ca.must(t, "GetCaptureDetails", map[string]string{"AmazonCaptureId": capID})
	if got, members := regexp.MustCompile(`<RefundedAmount>\s*<Amount>([^<]*)<`).FindSubmatch(cd.body), strings.Count(string(cd.body), "<member>"); got == nil || string(got[1]) != "1000" || members != 1 {
		t.Errorf("capture after 8 retries of one ¥1,000 refund:\n%s", cd.body)
	}

	// CloseAuthorization has no reference id: one close releases the hold,
	// the others find it closed; nothing is released twice.
	id2 := order()
	auth2 := ca.must(t, "Authorize", authorize(id2, "race-auth2", "3000")).get("AmazonAuthorizationId")
	oneWins(t, "CloseAuthorization", concurrently(t, n, both, "CloseAuthorization", map[string]string{"AmazonAuthorizationId": auth2}), "InvalidAuthorizationStatus")
	// Closing an order twice is no error; cancel happens once.
	for i, r := range concurrently(t, n, both, "CloseOrderReference", map[string]string{"AmazonOrderReferenceId": id2}) {
		if r.status != 200 {
			t.Errorf("CloseOrderReference %d: %d\n%s", i, r.status, r.body)
		}
	}
	id3 := order()
	ca.must(t, "Authorize", authorize(id3, "race-auth3", "3000"))
	oneWins(t, "CancelOrderReference", concurrently(t, n, both, "CancelOrderReference", map[string]string{"AmazonOrderReferenceId": id3}), "InvalidOrderReferenceStatus")

	checkLedger(t, "postgres", dbURL, acct.ID)
}

// oneWins checks that exactly one call succeeded and the others were
// refused with code.
func oneWins(t *testing.T, what string, rs []mwsReply, code string) {
	t.Helper()
	ok := 0
	for i, r := range rs {
		switch {
		case r.status == 200:
			ok++
		case !bytes.Contains(r.body, []byte("<Code>"+code+"</Code>")):
			t.Errorf("%s %d: %d, want 200 or %s:\n%s", what, i, r.status, code, r.body)
		}
	}
	if ok != 1 {
		t.Errorf("%s: %d of %d succeeded, want 1", what, ok, len(rs))
	}
}

// TestRace_PayJPKeyedRetriesOnTwoProcesses: the PAY.JP face's money writes
// retried 8 times at once with one Idempotency-Key, through two kessai
// processes on one PostgreSQL database: every retry gets the first answer
// and the money moves once.
func TestRace_PayJPKeyedRetriesOnTwoProcesses(t *testing.T) {
	t.Parallel()
	dbURL := testdb.PostgresURL(t)
	acct := bintest.CreateAccount(t, dbURL, "payjp-race")
	a := newClient(bintest.Serve(t, dbURL, "").URL, acct.SecretKey)
	b := newClient(bintest.Serve(t, dbURL, "", "--no-worker").URL, acct.SecretKey)
	const n = 8
	retried := func(what, path string, body any, key string) {
		t.Helper()
		type answer struct {
			status int
			out    map[string]any
		}
		answers := make([]answer, n)
		var wg sync.WaitGroup
		start := make(chan struct{})
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				c := a
				if i%2 == 1 {
					c = b
				}
				status, out, err := c.do("POST", path, body, key)
				if err != nil {
					t.Errorf("%s %d: %v", what, i, err)
				}
				answers[i] = answer{status, out}
			}()
		}
		close(start)
		wg.Wait()
		for i, ans := range answers {
			if ans.status != 200 || !reflect.DeepEqual(ans.out, answers[0].out) {
				t.Errorf("%s: retry %d answered %d %v, want the first answer %v", what, i, ans.status, ans.out, answers[0].out)
			}
		}
	}

	// A manual-capture flow captured once, then refunded once.
	pm := a.must(t, "POST", "/v2/payment_methods", map[string]any{"type": "card",
		"card":            map[string]any{"number": "4242424242424242", "exp_month": 12, "exp_year": 2035, "cvc": "123"},
		"billing_details": map[string]any{"email": "race@example.com"}})
	flow := a.must(t, "POST", "/v2/payment_flows", map[string]any{"amount": 10_000, "currency": "jpy",
		"payment_method_id": pm["id"], "confirm": true, "capture_method": "manual"})["id"].(string)
	retried("capture", "/v2/payment_flows/"+flow+"/capture", map[string]any{"amount_to_capture": 8_000}, "race-capture")
	retried("refund", "/v2/payment_refunds", map[string]any{"payment_flow_id": flow, "amount": 1_000}, "race-refund")

	f := b.must(t, "GET", "/v2/payment_flows/"+flow, nil)
	refunds := b.must(t, "GET", "/v2/payment_flows/"+flow+"/refunds?limit=100", nil)["data"].([]any)
	if f["amount_received"] != float64(8_000) || len(refunds) != 1 {
		t.Errorf("after 8 retries of one capture and one refund: received %v, %d refunds", f["amount_received"], len(refunds))
	}
	checkLedger(t, "postgres", dbURL, acct.ID)
}
