-- kessai schema, PostgreSQL dialect. Times are Unix microseconds (UTC).
-- Objects are JSON documents in `data` with the columns that lists filter on.
-- Text columns use the "C" collation so that ids sort by byte, whatever the database locale: lists page by id.
--
-- Every statement is IF NOT EXISTS: a database created before goose (by
-- the hand-written migrator, which recorded version 1 in schema_migrations)
-- already has all of it, and goose then only records version 1.

-- +goose Up
CREATE TABLE IF NOT EXISTS accounts (
    id                TEXT COLLATE "C" PRIMARY KEY,
    secret_key_hash   TEXT COLLATE "C" NOT NULL UNIQUE,
    mws_access_key_id TEXT COLLATE "C" NOT NULL UNIQUE,
    mws_seller_id     TEXT COLLATE "C" NOT NULL UNIQUE,
    clock_offset_us   BIGINT NOT NULL DEFAULT 0,
    data              TEXT COLLATE "C" NOT NULL,
    created_at        BIGINT NOT NULL
);

CREATE TABLE IF NOT EXISTS settings (
    key   TEXT COLLATE "C" PRIMARY KEY,
    value TEXT COLLATE "C" NOT NULL
);

CREATE TABLE IF NOT EXISTS customers (
    account_id TEXT COLLATE "C" NOT NULL,
    id         TEXT COLLATE "C" NOT NULL,
    data       TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (account_id, id)
);

CREATE TABLE IF NOT EXISTS payment_methods (
    account_id  TEXT COLLATE "C" NOT NULL,
    id          TEXT COLLATE "C" NOT NULL,
    customer_id TEXT COLLATE "C" NOT NULL DEFAULT '',
    data        TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (account_id, id)
);
CREATE INDEX IF NOT EXISTS payment_methods_customer ON payment_methods (account_id, customer_id, id);

CREATE TABLE IF NOT EXISTS payments (
    account_id  TEXT COLLATE "C" NOT NULL,
    id          TEXT COLLATE "C" NOT NULL,
    customer_id TEXT COLLATE "C" NOT NULL DEFAULT '',
    status      TEXT COLLATE "C" NOT NULL,
    data        TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (account_id, id)
);
CREATE INDEX IF NOT EXISTS payments_customer ON payments (account_id, customer_id, id);
CREATE INDEX IF NOT EXISTS payments_status ON payments (account_id, status, id);

CREATE TABLE IF NOT EXISTS refunds (
    account_id TEXT COLLATE "C" NOT NULL,
    id         TEXT COLLATE "C" NOT NULL,
    payment_id TEXT COLLATE "C" NOT NULL,
    reason     TEXT COLLATE "C" NOT NULL DEFAULT '',
    status     TEXT COLLATE "C" NOT NULL,
    data       TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (account_id, id)
);
CREATE INDEX IF NOT EXISTS refunds_payment ON refunds (account_id, payment_id, id);
CREATE INDEX IF NOT EXISTS refunds_reason ON refunds (account_id, reason, id);
CREATE INDEX IF NOT EXISTS refunds_status ON refunds (account_id, status, id);

CREATE TABLE IF NOT EXISTS payment_transactions (
    account_id          TEXT COLLATE "C" NOT NULL,
    id                  TEXT COLLATE "C" NOT NULL,
    type                TEXT COLLATE "C" NOT NULL,
    payment_method_type TEXT COLLATE "C" NOT NULL,
    resource_id         TEXT COLLATE "C" NOT NULL,
    data                TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (account_id, id)
);
CREATE INDEX IF NOT EXISTS payment_transactions_type ON payment_transactions (account_id, type, id);
CREATE INDEX IF NOT EXISTS payment_transactions_resource ON payment_transactions (account_id, resource_id, id);

CREATE TABLE IF NOT EXISTS events (
    account_id  TEXT COLLATE "C" NOT NULL,
    id          TEXT COLLATE "C" NOT NULL,
    type        TEXT COLLATE "C" NOT NULL,
    object      TEXT COLLATE "C" NOT NULL,
    resource_id TEXT COLLATE "C" NOT NULL,
    data        TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (account_id, id)
);
CREATE INDEX IF NOT EXISTS events_type ON events (account_id, type, id);
CREATE INDEX IF NOT EXISTS events_resource ON events (account_id, resource_id, id);
CREATE INDEX IF NOT EXISTS events_object ON events (account_id, object, id);

CREATE TABLE IF NOT EXISTS ledger_entries (
    seq            BIGSERIAL PRIMARY KEY,
    account_id     TEXT COLLATE "C" NOT NULL,
    txn_id         TEXT COLLATE "C" NOT NULL,
    payment_id     TEXT COLLATE "C" NOT NULL,
    ledger_account TEXT COLLATE "C" NOT NULL,
    currency       TEXT COLLATE "C" NOT NULL,
    amount         BIGINT NOT NULL,
    created_at     BIGINT NOT NULL
);
CREATE INDEX IF NOT EXISTS ledger_entries_account ON ledger_entries (account_id, ledger_account, currency);
CREATE INDEX IF NOT EXISTS ledger_entries_txn ON ledger_entries (account_id, txn_id);

CREATE TABLE IF NOT EXISTS idempotency_keys (
    account_id   TEXT COLLATE "C" NOT NULL,
    key          TEXT COLLATE "C" NOT NULL,
    request_hash TEXT COLLATE "C" NOT NULL,
    done         BIGINT NOT NULL DEFAULT 0,
    lock_token   TEXT COLLATE "C" NOT NULL,
    locked_until BIGINT NOT NULL,
    status       BIGINT NOT NULL DEFAULT 0,
    body         BYTEA,
    created_at   BIGINT NOT NULL,
    PRIMARY KEY (account_id, key)
);
CREATE INDEX IF NOT EXISTS idempotency_keys_created ON idempotency_keys (created_at);

CREATE TABLE IF NOT EXISTS jobs (
    id           TEXT COLLATE "C" PRIMARY KEY,
    account_id   TEXT COLLATE "C" NOT NULL,
    kind         TEXT COLLATE "C" NOT NULL,
    payload      TEXT COLLATE "C" NOT NULL,
    state        TEXT COLLATE "C" NOT NULL,
    attempts     BIGINT NOT NULL DEFAULT 0,
    max_attempts BIGINT NOT NULL,
    run_at       BIGINT NOT NULL,
    due_at       BIGINT NOT NULL,
    locked_by    TEXT COLLATE "C" NOT NULL DEFAULT '',
    locked_until BIGINT NOT NULL DEFAULT 0,
    last_error   TEXT COLLATE "C" NOT NULL DEFAULT '',
    created_at   BIGINT NOT NULL,
    updated_at   BIGINT NOT NULL
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
