// Package httpface is what every HTTP face of kessai shares, whatever its
// wire format (the JSON faces of package jsonapi, the XML of package mws):
// the Router a face registers its routes on, per-account rate limits, and
// the Kessai-Simulate fault header.
package httpface

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/kessai/kessai"
)

// Router is where a face registers its routes: an *http.ServeMux, or one
// that also records the patterns (the server keeps its route table, which
// the account-isolation test walks).
type Router interface {
	HandleFunc(pattern string, handler func(http.ResponseWriter, *http.Request))
}

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

// ParseSimulation reads the Kessai-Simulate header of a request of acct.
// Errors: validation_error (an unknown value), test_mode_only.
func ParseSimulation(r *http.Request, acct *kessai.Account) (Simulation, error) {
	const op = "httpface.Simulate"
	var sim Simulation
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

// Wait sleeps the simulated latency, or until ctx ends.
func (s Simulation) Wait(ctx context.Context) {
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
