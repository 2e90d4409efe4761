package notify

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/kessai/kessai"
	"github.com/kessai/kessai/engine"
	"github.com/kessai/kessai/notifications"
)

// The headers of a PAY.JP webhook.
const (
	HeaderWebhookID        = "webhook-id"        // the delivery id, the same on every retry
	HeaderWebhookTimestamp = "webhook-timestamp" // Unix seconds of this attempt (wall clock)
	HeaderWebhookSignature = "webhook-signature" // "v1,<base64>" per signing secret, space-separated
	HeaderPayJPToken       = "X-Payjp-Webhook-Token"
)

// Sign returns the webhook-signature of a message: for each secret
// ("whsec_" and base64 of the key), "v1," and the base64 of the
// HMAC-SHA256 of "id.timestamp.body" under the key's bytes, joined by
// spaces (Standard Webhooks; several during a secret's rotation).
func Sign(id string, timestamp int64, body []byte, secrets []string) (string, error) {
	sigs := make([]string, 0, len(secrets))
	for _, s := range secrets {
		key, err := notifications.DecodeWebhookSecret(s)
		if err != nil {
			return "", err
		}
		mac := hmac.New(sha256.New, key)
		fmt.Fprintf(mac, "%s.%d.", id, timestamp)
		mac.Write(body)
		sigs = append(sigs, "v1,"+base64.StdEncoding.EncodeToString(mac.Sum(nil)))
	}
	return strings.Join(sigs, " "), nil
}

// message is one request of a delivery.
type message struct {
	body    []byte
	header  http.Header
	secrets []string // signing secrets, when the kind signs Standard Webhooks style
}

// deliverWebhook is the handler of notifications.JobDeliverWebhook: one attempt
// of a delivery.
func (n *Notifier) deliverWebhook(ctx context.Context, j *kessai.Job) error {
	var ref struct {
		ID string `json:"delivery_id"`
	}
	if err := json.Unmarshal(j.Payload, &ref); err != nil {
		return fmt.Errorf("deliver_webhook payload: %w", err)
	}
	t, err := notifications.LoadDelivery(ctx, n.e, j.AccountID, ref.ID, j.ID)
	if err != nil || t == nil {
		return err
	}
	at := n.cfg.Wall.Now().UTC().Truncate(time.Millisecond)
	msg, err := n.message(ctx, t, at)
	if err != nil {
		return fmt.Errorf("delivery %s: %w", ref.ID, err)
	}
	attempt, retryAfter := n.post(ctx, t, msg, at)
	final := j.Attempts >= j.MaxAttempts
	status, err := notifications.RecordDeliveryAttempt(ctx, n.e, j.AccountID, ref.ID, j.ID, attempt, final)
	if err != nil {
		return fmt.Errorf("delivery %s: record the attempt: %w", ref.ID, err)
	}
	outcome := OutcomeRetry
	switch {
	case status == kessai.DeliverySucceeded:
		outcome = OutcomeSucceeded
	case attempt.HTTPStatus == http.StatusGone:
		outcome = OutcomeDisabled
	case status == kessai.DeliveryFailed:
		outcome = OutcomeFailed
	}
	n.cfg.Observe(t.Endpoint.Kind, outcome)
	if status != kessai.DeliveryPending {
		return nil
	}
	cause := fmt.Errorf("delivery %s to %s: %s", ref.ID, t.Endpoint.ID, describe(attempt))
	if retryAfter > 0 {
		return &engine.RetryAfter{After: retryAfter, Err: cause}
	}
	return cause
}

func describe(a kessai.DeliveryAttempt) string {
	if a.HTTPStatus == 0 {
		return a.Error
	}
	return "HTTP " + strconv.Itoa(a.HTTPStatus)
}

