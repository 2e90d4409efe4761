package dashboard

import (
	"context"
	"encoding/csv"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/kessai/kessai"
	"github.com/kessai/kessai/engine"
	"github.com/kessai/kessai/notifications"
)

// payment loads one of the account's payments of either face.
func (d *Dashboard) payment(ctx context.Context, acct *kessai.Account, id string) (*kessai.Payment, error) {
	p, err := d.E.Payment(ctx, acct, id)
	if kessai.ErrorCode(err) == kessai.NotFound {
		return nil, errNotFound
	}
	return p, err
}

// listOf reads a page of an account's documents of kind.
func listOf[T any](ctx context.Context, d *Dashboard, acct *kessai.Account, kind kessai.Kind, filter map[string]string, page kessai.Page) ([]*T, bool, error) {
	return engine.List[T](ctx, d.E, acct, kind, filter, page)
}

// PageSize is how many rows a list page shows.
const PageSize = 25

// paymentsPage lists both faces' payments, newest first, searched by id,
// email, amount, state, face and dates.
func (d *Dashboard) paymentsPage(q *req) error {
	acct, err := q.needAcct()
	if err != nil {
		return err
	}
	ctx := q.r.Context()
	v := q.r.URL.Query()
	if id := strings.TrimSpace(v.Get("id")); id != "" {
		if _, err := d.payment(ctx, acct, id); err == nil {
			http.Redirect(q.w, q.r, "/dashboard/payments/"+id, http.StatusSeeOther)
			return nil
		}
		return d.render(q, "payments", map[string]any{"Q": v, "NoMatch": true})
	}
	s := kessai.PaymentSearch{Face: v.Get("face"), State: v.Get("state"), Email: strings.TrimSpace(v.Get("email")), Limit: PageSize}
	if s.Face != "" && s.Face != kessai.FacePayJP && s.Face != kessai.FaceMWS {
		s.Face = ""
	}
	if a, err := amountOf(v, "amount"); err == nil && a != nil {
		s.Amount = *a
	}
	if t, err := time.ParseInLocation("2006-01-02", v.Get("from"), kessai.JST); err == nil {
		s.From = t
	}
	if t, err := time.ParseInLocation("2006-01-02", v.Get("to"), kessai.JST); err == nil {
		s.To = t.AddDate(0, 0, 1) // the whole day
	}
	if c := v.Get("after"); c != "" {
		at, id, ok := strings.Cut(c, "_")
		n, err := strconv.ParseInt(at, 10, 64)
		if !ok || err != nil {
			return errNotFound
		}
		s.After = kessai.PaymentCursor{CreatedAt: time.UnixMicro(n).UTC(), ID: id}
	}
	pays, more, err := d.E.SearchPayments(ctx, acct, s)
	if err != nil {
		return err
	}
	next := ""
	if more && len(pays) > 0 {
		last := pays[len(pays)-1]
		nv := cloneValues(v)
		nv.Set("after", strconv.FormatInt(last.CreatedAt.UnixMicro(), 10)+"_"+last.ID)
		next = "/dashboard/payments?" + nv.Encode()
	}
	return d.render(q, "payments", map[string]any{"Q": v, "Payments": pays, "Next": next, "Paged": v.Get("after") != ""})
}

// timelineItem is one line of a payment's timeline.
type timelineItem struct {
	At     time.Time
	Kind   string // authorization, capture, refund, event
	ID     string
	Text   string
	Amount string
}

// posting is a ledger entry with its ledger account's balance after it.
type posting struct {
	kessai.LedgerEntry
	Balance int64
}

