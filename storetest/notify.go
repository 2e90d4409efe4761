package storetest

import (
	"encoding/json"
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/kessai/kessai"
)

// testWebhookEndpoints: endpoints round trip with their sealed secrets,
// are scoped by account, and are listed by status and kind; a status
// change moves an endpoint between the lists.
func testWebhookEndpoints(t *testing.T, s kessai.Store) {
	at := time.Unix(1700000000, 0).UTC()
	mk := func(acct, kind string) *kessai.WebhookEndpoint {
		return &kessai.WebhookEndpoint{AccountID: acct, ID: kessai.NewID(kessai.PrefixWebhookEndpoint), URL: "https://example.com/hook",
			Kind: kind, EnabledEvents: []string{kessai.AllEvents}, Status: kessai.EndpointEnabled,
			Secrets:   []kessai.WebhookSecret{{Secret: kessai.Sealed{1, 2, 3}, CreatedAt: at}, {Secret: kessai.Sealed{4}, CreatedAt: at, ExpiresAt: at.Add(time.Hour)}},
			CreatedAt: at, UpdatedAt: at}
	}
	payjp, ipn, other := mk("acct_w", kessai.EndpointPayJP), mk("acct_w", kessai.EndpointAmazonIPN), mk("acct_w2", kessai.EndpointPayJP)
	mustUpdate(t, s, func(tx kessai.Tx) error {
		for _, ep := range []*kessai.WebhookEndpoint{payjp, ipn, other} {
			if err := tx.Insert(ctx, ep); err != nil {
				return err
			}
		}
		return nil
	})
	ids := func(filter map[string]string) []string {
		var out []string
		mustView(t, s, func(tx kessai.Tx) error {
			docs, _, err := tx.List(ctx, kessai.KindWebhookEndpoint, "acct_w", filter, kessai.Page{Limit: 10})
			for _, d := range docs {
				var ep kessai.WebhookEndpoint
				if err := json.Unmarshal(d, &ep); err != nil {
					return err
				}
				out = append(out, ep.ID)
			}
			return err
		})
		return out
	}
	mustView(t, s, func(tx kessai.Tx) error {
		var got kessai.WebhookEndpoint
		if err := tx.Get(ctx, kessai.KindWebhookEndpoint, "acct_w", payjp.ID, false, &got); err != nil {
			return err
		}
		if !reflect.DeepEqual(got, *payjp) {
			t.Errorf("endpoint round trip:\n got %+v\nwant %+v", got, *payjp)
		}
		if err := tx.Get(ctx, kessai.KindWebhookEndpoint, "acct_w2", payjp.ID, false, &got); !errors.Is(err, kessai.ErrNoRows) {
			t.Errorf("another account's endpoint: %v, want ErrNoRows", err)
		}
		return nil
	})
	if got := ids(map[string]string{"status": kessai.EndpointEnabled}); !reflect.DeepEqual(got, []string{ipn.ID, payjp.ID}) {
		t.Errorf("enabled endpoints %v, want [%s %s]", got, ipn.ID, payjp.ID)
	}
	if got := ids(map[string]string{"kind": kessai.EndpointAmazonIPN}); !reflect.DeepEqual(got, []string{ipn.ID}) {
		t.Errorf("IPN endpoints %v, want [%s]", got, ipn.ID)
	}
	ipn.Status = kessai.EndpointDisabled
	mustUpdate(t, s, func(tx kessai.Tx) error { return tx.Put(ctx, ipn) })
	if got := ids(map[string]string{"status": kessai.EndpointEnabled}); !reflect.DeepEqual(got, []string{payjp.ID}) {
		t.Errorf("enabled endpoints after disabling one %v, want [%s]", got, payjp.ID)
	}
}

