package engine

import (
	"context"
	"encoding/json"
	"errors"
	"sort"

	"github.com/kessai/kessai"
)

// The operator's reads (the dashboard): both faces' payments, each with its
// whole story, and the refund analysis. Each is one Store.View; no caller
// holds a store transaction. (On PostgreSQL a View is not yet one
// snapshot: see the shardable-store issue.)

// AccountByID returns an account. Errors: not_found.
func (e *Engine) AccountByID(ctx context.Context, id string) (*kessai.Account, error) {
	const op = "engine.AccountByID"
	var acct *kessai.Account
	err := e.view(ctx, op, func(tx kessai.Tx) error {
		a, err := tx.Account(ctx, id, false)
		acct = a
		return err
	})
	return acct, err
}

// Accounts returns up to limit accounts ordered by id, after the id after
// ("" from the first).
func (e *Engine) Accounts(ctx context.Context, after string, limit int) ([]*kessai.Account, error) {
	var out []*kessai.Account
	err := e.view(ctx, "engine.Accounts", func(tx kessai.Tx) error {
		var err error
		out, err = tx.ListAccounts(ctx, after, limit)
		return err
	})
	return out, err
}

// Payment returns one of the account's payments of either face. Errors:
// not_found.
func (e *Engine) Payment(ctx context.Context, acct *kessai.Account, id string) (*kessai.Payment, error) {
	const op = "engine.Payment"
	if !kessai.ValidCustomID(id) {
		return nil, notFound(op, "payment", id)
	}
	var p kessai.Payment
	err := e.view(ctx, op, func(tx kessai.Tx) error {
		return get(ctx, tx, kessai.KindPayment, acct.ID, id, false, &p, op, "payment")
	})
	if err != nil {
		return nil, err
	}
	return &p, nil
}

// SearchPayments pages through an account's payments of both faces,
// newest first (see kessai.PaymentSearch).
func (e *Engine) SearchPayments(ctx context.Context, acct *kessai.Account, s kessai.PaymentSearch) ([]*kessai.Payment, bool, error) {
	var out []*kessai.Payment
	var more bool
	err := e.view(ctx, "engine.SearchPayments", func(tx kessai.Tx) error {
		var err error
		out, more, err = tx.SearchPayments(ctx, acct.ID, s)
		return err
	})
	return out, more, err
}

// RefundsByTime pages through an account's refunds of every face, newest
// first by creation time (see kessai.RefundSearch).
func (e *Engine) RefundsByTime(ctx context.Context, acct *kessai.Account, s kessai.RefundSearch) ([]*kessai.Refund, bool, error) {
	var out []*kessai.Refund
	var more bool
	err := e.view(ctx, "engine.RefundsByTime", func(tx kessai.Tx) error {
		var err error
		out, more, err = tx.RefundsByTime(ctx, acct.ID, s)
		return err
	})
	return out, more, err
}

// List pages through an account's documents of kind that match filter
// (column → value), newest first: ListOf for the operator's pages.
func List[T any](ctx context.Context, e *Engine, acct *kessai.Account, kind kessai.Kind, filter map[string]string, page kessai.Page) ([]*T, bool, error) {
	return list[T](ctx, e, acct, kind, filter, page, "engine.List", string(kind))
}

