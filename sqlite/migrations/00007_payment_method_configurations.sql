-- Payment method configurations: which payment method types an account's
-- payments offer by default (PAY.JP v2's payment_method_configurations).

-- +goose Up
CREATE TABLE payment_method_configurations (
    account_id TEXT NOT NULL,
    id         TEXT NOT NULL,
    data       TEXT NOT NULL,
    PRIMARY KEY (account_id, id)
);

-- +goose Down
DROP TABLE payment_method_configurations;
