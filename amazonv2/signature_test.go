package amazonv2

import (
	"bytes"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"
)

var (
	testKeyOnce sync.Once
	testKey     *rsa.PrivateKey
)

// MustTestKey returns one 2048-bit RSA key for the package's tests.
func MustTestKey(tb testing.TB) *rsa.PrivateKey {
	tb.Helper()
	testKeyOnce.Do(func() {
		k, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			panic(err)
		}
		testKey = k
	})
	return testKey
}

// sdkSign signs as the official Node SDK's signHeaders does, written out
// step by step and independently of CanonicalRequest: headers sorted by
// their lower-cased names and listed as given, one "name:value" line
// each, an empty line, the list, the hex SHA-256 of the payload; then
// the algorithm's name and the hex SHA-256 of that, signed with RSA-PSS.
func sdkSign(tb testing.TB, key *rsa.PrivateKey, alg Algorithm, keyID, method, fragment string, query map[string]string, headers map[string]string, payload string) (path, rawQuery string, out http.Header) {
	tb.Helper()
	names := make([]string, 0, len(headers))
	for k := range headers {
		names = append(names, k)
	}
	sort.Slice(names, func(i, j int) bool { return strings.ToLower(names[i]) < strings.ToLower(names[j]) })
	var qs []string
	qkeys := make([]string, 0, len(query))
	for k := range query {
		qkeys = append(qkeys, k)
	}
	sort.Strings(qkeys)
	for _, k := range qkeys {
		qs = append(qs, k+"="+strings.ReplaceAll(url.QueryEscape(query[k]), "+", "%20"))
	}
	rawQuery = strings.Join(qs, "&")
	canonical := method + "\n/" + fragment + "\n" + rawQuery + "\n"
	for _, n := range names {
		canonical += strings.ToLower(n) + ":" + headers[n] + "\n"
	}
	sum := sha256.Sum256([]byte(payload))
	canonical += "\n" + strings.Join(names, ";") + "\n" + hex.EncodeToString(sum[:])
	c := sha256.Sum256([]byte(canonical))
	toSign := alg.Name + "\n" + hex.EncodeToString(c[:])
	d := sha256.Sum256([]byte(toSign))
	sig, err := rsa.SignPSS(rand.Reader, key, crypto.SHA256, d[:], &rsa.PSSOptions{SaltLength: alg.SaltLength, Hash: crypto.SHA256})
	if err != nil {
		tb.Fatal(err)
	}
	out = http.Header{}
	for _, n := range names {
		out.Set(n, headers[n])
	}
	out.Set("Authorization", alg.Name+" PublicKeyId="+keyID+", SignedHeaders="+strings.Join(names, ";")+", Signature="+base64.StdEncoding.EncodeToString(sig))
	return "/" + fragment, rawQuery, out
}

func sdkHeaders(now time.Time, extra map[string]string) map[string]string {
	h := map[string]string{
		"x-amz-pay-region": "jp",
		"x-amz-pay-host":   "127.0.0.1:8443",
		"x-amz-pay-date":   now.UTC().Format("2006-01-02T15:04:05") + "Z",
		"content-type":     "application/json",
		"accept":           "application/json",
		"user-agent":       "amazon-pay-api-sdk-nodejs/2.3.4 (JS/v20.0.0; linux)",
	}
	for k, v := range extra {
		h[k] = v
	}
	return h
}

