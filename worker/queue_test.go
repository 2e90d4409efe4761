package worker_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kessai/kessai"
	"github.com/kessai/kessai/engine"
	"github.com/kessai/kessai/internal/testdb"
	"github.com/kessai/kessai/notifications"
	"github.com/kessai/kessai/worker"
)

// notifyJob returns a pending job of the notify queue of kind, due at due.
func notifyJob(kind string, due time.Time, maxAttempts int) *kessai.Job {
	j := testJob(due, maxAttempts)
	j.Kind, j.Queue = kind, kessai.JobQueueNotify
	return j
}

// TestWorker_NotifyQueue: jobs of the notify queue run outside any
// transaction and beside the default queue: while every notify slot is
// taken by a handler that does not return, the default queue's jobs run
// and other writes commit.
func TestWorker_NotifyQueue(t *testing.T) {
	t.Parallel()
	testdb.ForEach(t, func(t *testing.T, dialect string) {
		store := testdb.Open(t, dialect)
		clock := kessai.NewManualClock(epoch)
		w := newWorker(t, store, clock, worker.Config{Poll: 5 * time.Millisecond, NotifyConcurrency: 2})
		release := make(chan struct{})
		var started atomic.Int32
		w.E.HandleOutside(notifications.JobDeliverWebhook, func(ctx context.Context, j *kessai.Job) error {
			started.Add(1)
			<-release
			return nil
		})
		var notify []*kessai.Job
		for range 3 {
			notify = append(notify, notifyJob(notifications.JobDeliverWebhook, epoch, 5))
		}
		core := testJob(epoch, 5)
		core.Kind = engine.JobSettleRefund // no such refund: the handler fails, which is an outcome too
		insertJobs(t, store, append(notify, core)...)

		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() { w.Loop(ctx); close(done) }()
		defer func() {
			close(release)
			cancel()
			<-done
		}()
		deadline := time.Now().Add(10 * time.Second)
		for getJob(t, store, core.ID).Attempts == 0 || started.Load() < 2 {
			if time.Now().After(deadline) {
				t.Fatalf("after 10 s: the default queue's job ran %d times, %d notify jobs started", getJob(t, store, core.ID).Attempts, started.Load())
			}
			time.Sleep(5 * time.Millisecond)
		}
		if n := started.Load(); n != 2 {
			t.Errorf("%d notify jobs running at once, want NotifyConcurrency = 2", n)
		}
		// The handlers hold no transaction: a write commits at once.
		wctx, wcancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer wcancel()
		if err := store.Update(wctx, func(tx kessai.Tx) error {
			return tx.Insert(wctx, &kessai.Customer{AccountID: "acct_test", ID: "while-notifying"})
		}); err != nil {
			t.Errorf("a write while notify jobs run: %v", err)
		}
	})
}

// TestWorker_NotifyRetry: a notify job retries on its kind's schedule, no
// sooner than a RetryAfter asks (within the schedule's longest delay), and
// a clock advance neither runs nor waits for it.
func TestWorker_NotifyRetry(t *testing.T) {
	t.Parallel()
	testdb.ForEach(t, func(t *testing.T, dialect string) {
		store := testdb.Open(t, dialect)
		clock := kessai.NewManualClock(epoch)
		e, err := engine.New(store, clock, nil, engine.Config{Delivery: engine.RetrySchedule{Base: time.Second, Max: 4 * time.Hour, Attempts: 4}})
		if err != nil {
			t.Fatal(err)
		}
		w, err := worker.New(e, nil, worker.Config{})
		if err != nil {
			t.Fatal(err)
		}
		w.Wall = clock // the notify queue's clock, here the same manual one
		var after atomic.Int64
		var calls atomic.Int32
		e.HandleOutside(notifications.JobDeliverWebhook, func(ctx context.Context, j *kessai.Job) error {
			calls.Add(1)
			return &engine.RetryAfter{After: time.Duration(after.Load()), Err: errors.New("receiver busy")}
		})
		j := notifyJob(notifications.JobDeliverWebhook, epoch, 4)
		insertJobs(t, store, j)

		t.Run("advance_leaves_notify_jobs_to_the_loop", func(t *testing.T) {
			if err := w.RunAccount(context.Background(), j.AccountID, time.Time{}); err != nil {
				t.Fatal(err)
			}
			if calls.Load() != 0 {
				t.Errorf("RunAccount ran a notify job")
			}
		})
		for _, tc := range []struct {
			name      string
			after     time.Duration
			min, most time.Duration
		}{
			{"backoff_when_retry_after_is_shorter", 0, 750 * time.Millisecond, time.Second},
			{"retry_after_when_longer", 2 * time.Hour, 2 * time.Hour, 2 * time.Hour},
			{"capped_at_the_longest_delay", 72 * time.Hour, 4 * time.Hour, 4 * time.Hour},
		} {
			t.Run(tc.name, func(t *testing.T) {
				after.Store(int64(tc.after))
				now := clock.Now()
				if n := tick(t, w); n != 1 {
					t.Fatalf("tick ran %d jobs, want 1", n)
				}
				got := getJob(t, store, j.ID)
				if d := got.DueAt.Sub(now); d < tc.min || d > tc.most {
					t.Errorf("retry in %v, want %v to %v", d, tc.min, tc.most)
				}
				clock.Set(got.DueAt)
			})
		}
		tick(t, w)
		if got := getJob(t, store, j.ID); got.State != kessai.JobFailed || got.Attempts != 4 {
			t.Errorf("after the schedule's 4 attempts: %s after %d", got.State, got.Attempts)
		}
	})
}
