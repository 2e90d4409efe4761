package engine_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/kessai/kessai"
	"github.com/kessai/kessai/engine"
	"github.com/kessai/kessai/internal/testdb"
	"github.com/kessai/kessai/worker"
)

// paidCardFlow makes a captured ¥10,000 card flow paid with card number.
func paidCardFlow(t *testing.T, e *engine.Engine, acct *kessai.Account, number string) *kessai.Payment {
	t.Helper()
	ctx := context.Background()
	pm, err := e.CreatePaymentMethod(ctx, acct, engine.PaymentMethodParams{Type: kessai.MethodCard,
		Card:           &engine.CardParams{Number: number, ExpMonth: 12, ExpYear: 2030, CVC: "123"},
		BillingDetails: kessai.BillingDetails{Email: ptr("buyer@example.com")}})
	if err != nil {
		t.Fatal(err)
	}
	f, err := e.CreatePaymentFlow(ctx, acct, engine.FlowParams{Amount: 10_000, Currency: "jpy",
		CaptureMethod: kessai.CaptureAutomatic, Confirm: true, PaymentMethodID: &pm.ID})
	if err != nil || f.Status != kessai.StatusSucceeded {
		t.Fatalf("flow: %v %+v", err, f)
	}
	return f
}

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
		e, acct := mustEngine(t, dialect)
		refund := func(f *kessai.Payment, amount int64) *kessai.Refund {
			t.Helper()
			r, err := e.CreateRefund(ctx, acct, engine.RefundParams{PaymentFlowID: f.ID, Amount: &amount})
			if err != nil {
				t.Fatal(err)
			}
			return r
		}

		f := paidCardFlow(t, e, acct, "4242424242424242")
		stored, err := e.GetPaymentFlow(ctx, acct, f.ID)
		if err != nil || stored.CaptureID == "" {
			t.Fatalf("the flow does not keep its capture: %v %+v", err, stored)
		}
		if r := refund(f, 100); r.CaptureID != stored.CaptureID || r.Status != kessai.RefundSucceeded {
			t.Fatalf("refund %+v, want succeeded on capture %s", r, stored.CaptureID)
		}

		// A flow as stored before flows kept their capture.
		old := paidCardFlow(t, e, acct, "4242424242424242")
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
		failing := paidCardFlow(t, e, acct, "4000000000005126")
		for range 2 {
			if r := refund(failing, 100); r.Status != kessai.RefundFailed {
				t.Fatalf("refund to the refund-failing card: %s, want failed", r.Status)
			}
			if r := refund(f, 100); r.Status != kessai.RefundSucceeded {
				t.Fatalf("refund to a good card: %s, want succeeded", r.Status)
			}
		}

		// A refund 40 days later falls in the next term, not the remembered one.
		txns, _, err := e.ListTransactions(ctx, acct, map[string]string{"resource_id": r.ID}, kessai.Page{Limit: 10})
		if err != nil || len(txns) != 1 || txns[0].TermID == "" {
			t.Fatalf("transactions of %s: %v %+v", r.ID, err, txns)
		}
		first := txns[0].TermID
		if _, err := e.AdvanceClock(ctx, acct, 40*24*time.Hour); err != nil {
			t.Fatal(err)
		}
		later := refund(f, 100)
		txns, _, err = e.ListTransactions(ctx, acct, map[string]string{"resource_id": later.ID}, kessai.Page{Limit: 10})
		if err != nil || len(txns) != 1 {
			t.Fatalf("transactions of %s: %v %+v", later.ID, err, txns)
		}
		if txns[0].TermID == first || txns[0].TermID == "" {
			t.Fatalf("a refund 40 days later counts in term %q, the first was %q", txns[0].TermID, first)
		}
		terms, _, err := e.ListTerms(ctx, acct, nil, nil, kessai.Page{Limit: 10})
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

// TestListStatements_DateFiltersPageExactly: statements filtered by their
// creation time page like any list, forward and back, with has_more exact,
// though the filter is applied after the store's query.
func TestListStatements_DateFiltersPageExactly(t *testing.T) {
	t.Parallel()
	testdb.ForEach(t, func(t *testing.T, dialect string) {
		ctx := context.Background()
		e, acct := mustEngine(t, dialect)
		w, err := worker.New(e, nil, worker.Config{})
		if err != nil {
			t.Fatal(err)
		}
		for range 9 { // nine months, each with a payment: nine closed terms
			paidCardFlow(t, e, acct, "4242424242424242")
			if _, err := w.Advance(ctx, acct, 31*24*time.Hour); err != nil {
				t.Fatal(err)
			}
		}
		all, _, err := e.ListStatements(ctx, acct, engine.StatementFilter{}, kessai.Page{Limit: 100})
		if err != nil || len(all) < 8 {
			t.Fatalf("statements: %d, %v", len(all), err)
		}
		// All but the newest and the oldest.
		since, until := all[len(all)-2].CreatedAt, all[1].CreatedAt
		var want []string
		for _, s := range all {
			if !s.CreatedAt.Before(since) && !s.CreatedAt.After(until) {
				want = append(want, s.ID)
			}
		}
		f := engine.StatementFilter{Since: &since, Until: &until}
		engine.SetListWhereStep(e, 3) // several reads of the store per page
		var got []string
		page := kessai.Page{Limit: 2}
		for {
			items, more, err := e.ListStatements(ctx, acct, f, page)
			if err != nil {
				t.Fatal(err)
			}
			for _, s := range items {
				got = append(got, s.ID)
			}
			if !more {
				break
			}
			page.StartingAfter = items[len(items)-1].ID
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("forward pages:\n got %v\nwant %v", got, want)
		}
		// Back from the oldest: the two just newer, newest first.
		back, more, err := e.ListStatements(ctx, acct, f, kessai.Page{Limit: 2, EndingBefore: want[len(want)-1]})
		if err != nil || !more || len(back) != 2 || back[0].ID != want[len(want)-3] || back[1].ID != want[len(want)-2] {
			t.Fatalf("page before %s: %v more=%v %v; want %v", want[len(want)-1], ids(back), more, err, want[len(want)-3:len(want)-1])
		}
	})
}

func ids(ss []*kessai.Statement) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = s.ID
	}
	return out
}
