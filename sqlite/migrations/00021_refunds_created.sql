-- The dashboard lists refunds of every face by creation time: ids do not
-- sort by it across faces (Amazon's S…-R… sort before every re_…). The
-- column is filled for the rows written before from the document's
-- created_at, in the microseconds that the store writes (Go's UnixMicro:
-- the fraction truncated, not rounded; the zero time is 0).

-- +goose Up
ALTER TABLE refunds ADD COLUMN created_at INTEGER NOT NULL DEFAULT 0;
UPDATE refunds SET created_at = CASE
    WHEN json_extract(CAST(data AS TEXT), '$.created_at') IS NULL
      OR json_extract(CAST(data AS TEXT), '$.created_at') LIKE '0001-01-01T00:00:00%' THEN 0
    ELSE CAST(strftime('%s', json_extract(CAST(data AS TEXT), '$.created_at')) AS INTEGER) * 1000000
       + CASE WHEN substr(json_extract(CAST(data AS TEXT), '$.created_at'), 20, 1) = '.'
         -- the fraction's digits: from the 21st character to the zone
         -- ("Z", or "+09:00"), padded and cut to six
         THEN CAST(substr(substr(json_extract(CAST(data AS TEXT), '$.created_at'), 21,
                  length(json_extract(CAST(data AS TEXT), '$.created_at')) - 20
                  - CASE WHEN json_extract(CAST(data AS TEXT), '$.created_at') LIKE '%Z' THEN 1 ELSE 6 END) || '000000', 1, 6) AS INTEGER)
         ELSE 0 END
END;
CREATE INDEX refunds_created ON refunds (account_id, created_at, id);

-- +goose Down
DROP INDEX refunds_created;
ALTER TABLE refunds DROP COLUMN created_at;
