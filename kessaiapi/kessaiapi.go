// Package kessaiapi is kessai's own API under /kessai/v1: what PAY.JP's API
// leaves to a dashboard or to the buyer's browser. The test clock, the
// simulated buyer's approve/decline of a flow waiting for action, the
// buyer-facing checkout page that next_action redirects to, and the webhook
// endpoints that receive the account's events. It stands beside
// the PAY.JP face on the same JSON plumbing (package jsonapi): secret-key
// authentication, Idempotency-Key and problem+json errors.
package kessaiapi

import (
	"context"
	"html/template"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/kessai/kessai"
	"github.com/kessai/kessai/amazonorder"
	"github.com/kessai/kessai/engine"
	"github.com/kessai/kessai/jsonapi"
	"github.com/kessai/kessai/payjpflow"
)

// API serves /kessai/v1.
type API struct {
	Face *jsonapi.Face
}

// New returns the API. renderFlow renders the payment flows that approve
// and decline answer with (the PAY.JP face's rendering, so that a client
// sees one shape).
func New(e *engine.Engine, log *slog.Logger, renderFlow func(any) (any, error)) *API {
	render := func(v any) (any, error) {
		if out, ok := renderNotify(v); ok {
			return out, nil
		}
		switch x := v.(type) {
		case *engine.ClockAdvance:
			return clockJSON{Now: x.Now.Format(time.RFC3339)}, nil
		case *kessai.Payment:
			if x.Kind == kessai.PaymentOrderReference {
				return orderJSONOf(x), nil
			}
		case *kessai.Capture:
			return captureJSON{Object: "amazon_capture", AmazonCaptureID: x.ID, State: amazonState(x.State), Chargeback: x.Chargeback}, nil
		}
		return renderFlow(v)
	}
	return &API{Face: jsonapi.NewFace(e, log, render)}
}

// MaxAdvance bounds one clock advance (ten years).
const MaxAdvance = 10 * 366 * 24 * time.Hour

// Register adds the routes to mux.
func (a *API) Register(mux jsonapi.Router) {
	mux.HandleFunc("GET /kessai/v1/clock", a.Face.Get(a.clock))
	mux.HandleFunc("POST /kessai/v1/clock/advance", a.Face.Post(a.advance))
	mux.HandleFunc("POST /kessai/v1/payment_flows/{id}/approve", a.Face.Post(a.approve))
	mux.HandleFunc("POST /kessai/v1/payment_flows/{id}/decline", a.Face.Post(a.decline))
	mux.HandleFunc("POST /kessai/v1/setup_flows/{id}/confirm", a.Face.Post(a.confirmSetupFlow))
	mux.HandleFunc("POST /kessai/v1/amazon/order_references", a.Face.Post(a.createOrder))
	mux.HandleFunc("POST /kessai/v1/amazon/captures/{id}/chargeback", a.Face.Post(a.chargeback))
	a.registerNotify(mux)
	a.registerAccounting(mux)
	mux.HandleFunc("GET /kessai/v1/checkout/{account}/{id}", a.checkoutPage)
	mux.HandleFunc("POST /kessai/v1/checkout/{account}/{id}", a.checkoutSubmit)
	a.registerCheckoutSessions(mux)
	mux.HandleFunc("/kessai/", func(w http.ResponseWriter, r *http.Request) {
		jsonapi.WriteProblem(w, r, kessai.Errorf(kessai.NotFound, "kessaiapi", "No route for %s %s.", r.Method, r.URL.Path))
	})
}

type clockJSON struct {
	Now string `json:"now"`
}

func (a *API) clock(ctx context.Context, acct *kessai.Account, r *http.Request) (any, error) {
	now, err := a.Face.E.ClockNow(ctx, acct)
	if err != nil {
		return nil, err
	}
	return clockJSON{Now: now.Format(time.RFC3339)}, nil
}

func (a *API) advance(ctx context.Context, e *engine.Engine, acct *kessai.Account, r *http.Request, body []byte) (any, error) {
	const op = "kessaiapi.advance"
	var req struct {
		Seconds jsonapi.Int `json:"seconds"`
	}
	if err := jsonapi.DecodeJSON(body, &req); err != nil {
		return nil, err
	}
	if !req.Seconds.Set {
		return nil, kessai.Invalidf(op, "seconds", "Field required")
	}
	if req.Seconds.V < 1 || time.Duration(req.Seconds.V) > MaxAdvance/time.Second {
		return nil, kessai.Invalidf(op, "seconds", "Input should be between 1 and %d", int64(MaxAdvance/time.Second))
	}
	return e.Advance(ctx, acct, time.Duration(req.Seconds.V)*time.Second)
}

func flowID(r *http.Request) (string, error) {
	id := r.PathValue("id")
	if !kessai.ValidID(kessai.PrefixPaymentFlow, id) {
		return "", kessai.Errorf(kessai.NotFound, "kessaiapi", "payment_flow: %s not found.", id)
	}
	return id, nil
}

