// Package server assembles kessai: it opens the store, builds the engine,
// the faces and the worker, and serves them on one http.Handler with request
// ids, structured access logs, panic recovery, health checks and Prometheus
// metrics. Main is what the kessai binary runs and what end-to-end tests
// start on ":0" with a temporary database.
package server

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/kessai/kessai"
	// The feature packages above the core register their policies, jobs
	// and event hooks with every engine when loaded; the faces import them
	// too, but a server without them would lose settlements, expiries, term
	// closings and webhook deliveries, so they are named here.
	_ "github.com/kessai/kessai/accounting"
	_ "github.com/kessai/kessai/amazonorder"
	_ "github.com/kessai/kessai/amazonpay"
	"github.com/kessai/kessai/amazonv2"
	"github.com/kessai/kessai/dashboard"
	"github.com/kessai/kessai/engine"
	"github.com/kessai/kessai/httpface"
	"github.com/kessai/kessai/internal/dburl"
	"github.com/kessai/kessai/jsonapi"
	"github.com/kessai/kessai/kessaiapi"
	"github.com/kessai/kessai/mws"
	_ "github.com/kessai/kessai/notifications"
	"github.com/kessai/kessai/notify"
	"github.com/kessai/kessai/payjp"
	_ "github.com/kessai/kessai/payjpflow"
	"github.com/kessai/kessai/worker"
)

// Main is a running kessai: API and worker over one store.
type Main struct {
	Addr        string // listen address, e.g. "127.0.0.1:8080" or ":0"
	DatabaseURL string
	// StoreTimeout bounds each database transaction (default
	// sqlstore.DefaultTimeout): a database that is down or hangs is
	// answered 503 within it.
	StoreTimeout time.Duration
	PublicURL    string       // base URL for buyer redirects; default http://<listen address>
	Clock        kessai.Clock // base clock; default the system clock
	Log          *slog.Logger
	Engine       engine.Config
	Worker       worker.Config
	NoWorker     bool // serve the API only (workers run elsewhere)
	HTTP         HTTPConfig
	TLS          TLSConfig       // an HTTPS listener beside Addr, serving every face
	MWS          mws.Config      // the Amazon Pay MWS face: sandbox throttling, its wall clock
	AmazonV2     amazonv2.Config // the Amazon Pay API v2 face: its wall clock
	// SMTPURL is the SMTP server buyer emails are sent through
	// (smtp://host:port, see notify.Config.SMTPURL; the CLI's --smtp-url).
	// Unset, they are kept in the outbox only (GET /kessai/v1/emails).
	SMTPURL string
	// Notify tunes the delivery of webhooks (its RenderPayJP is the PAY.JP
	// face's, set by the server); the retry schedule is Engine.Delivery.
	Notify notify.Config
	// DashboardOperatorToken signs an operator in to the dashboard at
	// /dashboard with every account (the CLI's --dashboard-operator-token);
	// empty: only accounts' secret keys sign in.
	DashboardOperatorToken string

	Store kessai.Store
	E     *engine.Engine
	W     *worker.Worker
	N     *notify.Notifier

	deliveries *prometheus.CounterVec   // notification attempts by kind and outcome
	queueWait  *prometheus.HistogramVec // admission waits by queue

	routes []string
	ln     net.Listener
	srv    *http.Server
	tlsLn  net.Listener
	tlsSrv *http.Server
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

// HTTPConfig bounds what one client can hold of the server; zero values
// take the defaults.
type HTTPConfig struct {
	ReadHeaderTimeout time.Duration // default 10s
	ReadTimeout       time.Duration // the whole request, body included; default 30s
	WriteTimeout      time.Duration // until the response is written; default 2m (a long clock advance)
	IdleTimeout       time.Duration // keep-alive; default 2m
	MaxHeaderBytes    int           // default 64 KiB
	// RateLimit is each account's request rate on the JSON faces, per
	// second, with bursts of RateBurst (default twice the rate); 0 is
	// unlimited (the default).
	RateLimit float64
	RateBurst int
}

// WithDefaults returns c with zero fields set to their defaults.
func (c HTTPConfig) WithDefaults() HTTPConfig {
	def := func(d *time.Duration, v time.Duration) {
		if *d == 0 {
			*d = v
		}
	}
	def(&c.ReadHeaderTimeout, 10*time.Second)
	def(&c.ReadTimeout, 30*time.Second)
	def(&c.WriteTimeout, 2*time.Minute)
	def(&c.IdleTimeout, 2*time.Minute)
	if c.MaxHeaderBytes == 0 {
		c.MaxHeaderBytes = 64 << 10
	}
	if c.RateLimit > 0 && c.RateBurst == 0 {
		c.RateBurst = max(1, int(2*c.RateLimit))
	}
	return c
}

// Open opens the store and builds the engine and worker, without serving.
func (m *Main) Open(ctx context.Context) error {
	if m.Log == nil {
		m.Log = slog.New(slog.DiscardHandler)
	}
	if m.Clock == nil {
		m.Clock = kessai.SystemClock{}
	}
	store, err := dburl.Open(ctx, m.DatabaseURL)
	if err != nil {
		return fmt.Errorf("open store: %w", err)
	}
	if t, ok := store.(interface{ SetTimeout(time.Duration) }); ok {
		t.SetTimeout(m.StoreTimeout)
	}
	m.Store = store
	m.queueWait = prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "kessai_admission_queue_wait_seconds",
		Help: "How long admitted requests waited for a database slot, by queue (write, read).", Buckets: prometheus.ExponentialBuckets(0.0005, 2, 12)},
		[]string{"queue"})
	ecfg := m.Engine
	if ecfg.ObserveQueueWait == nil {
		ecfg.ObserveQueueWait = func(q string, d time.Duration) { m.queueWait.WithLabelValues(q).Observe(d.Seconds()) }
	}
	if m.E, err = engine.New(store, m.Clock, m.Log, ecfg); err != nil {
		return err
	}
	m.deliveries = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "kessai_notify_delivery_attempts_total",
		Help: "Delivery attempts of webhooks, IPNs and emails, by kind (payjp, amazon_ipn, email) and outcome (succeeded, retry, failed, disabled)."},
		[]string{"kind", "outcome"})
	nc := m.Notify
	observe := nc.Observe
	nc.Observe = func(kind, outcome string) {
		m.deliveries.WithLabelValues(kind, outcome).Inc()
		if observe != nil {
			observe(kind, outcome)
		}
	}
	nc.RenderPayJP = renderPayJPEvent
	nc.RenderIPN = mws.NotificationData
	if m.SMTPURL != "" {
		nc.SMTPURL = m.SMTPURL
	}
	if nc.Log == nil {
		nc.Log = m.Log
	}
	if m.N, err = notify.New(m.E.Background(), nc); err != nil {
		return err
	}
	if m.W, err = worker.New(m.E, m.Log, m.Worker); err != nil {
		return err
	}
	return nil
}

