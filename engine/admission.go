package engine

import (
	"context"
	"math"
	"sync"
	"sync/atomic"
	"time"

	"github.com/kessai/kessai"
)

// Admission: the engine lets a bounded number of transactions run on the
// store at once and queues the rest, shared fairly between accounts; a
// request that could not start within the queue's latency budget is
// answered at once, "busy", instead of waiting behind everyone else.

// Defaults of the admission gates (Config.MaxInflight, MaxQueueWait).
const (
	DefaultMaxInflight  = 64
	DefaultMaxQueueWait = 500 * time.Millisecond
)

// Busy is the error of a request shed by admission: kessai.RateLimited,
// with when to retry.
type Busy struct {
	After time.Duration
	Err   error
}

func (b *Busy) Error() string { return b.Err.Error() }
func (b *Busy) Unwrap() error { return b.Err }

// RetryAfterSeconds is After in whole seconds, at least 1: the
// Retry-After header of the faces' busy answers.
func (b *Busy) RetryAfterSeconds() int {
	return max(1, int(math.Ceil(b.After.Seconds())))
}

// gate admits transactions: at most limit run at once; the others wait in
// one FIFO per account, served round-robin, so that an account that
// floods the store waits behind its own requests and not in front of
// another account's. A waiter whose predicted wait (its place in the
// round-robin times how often the queue moves — measured while there is a
// queue; before that, the mean hold time of a slot over the slots) passes
// the budget is shed at once; one still waiting when the budget ends is
// shed then.
type gate struct {
	name   string // "write" or "read", in errors
	limit  int
	budget time.Duration

	observe func(wait time.Duration) // each admitted request's wait (nil: none)
	shed    atomic.Uint64

	mu       sync.Mutex
	inflight int
	queues   map[string][]*waiter // by account id
	order    []string             // accounts with waiters, in round-robin order
	waiting  int
	mean     float64 // EWMA of the time a transaction holds its slot, ns
	// gap is the EWMA of the time between two slots passed to waiters
	// (ns): how fast the queue moves while there is one, which is what a
	// waiter's wait depends on; 0 until the queue first moves.
	gap      float64
	handedAt time.Time // when a slot last passed to a waiter
}

type waiter struct {
	ready chan struct{} // closed when the waiter holds a slot
	gone  bool          // shed or canceled: a release skips it
}

func newGate(name string, limit int, budget time.Duration) *gate {
	return &gate{name: name, limit: limit, budget: budget, queues: map[string][]*waiter{}, mean: float64(time.Millisecond)}
}

// acquire waits for a slot for account and returns the release to call
// once the transaction is over. Errors: *Busy (kessai.RateLimited), or the
// context's error.
func (g *gate) acquire(ctx context.Context, account string) (func(), error) {
	g.mu.Lock()
	if g.inflight < g.limit && g.waiting == 0 {
		g.inflight++
		g.mu.Unlock()
		if g.observe != nil {
			g.observe(0)
		}
		return g.releaser(), nil
	}
	// The waiter's place: round-robin serves one of every waiting account
	// per turn, so a place p in its own queue comes after about p turns
	// of every other queue that is at least as long.
	p := len(g.queues[account]) + 1
	ahead := 1 // itself
	for _, q := range g.queues {
		ahead += min(len(q), p)
	}
	step := g.mean / float64(g.limit) // before the queue has moved: the slots' mean hold time
	if g.gap > 0 {
		step = g.gap
	}
	predicted := time.Duration(float64(ahead) * step)
	// Shed what would pass three quarters of the budget: the queue's pace
	// is an estimate, and a waiter admitted on a too hopeful one waits the
	// whole budget before it is shed, where it should have been told at
	// once.
	if predicted > g.budget*3/4 {
		g.mu.Unlock()
		return nil, g.busy(predicted)
	}
	w := &waiter{ready: make(chan struct{})}
	if len(g.queues[account]) == 0 {
		g.order = append(g.order, account)
	}
	g.queues[account] = append(g.queues[account], w)
	g.waiting++
	g.mu.Unlock()

	queued := time.Now()
	t := time.NewTimer(g.budget)
	defer t.Stop()
	select {
	case <-w.ready:
		if g.observe != nil {
			g.observe(time.Since(queued))
		}
		return g.releaser(), nil
	case <-t.C:
	case <-ctx.Done():
	}
	g.mu.Lock()
	select {
	case <-w.ready: // granted as the timer fired: hand the slot on
		g.mu.Unlock()
		g.releaser()()
	default:
		w.gone = true
		g.waiting--
		g.mu.Unlock()
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return nil, g.busy(g.budget)
}

func (g *gate) busy(after time.Duration) error {
	g.shed.Add(1)
	return &Busy{After: after, Err: kessai.Errorf(kessai.RateLimited, "engine.admit",
		"kessai is busy: the %s queue is full for now; retry after %d s.", g.name, max(1, int(math.Ceil(after.Seconds()))))}
}

// Background returns a handle on the engine whose transactions admission
// lets through, for work that is bounded elsewhere: the worker's jobs and
// the deliveries package notify makes (their retries are their backoff).
func (e *Engine) Background() *Engine {
	return &Engine{state: e.state, key: e.key, background: true}
}

// GateStats is what an admission gate shows the operator.
type GateStats struct {
	Inflight, Waiting int    // now
	Shed              uint64 // since the engine started
}

func (g *gate) stats() GateStats {
	g.mu.Lock()
	defer g.mu.Unlock()
	return GateStats{Inflight: g.inflight, Waiting: g.waiting, Shed: g.shed.Load()}
}

// AdmissionStats shows the engine's write and read gates, and how many
// store calls failed because the database was unavailable.
type AdmissionStats struct {
	Writes, Reads GateStats
	Unavailable   uint64
}

// Admission returns the engine's admission figures, for metrics.
func (e *Engine) Admission() AdmissionStats {
	return AdmissionStats{Writes: e.writes.stats(), Reads: e.reads.stats(), Unavailable: e.unavailable.Load()}
}

// releaser returns the release of a slot taken now: it updates the mean
// hold time and gives the slot to the next account's first waiter.
func (g *gate) releaser() func() {
	start := time.Now()
	var once sync.Once
	return func() {
		once.Do(func() {
			held := float64(time.Since(start))
			g.mu.Lock()
			defer g.mu.Unlock()
			g.mean += (held - g.mean) / 16
			for len(g.order) > 0 {
				acct := g.order[0]
				q := g.queues[acct]
				w := q[0]
				q = q[1:]
				g.order = g.order[1:]
				if len(q) > 0 {
					g.queues[acct] = q
					g.order = append(g.order, acct) // its next waiter, after every other account's
				} else {
					delete(g.queues, acct)
				}
				if w.gone {
					continue
				}
				g.waiting--
				now := time.Now()
				if dt := now.Sub(g.handedAt); dt < time.Second {
					if g.gap == 0 {
						g.gap = float64(dt)
					}
					g.gap += (float64(dt) - g.gap) / 32
				}
				g.handedAt = now
				close(w.ready) // the slot passes on: inflight stays
				return
			}
			g.inflight--
		})
	}
}
