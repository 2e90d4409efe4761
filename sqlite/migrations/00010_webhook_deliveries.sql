-- Webhook deliveries: one per event and endpoint, written in the event's
-- transaction with the job that makes it, and the log of its attempts.

-- +goose Up
CREATE TABLE webhook_deliveries (
    account_id  TEXT NOT NULL,
    id          TEXT NOT NULL,
    endpoint_id TEXT NOT NULL,
    event_id    TEXT NOT NULL,
    status      TEXT NOT NULL,
    queued_at   INTEGER NOT NULL,
    data        TEXT NOT NULL,
    PRIMARY KEY (account_id, id)
);
CREATE INDEX webhook_deliveries_endpoint ON webhook_deliveries (account_id, endpoint_id, id);
CREATE INDEX webhook_deliveries_event ON webhook_deliveries (account_id, event_id, id);
CREATE INDEX webhook_deliveries_status ON webhook_deliveries (account_id, status, id);
-- The age of the oldest pending delivery, a metric over every account, is
-- read through this one, like the job queue's claim indexes.
CREATE INDEX webhook_deliveries_pending ON webhook_deliveries (status, queued_at);

-- +goose Down
DROP TABLE webhook_deliveries;
