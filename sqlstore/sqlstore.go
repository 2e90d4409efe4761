// Package sqlstore implements kessai.Store over database/sql for both
// dialects. Behaviour is the same on SQLite and PostgreSQL; what differs
// (locking clauses, how a write transaction begins, migrations, error codes)
// comes from the Dialect that package sqlite or package postgres supplies.
package sqlstore

import (
	"context"
	"database/sql"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/kessai/kessai"
)

// Dialect is what a database driver package tells sqlstore.
type Dialect struct {
	Name       string
	ForUpdate  string // appended to a lookup that locks its row
	SkipLocked string // appended to the job claim's inner select
	// IsDuplicate reports whether err is a unique-key violation.
	IsDuplicate func(error) bool
	// IsRetryable reports whether a transaction failed for a reason that a
	// fresh attempt can avoid (deadlock, serialization failure).
	IsRetryable func(error) bool
	// IsUnavailable reports whether err says the database cannot serve
	// now rather than anything about the transaction: a refused, reset or
	// dropped connection, a full or failing disk, a lock held past the
	// busy timeout. Such errors gain kessai.ErrUnavailable in their chain.
	IsUnavailable func(error) bool
	// GroupCommit runs every write through one committer that puts the
	// units of concurrent requests into one transaction (see commit.go):
	// for a store with one writer, where each commit is an fsync.
	GroupCommit bool
	// PrepareStatements keeps every query prepared on its pool, for a
	// driver that would otherwise prepare it for every execution.
	PrepareStatements bool
	// Transact, when set, runs fn in one transaction on a connection of
	// db and commits it, instead of database/sql's Tx: for a driver that
	// can send several statements in one round trip (see Conn.ExecLater).
	Transact func(ctx context.Context, db *sql.DB, readOnly bool, fn func(Conn) error) error
	// Checkpoint, when set, runs every CheckpointEvery on the read pool,
	// in the background, until the store closes: SQLite's WAL checkpoint,
	// kept off the writer's commits. It returns the frames the WAL holds.
	Checkpoint      func(ctx context.Context, db *sql.DB) (frames int, err error)
	CheckpointEvery time.Duration
	// WALLimit: when a background checkpoint finds more frames than this,
	// the committer runs Checkpoint once on the writer's own connection
	// between two batches. A checkpoint beside a busy writer never catches
	// up with it, and a WAL is started again from its beginning only once
	// all of it has been copied: without this it grows for as long as
	// writes keep coming (468 MB in a 5 s refund run).
	WALLimit int
}

// Store is a kessai.Store on a database/sql database.
type Store struct {
	d     Dialect
	write *sql.DB // read-write transactions
	read  *sql.DB // read-only transactions (may be the same pool)
	q     map[string]string
	docq  map[kessai.Kind]map[string]string
	lists sync.Map        // list query per kind, filter shape and direction
	stmts sync.Map        // stmtKey → *sql.Stmt (nil: being prepared)
	lazy  atomic.Int64    // statements prepared after open, or being prepared
	ctx   context.Context // ends when the store closes
	// walFull asks the committer to checkpoint (see Dialect.WALLimit).
	walFull atomic.Bool
	gc      *committer
	// timeout bounds every transaction, from waiting for a connection to
	// its commit (see SetTimeout).
	timeout time.Duration
	bg      sync.WaitGroup     // background work (checkpoints)
	stop    context.CancelFunc // ends it
}

//go:embed queries.sql
var queriesSQL string

// docTables lists each document table's typed columns, in a fixed order:
// the values of Document.DocIndex.
var docTables = map[kessai.Kind][]string{
	kessai.KindCustomer:             nil,
	kessai.KindPaymentMethod:        {"customer_id"},
	kessai.KindPayment:              {"customer_id", "status", "state", "face", "email", "amount", "created_at"},
	kessai.KindAuthorization:        {"payment_id", "reference_id", "state", "amount", "expires_at"},
	kessai.KindCapture:              {"payment_id", "authorization_id", "reference_id", "state", "amount", "refunded_amount", "refund_count"},
	kessai.KindRefund:               {"payment_id", "capture_id", "reference_id", "reason", "status", "amount", "face", "created_at"},
	kessai.KindTransaction:          {"type", "payment_method_type", "resource_id", "term_id"},
	kessai.KindTerm:                 {"state", "start_at"},
	kessai.KindSetupFlow:            {"customer_id", "status"},
	kessai.KindMethodConfig:         nil,
	kessai.KindProduct:              nil,
	kessai.KindPrice:                {"product_id", "lookup_key"},
	kessai.KindTaxRate:              nil,
	kessai.KindCheckoutSession:      {"customer_id", "status", "expires_at"},
	kessai.KindEvent:                {"type", "object", "resource_id", "face"},
	kessai.KindWebhookEndpoint:      {"kind", "status"},
	kessai.KindWebhookDelivery:      {"endpoint_id", "event_id", "status", "queued_at"},
	kessai.KindNotificationSettings: nil,
	kessai.KindEmail:                {"status", "refund_id", "queued_at"},
	kessai.KindFeeSchedule:          nil,
	kessai.KindDispute:              {"payment_id", "status"},
	kessai.KindStatement:            {"term_id", "type"},
	kessai.KindBalance:              {"state", "term_id"},
}

