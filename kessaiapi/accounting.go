package kessaiapi

import (
	"context"
	"encoding/csv"
	"html/template"
	"net/http"
	"strconv"
	"time"

	"github.com/kessai/kessai"
	"github.com/kessai/kessai/accounting"
	"github.com/kessai/kessai/engine"
	"github.com/kessai/kessai/jsonapi"
)

// The accounting sandbox: an account's fee rates, the buyer's network
// opening and deciding payment disputes, and the pages that statement and
// balance URLs point to.

func (a *API) registerAccounting(mux jsonapi.Router) {
	mux.HandleFunc("GET /kessai/v1/fee_rates", a.Face.Get(a.feeRates))
	mux.HandleFunc("POST /kessai/v1/fee_rates", a.Face.Post(a.setFeeRates))
	mux.HandleFunc("POST /kessai/v1/payment_flows/{id}/dispute", a.Face.Post(a.openDispute))
	mux.HandleFunc("POST /kessai/v1/payment_disputes/{id}/advance", a.Face.Post(a.advanceDispute))
	mux.HandleFunc("GET /kessai/v1/reports/{token}", a.reportPage)
	mux.HandleFunc("GET /kessai/v1/reports/{token}/csv", a.reportCSV)
}

// feeRatesJSON shows each method type's rate as a decimal percentage and
// exactly, in ten-thousandths of a percent.
type feeRatesJSON struct {
	Object string                 `json:"object"`
	Rates  map[string]feeRateJSON `json:"rates"`
}

type feeRateJSON struct {
	FeeRate   string `json:"fee_rate"`
	FeeRateE4 int64  `json:"fee_rate_e4"`
}

func feeRatesOf(rates map[string]int64) feeRatesJSON {
	out := feeRatesJSON{Object: "fee_rates", Rates: map[string]feeRateJSON{}}
	for m, r := range rates {
		out.Rates[m] = feeRateJSON{FeeRate: accounting.FormatFeeRate(r), FeeRateE4: r}
	}
	return out
}

func (a *API) feeRates(ctx context.Context, acct *kessai.Account, r *http.Request) (any, error) {
	rates, err := accounting.FeeRates(a.Face.E, ctx, acct)
	if err != nil {
		return nil, err
	}
	return feeRatesOf(rates), nil
}

// setFeeRates takes {"card": "3.2", "paypay": "3.45"}: decimal strings, so
// that no rate passes through a float.
func (a *API) setFeeRates(ctx context.Context, e *engine.Engine, acct *kessai.Account, r *http.Request, body []byte) (any, error) {
	var req map[string]string
	if err := jsonapi.DecodeJSON(body, &req); err != nil {
		return nil, err
	}
	rates, err := accounting.SetFeeRates(e, ctx, acct, req)
	if err != nil {
		return nil, err
	}
	return feeRatesOf(rates), nil
}

func (a *API) openDispute(ctx context.Context, e *engine.Engine, acct *kessai.Account, r *http.Request, body []byte) (any, error) {
	id := r.PathValue("id")
	if !kessai.ValidID(kessai.PrefixPaymentFlow, id) {
		return nil, kessai.Errorf(kessai.NotFound, "kessaiapi", "payment_flow: %s not found.", id)
	}
	var req struct {
		Reason   *string         `json:"reason"`
		Amount   jsonapi.Int     `json:"amount"`
		Status   *string         `json:"status"`
		Metadata kessai.Metadata `json:"metadata"`
	}
	if err := jsonapi.DecodeJSON(body, &req); err != nil {
		return nil, err
	}
	p := accounting.DisputeParams{PaymentFlowID: id, Amount: req.Amount.Ptr(), Status: req.Status, Metadata: req.Metadata, Reason: "fraudulent"}
	if req.Reason != nil {
		p.Reason = *req.Reason
	}
	return accounting.OpenDispute(e, ctx, acct, p)
}

