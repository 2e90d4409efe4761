package engine

import (
	"context"
	"errors"
	"time"

	"github.com/kessai/kessai"
)

// Idempotency asks the one write of a request to run at most once under a
// key: a PAY.JP Idempotency-Key or an MWS reference id. The engine decides
// it inside the write's own transaction:
//
//   - no record of the key: the write runs, and its response (rendered by
//     Render from the result, or from a failure the write committed) is
//     stored in the same transaction;
//   - a record with the same Operation and RequestHash: nothing runs, and
//     the stored response is replayed (Replayed is set);
//   - the same key with another RequestHash: idempotency_conflict; with
//     another Operation: reference_id_in_use.
//
// A failure that rolls the write back (a rule refused it) is stored too, in
// a transaction of its own, so that a retry is answered alike. Requests
// refused before the write starts (malformed input) store nothing. The key
// is looked up with the account at the write's start and its record stored
// with the commit: of two concurrent requests with one key, the one that
// commits second finds the key taken by the record's unique key, is rolled
// back, runs again and replays the first.
type Idempotency struct {
	Scope       string // kessai.ScopeIdempotencyKey or kessai.ScopeReferenceID
	Key         string
	Operation   string
	RequestHash string
	TTL         time.Duration // how long the record is kept; 0: for good
	// Render turns the write's outcome into the face's response. It runs
	// inside the transaction, so it must not do I/O.
	Render func(result any, failure error) (status int, body []byte, err error)

	// Set by the engine once the transaction that stored or found the
	// response is committed: the response to send.
	Done     bool
	Replayed bool
	Status   int
	Body     []byte
}

type idemKey struct{}

// WithIdempotency returns a context whose write runs under idem. The
// context is the request's; jobs and other writes that are not the
// request's own do not see it.
func WithIdempotency(ctx context.Context, idem *Idempotency) context.Context {
	return context.WithValue(ctx, idemKey{}, idem)
}

func idempotencyOf(ctx context.Context) *Idempotency {
	idem, _ := ctx.Value(idemKey{}).(*Idempotency)
	return idem
}

// ErrReplayed is returned by a write that did not run because its key had
// been used by the same request before; the response to send is in the
// request's Idempotency.
var ErrReplayed = errors.New("engine: idempotent replay")

// check looks the key up inside tx: a replay, a refusal, or nothing yet.
func (idem *Idempotency) check(ctx context.Context, tx kessai.Tx, acct *kessai.Account, op string) (bool, error) {
	rec, err := tx.Idempotency(ctx, acct.ID, idem.Scope, idem.Key)
	if errors.Is(err, kessai.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return idem.answer(rec, op)
}

// answer decides a request whose key has a record: a replay of the same
// request (true), or a refusal.
func (idem *Idempotency) answer(rec *kessai.IdempotencyRecord, op string) (bool, error) {
	if rec.Operation != idem.Operation {
		return false, kessai.Errorf(kessai.ReferenceIDInUse, op, "The key %q was already used by another operation.", idem.Key)
	}
	if rec.RequestHash != idem.RequestHash {
		return false, kessai.Errorf(kessai.IdempotencyConflict, op, "The key %q was already used with different parameters.", idem.Key)
	}
	idem.Replayed, idem.Status, idem.Body = true, rec.Status, rec.Body
	return true, nil
}

// complete renders the outcome and stores it under the key with the
// write's commit. A concurrent request with the key that committed first
// makes the commit fail with kessai.ErrKeyTaken: the write then runs again,
// finds that request's record and replays it.
func (idem *Idempotency) complete(ctx context.Context, tx kessai.Tx, acct *kessai.Account, now time.Time, result any, failure error) error {
	status, body, err := idem.Render(result, failure)
	if err != nil {
		return err
	}
	rec := &kessai.IdempotencyRecord{AccountID: acct.ID, Scope: idem.Scope, Key: idem.Key, Operation: idem.Operation,
		RequestHash: idem.RequestHash, Status: status, Body: body, CreatedAt: now}
	if idem.TTL > 0 {
		rec.ExpiresAt = now.Add(idem.TTL)
	}
	if err := tx.InsertIdempotencyLater(ctx, rec); err != nil {
		return err
	}
	idem.Replayed, idem.Status, idem.Body = false, status, body
	return nil
}

// record renders the outcome and stores it under the key inside tx.
func (idem *Idempotency) record(ctx context.Context, tx kessai.Tx, acct *kessai.Account, now time.Time, result any, failure error) error {
	status, body, err := idem.Render(result, failure)
	if err != nil {
		return err
	}
	rec := &kessai.IdempotencyRecord{AccountID: acct.ID, Scope: idem.Scope, Key: idem.Key, Operation: idem.Operation,
		RequestHash: idem.RequestHash, Status: status, Body: body, CreatedAt: now}
	if idem.TTL > 0 {
		rec.ExpiresAt = now.Add(idem.TTL)
	}
	if err := tx.InsertIdempotency(ctx, rec); err != nil {
		if errors.Is(err, kessai.ErrDuplicate) {
			return kessai.ErrKeyTaken
		}
		return err
	}
	idem.Replayed, idem.Status, idem.Body = false, status, body
	return nil
}

// recordFailure stores a refusal that rolled its write back, unless the key
// was recorded meanwhile, in which case that record is replayed.
func (e *Engine) recordFailure(ctx context.Context, idem *Idempotency, acct *kessai.Account, op string, failure error) error {
	for attempt := 0; ; attempt++ {
		err := e.Store.Update(ctx, func(tx kessai.Tx) error {
			if replay, err := idem.check(ctx, tx, acct, op); replay || err != nil {
				return err
			}
			return idem.record(ctx, tx, acct, e.Clock.Now(), nil, failure)
		})
		if err == nil {
			idem.Done = true // durable: the response may be sent
		}
		if !errors.Is(err, kessai.ErrKeyTaken) || attempt >= 3 {
			return err
		}
	}
}
