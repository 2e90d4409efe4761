-- kessai schema, PostgreSQL dialect. Times are Unix microseconds (UTC).
-- Objects are JSON documents in `data` with the columns that lists filter on.

CREATE TABLE accounts (
    id                TEXT PRIMARY KEY,
    secret_key_hash   TEXT NOT NULL UNIQUE,
    mws_access_key_id TEXT NOT NULL UNIQUE,
    mws_seller_id     TEXT NOT NULL UNIQUE,
    clock_offset_us   BIGINT NOT NULL DEFAULT 0,
    data              TEXT NOT NULL,
    created_at        BIGINT NOT NULL
);

CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE customers (
    account_id TEXT NOT NULL,
    id         TEXT NOT NULL,
    data       TEXT NOT NULL,
    PRIMARY KEY (account_id, id)
);

CREATE TABLE payment_methods (
    account_id  TEXT NOT NULL,
    id          TEXT NOT NULL,
    customer_id TEXT NOT NULL DEFAULT '',
    data        TEXT NOT NULL,
    PRIMARY KEY (account_id, id)
);
CREATE INDEX payment_methods_customer ON payment_methods (account_id, customer_id, id);

CREATE TABLE payments (
    account_id  TEXT NOT NULL,
    id          TEXT NOT NULL,
    customer_id TEXT NOT NULL DEFAULT '',
    status      TEXT NOT NULL,
    data        TEXT NOT NULL,
    PRIMARY KEY (account_id, id)
);
CREATE INDEX payments_customer ON payments (account_id, customer_id, id);
CREATE INDEX payments_status ON payments (account_id, status, id);

CREATE TABLE refunds (
    account_id TEXT NOT NULL,
    id         TEXT NOT NULL,
    payment_id TEXT NOT NULL,
    reason     TEXT NOT NULL DEFAULT '',
    status     TEXT NOT NULL,
    data       TEXT NOT NULL,
    PRIMARY KEY (account_id, id)
);
CREATE INDEX refunds_payment ON refunds (account_id, payment_id, id);
CREATE INDEX refunds_reason ON refunds (account_id, reason, id);
CREATE INDEX refunds_status ON refunds (account_id, status, id);

CREATE TABLE payment_transactions (
    account_id          TEXT NOT NULL,
    id                  TEXT NOT NULL,
    type                TEXT NOT NULL,
    payment_method_type TEXT NOT NULL,
    resource_id         TEXT NOT NULL,
    data                TEXT NOT NULL,
    PRIMARY KEY (account_id, id)
);
CREATE INDEX payment_transactions_type ON payment_transactions (account_id, type, id);
CREATE INDEX payment_transactions_resource ON payment_transactions (account_id, resource_id, id);

CREATE TABLE events (
    account_id  TEXT NOT NULL,
    id          TEXT NOT NULL,
    type        TEXT NOT NULL,
    object      TEXT NOT NULL,
    resource_id TEXT NOT NULL,
    data        TEXT NOT NULL,
    PRIMARY KEY (account_id, id)
);
CREATE INDEX events_type ON events (account_id, type, id);
CREATE INDEX events_resource ON events (account_id, resource_id, id);
CREATE INDEX events_object ON events (account_id, object, id);

CREATE TABLE ledger_entries (
    seq            BIGSERIAL PRIMARY KEY,
    account_id     TEXT NOT NULL,
    txn_id         TEXT NOT NULL,
    payment_id     TEXT NOT NULL,
    ledger_account TEXT NOT NULL,
    currency       TEXT NOT NULL,
    amount         BIGINT NOT NULL,
    created_at     BIGINT NOT NULL
);
CREATE INDEX ledger_entries_account ON ledger_entries (account_id, ledger_account, currency);
CREATE INDEX ledger_entries_txn ON ledger_entries (account_id, txn_id);

CREATE TABLE idempotency_keys (
    account_id   TEXT NOT NULL,
    key          TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    done         BIGINT NOT NULL DEFAULT 0,
    lock_token   TEXT NOT NULL,
    locked_until BIGINT NOT NULL,
    status       BIGINT NOT NULL DEFAULT 0,
    body         BYTEA,
    created_at   BIGINT NOT NULL,
    PRIMARY KEY (account_id, key)
);
CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at);

CREATE TABLE jobs (
    id           TEXT PRIMARY KEY,
    account_id   TEXT NOT NULL,
    kind         TEXT NOT NULL,
    payload      TEXT NOT NULL,
    state        TEXT NOT NULL,
    attempts     BIGINT NOT NULL DEFAULT 0,
    max_attempts BIGINT NOT NULL,
    run_at       BIGINT NOT NULL,
    due_at       BIGINT NOT NULL,
    locked_by    TEXT NOT NULL DEFAULT '',
    locked_until BIGINT NOT NULL DEFAULT 0,
    last_error   TEXT NOT NULL DEFAULT '',
    created_at   BIGINT NOT NULL,
    updated_at   BIGINT NOT NULL
);
CREATE INDEX jobs_due ON jobs (state, due_at);
CREATE INDEX jobs_lease ON jobs (state, locked_until);
CREATE INDEX jobs_account ON jobs (account_id, state, due_at);
