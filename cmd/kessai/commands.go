package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/kessai/kessai/accounts"
	"github.com/kessai/kessai/engine"
	"github.com/kessai/kessai/internal/dburl"
	"github.com/kessai/kessai/internal/redact"
	"github.com/kessai/kessai/mws"
	"github.com/kessai/kessai/server"
	"github.com/kessai/kessai/sqlite"
	"github.com/kessai/kessai/worker"
)

// database holds the flags of every command that opens the database.
type database struct {
	DatabaseURL string `name:"database-url" env:"KESSAI_DATABASE_URL" placeholder:"URL" help:"sqlite:PATH (an embedded file) or postgres://USER@HOST:PORT/DB; by default sqlite:$XDG_DATA_HOME/kessai/kessai.db, here ${default_database}, whatever the working directory."`
	LogLevel    string `name:"log-level" env:"KESSAI_LOG_LEVEL" default:"info" placeholder:"LEVEL" help:"debug, info, warn or error (default ${default}); logs are JSON lines on stderr."`
}

// url returns the database URL the command works on: --database-url (or
// KESSAI_DATABASE_URL), else the per-user default, whose directory it
// creates.
func (d *database) url() (string, error) {
	if d.DatabaseURL != "" {
		if _, err := dburl.Dialect(d.DatabaseURL); err != nil {
			return "", usageError{err}
		}
		return d.DatabaseURL, nil
	}
	p, err := defaultDatabasePath()
	if err != nil {
		return "", err
	}
	if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
		return "", fmt.Errorf("create the directory of the default database: %w (or name another with --database-url or KESSAI_DATABASE_URL)", err)
	}
	return "sqlite:" + p, nil
}

// defaultDatabasePath is the SQLite file that every command uses when no
// database URL is given: $XDG_DATA_HOME/kessai/kessai.db, or
// ~/.local/share/kessai/kessai.db when XDG_DATA_HOME is unset (or, against
// the XDG rules, relative). It does not depend on the working directory, so
// that `accounts create` and `serve` run from different places share one
// database.
func defaultDatabasePath() (string, error) {
	dir := os.Getenv("XDG_DATA_HOME")
	if !filepath.IsAbs(dir) {
		home, err := os.UserHomeDir()
		if err != nil {
			return "", fmt.Errorf("no database URL is given and the default one needs a home directory: %w (set --database-url or KESSAI_DATABASE_URL)", err)
		}
		dir = filepath.Join(home, ".local", "share")
	}
	return filepath.Join(dir, "kessai", "kessai.db"), nil
}

// defaultDatabaseHelp is the default database as --help shows it.
func defaultDatabaseHelp() string {
	p, err := defaultDatabasePath()
	if err != nil {
		return "unavailable without a home directory"
	}
	return "sqlite:" + p
}

// describeDatabase is a database URL as kessai tells the user about it: a
// SQLite path made absolute, every credential of a PostgreSQL URL masked
// (user:pass@ and ?password=, see redact.URL).
func describeDatabase(u string) string {
	if strings.HasPrefix(u, "sqlite:") {
		p, err := sqlite.PathFromURL(u)
		if err != nil {
			return u
		}
		if abs, err := filepath.Abs(p); err == nil {
			p = abs
		}
		return "sqlite:" + p
	}
	return redact.URL(u)
}

// Validate checks --log-level; kong calls it after parsing.
func (d *database) Validate() error {
	var level slog.Level
	if err := level.UnmarshalText([]byte(d.LogLevel)); err != nil {
		return fmt.Errorf("--log-level %q: want debug, info, warn or error", d.LogLevel)
	}
	return nil
}

// logger returns the JSON logger on stderr at --log-level.
func (d *database) logger(s *streams) *slog.Logger {
	var level slog.Level
	_ = level.UnmarshalText([]byte(d.LogLevel)) // checked by Validate
	return slog.New(slog.NewJSONHandler(s.err, &slog.HandlerOptions{Level: level}))
}