func (d *Dashboard) paymentPage(q *req) error {
	acct, err := q.needAcct()
	if err != nil {
		return err
	}
	ctx := q.r.Context()
	tl, err := d.E.PaymentTimeline(ctx, acct, q.r.PathValue("id"))
	if kessai.ErrorCode(err) == kessai.NotFound {
		return errNotFound
	}
	if err != nil {
		return err
	}
	pay, auths, caps, refunds, events, deliveries, ledger := tl.Payment, tl.Authorizations, tl.Captures, tl.Refunds, tl.Events, tl.Deliveries, tl.Ledger
	balances := map[string]int64{}
	postings := make([]posting, len(ledger))
	for i, e := range ledger {
		balances[e.LedgerAccount+"/"+e.Currency] += e.Amount
		postings[i] = posting{LedgerEntry: e, Balance: balances[e.LedgerAccount+"/"+e.Currency]}
	}
	L := labels(q.lang)
	var timeline []timelineItem
	for _, a := range auths {
		timeline = append(timeline, timelineItem{At: a.CreatedAt, Kind: "authorization", ID: a.ID, Text: statusLabel(L, a.State) + " " + a.ReasonCode, Amount: money(a.Amount, a.Currency)})
	}
	for _, c := range caps {
		timeline = append(timeline, timelineItem{At: c.CreatedAt, Kind: "capture", ID: c.ID, Text: statusLabel(L, c.State) + " " + c.ReasonCode, Amount: money(c.Amount, c.Currency)})
	}
	for _, r := range refunds {
		text := statusLabel(L, r.Status)
		if r.Reason != nil {
			if l, ok := L["reason_"+*r.Reason]; ok {
				text += " · " + l
			} else {
				text += " · " + *r.Reason
			}
		}
		if r.Note != "" {
			text += " · " + r.Note
		}
		timeline = append(timeline, timelineItem{At: r.CreatedAt, Kind: "refund", ID: r.ID, Text: text, Amount: money(r.Amount, r.Currency)})
	}
	for _, e := range events {
		timeline = append(timeline, timelineItem{At: e.CreatedAt, Kind: "event", ID: e.ID, Text: e.Type})
	}
	sort.SliceStable(timeline, func(i, j int) bool { return timeline[i].At.Before(timeline[j].At) })
	var openAuths, completedCaps []string
	for _, a := range auths {
		if a.State == kessai.AuthOpen {
			openAuths = append(openAuths, a.ID)
		}
	}
	for _, c := range caps {
		if c.State == kessai.CaptureCompleted {
			completedCaps = append(completedCaps, c.ID)
		}
	}
	return d.render(q, "payment", map[string]any{"P": pay, "Order": pay.Kind == kessai.PaymentOrderReference,
		"Timeline": timeline, "Refunds": refunds, "Postings": postings, "Deliveries": deliveries,
		"OpenAuths": openAuths, "Captures": completedCaps, "Idem": newKeys(),
		"Allowance": allowance(pay), "Truncated": tl.Truncated})
}

// allowance is how much more than the order's amount may be authorized
// (the engine's rule: 15 %, at most ¥8,400).
func allowance(p *kessai.Payment) string {
	extra, err := engine.OverAllowance(p.Amount, p.Currency)
	if err != nil {
		return ""
	}
	return money(p.Amount+extra, p.Currency)
}

// newKeys returns a fresh idempotency key for each form of a page.
func newKeys() map[string]string {
	keys := map[string]string{}
	for _, f := range []string{"refund", "capture", "cancel", "close", "authorize", "retry", "settings", "endpoint", "clock"} {
		keys[f] = randomHex(16)
	}
	return keys
}

// listPage reads a page of the account's documents of kind for a list page
// at path: filtered on the query parameters named in filters, after the
// cursor "after"; next is the link to the page after it ("" when none).
func listPage[T any](q *req, d *Dashboard, kind kessai.Kind, path string, filters []string, idOf func(*T) string) (items []*T, v url.Values, next string, err error) {
	acct, err := q.needAcct()
	if err != nil {
		return nil, nil, "", err
	}
	v = q.r.URL.Query()
	filter := map[string]string{}
	for _, k := range filters {
		if x := v.Get(k); x != "" {
			filter[k] = x
		}
	}
	items, more, err := listOf[T](q.r.Context(), d, acct, kind, filter, kessai.Page{Limit: PageSize, StartingAfter: v.Get("after")})
	if err != nil {
		return nil, nil, "", err
	}
	if more {
		nv := cloneValues(v)
		nv.Set("after", idOf(items[len(items)-1]))
		next = path + "?" + nv.Encode()
	}
	return items, v, next, nil
}

// refundsPage lists every face's refunds newest first by creation time
// (ids sort by time within a face only), filtered by reason, status and
// face, with links to the older and the newer page.
func (d *Dashboard) refundsPage(q *req) error {
	acct, err := q.needAcct()
	if err != nil {
		return err
	}
	v := q.r.URL.Query()
	s := kessai.RefundSearch{Reason: v.Get("reason"), Status: v.Get("status"), Face: v.Get("face"), Limit: PageSize}
	var ok bool
	if c := v.Get("after"); c != "" {
		if s.After, ok = refundCursor(c); !ok {
			return errNotFound
		}
	} else if c := v.Get("before"); c != "" {
		if s.Before, ok = refundCursor(c); !ok {
			return errNotFound
		}
	}
	refunds, more, err := d.E.RefundsByTime(q.r.Context(), acct, s)
	if err != nil {
		return err
	}
	link := func(param string, r *kessai.Refund) string {
		nv := cloneValues(v)
		nv.Del("after")
		nv.Del("before")
		nv.Set(param, strconv.FormatInt(r.CreatedAt.UnixMicro(), 10)+"_"+r.ID)
		return "/dashboard/refunds?" + nv.Encode()
	}
	var older, newer string
	if n := len(refunds); n > 0 {
		backwards := !s.Before.IsZero()
		if more && !backwards || backwards {
			older = link("after", refunds[n-1])
		}
		if more && backwards || !backwards && !s.After.IsZero() {
			newer = link("before", refunds[0])
		}
	}
	return d.render(q, "refunds", map[string]any{"Q": v, "Refunds": refunds, "Next": older, "Prev": newer})
}

