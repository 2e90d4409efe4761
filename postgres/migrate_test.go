package postgres_test

import (
	"context"
	"database/sql"
	"sync"
	"testing"

	"github.com/kessai/kessai/internal/testdb"
	"github.com/kessai/kessai/postgres"
	"github.com/kessai/kessai/storetest"
)

func TestMigrations(t *testing.T) {
	t.Parallel()
	db, err := sql.Open("pgx", testdb.PostgresURL(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	storetest.Migrations(t, db, postgres.Migrations())
}

// TestOpen_ConcurrentProcessesMigrateOnce starts several Opens against one
// database with pending migrations at once, as several kessai processes
// starting together would (each Open has its own connections): all must
// succeed, and each migration must be applied once.
func TestOpen_ConcurrentProcessesMigrateOnce(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		prepare func(t *testing.T, db *sql.DB)
	}{
		{"fresh_database", func(*testing.T, *sql.DB) {}},
		// goose creates its table before taking the lock; with the table
		// there, the Opens go straight to the lock, as on an upgrade.
		{"goose_table_with_every_migration_pending", func(t *testing.T, db *sql.DB) {
			p, err := postgres.Migrations().Provider(db)
			if err != nil {
				t.Fatal(err)
			}
			if pending, err := p.HasPending(context.Background()); err != nil || !pending {
				t.Fatalf("pending %v, err %v; want pending", pending, err)
			}
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			u := testdb.PostgresURL(t)
			db, err := sql.Open("pgx", u)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			tc.prepare(t, db)

			const n = 4
			var wg sync.WaitGroup
			errs := make([]error, n)
			for i := range n {
				wg.Go(func() {
					s, err := postgres.Open(ctx, u)
					if err == nil {
						err = s.Close()
					}
					errs[i] = err
				})
			}
			wg.Wait()
			for i, err := range errs {
				if err != nil {
					t.Errorf("Open %d: %v", i, err)
				}
			}

			st, err := postgres.Migrate(ctx, u)
			if err != nil {
				t.Fatal(err)
			}
			if len(st.Applied) != 0 || st.Version != st.Latest {
				t.Errorf("after the Opens, Migrate reports %+v; want nothing applied and version = latest", st)
			}
			rows, err := db.QueryContext(ctx, "SELECT version_id, COUNT(*) FROM goose_db_version GROUP BY version_id ORDER BY version_id")
			if err != nil {
				t.Fatal(err)
			}
			defer rows.Close()
			var versions []int64
			for rows.Next() {
				var v, count int64
				if err := rows.Scan(&v, &count); err != nil {
					t.Fatal(err)
				}
				if count != 1 {
					t.Errorf("version %d recorded %d times, want once", v, count)
				}
				versions = append(versions, v)
			}
			if err := rows.Err(); err != nil {
				t.Fatal(err)
			}
			if len(versions) != int(st.Latest)+1 {
				t.Errorf("versions recorded %v, want 0 to %d", versions, st.Latest)
			}
		})
	}
}
