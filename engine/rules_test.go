package engine_test

import (
	"errors"
	"math"
	"strings"
	"testing"
	"time"

	"pgregory.net/rapid"

	"github.com/kessai/kessai"
	"github.com/kessai/kessai/engine"
)

// checkRuleErr fails tb unless err has code want ("" meaning no error) and,
// when wantIn is not empty, a message containing wantIn.
func checkRuleErr(tb testing.TB, err error, want kessai.Code, wantIn string) {
	tb.Helper()
	if want == "" {
		if err != nil {
			tb.Fatalf("err = %v, want none", err)
		}
		return
	}
	var e *kessai.Error
	if !errors.As(err, &e) {
		tb.Fatalf("err = %v, want a *kessai.Error with code %s", err, want)
	}
	if e.Code != want {
		tb.Fatalf("code = %s (%v), want %s", e.Code, err, want)
	}
	if wantIn != "" && !strings.Contains(e.Message, wantIn) {
		tb.Fatalf("message = %q, want it to contain %q", e.Message, wantIn)
	}
}

func TestOverAllowance(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		amount   int64
		currency string
		want     int64
		code     kessai.Code
	}{
		{"yen_10000_allows_1500", 10000, "jpy", 1500, ""},
		{"yen_20000_allows_3000", 20000, "jpy", 3000, ""},
		{"yen_646_rounds_up_to_97", 646, "jpy", 97, ""},
		{"yen_1_rounds_up_to_1", 1, "jpy", 1, ""},
		{"yen_0_allows_0", 0, "jpy", 0, ""},
		{"yen_56000_reaches_cap_exactly", 56000, "jpy", 8400, ""},
		{"yen_56001_is_capped", 56001, "jpy", 8400, ""},
		{"yen_100000_is_capped_at_8400", 100000, "jpy", 8400, ""},
		{"upper_case_currency_is_accepted", 10000, "JPY", 1500, ""},
		{"usd_94_50_rounds_up_to_14_18", 9450, "usd", 1418, ""},
		{"usd_1000_is_capped_at_75", 100000, "usd", 7500, ""},
		{"usd_500_reaches_cap_exactly", 50000, "usd", 7500, ""},
		{"eur_94_50_rounds_up_to_14_18", 9450, "eur", 1418, ""},
		{"eur_1000_is_capped_at_75", 100000, "eur", 7500, ""},
		{"gbp_94_50_rounds_up_to_14_18", 9450, "gbp", 1418, ""},
		{"gbp_1000_is_capped_at_75", 100000, "gbp", 7500, ""},
		{"max_int64_is_capped_without_overflow", math.MaxInt64, "jpy", 8400, ""},
		{"unknown_currency_is_invalid", 10000, "chf", 0, kessai.Invalid},
		{"empty_currency_is_invalid", 10000, "", 0, kessai.Invalid},
		{"negative_amount_is_invalid", -1, "jpy", 0, kessai.Invalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := engine.OverAllowance(tt.amount, tt.currency)
			checkRuleErr(t, err, tt.code, "")
			if got != tt.want {
				t.Fatalf("OverAllowance(%d, %q) = %d, want %d", tt.amount, tt.currency, got, tt.want)
			}
		})
	}
}

// TestOverAllowance_Property checks for random amounts and currencies that
// the allowance is never negative, never above the currency's cap, never
// above 15 % rounded up, and that amount + allowance does not overflow.
func TestOverAllowance_Property(t *testing.T) {
	t.Parallel()
	caps := map[string]int64{"jpy": 8400, "usd": 7500, "eur": 7500, "gbp": 7500}
	rapid.Check(t, func(rt *rapid.T) {
		currency := rapid.SampledFrom([]string{"jpy", "usd", "eur", "gbp"}).Draw(rt, "currency")
		amount := rapid.Int64Range(0, 10_000_000_000).Draw(rt, "amount")
		got, err := engine.OverAllowance(amount, currency)
		if err != nil {
			rt.Fatalf("OverAllowance(%d, %s): %v", amount, currency, err)
		}
		if got < 0 || got > caps[currency] {
			rt.Fatalf("OverAllowance(%d, %s) = %d, want 0..%d", amount, currency, got, caps[currency])
		}
		// Exactness: got is the least integer with got×100 ≥ amount×15,
		// unless the cap is lower. Neither product overflows here.
		if got < caps[currency] && (got*100 < amount*15 || (got > 0 && (got-1)*100 >= amount*15)) {
			rt.Fatalf("OverAllowance(%d, %s) = %d, not ceil(15 %%)", amount, currency, got)
		}
		if sum, err := kessai.AddAmounts(amount, got); err != nil || sum < amount {
			rt.Fatalf("%d + %d overflows", amount, got)
		}
	})
}

