package sqlstore

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/kessai/kessai"
)

// BackfillCoreObjects is migration 4, the data half of migration 3 (one
// core for two faces), shared by both dialects. Every payment flow written
// before it held its one authorization and one capture as fields; this
// makes them objects:
//
//   - a flow that was authorized gets authorization auth_<its id's suffix>
//     (open while requires_capture, closed once captured, canceled or
//     expired), and one that succeeded gets capture cap_<suffix>;
//   - its refunds point at that capture, which counts them and their
//     amount (refunds not failed or canceled);
//   - its ledger accounts payment:{id}:authorized, :captured and
//     :refund_pending are renamed to the authorization's and capture's, so
//     every balance stays what it was;
//   - payments get their kind and core state, refunds their amount column.
//
// The ids are derived from the flow's, so the migration is deterministic and
// the new objects sort where their flow does.
func BackfillCoreObjects(ctx context.Context, tx *sql.Tx) error {
	type ref struct{ account, id string }
	var payments []ref
	rows, err := tx.QueryContext(ctx, `SELECT account_id, id FROM payments ORDER BY account_id, id`)
	if err != nil {
		return fmt.Errorf("backfill: %w", err)
	}
	for rows.Next() {
		var r ref
		if err := rows.Scan(&r.account, &r.id); err != nil {
			rows.Close()
			return err
		}
		payments = append(payments, r)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, p := range payments {
		if err := backfillPayment(ctx, tx, p.account, p.id); err != nil {
			return fmt.Errorf("backfill payment %s: %w", p.id, err)
		}
	}
	return nil
}

// legacyFlow is what a flow document held before the core objects.
type legacyFlow struct {
	Status               string     `json:"status"`
	Currency             string     `json:"currency"`
	Livemode             bool       `json:"livemode"`
	AuthorizedAmount     int64      `json:"authorized_amount"`
	AmountReceived       int64      `json:"amount_received"`
	AmountRefunded       int64      `json:"amount_refunded"`
	PaymentMethodType    string     `json:"payment_method_type"`
	CancellationReason   *string    `json:"cancellation_reason"`
	ConfirmedAt          *time.Time `json:"confirmed_at"`
	AuthorizationExpires *time.Time `json:"authorization_expires_at"`
	UpdatedAt            time.Time  `json:"updated_at"`
}

func backfillPayment(ctx context.Context, tx *sql.Tx, account, id string) error {
	var data []byte
	if err := tx.QueryRowContext(ctx, `SELECT data FROM payments WHERE account_id = $1 AND id = $2`, account, id).Scan(&data); err != nil {
		return err
	}
	var f legacyFlow
	if err := json.Unmarshal(data, &f); err != nil {
		return err
	}
	doc, err := decodeObject(data)
	if err != nil {
		return err
	}
	state := kessai.StateDraft
	switch f.Status {
	case kessai.StatusRequiresCapture:
		state = kessai.StateOpen
	case kessai.StatusSucceeded:
		state = kessai.StateClosed
	case kessai.StatusCanceled:
		state = kessai.StateCanceled
	}
	doc["kind"], doc["state"] = kessai.PaymentFlow, state
	if err := putObject(ctx, tx, `UPDATE payments SET data = $3, state = $4 WHERE account_id = $1 AND id = $2`, doc, account, id, state); err != nil {
		return err
	}
	if f.AuthorizedAmount == 0 || f.ConfirmedAt == nil {
		return nil // never authorized
	}
	suffix := strings.TrimPrefix(id, kessai.PrefixPaymentFlow)
	auth := kessai.Authorization{AccountID: account, ID: kessai.PrefixAuthorization + suffix, Livemode: f.Livemode, PaymentID: id,
		Method: f.PaymentMethodType, Amount: f.AuthorizedAmount, Currency: f.Currency, CapturedAmount: f.AmountReceived,
		State: kessai.AuthClosed, CreatedAt: *f.ConfirmedAt, UpdatedAt: f.UpdatedAt}
	switch {
	case f.Status == kessai.StatusRequiresCapture:
		auth.State = kessai.AuthOpen
		if f.AuthorizationExpires != nil {
			auth.ExpiresAt = *f.AuthorizationExpires
		}
	case f.Status == kessai.StatusSucceeded:
		auth.ReasonCode = kessai.ReasonMaxCapturesProcessed
	case f.CancellationReason != nil && *f.CancellationReason == "expired":
		auth.ReasonCode = kessai.ReasonExpiredUnused
	default:
		auth.ReasonCode = kessai.ReasonSellerClosed
	}
	if err := insertJSON(ctx, tx, `INSERT INTO authorizations (account_id, id, payment_id, reference_id, state, amount, expires_at, data)
		VALUES ($1, $2, $3, '', $4, $5, $6, $7)`, auth, account, auth.ID, id, auth.State, auth.Amount, us(auth.ExpiresAt)); err != nil {
		return err
	}
	if err := renameLedger(ctx, tx, account, "payment:"+id+":authorized", "authorization:"+auth.ID+":held"); err != nil {
		return err
	}
	if f.Status != kessai.StatusSucceeded {
		return nil
	}
	capture := kessai.Capture{AccountID: account, ID: kessai.PrefixCapture + suffix, Livemode: f.Livemode, PaymentID: id,
		AuthorizationID: auth.ID, Method: f.PaymentMethodType, Amount: f.AmountReceived, Currency: f.Currency,
		RefundedAmount: f.AmountRefunded, State: kessai.CaptureCompleted, CreatedAt: *f.ConfirmedAt, UpdatedAt: f.UpdatedAt}
	n, err := backfillRefunds(ctx, tx, account, id, capture.ID)
	if err != nil {
		return err
	}
	capture.RefundCount = n
	if err := insertJSON(ctx, tx, `INSERT INTO captures (account_id, id, payment_id, authorization_id, reference_id, state, amount,
		refunded_amount, refund_count, data) VALUES ($1, $2, $3, $4, '', $5, $6, $7, $8, $9)`,
		capture, account, capture.ID, id, auth.ID, capture.State, capture.Amount, capture.RefundedAmount, capture.RefundCount); err != nil {
		return err
	}
	for _, suffix := range []string{"captured", "refund_pending"} {
		if err := renameLedger(ctx, tx, account, "payment:"+id+":"+suffix, "capture:"+capture.ID+":"+suffix); err != nil {
			return err
		}
	}
	return nil
}

// backfillRefunds points a flow's refunds at its capture and fills their
// amount column; it returns how many there are.
func backfillRefunds(ctx context.Context, tx *sql.Tx, account, paymentID, captureID string) (int, error) {
	rows, err := tx.QueryContext(ctx, `SELECT id, data FROM refunds WHERE account_id = $1 AND payment_id = $2`, account, paymentID)
	if err != nil {
		return 0, err
	}
	type refund struct {
		id   string
		data []byte
	}
	var refunds []refund
	for rows.Next() {
		var r refund
		if err := rows.Scan(&r.id, &r.data); err != nil {
			rows.Close()
			return 0, err
		}
		refunds = append(refunds, r)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, err
	}
	for _, r := range refunds {
		doc, err := decodeObject(r.data)
		if err != nil {
			return 0, err
		}
		amount, err := doc["amount"].(json.Number).Int64()
		if err != nil {
			return 0, fmt.Errorf("refund %s amount: %w", r.id, err)
		}
		doc["capture_id"] = captureID
		if err := putObject(ctx, tx, `UPDATE refunds SET data = $3, capture_id = $4, amount = $5 WHERE account_id = $1 AND id = $2`,
			doc, account, r.id, captureID, amount); err != nil {
			return 0, err
		}
	}
	return len(refunds), nil
}

// decodeObject decodes a stored document keeping every field and number as
// it was.
func decodeObject(data []byte) (map[string]any, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var doc map[string]any
	return doc, dec.Decode(&doc)
}

func putObject(ctx context.Context, tx *sql.Tx, query string, doc map[string]any, account, id string, more ...any) error {
	data, err := json.Marshal(doc)
	if err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, query, append([]any{account, id, data}, more...)...)
	return err
}

