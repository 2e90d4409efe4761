package server_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"

	"github.com/kessai/kessai"
	"github.com/kessai/kessai/internal/kessaitest"
	"github.com/kessai/kessai/internal/testdb"
	"github.com/kessai/kessai/notifications"
)

// secretBytes decodes a whsec_ secret, failing the test unless it has the
// Standard Webhooks shape.
func secretBytes(t testing.TB, secret string) []byte {
	t.Helper()
	raw, ok := strings.CutPrefix(secret, "whsec_")
	if !ok {
		t.Fatalf("secret %q has no whsec_ prefix", secret)
	}
	key, err := base64.StdEncoding.DecodeString(raw)
	if err != nil || len(key) < 24 || len(key) > 64 {
		t.Fatalf("secret %q: %d key bytes (%v), want 24 to 64", secret, len(key), err)
	}
	return key
}

func TestWebhookEndpoints_Lifecycle(t *testing.T) {
	t.Parallel()
	testdb.ForEach(t, func(t *testing.T, dialect string) {
		s := kessaitest.Start(t, dialect, kessaitest.Options{NoWorker: true})

		created := must(t, s.Post("/kessai/v1/webhook_endpoints", map[string]any{"url": "https://merchant.example/hooks", "kind": "payjp"}), 200)
		id := created.Str("id")
		secretBytes(t, created.Str("secret"))
		if created.Str("status") != "enabled" || created.JSON["enabled_events"].([]any)[0] != "*" {
			t.Errorf("new endpoint: %s", created.Body)
		}
		ipn := must(t, s.Post("/kessai/v1/webhook_endpoints", map[string]any{"url": "http://127.0.0.1:9/ipn", "kind": "amazon_ipn",
			"enabled_events": []string{"amazon_refund.completed", "amazon_refund.declined"}}), 200)

		t.Run("secret_is_sealed_at_rest", func(t *testing.T) {
			ctx := context.Background()
			var raw []json.RawMessage
			err := s.Main.Store.View(ctx, func(tx kessai.Tx) error {
				var err error
				raw, _, err = tx.List(ctx, kessai.KindWebhookEndpoint, s.Acct().ID, nil, kessai.Page{Limit: 10})
				return err
			})
			if err != nil || len(raw) != 2 {
				t.Fatalf("stored endpoints: %d, %v", len(raw), err)
			}
			secret := created.Str("secret")
			for _, doc := range raw {
				if strings.Contains(string(doc), strings.TrimPrefix(secret, "whsec_")) {
					t.Errorf("the stored endpoint holds its secret in the clear: %s", doc)
				}
			}
			ep, err := notifications.GetWebhookEndpoint(ctx, s.Main.E, s.Acct(), id)
			if err != nil {
				t.Fatal(err)
			}
			opened, err := notifications.SigningSecrets(ctx, s.Main.E, ep, s.Clock.Now())
			if err != nil || len(opened) != 1 || opened[0] != secret {
				t.Errorf("opened secrets %v (%v), want [%s]", opened, err, secret)
			}
		})

		t.Run("reads_never_show_the_secret", func(t *testing.T) {
			got := must(t, on(s, t).Get("/kessai/v1/webhook_endpoints/"+id), 200)
			if _, ok := got.JSON["secret"]; ok {
				t.Errorf("GET shows the secret: %s", got.Body)
			}
			ids, _ := listIDs(t, s, "/kessai/v1/webhook_endpoints", "")
			if len(ids) != 2 || ids[0] != ipn.Str("id") || ids[1] != id {
				t.Errorf("list %v, want [%s %s]", ids, ipn.Str("id"), id)
			}
			if strings.Contains(string(must(t, on(s, t).Get("/kessai/v1/webhook_endpoints"), 200).Body), "whsec_") {
				t.Error("the list shows a secret")
			}
		})

		t.Run("rotation_answers_a_new_secret_and_when_the_old_one_ends", func(t *testing.T) {
			r := must(t, on(s, t).Post("/kessai/v1/webhook_endpoints/"+id+"/rotate_secret", map[string]any{"grace_period": 3600}), 200)
			if r.Str("secret") == created.Str("secret") {
				t.Error("rotation kept the secret")
			}
			secretBytes(t, r.Str("secret"))
			if r.Str("previous_secrets_expire_at") != kessaitest.Epoch.Add(3600e9).Format("2006-01-02T15:04:05Z") {
				t.Errorf("previous_secrets_expire_at %q, want an hour after the base clock", r.Str("previous_secrets_expire_at"))
			}
		})

		t.Run("update_disables_and_enables", func(t *testing.T) {
			r := must(t, on(s, t).Post("/kessai/v1/webhook_endpoints/"+id, map[string]any{"status": "disabled"}), 200)
			if r.Str("status") != "disabled" || r.Str("disabled_reason") == "" {
				t.Errorf("disabled: %s", r.Body)
			}
			r = must(t, on(s, t).Post("/kessai/v1/webhook_endpoints/"+id, map[string]any{"status": "enabled", "url": "https://merchant.example/v2"}), 200)
			if r.Str("status") != "enabled" || r.JSON["disabled_reason"] != nil || r.Str("url") != "https://merchant.example/v2" {
				t.Errorf("enabled again: %s", r.Body)
			}
		})

		t.Run("bad_input_is_refused", func(t *testing.T) {
			for _, tc := range []struct {
				name, field string
				body        map[string]any
			}{
				{"ftp_url", "url", map[string]any{"url": "ftp://merchant.example/", "kind": "payjp"}},
				{"relative_url", "url", map[string]any{"url": "/hooks", "kind": "payjp"}},
				{"no_url", "url", map[string]any{"kind": "payjp"}},
				{"unknown_kind", "kind", map[string]any{"url": "https://merchant.example/", "kind": "stripe"}},
				{"no_kind", "kind", map[string]any{"url": "https://merchant.example/"}},
				{"bad_event_type", "enabled_events", map[string]any{"url": "https://merchant.example/", "kind": "payjp", "enabled_events": []string{"Refund Created"}}},
			} {
				t.Run(tc.name, func(t *testing.T) {
					r := on(s, t).Do(kessaitest.Req{Method: "POST", Path: "/kessai/v1/webhook_endpoints", Body: tc.body})
					wantProblem(t, r, 422, "validation_error")
					if got := fieldOf(r); got != tc.field {
						t.Errorf("field %q, want %q", got, tc.field)
					}
				})
			}
			wantProblem(t, on(s, t).Post("/kessai/v1/webhook_endpoints/"+id+"/rotate_secret", map[string]any{"grace_period": -1}), 422, "validation_error")
			wantProblem(t, on(s, t).Get("/kessai/v1/webhook_endpoints/we_nope"), 404, "not_found")
		})

		t.Run("delete_removes_it", func(t *testing.T) {
			r := must(t, on(s, t).Do(kessaitest.Req{Method: "DELETE", Path: "/kessai/v1/webhook_endpoints/" + ipn.Str("id")}), 200)
			if r.JSON["deleted"] != true {
				t.Errorf("delete: %s", r.Body)
			}
			wantProblem(t, on(s, t).Get("/kessai/v1/webhook_endpoints/"+ipn.Str("id")), 404, "not_found")
		})
	})
}
