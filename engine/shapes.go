package engine

import (
	"context"
	"encoding/json"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/kessai/kessai"
)

func asPayment(res any, err error) (*kessai.Payment, error) {
	p, _ := res.(*kessai.Payment)
	return p, err
}

func invalidStatus(op, resource string, status string, expected ...string) error {
	return kessai.Errorf(kessai.InvalidStatus, op, "This operation can only be executed when the %s status is %s. The current status is %s.",
		resource, strings.Join(expected, ", "), status)
}

func statusIn(s string, set ...string) bool {
	for _, x := range set {
		if s == x {
			return true
		}
	}
	return false
}

// lockPayment loads a payment and locks it for this transaction.
func (w *W) lockPayment(op, id string) (*kessai.Payment, error) {
	var p kessai.Payment
	if err := get(w.ctx, w.tx, kessai.KindPayment, w.acct.ID, id, true, &p, op, "payment_flow"); err != nil {
		return nil, err
	}
	return &p, w.recheckKey()
}

func (w *W) savePayment(p *kessai.Payment) error {
	p.UpdatedAt = w.now
	if p.Kind == kessai.PaymentFlow || p.Kind == "" {
		p.Kind, p.State = kessai.PaymentFlow, flowState(p.Status)
	}
	return w.tx.Put(w.ctx, p)
}

// jobRef is the payload of jobs that act on one object.
type jobRef struct {
	ID string `json:"id"`
}

// mergeMetadata applies update to base: a "" value deletes its key. Values
// must be strings, integers (json.Number without fraction) or booleans.
// Errors: validation_error, metadata_limit_exceeded.
func mergeMetadata(op string, base, update kessai.Metadata) (kessai.Metadata, error) {
	out := kessai.Metadata{}
	for k, v := range base {
		out[k] = v
	}
	for k, v := range update {
		if k == "" {
			return nil, kessai.Invalidf(op, "metadata", "Metadata keys must not be empty.")
		}
		if utf8.RuneCountInString(k) > MaxMetadataKeyLen {
			return nil, kessai.Errorf(kessai.MetadataLimitExceeded, op, "metadata keys must be at most %d characters. (key: %q)", MaxMetadataKeyLen, k)
		}
		switch x := v.(type) {
		case string:
			if x == "" {
				delete(out, k)
				continue
			}
			if utf8.RuneCountInString(x) > MaxMetadataValueLen {
				return nil, kessai.Errorf(kessai.MetadataLimitExceeded, op, "metadata values must be at most %d characters. (key: %q)", MaxMetadataValueLen, k)
			}
		case bool:
		case json.Number:
			if _, err := x.Int64(); err != nil {
				return nil, kessai.InvalidRule(op, "metadata."+k, kessai.RuleScalar, 0)
			}
		default:
			return nil, kessai.InvalidRule(op, "metadata."+k, kessai.RuleScalar, 0)
		}
		out[k] = v
	}
	if len(out) > MaxMetadataKeys {
		return nil, kessai.Errorf(kessai.MetadataLimitExceeded, op, "metadata must contain %d items or fewer. (current: %d items)", MaxMetadataKeys, len(out))
	}
	return out, nil
}

func checkLen(op, field string, s *string, max int) error {
	if s != nil && utf8.RuneCountInString(*s) > max {
		return kessai.InvalidRule(op, field, kessai.RuleMaxLength, int64(max))
	}
	return nil
}

// getDoc loads one catalog object. Errors: not_found.
func getDoc[T any](ctx context.Context, e *Engine, acct *kessai.Account, kind kessai.Kind, id, what string) (*T, error) {
	op := "engine.Get " + what
	v := new(T)
	err := e.view(ctx, op, func(tx kessai.Tx) error { return get(ctx, tx, kind, acct.ID, id, false, v, op, what) })
	if err != nil {
		return nil, err
	}
	return v, nil
}

// within reports whether t lies in [since, until] (a nil bound is open).
func within(t time.Time, since, until *time.Time) bool {
	return (since == nil || !t.Before(*since)) && (until == nil || !t.After(*until))
}

// Metadata limits (SPEC §3).
const (
	MaxMetadataKeys     = 20
	MaxMetadataKeyLen   = 40
	MaxMetadataValueLen = 500
)
