package payjp

import (
	"context"
	"encoding/json"
	"net/http"

	"github.com/kessai/kessai"
	"github.com/kessai/kessai/accounting"
	"github.com/kessai/kessai/engine"
	"github.com/kessai/kessai/jsonapi"
	"github.com/kessai/kessai/payjpflow"
)

// Register adds the face's routes under /v2 to mux.
func (f *Face) Register(mux jsonapi.Router) {
	mux.HandleFunc("POST /v2/payment_methods", f.Post(f.createMethod))
	mux.HandleFunc("GET /v2/payment_methods", f.Get(f.listMethods))
	mux.HandleFunc("GET /v2/payment_methods/{id}", f.Get(f.getMethod))
	mux.HandleFunc("POST /v2/payment_methods/{id}", f.Post(f.updateMethod))
	mux.HandleFunc("POST /v2/payment_methods/{id}/attach", f.Post(f.attachMethod))
	mux.HandleFunc("POST /v2/payment_methods/{id}/detach", f.Post(f.detachMethod))
	mux.HandleFunc("GET /v2/customers/{id}/payment_methods", f.Get(f.listCustomerMethods))

	mux.HandleFunc("POST /v2/customers", f.Post(f.createCustomer))
	mux.HandleFunc("GET /v2/customers", f.Get(f.listCustomers))
	mux.HandleFunc("GET /v2/customers/{id}", f.Get(f.getCustomer))
	mux.HandleFunc("POST /v2/customers/{id}", f.Post(f.updateCustomer))
	mux.HandleFunc("DELETE /v2/customers/{id}", f.Get(f.deleteCustomer))

	mux.HandleFunc("POST /v2/payment_flows", f.Post(f.createFlow))
	mux.HandleFunc("GET /v2/payment_flows", f.Get(f.listFlows))
	mux.HandleFunc("GET /v2/payment_flows/{id}", f.Get(f.getFlow))
	mux.HandleFunc("POST /v2/payment_flows/{id}", f.Post(f.updateFlow))
	mux.HandleFunc("POST /v2/payment_flows/{id}/confirm", f.Post(f.confirmFlow))
	mux.HandleFunc("POST /v2/payment_flows/{id}/capture", f.Post(f.captureFlow))
	mux.HandleFunc("POST /v2/payment_flows/{id}/cancel", f.Post(f.cancelFlow))

	mux.HandleFunc("GET /v2/payment_transactions", f.Get(f.listTransactions))
	mux.HandleFunc("GET /v2/payment_transactions/{id}", f.Get(f.getTransaction))
	mux.HandleFunc("POST /v2/setup_flows", f.Post(f.createSetupFlow))
	mux.HandleFunc("GET /v2/setup_flows", f.Get(f.listSetupFlows))
	mux.HandleFunc("GET /v2/setup_flows/{id}", f.Get(f.getSetupFlow))
	mux.HandleFunc("POST /v2/setup_flows/{id}", f.Post(f.updateSetupFlow))
	mux.HandleFunc("POST /v2/setup_flows/{id}/cancel", f.Post(f.cancelSetupFlow))
	mux.HandleFunc("GET /v2/payment_method_configurations", f.Get(f.listMethodConfigs))
	mux.HandleFunc("GET /v2/payment_method_configurations/{id}", f.Get(f.getMethodConfig))
	mux.HandleFunc("POST /v2/payment_method_configurations/{id}", f.Post(f.updateMethodConfig))
	mux.HandleFunc("GET /v2/terms", f.Get(f.listTerms))
	mux.HandleFunc("GET /v2/terms/{id}", f.Get(f.getTerm))
	mux.HandleFunc("GET /v2/events", f.Get(f.listEvents))
	mux.HandleFunc("GET /v2/events/{id}", f.Get(f.getEvent))

	f.registerRefunds(mux)
	f.registerCatalog(mux)
	f.registerCheckout(mux)
	f.registerAccounting(mux)

	// Anything else under /v2 is a PAY.JP-style 404.
	mux.HandleFunc("/v2/", func(w http.ResponseWriter, r *http.Request) {
		jsonapi.WriteProblem(w, r, kessai.Errorf(kessai.NotFound, "payjp", "No route for %s %s.", r.Method, r.URL.Path))
	})
}

