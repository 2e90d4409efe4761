package sqlite

import (
	"fmt"
	"os"
	"strconv"
	"strings"
)

// Claimed is a SQLite database that this process serves, held by Claim
// until Release.
type Claimed struct {
	f *os.File
}

// Release gives the database up. The lock also goes when the process ends,
// however it ends.
func (c *Claimed) Release() error {
	if c == nil || c.f == nil {
		return nil
	}
	return c.f.Close()
}

// InUseError is a database that another process has claimed.
type InUseError struct {
	Path     string // the database file, absolute
	LockPath string // the file that carries the lock
	PID      int    // the process that holds it; 0 if it has not said
	Owner    string // what it is, e.g. "kessai serve"
}

func (e *InUseError) Error() string {
	who := "another process"
	if e.PID != 0 {
		who = fmt.Sprintf("another %s (pid %d)", e.Owner, e.PID)
	}
	return fmt.Sprintf("database %s is in use by %s, which holds the lock %s: one process serves a SQLite file; "+
		"stop that one, give this one another --database-url, or use PostgreSQL to run several", e.Path, who, e.LockPath)
}

// Claim makes this process the one that serves the SQLite database of a
// sqlite: URL: it takes an exclusive lock on the file PATH.lock beside the
// database and writes its pid and owner (e.g. "kessai serve") there. A
// second Claim of the same file, by any process, fails at once with an
// *InUseError. Short writers (migrations, creating an account) need no
// claim: SQLite serialises their transactions with the server's. On
// systems without flock, Claim claims nothing.
func Claim(databaseURL, owner string) (*Claimed, error) {
	path, err := PathFromURL(databaseURL)
	if err != nil {
		return nil, err
	}
	if path == ":memory:" {
		return &Claimed{}, nil
	}
	if err := preflight(path); err != nil {
		return nil, err
	}
	return claim(absolute(path), owner)
}

// parseHolder reads "PID OWNER" as a claim writes it.
func parseHolder(s string) (int, string) {
	pid, owner, _ := strings.Cut(strings.TrimSpace(s), " ")
	n, err := strconv.Atoi(pid)
	if err != nil {
		return 0, ""
	}
	return n, owner
}
