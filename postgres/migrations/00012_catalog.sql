-- The catalog of Checkout: products, their prices, and tax rates (PAY.JP
-- v2's products, prices and tax_rates).

-- +goose Up
CREATE TABLE products (
    account_id TEXT COLLATE "C" NOT NULL,
    id         TEXT COLLATE "C" NOT NULL,
    data       TEXT NOT NULL,
    PRIMARY KEY (account_id, id)
);
CREATE TABLE prices (
    account_id TEXT COLLATE "C" NOT NULL,
    id         TEXT COLLATE "C" NOT NULL,
    product_id TEXT COLLATE "C" NOT NULL,
    lookup_key TEXT COLLATE "C" NOT NULL DEFAULT '',
    data       TEXT NOT NULL,
    PRIMARY KEY (account_id, id)
);
CREATE INDEX prices_product ON prices (account_id, product_id, id);
CREATE INDEX prices_lookup_key ON prices (account_id, lookup_key, id);
CREATE TABLE tax_rates (
    account_id TEXT COLLATE "C" NOT NULL,
    id         TEXT COLLATE "C" NOT NULL,
    data       TEXT NOT NULL,
    PRIMARY KEY (account_id, id)
);

-- +goose Down
DROP TABLE tax_rates;
DROP TABLE prices;
DROP TABLE products;
