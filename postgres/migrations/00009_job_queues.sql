-- Job queues: jobs that talk to the outside world (webhook and email
-- deliveries) form the notify queue, which workers run concurrently and
-- outside any transaction, beside the default queue of the business's own
-- transitions. Each claim searches the index of its own queue.

-- +goose Up
ALTER TABLE jobs ADD COLUMN queue TEXT COLLATE "C" NOT NULL DEFAULT '';
DROP INDEX jobs_due;
DROP INDEX jobs_lease;
CREATE INDEX jobs_due ON jobs (queue, state, due_at);
CREATE INDEX jobs_lease ON jobs (queue, state, locked_until);

-- +goose Down
DROP INDEX jobs_lease;
DROP INDEX jobs_due;
ALTER TABLE jobs DROP COLUMN queue;
CREATE INDEX jobs_due ON jobs (state, due_at);
CREATE INDEX jobs_lease ON jobs (state, locked_until);