func (a *API) advanceDispute(ctx context.Context, e *engine.Engine, acct *kessai.Account, r *http.Request, body []byte) (any, error) {
	id := r.PathValue("id")
	if !kessai.ValidID(kessai.PrefixDispute, id) {
		return nil, kessai.Errorf(kessai.NotFound, "kessaiapi", "payment_dispute: %s not found.", id)
	}
	var req struct {
		Status *string `json:"status"`
	}
	if err := jsonapi.DecodeJSON(body, &req); err != nil {
		return nil, err
	}
	if req.Status == nil {
		return nil, kessai.Invalidf("kessaiapi.advanceDispute", "status", "Field required")
	}
	return accounting.AdvanceDispute(e, ctx, acct, id, *req.Status)
}

var reportPage = template.Must(template.New("report").Funcs(template.FuncMap{
	"yen":  func(n int64) string { return formatYen(n) },
	"date": func(t time.Time) string { return t.In(kessai.Tokyo).Format("2006-01-02") },
	"datep": func(t *time.Time) string {
		if t == nil {
			return "—"
		}
		return t.In(kessai.Tokyo).Format("2006-01-02")
	},
}).Parse(`<!doctype html>
<html lang="ja"><head><meta charset="utf-8"><title>{{if .Balance}}Balance {{.Balance.ID}}{{else}}Statement{{end}} — kessai</title>
<style>body{font-family:sans-serif;max-width:40em;margin:2em auto}table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #ccc;padding:.3em;text-align:left}td.n{text-align:right;font-variant-numeric:tabular-nums}</style></head>
<body>
<h1>{{.Account.Name}}</h1>
{{with .Balance}}<p>Balance <code>{{.ID}}</code>: <strong>{{.State}}</strong>, net <strong>{{yen .Net}}</strong>, due {{date .DueDate}}{{if .Closed}}, closed {{datep .ClosedDate}}{{end}}</p>{{end}}
{{range .Statements}}{{$t := index $.Terms .TermID}}
<h2>Statement <code>{{.ID}}</code> ({{.Type}})</h2>
<p>Term {{date $t.StartAt}} – {{datep $t.EndAt}} (end exclusive, Japan time)</p>
<table><tr><th>subject</th><th>amount</th></tr>
{{range .Items}}<tr><td>{{.Subject}}</td><td class="n">{{yen .Amount}}</td></tr>
{{end}}<tr><th>net</th><td class="n"><strong>{{yen .Net}}</strong></td></tr></table>
{{end}}
</body></html>
`))

// formatYen writes whole yen with thousands separators: ¥-1,234.
func formatYen(n int64) string {
	s := strconv.FormatInt(n, 10)
	sign := ""
	if n < 0 {
		sign, s = "-", s[1:]
	}
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return "¥" + sign + s
}

// reportPage serves the page a statement or balance URL points to; the
// signed, expiring token in the URL is its only credential.
func (a *API) reportPage(w http.ResponseWriter, r *http.Request) {
	rep, err := accounting.OpenReport(a.Face.E, r.Context(), r.PathValue("token"))
	if err != nil {
		jsonapi.WriteProblem(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	_ = reportPage.Execute(w, rep)
}

// reportCSV serves the same report as CSV: one row per statement item,
// then its net.
func (a *API) reportCSV(w http.ResponseWriter, r *http.Request) {
	rep, err := accounting.OpenReport(a.Face.E, r.Context(), r.PathValue("token"))
	if err != nil {
		jsonapi.WriteProblem(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	cw := csv.NewWriter(w)
	_ = cw.Write([]string{"statement_id", "type", "term_start", "term_end", "subject", "amount"})
	for _, s := range rep.Statements {
		t := rep.Terms[s.TermID]
		end := ""
		if t.EndAt != nil {
			end = t.EndAt.Format(time.RFC3339)
		}
		row := func(subject string, amount int64) {
			_ = cw.Write([]string{s.ID, s.Type, t.StartAt.Format(time.RFC3339), end, subject, strconv.FormatInt(amount, 10)})
		}
		for _, it := range s.Items {
			row(it.Subject, it.Amount)
		}
		row("net", s.Net)
	}
	cw.Flush()
}
