package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/kessai/kessai/bench"
)

// benchCmd is `kessai bench`: measure a running kessai (--url and --key),
// or start one on a temporary SQLite file or the given --database-url.
func benchCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var cfg bench.Config
	var databaseURL string
	var asJSON bool
	fs.StringVar(&cfg.Workload, "workload", bench.Refunds, "refunds, flows, reads or mixed")
	fs.IntVar(&cfg.Concurrency, "concurrency", 64, "clients (closed loop) or the most requests in flight (open loop)")
	fs.Float64Var(&cfg.Rate, "rate", 0, "requests per second (open loop); 0 runs a closed loop")
	fs.DurationVar(&cfg.Duration, "duration", bench.DefaultDuration, "how long to measure")
	fs.DurationVar(&cfg.Warmup, "warmup", bench.DefaultWarmup, "how long to run before measuring")
	fs.StringVar(&cfg.URL, "url", "", "a running kessai to measure (with --key); default: start one")
	fs.StringVar(&cfg.Key, "key", "", "a test-mode secret key of the running kessai")
	fs.StringVar(&databaseURL, "database-url", "", "the database of the kessai bench starts (default: a temporary SQLite file)")
	fs.BoolVar(&asJSON, "json", false, "print the result as JSON")
	if err := fs.Parse(args); err != nil {
		return err
	}
	var srv *bench.Server
	if cfg.URL == "" {
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
		if srv, err = bench.StartServer(ctx, bin, databaseURL, nil); err != nil {
			return err
		}
		defer srv.Stop()
		cfg.URL, cfg.Key = srv.URL, srv.Key
	} else if cfg.Key == "" {
		return fmt.Errorf("--url needs --key: a test-mode secret key of that server")
	}
	res, err := bench.Run(ctx, cfg)
	if err != nil {
		return err
	}
	if srv != nil {
		res.ServerRSSMB = srv.RSSMB()
	}
	if asJSON {
		return json.NewEncoder(stdout).Encode(res)
	}
	_, err = io.WriteString(stdout, res.Table())
	return err
}
