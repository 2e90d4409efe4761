package payjp

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/kessai/kessai"
	"github.com/kessai/kessai/engine"
	"github.com/kessai/kessai/jsonapi"
	"github.com/kessai/kessai/payjpflow"
)

func (f *Face) registerCheckout(mux jsonapi.Router) {
	mux.HandleFunc("POST /v2/checkout/sessions", f.Post(f.createCheckoutSession))
	mux.HandleFunc("GET /v2/checkout/sessions", f.Get(f.listCheckoutSessions))
	mux.HandleFunc("GET /v2/checkout/sessions/{id}", f.Get(f.getCheckoutSession))
	mux.HandleFunc("POST /v2/checkout/sessions/{id}", f.Post(f.updateCheckoutSession))
	mux.HandleFunc("GET /v2/checkout/sessions/{id}/line_items", f.Get(f.listLineItems))
	mux.HandleFunc("GET /v2/payment_methods/cards/{card_id}", f.Get(f.getMethodByCard))
}

type lineItemReq struct {
	PriceID  *string     `json:"price_id"`
	Quantity jsonapi.Int `json:"quantity"`
	TaxRates []string    `json:"tax_rates"`
}

// checkoutOptionsReq is payment_method_options as the official schema has
// it: decoded strictly, kept as given.
type checkoutOptionsReq struct {
	Card *struct {
		RequestExtendedAuthorization *string `json:"request_extended_authorization"`
		RequestThreeDSecure          *string `json:"request_three_d_secure"`
	} `json:"card"`
}

type checkoutReq struct {
	CancelURL            *string             `json:"cancel_url"`
	ClientReferenceID    *string             `json:"client_reference_id"`
	Currency             *string             `json:"currency"`
	CustomerCreation     *string             `json:"customer_creation"`
	CustomerEmail        *string             `json:"customer_email"`
	CustomerID           *string             `json:"customer_id"`
	ExpiresAt            *string             `json:"expires_at"`
	LineItems            []lineItemReq       `json:"line_items"`
	Locale               *string             `json:"locale"`
	Metadata             jsonapi.Metadata    `json:"metadata"`
	Mode                 *string             `json:"mode"`
	PaymentFlowData      *flowDataReq        `json:"payment_flow_data"`
	PaymentMethodOptions *checkoutOptionsReq `json:"payment_method_options"`
	PaymentMethodTypes   []string            `json:"payment_method_types"`
	SetupFlowData        *struct {
		Metadata jsonapi.Metadata `json:"metadata"`
	} `json:"setup_flow_data"`
	SubmitType *string `json:"submit_type"`
	SuccessURL *string `json:"success_url"`
	UIMode     *string `json:"ui_mode"`
}

type flowDataReq struct {
	CaptureMethod *string          `json:"capture_method"`
	Metadata      jsonapi.Metadata `json:"metadata"`
}

