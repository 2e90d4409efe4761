-- Webhook endpoints: where an account's events are delivered (PAY.JP
-- webhooks or Amazon IPNs). The endpoint's signing secrets are sealed in
-- its document; the columns are what writes and lists filter on.

-- +goose Up
CREATE TABLE webhook_endpoints (
    account_id TEXT NOT NULL,
    id         TEXT NOT NULL,
    kind       TEXT NOT NULL,
    status     TEXT NOT NULL,
    data       TEXT NOT NULL,
    PRIMARY KEY (account_id, id)
);
-- Every write that records an event reads the account's enabled endpoints
-- through this index.
CREATE INDEX webhook_endpoints_status ON webhook_endpoints (account_id, status, id);
CREATE INDEX webhook_endpoints_kind ON webhook_endpoints (account_id, kind, id);

-- +goose Down
DROP TABLE webhook_endpoints;
