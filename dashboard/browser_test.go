package dashboard_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/kessai/kessai/internal/kessaitest"
)

// chromium finds a Chromium to drive. Under CI (CI or
// KESSAI_REQUIRE_POSTGRES set) a missing one fails the test: .ci/run
// installs it.
func chromium(t *testing.T) string {
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CI") != "" || os.Getenv("KESSAI_REQUIRE_POSTGRES") != "" {
		t.Fatal("Chromium is not installed (apt-get install -y chromium); CI requires the browser test")
	}
	t.Skip("Chromium is not installed (apt-get install -y chromium)")
	return ""
}

// TestDashboard_Browser drives the dashboard in real Chromium: sign in,
// find a payment, refund ¥1,000 with a reason, see the refund and its
// event in the timeline, see the reasons chart change, advance the clock
// and see a PayPay refund settle, sign out; a second account cannot open
// the first's payment; a form posted without its CSRF token is refused.
// With KESSAI_SCREENSHOTS=1 it saves the main pages to docs/dashboard-*.png.
func TestDashboard_Browser(t *testing.T) {
	exe := chromium(t)
	s := kessaitest.Start(t, "sqlite", kessaitest.Options{})
	flow := s.PaidCardFlow(4321)
	paypay := s.PaidPayPayFlow(3000)
	paypayRefund := kessaitest.Must(t, s.Post("/v2/payment_refunds", map[string]any{"payment_flow_id": paypay, "amount": 800, "reason": "duplicate"}), 200).Str("id")
	second := s.NewAccount("second")

	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(exe), chromedp.NoSandbox,
		chromedp.Flag("disable-gpu", true), chromedp.WindowSize(1280, 900))
	actx, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancel()
	ctx, cancel := chromedp.NewContext(actx)
	defer cancel()
	ctx, cancel = context.WithTimeout(ctx, 90*time.Second)
	defer cancel()

	run := func(what string, actions ...chromedp.Action) {
		t.Helper()
		if err := chromedp.Run(ctx, actions...); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	shoot := func(name string) {
		t.Helper()
		if os.Getenv("KESSAI_SCREENSHOTS") == "" {
			return
		}
		var png []byte
		run("screenshot "+name, chromedp.FullScreenshot(&png, 100))
		if err := os.WriteFile(filepath.Join("..", "docs", "dashboard-"+name+".png"), png, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	text := func(sel string) string {
		t.Helper()
		var out string
		run("read "+sel, chromedp.Text(sel, &out, chromedp.ByQuery))
		return out
	}
	count := func(js string) int {
		t.Helper()
		var n int
		run("count", chromedp.Evaluate(js, &n))
		return n
	}
	signIn := func(key string) {
		t.Helper()
		run("sign in", chromedp.Navigate(s.URL+"/dashboard/login"), chromedp.WaitVisible("#key", chromedp.ByID),
			chromedp.SendKeys("#key", key, chromedp.ByID), chromedp.Click("#signin", chromedp.ByID),
			chromedp.WaitVisible("#payments", chromedp.ByID))
	}

	signIn(s.Key)
	if os.Getenv("KESSAI_SCREENSHOTS") != "" {
		// The screenshots show the default, Japanese UI: without a CJK font
		// Chromium would draw boxes.
		if out, err := exec.Command("fc-list", ":lang=ja").Output(); err != nil || len(out) == 0 {
			t.Fatalf("KESSAI_SCREENSHOTS needs a Japanese font (apt-get install -y fonts-noto-cjk): fc-list :lang=ja: %v", err)
		}
	}
	run("analysis before", chromedp.Navigate(s.URL+"/dashboard/analysis"), chromedp.WaitVisible("#chart", chromedp.ByID))
	if n := count(`document.querySelectorAll("rect.piece-requested_by_customer").length`); n != 0 {
		t.Fatalf("the chart shows %d requested_by_customer bars before any such refund", n)
	}
	// Find the payment by its amount.
	run("search", chromedp.Navigate(s.URL+"/dashboard/payments"), chromedp.WaitVisible("#q-amount", chromedp.ByID),
		chromedp.SendKeys("#q-amount", "4321", chromedp.ByID), chromedp.Click("#q-go", chromedp.ByID),
		chromedp.WaitVisible(`a[href="/dashboard/payments/`+flow+`"]`, chromedp.ByQuery))
	if got := text("#payments"); strings.Contains(got, paypay) || !strings.Contains(got, "¥4,321") {
		t.Errorf("the search by amount shows:\n%s", got)
	}
	shoot("payments")
	run("open", chromedp.Click(`a[href="/dashboard/payments/`+flow+`"]`, chromedp.ByQuery), chromedp.WaitVisible("#payment-id", chromedp.ByID),
		chromedp.SendKeys("#refund-amount", "1000", chromedp.ByID),
		chromedp.SetValue("#refund-reason", "requested_by_customer", chromedp.ByID),
		chromedp.Click("#do-refund", chromedp.ByID), chromedp.WaitVisible("#flash", chromedp.ByID))
	if got := text("#flash"); !strings.Contains(got, "¥1,000") || !strings.Contains(got, "succeeded") {
		t.Fatalf("after the refund the page says %q", got)
	}
	refunds := kessaitest.Must(t, s.Get("/v2/payment_refunds?payment_flow_id="+flow), 200).Data()
	if len(refunds) != 1 {
		t.Fatalf("refunds through the API: %d, want 1", len(refunds))
	}
	if tl := text("#timeline"); !strings.Contains(tl, refunds[0]["id"].(string)) || !strings.Contains(tl, "refund.created") {
		t.Errorf("the timeline lacks the refund or its event:\n%s", tl)
	}
	if got := text("#p-refunded"); got != "¥1,000" {
		t.Errorf("refunded: %q, want ¥1,000", got)
	}
	shoot("payment")
	run("analysis after", chromedp.Navigate(s.URL+"/dashboard/analysis"), chromedp.WaitVisible("#chart", chromedp.ByID))
	if n := count(`document.querySelectorAll("rect.piece-requested_by_customer").length`); n != 1 {
		t.Errorf("the chart shows %d requested_by_customer bars after the refund, want 1", n)
	}
	shoot("analysis")
	// The PayPay refund settles when the clock passes its delay.
	run("clock", chromedp.Navigate(s.URL+"/dashboard/clock"), chromedp.WaitVisible("#advance-n", chromedp.ByID),
		chromedp.SetValue("#advance-n", "1", chromedp.ByID), chromedp.SetValue("#advance-unit", "hours", chromedp.ByID),
		chromedp.Click("#do-advance", chromedp.ByID), chromedp.WaitVisible("#due", chromedp.ByID))
	if due := text("#due"); !strings.Contains(due, "refund.updated") {
		t.Errorf("what became due lacks the refund's settlement:\n%s", due)
	}
	shoot("clock")
	run("paypay", chromedp.Navigate(s.URL+"/dashboard/payments/"+paypay), chromedp.WaitVisible("#timeline", chromedp.ByID))
	// The default, Japanese UI says the status, the reason and the kind in Japanese.
	if tl := text("#timeline"); !strings.Contains(tl, paypayRefund) || !strings.Contains(tl, "成功 · 重複") || !strings.Contains(tl, "返金") || strings.Contains(tl, "succeeded ·") {
		t.Errorf("the PayPay refund did not settle, or the timeline is not in Japanese:\n%s", tl)
	}
	run("sign out", chromedp.Click("#logout", chromedp.ByID), chromedp.WaitVisible("#key", chromedp.ByID))
	run("after sign-out", chromedp.Navigate(s.URL+"/dashboard/payments/"+flow), chromedp.WaitVisible("#key", chromedp.ByID))

	// Another account cannot open the first's payment.
	signIn(second.SecretKey)
	run("other's payment", chromedp.Navigate(s.URL+"/dashboard/payments/"+flow), chromedp.WaitVisible("#error", chromedp.ByID))
	if body := text("body"); strings.Contains(body, "¥4,321") || !strings.Contains(body, "404") {
		t.Errorf("another account's payment page:\n%s", body)
	}
	// A form whose CSRF token is taken out is refused.
	run("settings", chromedp.Navigate(s.URL+"/dashboard/settings"), chromedp.WaitVisible("#save-settings", chromedp.ByID))
	shoot("settings")
	run("no csrf", chromedp.Evaluate(`document.querySelector('#settings input[name=csrf]').remove()`, nil),
		chromedp.SendKeys(`input[name=customer_service_email]`, "cs@example.com", chromedp.ByQuery),
		chromedp.Click("#save-settings", chromedp.ByID), chromedp.WaitVisible("#error", chromedp.ByID))
	if body := text("body"); !strings.Contains(body, "403") {
		t.Errorf("a form without its CSRF token:\n%s", body)
	}
	if cs := kessaitest.Must(t, s.Do(kessaitest.Req{Method: "GET", Path: "/kessai/v1/notification_settings", Key: second.SecretKey}), 200).Str("customer_service_email"); cs != "" {
		t.Errorf("settings changed by a form without CSRF: %q", cs)
	}
}
