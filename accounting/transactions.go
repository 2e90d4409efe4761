package accounting

import (
	"context"

	"github.com/kessai/kessai"
	"github.com/kessai/kessai/engine"
)

// GetTransaction returns a payment transaction. Errors: not_found.
func GetTransaction(e *engine.Engine, ctx context.Context, acct *kessai.Account, id string) (*kessai.Transaction, error) {
	const op = "accounting.GetTransaction"
	var t kessai.Transaction
	err := e.View(ctx, op, func(tx kessai.Tx) error {
		return engine.Get(ctx, tx, kessai.KindTransaction, acct.ID, id, false, &t, op, "payment_transaction")
	})
	if err != nil {
		return nil, err
	}
	return &t, nil
}

// ListTransactions pages through payment transactions, newest first;
// filter keys: type, payment_method_type, resource_id.
func ListTransactions(e *engine.Engine, ctx context.Context, acct *kessai.Account, filter map[string]string, page kessai.Page) ([]*kessai.Transaction, bool, error) {
	return engine.ListOf[kessai.Transaction](ctx, e, acct, kessai.KindTransaction, filter, page, "accounting.ListTransactions", "payment_transaction")
}
