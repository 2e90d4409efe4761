package sqlstore

import (
	"context"
	"fmt"
	"math"
	"strings"

	"github.com/kessai/kessai"
)

// refundsQuery returns the query of a RefundSearch, its arguments and
// whether it runs towards newer refunds (oldest first, to be reversed).
// Each filter shape has its own query text, kept once built.
func (s *Store) refundsQuery(accountID string, p kessai.RefundSearch) (string, []any, bool) {
	name, at, id := "refunds_by_time_after", int64(math.MaxInt64), ""
	switch {
	case !p.After.IsZero():
		at, id = us(p.After.CreatedAt), p.After.ID
	case !p.Before.IsZero():
		name, at, id = "refunds_by_time_before", us(p.Before.CreatedAt), p.Before.ID
	}
	limit := p.Limit
	if limit <= 0 {
		limit = 20
	}
	args := []any{accountID, at, id, limit + 1}
	var cols []string
	for _, f := range []struct{ col, v string }{{"face", p.Face}, {"reason", p.Reason}, {"status", p.Status}} {
		if f.v != "" {
			args = append(args, f.v)
			cols = append(cols, fmt.Sprintf(" AND %s = $%d", f.col, len(args)))
		}
	}
	key := name + "|" + strings.Join(cols, "")
	if q, ok := s.lists.Load(key); ok {
		return q.(string), args, name == "refunds_by_time_before"
	}
	q := strings.Replace(s.q[name], "{{filters}}", strings.Join(cols, ""), 1)
	s.lists.Store(key, q)
	return q, args, name == "refunds_by_time_before"
}

// RefundsByTime implements kessai.Tx.
func (t *tx) RefundsByTime(ctx context.Context, accountID string, p kessai.RefundSearch) ([]*kessai.Refund, bool, error) {
	q, args, before := t.s.refundsQuery(accountID, p)
	out, more, err := pageOf[kessai.Refund](ctx, t, "refunds_by_time", q, args, args[3].(int)-1)
	if err != nil {
		return nil, false, err
	}
	if before {
		// read oldest first from the cursor; shown newest first
		for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
			out[i], out[j] = out[j], out[i]
		}
	}
	return out, more, nil
}

// ExplainRefundsByTime returns the database's plan for a RefundSearch:
// the conformance suite checks that it reads the refunds' time index.
func (s *Store) ExplainRefundsByTime(ctx context.Context, p kessai.RefundSearch) (string, error) {
	q, args, _ := s.refundsQuery("acct_x", p)
	return s.explain(ctx, q, args)
}
