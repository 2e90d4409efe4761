package mws_test

import (
	"bytes"
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kessai/kessai/accounts"
	"github.com/kessai/kessai/amazonorder"
	"github.com/kessai/kessai/internal/kessaitest"
	"github.com/kessai/kessai/internal/testdb"
	"github.com/kessai/kessai/mws"
)

// draft creates a Draft order reference through kessai's own API, as the
// simulated buyer does, and returns its id.
func draft(s *kessaitest.Server, body map[string]any) string {
	s.T.Helper()
	// NoValidate: api/openapi.yaml does not describe this route yet.
	r := kessaitest.Must(s.T, s.Do(kessaitest.Req{Method: "POST", Path: "/kessai/v1/amazon/order_references", Body: body}), 200)
	id := r.Str("amazon_order_reference_id")
	if !strings.HasPrefix(id, "S03-") || r.Str("state") != "Draft" {
		s.T.Fatalf("order reference %s", r.Body)
	}
	return id
}

// openOrder returns an Open order reference of amount yen, set and
// confirmed through the MWS face.
func openOrder(s *kessaitest.Server, c *client, amount int64) string {
	s.T.Helper()
	id := draft(s, map[string]any{})
	c.call("SetOrderReferenceDetails", map[string]string{"AmazonOrderReferenceId": id,
		"OrderReferenceAttributes.OrderTotal.Amount":       strconv.FormatInt(amount, 10),
		"OrderReferenceAttributes.OrderTotal.CurrencyCode": "JPY"}).ok(s.T, "SetOrderReferenceDetails")
	c.call("ConfirmOrderReference", map[string]string{"AmazonOrderReferenceId": id}).ok(s.T, "ConfirmOrderReference")
	return id
}

func authorize(c *client, order, ref, amount string, extra map[string]string) *reply {
	p := map[string]string{"AmazonOrderReferenceId": order, "AuthorizationReferenceId": ref,
		"AuthorizationAmount.Amount": amount, "AuthorizationAmount.CurrencyCode": "JPY", "TransactionTimeout": "0"}
	for k, v := range extra {
		p[k] = v
	}
	return c.call("Authorize", p)
}

func capture(c *client, auth, ref, amount string) *reply {
	return c.call("Capture", map[string]string{"AmazonAuthorizationId": auth, "CaptureReferenceId": ref,
		"CaptureAmount.Amount": amount, "CaptureAmount.CurrencyCode": "JPY"})
}

func refund(c *client, capture, ref, amount string, extra map[string]string) *reply {
	p := map[string]string{"AmazonCaptureId": capture, "RefundReferenceId": ref,
		"RefundAmount.Amount": amount, "RefundAmount.CurrencyCode": "JPY"}
	for k, v := range extra {
		p[k] = v
	}
	return c.call("Refund", p)
}

func want(t *testing.T, r *reply, path, value string) {
	t.Helper()
	if got := r.get(path); got != value {
		t.Errorf("%s = %q, want %q\n%s", path, got, value, r.Body)
	}
}