func TestCheckAuthorization(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name                 string
		order, soFar, amount int64
		currency             string
		code                 kessai.Code
		wantIn               string
	}{
		{"first_within_allowance_is_allowed", 10000, 0, 11500, "jpy", "", ""},
		{"first_over_allowance_is_refused", 10000, 0, 11501, "jpy", kessai.AmountExceeded, "11500 JPY"},
		{"second_of_3000_on_20000_is_allowed", 20000, 20000, 3000, "jpy", "", ""},
		{"second_of_3001_on_20000_is_refused", 20000, 20000, 3001, "jpy", kessai.AmountExceeded, "23000 JPY"},
		{"large_order_is_capped_at_8400", 100000, 100000, 8400, "jpy", "", ""},
		{"large_order_over_cap_is_refused", 100000, 100000, 8401, "jpy", kessai.AmountExceeded, "108400 JPY"},
		{"usd_over_cap_is_refused_with_decimal_limit", 100000, 0, 107501, "usd", kessai.AmountExceeded, "1075.00 USD"},
		{"usd_at_cap_is_allowed", 100000, 0, 107500, "usd", "", ""},
		{"zero_amount_is_invalid", 10000, 0, 0, "jpy", kessai.Invalid, ""},
		{"negative_amount_is_invalid", 10000, 0, -1, "jpy", kessai.Invalid, ""},
		{"unknown_currency_is_invalid", 10000, 0, 1, "xxx", kessai.Invalid, ""},
		{"order_limit_overflow_is_invalid", math.MaxInt64 - 100, 0, 1, "jpy", kessai.Invalid, ""},
		{"total_overflow_is_invalid", 10000, math.MaxInt64 - 1, 10, "jpy", kessai.Invalid, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := engine.CheckAuthorization(tt.order, tt.soFar, tt.amount, tt.currency)
			checkRuleErr(t, err, tt.code, tt.wantIn)
		})
	}
}

func TestCheckCapture(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name                 string
		order, soFar, amount int64
		currency             string
		reachesCap           bool
		code                 kessai.Code
	}{
		{"below_order_amount_is_allowed", 10000, 0, 5000, "jpy", false, ""},
		{"at_order_amount_does_not_reach_cap", 10000, 0, 10000, "jpy", false, ""},
		{"exactly_at_cap_reaches_cap", 10000, 10000, 1500, "jpy", true, ""},
		{"over_cap_is_refused", 10000, 10000, 1501, "jpy", false, kessai.AmountExceeded},
		{"rounded_up_cap_reaches_cap", 646, 0, 743, "jpy", true, ""},
		{"rounded_up_cap_plus_one_is_refused", 646, 0, 744, "jpy", false, kessai.AmountExceeded},
		{"usd_94_50_at_cap_reaches_cap", 9450, 0, 10868, "usd", true, ""},
		{"usd_94_50_over_cap_is_refused", 9450, 0, 10869, "usd", false, kessai.AmountExceeded},
		{"eur_1000_at_cap_reaches_cap", 100000, 50000, 57500, "eur", true, ""},
		{"gbp_1000_over_cap_is_refused", 100000, 50000, 57501, "gbp", false, kessai.AmountExceeded},
		{"zero_amount_is_invalid", 10000, 0, 0, "jpy", false, kessai.Invalid},
		{"unknown_currency_is_invalid", 10000, 0, 1, "chf", false, kessai.Invalid},
		{"overflow_is_invalid", math.MaxInt64, 0, 1, "usd", false, kessai.Invalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			reaches, err := engine.CheckCapture(tt.order, tt.soFar, tt.amount, tt.currency)
			checkRuleErr(t, err, tt.code, "")
			if reaches != tt.reachesCap {
				t.Fatalf("reachesCap = %v, want %v", reaches, tt.reachesCap)
			}
		})
	}
}

