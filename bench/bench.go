// Package bench is kessai's load generator: it drives a running kessai over
// real HTTP with durable, real requests (unique Idempotency-Keys, nothing
// faked) and reports throughput, latency percentiles and errors by code.
// `kessai bench` runs it; it can also start the server it measures.
//
// Closed loop: Concurrency clients each send their next request when the
// last is answered. Open loop (Rate > 0): requests are scheduled at Rate
// per second whatever the answers, and latency is measured from the
// scheduled send, so a server that falls behind shows it.
package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/kessai/kessai/mws"
)

// Workloads.
const (
	Refunds = "refunds" // ¥1 partial refunds, each client on its own paid flow
	Flows   = "flows"   // create + confirm (manual) + capture
	Reads   = "reads"   // get a flow and list its refunds (filtered)
	Mixed   = "mixed"   // refunds, flows and reads, 2:1:2
	MWS     = "mws"     // Amazon Pay: order reference (kessai's sandbox buyer) → confirm → Authorize with CaptureNow → Refund
	// AmazonV2 is Amazon Pay API v2: checkout session → update → the
	// sandbox buyer's approval → complete (AuthorizeWithCapture) → refund.
	AmazonV2 = "amazon-v2"
)

// MWSCredentials sign the mws workload's requests.
type MWSCredentials struct {
	SellerID, AccessKeyID, SecretKey string
}

// Defaults of Config.
const (
	DefaultDuration = 10 * time.Second
	DefaultWarmup   = time.Second
)

// Workloads lists the workloads Run knows.
var Workloads = []string{Refunds, Flows, Reads, Mixed, MWS, AmazonV2}

// Config is one run.
type Config struct {
	URL         string // the server, e.g. http://127.0.0.1:8080
	Key         string // a test-mode secret key
	Workload    string
	Concurrency int            // clients (closed loop) or the most requests in flight (open loop); default 64
	Rate        float64        // requests per second (open loop); 0: closed loop
	Duration    time.Duration  // default 10s
	Warmup      time.Duration  // not measured; default 1s
	MWS         MWSCredentials // for the mws workload
	// Target is the kind of server at URL: "" (kessai) or StripeMock,
	// Stripe's stateless API mock, which stores nothing: the refunds
	// workload sends it the same refund in Stripe's shape, to compare.
	Target string
	// OnMeasure, if set, is called in its own goroutine when the warm-up
	// ends and measuring starts (kessai bench --cpu-profile).
	OnMeasure func()
}

// StripeMock is Config.Target for github.com/stripe/stripe-mock.
const StripeMock = "stripe-mock"

// Result is what a run measured.
type Result struct {
	Workload    string         `json:"workload"`
	Mode        string         `json:"mode"` // closed or open
	Concurrency int            `json:"concurrency"`
	Rate        float64        `json:"rate,omitempty"`
	Duration    float64        `json:"duration_seconds"`
	Requests    int            `json:"requests"`
	Throughput  float64        `json:"requests_per_second"`
	P50         float64        `json:"p50_ms"`
	P95         float64        `json:"p95_ms"`
	P99         float64        `json:"p99_ms"`
	Max         float64        `json:"max_ms"`
	Errors      map[string]int `json:"errors"` // by status and code
	ServerRSSMB float64        `json:"server_rss_mb,omitempty"`
	// Under overload: the requests answered 200 per second (goodput) and
	// their p99, and the p99 of the answers that were not 200 (requests
	// shed with 429/503, errors), which should come at once.
	Goodput  float64 `json:"goodput_per_second"`
	P99OK    float64 `json:"p99_ok_ms"`
	P50NotOK float64 `json:"p50_not_ok_ms,omitempty"`
	P99NotOK float64 `json:"p99_not_ok_ms,omitempty"`
}