func TestE2E_FullFlow(t *testing.T) {
	t.Parallel()
	testdb.ForEach(t, func(t *testing.T, dialect string) {
		s := kessaitest.Start(t, dialect, kessaitest.Options{})
		c := newClient(s)
		id := draft(s, map[string]any{"destination": map[string]any{"name": "山田 太郎", "address_line1": "1-2-3 Chiyoda",
			"city": "Chiyoda-ku", "state_or_region": "Tokyo", "postal_code": "100-0001", "country_code": "JP"}})

		r := c.call("GetOrderReferenceDetails", map[string]string{"AmazonOrderReferenceId": id}).ok(t, "GetOrderReferenceDetails")
		want(t, r, "OrderReferenceStatus/State", "Draft")
		want(t, r, "PhysicalDestination/City", "Chiyoda-ku")
		want(t, r, "PhysicalDestination/AddressLine1", "") // before confirmation, without the buyer's token
		want(t, r, "ReleaseEnvironment", "Sandbox")

		r = c.call("SetOrderReferenceDetails", map[string]string{"AmazonOrderReferenceId": id,
			"OrderReferenceAttributes.OrderTotal.Amount": "10000", "OrderReferenceAttributes.OrderTotal.CurrencyCode": "JPY",
			"OrderReferenceAttributes.SellerNote":                              "gift wrap, please",
			"OrderReferenceAttributes.SellerOrderAttributes.SellerOrderId":     "order-42",
			"OrderReferenceAttributes.SellerOrderAttributes.StoreName":         "kessai shop",
			"OrderReferenceAttributes.PlatformId":                              "PLATFORM1",
			"OrderReferenceAttributes.SellerOrderAttributes.CustomInformation": "x",
		}).ok(t, "SetOrderReferenceDetails")
		want(t, r, "OrderReferenceDetails/OrderTotal/Amount", "10000")
		want(t, r, "OrderReferenceDetails/OrderTotal/CurrencyCode", "JPY")
		want(t, r, "SellerNote", "gift wrap, please")
		want(t, r, "SellerOrderAttributes/SellerOrderId", "order-42")
		want(t, r, "PlatformId", "PLATFORM1")

		r = c.call("ConfirmOrderReference", map[string]string{"AmazonOrderReferenceId": id}).ok(t, "ConfirmOrderReference")
		if bytes.Contains(r.Body, []byte("ConfirmOrderReferenceResult")) {
			t.Errorf("Confirm has a Result:\n%s", r.Body)
		}
		r = c.call("GetOrderReferenceDetails", map[string]string{"AmazonOrderReferenceId": id}).ok(t, "GetOrderReferenceDetails")
		want(t, r, "OrderReferenceStatus/State", "Open")
		want(t, r, "PhysicalDestination/AddressLine1", "1-2-3 Chiyoda")

		r = authorize(c, id, "auth-1", "10000", map[string]string{"SellerAuthorizationNote": "first", "SoftDescriptor": "KESSAI"}).ok(t, "Authorize")
		want(t, r, "AuthorizationStatus/State", "Open")
		want(t, r, "AuthorizationReferenceId", "auth-1")
		want(t, r, "AuthorizationAmount/Amount", "10000")
		want(t, r, "SellerAuthorizationNote", "first")
		want(t, r, "CaptureNow", "false")
		auth := r.get("AmazonAuthorizationId")
		if auth != id+"-A000001" {
			t.Fatalf("authorization id %q", auth)
		}

		r = capture(c, auth, "cap-1", "10000").ok(t, "Capture")
		want(t, r, "CaptureStatus/State", "Completed")
		want(t, r, "CaptureAmount/Amount", "10000")
		want(t, r, "CaptureReferenceId", "cap-1")
		capID := r.get("AmazonCaptureId")

		r = c.call("GetAuthorizationDetails", map[string]string{"AmazonAuthorizationId": auth}).ok(t, "GetAuthorizationDetails")
		want(t, r, "AuthorizationStatus/State", "Closed")
		want(t, r, "AuthorizationStatus/ReasonCode", "MaxCapturesProcessed")
		want(t, r, "CapturedAmount/Amount", "10000")
		want(t, r, "AuthorizationDetails/IdList/member", capID)

		r = refund(c, capID, "ref-1", "3000", map[string]string{"SellerRefundNote": "one broken"}).ok(t, "Refund")
		want(t, r, "RefundStatus/State", "Pending")
		want(t, r, "RefundType", "SellerInitiated")
		want(t, r, "RefundAmount/Amount", "3000")
		refID := r.get("AmazonRefundId")

		r = c.call("GetRefundDetails", map[string]string{"AmazonRefundId": refID}).ok(t, "GetRefundDetails")
		want(t, r, "RefundStatus/State", "Pending")
		s.Advance(31 * time.Second) // the Amazon settlement delay
		r = c.call("GetRefundDetails", map[string]string{"AmazonRefundId": refID}).ok(t, "GetRefundDetails")
		want(t, r, "RefundStatus/State", "Completed")
		want(t, r, "SellerRefundNote", "one broken")

		r = c.call("GetCaptureDetails", map[string]string{"AmazonCaptureId": capID}).ok(t, "GetCaptureDetails")
		want(t, r, "RefundedAmount/Amount", "3000")
		want(t, r, "CaptureDetails/IdList/member", refID)

		r = c.call("GetOrderReferenceDetails", map[string]string{"AmazonOrderReferenceId": id}).ok(t, "GetOrderReferenceDetails")
		want(t, r, "OrderReferenceDetails/IdList/member", auth)

		r = c.call("CloseOrderReference", map[string]string{"AmazonOrderReferenceId": id, "ClosureReason": "done"}).ok(t, "CloseOrderReference")
		r = c.call("GetOrderReferenceDetails", map[string]string{"AmazonOrderReferenceId": id}).ok(t, "GetOrderReferenceDetails")
		want(t, r, "OrderReferenceStatus/State", "Closed")
		want(t, r, "OrderReferenceStatus/ReasonCode", "SellerClosed")
		s.CheckLedger()
	})
}

