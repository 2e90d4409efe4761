package amazonv2_test

import (
	"context"
	"testing"
	"time"

	"github.com/kessai/kessai"
	"github.com/kessai/kessai/accounts"
	"github.com/kessai/kessai/engine"
	"github.com/kessai/kessai/internal/kessaitest"
	"github.com/kessai/kessai/internal/testdb"
	"github.com/kessai/kessai/server"
)

// TestFlow_RestartWithARefundInitiated: a refund made before kessai stops
// is still RefundInitiated after it starts again on the same database,
// and becomes Refunded when its delay has passed on the account's clock.
func TestFlow_RestartWithARefundInitiated(t *testing.T) {
	t.Parallel()
	for _, dialect := range testdb.Dialects {
		t.Run(dialect, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			dbURL, clock := testdb.URL(t, dialect), kessai.NewManualClock(kessaitest.Epoch)
			start := func() *server.Main {
				m := &server.Main{Addr: "127.0.0.1:0", DatabaseURL: dbURL, Clock: clock, NoWorker: true}
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
			// A harness over servers this test starts and stops itself.
			s := &kessaitest.Server{T: t, Main: m, Clock: clock, URL: m.URL(), Account: na, Key: na.SecretKey, DBURL: dbURL}
			c := newV2(t, s)
			id := c.session(8000, "AuthorizeWithCapture", "1111")
			charge := str(must(t, c.do("POST", "/v2/checkoutSessions/"+id+"/complete", map[string]any{"chargeAmount": yen(8000)}), 200).json, "chargeId")
			refund := str(must(t, c.keyed("POST", "/v2/refunds", "before-restart", map[string]any{"chargeId": charge, "refundAmount": yen(3000)}), 201).json, "refundId")

			if err := m.Close(ctx); err != nil {
				t.Fatal(err)
			}
			m = start()
			t.Cleanup(func() { _ = m.Close(context.Background()) })
			s.Main, s.URL = m, m.URL()

			if r := must(t, c.do("GET", "/v2/refunds/"+refund, nil), 200); str(r.json, "statusDetails", "state") != "RefundInitiated" {
				t.Fatalf("after the restart: %s", r.body)
			}
			// The key is remembered across the restart.
			if r := must(t, c.keyed("POST", "/v2/refunds", "before-restart", map[string]any{"chargeId": charge, "refundAmount": yen(3000)}), 201); str(r.json, "refundId") != refund {
				t.Fatalf("the key after the restart: %s", r.body)
			}
			if _, err := m.E.Advance(ctx, s.Acct(), engine.DefaultSettleDelayAmazon+time.Second); err != nil {
				t.Fatal(err)
			}
			if r := must(t, c.do("GET", "/v2/refunds/"+refund, nil), 200); str(r.json, "statusDetails", "state") != "Refunded" {
				t.Fatalf("after the delay: %s", r.body)
			}
			s.CheckLedger()
		})
	}
}
