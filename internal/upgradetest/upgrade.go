// Package upgradetest proves that a database written by an older kessai
// opens with today's code, keeps its data and takes new writes through
// the engine (the conformance suite, package storetest, knows only the
// Store).
package upgradetest

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kessai/kessai"
	"github.com/kessai/kessai/accounts"
	"github.com/kessai/kessai/engine"
	"github.com/kessai/kessai/ledger"
	"github.com/kessai/kessai/payjpflow"
	"github.com/kessai/kessai/sqlstore"
)

// V1Fixture names what a "v1" fixture holds: a database that kessai d9a9013
// (the hand-written migrator, schema_migrations at version 1, no goose
// table) wrote through its HTTP API. internal/testdb/v1fixture/make.sh
// makes the dumps and v1fixture.go, which records their ids.
type V1Fixture struct {
	AccountID string
	SecretKey string // authenticates AccountID

	PaidFlow    string    // card, automatic capture: 3000 JPY succeeded
	PaidRefunds [2]string // of PaidFlow: 1000 and 500 JPY, both succeeded
	CardMethod  string    // PaidFlow's payment method

	ManualFlow   string // card, manual capture: 2000 JPY in requires_capture
	ManualMethod string

	PayPayFlow   string // PayPay: 1200 JPY approved by the buyer, succeeded
	PayPayMethod string
	PayPayRefund string // of PayPayFlow: 400 JPY, pending

	Customer       string // with the saved card CustomerMethod
	CustomerMethod string

	ExpireJob string // pending expire_authorization of ManualFlow
	SettleJob string // pending settle_refund of PayPayRefund
}

// IdempotencyKeys maps each Idempotency-Key that make.sh sent to the id of
// the object in its stored response.
func (fx V1Fixture) IdempotencyKeys() map[string]string {
	return map[string]string{
		"fixture-paid-flow":     fx.PaidFlow,
		"fixture-refund-1":      fx.PaidRefunds[0],
		"fixture-refund-2":      fx.PaidRefunds[1],
		"fixture-manual-flow":   fx.ManualFlow,
		"fixture-paypay-flow":   fx.PayPayFlow,
		"fixture-paypay-refund": fx.PayPayRefund,
		"fixture-customer":      fx.Customer,
	}
}

// UpgradeDialect is how Upgrade reaches a database of one dialect into
// which a fixture has been loaded (testdb.FromDump).
type UpgradeDialect struct {
	// Open is the dialect's Open on the database: it migrates.
	Open func(ctx context.Context) (kessai.Store, error)
	// Migrate is the dialect's Migrate on the database.
	Migrate func(ctx context.Context) (sqlstore.MigrationStatus, error)
}

// Upgraded is a v1 fixture opened by today's code: what Upgrade checked,
// for a test to check more (a later migration's backfill, say).
type Upgraded struct {
	Fixture V1Fixture
	Store   kessai.Store // closed when the test ends
	// Engine runs on Clock, which starts an hour after the fixture's paid
	// flow was made, inside every refund and capture window.
	Engine  *engine.Engine
	Clock   *kessai.ManualClock
	Account *kessai.Account
}

