package amazonv2

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"time"
)

// Algorithm is one of Amazon Pay's request signature algorithms: RSA-PSS
// over SHA-256 with a fixed salt length.
type Algorithm struct {
	Name       string
	SaltLength int
}

// The two algorithms of the official SDKs: the first is their default, the
// second (a longer salt) is opt-in since the 2.3 SDKs.
var (
	AlgorithmV1 = Algorithm{Name: "AMZN-PAY-RSASSA-PSS", SaltLength: 20}
	AlgorithmV2 = Algorithm{Name: "AMZN-PAY-RSASSA-PSS-V2", SaltLength: 32}
)

func algorithmNamed(name string) (Algorithm, bool) {
	switch name {
	case AlgorithmV1.Name:
		return AlgorithmV1, true
	case AlgorithmV2.Name:
		return AlgorithmV2, true
	}
	return Algorithm{}, false
}

// DateHeader is the signed time of a request; DateFormat its layout.
const (
	DateHeader = "x-amz-pay-date"
	DateFormat = "2006-01-02T15:04:05Z"
	// MaxSkew is how far a request's x-amz-pay-date may be from the
	// server's wall clock.
	MaxSkew = 15 * time.Minute
)

// Limits of an Authorization header's parts.
const (
	maxSignedHeaders = 32
	maxHeaderName    = 128
	maxSignature     = 2048 // base64 of a signature by a key of 8192 bits is 1,368
)

// Signed reports whether r carries an Amazon Pay v2 signature: an
// Authorization header in one of the algorithms' schemes. On /v2/ paths,
// which PAY.JP uses too, this decides which face serves the request.
func Signed(r *http.Request) bool {
	scheme, _, _ := strings.Cut(strings.TrimSpace(r.Header.Get("Authorization")), " ")
	_, ok := algorithmNamed(scheme)
	return ok
}

// Authorization is a parsed Authorization header:
//
//	AMZN-PAY-RSASSA-PSS PublicKeyId=…, SignedHeaders=a;b;c, Signature=base64
type Authorization struct {
	Algorithm   Algorithm
	PublicKeyID string
	// SignedHeaders is the header list as sent: the signer joined it into
	// the canonical request as it is.
	SignedHeaders string
	Headers       []string // SignedHeaders split
	Signature     []byte
}

// signatureError is a signature that is malformed, does not match, or
// signs too little; its message says which.
type signatureError struct{ msg string }

func (e *signatureError) Error() string { return e.msg }

func badSignature(format string, args ...any) error {
	return &signatureError{msg: fmt.Sprintf(format, args...)}
}

// IsSignatureError reports whether err is a refused signature (as opposed
// to a missing header or an unknown key).
func IsSignatureError(err error) bool {
	var se *signatureError
	return errors.As(err, &se)
}

// ParseAuthorization parses an Authorization header. Errors: a
// signatureError naming what is wrong.
func ParseAuthorization(h string) (*Authorization, error) {
	h = strings.TrimSpace(h)
	scheme, rest, _ := strings.Cut(h, " ")
	alg, ok := algorithmNamed(scheme)
	if !ok {
		return nil, badSignature("The Authorization header's scheme must be %s or %s.", AlgorithmV1.Name, AlgorithmV2.Name)
	}
	a := &Authorization{Algorithm: alg}
	seen := map[string]bool{}
	for _, part := range strings.Split(rest, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			return nil, badSignature("The Authorization header's parts are Name=value, separated by commas.")
		}
		if seen[k] {
			return nil, badSignature("The Authorization header names %s twice.", clip(k))
		}
		seen[k] = true
		switch k {
		case "PublicKeyId":
			a.PublicKeyID = v
		case "SignedHeaders":
			a.SignedHeaders = v
		case "Signature":
			if len(v) > maxSignature {
				return nil, badSignature("The Signature is too long.")
			}
			sig, err := base64.StdEncoding.DecodeString(v)
			if err != nil {
				return nil, badSignature("The Signature is not base64.")
			}
			a.Signature = sig
		default:
			return nil, badSignature("The Authorization header has an unknown part %s.", clip(k))
		}
	}
	switch {
	case a.PublicKeyID == "":
		return nil, badSignature("The Authorization header names no PublicKeyId.")
	case a.SignedHeaders == "":
		return nil, badSignature("The Authorization header names no SignedHeaders.")
	case len(a.Signature) == 0:
		return nil, badSignature("The Authorization header has no Signature.")
	}
	a.Headers = strings.Split(a.SignedHeaders, ";")
	if len(a.Headers) > maxSignedHeaders {
		return nil, badSignature("More than %d SignedHeaders.", maxSignedHeaders)
	}
	names := map[string]bool{}
	for _, n := range a.Headers {
		l := strings.ToLower(n)
		if n == "" || len(n) > maxHeaderName || names[l] {
			return nil, badSignature("SignedHeaders must name distinct headers, separated by ';'.")
		}
		names[l] = true
	}
	if !names[DateHeader] {
		return nil, badSignature("SignedHeaders must include %s.", DateHeader)
	}
	return a, nil
}

// CanonicalQuery is a raw query string with its parameters sorted by name,
// each kept as it was sent (the SDKs percent-encode values as
// encodeURIComponent does and sign what they send).
func CanonicalQuery(rawQuery string) string {
	if rawQuery == "" {
		return ""
	}
	pairs := strings.Split(rawQuery, "&")
	sort.SliceStable(pairs, func(i, j int) bool {
		ki, _, _ := strings.Cut(pairs[i], "=")
		kj, _, _ := strings.Cut(pairs[j], "=")
		return ki < kj
	})
	return strings.Join(pairs, "&")
}

