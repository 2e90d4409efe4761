// Package worker runs kessai's durable jobs. Jobs are rows written in the
// same transaction as the state change that schedules them. A worker claims
// due jobs under a lease (FOR UPDATE SKIP LOCKED on PostgreSQL; the single
// IMMEDIATE writer on SQLite), runs each, and records the outcome: done, or
// back to pending with exponential backoff and jitter, or failed after its
// last attempt. A worker that dies leaves its claims to expire; any worker
// then takes them over. Handlers are idempotent, so a job that ran but whose
// outcome was not recorded changes nothing the second time.
//
// Jobs of the default queue (settlements, expiries) run one after another,
// each in its own write. Jobs of the notify queue (webhook and email
// deliveries) run concurrently, up to NotifyConcurrency at once, outside any
// transaction, so that a slow receiver delays neither the business's jobs
// nor anyone's writes.
package worker

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/kessai/kessai"
	"github.com/kessai/kessai/engine"
)

// Config holds a worker's settings; zero values take the defaults.
type Config struct {
	ID          string        // identifies the claims of this worker; default host:pid:random
	Poll        time.Duration // how often to look for due jobs (default 250ms)
	Lease       time.Duration // how long a claim lasts (default 30s)
	Batch       int           // jobs claimed at once (default 16)
	BackoffBase time.Duration // first retry delay (default 1s); kinds with a schedule of their own use it
	BackoffMax  time.Duration // longest retry delay (default 1h)
	// NotifyConcurrency is how many jobs of the notify queue run at once
	// (default 16).
	NotifyConcurrency int
}

// WithDefaults fills zero fields.
func (c Config) WithDefaults() Config {
	if c.ID == "" {
		host, _ := os.Hostname()
		c.ID = fmt.Sprintf("%s:%d:%s", host, os.Getpid(), kessai.RandomToken("", 4))
	}
	if c.Poll == 0 {
		c.Poll = 250 * time.Millisecond
	}
	if c.Lease == 0 {
		c.Lease = 30 * time.Second
	}
	if c.Batch == 0 {
		c.Batch = 16
	}
	if c.BackoffBase == 0 {
		c.BackoffBase = time.Second
	}
	if c.BackoffMax == 0 {
		c.BackoffMax = time.Hour
	}
	if c.NotifyConcurrency == 0 {
		c.NotifyConcurrency = 16
	}
	return c
}

// Validate reports settings that cannot work.
func (c Config) Validate() error {
	if c.Poll < 0 || c.Lease <= 0 || c.Batch < 1 || c.BackoffBase <= 0 || c.BackoffMax < c.BackoffBase || c.NotifyConcurrency < 1 {
		return errors.New("worker: invalid config (need poll ≥ 0, lease > 0, batch ≥ 1, 0 < backoff base ≤ max, notify concurrency ≥ 1)")
	}
	return nil
}

// Worker claims and runs jobs.
type Worker struct {
	E   *engine.Engine
	Log *slog.Logger
	Cfg Config
	// Run is the handler; default E.RunJob. Tests replace it.
	Run func(ctx context.Context, j *kessai.Job, now time.Time) error
	// Wall is the clock of the notify queue (default the system clock):
	// deliveries go out and are retried in real time, whatever the base
	// clock of the business's jobs (E.Clock) shows.
	Wall kessai.Clock

	mu       sync.Mutex    // one advance per account at a time is enough; serialises RunAccount
	slots    chan struct{} // one per notify job running
	inflight sync.WaitGroup
	down     atomic.Bool  // the store is unavailable (see logLoop)
	started  atomic.Bool  // Loop was called
	looped   atomic.Int64 // when Loop last began a round (Unix ns; 0: it returned)
}

// Stalled reports whether Loop was started and has not begun a round for
// d, or has returned (a round that runs many jobs takes as long as they
// do). A worker whose Loop was never started is not stalled.
func (w *Worker) Stalled(d time.Duration) bool {
	if !w.started.Load() {
		return false
	}
	t := w.looped.Load()
	return t == 0 || time.Since(time.Unix(0, t)) >= d
}

// logLoop logs a failure of the loop: an unavailable store once when it
// goes away and once when it is back, anything else each time.
func (w *Worker) logLoop(msg string, err error) {
	switch {
	case err == nil:
		if w.down.Load() && w.down.CompareAndSwap(true, false) {
			w.Log.Info("worker: database available again")
		}
	case errors.Is(err, kessai.ErrUnavailable):
		if w.down.CompareAndSwap(false, true) {
			w.Log.Warn("worker: database unavailable; retrying every poll", "err", err)
		}
	default:
		w.Log.Error(msg, "err", err)
	}
}

// New returns a worker.
func New(e *engine.Engine, log *slog.Logger, cfg Config) (*Worker, error) {
	cfg = cfg.WithDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	w := &Worker{E: e, Log: log, Cfg: cfg, Run: e.RunJob, Wall: kessai.SystemClock{}, slots: make(chan struct{}, cfg.NotifyConcurrency)}
	e.SetDueJobs(w) // the engine's clock advances run their due jobs here
	return w, nil
}

