-- The dashboard lists refunds of every face by creation time: ids do not
-- sort by it across faces (Amazon's S…-R… sort before every re_…). The
-- column is filled for the rows written before from the document's
-- created_at, in the microseconds that the store writes (Go's UnixMicro:
-- the fraction truncated to six digits before PostgreSQL, which would
-- round it, reads it; the zero time is 0).

-- +goose Up
ALTER TABLE refunds ADD COLUMN created_at BIGINT NOT NULL DEFAULT 0;
UPDATE refunds SET created_at = (EXTRACT(EPOCH FROM
    regexp_replace(data::jsonb->>'created_at', '(\.[0-9]{6})[0-9]+', '\1')::timestamptz) * 1000000)::bigint
WHERE data::jsonb->>'created_at' IS NOT NULL AND data::jsonb->>'created_at' NOT LIKE '0001-01-01T00:00:00%';
CREATE INDEX refunds_created ON refunds (account_id, created_at, id);

-- +goose Down
DROP INDEX refunds_created;
ALTER TABLE refunds DROP COLUMN created_at;