func (a *API) approve(ctx context.Context, e *engine.Engine, acct *kessai.Account, r *http.Request, body []byte) (any, error) {
	id, err := flowID(r)
	if err != nil {
		return nil, err
	}
	if err := jsonapi.DecodeJSON(body, &struct{}{}); err != nil {
		return nil, err
	}
	return payjpflow.ApprovePaymentFlow(e, ctx, acct, id)
}

func (a *API) decline(ctx context.Context, e *engine.Engine, acct *kessai.Account, r *http.Request, body []byte) (any, error) {
	id, err := flowID(r)
	if err != nil {
		return nil, err
	}
	if err := jsonapi.DecodeJSON(body, &struct{}{}); err != nil {
		return nil, err
	}
	return payjpflow.DeclinePaymentFlow(e, ctx, acct, id)
}

// page is the simulated buyer's approval page, in Japanese (kessai's
// merchants' and their buyers' language) with English beside it.
var page = template.Must(template.New("checkout").Parse(`<!doctype html>
<html lang="ja"><head><meta charset="utf-8"><title>kessai テスト決済 / test payment</title>
<style>body{font-family:sans-serif;max-width:32em;margin:3em auto}button{font-size:1.1em;margin-right:1em;padding:.4em 1.2em}.en{color:#555}</style></head>
<body><h1>kessai テスト決済 <span class="en" lang="en">test payment</span></h1>
<p>kessai が模擬する {{.Method}} の承認ページです（テストモード）。<br><span class="en" lang="en">This is kessai's simulated {{.Method}} approval page, in test mode.</span></p>
<p>金額 <span class="en" lang="en">Amount</span>: <strong id="amount">{{.Amount}}</strong> — <code>{{.ID}}</code>, <code>{{.Status}}</code></p>
{{if .Open}}<form method="post">
<input type="hidden" name="client_secret" value="{{.Secret}}">
<button name="action" value="approve">承認する / Approve</button>
<button name="action" value="decline">拒否する / Decline</button>
</form>{{else}}<p>この決済はもう購入者の操作を待っていません。<br><span class="en" lang="en">Nothing to do: the flow is no longer waiting for the customer.</span></p>{{end}}
</body></html>`))

// displayAmount writes an amount as a buyer reads it: ¥1,234, or the
// currency's decimal amount and code (12.34 USD).
func displayAmount(amount int64, currency string) string {
	cur, ok := kessai.LookupCurrency(currency)
	if !ok {
		return strconv.FormatInt(amount, 10) + " " + strings.ToUpper(currency)
	}
	if strings.EqualFold(currency, "jpy") {
		s := strconv.FormatInt(amount, 10)
		for i := len(s) - 3; i > 0 && s[i-1] != '-'; i -= 3 {
			s = s[:i] + "," + s[i:]
		}
		return "¥" + s
	}
	return kessai.FormatDecimalAmount(amount, cur) + " " + strings.ToUpper(currency)
}

