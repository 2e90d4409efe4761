package amazonv2_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/kessai/kessai/internal/kessaitest"
	"github.com/kessai/kessai/internal/testdb"
)

// TestFlow_ExpiriesOnTheAccountClock: an Authorized charge is
// Canceled/ExpiredUnused 30 days on, and the charge permission closes 180
// days after its session completed, by the test clock; a Closed
// permission takes no charge.
func TestFlow_ExpiriesOnTheAccountClock(t *testing.T) {
	t.Parallel()
	for _, dialect := range testdb.Dialects {
		t.Run(dialect, func(t *testing.T) {
			t.Parallel()
			s := kessaitest.Start(t, dialect, kessaitest.Options{NoWorker: true})
			c := newV2(t, s)
			id := c.session(5000, "Confirm", "1111")
			r := must(t, c.do("POST", "/v2/checkoutSessions/"+id+"/complete", map[string]any{"chargeAmount": yen(5000)}), 200)
			perm := str(r.json, "chargePermissionId")
			if str(r.json, "chargeId") != "" {
				t.Fatalf("Confirm made a charge: %s", r.body)
			}
			if r := must(t, c.do("GET", "/v2/chargePermissions/"+perm, nil), 200); str(r.json, "statusDetails", "state") != "Chargeable" {
				t.Fatalf("after Confirm: %s", r.body)
			}
			r = must(t, c.do("PATCH", "/v2/chargePermissions/"+perm, map[string]any{"merchantMetadata": map[string]any{"merchantReferenceId": "order-42"}}), 200)
			if str(r.json, "merchantMetadata", "merchantReferenceId") != "order-42" {
				t.Fatalf("Update Charge Permission: %s", r.body)
			}
			r = must(t, c.keyed("POST", "/v2/charges", "ch-1", map[string]any{"chargePermissionId": perm, "chargeAmount": yen(2000)}), 201)
			charge := str(r.json, "chargeId")
			if str(r.json, "statusDetails", "state") != "Authorized" {
				t.Fatalf("Create Charge: %s", r.body)
			}
			s.Advance(29 * 24 * time.Hour)
			if r := must(t, c.do("GET", "/v2/charges/"+charge, nil), 200); str(r.json, "statusDetails", "state") != "Authorized" {
				t.Fatalf("after 29 days: %s", r.body)
			}
			s.Advance(24*time.Hour + time.Minute)
			r = must(t, c.do("GET", "/v2/charges/"+charge, nil), 200)
			if str(r.json, "statusDetails", "state") != "Canceled" || str(r.json, "statusDetails", "reasonCode") != "ExpiredUnused" {
				t.Fatalf("after 30 days: %s", r.body)
			}
			if r := must(t, c.do("GET", "/v2/chargePermissions/"+perm, nil), 200); str(r.json, "limits", "amountBalance", "amount") != "5000" {
				t.Fatalf("the expired charge still holds: %s", r.body)
			}
			s.Advance(150 * 24 * time.Hour)
			r = must(t, c.do("GET", "/v2/chargePermissions/"+perm, nil), 200)
			if str(r.json, "statusDetails", "state") != "Closed" || str(r.json, "statusDetails", "reasonCode") != "Expired" {
				t.Fatalf("after 180 days: %s", r.body)
			}
			if r := c.do("PATCH", "/v2/chargePermissions/"+perm, map[string]any{"merchantMetadata": map[string]any{"noteToBuyer": "x"}}); r.status != 422 || r.reason() != "InvalidChargePermissionStatus" {
				t.Fatalf("Update a Closed permission: %d %s", r.status, r.body)
			}
			r = c.keyed("POST", "/v2/charges", "ch-2", map[string]any{"chargePermissionId": perm, "chargeAmount": yen(100)})
			if r.status != 422 || r.reason() != "InvalidChargePermissionStatus" {
				t.Fatalf("a charge on a Closed permission: %d %s", r.status, r.body)
			}
			s.CheckLedger()
		})
	}
}

// TestFlow_TwentyFiveCharges: a charge permission takes 25 charges, the
// 26th is TransactionCountExceeded; canceling one does not give its place
// back.
func TestFlow_TwentyFiveCharges(t *testing.T) {
	t.Parallel()
	for _, dialect := range testdb.Dialects {
		t.Run(dialect, func(t *testing.T) {
			t.Parallel()
			s := kessaitest.Start(t, dialect, kessaitest.Options{NoWorker: true})
			c := newV2(t, s)
			id := c.session(100000, "Confirm", "1111")
			perm := str(must(t, c.do("POST", "/v2/checkoutSessions/"+id+"/complete", map[string]any{"chargeAmount": yen(100000)}), 200).json, "chargePermissionId")
			var first string
			for i := 1; i <= 25; i++ {
				r := must(t, c.keyed("POST", "/v2/charges", fmt.Sprintf("c-%d", i), map[string]any{"chargePermissionId": perm, "chargeAmount": yen(1000), "captureNow": i%2 == 0}), 201)
				if i == 1 {
					first = str(r.json, "chargeId")
				}
			}
			must(t, c.do("DELETE", "/v2/charges/"+first+"/cancel", map[string]any{"cancellationReason": "out of stock"}), 200)
			r := c.keyed("POST", "/v2/charges", "c-26", map[string]any{"chargePermissionId": perm, "chargeAmount": yen(1000)})
			if r.status != 400 || r.reason() != "TransactionCountExceeded" {
				t.Fatalf("the 26th charge: %d %s", r.status, r.body)
			}
			// softDescriptor only with captureNow.
			r = c.keyed("POST", "/v2/charges", "c-sd", map[string]any{"chargePermissionId": perm, "chargeAmount": yen(1), "softDescriptor": "SHOP"})
			if r.status != 400 || r.reason() != "InvalidParameterValue" {
				t.Fatalf("softDescriptor without captureNow: %d %s", r.status, r.body)
			}
			s.CheckLedger()
		})
	}
}
