package mws

import (
	"crypto/hmac"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"hash"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"testing"
	"time"
)

// The verified vector of the reference (§1): the Java SDK's request
// signature test, recomputed independently.
func TestSign_JavaSDKVector(t *testing.T) {
	t.Parallel()
	p := Params{
		"AWSAccessKeyId": "TEST_ACCESS_KEY", "Action": "GetOrderReferenceDetails",
		"AmazonOrderReferenceId": "AMAZON_ORDER_REFERENCE_ID", "SellerId": "TEST_MERCHANT_ID",
		"SignatureMethod": "HmacSHA256", "SignatureVersion": "2", "Timestamp": "2015-12-31T23:59:58Z", "Version": "2013-01-01",
	}
	const host, path = "mws.amazonservices.com", "/OffAmazonPayments_Sandbox/2013-01-01"
	wantString := "POST\nmws.amazonservices.com\n/OffAmazonPayments_Sandbox/2013-01-01\n" +
		"AWSAccessKeyId=TEST_ACCESS_KEY&Action=GetOrderReferenceDetails&AmazonOrderReferenceId=AMAZON_ORDER_REFERENCE_ID" +
		"&SellerId=TEST_MERCHANT_ID&SignatureMethod=HmacSHA256&SignatureVersion=2&Timestamp=2015-12-31T23%3A59%3A58Z&Version=2013-01-01"
	if got := StringToSign(host, path, p); got != wantString {
		t.Errorf("StringToSign =\n%s\nwant\n%s", got, wantString)
	}
	const want = "cpkDC72d5lMIbo5ET2dvERTw4F2cGQJL3eQPzUe2pAE="
	if got := Sign("TEST_SECRET_KEY", HmacSHA256, host, path, p); got != want {
		t.Errorf("Sign = %s, want %s", got, want)
	}
	p["Signature"] = want
	if err := verifySignature("TEST_SECRET_KEY", host, path, p); err != nil {
		t.Errorf("verifySignature of the vector: %v", err)
	}
	if err := verifySignature("TEST_SECRET_KEY", host+":443", path+"/", p); err != nil {
		t.Errorf("verifySignature of the vector with a port and a trailing slash on the request: %v", err)
	}
}

// The second vector of the reference (§1): the Python SDK's HMAC test.
func TestMac_PythonSDKVector(t *testing.T) {
	t.Parallel()
	got := base64.StdEncoding.EncodeToString(mac(HmacSHA256, "mws_secret_key", "my_test_string"))
	if want := "JQZYxe8EFlLE3XCAWotsn329rpZF7OFYhA8oo7rUV2E="; got != want {
		t.Errorf("HMAC-SHA256 = %s, want %s", got, want)
	}
}

// clientEncoders mimic how each client percent-encodes, written apart from
// the face's own encoder so that the tests do not check it against itself.
var clientEncoders = map[string]func(string) string{
	// Java: URLEncoder, then + → %20, * → %2A, %7E → ~.
	"official SDKs": func(s string) string {
		return strings.NewReplacer("+", "%20", "*", "%2A", "%7E", "~").Replace(url.QueryEscape(s))
	},
	// qor: url.QueryEscape as it is.
	"qor (space as +)": url.QueryEscape,
	// npm amazon-payments: encodeURIComponent, then !'()* as lower-case escapes.
	"npm amazon-payments (%2a)": func(s string) string {
		return strings.NewReplacer("+", "%20", "%2A", "%2a").Replace(url.QueryEscape(s))
	},
	"all lower-case hex": func(s string) string {
		e := strings.ReplaceAll(url.QueryEscape(s), "+", "%20")
		var b strings.Builder
		for i := 0; i < len(e); i++ {
			b.WriteByte(e[i])
			if e[i] == '%' {
				b.WriteString(strings.ToLower(e[i+1 : i+3]))
				i += 2
			}
		}
		return b.String()
	},
}

