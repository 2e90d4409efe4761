package accounting_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"pgregory.net/rapid"

	"github.com/kessai/kessai"
	"github.com/kessai/kessai/accounting"
	"github.com/kessai/kessai/accounts"
	"github.com/kessai/kessai/engine"
	"github.com/kessai/kessai/internal/kessaitest"
	"github.com/kessai/kessai/internal/testdb"
	"github.com/kessai/kessai/ledger"
	"github.com/kessai/kessai/payjpflow"
	"github.com/kessai/kessai/worker"
)

// TestAccountingProperty runs random sequences of card and PayPay
// payments, captures, refunds, disputes (opened in any status, moved on at
// random, left to their deadlines), fee rate changes and clock advances
// across month ends, then closes every term and checks, for the account:
// each closed term's statement net is exactly the ledger's movement on the
// merchant's accounts over the term, its balance carries that net with the
// state its sign gives, the statements add up to the merchant's whole
// balance, and no yen was created or lost (the ledger sums to zero, the
// fee revenue is what the merchant's fee accounts lost, and the objects
// agree with their accounts after every step).
func TestAccountingProperty(t *testing.T) {
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
		na, err := accounts.CreateAccount(e, ctx, "accounting", false, "jp")
		if err != nil {
			rt.Fatal(err)
		}
		acct, err := accounts.Authenticate(e, ctx, na.SecretKey)
		if err != nil {
			rt.Fatal(err)
		}
		var flows, disputes []string
		advance := func(d time.Duration) {
			if _, err := w.Advance(ctx, acct, d); err != nil {
				rt.Fatal(err)
			}
		}
		pay := func() {
			paypay := rapid.Bool().Draw(rt, "paypay")
			manual := rapid.Bool().Draw(rt, "manual")
			amount := rapid.Int64Range(payjpflow.MinAmount, 200_000).Draw(rt, "amount")
			p := payjpflow.PaymentMethodParams{Type: kessai.MethodPayPay}
			if !paypay {
				p = payjpflow.PaymentMethodParams{Type: kessai.MethodCard, Card: &payjpflow.CardParams{Number: "4242424242424242", ExpMonth: 12, ExpYear: 2030, CVC: "123"},
					BillingDetails: kessai.BillingDetails{Email: ptr("buyer@example.com")}}
			}
			pm, err := payjpflow.CreatePaymentMethod(e, ctx, acct, p)
			if err != nil {
				rt.Fatal(err)
			}
			method := kessai.CaptureAutomatic
			if manual {
				method = kessai.CaptureManual
			}
			f, err := payjpflow.CreatePaymentFlow(e, ctx, acct, payjpflow.FlowParams{Amount: amount, Currency: "jpy", CaptureMethod: method, Confirm: true, PaymentMethodID: &pm.ID})
			if err != nil {
				rt.Fatal(err)
			}
			if paypay {
				if _, err := payjpflow.ApprovePaymentFlow(e, ctx, acct, f.ID); err != nil {
					rt.Fatal(err)
				}
			}
			if manual {
				part := rapid.Int64Range(payjpflow.MinAmount, amount).Draw(rt, "captured")
				if _, err := payjpflow.CapturePaymentFlow(e, ctx, acct, f.ID, &part); err != nil {
					rt.Fatal(err)
				}
			}
			flows = append(flows, f.ID)
		}
		refund := func() {
			if len(flows) == 0 {
				return
			}
			id := rapid.SampledFrom(flows).Draw(rt, "refund flow")
			var amt *int64
			if rapid.Bool().Draw(rt, "partial refund") {
				amt = ptr(rapid.Int64Range(1, 100_000).Draw(rt, "refund amount"))
			}
			p, _ := payjpflow.GetPaymentFlow(e, ctx, acct, id)
			left := p.AmountReceived - p.AmountRefunded - p.AmountChargedBack
			_, err := payjpflow.CreateRefund(e, ctx, acct, payjpflow.RefundParams{PaymentFlowID: id, Amount: amt})
			switch {
			case left <= 0 || (amt != nil && *amt > left):
				if err == nil {
					rt.Fatalf("refund %v of %s with %d left was accepted", amt, id, left)
				}
			case err != nil:
				rt.Fatalf("refund %v of %s with %d left: %v", amt, id, left, err)
			}
		}
		dispute := func() {
			if len(flows) == 0 {
				return
			}
			id := rapid.SampledFrom(flows).Draw(rt, "dispute flow")
			status := rapid.SampledFrom([]string{kessai.DisputeNeedsResponse, kessai.DisputeWarningNeedsRefund,
				kessai.DisputeWarningNeedsResponse, kessai.DisputePreWarningNeedsResponse, kessai.DisputeUnderReview}).Draw(rt, "dispute status")
			p := accounting.DisputeParams{PaymentFlowID: id, Reason: "fraudulent", Status: &status}
			if rapid.Bool().Draw(rt, "dispute amount") {
				p.Amount = ptr(rapid.Int64Range(1, 200_000).Draw(rt, "disputed"))
			}
			d, err := accounting.OpenDispute(e, ctx, acct, p)
			if err == nil {
				disputes = append(disputes, d.ID)
			} else if c := kessai.ErrorCode(err); c != kessai.InvalidStatus && c != kessai.Invalid {
				rt.Fatal(err)
			}
		}
		move := func() {
			if len(disputes) == 0 {
				return
			}
			id := rapid.SampledFrom(disputes).Draw(rt, "move dispute")
			to := rapid.SampledFrom(accounting.DisputeStatuses).Draw(rt, "to")
			if _, err := accounting.AdvanceDispute(e, ctx, acct, id, to); err != nil && kessai.ErrorCode(err) != kessai.InvalidStatus {
				rt.Fatal(err)
			}
		}
		steps := rapid.IntRange(1, 20).Draw(rt, "steps")
		for i := range steps {
			switch rapid.SampledFrom([]string{"pay", "pay", "pay", "refund", "refund", "dispute", "move", "move", "rates", "advance", "advance"}).Draw(rt, fmt.Sprintf("op%d", i)) {
			case "pay":
				pay()
			case "refund":
				refund()
			case "dispute":
				dispute()
			case "move":
				move()
			case "rates":
				r := fmt.Sprintf("%d.%04d", rapid.IntRange(0, 9).Draw(rt, "whole"), rapid.IntRange(0, 9999).Draw(rt, "frac"))
				if _, err := accounting.SetFeeRates(e, ctx, acct, map[string]string{rapid.SampledFrom([]string{"card", "paypay"}).Draw(rt, "method"): r}); err != nil {
					rt.Fatal(err)
				}
			case "advance":
				advance(time.Duration(rapid.Int64Range(1, 40*24*3600).Draw(rt, "seconds")) * time.Second)
			}
			kessaitest.LedgerOK(rt, store, acct.ID)
		}
		// Past every deadline and two month ends: every term with a
		// transaction is closed, and nothing moves after.
		advance(70 * 24 * time.Hour)
		kessaitest.LedgerOK(rt, store, acct.ID)
		checkStatements(rt, e, store, acct)
	})
}

