package payjp

import (
	"context"
	"net/http"

	"github.com/kessai/kessai"
	"github.com/kessai/kessai/engine"
	"github.com/kessai/kessai/jsonapi"
	"github.com/kessai/kessai/payjpflow"
)

func (f *Face) registerRefunds(mux jsonapi.Router) {
	// The SDKs' form: /v2/payment_refunds with payment_flow_id.
	mux.HandleFunc("POST /v2/payment_refunds", f.Post(f.createRefund("payment_flow_id")))
	mux.HandleFunc("GET /v2/payment_refunds", f.Get(f.listRefunds))
	mux.HandleFunc("GET /v2/payment_refunds/{id}", f.Get(f.getRefund))
	mux.HandleFunc("POST /v2/payment_refunds/{id}", f.Post(f.updateRefund))
	// The refund guide's form: /v2/refunds with payment_flow.
	mux.HandleFunc("POST /v2/refunds", f.Post(f.createRefund("payment_flow")))
	mux.HandleFunc("GET /v2/refunds", f.Get(f.listRefunds))
	mux.HandleFunc("GET /v2/refunds/{id}", f.Get(f.getRefund))
	mux.HandleFunc("POST /v2/refunds/{id}", f.Post(f.updateRefund))

	mux.HandleFunc("GET /v2/payment_flows/{id}/refunds", f.Get(f.listFlowRefunds))
}

// createRefund accepts the flow's id under flowField; the other spelling is
// accepted too, so a client mixing the two forms is not refused.
func (f *Face) createRefund(flowField string) jsonapi.PostFunc {
	return func(ctx context.Context, e *engine.Engine, acct *kessai.Account, r *http.Request, body []byte) (any, error) {
		const op = "payjp.createRefund"
		var req struct {
			PaymentFlowID *string          `json:"payment_flow_id"`
			PaymentFlow   *string          `json:"payment_flow"`
			Amount        jsonapi.Int      `json:"amount"`
			Reason        *string          `json:"reason"`
			Metadata      jsonapi.Metadata `json:"metadata"`
		}
		if err := jsonapi.DecodeJSON(body, &req); err != nil {
			return nil, err
		}
		flow := req.PaymentFlowID
		if flow == nil {
			flow = req.PaymentFlow
		}
		if req.PaymentFlowID != nil && req.PaymentFlow != nil && *req.PaymentFlowID != *req.PaymentFlow {
			return nil, kessai.Invalidf(op, flowField, "payment_flow and payment_flow_id name different flows")
		}
		if err := required(op, flowField, flow != nil); err != nil {
			return nil, err
		}
		if !kessai.ValidID(kessai.PrefixPaymentFlow, *flow) {
			return nil, kessai.Errorf(kessai.NotFound, op, "payment_flow: %s not found.", *flow)
		}
		return payjpflow.CreateRefund(e, ctx, acct, payjpflow.RefundParams{PaymentFlowID: *flow, Amount: req.Amount.Ptr(),
			Reason: req.Reason, Metadata: req.Metadata.Metadata})
	}
}

func (f *Face) refundID(r *http.Request) (string, error) {
	return jsonapi.PathID(r, "id", kessai.PrefixRefund, "payment_refund")
}

func (f *Face) getRefund(ctx context.Context, acct *kessai.Account, r *http.Request) (any, error) {
	id, err := f.refundID(r)
	if err != nil {
		return nil, err
	}
	return payjpflow.GetRefund(f.E, ctx, acct, id)
}

func (f *Face) updateRefund(ctx context.Context, e *engine.Engine, acct *kessai.Account, r *http.Request, body []byte) (any, error) {
	id, err := f.refundID(r)
	if err != nil {
		return nil, err
	}
	var req struct {
		Metadata jsonapi.Metadata `json:"metadata"`
	}
	if err := jsonapi.DecodeJSON(body, &req); err != nil {
		return nil, err
	}
	return payjpflow.UpdateRefund(e, ctx, acct, id, req.Metadata.Metadata)
}

func (f *Face) listRefunds(ctx context.Context, acct *kessai.Account, r *http.Request) (any, error) {
	p, err := jsonapi.ParsePage(r)
	if err != nil {
		return nil, err
	}
	q := r.URL.Query()
	flow := q.Get("payment_flow_id")
	if flow == "" {
		flow = q.Get("payment_flow")
	}
	items, more, err := payjpflow.ListRefunds(f.E, ctx, acct, payjpflow.RefundFilter{PaymentFlowID: flow, Reason: q.Get("reason"), Status: q.Get("status")}, p)
	if err != nil {
		return nil, err
	}
	return listOf(r, items, more)
}

func (f *Face) listFlowRefunds(ctx context.Context, acct *kessai.Account, r *http.Request) (any, error) {
	id, err := f.flowID(r)
	if err != nil {
		return nil, err
	}
	p, err := jsonapi.ParsePage(r)
	if err != nil {
		return nil, err
	}
	items, more, err := payjpflow.ListRefunds(f.E, ctx, acct, payjpflow.RefundFilter{PaymentFlowID: id}, p)
	if err != nil {
		return nil, err
	}
	return listOf(r, items, more)
}
