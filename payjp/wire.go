package payjp

import (
	"encoding/json"
	"time"

	"github.com/kessai/kessai"
)

// Timestamps are RFC 3339 UTC with second precision, as PAY.JP writes them.
func ts(t time.Time) string { return t.UTC().Format(time.RFC3339) }

func tsp(t *time.Time) *string {
	if t == nil {
		return nil
	}
	s := ts(*t)
	return &s
}

func md(m kessai.Metadata) kessai.Metadata {
	if m == nil {
		return kessai.Metadata{}
	}
	return m
}

type listJSON struct {
	Object  string `json:"object"`
	Data    any    `json:"data"`
	HasMore bool   `json:"has_more"`
	URL     string `json:"url"`
}

type flowJSON struct {
	Object               string               `json:"object"`
	ID                   string               `json:"id"`
	Livemode             bool                 `json:"livemode"`
	Amount               int64                `json:"amount"`
	Currency             string               `json:"currency"`
	AmountCapturable     int64                `json:"amount_capturable"`
	AmountReceived       int64                `json:"amount_received"`
	ClientSecret         string               `json:"client_secret"`
	CustomerID           *string              `json:"customer_id"`
	Description          *string              `json:"description"`
	PaymentMethodID      *string              `json:"payment_method_id"`
	PaymentMethodOptions json.RawMessage      `json:"payment_method_options"`
	PaymentMethodTypes   []string             `json:"payment_method_types"`
	Status               string               `json:"status"`
	NextAction           *kessai.NextAction   `json:"next_action"`
	ReturnURL            *string              `json:"return_url"`
	CaptureMethod        string               `json:"capture_method"`
	LastPaymentError     *kessai.PaymentError `json:"last_payment_error"`
	CancellationReason   *string              `json:"cancellation_reason"`
	CanceledAt           *string              `json:"canceled_at"`
	ExpiredAt            *string              `json:"expired_at"`
	Metadata             kessai.Metadata      `json:"metadata"`
	CreatedAt            string               `json:"created_at"`
	UpdatedAt            string               `json:"updated_at"`
}

// FlowJSON renders a payment as a PAY.JP payment_flow.
func FlowJSON(p *kessai.Payment) any {
	opts := p.PaymentMethodOptions
	if len(opts) == 0 {
		opts = json.RawMessage("null")
	}
	var expired *string
	if p.CancellationReason != nil && *p.CancellationReason == "expired" {
		expired = tsp(p.CanceledAt)
	}
	return flowJSON{Object: "payment_flow", ID: p.ID, Livemode: p.Livemode, Amount: p.Amount, Currency: p.Currency,
		AmountCapturable: p.AmountCapturable, AmountReceived: p.AmountReceived, ClientSecret: p.ClientSecret,
		CustomerID: p.CustomerID, Description: p.Description, PaymentMethodID: p.PaymentMethodID,
		PaymentMethodOptions: opts, PaymentMethodTypes: p.PaymentMethodTypes, Status: p.Status, NextAction: p.NextAction,
		ReturnURL: p.ReturnURL, CaptureMethod: p.CaptureMethod, LastPaymentError: p.LastPaymentError,
		CancellationReason: p.CancellationReason, CanceledAt: tsp(p.CanceledAt), ExpiredAt: expired,
		Metadata: md(p.Metadata), CreatedAt: ts(p.CreatedAt), UpdatedAt: ts(p.UpdatedAt)}
}

type billingJSON struct {
	Email   *string `json:"email"`
	Name    *string `json:"name"`
	Phone   *string `json:"phone"`
	Address any     `json:"address"`
}

type cardJSON struct {
	Brand       string  `json:"brand"`
	Last4       string  `json:"last4"`
	ExpMonth    int     `json:"exp_month"`
	ExpYear     int     `json:"exp_year"`
	Fingerprint string  `json:"fingerprint"`
	Country     *string `json:"country"`
}

type methodJSON struct {
	Object         string          `json:"object"`
	ID             string          `json:"id"`
	Livemode       bool            `json:"livemode"`
	Type           string          `json:"type"`
	CustomerID     *string         `json:"customer_id"`
	DetachedAt     *string         `json:"detached_at"`
	BillingDetails billingJSON     `json:"billing_details"`
	Card           *cardJSON       `json:"card,omitempty"`
	Metadata       kessai.Metadata `json:"metadata"`
	CreatedAt      string          `json:"created_at"`
	UpdatedAt      string          `json:"updated_at"`
}

