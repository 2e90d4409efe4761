package main

import (
	"encoding/json"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// requestLine waits for the request log line of the request id on the
// server's stderr and returns it decoded.
func requestLine(t *testing.T, s *running, requestID string) map[string]any {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		for _, line := range strings.Split(s.Stderr(), "\n") {
			var l map[string]any
			if json.Unmarshal([]byte(line), &l) == nil && l["msg"] == "request" && l["request_id"] == requestID {
				return l
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no request line for %s:\n%s", requestID, s.Stderr())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestServe_RequestLogNamesTheAccountAndTheErrorCode reads the real
// binary's request log lines: each names the account the request
// authenticated as and the error code it was answered with.
func TestServe_RequestLogNamesTheAccountAndTheErrorCode(t *testing.T) {
	t.Parallel()
	db := "sqlite:" + filepath.Join(t.TempDir(), "k.db")
	c := command{args: []string{"--database-url", db}}
	out := c
	out.args = append([]string{"accounts", "create", "--name", "logs", "--json"}, c.args...)
	r := out.run(t)
	var acct struct {
		ID        string `json:"id"`
		SecretKey string `json:"secret_key"`
	}
	if r.code != 0 || json.Unmarshal([]byte(r.stdout), &acct) != nil {
		t.Fatalf("accounts create: %v", r)
	}
	s := serve(t, command{args: []string{"--database-url", db, "--log-level", "info"}})

	cases := []struct {
		name, path, key string
		wantAccount     string
		wantError       bool
	}{
		{"served", "/v2/payment_flows", acct.SecretKey, acct.ID, false},
		{"refused by the engine", "/v2/payment_flows/pfw_nosuchflow", acct.SecretKey, acct.ID, true},
		{"unknown key", "/v2/payment_flows", "sk_test_nosuchkey", "", true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			req, err := http.NewRequest(http.MethodGet, s.url+tc.path, nil)
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Authorization", "Bearer "+tc.key)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			var body struct{ Code string }
			_ = json.NewDecoder(resp.Body).Decode(&body)
			resp.Body.Close()
			if tc.wantError != (body.Code != "") {
				t.Fatalf("status %d, code %q: the case does not hold", resp.StatusCode, body.Code)
			}
			l := requestLine(t, s, resp.Header.Get("X-Request-Id"))
			if got, _ := l["account_id"].(string); got != tc.wantAccount {
				t.Errorf("account_id %q, want %q: %v", got, tc.wantAccount, l)
			}
			if got, _ := l["error_code"].(string); got != body.Code {
				t.Errorf("error_code %q, want the response's %q: %v", got, body.Code, l)
			}
			if strings.Contains(s.Stderr(), tc.key) {
				t.Errorf("the log shows the secret key")
			}
		})
	}
}

// TestWorker_ServesProbesAndMetrics runs 'kessai worker --metrics-addr' and
// reads its /livez, /readyz and /metrics.
func TestWorker_ServesProbesAndMetrics(t *testing.T) {
	t.Parallel()
	db := "sqlite:" + filepath.Join(t.TempDir(), "k.db")
	w := command{args: []string{"worker", "--database-url", db, "--metrics-addr", "127.0.0.1:0"}}.start(t, "kessai: worker probes on http://")
	base := strings.Fields(strings.TrimPrefix(w.line, "kessai: worker probes on "))[0]
	for _, path := range []string{"/livez", "/readyz"} {
		if code, body := get(t, base+path, ""); code != http.StatusOK || body["status"] != "ok" {
			t.Errorf("GET %s: %d %v", path, code, body)
		}
	}
	resp, err := http.Get(base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	for _, want := range []string{"kessai_jobs_due ", "kessai_notify_pending{kind=\"webhook\"}", "go_goroutines "} {
		if !strings.Contains(string(b), want) {
			t.Errorf("/metrics lacks %q:\n%s", want, b)
		}
	}
	if code, _ := get(t, base+"/v2/payment_flows", ""); code != http.StatusNotFound {
		t.Errorf("the worker's probe address serves the API: %d", code)
	}
	w.stop(t)
}
