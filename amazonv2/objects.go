package amazonv2

import (
	"net/url"
	"strings"
	"time"

	"github.com/kessai/kessai"
	"github.com/kessai/kessai/amazonpay"
)

// The JSON of API v2's objects, with Amazon's field names.

const timeFormat = "2006-01-02T15:04:05Z"

func ts(t time.Time) string { return t.UTC().Format(timeFormat) }

type statusDetails struct {
	State                string  `json:"state"`
	ReasonCode           *string `json:"reasonCode"`
	ReasonDescription    *string `json:"reasonDescription"`
	LastUpdatedTimestamp string  `json:"lastUpdatedTimestamp"`
}

func details(state, reason string, at time.Time) statusDetails {
	d := statusDetails{State: state, LastUpdatedTimestamp: ts(at)}
	if reason != "" {
		d.ReasonCode = &reason
	}
	return d
}

type webCheckoutDetails struct {
	CheckoutReviewReturnURL string  `json:"checkoutReviewReturnUrl"`
	CheckoutResultReturnURL *string `json:"checkoutResultReturnUrl"`
	AmazonPayRedirectURL    *string `json:"amazonPayRedirectUrl"`
	CheckoutMode            *string `json:"checkoutMode"`
}

type paymentDetails struct {
	PaymentIntent                 *string `json:"paymentIntent"`
	CanHandlePendingAuthorization bool    `json:"canHandlePendingAuthorization"`
	ChargeAmount                  *Price  `json:"chargeAmount"`
	TotalOrderAmount              *Price  `json:"totalOrderAmount"`
	SoftDescriptor                *string `json:"softDescriptor"`
	PresentmentCurrency           *string `json:"presentmentCurrency"`
	AllowOvercharge               *bool   `json:"allowOvercharge"`
	ExtendExpiration              *bool   `json:"extendExpiration"`
}

type buyerOf struct {
	BuyerID     string `json:"buyerId"`
	Name        string `json:"name"`
	Email       string `json:"email"`
	PhoneNumber string `json:"phoneNumber"`
}

type paymentPreference struct {
	PaymentDescriptor string             `json:"paymentDescriptor"`
	BillingAddress    *amazonpay.Address `json:"billingAddress"`
}

type checkoutSessionJSON struct {
	CheckoutSessionID    string                     `json:"checkoutSessionId"`
	WebCheckoutDetails   webCheckoutDetails         `json:"webCheckoutDetails"`
	ChargePermissionType string                     `json:"chargePermissionType"`
	PaymentDetails       paymentDetails             `json:"paymentDetails"`
	MerchantMetadata     amazonpay.MerchantMetadata `json:"merchantMetadata"`
	Buyer                *buyerOf                   `json:"buyer"`
	PaymentPreferences   []paymentPreference        `json:"paymentPreferences"`
	StatusDetails        statusDetails              `json:"statusDetails"`
	ShippingAddress      *amazonpay.Address         `json:"shippingAddress"`
	BillingAddress       *amazonpay.Address         `json:"billingAddress"`
	ChargePermissionID   *string                    `json:"chargePermissionId"`
	ChargeID             *string                    `json:"chargeId"`
	StoreID              string                     `json:"storeId"`
	CreationTimestamp    string                     `json:"creationTimestamp"`
	ExpirationTimestamp  string                     `json:"expirationTimestamp"`
	ReleaseEnvironment   string                     `json:"releaseEnvironment"`
}

