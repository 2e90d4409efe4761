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

func (f *Face) registerCatalog(mux jsonapi.Router) {
	mux.HandleFunc("POST /v2/products", f.Post(f.createProduct))
	mux.HandleFunc("GET /v2/products", f.Get(f.listProducts))
	mux.HandleFunc("GET /v2/products/{id}", f.Get(f.getProduct))
	mux.HandleFunc("POST /v2/products/{id}", f.Post(f.updateProduct))
	mux.HandleFunc("DELETE /v2/products/{id}", f.Get(f.deleteProduct))
	mux.HandleFunc("POST /v2/prices", f.Post(f.createPrice))
	mux.HandleFunc("GET /v2/prices", f.Get(f.listPrices))
	mux.HandleFunc("GET /v2/prices/{id}", f.Get(f.getPrice))
	mux.HandleFunc("POST /v2/prices/{id}", f.Post(f.updatePrice))
	mux.HandleFunc("POST /v2/tax_rates", f.Post(f.createTaxRate))
	mux.HandleFunc("GET /v2/tax_rates", f.Get(f.listTaxRates))
	mux.HandleFunc("GET /v2/tax_rates/{id}", f.Get(f.getTaxRate))
	mux.HandleFunc("POST /v2/tax_rates/{id}", f.Post(f.updateTaxRate))
}

type productReq struct {
	ID             *string `json:"id"`
	Name           *string `json:"name"`
	Active         *bool   `json:"active"`
	DefaultPriceID *string `json:"default_price_id"`
	Description    *string `json:"description"`
	UnitLabel      *string `json:"unit_label"`
	URL            *string `json:"url"`
}

func (q productReq) params() payjpflow.ProductParams {
	return payjpflow.ProductParams{ID: q.ID, Name: q.Name, Active: q.Active, DefaultPriceID: q.DefaultPriceID,
		Description: q.Description, UnitLabel: q.UnitLabel, URL: q.URL}
}

func (f *Face) createProduct(ctx context.Context, e *engine.Engine, acct *kessai.Account, r *http.Request, body []byte) (any, error) {
	var req productReq
	if err := jsonapi.DecodeJSON(body, &req); err != nil {
		return nil, err
	}
	if req.DefaultPriceID != nil {
		return nil, kessai.Invalidf("payjp.createProduct", "default_price_id", "Extra inputs are not permitted")
	}
	return payjpflow.CreateProduct(e, ctx, acct, req.params())
}

func (f *Face) updateProduct(ctx context.Context, e *engine.Engine, acct *kessai.Account, r *http.Request, body []byte) (any, error) {
	id, err := jsonapi.PathID(r, "id", "", "product")
	if err != nil {
		return nil, err
	}
	var req productReq
	if err := jsonapi.DecodeJSON(body, &req); err != nil {
		return nil, err
	}
	if req.ID != nil {
		return nil, kessai.Invalidf("payjp.updateProduct", "id", "Extra inputs are not permitted")
	}
	return payjpflow.UpdateProduct(e, ctx, acct, id, req.params())
}

func (f *Face) getProduct(ctx context.Context, acct *kessai.Account, r *http.Request) (any, error) {
	id, err := jsonapi.PathID(r, "id", "", "product")
	if err != nil {
		return nil, err
	}
	return payjpflow.GetProduct(f.E, ctx, acct, id)
}

func (f *Face) deleteProduct(ctx context.Context, acct *kessai.Account, r *http.Request) (any, error) {
	id, err := jsonapi.PathID(r, "id", "", "product")
	if err != nil {
		return nil, err
	}
	p, err := payjpflow.DeleteProduct(f.E, ctx, acct, id)
	if err != nil {
		return nil, err
	}
	return productDeletedJSON{ID: p.ID, Object: "product", Deleted: true}, nil
}

func (f *Face) listProducts(ctx context.Context, acct *kessai.Account, r *http.Request) (any, error) {
	return listed(r, func(p kessai.Page) ([]*kessai.Product, bool, error) { return payjpflow.ListProducts(f.E, ctx, acct, p) })
}

type priceReq struct {
	ID         *string          `json:"id"`
	ProductID  *string          `json:"product_id"`
	UnitAmount jsonapi.Int      `json:"unit_amount"`
	Currency   *string          `json:"currency"`
	Active     *bool            `json:"active"`
	Nickname   *string          `json:"nickname"`
	LookupKey  *string          `json:"lookup_key"`
	Metadata   jsonapi.Metadata `json:"metadata"`
}