// claim makes this process the only one that serves a SQLite database, for
// its whole life: a second serve or worker on the file would run a second
// worker on it. A PostgreSQL database is shared by design and needs none.
func claim(u, owner string) (*sqlite.Claimed, error) {
	if d, err := dburl.Dialect(u); err != nil || d != "sqlite" {
		return nil, err
	}
	return sqlite.Claim(u, owner)
}

// jobs holds the flags of the commands that run jobs.
type jobs struct {
	PublicURL         string        `name:"public-url" env:"KESSAI_PUBLIC_URL" placeholder:"URL" help:"Base URL buyers' browsers reach kessai at, for the PayPay approval page (default http://ADDR)."`
	SettleDelayPayPay time.Duration `name:"settle-delay-paypay" env:"KESSAI_SETTLE_DELAY_PAYPAY" default:"${settle_delay_paypay}" help:"How long PayPay refunds stay pending."`
	SettleDelayAmazon time.Duration `name:"settle-delay-amazon" env:"KESSAI_SETTLE_DELAY_AMAZON" default:"${settle_delay_amazon}" help:"How long Amazon refunds, authorizations and captures stay pending."`
	JobLease          time.Duration `name:"job-lease" env:"KESSAI_JOB_LEASE" default:"30s" help:"How long a worker's claim on a job lasts."`
	JobPoll           time.Duration `name:"job-poll" env:"KESSAI_JOB_POLL" default:"250ms" help:"How often the worker looks for due jobs."`
	StoreTimeout      time.Duration `name:"store-timeout" env:"KESSAI_STORE_TIMEOUT" default:"5s" help:"How long one database transaction may take, waiting for a connection included; past it the request is answered 503 with Retry-After (a database that is down or hangs)."`
}

func (j *jobs) main(dbURL string, log *slog.Logger) *server.Main {
	return &server.Main{DatabaseURL: dbURL, PublicURL: j.PublicURL, Log: log, StoreTimeout: j.StoreTimeout,
		Engine: engine.Config{SettleDelayPayPay: j.SettleDelayPayPay, SettleDelayAmazon: j.SettleDelayAmazon, PublicURL: j.PublicURL},
		Worker: worker.Config{Lease: j.JobLease, Poll: j.JobPoll}}
}

// serveCmd runs the API and the worker. All of serve's own flags are
// fields here, one line each.
type serveCmd struct {
	database
	Addr                   string        `name:"addr" env:"KESSAI_ADDR" default:"127.0.0.1:8080" placeholder:"HOST:PORT" help:"Listen address (default ${default})."`
	NoWorker               bool          `name:"no-worker" env:"KESSAI_NO_WORKER" help:"Serve the API without running jobs (run 'kessai worker' elsewhere)."`
	MaxInflight            int           `name:"max-inflight" env:"KESSAI_MAX_INFLIGHT" default:"64" help:"Write transactions, and separately read transactions, that requests may run on the database at once; the others queue, shared fairly between accounts."`
	MaxQueueWait           time.Duration `name:"max-queue-wait" env:"KESSAI_MAX_QUEUE_WAIT" default:"500ms" help:"How long a request may queue for the database; one that would wait longer is answered at once, busy (PAY.JP 429 rate_limit_exceeded, MWS 503 RequestThrottled) with Retry-After."`
	MWSThrottle            bool          `name:"mws-throttle" env:"KESSAI_MWS_THROTTLE" help:"Throttle MWS requests like Amazon's sandbox: per seller and Action, a burst of 2, then one every 2 s."`
	SMTPURL                string        `name:"smtp-url" env:"KESSAI_SMTP_URL" placeholder:"smtp://HOST:PORT" help:"Send buyer emails through this SMTP server (they are always kept in the outbox, GET /kessai/v1/emails)."`
	DashboardOperatorToken string        `name:"dashboard-operator-token" env:"KESSAI_DASHBOARD_OPERATOR_TOKEN" placeholder:"TOKEN" help:"Let an operator sign in to the dashboard (/dashboard) with this token and open every account; without it only accounts' secret keys sign in."`
	TLSAddr                string        `name:"tls-addr" env:"KESSAI_TLS_ADDR" placeholder:"HOST:PORT" help:"Also serve every face over HTTPS on this address, e.g. 127.0.0.1:8443 (the Amazon Pay API v2 SDKs speak only https); off by default."`
	TLSCert                string        `name:"tls-cert" env:"KESSAI_TLS_CERT" placeholder:"PATH" help:"The HTTPS certificate chain (PEM); without --tls-cert and --tls-key kessai makes a self-signed one for localhost and 127.0.0.1 and keeps it in its data directory."`
	TLSKey                 string        `name:"tls-key" env:"KESSAI_TLS_KEY" placeholder:"PATH" help:"The key of --tls-cert (PEM)."`
	PprofAddr              string        `name:"pprof-addr" env:"KESSAI_PPROF_ADDR" placeholder:"HOST:PORT" help:"Serve Go's profiles (/debug/pprof/) on this separate address, e.g. 127.0.0.1:6060; off by default. It has no authentication: keep it on loopback."`
	jobs
	limits
}