// Table renders r as a few aligned lines.
func (r Result) Table() string {
	var b strings.Builder
	mode := fmt.Sprintf("closed loop, %d clients", r.Concurrency)
	if r.Mode == "open" {
		mode = fmt.Sprintf("open loop, %.0f req/s offered", r.Rate)
	}
	fmt.Fprintf(&b, "workload     %s (%s, %.0f s)\n", r.Workload, mode, r.Duration)
	fmt.Fprintf(&b, "throughput   %.0f req/s (%d requests)\n", r.Throughput, r.Requests)
	fmt.Fprintf(&b, "latency ms   p50 %.2f  p95 %.2f  p99 %.2f  max %.2f\n", r.P50, r.P95, r.P99, r.Max)
	if r.ServerRSSMB > 0 {
		fmt.Fprintf(&b, "server RSS   %.0f MB\n", r.ServerRSSMB)
	}
	if len(r.Errors) == 0 {
		b.WriteString("errors       none\n")
	} else {
		fmt.Fprintf(&b, "answered 200 %.0f req/s, p99 %.2f ms; the others p50 %.2f ms, p99 %.2f ms\n", r.Goodput, r.P99OK, r.P50NotOK, r.P99NotOK)
	}
	keys := make([]string, 0, len(r.Errors))
	for k := range r.Errors {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		fmt.Fprintf(&b, "errors       %s × %d\n", k, r.Errors[k])
	}
	return b.String()
}

// client is one HTTP client of the run.
type client struct {
	cfg  Config
	http *http.Client
	seq  atomic.Int64
	run  string // makes keys unique across runs on one database
	// v2acct signs the amazon-v2 workload (registered by Run).
	v2acct *v2Account
}

func (c *client) do(ctx context.Context, method, path string, body any, keyed bool) (int, map[string]any, error) {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return 0, nil, err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.cfg.URL+path, rd)
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Authorization", "Bearer "+c.cfg.Key)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if keyed {
		req.Header.Set("Idempotency-Key", fmt.Sprintf("bench-%s-%d", c.run, c.seq.Add(1)))
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return 0, nil, err
	}
	var out map[string]any
	_ = json.Unmarshal(raw, &out)
	return resp.StatusCode, out, nil
}

// form posts a form-encoded, keyed request (Stripe's API shape).
func (c *client) form(ctx context.Context, path string, v url.Values) (int, map[string]any, error) {
	req, err := http.NewRequestWithContext(ctx, "POST", c.cfg.URL+path, strings.NewReader(v.Encode()))
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Authorization", "Bearer "+c.cfg.Key)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Idempotency-Key", fmt.Sprintf("bench-%s-%d", c.run, c.seq.Add(1)))
	resp, err := c.http.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return 0, nil, err
	}
	var out map[string]any
	_ = json.Unmarshal(raw, &out)
	return resp.StatusCode, out, nil
}

// errKey names a failed answer: "transport" or "STATUS code".
func errKey(status int, out map[string]any, err error) string {
	if err != nil {
		return "transport"
	}
	code, _ := out["code"].(string)
	return fmt.Sprintf("%d %s", status, code)
}

// setup is what one virtual client works on.
type setup struct {
	method string // card payment method
	flow   string // a paid flow of ¥9,999,999
}

func (c *client) prepare(ctx context.Context) (setup, error) {
	if c.cfg.Target == StripeMock {
		return setup{flow: "ch_bench"}, nil // stateless: any charge id is refundable
	}
	status, pm, err := c.do(ctx, "POST", "/v2/payment_methods", map[string]any{"type": "card",
		"card":            map[string]any{"number": "4242424242424242", "exp_month": 12, "exp_year": 2040, "cvc": "123"},
		"billing_details": map[string]any{"email": "bench@example.com"}}, true)
	if err != nil || status != 200 {
		return setup{}, fmt.Errorf("create payment method: %s", errKey(status, pm, err))
	}
	s := setup{method: pm["id"].(string)}
	status, f, err := c.do(ctx, "POST", "/v2/payment_flows", map[string]any{"amount": 9_999_999, "currency": "jpy",
		"payment_method_id": s.method, "confirm": true}, true)
	if err != nil || status != 200 {
		return setup{}, fmt.Errorf("create flow: %s", errKey(status, f, err))
	}
	s.flow = f["id"].(string)
	return s, nil
}

// one sends the requests of one unit of the workload; n counts them.
func (c *client) one(ctx context.Context, s setup, n int64) (int, map[string]any, error) {
	w := c.cfg.Workload
	if w == Mixed {
		w = []string{Refunds, Refunds, Flows, Reads, Reads}[n%5]
	}
	switch w {
	case Refunds:
		if c.cfg.Target == StripeMock {
			return c.form(ctx, "/v1/refunds", url.Values{"charge": {s.flow}, "amount": {"1"}})
		}
		return c.do(ctx, "POST", "/v2/payment_refunds", map[string]any{"payment_flow_id": s.flow, "amount": 1}, true)
	case Flows:
		status, f, err := c.do(ctx, "POST", "/v2/payment_flows", map[string]any{"amount": 1000, "currency": "jpy",
			"payment_method_id": s.method, "confirm": true, "capture_method": "manual"}, true)
		if err != nil || status != 200 {
			return status, f, err
		}
		return c.do(ctx, "POST", "/v2/payment_flows/"+f["id"].(string)+"/capture", map[string]any{}, true)
	case MWS:
		return c.mwsUnit(ctx, n)
	case AmazonV2:
		return c.v2Unit(ctx)
	default: // Reads
		if n%2 == 0 {
			return c.do(ctx, "GET", "/v2/payment_flows/"+s.flow, nil, false)
		}
		return c.do(ctx, "GET", "/v2/payment_refunds?limit=10&payment_flow_id="+s.flow, nil, false)
	}
}