// testJobQueues: a claim takes only its queue's jobs, and a test clock's
// shift moves only the default queue's.
func testJobQueues(t *testing.T, s kessai.Store) {
	base := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	mk := func(queue string) *kessai.Job {
		return &kessai.Job{ID: kessai.NewID(kessai.PrefixJob), AccountID: "acct_q", Kind: "k", Queue: queue,
			State: kessai.JobPending, MaxAttempts: 5, RunAt: base, DueAt: base, CreatedAt: base}
	}
	core, notify := mk(kessai.JobQueueDefault), mk(kessai.JobQueueNotify)
	mustUpdate(t, s, func(tx kessai.Tx) error {
		if err := tx.InsertJob(ctx, core); err != nil {
			return err
		}
		return tx.InsertJob(ctx, notify)
	})
	mustUpdate(t, s, func(tx kessai.Tx) error { return tx.ShiftJobs(ctx, "acct_q", time.Minute) })
	claim := func(queue string) []*kessai.Job {
		var jobs []*kessai.Job
		mustUpdate(t, s, func(tx kessai.Tx) error {
			var err error
			jobs, err = tx.ClaimJobs(ctx, kessai.ClaimParams{Now: base, Worker: "w", LockedUntil: base.Add(time.Minute), Limit: 10, Queue: queue})
			return err
		})
		return jobs
	}
	got := claim(kessai.JobQueueNotify)
	if len(got) != 1 || got[0].ID != notify.ID || got[0].Queue != kessai.JobQueueNotify || !got[0].DueAt.Equal(base) {
		t.Errorf("notify claim %+v, want the notify job, not shifted", got)
	}
	got = claim(kessai.JobQueueDefault)
	if len(got) != 1 || got[0].ID != core.ID || !got[0].DueAt.Equal(base.Add(-time.Minute)) {
		t.Errorf("default claim %+v, want the default job, shifted a minute earlier", got)
	}
	mustView(t, s, func(tx kessai.Tx) error {
		st, err := tx.JobStats(ctx, base)
		if st.Running != 2 {
			t.Errorf("stats %+v, want both queues' running jobs", st)
		}
		return err
	})
}

// testWebhookDeliveries: deliveries round trip with their attempt log and
// are listed by endpoint, event and status.
func testWebhookDeliveries(t *testing.T, s kessai.Store) {
	at := time.Unix(1700000000, 0).UTC()
	mk := func(endpoint, event, status string) *kessai.WebhookDelivery {
		return &kessai.WebhookDelivery{AccountID: "acct_d", ID: kessai.NewID(kessai.PrefixWebhookDelivery), EndpointID: endpoint,
			EventID: event, EventType: "refund.created", Kind: kessai.EndpointPayJP, Status: status, JobID: "job_1",
			Attempts:  []kessai.DeliveryAttempt{{At: at, HTTPStatus: 500, LatencyMS: 12, Response: "oops"}, {At: at.Add(time.Second), Error: "timeout"}},
			CreatedAt: at, QueuedAt: at, UpdatedAt: at}
	}
	a := mk("we_1", "evnt_1", kessai.DeliveryPending)
	b := mk("we_2", "evnt_1", kessai.DeliverySucceeded)
	c := mk("we_1", "evnt_2", kessai.DeliveryFailed)
	mustUpdate(t, s, func(tx kessai.Tx) error {
		for _, d := range []*kessai.WebhookDelivery{a, b, c} {
			if err := tx.Insert(ctx, d); err != nil {
				return err
			}
		}
		return nil
	})
	mustView(t, s, func(tx kessai.Tx) error {
		var got kessai.WebhookDelivery
		if err := tx.Get(ctx, kessai.KindWebhookDelivery, "acct_d", a.ID, false, &got); err != nil {
			return err
		}
		if !reflect.DeepEqual(got, *a) {
			t.Errorf("delivery round trip:\n got %+v\nwant %+v", got, *a)
		}
		for _, tc := range []struct {
			filter map[string]string
			want   []string
		}{
			{map[string]string{"endpoint_id": "we_1"}, []string{c.ID, a.ID}},
			{map[string]string{"event_id": "evnt_1"}, []string{b.ID, a.ID}},
			{map[string]string{"status": kessai.DeliveryFailed}, []string{c.ID}},
			{map[string]string{"endpoint_id": "we_1", "status": kessai.DeliveryPending}, []string{a.ID}},
		} {
			docs, _, err := tx.List(ctx, kessai.KindWebhookDelivery, "acct_d", tc.filter, kessai.Page{Limit: 10})
			if err != nil {
				return err
			}
			var ids []string
			for _, d := range docs {
				var x kessai.WebhookDelivery
				_ = json.Unmarshal(d, &x)
				ids = append(ids, x.ID)
			}
			if !reflect.DeepEqual(ids, tc.want) {
				t.Errorf("deliveries %v: %v, want %v", tc.filter, ids, tc.want)
			}
		}
		return nil
	})
	later := mk("we_3", "evnt_3", kessai.DeliveryPending)
	later.AccountID, later.QueuedAt = "acct_d2", at.Add(time.Hour)
	mustUpdate(t, s, func(tx kessai.Tx) error { return tx.Insert(ctx, later) })
	mustView(t, s, func(tx kessai.Tx) error {
		st, err := tx.NotifyStats(ctx)
		if st.PendingDeliveries < 2 || st.OldestDelivery.After(at) {
			t.Errorf("notify stats %+v, want both accounts' pending deliveries, the oldest queued at %v or before", st, at)
		}
		return err
	})
}

