package compat

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestAmazonV2NodeSDK drives kessai's Amazon Pay API v2 face with Amazon's
// official Node SDK, @amazonpay/amazon-pay-api-sdk-nodejs 2.3.4,
// unmodified (amazonv2.test.mjs), over kessai's HTTPS listener with its
// self-signed certificate, with both signature algorithms; the same skip
// and fail rules as TestNodeSDK.
func TestAmazonV2NodeSDK(t *testing.T) {
	if testing.Short() {
		t.Skip("compat: skipped in -short mode")
	}
	node, npm := requireTool(t, "node"), requireTool(t, "npm")
	compatDir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	tmp := t.TempDir()
	bin := buildKessai(t, moduleRoot(t, compatDir), tmp)

	ctx, cancel := boundedContext(t, runTimeout)
	defer cancel()
	dbURL := "sqlite:" + filepath.Join(tmp, "k.db")
	acct := createAccount(t, ctx, bin, dbURL)
	tlsAddr := freeAddr(t)
	// The self-signed certificate is kept in the data directory: here the
	// test's own.
	t.Setenv("XDG_DATA_HOME", filepath.Join(tmp, "data"))
	baseURL := startServer(t, bin, dbURL, "--tls-addr", tlsAddr, "--settle-delay-amazon", "1s")
	installNodeModules(t, ctx, compatDir, npm)

	env := append(os.Environ(),
		"KESSAI_BASE_URL="+baseURL,
		"KESSAI_TLS_HOST="+tlsAddr,
		"KESSAI_SECRET_KEY="+acct.SecretKey,
		"NO_PROXY=127.0.0.1,localhost", "no_proxy=127.0.0.1,localhost",
	)
	if !strings.HasPrefix(tlsAddr, "127.0.0.1:") {
		t.Fatalf("compat: TLS address %s", tlsAddr)
	}
	if err := run(t, ctx, compatDir, env, "node", node, "--test", "--test-reporter=spec", "amazonv2.test.mjs"); err != nil {
		t.Errorf("node --test amazonv2.test.mjs failed: %v", err)
	}
}
