package kessaiapi

import (
	"context"
	"net/http"
	"time"

	"github.com/kessai/kessai"
	"github.com/kessai/kessai/engine"
	"github.com/kessai/kessai/jsonapi"
	"github.com/kessai/kessai/notifications"
)

// registerEmails adds the routes of buyer emails: the settings they show
// and the outbox.
func (a *API) registerEmails(mux jsonapi.Router) {
	mux.HandleFunc("GET /kessai/v1/notification_settings", a.Face.Get(a.getSettings))
	mux.HandleFunc("POST /kessai/v1/notification_settings", a.Face.Post(a.updateSettings))
	mux.HandleFunc("GET /kessai/v1/emails", a.Face.Get(a.listEmails))
	mux.HandleFunc("GET /kessai/v1/emails/{id}", a.Face.Get(a.getEmail))
}

type settingsJSON struct {
	Object               string  `json:"object"`
	CustomerServiceEmail *string `json:"customer_service_email"`
	CustomerServicePhone *string `json:"customer_service_phone"`
	CustomerServiceNote  *string `json:"customer_service_note"`
	UpdatedAt            *string `json:"updated_at"`
}

func settingsJSONOf(s *kessai.NotificationSettings) settingsJSON {
	out := settingsJSON{Object: "notification_settings", CustomerServiceEmail: strPtr(s.CustomerServiceEmail),
		CustomerServicePhone: strPtr(s.CustomerServicePhone), CustomerServiceNote: strPtr(s.CustomerServiceNote)}
	if !s.UpdatedAt.IsZero() {
		out.UpdatedAt = strPtr(s.UpdatedAt.Format(time.RFC3339))
	}
	return out
}

func (a *API) getSettings(ctx context.Context, acct *kessai.Account, r *http.Request) (any, error) {
	return notifications.GetNotificationSettings(ctx, a.Face.E, acct)
}

func (a *API) updateSettings(ctx context.Context, e *engine.Engine, acct *kessai.Account, r *http.Request, body []byte) (any, error) {
	var req struct {
		Email *string `json:"customer_service_email"`
		Phone *string `json:"customer_service_phone"`
		Note  *string `json:"customer_service_note"`
	}
	if err := jsonapi.DecodeJSON(body, &req); err != nil {
		return nil, err
	}
	return notifications.UpdateNotificationSettings(ctx, e, acct, notifications.NotificationSettingsParams{
		CustomerServiceEmail: req.Email, CustomerServicePhone: req.Phone, CustomerServiceNote: req.Note})
}

// emailJSON is an email of the outbox. Attempts name the SMTP server's
// reply code.
type emailJSON struct {
	Object         string             `json:"object"`
	ID             string             `json:"id"`
	Livemode       bool               `json:"livemode"`
	Kind           string             `json:"kind"`
	To             string             `json:"to"`
	ReplyTo        *string            `json:"reply_to"`
	Subject        string             `json:"subject"`
	Body           string             `json:"body"`
	Locale         string             `json:"locale"`
	OrderReference string             `json:"amazon_order_reference_id"`
	Refund         string             `json:"amazon_refund_id"`
	Status         string             `json:"status"`
	FailureReason  *string            `json:"failure_reason"`
	Attempts       []emailAttemptJSON `json:"attempts"`
	CreatedAt      string             `json:"created_at"`
	UpdatedAt      string             `json:"updated_at"`
}

type emailAttemptJSON struct {
	At        string  `json:"at"`
	SMTPCode  *int    `json:"smtp_code"`
	LatencyMS int64   `json:"latency_ms"`
	Response  *string `json:"response"`
	Error     *string `json:"error"`
}

func emailJSONOf(m *kessai.Email) emailJSON {
	out := emailJSON{Object: "email", ID: m.ID, Livemode: m.Livemode, Kind: m.Kind, To: m.To, ReplyTo: strPtr(m.ReplyTo),
		Subject: m.Subject, Body: m.Body, Locale: m.Locale, OrderReference: m.PaymentID, Refund: m.RefundID, Status: m.Status,
		FailureReason: strPtr(m.FailureReason), Attempts: make([]emailAttemptJSON, 0, len(m.Attempts)),
		CreatedAt: m.CreatedAt.Format(time.RFC3339), UpdatedAt: m.UpdatedAt.Format(time.RFC3339)}
	for _, a := range m.Attempts {
		aj := emailAttemptJSON{At: a.At.UTC().Format(time.RFC3339), LatencyMS: a.LatencyMS, Response: strPtr(a.Response), Error: strPtr(a.Error)}
		if a.HTTPStatus != 0 {
			code := a.HTTPStatus
			aj.SMTPCode = &code
		}
		out.Attempts = append(out.Attempts, aj)
	}
	return out
}

func (a *API) listEmails(ctx context.Context, acct *kessai.Account, r *http.Request) (any, error) {
	page, err := jsonapi.ParsePage(r)
	if err != nil {
		return nil, err
	}
	items, more, err := notifications.ListEmails(ctx, a.Face.E, acct, r.URL.Query().Get("status"), page)
	if err != nil {
		return nil, err
	}
	return listOf(r, items, more, func(m *kessai.Email) any { return emailJSONOf(m) }), nil
}

func (a *API) getEmail(ctx context.Context, acct *kessai.Account, r *http.Request) (any, error) {
	id, err := jsonapi.PathID(r, "id", kessai.PrefixEmail, "email")
	if err != nil {
		return nil, err
	}
	return notifications.GetEmail(ctx, a.Face.E, acct, id)
}
