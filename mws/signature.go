package mws

import (
	"crypto/hmac"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"hash"
	"net"
	"net/http"
	"sort"
	"strings"
	"time"
)

// Signature methods of Signature Version 2. The SDKs send HmacSHA256;
// Amazon's documentation also names HmacSHA1.
const (
	HmacSHA256 = "HmacSHA256"
	HmacSHA1   = "HmacSHA1"
)

// MaxSkew is how far a request's Timestamp may be from the server's wall
// clock, either way.
const MaxSkew = 15 * time.Minute

// StringToSign returns the Signature Version 2 string to sign of a POST of
// p to host and path, in the canonical form the official SDKs use: every
// parameter but Signature, sorted by name in byte order, names and values
// percent-encoded per RFC 3986 with upper-case hex.
func StringToSign(host, path string, p Params) string {
	return stringToSign(host, path, canonicalQuery(p, encRFC3986))
}

// Sign returns the Signature parameter for a POST of p to host and path,
// signed with secret by method (HmacSHA256 or HmacSHA1; anything else
// signs with HmacSHA256). It is what a client does; the face's tests use
// it.
func Sign(secret, method, host, path string, p Params) string {
	return base64.StdEncoding.EncodeToString(mac(method, secret, StringToSign(host, path, p)))
}

func stringToSign(host, path, query string) string {
	return "POST\n" + host + "\n" + path + "\n" + query
}

func mac(method, secret, msg string) []byte {
	h := sha256.New
	if method == HmacSHA1 {
		h = sha1.New
	}
	m := hmac.New(h, []byte(secret))
	m.Write([]byte(msg))
	return m.Sum(nil)
}

// encoding is one way clients percent-encode the canonical query.
type encoding int

const (
	// encRFC3986: upper-case hex, a space as %20 (the official SDKs).
	encRFC3986 encoding = iota
	// encSpacePlus: Go's url.QueryEscape, a space as '+' (qor's Go client).
	encSpacePlus
	// encLowerStar: '*' as %2a (npm amazon-payments, which follows
	// encodeURIComponent with lower-case escapes of !'()*; only '*' has a
	// letter in its hex).
	encLowerStar
	// encLowerHex: every escape in lower-case hex.
	encLowerHex
)

var encodings = []encoding{encRFC3986, encSpacePlus, encLowerStar, encLowerHex}

func unreserved(c byte) bool {
	return 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '_' || c == '.' || c == '~'
}

// escape percent-encodes s the way enc does.
func escape(b *strings.Builder, s string, enc encoding) {
	const upper, lower = "0123456789ABCDEF", "0123456789abcdef"
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case unreserved(c):
			b.WriteByte(c)
		case c == ' ' && enc == encSpacePlus:
			b.WriteByte('+')
		default:
			hex := upper
			if enc == encLowerHex || (enc == encLowerStar && c == '*') {
				hex = lower
			}
			b.WriteByte('%')
			b.WriteByte(hex[c>>4])
			b.WriteByte(hex[c&15])
		}
	}
}

// canonicalQuery is the sorted, encoded parameters but Signature.
func canonicalQuery(p Params, enc encoding) string {
	names := make([]string, 0, len(p))
	for k := range p {
		if k != "Signature" {
			names = append(names, k)
		}
	}
	sort.Strings(names)
	var b strings.Builder
	for i, k := range names {
		if i > 0 {
			b.WriteByte('&')
		}
		escape(&b, k, enc)
		b.WriteByte('=')
		escape(&b, p[k], enc)
	}
	return b.String()
}

// hostVariants are the hosts a client may have signed for the Host header
// h: as sent (Python's SDK signs host:port) and without its port (npm
// amazon-payments signs the hostname), lower-cased.
func hostVariants(h string) []string {
	h = strings.ToLower(h)
	out := []string{h}
	if host, _, err := net.SplitHostPort(h); err == nil {
		out = append(out, host)
		if strings.Contains(host, ":") { // IPv6: with and without brackets
			out = append(out, "["+host+"]")
		}
	}
	return out
}

// pathVariants are the path as sent, and with or without its trailing
// slash (the official SDKs sign none; some clients' endpoints end in one).
func pathVariants(path string) []string {
	if trimmed, ok := strings.CutSuffix(path, "/"); ok && trimmed != "" {
		return []string{path, trimmed}
	}
	return []string{path, path + "/"}
}

