package amazonorder_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/kessai/kessai"
	"github.com/kessai/kessai/accounts"
	"github.com/kessai/kessai/amazonorder"
	"github.com/kessai/kessai/engine"
	"github.com/kessai/kessai/internal/kessaitest"
	"github.com/kessai/kessai/internal/testdb"
	"github.com/kessai/kessai/payjpflow"
	"github.com/kessai/kessai/worker"
)

// orderKit is an engine, a worker for its jobs and an account, on one store.
type orderKit struct {
	t     *testing.T
	e     *engine.Engine
	w     *worker.Worker
	acct  *kessai.Account
	store kessai.Store
	n     int
}

func newOrderKit(t *testing.T, dialect string) *orderKit {
	t.Helper()
	store := testdb.Open(t, dialect)
	e, err := engine.New(store, kessai.NewManualClock(kessaitest.Epoch), nil, engine.Config{})
	if err != nil {
		t.Fatal(err)
	}
	w, err := worker.New(e, nil, worker.Config{})
	if err != nil {
		t.Fatal(err)
	}
	na, err := accounts.CreateAccount(e, context.Background(), "orders", false, "jp")
	if err != nil {
		t.Fatal(err)
	}
	acct, err := accounts.Authenticate(e, context.Background(), na.SecretKey)
	if err != nil {
		t.Fatal(err)
	}
	k := &orderKit{t: t, e: e, w: w, acct: acct, store: store}
	t.Cleanup(func() { kessaitest.CheckLedger(t, store, acct.ID) })
	return k
}

var bg = context.Background()

func (k *orderKit) ref() string { k.n++; return fmt.Sprintf("ref-%d", k.n) }

// open returns an Open order reference of amount (JPY unless cur).
func (k *orderKit) open(amount int64, cur ...string) *kessai.Payment {
	k.t.Helper()
	c := "jpy"
	if len(cur) > 0 {
		c = cur[0]
	}
	o, err := amazonorder.CreateOrderReference(bg, k.e, k.acct, amazonorder.OrderReferenceParams{Currency: c})
	if err != nil {
		k.t.Fatal(err)
	}
	if _, err := amazonorder.SetOrderReferenceDetails(bg, k.e, k.acct, o.ID, amazonorder.OrderReferenceUpdate{Amount: amount, Currency: c}); err != nil {
		k.t.Fatal(err)
	}
	if o, err = amazonorder.ConfirmOrderReference(bg, k.e, k.acct, o.ID); err != nil {
		k.t.Fatal(err)
	}
	return o
}

func (k *orderKit) authorize(o *kessai.Payment, amount int64, opts ...func(*amazonorder.AuthorizeParams)) (*kessai.Authorization, error) {
	p := amazonorder.AuthorizeParams{OrderReferenceID: o.ID, ReferenceID: k.ref(), Amount: amount, Currency: o.Currency}
	for _, f := range opts {
		f(&p)
	}
	return amazonorder.Authorize(bg, k.e, k.acct, p)
}

func (k *orderKit) mustAuthorize(o *kessai.Payment, amount int64, opts ...func(*amazonorder.AuthorizeParams)) *kessai.Authorization {
	k.t.Helper()
	a, err := k.authorize(o, amount, opts...)
	if err != nil {
		k.t.Fatalf("authorize %d: %v", amount, err)
	}
	return a
}

func (k *orderKit) capture(a *kessai.Authorization, amount int64, note ...string) (*kessai.Capture, error) {
	p := amazonorder.CaptureParams{AuthorizationID: a.ID, ReferenceID: k.ref(), Amount: amount, Currency: a.Currency}
	if len(note) > 0 {
		p.Note = note[0]
	}
	return amazonorder.Capture(bg, k.e, k.acct, p)
}

func (k *orderKit) refund(c *kessai.Capture, amount int64, note ...string) (*kessai.Refund, error) {
	p := amazonorder.CaptureRefundParams{CaptureID: c.ID, ReferenceID: k.ref(), Amount: amount, Currency: c.Currency}
	if len(note) > 0 {
		p.Note = note[0]
	}
	return amazonorder.RefundCapture(bg, k.e, k.acct, p)
}

func (k *orderKit) order(id string) *kessai.Payment {
	k.t.Helper()
	o, err := amazonorder.GetOrderReference(bg, k.e, k.acct, id)
	if err != nil {
		k.t.Fatal(err)
	}
	return o
}

