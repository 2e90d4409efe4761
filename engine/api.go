package engine

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/json"
	"sync"
	"time"

	"github.com/kessai/kessai"
	"github.com/kessai/kessai/ledger"
)

// The core's API for the feature packages above it (package amazonorder,
// the Amazon order references, is the first): one write is one
// transaction (Write) in which a feature locks a payment, applies the
// core's money operations (NewAuthorization, CheckCapture,
// CaptureAuthorization, ReleaseAuthorization, Refund, Chargeback), saves
// objects and records events and jobs. A feature states what its face does
// differently as a Policy (RegisterPolicy) and registers the handlers of
// its jobs (RegisterJob).

// Write runs fn as one write transaction of acct (see write): the key of
// a Run handle, the account's business time, the ledger postings, events
// and jobs of fn, all committed together. op names the operation in errors.
func (e *Engine) Write(ctx context.Context, acct *kessai.Account, op string, fn func(w *W) (any, error)) (any, error) {
	return e.write(ctx, acct, op, fn)
}

// View runs fn in a read-only transaction; store sentinels become kessai
// errors named by op.
func (e *Engine) View(ctx context.Context, op string, fn func(tx kessai.Tx) error) error {
	return e.view(ctx, op, fn)
}

// Ctx is the write's context.
func (w *W) Ctx() context.Context { return w.ctx }

// Tx is the write's store transaction.
func (w *W) Tx() kessai.Tx { return w.tx }

// Account is the account of the write, as read at its start.
func (w *W) Account() *kessai.Account { return w.acct }

// Now is the account's business time of the write: every row it writes
// carries it.
func (w *W) Now() time.Time { return w.now }

// Config is the engine's configuration.
func (w *W) Config() Config { return w.e.Config }

// LockPayment loads a payment and locks it for the write, and looks the
// write's idempotency key up again (see recheckKey). what names it in a
// not-found error. Errors: not_found.
func (w *W) LockPayment(op, id, what string) (*kessai.Payment, error) {
	var p kessai.Payment
	if err := get(w.ctx, w.tx, kessai.KindPayment, w.acct.ID, id, true, &p, op, what); err != nil {
		return nil, err
	}
	return &p, w.recheckKey()
}

// Get loads one of the write's account's documents; lock locks it.
// Errors: not_found (named what).
func (w *W) Get(kind kessai.Kind, id string, lock bool, dst any, op, what string) error {
	return get(w.ctx, w.tx, kind, w.acct.ID, id, lock, dst, op, what)
}

// EmitFace records an event of a face whose data is obj as it is now, and
// its deliveries.
func (w *W) EmitFace(face, typ, object, resourceID string, obj any) error {
	return w.emitFace(face, typ, object, resourceID, obj)
}

// Schedule writes a job of kind due at the account's business time at.
func (w *W) Schedule(kind string, payload any, at time.Time) error {
	return w.schedule(kind, payload, at)
}

// Post writes one balanced ledger transaction of a payment.
func (w *W) Post(paymentID, currency string, legs []ledger.Leg) error {
	return w.post(paymentID, currency, legs)
}

// FlushPostings stores the write's ledger entries so far, before it reads
// the ledger.
func (w *W) FlushPostings() error { return w.flushPostings() }

// NewAuthorization is newAuthorization: a hold within the cap of p's face.
func (w *W) NewAuthorization(p *kessai.Payment, id, method string, amount int64) (*kessai.Authorization, error) {
	return w.newAuthorization(p, id, method, amount)
}

// CheckCapture is checkCapture: the caps of p's face on a capture.
func (w *W) CheckCapture(p *kessai.Payment, a *kessai.Authorization, amount int64) (string, error) {
	return w.checkCapture(p, a, amount)
}

// CaptureAuthorization is captureAuthorization.
func (w *W) CaptureAuthorization(p *kessai.Payment, a *kessai.Authorization, id string, amount int64) (*kessai.Capture, error) {
	return w.captureAuthorization(p, a, id, amount)
}

// ReleaseAuthorization is releaseAuthorization.
func (w *W) ReleaseAuthorization(p *kessai.Payment, a *kessai.Authorization, reason string) error {
	return w.releaseAuthorization(p, a, reason)
}

// SaveAuthorization inserts a new authorization (under its unique
// reference id, if it has one) or stores a changed one.
func (w *W) SaveAuthorization(a *kessai.Authorization, isNew bool) error {
	return w.saveAuthorization(a, isNew)
}

// SaveCapture stores a changed capture.
func (w *W) SaveCapture(c *kessai.Capture) error { return w.saveCapture(c) }

// CaptureCount is captureCount: the captures of p that were not declined.
func (w *W) CaptureCount(p *kessai.Payment) (int, error) { return w.captureCount(p) }

