package server_test

import (
	"context"
	"testing"
	"time"

	"github.com/kessai/kessai"
	"github.com/kessai/kessai/accounts"
	"github.com/kessai/kessai/amazonorder"
	"github.com/kessai/kessai/engine"
	"github.com/kessai/kessai/internal/kessaitest"
	"github.com/kessai/kessai/internal/testdb"
	"github.com/kessai/kessai/payjpflow"
	"github.com/kessai/kessai/server"
)

// TestRestart_PendingAmazonRefundSettlesAfterRestart: a server stops with
// an Amazon refund Pending and its settlement job not yet due; another
// server on the same database completes it when the account's clock
// passes the settlement delay.
func TestRestart_PendingAmazonRefundSettlesAfterRestart(t *testing.T) {
	t.Parallel()
	testdb.ForEach(t, func(t *testing.T, dialect string) {
		ctx := context.Background()
		dbURL := testdb.URL(t, dialect)
		clock := kessai.NewManualClock(kessaitest.Epoch)
		start := func() *server.Main {
			m := &server.Main{Addr: "127.0.0.1:0", DatabaseURL: dbURL, Clock: clock}
			if err := m.Start(ctx); err != nil {
				t.Fatal(err)
			}
			return m
		}
		m := start()
		na, err := accounts.CreateAccount(m.E, ctx, "restart", false, "jp")
		if err != nil {
			t.Fatal(err)
		}
		acct, _ := accounts.Authenticate(m.E, ctx, na.SecretKey)
		amount := int64(5000)
		o, err := amazonorder.CreateOrderReference(ctx, m.E, acct, amazonorder.OrderReferenceParams{Amount: &amount})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := amazonorder.ConfirmOrderReference(ctx, m.E, acct, o.ID); err != nil {
			t.Fatal(err)
		}
		a, err := amazonorder.Authorize(ctx, m.E, acct, amazonorder.AuthorizeParams{OrderReferenceID: o.ID, ReferenceID: "a1", Amount: 5000, Currency: "jpy", CaptureNow: true})
		if err != nil {
			t.Fatal(err)
		}
		r, err := amazonorder.RefundCapture(ctx, m.E, acct, amazonorder.CaptureRefundParams{CaptureID: a.CaptureID, ReferenceID: "r1", Amount: 1200, Currency: "jpy"})
		if err != nil || r.Status != kessai.RefundPending {
			t.Fatalf("refund: %+v %v", r, err)
		}
		stop, cancel := context.WithTimeout(ctx, 20*time.Second)
		defer cancel()
		if err := m.Close(stop); err != nil {
			t.Fatal(err)
		}

		m = start()
		defer m.Close(context.Background())
		if _, err := m.W.Advance(ctx, acct, engine.DefaultSettleDelayAmazon); err != nil {
			t.Fatal(err)
		}
		got, err := payjpflow.GetRefund(m.E, ctx, acct, r.ID)
		if err != nil || got.Status != kessai.RefundSucceeded {
			t.Fatalf("refund after restart and settlement: %+v %v", got, err)
		}
		c, _ := amazonorder.GetCapture(ctx, m.E, acct, a.CaptureID)
		if c.RefundedAmount != 1200 {
			t.Errorf("capture refunded %d, want 1200", c.RefundedAmount)
		}
		kessaitest.CheckLedger(t, m.Store, acct.ID)
	})
}
