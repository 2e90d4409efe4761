package main

import (
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kessai/kessai/internal/testdb"
)

// wantFailure fails the test unless r failed with every one of wants on
// stderr.
func wantFailure(t *testing.T, r result, wants ...string) {
	t.Helper()
	if r.code == 0 {
		t.Fatalf("want a failure, got %v", r)
	}
	for _, w := range wants {
		if !strings.Contains(r.stderr, w) {
			t.Errorf("stderr does not say %q:\n%s", w, r.stderr)
		}
	}
}

func TestDatabaseURL_ErrorsSayWhatToDo(t *testing.T) {
	t.Parallel()
	tmp := t.TempDir()
	file := filepath.Join(tmp, "file")
	if err := os.WriteFile(file, []byte("not a directory"), 0o644); err != nil {
		t.Fatal(err)
	}
	missing := filepath.Join(tmp, "missing", "dir")
	cases := []struct {
		name  string
		url   string
		wants []string
	}{
		{"scheme not supported", "mysql://u@h/db", []string{`scheme "mysql" is not supported`, "sqlite:PATH", "postgres://"}},
		{"no scheme", "kessai.db", []string{"has no scheme", "write sqlite:kessai.db"}},
		{"directory missing", "sqlite:" + filepath.Join(missing, "k.db"),
			[]string{filepath.Join(missing, "k.db"), "the directory " + missing + " does not exist", "mkdir -p " + missing}},
		{"directory is a file", "sqlite:" + filepath.Join(file, "k.db"), []string{file + " is a file, not a directory"}},
		{"path is a directory", "sqlite:" + tmp, []string{tmp + " is a directory"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			for _, args := range [][]string{{"migrate"}, {"accounts", "create", "--name", "x"}, {"serve", "--addr", "127.0.0.1:0"}} {
				wantFailure(t, runKessai(t, append(args, "--database-url", c.url)...), c.wants...)
			}
		})
	}
}

// TestDatabaseURL_PostgresDatabaseMissing needs the PostgreSQL of the other
// tests (internal/testdb): skipped without it, except in CI.
func TestDatabaseURL_PostgresDatabaseMissing(t *testing.T) {
	t.Parallel()
	u, err := url.Parse(testdb.PostgresURL(t)) // skips or fails here without PostgreSQL
	if err != nil {
		t.Fatal(err)
	}
	name := "kessai_missing_" + strconv.FormatInt(time.Now().UnixNano(), 36)
	u.Path = "/" + name
	want := "database " + name + " does not exist: create it with createdb " + name + " (or CREATE DATABASE " + name + ")"
	for _, args := range [][]string{{"migrate"}, {"serve", "--addr", "127.0.0.1:0"}} {
		wantFailure(t, runKessai(t, append(args, "--database-url", u.String())...), want)
	}
}
