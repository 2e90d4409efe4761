package engine

import (
	"context"

	"github.com/kessai/kessai"
)

// GetTransaction returns a payment transaction. Errors: not_found.
func (e *Engine) GetTransaction(ctx context.Context, acct *kessai.Account, id string) (*kessai.Transaction, error) {
	const op = "engine.GetTransaction"
	var t kessai.Transaction
	err := e.view(ctx, op, func(tx kessai.Tx) error {
		return get(ctx, tx, kessai.KindTransaction, acct.ID, id, false, &t, op, "payment_transaction")
	})
	if err != nil {
		return nil, err
	}
	return &t, nil
}

// ListTransactions pages through payment transactions, newest first;
// filter keys: type, payment_method_type, resource_id.
func (e *Engine) ListTransactions(ctx context.Context, acct *kessai.Account, filter map[string]string, page kessai.Page) ([]*kessai.Transaction, bool, error) {
	return list[kessai.Transaction](ctx, e, acct, kessai.KindTransaction, filter, page, "engine.ListTransactions", "payment_transaction")
}