// clientSign signs like a client: its encoder, its host and path.
func clientSign(secret, method, host, path string, p Params, enc func(string) string) string {
	names := make([]string, 0, len(p))
	for k := range p {
		if k != "Signature" {
			names = append(names, k)
		}
	}
	sort.Strings(names)
	pairs := make([]string, len(names))
	for i, k := range names {
		pairs[i] = enc(k) + "=" + enc(p[k])
	}
	h := sha256.New
	if method == HmacSHA1 {
		h = sha1.New
	}
	m := hmac.New(h, []byte(secret))
	m.Write([]byte("POST\n" + host + "\n" + path + "\n" + strings.Join(pairs, "&")))
	return base64.StdEncoding.EncodeToString(m.Sum(nil))
}

// variantParams has a value with every character the encoders disagree on.
func variantParams(method string) Params {
	return Params{
		"AWSAccessKeyId": "AKIAEXAMPLE", "Action": "Authorize", "SellerId": "A1EXAMPLE",
		"AmazonOrderReferenceId": "S03-1234567-1234567", "AuthorizationReferenceId": "ref_1-a",
		"SellerAuthorizationNote": `two words * (star) ~tilde! 'q' / : = & + 決済`,
		"SignatureMethod":         method, "SignatureVersion": "2", "Timestamp": "2026-01-10T05:00:00z", "Version": "2013-01-01",
	}
}

func TestVerifySignature_ClientVariants(t *testing.T) {
	t.Parallel()
	const secret = "c2VjcmV0LWtleS1vZi10aGUtc2VsbGVy"
	const requestHost, requestPath = "127.0.0.1:8080", "/OffAmazonPayments_Sandbox/2013-01-01"
	for encName, enc := range clientEncoders {
		for _, method := range []string{HmacSHA256, HmacSHA1} {
			for _, signedHost := range []string{"127.0.0.1:8080", "127.0.0.1"} {
				for _, signedPath := range []string{requestPath, requestPath + "/"} {
					name := encName + "/" + method + "/" + signedHost + signedPath
					t.Run(name, func(t *testing.T) {
						t.Parallel()
						p := variantParams(method)
						p["Signature"] = clientSign(secret, method, signedHost, signedPath, p, enc)
						if err := verifySignature(secret, requestHost, requestPath, p); err != nil {
							t.Errorf("signed with the request's path: %v", err)
						}
						if err := verifySignature(secret, requestHost, requestPath+"/", p); err != nil {
							t.Errorf("signed with the request's path + /: %v", err)
						}
						if err := verifySignature(secret+"x", requestHost, requestPath, p); !isCode(err, "SignatureDoesNotMatch") {
							t.Errorf("another secret: %v, want SignatureDoesNotMatch", err)
						}
						p["SellerAuthorizationNote"] += "."
						if err := verifySignature(secret, requestHost, requestPath, p); !isCode(err, "SignatureDoesNotMatch") {
							t.Errorf("a changed parameter: %v, want SignatureDoesNotMatch", err)
						}
					})
				}
			}
		}
	}
}

