-- Buyer emails: an account's notification settings (what its emails show
-- of its customer service) and the outbox of emails kessai sent or keeps.

-- +goose Up
CREATE TABLE notification_settings (
    account_id TEXT NOT NULL,
    id         TEXT NOT NULL,
    data       TEXT NOT NULL,
    PRIMARY KEY (account_id, id)
);

CREATE TABLE emails (
    account_id TEXT NOT NULL,
    id         TEXT NOT NULL,
    status     TEXT NOT NULL,
    refund_id  TEXT NOT NULL,
    queued_at  INTEGER NOT NULL,
    data       TEXT NOT NULL,
    PRIMARY KEY (account_id, id)
);
CREATE INDEX emails_status ON emails (account_id, status, id);
CREATE INDEX emails_refund ON emails (account_id, refund_id, id);
-- The age of the oldest pending email, a metric over every account.
CREATE INDEX emails_pending ON emails (status, queued_at);

-- +goose Down
DROP TABLE emails;
DROP TABLE notification_settings;
