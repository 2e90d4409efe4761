package amazonv2_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/kessai/kessai/api/validator"
	"github.com/kessai/kessai/internal/kessaitest"
)

// fits checks an answer of the face against api/amazonpay-v2.yaml.
func fits(t *testing.T, v *validator.Validator, r *reply) *reply {
	t.Helper()
	path := r.path
	for _, env := range []string{"/sandbox", "/live"} {
		if strings.HasPrefix(path, env+"/v2/") {
			path = strings.TrimPrefix(path, env)
		}
	}
	req, err := http.NewRequest(r.method, "http://kessai.test"+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := v.ValidateResponse(req, r.status, r.header, r.body); err != nil {
		t.Errorf("the answer does not fit amazonpay-v2.yaml: %v: %s", err, r.body)
	}
	return r
}

// TestOpenAPI_AnswersFitTheDocument: every operation's answers, and its
// refusals, are as api/amazonpay-v2.yaml describes them.
func TestOpenAPI_AnswersFitTheDocument(t *testing.T) {
	t.Parallel()
	if _, err := validator.LoadAmazonPayV2(); err != nil {
		t.Fatal(err)
	}
	v, err := validator.NewAmazonPayV2Validator()
	if err != nil {
		t.Fatal(err)
	}
	s := kessaitest.Start(t, "sqlite", kessaitest.Options{NoWorker: true})
	c := newV2(t, s)
	ok := func(r *reply, status int) *reply { t.Helper(); return must(t, fits(t, v, r), status) }
	refused := func(r *reply, status int, reason string) {
		t.Helper()
		fits(t, v, r)
		if r.status != status || r.reason() != reason {
			t.Errorf("%s %s: %d %s, want %d %s", r.method, r.path, r.status, r.body, status, reason)
		}
	}

	ok(c.do("GET", "/sandbox/v2/buyers/token-1", nil), 200)
	created := ok(c.keyed("POST", "/sandbox/v2/checkoutSessions", "doc-cs", map[string]any{
		"webCheckoutDetails": map[string]any{"checkoutReviewReturnUrl": "https://shop.example/review"}, "storeId": c.store}), 201)
	ok(c.do("GET", "/v2/checkoutSessions/"+created.json["checkoutSessionId"].(string), nil), 200)
	ok(c.do("PATCH", "/v2/checkoutSessions/"+created.json["checkoutSessionId"].(string), map[string]any{
		"webCheckoutDetails": map[string]any{"checkoutResultReturnUrl": "https://shop.example/result"},
		"paymentDetails":     map[string]any{"paymentIntent": "Authorize", "chargeAmount": yen(2000)}}), 200)

	id := c.session(10000, "Authorize", "1111")
	refused(c.do("POST", "/v2/checkoutSessions/"+id+"/complete", map[string]any{"chargeAmount": yen(9999)}), 400, "InvalidParameterValue")
	done := ok(c.do("POST", "/v2/checkoutSessions/"+id+"/complete", map[string]any{"chargeAmount": yen(10000)}), 200)
	perm, charge := str(done.json, "chargePermissionId"), str(done.json, "chargeId")
	ok(c.do("GET", "/v2/chargePermissions/"+perm, nil), 200)
	ok(c.do("PATCH", "/v2/chargePermissions/"+perm, map[string]any{"merchantMetadata": map[string]any{"merchantReferenceId": "order-1"}}), 200)
	ok(c.do("GET", "/v2/charges/"+charge, nil), 200)
	refused(c.keyed("POST", "/v2/charges/"+charge+"/capture", "doc-over", map[string]any{"captureAmount": yen(10001)}), 400, "TransactionAmountExceeded")
	ok(c.keyed("POST", "/v2/charges/"+charge+"/capture", "doc-cap", map[string]any{"captureAmount": yen(6000)}), 200)
	second := ok(c.keyed("POST", "/v2/charges", "doc-ch", map[string]any{"chargePermissionId": perm, "chargeAmount": yen(1000)}), 201)
	ok(c.do("DELETE", "/v2/charges/"+str(second.json, "chargeId")+"/cancel", map[string]any{"cancellationReason": "changed"}), 200)
	refund := ok(c.keyed("POST", "/v2/refunds", "doc-rf", map[string]any{"chargeId": charge, "refundAmount": yen(500)}), 201)
	ok(c.do("GET", "/v2/refunds/"+str(refund.json, "refundId"), nil), 200)
	refused(c.keyed("POST", "/v2/refunds", "doc-rf", map[string]any{"chargeId": charge, "refundAmount": yen(501)}), 400, "DuplicateIdempotencyKey")
	ok(c.do("DELETE", "/v2/chargePermissions/"+perm+"/close", map[string]any{"closureReason": "done"}), 200)
	refused(c.keyed("POST", "/v2/charges", "doc-ch2", map[string]any{"chargePermissionId": perm, "chargeAmount": yen(1)}), 422, "InvalidChargePermissionStatus")
	refused(c.do("GET", "/v2/refunds/nope", nil), 404, "ResourceNotFound")
	pending, redirect := c.sessionTo(1000, map[string]any{"paymentIntent": "Authorize", "canHandlePendingAuthorization": true})
	if st := approve(t, redirect, "0701"); st != 303 {
		t.Fatalf("0701: approval %d", st)
	}
	ok(c.do("POST", "/v2/checkoutSessions/"+pending+"/complete", map[string]any{"chargeAmount": yen(1000)}), 202)
	finalized := c.session(1500, "AuthorizeWithCapture", "1111")
	refused(c.do("POST", "/v2/checkoutSessions/"+finalized+"/finalize", map[string]any{"chargeAmount": yen(1500)}), 400, "MissingParameterValue")
	ok(c.do("POST", "/v2/checkoutSessions/"+finalized+"/finalize", map[string]any{"chargeAmount": yen(1500), "paymentIntent": "AuthorizeWithCapture"}), 200)
	refused(call(t, s, nil, "GET", "/sandbox/v2/buyers/t", nil, kessaitest.Epoch, nil), 400, "MissingHeader")
}