// Start opens everything, listens and serves in the background.
func (m *Main) Start(ctx context.Context) error {
	ln, err := net.Listen("tcp", m.Addr)
	if err != nil {
		return err
	}
	m.ln = ln
	if m.PublicURL == "" {
		m.PublicURL = "http://" + ln.Addr().String()
		m.Engine.PublicURL = m.PublicURL
	}
	if m.Engine.PublicURL == "" {
		m.Engine.PublicURL = m.PublicURL
	}
	if err := m.Open(ctx); err != nil {
		ln.Close()
		return err
	}
	hc := m.HTTP.WithDefaults()
	handler := m.Handler()
	newServer := func() *http.Server {
		return &http.Server{Handler: handler, ReadHeaderTimeout: hc.ReadHeaderTimeout, ReadTimeout: hc.ReadTimeout,
			WriteTimeout: hc.WriteTimeout, IdleTimeout: hc.IdleTimeout, MaxHeaderBytes: hc.MaxHeaderBytes,
			ErrorLog: slog.NewLogLogger(m.Log.Handler(), slog.LevelWarn)}
	}
	m.srv = newServer()
	if m.TLS.Addr != "" {
		cert, err := m.TLS.certificate(time.Now())
		if err != nil {
			ln.Close()
			m.Store.Close()
			return err
		}
		tln, err := net.Listen("tcp", m.TLS.Addr)
		if err != nil {
			ln.Close()
			m.Store.Close()
			return fmt.Errorf("HTTPS listener: %w", err)
		}
		m.tlsLn = tls.NewListener(tln, &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12})
		m.tlsSrv = newServer()
	}
	wctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	m.cancel = cancel
	if !m.NoWorker {
		m.wg.Add(1)
		go func() { defer m.wg.Done(); m.W.Loop(wctx) }()
	}
	m.wg.Add(1)
	go func() {
		defer m.wg.Done()
		if err := m.srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			m.Log.Error("serve", "err", err)
		}
	}()
	if m.tlsSrv != nil {
		m.wg.Add(1)
		go func() {
			defer m.wg.Done()
			if err := m.tlsSrv.Serve(m.tlsLn); err != nil && !errors.Is(err, http.ErrServerClosed) {
				m.Log.Error("serve https", "err", err)
			}
		}()
		m.Log.Info("kessai serving https", "addr", m.tlsLn.Addr().String())
	}
	m.Log.Info("kessai serving", "addr", ln.Addr().String(), "store", m.Store.Dialect(), "worker", !m.NoWorker)
	return nil
}

