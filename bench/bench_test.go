package bench_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/kessai/kessai/bench"
	"github.com/kessai/kessai/internal/kessaitest"
	"github.com/kessai/kessai/internal/testdb"
)

// TestRun_EveryWorkloadRunsClean runs each workload briefly against a real
// server: requests are made, none fails, and the report adds up.
func TestRun_EveryWorkloadRunsClean(t *testing.T) {
	t.Parallel()
	s := kessaitest.Start(t, "sqlite", kessaitest.Options{RealTime: true})
	creds := bench.MWSCredentials{SellerID: s.Account.MWS.SellerID, AccessKeyID: s.Account.MWS.AccessKeyID, SecretKey: s.Account.MWS.SecretKey}
	for _, w := range bench.Workloads {
		t.Run(w, func(t *testing.T) {
			d := time.Second
			if w == bench.MWS || w == bench.AmazonV2 {
				d = 3 * time.Second // a unit is four (mws) or five (amazon-v2) requests: under -race on a busy machine, one may take a second
			}
			res, err := bench.Run(context.Background(), bench.Config{URL: s.URL, Key: s.Key, Workload: w, Concurrency: 4,
				Duration: d, Warmup: -1, MWS: creds})
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

// TestPreload stores copies of an engine-made flow: the account holds n
// payments, each with its refund, and the ledger of every copy balances
// object by object; then the reads and refunds workloads run on them.
func TestPreload(t *testing.T) {
	for _, dialect := range testdb.Dialects {
		t.Run(dialect, func(t *testing.T) {
			t.Parallel()
			s := kessaitest.Start(t, dialect, kessaitest.Options{RealTime: true})
			ctx := context.Background()
			const n = 7
			var seen []int
			if err := bench.Preload(ctx, s.Main.Store, s.Main.E, s.Key, n, func(done int) { seen = append(seen, done) }); err != nil {
				t.Fatal(err)
			}
			if len(seen) == 0 || seen[len(seen)-1] != n {
				t.Errorf("progress %v, want it to end at %d", seen, n)
			}
			flows := kessaitest.Must(t, s.Get("/v2/payment_flows?limit=100"), 200).Data()
			if len(flows) != n {
				t.Fatalf("%d flows, want %d", len(flows), n)
			}
			ids := map[string]bool{}
			for _, f := range flows {
				id, _ := f["id"].(string)
				ids[id] = true
				if f["status"] != "succeeded" || f["amount"].(float64) != 5000 {
					t.Errorf("flow %v", f)
				}
				refunds := kessaitest.Must(t, s.Get("/v2/payment_refunds?payment_flow_id="+id), 200).Data()
				if len(refunds) != 1 || refunds[0]["amount"].(float64) != 1000 {
					t.Errorf("refunds of %s: %v", id, refunds)
				}
			}
			if len(ids) != n {
				t.Errorf("%d distinct flow ids, want %d", len(ids), n)
			}
			// a copy is a real flow: it refunds what is left, and no more
			last := flows[0]["id"].(string)
			kessaitest.Must(t, s.Post("/v2/payment_refunds", map[string]any{"payment_flow_id": last, "amount": 4000}), 200)
			kessaitest.Must(t, s.Post("/v2/payment_refunds", map[string]any{"payment_flow_id": last, "amount": 1}), 400)
			s.CheckLedger()
		})
	}
}

// TestRun_StripeMockTarget: against stripe-mock the refunds workload sends
// Stripe's form-encoded refund, each with its own Idempotency-Key; other
// workloads are refused.
func TestRun_StripeMockTarget(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	keys := map[string]bool{}
	bad := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		mu.Lock()
		defer mu.Unlock()
		k := r.Header.Get("Idempotency-Key")
		if r.Method != "POST" || r.URL.Path != "/v1/refunds" || r.PostForm.Get("charge") == "" || r.PostForm.Get("amount") != "1" || k == "" || keys[k] {
			bad++
			w.WriteHeader(400)
			return
		}
		keys[k] = true
		_, _ = w.Write([]byte(`{"object":"refund"}`))
	}))
	defer srv.Close()
	res, err := bench.Run(context.Background(), bench.Config{URL: srv.URL, Key: "sk_test_123", Workload: bench.Refunds,
		Concurrency: 4, Duration: 300 * time.Millisecond, Warmup: -1, Target: bench.StripeMock})
	if err != nil || res.Requests == 0 || len(res.Errors) != 0 || bad != 0 {
		t.Errorf("result %+v, err %v, %d bad requests", res, err, bad)
	}
	if _, err := bench.Run(context.Background(), bench.Config{URL: srv.URL, Key: "k", Workload: bench.Reads, Target: bench.StripeMock}); err == nil {
		t.Error("reads against stripe-mock: no error")
	}
}
