package dashboard_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/kessai/kessai"
	"github.com/kessai/kessai/amazonorder"
	"github.com/kessai/kessai/internal/kessaitest"
	"github.com/kessai/kessai/internal/testdb"
)

func refundsOf(t *testing.T, s *kessaitest.Server, flow string) []map[string]any {
	t.Helper()
	return kessaitest.Must(t, s.Get("/v2/payment_refunds?payment_flow_id="+flow), 200).Data()
}

// TestDashboard_RefundIsTheEngines: a refund from a payment's page is the
// engine's CreateRefund — listed by the PAY.JP API, in the ledger, in the
// analysis and its CSV; the same form posted twice (a double click) refunds
// once; a refund the engine refuses shows the API's error.
func TestDashboard_RefundIsTheEngines(t *testing.T) {
	t.Parallel()
	testdb.ForEach(t, func(t *testing.T, dialect string) {
		s := kessaitest.Start(t, dialect, kessaitest.Options{})
		flow := s.PaidCardFlow(5000)
		b := newBrowser(t, s.URL)
		b.signIn(s.Key, "/dashboard/payments")
		_, list := b.get("/dashboard/payments")
		if !strings.Contains(list, flow) || !strings.Contains(list, "¥5,000") {
			t.Fatalf("the payments list does not show %s for ¥5,000:\n%s", flow, list)
		}
		_, page := b.get("/dashboard/payments/" + flow)
		action := "/dashboard/payments/" + flow + "/refund"
		form := url.Values{"amount": {"1,000"}, "reason": {"requested_by_customer"}, "idem": {idemOf(t, page, action)}}
		_, after := b.post(action, form)
		if !strings.Contains(after, `class="flash ok"`) || !strings.Contains(after, "¥1,000") {
			t.Fatalf("after the refund the page shows no success:\n%s", after)
		}
		again := url.Values{"amount": {"1,000"}, "reason": {"requested_by_customer"}, "idem": {form.Get("idem")}}
		_, second := b.post(action, again)
		if !strings.Contains(second, `class="flash ok"`) {
			t.Errorf("the double click shows no success:\n%s", second)
		}
		refunds := refundsOf(t, s, flow)
		if len(refunds) != 1 || refunds[0]["amount"].(float64) != 1000 || refunds[0]["reason"] != "requested_by_customer" {
			t.Fatalf("refunds through the API after a double click: %v, want one of 1000", refunds)
		}
		if !strings.Contains(second, refunds[0]["id"].(string)) || !strings.Contains(second, "refund.created") {
			t.Errorf("the timeline does not show refund %s and its event", refunds[0]["id"])
		}
		// A refund beyond what is left: the engine's error, nothing written.
		_, page = b.get("/dashboard/payments/" + flow)
		_, refused := b.post(action, url.Values{"amount": {"9000"}, "idem": {idemOf(t, page, action)}})
		if !strings.Contains(refused, `class="flash bad"`) || !strings.Contains(refused, "refund_exceeds_payment") {
			t.Errorf("an over-refund shows no engine error:\n%s", refused)
		}
		if n := len(refundsOf(t, s, flow)); n != 1 {
			t.Errorf("refunds after a refused one: %d, want 1", n)
		}
		_, analysis := b.get("/dashboard/analysis")
		if !regexp.MustCompile(`class="reason-requested_by_customer"><td>[^<]*</td><td class="num">1</td><td class="num">¥1,000</td>`).MatchString(analysis) ||
			!strings.Contains(analysis, "piece-requested_by_customer") || !strings.Contains(analysis, `id="rate">20.00 %`) {
			t.Errorf("the analysis does not count the refund (1, ¥1,000, 20.00 %% of ¥5,000):\n%s", analysis)
		}
		code, csv := b.get("/dashboard/analysis.csv?period=month")
		if code != 200 || !strings.Contains(csv, ",requested_by_customer,1,1000,5000,2000") {
			t.Errorf("CSV export %d:\n%s", code, csv)
		}
		s.CheckLedger()
	})
}

