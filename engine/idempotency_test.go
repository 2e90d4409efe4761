package engine_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/kessai/kessai"
	"github.com/kessai/kessai/accounts"
	"github.com/kessai/kessai/amazonorder"
	"github.com/kessai/kessai/engine"
	"github.com/kessai/kessai/internal/kessaitest"
	"github.com/kessai/kessai/internal/testdb"
	"github.com/kessai/kessai/payjpflow"
	"github.com/kessai/kessai/worker"
)

// keyed runs fn under key on e; its Render stores the result's id or the
// failure's code.
func keyed(e *engine.Engine, key, op, hash string, fn func(e *engine.Engine) (any, error)) (engine.Outcome, error) {
	return e.Run(context.Background(), engine.Key{Scope: kessai.ScopeReferenceID, Key: key, Operation: op, RequestHash: hash},
		func(result any, failure error) (int, []byte, error) {
			if failure != nil {
				return 400, []byte(kessai.ErrorCode(failure)), nil
			}
			return 200, []byte(result.(*kessai.Customer).ID), nil
		}, fn)
}

func TestIdempotency_Write(t *testing.T) {
	t.Parallel()
	testdb.ForEach(t, func(t *testing.T, dialect string) {
		e, acct := kessaitest.NewEngine(t, dialect)
		ctx := context.Background()
		count := func() int {
			cs, _, err := payjpflow.ListCustomers(e, ctx, acct, kessai.Page{Limit: 100})
			if err != nil {
				t.Fatal(err)
			}
			return len(cs)
		}
		create := func(acct *kessai.Account) func(e *engine.Engine) (any, error) {
			return func(e *engine.Engine) (any, error) {
				return payjpflow.CreateCustomer(e, ctx, acct, payjpflow.CustomerParams{})
			}
		}
		deleteNope := func(e *engine.Engine) (any, error) { return payjpflow.DeleteCustomer(e, ctx, acct, "cus_nope") }

		t.Run("first_runs_and_records", func(t *testing.T) {
			out, err := keyed(e, "k1", "create", "h1", create(acct))
			c, _ := out.Result.(*kessai.Customer)
			if err != nil || !out.Done || out.Replayed || c == nil || string(out.Body) != c.ID {
				t.Fatalf("first: %v %+v", err, out)
			}
		})
		t.Run("same_key_replays_without_running", func(t *testing.T) {
			before := count()
			out, err := keyed(e, "k1", "create", "h1", create(acct))
			if err != nil || !out.Done || !out.Replayed || out.Status != 200 || out.Result != nil {
				t.Fatalf("replay: %v %+v", err, out)
			}
			if count() != before {
				t.Error("the replay created a customer")
			}
		})
		t.Run("other_parameters_conflict", func(t *testing.T) {
			out, err := keyed(e, "k1", "create", "h2", create(acct))
			if kessai.ErrorCode(err) != kessai.IdempotencyConflict || out.Done {
				t.Fatalf("got %v %+v", err, out)
			}
		})
		t.Run("other_operation_is_reference_id_in_use", func(t *testing.T) {
			_, err := keyed(e, "k1", "delete", "h1", create(acct))
			if kessai.ErrorCode(err) != kessai.ReferenceIDInUse {
				t.Fatalf("got %v", err)
			}
		})
		t.Run("refusal_is_recorded_and_replayed", func(t *testing.T) {
			out, err := keyed(e, "k-missing", "delete", "h", deleteNope)
			if err != nil || !out.Done || out.Replayed || out.Status != 400 || string(out.Body) != "not_found" {
				t.Fatalf("first: %v %+v", err, out)
			}
			out, err = keyed(e, "k-missing", "delete", "h", deleteNope)
			if err != nil || !out.Done || !out.Replayed || string(out.Body) != "not_found" {
				t.Fatalf("replay: %v %+v", err, out)
			}
		})
		t.Run("refused_before_the_write_stores_nothing", func(t *testing.T) {
			refused := func(e *engine.Engine) (any, error) { return nil, kessai.Invalidf("test", "x", "bad input") }
			if out, err := keyed(e, "k-early", "create", "h", refused); kessai.ErrorCode(err) != kessai.Invalid || out.Done {
				t.Fatalf("refused: %v %+v", err, out)
			}
			if out, err := keyed(e, "k-early", "create", "h", create(acct)); err != nil || !out.Done || out.Replayed {
				t.Fatalf("the key after a refusal before any write: %v %+v", err, out)
			}
		})
		t.Run("concurrent_requests_write_once", func(t *testing.T) {
			before := count()
			const n = 16
			var wg sync.WaitGroup
			outs := make([]engine.Outcome, n)
			errs := make([]error, n)
			for i := range n {
				wg.Add(1)
				go func() {
					defer wg.Done()
					outs[i], errs[i] = keyed(e, "race", "create", "h", create(acct))
				}()
			}
			wg.Wait()
			replays := 0
			for i := range n {
				if errs[i] != nil || !outs[i].Done {
					t.Errorf("request %d: %v %+v", i, errs[i], outs[i])
				}
				if outs[i].Replayed {
					replays++
				}
				if string(outs[i].Body) != string(outs[0].Body) || len(outs[i].Body) == 0 {
					t.Errorf("request %d answered %q, request 0 %q", i, outs[i].Body, outs[0].Body)
				}
			}
			if got := count(); got != before+1 || replays != n-1 {
				t.Errorf("%d customers created, %d replays; want 1 and %d", got-before, replays, n-1)
			}
		})
		t.Run("keys_are_per_account", func(t *testing.T) {
			na, err := accounts.CreateAccount(e, ctx, "other", false, "jp")
			if err != nil {
				t.Fatal(err)
			}
			other, _ := accounts.Authenticate(e, ctx, na.SecretKey)
			if out, err := keyed(e, "k1", "create", "h1", create(other)); err != nil || out.Replayed {
				t.Fatalf("other account: %v %+v", err, out)
			}
		})
		t.Run("a_job_never_runs_under_the_request's_key", func(t *testing.T) {
			// A clock advance under a key runs the jobs it makes due on
			// keyless handles: they would otherwise consume the key.
			if _, err := worker.New(e, nil, worker.Config{}); err != nil {
				t.Fatal(err)
			}
			o, err := amazonorder.CreateOrderReference(ctx, e, acct, amazonorder.OrderReferenceParams{})
			if err != nil {
				t.Fatal(err)
			}
			advance := func() (engine.Outcome, error) {
				return e.Run(ctx, engine.Key{Scope: kessai.ScopeIdempotencyKey, Key: "adv", Operation: "advance", RequestHash: "h"},
					func(any, error) (int, []byte, error) { return 200, []byte("advanced"), nil },
					func(e *engine.Engine) (any, error) {
						return e.Advance(ctx, acct, amazonorder.OrderDraftTTL+time.Minute)
					})
			}
			out, err := advance()
			if err != nil || !out.Done || out.Replayed || string(out.Body) != "advanced" {
				t.Fatalf("advance: %v %+v", err, out)
			}
			if o, err := amazonorder.GetOrderReference(ctx, e, acct, o.ID); err != nil || o.State != kessai.StateCanceled {
				t.Errorf("the draft after the advance: %v %+v, want canceled (Stale) by its job", err, o)
			}
			if out, err := advance(); err != nil || !out.Replayed {
				t.Errorf("the advance again: %v %+v, want a replay", err, out)
			}
		})
	})
}

