-- An account's secret key can be rotated: the key it replaced stays valid
-- for a grace period (its expiry is in the account's data), and a request
-- with it finds the account by this column.

-- +goose Up
ALTER TABLE accounts ADD COLUMN previous_secret_key_hash TEXT;
CREATE INDEX accounts_previous_secret_key_hash ON accounts (previous_secret_key_hash);

-- +goose Down
DROP INDEX accounts_previous_secret_key_hash;
ALTER TABLE accounts DROP COLUMN previous_secret_key_hash;
