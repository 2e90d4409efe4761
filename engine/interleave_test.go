package engine_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"pgregory.net/rapid"

	"github.com/kessai/kessai"
	"github.com/kessai/kessai/accounts"
	"github.com/kessai/kessai/amazonorder"
	"github.com/kessai/kessai/engine"
	"github.com/kessai/kessai/internal/kessaitest"
	"github.com/kessai/kessai/internal/testdb"
	"github.com/kessai/kessai/payjpflow"
	"github.com/kessai/kessai/worker"
)

// TestMoneyProperty_Interleavings runs random batches of money operations
// of both faces at once — refunds, captures and cancels of PAY.JP flows;
// authorizations, captures, refunds, closes and cancels of an Amazon order;
// clock advances that settle them — on both stores, and checks after every
// batch that no cap was exceeded and that every counter equals the ledger
// (kessaitest.CheckLedger), and at the end that no refund settled twice.
// Outcomes of a batch depend on its interleaving, so a call may be refused
// with any rule's code; it may never fail otherwise.
func TestMoneyProperty_Interleavings(t *testing.T) {
	t.Parallel()
	testdb.ForEach(t, func(t *testing.T, dialect string) {
		ctx := context.Background()
		store := testdb.Open(t, dialect)
		e, err := engine.New(store, kessai.NewManualClock(kessaitest.Epoch), nil, engine.Config{})
		if err != nil {
			t.Fatal(err)
		}
		w, err := worker.New(e, nil, worker.Config{})
		if err != nil {
			t.Fatal(err)
		}
		checks := 0
		rapid.Check(t, func(rt *rapid.T) {
			checks++
			if dialect == "postgres" && checks > 25 {
				return // each check is a new account and dozens of transactions
			}
			na, err := accounts.CreateAccount(e, ctx, "interleave", false, "jp")
			if err != nil {
				rt.Fatal(err)
			}
			acct, err := accounts.Authenticate(e, ctx, na.SecretKey)
			if err != nil {
				rt.Fatal(err)
			}
			m := &mixed{rt: rt, e: e, acct: acct}
			m.setUp()
			batches := rapid.IntRange(1, 6).Draw(rt, "batches")
			for b := range batches {
				ops := rapid.SliceOfN(rapid.SampledFrom(mixedOps), 2, 6).Draw(rt, fmt.Sprintf("batch %d", b))
				calls := make([]func() error, len(ops))
				for i, op := range ops {
					calls[i] = m.draw(op, w)
				}
				var wg sync.WaitGroup
				errs := make([]error, len(calls))
				for i, call := range calls {
					wg.Add(1)
					go func() { defer wg.Done(); errs[i] = call() }()
				}
				wg.Wait()
				for i, err := range errs {
					if err != nil && (kessai.ErrorCode(err) == kessai.Internal || !ruleCode[kessai.ErrorCode(err)]) {
						rt.Fatalf("batch %d: %s: %v", b, ops[i], err)
					}
				}
				m.refresh()
				kessaitest.LedgerOK(rt, store, acct.ID)
			}
			// Everything pending settles; then each refund has settled once.
			if _, err := e.Advance(ctx, acct, 10*time.Minute); err != nil {
				rt.Fatal(err)
			}
			kessaitest.LedgerOK(rt, store, acct.ID)
			settledOnce(rt, e, acct)
		})
	})
}

// ruleCode: the refusals a batch may meet, depending on its interleaving.
var ruleCode = map[kessai.Code]bool{
	kessai.InvalidStatus: true, kessai.AmountExceeded: true, kessai.CountExceeded: true,
	kessai.RefundExceedsPayment: true, kessai.AlreadyRefunded: true, kessai.Invalid: true,
}

var mixedOps = []string{"flow refund", "flow refund", "flow capture", "flow cancel",
	"authorize", "authorize", "capture", "capture", "refund", "refund", "refund",
	"close authorization", "close order", "cancel order", "advance"}

