package server_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"

	"github.com/kessai/kessai/server"
)

func TestOpsHandler_ReadyOnlyWhileTheStoreAnswers(t *testing.T) {
	t.Parallel()
	m := &server.Main{DatabaseURL: "sqlite:" + filepath.Join(t.TempDir(), "k.db")}
	if err := m.Open(context.Background()); err != nil {
		t.Fatal(err)
	}
	h := m.OpsHandler()
	status := func(path string) int {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
		return rec.Code
	}
	if got := status("/readyz"); got != http.StatusOK {
		t.Errorf("/readyz with the store open: %d", got)
	}
	if err := m.Store.Close(); err != nil {
		t.Fatal(err)
	}
	if got := status("/readyz"); got != http.StatusServiceUnavailable {
		t.Errorf("/readyz with the store closed: %d, want 503", got)
	}
	if got := status("/livez"); got != http.StatusOK {
		t.Errorf("/livez with the store closed: %d, want 200 (the process still serves)", got)
	}
}
