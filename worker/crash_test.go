package worker_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kessai/kessai"
	"github.com/kessai/kessai/internal/testdb"
	"github.com/kessai/kessai/worker"
)

// Environment of the helper process.
const (
	envHelper  = "KESSAI_WORKER_HELPER"
	envDialect = "KESSAI_WORKER_HELPER_DIALECT"
	envURL     = "KESSAI_WORKER_HELPER_URL"
	envMarker  = "KESSAI_WORKER_HELPER_MARKER"
	envMode    = "KESSAI_WORKER_HELPER_MODE"
	helperID   = "doomed-worker"
	helperTTL  = time.Hour // the doomed worker's lease
)

// applyEffect is the job's effect: it counts applications of the job in a
// setting, once per job (a marker setting makes it idempotent), in the
// transaction tx.
func applyEffect(ctx context.Context, tx kessai.Tx, jobID string) error {
	if _, err := tx.Setting(ctx, "applied:"+jobID); err == nil {
		return nil
	} else if !errors.Is(err, kessai.ErrNoRows) {
		return err
	}
	n := 0
	if v, err := tx.Setting(ctx, "count:"+jobID); err == nil {
		n, _ = strconv.Atoi(v)
	} else if !errors.Is(err, kessai.ErrNoRows) {
		return err
	}
	if err := tx.PutSetting(ctx, "count:"+jobID, strconv.Itoa(n+1)); err != nil {
		return err
	}
	return tx.PutSetting(ctx, "applied:"+jobID, "yes")
}

func signalAndHang(marker string) {
	_ = os.WriteFile(marker, []byte("started"), 0o600)
	time.Sleep(2 * time.Minute) // killed long before this
}

// TestHelperWorkerProcess is not a test: TestCrashedWorker runs the test
// binary again with it as the doomed worker process.
func TestHelperWorkerProcess(t *testing.T) {
	if os.Getenv(envHelper) != "1" {
		t.Skip("helper process for TestCrashedWorker")
	}
	store := openStore(t, os.Getenv(envDialect), os.Getenv(envURL))
	w := newWorker(t, store, kessai.SystemClock{}, worker.Config{ID: helperID, Lease: helperTTL})
	marker, mode := os.Getenv(envMarker), os.Getenv(envMode)
	w.Run = func(ctx context.Context, j *kessai.Job, _ time.Time) error {
		err := store.Update(ctx, func(tx kessai.Tx) error {
			if err := applyEffect(ctx, tx, j.ID); err != nil {
				return err
			}
			if mode == "before_commit" {
				signalAndHang(marker)
			}
			return nil
		})
		if err != nil {
			return err
		}
		signalAndHang(marker) // after commit, before the outcome is recorded
		return nil
	}
	n, err := w.Tick(context.Background())
	t.Fatalf("helper survived: tick %d %v", n, err)
}

func TestCrashedWorkerJobTakenOverAfterLease(t *testing.T) {
	t.Parallel()
	testdb.ForEach(t, func(t *testing.T, dialect string) {
		for _, mode := range []string{"before_commit", "after_commit"} {
			t.Run("killed "+mode, func(t *testing.T) {
				url := testdb.URL(t, dialect)
				store := openStore(t, dialect, url)
				j := testJob(time.Now().UTC().Add(-time.Minute), 5)
				insertJobs(t, store, j)

				marker := filepath.Join(t.TempDir(), "started")
				ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
				defer cancel()
				cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^TestHelperWorkerProcess$", "-test.count=1")
				cmd.Env = append(os.Environ(), envHelper+"=1", envDialect+"="+dialect, envURL+"="+url,
					envMarker+"="+marker, envMode+"="+mode)
				out := &lockedBuffer{}
				cmd.Stdout, cmd.Stderr = out, out
				if err := cmd.Start(); err != nil {
					t.Fatal(err)
				}
				waitFor(t, 30*time.Second, func() bool { _, err := os.Stat(marker); return err == nil }, "helper to start the job", out)
				if err := cmd.Process.Kill(); err != nil { // SIGKILL
					t.Fatal(err)
				}
				_ = cmd.Wait()

				held := getJob(t, store, j.ID)
				if held.State != kessai.JobRunning || held.LockedBy != helperID || held.Attempts != 1 {
					t.Fatalf("after kill: state %s locked_by %q attempts %d, want running %s 1", held.State, held.LockedBy, held.Attempts, helperID)
				}

				name := map[string]string{"before_commit": "killed worker's uncommitted effect is gone",
					"after_commit": "killed worker's committed effect stays"}[mode]
				t.Run(name, func(t *testing.T) {
					count, err := setting(store, "count:"+j.ID)
					switch {
					case mode == "before_commit" && !errors.Is(err, kessai.ErrNoRows):
						t.Fatalf("uncommitted effect visible: %q %v", count, err)
					case mode == "after_commit" && (err != nil || count != "1"):
						t.Fatalf("committed effect %q (%v), want 1", count, err)
					}
				})

				clock := kessai.NewManualClock(time.Now())
				w := newWorker(t, store, clock, worker.Config{ID: "survivor"})
				var calls atomic.Int32
				w.Run = func(ctx context.Context, j *kessai.Job, _ time.Time) error {
					calls.Add(1)
					return store.Update(ctx, func(tx kessai.Tx) error { return applyEffect(ctx, tx, j.ID) })
				}
				t.Run("not taken over while the lease holds", func(t *testing.T) {
					if n := tick(t, w); n != 0 {
						t.Fatalf("tick claimed %d jobs under another worker's lease", n)
					}
				})
				clock.Set(held.LockedUntil.Add(time.Second))
				t.Run("taken over after the lease", func(t *testing.T) {
					if n := tick(t, w); n != 1 || calls.Load() != 1 {
						t.Fatalf("tick ran %d jobs (handler %d calls), want 1", n, calls.Load())
					}
					got := getJob(t, store, j.ID)
					if got.State != kessai.JobDone || got.Attempts != 2 || got.LockedBy != "" {
						t.Fatalf("state %s attempts %d locked_by %q, want done 2 \"\"", got.State, got.Attempts, got.LockedBy)
					}
				})
				t.Run("effect applied exactly once", func(t *testing.T) {
					count, err := setting(store, "count:"+j.ID)
					if err != nil || count != "1" {
						t.Fatalf("applications %q (%v), want 1", count, err)
					}
				})
			})
		}
	})
}

// lockedBuffer collects a child's output.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func waitFor(t *testing.T, timeout time.Duration, cond func() bool, what string, out *lockedBuffer) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s; helper output:\n%s", what, out.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func setting(store kessai.Store, key string) (string, error) {
	var v string
	err := store.View(context.Background(), func(tx kessai.Tx) error {
		var err error
		v, err = tx.Setting(context.Background(), key)
		return err
	})
	return v, err
}