func TestVerifySignature_Refused(t *testing.T) {
	t.Parallel()
	const secret, host, path = "secret", "localhost:9000", "/OffAmazonPayments/2013-01-01"
	signed := func(edit func(Params)) Params {
		p := variantParams(HmacSHA256)
		p["Signature"] = Sign(secret, HmacSHA256, host, path, p)
		edit(p)
		return p
	}
	tests := []struct {
		name   string
		p      Params
		host   string
		path   string
		code   string
		status int
	}{
		{"another host", signed(func(Params) {}), "example.com:9000", path, "SignatureDoesNotMatch", 403},
		{"another path", signed(func(Params) {}), host, "/OffAmazonPayments_Sandbox/2013-01-01", "SignatureDoesNotMatch", 403},
		{"another port", signed(func(Params) {}), "localhost:9001", path, "SignatureDoesNotMatch", 403},
		{"signature not base64", signed(func(p Params) { p["Signature"] = "not base64!" }), host, path, "SignatureDoesNotMatch", 403},
		{"signature of the wrong length", signed(func(p Params) { p["Signature"] = "AAAA" }), host, path, "SignatureDoesNotMatch", 403},
		{"SHA-256 signature labelled SHA-1", signed(func(p Params) { p["SignatureMethod"] = HmacSHA1 }), host, path, "SignatureDoesNotMatch", 403},
		{"a parameter added", signed(func(p Params) { p["Extra"] = "1" }), host, path, "SignatureDoesNotMatch", 403},
		{"a parameter removed", signed(func(p Params) { delete(p, "SellerAuthorizationNote") }), host, path, "SignatureDoesNotMatch", 403},
		{"no Signature", signed(func(p Params) { delete(p, "Signature") }), host, path, "MissingParameter", 400},
		{"no SignatureMethod", signed(func(p Params) { delete(p, "SignatureMethod") }), host, path, "MissingParameter", 400},
		{"no SignatureVersion", signed(func(p Params) { delete(p, "SignatureVersion") }), host, path, "MissingParameter", 400},
		{"SignatureVersion 1", signed(func(p Params) { p["SignatureVersion"] = "1" }), host, path, "InvalidParameterValue", 400},
		{"SignatureMethod MD5", signed(func(p Params) { p["SignatureMethod"] = "HmacMD5" }), host, path, "InvalidParameterValue", 400},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			err := verifySignature(secret, tc.host, tc.path, tc.p)
			var fe *faceError
			if !errors.As(err, &fe) || fe.code != tc.code || fe.status != tc.status {
				t.Fatalf("verifySignature = %v, want %s %d", err, tc.code, tc.status)
			}
		})
	}
}

