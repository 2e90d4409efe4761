-- Setup flows: saving a payment method for later payments (PAY.JP v2's
-- setup_flows).

-- +goose Up
CREATE TABLE setup_flows (
    account_id  TEXT NOT NULL,
    id          TEXT NOT NULL,
    customer_id TEXT NOT NULL DEFAULT '',
    status      TEXT NOT NULL,
    data        TEXT NOT NULL,
    PRIMARY KEY (account_id, id)
);
CREATE INDEX setup_flows_customer ON setup_flows (account_id, customer_id, id);
CREATE INDEX setup_flows_status ON setup_flows (account_id, status, id);

-- +goose Down
DROP TABLE setup_flows;
