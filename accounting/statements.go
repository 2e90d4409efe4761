package accounting

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/kessai/kessai"
	"github.com/kessai/kessai/engine"
)

// Statements and balances are views of the ledger, fixed when a term
// closes. A term's sales statement sums the payment transactions of the
// term by subject — every transaction is written in the same store
// transaction as its ledger postings on the merchant's accounts (the
// captures' captured, refund_pending and fee accounts), so the statement's
// net is exactly the merchant's ledger movement over the term:
//
//	gross_sales            Σ payment amounts        (+)
//	fee                    −Σ payment fees          (−)
//	gross_refund           Σ refund amounts         (−)
//	refund_fee_offset      −Σ refund fees           (+, fees given back)
//	chargeback             Σ chargeback amounts     (−)
//	chargeback_fee_offset  −Σ chargeback fees       (+)
//	net                    the sum of the items
//
// The term's balance holds its statements: state transfer when the net is
// zero or more (kessai pays it out), claim when it is negative (the
// merchant pays it back); due_date is the last day of the month after the
// term (Japan time, "closes at month end, paid at the end of the next
// month"), when a job closes it.

// JobCloseBalance closes a balance on its due date.
const JobCloseBalance = "close_balance"

// balanceDue is the due date of the balance of a term that ends at end:
// the last day of the month after, 00:00 Japan time.
func balanceDue(end time.Time) time.Time {
	j := end.In(kessai.Tokyo)
	first := time.Date(j.Year(), j.Month(), 1, 0, 0, 0, 0, kessai.Tokyo)
	return first.AddDate(0, 1, -1).UTC()
}

// StatementItems sums payment transactions into a statement's items and
// net. Errors: an overflow.
func StatementItems(txns []*kessai.Transaction) ([]kessai.StatementItem, int64, error) {
	sums := map[string]int64{}
	add := func(subject string, v int64) error {
		s, err := kessai.AddAmounts(sums[subject], v)
		sums[subject] = s
		return err
	}
	for _, t := range txns {
		var amount, fee string
		switch t.Type {
		case kessai.TxnPayment:
			amount, fee = kessai.SubjectGrossSales, kessai.SubjectFee
		case kessai.TxnRefund:
			amount, fee = kessai.SubjectGrossRefund, kessai.SubjectRefundFeeOffset
		case kessai.TxnChargeback:
			amount, fee = kessai.SubjectChargeback, kessai.SubjectChargebackFeeOffset
		default:
			return nil, 0, fmt.Errorf("statement: transaction %s has type %q", t.ID, t.Type)
		}
		if err := add(amount, t.Amount); err != nil {
			return nil, 0, err
		}
		if err := add(fee, -t.Fee); err != nil {
			return nil, 0, err
		}
	}
	subjects := []string{kessai.SubjectGrossSales, kessai.SubjectFee, kessai.SubjectGrossRefund, kessai.SubjectRefundFeeOffset}
	if sums[kessai.SubjectChargeback] != 0 || sums[kessai.SubjectChargebackFeeOffset] != 0 {
		subjects = append(subjects, kessai.SubjectChargeback, kessai.SubjectChargebackFeeOffset)
	}
	items := make([]kessai.StatementItem, 0, len(subjects))
	var net int64
	for _, s := range subjects {
		items = append(items, kessai.StatementItem{Subject: s, Amount: sums[s]})
		n, err := kessai.AddAmounts(net, sums[s])
		if err != nil {
			return nil, 0, err
		}
		net = n
	}
	return items, net, nil
}

// termTransactions reads every payment transaction of a term.
func termTransactions(ctx context.Context, tx kessai.Tx, accountID, termID string) ([]*kessai.Transaction, error) {
	var out []*kessai.Transaction
	page := kessai.Page{Limit: 100}
	for {
		docs, more, err := tx.List(ctx, kessai.KindTransaction, accountID, map[string]string{"term_id": termID}, page)
		if err != nil {
			return nil, err
		}
		for _, d := range docs {
			t := new(kessai.Transaction)
			if err := json.Unmarshal(d, t); err != nil {
				return nil, err
			}
			out = append(out, t)
			page.StartingAfter = t.ID
		}
		if !more || len(docs) == 0 {
			return out, nil
		}
	}
}

// settleTerm writes a closed term's sales statement and its balance.
func settleTerm(w *engine.W, t *kessai.Term) error {
	txns, err := termTransactions(w.Ctx(), w.Tx(), w.Account().ID, t.ID)
	if err != nil {
		return err
	}
	items, net, err := StatementItems(txns)
	if err != nil {
		return err
	}
	b := &kessai.Balance{AccountID: w.Account().ID, ID: kessai.NewID(kessai.PrefixBalance), Livemode: w.Account().Livemode,
		State: kessai.BalanceTransfer, TermID: t.ID, Net: net, DueDate: balanceDue(*t.EndAt), CreatedAt: w.Now(), UpdatedAt: w.Now()}
	if net < 0 {
		b.State = kessai.BalanceClaim
	}
	s := &kessai.Statement{AccountID: w.Account().ID, ID: kessai.NewID(kessai.PrefixStatement), Livemode: w.Account().Livemode,
		Type: kessai.StatementSales, TermID: t.ID, BalanceID: b.ID, Currency: "jpy", Items: items, Net: net,
		CreatedAt: w.Now(), UpdatedAt: w.Now()}
	b.StatementIDs = []string{s.ID}
	if err := w.Tx().Insert(w.Ctx(), s); err != nil {
		return err
	}
	if err := w.Tx().Insert(w.Ctx(), b); err != nil {
		return err
	}
	return w.Schedule(JobCloseBalance, engine.JobRef{ID: b.ID}, b.DueDate)
}

