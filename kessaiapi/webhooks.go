package kessaiapi

import (
	"context"
	"net/http"
	"strings"
	"time"

	"github.com/kessai/kessai"
	"github.com/kessai/kessai/engine"
	"github.com/kessai/kessai/jsonapi"
	"github.com/kessai/kessai/notifications"
)

// registerNotify adds the routes of webhook endpoints.
func (a *API) registerNotify(mux jsonapi.Router) {
	mux.HandleFunc("POST /kessai/v1/webhook_endpoints", a.Face.Post(a.createEndpoint))
	mux.HandleFunc("GET /kessai/v1/webhook_endpoints", a.Face.Get(a.listEndpoints))
	mux.HandleFunc("GET /kessai/v1/webhook_endpoints/{id}", a.Face.Get(a.getEndpoint))
	mux.HandleFunc("POST /kessai/v1/webhook_endpoints/{id}", a.Face.Post(a.updateEndpoint))
	mux.HandleFunc("DELETE /kessai/v1/webhook_endpoints/{id}", a.Face.Get(a.deleteEndpoint))
	mux.HandleFunc("POST /kessai/v1/webhook_endpoints/{id}/rotate_secret", a.Face.Post(a.rotateSecret))
	mux.HandleFunc("GET /kessai/v1/webhook_deliveries", a.Face.Get(a.listDeliveries))
	mux.HandleFunc("GET /kessai/v1/webhook_deliveries/{id}", a.Face.Get(a.getDelivery))
	mux.HandleFunc("POST /kessai/v1/webhook_deliveries/{id}/retry", a.Face.Post(a.retryDelivery))
	mux.HandleFunc("POST /kessai/v1/events/{id}/redeliver", a.Face.Post(a.redeliver))
	a.registerEmails(mux)
	mux.HandleFunc("GET /kessai/v1/ipn/certificates/{name}", a.ipnCertificate)
}

// endpointJSON is a webhook endpoint on the wire. Secret is set only in the
// answers of create and rotate_secret.
type endpointJSON struct {
	Object           string   `json:"object"`
	ID               string   `json:"id"`
	Livemode         bool     `json:"livemode"`
	URL              string   `json:"url"`
	Kind             string   `json:"kind"`
	EnabledEvents    []string `json:"enabled_events"`
	Status           string   `json:"status"`
	DisabledReason   *string  `json:"disabled_reason"`
	Secret           string   `json:"secret,omitempty"`
	SecretsExpiresAt *string  `json:"previous_secrets_expire_at"`
	CreatedAt        string   `json:"created_at"`
	UpdatedAt        string   `json:"updated_at"`
}

func endpointJSONOf(ep *kessai.WebhookEndpoint, secret string) endpointJSON {
	out := endpointJSON{Object: "webhook_endpoint", ID: ep.ID, Livemode: ep.Livemode, URL: ep.URL, Kind: ep.Kind,
		EnabledEvents: ep.EnabledEvents, Status: ep.Status, Secret: secret,
		CreatedAt: ep.CreatedAt.Format(time.RFC3339), UpdatedAt: ep.UpdatedAt.Format(time.RFC3339)}
	if ep.DisabledReason != "" {
		out.DisabledReason = &ep.DisabledReason
	}
	var last time.Time
	for _, s := range ep.Secrets {
		if s.ExpiresAt.After(last) {
			last = s.ExpiresAt
		}
	}
	if !last.IsZero() {
		t := last.Format(time.RFC3339)
		out.SecretsExpiresAt = &t
	}
	return out
}

type deletedJSON struct {
	Object   string `json:"object"`
	ID       string `json:"id"`
	Livemode bool   `json:"livemode"`
	Deleted  bool   `json:"deleted"`
}

// deleted is the answer of a delete.
type deleted struct {
	object, id string
	livemode   bool
}

type listJSON struct {
	Object  string `json:"object"`
	Data    []any  `json:"data"`
	HasMore bool   `json:"has_more"`
	URL     string `json:"url"`
}

// listOf renders a page as a list object with each item rendered by render.
func listOf[T any](r *http.Request, items []*T, hasMore bool, render func(*T) any) listJSON {
	data := make([]any, 0, len(items))
	for _, it := range items {
		data = append(data, render(it))
	}
	return listJSON{Object: "list", Data: data, HasMore: hasMore, URL: r.URL.Path}
}

type endpointReq struct {
	URL           *string   `json:"url"`
	Kind          *string   `json:"kind"`
	EnabledEvents *[]string `json:"enabled_events"`
	Status        *string   `json:"status"`
}

