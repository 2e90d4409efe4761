package server_test

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/kessai/kessai/internal/kessaitest"
	"github.com/kessai/kessai/internal/testdb"
	"github.com/kessai/kessai/server"
)

// TestEdge_BodiesThatMeanTwoThingsAreRefused: a body that a proxy or a log
// could read differently from kessai changes nothing.
func TestEdge_BodiesThatMeanTwoThingsAreRefused(t *testing.T) {
	t.Parallel()
	testdb.ForEach(t, func(t *testing.T, dialect string) {
		s := kessaitest.Start(t, dialect, kessaitest.Options{})
		flow := s.PaidCardFlow(5000)
		before := count(t, s, "/v2/payment_refunds")
		flows := count(t, s, "/v2/payment_flows")
		pm := s.Card("4242424242424242")
		for _, tc := range []struct {
			name, path, body string
			status           int
			code, field      string
		}{
			{"duplicate_amount_in_a_refund", "/v2/payment_refunds", `{"payment_flow_id":"` + flow + `","amount":1,"amount":4000}`, 422, "validation_error", "amount"},
			{"duplicate_amount_in_a_flow", "/v2/payment_flows", `{"amount":100,"amount":9000000,"currency":"jpy","payment_method_id":"` + pm + `","confirm":true}`, 422, "validation_error", "amount"},
			{"duplicate_metadata_key", "/v2/payment_refunds", `{"payment_flow_id":"` + flow + `","amount":1,"metadata":{"k":"a","k":"b"}}`, 422, "validation_error", "metadata.k"},
			{"null_amount_is_not_a_full_refund", "/v2/payment_refunds", `{"payment_flow_id":"` + flow + `","amount":null}`, 422, "validation_error", "amount"},
			{"invalid_utf8_in_a_value", "/v2/payment_refunds", "{\"payment_flow_id\":\"" + flow + "\",\"amount\":1,\"metadata\":{\"k\":\"\xff\xfe\"}}", 400, "invalid_request_body", ""},
			{"invalid_utf8_in_a_key", "/v2/payment_refunds", "{\"payment_flow_id\":\"" + flow + "\",\"amount\":1,\"metadata\":{\"\xff\":\"v\"}}", 400, "invalid_request_body", ""},
			{"five_megabytes", "/v2/payment_refunds", `{"payment_flow_id":"` + flow + `","metadata":{"k":"` + strings.Repeat("x", 5<<20) + `"}}`, 413, "request_too_large", ""},
		} {
			t.Run(tc.name, func(t *testing.T) {
				r := on(s, t).Do(req{Method: "POST", Path: tc.path, Body: tc.body})
				wantProblem(t, r, tc.status, tc.code)
				if tc.field != "" {
					errs, _ := r.JSON["errors"].([]any)
					if len(errs) == 0 || errs[0].(map[string]any)["field"] != tc.field {
						t.Errorf("errors %v, want field %q", r.JSON["errors"], tc.field)
					}
				}
			})
		}
		if n := count(t, s, "/v2/payment_refunds"); n != before {
			t.Errorf("%d refunds after refused requests, want %d", n, before)
		}
		if n := count(t, s, "/v2/payment_flows"); n != flows {
			t.Errorf("%d flows after refused requests, want %d", n, flows)
		}
		s.CheckLedger()
	})
}

// TestEdge_SlowClientsAreCutOff: a client that sends its body a byte at a
// time loses its connection when the read timeout ends.
func TestEdge_SlowClientsAreCutOff(t *testing.T) {
	t.Parallel()
	s := kessaitest.Start(t, "sqlite", kessaitest.Options{HTTP: server.HTTPConfig{ReadHeaderTimeout: 500 * time.Millisecond, ReadTimeout: time.Second}})
	addr := strings.TrimPrefix(s.URL, "http://")
	for _, auth := range []string{"Authorization: Bearer " + s.Key + "\r\n", ""} {
		conn, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		fmt.Fprintf(conn, "POST /v2/customers HTTP/1.1\r\nHost: x\r\n%sContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{", auth)
		closed := make(chan error, 1)
		go func() {
			_, err := io.ReadAll(bufio.NewReader(conn))
			closed <- err
		}()
		deadline := time.After(10 * time.Second)
	drip:
		for {
			select {
			case <-closed:
				break drip
			case <-deadline:
				t.Fatalf("a client dripping its body (auth %v) still holds its connection after 10 s", auth != "")
			case <-time.After(200 * time.Millisecond):
				_, _ = conn.Write([]byte(" "))
			}
		}
	}
}

