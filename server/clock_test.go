package server_test

import (
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/kessai/kessai/internal/kessaitest"
	"github.com/kessai/kessai/internal/testdb"
)

// ckNow reads an account's clock through the API.
func ckNow(t *testing.T, s *kessaitest.Server, key string) time.Time {
	t.Helper()
	r := kessaitest.Must(t, s.Do(kessaitest.Req{Method: "GET", Path: "/kessai/v1/clock", Key: key}), 200)
	at, err := time.Parse(time.RFC3339, r.Str("now"))
	if err != nil {
		t.Fatalf("clock now %q: %v", r.Str("now"), err)
	}
	return at
}

func ckFlow(t *testing.T, s *kessaitest.Server, id string) *kessaitest.Response {
	t.Helper()
	return kessaitest.Must(t, s.Get("/v2/payment_flows/"+id), 200)
}

func ckEvents(t *testing.T, s *kessaitest.Server, id, typ string) int {
	t.Helper()
	r := kessaitest.Must(t, s.Get("/v2/events?resource_id="+id+"&type="+typ), 200)
	n := 0
	for _, e := range r.Data() {
		if e["type"] == typ {
			n++
		}
	}
	return n
}

func TestClockCardAuthorizationExpiresAfterSevenDays(t *testing.T) {
	t.Parallel()
	testdb.ForEach(t, func(t *testing.T, dialect string) {
		s := kessaitest.Start(t, dialect, kessaitest.Options{})
		other := s.NewAccount("other")
		r := kessaitest.Must(t, s.Flow(1000, s.Card("4242424242424242"), "manual"), 200)
		id := r.Str("id")
		if r.Str("status") != "requires_capture" || r.Int("amount_capturable") != 1000 {
			t.Fatalf("new manual flow: status %s amount_capturable %d", r.Str("status"), r.Int("amount_capturable"))
		}

		t.Run("still capturable one hour before seven days", func(t *testing.T) {
			now := s.Advance(6*24*time.Hour + 23*time.Hour)
			if want := kessaitest.Epoch.Add(6*24*time.Hour + 23*time.Hour); !now.Equal(want) {
				t.Errorf("clock after advance %v, want %v", now, want)
			}
			f := ckFlow(t, s, id)
			if f.Str("status") != "requires_capture" || f.Int("amount_capturable") != 1000 {
				t.Fatalf("status %s amount_capturable %d, want requires_capture 1000", f.Str("status"), f.Int("amount_capturable"))
			}
			if n := ckEvents(t, s, id, "payment_flow.canceled"); n != 0 {
				t.Fatalf("%d canceled events before expiry", n)
			}
		})
		t.Run("canceled as expired at seven days", func(t *testing.T) {
			s.Advance(time.Hour)
			f := ckFlow(t, s, id)
			if f.Str("status") != "canceled" || f.Str("cancellation_reason") != "expired" || f.Int("amount_capturable") != 0 {
				t.Fatalf("status %s cancellation_reason %q amount_capturable %d, want canceled expired 0",
					f.Str("status"), f.Str("cancellation_reason"), f.Int("amount_capturable"))
			}
			if n := ckEvents(t, s, id, "payment_flow.canceled"); n != 1 {
				t.Fatalf("%d payment_flow.canceled events, want 1", n)
			}
			s.CheckLedger()
		})
		t.Run("capture after expiry is refused", func(t *testing.T) {
			r := s.Post("/v2/payment_flows/"+id+"/capture", map[string]any{})
			if r.Status < 400 || r.Status >= 500 {
				t.Fatalf("capture of expired flow: %d %s", r.Status, r.Body)
			}
			if f := ckFlow(t, s, id); f.Str("status") != "canceled" {
				t.Fatalf("status %s after refused capture", f.Str("status"))
			}
		})
		t.Run("another account's clock did not move", func(t *testing.T) {
			if got := ckNow(t, s, other.SecretKey); !got.Equal(kessaitest.Epoch) {
				t.Fatalf("other account's clock %v, want %v", got, kessaitest.Epoch)
			}
		})
		t.Run("clock reads base clock plus advances", func(t *testing.T) {
			s.Clock.Advance(90 * time.Minute)
			want := kessaitest.Epoch.Add(7*24*time.Hour + 90*time.Minute)
			if got := ckNow(t, s, s.Key); !got.Equal(want) {
				t.Fatalf("clock %v, want %v", got, want)
			}
			if got := ckNow(t, s, other.SecretKey); !got.Equal(kessaitest.Epoch.Add(90 * time.Minute)) {
				t.Fatalf("other clock %v, want %v", got, kessaitest.Epoch.Add(90*time.Minute))
			}
		})
	})
}

