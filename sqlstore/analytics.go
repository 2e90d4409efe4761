package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"math"
	"strings"
	"time"

	"github.com/kessai/kessai"
)

// The refund-analysis aggregates (tables refund_days, capture_days and
// refund_customers) are derived from the refunds and captures the store
// writes, like an index: Insert and Put add a refund or capture that
// counts and take back one that stops counting, in the same transaction.
// A refund counts unless it failed or was canceled (as the payment's
// amount_refunded does); a capture counts once completed.

// counting is what an object adds to the aggregates.
type counting struct {
	counts bool
	amount int64
}

func refundCounts(status string) bool {
	return status != kessai.RefundFailed && status != kessai.RefundCanceled
}

func captureCounts(state string) bool {
	return state == kessai.CaptureCompleted || state == kessai.CaptureClosed
}

// execQuerier is a transaction of the store or of a migration.
type execQuerier interface {
	// exec runs a write whose result nobody reads (a store transaction
	// may send it later: Conn.ExecLater).
	exec(ctx context.Context, name, query string, args ...any) error
	queryRow(ctx context.Context, query string, args ...any) Row
	// paymentCustomer is the customer id and email of a payment.
	paymentCustomer(ctx context.Context, q map[string]string, accountID, paymentID string) (customer, email string, err error)
}

// txq is a store transaction's execQuerier.
type txq struct{ t *tx }

func (q txq) exec(ctx context.Context, name, query string, args ...any) error {
	if q.t.adds != nil {
		q.t.adds.add(name, query, args)
		return nil
	}
	return q.t.execLater(ctx, name, query, false, args...)
}

// sums are additions to the aggregates, kept to be written together. Each
// aggregate query takes its key's columns, then n and amount, then the
// shard. With one writer (SQLite's committer) there is nothing to spread
// over shards: a batch adds each key's sum once, to shard 0, so that 30
// refunds of a day cost one upsert rather than 30.
type sums struct {
	order []string // keys in first-added order, for a stable write order
	by    map[string]*sum
}

type sum struct {
	name, query string
	args        []any // the key's columns, n, amount, shard
}

func (s *sums) add(name, query string, args []any) {
	if s.by == nil {
		s.by = map[string]*sum{}
	}
	k := len(args) - 3
	key := name + fmt.Sprintf("%q", args[:k])
	if e, ok := s.by[key]; ok {
		e.args[k] = e.args[k].(int64) + args[k].(int64)
		e.args[k+1] = e.args[k+1].(int64) + args[k+1].(int64)
		return
	}
	a := append(append([]any{}, args[:k]...), args[k], args[k+1], 0)
	s.by[key] = &sum{name: name, query: query, args: a}
	s.order = append(s.order, key)
}

// merge adds what o collected.
func (s *sums) merge(o *sums) {
	for _, k := range o.order {
		e := o.by[k]
		s.add(e.name, e.query, e.args)
	}
}

// write stores the sums in t.
func (s *sums) write(ctx context.Context, t *tx) error {
	for _, k := range s.order {
		e := s.by[k]
		if err := t.execLater(ctx, e.name, e.query, false, e.args...); err != nil {
			return err
		}
	}
	return nil
}

func (q txq) queryRow(ctx context.Context, query string, args ...any) Row {
	return q.t.queryRowContext(ctx, query, args...)
}

// paymentCustomer answers from the payment that the transaction read,
// when it did (a refund's write has locked its payment): no query.
func (q txq) paymentCustomer(ctx context.Context, qs map[string]string, accountID, paymentID string) (string, string, error) {
	if p, ok := q.t.seen.payments[paymentID]; ok {
		return p[0], p[1], nil
	}
	return queryPaymentCustomer(ctx, q, qs, accountID, paymentID)
}

// migrationq is a migration transaction's execQuerier.
type migrationq struct{ tx *sql.Tx }

func (q migrationq) exec(ctx context.Context, name, query string, args ...any) error {
	if _, err := q.tx.ExecContext(ctx, query, args...); err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	return nil
}

