package dashboard

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/kessai/kessai"
	"github.com/kessai/kessai/amazonorder"
	"github.com/kessai/kessai/engine"
	"github.com/kessai/kessai/notifications"
	"github.com/kessai/kessai/payjpflow"
)

// amountOf parses a form's amount (minor units; "¥1,000" is 1000); "" is
// nil.
func amountOf(f url.Values, field string) (*int64, error) {
	s := strings.TrimSpace(strings.NewReplacer(",", "", "¥", "", "￥", "").Replace(f.Get(field)))
	if s == "" {
		return nil, nil
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return nil, kessai.Invalidf("dashboard", field, "Input should be a valid integer")
	}
	return &n, nil
}

func mustAmount(f url.Values, field string) (int64, error) {
	n, err := amountOf(f, field)
	if err != nil {
		return 0, err
	}
	if n == nil {
		return 0, kessai.Invalidf("dashboard", field, "Field required")
	}
	return *n, nil
}

func optional(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// validKey is a form's idempotency key as rendered: 32 hex digits.
func validKey(k string) bool {
	if len(k) != 32 {
		return false
	}
	_, err := hex.DecodeString(k)
	return err == nil
}

// outcome is what an action's write stored under its idempotency key: the
// message shown, the same for a double click.
type outcome struct {
	OK      bool   `json:"ok"`
	Message string `json:"message"`
	// Code is a failure's error code: the message is shown in the UI's
	// language by it (errMessage). Outcomes stored before it have none.
	Code kessai.Code `json:"code,omitempty"`
}

// errText is an engine error as the dashboard shows it: the code and the
// message (and fields) the API gives.
func errText(err error) string {
	var ke *kessai.Error
	if !errors.As(err, &ke) || ke.Code == kessai.Internal {
		return "internal: An internal error occurred."
	}
	msg := string(ke.Code) + ": " + ke.Message
	for _, f := range ke.Fields {
		msg += " " + f.Field + ": " + f.Message
	}
	return msg
}

// errFlash is a failed action's flash in the UI's language: in Japanese,
// a translation chosen by the error's code (never by its English text)
// before the code and the message the API gives, which keep the details
// (the refundable amount, the field); in English, those alone.
func errFlash(lang string, err error) *flash {
	return &flash{Message: errMessage(lang, kessai.ErrorCode(err), errText(err))}
}

// errMessage is errText's text of an error with code, in lang.
func errMessage(lang string, code kessai.Code, text string) string {
	if lang == "ja" {
		if ja, ok := errorsJA[code]; ok {
			return ja + "（" + text + "）"
		}
	}
	return text
}

// runIdempotent runs a write of the engine under the form's idempotency key
// (engine.Run, the one a PAY.JP Idempotency-Key uses): a second
// post of the same form (a double click) does not run it again and is
// answered with the first outcome. describe turns the write's result into
// the message shown, which is what the key stores (no secrets). The
// result is nil when the write was a replay or failed.
func (d *Dashboard) runIdempotent(q *req, op string, fn func(ctx context.Context, e *engine.Engine) (any, error), describe func(any) string) (*flash, any) {
	key := q.r.PostForm.Get("idem")
	if !validKey(key) {
		return errFlash(q.lang, kessai.Invalidf("dashboard", "idem", "The form has no idempotency key: reload the page.")), nil
	}
	h := sha256.New()
	h.Write([]byte(op + "\n" + q.r.URL.Path + "\n"))
	fields := make([]string, 0, len(q.r.PostForm))
	for k := range q.r.PostForm {
		if k != "csrf" && k != "idem" {
			fields = append(fields, k)
		}
	}
	sort.Strings(fields)
	for _, k := range fields {
		h.Write([]byte(k + "=" + strings.Join(q.r.PostForm[k], ",") + "\n"))
	}
	k := engine.Key{Scope: kessai.ScopeIdempotencyKey, Key: "dashboard_" + key, Operation: op,
		RequestHash: hex.EncodeToString(h.Sum(nil)), TTL: 24 * time.Hour}
	render := func(result any, failure error) (int, []byte, error) {
		o, status := outcome{OK: true}, http.StatusOK
		if failure != nil {
			o.OK, o.Message, o.Code, status = false, errText(failure), kessai.ErrorCode(failure), http.StatusBadRequest
		} else {
			o.Message = describe(result)
		}
		b, err := json.Marshal(o)
		return status, b, err
	}
	ctx := q.r.Context()
	out, err := d.E.Run(ctx, k, render, func(e *engine.Engine) (any, error) { return fn(ctx, e) })
	res := out.Result
	if out.Done {
		var o outcome
		if json.Unmarshal(out.Body, &o) == nil {
			if out.Replayed {
				res = nil
			}
			if !o.OK && o.Code != "" {
				o.Message = errMessage(q.lang, o.Code, o.Message)
			}
			return &flash{OK: o.OK, Message: o.Message}, res
		}
	}
	if err != nil {
		return errFlash(q.lang, err), nil
	}
	return &flash{OK: true, Message: describe(res)}, res
}

// describeAny is the message of an engine result.
func describeAny(L map[string]string) func(any) string {
	return func(v any) string {
		switch x := v.(type) {
		case *kessai.Refund:
			return L["refunded"] + " " + x.ID + " (" + money(x.Amount, x.Currency) + ", " + x.Status + ")"
		case *kessai.Capture:
			return L["captured"] + " " + x.ID + " (" + money(x.Amount, x.Currency) + ", " + x.State + ")"
		case *kessai.Authorization:
			return L["authorized"] + " " + x.ID + " (" + money(x.Amount, x.Currency) + ", " + x.State + ")"
		case *kessai.Payment:
			return L["payment_now"] + " " + x.State + " / " + x.Status + " — " + L["captured"] + " " + money(x.AmountReceived, x.Currency)
		case *kessai.WebhookDelivery:
			return L["retry_queued"] + " " + x.ID
		case *kessai.NotificationSettings:
			return L["saved"]
		case *notifications.NewWebhookEndpoint:
			return L["endpoint_created"] + " " + x.ID
		case *kessai.WebhookEndpoint:
			return L["endpoint_created"] + " " + x.ID
		case *engine.ClockAdvance:
			return L["clock_now"] + " " + jst(x.Now)
		}
		return L["done"]
	}
}

// paymentAction runs a customer-service action of a payment's page through
// the engine call the APIs make.
func (d *Dashboard) paymentAction(q *req) error {
	acct, err := q.needAcct()
	if err != nil {
		return err
	}
	ctx := q.r.Context()
	pay, err := d.payment(ctx, acct, q.r.PathValue("id"))
	if err != nil {
		return err
	}
	f := q.r.PostForm
	key := f.Get("idem")
	ref := "dash-" + key[:min(len(key), 24)] // an MWS reference id, from the form's key
	order := pay.Kind == kessai.PaymentOrderReference
	var run func(ctx context.Context, e *engine.Engine) (any, error)
	switch action := q.r.PathValue("action"); {
	case action == "refund" && !order:
		run = func(ctx context.Context, e *engine.Engine) (any, error) {
			amount, err := amountOf(f, "amount")
			if err != nil {
				return nil, err
			}
			if amount == nil && f.Get("all") != "1" {
				// An empty amount refunds everything left: only when asked.
				return nil, kessai.Invalidf("dashboard", "amount", "Enter the amount to refund, or leave it empty and tick the box to refund everything left.")
			}
			return payjpflow.CreateRefund(e, ctx, acct, payjpflow.RefundParams{PaymentFlowID: pay.ID, Amount: amount, Reason: optional(f.Get("reason"))})
		}
	case action == "refund" && order:
		run = func(ctx context.Context, e *engine.Engine) (any, error) {
			amount, err := mustAmount(f, "amount")
			if err != nil {
				return nil, err
			}
			return amazonorder.RefundCapture(ctx, e, acct, amazonorder.CaptureRefundParams{CaptureID: f.Get("capture_id"), ReferenceID: ref,
				Amount: amount, Currency: pay.Currency, Note: f.Get("note")})
		}
	case action == "capture" && !order:
		run = func(ctx context.Context, e *engine.Engine) (any, error) {
			amount, err := amountOf(f, "amount")
			if err != nil {
				return nil, err
			}
			return payjpflow.CapturePaymentFlow(e, ctx, acct, pay.ID, amount)
		}
	case action == "capture" && order:
		run = func(ctx context.Context, e *engine.Engine) (any, error) {
			amount, err := mustAmount(f, "amount")
			if err != nil {
				return nil, err
			}
			return amazonorder.Capture(ctx, e, acct, amazonorder.CaptureParams{AuthorizationID: f.Get("authorization_id"), ReferenceID: ref,
				Amount: amount, Currency: pay.Currency, Note: f.Get("note")})
		}
	case action == "authorize" && order:
		run = func(ctx context.Context, e *engine.Engine) (any, error) {
			amount, err := mustAmount(f, "amount")
			if err != nil {
				return nil, err
			}
			return amazonorder.Authorize(ctx, e, acct, amazonorder.AuthorizeParams{OrderReferenceID: pay.ID, ReferenceID: ref, Amount: amount,
				Currency: pay.Currency, Note: f.Get("note"), CaptureNow: f.Get("capture_now") == "1"})
		}
	case action == "cancel" && !order:
		run = func(ctx context.Context, e *engine.Engine) (any, error) {
			return payjpflow.CancelPaymentFlow(e, ctx, acct, pay.ID, optional(f.Get("reason")))
		}
	case action == "cancel" && order:
		run = func(ctx context.Context, e *engine.Engine) (any, error) {
			return amazonorder.CancelOrderReference(ctx, e, acct, pay.ID, f.Get("reason"))
		}
	case action == "close" && order:
		run = func(ctx context.Context, e *engine.Engine) (any, error) {
			return amazonorder.CloseOrderReference(ctx, e, acct, pay.ID, f.Get("reason"))
		}
	default:
		return errNotFound
	}
	fl, _ := d.runIdempotent(q, "dashboard."+q.r.PathValue("action"), run, describeAny(labels(q.lang)))
	return d.seeOther(q, "/dashboard/payments/"+url.PathEscape(pay.ID), fl)
}

func (d *Dashboard) retryDelivery(q *req) error {
	acct, err := q.needAcct()
	if err != nil {
		return err
	}
	id := q.r.PathValue("id")
	if _, err := notifications.GetWebhookDelivery(q.r.Context(), d.E, acct, id); err != nil {
		return err
	}
	fl, _ := d.runIdempotent(q, "dashboard.retry_delivery", func(ctx context.Context, e *engine.Engine) (any, error) {
		return notifications.RetryWebhookDelivery(ctx, e, acct, id)
	}, describeAny(labels(q.lang)))
	return d.seeOther(q, "/dashboard/deliveries", fl)
}

func (d *Dashboard) saveSettings(q *req) error {
	acct, err := q.needAcct()
	if err != nil {
		return err
	}
	f := q.r.PostForm
	email, phone, note := f.Get("customer_service_email"), f.Get("customer_service_phone"), f.Get("customer_service_note")
	fl, _ := d.runIdempotent(q, "dashboard.settings", func(ctx context.Context, e *engine.Engine) (any, error) {
		return notifications.UpdateNotificationSettings(ctx, e, acct, notifications.NotificationSettingsParams{CustomerServiceEmail: &email,
			CustomerServicePhone: &phone, CustomerServiceNote: &note})
	}, describeAny(labels(q.lang)))
	return d.seeOther(q, "/dashboard/settings", fl)
}

// createEndpoint adds a webhook endpoint. Its signing secret is shown once,
// on the page after this request; the idempotency record keeps only the
// endpoint's id.
func (d *Dashboard) createEndpoint(q *req) error {
	acct, err := q.needAcct()
	if err != nil {
		return err
	}
	u, kind := q.r.PostForm.Get("url"), q.r.PostForm.Get("kind")
	fl, res := d.runIdempotent(q, "dashboard.webhook_endpoint", func(ctx context.Context, e *engine.Engine) (any, error) {
		return notifications.CreateWebhookEndpoint(ctx, e, acct, notifications.WebhookEndpointParams{URL: &u, Kind: kind})
	}, describeAny(labels(q.lang)))
	if ep, ok := res.(*notifications.NewWebhookEndpoint); ok && ep != nil {
		fl.Message += " — " + labels(q.lang)["secret"] + ": " + ep.Secret
	}
	return d.seeOther(q, "/dashboard/settings", fl)
}

func (d *Dashboard) advanceClock(q *req) error {
	acct, err := q.needAcct()
	if err != nil {
		return err
	}
	n, err := strconv.ParseInt(q.r.PostForm.Get("n"), 10, 64)
	unit := map[string]time.Duration{"hours": time.Hour, "days": 24 * time.Hour}[q.r.PostForm.Get("unit")]
	if err != nil || n < 1 || unit == 0 || n > int64(10*366*24*time.Hour/unit) {
		return d.seeOther(q, "/dashboard/clock", errFlash(q.lang, kessai.Invalidf("dashboard", "n", "Input should be a whole number of hours or days, at least 1")))
	}
	before, err := d.E.ClockNow(q.r.Context(), acct)
	if err != nil {
		return err
	}
	fl, _ := d.runIdempotent(q, "dashboard.clock_advance", func(ctx context.Context, e *engine.Engine) (any, error) {
		return e.Advance(ctx, acct, time.Duration(n)*unit)
	}, describeAny(labels(q.lang)))
	return d.seeOther(q, "/dashboard/clock?since="+strconv.FormatInt(before.Unix(), 10), fl)
}