func (k *orderKit) advance(d time.Duration) {
	k.t.Helper()
	if _, err := k.w.Advance(bg, k.acct, d); err != nil {
		k.t.Fatal(err)
	}
}

func wantErrCode(t *testing.T, err error, code kessai.Code) {
	t.Helper()
	if kessai.ErrorCode(err) != code {
		t.Fatalf("got %v, want %s", err, code)
	}
}

func TestOrders_AuthorizationLimit(t *testing.T) {
	t.Parallel()
	testdb.ForEach(t, func(t *testing.T, dialect string) {
		k := newOrderKit(t, dialect)
		for _, tc := range []struct {
			name          string
			amount        int64
			cur           string
			first, second int64
			secondOK      bool
		}{
			{"yen_10000_allows_11500", 10_000, "jpy", 11_500, 0, true},
			{"yen_10000_refuses_11501", 10_000, "jpy", 11_501, 0, false},
			{"yen_20000_then_3000_is_allowed", 20_000, "jpy", 20_000, 3_000, true},
			{"yen_20000_then_3001_is_refused", 20_000, "jpy", 20_000, 3_001, false},
			{"yen_100000_allows_8400_not_15000", 100_000, "jpy", 100_000, 8_400, true},
			{"yen_100000_refuses_8401", 100_000, "jpy", 100_000, 8_401, false},
			{"usd_1000_allows_75_more", 100_000, "usd", 100_000, 7_500, true},
			{"usd_1000_refuses_75_01_more", 100_000, "usd", 100_000, 7_501, false},
		} {
			t.Run(tc.name, func(t *testing.T) {
				o := k.open(tc.amount, tc.cur)
				_, err := k.authorize(o, tc.first)
				if tc.second == 0 {
					if tc.secondOK != (err == nil) {
						t.Fatalf("authorize %d of %d: %v", tc.first, tc.amount, err)
					}
					if err != nil {
						wantErrCode(t, err, kessai.AmountExceeded)
					}
					return
				}
				if err != nil {
					t.Fatal(err)
				}
				_, err = k.authorize(o, tc.second)
				if tc.secondOK != (err == nil) {
					t.Fatalf("second authorize %d: %v", tc.second, err)
				}
				if err != nil {
					wantErrCode(t, err, kessai.AmountExceeded)
				}
			})
		}
		t.Run("a_declined_or_closed_authorization_frees_its_amount", func(t *testing.T) {
			o := k.open(10_000)
			k.mustAuthorize(o, 10_000, func(p *amazonorder.AuthorizeParams) {
				p.Note = `{"SandboxSimulation": {"State":"Declined", "ReasonCode":"TransactionTimedOut"}}`
			})
			a := k.mustAuthorize(o, 11_500)
			if _, err := amazonorder.CloseAuthorization(bg, k.e, k.acct, a.ID, "not needed"); err != nil {
				t.Fatal(err)
			}
			k.mustAuthorize(o, 11_500)
		})
		t.Run("currency_must_match", func(t *testing.T) {
			o := k.open(10_000)
			_, err := k.authorize(o, 100, func(p *amazonorder.AuthorizeParams) { p.Currency = "usd" })
			wantErrCode(t, err, kessai.CurrencyMismatch)
		})
		t.Run("draft_cannot_be_authorized", func(t *testing.T) {
			o, err := amazonorder.CreateOrderReference(bg, k.e, k.acct, amazonorder.OrderReferenceParams{})
			if err != nil {
				t.Fatal(err)
			}
			_, err = k.authorize(o, 100)
			wantErrCode(t, err, kessai.InvalidStatus)
		})
	})
}

func TestOrders_ConcurrentAuthorizationsStayWithinTheLimit(t *testing.T) {
	t.Parallel()
	testdb.ForEach(t, func(t *testing.T, dialect string) {
		k := newOrderKit(t, dialect)
		o := k.open(10_000)
		var wg sync.WaitGroup
		var mu sync.Mutex
		var total int64
		for i := range 32 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				a, err := amazonorder.Authorize(bg, k.e, k.acct, amazonorder.AuthorizeParams{OrderReferenceID: o.ID,
					ReferenceID: fmt.Sprintf("race-%d", i), Amount: 1_000, Currency: "jpy"})
				if err != nil {
					if kessai.ErrorCode(err) != kessai.AmountExceeded {
						t.Errorf("authorize %d: %v", i, err)
					}
					return
				}
				mu.Lock()
				total += a.Amount
				mu.Unlock()
			}()
		}
		wg.Wait()
		if total != 11_000 {
			t.Errorf("32 concurrent ¥1,000 authorizations on ¥10,000: %d authorized, want 11,000 (≤ 11,500)", total)
		}
		if got := k.order(o.ID).AuthorizedAmount; got != total {
			t.Errorf("order says %d authorized, the callers got %d", got, total)
		}
	})
}

