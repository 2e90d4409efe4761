package notifications_test

import (
	"testing"

	"github.com/kessai/kessai"
	"github.com/kessai/kessai/notifications"
)

func TestIPNV2Object(t *testing.T) {
	t.Parallel()
	const perm = "S03-1234567-1234567"
	for _, tc := range []struct {
		name           string
		ev             kessai.Event
		wantType       string
		wantPermission string
		wantErr        bool
	}{
		{"a charge's state", kessai.Event{Type: "charge.captured", Object: "charge", ResourceID: perm + "-C000001", Data: []byte(`{"payment_id":"` + perm + `"}`)},
			notifications.IPNV2Charge, perm, false},
		{"a refund's state", kessai.Event{Type: "refund.refunded", Object: "refund", ResourceID: perm + "-R000001", Data: []byte(`{"payment_id":"` + perm + `"}`)},
			notifications.IPNV2Refund, perm, false},
		{"a permission's state", kessai.Event{Type: "charge_permission.closed", Object: "charge_permission", ResourceID: perm, Data: []byte(`{}`)},
			notifications.IPNV2ChargePermission, perm, false},
		{"a checkout session is not notified", kessai.Event{Type: "checkout_session.completed", Object: "checkout_session", ResourceID: "cs", Data: []byte(`{}`)}, "", "", false},
		{"a sandbox chargeback is not notified", kessai.Event{Type: "charge.chargeback", Object: "charge", ResourceID: perm + "-C000001", Data: []byte(`{"payment_id":"` + perm + `"}`)}, "", "", false},
		{"a charge naming no permission", kessai.Event{Type: "charge.captured", Object: "charge", ResourceID: "x", Data: []byte(`{}`)}, "", "", true},
		{"a refund with broken data", kessai.Event{Type: "refund.refunded", Object: "refund", ResourceID: "x", Data: []byte(`{`)}, "", "", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			typ, permission, err := notifications.IPNV2Object(&tc.ev)
			if (err != nil) != tc.wantErr || typ != tc.wantType || permission != tc.wantPermission {
				t.Errorf("IPNV2Object = %q, %q, %v; want %q, %q, error %v", typ, permission, err, tc.wantType, tc.wantPermission, tc.wantErr)
			}
		})
	}
}
