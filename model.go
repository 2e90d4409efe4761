package kessai

import (
	"encoding/json"
	"time"
)

// Account is a merchant. Every other object belongs to exactly one account,
// and every store lookup is scoped by the account's id.
type Account struct {
	ID             string        `json:"id"`
	Name           string        `json:"name"`
	Livemode       bool          `json:"livemode"`
	SecretKeyHash  string        `json:"secret_key_hash"` // hex SHA-256 of the secret key
	PublishableKey string        `json:"publishable_key"`
	WebhookToken   Sealed        `json:"webhook_token"`
	MWS            MWSCredential `json:"mws"`
	ClockOffset    time.Duration `json:"clock_offset"` // test clock: how far the account is ahead of the base clock
	CreatedAt      time.Time     `json:"created_at"`
	// PreviousSecretKeyHash is the secret key that a rotation replaced,
	// valid until PreviousKeyExpiresAt (base clock); "" when none.
	PreviousSecretKeyHash string     `json:"previous_secret_key_hash,omitempty"`
	PreviousKeyExpiresAt  *time.Time `json:"previous_key_expires_at,omitempty"`
	// DisabledAt is when an operator disabled the account: its keys are
	// refused until it is enabled again. nil: enabled.
	DisabledAt *time.Time `json:"disabled_at,omitempty"`
	// WebhookEndpoints tells whether the account has an enabled webhook
	// endpoint, when the store read that with it (Tx.Account); nil when
	// unknown. It is not stored.
	WebhookEndpoints *bool `json:"-"`
}

// MWSCredential is an account's Amazon Pay MWS identity.
type MWSCredential struct {
	SellerID    string `json:"seller_id"`
	AccessKeyID string `json:"access_key_id"`
	SecretKey   Sealed `json:"secret_key"`
	Region      string `json:"region"` // jp, us, eu
}

// Sealed is a secret encrypted with the server's master key; only the
// sealing package can open it.
type Sealed []byte

// Metadata is a merchant's key-value data on an object; values are strings,
// integers (json.Number) or booleans.
type Metadata map[string]any

// Payment method types.
const (
	MethodCard   = "card"
	MethodPayPay = "paypay"
)

// Customer is a PAY.JP customer.
type Customer struct {
	AccountID              string    `json:"account_id"`
	ID                     string    `json:"id"`
	Livemode               bool      `json:"livemode"`
	Email                  *string   `json:"email"`
	Description            *string   `json:"description"`
	DefaultPaymentMethodID *string   `json:"default_payment_method_id"`
	Metadata               Metadata  `json:"metadata"`
	CreatedAt              time.Time `json:"created_at"`
	UpdatedAt              time.Time `json:"updated_at"`
}

// Card is what kessai keeps of a card: never its number.
type Card struct {
	Brand       string  `json:"brand"`
	Last4       string  `json:"last4"`
	ExpMonth    int     `json:"exp_month"`
	ExpYear     int     `json:"exp_year"`
	Fingerprint string  `json:"fingerprint"`
	Country     *string `json:"country"`
	// Behavior is the simulated processor's outcome for this test card
	// ("" succeeds); see package processor.
	Behavior string `json:"behavior,omitempty"`
}

// BillingDetails is a payment method's billing contact.
type BillingDetails struct {
	Email   *string         `json:"email"`
	Name    *string         `json:"name"`
	Phone   *string         `json:"phone"`
	Address json.RawMessage `json:"address"`
}

// PaymentMethod is a card or a PayPay account that can pay a Payment.
type PaymentMethod struct {
	AccountID      string         `json:"account_id"`
	ID             string         `json:"id"`
	Livemode       bool           `json:"livemode"`
	Type           string         `json:"type"`
	CustomerID     *string        `json:"customer_id"`
	DetachedAt     *time.Time     `json:"detached_at"`
	BillingDetails BillingDetails `json:"billing_details"`
	Card           *Card          `json:"card,omitempty"`
	Metadata       Metadata       `json:"metadata"`
	CreatedAt      time.Time      `json:"created_at"`
	UpdatedAt      time.Time      `json:"updated_at"`
}