func TestOrders_CapturesAndRefunds(t *testing.T) {
	t.Parallel()
	testdb.ForEach(t, func(t *testing.T, dialect string) {
		k := newOrderKit(t, dialect)
		t.Run("capture_once_up_to_its_authorization", func(t *testing.T) {
			o := k.open(10_000)
			a := k.mustAuthorize(o, 5_000)
			_, err := k.capture(a, 5_001)
			wantErrCode(t, err, kessai.AmountExceeded)
			c, err := k.capture(a, 4_000)
			if err != nil || c.State != kessai.CaptureCompleted || c.ID != o.ID+"-C000001" {
				t.Fatalf("capture: %+v %v", c, err)
			}
			a, _ = amazonorder.GetAuthorization(bg, k.e, k.acct, a.ID)
			if a.State != kessai.AuthClosed || a.ReasonCode != kessai.ReasonMaxCapturesProcessed || a.CaptureID != c.ID {
				t.Errorf("authorization after capture: %+v", a)
			}
			_, err = k.capture(a, 100)
			wantErrCode(t, err, kessai.InvalidStatus)
		})
		t.Run("reaching_the_capture_limit_closes_the_order", func(t *testing.T) {
			o := k.open(10_000)
			c1, err := k.capture(k.mustAuthorize(o, 6_000), 6_000)
			if err != nil {
				t.Fatal(err)
			}
			a2 := k.mustAuthorize(o, 5_500)
			if _, err := k.capture(a2, 5_500); err != nil {
				t.Fatal(err)
			}
			if o := k.order(o.ID); o.State != kessai.StateClosed || o.ReasonCode != kessai.ReasonMaxAmountCharged || o.AmountReceived != 11_500 {
				t.Errorf("order after ¥11,500 captured on ¥10,000: %s/%s received %d", o.State, o.ReasonCode, o.AmountReceived)
			}
			if _, err := k.refund(c1, 100); err != nil {
				t.Errorf("refund after the order closed: %v", err)
			}
		})
		t.Run("refunds_of_a_capture_646_stop_at_743", func(t *testing.T) {
			o := k.open(646)
			c, err := k.capture(k.mustAuthorize(o, 646), 646)
			if err != nil {
				t.Fatal(err)
			}
			r, err := k.refund(c, 646)
			if err != nil || r.Status != kessai.RefundPending {
				t.Fatalf("refund 646: %+v %v", r, err)
			}
			_, err = k.refund(c, 98)
			wantErrCode(t, err, kessai.AmountExceeded)
			if _, err := k.refund(c, 97); err != nil {
				t.Fatalf("refund up to 743: %v", err)
			}
			k.advance(engine.DefaultSettleDelayAmazon)
			c, _ = amazonorder.GetCapture(bg, k.e, k.acct, c.ID)
			if c.State != kessai.CaptureClosed || c.ReasonCode != kessai.ReasonMaxAmountRefunded || c.RefundedAmount != 743 {
				t.Errorf("capture after refunds of 743: %+v", c)
			}
		})
		t.Run("ten_refunds_per_capture", func(t *testing.T) {
			o := k.open(10_000)
			c, err := k.capture(k.mustAuthorize(o, 10_000), 10_000)
			if err != nil {
				t.Fatal(err)
			}
			for i := range 10 {
				if _, err := k.refund(c, 100); err != nil {
					t.Fatalf("refund %d: %v", i+1, err)
				}
			}
			_, err = k.refund(c, 100)
			wantErrCode(t, err, kessai.CountExceeded)
		})
		t.Run("refund_is_pending_then_completed_by_the_clock", func(t *testing.T) {
			o := k.open(1_000)
			c, _ := k.capture(k.mustAuthorize(o, 1_000), 1_000)
			r, _ := k.refund(c, 300)
			k.advance(engine.DefaultSettleDelayAmazon - time.Second)
			if r, _ := payjpflow.GetRefund(k.e, bg, k.acct, r.ID); r.Status != kessai.RefundPending {
				t.Fatalf("refund before its delay: %s", r.Status)
			}
			k.advance(time.Second)
			if r, _ := payjpflow.GetRefund(k.e, bg, k.acct, r.ID); r.Status != kessai.RefundSucceeded {
				t.Fatalf("refund after its delay: %s", r.Status)
			}
		})
		t.Run("simulated_decline_and_chargeback", func(t *testing.T) {
			o := k.open(1_000)
			c, _ := k.capture(k.mustAuthorize(o, 1_000), 1_000)
			declined, err := k.refund(c, 100, `{"SandboxSimulation": {"State":"Declined", "ReasonCode":"AmazonRejected"}}`)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := amazonorder.Chargeback(bg, k.e, k.acct, c.ID); err != nil {
				t.Fatal(err)
			}
			after, _ := k.refund(c, 200)
			k.advance(engine.DefaultSettleDelayAmazon)
			for id, reason := range map[string]string{declined.ID: "AmazonRejected", after.ID: "ProcessingFailure"} {
				r, _ := payjpflow.GetRefund(k.e, bg, k.acct, id)
				if r.Status != kessai.RefundFailed || r.ReasonCode != reason {
					t.Errorf("refund %s: %s/%s, want declined/%s", id, r.Status, r.ReasonCode, reason)
				}
			}
			if c, _ := amazonorder.GetCapture(bg, k.e, k.acct, c.ID); c.RefundedAmount != 0 {
				t.Errorf("declined refunds still count: %d", c.RefundedAmount)
			}
			// The core's one chargeback paid the buyer everything no refund
			// had: the whole 1,000 (the declined refund was still pending).
			if c, _ := amazonorder.GetCapture(bg, k.e, k.acct, c.ID); c.ChargedBack != 1_000 || !c.Chargeback {
				t.Errorf("capture after the chargeback: charged back %d, flag %v", c.ChargedBack, c.Chargeback)
			}
			if o, _ := amazonorder.GetOrderReference(bg, k.e, k.acct, o.ID); o.AmountChargedBack != 1_000 {
				t.Errorf("order charged back %d, want 1000", o.AmountChargedBack)
			}
		})
		t.Run("a_declined_capture_can_be_tried_again", func(t *testing.T) {
			o := k.open(1_000)
			a := k.mustAuthorize(o, 1_000)
			declined, err := k.capture(a, 1_000, `{"SandboxSimulation": {"State":"Declined", "ReasonCode":"AmazonRejected"}}`)
			if err != nil || declined.State != kessai.CaptureDeclined {
				t.Fatalf("simulated decline: %+v %v", declined, err)
			}
			c, err := k.capture(a, 1_000)
			if err != nil || c.State != kessai.CaptureCompleted || c.ID == declined.ID {
				t.Fatalf("second capture: %+v %v", c, err)
			}
		})
		t.Run("bad_simulation_is_refused", func(t *testing.T) {
			o := k.open(1_000)
			_, err := k.authorize(o, 100, func(p *amazonorder.AuthorizeParams) { p.Note = `{"SandboxSimulation": {"State":"Pending"}}` })
			wantErrCode(t, err, kessai.InvalidSimulation)
			_, err = k.authorize(o, 100, func(p *amazonorder.AuthorizeParams) { p.Note = `{"SandboxSimulation": oops` })
			wantErrCode(t, err, kessai.InvalidSimulation)
		})
	})
}

