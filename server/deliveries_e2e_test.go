package server_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/kessai/kessai/engine"
	"github.com/kessai/kessai/internal/kessaitest"
	"github.com/kessai/kessai/internal/testdb"
)

// waitDelivery polls a delivery until cond holds (10 s at most) and
// returns it.
func waitDelivery(t testing.TB, s *kessaitest.Server, id string, cond func(*kessaitest.Response) bool) *kessaitest.Response {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		r := must(t, on(s, t).Get("/kessai/v1/webhook_deliveries/"+id), 200)
		if cond(r) {
			return r
		}
		if time.Now().After(deadline) {
			t.Fatalf("delivery %s after 10 s: %s", id, r.Body)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func attemptsOf(r *kessaitest.Response) []map[string]any {
	var out []map[string]any
	for _, a := range r.JSON["attempts"].([]any) {
		out = append(out, a.(map[string]any))
	}
	return out
}

func statusIs(status string) func(*kessaitest.Response) bool {
	return func(r *kessaitest.Response) bool { return r.Str("status") == status }
}

func TestDeliveries_LogRetryAndRedeliver(t *testing.T) {
	t.Parallel()
	testdb.ForEach(t, func(t *testing.T, dialect string) {
		twoTries := engine.Config{Delivery: engine.RetrySchedule{Base: 20 * time.Millisecond, Max: 50 * time.Millisecond, Attempts: 2}}
		s := kessaitest.Start(t, dialect, kessaitest.Options{Engine: twoTries})
		accept := make(chan struct{})
		rc := newReceiver(t, func(n int, w http.ResponseWriter, r *http.Request) {
			select {
			case <-accept:
				w.WriteHeader(http.StatusOK)
			default:
				w.WriteHeader(http.StatusBadGateway)
				w.Write([]byte(strings.Repeat("ゲートウェイ", 200))) // 3600 bytes: the log keeps 1 KiB
			}
		})
		ep, secret := endpoint(t, s, rc.URL)
		refundID := refund(t, s)
		evID := kessaitest.Must(t, s.Get("/v2/events?type=refund.created&resource_id="+refundID), 200).Data()[0]["id"].(string)

		list := must(t, s.Get("/kessai/v1/webhook_deliveries?event="+evID), 200).Data()
		if len(list) != 1 || list[0]["endpoint"] != ep || list[0]["event_type"] != "refund.created" || list[0]["kind"] != "payjp" {
			t.Fatalf("deliveries of the event: %v", list)
		}
		id := list[0]["id"].(string)

		t.Run("the_log_keeps_every_attempt_until_the_schedule_gives_up", func(t *testing.T) {
			r := waitDelivery(t, s, id, statusIs("failed"))
			attempts := attemptsOf(r)
			if len(attempts) != 2 || !strings.Contains(r.Str("failure_reason"), "2 attempts") {
				t.Fatalf("failed delivery: %s", r.Body)
			}
			for _, a := range attempts {
				resp, _ := a["response"].(string)
				if a["http_status"] != float64(502) || len(resp) == 0 || len(resp) > 1024 || !strings.HasPrefix(resp, "ゲートウェイ") || a["at"] == "" {
					t.Errorf("attempt %v: want 502 with at most 1 KiB of the answer", a)
				}
				if _, ok := a["latency_ms"].(float64); !ok {
					t.Errorf("attempt %v has no latency", a)
				}
			}
		})

		t.Run("filters_and_pages", func(t *testing.T) {
			ids, _ := listIDs(t, s, "/kessai/v1/webhook_deliveries?status=failed&endpoint="+ep, "")
			if len(ids) != 1 || ids[0] != id {
				t.Errorf("failed deliveries to %s: %v, want [%s]", ep, ids, id)
			}
			refund(t, s)
			first, more := listIDs(t, s, "/kessai/v1/webhook_deliveries?limit=1", "")
			second, _ := listIDs(t, s, "/kessai/v1/webhook_deliveries?limit=1&starting_after="+first[0], "")
			if !more || len(second) != 1 || second[0] != id {
				t.Errorf("pages %v then %v, want the newer delivery then %s", first, second, id)
			}
			wantProblem(t, on(s, t).Get("/kessai/v1/webhook_deliveries?status=lost"), 422, "validation_error")
			wantProblem(t, on(s, t).Get("/kessai/v1/webhook_deliveries/msg_nope"), 404, "not_found")
		})

		close(accept)
		t.Run("retry_sends_the_same_message_again", func(t *testing.T) {
			before := len(rc.requests())
			r := must(t, on(s, t).Post("/kessai/v1/webhook_deliveries/"+id+"/retry", nil), 200)
			if r.Str("status") != "pending" || r.JSON["failure_reason"] != nil {
				t.Errorf("retried delivery: %s", r.Body)
			}
			r = waitDelivery(t, s, id, statusIs("succeeded"))
			if n := len(attemptsOf(r)); n != 3 {
				t.Errorf("%d attempts after the retry, want 3", n)
			}
			var got *received
			for _, g := range rc.requests()[before:] {
				if g.Header.Get("webhook-id") == id {
					got = &g
				}
			}
			if got == nil {
				t.Fatalf("the receiver never got %s again", id)
			}
			if err := verify(t, secret, *got); err != nil {
				t.Error(err)
			}
		})

		t.Run("redeliver_sends_a_new_message", func(t *testing.T) {
			r := must(t, on(s, t).Post("/kessai/v1/events/"+evID+"/redeliver", map[string]any{"endpoint": ep}), 200)
			data := r.Data()
			if len(data) != 1 || data[0]["id"] == id || data[0]["event"] != evID {
				t.Fatalf("redelivery: %s", r.Body)
			}
			waitDelivery(t, s, data[0]["id"].(string), statusIs("succeeded"))
			if n := len(must(t, on(s, t).Get("/kessai/v1/webhook_deliveries?event="+evID), 200).Data()); n != 2 {
				t.Errorf("%d deliveries of the event, want 2", n)
			}
			wantProblem(t, on(s, t).Post("/kessai/v1/events/evnt_nope/redeliver", nil), 404, "not_found")
		})

		t.Run("retry_needs_an_enabled_endpoint", func(t *testing.T) {
			must(t, on(s, t).Post("/kessai/v1/webhook_endpoints/"+ep, map[string]any{"status": "disabled"}), 200)
			wantProblem(t, on(s, t).Post("/kessai/v1/webhook_deliveries/"+id+"/retry", nil), 400, "invalid_status")
			wantProblem(t, on(s, t).Post("/kessai/v1/events/"+evID+"/redeliver", map[string]any{"endpoint": ep}), 400, "invalid_status")
		})
	})
}
