package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// running is a `kessai serve` (or worker) started by a test.
type running struct {
	url  string // base URL, from its "kessai: serving on …" line
	line string // that line
	pid  int
	cmd  *exec.Cmd

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
	r := &running{exited: make(chan struct{}), pid: cmd.Process.Pid, cmd: cmd}
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
	t.Cleanup(func() { r.stop(t) })
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

// stop sends SIGTERM and fails the test unless the process then exits 0
// within 15 seconds. It does nothing if the process has exited.
func (r *running) stop(t *testing.T) {
	t.Helper()
	select {
	case <-r.exited:
		return
	default:
	}
	_ = r.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-r.exited:
		if r.err != nil {
			t.Errorf("kessai %s exited with %v after SIGTERM\n%s", strings.Join(r.cmd.Args[1:], " "), r.err, r.Stderr())
		}
	case <-time.After(15 * time.Second):
		t.Errorf("kessai %s did not stop within 15s of SIGTERM", strings.Join(r.cmd.Args[1:], " "))
		_ = r.cmd.Process.Kill()
		<-r.exited
	}
}

// kill kills the process with SIGKILL and waits for it.
func (r *running) kill() {
	_ = r.cmd.Process.Kill()
	<-r.exited
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
		t.Error(err)
		return 0, nil
	}
	return do(t, req, key)
}

// do sends req with the secret key. Errors are t.Error, so that it can run
// in goroutines other than the test's.
func do(t *testing.T, req *http.Request, key string) (int, map[string]any) {
	t.Helper()
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	req.Header.Set("Content-Type", "application/json")
	client := &http.Client{Timeout: 10 * time.Second}
	resp, err := client.Do(req)
	if err != nil {
		t.Error(err)
		return 0, nil
	}
	defer resp.Body.Close()
	var body map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&body)
	return resp.StatusCode, body
}

// createAccount runs `accounts create --json` and returns its secret key.
func createAccount(t *testing.T, c command) string {
	t.Helper()
	key, err := tryCreateAccount(t, c)
	if err != nil {
		t.Fatal(err)
	}
	return key
}

// tryCreateAccount is createAccount for goroutines other than the test's.
func tryCreateAccount(t *testing.T, c command) (string, error) {
	t.Helper()
	c.args = append([]string{"accounts", "create", "--name", "test", "--json"}, c.args...)
	r := c.run(t)
	var a struct {
		SecretKey string `json:"secret_key"`
	}
	if r.code != 0 || json.Unmarshal([]byte(r.stdout), &a) != nil || a.SecretKey == "" {
		return "", fmt.Errorf("accounts create: %v", r)
	}
	return a.SecretKey, nil
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

func TestServe_OneProcessPerSQLiteFile(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "k.db")
	db := "sqlite:" + path
	first := serve(t, command{args: []string{"--database-url", db}})

	for _, args := range [][]string{{"serve", "--addr", "127.0.0.1:0"}, {"worker"}} {
		start := time.Now()
		r := runKessai(t, append(args, "--database-url", db)...)
		wantFailure(t, r, "database "+path+" is in use by another kessai serve (pid "+strconv.Itoa(first.pid)+")",
			"lock "+path+".lock", "PostgreSQL")
		if d := time.Since(start); d > 10*time.Second {
			t.Errorf("kessai %s took %s to give up", args[0], d)
		}
	}

	// The first one is unharmed, and migrate and accounts create, short
	// writers, run beside it while it writes: SQLite serialises them.
	if code, _ := get(t, first.url+"/healthz", ""); code != http.StatusOK {
		t.Fatalf("the first server stopped answering: %d\n%s", code, first.Stderr())
	}
	key := createAccount(t, command{args: []string{"--database-url", db}})
	stopWriting := make(chan struct{})
	var wrote atomic.Int64
	var writer sync.WaitGroup
	writer.Add(1)
	go func() {
		defer writer.Done()
		for {
			select {
			case <-stopWriting:
				return
			default:
			}
			if code, body := post(t, first.url+"/v2/customers", key, `{"email":"a@example.com"}`); code != http.StatusOK {
				t.Errorf("POST /v2/customers: %d %v", code, body)
				return
			}
			wrote.Add(1)
		}
	}()
	var short sync.WaitGroup
	keys := make([]string, 4)
	for i := range keys {
		short.Add(2)
		go func() {
			defer short.Done()
			var err error
			if keys[i], err = tryCreateAccount(t, command{args: []string{"--database-url", db}}); err != nil {
				t.Errorf("beside the server: %v", err)
			}
		}()
		go func() {
			defer short.Done()
			if r := runKessai(t, "migrate", "--database-url", db); r.code != 0 || !strings.Contains(r.stdout, "no migrations to apply") {
				t.Errorf("migrate beside the server: %v", r)
			}
		}()
	}
	short.Wait()
	close(stopWriting)
	writer.Wait()
	if wrote.Load() == 0 {
		t.Error("the server wrote nothing while the short writers ran")
	}
	for _, k := range keys {
		if code, body := get(t, first.url+"/v2/customers", k); code != http.StatusOK {
			t.Errorf("a key created beside the server does not work: %d %v", code, body)
		}
	}

	// Once the first is gone, even by SIGKILL, the file is free again.
	first.kill()
	second := serve(t, command{args: []string{"--database-url", db}})
	if code, body := get(t, second.url+"/v2/customers", key); code != http.StatusOK {
		t.Fatalf("%d %v", code, body)
	}
}

// post does POST url with the secret key and a JSON body.
func post(t *testing.T, url, key, body string) (int, map[string]any) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
	if err != nil {
		t.Error(err)
		return 0, nil
	}
	return do(t, req, key)
}

func TestServe_KeyOfAnotherDatabaseSaysWhy(t *testing.T) {
	t.Parallel()
	key := createAccount(t, command{args: []string{"--database-url", "sqlite:" + filepath.Join(t.TempDir(), "a.db")}})
	srv := serve(t, command{args: []string{"--database-url", "sqlite:" + filepath.Join(t.TempDir(), "b.db")}})
	code, body := get(t, srv.url+"/v2/payment_flows", key)
	detail, _ := body["detail"].(string)
	if code != http.StatusUnauthorized || !strings.Contains(detail, "kessai accounts create") {
		t.Fatalf("want 401 whose detail says how to create the account in this database, got %d %v", code, body)
	}
}

func TestServe_AddressInUseSaysWhatToDo(t *testing.T) {
	t.Parallel()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	r := runKessai(t, "serve", "--addr", l.Addr().String(), "--database-url", "sqlite:"+filepath.Join(t.TempDir(), "k.db"))
	wantFailure(t, r, "address already in use", "listens on "+l.Addr().String(), "--addr or KESSAI_ADDR")
}