func TestOrders_CancelCloseAndTime(t *testing.T) {
	t.Parallel()
	testdb.ForEach(t, func(t *testing.T, dialect string) {
		k := newOrderKit(t, dialect)
		t.Run("cancel_closes_open_authorizations", func(t *testing.T) {
			o := k.open(1_000)
			a := k.mustAuthorize(o, 500)
			if _, err := amazonorder.CancelOrderReference(bg, k.e, k.acct, o.ID, "out of stock"); err != nil {
				t.Fatal(err)
			}
			a, _ = amazonorder.GetAuthorization(bg, k.e, k.acct, a.ID)
			if a.State != kessai.AuthClosed || a.ReasonCode != kessai.ReasonOrderReferenceCanceled {
				t.Errorf("authorization after cancel: %s/%s", a.State, a.ReasonCode)
			}
			if o := k.order(o.ID); o.State != kessai.StateCanceled || o.ReasonCode != kessai.ReasonSellerCanceled || o.AmountCapturable != 0 {
				t.Errorf("order after cancel: %+v", o)
			}
		})
		t.Run("cancel_with_a_capture_is_refused", func(t *testing.T) {
			o := k.open(1_000)
			if _, err := k.capture(k.mustAuthorize(o, 500), 500); err != nil {
				t.Fatal(err)
			}
			_, err := amazonorder.CancelOrderReference(bg, k.e, k.acct, o.ID, "")
			wantErrCode(t, err, kessai.InvalidStatus)
		})
		t.Run("closed_order_takes_no_authorization_but_captures_open_ones", func(t *testing.T) {
			o := k.open(1_000)
			a := k.mustAuthorize(o, 500)
			if _, err := amazonorder.CloseOrderReference(bg, k.e, k.acct, o.ID, "done"); err != nil {
				t.Fatal(err)
			}
			_, err := k.authorize(o, 100)
			wantErrCode(t, err, kessai.InvalidStatus)
			if _, err := k.capture(a, 500); err != nil {
				t.Errorf("capture of an open authorization after close: %v", err)
			}
		})
		t.Run("amazon_rejected_closes_the_order", func(t *testing.T) {
			o := k.open(1_000)
			a := k.mustAuthorize(o, 500, func(p *amazonorder.AuthorizeParams) {
				p.Note = `{"SandboxSimulation": {"State":"Declined", "ReasonCode":"AmazonRejected"}}`
			})
			if a.State != kessai.AuthDeclined || a.ReasonCode != "AmazonRejected" {
				t.Errorf("authorization: %s/%s", a.State, a.ReasonCode)
			}
			if o := k.order(o.ID); o.State != kessai.StateClosed || o.ReasonCode != kessai.ReasonAmazonClosed {
				t.Errorf("order: %s/%s", o.State, o.ReasonCode)
			}
		})
		t.Run("invalid_payment_method_suspends_then_reopens", func(t *testing.T) {
			o := k.open(1_000)
			k.mustAuthorize(o, 500, func(p *amazonorder.AuthorizeParams) {
				p.Note = `{"SandboxSimulation": {"State":"Declined", "ReasonCode":"InvalidPaymentMethod", "PaymentMethodUpdateTimeInMins":5}}`
			})
			if o := k.order(o.ID); o.State != kessai.StateSuspended {
				t.Fatalf("order: %s", o.State)
			}
			k.advance(5 * time.Minute)
			if o := k.order(o.ID); o.State != kessai.StateOpen {
				t.Errorf("order 5 minutes later: %s", o.State)
			}
		})
		t.Run("asynchronous_authorization_is_pending_then_open", func(t *testing.T) {
			o := k.open(1_000)
			a := k.mustAuthorize(o, 500, func(p *amazonorder.AuthorizeParams) { p.Timeout = 1440 * time.Minute; p.CaptureNow = true })
			if a.State != kessai.AuthPending {
				t.Fatalf("asynchronous authorization: %s", a.State)
			}
			k.advance(engine.DefaultSettleDelayAmazon)
			a, _ = amazonorder.GetAuthorization(bg, k.e, k.acct, a.ID)
			if a.State != kessai.AuthClosed || a.ReasonCode != kessai.ReasonMaxCapturesProcessed || a.CaptureID == "" {
				t.Errorf("after settlement with CaptureNow: %+v", a)
			}
		})
		t.Run("draft_goes_stale_after_3_hours", func(t *testing.T) {
			o, _ := amazonorder.CreateOrderReference(bg, k.e, k.acct, amazonorder.OrderReferenceParams{})
			k.advance(3 * time.Hour)
			if o := k.order(o.ID); o.State != kessai.StateCanceled || o.ReasonCode != kessai.ReasonStale {
				t.Errorf("draft after 3 h: %s/%s", o.State, o.ReasonCode)
			}
		})
		t.Run("authorization_expires_unused_after_30_days_and_order_after_180", func(t *testing.T) {
			o := k.open(1_000)
			a := k.mustAuthorize(o, 500)
			k.advance(30 * 24 * time.Hour)
			if a, _ := amazonorder.GetAuthorization(bg, k.e, k.acct, a.ID); a.State != kessai.AuthClosed || a.ReasonCode != kessai.ReasonExpiredUnused {
				t.Errorf("authorization after 30 days: %s/%s", a.State, a.ReasonCode)
			}
			k.advance(150 * 24 * time.Hour)
			if o := k.order(o.ID); o.State != kessai.StateClosed || o.ReasonCode != kessai.ReasonExpired {
				t.Errorf("order after 180 days: %s/%s", o.State, o.ReasonCode)
			}
		})
	})
}