func TestVerify_SDKSignatures(t *testing.T) {
	t.Parallel()
	key := MustTestKey(t)
	now := time.Date(2026, 12, 5, 19, 0, 0, 0, time.UTC)
	body := `{"chargeAmount":{"amount":"1000","currencyCode":"JPY"}}`
	for _, alg := range []Algorithm{AlgorithmV1, AlgorithmV2} {
		t.Run(alg.Name, func(t *testing.T) {
			t.Parallel()
			path, q, h := sdkSign(t, key, alg, "SANDBOX-KEY", "POST", "sandbox/v2/charges", map[string]string{"b": "x y", "a": "1"},
				sdkHeaders(now, map[string]string{"x-amz-pay-idempotency-key": "idem-1"}), body)
			a, err := ParseAuthorization(h.Get("Authorization"))
			if err != nil {
				t.Fatal(err)
			}
			if a.Algorithm != alg || a.PublicKeyID != "SANDBOX-KEY" {
				t.Fatalf("parsed %+v", a)
			}
			if err := Verify(&key.PublicKey, a, "POST", path, q, h, []byte(body)); err != nil {
				t.Fatalf("a signature made as the SDK makes it: %v", err)
			}
			// The query in another order is the same canonical query.
			if err := Verify(&key.PublicKey, a, "POST", path, "b=x%20y&a=1", h, []byte(body)); err != nil {
				t.Fatalf("the query reordered: %v", err)
			}
			if err := CheckDate(h.Get(DateHeader), now.Add(14*time.Minute)); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestVerify_Refuses(t *testing.T) {
	t.Parallel()
	key := MustTestKey(t)
	other, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 12, 5, 19, 0, 0, 0, time.UTC)
	body := `{"refundAmount":{"amount":"500","currencyCode":"JPY"}}`
	path, q, h := sdkSign(t, key, AlgorithmV1, "SANDBOX-KEY", "POST", "v2/refunds", nil, sdkHeaders(now, nil), body)
	auth := h.Get("Authorization")
	cases := []struct {
		name   string
		edit   func(h http.Header) (method, path, q, body string)
		pub    *rsa.PublicKey
		rewrap func(a string) string
	}{
		{name: "the body changed", edit: func(h http.Header) (string, string, string, string) {
			return "POST", path, q, strings.Replace(body, "500", "5000", 1)
		}},
		{name: "the method changed", edit: func(h http.Header) (string, string, string, string) { return "PUT", path, q, body }},
		{name: "the path changed", edit: func(h http.Header) (string, string, string, string) { return "POST", "/v2/refundz", q, body }},
		{name: "a query added", edit: func(h http.Header) (string, string, string, string) { return "POST", path, "x=1", body }},
		{name: "a signed header changed", edit: func(h http.Header) (string, string, string, string) {
			h.Set("X-Amz-Pay-Region", "na")
			return "POST", path, q, body
		}},
		{name: "a signed header removed", edit: func(h http.Header) (string, string, string, string) {
			h.Del("Accept")
			return "POST", path, q, body
		}},
		{name: "another key", pub: &other.PublicKey},
		{name: "the other algorithm's salt", rewrap: func(a string) string {
			return strings.Replace(a, AlgorithmV1.Name+" ", AlgorithmV2.Name+" ", 1)
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			hh := h.Clone()
			m, p, qq, b := "POST", path, q, body
			if c.edit != nil {
				m, p, qq, b = c.edit(hh)
			}
			ah := auth
			if c.rewrap != nil {
				ah = c.rewrap(ah)
			}
			pub := &key.PublicKey
			if c.pub != nil {
				pub = c.pub
			}
			a, err := ParseAuthorization(ah)
			if err != nil {
				t.Fatal(err)
			}
			if err := Verify(pub, a, m, p, qq, hh, []byte(b)); !IsSignatureError(err) {
				t.Fatalf("Verify: %v, want a signature error", err)
			}
		})
	}
}

func TestParseAuthorization_Malformed(t *testing.T) {
	t.Parallel()
	sig := base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{1}, 256))
	for _, h := range []string{
		"",
		"Bearer sk_test_x",
		"AMZN-PAY-RSASSA-PSS-V3 PublicKeyId=K, SignedHeaders=x-amz-pay-date, Signature=" + sig,
		"AMZN-PAY-RSASSA-PSS SignedHeaders=x-amz-pay-date, Signature=" + sig,
		"AMZN-PAY-RSASSA-PSS PublicKeyId=K, Signature=" + sig,
		"AMZN-PAY-RSASSA-PSS PublicKeyId=K, SignedHeaders=x-amz-pay-date",
		"AMZN-PAY-RSASSA-PSS PublicKeyId=K, SignedHeaders=accept, Signature=" + sig,             // the date unsigned
		"AMZN-PAY-RSASSA-PSS PublicKeyId=K, SignedHeaders=x-amz-pay-date;;a, Signature=" + sig,  // an empty name
		"AMZN-PAY-RSASSA-PSS PublicKeyId=K, SignedHeaders=x-amz-pay-date;a;A, Signature=" + sig, // a name twice
		"AMZN-PAY-RSASSA-PSS PublicKeyId=K, SignedHeaders=x-amz-pay-date, Signature=***",
		"AMZN-PAY-RSASSA-PSS PublicKeyId=K, PublicKeyId=L, SignedHeaders=x-amz-pay-date, Signature=" + sig,
		"AMZN-PAY-RSASSA-PSS PublicKeyId=K, SignedHeaders=x-amz-pay-date, Signature=" + sig + ", Extra=1",
		"AMZN-PAY-RSASSA-PSS PublicKeyId=K SignedHeaders=x-amz-pay-date Signature=" + sig,
	} {
		if _, err := ParseAuthorization(h); !IsSignatureError(err) {
			t.Errorf("ParseAuthorization(%q): %v, want a signature error", h, err)
		}
	}
}

func TestCheckDate(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 12, 5, 19, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		v  string
		ok bool
	}{
		{"2026-12-05T19:00:00Z", true},
		{"2026-12-05T19:15:00Z", true},
		{"2026-12-05T18:45:00Z", true},
		{"2026-12-05T19:15:01Z", false},
		{"2026-12-05T18:44:59Z", false},
		{"2026-12-06T04:00:00+09:00", true},
		{"20261205T190000Z", false},
		{"", false},
	} {
		if err := CheckDate(c.v, now); (err == nil) != c.ok {
			t.Errorf("CheckDate(%q): %v, want ok=%v", c.v, err, c.ok)
		}
	}
}

