package postgres

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/kessai/kessai"
	"github.com/kessai/kessai/sqlstore"
)

// Pipelined transactions. A refund used to cost sixteen round trips to
// PostgreSQL: BEGIN, one per statement, COMMIT. Most of its statements are
// writes whose outcome nothing reads before the commit (the payment and
// capture rewritten, the ledger legs, the event, the idempotency record
// completed), so a pipe holds them and sends them in one pgx batch with the
// next statement that must be answered, or with the COMMIT; BEGIN goes with
// the first statement. The refund now costs eight.
//
// database/sql keeps the pool; a transaction runs on the pgx connection
// underneath one of its connections (sql.Conn.Raw).

// transact is the postgres Dialect's Transact.
func transact(ctx context.Context, db *sql.DB, readOnly bool, fn func(sqlstore.Conn) error) error {
	conn, err := db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer conn.Close()
	var result error
	err = conn.Raw(func(dc any) error {
		sc, ok := dc.(*stdlib.Conn)
		if !ok {
			return fmt.Errorf("postgres: the pool's connection is a %T, not pgx's", dc)
		}
		p := &pipe{c: sc.Conn(), begin: "BEGIN"}
		if readOnly {
			// kessai's transactions are READ COMMITTED, where every
			// statement reads its own snapshot: a read-only transaction
			// would add BEGIN and COMMIT round trips and nothing else.
			p.begin, p.autocommit = "", true
		}
		if err := fn(p); err != nil {
			result = err
			if rerr := p.rollback(ctx); rerr != nil {
				return driver.ErrBadConn // its state is unknown: database/sql closes it
			}
			return nil
		}
		if err := p.commit(ctx); err != nil {
			result = fmt.Errorf("commit: %w", err)
			if p.c.PgConn().TxStatus() != 'I' {
				if rerr := p.rollback(ctx); rerr != nil {
					return driver.ErrBadConn
				}
			}
		}
		return nil
	})
	if result != nil {
		return result
	}
	return err
}

// pipe is a transaction that sends BEGIN and the writes given to ExecLater
// with the next statement that must be answered.
type pipe struct {
	c     *pgx.Conn
	begin string // the statement that opens the transaction, until it is sent
	later []later
	err   error // the first failure: the transaction is lost, every call returns it
	// autocommit: no transaction, each statement on its own (reads only)
	autocommit bool
}

type later struct {
	query string
	args  []any
	l     sqlstore.Later
}

// mustAffectQuery wraps a write that must change a row so that the
// database itself fails the transaction when it changes none: the COMMIT
// may travel in the same batch, and a check made on the answers would come
// after the commit. Dividing by the count of changed rows is the check;
// settle turns that error into the write's ErrNoRows.
func mustAffectQuery(q string) string {
	return "WITH w AS (" + q + " RETURNING 1) SELECT 1 / count(*) FROM w"
}

// divisionByZero is SQLSTATE 22012, which mustAffectQuery raises.
func divisionByZero(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && pe.Code == "22012"
}

// idle reports whether nothing is waiting to be sent.
func (p *pipe) idle() bool { return p.begin == "" && len(p.later) == 0 }

// send sends what waits, then query (unless it is ""), in one batch, and
// reads the results of what waited. The caller reads query's result from
// the batch and closes it.
func (p *pipe) send(ctx context.Context, query string, args []any) (pgx.BatchResults, error) {
	b := &pgx.Batch{}
	if p.begin != "" {
		b.Queue(p.begin)
	}
	for _, l := range p.later {
		b.Queue(l.query, l.args...)
	}
	if query != "" {
		b.Queue(query, args...)
	}
	br := p.c.SendBatch(ctx, b)
	err := p.settle(br)
	if err != nil {
		_ = br.Close()
		return nil, err
	}
	return br, nil
}

func (p *pipe) settle(br pgx.BatchResults) error {
	if p.begin != "" {
		if _, err := br.Exec(); err != nil {
			return p.fail(fmt.Errorf("begin: %w", err))
		}
		p.begin = ""
	}
	waiting := p.later
	p.later = nil
	for _, w := range waiting {
		tag, err := br.Exec()
		if w.l.MustAffect != "" && divisionByZero(err) {
			err = w.l.Failure()
		}
		if err != nil {
			return p.fail(err)
		}
		if w.l.Affected != nil {
			w.l.Affected(tag.RowsAffected())
		}
	}
	return nil
}

// fail records the transaction's first failure and returns it as a
// statement that carried a waiting write tells it: the write failed where
// nobody waited for it, so its error must not look like that statement's own
// "no rows" or "duplicate", which a caller may take for an answer. A failure
// that a retry can avoid keeps its cause, for the store's retry, and one
// that says the database is away keeps kessai.ErrUnavailable; the commit
// returns the error as it was.
func (p *pipe) fail(err error) error {
	if p.err == nil {
		p.err = err
	}
	return p.failed()
}

