package server_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"

	"github.com/kessai/kessai"
	"github.com/kessai/kessai/accounts"
	"github.com/kessai/kessai/engine"
	"github.com/kessai/kessai/internal/kessaitest"
	"github.com/kessai/kessai/internal/testdb"
	"github.com/kessai/kessai/notifications"
	"github.com/kessai/kessai/notify"
	"github.com/kessai/kessai/payjpflow"
	"github.com/kessai/kessai/server"
	"github.com/kessai/kessai/worker"
)

// workerPoll makes a worker look for due jobs often.
var workerPoll = worker.Config{Poll: 10 * time.Millisecond}

// fastRetries retries deliveries within a few tens of milliseconds.
var fastRetries = engine.Config{Delivery: engine.RetrySchedule{Base: 20 * time.Millisecond, Max: 50 * time.Millisecond, Attempts: 25}}

// endpoint registers a PAY.JP webhook endpoint for url that receives
// refund.created, and returns its id and secret.
func endpoint(t testing.TB, s *kessaitest.Server, url string) (id, secret string) {
	t.Helper()
	r := must(t, s.Post("/kessai/v1/webhook_endpoints", map[string]any{"url": url, "kind": "payjp", "enabled_events": []string{"refund.created"}}), 200)
	return r.Str("id"), r.Str("secret")
}

// refund refunds part of a new paid card flow and returns the refund's id.
func refund(t testing.TB, s *kessaitest.Server) string {
	t.Helper()
	flow := s.PaidCardFlow(3000)
	return must(t, s.Post("/v2/payment_refunds", map[string]any{"payment_flow_id": flow, "amount": 1200}), 200).Str("id")
}

// verify checks a webhook with the Standard Webhooks reference library:
// an oracle independent of kessai's signing code.
func verify(t testing.TB, secret string, got received) error {
	t.Helper()
	wh, err := standardwebhooks.NewWebhook(secret)
	if err != nil {
		t.Fatal(err)
	}
	return wh.Verify(got.Body, got.Header)
}

func TestWebhooks_RefundCreatedIsSignedAndCarriesTheToken(t *testing.T) {
	t.Parallel()
	testdb.ForEach(t, func(t *testing.T, dialect string) {
		s := kessaitest.Start(t, dialect, kessaitest.Options{})
		rc := newReceiver(t, ok)
		_, secret := endpoint(t, s, rc.URL)
		id := refund(t, s)

		got := rc.waitFor(1, 10*time.Second)[0]
		if err := verify(t, secret, got); err != nil {
			t.Errorf("the Standard Webhooks library rejects the webhook: %v\nheaders %v", err, got.Header)
		}
		if tok := got.Header.Get("X-Payjp-Webhook-Token"); tok != s.Account.WebhookToken {
			t.Errorf("X-Payjp-Webhook-Token %q, want the account's %q", tok, s.Account.WebhookToken)
		}
		if ct := got.Header.Get("Content-Type"); ct != "application/json" {
			t.Errorf("Content-Type %q", ct)
		}
		var ev struct {
			ID   string `json:"id"`
			Type string `json:"type"`
			Data struct {
				ID     string `json:"id"`
				Object string `json:"object"`
			} `json:"data"`
		}
		if err := json.Unmarshal(got.Body, &ev); err != nil {
			t.Fatalf("body: %v: %s", err, got.Body)
		}
		if ev.Type != "refund.created" || ev.Data.ID != id {
			t.Errorf("webhook of %s about %s, want refund.created about %s", ev.Type, ev.Data.ID, id)
		}
		// The body is the event as the PAY.JP face shows it, byte for byte.
		if face := must(t, s.Get("/v2/events/"+ev.ID), 200).Body; string(face) != string(got.Body) {
			t.Errorf("webhook body differs from GET /v2/events/%s:\n%s\n%s", ev.ID, got.Body, face)
		}
		// Verify checked webhook-timestamp against the real time: the
		// signature carries the wall clock's, not the harness's base clock.
		if !strings.HasPrefix(got.Header.Get("webhook-id"), "msg_") {
			t.Errorf("webhook-id %q", got.Header.Get("webhook-id"))
		}
	})
}