// CanonicalRequest is the text a request's signature covers, as the
// official SDKs build it: method, path, sorted query, one
// "lower-cased-name:value" line for each signed header in the order
// SignedHeaders lists them, an empty line, SignedHeaders, and the hex
// SHA-256 of the body — joined by newlines. A signed header that the
// request lacks is an error.
func CanonicalRequest(method, path, rawQuery string, header http.Header, signedHeaders string, body []byte) (string, error) {
	var b strings.Builder
	b.WriteString(method)
	b.WriteByte('\n')
	b.WriteString(path)
	b.WriteByte('\n')
	b.WriteString(CanonicalQuery(rawQuery))
	b.WriteByte('\n')
	for _, name := range strings.Split(signedHeaders, ";") {
		vals, ok := header[http.CanonicalHeaderKey(name)]
		if !ok {
			return "", badSignature("The signed header %s is not in the request.", clip(name))
		}
		b.WriteString(strings.ToLower(name))
		b.WriteByte(':')
		b.WriteString(strings.Join(vals, ","))
		b.WriteByte('\n')
	}
	b.WriteByte('\n')
	b.WriteString(signedHeaders)
	b.WriteByte('\n')
	b.WriteString(hexSHA256([]byte(body)))
	return b.String(), nil
}

// StringToSign is what the key signs: the algorithm's name and the hex
// SHA-256 of the canonical request.
func StringToSign(alg Algorithm, canonical string) string {
	return alg.Name + "\n" + hexSHA256([]byte(canonical))
}

func hexSHA256(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// Verify checks a's signature of the request (method, path as sent, raw
// query, headers, body) with pub. Errors: a signatureError.
func Verify(pub *rsa.PublicKey, a *Authorization, method, path, rawQuery string, header http.Header, body []byte) error {
	canonical, err := CanonicalRequest(method, path, rawQuery, header, a.SignedHeaders, body)
	if err != nil {
		return err
	}
	digest := sha256.Sum256([]byte(StringToSign(a.Algorithm, canonical)))
	// rsa.VerifyPSS compares in constant time and, with a fixed salt
	// length, refuses a signature made with the other algorithm's salt.
	if err := rsa.VerifyPSS(pub, crypto.SHA256, digest[:], a.Signature, &rsa.PSSOptions{SaltLength: a.Algorithm.SaltLength, Hash: crypto.SHA256}); err != nil {
		return badSignature("The request signature does not match: check the private key, the algorithm (%s, salt %d) and the canonical request.", a.Algorithm.Name, a.Algorithm.SaltLength)
	}
	return nil
}

// CheckDate checks a request's x-amz-pay-date against now: it must be
// DateFormat (or RFC 3339) and within MaxSkew.
func CheckDate(v string, now time.Time) error {
	t, err := time.Parse(DateFormat, v)
	if err != nil {
		if t, err = time.Parse(time.RFC3339, v); err != nil {
			return fmt.Errorf("%s %q is not a UTC time like %s", DateHeader, clip(v), DateFormat)
		}
	}
	if d := t.Sub(now); d > MaxSkew || d < -MaxSkew {
		return fmt.Errorf("%s %s is more than %s from the server's time %s", DateHeader, t.UTC().Format(DateFormat), MaxSkew, now.UTC().Format(DateFormat))
	}
	return nil
}

// Signer signs requests as the official SDKs do: what kessai's tests,
// its benchmark and a Go client use.
type Signer struct {
	Key         *rsa.PrivateKey
	PublicKeyID string
	Algorithm   Algorithm // zero: AlgorithmV1
	Region      string    // x-amz-pay-region; default "jp"
}

// Sign adds the SDKs' signed headers (accept, content-type,
// x-amz-pay-date, x-amz-pay-host, x-amz-pay-region) and the Authorization
// header to r, whose body is body, at now. Headers already set on r are
// signed too.
func (s *Signer) Sign(r *http.Request, body []byte, now time.Time) error {
	alg := s.Algorithm
	if alg.Name == "" {
		alg = AlgorithmV1
	}
	region := s.Region
	if region == "" {
		region = "jp"
	}
	r.Header.Set("Accept", "application/json")
	r.Header.Set("Content-Type", "application/json")
	r.Header.Set(DateHeader, now.UTC().Format(DateFormat))
	r.Header.Set("X-Amz-Pay-Host", r.URL.Host)
	r.Header.Set("X-Amz-Pay-Region", region)
	r.Header.Del("Authorization")
	names := make([]string, 0, len(r.Header))
	for k := range r.Header {
		names = append(names, strings.ToLower(k))
	}
	sort.Strings(names)
	signed := strings.Join(names, ";")
	canonical, err := CanonicalRequest(r.Method, r.URL.EscapedPath(), r.URL.RawQuery, r.Header, signed, body)
	if err != nil {
		return err
	}
	digest := sha256.Sum256([]byte(StringToSign(alg, canonical)))
	sig, err := rsa.SignPSS(rand.Reader, s.Key, crypto.SHA256, digest[:], &rsa.PSSOptions{SaltLength: alg.SaltLength, Hash: crypto.SHA256})
	if err != nil {
		return err
	}
	r.Header.Set("Authorization", fmt.Sprintf("%s PublicKeyId=%s, SignedHeaders=%s, Signature=%s",
		alg.Name, s.PublicKeyID, signed, base64.StdEncoding.EncodeToString(sig)))
	return nil
}

// clip shortens what a client sent before it is echoed in a message.
func clip(s string) string {
	const max = 64
	if len(s) > max {
		return s[:max] + "…"
	}
	return s
}
