package notifications

import (
	"context"
	"errors"
	"fmt"
	"net/mail"
	"strings"
	"unicode/utf8"

	"github.com/kessai/kessai"
	"github.com/kessai/kessai/engine"
)

// Buyer emails (seed 000): "every successful refund, Amazon Pay sends the
// buyer an email with the refund's details", showing the seller's customer
// service email, phone and note. kessai writes the email in the transaction
// that completes the refund and keeps it in the account's outbox; when an
// SMTP server is configured (package notify registers the send job's
// handler) a job of the notify queue sends it, retried like a webhook.

// JobSendEmail sends one email over SMTP (package notify's handler).
const JobSendEmail = "send_email"

// Limits of notification settings.
const (
	MaxCustomerServiceEmail = 254
	MaxCustomerServicePhone = 30
	MaxCustomerServiceNote  = 1000
)

// NotificationSettingsParams changes the settings; nil fields are left
// alone and "" clears one.
type NotificationSettingsParams struct {
	CustomerServiceEmail *string
	CustomerServicePhone *string
	CustomerServiceNote  *string
}

// GetNotificationSettings returns the account's settings (empty ones when it
// has set none).
func GetNotificationSettings(ctx context.Context, e *engine.Engine, acct *kessai.Account) (*kessai.NotificationSettings, error) {
	const op = "notifications.GetNotificationSettings"
	var s *kessai.NotificationSettings
	err := e.View(ctx, op, func(tx kessai.Tx) error {
		var err error
		s, err = notificationSettings(ctx, tx, acct.ID)
		return err
	})
	return s, err
}

func notificationSettings(ctx context.Context, tx kessai.Tx, accountID string) (*kessai.NotificationSettings, error) {
	s := &kessai.NotificationSettings{AccountID: accountID, ID: kessai.NotificationSettingsID}
	err := tx.Get(ctx, kessai.KindNotificationSettings, accountID, kessai.NotificationSettingsID, false, s)
	if errors.Is(err, kessai.ErrNoRows) {
		return s, nil
	}
	return s, err
}

// UpdateNotificationSettings changes what the account's buyer emails show.
// Errors: validation_error.
func UpdateNotificationSettings(ctx context.Context, e *engine.Engine, acct *kessai.Account, p NotificationSettingsParams) (*kessai.NotificationSettings, error) {
	const op = "notifications.UpdateNotificationSettings"
	if v := p.CustomerServiceEmail; v != nil && *v != "" {
		if len(*v) > MaxCustomerServiceEmail {
			return nil, kessai.Invalidf(op, "customer_service_email", "String should have at most %d characters", MaxCustomerServiceEmail)
		}
		if a, err := mail.ParseAddress(*v); err != nil || a.Address != *v {
			return nil, kessai.Invalidf(op, "customer_service_email", "Input should be an email address (name@example.com)")
		}
	}
	if v := p.CustomerServicePhone; v != nil {
		if utf8.RuneCountInString(*v) > MaxCustomerServicePhone || strings.TrimLeft(*v, "0123456789+-() ") != "" {
			return nil, kessai.Invalidf(op, "customer_service_phone", "Input should be a phone number of at most %d digits, spaces and + - ( )", MaxCustomerServicePhone)
		}
	}
	if err := engine.CheckLen(op, "customer_service_note", p.CustomerServiceNote, MaxCustomerServiceNote); err != nil {
		return nil, err
	}
	res, err := e.Write(ctx, acct, op, func(w *engine.W) (any, error) {
		s, err := notificationSettings(w.Ctx(), w.Tx(), w.Account().ID)
		if err != nil {
			return nil, err
		}
		isNew := s.UpdatedAt.IsZero()
		for dst, src := range map[*string]*string{&s.CustomerServiceEmail: p.CustomerServiceEmail,
			&s.CustomerServicePhone: p.CustomerServicePhone, &s.CustomerServiceNote: p.CustomerServiceNote} {
			if src != nil {
				*dst = *src
			}
		}
		s.UpdatedAt = w.Now()
		if isNew {
			return s, w.Tx().Insert(w.Ctx(), s)
		}
		return s, w.Tx().Put(w.Ctx(), s)
	})
	if err != nil {
		return nil, err
	}
	return res.(*kessai.NotificationSettings), nil
}