func (a *API) createEndpoint(ctx context.Context, e *engine.Engine, acct *kessai.Account, r *http.Request, body []byte) (any, error) {
	const op = "kessaiapi.createEndpoint"
	var req endpointReq
	if err := jsonapi.DecodeJSON(body, &req); err != nil {
		return nil, err
	}
	if req.Kind == nil {
		return nil, kessai.Invalidf(op, "kind", "Field required")
	}
	if req.Status != nil {
		return nil, kessai.Invalidf(op, "status", "A new endpoint is enabled; change its status afterwards")
	}
	return notifications.CreateWebhookEndpoint(ctx, e, acct, notifications.WebhookEndpointParams{URL: req.URL, Kind: *req.Kind, EnabledEvents: req.EnabledEvents})
}

func endpointID(r *http.Request) (string, error) {
	return jsonapi.PathID(r, "id", kessai.PrefixWebhookEndpoint, "webhook_endpoint")
}

func (a *API) listEndpoints(ctx context.Context, acct *kessai.Account, r *http.Request) (any, error) {
	page, err := jsonapi.ParsePage(r)
	if err != nil {
		return nil, err
	}
	items, more, err := notifications.ListWebhookEndpoints(ctx, a.Face.E, acct, page)
	if err != nil {
		return nil, err
	}
	return listOf(r, items, more, func(ep *kessai.WebhookEndpoint) any { return endpointJSONOf(ep, "") }), nil
}

func (a *API) getEndpoint(ctx context.Context, acct *kessai.Account, r *http.Request) (any, error) {
	id, err := endpointID(r)
	if err != nil {
		return nil, err
	}
	return notifications.GetWebhookEndpoint(ctx, a.Face.E, acct, id)
}

func (a *API) updateEndpoint(ctx context.Context, e *engine.Engine, acct *kessai.Account, r *http.Request, body []byte) (any, error) {
	id, err := endpointID(r)
	if err != nil {
		return nil, err
	}
	var req endpointReq
	if err := jsonapi.DecodeJSON(body, &req); err != nil {
		return nil, err
	}
	if req.Kind != nil {
		return nil, kessai.Invalidf("kessaiapi.updateEndpoint", "kind", "The kind of an endpoint cannot change; create another")
	}
	return notifications.UpdateWebhookEndpoint(ctx, e, acct, id, notifications.WebhookEndpointParams{URL: req.URL, EnabledEvents: req.EnabledEvents, Status: req.Status})
}

func (a *API) deleteEndpoint(ctx context.Context, acct *kessai.Account, r *http.Request) (any, error) {
	id, err := endpointID(r)
	if err != nil {
		return nil, err
	}
	ep, err := notifications.DeleteWebhookEndpoint(ctx, a.Face.E, acct, id)
	if err != nil {
		return nil, err
	}
	return deleted{object: "webhook_endpoint", id: ep.ID, livemode: ep.Livemode}, nil
}

func (a *API) rotateSecret(ctx context.Context, e *engine.Engine, acct *kessai.Account, r *http.Request, body []byte) (any, error) {
	const op = "kessaiapi.rotateSecret"
	id, err := endpointID(r)
	if err != nil {
		return nil, err
	}
	var req struct {
		GracePeriod jsonapi.Int `json:"grace_period"`
	}
	if err := jsonapi.DecodeJSON(body, &req); err != nil {
		return nil, err
	}
	grace := notifications.DefaultSecretGrace
	if req.GracePeriod.Set {
		if req.GracePeriod.V < 0 || time.Duration(req.GracePeriod.V) > notifications.MaxSecretGrace/time.Second {
			return nil, kessai.Invalidf(op, "grace_period", "Input should be between 0 and %d", int64(notifications.MaxSecretGrace/time.Second))
		}
		grace = time.Duration(req.GracePeriod.V) * time.Second
	}
	return notifications.RotateWebhookSecret(ctx, e, acct, id, grace)
}

// deliveryJSON is a webhook delivery with its attempts, oldest first.
type deliveryJSON struct {
	Object        string        `json:"object"`
	ID            string        `json:"id"`
	Livemode      bool          `json:"livemode"`
	Endpoint      string        `json:"endpoint"`
	Event         string        `json:"event"`
	EventType     string        `json:"event_type"`
	Kind          string        `json:"kind"`
	Status        string        `json:"status"`
	FailureReason *string       `json:"failure_reason"`
	Attempts      []attemptJSON `json:"attempts"`
	CreatedAt     string        `json:"created_at"`
	UpdatedAt     string        `json:"updated_at"`
}

type attemptJSON struct {
	At         string  `json:"at"`
	HTTPStatus *int    `json:"http_status"`
	LatencyMS  int64   `json:"latency_ms"`
	Response   *string `json:"response"`
	Error      *string `json:"error"`
}

