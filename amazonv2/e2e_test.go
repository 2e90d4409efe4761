package amazonv2_test

import (
	"bytes"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kessai/kessai/accounts"

	"github.com/kessai/kessai/amazonv2"
	"github.com/kessai/kessai/internal/kessaitest"
	"github.com/kessai/kessai/internal/testdb"
)

var (
	keyOnce sync.Once
	keys    [2]*rsa.PrivateKey
)

// mustKeys returns two RSA keys shared by the tests.
func mustKeys(tb testing.TB) [2]*rsa.PrivateKey {
	tb.Helper()
	keyOnce.Do(func() {
		for i := range keys {
			k, err := rsa.GenerateKey(rand.Reader, 2048)
			if err != nil {
				panic(err)
			}
			keys[i] = k
		}
	})
	return keys
}

func publicPEM(tb testing.TB, k *rsa.PrivateKey) string {
	tb.Helper()
	der, err := x509.MarshalPKIXPublicKey(&k.PublicKey)
	if err != nil {
		tb.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))
}

// registerKey registers k's public key for the server's account with the
// secret key sk and returns the answer.
func registerKey(s *kessaitest.Server, sk string, k *rsa.PrivateKey) *kessaitest.Response {
	s.T.Helper()
	return kessaitest.Must(s.T, s.Do(kessaitest.Req{Method: "POST", Path: "/kessai/v1/amazon/public_keys", Key: sk,
		Body: map[string]string{"public_key": publicPEM(s.T, k)}, NoValidate: true}), 200)
}

// reply is an API v2 answer.
type reply struct {
	method, path string
	status       int
	header       http.Header
	body         []byte
	json         map[string]any
}

func (r *reply) reason() string { s, _ := r.json["reasonCode"].(string); return s }

