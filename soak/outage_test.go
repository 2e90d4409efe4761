package soak_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/kessai/kessai/internal/bintest"
	"github.com/kessai/kessai/internal/faultproxy"
	"github.com/kessai/kessai/internal/testdb"
)

// send is client.do with the response's headers.
func (c *client) send(t *testing.T, method, path string, body any, key string) (int, http.Header, map[string]any) {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, c.url+path, rd)
	req.Header.Set("Authorization", "Bearer "+c.key)
	if key != "" {
		req.Header.Set("Idempotency-Key", key)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		t.Fatalf("%s %s: no answer: %v", method, path, err)
	}
	defer resp.Body.Close()
	var out map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, resp.Header, out
}

// paidFlowPatiently is client.paidFlow, tried again while a loaded machine
// (the race detector, other tests) makes the server's first transactions
// pass the store timeout.
func paidFlowPatiently(t *testing.T, c *client) string {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		status, _, out := c.send(t, "POST", "/v2/payment_methods", map[string]any{"type": "card",
			"card":            map[string]any{"number": "4242424242424242", "exp_month": 12, "exp_year": 2035, "cvc": "123"},
			"billing_details": map[string]any{"email": "soak@example.com"}}, "")
		if status == http.StatusOK {
			status, _, out = c.send(t, "POST", "/v2/payment_flows", map[string]any{"amount": 10_000, "currency": "jpy", "payment_method_id": out["id"], "confirm": true}, "")
			if status == http.StatusOK {
				return out["id"].(string)
			}
		}
		if status != http.StatusServiceUnavailable || time.Now().After(deadline) {
			t.Fatalf("a paid flow before the outage: %d %v", status, out)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// TestOutage_PostgreSQLRefusedThenHung runs the real binary on PostgreSQL
// (--store-timeout 1s) behind a TCP proxy that first refuses every connection (and cuts the
// open ones), then accepts them and answers nothing. Each time, a keyed
// refund and a read are answered 503 service_unavailable with Retry-After,
// in PAY.JP's problem shape, within the store timeout's budget, and
// nothing is written: once the database is back (service within 5 s), the
// same key makes its refund as a first try, once. The outage is logged
// once, not once per request.
func TestOutage_PostgreSQLRefusedThenHung(t *testing.T) {
	t.Parallel()
	dbURL := testdb.PostgresURL(t)
	u, err := url.Parse(dbURL)
	if err != nil {
		t.Fatal(err)
	}
	px := faultproxy.Start(t, u.Host)
	u.Host = px.Addr
	proxied := u.String()
	acct := bintest.CreateAccount(t, proxied, "outage")
	srv := bintest.Serve(t, proxied, "", "--store-timeout", "1s")
	c := newClient(srv.URL, acct.SecretKey)
	flow := paidFlowPatiently(t, c)
	refund := map[string]any{"payment_flow_id": flow, "amount": 1_000}
	logged := len(srv.Log()) // what the outage logs comes after this

	const budget = 3 * time.Second // the 1 s timeout, a retry of the connection, and slack for -race on a loaded machine
	for _, m := range []struct {
		name string
		mode faultproxy.Mode
	}{{"refused", faultproxy.Refuse}, {"hung", faultproxy.Hang}} {
		px.Set(m.mode)
		for _, req := range []struct{ method, path string }{{"POST", "/v2/payment_refunds"}, {"GET", "/v2/payment_flows/" + flow}} {
			var body any
			key := ""
			if req.method == "POST" {
				body, key = refund, "outage-refund"
			}
			start := time.Now()
			status, hdr, out := c.send(t, req.method, req.path, body, key)
			took := time.Since(start)
			if status != http.StatusServiceUnavailable || out["code"] != "service_unavailable" || hdr.Get("Retry-After") != "1" ||
				!strings.HasPrefix(hdr.Get("Content-Type"), "application/problem+json") {
				t.Fatalf("%s: %s %s = %d %v (Retry-After %q, %s); want 503 service_unavailable with Retry-After\n%s",
					m.name, req.method, req.path, status, out, hdr.Get("Retry-After"), hdr.Get("Content-Type"), srv.Log())
			}
			t.Logf("%s: %s %s answered 503 in %v", m.name, req.method, req.path, took.Round(time.Millisecond))
			if took > budget {
				t.Errorf("%s: %s %s answered after %v; want within %v", m.name, req.method, req.path, took, budget)
			}
		}
	}

	px.Set(faultproxy.Pass)
	back := time.Now()
	for {
		status, _, _ := c.send(t, "GET", "/v2/payment_flows/"+flow, nil, "")
		if status == http.StatusOK {
			break
		}
		if time.Since(back) > 5*time.Second {
			t.Fatalf("still %d 5 s after the database came back", status)
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Logf("service back %v after the database", time.Since(back).Round(time.Millisecond))

	// The key's first tries wrote nothing: it now refunds, once.
	var ids []string
	for range 2 {
		status, _, out := c.send(t, "POST", "/v2/payment_refunds", refund, "outage-refund")
		if status != http.StatusOK {
			t.Fatalf("refund after the outage: %d %v", status, out)
		}
		ids = append(ids, out["id"].(string))
	}
	if ids[0] != ids[1] {
		t.Fatalf("one key made two refunds: %v", ids)
	}
	list := c.must(t, "GET", "/v2/payment_refunds?payment_flow_id="+flow, nil)
	if data, _ := list["data"].([]any); len(data) != 1 {
		t.Fatalf("refunds of the flow: %v; want exactly one", list["data"])
	}
	if n := strings.Count(srv.Log()[logged:], "database unavailable"); n < 1 || n > 2 {
		t.Errorf("the outage was logged %d times; want once by the API and at most once by the worker:\n%s", n, srv.Log())
	}
	checkLedger(t, "postgres", dbURL, acct.ID)
}
