package notify

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"net"
	"net/mail"
	"net/smtp"
	"net/textproto"
	"net/url"
	"strings"
	"time"

	"github.com/kessai/kessai"
	"github.com/kessai/kessai/internal/redact"
	"github.com/kessai/kessai/notifications"
)

// DefaultFrom is the sender of buyer emails unless the SMTP URL names one.
const DefaultFrom = "kessai@localhost"

// smtpServer is where buyer emails go, from an SMTP URL:
//
//	smtp://host[:port][?from=sender@example.com]   port 25; STARTTLS when the server offers it
//	smtps://host[:port][?from=…]                   port 465; TLS from the start
//
// user:password@ in the URL authenticates with AUTH PLAIN (which net/smtp
// allows over TLS or to localhost only).
type smtpServer struct {
	addr, host  string
	implicitTLS bool
	auth        smtp.Auth
	from        string
	tls         *tls.Config
}

// ParseSMTPURL checks an SMTP URL (see Config.SMTPURL).
func ParseSMTPURL(raw string) error {
	_, err := parseSMTPURL(raw)
	return err
}

func parseSMTPURL(raw string) (*smtpServer, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("notify: SMTP URL: %w", err)
	}
	s := &smtpServer{host: u.Hostname(), from: DefaultFrom}
	port := u.Port()
	switch u.Scheme {
	case "smtp":
		if port == "" {
			port = "25"
		}
	case "smtps":
		s.implicitTLS = true
		if port == "" {
			port = "465"
		}
	default:
		return nil, fmt.Errorf("notify: SMTP URL %q: the scheme must be smtp or smtps", redact.URL(raw))
	}
	if s.host == "" || (u.Path != "" && u.Path != "/") {
		return nil, fmt.Errorf("notify: SMTP URL %q: want smtp://host:port", redact.URL(raw))
	}
	s.addr = net.JoinHostPort(s.host, port)
	if from := u.Query().Get("from"); from != "" {
		a, err := mail.ParseAddress(from)
		if err != nil {
			return nil, fmt.Errorf("notify: SMTP URL: from=%q is not an address", from)
		}
		s.from = a.Address
	}
	if u.User != nil {
		pass, _ := u.User.Password()
		s.auth = smtp.PlainAuth("", u.User.Username(), pass, s.host)
	}
	s.tls = &tls.Config{ServerName: s.host, MinVersion: tls.VersionTLS12}
	return s, nil
}

// sendEmail is the handler of notifications.JobSendEmail: one attempt to hand an
// email of the outbox to the SMTP server.
func (n *Notifier) sendEmail(ctx context.Context, j *kessai.Job) error {
	var ref struct {
		ID string `json:"email_id"`
	}
	if err := json.Unmarshal(j.Payload, &ref); err != nil {
		return fmt.Errorf("send_email payload: %w", err)
	}
	m, err := notifications.LoadEmail(ctx, n.e, j.AccountID, ref.ID, j.ID)
	if err != nil || m == nil {
		return err
	}
	at := n.cfg.Wall.Now().UTC().Truncate(time.Millisecond)
	start := time.Now()
	sendErr := n.smtp.send(ctx, n.cfg.Timeout, m.To, composeEmail(n.smtp.from, m, at))
	a := kessai.DeliveryAttempt{At: at, LatencyMS: time.Since(start).Milliseconds(), HTTPStatus: 250}
	permanent := false
	if sendErr != nil {
		a.HTTPStatus, a.Error = 0, sendErr.Error()
		var te *textproto.Error
		if errors.As(sendErr, &te) {
			a.HTTPStatus, a.Response, a.Error = te.Code, excerpt(te.Msg), ""
			permanent = te.Code >= 500 // the server refuses for good (no such mailbox, …)
		}
	}
	final := permanent || j.Attempts >= j.MaxAttempts
	status, err := notifications.RecordEmailAttempt(ctx, n.e, j.AccountID, ref.ID, j.ID, a, sendErr == nil, final)
	if err != nil {
		return fmt.Errorf("email %s: record the attempt: %w", ref.ID, err)
	}
	outcome := OutcomeRetry
	switch status {
	case kessai.EmailSent:
		outcome = OutcomeSucceeded
	case kessai.EmailFailed:
		outcome = OutcomeFailed
	}
	n.cfg.Observe("email", outcome)
	if status == kessai.EmailPending {
		return fmt.Errorf("email %s: %w", ref.ID, sendErr)
	}
	return nil
}

func excerpt(s string) string {
	if len(s) > kessai.MaxResponseExcerpt {
		s = string(trimPartialRune([]byte(s[:kessai.MaxResponseExcerpt])))
	}
	return strings.ToValidUTF8(s, "\uFFFD")
}

// send hands one message to the SMTP server within timeout: no session
// outlives it, however slow the server.
func (s *smtpServer) send(ctx context.Context, timeout time.Duration, to string, msg []byte) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	d := &net.Dialer{}
	var conn net.Conn
	var err error
	if s.implicitTLS {
		conn, err = (&tls.Dialer{NetDialer: d, Config: s.tls}).DialContext(ctx, "tcp", s.addr)
	} else {
		conn, err = d.DialContext(ctx, "tcp", s.addr)
	}
	if err != nil {
		return err
	}
	deadline, _ := ctx.Deadline()
	_ = conn.SetDeadline(deadline)
	c, err := smtp.NewClient(conn, s.host)
	if err != nil {
		conn.Close()
		return err
	}
	defer c.Close()
	if !s.implicitTLS {
		if ok, _ := c.Extension("STARTTLS"); ok {
			if err := c.StartTLS(s.tls); err != nil {
				return err
			}
		}
	}
	if s.auth != nil {
		if err := c.Auth(s.auth); err != nil {
			return err
		}
	}
	if err := c.Mail(s.from); err != nil {
		return err
	}
	if err := c.Rcpt(to); err != nil {
		return err
	}
	w, err := c.Data()
	if err != nil {
		return err
	}
	if _, err := w.Write(msg); err != nil {
		return err
	}
	if err := w.Close(); err != nil {
		return err
	}
	return c.Quit()
}

// composeEmail renders an email as an RFC 5322 message: UTF-8 plain text in
// base64, the subject encoded per RFC 2047, Reply-To the seller's customer
// service.
func composeEmail(from string, m *kessai.Email, date time.Time) []byte {
	var b bytes.Buffer
	h := func(k, v string) { fmt.Fprintf(&b, "%s: %s\r\n", k, v) }
	h("From", (&mail.Address{Name: "Amazon Pay (kessai)", Address: from}).String())
	h("To", (&mail.Address{Address: m.To}).String())
	if m.ReplyTo != "" {
		h("Reply-To", (&mail.Address{Address: m.ReplyTo}).String())
	}
	h("Subject", mime.BEncoding.Encode("UTF-8", m.Subject))
	h("Date", date.Format(time.RFC1123Z))
	h("Message-ID", "<"+m.ID+"@kessai>")
	h("MIME-Version", "1.0")
	h("Content-Type", "text/plain; charset=UTF-8")
	h("Content-Transfer-Encoding", "base64")
	if m.Locale != "" {
		h("Content-Language", m.Locale)
	}
	b.WriteString("\r\n")
	enc := base64.StdEncoding.EncodeToString([]byte(strings.ReplaceAll(m.Body, "\n", "\r\n")))
	for len(enc) > 76 {
		b.WriteString(enc[:76] + "\r\n")
		enc = enc[76:]
	}
	b.WriteString(enc + "\r\n")
	return b.Bytes()
}
