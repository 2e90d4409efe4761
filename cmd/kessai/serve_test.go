package main

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// running is a `kessai serve` (or worker) started by a test.
type running struct {
	url  string // base URL, from its "kessai: serving on …" line
	line string // that line

	mu     sync.Mutex
	stderr strings.Builder
	exited chan struct{}
	err    error
}

// Stderr returns what the process wrote on stderr so far.
func (r *running) Stderr() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.stderr.String()
}

// start starts c, waits until it prints the line that starts with ready
// and registers its stop (SIGTERM, then a kill) with t.Cleanup.
func (c command) start(t *testing.T, ready string) *running {
	t.Helper()
	cmd := c.cmd(t, context.Background())
	pipe, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	r := &running{exited: make(chan struct{})}
	found := make(chan string, 1)
	copied := make(chan struct{})
	go func() {
		defer close(copied)
		sc := bufio.NewScanner(pipe)
		for sc.Scan() {
			line := sc.Text()
			r.mu.Lock()
			r.stderr.WriteString(line + "\n")
			r.mu.Unlock()
			if strings.HasPrefix(line, ready) {
				select {
				case found <- line:
				default:
				}
			}
		}
		_, _ = io.Copy(io.Discard, pipe)
	}()
	go func() {
		<-copied
		r.err = cmd.Wait()
		close(r.exited)
	}()
	t.Cleanup(func() {
		select {
		case <-r.exited:
			return
		default:
		}
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-r.exited:
			if r.err != nil {
				t.Errorf("kessai %s exited with %v after SIGTERM\n%s", strings.Join(c.args, " "), r.err, r.Stderr())
			}
		case <-time.After(15 * time.Second):
			t.Errorf("kessai %s did not stop within 15s of SIGTERM", strings.Join(c.args, " "))
			_ = cmd.Process.Kill()
			<-r.exited
		}
	})
	select {
	case r.line = <-found:
	case <-r.exited:
		t.Fatalf("kessai %s exited (%v) before printing %q:\n%s", strings.Join(c.args, " "), r.err, ready, r.Stderr())
	case <-time.After(30 * time.Second):
		t.Fatalf("kessai %s printed no %q within 30s:\n%s", strings.Join(c.args, " "), ready, r.Stderr())
	}
	if rest, ok := strings.CutPrefix(r.line, "kessai: serving on "); ok {
		r.url, _, _ = strings.Cut(rest, ",")
	}
	return r
}

// serve starts `kessai serve` on a free loopback port with the extra args.
func serve(t *testing.T, c command) *running {
	t.Helper()
	c.args = append([]string{"serve", "--addr", "127.0.0.1:0"}, c.args...)
	return c.start(t, "kessai: serving on ")
}

// get does GET url with the secret key and returns the status and body.
func get(t *testing.T, url, key string) (int, map[string]any) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+key)
	client := &http.Client{Timeout: 10 * time.Second}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&body)
	return resp.StatusCode, body
}

// createAccount runs `accounts create --json` and returns its secret key.
func createAccount(t *testing.T, c command) string {
	t.Helper()
	c.args = append([]string{"accounts", "create", "--name", "test", "--json"}, c.args...)
	r := c.run(t)
	var a struct {
		SecretKey string `json:"secret_key"`
	}
	if r.code != 0 || json.Unmarshal([]byte(r.stdout), &a) != nil || a.SecretKey == "" {
		t.Fatalf("accounts create: %v", r)
	}
	return a.SecretKey
}

func TestDefaultDatabase_SameWhateverTheWorkingDirectory(t *testing.T) {
	t.Parallel()
	xdg := t.TempDir()
	env := testEnv(t, "XDG_DATA_HOME="+xdg)
	here, there := t.TempDir(), t.TempDir()

	key := createAccount(t, command{dir: here, env: env})
	srv := serve(t, command{dir: there, env: env})

	want := "database sqlite:" + filepath.Join(xdg, "kessai", "kessai.db")
	if !strings.HasSuffix(srv.line, want) {
		t.Errorf("serve says %q, want it to end with %q", srv.line, want)
	}
	if code, body := get(t, srv.url+"/v2/payment_flows", key); code != http.StatusOK {
		t.Fatalf("the key made in %s does not work on the server started in %s: %d %v", here, there, code, body)
	}
	for _, dir := range []string{here, there} {
		if _, err := os.Stat(filepath.Join(dir, "kessai.db")); err == nil {
			t.Errorf("a database was written in the working directory %s", dir)
		}
	}
}

func TestDatabaseURL_EnvironmentVariable(t *testing.T) {
	t.Parallel()
	db := "sqlite:" + filepath.Join(t.TempDir(), "env.db")
	env := testEnv(t, "KESSAI_DATABASE_URL="+db)
	key := createAccount(t, command{env: env})
	srv := serve(t, command{env: env})
	if !strings.HasSuffix(srv.line, "database "+db) {
		t.Errorf("serve says %q, want the database %s", srv.line, db)
	}
	if code, body := get(t, srv.url+"/v2/payment_flows", key); code != http.StatusOK {
		t.Fatalf("%d %v", code, body)
	}
}