// call sends a request signed by signer (nil: unsigned) and reads the
// answer; edit may change the signed request before it goes.
func call(t *testing.T, s *kessaitest.Server, signer *amazonv2.Signer, method, path string, body []byte, at time.Time, edit func(*http.Request)) *reply {
	t.Helper()
	req, err := http.NewRequest(method, s.URL+path, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if signer != nil {
		if err := signer.Sign(req, body, at); err != nil {
			t.Fatal(err)
		}
	}
	if edit != nil {
		edit(req)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	out := &reply{method: method, path: path, status: resp.StatusCode, header: resp.Header, body: raw}
	_ = json.Unmarshal(raw, &out.json)
	if ct := resp.Header.Get("Content-Type"); out.status >= 400 && !strings.HasPrefix(path, "/kessai/") && ct != "application/json" {
		t.Errorf("%s %s: Content-Type %q", method, path, ct)
	}
	return out
}

func TestFace_Authentication(t *testing.T) {
	t.Parallel()
	for _, dialect := range testdb.Dialects {
		t.Run(dialect, func(t *testing.T) {
			t.Parallel()
			s := kessaitest.Start(t, dialect, kessaitest.Options{NoWorker: true})
			k := mustKeys(t)
			reg := registerKey(s, s.Key, k[0])
			id := reg.Str("public_key_id")
			if !strings.HasPrefix(id, "SANDBOX-") || len(id) != len("SANDBOX-")+24 {
				t.Fatalf("public key id %q", id)
			}
			if reg.Str("merchant_id") != s.Account.MWS.SellerID || !strings.HasPrefix(reg.Str("store_id"), "amzn1.application-oa2-client.") {
				t.Fatalf("registered %s", reg.Body)
			}
			v1 := &amazonv2.Signer{Key: k[0], PublicKeyID: id}
			v2 := &amazonv2.Signer{Key: k[0], PublicKeyID: id, Algorithm: amazonv2.AlgorithmV2}
			now := time.Now()

			t.Run("signed requests are served on every path", func(t *testing.T) {
				for _, c := range []struct {
					signer *amazonv2.Signer
					path   string
				}{
					{v1, "/sandbox/v2/buyers/token-1"},
					{v2, "/sandbox/v2/buyers/token-1"},
					{v1, "/v2/buyers/token-1"},
					{v2, "/v2/buyers/token-1?a=1&b=two%20words"},
				} {
					r := call(t, s, c.signer, "GET", c.path, nil, now, nil)
					if r.status != 200 || !strings.HasPrefix(r.json["buyerId"].(string), "amzn1.account.") {
						t.Errorf("%s %s: %d %s", c.signer.Algorithm.Name, c.path, r.status, r.body)
					}
				}
			})
			t.Run("refusals have Amazon's shape and status", func(t *testing.T) {
				other := &amazonv2.Signer{Key: k[1], PublicKeyID: id}
				for _, c := range []struct {
					name   string
					signer *amazonv2.Signer
					path   string
					at     time.Time
					edit   func(*http.Request)
					status int
					reason string
				}{
					{"no signature", nil, "/sandbox/v2/buyers/t", now, nil, 400, "MissingHeader"},
					{"signed by another key", other, "/sandbox/v2/buyers/t", now, nil, 403, "InvalidRequestSignature"},
					{"a header changed after signing", v1, "/sandbox/v2/buyers/t", now, func(r *http.Request) { r.Header.Set("X-Amz-Pay-Region", "na") }, 403, "InvalidRequestSignature"},
					{"a query added after signing", v2, "/sandbox/v2/buyers/t", now, func(r *http.Request) { r.URL.RawQuery = "x=1" }, 403, "InvalidRequestSignature"},
					{"an unknown key", &amazonv2.Signer{Key: k[0], PublicKeyID: "SANDBOX-NOSUCHKEY"}, "/sandbox/v2/buyers/t", now, nil, 401, "UnauthorizedAccess"},
					{"a date 16 minutes old", v1, "/sandbox/v2/buyers/t", now.Add(-16 * time.Minute), nil, 400, "InvalidHeaderValue"},
					{"a date 16 minutes ahead", v1, "/sandbox/v2/buyers/t", now.Add(16 * time.Minute), nil, 400, "InvalidHeaderValue"},
					{"a sandbox key on the live path", v1, "/live/v2/buyers/t", now, nil, 401, "UnauthorizedAccess"},
					{"an operation kessai does not serve", v1, "/sandbox/v2/nothingHere", now, nil, 404, "ResourceNotFound"},
					{"a simulation string", v1, "/sandbox/v2/buyers/t", now, func(r *http.Request) { r.Header.Set("X-Amz-Pay-Simulation-Code", "HardDeclined") }, 400, "InvalidSandboxSimulationSpecified"},
				} {
					r := call(t, s, c.signer, "GET", c.path, nil, c.at, c.edit)
					if r.status != c.status || r.reason() != c.reason || r.json["message"] == "" {
						t.Errorf("%s: %d %s, want %d %s", c.name, r.status, r.body, c.status, c.reason)
					}
				}
			})
			t.Run("the Authorization scheme decides /v2/", func(t *testing.T) {
				// The PAY.JP face keeps /v2/refunds for its own keys...
				kessaitest.Must(t, s.Do(kessaitest.Req{Method: "GET", Path: "/v2/refunds"}), 200)
				// ...and an Amazon signature takes it to this face.
				r := call(t, s, v1, "GET", "/v2/refunds/S03-0000000-0000000-R000001", nil, now, nil)
				if r.status != 404 || r.reason() != "ResourceNotFound" {
					t.Errorf("GET /v2/refunds/… signed for Amazon: %d %s", r.status, r.body)
				}
			})
			t.Run("keys are listed and revoked", func(t *testing.T) {
				second := registerKey(s, s.Key, k[1]).Str("public_key_id")
				list := kessaitest.Must(t, s.Do(kessaitest.Req{Method: "GET", Path: "/kessai/v1/amazon/public_keys", NoValidate: true}), 200).Data()
				if len(list) != 2 || list[0]["public_key_id"] != id || list[1]["public_key_id"] != second {
					t.Fatalf("keys %v", list)
				}
				signer := &amazonv2.Signer{Key: k[1], PublicKeyID: second}
				if r := call(t, s, signer, "GET", "/v2/buyers/t", nil, now, nil); r.status != 200 {
					t.Fatalf("the second key: %d %s", r.status, r.body)
				}
				rev := kessaitest.Must(t, s.Do(kessaitest.Req{Method: "DELETE", Path: "/kessai/v1/amazon/public_keys/" + second, NoValidate: true}), 200)
				if rev.Str("status") != "revoked" || rev.Str("revoked_at") == "" {
					t.Fatalf("revoked %s", rev.Body)
				}
				if r := call(t, s, signer, "GET", "/v2/buyers/t", nil, now, nil); r.status != 401 || r.reason() != "UnauthorizedAccess" {
					t.Fatalf("a revoked key: %d %s", r.status, r.body)
				}
				if r := call(t, s, v1, "GET", "/v2/buyers/t", nil, now, nil); r.status != 200 {
					t.Fatalf("the first key after the second was revoked: %d %s", r.status, r.body)
				}
			})
			t.Run("another account cannot see or revoke a key", func(t *testing.T) {
				intruder := s.NewAccount("intruder")
				for _, m := range []string{"GET", "DELETE"} {
					r := s.Do(kessaitest.Req{Method: m, Path: "/kessai/v1/amazon/public_keys/" + id, Key: intruder.SecretKey, NoValidate: true})
					if r.Status != 404 {
						t.Errorf("%s another account's key: %d %s", m, r.Status, r.Body)
					}
				}
				if r := call(t, s, v1, "GET", "/v2/buyers/t", nil, now, nil); r.status != 200 {
					t.Fatalf("the key after the intruder tried: %d %s", r.status, r.body)
				}
			})
			t.Run("bad keys are refused and change nothing", func(t *testing.T) {
				acct := s.NewAccount("bad keys")
				priv := string(pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(k[0])}))
				small, err := rsa.GenerateKey(rand.Reader, 1024)
				if err != nil {
					t.Fatal(err)
				}
				for _, body := range []any{
					map[string]string{"public_key": priv},
					map[string]string{"public_key": publicPEM(t, small)},
					map[string]string{"public_key": "not a key"},
					map[string]string{},
					"{",
				} {
					r := s.Do(kessaitest.Req{Method: "POST", Path: "/kessai/v1/amazon/public_keys", Key: acct.SecretKey, Body: body, NoValidate: true})
					if r.Status < 400 || r.Status >= 500 {
						t.Errorf("registering %v: %d %s", body, r.Status, r.Body)
					}
					if strings.Contains(string(r.Body), "PRIVATE KEY-----") {
						t.Errorf("the answer echoes the private key")
					}
				}
				list := kessaitest.Must(t, s.Do(kessaitest.Req{Method: "GET", Path: "/kessai/v1/amazon/public_keys", Key: acct.SecretKey, NoValidate: true}), 200).Data()
				if len(list) != 0 {
					t.Errorf("keys after refusals: %v", list)
				}
				if r := s.Do(kessaitest.Req{Method: "POST", Path: "/kessai/v1/amazon/public_keys", Key: "-", Body: map[string]string{"public_key": publicPEM(t, k[0])}, NoValidate: true}); r.Status != 401 {
					t.Errorf("without a secret key: %d", r.Status)
				}
			})
		})
	}
}