// Payment statuses (PAY.JP payment flow statuses).
const (
	StatusRequiresPaymentMethod = "requires_payment_method"
	StatusRequiresConfirmation  = "requires_confirmation"
	StatusRequiresAction        = "requires_action"
	StatusProcessing            = "processing"
	StatusRequiresCapture       = "requires_capture"
	StatusCanceled              = "canceled"
	StatusSucceeded             = "succeeded"
)

// Capture methods.
const (
	CaptureAutomatic = "automatic"
	CaptureManual    = "manual"
)

// PaymentError is the last failed attempt to pay a Payment.
type PaymentError struct {
	Code            string `json:"code"`
	Message         string `json:"message"`
	Type            string `json:"type"`
	PaymentMethodID string `json:"payment_method_id"`
}

// NextAction is what a Payment waiting in requires_action needs from the
// customer: a redirect to a page where they approve or decline.
type NextAction struct {
	Type          string        `json:"type"`
	RedirectToURL RedirectToURL `json:"redirect_to_url"`
}

// RedirectToURL is the redirect of a NextAction.
type RedirectToURL struct {
	URL       string  `json:"url"`
	ReturnURL *string `json:"return_url"`
}

// Payment kinds: which face's object a Payment is.
const (
	PaymentFlow           = "payment_flow"    // a PAY.JP payment flow: at most one authorization and one capture
	PaymentOrderReference = "order_reference" // an Amazon order reference: many authorizations, each captured once
	// PaymentChargePermission is an Amazon Pay API v2 charge permission,
	// made by a checkout session: many charges (authorizations), each
	// captured once.
	PaymentChargePermission = "charge_permission"
)

// Core payment states, shared by both faces. A PAY.JP flow is draft until
// it is authorized, open while its authorization waits for capture, closed
// once captured (it can still be refunded) and canceled. An Amazon order
// reference uses them as Draft, Open, Suspended, Canceled and Closed.
const (
	StateDraft     = "draft"
	StateOpen      = "open"
	StateSuspended = "suspended"
	StateCanceled  = "canceled"
	StateClosed    = "closed"
)

