package kessaitest

import (
	"context"
	"fmt"
	"testing"

	"github.com/kessai/kessai"
	"github.com/kessai/kessai/accounts"
	"github.com/kessai/kessai/engine"
	"github.com/kessai/kessai/internal/testdb"
	"github.com/kessai/kessai/payjpflow"
	"pgregory.net/rapid"
)

// NewEngine returns an engine over a fresh store of the dialect and a
// test-mode account of it.
func NewEngine(t *testing.T, dialect string) (*engine.Engine, *kessai.Account) {
	t.Helper()
	ctx := context.Background()
	e, err := engine.New(testdb.Open(t, dialect), kessai.NewManualClock(Epoch), nil, engine.Config{})
	if err != nil {
		t.Fatal(err)
	}
	na, err := accounts.CreateAccount(e, ctx, "idem", false, "jp")
	if err != nil {
		t.Fatal(err)
	}
	acct, err := accounts.Authenticate(e, ctx, na.SecretKey)
	if err != nil {
		t.Fatal(err)
	}
	return e, acct
}

// LedgerOK runs CheckLedger and turns its reports into a
// failure of this check, so that rapid can shrink the sequence.
func LedgerOK(rt *rapid.T, store kessai.Store, accountID string) {
	rt.Helper()
	rec := &recorder{}
	func() {
		defer func() {
			if v := recover(); v != nil && v != errFatal {
				panic(v)
			}
		}()
		CheckLedger(rec, store, accountID)
	}()
	if len(rec.msgs) > 0 {
		rt.Fatalf("ledger: %v", rec.msgs)
	}
}

var errFatal = new(int)

// recorder is a testing.TB that collects failures.
type recorder struct {
	testing.TB
	msgs []string
}

func (r *recorder) Helper() {}

func (r *recorder) Errorf(format string, a ...any) {
	r.msgs = append(r.msgs, fmt.Sprintf(format, a...))
}

func (r *recorder) Fatal(a ...any) { r.msgs = append(r.msgs, fmt.Sprint(a...)); panic(errFatal) }

func (r *recorder) Fatalf(format string, a ...any) {
	r.msgs = append(r.msgs, fmt.Sprintf(format, a...))
	panic(errFatal)
}

// PaidCardFlow makes a captured ¥10,000 card flow paid with the test card
// number.
func PaidCardFlow(t *testing.T, e *engine.Engine, acct *kessai.Account, number string) *kessai.Payment {
	t.Helper()
	ctx := context.Background()
	email := "buyer@example.com"
	pm, err := payjpflow.CreatePaymentMethod(e, ctx, acct, payjpflow.PaymentMethodParams{Type: kessai.MethodCard,
		Card:           &payjpflow.CardParams{Number: number, ExpMonth: 12, ExpYear: 2030, CVC: "123"},
		BillingDetails: kessai.BillingDetails{Email: &email}})
	if err != nil {
		t.Fatal(err)
	}
	f, err := payjpflow.CreatePaymentFlow(e, ctx, acct, payjpflow.FlowParams{Amount: 10_000, Currency: "jpy",
		CaptureMethod: kessai.CaptureAutomatic, Confirm: true, PaymentMethodID: &pm.ID})
	if err != nil || f.Status != kessai.StatusSucceeded {
		t.Fatalf("flow: %v %+v", err, f)
	}
	return f
}