// New returns a Store; write and read may be the same *sql.DB.
func New(d Dialect, write, read *sql.DB) *Store {
	s := &Store{d: d, write: write, read: read, q: parseQueries(queriesSQL, d), docq: map[kessai.Kind]map[string]string{},
		timeout: DefaultTimeout}
	for kind, cols := range docTables {
		s.docq[kind] = docQueries(s.q, string(kind), cols)
	}
	if d.PrepareStatements {
		s.prepare(write)
		if read != write {
			s.prepare(read)
		}
	}
	if d.GroupCommit {
		s.gc = newCommitter(s)
	}
	ctx, stop := context.WithCancel(context.Background())
	s.ctx, s.stop = ctx, stop
	if d.Checkpoint != nil && d.CheckpointEvery > 0 {
		s.bg.Add(1)
		go s.checkpoints(ctx)
	}
	return s
}

// checkpoints runs the dialect's checkpoint until ctx ends. A failure (a
// busy database) is tried again at the next tick.
func (s *Store) checkpoints(ctx context.Context) {
	defer s.bg.Done()
	t := time.NewTicker(s.d.CheckpointEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			frames, err := s.d.Checkpoint(ctx, s.read)
			if err == nil && s.d.WALLimit > 0 && frames > s.d.WALLimit {
				s.walFull.Store(true)
			}
		}
	}
}

func parseQueries(src string, d Dialect) map[string]string {
	out := map[string]string{}
	for _, part := range strings.Split(src, "-- name: ")[1:] {
		name, body, _ := strings.Cut(part, "\n")
		body = strings.NewReplacer("{{for_update}}", d.ForUpdate, "{{skip_locked}}", d.SkipLocked).Replace(body)
		out[strings.TrimSpace(name)] = strings.TrimSpace(body)
	}
	return out
}

func docQueries(q map[string]string, table string, cols []string) map[string]string {
	var columns, placeholders, sets strings.Builder
	for i, c := range cols {
		fmt.Fprintf(&columns, ", %s", c)
		fmt.Fprintf(&placeholders, ", $%d", i+4)
		fmt.Fprintf(&sets, ", %s = $%d", c, i+4)
	}
	r := strings.NewReplacer("{{table}}", table, "{{columns}}", columns.String(),
		"{{placeholders}}", placeholders.String(), "{{sets}}", sets.String())
	out := map[string]string{}
	for name, sql := range q {
		if strings.HasPrefix(name, "doc_") {
			out[name] = r.Replace(sql)
		}
	}
	return out
}

// Dialect implements kessai.Store.
func (s *Store) Dialect() string { return s.d.Name }

// SerialWrites implements kessai.SerialWriter: a store with group commit
// has one writer.
func (s *Store) SerialWrites() bool { return s.d.GroupCommit }

// Ping implements kessai.Store.
func (s *Store) Ping(ctx context.Context) error { return s.write.PingContext(ctx) }

// Close implements kessai.Store.
func (s *Store) Close() error {
	s.stop()
	s.bg.Wait()
	if s.gc != nil {
		s.gc.stop()
	}
	err := s.write.Close()
	if s.read != s.write {
		err = errors.Join(err, s.read.Close())
	}
	return err
}

// DefaultTimeout is how long a transaction may take, from waiting for a
// connection to its commit, unless SetTimeout says otherwise.
const DefaultTimeout = 5 * time.Second

// SetTimeout sets how long a transaction may take, from waiting for a
// connection (or, on SQLite, for its turn to write) to its commit; past
// it the transaction fails with kessai.ErrUnavailable. 0 keeps the
// default. Call it before the store is used.
func (s *Store) SetTimeout(d time.Duration) {
	if d > 0 {
		s.timeout = d
	}
}

// Update implements kessai.Store. A transaction that fails for a retryable
// reason (deadlock, serialization) is run again, up to five times, within
// the store's timeout.
func (s *Store) Update(ctx context.Context, fn func(kessai.Tx) error) error {
	tctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	if s.gc != nil {
		return s.outage(ctx, tctx, s.gc.submit(tctx, fn))
	}
	var err error
	for attempt := 0; attempt < 5; attempt++ {
		err = s.run(tctx, s.write, false, fn)
		if err == nil || s.d.IsRetryable == nil || !s.d.IsRetryable(err) {
			break
		}
	}
	return s.outage(ctx, tctx, err)
}

// View implements kessai.Store, within the store's timeout.
func (s *Store) View(ctx context.Context, fn func(kessai.Tx) error) error {
	tctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	return s.outage(ctx, tctx, s.run(tctx, s.read, true, fn))
}

// outage marks err with kessai.ErrUnavailable when it says the database
// cannot serve now: the dialect recognises it, or the store's own deadline
// (tctx's, not the caller's ctx's) ended the transaction.
func (s *Store) outage(ctx, tctx context.Context, err error) error {
	switch {
	case err == nil, errors.Is(err, kessai.ErrUnavailable):
		return err
	case ctx.Err() == nil && tctx.Err() != nil:
		return fmt.Errorf("%w: no answer within %s: %w", kessai.ErrUnavailable, s.timeout, err)
	case s.d.IsUnavailable != nil && s.d.IsUnavailable(err):
		return fmt.Errorf("%w: %w", kessai.ErrUnavailable, err)
	}
	return err
}

