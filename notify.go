package kessai

import (
	"time"
)

// Notifications: where kessai tells a merchant's systems about events.

// KindWebhookEndpoint is the kind of webhook endpoints.
const KindWebhookEndpoint Kind = "webhook_endpoints"

// Webhook endpoint kinds: which face's events an endpoint receives and in
// which format.
const (
	EndpointPayJP     = "payjp"      // PAY.JP face events as PAY.JP renders them, signed Standard Webhooks style
	EndpointAmazonIPN = "amazon_ipn" // MWS face events as Amazon's Instant Payment Notifications
	// EndpointAmazonIPNV2 receives the Amazon Pay API v2 face's events as
	// Amazon's IPN v2 (ids only, in SNS envelopes like amazon_ipn's).
	EndpointAmazonIPNV2 = "amazon_ipn_v2"
)

// Webhook endpoint statuses.
const (
	EndpointEnabled  = "enabled"
	EndpointDisabled = "disabled"
)

// AllEvents in EnabledEvents selects every event of the endpoint's face.
const AllEvents = "*"

// WebhookEndpoint is a URL of the merchant's that receives events of one
// face. Its signing secrets are sealed; the first is the current one, the
// others still sign until they expire (the grace period of a rotation).
type WebhookEndpoint struct {
	AccountID      string          `json:"account_id"`
	ID             string          `json:"id"`
	Livemode       bool            `json:"livemode"`
	URL            string          `json:"url"`
	Kind           string          `json:"kind"`
	EnabledEvents  []string        `json:"enabled_events"`
	Status         string          `json:"status"`
	DisabledReason string          `json:"disabled_reason,omitempty"`
	Secrets        []WebhookSecret `json:"secrets"`
	CreatedAt      time.Time       `json:"created_at"`
	UpdatedAt      time.Time       `json:"updated_at"`
}

// WebhookSecret is one signing secret of an endpoint.
type WebhookSecret struct {
	Secret    Sealed    `json:"secret"`
	CreatedAt time.Time `json:"created_at"`
	// ExpiresAt is when a rotated-out secret stops signing (base clock);
	// zero for the current secret.
	ExpiresAt time.Time `json:"expires_at"`
}

// EndpointKindOf returns the kind of endpoint that receives the events of a
// face.
func EndpointKindOf(face string) string {
	switch faceOr(face) {
	case FaceMWS:
		return EndpointAmazonIPN
	case FaceAmazonV2:
		return EndpointAmazonIPNV2
	}
	return EndpointPayJP
}

// Wants reports whether the endpoint is enabled and receives events of
// type typ.
func (e *WebhookEndpoint) Wants(typ string) bool {
	if e.Status != EndpointEnabled {
		return false
	}
	for _, t := range e.EnabledEvents {
		if t == AllEvents || t == typ {
			return true
		}
	}
	return false
}

// DocKind implements Document.
func (e *WebhookEndpoint) DocKind() Kind { return KindWebhookEndpoint }

// DocKey implements Document.
func (e *WebhookEndpoint) DocKey() (string, string) { return e.AccountID, e.ID }

// DocIndex implements Document.
func (e *WebhookEndpoint) DocIndex() map[string]any {
	return map[string]any{"kind": e.Kind, "status": e.Status}
}

// KindWebhookDelivery is the kind of webhook deliveries.
const KindWebhookDelivery Kind = "webhook_deliveries"

// Delivery statuses.
const (
	DeliveryPending   = "pending"   // not yet acknowledged; an attempt is due
	DeliverySucceeded = "succeeded" // the receiver answered 2xx
	DeliveryFailed    = "failed"    // given up (attempts exhausted, 410 Gone, endpoint gone or disabled)
)

// WebhookDelivery is one event on its way to one endpoint. Its id is the
// message id the receiver sees on every attempt (webhook-id), so that it
// can tell a retry from a new message. Attempts is its log, oldest first.
type WebhookDelivery struct {
	AccountID     string            `json:"account_id"`
	ID            string            `json:"id"`
	Livemode      bool              `json:"livemode"`
	EndpointID    string            `json:"endpoint_id"`
	EventID       string            `json:"event_id"`
	EventType     string            `json:"event_type"`
	Kind          string            `json:"kind"` // the endpoint's
	Status        string            `json:"status"`
	FailureReason string            `json:"failure_reason,omitempty"`
	Attempts      []DeliveryAttempt `json:"attempts"`
	JobID         string            `json:"job_id"` // the job that makes the next attempt; others are stale
	CreatedAt     time.Time         `json:"created_at"`
	QueuedAt      time.Time         `json:"queued_at"` // base clock: when it last became pending
	UpdatedAt     time.Time         `json:"updated_at"`
}

