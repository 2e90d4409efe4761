package server_test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kessai/kessai/internal/testdb"
	"github.com/kessai/kessai/server"
)

// startTLS starts a server with an HTTPS listener whose self-signed
// certificate is kept in dir.
func startTLS(t *testing.T, dir string, cfg server.TLSConfig) *server.Main {
	t.Helper()
	cfg.Addr = "127.0.0.1:0"
	if cfg.CertFile == "" {
		cfg.Dir = dir
	}
	m := &server.Main{Addr: "127.0.0.1:0", DatabaseURL: testdb.SQLiteURL(t), NoWorker: true, TLS: cfg}
	if err := m.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = m.Close(context.Background()) })
	return m
}

// trusting is a client that trusts only the certificate in file.
func trusting(t *testing.T, file string) *http.Client {
	t.Helper()
	pem, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		t.Fatal("no certificate in " + file)
	}
	return &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
}

func TestTLS_SelfSignedIsMadeOnceAndKept(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "data")
	m := startTLS(t, dir, server.TLSConfig{})
	if !strings.HasPrefix(m.TLSURL(), "https://127.0.0.1:") {
		t.Fatalf("TLSURL %q", m.TLSURL())
	}
	certFile := filepath.Join(dir, server.SelfSignedCert)
	client := trusting(t, certFile)
	for _, base := range []string{m.TLSURL(), strings.Replace(m.TLSURL(), "127.0.0.1", "localhost", 1)} {
		resp, err := client.Get(base + "/healthz")
		if err != nil {
			t.Fatalf("%s: %v", base, err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Fatalf("%s/healthz: %d", base, resp.StatusCode)
		}
	}
	// Every face is on it: PAY.JP's answers its own 401.
	resp, err := client.Get(m.TLSURL() + "/v2/payment_flows")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 401 {
		t.Errorf("GET /v2/payment_flows over HTTPS without a key: %d", resp.StatusCode)
	}
	if st, err := os.Stat(filepath.Join(dir, server.SelfSignedKey)); err != nil || st.Mode().Perm() != 0o600 {
		t.Errorf("the key file: %v %v", st, err)
	}
	before, _ := os.ReadFile(certFile)
	// A second server on the same directory keeps the certificate.
	m2 := startTLS(t, dir, server.TLSConfig{})
	after, _ := os.ReadFile(certFile)
	if string(before) != string(after) {
		t.Fatal("the self-signed certificate was made again")
	}
	resp, err = trusting(t, certFile).Get(m2.TLSURL() + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
}

func TestTLS_GivenCertificate(t *testing.T) {
	t.Parallel()
	// A certificate made elsewhere (here: by a first server) is used as given.
	dir := t.TempDir()
	startTLS(t, dir, server.TLSConfig{})
	cert, key := filepath.Join(dir, server.SelfSignedCert), filepath.Join(dir, server.SelfSignedKey)
	other := t.TempDir()
	m := startTLS(t, other, server.TLSConfig{CertFile: cert, KeyFile: key})
	resp, err := trusting(t, cert).Get(m.TLSURL() + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if _, err := os.Stat(filepath.Join(other, server.SelfSignedCert)); err == nil {
		t.Error("a self-signed certificate was made though one was given")
	}
	bad := &server.Main{Addr: "127.0.0.1:0", DatabaseURL: testdb.SQLiteURL(t), NoWorker: true, TLS: server.TLSConfig{Addr: "127.0.0.1:0", CertFile: cert}}
	if err := bad.Start(context.Background()); err == nil {
		bad.Close(context.Background())
		t.Fatal("a certificate without its key was accepted")
	}
}
