package sqlite_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kessai/kessai/sqlite"
)

func TestOpen_PathErrorSaysWhy(t *testing.T) {
	t.Parallel()
	tmp := t.TempDir()
	file := filepath.Join(tmp, "file")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name, path, reason string
	}{
		{"directory missing", filepath.Join(tmp, "no", "k.db"), "the directory " + filepath.Join(tmp, "no") + " does not exist"},
		{"directory is a file", filepath.Join(file, "k.db"), file + " is a file, not a directory"},
		{"below a file", filepath.Join(file, "sub", "k.db"), file + " is a file, not a directory"},
		{"path is a directory", tmp, tmp + " is a directory"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			for name, open := range map[string]func() error{
				"Open": func() error {
					s, err := sqlite.Open(context.Background(), "sqlite:"+c.path)
					closeIf(s, err)
					return err
				},
				"Migrate": func() error { _, err := sqlite.Migrate(context.Background(), "sqlite:"+c.path); return err },
			} {
				var pe *sqlite.PathError
				if err := open(); !errors.As(err, &pe) || pe.Path != c.path || !strings.Contains(pe.Reason, c.reason) {
					t.Errorf("%s: error %v, want a *PathError for %s saying %q", name, err, c.path, c.reason)
				}
			}
		})
	}
}

func closeIf(s interface{ Close() error }, err error) {
	if err == nil {
		s.Close()
	}
}