// renderPayJPEvent is the body of a PAY.JP webhook: the event as the face's
// GET /v2/events/{id} answers it.
func renderPayJPEvent(ev *kessai.Event) ([]byte, error) {
	v, err := payjp.EventJSON(ev)
	if err != nil {
		return nil, err
	}
	return json.Marshal(v)
}

// URL is the base URL the server listens on.
func (m *Main) URL() string { return "http://" + m.ln.Addr().String() }

// TLSURL is the base URL of the HTTPS listener, "" when there is none.
func (m *Main) TLSURL() string {
	if m.tlsLn == nil {
		return ""
	}
	return "https://" + m.tlsLn.Addr().String()
}

// Close stops accepting requests, lets in-flight requests and the running
// job finish (bounded by ctx), and closes the store.
func (m *Main) Close(ctx context.Context) error {
	var err error
	if m.srv != nil {
		err = m.srv.Shutdown(ctx)
	}
	if m.tlsSrv != nil {
		err = errors.Join(err, m.tlsSrv.Shutdown(ctx))
	}
	if m.cancel != nil {
		m.cancel()
	}
	m.wg.Wait()
	if m.Store != nil {
		err = errors.Join(err, m.Store.Close())
	}
	return err
}

// Handler is the whole HTTP API.
func (m *Main) Handler() http.Handler {
	mux := &routeMux{ServeMux: http.NewServeMux()}
	var limiter *httpface.RateLimiter
	if hc := m.HTTP.WithDefaults(); hc.RateLimit > 0 {
		limiter = httpface.NewRateLimiter(hc.RateLimit, hc.RateBurst)
	}
	face := payjp.NewFace(m.E, m.Log)
	face.Limiter = limiter
	face.Register(mux)
	own := kessaiapi.New(m.E, m.Log, payjp.Render)
	own.Face.Limiter = limiter
	own.Register(mux)
	mws.New(m.E, m.Log, m.MWS).Register(mux)
	v2 := amazonv2.New(m.E, m.Log, m.AmazonV2)
	v2.Limiter = limiter
	v2.Register(mux)
	dashboard.New(m.E, dashboard.Config{OperatorToken: m.DashboardOperatorToken, Log: m.Log}).Register(mux)

	reg := prometheus.NewRegistry()
	reg.MustRegister(prometheus.NewGoCollector(), prometheus.NewProcessCollector(prometheus.ProcessCollectorOpts{}))
	reqs := prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "kessai_http_request_duration_seconds",
		Help: "HTTP request latency by route pattern and status.", Buckets: prometheus.ExponentialBuckets(0.0005, 2, 14)},
		[]string{"route", "status"})
	reg.MustRegister(reqs)
	m.handleOps(mux, reg)
	handleDocuments(mux)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		jsonapi.WriteProblem(w, r, kessai.Errorf(kessai.NotFound, "server", "No route for %s %s.", r.Method, r.URL.Path))
	})
	m.routes = mux.patterns
	// /v2/ is PAY.JP's and, for the API v2 SDKs whose public key id names
	// its environment, Amazon's: the Authorization scheme decides.
	faces := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, amazonv2.V2Prefix) && amazonv2.Signed(r) {
			r.Pattern = "amazonv2 " + amazonv2.V2Prefix // the route of its metrics and logs
			v2.ServeHTTP(w, r)
			return
		}
		mux.ServeHTTP(w, r)
	})
	return m.middleware(faces, reqs)
}