func TestE2E_AuthorizeVariants(t *testing.T) {
	t.Parallel()
	testdb.ForEach(t, func(t *testing.T, dialect string) {
		s := kessaitest.Start(t, dialect, kessaitest.Options{})
		c := newClient(s)
		id := openOrder(s, c, 10000)

		// CaptureNow: captured at once, the capture id reuses the digits.
		r := authorize(c, id, "now-1", "4000", map[string]string{"CaptureNow": "true"}).ok(t, "Authorize")
		want(t, r, "AuthorizationStatus/State", "Closed")
		want(t, r, "AuthorizationStatus/ReasonCode", "MaxCapturesProcessed")
		want(t, r, "CaptureNow", "true")
		want(t, r, "CapturedAmount/Amount", "4000")
		capID := r.get("AuthorizationDetails/IdList/member")
		if !strings.HasSuffix(capID, "-C"+strings.TrimPrefix(r.get("AmazonAuthorizationId"), id+"-A")) {
			t.Errorf("capture id %q of authorization %q", capID, r.get("AmazonAuthorizationId"))
		}
		c.call("GetCaptureDetails", map[string]string{"AmazonCaptureId": capID}).ok(t, "GetCaptureDetails")

		// Asynchronous (the default timeout): Pending, then Open.
		r = c.call("Authorize", map[string]string{"AmazonOrderReferenceId": id, "AuthorizationReferenceId": "async-1",
			"AuthorizationAmount.Amount": "1000", "AuthorizationAmount.CurrencyCode": "JPY"}).ok(t, "Authorize")
		want(t, r, "AuthorizationStatus/State", "Pending")
		auth := r.get("AmazonAuthorizationId")
		s.Advance(31 * time.Second)
		r = c.call("GetAuthorizationDetails", map[string]string{"AmazonAuthorizationId": auth}).ok(t, "GetAuthorizationDetails")
		want(t, r, "AuthorizationStatus/State", "Open")

		// CloseAuthorization: an empty Result; then it cannot be captured (405).
		r = c.call("CloseAuthorization", map[string]string{"AmazonAuthorizationId": auth, "ClosureReason": "not shipping"}).ok(t, "CloseAuthorization")
		if !bytes.Contains(r.Body, []byte("<CloseAuthorizationResult></CloseAuthorizationResult>")) {
			t.Errorf("CloseAuthorization result:\n%s", r.Body)
		}
		capture(c, auth, "cap-closed", "1000").fails(t, 405, "InvalidAuthorizationStatus")
		c.call("CloseAuthorization", map[string]string{"AmazonAuthorizationId": auth}).fails(t, 405, "InvalidAuthorizationStatus")

		// A simulated decline is a success whose state says so.
		r = authorize(c, id, "declined-1", "1000", map[string]string{"SellerAuthorizationNote": `{"SandboxSimulation": {"State":"Declined", "ReasonCode":"InvalidPaymentMethod", "SoftDecline":"true"}}`}).ok(t, "Authorize")
		want(t, r, "AuthorizationStatus/State", "Declined")
		want(t, r, "AuthorizationStatus/ReasonCode", "InvalidPaymentMethod")
		want(t, r, "SoftDecline", "true")
		r = c.call("GetOrderReferenceDetails", map[string]string{"AmazonOrderReferenceId": id}).ok(t, "GetOrderReferenceDetails")
		want(t, r, "OrderReferenceStatus/State", "Suspended")
		authorize(c, id, "on-suspended", "1000", nil).fails(t, 400, "InvalidOrderReferenceStatus")
		s.CheckLedger()
	})
}

