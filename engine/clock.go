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

// AdvanceClock moves a test-mode account's clock forward by d, and every
// pending job of the account's with it, in one write. The jobs that become
// due are run by the caller (worker.Advance). Errors: test_mode_only,
// validation_error.
func (e *Engine) AdvanceClock(ctx context.Context, acct *kessai.Account, d time.Duration) (*ClockAdvance, error) {
	const op = "engine.AdvanceClock"
	if acct.Livemode {
		return nil, kessai.Errorf(kessai.TestModeOnly, op, "Live-mode accounts follow the real clock.")
	}
	if d <= 0 {
		return nil, kessai.Invalidf(op, "seconds", "Input should be greater than 0")
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