func TestHostVariants(t *testing.T) {
	t.Parallel()
	tests := map[string][]string{
		"127.0.0.1:8080":         {"127.0.0.1:8080", "127.0.0.1"},
		"MWS.amazonservices.com": {"mws.amazonservices.com"},
		"[::1]:8080":             {"[::1]:8080", "::1", "[::1]"},
	}
	for in, want := range tests {
		if got := hostVariants(in); strings.Join(got, " ") != strings.Join(want, " ") {
			t.Errorf("hostVariants(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestCheckTimestamp(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 1, 10, 5, 0, 0, 0, time.UTC)
	tests := []struct {
		name string
		p    Params
		code string // "" accepted
	}{
		{"Z", Params{"Timestamp": "2026-01-10T05:00:00Z"}, ""},
		{"lower-case z (npm)", Params{"Timestamp": "2026-01-10T05:00:00z"}, ""},
		{"milliseconds (PHP)", Params{"Timestamp": "2026-01-10T05:00:00.000Z"}, ""},
		{"an offset", Params{"Timestamp": "2026-01-10T14:00:00+09:00"}, ""},
		{"14 minutes behind", Params{"Timestamp": "2026-01-10T04:46:00Z"}, ""},
		{"15 minutes ahead exactly", Params{"Timestamp": "2026-01-10T05:15:00Z"}, ""},
		{"15 minutes and 1 second ahead", Params{"Timestamp": "2026-01-10T05:15:01Z"}, "RequestExpired"},
		{"an hour behind", Params{"Timestamp": "2026-01-10T04:00:00Z"}, "RequestExpired"},
		{"Expires ahead", Params{"Expires": "2026-01-10T06:00:00Z"}, ""},
		{"Expires passed", Params{"Expires": "2026-01-10T04:59:59Z"}, "RequestExpired"},
		{"both", Params{"Timestamp": "2026-01-10T05:00:00Z", "Expires": "2026-01-10T06:00:00Z"}, "InvalidParameterValue"},
		{"neither", Params{}, "MissingParameter"},
		{"empty Timestamp", Params{"Timestamp": ""}, "MissingParameter"},
		{"no zone", Params{"Timestamp": "2026-01-10T05:00:00"}, "InvalidParameterValue"},
		{"not a time", Params{"Timestamp": "yesterday"}, "InvalidParameterValue"},
		{"Expires not a time", Params{"Expires": "soon"}, "InvalidParameterValue"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			err := checkTimestamp(tc.p, now)
			if tc.code == "" {
				if err != nil {
					t.Fatalf("checkTimestamp: %v", err)
				}
				return
			}
			if !isCode(err, tc.code) {
				t.Fatalf("checkTimestamp = %v, want %s", err, tc.code)
			}
			var fe *faceError
			errors.As(err, &fe)
			if fe.status != http.StatusBadRequest {
				t.Errorf("status %d, want 400", fe.status)
			}
			if tc.code == "RequestExpired" && !strings.Contains(fe.message, "wall clock") {
				t.Errorf("message %q does not say which clock", fe.message)
			}
		})
	}
}

func isCode(err error, code string) bool {
	var fe *faceError
	return errors.As(err, &fe) && fe.code == code
}

// FuzzVerifySignature: verification never panics; what a client signs
// with the secret verifies; the same request never verifies with another
// secret; and a Signature that came with the fuzzed body, not computed
// from it, never verifies.
func FuzzVerifySignature(f *testing.F) {
	f.Add("secret", "other", []byte("Action=Authorize&Timestamp=2026-01-10T05%3A00%3A00z"), "127.0.0.1:8080", "/OffAmazonPayments_Sandbox/2013-01-01", true)
	f.Add("k", "K", []byte("Signature=cpkDC72d5lMIbo5ET2dvERTw4F2cGQJL3eQPzUe2pAE%3D&A=*+~"), "[::1]:1", "/", false)
	f.Add("", "x", []byte("SignatureMethod=HmacSHA1&SignatureVersion=2&Signature=AAAA"), "", "", true)
	f.Fuzz(func(t *testing.T, secret, other string, body []byte, host, path string, sha256 bool) {
		p, err := ParseForm(body)
		if err != nil {
			return
		}
		method := HmacSHA1
		if sha256 {
			method = HmacSHA256
		}
		// As sent: whatever Signature the body carried must not verify
		// unless it is the right one.
		if err := verifySignature(secret, host, path, p); err == nil {
			if !anyVariantSigns(secret, host, path, p) {
				t.Fatalf("a signature that is no variant's verified: %q", body)
			}
		}
		p["SignatureMethod"], p["SignatureVersion"] = method, "2"
		p["Signature"] = Sign(secret, method, strings.ToLower(host), path, p)
		if err := verifySignature(secret, host, path, p); err != nil {
			t.Fatalf("own signature refused: %v (%q host %q path %q)", err, body, host, path)
		}
		// HMAC pads short keys with zero bytes, so keys that differ only
		// in trailing NULs are the same key.
		if strings.TrimRight(secret, "\x00") != strings.TrimRight(other, "\x00") {
			if err := verifySignature(other, host, path, p); !isCode(err, "SignatureDoesNotMatch") {
				t.Fatalf("another secret: %v", err)
			}
		}
	})
}

// anyVariantSigns recomputes, apart from verifySignature, whether some
// accepted variant gives p's Signature.
func anyVariantSigns(secret, host, path string, p Params) bool {
	var h func() hash.Hash = sha256.New
	if p.Get("SignatureMethod") == HmacSHA1 {
		h = sha1.New
	}
	for _, hv := range hostVariants(host) {
		for _, pv := range pathVariants(path) {
			for _, enc := range encodings {
				m := hmac.New(h, []byte(secret))
				m.Write([]byte(stringToSign(hv, pv, canonicalQuery(p, enc))))
				if base64.StdEncoding.EncodeToString(m.Sum(nil)) == p.Get("Signature") {
					return true
				}
			}
		}
	}
	return false
}
