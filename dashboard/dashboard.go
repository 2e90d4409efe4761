// Package dashboard is kessai's operator dashboard at /dashboard: server-
// rendered HTML pages over the engine for a merchant's people (customer
// service, finance) and for an operator of the whole server. Every change it
// makes is the engine call the APIs make (a refund here is CreateRefund or
// RefundCapture, as through /v2 and MWS), with the engine's idempotency and
// the engine's error messages; reads go through the engine or the store's
// indexed queries. Templates and the stylesheet are embedded: the binary
// serves them with nothing else installed.
package dashboard

import (
	"context"
	"embed"
	"errors"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/kessai/kessai"
	"github.com/kessai/kessai/accounts"
	"github.com/kessai/kessai/engine"
)

//go:embed templates/*.html static/*
var assets embed.FS

// Config configures the dashboard.
type Config struct {
	// OperatorToken, when set, signs in an operator who may open every
	// account (the CLI's --dashboard-operator-token). Empty: only
	// accounts' secret keys sign in.
	OperatorToken string
	Log           *slog.Logger
}

// Dashboard serves /dashboard.
type Dashboard struct {
	E        *engine.Engine
	cfg      Config
	sessions *sessions
	pages    map[string]*template.Template
	static   http.Handler
}

// New returns the dashboard over the engine.
func New(e *engine.Engine, cfg Config) *Dashboard {
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	d := &Dashboard{E: e, cfg: cfg, sessions: newSessions(), pages: map[string]*template.Template{}}
	names, err := fs.Glob(assets, "templates/*.html")
	if err != nil {
		panic(err)
	}
	for _, n := range names {
		base := strings.TrimSuffix(strings.TrimPrefix(n, "templates/"), ".html")
		if base == "layout" {
			continue
		}
		files := []string{"templates/layout.html", n}
		if base == "login" || base == "error" { // pages of their own, outside the signed-in layout
			files = []string{n}
		}
		d.pages[base] = template.Must(template.New("layout.html").Funcs(funcs).ParseFS(assets, files...))
	}
	sub, _ := fs.Sub(assets, "static")
	d.static = http.StripPrefix("/dashboard/static/", http.FileServer(http.FS(sub)))
	return d
}

// Router is where the dashboard registers its routes (the server's mux,
// which records them for the isolation walk).
type Router interface {
	HandleFunc(pattern string, handler func(http.ResponseWriter, *http.Request))
}

// Register adds the dashboard's routes to mux.
func (d *Dashboard) Register(mux Router) {
	mux.HandleFunc("GET /dashboard/static/", d.static.ServeHTTP)
	mux.HandleFunc("GET /dashboard", d.redirect("/dashboard/payments"))
	mux.HandleFunc("GET /dashboard/{$}", d.redirect("/dashboard/payments"))
	mux.HandleFunc("GET /dashboard/login", d.loginPage)
	mux.HandleFunc("POST /dashboard/login", d.login)
	mux.HandleFunc("POST /dashboard/logout", d.post(d.logout))
	mux.HandleFunc("GET /dashboard/accounts", d.get(d.accountsPage))
	mux.HandleFunc("POST /dashboard/accounts", d.post(d.pickAccount))
	mux.HandleFunc("POST /dashboard/accounts/state", d.post(d.setAccountState))
	mux.HandleFunc("POST /dashboard/accounts/rotate-key", d.post(d.rotateKey))
	mux.HandleFunc("GET /dashboard/payments", d.get(d.paymentsPage))
	mux.HandleFunc("GET /dashboard/payments/{id}", d.get(d.paymentPage))
	mux.HandleFunc("POST /dashboard/payments/{id}/{action}", d.post(d.paymentAction))
	mux.HandleFunc("GET /dashboard/refunds", d.get(d.refundsPage))
	mux.HandleFunc("GET /dashboard/analysis", d.get(d.analysisPage))
	mux.HandleFunc("GET /dashboard/analysis.csv", d.get(d.analysisCSV))
	mux.HandleFunc("GET /dashboard/events", d.get(d.eventsPage))
	mux.HandleFunc("GET /dashboard/deliveries", d.get(d.deliveriesPage))
	mux.HandleFunc("POST /dashboard/deliveries/{id}/retry", d.post(d.retryDelivery))
	mux.HandleFunc("GET /dashboard/emails", d.get(d.emailsPage))
	mux.HandleFunc("GET /dashboard/settings", d.get(d.settingsPage))
	mux.HandleFunc("POST /dashboard/settings", d.post(d.saveSettings))
	mux.HandleFunc("POST /dashboard/webhook_endpoints", d.post(d.createEndpoint))
	mux.HandleFunc("GET /dashboard/clock", d.get(d.clockPage))
	mux.HandleFunc("POST /dashboard/clock", d.post(d.advanceClock))
	mux.HandleFunc("/dashboard/", func(w http.ResponseWriter, r *http.Request) {
		d.fail(w, r, nil, http.StatusNotFound, "not_found")
	})
}

