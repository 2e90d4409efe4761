-- The operator's dashboard: payments of both faces in one list by creation
-- time, searched by email and amount; and the aggregates of refund
-- analysis, kept by the store in the transaction that writes each refund
-- and capture (sqlstore/analytics.go). Migration 14 fills them in for the
-- rows written before.

-- +goose Up
ALTER TABLE payments ADD COLUMN email TEXT COLLATE "C" NOT NULL DEFAULT '';
ALTER TABLE payments ADD COLUMN amount BIGINT NOT NULL DEFAULT 0;
ALTER TABLE payments ADD COLUMN created_at BIGINT NOT NULL DEFAULT 0;
CREATE INDEX payments_created ON payments (account_id, created_at, id);
CREATE INDEX payments_face_created ON payments (account_id, face, created_at, id);
CREATE INDEX payments_state_created ON payments (account_id, state, created_at, id);
CREATE INDEX payments_email_created ON payments (account_id, email, created_at, id);
CREATE INDEX payments_amount_created ON payments (account_id, amount, created_at, id);
-- A payment's ledger postings, for its timeline.
CREATE INDEX ledger_entries_payment ON ledger_entries (account_id, payment_id, seq);

-- Refunds not failed or canceled, per Japan day, face and reason.
CREATE TABLE refund_days (
    account_id TEXT COLLATE "C" NOT NULL,
    day        INTEGER NOT NULL,
    face       TEXT COLLATE "C" NOT NULL,
    reason     TEXT COLLATE "C" NOT NULL,
    n          BIGINT NOT NULL,
    amount     BIGINT NOT NULL,
    PRIMARY KEY (account_id, day, face, reason)
);
-- Completed captures per Japan day and face.
CREATE TABLE capture_days (
    account_id TEXT COLLATE "C" NOT NULL,
    day        INTEGER NOT NULL,
    face       TEXT COLLATE "C" NOT NULL,
    n          BIGINT NOT NULL,
    amount     BIGINT NOT NULL,
    PRIMARY KEY (account_id, day, face)
);
-- Refunds per Japan month and customer (customer id or buyer email).
CREATE TABLE refund_customers (
    account_id TEXT COLLATE "C" NOT NULL,
    month      INTEGER NOT NULL,
    customer   TEXT COLLATE "C" NOT NULL,
    n          BIGINT NOT NULL,
    amount     BIGINT NOT NULL,
    PRIMARY KEY (account_id, month, customer)
);

-- +goose Down
DROP TABLE refund_customers;
DROP TABLE capture_days;
DROP TABLE refund_days;
DROP INDEX ledger_entries_payment;
DROP INDEX payments_amount_created;
DROP INDEX payments_email_created;
DROP INDEX payments_state_created;
DROP INDEX payments_face_created;
DROP INDEX payments_created;
ALTER TABLE payments DROP COLUMN created_at;
ALTER TABLE payments DROP COLUMN amount;
ALTER TABLE payments DROP COLUMN email;