func required(op, field string, set bool) error {
	if !set {
		return kessai.Invalidf(op, field, "Field required")
	}
	return nil
}

type billingReq struct {
	Email   *string         `json:"email"`
	Name    *string         `json:"name"`
	Phone   *string         `json:"phone"`
	Address json.RawMessage `json:"address"`
}

func (b *billingReq) domain() kessai.BillingDetails {
	if b == nil {
		return kessai.BillingDetails{}
	}
	return kessai.BillingDetails{Email: b.Email, Name: b.Name, Phone: b.Phone, Address: b.Address}
}

type methodReq struct {
	Type string `json:"type"`
	Card *struct {
		Number   string      `json:"number"`
		ExpMonth jsonapi.Int `json:"exp_month"`
		ExpYear  jsonapi.Int `json:"exp_year"`
		CVC      string      `json:"cvc"`
	} `json:"card"`
	BillingDetails *billingReq      `json:"billing_details"`
	CustomerID     *string          `json:"customer_id"`
	Metadata       jsonapi.Metadata `json:"metadata"`
}

func (f *Face) createMethod(ctx context.Context, e *engine.Engine, acct *kessai.Account, r *http.Request, body []byte) (any, error) {
	var req methodReq
	if err := jsonapi.DecodeJSON(body, &req); err != nil {
		return nil, err
	}
	if err := required("payjp.createMethod", "type", req.Type != ""); err != nil {
		return nil, err
	}
	p := payjpflow.PaymentMethodParams{Type: req.Type, BillingDetails: req.BillingDetails.domain(), CustomerID: req.CustomerID, Metadata: req.Metadata.Metadata}
	if req.Card != nil {
		for field, set := range map[string]bool{"card.number": req.Card.Number != "", "card.exp_month": req.Card.ExpMonth.Set, "card.exp_year": req.Card.ExpYear.Set} {
			if err := required("payjp.createMethod", field, set); err != nil {
				return nil, err
			}
		}
		p.Card = &payjpflow.CardParams{Number: req.Card.Number, ExpMonth: int(req.Card.ExpMonth.V), ExpYear: int(req.Card.ExpYear.V), CVC: req.Card.CVC}
	}
	return payjpflow.CreatePaymentMethod(e, ctx, acct, p)
}

func (f *Face) getMethod(ctx context.Context, acct *kessai.Account, r *http.Request) (any, error) {
	id, err := jsonapi.PathID(r, "id", kessai.PrefixPaymentMethod, "payment_method")
	if err != nil {
		return nil, err
	}
	return payjpflow.GetPaymentMethod(f.E, ctx, acct, id)
}

func (f *Face) updateMethod(ctx context.Context, e *engine.Engine, acct *kessai.Account, r *http.Request, body []byte) (any, error) {
	id, err := jsonapi.PathID(r, "id", kessai.PrefixPaymentMethod, "payment_method")
	if err != nil {
		return nil, err
	}
	var req struct {
		Type           *string          `json:"type"`
		BillingDetails *billingReq      `json:"billing_details"`
		Metadata       jsonapi.Metadata `json:"metadata"`
	}
	if err := jsonapi.DecodeJSON(body, &req); err != nil {
		return nil, err
	}
	if req.Type != nil {
		// The official schema requires the method's type (a method never
		// changes type): accept it, refuse another.
		pm, err := payjpflow.GetPaymentMethod(e, ctx, acct, id)
		if err != nil {
			return nil, err
		}
		if *req.Type != pm.Type {
			return nil, kessai.Invalidf("payjp.updateMethod", "type", "Input should be '%s', the payment method's type", pm.Type)
		}
	}
	var billing *kessai.BillingDetails
	if req.BillingDetails != nil {
		b := req.BillingDetails.domain()
		billing = &b
	}
	return payjpflow.UpdatePaymentMethod(e, ctx, acct, id, billing, req.Metadata.Metadata)
}

