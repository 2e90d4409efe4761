package dashboard_test

import (
	"strings"
	"testing"

	"github.com/kessai/kessai/internal/kessaitest"
)

// TestDashboard_CardBuyerEmail: a PAY.JP card payment without a customer is
// its card's billing email's: the payments list shows it, the search by
// email finds it, and the top customers of the refund analysis name it.
func TestDashboard_CardBuyerEmail(t *testing.T) {
	t.Parallel()
	s := kessaitest.Start(t, "sqlite", kessaitest.Options{NoWorker: true})
	flow := s.PaidCardFlow(3000) // kessaitest's card has billing_details.email buyer@example.com
	kessaitest.Must(t, s.Post("/v2/payment_refunds", map[string]any{"payment_flow_id": flow, "amount": 500, "reason": "duplicate"}), 200)
	b := newBrowser(t, s.URL)
	b.signIn(s.Account.SecretKey, "/dashboard/payments")
	if _, list := b.get("/dashboard/payments"); !strings.Contains(list, "<td>buyer@example.com</td>") {
		t.Errorf("the payments list does not show the card's billing email:\n%s", list)
	}
	if _, found := b.get("/dashboard/payments?email=BUYER@example.com"); !strings.Contains(found, flow) {
		t.Errorf("the search by email does not find the card payment:\n%s", found)
	}
	if _, analysis := b.get("/dashboard/analysis?period=month"); !strings.Contains(analysis, "<td>buyer@example.com</td>") {
		t.Errorf("the top customers do not name the card's buyer:\n%s", analysis)
	}
}
