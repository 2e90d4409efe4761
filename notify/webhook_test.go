package notify

import (
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"
)

func TestSign_VerifiesWithTheReferenceLibrary(t *testing.T) {
	t.Parallel()
	// Secrets of the Standard Webhooks format; the second is rotating out.
	secrets := []string{"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD"}
	body := []byte(`{"object":"event","type":"refund.created"}`)
	now := time.Now()
	sig, err := Sign("msg_1", now.Unix(), body, secrets)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(strings.Fields(sig)); n != 2 {
		t.Fatalf("signature %q: %d parts, want one per secret", sig, n)
	}
	h := http.Header{}
	h.Set("webhook-id", "msg_1")
	h.Set("webhook-timestamp", strconv.FormatInt(now.Unix(), 10))
	h.Set("webhook-signature", sig)
	for _, s := range secrets {
		wh, err := standardwebhooks.NewWebhook(s)
		if err != nil {
			t.Fatal(err)
		}
		if err := wh.Verify(body, h); err != nil {
			t.Errorf("secret %s: %v", s, err)
		}
		if err := wh.Verify(append(body, ' '), h); err == nil {
			t.Errorf("secret %s verifies a changed body", s)
		}
	}
	if _, err := Sign("msg_1", 1, body, []string{"not-a-secret"}); err == nil {
		t.Error("a secret without whsec_ signs")
	}
}

func TestParseRetryAfter(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 1, 10, 5, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		in   string
		want time.Duration
	}{
		{"", 0},
		{"120", 2 * time.Minute},
		{" 5 ", 5 * time.Second},
		{"0", 0},
		{"-3", 0},
		{"soon", 0},
		{"99999999999", 30 * 24 * time.Hour},
		{now.Add(90 * time.Second).Format(http.TimeFormat), 90 * time.Second},
		{now.Add(-time.Hour).Format(http.TimeFormat), 0},
	} {
		if got := parseRetryAfter(tc.in, now); got != tc.want {
			t.Errorf("parseRetryAfter(%q) = %v, want %v", tc.in, got, tc.want)
		}
	}
}

func TestTrimPartialRune(t *testing.T) {
	t.Parallel()
	full := []byte("返金")
	for cut := 0; cut <= len(full); cut++ {
		got := string(trimPartialRune(full[:cut]))
		if want := map[int]string{0: "", 1: "", 2: "", 3: "返", 4: "返", 5: "返", 6: "返金"}[cut]; got != want {
			t.Errorf("cut at %d: %q, want %q", cut, got, want)
		}
	}
}
