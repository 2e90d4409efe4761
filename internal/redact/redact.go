// Package redact hides the credentials in URLs that kessai prints or logs:
// database URLs, SMTP URLs, webhook URLs.
package redact

import (
	"net/url"
	"strings"
)

// Mask replaces every secret that URL hides.
const Mask = "xxxxx"

// secretParams are the parts of a query parameter's name that mark it as a
// credential: libpq's password and sslpassword, and the usual names of keys
// and tokens.
var secretParams = []string{"pass", "pwd", "secret", "token", "key", "auth", "credential", "signature"}

// IsSecretParam reports whether a query parameter of this name holds a
// credential.
func IsSecretParam(name string) bool {
	n := strings.ToLower(name)
	for _, s := range secretParams {
		if strings.Contains(n, s) {
			return true
		}
	}
	return false
}

// URL returns s with its credentials masked: the password of user:pass@ and
// the value of every query parameter named like a credential (?password=,
// ?sslpassword=, ?token=, …). A string that does not parse as a URL is not
// printed at all, since it could be a secret in any form.
func URL(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		return "(an unparseable URL)"
	}
	if u.User != nil {
		if _, has := u.User.Password(); has {
			u.User = url.UserPassword(u.User.Username(), Mask)
		}
	}
	if u.Opaque != "" && strings.Contains(u.Opaque, "@") {
		// scheme:user:pass@host, which url.Parse leaves opaque
		u.Opaque = Mask + u.Opaque[strings.LastIndex(u.Opaque, "@"):]
	}
	if u.RawQuery != "" {
		q, err := url.ParseQuery(u.RawQuery)
		if err != nil {
			u.RawQuery = Mask // a query that does not parse: hide it whole
		} else {
			for name, vs := range q {
				if IsSecretParam(name) {
					for i := range vs {
						vs[i] = Mask
					}
				}
			}
			u.RawQuery = q.Encode()
		}
	}
	if u.Fragment != "" {
		u.Fragment, u.RawFragment = Mask, ""
	}
	return u.String()
}
