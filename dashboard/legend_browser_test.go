package dashboard_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/kessai/kessai/internal/kessaitest"
)

// TestDashboard_BrowserChartLegend reads the refund-reason chart in real
// Chromium, under the dashboard's own Content-Security-Policy: each legend
// swatch's computed colour is its reason's, the colour of that reason's
// bars (an inline style attribute, which the CSP blocks, left them all
// black), and the 30-day view labels its days.
func TestDashboard_BrowserChartLegend(t *testing.T) {
	exe := chromium(t)
	s := kessaitest.Start(t, "sqlite", kessaitest.Options{NoWorker: true})
	flow := s.PaidCardFlow(10000)
	for _, reason := range []string{"duplicate", "fraudulent", "requested_by_customer"} {
		kessaitest.Must(t, s.Post("/v2/payment_refunds", map[string]any{"payment_flow_id": flow, "amount": 100, "reason": reason}), 200)
	}
	kessaitest.Must(t, s.Post("/v2/payment_refunds", map[string]any{"payment_flow_id": flow, "amount": 100}), 200)

	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(exe), chromedp.NoSandbox,
		chromedp.Flag("disable-gpu", true), chromedp.WindowSize(1280, 900))
	actx, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancel()
	ctx, cancel := chromedp.NewContext(actx)
	defer cancel()
	ctx, cancel = context.WithTimeout(ctx, 60*time.Second)
	defer cancel()

	var swatches, bars map[string]string
	var labels []string
	err := chromedp.Run(ctx,
		chromedp.Navigate(s.URL+"/dashboard/login"), chromedp.WaitVisible("#key", chromedp.ByID),
		chromedp.SendKeys("#key", s.Key, chromedp.ByID), chromedp.Click("#signin", chromedp.ByID),
		chromedp.WaitVisible("#payments", chromedp.ByID),
		chromedp.Navigate(s.URL+"/dashboard/analysis?period=day"), chromedp.WaitVisible("#legend", chromedp.ByID),
		chromedp.Evaluate(`Object.fromEntries([...document.querySelectorAll("#legend rect.swatch")].map(r =>
			[r.getAttribute("class").replace("swatch swatch-", ""), getComputedStyle(r).fill]))`, &swatches),
		chromedp.Evaluate(`Object.fromEntries([...document.querySelectorAll("#chart rect.piece")].map(r =>
			[r.getAttribute("class").replace("piece piece-", ""), getComputedStyle(r).fill]))`, &bars),
		chromedp.Evaluate(`[...document.querySelectorAll("#chart text.label")].map(t => t.textContent)`, &labels),
	)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"duplicate":             "rgb(78, 121, 167)",
		"fraudulent":            "rgb(225, 87, 89)",
		"requested_by_customer": "rgb(242, 142, 43)",
		"none":                  "rgb(156, 156, 156)",
	}
	for reason, colour := range want {
		if swatches[reason] != colour {
			t.Errorf("legend swatch %s: computed fill %q, want %q", reason, swatches[reason], colour)
		}
		if bars[reason] != colour {
			t.Errorf("the %s bar: computed fill %q, want %q (the legend's)", reason, bars[reason], colour)
		}
	}
	today := kessaitest.Epoch.In(time.FixedZone("JST", 9*3600)).Format("01/02")
	if len(labels) < 5 || labels[len(labels)-1] != today {
		t.Errorf("the day view's labels %v: want one every five days, ending with today %s", labels, today)
	}
	for _, l := range labels {
		if strings.TrimSpace(l) == "" {
			t.Errorf("an empty label in %v", labels)
		}
	}
}
