-- Accounting: fee schedules, payment disputes, statements and balances
-- (PAY.JP v2's payment_disputes, statements and balances). A term's
-- statement reads its payment transactions by the term_id column of
-- migration 16.

-- +goose Up
CREATE TABLE fee_schedules (
    account_id TEXT NOT NULL,
    id         TEXT NOT NULL,
    data       TEXT NOT NULL,
    PRIMARY KEY (account_id, id)
);
CREATE TABLE payment_disputes (
    account_id TEXT NOT NULL,
    id         TEXT NOT NULL,
    payment_id TEXT NOT NULL,
    status     TEXT NOT NULL,
    data       TEXT NOT NULL,
    PRIMARY KEY (account_id, id)
);
CREATE INDEX payment_disputes_payment ON payment_disputes (account_id, payment_id, id);
CREATE INDEX payment_disputes_status ON payment_disputes (account_id, status, id);
CREATE TABLE statements (
    account_id TEXT NOT NULL,
    id         TEXT NOT NULL,
    term_id    TEXT NOT NULL,
    type       TEXT NOT NULL,
    data       TEXT NOT NULL,
    PRIMARY KEY (account_id, id)
);
CREATE INDEX statements_term ON statements (account_id, term_id, id);
CREATE INDEX statements_type ON statements (account_id, type, id);
CREATE TABLE balances (
    account_id TEXT NOT NULL,
    id         TEXT NOT NULL,
    state      TEXT NOT NULL,
    term_id    TEXT NOT NULL,
    data       TEXT NOT NULL,
    PRIMARY KEY (account_id, id)
);
CREATE INDEX balances_state ON balances (account_id, state, id);
CREATE INDEX balances_term ON balances (account_id, term_id, id);

-- +goose Down
DROP TABLE balances;
DROP TABLE statements;
DROP TABLE payment_disputes;
DROP TABLE fee_schedules;
