// Package postgres opens kessai's production store on PostgreSQL through
// jackc/pgx/v5. Writers that touch the same payment are serialised with
// SELECT … FOR UPDATE; workers claim jobs with FOR UPDATE SKIP LOCKED, so
// any number of kessai processes can share one database.
package postgres

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"io/fs"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" database/sql driver

	"github.com/kessai/kessai/sqlstore"
)

//go:embed migrations/*.sql
var migrations embed.FS

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
}

// Open connects to the PostgreSQL database of a postgres:// URL and applies
// the migrations.
func Open(ctx context.Context, databaseURL string) (*sqlstore.Store, error) {
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
		return nil, err
	}
	sub, _ := fs.Sub(migrations, "migrations")
	if err := sqlstore.Migrate(ctx, db, sub, "SELECT pg_advisory_lock(7738164935127302145)", "SELECT pg_advisory_unlock(7738164935127302145)"); err != nil {
		db.Close()
		return nil, err
	}
	return sqlstore.New(dialect, db, db), nil
}
