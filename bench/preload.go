package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/kessai/kessai"
	"github.com/kessai/kessai/accounts"
	"github.com/kessai/kessai/engine"
	"github.com/kessai/kessai/ledger"
	"github.com/kessai/kessai/payjpflow"
)

// Preload stores n paid, partly refunded card flows in the account of
// secretKey, so that a run measures kessai with that many payments stored:
// `kessai bench --preload 1000000` answers how gets, lists and refunds
// cost at a million payments.
//
// The first flow is made by the engine (a ¥5,000 card payment, captured,
// with a ¥1,000 refund). The others are copies of its rows with fresh ids:
// the payment, authorization, capture, refund, payment transactions and
// events, and the ledger transactions of the authorization, capture,
// refund and their fees; making each through the engine would take hours at a million.
// It runs before the server starts, with the store to itself.
func Preload(ctx context.Context, store kessai.Store, e *engine.Engine, secretKey string, n int, progress func(done int)) error {
	if n <= 0 {
		return nil
	}
	acct, err := accounts.Authenticate(e, ctx, secretKey)
	if err != nil {
		return err
	}
	email := "preload@example.com"
	pm, err := payjpflow.CreatePaymentMethod(e, ctx, acct, payjpflow.PaymentMethodParams{Type: kessai.MethodCard,
		Card:           &payjpflow.CardParams{Number: "4242424242424242", ExpMonth: 12, ExpYear: e.Now(acct).Year() + 5, CVC: "123"},
		BillingDetails: kessai.BillingDetails{Email: &email}})
	if err != nil {
		return fmt.Errorf("preload: payment method: %w", err)
	}
	flow, err := payjpflow.CreatePaymentFlow(e, ctx, acct, payjpflow.FlowParams{Amount: 5000, Currency: "jpy", Confirm: true, PaymentMethodID: &pm.ID})
	if err != nil {
		return fmt.Errorf("preload: flow: %w", err)
	}
	refundAmount := int64(1000)
	refund, err := payjpflow.CreateRefund(e, ctx, acct, payjpflow.RefundParams{PaymentFlowID: flow.ID, Amount: &refundAmount})
	if err != nil {
		return fmt.Errorf("preload: refund: %w", err)
	}
	t, err := readTemplate(ctx, store, acct.ID, flow.ID, refund.ID)
	if err != nil {
		return err
	}
	const perTxn = 500
	for done := 1; done < n; {
		batch := min(perTxn, n-done)
		err := store.Update(ctx, func(tx kessai.Tx) error {
			for range batch {
				if err := t.copy(ctx, tx, acct.ID, refundAmount); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("preload: %w", err)
		}
		done += batch
		if progress != nil {
			progress(done)
		}
	}
	return nil
}

// template is one flow's rows, as stored.
type template struct {
	docs []templateDoc
	ids  []string // every id in the rows, to be replaced in each copy
	auth string   // the authorization and capture ids, for the ledger
	capt string
	at   kessai.Payment
	// The capture's fee and the part its refund gave back, for the ledger.
	fee, feeBack int64
}

type templateDoc struct {
	kind kessai.Kind
	raw  string
}

// newDoc returns an empty document of kind, for a copy to decode into.
func newDoc(kind kessai.Kind) kessai.Document {
	switch kind {
	case kessai.KindPayment:
		return &kessai.Payment{}
	case kessai.KindAuthorization:
		return &kessai.Authorization{}
	case kessai.KindCapture:
		return &kessai.Capture{}
	case kessai.KindRefund:
		return &kessai.Refund{}
	case kessai.KindTransaction:
		return &kessai.Transaction{}
	default:
		return &kessai.Event{}
	}
}

func readTemplate(ctx context.Context, store kessai.Store, acct, flowID, refundID string) (*template, error) {
	t := &template{}
	err := store.View(ctx, func(tx kessai.Tx) error {
		if err := tx.Get(ctx, kessai.KindPayment, acct, flowID, false, &t.at); err != nil {
			return err
		}
		raw, _ := json.Marshal(&t.at)
		t.docs = append(t.docs, templateDoc{kessai.KindPayment, string(raw)})
		lists := []struct {
			kind   kessai.Kind
			filter map[string]string
		}{
			{kessai.KindAuthorization, map[string]string{"payment_id": flowID}},
			{kessai.KindCapture, map[string]string{"payment_id": flowID}},
			{kessai.KindRefund, map[string]string{"payment_id": flowID}},
			{kessai.KindTransaction, map[string]string{"resource_id": flowID}},
			{kessai.KindTransaction, map[string]string{"resource_id": refundID}},
			{kessai.KindEvent, map[string]string{"resource_id": flowID}},
			{kessai.KindEvent, map[string]string{"resource_id": refundID}},
		}
		for _, l := range lists {
			docs, _, err := tx.List(ctx, l.kind, acct, l.filter, kessai.Page{Limit: 100})
			if err != nil {
				return err
			}
			for _, d := range docs {
				var head struct {
					ID string `json:"id"`
				}
				if err := json.Unmarshal(d, &head); err != nil {
					return err
				}
				switch l.kind {
				case kessai.KindAuthorization:
					t.auth = head.ID
				case kessai.KindCapture:
					t.capt = head.ID
					var c kessai.Capture
					if err := json.Unmarshal(d, &c); err != nil {
						return err
					}
					t.fee, t.feeBack = c.Fee, c.FeeReturned
				}
				t.docs = append(t.docs, templateDoc{l.kind, string(d)})
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("preload: read the first flow: %w", err)
	}
	if t.auth == "" || t.capt == "" {
		return nil, fmt.Errorf("preload: the first flow has no authorization or capture")
	}
	seen := map[string]bool{}
	for _, d := range t.docs {
		var head struct {
			ID string `json:"id"`
		}
		_ = json.Unmarshal([]byte(d.raw), &head)
		if !seen[head.ID] {
			seen[head.ID] = true
			t.ids = append(t.ids, head.ID)
		}
	}
	return t, nil
}

// copy stores one copy of the template with fresh ids.
func (t *template) copy(ctx context.Context, tx kessai.Tx, acct string, refunded int64) error {
	pairs := make([]string, 0, 2*len(t.ids))
	fresh := map[string]string{}
	for _, id := range t.ids {
		prefix, _, _ := strings.Cut(id, "_")
		nid := kessai.NewID(prefix + "_")
		fresh[id] = nid
		pairs = append(pairs, id, nid)
	}
	r := strings.NewReplacer(pairs...)
	for _, d := range t.docs {
		doc := newDoc(d.kind)
		if err := json.Unmarshal([]byte(r.Replace(d.raw)), doc); err != nil {
			return err
		}
		if err := tx.Insert(ctx, doc); err != nil {
			return err
		}
	}
	p, auth, capt := fresh[t.at.ID], fresh[t.auth], fresh[t.capt]
	amount, at, method := t.at.Amount, t.at.CreatedAt, ledger.External(kessai.MethodCard)
	var entries []kessai.LedgerEntry
	for _, legs := range [][]ledger.Leg{
		{{Account: method, Amount: -amount}, {Account: ledger.Held(auth), Amount: amount}},
		{{Account: ledger.Held(auth), Amount: -amount}, {Account: ledger.Captured(capt), Amount: amount}},
		{{Account: ledger.Captured(capt), Amount: -refunded}, {Account: method, Amount: refunded}},
		ledger.Fee(capt, t.fee),
		ledger.FeeOffset(capt, t.feeBack),
	} {
		e, err := ledger.Txn(acct, p, t.at.Currency, at, legs...)
		if err != nil {
			return err
		}
		entries = append(entries, e...)
	}
	return tx.InsertLedgerEntries(ctx, entries)
}
