package dashboard_test

import (
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

// browser is a plain HTTP client of the dashboard with its own cookies.
type browser struct {
	t    testing.TB
	base string
	c    *http.Client
	csrf string // of the last page that had forms
	last *http.Response
}

func newBrowser(t testing.TB, base string) *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{t: t, base: base, c: &http.Client{Jar: jar}}
}

var (
	csrfRe = regexp.MustCompile(`name="csrf" value="([0-9a-f]+)"`)
	idemRe = regexp.MustCompile(`action="([^"]+)"[^>]*>(?:<input type="hidden" name="csrf" value="[0-9a-f]+">)<input type="hidden" name="idem" value="([0-9a-f]+)">`)
)

func (b *browser) do(req *http.Request) (int, string) {
	b.t.Helper()
	resp, err := b.c.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	b.last = resp
	if m := csrfRe.FindStringSubmatch(string(body)); m != nil {
		b.csrf = m[1]
	}
	return resp.StatusCode, string(body)
}

func (b *browser) get(path string) (int, string) {
	b.t.Helper()
	req, _ := http.NewRequest("GET", b.base+path, nil)
	return b.do(req)
}

// post sends a form; the page's CSRF token goes with it unless form sets
// "csrf" (to "" to leave it out).
func (b *browser) post(path string, form url.Values) (int, string) {
	b.t.Helper()
	if _, ok := form["csrf"]; !ok {
		form.Set("csrf", b.csrf)
	} else if form.Get("csrf") == "" {
		form.Del("csrf")
	}
	req, _ := http.NewRequest("POST", b.base+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return b.do(req)
}

// signIn signs in with a key; it fails the test unless it lands on want.
func (b *browser) signIn(key, want string) {
	b.t.Helper()
	if code, _ := b.get("/dashboard/login"); code != 200 {
		b.t.Fatalf("login page: %d", code)
	}
	_, body := b.post("/dashboard/login", url.Values{"key": {key}})
	if got := b.last.Request.URL.Path; got != want {
		b.t.Fatalf("signed in at %s, want %s:\n%s", got, want, body)
	}
}

// idem returns the idempotency key of the page's form posting to action.
func idemOf(t testing.TB, page, action string) string {
	t.Helper()
	for _, m := range idemRe.FindAllStringSubmatch(page, -1) {
		if m[1] == action {
			return m[2]
		}
	}
	t.Fatalf("no form posting to %s on the page", action)
	return ""
}