// Payment is the core's payment: a PAY.JP payment flow or an Amazon order
// reference. Money moves through its Authorizations, their Captures and the
// Captures' Refunds; the payment keeps the totals over them, which the rules
// read under the payment's row lock:
//
//	AuthorizedAmount  authorizations that hold or held money (not declined)
//	AmountCapturable  what open authorizations still hold
//	AmountReceived    captured
//	AmountRefunded    refunds not failed or canceled (pending included)
//
// Status is the PAY.JP flow status of a flow; State and ReasonCode are the
// core state of every payment.
type Payment struct {
	AccountID            string          `json:"account_id"`
	ID                   string          `json:"id"`
	Kind                 string          `json:"kind,omitempty"` // "" is a flow (documents written before kinds)
	Livemode             bool            `json:"livemode"`
	Amount               int64           `json:"amount"`
	Currency             string          `json:"currency"`
	State                string          `json:"state,omitempty"`
	ReasonCode           string          `json:"reason_code,omitempty"`
	AmountCapturable     int64           `json:"amount_capturable"`
	AmountReceived       int64           `json:"amount_received"`
	AmountRefunded       int64           `json:"amount_refunded"`
	AmountChargedBack    int64           `json:"amount_charged_back,omitempty"` // paid back to the buyer by chargebacks
	Status               string          `json:"status"`
	CaptureMethod        string          `json:"capture_method"`
	CustomerID           *string         `json:"customer_id"`
	Description          *string         `json:"description"`
	PaymentMethodID      *string         `json:"payment_method_id"`
	PaymentMethodType    string          `json:"payment_method_type,omitempty"` // type of the method that paid
	PaymentMethodTypes   []string        `json:"payment_method_types"`
	PaymentMethodOptions json.RawMessage `json:"payment_method_options"`
	NextAction           *NextAction     `json:"next_action"`
	ReturnURL            *string         `json:"return_url"`
	LastPaymentError     *PaymentError   `json:"last_payment_error"`
	CancellationReason   *string         `json:"cancellation_reason"`
	CanceledAt           *time.Time      `json:"canceled_at"`
	ConfirmedAt          *time.Time      `json:"confirmed_at"` // when the payment was completed by the customer
	AuthorizedAmount     int64           `json:"authorized_amount"`
	AuthorizationExpires *time.Time      `json:"authorization_expires_at"`
	ClientSecret         string          `json:"client_secret"`
	Metadata             Metadata        `json:"metadata"`
	Order                *OrderDetails   `json:"order,omitempty"` // order references and charge permissions
	// FaceData is what a face keeps of the payment beyond the core (an API
	// v2 charge permission's checkout session); the core never reads it.
	FaceData          json.RawMessage `json:"face_data,omitempty"`
	CheckoutSessionID *string         `json:"checkout_session_id,omitempty"`
	// CaptureID is a PAY.JP flow's one capture, once it succeeded; no face
	// shows it. Flows captured before it was kept have none (look it up).
	CaptureID string `json:"capture_id,omitempty"`
	// CaptureCount is how many of the payment's captures were not
	// declined, kept under the payment's lock; nil on payments stored
	// before it was kept (the engine counts them once).
	CaptureCount *int `json:"capture_count,omitempty"`
	// Email is the buyer's email as the payment knows it: its customer's
	// when the flow was created or its customer set, an order reference's
	// buyer's. The operator's dashboard searches it; no face shows it.
	Email     string    `json:"email,omitempty"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// Exposure is what counts against a payment's authorization limit: what
// its authorizations hold or will hold (pending ones included) and what
// they captured. Both are counters kept under the payment's lock.
func (p *Payment) Exposure() int64 { return p.AmountCapturable + p.AmountReceived }

// Faces: which API a payment, refund or event belongs to. Each face lists
// only its own.
const (
	FacePayJP    = "payjp"
	FaceMWS      = "mws"
	FaceAmazonV2 = "amazon_v2"
)

// Face returns the face of p.
func (p *Payment) Face() string {
	switch p.Kind {
	case PaymentOrderReference:
		return FaceMWS
	case PaymentChargePermission:
		return FaceAmazonV2
	}
	return FacePayJP
}

// OrderDetails is what an Amazon order reference holds beside the core
// payment: the buyer's choices (made in Amazon's widgets, simulated by
// kessai) and the seller's attributes.
type OrderDetails struct {
	Buyer             Buyer     `json:"buyer"`
	Destination       *Address  `json:"destination,omitempty"`
	SellerNote        string    `json:"seller_note,omitempty"`
	PlatformID        string    `json:"platform_id,omitempty"`
	SellerOrderID     string    `json:"seller_order_id,omitempty"`
	StoreName         string    `json:"store_name,omitempty"`
	CustomInformation string    `json:"custom_information,omitempty"`
	SupplementaryData string    `json:"supplementary_data,omitempty"`
	Constraints       []string  `json:"constraints,omitempty"` // e.g. PaymentMethodNotAllowed: Confirm is refused
	ClosureReason     string    `json:"closure_reason,omitempty"`
	ExpiresAt         time.Time `json:"expires_at"`           // 180 days after creation
	Seq               int       `json:"seq"`                  // numbers the order's authorizations and refunds
	Authorizations    []string  `json:"authorizations"`       // ids, oldest first
	SuspendedUntil    time.Time `json:"suspended_until"`      // a simulated payment method update reopens it then
	LastStateChange   time.Time `json:"last_state_change_at"` // of the core state
}

// Buyer is the simulated Amazon buyer of an order reference.
type Buyer struct {
	Name  string `json:"name"`
	Email string `json:"email"`
	Phone string `json:"phone,omitempty"`
}

// Address is a physical destination.
type Address struct {
	Name          string `json:"name,omitempty"`
	AddressLine1  string `json:"address_line1,omitempty"`
	AddressLine2  string `json:"address_line2,omitempty"`
	AddressLine3  string `json:"address_line3,omitempty"`
	City          string `json:"city,omitempty"`
	County        string `json:"county,omitempty"`
	District      string `json:"district,omitempty"`
	StateOrRegion string `json:"state_or_region,omitempty"`
	PostalCode    string `json:"postal_code,omitempty"`
	CountryCode   string `json:"country_code,omitempty"`
	Phone         string `json:"phone,omitempty"`
}

// Authorization states.
const (
	AuthPending  = "pending"
	AuthOpen     = "open"
	AuthDeclined = "declined"
	AuthClosed   = "closed"
)

// Reason codes of authorizations, captures and payments (Amazon's names,
// which both faces' states map onto).
const (
	ReasonExpiredUnused          = "ExpiredUnused"
	ReasonMaxCapturesProcessed   = "MaxCapturesProcessed"
	ReasonSellerClosed           = "SellerClosed"
	ReasonOrderReferenceCanceled = "OrderReferenceCanceled"
	ReasonAmazonClosed           = "AmazonClosed"
	ReasonMaxAmountRefunded      = "MaxAmountRefunded"
	ReasonMaxRefundsProcessed    = "MaxRefundsProcessed"
	ReasonMaxAmountCharged       = "MaxAmountCharged"
	ReasonExpired                = "Expired"
	ReasonStale                  = "Stale"
	ReasonSellerCanceled         = "SellerCanceled"
)

// Authorization is money held on the buyer's method for a Payment. It is
// captured at most once; whatever the capture does not take is released.
type Authorization struct {
	AccountID      string    `json:"account_id"`
	ID             string    `json:"id"`
	Livemode       bool      `json:"livemode"`
	PaymentID      string    `json:"payment_id"`
	ReferenceID    string    `json:"reference_id,omitempty"` // the merchant's id (MWS AuthorizationReferenceId)
	Method         string    `json:"method"`                 // card, paypay, amazon
	Amount         int64     `json:"amount"`
	Currency       string    `json:"currency"`
	CapturedAmount int64     `json:"captured_amount"`
	State          string    `json:"state"`
	ReasonCode     string    `json:"reason_code,omitempty"`
	ExpiresAt      time.Time `json:"expires_at"`
	Note           string    `json:"note,omitempty"`            // SellerAuthorizationNote
	SoftDescriptor string    `json:"soft_descriptor,omitempty"` // shown on the buyer's statement
	CaptureNow     bool      `json:"capture_now,omitempty"`
	CaptureID      string    `json:"capture_id,omitempty"`
	SoftDecline    *bool     `json:"soft_decline,omitempty"`
	TimeoutAt      time.Time `json:"timeout_at"` // an asynchronous authorization still pending then is declined
	CreatedAt      time.Time `json:"created_at"`
	UpdatedAt      time.Time `json:"updated_at"`
}

// Capture states.
const (
	CapturePending   = "pending"
	CaptureCompleted = "completed"
	CaptureDeclined  = "declined"
	CaptureClosed    = "closed"
)

// Capture takes money an Authorization holds. Refunds give it back, up to
// their caps: RefundedAmount (pending included) and RefundCount are kept on
// the capture so that the caps are checked without scanning its refunds.
type Capture struct {
	AccountID       string `json:"account_id"`
	ID              string `json:"id"`
	Livemode        bool   `json:"livemode"`
	PaymentID       string `json:"payment_id"`
	AuthorizationID string `json:"authorization_id"`
	ReferenceID     string `json:"reference_id,omitempty"` // MWS CaptureReferenceId
	// Face is the face of the capture's payment (Payment.Face); "" in a
	// capture stored before captures kept it.
	Face           string   `json:"face,omitempty"`
	Method         string   `json:"method"`
	Amount         int64    `json:"amount"`
	Currency       string   `json:"currency"`
	RefundedAmount int64    `json:"refunded_amount"`
	RefundCount    int      `json:"refund_count"`
	RefundIDs      []string `json:"refund_ids,omitempty"` // oldest first
	State          string   `json:"state"`
	ReasonCode     string   `json:"reason_code,omitempty"`
	Note           string   `json:"note,omitempty"` // SellerCaptureNote
	SoftDescriptor string   `json:"soft_descriptor,omitempty"`
	Chargeback     bool     `json:"chargeback,omitempty"` // the buyer was paid back by an A-to-z claim or chargeback
	// ChargedBack is what chargebacks took back from the capture for the
	// buyer (the ledger moved it out of captured).
	ChargedBack int64 `json:"charged_back,omitempty"`
	// The fee of the capture: its rate (ten-thousandths of a percent), the
	// fee charged, what refunds and chargebacks paid out to the buyer so
	// far (Returned) and the part of the fee given back for them.
	FeeRateE4   int64     `json:"fee_rate_e4,omitempty"`
	Fee         int64     `json:"fee,omitempty"`
	Returned    int64     `json:"returned,omitempty"`
	FeeReturned int64     `json:"fee_returned,omitempty"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
}