func (f *Face) listMethods(ctx context.Context, acct *kessai.Account, r *http.Request) (any, error) {
	return listed(r, func(p kessai.Page) ([]*kessai.PaymentMethod, bool, error) {
		return payjpflow.ListPaymentMethods(f.E, ctx, acct, r.URL.Query().Get("customer_id"), p)
	})
}

type customerReq struct {
	ID                     *string          `json:"id"`
	Email                  *string          `json:"email"`
	Description            *string          `json:"description"`
	PaymentMethodID        *string          `json:"payment_method_id"`
	DefaultPaymentMethodID *string          `json:"default_payment_method_id"`
	Metadata               jsonapi.Metadata `json:"metadata"`
}

func (c customerReq) params() payjpflow.CustomerParams {
	pm := c.DefaultPaymentMethodID
	if pm == nil {
		pm = c.PaymentMethodID
	}
	return payjpflow.CustomerParams{ID: c.ID, Email: c.Email, Description: c.Description, DefaultPaymentMethodID: pm, Metadata: c.Metadata.Metadata}
}

func (f *Face) createCustomer(ctx context.Context, e *engine.Engine, acct *kessai.Account, r *http.Request, body []byte) (any, error) {
	var req customerReq
	if err := jsonapi.DecodeJSON(body, &req); err != nil {
		return nil, err
	}
	return payjpflow.CreateCustomer(e, ctx, acct, req.params())
}

func (f *Face) getCustomer(ctx context.Context, acct *kessai.Account, r *http.Request) (any, error) {
	id, err := jsonapi.PathID(r, "id", "", "customer")
	if err != nil {
		return nil, err
	}
	return payjpflow.GetCustomer(f.E, ctx, acct, id)
}

func (f *Face) updateCustomer(ctx context.Context, e *engine.Engine, acct *kessai.Account, r *http.Request, body []byte) (any, error) {
	id, err := jsonapi.PathID(r, "id", "", "customer")
	if err != nil {
		return nil, err
	}
	var req customerReq
	if err := jsonapi.DecodeJSON(body, &req); err != nil {
		return nil, err
	}
	return payjpflow.UpdateCustomer(e, ctx, acct, id, req.params())
}

func (f *Face) deleteCustomer(ctx context.Context, acct *kessai.Account, r *http.Request) (any, error) {
	id, err := jsonapi.PathID(r, "id", "", "customer")
	if err != nil {
		return nil, err
	}
	c, err := payjpflow.DeleteCustomer(f.E, ctx, acct, id)
	if err != nil {
		return nil, err
	}
	return deletedCustomerJSON{customerJSON: CustomerJSON(c).(customerJSON), Deleted: true}, nil
}

func (f *Face) listCustomers(ctx context.Context, acct *kessai.Account, r *http.Request) (any, error) {
	return listed(r, func(p kessai.Page) ([]*kessai.Customer, bool, error) {
		return payjpflow.ListCustomers(f.E, ctx, acct, p)
	})
}

type flowReq struct {
	Amount               jsonapi.Int      `json:"amount"`
	Currency             *string          `json:"currency"`
	CaptureMethod        *string          `json:"capture_method"`
	Confirm              *bool            `json:"confirm"`
	CustomerID           *string          `json:"customer_id"`
	Description          *string          `json:"description"`
	PaymentMethodID      *string          `json:"payment_method_id"`
	PaymentMethodTypes   []string         `json:"payment_method_types"`
	PaymentMethodOptions json.RawMessage  `json:"payment_method_options"`
	ReturnURL            *string          `json:"return_url"`
	Metadata             jsonapi.Metadata `json:"metadata"`
}

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}

