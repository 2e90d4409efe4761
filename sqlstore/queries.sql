-- Queries shared by both dialects. Tokens replaced per dialect and table:
--   {{for_update}}  " FOR UPDATE" on PostgreSQL; SQLite serialises writers with BEGIN IMMEDIATE
--   {{skip_locked}} " FOR UPDATE SKIP LOCKED" on PostgreSQL
--   {{table}} {{columns}} {{placeholders}} {{sets}}  document tables (see docTables)
--   {{filters}}  a list's conditions, one "AND col = $n" per filter it sets (see listQuery)

-- name: insert_account
INSERT INTO accounts (id, secret_key_hash, mws_access_key_id, mws_seller_id, clock_offset_us, data, created_at)
VALUES ($1, $2, $3, $4, $5, $6, $7)

-- name: account_by_secret_hash
SELECT data, clock_offset_us FROM accounts WHERE secret_key_hash = $1
UNION ALL
SELECT data, clock_offset_us FROM accounts WHERE previous_secret_key_hash = $1
LIMIT 1

-- name: update_account_keys
UPDATE accounts SET secret_key_hash = $2, previous_secret_key_hash = $3, data = $4 WHERE id = $1

-- name: account_by_mws_access_key
SELECT data, clock_offset_us FROM accounts WHERE mws_access_key_id = $1

-- name: account_by_id
SELECT data, clock_offset_us,
       EXISTS (SELECT 1 FROM webhook_endpoints e WHERE e.account_id = accounts.id AND e.status = 'enabled')
FROM accounts WHERE id = $1

-- name: account_by_id_locked
SELECT data, clock_offset_us,
       EXISTS (SELECT 1 FROM webhook_endpoints e WHERE e.account_id = accounts.id AND e.status = 'enabled')
FROM accounts WHERE id = $1{{for_update}}

-- name: account_with_idempotency
SELECT a.data, a.clock_offset_us,
       EXISTS (SELECT 1 FROM webhook_endpoints e WHERE e.account_id = a.id AND e.status = 'enabled'),
       r.operation, r.request_hash, r.status, r.body, r.created_at, r.expires_at
FROM accounts a
LEFT JOIN idempotency_records r ON r.account_id = a.id AND r.scope = $2 AND r.key = $3
WHERE a.id = $1

-- name: set_account_clock
UPDATE accounts SET clock_offset_us = $2 WHERE id = $1

-- name: setting
SELECT value FROM settings WHERE key = $1

-- name: put_setting
INSERT INTO settings (key, value) VALUES ($1, $2)
ON CONFLICT (key) DO UPDATE SET value = excluded.value

-- name: doc_insert
INSERT INTO {{table}} (account_id, id, data{{columns}}) VALUES ($1, $2, $3{{placeholders}})

-- name: doc_get
SELECT data FROM {{table}} WHERE account_id = $1 AND id = $2

-- name: doc_get_locked
SELECT data FROM {{table}} WHERE account_id = $1 AND id = $2{{for_update}}

-- name: doc_put
UPDATE {{table}} SET data = $3{{sets}} WHERE account_id = $1 AND id = $2

-- name: doc_put_data
-- doc_put when no typed column changes: SQLite rewrites an index whose
-- column is SET even to its own value.
UPDATE {{table}} SET data = $3 WHERE account_id = $1 AND id = $2

-- name: doc_delete
DELETE FROM {{table}} WHERE account_id = $1 AND id = $2

-- name: doc_list_after
SELECT id, data FROM {{table}} WHERE account_id = $1 AND id < $2{{filters}} ORDER BY id DESC LIMIT $3

-- name: doc_list_before
SELECT id, data FROM {{table}} WHERE account_id = $1 AND id > $2{{filters}} ORDER BY id ASC LIMIT $3

-- name: insert_ledger_entry
INSERT INTO ledger_entries (account_id, txn_id, payment_id, ledger_account, currency, amount, created_at)
VALUES ($1, $2, $3, $4, $5, $6, $7)

-- name: ledger_balance
SELECT COALESCE(SUM(amount), 0) FROM ledger_entries WHERE account_id = $1 AND ledger_account = $2 AND currency = $3

-- name: ledger_balances
SELECT ledger_account, currency, SUM(amount) FROM ledger_entries WHERE account_id = $1 GROUP BY ledger_account, currency

-- name: ledger_movements
SELECT ledger_account, currency, SUM(amount) FROM ledger_entries
WHERE account_id = $1 AND created_at >= $2 AND created_at < $3 GROUP BY ledger_account, currency

-- name: ledger_txn_sums
SELECT txn_id, currency, SUM(amount) FROM ledger_entries WHERE account_id = $1 GROUP BY txn_id, currency

-- name: idempotency_get
SELECT operation, request_hash, status, body, created_at, expires_at
FROM idempotency_records WHERE account_id = $1 AND scope = $2 AND key = $3

-- name: idempotency_insert
INSERT INTO idempotency_records (account_id, scope, key, operation, request_hash, status, body, created_at, expires_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)

