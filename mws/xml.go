package mws

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/xml"
	"net/http"
	"strings"
	"time"

	"github.com/kessai/kessai"
)

// Namespace is the XML namespace of every response, as Amazon's servers
// return it (http, not the https of some documentation samples).
const Namespace = "http://mws.amazonservices.com/schema/OffAmazonPayments/2013-01-01"

// ContentType is the Content-Type of every response. npm amazon-payments
// parses a body as XML only when the header is exactly this.
const ContentType = "text/xml"

// response is the envelope of a success: <{Action}Response> with an
// optional <{Action}Result> and the ResponseMetadata.
type response struct {
	XMLName  xml.Name
	Xmlns    string           `xml:"xmlns,attr"`
	Result   *result          `xml:",omitempty"`
	Metadata responseMetadata `xml:"ResponseMetadata"`
}

// result is <{Action}Result>: one Details object, or none (an empty
// result, as CancelOrderReference and CloseAuthorization answer).
type result struct {
	XMLName               xml.Name
	OrderReferenceDetails *orderReferenceDetails `xml:",omitempty"`
	AuthorizationDetails  *authorizationDetails  `xml:",omitempty"`
	CaptureDetails        *captureDetails        `xml:",omitempty"`
	RefundDetails         *refundDetails         `xml:",omitempty"`
}

type responseMetadata struct {
	RequestID string `xml:"RequestId"`
}

// errorResponse is the envelope of an error.
type errorResponse struct {
	XMLName   xml.Name  `xml:"ErrorResponse"`
	Xmlns     string    `xml:"xmlns,attr"`
	Error     errorBody `xml:"Error"`
	RequestID string    `xml:"RequestId"`
}

type errorBody struct {
	Type    string
	Code    string
	Message string
}

type price struct {
	Amount       string
	CurrencyCode string
}

type status struct {
	State               string
	LastUpdateTimestamp string
	ReasonCode          string `xml:",omitempty"`
	ReasonDescription   string `xml:",omitempty"`
}

type idList struct {
	Member []string `xml:"member"`
}

type buyer struct {
	Name  string `xml:",omitempty"`
	Email string `xml:",omitempty"`
	Phone string `xml:",omitempty"`
}

type destination struct {
	DestinationType     string
	PhysicalDestination physicalDestination
}

type physicalDestination struct {
	Name          string `xml:",omitempty"`
	AddressLine1  string `xml:",omitempty"`
	AddressLine2  string `xml:",omitempty"`
	AddressLine3  string `xml:",omitempty"`
	City          string `xml:",omitempty"`
	County        string `xml:",omitempty"`
	District      string `xml:",omitempty"`
	StateOrRegion string `xml:",omitempty"`
	PostalCode    string `xml:",omitempty"`
	CountryCode   string `xml:",omitempty"`
	Phone         string `xml:",omitempty"`
}

type sellerOrderAttributes struct {
	SellerOrderID     string `xml:"SellerOrderId,omitempty"`
	StoreName         string `xml:",omitempty"`
	CustomInformation string `xml:",omitempty"`
	SupplementaryData string `xml:",omitempty"`
}

type constraints struct {
	Constraint []constraint
}

type constraint struct {
	ConstraintID string
	Description  string
}

// The Details objects, their elements in the order of the official Java
// SDK's model.

type orderReferenceDetails struct {
	AmazonOrderReferenceID string                 `xml:"AmazonOrderReferenceId"`
	Buyer                  *buyer                 `xml:",omitempty"`
	OrderTotal             *price                 `xml:",omitempty"`
	SellerNote             string                 `xml:",omitempty"`
	PlatformID             string                 `xml:"PlatformId,omitempty"`
	Destination            *destination           `xml:",omitempty"`
	ReleaseEnvironment     string                 `xml:"ReleaseEnvironment"`
	SellerOrderAttributes  *sellerOrderAttributes `xml:",omitempty"`
	OrderReferenceStatus   status
	Constraints            *constraints `xml:",omitempty"`
	CreationTimestamp      string
	ExpirationTimestamp    string
	IDList                 idList `xml:"IdList"`
}

type authorizationDetails struct {
	AmazonAuthorizationID    string `xml:"AmazonAuthorizationId"`
	AuthorizationReferenceID string `xml:"AuthorizationReferenceId"`
	SellerAuthorizationNote  string `xml:",omitempty"`
	AuthorizationAmount      price
	CapturedAmount           price
	AuthorizationFee         price
	IDList                   idList `xml:"IdList"`
	CreationTimestamp        string
	ExpirationTimestamp      string
	AuthorizationStatus      status
	CaptureNow               bool
	SoftDescriptor           string `xml:",omitempty"`
	SoftDecline              *bool  `xml:",omitempty"`
}

type captureDetails struct {
	AmazonCaptureID    string `xml:"AmazonCaptureId"`
	CaptureReferenceID string `xml:"CaptureReferenceId"`
	SellerCaptureNote  string `xml:",omitempty"`
	CaptureAmount      price
	RefundedAmount     price
	CaptureFee         price
	IDList             idList `xml:"IdList"`
	CreationTimestamp  string
	CaptureStatus      status
	SoftDescriptor     string `xml:",omitempty"`
}

