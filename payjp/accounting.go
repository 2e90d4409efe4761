package payjp

import (
	"context"
	"net/http"
	"net/url"
	"time"

	"github.com/kessai/kessai"
	"github.com/kessai/kessai/accounting"
	"github.com/kessai/kessai/engine"
	"github.com/kessai/kessai/jsonapi"
)

// The accounting side of the PAY.JP face: payment disputes, statements
// (+ statement_urls) and balances (+ balance_urls). Statements and balances
// are written when a term closes (see accounting/statements.go).

func (f *Face) registerAccounting(mux jsonapi.Router) {
	mux.HandleFunc("GET /v2/payment_disputes", f.Get(f.listDisputes))
	mux.HandleFunc("GET /v2/payment_disputes/{id}", f.Get(f.getDispute))
	mux.HandleFunc("GET /v2/statements", f.Get(f.listStatements))
	mux.HandleFunc("GET /v2/statements/{id}", f.Get(f.getStatement))
	mux.HandleFunc("POST /v2/statements/{id}/statement_urls", f.Post(f.statementURL))
	mux.HandleFunc("GET /v2/balances", f.Get(f.listBalances))
	mux.HandleFunc("GET /v2/balances/{id}", f.Get(f.getBalance))
	mux.HandleFunc("POST /v2/balances/{id}/balance_urls", f.Post(f.balanceURL))
}

type disputeJSON struct {
	Object            string          `json:"object"`
	ID                string          `json:"id"`
	Livemode          bool            `json:"livemode"`
	PaymentFlowID     string          `json:"payment_flow_id"`
	Amount            int64           `json:"amount"`
	Currency          string          `json:"currency"`
	Status            string          `json:"status"`
	Reason            string          `json:"reason"`
	DueBy             *string         `json:"due_by"`
	PaymentMethodType string          `json:"payment_method_type"`
	Metadata          kessai.Metadata `json:"metadata"`
	CreatedAt         string          `json:"created_at"`
	UpdatedAt         string          `json:"updated_at"`
}

// DisputeJSON renders a payment dispute.
func DisputeJSON(d *kessai.Dispute) any {
	return disputeJSON{Object: "payment_dispute", ID: d.ID, Livemode: d.Livemode, PaymentFlowID: d.PaymentID, Amount: d.Amount,
		Currency: d.Currency, Status: d.Status, Reason: d.Reason, DueBy: tsp(d.DueBy), PaymentMethodType: d.PaymentMethodType,
		Metadata: md(d.Metadata), CreatedAt: ts(d.CreatedAt), UpdatedAt: ts(d.UpdatedAt)}
}

type statementItemJSON struct {
	Subject string  `json:"subject"`
	Name    *string `json:"name"`
	Amount  int64   `json:"amount"`
	TaxRate *string `json:"tax_rate"`
}

type statementJSON struct {
	Object    string              `json:"object"`
	ID        string              `json:"id"`
	Livemode  bool                `json:"livemode"`
	Title     *string             `json:"title"`
	Type      string              `json:"type"`
	Term      any                 `json:"term"`
	BalanceID *string             `json:"balance_id"`
	Items     []statementItemJSON `json:"items"`
	Net       int64               `json:"net"`
	CreatedAt string              `json:"created_at"`
	UpdatedAt string              `json:"updated_at"`
}

// subjectNames are the names statement items show.
var subjectNames = map[string]string{
	kessai.SubjectGrossSales:          "売上",
	kessai.SubjectFee:                 "決済手数料",
	kessai.SubjectGrossRefund:         "返金",
	kessai.SubjectRefundFeeOffset:     "返金による手数料返還",
	kessai.SubjectChargeback:          "チャージバック",
	kessai.SubjectChargebackFeeOffset: "チャージバックによる手数料返還",
}

// StatementJSON renders a statement with its term.
func StatementJSON(s *kessai.Statement, t *kessai.Term) any {
	items := make([]statementItemJSON, len(s.Items))
	for i, it := range s.Items {
		name := subjectNames[it.Subject]
		items[i] = statementItemJSON{Subject: it.Subject, Name: &name, Amount: it.Amount}
	}
	title := "売上明細"
	return statementJSON{Object: "statement", ID: s.ID, Livemode: s.Livemode, Title: &title, Type: s.Type, Term: TermJSON(t),
		BalanceID: nilIfEmpty(s.BalanceID), Items: items, Net: s.Net, CreatedAt: ts(s.CreatedAt), UpdatedAt: ts(s.UpdatedAt)}
}

type bankInfoJSON struct {
	BankCode              string `json:"bank_code"`
	BankBranchCode        string `json:"bank_branch_code"`
	BankAccountType       string `json:"bank_account_type"`
	BankAccountNumber     string `json:"bank_account_number"`
	BankAccountHolderName string `json:"bank_account_holder_name"`
	BankAccountStatus     string `json:"bank_account_status"`
}

