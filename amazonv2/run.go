package amazonv2

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"

	"github.com/kessai/kessai"
	"github.com/kessai/kessai/engine"
	"github.com/kessai/kessai/httpface"
)

// IdempotencyHeader is API v2's idempotency key.
const IdempotencyHeader = "x-amz-pay-idempotency-key"

// validKey checks an idempotency key: 1 to 32 of [A-Za-z0-9_-].
func validKey(k string) bool {
	if k == "" || len(k) > 32 {
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

// op is an operation made ready to run.
type op struct {
	name   string // the operation, for its idempotency key
	status int    // the status of a success
	// statusOf, when set, is the status of a success of an operation
	// without a key, given what call returned (Complete Checkout Session
	// answers 202 while its charge is pending).
	statusOf func(ctx context.Context, v any) int
	keyed    bool // requires x-amz-pay-idempotency-key
	call     func(ctx context.Context, e *engine.Engine) (any, error)
	render   func(v any) (any, error)
}

// run runs o and answers. A keyed operation runs under its key
// (engine.Run): the response is stored in the write's transaction, kept
// for good, and the same request again gets the same bytes; the same key
// with another request gets DuplicateIdempotencyKey.
func (f *Face) run(w http.ResponseWriter, r *http.Request, o op) {
	ctx := r.Context()
	req := requestOf(r)
	body := func(v any) ([]byte, error) {
		out, err := o.render(v)
		if err != nil {
			return nil, err
		}
		return json.Marshal(out)
	}
	if !o.keyed {
		res, err := o.call(ctx, f.E)
		if f.after(w, r, req.sim) {
			return
		}
		if err != nil {
			f.fail(w, r, err)
			return
		}
		b, err := body(res)
		if err != nil {
			f.fail(w, r, kessai.WrapInternal("amazonv2.render", err))
			return
		}
		status := o.status
		if o.statusOf != nil {
			status = o.statusOf(ctx, res)
		}
		writeJSON(w, status, b)
		return
	}
	k := r.Header.Get(IdempotencyHeader)
	if k == "" {
		f.fail(w, r, refuse(http.StatusBadRequest, "MissingHeader", "The %s header is required on this operation.", IdempotencyHeader))
		return
	}
	if !validKey(k) {
		f.fail(w, r, refuse(http.StatusBadRequest, "InvalidHeaderValue", "%s must be 1 to 32 characters of A-Z, a-z, 0-9, '-' and '_'.", IdempotencyHeader))
		return
	}
	sum := sha256.Sum256(append([]byte(r.Method+" "+r.URL.Path+"\n"), req.body...))
	key := engine.Key{Scope: kessai.ScopeAmazonV2Key, Key: k, Operation: o.name, RequestHash: hex.EncodeToString(sum[:])}
	out, err := f.E.Run(ctx, key, func(res any, failure error) (int, []byte, error) {
		if failure != nil {
			we := errorOf(failure)
			return we.Status, errorBody(we), nil
		}
		b, err := body(res)
		return o.status, b, err
	}, func(e *engine.Engine) (any, error) { return o.call(ctx, e) })
	if f.after(w, r, req.sim) {
		return
	}
	if out.Done {
		writeJSON(w, out.Status, out.Body)
		return
	}
	if err != nil {
		f.fail(w, r, err)
		return
	}
	b, err := body(out.Result)
	if err != nil {
		f.fail(w, r, kessai.WrapInternal("amazonv2.render", err))
		return
	}
	writeJSON(w, o.status, b)
}

// decode reads a JSON body into dst. Unknown fields are ignored, as the
// SDKs send fields kessai does not model. Errors: InvalidRequestFormat.
func decode(body []byte, dst any) error {
	if len(body) == 0 {
		body = []byte("{}")
	}
	if err := json.Unmarshal(body, dst); err != nil {
		return refuse(http.StatusBadRequest, "InvalidRequestFormat", "The request body is not the JSON this operation takes: %s.", clip(err.Error()))
	}
	return nil
}

// baseURL is the listener a request came in on, for the buyer's page.
func baseURL(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

// after misbehaves once the request's write has run, as Kessai-Simulate
// asks in test mode, so that a client can prove its retries are safe:
// true when it answered (or dropped the connection) instead.
func (f *Face) after(w http.ResponseWriter, r *http.Request, sim httpface.Simulation) bool {
	switch {
	case sim.Drop:
		panic(http.ErrAbortHandler)
	case sim.Fail:
		f.fail(w, r, kessai.Errorf(kessai.Internal, "amazonv2.Simulate", "simulated failure after commit (%s)", httpface.SimulateHeader))
		return true
	}
	return false
}
