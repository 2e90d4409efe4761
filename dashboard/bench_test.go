package dashboard_test

import (
	"context"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/kessai/kessai"
	"github.com/kessai/kessai/internal/kessaitest"
)

// BenchmarkDashboardPaymentsPage renders the payments list (its first page
// and a search by email) and one payment's page of an account with 100,000
// stored payments, through the real server on SQLite:
//
//	go test ./dashboard -run '^$' -bench DashboardPaymentsPage -benchtime 200x
func BenchmarkDashboardPaymentsPage(b *testing.B) {
	s := kessaitest.Start(b, "sqlite", kessaitest.Options{NoWorker: true})
	acct := s.Acct()
	flow := s.PaidCardFlow(1000)
	ctx := context.Background()
	at := kessaitest.Epoch.Add(-24 * time.Hour)
	// Seed through the store directly, 5,000 per transaction.
	for batch := 0; batch < 20; batch++ {
		if err := s.Main.Store.Update(ctx, func(tx kessai.Tx) error {
			for i := 0; i < 5000; i++ {
				n := batch*5000 + i
				p := &kessai.Payment{AccountID: acct.ID, ID: kessai.NewID(kessai.PrefixPaymentFlow), Kind: kessai.PaymentFlow,
					Amount: int64(100 + n%5000), Currency: "jpy", State: kessai.StateClosed, Status: kessai.StatusSucceeded,
					AmountReceived: int64(100 + n%5000), Email: "buyer" + string(rune('a'+n%26)) + "@example.com",
					Metadata: kessai.Metadata{}, CreatedAt: at.Add(-time.Duration(n) * time.Second), UpdatedAt: at}
				if err := tx.Insert(ctx, p); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			b.Fatal(err)
		}
	}
	br := newBrowser(b, s.URL)
	br.signIn(s.Key, "/dashboard/payments")
	for name, path := range map[string]string{
		"list":    "/dashboard/payments",
		"email":   "/dashboard/payments?email=buyerq%40example.com",
		"payment": "/dashboard/payments/" + flow,
	} {
		b.Run(name, func(b *testing.B) {
			req, _ := http.NewRequest("GET", s.URL+path, nil)
			for b.Loop() {
				resp, err := br.c.Do(req)
				if err != nil {
					b.Fatal(err)
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != 200 {
					b.Fatalf("%s: %d", path, resp.StatusCode)
				}
			}
		})
	}
}
