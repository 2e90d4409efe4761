package notifications

import (
	"context"
	"encoding/base64"
	"errors"
	"net/url"
	"strings"
	"time"

	"github.com/kessai/kessai"
	"github.com/kessai/kessai/engine"
)

// Webhook endpoints: where an account's events go. Their signing secrets
// follow the Standard Webhooks format ("whsec_" and the base64 of the key's
// bytes) and are sealed at rest like the account's other secrets; the
// clear secret is shown when it is made (create, rotate) and never again.

// Webhook endpoint limits.
const (
	MaxWebhookEndpoints = 16                 // per account
	MaxEnabledEvents    = 64                 // event types per endpoint
	MaxEndpointURL      = 2048               // characters
	DefaultSecretGrace  = 24 * time.Hour     // how long a rotated-out secret still signs
	MaxSecretGrace      = 7 * 24 * time.Hour // the longest grace a rotation may ask for
	webhookSecretBytes  = 32                 // random bytes of a signing secret (Standard Webhooks: 24 to 64)
	webhookSecretPrefix = "whsec_"
	maxEndpointSecrets  = 4 // the current one and those still in their grace
)

// NewWebhookEndpoint is an endpoint with its current signing secret in the
// clear: what create and rotate answer.
type NewWebhookEndpoint struct {
	*kessai.WebhookEndpoint
	Secret string
}

// WebhookEndpointParams creates or changes an endpoint; nil fields of an
// update are left alone.
type WebhookEndpointParams struct {
	URL           *string
	Kind          string    // create only: payjp, amazon_ipn or amazon_ipn_v2
	EnabledEvents *[]string // nil or empty: every event ("*")
	Status        *string   // update only: enabled or disabled
}

func newWebhookSecret() string {
	return webhookSecretPrefix + base64.StdEncoding.EncodeToString(engine.RandomBytes(webhookSecretBytes))
}

// DecodeWebhookSecret returns the key bytes of a "whsec_" secret, which
// sign with HMAC-SHA256.
func DecodeWebhookSecret(s string) ([]byte, error) {
	raw, ok := strings.CutPrefix(s, webhookSecretPrefix)
	if !ok {
		return nil, errors.New("webhook secret without the whsec_ prefix")
	}
	return base64.StdEncoding.DecodeString(raw)
}