// addressMembers are the members of a billing address, each present in a
// response (null when not given), as the official schema has them.
var addressMembers = []string{"country", "zip", "state", "city", "line1", "line2"}

func billingAddress(raw json.RawMessage) any {
	out := map[string]any{}
	var given map[string]any
	_ = json.Unmarshal(raw, &given) // null or absent: no members
	for _, k := range addressMembers {
		out[k] = given[k]
	}
	return out
}

// MethodJSON renders a payment method.
func MethodJSON(m *kessai.PaymentMethod) any {
	addr := billingAddress(m.BillingDetails.Address)
	out := methodJSON{Object: "payment_method", ID: m.ID, Livemode: m.Livemode, Type: m.Type, CustomerID: m.CustomerID,
		DetachedAt: tsp(m.DetachedAt), BillingDetails: billingJSON{Email: m.BillingDetails.Email, Name: m.BillingDetails.Name,
			Phone: m.BillingDetails.Phone, Address: addr},
		Metadata: md(m.Metadata), CreatedAt: ts(m.CreatedAt), UpdatedAt: ts(m.UpdatedAt)}
	if c := m.Card; c != nil {
		out.Card = &cardJSON{Brand: c.Brand, Last4: c.Last4, ExpMonth: c.ExpMonth, ExpYear: c.ExpYear, Fingerprint: c.Fingerprint, Country: c.Country}
	}
	return out
}

type customerJSON struct {
	Object                 string          `json:"object"`
	ID                     string          `json:"id"`
	Livemode               bool            `json:"livemode"`
	Email                  *string         `json:"email"`
	Description            *string         `json:"description"`
	DefaultPaymentMethodID *string         `json:"default_payment_method_id"`
	Metadata               kessai.Metadata `json:"metadata"`
	CreatedAt              string          `json:"created_at"`
	UpdatedAt              string          `json:"updated_at"`
}

// CustomerJSON renders a customer.
func CustomerJSON(c *kessai.Customer) any {
	return customerJSON{Object: "customer", ID: c.ID, Livemode: c.Livemode, Email: c.Email, Description: c.Description,
		DefaultPaymentMethodID: c.DefaultPaymentMethodID, Metadata: md(c.Metadata), CreatedAt: ts(c.CreatedAt), UpdatedAt: ts(c.UpdatedAt)}
}

// deletedCustomerJSON is a deleted customer: the customer as it was, as
// PAY.JP answers, and deleted: true.
type deletedCustomerJSON struct {
	customerJSON
	Deleted bool `json:"deleted"`
}

type refundJSON struct {
	Object        string          `json:"object"`
	ID            string          `json:"id"`
	Livemode      bool            `json:"livemode"`
	PaymentFlowID string          `json:"payment_flow_id"`
	PaymentFlow   string          `json:"payment_flow"`
	Amount        int64           `json:"amount"`
	Currency      string          `json:"currency"`
	Status        string          `json:"status"`
	Reason        *string         `json:"reason"`
	FailureReason *string         `json:"failure_reason"`
	Metadata      kessai.Metadata `json:"metadata"`
	CreatedAt     string          `json:"created_at"`
	UpdatedAt     string          `json:"updated_at"`
}

// RefundJSON renders a refund; it carries the flow's id both as
// payment_flow_id (the SDKs) and payment_flow (the refund guide's webhook).
func RefundJSON(r *kessai.Refund) any {
	return refundJSON{Object: "payment_refund", ID: r.ID, Livemode: r.Livemode, PaymentFlowID: r.PaymentID, PaymentFlow: r.PaymentID,
		Amount: r.Amount, Currency: r.Currency, Status: r.Status, Reason: r.Reason, FailureReason: r.FailureReason,
		Metadata: md(r.Metadata), CreatedAt: ts(r.CreatedAt), UpdatedAt: ts(r.UpdatedAt)}
}

type txnJSON struct {
	Object            string  `json:"object"`
	ID                string  `json:"id"`
	Livemode          bool    `json:"livemode"`
	ResourceID        string  `json:"resource_id"`
	Amount            int64   `json:"amount"`
	Currency          string  `json:"currency"`
	FeeRate           string  `json:"fee_rate"`
	Fee               int64   `json:"fee"`
	Type              string  `json:"type"`
	PaymentMethodType string  `json:"payment_method_type"`
	TermID            *string `json:"term_id"`
	CreatedAt         string  `json:"created_at"`
	UpdatedAt         string  `json:"updated_at"`
}

