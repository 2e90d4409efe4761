package jsonapi

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
	"github.com/kessai/kessai/accounts"
	"github.com/kessai/kessai/engine"
	"github.com/kessai/kessai/httpface"
)

// IdempotencyKeyTTL is how long an Idempotency-Key is remembered.
const IdempotencyKeyTTL = 24 * time.Hour

// Face is one JSON face: its engine, and how it renders results.
type Face struct {
	E   *engine.Engine
	Log *slog.Logger
	// Render converts a domain object to its wire form; values it does not
	// know are marshalled as they are.
	Render func(v any) (any, error)
	// Limiter, when set, limits each account's request rate.
	Limiter *httpface.RateLimiter
}

// NewFace returns a Face; render may be nil (values are marshalled as they
// are).
func NewFace(e *engine.Engine, log *slog.Logger, render func(any) (any, error)) *Face {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if render == nil {
		render = func(v any) (any, error) { return v, nil }
	}
	return &Face{E: e, Log: log, Render: render}
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
// Errors: unauthorized.
func (f *Face) Authenticate(r *http.Request) (*kessai.Account, error) {
	key := SecretKey(r)
	if key == "" {
		return nil, kessai.Errorf(kessai.Unauthorized, "jsonapi.Authenticate", "No API key provided. Use 'Authorization: Bearer sk_…' or HTTP Basic with the secret key as user name.")
	}
	acct, err := accounts.Authenticate(f.E, r.Context(), key)
	if err == nil {
		httpface.SetAccount(r.Context(), acct.ID)
	}
	return acct, err
}

// Router is where a face registers its routes (httpface.Router).
type Router = httpface.Router

// GetFunc handles a read.
type GetFunc func(ctx context.Context, acct *kessai.Account, r *http.Request) (any, error)

// PostFunc handles a write with its raw body. It calls e, the engine handle
// its write must run on: under a request's Idempotency-Key, the handle of
// engine.Run.
type PostFunc func(ctx context.Context, e *engine.Engine, acct *kessai.Account, r *http.Request, body []byte) (any, error)

// Get wraps a read handler: authenticate, run, render.
func (f *Face) Get(fn GetFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		acct, err := f.Authenticate(r)
		if err != nil {
			f.Fail(w, r, err)
			return
		}
		if !f.limit(w, r, acct) {
			return
		}
		sim, err := httpface.ParseSimulation(r, acct)
		if err != nil {
			f.Fail(w, r, err)
			return
		}
		sim.Wait(r.Context())
		res, err := fn(r.Context(), acct, r)
		if err != nil {
			f.Fail(w, r, err)
			return
		}
		f.ok(w, r, res)
	}
}

// Fail answers err as a problem document; an internal error is logged.
func (f *Face) Fail(w http.ResponseWriter, r *http.Request, err error) {
	if kessai.ErrorCode(err) == kessai.Internal {
		f.Log.ErrorContext(r.Context(), "request failed", "path", r.URL.Path, "err", err)
	}
	WriteProblem(w, r, err)
}

func (f *Face) ok(w http.ResponseWriter, r *http.Request, res any) {
	body, err := f.renderBody(res)
	if err != nil {
		f.Fail(w, r, kessai.WrapInternal("jsonapi.render", err))
		return
	}
	writeRaw(w, http.StatusOK, "application/json", body)
}

func (f *Face) renderBody(res any) ([]byte, error) {
	v, err := f.Render(res)
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

// Post wraps a write handler: authenticate, read the body, run, render.
// With an Idempotency-Key, the handler's write runs under it (see
// engine.Run): the response is stored in the write's transaction
// and replayed byte for byte, with Idempotent-Replayed: true, to the same
// request again.
func (f *Face) Post(fn PostFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		acct, err := f.Authenticate(r)
		if err != nil {
			f.Fail(w, r, err)
			return
		}
		if !f.limit(w, r, acct) {
			return
		}
		sim, err := httpface.ParseSimulation(r, acct)
		if err != nil {
			f.Fail(w, r, err)
			return
		}
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBody))
		var tooLarge *http.MaxBytesError
		switch {
		case errors.As(err, &tooLarge):
			f.Fail(w, r, kessai.Errorf(kessai.TooLarge, "jsonapi.Post", "The request body is larger than %d bytes.", MaxBody))
			return
		case err != nil:
			f.Fail(w, r, kessai.Errorf(kessai.Malformed, "jsonapi.Post", "The request body could not be read."))
			return
		}
		ctx := r.Context()
		var key *engine.Key
		if r.Header.Values("Idempotency-Key") != nil {
			k := r.Header.Get("Idempotency-Key")
			if !validKey(k) {
				f.Fail(w, r, kessai.Errorf(kessai.IdempotencyKeyInvalid, "jsonapi.Post", "Idempotency-Key must be 1 to 255 characters of A-Z, a-z, 0-9, '_' and '-'."))
				return
			}
			key = &engine.Key{Scope: kessai.ScopeIdempotencyKey, Key: k, RequestHash: requestHash(r, body), TTL: IdempotencyKeyTTL}
		}
		sim.Wait(ctx)
		var res any
		var out engine.Outcome
		if key != nil {
			out, err = f.E.Run(ctx, *key, f.response(r), func(e *engine.Engine) (any, error) { return fn(ctx, e, acct, r, body) })
			res = out.Result
		} else {
			res, err = fn(ctx, f.E, acct, r, body)
		}
		if after(sim, f, w, r) {
			return
		}
		if out.Done {
			if out.Replayed {
				w.Header().Set("Idempotent-Replayed", "true")
			}
			if out.Status >= 400 {
				var p struct{ Code string }
				_ = json.Unmarshal(out.Body, &p)
				httpface.SetErrorCode(ctx, p.Code)
			}
			writeRaw(w, out.Status, contentTypeFor(out.Status), out.Body)
			return
		}
		if err != nil {
			f.Fail(w, r, err)
			return
		}
		f.ok(w, r, res)
	}
}

// response renders a write's outcome as the bytes to store and send.
func (f *Face) response(r *http.Request) func(result any, failure error) (int, []byte, error) {
	return func(result any, failure error) (int, []byte, error) {
		if failure != nil {
			status, body := ProblemBody(failure, r.URL.Path)
			return status, body, nil
		}
		body, err := f.renderBody(result)
		return http.StatusOK, body, err
	}
}

func requestHash(r *http.Request, body []byte) string {
	h := sha256.New()
	h.Write([]byte(r.Method + " " + r.URL.Path + "?" + r.URL.RawQuery + "\n"))
	h.Write(body)
	return hex.EncodeToString(h.Sum(nil))
}

// ParsePage parses limit (1–100, default 10), starting_after and
// ending_before. Errors: validation_error.
func ParsePage(r *http.Request) (kessai.Page, error) {
	const op = "jsonapi.ParsePage"
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

// PathID returns the {name} path value, or not found when it cannot be one
// of ours with the prefix (an empty prefix accepts merchant-chosen ids).
func PathID(r *http.Request, name, prefix, what string) (string, error) {
	id := r.PathValue(name)
	ok := kessai.ValidCustomID(id)
	if prefix != "" {
		ok = kessai.ValidID(prefix, id)
	}
	if !ok {
		return "", kessai.Errorf(kessai.NotFound, "jsonapi.PathID", "%s: %s not found.", what, id)
	}
	return id, nil
}
