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