func TestCheckCaptureOfAuthorization(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name               string
		authorized, amount int64
		code               kessai.Code
	}{
		{"partial_is_allowed", 1000, 999, ""},
		{"whole_is_allowed", 1000, 1000, ""},
		{"more_than_authorized_is_refused", 1000, 1001, kessai.AmountExceeded},
		{"zero_is_invalid", 1000, 0, kessai.Invalid},
		{"negative_is_invalid", 1000, -5, kessai.Invalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			checkRuleErr(t, engine.CheckCaptureOfAuthorization(tt.authorized, tt.amount), tt.code, "")
		})
	}
}

func TestCheckRefund(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name               string
		captured, refunded int64
		count              int
		amount             int64
		currency           string
		code               kessai.Code
		wantIn             string
	}{
		{"first_partial_is_allowed", 646, 0, 0, 300, "jpy", "", ""},
		{"up_to_rounded_up_cap_is_allowed", 646, 0, 0, 743, "jpy", "", ""},
		{"cumulative_over_cap_is_refused", 646, 646, 1, 646, "jpy", kessai.AmountExceeded, "743 JPY"},
		{"pending_refunds_count_toward_cap", 646, 700, 2, 44, "jpy", kessai.AmountExceeded, ""},
		{"remaining_after_pending_is_allowed", 646, 700, 2, 43, "jpy", "", ""},
		{"tenth_refund_is_allowed", 10000, 900, 9, 100, "jpy", "", ""},
		{"eleventh_refund_is_refused", 10000, 1000, 10, 100, "jpy", kessai.CountExceeded, "10"},
		{"count_is_checked_before_amount", 10000, 11500, 10, 1, "jpy", kessai.CountExceeded, ""},
		{"usd_cap_of_75_is_allowed", 100000, 0, 0, 107500, "usd", "", ""},
		{"usd_over_cap_of_75_is_refused", 100000, 0, 0, 107501, "usd", kessai.AmountExceeded, "1075.00 USD"},
		{"eur_94_50_rounds_up", 9450, 0, 0, 10868, "eur", "", ""},
		{"gbp_94_50_over_cap_is_refused", 9450, 0, 0, 10869, "gbp", kessai.AmountExceeded, ""},
		{"zero_amount_is_invalid", 646, 0, 0, 0, "jpy", kessai.Invalid, ""},
		{"unknown_currency_is_invalid", 646, 0, 0, 1, "cad", kessai.Invalid, ""},
		{"refunded_total_overflow_is_invalid", 646, math.MaxInt64, 1, 1, "jpy", kessai.Invalid, ""},
		{"captured_limit_overflow_is_invalid", math.MaxInt64 - 1, 0, 0, 1, "gbp", kessai.Invalid, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := engine.CheckRefund(tt.captured, tt.refunded, tt.count, tt.amount, tt.currency)
			checkRuleErr(t, err, tt.code, tt.wantIn)
		})
	}
}

func TestCheckFlowRefund(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name               string
		received, refunded int64
		amount             *int64
		want               int64
		code               kessai.Code
		wantIn             string
	}{
		{"nil_refunds_everything", 1000, 0, nil, 1000, "", ""},
		{"nil_refunds_what_is_left", 1000, 400, nil, 600, "", ""},
		{"partial_is_allowed", 1000, 400, ptr[int64](100), 100, "", ""},
		{"exactly_what_is_left_is_allowed", 1000, 400, ptr[int64](600), 600, "", ""},
		{"nil_with_nothing_left_is_already_refunded", 1000, 1000, nil, 0, kessai.AlreadyRefunded, "This payment has already been refunded."},
		{"over_what_is_left_exceeds_payment", 1000, 400, ptr[int64](601), 0, kessai.RefundExceedsPayment,
			"The refund amount exceeds the payment amount. (refundable: 600)"},
		{"any_amount_with_nothing_left_exceeds_payment", 1000, 1000, ptr[int64](1), 0, kessai.RefundExceedsPayment, "(refundable: 0)"},
		{"zero_is_invalid", 1000, 0, ptr[int64](0), 0, kessai.Invalid, ""},
		{"negative_is_invalid", 1000, 0, ptr[int64](-1), 0, kessai.Invalid, ""},
		{"invalid_is_checked_before_nothing_left", 1000, 1000, ptr[int64](0), 0, kessai.Invalid, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := engine.CheckFlowRefund(tt.received, tt.refunded, tt.amount)
			checkRuleErr(t, err, tt.code, tt.wantIn)
			if got != tt.want {
				t.Fatalf("CheckFlowRefund = %d, want %d", got, tt.want)
			}
		})
	}
	t.Run("invalid_amount_names_the_field", func(t *testing.T) {
		t.Parallel()
		_, err := engine.CheckFlowRefund(1000, 0, ptr[int64](0))
		var e *kessai.Error
		if !errors.As(err, &e) || len(e.Fields) != 1 || e.Fields[0].Field != "amount" ||
			e.Fields[0].Rule != kessai.RuleGreaterThan || e.Fields[0].Limit != 0 {
			t.Fatalf("err = %#v, want one field error on amount", err)
		}
	})
}