// RefundCompletedEmail writes the buyer's email about a Completed Amazon
// refund of order o: pending with its send job when this engine can send
// email, else kept in the outbox only.
func RefundCompletedEmail(w *engine.W, o *kessai.Payment, r *kessai.Refund) error {
	s, err := notificationSettings(w.Ctx(), w.Tx(), w.Account().ID)
	if err != nil {
		return err
	}
	subject, body, locale := refundEmailText(w.Account().MWS.Region, o, r, s)
	m := &kessai.Email{AccountID: w.Account().ID, ID: kessai.NewID(kessai.PrefixEmail), Livemode: w.Account().Livemode,
		Kind: kessai.EmailRefundCompleted, To: o.Order.Buyer.Email, ReplyTo: s.CustomerServiceEmail, Subject: subject, Body: body,
		Locale: locale, PaymentID: o.ID, RefundID: r.ID, Status: kessai.EmailStored, Attempts: []kessai.DeliveryAttempt{},
		CreatedAt: w.Now(), UpdatedAt: w.Now()}
	switch {
	case m.To == "":
		m.Status, m.FailureReason = kessai.EmailFailed, "the buyer has no email address"
	case w.Engine().Handles(JobSendEmail):
		j, err := w.ScheduleJob(JobSendEmail, emailRef{ID: m.ID}, w.Now())
		if err != nil {
			return err
		}
		m.Status, m.JobID, m.QueuedAt = kessai.EmailPending, j.ID, w.WallNow()
	}
	return w.Tx().Insert(w.Ctx(), m)
}

type emailRef struct {
	ID string `json:"email_id"`
}

// refundEmailLabels are the words of a refund email in one language.
type refundEmailLabels struct {
	locale, subject, greeting, done, amount, order, refund, contact, email, phone, closing string
}

var refundEmailJA = refundEmailLabels{locale: "ja",
	subject:  "Amazon Pay 返金完了のお知らせ（注文番号 %s）",
	greeting: "%s 様",
	done:     "Amazon Pay でお支払いいただいたご注文の返金が完了しました。",
	amount:   "返金額: %s", order: "Amazon 注文番号: %s", refund: "返金番号: %s",
	contact: "このご注文についてのお問い合わせは、出品者のカスタマーサービスまでご連絡ください。",
	email:   "メールアドレス: %s", phone: "電話番号: %s",
	closing: "返金は、ご注文時のお支払い方法に対して行われます。反映までに数日かかる場合があります。"}

var refundEmailEN = refundEmailLabels{locale: "en",
	subject:  "Your Amazon Pay refund for order %s",
	greeting: "Hello %s,",
	done:     "A refund for your order paid with Amazon Pay has been completed.",
	amount:   "Refund amount: %s", order: "Amazon order reference: %s", refund: "Refund: %s",
	contact: "For questions about this order, please contact the seller's customer service.",
	email:   "Email: %s", phone: "Phone: %s",
	closing: "The refund goes back to the payment method used for the order; it may take a few days to appear."}

// refundEmailText is the subject and plain-text body of a refund email, in
// Japanese for Japanese sellers (region jp) and in English otherwise.
func refundEmailText(region string, o *kessai.Payment, r *kessai.Refund, s *kessai.NotificationSettings) (subject, body, locale string) {
	l := refundEmailEN
	if region == "" || region == "jp" {
		l = refundEmailJA
	}
	var b strings.Builder
	line := func(format string, args ...any) { fmt.Fprintf(&b, format+"\n", args...) }
	if name := o.Order.Buyer.Name; name != "" {
		line(l.greeting, name)
		line("")
	}
	line("%s", l.done)
	line("")
	line(l.amount, DisplayAmount(r.Amount, r.Currency))
	line(l.order, o.ID)
	line(l.refund, r.ID)
	if s.CustomerServiceEmail != "" || s.CustomerServicePhone != "" || s.CustomerServiceNote != "" {
		line("")
		line("%s", l.contact)
		if s.CustomerServiceEmail != "" {
			line(l.email, s.CustomerServiceEmail)
		}
		if s.CustomerServicePhone != "" {
			line(l.phone, s.CustomerServicePhone)
		}
		if s.CustomerServiceNote != "" {
			line("")
			line("%s", s.CustomerServiceNote)
		}
	}
	line("")
	line("%s", l.closing)
	return fmt.Sprintf(l.subject, o.ID), b.String(), l.locale
}

