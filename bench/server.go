package bench

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Server is a kessai process that bench started to measure.
type Server struct {
	URL string
	Key string // a test-mode secret key of a fresh account
	MWS MWSCredentials
	cmd *exec.Cmd
}

// StartServer runs `bin accounts create` and `bin serve` on databaseURL on
// a free loopback port, and waits until it is healthy. Its output goes to
// logTo (nil: discarded).
func StartServer(ctx context.Context, bin, databaseURL string, logTo *os.File, serveArgs ...string) (*Server, error) {
	return StartServerAfter(ctx, bin, databaseURL, logTo, nil, serveArgs...)
}

// StartServerAfter is StartServer that runs prepare, with the new
// account's secret key, after creating the account and before the server
// starts (Preload, with the database to itself).
func StartServerAfter(ctx context.Context, bin, databaseURL string, logTo *os.File, prepare func(ctx context.Context, secretKey string) error, serveArgs ...string) (*Server, error) {
	out, err := exec.CommandContext(ctx, bin, "accounts", "create", "--name", "bench", "--database-url", databaseURL, "--json").Output()
	if err != nil {
		return nil, fmt.Errorf("bench: accounts create: %w", err)
	}
	var acct struct {
		SecretKey string `json:"secret_key"`
		MWS       struct {
			SellerID    string `json:"seller_id"`
			AccessKeyID string `json:"access_key_id"`
			SecretKey   string `json:"secret_key"`
		} `json:"mws"`
	}
	if err := json.Unmarshal(out, &acct); err != nil {
		return nil, fmt.Errorf("bench: accounts create printed %q: %w", out, err)
	}
	if prepare != nil {
		if err := prepare(ctx, acct.SecretKey); err != nil {
			return nil, err
		}
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	addr := ln.Addr().String()
	ln.Close()
	s := &Server{URL: "http://" + addr, Key: acct.SecretKey,
		MWS: MWSCredentials{SellerID: acct.MWS.SellerID, AccessKeyID: acct.MWS.AccessKeyID, SecretKey: acct.MWS.SecretKey}}
	s.cmd = exec.Command(bin, append([]string{"serve", "--addr", addr, "--database-url", databaseURL, "--log-level", "warn"}, serveArgs...)...)
	if logTo != nil {
		s.cmd.Stdout, s.cmd.Stderr = logTo, logTo
	}
	if err := s.cmd.Start(); err != nil {
		return nil, err
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := http.Get(s.URL + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return s, nil
			}
		}
		if time.Now().After(deadline) {
			s.Stop()
			return nil, fmt.Errorf("bench: server not healthy after 30 s")
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// RSSMB is the server's resident memory in MB (Linux), or 0.
func (s *Server) RSSMB() float64 {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", s.cmd.Process.Pid))
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "VmRSS:"); ok {
			kb, _ := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 64)
			return kb / 1024
		}
	}
	return 0
}

// Stop ends the server (SIGTERM, then SIGKILL after 10 s).
func (s *Server) Stop() {
	if s.cmd.Process == nil {
		return
	}
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan struct{})
	go func() { _ = s.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		_ = s.cmd.Process.Kill()
		<-done
	}
}