// Refund statuses.
const (
	RefundPending        = "pending"
	RefundSucceeded      = "succeeded"
	RefundFailed         = "failed"
	RefundCanceled       = "canceled"
	RefundRequiresAction = "requires_action"
)

// Refund gives captured money back to the customer.
type Refund struct {
	AccountID         string    `json:"account_id"`
	ID                string    `json:"id"`
	Livemode          bool      `json:"livemode"`
	PaymentID         string    `json:"payment_id"`
	CaptureID         string    `json:"capture_id"`
	ReferenceID       string    `json:"reference_id,omitempty"` // MWS RefundReferenceId
	Amount            int64     `json:"amount"`
	Currency          string    `json:"currency"`
	Status            string    `json:"status"`
	Reason            *string   `json:"reason"`
	FailureReason     *string   `json:"failure_reason"`
	Face              string    `json:"face,omitempty"`        // "" is payjp (written before faces)
	ReasonCode        string    `json:"reason_code,omitempty"` // why it failed, in the core's terms (AmazonRejected, ProcessingFailure)
	Note              string    `json:"note,omitempty"`        // SellerRefundNote
	SoftDescriptor    string    `json:"soft_descriptor,omitempty"`
	PaymentMethodType string    `json:"payment_method_type"`
	Metadata          Metadata  `json:"metadata"`
	CreatedAt         time.Time `json:"created_at"`
	UpdatedAt         time.Time `json:"updated_at"`
}