func (f *Face) createFlow(ctx context.Context, e *engine.Engine, acct *kessai.Account, r *http.Request, body []byte) (any, error) {
	const op = "payjp.createFlow"
	var req flowReq
	if err := jsonapi.DecodeJSON(body, &req); err != nil {
		return nil, err
	}
	if err := required(op, "amount", req.Amount.Set); err != nil {
		return nil, err
	}
	if err := required(op, "currency", req.Currency != nil); err != nil {
		return nil, err
	}
	return payjpflow.CreatePaymentFlow(e, ctx, acct, payjpflow.FlowParams{Amount: req.Amount.V, Currency: *req.Currency,
		CaptureMethod: deref(req.CaptureMethod), Confirm: deref(req.Confirm), CustomerID: req.CustomerID,
		Description: req.Description, PaymentMethodID: req.PaymentMethodID, PaymentMethodTypes: req.PaymentMethodTypes,
		PaymentMethodOptions: req.PaymentMethodOptions, ReturnURL: req.ReturnURL, Metadata: req.Metadata.Metadata})
}

func (f *Face) flowID(r *http.Request) (string, error) {
	return jsonapi.PathID(r, "id", kessai.PrefixPaymentFlow, "payment_flow")
}

func (f *Face) getFlow(ctx context.Context, acct *kessai.Account, r *http.Request) (any, error) {
	id, err := f.flowID(r)
	if err != nil {
		return nil, err
	}
	return payjpflow.GetPaymentFlow(f.E, ctx, acct, id)
}

func (f *Face) updateFlow(ctx context.Context, e *engine.Engine, acct *kessai.Account, r *http.Request, body []byte) (any, error) {
	id, err := f.flowID(r)
	if err != nil {
		return nil, err
	}
	var req flowReq
	if err := jsonapi.DecodeJSON(body, &req); err != nil {
		return nil, err
	}
	if req.Currency != nil {
		return nil, kessai.Invalidf("payjp.updateFlow", "currency", "Extra inputs are not permitted")
	}
	if req.Confirm != nil {
		return nil, kessai.Invalidf("payjp.updateFlow", "confirm", "Extra inputs are not permitted")
	}
	if req.CaptureMethod != nil {
		return nil, kessai.Invalidf("payjp.updateFlow", "capture_method", "Extra inputs are not permitted")
	}
	return payjpflow.UpdatePaymentFlow(e, ctx, acct, id, payjpflow.FlowUpdate{Amount: req.Amount.Ptr(), CustomerID: req.CustomerID,
		Description: req.Description, PaymentMethodID: req.PaymentMethodID, PaymentMethodTypes: req.PaymentMethodTypes,
		PaymentMethodOptions: req.PaymentMethodOptions, ReturnURL: req.ReturnURL, Metadata: req.Metadata.Metadata})
}

func (f *Face) confirmFlow(ctx context.Context, e *engine.Engine, acct *kessai.Account, r *http.Request, body []byte) (any, error) {
	id, err := f.flowID(r)
	if err != nil {
		return nil, err
	}
	var req struct {
		PaymentMethodID      *string         `json:"payment_method_id"`
		ReturnURL            *string         `json:"return_url"`
		CaptureMethod        *string         `json:"capture_method"`
		Description          *string         `json:"description"`
		PaymentMethodTypes   []string        `json:"payment_method_types"`
		PaymentMethodOptions json.RawMessage `json:"payment_method_options"`
	}
	if err := jsonapi.DecodeJSON(body, &req); err != nil {
		return nil, err
	}
	return payjpflow.ConfirmPaymentFlow(e, ctx, acct, id, payjpflow.ConfirmParams{PaymentMethodID: req.PaymentMethodID,
		ReturnURL: req.ReturnURL, CaptureMethod: req.CaptureMethod})
}