// TestSigner_MatchesSDK: kessai's own Signer signs what the verifier
// accepts, with either algorithm.
func TestSigner_MatchesSDK(t *testing.T) {
	t.Parallel()
	key := MustTestKey(t)
	now := time.Now()
	for _, alg := range []Algorithm{AlgorithmV1, AlgorithmV2} {
		body := []byte(`{"a":1}`)
		r, _ := http.NewRequest("POST", "https://127.0.0.1:8443/sandbox/v2/checkoutSessions?z=1&a=2", bytes.NewReader(body))
		r.Header.Set("x-amz-pay-idempotency-key", "k1")
		s := &Signer{Key: key, PublicKeyID: "SANDBOX-K", Algorithm: alg}
		if err := s.Sign(r, body, now); err != nil {
			t.Fatal(err)
		}
		a, err := ParseAuthorization(r.Header.Get("Authorization"))
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(a.SignedHeaders, "x-amz-pay-idempotency-key") {
			t.Errorf("SignedHeaders %s lacks the idempotency key", a.SignedHeaders)
		}
		if err := Verify(&key.PublicKey, a, "POST", r.URL.EscapedPath(), r.URL.RawQuery, r.Header, body); err != nil {
			t.Errorf("%s: %v", alg.Name, err)
		}
	}
}

// FuzzVerifySignature: no Authorization header, body or query makes the
// verifier panic, and none but the signed one verifies.
func FuzzVerifySignature(f *testing.F) {
	key := MustTestKey(f)
	now := time.Date(2026, 12, 5, 19, 0, 0, 0, time.UTC)
	body := `{"x":1}`
	path, q, h := sdkSign(f, key, AlgorithmV2, "SANDBOX-KEY", "POST", "v2/charges", map[string]string{"a": "1"}, sdkHeaders(now, nil), body)
	f.Add(h.Get("Authorization"), body, q)
	f.Add("AMZN-PAY-RSASSA-PSS PublicKeyId=K, SignedHeaders=x-amz-pay-date;accept, Signature=AAAA", "", "")
	f.Add("AMZN-PAY-RSASSA-PSS-V2 PublicKeyId=,,,=, SignedHeaders=;;;, Signature====", "{}", "a=1&a=2&&=")
	f.Fuzz(func(t *testing.T, auth, b, query string) {
		a, err := ParseAuthorization(auth)
		if err != nil {
			if !IsSignatureError(err) {
				t.Fatalf("ParseAuthorization: %v is not a signature error", err)
			}
			return
		}
		err = Verify(&key.PublicKey, a, "POST", path, query, h, []byte(b))
		signed := auth == h.Get("Authorization") && b == body && CanonicalQuery(query) == CanonicalQuery(q)
		if err == nil && !signed {
			t.Fatalf("verified a request that was not signed: %q %q %q", auth, b, query)
		}
		if err != nil && !IsSignatureError(err) {
			t.Fatalf("Verify: %v is not a signature error", err)
		}
	})
}
