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
	for path, want := range map[string][]byte{"/openapi.yaml": api.Document(), "/amazonpay-v2.yaml": api.AmazonPayV2Document()} {
		resp, err := http.Get(s.URL + path) // no key: the document is public
		if err != nil {
			t.Fatal(err)
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			t.Fatal(err)
		}
		if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "application/yaml" {
			t.Fatalf("GET %s: %d %s", path, resp.StatusCode, resp.Header.Get("Content-Type"))
		}
		if !bytes.Equal(body, want) || !bytes.HasPrefix(body, []byte("openapi: 3.")) {
			t.Errorf("GET %s is not the embedded document api%s (%d bytes)", path, path, len(body))
		}
	}
}
