package mws

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/kessai/kessai"
	"github.com/kessai/kessai/accounts"
	"github.com/kessai/kessai/amazonorder"
	"github.com/kessai/kessai/engine"
	"github.com/kessai/kessai/httpface"
	"github.com/kessai/kessai/payjpflow"
)

// The endpoints: Amazon's paths, the sandbox one for test-mode accounts and
// the production one for live accounts.
const (
	SandboxPath = "/OffAmazonPayments_Sandbox/2013-01-01"
	LivePath    = "/OffAmazonPayments/2013-01-01"
	Version     = "2013-01-01"
)

// Amazon's sandbox throttle, per seller and operation: a burst of
// ThrottleBurst requests, then one every ThrottleEvery.
const (
	ThrottleBurst = 2
	ThrottleEvery = 2 * time.Second
)

// Config tunes the face; the zero value is the default.
type Config struct {
	// Throttle refuses requests as Amazon's sandbox does (ThrottleBurst,
	// ThrottleEvery per seller and Action) with 503 RequestThrottled, so
	// that merchants can test their clients' retries. Off by default.
	Throttle bool
	// Now is the wall clock that request Timestamps are checked against
	// (default time.Now). It is never the engine's business clock: the
	// test clock moves business time, not the client's clock.
	Now func() time.Time
}

// Face serves the MWS API.
type Face struct {
	E   *engine.Engine
	Log *slog.Logger

	now      func() time.Time
	throttle *throttle
}

// New returns the face.
func New(e *engine.Engine, log *slog.Logger, cfg Config) *Face {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	f := &Face{E: e, Log: log, now: cfg.Now}
	if f.now == nil {
		f.now = time.Now
	}
	if cfg.Throttle {
		f.throttle = &throttle{m: map[string]*rate.Limiter{}}
	}
	return f
}

// Register adds the face's routes to mux: the two endpoints, with and
// without a trailing slash, and an MWS-style error for any other path
// under them.
func (f *Face) Register(mux httpface.Router) {
	mux.HandleFunc(SandboxPath, f.endpoint(false))
	mux.HandleFunc(SandboxPath+"/", f.endpoint(false))
	mux.HandleFunc(LivePath, f.endpoint(true))
	mux.HandleFunc(LivePath+"/", f.endpoint(true))
	mux.HandleFunc("/OffAmazonPayments_Sandbox/", f.unknownPath)
	mux.HandleFunc("/OffAmazonPayments/", f.unknownPath)
}

func (f *Face) unknownPath(w http.ResponseWriter, r *http.Request) {
	f.fail(w, r, "", refuse("InvalidAddress", http.StatusBadRequest,
		"No MWS section or version at %s; kessai serves %s and %s.", clip(r.URL.Path), SandboxPath, LivePath))
}

// endpoint serves one of the two paths: live serves live accounts, the
// sandbox path test-mode ones.
func (f *Face) endpoint(live bool) http.HandlerFunc {
	base := SandboxPath
	if live {
		base = LivePath
	}
	return func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != base && r.URL.Path != base+"/" {
			f.unknownPath(w, r)
			return
		}
		if r.Method != http.MethodPost {
			w.Header().Set("Allow", http.MethodPost)
			f.fail(w, r, "", refuse("InvalidHttpMethod", http.StatusMethodNotAllowed, "MWS requests are POSTs, not %s.", r.Method))
			return
		}
		p, err := readForm(w, r)
		if err != nil {
			f.fail(w, r, "", err)
			return
		}
		acct, err := f.authenticate(r, p, live)
		if err != nil {
			f.fail(w, r, "", err)
			return
		}
		name := p.Get("Action")
		if name == "" {
			f.fail(w, r, "", missingParameter("Action"))
			return
		}
		act, ok := actions[name]
		if !ok {
			f.fail(w, r, "", refuse("InvalidAction", http.StatusBadRequest, "The Action %s is not one kessai serves.", clip(name)))
			return
		}
		if f.throttle != nil && !f.throttle.allow(acct.ID+"/"+name, f.now()) {
			f.fail(w, r, name, refuse("RequestThrottled", http.StatusServiceUnavailable,
				"Too many %s requests for this seller: the sandbox allows a burst of %d, then one every %s.", name, ThrottleBurst, ThrottleEvery))
			return
		}
		sim, err := httpface.ParseSimulation(r, acct)
		if err != nil {
			f.fail(w, r, name, err)
			return
		}
		o, err := act(f, acct, p)
		if err != nil {
			f.fail(w, r, name, err)
			return
		}
		sim.Wait(r.Context())
		f.run(w, r, name, p, o, sim)
	}
}

