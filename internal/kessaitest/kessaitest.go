// Package kessaitest starts a real kessai server on 127.0.0.1:0 over a fresh
// database of either dialect, with a manual base clock, for end-to-end
// tests, and gives them a small HTTP client that checks every response
// against kessai's OpenAPI document.
package kessaitest

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/kessai/kessai"
	"github.com/kessai/kessai/accounting"
	"github.com/kessai/kessai/accounts"
	"github.com/kessai/kessai/amazonorder"
	"github.com/kessai/kessai/api/validator"
	"github.com/kessai/kessai/engine"
	"github.com/kessai/kessai/internal/testdb"
	"github.com/kessai/kessai/ledger"
	"github.com/kessai/kessai/mws"
	"github.com/kessai/kessai/notify"
	"github.com/kessai/kessai/server"
	"github.com/kessai/kessai/worker"
)

// Epoch is the base clock's start in every harness: 2026-01-10 05:00 UTC
// (14:00 in Japan).
var Epoch = time.Date(2026, 1, 10, 5, 0, 0, 0, time.UTC)

// Options tune a harness.
type Options struct {
	Engine   engine.Config
	Worker   worker.Config
	NoWorker bool // no background worker (clock advances still run jobs)
	RealTime bool // use the system clock instead of a manual one
	HTTP     server.HTTPConfig
	MWS      mws.Config
	Notify   notify.Config
	SMTPURL  string // send buyer emails through this SMTP server
	// DashboardOperatorToken lets an operator sign in to /dashboard.
	DashboardOperatorToken string
}

// Server is a running kessai with one test-mode account.
type Server struct {
	T       testing.TB
	Main    *server.Main
	Clock   *kessai.ManualClock // nil with RealTime
	URL     string
	Account *accounts.NewAccount
	Key     string // the account's secret key
	DBURL   string
	v       *validator.Validator
}

// Start starts a server on a fresh database of dialect ("sqlite" or
// "postgres"); it stops when the test ends.
func Start(tb testing.TB, dialect string, opts Options) *Server {
	tb.Helper()
	s := &Server{T: tb, DBURL: testdb.URL(tb, dialect)}
	m := &server.Main{Addr: "127.0.0.1:0", DatabaseURL: s.DBURL, Engine: opts.Engine, Worker: opts.Worker, NoWorker: opts.NoWorker, HTTP: opts.HTTP, MWS: opts.MWS,
		Notify: opts.Notify, SMTPURL: opts.SMTPURL, DashboardOperatorToken: opts.DashboardOperatorToken}
	if !opts.RealTime {
		s.Clock = kessai.NewManualClock(Epoch)
		m.Clock = s.Clock
	}
	if m.Worker.Poll == 0 {
		m.Worker.Poll = 20 * time.Millisecond
	}
	ctx := context.Background()
	if err := m.Start(ctx); err != nil {
		tb.Fatalf("start server: %v", err)
	}
	tb.Cleanup(func() {
		cctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		_ = m.Close(cctx)
	})
	s.Main, s.URL = m, m.URL()
	s.Account = s.NewAccount("test")
	s.Key = s.Account.SecretKey
	v, err := validator.NewValidator()
	if err != nil {
		tb.Fatalf("openapi validator: %v", err)
	}
	s.v = v
	return s
}

// NewAccount creates another test-mode account.
func (s *Server) NewAccount(name string) *accounts.NewAccount {
	s.T.Helper()
	a, err := accounts.CreateAccount(s.Main.E, context.Background(), name, false, "jp")
	if err != nil {
		s.T.Fatalf("create account: %v", err)
	}
	return a
}

// Response is an answer of the server.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
	JSON   map[string]any // nil when the body is not a JSON object
}

// Str returns a top-level string field.
func (r *Response) Str(k string) string { s, _ := r.JSON[k].(string); return s }

// Int returns a top-level integer field.
func (r *Response) Int(k string) int64 { f, _ := r.JSON[k].(float64); return int64(f) }

// Data returns the data array of a list.
func (r *Response) Data() []map[string]any {
	var out []map[string]any
	for _, v := range r.JSON["data"].([]any) {
		out = append(out, v.(map[string]any))
	}
	return out
}

// Req is a request to make.
type Req struct {
	Method string
	Path   string
	Body   any // marshalled as JSON unless it is a string or []byte
	Key    string
	Header map[string]string
	// NoValidate skips the OpenAPI check (for deliberately odd requests).
	NoValidate bool
}