// mixed is one account's payments of both faces, as last read.
type mixed struct {
	rt    *rapid.T
	e     *engine.Engine
	acct  *kessai.Account
	flows []string // succeeded card and PayPay flows (and held, once captured)
	held  string   // a manual-capture card flow
	order string
	auths []*kessai.Authorization
	caps  []*kessai.Capture
	n     int
}

func (m *mixed) setUp() {
	ctx := context.Background()
	card, err := payjpflow.CreatePaymentMethod(m.e, ctx, m.acct, payjpflow.PaymentMethodParams{Type: kessai.MethodCard,
		Card:           &payjpflow.CardParams{Number: "4242424242424242", ExpMonth: 12, ExpYear: 2030, CVC: "123"},
		BillingDetails: kessai.BillingDetails{Email: ptr("buyer@example.com")}})
	if err != nil {
		m.rt.Fatal(err)
	}
	paypay, err := payjpflow.CreatePaymentMethod(m.e, ctx, m.acct, payjpflow.PaymentMethodParams{Type: kessai.MethodPayPay})
	if err != nil {
		m.rt.Fatal(err)
	}
	flow := func(pm, capture string) string {
		p, err := payjpflow.CreatePaymentFlow(m.e, ctx, m.acct, payjpflow.FlowParams{Amount: 10_000, Currency: "jpy", CaptureMethod: capture,
			Confirm: true, PaymentMethodID: &pm})
		if err != nil {
			m.rt.Fatal(err)
		}
		if p.Status == kessai.StatusRequiresAction {
			if _, err := payjpflow.ApprovePaymentFlow(m.e, ctx, m.acct, p.ID); err != nil {
				m.rt.Fatal(err)
			}
		}
		return p.ID
	}
	m.flows = []string{flow(card.ID, kessai.CaptureAutomatic), flow(paypay.ID, kessai.CaptureAutomatic)}
	m.held = flow(card.ID, kessai.CaptureManual)
	amount := int64(10_000)
	o, err := amazonorder.CreateOrderReference(ctx, m.e, m.acct, amazonorder.OrderReferenceParams{Amount: &amount})
	if err != nil {
		m.rt.Fatal(err)
	}
	if _, err := amazonorder.ConfirmOrderReference(ctx, m.e, m.acct, o.ID); err != nil {
		m.rt.Fatal(err)
	}
	m.order = o.ID
}

// refresh reads the held flow and the order's authorizations and captures
// again.
func (m *mixed) refresh() {
	ctx := context.Background()
	p, err := payjpflow.GetPaymentFlow(m.e, ctx, m.acct, m.held)
	if err != nil {
		m.rt.Fatal(err)
	}
	if p.Status == kessai.StatusSucceeded && len(m.flows) == 2 {
		m.flows = append(m.flows, m.held)
	}
	if m.auths, _, err = engine.List[kessai.Authorization](ctx, m.e, m.acct, kessai.KindAuthorization, map[string]string{"payment_id": m.order}, kessai.Page{Limit: 100}); err != nil {
		m.rt.Fatal(err)
	}
	if m.caps, _, err = engine.List[kessai.Capture](ctx, m.e, m.acct, kessai.KindCapture, map[string]string{"payment_id": m.order}, kessai.Page{Limit: 100}); err != nil {
		m.rt.Fatal(err)
	}
}

