package mws

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/kessai/kessai"
)

func event(t *testing.T, typ, object string, v any) *kessai.Event {
	t.Helper()
	data, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return &kessai.Event{ID: "evnt_1", Face: kessai.FaceMWS, Type: typ, Object: object, Data: data}
}

func TestNotificationData(t *testing.T) {
	t.Parallel()
	r := &kessai.Refund{ID: "S03-1234567-1234567-R000001", ReferenceID: "r1", Amount: 1200, Currency: "jpy",
		Status: kessai.RefundSucceeded, CreatedAt: t0, UpdatedAt: t1}
	o := &kessai.Payment{ID: "S03-1234567-1234567", Kind: kessai.PaymentOrderReference, Amount: 1000, Currency: "jpy",
		State: kessai.StateOpen, CreatedAt: t0, UpdatedAt: t1,
		Order: &kessai.OrderDetails{Buyer: kessai.Buyer{Name: "Test Buyer", Email: "buyer@example.com"},
			SellerOrderID: "order-1", ExpiresAt: t0.Add(180 * 24 * time.Hour), LastStateChange: t1}}
	for _, tc := range []struct {
		name, wantType, want string
		ev                   *kessai.Event
	}{
		{"refund", "PaymentRefund", `<?xml version="1.0" encoding="UTF-8"?>
<RefundNotification xmlns="https://mws.amazonservices.com/ipn/OffAmazonPayments/2013-01-01">
  <RefundDetails>
    <AmazonRefundId>S03-1234567-1234567-R000001</AmazonRefundId>
    <RefundReferenceId>r1</RefundReferenceId>
    <RefundType>SellerInitiated</RefundType>
    <RefundAmount>
      <Amount>1200</Amount>
      <CurrencyCode>JPY</CurrencyCode>
    </RefundAmount>
    <FeeRefunded>
      <Amount>0</Amount>
      <CurrencyCode>JPY</CurrencyCode>
    </FeeRefunded>
    <CreationTimestamp>2026-01-10T05:00:00.123Z</CreationTimestamp>
    <RefundStatus>
      <State>Completed</State>
      <LastUpdateTimestamp>2026-01-10T05:01:30.123Z</LastUpdateTimestamp>
    </RefundStatus>
  </RefundDetails>
</RefundNotification>
`, event(t, "amazon_refund.completed", kessai.ObjectAmazonRefund, r)},
		{"order_reference", "OrderReferenceNotification", `<?xml version="1.0" encoding="UTF-8"?>
<OrderReferenceNotification xmlns="https://mws.amazonservices.com/ipn/OffAmazonPayments/2013-01-01">
  <OrderReference>
    <AmazonOrderReferenceId>S03-1234567-1234567</AmazonOrderReferenceId>
    <OrderTotal>
      <Amount>1000</Amount>
      <CurrencyCode>JPY</CurrencyCode>
    </OrderTotal>
    <SellerOrderAttributes>
      <SellerOrderId>order-1</SellerOrderId>
    </SellerOrderAttributes>
    <OrderReferenceStatus>
      <State>Open</State>
      <LastUpdateTimestamp>2026-01-10T05:01:30.123Z</LastUpdateTimestamp>
    </OrderReferenceStatus>
    <CreationTimestamp>2026-01-10T05:00:00.123Z</CreationTimestamp>
    <ExpirationTimestamp>2026-07-09T05:00:00.123Z</ExpirationTimestamp>
  </OrderReference>
</OrderReferenceNotification>
`, event(t, "order_reference.open", kessai.ObjectOrderReference, o)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			typ, data, err := NotificationData(tc.ev)
			if err != nil {
				t.Fatal(err)
			}
			if typ != tc.wantType {
				t.Errorf("type %s, want %s", typ, tc.wantType)
			}
			checkSame(t, string(data), tc.want)
		})
	}
	t.Run("authorization_and_capture", func(t *testing.T) {
		a := &kessai.Authorization{ID: "S03-1234567-1234567-A000001", Amount: 1000, Currency: "jpy", State: kessai.AuthOpen}
		c := &kessai.Capture{ID: "S03-1234567-1234567-C000001", Amount: 1000, Currency: "jpy", State: kessai.CaptureCompleted}
		for ev, want := range map[*kessai.Event]string{
			event(t, "authorization.open", kessai.ObjectAuthorization, a): "PaymentAuthorize",
			event(t, "capture.completed", kessai.ObjectCapture, c):        "PaymentCapture",
		} {
			typ, data, err := NotificationData(ev)
			if err != nil || typ != want || len(data) == 0 {
				t.Errorf("%s: %s %v", ev.Type, typ, err)
			}
		}
	})
	t.Run("events_amazon_does_not_notify", func(t *testing.T) {
		if _, _, err := NotificationData(event(t, "capture.chargeback", kessai.ObjectCapture, &kessai.Capture{})); err == nil {
			t.Error("capture.chargeback has an IPN")
		}
	})
}
