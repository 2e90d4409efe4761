package dashboard_test

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/kessai/kessai"
	"github.com/kessai/kessai/amazonorder"
	"github.com/kessai/kessai/internal/kessaitest"
)

// amazonCapture makes an Amazon order reference of amount, authorized and
// captured, through the engine calls the MWS face makes.
func amazonCapture(t *testing.T, s *kessaitest.Server, amount int64) *kessai.Capture {
	t.Helper()
	ctx, acct := context.Background(), s.Acct()
	o, err := amazonorder.CreateOrderReference(ctx, s.Main.E, acct, amazonorder.OrderReferenceParams{Amount: &amount})
	if err != nil {
		t.Fatal(err)
	}
	if o, err = amazonorder.ConfirmOrderReference(ctx, s.Main.E, acct, o.ID); err != nil {
		t.Fatal(err)
	}
	a, err := amazonorder.Authorize(ctx, s.Main.E, acct, amazonorder.AuthorizeParams{OrderReferenceID: o.ID, ReferenceID: "auth-" + kessai.RandomToken("", 8), Amount: amount, Currency: "jpy"})
	if err != nil {
		t.Fatal(err)
	}
	c, err := amazonorder.Capture(ctx, s.Main.E, acct, amazonorder.CaptureParams{AuthorizationID: a.ID, ReferenceID: "cap-" + kessai.RandomToken("", 8), Amount: amount, Currency: "jpy"})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// amazonRefund refunds part of an Amazon capture as MWS Refund does; its
// id is S…-R…, which sorts before every PAY.JP re_….
func amazonRefund(t *testing.T, s *kessaitest.Server, c *kessai.Capture, amount int64) string {
	t.Helper()
	r, err := amazonorder.RefundCapture(context.Background(), s.Main.E, s.Acct(), amazonorder.CaptureRefundParams{CaptureID: c.ID, ReferenceID: "ref-" + kessai.RandomToken("", 8), Amount: amount, Currency: "jpy", Note: "amazon"})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(r.ID, "S") || !strings.Contains(r.ID, "-R") {
		t.Fatalf("an Amazon refund id %s", r.ID)
	}
	return r.ID
}

func payjpRefund(t *testing.T, s *kessaitest.Server, flow string, amount int64) string {
	t.Helper()
	return kessaitest.Must(t, s.Post("/v2/payment_refunds", map[string]any{"payment_flow_id": flow, "amount": amount}), 200).Str("id")
}

var refundRowRe = regexp.MustCompile(`<tr><td><code>([^<]+)</code></td>`)

// TestDashboard_RefundsPagesByTime walks the Refunds page's pages of both
// faces' refunds, made alternately a minute apart: Next leads to older
// pages, Previous back to newer ones, and every refund appears once, in
// the order it was made (newest first), the face filter keeping its own.
func TestDashboard_RefundsPagesByTime(t *testing.T) {
	t.Parallel()
	s := kessaitest.Start(t, "sqlite", kessaitest.Options{NoWorker: true})
	flows := []string{s.PaidCardFlow(10000), s.PaidCardFlow(10000), s.PaidCardFlow(10000)}
	caps := []*kessai.Capture{amazonCapture(t, s, 10000), amazonCapture(t, s, 10000), amazonCapture(t, s, 10000)}
	var made []string // oldest first
	var amazon []string
	for i := 0; i < 30; i++ {
		s.Advance(time.Minute)
		if i%2 == 0 {
			made = append(made, payjpRefund(t, s, flows[i/2%3], 100))
		} else {
			id := amazonRefund(t, s, caps[i/2%3], 100)
			made = append(made, id)
			amazon = append(amazon, id)
		}
	}
	slices.Reverse(made)
	slices.Reverse(amazon)

	b := newBrowser(t, s.URL)
	b.signIn(s.Key, "/dashboard/payments")
	walk := func(path string, want []string) {
		t.Helper()
		var pages [][]string
		var links []string
		for next := path; next != ""; {
			code, body := b.get(next)
			if code != 200 {
				t.Fatalf("%s: %d", next, code)
			}
			var ids []string
			for _, m := range refundRowRe.FindAllStringSubmatch(body, -1) {
				ids = append(ids, m[1])
			}
			pages = append(pages, ids)
			links = append(links, next)
			next = ""
			if m := regexp.MustCompile(`href="([^"]+)" id="older"`).FindStringSubmatch(body); m != nil {
				next = strings.ReplaceAll(m[1], "&amp;", "&")
			}
			if len(pages) > 5 {
				t.Fatal("the pages do not end")
			}
		}
		if got := slices.Concat(pages...); !slices.Equal(got, want) {
			t.Fatalf("%s, page after page (%d pages):\n got %v\nwant %v", path, len(pages), got, want)
		}
		// Previous from the last page gives each page back.
		for i := len(pages) - 1; i > 0; i-- {
			_, body := b.get(links[i])
			m := regexp.MustCompile(`href="([^"]+)" id="newer"`).FindStringSubmatch(body)
			if m == nil {
				t.Fatalf("page %d of %s has no link to the newer page", i, path)
			}
			_, body = b.get(strings.ReplaceAll(m[1], "&amp;", "&"))
			var ids []string
			for _, m := range refundRowRe.FindAllStringSubmatch(body, -1) {
				ids = append(ids, m[1])
			}
			if !slices.Equal(ids, pages[i-1]) {
				t.Errorf("Previous from page %d of %s:\n got %v\nwant %v", i, path, ids, pages[i-1])
			}
		}
		if _, body := b.get(links[0]); strings.Contains(body, `id="newer"`) {
			t.Errorf("the first page of %s links to a newer page", path)
		}
	}
	walk("/dashboard/refunds", made)
	walk("/dashboard/refunds?face=mws", amazon)
	if code, _ := b.get("/dashboard/refunds?after=x"); code != 404 {
		t.Errorf("a malformed cursor: %d, want 404", code)
	}
}

// TestDashboard_BrowserRefundsByTime reads the Refunds page in real
// Chromium: an Amazon refund made between two PAY.JP refunds is listed
// between them (by id it sorted after both).
func TestDashboard_BrowserRefundsByTime(t *testing.T) {
	exe := chromium(t)
	s := kessaitest.Start(t, "sqlite", kessaitest.Options{NoWorker: true})
	flow := s.PaidCardFlow(10000)
	capture := amazonCapture(t, s, 10000)
	first := payjpRefund(t, s, flow, 100)
	s.Advance(time.Minute)
	between := amazonRefund(t, s, capture, 200)
	s.Advance(time.Minute)
	last := payjpRefund(t, s, flow, 300)

	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(exe), chromedp.NoSandbox,
		chromedp.Flag("disable-gpu", true), chromedp.WindowSize(1280, 900))
	actx, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancel()
	ctx, cancel := chromedp.NewContext(actx)
	defer cancel()
	ctx, cancel = context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	var ids, amounts []string
	err := chromedp.Run(ctx,
		chromedp.Navigate(s.URL+"/dashboard/login"), chromedp.WaitVisible("#key", chromedp.ByID),
		chromedp.SendKeys("#key", s.Key, chromedp.ByID), chromedp.Click("#signin", chromedp.ByID),
		chromedp.WaitVisible("#payments", chromedp.ByID),
		chromedp.Navigate(s.URL+"/dashboard/refunds"), chromedp.WaitVisible("#refunds", chromedp.ByID),
		chromedp.Evaluate(`[...document.querySelectorAll("#refunds tr td:first-child code")].map(c => c.textContent)`, &ids),
		chromedp.Evaluate(`[...document.querySelectorAll("#refunds tr td:nth-child(3)")].map(c => c.textContent)`, &amounts),
	)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{last, between, first}; !slices.Equal(ids, want) {
		t.Errorf("the Refunds page in Chromium lists %v, want %v (newest first: PAY.JP ¥300, Amazon ¥200, PAY.JP ¥100)\namounts %v", ids, want, amounts)
	}
	if fmt.Sprint(amounts) != "[¥300 ¥200 ¥100]" {
		t.Errorf("amounts in order: %v", amounts)
	}
}
