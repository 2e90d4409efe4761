package amazonv2

import (
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/kessai/kessai"
	"github.com/kessai/kessai/engine"
)

// TestFail_BusyAndUnavailableSayWhenToRetry: a request shed by admission
// is Amazon's 429 TooManyRequests and an unavailable database its 503
// ServiceUnavailable, both with Retry-After (the SDKs retry both).
func TestFail_BusyAndUnavailableSayWhenToRetry(t *testing.T) {
	t.Parallel()
	f := &Face{Log: slog.New(slog.DiscardHandler)}
	for _, c := range []struct {
		name   string
		err    error
		status int
		reason string
		after  string
	}{
		{"shed", &engine.Busy{After: 1500 * time.Millisecond, Err: kessai.Errorf(kessai.RateLimited, "engine.admit", "busy")}, 429, "TooManyRequests", "2"},
		{"unavailable", kessai.Errorf(kessai.Unavailable, "engine.write", "away"), 503, "ServiceUnavailable", "1"},
	} {
		rec := httptest.NewRecorder()
		f.fail(rec, httptest.NewRequest(http.MethodGet, "/sandbox/v2/charges/x", nil), c.err)
		if rec.Code != c.status || rec.Header().Get("Retry-After") != c.after || errorOf(c.err).ReasonCode != c.reason {
			t.Errorf("%s: %d %s, Retry-After %q; want %d %s, %q", c.name, rec.Code, errorOf(c.err).ReasonCode, rec.Header().Get("Retry-After"), c.status, c.reason, c.after)
		}
	}
}
