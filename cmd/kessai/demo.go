package main

import (
	"context"
	"fmt"
	"strings"
	"text/template"

	"github.com/kessai/kessai"
	"github.com/kessai/kessai/accounts"
	"github.com/kessai/kessai/engine"
	"github.com/kessai/kessai/payjpflow"
	"github.com/kessai/kessai/server"
)

// demoCmd makes something to look at: an account with a paid card payment,
// a partial refund and a PayPay payment waiting for its buyer, and the curl
// commands that read and move them.
type demoCmd struct {
	database
	Addr string `name:"addr" env:"KESSAI_ADDR" default:"127.0.0.1:8080" placeholder:"HOST:PORT" help:"Where 'kessai serve' listens, for the URLs of the printed commands (default ${default})."`
}

// Help is the long help of 'kessai demo --help'.
func (demoCmd) Help() string {
	return `Creates a test-mode account and, in the database directly (no server needed), a card payment of ¥3,000 refunded ¥1,000 and a PayPay payment of ¥2,000 waiting for the buyer's approval. Then prints the account's keys and curl commands, with the key and the ids filled in, to run against 'kessai serve' on the same database: read the payment and its refunds, advance the account's test clock, approve the PayPay payment, create another.`
}

// demo is what the demo made, for the template.
type demo struct {
	Database, ServeCommand, URL string
	Account                     *accounts.NewAccount
	Card, PayPay                *kessai.Payment
	Refund                      *kessai.Refund
	PayPayMethod                string
}

var demoText = template.Must(template.New("demo").Parse(`A test-mode account in database {{.Database}}:

  account          {{.Account.ID}}
  secret key       {{.Account.SecretKey}}
  publishable key  {{.Account.PublishableKey}}
  webhook token    {{.Account.WebhookToken}}

  card payment     {{.Card.ID}}: ¥{{.Card.Amount}}, {{.Card.Status}}
  refund           {{.Refund.ID}}: ¥{{.Refund.Amount}} of it, {{.Refund.Status}}
  PayPay payment   {{.PayPay.ID}}: ¥{{.PayPay.Amount}}, {{.PayPay.Status}} (the buyer's approval)

Start the server on this database, if it is not running:

  {{.ServeCommand}}

then paste any of these:

# the card payment
curl -s {{.URL}}/v2/payment_flows/{{.Card.ID}} -u {{.Account.SecretKey}}:
# its refund, and the list of its refunds
curl -s {{.URL}}/v2/payment_refunds/{{.Refund.ID}} -u {{.Account.SecretKey}}:
curl -s '{{.URL}}/v2/payment_refunds?payment_flow_id={{.Card.ID}}' -u {{.Account.SecretKey}}:
# move the account's test clock a day ahead: what falls due by then (settlements, expiries) is done when it answers
curl -s {{.URL}}/kessai/v1/clock/advance -u {{.Account.SecretKey}}: -d '{"seconds":86400}'
# approve the PayPay payment as its buyer would
curl -s -X POST {{.URL}}/kessai/v1/payment_flows/{{.PayPay.ID}}/approve -u {{.Account.SecretKey}}:
# another PayPay payment (approve it as above, with its id)
curl -s {{.URL}}/v2/payment_flows -u {{.Account.SecretKey}}: -d '{"amount":2000,"currency":"jpy","payment_method_id":"{{.PayPayMethod}}","confirm":true}'
`))

// Run creates the demo data and prints the commands.
func (c *demoCmd) Run(ctx context.Context, s *streams) error {
	u, err := c.url()
	if err != nil {
		return err
	}
	// The PayPay payment's approval page is on the server to be started.
	base := "http://" + c.Addr
	m := &server.Main{DatabaseURL: u, Log: c.logger(s), Engine: engine.Config{PublicURL: base}}
	if err := m.Open(ctx); err != nil {
		return err
	}
	defer m.Store.Close()
	d := demo{Database: describeDatabase(u), URL: base}
	if d.Account, err = accounts.CreateAccount(m.E, ctx, "demo", false, "jp"); err != nil {
		return err
	}
	acct, err := accounts.Authenticate(m.E, ctx, d.Account.SecretKey)
	if err != nil {
		return err
	}
	email := "buyer@example.com"
	card, err := payjpflow.CreatePaymentMethod(m.E, ctx, acct, payjpflow.PaymentMethodParams{Type: kessai.MethodCard,
		Card:           &payjpflow.CardParams{Number: "4242424242424242", ExpMonth: 12, ExpYear: m.E.Now(acct).Year() + 5, CVC: "123"},
		BillingDetails: kessai.BillingDetails{Email: &email}})
	if err != nil {
		return fmt.Errorf("demo card: %w", err)
	}
	if d.Card, err = payjpflow.CreatePaymentFlow(m.E, ctx, acct, payjpflow.FlowParams{Amount: 3000, Currency: "jpy", Confirm: true,
		PaymentMethodID: &card.ID}); err != nil {
		return fmt.Errorf("demo card payment: %w", err)
	}
	refund := int64(1000)
	if d.Refund, err = payjpflow.CreateRefund(m.E, ctx, acct, payjpflow.RefundParams{PaymentFlowID: d.Card.ID, Amount: &refund}); err != nil {
		return fmt.Errorf("demo refund: %w", err)
	}
	paypay, err := payjpflow.CreatePaymentMethod(m.E, ctx, acct, payjpflow.PaymentMethodParams{Type: kessai.MethodPayPay})
	if err != nil {
		return fmt.Errorf("demo PayPay method: %w", err)
	}
	d.PayPayMethod = paypay.ID
	if d.PayPay, err = payjpflow.CreatePaymentFlow(m.E, ctx, acct, payjpflow.FlowParams{Amount: 2000, Currency: "jpy", Confirm: true,
		PaymentMethodID: &paypay.ID}); err != nil {
		return fmt.Errorf("demo PayPay payment: %w", err)
	}
	d.ServeCommand = "kessai serve --addr " + c.Addr
	if c.DatabaseURL != "" {
		// A SQLite path made absolute works from any directory; a
		// PostgreSQL password stays off the screen (the user has it).
		d.ServeCommand += " --database-url " + shellQuote(describeDatabase(u))
	}
	return demoText.Execute(s.out, d)
}

// shellQuote quotes s for a POSIX shell if it needs it.
func shellQuote(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./:@,+=%") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