func (s *Store) run(ctx context.Context, db *sql.DB, readOnly bool, fn func(kessai.Tx) error) error {
	if s.d.Transact != nil {
		return s.d.Transact(ctx, db, readOnly, func(c Conn) error { return fn(&tx{s: s, c: c, readOnly: readOnly, bound: ctx}) })
	}
	sqlTx, err := db.BeginTx(ctx, &sql.TxOptions{ReadOnly: readOnly && s.d.Name == "postgres"})
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	if err := fn(&tx{s: s, c: &sqlConn{s: s, tx: sqlTx, db: db}, readOnly: readOnly, bound: ctx}); err != nil {
		_ = sqlTx.Rollback()
		return err
	}
	if err := sqlTx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

type tx struct {
	s        *Store
	c        Conn
	readOnly bool
	// bound, when set, is the transaction's context (the caller's, with
	// the store's deadline): every statement runs under it, whatever
	// context the caller passes, so that a database that stops answering
	// fails the transaction within the store's timeout.
	bound context.Context
	seen  seen // for the refund-analysis aggregates (analytics.go)
	// adds, when set, collects the aggregates' additions instead of
	// writing them: the committer writes a batch's at its end (analytics.go).
	adds *sums
}

type stmtKey struct {
	db *sql.DB
	q  string
}

// stmt returns query as prepared on db, or nil when it is not (yet):
// re-preparing every statement of every transaction cost SQLite a sixth of
// its CPU. The fixed queries are prepared when the store opens. A query
// built later (a list of one filter shape) runs unprepared the first time
// and is prepared in the background for the next: preparing on a pool takes
// a connection, which the transaction asking for it may hold (the writer's
// only one), so it must not wait for that here. A statement prepared on
// the pool is prepared again on a transaction's connection by database/sql
// when needed, without another connection. PostgreSQL (pgx caches
// statements per connection itself) does not use this.
func (s *Store) stmt(db *sql.DB, query string) *sql.Stmt {
	k := stmtKey{db, query}
	v, ok := s.stmts.Load(k)
	if ok {
		st, _ := v.(*sql.Stmt) // nil while being prepared
		return st
	}
	if !s.d.PrepareStatements || s.lazy.Load() >= maxLazyStatements {
		return nil
	}
	if _, loaded := s.stmts.LoadOrStore(k, nil); loaded {
		return nil
	}
	s.lazy.Add(1)
	s.bg.Add(1)
	go func() {
		defer s.bg.Done()
		st, err := db.PrepareContext(s.ctx, query)
		if err != nil {
			s.stmts.Delete(k) // tried again at its next use
			s.lazy.Add(-1)
			return
		}
		s.stmts.Store(k, st)
	}()
	return nil
}

// Prepared reports whether query is prepared on the store's write pool
// (a store that does not prepare statements reports false).
func (s *Store) Prepared(query string) bool {
	v, _ := s.stmts.Load(stmtKey{s.write, query})
	st, _ := v.(*sql.Stmt)
	return st != nil
}

// ListQuery returns the query of a list of kind filtered on the columns of
// filter, newest first (what Prepared takes).
func (s *Store) ListQuery(kind kessai.Kind, filter map[string]string) (string, error) {
	q, _, err := s.listQuery(kind, filter, false)
	return q, err
}

// maxLazyStatements bounds the statements prepared after the store opened
// (list filter shapes; the API offers a few dozen).
const maxLazyStatements = 1024

// prepare prepares the fixed queries on a pool.
func (s *Store) prepare(db *sql.DB) {
	ctx := context.Background()
	queries := []string{}
	for _, q := range s.q {
		queries = append(queries, q)
	}
	for _, qs := range s.docq {
		for name, q := range qs {
			if !strings.HasPrefix(name, "doc_list") {
				queries = append(queries, q)
			}
		}
	}
	if s.d.GroupCommit {
		queries = append(queries, savepoint, releaseSavepoint, rollbackToSavepoint)
	}
	for n := 1; n <= 8; n++ { // a write stores its ledger entries in one statement
		queries = append(queries, s.ledgerInsert(n))
	}
	for _, q := range queries {
		if strings.Contains(q, "{{") {
			continue
		}
		if st, err := db.PrepareContext(ctx, q); err == nil {
			s.stmts.Store(stmtKey{db, q}, st)
		}
	}
}

// rowsAffected is a sql.Result of a Conn's Exec.
type rowsAffected int64

func (n rowsAffected) LastInsertId() (int64, error) { return 0, errors.New("sqlstore: no insert id") }
func (n rowsAffected) RowsAffected() (int64, error) { return int64(n), nil }

func (t *tx) execContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	n, err := t.c.Exec(t.ctx(ctx), query, args...)
	if err != nil {
		return nil, err
	}
	return rowsAffected(n), nil
}

// ctx is the context a statement runs under: the transaction's, when it
// has one (see tx.bound).
func (t *tx) ctx(ctx context.Context) context.Context {
	if t.bound != nil {
		return t.bound
	}
	return ctx
}

func (t *tx) queryRowContext(ctx context.Context, query string, args ...any) Row {
	return t.c.QueryRow(t.ctx(ctx), query, args...)
}

func (t *tx) queryContext(ctx context.Context, query string, args ...any) (Rows, error) {
	return t.c.Query(t.ctx(ctx), query, args...)
}