func TestE2E_ReferenceIDs(t *testing.T) {
	t.Parallel()
	testdb.ForEach(t, func(t *testing.T, dialect string) {
		s := kessaitest.Start(t, dialect, kessaitest.Options{})
		c := newClient(s)
		ctx := context.Background()
		id := openOrder(s, c, 10000)

		first := authorize(c, id, "auth-replay", "5000", nil).ok(t, "Authorize")
		// The retry is signed anew (another Timestamp, another Signature)
		// and comes through another client variant: still the same request.
		time.Sleep(1100 * time.Millisecond)
		again := authorize(c.with(func(c *client) { c.method = mws.HmacSHA1 }), id, "auth-replay", "5000", nil)
		if again.Status != 200 || !bytes.Equal(first.Body, again.Body) {
			t.Fatalf("replay differs:\n%s\n%s", first.Body, again.Body)
		}
		o, err := amazonorder.GetOrderReference(ctx, s.Main.E, s.Acct(), id)
		if err != nil {
			t.Fatal(err)
		}
		if len(o.Order.Authorizations) != 1 || o.AuthorizedAmount != 5000 || o.AmountCapturable != 5000 {
			t.Errorf("after a replay: authorizations %v, authorized %d, capturable %d", o.Order.Authorizations, o.AuthorizedAmount, o.AmountCapturable)
		}

		// Same id, other parameters: DuplicateRequest; nothing moves.
		authorize(c, id, "auth-replay", "5001", nil).fails(t, 400, "DuplicateRequest")
		authorize(c, id, "auth-replay", "5000", map[string]string{"SellerAuthorizationNote": "changed"}).fails(t, 400, "DuplicateRequest")
		// The id used by another operation: DuplicateReferenceId.
		auth := first.get("AmazonAuthorizationId")
		capture(c, auth, "auth-replay", "5000").fails(t, 400, "DuplicateReferenceId")
		r := capture(c, auth, "cap-replay", "5000").ok(t, "Capture")
		capID := r.get("AmazonCaptureId")
		refund(c, capID, "cap-replay", "100", nil).fails(t, 400, "DuplicateReferenceId")

		// A refusal is remembered too: the same request gets the same bytes.
		over := authorize(c, id, "auth-over", "9000", nil).fails(t, 400, "TransactionAmountExceeded")
		if again := authorize(c, id, "auth-over", "9000", nil); !bytes.Equal(over.Body, again.Body) || again.Status != 400 {
			t.Errorf("a refused request replayed differently:\n%s\n%s", over.Body, again.Body)
		}

		// Refund replays move no money either.
		r1 := refund(c, capID, "refund-replay", "1000", nil).ok(t, "Refund")
		r2 := refund(c, capID, "refund-replay", "1000", nil)
		if !bytes.Equal(r1.Body, r2.Body) {
			t.Errorf("refund replay differs:\n%s\n%s", r1.Body, r2.Body)
		}
		cp, err := amazonorder.GetCapture(ctx, s.Main.E, s.Acct(), capID)
		if err != nil {
			t.Fatal(err)
		}
		if cp.RefundedAmount != 1000 || cp.RefundCount != 1 {
			t.Errorf("capture after a refund replay: refunded %d in %d", cp.RefundedAmount, cp.RefundCount)
		}

		// Malformed ids are refused before anything runs.
		for _, bad := range []string{strings.Repeat("a", 33), "has space", "semi;colon", "日本"} {
			authorize(c, id, bad, "100", nil).fails(t, 400, "InvalidParameterValue")
		}
		authorize(c, id, strings.Repeat("a", 32), "100", nil).ok(t, "Authorize")
		s.CheckLedger()
	})
}

