-- Payment transactions are listed by term (GET /v2/payment_transactions?term_id=…):
-- the term a transaction counts in becomes a typed column, filled from the
-- documents already written (an empty string for those written before terms).

-- +goose Up
ALTER TABLE payment_transactions ADD COLUMN term_id TEXT NOT NULL DEFAULT '';
UPDATE payment_transactions SET term_id = COALESCE(json_extract(CAST(data AS TEXT), '$.term_id'), '');
CREATE INDEX payment_transactions_term ON payment_transactions (account_id, term_id, id);

-- +goose Down
DROP INDEX payment_transactions_term;
ALTER TABLE payment_transactions DROP COLUMN term_id;
