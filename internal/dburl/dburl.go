// Package dburl opens the store that a database URL names: "sqlite:PATH"
// (the default, embedded) or "postgres://…" / "postgresql://…".
package dburl

import (
	"context"
	"fmt"
	"strings"

	"github.com/kessai/kessai"
	"github.com/kessai/kessai/postgres"
	"github.com/kessai/kessai/sqlite"
	"github.com/kessai/kessai/sqlstore"
)

// Open opens and migrates the store of databaseURL.
func Open(ctx context.Context, databaseURL string) (kessai.Store, error) {
	switch {
	case strings.HasPrefix(databaseURL, "sqlite:"):
		return sqlite.Open(ctx, databaseURL)
	case strings.HasPrefix(databaseURL, "postgres://"), strings.HasPrefix(databaseURL, "postgresql://"):
		return postgres.Open(ctx, databaseURL)
	}
	return nil, fmt.Errorf("unsupported database URL (want sqlite:PATH or postgres://…): %q", redact(databaseURL))
}

// Migrate applies the pending migrations to the database of databaseURL
// and reports what it did.
func Migrate(ctx context.Context, databaseURL string) (sqlstore.MigrationStatus, error) {
	switch {
	case strings.HasPrefix(databaseURL, "sqlite:"):
		return sqlite.Migrate(ctx, databaseURL)
	case strings.HasPrefix(databaseURL, "postgres://"), strings.HasPrefix(databaseURL, "postgresql://"):
		return postgres.Migrate(ctx, databaseURL)
	}
	return sqlstore.MigrationStatus{}, fmt.Errorf("unsupported database URL (want sqlite:PATH or postgres://…): %q", redact(databaseURL))
}

func redact(s string) string {
	if i := strings.Index(s, "@"); i >= 0 {
		return "…" + s[i:]
	}
	return s
}