func (d *Dashboard) redirect(to string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, to, http.StatusSeeOther) }
}

// req is one signed-in request.
type req struct {
	w     http.ResponseWriter
	r     *http.Request
	token string
	sess  session
	acct  *kessai.Account // nil for an operator who has not picked an account
	lang  string
}

type handler func(q *req) error

// errPage is an error that is shown as a page of its own with a status.
type errPage struct {
	status int
	key    string // label of the message
}

func (e *errPage) Error() string { return e.key }

var (
	errNotFound = &errPage{http.StatusNotFound, "not_found"}
	errCSRF     = &errPage{http.StatusForbidden, "csrf_refused"}
	errNoAcct   = &errPage{http.StatusConflict, "pick_account"}
)

// signedIn finds the request's session and account; false: answered
// (redirected to the login page).
func (d *Dashboard) signedIn(w http.ResponseWriter, r *http.Request) (*req, bool) {
	q := &req{w: w, r: r, lang: langOf(w, r)}
	c, err := r.Cookie(sessionCookie)
	if err == nil {
		q.token = c.Value
	}
	sess, ok := d.sessions.get(q.token, time.Now())
	if !ok {
		if r.Method == http.MethodGet {
			http.Redirect(w, r, "/dashboard/login", http.StatusSeeOther)
		} else {
			d.fail(w, r, q, http.StatusForbidden, "signed_out")
		}
		return nil, false
	}
	q.sess = sess
	if sess.AccountID != "" {
		acct, err := d.account(r.Context(), sess.AccountID)
		if err != nil {
			d.fail(w, r, q, http.StatusInternalServerError, "internal")
			return nil, false
		}
		if acct.DisabledAt != nil && !sess.Operator {
			// Disabled since this merchant signed in: signed out, and its
			// key no longer signs in (accounts.SetAccountDisabled).
			d.sessions.delete(q.token)
			if r.Method == http.MethodGet {
				http.Redirect(w, r, "/dashboard/login", http.StatusSeeOther)
			} else {
				d.fail(w, r, q, http.StatusForbidden, "signed_out")
			}
			return nil, false
		}
		q.acct = acct
	}
	return q, true
}

func (d *Dashboard) account(ctx context.Context, id string) (*kessai.Account, error) {
	return d.E.AccountByID(ctx, id)
}

// get wraps a page.
func (d *Dashboard) get(fn handler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		q, ok := d.signedIn(w, r)
		if !ok {
			return
		}
		d.finish(q, fn(q))
	}
}

// post wraps a form's action: the session's CSRF token must come with it.
func (d *Dashboard) post(fn handler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
		if err := r.ParseForm(); err != nil {
			d.fail(w, r, nil, http.StatusBadRequest, "bad_form")
			return
		}
		q, ok := d.signedIn(w, r)
		if !ok {
			return
		}
		if !sameToken(r.PostForm.Get("csrf"), q.sess.CSRF) {
			d.finish(q, errCSRF)
			return
		}
		d.finish(q, fn(q))
	}
}

func (d *Dashboard) finish(q *req, err error) {
	if err == nil {
		return
	}
	var p *errPage
	switch {
	case errors.As(err, &p):
		d.fail(q.w, q.r, q, p.status, p.key)
	case kessai.ErrorCode(err) == kessai.NotFound || kessai.ErrorCode(err) == kessai.ResourceMissing:
		d.fail(q.w, q.r, q, http.StatusNotFound, "not_found")
	default:
		d.cfg.Log.ErrorContext(q.r.Context(), "dashboard", "path", q.r.URL.Path, "err", err)
		d.fail(q.w, q.r, q, http.StatusInternalServerError, "internal")
	}
}

// fail renders an error page.
func (d *Dashboard) fail(w http.ResponseWriter, r *http.Request, q *req, status int, key string) {
	lang := "ja"
	if q != nil {
		lang = q.lang
	} else {
		lang = langOf(w, r)
	}
	if q != nil && q.sess.CSRF != "" {
		// Signed in: the error inside the layout, with its navigation.
		if d.renderStatus(q, status, "problem", map[string]any{"Message": labels(lang)[key], "Status": status}) == nil {
			return
		}
	}
	setPageHeaders(w.Header())
	w.WriteHeader(status)
	_ = d.pages["error"].Execute(w, map[string]any{"L": labels(lang), "Lang": lang, "Message": labels(lang)[key], "Status": status})
}

// render writes a page.
func (d *Dashboard) render(q *req, page string, data map[string]any) error {
	return d.renderStatus(q, http.StatusOK, page, data)
}