// TransactionJSON renders a payment transaction.
func TransactionJSON(t *kessai.Transaction) any {
	return txnJSON{Object: "payment_transaction", ID: t.ID, Livemode: t.Livemode, ResourceID: t.ResourceID, Amount: t.Amount,
		Currency: t.Currency, FeeRate: t.FeeRate, Fee: t.Fee, Type: t.Type, PaymentMethodType: t.PaymentMethodType,
		TermID: nilIfEmpty(t.TermID), CreatedAt: ts(t.CreatedAt), UpdatedAt: ts(t.CreatedAt)}
}

func nilIfEmpty(s string) *string {
	if s == "" {
		return nil // a transaction recorded before terms existed
	}
	return &s
}

type setupFlowJSON struct {
	Object               string               `json:"object"`
	ID                   string               `json:"id"`
	Livemode             bool                 `json:"livemode"`
	ClientSecret         string               `json:"client_secret"`
	CustomerID           *string              `json:"customer_id"`
	Description          *string              `json:"description"`
	Metadata             kessai.Metadata      `json:"metadata"`
	PaymentMethodID      *string              `json:"payment_method_id"`
	PaymentMethodOptions json.RawMessage      `json:"payment_method_options"`
	PaymentMethodTypes   []string             `json:"payment_method_types"`
	Status               string               `json:"status"`
	Usage                string               `json:"usage"`
	NextAction           *kessai.NextAction   `json:"next_action"`
	ReturnURL            *string              `json:"return_url"`
	LastSetupError       *kessai.PaymentError `json:"last_setup_error"`
	CancellationReason   *string              `json:"cancellation_reason"`
	CreatedAt            string               `json:"created_at"`
	UpdatedAt            string               `json:"updated_at"`
}

// SetupFlowJSON renders a setup flow.
func SetupFlowJSON(f *kessai.SetupFlow) any {
	opts := f.PaymentMethodOptions
	if len(opts) == 0 {
		opts = json.RawMessage("null")
	}
	return setupFlowJSON{Object: "setup_flow", ID: f.ID, Livemode: f.Livemode, ClientSecret: f.ClientSecret, CustomerID: f.CustomerID,
		Description: f.Description, Metadata: md(f.Metadata), PaymentMethodID: f.PaymentMethodID, PaymentMethodOptions: opts,
		PaymentMethodTypes: f.PaymentMethodTypes, Status: f.Status, Usage: f.Usage, NextAction: f.NextAction, ReturnURL: f.ReturnURL,
		LastSetupError: f.LastSetupError, CancellationReason: f.CancellationReason, CreatedAt: ts(f.CreatedAt), UpdatedAt: ts(f.UpdatedAt)}
}

type displayPreferenceJSON struct {
	Preference string `json:"preference"`
	Value      string `json:"value"`
}

type methodSettingJSON struct {
	Available         bool                  `json:"available"`
	DisplayPreference displayPreferenceJSON `json:"display_preference"`
}

type methodConfigJSON struct {
	Object   string            `json:"object"`
	ID       string            `json:"id"`
	Livemode bool              `json:"livemode"`
	Active   bool              `json:"active"`
	Name     *string           `json:"name"`
	Card     methodSettingJSON `json:"card"`
	PayPay   methodSettingJSON `json:"paypay"`
}

// MethodConfigJSON renders a payment method configuration: a type's value
// is on unless its preference is off, and it is available when the
// configuration is active too.
func MethodConfigJSON(c *kessai.MethodConfig) any {
	setting := func(t string) methodSettingJSON {
		pref := c.Preferences[t]
		if pref == "" {
			pref = kessai.PreferenceNone
		}
		value := kessai.PreferenceOn
		if pref == kessai.PreferenceOff {
			value = kessai.PreferenceOff
		}
		return methodSettingJSON{Available: c.Available(t), DisplayPreference: displayPreferenceJSON{Preference: pref, Value: value}}
	}
	return methodConfigJSON{Object: "payment_method_configuration", ID: c.ID, Livemode: c.Livemode, Active: c.Active, Name: c.Name,
		Card: setting(kessai.MethodCard), PayPay: setting(kessai.MethodPayPay)}
}

type termJSON struct {
	Object   string  `json:"object"`
	ID       string  `json:"id"`
	Livemode bool    `json:"livemode"`
	StartAt  string  `json:"start_at"`
	EndAt    *string `json:"end_at"`
	Closed   bool    `json:"closed"`
}