func checkEndpointURL(op, raw string) error {
	if len(raw) > MaxEndpointURL {
		return kessai.Invalidf(op, "url", "String should have at most %d characters", MaxEndpointURL)
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.Hostname() == "" {
		return kessai.Invalidf(op, "url", "Input should be an absolute http or https URL")
	}
	if u.User != nil {
		return kessai.Invalidf(op, "url", "The URL must not carry credentials")
	}
	return nil
}

// checkEnabledEvents returns the event types an endpoint receives: "*" or
// event type names such as refund.created.
func checkEnabledEvents(op string, types []string) ([]string, error) {
	if len(types) == 0 {
		return []string{kessai.AllEvents}, nil
	}
	if len(types) > MaxEnabledEvents {
		return nil, kessai.Invalidf(op, "enabled_events", "List should have at most %d items", MaxEnabledEvents)
	}
	seen := map[string]bool{}
	out := make([]string, 0, len(types))
	for _, t := range types {
		if t != kessai.AllEvents && !validEventType(t) {
			return nil, kessai.Invalidf(op, "enabled_events", "%q is not an event type (e.g. refund.created) or *", t)
		}
		if !seen[t] {
			seen[t] = true
			out = append(out, t)
		}
	}
	return out, nil
}

// validEventType: lower-case words joined by dots, like refund.created.
func validEventType(t string) bool {
	if len(t) > 100 || !strings.Contains(t, ".") {
		return false
	}
	for _, part := range strings.Split(t, ".") {
		if part == "" {
			return false
		}
		for i := 0; i < len(part); i++ {
			if c := part[i]; !(c >= 'a' && c <= 'z' || c == '_') {
				return false
			}
		}
	}
	return true
}

// CreateWebhookEndpoint adds an endpoint that receives the account's events
// of its kind's face: payjp (PAY.JP webhooks), amazon_ipn (Amazon IPNs of
// the MWS face) or amazon_ipn_v2 (IPN v2 of the Amazon Pay API v2 face).
// Errors: validation_error.
func CreateWebhookEndpoint(ctx context.Context, e *engine.Engine, acct *kessai.Account, p WebhookEndpointParams) (*NewWebhookEndpoint, error) {
	const op = "notifications.CreateWebhookEndpoint"
	if p.URL == nil || *p.URL == "" {
		return nil, kessai.Invalidf(op, "url", "Field required")
	}
	if err := checkEndpointURL(op, *p.URL); err != nil {
		return nil, err
	}
	if p.Kind != kessai.EndpointPayJP && p.Kind != kessai.EndpointAmazonIPN && p.Kind != kessai.EndpointAmazonIPNV2 {
		return nil, kessai.Invalidf(op, "kind", "Input should be 'payjp', 'amazon_ipn' or 'amazon_ipn_v2'")
	}
	var types []string
	if p.EnabledEvents != nil {
		types = *p.EnabledEvents
	}
	events, err := checkEnabledEvents(op, types)
	if err != nil {
		return nil, err
	}
	secret := newWebhookSecret()
	res, err := e.Write(ctx, acct, op, func(w *engine.W) (any, error) {
		docs, _, err := w.Tx().List(w.Ctx(), kessai.KindWebhookEndpoint, w.Account().ID, nil, kessai.Page{Limit: MaxWebhookEndpoints})
		if err != nil {
			return nil, err
		}
		if len(docs) >= MaxWebhookEndpoints {
			return nil, kessai.Invalidf(op, "url", "An account has at most %d webhook endpoints; delete one first", MaxWebhookEndpoints)
		}
		sealed, err := w.Seal(secret)
		if err != nil {
			return nil, err
		}
		ep := &kessai.WebhookEndpoint{AccountID: w.Account().ID, ID: kessai.NewID(kessai.PrefixWebhookEndpoint), Livemode: w.Account().Livemode,
			URL: *p.URL, Kind: p.Kind, EnabledEvents: events, Status: kessai.EndpointEnabled,
			Secrets:   []kessai.WebhookSecret{{Secret: sealed, CreatedAt: w.WallNow()}},
			CreatedAt: w.Now(), UpdatedAt: w.Now()}
		if err := w.Tx().Insert(w.Ctx(), ep); err != nil {
			return nil, err
		}
		return &NewWebhookEndpoint{WebhookEndpoint: ep, Secret: secret}, nil
	})
	if err != nil {
		return nil, err
	}
	return res.(*NewWebhookEndpoint), nil
}

// GetWebhookEndpoint returns an endpoint. Errors: not_found.
func GetWebhookEndpoint(ctx context.Context, e *engine.Engine, acct *kessai.Account, id string) (*kessai.WebhookEndpoint, error) {
	const op = "notifications.GetWebhookEndpoint"
	var ep kessai.WebhookEndpoint
	err := e.View(ctx, op, func(tx kessai.Tx) error {
		return engine.Get(ctx, tx, kessai.KindWebhookEndpoint, acct.ID, id, false, &ep, op, "webhook_endpoint")
	})
	if err != nil {
		return nil, err
	}
	return &ep, nil
}

// ListWebhookEndpoints pages through the account's endpoints, newest first.
// Errors: resource_missing (a cursor names no endpoint).
func ListWebhookEndpoints(ctx context.Context, e *engine.Engine, acct *kessai.Account, page kessai.Page) ([]*kessai.WebhookEndpoint, bool, error) {
	return engine.ListOf[kessai.WebhookEndpoint](ctx, e, acct, kessai.KindWebhookEndpoint, nil, page, "notifications.ListWebhookEndpoints", "webhook_endpoint")
}

// UpdateWebhookEndpoint changes an endpoint's URL, event types or status;
// enabling it again clears why it was disabled. Errors: not_found,
// validation_error.
func UpdateWebhookEndpoint(ctx context.Context, e *engine.Engine, acct *kessai.Account, id string, p WebhookEndpointParams) (*kessai.WebhookEndpoint, error) {
	const op = "notifications.UpdateWebhookEndpoint"
	if p.URL != nil {
		if err := checkEndpointURL(op, *p.URL); err != nil {
			return nil, err
		}
	}
	var events []string
	if p.EnabledEvents != nil {
		var err error
		if events, err = checkEnabledEvents(op, *p.EnabledEvents); err != nil {
			return nil, err
		}
	}
	if p.Status != nil && *p.Status != kessai.EndpointEnabled && *p.Status != kessai.EndpointDisabled {
		return nil, kessai.Invalidf(op, "status", "Input should be 'enabled' or 'disabled'")
	}
	res, err := e.Write(ctx, acct, op, func(w *engine.W) (any, error) {
		var ep kessai.WebhookEndpoint
		if err := w.Get(kessai.KindWebhookEndpoint, id, true, &ep, op, "webhook_endpoint"); err != nil {
			return nil, err
		}
		if p.URL != nil {
			ep.URL = *p.URL
		}
		if events != nil {
			ep.EnabledEvents = events
		}
		if p.Status != nil && *p.Status != ep.Status {
			ep.Status, ep.DisabledReason = *p.Status, ""
			if ep.Status == kessai.EndpointDisabled {
				ep.DisabledReason = "disabled by the merchant"
			}
		}
		ep.UpdatedAt = w.Now()
		return &ep, w.Tx().Put(w.Ctx(), &ep)
	})
	if err != nil {
		return nil, err
	}
	return res.(*kessai.WebhookEndpoint), nil
}

// DeleteWebhookEndpoint removes an endpoint; deliveries to it that are still
// pending end as failed. Errors: not_found.
func DeleteWebhookEndpoint(ctx context.Context, e *engine.Engine, acct *kessai.Account, id string) (*kessai.WebhookEndpoint, error) {
	const op = "notifications.DeleteWebhookEndpoint"
	res, err := e.Write(ctx, acct, op, func(w *engine.W) (any, error) {
		var ep kessai.WebhookEndpoint
		if err := w.Get(kessai.KindWebhookEndpoint, id, true, &ep, op, "webhook_endpoint"); err != nil {
			return nil, err
		}
		return &ep, w.Tx().Delete(w.Ctx(), kessai.KindWebhookEndpoint, w.Account().ID, id)
	})
	if err != nil {
		return nil, err
	}
	return res.(*kessai.WebhookEndpoint), nil
}

// RotateWebhookSecret gives an endpoint a new signing secret. The secrets
// it had keep signing (beside the new one) for grace, so that a receiver
// can switch without losing a delivery; a grace of zero ends them now.
// Errors: not_found, validation_error.
func RotateWebhookSecret(ctx context.Context, e *engine.Engine, acct *kessai.Account, id string, grace time.Duration) (*NewWebhookEndpoint, error) {
	const op = "notifications.RotateWebhookSecret"
	if grace < 0 || grace > MaxSecretGrace {
		return nil, kessai.Invalidf(op, "grace_period", "Input should be between 0 and %d seconds", int64(MaxSecretGrace/time.Second))
	}
	secret := newWebhookSecret()
	res, err := e.Write(ctx, acct, op, func(w *engine.W) (any, error) {
		var ep kessai.WebhookEndpoint
		if err := w.Get(kessai.KindWebhookEndpoint, id, true, &ep, op, "webhook_endpoint"); err != nil {
			return nil, err
		}
		sealed, err := w.Seal(secret)
		if err != nil {
			return nil, err
		}
		now := w.WallNow()
		secrets := []kessai.WebhookSecret{{Secret: sealed, CreatedAt: now}}
		for _, s := range ep.Secrets {
			if s.ExpiresAt.IsZero() || s.ExpiresAt.After(now.Add(grace)) {
				s.ExpiresAt = now.Add(grace)
			}
			if s.ExpiresAt.After(now) && len(secrets) < maxEndpointSecrets {
				secrets = append(secrets, s)
			}
		}
		ep.Secrets, ep.UpdatedAt = secrets, w.Now()
		if err := w.Tx().Put(w.Ctx(), &ep); err != nil {
			return nil, err
		}
		return &NewWebhookEndpoint{WebhookEndpoint: &ep, Secret: secret}, nil
	})
	if err != nil {
		return nil, err
	}
	return res.(*NewWebhookEndpoint), nil
}

// SigningSecrets opens the secrets of an endpoint that sign at now (base
// clock): the current one first, then those still in their grace.
func SigningSecrets(ctx context.Context, e *engine.Engine, ep *kessai.WebhookEndpoint, now time.Time) ([]string, error) {
	var out []string
	for _, s := range ep.Secrets {
		if !s.ExpiresAt.IsZero() && !s.ExpiresAt.After(now) {
			continue
		}
		plain, err := e.Unseal(ctx, s.Secret)
		if err != nil {
			return nil, err
		}
		out = append(out, plain)
	}
	return out, nil
}

// Job kinds of notifications: they run outside any write (their handlers
// are package notify's) on the notify queue, with Config.Delivery's
// schedule.
const (
	JobDeliverWebhook = "deliver_webhook"
)
