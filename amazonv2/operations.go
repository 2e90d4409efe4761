package amazonv2

import (
	"context"
	"net/http"
	"strings"

	"github.com/kessai/kessai"
	"github.com/kessai/kessai/amazonpay"
	"github.com/kessai/kessai/engine"
)

type webCheckoutIn struct {
	CheckoutReviewReturnURL *string `json:"checkoutReviewReturnUrl"`
	CheckoutResultReturnURL *string `json:"checkoutResultReturnUrl"`
}

type paymentDetailsIn struct {
	PaymentIntent                 *string `json:"paymentIntent"`
	CanHandlePendingAuthorization *bool   `json:"canHandlePendingAuthorization"`
	ChargeAmount                  *Price  `json:"chargeAmount"`
	SoftDescriptor                *string `json:"softDescriptor"`
}

type sessionIn struct {
	WebCheckoutDetails   *webCheckoutIn              `json:"webCheckoutDetails"`
	StoreID              *string                     `json:"storeId"`
	ChargePermissionType *string                     `json:"chargePermissionType"`
	PaymentDetails       *paymentDetailsIn           `json:"paymentDetails"`
	MerchantMetadata     *amazonpay.MerchantMetadata `json:"merchantMetadata"`
}

func (in *sessionIn) params() (amazonpay.CheckoutSessionParams, error) {
	p := amazonpay.CheckoutSessionParams{StoreID: in.StoreID, Merchant: in.MerchantMetadata, Currency: "jpy"}
	if in.ChargePermissionType != nil && *in.ChargePermissionType != "OneTime" {
		return p, invalidParameter("chargePermissionType %s is not supported; kessai serves OneTime.", clip(*in.ChargePermissionType))
	}
	if wc := in.WebCheckoutDetails; wc != nil {
		p.ReviewReturnURL, p.ResultReturnURL = wc.CheckoutReviewReturnURL, wc.CheckoutResultReturnURL
	}
	if pd := in.PaymentDetails; pd != nil {
		p.PaymentIntent, p.CanHandlePending, p.SoftDescriptor = pd.PaymentIntent, pd.CanHandlePendingAuthorization, pd.SoftDescriptor
		if pd.ChargeAmount != nil {
			n, cur, err := ParsePrice("paymentDetails.chargeAmount", pd.ChargeAmount)
			if err != nil {
				return p, err
			}
			p.ChargeAmount, p.Currency = &n, cur.Code
		}
	}
	return p, nil
}

func (f *Face) renderSession(r *http.Request) func(any) (any, error) {
	acct, base := requestOf(r).acct, baseURL(r)
	return func(v any) (any, error) { return sessionJSON(acct, v.(*kessai.Payment), base) }
}

func (f *Face) renderPermission(r *http.Request) func(any) (any, error) {
	acct := requestOf(r).acct
	return func(v any) (any, error) { return permissionJSON(acct, v.(*kessai.Payment)) }
}

func renderCharge(v any) (any, error) { return chargeJSONOf(v.(*amazonpay.Charge)), nil }

func renderRefund(v any) (any, error) { return refundJSONOf(v.(*kessai.Refund)), nil }

func (f *Face) createCheckoutSession(w http.ResponseWriter, r *http.Request) {
	req := requestOf(r)
	var in sessionIn
	if err := decode(req.body, &in); err != nil {
		f.fail(w, r, err)
		return
	}
	p, err := in.params()
	if err != nil {
		f.fail(w, r, err)
		return
	}
	f.run(w, r, op{name: "CreateCheckoutSession", status: http.StatusCreated, keyed: true, render: f.renderSession(r),
		call: func(ctx context.Context, e *engine.Engine) (any, error) {
			return amazonpay.CreateCheckoutSession(ctx, e, req.acct, p)
		}})
}

func (f *Face) getCheckoutSession(w http.ResponseWriter, r *http.Request) {
	req, id := requestOf(r), r.PathValue("id")
	f.run(w, r, op{status: http.StatusOK, render: f.renderSession(r), call: func(ctx context.Context, e *engine.Engine) (any, error) {
		return amazonpay.GetCheckoutSession(ctx, e, req.acct, id)
	}})
}

func (f *Face) updateCheckoutSession(w http.ResponseWriter, r *http.Request) {
	req, id := requestOf(r), r.PathValue("id")
	var in sessionIn
	if err := decode(req.body, &in); err != nil {
		f.fail(w, r, err)
		return
	}
	if in.StoreID != nil {
		f.fail(w, r, invalidParameter("storeId cannot be updated."))
		return
	}
	p, err := in.params()
	if err != nil {
		f.fail(w, r, err)
		return
	}
	f.run(w, r, op{status: http.StatusOK, render: f.renderSession(r), call: func(ctx context.Context, e *engine.Engine) (any, error) {
		return amazonpay.UpdateCheckoutSession(ctx, e, req.acct, id, p)
	}})
}