// DeliveryAttempt is one try of a delivery: when (wall clock), how the
// receiver answered (HTTPStatus 0: no answer, see Error), how long it took,
// and the start of its answer.
type DeliveryAttempt struct {
	At         time.Time `json:"at"`
	HTTPStatus int       `json:"http_status"`
	LatencyMS  int64     `json:"latency_ms"`
	Response   string    `json:"response,omitempty"` // at most MaxResponseExcerpt bytes
	Error      string    `json:"error,omitempty"`
}

// MaxResponseExcerpt bounds the answer kept of each attempt.
const MaxResponseExcerpt = 1024

// DocKind implements Document.
func (d *WebhookDelivery) DocKind() Kind { return KindWebhookDelivery }

// DocKey implements Document.
func (d *WebhookDelivery) DocKey() (string, string) { return d.AccountID, d.ID }

// DocIndex implements Document.
func (d *WebhookDelivery) DocIndex() map[string]any {
	return map[string]any{"endpoint_id": d.EndpointID, "event_id": d.EventID, "status": d.Status, "queued_at": d.QueuedAt}
}

// KindNotificationSettings is the kind of an account's notification
// settings (one document, id NotificationSettingsID).
const KindNotificationSettings Kind = "notification_settings"

// NotificationSettingsID is the id of an account's one settings document.
const NotificationSettingsID = "default"

// NotificationSettings is what an account shows buyers in the emails kessai
// sends on its behalf (Amazon Pay's buyer-facing email content): its
// customer service's email address, phone number and a note.
type NotificationSettings struct {
	AccountID            string    `json:"account_id"`
	ID                   string    `json:"id"`
	CustomerServiceEmail string    `json:"customer_service_email"`
	CustomerServicePhone string    `json:"customer_service_phone"`
	CustomerServiceNote  string    `json:"customer_service_note"`
	UpdatedAt            time.Time `json:"updated_at"`
}

// DocKind implements Document.
func (s *NotificationSettings) DocKind() Kind { return KindNotificationSettings }

// DocKey implements Document.
func (s *NotificationSettings) DocKey() (string, string) { return s.AccountID, s.ID }

// DocIndex implements Document.
func (s *NotificationSettings) DocIndex() map[string]any { return nil }

// KindEmail is the kind of emails (the outbox).
const KindEmail Kind = "emails"

// Email statuses.
const (
	EmailPending = "pending" // to be sent over SMTP; an attempt is due
	EmailSent    = "sent"    // the SMTP server accepted it
	EmailFailed  = "failed"  // given up
	EmailStored  = "stored"  // kept in the outbox only: no SMTP server is configured
)

// Email kinds.
const (
	EmailRefundCompleted = "refund_completed" // an Amazon refund reached Completed
)

// Email is a message to a buyer, kept in the account's outbox whether or
// not it is sent. Subject and Body are final: what the outbox shows is what
// was sent.
type Email struct {
	AccountID     string            `json:"account_id"`
	ID            string            `json:"id"`
	Livemode      bool              `json:"livemode"`
	Kind          string            `json:"kind"`
	To            string            `json:"to"`
	ReplyTo       string            `json:"reply_to,omitempty"` // the customer service's address
	Subject       string            `json:"subject"`
	Body          string            `json:"body"` // plain text
	Locale        string            `json:"locale"`
	PaymentID     string            `json:"payment_id"`
	RefundID      string            `json:"refund_id"`
	Status        string            `json:"status"`
	FailureReason string            `json:"failure_reason,omitempty"`
	Attempts      []DeliveryAttempt `json:"attempts"` // HTTPStatus holds the SMTP reply code
	JobID         string            `json:"job_id,omitempty"`
	CreatedAt     time.Time         `json:"created_at"`
	QueuedAt      time.Time         `json:"queued_at"` // base clock: when it became pending
	UpdatedAt     time.Time         `json:"updated_at"`
}

// DocKind implements Document.
func (m *Email) DocKind() Kind { return KindEmail }

// DocKey implements Document.
func (m *Email) DocKey() (string, string) { return m.AccountID, m.ID }

// DocIndex implements Document.
func (m *Email) DocIndex() map[string]any {
	return map[string]any{"status": m.Status, "refund_id": m.RefundID, "queued_at": m.QueuedAt}
}