// execLater runs a write whose result nothing reads before the commit
// (see Conn.ExecLater); mustAffect makes a write that changed no row fail
// the transaction with ErrNoRows.
func (t *tx) execLater(ctx context.Context, name, query string, mustAffect bool, args ...any) error {
	var l Later
	if mustAffect {
		l.MustAffect = name
	}
	if err := t.c.ExecLater(t.ctx(ctx), query, l, args...); err != nil {
		if errors.Is(err, kessai.ErrNoRows) || errors.Is(err, kessai.ErrKeyTaken) {
			return err
		}
		if t.s.d.IsDuplicate(err) {
			return fmt.Errorf("%s: %w", name, kessai.ErrDuplicate)
		}
		return fmt.Errorf("%s: %w", name, err)
	}
	return nil
}

func us(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMicro()
}

func fromUS(v int64) time.Time {
	if v == 0 {
		return time.Time{}
	}
	return time.UnixMicro(v).UTC()
}

func (t *tx) exec(ctx context.Context, name string, args ...any) (sql.Result, error) {
	res, err := t.execContext(ctx, t.s.q[name], args...)
	if err != nil {
		if t.s.d.IsDuplicate(err) {
			return nil, fmt.Errorf("%s: %w", name, kessai.ErrDuplicate)
		}
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return res, nil
}

func noRows(name string, err error) error {
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("%s: %w", name, kessai.ErrNoRows)
	}
	return fmt.Errorf("%s: %w", name, err)
}

func (t *tx) InsertAccount(ctx context.Context, a *kessai.Account) error {
	data, err := json.Marshal(a)
	if err != nil {
		return err
	}
	_, err = t.exec(ctx, "insert_account", a.ID, a.SecretKeyHash, a.MWS.AccessKeyID, a.MWS.SellerID,
		a.ClockOffset.Microseconds(), data, us(a.CreatedAt))
	return err
}

func (t *tx) scanAccount(name string, row Row) (*kessai.Account, error) {
	return t.scanAccountWith(name, row)
}

// scanAccountWith scans an account, and after its columns those of more
// (extra columns of the query).
func (t *tx) scanAccountWith(name string, row Row, more ...any) (*kessai.Account, error) {
	var data []byte
	var offset int64
	if err := row.Scan(append([]any{&data, &offset}, more...)...); err != nil {
		return nil, noRows(name, err)
	}
	var a kessai.Account
	if err := json.Unmarshal(data, &a); err != nil {
		return nil, fmt.Errorf("%s: decode: %w", name, err)
	}
	a.ClockOffset = time.Duration(offset) * time.Microsecond
	return &a, nil
}

func (t *tx) AccountBySecretHash(ctx context.Context, hash string) (*kessai.Account, error) {
	return t.scanAccount("account_by_secret_hash", t.queryRowContext(ctx, t.s.q["account_by_secret_hash"], hash))
}

func (t *tx) UpdateAccount(ctx context.Context, a *kessai.Account) error {
	data, err := json.Marshal(a)
	if err != nil {
		return err
	}
	var previous any
	if a.PreviousSecretKeyHash != "" {
		previous = a.PreviousSecretKeyHash
	}
	res, err := t.exec(ctx, "update_account_keys", a.ID, a.SecretKeyHash, previous, data)
	return mustAffect("update_account_keys", res, err)
}

func (t *tx) AccountByMWSAccessKey(ctx context.Context, accessKeyID string) (*kessai.Account, error) {
	return t.scanAccount("account_by_mws_access_key", t.queryRowContext(ctx, t.s.q["account_by_mws_access_key"], accessKeyID))
}

func (t *tx) Account(ctx context.Context, id string, lock bool) (*kessai.Account, error) {
	name := "account_by_id"
	if lock {
		name = "account_by_id_locked"
	}
	var endpoints bool
	a, err := t.scanAccountWith(name, t.queryRowContext(ctx, t.s.q[name], id), &endpoints)
	if err != nil {
		return nil, err
	}
	a.WebhookEndpoints = &endpoints
	return a, nil
}

func (t *tx) SetAccountClock(ctx context.Context, id string, offset time.Duration) error {
	res, err := t.exec(ctx, "set_account_clock", id, offset.Microseconds())
	return mustAffect("set_account_clock", res, err)
}

