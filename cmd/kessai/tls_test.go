package main

import (
	"crypto/tls"
	"crypto/x509"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestServe_TLSAddrServesHTTPSWithAKeptCertificate: --tls-addr opens an
// HTTPS listener whose self-signed certificate kessai keeps in its data
// directory, and a client that trusts that file reaches every face.
func TestServe_TLSAddrServesHTTPSWithAKeptCertificate(t *testing.T) {
	t.Parallel()
	data := t.TempDir()
	env := testEnv(t)
	for i, kv := range env {
		if strings.HasPrefix(kv, "XDG_DATA_HOME=") {
			env[i] = "XDG_DATA_HOME=" + data
		}
	}
	c := command{env: env, args: []string{"serve", "--addr", "127.0.0.1:0", "--tls-addr", "127.0.0.1:0"}}
	r := c.start(t, "kessai: serving https on ")
	rest := strings.TrimPrefix(r.line, "kessai: serving https on ")
	base, _, _ := strings.Cut(rest, ",")
	certFile := filepath.Join(data, "kessai", "kessai-localhost.crt")
	if !strings.HasPrefix(base, "https://127.0.0.1:") || !strings.Contains(rest, certFile) {
		t.Fatalf("the HTTPS line: %q", r.line)
	}
	pem, err := os.ReadFile(certFile)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(pem)
	client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	resp, err := client.Get(base + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("GET /healthz over HTTPS: %d", resp.StatusCode)
	}
	if res := runKessai(t, "serve", "--tls-addr", "127.0.0.1:0", "--tls-cert", certFile, "--database-url", "sqlite:"+filepath.Join(t.TempDir(), "k.db")); res.code != 2 {
		t.Fatalf("--tls-cert without --tls-key: %v", res)
	}
}
