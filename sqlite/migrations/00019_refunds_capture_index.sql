-- No query lists refunds by capture: a PAY.JP flow's refunds are listed by
-- its payment, and an Amazon capture keeps the ids of its refunds. Its index
-- put every refund on a page of its own in one more B-tree (a capture per
-- flow scatters them), one more page to write for each refund.

-- +goose Up
DROP INDEX refunds_capture;

-- +goose Down
CREATE INDEX refunds_capture ON refunds (account_id, capture_id, id);