// Run runs cfg against its server.
func Run(ctx context.Context, cfg Config) (Result, error) {
	if cfg.Concurrency <= 0 {
		cfg.Concurrency = 64
	}
	// Keep a connection for every request that may be in flight: an open
	// loop that closed the ones beyond would open new ones for ever, and
	// run out of ports before the server runs out of anything.
	idle := cfg.Concurrency * 2
	if cfg.Rate > 0 {
		idle = cfg.Concurrency * 16
	}
	if cfg.Duration <= 0 {
		cfg.Duration = 10 * time.Second
	}
	if cfg.Warmup < 0 {
		cfg.Warmup = 0
	} else if cfg.Warmup == 0 {
		cfg.Warmup = time.Second
	}
	if cfg.Target != "" && (cfg.Target != StripeMock || cfg.Workload != Refunds) {
		return Result{}, fmt.Errorf("bench: target %q: only the refunds workload runs against %s", cfg.Target, StripeMock)
	}
	if !slices.Contains(Workloads, cfg.Workload) {
		return Result{}, fmt.Errorf("bench: unknown workload %q (one of %s)", cfg.Workload, strings.Join(Workloads, ", "))
	}
	c := &client{cfg: cfg, run: fmt.Sprintf("%d", time.Now().UnixNano()),
		http: &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: idle, MaxIdleConns: idle}}}

	if cfg.Workload == AmazonV2 {
		a, err := c.registerV2(ctx)
		if err != nil {
			return Result{}, fmt.Errorf("bench: setup: %w", err)
		}
		c.v2acct = a
	}
	setups := make([]setup, cfg.Concurrency)
	var setupErr error
	var once sync.Once
	var wg sync.WaitGroup
	sem := make(chan struct{}, 8)
	for i := range setups {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			s, err := c.prepare(ctx)
			if err != nil {
				once.Do(func() { setupErr = err })
			}
			setups[i] = s
		}()
	}
	wg.Wait()
	if setupErr != nil {
		return Result{}, fmt.Errorf("bench: setup: %w", setupErr)
	}

	var mu sync.Mutex
	var lat, latOK, latNotOK []time.Duration
	errs := map[string]int{}
	record := func(scheduled time.Time, measuring bool, status int, out map[string]any, err error) {
		d := time.Since(scheduled)
		if !measuring {
			return
		}
		mu.Lock()
		defer mu.Unlock()
		lat = append(lat, d)
		if err != nil || status != 200 {
			errs[errKey(status, out, err)]++
			latNotOK = append(latNotOK, d)
		} else {
			latOK = append(latOK, d)
		}
	}
	start := time.Now()
	measureFrom := start.Add(cfg.Warmup)
	end := measureFrom.Add(cfg.Duration)
	runCtx, cancel := context.WithDeadline(ctx, end)
	defer cancel()
	if cfg.OnMeasure != nil {
		t := time.AfterFunc(cfg.Warmup, cfg.OnMeasure)
		defer t.Stop()
	}
	mode := "closed"
	if cfg.Rate <= 0 {
		for i := range cfg.Concurrency {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for n := int64(0); ; n++ {
					t := time.Now()
					if !t.Before(end) || runCtx.Err() != nil {
						return
					}
					status, out, err := c.one(runCtx, setups[i], n)
					if errors.Is(err, context.DeadlineExceeded) {
						return
					}
					record(t, !t.Before(measureFrom), status, out, err)
				}
			}()
		}
	} else {
		mode = "open"
		interval := time.Duration(float64(time.Second) / cfg.Rate)
		inflight := make(chan struct{}, cfg.Concurrency*16)
		for n := int64(0); ; n++ {
			at := start.Add(time.Duration(n) * interval)
			if !at.Before(end) {
				break
			}
			if d := time.Until(at); d > 0 {
				time.Sleep(d)
			}
			select {
			case inflight <- struct{}{}:
			default:
				// Too many requests outstanding: count it as an error
				// rather than queue it unboundedly in the generator.
				record(at, !at.Before(measureFrom), 0, nil, errors.New("generator saturated"))
				continue
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer func() { <-inflight }()
				status, out, err := c.one(context.WithoutCancel(runCtx), setups[int(n)%len(setups)], n)
				record(at, !at.Before(measureFrom), status, out, err)
			}()
		}
	}
	wg.Wait()
	elapsed := time.Since(measureFrom)
	if elapsed > cfg.Duration {
		elapsed = cfg.Duration
	}
	for _, l := range [][]time.Duration{lat, latOK, latNotOK} {
		slices.Sort(l)
	}
	pctOf := func(lat []time.Duration, p float64) float64 {
		if len(lat) == 0 {
			return 0
		}
		i := int(float64(len(lat)-1) * p)
		return float64(lat[i].Microseconds()) / 1000
	}
	pct := func(p float64) float64 { return pctOf(lat, p) }
	res := Result{Workload: cfg.Workload, Mode: mode, Concurrency: cfg.Concurrency, Rate: cfg.Rate, Duration: elapsed.Seconds(),
		Requests: len(lat), Throughput: float64(len(lat)) / elapsed.Seconds(),
		P50: pct(0.50), P95: pct(0.95), P99: pct(0.99), Max: pct(1), Errors: errs,
		Goodput: float64(len(latOK)) / elapsed.Seconds(), P99OK: pctOf(latOK, 0.99), P50NotOK: pctOf(latNotOK, 0.5), P99NotOK: pctOf(latNotOK, 0.99)}
	return res, nil
}