// Do sends a request with the account's key (unless Key is set) and
// checks the response against the OpenAPI document.
func (s *Server) Do(r Req) *Response {
	s.T.Helper()
	var body []byte
	switch b := r.Body.(type) {
	case nil:
	case string:
		body = []byte(b)
	case []byte:
		body = b
	default:
		var err error
		if body, err = json.Marshal(b); err != nil {
			s.T.Fatal(err)
		}
	}
	req, err := http.NewRequest(r.Method, s.URL+r.Path, bytes.NewReader(body))
	if err != nil {
		s.T.Fatal(err)
	}
	key := r.Key
	if key == "" {
		key = s.Key
	}
	if key != "-" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, v := range r.Header {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		s.T.Fatalf("%s %s: %v", r.Method, r.Path, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	out := &Response{Status: resp.StatusCode, Header: resp.Header, Body: raw}
	_ = json.Unmarshal(raw, &out.JSON)
	if !r.NoValidate && (strings.HasPrefix(r.Path, "/v2/") || strings.HasPrefix(r.Path, "/kessai/v1/")) {
		vreq, _ := http.NewRequest(r.Method, s.URL+r.Path, nil)
		if err := s.v.ValidateResponse(vreq, resp.StatusCode, resp.Header, raw); err != nil {
			s.T.Errorf("%s %s → %d does not match the OpenAPI document: %v\nbody: %s", r.Method, r.Path, resp.StatusCode, err, raw)
		}
	}
	return out
}

// Post is Do for a POST with a JSON body.
func (s *Server) Post(path string, body any) *Response {
	s.T.Helper()
	return s.Do(Req{Method: "POST", Path: path, Body: body})
}

// Get is Do for a GET.
func (s *Server) Get(path string) *Response {
	s.T.Helper()
	return s.Do(Req{Method: "GET", Path: path})
}

// Must fails the test unless the response has status want, and returns it.
func Must(tb testing.TB, r *Response, want int) *Response {
	tb.Helper()
	if r.Status != want {
		tb.Fatalf("status %d, want %d: %s", r.Status, want, r.Body)
	}
	return r
}

// Card creates a card payment method with a test number and returns its id.
func (s *Server) Card(number string) string {
	s.T.Helper()
	r := Must(s.T, s.Post("/v2/payment_methods", map[string]any{"type": "card",
		"card":            map[string]any{"number": number, "exp_month": 12, "exp_year": 2030, "cvc": "123"},
		"billing_details": map[string]any{"email": "buyer@example.com"}}), 200)
	return r.Str("id")
}

// PayPay creates a PayPay payment method and returns its id.
func (s *Server) PayPay() string {
	s.T.Helper()
	return Must(s.T, s.Post("/v2/payment_methods", map[string]any{"type": "paypay"}), 200).Str("id")
}

// Flow creates and confirms a flow paid by pm and returns it.
func (s *Server) Flow(amount int64, pm, captureMethod string) *Response {
	s.T.Helper()
	return s.Post("/v2/payment_flows", map[string]any{"amount": amount, "currency": "jpy",
		"payment_method_id": pm, "capture_method": captureMethod, "confirm": true})
}

// PaidCardFlow returns the id of a succeeded card flow of amount.
func (s *Server) PaidCardFlow(amount int64) string {
	s.T.Helper()
	r := Must(s.T, s.Flow(amount, s.Card("4242424242424242"), "automatic"), 200)
	if r.Str("status") != "succeeded" {
		s.T.Fatalf("flow status %s", r.Str("status"))
	}
	return r.Str("id")
}

// PaidPayPayFlow returns the id of a succeeded PayPay flow (approved by the
// simulated buyer).
func (s *Server) PaidPayPayFlow(amount int64) string {
	s.T.Helper()
	r := Must(s.T, s.Flow(amount, s.PayPay(), "automatic"), 200)
	id := r.Str("id")
	r = Must(s.T, s.Post("/kessai/v1/payment_flows/"+id+"/approve", nil), 200)
	if r.Str("status") != "succeeded" {
		s.T.Fatalf("flow status %s", r.Str("status"))
	}
	return id
}

// Advance moves the account's test clock by d through the API.
func (s *Server) Advance(d time.Duration) time.Time {
	s.T.Helper()
	r := Must(s.T, s.Post("/kessai/v1/clock/advance", map[string]any{"seconds": int64(d / time.Second)}), 200)
	t, err := time.Parse(time.RFC3339, r.Str("now"))
	if err != nil {
		s.T.Fatal(err)
	}
	return t
}

// Acct returns the domain account of the harness's key.
func (s *Server) Acct() *kessai.Account {
	s.T.Helper()
	a, err := accounts.Authenticate(s.Main.E, context.Background(), s.Key)
	if err != nil {
		s.T.Fatal(err)
	}
	return a
}

// CheckLedger fails the test unless every ledger transaction of the
// account sums to zero and the balances agree with its payments: per
// payment, authorized = amount_capturable, captured = amount_received −
// refunds not failed, refund_pending = pending refunds.
func (s *Server) CheckLedger() {
	s.T.Helper()
	CheckLedger(s.T, s.Main.Store, s.Acct().ID)
}

// CheckLedger is Server.CheckLedger for any store and account.
func CheckLedger(tb testing.TB, store kessai.Store, accountID string) {
	tb.Helper()
	ctx := context.Background()
	err := store.View(ctx, func(tx kessai.Tx) error {
		sums, err := tx.LedgerTxnSums(ctx, accountID)
		if err != nil {
			return err
		}
		for k, v := range sums {
			if v != 0 {
				tb.Errorf("ledger transaction %s sums to %d", k, v)
			}
		}
		bal, err := tx.LedgerBalances(ctx, accountID)
		if err != nil {
			return err
		}
		var total int64
		for _, v := range bal {
			total += v
		}
		if total != 0 {
			tb.Errorf("ledger balances sum to %d", total)
		}
		page := kessai.Page{Limit: 100}
		for {
			docs, more, err := tx.List(ctx, kessai.KindPayment, accountID, nil, page)
			if err != nil {
				return err
			}
			for _, d := range docs {
				var p kessai.Payment
				if err := json.Unmarshal(d, &p); err != nil {
					return err
				}
				checkPayment(tb, ctx, tx, bal, &p)
				page.StartingAfter = p.ID
			}
			if !more {
				return nil
			}
		}
	})
	if err != nil {
		tb.Fatal(err)
	}
}

func checkPayment(tb testing.TB, ctx context.Context, tx kessai.Tx, bal map[string]int64, p *kessai.Payment) {
	tb.Helper()
	c := p.Currency
	var held, authorized int64
	for _, a := range listAll[kessai.Authorization](tb, ctx, tx, kessai.KindAuthorization, p.AccountID, p.ID) {
		want := int64(0)
		if a.State == kessai.AuthOpen || a.State == kessai.AuthPending {
			want = a.Amount - a.CapturedAmount
		}
		if got := bal[ledger.Held(a.ID)+"/"+c]; got != want {
			tb.Errorf("%s: ledger held %d, authorization %s (%s) holds %d", p.ID, got, a.ID, a.State, want)
		}
		held += want
		if a.State != kessai.AuthDeclined {
			authorized += a.Amount
		}
	}
	if held != p.AmountCapturable || authorized != p.AuthorizedAmount {
		tb.Errorf("%s: authorizations hold %d of %d, payment amount_capturable %d authorized %d", p.ID, held, authorized, p.AmountCapturable, p.AuthorizedAmount)
	}
	var captured, refunded int64
	captureCount := 0
	caps := map[string]*kessai.Capture{}
	for _, cp := range listAll[kessai.Capture](tb, ctx, tx, kessai.KindCapture, p.AccountID, p.ID) {
		if cp.State == kessai.CaptureDeclined {
			// A declined capture moved nothing.
			if got := bal[ledger.Captured(cp.ID)+"/"+c]; got != 0 || cp.RefundedAmount != 0 {
				tb.Errorf("%s: declined capture %s has ledger %d and refunds %d", p.ID, cp.ID, got, cp.RefundedAmount)
			}
			continue
		}
		caps[cp.ID] = cp
		captureCount++
		captured += cp.Amount
		refunded += cp.RefundedAmount
		limit := cp.Amount
		if p.Kind == kessai.PaymentOrderReference || p.Kind == kessai.PaymentChargePermission {
			// Amazon lets refunds exceed the capture by its allowance.
			allowance, err := engine.OverAllowance(cp.Amount, cp.Currency)
			if err != nil {
				tb.Fatal(err)
			}
			limit += allowance
		}
		if cp.RefundedAmount > limit {
			tb.Errorf("%s: capture %s refunds %d exceed its limit %d", p.ID, cp.ID, cp.RefundedAmount, limit)
		}
	}
	pending, live, count := map[string]int64{}, map[string]int64{}, map[string]int{}
	for _, r := range listAll[kessai.Refund](tb, ctx, tx, kessai.KindRefund, p.AccountID, p.ID) {
		if caps[r.CaptureID] == nil {
			tb.Errorf("%s: refund %s names capture %q, not one of the payment's", p.ID, r.ID, r.CaptureID)
			continue
		}
		count[r.CaptureID]++
		switch r.Status {
		case kessai.RefundPending, kessai.RefundRequiresAction:
			pending[r.CaptureID] += r.Amount
			live[r.CaptureID] += r.Amount
		case kessai.RefundSucceeded:
			live[r.CaptureID] += r.Amount
		}
	}
	var chargedBack int64
	for id, cp := range caps {
		if got := bal[ledger.Captured(id)+"/"+c]; got != cp.Amount-live[id]-cp.ChargedBack {
			tb.Errorf("%s: ledger captured %d, capture %s amount %d − live refunds %d − charged back %d", p.ID, got, id, cp.Amount, live[id], cp.ChargedBack)
		}
		if got, want := bal[ledger.FeeOf(id)+"/"+c], -(cp.Fee - cp.FeeReturned); got != want {
			tb.Errorf("%s: ledger fee %d, capture %s fee %d − given back %d", p.ID, got, id, cp.Fee, cp.FeeReturned)
		}
		if cp.FeeReturned > cp.Fee || cp.Fee != accounting.FeeOf(cp.Amount, cp.FeeRateE4) || cp.FeeReturned != min(accounting.FeeOf(cp.Returned, cp.FeeRateE4), cp.Fee) {
			tb.Errorf("%s: capture %s fee %d at %d, given back %d on %d returned: not the rule", p.ID, id, cp.Fee, cp.FeeRateE4, cp.FeeReturned, cp.Returned)
		}
		chargedBack += cp.ChargedBack
		if p.Kind != kessai.PaymentOrderReference && p.Kind != kessai.PaymentChargePermission {
			checkTransactions(tb, ctx, tx, bal, p, cp, refundIDs(listAll[kessai.Refund](tb, ctx, tx, kessai.KindRefund, p.AccountID, p.ID)))
		}
		if got := bal[ledger.RefundPending(id)+"/"+c]; got != pending[id] {
			tb.Errorf("%s: ledger refund_pending %d, pending refunds of %s %d", p.ID, got, id, pending[id])
		}
		if cp.RefundedAmount != live[id] || cp.RefundCount != count[id] {
			tb.Errorf("%s: capture %s says refunded %d in %d refunds; its refunds: %d live in %d", p.ID, id, cp.RefundedAmount, cp.RefundCount, live[id], count[id])
		}
	}
	if chargedBack != p.AmountChargedBack {
		tb.Errorf("%s: captures charged back %d, amount_charged_back %d", p.ID, chargedBack, p.AmountChargedBack)
	}
	if captured != p.AmountReceived {
		tb.Errorf("%s: captures total %d, amount_received %d", p.ID, captured, p.AmountReceived)
	}
	if refunded != p.AmountRefunded {
		tb.Errorf("%s: amount_refunded %d, refunds not failed %d", p.ID, p.AmountRefunded, refunded)
	}
	if p.Kind != kessai.PaymentOrderReference && p.Kind != kessai.PaymentChargePermission && refunded > p.AmountReceived {
		tb.Errorf("%s: refunds %d exceed amount_received %d", p.ID, refunded, p.AmountReceived)
	}
	if p.Kind == kessai.PaymentChargePermission {
		// API v2: no over-authorization nor over-capture of amountLimit.
		if p.AmountReceived > p.Amount || p.Exposure() > p.Amount {
			tb.Errorf("%s: captured %d, authorized and captured %d: more than the charge permission's %d", p.ID, p.AmountReceived, p.Exposure(), p.Amount)
		}
	}
	if p.CaptureCount != nil && *p.CaptureCount != captureCount {
		tb.Errorf("%s: capture_count %d, captures not declined %d", p.ID, *p.CaptureCount, captureCount)
	}
	if p.Kind == kessai.PaymentOrderReference {
		allowance, err := engine.OverAllowance(p.Amount, p.Currency)
		if err != nil {
			tb.Fatal(err)
		}
		if p.AmountReceived > p.Amount+allowance {
			tb.Errorf("%s: captured %d exceeds the order's %d + %d", p.ID, p.AmountReceived, p.Amount, allowance)
		}
		if p.Exposure() > p.Amount+allowance {
			tb.Errorf("%s: authorized and captured %d exceed the order's %d + %d", p.ID, p.Exposure(), p.Amount, allowance)
		}
		if captureCount > amazonorder.MaxCapturesPerOrder {
			tb.Errorf("%s: %d captures, more than %d", p.ID, captureCount, amazonorder.MaxCapturesPerOrder)
		}
		for id, n := range count {
			if n > engine.MaxRefundsPerCapture {
				tb.Errorf("%s: capture %s has %d refunds, more than %d", p.ID, id, n, engine.MaxRefundsPerCapture)
			}
		}
	}
}

func refundIDs(rs []*kessai.Refund) []string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = r.ID
	}
	return out
}