func mustAffect(name string, res sql.Result, err error) error {
	if err != nil {
		return err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	if n == 0 {
		return fmt.Errorf("%s: %w", name, kessai.ErrNoRows)
	}
	return nil
}

func (t *tx) Setting(ctx context.Context, key string) (string, error) {
	var v string
	if err := t.queryRowContext(ctx, t.s.q["setting"], key).Scan(&v); err != nil {
		return "", noRows("setting", err)
	}
	return v, nil
}

func (t *tx) PutSetting(ctx context.Context, key, value string) error {
	_, err := t.exec(ctx, "put_setting", key, value)
	return err
}

func (t *tx) docArgs(d kessai.Document) (kind kessai.Kind, args []any, err error) {
	kind = d.DocKind()
	cols, ok := docTables[kind]
	if !ok {
		return "", nil, fmt.Errorf("sqlstore: unknown kind %q", kind)
	}
	acct, id := d.DocKey()
	data, err := json.Marshal(d)
	if err != nil {
		return "", nil, fmt.Errorf("encode %s %s: %w", kind, id, err)
	}
	typed, err := typedArgs(d, cols)
	if err != nil {
		return "", nil, err
	}
	return kind, append([]any{acct, id, data}, typed...), nil
}

// typedArgs are the values of d's typed columns cols, as stored.
func typedArgs(d kessai.Document, cols []string) ([]any, error) {
	idx := d.DocIndex()
	args := make([]any, 0, len(cols))
	for _, c := range cols {
		switch v := idx[c].(type) {
		case time.Time:
			args = append(args, us(v))
		case int:
			args = append(args, int64(v))
		case nil:
			_, id := d.DocKey()
			return nil, fmt.Errorf("sqlstore: %s %s has no value for column %s", d.DocKind(), id, c)
		default:
			args = append(args, v)
		}
	}
	return args, nil
}

// sameColumns reports whether two documents' typed column values are equal.
func sameColumns(a, b []any) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		switch a[i].(type) {
		case string, int64, bool:
			if a[i] != b[i] {
				return false
			}
		default:
			return false
		}
	}
	return true
}

func (t *tx) docExec(ctx context.Context, kind kessai.Kind, name string, args ...any) (sql.Result, error) {
	res, err := t.execContext(ctx, t.s.docq[kind][name], args...)
	if err != nil {
		if t.s.d.IsDuplicate(err) {
			return nil, fmt.Errorf("%s %s: %w", name, kind, kessai.ErrDuplicate)
		}
		return nil, fmt.Errorf("%s %s: %w", name, kind, err)
	}
	return res, nil
}

// insertLater lists the kinds whose inserts may be sent later (see
// Conn.ExecLater): their only unique key is an id that kessai generates,
// so nothing reads the outcome of their insert. Kinds with a caller's id
// are inserted at once, for ErrDuplicate; so are authorizations, captures
// and refunds that carry a reference id (unique per account).
var insertLater = map[kessai.Kind]bool{
	kessai.KindEvent:           true,
	kessai.KindTransaction:     true,
	kessai.KindWebhookDelivery: true,
	kessai.KindEmail:           true,
}

var referenceKinds = map[kessai.Kind]bool{
	kessai.KindAuthorization: true,
	kessai.KindCapture:       true,
	kessai.KindRefund:        true,
}

func sendLater(d kessai.Document, kind kessai.Kind) bool {
	return insertLater[kind] || referenceKinds[kind] && d.DocIndex()["reference_id"] == ""
}

func (t *tx) Insert(ctx context.Context, d kessai.Document) error {
	kind, args, err := t.docArgs(d)
	if err != nil {
		return err
	}
	if sendLater(d, kind) {
		err = t.execLater(ctx, "doc_insert "+string(kind), t.s.docq[kind]["doc_insert"], false, args...)
	} else {
		_, err = t.docExec(ctx, kind, "doc_insert", args...)
	}
	if err != nil {
		return err
	}
	return t.aggregate(ctx, nil, d)
}

// Put overwrites a document by its key, which changes no unique column:
// it may be sent later, and fails the transaction if the row is gone.
func (t *tx) Put(ctx context.Context, d kessai.Document) error {
	kind, args, err := t.docArgs(d)
	if err != nil {
		return err
	}
	old, err := t.counted(ctx, d)
	if err != nil {
		return err
	}
	// A Put that changes only the document (a refund's payment: its
	// counters live in data) leaves the typed columns and their indexes
	// alone.
	name, key := "doc_put", string(kind)+"/"+args[1].(string)
	if prev, ok := t.seen.columns[key]; ok && sameColumns(prev, args[3:]) {
		name, args = "doc_put_data", args[:3]
	}
	if err := t.execLater(ctx, name+" "+string(kind), t.s.docq[kind][name], true, args...); err != nil {
		return err
	}
	return t.aggregate(ctx, old, d)
}

func (t *tx) Get(ctx context.Context, kind kessai.Kind, accountID, id string, lock bool, dst any) error {
	name := "doc_get"
	if lock {
		name = "doc_get_locked"
	}
	q, ok := t.s.docq[kind][name]
	if !ok {
		return fmt.Errorf("sqlstore: unknown kind %q", kind)
	}
	var data []byte
	if err := t.queryRowContext(ctx, q, accountID, id).Scan(&data); err != nil {
		return noRows(name+" "+string(kind), err)
	}
	if err := json.Unmarshal(data, dst); err != nil {
		return fmt.Errorf("decode %s %s: %w", kind, id, err)
	}
	t.see(dst)
	return nil
}

func (t *tx) Exists(ctx context.Context, kind kessai.Kind, accountID, id string) (bool, error) {
	var data []byte
	err := t.queryRowContext(ctx, t.s.docq[kind]["doc_get"], accountID, id).Scan(&data)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	return err == nil, err
}

func (t *tx) Delete(ctx context.Context, kind kessai.Kind, accountID, id string) error {
	res, err := t.docExec(ctx, kind, "doc_delete", accountID, id)
	return mustAffect("doc_delete "+string(kind), res, err)
}

// cursorMax sorts after every id: ids are ASCII.
const cursorMax = "\x7f"

