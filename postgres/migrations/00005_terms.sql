-- Terms: the closing periods of an account's payment transactions (PAY.JP
-- v2's terms). A transaction records the term it counts in.

-- +goose Up
CREATE TABLE terms (
    account_id TEXT COLLATE "C" NOT NULL,
    id         TEXT COLLATE "C" NOT NULL,
    state      TEXT COLLATE "C" NOT NULL,
    start_at   BIGINT NOT NULL,
    data       TEXT NOT NULL,
    PRIMARY KEY (account_id, id)
);
CREATE INDEX terms_state ON terms (account_id, state, id);

-- +goose Down
DROP TABLE terms;