// authenticate finds the account of the request's AWSAccessKeyId and
// checks, in order: the signature, the Timestamp, the SellerId and the
// environment (the sandbox path for test mode, the other for live).
//
// Errors: MissingParameter, InvalidParameterValue, InvalidAccessKeyId
// (403), SignatureDoesNotMatch (403), RequestExpired (400),
// UnauthorizedAccess (401).
func (f *Face) authenticate(r *http.Request, p Params, live bool) (*kessai.Account, error) {
	key := p.Get("AWSAccessKeyId")
	if key == "" {
		return nil, missingParameter("AWSAccessKeyId")
	}
	acct, secret, err := accounts.MWSAccount(f.E, r.Context(), key)
	if kessai.ErrorCode(err) == kessai.Unauthorized {
		return nil, refuse("InvalidAccessKeyId", http.StatusForbidden, "The AWSAccessKeyId %s is not known to kessai.", clip(key))
	}
	if err != nil {
		return nil, err
	}
	if err := verifySignature(secret, r.Host, r.URL.Path, p); err != nil {
		return nil, err
	}
	if err := checkTimestamp(p, f.now()); err != nil {
		return nil, err
	}
	seller := p.Get("SellerId")
	if seller == "" {
		return nil, missingParameter("SellerId")
	}
	if seller != acct.MWS.SellerID {
		return nil, refuse("UnauthorizedAccess", http.StatusUnauthorized,
			"The AWSAccessKeyId %s is not authorized to act for SellerId %s.", clip(key), clip(seller))
	}
	switch {
	case live && !acct.Livemode:
		return nil, refuse("UnauthorizedAccess", http.StatusUnauthorized,
			"SellerId %s is a test-mode account: use the sandbox endpoint %s.", seller, SandboxPath)
	case !live && acct.Livemode:
		return nil, refuse("UnauthorizedAccess", http.StatusUnauthorized,
			"SellerId %s is a live account: use the production endpoint %s.", seller, LivePath)
	}
	switch v := p.Get("Version"); v {
	case Version:
	case "":
		return nil, missingParameter("Version")
	default:
		return nil, refuse("InvalidParameterValue", http.StatusBadRequest, "Version %s is not served; use %s.", clip(v), Version)
	}
	httpface.SetAccount(r.Context(), acct.ID)
	return acct, nil
}

// fail answers err as an ErrorResponse; an internal error is logged once,
// here, and shown with a generic message.
func (f *Face) fail(w http.ResponseWriter, r *http.Request, action string, err error) {
	we := errorOf(action, err)
	httpface.SetErrorCode(r.Context(), we.Code)
	if we.Code == "InternalServerError" {
		f.Log.ErrorContext(r.Context(), "mws request failed", "path", r.URL.Path, "action", action, "err", err)
	}
	var busy *engine.Busy
	switch {
	case errors.As(err, &busy): // shed by admission: nothing was done
		w.Header().Set("Retry-After", strconv.Itoa(busy.RetryAfterSeconds()))
	case kessai.ErrorCode(err) == kessai.Unavailable:
		w.Header().Set("Retry-After", "1") // the database is away; nothing was done
	}
	writeXML(w, we.Status, errorBodyOf(we, newRequestID()))
}

// op is an action made ready to run: the engine call, how its result is
// rendered, and the reference id it runs under, if any.
type op struct {
	call   func(ctx context.Context, e *engine.Engine) (any, error) // e: the handle the write runs on
	render func(v any) (*result, error)                             // nil: the envelope holds ResponseMetadata only
	refID  string
}