// closeBalanceJob closes a balance on its due date: the transfer or claim
// is made.
func closeBalanceJob(w *engine.W, ref engine.JobRef) error {
	var b kessai.Balance
	if err := engine.Get(w.Ctx(), w.Tx(), kessai.KindBalance, w.Account().ID, ref.ID, true, &b, "accounting.CloseBalance", "balance"); err != nil {
		return err
	}
	if b.Closed || w.Now().Before(b.DueDate) {
		return nil
	}
	due := b.DueDate
	b.Closed, b.ClosedDate, b.UpdatedAt = true, &due, w.Now()
	return w.Tx().Put(w.Ctx(), &b)
}

// GetStatement returns a statement. Errors: not_found.
func GetStatement(e *engine.Engine, ctx context.Context, acct *kessai.Account, id string) (*kessai.Statement, error) {
	return engine.GetDoc[kessai.Statement](ctx, e, acct, kessai.KindStatement, id, "statement")
}

// ListStatements pages through statements, newest first; filter keys:
// term_id, type.
func ListStatements(e *engine.Engine, ctx context.Context, acct *kessai.Account, f StatementFilter, page kessai.Page) ([]*kessai.Statement, bool, error) {
	filter := map[string]string{"type": f.Type, "term_id": f.TermID}
	if f.Since == nil && f.Until == nil {
		return engine.ListOf[kessai.Statement](ctx, e, acct, kessai.KindStatement, filter, page, "accounting.ListStatements", "statement")
	}
	return engine.ListWhere(ctx, e, acct, kessai.KindStatement, filter, page, "accounting.ListStatements", "statement",
		func(s *kessai.Statement) bool { return engine.Within(s.CreatedAt, f.Since, f.Until) })
}

// StatementFilter selects statements; empty fields match all. Since and
// Until bound created_at, both included.
type StatementFilter struct {
	Type, TermID string
	Since, Until *time.Time
}

// BalanceFilter selects balances; empty fields match all. Since and Until
// bound created_at, SinceDueDate and UntilDueDate the due date, all
// included.
type BalanceFilter struct {
	State                      string
	Closed                     *bool
	Since, Until               *time.Time
	SinceDueDate, UntilDueDate *time.Time
}

// GetBalance returns a balance. Errors: not_found.
func GetBalance(e *engine.Engine, ctx context.Context, acct *kessai.Account, id string) (*kessai.Balance, error) {
	return engine.GetDoc[kessai.Balance](ctx, e, acct, kessai.KindBalance, id, "balance")
}

// ListBalances pages through balances, newest first.
func ListBalances(e *engine.Engine, ctx context.Context, acct *kessai.Account, f BalanceFilter, page kessai.Page) ([]*kessai.Balance, bool, error) {
	filter := map[string]string{"state": f.State}
	if f.Closed == nil && f.Since == nil && f.Until == nil && f.SinceDueDate == nil && f.UntilDueDate == nil {
		return engine.ListOf[kessai.Balance](ctx, e, acct, kessai.KindBalance, filter, page, "accounting.ListBalances", "balance")
	}
	return engine.ListWhere(ctx, e, acct, kessai.KindBalance, filter, page, "accounting.ListBalances", "balance", func(b *kessai.Balance) bool {
		return (f.Closed == nil || b.Closed == *f.Closed) && engine.Within(b.CreatedAt, f.Since, f.Until) &&
			engine.Within(b.DueDate, f.SinceDueDate, f.UntilDueDate)
	})
}

