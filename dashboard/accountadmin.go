package dashboard

import (
	"net/http"
	"time"

	"github.com/kessai/kessai/accounts"
)

// setAccountState is the operator disabling or enabling an account
// (engine.SetAccountDisabled), the same as 'kessai accounts disable|enable'.
func (d *Dashboard) setAccountState(q *req) error {
	if !q.sess.Operator {
		return errNotFound
	}
	disable := q.r.PostForm.Get("disabled") == "true"
	if _, err := accounts.SetAccountDisabled(d.E, q.r.Context(), q.r.PostForm.Get("account"), disable); err != nil {
		return err
	}
	msg := "account_now_enabled"
	if disable {
		msg = "account_now_disabled"
	}
	return d.seeOther(q, "/dashboard/accounts", &flash{OK: true, Message: labels(q.lang)[msg]})
}

// keyGraces are the grace periods the operator may give a rotated key:
// the CLI's default, an hour, none.
var keyGraces = []string{"24h", "1h", "0s"}

// rotateKey is the operator giving an account a new secret key
// (accounts.RotateSecretKey), as 'kessai accounts rotate-key' does. The
// answer is the page that shows the new key, once: it is not kept (the
// store holds its hash), not put in the session, and the page is not
// cached (no-store); reloading it would ask to post the form again, which
// would rotate again.
func (d *Dashboard) rotateKey(q *req) error {
	if !q.sess.Operator {
		return errNotFound
	}
	grace := q.r.PostForm.Get("grace")
	if grace == "" {
		grace = keyGraces[0]
	}
	known := false
	for _, g := range keyGraces {
		known = known || g == grace
	}
	if !known {
		return &errPage{http.StatusBadRequest, "bad_form"}
	}
	g, _ := time.ParseDuration(grace)
	k, err := accounts.RotateSecretKey(d.E, q.r.Context(), q.r.PostForm.Get("account"), g)
	if err != nil {
		return err
	}
	return d.render(q, "rotated", map[string]any{"Key": k})
}
