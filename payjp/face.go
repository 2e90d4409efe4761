// Package payjp is kessai's PAY.JP v2-compatible JSON face: it
// authenticates secret keys (Bearer or Basic), decodes JSON bodies strictly,
// answers errors as RFC 9457 problem documents, makes every POST idempotent
// under an Idempotency-Key, and renders kessai's objects as PAY.JP's.
package payjp

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/kessai/kessai"
	"github.com/kessai/kessai/engine"
)

// Face serves the PAY.JP v2 API.
type Face struct {
	E   *engine.Engine
	Log *slog.Logger
	// IdempotencyLease is how long a request holds its key before another
	// request with the key may take it over (the first is presumed dead).
	IdempotencyLease time.Duration
	// IdempotencyWait is how long a request waits for a concurrent request
	// with the same key to finish before answering idempotency_timeout.
	IdempotencyWait time.Duration
}

// NewFace returns a Face with default settings.
func NewFace(e *engine.Engine, log *slog.Logger) *Face {
	return &Face{E: e, Log: log, IdempotencyLease: 30 * time.Second, IdempotencyWait: 2 * time.Second}
}

// SecretKey extracts the API key of a request: "Bearer sk_…" or HTTP Basic
// with the key as user name.
func SecretKey(r *http.Request) string {
	h := r.Header.Get("Authorization")
	if k, ok := strings.CutPrefix(h, "Bearer "); ok {
		return strings.TrimSpace(k)
	}
	if b, ok := strings.CutPrefix(h, "Basic "); ok {
		raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(b))
		if err != nil {
			return ""
		}
		user, _, _ := strings.Cut(string(raw), ":")
		return user
	}
	return ""
}

// Authenticate returns the account of the request's key.
func (f *Face) Authenticate(r *http.Request) (*kessai.Account, error) {
	key := SecretKey(r)
	if key == "" {
		return nil, kessai.Errorf(kessai.Unauthorized, "payjp.Authenticate", "No API key provided. Use 'Authorization: Bearer sk_…' or HTTP Basic with the secret key as user name.")
	}
	return f.E.Authenticate(r.Context(), key)
}

type getFn func(ctx context.Context, acct *kessai.Account, r *http.Request) (any, error)
type postFn func(ctx context.Context, acct *kessai.Account, r *http.Request, body []byte) (any, error)

// Get wraps a read handler: authenticate, run, render.
func (f *Face) Get(fn getFn) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		acct, err := f.Authenticate(r)
		if err != nil {
			f.fail(w, r, err)
			return
		}
		res, err := fn(r.Context(), acct, r)
		if err != nil {
			f.fail(w, r, err)
			return
		}
		f.ok(w, r, res)
	}
}

func (f *Face) fail(w http.ResponseWriter, r *http.Request, err error) {
	if kessai.ErrorCode(err) == kessai.Internal {
		f.Log.ErrorContext(r.Context(), "request failed", "path", r.URL.Path, "err", err)
	}
	WriteProblem(w, r, err)
}

func (f *Face) ok(w http.ResponseWriter, r *http.Request, res any) {
	body, err := renderBody(res)
	if err != nil {
		f.fail(w, r, kessai.WrapInternal("payjp.render", err))
		return
	}
	writeRaw(w, http.StatusOK, "application/json", body)
}

func renderBody(res any) ([]byte, error) {
	v, err := Render(res)
	if err != nil {
		return nil, err
	}
	return json.Marshal(v)
}

// validKey checks an Idempotency-Key: 1 to 255 of [A-Za-z0-9_-].
func validKey(k string) bool {
	if k == "" || len(k) > 255 {
		return false
	}
	for i := 0; i < len(k); i++ {
		c := k[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

// Post wraps a write handler: authenticate, read the body, honour the
// Idempotency-Key, run, render. With a key, the response is stored in the
// same transaction as the write (engine.Completion), so a replay after a
// crash answers exactly what the first request committed.
func (f *Face) Post(fn postFn) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		acct, err := f.Authenticate(r)
		if err != nil {
			f.fail(w, r, err)
			return
		}
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBody))
		if err != nil {
			f.fail(w, r, kessai.Invalidf("payjp.Post", "body", "Request body too large or unreadable (limit %d bytes).", MaxBody))
			return
		}
		key, keyed := r.Header.Get("Idempotency-Key"), r.Header.Values("Idempotency-Key") != nil
		if !keyed {
			res, err := fn(r.Context(), acct, r, body)
			if err != nil {
				f.fail(w, r, err)
				return
			}
			f.ok(w, r, res)
			return
		}
		if !validKey(key) {
			f.fail(w, r, kessai.Errorf(kessai.IdempotencyKeyInvalid, "payjp.Post", "Idempotency-Key must be 1 to 255 characters of A-Z, a-z, 0-9, '_' and '-'."))
			return
		}
		f.idempotent(w, r, acct, key, body, fn)
	}
}

func requestHash(r *http.Request, body []byte) string {
	h := sha256.New()
	h.Write([]byte(r.Method + " " + r.URL.Path + "?" + r.URL.RawQuery + "\n"))
	h.Write(body)
	return hex.EncodeToString(h.Sum(nil))
}

var (
	errInProgress = errors.New("in progress")
)

