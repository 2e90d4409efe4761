//go:build linux || darwin || freebsd || openbsd || netbsd || dragonfly

package sqlite

import (
	"errors"
	"fmt"
	"io"
	"os"
	"syscall"
)

func claim(path, owner string) (*Claimed, error) {
	lockPath := path + ".lock"
	f, err := os.OpenFile(lockPath, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, explain(path, fmt.Errorf("lock file: %w", err))
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		defer f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			e := &InUseError{Path: path, LockPath: lockPath}
			b, _ := io.ReadAll(io.LimitReader(f, 256))
			e.PID, e.Owner = parseHolder(string(b))
			return nil, e
		}
		return nil, fmt.Errorf("lock %s: %w", lockPath, err)
	}
	if err := f.Truncate(0); err == nil {
		_, _ = fmt.Fprintf(f, "%d %s\n", os.Getpid(), owner)
	}
	return &Claimed{f: f}, nil
}