// checkTransactions checks a flow's payment transactions against its
// capture's ledger accounts: their amounts sum to what the merchant holds
// (captured + refund_pending), their fees to the fee account, and each
// records the capture's rate.
func checkTransactions(tb testing.TB, ctx context.Context, tx kessai.Tx, bal map[string]int64, p *kessai.Payment, cp *kessai.Capture, refunds []string) {
	tb.Helper()
	resources := append([]string{p.ID}, refunds...)
	for _, d := range listAll[kessai.Dispute](tb, ctx, tx, kessai.KindDispute, p.AccountID, p.ID) {
		resources = append(resources, d.ID)
	}
	var amount, fee int64
	for _, id := range resources {
		docs, _, err := tx.List(ctx, kessai.KindTransaction, p.AccountID, map[string]string{"resource_id": id}, kessai.Page{Limit: 100})
		if err != nil {
			tb.Fatal(err)
		}
		for _, d := range docs {
			var t kessai.Transaction
			if err := json.Unmarshal(d, &t); err != nil {
				tb.Fatal(err)
			}
			if t.FeeRateE4 == 0 && t.FeeRate != accounting.FormatFeeRate(0) {
				// Recorded before fees were ledger postings: its fee was
				// never posted.
				amount += t.Amount
				continue
			}
			if t.FeeRateE4 != cp.FeeRateE4 || t.FeeRate != accounting.FormatFeeRate(cp.FeeRateE4) {
				tb.Errorf("%s: transaction %s rate %s (%d), capture's %d", p.ID, t.ID, t.FeeRate, t.FeeRateE4, cp.FeeRateE4)
			}
			amount += t.Amount
			fee += t.Fee
		}
	}
	c := p.Currency
	if held := bal[ledger.Captured(cp.ID)+"/"+c] + bal[ledger.RefundPending(cp.ID)+"/"+c]; amount != held {
		tb.Errorf("%s: transactions sum to %d, the merchant holds %d of capture %s", p.ID, amount, held, cp.ID)
	}
	if fee != -bal[ledger.FeeOf(cp.ID)+"/"+c] {
		tb.Errorf("%s: transaction fees sum to %d, ledger fee account %d", p.ID, fee, bal[ledger.FeeOf(cp.ID)+"/"+c])
	}
}

// listAll loads every object of kind of a payment.
func listAll[T any](tb testing.TB, ctx context.Context, tx kessai.Tx, kind kessai.Kind, accountID, paymentID string) []*T {
	tb.Helper()
	var out []*T
	page := kessai.Page{Limit: 100}
	for {
		docs, more, err := tx.List(ctx, kind, accountID, map[string]string{"payment_id": paymentID}, page)
		if err != nil {
			tb.Fatal(err)
		}
		for _, d := range docs {
			v := new(T)
			if err := json.Unmarshal(d, v); err != nil {
				tb.Fatal(err)
			}
			var key struct {
				ID string `json:"id"`
			}
			_ = json.Unmarshal(d, &key)
			page.StartingAfter = key.ID
			out = append(out, v)
		}
		if !more {
			return out
		}
	}
}
