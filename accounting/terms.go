package accounting

import (
	"context"
	"encoding/json"
	"time"

	"github.com/kessai/kessai"
	"github.com/kessai/kessai/engine"
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
func openTerm(w *engine.W) (*kessai.Term, error) {
	docs, _, err := w.Tx().List(w.Ctx(), kessai.KindTerm, w.Account().ID, map[string]string{"state": kessai.TermOpen}, kessai.Page{Limit: 1})
	if err != nil || len(docs) == 0 {
		return nil, err
	}
	var t kessai.Term
	return &t, json.Unmarshal(docs[0], &t)
}

// termID returns the id of the term that now falls in, closing the open
// term first when its month has passed.
func termID(w *engine.W) (string, error) {
	terms := w.Engine().Memo(termsKey{})
	if v, ok := terms.Load(w.Account().ID); ok {
		if t := v.(termRef); !w.Now().Before(t.start) && w.Now().Before(termEnd(t.start)) {
			return t.id, nil
		}
	}
	t, err := openTerm(w)
	if err != nil {
		return "", err
	}
	remember := func(ref termRef) {
		w.AfterCommit(func() { terms.Store(w.Account().ID, ref) })
	}
	if t != nil && w.Now().Before(termEnd(t.StartAt)) {
		remember(termRef{id: t.ID, start: t.StartAt})
		return t.ID, nil
	}
	if t != nil {
		if err := closeTerm(w, t); err != nil {
			return "", err
		}
	}
	start := termStart(w.Now())
	next := &kessai.Term{AccountID: w.Account().ID, ID: kessai.NewID(kessai.PrefixTerm), Livemode: w.Account().Livemode,
		State: kessai.TermOpen, StartAt: start, CreatedAt: w.Now(), UpdatedAt: w.Now()}
	if err := w.Tx().Insert(w.Ctx(), next); err != nil {
		return "", err
	}
	if err := w.Schedule(JobCloseTerm, engine.JobRef{ID: next.ID}, termEnd(start)); err != nil {
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

func closeTerm(w *engine.W, t *kessai.Term) error {
	end := termEnd(t.StartAt)
	t.State, t.EndAt, t.UpdatedAt = kessai.TermClosed, &end, w.Now()
	if err := w.Tx().Put(w.Ctx(), t); err != nil {
		return err
	}
	if err := settleTerm(w, t); err != nil {
		return err
	}
	return w.Emit("term.closed", "term", t.ID, t)
}

// closeTermJob closes a term whose month has passed; the next term opens
// with the next transaction.
func closeTermJob(w *engine.W, ref engine.JobRef) error {
	var t kessai.Term
	if err := engine.Get(w.Ctx(), w.Tx(), kessai.KindTerm, w.Account().ID, ref.ID, true, &t, "accounting.CloseTerm", "term"); err != nil {
		return err
	}
	end := termEnd(t.StartAt)
	if t.State != kessai.TermOpen || w.Now().Before(end) {
		return nil
	}
	// Jobs due before the end that have not run yet (another worker's,
	// or ones a job just scheduled) write into this term: close after
	// them.
	n, err := w.Tx().AccountJobsBefore(w.Ctx(), w.Account().ID, end, JobCloseTerm, w.Engine().Clock.Now())
	if err != nil {
		return err
	}
	if n > 0 {
		return w.Schedule(JobCloseTerm, ref, end)
	}
	return closeTerm(w, &t)
}

// GetTerm returns a term. Errors: not_found.
func GetTerm(e *engine.Engine, ctx context.Context, acct *kessai.Account, id string) (*kessai.Term, error) {
	const op = "accounting.GetTerm"
	var t kessai.Term
	err := e.View(ctx, op, func(tx kessai.Tx) error {
		return engine.Get(ctx, tx, kessai.KindTerm, acct.ID, id, false, &t, op, "term")
	})
	if err != nil {
		return nil, err
	}
	return &t, nil
}

// ListTerms pages through terms, newest first; since and until, when set,
// bound their start (both included).
func ListTerms(e *engine.Engine, ctx context.Context, acct *kessai.Account, since, until *time.Time, page kessai.Page) ([]*kessai.Term, bool, error) {
	if since == nil && until == nil {
		return engine.ListOf[kessai.Term](ctx, e, acct, kessai.KindTerm, nil, page, "accounting.ListTerms", "term")
	}
	return engine.ListWhere(ctx, e, acct, kessai.KindTerm, nil, page, "accounting.ListTerms", "term",
		func(t *kessai.Term) bool { return engine.Within(t.StartAt, since, until) })
}
