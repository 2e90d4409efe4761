package mws_test

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"encoding/xml"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/kessai/kessai/internal/kessaitest"
	"github.com/kessai/kessai/mws"
)

// client is a small MWS client of our own: it signs like the official
// SDKs unless told to sign like another client.
type client struct {
	t      testing.TB
	base   string // http://127.0.0.1:port
	path   string // mws.SandboxPath
	seller string
	key    string
	secret string

	// Variants of what is signed and sent.
	signHost   string                 // "" the request's host:port
	signPath   string                 // "" the request's path
	method     string                 // "" HmacSHA256
	encode     func(string) string    // "" RFC 3986 upper-case
	timestamp  func(time.Time) string // "" 2006-01-02T15:04:05Z
	expires    bool                   // Expires instead of Timestamp
	clock      func() time.Time       // "" time.Now
	edit       func(url.Values)       // changes after signing
	rawBody    string                 // sent instead of the form
	httpMethod string                 // "" POST
	header     map[string]string      // extra request headers
}

// newClient returns a client for the harness's account on the sandbox.
func newClient(s *kessaitest.Server) *client {
	return &client{t: s.T, base: s.URL, path: mws.SandboxPath, seller: s.Account.MWS.SellerID,
		key: s.Account.MWS.AccessKeyID, secret: s.Account.MWS.SecretKey}
}

func (c *client) with(edit func(*client)) *client {
	cp := *c
	edit(&cp)
	return &cp
}

func rfc3986(s string) string {
	return strings.NewReplacer("+", "%20", "*", "%2A", "%7E", "~").Replace(url.QueryEscape(s))
}

// reply is an answer of the server.
type reply struct {
	Status      int
	ContentType string
	Body        []byte
}

// call sends Action with params, signed.
func (c *client) call(action string, params map[string]string) *reply {
	c.t.Helper()
	p := map[string]string{"AWSAccessKeyId": c.key, "Action": action, "SellerId": c.seller,
		"SignatureMethod": mws.HmacSHA256, "SignatureVersion": "2", "Version": mws.Version}
	if c.method != "" {
		p["SignatureMethod"] = c.method
	}
	if action == "" {
		delete(p, "Action")
	}
	now := time.Now()
	if c.clock != nil {
		now = c.clock()
	}
	stamp := func(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05Z") }
	if c.timestamp != nil {
		stamp = c.timestamp
	}
	if c.expires {
		p["Expires"] = stamp(now.Add(5 * time.Minute))
	} else {
		p["Timestamp"] = stamp(now)
	}
	for k, v := range params {
		p[k] = v
	}
	u, err := url.Parse(c.base)
	if err != nil {
		c.t.Fatal(err)
	}
	host, path := u.Host, c.path
	if c.signHost != "" {
		host = c.signHost
	}
	if c.signPath != "" {
		path = c.signPath
	}
	enc := rfc3986
	if c.encode != nil {
		enc = c.encode
	}
	names := make([]string, 0, len(p))
	for k := range p {
		names = append(names, k)
	}
	sort.Strings(names)
	pairs := make([]string, len(names))
	for i, k := range names {
		pairs[i] = enc(k) + "=" + enc(p[k])
	}
	method := p["SignatureMethod"]
	p["Signature"] = sign(c.secret, method, "POST\n"+host+"\n"+path+"\n"+strings.Join(pairs, "&"))
	form := url.Values{}
	for k, v := range p {
		form.Set(k, v)
	}
	if c.edit != nil {
		c.edit(form)
	}
	body := form.Encode()
	if c.rawBody != "" {
		body = c.rawBody
	}
	hm := http.MethodPost
	if c.httpMethod != "" {
		hm = c.httpMethod
	}
	req, err := http.NewRequest(hm, c.base+c.path, strings.NewReader(body))
	if err != nil {
		c.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for k, v := range c.header {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatalf("%s: %v", action, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	return &reply{Status: resp.StatusCode, ContentType: resp.Header.Get("Content-Type"), Body: raw}
}

// sign is HMAC of msg as Signature Version 2 does it, written apart from
// the face's own code.
func sign(secret, method, msg string) string {
	h := sha256.New
	if method == mws.HmacSHA1 {
		h = sha1.New
	}
	m := hmac.New(h, []byte(secret))
	m.Write([]byte(msg))
	return base64.StdEncoding.EncodeToString(m.Sum(nil))
}

// get returns the text of the first element whose path ends in path
// ("AuthorizationStatus/State"), "" when there is none.
func (r *reply) get(path string) string {
	all := r.all(path)
	if len(all) == 0 {
		return ""
	}
	return all[0]
}

// all returns the texts of every element whose path ends in path.
func (r *reply) all(path string) []string {
	want := strings.Split(path, "/")
	dec := xml.NewDecoder(bytes.NewReader(r.Body))
	var stack []string
	var text strings.Builder
	var out []string
	for {
		tok, err := dec.Token()
		if err != nil {
			return out
		}
		switch tk := tok.(type) {
		case xml.StartElement:
			stack = append(stack, tk.Name.Local)
			text.Reset()
		case xml.CharData:
			text.Write(tk)
		case xml.EndElement:
			if len(stack) >= len(want) && strings.Join(stack[len(stack)-len(want):], "/") == path {
				out = append(out, strings.TrimSpace(text.String()))
			}
			stack = stack[:len(stack)-1]
			text.Reset()
		}
	}
}

// ok fails the test unless the reply is a 200 text/xml success of action,
// and returns it.
func (r *reply) ok(t testing.TB, action string) *reply {
	t.Helper()
	if r.Status != 200 || r.ContentType != "text/xml" || !bytes.Contains(r.Body, []byte("<"+action+"Response xmlns=\""+mws.Namespace+"\">")) {
		t.Fatalf("%s: %d %s\n%s", action, r.Status, r.ContentType, r.Body)
	}
	if r.get("ResponseMetadata/RequestId") == "" {
		t.Fatalf("%s: no RequestId\n%s", action, r.Body)
	}
	return r
}

// fails checks an ErrorResponse: status, Type and Code.
func (r *reply) fails(t testing.TB, status int, code string) *reply {
	t.Helper()
	typ := "Sender"
	if status >= 500 {
		typ = "Server"
	}
	if r.Status != status || r.ContentType != "text/xml" || r.get("ErrorResponse/Error/Code") != code ||
		r.get("ErrorResponse/Error/Type") != typ || r.get("ErrorResponse/Error/Message") == "" || r.get("ErrorResponse/RequestId") == "" {
		t.Fatalf("want %d %s %s, got %d %s\n%s", status, typ, code, r.Status, r.ContentType, r.Body)
	}
	return r
}
