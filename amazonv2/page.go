package amazonv2

import (
	"html/template"
	"net/http"
	"net/url"

	"github.com/kessai/kessai"
	"github.com/kessai/kessai/amazonpay"
	"github.com/kessai/kessai/jsonapi"
)

// The sandbox buyer's page: where amazonPayRedirectUrl sends the buyer of
// a test-mode checkout session. Its form POSTs payment_method=<suffix>,
// one of Amazon's simulated payment methods, and the answer is 303 to the
// session's checkoutResultReturnUrl with amazonCheckoutSessionId; a
// script may POST the form itself. The account and the session id in the
// path are the page's credential, as Amazon's own pages know the session.

var pageTemplate = template.Must(template.New("page").Parse(`<!doctype html>
<html lang="ja"><head><meta charset="utf-8"><title>Amazon Pay (kessai sandbox)</title></head>
<body><h1>Amazon Pay — kessai sandbox</h1>
<p>{{.Buyer}} / {{.Amount}}</p>
<form method="post">
<label><input type="radio" name="payment_method" value="1111" checked> Visa ****1111 (paid)</label><br>
<label><input type="radio" name="payment_method" value="3064"> ****3064 (the buyer cancels)</label><br>
<label><input type="radio" name="payment_method" value="3434"> ****3434 (declined)</label><br>
<label><input type="radio" name="payment_method" value="0701"> ****0701 (pending, then authorized)</label><br>
<label><input type="radio" name="payment_method" value="4354"> ****4354 (pending, then declined)</label><br>
<button type="submit">Continue</button>
</form></body></html>`))

func (f *Face) pageSession(w http.ResponseWriter, r *http.Request) (*kessai.Account, string, bool) {
	acct, err := f.E.AccountByID(r.Context(), r.PathValue("account"))
	if err != nil || acct.Livemode {
		jsonapi.WriteProblem(w, r, kessai.Errorf(kessai.NotFound, "amazonv2.BuyerPage", "No checkout session here."))
		return nil, "", false
	}
	return acct, r.PathValue("session"), true
}

func (f *Face) buyerPage(w http.ResponseWriter, r *http.Request) {
	acct, id, ok := f.pageSession(w, r)
	if !ok {
		return
	}
	p, err := amazonpay.GetCheckoutSession(r.Context(), f.E, acct, id)
	if err != nil {
		jsonapi.WriteProblem(w, r, err)
		return
	}
	s, err := amazonpay.SessionOf(p)
	if err != nil || !s.Ready() || s.State != amazonpay.SessionOpen || s.PaymentMethod != "" {
		jsonapi.WriteProblem(w, r, kessai.Errorf(kessai.InvalidStatus, "amazonv2.BuyerPage", "This checkout session is not waiting for the buyer."))
		return
	}
	pr := FormatPrice(*s.ChargeAmount, s.Currency)
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_ = pageTemplate.Execute(w, map[string]string{"Buyer": amazonpay.SandboxBuyer(acct).Name, "Amount": pr.Amount + " " + pr.CurrencyCode})
}

func (f *Face) buyerApprove(w http.ResponseWriter, r *http.Request) {
	acct, id, ok := f.pageSession(w, r)
	if !ok {
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, 4096)
	if err := r.ParseForm(); err != nil {
		jsonapi.WriteProblem(w, r, kessai.Invalidf("amazonv2.BuyerApprove", "payment_method", "The form could not be read."))
		return
	}
	p, err := amazonpay.ApproveCheckoutSession(r.Context(), f.E, acct, id, r.PostForm.Get("payment_method"))
	if err != nil {
		jsonapi.WriteProblem(w, r, err)
		return
	}
	s, err := amazonpay.SessionOf(p)
	if err != nil {
		jsonapi.WriteProblem(w, r, kessai.WrapInternal("amazonv2.BuyerApprove", err))
		return
	}
	u, err := url.Parse(s.ResultReturnURL)
	if err != nil {
		jsonapi.WriteProblem(w, r, kessai.Invalidf("amazonv2.BuyerApprove", "checkoutResultReturnUrl", "The session's checkoutResultReturnUrl is not a URL."))
		return
	}
	q := u.Query()
	q.Set("amazonCheckoutSessionId", s.ID)
	u.RawQuery = q.Encode()
	http.Redirect(w, r, u.String(), http.StatusSeeOther)
}