type refundDetails struct {
	AmazonRefundID    string `xml:"AmazonRefundId"`
	RefundReferenceID string `xml:"RefundReferenceId"`
	SellerRefundNote  string `xml:",omitempty"`
	RefundType        string
	RefundAmount      price
	FeeRefunded       price
	CreationTimestamp string
	RefundStatus      status
	SoftDescriptor    string `xml:",omitempty"`
}

// newRequestID returns a random (version 4) UUID, the shape of MWS's
// RequestId.
func newRequestID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

// marshal writes v as an XML document, indented as Amazon's are.
func marshal(v any) ([]byte, error) {
	var buf bytes.Buffer
	buf.WriteString(xml.Header)
	enc := xml.NewEncoder(&buf)
	enc.Indent("", "  ")
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	buf.WriteByte('\n')
	return buf.Bytes(), nil
}

// successBody renders the response of action. res nil: the envelope holds
// only ResponseMetadata (ConfirmOrderReference, CloseOrderReference).
func successBody(action string, res *result, requestID string) ([]byte, error) {
	if res != nil {
		res.XMLName = xml.Name{Local: action + "Result"}
	}
	return marshal(&response{XMLName: xml.Name{Local: action + "Response"}, Xmlns: Namespace, Result: res,
		Metadata: responseMetadata{RequestID: requestID}})
}

// errorBodyOf renders an error envelope.
func errorBodyOf(we wireError, requestID string) []byte {
	body, err := marshal(&errorResponse{Xmlns: Namespace, RequestID: requestID,
		Error: errorBody{Type: we.Type, Code: we.Code, Message: we.Message}})
	if err != nil { // strings only: cannot fail
		panic(err)
	}
	return body
}