// Authorizations loads every authorization of p, oldest first.
func (w *W) Authorizations(p *kessai.Payment) ([]*kessai.Authorization, error) {
	return childrenOf[kessai.Authorization](w, kessai.KindAuthorization, p.ID)
}

// Refund is refund: the core's one refund, under p's face policy.
func (w *W) Refund(p *kessai.Payment, c *kessai.Capture, amount *int64, r *kessai.Refund) (*kessai.Refund, error) {
	return w.refund(p, c, amount, r)
}

// Chargeback is chargeback: the buyer of c paid back amount by the
// network; it returns the fee given back.
func (w *W) Chargeback(p *kessai.Payment, c *kessai.Capture, amount int64) (int64, error) {
	return w.chargeback(p, c, amount)
}

// ReferenceInsert inserts an object named by a merchant's reference id
// (see referenceInsert).
func ReferenceInsert(w *W, op, what, refID string, d kessai.Document) error {
	return referenceInsert(w, op, what, refID, d)
}

// NotFound is the error for an id the account does not have.
func NotFound(op, what, id string) error { return notFound(op, what, id) }

// CheckLen refuses a string longer than max characters. Errors:
// validation_error.
func CheckLen(op, field string, s *string, max int) error { return checkLen(op, field, s, max) }

// StatusIn reports whether s is one of set.
func StatusIn(s string, set ...string) bool { return statusIn(s, set...) }

// JobHandler runs a job inside its write.
type JobHandler func(w *W, payload json.RawMessage) error

// JobOf adapts a handler of a typed payload.
func JobOf[P any](fn func(w *W, p P) error) JobHandler { return jobOf(fn) }

// JobRef is the payload of jobs that act on one object.
type JobRef = jobRef

// SettleRef is the payload of a refund's settlement job.
type SettleRef = settleRef

// features holds what the feature packages register: the policies of
// their faces and the handlers of their jobs. Engines made after a feature
// registered use them.
var features struct {
	sync.RWMutex
	policies map[string]*Policy
	jobs     map[string]JobHandler
	outside  []string                             // job kinds of the notify queue
	onEvent  []func(w *W, ev *kessai.Event) error // run on every event a write records
}

// RegisterOutsideJob registers a job kind that runs outside any write, on
// the notify queue, with Config.Delivery's retry schedule; its handler is
// set on each engine with HandleOutside (package notify's). Call it from
// the feature package's init.
func RegisterOutsideJob(kind string) {
	features.Lock()
	defer features.Unlock()
	features.outside = append(features.outside, kind)
}

// RegisterEventHook runs h on every event a write records, in the write
// (package notifications queues the event's deliveries). Call it from the
// feature package's init.
func RegisterEventHook(h func(w *W, ev *kessai.Event) error) {
	features.Lock()
	defer features.Unlock()
	features.onEvent = append(features.onEvent, h)
}

// Value is what a feature kept under key for the length of the write
// (SetValue), or nil.
func (w *W) Value(key any) any { return w.vals[key] }

// SetValue keeps v under key for the length of the write.
func (w *W) SetValue(key, v any) {
	if w.vals == nil {
		w.vals = map[any]any{}
	}
	w.vals[key] = v
}

// WallNow is the base clock's time (UTC), for what follows the real clock
// rather than the account's business time (queueing, retries).
func (w *W) WallNow() time.Time { return w.e.Clock.Now().UTC() }

// ScheduleJob is Schedule that returns the job.
func (w *W) ScheduleJob(kind string, payload any, at time.Time) (*kessai.Job, error) {
	return w.scheduleJob(kind, payload, at)
}

// Seal seals an account secret with the master key.
func (w *W) Seal(plain string) (kessai.Sealed, error) { return w.seal(plain) }

// Handles reports whether the engine has a handler for jobs of kind.
func (e *Engine) Handles(kind string) bool { return e.handles(kind) }

// RegisterPolicy makes p the policy of face's payments. Call it from the
// feature package's init.
func RegisterPolicy(face string, p *Policy) {
	features.Lock()
	defer features.Unlock()
	if features.policies == nil {
		features.policies = map[string]*Policy{}
	}
	features.policies[face] = p
}

// RegisterJob registers the handler of a feature's job kind, run inside a
// write. Call it from the feature package's init; engines made afterwards
// run the kind.
func RegisterJob(kind string, h JobHandler) {
	features.Lock()
	defer features.Unlock()
	if features.jobs == nil {
		features.jobs = map[string]JobHandler{}
	}
	features.jobs[kind] = h
}

// Get loads an account's document in tx into dst, or answers not_found
// (named what).
func Get(ctx context.Context, tx kessai.Tx, kind kessai.Kind, accountID, id string, lock bool, dst any, op, what string) error {
	return get(ctx, tx, kind, accountID, id, lock, dst, op, what)
}

