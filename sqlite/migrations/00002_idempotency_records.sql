-- Idempotency moves into the engine: a record is written in the same
-- transaction as its write, so the claim/lease columns go. Keys are scoped:
-- PAY.JP Idempotency-Key headers (kept a day) and MWS reference ids (kept
-- for good). Completed records of the old table are carried over.

-- +goose Up
CREATE TABLE idempotency_records (
    account_id   TEXT NOT NULL,
    scope        TEXT NOT NULL,
    key          TEXT NOT NULL,
    operation    TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    status       INTEGER NOT NULL,
    body         BLOB NOT NULL,
    created_at   INTEGER NOT NULL,
    expires_at   INTEGER NOT NULL,
    PRIMARY KEY (account_id, scope, key)
);
CREATE INDEX idempotency_records_expires ON idempotency_records (expires_at) WHERE expires_at > 0;
INSERT INTO idempotency_records (account_id, scope, key, operation, request_hash, status, body, created_at, expires_at)
SELECT account_id, 'idempotency_key', key, '', request_hash, status, body, created_at, created_at + 86400000000
FROM idempotency_keys WHERE done = 1 AND body IS NOT NULL;
DROP TABLE idempotency_keys;

-- +goose Down
CREATE TABLE idempotency_keys (
    account_id   TEXT NOT NULL,
    key          TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    done         INTEGER NOT NULL DEFAULT 0,
    lock_token   TEXT NOT NULL,
    locked_until INTEGER NOT NULL,
    status       INTEGER NOT NULL DEFAULT 0,
    body         BLOB,
    created_at   INTEGER NOT NULL,
    PRIMARY KEY (account_id, key)
);
CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at);
INSERT INTO idempotency_keys (account_id, key, request_hash, done, lock_token, locked_until, status, body, created_at)
SELECT account_id, key, request_hash, 1, '', 0, status, body, created_at FROM idempotency_records WHERE scope = 'idempotency_key';
DROP TABLE idempotency_records;
