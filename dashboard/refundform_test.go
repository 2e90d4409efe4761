package dashboard_test

import (
	"net/url"
	"strings"
	"testing"

	"github.com/kessai/kessai/internal/kessaitest"
)

// TestDashboard_RefundAllOnlyWhenAsked: the refund form shows what is left
// to refund, and an empty amount refunds it only with the box ticked.
func TestDashboard_RefundAllOnlyWhenAsked(t *testing.T) {
	t.Parallel()
	s := kessaitest.Start(t, "sqlite", kessaitest.Options{NoWorker: true})
	flow := s.PaidCardFlow(5000)
	kessaitest.Must(t, s.Post("/v2/payment_refunds", map[string]any{"payment_flow_id": flow, "amount": 1200}), 200)
	b := newBrowser(t, s.URL)
	b.signIn(s.Account.SecretKey, "/dashboard/payments")
	action := "/dashboard/payments/" + flow + "/refund"

	_, page := b.get("/dashboard/payments/" + flow + "?lang=en")
	if !strings.Contains(page, `<span id="refundable">¥3,800</span>`) {
		t.Fatalf("the form does not show ¥3,800 refundable:\n%s", page)
	}
	_, refused := b.post(action, url.Values{"amount": {""}, "idem": {idemOf(t, page, action)}})
	if !strings.Contains(refused, `class="flash bad"`) || !strings.Contains(refused, "tick the box") {
		t.Fatalf("an empty amount without the box is not refused:\n%s", refused)
	}
	if n := len(refundsOf(t, s, flow)); n != 1 {
		t.Fatalf("refunds after the refused form: %d, want 1", n)
	}
	_, page = b.get("/dashboard/payments/" + flow)
	_, done := b.post(action, url.Values{"amount": {""}, "all": {"1"}, "idem": {idemOf(t, page, action)}})
	if !strings.Contains(done, `class="flash ok"`) || !strings.Contains(done, "¥3,800") {
		t.Fatalf("refunding everything left with the box ticked:\n%s", done)
	}
	if !strings.Contains(done, `<span id="refundable">¥0</span>`) {
		t.Errorf("the form does not show ¥0 left")
	}
}