// ListOf is a typed page of an account's documents of kind, newest first,
// with its cursors checked (resource_missing, named what, for a cursor the
// account does not have).
func ListOf[T any](ctx context.Context, e *Engine, acct *kessai.Account, kind kessai.Kind, filter map[string]string, page kessai.Page, op, what string) ([]*T, bool, error) {
	return list[T](ctx, e, acct, kind, filter, page, op, what)
}

// RandomBytes returns n bytes of crypto/rand.
func RandomBytes(n int) []byte { return randomBytes(n) }

// Engine is the engine the write runs on.
func (w *W) Engine() *Engine { return w.e }

// AfterCommit runs fn once the write has committed (not when it is rolled
// back, nor for an attempt that is run again): what a feature remembers
// of a write only once it is durable.
func (w *W) AfterCommit(fn func()) { w.afterCommit = append(w.afterCommit, fn) }

// Memo returns the engine's cache for key, shared by every handle of the
// engine and made empty on first use: a feature keeps there what it may
// remember between writes (what is fixed once written, or valid until the
// clock passes a bound).
func (e *Engine) Memo(key any) *sync.Map {
	v, _ := e.memo.LoadOrStore(key, new(sync.Map))
	return v.(*sync.Map)
}

// Emit records an event of the core's face (PAY.JP's event names) whose
// data is obj as it is now, and its deliveries.
func (w *W) Emit(typ, object, resourceID string, obj any) error {
	return w.emit(typ, object, resourceID, obj)
}

// SavePayment stores a changed payment, stamped with the write's time.
func (w *W) SavePayment(p *kessai.Payment) error { return w.savePayment(p) }

// FlowCapture is flowCapture: the one capture of a PAY.JP flow.
func (w *W) FlowCapture(p *kessai.Payment) (*kessai.Capture, error) { return w.flowCapture(p) }

// ChildrenOf loads every child of kind of a locked payment, oldest first,
// a page at a time; past 10,000 it fails rather than answer with part of
// them (see childrenOf).
func ChildrenOf[T any](w *W, kind kessai.Kind, paymentID string) ([]*T, error) {
	return childrenOf[T](w, kind, paymentID)
}

// InvalidStatus is the error of an operation the object's status forbids.
func InvalidStatus(op, resource, status string, expected ...string) error {
	return invalidStatus(op, resource, status, expected...)
}

// MergeMetadata applies update to base under the metadata limits (see
// mergeMetadata). Errors: validation_error, metadata_limit_exceeded.
func MergeMetadata(op string, base, update kessai.Metadata) (kessai.Metadata, error) {
	return mergeMetadata(op, base, update)
}

// Within reports whether t lies in [since, until]; a nil bound is open.
func Within(t time.Time, since, until *time.Time) bool { return within(t, since, until) }

// GetDoc reads one of acct's documents of kind in its own read
// transaction. Errors: not_found (named what).
func GetDoc[T any](ctx context.Context, e *Engine, acct *kessai.Account, kind kessai.Kind, id, what string) (*T, error) {
	return getDoc[T](ctx, e, acct, kind, id, what)
}

// ListWhere is ListOf keeping only the items keep accepts, reading as many
// pages as it takes (see listWhere).
func ListWhere[T any](ctx context.Context, e *Engine, acct *kessai.Account, kind kessai.Kind, filter map[string]string, page kessai.Page, op, what string, keep func(*T) bool) ([]*T, bool, error) {
	return listWhere(ctx, e, acct, kind, filter, page, op, what, keep)
}

// AsPayment unpacks the result of a write that returns a payment.
func AsPayment(res any, err error) (*kessai.Payment, error) { return asPayment(res, err) }

// DeriveKey derives a key for one purpose from the master key (HMAC-SHA256
// of purpose), so that a feature signs with a key of its own and never
// holds the master key.
func (e *Engine) DeriveKey(ctx context.Context, purpose string) ([]byte, error) {
	k, err := e.masterKey(ctx)
	if err != nil {
		return nil, err
	}
	m := hmac.New(sha256.New, k)
	m.Write([]byte(purpose))
	return m.Sum(nil), nil
}

// OpenAuthorization returns the payment's open authorization, or nil.
func (w *W) OpenAuthorization(p *kessai.Payment) (*kessai.Authorization, error) {
	return w.openAuthorization(p)
}

// Update runs fn in a write transaction that belongs to no account (an
// account's creation); store sentinels become kessai errors named by op.
func (e *Engine) Update(ctx context.Context, op string, fn func(tx kessai.Tx) error) error {
	if err := e.Store.Update(ctx, fn); err != nil {
		return e.storeErr(op, err)
	}
	return nil
}

// SealIn seals a secret with the master key inside tx, making the master
// key in tx if the database has none yet.
func (e *Engine) SealIn(ctx context.Context, tx kessai.Tx, plain string) (kessai.Sealed, error) {
	key, err := masterKey(ctx, tx)
	if err != nil {
		return nil, err
	}
	return seal(key, plain)
}