func decodeAll[T any](docs []json.RawMessage) ([]*T, error) {
	out := make([]*T, 0, len(docs))
	for _, raw := range docs {
		v := new(T)
		if err := json.Unmarshal(raw, v); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}

// Timeline is a payment's whole story: its objects, their events and
// deliveries, and its ledger entries in the order they were written.
type Timeline struct {
	Payment        *kessai.Payment
	Authorizations []*kessai.Authorization // newest first
	Captures       []*kessai.Capture
	Refunds        []*kessai.Refund
	Events         []*kessai.Event // oldest first
	Deliveries     []*kessai.WebhookDelivery
	Ledger         []kessai.LedgerEntry
	// Truncated: the payment has more objects, events or deliveries than
	// the timeline shows (TimelineLimit of each kind per list).
	Truncated bool
}

// TimelineLimit is how many of each list a Timeline reads.
const TimelineLimit = 100

// PaymentTimeline reads a payment's timeline. Errors: not_found.
func (e *Engine) PaymentTimeline(ctx context.Context, acct *kessai.Account, id string) (*Timeline, error) {
	const op = "engine.PaymentTimeline"
	if !kessai.ValidCustomID(id) {
		return nil, notFound(op, "payment", id)
	}
	t := &Timeline{Payment: new(kessai.Payment)}
	err := e.view(ctx, op, func(tx kessai.Tx) error {
		if err := get(ctx, tx, kessai.KindPayment, acct.ID, id, false, t.Payment, op, "payment"); err != nil {
			return err
		}
		page := kessai.Page{Limit: TimelineLimit}
		read := func(kind kessai.Kind, filter map[string]string) ([]json.RawMessage, error) {
			docs, more, err := tx.List(ctx, kind, acct.ID, filter, page)
			t.Truncated = t.Truncated || more
			return docs, err
		}
		of := map[string]string{"payment_id": id}
		var errs []error
		docs, err := read(kessai.KindAuthorization, of)
		errs = append(errs, err)
		t.Authorizations, err = decodeAll[kessai.Authorization](docs)
		errs = append(errs, err)
		docs, err = read(kessai.KindCapture, of)
		errs = append(errs, err)
		t.Captures, err = decodeAll[kessai.Capture](docs)
		errs = append(errs, err)
		docs, err = read(kessai.KindRefund, of)
		errs = append(errs, err)
		t.Refunds, err = decodeAll[kessai.Refund](docs)
		errs = append(errs, err)
		if err := errors.Join(errs...); err != nil {
			return err
		}
		resources := []string{id}
		for _, a := range t.Authorizations {
			resources = append(resources, a.ID)
		}
		for _, c := range t.Captures {
			resources = append(resources, c.ID)
		}
		for _, r := range t.Refunds {
			resources = append(resources, r.ID)
		}
		for _, rid := range resources {
			docs, err := read(kessai.KindEvent, map[string]string{"resource_id": rid})
			if err != nil {
				return err
			}
			evs, err := decodeAll[kessai.Event](docs)
			if err != nil {
				return err
			}
			t.Events = append(t.Events, evs...)
		}
		sort.Slice(t.Events, func(i, j int) bool { return t.Events[i].ID < t.Events[j].ID })
		for _, ev := range t.Events {
			docs, err := read(kessai.KindWebhookDelivery, map[string]string{"event_id": ev.ID})
			if err != nil {
				return err
			}
			ds, err := decodeAll[kessai.WebhookDelivery](docs)
			if err != nil {
				return err
			}
			t.Deliveries = append(t.Deliveries, ds...)
		}
		t.Ledger, err = tx.PaymentLedger(ctx, acct.ID, id)
		return err
	})
	if err != nil {
		return nil, err
	}
	return t, nil
}

// RefundFigures are the aggregates of an account's refund analysis: the
// refunds and captures of days [From, To) and the customers refunded most
// in months [FromMonth, ToMonth).
type RefundFigures struct {
	Refunds  []kessai.RefundDay
	Captures []kessai.CaptureDay
	Top      []kessai.CustomerRefunds
}

// RefundAnalysis reads the refund analysis's aggregates: days [fromDay, toDay), and the top customers of months [fromMonth,
// toMonth).
func (e *Engine) RefundAnalysis(ctx context.Context, acct *kessai.Account, fromDay, toDay, fromMonth, toMonth, top int) (*RefundFigures, error) {
	f := &RefundFigures{}
	err := e.view(ctx, "engine.RefundAnalysis", func(tx kessai.Tx) error {
		var err error
		if f.Refunds, err = tx.RefundDays(ctx, acct.ID, fromDay, toDay); err != nil {
			return err
		}
		if f.Captures, err = tx.CaptureDays(ctx, acct.ID, fromDay, toDay); err != nil {
			return err
		}
		f.Top, err = tx.TopRefundCustomers(ctx, acct.ID, fromMonth, toMonth, top)
		return err
	})
	if err != nil {
		return nil, err
	}
	return f, nil
}
