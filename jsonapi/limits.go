package jsonapi

import (
	"context"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/kessai/kessai"
)

// RateLimiter gives each account a token bucket of requests: the real
// APIs limit request rates, and merchants test how their clients back off.
type RateLimiter struct {
	rps   rate.Limit
	burst int
	m     sync.Map // account id → *rate.Limiter
}

// NewRateLimiter returns a limiter of rps requests per second per account
// with bursts of burst (at least 1).
func NewRateLimiter(rps float64, burst int) *RateLimiter {
	return &RateLimiter{rps: rate.Limit(rps), burst: max(1, burst)}
}

// Allow takes a token of the account's bucket, or says how long to wait
// for one.
func (l *RateLimiter) Allow(accountID string) (bool, time.Duration) {
	v, _ := l.m.LoadOrStore(accountID, rate.NewLimiter(l.rps, l.burst))
	r := v.(*rate.Limiter).Reserve()
	if d := r.Delay(); d > 0 {
		r.Cancel()
		return false, d
	}
	return true, 0
}

// limit answers 429 with Retry-After when the account's bucket is empty.
func (f *Face) limit(w http.ResponseWriter, r *http.Request, acct *kessai.Account) bool {
	if f.Limiter == nil {
		return true
	}
	ok, wait := f.Limiter.Allow(acct.ID)
	if !ok {
		secs := int(math.Ceil(wait.Seconds()))
		w.Header().Set("Retry-After", strconv.Itoa(max(1, secs)))
		f.Fail(w, r, kessai.Errorf(kessai.RateLimited, "jsonapi.limit", "Too many requests for this account; retry after %d s.", max(1, secs)))
	}
	return ok
}

// SimulateHeader asks a test-mode request to misbehave after the fact, so
// that a merchant can prove their client's retries are safe:
//
//	Kessai-Simulate: drop_after_commit    the write commits, then the connection is closed without an answer
//	Kessai-Simulate: error_after_commit   the write commits, then 500 is answered
//	Kessai-Simulate: latency=1500ms       the request waits that long (at most 30 s) before it runs
const SimulateHeader = "Kessai-Simulate"

// MaxSimulatedLatency bounds latency=.
const MaxSimulatedLatency = 30 * time.Second

// Simulation is a parsed Kessai-Simulate header.
type Simulation struct {
	Drop, Fail bool          // after the write: drop the connection, or answer 500
	Latency    time.Duration // before the request runs
}

type simulation = Simulation

// ParseSimulation reads the Kessai-Simulate header of a request of acct.
// Errors: validation_error, test_mode_only.
func ParseSimulation(r *http.Request, acct *kessai.Account) (Simulation, error) {
	return parseSimulation(r, acct)
}

// Wait sleeps the simulated latency, or until ctx ends.
func (s Simulation) Wait(ctx context.Context) { s.wait(ctx) }

// parseSimulation reads the header. Errors: validation_error (an unknown
// value), test_mode_only.
func parseSimulation(r *http.Request, acct *kessai.Account) (simulation, error) {
	const op = "jsonapi.Simulate"
	var sim simulation
	v := strings.TrimSpace(r.Header.Get(SimulateHeader))
	if v == "" {
		return sim, nil
	}
	if acct.Livemode {
		return sim, kessai.Errorf(kessai.TestModeOnly, op, "%s works in test mode only.", SimulateHeader)
	}
	switch {
	case v == "drop_after_commit" && r.Method == http.MethodPost:
		sim.Drop = true
	case v == "error_after_commit" && r.Method == http.MethodPost:
		sim.Fail = true
	case strings.HasPrefix(v, "latency="):
		d, err := time.ParseDuration(strings.TrimPrefix(v, "latency="))
		if err != nil || d < 0 || d > MaxSimulatedLatency {
			return sim, kessai.Invalidf(op, SimulateHeader, "latency must be a duration from 0 to %s, like latency=1500ms", MaxSimulatedLatency)
		}
		sim.Latency = d
	default:
		return sim, kessai.Invalidf(op, SimulateHeader, "%q is not drop_after_commit, error_after_commit (POST only) or latency=DURATION", v)
	}
	return sim, nil
}

// wait sleeps the simulated latency, or until the request ends.
func (s simulation) wait(ctx context.Context) {
	if s.Latency <= 0 {
		return
	}
	t := time.NewTimer(s.Latency)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}

// after misbehaves once the request's write has committed: true when it
// answered (or dropped the connection) instead of the normal response.
func (s simulation) after(f *Face, w http.ResponseWriter, r *http.Request) bool {
	switch {
	case s.Drop:
		// The server closes the connection without writing anything.
		panic(http.ErrAbortHandler)
	case s.Fail:
		f.Fail(w, r, kessai.Errorf(kessai.Internal, "jsonapi.Simulate", "%s", fmt.Sprintf("simulated failure after commit (%s)", SimulateHeader)))
		return true
	}
	return false
}