// Payment transaction types.
const (
	TxnPayment    = "payment"
	TxnRefund     = "refund"
	TxnChargeback = "chargeback"
)

// Transaction is a PAY.JP payment transaction: the immutable record of money
// that affects the merchant's sales (+ on capture, − on refund).
type Transaction struct {
	AccountID         string    `json:"account_id"`
	ID                string    `json:"id"`
	Livemode          bool      `json:"livemode"`
	ResourceID        string    `json:"resource_id"`
	PaymentID         string    `json:"payment_id"`
	Amount            int64     `json:"amount"`
	Currency          string    `json:"currency"`
	FeeRate           string    `json:"fee_rate"`    // the rate applied, a decimal percentage ("3.00")
	Fee               int64     `json:"fee"`         // charged (+) or given back (−), whole yen
	FeeRateE4         int64     `json:"fee_rate_e4"` // FeeRate in ten-thousandths of a percent (3.00 % = 30000)
	Type              string    `json:"type"`
	PaymentMethodType string    `json:"payment_method_type"`
	TermID            string    `json:"term_id,omitempty"` // the closing period it counts in ("" before terms existed)
	CreatedAt         time.Time `json:"created_at"`
}

// SetupFlow saves a payment method for later payments: the customer enters
// a card (in kessai's test mode, the simulated customer confirms it with a
// test card), and a succeeded setup flow leaves the method attached to its
// customer, ready to pay on or off session.
type SetupFlow struct {
	AccountID            string          `json:"account_id"`
	ID                   string          `json:"id"`
	Livemode             bool            `json:"livemode"`
	Status               string          `json:"status"`
	CustomerID           *string         `json:"customer_id"`
	Description          *string         `json:"description"`
	PaymentMethodID      *string         `json:"payment_method_id"`
	PaymentMethodTypes   []string        `json:"payment_method_types"`
	PaymentMethodOptions json.RawMessage `json:"payment_method_options"`
	Usage                string          `json:"usage"`
	NextAction           *NextAction     `json:"next_action"`
	ReturnURL            *string         `json:"return_url"`
	LastSetupError       *PaymentError   `json:"last_setup_error"`
	CancellationReason   *string         `json:"cancellation_reason"`
	ClientSecret         string          `json:"client_secret"`
	Metadata             Metadata        `json:"metadata"`
	CheckoutSessionID    *string         `json:"checkout_session_id,omitempty"`
	CreatedAt            time.Time       `json:"created_at"`
	UpdatedAt            time.Time       `json:"updated_at"`
}

