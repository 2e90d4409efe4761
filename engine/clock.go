package engine

import (
	"context"
	"time"

	"github.com/kessai/kessai"
)

// ClockAdvance is a test clock's move: the account's business time before
// and after it.
type ClockAdvance struct {
	From time.Time
	Now  time.Time
}

// DueJobs runs the jobs of an account's default queue that are due, in the
// order they were due, each at its own due time in business time (from is
// the account's time before the clock moved), including the jobs those
// schedule, until none is due. Package worker implements it.
type DueJobs interface {
	RunAccount(ctx context.Context, accountID string, from time.Time) error
}

// SetDueJobs sets what runs the jobs a clock advance makes due (a worker
// sets itself when it is made for the engine).
func (e *Engine) SetDueJobs(d DueJobs) { e.due.Store(&d) }

// Advance moves a test-mode account's clock forward by d and, before it
// returns, applies every settlement, expiry and closing due by the new
// time. Errors: test_mode_only, validation_error, internal (no worker, or
// its jobs failed).
func (e *Engine) Advance(ctx context.Context, acct *kessai.Account, d time.Duration) (*ClockAdvance, error) {
	const op = "engine.Advance"
	due := e.due.Load()
	if due == nil {
		return nil, kessai.Errorf(kessai.Internal, op, "no worker runs this engine's jobs")
	}
	adv, err := e.AdvanceClock(ctx, acct, d)
	if err != nil {
		return nil, err
	}
	if err := (*due).RunAccount(ctx, acct.ID, adv.From); err != nil {
		return nil, kessai.WrapInternal(op, err)
	}
	return adv, nil
}

// AdvanceClock moves a test-mode account's clock forward by d, and every
// pending job of the account's with it, in one write, without running the
// jobs that become due (Advance does). Errors: test_mode_only,
// validation_error.
func (e *Engine) AdvanceClock(ctx context.Context, acct *kessai.Account, d time.Duration) (*ClockAdvance, error) {
	const op = "engine.AdvanceClock"
	if acct.Livemode {
		return nil, kessai.Errorf(kessai.TestModeOnly, op, "Live-mode accounts follow the real clock.")
	}
	if d <= 0 {
		return nil, kessai.InvalidRule(op, "seconds", kessai.RuleGreaterThan, 0)
	}
	res, err := e.write(ctx, acct, op, func(w *W) (any, error) {
		a, err := w.tx.Account(w.ctx, w.acct.ID, true)
		if err != nil {
			return nil, err
		}
		from := e.Now(a)
		a.ClockOffset += d
		if err := w.tx.SetAccountClock(w.ctx, a.ID, a.ClockOffset); err != nil {
			return nil, err
		}
		if err := w.tx.ShiftJobs(w.ctx, a.ID, d); err != nil {
			return nil, err
		}
		return &ClockAdvance{From: from, Now: e.Now(a)}, nil
	})
	if err != nil {
		return nil, err
	}
	return res.(*ClockAdvance), nil
}