func (f *Face) captureFlow(ctx context.Context, e *engine.Engine, acct *kessai.Account, r *http.Request, body []byte) (any, error) {
	id, err := f.flowID(r)
	if err != nil {
		return nil, err
	}
	var req struct {
		AmountToCapture jsonapi.Int `json:"amount_to_capture"`
	}
	if err := jsonapi.DecodeJSON(body, &req); err != nil {
		return nil, err
	}
	return payjpflow.CapturePaymentFlow(e, ctx, acct, id, req.AmountToCapture.Ptr())
}

func (f *Face) cancelFlow(ctx context.Context, e *engine.Engine, acct *kessai.Account, r *http.Request, body []byte) (any, error) {
	id, err := f.flowID(r)
	if err != nil {
		return nil, err
	}
	var req struct {
		CancellationReason *string `json:"cancellation_reason"`
	}
	if err := jsonapi.DecodeJSON(body, &req); err != nil {
		return nil, err
	}
	return payjpflow.CancelPaymentFlow(e, ctx, acct, id, req.CancellationReason)
}

func (f *Face) listFlows(ctx context.Context, acct *kessai.Account, r *http.Request) (any, error) {
	return listed(r, func(p kessai.Page) ([]*kessai.Payment, bool, error) {
		return payjpflow.ListPaymentFlows(f.E, ctx, acct, r.URL.Query().Get("customer_id"), p)
	})
}

func (f *Face) listTransactions(ctx context.Context, acct *kessai.Account, r *http.Request) (any, error) {
	p, err := jsonapi.ParsePage(r)
	if err != nil {
		return nil, err
	}
	q := r.URL.Query()
	if t := q.Get("type"); t != "" && t != kessai.TxnPayment && t != kessai.TxnRefund && t != kessai.TxnChargeback && t != "chargeback_cancel" {
		return nil, kessai.Invalidf("payjp.listTransactions", "type", "Input should be 'payment', 'refund', 'chargeback' or 'chargeback_cancel'")
	}
	if t := q.Get("payment_method_type"); t != "" && t != kessai.MethodCard && t != kessai.MethodPayPay {
		return nil, kessai.Invalidf("payjp.listTransactions", "payment_method_type", "Input should be 'card' or 'paypay'")
	}
	items, more, err := accounting.ListTransactions(f.E, ctx, acct, map[string]string{"type": q.Get("type"), "payment_method_type": q.Get("payment_method_type"), "term_id": q.Get("term_id")}, p)
	if err != nil {
		return nil, err
	}
	return listOf(r, items, more)
}

func (f *Face) getTransaction(ctx context.Context, acct *kessai.Account, r *http.Request) (any, error) {
	id, err := jsonapi.PathID(r, "id", kessai.PrefixTransaction, "payment_transaction")
	if err != nil {
		return nil, err
	}
	return accounting.GetTransaction(f.E, ctx, acct, id)
}

func (f *Face) listEvents(ctx context.Context, acct *kessai.Account, r *http.Request) (any, error) {
	p, err := jsonapi.ParsePage(r)
	if err != nil {
		return nil, err
	}
	q := r.URL.Query()
	filter := map[string]string{"type": q.Get("type"), "resource_id": q.Get("resource_id"), "object": q.Get("object")}
	if filter["type"] == "" && filter["resource_id"] == "" && filter["object"] == "" {
		// Event types, objects and resource ids are the face's own; only
		// an unfiltered list needs the face (each shape searches its index).
		filter["face"] = kessai.FacePayJP
	}
	items, more, err := f.E.ListEvents(ctx, acct, filter, p)
	if err != nil {
		return nil, err
	}
	return listOf(r, items, more)
}

func (f *Face) getEvent(ctx context.Context, acct *kessai.Account, r *http.Request) (any, error) {
	id, err := jsonapi.PathID(r, "id", kessai.PrefixEvent, "event")
	if err != nil {
		return nil, err
	}
	return f.E.GetEvent(ctx, acct, id)
}

