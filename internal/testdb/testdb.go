// Package testdb gives tests a fresh database of each dialect: a temporary
// SQLite file, or a new PostgreSQL database created on the server named by
// KESSAI_TEST_POSTGRES_URL (default: the local server, database test) and
// dropped when the test ends.
//
// When PostgreSQL cannot be reached, tests that need it are skipped on a
// developer's machine but fail under CI (env CI or KESSAI_REQUIRE_POSTGRES
// set), so CI never passes without having run them.
package testdb

import (
	"context"
	"database/sql"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" driver

	"github.com/kessai/kessai"
	"github.com/kessai/kessai/postgres"
	"github.com/kessai/kessai/sqlite"
)

// DefaultPostgresURL is the server the tests use unless
// KESSAI_TEST_POSTGRES_URL says otherwise.
const DefaultPostgresURL = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"

// Dialects lists the dialects that tests run on.
var Dialects = []string{"sqlite", "postgres"}

// SQLiteURL returns the URL of a new SQLite file in a temporary directory.
func SQLiteURL(tb testing.TB) string {
	tb.Helper()
	return "sqlite:" + filepath.Join(tb.TempDir(), "kessai.db")
}

func required() bool {
	return os.Getenv("CI") != "" || os.Getenv("KESSAI_REQUIRE_POSTGRES") != ""
}

// PostgresURL creates a new database and returns its URL.
func PostgresURL(tb testing.TB) string {
	tb.Helper()
	base := os.Getenv("KESSAI_TEST_POSTGRES_URL")
	if base == "" {
		base = DefaultPostgresURL
	}
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	admin, err := sql.Open("pgx", base)
	if err == nil {
		err = admin.PingContext(ctx)
	}
	if err != nil {
		if required() {
			tb.Fatalf("PostgreSQL at %s is required here (CI) but unreachable: %v", redact(base), err)
		}
		tb.Skipf("PostgreSQL unreachable (%v); set KESSAI_TEST_POSTGRES_URL to run the PostgreSQL tests", err)
	}
	name := "kessai_t_" + strings.ToLower(kessai.RandomToken("", 10))
	if _, err := admin.ExecContext(ctx, "CREATE DATABASE "+name); err != nil {
		admin.Close()
		tb.Fatalf("create database: %v", err)
	}
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		_, _ = admin.ExecContext(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
		admin.Close()
	})
	u, err := url.Parse(base)
	if err != nil {
		tb.Fatal(err)
	}
	u.Path = "/" + name
	return u.String()
}

func redact(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		return "(unparseable URL)"
	}
	return u.Redacted()
}

// URL returns a fresh database URL of the dialect.
func URL(tb testing.TB, dialect string) string {
	tb.Helper()
	switch dialect {
	case "sqlite":
		return SQLiteURL(tb)
	case "postgres":
		return PostgresURL(tb)
	}
	tb.Fatalf("unknown dialect %q", dialect)
	return ""
}

// FromDump returns the URL of a fresh database of the dialect into which the
// SQL dump at path has been loaded: the output of Python's sqlite3
// iterdump() for SQLite, of pg_dump --inserts (without psql's backslash
// commands) for PostgreSQL. Nothing is migrated.
func FromDump(tb testing.TB, dialect, path string) string {
	tb.Helper()
	dump, err := os.ReadFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	u := URL(tb, dialect)
	driver, dsn := "pgx", u
	if dialect == "sqlite" {
		p, err := sqlite.PathFromURL(u)
		if err != nil {
			tb.Fatal(err)
		}
		driver, dsn = "sqlite", "file:"+p
	}
	db, err := sql.Open(driver, dsn)
	if err != nil {
		tb.Fatal(err)
	}
	// The dump sets session state (PostgreSQL's search_path): one
	// connection, closed afterwards.
	defer db.Close()
	db.SetMaxOpenConns(1)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	// Without arguments both drivers run every statement of the text.
	if _, err := db.ExecContext(ctx, string(dump)); err != nil {
		tb.Fatalf("load %s into %s: %v", path, dialect, err)
	}
	return u
}

// Open opens a fresh migrated store of the dialect, closed when the test
// ends.
func Open(tb testing.TB, dialect string) kessai.Store {
	tb.Helper()
	u := URL(tb, dialect)
	var (
		s   kessai.Store
		err error
	)
	ctx := context.Background()
	if dialect == "sqlite" {
		s, err = sqlite.Open(ctx, u)
	} else {
		s, err = postgres.Open(ctx, u)
	}
	if err != nil {
		tb.Fatalf("open %s: %v", dialect, err)
	}
	tb.Cleanup(func() { s.Close() })
	return s
}

// ForEach runs f as a parallel subtest per dialect.
func ForEach(t *testing.T, f func(t *testing.T, dialect string)) {
	for _, d := range Dialects {
		t.Run(d, func(t *testing.T) {
			t.Parallel()
			f(t, d)
		})
	}
}
