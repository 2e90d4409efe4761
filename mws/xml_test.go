package mws

import (
	"encoding/xml"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/kessai/kessai"
)

var (
	t0 = time.Date(2026, 1, 10, 5, 0, 0, 123456000, time.UTC)
	t1 = t0.Add(90 * time.Second)
)

const reqID = "2be495ee-0a86-4357-a6a5-5f0af88398d9"

func mustBody(t *testing.T, action string, res *result) string {
	t.Helper()
	b, err := successBody(action, res, reqID)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func checkSame(t *testing.T, got, want string) {
	t.Helper()
	if got != want {
		t.Errorf("got:\n%s\nwant:\n%s", got, want)
	}
}

func TestSuccessBody_OrderReference(t *testing.T) {
	t.Parallel()
	p := &kessai.Payment{ID: "S03-1234567-1234567", Kind: kessai.PaymentOrderReference, Amount: 1000, Currency: "jpy",
		State: kessai.StateOpen, CreatedAt: t0, UpdatedAt: t1,
		Order: &kessai.OrderDetails{Buyer: kessai.Buyer{Name: "Test Buyer", Email: "buyer@example.com"},
			Destination: &kessai.Address{Name: "山田 太郎", AddressLine1: "1-2-3 Chiyoda", City: "Chiyoda-ku", StateOrRegion: "Tokyo",
				PostalCode: "100-0001", CountryCode: "JP"},
			SellerNote: "note & <more>", SellerOrderID: "order-1", StoreName: "kessai shop",
			ExpiresAt: t0.Add(180 * 24 * time.Hour), Authorizations: []string{"S03-1234567-1234567-A000001"}, LastStateChange: t1}}
	want := `<?xml version="1.0" encoding="UTF-8"?>
<GetOrderReferenceDetailsResponse xmlns="http://mws.amazonservices.com/schema/OffAmazonPayments/2013-01-01">
  <GetOrderReferenceDetailsResult>
    <OrderReferenceDetails>
      <AmazonOrderReferenceId>S03-1234567-1234567</AmazonOrderReferenceId>
      <Buyer>
        <Name>Test Buyer</Name>
        <Email>buyer@example.com</Email>
      </Buyer>
      <OrderTotal>
        <Amount>1000</Amount>
        <CurrencyCode>JPY</CurrencyCode>
      </OrderTotal>
      <SellerNote>note &amp; &lt;more&gt;</SellerNote>
      <Destination>
        <DestinationType>Physical</DestinationType>
        <PhysicalDestination>
          <Name>山田 太郎</Name>
          <AddressLine1>1-2-3 Chiyoda</AddressLine1>
          <City>Chiyoda-ku</City>
          <StateOrRegion>Tokyo</StateOrRegion>
          <PostalCode>100-0001</PostalCode>
          <CountryCode>JP</CountryCode>
        </PhysicalDestination>
      </Destination>
      <ReleaseEnvironment>Sandbox</ReleaseEnvironment>
      <SellerOrderAttributes>
        <SellerOrderId>order-1</SellerOrderId>
        <StoreName>kessai shop</StoreName>
      </SellerOrderAttributes>
      <OrderReferenceStatus>
        <State>Open</State>
        <LastUpdateTimestamp>2026-01-10T05:01:30.123Z</LastUpdateTimestamp>
      </OrderReferenceStatus>
      <CreationTimestamp>2026-01-10T05:00:00.123Z</CreationTimestamp>
      <ExpirationTimestamp>2026-07-09T05:00:00.123Z</ExpirationTimestamp>
      <IdList>
        <member>S03-1234567-1234567-A000001</member>
      </IdList>
    </OrderReferenceDetails>
  </GetOrderReferenceDetailsResult>
  <ResponseMetadata>
    <RequestId>2be495ee-0a86-4357-a6a5-5f0af88398d9</RequestId>
  </ResponseMetadata>
</GetOrderReferenceDetailsResponse>
`
	checkSame(t, mustBody(t, "GetOrderReferenceDetails", &result{OrderReferenceDetails: orderReferenceOf(p, false)}), want)
}

func TestOrderReferenceOf_Draft(t *testing.T) {
	t.Parallel()
	p := &kessai.Payment{ID: "P01-1234567-1234567", Livemode: true, Currency: "usd", State: kessai.StateDraft, CreatedAt: t0, UpdatedAt: t0,
		Order: &kessai.OrderDetails{Destination: &kessai.Address{Name: "Jane", AddressLine1: "1 Main St", City: "Seattle",
			StateOrRegion: "WA", PostalCode: "98101", CountryCode: "US"}, Constraints: []string{"PaymentMethodNotAllowed"}}}
	d := orderReferenceOf(p, false)
	if d.OrderTotal != nil {
		t.Errorf("a draft without amount has OrderTotal %v", d.OrderTotal)
	}
	if d.ReleaseEnvironment != "Live" {
		t.Errorf("ReleaseEnvironment %s", d.ReleaseEnvironment)
	}
	if pd := d.Destination.PhysicalDestination; pd.Name != "" || pd.AddressLine1 != "" || pd.City != "Seattle" || pd.PostalCode != "98101" {
		t.Errorf("draft destination without token: %+v", pd)
	}
	if pd := orderReferenceOf(p, true).Destination.PhysicalDestination; pd.AddressLine1 != "1 Main St" {
		t.Errorf("draft destination with token: %+v", pd)
	}
	body := mustBody(t, "SetOrderReferenceDetails", &result{OrderReferenceDetails: d})
	for _, s := range []string{"<State>Draft</State>", "<ConstraintID>PaymentMethodNotAllowed</ConstraintID>", "<Description>", "<IdList></IdList>"} {
		if !strings.Contains(body, s) {
			t.Errorf("body lacks %s:\n%s", s, body)
		}
	}
}

func TestSuccessBody_Authorization(t *testing.T) {
	t.Parallel()
	a := &kessai.Authorization{ID: "S01-1234567-1234567-A000001", ReferenceID: "auth_1", Amount: 9450, CapturedAmount: 9450,
		Currency: "usd", State: kessai.AuthClosed, ReasonCode: kessai.ReasonMaxCapturesProcessed, CaptureNow: true,
		CaptureID: "S01-1234567-1234567-C000001", Note: "n", SoftDescriptor: "shop", CreatedAt: t0, UpdatedAt: t0,
		ExpiresAt: t0.Add(30 * 24 * time.Hour)}
	want := `<?xml version="1.0" encoding="UTF-8"?>
<AuthorizeResponse xmlns="http://mws.amazonservices.com/schema/OffAmazonPayments/2013-01-01">
  <AuthorizeResult>
    <AuthorizationDetails>
      <AmazonAuthorizationId>S01-1234567-1234567-A000001</AmazonAuthorizationId>
      <AuthorizationReferenceId>auth_1</AuthorizationReferenceId>
      <SellerAuthorizationNote>n</SellerAuthorizationNote>
      <AuthorizationAmount>
        <Amount>94.50</Amount>
        <CurrencyCode>USD</CurrencyCode>
      </AuthorizationAmount>
      <CapturedAmount>
        <Amount>94.50</Amount>
        <CurrencyCode>USD</CurrencyCode>
      </CapturedAmount>
      <AuthorizationFee>
        <Amount>0.00</Amount>
        <CurrencyCode>USD</CurrencyCode>
      </AuthorizationFee>
      <IdList>
        <member>S01-1234567-1234567-C000001</member>
      </IdList>
      <CreationTimestamp>2026-01-10T05:00:00.123Z</CreationTimestamp>
      <ExpirationTimestamp>2026-02-09T05:00:00.123Z</ExpirationTimestamp>
      <AuthorizationStatus>
        <State>Closed</State>
        <LastUpdateTimestamp>2026-01-10T05:00:00.123Z</LastUpdateTimestamp>
        <ReasonCode>MaxCapturesProcessed</ReasonCode>
        <ReasonDescription>The authorization was captured.</ReasonDescription>
      </AuthorizationStatus>
      <CaptureNow>true</CaptureNow>
      <SoftDescriptor>shop</SoftDescriptor>
    </AuthorizationDetails>
  </AuthorizeResult>
  <ResponseMetadata>
    <RequestId>2be495ee-0a86-4357-a6a5-5f0af88398d9</RequestId>
  </ResponseMetadata>
</AuthorizeResponse>
`
	checkSame(t, mustBody(t, "Authorize", &result{AuthorizationDetails: authorizationOf(a)}), want)

	soft := true
	d := authorizationOf(&kessai.Authorization{ID: "x", Currency: "jpy", State: kessai.AuthDeclined, ReasonCode: "InvalidPaymentMethod", SoftDecline: &soft})
	body := mustBody(t, "GetAuthorizationDetails", &result{AuthorizationDetails: d})
	for _, s := range []string{"<SoftDecline>true</SoftDecline>", "<State>Declined</State>", "<CaptureNow>false</CaptureNow>", "<IdList></IdList>"} {
		if !strings.Contains(body, s) {
			t.Errorf("body lacks %s:\n%s", s, body)
		}
	}
}

func TestSuccessBody_CaptureAndRefund(t *testing.T) {
	t.Parallel()
	c := &kessai.Capture{ID: "S03-1234567-1234567-C000001", ReferenceID: "cap_1", Amount: 1000, RefundedAmount: 300,
		RefundIDs: []string{"S03-1234567-1234567-R000002", "S03-1234567-1234567-R000003"}, Currency: "jpy",
		State: kessai.CaptureCompleted, CreatedAt: t0, UpdatedAt: t1}
	body := mustBody(t, "GetCaptureDetails", &result{CaptureDetails: captureOf(c)})
	want := `    <CaptureDetails>
      <AmazonCaptureId>S03-1234567-1234567-C000001</AmazonCaptureId>
      <CaptureReferenceId>cap_1</CaptureReferenceId>
      <CaptureAmount>
        <Amount>1000</Amount>
        <CurrencyCode>JPY</CurrencyCode>
      </CaptureAmount>
      <RefundedAmount>
        <Amount>300</Amount>
        <CurrencyCode>JPY</CurrencyCode>
      </RefundedAmount>
      <CaptureFee>
        <Amount>0</Amount>
        <CurrencyCode>JPY</CurrencyCode>
      </CaptureFee>
      <IdList>
        <member>S03-1234567-1234567-R000002</member>
        <member>S03-1234567-1234567-R000003</member>
      </IdList>
      <CreationTimestamp>2026-01-10T05:00:00.123Z</CreationTimestamp>
      <CaptureStatus>
        <State>Completed</State>
        <LastUpdateTimestamp>2026-01-10T05:01:30.123Z</LastUpdateTimestamp>
      </CaptureStatus>
    </CaptureDetails>
`
	if !strings.Contains(body, want) {
		t.Errorf("capture body:\n%s\nwant it to contain:\n%s", body, want)
	}

	for status, state := range map[string]string{kessai.RefundPending: "Pending", kessai.RefundSucceeded: "Completed", kessai.RefundFailed: "Declined"} {
		r := &kessai.Refund{ID: "S03-1234567-1234567-R000002", ReferenceID: "ref_1", Amount: 300, Currency: "jpy", Status: status,
			Note: "sorry", CreatedAt: t0, UpdatedAt: t1}
		if status == kessai.RefundFailed {
			r.ReasonCode = "AmazonRejected"
		}
		body := mustBody(t, "Refund", &result{RefundDetails: refundOf(r)})
		for _, s := range []string{"<AmazonRefundId>S03-1234567-1234567-R000002</AmazonRefundId>", "<RefundReferenceId>ref_1</RefundReferenceId>",
			"<SellerRefundNote>sorry</SellerRefundNote>", "<RefundType>SellerInitiated</RefundType>",
			"<RefundAmount>\n        <Amount>300</Amount>", "<FeeRefunded>", "<State>" + state + "</State>"} {
			if !strings.Contains(body, s) {
				t.Errorf("refund %s body lacks %s:\n%s", status, s, body)
			}
		}
		if status == kessai.RefundFailed && !strings.Contains(body, "<ReasonCode>AmazonRejected</ReasonCode>") {
			t.Errorf("declined refund without reason:\n%s", body)
		}
	}
}

func TestSuccessBody_EmptyResults(t *testing.T) {
	t.Parallel()
	checkSame(t, mustBody(t, "CancelOrderReference", &result{}), `<?xml version="1.0" encoding="UTF-8"?>
<CancelOrderReferenceResponse xmlns="http://mws.amazonservices.com/schema/OffAmazonPayments/2013-01-01">
  <CancelOrderReferenceResult></CancelOrderReferenceResult>
  <ResponseMetadata>
    <RequestId>2be495ee-0a86-4357-a6a5-5f0af88398d9</RequestId>
  </ResponseMetadata>
</CancelOrderReferenceResponse>
`)
	checkSame(t, mustBody(t, "ConfirmOrderReference", nil), `<?xml version="1.0" encoding="UTF-8"?>
<ConfirmOrderReferenceResponse xmlns="http://mws.amazonservices.com/schema/OffAmazonPayments/2013-01-01">
  <ResponseMetadata>
    <RequestId>2be495ee-0a86-4357-a6a5-5f0af88398d9</RequestId>
  </ResponseMetadata>
</ConfirmOrderReferenceResponse>
`)
}

func TestErrorBody(t *testing.T) {
	t.Parallel()
	got := string(errorBodyOf(wire("OrderReferenceNotModifiable", 400, "OrderReference S03-1 is not in draft state & cannot be modified."), reqID))
	checkSame(t, got, `<?xml version="1.0" encoding="UTF-8"?>
<ErrorResponse xmlns="http://mws.amazonservices.com/schema/OffAmazonPayments/2013-01-01">
  <Error>
    <Type>Sender</Type>
    <Code>OrderReferenceNotModifiable</Code>
    <Message>OrderReference S03-1 is not in draft state &amp; cannot be modified.</Message>
  </Error>
  <RequestId>2be495ee-0a86-4357-a6a5-5f0af88398d9</RequestId>
</ErrorResponse>
`)
	if s := string(errorBodyOf(wire("InternalServerError", 500, "unknown"), reqID)); !strings.Contains(s, "<Type>Server</Type>") {
		t.Errorf("a 500 is not Type Server:\n%s", s)
	}
	// Text that XML cannot carry is replaced, never emitted raw.
	bad := string(errorBodyOf(wire("InvalidParameterValue", 400, "nul \x00 and \xff"), reqID))
	var v errorResponse
	if err := xml.Unmarshal([]byte(bad), &v); err != nil {
		t.Errorf("error body with control characters is not XML: %v\n%q", err, bad)
	}
}

func TestWriteXML(t *testing.T) {
	t.Parallel()
	w := httptest.NewRecorder()
	writeXML(w, http.StatusNotFound, []byte("<x/>"))
	if ct := w.Header().Get("Content-Type"); ct != "text/xml" {
		t.Errorf("Content-Type %q, want exactly text/xml", ct)
	}
	if w.Code != 404 || w.Body.String() != "<x/>" {
		t.Errorf("wrote %d %q", w.Code, w.Body)
	}
}

func TestNewRequestID(t *testing.T) {
	t.Parallel()
	re := regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	a, b := newRequestID(), newRequestID()
	if !re.MatchString(a) || a == b {
		t.Errorf("request ids %q, %q", a, b)
	}
}