// Upgrade opens the database of fx with d.Open, which migrates it, and
// checks that nothing the fixture holds was lost or changed and that the
// database is at the newest migration. Later migrations add their checks
// here (so that both dialects run them) or on the returned Upgraded.
func Upgrade(t *testing.T, fx V1Fixture, d UpgradeDialect) *Upgraded {
	t.Helper()
	ctx := context.Background()
	store, err := d.Open(ctx)
	if err != nil {
		t.Fatalf("open the v1 database: %v", err)
	}
	t.Cleanup(func() { store.Close() })

	var paid kessai.Payment
	if err := store.View(ctx, func(tx kessai.Tx) error {
		return tx.Get(ctx, kessai.KindPayment, fx.AccountID, fx.PaidFlow, false, &paid)
	}); err != nil {
		t.Fatalf("paid flow %s: %v", fx.PaidFlow, err)
	}
	clock := kessai.NewManualClock(paid.CreatedAt.Add(time.Hour))
	e, err := engine.New(store, clock, nil, engine.Config{})
	if err != nil {
		t.Fatal(err)
	}
	u := &Upgraded{Fixture: fx, Store: store, Engine: e, Clock: clock}

	t.Run("schema_is_at_the_newest_migration", func(t *testing.T) {
		st, err := d.Migrate(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(st.Applied) != 0 || st.Latest < 1 || st.Version != st.Latest {
			t.Errorf("after Open, Migrate reports %+v; want nothing applied and version = latest", st)
		}
	})
	t.Run("account_authenticates_with_its_secret_key", func(t *testing.T) {
		a, err := accounts.Authenticate(e, ctx, fx.SecretKey)
		if err != nil {
			t.Fatal(err)
		}
		if a.ID != fx.AccountID {
			t.Errorf("secret key authenticates %s, want %s", a.ID, fx.AccountID)
		}
		u.Account = a
	})
	if u.Account == nil {
		t.FailNow()
	}
	acct := u.Account

	flows := []struct {
		id                                   string
		status                               string
		amount, received, capturable, refund int64
		refunds                              []string
	}{
		{fx.PaidFlow, kessai.StatusSucceeded, 3000, 3000, 0, 1500, fx.PaidRefunds[:]},
		{fx.ManualFlow, kessai.StatusRequiresCapture, 2000, 0, 2000, 0, nil},
		{fx.PayPayFlow, kessai.StatusSucceeded, 1200, 1200, 0, 400, []string{fx.PayPayRefund}},
	}
	t.Run("payment_flows_keep_status_and_amounts", func(t *testing.T) {
		for _, f := range flows {
			p, err := payjpflow.GetPaymentFlow(e, ctx, acct, f.id)
			if err != nil {
				t.Errorf("flow %s: %v", f.id, err)
				continue
			}
			if p.Status != f.status || p.Amount != f.amount || p.AmountReceived != f.received ||
				p.AmountCapturable != f.capturable || p.AmountRefunded != f.refund || p.Currency != "jpy" {
				t.Errorf("flow %s: status %s amount %d received %d capturable %d refunded %d %s; want %s %d %d %d %d jpy",
					f.id, p.Status, p.Amount, p.AmountReceived, p.AmountCapturable, p.AmountRefunded, p.Currency,
					f.status, f.amount, f.received, f.capturable, f.refund)
			}
		}
		all, _, err := payjpflow.ListPaymentFlows(e, ctx, acct, "", kessai.Page{Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		if got, want := idsOf(all, func(p *kessai.Payment) string { return p.ID }), []string{fx.PaidFlow, fx.ManualFlow, fx.PayPayFlow}; !sameSet(got, want) {
			t.Errorf("payment flows %v, want %v", got, want)
		}
	})
	t.Run("refunds_keep_status_and_amounts", func(t *testing.T) {
		want := map[string]struct {
			amount int64
			status string
		}{
			fx.PaidRefunds[0]: {1000, kessai.RefundSucceeded},
			fx.PaidRefunds[1]: {500, kessai.RefundSucceeded},
			fx.PayPayRefund:   {400, kessai.RefundPending},
		}
		for _, f := range flows {
			rs, _, err := payjpflow.ListRefunds(e, ctx, acct, payjpflow.RefundFilter{PaymentFlowID: f.id}, kessai.Page{Limit: 100})
			if err != nil {
				t.Fatal(err)
			}
			if got := idsOf(rs, func(r *kessai.Refund) string { return r.ID }); !sameSet(got, f.refunds) {
				t.Errorf("refunds of %s: %v, want %v", f.id, got, f.refunds)
			}
			for _, r := range rs {
				if w := want[r.ID]; r.Amount != w.amount || r.Status != w.status || r.PaymentID != f.id {
					t.Errorf("refund %s: %d %s of %s, want %d %s of %s", r.ID, r.Amount, r.Status, r.PaymentID, w.amount, w.status, f.id)
				}
			}
		}
	})
	t.Run("customer_keeps_its_payment_method", func(t *testing.T) {
		if _, err := payjpflow.GetCustomer(e, ctx, acct, fx.Customer); err != nil {
			t.Fatal(err)
		}
		pms, _, err := payjpflow.ListPaymentMethods(e, ctx, acct, fx.Customer, kessai.Page{Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		if got := idsOf(pms, func(pm *kessai.PaymentMethod) string { return pm.ID }); !sameSet(got, []string{fx.CustomerMethod}) {
			t.Errorf("payment methods of %s: %v, want [%s]", fx.Customer, got, fx.CustomerMethod)
		}
		for _, id := range []string{fx.CardMethod, fx.ManualMethod, fx.PayPayMethod} {
			if _, err := payjpflow.GetPaymentMethod(e, ctx, acct, id); err != nil {
				t.Errorf("payment method %s: %v", id, err)
			}
		}
	})
	t.Run("ledger_is_balanced_and_matches_the_flows", func(t *testing.T) {
		// Migration 4 renamed the flows' ledger accounts to their
		// authorization's and capture's.
		checkLedger(t, store, fx.AccountID, map[string]int64{
			ledger.Captured(capOf(fx.PaidFlow)) + "/jpy":        1500,
			ledger.RefundPending(capOf(fx.PaidFlow)) + "/jpy":   0,
			ledger.Held(authOf(fx.ManualFlow)) + "/jpy":         2000,
			ledger.Captured(capOf(fx.PayPayFlow)) + "/jpy":      800,
			ledger.RefundPending(capOf(fx.PayPayFlow)) + "/jpy": 400,
		})
		mustView(t, store, func(tx kessai.Tx) error {
			bal, err := tx.LedgerBalances(ctx, fx.AccountID)
			for k := range bal {
				if strings.HasPrefix(k, "payment:") {
					t.Errorf("ledger account %s was not renamed", k)
				}
			}
			return err
		})
	})
	t.Run("flows_have_their_authorization_and_capture", func(t *testing.T) {
		want := []struct {
			flow, state, reason     string
			amount, captured, count int64
			refunded                int64
			capture                 bool
		}{
			{fx.PaidFlow, kessai.AuthClosed, kessai.ReasonMaxCapturesProcessed, 3000, 3000, 2, 1500, true},
			{fx.ManualFlow, kessai.AuthOpen, "", 2000, 0, 0, 0, false},
			{fx.PayPayFlow, kessai.AuthClosed, kessai.ReasonMaxCapturesProcessed, 1200, 1200, 1, 400, true},
		}
		mustView(t, store, func(tx kessai.Tx) error {
			for _, w := range want {
				var a kessai.Authorization
				if err := tx.Get(ctx, kessai.KindAuthorization, fx.AccountID, authOf(w.flow), false, &a); err != nil {
					t.Errorf("authorization of %s: %v", w.flow, err)
					continue
				}
				if a.PaymentID != w.flow || a.State != w.state || a.ReasonCode != w.reason || a.Amount != w.amount || a.CapturedAmount != w.captured {
					t.Errorf("authorization of %s: %+v", w.flow, a)
				}
				var c kessai.Capture
				err := tx.Get(ctx, kessai.KindCapture, fx.AccountID, capOf(w.flow), false, &c)
				if !w.capture {
					if err == nil {
						t.Errorf("%s has a capture: %+v", w.flow, c)
					}
					continue
				}
				if err != nil {
					t.Errorf("capture of %s: %v", w.flow, err)
					continue
				}
				if c.AuthorizationID != a.ID || c.Amount != w.captured || c.RefundedAmount != w.refunded ||
					int64(c.RefundCount) != w.count || c.State != kessai.CaptureCompleted {
					t.Errorf("capture of %s: %+v", w.flow, c)
				}
			}
			for _, id := range append(fx.PaidRefunds[:], fx.PayPayRefund) {
				var r kessai.Refund
				if err := tx.Get(ctx, kessai.KindRefund, fx.AccountID, id, false, &r); err != nil {
					return err
				}
				if r.CaptureID != capOf(r.PaymentID) {
					t.Errorf("refund %s names capture %q, want %s", id, r.CaptureID, capOf(r.PaymentID))
				}
			}
			var p kessai.Payment
			if err := tx.Get(ctx, kessai.KindPayment, fx.AccountID, fx.ManualFlow, false, &p); err != nil {
				return err
			}
			if p.Kind != kessai.PaymentFlow || p.State != kessai.StateOpen {
				t.Errorf("manual flow kind %q state %q, want payment_flow open", p.Kind, p.State)
			}
			return nil
		})
	})
	t.Run("idempotency_records_keep_their_responses", func(t *testing.T) {
		mustView(t, store, func(tx kessai.Tx) error {
			for key, id := range fx.IdempotencyKeys() {
				r, err := tx.Idempotency(ctx, fx.AccountID, kessai.ScopeIdempotencyKey, key)
				if err != nil {
					t.Errorf("idempotency key %s: %v", key, err)
					continue
				}
				var body struct{ ID string }
				_ = json.Unmarshal(r.Body, &body)
				if r.Status != 200 || body.ID != id || r.RequestHash == "" || !r.ExpiresAt.Equal(r.CreatedAt.Add(24*time.Hour)) {
					t.Errorf("idempotency key %s: status %d id %q expires %s; want 200 %s a day after %s", key, r.Status, body.ID, r.ExpiresAt, id, r.CreatedAt)
				}
			}
			return nil
		})
	})
	t.Run("jobs_stay_pending", func(t *testing.T) {
		mustView(t, store, func(tx kessai.Tx) error {
			for _, w := range []struct{ id, kind, about string }{
				{fx.ExpireJob, payjpflow.JobExpireAuthorization, fx.ManualFlow},
				{fx.SettleJob, engine.JobSettleRefund, fx.PayPayRefund},
			} {
				j, err := tx.Job(ctx, w.id)
				if err != nil {
					t.Errorf("job %s: %v", w.id, err)
					continue
				}
				if j.Kind != w.kind || j.State != kessai.JobPending || j.AccountID != fx.AccountID || j.Attempts != 0 ||
					!strings.Contains(string(j.Payload), w.about) || !j.DueAt.After(paid.CreatedAt) {
					t.Errorf("job %s: %+v; want a pending %s about %s", w.id, j, w.kind, w.about)
				}
			}
			return nil
		})
	})
	return u
}

// authOf and capOf are the ids migration 4 gives a flow's authorization and
// capture.
func authOf(flow string) string {
	return kessai.PrefixAuthorization + strings.TrimPrefix(flow, kessai.PrefixPaymentFlow)
}
func capOf(flow string) string {
	return kessai.PrefixCapture + strings.TrimPrefix(flow, kessai.PrefixPaymentFlow)
}

// CheckWrites checks that the upgraded database takes new writes: a refund
// of the paid flow and the capture of the manual one, with their ledger
// entries. It changes the fixture, so it runs after every other check.
func (u *Upgraded) CheckWrites(t *testing.T) {
	t.Helper()
	ctx := context.Background()
	fx := u.Fixture
	amount := int64(100)
	r, err := payjpflow.CreateRefund(u.Engine, ctx, u.Account, payjpflow.RefundParams{PaymentFlowID: fx.PaidFlow, Amount: &amount})
	if err != nil {
		t.Fatalf("refund after upgrade: %v", err)
	}
	if r.Status != kessai.RefundSucceeded {
		t.Errorf("refund after upgrade: %s", r.Status)
	}
	p, err := payjpflow.CapturePaymentFlow(u.Engine, ctx, u.Account, fx.ManualFlow, nil)
	if err != nil {
		t.Fatalf("capture after upgrade: %v", err)
	}
	if p.Status != kessai.StatusSucceeded || p.AmountReceived != 2000 {
		t.Errorf("capture after upgrade: %s, received %d", p.Status, p.AmountReceived)
	}
	var captureID string
	mustView(t, u.Store, func(tx kessai.Tx) error {
		docs, _, err := tx.List(ctx, kessai.KindCapture, fx.AccountID, map[string]string{"payment_id": fx.ManualFlow}, kessai.Page{Limit: 10})
		if len(docs) != 1 {
			t.Fatalf("captures of the manual flow: %d (%v), want 1", len(docs), err)
		}
		var c kessai.Capture
		if err := json.Unmarshal(docs[0], &c); err != nil {
			return err
		}
		captureID = c.ID
		if c.AuthorizationID != authOf(fx.ManualFlow) || c.Amount != 2000 {
			t.Errorf("capture of the manual flow: %+v", c)
		}
		return err
	})
	checkLedger(t, u.Store, fx.AccountID, map[string]int64{
		ledger.Captured(capOf(fx.PaidFlow)) + "/jpy": 1400,
		ledger.Held(authOf(fx.ManualFlow)) + "/jpy":  0,
		ledger.Captured(captureID) + "/jpy":          2000,
	})
}

// checkLedger fails t unless the account's ledger has entries, every
// transaction of it sums to zero, and the balances include want.
func checkLedger(t *testing.T, s kessai.Store, accountID string, want map[string]int64) {
	t.Helper()
	mustView(t, s, func(tx kessai.Tx) error {
		sums, err := tx.LedgerTxnSums(ctx, accountID)
		if err != nil {
			return err
		}
		if len(sums) == 0 {
			t.Error("the ledger has no transactions")
		}
		for k, v := range sums {
			if v != 0 {
				t.Errorf("ledger transaction %s sums to %d", k, v)
			}
		}
		bal, err := tx.LedgerBalances(ctx, accountID)
		if err != nil {
			return err
		}
		for k, v := range want {
			if bal[k] != v {
				t.Errorf("ledger balance %s is %d, want %d", k, bal[k], v)
			}
		}
		return nil
	})
}

func idsOf[T any](xs []T, id func(T) string) []string {
	out := make([]string, 0, len(xs))
	for _, x := range xs {
		out = append(out, id(x))
	}
	return out
}

func sameSet(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}

var ctx = context.Background()

func mustView(t *testing.T, s kessai.Store, fn func(tx kessai.Tx) error) {
	t.Helper()
	if err := s.View(ctx, fn); err != nil {
		t.Fatal(err)
	}
}