func (q migrationq) queryRow(ctx context.Context, query string, args ...any) Row {
	return q.tx.QueryRowContext(ctx, query, args...)
}

func (q migrationq) paymentCustomer(ctx context.Context, qs map[string]string, accountID, paymentID string) (string, string, error) {
	return queryPaymentCustomer(ctx, q, qs, accountID, paymentID)
}

func queryPaymentCustomer(ctx context.Context, db execQuerier, q map[string]string, accountID, paymentID string) (customer, email string, err error) {
	err = db.queryRow(ctx, q["payment_customer"], accountID, paymentID).Scan(&customer, &email)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return "", "", fmt.Errorf("payment_customer: %w", err)
	}
	return customer, email, nil
}

// seen is what a write transaction read or wrote of the documents that the
// aggregates need, so that a Put need not read them again: what each refund
// and capture adds (by id), and each payment's customer id and email.
type seen struct {
	counts   map[string]counting
	payments map[string][2]string
	// columns: the typed column values of every document read or written
	// (by kind/id), so that a Put that changes none of them updates data
	// alone (sqlstore.go).
	columns map[string][]any
}

func newAggregated(kind kessai.Kind) any {
	if kind == kessai.KindCapture {
		return &kessai.Capture{}
	}
	return &kessai.Refund{}
}

// see records a document the transaction read or wrote.
func (t *tx) see(d any) {
	if t.readOnly {
		return
	}
	if t.seen.counts == nil {
		t.seen.counts, t.seen.payments, t.seen.columns = map[string]counting{}, map[string][2]string{}, map[string][]any{}
	}
	if doc, ok := d.(kessai.Document); ok {
		if cols := docTables[doc.DocKind()]; len(cols) > 0 {
			if typed, err := typedArgs(doc, cols); err == nil {
				_, id := doc.DocKey()
				t.seen.columns[string(doc.DocKind())+"/"+id] = typed
			}
		}
	}
	switch v := d.(type) {
	case *kessai.Refund:
		t.seen.counts[v.ID] = counting{counts: refundCounts(v.Status), amount: v.Amount}
	case *kessai.Capture:
		t.seen.counts[v.ID] = counting{counts: captureCounts(v.State), amount: v.Amount}
	case *kessai.Payment:
		customer := ""
		if v.CustomerID != nil {
			customer = *v.CustomerID
		}
		t.seen.payments[v.ID] = [2]string{customer, strings.ToLower(v.Email)}
	}
}