// routeMux is a ServeMux that remembers the patterns registered on it.
type routeMux struct {
	*http.ServeMux
	patterns []string
}

func (r *routeMux) HandleFunc(pattern string, h func(http.ResponseWriter, *http.Request)) {
	r.patterns = append(r.patterns, pattern)
	r.ServeMux.HandleFunc(pattern, h)
}

func (r *routeMux) Handle(pattern string, h http.Handler) {
	r.patterns = append(r.patterns, pattern)
	r.ServeMux.Handle(pattern, h)
}

// Routes returns the patterns of every route the server serves, in the
// order they were registered.
func (m *Main) Routes() []string { return append([]string(nil), m.routes...) }

func writeStatus(w http.ResponseWriter, code int, status string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(map[string]string{"status": status})
}

type recorder struct {
	http.ResponseWriter
	status int
	bytes  int
}

func (r *recorder) WriteHeader(code int) { r.status = code; r.ResponseWriter.WriteHeader(code) }
func (r *recorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	n, err := r.ResponseWriter.Write(b)
	r.bytes += n
	return n, err
}

type ctxKey struct{}

// RequestID returns the request id of a request's context.
func RequestID(ctx context.Context) string {
	s, _ := ctx.Value(ctxKey{}).(string)
	return s
}

func newRequestID() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return "req_" + hex.EncodeToString(b)
}

// middleware gives each request an id (X-Request-Id, echoed), recovers
// panics as a problem 500, logs one line per request (never headers or
// bodies, which carry keys and card data; the account and the error code
// that the faces record in httpface.RequestFacts) and records latency.
func (m *Main) middleware(next http.Handler, reqs *prometheus.HistogramVec) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		id := newRequestID()
		w.Header().Set("X-Request-Id", id)
		ctx, facts := httpface.WithRequestFacts(context.WithValue(r.Context(), ctxKey{}, id))
		r = r.WithContext(ctx)
		rec := &recorder{ResponseWriter: w}
		defer func() {
			v := recover()
			if v == http.ErrAbortHandler {
				// A deliberate abort (Kessai-Simulate: drop_after_commit):
				// log it and let the server drop the connection.
				m.Log.InfoContext(ctx, "request", "request_id", id, "method", r.Method, "path", r.URL.Path, "status", 0, "aborted", true)
				panic(v)
			}
			if v != nil {
				m.Log.ErrorContext(ctx, "panic", "request_id", id, "panic", fmt.Sprint(v))
				if rec.status == 0 {
					jsonapi.WriteProblem(rec, r, kessai.Errorf(kessai.Internal, "server", "panic"))
				}
			}
			d := time.Since(start)
			route := r.Pattern
			if route == "" {
				route = "unmatched"
			}
			reqs.WithLabelValues(route, strconv.Itoa(rec.status)).Observe(d.Seconds())
			attrs := []any{"request_id", id, "method", r.Method, "path", r.URL.Path,
				"status", rec.status, "bytes", rec.bytes, "duration_ms", float64(d.Microseconds()) / 1000}
			if account, code := facts.Get(); account != "" || code != "" {
				attrs = append(attrs, "account_id", account, "error_code", code)
			}
			m.Log.InfoContext(ctx, "request", attrs...)
		}()
		next.ServeHTTP(rec, r)
	})
}

// jobCollector reads queue metrics from the store at scrape time.
type jobCollector struct{ m *Main }

// admissionCollector reports the engine's admission gates and outages.
type admissionCollector struct{ m *Main }

var (
	admissionShed     = prometheus.NewDesc("kessai_admission_shed_total", "Requests answered busy (429 / MWS 503 RequestThrottled) instead of queued past --max-queue-wait, by queue.", []string{"queue"}, nil)
	admissionWaiting  = prometheus.NewDesc("kessai_admission_waiting", "Requests waiting for a database slot, by queue.", []string{"queue"}, nil)
	admissionInflight = prometheus.NewDesc("kessai_admission_inflight", "Requests' transactions running on the database, by queue.", []string{"queue"}, nil)
	storeUnavailable  = prometheus.NewDesc("kessai_store_unavailable_total", "Store calls answered 503 because the database refused, dropped, timed out or was full.", nil, nil)
)

