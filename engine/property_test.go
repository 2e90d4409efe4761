package engine_test

import (
	"context"
	"fmt"
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

// propFlow is the model of one flow: what the test itself did to it.
type propFlow struct {
	id       string
	paypay   bool
	status   string // succeeded or requires_capture
	amount   int64
	received int64
}

// TestRefundProperty runs random sequences of flows, captures, refunds and
// clock advances on one engine over SQLite and checks after every step that
// refunds never exceed what was received, that every refusal is the one the
// model expects, and that the ledger agrees with the objects.
func TestRefundProperty(t *testing.T) {
	ctx := context.Background()
	store := testdb.Open(t, "sqlite")
	clock := kessai.NewManualClock(kessaitest.Epoch)
	e, err := engine.New(store, clock, nil, engine.Config{})
	if err != nil {
		t.Fatal(err)
	}
	w, err := worker.New(e, nil, worker.Config{})
	if err != nil {
		t.Fatal(err)
	}
	cards := map[string]string{"ok": "4242424242424242", "fail": "4000000000005126", "hold": "4000000000007726"}

	rapid.Check(t, func(rt *rapid.T) {
		// A fresh account per check: checks do not see each other's flows.
		na, err := accounts.CreateAccount(e, ctx, "prop", false, "jp")
		if err != nil {
			rt.Fatal(err)
		}
		acct, err := accounts.Authenticate(e, ctx, na.SecretKey)
		if err != nil {
			rt.Fatal(err)
		}
		var flows []*propFlow

		newFlow := func() {
			paypay := rapid.Bool().Draw(rt, "paypay")
			amount := rapid.Int64Range(50, 100000).Draw(rt, "amount")
			capture := rapid.SampledFrom([]string{kessai.CaptureAutomatic, kessai.CaptureManual}).Draw(rt, "capture")
			var pm *kessai.PaymentMethod
			if paypay {
				pm, err = payjpflow.CreatePaymentMethod(e, ctx, acct, payjpflow.PaymentMethodParams{Type: kessai.MethodPayPay})
			} else {
				card := rapid.SampledFrom([]string{"ok", "ok", "ok", "fail", "hold"}).Draw(rt, "card")
				pm, err = payjpflow.CreatePaymentMethod(e, ctx, acct, payjpflow.PaymentMethodParams{Type: kessai.MethodCard,
					Card:           &payjpflow.CardParams{Number: cards[card], ExpMonth: 12, ExpYear: 2030, CVC: "123"},
					BillingDetails: kessai.BillingDetails{Email: ptr("buyer@example.com")}})
			}
			if err != nil {
				rt.Fatalf("payment method: %v", err)
			}
			p, err := payjpflow.CreatePaymentFlow(e, ctx, acct, payjpflow.FlowParams{Amount: amount, Currency: "jpy", CaptureMethod: capture,
				Confirm: true, PaymentMethodID: &pm.ID})
			if err != nil {
				rt.Fatalf("flow: %v", err)
			}
			if paypay {
				if p, err = payjpflow.ApprovePaymentFlow(e, ctx, acct, p.ID); err != nil {
					rt.Fatalf("approve: %v", err)
				}
			}
			want := kessai.StatusSucceeded
			if capture == kessai.CaptureManual {
				want = kessai.StatusRequiresCapture
			}
			if p.Status != want {
				rt.Fatalf("flow status %s, want %s", p.Status, want)
			}
			f := &propFlow{id: p.ID, paypay: paypay, status: want, amount: amount}
			if want == kessai.StatusSucceeded {
				f.received = amount
			}
			flows = append(flows, f)
		}

		capture := func() {
			if len(flows) == 0 {
				return
			}
			f := rapid.SampledFrom(flows).Draw(rt, "flow")
			var amt *int64
			if rapid.Bool().Draw(rt, "partial") {
				amt = ptr(rapid.Int64Range(1, f.amount+100).Draw(rt, "capture_amount"))
			}
			p, err := payjpflow.CapturePaymentFlow(e, ctx, acct, f.id, amt)
			switch {
			case amt != nil && (*amt < payjpflow.MinAmount || *amt > payjpflow.MaxAmount):
				wantCode(rt, err, kessai.Invalid) // checked before the flow is read
			case f.status != kessai.StatusRequiresCapture:
				wantCode(rt, err, kessai.InvalidStatus)
			case amt != nil && *amt > f.amount:
				wantCode(rt, err, kessai.Invalid)
			default:
				if err != nil {
					rt.Fatalf("capture: %v", err)
				}
				f.status, f.received = kessai.StatusSucceeded, f.amount
				if amt != nil {
					f.received = *amt
				}
				if p.AmountReceived != f.received {
					rt.Fatalf("amount_received %d, want %d", p.AmountReceived, f.received)
				}
			}
		}

		refund := func() {
			if len(flows) == 0 {
				return
			}
			f := rapid.SampledFrom(flows).Draw(rt, "flow")
			live := liveRefunds(rt, e, acct, f.id)
			remaining := f.received - live
			var amt *int64
			if !rapid.Bool().Draw(rt, "full") {
				amt = ptr(rapid.Int64Range(1, f.amount+200).Draw(rt, "refund_amount"))
			}
			var md kessai.Metadata
			if rapid.IntRange(0, 5).Draw(rt, "simulate") == 0 {
				md = kessai.Metadata{payjpflow.SimulateKey: rapid.SampledFrom([]string{"failed", "requires_action"}).Draw(rt, "sim")}
			}
			r, err := payjpflow.CreateRefund(e, ctx, acct, payjpflow.RefundParams{PaymentFlowID: f.id, Amount: amt, Metadata: md})
			switch {
			case f.status != kessai.StatusSucceeded:
				wantCode(rt, err, kessai.InvalidStatus)
			case remaining <= 0 && amt == nil:
				wantCode(rt, err, kessai.AlreadyRefunded)
			case amt != nil && *amt > remaining:
				wantCode(rt, err, kessai.RefundExceedsPayment)
			default:
				if err != nil {
					rt.Fatalf("refund of %v with %d remaining: %v", amt, remaining, err)
				}
				want := remaining
				if amt != nil {
					want = *amt
				}
				if r.Amount != want || r.PaymentID != f.id {
					rt.Fatalf("refund %+v, want amount %d", r, want)
				}
				sim, _ := md[payjpflow.SimulateKey].(string)
				wantStatus := kessai.RefundSucceeded
				switch {
				case sim == "requires_action":
					wantStatus = kessai.RefundRequiresAction
				case f.paypay:
					wantStatus = kessai.RefundPending
				case sim == "failed":
					wantStatus = kessai.RefundFailed
				}
				if !f.paypay && sim == "" {
					// The card's test number decides.
					p, err := payjpflow.GetPaymentFlow(e, ctx, acct, f.id)
					if err != nil {
						rt.Fatal(err)
					}
					pm, err := payjpflow.GetPaymentMethod(e, ctx, acct, *p.PaymentMethodID)
					if err != nil {
						rt.Fatal(err)
					}
					switch pm.Card.Last4 {
					case "5126":
						wantStatus = kessai.RefundFailed
					case "7726":
						wantStatus = kessai.RefundRequiresAction
					}
				}
				if r.Status != wantStatus {
					rt.Fatalf("refund status %s, want %s (paypay %v, simulate %q)", r.Status, wantStatus, f.paypay, sim)
				}
			}
		}

		advance := func() {
			d := time.Duration(rapid.IntRange(1, 8).Draw(rt, "seconds")) * time.Second
			if _, err := w.Advance(ctx, acct, d); err != nil {
				rt.Fatalf("advance: %v", err)
			}
		}

		check := func() {
			for _, f := range flows {
				p, err := payjpflow.GetPaymentFlow(e, ctx, acct, f.id)
				if err != nil {
					rt.Fatal(err)
				}
				if p.Status != f.status || p.AmountReceived != f.received {
					rt.Fatalf("%s: status %s received %d, model %s %d", f.id, p.Status, p.AmountReceived, f.status, f.received)
				}
				live := liveRefunds(rt, e, acct, f.id)
				if live > p.AmountReceived {
					rt.Fatalf("%s: refunds not failed %d exceed amount_received %d", f.id, live, p.AmountReceived)
				}
				if live != p.AmountRefunded {
					rt.Fatalf("%s: refunds not failed %d, amount_refunded %d", f.id, live, p.AmountRefunded)
				}
			}
			kessaitest.LedgerOK(rt, store, acct.ID)
		}

		steps := rapid.IntRange(1, 16).Draw(rt, "steps")
		for i := range steps {
			op := rapid.SampledFrom([]string{"flow", "capture", "refund", "refund", "refund", "advance"}).Draw(rt, fmt.Sprintf("op%d", i))
			switch op {
			case "flow":
				if len(flows) < 4 {
					newFlow()
				} else {
					refund()
				}
			case "capture":
				capture()
			case "refund":
				refund()
			case "advance":
				advance()
			}
			check()
		}
		// Settle everything still pending: each refund ends succeeded,
		// failed or requires_action, never pending.
		advance()
		if _, err := w.Advance(ctx, acct, e.Config.SettleDelayPayPay); err != nil {
			rt.Fatal(err)
		}
		check()
		for _, f := range flows {
			rs, _, err := payjpflow.ListRefunds(e, ctx, acct, payjpflow.RefundFilter{PaymentFlowID: f.id}, kessai.Page{Limit: 100})
			if err != nil {
				rt.Fatal(err)
			}
			for _, r := range rs {
				if r.Status == kessai.RefundPending {
					rt.Fatalf("refund %s still pending after settlement", r.ID)
				}
				if r.Metadata[payjpflow.SimulateKey] == "failed" && r.Status != kessai.RefundFailed {
					rt.Fatalf("refund %s made to fail is %s", r.ID, r.Status)
				}
			}
		}
	})
}

func ptr[T any](v T) *T { return &v }

func wantCode(rt *rapid.T, err error, code kessai.Code) {
	rt.Helper()
	if got := kessai.ErrorCode(err); err == nil || got != code {
		rt.Fatalf("error %v (code %q), want %q", err, got, code)
	}
}

// liveRefunds is the sum of a flow's refunds that have not failed.
func liveRefunds(rt *rapid.T, e *engine.Engine, acct *kessai.Account, flowID string) int64 {
	rt.Helper()
	rs, more, err := payjpflow.ListRefunds(e, context.Background(), acct, payjpflow.RefundFilter{PaymentFlowID: flowID}, kessai.Page{Limit: 100})
	if err != nil || more {
		rt.Fatalf("list refunds: %v (more %v)", err, more)
	}
	var sum int64
	for _, r := range rs {
		if r.Status != kessai.RefundFailed {
			sum += r.Amount
		}
	}
	return sum
}

// TestOrderProperty runs random sequences of authorizations, captures,
// refunds, closes, chargebacks and clock advances on Amazon order
// references (many of each per order) and checks after every step, against
// a model of the limits, that every refusal is the one the model expects,
// that no limit is ever exceeded, and that every authorization, capture and
// refund agrees with its ledger accounts.
func TestOrderProperty(t *testing.T) {
	ctx := context.Background()
	store := testdb.Open(t, "sqlite")
	e, err := engine.New(store, kessai.NewManualClock(kessaitest.Epoch), nil, engine.Config{})
	if err != nil {
		t.Fatal(err)
	}
	w, err := worker.New(e, nil, worker.Config{})
	if err != nil {
		t.Fatal(err)
	}
	rapid.Check(t, func(rt *rapid.T) {
		na, err := accounts.CreateAccount(e, ctx, "orders", false, "jp")
		if err != nil {
			rt.Fatal(err)
		}
		acct, err := accounts.Authenticate(e, ctx, na.SecretKey)
		if err != nil {
			rt.Fatal(err)
		}
		amount := rapid.Int64Range(100, 200_000).Draw(rt, "order amount")
		o, err := amazonorder.CreateOrderReference(ctx, e, acct, amazonorder.OrderReferenceParams{Amount: &amount})
		if err != nil {
			rt.Fatal(err)
		}
		if _, err := amazonorder.ConfirmOrderReference(ctx, e, acct, o.ID); err != nil {
			rt.Fatal(err)
		}
		allowance, _ := engine.OverAllowance(amount, "jpy")
		var auths []*kessai.Authorization
		var caps []*kessai.Capture
		n := 0
		ref := func() string { n++; return fmt.Sprintf("p-%d", n) }

		authorize := func() {
			o, _ := amazonorder.GetOrderReference(ctx, e, acct, o.ID)
			var exposure int64
			for _, a := range auths {
				a, _ := amazonorder.GetAuthorization(ctx, e, acct, a.ID)
				switch a.State {
				case kessai.AuthOpen, kessai.AuthPending:
					exposure += a.Amount
				case kessai.AuthClosed:
					exposure += a.CapturedAmount
				}
			}
			amt := rapid.Int64Range(1, amount).Draw(rt, "authorize")
			a, err := amazonorder.Authorize(ctx, e, acct, amazonorder.AuthorizeParams{OrderReferenceID: o.ID, ReferenceID: ref(), Amount: amt, Currency: "jpy",
				CaptureNow: rapid.Bool().Draw(rt, "capture now")})
			switch {
			case o.State != kessai.StateOpen:
				wantCode(rt, err, kessai.InvalidStatus)
			case exposure+amt > amount+allowance:
				wantCode(rt, err, kessai.AmountExceeded)
			case err != nil && kessai.ErrorCode(err) != kessai.AmountExceeded && kessai.ErrorCode(err) != kessai.CountExceeded:
				rt.Fatalf("authorize %d (exposure %d of %d+%d): %v", amt, exposure, amount, allowance, err)
			case err == nil:
				auths = append(auths, a)
				if a.CaptureID != "" {
					c, err := amazonorder.GetCapture(ctx, e, acct, a.CaptureID)
					if err != nil {
						rt.Fatal(err)
					}
					caps = append(caps, c)
				}
			}
		}
		capture := func() {
			if len(auths) == 0 {
				return
			}
			a := auths[rapid.IntRange(0, len(auths)-1).Draw(rt, "which auth")]
			a, _ = amazonorder.GetAuthorization(ctx, e, acct, a.ID)
			o, _ := amazonorder.GetOrderReference(ctx, e, acct, o.ID)
			amt := rapid.Int64Range(1, a.Amount+10).Draw(rt, "capture")
			c, err := amazonorder.Capture(ctx, e, acct, amazonorder.CaptureParams{AuthorizationID: a.ID, ReferenceID: ref(), Amount: amt, Currency: "jpy"})
			switch {
			case a.State != kessai.AuthOpen:
				wantCode(rt, err, kessai.InvalidStatus)
			case amt > a.Amount || o.AmountReceived+amt > amount+allowance:
				wantCode(rt, err, kessai.AmountExceeded)
			case err != nil && kessai.ErrorCode(err) != kessai.CountExceeded:
				rt.Fatalf("capture %d of %+v: %v", amt, a, err)
			case err == nil:
				caps = append(caps, c)
			}
		}
		refund := func() {
			if len(caps) == 0 {
				return
			}
			c := caps[rapid.IntRange(0, len(caps)-1).Draw(rt, "which capture")]
			c, _ = amazonorder.GetCapture(ctx, e, acct, c.ID)
			capAllowance, _ := engine.OverAllowance(c.Amount, "jpy")
			most := c.Amount + capAllowance
			if rapid.Bool().Draw(rt, "small") {
				most = max(1, most/12) // many small refunds reach the count limit
			}
			amt := rapid.Int64Range(1, most).Draw(rt, "refund")
			_, err := amazonorder.RefundCapture(ctx, e, acct, amazonorder.CaptureRefundParams{CaptureID: c.ID, ReferenceID: ref(), Amount: amt, Currency: "jpy"})
			switch {
			case c.State != kessai.CaptureCompleted:
				wantCode(rt, err, kessai.InvalidStatus)
			case c.RefundCount >= engine.MaxRefundsPerCapture:
				wantCode(rt, err, kessai.CountExceeded)
			case c.RefundedAmount+amt > c.Amount+capAllowance:
				wantCode(rt, err, kessai.AmountExceeded)
			case err != nil:
				rt.Fatalf("refund %d of %+v: %v", amt, c, err)
			}
		}
		steps := rapid.IntRange(1, 40).Draw(rt, "steps")
		for i := range steps {
			switch rapid.SampledFrom([]string{"authorize", "authorize", "capture", "capture", "refund", "refund", "refund", "refund", "refund", "close", "chargeback", "advance"}).Draw(rt, fmt.Sprintf("op%d", i)) {
			case "authorize":
				authorize()
			case "capture":
				capture()
			case "refund":
				refund()
			case "close":
				if _, err := amazonorder.CloseOrderReference(ctx, e, acct, o.ID, ""); err != nil && kessai.ErrorCode(err) != kessai.InvalidStatus {
					rt.Fatal(err)
				}
			case "chargeback":
				if len(caps) > 0 {
					if _, err := amazonorder.Chargeback(ctx, e, acct, caps[0].ID); err != nil && kessai.ErrorCode(err) != kessai.InvalidStatus {
						rt.Fatal(err)
					}
				}
			case "advance":
				d := time.Duration(rapid.IntRange(1, 60).Draw(rt, "seconds")) * time.Second
				if _, err := w.Advance(ctx, acct, d); err != nil {
					rt.Fatal(err)
				}
			}
			kessaitest.LedgerOK(rt, store, acct.ID)
		}
	})
}
