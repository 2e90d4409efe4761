package dashboard

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"net/http"
	"sync"
	"time"
)

// SessionTTL is how long a dashboard session lasts without use.
const SessionTTL = 12 * time.Hour

// Cookie names.
const (
	sessionCookie = "kessai_dashboard"
	loginCookie   = "kessai_dashboard_login" // the login form's CSRF token, before a session exists
	langCookie    = "kessai_dashboard_lang"
)

// session is one signed-in browser. Sessions live in the server's memory:
// a restart signs everyone out, and each server process of a cluster has
// its own (docs/dashboard.md).
type session struct {
	AccountID string // the account shown; "" for an operator who has not picked one
	Operator  bool   // signed in with the operator token: may pick any account
	CSRF      string
	Flash     *flash
	Expires   time.Time
}

// flash is the outcome of an action, shown once on the next page.
type flash struct {
	OK      bool
	Message string
}

// sessions keeps sessions by the SHA-256 of their cookie's token, so that
// a lookup's timing says nothing of a token held.
type sessions struct {
	mu sync.Mutex
	m  map[string]*session
}

func newSessions() *sessions { return &sessions{m: map[string]*session{}} }

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func tokenHash(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// create starts a session and returns its token.
func (s *sessions) create(sess *session, now time.Time) string {
	token := randomHex(32)
	sess.CSRF = randomHex(32)
	sess.Expires = now.Add(SessionTTL)
	s.mu.Lock()
	defer s.mu.Unlock()
	for k, v := range s.m { // sweep the expired
		if now.After(v.Expires) {
			delete(s.m, k)
		}
	}
	s.m[tokenHash(token)] = sess
	return token
}

// get returns a copy of the session of token, extending it; false if there
// is none or it expired.
func (s *sessions) get(token string, now time.Time) (session, bool) {
	if token == "" {
		return session{}, false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	sess, ok := s.m[tokenHash(token)]
	if !ok || now.After(sess.Expires) {
		return session{}, false
	}
	sess.Expires = now.Add(SessionTTL)
	return *sess, true
}

// update changes the session of token.
func (s *sessions) update(token string, fn func(*session)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if sess, ok := s.m[tokenHash(token)]; ok {
		fn(sess)
	}
}

func (s *sessions) delete(token string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.m, tokenHash(token))
}

// sameToken compares two secrets in constant time.
func sameToken(a, b string) bool {
	return a != "" && subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}

// setCookie sets an HttpOnly, SameSite=Strict cookie under /dashboard,
// Secure when the request came over TLS.
func setCookie(w http.ResponseWriter, r *http.Request, name, value string, maxAge int) {
	http.SetCookie(w, &http.Cookie{Name: name, Value: value, Path: "/dashboard", MaxAge: maxAge, HttpOnly: true,
		SameSite: http.SameSiteStrictMode, Secure: r.TLS != nil})
}