func (t *tx) List(ctx context.Context, kind kessai.Kind, accountID string, filter map[string]string, page kessai.Page) ([]json.RawMessage, bool, error) {
	before := page.StartingAfter == "" && page.EndingBefore != ""
	cursor := cursorMax
	if page.StartingAfter != "" {
		cursor = page.StartingAfter
	} else if before {
		cursor = page.EndingBefore
	}
	q, cols, err := t.s.listQuery(kind, filter, before)
	if err != nil {
		return nil, false, err
	}
	args := []any{accountID, cursor, page.Limit + 1}
	for _, c := range cols {
		args = append(args, filter[c])
	}
	rows, err := t.queryContext(ctx, q, args...)
	if err != nil {
		return nil, false, fmt.Errorf("list %s: %w", kind, err)
	}
	defer rows.Close()
	var docs []json.RawMessage
	for rows.Next() {
		var id string
		var data []byte
		if err := rows.Scan(&id, &data); err != nil {
			return nil, false, err
		}
		docs = append(docs, data)
		if !t.readOnly && (kind == kessai.KindCapture || kind == kessai.KindRefund) {
			d := newAggregated(kind)
			if err := json.Unmarshal(data, d); err != nil {
				return nil, false, fmt.Errorf("decode %s %s: %w", kind, id, err)
			}
			t.see(d)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, false, err
	}
	hasMore := len(docs) > page.Limit
	if hasMore {
		docs = docs[:page.Limit]
	}
	if before {
		// fetched oldest first next to the cursor; show newest first
		for i, j := 0, len(docs)-1; i < j; i, j = i+1, j-1 {
			docs[i], docs[j] = docs[j], docs[i]
		}
	}
	return docs, hasMore, nil
}

// listQuery returns the list query of kind for the filter's shape (the
// columns it sets, sorted) and direction, and those columns. Each shape has
// its own query with only its own conditions, so that the database can use
// the index that leads with (account_id, column, id); a filter written
// "$n = ” OR col = $n" would keep it from doing so.
func (s *Store) listQuery(kind kessai.Kind, filter map[string]string, before bool) (string, []string, error) {
	all, ok := docTables[kind]
	if !ok {
		return "", nil, fmt.Errorf("sqlstore: unknown kind %q", kind)
	}
	var cols []string
	for c, v := range filter {
		if !contains(all, c) {
			return "", nil, fmt.Errorf("sqlstore: %s has no column %q", kind, c)
		}
		if v != "" {
			cols = append(cols, c)
		}
	}
	sort.Strings(cols)
	name := "doc_list_after"
	if before {
		name = "doc_list_before"
	}
	key := string(kind) + "|" + name + "|" + strings.Join(cols, ",")
	if q, ok := s.lists.Load(key); ok {
		return q.(string), cols, nil
	}
	var filters strings.Builder
	for i, c := range cols {
		// list params: $1 account, $2 cursor, $3 limit, then one per filter
		fmt.Fprintf(&filters, " AND %s = $%d", c, i+4)
	}
	q := strings.NewReplacer("{{table}}", string(kind), "{{filters}}", filters.String()).Replace(s.q[name])
	s.lists.Store(key, q)
	return q, cols, nil
}

// ExplainList returns the database's plan for a list of kind filtered on
// the columns of filter: the conformance suite checks that every filter
// shape is answered through an index.
func (s *Store) ExplainList(ctx context.Context, kind kessai.Kind, filter map[string]string) (string, error) {
	q, cols, err := s.listQuery(kind, filter, false)
	if err != nil {
		return "", err
	}
	args := []any{"acct_x", cursorMax, 11}
	for _, c := range cols {
		args = append(args, filter[c])
	}
	return s.explain(ctx, q, args)
}

// explain returns the database's plan of a query.
func (s *Store) explain(ctx context.Context, q string, args []any) (string, error) {
	var plan strings.Builder
	conn, err := s.read.Conn(ctx)
	if err != nil {
		return "", err
	}
	defer conn.Close()
	explain := "EXPLAIN QUERY PLAN "
	if s.d.Name == "postgres" {
		// On a small table a sequential scan is cheapest; forbid it to see
		// whether an index can answer the query at all.
		if _, err := conn.ExecContext(ctx, "SET enable_seqscan = off"); err != nil {
			return "", err
		}
		defer conn.ExecContext(context.WithoutCancel(ctx), "RESET enable_seqscan") //nolint:errcheck
		explain = "EXPLAIN "
	}
	rows, err := conn.QueryContext(ctx, explain+q, args...)
	if err != nil {
		return "", fmt.Errorf("explain: %w", err)
	}
	defer rows.Close()
	colNames, _ := rows.Columns()
	for rows.Next() {
		vals := make([]any, len(colNames))
		ptrs := make([]any, len(colNames))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return "", err
		}
		fmt.Fprintln(&plan, vals...)
	}
	return plan.String(), rows.Err()
}

func contains(xs []string, x string) bool {
	for _, s := range xs {
		if s == x {
			return true
		}
	}
	return false
}

func (t *tx) InsertLedgerEntries(ctx context.Context, entries []kessai.LedgerEntry) error {
	if len(entries) == 0 {
		return nil
	}
	// One statement for all the legs: VALUES ($1…$7), ($8…$14), …
	args := make([]any, 0, 7*len(entries))
	for _, e := range entries {
		args = append(args, e.AccountID, e.TxnID, e.PaymentID, e.LedgerAccount, e.Currency, e.Amount, us(e.CreatedAt))
	}
	return t.execLater(ctx, "insert_ledger_entry", t.s.ledgerInsert(len(entries)), false, args...)
}

