package server_test

import (
	"bytes"
	"io"
	"net/http"
	"testing"

	"github.com/kessai/kessai/api"
	"github.com/kessai/kessai/internal/kessaitest"
)

func TestServer_ServesTheOpenAPIDocument(t *testing.T) {
	t.Parallel()
	s := kessaitest.Start(t, "sqlite", kessaitest.Options{NoWorker: true})
	resp, err := http.Get(s.URL + "/openapi.yaml") // no key: the document is public
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "application/yaml" {
		t.Fatalf("GET /openapi.yaml: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	if !bytes.Equal(body, api.Document()) || !bytes.HasPrefix(body, []byte("openapi: 3.")) {
		t.Errorf("GET /openapi.yaml is not the embedded document api/openapi.yaml (%d bytes)", len(body))
	}
}
