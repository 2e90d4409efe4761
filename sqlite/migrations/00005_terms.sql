-- Terms: the closing periods of an account's payment transactions (PAY.JP
-- v2's terms). A transaction records the term it counts in.

-- +goose Up
CREATE TABLE terms (
    account_id TEXT NOT NULL,
    id         TEXT NOT NULL,
    state      TEXT NOT NULL,
    start_at   INTEGER NOT NULL,
    data       TEXT NOT NULL,
    PRIMARY KEY (account_id, id)
);
CREATE INDEX terms_state ON terms (account_id, state, id);

-- +goose Down
DROP TABLE terms;