// ledgerInsert is the insert of n ledger entries.
func (s *Store) ledgerInsert(n int) string {
	if q, ok := s.lists.Load(n); ok {
		return q.(string)
	}
	head, row, _ := strings.Cut(s.q["insert_ledger_entry"], "VALUES")
	var b strings.Builder
	b.WriteString(head + "VALUES ")
	for i := range n {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(regexp.MustCompile(`\$(\d+)`).ReplaceAllStringFunc(strings.TrimSpace(row), func(m string) string {
			k, _ := strconv.Atoi(m[1:])
			return "$" + strconv.Itoa(k+7*i)
		}))
	}
	q := b.String()
	s.lists.Store(n, q)
	return q
}

func (t *tx) LedgerBalance(ctx context.Context, accountID, ledgerAccount, currency string) (int64, error) {
	var n int64
	err := t.queryRowContext(ctx, t.s.q["ledger_balance"], accountID, ledgerAccount, currency).Scan(&n)
	return n, err
}

func (t *tx) sums(ctx context.Context, name string, args ...any) (map[string]int64, error) {
	rows, err := t.queryContext(ctx, t.s.q[name], args...)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	defer rows.Close()
	out := map[string]int64{}
	for rows.Next() {
		var a, c string
		var n int64
		if err := rows.Scan(&a, &c, &n); err != nil {
			return nil, err
		}
		out[a+"/"+c] = n
	}
	return out, rows.Err()
}

func (t *tx) LedgerBalances(ctx context.Context, accountID string) (map[string]int64, error) {
	return t.sums(ctx, "ledger_balances", accountID)
}

func (t *tx) LedgerMovements(ctx context.Context, accountID string, from, to time.Time) (map[string]int64, error) {
	return t.sums(ctx, "ledger_movements", accountID, us(from), us(to))
}

func (t *tx) LedgerTxnSums(ctx context.Context, accountID string) (map[string]int64, error) {
	return t.sums(ctx, "ledger_txn_sums", accountID)
}

func (t *tx) Idempotency(ctx context.Context, accountID, scope, key string) (*kessai.IdempotencyRecord, error) {
	r := kessai.IdempotencyRecord{AccountID: accountID, Scope: scope, Key: key}
	var status, created, expires int64
	err := t.queryRowContext(ctx, t.s.q["idempotency_get"], accountID, scope, key).
		Scan(&r.Operation, &r.RequestHash, &status, &r.Body, &created, &expires)
	if err != nil {
		return nil, noRows("idempotency_get", err)
	}
	r.Status, r.CreatedAt, r.ExpiresAt = int(status), fromUS(created), fromUS(expires)
	return &r, nil
}

func (t *tx) InsertIdempotency(ctx context.Context, r *kessai.IdempotencyRecord) error {
	_, err := t.exec(ctx, "idempotency_insert", r.AccountID, r.Scope, r.Key, r.Operation, r.RequestHash, r.Status, r.Body,
		us(r.CreatedAt), us(r.ExpiresAt))
	return err
}

func (t *tx) AccountWithIdempotency(ctx context.Context, accountID, scope, key string) (*kessai.Account, *kessai.IdempotencyRecord, error) {
	var endpoints bool
	var op, hash sql.NullString
	var body []byte
	var status, created, expires sql.NullInt64
	a, err := t.scanAccountWith("account_with_idempotency", t.queryRowContext(ctx, t.s.q["account_with_idempotency"], accountID, scope, key),
		&endpoints, &op, &hash, &status, &body, &created, &expires)
	if err != nil {
		return nil, nil, err
	}
	a.WebhookEndpoints = &endpoints
	if !op.Valid {
		return a, nil, nil
	}
	r := &kessai.IdempotencyRecord{AccountID: accountID, Scope: scope, Key: key, Operation: op.String, RequestHash: hash.String,
		Status: int(status.Int64), Body: body, CreatedAt: fromUS(created.Int64), ExpiresAt: fromUS(expires.Int64)}
	return a, r, nil
}

func (t *tx) InsertIdempotencyLater(ctx context.Context, r *kessai.IdempotencyRecord) error {
	body := r.Body
	if body == nil {
		body = []byte{}
	}
	err := t.c.ExecLater(t.ctx(ctx), t.s.q["idempotency_insert_unless_taken"], Later{MustAffect: "idempotency_record", Fail: kessai.ErrKeyTaken},
		r.AccountID, r.Scope, r.Key, r.Operation, r.RequestHash, r.Status, body, us(r.CreatedAt), us(r.ExpiresAt))
	if err != nil && !errors.Is(err, kessai.ErrKeyTaken) {
		return fmt.Errorf("idempotency_record: %w", err)
	}
	return err
}

