package compat

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

// mwsCreds are the MWS credentials `kessai accounts create --json` prints.
type mwsCreds struct {
	SellerID    string `json:"seller_id"`
	AccessKeyID string `json:"access_key_id"`
	SecretKey   string `json:"secret_key"`
	Region      string `json:"region"`
}

// TestMWSNodeClient drives kessai's Amazon Pay MWS face with the npm
// client amazon-payments (mws.test.mjs): an order reference made through
// kessai's own API, then SetOrderReferenceDetails, Confirm, Authorize,
// Capture, Refund and the Get*Details calls, with the same skip and fail
// rules as TestNodeSDK.
func TestMWSNodeClient(t *testing.T) {
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
	var creds mwsCreds
	if err := json.Unmarshal(acct.MWS, &creds); err != nil || creds.AccessKeyID == "" || creds.SecretKey == "" || creds.SellerID == "" {
		t.Fatalf("compat: kessai accounts create --json: no MWS credentials in %s (%v)", acct.MWS, err)
	}
	// Amazon refunds settle after a second instead of 30, so that the
	// suite sees a refund complete.
	baseURL := startServer(t, bin, dbURL, "--settle-delay-amazon", "1s")
	installNodeModules(t, ctx, compatDir, npm)

	env := append(os.Environ(),
		"KESSAI_BASE_URL="+baseURL,
		"KESSAI_SECRET_KEY="+acct.SecretKey,
		"KESSAI_MWS_SELLER_ID="+creds.SellerID,
		"KESSAI_MWS_ACCESS_KEY_ID="+creds.AccessKeyID,
		"KESSAI_MWS_SECRET_KEY="+creds.SecretKey,
		// The client (request) honours proxy variables; kessai is local.
		"NO_PROXY=127.0.0.1,localhost", "no_proxy=127.0.0.1,localhost",
	)
	if err := run(t, ctx, compatDir, env, "node", node, "--test", "--test-reporter=spec", "mws.test.mjs"); err != nil {
		t.Errorf("node --test mws.test.mjs failed: %v", err)
	}
}