// limits are the HTTP limits of serve (server.HTTPConfig).
type limits struct {
	ReadTimeout  time.Duration `name:"read-timeout" env:"KESSAI_READ_TIMEOUT" default:"30s" help:"Longest time to read a whole request, body included."`
	WriteTimeout time.Duration `name:"write-timeout" env:"KESSAI_WRITE_TIMEOUT" default:"2m" help:"Longest time to answer a request (a long clock advance included)."`
	IdleTimeout  time.Duration `name:"idle-timeout" env:"KESSAI_IDLE_TIMEOUT" default:"2m" help:"How long an idle keep-alive connection stays open."`
	RateLimit    float64       `name:"rate-limit" env:"KESSAI_RATE_LIMIT" default:"0" help:"Requests per second per account on the JSON APIs, with bursts of twice as many (429 with Retry-After beyond); 0 is unlimited."`
}

func (l limits) config() server.HTTPConfig {
	return server.HTTPConfig{ReadTimeout: l.ReadTimeout, WriteTimeout: l.WriteTimeout, IdleTimeout: l.IdleTimeout, RateLimit: l.RateLimit}
}

// Help is the long help of 'kessai serve --help'.
func (serveCmd) Help() string {
	return `Serves the PAY.JP v2 API (/v2), the Amazon Pay MWS API and API v2 (/sandbox/v2, /live/v2, and /v2 signed by Amazon's scheme), kessai's own API (/kessai/v1), /livez, /readyz and /metrics, and runs the durable job worker (settlements, expiries, webhooks) unless --no-worker. Migrations are applied at start. On SQLite one process, serve or worker, has the database file (a lock on PATH.lock): a second one is refused; migrate and accounts create may run beside it. SIGINT or SIGTERM stops accepting requests and lets those in flight and the running job finish.

KESSAI_MASTER_KEY (base64 of 32 bytes) seals the accounts' webhook tokens and MWS secrets; without it kessai generates one and keeps it in the database's settings table. Logs are JSON lines on stderr.`
}

