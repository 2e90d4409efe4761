package main

import (
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kessai/kessai/internal/testdb"
)

// TestDatabaseURL_PasswordNeverPrinted runs the real binary on PostgreSQL
// URLs that carry a password in each form it can take, through every
// command that names its database and through a failure, at the most
// verbose log level, and greps everything it wrote for the password.
func TestDatabaseURL_PasswordNeverPrinted(t *testing.T) {
	t.Parallel()
	const secret = "hunter2-c0rrect-h0rse"
	u, err := url.Parse(testdb.URL(t, "postgres")) // a fresh database; skips or fails without PostgreSQL
	if err != nil {
		t.Fatal(err)
	}
	// Trust authentication: PostgreSQL accepts any password, so the URLs work.
	query := func(u url.URL, kv ...string) string {
		q := u.Query()
		for i := 0; i < len(kv); i += 2 {
			q.Set(kv[i], kv[i+1])
		}
		u.RawQuery = q.Encode()
		return u.String()
	}
	userinfo := *u
	userinfo.User = url.UserPassword(u.User.Username(), secret)
	missing := *u
	missing.Path = "/kessai_missing_" + strconv.FormatInt(time.Now().UnixNano(), 36)
	forms := map[string]string{
		"?password=":           query(*u, "password", secret),
		"?sslpassword=":        query(*u, "sslpassword", secret),
		"user:pass@":           userinfo.String(),
		"both":                 query(userinfo, "password", secret),
		"missing db ?password": query(missing, "password", secret),
	}
	check := func(t *testing.T, what, out string) {
		t.Helper()
		if strings.Contains(out, secret) {
			t.Errorf("%s shows the password:\n%s", what, out)
		}
	}
	for name, dbURL := range forms {
		t.Run(name, func(t *testing.T) {
			if strings.HasPrefix(name, "missing") {
				r := runKessai(t, "migrate", "--log-level", "debug", "--database-url", dbURL)
				if r.code == 0 || !strings.Contains(r.stderr, "does not exist") {
					t.Fatalf("want a failure naming the missing database: %v", r)
				}
				check(t, "migrate's failure", r.stdout+r.stderr)
				return
			}
			r := runKessai(t, "migrate", "--log-level", "debug", "--database-url", dbURL)
			if r.code != 0 || !strings.Contains(r.stderr, "xxxxx") {
				t.Fatalf("want exit 0 and the database named with its password masked: %v", r)
			}
			check(t, "migrate", r.stdout+r.stderr)
			r = runKessai(t, "accounts", "create", "--name", "shop", "--log-level", "debug", "--database-url", dbURL)
			check(t, "accounts create", r.stdout+r.stderr)

			s := serve(t, command{args: []string{"--log-level", "debug", "--database-url", dbURL}})
			if code, _ := get(t, s.url+"/readyz", ""); code != 200 {
				t.Errorf("GET /readyz: %d", code)
			}
			s.stop(t)
			check(t, "serve", s.Stderr())
			if !strings.Contains(s.line, "xxxxx") {
				t.Errorf("serve's first line does not show the masked password: %q", s.line)
			}
		})
	}
}