// Display preferences of a payment method type.
const (
	PreferenceOn   = "on"
	PreferenceOff  = "off"
	PreferenceNone = "none" // the default: on
)

// MethodConfig is an account's payment method configuration: which
// payment method types its payments offer when they do not name their own.
// Preferences maps a type (card, paypay) to on, off or none.
type MethodConfig struct {
	AccountID   string            `json:"account_id"`
	ID          string            `json:"id"`
	Livemode    bool              `json:"livemode"`
	Active      bool              `json:"active"`
	Name        *string           `json:"name"`
	Preferences map[string]string `json:"preferences"`
	UpdatedAt   time.Time         `json:"updated_at"`
}

// Available reports whether the configuration offers method.
func (c *MethodConfig) Available(method string) bool {
	return c.Active && c.Preferences[method] != PreferenceOff
}

// Product is something a merchant sells (the catalog of Checkout).
type Product struct {
	AccountID      string    `json:"account_id"`
	ID             string    `json:"id"`
	Livemode       bool      `json:"livemode"`
	Name           string    `json:"name"`
	Active         bool      `json:"active"`
	DefaultPriceID *string   `json:"default_price_id"`
	Description    *string   `json:"description"`
	UnitLabel      *string   `json:"unit_label"`
	URL            *string   `json:"url"`
	CreatedAt      time.Time `json:"created_at"`
	UpdatedAt      time.Time `json:"updated_at"`
}

// Price is what one unit of a product costs, once (type one_time).
type Price struct {
	AccountID  string    `json:"account_id"`
	ID         string    `json:"id"`
	Livemode   bool      `json:"livemode"`
	ProductID  string    `json:"product_id"`
	UnitAmount int64     `json:"unit_amount"`
	Currency   string    `json:"currency"`
	Active     bool      `json:"active"`
	Nickname   *string   `json:"nickname"`
	LookupKey  *string   `json:"lookup_key"`
	Metadata   Metadata  `json:"metadata"`
	CreatedAt  time.Time `json:"created_at"`
	UpdatedAt  time.Time `json:"updated_at"`
}