// Run serves until ctx ends.
func (c *serveCmd) Run(ctx context.Context, s *streams) error {
	log := c.logger(s)
	u, err := c.url()
	if err != nil {
		return err
	}
	claimed, err := claim(u, "kessai serve")
	if err != nil {
		return err
	}
	defer claimed.Release()
	m := c.main(u, log)
	m.Addr, m.NoWorker, m.HTTP = c.Addr, c.NoWorker, c.limits.config()
	m.MWS = mws.Config{Throttle: c.MWSThrottle}
	m.Engine.MaxInflight, m.Engine.MaxQueueWait = c.MaxInflight, c.MaxQueueWait
	m.SMTPURL = c.SMTPURL
	m.DashboardOperatorToken = c.DashboardOperatorToken
	if c.TLSAddr != "" {
		if (c.TLSCert == "") != (c.TLSKey == "") {
			return usageError{errors.New("--tls-cert and --tls-key go together; give neither for a self-signed certificate")}
		}
		m.TLS = server.TLSConfig{Addr: c.TLSAddr, CertFile: c.TLSCert, KeyFile: c.TLSKey}
		if c.TLSCert == "" {
			p, err := defaultDatabasePath()
			if err != nil {
				return err
			}
			m.TLS.Dir = filepath.Dir(p)
		}
	}
	if err := m.Start(ctx); err != nil {
		if errors.Is(err, syscall.EADDRINUSE) {
			return fmt.Errorf("%w: another program (another kessai?) listens on %s; choose another address with --addr or KESSAI_ADDR", err, c.Addr)
		}
		return err
	}
	fmt.Fprintf(s.err, "kessai: serving on %s, database %s\n", m.URL(), describeDatabase(u))
	if m.TLSURL() != "" {
		cert := c.TLSCert
		if cert == "" {
			cert = filepath.Join(m.TLS.Dir, server.SelfSignedCert) + " (self-signed)"
		}
		fmt.Fprintf(s.err, "kessai: serving https on %s, certificate %s\n", m.TLSURL(), cert)
	}
	if c.PprofAddr != "" {
		stop, err := servePprof(c.PprofAddr, log)
		if err != nil {
			m.Close(context.Background())
			return err
		}
		defer stop()
		fmt.Fprintf(s.err, "kessai: profiles on http://%s/debug/pprof/\n", c.PprofAddr)
	}
	<-ctx.Done()
	log.Info("shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	return m.Close(sctx)
}

// workerCmd runs jobs without serving the API.
type workerCmd struct {
	database
	jobs
	MetricsAddr string `name:"metrics-addr" env:"KESSAI_METRICS_ADDR" placeholder:"HOST:PORT" help:"Serve /livez, /readyz and /metrics on this address, e.g. 127.0.0.1:9090 (port 0: any free port, printed); off by default. No authentication: keep it on loopback or a private network."`
	// Accepted, and ignored, for scripts that gave worker serve's flags.
	Addr     string `name:"addr" hidden:"" help:"Ignored."`
	NoWorker bool   `name:"no-worker" hidden:"" help:"Ignored."`
}

// Help is the long help of 'kessai worker --help'.
func (workerCmd) Help() string {
	return `Runs the durable job worker (settlements, expiries, webhooks) until SIGINT or SIGTERM, without serving the API: beside 'kessai serve --no-worker' or other servers on one PostgreSQL database. On SQLite one process, serve or worker, has the database file: a second one is refused. With --metrics-addr it serves /livez (the process is up), /readyz (the database answers within 2 s) and /metrics (the job queue, notifications, Go and the process) for a supervisor and Prometheus.

KESSAI_MASTER_KEY (base64 of 32 bytes) seals account secrets, as for serve. Logs are JSON lines on stderr.`
}

// Run works until ctx ends.
func (c *workerCmd) Run(ctx context.Context, s *streams) error {
	log := c.logger(s)
	u, err := c.url()
	if err != nil {
		return err
	}
	claimed, err := claim(u, "kessai worker")
	if err != nil {
		return err
	}
	defer claimed.Release()
	m := c.main(u, log)
	if err := m.Open(ctx); err != nil {
		return err
	}
	defer m.Store.Close()
	if c.MetricsAddr != "" {
		stop, addr, err := serveOps(c.MetricsAddr, m, log)
		if err != nil {
			return err
		}
		defer stop()
		fmt.Fprintf(s.err, "kessai: worker probes on http://%s (/livez, /readyz, /metrics)\n", addr)
	}
	fmt.Fprintf(s.err, "kessai: worker running, database %s\n", describeDatabase(u))
	log.Info("kessai worker running", "store", m.Store.Dialect(), "id", m.W.Cfg.ID)
	m.W.Loop(ctx)
	log.Info("kessai worker stopped")
	return nil
}

// serveOps serves m's probes and metrics (server.Main.OpsHandler) on addr
// until stop, and returns the address it listens on.
func serveOps(addr string, m *server.Main, log *slog.Logger) (stop func(), listening string, err error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		if errors.Is(err, syscall.EADDRINUSE) {
			return nil, "", fmt.Errorf("--metrics-addr %s: %w: choose another address", addr, err)
		}
		return nil, "", fmt.Errorf("--metrics-addr %s: %w", addr, err)
	}
	srv := &http.Server{Handler: m.OpsHandler(), ReadHeaderTimeout: 10 * time.Second,
		ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn)}
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error("probes and metrics", "err", err)
		}
	}()
	return func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
	}, ln.Addr().String(), nil
}

