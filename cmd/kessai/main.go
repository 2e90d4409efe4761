// Command kessai is the kessai payments server.
//
//	kessai serve   [--addr 127.0.0.1:8080] [--database-url sqlite:kessai.db]   API and worker
//	kessai worker  [--database-url …]                                         worker only
//	kessai migrate [--database-url …]                                         apply migrations, print their versions
//	kessai accounts create --name NAME [--live] [--region jp|us|eu] [--json]  new merchant account
//
// KESSAI_ADDR and KESSAI_DATABASE_URL give the defaults of --addr and
// --database-url; a postgres:// URL selects PostgreSQL.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/kessai/kessai/engine"
	"github.com/kessai/kessai/internal/dburl"
	"github.com/kessai/kessai/mws"
	"github.com/kessai/kessai/server"
	"github.com/kessai/kessai/worker"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "kessai:", err)
		os.Exit(1)
	}
}

const usage = `usage: kessai <command> [flags]

commands:
  serve              run the API and the job worker
  worker             run the job worker only
  migrate            apply database migrations
  accounts create    create a merchant account and print its keys
  bench              measure throughput and latency over HTTP

Run 'kessai <command> -h' for the flags of a command.`

func envOr(key, def string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return def
}

// envBool reads a boolean environment variable: 1, true, yes or on.
func envBool(key string) bool {
	switch strings.ToLower(os.Getenv(key)) {
	case "1", "true", "yes", "on":
		return true
	}
	return false
}

type common struct {
	databaseURL string
	logLevel    string
}

func (c *common) flags(fs *flag.FlagSet) {
	fs.StringVar(&c.databaseURL, "database-url", envOr("KESSAI_DATABASE_URL", "sqlite:kessai.db"), "sqlite:PATH or postgres://… (env KESSAI_DATABASE_URL)")
	fs.StringVar(&c.logLevel, "log-level", envOr("KESSAI_LOG_LEVEL", "info"), "debug, info, warn or error (env KESSAI_LOG_LEVEL)")
}

func (c *common) logger(w io.Writer) *slog.Logger {
	var level slog.Level
	if err := level.UnmarshalText([]byte(c.logLevel)); err != nil {
		level = slog.LevelInfo
	}
	return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: level}))
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprintln(stderr, usage)
		return errors.New("no command")
	}
	switch args[0] {
	case "serve":
		return serve(ctx, args[1:], stderr, false)
	case "worker":
		return serve(ctx, args[1:], stderr, true)
	case "migrate":
		return migrate(ctx, args[1:], stdout, stderr)
	case "bench":
		return benchCmd(ctx, args[1:], stdout, stderr)
	case "accounts":
		if len(args) < 2 || args[1] != "create" {
			return errors.New("usage: kessai accounts create --name NAME [--json]")
		}
		return createAccount(ctx, args[2:], stdout, stderr)
	case "-h", "--help", "help":
		fmt.Fprintln(stdout, usage)
		return nil
	}
	fmt.Fprintln(stderr, usage)
	return fmt.Errorf("unknown command %q", args[0])
}

func serve(ctx context.Context, args []string, stderr io.Writer, workerOnly bool) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var c common
	c.flags(fs)
	addr := fs.String("addr", envOr("KESSAI_ADDR", "127.0.0.1:8080"), "listen address (env KESSAI_ADDR)")
	publicURL := fs.String("public-url", os.Getenv("KESSAI_PUBLIC_URL"), "base URL buyers' browsers reach kessai at (default http://ADDR)")
	noWorker := fs.Bool("no-worker", false, "serve the API without running jobs (run 'kessai worker' elsewhere)")
	settlePayPay := fs.Duration("settle-delay-paypay", engine.DefaultSettleDelayPayPay, "how long PayPay refunds stay pending")
	settleAmazon := fs.Duration("settle-delay-amazon", engine.DefaultSettleDelayAmazon, "how long Amazon refunds, authorizations and captures stay pending")
	lease := fs.Duration("job-lease", 30*time.Second, "how long a worker's claim on a job lasts")
	poll := fs.Duration("job-poll", 250*time.Millisecond, "how often the worker looks for due jobs")
	mwsThrottle := fs.Bool("mws-throttle", envBool("KESSAI_MWS_THROTTLE"),
		"throttle MWS requests like Amazon's sandbox: per seller and Action, a burst of 2, then one every 2 s (env KESSAI_MWS_THROTTLE)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	log := c.logger(stderr)
	m := &server.Main{Addr: *addr, DatabaseURL: c.databaseURL, PublicURL: *publicURL, Log: log, NoWorker: *noWorker,
		Engine: engine.Config{SettleDelayPayPay: *settlePayPay, SettleDelayAmazon: *settleAmazon, PublicURL: *publicURL},
		Worker: worker.Config{Lease: *lease, Poll: *poll}, MWS: mws.Config{Throttle: *mwsThrottle}}
	if workerOnly {
		if err := m.Open(ctx); err != nil {
			return err
		}
		defer m.Store.Close()
		log.Info("kessai worker running", "store", m.Store.Dialect(), "id", m.W.Cfg.ID)
		m.W.Loop(ctx)
		log.Info("kessai worker stopped")
		return nil
	}
	if err := m.Start(ctx); err != nil {
		return err
	}
	<-ctx.Done()
	log.Info("shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	return m.Close(sctx)
}

func migrate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("migrate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var c common
	c.flags(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	st, err := dburl.Migrate(ctx, c.databaseURL)
	if err != nil {
		return err
	}
	for _, v := range st.Applied {
		fmt.Fprintf(stdout, "applied migration %05d\n", v)
	}
	if len(st.Applied) == 0 {
		fmt.Fprintf(stdout, "no migrations to apply; database at version %d\n", st.Version)
		return nil
	}
	fmt.Fprintf(stdout, "database at version %d\n", st.Version)
	return nil
}

func createAccount(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("accounts create", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var c common
	c.flags(fs)
	name := fs.String("name", "", "account name (required)")
	live := fs.Bool("live", false, "create a live-mode account (sk_live_…)")
	region := fs.String("region", "jp", "MWS region: jp, us or eu")
	asJSON := fs.Bool("json", false, "print the account as JSON")
	if err := fs.Parse(args); err != nil {
		return err
	}
	m := &server.Main{DatabaseURL: c.databaseURL, Log: c.logger(stderr)}
	if err := m.Open(ctx); err != nil {
		return err
	}
	defer m.Store.Close()
	a, err := m.E.CreateAccount(ctx, *name, *live, *region)
	if err != nil {
		return err
	}
	if *asJSON {
		return json.NewEncoder(stdout).Encode(a)
	}
	fmt.Fprintf(stdout, "account          %s\nsecret key       %s\npublishable key  %s\nwebhook token    %s\nMWS seller id    %s\nMWS access key   %s\nMWS secret key   %s\nMWS region       %s\n",
		a.ID, a.SecretKey, a.PublishableKey, a.WebhookToken, a.MWS.SellerID, a.MWS.AccessKeyID, a.MWS.SecretKey, a.MWS.Region)
	return nil
}
