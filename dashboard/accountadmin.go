package dashboard

import "github.com/kessai/kessai/accounts"

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
