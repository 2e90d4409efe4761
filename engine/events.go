package engine

import (
	"context"
	"time"

	"github.com/kessai/kessai"
)

// GetEvent returns an event. Errors: not_found.
func (e *Engine) GetEvent(ctx context.Context, acct *kessai.Account, id string) (*kessai.Event, error) {
	const op = "engine.GetEvent"
	var ev kessai.Event
	err := e.view(ctx, op, func(tx kessai.Tx) error {
		return get(ctx, tx, kessai.KindEvent, acct.ID, id, false, &ev, op, "event")
	})
	if err != nil {
		return nil, err
	}
	return &ev, nil
}

// ListEvents pages through events, newest first; filter keys: type,
// object, resource_id, face.
func (e *Engine) ListEvents(ctx context.Context, acct *kessai.Account, filter map[string]string, page kessai.Page) ([]*kessai.Event, bool, error) {
	return list[kessai.Event](ctx, e, acct, kessai.KindEvent, filter, page, "engine.ListEvents", "event")
}

// RunJob runs one job's handler in one transaction at the account's
// business time now. Handlers are idempotent. A kind with no handler is an
// error, so the job is retried and finally marked failed.
//
// A kind whose handler runs outside a write (HandleOutside) is run as it
// is: it makes its own transactions, and now does not apply.
func (e *Engine) RunJob(ctx context.Context, j *kessai.Job, now time.Time) error {
	op := "engine.RunJob " + j.Kind
	k, ok := e.jobs[j.Kind]
	switch {
	case !ok:
		return kessai.Errorf(kessai.Internal, op, "unknown job kind %q", j.Kind)
	case k.run == nil && k.outside == nil:
		return kessai.Errorf(kessai.Internal, op, "no handler is registered for job kind %q", j.Kind)
	}
	// A job is never part of the request that runs it (a clock advance): it
	// runs on a handle without that request's idempotency key.
	e = &Engine{state: e.state}
	e = e.Background()
	ctx = context.WithoutCancel(ctx)
	if k.outside != nil {
		return k.outside(ctx, j)
	}
	_, err := e.write(ctx, &kessai.Account{ID: j.AccountID}, op, func(w *W) (any, error) {
		if !now.IsZero() {
			w.now = now
		}
		return nil, k.run(w, j.Payload)
	})
	return err
}
