// Package compat holds kessai's compatibility tests: third-party client
// libraries driving a real kessai server over HTTP.
//
// TestNodeSDK builds cmd/kessai, creates an account in a throw-away SQLite
// database, starts the server on a free loopback port and runs sdk.test.mjs
// (PAY.JP's official v2 Node SDK, @payjp/payjpv2) against it with node's
// built-in test runner.
//
// TestMWSNodeClient (mws_test.go) does the same with the npm MWS client
// amazon-payments and mws.test.mjs against the Amazon Pay MWS face.
//
// They need node and npm on PATH: without them they fail when CI is set and
// are skipped otherwise. -short skips it. KESSAI_COMPAT_REFUNDS=0 skips the
// refund part of the Node suite.
package compat

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

const (
	buildTimeout   = 5 * time.Minute  // a cold build compiles the pure-Go SQLite driver
	runTimeout     = 3 * time.Minute  // npm ci + server + node suite
	healthTimeout  = 20 * time.Second // server start until /healthz answers 200
	stopTimeout    = 10 * time.Second // SIGTERM until SIGKILL
	commandTimeout = 30 * time.Second // one CLI call (accounts create)
)

// account is what `kessai accounts create --json` prints.
type account struct {
	ID             string          `json:"id"`
	SecretKey      string          `json:"secret_key"`
	PublishableKey string          `json:"publishable_key"`
	WebhookToken   string          `json:"webhook_token"`
	MWS            json.RawMessage `json:"mws"`
}

func TestNodeSDK(t *testing.T) {
	if testing.Short() {
		t.Skip("compat: skipped in -short mode")
	}
	node, npm := requireTool(t, "node"), requireTool(t, "npm")

	compatDir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	root := moduleRoot(t, compatDir)
	tmp := t.TempDir()

	bin := buildKessai(t, root, tmp)

	ctx, cancel := boundedContext(t, runTimeout)
	defer cancel()

	dbURL := "sqlite:" + filepath.Join(tmp, "k.db")
	acct := createAccount(t, ctx, bin, dbURL)

	baseURL := startServer(t, bin, dbURL)

	installNodeModules(t, ctx, compatDir, npm)

	env := append(os.Environ(),
		"KESSAI_BASE_URL="+baseURL,
		"KESSAI_SECRET_KEY="+acct.SecretKey,
	)
	if err := run(t, ctx, compatDir, env, "node", node, "--test", "--test-reporter=spec", "sdk.test.mjs"); err != nil {
		t.Errorf("node --test sdk.test.mjs failed: %v", err)
	}
}

// nodePackages are the npm packages the suites load; npm ci runs when one
// of them is missing.
var nodePackages = []string{"@payjp/payjpv2", "amazon-payments", "@amazonpay/amazon-pay-api-sdk-nodejs"}

// installNodeModules runs npm ci in dir unless every package the suites
// need is installed.
func installNodeModules(t *testing.T, ctx context.Context, dir, npm string) {
	t.Helper()
	for _, pkg := range nodePackages {
		if _, err := os.Stat(filepath.Join(dir, "node_modules", filepath.FromSlash(pkg), "package.json")); err != nil {
			if err := run(t, ctx, dir, nil, "npm", npm, "ci", "--omit=peer", "--no-audit", "--no-fund"); err != nil {
				t.Fatalf("compat: npm ci in %s: %v", dir, err)
			}
			return
		}
	}
}

// requireTool returns the path of name, or ends the test: t.Fatal in CI,
// t.Skip elsewhere.
func requireTool(t *testing.T, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err == nil {
		return p
	}
	if os.Getenv("CI") != "" {
		t.Fatalf("compat: %s is not on PATH (required when CI is set): %v", name, err)
	}
	t.Skipf("compat: %s is not on PATH: %v", name, err)
	return ""
}

// moduleRoot walks up from dir to the directory holding go.mod.
func moduleRoot(t *testing.T, dir string) string {
	t.Helper()
	for d := dir; ; {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			return d
		}
		parent := filepath.Dir(d)
		if parent == d {
			t.Fatalf("compat: no go.mod above %s", dir)
		}
		d = parent
	}
}

// boundedContext returns a context that ends after d, or a little before the
// test binary's own deadline, whichever comes first.
func boundedContext(t *testing.T, d time.Duration) (context.Context, context.CancelFunc) {
	deadline := time.Now().Add(d)
	if td, ok := t.Deadline(); ok {
		if td = td.Add(-15 * time.Second); td.Before(deadline) {
			deadline = td
		}
	}
	return context.WithDeadline(context.Background(), deadline)
}

func buildKessai(t *testing.T, root, tmp string) string {
	t.Helper()
	goTool, err := exec.LookPath("go") // go test puts GOROOT/bin first on PATH
	if err != nil {
		t.Fatalf("compat: go is not on PATH: %v", err)
	}
	ctx, cancel := boundedContext(t, buildTimeout)
	defer cancel()
	bin := filepath.Join(tmp, "kessai")
	cmd := exec.CommandContext(ctx, goTool, "build", "-o", bin, "github.com/kessai/kessai/cmd/kessai")
	cmd.Dir = root
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("compat: go build ./cmd/kessai: %v\n%s", err, out)
	}
	return bin
}

