package main

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestAmazonKeys_AddListRevoke: the CLI registers a public key for an
// account, lists it and revokes it, on the database serve would use.
func TestAmazonKeys_AddListRevoke(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	db := "sqlite:" + filepath.Join(dir, "k.db")
	r := runKessai(t, "accounts", "create", "--name", "shop", "--database-url", db, "--json")
	if r.code != 0 {
		t.Fatal(r)
	}
	var acct struct {
		ID  string `json:"id"`
		MWS struct {
			SellerID string `json:"seller_id"`
		} `json:"mws"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &acct); err != nil {
		t.Fatal(err)
	}
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	der, _ := x509.MarshalPKIXPublicKey(&k.PublicKey)
	keyFile := filepath.Join(dir, "public.pem")
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}

	r = runKessai(t, "amazon", "keys", "add", "--database-url", db, "--account", acct.ID, "--public-key-file", keyFile, "--json")
	if r.code != 0 {
		t.Fatal(r)
	}
	var added map[string]any
	if err := json.Unmarshal([]byte(r.stdout), &added); err != nil {
		t.Fatalf("%v\n%v", err, r)
	}
	id, _ := added["public_key_id"].(string)
	if !strings.HasPrefix(id, "SANDBOX-") || added["merchant_id"] != acct.MWS.SellerID || added["status"] != "active" {
		t.Fatalf("added %v", added)
	}

	r = runKessai(t, "amazon", "keys", "list", "--database-url", db, "--account", acct.ID)
	if r.code != 0 || !strings.Contains(r.stdout, id) || !strings.Contains(r.stdout, "active") {
		t.Fatalf("list: %v", r)
	}
	r = runKessai(t, "amazon", "keys", "revoke", id, "--database-url", db, "--account", acct.ID)
	if r.code != 0 || !strings.Contains(r.stdout, "revoked") {
		t.Fatalf("revoke: %v", r)
	}
	r = runKessai(t, "amazon", "keys", "revoke", "SANDBOX-NONE", "--database-url", db, "--account", acct.ID)
	if r.code == 0 {
		t.Fatalf("revoking an unknown key: %v", r)
	}
	// A private key is refused and not kept.
	priv := filepath.Join(dir, "private.pem")
	if err := os.WriteFile(priv, pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(k)}), 0o600); err != nil {
		t.Fatal(err)
	}
	r = runKessai(t, "amazon", "keys", "add", "--database-url", db, "--account", acct.ID, "--public-key-file", priv)
	if r.code == 0 || !strings.Contains(r.stderr, "private key") {
		t.Fatalf("a private key: %v", r)
	}
	r = runKessai(t, "amazon", "keys", "list", "--database-url", db, "--account", acct.ID, "--json")
	if r.code != 0 || strings.Count(r.stdout, "public_key_id") != 1 {
		t.Fatalf("list after: %v", r)
	}
	if r := runKessai(t, "amazon", "keys", "list", "--database-url", db); r.code != 2 {
		t.Fatalf("without --account: %v", r)
	}
}
