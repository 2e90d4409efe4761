package sqlite

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
)

// PathError is a database file that SQLite could not open or write, with
// the reason found on the file system and what to do about it.
type PathError struct {
	Path   string // the database file, absolute
	Reason string // what is wrong and what to do, for a person
	Err    error  // SQLite's own error
}

func (e *PathError) Error() string { return "database " + e.Path + ": " + e.Reason }

func (e *PathError) Unwrap() error { return e.Err }

// preflight returns a *PathError if the file system already shows that the
// database file at path cannot be opened for writing: SQLite would open a
// read-only file read-only and fail only at the first write. It changes
// nothing.
func preflight(path string) error {
	if path == ":memory:" {
		return nil
	}
	path = absolute(path)
	if reason := inspect(path); reason != "" {
		return &PathError{Path: path, Reason: reason}
	}
	return nil
}

// explain returns a *PathError that says why SQLite failed with err on the
// database file at path, or err with the path when the file system shows
// no reason. It probes the directory by creating and removing a file in
// it.
func explain(path string, err error) error {
	if path == ":memory:" {
		return err
	}
	path = absolute(path)
	reason := inspect(path)
	if reason == "" {
		reason = probeDir(filepath.Dir(path))
	}
	if reason != "" {
		return &PathError{Path: path, Reason: reason, Err: err}
	}
	return fmt.Errorf("database %s: %w", path, err)
}

func absolute(path string) string {
	if abs, err := filepath.Abs(path); err == nil {
		return abs
	}
	return path
}

// inspect says what, seen from the file system, keeps the database file at
// path from being opened for writing, or "".
func inspect(path string) string {
	dir := filepath.Dir(path)
	st, err := os.Stat(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return fmt.Sprintf("the directory %s does not exist: create it (mkdir -p %s) or name another path", dir, dir)
	case errors.Is(err, syscall.ENOTDIR):
		for a := filepath.Dir(dir); ; a = filepath.Dir(a) {
			if ast, aerr := os.Stat(a); aerr == nil && !ast.IsDir() {
				return fmt.Sprintf("%s is a file, not a directory: name a path in a directory", a)
			}
			if a == filepath.Dir(a) {
				break
			}
		}
		return fmt.Sprintf("a part of the directory %s is not a directory", dir)
	case errors.Is(err, fs.ErrPermission):
		return fmt.Sprintf("this user may not enter a directory on the way to %s (%v)", dir, err)
	case err != nil:
		return err.Error()
	case !st.IsDir():
		return fmt.Sprintf("%s is a file, not a directory: name a path in a directory", dir)
	}

	for _, f := range []string{path, path + "-wal", path + "-shm"} {
		fi, err := os.Stat(f)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return err.Error()
		}
		if fi.IsDir() {
			return fmt.Sprintf("%s is a directory: name a file, e.g. sqlite:%s", f, filepath.Join(f, "kessai.db"))
		}
		if reason := checkWritable(f, fi); reason != "" {
			return reason
		}
	}
	return ""
}

// probeDir says why no file can be created in dir, or "".
func probeDir(dir string) string {
	probe, err := os.CreateTemp(dir, ".kessai-probe-*")
	switch {
	case errors.Is(err, fs.ErrPermission):
		return fmt.Sprintf("the directory %s is not writable by this user, and SQLite creates the database and its -wal and -shm files there: make it writable (chmod u+w %s) or name another path", dir, dir)
	case errors.Is(err, syscall.EROFS):
		return fmt.Sprintf("the directory %s is on a read-only file system: name a path on a writable one", dir)
	case err != nil:
		return fmt.Sprintf("cannot create a file in %s: %v", dir, err)
	}
	probe.Close()
	os.Remove(probe.Name())
	return ""
}

// checkWritable says why the existing file f cannot be opened for reading
// and writing, or "" if it can.
func checkWritable(f string, fi fs.FileInfo) string {
	w, err := os.OpenFile(f, os.O_RDWR, 0)
	if err == nil {
		w.Close()
		return ""
	}
	if errors.Is(err, syscall.EROFS) {
		return fmt.Sprintf("the file %s is on a read-only file system: copy it to a writable one", f)
	}
	if !errors.Is(err, fs.ErrPermission) {
		return err.Error()
	}
	if r, rerr := os.Open(f); rerr == nil {
		r.Close()
		return fmt.Sprintf("the file %s is read-only for this user (mode %v) and kessai writes to it: make it writable (chmod u+w %s) or run kessai as its owner", f, fi.Mode().Perm(), f)
	}
	return fmt.Sprintf("the file %s cannot be read by this user (mode %v): run kessai as its owner or change its permissions", f, fi.Mode().Perm())
}
