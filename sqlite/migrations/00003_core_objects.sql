-- One core for two faces: authorizations and captures become objects of
-- their own, refunds point at their capture, and what the rules and lists
-- filter or sum on gets typed, indexed columns. Rows written before this
-- migration are backfilled by the next one.

-- +goose Up
ALTER TABLE payments ADD COLUMN state TEXT NOT NULL DEFAULT '';
CREATE INDEX payments_state ON payments (account_id, state, id);

CREATE TABLE authorizations (
    account_id   TEXT NOT NULL,
    id           TEXT NOT NULL,
    payment_id   TEXT NOT NULL,
    reference_id TEXT NOT NULL,
    state        TEXT NOT NULL,
    amount       INTEGER NOT NULL,
    expires_at   INTEGER NOT NULL,
    data         TEXT NOT NULL,
    PRIMARY KEY (account_id, id)
);
CREATE INDEX authorizations_payment ON authorizations (account_id, payment_id, id);
CREATE INDEX authorizations_state ON authorizations (account_id, state, id);
CREATE INDEX authorizations_expiry ON authorizations (account_id, state, expires_at);
CREATE UNIQUE INDEX authorizations_reference ON authorizations (account_id, reference_id) WHERE reference_id <> '';

CREATE TABLE captures (
    account_id       TEXT NOT NULL,
    id               TEXT NOT NULL,
    payment_id       TEXT NOT NULL,
    authorization_id TEXT NOT NULL,
    reference_id     TEXT NOT NULL,
    state            TEXT NOT NULL,
    amount           INTEGER NOT NULL,
    refunded_amount  INTEGER NOT NULL,
    refund_count     INTEGER NOT NULL,
    data             TEXT NOT NULL,
    PRIMARY KEY (account_id, id)
);
CREATE INDEX captures_payment ON captures (account_id, payment_id, id);
CREATE INDEX captures_authorization ON captures (account_id, authorization_id, id);
CREATE INDEX captures_state ON captures (account_id, state, id);
CREATE UNIQUE INDEX captures_reference ON captures (account_id, reference_id) WHERE reference_id <> '';

ALTER TABLE refunds ADD COLUMN capture_id TEXT NOT NULL DEFAULT '';
ALTER TABLE refunds ADD COLUMN reference_id TEXT NOT NULL DEFAULT '';
ALTER TABLE refunds ADD COLUMN amount INTEGER NOT NULL DEFAULT 0;
CREATE INDEX refunds_capture ON refunds (account_id, capture_id, id);
CREATE UNIQUE INDEX refunds_reference ON refunds (account_id, reference_id) WHERE reference_id <> '';

-- Each face lists only its own payments, refunds and events.
ALTER TABLE payments ADD COLUMN face TEXT NOT NULL DEFAULT 'payjp';
ALTER TABLE refunds ADD COLUMN face TEXT NOT NULL DEFAULT 'payjp';
ALTER TABLE events ADD COLUMN face TEXT NOT NULL DEFAULT 'payjp';
CREATE INDEX payments_face ON payments (account_id, face, id);
CREATE INDEX refunds_face ON refunds (account_id, face, id);
CREATE INDEX events_face ON events (account_id, face, id);

-- Transactions are listed by payment method type too.
CREATE INDEX payment_transactions_method ON payment_transactions (account_id, payment_method_type, id);

-- +goose Down
DROP INDEX events_face;
DROP INDEX refunds_face;
DROP INDEX payments_face;
ALTER TABLE events DROP COLUMN face;
ALTER TABLE refunds DROP COLUMN face;
ALTER TABLE payments DROP COLUMN face;
DROP INDEX payment_transactions_method;
DROP INDEX refunds_reference;
DROP INDEX refunds_capture;
ALTER TABLE refunds DROP COLUMN amount;
ALTER TABLE refunds DROP COLUMN reference_id;
ALTER TABLE refunds DROP COLUMN capture_id;
DROP TABLE captures;
DROP TABLE authorizations;
DROP INDEX payments_state;
ALTER TABLE payments DROP COLUMN state;
