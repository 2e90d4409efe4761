package amazonv2_test

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/kessai/kessai/amazonv2"
	"github.com/kessai/kessai/internal/kessaitest"
)

// TestFlow_AccountsAreIsolated: another account's signed requests find
// none of an account's checkout sessions, permissions, charges or refunds
// (ResourceNotFound) and change nothing.
func TestFlow_AccountsAreIsolated(t *testing.T) {
	t.Parallel()
	s := kessaitest.Start(t, "sqlite", kessaitest.Options{NoWorker: true})
	victim := newV2(t, s)
	id := victim.session(4000, "Authorize", "1111")
	r := must(t, victim.do("POST", "/v2/checkoutSessions/"+id+"/complete", map[string]any{"chargeAmount": yen(4000)}), 200)
	perm, charge := str(r.json, "chargePermissionId"), str(r.json, "chargeId")
	must(t, victim.keyed("POST", "/v2/charges/"+charge+"/capture", "v-cap", map[string]any{"captureAmount": yen(4000)}), 200)
	refund := str(must(t, victim.keyed("POST", "/v2/refunds", "v-rf", map[string]any{"chargeId": charge, "refundAmount": yen(100)}), 201).json, "refundId")
	snapshot := func() []byte {
		var b bytes.Buffer
		for _, p := range []string{"/v2/checkoutSessions/" + id, "/v2/chargePermissions/" + perm, "/v2/charges/" + charge, "/v2/refunds/" + refund} {
			b.Write(must(t, victim.do("GET", p, nil), 200).body)
		}
		return b.Bytes()
	}
	before := snapshot()

	other := s.NewAccount("intruder")
	reg := registerKey(s, other.SecretKey, mustKeys(t)[1])
	intruder := &v2{t: t, s: s, signer: &amazonv2.Signer{Key: mustKeys(t)[1], PublicKeyID: reg.Str("public_key_id")}, store: reg.Str("store_id")}
	for i, c := range []struct {
		method, path string
		keyed        bool
		body         map[string]any
	}{
		{"GET", "/v2/checkoutSessions/" + id, false, nil},
		{"PATCH", "/v2/checkoutSessions/" + id, false, map[string]any{"paymentDetails": map[string]any{"chargeAmount": yen(1)}}},
		{"POST", "/v2/checkoutSessions/" + id + "/complete", false, map[string]any{"chargeAmount": yen(4000)}},
		{"POST", "/v2/checkoutSessions/" + id + "/finalize", false, map[string]any{"chargeAmount": yen(4000), "paymentIntent": "Authorize"}},
		{"GET", "/v2/chargePermissions/" + perm, false, nil},
		{"DELETE", "/v2/chargePermissions/" + perm + "/close", false, map[string]any{}},
		{"POST", "/v2/charges", true, map[string]any{"chargePermissionId": perm, "chargeAmount": yen(1)}},
		{"GET", "/v2/charges/" + charge, false, nil},
		{"POST", "/v2/charges/" + charge + "/capture", true, map[string]any{"captureAmount": yen(1)}},
		{"DELETE", "/v2/charges/" + charge + "/cancel", false, map[string]any{}},
		{"POST", "/v2/refunds", true, map[string]any{"chargeId": charge, "refundAmount": yen(1)}},
		{"GET", "/v2/refunds/" + refund, false, nil},
	} {
		var r *reply
		if c.keyed {
			r = intruder.keyed(c.method, c.path, fmt.Sprintf("intruder-%d", i), c.body)
		} else {
			r = intruder.do(c.method, c.path, c.body)
		}
		if r.status != 404 || r.reason() != "ResourceNotFound" {
			t.Errorf("%s %s by another account: %d %s", c.method, c.path, r.status, r.body)
		}
	}
	if after := snapshot(); !bytes.Equal(before, after) {
		t.Errorf("the account's objects changed:\n%s\n%s", before, after)
	}
	s.CheckLedger()
}

// TestFlow_PayJPFaceDoesNotShowV2Payments: the PAY.JP face's payment flows
// are its own: a charge permission's id is not a payment flow there.
func TestFlow_PayJPFaceDoesNotShowV2Payments(t *testing.T) {
	t.Parallel()
	s := kessaitest.Start(t, "sqlite", kessaitest.Options{NoWorker: true})
	c := newV2(t, s)
	id := c.session(1000, "AuthorizeWithCapture", "1111")
	perm := str(must(t, c.do("POST", "/v2/checkoutSessions/"+id+"/complete", map[string]any{"chargeAmount": yen(1000)}), 200).json, "chargePermissionId")
	if r := s.Do(kessaitest.Req{Method: "GET", Path: "/v2/payment_flows/" + perm, NoValidate: true}); r.Status != 404 {
		t.Errorf("GET /v2/payment_flows/%s: %d %s", perm, r.Status, r.Body)
	}
	charge := perm + "-C000001"
	refund := str(must(t, c.keyed("POST", "/v2/refunds", "pj-1", map[string]any{"chargeId": charge, "refundAmount": yen(100)}), 201).json, "refundId")
	for _, p := range []string{"/v2/payment_refunds/" + refund, "/v2/refunds/" + refund} {
		if r := s.Do(kessaitest.Req{Method: "GET", Path: p, NoValidate: true}); r.Status != 404 {
			t.Errorf("GET %s with the PAY.JP key: %d %s", p, r.Status, r.Body)
		}
	}
	if r := kessaitest.Must(t, s.Get("/v2/payment_flows"), 200); len(r.Data()) != 0 {
		t.Errorf("PAY.JP's list shows %v", r.Data())
	}
}
