package dashboard_test

import (
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/kessai/kessai/internal/kessaitest"
)

// TestDashboard_OperatorDisablesAndEnablesAnAccount: the operator's
// accounts page shows each account's state, and its buttons do what 'kessai
// accounts disable|enable' do: a merchant signed in with the account's key
// is signed out, and the key no longer signs in, until it is enabled again.
func TestDashboard_OperatorDisablesAndEnablesAnAccount(t *testing.T) {
	t.Parallel()
	token := "op_" + strings.Repeat("y", 30)
	s := kessaitest.Start(t, "sqlite", kessaitest.Options{DashboardOperatorToken: token, NoWorker: true})
	merchant := newBrowser(t, s.URL)
	merchant.signIn(s.Account.SecretKey, "/dashboard/payments")

	op := newBrowser(t, s.URL)
	op.signIn(token, "/dashboard/accounts")
	_, page := op.get("/dashboard/accounts?lang=en")
	if !strings.Contains(page, s.Account.ID) || !strings.Contains(page, "Enabled") || !strings.Contains(page, `<button class="disable">Disable</button>`) {
		t.Fatalf("the accounts page does not show the account enabled with a Disable button:\n%s", page)
	}
	_, page = op.post("/dashboard/accounts/state", url.Values{"account": {s.Account.ID}, "disabled": {"true"}})
	if !strings.Contains(page, "Disabled since") || !strings.Contains(page, `id="flash"`) {
		t.Fatalf("after Disable the page does not show the account disabled:\n%s", page)
	}
	if code, _ := merchant.get("/dashboard/payments"); code != 200 || merchant.last.Request.URL.Path != "/dashboard/login" {
		t.Errorf("the disabled account's merchant session goes on: %d at %s", code, merchant.last.Request.URL.Path)
	}
	again := newBrowser(t, s.URL)
	again.get("/dashboard/login")
	again.post("/dashboard/login", url.Values{"key": {s.Account.SecretKey}})
	if again.last.Request.URL.Path == "/dashboard/payments" {
		t.Error("the disabled account's key signs in")
	}
	if r := s.Get("/v2/payment_flows"); r.Status != 401 {
		t.Errorf("the disabled account's key on the API: %d", r.Status)
	}

	_, page = op.post("/dashboard/accounts/state", url.Values{"account": {s.Account.ID}, "disabled": {"false"}})
	if !strings.Contains(page, "Enabled") {
		t.Fatalf("after Enable the page does not show the account enabled:\n%s", page)
	}
	merchant.signIn(s.Account.SecretKey, "/dashboard/payments")

	if code, _ := merchant.post("/dashboard/accounts/state", url.Values{"account": {s.Account.ID}, "disabled": {"true"}}); code != 404 {
		t.Errorf("a merchant disabling an account: %d, want 404 (operators only)", code)
	}
}

// TestDashboard_OperatorRotatesAKey: the operator's Rotate button gives
// the account a new secret key, shown once on the page that answers the
// form (never again: not on the accounts page, not on a reload of it);
// the new key signs in and calls the API, the old one keeps working for
// the grace chosen, or stops at once with none. A post without the CSRF
// token, or by a merchant, rotates nothing.
func TestDashboard_OperatorRotatesAKey(t *testing.T) {
	t.Parallel()
	token := "op_" + strings.Repeat("z", 30)
	s := kessaitest.Start(t, "sqlite", kessaitest.Options{DashboardOperatorToken: token, NoWorker: true})
	oldKey := s.Account.SecretKey
	op := newBrowser(t, s.URL)
	op.signIn(token, "/dashboard/accounts")
	_, page := op.get("/dashboard/accounts?lang=en")
	if !strings.Contains(page, `action="/dashboard/accounts/rotate-key"`) || !strings.Contains(page, "Rotate secret key") {
		t.Fatalf("the accounts page has no Rotate button:\n%s", page)
	}
	apiWith := func(key string) int {
		t.Helper()
		return s.Do(kessaitest.Req{Method: "GET", Path: "/v2/payment_flows", Key: key}).Status
	}

	// Refused without the CSRF token, and for a merchant.
	if code, _ := op.post("/dashboard/accounts/rotate-key", url.Values{"account": {s.Account.ID}, "csrf": {""}}); code != 403 {
		t.Errorf("a rotation without the CSRF token: %d, want 403", code)
	}
	merchant := newBrowser(t, s.URL)
	merchant.signIn(oldKey, "/dashboard/payments")
	if code, _ := merchant.post("/dashboard/accounts/rotate-key", url.Values{"account": {s.Account.ID}}); code != 404 {
		t.Errorf("a merchant rotating a key: %d, want 404 (operators only)", code)
	}
	if code := apiWith(oldKey); code != 200 {
		t.Fatalf("after refused rotations the key answers %d", code)
	}

	// With the default grace (24 h) the old key goes on working.
	code, page := op.post("/dashboard/accounts/rotate-key", url.Values{"account": {s.Account.ID}, "grace": {"24h"}})
	m := regexp.MustCompile(`<code id="new-key">(sk_test_[0-9a-z]+)</code>`).FindStringSubmatch(page)
	if code != 200 || m == nil || !strings.Contains(page, "shown this once") || !strings.Contains(page, "Old secret key valid until") {
		t.Fatalf("the rotation's page (%d) does not show the new key once with the old key's end of grace:\n%s", code, page)
	}
	if cc := op.last.Header.Get("Cache-Control"); cc != "no-store" {
		t.Errorf("the page with the key is cacheable: Cache-Control %q", cc)
	}
	newKey := m[1]
	if code := apiWith(newKey); code != 200 {
		t.Errorf("the new key on the API: %d", code)
	}
	if code := apiWith(oldKey); code != 200 {
		t.Errorf("the old key within its grace: %d, want 200", code)
	}
	fresh := newBrowser(t, s.URL)
	fresh.signIn(newKey, "/dashboard/payments")
	if _, page := op.get("/dashboard/accounts?lang=en"); strings.Contains(page, newKey) || !strings.Contains(page, "Old secret key valid until") {
		t.Errorf("the accounts page shows the new key, or not the old key's grace:\n%s", page)
	}

	// With no grace the key it replaces stops at once.
	_, page = op.post("/dashboard/accounts/rotate-key", url.Values{"account": {s.Account.ID}, "grace": {"0s"}})
	m = regexp.MustCompile(`<code id="new-key">(sk_test_[0-9a-z]+)</code>`).FindStringSubmatch(page)
	if m == nil || m[1] == newKey || !strings.Contains(page, "no longer works") {
		t.Fatalf("the second rotation's page:\n%s", page)
	}
	if code := apiWith(newKey); code != 401 {
		t.Errorf("the key replaced with no grace: %d, want 401", code)
	}
	if code := apiWith(oldKey); code != 401 {
		t.Errorf("the key replaced by an earlier rotation: %d, want 401", code)
	}
	if code := apiWith(m[1]); code != 200 {
		t.Errorf("the newest key: %d", code)
	}

	if code, _ := op.post("/dashboard/accounts/rotate-key", url.Values{"account": {s.Account.ID}, "grace": {"100000h"}}); code != 400 {
		t.Errorf("a grace not offered: %d, want 400", code)
	}
	if code, _ := op.post("/dashboard/accounts/rotate-key", url.Values{"account": {"acct_nope"}}); code != 404 {
		t.Errorf("an unknown account: %d, want 404", code)
	}
}
