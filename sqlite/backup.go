package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strings"
)

// BackupInfo describes a backup file that passed its checks.
type BackupInfo struct {
	Path    string // the file, absolute
	Bytes   int64
	Version int64 // the schema version (goose) it was written at
}

// Backup writes an online, consistent copy of the SQLite database of
// databaseURL to the file to, while a kessai may be serving it: VACUUM INTO
// copies one read snapshot (a WAL read transaction), so the copy holds every
// transaction committed before the backup began and none that was half
// done. The copy is written beside to under a temporary name, checked
// (Verify), flushed to disk and only then renamed to to. to must not exist.
func Backup(ctx context.Context, databaseURL, to string) (BackupInfo, error) {
	path, err := PathFromURL(databaseURL)
	if err != nil {
		return BackupInfo{}, err
	}
	path = absolute(path)
	if _, err := os.Stat(path); err != nil {
		return BackupInfo{}, fmt.Errorf("backup: database %s: %w", path, err)
	}
	to = absolute(to)
	if _, err := os.Stat(to); err == nil {
		return BackupInfo{}, fmt.Errorf("backup: %s exists: give a new file (a backup never overwrites one)", to)
	}
	tmp, err := tempBeside(to)
	if err != nil {
		return BackupInfo{}, fmt.Errorf("backup: %w", err)
	}
	defer os.Remove(tmp) // gone once renamed
	db, err := sql.Open("sqlite", "file:"+path+"?"+url.Values{"_pragma": {"busy_timeout(10000)"}}.Encode())
	if err != nil {
		return BackupInfo{}, err
	}
	defer db.Close()
	if _, err := db.ExecContext(ctx, "VACUUM INTO ?", tmp); err != nil {
		return BackupInfo{}, fmt.Errorf("backup: VACUUM INTO %s: %w", tmp, err)
	}
	// The copy holds what the database holds, the generated master key
	// among the settings: for its owner's eyes only.
	if err := os.Chmod(tmp, 0o600); err != nil {
		return BackupInfo{}, fmt.Errorf("backup: %w", err)
	}
	info, err := Verify(ctx, tmp)
	if err != nil {
		return BackupInfo{}, fmt.Errorf("backup: the copy failed its check: %w", err)
	}
	if err := syncFile(tmp); err != nil {
		return BackupInfo{}, fmt.Errorf("backup: %w", err)
	}
	if err := os.Link(tmp, to); err != nil { // fails if to appeared meanwhile, unlike rename
		return BackupInfo{}, fmt.Errorf("backup: %w", err)
	}
	if err := syncDir(filepath.Dir(to)); err != nil {
		return BackupInfo{}, fmt.Errorf("backup: %w", err)
	}
	info.Path = to
	return info, nil
}

// Verify checks that the file at path is a sound kessai SQLite database:
// PRAGMA integrity_check answers ok and the schema version table is there.
// It opens the file read-only and changes nothing.
func Verify(ctx context.Context, path string) (BackupInfo, error) {
	st, err := os.Stat(path)
	if err != nil {
		return BackupInfo{}, err
	}
	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
	if err != nil {
		return BackupInfo{}, err
	}
	defer db.Close()
	rows, err := db.QueryContext(ctx, "PRAGMA integrity_check")
	if err != nil {
		return BackupInfo{}, fmt.Errorf("%s: integrity check: %w", path, err)
	}
	var problems []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			rows.Close()
			return BackupInfo{}, err
		}
		problems = append(problems, s)
	}
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		return BackupInfo{}, fmt.Errorf("%s: integrity check: %w", path, err)
	}
	if len(problems) != 1 || problems[0] != "ok" {
		return BackupInfo{}, fmt.Errorf("%s: integrity check: %s", path, strings.Join(problems, "; "))
	}
	var version sql.NullInt64
	if err := db.QueryRowContext(ctx, "SELECT max(version_id) FROM goose_db_version").Scan(&version); err != nil || !version.Valid {
		return BackupInfo{}, fmt.Errorf("%s: not a kessai database (no schema version): %v", path, err)
	}
	return BackupInfo{Path: path, Bytes: st.Size(), Version: version.Int64}, nil
}

// Restore puts the backup file from (made by Backup) in place as the SQLite
// database of databaseURL, after checking it (Verify). The database must not
// exist, unless replace: then it is claimed first (Claim), so that no
// kessai serves it meanwhile, and its WAL is removed with it. The new file is
// written under a temporary name, flushed and renamed into place.
func Restore(ctx context.Context, from, databaseURL string, replace bool) (BackupInfo, error) {
	path, err := PathFromURL(databaseURL)
	if err != nil {
		return BackupInfo{}, err
	}
	path = absolute(path)
	info, err := Verify(ctx, from)
	if err != nil {
		return BackupInfo{}, fmt.Errorf("restore: the backup failed its check: %w", err)
	}
	if _, err := os.Stat(path); err == nil {
		if !replace {
			return BackupInfo{}, fmt.Errorf("restore: database %s exists: restore into a new file, or give --force to replace it (stop kessai first)", path)
		}
		claimed, err := Claim(databaseURL, "kessai restore")
		if err != nil {
			return BackupInfo{}, fmt.Errorf("restore: %w", err)
		}
		defer claimed.Release()
	} else if !errors.Is(err, fs.ErrNotExist) {
		return BackupInfo{}, fmt.Errorf("restore: %w", err)
	}
	if err := preflight(path); err != nil {
		return BackupInfo{}, err
	}
	tmp, err := tempBeside(path)
	if err != nil {
		return BackupInfo{}, fmt.Errorf("restore: %w", err)
	}
	defer os.Remove(tmp)
	if err := copyFile(from, tmp); err != nil {
		return BackupInfo{}, fmt.Errorf("restore: %w", err)
	}
	// The replaced database's WAL and shared memory belong to it: left
	// there, SQLite would apply the old WAL to the restored file.
	for _, suffix := range []string{"-wal", "-shm"} {
		if err := os.Remove(path + suffix); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return BackupInfo{}, fmt.Errorf("restore: %w", err)
		}
	}
	if err := os.Rename(tmp, path); err != nil {
		return BackupInfo{}, fmt.Errorf("restore: %w", err)
	}
	if err := syncDir(filepath.Dir(path)); err != nil {
		return BackupInfo{}, fmt.Errorf("restore: %w", err)
	}
	info.Path = path
	return info, nil
}

// tempBeside returns the name of a new, absent file in the directory of
// path, for a file to be renamed to path.
func tempBeside(path string) (string, error) {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return "", err
	}
	name := f.Name()
	f.Close()
	return name, os.Remove(name) // VACUUM INTO wants a file that does not exist
}

func copyFile(from, to string) error {
	src, err := os.Open(from)
	if err != nil {
		return err
	}
	defer src.Close()
	dst, err := os.OpenFile(to, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	if _, err := io.Copy(dst, src); err != nil {
		dst.Close()
		return err
	}
	return errors.Join(dst.Sync(), dst.Close())
}

func syncFile(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return err
	}
	return errors.Join(f.Sync(), f.Close())
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	return errors.Join(err, d.Close())
}