// sessionJSON renders p's checkout session; base is where the buyer's
// page is served (the listener the request came in on).
func sessionJSON(acct *kessai.Account, p *kessai.Payment, base string) (*checkoutSessionJSON, error) {
	s, err := amazonpay.SessionOf(p)
	if err != nil {
		return nil, err
	}
	b := amazonpay.SandboxBuyer(acct)
	addr := b.Address
	out := &checkoutSessionJSON{CheckoutSessionID: s.ID, ChargePermissionType: s.ChargePermissionType, MerchantMetadata: s.Merchant,
		Buyer:              &buyerOf{BuyerID: b.BuyerID, Name: b.Name, Email: b.Email, PhoneNumber: b.PhoneNumber},
		PaymentPreferences: []paymentPreference{{PaymentDescriptor: "Visa ****" + orDefault(s.PaymentMethod, "1111"), BillingAddress: &addr}},
		StatusDetails:      details(s.State, s.ReasonCode, s.LastUpdated), ShippingAddress: &addr, BillingAddress: &addr,
		StoreID: s.StoreID, CreationTimestamp: ts(s.CreatedAt), ExpirationTimestamp: ts(s.ExpiresAt), ReleaseEnvironment: environment(p)}
	out.WebCheckoutDetails = webCheckoutDetails{CheckoutReviewReturnURL: s.ReviewReturnURL, CheckoutResultReturnURL: strOrNil(s.ResultReturnURL)}
	if s.State == amazonpay.SessionOpen && s.Ready() && s.PaymentMethod == "" {
		u := base + "/kessai/v1/amazon/v2/checkout/" + url.PathEscape(acct.ID) + "/" + url.PathEscape(s.ID)
		out.WebCheckoutDetails.AmazonPayRedirectURL = &u
	}
	pd := paymentDetails{PaymentIntent: strOrNil(s.PaymentIntent), CanHandlePendingAuthorization: s.CanHandlePending, SoftDescriptor: strOrNil(s.SoftDescriptor)}
	if s.ChargeAmount != nil {
		pr := FormatPrice(*s.ChargeAmount, s.Currency)
		pd.ChargeAmount, pd.TotalOrderAmount = &pr, &pr
		cur := pr.CurrencyCode
		pd.PresentmentCurrency = &cur
	}
	out.PaymentDetails = pd
	if s.State == amazonpay.SessionCompleted {
		out.ChargePermissionID = &p.ID
		out.ChargeID = strOrNil(s.ChargeID)
	}
	return out, nil
}

type limitsJSON struct {
	AmountLimit   Price `json:"amountLimit"`
	AmountBalance Price `json:"amountBalance"`
}

type chargePermissionJSON struct {
	ChargePermissionID   string                     `json:"chargePermissionId"`
	ChargePermissionType string                     `json:"chargePermissionType"`
	ReleaseEnvironment   string                     `json:"releaseEnvironment"`
	Buyer                *buyerOf                   `json:"buyer"`
	ShippingAddress      *amazonpay.Address         `json:"shippingAddress"`
	BillingAddress       *amazonpay.Address         `json:"billingAddress"`
	PaymentPreferences   []paymentPreference        `json:"paymentPreferences"`
	StatusDetails        statusDetails              `json:"statusDetails"`
	CreationTimestamp    string                     `json:"creationTimestamp"`
	ExpirationTimestamp  string                     `json:"expirationTimestamp"`
	MerchantMetadata     amazonpay.MerchantMetadata `json:"merchantMetadata"`
	Limits               limitsJSON                 `json:"limits"`
	PresentmentCurrency  string                     `json:"presentmentCurrency"`
}

func permissionJSON(acct *kessai.Account, p *kessai.Payment) (*chargePermissionJSON, error) {
	s, err := amazonpay.SessionOf(p)
	if err != nil {
		return nil, err
	}
	b := amazonpay.SandboxBuyer(acct)
	addr := b.Address
	balance := max(0, p.Amount-p.Exposure())
	cur := strings.ToUpper(p.Currency)
	return &chargePermissionJSON{ChargePermissionID: p.ID, ChargePermissionType: s.ChargePermissionType, ReleaseEnvironment: environment(p),
		Buyer: &buyerOf{BuyerID: b.BuyerID, Name: b.Name, Email: b.Email, PhoneNumber: b.PhoneNumber}, ShippingAddress: &addr, BillingAddress: &addr,
		PaymentPreferences: []paymentPreference{{PaymentDescriptor: "Visa ****" + orDefault(s.PaymentMethod, "1111"), BillingAddress: &addr}},
		StatusDetails:      details(amazonpay.PermissionState(p), p.ReasonCode, p.Order.LastStateChange),
		CreationTimestamp:  ts(p.CreatedAt), ExpirationTimestamp: ts(p.Order.ExpiresAt), MerchantMetadata: s.Merchant,
		Limits:              limitsJSON{AmountLimit: FormatPrice(p.Amount, p.Currency), AmountBalance: FormatPrice(balance, p.Currency)},
		PresentmentCurrency: cur}, nil
}