func affected(res sql.Result, err error) (bool, error) {
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

func (t *tx) PurgeIdempotency(ctx context.Context, before time.Time) (int, error) {
	res, err := t.exec(ctx, "idempotency_purge", us(before))
	if err != nil {
		return 0, err
	}
	n, err := res.RowsAffected()
	return int(n), err
}

func (t *tx) InsertJob(ctx context.Context, j *kessai.Job) error {
	payload := j.Payload
	if payload == nil {
		payload = json.RawMessage("{}")
	}
	return t.execLater(ctx, "job_insert", t.s.q["job_insert"], false, j.ID, j.AccountID, j.Kind, string(payload), j.State, j.Attempts, j.MaxAttempts,
		us(j.RunAt), us(j.DueAt), us(j.CreatedAt), j.Queue)
}

type scanner interface{ Scan(dest ...any) error }

func scanJob(r scanner) (*kessai.Job, error) {
	var j kessai.Job
	var payload string
	var attempts, maxAttempts, runAt, dueAt, lockedUntil, created, updated int64
	if err := r.Scan(&j.ID, &j.AccountID, &j.Kind, &j.Queue, &payload, &j.State, &attempts, &maxAttempts, &runAt, &dueAt,
		&j.LockedBy, &lockedUntil, &j.LastError, &created, &updated); err != nil {
		return nil, err
	}
	j.Payload = json.RawMessage(payload)
	j.Attempts, j.MaxAttempts = int(attempts), int(maxAttempts)
	j.RunAt, j.DueAt, j.LockedUntil = fromUS(runAt), fromUS(dueAt), fromUS(lockedUntil)
	j.CreatedAt, j.UpdatedAt = fromUS(created), fromUS(updated)
	return &j, nil
}

func (t *tx) Job(ctx context.Context, id string) (*kessai.Job, error) {
	j, err := scanJob(t.queryRowContext(ctx, t.s.q["job_get"], id))
	if err != nil {
		return nil, noRows("job_get", err)
	}
	return j, nil
}

func (t *tx) ClaimJobs(ctx context.Context, p kessai.ClaimParams) ([]*kessai.Job, error) {
	rows, err := t.queryContext(ctx, t.s.q["job_claim"], us(p.Now), p.Worker, us(p.LockedUntil), p.AccountID, p.Limit, p.Queue)
	if err != nil {
		return nil, fmt.Errorf("job_claim: %w", err)
	}
	defer rows.Close()
	var jobs []*kessai.Job
	for rows.Next() {
		j, err := scanJob(rows)
		if err != nil {
			return nil, err
		}
		jobs = append(jobs, j)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	sort.Slice(jobs, func(a, b int) bool {
		if !jobs[a].DueAt.Equal(jobs[b].DueAt) {
			return jobs[a].DueAt.Before(jobs[b].DueAt)
		}
		return jobs[a].ID < jobs[b].ID
	})
	return jobs, nil
}

func (t *tx) FinishJob(ctx context.Context, j *kessai.Job, worker string) (bool, error) {
	return affected(t.exec(ctx, "job_finish", j.ID, worker, j.State, us(j.RunAt), us(j.DueAt), j.LastError, us(j.UpdatedAt), j.Attempts))
}

func (t *tx) ShiftJobs(ctx context.Context, accountID string, d time.Duration) error {
	_, err := t.exec(ctx, "job_shift", accountID, d.Microseconds())
	return err
}

// JobStats sums the queues' statistics, one query per queue so that each
// searches the index that leads with the queue.
func (t *tx) JobStats(ctx context.Context, now time.Time) (kessai.JobStats, error) {
	var s kessai.JobStats
	for _, q := range kessai.JobQueues {
		var qs kessai.JobStats
		var oldest int64
		if err := t.queryRowContext(ctx, t.s.q["job_stats"], us(now), q).Scan(&qs.Due, &qs.Running, &qs.Failed, &oldest); err != nil {
			return s, err
		}
		s.Due, s.Running, s.Failed = s.Due+qs.Due, s.Running+qs.Running, s.Failed+qs.Failed
		if o := fromUS(oldest); !o.IsZero() && (s.OldestDue.IsZero() || o.Before(s.OldestDue)) {
			s.OldestDue = o
		}
	}
	return s, nil
}

func (t *tx) AccountJobsRunning(ctx context.Context, accountID string, now time.Time) (bool, error) {
	var n int64
	err := t.queryRowContext(ctx, t.s.q["job_account_running"], accountID, us(now)).Scan(&n)
	return n > 0, err
}

func (t *tx) AccountJobsBefore(ctx context.Context, accountID string, runAt time.Time, exceptKind string, now time.Time) (int, error) {
	var n int64
	err := t.queryRowContext(ctx, t.s.q["job_account_earlier"], accountID, us(runAt), exceptKind, us(now)).Scan(&n)
	return int(n), err
}

// NotifyStats reads each table's pending rows through its (status,
// queued_at) index.
func (t *tx) NotifyStats(ctx context.Context) (kessai.NotifyStats, error) {
	var s kessai.NotifyStats
	var oldest int64
	if err := t.queryRowContext(ctx, t.s.q["notify_pending_deliveries"]).Scan(&s.PendingDeliveries, &oldest); err != nil {
		return s, fmt.Errorf("notify_pending_deliveries: %w", err)
	}
	s.OldestDelivery = fromUS(oldest)
	if err := t.queryRowContext(ctx, t.s.q["notify_pending_emails"]).Scan(&s.PendingEmails, &oldest); err != nil {
		return s, fmt.Errorf("notify_pending_emails: %w", err)
	}
	s.OldestEmail = fromUS(oldest)
	return s, nil
}