// run runs o and answers. A write with a reference id runs under it
// (engine.Run): the engine decides the id in the write's own
// transaction and stores the rendered response there, so that the same
// request again is answered with the very same bytes, RequestId included.
func (f *Face) run(w http.ResponseWriter, r *http.Request, action string, p Params, o op, sim httpface.Simulation) {
	ctx := r.Context()
	var res any
	var out engine.Outcome
	var err error
	if o.refID != "" {
		key := engine.Key{Scope: kessai.ScopeReferenceID, Key: o.refID, Operation: action, RequestHash: requestHash(p)}
		out, err = f.E.Run(ctx, key, func(res any, failure error) (int, []byte, error) {
			if failure != nil {
				we := errorOf(action, failure)
				return we.Status, errorBodyOf(we, newRequestID()), nil
			}
			body, err := o.body(action, res)
			return http.StatusOK, body, err
		}, func(e *engine.Engine) (any, error) { return o.call(ctx, e) })
		res = out.Result
	} else {
		res, err = o.call(ctx, f.E)
	}
	// Kessai-Simulate (test mode): misbehave after the write, so that a
	// client can prove its retries with a reference id are safe.
	switch {
	case sim.Drop:
		panic(http.ErrAbortHandler)
	case sim.Fail:
		f.fail(w, r, action, kessai.Errorf(kessai.Internal, "mws.Simulate", "simulated failure after commit (%s)", httpface.SimulateHeader))
		return
	}
	if out.Done {
		writeXML(w, out.Status, out.Body)
		return
	}
	if err != nil {
		f.fail(w, r, action, err)
		return
	}
	body, err := o.body(action, res)
	if err != nil {
		f.fail(w, r, action, kessai.WrapInternal("mws.render", err))
		return
	}
	writeXML(w, http.StatusOK, body)
}

func (o op) body(action string, v any) ([]byte, error) {
	var res *result
	if o.render != nil {
		var err error
		if res, err = o.render(v); err != nil {
			return nil, err
		}
	}
	return successBody(action, res, newRequestID())
}

// notHashed are the parameters of the transport, not of the operation:
// a retry may change them (a new Timestamp, a new signature) and is still
// the same request.
var notHashed = map[string]bool{"AWSAccessKeyId": true, "Signature": true, "SignatureMethod": true,
	"SignatureVersion": true, "Timestamp": true, "Expires": true, "Version": true, "MWSAuthToken": true}

// requestHash identifies an operation's parameters, as sent, for its
// reference id: the same id with other parameters is DuplicateRequest.
func requestHash(p Params) string {
	names := make([]string, 0, len(p))
	for k := range p {
		if !notHashed[k] {
			names = append(names, k)
		}
	}
	sort.Strings(names)
	h := sha256.New()
	for _, k := range names {
		fmt.Fprintf(h, "%d:%s%d:%s", len(k), k, len(p[k]), p[k])
	}
	return hex.EncodeToString(h.Sum(nil))
}

// throttle is a token bucket per seller and action, on the wall clock.
type throttle struct {
	mu sync.Mutex
	m  map[string]*rate.Limiter
}

func (t *throttle) allow(key string, now time.Time) bool {
	t.mu.Lock()
	l, ok := t.m[key]
	if !ok {
		l = rate.NewLimiter(rate.Every(ThrottleEvery), ThrottleBurst)
		t.m[key] = l
	}
	t.mu.Unlock()
	return l.AllowN(now, 1)
}

// The parameters.

func required(p Params, name string) (string, error) {
	v := p.Get(name)
	if v == "" {
		return "", missingParameter(name)
	}
	return v, nil
}

// optional returns a pointer to the value of name, nil when it was not
// sent.
func optional(p Params, name string) *string {
	if !p.Has(name) {
		return nil
	}
	v := p.Get(name)
	return &v
}

