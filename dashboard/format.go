package dashboard

import (
	"fmt"
	"html/template"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/kessai/kessai"
)

// money formats minor units: ¥1,000 for yen, $10.00 for dollars.
func money(amount int64, currency string) string {
	neg := amount < 0
	if neg {
		amount = -amount
	}
	var s string
	switch strings.ToLower(currency) {
	case "usd", "eur":
		sym := map[string]string{"usd": "$", "eur": "€"}[strings.ToLower(currency)]
		s = sym + group(amount/100) + "." + fmt.Sprintf("%02d", amount%100)
	case "jpy", "":
		s = "¥" + group(amount)
	default:
		s = group(amount) + " " + strings.ToUpper(currency)
	}
	if neg {
		s = "−" + s
	}
	return s
}

// group writes n with thousands separators.
func group(n int64) string {
	s := strconv.FormatInt(n, 10)
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}

// jst formats a time in Japan time.
func jst(t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	return t.In(kessai.JST).Format("2006-01-02 15:04:05")
}

// percent formats basis points: 1234 is 12.34 %.
func percent(bp int64) string {
	return fmt.Sprintf("%d.%02d %%", bp/100, bp%100)
}

func cloneValues(v url.Values) url.Values {
	out := url.Values{}
	for k, vs := range v {
		out[k] = append([]string(nil), vs...)
	}
	return out
}

var funcs = template.FuncMap{
	"money": money,
	"st":    func(L map[string]string, s any) string { return statusLabel(L, fmt.Sprint(s)) },
	// refundable is what a refund of the payment may still take.
	"refundable": func(p *kessai.Payment) int64 { return max(0, p.AmountReceived-p.AmountRefunded) },
	"jst":        jst,
	"pct":        percent,
	"str": func(p *string) string {
		if p == nil {
			return ""
		}
		return *p
	},
	"reason": func(L map[string]string, r string) string {
		if r == "" {
			return L["reason_none"]
		}
		return L["reason_"+r]
	},
	"reasonPtr": func(L map[string]string, r *string) string {
		if r == nil || *r == "" {
			return L["reason_none"]
		}
		return L["reason_"+*r]
	},
	"at":    func(m map[string]int64, k string) int64 { return m[k] },
	"color": func(r string) string { return reasonColor[r] },
	"last": func(as []kessai.DeliveryAttempt) string {
		if len(as) == 0 {
			return "—"
		}
		a := as[len(as)-1]
		if a.Error != "" {
			return a.Error
		}
		return strconv.Itoa(a.HTTPStatus)
	},
}

var reasonColor = map[string]string{"duplicate": "#4e79a7", "fraudulent": "#e15759", "requested_by_customer": "#f28e2b", "": "#9c9c9c"}

// chart is a server-rendered stacked bar chart of refunded amounts by
// reason; coordinates are whole numbers (no floats anywhere).
type chart struct {
	Width, Height int
	Bars          []bar
	Max           int64
}

type bar struct {
	X, W  int
	Label string
	// ShowLabel: the label is drawn under the bar; with more bars than fit
	// (30 days), every fifth from the last one.
	ShowLabel bool
	Title     string
	Pieces    []piece
}

type piece struct {
	Y, H   int
	Color  string
	Reason string
}

func barChart(buckets []*bucket) chart {
	const plotH, left, top = 160, 10, 10
	c := chart{Width: 720, Height: plotH + 40}
	for _, b := range buckets {
		c.Max = max(c.Max, b.Refunded)
	}
	slot := (c.Width - 2*left) / max(1, len(buckets))
	for i, b := range buckets {
		br := bar{X: left + i*slot + slot/8, W: slot * 3 / 4, Label: b.Label, ShowLabel: len(buckets) <= 12 || (len(buckets)-1-i)%5 == 0,
			Title: b.Label + " " + money(b.Refunded, "jpy") + " (" + strconv.FormatInt(b.Count, 10) + ")"}
		y := top + plotH
		for _, r := range reasonKeys {
			amt := b.ByReason[r]
			if amt == 0 || c.Max == 0 {
				continue
			}
			h := int(amt * plotH / c.Max)
			if h < 1 {
				h = 1
			}
			y -= h
			br.Pieces = append(br.Pieces, piece{Y: y, H: h, Color: reasonColor[r], Reason: r})
		}
		c.Bars = append(c.Bars, br)
	}
	return c
}

// statusLabel is a status or state in the UI's language (the label
// "st_"+status, lower-cased: Amazon's states are capitalised), or the status
// itself when there is none.
func statusLabel(L map[string]string, s string) string {
	if l, ok := L["st_"+strings.ToLower(s)]; ok {
		return l
	}
	return s
}