func (f *Face) completeCheckoutSession(w http.ResponseWriter, r *http.Request) {
	req, id := requestOf(r), r.PathValue("id")
	var in struct {
		ChargeAmount *Price `json:"chargeAmount"`
	}
	if err := decode(req.body, &in); err != nil {
		f.fail(w, r, err)
		return
	}
	n, cur, err := ParsePrice("chargeAmount", in.ChargeAmount)
	if err != nil {
		f.fail(w, r, err)
		return
	}
	f.run(w, r, op{status: http.StatusOK, render: f.renderSession(r), call: func(ctx context.Context, e *engine.Engine) (any, error) {
		return amazonpay.CompleteCheckoutSessionWith(ctx, e, req.acct, id, n, cur.Code, amazonpay.CompleteOptions{Simulation: req.simulation})
	}, statusOf: func(ctx context.Context, v any) int {
		return f.completedStatus(ctx, req, v.(*kessai.Payment))
	}})
}

// finalizeCheckoutSession is Finalize Checkout Session: Complete Checkout
// Session with the paymentIntent stated again (it must be the session's);
// the addresses and supplementaryData it may carry are ignored (the
// sandbox buyer's are kept).
func (f *Face) finalizeCheckoutSession(w http.ResponseWriter, r *http.Request) {
	req, id := requestOf(r), r.PathValue("id")
	var in struct {
		ChargeAmount  *Price `json:"chargeAmount"`
		PaymentIntent string `json:"paymentIntent"`
	}
	if err := decode(req.body, &in); err != nil {
		f.fail(w, r, err)
		return
	}
	if in.PaymentIntent == "" {
		f.fail(w, r, refuse(http.StatusBadRequest, "MissingParameterValue", "paymentIntent is required."))
		return
	}
	n, cur, err := ParsePrice("chargeAmount", in.ChargeAmount)
	if err != nil {
		f.fail(w, r, err)
		return
	}
	f.run(w, r, op{status: http.StatusOK, render: f.renderSession(r), call: func(ctx context.Context, e *engine.Engine) (any, error) {
		return amazonpay.CompleteCheckoutSessionWith(ctx, e, req.acct, id, n, cur.Code,
			amazonpay.CompleteOptions{Finalize: true, PaymentIntent: in.PaymentIntent, Simulation: req.simulation})
	}, statusOf: func(ctx context.Context, v any) int {
		return f.completedStatus(ctx, req, v.(*kessai.Payment))
	}})
}

// completedStatus is Complete Checkout Session's status, as Amazon answers
// it: 202 Accepted while the session's charge is AuthorizationInitiated
// (a payment method or a simulation string that authorizes
// asynchronously), 200 otherwise.
func (f *Face) completedStatus(ctx context.Context, req *request, p *kessai.Payment) int {
	s, err := amazonpay.SessionOf(p)
	if err != nil || s.ChargeID == "" {
		return http.StatusOK
	}
	if s.PaymentMethod != amazonpay.MethodPending && s.PaymentMethod != amazonpay.MethodPendingDecl && req.simulation == "" {
		return http.StatusOK
	}
	ch, err := amazonpay.GetCharge(ctx, f.E, req.acct, s.ChargeID)
	if err == nil && amazonpay.ChargeState(ch.Auth, ch.Capture) == "AuthorizationInitiated" {
		return http.StatusAccepted
	}
	return http.StatusOK
}

func (f *Face) getChargePermission(w http.ResponseWriter, r *http.Request) {
	req, id := requestOf(r), r.PathValue("id")
	f.run(w, r, op{status: http.StatusOK, render: f.renderPermission(r), call: func(ctx context.Context, e *engine.Engine) (any, error) {
		return amazonpay.GetChargePermission(ctx, e, req.acct, id)
	}})
}

func (f *Face) updateChargePermission(w http.ResponseWriter, r *http.Request) {
	req, id := requestOf(r), r.PathValue("id")
	var in struct {
		MerchantMetadata *amazonpay.MerchantMetadata `json:"merchantMetadata"`
	}
	if err := decode(req.body, &in); err != nil {
		f.fail(w, r, err)
		return
	}
	if in.MerchantMetadata == nil {
		f.fail(w, r, refuse(http.StatusBadRequest, "MissingParameterValue", "merchantMetadata is required."))
		return
	}
	f.run(w, r, op{status: http.StatusOK, render: f.renderPermission(r), call: func(ctx context.Context, e *engine.Engine) (any, error) {
		return amazonpay.UpdateChargePermission(ctx, e, req.acct, id, *in.MerchantMetadata)
	}})
}

func (f *Face) closeChargePermission(w http.ResponseWriter, r *http.Request) {
	req, id := requestOf(r), r.PathValue("id")
	var in struct {
		ClosureReason string `json:"closureReason"`
	}
	if err := decode(req.body, &in); err != nil {
		f.fail(w, r, err)
		return
	}
	f.run(w, r, op{status: http.StatusOK, render: f.renderPermission(r), call: func(ctx context.Context, e *engine.Engine) (any, error) {
		return amazonpay.CloseChargePermission(ctx, e, req.acct, id, in.ClosureReason)
	}})
}