func insertJSON(ctx context.Context, tx *sql.Tx, query string, v any, args ...any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, query, append(args, data)...)
	return err
}

func renameLedger(ctx context.Context, tx *sql.Tx, account, from, to string) error {
	_, err := tx.ExecContext(ctx, `UPDATE ledger_entries SET ledger_account = $3 WHERE account_id = $1 AND ledger_account = $2`, account, from, to)
	return err
}

// UndoBackfillCoreObjects is migration 4 down: the ledger accounts of every
// authorization and capture go back to their payment's (a flow has one of
// each), so that migration 3 down can drop the objects' tables.
func UndoBackfillCoreObjects(ctx context.Context, tx *sql.Tx) error {
	type rename struct{ account, from, to string }
	var renames []rename
	for _, q := range []struct {
		query string
		pairs [][2]string // ledger account suffix of the object → of the payment
		kind  string
	}{
		{`SELECT account_id, id, payment_id FROM authorizations`, [][2]string{{"held", "authorized"}}, "authorization"},
		{`SELECT account_id, id, payment_id FROM captures`, [][2]string{{"captured", "captured"}, {"refund_pending", "refund_pending"}}, "capture"},
	} {
		rows, err := tx.QueryContext(ctx, q.query)
		if err != nil {
			return err
		}
		for rows.Next() {
			var account, id, payment string
			if err := rows.Scan(&account, &id, &payment); err != nil {
				rows.Close()
				return err
			}
			for _, p := range q.pairs {
				renames = append(renames, rename{account, q.kind + ":" + id + ":" + p[0], "payment:" + payment + ":" + p[1]})
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
	}
	for _, r := range renames {
		if err := renameLedger(ctx, tx, r.account, r.from, r.to); err != nil {
			return err
		}
	}
	return nil
}