func (p *pipe) failed() error {
	if dialect.IsRetryable(p.err) {
		return p.err
	}
	if unavailable(p.err) { // the database went away: say so, and only so
		return fmt.Errorf("%w: postgres: the transaction failed: %s", kessai.ErrUnavailable, p.err.Error())
	}
	return fmt.Errorf("postgres: the transaction failed: %s", p.err.Error())
}

func (p *pipe) Exec(ctx context.Context, query string, args ...any) (int64, error) {
	if p.err != nil {
		return 0, p.failed()
	}
	if p.autocommit {
		return 0, p.fail(errors.New("postgres: a write in a read-only transaction"))
	}
	if p.idle() {
		tag, err := p.c.Exec(ctx, query, args...)
		return tag.RowsAffected(), err
	}
	br, err := p.send(ctx, query, args)
	if err != nil {
		return 0, err
	}
	tag, err := br.Exec()
	if cerr := br.Close(); err == nil {
		err = cerr
	}
	return tag.RowsAffected(), err
}

func (p *pipe) ExecLater(_ context.Context, query string, l sqlstore.Later, args ...any) error {
	if p.err != nil {
		return p.failed()
	}
	if p.autocommit {
		return p.fail(errors.New("postgres: a write in a read-only transaction"))
	}
	if l.MustAffect != "" {
		query = mustAffectQuery(query)
	}
	p.later = append(p.later, later{query: query, args: args, l: l})
	return nil
}

func (p *pipe) QueryRow(ctx context.Context, query string, args ...any) sqlstore.Row {
	if p.err != nil {
		return errRow{p.failed()}
	}
	if p.idle() {
		return p.c.QueryRow(ctx, query, args...)
	}
	br, err := p.send(ctx, query, args)
	if err != nil {
		return errRow{err}
	}
	return batchRow{row: br.QueryRow(), br: br}
}

func (p *pipe) Query(ctx context.Context, query string, args ...any) (sqlstore.Rows, error) {
	if p.err != nil {
		return nil, p.failed()
	}
	if p.idle() {
		rows, err := p.c.Query(ctx, query, args...)
		if err != nil {
			return nil, err
		}
		return &pgRows{Rows: rows}, nil
	}
	br, err := p.send(ctx, query, args)
	if err != nil {
		return nil, err
	}
	rows, err := br.Query()
	if err != nil {
		_ = br.Close()
		return nil, err
	}
	return &pgRows{Rows: rows, br: br}, nil
}

// commit sends what waits with COMMIT.
func (p *pipe) commit(ctx context.Context) error {
	if p.err != nil {
		return p.err
	}
	if p.autocommit {
		return nil
	}
	if p.begin != "" && len(p.later) == 0 {
		return nil // nothing was sent: there is no transaction
	}
	br, err := p.send(ctx, "COMMIT", nil)
	if err != nil {
		return p.err // as it was: no statement of the caller's carried it
	}
	tag, err := br.Exec()
	if cerr := br.Close(); err == nil {
		err = cerr
	}
	if err == nil && tag.String() != "COMMIT" {
		// PostgreSQL answers COMMIT of a failed transaction with ROLLBACK.
		err = errors.New("postgres: the transaction was rolled back")
	}
	return err
}

// rollback ends the transaction if one was opened.
func (p *pipe) rollback(ctx context.Context) error {
	if p.c.IsClosed() {
		return errors.New("postgres: the connection is closed")
	}
	if p.c.PgConn().TxStatus() == 'I' {
		return nil
	}
	_, err := p.c.Exec(context.WithoutCancel(ctx), "ROLLBACK")
	return err
}

type errRow struct{ err error }

func (r errRow) Scan(...any) error { return r.err }

// batchRow is the one-row answer of a batch's last statement; scanning it
// closes the batch.
type batchRow struct {
	row pgx.Row
	br  pgx.BatchResults
}

func (r batchRow) Scan(dest ...any) error {
	err := r.row.Scan(dest...)
	if cerr := r.br.Close(); err == nil {
		err = cerr
	}
	return err
}

// pgRows adapts pgx.Rows to sqlstore.Rows; closing it closes its batch.
type pgRows struct {
	pgx.Rows
	br pgx.BatchResults
}

func (r *pgRows) Close() error {
	r.Rows.Close()
	if r.br != nil {
		if err := r.br.Close(); err != nil {
			return err
		}
	}
	return r.Rows.Err()
}
