package kessaiapi

import (
	"html/template"
	"net/http"
	"net/url"
	"strings"

	"github.com/kessai/kessai"
	"github.com/kessai/kessai/jsonapi"
	"github.com/kessai/kessai/payjpflow"
)

// The hosted page of a checkout session (its url): the simulated buyer
// picks a test card or PayPay and pays, or cancels. Paying completes the
// session through engine.CompleteCheckoutSession and redirects to its
// success_url; cancel redirects to its cancel_url and leaves it open until
// it expires.

func (a *API) registerCheckoutSessions(mux jsonapi.Router) {
	mux.HandleFunc("GET /kessai/v1/checkout/sessions/{account}/{id}", a.sessionPage)
	mux.HandleFunc("POST /kessai/v1/checkout/sessions/{account}/{id}", a.sessionSubmit)
}

// TestCards are the cards the page offers, with what each does.
var TestCards = []struct{ Number, Label string }{
	{"4242424242424242", "Visa 4242 — succeeds"},
	{"5555555555554444", "Mastercard 4444 — succeeds"},
	{"3530111333300000", "JCB 0000 — succeeds"},
	{"4000000000003220", "Visa 3220 — asks for 3-D Secure, passed on this page"},
	{"4000000000080319", "Visa 0319 — declined at charge"},
	{"4000000000000002", "Visa 0002 — refused when entered"},
}

var sessionTmpl = template.Must(template.New("session").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>kessai test checkout</title>
<style>body{font-family:sans-serif;max-width:36em;margin:3em auto}table{border-collapse:collapse;width:100%}td,th{padding:.3em;border-bottom:1px solid #ddd;text-align:left}.n{text-align:right}button{font-size:1.1em;margin-right:1em;padding:.4em 1.2em}.err{color:#b00}</style></head>
<body><h1>kessai test checkout</h1>
<p>This is kessai's simulated hosted checkout page, in test mode: checkout session <code>{{.S.ID}}</code>, mode <code>{{.S.Mode}}</code>, status <code>{{.S.Status}}</code>.</p>
{{if .S.LineItems}}<table><tr><th>item</th><th class="n">quantity</th><th class="n">subtotal</th><th class="n">tax</th><th class="n">total</th></tr>
{{range .S.LineItems}}<tr><td>{{if .Description}}{{.Description}}{{else}}{{.Price.ID}}{{end}}</td><td class="n">{{.Quantity}}</td><td class="n">{{.AmountSubtotal}}</td><td class="n">{{.AmountTax}}</td><td class="n">{{.AmountTotal}}</td></tr>{{end}}
<tr><th>total</th><td></td><td class="n">{{.S.AmountSubtotal}}</td><td></td><th class="n">{{.S.AmountTotal}} {{.S.Currency}}</th></tr></table>{{end}}
{{if .Error}}<p class="err">{{.Error}}</p>{{end}}
{{if .Open}}<form method="post">
<input type="hidden" name="client_secret" value="{{.S.ClientSecret}}">
<p><label>Email <input name="email" type="email" value="{{if .S.CustomerEmail}}{{.S.CustomerEmail}}{{end}}"></label></p>
<p><label>Name <input name="name"></label></p>
<p><label>Pay with <select name="method">
{{if .Card}}{{range .Cards}}<option value="card:{{.Number}}">{{.Label}}</option>{{end}}{{end}}
{{if .PayPay}}<option value="paypay">PayPay — approved</option>{{end}}
</select></label></p>
<button name="action" value="pay">{{if eq .S.Mode "setup"}}Save{{else}}Pay{{end}}</button>
<button name="action" value="cancel">Cancel</button>
</form>{{else}}<p>Nothing to do: the session is {{.S.Status}}.</p>{{end}}
</body></html>`))

func (a *API) renderSession(w http.ResponseWriter, status int, s *kessai.CheckoutSession, msg string) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	has := func(t string) bool {
		for _, x := range s.PaymentMethodTypes {
			if x == t {
				return true
			}
		}
		return false
	}
	_ = sessionTmpl.Execute(w, map[string]any{"S": s, "Open": s.Status == kessai.CheckoutOpen, "Error": msg, "Cards": TestCards,
		"Card": has(kessai.MethodCard), "PayPay": has(kessai.MethodPayPay)})
}

func (a *API) sessionPage(w http.ResponseWriter, r *http.Request) {
	_, s, err := payjpflow.CheckoutSessionPage(a.Face.E, r.Context(), r.PathValue("account"), r.PathValue("id"), r.URL.Query().Get("client_secret"))
	if err != nil {
		jsonapi.WriteProblem(w, r, err)
		return
	}
	a.renderSession(w, http.StatusOK, s, "")
}

func (a *API) sessionSubmit(w http.ResponseWriter, r *http.Request) {
	const op = "kessaiapi.checkoutSession"
	r.Body = http.MaxBytesReader(w, r.Body, 8<<10)
	if err := r.ParseForm(); err != nil {
		jsonapi.WriteProblem(w, r, kessai.Invalidf(op, "body", "Unreadable form."))
		return
	}
	ctx := r.Context()
	acct, s, err := payjpflow.CheckoutSessionPage(a.Face.E, ctx, r.PathValue("account"), r.PathValue("id"), r.PostForm.Get("client_secret"))
	if err != nil {
		jsonapi.WriteProblem(w, r, err)
		return
	}
	switch r.PostForm.Get("action") {
	case "cancel":
		if s.CancelURL != nil {
			http.Redirect(w, r, *s.CancelURL, http.StatusSeeOther)
			return
		}
		a.renderSession(w, http.StatusOK, s, "Canceled: the session stays open until it expires.")
		return
	case "pay":
	default:
		jsonapi.WriteProblem(w, r, kessai.Invalidf(op, "action", "Input should be 'pay' or 'cancel'"))
		return
	}
	buyer := payjpflow.CheckoutBuyer{}
	if v := strings.TrimSpace(r.PostForm.Get("email")); v != "" {
		buyer.Email = &v
	}
	if v := strings.TrimSpace(r.PostForm.Get("name")); v != "" {
		buyer.Name = &v
	}
	params := payjpflow.PaymentMethodParams{Type: kessai.MethodPayPay}
	method := r.PostForm.Get("method")
	if number, ok := strings.CutPrefix(method, "card:"); ok {
		email := "buyer@example.com"
		if buyer.Email != nil {
			email = *buyer.Email
		}
		params = payjpflow.PaymentMethodParams{Type: kessai.MethodCard, Card: &payjpflow.CardParams{Number: number, ExpMonth: 12, ExpYear: 2099, CVC: "123"},
			BillingDetails: kessai.BillingDetails{Email: &email, Name: buyer.Name}}
	} else if method != kessai.MethodPayPay {
		jsonapi.WriteProblem(w, r, kessai.Invalidf(op, "method", "Input should be 'card:NUMBER' or 'paypay'"))
		return
	}
	pm, err := payjpflow.CreatePaymentMethod(a.Face.E, ctx, acct, params)
	if err == nil {
		buyer.PaymentMethodID = pm.ID
		s, err = payjpflow.CompleteCheckoutSession(a.Face.E, ctx, acct, s.ID, buyer)
	}
	if err != nil {
		status, _ := jsonapi.ProblemOf(err, r.URL.Path)
		if status >= 500 {
			jsonapi.WriteProblem(w, r, err)
			return
		}
		if fresh, _, gerr := a.sessionAgain(r, acct); gerr == nil {
			s = fresh
		}
		a.renderSession(w, status, s, kessai.ErrorMessage(err))
		return
	}
	if s.SuccessURL != nil {
		http.Redirect(w, r, strings.ReplaceAll(*s.SuccessURL, "{CHECKOUT_SESSION_ID}", url.QueryEscape(s.ID)), http.StatusSeeOther)
		return
	}
	http.Redirect(w, r, r.URL.Path+"?client_secret="+url.QueryEscape(s.ClientSecret), http.StatusSeeOther)
}

// sessionAgain reads the session after a refused attempt (a declined card
// is recorded on it).
func (a *API) sessionAgain(r *http.Request, acct *kessai.Account) (*kessai.CheckoutSession, *kessai.Account, error) {
	s, err := payjpflow.GetCheckoutSession(a.Face.E, r.Context(), acct, r.PathValue("id"))
	return s, acct, err
}

// The 3-D Secure page of a setup flow that waits for its buyer
// (next_action of a requires_action setup flow): the same route as a
// payment flow's approval page, told apart by the id.

var setupTmpl = template.Must(template.New("setup").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>kessai test 3-D Secure</title>
<style>body{font-family:sans-serif;max-width:32em;margin:3em auto}button{font-size:1.1em;margin-right:1em;padding:.4em 1.2em}</style></head>
<body><h1>kessai test 3-D Secure</h1>
<p>This is kessai's simulated card issuer asking the buyer to confirm saving a card, in test mode:
setup flow <code>{{.ID}}</code>, status <code>{{.Status}}</code>.</p>
{{if .Open}}<form method="post">
<input type="hidden" name="client_secret" value="{{.ClientSecret}}">
<button name="action" value="approve">Approve</button>
<button name="action" value="decline">Decline</button>
</form>{{else}}<p>Nothing to do: the setup flow is no longer waiting for the customer.</p>{{end}}
</body></html>`))