func (f *Face) createCheckoutSession(ctx context.Context, e *engine.Engine, acct *kessai.Account, r *http.Request, body []byte) (any, error) {
	const op = "payjp.createCheckoutSession"
	var req checkoutReq
	if err := jsonapi.DecodeJSON(body, &req); err != nil {
		return nil, err
	}
	p := payjpflow.CheckoutParams{Mode: req.Mode, SuccessURL: req.SuccessURL, CancelURL: req.CancelURL, ClientReferenceID: req.ClientReferenceID,
		Currency: req.Currency, CustomerCreation: req.CustomerCreation, CustomerEmail: req.CustomerEmail, CustomerID: req.CustomerID,
		Locale: req.Locale, PaymentMethodTypes: req.PaymentMethodTypes, SubmitType: req.SubmitType, UIMode: req.UIMode,
		Metadata: req.Metadata.Metadata}
	if req.ExpiresAt != nil {
		t, err := time.Parse(time.RFC3339Nano, *req.ExpiresAt)
		if err != nil {
			return nil, kessai.Invalidf(op, "expires_at", "Input should be a valid datetime")
		}
		p.ExpiresAt = &t
	}
	if req.LineItems != nil {
		p.LineItems = make([]payjpflow.LineItemParams, len(req.LineItems))
		for i, li := range req.LineItems {
			p.LineItems[i] = payjpflow.LineItemParams{PriceID: li.PriceID, Quantity: li.Quantity.Ptr(), TaxRateIDs: li.TaxRates}
		}
	}
	if req.PaymentMethodOptions != nil {
		raw, err := json.Marshal(req.PaymentMethodOptions)
		if err != nil {
			return nil, err
		}
		if c := req.PaymentMethodOptions.Card; c != nil {
			if c.RequestExtendedAuthorization != nil && !oneOfStr(*c.RequestExtendedAuthorization, "if_available", "never") {
				return nil, kessai.Invalidf(op, "payment_method_options.card.request_extended_authorization", "Input should be 'if_available' or 'never'")
			}
			if c.RequestThreeDSecure != nil && !oneOfStr(*c.RequestThreeDSecure, "any", "automatic") {
				return nil, kessai.Invalidf(op, "payment_method_options.card.request_three_d_secure", "Input should be 'any' or 'automatic'")
			}
		}
		p.PaymentMethodOptions = raw
	}
	if req.PaymentFlowData != nil {
		p.PaymentFlowData = &payjpflow.FlowData{CaptureMethod: req.PaymentFlowData.CaptureMethod, Metadata: req.PaymentFlowData.Metadata.Metadata}
	}
	if req.SetupFlowData != nil {
		p.SetupFlowData = &payjpflow.FlowData{Metadata: req.SetupFlowData.Metadata.Metadata}
	}
	for i, t := range req.PaymentMethodTypes {
		if t == "apple_pay" {
			return nil, kessai.Invalidf(op, "payment_method_types."+strconv.Itoa(i), "kessai does not simulate apple_pay; use 'card' or 'paypay'")
		}
	}
	return payjpflow.CreateCheckoutSession(e, ctx, acct, p)
}

func oneOfStr(s string, set ...string) bool {
	for _, x := range set {
		if s == x {
			return true
		}
	}
	return false
}

func (f *Face) updateCheckoutSession(ctx context.Context, e *engine.Engine, acct *kessai.Account, r *http.Request, body []byte) (any, error) {
	id, err := jsonapi.PathID(r, "id", kessai.PrefixCheckout, "checkout_session")
	if err != nil {
		return nil, err
	}
	var req struct {
		Metadata jsonapi.Metadata `json:"metadata"`
	}
	if err := jsonapi.DecodeJSON(body, &req); err != nil {
		return nil, err
	}
	return payjpflow.UpdateCheckoutSession(e, ctx, acct, id, req.Metadata.Metadata)
}

func (f *Face) getCheckoutSession(ctx context.Context, acct *kessai.Account, r *http.Request) (any, error) {
	id, err := jsonapi.PathID(r, "id", kessai.PrefixCheckout, "checkout_session")
	if err != nil {
		return nil, err
	}
	return payjpflow.GetCheckoutSession(f.E, ctx, acct, id)
}

func (f *Face) listCheckoutSessions(ctx context.Context, acct *kessai.Account, r *http.Request) (any, error) {
	return listed(r, func(p kessai.Page) ([]*kessai.CheckoutSession, bool, error) {
		return payjpflow.ListCheckoutSessions(f.E, ctx, acct, p)
	})
}

func (f *Face) listLineItems(ctx context.Context, acct *kessai.Account, r *http.Request) (any, error) {
	id, err := jsonapi.PathID(r, "id", kessai.PrefixCheckout, "checkout_session")
	if err != nil {
		return nil, err
	}
	return listed(r, func(p kessai.Page) ([]*kessai.LineItem, bool, error) {
		return payjpflow.ListLineItems(f.E, ctx, acct, id, p)
	})
}

// getMethodByCard looks a payment method up by its v1 card id. kessai has
// no v1 API: every card payment method pm_X answers to car_X.
func (f *Face) getMethodByCard(ctx context.Context, acct *kessai.Account, r *http.Request) (any, error) {
	id, err := jsonapi.PathID(r, "card_id", kessai.PrefixLegacyCard, "card")
	if err != nil {
		return nil, err
	}
	pmID := kessai.PrefixPaymentMethod + strings.TrimPrefix(id, kessai.PrefixLegacyCard)
	pm, err := payjpflow.GetPaymentMethod(f.E, ctx, acct, pmID)
	if err != nil || pm.Type != kessai.MethodCard {
		if err == nil || kessai.ErrorCode(err) == kessai.NotFound {
			return nil, kessai.Errorf(kessai.NotFound, "payjp.getMethodByCard", "card: %s not found.", id)
		}
		return nil, err
	}
	return pm, nil
}