// writeXML sends a rendered response.
func writeXML(w http.ResponseWriter, status int, body []byte) {
	w.Header().Set("Content-Type", ContentType)
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// capitalized is Amazon's spelling of a core state: open → Open.
func capitalized(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// priceOf renders minor units of a kessai currency code.
func priceOf(n int64, code string) price {
	cur, ok := kessai.LookupCurrency(code)
	if !ok {
		cur = kessai.Currency{Code: code}
	}
	return price{Amount: formatAmount(n, cur), CurrencyCode: currencyCode(cur)}
}

func ids(list []string) idList {
	return idList{Member: append([]string(nil), list...)}
}

// The reason descriptions kessai gives, in its own words.
var reasonDescriptions = map[string]string{
	kessai.ReasonSellerCanceled:         "The seller canceled the order reference.",
	kessai.ReasonStale:                  "The order reference was not confirmed within 3 hours.",
	kessai.ReasonExpired:                "The order reference was closed 180 days after its creation.",
	kessai.ReasonMaxAmountCharged:       "The captures reached the most that may be charged on the order reference.",
	kessai.ReasonSellerClosed:           "The seller closed it.",
	kessai.ReasonAmazonClosed:           "Amazon closed it.",
	kessai.ReasonExpiredUnused:          "The authorization expired before it was captured.",
	kessai.ReasonMaxCapturesProcessed:   "The authorization was captured.",
	kessai.ReasonOrderReferenceCanceled: "The order reference was canceled.",
	kessai.ReasonMaxAmountRefunded:      "The capture is refunded in full.",
	kessai.ReasonMaxRefundsProcessed:    "The capture has the most refunds allowed.",
	"MaxAuthorizationsCaptured":         "The order reference has the most captured authorizations allowed.",
	"InvalidPaymentMethod":              "The buyer's payment method was declined; the buyer may choose another.",
	"AmazonRejected":                    "Amazon declined the transaction.",
	"ProcessingFailure":                 "The transaction could not be processed.",
	"TransactionTimedOut":               "The transaction was not processed within its timeout.",
}

func statusOf(state, reason string, at time.Time) status {
	return status{State: capitalized(state), LastUpdateTimestamp: formatTime(at), ReasonCode: reason,
		ReasonDescription: reasonDescriptions[reason]}
}

// The descriptions of constraints, in kessai's words.
var constraintDescriptions = map[string]string{
	"PaymentMethodNotAllowed": "The buyer's payment method is not allowed for this order reference.",
	"AmountNotSet":            "The order total has not been set.",
	"ShippingAddressNotSet":   "The buyer has not chosen a destination.",
	"PaymentPlanNotSet":       "The buyer has not chosen a payment method.",
	"BuyerConsentNotSet":      "The buyer has not given consent.",
}

// orderReferenceOf renders an order reference. Before confirmation Amazon
// shows only the coarse part of the destination (city, region, postal
// code, country) unless the request carries the buyer's access token.
func orderReferenceOf(p *kessai.Payment, fullAddress bool) *orderReferenceDetails {
	o := p.Order
	if o == nil {
		o = &kessai.OrderDetails{}
	}
	d := &orderReferenceDetails{AmazonOrderReferenceID: p.ID, SellerNote: o.SellerNote, PlatformID: o.PlatformID,
		ReleaseEnvironment: "Sandbox", CreationTimestamp: formatTime(p.CreatedAt), ExpirationTimestamp: formatTime(o.ExpiresAt),
		IDList: ids(o.Authorizations)}
	if p.Livemode {
		d.ReleaseEnvironment = "Live"
	}
	if o.Buyer != (kessai.Buyer{}) {
		d.Buyer = &buyer{Name: o.Buyer.Name, Email: o.Buyer.Email, Phone: o.Buyer.Phone}
	}
	if p.Amount != 0 {
		pr := priceOf(p.Amount, p.Currency)
		d.OrderTotal = &pr
	}
	if a := o.Destination; a != nil {
		pd := physicalDestination{City: a.City, StateOrRegion: a.StateOrRegion, PostalCode: a.PostalCode, CountryCode: a.CountryCode}
		if fullAddress || p.State != kessai.StateDraft {
			pd = physicalDestination{Name: a.Name, AddressLine1: a.AddressLine1, AddressLine2: a.AddressLine2,
				AddressLine3: a.AddressLine3, City: a.City, County: a.County, District: a.District,
				StateOrRegion: a.StateOrRegion, PostalCode: a.PostalCode, CountryCode: a.CountryCode, Phone: a.Phone}
		}
		d.Destination = &destination{DestinationType: "Physical", PhysicalDestination: pd}
	}
	if s := (sellerOrderAttributes{SellerOrderID: o.SellerOrderID, StoreName: o.StoreName,
		CustomInformation: o.CustomInformation, SupplementaryData: o.SupplementaryData}); s != (sellerOrderAttributes{}) {
		d.SellerOrderAttributes = &s
	}
	changed := o.LastStateChange
	if changed.IsZero() {
		changed = p.UpdatedAt
	}
	d.OrderReferenceStatus = statusOf(p.State, p.ReasonCode, changed)
	if len(o.Constraints) > 0 {
		c := &constraints{}
		for _, id := range o.Constraints {
			c.Constraint = append(c.Constraint, constraint{ConstraintID: id, Description: constraintDescriptions[id]})
		}
		d.Constraints = c
	}
	return d
}

// authorizationOf renders an authorization: IdList holds its capture.
func authorizationOf(a *kessai.Authorization) *authorizationDetails {
	d := &authorizationDetails{AmazonAuthorizationID: a.ID, AuthorizationReferenceID: a.ReferenceID,
		SellerAuthorizationNote: a.Note, AuthorizationAmount: priceOf(a.Amount, a.Currency),
		CapturedAmount: priceOf(a.CapturedAmount, a.Currency), AuthorizationFee: priceOf(0, a.Currency),
		CreationTimestamp: formatTime(a.CreatedAt), ExpirationTimestamp: formatTime(a.ExpiresAt),
		AuthorizationStatus: statusOf(a.State, a.ReasonCode, a.UpdatedAt), CaptureNow: a.CaptureNow,
		SoftDescriptor: a.SoftDescriptor, SoftDecline: a.SoftDecline}
	if a.CaptureID != "" {
		d.IDList = ids([]string{a.CaptureID})
	}
	return d
}

// captureOf renders a capture: IdList holds its refunds.
func captureOf(c *kessai.Capture) *captureDetails {
	return &captureDetails{AmazonCaptureID: c.ID, CaptureReferenceID: c.ReferenceID, SellerCaptureNote: c.Note,
		CaptureAmount: priceOf(c.Amount, c.Currency), RefundedAmount: priceOf(c.RefundedAmount, c.Currency),
		CaptureFee: priceOf(0, c.Currency), IDList: ids(c.RefundIDs), CreationTimestamp: formatTime(c.CreatedAt),
		CaptureStatus: statusOf(c.State, c.ReasonCode, c.UpdatedAt), SoftDescriptor: c.SoftDescriptor}
}

// refundStates are the MWS states of refund statuses.
var refundStates = map[string]string{
	kessai.RefundPending:        "Pending",
	kessai.RefundRequiresAction: "Pending",
	kessai.RefundSucceeded:      "Completed",
	kessai.RefundFailed:         "Declined",
	kessai.RefundCanceled:       "Declined",
}

// refundOf renders a refund; every refund of the face is SellerInitiated.
func refundOf(r *kessai.Refund) *refundDetails {
	st := statusOf("", r.ReasonCode, r.UpdatedAt)
	st.State = refundStates[r.Status]
	return &refundDetails{AmazonRefundID: r.ID, RefundReferenceID: r.ReferenceID, SellerRefundNote: r.Note,
		RefundType: "SellerInitiated", RefundAmount: priceOf(r.Amount, r.Currency), FeeRefunded: priceOf(0, r.Currency),
		CreationTimestamp: formatTime(r.CreatedAt), RefundStatus: st, SoftDescriptor: r.SoftDescriptor}
}
