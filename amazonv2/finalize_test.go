package amazonv2_test

import (
	"testing"

	"github.com/kessai/kessai/internal/kessaitest"
	"github.com/kessai/kessai/internal/testdb"
)

// TestFlow_FinalizeCheckoutSession: Finalize completes an approved session
// when its paymentIntent and chargeAmount are the session's (202 while the
// charge is pending); anything else is refused and changes nothing.
func TestFlow_FinalizeCheckoutSession(t *testing.T) {
	t.Parallel()
	for _, dialect := range testdb.Dialects {
		t.Run(dialect, func(t *testing.T) {
			t.Parallel()
			s := kessaitest.Start(t, dialect, kessaitest.Options{NoWorker: true})
			c := newV2(t, s)
			id := c.session(5000, "Authorize", "1111")
			path := "/v2/checkoutSessions/" + id + "/finalize"
			for _, bad := range []struct {
				name   string
				body   map[string]any
				reason string
			}{
				{"no paymentIntent", map[string]any{"chargeAmount": yen(5000)}, "MissingParameterValue"},
				{"another paymentIntent", map[string]any{"chargeAmount": yen(5000), "paymentIntent": "AuthorizeWithCapture"}, "InvalidParameterValue"},
				{"another amount", map[string]any{"chargeAmount": yen(4999), "paymentIntent": "Authorize"}, "InvalidParameterValue"},
				{"no amount", map[string]any{"paymentIntent": "Authorize"}, "MissingParameterValue"},
			} {
				if r := c.do("POST", path, bad.body); r.status != 400 || r.reason() != bad.reason {
					t.Errorf("%s: %d %s, want 400 %s", bad.name, r.status, r.body, bad.reason)
				}
			}
			if r := must(t, c.do("GET", "/v2/checkoutSessions/"+id, nil), 200); str(r.json, "statusDetails", "state") != "Open" || r.json["chargeId"] != nil {
				t.Fatalf("after the refusals: %s", r.body)
			}
			ok := map[string]any{"chargeAmount": yen(5000), "paymentIntent": "Authorize",
				"shippingAddress": map[string]any{"name": "ignored"}, "supplementaryData": "{}"}
			r := must(t, c.do("POST", path, ok), 200)
			charge := str(r.json, "chargeId")
			if str(r.json, "statusDetails", "state") != "Completed" || charge == "" {
				t.Fatalf("finalized: %s", r.body)
			}
			if r := must(t, c.do("GET", "/v2/charges/"+charge, nil), 200); str(r.json, "statusDetails", "state") != "Authorized" || str(r.json, "chargeAmount", "amount") != "5000" {
				t.Fatalf("the charge: %s", r.body)
			}
			if again := must(t, c.do("POST", path, ok), 200); str(again.json, "chargeId") != charge {
				t.Fatalf("finalized again: %s", again.body)
			}

			pending, redirect := c.sessionTo(2000, map[string]any{"paymentIntent": "Authorize", "canHandlePendingAuthorization": true})
			if st := approve(t, redirect, "0701"); st != 303 {
				t.Fatalf("0701: approval %d", st)
			}
			r = must(t, c.do("POST", "/v2/checkoutSessions/"+pending+"/finalize", map[string]any{"chargeAmount": yen(2000), "paymentIntent": "Authorize"}), 202)
			if str(r.json, "statusDetails", "state") != "Completed" {
				t.Fatalf("finalized while pending: %s", r.body)
			}
			s.CheckLedger()
		})
	}
}
