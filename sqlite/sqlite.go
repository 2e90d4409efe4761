// Package sqlite opens kessai's embedded store: a SQLite file through the
// pure-Go modernc.org/sqlite driver, in WAL mode with synchronous=FULL so
// that a committed transaction survives a crash or power loss. Writers are
// serialised by one connection that begins IMMEDIATE transactions; readers
// use their own pool and never block the writer.
package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"strings"
	"time"

	"github.com/pressly/goose/v3"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/kessai/kessai/sqlstore"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// Migrations returns SQLite's embedded schema migrations. They run without a
// lock: one process owns a SQLite file.
func Migrations() sqlstore.Migrations {
	fsys, err := fs.Sub(migrationFiles, "migrations")
	if err != nil {
		panic(err) // the directory is embedded
	}
	return sqlstore.Migrations{Dialect: goose.DialectSQLite3, FS: fsys}
}

var dialect = sqlstore.Dialect{
	Name: "sqlite",
	// One writer, whose every commit is an fsync: put concurrent writes
	// into one transaction.
	GroupCommit:       true,
	PrepareStatements: true,
	// The writer never checkpoints (wal_autocheckpoint(0)): a commit that
	// crossed SQLite's threshold used to copy the WAL into the database
	// and fsync it before answering its batch. A reader connection does it
	// in the background instead; PASSIVE waits for nobody.
	Checkpoint: func(ctx context.Context, db *sql.DB) (int, error) {
		var busy, frames, copied int
		err := db.QueryRowContext(ctx, "PRAGMA wal_checkpoint(PASSIVE)").Scan(&busy, &frames, &copied)
		return frames, err
	},
	CheckpointEvery: 100 * time.Millisecond,
	WALLimit:        walLimit,
	IsDuplicate: func(err error) bool {
		var e *sqlite.Error
		return errors.As(err, &e) && (e.Code() == sqlite3.SQLITE_CONSTRAINT_UNIQUE || e.Code() == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY)
	},
	IsRetryable: func(err error) bool {
		var e *sqlite.Error
		return errors.As(err, &e) && (e.Code()&0xff == sqlite3.SQLITE_BUSY)
	},
	// The disk is full or failing, the file cannot be opened, or another
	// process held the lock past the busy timeout: the same write may
	// succeed later.
	IsUnavailable: func(err error) bool {
		var e *sqlite.Error
		if !errors.As(err, &e) {
			return false
		}
		switch e.Code() & 0xff {
		case sqlite3.SQLITE_FULL, sqlite3.SQLITE_IOERR, sqlite3.SQLITE_BUSY, sqlite3.SQLITE_CANTOPEN, sqlite3.SQLITE_NOMEM:
			return true
		}
		return false
	},
}

// walLimit is Dialect.WALLimit: 8,000 frames, 32 MB of 4 KB pages (a
// variable for tests).
var walLimit = 8000

// PathFromURL returns the file path of a "sqlite:PATH" or "sqlite://PATH"
// database URL.
func PathFromURL(u string) (string, error) {
	p, ok := strings.CutPrefix(u, "sqlite:")
	if !ok {
		return "", fmt.Errorf("sqlite: not a sqlite URL: %q", u)
	}
	p = strings.TrimPrefix(p, "//")
	if i := strings.IndexByte(p, '?'); i >= 0 {
		p = p[:i]
	}
	if p == "" {
		return "", errors.New("sqlite: empty path")
	}
	return p, nil
}

func dsn(path, txlock string) string {
	q := url.Values{}
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "synchronous(FULL)")
	q.Add("_pragma", "busy_timeout(10000)")
	q.Add("_pragma", "temp_store(MEMORY)")
	q.Add("_pragma", "wal_autocheckpoint(0)")
	// A WAL that a burst made larger is cut back when it starts again.
	q.Add("_pragma", fmt.Sprintf("journal_size_limit(%d)", 2*walLimit*4096))
	q.Add("_txlock", txlock)
	return "file:" + path + "?" + q.Encode()
}

// openWriter opens the pool of the one writing connection.
func openWriter(path string) (*sql.DB, error) {
	write, err := sql.Open("sqlite", dsn(path, "immediate"))
	if err != nil {
		return nil, err
	}
	write.SetMaxOpenConns(1)
	write.SetMaxIdleConns(1)
	write.SetConnMaxLifetime(0)
	return write, nil
}

// Migrate applies the pending migrations to the SQLite database at the path
// of a sqlite: URL, creating the file if needed, and reports what it did.
// Open does the same before it returns a store. A file that cannot be
// opened or written gives a *PathError that says why.
func Migrate(ctx context.Context, databaseURL string) (sqlstore.MigrationStatus, error) {
	path, err := PathFromURL(databaseURL)
	if err != nil {
		return sqlstore.MigrationStatus{}, err
	}
	if err := preflight(path); err != nil {
		return sqlstore.MigrationStatus{}, err
	}
	write, err := openWriter(path)
	if err != nil {
		return sqlstore.MigrationStatus{}, err
	}
	defer write.Close()
	st, err := sqlstore.Migrate(ctx, write, Migrations())
	if err != nil {
		return st, explain(path, err)
	}
	return st, nil
}

// Open opens (creating if needed) the SQLite database at the path of a
// sqlite: URL and applies the migrations. A file that cannot be opened or
// written gives a *PathError that says why.
func Open(ctx context.Context, databaseURL string) (*sqlstore.Store, error) {
	path, err := PathFromURL(databaseURL)
	if err != nil {
		return nil, err
	}
	if err := preflight(path); err != nil {
		return nil, err
	}
	write, err := openWriter(path)
	if err != nil {
		return nil, err
	}
	if _, err := sqlstore.Migrate(ctx, write, Migrations()); err != nil {
		write.Close()
		return nil, explain(path, err)
	}
	read, err := sql.Open("sqlite", dsn(path, "deferred"))
	if err != nil {
		write.Close()
		return nil, err
	}
	read.SetMaxOpenConns(4)
	return sqlstore.New(dialect, write, read), nil
}
