// Package postgres opens kessai's production store on PostgreSQL through
// jackc/pgx/v5. Writers that touch the same payment are serialised with
// SELECT … FOR UPDATE; workers claim jobs with FOR UPDATE SKIP LOCKED, so
// any number of kessai processes can share one database.
package postgres

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"embed"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" database/sql driver
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"

	"github.com/kessai/kessai/sqlstore"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// lockID is the PostgreSQL advisory lock that processes migrating one
// database take turns on; kessai's migrator has held this one since before
// goose, so old and new binaries starting together exclude each other too.
const lockID = 7738164935127302145

// Migrations returns PostgreSQL's embedded schema migrations. They run
// under a session-level advisory lock, so that any number of kessai
// processes can start against one database at once: one migrates, the
// others wait for it (checking every second, for up to five minutes).
func Migrations() sqlstore.Migrations {
	fsys, err := fs.Sub(migrationFiles, "migrations")
	if err != nil {
		panic(err) // the directory is embedded
	}
	return sqlstore.Migrations{Dialect: goose.DialectPostgres, FS: fsys,
		NewLocker: func() (lock.SessionLocker, error) {
			return lock.NewPostgresSessionLocker(lock.WithLockID(lockID), lock.WithLockTimeout(1, 300))
		}}
}

var dialect = sqlstore.Dialect{
	Name:       "postgres",
	ForUpdate:  " FOR UPDATE",
	SkipLocked: " FOR UPDATE SKIP LOCKED",
	IsDuplicate: func(err error) bool {
		var e *pgconn.PgError
		return errors.As(err, &e) && e.Code == "23505"
	},
	IsRetryable: func(err error) bool {
		var e *pgconn.PgError
		return errors.As(err, &e) && (e.Code == "40001" || e.Code == "40P01")
	},
	IsUnavailable: unavailable,
}

// unavailable reports whether err says PostgreSQL cannot serve now: no
// connection (refused, reset, closed, timed out), or the server says so
// itself — class 08 (connection exception), 53 (insufficient resources:
// disk full, too many connections), 57P01–57P03 (shutting down, starting).
func unavailable(err error) bool {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return strings.HasPrefix(pe.Code, "08") || strings.HasPrefix(pe.Code, "53") ||
			pe.Code == "57P01" || pe.Code == "57P02" || pe.Code == "57P03"
	}
	var ce *pgconn.ConnectError
	var ne net.Error
	return errors.As(err, &ce) || errors.As(err, &ne) || pgconn.Timeout(err) ||
		errors.Is(err, driver.ErrBadConn) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) || errors.Is(err, net.ErrClosed) ||
		errors.Is(err, sql.ErrConnDone)
}

func init() { dialect.Transact = transact }

// Migrate applies the pending migrations to the PostgreSQL database of a
// postgres:// URL and reports what it did. Open does the same before it
// returns a store.
func Migrate(ctx context.Context, databaseURL string) (sqlstore.MigrationStatus, error) {
	db, err := connect(ctx, databaseURL)
	if err != nil {
		return sqlstore.MigrationStatus{}, err
	}
	defer db.Close()
	return sqlstore.Migrate(ctx, db, Migrations())
}

// Open connects to the PostgreSQL database of a postgres:// URL and applies
// the migrations. When it cannot connect, the error says why and what to do
// (a missing database: create it with createdb).
func Open(ctx context.Context, databaseURL string) (*sqlstore.Store, error) {
	db, err := connect(ctx, databaseURL)
	if err != nil {
		return nil, err
	}
	if _, err := sqlstore.Migrate(ctx, db, Migrations()); err != nil {
		db.Close()
		return nil, err
	}
	return sqlstore.New(dialect, db, db), nil
}

// connect opens the pool and checks that the server answers.
func connect(ctx context.Context, databaseURL string) (*sql.DB, error) {
	db, err := sql.Open("pgx", databaseURL)
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(16)
	db.SetMaxIdleConns(16)
	db.SetConnMaxIdleTime(5 * time.Minute)
	pingCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := db.PingContext(pingCtx); err != nil {
		db.Close()
		return nil, explain(databaseURL, err)
	}
	return db, nil
}

// explain turns the failure to connect to databaseURL into an error that
// says what to do: create a missing database, start the server, fix the
// user or password.
func explain(databaseURL string, err error) error {
	cfg, perr := pgconn.ParseConfig(databaseURL)
	if perr != nil {
		return err
	}
	where := fmt.Sprintf("PostgreSQL at %s:%d", cfg.Host, cfg.Port)
	var pg *pgconn.PgError
	switch {
	case errors.As(err, &pg) && pg.Code == "3D000": // invalid_catalog_name
		return &connectError{fmt.Sprintf("%s: database %s does not exist: create it with createdb %s (or CREATE DATABASE %s)",
			where, cfg.Database, cfg.Database, cfg.Database), err}
	case errors.As(err, &pg) && (pg.Code == "28P01" || pg.Code == "28000"): // invalid_password, invalid_authorization_specification
		return &connectError{fmt.Sprintf("%s refused user %s: %s: check the user and password in the database URL", where, cfg.User, pg.Message), err}
	case errors.Is(err, syscall.ECONNREFUSED):
		return &connectError{where + " refuses connections: is PostgreSQL running and listening there?", err}
	}
	return fmt.Errorf("%s: %w", where, err)
}

// connectError is a failure to connect, told in a sentence of kessai's
// own instead of the driver's.
type connectError struct {
	msg string
	err error
}

func (e *connectError) Error() string { return e.msg }

func (e *connectError) Unwrap() error { return e.err }