type chargeJSON struct {
	ChargeID            string        `json:"chargeId"`
	ChargePermissionID  string        `json:"chargePermissionId"`
	ChargeAmount        Price         `json:"chargeAmount"`
	CaptureAmount       *Price        `json:"captureAmount"`
	RefundedAmount      *Price        `json:"refundedAmount"`
	ConvertedAmount     *string       `json:"convertedAmount"`
	ConversionRate      *string       `json:"conversionRate"`
	SoftDescriptor      *string       `json:"softDescriptor"`
	MerchantMetadata    *struct{}     `json:"merchantMetadata"`
	ProviderMetadata    *struct{}     `json:"providerMetadata"`
	StatusDetails       statusDetails `json:"statusDetails"`
	CreationTimestamp   string        `json:"creationTimestamp"`
	ExpirationTimestamp string        `json:"expirationTimestamp"`
	ReleaseEnvironment  string        `json:"releaseEnvironment"`
}

func chargeJSONOf(ch *amazonpay.Charge) *chargeJSON {
	a := ch.Auth
	state := amazonpay.ChargeState(a, ch.Capture)
	reason, at := "", a.UpdatedAt
	if state == "Canceled" || state == "Declined" {
		reason = a.ReasonCode
	}
	out := &chargeJSON{ChargeID: a.ID, ChargePermissionID: a.PaymentID, ChargeAmount: FormatPrice(a.Amount, a.Currency),
		SoftDescriptor: strOrNil(a.SoftDescriptor), CreationTimestamp: ts(a.CreatedAt), ExpirationTimestamp: ts(a.ExpiresAt),
		ReleaseEnvironment: envOfLive(a.Livemode)}
	if c := ch.Capture; c != nil {
		cp, rp := FormatPrice(c.Amount, c.Currency), FormatPrice(c.RefundedAmount, c.Currency)
		out.CaptureAmount, out.RefundedAmount = &cp, &rp
		at = c.CreatedAt
	}
	out.StatusDetails = details(state, reason, at)
	return out
}

type refundJSON struct {
	RefundID           string        `json:"refundId"`
	ChargeID           string        `json:"chargeId"`
	CreationTimestamp  string        `json:"creationTimestamp"`
	RefundAmount       Price         `json:"refundAmount"`
	StatusDetails      statusDetails `json:"statusDetails"`
	SoftDescriptor     *string       `json:"softDescriptor"`
	ReleaseEnvironment string        `json:"releaseEnvironment"`
}

func refundJSONOf(r *kessai.Refund) *refundJSON {
	reason := ""
	if r.Status == kessai.RefundFailed {
		reason = orDefault(r.ReasonCode, "ProcessingFailure")
	}
	return &refundJSON{RefundID: r.ID, ChargeID: r.CaptureID, CreationTimestamp: ts(r.CreatedAt), RefundAmount: FormatPrice(r.Amount, r.Currency),
		StatusDetails: details(amazonpay.RefundState(r), reason, r.UpdatedAt), SoftDescriptor: strOrNil(r.SoftDescriptor),
		ReleaseEnvironment: envOfLive(r.Livemode)}
}

func environment(p *kessai.Payment) string { return envOfLive(p.Livemode) }

func envOfLive(live bool) string {
	if live {
		return "Live"
	}
	return "Sandbox"
}

func strOrNil(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func orDefault(s, d string) string {
	if s == "" {
		return d
	}
	return s
}