// MaxReferenceID is the longest reference id Amazon takes.
const MaxReferenceID = 32

// referenceID reads an AuthorizationReferenceId, CaptureReferenceId or
// RefundReferenceId: 1 to 32 of A-Z, a-z, 0-9, '-' and '_'.
func referenceID(p Params, name string) (string, error) {
	v, err := required(p, name)
	if err != nil {
		return "", err
	}
	ok := len(v) <= MaxReferenceID
	for i := 0; ok && i < len(v); i++ {
		c := v[i]
		ok = 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '_'
	}
	if !ok {
		return "", invalidParameter("%s %q must be 1 to %d characters of A-Z, a-z, 0-9, '-' and '_'.", name, clip(v), MaxReferenceID)
	}
	return v, nil
}

func boolParam(p Params, name string) (bool, error) {
	switch v := p.Get(name); strings.ToLower(v) {
	case "", "false":
		return false, nil
	case "true":
		return true, nil
	default:
		return false, invalidParameter("%s %q must be true or false.", name, clip(v))
	}
}

// DefaultTransactionTimeout is Authorize's TransactionTimeout when none
// is sent, in minutes.
const DefaultTransactionTimeout = 1440

// transactionTimeout reads Authorize's TransactionTimeout in minutes: 0
// (synchronous), or a multiple of 5 from 5 to 1440.
func transactionTimeout(p Params) (time.Duration, error) {
	if !p.Has("TransactionTimeout") {
		return DefaultTransactionTimeout * time.Minute, nil
	}
	v := p.Get("TransactionTimeout")
	n, err := strconv.Atoi(v)
	if err != nil || strings.Trim(v, "0123456789") != "" || n < 0 || n > 1440 || n%5 != 0 {
		return 0, invalidParameter("TransactionTimeout %q must be 0 (synchronous) or a multiple of 5 from 5 to 1440 minutes.", clip(v))
	}
	return time.Duration(n) * time.Minute, nil
}

// handler reads an action's parameters into an op.
type handler func(f *Face, acct *kessai.Account, p Params) (op, error)

// actions are the operations kessai serves, by Action.
var actions = map[string]handler{
	"SetOrderReferenceDetails": (*Face).setOrderReferenceDetails,
	"GetOrderReferenceDetails": (*Face).getOrderReferenceDetails,
	"ConfirmOrderReference":    (*Face).confirmOrderReference,
	"CancelOrderReference":     (*Face).cancelOrderReference,
	"CloseOrderReference":      (*Face).closeOrderReference,
	"Authorize":                (*Face).authorize,
	"GetAuthorizationDetails":  (*Face).getAuthorizationDetails,
	"CloseAuthorization":       (*Face).closeAuthorization,
	"Capture":                  (*Face).capture,
	"GetCaptureDetails":        (*Face).getCaptureDetails,
	"Refund":                   (*Face).refund,
	"GetRefundDetails":         (*Face).getRefundDetails,
}

// Renderers of the engine's results.

func renderOrder(fullAddress bool) func(any) (*result, error) {
	return func(v any) (*result, error) {
		o, ok := v.(*kessai.Payment)
		if !ok {
			return nil, fmt.Errorf("mws: an order reference result is %T", v)
		}
		return &result{OrderReferenceDetails: orderReferenceOf(o, fullAddress)}, nil
	}
}

func renderAuthorization(v any) (*result, error) {
	a, ok := v.(*kessai.Authorization)
	if !ok {
		return nil, fmt.Errorf("mws: an authorization result is %T", v)
	}
	return &result{AuthorizationDetails: authorizationOf(a)}, nil
}

func renderCapture(v any) (*result, error) {
	c, ok := v.(*kessai.Capture)
	if !ok {
		return nil, fmt.Errorf("mws: a capture result is %T", v)
	}
	return &result{CaptureDetails: captureOf(c)}, nil
}

func renderRefund(v any) (*result, error) {
	r, ok := v.(*kessai.Refund)
	if !ok {
		return nil, fmt.Errorf("mws: a refund result is %T", v)
	}
	return &result{RefundDetails: refundOf(r)}, nil
}

