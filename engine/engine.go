// Package engine holds kessai's rules: every operation that changes money or
// state runs here as one store transaction together with its ledger
// postings, its event, its idempotency record and the jobs it schedules.
// The faces (payjp, kessaiapi) translate wire formats to these calls.
package engine

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/kessai/kessai"
	"github.com/kessai/kessai/ledger"
)

// Config holds the engine's settings; zero values take the defaults.
type Config struct {
	// SettleDelayPayPay is how long a PayPay refund stays pending (SPEC §5: 5 s).
	SettleDelayPayPay time.Duration
	// SettleDelayAmazon is how long an Amazon refund, asynchronous
	// authorization or capture stays pending (SPEC §5: 30 s).
	SettleDelayAmazon time.Duration
	// PublicURL is the base URL that buyers' redirects (next_action) point to.
	PublicURL string
	// MaxInflight is how many write transactions, and separately how many
	// read transactions, requests may run on the store at once; the
	// others wait, fairly between accounts (DefaultMaxInflight).
	MaxInflight int
	// MaxQueueWait is how long a request may wait for its turn; one that
	// would wait longer is answered at once, busy, with Retry-After
	// (DefaultMaxQueueWait).
	MaxQueueWait time.Duration
	// ObserveQueueWait, when set, is told how long each admitted request
	// waited for its turn, by queue ("write" or "read"): for metrics.
	ObserveQueueWait func(queue string, wait time.Duration)
	// Delivery is the retry schedule of notifications (webhooks, IPNs,
	// emails): how the worker backs off between attempts and when it gives
	// up. Zero fields take DefaultDelivery's.
	Delivery RetrySchedule
}

// RetrySchedule is the backoff of a kind of job: retry n waits Base ×
// 2^(n−1), at most Max, less up to a quarter of random jitter; the job is
// given up after Attempts attempts.
type RetrySchedule struct {
	Base     time.Duration
	Max      time.Duration
	Attempts int
}

// Defaults of Config.
const (
	DefaultSettleDelayPayPay = 5 * time.Second
	DefaultSettleDelayAmazon = 30 * time.Second
)

// DefaultDelivery retries a notification after 30 s, 1 min, 2 min, … up to
// every 8 h, 25 attempts in all: about 5 days, and at least 3¾ days however
// the jitter falls.
var DefaultDelivery = RetrySchedule{Base: 30 * time.Second, Max: 8 * time.Hour, Attempts: 25}

// WithDefaults returns c with zero fields set to their defaults.
func (c Config) WithDefaults() Config {
	if c.MaxInflight == 0 {
		c.MaxInflight = DefaultMaxInflight
	}
	if c.MaxQueueWait == 0 {
		c.MaxQueueWait = DefaultMaxQueueWait
	}
	if c.SettleDelayPayPay == 0 {
		c.SettleDelayPayPay = DefaultSettleDelayPayPay
	}
	if c.SettleDelayAmazon == 0 {
		c.SettleDelayAmazon = DefaultSettleDelayAmazon
	}
	if c.Delivery.Base == 0 {
		c.Delivery.Base = DefaultDelivery.Base
	}
	if c.Delivery.Max == 0 {
		c.Delivery.Max = max(DefaultDelivery.Max, c.Delivery.Base)
	}
	if c.Delivery.Attempts == 0 {
		c.Delivery.Attempts = DefaultDelivery.Attempts
	}
	return c
}

// Validate reports a setting that cannot work.
func (c Config) Validate() error {
	if c.SettleDelayPayPay < 0 || c.SettleDelayAmazon < 0 {
		return errors.New("engine: settlement delays must not be negative")
	}
	if c.MaxInflight < 1 || c.MaxQueueWait <= 0 {
		return errors.New("engine: admission needs at least one transaction in flight and a positive queue wait")
	}
	if c.Delivery.Base <= 0 || c.Delivery.Max < c.Delivery.Base || c.Delivery.Attempts < 1 {
		return errors.New("engine: the delivery schedule needs 0 < base ≤ max and at least one attempt")
	}
	return nil
}