func (f *Face) createCharge(w http.ResponseWriter, r *http.Request) {
	req := requestOf(r)
	var in struct {
		ChargePermissionID string    `json:"chargePermissionId"`
		ChargeAmount       *Price    `json:"chargeAmount"`
		CaptureNow         bool      `json:"captureNow"`
		SoftDescriptor     string    `json:"softDescriptor"`
		CanHandlePending   *bool     `json:"canHandlePendingAuthorization"`
		ProviderMetadata   *struct{} `json:"providerMetadata"`
	}
	if err := decode(req.body, &in); err != nil {
		f.fail(w, r, err)
		return
	}
	if in.ChargePermissionID == "" {
		f.fail(w, r, refuse(http.StatusBadRequest, "MissingParameterValue", "chargePermissionId is required."))
		return
	}
	n, cur, err := ParsePrice("chargeAmount", in.ChargeAmount)
	if err != nil {
		f.fail(w, r, err)
		return
	}
	f.run(w, r, op{name: "CreateCharge", status: http.StatusCreated, keyed: true, render: renderCharge,
		call: func(ctx context.Context, e *engine.Engine) (any, error) {
			return amazonpay.CreateCharge(ctx, e, req.acct, in.ChargePermissionID, n, cur.Code, in.SoftDescriptor, in.CaptureNow)
		}})
}

func (f *Face) getCharge(w http.ResponseWriter, r *http.Request) {
	req, id := requestOf(r), r.PathValue("id")
	f.run(w, r, op{status: http.StatusOK, render: renderCharge, call: func(ctx context.Context, e *engine.Engine) (any, error) {
		return amazonpay.GetCharge(ctx, e, req.acct, id)
	}})
}

func (f *Face) captureCharge(w http.ResponseWriter, r *http.Request) {
	req, id := requestOf(r), r.PathValue("id")
	var in struct {
		CaptureAmount  *Price `json:"captureAmount"`
		SoftDescriptor string `json:"softDescriptor"`
	}
	if err := decode(req.body, &in); err != nil {
		f.fail(w, r, err)
		return
	}
	n, cur, err := ParsePrice("captureAmount", in.CaptureAmount)
	if err != nil {
		f.fail(w, r, err)
		return
	}
	f.run(w, r, op{name: "CaptureCharge", status: http.StatusOK, keyed: true, render: renderCharge,
		call: func(ctx context.Context, e *engine.Engine) (any, error) {
			return amazonpay.CaptureCharge(ctx, e, req.acct, id, n, cur.Code, in.SoftDescriptor)
		}})
}

func (f *Face) cancelCharge(w http.ResponseWriter, r *http.Request) {
	req, id := requestOf(r), r.PathValue("id")
	var in struct {
		CancellationReason string `json:"cancellationReason"`
	}
	if err := decode(req.body, &in); err != nil {
		f.fail(w, r, err)
		return
	}
	f.run(w, r, op{status: http.StatusOK, render: renderCharge, call: func(ctx context.Context, e *engine.Engine) (any, error) {
		return amazonpay.CancelCharge(ctx, e, req.acct, id, in.CancellationReason)
	}})
}

func (f *Face) createRefund(w http.ResponseWriter, r *http.Request) {
	req := requestOf(r)
	var in struct {
		ChargeID       string `json:"chargeId"`
		RefundAmount   *Price `json:"refundAmount"`
		SoftDescriptor string `json:"softDescriptor"`
	}
	if err := decode(req.body, &in); err != nil {
		f.fail(w, r, err)
		return
	}
	if in.ChargeID == "" {
		f.fail(w, r, refuse(http.StatusBadRequest, "MissingParameterValue", "chargeId is required."))
		return
	}
	n, cur, err := ParsePrice("refundAmount", in.RefundAmount)
	if err != nil {
		f.fail(w, r, err)
		return
	}
	if n <= 0 {
		f.fail(w, r, invalidParameter("refundAmount must be positive."))
		return
	}
	f.run(w, r, op{name: "CreateRefund", status: http.StatusCreated, keyed: true, render: renderRefund,
		call: func(ctx context.Context, e *engine.Engine) (any, error) {
			return amazonpay.CreateRefund(ctx, e, req.acct, in.ChargeID, n, cur.Code, in.SoftDescriptor)
		}})
}

func (f *Face) getRefund(w http.ResponseWriter, r *http.Request) {
	req, id := requestOf(r), r.PathValue("id")
	f.run(w, r, op{status: http.StatusOK, render: renderRefund, call: func(ctx context.Context, e *engine.Engine) (any, error) {
		return amazonpay.GetRefund(ctx, e, req.acct, id)
	}})
}

// statusReason is the reason code of an invalid_status error, by the
// object its operation acts on.
func statusReason(op string) string {
	switch {
	case strings.Contains(op, "CheckoutSession"):
		return "InvalidCheckoutSessionStatus"
	case strings.Contains(op, "ChargePermission"):
		return "InvalidChargePermissionStatus"
	}
	return "InvalidChargeStatus"
}
