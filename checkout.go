package kessai

import (
	"encoding/json"
	"time"
)

// Checkout session modes and statuses (PAY.JP v2's checkout.session).
const (
	CheckoutModePayment = "payment"
	CheckoutModeSetup   = "setup"

	CheckoutOpen     = "open"
	CheckoutComplete = "complete"
	CheckoutExpired  = "expired"
)

// CheckoutSession is a hosted payment page: the buyer pays its line items
// (mode payment) or saves a payment method (mode setup) on kessai's
// simulated page at URL, which creates a payment flow or a setup flow.
// Amounts are nil in setup mode.
type CheckoutSession struct {
	AccountID            string           `json:"account_id"`
	ID                   string           `json:"id"`
	Livemode             bool             `json:"livemode"`
	Mode                 string           `json:"mode"`
	Status               string           `json:"status"`
	Currency             string           `json:"currency"`
	Locale               string           `json:"locale"`
	SubmitType           string           `json:"submit_type"`
	UIMode               string           `json:"ui_mode"`
	CustomerID           *string          `json:"customer_id"`
	CustomerEmail        *string          `json:"customer_email"`
	CustomerCreation     string           `json:"customer_creation"`
	CustomerDetails      *CustomerDetails `json:"customer_details,omitempty"`
	ClientReferenceID    *string          `json:"client_reference_id"`
	LineItems            []LineItem       `json:"line_items"`
	AmountSubtotal       *int64           `json:"amount_subtotal"`
	AmountTotal          *int64           `json:"amount_total"`
	PaymentMethodTypes   []string         `json:"payment_method_types"`
	PaymentMethodOptions json.RawMessage  `json:"payment_method_options"`
	CaptureMethod        string           `json:"capture_method,omitempty"` // payment_flow_data.capture_method
	FlowMetadata         Metadata         `json:"flow_metadata,omitempty"`  // payment_flow_data / setup_flow_data metadata
	PaymentFlowID        *string          `json:"payment_flow_id"`
	SetupFlowID          *string          `json:"setup_flow_id"`
	SuccessURL           *string          `json:"success_url"`
	CancelURL            *string          `json:"cancel_url"`
	URL                  string           `json:"url"`
	ClientSecret         string           `json:"client_secret"`
	ExpiresAt            time.Time        `json:"expires_at"`
	Metadata             Metadata         `json:"metadata"`
	CreatedAt            time.Time        `json:"created_at"`
	UpdatedAt            time.Time        `json:"updated_at"`
}

// LineItem is one line of a checkout session: a price (as it was when the
// session was created), a quantity, the tax rates applied and the amounts
// they give, all in whole minor units.
type LineItem struct {
	ID             string    `json:"id"`
	Price          Price     `json:"price"`
	Quantity       int64     `json:"quantity"`
	TaxRates       []TaxRate `json:"tax_rates"`
	Description    *string   `json:"description"`
	AmountSubtotal int64     `json:"amount_subtotal"`
	AmountTax      int64     `json:"amount_tax"`
	AmountTotal    int64     `json:"amount_total"`
}

// CustomerDetails is what the buyer gave on the checkout page.
type CustomerDetails struct {
	Name  *string `json:"name"`
	Email *string `json:"email"`
	Phone *string `json:"phone"`
}

// DocKind implements Document.
func (s *CheckoutSession) DocKind() Kind { return KindCheckoutSession }

// DocKey implements Document.
func (s *CheckoutSession) DocKey() (string, string) { return s.AccountID, s.ID }

// DocIndex implements Document.
func (s *CheckoutSession) DocIndex() map[string]any {
	return map[string]any{"customer_id": strOr(s.CustomerID), "status": s.Status, "expires_at": s.ExpiresAt}
}

// KindCheckoutSession is the kind of checkout sessions.
const KindCheckoutSession Kind = "checkout_sessions"