// mwsUnit is one Amazon Pay checkout: an order reference from kessai's
// sandbox buyer, confirmed, authorized with CaptureNow, and refunded in
// part, through the signed MWS face. Its reference ids are unique.
func (c *client) mwsUnit(ctx context.Context, n int64) (int, map[string]any, error) {
	status, o, err := c.do(ctx, "POST", "/kessai/v1/amazon/order_references", map[string]any{"amount": 1000, "currency": "jpy"}, true)
	if err != nil || status != 200 {
		return status, o, err
	}
	id, _ := o["amazon_order_reference_id"].(string)
	ref := fmt.Sprintf("b%s%d", c.run[len(c.run)-8:], c.seq.Add(1))
	steps := []map[string]string{
		{"Action": "ConfirmOrderReference", "AmazonOrderReferenceId": id},
		{"Action": "Authorize", "AmazonOrderReferenceId": id, "AuthorizationReferenceId": ref + "a", "AuthorizationAmount.Amount": "1000",
			"AuthorizationAmount.CurrencyCode": "JPY", "TransactionTimeout": "0", "CaptureNow": "true"},
		{"Action": "Refund", "AmazonCaptureId": id + "-C000001", "RefundReferenceId": ref + "r", "RefundAmount.Amount": "100",
			"RefundAmount.CurrencyCode": "JPY"},
	}
	for _, p := range steps {
		if status, err = c.mws(ctx, p); err != nil || status != 200 {
			return status, map[string]any{"code": "mws " + p["Action"]}, err
		}
	}
	return status, nil, nil
}

// mws sends one signed MWS request.
func (c *client) mws(ctx context.Context, params map[string]string) (int, error) {
	u, err := url.Parse(c.cfg.URL)
	if err != nil {
		return 0, err
	}
	p := mws.Params{"AWSAccessKeyId": c.cfg.MWS.AccessKeyID, "SellerId": c.cfg.MWS.SellerID, "SignatureMethod": mws.HmacSHA256,
		"SignatureVersion": "2", "Version": mws.Version, "Timestamp": time.Now().UTC().Format("2006-01-02T15:04:05Z")}
	for k, v := range params {
		p[k] = v
	}
	p["Signature"] = mws.Sign(c.cfg.MWS.SecretKey, mws.HmacSHA256, u.Host, mws.SandboxPath, p)
	form := url.Values{}
	for k, v := range p {
		form.Set(k, v)
	}
	req, err := http.NewRequestWithContext(ctx, "POST", c.cfg.URL+mws.SandboxPath, strings.NewReader(form.Encode()))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := c.http.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	return resp.StatusCode, nil
}