// TaxRate is a consumption tax rate. Percentage is kept exact, in
// ten-thousandths of a percent: 10 % is 100000, 8.5 % is 85000.
type TaxRate struct {
	AccountID   string    `json:"account_id"`
	ID          string    `json:"id"`
	Livemode    bool      `json:"livemode"`
	DisplayName string    `json:"display_name"`
	Inclusive   bool      `json:"inclusive"`
	Percentage  int64     `json:"percentage_e4"` // 10 % = 100000
	Active      bool      `json:"active"`
	Country     string    `json:"country"`
	Description *string   `json:"description"`
	Metadata    Metadata  `json:"metadata"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
}

// Term states.
const (
	TermOpen   = "open"
	TermClosed = "closed"
)

// Term is a closing period of an account's payment transactions:
// [StartAt, EndAt). The open term has no end yet; it closes when the
// account's clock passes the end of its month (Japan time).
type Term struct {
	AccountID string     `json:"account_id"`
	ID        string     `json:"id"`
	Livemode  bool       `json:"livemode"`
	State     string     `json:"state"`
	StartAt   time.Time  `json:"start_at"`
	EndAt     *time.Time `json:"end_at"`
	CreatedAt time.Time  `json:"created_at"`
	UpdatedAt time.Time  `json:"updated_at"`
}

// Event records a state change; Data is the domain object as it was after
// the change (JSON of Payment, Refund, ...), which each face renders.
type Event struct {
	AccountID  string          `json:"account_id"`
	ID         string          `json:"id"`
	Livemode   bool            `json:"livemode"`
	Type       string          `json:"type"`
	Object     string          `json:"object"`
	ResourceID string          `json:"resource_id"`
	Face       string          `json:"face,omitempty"` // "" is payjp (written before faces)
	Data       json.RawMessage `json:"data"`
	CreatedAt  time.Time       `json:"created_at"`
}

// Event object kinds.
const (
	ObjectPaymentFlow   = "payment_flow"
	ObjectRefund        = "payment_refund"
	ObjectPaymentMethod = "payment_method"
	ObjectCustomer      = "customer"
	// The MWS face's objects.
	ObjectOrderReference = "order_reference"
	ObjectAuthorization  = "authorization"
	ObjectCapture        = "capture"
	ObjectAmazonRefund   = "amazon_refund"
)

// LedgerEntry is one line of a double-entry ledger transaction: Amount moves
// into LedgerAccount (negative: out of it). The entries of one TxnID sum to
// zero per currency.
type LedgerEntry struct {
	AccountID     string    `json:"account_id"`
	TxnID         string    `json:"txn_id"`
	PaymentID     string    `json:"payment_id"`
	LedgerAccount string    `json:"ledger_account"`
	Currency      string    `json:"currency"`
	Amount        int64     `json:"amount"`
	CreatedAt     time.Time `json:"created_at"`
}

// Idempotency scopes: the namespaces of keys under which a write runs at
// most once. A key is unique per account and scope.
const (
	ScopeIdempotencyKey = "idempotency_key" // PAY.JP-style Idempotency-Key headers, kept for a day
	ScopeReferenceID    = "reference_id"    // MWS reference ids, kept for good
	ScopeAmazonV2Key    = "amazon_v2_key"   // Amazon Pay API v2 x-amz-pay-idempotency-key, kept for good
)

// IdempotencyRecord remembers a write that ran under a key (an
// Idempotency-Key header or an MWS reference id) and the response its face
// gave, so that the same request again is answered with the same bytes. It
// is written in the same transaction as the write.
type IdempotencyRecord struct {
	AccountID   string
	Scope       string
	Key         string
	Operation   string // what the key was used for; another operation with the key is refused
	RequestHash string // the request's parameters; others with the key are refused
	Status      int    // the face's response
	Body        []byte
	CreatedAt   time.Time // wall clock
	ExpiresAt   time.Time // wall clock; zero: kept for good
}

// Job states.
const (
	JobPending = "pending"
	JobRunning = "running"
	JobDone    = "done"
	JobFailed  = "failed" // gave up after MaxAttempts
)

// Job queues. Jobs of the default queue are the business's transitions
// (settlements, expiries), run one after another inside writes, and a test
// clock's advance runs them before it returns. Jobs of the notify queue talk
// to the outside world (webhooks, email): they run concurrently, outside any
// transaction, on the wall clock, and a clock advance neither moves nor
// waits for them.
const (
	JobQueueDefault = ""
	JobQueueNotify  = "notify"
)

// JobQueues lists every queue.
var JobQueues = []string{JobQueueDefault, JobQueueNotify}

// Job is a durable unit of background work, written in the same transaction
// as the state change that schedules it. RunAt is in the account's business
// time; DueAt is the wall-clock time at which a worker picks it up (RunAt
// minus the account's clock offset, moved when the test clock advances).
type Job struct {
	ID          string          `json:"id"`
	AccountID   string          `json:"account_id"`
	Kind        string          `json:"kind"`
	Queue       string          `json:"queue"`
	Payload     json.RawMessage `json:"payload"`
	State       string          `json:"state"`
	Attempts    int             `json:"attempts"`
	MaxAttempts int             `json:"max_attempts"`
	RunAt       time.Time       `json:"run_at"`
	DueAt       time.Time       `json:"due_at"`
	LockedBy    string          `json:"locked_by"`
	LockedUntil time.Time       `json:"locked_until"`
	LastError   string          `json:"last_error"`
	CreatedAt   time.Time       `json:"created_at"`
	UpdatedAt   time.Time       `json:"updated_at"`
}

// FeeSchedule is an account's fee rate per payment method type, in
// ten-thousandths of a percent (3.00 % = 30000). A type it does not name
// takes its default (DefaultFeeRates in package engine).
type FeeSchedule struct {
	AccountID string           `json:"account_id"`
	ID        string           `json:"id"`
	Rates     map[string]int64 `json:"rates"`
	UpdatedAt time.Time        `json:"updated_at"`
}

// Payment dispute statuses (PAY.JP's). The warning_* and pre_warning_*
// statuses are inquiries before a chargeback; needs_response and
// under_review are a chargeback the merchant may contest; lost and cancel
// are final.
const (
	DisputePreWarningNeedsResponse = "pre_warning_needs_response"
	DisputeWarningNeedsResponse    = "warning_needs_response"
	DisputeWarningNeedsRefund      = "warning_needs_refund"
	DisputeWarningUnderReview      = "warning_under_review"
	DisputeNeedsResponse           = "needs_response"
	DisputeUnderReview             = "under_review"
	DisputeLost                    = "lost"
	DisputeCancel                  = "cancel"
)

// Dispute is a PAY.JP payment dispute: a buyer's claim against a payment
// flow through its network. A lost dispute charges Amount back (at most
// what the buyer has not already received back).
type Dispute struct {
	AccountID         string     `json:"account_id"`
	ID                string     `json:"id"`
	Livemode          bool       `json:"livemode"`
	PaymentID         string     `json:"payment_id"`
	Amount            int64      `json:"amount"`
	Currency          string     `json:"currency"`
	Status            string     `json:"status"`
	Reason            string     `json:"reason"`
	DueBy             *time.Time `json:"due_by"`
	PaymentMethodType string     `json:"payment_method_type"`
	ChargedBack       int64      `json:"charged_back"` // what the loss took back (0 until lost)
	Metadata          Metadata   `json:"metadata"`
	CreatedAt         time.Time  `json:"created_at"`
	UpdatedAt         time.Time  `json:"updated_at"`
}

// Statement types and item subjects (PAY.JP's).
const (
	StatementSales = "sales"

	SubjectGrossSales          = "gross_sales"
	SubjectFee                 = "fee"
	SubjectGrossRefund         = "gross_refund"
	SubjectRefundFeeOffset     = "refund_fee_offset"
	SubjectChargeback          = "chargeback"
	SubjectChargebackFeeOffset = "chargeback_fee_offset"
)

// StatementItem is one line of a statement: Amount by Subject (+ to the
// merchant, − from it).
type StatementItem struct {
	Subject string `json:"subject"`
	Amount  int64  `json:"amount"`
}

// Statement sums a closed term's payment transactions by subject; Net is
// the sum of its items.
type Statement struct {
	AccountID string          `json:"account_id"`
	ID        string          `json:"id"`
	Livemode  bool            `json:"livemode"`
	Type      string          `json:"type"`
	TermID    string          `json:"term_id"`
	BalanceID string          `json:"balance_id"`
	Currency  string          `json:"currency"`
	Items     []StatementItem `json:"items"`
	Net       int64           `json:"net"`
	CreatedAt time.Time       `json:"created_at"`
	UpdatedAt time.Time       `json:"updated_at"`
}

// Balance states (PAY.JP's): what a closed term leaves the merchant.
const (
	BalanceCollecting = "collecting" // not settled yet
	BalanceTransfer   = "transfer"   // kessai pays Net to the merchant by DueDate
	BalanceClaim      = "claim"      // the merchant owes −Net by DueDate
)

// Balance is what a closed term's statements leave to settle: Net is the
// sum of their nets. It closes on its due date (the transfer or claim is
// made).
type Balance struct {
	AccountID    string     `json:"account_id"`
	ID           string     `json:"id"`
	Livemode     bool       `json:"livemode"`
	State        string     `json:"state"`
	TermID       string     `json:"term_id"`
	StatementIDs []string   `json:"statement_ids"`
	Net          int64      `json:"net"`
	DueDate      time.Time  `json:"due_date"`
	Closed       bool       `json:"closed"`
	ClosedDate   *time.Time `json:"closed_date"`
	CreatedAt    time.Time  `json:"created_at"`
	UpdatedAt    time.Time  `json:"updated_at"`
}