// DisplayAmount formats minor units of a currency for people: ¥1,200,
// $94.50, €10.00, £3.05.
func DisplayAmount(n int64, currency string) string {
	cur, ok := kessai.LookupCurrency(currency)
	if !ok {
		return fmt.Sprintf("%d %s", n, strings.ToUpper(currency))
	}
	s := kessai.FormatDecimalAmount(n, cur)
	sign := ""
	if strings.HasPrefix(s, "-") {
		sign, s = "-", s[1:]
	}
	whole, frac, hasFrac := strings.Cut(s, ".")
	var g strings.Builder
	for i, c := range whole {
		if i > 0 && (len(whole)-i)%3 == 0 {
			g.WriteByte(',')
		}
		g.WriteRune(c)
	}
	if hasFrac {
		g.WriteString("." + frac)
	}
	symbol := map[string]string{"jpy": "¥", "usd": "$", "eur": "€", "gbp": "£"}[cur.Code]
	return sign + symbol + g.String()
}

// ListEmails pages through the account's outbox, newest first; status
// filters. Errors: validation_error, resource_missing.
func ListEmails(ctx context.Context, e *engine.Engine, acct *kessai.Account, status string, page kessai.Page) ([]*kessai.Email, bool, error) {
	const op = "notifications.ListEmails"
	if status != "" && !engine.StatusIn(status, kessai.EmailPending, kessai.EmailSent, kessai.EmailFailed, kessai.EmailStored) {
		return nil, false, kessai.Invalidf(op, "status", "Input should be 'pending', 'sent', 'failed' or 'stored'")
	}
	return engine.ListOf[kessai.Email](ctx, e, acct, kessai.KindEmail, map[string]string{"status": status}, page, op, "email")
}

// GetEmail returns an email of the outbox. Errors: not_found.
func GetEmail(ctx context.Context, e *engine.Engine, acct *kessai.Account, id string) (*kessai.Email, error) {
	const op = "notifications.GetEmail"
	var m kessai.Email
	err := e.View(ctx, op, func(tx kessai.Tx) error {
		return engine.Get(ctx, tx, kessai.KindEmail, acct.ID, id, false, &m, op, "email")
	})
	if err != nil {
		return nil, err
	}
	return &m, nil
}

// LoadEmail reads the email that job jobID is to send; nil when it is no
// longer pending or another job sends it.
func LoadEmail(ctx context.Context, e *engine.Engine, accountID, id, jobID string) (*kessai.Email, error) {
	const op = "notifications.LoadEmail"
	var m kessai.Email
	err := e.View(ctx, op, func(tx kessai.Tx) error {
		return tx.Get(ctx, kessai.KindEmail, accountID, id, false, &m)
	})
	if err != nil {
		return nil, err
	}
	if m.Status != kessai.EmailPending || m.JobID != jobID {
		return nil, nil
	}
	return &m, nil
}

// RecordEmailAttempt adds an attempt to an email's log and returns its
// status after it: sent when the attempt succeeded, failed when it was the
// last, else still pending.
func RecordEmailAttempt(ctx context.Context, e *engine.Engine, accountID, id, jobID string, a kessai.DeliveryAttempt, sent, final bool) (string, error) {
	const op = "notifications.RecordEmailAttempt"
	res, err := e.Write(ctx, &kessai.Account{ID: accountID}, op, func(w *engine.W) (any, error) {
		var m kessai.Email
		if err := w.Tx().Get(w.Ctx(), kessai.KindEmail, accountID, id, true, &m); err != nil {
			return nil, err
		}
		m.Attempts = append(m.Attempts, a)
		if n := len(m.Attempts); n > maxAttemptLog {
			m.Attempts = m.Attempts[n-maxAttemptLog:]
		}
		m.UpdatedAt = w.Now()
		if m.Status == kessai.EmailPending && m.JobID == jobID {
			switch {
			case sent:
				m.Status = kessai.EmailSent
			case final:
				m.Status, m.FailureReason = kessai.EmailFailed, fmt.Sprintf("not sent after %d attempts", len(m.Attempts))
			}
		}
		return m.Status, w.Tx().Put(w.Ctx(), &m)
	})
	if err != nil {
		return "", err
	}
	return res.(string), nil
}
