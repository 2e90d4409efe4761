package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/kessai/kessai/bench"
	"github.com/kessai/kessai/server"
)

// benchCmd is `kessai bench`: measure a running kessai (--url and --key),
// or one it starts on a temporary SQLite file or on --database-url.
type benchCmd struct {
	Workload    string        `name:"workload" env:"KESSAI_BENCH_WORKLOAD" default:"refunds" enum:"refunds,flows,reads,mixed,mws,amazon-v2" help:"refunds (¥1 partial refunds, each client on its own flow), flows (create + confirm + capture), reads (get and filtered list), mixed, mws (Amazon Pay: order reference → confirm → Authorize with CaptureNow → Refund; needs the server bench starts), or amazon-v2 (Amazon Pay API v2: checkout session → update → the sandbox buyer's approval → complete with capture → refund, signed with a key bench registers)."`
	Concurrency int           `name:"concurrency" env:"KESSAI_BENCH_CONCURRENCY" default:"64" help:"Clients (closed loop) or the most requests in flight (open loop)."`
	Rate        float64       `name:"rate" env:"KESSAI_BENCH_RATE" default:"0" help:"Requests per second (open loop, latency from the scheduled send); 0 runs a closed loop."`
	Duration    time.Duration `name:"duration" env:"KESSAI_BENCH_DURATION" default:"10s" help:"How long to measure."`
	Warmup      time.Duration `name:"warmup" env:"KESSAI_BENCH_WARMUP" default:"1s" help:"How long to run before measuring."`
	URL         string        `name:"url" env:"KESSAI_BENCH_URL" help:"A running kessai to measure (with --key); by default bench starts one."`
	Key         string        `name:"key" env:"KESSAI_BENCH_KEY" help:"A test-mode secret key of the running kessai."`
	DatabaseURL string        `name:"database-url" env:"KESSAI_BENCH_DATABASE_URL" help:"The database of the kessai that bench starts (default: a temporary SQLite file)."`
	Preload     int           `name:"preload" env:"KESSAI_BENCH_PRELOAD" default:"0" help:"Payments to store in the account before measuring (paid card flows with a refund; copies of one the engine makes), to measure at scale; only on a server bench starts."`
	Target      string        `name:"target" env:"KESSAI_BENCH_TARGET" default:"kessai" enum:"kessai,stripe-mock" help:"What runs at --url: kessai, or stripe-mock (Stripe's stateless API mock, for comparison: the refunds workload sends it the same refund in Stripe's shape)."`
	CPUProfile  string        `name:"cpu-profile" env:"KESSAI_BENCH_CPU_PROFILE" placeholder:"FILE" help:"Write the server's Go CPU profile of the measured window to FILE (go tool pprof FILE); only on a server bench starts."`
	JSON        bool          `name:"json" help:"Print the result as JSON."`
}

// Help is the long help of 'kessai bench --help'.
func (benchCmd) Help() string {
	return `Measures throughput and latency over real HTTP on loopback: durable requests with unique Idempotency-Keys, nothing faked. Without --url it starts this binary's 'serve' on a free port and a fresh account, and reports the server's RSS too. See docs/performance.md.`
}