func TestClockPayPayAuthorizationExpiresAfterThirtyDays(t *testing.T) {
	t.Parallel()
	testdb.ForEach(t, func(t *testing.T, dialect string) {
		s := kessaitest.Start(t, dialect, kessaitest.Options{})
		id := kessaitest.Must(t, s.Flow(5000, s.PayPay(), "manual"), 200).Str("id")
		r := kessaitest.Must(t, s.Post("/kessai/v1/payment_flows/"+id+"/approve", nil), 200)
		if r.Str("status") != "requires_capture" {
			t.Fatalf("approved manual PayPay flow: status %s", r.Str("status"))
		}
		t.Run("still capturable after 29 days", func(t *testing.T) {
			s.Advance(29 * 24 * time.Hour)
			if f := ckFlow(t, s, id); f.Str("status") != "requires_capture" || f.Int("amount_capturable") != 5000 {
				t.Fatalf("status %s amount_capturable %d, want requires_capture 5000", f.Str("status"), f.Int("amount_capturable"))
			}
		})
		t.Run("canceled as expired after 30 days", func(t *testing.T) {
			s.Advance(24 * time.Hour)
			f := ckFlow(t, s, id)
			if f.Str("status") != "canceled" || f.Str("cancellation_reason") != "expired" || f.Int("amount_capturable") != 0 {
				t.Fatalf("status %s cancellation_reason %q amount_capturable %d, want canceled expired 0",
					f.Str("status"), f.Str("cancellation_reason"), f.Int("amount_capturable"))
			}
			if n := ckEvents(t, s, id, "payment_flow.canceled"); n != 1 {
				t.Fatalf("%d payment_flow.canceled events, want 1", n)
			}
			s.CheckLedger()
		})
	})
}

func TestClockAdvanceRejectsBadSeconds(t *testing.T) {
	t.Parallel()
	testdb.ForEach(t, func(t *testing.T, dialect string) {
		s := kessaitest.Start(t, dialect, kessaitest.Options{})
		for _, c := range []struct {
			name string
			body any
		}{
			{"zero seconds", map[string]any{"seconds": 0}},
			{"negative seconds", map[string]any{"seconds": -1}},
			{"string seconds", map[string]any{"seconds": "x"}},
			{"missing seconds", map[string]any{}},
		} {
			t.Run(c.name+" is 422 and leaves the clock", func(t *testing.T) {
				r := s.Do(kessaitest.Req{Method: "POST", Path: "/kessai/v1/clock/advance", Body: c.body})
				if r.Status != 422 {
					t.Fatalf("status %d, want 422: %s", r.Status, r.Body)
				}
				if got := ckNow(t, s, s.Key); !got.Equal(kessaitest.Epoch) {
					t.Fatalf("clock %v, want %v", got, kessaitest.Epoch)
				}
			})
		}
	})
}

func TestMetricsExposeJobQueue(t *testing.T) {
	t.Parallel()
	s := kessaitest.Start(t, "sqlite", kessaitest.Options{NoWorker: true})
	scrape := func(t *testing.T) string {
		t.Helper()
		resp, err := http.Get(s.URL + "/metrics")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != 200 {
			t.Fatalf("GET /metrics: %d", resp.StatusCode)
		}
		return string(body)
	}
	t.Run("nothing due", func(t *testing.T) {
		if body := scrape(t); !strings.Contains(body, "\nkessai_jobs_due 0\n") {
			t.Fatalf("metrics lack kessai_jobs_due 0:\n%s", body)
		}
	})
	t.Run("an expired authorization is due", func(t *testing.T) {
		kessaitest.Must(t, s.Flow(1000, s.Card("4242424242424242"), "manual"), 200)
		s.Clock.Advance(8 * 24 * time.Hour) // the base clock: no worker runs the job
		if body := scrape(t); !strings.Contains(body, "\nkessai_jobs_due 1\n") {
			t.Fatalf("metrics lack kessai_jobs_due 1:\n%s", body)
		}
	})
}

func TestClockAdvanceUnderIdempotencyKeyMovesOnce(t *testing.T) {
	t.Parallel()
	testdb.ForEach(t, func(t *testing.T, dialect string) {
		s := kessaitest.Start(t, dialect, kessaitest.Options{})
		start := ckNow(t, s, "")
		adv := func() *kessaitest.Response {
			return s.Do(kessaitest.Req{Method: "POST", Path: "/kessai/v1/clock/advance", Body: map[string]any{"seconds": 3600},
				Header: map[string]string{"Idempotency-Key": "advance-1"}})
		}
		a, b := kessaitest.Must(t, adv(), 200), kessaitest.Must(t, adv(), 200)
		if string(a.Body) != string(b.Body) || b.Header.Get("Idempotent-Replayed") != "true" {
			t.Errorf("replay differs: %s / %s (replayed %q)", a.Body, b.Body, b.Header.Get("Idempotent-Replayed"))
		}
		if got := ckNow(t, s, ""); !got.Equal(start.Add(time.Hour)) {
			t.Errorf("clock at %s after two advances with one key, want %s", got, start.Add(time.Hour))
		}
	})
}