type balanceJSON struct {
	Object     string       `json:"object"`
	ID         string       `json:"id"`
	Livemode   bool         `json:"livemode"`
	State      string       `json:"state"`
	Statements []any        `json:"statements"`
	Closed     bool         `json:"closed"`
	ClosedDate *string      `json:"closed_date"`
	DueDate    *string      `json:"due_date"`
	Net        int64        `json:"net"`
	BankInfo   bankInfoJSON `json:"bank_info"`
	CreatedAt  string       `json:"created_at"`
	UpdatedAt  string       `json:"updated_at"`
}

// BalanceJSON renders a balance with its statements. kessai keeps no bank
// account: bank_info is empty, its status pending.
func BalanceJSON(b *kessai.Balance, statements []any) any {
	due := ts(b.DueDate)
	return balanceJSON{Object: "balance", ID: b.ID, Livemode: b.Livemode, State: b.State, Statements: statements,
		Closed: b.Closed, ClosedDate: tsp(b.ClosedDate), DueDate: &due, Net: b.Net,
		BankInfo: bankInfoJSON{BankAccountStatus: "pending"}, CreatedAt: ts(b.CreatedAt), UpdatedAt: ts(b.UpdatedAt)}
}

func (f *Face) listDisputes(ctx context.Context, acct *kessai.Account, r *http.Request) (any, error) {
	p, err := jsonapi.ParsePage(r)
	if err != nil {
		return nil, err
	}
	q := r.URL.Query()
	statuses := append(q["status"], q["status[]"]...)
	items, more, err := accounting.ListDisputes(f.E, ctx, acct, q.Get("payment_flow_id"), statuses, p)
	if err != nil {
		return nil, err
	}
	data := make([]any, len(items))
	for i, d := range items {
		data[i] = DisputeJSON(d)
	}
	return rawList{listJSON{Object: "list", Data: data, HasMore: more, URL: r.URL.Path}}, nil
}

func (f *Face) getDispute(ctx context.Context, acct *kessai.Account, r *http.Request) (any, error) {
	id, err := jsonapi.PathID(r, "id", kessai.PrefixDispute, "payment_dispute")
	if err != nil {
		return nil, err
	}
	d, err := accounting.GetDispute(f.E, ctx, acct, id)
	if err != nil {
		return nil, err
	}
	return DisputeJSON(d), nil
}

// renderStatement renders a statement with its term.
func (f *Face) renderStatement(ctx context.Context, acct *kessai.Account, s *kessai.Statement) (any, error) {
	t, err := accounting.GetTerm(f.E, ctx, acct, s.TermID)
	if err != nil {
		return nil, err
	}
	return StatementJSON(s, t), nil
}

func (f *Face) renderBalance(ctx context.Context, acct *kessai.Account, b *kessai.Balance) (any, error) {
	ss, err := accounting.BalanceStatements(f.E, ctx, acct, b)
	if err != nil {
		return nil, err
	}
	out := make([]any, len(ss))
	for i, s := range ss {
		if out[i], err = f.renderStatement(ctx, acct, s); err != nil {
			return nil, err
		}
	}
	return BalanceJSON(b, out), nil
}

func (f *Face) listStatements(ctx context.Context, acct *kessai.Account, r *http.Request) (any, error) {
	p, err := jsonapi.ParsePage(r)
	if err != nil {
		return nil, err
	}
	q := r.URL.Query()
	if t := q.Get("type"); t != "" && !oneOf(t, "sales", "service_fee", "transfer_fee", "forfeit", "misc") {
		return nil, kessai.Invalidf("payjp.listStatements", "type", "Input should be 'sales', 'service_fee', 'transfer_fee', 'forfeit' or 'misc'")
	}
	since, until, err := dateRange(q, "payjp.listStatements", "since", "until")
	if err != nil {
		return nil, err
	}
	items, more, err := accounting.ListStatements(f.E, ctx, acct, accounting.StatementFilter{Type: q.Get("type"), TermID: q.Get("term_id"), Since: since, Until: until}, p)
	if err != nil {
		return nil, err
	}
	data := make([]any, len(items))
	for i, s := range items {
		if data[i], err = f.renderStatement(ctx, acct, s); err != nil {
			return nil, err
		}
	}
	return rawList{listJSON{Object: "list", Data: data, HasMore: more, URL: r.URL.Path}}, nil
}

func (f *Face) getStatement(ctx context.Context, acct *kessai.Account, r *http.Request) (any, error) {
	id, err := jsonapi.PathID(r, "id", kessai.PrefixStatement, "statement")
	if err != nil {
		return nil, err
	}
	s, err := accounting.GetStatement(f.E, ctx, acct, id)
	if err != nil {
		return nil, err
	}
	return f.renderStatement(ctx, acct, s)
}