// clock is the clock of a queue's due times and leases.
func (w *Worker) clock(queue string) kessai.Clock {
	if queue == kessai.JobQueueNotify {
		return w.Wall
	}
	return w.E.Clock
}

// Backoff returns the delay before retry number attempt (1-based): base ×
// 2^(attempt−1), capped, with up to 25% random jitter subtracted so that
// retries of many jobs spread out.
func (w *Worker) Backoff(attempt int) time.Duration {
	return backoff(w.Cfg.BackoffBase, w.Cfg.BackoffMax, attempt)
}

func backoff(base, ceiling time.Duration, attempt int) time.Duration {
	d := base
	for i := 1; i < attempt && d < ceiling; i++ {
		d *= 2
	}
	d = min(d, ceiling)
	return d - time.Duration(rand.Int64N(int64(d)/4+1))
}

// retryDelay is how long a job that failed waits: its kind's schedule (or
// the worker's backoff), but no sooner than a RetryAfter asks, within the
// schedule's longest delay.
func (w *Worker) retryDelay(j *kessai.Job, runErr error) time.Duration {
	base, ceiling := w.Cfg.BackoffBase, w.Cfg.BackoffMax
	if s, ok := w.E.JobRetry(j.Kind); ok {
		base, ceiling = s.Base, s.Max
	}
	d := backoff(base, ceiling, j.Attempts)
	var ra *engine.RetryAfter
	if errors.As(runErr, &ra) && ra.After > d {
		d = min(ra.After, ceiling)
	}
	return d
}

// Loop claims and runs due jobs until ctx is done. A job that is running
// when ctx ends is finished (its handler runs on a context that is not
// canceled) and its outcome recorded before Loop returns; claimed jobs not
// yet started go back to the queue.
func (w *Worker) Loop(ctx context.Context) {
	var purged time.Time
	w.started.Store(true)
	defer w.looped.Store(0)
	for {
		w.looped.Store(time.Now().UnixNano())
		if time.Since(purged) > PurgeEvery {
			w.purge(ctx)
			purged = time.Now()
		}
		started, nerr := w.startNotify(ctx)
		n, err := w.tick(ctx, "", time.Time{})
		if ctx.Err() == nil {
			switch {
			case nerr != nil:
				w.logLoop("worker claim (notify)", nerr)
			case err == nil:
				w.logLoop("", nil)
			}
			if err != nil {
				w.logLoop("worker tick", err)
			}
		}
		if ctx.Err() != nil {
			w.inflight.Wait()
			return
		}
		if n+started == 0 {
			select {
			case <-ctx.Done():
				w.inflight.Wait()
				return
			case <-time.After(w.Cfg.Poll):
			}
		}
	}
}

// PurgeEvery is how often a worker deletes expired idempotency records.
const PurgeEvery = 10 * time.Minute

func (w *Worker) purge(ctx context.Context) {
	now := w.E.Clock.Now()
	err := w.E.Store.Update(ctx, func(tx kessai.Tx) error {
		n, err := tx.PurgeIdempotency(ctx, now)
		if n > 0 {
			w.Log.Info("purged idempotency records", "count", n)
		}
		return err
	})
	if err != nil && ctx.Err() == nil {
		w.Log.Warn("purge idempotency records", "err", err)
	}
}

// Tick claims one batch of due jobs of each queue and runs them, waiting
// for all of them; it returns how many ran.
func (w *Worker) Tick(ctx context.Context) (int, error) {
	started, err := w.startNotify(ctx)
	n, err2 := w.tick(ctx, "", time.Time{})
	w.inflight.Wait()
	return started + n, errors.Join(err, err2)
}

