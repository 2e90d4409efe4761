package server_test

import (
	"encoding/base64"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/kessai/kessai/internal/kessaitest"
)

// on returns a copy of s whose failures are reported to t (a subtest), so
// that a subtest never fails its parent from its own goroutine.
func on(s *kessaitest.Server, t testing.TB) *kessaitest.Server {
	c := *s
	c.T = t
	return &c
}

// wantProblem checks that r is an application/problem+json answer with
// status and code, whose status and instance fields agree.
func wantProblem(t testing.TB, r *kessaitest.Response, status int, code string) {
	t.Helper()
	if r.Status != status {
		t.Fatalf("status %d, want %d: %s", r.Status, status, r.Body)
	}
	if ct := r.Header.Get("Content-Type"); ct != "application/problem+json" {
		t.Errorf("Content-Type %q, want application/problem+json", ct)
	}
	if got := r.Str("code"); got != code {
		t.Errorf("code %q, want %q: %s", got, code, r.Body)
	}
	if got := r.Int("status"); got != int64(status) {
		t.Errorf("problem status field %d, want %d", got, status)
	}
	if r.Str("instance") == "" {
		t.Errorf("problem has no instance: %s", r.Body)
	}
	if status == http.StatusUnprocessableEntity {
		errs, _ := r.JSON["errors"].([]any)
		if len(errs) == 0 {
			t.Fatalf("422 without errors: %s", r.Body)
		}
		if f, _ := errs[0].(map[string]any)["field"].(string); f == "" {
			t.Errorf("errors[0].field empty: %s", r.Body)
		}
	}
}

// fieldOf returns errors[0].field of a validation problem.
func fieldOf(r *kessaitest.Response) string {
	errs, _ := r.JSON["errors"].([]any)
	if len(errs) == 0 {
		return ""
	}
	f, _ := errs[0].(map[string]any)["field"].(string)
	return f
}

// eventTypes returns the types of the events about resource id.
func eventTypes(t testing.TB, s *kessaitest.Server, id string) []string {
	t.Helper()
	r := kessaitest.Must(t, on(s, t).Get("/v2/events?limit=100&resource_id="+url.QueryEscape(id)), 200)
	var out []string
	for _, e := range r.Data() {
		out = append(out, e["type"].(string))
	}
	return out
}

func hasEvent(t testing.TB, s *kessaitest.Server, id, typ string) {
	t.Helper()
	types := eventTypes(t, s, id)
	for _, x := range types {
		if x == typ {
			return
		}
	}
	t.Errorf("no event %s for %s; have %v", typ, id, types)
}

// listIDs lists path (a list endpoint, with or without a query) and
// returns the ids in order and has_more.
func listIDs(t testing.TB, s *kessaitest.Server, path string, key string) ([]string, bool) {
	t.Helper()
	r := kessaitest.Must(t, on(s, t).Do(kessaitest.Req{Method: "GET", Path: path, Key: key}), 200)
	var ids []string
	for _, d := range r.Data() {
		ids = append(ids, d["id"].(string))
	}
	more, _ := r.JSON["has_more"].(bool)
	return ids, more
}

func count(t testing.TB, s *kessaitest.Server, path string) int {
	t.Helper()
	sep := "?"
	if strings.Contains(path, "?") {
		sep = "&"
	}
	ids, _ := listIDs(t, s, path+sep+"limit=100", "")
	return len(ids)
}

// noRedirect is a client that returns redirects instead of following them.
var noRedirect = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

// newCard is the body of a valid card payment method.
func newCard(number string) map[string]any {
	return map[string]any{"type": "card",
		"card":            map[string]any{"number": number, "exp_month": 12, "exp_year": 2030, "cvc": "123"},
		"billing_details": map[string]any{"email": "buyer@example.com"}}
}

func base64Std(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }
