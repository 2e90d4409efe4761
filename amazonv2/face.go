package amazonv2

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/kessai/kessai"
	"github.com/kessai/kessai/amazonpay"
	"github.com/kessai/kessai/engine"
	"github.com/kessai/kessai/httpface"
)

// The path prefixes of the two environments, and the one the SDKs use
// when the public key id names its environment.
const (
	SandboxPrefix = "/sandbox/v2/"
	LivePrefix    = "/live/v2/"
	V2Prefix      = "/v2/"
)

// SimulationHeader carries Amazon's sandbox simulation strings.
const SimulationHeader = "x-amz-pay-simulation-code"

// MaxBody bounds a request body.
const MaxBody = 256 << 10

// Config tunes the face; the zero value is the default.
type Config struct {
	// Now is the wall clock that x-amz-pay-date is checked against
	// (default time.Now). It is never the engine's business clock: the
	// test clock moves business time, not the client's clock.
	Now func() time.Time
}

// Face serves API v2.
type Face struct {
	E   *engine.Engine
	Log *slog.Logger

	// Limiter, when set, limits each account's request rate (429
	// TooManyRequests with Retry-After, which the SDKs retry).
	Limiter *httpface.RateLimiter

	now func() time.Time
	ops *http.ServeMux // the operations, on paths without the environment
}

// New returns the face.
func New(e *engine.Engine, log *slog.Logger, cfg Config) *Face {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	f := &Face{E: e, Log: log, now: cfg.Now, ops: http.NewServeMux()}
	if f.now == nil {
		f.now = time.Now
	}
	f.routes()
	return f
}

// Register adds the face's routes to mux: the two environments' prefixes,
// and the public keys of kessai's own API. Requests on /v2/ reach the face
// through ServeHTTP, which the server calls for every Signed request.
func (f *Face) Register(mux httpface.Router) {
	mux.HandleFunc(SandboxPrefix, f.ServeHTTP)
	mux.HandleFunc(LivePrefix, f.ServeHTTP)
	f.registerKeys(mux)
	mux.HandleFunc("GET /kessai/v1/amazon/v2/checkout/{account}/{session}", f.buyerPage)
	mux.HandleFunc("POST /kessai/v1/amazon/v2/checkout/{account}/{session}", f.buyerApprove)
}

// env is where a request is served: its environment and the operation's
// path without it ("/v2/checkoutSessions/…").
type env struct {
	live  bool
	known bool // the path named the environment (else the key id does)
	path  string
}

func envOf(path string) (env, bool) {
	switch {
	case strings.HasPrefix(path, SandboxPrefix):
		return env{known: true, path: path[len("/sandbox"):]}, true
	case strings.HasPrefix(path, LivePrefix):
		return env{live: true, known: true, path: path[len("/live"):]}, true
	case strings.HasPrefix(path, V2Prefix):
		return env{path: path}, true
	}
	return env{}, false
}

// request is an authenticated request of the face.
type request struct {
	acct *kessai.Account
	key  *amazonpay.PublicKey
	body []byte
	r    *http.Request
	sim  httpface.Simulation // Kessai-Simulate
	// simulation is Amazon's sandbox simulation string
	// (x-amz-pay-simulation-code), one that the operation simulates.
	simulation string
}

// simulated reports whether kessai simulates Amazon's simulation string
// code on an operation (its path without the environment):
// AuthorizationInitiated on Complete and Finalize Checkout Session, the
// outcome of the payment method ending 0701.
func simulated(method, path, code string) bool {
	if method != http.MethodPost || !strings.HasPrefix(path, "/v2/checkoutSessions/") {
		return false
	}
	if !strings.HasSuffix(path, "/complete") && !strings.HasSuffix(path, "/finalize") {
		return false
	}
	return code == amazonpay.SimulateAuthorizationInitiated
}

type ctxKey struct{}

func requestOf(r *http.Request) *request { return r.Context().Value(ctxKey{}).(*request) }