func strPtr(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func deliveryJSONOf(d *kessai.WebhookDelivery) deliveryJSON {
	out := deliveryJSON{Object: "webhook_delivery", ID: d.ID, Livemode: d.Livemode, Endpoint: d.EndpointID, Event: d.EventID,
		EventType: d.EventType, Kind: d.Kind, Status: d.Status, FailureReason: strPtr(d.FailureReason),
		Attempts: make([]attemptJSON, 0, len(d.Attempts)), CreatedAt: d.CreatedAt.Format(time.RFC3339), UpdatedAt: d.UpdatedAt.Format(time.RFC3339)}
	for _, a := range d.Attempts {
		aj := attemptJSON{At: a.At.UTC().Format(time.RFC3339), LatencyMS: a.LatencyMS, Error: strPtr(a.Error)}
		if a.HTTPStatus != 0 {
			status := a.HTTPStatus
			aj.HTTPStatus = &status
			resp := a.Response
			aj.Response = &resp
		}
		out.Attempts = append(out.Attempts, aj)
	}
	return out
}

func deliveryID(r *http.Request) (string, error) {
	return jsonapi.PathID(r, "id", kessai.PrefixWebhookDelivery, "webhook_delivery")
}

// listDeliveries is the delivery log: filters endpoint, event and status.
func (a *API) listDeliveries(ctx context.Context, acct *kessai.Account, r *http.Request) (any, error) {
	page, err := jsonapi.ParsePage(r)
	if err != nil {
		return nil, err
	}
	q := r.URL.Query()
	f := notifications.DeliveryFilter{EndpointID: q.Get("endpoint"), EventID: q.Get("event"), Status: q.Get("status")}
	items, more, err := notifications.ListWebhookDeliveries(ctx, a.Face.E, acct, f, page)
	if err != nil {
		return nil, err
	}
	return listOf(r, items, more, func(d *kessai.WebhookDelivery) any { return deliveryJSONOf(d) }), nil
}

func (a *API) getDelivery(ctx context.Context, acct *kessai.Account, r *http.Request) (any, error) {
	id, err := deliveryID(r)
	if err != nil {
		return nil, err
	}
	return notifications.GetWebhookDelivery(ctx, a.Face.E, acct, id)
}

func (a *API) retryDelivery(ctx context.Context, e *engine.Engine, acct *kessai.Account, r *http.Request, body []byte) (any, error) {
	id, err := deliveryID(r)
	if err != nil {
		return nil, err
	}
	if err := jsonapi.DecodeJSON(body, &struct{}{}); err != nil {
		return nil, err
	}
	return notifications.RetryWebhookDelivery(ctx, e, acct, id)
}

// redeliver sends an event again, to one endpoint or to every one that
// wants it; the answer lists the new deliveries.
func (a *API) redeliver(ctx context.Context, e *engine.Engine, acct *kessai.Account, r *http.Request, body []byte) (any, error) {
	id, err := jsonapi.PathID(r, "id", kessai.PrefixEvent, "event")
	if err != nil {
		return nil, err
	}
	var req struct {
		Endpoint *string `json:"endpoint"`
	}
	if err := jsonapi.DecodeJSON(body, &req); err != nil {
		return nil, err
	}
	endpoint := ""
	if req.Endpoint != nil {
		if !kessai.ValidID(kessai.PrefixWebhookEndpoint, *req.Endpoint) {
			return nil, kessai.Invalidf("kessaiapi.redeliver", "endpoint", "Input should be a webhook endpoint id (we_…)")
		}
		endpoint = *req.Endpoint
	}
	ds, err := notifications.RedeliverEvent(ctx, e, acct, id, endpoint)
	if err != nil {
		return nil, err
	}
	return listOf(r, ds, false, func(d *kessai.WebhookDelivery) any { return deliveryJSONOf(d) }), nil
}

// renderNotify renders the objects of notifications; ok is false for
// others.
func renderNotify(v any) (any, bool) {
	switch x := v.(type) {
	case *kessai.NotificationSettings:
		return settingsJSONOf(x), true
	case *kessai.Email:
		return emailJSONOf(x), true
	case *kessai.WebhookDelivery:
		return deliveryJSONOf(x), true
	case *notifications.NewWebhookEndpoint:
		return endpointJSONOf(x.WebhookEndpoint, x.Secret), true
	case *kessai.WebhookEndpoint:
		return endpointJSONOf(x, ""), true
	case deleted:
		return deletedJSON{Object: x.object, ID: x.id, Livemode: x.livemode, Deleted: true}, true
	case listJSON:
		return x, true
	}
	return nil, false
}

// ipnCertificate serves a certificate that signs kessai's IPNs, at the
// SigningCertURL of each IPN. It belongs to no account: no key is needed.
func (a *API) ipnCertificate(w http.ResponseWriter, r *http.Request) {
	id, ok := strings.CutSuffix(r.PathValue("name"), ".pem")
	if !ok || len(id) != 32 || strings.Trim(id, "0123456789abcdef") != "" {
		jsonapi.WriteProblem(w, r, kessai.Errorf(kessai.NotFound, "kessaiapi.ipnCertificate", "No such certificate."))
		return
	}
	cert, err := a.Face.E.IPNCertificate(r.Context(), id)
	if err != nil {
		a.Face.Fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/x-pem-file")
	w.Header().Set("Cache-Control", "public, max-age=86400")
	_, _ = w.Write(cert)
}