func (f *Face) attachMethod(ctx context.Context, e *engine.Engine, acct *kessai.Account, r *http.Request, body []byte) (any, error) {
	id, err := jsonapi.PathID(r, "id", kessai.PrefixPaymentMethod, "payment_method")
	if err != nil {
		return nil, err
	}
	var req struct {
		CustomerID *string `json:"customer_id"`
	}
	if err := jsonapi.DecodeJSON(body, &req); err != nil {
		return nil, err
	}
	if err := required("payjp.attachMethod", "customer_id", req.CustomerID != nil); err != nil {
		return nil, err
	}
	if !kessai.ValidCustomID(*req.CustomerID) {
		return nil, kessai.Errorf(kessai.NotFound, "payjp.attachMethod", "customer: %s not found.", *req.CustomerID)
	}
	return payjpflow.AttachPaymentMethod(e, ctx, acct, id, *req.CustomerID)
}

func (f *Face) detachMethod(ctx context.Context, e *engine.Engine, acct *kessai.Account, r *http.Request, body []byte) (any, error) {
	id, err := jsonapi.PathID(r, "id", kessai.PrefixPaymentMethod, "payment_method")
	if err != nil {
		return nil, err
	}
	if err := jsonapi.DecodeJSON(body, &struct{}{}); err != nil {
		return nil, err
	}
	return payjpflow.DetachPaymentMethod(e, ctx, acct, id)
}

func (f *Face) listCustomerMethods(ctx context.Context, acct *kessai.Account, r *http.Request) (any, error) {
	id, err := jsonapi.PathID(r, "id", "", "customer")
	if err != nil {
		return nil, err
	}
	p, err := jsonapi.ParsePage(r)
	if err != nil {
		return nil, err
	}
	if _, err := payjpflow.GetCustomer(f.E, ctx, acct, id); err != nil {
		return nil, err
	}
	items, more, err := payjpflow.ListPaymentMethods(f.E, ctx, acct, id, p)
	if err != nil {
		return nil, err
	}
	return listOf(r, items, more)
}

func (f *Face) listTerms(ctx context.Context, acct *kessai.Account, r *http.Request) (any, error) {
	since, until, err := dateRange(r.URL.Query(), "payjp.listTerms", "since_start_at", "until_start_at")
	if err != nil {
		return nil, err
	}
	return listed(r, func(p kessai.Page) ([]*kessai.Term, bool, error) {
		return accounting.ListTerms(f.E, ctx, acct, since, until, p)
	})
}

func (f *Face) getTerm(ctx context.Context, acct *kessai.Account, r *http.Request) (any, error) {
	id, err := jsonapi.PathID(r, "id", kessai.PrefixTerm, "term")
	if err != nil {
		return nil, err
	}
	return accounting.GetTerm(f.E, ctx, acct, id)
}

type setupFlowReq struct {
	CustomerID           *string          `json:"customer_id"`
	Description          *string          `json:"description"`
	Metadata             jsonapi.Metadata `json:"metadata"`
	PaymentMethodOptions json.RawMessage  `json:"payment_method_options"`
	PaymentMethodTypes   []string         `json:"payment_method_types"`
	Usage                *string          `json:"usage"`
}

func (q setupFlowReq) params() payjpflow.SetupFlowParams {
	return payjpflow.SetupFlowParams{CustomerID: q.CustomerID, Description: q.Description, PaymentMethodTypes: q.PaymentMethodTypes,
		PaymentMethodOptions: q.PaymentMethodOptions, Usage: q.Usage, Metadata: q.Metadata.Metadata}
}

func (f *Face) createSetupFlow(ctx context.Context, e *engine.Engine, acct *kessai.Account, r *http.Request, body []byte) (any, error) {
	var req setupFlowReq
	if err := jsonapi.DecodeJSON(body, &req); err != nil {
		return nil, err
	}
	return payjpflow.CreateSetupFlow(e, ctx, acct, req.params())
}

func (f *Face) setupFlowID(r *http.Request) (string, error) {
	return jsonapi.PathID(r, "id", kessai.PrefixSetupFlow, "setup_flow")
}

