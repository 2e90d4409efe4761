package sqlstore

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/kessai/kessai"
)

// Conn is one transaction on the database, as a tx runs its statements.
// Package sqlstore runs transactions through database/sql; a Dialect may
// supply its own (Dialect.Transact), as package postgres does to send
// several statements in one round trip.
type Conn interface {
	// Exec runs a statement and returns the rows it affected.
	Exec(ctx context.Context, query string, args ...any) (int64, error)
	// ExecLater runs a write whose outcome the caller does not wait for:
	// the Conn may hold it and send it with the next statement or with the
	// commit, so that several writes cost one round trip. A failure of the
	// write fails the transaction: that statement, or the commit, returns
	// the error, and nothing of the transaction is committed.
	ExecLater(ctx context.Context, query string, l Later, args ...any) error
	// QueryRow runs a query expected to return at most one row; Scan
	// returns sql.ErrNoRows (or an error that wraps it) when none did.
	QueryRow(ctx context.Context, query string, args ...any) Row
	Query(ctx context.Context, query string, args ...any) (Rows, error)
}

// Later says what a write given to ExecLater must do and who waits for its
// outcome.
type Later struct {
	// MustAffect, when set, names a write that must change a row: one that
	// changes none fails the transaction with an error that wraps
	// kessai.ErrNoRows, before the commit (a PostgreSQL pipe has the
	// database check it, since the COMMIT may travel with the write).
	MustAffect string
	// Fail is the error such a write wraps (default kessai.ErrNoRows).
	Fail error
	// Affected, when set, is told the rows the write changed, before the
	// statement that carried it returns. It cannot fail the transaction,
	// and is not given with MustAffect.
	Affected func(rows int64)
}

// Failure is the error of a MustAffect write that changed no row.
func (l Later) Failure() error {
	if l.Fail != nil {
		return fmt.Errorf("%s: %w", l.MustAffect, l.Fail)
	}
	return fmt.Errorf("%s: %w", l.MustAffect, kessai.ErrNoRows)
}

// Row is a QueryRow result.
type Row interface{ Scan(dest ...any) error }

// Rows is a Query result.
type Rows interface {
	Next() bool
	Scan(dest ...any) error
	Err() error
	Close() error
}

// sqlConn is a Conn on a database/sql transaction. It uses the statements
// the store prepared on db when it opened: re-preparing every statement of
// every transaction cost SQLite a sixth of its CPU.
type sqlConn struct {
	s  *Store
	tx *sql.Tx
	db *sql.DB // the pool tx came from, whose prepared statements it uses
}

func (c *sqlConn) Exec(ctx context.Context, query string, args ...any) (int64, error) {
	var res sql.Result
	var err error
	if st := c.s.stmt(c.db, query); st != nil {
		res, err = c.tx.StmtContext(ctx, st).ExecContext(ctx, args...)
	} else {
		res, err = c.tx.ExecContext(ctx, query, args...)
	}
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

// ExecLater runs the write at once: database/sql offers no pipelining, and
// SQLite, in process, needs none.
func (c *sqlConn) ExecLater(ctx context.Context, query string, l Later, args ...any) error {
	n, err := c.Exec(ctx, query, args...)
	if err != nil {
		return err
	}
	if l.Affected != nil {
		l.Affected(n)
	}
	if l.MustAffect != "" && n == 0 {
		return l.Failure()
	}
	return nil
}

func (c *sqlConn) QueryRow(ctx context.Context, query string, args ...any) Row {
	if st := c.s.stmt(c.db, query); st != nil {
		return c.tx.StmtContext(ctx, st).QueryRowContext(ctx, args...)
	}
	return c.tx.QueryRowContext(ctx, query, args...)
}

func (c *sqlConn) Query(ctx context.Context, query string, args ...any) (Rows, error) {
	if st := c.s.stmt(c.db, query); st != nil {
		return c.tx.StmtContext(ctx, st).QueryContext(ctx, args...)
	}
	return c.tx.QueryContext(ctx, query, args...)
}
