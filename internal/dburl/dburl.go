// Package dburl opens the store that a database URL names: "sqlite:PATH"
// (the default, embedded) or "postgres://…" / "postgresql://…".
package dburl

import (
	"context"
	"fmt"
	"net/url"
	"strings"

	"github.com/kessai/kessai"
	"github.com/kessai/kessai/internal/redact"
	"github.com/kessai/kessai/postgres"
	"github.com/kessai/kessai/sqlite"
	"github.com/kessai/kessai/sqlstore"
)

// Dialect returns "sqlite" or "postgres" for a URL kessai can open, or an
// error that says which URLs it can.
func Dialect(databaseURL string) (string, error) {
	switch {
	case strings.HasPrefix(databaseURL, "sqlite:"):
		if _, err := sqlite.PathFromURL(databaseURL); err != nil {
			return "", fmt.Errorf("%w: write sqlite:PATH, e.g. sqlite:kessai.db", err)
		}
		return "sqlite", nil
	case strings.HasPrefix(databaseURL, "postgres://"), strings.HasPrefix(databaseURL, "postgresql://"):
		return "postgres", nil
	}
	const works = "kessai works with sqlite:PATH (an embedded SQLite file, e.g. sqlite:kessai.db) and postgres://USER@HOST:PORT/DB (or postgresql://)"
	u, err := url.Parse(databaseURL)
	if err != nil || u.Scheme == "" || len(u.Scheme) == 1 { // one letter: a Windows drive, C:\…
		shown := redact.URL(databaseURL)
		if shown != databaseURL { // it holds a credential: no SQLite path
			return "", fmt.Errorf("database URL %q has no scheme: %s", shown, works)
		}
		return "", fmt.Errorf("database URL %q has no scheme: for a SQLite file write sqlite:%s; %s", databaseURL, databaseURL, works)
	}
	return "", fmt.Errorf("database URL scheme %q is not supported: %s", u.Scheme, works)
}

// Open opens and migrates the store of databaseURL.
func Open(ctx context.Context, databaseURL string) (kessai.Store, error) {
	dialect, err := Dialect(databaseURL)
	if err != nil {
		return nil, err
	}
	if dialect == "sqlite" {
		return sqlite.Open(ctx, databaseURL)
	}
	return postgres.Open(ctx, databaseURL)
}

// Migrate applies the pending migrations to the database of databaseURL
// and reports what it did.
func Migrate(ctx context.Context, databaseURL string) (sqlstore.MigrationStatus, error) {
	dialect, err := Dialect(databaseURL)
	if err != nil {
		return sqlstore.MigrationStatus{}, err
	}
	if dialect == "sqlite" {
		return sqlite.Migrate(ctx, databaseURL)
	}
	return postgres.Migrate(ctx, databaseURL)
}
