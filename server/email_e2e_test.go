package server_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"io"
	"mime"
	"net"
	"net/mail"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/kessai/kessai"
	"github.com/kessai/kessai/accounts"
	"github.com/kessai/kessai/amazonorder"
	"github.com/kessai/kessai/engine"
	"github.com/kessai/kessai/internal/kessaitest"
	"github.com/kessai/kessai/internal/testdb"
	"github.com/kessai/kessai/payjpflow"
)

// mailbox is an SMTP server on loopback (go-smtp) that keeps the messages
// it accepts; it refuses the first refuse DATA commands with 451 (try
// again later).
type mailbox struct {
	URL    string
	mu     sync.Mutex
	msgs   []*mail.Message
	rcpts  [][]string
	refuse int
	news   chan struct{}
}

func newMailbox(t testing.TB, refuse int) *mailbox {
	mb := &mailbox{refuse: refuse, news: make(chan struct{}, 100)}
	srv := smtp.NewServer(smtp.BackendFunc(func(c *smtp.Conn) (smtp.Session, error) { return &smtpSession{mb: mb}, nil }))
	srv.Domain = "mail.test"
	srv.AllowInsecureAuth = true
	srv.ErrorLog = nopLogger{}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	mb.URL = "smtp://" + ln.Addr().String() + "?from=payments@shop.example"
	return mb
}

type nopLogger struct{}

func (nopLogger) Printf(string, ...any) {}
func (nopLogger) Println(...any)        {}

type smtpSession struct {
	mb    *mailbox
	rcpts []string
}

func (s *smtpSession) Mail(from string, _ *smtp.MailOptions) error { return nil }
func (s *smtpSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	s.rcpts = append(s.rcpts, to)
	return nil
}
func (s *smtpSession) Reset()        { s.rcpts = nil }
func (s *smtpSession) Logout() error { return nil }

func (s *smtpSession) Data(r io.Reader) error {
	raw, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	s.mb.mu.Lock()
	defer s.mb.mu.Unlock()
	if s.mb.refuse > 0 {
		s.mb.refuse--
		return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "mailbox busy, try later"}
	}
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		return err
	}
	s.mb.msgs = append(s.mb.msgs, msg)
	s.mb.rcpts = append(s.mb.rcpts, s.rcpts)
	s.mb.news <- struct{}{}
	return nil
}

// wait returns the first message, waiting up to 20 s for it.
func (mb *mailbox) wait(t testing.TB) (*mail.Message, []string) {
	t.Helper()
	select {
	case <-mb.news:
	case <-time.After(20 * time.Second):
		t.Fatal("no email reached the SMTP server in 20 s")
	}
	mb.mu.Lock()
	defer mb.mu.Unlock()
	return mb.msgs[0], mb.rcpts[0]
}

// completedAmazonRefund makes an order reference of the buyer, captures
// amount and refunds part of it, and lets the refund complete; it returns
// the order and refund ids.
func completedAmazonRefund(t testing.TB, s *kessaitest.Server, key string, buyer kessai.Buyer, amount, refund int64) (order, refundID string) {
	t.Helper()
	ctx := context.Background()
	acct, err := accounts.Authenticate(s.Main.E, ctx, key)
	if err != nil {
		t.Fatal(err)
	}
	o, err := amazonorder.CreateOrderReference(ctx, s.Main.E, acct, amazonorder.OrderReferenceParams{Amount: &amount, Buyer: buyer})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := amazonorder.ConfirmOrderReference(ctx, s.Main.E, acct, o.ID); err != nil {
		t.Fatal(err)
	}
	a, err := amazonorder.Authorize(ctx, s.Main.E, acct, amazonorder.AuthorizeParams{OrderReferenceID: o.ID, ReferenceID: "a-" + o.ID[4:11], Amount: amount, Currency: o.Currency, CaptureNow: true})
	if err != nil {
		t.Fatal(err)
	}
	r, err := amazonorder.RefundCapture(ctx, s.Main.E, acct, amazonorder.CaptureRefundParams{CaptureID: a.CaptureID, ReferenceID: "r-" + o.ID[4:11], Amount: refund, Currency: o.Currency})
	if err != nil {
		t.Fatal(err)
	}
	must(t, s.Do(kessaitest.Req{Method: "POST", Path: "/kessai/v1/clock/advance", Key: key, Body: map[string]any{"seconds": int64(engine.DefaultSettleDelayAmazon / time.Second)}}), 200)
	if got, _ := payjpflow.GetRefund(s.Main.E, ctx, acct, r.ID); got.Status != kessai.RefundSucceeded {
		t.Fatalf("refund %s is %s after the settlement delay", r.ID, got.Status)
	}
	return o.ID, r.ID
}

func decodedBody(t testing.TB, m *mail.Message) string {
	t.Helper()
	if m.Header.Get("Content-Transfer-Encoding") != "base64" {
		t.Fatalf("Content-Transfer-Encoding %q", m.Header.Get("Content-Transfer-Encoding"))
	}
	raw, err := io.ReadAll(base64.NewDecoder(base64.StdEncoding, m.Body))
	if err != nil {
		t.Fatal(err)
	}
	return strings.ReplaceAll(string(raw), "\r\n", "\n")
}

