package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"io/fs"

	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"
)

// Migrations are one dialect's schema migrations, run by goose: files
// NNNNN_name.sql at the root of FS, each with a "-- +goose Up" and a
// "-- +goose Down" section. goose records the applied versions in the table
// goose_db_version and runs each file in its own transaction.
type Migrations struct {
	Dialect goose.Dialect
	FS      fs.FS
	// NewLocker, when set, returns a lock that makes processes migrating
	// one database at the same time take turns: the first applies the
	// pending migrations, the others wait and then find nothing to do.
	NewLocker func() (lock.SessionLocker, error)
}

// MigrationStatus is what Migrate did to a database.
type MigrationStatus struct {
	Applied []int64 // versions applied by this run, in order
	Version int64   // the database's version afterwards
	Latest  int64   // the newest version among the migrations
}

// Provider returns a goose provider of the migrations on db, for Migrate
// and for tools and tests that go down or to a version.
func (m Migrations) Provider(db *sql.DB) (*goose.Provider, error) {
	// Migrations come from FS and goMigrations only, never from goose's
	// global registry.
	opts := []goose.ProviderOption{goose.WithDisableGlobalRegistry(true), goose.WithGoMigrations(goMigrations()...)}
	if m.NewLocker != nil {
		l, err := m.NewLocker()
		if err != nil {
			return nil, err
		}
		opts = append(opts, goose.WithSessionLocker(l))
	}
	return goose.NewProvider(m.Dialect, db, m.FS, opts...)
}

// Migrate applies the migrations that db has not seen, in order.
func Migrate(ctx context.Context, db *sql.DB, m Migrations) (MigrationStatus, error) {
	var st MigrationStatus
	p, err := m.Provider(db)
	if err != nil {
		return st, fmt.Errorf("migrate: %w", err)
	}
	results, err := p.Up(ctx)
	if err != nil {
		return st, fmt.Errorf("migrate: %w", err)
	}
	for _, r := range results {
		st.Applied = append(st.Applied, r.Source.Version)
	}
	if st.Version, err = p.GetDBVersion(ctx); err != nil {
		return st, fmt.Errorf("migrate: %w", err)
	}
	for _, s := range p.ListSources() {
		st.Latest = max(st.Latest, s.Version)
	}
	return st, nil
}

// goMigrations are the migrations written in Go, shared by both dialects:
// data changes that SQL would have to spell twice. Their versions sit
// between the dialects' SQL files.
func goMigrations() []*goose.Migration {
	return []*goose.Migration{
		goose.NewGoMigration(4, &goose.GoFunc{RunTx: BackfillCoreObjects}, &goose.GoFunc{RunTx: UndoBackfillCoreObjects}),
		goose.NewGoMigration(14, &goose.GoFunc{RunTx: BackfillDashboard}, &goose.GoFunc{RunTx: UndoBackfillDashboard}),
	}
}
