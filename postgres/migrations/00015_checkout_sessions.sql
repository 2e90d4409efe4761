-- Checkout sessions: the hosted payment page of PAY.JP v2
-- (checkout/sessions). Line items live in the session's document (at most
-- 100); the typed columns are what lists filter on and what expiry reads.

-- +goose Up
CREATE TABLE checkout_sessions (
    account_id  TEXT COLLATE "C" NOT NULL,
    id          TEXT COLLATE "C" NOT NULL,
    customer_id TEXT COLLATE "C" NOT NULL DEFAULT '',
    status      TEXT COLLATE "C" NOT NULL,
    expires_at  BIGINT NOT NULL,
    data        TEXT NOT NULL,
    PRIMARY KEY (account_id, id)
);
CREATE INDEX checkout_sessions_customer ON checkout_sessions (account_id, customer_id, id);
CREATE INDEX checkout_sessions_status ON checkout_sessions (account_id, status, id);

-- +goose Down
DROP TABLE checkout_sessions;