func (c *admissionCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- admissionShed
	ch <- admissionWaiting
	ch <- admissionInflight
	ch <- storeUnavailable
}

func (c *admissionCollector) Collect(ch chan<- prometheus.Metric) {
	s := c.m.E.Admission()
	for q, g := range map[string]engine.GateStats{"write": s.Writes, "read": s.Reads} {
		ch <- prometheus.MustNewConstMetric(admissionShed, prometheus.CounterValue, float64(g.Shed), q)
		ch <- prometheus.MustNewConstMetric(admissionWaiting, prometheus.GaugeValue, float64(g.Waiting), q)
		ch <- prometheus.MustNewConstMetric(admissionInflight, prometheus.GaugeValue, float64(g.Inflight), q)
	}
	ch <- prometheus.MustNewConstMetric(storeUnavailable, prometheus.CounterValue, float64(s.Unavailable))
}

var (
	jobsDue     = prometheus.NewDesc("kessai_jobs_due", "Jobs due and waiting for a worker.", nil, nil)
	jobsRunning = prometheus.NewDesc("kessai_jobs_running", "Jobs claimed by a worker.", nil, nil)
	jobsFailed  = prometheus.NewDesc("kessai_jobs_failed", "Jobs that failed for good.", nil, nil)
	jobsAge     = prometheus.NewDesc("kessai_jobs_oldest_due_age_seconds", "Age of the oldest due job.", nil, nil)
)

func (c *jobCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- jobsDue
	ch <- jobsRunning
	ch <- jobsFailed
	ch <- jobsAge
}

func (c *jobCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	now := c.m.Clock.Now()
	var s kessai.JobStats
	if err := c.m.Store.View(ctx, func(tx kessai.Tx) error {
		var err error
		s, err = tx.JobStats(ctx, now)
		return err
	}); err != nil {
		c.m.Log.Warn("job metrics", "err", err)
		return
	}
	age := 0.0
	if !s.OldestDue.IsZero() {
		age = now.Sub(s.OldestDue).Seconds()
	}
	ch <- prometheus.MustNewConstMetric(jobsDue, prometheus.GaugeValue, float64(s.Due))
	ch <- prometheus.MustNewConstMetric(jobsRunning, prometheus.GaugeValue, float64(s.Running))
	ch <- prometheus.MustNewConstMetric(jobsFailed, prometheus.GaugeValue, float64(s.Failed))
	ch <- prometheus.MustNewConstMetric(jobsAge, prometheus.GaugeValue, age)
}

// notifyCollector reads the notifications waiting to go out from the store
// at scrape time.
type notifyCollector struct{ m *Main }

var (
	notifyPending = prometheus.NewDesc("kessai_notify_pending", "Deliveries (webhook: webhooks and IPNs) and emails not yet delivered nor given up.", []string{"kind"}, nil)
	notifyAge     = prometheus.NewDesc("kessai_notify_oldest_pending_age_seconds", "Age of the oldest pending delivery (webhook) or email since it was queued; 0 when none is pending.", []string{"kind"}, nil)
)

func (c *notifyCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- notifyPending
	ch <- notifyAge
}

func (c *notifyCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	now := c.m.Clock.Now()
	var s kessai.NotifyStats
	if err := c.m.Store.View(ctx, func(tx kessai.Tx) error {
		var err error
		s, err = tx.NotifyStats(ctx)
		return err
	}); err != nil {
		c.m.Log.Warn("notify metrics", "err", err)
		return
	}
	age := func(t time.Time) float64 {
		if t.IsZero() {
			return 0
		}
		return max(0, now.Sub(t).Seconds())
	}
	ch <- prometheus.MustNewConstMetric(notifyPending, prometheus.GaugeValue, float64(s.PendingDeliveries), "webhook")
	ch <- prometheus.MustNewConstMetric(notifyPending, prometheus.GaugeValue, float64(s.PendingEmails), "email")
	ch <- prometheus.MustNewConstMetric(notifyAge, prometheus.GaugeValue, age(s.OldestDelivery), "webhook")
	ch <- prometheus.MustNewConstMetric(notifyAge, prometheus.GaugeValue, age(s.OldestEmail), "email")
}