func renderEmpty(any) (*result, error) { return &result{}, nil }

// The operations.

func (f *Face) setOrderReferenceDetails(acct *kessai.Account, p Params) (op, error) {
	id, err := required(p, "AmazonOrderReferenceId")
	if err != nil {
		return op{}, err
	}
	const attrs = "OrderReferenceAttributes."
	amount, cur, err := parsePrice(p, attrs+"OrderTotal")
	if err != nil {
		return op{}, err
	}
	u := amazonorder.OrderReferenceUpdate{Amount: amount, Currency: cur.Code,
		SellerNote: optional(p, attrs+"SellerNote"), PlatformID: optional(p, attrs+"PlatformId"),
		SellerOrderID:     optional(p, attrs+"SellerOrderAttributes.SellerOrderId"),
		StoreName:         optional(p, attrs+"SellerOrderAttributes.StoreName"),
		CustomInformation: optional(p, attrs+"SellerOrderAttributes.CustomInformation"),
		SupplementaryData: optional(p, attrs+"SellerOrderAttributes.SupplementaryData")}
	return op{call: func(ctx context.Context, e *engine.Engine) (any, error) {
		return amazonorder.SetOrderReferenceDetails(ctx, e, acct, id, u)
	},
		render: renderOrder(false)}, nil
}

func (f *Face) getOrderReferenceDetails(acct *kessai.Account, p Params) (op, error) {
	id, err := required(p, "AmazonOrderReferenceId")
	if err != nil {
		return op{}, err
	}
	// The buyer's token unlocks the full address of a Draft; kessai's
	// simulated buyer consents to any token.
	full := p.Get("AddressConsentToken") != "" || p.Get("AccessToken") != ""
	return op{call: func(ctx context.Context, e *engine.Engine) (any, error) {
		return amazonorder.GetOrderReference(ctx, e, acct, id)
	},
		render: renderOrder(full)}, nil
}

func (f *Face) confirmOrderReference(acct *kessai.Account, p Params) (op, error) {
	id, err := required(p, "AmazonOrderReferenceId")
	if err != nil {
		return op{}, err
	}
	return op{call: func(ctx context.Context, e *engine.Engine) (any, error) {
		return amazonorder.ConfirmOrderReference(ctx, e, acct, id)
	}}, nil
}

func (f *Face) cancelOrderReference(acct *kessai.Account, p Params) (op, error) {
	id, err := required(p, "AmazonOrderReferenceId")
	if err != nil {
		return op{}, err
	}
	reason := p.Get("CancelationReason")
	return op{call: func(ctx context.Context, e *engine.Engine) (any, error) {
		return amazonorder.CancelOrderReference(ctx, e, acct, id, reason)
	},
		render: renderEmpty}, nil
}

func (f *Face) closeOrderReference(acct *kessai.Account, p Params) (op, error) {
	id, err := required(p, "AmazonOrderReferenceId")
	if err != nil {
		return op{}, err
	}
	reason := p.Get("ClosureReason")
	return op{call: func(ctx context.Context, e *engine.Engine) (any, error) {
		return amazonorder.CloseOrderReference(ctx, e, acct, id, reason)
	}}, nil
}

func (f *Face) authorize(acct *kessai.Account, p Params) (op, error) {
	id, err := required(p, "AmazonOrderReferenceId")
	if err != nil {
		return op{}, err
	}
	ref, err := referenceID(p, "AuthorizationReferenceId")
	if err != nil {
		return op{}, err
	}
	amount, cur, err := parsePrice(p, "AuthorizationAmount")
	if err != nil {
		return op{}, err
	}
	timeout, err := transactionTimeout(p)
	if err != nil {
		return op{}, err
	}
	captureNow, err := boolParam(p, "CaptureNow")
	if err != nil {
		return op{}, err
	}
	ap := amazonorder.AuthorizeParams{OrderReferenceID: id, ReferenceID: ref, Amount: amount, Currency: cur.Code,
		Note: p.Get("SellerAuthorizationNote"), SoftDescriptor: p.Get("SoftDescriptor"), Timeout: timeout, CaptureNow: captureNow}
	return op{call: func(ctx context.Context, e *engine.Engine) (any, error) {
		return amazonorder.Authorize(ctx, e, acct, ap)
	},
		render: renderAuthorization, refID: ref}, nil
}

func (f *Face) getAuthorizationDetails(acct *kessai.Account, p Params) (op, error) {
	id, err := required(p, "AmazonAuthorizationId")
	if err != nil {
		return op{}, err
	}
	return op{call: func(ctx context.Context, e *engine.Engine) (any, error) {
		return amazonorder.GetAuthorization(ctx, e, acct, id)
	},
		render: renderAuthorization}, nil
}

func (f *Face) closeAuthorization(acct *kessai.Account, p Params) (op, error) {
	id, err := required(p, "AmazonAuthorizationId")
	if err != nil {
		return op{}, err
	}
	reason := p.Get("ClosureReason")
	return op{call: func(ctx context.Context, e *engine.Engine) (any, error) {
		return amazonorder.CloseAuthorization(ctx, e, acct, id, reason)
	},
		render: renderEmpty}, nil
}

func (f *Face) capture(acct *kessai.Account, p Params) (op, error) {
	id, err := required(p, "AmazonAuthorizationId")
	if err != nil {
		return op{}, err
	}
	ref, err := referenceID(p, "CaptureReferenceId")
	if err != nil {
		return op{}, err
	}
	amount, cur, err := parsePrice(p, "CaptureAmount")
	if err != nil {
		return op{}, err
	}
	cp := amazonorder.CaptureParams{AuthorizationID: id, ReferenceID: ref, Amount: amount, Currency: cur.Code,
		Note: p.Get("SellerCaptureNote"), SoftDescriptor: p.Get("SoftDescriptor")}
	return op{call: func(ctx context.Context, e *engine.Engine) (any, error) { return amazonorder.Capture(ctx, e, acct, cp) },
		render: renderCapture, refID: ref}, nil
}

func (f *Face) getCaptureDetails(acct *kessai.Account, p Params) (op, error) {
	id, err := required(p, "AmazonCaptureId")
	if err != nil {
		return op{}, err
	}
	return op{call: func(ctx context.Context, e *engine.Engine) (any, error) {
		return amazonorder.GetCapture(ctx, e, acct, id)
	},
		render: renderCapture}, nil
}

func (f *Face) refund(acct *kessai.Account, p Params) (op, error) {
	id, err := required(p, "AmazonCaptureId")
	if err != nil {
		return op{}, err
	}
	ref, err := referenceID(p, "RefundReferenceId")
	if err != nil {
		return op{}, err
	}
	amount, cur, err := parsePrice(p, "RefundAmount")
	if err != nil {
		return op{}, err
	}
	rp := amazonorder.CaptureRefundParams{CaptureID: id, ReferenceID: ref, Amount: amount, Currency: cur.Code,
		Note: p.Get("SellerRefundNote"), SoftDescriptor: p.Get("SoftDescriptor")}
	return op{call: func(ctx context.Context, e *engine.Engine) (any, error) {
		return amazonorder.RefundCapture(ctx, e, acct, rp)
	},
		render: renderRefund, refID: ref}, nil
}

func (f *Face) getRefundDetails(acct *kessai.Account, p Params) (op, error) {
	id, err := required(p, "AmazonRefundId")
	if err != nil {
		return op{}, err
	}
	return op{call: func(ctx context.Context, e *engine.Engine) (any, error) {
		r, err := payjpflow.GetRefund(e, ctx, acct, id)
		if err != nil {
			return nil, err
		}
		if r.Face != kessai.FaceMWS { // a PAY.JP refund is not this face's object
			return nil, kessai.Errorf(kessai.NotFound, "mws.GetRefundDetails", "refund: %s not found.", id)
		}
		return r, nil
	}, render: renderRefund}, nil
}
