package sqlite_test

import (
	"database/sql"
	"path/filepath"
	"testing"

	"github.com/kessai/kessai/sqlite"
	"github.com/kessai/kessai/storetest"
)

func TestMigrations(t *testing.T) {
	t.Parallel()
	db, err := sql.Open("sqlite", "file:"+filepath.Join(t.TempDir(), "kessai.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	storetest.Migrations(t, db, sqlite.Migrations())
}