func createAccount(t *testing.T, ctx context.Context, bin, dbURL string) account {
	t.Helper()
	ctx, cancel := context.WithTimeout(ctx, commandTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "accounts", "create", "--name", "compat", "--database-url", dbURL, "--json")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("compat: kessai accounts create: %v\nstdout:\n%s\nstderr:\n%s", err, stdout.Bytes(), stderr.Bytes())
	}
	var a account
	if err := json.Unmarshal(stdout.Bytes(), &a); err != nil {
		t.Fatalf("compat: kessai accounts create --json printed no JSON object: %v\nstdout:\n%s\nstderr:\n%s", err, stdout.Bytes(), stderr.Bytes())
	}
	if !strings.HasPrefix(a.SecretKey, "sk_test_") {
		t.Fatalf("compat: kessai accounts create: secret_key %q does not start with sk_test_\nstdout:\n%s", a.SecretKey, stdout.Bytes())
	}
	t.Logf("compat: account %s", a.ID)
	return a
}

// freeAddr returns a loopback address with a port that was free a moment ago.
func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	return addr
}

// startServer starts `kessai serve` (with extra flags), waits for /healthz and registers its
// shutdown (SIGTERM, then SIGKILL) with t.Cleanup. It returns the base URL.
func startServer(t *testing.T, bin, dbURL string, extra ...string) string {
	t.Helper()
	addr := freeAddr(t)
	cmd := exec.Command(bin, append([]string{"serve", "--addr", addr, "--database-url", dbURL}, extra...)...)
	logw := newLineLogger(t, "server: ")
	cmd.Stdout, cmd.Stderr = logw, logw
	if err := cmd.Start(); err != nil {
		t.Fatalf("compat: start kessai serve: %v", err)
	}
	exited := make(chan struct{})
	var waitErr error
	go func() {
		waitErr = cmd.Wait() // returns only after the output copying is done
		close(exited)
	}()
	t.Cleanup(func() {
		select {
		case <-exited:
		default:
			if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
				t.Logf("compat: SIGTERM kessai: %v", err)
			}
			select {
			case <-exited:
			case <-time.After(stopTimeout):
				t.Errorf("compat: kessai serve did not stop within %s of SIGTERM; killing it", stopTimeout)
				_ = cmd.Process.Kill()
				<-exited
			}
		}
		logw.Flush()
		t.Logf("compat: kessai serve exited: %v", waitErr)
	})

	base := "http://" + addr
	client := &http.Client{Timeout: 2 * time.Second}
	deadline := time.Now().Add(healthTimeout)
	var last string
	for {
		select {
		case <-exited:
			logw.Flush()
			t.Fatalf("compat: kessai serve exited before /healthz answered: %v", waitErr)
		default:
		}
		resp, err := client.Get(base + "/healthz")
		if err == nil {
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				t.Logf("compat: kessai serving at %s", base)
				return base
			}
			last = resp.Status
		} else {
			last = err.Error()
		}
		if time.Now().After(deadline) {
			t.Fatalf("compat: GET %s/healthz did not answer 200 within %s (last: %s)", base, healthTimeout, last)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// run runs a command in dir, streaming its output into the test log, and
// returns its error. env nil means the current environment.
func run(t *testing.T, ctx context.Context, dir string, env []string, label, name string, args ...string) error {
	t.Helper()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = dir
	cmd.Env = env
	cmd.WaitDelay = 5 * time.Second
	logw := newLineLogger(t, label+": ")
	cmd.Stdout, cmd.Stderr = logw, logw
	t.Logf("compat: %s %s", filepath.Base(name), strings.Join(args, " "))
	err := cmd.Run()
	logw.Flush()
	if err != nil && ctx.Err() != nil {
		err = fmt.Errorf("%w (%v)", err, ctx.Err())
	}
	return err
}

// lineLogger is an io.Writer that sends each complete line to t.Log. It is
// safe for concurrent use, so one value can take both stdout and stderr.
type lineLogger struct {
	t      *testing.T
	prefix string
	mu     sync.Mutex
	buf    []byte
}

func newLineLogger(t *testing.T, prefix string) *lineLogger {
	return &lineLogger{t: t, prefix: prefix}
}

func (l *lineLogger) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.buf = append(l.buf, p...)
	for {
		i := bytes.IndexByte(l.buf, '\n')
		if i < 0 {
			break
		}
		l.t.Log(l.prefix + strings.TrimRight(string(l.buf[:i]), "\r"))
		l.buf = l.buf[i+1:]
	}
	return len(p), nil
}

// Flush logs a final line that had no newline.
func (l *lineLogger) Flush() {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.buf) > 0 {
		l.t.Log(l.prefix + string(l.buf))
		l.buf = nil
	}
}

var _ io.Writer = (*lineLogger)(nil)
