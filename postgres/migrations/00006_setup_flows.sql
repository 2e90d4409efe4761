-- Setup flows: saving a payment method for later payments (PAY.JP v2's
-- setup_flows).

-- +goose Up
CREATE TABLE setup_flows (
    account_id  TEXT COLLATE "C" NOT NULL,
    id          TEXT COLLATE "C" NOT NULL,
    customer_id TEXT COLLATE "C" NOT NULL DEFAULT '',
    status      TEXT COLLATE "C" NOT NULL,
    data        TEXT NOT NULL,
    PRIMARY KEY (account_id, id)
);
CREATE INDEX setup_flows_customer ON setup_flows (account_id, customer_id, id);
CREATE INDEX setup_flows_status ON setup_flows (account_id, status, id);

-- +goose Down
DROP TABLE setup_flows;
