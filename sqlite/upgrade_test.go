package sqlite_test

import (
	"context"
	"database/sql"
	"testing"

	"github.com/kessai/kessai"
	"github.com/kessai/kessai/internal/kessaitest"
	"github.com/kessai/kessai/internal/testdb"
	"github.com/kessai/kessai/internal/upgradetest"
	"github.com/kessai/kessai/sqlite"
	"github.com/kessai/kessai/sqlstore"
)

// TestOpen_UpgradesV1Database opens a database written by kessai d9a9013
// (before goose) and checks that its data survives and takes new writes.
func TestOpen_UpgradesV1Database(t *testing.T) {
	t.Parallel()
	u := testdb.FromDump(t, "sqlite", "testdata/v1_fixture.sql")
	up := upgradetest.Upgrade(t, upgradetest.V1SQLite, upgradetest.UpgradeDialect{
		Open:    func(ctx context.Context) (kessai.Store, error) { return sqlite.Open(ctx, u) },
		Migrate: func(ctx context.Context) (sqlstore.MigrationStatus, error) { return sqlite.Migrate(ctx, u) },
	})
	// Every object agrees with its ledger accounts, before and after new
	// writes.
	kessaitest.CheckLedger(t, up.Store, up.Fixture.AccountID)
	up.CheckWrites(t)
	kessaitest.CheckLedger(t, up.Store, up.Fixture.AccountID)
}

// TestOpen_RefundTimesFromBeforeMigration21: refunds written before
// migration 21 (both faces, ids in no time order) are listed by time once
// it has filled their column from their documents.
func TestOpen_RefundTimesFromBeforeMigration21(t *testing.T) {
	t.Parallel()
	u := testdb.FromDump(t, "sqlite", "testdata/v1_fixture.sql")
	path, err := sqlite.PathFromURL(u)
	if err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	upgradetest.RefundTimes(t, upgradetest.V1SQLite, db, sqlite.Migrations(),
		func(ctx context.Context) (kessai.Store, error) { return sqlite.Open(ctx, u) })
}