// migrateCmd applies the migrations.
type migrateCmd struct {
	database
}

// Run migrates and prints the versions applied.
func (c *migrateCmd) Run(ctx context.Context, s *streams) error {
	u, err := c.url()
	if err != nil {
		return err
	}
	fmt.Fprintf(s.err, "kessai: migrating database %s\n", describeDatabase(u))
	st, err := dburl.Migrate(ctx, u)
	if err != nil {
		return err
	}
	for _, v := range st.Applied {
		fmt.Fprintf(s.out, "applied migration %05d\n", v)
	}
	if len(st.Applied) == 0 {
		fmt.Fprintf(s.out, "no migrations to apply; database at version %d\n", st.Version)
		return nil
	}
	fmt.Fprintf(s.out, "database at version %d\n", st.Version)
	return nil
}

// accountsCmd groups the account commands.
type accountsCmd struct {
	Create    accountsCreateCmd    `cmd:"" help:"Create a merchant account and print its keys (shown this once)."`
	List      accountsListCmd      `cmd:"" help:"List the accounts: id, name, mode, region, created, state; never a secret."`
	RotateKey accountsRotateKeyCmd `cmd:"" name:"rotate-key" help:"Give an account a new secret key; the old one works for a grace period."`
	Disable   accountsDisableCmd   `cmd:"" help:"Refuse an account's keys until it is enabled again."`
	Enable    accountsEnableCmd    `cmd:"" help:"Take a disabled account's keys again."`
}

// accountsCreateCmd creates a merchant account.
type accountsCreateCmd struct {
	database
	Name   string `name:"name" env:"KESSAI_ACCOUNT_NAME" placeholder:"NAME" help:"The account's display name (required)."`
	Live   bool   `name:"live" env:"KESSAI_ACCOUNT_LIVE" help:"Create a live-mode account (sk_live_…) instead of a test-mode one."`
	Region string `name:"region" env:"KESSAI_ACCOUNT_REGION" enum:"jp,us,eu" default:"jp" help:"The Amazon Pay MWS region: jp, us or eu."`
	JSON   bool   `name:"json" env:"KESSAI_ACCOUNT_JSON" help:"Print the account as one JSON object."`
}

// Run creates the account and prints it.
func (c *accountsCreateCmd) Run(ctx context.Context, s *streams) error {
	if strings.TrimSpace(c.Name) == "" {
		return usageError{errors.New("--name is required: the account's display name, e.g. --name shop")}
	}
	log := c.logger(s)
	u, err := c.url()
	if err != nil {
		return err
	}
	m := &server.Main{DatabaseURL: u, Log: log}
	if err := m.Open(ctx); err != nil {
		return err
	}
	defer m.Store.Close()
	a, err := accounts.CreateAccount(m.E, ctx, c.Name, c.Live, c.Region)
	if err != nil {
		return err
	}
	fmt.Fprintf(s.err, "kessai: account %s created in database %s\n", a.ID, describeDatabase(u))
	if c.JSON {
		return json.NewEncoder(s.out).Encode(a)
	}
	fmt.Fprintf(s.out, "account          %s\nsecret key       %s\npublishable key  %s\nwebhook token    %s\nMWS seller id    %s\nMWS access key   %s\nMWS secret key   %s\nMWS region       %s\n",
		a.ID, a.SecretKey, a.PublishableKey, a.WebhookToken, a.MWS.SellerID, a.MWS.AccessKeyID, a.MWS.SecretKey, a.MWS.Region)
	return nil
}