// checkStatements compares every closed term's statement with the ledger.
func checkStatements(rt *rapid.T, e *engine.Engine, store kessai.Store, acct *kessai.Account) {
	ctx := context.Background()
	terms, more, err := accounting.ListTerms(e, ctx, acct, nil, nil, kessai.Page{Limit: 100})
	if err != nil || more {
		rt.Fatalf("terms: %v %v", err, more)
	}
	var nets int64
	for _, t := range terms {
		if t.State != kessai.TermClosed {
			rt.Fatalf("term %s still open after the final advance", t.ID)
		}
		sts, _, err := accounting.ListStatements(e, ctx, acct, accounting.StatementFilter{TermID: t.ID}, kessai.Page{Limit: 10})
		if err != nil || len(sts) != 1 {
			rt.Fatalf("statements of %s: %v %v", t.ID, sts, err)
		}
		st := sts[0]
		var moved int64
		if err := store.View(ctx, func(tx kessai.Tx) error {
			m, err := tx.LedgerMovements(ctx, acct.ID, t.StartAt, *t.EndAt)
			for k, v := range m {
				if ledger.Merchant(strings.TrimSuffix(k, "/jpy")) {
					moved += v
				}
			}
			return err
		}); err != nil {
			rt.Fatal(err)
		}
		var sum int64
		for _, it := range st.Items {
			sum += it.Amount
		}
		if st.Net != moved || sum != st.Net {
			rt.Fatalf("term %s [%s, %s): statement net %d (items %d), the merchant's ledger moved %d: %+v", t.ID, t.StartAt, t.EndAt, st.Net, sum, moved, st.Items)
		}
		b, err := accounting.GetBalance(e, ctx, acct, st.BalanceID)
		if err != nil {
			rt.Fatal(err)
		}
		if b.Net != st.Net || (b.State == kessai.BalanceClaim) != (b.Net < 0) || b.TermID != t.ID {
			rt.Fatalf("balance %+v of statement net %d", b, st.Net)
		}
		nets += st.Net
	}
	if err := store.View(ctx, func(tx kessai.Tx) error {
		bal, err := tx.LedgerBalances(ctx, acct.ID)
		var merchant, fees int64
		for k, v := range bal {
			a := strings.TrimSuffix(k, "/jpy")
			switch {
			case ledger.Merchant(a):
				merchant += v
				if strings.HasSuffix(a, ":fee") {
					fees += v
				}
			}
		}
		if nets != merchant {
			rt.Fatalf("statements net %d in all, the merchant holds %d", nets, merchant)
		}
		if bal[ledger.Revenue+"/jpy"] != -fees {
			rt.Fatalf("fee revenue %d, the merchant's fee accounts %d", bal[ledger.Revenue+"/jpy"], fees)
		}
		return err
	}); err != nil {
		rt.Fatal(err)
	}
}

func ptr[T any](v T) *T { return &v }