func (f *Face) listBalances(ctx context.Context, acct *kessai.Account, r *http.Request) (any, error) {
	p, err := jsonapi.ParsePage(r)
	if err != nil {
		return nil, err
	}
	q := r.URL.Query()
	if s := q.Get("state"); s != "" && !oneOf(s, kessai.BalanceCollecting, kessai.BalanceTransfer, kessai.BalanceClaim) {
		return nil, kessai.Invalidf("payjp.listBalances", "state", "Input should be 'collecting', 'transfer' or 'claim'")
	}
	bf := accounting.BalanceFilter{State: q.Get("state")}
	switch q.Get("closed") {
	case "":
	case "true", "false":
		bf.Closed = ptrTo(q.Get("closed") == "true")
	default:
		return nil, kessai.Invalidf("payjp.listBalances", "closed", "Input should be a valid boolean")
	}
	if bf.Since, bf.Until, err = dateRange(q, "payjp.listBalances", "since", "until"); err != nil {
		return nil, err
	}
	if bf.SinceDueDate, bf.UntilDueDate, err = dateRange(q, "payjp.listBalances", "since_due_date", "until_due_date"); err != nil {
		return nil, err
	}
	items, more, err := accounting.ListBalances(f.E, ctx, acct, bf, p)
	if err != nil {
		return nil, err
	}
	data := make([]any, 0, len(items))
	for _, b := range items {
		v, err := f.renderBalance(ctx, acct, b)
		if err != nil {
			return nil, err
		}
		data = append(data, v)
	}
	return rawList{listJSON{Object: "list", Data: data, HasMore: more, URL: r.URL.Path}}, nil
}

func (f *Face) getBalance(ctx context.Context, acct *kessai.Account, r *http.Request) (any, error) {
	id, err := jsonapi.PathID(r, "id", kessai.PrefixBalance, "balance")
	if err != nil {
		return nil, err
	}
	b, err := accounting.GetBalance(f.E, ctx, acct, id)
	if err != nil {
		return nil, err
	}
	return f.renderBalance(ctx, acct, b)
}

type reportURLJSON struct {
	Object  string `json:"object"`
	URL     string `json:"url"`
	Expires string `json:"expires"`
}

func (f *Face) statementURL(ctx context.Context, e *engine.Engine, acct *kessai.Account, r *http.Request, body []byte) (any, error) {
	return f.reportURL(ctx, acct, r, body, kessai.PrefixStatement, "statement")
}

func (f *Face) balanceURL(ctx context.Context, e *engine.Engine, acct *kessai.Account, r *http.Request, body []byte) (any, error) {
	return f.reportURL(ctx, acct, r, body, kessai.PrefixBalance, "balance")
}

func (f *Face) reportURL(ctx context.Context, acct *kessai.Account, r *http.Request, body []byte, prefix, what string) (any, error) {
	var req struct{}
	if err := jsonapi.DecodeJSON(body, &req); err != nil {
		return nil, err
	}
	id, err := jsonapi.PathID(r, "id", prefix, what)
	if err != nil {
		return nil, err
	}
	u, err := accounting.ReportURLFor(f.E, ctx, acct, prefix[:2], id)
	if err != nil {
		return nil, err
	}
	return reportURLJSON{Object: u.Object, URL: u.URL, Expires: ts(u.Expires)}, nil
}

// dateRange parses two date-time query parameters (RFC 3339, a date alone
// meaning its start in Japan), either of which may be absent.
func dateRange(q url.Values, op, sinceName, untilName string) (since, until *time.Time, err error) {
	parse := func(name string) (*time.Time, error) {
		v := q.Get(name)
		if v == "" {
			return nil, nil
		}
		if t, err := time.Parse(time.RFC3339Nano, v); err == nil {
			return &t, nil
		}
		if t, err := time.ParseInLocation("2006-01-02", v, kessai.Tokyo); err == nil {
			return &t, nil
		}
		return nil, kessai.Invalidf(op, name, "Input should be a valid datetime (RFC 3339, e.g. 2026-01-31T15:00:00Z)")
	}
	if since, err = parse(sinceName); err != nil {
		return nil, nil, err
	}
	if until, err = parse(untilName); err != nil {
		return nil, nil, err
	}
	if since != nil && until != nil && until.Before(*since) {
		return nil, nil, kessai.Invalidf(op, untilName, "Input should not be before %s", sinceName)
	}
	return since, until, nil
}

func ptrTo[T any](v T) *T { return &v }

func oneOf(s string, set ...string) bool {
	for _, x := range set {
		if s == x {
			return true
		}
	}
	return false
}
