package payjpflow_test

import (
	"context"
	"testing"
	"time"

	"github.com/kessai/kessai"
	"github.com/kessai/kessai/accounting"
	"github.com/kessai/kessai/internal/kessaitest"
	"github.com/kessai/kessai/internal/testdb"
	"github.com/kessai/kessai/payjpflow"
)

// TestRefund_WhatTheEngineRemembers: a refund finds the flow's capture
// through the flow (or, for a flow stored before flows kept it, by its
// payment id), decides a card's refund by that card (the engine remembers
// the card, never one card's outcome for another), and records it in the
// term its time falls in, also once the clock has left the term that the
// engine remembers.
func TestRefund_WhatTheEngineRemembers(t *testing.T) {
	t.Parallel()
	testdb.ForEach(t, func(t *testing.T, dialect string) {
		ctx := context.Background()
		e, acct := kessaitest.NewEngine(t, dialect)
		refund := func(f *kessai.Payment, amount int64) *kessai.Refund {
			t.Helper()
			r, err := payjpflow.CreateRefund(e, ctx, acct, payjpflow.RefundParams{PaymentFlowID: f.ID, Amount: &amount})
			if err != nil {
				t.Fatal(err)
			}
			return r
		}

		f := kessaitest.PaidCardFlow(t, e, acct, "4242424242424242")
		stored, err := payjpflow.GetPaymentFlow(e, ctx, acct, f.ID)
		if err != nil || stored.CaptureID == "" {
			t.Fatalf("the flow does not keep its capture: %v %+v", err, stored)
		}
		if r := refund(f, 100); r.CaptureID != stored.CaptureID || r.Status != kessai.RefundSucceeded {
			t.Fatalf("refund %+v, want succeeded on capture %s", r, stored.CaptureID)
		}

		// A flow as stored before flows kept their capture.
		old := kessaitest.PaidCardFlow(t, e, acct, "4242424242424242")
		err = e.Store.Update(ctx, func(tx kessai.Tx) error {
			var p kessai.Payment
			if err := tx.Get(ctx, kessai.KindPayment, acct.ID, old.ID, true, &p); err != nil {
				return err
			}
			p.CaptureID = ""
			return tx.Put(ctx, &p)
		})
		if err != nil {
			t.Fatal(err)
		}
		r := refund(old, 300)
		var c kessai.Capture
		err = e.Store.View(ctx, func(tx kessai.Tx) error {
			return tx.Get(ctx, kessai.KindCapture, acct.ID, r.CaptureID, false, &c)
		})
		if err != nil || c.PaymentID != old.ID || c.RefundedAmount != 300 {
			t.Fatalf("old flow's refund went to capture %+v (%v)", c, err)
		}

		// Each card decides its own refunds, after another card's did.
		failing := kessaitest.PaidCardFlow(t, e, acct, "4000000000005126")
		for range 2 {
			if r := refund(failing, 100); r.Status != kessai.RefundFailed {
				t.Fatalf("refund to the refund-failing card: %s, want failed", r.Status)
			}
			if r := refund(f, 100); r.Status != kessai.RefundSucceeded {
				t.Fatalf("refund to a good card: %s, want succeeded", r.Status)
			}
		}

		// A refund 40 days later falls in the next term, not the remembered one.
		txns, _, err := accounting.ListTransactions(e, ctx, acct, map[string]string{"resource_id": r.ID}, kessai.Page{Limit: 10})
		if err != nil || len(txns) != 1 || txns[0].TermID == "" {
			t.Fatalf("transactions of %s: %v %+v", r.ID, err, txns)
		}
		first := txns[0].TermID
		if _, err := e.AdvanceClock(ctx, acct, 40*24*time.Hour); err != nil {
			t.Fatal(err)
		}
		later := refund(f, 100)
		txns, _, err = accounting.ListTransactions(e, ctx, acct, map[string]string{"resource_id": later.ID}, kessai.Page{Limit: 10})
		if err != nil || len(txns) != 1 {
			t.Fatalf("transactions of %s: %v %+v", later.ID, err, txns)
		}
		if txns[0].TermID == first || txns[0].TermID == "" {
			t.Fatalf("a refund 40 days later counts in term %q, the first was %q", txns[0].TermID, first)
		}
		terms, _, err := accounting.ListTerms(e, ctx, acct, nil, nil, kessai.Page{Limit: 10})
		if err != nil {
			t.Fatal(err)
		}
		open := 0
		for _, tm := range terms {
			if tm.State == kessai.TermOpen {
				open++
				if tm.ID != txns[0].TermID {
					t.Errorf("open term %s, the refund counts in %s", tm.ID, txns[0].TermID)
				}
			}
		}
		if open != 1 {
			t.Errorf("%d open terms, want 1: %+v", open, terms)
		}
	})
}

func ptr[T any](v T) *T { return &v }