// TestEdge_RateLimit: with --rate-limit, an account past its burst gets 429
// with Retry-After in the face's format; another account is not affected.
func TestEdge_RateLimit(t *testing.T) {
	t.Parallel()
	s := kessaitest.Start(t, "sqlite", kessaitest.Options{HTTP: server.HTTPConfig{RateLimit: 0.5, RateBurst: 2}})
	other := s.NewAccount("other")
	for i := range 2 {
		kessaitest.Must(t, s.Get("/v2/customers"), 200)
		_ = i
	}
	r := s.Get("/v2/customers")
	wantProblem(t, r, 429, "rate_limit_exceeded")
	if ra := r.Header.Get("Retry-After"); ra == "" || ra == "0" {
		t.Errorf("Retry-After %q", ra)
	}
	kessaitest.Must(t, s.Do(req{Method: "GET", Path: "/v2/customers", Key: other.SecretKey}), 200)
}

// TestEdge_SimulatedFaultsAfterCommit: a merchant's client that retries
// with its Idempotency-Key after a dropped connection or a 500 gets the
// first answer, and the refund happens once.
func TestEdge_SimulatedFaultsAfterCommit(t *testing.T) {
	t.Parallel()
	testdb.ForEach(t, func(t *testing.T, dialect string) {
		s := kessaitest.Start(t, dialect, kessaitest.Options{})
		flow := s.PaidCardFlow(5000)
		body := []byte(`{"payment_flow_id":"` + flow + `","amount":700}`)
		post := func(key, simulate string) (*http.Response, error) {
			r, _ := http.NewRequestWithContext(context.Background(), "POST", s.URL+"/v2/payment_refunds", bytes.NewReader(body))
			r.Header.Set("Authorization", "Bearer "+s.Key)
			r.Header.Set("Idempotency-Key", key)
			if simulate != "" {
				r.Header.Set("Kessai-Simulate", simulate)
			}
			return (&http.Client{Transport: &http.Transport{DisableKeepAlives: true}}).Do(r)
		}
		for _, tc := range []struct{ name, simulate string }{{"dropped_connection", "drop_after_commit"}, {"error_500", "error_after_commit"}} {
			t.Run(tc.name, func(t *testing.T) {
				key := "fault-" + tc.name
				before := count(t, s, "/v2/payment_refunds")
				resp, err := post(key, tc.simulate)
				switch tc.simulate {
				case "drop_after_commit":
					if err == nil {
						resp.Body.Close()
						t.Fatalf("got %d, want the connection dropped", resp.StatusCode)
					}
				default:
					if err != nil || resp.StatusCode != 500 {
						t.Fatalf("got %v %v, want 500", resp, err)
					}
					resp.Body.Close()
				}
				retry, err := post(key, "")
				if err != nil {
					t.Fatal(err)
				}
				defer retry.Body.Close()
				if retry.StatusCode != 200 || retry.Header.Get("Idempotent-Replayed") != "true" {
					t.Errorf("retry: %d replayed %q", retry.StatusCode, retry.Header.Get("Idempotent-Replayed"))
				}
				if n := count(t, s, "/v2/payment_refunds"); n != before+1 {
					t.Errorf("%d refunds after a fault and a retry, want %d", n, before+1)
				}
			})
		}
		t.Run("latency_and_bad_values", func(t *testing.T) {
			kessaitest.Must(t, s.Do(req{Method: "GET", Path: "/v2/customers", Header: map[string]string{"Kessai-Simulate": "latency=10ms"}}), 200)
			wantProblem(t, s.Do(req{Method: "GET", Path: "/v2/customers", Header: map[string]string{"Kessai-Simulate": "explode"}}), 422, "validation_error")
			wantProblem(t, s.Do(req{Method: "GET", Path: "/v2/customers", Header: map[string]string{"Kessai-Simulate": "latency=1h"}}), 422, "validation_error")
		})
		s.CheckLedger()
	})
}