// refundCursor reads a refunds page's cursor: microseconds_id.
func refundCursor(c string) (kessai.RefundCursor, bool) {
	at, id, ok := strings.Cut(c, "_")
	n, err := strconv.ParseInt(at, 10, 64)
	if !ok || err != nil || id == "" {
		return kessai.RefundCursor{}, false
	}
	return kessai.RefundCursor{CreatedAt: time.UnixMicro(n).UTC(), ID: id}, true
}

func (d *Dashboard) eventsPage(q *req) error {
	events, v, next, err := listPage(q, d, kessai.KindEvent, "/dashboard/events", []string{"type"},
		func(e *kessai.Event) string { return e.ID })
	if err != nil {
		return err
	}
	return d.render(q, "events", map[string]any{"Q": v, "Events": events, "Next": next})
}

func (d *Dashboard) deliveriesPage(q *req) error {
	ds, v, next, err := listPage(q, d, kessai.KindWebhookDelivery, "/dashboard/deliveries", []string{"status"},
		func(dl *kessai.WebhookDelivery) string { return dl.ID })
	if err != nil {
		return err
	}
	keys := map[string]string{}
	for _, dl := range ds {
		keys[dl.ID] = randomHex(16)
	}
	return d.render(q, "deliveries", map[string]any{"Q": v, "Deliveries": ds, "Next": next, "Keys": keys})
}

func (d *Dashboard) emailsPage(q *req) error {
	emails, _, next, err := listPage(q, d, kessai.KindEmail, "/dashboard/emails", nil,
		func(e *kessai.Email) string { return e.ID })
	if err != nil {
		return err
	}
	return d.render(q, "emails", map[string]any{"Emails": emails, "Next": next})
}

func (d *Dashboard) settingsPage(q *req) error {
	acct, err := q.needAcct()
	if err != nil {
		return err
	}
	ctx := q.r.Context()
	s, err := notifications.GetNotificationSettings(ctx, d.E, acct)
	if err != nil {
		return err
	}
	eps, _, err := notifications.ListWebhookEndpoints(ctx, d.E, acct, kessai.Page{Limit: 100})
	if err != nil {
		return err
	}
	return d.render(q, "settings", map[string]any{"S": s, "Endpoints": eps, "Idem": newKeys()})
}

// clockPage shows a test-mode account's business time, the advance form,
// and what became due since the last advance: the events written since.
func (d *Dashboard) clockPage(q *req) error {
	acct, err := q.needAcct()
	if err != nil {
		return err
	}
	ctx := q.r.Context()
	now, err := d.E.ClockNow(ctx, acct)
	if err != nil {
		return err
	}
	var since time.Time
	var due []*kessai.Event
	if n, err := strconv.ParseInt(q.r.URL.Query().Get("since"), 10, 64); err == nil {
		since = time.Unix(n, 0)
		events, _, err := listOf[kessai.Event](ctx, d, acct, kessai.KindEvent, nil, kessai.Page{Limit: 100})
		if err != nil {
			return err
		}
		for _, e := range events {
			if !e.CreatedAt.Before(since) {
				due = append(due, e)
			}
		}
	}
	return d.render(q, "clock", map[string]any{"Now": now, "Live": acct.Livemode, "Due": due, "Since": since, "Idem": newKeys()})
}

// --- refund analysis

// bucket is one bar of the analysis: a day, week or month.
type bucket struct {
	Label    string
	Start    int // first JSTDay
	ByReason map[string]int64
	Counts   map[string]int64
	Refunded int64
	Count    int64
	Captured int64
	RateBP   int64 // refunded ÷ captured, in basis points
}

// reasonKeys are the reasons charted, in order; "" is none.
var reasonKeys = []string{"duplicate", "fraudulent", "requested_by_customer", ""}

type analysis struct {
	Period   string
	Buckets  []*bucket
	Top      []kessai.CustomerRefunds
	Totals   map[string]int64
	Counts   map[string]int64
	Refunded int64
	Captured int64
	RateBP   int64
	Chart    chart
}