// BalanceStatements returns the statements of a balance and its term.
func BalanceStatements(e *engine.Engine, ctx context.Context, acct *kessai.Account, b *kessai.Balance) ([]*kessai.Statement, error) {
	out := make([]*kessai.Statement, 0, len(b.StatementIDs))
	for _, id := range b.StatementIDs {
		s, err := GetStatement(e, ctx, acct, id)
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, nil
}

// ReportURLLifetime is how long a statement or balance URL can be read.
const ReportURLLifetime = time.Hour

// ReportURL is an expiring link to a readable statement or balance.
type ReportURL struct {
	Object  string // statement_url or balance_url
	URL     string
	Expires time.Time
}

// reportKey is the key that signs report URLs, derived from the master
// key.
func reportKey(e *engine.Engine, ctx context.Context) ([]byte, error) {
	return e.DeriveKey(ctx, "kessai report urls")
}

// ReportURLFor signs a link to a statement (kind "st") or balance ("ba")
// that expires ReportURLLifetime from the account's now. Errors: not_found.
func ReportURLFor(e *engine.Engine, ctx context.Context, acct *kessai.Account, kind, id string) (*ReportURL, error) {
	obj := "statement_url"
	if kind == "ba" {
		obj = "balance_url"
		if _, err := GetBalance(e, ctx, acct, id); err != nil {
			return nil, err
		}
	} else if _, err := GetStatement(e, ctx, acct, id); err != nil {
		return nil, err
	}
	key, err := reportKey(e, ctx)
	if err != nil {
		return nil, kessai.WrapInternal("ReportURL", err)
	}
	now, err := e.ClockNow(ctx, acct)
	if err != nil {
		return nil, err
	}
	exp := now.Add(ReportURLLifetime).Truncate(time.Second)
	tok := signReport(key, reportToken{Kind: kind, AccountID: acct.ID, ID: id, Expires: exp.Unix()})
	return &ReportURL{Object: obj, URL: strings.TrimRight(e.Config.PublicURL, "/") + "/kessai/v1/reports/" + tok, Expires: exp}, nil
}

// Report is what a report URL shows: a balance with its statements, or
// one statement.
type Report struct {
	Account    *kessai.Account
	Balance    *kessai.Balance // nil for a statement's URL
	Statements []*kessai.Statement
	Terms      map[string]*kessai.Term
}

// OpenReport checks a report URL's token and reads what it shows. Errors:
// not_found (a token that is forged, malformed or expired).
func OpenReport(e *engine.Engine, ctx context.Context, token string) (*Report, error) {
	const op = "accounting.OpenReport"
	bad := kessai.Errorf(kessai.NotFound, op, "This link is not valid or has expired.")
	key, err := reportKey(e, ctx)
	if err != nil {
		return nil, kessai.WrapInternal(op, err)
	}
	tok, ok := parseReport(key, token)
	if !ok {
		return nil, bad
	}
	var acct *kessai.Account
	if err := e.View(ctx, op, func(tx kessai.Tx) error {
		var err error
		acct, err = tx.Account(ctx, tok.AccountID, false)
		return err
	}); err != nil {
		return nil, bad
	}
	if !e.Now(acct).Before(time.Unix(tok.Expires, 0)) {
		return nil, bad
	}
	r := &Report{Account: acct, Terms: map[string]*kessai.Term{}}
	if tok.Kind == "ba" {
		if r.Balance, err = GetBalance(e, ctx, acct, tok.ID); err != nil {
			return nil, err
		}
		if r.Statements, err = BalanceStatements(e, ctx, acct, r.Balance); err != nil {
			return nil, err
		}
	} else {
		s, err := GetStatement(e, ctx, acct, tok.ID)
		if err != nil {
			return nil, err
		}
		r.Statements = []*kessai.Statement{s}
	}
	for _, s := range r.Statements {
		t, err := GetTerm(e, ctx, acct, s.TermID)
		if err != nil {
			return nil, err
		}
		r.Terms[t.ID] = t
	}
	return r, nil
}

// reportToken is what a report URL's token says: a statement ("st") or
// balance ("ba") of an account, until Expires (Unix seconds, the account's
// clock).
type reportToken struct {
	Kind      string
	AccountID string
	ID        string
	Expires   int64
}

// signReport writes a token: base64url(payload) "." base64url(HMAC).
func signReport(key []byte, t reportToken) string {
	payload := strings.Join([]string{t.Kind, t.AccountID, t.ID, strconv.FormatInt(t.Expires, 10)}, "|")
	m := hmac.New(sha256.New, key)
	m.Write([]byte(payload))
	return base64.RawURLEncoding.EncodeToString([]byte(payload)) + "." + base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// parseReport checks a token's signature and reads it; false for anything
// kessai did not sign with key.
func parseReport(key []byte, token string) (reportToken, bool) {
	p64, mac64, ok := strings.Cut(token, ".")
	if !ok || len(token) > 512 {
		return reportToken{}, false
	}
	payload, err1 := base64.RawURLEncoding.DecodeString(p64)
	mac, err2 := base64.RawURLEncoding.DecodeString(mac64)
	if err1 != nil || err2 != nil {
		return reportToken{}, false
	}
	m := hmac.New(sha256.New, key)
	m.Write(payload)
	if !hmac.Equal(mac, m.Sum(nil)) {
		return reportToken{}, false
	}
	parts := strings.Split(string(payload), "|")
	if len(parts) != 4 || (parts[0] != "st" && parts[0] != "ba") {
		return reportToken{}, false
	}
	exp, err := strconv.ParseInt(parts[3], 10, 64)
	if err != nil {
		return reportToken{}, false
	}
	return reportToken{Kind: parts[0], AccountID: parts[1], ID: parts[2], Expires: exp}, true
}
