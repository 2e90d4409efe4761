package kessai

import (
	"context"
	"encoding/json"
	"time"
)

// Kind names a kind of stored object (its table).
type Kind string

// The kinds of stored objects.
const (
	KindCustomer      Kind = "customers"
	KindPaymentMethod Kind = "payment_methods"
	KindPayment       Kind = "payments"
	KindAuthorization Kind = "authorizations"
	KindCapture       Kind = "captures"
	KindRefund        Kind = "refunds"
	KindTransaction   Kind = "payment_transactions"
	KindTerm          Kind = "terms"
	KindSetupFlow     Kind = "setup_flows"
	KindMethodConfig  Kind = "payment_method_configurations"
	KindProduct       Kind = "products"
	KindPrice         Kind = "prices"
	KindTaxRate       Kind = "tax_rates"
	KindEvent         Kind = "events"
	KindFeeSchedule   Kind = "fee_schedules"
	KindDispute       Kind = "payment_disputes"
	KindStatement     Kind = "statements"
	KindBalance       Kind = "balances"
)

// Document is an object that a Store keeps as a JSON document with typed
// columns beside it: what a rule, a unique key or a list filters, sums or
// sorts on. DocIndex returns those columns' values (string, int64, int or
// time.Time); string columns can filter a List.
type Document interface {
	DocKind() Kind
	DocKey() (accountID, id string)
	DocIndex() map[string]any
}

// Page selects a page of a list. Lists run newest first (by id, which sorts
// by creation); StartingAfter and EndingBefore are ids of the same list.
type Page struct {
	Limit         int
	StartingAfter string
	EndingBefore  string
}

// Store is the durable state of kessai. Implementations: package sqlite and
// package postgres; storetest is the conformance suite they both pass.
type Store interface {
	// Update runs fn in a read-write transaction and commits it durably
	// (fsync) before returning; fn's error rolls it back. Two Update calls
	// that lock the same row with a lock=true lookup are serialised.
	Update(ctx context.Context, fn func(tx Tx) error) error
	// View runs fn in a read-only transaction.
	View(ctx context.Context, fn func(tx Tx) error) error
	// Dialect is "sqlite" or "postgres".
	Dialect() string
	Ping(ctx context.Context) error
	Close() error
}

// SerialWriter is implemented by a store whose writes run one after
// another on one writer (SQLite): a write's first read already sees every
// write before it, so what it read at its start cannot change under it.
type SerialWriter interface {
	SerialWrites() bool
}

// ClaimParams selects jobs for a worker to claim.
type ClaimParams struct {
	Now         time.Time // wall clock: jobs with DueAt <= Now are due
	Worker      string
	LockedUntil time.Time // the lease
	Limit       int
	AccountID   string // only this account's jobs, when set
	Queue       string // only jobs of this queue (JobQueueDefault or JobQueueNotify)
}

// JobStats summarises the job queue for metrics.
type JobStats struct {
	Due       int
	Running   int
	Failed    int
	OldestDue time.Time // zero when nothing is due
}

// NotifyStats summarises the notifications waiting to go out, for metrics:
// how many deliveries and emails are pending, and since when the oldest of
// each has been (base clock; zero when none is).
type NotifyStats struct {
	PendingDeliveries int
	OldestDelivery    time.Time
	PendingEmails     int
	OldestEmail       time.Time
}