// ServeHTTP authenticates a request of the face and runs its operation.
func (f *Face) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	ev, ok := envOf(r.URL.Path)
	if !ok {
		f.fail(w, r, refuse(http.StatusNotFound, "ResourceNotFound", "No API v2 operation at %s.", clip(r.URL.Path)))
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBody))
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			f.fail(w, r, refuse(http.StatusBadRequest, "InvalidRequest", "The request body is larger than %d bytes.", MaxBody))
			return
		}
		f.fail(w, r, refuse(http.StatusBadRequest, "InvalidRequest", "The request body could not be read."))
		return
	}
	req, err := f.authenticate(r, ev, body)
	if err != nil {
		f.fail(w, r, err)
		return
	}
	// Amazon's simulation strings: those kessai simulates go to their
	// operation; any other is refused rather than let a test believe it
	// simulated something.
	if v := r.Header.Get(SimulationHeader); v != "" {
		if !simulated(r.Method, ev.path, v) {
			f.fail(w, r, refuse(http.StatusBadRequest, "InvalidSandboxSimulationSpecified",
				"kessai does not simulate %s %q on %s %s: see docs/amazonpay-v2.md, or choose a simulated payment method on the buyer's page.", SimulationHeader, clip(v), r.Method, clip(ev.path)))
			return
		}
		req.simulation = v
	}
	if f.Limiter != nil {
		if ok, wait := f.Limiter.Allow(req.acct.ID); !ok {
			secs := max(1, int(math.Ceil(wait.Seconds())))
			w.Header().Set("Retry-After", strconv.Itoa(secs))
			f.fail(w, r, refuse(http.StatusTooManyRequests, "TooManyRequests", "Too many requests for this merchant; retry after %d s.", secs))
			return
		}
	}
	sim, err := httpface.ParseSimulation(r, req.acct)
	if err != nil {
		f.fail(w, r, err)
		return
	}
	req.sim = sim
	sim.Wait(r.Context())
	// The operations' routes see the path without the environment.
	r2 := r.Clone(context.WithValue(r.Context(), ctxKey{}, req))
	r2.URL.Path, r2.URL.RawPath = ev.path, ""
	if _, pattern := f.ops.Handler(r2); pattern == "" {
		f.fail(w, r, refuse(http.StatusNotFound, "ResourceNotFound", "kessai serves no API v2 operation %s %s.", r.Method, clip(ev.path)))
		return
	}
	f.ops.ServeHTTP(w, r2) // sets the path's values, which Handler does not
}

// authenticate checks, in order: the Authorization header, the public
// key it names, the signature, x-amz-pay-date and the environment.
//
// Errors (wireError): MissingHeader, InvalidRequestSignature (403),
// UnauthorizedAccess (401), InvalidHeaderValue.
func (f *Face) authenticate(r *http.Request, ev env, body []byte) (*request, error) {
	h := r.Header.Get("Authorization")
	if h == "" {
		return nil, refuse(http.StatusBadRequest, "MissingHeader", "The request has no authorization header: sign it with your private key as the Amazon Pay SDKs do.")
	}
	a, err := ParseAuthorization(h)
	if err != nil {
		return nil, err
	}
	key, acct, err := amazonpay.KeyOf(r.Context(), f.E, a.PublicKeyID)
	if kessai.ErrorCode(err) == kessai.Unauthorized {
		return nil, refuse(http.StatusUnauthorized, "UnauthorizedAccess", "%s Register the public key with POST /kessai/v1/amazon/public_keys.", kessai.ErrorMessage(err))
	}
	if err != nil {
		return nil, err
	}
	if err := Verify(key.Key(), a, r.Method, r.URL.EscapedPath(), r.URL.RawQuery, r.Header, body); err != nil {
		// The Node SDK signs the path as its caller wrote it, before its
		// HTTP client percent-encodes it ("buyers/a b" travels as a%20b).
		if p := r.URL.Path; p == r.URL.EscapedPath() || Verify(key.Key(), a, r.Method, p, r.URL.RawQuery, r.Header, body) != nil {
			return nil, err
		}
	}
	if err := CheckDate(r.Header.Get(DateHeader), f.now()); err != nil {
		return nil, refuse(http.StatusBadRequest, "InvalidHeaderValue", "%s.", err.Error())
	}
	live := acct.Livemode
	switch {
	case ev.known && ev.live && !live:
		return nil, refuse(http.StatusUnauthorized, "UnauthorizedAccess", "The public key %s is a sandbox key: call %s….", key.ID, SandboxPrefix)
	case ev.known && !ev.live && live:
		return nil, refuse(http.StatusUnauthorized, "UnauthorizedAccess", "The public key %s is a live key: call %s….", key.ID, LivePrefix)
	}
	return &request{acct: acct, key: key, body: body, r: r}, nil
}

// fail answers err in Amazon's shape; an internal error is logged once,
// here, and shown with a generic message.
func (f *Face) fail(w http.ResponseWriter, r *http.Request, err error) {
	we := errorOf(err)
	if we.Status >= 500 && we.ReasonCode == "InternalServerError" {
		f.Log.ErrorContext(r.Context(), "amazon v2 request failed", "method", r.Method, "path", r.URL.Path, "err", err)
	}
	var busy *engine.Busy
	switch {
	case errors.As(err, &busy): // shed by admission: nothing was done
		w.Header().Set("Retry-After", strconv.Itoa(busy.RetryAfterSeconds()))
	case kessai.ErrorCode(err) == kessai.Unavailable:
		w.Header().Set("Retry-After", "1") // the database is away; nothing was done
	}
	writeJSON(w, we.Status, errorBody(we))
}

func writeJSON(w http.ResponseWriter, status int, body []byte) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	_, _ = w.Write(body)
}
