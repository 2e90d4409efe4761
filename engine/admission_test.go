package engine

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/kessai/kessai"
)

// TestGate_RoundRobinBetweenAccounts: with every slot taken, an account
// that queued 50 requests does not make another account's one request
// wait behind them: it gets the second slot released.
func TestGate_RoundRobinBetweenAccounts(t *testing.T) {
	t.Parallel()
	g := newGate("write", 1, time.Minute)
	ctx := context.Background()
	hold, err := g.acquire(ctx, "acct_a")
	if err != nil {
		t.Fatal(err)
	}
	got := make(chan string, 100)
	start := func(acct string) {
		go func() {
			release, err := g.acquire(ctx, acct)
			if err != nil {
				got <- "error: " + err.Error()
				return
			}
			got <- acct
			release()
		}()
	}
	for range 50 {
		start("acct_a")
	}
	waitFor(t, g, 50)
	start("acct_b")
	waitFor(t, g, 51)
	hold()
	var order []string
	for range 51 {
		order = append(order, <-got)
	}
	if order[0] != "acct_a" || order[1] != "acct_b" {
		t.Fatalf("served %v…; want one of acct_a's, then acct_b's", order[:3])
	}
}

// waitFor waits until n requests wait at g.
func waitFor(t *testing.T, g *gate, n int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		g.mu.Lock()
		w := g.waiting
		g.mu.Unlock()
		if w >= n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d waiting, want %d", w, n)
		}
		time.Sleep(time.Millisecond)
	}
}

// TestGate_ShedsWhatWouldWaitPastTheBudget: a request whose predicted
// wait passes the budget is refused at once with Retry-After; one that
// was admitted to the queue but still waits when the budget ends is
// refused then; neither takes a slot.
func TestGate_ShedsWhatWouldWaitPastTheBudget(t *testing.T) {
	t.Parallel()
	g := newGate("write", 1, 100*time.Millisecond)
	g.mean = float64(20 * time.Millisecond) // a transaction holds its slot 20 ms
	ctx := context.Background()
	hold, err := g.acquire(ctx, "acct_a")
	if err != nil {
		t.Fatal(err)
	}
	defer hold()
	// Three may queue (3 × 20 ms ≤ ¾ of 100 ms); they wait out the budget.
	errs := make(chan error, 3)
	for range 3 {
		go func() {
			_, err := g.acquire(ctx, "acct_a")
			errs <- err
		}()
	}
	waitFor(t, g, 3)
	start := time.Now()
	_, err = g.acquire(ctx, "acct_a") // a fourth would wait 80 ms
	var busy *Busy
	if !errors.As(err, &busy) || kessai.ErrorCode(err) != kessai.RateLimited || busy.RetryAfterSeconds() != 1 {
		t.Fatalf("fourth waiter: %v; want busy (rate_limit_exceeded) with Retry-After 1", err)
	}
	if took := time.Since(start); took > 10*time.Millisecond {
		t.Errorf("shed after %v; want at once", took)
	}
	for range 3 {
		if err := <-errs; !errors.As(err, &busy) {
			t.Fatalf("queued past the budget: %v; want busy", err)
		}
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.inflight != 1 || g.waiting != 0 {
		t.Fatalf("inflight %d, waiting %d; want the one holder and nobody waiting", g.inflight, g.waiting)
	}
}

// TestGate_SlotsAreNeverLost: many acquires, releases and timeouts at once
// leave the gate empty.
func TestGate_SlotsAreNeverLost(t *testing.T) {
	t.Parallel()
	g := newGate("write", 4, 5*time.Millisecond)
	done := make(chan struct{})
	for i := range 200 {
		go func() {
			defer func() { done <- struct{}{} }()
			acct := []string{"a", "b", "c"}[i%3]
			release, err := g.acquire(context.Background(), acct)
			if err == nil {
				time.Sleep(time.Duration(i%3) * time.Millisecond)
				release()
				release() // a second call does nothing
			}
		}()
	}
	for range 200 {
		<-done
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.inflight != 0 || g.waiting != 0 {
		t.Fatalf("inflight %d, waiting %d after everyone left", g.inflight, g.waiting)
	}
}