// draw draws the parameters of op and returns the call that runs it.
func (m *mixed) draw(op string, w *worker.Worker) func() error {
	ctx := context.Background()
	rt := m.rt
	m.n++
	ref := fmt.Sprintf("i-%d", m.n)
	switch op {
	case "flow refund":
		f := rapid.SampledFrom(m.flows).Draw(rt, "flow")
		var amt *int64
		if rapid.Bool().Draw(rt, "partial") {
			amt = ptr(rapid.Int64Range(1, 6_000).Draw(rt, "flow refund amount"))
		}
		return func() error {
			_, err := payjpflow.CreateRefund(m.e, ctx, m.acct, payjpflow.RefundParams{PaymentFlowID: f, Amount: amt})
			return err
		}
	case "flow capture":
		amt := rapid.Int64Range(50, 10_000).Draw(rt, "flow capture amount")
		return func() error { _, err := payjpflow.CapturePaymentFlow(m.e, ctx, m.acct, m.held, &amt); return err }
	case "flow cancel":
		return func() error { _, err := payjpflow.CancelPaymentFlow(m.e, ctx, m.acct, m.held, nil); return err }
	case "authorize":
		amt := rapid.Int64Range(1, 8_000).Draw(rt, "authorize amount")
		now := rapid.Bool().Draw(rt, "capture now")
		var timeout time.Duration
		if rapid.Bool().Draw(rt, "asynchronous") {
			timeout = time.Hour
		}
		return func() error {
			_, err := amazonorder.Authorize(ctx, m.e, m.acct, amazonorder.AuthorizeParams{OrderReferenceID: m.order, ReferenceID: ref, Amount: amt,
				Currency: "jpy", CaptureNow: now, Timeout: timeout})
			return err
		}
	case "capture", "close authorization":
		if len(m.auths) == 0 {
			return func() error { return nil }
		}
		a := rapid.SampledFrom(m.auths).Draw(rt, "authorization")
		if op == "close authorization" {
			return func() error { _, err := amazonorder.CloseAuthorization(ctx, m.e, m.acct, a.ID, ""); return err }
		}
		amt := rapid.Int64Range(1, a.Amount).Draw(rt, "capture amount")
		return func() error {
			_, err := amazonorder.Capture(ctx, m.e, m.acct, amazonorder.CaptureParams{AuthorizationID: a.ID, ReferenceID: ref, Amount: amt, Currency: "jpy"})
			return err
		}
	case "refund":
		if len(m.caps) == 0 {
			return func() error { return nil }
		}
		c := rapid.SampledFrom(m.caps).Draw(rt, "capture")
		amt := rapid.Int64Range(1, c.Amount).Draw(rt, "refund amount")
		return func() error {
			_, err := amazonorder.RefundCapture(ctx, m.e, m.acct, amazonorder.CaptureRefundParams{CaptureID: c.ID, ReferenceID: ref, Amount: amt, Currency: "jpy"})
			return err
		}
	case "close order":
		return func() error { _, err := amazonorder.CloseOrderReference(ctx, m.e, m.acct, m.order, ""); return err }
	case "cancel order":
		return func() error { _, err := amazonorder.CancelOrderReference(ctx, m.e, m.acct, m.order, ""); return err }
	case "advance":
		secs := rapid.IntRange(1, 60).Draw(rt, "advance seconds")
		return func() error { _, err := w.Advance(ctx, m.acct, time.Duration(secs)*time.Second); return err }
	}
	panic(op)
}

// settledOnce checks that no refund of the account changed state after it
// settled: one settlement event at most per refund (refund.updated on
// PAY.JP; amazon_refund.completed or .declined on MWS).
func settledOnce(rt *rapid.T, e *engine.Engine, acct *kessai.Account) {
	ctx := context.Background()
	seen := map[string]int{}
	page := kessai.Page{Limit: 100}
	for {
		evs, more, err := e.ListEvents(ctx, acct, nil, page)
		if err != nil {
			rt.Fatal(err)
		}
		for _, ev := range evs {
			if ev.Type == "refund.updated" || strings.HasPrefix(ev.Type, "amazon_refund.") && ev.Type != "amazon_refund.pending" {
				seen[ev.ResourceID]++
			}
		}
		if !more || len(evs) == 0 {
			break
		}
		page.StartingAfter = evs[len(evs)-1].ID
	}
	for id, n := range seen {
		if n > 1 {
			rt.Fatalf("refund %s settled %d times", id, n)
		}
	}
}
