package dashboard_test

import (
	"html"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/kessai/kessai/internal/kessaitest"
)

var flashRe = regexp.MustCompile(`<p class="flash bad" id="flash">([^<]*)</p>`)

// TestDashboard_ErrorsInJapanese: an action the engine refuses shows, in
// the Japanese UI (the default), a Japanese text chosen by the error's code
// followed by the code and the API's message with its details; the same
// form posted again (a double click, answered from the stored outcome)
// says the same; the English UI shows the API's words alone.
func TestDashboard_ErrorsInJapanese(t *testing.T) {
	t.Parallel()
	s := kessaitest.Start(t, "sqlite", kessaitest.Options{NoWorker: true})
	flow := s.PaidCardFlow(5000)
	action := "/dashboard/payments/" + flow + "/refund"
	b := newBrowser(t, s.URL)
	b.signIn(s.Key, "/dashboard/payments")
	flashOf := func(page string) string {
		t.Helper()
		m := flashRe.FindStringSubmatch(page)
		if m == nil {
			t.Fatalf("no error shown:\n%s", page)
		}
		return html.UnescapeString(m[1])
	}
	cases := []struct {
		name, lang string
		form       url.Values
		want       []string
		not        []string
	}{
		{"over_refund_ja", "ja", url.Values{"amount": {"9000"}},
			[]string{"返金額が返金可能な金額を超えています。（refund_exceeds_payment: ", "(refundable: 5000)）"}, nil},
		{"no_amount_ja", "ja", url.Values{"amount": {""}},
			[]string{"入力内容に誤りがあります。（validation_error: ", "amount"}, nil},
		{"over_refund_en", "en", url.Values{"amount": {"9000"}},
			[]string{"refund_exceeds_payment: ", "(refundable: 5000)"}, []string{"返金額", "（"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, page := b.get("/dashboard/payments/" + flow + "?lang=" + c.lang)
			c.form.Set("idem", idemOf(t, page, action))
			_, first := b.post(action, c.form)
			_, again := b.post(action, c.form) // a double click: the stored outcome
			for i, page := range []string{first, again} {
				got := flashOf(page)
				for _, w := range c.want {
					if !strings.Contains(got, w) {
						t.Errorf("post %d shows %q; want it to contain %q", i+1, got, w)
					}
				}
				for _, n := range c.not {
					if strings.Contains(got, n) {
						t.Errorf("post %d shows %q; want no %q", i+1, got, n)
					}
				}
			}
		})
	}
	if n := len(refundsOf(t, s, flow)); n != 0 {
		t.Errorf("refused refunds made %d refunds", n)
	}
}