// Engine runs the rules over a Store. An *Engine is a handle on the
// engine's state: New makes the first; Run hands a command another one
// whose write runs under the command's idempotency key.
type Engine struct {
	*state
	// key is the idempotency key this handle's write runs under (nil:
	// none); see Run.
	key *keyed
	// background: the handle runs jobs, which admission lets through
	// (the worker bounds them itself, and a shed job would only retry).
	background bool
}

// state is what every handle of one engine shares.
type state struct {
	Store  kessai.Store
	Clock  kessai.Clock // the base clock; each test-mode account runs ahead of it by its offset
	Log    *slog.Logger
	Config Config

	jobs map[string]*jobKind
	// memo holds the engines' caches of features (see Memo).
	memo        sync.Map
	listStep    int                     // items listWhere reads at a time (0: 100)
	due         atomic.Pointer[DueJobs] // runs what a clock advance makes due (see Advance)
	outage      atomic.Bool             // the store is unavailable (see storeErr)
	unavailable atomic.Uint64           // store calls answered unavailable
	writes      *gate                   // admission of requests' write transactions
	reads       *gate                   // admission of requests' read transactions
	// serial: the store runs its writes one after another, so a key read
	// at a write's start cannot be recorded under it (see recheckKey).
	serial bool
	master struct {
		sync.Mutex
		key []byte // the master key, once read (see Unseal)
	}
	ipn struct {
		sync.Mutex
		key *IPNKey // once read or made (see IPNSigningKey)
	}
}