// TermJSON renders a term; the open term has no end_at yet.
func TermJSON(t *kessai.Term) any {
	return termJSON{Object: "term", ID: t.ID, Livemode: t.Livemode, StartAt: ts(t.StartAt), EndAt: tsp(t.EndAt),
		Closed: t.State == kessai.TermClosed}
}

type eventJSON struct {
	Object          string `json:"object"`
	ID              string `json:"id"`
	Livemode        bool   `json:"livemode"`
	Type            string `json:"type"`
	PendingWebhooks int    `json:"pending_webhooks"`
	Data            any    `json:"data"`
	CreatedAt       string `json:"created_at"`
	UpdatedAt       string `json:"updated_at"`
}

// EventJSON renders an event; its data is the resource rendered as this
// face renders it.
func EventJSON(e *kessai.Event) (any, error) {
	var data any
	switch e.Object {
	case kessai.ObjectPaymentFlow:
		var p kessai.Payment
		if err := json.Unmarshal(e.Data, &p); err != nil {
			return nil, err
		}
		data = FlowJSON(&p)
	case kessai.ObjectRefund:
		var r kessai.Refund
		if err := json.Unmarshal(e.Data, &r); err != nil {
			return nil, err
		}
		data = RefundJSON(&r)
	case kessai.ObjectPaymentMethod:
		var m kessai.PaymentMethod
		if err := json.Unmarshal(e.Data, &m); err != nil {
			return nil, err
		}
		data = MethodJSON(&m)
	case "setup_flow":
		var f kessai.SetupFlow
		if err := json.Unmarshal(e.Data, &f); err != nil {
			return nil, err
		}
		data = SetupFlowJSON(&f)
	case "payment_method_configuration":
		var c kessai.MethodConfig
		if err := json.Unmarshal(e.Data, &c); err != nil {
			return nil, err
		}
		data = MethodConfigJSON(&c)
	case "product", "price", "tax_rate":
		var v any
		switch e.Object {
		case "product":
			v = new(kessai.Product)
		case "price":
			v = new(kessai.Price)
		default:
			v = new(kessai.TaxRate)
		}
		if err := json.Unmarshal(e.Data, v); err != nil {
			return nil, err
		}
		rendered, err := Render(v)
		if err != nil {
			return nil, err
		}
		data = rendered
	case "checkout.session":
		var s kessai.CheckoutSession
		if err := json.Unmarshal(e.Data, &s); err != nil {
			return nil, err
		}
		data = CheckoutSessionJSON(&s)
	case "term":
		var t kessai.Term
		if err := json.Unmarshal(e.Data, &t); err != nil {
			return nil, err
		}
		data = TermJSON(&t)
	case "payment_dispute":
		var d kessai.Dispute
		if err := json.Unmarshal(e.Data, &d); err != nil {
			return nil, err
		}
		data = DisputeJSON(&d)
	case kessai.ObjectCustomer:
		var c kessai.Customer
		if err := json.Unmarshal(e.Data, &c); err != nil {
			return nil, err
		}
		data = CustomerJSON(&c)
	default:
		data = json.RawMessage(e.Data)
	}
	return eventJSON{Object: "event", ID: e.ID, Livemode: e.Livemode, Type: e.Type, Data: data,
		CreatedAt: ts(e.CreatedAt), UpdatedAt: ts(e.CreatedAt)}, nil
}

// Render converts a domain object to its wire form.
func Render(v any) (any, error) {
	switch x := v.(type) {
	case *kessai.Payment:
		return FlowJSON(x), nil
	case *kessai.PaymentMethod:
		return MethodJSON(x), nil
	case *kessai.Customer:
		return CustomerJSON(x), nil
	case *kessai.Refund:
		return RefundJSON(x), nil
	case *kessai.Transaction:
		return TransactionJSON(x), nil
	case *kessai.Term:
		return TermJSON(x), nil
	case *kessai.SetupFlow:
		return SetupFlowJSON(x), nil
	case *kessai.MethodConfig:
		return MethodConfigJSON(x), nil
	case *kessai.Product:
		return ProductJSON(x), nil
	case *kessai.Price:
		return PriceJSON(x), nil
	case *kessai.TaxRate:
		return TaxRateJSON(x), nil
	case *kessai.CheckoutSession:
		return CheckoutSessionJSON(x), nil
	case *kessai.LineItem:
		return LineItemJSON(x), nil
	case *kessai.Dispute:
		return DisputeJSON(x), nil
	case *kessai.Event:
		return EventJSON(x)
	case rawList:
		return x.v, nil
	}
	return v, nil
}
