// Package bintest runs the real kessai binary in tests: it builds it once
// per test binary, creates accounts with its CLI, and starts, stops and
// kills servers on free loopback ports.
package bintest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"
)

var build struct {
	once sync.Once
	dir  string
	bin  string
	err  error
}

// Binary returns the path of a kessai binary built from this module, built
// once per test process (into a temporary directory removed by Cleanup in
// TestMain, or left to the OS).
func Binary(tb testing.TB) string {
	tb.Helper()
	build.once.Do(func() {
		root, err := moduleRoot()
		if err != nil {
			build.err = err
			return
		}
		if build.dir, err = os.MkdirTemp("", "kessai-bin-"); err != nil {
			build.err = err
			return
		}
		build.bin = filepath.Join(build.dir, "kessai")
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		defer cancel()
		cmd := exec.CommandContext(ctx, "go", "build", "-o", build.bin, "./cmd/kessai")
		cmd.Dir = root
		if out, err := cmd.CombinedOutput(); err != nil {
			build.err = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if build.err != nil {
		tb.Fatalf("bintest: %v", build.err)
	}
	return build.bin
}

func moduleRoot() (string, error) {
	d, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			return d, nil
		}
		parent := filepath.Dir(d)
		if parent == d {
			return "", fmt.Errorf("no go.mod above the working directory")
		}
		d = parent
	}
}

// Account is what `kessai accounts create --json` prints.
type Account struct {
	ID        string `json:"id"`
	SecretKey string `json:"secret_key"`
	MWS       struct {
		SellerID    string `json:"seller_id"`
		AccessKeyID string `json:"access_key_id"`
		SecretKey   string `json:"secret_key"`
	} `json:"mws"`
}

// CreateAccount runs `kessai accounts create` on the database.
func CreateAccount(tb testing.TB, databaseURL, name string) Account {
	tb.Helper()
	cmd := exec.Command(Binary(tb), "accounts", "create", "--name", name, "--database-url", databaseURL, "--json")
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		tb.Fatalf("accounts create: %v\n%s", err, errb.String())
	}
	var a Account
	if err := json.Unmarshal(out.Bytes(), &a); err != nil {
		tb.Fatalf("accounts create printed %q: %v", out.String(), err)
	}
	return a
}

// Server is a running `kessai serve`.
type Server struct {
	URL  string
	Addr string
	cmd  *exec.Cmd
	log  *syncBuffer
	done chan struct{}
}

// syncBuffer is a buffer the process writes while the test reads it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// FreeAddr returns a loopback address with a port that was free a moment
// ago.
func FreeAddr(tb testing.TB) string {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// Serve starts `kessai serve` on the database at addr (FreeAddr when
// empty) with extra arguments, and waits until /healthz answers. The
// server is killed when the test ends if it still runs.
func Serve(tb testing.TB, databaseURL, addr string, args ...string) *Server {
	tb.Helper()
	if addr == "" {
		addr = FreeAddr(tb)
	}
	s := &Server{Addr: addr, URL: "http://" + addr, log: &syncBuffer{}, done: make(chan struct{})}
	s.cmd = exec.Command(Binary(tb), append([]string{"serve", "--addr", addr, "--database-url", databaseURL}, args...)...)
	s.cmd.Stdout, s.cmd.Stderr = s.log, s.log
	s.cmd.Env = append(os.Environ(), "XDG_DATA_HOME="+tb.TempDir())
	if err := s.cmd.Start(); err != nil {
		tb.Fatalf("kessai serve: %v", err)
	}
	go func() { _ = s.cmd.Wait(); close(s.done) }()
	tb.Cleanup(s.Kill)
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := http.Get(s.URL + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return s
			}
		}
		select {
		case <-s.done:
			tb.Fatalf("kessai serve exited before it was healthy:\n%s", s.log.String())
		default:
		}
		if time.Now().After(deadline) {
			tb.Fatalf("kessai serve not healthy after 30 s:\n%s", s.log.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Kill sends SIGKILL (kill -9) and waits for the process to end.
func (s *Server) Kill() {
	if s.cmd.Process == nil {
		return
	}
	_ = s.cmd.Process.Signal(syscall.SIGKILL)
	<-s.done
}

// Stop sends SIGTERM and waits for the process to end (SIGKILL after 20 s).
func (s *Server) Stop() {
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.done:
	case <-time.After(20 * time.Second):
		s.Kill()
	}
}

// Terminate sends SIGTERM and waits for the process to end (SIGKILL after
// 20 s); it returns how long the process took to exit and its exit code
// (-1 when a signal ended it).
func (s *Server) Terminate() (time.Duration, int) {
	start := time.Now()
	s.Stop()
	return time.Since(start), s.cmd.ProcessState.ExitCode()
}

// Log returns what the server wrote.
func (s *Server) Log() string { return s.log.String() }
