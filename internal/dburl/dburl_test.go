package dburl

import (
	"strings"
	"testing"
)

func TestDialect(t *testing.T) {
	t.Parallel()
	cases := []struct {
		url, dialect, err string
	}{
		{"sqlite:kessai.db", "sqlite", ""},
		{"sqlite:///var/lib/kessai.db", "sqlite", ""},
		{"postgres://u@h/db", "postgres", ""},
		{"postgresql://u@h:5433/db?sslmode=disable", "postgres", ""},
		{"sqlite:", "", "write sqlite:PATH"},
		{"kessai.db", "", `database URL "kessai.db" has no scheme: for a SQLite file write sqlite:kessai.db`},
		{"/var/lib/kessai.db", "", "write sqlite:/var/lib/kessai.db"},
		{"mysql://u:secret@h/db", "", `database URL scheme "mysql" is not supported: kessai works with sqlite:PATH`},
		{"sqlite3:k.db", "", `scheme "sqlite3" is not supported`},
	}
	for _, c := range cases {
		t.Run(c.url, func(t *testing.T) {
			t.Parallel()
			d, err := Dialect(c.url)
			if c.err == "" {
				if err != nil || d != c.dialect {
					t.Fatalf("Dialect = %q, %v; want %q", d, err, c.dialect)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Fatalf("Dialect error %v, want one containing %q", err, c.err)
			}
			if strings.Contains(err.Error(), "secret") {
				t.Errorf("the error shows the password: %v", err)
			}
		})
	}
}
