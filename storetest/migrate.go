package storetest

import (
	"context"
	"database/sql"
	"slices"
	"testing"

	"github.com/kessai/kessai/sqlstore"
)

// Migrations checks a dialect's migrations on db, a fresh empty database:
// the first run applies every version in order, a second run applies
// nothing, and going down to version 0 drops the schema that going up
// again brings back.
func Migrations(t *testing.T, db *sql.DB, m sqlstore.Migrations) {
	t.Helper()
	ctx := context.Background()
	p, err := m.Provider(db)
	if err != nil {
		t.Fatal(err)
	}
	var all []int64
	for _, s := range p.ListSources() {
		all = append(all, s.Version)
	}
	if len(all) == 0 || !slices.IsSorted(all) {
		t.Fatalf("migration versions %v: want some, in order", all)
	}
	latest := all[len(all)-1]
	tableThere := func() bool {
		// accounts is made by the first migration and dropped by its Down.
		_, err := db.ExecContext(ctx, "SELECT COUNT(*) FROM accounts")
		return err == nil
	}

	tests := []struct {
		name        string
		run         func() (sqlstore.MigrationStatus, error)
		wantApplied []int64
		wantVersion int64
		wantSchema  bool
	}{
		{"fresh_database_applies_every_version", func() (sqlstore.MigrationStatus, error) { return sqlstore.Migrate(ctx, db, m) },
			all, latest, true},
		{"second_run_applies_nothing", func() (sqlstore.MigrationStatus, error) { return sqlstore.Migrate(ctx, db, m) },
			nil, latest, true},
		{"down_to_zero_drops_the_schema", func() (sqlstore.MigrationStatus, error) {
			_, err := p.DownTo(ctx, 0)
			return sqlstore.MigrationStatus{}, err
		}, nil, 0, false},
		{"up_again_applies_every_version", func() (sqlstore.MigrationStatus, error) { return sqlstore.Migrate(ctx, db, m) },
			all, latest, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			st, err := tc.run()
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(st.Applied, tc.wantApplied) {
				t.Errorf("applied %v, want %v", st.Applied, tc.wantApplied)
			}
			v, err := p.GetDBVersion(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if v != tc.wantVersion {
				t.Errorf("database at version %d, want %d", v, tc.wantVersion)
			}
			if got := tableThere(); got != tc.wantSchema {
				t.Errorf("table accounts there: %v, want %v", got, tc.wantSchema)
			}
		})
	}
}