func TestWebhooks_RetriedWithTheSameIDUntilTheReceiverAccepts(t *testing.T) {
	t.Parallel()
	testdb.ForEach(t, func(t *testing.T, dialect string) {
		s := kessaitest.Start(t, dialect, kessaitest.Options{Engine: fastRetries})
		rc := newReceiver(t, func(n int, w http.ResponseWriter, r *http.Request) {
			if n <= 3 {
				http.Error(w, "database is down", http.StatusInternalServerError)
				return
			}
			w.WriteHeader(http.StatusNoContent)
		})
		_, secret := endpoint(t, s, rc.URL)
		refund(t, s)

		got := rc.waitFor(4, 20*time.Second)
		id := got[0].Header.Get("webhook-id")
		for i, g := range got {
			if g.Header.Get("webhook-id") != id {
				t.Errorf("attempt %d: webhook-id %q, want %q as on the first", i+1, g.Header.Get("webhook-id"), id)
			}
			if err := verify(t, secret, g); err != nil {
				t.Errorf("attempt %d: %v", i+1, err)
			}
		}
		time.Sleep(100 * time.Millisecond) // two retry delays: nothing more comes
		if n := len(rc.requests()); n != 4 {
			t.Errorf("%d requests after the fourth was accepted, want 4", n)
		}
		// The metrics count each attempt's outcome, once the worker has
		// recorded the fourth (it answers the receiver's 204 after it came).
		for _, m := range []struct {
			name string
			want float64
		}{
			{`kessai_notify_delivery_attempts_total{kind="payjp",outcome="retry"}`, 3},
			{`kessai_notify_delivery_attempts_total{kind="payjp",outcome="succeeded"}`, 1},
			{`kessai_notify_pending{kind="webhook"}`, 0},
		} {
			got := metric(t, s.URL, m.name)
			for deadline := time.Now().Add(10 * time.Second); got != m.want && time.Now().Before(deadline); got = metric(t, s.URL, m.name) {
				time.Sleep(20 * time.Millisecond)
			}
			if got != m.want {
				t.Errorf("%s: %v, want %v", m.name, got, m.want)
			}
		}
	})
}

func TestWebhooks_ReceiverDownAcrossARestartStillGetsIt(t *testing.T) {
	t.Parallel()
	testdb.ForEach(t, func(t *testing.T, dialect string) {
		ctx := context.Background()
		dbURL := testdb.URL(t, dialect)
		clock := kessai.NewManualClock(kessaitest.Epoch)
		start := func() *server.Main {
			m := &server.Main{Addr: "127.0.0.1:0", DatabaseURL: dbURL, Clock: clock, Engine: fastRetries,
				Worker: workerPoll}
			if err := m.Start(ctx); err != nil {
				t.Fatal(err)
			}
			return m
		}
		rc := newReceiver(t, ok)
		rc.setDown(true)
		m := start()
		na, err := accounts.CreateAccount(m.E, ctx, "restart", false, "jp")
		if err != nil {
			t.Fatal(err)
		}
		acct, _ := accounts.Authenticate(m.E, ctx, na.SecretKey)
		ep, err := notifications.CreateWebhookEndpoint(ctx, m.E, acct, notifications.WebhookEndpointParams{URL: &rc.URL, Kind: kessai.EndpointPayJP})
		if err != nil {
			t.Fatal(err)
		}
		c, err := payjpflow.CreateCustomer(m.E, ctx, acct, payjpflow.CustomerParams{})
		if err != nil {
			t.Fatal(err)
		}
		deliveryOf := func(m *server.Main) *kessai.WebhookDelivery {
			var ds []*kessai.WebhookDelivery
			err := m.Store.View(ctx, func(tx kessai.Tx) error {
				docs, _, err := tx.List(ctx, kessai.KindWebhookDelivery, acct.ID, map[string]string{"endpoint_id": ep.ID}, kessai.Page{Limit: 10})
				for _, d := range docs {
					var x kessai.WebhookDelivery
					if err := json.Unmarshal(d, &x); err != nil {
						return err
					}
					ds = append(ds, &x)
				}
				return err
			})
			if err != nil || len(ds) != 1 {
				t.Fatalf("deliveries: %d (%v), want the customer.created one", len(ds), err)
			}
			return ds[0]
		}
		// Let it fail at least once while kessai runs, then stop kessai.
		deadline := time.Now().Add(10 * time.Second)
		for len(deliveryOf(m).Attempts) == 0 && time.Now().Before(deadline) {
			time.Sleep(10 * time.Millisecond)
		}
		stop, cancel := context.WithTimeout(ctx, 20*time.Second)
		defer cancel()
		if err := m.Close(stop); err != nil {
			t.Fatal(err)
		}

		m = start()
		defer m.Close(context.Background())
		before := deliveryOf(m)
		if before.Status != kessai.DeliveryPending || len(before.Attempts) == 0 || before.Attempts[0].HTTPStatus != 0 {
			t.Fatalf("after the restart: %+v, want pending after failed attempts", before)
		}
		rc.setDown(false)
		got := rc.waitFor(1, 20*time.Second)[0]
		if got.Header.Get("webhook-id") != before.ID {
			t.Errorf("webhook-id %q, want the delivery's %q", got.Header.Get("webhook-id"), before.ID)
		}
		var ev struct{ Type, ID string }
		_ = json.Unmarshal(got.Body, &ev)
		if ev.Type != "customer.created" {
			t.Errorf("event %s, want customer.created about %s", ev.Type, c.ID)
		}
		if err := verify(t, ep.Secret, got); err != nil {
			t.Error(err)
		}
	})
}