// Run runs the benchmark and prints its result.
func (c *benchCmd) Run(ctx context.Context, s *streams) error {
	cfg := bench.Config{URL: c.URL, Key: c.Key, Workload: c.Workload, Concurrency: c.Concurrency, Rate: c.Rate,
		Duration: c.Duration, Warmup: c.Warmup}
	if c.Target == bench.StripeMock {
		if c.URL == "" {
			return usageError{fmt.Errorf("--target stripe-mock measures a running stripe-mock: give its --url (e.g. http://127.0.0.1:12111)")}
		}
		cfg.Target = bench.StripeMock
		if cfg.Key == "" {
			cfg.Key = "sk_test_123" // stripe-mock accepts any test key
		}
	}
	var srv *bench.Server
	if cfg.URL == "" {
		databaseURL := c.DatabaseURL
		if databaseURL == "" {
			dir, err := os.MkdirTemp("", "kessai-bench-")
			if err != nil {
				return err
			}
			defer os.RemoveAll(dir)
			databaseURL = "sqlite:" + filepath.Join(dir, "bench.db")
		}
		bin, err := os.Executable()
		if err != nil {
			return err
		}
		var prepare func(context.Context, string) error
		if c.Preload > 0 {
			prepare = func(ctx context.Context, key string) error { return c.preload(ctx, s, databaseURL, key) }
		}
		var serveArgs []string
		var pprofAddr string
		if c.CPUProfile != "" {
			if pprofAddr, err = freeLoopbackAddr(); err != nil {
				return err
			}
			serveArgs = append(serveArgs, "--pprof-addr", pprofAddr)
		}
		if srv, err = bench.StartServerAfter(ctx, bin, databaseURL, nil, prepare, serveArgs...); err != nil {
			return err
		}
		defer srv.Stop()
		cfg.URL, cfg.Key, cfg.MWS = srv.URL, srv.Key, srv.MWS
		if c.CPUProfile != "" {
			profiled := make(chan error, 1)
			defer func() {
				if err := <-profiled; err != nil {
					fmt.Fprintf(s.err, "kessai bench: cpu profile: %v\n", err)
				} else {
					fmt.Fprintf(s.err, "kessai bench: server cpu profile in %s (go tool pprof %s)\n", c.CPUProfile, c.CPUProfile)
				}
			}()
			cfg.OnMeasure = func() { profiled <- fetchProfile(ctx, pprofAddr, c.Duration, c.CPUProfile) }
		}
	} else if c.CPUProfile != "" {
		return usageError{fmt.Errorf("--cpu-profile profiles a server bench starts: run it without --url")}
	} else if c.Preload > 0 {
		return usageError{fmt.Errorf("--preload fills the database of a server bench starts: run it without --url")}
	} else if cfg.Workload == bench.MWS {
		return usageError{fmt.Errorf("the mws workload signs with the account that bench creates: run it without --url")}
	} else if cfg.Key == "" {
		return usageError{fmt.Errorf("--url needs --key: a test-mode secret key of that server")}
	}
	res, err := bench.Run(ctx, cfg)
	if err != nil {
		return err
	}
	if srv != nil {
		res.ServerRSSMB = srv.RSSMB()
	}
	if c.JSON {
		return json.NewEncoder(s.out).Encode(res)
	}
	_, err = io.WriteString(s.out, res.Table())
	return err
}

// preload stores c.Preload payments in the account of key, telling its
// progress on stderr.
func (c *benchCmd) preload(ctx context.Context, s *streams, databaseURL, key string) error {
	m := &server.Main{DatabaseURL: databaseURL}
	if err := m.Open(ctx); err != nil {
		return err
	}
	defer m.Store.Close()
	start := time.Now()
	step := max(c.Preload/10, 1)
	return bench.Preload(ctx, m.Store, m.E, key, c.Preload, func(done int) {
		if done%step < 500 || done == c.Preload {
			fmt.Fprintf(s.err, "kessai bench: preloaded %d of %d payments (%s)\n", done, c.Preload, time.Since(start).Round(time.Second))
		}
	})
}

// freeLoopbackAddr is a loopback address with a port free now.
func freeLoopbackAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

// fetchProfile writes the CPU profile of the next d of the server whose
// pprof listener is at addr to file.
func fetchProfile(ctx context.Context, addr string, d time.Duration, file string) error {
	secs := max(int(d.Round(time.Second)/time.Second), 1)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, fmt.Sprintf("http://%s/debug/pprof/profile?seconds=%d", addr, secs), nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("server answered %s", resp.Status)
	}
	f, err := os.Create(file)
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, resp.Body); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