// counted reads what the stored version of d adds to the aggregates, before
// Put overwrites it; nil for kinds that are not aggregated.
func (t *tx) counted(ctx context.Context, d kessai.Document) (*counting, error) {
	name := ""
	switch d.(type) {
	case *kessai.Refund:
		name = "refund_counted"
	case *kessai.Capture:
		name = "capture_counted"
	default:
		return nil, nil
	}
	acct, id := d.DocKey()
	if c, ok := t.seen.counts[id]; ok {
		return &c, nil
	}
	var status string
	var amount int64
	err := t.queryRowContext(ctx, t.s.q[name], acct, id).Scan(&status, &amount)
	if errors.Is(err, sql.ErrNoRows) {
		return &counting{}, nil // Put answers ErrNoRows
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if name == "refund_counted" {
		return &counting{counts: refundCounts(status), amount: amount}, nil
	}
	return &counting{counts: captureCounts(status), amount: amount}, nil
}

// aggregate adds the difference between what d adds now and what its
// stored version added (old; nil: it is new).
func (t *tx) aggregate(ctx context.Context, old *counting, d kessai.Document) error {
	if err := addAggregate(ctx, txq{t}, t.s.q, old, d); err != nil {
		return err
	}
	t.see(d)
	return nil
}

func addAggregate(ctx context.Context, db execQuerier, q map[string]string, old *counting, d kessai.Document) error {
	if old == nil {
		old = &counting{}
	}
	switch v := d.(type) {
	case *kessai.Refund:
		n, amount := delta(old, counting{counts: refundCounts(v.Status), amount: v.Amount})
		if n == 0 && amount == 0 {
			return nil
		}
		face := v.Face
		if face == "" {
			face = kessai.FacePayJP
		}
		reason := ""
		if v.Reason != nil {
			reason = *v.Reason
		}
		if err := db.exec(ctx, "refund_days_add", q["refund_days_add"], v.AccountID, kessai.JSTDay(v.CreatedAt), face, reason, n, amount, shardOf(v.ID)); err != nil {
			return err
		}
		customer, email, err := db.paymentCustomer(ctx, q, v.AccountID, v.PaymentID)
		if err != nil {
			return err
		}
		if customer == "" {
			customer = email
		}
		if err := db.exec(ctx, "refund_customers_add", q["refund_customers_add"], v.AccountID, kessai.JSTMonth(v.CreatedAt), customer, n, amount, shardOf(v.ID)); err != nil {
			return err
		}
	case *kessai.Capture:
		n, amount := delta(old, counting{counts: captureCounts(v.State), amount: v.Amount})
		if n == 0 && amount == 0 {
			return nil
		}
		face := v.Face
		if face == "" { // stored before captures kept their face: only MWS captured by Amazon then
			face = kessai.FacePayJP
			if v.Method == "amazon" {
				face = kessai.FaceMWS
			}
		}
		if err := db.exec(ctx, "capture_days_add", q["capture_days_add"], v.AccountID, kessai.JSTDay(v.CreatedAt), face, n, amount, shardOf(v.ID)); err != nil {
			return err
		}
	}
	return nil
}

// shards is how many rows each aggregate is split over (migration 13).
const shards = 32

// shardOf is the aggregate shard of an object id: concurrent refunds write
// different rows, and a refund's later changes its own.
func shardOf(id string) int64 {
	h := fnv.New32a()
	_, _ = h.Write([]byte(id))
	return int64(h.Sum32() % shards)
}

func delta(old *counting, now counting) (n, amount int64) {
	if old.counts {
		n, amount = -1, -old.amount
	}
	if now.counts {
		n, amount = n+1, amount+now.amount
	}
	return n, amount
}

func (t *tx) RefundDays(ctx context.Context, accountID string, from, to int) ([]kessai.RefundDay, error) {
	rows, err := t.queryContext(ctx, t.s.q["refund_days"], accountID, from, to)
	if err != nil {
		return nil, fmt.Errorf("refund_days: %w", err)
	}
	defer rows.Close()
	var out []kessai.RefundDay
	for rows.Next() {
		var d kessai.RefundDay
		var day int64
		if err := rows.Scan(&day, &d.Face, &d.Reason, &d.Count, &d.Amount); err != nil {
			return nil, err
		}
		d.Day = int(day)
		out = append(out, d)
	}
	return out, rows.Err()
}

func (t *tx) CaptureDays(ctx context.Context, accountID string, from, to int) ([]kessai.CaptureDay, error) {
	rows, err := t.queryContext(ctx, t.s.q["capture_days"], accountID, from, to)
	if err != nil {
		return nil, fmt.Errorf("capture_days: %w", err)
	}
	defer rows.Close()
	var out []kessai.CaptureDay
	for rows.Next() {
		var d kessai.CaptureDay
		var day int64
		if err := rows.Scan(&day, &d.Face, &d.Count, &d.Amount); err != nil {
			return nil, err
		}
		d.Day = int(day)
		out = append(out, d)
	}
	return out, rows.Err()
}

func (t *tx) TopRefundCustomers(ctx context.Context, accountID string, from, to, limit int) ([]kessai.CustomerRefunds, error) {
	rows, err := t.queryContext(ctx, t.s.q["top_refund_customers"], accountID, from, to, limit)
	if err != nil {
		return nil, fmt.Errorf("top_refund_customers: %w", err)
	}
	defer rows.Close()
	var out []kessai.CustomerRefunds
	for rows.Next() {
		var c kessai.CustomerRefunds
		if err := rows.Scan(&c.Customer, &c.Count, &c.Amount); err != nil {
			return nil, err
		}
		if c.Count != 0 || c.Amount != 0 {
			out = append(out, c)
		}
	}
	return out, rows.Err()
}

func (t *tx) ListAccounts(ctx context.Context, after string, limit int) ([]*kessai.Account, error) {
	rows, err := t.queryContext(ctx, t.s.q["list_accounts"], after, limit)
	if err != nil {
		return nil, fmt.Errorf("list_accounts: %w", err)
	}
	defer rows.Close()
	var out []*kessai.Account
	for rows.Next() {
		var data []byte
		var offset int64
		if err := rows.Scan(&data, &offset); err != nil {
			return nil, err
		}
		var a kessai.Account
		if err := json.Unmarshal(data, &a); err != nil {
			return nil, fmt.Errorf("list_accounts: decode: %w", err)
		}
		a.ClockOffset = time.Duration(offset) * time.Microsecond
		out = append(out, &a)
	}
	return out, rows.Err()
}

// searchQuery returns the search query for the fields s sets, and its
// arguments.
func (s *Store) searchQuery(accountID string, p kessai.PaymentSearch) (string, []any) {
	cursorAt, cursorID := int64(math.MaxInt64), ""
	if !p.After.CreatedAt.IsZero() || p.After.ID != "" {
		cursorAt, cursorID = us(p.After.CreatedAt), p.After.ID
	}
	if !p.To.IsZero() && us(p.To) <= cursorAt {
		cursorAt, cursorID = us(p.To), ""
	}
	limit := p.Limit
	if limit <= 0 {
		limit = 20
	}
	args := []any{accountID, cursorAt, cursorID, limit + 1}
	var cols []string
	add := func(col string, v any) {
		args = append(args, v)
		cols = append(cols, fmt.Sprintf(" AND %s = $%d", col, len(args)))
	}
	// The lower bound only when set: a range on both sides of created_at
	// would make SQLite's planner prefer the index that leads with it over
	// the one that leads with a filter's column.
	if !p.From.IsZero() {
		args = append(args, us(p.From))
		cols = append(cols, fmt.Sprintf(" AND created_at >= $%d", len(args)))
	}
	if p.Face != "" {
		add("face", p.Face)
	}
	if p.State != "" {
		add("state", p.State)
	}
	if p.Email != "" {
		add("email", strings.ToLower(p.Email))
	}
	if p.Amount != 0 {
		add("amount", p.Amount)
	}
	key := "search|" + strings.Join(cols, "")
	if q, ok := s.lists.Load(key); ok {
		return q.(string), args
	}
	q := strings.Replace(s.q["search_payments"], "{{filters}}", strings.Join(cols, ""), 1)
	s.lists.Store(key, q)
	return q, args
}

func (t *tx) SearchPayments(ctx context.Context, accountID string, p kessai.PaymentSearch) ([]*kessai.Payment, bool, error) {
	q, args := t.s.searchQuery(accountID, p)
	out, more, err := pageOf[kessai.Payment](ctx, t, "search_payments", q, args, args[3].(int)-1)
	if err != nil {
		return nil, false, err
	}
	return out, more, nil
}

// pageOf runs a query of documents that reads limit+1 rows and decodes
// them: the page, and whether there is more. name names it in errors.
func pageOf[T any](ctx context.Context, t *tx, name, q string, args []any, limit int) ([]*T, bool, error) {
	rows, err := t.queryContext(ctx, q, args...)
	if err != nil {
		return nil, false, fmt.Errorf("%s: %w", name, err)
	}
	defer rows.Close()
	var out []*T
	for rows.Next() {
		var data []byte
		if err := rows.Scan(&data); err != nil {
			return nil, false, err
		}
		v := new(T)
		if err := json.Unmarshal(data, v); err != nil {
			return nil, false, fmt.Errorf("%s: decode: %w", name, err)
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, false, err
	}
	more := len(out) > limit
	if more {
		out = out[:limit]
	}
	return out, more, nil
}

// ExplainSearch returns the database's plan for a payment search: the
// conformance suite checks that every search shape reads an index.
func (s *Store) ExplainSearch(ctx context.Context, p kessai.PaymentSearch) (string, error) {
	q, args := s.searchQuery("acct_x", p)
	return s.explain(ctx, q, args)
}

// BackfillDashboard is migration 14, the data half of migration 13: the
// payments' new columns, and the refund-analysis aggregates of the
// refunds and captures written before, computed by the code that keeps
// them since.
func BackfillDashboard(ctx context.Context, tx *sql.Tx) error {
	q := parseQueries(queriesSQL, Dialect{})
	type row struct {
		account, id string
		data        []byte
	}
	read := func(table string) ([]row, error) {
		rows, err := tx.QueryContext(ctx, `SELECT account_id, id, data FROM `+table+` ORDER BY account_id, id`)
		if err != nil {
			return nil, err
		}
		defer rows.Close()
		var out []row
		for rows.Next() {
			var r row
			if err := rows.Scan(&r.account, &r.id, &r.data); err != nil {
				return nil, err
			}
			out = append(out, r)
		}
		return out, rows.Err()
	}
	payments, err := read("payments")
	if err != nil {
		return fmt.Errorf("backfill payments: %w", err)
	}
	for _, r := range payments {
		var p kessai.Payment
		if err := json.Unmarshal(r.data, &p); err != nil {
			return fmt.Errorf("backfill payment %s: %w", r.id, err)
		}
		if p.Email == "" && p.Order != nil {
			p.Email = p.Order.Buyer.Email
		}
		if _, err := tx.ExecContext(ctx, `UPDATE payments SET email = $3, amount = $4, created_at = $5 WHERE account_id = $1 AND id = $2`,
			r.account, r.id, strings.ToLower(p.Email), p.Amount, us(p.CreatedAt)); err != nil {
			return fmt.Errorf("backfill payment %s: %w", r.id, err)
		}
	}
	for _, table := range []string{"captures", "refunds"} {
		docs, err := read(table)
		if err != nil {
			return fmt.Errorf("backfill %s: %w", table, err)
		}
		for _, r := range docs {
			var d kessai.Document = &kessai.Capture{}
			if table == "refunds" {
				d = &kessai.Refund{}
			}
			if err := json.Unmarshal(r.data, d); err != nil {
				return fmt.Errorf("backfill %s %s: %w", table, r.id, err)
			}
			if err := addAggregate(ctx, migrationq{tx}, q, nil, d); err != nil {
				return fmt.Errorf("backfill %s %s: %w", table, r.id, err)
			}
		}
	}
	return nil
}

// UndoBackfillDashboard is migration 14 down: migration 13's down drops
// what it filled.
func UndoBackfillDashboard(ctx context.Context, tx *sql.Tx) error { return nil }

func (t *tx) PaymentLedger(ctx context.Context, accountID, paymentID string) ([]kessai.LedgerEntry, error) {
	rows, err := t.queryContext(ctx, t.s.q["payment_ledger"], accountID, paymentID)
	if err != nil {
		return nil, fmt.Errorf("payment_ledger: %w", err)
	}
	defer rows.Close()
	var out []kessai.LedgerEntry
	for rows.Next() {
		e := kessai.LedgerEntry{AccountID: accountID, PaymentID: paymentID}
		var at int64
		if err := rows.Scan(&e.TxnID, &e.LedgerAccount, &e.Currency, &e.Amount, &at); err != nil {
			return nil, err
		}
		e.CreatedAt = fromUS(at)
		out = append(out, e)
	}
	return out, rows.Err()
}