func TestEngine_MWSAccount(t *testing.T) {
	t.Parallel()
	testdb.ForEach(t, func(t *testing.T, dialect string) {
		e, _ := kessaitest.NewEngine(t, dialect)
		ctx := context.Background()
		na, err := accounts.CreateAccount(e, ctx, "mws", false, "us")
		if err != nil {
			t.Fatal(err)
		}
		t.Run("known_key_opens_its_secret", func(t *testing.T) {
			acct, secret, err := accounts.MWSAccount(e, ctx, na.MWS.AccessKeyID)
			if err != nil || acct.ID != na.ID || secret != na.MWS.SecretKey || acct.MWS.Region != "us" {
				t.Fatalf("got %v %v (secret matches: %v)", acct, err, secret == na.MWS.SecretKey)
			}
		})
		t.Run("unknown_key_is_unauthorized", func(t *testing.T) {
			if _, _, err := accounts.MWSAccount(e, ctx, "AKIANOTAKEY"); kessai.ErrorCode(err) != kessai.Unauthorized {
				t.Fatalf("got %v", err)
			}
		})
	})
}

// takenStore is a store whose keyed writes keep finding their key taken by
// a concurrent request that never commits its record (each commit fails
// with kessai.ErrKeyTaken), n times.
type takenStore struct {
	kessai.Store
	mu sync.Mutex
	n  int
}

func (s *takenStore) Update(ctx context.Context, fn func(tx kessai.Tx) error) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.n > 0 {
		s.n--
		return kessai.ErrKeyTaken
	}
	return s.Store.Update(ctx, fn)
}

// A key contended past every attempt is a 409 the client may retry, not a
// 500 (it once was after three attempts); contended less, the write runs.
func TestIdempotency_ContendedKey(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	real := testdb.Open(t, "sqlite")
	store := &takenStore{Store: real}
	e, err := engine.New(store, kessai.NewManualClock(kessaitest.Epoch), nil, engine.Config{})
	if err != nil {
		t.Fatal(err)
	}
	na, err := accounts.CreateAccount(e, ctx, "contended", false, "jp")
	if err != nil {
		t.Fatal(err)
	}
	acct, err := accounts.Authenticate(e, ctx, na.SecretKey)
	if err != nil {
		t.Fatal(err)
	}
	create := func(e *engine.Engine) (any, error) {
		return payjpflow.CreateCustomer(e, ctx, acct, payjpflow.CustomerParams{})
	}

	store.n = 5
	if out, err := keyed(e, "c1", "create", "h", create); err != nil || !out.Done || out.Replayed {
		t.Fatalf("taken 5 times, then free: %v %+v", err, out)
	}
	store.n = 1000
	out, err := keyed(e, "c2", "create", "h", create)
	if kessai.ErrorCode(err) != kessai.IdempotencyInProgress || out.Done {
		t.Fatalf("taken every time: %v %+v, want idempotency_timeout", err, out)
	}
}
