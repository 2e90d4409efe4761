package dashboard_test

import (
	"net/url"
	"strings"
	"testing"

	"github.com/kessai/kessai/internal/kessaitest"
)

func TestDashboard_LinksTheAPIDocument(t *testing.T) {
	t.Parallel()
	s := kessaitest.Start(t, "sqlite", kessaitest.Options{NoWorker: true})
	b := newBrowser(t, s.URL)
	b.signIn(s.Account.SecretKey, "/dashboard/payments")
	for _, lang := range []string{"ja", "en"} {
		_, page := b.get("/dashboard/payments?lang=" + lang)
		if !strings.Contains(page, `<a href="/openapi.yaml" id="api-document">`) {
			t.Errorf("the %s payments page does not link /openapi.yaml:\n%s", lang, page)
		}
	}
	if code, doc := b.get("/openapi.yaml"); code != 200 || !strings.HasPrefix(doc, "openapi: 3.") {
		t.Errorf("the link's target: %d", code)
	}
}

// TestDashboard_EveryPageHasTheCSP: the sign-in page and the error pages
// carry the same Content-Security-Policy as the signed-in pages.
func TestDashboard_EveryPageHasTheCSP(t *testing.T) {
	t.Parallel()
	s := kessaitest.Start(t, "sqlite", kessaitest.Options{NoWorker: true})
	b := newBrowser(t, s.URL)
	check := func(what string) {
		t.Helper()
		if csp := b.last.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "style-src 'self'") || !strings.Contains(csp, "frame-ancestors 'none'") {
			t.Errorf("%s: Content-Security-Policy %q", what, csp)
		}
	}
	b.get("/dashboard/login")
	check("the sign-in page")
	b.signIn(s.Account.SecretKey, "/dashboard/payments")
	check("the payments page")
	if code, _ := b.get("/dashboard/payments/pfw_nosuchflow"); code != 404 {
		t.Fatalf("an unknown payment: %d", code)
	}
	check("the 404 page")
}

// TestDashboard_ErrorPagesKeepTheNavigation: a signed-in 404 is drawn in the
// layout, with the navigation and the sign-out button.
func TestDashboard_ErrorPagesKeepTheNavigation(t *testing.T) {
	t.Parallel()
	s := kessaitest.Start(t, "sqlite", kessaitest.Options{NoWorker: true})
	b := newBrowser(t, s.URL)
	b.signIn(s.Account.SecretKey, "/dashboard/payments")
	code, page := b.get("/dashboard/payments/pfw_nosuchflow")
	if code != 404 || !strings.Contains(page, `id="error"`) || !strings.Contains(page, `id="nav-refunds"`) || !strings.Contains(page, `id="logout"`) {
		t.Errorf("the signed-in 404 (%d) lacks the error or the navigation:\n%s", code, page)
	}
	signedOut := newBrowser(t, s.URL)
	if code, page := signedOut.post("/dashboard/logout", url.Values{}); code != 403 || !strings.Contains(page, `id="error"`) {
		t.Errorf("a signed-out error page: %d\n%s", code, page)
	}
}