func (f *Face) createPrice(ctx context.Context, e *engine.Engine, acct *kessai.Account, r *http.Request, body []byte) (any, error) {
	var req priceReq
	if err := jsonapi.DecodeJSON(body, &req); err != nil {
		return nil, err
	}
	return payjpflow.CreatePrice(e, ctx, acct, payjpflow.PriceParams{ID: req.ID, ProductID: req.ProductID, UnitAmount: req.UnitAmount.Ptr(),
		Currency: req.Currency, Active: req.Active, Nickname: req.Nickname, LookupKey: req.LookupKey, Metadata: req.Metadata.Metadata})
}

func (f *Face) updatePrice(ctx context.Context, e *engine.Engine, acct *kessai.Account, r *http.Request, body []byte) (any, error) {
	const op = "payjp.updatePrice"
	id, err := jsonapi.PathID(r, "id", "", "price")
	if err != nil {
		return nil, err
	}
	var req priceReq
	if err := jsonapi.DecodeJSON(body, &req); err != nil {
		return nil, err
	}
	for field, set := range map[string]bool{"id": req.ID != nil, "product_id": req.ProductID != nil, "unit_amount": req.UnitAmount.Set, "currency": req.Currency != nil} {
		if set {
			return nil, kessai.Invalidf(op, field, "Extra inputs are not permitted")
		}
	}
	return payjpflow.UpdatePrice(e, ctx, acct, id, payjpflow.PriceParams{Active: req.Active, Nickname: req.Nickname, LookupKey: req.LookupKey,
		Metadata: req.Metadata.Metadata})
}

func (f *Face) getPrice(ctx context.Context, acct *kessai.Account, r *http.Request) (any, error) {
	id, err := jsonapi.PathID(r, "id", "", "price")
	if err != nil {
		return nil, err
	}
	return payjpflow.GetPrice(f.E, ctx, acct, id)
}

func (f *Face) listPrices(ctx context.Context, acct *kessai.Account, r *http.Request) (any, error) {
	p, err := jsonapi.ParsePage(r)
	if err != nil {
		return nil, err
	}
	keys := r.URL.Query()["lookup_keys"]
	if len(keys) > 1 {
		return nil, kessai.Invalidf("payjp.listPrices", "lookup_keys", "kessai filters on one lookup key at a time")
	}
	key := ""
	if len(keys) == 1 {
		key = keys[0]
	}
	items, more, err := payjpflow.ListPrices(f.E, ctx, acct, key, p)
	if err != nil {
		return nil, err
	}
	return listOf(r, items, more)
}

type taxRateReq struct {
	DisplayName *string          `json:"display_name"`
	Inclusive   *bool            `json:"inclusive"`
	Percentage  *json.Number     `json:"percentage"`
	Active      *bool            `json:"active"`
	Country     *string          `json:"country"`
	Description *string          `json:"description"`
	Metadata    jsonapi.Metadata `json:"metadata"`
}

func (q taxRateReq) params() payjpflow.TaxRateParams {
	p := payjpflow.TaxRateParams{DisplayName: q.DisplayName, Inclusive: q.Inclusive, Active: q.Active, Country: q.Country,
		Description: q.Description, Metadata: q.Metadata.Metadata}
	if q.Percentage != nil {
		s := q.Percentage.String()
		p.Percentage = &s
	}
	return p
}

func (f *Face) createTaxRate(ctx context.Context, e *engine.Engine, acct *kessai.Account, r *http.Request, body []byte) (any, error) {
	var req taxRateReq
	if err := jsonapi.DecodeJSON(body, &req); err != nil {
		return nil, err
	}
	return payjpflow.CreateTaxRate(e, ctx, acct, req.params())
}

func (f *Face) updateTaxRate(ctx context.Context, e *engine.Engine, acct *kessai.Account, r *http.Request, body []byte) (any, error) {
	const op = "payjp.updateTaxRate"
	id, err := jsonapi.PathID(r, "id", kessai.PrefixTaxRate, "tax_rate")
	if err != nil {
		return nil, err
	}
	var req taxRateReq
	if err := jsonapi.DecodeJSON(body, &req); err != nil {
		return nil, err
	}
	if req.Percentage != nil || req.Inclusive != nil {
		field := "percentage"
		if req.Inclusive != nil {
			field = "inclusive"
		}
		return nil, kessai.Invalidf(op, field, "Extra inputs are not permitted")
	}
	return payjpflow.UpdateTaxRate(e, ctx, acct, id, req.params())
}