func TestWebhooks_GoneDisablesTheEndpoint(t *testing.T) {
	t.Parallel()
	testdb.ForEach(t, func(t *testing.T, dialect string) {
		s := kessaitest.Start(t, dialect, kessaitest.Options{Engine: fastRetries})
		rc := newReceiver(t, func(n int, w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusGone) })
		id, _ := endpoint(t, s, rc.URL)
		refund(t, s)
		rc.waitFor(1, 10*time.Second)
		deadline := time.Now().Add(10 * time.Second)
		var ep *kessaitest.Response
		for {
			ep = must(t, s.Get("/kessai/v1/webhook_endpoints/"+id), 200)
			if ep.Str("status") == "disabled" || time.Now().After(deadline) {
				break
			}
			time.Sleep(10 * time.Millisecond)
		}
		if ep.Str("status") != "disabled" || !strings.Contains(ep.Str("disabled_reason"), "410") {
			t.Fatalf("after 410 Gone: %s", ep.Body)
		}
		// Later events are not delivered to it at all.
		refund(t, s)
		ctx := context.Background()
		err := s.Main.Store.View(ctx, func(tx kessai.Tx) error {
			docs, _, err := tx.List(ctx, kessai.KindWebhookDelivery, s.Acct().ID, map[string]string{"endpoint_id": id}, kessai.Page{Limit: 10})
			if len(docs) != 1 {
				t.Errorf("%d deliveries to the disabled endpoint, want only the first", len(docs))
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		time.Sleep(100 * time.Millisecond)
		if n := len(rc.requests()); n != 1 {
			t.Errorf("the receiver that answered 410 got %d requests, want 1", n)
		}
	})
}

func TestWebhooks_HangingReceiverDoesNotSlowTheAPI(t *testing.T) {
	t.Parallel()
	testdb.ForEach(t, func(t *testing.T, dialect string) {
		s := kessaitest.Start(t, dialect, kessaitest.Options{Notify: notify.Config{Timeout: 30 * time.Second}})
		release := make(chan struct{})
		rc := newReceiver(t, func(n int, w http.ResponseWriter, r *http.Request) {
			select {
			case <-release:
			case <-r.Context().Done():
			}
		})
		t.Cleanup(func() { close(release) }) // runs before the receiver closes
		endpoint(t, s, rc.URL)
		flows := make([]string, 6)
		for i := range flows {
			flows[i] = s.PaidCardFlow(3000)
		}
		must(t, s.Post("/v2/payment_refunds", map[string]any{"payment_flow_id": flows[0], "amount": 100}), 200)
		rc.waitFor(1, 10*time.Second) // a delivery now hangs, and will for 30 s
		s.Clock.Advance(time.Minute)  // the base clock, which queued times and the metric read
		if age := metric(t, s.URL, `kessai_notify_oldest_pending_age_seconds{kind="webhook"}`); age < 60 {
			t.Errorf("the oldest pending delivery's age in /metrics: %v, want at least 60 s", age)
		}

		// Bound, not benchmark: each write must finish far sooner than the
		// receiver would let a delivery inside it finish.
		const bound = 3 * time.Second
		for _, f := range flows[1:] {
			start := time.Now()
			must(t, s.Post("/v2/payment_refunds", map[string]any{"payment_flow_id": f, "amount": 100}), 200)
			if d := time.Since(start); d > bound {
				t.Errorf("a refund took %v while a receiver hangs, want under %v", d, bound)
			}
		}
		start := time.Now()
		s.Advance(time.Hour)
		if d := time.Since(start); d > bound {
			t.Errorf("a clock advance took %v while a receiver hangs, want under %v", d, bound)
		}
		if n := len(rc.waitFor(6, 10*time.Second)); n != 6 {
			t.Errorf("%d deliveries hanging at once, want all 6", n)
		}
	})
}

func TestWebhooks_RotationSignsWithBothSecretsDuringTheGrace(t *testing.T) {
	t.Parallel()
	testdb.ForEach(t, func(t *testing.T, dialect string) {
		s := kessaitest.Start(t, dialect, kessaitest.Options{})
		rc := newReceiver(t, ok)
		id, old := endpoint(t, s, rc.URL)
		fresh := must(t, s.Post("/kessai/v1/webhook_endpoints/"+id+"/rotate_secret", nil), 200).Str("secret")
		refund(t, s)
		got := rc.waitFor(1, 10*time.Second)[0]
		if sigs := strings.Fields(got.Header.Get("webhook-signature")); len(sigs) != 2 {
			t.Errorf("webhook-signature %q: want two signatures during the grace", got.Header.Get("webhook-signature"))
		}
		for name, secret := range map[string]string{"old": old, "new": fresh} {
			if err := verify(t, secret, got); err != nil {
				t.Errorf("the %s secret does not verify: %v", name, err)
			}
		}

		// With no grace the old secret stops signing at once.
		newest := must(t, s.Post("/kessai/v1/webhook_endpoints/"+id+"/rotate_secret", map[string]any{"grace_period": 0}), 200).Str("secret")
		refund(t, s)
		got = rc.waitFor(2, 10*time.Second)[1]
		if err := verify(t, newest, got); err != nil {
			t.Errorf("the newest secret does not verify: %v", err)
		}
		if err := verify(t, fresh, got); err == nil {
			t.Error("a secret rotated out with no grace still verifies")
		}
	})
}
