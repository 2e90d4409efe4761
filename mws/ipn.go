package mws

import (
	"encoding/json"
	"encoding/xml"
	"fmt"

	"github.com/kessai/kessai"
	"github.com/kessai/kessai/notifications"
)

// IPNNamespace is the XML namespace of an Instant Payment Notification's
// NotificationData.
const IPNNamespace = "https://mws.amazonservices.com/ipn/OffAmazonPayments/2013-01-01"

// The IPN's NotificationData documents: a root per NotificationType
// holding the object's Details as the API's responses render them.
type orderReferenceNotification struct {
	XMLName        xml.Name `xml:"OrderReferenceNotification"`
	Xmlns          string   `xml:"xmlns,attr"`
	OrderReference orderReferenceIPN
}

// orderReferenceIPN is the part of an order reference that its
// notification shows.
type orderReferenceIPN struct {
	AmazonOrderReferenceID string                 `xml:"AmazonOrderReferenceId"`
	OrderTotal             *price                 `xml:",omitempty"`
	SellerOrderAttributes  *sellerOrderAttributes `xml:",omitempty"`
	OrderReferenceStatus   status
	CreationTimestamp      string
	ExpirationTimestamp    string
}

type authorizationNotification struct {
	XMLName              xml.Name `xml:"AuthorizationNotification"`
	Xmlns                string   `xml:"xmlns,attr"`
	AuthorizationDetails *authorizationDetails
}

type captureNotification struct {
	XMLName        xml.Name `xml:"CaptureNotification"`
	Xmlns          string   `xml:"xmlns,attr"`
	CaptureDetails *captureDetails
}

type refundNotification struct {
	XMLName       xml.Name `xml:"RefundNotification"`
	Xmlns         string   `xml:"xmlns,attr"`
	RefundDetails *refundDetails
}

// NotificationData renders the IPN of an MWS event: its NotificationType
// (PaymentAuthorize, PaymentCapture, PaymentRefund,
// OrderReferenceNotification) and the NotificationData XML, the event's
// object as it stood after the change. Events Amazon does not notify are
// an error.
func NotificationData(ev *kessai.Event) (notificationType string, data []byte, err error) {
	notificationType = notifications.IPNType(ev)
	var doc any
	switch notificationType {
	case "OrderReferenceNotification":
		var p kessai.Payment
		if err := json.Unmarshal(ev.Data, &p); err != nil {
			return "", nil, err
		}
		d := orderReferenceOf(&p, false)
		doc = &orderReferenceNotification{Xmlns: IPNNamespace, OrderReference: orderReferenceIPN{
			AmazonOrderReferenceID: d.AmazonOrderReferenceID, OrderTotal: d.OrderTotal, SellerOrderAttributes: d.SellerOrderAttributes,
			OrderReferenceStatus: d.OrderReferenceStatus, CreationTimestamp: d.CreationTimestamp, ExpirationTimestamp: d.ExpirationTimestamp}}
	case "PaymentAuthorize":
		var a kessai.Authorization
		if err := json.Unmarshal(ev.Data, &a); err != nil {
			return "", nil, err
		}
		doc = &authorizationNotification{Xmlns: IPNNamespace, AuthorizationDetails: authorizationOf(&a)}
	case "PaymentCapture":
		var c kessai.Capture
		if err := json.Unmarshal(ev.Data, &c); err != nil {
			return "", nil, err
		}
		doc = &captureNotification{Xmlns: IPNNamespace, CaptureDetails: captureOf(&c)}
	case "PaymentRefund":
		var r kessai.Refund
		if err := json.Unmarshal(ev.Data, &r); err != nil {
			return "", nil, err
		}
		doc = &refundNotification{Xmlns: IPNNamespace, RefundDetails: refundOf(&r)}
	default:
		return "", nil, fmt.Errorf("mws: event %s (%s) has no IPN", ev.ID, ev.Type)
	}
	data, err = marshal(doc)
	return notificationType, data, err
}