func TestFlowRefundDeadline(t *testing.T) {
	t.Parallel()
	jst := func(y int, m time.Month, d, h, min, s, ns int) time.Time {
		return time.Date(y, m, d, h, min, s, ns, kessai.Tokyo)
	}
	created := time.Date(2026, 1, 1, 3, 0, 0, 0, time.UTC)
	tests := []struct {
		name      string
		method    string
		created   time.Time
		confirmed *time.Time
		want      time.Time
	}{
		{"card_is_created_plus_180_days", kessai.MethodCard, created, nil, created.Add(180 * 24 * time.Hour)},
		{"card_ignores_confirmation", kessai.MethodCard, created, ptr(created.Add(time.Hour)), created.Add(180 * 24 * time.Hour)},
		{"paypay_afternoon_ends_365_days_later_in_japan",
			kessai.MethodPayPay, created, ptr(jst(2026, 1, 10, 14, 0, 0, 0)), jst(2027, 1, 10, 23, 59, 59, 999999000)},
		{"paypay_late_evening_uses_japan_date",
			kessai.MethodPayPay, created, ptr(time.Date(2026, 1, 10, 14, 30, 0, 0, time.UTC)), jst(2027, 1, 10, 23, 59, 59, 999999000)},
		{"paypay_utc_evening_is_next_japan_day",
			kessai.MethodPayPay, created, ptr(time.Date(2026, 1, 10, 15, 0, 0, 0, time.UTC)), jst(2027, 1, 11, 23, 59, 59, 999999000)},
		{"paypay_across_leap_day_counts_days",
			kessai.MethodPayPay, created, ptr(jst(2027, 6, 1, 9, 0, 0, 0)), jst(2028, 5, 31, 23, 59, 59, 999999000)},
		{"paypay_unconfirmed_falls_back_to_card_window", kessai.MethodPayPay, created, nil, created.Add(180 * 24 * time.Hour)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := engine.FlowRefundDeadline(tt.method, tt.created, tt.confirmed)
			if !got.Equal(tt.want) {
				t.Fatalf("FlowRefundDeadline = %s, want %s", got.In(kessai.Tokyo), tt.want.In(kessai.Tokyo))
			}
		})
	}
}

func TestCheckFlowRefundWindow(t *testing.T) {
	t.Parallel()
	created := time.Date(2026, 1, 1, 3, 0, 0, 0, time.UTC)
	confirmed := time.Date(2026, 1, 10, 14, 30, 0, 0, time.UTC) // 23:30 JST
	paypayEnd := time.Date(2027, 1, 10, 23, 59, 59, 999999000, kessai.Tokyo)
	tests := []struct {
		name      string
		method    string
		confirmed *time.Time
		now       time.Time
		code      kessai.Code
	}{
		{"card_at_exactly_180_days_is_open", kessai.MethodCard, nil, created.Add(180 * 24 * time.Hour), ""},
		{"card_one_nanosecond_after_180_days_is_expired", kessai.MethodCard, nil,
			created.Add(180*24*time.Hour + time.Nanosecond), kessai.RefundPeriodExpired},
		{"paypay_at_last_microsecond_is_open", kessai.MethodPayPay, &confirmed, paypayEnd, ""},
		{"paypay_at_midnight_after_is_expired", kessai.MethodPayPay, &confirmed,
			time.Date(2027, 1, 11, 0, 0, 0, 0, kessai.Tokyo), kessai.RefundPeriodExpired},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := engine.CheckFlowRefundWindow(tt.method, created, tt.confirmed, tt.now)
			checkRuleErr(t, err, tt.code, "")
		})
	}
	t.Run("expired_message_names_the_deadline", func(t *testing.T) {
		t.Parallel()
		err := engine.CheckFlowRefundWindow(kessai.MethodCard, created, nil, created.AddDate(1, 0, 0))
		checkRuleErr(t, err, kessai.RefundPeriodExpired, "The refund period for this payment ended at 2026-06-30T03:00:00Z.")
	})
}