// message renders a delivery's request, made at the time at.
func (n *Notifier) message(ctx context.Context, t *notifications.DeliveryTarget, at time.Time) (*message, error) {
	switch t.Endpoint.Kind {
	case kessai.EndpointAmazonIPN:
		return n.ipnMessageOf(ctx, t, at)
	case kessai.EndpointAmazonIPNV2:
		return n.ipnV2MessageOf(ctx, t, at)
	case kessai.EndpointPayJP:
		body, err := n.cfg.RenderPayJP(t.Event)
		if err != nil {
			return nil, fmt.Errorf("render event %s: %w", t.Event.ID, err)
		}
		token, err := n.e.Unseal(ctx, t.Account.WebhookToken)
		if err != nil {
			return nil, fmt.Errorf("open the webhook token: %w", err)
		}
		secrets, err := notifications.SigningSecrets(ctx, n.e, t.Endpoint, n.e.Clock.Now())
		if err != nil {
			return nil, fmt.Errorf("open the signing secrets: %w", err)
		}
		h := http.Header{}
		h.Set("Content-Type", "application/json")
		h.Set(HeaderPayJPToken, token)
		return &message{body: body, header: h, secrets: secrets}, nil
	}
	return nil, fmt.Errorf("endpoint kind %q cannot be delivered", t.Endpoint.Kind)
}

// post makes one request and describes how it went; retryAfter is the
// receiver's Retry-After, when it gave one.
func (n *Notifier) post(ctx context.Context, t *notifications.DeliveryTarget, msg *message, at time.Time) (a kessai.DeliveryAttempt, retryAfter time.Duration) {
	ctx, cancel := context.WithTimeout(ctx, n.cfg.Timeout)
	defer cancel()
	start := time.Now()
	a.At = at
	defer func() { a.LatencyMS = time.Since(start).Milliseconds() }()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, t.Endpoint.URL, bytes.NewReader(msg.body))
	if err != nil {
		a.Error = "bad request: " + err.Error()
		return a, 0
	}
	req.Header = msg.header.Clone()
	if req.Header.Get("User-Agent") == "" {
		req.Header.Set("User-Agent", "kessai-webhooks/1")
	}
	if msg.secrets != nil {
		ts := a.At.Unix()
		sig, err := Sign(t.Delivery.ID, ts, msg.body, msg.secrets)
		if err != nil {
			a.Error = "sign: " + err.Error()
			return a, 0
		}
		req.Header.Set(HeaderWebhookID, t.Delivery.ID)
		req.Header.Set(HeaderWebhookTimestamp, strconv.FormatInt(ts, 10))
		req.Header.Set(HeaderWebhookSignature, sig)
	}
	resp, err := n.client.Do(req)
	if err != nil {
		a.Error = transportError(ctx, err)
		return a, 0
	}
	defer resp.Body.Close()
	a.HTTPStatus = resp.StatusCode
	excerpt, err := io.ReadAll(io.LimitReader(resp.Body, kessai.MaxResponseExcerpt))
	a.Response = strings.ToValidUTF8(string(trimPartialRune(excerpt)), "\uFFFD")
	if err == nil {
		// Drain a little more so that the connection can be used again.
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	}
	return a, parseRetryAfter(resp.Header.Get("Retry-After"), time.Now())
}

// trimPartialRune drops a UTF-8 sequence cut by the excerpt's limit.
func trimPartialRune(b []byte) []byte {
	for i := 0; i < utf8.UTFMax && len(b) > 0; i++ {
		r, size := utf8.DecodeLastRune(b)
		if r != utf8.RuneError || size != 1 {
			break
		}
		b = b[:len(b)-1]
	}
	return b
}

func transportError(ctx context.Context, err error) string {
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return "timeout: no answer in time"
	}
	return err.Error()
}

// parseRetryAfter reads a Retry-After header: seconds, or an HTTP date.
func parseRetryAfter(v string, now time.Time) time.Duration {
	if v == "" {
		return 0
	}
	if secs, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64); err == nil {
		if secs <= 0 {
			return 0
		}
		return time.Duration(min(secs, int64(30*24*time.Hour/time.Second))) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}
