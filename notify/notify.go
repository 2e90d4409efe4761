// Package notify delivers kessai's notifications to the outside world:
// PAY.JP webhooks signed the Standard Webhooks way
// (https://www.standardwebhooks.com), Amazon Instant Payment Notifications
// in Amazon SNS envelopes signed with kessai's own certificate, and buyer
// emails over SMTP.
//
// The engine records what is to be delivered — a delivery per event and
// endpoint, an email per completed Amazon refund — in the transaction of the
// change that causes it, with a job of the notify queue. This package
// registers those jobs' handlers (engine.HandleOutside). Each attempt runs
// outside any transaction: it reads the delivery in a read transaction,
// makes one HTTP request (or SMTP session) bounded by a timeout, and records
// the outcome in a write. The worker retries failed attempts on the
// engine's delivery schedule, honouring a receiver's Retry-After; every
// retry of a webhook carries the same webhook-id, so delivery is
// at-least-once and a receiver can drop duplicates.
//
// Package notify depends on no face: package server injects the renderers
// of PAY.JP events and of IPNs.
package notify

import (
	"errors"
	"log/slog"
	"net/http"
	"time"

	"github.com/kessai/kessai"
	"github.com/kessai/kessai/engine"
	"github.com/kessai/kessai/notifications"
)

// Config holds a Notifier's settings; zero values take the defaults.
type Config struct {
	// RenderPayJP renders an event of the PAY.JP face as the body of its
	// webhook: the face's event JSON. Required.
	RenderPayJP func(*kessai.Event) ([]byte, error)
	// RenderIPN renders an event of the MWS face as an Instant Payment
	// Notification: its NotificationType and NotificationData (XML).
	// Without it, deliveries to amazon_ipn endpoints fail and retry.
	RenderIPN func(*kessai.Event) (notificationType string, data []byte, err error)
	// Timeout bounds one attempt: connecting, sending and reading the
	// answer (default 10 s).
	Timeout time.Duration
	// Transport makes the HTTP requests (default: a clone of
	// http.DefaultTransport).
	Transport http.RoundTripper
	// Wall is the clock of signature timestamps and attempt times: the real
	// time, which receivers compare with theirs, never a test clock
	// (default the system clock).
	Wall kessai.Clock
	// Observe, when set, is called after every attempt with the kind of
	// delivery (payjp, amazon_ipn, email) and its outcome (succeeded,
	// retry, failed, disabled): the server counts them for its metrics.
	Observe func(kind, outcome string)
	Log     *slog.Logger
	// SMTPURL, when set, is the SMTP server that buyer emails are sent
	// through: smtp://host:port (STARTTLS when offered) or smtps://host:port,
	// with user:password@ for AUTH PLAIN and ?from=address for the sender
	// (default DefaultFrom). Unset, emails stay in the outbox.
	SMTPURL string
}

// DefaultTimeout bounds one delivery attempt.
const DefaultTimeout = 10 * time.Second

// Attempt outcomes, as Observe reports them.
const (
	OutcomeSucceeded = "succeeded" // delivered
	OutcomeRetry     = "retry"     // failed; another attempt will follow
	OutcomeFailed    = "failed"    // failed for good
	OutcomeDisabled  = "disabled"  // 410 Gone: failed, and the endpoint is disabled
)

// Notifier makes the deliveries of an engine.
type Notifier struct {
	e      *engine.Engine
	cfg    Config
	client *http.Client
	smtp   *smtpServer // nil: emails are not sent
	log    *slog.Logger
}

// New returns a Notifier and registers its handlers with e; call it before
// a worker of e runs.
func New(e *engine.Engine, cfg Config) (*Notifier, error) {
	if cfg.RenderPayJP == nil {
		return nil, errors.New("notify: Config.RenderPayJP is required")
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = DefaultTimeout
	}
	if cfg.Timeout < 0 {
		return nil, errors.New("notify: the timeout must be positive")
	}
	if cfg.Transport == nil {
		cfg.Transport = http.DefaultTransport.(*http.Transport).Clone()
	}
	if cfg.Wall == nil {
		cfg.Wall = kessai.SystemClock{}
	}
	if cfg.Observe == nil {
		cfg.Observe = func(string, string) {}
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	n := &Notifier{e: e, cfg: cfg, log: cfg.Log,
		client: &http.Client{Transport: cfg.Transport,
			// A redirect is an answer like any other: not followed, so a
			// receiver cannot point kessai's signed requests elsewhere.
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
	if cfg.SMTPURL != "" {
		s, err := parseSMTPURL(cfg.SMTPURL)
		if err != nil {
			return nil, err
		}
		n.smtp = s
	}
	e.HandleOutside(notifications.JobDeliverWebhook, n.deliverWebhook)
	if n.smtp != nil {
		e.HandleOutside(notifications.JobSendEmail, n.sendEmail)
	}
	return n, nil
}