// TestFace_LiveKeys: a live account's keys start LIVE- and sign for
// /live/v2/ and /v2/, not for the sandbox.
func TestFace_LiveKeys(t *testing.T) {
	t.Parallel()
	s := kessaitest.Start(t, "sqlite", kessaitest.Options{NoWorker: true})
	live, err := accounts.CreateAccount(s.Main.E, t.Context(), "live shop", true, "jp")
	if err != nil {
		t.Fatal(err)
	}
	k := mustKeys(t)
	id := registerKey(s, live.SecretKey, k[0]).Str("public_key_id")
	if !strings.HasPrefix(id, "LIVE-") {
		t.Fatalf("a live key id %q", id)
	}
	signer := &amazonv2.Signer{Key: k[0], PublicKeyID: id}
	if r := call(t, s, signer, "GET", "/sandbox/v2/buyers/t", nil, time.Now(), nil); r.status != 401 || r.reason() != "UnauthorizedAccess" {
		t.Errorf("a live key on the sandbox path: %d %s", r.status, r.body)
	}
	// Served, and refused as kessai has no live Amazon.
	if r := call(t, s, signer, "GET", "/live/v2/buyers/t", nil, time.Now(), nil); r.status != 403 || r.reason() != "InvalidAccountStatus" {
		t.Errorf("a live key on the live path: %d %s", r.status, r.body)
	}
}