// claim claims up to limit due jobs of a queue (of one account, when set).
func (w *Worker) claim(ctx context.Context, queue, accountID string, limit int) ([]*kessai.Job, error) {
	now := w.clock(queue).Now()
	var jobs []*kessai.Job
	err := w.E.Store.Update(ctx, func(tx kessai.Tx) error {
		var err error
		jobs, err = tx.ClaimJobs(ctx, kessai.ClaimParams{Now: now, Worker: w.Cfg.ID, LockedUntil: now.Add(w.Cfg.Lease),
			Limit: limit, AccountID: accountID, Queue: queue})
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("claim %q: %w", queue, err)
	}
	return jobs, nil
}

// startNotify claims as many due notify jobs as there are free slots and
// starts each on its own goroutine; it returns how many it started.
func (w *Worker) startNotify(ctx context.Context) (int, error) {
	free := cap(w.slots) - len(w.slots)
	if free == 0 || ctx.Err() != nil {
		return 0, nil
	}
	jobs, err := w.claim(ctx, kessai.JobQueueNotify, "", min(free, w.Cfg.Batch))
	if err != nil {
		return 0, err
	}
	for _, j := range jobs {
		w.slots <- struct{}{}
		w.inflight.Add(1)
		go func() {
			defer func() { <-w.slots; w.inflight.Done() }()
			w.runOne(ctx, j, time.Time{})
		}()
	}
	return len(jobs), nil
}

// Wait waits for the notify jobs that are running to finish.
func (w *Worker) Wait() { w.inflight.Wait() }

// tick claims a batch of the default queue's due jobs (of one account, when
// set) and runs them one after another.
func (w *Worker) tick(ctx context.Context, accountID string, from time.Time) (int, error) {
	batch := w.Cfg.Batch
	if !from.IsZero() {
		// A clock advance runs jobs at their own due times one at a time,
		// oldest first, so that a job one of them schedules runs before any
		// due later: the account's history stays in time order (a term
		// closes after every write that falls in it).
		batch = 1
	}
	jobs, err := w.claim(ctx, kessai.JobQueueDefault, accountID, batch)
	if err != nil {
		return 0, err
	}
	for i, j := range jobs {
		if ctx.Err() != nil && accountID == "" {
			w.release(jobs[i:])
			return i, ctx.Err()
		}
		w.runOne(ctx, j, from)
	}
	return len(jobs), nil
}

// runOne runs a claimed job and records its outcome. from, when set, is the
// account's time before a clock advance: a job due after it runs at its own
// due time, so that its effects carry the time they were due.
func (w *Worker) runOne(ctx context.Context, j *kessai.Job, from time.Time) {
	var at time.Time
	if !from.IsZero() && j.RunAt.After(from) {
		at = j.RunAt
	}
	runErr := w.Run(context.WithoutCancel(ctx), j, at)
	now := w.clock(j.Queue).Now()
	j.UpdatedAt = now
	switch {
	case runErr == nil:
		j.State, j.LastError = kessai.JobDone, ""
	case j.Attempts >= j.MaxAttempts:
		j.State, j.LastError = kessai.JobFailed, runErr.Error()
		w.Log.Error("job failed for good", "job", j.ID, "kind", j.Kind, "attempts", j.Attempts, "err", runErr)
	default:
		d := w.retryDelay(j, runErr)
		j.State, j.LastError, j.DueAt = kessai.JobPending, runErr.Error(), now.Add(d)
		w.Log.Warn("job will retry", "job", j.ID, "kind", j.Kind, "attempt", j.Attempts, "in", d, "err", runErr)
	}
	cctx := context.WithoutCancel(ctx)
	err := w.E.Store.Update(cctx, func(tx kessai.Tx) error {
		ok, err := tx.FinishJob(cctx, j, w.Cfg.ID)
		if err == nil && !ok {
			w.Log.Warn("job claim lost before finishing (lease expired)", "job", j.ID)
		}
		return err
	})
	if err != nil {
		w.Log.Error("record job outcome", "job", j.ID, "err", err)
	}
}

// release gives claimed, unstarted jobs back to the queue at once.
func (w *Worker) release(jobs []*kessai.Job) {
	ctx := context.Background()
	for _, j := range jobs {
		j.State, j.Attempts, j.UpdatedAt = kessai.JobPending, j.Attempts-1, w.clock(j.Queue).Now()
		_ = w.E.Store.Update(ctx, func(tx kessai.Tx) error {
			_, err := tx.FinishJob(ctx, j, w.Cfg.ID)
			return err
		})
	}
}

// RunAccount runs every job of one account's default queue that is due
// now, including jobs that the ones it runs schedule, until none is due. A
// job claimed by another worker is waited for (bounded by its lease).
// Notifications are left to the workers' loops.
func (w *Worker) RunAccount(ctx context.Context, accountID string, from time.Time) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	deadline := time.Now().Add(w.Cfg.Lease + 5*time.Second)
	for {
		n, err := w.tick(ctx, accountID, from)
		if err != nil {
			return err
		}
		if n > 0 {
			continue
		}
		busy, err := w.accountBusy(ctx, accountID)
		if err != nil || !busy {
			return err
		}
		if time.Now().After(deadline) {
			return errors.New("worker: jobs of the account are still running elsewhere")
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// accountBusy reports whether one of the account's jobs is running now
// (claimed by another worker) or due: on PostgreSQL a due job may be locked
// by another worker's claim that has not committed, which our claim skips.
func (w *Worker) accountBusy(ctx context.Context, accountID string) (bool, error) {
	var busy bool
	err := w.E.Store.View(ctx, func(tx kessai.Tx) error {
		var err error
		busy, err = tx.AccountJobsRunning(ctx, accountID, w.E.Clock.Now())
		return err
	})
	return busy, err
}

// Advance is engine.Advance, for the worker's own tests and tools.
func (w *Worker) Advance(ctx context.Context, acct *kessai.Account, d time.Duration) (*engine.ClockAdvance, error) {
	return w.E.Advance(ctx, acct, d)
}