// testEmails: the outbox and the settings round trip and the outbox is
// listed by status.
func testEmails(t *testing.T, s kessai.Store) {
	at := time.Unix(1700000000, 0).UTC()
	sent := &kessai.Email{AccountID: "acct_e", ID: kessai.NewID(kessai.PrefixEmail), Kind: kessai.EmailRefundCompleted,
		To: "b@example.com", Subject: "返金", Body: "¥1,200", Locale: "ja", PaymentID: "S03-1", RefundID: "S03-1-R000001",
		Status: kessai.EmailSent, Attempts: []kessai.DeliveryAttempt{{At: at, HTTPStatus: 250}}, CreatedAt: at, QueuedAt: at, UpdatedAt: at}
	stored := *sent
	stored.ID, stored.Status, stored.Attempts = kessai.NewID(kessai.PrefixEmail), kessai.EmailStored, []kessai.DeliveryAttempt{}
	settings := &kessai.NotificationSettings{AccountID: "acct_e", ID: kessai.NotificationSettingsID, CustomerServiceEmail: "cs@example.com", UpdatedAt: at}
	mustUpdate(t, s, func(tx kessai.Tx) error {
		for _, d := range []kessai.Document{sent, &stored, settings} {
			if err := tx.Insert(ctx, d); err != nil {
				return err
			}
		}
		return nil
	})
	mustView(t, s, func(tx kessai.Tx) error {
		var got kessai.Email
		if err := tx.Get(ctx, kessai.KindEmail, "acct_e", sent.ID, false, &got); err != nil {
			return err
		}
		if !reflect.DeepEqual(got, *sent) {
			t.Errorf("email round trip:\n got %+v\nwant %+v", got, *sent)
		}
		var gs kessai.NotificationSettings
		if err := tx.Get(ctx, kessai.KindNotificationSettings, "acct_e", kessai.NotificationSettingsID, false, &gs); err != nil || gs != *settings {
			t.Errorf("settings round trip: %+v %v", gs, err)
		}
		docs, _, err := tx.List(ctx, kessai.KindEmail, "acct_e", map[string]string{"status": kessai.EmailStored}, kessai.Page{Limit: 10})
		if err != nil || len(docs) != 1 {
			t.Errorf("stored emails: %d (%v), want 1", len(docs), err)
		}
		return nil
	})
}
