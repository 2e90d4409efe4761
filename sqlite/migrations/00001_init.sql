-- kessai schema, SQLite dialect. Times are Unix microseconds (UTC).
-- Objects are JSON documents in `data` with the columns that lists filter on.
--
-- Every statement is IF NOT EXISTS: a database created before goose (by
-- the hand-written migrator, which recorded version 1 in schema_migrations)
-- already has all of it, and goose then only records version 1.

-- +goose Up
CREATE TABLE IF NOT EXISTS accounts (
    id                TEXT PRIMARY KEY,
    secret_key_hash   TEXT NOT NULL UNIQUE,
    mws_access_key_id TEXT NOT NULL UNIQUE,
    mws_seller_id     TEXT NOT NULL UNIQUE,
    clock_offset_us   INTEGER NOT NULL DEFAULT 0,
    data              TEXT NOT NULL,
    created_at        INTEGER NOT NULL
);

CREATE TABLE IF NOT EXISTS settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE IF NOT EXISTS customers (
    account_id TEXT NOT NULL,
    id         TEXT NOT NULL,
    data       TEXT NOT NULL,
    PRIMARY KEY (account_id, id)
);

CREATE TABLE IF NOT EXISTS payment_methods (
    account_id  TEXT NOT NULL,
    id          TEXT NOT NULL,
    customer_id TEXT NOT NULL DEFAULT '',
    data        TEXT NOT NULL,
    PRIMARY KEY (account_id, id)
);
CREATE INDEX IF NOT EXISTS payment_methods_customer ON payment_methods (account_id, customer_id, id);

CREATE TABLE IF NOT EXISTS payments (
    account_id  TEXT NOT NULL,
    id          TEXT NOT NULL,
    customer_id TEXT NOT NULL DEFAULT '',
    status      TEXT NOT NULL,
    data        TEXT NOT NULL,
    PRIMARY KEY (account_id, id)
);
CREATE INDEX IF NOT EXISTS payments_customer ON payments (account_id, customer_id, id);
CREATE INDEX IF NOT EXISTS payments_status ON payments (account_id, status, id);

CREATE TABLE IF NOT EXISTS refunds (
    account_id TEXT NOT NULL,
    id         TEXT NOT NULL,
    payment_id TEXT NOT NULL,
    reason     TEXT NOT NULL DEFAULT '',
    status     TEXT NOT NULL,
    data       TEXT NOT NULL,
    PRIMARY KEY (account_id, id)
);
CREATE INDEX IF NOT EXISTS refunds_payment ON refunds (account_id, payment_id, id);
CREATE INDEX IF NOT EXISTS refunds_reason ON refunds (account_id, reason, id);
CREATE INDEX IF NOT EXISTS refunds_status ON refunds (account_id, status, id);

CREATE TABLE IF NOT EXISTS payment_transactions (
    account_id          TEXT NOT NULL,
    id                  TEXT NOT NULL,
    type                TEXT NOT NULL,
    payment_method_type TEXT NOT NULL,
    resource_id         TEXT NOT NULL,
    data                TEXT NOT NULL,
    PRIMARY KEY (account_id, id)
);
CREATE INDEX IF NOT EXISTS payment_transactions_type ON payment_transactions (account_id, type, id);
CREATE INDEX IF NOT EXISTS payment_transactions_resource ON payment_transactions (account_id, resource_id, id);

CREATE TABLE IF NOT EXISTS events (
    account_id  TEXT NOT NULL,
    id          TEXT NOT NULL,
    type        TEXT NOT NULL,
    object      TEXT NOT NULL,
    resource_id TEXT NOT NULL,
    data        TEXT NOT NULL,
    PRIMARY KEY (account_id, id)
);
CREATE INDEX IF NOT EXISTS events_type ON events (account_id, type, id);
CREATE INDEX IF NOT EXISTS events_resource ON events (account_id, resource_id, id);
CREATE INDEX IF NOT EXISTS events_object ON events (account_id, object, id);

CREATE TABLE IF NOT EXISTS ledger_entries (
    seq            INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id     TEXT NOT NULL,
    txn_id         TEXT NOT NULL,
    payment_id     TEXT NOT NULL,
    ledger_account TEXT NOT NULL,
    currency       TEXT NOT NULL,
    amount         INTEGER NOT NULL,
    created_at     INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS ledger_entries_account ON ledger_entries (account_id, ledger_account, currency);
CREATE INDEX IF NOT EXISTS ledger_entries_txn ON ledger_entries (account_id, txn_id);

CREATE TABLE IF NOT EXISTS idempotency_keys (
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
CREATE INDEX IF NOT EXISTS idempotency_keys_created ON idempotency_keys (created_at);

CREATE TABLE IF NOT EXISTS jobs (
    id           TEXT PRIMARY KEY,
    account_id   TEXT NOT NULL,
    kind         TEXT NOT NULL,
    payload      TEXT NOT NULL,
    state        TEXT NOT NULL,
    attempts     INTEGER NOT NULL DEFAULT 0,
    max_attempts INTEGER NOT NULL,
    run_at       INTEGER NOT NULL,
    due_at       INTEGER NOT NULL,
    locked_by    TEXT NOT NULL DEFAULT '',
    locked_until INTEGER NOT NULL DEFAULT 0,
    last_error   TEXT NOT NULL DEFAULT '',
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS jobs_due ON jobs (state, due_at);
CREATE INDEX IF NOT EXISTS jobs_lease ON jobs (state, locked_until);
CREATE INDEX IF NOT EXISTS jobs_account ON jobs (account_id, state, due_at);

-- +goose Down
DROP TABLE IF EXISTS jobs;
DROP TABLE IF EXISTS idempotency_keys;
DROP TABLE IF EXISTS ledger_entries;
DROP TABLE IF EXISTS events;
DROP TABLE IF EXISTS payment_transactions;
DROP TABLE IF EXISTS refunds;
DROP TABLE IF EXISTS payments;
DROP TABLE IF EXISTS payment_methods;
DROP TABLE IF EXISTS customers;
DROP TABLE IF EXISTS settings;
DROP TABLE IF EXISTS accounts;