func TestE2E_Authentication(t *testing.T) {
	t.Parallel()
	testdb.ForEach(t, func(t *testing.T, dialect string) {
		s := kessaitest.Start(t, dialect, kessaitest.Options{})
		c := newClient(s)
		id := draft(s, map[string]any{"amount": 1000})
		get := map[string]string{"AmazonOrderReferenceId": id, "SellerNote": "two words * (x) ~y"}
		host := strings.TrimPrefix(s.URL, "http://")
		hostname, _, _ := strings.Cut(host, ":")

		accepted := map[string]func(*client){
			"official SDKs":           func(*client) {},
			"host without port (npm)": func(c *client) { c.signHost = hostname },
			"signed with a trailing slash": func(c *client) {
				c.signPath = mws.SandboxPath + "/"
			},
			"sent to the path with a trailing slash": func(c *client) { c.path = mws.SandboxPath + "/" },
			"lower-case z and %2a (npm)": func(c *client) {
				c.signHost = hostname
				c.timestamp = func(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05") + "z" }
				c.encode = func(s string) string { return strings.ReplaceAll(rfc3986(s), "%2A", "%2a") }
			},
			"space as + (qor)": func(c *client) { c.encode = url.QueryEscape },
			"milliseconds (PHP)": func(c *client) {
				c.timestamp = func(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }
			},
			"HmacSHA1": func(c *client) { c.method = mws.HmacSHA1 },
			"Expires":  func(c *client) { c.expires = true },
		}
		for name, edit := range accepted {
			t.Run("accepted/"+name, func(t *testing.T) {
				c.with(edit).call("GetOrderReferenceDetails", get).ok(t, "GetOrderReferenceDetails")
			})
		}

		// The test clock moves business time only: a day ahead, the wall
		// clock still decides whether a request is fresh.
		s.Advance(24 * time.Hour)
		c.call("GetOrderReferenceDetails", get).ok(t, "GetOrderReferenceDetails")

		other := s.NewAccount("other")
		live, err := accounts.CreateAccount(s.Main.E, context.Background(), "live", true, "jp")
		if err != nil {
			t.Fatal(err)
		}
		refused := []struct {
			name   string
			edit   func(*client)
			status int
			code   string
			say    string
		}{
			{"wrong secret", func(c *client) { c.secret = other.MWS.SecretKey }, 403, "SignatureDoesNotMatch", "secret key"},
			{"unknown key", func(c *client) { c.key = "AKIAUNKNOWN0000000000" }, 403, "InvalidAccessKeyId", "AKIAUNKNOWN"},
			{"another account's seller", func(c *client) { c.seller = other.MWS.SellerID }, 401, "UnauthorizedAccess", other.MWS.SellerID},
			{"timestamp 20 minutes old", func(c *client) { c.clock = func() time.Time { return time.Now().Add(-20 * time.Minute) } }, 400, "RequestExpired", "15 minutes"},
			{"timestamp 20 minutes ahead", func(c *client) { c.clock = func() time.Time { return time.Now().Add(20 * time.Minute) } }, 400, "RequestExpired", "test clock"},
			{"expired Expires", func(c *client) {
				c.expires, c.clock = true, func() time.Time { return time.Now().Add(-10 * time.Minute) }
			}, 400, "RequestExpired", "expired"},
			{"signed for another host", func(c *client) { c.signHost = "mws.amazonservices.com" }, 403, "SignatureDoesNotMatch", ""},
			{"signed for the live path", func(c *client) { c.signPath = mws.LivePath }, 403, "SignatureDoesNotMatch", ""},
			{"a parameter changed after signing", func(c *client) { c.edit = func(v url.Values) { v.Set("SellerNote", "other") } }, 403, "SignatureDoesNotMatch", ""},
			{"a parameter added after signing", func(c *client) { c.edit = func(v url.Values) { v.Set("Extra", "1") } }, 403, "SignatureDoesNotMatch", ""},
			{"no signature", func(c *client) { c.edit = func(v url.Values) { v.Del("Signature") } }, 400, "MissingParameter", "Signature"},
			{"no key", func(c *client) { c.edit = func(v url.Values) { v.Del("AWSAccessKeyId") } }, 400, "MissingParameter", "AWSAccessKeyId"},
			{"a duplicated parameter", func(c *client) { c.edit = func(v url.Values) { v.Add("SellerNote", "again") } }, 400, "InvalidParameterValue", "more than once"},
			{"a test account on the live path", func(c *client) { c.path = mws.LivePath }, 401, "UnauthorizedAccess", mws.SandboxPath},
			{"a live account on the sandbox path", func(c *client) {
				c.key, c.secret, c.seller = live.MWS.AccessKeyID, live.MWS.SecretKey, live.MWS.SellerID
			}, 401, "UnauthorizedAccess", mws.LivePath},
			{"GET", func(c *client) { c.httpMethod = "GET" }, 405, "InvalidHttpMethod", "POST"},
			{"an unknown path", func(c *client) { c.path = "/OffAmazonPayments_Sandbox/2012-01-01" }, 400, "InvalidAddress", ""},
			{"a body that is not a form", func(c *client) { c.rawBody = "A=%zz" }, 400, "InvalidParameterValue", ""},
		}
		for _, tc := range refused {
			t.Run("refused/"+tc.name, func(t *testing.T) {
				r := c.with(tc.edit).call("GetOrderReferenceDetails", get).fails(t, tc.status, tc.code)
				if !strings.Contains(r.get("Message"), tc.say) {
					t.Errorf("message %q does not say %q", r.get("Message"), tc.say)
				}
			})
		}

		// A live account on its own path is served.
		lc := c.with(func(c *client) {
			c.path, c.key, c.secret, c.seller = mws.LivePath, live.MWS.AccessKeyID, live.MWS.SecretKey, live.MWS.SellerID
		})
		lc.call("GetOrderReferenceDetails", map[string]string{"AmazonOrderReferenceId": "P03-1234567-1234567"}).fails(t, 404, "InvalidOrderReferenceId")

		c.call("NoSuchAction", nil).fails(t, 400, "InvalidAction")
		c.call("", get).fails(t, 400, "MissingParameter")
		s.CheckLedger()
	})
}

func TestE2E_Errors(t *testing.T) {
	t.Parallel()
	testdb.ForEach(t, func(t *testing.T, dialect string) {
		s := kessaitest.Start(t, dialect, kessaitest.Options{})
		c := newClient(s)
		id := openOrder(s, c, 10000)
		set := func(order, amount, currency string, extra map[string]string) *reply {
			p := map[string]string{"AmazonOrderReferenceId": order, "OrderReferenceAttributes.OrderTotal.Amount": amount,
				"OrderReferenceAttributes.OrderTotal.CurrencyCode": currency}
			for k, v := range extra {
				p[k] = v
			}
			return c.call("SetOrderReferenceDetails", p)
		}

		// Objects that do not exist, or are another account's.
		c.call("GetOrderReferenceDetails", map[string]string{"AmazonOrderReferenceId": "S03-0000000-0000000"}).fails(t, 404, "InvalidOrderReferenceId")
		c.call("GetAuthorizationDetails", map[string]string{"AmazonAuthorizationId": id + "-A999999"}).fails(t, 404, "InvalidTransactionId")
		c.call("GetCaptureDetails", map[string]string{"AmazonCaptureId": "nonsense"}).fails(t, 404, "InvalidTransactionId")
		c.call("GetRefundDetails", map[string]string{"AmazonRefundId": id + "-R000009"}).fails(t, 404, "InvalidTransactionId")
		other := s.NewAccount("intruder")
		oc := c.with(func(c *client) {
			c.key, c.secret, c.seller = other.MWS.AccessKeyID, other.MWS.SecretKey, other.MWS.SellerID
		})
		oc.call("GetOrderReferenceDetails", map[string]string{"AmazonOrderReferenceId": id}).fails(t, 404, "InvalidOrderReferenceId")
		authorize(oc, id, "intruder-1", "100", nil).fails(t, 404, "InvalidOrderReferenceId")
		oc.call("CancelOrderReference", map[string]string{"AmazonOrderReferenceId": id}).fails(t, 404, "InvalidOrderReferenceId")
		// A PAY.JP refund is not an MWS object.
		flow := s.PaidCardFlow(1000)
		payjpRefund := kessaitest.Must(t, s.Post("/v2/payment_refunds", map[string]any{"payment_flow_id": flow, "amount": 100}), 200).Str("id")
		c.call("GetRefundDetails", map[string]string{"AmazonRefundId": payjpRefund}).fails(t, 404, "InvalidTransactionId")

		// States.
		set(id, "10000", "JPY", nil).fails(t, 400, "OrderReferenceNotModifiable")
		c.call("ConfirmOrderReference", map[string]string{"AmazonOrderReferenceId": id}).fails(t, 400, "InvalidOrderReferenceStatus")
		d := draft(s, map[string]any{})
		c.call("ConfirmOrderReference", map[string]string{"AmazonOrderReferenceId": d}).fails(t, 400, "ConstraintsExist")
		set(d, "1000", "JPY", map[string]string{"OrderReferenceAttributes.SellerNote": `{"SandboxSimulation":{"Constraint":"PaymentMethodNotAllowed"}}`}).ok(t, "SetOrderReferenceDetails")
		r := c.call("GetOrderReferenceDetails", map[string]string{"AmazonOrderReferenceId": d}).ok(t, "GetOrderReferenceDetails")
		want(t, r, "Constraints/Constraint/ConstraintID", "PaymentMethodNotAllowed")
		c.call("ConfirmOrderReference", map[string]string{"AmazonOrderReferenceId": d}).fails(t, 400, "ConstraintsExist")
		set(d, "1000", "USD", nil).fails(t, 400, "CurrencyMismatch")
		set(d, "1000", "JPY", map[string]string{"OrderReferenceAttributes.SellerNote": `{"SandboxSimulation":{"Constraint":"Nonsense"}}`}).fails(t, 400, "InvalidSandboxSimulationSpecified")
		r = c.call("CancelOrderReference", map[string]string{"AmazonOrderReferenceId": d, "CancelationReason": "changed mind"}).ok(t, "CancelOrderReference")
		if !bytes.Contains(r.Body, []byte("<CancelOrderReferenceResult></CancelOrderReferenceResult>")) {
			t.Errorf("Cancel result:\n%s", r.Body)
		}
		r = c.call("GetOrderReferenceDetails", map[string]string{"AmazonOrderReferenceId": d}).ok(t, "GetOrderReferenceDetails")
		want(t, r, "OrderReferenceStatus/State", "Canceled")
		want(t, r, "OrderReferenceStatus/ReasonCode", "SellerCanceled")

		// Amounts and parameters.
		authorize(c, id, "a-cur", "100", map[string]string{"AuthorizationAmount.CurrencyCode": "USD"}).fails(t, 400, "CurrencyMismatch")
		authorize(c, id, "a-frac", "100.5", nil).fails(t, 400, "InvalidParameterValue")
		authorize(c, id, "a-neg", "-1", nil).fails(t, 400, "InvalidParameterValue")
		authorize(c, id, "a-chf", "100", map[string]string{"AuthorizationAmount.CurrencyCode": "CHF"}).fails(t, 400, "InvalidParameterValue")
		authorize(c, id, "a-timeout", "100", map[string]string{"TransactionTimeout": "7"}).fails(t, 400, "InvalidParameterValue")
		authorize(c, id, "a-bool", "100", map[string]string{"CaptureNow": "yes"}).fails(t, 400, "InvalidParameterValue")
		authorize(c, id, "a-sim", "100", map[string]string{"SellerAuthorizationNote": `{"SandboxSimulation":{"State":"Sideways"}}`}).fails(t, 400, "InvalidSandboxSimulationSpecified")
		r = authorize(c, id, "a-long", "100", map[string]string{"SoftDescriptor": strings.Repeat("x", 17)}).fails(t, 400, "InvalidParameterValue")
		if !strings.Contains(r.get("Message"), "SoftDescriptor") {
			t.Errorf("the message does not name the parameter: %s", r.get("Message"))
		}
		c.call("Authorize", map[string]string{"AmazonOrderReferenceId": id, "AuthorizationReferenceId": "a-miss"}).fails(t, 400, "MissingParameter")
		c.call("Authorize", map[string]string{"AuthorizationReferenceId": "a-miss"}).fails(t, 400, "MissingParameter")
		authorize(c, id, "a-over", "11501", nil).fails(t, 400, "TransactionAmountExceeded")
		authorize(c, id, "a-max", "11500", nil).ok(t, "Authorize")

		// A capture that is not Completed cannot be refunded (405).
		id2 := openOrder(s, c, 5000)
		auth := authorize(c, id2, "b-1", "5000", nil).ok(t, "Authorize").get("AmazonAuthorizationId")
		r = c.call("Capture", map[string]string{"AmazonAuthorizationId": auth, "CaptureReferenceId": "b-cap",
			"CaptureAmount.Amount": "5000", "CaptureAmount.CurrencyCode": "JPY",
			"SellerCaptureNote": `{"SandboxSimulation": {"State":"Pending"}}`}).ok(t, "Capture")
		want(t, r, "CaptureStatus/State", "Pending")
		capID := r.get("AmazonCaptureId")
		refund(c, capID, "b-ref", "100", nil).fails(t, 405, "CaptureNotRefundable")
		c.call("CancelOrderReference", map[string]string{"AmazonOrderReferenceId": id2}).fails(t, 400, "InvalidOrderReferenceStatus")
		s.Advance(31 * time.Second)
		refund(c, capID, "b-ref2", "5750", nil).ok(t, "Refund")
		refund(c, capID, "b-ref3", "1", nil).fails(t, 400, "TransactionAmountExceeded")
		s.CheckLedger()
	})
}

func TestE2E_Throttle(t *testing.T) {
	t.Parallel()
	testdb.ForEach(t, func(t *testing.T, dialect string) {
		var now atomic.Int64 // a wall clock that stands still: no token comes back until it moves
		now.Store(time.Now().UnixNano())
		clock := func() time.Time { return time.Unix(0, now.Load()) }
		s := kessaitest.Start(t, dialect, kessaitest.Options{MWS: mws.Config{Throttle: true, Now: clock}})
		c := newClient(s).with(func(c *client) { c.clock = clock })
		id := draft(s, map[string]any{"amount": 1000})
		get := map[string]string{"AmazonOrderReferenceId": id}
		c.call("GetOrderReferenceDetails", get).ok(t, "GetOrderReferenceDetails")
		c.call("GetOrderReferenceDetails", get).ok(t, "GetOrderReferenceDetails")
		r := c.call("GetOrderReferenceDetails", get).fails(t, http.StatusServiceUnavailable, "RequestThrottled")
		if !strings.Contains(r.get("Message"), "burst of 2") {
			t.Errorf("message %q", r.get("Message"))
		}
		// Per action, and per seller.
		c.call("ConfirmOrderReference", get).ok(t, "ConfirmOrderReference")
		other := s.NewAccount("other")
		oc := c.with(func(c *client) {
			c.key, c.secret, c.seller = other.MWS.AccessKeyID, other.MWS.SecretKey, other.MWS.SellerID
		})
		oc.call("GetOrderReferenceDetails", get).fails(t, 404, "InvalidOrderReferenceId")
		// Two seconds later one more is allowed.
		now.Add(int64(mws.ThrottleEvery))
		c.call("GetOrderReferenceDetails", get).ok(t, "GetOrderReferenceDetails")
		c.call("GetOrderReferenceDetails", get).fails(t, http.StatusServiceUnavailable, "RequestThrottled")
	})
}

func TestE2E_ThrottleOffByDefault(t *testing.T) {
	t.Parallel()
	s := kessaitest.Start(t, "sqlite", kessaitest.Options{})
	c := newClient(s)
	id := draft(s, map[string]any{"amount": 1000})
	for range 5 {
		c.call("GetOrderReferenceDetails", map[string]string{"AmazonOrderReferenceId": id}).ok(t, "GetOrderReferenceDetails")
	}
}

// Regression (issue 20): 100 declined authorizations once hid an order's
// open one from the cap, and a second full authorization was accepted.
func TestE2E_CapCountsEveryAuthorization(t *testing.T) {
	t.Parallel()
	testdb.ForEach(t, func(t *testing.T, dialect string) {
		s := kessaitest.Start(t, dialect, kessaitest.Options{})
		c := newClient(s)
		id := openOrder(s, c, 10000)
		authorize(c, id, "open-1", "10000", nil).ok(t, "Authorize")
		declined := map[string]string{"SellerAuthorizationNote": `{"SandboxSimulation": {"State":"Declined", "ReasonCode":"TransactionTimedOut"}}`}
		for i := range 100 {
			r := authorize(c, id, "declined-"+strconv.Itoa(i), "100", declined).ok(t, "Authorize")
			want(t, r, "AuthorizationStatus/State", "Declined")
		}
		authorize(c, id, "second-full", "10000", nil).fails(t, 400, "TransactionAmountExceeded")
		authorize(c, id, "the-rest", "1500", nil).ok(t, "Authorize")
		s.CheckLedger()
	})
}