func (f *Face) getSetupFlow(ctx context.Context, acct *kessai.Account, r *http.Request) (any, error) {
	id, err := f.setupFlowID(r)
	if err != nil {
		return nil, err
	}
	return payjpflow.GetSetupFlow(f.E, ctx, acct, id)
}

func (f *Face) updateSetupFlow(ctx context.Context, e *engine.Engine, acct *kessai.Account, r *http.Request, body []byte) (any, error) {
	id, err := f.setupFlowID(r)
	if err != nil {
		return nil, err
	}
	var req setupFlowReq
	if err := jsonapi.DecodeJSON(body, &req); err != nil {
		return nil, err
	}
	if req.Usage != nil {
		return nil, kessai.Invalidf("payjp.updateSetupFlow", "usage", "Extra inputs are not permitted")
	}
	return payjpflow.UpdateSetupFlow(e, ctx, acct, id, req.params())
}

func (f *Face) cancelSetupFlow(ctx context.Context, e *engine.Engine, acct *kessai.Account, r *http.Request, body []byte) (any, error) {
	id, err := f.setupFlowID(r)
	if err != nil {
		return nil, err
	}
	var req struct {
		CancellationReason *string `json:"cancellation_reason"`
	}
	if err := jsonapi.DecodeJSON(body, &req); err != nil {
		return nil, err
	}
	return payjpflow.CancelSetupFlow(e, ctx, acct, id, req.CancellationReason)
}

func (f *Face) listSetupFlows(ctx context.Context, acct *kessai.Account, r *http.Request) (any, error) {
	return listed(r, func(p kessai.Page) ([]*kessai.SetupFlow, bool, error) {
		return payjpflow.ListSetupFlows(f.E, ctx, acct, r.URL.Query().Get("customer_id"), p)
	})
}

func (f *Face) listMethodConfigs(ctx context.Context, acct *kessai.Account, r *http.Request) (any, error) {
	if _, err := jsonapi.ParsePage(r); err != nil {
		return nil, err
	}
	items, err := payjpflow.ListMethodConfigs(f.E, ctx, acct)
	if err != nil {
		return nil, err
	}
	return listOf(r, items, false)
}

func (f *Face) methodConfigID(r *http.Request) (string, error) {
	return jsonapi.PathID(r, "id", kessai.PrefixMethodConfig, "payment_method_configuration")
}

func (f *Face) getMethodConfig(ctx context.Context, acct *kessai.Account, r *http.Request) (any, error) {
	id, err := f.methodConfigID(r)
	if err != nil {
		return nil, err
	}
	return payjpflow.GetMethodConfig(f.E, ctx, acct, id)
}

type methodConfigSettingReq struct {
	DisplayPreference *struct {
		Preference *string `json:"preference"`
	} `json:"display_preference"`
}

func (f *Face) updateMethodConfig(ctx context.Context, e *engine.Engine, acct *kessai.Account, r *http.Request, body []byte) (any, error) {
	const op = "payjp.updateMethodConfig"
	id, err := f.methodConfigID(r)
	if err != nil {
		return nil, err
	}
	var req struct {
		Active *bool                   `json:"active"`
		Name   *string                 `json:"name"`
		Card   *methodConfigSettingReq `json:"card"`
		PayPay *methodConfigSettingReq `json:"paypay"`
	}
	if err := jsonapi.DecodeJSON(body, &req); err != nil {
		return nil, err
	}
	u := payjpflow.MethodConfigUpdate{Active: req.Active, Name: req.Name, Preferences: map[string]string{}}
	for t, s := range map[string]*methodConfigSettingReq{kessai.MethodCard: req.Card, kessai.MethodPayPay: req.PayPay} {
		if s == nil || s.DisplayPreference == nil {
			continue
		}
		if s.DisplayPreference.Preference == nil {
			return nil, kessai.Invalidf(op, t+".display_preference.preference", "Field required")
		}
		u.Preferences[t] = *s.DisplayPreference.Preference
	}
	return payjpflow.UpdateMethodConfig(e, ctx, acct, id, u)
}