// renderStatus writes a page of the signed-in layout with the status.
func (d *Dashboard) renderStatus(q *req, status int, page string, data map[string]any) error {
	data["L"] = labels(q.lang)
	data["Lang"] = q.lang
	data["Acct"] = q.acct
	data["Operator"] = q.sess.Operator
	data["CSRF"] = q.sess.CSRF
	data["Page"] = page
	data["Path"] = q.r.URL.Path
	if q.sess.Flash != nil {
		data["Flash"] = q.sess.Flash
		d.sessions.update(q.token, func(s *session) { s.Flash = nil })
	}
	var b strings.Builder
	if err := d.pages[page].Execute(&b, data); err != nil {
		return err
	}
	setPageHeaders(q.w.Header())
	q.w.WriteHeader(status)
	_, err := q.w.Write([]byte(b.String()))
	return err
}

// needAcct returns the account shown, or asks the operator to pick one.
func (q *req) needAcct() (*kessai.Account, error) {
	if q.acct == nil {
		return nil, errNoAcct
	}
	return q.acct, nil
}

// seeOther redirects after an action, with its outcome shown once.
func (d *Dashboard) seeOther(q *req, to string, f *flash) error {
	if f != nil {
		d.sessions.update(q.token, func(s *session) { s.Flash = f })
	}
	http.Redirect(q.w, q.r, to, http.StatusSeeOther)
	return nil
}

// langOf is the request's language: ?lang= (remembered in a cookie), the
// cookie, or Japanese.
func langOf(w http.ResponseWriter, r *http.Request) string {
	if l := r.URL.Query().Get("lang"); l == "ja" || l == "en" {
		setCookie(w, r, langCookie, l, 365*24*3600)
		return l
	}
	if c, err := r.Cookie(langCookie); err == nil && (c.Value == "ja" || c.Value == "en") {
		return c.Value
	}
	return "ja"
}

// --- sign in and out

func (d *Dashboard) loginPage(w http.ResponseWriter, r *http.Request) {
	lang := langOf(w, r)
	token := randomHex(32)
	setCookie(w, r, loginCookie, token, 3600)
	setPageHeaders(w.Header())
	_ = d.pages["login"].Execute(w, map[string]any{"L": labels(lang), "Lang": lang, "CSRF": token,
		"Operator": d.cfg.OperatorToken != "", "Error": r.URL.Query().Get("error") != ""})
}

// login signs in with an account's secret key or the operator token. The
// key is never logged nor kept: the session holds the account's id.
func (d *Dashboard) login(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 8<<10)
	if err := r.ParseForm(); err != nil {
		d.fail(w, r, nil, http.StatusBadRequest, "bad_form")
		return
	}
	c, err := r.Cookie(loginCookie)
	if err != nil || !sameToken(r.PostForm.Get("csrf"), c.Value) {
		d.fail(w, r, nil, http.StatusForbidden, "csrf_refused")
		return
	}
	key := strings.TrimSpace(r.PostForm.Get("key"))
	sess := &session{}
	switch {
	case d.cfg.OperatorToken != "" && sameToken(key, d.cfg.OperatorToken):
		sess.Operator = true
	default:
		acct, err := accounts.Authenticate(d.E, r.Context(), key)
		if err != nil {
			http.Redirect(w, r, "/dashboard/login?error=1", http.StatusSeeOther)
			return
		}
		sess.AccountID = acct.ID
	}
	token := d.sessions.create(sess, time.Now())
	setCookie(w, r, sessionCookie, token, int(SessionTTL/time.Second))
	setCookie(w, r, loginCookie, "", -1)
	to := "/dashboard/payments"
	if sess.Operator {
		to = "/dashboard/accounts"
	}
	http.Redirect(w, r, to, http.StatusSeeOther)
}

func (d *Dashboard) logout(q *req) error {
	d.sessions.delete(q.token)
	setCookie(q.w, q.r, sessionCookie, "", -1)
	http.Redirect(q.w, q.r, "/dashboard/login", http.StatusSeeOther)
	return nil
}

func (d *Dashboard) accountsPage(q *req) error {
	if !q.sess.Operator {
		return errNotFound
	}
	accts, err := d.E.Accounts(q.r.Context(), q.r.URL.Query().Get("after"), 51)
	if err != nil {
		return err
	}
	next := ""
	if len(accts) > 50 {
		accts = accts[:50]
		next = accts[49].ID
	}
	return d.render(q, "accounts", map[string]any{"Accounts": accts, "Next": next, "Now": d.E.Clock.Now()})
}

// pickAccount is the operator choosing the account to show.
func (d *Dashboard) pickAccount(q *req) error {
	if !q.sess.Operator {
		return errNotFound
	}
	id := q.r.PostForm.Get("account")
	if _, err := d.account(q.r.Context(), id); err != nil {
		return errNotFound
	}
	d.sessions.update(q.token, func(s *session) { s.AccountID = id })
	return d.seeOther(q, "/dashboard/payments", nil)
}
