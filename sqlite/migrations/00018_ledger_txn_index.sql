-- Every refund stores four ledger entries, and each entry went into three
-- indexes beside the table. The one on (account_id, txn_id) served no query
-- that reads a few entries: ledger_txn_sums reads all of an account's
-- entries anyway (an audit), and nothing looks one ledger transaction up.

-- +goose Up
DROP INDEX ledger_entries_txn;

-- +goose Down
CREATE INDEX ledger_entries_txn ON ledger_entries (account_id, txn_id);