func (f *Face) getTaxRate(ctx context.Context, acct *kessai.Account, r *http.Request) (any, error) {
	id, err := jsonapi.PathID(r, "id", kessai.PrefixTaxRate, "tax_rate")
	if err != nil {
		return nil, err
	}
	return payjpflow.GetTaxRate(f.E, ctx, acct, id)
}

func (f *Face) listTaxRates(ctx context.Context, acct *kessai.Account, r *http.Request) (any, error) {
	return listed(r, func(p kessai.Page) ([]*kessai.TaxRate, bool, error) { return payjpflow.ListTaxRates(f.E, ctx, acct, p) })
}

type productJSON struct {
	Object         string  `json:"object"`
	ID             string  `json:"id"`
	Livemode       bool    `json:"livemode"`
	Name           string  `json:"name"`
	Active         bool    `json:"active"`
	DefaultPriceID *string `json:"default_price_id"`
	Description    *string `json:"description"`
	UnitLabel      *string `json:"unit_label"`
	URL            *string `json:"url"`
	CreatedAt      string  `json:"created_at"`
	UpdatedAt      string  `json:"updated_at"`
}

type productDeletedJSON struct {
	ID      string `json:"id"`
	Object  string `json:"object"`
	Deleted bool   `json:"deleted"`
}

// ProductJSON renders a product.
func ProductJSON(p *kessai.Product) any {
	return productJSON{Object: "product", ID: p.ID, Livemode: p.Livemode, Name: p.Name, Active: p.Active, DefaultPriceID: p.DefaultPriceID,
		Description: p.Description, UnitLabel: p.UnitLabel, URL: p.URL, CreatedAt: ts(p.CreatedAt), UpdatedAt: ts(p.UpdatedAt)}
}

type priceJSON struct {
	Object     string          `json:"object"`
	ID         string          `json:"id"`
	Livemode   bool            `json:"livemode"`
	ProductID  string          `json:"product_id"`
	UnitAmount int64           `json:"unit_amount"`
	Currency   string          `json:"currency"`
	Active     bool            `json:"active"`
	Nickname   *string         `json:"nickname"`
	Type       string          `json:"type"`
	LookupKey  *string         `json:"lookup_key"`
	Metadata   kessai.Metadata `json:"metadata"`
	CreatedAt  string          `json:"created_at"`
	UpdatedAt  string          `json:"updated_at"`
}

// PriceJSON renders a price; kessai's prices are one_time.
func PriceJSON(p *kessai.Price) any {
	return priceJSON{Object: "price", ID: p.ID, Livemode: p.Livemode, ProductID: p.ProductID, UnitAmount: p.UnitAmount, Currency: p.Currency,
		Active: p.Active, Nickname: p.Nickname, Type: "one_time", LookupKey: p.LookupKey, Metadata: md(p.Metadata),
		CreatedAt: ts(p.CreatedAt), UpdatedAt: ts(p.UpdatedAt)}
}

type taxRateJSON struct {
	Object      string          `json:"object"`
	ID          string          `json:"id"`
	Livemode    bool            `json:"livemode"`
	DisplayName string          `json:"display_name"`
	Inclusive   bool            `json:"inclusive"`
	Percentage  json.Number     `json:"percentage"`
	Active      bool            `json:"active"`
	Country     string          `json:"country"`
	Description *string         `json:"description"`
	Metadata    kessai.Metadata `json:"metadata"`
	CreatedAt   string          `json:"created_at"`
	UpdatedAt   string          `json:"updated_at"`
}

// TaxRateJSON renders a tax rate; its percentage is exact (8.5, not
// 8.4999…).
func TaxRateJSON(t *kessai.TaxRate) any {
	return taxRateJSON{Object: "tax_rate", ID: t.ID, Livemode: t.Livemode, DisplayName: t.DisplayName, Inclusive: t.Inclusive,
		Percentage: json.Number(accounting.FormatPercentage(t.Percentage)), Active: t.Active, Country: t.Country,
		Description: t.Description, Metadata: md(t.Metadata), CreatedAt: ts(t.CreatedAt), UpdatedAt: ts(t.UpdatedAt)}
}
