package main

import (
	"context"
	"encoding/json"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestDemo_CommandsWorkAsPrinted runs demo beside a server on its database
// and then every curl command it printed, as printed.
func TestDemo_CommandsWorkAsPrinted(t *testing.T) {
	t.Parallel()
	curl := requireTool(t, "curl")
	db := "sqlite:" + filepath.Join(t.TempDir(), "demo.db")
	srv := serve(t, command{args: []string{"--database-url", db}})
	addr := strings.TrimPrefix(srv.url, "http://")

	r := runKessai(t, "demo", "--database-url", db, "--addr", addr)
	if r.code != 0 {
		t.Fatal(r)
	}
	for _, want := range []string{"secret key       sk_test_", ": ¥3000, succeeded", ": ¥1000 of it, succeeded", ": ¥2000, requires_action",
		"kessai serve --addr " + addr + " --database-url " + db} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("demo does not print %q:\n%s", want, r.stdout)
		}
	}
	var lines []string
	for _, l := range strings.Split(r.stdout, "\n") {
		if strings.HasPrefix(l, "curl -s ") {
			lines = append(lines, l)
		}
	}
	// Each answer, in order, and what it must show.
	wants := []map[string]any{
		{"object": "payment_flow", "status": "succeeded", "amount_received": 3000.0},
		{"object": "payment_refund", "status": "succeeded", "amount": 1000.0},
		{"object": "list"},
		{},
		{"object": "payment_flow", "status": "succeeded", "amount_received": 2000.0},
		{"object": "payment_flow", "status": "requires_action"},
	}
	if len(lines) != len(wants) {
		t.Fatalf("%d curl commands, want %d:\n%s", len(lines), len(wants), r.stdout)
	}
	for i, l := range lines {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		// -f: an HTTP error fails the command.
		out, err := exec.CommandContext(ctx, "bash", "-c", strings.Replace(l, "curl -s ", curl+" -sSf ", 1)).Output()
		cancel()
		if err != nil {
			t.Errorf("%s\n%v: %s", l, err, out)
			continue
		}
		var got map[string]any
		if err := json.Unmarshal(out, &got); err != nil {
			t.Errorf("%s\nanswered no JSON object: %s", l, out)
			continue
		}
		for k, v := range wants[i] {
			if got[k] != v {
				t.Errorf("%s\n%s = %v, want %v", l, k, got[k], v)
			}
		}
		if i == 2 {
			if data, _ := got["data"].([]any); len(data) != 1 {
				t.Errorf("%s\nlists %d refunds, want 1", l, len(data))
			}
		}
		if i == 3 && got["now"] == nil {
			t.Errorf("%s\nno clock in %v", l, got)
		}
	}
}

func TestDemo_OnTheDefaultDatabase(t *testing.T) {
	t.Parallel()
	xdg := t.TempDir()
	r := command{env: testEnv(t, "XDG_DATA_HOME="+xdg), args: []string{"demo"}}.run(t)
	if r.code != 0 {
		t.Fatal(r)
	}
	if want := "database sqlite:" + filepath.Join(xdg, "kessai", "kessai.db"); !strings.Contains(r.stdout, want) {
		t.Errorf("demo does not say %q:\n%s", want, r.stdout)
	}
	if !strings.Contains(r.stdout, "  kessai serve --addr 127.0.0.1:8080\n") {
		t.Errorf("demo should tell to run plain 'kessai serve' on the default database:\n%s", r.stdout)
	}
}

// requireTool returns the path of a program the test needs. Without it the
// test is skipped on a developer's machine and fails under CI (CI or
// KESSAI_REQUIRE_POSTGRES set), as the PostgreSQL tests do.
func requireTool(t *testing.T, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err == nil {
		return p
	}
	if requiredHere() {
		t.Fatalf("%s is required here (CI) but not on PATH: %v", name, err)
	}
	t.Skipf("%s is not on PATH: %v", name, err)
	return ""
}