// Regression (issue 20): the rules once summed an order's exposure over its
// newest 100 authorizations only, so 100 declined ones hid an open one and
// a second full authorization was accepted (¥20,000 held on a ¥10,000
// order); cancel missed the open one in the same way.
func TestOrders_LimitsCountEveryAuthorization(t *testing.T) {
	t.Parallel()
	declined := func(p *amazonorder.AuthorizeParams) {
		p.Note = `{"SandboxSimulation": {"State":"Declined", "ReasonCode":"TransactionTimedOut"}}`
	}
	testdb.ForEach(t, func(t *testing.T, dialect string) {
		k := newOrderKit(t, dialect)
		o := k.open(10_000)
		first := k.mustAuthorize(o, 10_000)
		for range 100 {
			k.mustAuthorize(o, 100, declined)
		}
		t.Run("a_second_full_authorization_is_refused", func(t *testing.T) {
			_, err := k.authorize(o, 10_000)
			wantErrCode(t, err, kessai.AmountExceeded)
			if _, err := k.authorize(o, 1_500); err != nil {
				t.Fatalf("¥1,500 more is within ¥11,500: %v", err)
			}
			_, err = k.authorize(o, 1)
			wantErrCode(t, err, kessai.AmountExceeded)
		})
		t.Run("cancel_closes_the_oldest_open_authorization", func(t *testing.T) {
			if _, err := amazonorder.CancelOrderReference(bg, k.e, k.acct, o.ID, "gone"); err != nil {
				t.Fatal(err)
			}
			a, err := amazonorder.GetAuthorization(bg, k.e, k.acct, first.ID)
			if err != nil {
				t.Fatal(err)
			}
			if a.State != kessai.AuthClosed || a.ReasonCode != kessai.ReasonOrderReferenceCanceled {
				t.Errorf("the first authorization after cancel: %s/%s, want Closed/OrderReferenceCanceled", a.State, a.ReasonCode)
			}
			if got := k.order(o.ID).AmountCapturable; got != 0 {
				t.Errorf("order holds %d after cancel, want 0", got)
			}
		})
	})
}