func (a *API) checkoutPage(w http.ResponseWriter, r *http.Request) {
	if strings.HasPrefix(r.PathValue("id"), kessai.PrefixSetupFlow) {
		a.setupFlowPage(w, r)
		return
	}
	_, p, err := payjpflow.CheckoutFlow(a.Face.E, r.Context(), r.PathValue("account"), r.PathValue("id"), r.URL.Query().Get("client_secret"))
	if err != nil {
		jsonapi.WriteProblem(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	_ = page.Execute(w, map[string]any{"Method": p.PaymentMethodType, "Amount": displayAmount(p.Amount, p.Currency), "ID": p.ID,
		"Status": p.Status, "Open": p.Status == kessai.StatusRequiresAction, "Secret": p.ClientSecret})
}

func (a *API) checkoutSubmit(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 8<<10)
	if err := r.ParseForm(); err != nil {
		jsonapi.WriteProblem(w, r, kessai.Invalidf("kessaiapi.checkout", "body", "Unreadable form."))
		return
	}
	if strings.HasPrefix(r.PathValue("id"), kessai.PrefixSetupFlow) {
		a.setupFlowSubmit(w, r)
		return
	}
	acct, p, err := payjpflow.CheckoutFlow(a.Face.E, r.Context(), r.PathValue("account"), r.PathValue("id"), r.PostForm.Get("client_secret"))
	if err != nil {
		jsonapi.WriteProblem(w, r, err)
		return
	}
	switch r.PostForm.Get("action") {
	case "approve":
		p, err = payjpflow.ApprovePaymentFlow(a.Face.E, r.Context(), acct, p.ID)
	case "decline":
		p, err = payjpflow.DeclinePaymentFlow(a.Face.E, r.Context(), acct, p.ID)
	default:
		err = kessai.Invalidf("kessaiapi.checkout", "action", "Input should be 'approve' or 'decline'")
	}
	if err != nil {
		jsonapi.WriteProblem(w, r, err)
		return
	}
	if p.ReturnURL != nil {
		u, perr := url.Parse(*p.ReturnURL)
		if perr == nil {
			q := u.Query()
			q.Set("payment_flow_id", p.ID)
			q.Set("payment_flow_client_secret", p.ClientSecret)
			u.RawQuery = q.Encode()
			http.Redirect(w, r, u.String(), http.StatusSeeOther)
			return
		}
	}
	http.Redirect(w, r, r.URL.Path+"?client_secret="+url.QueryEscape(p.ClientSecret), http.StatusSeeOther)
}

// orderJSON is an order reference as kessai's sandbox buyer API shows it.
type orderJSON struct {
	Object                 string          `json:"object"`
	AmazonOrderReferenceID string          `json:"amazon_order_reference_id"`
	State                  string          `json:"state"`
	Amount                 int64           `json:"amount"`
	Currency               string          `json:"currency"`
	Buyer                  kessai.Buyer    `json:"buyer"`
	Destination            *kessai.Address `json:"destination"`
	CreatedAt              string          `json:"created_at"`
	ExpiresAt              string          `json:"expires_at"`
}

func orderJSONOf(p *kessai.Payment) orderJSON {
	return orderJSON{Object: "amazon_order_reference", AmazonOrderReferenceID: p.ID, State: amazonState(p.State), Amount: p.Amount,
		Currency: p.Currency, Buyer: p.Order.Buyer, Destination: p.Order.Destination,
		CreatedAt: p.CreatedAt.Format(time.RFC3339), ExpiresAt: p.Order.ExpiresAt.Format(time.RFC3339)}
}

type captureJSON struct {
	Object          string `json:"object"`
	AmazonCaptureID string `json:"amazon_capture_id"`
	State           string `json:"state"`
	Chargeback      bool   `json:"chargeback"`
}

func amazonState(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// createOrder is the simulated buyer starting an Amazon Pay checkout: a
// Draft order reference the seller's MWS calls then work on.
func (a *API) createOrder(ctx context.Context, e *engine.Engine, acct *kessai.Account, r *http.Request, body []byte) (any, error) {
	var req struct {
		Amount   jsonapi.Int `json:"amount"`
		Currency *string     `json:"currency"`
		Buyer    *struct {
			Name  string `json:"name"`
			Email string `json:"email"`
			Phone string `json:"phone"`
		} `json:"buyer"`
		Destination *kessai.Address `json:"destination"`
	}
	if err := jsonapi.DecodeJSON(body, &req); err != nil {
		return nil, err
	}
	p := amazonorder.OrderReferenceParams{Amount: req.Amount.Ptr(), Destination: req.Destination}
	if req.Currency != nil {
		p.Currency = *req.Currency
	}
	if req.Buyer != nil {
		p.Buyer = kessai.Buyer{Name: req.Buyer.Name, Email: req.Buyer.Email, Phone: req.Buyer.Phone}
	}
	return amazonorder.CreateOrderReference(ctx, e, acct, p)
}

// chargeback files an A-to-z guarantee claim or chargeback on a capture.
func (a *API) chargeback(ctx context.Context, e *engine.Engine, acct *kessai.Account, r *http.Request, body []byte) (any, error) {
	if err := jsonapi.DecodeJSON(body, &struct{}{}); err != nil {
		return nil, err
	}
	return amazonorder.Chargeback(ctx, e, acct, r.PathValue("id"))
}

// confirmSetupFlow is the simulated customer entering a card for a setup
// flow, as payjp.js does with the publishable key in real life.
func (a *API) confirmSetupFlow(ctx context.Context, e *engine.Engine, acct *kessai.Account, r *http.Request, body []byte) (any, error) {
	id := r.PathValue("id")
	if !kessai.ValidID(kessai.PrefixSetupFlow, id) {
		return nil, kessai.Errorf(kessai.NotFound, "kessaiapi", "setup_flow: %s not found.", id)
	}
	var req struct {
		PaymentMethodID *string `json:"payment_method_id"`
	}
	if err := jsonapi.DecodeJSON(body, &req); err != nil {
		return nil, err
	}
	if req.PaymentMethodID == nil {
		return nil, kessai.Invalidf("kessaiapi.confirmSetupFlow", "payment_method_id", "Field required")
	}
	if !kessai.ValidID(kessai.PrefixPaymentMethod, *req.PaymentMethodID) {
		return nil, kessai.Errorf(kessai.NotFound, "kessaiapi", "payment_method: %s not found.", *req.PaymentMethodID)
	}
	return payjpflow.ConfirmSetupFlow(e, ctx, acct, id, *req.PaymentMethodID)
}