// TestDashboard_CSRFAndSessions: a form without its CSRF token is refused
// and changes nothing; the session cookie is HttpOnly and SameSite=Strict;
// a wrong key does not sign in; after sign-out the pages ask to sign in.
func TestDashboard_CSRFAndSessions(t *testing.T) {
	t.Parallel()
	testdb.ForEach(t, func(t *testing.T, dialect string) {
		s := kessaitest.Start(t, dialect, kessaitest.Options{})
		flow := s.PaidCardFlow(3000)
		b := newBrowser(t, s.URL)
		b.get("/dashboard/login")
		b.post("/dashboard/login", url.Values{"key": {"sk_test_wrong"}})
		if b.last.Request.URL.Path != "/dashboard/login" {
			t.Errorf("a wrong key landed on %s", b.last.Request.URL)
		}
		b.signIn(s.Key, "/dashboard/payments")
		var sess *http.Cookie
		for _, c := range b.last.Request.Response.Cookies() {
			if c.Name == "kessai_dashboard" {
				sess = c
			}
		}
		if sess == nil || !sess.HttpOnly || sess.SameSite != http.SameSiteStrictMode || sess.Path != "/dashboard" {
			t.Errorf("session cookie %+v: want HttpOnly, SameSite=Strict, Path=/dashboard", sess)
		}
		_, page := b.get("/dashboard/payments/" + flow)
		action := "/dashboard/payments/" + flow + "/refund"
		for name, token := range map[string]string{"missing": "", "wrong": strings.Repeat("0", 64)} {
			code, body := b.post(action, url.Values{"csrf": {token}, "amount": {"1000"}, "idem": {idemOf(t, page, action)}})
			if code != http.StatusForbidden || !strings.Contains(body, `id="error"`) {
				t.Errorf("%s CSRF token: %d, want 403:\n%s", name, code, body)
			}
		}
		if n := len(refundsOf(t, s, flow)); n != 0 {
			t.Errorf("refunds after refused forms: %d, want 0", n)
		}
		b.get("/dashboard/payments")
		b.post("/dashboard/logout", url.Values{})
		b.get("/dashboard/payments/" + flow)
		if b.last.Request.URL.Path != "/dashboard/login" {
			t.Errorf("after sign-out the payment page is at %s, want the login page", b.last.Request.URL)
		}
		if code, _ := b.post(action, url.Values{"csrf": {"x"}, "amount": {"1000"}}); code != http.StatusForbidden {
			t.Errorf("a post after sign-out: %d, want 403", code)
		}
	})
}

// TestDashboard_Isolation walks every dashboard route with an object in its
// path, signed in as another account, with the victim's objects: each
// answers 404 and changes nothing; the intruder's lists do not show them.
func TestDashboard_Isolation(t *testing.T) {
	t.Parallel()
	testdb.ForEach(t, func(t *testing.T, dialect string) {
		s := kessaitest.Start(t, dialect, kessaitest.Options{})
		ctx := context.Background()
		victim := s.Acct()
		kessaitest.Must(t, s.Post("/kessai/v1/webhook_endpoints", map[string]any{"url": "http://127.0.0.1:9/hook", "kind": "payjp"}), 200)
		flow := s.PaidCardFlow(3000)
		amount := int64(2000)
		order, err := amazonorder.CreateOrderReference(ctx, s.Main.E, victim, amazonorder.OrderReferenceParams{Amount: &amount})
		if err != nil {
			t.Fatal(err)
		}
		delivery := kessaitest.Must(t, s.Get("/kessai/v1/webhook_deliveries?limit=1"), 200).Data()[0]["id"].(string)
		snapshot := func() string {
			// The flow, its refunds and the order (deliveries change as the
			// worker tries them; a retry would show in their count below).
			o, _ := amazonorder.GetOrderReference(ctx, s.Main.E, victim, order.ID)
			return string(kessaitest.Must(t, s.Get("/v2/payment_flows/"+flow), 200).Body) +
				string(kessaitest.Must(t, s.Get("/v2/payment_refunds?payment_flow_id="+flow), 200).Body) + o.State +
				strings.Repeat("d", len(kessaitest.Must(t, s.Get("/kessai/v1/webhook_deliveries?limit=100"), 200).Data()))
		}
		before := snapshot()
		intruder := s.NewAccount("intruder")
		b := newBrowser(t, s.URL)
		b.signIn(intruder.SecretKey, "/dashboard/payments")
		fill := map[string]map[string]string{
			"/dashboard/payments/":   {"id": flow, "action": "refund"},
			"/dashboard/deliveries/": {"id": delivery},
		}
		param := regexp.MustCompile(`\{([a-z_]+)\.*\}`)
		walked := 0
		for _, pattern := range s.Main.Routes() {
			method, path, _ := strings.Cut(pattern, " ")
			if !strings.HasPrefix(path, "/dashboard/") || !strings.Contains(path, "{") || strings.Contains(path, "{$}") {
				continue
			}
			var ids map[string]string
			for prefix, v := range fill {
				if strings.HasPrefix(path, prefix) {
					ids = v
				}
			}
			missing := ""
			filled := param.ReplaceAllStringFunc(path, func(m string) string {
				name := param.FindStringSubmatch(m)[1]
				if ids[name] == "" {
					missing = name
				}
				return ids[name]
			})
			if missing != "" {
				t.Errorf("route %q: no victim object for {%s}: add it", pattern, missing)
				continue
			}
			paths := []string{filled}
			if strings.Contains(path, "{action}") {
				paths = nil
				for _, a := range []string{"refund", "capture", "cancel", "close", "authorize"} {
					for _, id := range []string{flow, order.ID} {
						paths = append(paths, "/dashboard/payments/"+id+"/"+a)
					}
				}
			}
			for _, p := range paths {
				walked++
				var code int
				var body string
				if method == "POST" {
					code, body = b.post(p, url.Values{"amount": {"100"}, "idem": {strings.Repeat("ab", 16)}})
				} else {
					code, body = b.get(p)
				}
				if code != http.StatusNotFound {
					t.Errorf("%s %s as another account: %d, want 404:\n%.300s", method, p, code, body)
				}
			}
		}
		if walked < 12 {
			t.Errorf("walked %d dashboard routes; the route table looks incomplete", walked)
		}
		for _, page := range []string{"/dashboard/payments", "/dashboard/refunds", "/dashboard/events", "/dashboard/deliveries",
			"/dashboard/payments?id=" + flow, "/dashboard/payments?email=buyer%40example.com", "/dashboard/analysis"} {
			_, body := b.get(page)
			if strings.Contains(page, "?id=") {
				if !strings.Contains(body, `id="nomatch"`) {
					t.Errorf("%s: the search by the victim's id found something", page)
				}
				body = strings.ReplaceAll(body, `value="`+flow+`"`, "") // the intruder's own search, echoed
			}
			if strings.Contains(body, flow) || strings.Contains(body, order.ID) || strings.Contains(body, delivery) || strings.Contains(body, "¥3,000") {
				t.Errorf("%s shows the victim's objects to another account", page)
			}
		}
		// The operator switch is not for accounts.
		if code, _ := b.post("/dashboard/accounts", url.Values{"account": {victim.ID}}); code != http.StatusNotFound {
			t.Errorf("an account picking another: %d, want 404", code)
		}
		if after := snapshot(); after != before {
			t.Errorf("the victim's objects changed:\n%s\n%s", before, after)
		}
	})
}

