package dashboard_test

import (
	"net/url"
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
