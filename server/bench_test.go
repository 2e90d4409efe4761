package server_test

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"sync/atomic"
	"testing"

	"github.com/kessai/kessai/internal/kessaitest"
)

// BenchmarkRefundCreate measures refund creation through the real HTTP
// server, durability on (SQLite synchronous=FULL; PostgreSQL default
// fsync), with parallel clients: go test ./server -run '^$' -bench Refund.
func BenchmarkRefundCreate(b *testing.B) { benchRefunds(b, false) }

// BenchmarkRefundCreateKeyed is BenchmarkRefundCreate with a fresh
// Idempotency-Key on every request, as SDKs send them.
func BenchmarkRefundCreateKeyed(b *testing.B) { benchRefunds(b, true) }

func benchRefunds(b *testing.B, keyed bool) {
	var n atomic.Int64
	for _, dialect := range []string{"sqlite", "postgres"} {
		b.Run(dialect, func(b *testing.B) {
			s := kessaitest.Start(b, dialect, kessaitest.Options{NoWorker: true})
			flow := s.PaidCardFlow(9_999_999)
			body := []byte(fmt.Sprintf(`{"payment_flow_id":%q,"amount":1}`, flow))
			client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
			b.ReportAllocs()
			b.SetParallelism(8)
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					req, _ := http.NewRequest("POST", s.URL+"/v2/payment_refunds", bytes.NewReader(body))
					req.Header.Set("Authorization", "Bearer "+s.Key)
					if keyed {
						req.Header.Set("Idempotency-Key", fmt.Sprintf("bench-%d", n.Add(1)))
					}
					resp, err := client.Do(req)
					if err != nil {
						b.Error(err)
						return
					}
					_, _ = io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					if resp.StatusCode != 200 {
						b.Errorf("status %d", resp.StatusCode)
						return
					}
				}
			})
		})
	}
}