func (f *Face) idempotent(w http.ResponseWriter, r *http.Request, acct *kessai.Account, key string, body []byte, fn postFn) {
	const op = "payjp.Idempotency"
	ctx := r.Context()
	hash := requestHash(r, body)
	token := kessai.RandomToken("", 16)
	deadline := time.Now().Add(f.IdempotencyWait)
	var replay *kessai.IdempotencyRecord
	for {
		now := f.E.Clock.Now()
		err := f.E.Store.Update(ctx, func(tx kessai.Tx) error {
			replay = nil
			rec, err := tx.Idempotency(ctx, acct.ID, key)
			if errors.Is(err, kessai.ErrNoRows) {
				return tx.InsertIdempotency(ctx, &kessai.IdempotencyRecord{AccountID: acct.ID, Key: key, RequestHash: hash,
					LockToken: token, LockedUntil: now.Add(f.IdempotencyLease), CreatedAt: now})
			}
			if err != nil {
				return err
			}
			if rec.RequestHash != hash {
				return kessai.Errorf(kessai.IdempotencyConflict, op, "Idempotency-Key %q was used with a different request.", key)
			}
			if rec.Done {
				replay = rec
				return nil
			}
			if rec.LockedUntil.After(now) {
				return errInProgress
			}
			ok, err := tx.TakeOverIdempotency(ctx, acct.ID, key, rec.LockToken, token, now.Add(f.IdempotencyLease))
			if err == nil && !ok {
				return errInProgress
			}
			return err
		})
		if errors.Is(err, kessai.ErrDuplicate) || errors.Is(err, errInProgress) {
			if time.Now().Before(deadline) {
				select {
				case <-ctx.Done():
					return
				case <-time.After(25 * time.Millisecond):
				}
				continue
			}
			f.fail(w, r, kessai.Errorf(kessai.IdempotencyInProgress, op, "A request with Idempotency-Key %q is still being processed; retry with the same key.", key))
			return
		}
		if err != nil {
			f.fail(w, r, kessai.WrapInternal(op, err))
			return
		}
		break
	}
	if replay != nil {
		w.Header().Set("Idempotent-Replayed", "true")
		writeRaw(w, replay.Status, contentTypeFor(replay.Status), replay.Body)
		return
	}

	var stored struct {
		done   bool
		status int
		body   []byte
	}
	comp := func(ctx context.Context, tx kessai.Tx, result any, failure error) error {
		status, b := http.StatusOK, []byte(nil)
		if failure != nil {
			status, b = ProblemBody(failure, r.URL.Path)
		} else {
			var err error
			if b, err = renderBody(result); err != nil {
				return err
			}
		}
		ok, err := tx.CompleteIdempotency(ctx, acct.ID, key, token, status, b)
		if err != nil {
			return err
		}
		if !ok {
			return kessai.Errorf(kessai.IdempotencyInProgress, op, "Idempotency-Key %q was taken over by a retry.", key)
		}
		stored.done, stored.status, stored.body = true, status, b
		return nil
	}
	res, err := fn(engine.WithCompletion(ctx, comp), acct, r, body)
	if stored.done {
		writeRaw(w, stored.status, contentTypeFor(stored.status), stored.body)
		return
	}
	var status int
	var out []byte
	if err != nil {
		status, out = ProblemBody(err, r.URL.Path)
	} else {
		// A handler that wrote nothing (a read through POST) still answers
		// the same on replay.
		var rerr error
		if out, rerr = renderBody(res); rerr != nil {
			f.fail(w, r, kessai.WrapInternal(op, rerr))
			return
		}
		status = http.StatusOK
	}
	cctx := context.WithoutCancel(ctx)
	if status >= 500 {
		// Let a retry run the request again.
		_ = f.E.Store.Update(cctx, func(tx kessai.Tx) error { return tx.DeleteIdempotency(cctx, acct.ID, key, token) })
		f.fail(w, r, err)
		return
	}
	if uerr := f.E.Store.Update(cctx, func(tx kessai.Tx) error {
		_, err := tx.CompleteIdempotency(cctx, acct.ID, key, token, status, out)
		return err
	}); uerr != nil {
		f.Log.ErrorContext(ctx, "store idempotent response", "err", uerr)
	}
	if err != nil && kessai.ErrorCode(err) == kessai.Internal {
		f.Log.ErrorContext(ctx, "request failed", "path", r.URL.Path, "err", err)
	}
	writeRaw(w, status, contentTypeFor(status), out)
}

// page parses limit, starting_after and ending_before.
func page(r *http.Request) (kessai.Page, error) {
	const op = "payjp.page"
	q := r.URL.Query()
	p := kessai.Page{Limit: 10, StartingAfter: q.Get("starting_after"), EndingBefore: q.Get("ending_before")}
	if s := q.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil {
			return p, kessai.Invalidf(op, "limit", "Input should be a valid integer")
		}
		if n < 1 || n > 100 {
			return p, kessai.Invalidf(op, "limit", "Input should be between 1 and 100")
		}
		p.Limit = n
	}
	if p.StartingAfter != "" && p.EndingBefore != "" {
		return p, kessai.Invalidf(op, "starting_after", "Use starting_after or ending_before, not both")
	}
	return p, nil
}

// listOf renders a page as a list object.
func listOf[T any](r *http.Request, items []*T, hasMore bool) (any, error) {
	data := make([]any, 0, len(items))
	for _, it := range items {
		v, err := Render(it)
		if err != nil {
			return nil, err
		}
		data = append(data, v)
	}
	return rawList{listJSON{Object: "list", Data: data, HasMore: hasMore, URL: r.URL.Path}}, nil
}

// rawList is an already rendered value.
type rawList struct{ v listJSON }

// pathID returns the {id} path value, or not found when it cannot be one of
// ours with the prefix (an empty prefix accepts merchant-chosen ids).
func pathID(r *http.Request, name, prefix, what string) (string, error) {
	id := r.PathValue(name)
	ok := kessai.ValidCustomID(id)
	if prefix != "" {
		ok = kessai.ValidID(prefix, id)
	}
	if !ok {
		return "", kessai.Errorf(kessai.NotFound, "payjp.pathID", "%s: %s not found.", what, id)
	}
	return id, nil
}
