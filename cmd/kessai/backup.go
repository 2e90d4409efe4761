package main

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/kessai/kessai/internal/dburl"
	"github.com/kessai/kessai/sqlite"
)

// backupCmd copies a SQLite database online.
type backupCmd struct {
	database
	To string `name:"to" env:"KESSAI_BACKUP_TO" placeholder:"FILE" help:"The backup file to write (required); it must not exist."`
}

// Help is the long help of 'kessai backup --help'.
func (backupCmd) Help() string {
	return `Copies the SQLite database while kessai serves it: SQLite's VACUUM INTO reads one consistent snapshot, so the copy holds every transaction committed before the backup began. The copy is checked (PRAGMA integrity_check, and the schema version) before it is given its name, and is readable by its owner only: it holds the accounts' keys and, without KESSAI_MASTER_KEY, the master key.

On PostgreSQL kessai makes no backup itself: it prints how to make one with pg_dump, or with continuous archiving for point-in-time recovery.

Examples:
  kessai backup --to /var/backups/kessai/kessai-$(date +%F).db
  kessai restore --from /var/backups/kessai/kessai-2026-12-05.db --database-url sqlite:/var/lib/kessai/restored.db`
}

// Run makes and checks the backup.
func (c *backupCmd) Run(ctx context.Context, s *streams) error {
	if strings.TrimSpace(c.To) == "" {
		return usageError{errors.New("--to is required: the backup file to write, e.g. --to kessai-backup.db")}
	}
	u, err := c.url()
	if err != nil {
		return err
	}
	if d, _ := dburl.Dialect(u); d == "postgres" {
		fmt.Fprint(s.out, postgresBackupHelp(describeDatabase(u)))
		return errors.New("kessai backs up SQLite only: on PostgreSQL use pg_dump or continuous archiving, as printed above")
	}
	fmt.Fprintf(s.err, "kessai: backing up database %s\n", describeDatabase(u))
	info, err := sqlite.Backup(ctx, u, c.To)
	if err != nil {
		return err
	}
	fmt.Fprintf(s.out, "backup %s: %d bytes, schema version %d, integrity ok\n", info.Path, info.Bytes, info.Version)
	return nil
}

// postgresBackupHelp says how to back up and restore kessai's PostgreSQL
// database u with PostgreSQL's own tools.
func postgresBackupHelp(u string) string {
	return `kessai does not copy a PostgreSQL database itself; PostgreSQL's tools do it online:

  # a consistent dump while kessai serves (one snapshot), custom format:
  pg_dump --format=custom --file=kessai-$(date +%F).dump '` + u + `'
  # restore it into a new, empty database, then point kessai at it:
  createdb kessai_restored
  pg_restore --no-owner --dbname=postgres://USER@HOST:PORT/kessai_restored kessai-$(date +%F).dump

  # to lose nothing committed since the last dump: continuous archiving and
  # point-in-time recovery (archive_mode=on, archive_command, pg_basebackup),
  # https://www.postgresql.org/docs/current/continuous-archiving.html

See docs/operations.md.
`
}

// restoreCmd puts a backup in place.
type restoreCmd struct {
	database
	From  string `name:"from" env:"KESSAI_RESTORE_FROM" placeholder:"FILE" help:"The backup file, made by 'kessai backup' (required)."`
	Force bool   `name:"force" env:"KESSAI_RESTORE_FORCE" help:"Replace the database if it exists (no kessai may be serving it)."`
}

// Help is the long help of 'kessai restore --help'.
func (restoreCmd) Help() string {
	return `Checks a backup made by 'kessai backup' (PRAGMA integrity_check, and the schema version) and puts a copy of it in place as the SQLite database of --database-url. An existing database is replaced only with --force, and only while no kessai serves it. 'kessai serve' on the restored database applies any newer migrations. For PostgreSQL, use pg_restore ('kessai backup' on a PostgreSQL URL prints how).

Example:
  kessai restore --from kessai-2026-12-05.db --database-url sqlite:/var/lib/kessai/kessai.db`
}

// Run checks and restores the backup.
func (c *restoreCmd) Run(ctx context.Context, s *streams) error {
	if strings.TrimSpace(c.From) == "" {
		return usageError{errors.New("--from is required: the backup file made by 'kessai backup'")}
	}
	u, err := c.url()
	if err != nil {
		return err
	}
	if d, _ := dburl.Dialect(u); d == "postgres" {
		fmt.Fprint(s.out, postgresBackupHelp(describeDatabase(u)))
		return errors.New("kessai restores SQLite only: on PostgreSQL use pg_restore, as printed above")
	}
	info, err := sqlite.Restore(ctx, c.From, u, c.Force)
	if err != nil {
		return err
	}
	fmt.Fprintf(s.err, "kessai: restored database %s\n", describeDatabase(u))
	fmt.Fprintf(s.out, "restored %s from %s: schema version %d, integrity ok\n", info.Path, c.From, info.Version)
	return nil
}
