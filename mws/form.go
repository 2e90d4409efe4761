package mws

import (
	"errors"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"unicode/utf8"
)

// MaxBody is the largest request body the face reads. An MWS request is a
// few hundred bytes; its longest parameters (SellerNote, ClosureReason,
// CancelationReason) are 1,024 characters, which percent-encoding can make
// 9 KiB each.
const MaxBody = 64 << 10

// Params are the parameters of one request: each name once, values decoded.
type Params map[string]string

// Get returns the value of name, "" when it is absent.
func (p Params) Get(name string) string { return p[name] }

// Has reports whether name was sent, even with an empty value.
func (p Params) Has(name string) bool {
	_, ok := p[name]
	return ok
}

// readForm reads and parses the body of r. The Content-Type, when there is
// one, must be form encoding: SDKs send application/x-www-form-urlencoded,
// Amazon's own samples x-www-form-urlencoded. The query string is not read:
// every client puts its parameters in the body.
func readForm(w http.ResponseWriter, r *http.Request) (Params, error) {
	if ct := r.Header.Get("Content-Type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || (mt != "application/x-www-form-urlencoded" && mt != "x-www-form-urlencoded") {
			return nil, invalidParameter("The request body must be application/x-www-form-urlencoded, not %q.", ct)
		}
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBody))
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			return nil, invalidParameter("The request body is larger than %d bytes.", MaxBody)
		}
		return nil, invalidParameter("The request body could not be read.")
	}
	return ParseForm(body)
}

// ParseForm decodes an application/x-www-form-urlencoded body: pairs
// separated by '&', name and value separated by the first '=', '+' and
// %XX decoded. Empty pairs ("a=1&&b=2", a trailing '&') are skipped; a
// pair without '=' is a name with an empty value.
//
// It refuses, with InvalidParameterValue, what has no one meaning: a name
// sent twice (MWS parameters are single-valued, and which copy a client
// signed cannot be known), an empty name, a malformed %-escape, and text
// that is not UTF-8. Unknown names are kept, since the signature covers
// them; the operations ignore them.
func ParseForm(body []byte) (Params, error) {
	p := Params{}
	for pair := range strings.SplitSeq(string(body), "&") {
		if pair == "" {
			continue
		}
		rawName, rawValue, _ := strings.Cut(pair, "=")
		name, err := url.QueryUnescape(rawName)
		if err != nil {
			return nil, invalidParameter("The parameter name %q is not valid form encoding.", clip(rawName))
		}
		value, err := url.QueryUnescape(rawValue)
		if err != nil {
			return nil, invalidParameter("The value of %s is not valid form encoding.", clip(name))
		}
		switch {
		case name == "":
			return nil, invalidParameter("A parameter has no name.")
		case !utf8.ValidString(name):
			return nil, invalidParameter("A parameter name is not UTF-8.")
		case !utf8.ValidString(value):
			return nil, invalidParameter("The value of %s is not UTF-8.", clip(name))
		}
		if _, dup := p[name]; dup {
			return nil, invalidParameter("The parameter %s is given more than once.", clip(name))
		}
		p[name] = value
	}
	return p, nil
}

// clip makes a client's text fit to be quoted in an error message: UTF-8
// (invalid bytes become U+FFFD) and at most 64 bytes.
func clip(s string) string {
	const max = 64
	s = strings.ToValidUTF8(s, "\uFFFD")
	if len(s) <= max {
		return s
	}
	for i := max; i > 0; i-- {
		if utf8.RuneStart(s[i]) {
			return s[:i] + "…"
		}
	}
	return ""
}