// New returns an Engine.
func New(store kessai.Store, clock kessai.Clock, log *slog.Logger, cfg Config) (*Engine, error) {
	cfg = cfg.WithDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if clock == nil {
		clock = kessai.SystemClock{}
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	st := &state{Store: store, Clock: clock, Log: log, Config: cfg, jobs: jobKinds(cfg),
		writes: newGate("write", cfg.MaxInflight, cfg.MaxQueueWait), reads: newGate("read", cfg.MaxInflight, cfg.MaxQueueWait)}
	if sw, ok := store.(kessai.SerialWriter); ok {
		st.serial = sw.SerialWrites()
	}
	if obs := cfg.ObserveQueueWait; obs != nil {
		st.writes.observe = func(d time.Duration) { obs("write", d) }
		st.reads.observe = func(d time.Duration) { obs("read", d) }
	}
	return &Engine{state: st}, nil
}

// Now returns the business time of an account: the base clock plus the
// account's test-clock offset (live accounts have none).
func (e *Engine) Now(a *kessai.Account) time.Time {
	now := e.Clock.Now().UTC()
	if !a.Livemode {
		now = now.Add(a.ClockOffset)
	}
	return now.Truncate(time.Microsecond)
}

// committed marks an error that is the outcome of a write that commits
// anyway (a decline is recorded on the payment and reported).
type committed struct{ err error }

func (c *committed) Error() string { return c.err.Error() }

// Committed marks err as the outcome of a write that commits anyway: a
// decline recorded on the payment and reported to the caller.
func Committed(err error) error { return &committed{err} }

// IsCommitted reports whether err was marked by Committed.
func IsCommitted(err error) bool {
	var c *committed
	return errors.As(err, &c)
}

// W is the state of one write transaction.
type W struct {
	ctx  context.Context
	tx   kessai.Tx
	acct *kessai.Account
	now  time.Time
	e    *Engine

	vals map[any]any // what features keep for the length of the write (see W.Value)
	// postings: the ledger entries of the write so far, stored together at
	// its end (flushPostings), one statement for a refund's two ledger
	// transactions (the refund and its fee given back).
	postings []kessai.LedgerEntry
	// afterCommit runs once the write has committed (see AfterCommit).
	afterCommit []func()
	// idem is the key the write runs under (nil: none), looked up again
	// once the payment is locked (see recheckKey).
	idem       *keyed
	keyChecked bool
}

// errKeyRecorded rolls a write back whose key was found recorded after the
// payment's lock: the next attempt replays that record.
var errKeyRecorded = errors.New("engine: the key was recorded by a concurrent request")

// recheckKey looks the write's key up again once the payment it acts on is
// locked. A concurrent request with the same key that held the lock first
// has committed by now, record and all; without this look the write would
// run a second time on what the first left (and, for an MWS reference id,
// collide with the first's object). The write is rolled back and run
// again, and the next attempt replays the record.
//
// A store with one writer (SQLite) needs no second look: the key's record
// of any write before this one was visible at its start.
func (w *W) recheckKey() error {
	if w.idem == nil || w.keyChecked || w.e.serial {
		return nil
	}
	w.keyChecked = true
	_, err := w.tx.Idempotency(w.ctx, w.acct.ID, w.idem.key.Scope, w.idem.key.Key)
	switch {
	case errors.Is(err, kessai.ErrNoRows):
		return nil
	case err != nil:
		return err
	}
	return errKeyRecorded
}

// write runs fn in one transaction. The account is read again inside it, so
// that "now" reflects its current test clock; every row of the transaction
// shares that one timestamp. On a handle of Run, the key is decided and the
// response recorded in the same transaction (see Run).
func (e *Engine) write(ctx context.Context, acct *kessai.Account, op string, fn func(w *W) (any, error)) (any, error) {
	if !e.background {
		release, err := e.writes.acquire(ctx, acct.ID)
		if err != nil {
			return nil, err
		}
		defer release()
	}
	idem := e.key
	var result any
	var failure error
	var last *W
	for attempt := 0; ; attempt++ {
		replayed := false
		err := e.Store.Update(ctx, func(tx kessai.Tx) error {
			last = nil
			var fresh *kessai.Account
			var rec *kessai.IdempotencyRecord
			var err error
			if idem != nil {
				fresh, rec, err = tx.AccountWithIdempotency(ctx, acct.ID, idem.key.Scope, idem.key.Key)
			} else {
				fresh, err = tx.Account(ctx, acct.ID, false)
			}
			if err != nil {
				return fmt.Errorf("%s: account: %w", op, err)
			}
			if rec != nil {
				replayed, err = idem.answer(rec, op)
				return err
			}
			w := &W{ctx: ctx, tx: tx, acct: fresh, now: e.Now(fresh), e: e, idem: idem}
			last = w
			result, failure = nil, nil
			res, err := fn(w)
			var c *committed
			if errors.As(err, &c) {
				failure = c.err
			} else if err != nil {
				return err
			}
			if err := w.flushPostings(); err != nil {
				return err
			}
			result = res
			if idem != nil {
				return idem.complete(ctx, tx, fresh, e.Clock.Now(), result, failure)
			}
			return nil
		})
		if err == nil {
			e.storeOK()
		}
		if err == nil && idem != nil {
			idem.done = true // committed: the stored response may be sent
		}
		if err == nil && last != nil {
			for _, fn := range last.afterCommit {
				fn()
			}
		}
		// Another request with the key committed first: its record, stored
		// with its commit, made this commit fail (kessai.ErrKeyTaken); or,
		// for an MWS reference id, which is also a unique key of the object
		// it names, this write's own insert. The next attempt finds the
		// record and replays it; a real duplicate fails again.
		taken := errors.Is(err, kessai.ErrKeyTaken) || errors.Is(err, errKeyRecorded) || idem != nil && errors.Is(err, kessai.ErrDuplicate)
		switch {
		case taken && attempt < maxKeyAttempts:
			continue
		case taken && kessai.ErrorCode(err) == kessai.Internal:
			// Still taken after every attempt: the key's holder has not
			// committed its record; the client may try again.
			return nil, kessai.Errorf(kessai.IdempotencyInProgress, op, "A request with the key %q is still running; try again.", idem.key.Key)
		case err == nil && replayed:
			return nil, errReplayed
		case err == nil:
			return result, failure
		}
		err = e.storeErr(op, err)
		if idem != nil && recordable(err) {
			if rerr := e.recordFailure(ctx, idem, acct, op, err); rerr != nil {
				return nil, e.storeErr(op, rerr)
			}
			if idem.out.Replayed {
				return nil, errReplayed
			}
		}
		return nil, err
	}
}

// maxKeyAttempts is how many times a write runs again when its key, or the
// reference id of the object it inserts, was taken by a concurrent request:
// each attempt after a collision finds the holder's record, so more than
// one retry is rare.
const maxKeyAttempts = 8

// recordable reports whether a write's failure is an answer to the
// request that its key keeps (a rule's refusal), rather than one that says
// nothing about it (a bug, an outage) or the key's own refusal.
func recordable(err error) bool {
	switch kessai.ErrorCode(err) {
	case kessai.Internal, kessai.Unavailable:
		return false
	}
	return !isKeyRefusal(err)
}

func isKeyRefusal(err error) bool {
	c := kessai.ErrorCode(err)
	return c == kessai.IdempotencyConflict || c == kessai.ReferenceIDInUse
}

// storeErr turns store sentinels into kessai errors.
func storeErr(op string, err error) error {
	var ke *kessai.Error
	switch {
	case errors.As(err, &ke):
		return err
	case errors.Is(err, kessai.ErrNoRows):
		return &kessai.Error{Code: kessai.NotFound, Op: op, Message: "Not found.", Err: err}
	case errors.Is(err, kessai.ErrUnavailable):
		return &kessai.Error{Code: kessai.Unavailable, Op: op, Message: "The database is unavailable; nothing was done. Try again in a moment.", Err: err}
	}
	return kessai.WrapInternal(op, err)
}

// storeErr is storeErr, and notes an outage's start and end in the log
// once each rather than once per request.
func (e *Engine) storeErr(op string, err error) error {
	err = storeErr(op, err)
	if kessai.ErrorCode(err) == kessai.Unavailable {
		e.unavailable.Add(1)
		if e.outage.CompareAndSwap(false, true) {
			e.Log.Warn("database unavailable: answering 503 until it is back", "op", op, "err", err)
		}
	}
	return err
}

// storeOK notes that the store answered: an outage, if one was noted, is
// over.
func (e *Engine) storeOK() {
	if e.outage.Load() && e.outage.CompareAndSwap(true, false) {
		e.Log.Info("database available again")
	}
}

// view runs fn in a read-only transaction.
func (e *Engine) view(ctx context.Context, op string, fn func(tx kessai.Tx) error) error {
	if !e.background {
		release, err := e.reads.acquire(ctx, "")
		if err != nil {
			return err
		}
		defer release()
	}
	if err := e.Store.View(ctx, fn); err != nil {
		return e.storeErr(op, err)
	}
	e.storeOK()
	return nil
}

// emit records a PAY.JP face event whose data is obj as it is now.
func (w *W) emit(typ, object, resourceID string, obj any) error {
	return w.emitFace(kessai.FacePayJP, typ, object, resourceID, obj)
}

// emitFace records an event of a face whose data is obj as it is now, and
// its deliveries to the account's endpoints that want it.
func (w *W) emitFace(face, typ, object, resourceID string, obj any) error {
	data, err := json.Marshal(obj)
	if err != nil {
		return err
	}
	ev := &kessai.Event{AccountID: w.acct.ID, ID: kessai.NewID(kessai.PrefixEvent), Face: face,
		Livemode: w.acct.Livemode, Type: typ, Object: object, ResourceID: resourceID, Data: data, CreatedAt: w.now}
	if err := w.tx.Insert(w.ctx, ev); err != nil {
		return err
	}
	features.RLock()
	hooks := features.onEvent
	features.RUnlock()
	for _, h := range hooks {
		if err := h(w, ev); err != nil {
			return err
		}
	}
	return nil
}

// post writes one balanced ledger transaction.
func (w *W) post(paymentID, currency string, legs []ledger.Leg) error {
	entries, err := ledger.Txn(w.acct.ID, paymentID, currency, w.now, legs...)
	if err != nil {
		return err
	}
	w.postings = append(w.postings, entries...)
	return nil
}

// flushPostings stores the write's ledger entries so far: at the end of
// the write, and before anything in it reads the ledger.
func (w *W) flushPostings() error {
	if len(w.postings) == 0 {
		return nil
	}
	err := w.tx.InsertLedgerEntries(w.ctx, w.postings)
	w.postings = nil
	return err
}

// Job kinds.
const (
	JobSettleRefund = "settle_refund"
	// JobAmazonRefundSettle is the settlement of an Amazon refund queued by
	// builds before refunds settled in one place: it runs settleRefund.
	JobAmazonRefundSettle = "amazon_refund_settle"
)

// jobHandler runs one job inside its write.
type jobHandler = JobHandler

// OutsideHandler runs one job outside any transaction: it reads what it
// needs in read transactions, talks to the outside world, and records the
// outcome in writes of its own, so that a slow network never holds a
// database connection or a write lock. It must be idempotent, like every
// handler. An error retries the job (a *RetryAfter says no sooner than
// when).
type OutsideHandler func(ctx context.Context, j *kessai.Job) error

// RetryAfter is a job's error that asks for its retry no sooner than After
// (a receiver's Retry-After).
type RetryAfter struct {
	After time.Duration
	Err   error
}

func (r *RetryAfter) Error() string { return r.Err.Error() }
func (r *RetryAfter) Unwrap() error { return r.Err }

// jobKind is an entry of the job registry: a handler that runs inside a
// write, or one that runs outside any (registered by the package that
// handles the kind, see HandleOutside); the queue its jobs join; and its
// retry schedule (nil: the worker's own backoff and the job's attempts).
type jobKind struct {
	run     jobHandler
	outside OutsideHandler
	queue   string
	retry   *RetrySchedule
}

// jobOf adapts a handler of a typed payload.
func jobOf[P any](fn func(w *W, p P) error) jobHandler {
	return func(w *W, payload json.RawMessage) error {
		var p P
		if err := json.Unmarshal(payload, &p); err != nil {
			return fmt.Errorf("job payload: %w", err)
		}
		return fn(w, p)
	}
}

// jobKinds is the registry of job kinds: the worker runs any job through
// RunJob, so a new kind is one entry here and a handler. Kinds whose
// handlers run outside a write are listed with their queue and schedule;
// their handlers are registered by the package that does the work.
func jobKinds(cfg Config) map[string]*jobKind {
	kinds := map[string]*jobKind{
		JobSettleRefund:       {run: jobOf((*W).settleRefund)},
		JobAmazonRefundSettle: {run: jobOf((*W).settleRefund)},
	}
	features.RLock()
	defer features.RUnlock()
	for k, h := range features.jobs {
		kinds[k] = &jobKind{run: h}
	}
	for _, k := range features.outside {
		kinds[k] = &jobKind{queue: kessai.JobQueueNotify, retry: &cfg.Delivery}
	}
	return kinds
}

// handles reports whether a handler of kind is registered.
func (e *Engine) handles(kind string) bool {
	k, ok := e.jobs[kind]
	return ok && (k.run != nil || k.outside != nil)
}

// HandleOutside registers the handler of a kind that runs outside any
// transaction (package notify's deliveries). Call it before a worker runs.
func (e *Engine) HandleOutside(kind string, h OutsideHandler) {
	k, ok := e.jobs[kind]
	if !ok {
		k = &jobKind{queue: kessai.JobQueueNotify}
		e.jobs[kind] = k
	}
	k.outside = h
}

// JobRetry returns the retry schedule of a kind of job; false when the
// worker's own backoff applies.
func (e *Engine) JobRetry(kind string) (RetrySchedule, bool) {
	if k, ok := e.jobs[kind]; ok && k.retry != nil {
		return *k.retry, true
	}
	return RetrySchedule{}, false
}

// schedule writes a job due at the account's business time runAt.
func (w *W) schedule(kind string, payload any, runAt time.Time) error {
	_, err := w.scheduleJob(kind, payload, runAt)
	return err
}

// scheduleJob is schedule that returns the job.
func (w *W) scheduleJob(kind string, payload any, runAt time.Time) (*kessai.Job, error) {
	data, err := json.Marshal(payload)
	if err != nil {
		return nil, err
	}
	due := runAt
	if !w.acct.Livemode {
		due = runAt.Add(-w.acct.ClockOffset)
	}
	j := &kessai.Job{ID: kessai.NewID(kessai.PrefixJob), AccountID: w.acct.ID, Kind: kind,
		Payload: data, State: kessai.JobPending, MaxAttempts: 25, RunAt: runAt, DueAt: due,
		CreatedAt: w.e.Clock.Now(), UpdatedAt: w.e.Clock.Now()}
	if k, ok := w.e.jobs[kind]; ok {
		j.Queue = k.queue
		if k.retry != nil {
			j.MaxAttempts = k.retry.Attempts
		}
	}
	return j, w.tx.InsertJob(w.ctx, j)
}

// notFound is the error for an id the account does not have.
func notFound(op, what, id string) error {
	return &kessai.Error{Code: kessai.NotFound, Op: op, Message: fmt.Sprintf("%s: %s not found.", what, id)}
}

// get loads an account's document or answers not found.
func get(ctx context.Context, tx kessai.Tx, kind kessai.Kind, acct, id string, lock bool, dst any, op, what string) error {
	err := tx.Get(ctx, kind, acct, id, lock, dst)
	if errors.Is(err, kessai.ErrNoRows) {
		return notFound(op, what, id)
	}
	return err
}

// list is a typed page of documents.
func list[T any](ctx context.Context, e *Engine, acct *kessai.Account, kind kessai.Kind, filter map[string]string, page kessai.Page, op, what string) ([]*T, bool, error) {
	var out []*T
	var hasMore bool
	err := e.view(ctx, op, func(tx kessai.Tx) error {
		for _, cursor := range []string{page.StartingAfter, page.EndingBefore} {
			if cursor == "" {
				continue
			}
			ok, err := tx.Exists(ctx, kind, acct.ID, cursor)
			if err != nil {
				return err
			}
			if !ok {
				return kessai.Errorf(kessai.ResourceMissing, op, "No such %s: '%s'", what, cursor)
			}
		}
		docs, more, err := tx.List(ctx, kind, acct.ID, filter, page)
		if err != nil {
			return err
		}
		hasMore = more
		out = make([]*T, 0, len(docs))
		for _, d := range docs {
			v := new(T)
			if err := json.Unmarshal(d, v); err != nil {
				return err
			}
			out = append(out, v)
		}
		return nil
	})
	return out, hasMore, err
}

// listWhere is list that also keeps only the items keep accepts (filters
// the store has no column for, such as dates). It reads the store's pages
// in the direction of travel until it has a page of kept items and one
// more, so paging and has_more stay exact; it reads as far as it must, so
// it suits lists that stay short (an account's statements and balances,
// a few per month).
func listWhere[T any](ctx context.Context, e *Engine, acct *kessai.Account, kind kessai.Kind, filter map[string]string, page kessai.Page, op, what string, keep func(*T) bool) ([]*T, bool, error) {
	if page.Limit <= 0 {
		page.Limit = 10
	}
	before := page.StartingAfter == "" && page.EndingBefore != ""
	var kept []*T // nearest the cursor first
	step := kessai.Page{Limit: 100, StartingAfter: page.StartingAfter, EndingBefore: page.EndingBefore}
	if e.listStep > 0 {
		step.Limit = e.listStep // tests: several reads per page
	}
	if before {
		step.StartingAfter = ""
	}
	for len(kept) <= page.Limit {
		items, more, err := list[T](ctx, e, acct, kind, filter, step, op, what)
		if err != nil {
			return nil, false, err
		}
		if len(items) == 0 {
			break
		}
		if before { // newest first: the nearest to the cursor is last
			for i := len(items) - 1; i >= 0 && len(kept) <= page.Limit; i-- {
				if keep(items[i]) {
					kept = append(kept, items[i])
				}
			}
			step.EndingBefore = idOf(items[0])
		} else {
			for _, it := range items {
				if len(kept) <= page.Limit && keep(it) {
					kept = append(kept, it)
				}
			}
			step.StartingAfter = idOf(items[len(items)-1])
		}
		if !more {
			break
		}
	}
	hasMore := len(kept) > page.Limit
	if hasMore {
		kept = kept[:page.Limit]
	}
	if before {
		slices.Reverse(kept)
	}
	return kept, hasMore, nil
}

// idOf is the id of a stored document.
func idOf(v any) string {
	if d, ok := v.(kessai.Document); ok {
		_, id := d.DocKey()
		return id
	}
	panic(fmt.Sprintf("engine: %T is not a document", v))
}