type checkoutAddressJSON struct {
	Country *string `json:"country"`
	Zip     *string `json:"zip"`
	State   *string `json:"state"`
	City    *string `json:"city"`
	Line1   *string `json:"line1"`
	Line2   *string `json:"line2"`
}

type checkoutCustomerJSON struct {
	Name    *string             `json:"name"`
	Email   *string             `json:"email"`
	Phone   *string             `json:"phone"`
	Address checkoutAddressJSON `json:"address"`
}

type checkoutSessionJSON struct {
	Object               string                `json:"object"`
	ID                   string                `json:"id"`
	Livemode             bool                  `json:"livemode"`
	AmountSubtotal       *int64                `json:"amount_subtotal"`
	AmountTotal          *int64                `json:"amount_total"`
	CustomerID           *string               `json:"customer_id"`
	CustomerEmail        *string               `json:"customer_email"`
	CustomerDetails      *checkoutCustomerJSON `json:"customer_details,omitempty"`
	ExpiresAt            *string               `json:"expires_at"`
	Currency             string                `json:"currency"`
	Locale               string                `json:"locale"`
	PaymentFlowID        *string               `json:"payment_flow_id"`
	SetupFlowID          *string               `json:"setup_flow_id"`
	PaymentMethodTypes   []string              `json:"payment_method_types"`
	PaymentMethodOptions json.RawMessage       `json:"payment_method_options"`
	SubmitType           string                `json:"submit_type"`
	Mode                 string                `json:"mode"`
	UIMode               string                `json:"ui_mode"`
	Status               string                `json:"status"`
	SuccessURL           *string               `json:"success_url"`
	CancelURL            *string               `json:"cancel_url"`
	URL                  string                `json:"url"`
	Metadata             kessai.Metadata       `json:"metadata"`
	CreatedAt            string                `json:"created_at"`
	UpdatedAt            string                `json:"updated_at"`
}

// CheckoutSessionJSON renders a checkout session.
func CheckoutSessionJSON(s *kessai.CheckoutSession) any {
	out := checkoutSessionJSON{Object: "checkout.session", ID: s.ID, Livemode: s.Livemode, AmountSubtotal: s.AmountSubtotal,
		AmountTotal: s.AmountTotal, CustomerID: s.CustomerID, CustomerEmail: s.CustomerEmail, ExpiresAt: tsp(&s.ExpiresAt),
		Currency: s.Currency, Locale: s.Locale, PaymentFlowID: s.PaymentFlowID, SetupFlowID: s.SetupFlowID,
		PaymentMethodTypes: s.PaymentMethodTypes, PaymentMethodOptions: s.PaymentMethodOptions, SubmitType: s.SubmitType,
		Mode: s.Mode, UIMode: s.UIMode, Status: s.Status, SuccessURL: s.SuccessURL, CancelURL: s.CancelURL, URL: s.URL,
		Metadata: md(s.Metadata), CreatedAt: ts(s.CreatedAt), UpdatedAt: ts(s.UpdatedAt)}
	if len(out.PaymentMethodOptions) == 0 {
		out.PaymentMethodOptions = json.RawMessage("null")
	}
	if d := s.CustomerDetails; d != nil {
		out.CustomerDetails = &checkoutCustomerJSON{Name: d.Name, Email: d.Email, Phone: d.Phone}
	}
	return out
}

type lineItemJSON struct {
	Object         string  `json:"object"`
	ID             string  `json:"id"`
	AmountSubtotal int64   `json:"amount_subtotal"`
	AmountTax      int64   `json:"amount_tax"`
	AmountTotal    int64   `json:"amount_total"`
	Currency       string  `json:"currency"`
	Description    *string `json:"description"`
	Price          any     `json:"price"`
	Quantity       int64   `json:"quantity"`
}

// LineItemJSON renders a line of a checkout session with its price as it
// was when the session was created.
func LineItemJSON(li *kessai.LineItem) any {
	return lineItemJSON{Object: "line_item", ID: li.ID, AmountSubtotal: li.AmountSubtotal, AmountTax: li.AmountTax,
		AmountTotal: li.AmountTotal, Currency: li.Price.Currency, Description: li.Description, Price: PriceJSON(&li.Price),
		Quantity: li.Quantity}
}