-- name: idempotency_insert_unless_taken
INSERT INTO idempotency_records (account_id, scope, key, operation, request_hash, status, body, created_at, expires_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
ON CONFLICT (account_id, scope, key) DO NOTHING

-- name: idempotency_purge
DELETE FROM idempotency_records WHERE expires_at > 0 AND expires_at < $1

-- name: job_insert
INSERT INTO jobs (id, account_id, kind, queue, payload, state, attempts, max_attempts, run_at, due_at, locked_by, locked_until, last_error, created_at, updated_at)
VALUES ($1, $2, $3, $11, $4, $5, $6, $7, $8, $9, '', 0, '', $10, $10)

-- name: job_get
SELECT id, account_id, kind, queue, payload, state, attempts, max_attempts, run_at, due_at, locked_by, locked_until, last_error, created_at, updated_at
FROM jobs WHERE id = $1

-- name: job_claim
UPDATE jobs SET state = 'running', locked_by = $2, locked_until = $3, attempts = attempts + 1, updated_at = $1
WHERE id IN (
    SELECT id FROM jobs
    WHERE queue = $6
      AND ((state = 'pending' AND due_at <= $1) OR (state = 'running' AND locked_until <= $1))
      AND ($4 = '' OR account_id = $4)
    ORDER BY due_at, id
    LIMIT $5{{skip_locked}}
)
RETURNING id, account_id, kind, queue, payload, state, attempts, max_attempts, run_at, due_at, locked_by, locked_until, last_error, created_at, updated_at

-- name: job_finish
UPDATE jobs SET state = $3, run_at = $4, due_at = $5, last_error = $6, locked_by = '', locked_until = 0, updated_at = $7, attempts = $8
WHERE id = $1 AND locked_by = $2 AND state = 'running'

-- name: job_shift
UPDATE jobs SET due_at = due_at - $2 WHERE account_id = $1 AND state = 'pending' AND queue = ''

-- name: job_stats
SELECT
    (SELECT COUNT(*) FROM jobs WHERE queue = $2 AND state = 'pending' AND due_at <= $1),
    (SELECT COUNT(*) FROM jobs WHERE queue = $2 AND state = 'running'),
    (SELECT COUNT(*) FROM jobs WHERE queue = $2 AND state = 'failed'),
    (SELECT COALESCE(MIN(due_at), 0) FROM jobs WHERE queue = $2 AND state = 'pending' AND due_at <= $1)

-- name: job_account_running
SELECT COUNT(*) FROM jobs WHERE account_id = $1 AND queue = ''
  AND ((state = 'running' AND locked_until > $2) OR (state = 'pending' AND due_at <= $2))

-- name: job_account_earlier
SELECT COUNT(*) FROM jobs WHERE account_id = $1 AND queue = '' AND kind <> $3 AND run_at < $2
  AND ((state = 'running' AND locked_until > $4) OR (state = 'pending' AND due_at <= $4))

-- name: notify_pending_deliveries
SELECT COUNT(*), COALESCE(MIN(queued_at), 0) FROM webhook_deliveries WHERE status = 'pending'

-- name: notify_pending_emails
SELECT COUNT(*), COALESCE(MIN(queued_at), 0) FROM emails WHERE status = 'pending'

-- name: list_accounts
SELECT data, clock_offset_us FROM accounts WHERE id > $1 ORDER BY id LIMIT $2

-- name: search_payments
SELECT data FROM payments WHERE account_id = $1 AND (created_at, id) < ($2, $3){{filters}}
ORDER BY created_at DESC, id DESC LIMIT $4

-- name: refunds_by_time_after
SELECT data FROM refunds WHERE account_id = $1 AND (created_at, id) < ($2, $3){{filters}}
ORDER BY created_at DESC, id DESC LIMIT $4

-- name: refunds_by_time_before
SELECT data FROM refunds WHERE account_id = $1 AND (created_at, id) > ($2, $3){{filters}}
ORDER BY created_at, id LIMIT $4

-- name: refund_counted
SELECT status, amount FROM refunds WHERE account_id = $1 AND id = $2

-- name: capture_counted
SELECT state, amount FROM captures WHERE account_id = $1 AND id = $2

-- name: payment_customer
SELECT customer_id, email FROM payments WHERE account_id = $1 AND id = $2

-- name: refund_days_add
INSERT INTO refund_days (account_id, day, face, reason, n, amount, shard) VALUES ($1, $2, $3, $4, $5, $6, $7)
ON CONFLICT (account_id, day, face, reason, shard) DO UPDATE SET n = refund_days.n + excluded.n, amount = refund_days.amount + excluded.amount

-- name: capture_days_add
INSERT INTO capture_days (account_id, day, face, n, amount, shard) VALUES ($1, $2, $3, $4, $5, $6)
ON CONFLICT (account_id, day, face, shard) DO UPDATE SET n = capture_days.n + excluded.n, amount = capture_days.amount + excluded.amount

-- name: refund_customers_add
INSERT INTO refund_customers (account_id, month, customer, n, amount, shard) VALUES ($1, $2, $3, $4, $5, $6)
ON CONFLICT (account_id, month, customer, shard) DO UPDATE SET n = refund_customers.n + excluded.n, amount = refund_customers.amount + excluded.amount

-- name: refund_days
SELECT day, face, reason, SUM(n), SUM(amount) FROM refund_days WHERE account_id = $1 AND day >= $2 AND day < $3
GROUP BY day, face, reason ORDER BY day, face, reason

-- name: capture_days
SELECT day, face, SUM(n), SUM(amount) FROM capture_days WHERE account_id = $1 AND day >= $2 AND day < $3
GROUP BY day, face ORDER BY day, face

-- name: top_refund_customers
SELECT customer, SUM(n), SUM(amount) FROM refund_customers WHERE account_id = $1 AND month >= $2 AND month < $3
GROUP BY customer ORDER BY SUM(amount) DESC, customer LIMIT $4

-- name: payment_ledger
SELECT txn_id, ledger_account, currency, amount, created_at FROM ledger_entries
WHERE account_id = $1 AND payment_id = $2 ORDER BY seq
