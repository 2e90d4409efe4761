package dashboard_test

import (
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
