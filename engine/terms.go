package engine

import (
	"context"
	"encoding/json"
	"time"

	"github.com/kessai/kessai"
)

// Terms are the closing periods of an account's payment transactions,
// calendar months in Japan time: [the 1st 00:00 JST, the next 1st). An
// account has one open term; a write that records a transaction after the
// open term's month closes it and opens the current one (so a transaction
// always counts in the term its time falls in), and a job closes it at its
// end for an account that writes nothing.

// JobCloseTerm closes an account's open term once its month has passed.
const JobCloseTerm = "close_term"

// termStart is the start of the term that t falls in.
func termStart(t time.Time) time.Time {
	j := t.In(kessai.Tokyo)
	return time.Date(j.Year(), j.Month(), 1, 0, 0, 0, 0, kessai.Tokyo).UTC()
}

// termEnd is the end of the term that starts at start.
func termEnd(start time.Time) time.Time {
	return start.In(kessai.Tokyo).AddDate(0, 1, 0).UTC()
}

// openTerm returns the account's open term, or nil.
func (w *W) openTerm() (*kessai.Term, error) {
	docs, _, err := w.tx.List(w.ctx, kessai.KindTerm, w.acct.ID, map[string]string{"state": kessai.TermOpen}, kessai.Page{Limit: 1})
	if err != nil || len(docs) == 0 {
		return nil, err
	}
	var t kessai.Term
	return &t, json.Unmarshal(docs[0], &t)
}

// termID returns the id of the term that now falls in, closing the open
// term first when its month has passed.
func (w *W) termID() (string, error) {
	terms := w.e.Memo(termsKey{})
	if v, ok := terms.Load(w.acct.ID); ok {
		if t := v.(termRef); !w.now.Before(t.start) && w.now.Before(termEnd(t.start)) {
			return t.id, nil
		}
	}
	t, err := w.openTerm()
	if err != nil {
		return "", err
	}
	remember := func(ref termRef) {
		w.AfterCommit(func() { terms.Store(w.acct.ID, ref) })
	}
	if t != nil && w.now.Before(termEnd(t.StartAt)) {
		remember(termRef{id: t.ID, start: t.StartAt})
		return t.ID, nil
	}
	if t != nil {
		if err := w.closeTerm(t); err != nil {
			return "", err
		}
	}
	start := termStart(w.now)
	next := &kessai.Term{AccountID: w.acct.ID, ID: kessai.NewID(kessai.PrefixTerm), Livemode: w.acct.Livemode,
		State: kessai.TermOpen, StartAt: start, CreatedAt: w.now, UpdatedAt: w.now}
	if err := w.tx.Insert(w.ctx, next); err != nil {
		return "", err
	}
	if err := w.schedule(JobCloseTerm, jobRef{ID: next.ID}, termEnd(start)); err != nil {
		return "", err
	}
	remember(termRef{id: next.ID, start: start})
	return next.ID, nil
}

// termsKey is the engine's memo of each account's open term (account id →
// termRef), as committed: a term is closed only once the clock has passed
// its end, and clocks never go back, so until then it is the open term for
// every process on the database.
type termsKey struct{}

// termRef is an open term as the engine remembers it.
type termRef struct {
	id    string
	start time.Time
}

func (w *W) closeTerm(t *kessai.Term) error {
	end := termEnd(t.StartAt)
	t.State, t.EndAt, t.UpdatedAt = kessai.TermClosed, &end, w.now
	if err := w.tx.Put(w.ctx, t); err != nil {
		return err
	}
	if err := w.settleTerm(t); err != nil {
		return err
	}
	return w.emit("term.closed", "term", t.ID, t)
}

// closeTermJob closes a term whose month has passed; the next term opens
// with the next transaction.
func (w *W) closeTermJob(ref jobRef) error {
	var t kessai.Term
	if err := get(w.ctx, w.tx, kessai.KindTerm, w.acct.ID, ref.ID, true, &t, "engine.CloseTerm", "term"); err != nil {
		return err
	}
	end := termEnd(t.StartAt)
	if t.State != kessai.TermOpen || w.now.Before(end) {
		return nil
	}
	// Jobs due before the end that have not run yet (another worker's,
	// or ones a job just scheduled) write into this term: close after
	// them.
	n, err := w.tx.AccountJobsBefore(w.ctx, w.acct.ID, end, JobCloseTerm, w.e.Clock.Now())
	if err != nil {
		return err
	}
	if n > 0 {
		return w.schedule(JobCloseTerm, ref, end)
	}
	return w.closeTerm(&t)
}

// GetTerm returns a term. Errors: not_found.
func (e *Engine) GetTerm(ctx context.Context, acct *kessai.Account, id string) (*kessai.Term, error) {
	const op = "engine.GetTerm"
	var t kessai.Term
	err := e.view(ctx, op, func(tx kessai.Tx) error {
		return get(ctx, tx, kessai.KindTerm, acct.ID, id, false, &t, op, "term")
	})
	if err != nil {
		return nil, err
	}
	return &t, nil
}

// ListTerms pages through terms, newest first; since and until, when set,
// bound their start (both included).
func (e *Engine) ListTerms(ctx context.Context, acct *kessai.Account, since, until *time.Time, page kessai.Page) ([]*kessai.Term, bool, error) {
	if since == nil && until == nil {
		return list[kessai.Term](ctx, e, acct, kessai.KindTerm, nil, page, "engine.ListTerms", "term")
	}
	return listWhere(ctx, e, acct, kessai.KindTerm, nil, page, "engine.ListTerms", "term",
		func(t *kessai.Term) bool { return within(t.StartAt, since, until) })
}