func (a *API) setupFlowPage(w http.ResponseWriter, r *http.Request) {
	_, f, err := payjpflow.CheckoutSetupFlow(a.Face.E, r.Context(), r.PathValue("account"), r.PathValue("id"), r.URL.Query().Get("client_secret"))
	if err != nil {
		jsonapi.WriteProblem(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	_ = setupTmpl.Execute(w, map[string]any{"ID": f.ID, "Status": f.Status, "Open": f.Status == kessai.StatusRequiresAction,
		"ClientSecret": f.ClientSecret})
}

func (a *API) setupFlowSubmit(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	acct, f, err := payjpflow.CheckoutSetupFlow(a.Face.E, ctx, r.PathValue("account"), r.PathValue("id"), r.PostForm.Get("client_secret"))
	if err != nil {
		jsonapi.WriteProblem(w, r, err)
		return
	}
	switch r.PostForm.Get("action") {
	case "approve":
		f, err = payjpflow.ApproveSetupFlow(a.Face.E, ctx, acct, f.ID)
	case "decline":
		f, err = payjpflow.DeclineSetupFlow(a.Face.E, ctx, acct, f.ID)
	default:
		err = kessai.Invalidf("kessaiapi.checkout", "action", "Input should be 'approve' or 'decline'")
	}
	if err != nil {
		jsonapi.WriteProblem(w, r, err)
		return
	}
	if f.ReturnURL != nil {
		if u, perr := url.Parse(*f.ReturnURL); perr == nil {
			q := u.Query()
			q.Set("setup_flow_id", f.ID)
			u.RawQuery = q.Encode()
			http.Redirect(w, r, u.String(), http.StatusSeeOther)
			return
		}
	}
	http.Redirect(w, r, r.URL.Path+"?client_secret="+url.QueryEscape(f.ClientSecret), http.StatusSeeOther)
}