// Tx is one store transaction. Every lookup of an account's object is scoped
// by the account id: an id of another account is ErrNoRows.
type Tx interface {
	InsertAccount(ctx context.Context, a *Account) error
	// AccountBySecretHash finds the account of a secret key: its current
	// one, or the one it replaced (Account.PreviousSecretKeyHash, whose
	// expiry the caller checks).
	AccountBySecretHash(ctx context.Context, hash string) (*Account, error)
	// UpdateAccount writes an account's keys and state after its creation
	// (a rotated secret key, disabled or enabled); its clock is
	// SetAccountClock's. ErrNoRows if there is no such account.
	UpdateAccount(ctx context.Context, a *Account) error
	// AccountByMWSAccessKey finds the account of an MWS AWSAccessKeyId.
	AccountByMWSAccessKey(ctx context.Context, accessKeyID string) (*Account, error)
	// Account finds an account by id; lock serialises writers on it.
	Account(ctx context.Context, id string, lock bool) (*Account, error)
	SetAccountClock(ctx context.Context, id string, offset time.Duration) error
	// Setting and PutSetting read and write server-wide settings.
	Setting(ctx context.Context, key string) (string, error)
	PutSetting(ctx context.Context, key, value string) error

	// Insert stores a new document; ErrDuplicate when its id is taken.
	Insert(ctx context.Context, d Document) error
	// Get loads a document into dst; lock serialises writers on it.
	Get(ctx context.Context, kind Kind, accountID, id string, lock bool, dst any) error
	// Put overwrites a stored document; ErrNoRows if it is not there.
	Put(ctx context.Context, d Document) error
	Delete(ctx context.Context, kind Kind, accountID, id string) error
	// List returns a page of an account's documents of kind, newest first,
	// that match every filter (column → value); has_more tells whether more
	// lie beyond the page in the direction of travel.
	List(ctx context.Context, kind Kind, accountID string, filter map[string]string, page Page) (docs []json.RawMessage, hasMore bool, err error)
	// Exists reports whether the account has a document of kind with id.
	Exists(ctx context.Context, kind Kind, accountID, id string) (bool, error)

	InsertLedgerEntries(ctx context.Context, entries []LedgerEntry) error
	// LedgerBalance sums the entries of one ledger account.
	LedgerBalance(ctx context.Context, accountID, ledgerAccount, currency string) (int64, error)
	// LedgerBalances sums every ledger account of an account, keyed
	// "ledger_account/currency".
	LedgerBalances(ctx context.Context, accountID string) (map[string]int64, error)
	// LedgerMovements sums the entries of every ledger account of an
	// account written in [from, to), keyed "ledger_account/currency".
	LedgerMovements(ctx context.Context, accountID string, from, to time.Time) (map[string]int64, error)
	// LedgerTxnSums sums each ledger transaction of an account per currency,
	// keyed "txn_id/currency"; every value is zero in a balanced ledger.
	LedgerTxnSums(ctx context.Context, accountID string) (map[string]int64, error)

	// Idempotency finds the record of a key; ErrNoRows when there is none.
	Idempotency(ctx context.Context, accountID, scope, key string) (*IdempotencyRecord, error)
	// InsertIdempotency stores a record; ErrDuplicate when the key is taken
	// (on PostgreSQL after waiting for a concurrent transaction that holds
	// the key to end).
	InsertIdempotency(ctx context.Context, r *IdempotencyRecord) error
	// AccountWithIdempotency is Account (not locked) and the record of an
	// idempotency key (nil when there is none), read together: a keyed
	// write's first statement.
	AccountWithIdempotency(ctx context.Context, accountID, scope, key string) (*Account, *IdempotencyRecord, error)
	// InsertIdempotencyLater stores a record at the latest with the
	// commit. If the key was taken meanwhile (a concurrent transaction
	// stored it first) the transaction fails with ErrKeyTaken and nothing
	// of it is committed.
	InsertIdempotencyLater(ctx context.Context, r *IdempotencyRecord) error
	// PurgeIdempotency deletes records that expired before t.
	PurgeIdempotency(ctx context.Context, before time.Time) (int, error)

	InsertJob(ctx context.Context, j *Job) error
	Job(ctx context.Context, id string) (*Job, error)
	// ClaimJobs marks due pending jobs of p.Queue (and its running jobs
	// whose lease has expired) as running for p.Worker and returns them,
	// oldest due first.
	ClaimJobs(ctx context.Context, p ClaimParams) ([]*Job, error)
	// FinishJob records the outcome of a claimed job (state, due time,
	// attempts, last error); false if the claim was
	// lost to another worker. A job that will retry goes back to pending.
	FinishJob(ctx context.Context, j *Job, worker string) (bool, error)
	// ShiftJobs moves the due time of an account's pending jobs of the
	// default queue earlier by d (the account's test clock moved forward by
	// d); notify jobs follow the wall clock.
	ShiftJobs(ctx context.Context, accountID string, d time.Duration) error
	JobStats(ctx context.Context, now time.Time) (JobStats, error)
	// NotifyStats reads the pending deliveries and emails of every account.
	NotifyStats(ctx context.Context) (NotifyStats, error)
	// AccountJobsRunning reports whether any job of the account's default
	// queue is claimed under a lease that has not expired at now, or is due
	// and not yet claimed (another worker's claim may not have committed
	// yet).
	AccountJobsRunning(ctx context.Context, accountID string, now time.Time) (bool, error)
	// AccountJobsBefore counts the account's default-queue jobs of kinds
	// other than exceptKind that are due to run (in business time) before
	// runAt and are claimed or due at now (wall clock): work that a closing
	// at runAt must wait for.
	AccountJobsBefore(ctx context.Context, accountID string, runAt time.Time, exceptKind string, now time.Time) (int, error)

	// ListAccounts returns accounts ordered by id, after the id after
	// ("" from the first), at most limit.
	ListAccounts(ctx context.Context, after string, limit int) ([]*Account, error)
	// SearchPayments returns a page of PaymentSearch and whether more
	// follow it.
	SearchPayments(ctx context.Context, accountID string, s PaymentSearch) ([]*Payment, bool, error)
	// RefundsByTime returns a page of RefundSearch, newest first, and
	// whether more lie beyond it in the direction of travel.
	RefundsByTime(ctx context.Context, accountID string, s RefundSearch) ([]*Refund, bool, error)
	// PaymentLedger returns a payment's ledger entries in the order they
	// were written.
	PaymentLedger(ctx context.Context, accountID, paymentID string) ([]LedgerEntry, error)
	Analytics
}