// analyse reads the aggregates of the period ending today (business
// time): 30 days by day, 12 weeks by week (Monday first) or 12 months by
// month.
func (d *Dashboard) analyse(ctx context.Context, acct *kessai.Account, period string) (*analysis, error) {
	now, err := d.E.ClockNow(ctx, acct)
	if err != nil {
		return nil, err
	}
	today := kessai.JSTDay(now)
	var starts []int // first day of each bucket
	var labels []string
	switch period {
	case "week":
		monday := today - (int(kessai.DayStart(today).In(kessai.JST).Weekday())+6)%7
		for i := 11; i >= 0; i-- {
			starts = append(starts, monday-7*i)
			labels = append(labels, kessai.DayStart(monday-7*i).In(kessai.JST).Format("01/02"))
		}
	case "month":
		t := kessai.DayStart(today).In(kessai.JST)
		first := time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, kessai.JST)
		for i := 11; i >= 0; i-- {
			m := first.AddDate(0, -i, 0)
			starts = append(starts, kessai.JSTDay(m))
			labels = append(labels, m.Format("2006-01"))
		}
	default:
		period = "day"
		for i := 29; i >= 0; i-- {
			starts = append(starts, today-i)
			labels = append(labels, kessai.DayStart(today-i).In(kessai.JST).Format("01/02"))
		}
	}
	a := &analysis{Period: period, Totals: map[string]int64{}, Counts: map[string]int64{}}
	for i, s := range starts {
		a.Buckets = append(a.Buckets, &bucket{Label: labels[i], Start: s, ByReason: map[string]int64{}, Counts: map[string]int64{}})
	}
	from, to := starts[0], today+1
	figures, err := d.E.RefundAnalysis(ctx, acct, from, to, kessai.JSTMonth(kessai.DayStart(from)), kessai.JSTMonth(now)+1, 10)
	if err != nil {
		return nil, err
	}
	a.Top = figures.Top
	at := func(day int) *bucket {
		i := sort.Search(len(a.Buckets), func(i int) bool { return a.Buckets[i].Start > day }) - 1
		if i < 0 {
			return nil
		}
		return a.Buckets[i]
	}
	for _, r := range figures.Refunds {
		if b := at(r.Day); b != nil {
			b.ByReason[r.Reason] += r.Amount
			b.Counts[r.Reason] += r.Count
			b.Refunded += r.Amount
			b.Count += r.Count
			a.Totals[r.Reason] += r.Amount
			a.Counts[r.Reason] += r.Count
			a.Refunded += r.Amount
		}
	}
	for _, c := range figures.Captures {
		if b := at(c.Day); b != nil {
			b.Captured += c.Amount
			a.Captured += c.Amount
		}
	}
	for _, b := range a.Buckets {
		b.RateBP = rateBP(b.Refunded, b.Captured)
	}
	a.RateBP = rateBP(a.Refunded, a.Captured)
	a.Chart = barChart(a.Buckets)
	return a, nil
}

func rateBP(refunded, captured int64) int64 {
	if captured <= 0 {
		return 0
	}
	return refunded * 10000 / captured
}

func (d *Dashboard) analysisPage(q *req) error {
	acct, err := q.needAcct()
	if err != nil {
		return err
	}
	a, err := d.analyse(q.r.Context(), acct, q.r.URL.Query().Get("period"))
	if err != nil {
		return err
	}
	return d.render(q, "analysis", map[string]any{"A": a, "Reasons": reasonKeys})
}

// analysisCSV exports the analysis: one row per bucket and reason.
func (d *Dashboard) analysisCSV(q *req) error {
	acct, err := q.needAcct()
	if err != nil {
		return err
	}
	a, err := d.analyse(q.r.Context(), acct, q.r.URL.Query().Get("period"))
	if err != nil {
		return err
	}
	q.w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	q.w.Header().Set("Content-Disposition", `attachment; filename="kessai-refunds-`+a.Period+`.csv"`)
	q.w.Header().Set("Cache-Control", "no-store")
	cw := csv.NewWriter(q.w)
	_ = cw.Write([]string{"period_start", "reason", "refunds", "refunded_amount", "captured_amount", "refund_rate_bp"})
	for _, b := range a.Buckets {
		for _, r := range reasonKeys {
			reason := r
			if reason == "" {
				reason = "none"
			}
			_ = cw.Write([]string{kessai.DayStart(b.Start).In(kessai.JST).Format("2006-01-02"), reason,
				strconv.FormatInt(b.Counts[r], 10), strconv.FormatInt(b.ByReason[r], 10),
				strconv.FormatInt(b.Captured, 10), strconv.FormatInt(b.RateBP, 10)})
		}
	}
	cw.Flush()
	return cw.Error()
}