func TestEmails_CompletedAmazonRefundReachesTheBuyer(t *testing.T) {
	t.Parallel()
	testdb.ForEach(t, func(t *testing.T, dialect string) {
		mb := newMailbox(t, 1) // the first attempt is refused for now: the email is retried
		s := kessaitest.Start(t, dialect, kessaitest.Options{Engine: fastRetries, SMTPURL: mb.URL})
		settings := map[string]any{"customer_service_email": "support@shop.example", "customer_service_phone": "03-1234-5678",
			"customer_service_note": "営業時間: 平日 10:00〜18:00"}
		got := must(t, s.Post("/kessai/v1/notification_settings", settings), 200)
		for k, v := range settings {
			if got.Str(k) != v {
				t.Errorf("settings %s = %q, want %q", k, got.Str(k), v)
			}
		}
		order, refundID := completedAmazonRefund(t, s, s.Key, kessai.Buyer{Name: "山田 花子", Email: "hanako@buyer.example"}, 10000, 1200)

		msg, rcpts := mb.wait(t)
		if len(rcpts) != 1 || rcpts[0] != "hanako@buyer.example" || !strings.Contains(msg.Header.Get("To"), "hanako@buyer.example") {
			t.Errorf("sent to %v (To: %s), want the buyer", rcpts, msg.Header.Get("To"))
		}
		if rt := msg.Header.Get("Reply-To"); !strings.Contains(rt, "support@shop.example") {
			t.Errorf("Reply-To %q, want the customer service", rt)
		}
		if from := msg.Header.Get("From"); !strings.Contains(from, "payments@shop.example") {
			t.Errorf("From %q, want the SMTP URL's from", from)
		}
		subject, err := new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject"))
		if err != nil || !strings.Contains(subject, "返金") || !strings.Contains(subject, order) {
			t.Errorf("subject %q (%v): want Japanese, with the order reference", subject, err)
		}
		body := decodedBody(t, msg)
		for _, want := range []string{"¥1,200", order, refundID, "support@shop.example", "03-1234-5678", "営業時間: 平日 10:00〜18:00", "山田 花子 様", "返金が完了しました"} {
			if !strings.Contains(body, want) {
				t.Errorf("the email does not show %q:\n%s", want, body)
			}
		}

		// The outbox shows it, sent after one refused attempt.
		deadline := time.Now().Add(10 * time.Second)
		var email map[string]any
		for {
			list := must(t, s.Get("/kessai/v1/emails"), 200).Data()
			if len(list) == 1 && list[0]["status"] == "sent" || time.Now().After(deadline) {
				email = list[0]
				break
			}
			time.Sleep(10 * time.Millisecond)
		}
		attempts, _ := email["attempts"].([]any)
		if email["status"] != "sent" || len(attempts) != 2 || attempts[0].(map[string]any)["smtp_code"] != float64(451) {
			t.Errorf("outbox: %v, want sent after a 451", email)
		}
		if email["body"] != body || email["amazon_refund_id"] != refundID || email["locale"] != "ja" {
			t.Errorf("the outbox's email differs from the one sent: %v", email)
		}
		one := must(t, s.Get("/kessai/v1/emails/"+email["id"].(string)), 200)
		if one.Str("subject") != subject {
			t.Errorf("GET email subject %q, want %q", one.Str("subject"), subject)
		}
	})
}

func TestEmails_KeptInTheOutboxWithoutSMTP(t *testing.T) {
	t.Parallel()
	testdb.ForEach(t, func(t *testing.T, dialect string) {
		s := kessaitest.Start(t, dialect, kessaitest.Options{})
		us, err := accounts.CreateAccount(s.Main.E, context.Background(), "us seller", false, "us")
		if err != nil {
			t.Fatal(err)
		}
		must(t, s.Do(kessaitest.Req{Method: "POST", Path: "/kessai/v1/notification_settings", Key: us.SecretKey,
			Body: map[string]any{"customer_service_email": "help@us.example"}}), 200)
		order, _ := completedAmazonRefund(t, s, us.SecretKey, kessai.Buyer{Name: "Pat", Email: "pat@buyer.example"}, 5000, 1250)

		list := must(t, s.Do(kessaitest.Req{Method: "GET", Path: "/kessai/v1/emails?status=stored", Key: us.SecretKey}), 200).Data()
		if len(list) != 1 {
			t.Fatalf("stored emails: %v", list)
		}
		m := list[0]
		body, _ := m["body"].(string)
		if m["locale"] != "en" || !strings.Contains(m["subject"].(string), order) || !strings.Contains(body, "$12.50") ||
			!strings.Contains(body, "help@us.example") || strings.Contains(body, "Phone:") {
			t.Errorf("a US seller's email: %v", m)
		}
		if n := len(must(t, s.Get("/kessai/v1/emails"), 200).Data()); n != 0 {
			t.Errorf("another account sees %d emails", n)
		}
		wantProblem(t, on(s, t).Post("/kessai/v1/notification_settings", map[string]any{"customer_service_email": "not an address"}), 422, "validation_error")
		wantProblem(t, on(s, t).Get("/kessai/v1/emails?status=lost"), 422, "validation_error")
	})
}