// PaymentSearch selects an account's payments, both faces' in one list,
// newest first by creation (business time), for the operator's dashboard.
// Each set field narrows the list; the store answers every shape from an
// index that leads with the account and the field and ends with
// (created_at, id).
type PaymentSearch struct {
	Face   string // FacePayJP or FaceMWS
	State  string // core state
	Email  string // the buyer's email, lower case
	Amount int64  // 0: any
	From   time.Time
	To     time.Time // created before To; zero: no bound
	// After continues a list: only payments older than it. Zero: newest.
	After PaymentCursor
	Limit int
}

// PaymentCursor is where a page of PaymentSearch ended.
type PaymentCursor struct {
	CreatedAt time.Time
	ID        string
}

// RefundSearch selects an account's refunds, every face's in one list,
// newest first by creation (business time; refunds created in the same
// microsecond by id, descending), for the operator's dashboard. Ids sort
// by time within a face only: Amazon's S…-R… come before every re_….
// The store reads the index (account_id, created_at, id); a set filter
// skips the refunds it does not match.
type RefundSearch struct {
	Face   string // FacePayJP, FaceMWS or FaceAmazonV2
	Reason string
	Status string
	// After continues a list towards older refunds: only those older than
	// it. Before goes back towards newer ones: only those newer than it,
	// the nearest to it (still shown newest first). Both zero: the newest.
	// After wins when both are set.
	After  RefundCursor
	Before RefundCursor
	Limit  int // 0: 20
}

// RefundCursor is a place in a RefundSearch: a refund's creation time and
// id (the first or last of a page).
type RefundCursor struct {
	CreatedAt time.Time
	ID        string
}

// IsZero reports whether the cursor is unset.
func (c RefundCursor) IsZero() bool { return c.CreatedAt.IsZero() && c.ID == "" }

// RefundDay is the refunds of one account, day (Japan time), face and
// reason: how many and how much (refunds not failed or canceled).
type RefundDay struct {
	Day    int // JSTDay
	Face   string
	Reason string // "" when none was given (every Amazon refund)
	Count  int64
	Amount int64
}

// CaptureDay is the captured volume of one account, day and face.
type CaptureDay struct {
	Day    int
	Face   string
	Count  int64
	Amount int64
}

// CustomerRefunds is what one customer (a customer id, or a buyer's email
// when the payment names no customer) was refunded.
type CustomerRefunds struct {
	Customer string
	Count    int64
	Amount   int64
}

// Analytics is what a store keeps for refund analysis: aggregates kept up
// to date in the transaction that writes each refund and capture, so that
// reading them costs the days asked for, not the account's history.
type Analytics interface {
	// RefundDays returns the refund aggregates of days [from, to).
	RefundDays(ctx context.Context, accountID string, from, to int) ([]RefundDay, error)
	// CaptureDays returns the capture aggregates of days [from, to).
	CaptureDays(ctx context.Context, accountID string, from, to int) ([]CaptureDay, error)
	// TopRefundCustomers returns the customers refunded most (by amount)
	// in the months [from, to) (JSTMonth), at most limit.
	TopRefundCustomers(ctx context.Context, accountID string, from, to, limit int) ([]CustomerRefunds, error)
}

// JST is Japan's time zone (UTC+9, no daylight saving time): the calendar
// of the business's days and months.
var JST = time.FixedZone("JST", 9*60*60)

// JSTDay numbers the day of t in Japan: days since 1970-01-01 JST.
func JSTDay(t time.Time) int {
	s := t.Unix() + 9*60*60
	d := s / 86400
	if s%86400 < 0 {
		d--
	}
	return int(d)
}

// DayStart is the first instant of a JSTDay.
func DayStart(day int) time.Time {
	return time.Unix(int64(day)*86400-9*60*60, 0).UTC()
}

// JSTMonth numbers the month of t in Japan: year×12 + month − 1.
func JSTMonth(t time.Time) int {
	j := t.In(JST)
	return j.Year()*12 + int(j.Month()) - 1
}