// TestDashboard_Operator: the operator token opens any account, chosen from
// the account list; the language toggles; a clock advance settles a PayPay
// refund, shown as what became due.
func TestDashboard_Operator(t *testing.T) {
	t.Parallel()
	testdb.ForEach(t, func(t *testing.T, dialect string) {
		token := "op_" + strings.Repeat("z", 30)
		s := kessaitest.Start(t, dialect, kessaitest.Options{DashboardOperatorToken: token})
		srv := s.URL
		flow := s.PaidPayPayFlow(4000)
		kessaitest.Must(t, s.Post("/v2/payment_refunds", map[string]any{"payment_flow_id": flow, "amount": 500}), 200)
		b := newBrowser(t, srv)
		b.signIn(token, "/dashboard/accounts")
		_, accounts := b.get("/dashboard/accounts?lang=en")
		if !strings.Contains(accounts, s.Account.ID) || !strings.Contains(accounts, ">Accounts<") {
			t.Fatalf("the operator's account list (English) does not show %s:\n%s", s.Account.ID, accounts)
		}
		b.post("/dashboard/accounts", url.Values{"account": {s.Account.ID}})
		_, page := b.get("/dashboard/payments/" + flow)
		if !strings.Contains(page, "pending") {
			t.Fatalf("the PayPay refund is not pending:\n%s", page)
		}
		_, clock := b.get("/dashboard/clock")
		b.post("/dashboard/clock", url.Values{"n": {"1"}, "unit": {"hours"}, "idem": {idemOf(t, clock, "/dashboard/clock")}})
		_, due := b.get(b.last.Request.URL.RequestURI())
		if !strings.Contains(due, "payment_refund.succeeded") && !strings.Contains(due, "refund.updated") && !strings.Contains(due, "refund.succeeded") {
			t.Errorf("what became due does not show the refund settling:\n%s", due)
		}
		var refunds []map[string]any
		_ = json.Unmarshal(kessaitest.Must(t, s.Get("/v2/payment_refunds?payment_flow_id="+flow), 200).Body, &struct {
			Data *[]map[string]any `json:"data"`
		}{&refunds})
		if len(refunds) != 1 || refunds[0]["status"] != kessai.RefundSucceeded {
			t.Errorf("the PayPay refund after the advance: %v", refunds)
		}
	})
}
