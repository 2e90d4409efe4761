package worker_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kessai/kessai"
	"github.com/kessai/kessai/engine"
	"github.com/kessai/kessai/internal/testdb"
	"github.com/kessai/kessai/postgres"
	"github.com/kessai/kessai/sqlite"
	"github.com/kessai/kessai/worker"
)

var epoch = time.Date(2026, 1, 10, 5, 0, 0, 0, time.UTC)

// newWorker returns a worker over store whose engine reads clock.
func newWorker(t *testing.T, store kessai.Store, clock kessai.Clock, cfg worker.Config) *worker.Worker {
	t.Helper()
	e, err := engine.New(store, clock, nil, engine.Config{})
	if err != nil {
		t.Fatal(err)
	}
	w, err := worker.New(e, nil, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return w
}

// testJob returns a pending job of a made-up kind due at due.
func testJob(due time.Time, maxAttempts int) *kessai.Job {
	return &kessai.Job{ID: kessai.NewID(kessai.PrefixJob), AccountID: "acct_test", Kind: "test",
		State: kessai.JobPending, MaxAttempts: maxAttempts, RunAt: due, DueAt: due, CreatedAt: due, UpdatedAt: due}
}

func insertJobs(t *testing.T, store kessai.Store, jobs ...*kessai.Job) {
	t.Helper()
	err := store.Update(context.Background(), func(tx kessai.Tx) error {
		for _, j := range jobs {
			if err := tx.InsertJob(context.Background(), j); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func getJob(t *testing.T, store kessai.Store, id string) *kessai.Job {
	t.Helper()
	var j *kessai.Job
	err := store.View(context.Background(), func(tx kessai.Tx) error {
		var err error
		j, err = tx.Job(context.Background(), id)
		return err
	})
	if err != nil {
		t.Fatalf("job %s: %v", id, err)
	}
	return j
}

func tick(t *testing.T, w *worker.Worker) int {
	t.Helper()
	n, err := w.Tick(context.Background())
	if err != nil {
		t.Fatalf("tick: %v", err)
	}
	return n
}

func TestJobInRolledBackTransactionNeverRuns(t *testing.T) {
	t.Parallel()
	testdb.ForEach(t, func(t *testing.T, dialect string) {
		store := testdb.Open(t, dialect)
		clock := kessai.NewManualClock(epoch)
		w := newWorker(t, store, clock, worker.Config{})
		var runs atomic.Int32
		w.Run = func(context.Context, *kessai.Job, time.Time) error { runs.Add(1); return nil }

		j := testJob(epoch.Add(-time.Minute), 5)
		boom := errors.New("rule failed after scheduling")
		err := store.Update(context.Background(), func(tx kessai.Tx) error {
			if err := tx.InsertJob(context.Background(), j); err != nil {
				return err
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatalf("update: %v, want %v", err, boom)
		}
		clock.Advance(time.Hour)
		t.Run("nothing is claimed", func(t *testing.T) {
			if n := tick(t, w); n != 0 || runs.Load() != 0 {
				t.Fatalf("tick ran %d jobs (handler called %d times), want 0", n, runs.Load())
			}
		})
		t.Run("the job does not exist", func(t *testing.T) {
			err := store.View(context.Background(), func(tx kessai.Tx) error {
				_, err := tx.Job(context.Background(), j.ID)
				return err
			})
			if !errors.Is(err, kessai.ErrNoRows) {
				t.Fatalf("Job(%s): %v, want ErrNoRows", j.ID, err)
			}
		})
	})
}

func TestWorkerRetriesWithGrowingBackoff(t *testing.T) {
	t.Parallel()
	testdb.ForEach(t, func(t *testing.T, dialect string) {
		t.Run("succeeds after three failures", func(t *testing.T) {
			store := testdb.Open(t, dialect)
			clock := kessai.NewManualClock(epoch)
			base := 10 * time.Second
			w := newWorker(t, store, clock, worker.Config{BackoffBase: base, BackoffMax: time.Hour})
			var calls atomic.Int32
			w.Run = func(context.Context, *kessai.Job, time.Time) error {
				if n := calls.Add(1); n <= 3 {
					return fmt.Errorf("failure %d", n)
				}
				return nil
			}
			j := testJob(epoch, 10)
			insertJobs(t, store, j)

			for attempt := 1; attempt <= 3; attempt++ {
				now := clock.Now()
				if n := tick(t, w); n != 1 {
					t.Fatalf("attempt %d: tick ran %d jobs, want 1", attempt, n)
				}
				got := getJob(t, store, j.ID)
				want := base << (attempt - 1)
				delay := got.DueAt.Sub(now)
				if got.State != kessai.JobPending || got.Attempts != attempt || got.LastError != fmt.Sprintf("failure %d", attempt) {
					t.Fatalf("attempt %d: state %s attempts %d last_error %q", attempt, got.State, got.Attempts, got.LastError)
				}
				if delay > want || delay < want*3/4 {
					t.Fatalf("attempt %d: retry in %v, want between %v and %v", attempt, delay, want*3/4, want)
				}
				// Not claimed before its due time.
				clock.Set(got.DueAt.Add(-time.Millisecond))
				if n := tick(t, w); n != 0 {
					t.Fatalf("attempt %d: job claimed %v before it is due", attempt, time.Millisecond)
				}
				clock.Set(got.DueAt)
			}
			if n := tick(t, w); n != 1 {
				t.Fatalf("final tick ran %d jobs, want 1", n)
			}
			got := getJob(t, store, j.ID)
			if got.State != kessai.JobDone || got.Attempts != 4 || got.LastError != "" || calls.Load() != 4 {
				t.Fatalf("final: state %s attempts %d last_error %q calls %d; want done 4 \"\" 4", got.State, got.Attempts, got.LastError, calls.Load())
			}
			clock.Advance(24 * time.Hour)
			if n := tick(t, w); n != 0 {
				t.Fatalf("done job ran again")
			}
		})
		t.Run("fails for good after max attempts", func(t *testing.T) {
			store := testdb.Open(t, dialect)
			clock := kessai.NewManualClock(epoch)
			w := newWorker(t, store, clock, worker.Config{BackoffBase: time.Second, BackoffMax: time.Minute})
			var calls atomic.Int32
			w.Run = func(context.Context, *kessai.Job, time.Time) error {
				return fmt.Errorf("always %d", calls.Add(1))
			}
			j := testJob(epoch, 3)
			insertJobs(t, store, j)
			for i := 0; i < 3; i++ {
				if n := tick(t, w); n != 1 {
					t.Fatalf("tick %d ran %d jobs, want 1", i+1, n)
				}
				clock.Advance(time.Hour)
			}
			got := getJob(t, store, j.ID)
			if got.State != kessai.JobFailed || got.Attempts != 3 || got.LastError != "always 3" {
				t.Fatalf("state %s attempts %d last_error %q; want failed 3 \"always 3\"", got.State, got.Attempts, got.LastError)
			}
			if n := tick(t, w); n != 0 || calls.Load() != 3 {
				t.Fatalf("failed job ran again (tick %d, calls %d)", n, calls.Load())
			}
		})
	})
}

func TestWorkerBackoffBounds(t *testing.T) {
	t.Parallel()
	w := &worker.Worker{Cfg: worker.Config{BackoffBase: time.Second, BackoffMax: 10 * time.Second}}
	for _, c := range []struct {
		attempt int
		max     time.Duration
	}{{1, time.Second}, {2, 2 * time.Second}, {3, 4 * time.Second}, {4, 8 * time.Second}, {5, 10 * time.Second}, {40, 10 * time.Second}} {
		for i := 0; i < 50; i++ {
			if d := w.Backoff(c.attempt); d > c.max || d < c.max*3/4 {
				t.Fatalf("Backoff(%d) = %v, want within [%v, %v]", c.attempt, d, c.max*3/4, c.max)
			}
		}
	}
}

func openStore(t *testing.T, dialect, url string) kessai.Store {
	t.Helper()
	var (
		s   kessai.Store
		err error
	)
	if dialect == "sqlite" {
		s, err = sqlite.Open(context.Background(), url)
	} else {
		s, err = postgres.Open(context.Background(), url)
	}
	if err != nil {
		t.Fatalf("open %s: %v", dialect, err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestWorkersConcurrentRunEachJobOnce(t *testing.T) {
	t.Parallel()
	testdb.ForEach(t, func(t *testing.T, dialect string) {
		const nJobs, nWorkers = 300, 4
		url := testdb.URL(t, dialect)
		first := openStore(t, dialect, url)
		now := time.Now().UTC()
		jobs := make([]*kessai.Job, nJobs)
		for i := range jobs {
			jobs[i] = testJob(now.Add(-time.Minute), 3)
		}
		insertJobs(t, first, jobs...)

		var mu sync.Mutex
		runs := map[string]int{}
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		var wg sync.WaitGroup
		for i := 0; i < nWorkers; i++ {
			store := first
			if i > 0 {
				store = openStore(t, dialect, url)
			}
			w := newWorker(t, store, kessai.SystemClock{}, worker.Config{ID: fmt.Sprintf("w%d", i), Poll: 5 * time.Millisecond, Batch: 8})
			w.Run = func(_ context.Context, j *kessai.Job, _ time.Time) error {
				mu.Lock()
				runs[j.ID]++
				mu.Unlock()
				time.Sleep(time.Millisecond)
				return nil
			}
			wg.Add(1)
			go func() { defer wg.Done(); w.Loop(ctx) }()
		}
		deadline := time.Now().Add(90 * time.Second)
		for {
			var stats kessai.JobStats
			err := first.View(context.Background(), func(tx kessai.Tx) error {
				var err error
				stats, err = tx.JobStats(context.Background(), time.Now().UTC())
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
			if stats.Due == 0 && stats.Running == 0 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("jobs still due %d running %d after 90s", stats.Due, stats.Running)
			}
			time.Sleep(20 * time.Millisecond)
		}
		cancel()
		wg.Wait()

		t.Run("every job done", func(t *testing.T) {
			for _, j := range jobs {
				if got := getJob(t, first, j.ID); got.State != kessai.JobDone || got.Attempts != 1 {
					t.Errorf("job %s: state %s attempts %d, want done 1", j.ID, got.State, got.Attempts)
				}
			}
		})
		t.Run("every job ran exactly once", func(t *testing.T) {
			mu.Lock()
			defer mu.Unlock()
			if len(runs) != nJobs {
				t.Errorf("%d distinct jobs ran, want %d", len(runs), nJobs)
			}
			for id, n := range runs {
				if n != 1 {
					t.Errorf("job %s ran %d times", id, n)
				}
			}
		})
	})
}

func TestWorkerGracefulShutdownFinishesRunningJob(t *testing.T) {
	t.Parallel()
	testdb.ForEach(t, func(t *testing.T, dialect string) {
		store := testdb.Open(t, dialect)
		clock := kessai.NewManualClock(epoch)
		w := newWorker(t, store, clock, worker.Config{Poll: 5 * time.Millisecond})
		first, second := testJob(epoch.Add(-2*time.Minute), 5), testJob(epoch.Add(-time.Minute), 5)
		insertJobs(t, store, first, second)

		started := make(chan struct{})
		var ranSecond atomic.Bool
		var ctxErr atomic.Value
		w.Run = func(ctx context.Context, j *kessai.Job, _ time.Time) error {
			if j.ID != first.ID {
				ranSecond.Store(true)
				return nil
			}
			close(started)
			time.Sleep(300 * time.Millisecond)
			ctxErr.Store(fmt.Sprint(ctx.Err()))
			return nil
		}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() { defer close(done); w.Loop(ctx) }()
		select {
		case <-started:
		case <-time.After(20 * time.Second):
			t.Fatal("job did not start")
		}
		cancel()
		select {
		case <-done:
		case <-time.After(20 * time.Second):
			t.Fatal("Loop did not return after cancel")
		}
		t.Run("running job finishes and is recorded done", func(t *testing.T) {
			got := getJob(t, store, first.ID)
			if got.State != kessai.JobDone || got.Attempts != 1 || got.LockedBy != "" {
				t.Fatalf("state %s attempts %d locked_by %q, want done 1 \"\"", got.State, got.Attempts, got.LockedBy)
			}
			if v := ctxErr.Load(); v != "<nil>" {
				t.Fatalf("handler context was canceled: %v", v)
			}
		})
		t.Run("claimed unstarted job goes back to the queue", func(t *testing.T) {
			got := getJob(t, store, second.ID)
			if ranSecond.Load() || got.State != kessai.JobPending || got.Attempts != 0 || got.LockedBy != "" {
				t.Fatalf("ran %v state %s attempts %d locked_by %q, want not run, pending 0 \"\"", ranSecond.Load(), got.State, got.Attempts, got.LockedBy)
			}
			if n := tick(t, w); n != 1 || !ranSecond.Load() {
				t.Fatalf("released job not claimed again (tick %d)", n)
			}
		})
	})
}

// TestWorker_Stalled: a worker whose Loop never started is not stalled
// (a process that runs none); a running Loop begins rounds and is not; one
// whose Loop returned is (readiness fails once its worker is gone).
func TestWorker_Stalled(t *testing.T) {
	t.Parallel()
	w := newWorker(t, testdb.Open(t, "sqlite"), kessai.NewManualClock(time.Now()), worker.Config{Poll: 5 * time.Millisecond})
	if w.Stalled(time.Second) {
		t.Fatal("stalled before Loop started")
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { w.Loop(ctx); close(done) }()
	deadline := time.Now().Add(5 * time.Second)
	for w.Stalled(time.Second) {
		if time.Now().After(deadline) {
			t.Fatal("a running Loop is stalled")
		}
		time.Sleep(5 * time.Millisecond)
	}
	cancel()
	<-done
	if !w.Stalled(time.Second) {
		t.Fatal("a Loop that returned is not stalled")
	}
}
