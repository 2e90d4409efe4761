package engine

import (
	"context"
	"errors"
	"time"

	"github.com/kessai/kessai"
)

// Key is an idempotency key: a PAY.JP Idempotency-Key header or an MWS
// reference id, with what identifies the request made under it.
type Key struct {
	Scope       string // kessai.ScopeIdempotencyKey or kessai.ScopeReferenceID
	Key         string
	Operation   string // another operation with the key: reference_id_in_use
	RequestHash string // other parameters with the key: idempotency_conflict
	TTL         time.Duration
}

// Render turns a write's outcome — its result, or a failure it committed
// or refused with — into the face's response. It runs inside the write's
// transaction, so it must not do I/O.
type Render func(result any, failure error) (status int, body []byte, err error)

// Outcome is what a command run under a key answers.
type Outcome struct {
	// Done: the response below was stored with the write's commit, or found
	// stored; send it as it is. When false, the command ran no write under
	// the key (it was refused before one started, or wrote nothing), and
	// the caller answers Result or the error itself.
	Done     bool
	Replayed bool // the response is a earlier request's, replayed
	Status   int
	Body     []byte
	Result   any // the command's result, when it ran
}

// Run runs a command at most once under key: fn calls one write of the
// engine it is given, and that write decides the key in its own
// transaction.
//
//   - no record of the key: the write runs, and its response (rendered by
//     render from the result, or from a failure the write committed) is
//     stored in the same transaction;
//   - a record with the same Operation and RequestHash: nothing runs, and
//     the stored response is replayed;
//   - the same key with other parameters: idempotency_conflict; with
//     another Operation: reference_id_in_use (both recorded as refusals
//     that the face renders).
//
// A failure that rolls the write back (a rule refused it) is stored too, in
// a transaction of its own, so that a retry is answered alike. A command
// refused before its write starts (malformed input) stores nothing. The key
// is looked up with the account at the write's start, again once the
// payment is locked, and its record stored with the commit: of two
// concurrent requests with one key, the second finds the first's record,
// or is rolled back by it and runs again to replay it.
func (e *Engine) Run(ctx context.Context, key Key, render Render, fn func(e *Engine) (any, error)) (Outcome, error) {
	k := &keyed{key: key, render: render}
	res, err := fn(&Engine{state: e.state, key: k})
	if k.done {
		return k.out, nil
	}
	if errors.Is(err, errReplayed) {
		err = kessai.WrapInternal("engine.Run", err) // a replay always carries its response
	}
	return Outcome{Result: res}, err
}

// keyed is the state of one command under a key.
type keyed struct {
	key    Key
	render Render
	done   bool // set once the transaction that stored or found the response committed
	out    Outcome
}

// errReplayed is returned by a write that did not run because its key had
// been used by the same request before; the response is in its keyed.
var errReplayed = errors.New("engine: idempotent replay")

// check looks the key up inside tx: a replay, a refusal, or nothing yet.
func (k *keyed) check(ctx context.Context, tx kessai.Tx, acct *kessai.Account, op string) (bool, error) {
	rec, err := tx.Idempotency(ctx, acct.ID, k.key.Scope, k.key.Key)
	if errors.Is(err, kessai.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return k.answer(rec, op)
}

// answer decides a request whose key has a record: a replay of the same
// request (true), or a refusal.
func (k *keyed) answer(rec *kessai.IdempotencyRecord, op string) (bool, error) {
	if rec.Operation != k.key.Operation {
		return false, kessai.Errorf(kessai.ReferenceIDInUse, op, "The key %q was already used by another operation.", k.key.Key)
	}
	if rec.RequestHash != k.key.RequestHash {
		return false, kessai.Errorf(kessai.IdempotencyConflict, op, "The key %q was already used with different parameters.", k.key.Key)
	}
	k.out = Outcome{Done: true, Replayed: true, Status: rec.Status, Body: rec.Body}
	return true, nil
}

// newRecord renders the outcome as the key's record.
func (k *keyed) newRecord(acct *kessai.Account, now time.Time, result any, failure error) (*kessai.IdempotencyRecord, error) {
	status, body, err := k.render(result, failure)
	if err != nil {
		return nil, err
	}
	rec := &kessai.IdempotencyRecord{AccountID: acct.ID, Scope: k.key.Scope, Key: k.key.Key, Operation: k.key.Operation,
		RequestHash: k.key.RequestHash, Status: status, Body: body, CreatedAt: now}
	if k.key.TTL > 0 {
		rec.ExpiresAt = now.Add(k.key.TTL)
	}
	k.out = Outcome{Done: true, Status: status, Body: body, Result: result}
	return rec, nil
}

// complete renders the outcome and stores it under the key with the
// write's commit. A concurrent request with the key that committed first
// makes the commit fail with kessai.ErrKeyTaken: the write then runs again,
// finds that request's record and replays it.
func (k *keyed) complete(ctx context.Context, tx kessai.Tx, acct *kessai.Account, now time.Time, result any, failure error) error {
	rec, err := k.newRecord(acct, now, result, failure)
	if err != nil {
		return err
	}
	return tx.InsertIdempotencyLater(ctx, rec)
}

// record renders the outcome and stores it under the key inside tx.
func (k *keyed) record(ctx context.Context, tx kessai.Tx, acct *kessai.Account, now time.Time, result any, failure error) error {
	rec, err := k.newRecord(acct, now, result, failure)
	if err != nil {
		return err
	}
	if err := tx.InsertIdempotency(ctx, rec); err != nil {
		if errors.Is(err, kessai.ErrDuplicate) {
			return kessai.ErrKeyTaken
		}
		return err
	}
	return nil
}

// recordFailure stores a refusal that rolled its write back, unless the key
// was recorded meanwhile, in which case that record is replayed.
func (e *Engine) recordFailure(ctx context.Context, k *keyed, acct *kessai.Account, op string, failure error) error {
	for attempt := 0; ; attempt++ {
		err := e.Store.Update(ctx, func(tx kessai.Tx) error {
			if replay, err := k.check(ctx, tx, acct, op); replay || err != nil {
				return err
			}
			return k.record(ctx, tx, acct, e.Clock.Now(), nil, failure)
		})
		if err == nil {
			k.done = true // durable: the response may be sent
		}
		if !errors.Is(err, kessai.ErrKeyTaken) || attempt >= maxKeyAttempts {
			return err
		}
	}
}