// verifySignature checks p's Signature Version 2 signature with secret for
// a POST to host and path. It accepts what real clients sign: the host
// with or without its port, the path with or without a trailing slash, and
// the canonical query with upper- or lower-case hex and with a space as
// '+'. Every candidate is a full HMAC compared in constant time.
//
// Errors: MissingParameter and InvalidParameterValue for the signature
// parameters, SignatureDoesNotMatch (403).
func verifySignature(secret, host, path string, p Params) error {
	for _, name := range []string{"SignatureVersion", "SignatureMethod", "Signature"} {
		if p.Get(name) == "" {
			return missingParameter(name)
		}
	}
	if v := p.Get("SignatureVersion"); v != "2" {
		return invalidParameter("SignatureVersion %s is not supported; use 2.", clip(v))
	}
	method := p.Get("SignatureMethod")
	var h func() hash.Hash
	switch method {
	case HmacSHA256:
		h = sha256.New
	case HmacSHA1:
		h = sha1.New
	default:
		return invalidParameter("SignatureMethod %s is not supported; use HmacSHA256 or HmacSHA1.", clip(method))
	}
	given, err := base64.StdEncoding.DecodeString(p.Get("Signature"))
	if err != nil || len(given) != h().Size() {
		return signatureMismatch()
	}
	var queries []string
	for _, enc := range encodings {
		q := canonicalQuery(p, enc)
		if !contains(queries, q) {
			queries = append(queries, q)
		}
	}
	m := hmac.New(h, []byte(secret))
	for _, hv := range hostVariants(host) {
		for _, pv := range pathVariants(path) {
			for _, q := range queries {
				m.Reset()
				m.Write([]byte(stringToSign(hv, pv, q)))
				if hmac.Equal(m.Sum(nil), given) {
					return nil
				}
			}
		}
	}
	return signatureMismatch()
}

func signatureMismatch() error {
	return refuse("SignatureDoesNotMatch", http.StatusForbidden,
		"The Signature does not match the one computed with the secret key of this AWSAccessKeyId. "+
			"kessai signs \"POST\\n<host>\\n<path>\\n<sorted parameters>\" (Signature Version 2, RFC 3986 encoding) "+
			"and accepts the host with or without its port and the path with or without a trailing slash.")
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// checkTimestamp checks that a request is fresh by the wall clock now: a
// Timestamp no more than MaxSkew away from it, or an Expires not yet
// passed. Clients write the time as ISO 8601 with 'Z' or 'z', with or
// without milliseconds, or with a numeric offset.
//
// Errors: MissingParameter, InvalidParameterValue, RequestExpired (400).
func checkTimestamp(p Params, now time.Time) error {
	switch {
	case p.Has("Timestamp") && p.Has("Expires"):
		return invalidParameter("Send Timestamp or Expires, not both.")
	case p.Has("Expires"):
		exp, err := parseTime(p.Get("Expires"))
		if err != nil {
			return invalidParameter("Expires %q is not an ISO 8601 time such as 2015-12-31T23:59:58Z.", clip(p.Get("Expires")))
		}
		if !now.Before(exp) {
			return refuse("RequestExpired", http.StatusBadRequest,
				"The request expired at %s (Expires); the server's wall clock says %s.", formatTime(exp), formatTime(now))
		}
		return nil
	case p.Get("Timestamp") == "":
		return missingParameter("Timestamp")
	}
	ts, err := parseTime(p.Get("Timestamp"))
	if err != nil {
		return invalidParameter("Timestamp %q is not an ISO 8601 time such as 2015-12-31T23:59:58Z.", clip(p.Get("Timestamp")))
	}
	if d := now.Sub(ts); d > MaxSkew || d < -MaxSkew {
		return refuse("RequestExpired", http.StatusBadRequest,
			"Timestamp %s is more than 15 minutes away from the server's wall clock (%s). "+
				"Requests are checked against the real time, not the account's test clock.", formatTime(ts), formatTime(now))
	}
	return nil
}

func parseTime(s string) (time.Time, error) {
	return time.Parse(time.RFC3339Nano, strings.ToUpper(s))
}

// formatTime writes t as MWS does: UTC, ISO 8601 with milliseconds.
func formatTime(t time.Time) string {
	return t.UTC().Format("2006-01-02T15:04:05.000Z")
}
