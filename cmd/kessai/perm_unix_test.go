//go:build unix

package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
)

// TestDatabaseURL_PermissionErrorsSayWhy runs the binary as an unprivileged
// user (nobody, when the test runs as root, to whom permissions do not
// apply) against a read-only file, an unreadable one and a directory it may
// not write.
func TestDatabaseURL_PermissionErrorsSayWhy(t *testing.T) {
	t.Parallel()
	root := os.Geteuid() == 0
	// A tree that the unprivileged user can enter.
	base, err := os.MkdirTemp("", "kessai-perm-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = filepath.WalkDir(base, func(p string, d os.DirEntry, err error) error {
			if err == nil && d.IsDir() {
				_ = os.Chmod(p, 0o755)
			}
			return nil
		})
		os.RemoveAll(base)
	})
	mkdir := func(name string, mode os.FileMode) string {
		d := filepath.Join(base, name)
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(d, mode); err != nil {
			t.Fatal(err)
		}
		return d
	}
	must(t, os.Chmod(base, 0o755))
	// A real database, made read-only; another made unreadable.
	open := mkdir("open", 0o777)
	readOnly, unreadable := filepath.Join(open, "ro.db"), filepath.Join(open, "secret.db")
	for _, p := range []string{readOnly, unreadable} {
		if r := runKessai(t, "migrate", "--database-url", "sqlite:"+p); r.code != 0 {
			t.Fatal(r)
		}
	}
	must(t, os.Chmod(readOnly, 0o444))
	must(t, os.Chmod(unreadable, 0o000))
	closed := mkdir("closed", 0o555)

	cases := []struct {
		name, path string
		wants      []string
	}{
		{"read-only file", readOnly, []string{"database " + readOnly, "is read-only for this user", "chmod u+w " + readOnly}},
		{"unreadable file", unreadable, []string{"database " + unreadable, "cannot be read by this user"}},
		{"directory not writable", filepath.Join(closed, "k.db"), []string{"database " + filepath.Join(closed, "k.db"),
			"the directory " + closed + " is not writable by this user"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			for _, args := range [][]string{{"migrate"}, {"accounts", "create", "--name", "x"}} {
				cmd := command{dir: base, args: append(args, "--database-url", "sqlite:"+c.path)}
				if root {
					cmd.prepare = asNobody
				}
				wantFailure(t, cmd.run(t), c.wants...)
			}
		})
	}
}

// asNobody runs the command as the user and group 65534.
func asNobody(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
