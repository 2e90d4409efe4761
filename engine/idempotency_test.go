package engine_test

import (
	"context"
	"errors"
	"sync"
	"testing"

	"github.com/kessai/kessai"
	"github.com/kessai/kessai/engine"
	"github.com/kessai/kessai/internal/kessaitest"
	"github.com/kessai/kessai/internal/testdb"
)

// mustEngine returns an engine over a fresh store of the dialect and a
// test-mode account of it.
func mustEngine(t *testing.T, dialect string) (*engine.Engine, *kessai.Account) {
	t.Helper()
	ctx := context.Background()
	e, err := engine.New(testdb.Open(t, dialect), kessai.NewManualClock(kessaitest.Epoch), nil, engine.Config{})
	if err != nil {
		t.Fatal(err)
	}
	na, err := e.CreateAccount(ctx, "idem", false, "jp")
	if err != nil {
		t.Fatal(err)
	}
	acct, err := e.Authenticate(ctx, na.SecretKey)
	if err != nil {
		t.Fatal(err)
	}
	return e, acct
}

// keyed returns a context whose write runs under key; its Render stores the
// result's id or the failure's code.
func keyed(key, op, hash string) (context.Context, *engine.Idempotency) {
	idem := &engine.Idempotency{Scope: kessai.ScopeReferenceID, Key: key, Operation: op, RequestHash: hash,
		Render: func(result any, failure error) (int, []byte, error) {
			if failure != nil {
				return 400, []byte(kessai.ErrorCode(failure)), nil
			}
			return 200, []byte(result.(*kessai.Customer).ID), nil
		}}
	return engine.WithIdempotency(context.Background(), idem), idem
}

func TestIdempotency_Write(t *testing.T) {
	t.Parallel()
	testdb.ForEach(t, func(t *testing.T, dialect string) {
		e, acct := mustEngine(t, dialect)
		count := func() int {
			cs, _, err := e.ListCustomers(context.Background(), acct, kessai.Page{Limit: 100})
			if err != nil {
				t.Fatal(err)
			}
			return len(cs)
		}

		t.Run("first_runs_and_records", func(t *testing.T) {
			ctx, idem := keyed("k1", "create", "h1")
			c, err := e.CreateCustomer(ctx, acct, engine.CustomerParams{})
			if err != nil || !idem.Done || idem.Replayed || string(idem.Body) != c.ID {
				t.Fatalf("first: %v %+v", err, idem)
			}
		})
		t.Run("same_key_replays_without_running", func(t *testing.T) {
			before := count()
			ctx, idem := keyed("k1", "create", "h1")
			_, err := e.CreateCustomer(ctx, acct, engine.CustomerParams{})
			if !errors.Is(err, engine.ErrReplayed) || !idem.Replayed || idem.Status != 200 {
				t.Fatalf("replay: %v %+v", err, idem)
			}
			if count() != before {
				t.Error("the replay created a customer")
			}
		})
		t.Run("other_parameters_conflict", func(t *testing.T) {
			ctx, idem := keyed("k1", "create", "h2")
			_, err := e.CreateCustomer(ctx, acct, engine.CustomerParams{})
			if kessai.ErrorCode(err) != kessai.IdempotencyConflict || idem.Done {
				t.Fatalf("got %v %+v", err, idem)
			}
		})
		t.Run("other_operation_is_reference_id_in_use", func(t *testing.T) {
			ctx, _ := keyed("k1", "delete", "h1")
			_, err := e.CreateCustomer(ctx, acct, engine.CustomerParams{})
			if kessai.ErrorCode(err) != kessai.ReferenceIDInUse {
				t.Fatalf("got %v", err)
			}
		})
		t.Run("refusal_is_recorded_and_replayed", func(t *testing.T) {
			ctx, idem := keyed("k-missing", "delete", "h")
			_, err := e.DeleteCustomer(ctx, acct, "cus_nope")
			if kessai.ErrorCode(err) != kessai.NotFound || !idem.Done || string(idem.Body) != "not_found" {
				t.Fatalf("first: %v %+v", err, idem)
			}
			ctx, idem = keyed("k-missing", "delete", "h")
			if _, err := e.DeleteCustomer(ctx, acct, "cus_nope"); !errors.Is(err, engine.ErrReplayed) || string(idem.Body) != "not_found" {
				t.Fatalf("replay: %v %+v", err, idem)
			}
		})
		t.Run("concurrent_requests_write_once", func(t *testing.T) {
			before := count()
			const n = 16
			var wg sync.WaitGroup
			bodies := make([]string, n)
			errs := make([]error, n)
			for i := range n {
				wg.Add(1)
				go func() {
					defer wg.Done()
					ctx, idem := keyed("race", "create", "h")
					_, errs[i] = e.CreateCustomer(ctx, acct, engine.CustomerParams{})
					bodies[i] = string(idem.Body)
				}()
			}
			wg.Wait()
			replays := 0
			for i := range n {
				if errors.Is(errs[i], engine.ErrReplayed) {
					replays++
				} else if errs[i] != nil {
					t.Errorf("request %d: %v", i, errs[i])
				}
				if bodies[i] != bodies[0] || bodies[i] == "" {
					t.Errorf("request %d answered %q, request 0 %q", i, bodies[i], bodies[0])
				}
			}
			if got := count(); got != before+1 || replays != n-1 {
				t.Errorf("%d customers created, %d replays; want 1 and %d", got-before, replays, n-1)
			}
		})
		t.Run("keys_are_per_account", func(t *testing.T) {
			na, err := e.CreateAccount(context.Background(), "other", false, "jp")
			if err != nil {
				t.Fatal(err)
			}
			other, _ := e.Authenticate(context.Background(), na.SecretKey)
			ctx, idem := keyed("k1", "create", "h1")
			if _, err := e.CreateCustomer(ctx, other, engine.CustomerParams{}); err != nil || idem.Replayed {
				t.Fatalf("other account: %v %+v", err, idem)
			}
		})
	})
}

func TestEngine_MWSAccount(t *testing.T) {
	t.Parallel()
	testdb.ForEach(t, func(t *testing.T, dialect string) {
		e, _ := mustEngine(t, dialect)
		ctx := context.Background()
		na, err := e.CreateAccount(ctx, "mws", false, "us")
		if err != nil {
			t.Fatal(err)
		}
		t.Run("known_key_opens_its_secret", func(t *testing.T) {
			acct, secret, err := e.MWSAccount(ctx, na.MWS.AccessKeyID)
			if err != nil || acct.ID != na.ID || secret != na.MWS.SecretKey || acct.MWS.Region != "us" {
				t.Fatalf("got %v %v (secret matches: %v)", acct, err, secret == na.MWS.SecretKey)
			}
		})
		t.Run("unknown_key_is_unauthorized", func(t *testing.T) {
			if _, _, err := e.MWSAccount(ctx, "AKIANOTAKEY"); kessai.ErrorCode(err) != kessai.Unauthorized {
				t.Fatalf("got %v", err)
			}
		})
	})
}
