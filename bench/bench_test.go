package bench_test

import (
	"context"
	"testing"
	"time"

	"github.com/kessai/kessai/bench"
	"github.com/kessai/kessai/internal/kessaitest"
)

// TestRun_EveryWorkloadRunsClean runs each workload briefly against a real
// server: requests are made, none fails, and the report adds up.
func TestRun_EveryWorkloadRunsClean(t *testing.T) {
	t.Parallel()
	s := kessaitest.Start(t, "sqlite", kessaitest.Options{RealTime: true})
	creds := bench.MWSCredentials{SellerID: s.Account.MWS.SellerID, AccessKeyID: s.Account.MWS.AccessKeyID, SecretKey: s.Account.MWS.SecretKey}
	for _, w := range bench.Workloads {
		t.Run(w, func(t *testing.T) {
			res, err := bench.Run(context.Background(), bench.Config{URL: s.URL, Key: s.Key, Workload: w, Concurrency: 4,
				Duration: 300 * time.Millisecond, Warmup: -1, MWS: creds})
			if err != nil {
				t.Fatal(err)
			}
			if res.Requests == 0 || len(res.Errors) != 0 || res.P50 > res.P99 || res.P99 > res.Max {
				t.Errorf("result %+v", res)
			}
		})
	}
	t.Run("open_loop", func(t *testing.T) {
		res, err := bench.Run(context.Background(), bench.Config{URL: s.URL, Key: s.Key, Workload: bench.Refunds, Concurrency: 4,
			Rate: 50, Duration: 400 * time.Millisecond, Warmup: -1})
		if err != nil || res.Mode != "open" || res.Requests < 10 || len(res.Errors) != 0 {
			t.Errorf("open loop: %+v %v", res, err)
		}
	})
	t.Run("unknown_workload", func(t *testing.T) {
		if _, err := bench.Run(context.Background(), bench.Config{URL: s.URL, Key: s.Key, Workload: "nope"}); err == nil {
			t.Error("no error")
		}
	})
	s.CheckLedger()
}