// The captures of an order are counted whatever their number of declined
// siblings: a capture older than the newest 100 still forbids cancel.
func TestOrders_CancelSeesEveryCapture(t *testing.T) {
	t.Parallel()
	testdb.ForEach(t, func(t *testing.T, dialect string) {
		k := newOrderKit(t, dialect)
		o := k.open(10_000)
		if _, err := k.capture(k.mustAuthorize(o, 1_000), 1_000); err != nil {
			t.Fatal(err)
		}
		a := k.mustAuthorize(o, 1_000)
		for range 100 {
			if c, err := k.capture(a, 1_000, `{"SandboxSimulation": {"State":"Declined", "ReasonCode":"AmazonRejected"}}`); err != nil || c.State != kessai.CaptureDeclined {
				t.Fatalf("declined capture: %v %+v", err, c)
			}
		}
		_, err := amazonorder.CancelOrderReference(bg, k.e, k.acct, o.ID, "")
		wantErrCode(t, err, kessai.InvalidStatus)
	})
}

// The operator's timeline of a payment reads each list up to 100 and says
// when it cut one.
func TestOrders_TimelineSaysWhenCut(t *testing.T) {
	t.Parallel()
	testdb.ForEach(t, func(t *testing.T, dialect string) {
		k := newOrderKit(t, dialect)
		o := k.open(10_000)
		for range 100 {
			k.mustAuthorize(o, 1)
		}
		tl, err := k.e.PaymentTimeline(bg, k.acct, o.ID)
		if err != nil || tl.Truncated || len(tl.Authorizations) != 100 {
			t.Fatalf("100 authorizations: %v truncated=%v %d", err, tl != nil && tl.Truncated, len(tl.Authorizations))
		}
		k.mustAuthorize(o, 1)
		if tl, err = k.e.PaymentTimeline(bg, k.acct, o.ID); err != nil || !tl.Truncated || len(tl.Authorizations) != 100 {
			t.Fatalf("101 authorizations: %v truncated=%v", err, tl != nil && tl.Truncated)
		}
	})
}
